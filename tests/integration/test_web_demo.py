# SPDX-License-Identifier: GPL-2.0-or-later
"""The demo web app (web/, issue 19) served by the server itself, driven
in headless Chromium pages (tests/js/web_demo.js), and the echo and
playback test services heard by real endpoints:

- the static files: content types, ETag/304, refused paths;
- two Chromium pages load http://127.0.0.1:<HTTP_PORT>/, log in as alice
  and bob, call each other with video (the remote video plays), exchange
  messages with delivered and displayed marks, join the same video room
  and chat; screenshots go to the test's tmp folder;
- a SIP phone calling echo@ hears its own tone (frequency checked), a
  browser calling echo@ gets its own audio and video back;
- a SIP phone calling playback@ records the prompt (energy, length) and
  gets the server's BYE at its end (with MSRP chat too: test_playback_chat.py);
- a SIP participant shares a screen in the conference room of a video
  room the demo app is in: the room's notice shows in its chat with the
  viewer URL as a link, and the room pane links "Screen shared by <name>"
  until the sharing stops (tests/js/web_screen.js).

Firefox: no test (not counted as passed). playwright-core drives only its
own patched Firefox builds; Debian's firefox-esr (153 ESR) can be driven
over WebDriver BiDi and logs in to the demo app, but its WebRTC gathers
ICE candidates only on the machine's non-loopback address whatever
media.peerconnection.ice.loopback / force_interface say, and the tests
send media to loopback addresses only, so a call never connects. Nor in a
network namespace of its own (unshare --net): with only lo it gathers
nothing (gathering state stays "new"); with 127.0.0.5 on a veth and a
default route through it, only a TCP candidate on 0.0.0.0 (no UDP host
candidate for a 127/8 address), so the namespace does not help either."""

import http.client
import json
import os
import subprocess
import threading
import time

import pytest

from sylktest.rtpphone import RtpPhone, assert_heard_the_prompt
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN, TOP, Kamailio, run_server_defines

WEB_ROOT = os.path.join(TOP, "web")
DRIVER = os.path.join(TOP, "tests", "js", "web_demo.js")
SCREEN_DRIVER = os.path.join(TOP, "tests", "js", "web_screen.js")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, rtpengine):
    """The default config with the web root and the playback prompt, as
    packaging/run-server.sh passes them."""
    workdir = str(tmp_path_factory.mktemp("webdemo"))
    kamailio = Kamailio(workdir, rtpengine, defines=run_server_defines(workdir))
    yield kamailio
    kamailio.stop()


def get(server, path, headers=None, method="GET"):
    c = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=5)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        c.close()


# ---- static files ---------------------------------------------------------------------

def test_static_files_have_types_etags_and_refuse_escapes(demo):
    status, h, body = get(demo, "/")
    assert status == 200, (status, body)
    assert h["content-type"].startswith("text/html")
    assert body == open(os.path.join(WEB_ROOT, "index.html"), "rb").read()
    assert h["cache-control"] == "no-cache"
    etag = h["etag"]
    status, h2, body = get(demo, "/index.html?x=1", {"If-None-Match": etag})
    assert status == 304 and body == b""
    for path, ctype in (("/app.mjs", "text/javascript"), ("/app.css", "text/css"),
                        ("/lib/sylkrtc.mjs", "text/javascript")):
        if os.path.exists(WEB_ROOT + path):
            status, h, body = get(demo, path)
            assert status == 200 and h["content-type"].startswith(ctype), (path, h)
            assert body == open(WEB_ROOT + path, "rb").read()
    for bad in ("/../README.md", "/lib/../../README.md", "/%2e%2e/README.md",
                "/lib%2f..%2f..%2fREADME.md", "/.git/config", "/nothere.html", "/lib//x",
                "/..%5cREADME.md"):
        status, _, _ = get(demo, bad)
        assert status == 404, bad
    status, h, _ = get(demo, "/", method="POST")
    assert status == 405
    # the server's own paths still answer
    status, _, _ = get(demo, "/metrics")
    assert status == 200


# ---- echo and playback with a SIP phone -------------------------------------------------

def phone(server, user, tone):
    return RtpPhone(server.sip_port, user, tone, "PCMU", domain=SIP_DOMAIN,
                    password=DEMO_ACCOUNTS[user])


def test_sip_phone_calling_echo_hears_its_own_tone(demo):
    p = phone(demo, "carol", 700)
    try:
        p.join(f"sip:echo@{SIP_DOMAIN}")
        time.sleep(2.5)
        share = p.energy_at(700, 1.0)
        other = p.energy_at(1000, 1.0)
        assert p.received_seconds(1.0) > 0.8, p.received_packets
        assert share > 0.5 and other < 0.05, (share, other)
        p.set_tone(1000)
        time.sleep(1.5)
        assert p.energy_at(1000, 1.0) > 0.5, p.spectrum([700, 1000])
        p.leave()
    finally:
        p.close()


def test_sip_phone_calling_playback_records_the_prompt_and_gets_bye(demo):
    p = phone(demo, "carol", None)
    try:
        t0 = time.monotonic()
        p.join(f"sip:playback@{SIP_DOMAIN}")
        assert p.wait_bye(15), "no BYE from playback@"
        assert_heard_the_prompt(p, t0)
    finally:
        p.close()


