# SPDX-License-Identifier: GPL-2.0-or-later
"""The conference focus (sylk_conference): rooms joined with SIPp INVITEs
carrying MSRP SDP, chat through the tests' own MSRP client over TCP and TLS,
the conference event package (RFC 4575) with SUBSCRIBE/NOTIFY, REFER
(RFC 4579) and the RPC commands. Every test uses rooms of its own on the
module's shared server."""

import re
import socket
import time

import pytest

from sylktest import msrp
from sylktest.msrp import MsrpClient, cpim, iscomposing, parse_iscomposing, random_id
from sylktest.processes import free_port, wait_until
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN
from sylktest.sipp import Sipp, run_uac

CONF_DOMAIN = "conference.sylk.test"
AGP_CPIM_NS = "urn:ag-projects:xml:ns:cpim"
CI_NS = "urn:ietf:params:xml:ns:conference-info"


def aor(user):
    return f"sip:{user}@{SIP_DOMAIN}"


def room_uri(room):
    return f"sip:{room}@{CONF_DOMAIN}"


def new_room(prefix="room"):
    return f"{prefix}{random_id(4)}"


class Participant:
    """One participant: SIPp for the SIP dialog, MsrpClient for the chat."""

    def __init__(self, server, workdir, user, room, hold_ms=60000, media=None, name=None,
                 sipp_extra=()):
        self.user = user
        self.room = room
        self.uri = aor(user)
        self.msrp_id = random_id(8)
        self.fake_port = free_port()   # never listened on: we are the active side
        self.tls = media == "chat-tls"
        scheme = "msrps" if self.tls else "msrp"
        self.path = f"{scheme}://127.0.0.1:{self.fake_port}/{self.msrp_id};tcp"
        extra = ["-au", user, "-ap", DEMO_ACCOUNTS[user], "-d", str(hold_ms)]
        if media:
            extra += ["-set", "media", media]
        extra += list(sipp_extra)
        self.sipp = Sipp(workdir, name or f"{user}-{room}", "conf_join.xml",
                         f"127.0.0.1:{server.sip_port}",
                         keys={"user": user, "domain": SIP_DOMAIN, "room": room,
                               "conf_domain": CONF_DOMAIN, "msrp_port": self.fake_port,
                               "msrp_id": self.msrp_id, "audio_port": free_port()},
                         extra=extra)
        self.msrp = None

    def logged(self, prefix):
        for line in self.sipp.actions():
            if line.startswith(prefix):
                return line[len(prefix):].strip()
        return None

    def answered(self, timeout=15):
        """The focus path of the 200's SDP answer."""
        def ready():
            if not self.sipp.process.alive() and self.logged("answer path") is None:
                raise AssertionError("no 200 for the join:\n" + self.sipp.report())
            return self.logged("answer path")
        return wait_until(ready, timeout, what=f"{self.user} answered")

    def connect(self, bind=True):
        focus_path = self.answered()
        self.msrp = MsrpClient(focus_path, local_path=self.path)
        if bind:
            assert self.msrp.bind() == 200
        return self.msrp

    def say(self, text, to=None, **kw):
        """Send a chat message (CPIM); returns the transaction's status code."""
        body = cpim(self.uri, to or room_uri(self.room), text, **kw)
        _, tids = self.msrp.send(body)
        return self.msrp.wait_response(tids[-1]).code

    def wait_hangup(self, timeout=30):
        self.sipp.wait(timeout)
        return self.sipp.actions()

    def close(self):
        if self.msrp:
            self.msrp.close()
        self.sipp.stop()


@pytest.fixture
def people(server, workdir):
    """Factory of participants, all stopped at the end of the test."""
    made = []

    def join(user, room, **kw):
        p = Participant(server, workdir, user, room, **kw)
        made.append(p)
        return p
    yield join
    for p in made:
        p.close()


def texts_from(client, sender=None):
    out = []
    for m in client.chat_messages():
        c = m.cpim
        if sender is None or msrp.Cpim.uri(c.header("From")) == sender:
            out.append(c.body.decode())
    return out


def status_messages(client):
    return [m.cpim for m in client.messages if m.cpim is not None and m.cpim.is_status]


