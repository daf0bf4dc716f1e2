# SPDX-License-Identifier: GPL-2.0-or-later
"""SIP over WebSocket with a real WebRTC client: JsSIP (npm, bundled with
esbuild) in headless Chromium with the fake audio device, registered over
ws:// to the proxy. rtpengine turns the browser's ICE/DTLS-SRTP/rtcp-mux
into plain RTP/AVP for an ordinary SIP phone and back, in both directions;
a closed WebSocket takes its registrations with it."""

import json
import os
import re
import subprocess
import time

from sylktest.processes import Process, free_port, wait_until
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN, TOP
from sylktest.sipp import Sipp, run_uac

JS_DIR = os.path.join(TOP, "tests", "js")


class BrowserPhone:
    """tests/js/jssip_browser.js: a JsSIP page in Chromium (alice's unless
    `user` says otherwise)."""

    def __init__(self, server, workdir, mode, target=None, hold=4000, timeout=40000,
                 reinvite=False, user="alice"):
        argv = ["node", os.path.join(JS_DIR, "jssip_browser.js"),
                "--ws", f"ws://127.0.0.1:{server.http_port}/webrtcgateway/ws",
                "--user", user, "--password", DEMO_ACCOUNTS[user], "--domain", SIP_DOMAIN,
                "--mode", mode, "--hold", str(hold), "--timeout", str(timeout)]
        if target:
            argv += ["--target", target]
        if reinvite:
            argv.append("--reinvite")
        self.log_path = os.path.join(workdir, f"jssip-{user}-{mode}.log")
        self.process = Process(f"jssip-{user}-{mode}", argv, self.log_path, cwd=JS_DIR)

    def lines(self):
        out = []
        with open(self.log_path, errors="replace") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass
        return out

    def page_events(self):
        return [e.get("page_event") for e in self.lines() if e.get("event") == "page"]

    def seen(self, event):
        return any(e.get("event") == event or e.get("page_event") == event for e in self.lines())

    def result(self, timeout=45):
        self.process.wait(timeout)
        results = [e for e in self.lines() if e.get("event") == "result"]
        assert results, self.process.log()[-4000:]
        return results[-1]

    def stop(self):
        self.process.stop()


def echo_phone(server, workdir, user="bob"):
    """A SIPp phone registered as `user` over UDP that answers with plain
    RTP/AVP and echoes the audio it gets."""
    media_port = free_port()
    phone = Sipp(workdir, f"{user}-phone", "uas_echo.xml",
                 extra=["-rtp_echo", "-mp", str(media_port), "-mi", "127.0.0.1"])
    reg = run_uac(workdir, f"{user}-register", "register.xml", f"127.0.0.1:{server.sip_port}",
                  keys={"user": user, "domain": SIP_DOMAIN, "contact_port": phone.port},
                  extra=["-au", user, "-ap", DEMO_ACCOUNTS[user]])
    assert reg.actions()[-1] == "final 200", reg.report()
    return phone


def received(sipp, start):
    """The messages a SIPp instance received whose first line starts with
    `start` and that carry SDP, as text, in order."""
    return [block for block in re.split(r"\n-{5,}[^\n]*\n", sipp.messages())
            if "message received" in block and re.search("^" + re.escape(start), block, re.M)
            and "m=audio" in block]


def assert_plain_rtp(sdp_message):
    """What an ordinary SIP phone understands: RTP/AVP, no ICE, no DTLS."""
    assert re.search(r"m=audio \d+ RTP/AVP ", sdp_message), sdp_message
    for webrtc in ("SAVP", "a=fingerprint", "a=ice-ufrag", "a=candidate", "a=setup"):
        assert webrtc not in sdp_message, sdp_message


def alice_ws_contacts(server):
    """alice's contacts in the location table that live on a WebSocket."""
    found, aor = [], None
    for line in server.kamcmd("ul.dump").splitlines():
        line = line.strip()
        if line.startswith("AoR:"):
            aor = line.split(":", 1)[1].strip()
        elif line.startswith("Address:") and aor == "alice" and "transport=ws" in line.lower():
            found.append(line)
    return found


def test_browser_calls_sip_phone_with_plain_rtp(server, workdir):
    phone = echo_phone(server, workdir)
    browser = BrowserPhone(server, workdir, "call", target="bob", hold=6000, reinvite=True)
    try:
        result = browser.result()
        assert result["ok"], (result, browser.page_events(), phone.report())
        assert "confirmed" in browser.page_events()
        # audio came back from the phone's echo, and kept coming, also after
        # the browser put the call on hold and took it off again
        assert result["grew"] and result["stats"]["bytesReceived"] >= 1000, result
        assert result["grew_after_reinvite"], result
        # the browser's answer is WebRTC, made by rtpengine
        assert "UDP/TLS/RTP/SAVPF" in result["remote_sdp"]
        assert "a=fingerprint" in result["remote_sdp"]

        assert phone.wait(10) == 0, phone.report()
        actions = phone.actions()
        assert "bye" in actions
        assert "reinvite direction sendonly" in actions, actions
        assert "reinvite answered recvonly" in actions, actions
        # the phone was offered what an ordinary phone understands, in the
        # INVITE and in both re-INVITEs
        invites = received(phone, "INVITE ")
        assert len(invites) == 3, phone.report()
        for invite in invites:
            assert_plain_rtp(invite)
    finally:
        browser.stop()
        phone.stop()


