# SPDX-License-Identifier: GPL-2.0-or-later
"""Chat sessions through the SIP <-> XMPP gateway (RFC 7573), real
processes: a SIP user (the tests' SIP UA with digest credentials, and the
tests' MSRP client) INVITEs an XMPP user of a real Prosody (slixmpp); the
focus answers the session, the gateway bridges it to XMPP one-to-one chat
both ways, and either side ends it."""

import re
import time

import pytest

from sylktest import msrp
from sylktest.msrp import MsrpClient, cpim, iscomposing, parse_iscomposing, random_id
from sylktest.processes import free_port, wait_until
from sylktest.rtpphone import SipError, SipUA
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN, Kamailio
from sylktest.xmpp import XMPP_DOMAIN, Prosody, XmppClient

from test_xmpp import link_up, own_gateway, xmpp_defines

ALICE_JID = f"alice@{SIP_DOMAIN}"
ALICE = f"sip:{ALICE_JID}"
BOB_JID = f"bob@{XMPP_DOMAIN}"
BOB = f"sip:{BOB_JID}"
CHATSTATES = "http://jabber.org/protocol/chatstates"
AUDIO_ONLY = "\r\n".join(["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1",
                          "t=0 0", f"m=audio {free_port()} RTP/AVP 0", "a=rtpmap:0 PCMU/8000",
                          ""])


@pytest.fixture(scope="module")
def prosody(tmp_path_factory):
    p = Prosody(str(tmp_path_factory.mktemp("prosody-chat")), SIP_DOMAIN,
                users=("bob", "dave"))
    yield p
    p.stop()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, rtpengine, prosody):
    kam = Kamailio(str(tmp_path_factory.mktemp("kamailio-xmpp-chat")), rtpengine,
                   defines=xmpp_defines(prosody))
    wait_until(lambda: link_up(kam), 10, what="XMPP component link up")
    yield kam
    kam.stop()


def chat_sessions(kam):
    """The focus's count of private chat sessions (sylk_conference.status)."""
    m = re.search(r"chat_sessions:\s*(\d+)", kam.kamcmd("sylk_conference.status"))
    assert m, kam.kamcmd("sylk_conference.status")
    return int(m.group(1))


class ChatSession:
    """alice's side: her SIP UA (registered, so that MESSAGEs reach it too)
    and, once the focus answered, her MSRP session."""

    def __init__(self, kam, user="alice", password=None, peer=BOB, register=True):
        self.ua = SipUA(kam.sip_port, user, domain=SIP_DOMAIN,
                        password=DEMO_ACCOUNTS[user] if password is None else password)
        if register:
            assert self.ua.register().code == 200
        self.peer = peer
        self.path = f"msrp://127.0.0.1:{free_port()}/{random_id(8)};tcp"
        self.dialog = self.answer = self.msrp = None

    def offer(self):
        return "\r\n".join([
            "v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
            f"m=message {free_port()} TCP/MSRP *", f"a=path:{self.path}",
            "a=accept-types:message/cpim text/plain", "a=accept-wrapped-types:*",
            "a=setup:active", "a=sendrecv", ""])

    def start(self):
        self.dialog, self.answer = self.ua.invite(self.peer, self.offer())
        focus_path = re.search(r"^a=path:(\S+)", self.answer.body, re.M).group(1)
        self.msrp = MsrpClient(focus_path, local_path=self.path)
        assert self.msrp.bind() == 200
        return self

    def say(self, text, sender=ALICE, to=BOB):
        _, tids = self.msrp.send(cpim(sender, to, text))
        return self.msrp.wait_response(tids[-1]).code

    def texts_from(self, who):
        return [m.cpim.body.decode() for m in self.msrp.chat_messages()
                if msrp.Cpim.uri(m.cpim.header("From")) == who]

    def sip_messages(self):
        return [r.body for r in self.ua.requests if r.method == "MESSAGE"]

    def close(self):
        if self.msrp:
            self.msrp.close()
        if self.dialog and not self.dialog.terminated.is_set():
            try:
                self.ua.bye(self.dialog)
            except (TimeoutError, SipError):
                pass
        self.ua.close()


