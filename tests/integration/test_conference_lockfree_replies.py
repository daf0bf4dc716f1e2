# SPDX-License-Identifier: GPL-2.0-or-later
"""The focus answers every request with its store lock let go (the
project's rule: no shared lock across network I/O): what a reply needs is
copied under the lock, the reply goes out after it, and what follows (the
first NOTIFY of a subscription, the REFER's progress, a participant
answered or leaving) finds its object again by key. What the peers see
stays as it was: the 200 to a SUBSCRIBE and the 202 to a REFER arrive
before their first NOTIFY, in-dialog requests get their usual answers,
and the module never logs a reply sent with the lock held.

MSRP is written after the lock too: a participant that reads nothing
holds up nobody else's chat, and the module never logs an MSRP write
with the lock held.

Also: a private MSRP chat session of the focus (the playback service's,
an XMPP chat session) closes its MSRP connection when the session ends,
as a room's participant does, instead of answering a late SEND with 481."""

import re
import socket
import threading
import time

import pytest

from sylktest.msrp import MsrpClient, cpim, random_id
from sylktest.processes import free_port, wait_until
from sylktest.rtpphone import SipMessage, SipUA, Subscription
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN
from test_conference_ack import server  # noqa: F401 - the default config with the prompt
from test_conference_security import chat_offer, local, members, room_uri  # noqa: F401
from test_playback_chat import chat_only_offer
from test_xmpp_chat_session import alice as chat_session, gateway, prosody  # noqa: F401

PLAYBACK = f"sip:playback@{SIP_DOMAIN}"
LOCK_BUG = "with the store lock held"


def new_room():
    return f"lockfree{random_id(4)}"


class OrderUA(SipUA):
    """A SipUA that notes every message it receives, in arrival order:
    (Call-ID, "NOTIFY" or the status code, CSeq method)."""

    def __init__(self, *args, **kw):
        self.arrivals = []
        self._arrivals_lock = threading.Lock()
        super().__init__(*args, **kw)

    def _receive(self):
        data = super()._receive()
        if data and data.strip():
            try:
                m = SipMessage(data)
            except (ValueError, IndexError):
                return data
            with self._arrivals_lock:
                self.arrivals.append((m.call_id, m.method or m.code, m.cseq[1]))
        return data

    def seen(self, call_id):
        """What came in the dialog of @p call_id, challenges and provisional
        responses left out."""
        with self._arrivals_lock:
            return [(what, method) for cid, what, method in self.arrivals
                    if cid == call_id and what not in (401, 407) and
                    not (isinstance(what, int) and what < 200)]

    def refer(self, room, refer_to, timeout=10):
        d = self.new_dialog(room_uri(room))
        sub = self._subscriptions[d.call_id] = Subscription(self, d)
        r = self._transaction("REFER", d, timeout=timeout,
                              extra=[f"Refer-To: {refer_to}", "Event: refer"])
        return d, r, sub


def order_ua(server, user):
    return OrderUA(server.sip_port, user, SIP_DOMAIN, DEMO_ACCOUNTS[user])


def room_with_alice(server, members):
    """A new room with alice joined and her MSRP connected: (room, alice)."""
    room = new_room()
    alice = local(server, members, "alice")
    assert alice.join(room).code == 200
    alice.connect()
    return room, alice

def refer_answered_first(ua, room, refer_to, timeout):
    """A REFER of `room` to `refer_to`: its 202 comes before its first NOTIFY;
    the subscription once its final NOTIFY came."""
    d, r, sub = ua.refer(room, refer_to)
    assert r.code == 202, r.start
    wait_until(lambda: any(s.startswith("terminated") for s in list(sub.states)), timeout,
               what=f"the final NOTIFY of the REFER to {refer_to}")
    seen = ua.seen(d.call_id)
    assert seen[0] == (202, "REFER") and seen[1] == ("NOTIFY", "NOTIFY"), seen
    return sub


def lock_bugs(server):
    return [line for line in server.process.log().splitlines() if LOCK_BUG in line]


# ---- the order peers see ------------------------------------------------------------

