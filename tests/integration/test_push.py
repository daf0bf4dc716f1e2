# SPDX-License-Identifier: GPL-2.0-or-later
"""Push notifications: a browser account that gave a device token
(account-devicetoken) and has no live connection gets one POST per device
at PUSH_URL, in the shape SylkServer sends to sylk-pushserver, when a SIP
phone calls it. A local HTTP server records what arrives. Tokens are kept
only for accounts whose own REGISTER succeeded; a push service that is down
or hangs never delays the caller's reply."""

import json
import os
import socket
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sylktest.processes import free_port, wait_until
from sylktest.rtpphone import SipUA
from sylktest.server import Kamailio
from sylktest.sylkrtc import SylkRtcClient, aor

ALICE = aor("alice")
BOB = aor("bob")
APP = "com.agprojects.sylk-ios"
TOKEN = {"token": "a1b2c3d4e5f6", "platform": "apple", "device": "iphone-of-alice",
         "app": APP, "silent": False}
SDP = "\r\n".join(["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
                   "m=audio 49170 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", ""])
SDP_VIDEO = SDP + "m=video 49172 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"


class PushRecorder:
    """sylk-pushserver stand-in: records every request, answers 200."""

    def __init__(self):
        self.requests = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                recorder.requests.append({"method": "POST", "path": self.path,
                                          "headers": dict(self.headers), "body": body})
                reply = json.dumps({"code": 200, "description": "OK", "data": {}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self):
        return [json.loads(r["body"]) for r in self.requests]

    def wait_count(self, n, timeout=5):
        wait_until(lambda: len(self.requests) >= n, timeout, what=f"{n} push request(s)")

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class HangingServer:
    """Accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.held.append(conn)

    def close(self):
        self.running = False
        self.thread.join(2)
        for c in self.held:
            c.close()
        self.sock.close()


def start_gateway(tmp_path, rtpengine, port, **defines):
    values = {"PUSH_URL": f'"http://127.0.0.1:{port}/push"'}
    values.update(defines)
    return Kamailio(str(tmp_path), rtpengine, defines=values)


@pytest.fixture
def recorder():
    r = PushRecorder()
    yield r
    r.close()


@pytest.fixture
def gateway(tmp_path, rtpengine, recorder):
    kamailio = start_gateway(tmp_path, rtpengine, recorder.port)
    yield kamailio
    kamailio.stop()


def token_rows(server, account=None):
    db = sqlite3.connect(os.path.join(server.state_dir, "sylk.sqlite"), timeout=5)
    try:
        rows = db.execute("SELECT account, app, device, token, platform, silent, user_agent "
                          "FROM sylk_push_tokens").fetchall()
    finally:
        db.close()
    return [r for r in rows if account is None or r[0] == account]


def wait_token_stored(server, account, token=TOKEN["token"]):
    wait_until(lambda: any(r[3] == token for r in token_rows(server, account)), 5,
               what=f"{account}'s push token in sylk_push_tokens")


def wait_offline(server, user):
    """The gateway's un-REGISTER is through: the registrar has no contact
    left (until then a call reaches the gateway's Contact, not a push)."""
    wait_until(lambda: "AOR not found" in server.kamcmd_result("ul.lookup", "location",
                                                               user).stdout, 5,
               what=f"{user}'s contact to leave the location table")


def register_with_token(server, user="alice", **token):
    """A browser that gives `user`'s device token, registers (the binding
    carries the RFC 8599 parameters) and goes away."""
    fields = dict(TOKEN, **token)
    with SylkRtcClient(server.http_port) as client:
        account = client.add_account(user)
        client.expect_ack("account-devicetoken", account=account, **fields)
        client.expect_ack("account-register", account=account)
        client.wait_registration(account, "registered")
        wait_token_stored(server, account, fields["token"])
    wait_offline(server, user)
    return account


def call(server, target, caller="carol", display="Carol Caller", sdp=SDP, timeout=10):
    """An INVITE from a SIP phone; (final response, Call-ID, seconds to it)."""
    ua = SipUA(server.sip_port, caller, display=display)
    try:
        dialog = ua.new_dialog(f"sip:{target}")
        start = time.monotonic()
        final = ua._transaction("INVITE", dialog, body=sdp, timeout=timeout)
        return final, dialog.call_id, time.monotonic() - start
    finally:
        ua.close()


def push_stats(server):
    out = server.kamcmd("sylk_rtc.push")
    return {k: int(v) for k, v in
            (line.strip().split(": ", 1) for line in out.splitlines()
             if ": " in line and line.strip().split(": ", 1)[1].isdigit())}


def test_call_to_offline_account_pushes_once_in_sylkserver_shape(gateway, recorder):
    register_with_token(gateway)
    final, call_id, _ = call(gateway, ALICE)
    assert final.code in (404, 480), final.start       # the reply is the usual one
    recorder.wait_count(1)
    time.sleep(1)
    assert len(recorder.requests) == 1, recorder.requests
    request = recorder.requests[0]
    assert request["path"] == "/push"
    assert request["headers"]["Content-Type"] == "application/json"
    assert recorder.bodies()[0] == {
        "event": "incoming_session", "app-id": APP, "platform": "apple",
        "token": TOKEN["token"], "device-id": TOKEN["device"], "silent": 0,
        "call-id": call_id, "from": "carol@example.org", "from-display-name": "Carol Caller",
        "to": ALICE, "media-type": "audio"}
    stats = push_stats(gateway)
    assert (stats["queued"], stats["sent"], stats["failed"], stats["dropped"]) == (1, 1, 0, 0)


def test_video_call_and_voip_token_of_a_pair(gateway, recorder):
    """SylkServer's "voip#background" tokens: a call wakes the first."""
    register_with_token(gateway, token="voip-token#background-token", silent=True)
    final, call_id, _ = call(gateway, ALICE, sdp=SDP_VIDEO)
    recorder.wait_count(1)
    body = recorder.bodies()[0]
    assert (body["token"], body["media-type"], body["silent"], body["call-id"]) == \
        ("voip-token", "video", 1, call_id)


def test_each_device_gets_one_and_only_its_account_is_pushed(gateway, recorder):
    register_with_token(gateway)
    register_with_token(gateway, device="ipad-of-alice", token="ipad-token")
    register_with_token(gateway, "bob", device="phone-of-bob", token="bob-token")
    call(gateway, ALICE)
    recorder.wait_count(2)
    time.sleep(1)
    bodies = recorder.bodies()
    assert sorted((b["device-id"], b["token"], b["to"]) for b in bodies) == [
        ("ipad-of-alice", "ipad-token", ALICE), ("iphone-of-alice", TOKEN["token"], ALICE)]


def test_account_without_token_gets_none(gateway, recorder):
    with SylkRtcClient(gateway.http_port) as client:
        client.register("bob")
    wait_offline(gateway, "bob")
    final, _, _ = call(gateway, BOB)
    assert final.code in (404, 480), final.start
    time.sleep(1.5)
    assert recorder.requests == []
    # (a call may be queued before the push process has read which accounts
    # have tokens; it then finds none and sends nothing)
    assert push_stats(gateway)["sent"] == 0


def test_token_of_an_account_that_never_registered_is_never_stored(gateway, recorder):
    # added with a wrong password and never registered, then a failed REGISTER
    with SylkRtcClient(gateway.http_port) as client:
        client.add_account("alice", password="not-alices-password")
        client.expect_ack("account-devicetoken", account=ALICE, **TOKEN)
        client.expect_ack("account-register", account=ALICE)
        client.wait_registration(ALICE, "failed")
    with SylkRtcClient(gateway.http_port) as client:
        client.add_account("alice")          # the right HA1, but no REGISTER
        client.expect_ack("account-devicetoken", account=ALICE, **TOKEN)
        time.sleep(0.5)
    assert token_rows(gateway) == []
    call(gateway, ALICE)
    time.sleep(1.5)
    assert recorder.requests == []


def test_token_given_before_register_is_stored_when_it_succeeds(gateway, recorder):
    with SylkRtcClient(gateway.http_port) as client:
        client.add_account("alice", user_agent="Sylk Mobile 1.0")
        client.expect_ack("account-devicetoken", account=ALICE, **TOKEN)
        assert token_rows(gateway) == []
        client.expect_ack("account-register", account=ALICE)
        client.wait_registration(ALICE, "registered")
        wait_token_stored(gateway, ALICE)
    wait_offline(gateway, "alice")
    assert token_rows(gateway) == [(ALICE, APP, TOKEN["device"], TOKEN["token"], "apple", 0,
                                    "Sylk Mobile 1.0")]
    _, call_id, _ = call(gateway, ALICE)
    recorder.wait_count(1)
    assert recorder.bodies()[0]["call-id"] == call_id


def test_token_given_while_registered_is_stored_at_once(gateway, recorder):
    with SylkRtcClient(gateway.http_port) as client:
        client.register("alice")
        client.expect_ack("account-devicetoken", account=ALICE, **TOKEN)
        wait_token_stored(gateway, ALICE)
        client.expect_ack("account-devicetoken", account=ALICE, **dict(TOKEN, token="new"))
        wait_token_stored(gateway, ALICE, "new")
        assert [r[3] for r in token_rows(gateway)] == ["new"]     # replaced, not added


def test_unregister_removes_the_devices_token(gateway, recorder):
    register_with_token(gateway, device="ipad-of-alice", token="ipad-token")
    with SylkRtcClient(gateway.http_port) as client:
        client.add_account("alice")
        client.expect_ack("account-devicetoken", account=ALICE, **TOKEN)
        client.expect_ack("account-register", account=ALICE)
        client.wait_registration(ALICE, "registered")
        wait_token_stored(gateway, ALICE)
        client.expect_ack("account-unregister", account=ALICE)
        wait_until(lambda: [r[2] for r in token_rows(gateway)] == ["ipad-of-alice"], 5,
                   what="the unregistered device's row to go")
    wait_offline(gateway, "alice")
    call(gateway, ALICE)
    recorder.wait_count(1)
    time.sleep(1)
    assert [b["device-id"] for b in recorder.bodies()] == ["ipad-of-alice"]


def closed_port():
    return free_port()


@pytest.mark.parametrize("mode", ["down", "hanging"])
def test_push_service_down_or_hanging_does_not_delay_calls(tmp_path, rtpengine, mode):
    hanging = HangingServer() if mode == "hanging" else None
    port = hanging.port if hanging else closed_port()
    server = start_gateway(tmp_path, rtpengine, port)
    try:
        register_with_token(server)
        with SylkRtcClient(server.http_port) as bob:
            bob.register("bob")
            for _ in range(3):
                final, _, seconds = call(server, ALICE)
                assert final.code in (404, 480) and seconds < 1.0, (final.start, seconds)
            # another user's call goes on while the push process waits
            caller = threading.Thread(target=call, args=(server, BOB), kwargs={"timeout": 10})
            start = time.monotonic()
            caller.start()
            incoming = bob.wait_incoming_session(BOB, timeout=3)
            assert time.monotonic() - start < 2.0
            bob.expect_ack("session-terminate", session=incoming["session"])
            caller.join(10)
        wait_until(lambda: push_stats(server)["failed"] >= 1, 8,
                   what="the push failure to be counted")
        stats = push_stats(server)
        assert stats["sent"] == 0 and stats["queued"] == 3, stats
        assert "push of the call" in server.process.log()
    finally:
        server.stop()
        if hanging:
            hanging.close()


def test_queue_overflow_is_logged_not_a_crash(tmp_path, rtpengine):
    hanging = HangingServer()
    server = start_gateway(tmp_path, rtpengine, hanging.port, PUSH_QUEUE_SIZE=2)
    try:
        register_with_token(server)
        for _ in range(6):
            final, _, seconds = call(server, ALICE)
            assert final.code in (404, 480) and seconds < 1.0, (final.start, seconds)
        stats = push_stats(server)
        assert stats["dropped"] >= 1 and stats["queue_size"] == 2, stats
        wait_until(lambda: "push queue full" in server.process.log(), 3,
                   what="the queue-full log line")
        assert server.process.alive()
        final, _, _ = call(server, BOB)
        assert final.code in (404, 480), final.start
    finally:
        server.stop()
        hanging.close()


def test_message_to_offline_account_pushes_once(gateway, recorder):
    """A SIP MESSAGE kept for alice (sylk_rtc_message()) while no connection
    has her: one "message" push, to the background half of her token."""
    register_with_token(gateway, token="voip-token#background-token")
    ua = SipUA(gateway.sip_port, "carol", display="Carol Caller")
    try:
        dialog = ua.new_dialog(f"sip:{ALICE}")
        final = ua._transaction("MESSAGE", dialog, body="hello", ctype="text/plain")
    finally:
        ua.close()
    assert 200 <= final.code < 300, final.start
    recorder.wait_count(1)
    time.sleep(1)
    assert len(recorder.requests) == 1, recorder.requests
    body = recorder.bodies()[0]
    message_id = body.pop("call-id")
    assert message_id
    assert body == {
        "event": "message", "app-id": APP, "platform": "apple", "token": "background-token",
        "device-id": TOKEN["device"], "silent": 0, "from": "carol@example.org",
        "from-display-name": "Carol Caller", "to": ALICE, "media-type": "sms", "badge": 1,
        "content-type": "text/plain"}


def test_token_given_after_register_leaves_no_stale_contact(gateway, recorder):
    """The token changes the Contact's push parameters: the REGISTER that
    carries them also removes the binding made without them, so once the
    browser is gone the call finds no contact and the device is woken."""
    with SylkRtcClient(gateway.http_port) as client:
        client.register("alice")
        client.expect_ack("account-devicetoken", account=ALICE, **TOKEN)
        wait_token_stored(gateway, ALICE)
        wait_until(lambda: gateway.kamcmd("ul.lookup", "location", ALICE).count("Address:") == 1
                   and "pn-" in gateway.kamcmd("ul.lookup", "location", ALICE), 10,
                   what="one binding, with the push parameters")
    wait_offline(gateway, "alice")
    final, call_id, _ = call(gateway, ALICE)
    assert final.code in (404, 480), final.start
    recorder.wait_count(1)
    assert recorder.bodies()[0]["call-id"] == call_id