@pytest.fixture
def alice(gateway):
    made = []

    def make(**kw):
        s = ChatSession(gateway, **kw)
        made.append(s)
        return s
    yield make
    for s in made:
        s.close()


def gone(m):
    return "<gone" in m.get("xml", "") and CHATSTATES in m.get("xml", "")


def watch_chat_states(c):
    """Body-less chat-state messages (XEP-0085) of XmppClient @p c onto its
    message queue too (slixmpp's message event wants a body)."""
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath

    def got(msg):
        c.messages.put({"from": str(msg["from"]), "to": str(msg["to"]), "type": msg["type"],
                        "body": None, "xml": str(msg)})
    for state in ("gone", "composing", "paused"):
        c.call(lambda state=state: c.client.register_handler(Callback(
            f"chatstate-{state}", MatchXPath(f"{{jabber:client}}message/{{{CHATSTATES}}}{state}"),
            got)))
    return c


def test_session_carries_chat_both_ways_and_bye_ends_it(gateway, prosody, alice):
    bob = watch_chat_states(XmppClient(prosody, "bob"))
    try:
        base = chat_sessions(gateway)
        s = alice().start()
        # the answer is a plain session, not a conference focus
        contact = s.answer.header("contact")
        assert "isfocus" not in contact and "focus=" not in contact, contact
        assert "a=chatroom" not in s.answer.body
        assert chat_sessions(gateway) == base + 1

        # SIP -> XMPP: CPIM and plain text, from alice's JID to bob
        assert s.say("hello bob, over MSRP") == 200
        m = bob.wait(lambda m: m.get("body") == "hello bob, over MSRP")
        assert m["from"] == ALICE_JID and m["to"].split("/")[0] == BOB_JID
        assert m["type"] == "chat"
        _, tids = s.msrp.send(b"plain text too", content_type="text/plain")
        assert s.msrp.wait_response(tids[-1]).code == 200
        bob.wait(lambda m: m.get("body") == "plain text too" and m["from"] == ALICE_JID)

        # XMPP -> SIP: into the MSRP session, CPIM From bob's SIP form,
        # not as a SIP MESSAGE
        bob.send(ALICE_JID, "hi alice, from XMPP", msg_id="x1", receipt=False)
        s.msrp.wait_for(lambda: "hi alice, from XMPP" in s.texts_from(BOB),
                        timeout=10, what="bob's text in the MSRP session")
        got = [m for m in s.msrp.chat_messages() if m.cpim.body == b"hi alice, from XMPP"][0]
        assert msrp.Cpim.uri(got.cpim.header("To")) == ALICE
        assert not [b for b in s.sip_messages() if "hi alice, from XMPP" in b]

        # typing both ways: is-composing <-> XEP-0085 chat states
        _, tids = s.msrp.send(cpim(ALICE, BOB, iscomposing("active"),
                                   content_type="application/im-iscomposing+xml"))
        assert s.msrp.wait_response(tids[-1]).code == 200
        bob.wait(lambda m: "<composing" in m.get("xml", "") and m["from"] == ALICE_JID)
        bob.send_raw(f"<message to='{ALICE_JID}' type='chat'>"
                     f"<paused xmlns='{CHATSTATES}'/></message>")
        typing = s.msrp.wait_for(lambda: [m for m in s.msrp.messages if m.cpim and
                                          m.cpim.content_type.startswith(
                                              "application/im-iscomposing")],
                                 timeout=10, what="bob's chat state as is-composing")
        assert msrp.Cpim.uri(typing[0].cpim.header("From")) == BOB
        assert parse_iscomposing(typing[0].cpim.body)["state"] == "idle"

        # the SIP user cannot speak as someone else, nor to someone else
        assert s.say("spoofed", sender=f"sip:carol@{SIP_DOMAIN}") == 403
        assert s.say("elsewhere", to=f"sip:dave@{XMPP_DOMAIN}") == 403
        with pytest.raises(AssertionError):
            bob.wait(lambda m: m.get("body") in ("spoofed", "elsewhere"), timeout=1)

        # a re-INVITE (a refresh) is answered for the chat stream; one
        # without chat is refused and the session stays as it was
        r = s.ua.reinvite(s.dialog, s.offer())
        assert r.code == 200 and "a=path:" in r.body and "isfocus" not in r.header("contact")
        assert s.ua.reinvite(s.dialog, AUDIO_ONLY).code == 488
        assert s.say("still in the session") == 200
        bob.wait(lambda m: m.get("body") == "still in the session")

        # BYE from SIP: bob is told <gone/>, the session count is back,
        # and what bob writes now reaches alice as a SIP MESSAGE
        assert s.ua.bye(s.dialog).code == 200
        bob.wait(gone)
        wait_until(lambda: chat_sessions(gateway) == base, 10, what="session count back")
        bob.send(ALICE_JID, "after the session", msg_id="x2", receipt=False)
        wait_until(lambda: [b for b in s.sip_messages() if "after the session" in b], 10,
                   what="a SIP MESSAGE after the session")
        assert "after the session" not in s.texts_from(BOB)
    finally:
        bob.close()
    assert link_up(gateway)


