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
    """tests/js/jssip_browser.js: alice's JsSIP page in Chromium."""

    def __init__(self, server, workdir, mode, target=None, hold=4000, timeout=40000):
        argv = ["node", os.path.join(JS_DIR, "jssip_browser.js"),
                "--ws", f"ws://127.0.0.1:{server.http_port}/webrtcgateway/ws",
                "--user", "alice", "--password", DEMO_ACCOUNTS["alice"], "--domain", SIP_DOMAIN,
                "--mode", mode, "--hold", str(hold), "--timeout", str(timeout)]
        if target:
            argv += ["--target", target]
        self.log_path = os.path.join(workdir, f"jssip-{mode}.log")
        self.process = Process(f"jssip-{mode}", argv, self.log_path, cwd=JS_DIR)

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
    """The first message a SIPp instance received whose first line starts
    with `start` and that carries SDP, as text."""
    for block in re.split(r"\n-{5,}[^\n]*\n", sipp.messages()):
        if "message received" in block and re.search("^" + re.escape(start), block, re.M) \
                and "m=audio" in block:
            return block
    return ""


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
    browser = BrowserPhone(server, workdir, "call", target="bob", hold=4000)
    try:
        result = browser.result()
        assert result["ok"], (result, browser.page_events(), phone.report())
        assert "confirmed" in browser.page_events()
        # audio came back from the phone's echo, and kept coming
        assert result["grew"] and result["stats"]["bytesReceived"] >= 1000, result
        # the browser's answer is WebRTC, made by rtpengine
        assert "UDP/TLS/RTP/SAVPF" in result["remote_sdp"]
        assert "a=fingerprint" in result["remote_sdp"]

        # the phone was offered what an ordinary phone understands
        invite = received(phone, "INVITE ")
        assert "m=audio" in invite, phone.report()
        assert re.search(r"m=audio \d+ RTP/AVP ", invite), invite
        assert "a=fingerprint" not in invite and "a=ice-ufrag" not in invite, invite
        assert "SAVP" not in invite, invite

        assert phone.wait(10) == 0, phone.report()
        assert "bye" in phone.actions()
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
        # bob's plain-RTP phone calls alice, echoes her audio, hangs up after 5 s
        phone = Sipp(workdir, "bob-calls", "uac_to_gateway.xml", f"127.0.0.1:{server.sip_port}",
                     keys={"user": "bob", "domain": SIP_DOMAIN, "callee": "alice"},
                     extra=["-rtp_echo", "-mp", str(media_port), "-mi", "127.0.0.1",
                            "-au", "bob", "-ap", DEMO_ACCOUNTS["bob"], "-d", "5000"])
        assert phone.wait(30) == 0, phone.report()
        assert "hangup 200" in phone.actions(), phone.report()

        result = browser.result()
        events = browser.page_events()
        assert "incoming" in events and "confirmed" in events, events
        assert result["ok"], (result, events)
        assert result["grew"] and result["stats"]["bytesReceived"] >= 1000, result
        # the phone hung up, and the browser heard it
        assert result["ended"] and result["ended"]["originator"] == "remote", result

        # the browser was offered WebRTC, the phone got plain RTP back
        incoming = [e for e in browser.lines() if e.get("page_event") == "incoming"][0]
        assert "UDP/TLS/RTP/SAVPF" in incoming["offer"] and "a=fingerprint" in incoming["offer"]
        answer = received(phone, "SIP/2.0 200")
        assert re.search(r"m=audio \d+ RTP/AVP ", answer), phone.report()
        assert "a=fingerprint" not in answer and "a=ice-ufrag" not in answer, answer
    finally:
        browser.stop()
        if phone:
            phone.stop()


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