def subscribe(server, workdir, user, room, notifies, event="conference", expires=600,
              name=None):
    return Sipp(workdir, name or f"subscribe-{user}-{room}", "conf_subscribe.xml",
                f"127.0.0.1:{server.sip_port}",
                keys={"user": user, "domain": SIP_DOMAIN, "room": room,
                      "conf_domain": CONF_DOMAIN, "event": event, "expires": expires},
                extra=["-au", user, "-ap", DEMO_ACCOUNTS[user], "-set", "notifies",
                       str(notifies)])


def notify_documents(sipp):
    """conference-info documents the subscriber received, in order."""
    docs = []
    for body in msrp.sip_bodies(sipp.messages(), "application/conference-info+xml"):
        docs.append(msrp.parse_conference_info(body))
    return docs


def refer(server, workdir, user, room, refer_to, name, method="REFER", header="Refer-To"):
    extra = ["-set", "request", method] if method != "REFER" else []
    return run_uac(workdir, name, "conf_refer.xml", f"127.0.0.1:{server.sip_port}",
                   keys={"user": user, "domain": SIP_DOMAIN, "room": room,
                         "conf_domain": CONF_DOMAIN,
                         "refer_header": header, "refer_to": refer_to},
                   extra=["-au", user, "-ap", DEMO_ACCOUNTS[user]] + extra, timeout=40)


def final_of(sipp):
    for line in sipp.actions():
        if line.startswith("final "):
            return int(line.split()[1])
    return None


# ---- rooms and SDP -----------------------------------------------------------------

def test_join_answers_chat_with_focus_contact_and_msrp_sdp(server, people):
    room = new_room()
    alice = people("alice", room, hold_ms=3000)
    path = alice.answered()
    m = re.match(r"^msrp://127\.0\.0\.1:(\d+)/([^;]+);tcp$", path)
    assert m, path
    assert int(m.group(1)) == server.msrp_port
    contact = alice.logged("answer contact")
    assert ";isfocus" in contact, contact
    answer = alice.sipp.messages()
    sdp = answer[answer.index("SIP/2.0 200 OK"):]
    assert f"m=message {server.msrp_port} TCP/MSRP *" in sdp
    assert "a=accept-types:message/cpim" in sdp
    assert "a=accept-wrapped-types:*" in sdp
    assert "a=chatroom:nickname private-messages" in sdp
    assert "a=setup:passive" in sdp
    actions = alice.wait_hangup()
    assert actions[-1] == "hangup 200", alice.sipp.report()


def test_the_focus_closes_the_msrp_connection_after_the_bye(server, people):
    """The BYE ends the participant's MSRP session, and with it the focus
    closes the connection no other session uses (RFC 4975 5.4); the other
    participants' connections stay."""
    room = new_room()
    alice = people("alice", room, hold_ms=2500)
    bob = people("bob", room)
    client = alice.connect()
    bob.connect()
    assert alice.wait_hangup()[-1] == "hangup 200", alice.sipp.report()
    wait_until(lambda: client.connection_closed, 5,
               what="the focus closing alice's MSRP connection after her BYE")
    assert not bob.msrp.connection_closed
    assert bob.say("still here") == 200


def test_each_participant_gets_its_own_path(server, people):
    room = new_room()
    a, b = people("alice", room), people("bob", room)
    assert a.answered() != b.answered()


def test_audio_offer_is_answered_with_an_offered_codec_or_port_zero(server, people):
    """Port 0 until the mixer exists; once it does, an offered codec."""
    room = new_room()
    p = people("alice", room, hold_ms=1000, media="chat+audio")
    p.answered()
    audio = p.logged("answer audio")
    assert audio and audio.startswith("m=audio "), p.sipp.report()
    if audio != "m=audio 0":
        text = p.sipp.messages()
        sdp = text[text.index("SIP/2.0 200 OK"):]
        m = re.search(r"m=audio \d+ RTP/AVP ([0-9 ]+)", sdp)
        assert m, sdp
        assert set(m.group(1).split()) <= {"0", "8", "101"}, m.group(0)
        assert set(m.group(1).split()) & {"0", "8"}, m.group(0)
    assert p.wait_hangup()[-1] == "hangup 200"