def test_another_xmpp_user_is_not_injected_into_the_session(gateway, prosody, alice):
    bob, dave = XmppClient(prosody, "bob"), XmppClient(prosody, "dave")
    try:
        s = alice().start()
        dave.send(ALICE_JID, "dave butting in", msg_id="d1", receipt=False)
        # dave's message is an ordinary SIP MESSAGE to alice, never in bob's session
        wait_until(lambda: [b for b in s.sip_messages() if "dave butting in" in b], 10,
                   what="dave's SIP MESSAGE")
        bob.send(ALICE_JID, "bob in his session", msg_id="b1", receipt=False)
        s.msrp.wait_for(lambda: "bob in his session" in s.texts_from(BOB), timeout=10)
        assert not [m for m in s.msrp.chat_messages() if b"dave butting in" in m.cpim.body]
        # dave's <gone/> does not end bob's session either
        dave.send_raw(f"<message to='{ALICE_JID}' type='chat'>"
                      f"<gone xmlns='{CHATSTATES}'/></message>")
        time.sleep(1)
        assert not s.dialog.terminated.is_set()
        assert s.say("still here") == 200
        bob.wait(lambda m: m.get("body") == "still here")
    finally:
        bob.close()
        dave.close()


def test_xmpp_user_gone_or_offline_ends_the_session_with_bye(gateway, prosody, alice):
    base = chat_sessions(gateway)
    bob = XmppClient(prosody, "bob")
    open_clients = [bob]
    try:
        # bob closes the chat: XEP-0085 <gone/>
        s = alice().start()
        bob.send_raw(f"<message to='{ALICE_JID}' type='chat'>"
                     f"<gone xmlns='{CHATSTATES}'/></message>")
        assert s.dialog.terminated.wait(10), "no BYE after <gone/>"
        assert s.dialog.bye is not None
        # bob goes offline: his server tells alice's JID, which he had sent
        # presence to (as it does for a contact with a subscription)
        bob.send_raw(f"<presence to='{ALICE_JID}'/>")
        s2 = alice(register=False).start()
        assert s2.say("are you there?") == 200
        bob.wait(lambda m: m.get("body") == "are you there?")
        open_clients.pop().close()
        assert s2.dialog.terminated.wait(10), "no BYE after bob went offline"
        wait_until(lambda: chat_sessions(gateway) == base, 10, what="session count back")
        # an XMPP address nobody has: the session ends at the first
        # message its server bounces (bob offline would have it stored)
        nobody = f"sip:nobody@{XMPP_DOMAIN}"
        s3 = alice(register=False, peer=nobody).start()
        assert s3.say("anyone?", to=nobody) == 200
        assert s3.dialog.terminated.wait(10), "no BYE after the bounce"
    finally:
        for c in open_clients:
            c.close()
    wait_until(lambda: chat_sessions(gateway) == base, 10, what="session count back")
    assert "the XMPP user went unavailable" in gateway.process.log()


