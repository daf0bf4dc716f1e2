# SPDX-License-Identifier: GPL-2.0-or-later
"""A video room with publishers on two cluster nodes (issue 21): the room
runs on one node, its home (the htable confroom names it on every node, as
for the conference room of the same name); a browser whose WebSocket is on
the other node joins it through its own node, which relays its requests
to the home and the home's events back over the cluster sockets. Real
aiortc publishers (a tone and a colour each) on the two nodes see and hear
each other through the home's rtpengine; leaving through one node shows on
the other; a node that dies takes its browsers out of the rooms of the
others (publishers-left there), and a home that dies ends the room for
the browsers of the other nodes instead of leaving them in silence."""

import json
import re
import socket
import uuid

import pytest

from sylktest.cluster import running_cluster
from sylktest.processes import wait_until
from sylktest.server import SIP_DOMAIN
from sylktest.sylkrtc import SylkRtcClient

from test_videoroom import Participant, connect, room_calls, vr_event

ROOM_NAME = "acrossnodes"
ROOM = f"{ROOM_NAME}@videoconference.{SIP_DOMAIN}"
DEFINES = {"CLUSTER_DMQ_PING": 2, "CLUSTER_RELAY_TIMEOUT": 1500}


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    with running_cluster(str(tmp_path_factory.mktemp("vroom")), 3, DEFINES) as nodes:
        yield nodes


@pytest.fixture
def people():
    made = []

    def make(node, user, room=ROOM):
        p = Participant(node, user, room)
        made.append(p)
        return p
    yield make
    for p in made:
        p.close()


def home_of(node, room):
    r = node.kamcmd_result("htable.get", "confroom", room)
    return r.stdout if r.returncode == 0 else ""


def test_publishers_on_two_nodes_share_one_room(nodes, people):
    a, b, _c = nodes
    alice, bob = people(a, "alice"), people(b, "bob")
    alice.join()
    assert alice.initial == []
    # the first join made a the room's home, on both nodes
    assert a.cluster_hostport in home_of(a, ROOM_NAME)
    wait_until(lambda: a.cluster_hostport in home_of(b, ROOM_NAME), 5, interval=0.1,
               what="the room's home replicated to b")

    bob.join()  # through b: relayed to a
    assert [p["id"] for p in bob.initial] == [alice.session]
    assert bob.initial[0]["uri"] == alice.aor
    joined = vr_event(alice.client, alice.session, "publishers-joined")
    assert [p["id"] for p in joined["publishers"]] == [bob.session]
    assert joined["publishers"][0]["uri"] == bob.aor

    alice.attach(bob)
    bob.attach(alice)
    alice.sees_and_hears(bob)
    bob.sees_and_hears(alice)
    # one SFU: both publishers' calls on the home's rtpengine, none on b's
    assert len(room_calls(a.rtpengine)) == 2
    assert room_calls(b.rtpengine) == []

    bob.client.expect_ack("videoroom-leave", session=bob.session)
    left = vr_event(alice.client, alice.session, "publishers-left")
    assert left["publishers"] == [bob.session]
    wait_until(lambda: len(room_calls(a.rtpengine)) == 1, 5, what="bob's call deleted")
    alice.client.expect_ack("videoroom-leave", session=alice.session)
    wait_until(lambda: room_calls(a.rtpengine) == [], 5, what="the room gone on its home")


def test_a_browser_whose_connection_drops_leaves_the_room_on_the_other_node(nodes, people):
    a, b, _c = nodes
    alice, bob = people(a, "alice", f"drop@videoconference.{SIP_DOMAIN}"), \
        people(b, "bob", f"drop@videoconference.{SIP_DOMAIN}")
    alice.join()
    bob.join()
    vr_event(alice.client, alice.session, "publishers-joined")
    bob.client.close()  # b tells a the connection is gone
    left = vr_event(alice.client, alice.session, "publishers-left", timeout=10)
    assert left["publishers"] == [bob.session]
    wait_until(lambda: len(room_calls(a.rtpengine)) == 1, 5, what="bob's call deleted")


