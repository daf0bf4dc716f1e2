# SPDX-License-Identifier: GPL-2.0-or-later
"""SIP <-> XMPP gateway (modules/sylk_xmpp): a real Prosody with the gateway
as its XEP-0114 component, slixmpp clients on Prosody, browser accounts
(sylkRTC) and raw SIP on the SIP side."""

import contextlib
import os
import queue
import socket
import time
import uuid

import pytest

from sylktest.processes import wait_until
from sylktest.server import SIP_DOMAIN, Kamailio
from sylktest.sylkrtc import SylkRtcClient, aor
from sylktest.xmpp import XMPP_DOMAIN, Prosody, XmppClient

from test_messaging import is_account_event, send, wait_disposition, wait_message

ALICE = aor("alice")
BOB_XMPP = f"bob@{XMPP_DOMAIN}"


def xmpp_defines(prosody, secret_file=None):
    return {"WITH_XMPP": 1, "XMPP_COMPONENT_PORT": prosody.component_port,
            "XMPP_SECRET_FILE": f'"{secret_file or prosody.secret_file}"',
            "XMPP_COMPONENT_DOMAIN": f'"{SIP_DOMAIN}"', "XMPP_DOMAINS": f'"{XMPP_DOMAIN}"',
            "XMPP_RECONNECT_MAX": 2, "XMPP_MUC_DOMAIN": f'"conference.{SIP_DOMAIN}"'}


def link_up(kam):
    return "up" in kam.kamcmd("sylk_xmpp.status").split("link:")[1].split("\n")[0]


