# SPDX-License-Identifier: GPL-2.0-or-later
"""A real SIP-over-WebSocket client (JsSIP from npm, in Node) registers
through the sylk_websocket transport and calls a SIPp phone."""

import os
import subprocess

from sylktest.rtp import RtpEndpoint
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN, TOP
from sylktest.sipp import Sipp, run_uac

JS_DIR = os.path.join(TOP, "tests", "js")


def test_jssip_registers_and_calls_sipp_phone_over_websocket(server, workdir):
    bob_rtp = RtpEndpoint(0xB0B)
    uas = Sipp(workdir, "bob-phone", "call_uas.xml", keys={"rtp_port": bob_rtp.port})
    try:
        reg = run_uac(workdir, "bob-register", "register.xml", f"127.0.0.1:{server.sip_port}",
                      keys={"user": "bob", "domain": SIP_DOMAIN, "contact_port": uas.port},
                      extra=["-au", "bob", "-ap", DEMO_ACCOUNTS["bob"]])
        assert reg.actions()[-1] == "final 200", reg.report()

        url = f"ws://127.0.0.1:{server.http_port}/webrtcgateway/ws"
        js = subprocess.run(["node", os.path.join(JS_DIR, "jssip_call.js"), url, "alice",
                             DEMO_ACCOUNTS["alice"], SIP_DOMAIN, "bob"],
                            capture_output=True, text=True, timeout=40, cwd=JS_DIR)
        milestones = [line for line in js.stdout.splitlines()
                      if line in ("registered", "confirmed", "ended", "unregistered")
                      or line.startswith("FAILED")]
        assert milestones == ["registered", "confirmed", "ended", "unregistered"], \
            js.stdout + js.stderr
        assert js.returncode == 0

        # the phone really got the call through the proxy, and the BYE
        assert uas.wait(10) == 0, uas.report()
        assert "SIP/2.0/WS" in uas.messages(), "the INVITE came from the WebSocket client"
    finally:
        uas.stop()
        bob_rtp.close()