def test_video_only_offer_is_refused_with_488(server, people):
    p = people("alice", new_room(), media="video")
    p.sipp.wait(20)
    assert "final 488" in p.sipp.actions(), p.sipp.report()


# ---- chat ------------------------------------------------------------------------

def test_three_participants_chat_with_history_private_and_composing(server, people):
    room = new_room("chat")
    alice, bob = people("alice", room), people("bob", room)
    a, b = alice.connect(), bob.connect()

    assert alice.say("one from alice") == 200
    b.wait_for(lambda: "one from alice" in texts_from(b), what="bob gets alice's message")
    assert bob.say("two from bob") == 200
    a.wait_for(lambda: "two from bob" in texts_from(a), what="alice gets bob's message")
    assert alice.say("three from alice") == 200
    b.wait_for(lambda: "three from alice" in texts_from(b))
    # nobody gets their own message back
    assert texts_from(a, alice.uri) == []
    assert texts_from(b, bob.uri) == []

    # the late joiner gets the history, oldest first, with the original senders
    carol = people("carol", room)
    c = carol.connect()
    c.wait_for(lambda: len(texts_from(c)) >= 3, what="history at carol")
    history = c.chat_messages()[:3]
    assert [m.cpim.body.decode() for m in history] == \
        ["one from alice", "two from bob", "three from alice"]
    assert [msrp.Cpim.uri(m.cpim.header("From")) for m in history] == \
        [alice.uri, bob.uri, alice.uri]
    # the CPIM extension headers pass through unchanged
    assert all(m.cpim.ns_header("urn:ietf:params:imdn", "Message-ID") for m in history)

    # the others are told carol joined (a status message, not chat)
    a.wait_for(lambda: any("carol" in s.body.decode("utf-8", "replace") or
                           "carol" in (s.header("From") or "") for s in status_messages(a)),
               what="join notice at alice")

    # a broadcast reaches both others
    assert carol.say("hello from carol") == 200
    a.wait_for(lambda: "hello from carol" in texts_from(a))
    b.wait_for(lambda: "hello from carol" in texts_from(b))

    # private: alice -> bob only
    assert alice.say("psst bob", to=bob.uri) == 200
    b.wait_for(lambda: "psst bob" in texts_from(b), what="private at bob")
    private = [m for m in b.chat_messages() if m.cpim.body == b"psst bob"][0]
    assert [msrp.Cpim.uri(t) for t in private.cpim.all("To")] == [bob.uri]
    time.sleep(0.5)
    assert "psst bob" not in texts_from(c)

    # is-composing, broadcast and private
    _, tids = b.send(cpim(bob.uri, room_uri(room), iscomposing("active"),
                          content_type="application/im-iscomposing+xml"))
    assert b.wait_response(tids[0]).code == 200

    def composing(client, sender):
        return [m for m in client.messages if m.cpim is not None
                and m.cpim.content_type.startswith("application/im-iscomposing+xml")
                and msrp.Cpim.uri(m.cpim.header("From")) == sender]
    a.wait_for(lambda: composing(a, bob.uri), what="is-composing at alice")
    c.wait_for(lambda: composing(c, bob.uri), what="is-composing at carol")
    assert parse_iscomposing(composing(a, bob.uri)[0].cpim.body)["state"] == "active"

    _, tids = c.send(cpim(carol.uri, alice.uri, iscomposing("idle"),
                          content_type="application/im-iscomposing+xml"))
    assert c.wait_response(tids[0]).code == 200
    a.wait_for(lambda: composing(a, carol.uri), what="private is-composing at alice")
    time.sleep(0.5)
    assert composing(b, carol.uri) == []
    # is-composing is not chat: not in a later joiner's history
    eve = people("alice", room, name="alice-second")
    e = eve.connect()
    e.wait_for(lambda: "hello from carol" in texts_from(e), what="history at the 4th session")
    assert not any(m.cpim.content_type.startswith("application/im-iscomposing")
                   for m in e.messages if m.cpim is not None)
    # a private message is never replayed as history
    assert "psst bob" not in texts_from(e)


def test_history_keeps_the_last_20_messages(server, people):
    room = new_room("hist")
    alice = people("alice", room)
    a = alice.connect()
    for i in range(25):
        assert alice.say(f"msg {i}") == 200
    bob = people("bob", room)
    b = bob.connect()
    b.wait_for(lambda: len(texts_from(b)) >= 20, what="history at bob")
    time.sleep(0.5)
    assert texts_from(b) == [f"msg {i}" for i in range(5, 25)]
    assert a.error is None