def xmpp_status(kam):
    """sylk_xmpp.status as {field: text}."""
    out = kam.kamcmd("sylk_xmpp.status")
    return {k.strip(): v.strip() for k, v in
            (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def presences_from(client, jid, seconds):
    """Every <presence/> from jid (any resource) received within `seconds`."""
    got, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            p = client.presences.get(timeout=0.05)
        except queue.Empty:
            continue
        if p["from"].split("/")[0] == jid:
            got.append(p)
    return got


@pytest.fixture(scope="module")
def prosody(tmp_path_factory):
    p = Prosody(str(tmp_path_factory.mktemp("prosody")), SIP_DOMAIN, users=("bob", "dave"))
    yield p
    p.stop()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, rtpengine, prosody):
    kam = Kamailio(str(tmp_path_factory.mktemp("kamailio-xmpp")), rtpengine,
                   defines=xmpp_defines(prosody))
    wait_until(lambda: link_up(kam), 10, what="XMPP component link up")
    yield kam
    kam.stop()


@pytest.fixture
def bob(prosody):
    c = XmppClient(prosody, "bob")
    yield c
    c.close()


def device(server, user):
    c = SylkRtcClient(server.http_port, version=2)
    c.register(user)
    return c


def test_xmpp_to_sip_message_with_receipt(gateway, bob):
    with device(gateway, "alice") as alice:
        mid = "x-" + uuid.uuid4().hex
        bob.send(ALICE, "hello from XMPP <&>", msg_id=mid)
        got = wait_message(alice, mid)
        assert got["sender"]["uri"] == BOB_XMPP
        assert got["content"] == "hello from XMPP <&>"
        assert "positive-delivery" in got["disposition_notification"]
        # alice's device says delivered: an IMDN to bob, a receipt in XMPP
        alice.expect_ack("account-disposition-notification", account=ALICE, uri=BOB_XMPP,
                         message_id=mid, state="delivered", timestamp=got["timestamp"])
        r = bob.wait(lambda m: m.get("receipt") == mid)
        assert r["from"] == ALICE


def test_sip_to_xmpp_message_with_receipt(gateway, bob):
    with device(gateway, "alice") as alice:
        mid = send(alice, ALICE, BOB_XMPP, "hi bob, from SIP")
        wait_disposition(alice, mid, "accepted")
        m = bob.wait(lambda m: m.get("body") == "hi bob, from SIP")
        assert m["from"] == ALICE and m["id"] == mid and m["type"] == "chat"
        # slixmpp answered with a receipt: it reaches alice as "delivered"
        wait_disposition(alice, mid, "delivered")


def udp_message(port, to, body, sender="phone@example.net", content_type="text/plain"):
    """A MESSAGE from a stranger over UDP; the final status and the reply."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(5)
        me = s.getsockname()[1]
        tag = uuid.uuid4().hex[:10]
        head = (f"MESSAGE sip:{to} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bK{tag}\r\n"
                f"From: <sip:{sender}>;tag={tag}\r\nTo: <sip:{to}>\r\n"
                f"Call-ID: {uuid.uuid4().hex}\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        s.sendto(head + body, ("127.0.0.1", port))
        while True:
            reply = s.recv(65535).decode()
            code = int(reply.split()[1])
            if code >= 200:
                return code, reply


def test_unknown_user_and_unsupported_stanzas_get_xmpp_errors(gateway, bob):
    bob.send(f"nobody@{SIP_DOMAIN}", "anyone there?", msg_id="u1")
    e = bob.wait(lambda m: m.get("id") == "u1" and m.get("type") == "error")
    assert e["error"] == "item-not-found" and e["from"] == f"nobody@{SIP_DOMAIN}"
    bob.send_raw(f"<message to='{ALICE}' type='groupchat' id='g1'><body>x</body></message>")
    e = bob.wait(lambda m: m.get("id") == "g1" and m.get("type") == "error")
    assert e["error"] == "feature-not-implemented"
    big = "x" * 40000
    bob.send(ALICE, big, msg_id="big1")
    e = bob.wait(lambda m: m.get("id") == "big1" and m.get("type") == "error")
    assert "<policy-violation" in e["xml"]
    # the link survived all of it
    assert link_up(gateway)


@contextlib.contextmanager
def own_gateway(tmp_path_factory, rtpengine, name, **defines):
    """A Prosody with bob and a Kamailio gateway of its own (for a test that
    changes its settings or stops it), the component links up; yields
    (kamailio, bob's XMPP client); all stopped after."""
    p = Prosody(str(tmp_path_factory.mktemp(f"prosody-{name}")), SIP_DOMAIN, users=("bob",))
    kam = bob = None
    try:
        kam = Kamailio(str(tmp_path_factory.mktemp(f"kamailio-{name}")), rtpengine,
                       defines=dict(xmpp_defines(p), **defines))
        wait_until(lambda: link_up(kam) and f"XMPP component conference.{SIP_DOMAIN} connected"
                   in kam.process.log(), 10, what="both XMPP component links up")
        kam.prosody = p  # for more clients of its users
        bob = XmppClient(p, "bob")
        yield kam, bob
    finally:
        if bob:
            bob.close()
        if kam:
            kam.stop()
        p.stop()


def test_stanza_over_the_size_limit_is_answered_and_the_link_stays(tmp_path_factory, rtpengine):
    """A stanza longer than max_stanza from Prosody: its sender gets a
    policy-violation error, the component reads on past it, and the next
    stanza on the same link is delivered (it used to end the link)."""
    with own_gateway(tmp_path_factory, rtpengine, "limit", XMPP_MAX_STANZA=8192) as (kam, bob):
        with device(kam, "alice") as alice:
            bob.send(ALICE, "y" * 20000, msg_id="huge1")
            e = bob.wait(lambda m: m.get("id") == "huge1" and m.get("type") == "error")
            assert "<policy-violation" in e["xml"] and e["from"] == ALICE
            assert link_up(kam)
            bob.send(ALICE, "and a short one", msg_id="short1")
            assert wait_message(alice, "short1")["content"] == "and a short one"
        # the link never closed ("XMPP component link ... closed: ...")
        assert "XMPP component link" not in kam.process.log()


def test_spoofed_and_unsupported_sip_messages_never_reach_xmpp(gateway, bob):
    # a stranger may not relay through us to XMPP
    code, _ = udp_message(gateway.sip_port, BOB_XMPP, b"spoof", sender=f"alice@{SIP_DOMAIN}x")
    assert code == 403
    # the component refuses to send a from outside its domain (the check before
    # every write); a browser account cannot send as anyone but itself, and
    # content without an XMPP counterpart is refused
    with device(gateway, "alice") as alice:
        mid = send(alice, ALICE, BOB_XMPP, "<b>x</b>", content_type="text/html")
        d = alice.wait_event(is_account_event("disposition-notification", message_id=mid), 10)
        assert d["state"] == "failed" and d["code"] == 415
    with pytest.raises(AssertionError):
        bob.wait(lambda m: m.get("body") in ("spoof", "<b>x</b>"), timeout=1)
    assert link_up(gateway)
    assert "invalid-from" not in gateway.process.log()


def test_prosody_killed_and_restarted_mid_conversation(gateway, prosody):
    bob = XmppClient(prosody, "bob")
    try:
        with device(gateway, "alice") as alice:
            mid = send(alice, ALICE, BOB_XMPP, "before the crash")
            bob.wait(lambda m: m.get("body") == "before the crash")
            wait_disposition(alice, mid, "accepted")
            bob.close()
            prosody.kill()
            wait_until(lambda: not link_up(gateway), 10, what="link seen down")
            # while down: 503 with Retry-After, the sender is told
            mid = send(alice, ALICE, BOB_XMPP, "during the outage")
            d = alice.wait_event(is_account_event("disposition-notification",
                                                  message_id=mid), 10)
            assert d["state"] == "failed" and d["code"] == 503
            prosody.start()
            wait_until(lambda: link_up(gateway), 15, what="link back up after restart")
            bob = XmppClient(prosody, "bob")
            mid = send(alice, ALICE, BOB_XMPP, "after the restart")
            wait_disposition(alice, mid, "accepted")
            bob.wait(lambda m: m.get("body") == "after the restart")
            bob.send(ALICE, "welcome back", msg_id="wb1")
            wait_message(alice, "wb1")
    finally:
        bob.close()
    log = gateway.process.log()
    assert "XMPP component link" in log and "closed" in log


def test_wrong_secret_is_logged_and_retried(tmp_path_factory, rtpengine, prosody):
    bad = os.path.join(str(tmp_path_factory.mktemp("badsecret")), "secret")
    with open(bad, "w") as f:
        f.write("not-the-secret\n")
    kam = Kamailio(str(tmp_path_factory.mktemp("kamailio-badsecret")), rtpengine,
                   defines=xmpp_defines(prosody, secret_file=bad))
    try:
        def refusals():
            return kam.process.log().count("handshake refused by the server (not-authorized)")
        wait_until(lambda: refusals() >= 2, 15, what="two refused handshakes")
        assert kam.process.alive()
        assert not link_up(kam)
        code, reply = udp_message(kam.sip_port, BOB_XMPP, b"x", sender=f"alice@{SIP_DOMAIN}")
        # a stranger claiming a local From is challenged first; the gateway
        # refusal itself is tested with an authenticated browser above
        assert code in (401, 407, 403)
    finally:
        kam.stop()