def test_moderation_reaches_a_browser_of_the_other_node(nodes, people):
    """bob, whose WebSocket is on b, asks alice (on the home) to mute, and
    alice removes him: his session ends "kicked" on b, his call leaves the
    home's rtpengine, and his later requests get the home's error."""
    a, b, _c = nodes
    room = f"moderated@videoconference.{SIP_DOMAIN}"
    alice, bob = people(a, "alice", room), people(b, "bob", room)
    alice.join()
    bob.join()
    vr_event(alice.client, alice.session, "publishers-joined")
    bob.client.expect_ack("videoroom-mute-participant", session=bob.session,
                          participant_id=alice.session, muted=True)
    ask = vr_event(alice.client, alice.session, "mute-request")
    assert ask["muted"] is True and ask["originator"] == bob.session

    alice.client.expect_ack("videoroom-remove", session=alice.session, participants=[bob.aor])
    ended = vr_event(bob.client, bob.session, "session-state", state="terminated")
    assert ended["reason"] == "kicked"
    assert vr_event(alice.client, alice.session, "publishers-left")["publishers"] == \
        [bob.session]
    wait_until(lambda: len(room_calls(a.rtpengine)) == 1, 5, what="bob's call deleted")
    reply = bob.client.request("videoroom-toggle-hand", session=bob.session)
    assert reply["sylkrtc"] == "error"
    assert reply["error"] == f"Unknown room session: {bob.session}"


def test_requests_for_an_unknown_session_get_the_homes_error(nodes, people):
    """a relayed request the home refuses comes back as the usual error"""
    a, b, _c = nodes
    room = f"errors@videoconference.{SIP_DOMAIN}"
    alice, bob = people(a, "alice", room), people(b, "bob", room)
    alice.join()
    bob.join()
    err = bob.client.expect_error("videoroom-feed-attach", session=bob.session,
                                  publisher="nobody", feed="f1")
    assert "Unknown publisher room session" in err, err