def test_session_follows_the_peer_device_that_chats(gateway, prosody, alice):
    """bob on two devices: the session is bound to the one that wrote in it
    (RFC 6121 5.1); the other going offline leaves it, the bound one going
    offline ends it."""
    desk = XmppClient(prosody, "bob")
    open_clients = [desk, XmppClient(prosody, "bob", resource="phone")]
    try:
        for c in open_clients:
            c.send_raw(f"<presence to='{ALICE_JID}'/>")
        s = alice().start()
        desk.send(ALICE_JID, "from my desk", msg_id="k1", receipt=False)
        s.msrp.wait_for(lambda: "from my desk" in s.texts_from(BOB), timeout=10)
        open_clients.pop().close()  # the phone
        time.sleep(1.5)
        assert not s.dialog.terminated.is_set(), "the other device's unavailable ended it"
        assert s.say("still with your desk") == 200
        desk.wait(lambda m: m.get("body") == "still with your desk")
        open_clients.pop().close()  # the desk
        assert s.dialog.terminated.wait(10), "no BYE after the bound device went offline"
    finally:
        for c in open_clients:
            c.close()


def test_link_down_ends_the_sessions_and_refuses_new_ones(gateway, prosody, alice):
    """Prosody killed: the XMPP users' sessions are gone with it, the SIP
    side gets a BYE; a new session while the link is down gets 503 with
    Retry-After; after the restart sessions work again."""
    base = chat_sessions(gateway)
    s = alice().start()
    try:
        prosody.kill()
        assert s.dialog.terminated.wait(10), "no BYE when the XMPP link went down"
        wait_until(lambda: not link_up(gateway), 10, what="link seen down")
        with pytest.raises(SipError) as e:
            alice(register=False).start()
        assert e.value.args[1].code == 503
        assert e.value.args[1].header("retry-after")
    finally:
        if not prosody.process.alive():
            prosody.start()
    wait_until(lambda: link_up(gateway), 15, what="link back up")
    wait_until(lambda: chat_sessions(gateway) == base, 10, what="session count back")
    bob = XmppClient(prosody, "bob")
    try:
        s = alice(register=False).start()
        assert s.say("after the restart") == 200
        bob.wait(lambda m: m.get("body") == "after the restart")
    finally:
        bob.close()


def test_unauthenticated_or_foreign_invites_are_refused(gateway, alice):
    # one of our users without credentials: challenged
    s = alice(password="", register=False)
    s.ua.password = None
    with pytest.raises(SipError) as e:
        s.start()
    assert e.value.args[1].code == 407
    # wrong credentials: refused
    s = alice(password="wrong", register=False)
    with pytest.raises(SipError) as e:
        s.start()
    assert e.value.args[1].code == 403
    # a stranger may not start sessions through us
    stranger = SipUA(gateway.sip_port, "mallory", domain="example.net")
    try:
        d = stranger.new_dialog(BOB)
        r = stranger._transaction("INVITE", d, body=ChatSession.offer(s))
        assert r.code == 403
    finally:
        stranger.close()
    # an audio call to an XMPP user: no chat stream, nothing to bridge
    s = alice(register=False)
    with pytest.raises(SipError) as e:
        s.ua.invite(BOB, AUDIO_ONLY)
    assert e.value.args[1].code == 488


def test_session_limit_and_gateway_stop(tmp_path_factory, rtpengine):
    """A user holds at most max_chat_sessions sessions (486 beyond); the
    gateway stopping ends the sessions it carries with a BYE, and tells
    the XMPP peers <gone/>; the log stays clean (the focus asked no MSRP
    close of a tcp_main that had gone: 'CRITICAL: send_all() ... Broken
    pipe')."""
    with own_gateway(tmp_path_factory, rtpengine, "chat-stop",
                     XMPP_MAX_CHAT_SESSIONS=1) as (kam, bob):
        watch_chat_states(bob)
        s = ChatSession(kam).start()
        second = ChatSession(kam, register=False)
        try:
            with pytest.raises(SipError) as e:
                second.start()
            assert e.value.args[1].code == 486
            assert s.say("before the stop") == 200
            bob.wait(lambda m: m.get("body") == "before the stop")
            kam.stop()
            assert s.dialog.terminated.wait(10), "no BYE when the gateway stopped"
            bob.wait(gone)
        finally:
            second.close()
            s.close()
        log = kam.process.log()
        assert "chat sessions ended: the XMPP gateway stops" in log
        assert [line for line in log.splitlines() if "CRITICAL" in line] == []