def test_sip_phone_calls_browser(server, workdir):
    browser = BrowserPhone(server, workdir, "answer", hold=15000)
    phone = None
    try:
        wait_until(lambda: browser.seen("registered") or not browser.process.alive(), 20,
                   what="browser registered")
        assert browser.seen("registered"), browser.process.log()[-3000:]
        media_port = free_port()
        # bob's plain-RTP phone calls alice and echoes her audio; after 5 s it
        # puts her on hold (re-INVITE) and hangs up
        phone = Sipp(workdir, "bob-calls", "uac_hold.xml", f"127.0.0.1:{server.sip_port}",
                     keys={"user": "bob", "domain": SIP_DOMAIN, "callee": "alice"},
                     extra=["-rtp_echo", "-mp", str(media_port), "-mi", "127.0.0.1",
                            "-au", "bob", "-ap", DEMO_ACCOUNTS["bob"], "-d", "5000"])
        assert phone.wait(30) == 0, phone.report()
        assert "hold answered recvonly" in phone.actions(), phone.report()
        assert "hangup 200" in phone.actions(), phone.report()

        result = browser.result()
        events = browser.page_events()
        assert "incoming" in events and "confirmed" in events, events
        assert result["ok"], (result, events)
        assert result["grew"] and result["stats"]["bytesReceived"] >= 1000, result
        # the phone hung up, and the browser heard it
        assert result["ended"] and result["ended"]["originator"] == "remote", result

        # the browser was offered WebRTC, in the INVITE and in the re-INVITE
        incoming = [e for e in browser.lines() if e.get("page_event") == "incoming"][0]
        assert "UDP/TLS/RTP/SAVPF" in incoming["offer"] and "a=fingerprint" in incoming["offer"]
        reinvites = [e for e in browser.lines() if e.get("page_event") == "reinvite"]
        assert reinvites, events
        assert "UDP/TLS/RTP/SAVPF" in reinvites[0]["offer"], reinvites
        assert "a=fingerprint" in reinvites[0]["offer"] and "a=sendonly" in reinvites[0]["offer"]
        # ... and the phone got plain RTP back, to both
        answers = received(phone, "SIP/2.0 200")
        assert len(answers) == 2, phone.report()
        for answer in answers:
            assert_plain_rtp(answer)
    finally:
        browser.stop()
        if phone:
            phone.stop()


def test_browser_calls_browser(server, workdir):
    """Both sides WebRTC: rtpengine keeps ICE and DTLS-SRTP on both legs."""
    callee = BrowserPhone(server, workdir, "answer", hold=15000, user="bob")
    caller = None
    try:
        wait_until(lambda: callee.seen("registered") or not callee.process.alive(), 20,
                   what="callee registered")
        assert callee.seen("registered"), callee.process.log()[-3000:]
        caller = BrowserPhone(server, workdir, "call", target="bob", hold=4000)
        result = caller.result()
        assert result["ok"], (result, caller.page_events(), callee.page_events())
        assert "UDP/TLS/RTP/SAVPF" in result["remote_sdp"]
        answered = callee.result()
        assert answered["ok"], (answered, callee.page_events())
        assert answered["ended"]["originator"] == "remote", answered
        incoming = [e for e in callee.lines() if e.get("page_event") == "incoming"][0]
        assert "UDP/TLS/RTP/SAVPF" in incoming["offer"] and "a=fingerprint" in incoming["offer"]
    finally:
        callee.stop()
        if caller:
            caller.stop()


def test_closed_websocket_leaves_no_contact(server, workdir):
    browser = BrowserPhone(server, workdir, "register", hold=1500)
    try:
        wait_until(lambda: browser.seen("registered") or not browser.process.alive(), 20,
                   what="browser registered")
        assert browser.seen("registered"), browser.process.log()[-3000:]
        contacts = alice_ws_contacts(server)
        assert contacts, server.kamcmd("ul.dump")

        wait_until(lambda: browser.seen("closed") or not browser.process.alive(), 20,
                   what="page closed")
        assert browser.seen("closed"), browser.process.log()[-3000:]
        closed_at = time.monotonic()
        wait_until(lambda: not alice_ws_contacts(server), 5, interval=0.1,
                   what="WebSocket contact removed")
        assert time.monotonic() - closed_at < 2.5
        # a call to alice now finds nobody instead of ringing a dead socket
        lookup = server.kamcmd_result("ul.lookup", "location", "alice")
        assert lookup.stdout.startswith("error") and "transport=ws" not in lookup.stdout, \
            lookup.stdout
        assert browser.result()["ok"]
    finally:
        browser.stop()
