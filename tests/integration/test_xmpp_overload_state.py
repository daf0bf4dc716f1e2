# SPDX-License-Identifier: GPL-2.0-or-later
"""No silent loss under overload (issue 18), the stanzas beyond presence:
MUC occupant presence, chat states of MSRP chat sessions, XMPP error
answers, and MUC messages, with a one-stanza queue (XMPP_QUEUE_SIZE=1),
the component process paused (SIGSTOP) while the other side acts.

- occupant presence and a room's subject are state: they wait as the
  latest per (occupant, user), so every XMPP user in a room ends with the
  right occupant list, and the gateway stopping tells every occupant;
- a chat session's chat states wait as the latest of the pair (the final
  <gone/> behind the session's last messages): the XMPP user sees the
  session's end;
- error answers wait, each one;
- groupchat messages are not state: one that cannot reach every XMPP
  occupant is not kept, and its sender is told (the MSRP participant by a
  private message of the gateway in the room's chat, the XMPP occupant by
  a `resource-constraint` error), with a log line naming room and sender.

Real processes: Prosody with the gateway as its component, slixmpp
clients, the focus with a Blink-style SIP participant (SIPp and the tests'
MSRP client), the tests' SIP UA for chat sessions."""

import contextlib
import time
import uuid

import pytest

from sylktest import msrp
from sylktest.msrp import cpim, iscomposing, random_id
from sylktest.processes import wait_until
from sylktest.server import SIP_DOMAIN, Kamailio
from sylktest.xmpp import Prosody, XmppClient

from test_conference import people as sip_people  # noqa: F401 (fixture)
from test_conference import texts_from
from test_xmpp import link_up, own_gateway, xmpp_defines, xmpp_status
from test_xmpp_chat_session import ALICE, BOB, ChatSession, gone, watch_chat_states
from test_xmpp_muc import MUC, groupchat, join, leave, occupant, say
from test_xmpp_overload import component_stopped

GATEWAY = f"sip:xmpp-gateway@{SIP_DOMAIN}"


@pytest.fixture(scope="module")
def prosody(tmp_path_factory):
    p = Prosody(str(tmp_path_factory.mktemp("prosody-overload-state")), SIP_DOMAIN,
                users=("bob", "dave", "erin"))
    yield p
    p.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, rtpengine, prosody):
    """The focus and the XMPP gateway in one Kamailio, a one-stanza queue
    (test_conference's participants use this fixture)."""
    kam = Kamailio(str(tmp_path_factory.mktemp("kamailio-xmpp-overload-state")), rtpengine,
                   defines=dict(xmpp_defines(prosody), XMPP_QUEUE_SIZE=1))
    wait_until(lambda: link_up(kam) and "XMPP component " + MUC + " connected"
               in kam.process.log(), 10, what="both XMPP component links up")
    yield kam
    kam.stop()


def room_view(client, room, seen):
    """The occupants of `room` as `client` sees them now: the nicknames
    whose latest presence (of those received so far, kept in `seen`) is
    available."""
    while True:
        try:
            p = client.presences.get_nowait()
        except Exception:  # noqa: BLE001 (queue.Empty)
            break
        if p["from"].startswith(room + "/"):
            seen[p["from"].split("/", 1)[1]] = p["type"]
    return {nick for nick, kind in seen.items() if kind == "available"}


def settled_view(client, room, want, timeout=15):
    """The view once it is `want` (or the timeout), and still after a second
    more: what the client ends with."""
    seen = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and room_view(client, room, seen) != want:
        time.sleep(0.1)
    time.sleep(1)
    return room_view(client, room, seen), seen


def watch_subjects(c):
    """Body-less <subject/> messages (the end of a join) of XmppClient @p c
    onto its message queue too (slixmpp's message event wants a body)."""
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath

    def got(msg):
        c.messages.put({"from": str(msg["from"]), "to": str(msg["to"]), "type": msg["type"],
                        "body": None, "xml": str(msg)})
    c.call(lambda: c.client.register_handler(Callback(
        "muc-subject", MatchXPath("{jabber:client}message/{jabber:client}subject"), got)))
    return c


def subject_from(client, room):
    return client.wait(lambda m: m.get("from") == room and "<subject" in m.get("xml", ""))


# ---- MUC occupant presence -------------------------------------------------------