def test_subscribe_refresh_and_end_are_answered_before_their_notify(server, members):
    room, alice = room_with_alice(server, members)
    carol = order_ua(server, "carol")
    try:
        sub = carol.subscribe(room_uri(room))
        sub.wait_for(lambda d: True, what="the first NOTIFY")
        cid = sub.dialog.call_id
        seen = carol.seen(cid)
        assert seen[0] == (200, "SUBSCRIBE"), seen
        assert ("NOTIFY", "NOTIFY") in seen[1:], seen

        # a refresh: its 200 before the NOTIFY it brings
        before = len(sub.notifies)
        r = carol.request_in_dialog(sub.dialog, "SUBSCRIBE",
                                    extra=["Event: conference", "Expires: 300"])
        assert r.code == 200 and r.header("expires") == "300", r.start
        wait_until(lambda: len(sub.notifies) > before, 5, what="the refresh's NOTIFY")
        seen = carol.seen(cid)
        last_200 = max(i for i, s in enumerate(seen) if s == (200, "SUBSCRIBE"))
        assert ("NOTIFY", "NOTIFY") in seen[last_200 + 1:], seen
        assert sub.states[-1].startswith("active"), sub.states

        # the end: 200, then the terminated NOTIFY
        before = len(sub.notifies)
        r = carol.request_in_dialog(sub.dialog, "SUBSCRIBE",
                                    extra=["Event: conference", "Expires: 0"])
        assert r.code == 200, r.start
        wait_until(lambda: len(sub.notifies) > before, 5, what="the final NOTIFY")
        seen = carol.seen(cid)
        last_200 = max(i for i, s in enumerate(seen) if s == (200, "SUBSCRIBE"))
        assert seen[last_200 + 1:] == [("NOTIFY", "NOTIFY")], seen
        assert sub.states[-1].startswith("terminated"), sub.states
        sub.dialog.terminated.set()

        # the subscription is gone: a refresh now gets 481
        r = carol.request_in_dialog(sub.dialog, "SUBSCRIBE",
                                    extra=["Event: conference", "Expires: 300"])
        assert r.code == 481, r.start
    finally:
        carol.close()


def test_subscribe_to_a_room_that_does_not_run_is_refused(server):
    carol = order_ua(server, "carol")
    try:
        with pytest.raises(Exception) as e:
            carol.subscribe(room_uri(new_room()))
        assert "480" in str(e.value), e.value
    finally:
        carol.close()


def test_refer_is_accepted_before_its_notifies(server, members):
    room = new_room()
    alice = local(server, members, "alice")
    bob = local(server, members, "bob")
    assert alice.join(room).code == 200
    alice.connect()
    assert bob.join(room).code == 200
    bob.connect()
    carol = order_ua(server, "carol")  # an authenticated local user may REFER
    try:
        # method=BYE: 202, then the sipfrag 200 with the subscription's end;
        # bob gets the focus's BYE
        sub = refer_answered_first(carol, room, f"<sip:bob@{SIP_DOMAIN};method=BYE>", 10)
        assert sub.notifies[-1].body.startswith("SIP/2.0 200"), sub.notifies[-1].body
        assert bob.dialog.terminated.wait(10), "no BYE for bob"

        # a dial-out: 202, then 100 Trying, then how it ended
        sub = refer_answered_first(carol, room, f"<sip:nobody{random_id(4)}@{SIP_DOMAIN}>", 20)
        frags = [n.body.split("\r\n")[0] for n in sub.notifies if n.body]
        assert frags[0] == "SIP/2.0 100 Trying", frags
        assert not frags[-1].startswith("SIP/2.0 2"), frags

        # refusals are unchanged: a participant that is not there
        d, r, sub = carol.refer(room, f"<sip:dave@{SIP_DOMAIN};method=BYE>")
        assert r.code == 404, r.start
        d, r, sub = carol.refer(new_room(), f"<sip:dave@{SIP_DOMAIN}>")
        assert r.code == 480, r.start
    finally:
        carol.close()


def test_in_dialog_requests_get_their_answers(server, members):
    room, alice = room_with_alice(server, members)
    ua, d = alice.ua, alice.dialog
    assert ua.request_in_dialog(d, "REFER", extra=[f"Refer-To: <sip:dave@{SIP_DOMAIN}>"]
                                ).code == 403
    assert ua.request_in_dialog(d, "OPTIONS").code == 405
    # a re-INVITE keeps the chat: answered with the focus's path again
    r = ua.reinvite(d, chat_offer(alice.msrp_id))
    assert r.code == 200 and "a=path:msrp" in r.body, r.start
    assert alice.msrp is not None
    assert ua.bye(d).code == 200
    # the dialog is gone: 481 from the focus's Contact
    assert ua.request_in_dialog(d, "OPTIONS").code == 481


def test_concurrent_joins_subscribes_and_leaves_all_get_answers(server, members):
    """Several processes answering at once, each letting go of the lock to
    reply: every join, subscription and BYE still gets its final answer and
    the watcher ends with the room's real state."""
    room, first = room_with_alice(server, members)
    watcher = order_ua(server, "alice")
    try:
        sub = watcher.subscribe(room_uri(room))
        results = []

        def churn(user):
            m = local(server, members, user)
            for _ in range(3):
                results.append(m.join(room).code)
                results.append(m.ua.bye(m.dialog).code)
        threads = [threading.Thread(target=churn, args=(u,)) for u in ("bob", "carol")]
        for t in threads:
            t.start()
        subs = [watcher.subscribe(room_uri(room)) for _ in range(4)]
        for t in threads:
            t.join(60)
        assert results == [200] * len(results) and len(results) == 12, results
        want = [f"sip:alice@{SIP_DOMAIN}"]
        for s in [sub] + subs:
            s.wait_for(lambda doc: sorted(re.findall(r'<user [^>]*entity="([^"]+)"',
                                                     doc.raw.decode())) == want,
                       timeout=10, what="alice alone again")
    finally:
        watcher.close()


# ---- private sessions close their MSRP connection -----------------------------------