def test_chunked_message_is_reassembled_and_relayed(server, people):
    room = new_room("chunk")
    alice, bob = people("alice", room), people("bob", room)
    a, b = alice.connect(), bob.connect()
    text = "".join(f"line {i:05d} of a long chat message\n" for i in range(400))
    _, tids = a.send(cpim(alice.uri, room_uri(room), text), chunk_size=2000)
    assert len(tids) > 3
    assert [a.wait_response(t).code for t in tids] == [200] * len(tids)
    b.wait_for(lambda: text in texts_from(b), what="reassembled message at bob")


def test_success_report_is_sent_when_asked(server, people):
    room = new_room("report")
    alice = people("alice", room)
    a = alice.connect()
    mid, tids = a.send(cpim(alice.uri, room_uri(room), "report me"), success_report="yes")
    assert a.wait_response(tids[0]).code == 200
    a.wait_for(lambda: [r for r in a.reports if r.header("Message-ID") == mid],
               what="success REPORT")
    report = [r for r in a.reports if r.header("Message-ID") == mid][0]
    assert report.header("Status").startswith("000 200")


def test_nickname_clash_is_refused_with_425(server, people):
    room = new_room("nick")
    alice, bob = people("alice", room), people("bob", room)
    a, b = alice.connect(), bob.connect()
    assert a.wait_response(a.nickname("neo")).code == 200
    assert b.wait_response(b.nickname("neo")).code == 425
    assert b.wait_response(b.nickname("trinity")).code == 200
    # keeping your own nickname is fine
    assert a.wait_response(a.nickname("neo")).code == 200


def test_non_cpim_payload_is_refused_with_415(server, people):
    room = new_room("bad")
    alice, bob = people("alice", room), people("bob", room)
    a, b = alice.connect(), bob.connect()
    _, tids = a.send("plain text", content_type="text/plain")
    assert a.wait_response(tids[0]).code == 415
    assert alice.say("still works") == 200
    b.wait_for(lambda: "still works" in texts_from(b))
    assert "plain text" not in [m.body.decode() for m in b.messages]


def test_cpim_from_someone_else_is_refused_with_403(server, people):
    room = new_room("spoof")
    alice, bob, carol = people("alice", room), people("bob", room), people("carol", room)
    a, b, c = alice.connect(), bob.connect(), carol.connect()
    _, tids = a.send(cpim(bob.uri, room_uri(room), "I am bob"))
    assert a.wait_response(tids[0]).code == 403
    assert carol.say("after the spoof") == 200
    b.wait_for(lambda: "after the spoof" in texts_from(b))
    assert "I am bob" not in texts_from(b) + texts_from(c)


def test_private_message_to_a_stranger_is_refused(server, people):
    room = new_room("stranger")
    alice, bob = people("alice", room), people("bob", room)
    alice.connect()
    b = bob.connect()
    assert alice.say("hello nobody", to="sip:nobody@sylk.test") == 404
    assert alice.say("hello room") == 200
    b.wait_for(lambda: "hello room" in texts_from(b))
    assert "hello nobody" not in texts_from(b)