def test_occupant_presence_waits_beyond_a_full_queue(server, prosody):
    """While the component process is paused, bob, dave and erin join a
    room and dave leaves it again: after it runs again, the joins and the
    leave fan out many more occupant presences than the one-stanza queue
    holds. None is dropped: bob and erin each end with {Bob, Erin} and the
    room's subject (the end of their join), dave with himself gone."""
    room = f"xmuco{random_id(4).lower()}@{MUC}"
    bob, dave, erin = (watch_subjects(XmppClient(prosody, u)) for u in ("bob", "dave", "erin"))
    try:
        before = xmpp_status(server)
        with component_stopped(server):
            join(bob, room, "Bob")
            join(dave, room, "Dave")
            join(erin, room, "Erin")
            leave(dave, room, "Dave")
            time.sleep(0.5)  # Prosody has written them to the component
        for c in (bob, erin):
            view, seen = settled_view(c, room, {"Bob", "Erin"})
            assert view == {"Bob", "Erin"}, (c.jid, seen, xmpp_status(server))
            subject_from(c, room)
        g = dave.wait_presence(occupant(room, "Dave", "unavailable"))
        assert "110" in g["xml"], g
        st = xmpp_status(server)
        # the path under test was taken; nothing lost, nothing left waiting
        assert int(st["presence_deferred"]) > int(before["presence_deferred"]), st
        assert st["dropped"] == before["dropped"], st
        assert int(st["presence_waiting"]) == 0, st
        assert "MUC stanza not queued" not in server.process.log()
    finally:
        for c in (bob, dave, erin):
            c.close()


def test_gateway_stopping_tells_every_occupant(tmp_path_factory, rtpengine):
    """Kamailio stopped with three occupants (three devices of bob, each in
    a room of its own) and a one-stanza queue: each of them gets
    `unavailable` for itself from its room (the ones beyond the queue wait
    and are written before the streams close)."""
    rooms = [f"xmucz{random_id(4).lower()}@{MUC}" for _ in range(3)]
    with own_gateway(tmp_path_factory, rtpengine, "muc-stop-full",
                     XMPP_QUEUE_SIZE=1) as (kam, bob):
        devices = [bob] + [XmppClient(kam.prosody, "bob", resource=f"d{i}") for i in range(2)]
        try:
            for c, room in zip(devices, rooms):
                join(c, room, "B")
                c.wait_presence(occupant(room, "B"))
            time.sleep(0.5)
            kam.stop()
            for c, room in zip(devices, rooms):
                g = c.wait_presence(occupant(room, "B", "unavailable"), timeout=10)
                assert "110" in g["xml"], g
            assert "3 occupants at shutdown" not in kam.process.log()  # one per room
            assert kam.process.log().count("occupants at shutdown told unavailable") == 3
        finally:
            for c in devices[1:]:
                c.close()


# ---- MUC messages ---------------------------------------------------------------


def test_muc_messages_beyond_a_full_queue_tell_their_sender(server, prosody,
                                                            sip_people):  # noqa: F811
    """Groupchat messages are not state: one that cannot reach every XMPP
    occupant is not kept, and its sender is told. carol (MSRP) writes while
    the component process is paused: the one-stanza queue takes the copy
    for one of the two XMPP occupants; carol reads, privately from the
    gateway, that it did not reach the other, and the log names the room
    and her. bob (XMPP) writes: the copy for one occupant is refused, bob
    gets a `resource-constraint` error for his message, carol reads it."""
    name = f"xmucq{random_id(4).lower()}"
    room = f"{name}@{MUC}"
    carol = sip_people("carol", name)
    c = carol.connect()
    bob, dave = XmppClient(prosody, "bob"), XmppClient(prosody, "dave")
    try:
        join(bob, room, "Bob")
        bob.wait_presence(occupant(room, "Bob"))
        join(dave, room, "Dave")
        settled_view(bob, room, {"Bob", "Dave"})
        settled_view(dave, room, {"Bob", "Dave"})

        with component_stopped(server):
            assert carol.say("while the gateway stalls") == 200
            told = c.wait_for(lambda: [m for m in c.chat_messages()
                                       if msrp.Cpim.uri(m.cpim.header("From")) == GATEWAY],
                              timeout=10, what="carol told by the gateway")
        text = told[0].cpim.body.decode()
        assert "did not reach 1 of the 2 XMPP participants" in text, text
        assert msrp.Cpim.uri(told[0].cpim.header("To")) == carol.uri  # privately
        assert (f"MUC {room}: message of {carol.uri} (carol) not delivered to 1 of 2"
                in server.process.log())
        got = []
        for x in (bob, dave):
            try:
                got.append(x.wait(groupchat(room, "carol", "while the gateway stalls"),
                                  timeout=3))
            except AssertionError:
                pass
        assert len(got) == 1, got  # the one the queue took, no more

        mid = say(bob, room, "one more than the queue holds")
        e = bob.wait(lambda m: m.get("id") == mid and m.get("type") == "error")
        assert e["error"] == "resource-constraint", e
        assert "not delivered to 1 of the 2 occupants" in e["xml"], e
        c.wait_for(lambda: "one more than the queue holds" in texts_from(c), timeout=10,
                   what="carol reads bob")
        assert (f"MUC {room}: message of Bob (bob@" in server.process.log())
    finally:
        bob.close()
        dave.close()