def playback_chat(server, user="carol"):
    ua = SipUA(server.sip_port, user, SIP_DOMAIN, DEMO_ACCOUNTS[user])
    path = f"msrp://127.0.0.1:{free_port()}/{random_id(8)};tcp"
    dialog, r = ua.invite(PLAYBACK, chat_only_offer(path))
    focus = re.search(r"^a=path:(\S+)", r.body, re.M).group(1)
    client = MsrpClient(focus, local_path=path)
    assert client.bind() == 200
    return ua, dialog, client


def test_a_playback_chat_session_closes_its_msrp_connection_after_the_bye(server):
    ua, dialog, client = playback_chat(server)
    try:
        _, tids = client.send(cpim(ua.aor, PLAYBACK, "hello"))
        assert client.wait_response(tids[-1]).code == 200
        assert ua.bye(dialog).code == 200
        wait_until(lambda: client.connection_closed, 5,
                   what="the focus closing the session's MSRP connection after the BYE")
    finally:
        client.close()
        ua.close()
    # and the service goes on
    ua, dialog, client = playback_chat(server, "bob")
    try:
        _, tids = client.send(cpim(ua.aor, PLAYBACK, "still there?"))
        assert client.wait_response(tids[-1]).code == 200
        assert not client.connection_closed
        assert ua.bye(dialog).code == 200
    finally:
        client.close()
        ua.close()


def test_an_xmpp_chat_session_closes_its_msrp_connection_after_the_bye(gateway, chat_session):
    s = chat_session().start()
    assert s.ua.bye(s.dialog).code == 200
    wait_until(lambda: s.msrp.connection_closed, 5,
               what="the focus closing the XMPP chat session's MSRP connection after the BYE")
    assert lock_bugs(gateway) == []


# ---- MSRP writes after the lock ---------------------------------------------------

def test_a_participant_that_reads_nothing_holds_up_no_chat(server, members):
    """carol joins a room's chat and reads nothing (a small receive buffer),
    so what the focus writes to her piles up in her connection's queue.
    alice goes on chatting to erin in that room, bob to dave in another:
    every message arrives, in order, within seconds; SIP requests to the
    focus are answered at once; once carol reads, what waited for her
    comes in order; and no MSRP byte was written with the store lock
    held. (Kamailio's asynchronous TCP writes queue what carol does not
    read, so this held before the focus moved its writes out of the lock
    too: a guard, and the log check is what sees a write under the lock.)"""
    room, other = new_room(), new_room()
    alice, bob = local(server, members, "alice"), local(server, members, "bob")
    erin, dave = members(server, "erin"), members(server, "dave")
    for m, r in ((alice, room), (erin, room), (bob, other), (dave, other)):
        assert m.join(r).code == 200
        m.connect()
    carol = local(server, members, "carol")
    assert carol.join(room).code == 200
    focus = re.search(r"a=path:(\S+)", carol.answer.body).group(1)
    carol.msrp = MsrpClient(focus, local_path=f"msrp://127.0.0.1:40000/{carol.msrp_id};tcp",
                            reading=False)
    carol.msrp.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    carol.msrp.send(b"", content_type=None)  # binds; its 200 stays unread
    wait_until(lambda: f"{carol.aor} joined the chat" in server.process.log(), 5,
               what="carol's MSRP connection bound")
    big = "x" * 16384
    sent = [f"{i} {big}" for i in range(100)]
    started = time.monotonic()
    for text in sent:
        _, tids = alice.msrp.send(cpim(alice.aor, room_uri(room), text))
    assert alice.msrp.wait_response(tids[-1], 10).code == 200
    for i in range(20):
        _, last = bob.msrp.send(cpim(bob.aor, room_uri(other), f"other {i}"))
    assert bob.msrp.wait_response(last[-1], 10).code == 200
    t = time.monotonic()
    assert alice.ua.request_in_dialog(alice.dialog, "OPTIONS", timeout=3).code == 405
    alice.ua.subscribe(room_uri(room), timeout=3)
    assert time.monotonic() - t < 2, "SIP answers took seconds"
    erin.msrp.wait_for(lambda: len(erin.msrp.texts()) >= len(sent), 10, what="alice's messages")
    assert erin.msrp.texts() == sent
    dave.msrp.wait_for(lambda: len(dave.msrp.texts()) >= 20, 10, what="bob's messages")
    assert dave.msrp.texts() == [f"other {i}" for i in range(20)]
    assert time.monotonic() - started < 15
    # once she reads, what waited for her comes in order (slowly: her 4 KiB
    # window and delayed ACKs)
    carol.msrp.resume_reading()
    carol.msrp.wait_for(lambda: len(carol.msrp.texts()) >= 10, 15,
                        what="the messages carol did not read")
    got = carol.msrp.texts()
    assert got == sent[:len(got)]
    assert lock_bugs(server) == []


def test_no_reply_was_sent_with_the_store_lock_held(server):
    """Last in this module: after everything above (joins, re-INVITEs,
    BYEs, SUBSCRIBEs, REFERs, the playback service's sessions, room
    chat): no reply and no MSRP write with the lock held."""
    time.sleep(0.5)
    assert lock_bugs(server) == []