def test_malformed_msrp_frames_are_refused_and_the_room_keeps_working(server, people):
    room = new_room("malformed")
    alice, bob, carol = people("alice", room), people("bob", room), people("carol", room)
    a, b, c = alice.connect(), bob.connect(), carol.connect()

    # a header line without a colon, with a readable transaction id: 400
    # (or the focus drops the connection)
    tid = "badhdr0001"
    a.send_raw(f"MSRP {tid} SEND\r\nTo-Path: {a.focus_path}\r\nFrom-Path: {a.path}\r\n"
               f"this is no header\r\nMessage-ID: x1\r\nByte-Range: 1-2/2\r\n"
               f"Content-Type: message/cpim\r\n\r\nhi\r\n-------{tid}$\r\n")
    a.wait_for(lambda: tid in a.responses or a.connection_closed, what="answer to bad frame")
    if tid in a.responses:
        assert a.responses[tid].code == 400

    # a nonsense Byte-Range on bob's connection
    tid = "badrange01"
    b.send_raw(f"MSRP {tid} SEND\r\nTo-Path: {b.focus_path}\r\nFrom-Path: {b.path}\r\n"
               f"Message-ID: x2\r\nByte-Range: 9-2/zz\r\n"
               f"Content-Type: message/cpim\r\n\r\nhi\r\n-------{tid}$\r\n")
    b.wait_for(lambda: tid in b.responses or b.connection_closed, what="answer to bad range")
    if tid in b.responses:
        assert b.responses[tid].code == 400

    # a SEND without To-Path
    if not b.connection_closed:
        tid = "notopath01"
        b.send_raw(f"MSRP {tid} SEND\r\nFrom-Path: {b.path}\r\nMessage-ID: x3\r\n"
                   f"-------{tid}$\r\n")
        b.wait_for(lambda: tid in b.responses or b.connection_closed,
                   what="answer to SEND without To-Path")
        if tid in b.responses:
            assert b.responses[tid].code == 400

    # garbage on a connection of its own: closed, nothing else happens
    junk = socket.create_connection(("127.0.0.1", server.msrp_port), timeout=5)
    junk.sendall(b"\x00\xff GARBAGE \r\n" * 50 + b"MSRP x SEND\r\n\r\n")
    try:
        junk.settimeout(5)
        while junk.recv(4096):
            pass
    except OSError:
        pass
    junk.close()

    # carol still chats with whoever is still connected
    assert carol.say("room still alive") == 200
    for who in (a, b):
        if not who.connection_closed:
            who.wait_for(lambda: "room still alive" in texts_from(who),
                         what="message after malformed frames")
    # a connection that survived can still talk
    if not a.connection_closed:
        assert alice.say("alice still here") == 200
        c.wait_for(lambda: "alice still here" in texts_from(c))


def test_unbound_send_to_unknown_session_is_refused(server):
    """A SEND for a session id the focus never gave out: 481, or closed."""
    path = f"msrp://127.0.0.1:{server.msrp_port}/{random_id(8)};tcp"
    client = MsrpClient(path)
    try:
        _, tids = client.send(b"")
        client.wait_for(lambda: tids[0] in client.responses or client.connection_closed,
                        what="answer to a SEND for an unknown session")
        if tids[0] in client.responses:
            assert client.responses[tids[0]].code in (481, 403, 404)
    finally:
        client.close()


@pytest.mark.parametrize("media", ["chat", "chat-tls"])
def test_chat_chunk_larger_than_the_read_buffer_is_answered_413(server, people, media):
    """A 200 KB chat message sent as one chunk, over TCP and over TLS: more
    than the server reads at once, so the sender gets 413 for it before its
    connection closes; nobody in the room gets a piece of it, and the room
    goes on. The server answers and closes as soon as its buffer is full: a
    sender still writing the rest then sees the close, the 413 is there to
    read all the same."""
    room = new_room("bigmsg")
    alice = people("alice", room, media=media)
    bob, carol = people("bob", room), people("carol", room)
    a, c = alice.connect(), carol.connect()
    bob.connect()
    try:
        a.send(cpim(alice.uri, room_uri(room), "x" * 200000))
    except OSError:
        pass
    assert a.wait_response(a.last_tid, 15).code == 413
    assert bob.say("still here") == 200
    c.wait_for(lambda: "still here" in texts_from(c))
    assert not any("xxxxxxxx" in t for t in texts_from(c))


def test_msrp_over_tls_works_like_tcp(server, people):
    room = new_room("tls")
    alice = people("alice", room, media="chat-tls")
    bob = people("bob", room)
    path = alice.answered()
    assert path.startswith(f"msrps://127.0.0.1:{server.msrps_port}/"), path
    answer = alice.sipp.messages()
    assert "TCP/TLS/MSRP" in answer[answer.index("SIP/2.0 200 OK"):]
    a, b = alice.connect(), bob.connect()
    assert a.tls and not b.tls
    assert alice.say("over tls") == 200
    b.wait_for(lambda: "over tls" in texts_from(b))
    assert bob.say("over tcp") == 200
    a.wait_for(lambda: "over tcp" in texts_from(a))
    assert a.wait_response(a.nickname("secure")).code == 200
    _, tids = a.send(cpim(alice.uri, room_uri(room), "x" * 5000), chunk_size=1024)
    assert [a.wait_response(t).code for t in tids] == [200] * len(tids)
    b.wait_for(lambda: "x" * 5000 in texts_from(b))


