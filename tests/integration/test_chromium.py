# SPDX-License-Identifier: GPL-2.0-or-later
"""A real browser through the gateway: headless Chromium (Debian's package,
fake microphone) runs tests/web/sylkrtc-call.html, which speaks sylkRTC-2
directly, trickles its ICE candidates, and calls a SIPp phone that echoes
the audio. The call must reach "established" and getStats() must show
inbound audio bytes growing."""

import json
import os
import subprocess

from sylktest.server import SIP_DOMAIN, TOP
from sylktest.sylkrtc import ha1
from test_sylkrtc_calls import echo_phone, forget_old_phones  # noqa: F401

JS_DIR = os.path.join(TOP, "tests", "js")


def test_chromium_calls_sip_phone_over_trickle_ice(server, workdir):
    phone = echo_phone(server, workdir)
    url = f"ws://127.0.0.1:{server.http_port}/webrtcgateway/ws"
    run = subprocess.run(
        ["node", os.path.join(JS_DIR, "chromium_call.js"), "--ws", url,
         "--account", f"alice@{SIP_DOMAIN}", "--ha1", ha1("alice"), "--uri", f"bob@{SIP_DOMAIN}",
         "--hold", "3000", "--min-bytes", "4000", "--timeout", "40000"],
        capture_output=True, text=True, timeout=90)
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    result = next((e for e in lines if e.get("event") == "result"), None)
    assert result is not None and result["ok"], run.stdout[-4000:] + run.stderr[-2000:]
    states = [e["state"] for e in lines if e.get("event") == "state"]
    assert states[-4:] == ["ringing", "accepted", "established", "terminated"], states
    # the gateway itself said "established" (media seen by rtpengine)
    assert any(e.get("event") == "server-established" for e in lines)
    # the page trickled its candidates, ending with the empty list
    assert any(e.get("event") == "candidate" for e in lines)
    assert any(e.get("event") == "trickle-end" for e in lines)
    stats = [e for e in lines if e.get("event") == "stats"]
    received = [s.get("bytesReceived", 0) for s in stats]
    assert received and received[-1] >= 4000 and received[-1] > received[0], received
    phone.wait(15)
    assert "bye" in phone.actions()