# ---- chat sessions ----------------------------------------------------------------


@contextlib.contextmanager
def chatting_with_bob(server, prosody):
    """alice's MSRP chat session with bob (XMPP), a first text through:
    (session, bob's client); both closed at the end."""
    bob = watch_chat_states(XmppClient(prosody, "bob"))
    s = ChatSession(server)
    try:
        s.start()
        assert s.say("before the stall") == 200
        bob.wait(lambda m: m.get("body") == "before the stall")
        yield s, bob
    finally:
        s.close()
        bob.close()


def test_session_chat_states_and_gone_wait_beyond_a_full_queue(server, prosody):
    """alice (MSRP chat session with bob) writes, types, writes again and
    hangs up while the component process is paused: the first text takes
    the one-stanza queue, her typing waits as the pair's chat state, her
    second text behind it, and the BYE's <gone/> replaces the typing and
    goes after the last text. The session is not cut for want of room
    (a chat state is state), and bob sees both texts, then <gone/>."""
    with chatting_with_bob(server, prosody) as (s, bob):
        with component_stopped(server):
            assert s.say("one") == 200
            _, tids = s.msrp.send(cpim(ALICE, BOB, iscomposing("active"),
                                       content_type="application/im-iscomposing+xml"))
            assert s.msrp.wait_response(tids[-1]).code == 200
            assert s.say("two") == 200
            assert not s.dialog.terminated.is_set(), "the gateway ended the session"
            assert s.ua.bye(s.dialog).code == 200
        seen = []
        bob.wait(lambda m: seen.append(m) or gone(m), timeout=10)
        bodies = [m.get("body") for m in seen if m.get("body")]
        assert bodies == ["one", "two"], seen  # the texts, in order, before <gone/>
        assert not [m for m in seen if "<composing" in m.get("xml", "")], seen


def test_session_cut_for_a_full_queue_tells_the_peer_gone(server, prosody):
    """A text that finds the queue full (nothing of the pair waiting) ends
    the session (its sender is told by the BYE, as before); the XMPP peer
    is told too: its <gone/> waits beyond the full queue."""
    with chatting_with_bob(server, prosody) as (s, bob):
        with component_stopped(server):
            assert s.say("one") == 200
            try:
                s.say("no room for this one")
            except Exception:  # noqa: BLE001 (the session may be gone first)
                pass
            assert s.dialog.terminated.wait(10), "no BYE when XMPP could not take it"
        seen = []
        bob.wait(lambda m: seen.append(m) or gone(m), timeout=10)
        assert [m.get("body") for m in seen if m.get("body")] == ["one"], seen


# ---- error answers ----------------------------------------------------------------


def test_error_answers_wait_beyond_a_full_queue(server, prosody):
    """Three messages of bob to the gateway's own domain (no such user)
    arrive together after the pause: each gets its error answer, though the
    queue holds one."""
    bob = XmppClient(prosody, "bob")
    try:
        ids = [uuid.uuid4().hex[:10] for _ in range(3)]
        with component_stopped(server):
            for i in ids:
                bob.send_raw(f"<message to='{SIP_DOMAIN}' type='chat' id='{i}'>"
                             "<body>anyone?</body></message>")
            time.sleep(0.5)
        for i in ids:
            e = bob.wait(lambda m, i=i: m.get("id") == i and m.get("type") == "error")
            assert e["error"] == "item-not-found", e
        assert int(xmpp_status(server)["presence_waiting"]) == 0
    finally:
        bob.close()