def test_leave_notice_goes_to_the_others(server, people):
    room = new_room("leave")
    alice = people("alice", room)
    bob = people("bob", room, hold_ms=6000)
    a = alice.connect()
    bob.connect()
    assert bob.wait_hangup()[-1] == "hangup 200"
    a.wait_for(lambda: len([s for s in status_messages(a)
                            if "bob" in s.body.decode("utf-8", "replace").lower()]) >= 2,
               what="bob's join and leave notices at alice")
    for s in status_messages(a):
        assert s.namespaces().get("agp", AGP_CPIM_NS) == AGP_CPIM_NS or \
            AGP_CPIM_NS in s.namespaces().values()


def test_participant_whose_msrp_connection_drops_is_removed(server, people):
    """A client that vanishes without a BYE (crash, lost network): its MSRP
    connection closes, the focus ends its session with a BYE, the others
    are told it left, and the room does not keep a ghost."""
    room = new_room("vanish")
    alice, bob = people("alice", room), people("bob", room)
    a = alice.connect()
    bob.connect()
    a.wait_for(lambda: any("bob" in s.body.decode("utf-8", "replace").lower()
                           for s in status_messages(a)), what="bob's join notice")
    bob.msrp.close()
    bob.msrp = None
    assert "bye from focus" in bob.wait_hangup(timeout=10)
    a.wait_for(lambda: len([s for s in status_messages(a)
                            if "bob" in s.body.decode("utf-8", "replace").lower()]) >= 2,
               what="bob's leave notice at alice")
    out = server.kamcmd("sylk_conference.participants", room_uri(room))
    assert aor("alice") in out and aor("bob") not in out, out


# ---- conference event package ----------------------------------------------------

def check_document(doc, room, users):
    """conference-info element by element (RFC 4575); users: {aor: media types}."""
    assert doc.tag == f"{{{CI_NS}}}conference-info"
    assert doc.entity == room_uri(room)
    assert doc.state == "full"
    assert isinstance(doc.version, int)
    assert doc.description is not None
    assert doc.description["display_text"]
    assert doc.conference_state["user_count"] == len(users)
    assert doc.conference_state["active"] == ("true" if users else "false") or not users
    assert doc.users_element is not None
    seen = {u["entity"]: u for u in doc.users}
    assert set(seen) == set(users), (doc, users)
    for entity, media in users.items():
        u = seen[entity]
        assert u["display_text"] is not None or True
        assert len(u["endpoints"]) >= 1
        ep = u["endpoints"][0]
        assert ep["entity"]
        assert ep["status"] in ("connected", "on-hold", "dialing-in", "dialing-out",
                                "alerting", "pending"), ep
        types = sorted(m["type"] for m in ep["media"])
        assert types == sorted(media), (entity, ep["media"])
        for m in ep["media"]:
            assert m["id"]
            assert m["status"] in ("sendrecv", "sendonly", "recvonly", "inactive", None)


def test_conference_info_through_joins_and_leaves(server, workdir, people):
    room = new_room("info")
    alice = people("alice", room)
    alice.connect()
    watcher = subscribe(server, workdir, "carol", room, notifies=100)
    try:
        def docs():
            return notify_documents(watcher)
        wait_until(lambda: len(docs()) >= 1, 10, what="first NOTIFY")
        first = docs()[0]
        assert first.version == 1
        check_document(first, room, {alice.uri: ["message"]})
        assert "subscribed 200" in " ".join(watcher.actions()), watcher.report()
        alice_user = first.user(alice.uri)
        assert alice_user["endpoints"][0]["status"] == "connected"

        bob = people("bob", room, hold_ms=3000)
        bob.connect()
        wait_until(lambda: any(d.user(bob.uri) for d in docs()), 10, what="NOTIFY with bob")
        with_bob = [d for d in docs() if d.user(bob.uri)][-1]
        check_document(with_bob, room, {alice.uri: ["message"], bob.uri: ["message"]})

        assert bob.wait_hangup()[-1] == "hangup 200"
        wait_until(lambda: docs()[-1].user(bob.uri) is None and len(docs()) > 2, 10,
                   what="NOTIFY without bob")
        check_document(docs()[-1], room, {alice.uri: ["message"]})

        # every NOTIFY is a full document with the next version
        versions = [d.version for d in docs()]
        assert versions == list(range(1, len(versions) + 1)), versions
        assert all(d.state == "full" for d in docs())
        # the SIP side of each NOTIFY
        text = watcher.messages()
        assert "Event: conference" in text
        assert re.search(r"Subscription-State: *active", text)
    finally:
        watcher.stop()