def relay_message(host, port, body, content_type="application/x-sylk-relay+json",
                  method="MESSAGE", user="sylk-relay"):
    """The final status of a relay MESSAGE (or a KDMQ) sent from a fresh UDP
    socket."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.bind(("127.0.0.1", 0))
    local, tag = s.getsockname()[1], uuid.uuid4().hex[:8]
    ruri = f"sip:{user}@{host}:{port}"
    msg = (f"{method} {ruri} SIP/2.0\r\n"
           f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK{tag};rport\r\n"
           "Max-Forwards: 70\r\n"
           f"From: <sip:sylk-relay@127.0.0.1:{local}>;tag={tag}\r\n"
           f"To: <{ruri}>\r\nCall-ID: {tag}@test\r\nCSeq: 1 {method}\r\n"
           f"Content-Type: {content_type}\r\nContent-Length: {len(body.encode())}\r\n\r\n{body}")
    try:
        s.sendto(msg.encode(), (host, port))
        while True:
            status = int(s.recv(65535).decode(errors="replace").split(" ", 2)[1])
            if status >= 200:
                return status
    finally:
        s.close()


def test_relay_messages_are_taken_on_the_cluster_socket_only(nodes):
    """A relayed event reaches the browser only through the cluster socket:
    the same MESSAGE on the public SIP socket delivers nothing; malformed
    relay bodies get 400, another content type 415."""
    a, b, _c = nodes
    with SylkRtcClient(b.http_port, version=2) as c:
        c.ping()
        ids = re.findall(r"id: (\d+)", b.kamcmd_result("sylk_rtc.connections").stdout)
        conn = max(int(i) for i in ids)
        frame = json.dumps({"sylkrtc": "videoroom-event", "session": "forged",
                            "event": "publishers-left", "publishers": ["x"]})
        body = json.dumps({"sylk-relay": 1, "node": a.cluster_hostport, "items": [
            {"kind": "event", "conn": conn, "text": frame}]})

        def forged(e):
            return e.get("session") == "forged"
        assert relay_message("127.0.0.1", b.sip_port, body) != 200
        with pytest.raises(TimeoutError):
            c.wait_event(forged, 1)
        assert relay_message(b.cluster_ip, b.cluster_port, "{not json") == 400
        assert relay_message(b.cluster_ip, b.cluster_port, body.replace('"event"', '"dance"')) \
            == 400
        assert relay_message(b.cluster_ip, b.cluster_port, body, "text/plain") == 415
        assert relay_message(b.cluster_ip, b.cluster_port, body) == 200
        assert c.wait_event(forged, 5)["publishers"] == ["x"]


def is_invite_from(who, room):
    return lambda e: (e.get("event") == "conference-invite" and e.get("room") == room
                      and e["originator"]["uri"] == who.aor)


def test_invitations_reach_the_invitees_browsers_on_every_node(nodes, people):
    """videoroom-invite from a browser on the room's home, and from one on
    another node (relayed to the home): the invitee's browsers on the two
    other nodes each get the conference-invite once (the home broadcasts it
    over DMQ). The same KDMQ on a node's public SIP socket delivers nothing."""
    a, b, c = nodes
    room = f"invites@videoconference.{SIP_DOMAIN}"
    carol_aor = f"carol@{SIP_DOMAIN}"
    alice, bob = people(a, "alice", room), people(b, "bob", room)
    alice.join()
    bob.join()
    devices = [connect(c, "carol"), connect(b, "carol")]
    try:
        for inviter in (alice, bob):
            inviter.client.expect_ack("videoroom-invite", session=inviter.session,
                                      participants=[carol_aor])
            for dev in devices:
                inv = dev.wait_event(is_invite_from(inviter, room), 10)
                assert inv["account"] == carol_aor
                assert inv["session_id"]
        for dev in devices:
            with pytest.raises(TimeoutError):
                dev.wait_event(lambda e: e.get("event") == "conference-invite", 1)

        forged = json.dumps({"sylkrtc": "account-event", "account": carol_aor,
                             "event": "conference-invite", "room": "forged@x",
                             "originator": {"uri": "mallory@x"}})
        body = json.dumps({"sylk-relay": 1, "node": a.cluster_hostport, "items": [
            {"kind": "invite", "conn": 0, "account": carol_aor, "text": forged}]})
        relay_message("127.0.0.1", c.sip_port, body, method="KDMQ", user="sylkrtc")
        with pytest.raises(TimeoutError):
            devices[0].wait_event(lambda e: e.get("room") == "forged@x", 1)
    finally:
        for dev in devices:
            dev.close()


def test_the_browsers_of_a_dead_node_leave_the_rooms_of_the_home(nodes, people):
    """c, the node of bob's WebSocket, dies: a notices (its ping goes
    unanswered) and bob leaves the room there, as if his WebSocket closed."""
    a, _b, c = nodes
    room = f"frontdies@videoconference.{SIP_DOMAIN}"
    alice, bob = people(a, "alice", room), people(c, "bob", room)
    alice.join()
    bob.join()
    vr_event(alice.client, alice.session, "publishers-joined")
    c.kill9()
    left = vr_event(alice.client, alice.session, "publishers-left", timeout=15)
    assert left["publishers"] == [bob.session]
    wait_until(lambda: len(room_calls(a.rtpengine)) == 1, 5, what="bob's call deleted")


def test_the_rooms_of_a_dead_home_end_for_the_browsers_of_the_other_node(nodes, people):
    a, b, _c = nodes
    room = f"dies@videoconference.{SIP_DOMAIN}"
    alice, bob = people(a, "alice", room), people(b, "bob", room)
    alice.join()
    bob.join()
    a.kill9()
    ended = vr_event(bob.client, bob.session, "session-state", state="terminated", timeout=15)
    assert "unreachable" in ended["reason"]