# ---- the demo app in two Chromium pages ----------------------------------------------------

TONE_HZ = 600


def tone_wav(path, hz=TONE_HZ, seconds=30, rate=48000):
    import math
    import struct
    import wave
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        one = b"".join(struct.pack("<h", int(9000 * math.sin(2 * math.pi * hz * i / rate)))
                       for i in range(rate))
        w.writeframes(one * seconds)


def test_two_chromium_pages_call_message_and_share_a_room_and_echo(demo, workdir):
    """Screenshots of every key moment: <workdir>/*.png."""
    wav = os.path.join(workdir, "tone.wav")
    tone_wav(wav)
    log_path = os.path.join(workdir, "web_demo.log")
    argv = ["node", DRIVER, "--base", f"http://127.0.0.1:{demo.http_port}", "--out", workdir,
            "--fake-audio", wav, "--room", f"demo{os.getpid()}"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=240)
    with open(log_path, "w") as f:
        f.write(r.stdout + r.stderr)
    steps = {}
    for line in r.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if "step" in msg:
            steps.setdefault(msg["step"], []).append(msg)
    assert r.returncode == 0 and "done" in steps, f"web demo failed ({log_path}):\n{r.stdout[-6000:]}\n{r.stderr[-2000:]}"

    logins = steps["login"]
    assert [s["user"] for s in logins] == ["alice", "bob"]
    assert all(s["status"] == 200 and s["type"].startswith("text/html") for s in logins)

    call = steps["call"][0]
    assert "alice@sylk.test" in call["incoming"]
    for side in ("alice", "bob"):
        assert call[side]["frames"] > 20 and call[side]["t"] > 1, call
    assert "terminated" in call["bob_end"]

    marks = steps["messages"][0]["marks"]
    assert "delivered" in marks and "displayed" in marks, marks
    assert steps["messages"][0]["mark_text"] == "✓✓"

    room = steps["room"][0]
    assert "bob" in room["alice"]["label"] and "alice" in room["bob"]["label"], room

    echo = steps["echo"][0]
    assert echo["video"]["frames"] > 20, echo
    # the tone Chromium sends (its fake microphone plays tone.wav) comes back
    near = [p for p in echo["peaks"] if abs(p["hz"] - TONE_HZ) <= 15 and p["db"] > -70]
    assert len(near) >= len(echo["peaks"]) // 2, echo["peaks"]

    assert "nobody@sylk.test ended: 4" in steps["error"][0]["errors"]
    shots = [f for f in os.listdir(workdir) if f.endswith(".png")]
    assert len(shots) >= 10, shots


# ---- the screen shared in the room, linked in the demo app ----------------------------------

def driver_lines(proc):
    """The JSON lines of a driver process, as they come, in a queue."""
    import queue
    q = queue.Queue()

    def read():
        for line in proc.stdout:
            try:
                q.put(json.loads(line))
            except ValueError:
                pass
        q.put(None)
    threading.Thread(target=read, daemon=True).start()
    return q


def next_step(q, timeout):
    """The next {"step": ...} line (events skipped); None when the driver ended."""
    deadline = time.monotonic() + timeout
    while True:
        msg = q.get(timeout=max(0.1, deadline - time.monotonic()))
        if msg is None or "step" in msg:
            return msg


def test_demo_app_links_the_screen_a_sip_participant_shares(demo, workdir):
    import re
    from test_conference import Participant
    from test_conference_files import http_get, jpeg, share

    room = f"screen{os.getpid()}"
    proc = subprocess.Popen(["node", SCREEN_DRIVER, "--base", f"http://127.0.0.1:{demo.http_port}",
                             "--out", workdir, "--room", room],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    bob = None
    try:
        q = driver_lines(proc)
        step = next_step(q, 60)
        assert step and step["step"] == "joined" and step["ok"], step
        bob = Participant(demo, workdir, "bob", room)
        bob.connect()
        image = jpeg((200, 40, 40))
        assert share(bob, image) == 200
        step = next_step(q, 45)
        assert step and step["step"] == "screen" and step["ok"], step
        pane, chat = step["pane"], step["chat"]
        assert len(pane) == 1 and pane[0]["text"].startswith("Screen shared by "), pane
        assert "bob" in pane[0]["text"], pane
        url = pane[0]["href"]
        assert re.fullmatch(rf"http://127\.0\.0\.1:{demo.http_port}/conference/screen/[0-9a-f]{{32}}",
                            url), url
        assert pane[0]["target"] == "_blank" and "noopener" in pane[0]["rel"], pane
        # the room's notice in the chat, its URL a link to the same page
        assert len(chat) == 1 and chat[0]["status"] and chat[0]["links"] == [url], chat
        assert chat[0]["text"].endswith(f"is sharing a screen: {url}"), chat
        status, ctype, page = http_get(url)
        assert status == 200 and ctype.startswith("text/html") and b"<img" in page
        assert http_get(url + ".jpg") == (200, "image/jpeg", image)
        # no more images: the pane's link goes when the room says it stopped
        step = next_step(q, 60)
        assert step and step["step"] == "stopped" and step["ok"], step
        step = next_step(q, 20)
        assert step and step["step"] == "done", step
        assert proc.wait(20) == 0
    finally:
        if bob:
            bob.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