def test_subscription_ends_with_terminated_notify(server, workdir, people):
    room = new_room("unsub")
    alice = people("alice", room)
    alice.answered()
    watcher = subscribe(server, workdir, "bob", room, notifies=1)
    assert watcher.wait(30) == 0, watcher.report()
    actions = watcher.actions()
    assert any(a.startswith("notify version 1 state active") for a in actions), actions
    assert "unsubscribed 200" in actions, actions
    assert any(re.match(r"notify version \d+ state terminated", a) for a in actions), actions


def test_subscribe_other_event_is_refused_with_489(server, workdir, people):
    room = new_room("event")
    people("alice", room).answered()
    watcher = subscribe(server, workdir, "bob", room, notifies=1, event="presence")
    watcher.wait(30)
    assert "final 489" in watcher.actions(), watcher.report()


def test_subscribe_to_a_room_not_running_is_refused_with_480(server, workdir):
    watcher = subscribe(server, workdir, "bob", new_room("empty"), notifies=1)
    watcher.wait(30)
    assert "final 480" in watcher.actions(), watcher.report()


# ---- REFER and other requests ----------------------------------------------------

def refer_to(target, method, form):
    """Refer-To with the method as a URI parameter (RFC 4579's examples) or
    as a header parameter after the URI (what Blink sends, seeds/004)."""
    if form == "uri-param":
        return f"<{target};method={method}>"
    return f"<{target}>;method={method}"


@pytest.mark.parametrize("form", ["uri-param", "header-param"])
def test_refer_invites_a_target_and_bye_removes_it(server, workdir, people, form):
    room = new_room("refer")
    alice = people("alice", room)
    alice.connect()
    bob_msrp_port = free_port()
    bob_phone = Sipp(workdir, "bob-dialled", "conf_uas.xml",
                     keys={"msrp_port": bob_msrp_port, "msrp_id": random_id(8)})
    try:
        reg = run_uac(workdir, "bob-register", "register.xml", f"127.0.0.1:{server.sip_port}",
                      keys={"user": "bob", "domain": SIP_DOMAIN, "contact_port": bob_phone.port},
                      extra=["-au", "bob", "-ap", DEMO_ACCOUNTS["bob"]])
        assert reg.actions()[-1] == "final 200", reg.report()

        r = refer(server, workdir, "alice", room, refer_to(aor("bob"), "INVITE", form),
                  "refer-invite")
        actions = r.actions()
        assert final_of(r) == 202, r.report()
        frags = [a for a in actions if a.startswith("notify ")]
        assert frags, r.report()
        assert frags[0].startswith("notify SIP/2.0 100"), frags
        assert re.match(r"notify SIP/2\.0 200 .* state terminated", frags[-1]), frags
        assert "message/sipfrag" in r.messages()
        assert r.process.proc.returncode == 0, r.report()

        wait_until(lambda: any(a.startswith("invite from") for a in bob_phone.actions()), 10,
                   what="the focus's INVITE at bob")
        invite_from = [a for a in bob_phone.actions() if a.startswith("invite from")][0]
        assert room in invite_from, invite_from
        wait_until(lambda: "ack" in bob_phone.actions(), 10, what="ACK at bob")
        out = server.kamcmd("sylk_conference.participants", room_uri(room))
        assert aor("bob") in out and aor("alice") in out, out

        r = refer(server, workdir, "alice", room, refer_to(aor("bob"), "BYE", form),
                  "refer-bye")
        assert final_of(r) == 202, r.report()
        frags = [a for a in r.actions() if a.startswith("notify ")]
        assert re.match(r"notify SIP/2\.0 200 .* state terminated", frags[-1]), frags
        assert bob_phone.wait(15) == 0, bob_phone.report()
        assert "bye from focus" in bob_phone.actions()
        out = server.kamcmd("sylk_conference.participants", room_uri(room))
        assert aor("bob") not in out and aor("alice") in out, out
    finally:
        bob_phone.stop()


@pytest.mark.parametrize("form", ["uri-param", "header-param"])
def test_refer_with_other_method_is_refused_with_488(server, workdir, people, form):
    room = new_room("refer488")
    people("alice", room).answered()
    r = refer(server, workdir, "alice", room, refer_to(aor("bob"), "OPTIONS", form),
              "refer-488")
    assert final_of(r) == 488, r.report()


def test_refer_without_refer_to_is_refused_with_400(server, workdir, people):
    room = new_room("refer400")
    people("alice", room).answered()
    r = refer(server, workdir, "alice", room, f"<{aor('bob')}>", "refer-400",
              header="X-Not-Refer-To")
    assert final_of(r) == 400, r.report()


def test_message_to_the_room_is_refused_with_405(server, workdir, people):
    room = new_room("message")
    people("alice", room).answered()
    r = refer(server, workdir, "alice", room, "none", "message-405", method="MESSAGE",
              header="X-Nothing")
    assert final_of(r) == 405, r.report()


def test_focus_bye_when_kicked_by_rpc(server, people):
    room = new_room("kick")
    alice, bob = people("alice", room), people("bob", room)
    a = alice.connect()
    bob.connect()
    server.kamcmd("sylk_conference.kick", room_uri(room), aor("bob"))
    assert bob.wait_hangup(15)[-1] == "bye from focus", bob.sipp.report()
    a.wait_for(lambda: len([s for s in status_messages(a)
                            if "bob" in s.body.decode("utf-8", "replace").lower()]) >= 2,
               what="bob's leave notice at alice")


def test_kick_by_rpc_removes_every_device_of_the_user(server, workdir, people):
    """bob is in the room from 40 devices at once (one SIPp placing 40 chat
    calls): the operator's kick BYEs every one of them, long before the
    focus would drop their unconnected chat (CONF_MSRP_TIMEOUT, 30 s)."""
    room = new_room("kickall")
    people("alice", room).answered()
    devices = 40
    bob = Sipp(workdir, f"bob-devices-{room}", "conf_join.xml", f"127.0.0.1:{server.sip_port}",
               keys={"user": "bob", "domain": SIP_DOMAIN, "room": room,
                     "conf_domain": CONF_DOMAIN, "msrp_port": free_port(),
                     "msrp_id": random_id(8), "audio_port": free_port()},
               extra=["-au", "bob", "-ap", DEMO_ACCOUNTS["bob"], "-d", "25000",
                      "-l", str(devices), "-r", "20"],
               calls=devices)
    try:
        def logged(what):
            return sum(1 for line in bob.actions() if line.startswith(what))
        wait_until(lambda: logged("answer path") == devices, 20, what="bob's devices in the room")
        server.kamcmd("sylk_conference.kick", room_uri(room), aor("bob"))
        wait_until(lambda: logged("bye from focus") == devices, 10, what="a BYE to every device")
        assert aor("bob") not in server.kamcmd("sylk_conference.participants", room_uri(room))
    finally:
        bob.stop()


# ---- RPC ---------------------------------------------------------------------------

def test_rpc_lists_rooms_and_participants(server, people):
    room = new_room("rpc")
    alice, bob = people("alice", room), people("bob", room)
    alice.connect()
    bob.connect()
    rooms = server.kamcmd("sylk_conference.rooms")
    assert room in rooms, rooms
    # the room's entry carries its participant count
    block = rooms[rooms.index(room):]
    assert re.search(r"participants\D*2\b", block[:400]), rooms
    out = server.kamcmd("sylk_conference.participants", room_uri(room))
    assert aor("alice") in out and aor("bob") in out, out
    assert "chat" in out, out
    r = server.kamcmd_result("sylk_conference.participants", "no-such-room-here")
    assert r.returncode != 0 or "error" in r.stdout.lower() or r.stdout.strip() == "", r.stdout
