# SPDX-License-Identifier: GPL-2.0-or-later
"""Video rooms (the SFU of sylkRTC-2) on rtpengine publish/subscribe, with
real aiortc peers: each participant publishes a tone and a picture of its
own colour, attaches feeds of the others, and the test checks what a user
would notice: the others' voices (by frequency) and pictures (by colour),
the events SylkServer sends, the errors it words, and that nothing is left
in rtpengine once the room is over."""

import time

import pytest

from sylktest.ng import NgClient
from sylktest.processes import wait_until
from sylktest.roompeer import Feed, Publisher, colour_close
from sylktest.server import SIP_DOMAIN, Kamailio
from sylktest.sylkrtc import SylkRtcClient

ROOM = f"party@videoconference.{SIP_DOMAIN}"
PEOPLE = {
    "alice": (500, (255, 0, 0)),
    "bob": (800, (0, 255, 0)),
    "carol": (1100, (0, 0, 255)),
}


def room_calls(rtpengine):
    return [c for c in NgClient(rtpengine.ng_port).call_ids() if c.startswith("vr-")]


def vr_event(client, session, name, timeout=10, **match):
    def wanted(e):
        return (e.get("sylkrtc") == "videoroom-event" and e.get("session") == session
                and e.get("event") == name
                and all(e.get(k) == v for k, v in match.items()))
    return client.wait_event(wanted, timeout)


def connect(server, user):
    c = SylkRtcClient(server.http_port, version=2)
    c.add_account(user)
    c.expect_ack("account-register", account=f"{user}@{SIP_DOMAIN}")
    c.wait_registration(f"{user}@{SIP_DOMAIN}", "registered")
    return c


class Participant:
    """A browser in the room: its connection, its publisher, its feeds."""

    def __init__(self, server, user, room=ROOM):
        self.user = user
        self.aor = f"{user}@{SIP_DOMAIN}"
        self.session = f"{user}-pub"
        self.tone, self.colour = PEOPLE[user]
        self.client = connect(server, user)
        self.pub = Publisher(self.tone, self.colour)
        self.feeds = {}
        self.room = room

    def join(self):
        c = self.client
        c.expect_ack("videoroom-join", account=self.aor, session=self.session, uri=self.room,
                     sdp=self.pub.create_offer(), audio=True, video=True)
        vr_event(c, self.session, "session-state", state="progress")
        accepted = vr_event(c, self.session, "session-state", state="accepted")
        assert "UDP/TLS/RTP/SAVPF" in accepted["sdp"]
        self.pub.set_answer(accepted["sdp"])
        self.initial = vr_event(c, self.session, "initial-publishers")["publishers"]
        self.pub.wait_connected(10)
        vr_event(c, self.session, "session-state", state="established", timeout=10)

    def attach(self, other):
        c, feed_id = self.client, f"{self.user}-sees-{other.user}"
        c.expect_ack("videoroom-feed-attach", session=self.session, publisher=other.session,
                     feed=feed_id)
        offer = vr_event(c, self.session, "feed-attached", feed=feed_id)["sdp"]
        feed = Feed()
        c.expect_ack("videoroom-feed-answer", session=self.session, feed=feed_id,
                     sdp=feed.accept_offer(offer))
        vr_event(c, self.session, "feed-established", feed=feed_id)
        self.feeds[other.user] = feed
        return feed

    def detach(self, other):
        self.client.expect_ack("videoroom-feed-detach", session=self.session,
                               feed=f"{self.user}-sees-{other.user}")
        self.feeds.pop(other.user).close()

    def sees_and_hears(self, other, timeout=10):
        feed = self.feeds[other.user]
        feed.wait_connected(timeout)
        start = feed.video_frames
        feed.wait_video_frames(start + 15, timeout)
        assert colour_close(feed.last_colour, other.colour), (self.user, other.user,
                                                              feed.last_colour)
        assert abs(feed.wait_for_tone(other.tone, timeout) - other.tone) < 25

    def close(self):
        for feed in self.feeds.values():
            feed.close()
        self.pub.close()
        self.client.close()


@pytest.fixture
def people(server):
    made = []

    def make(user, room=ROOM):
        p = Participant(server, user, room)
        made.append(p)
        return p
    yield make
    for p in made:
        p.close()


def test_three_peers_see_and_hear_each_other_feeds_come_and_go(server, rtpengine, people):
    alice, bob, carol = people("alice"), people("bob"), people("carol")
    alice.join()
    assert alice.initial == []
    bob.join()
    assert bob.initial == [{"id": alice.session, "uri": alice.aor, "display_name": ""}] or \
        [p["id"] for p in bob.initial] == [alice.session]
    joined = vr_event(alice.client, alice.session, "publishers-joined")
    assert [p["id"] for p in joined["publishers"]] == [bob.session]
    assert joined["publishers"][0]["uri"] == bob.aor
    carol.join()
    assert sorted(p["id"] for p in carol.initial) == sorted([alice.session, bob.session])
    for p in (alice, bob):
        vr_event(p.client, p.session, "publishers-joined")

    everyone = (alice, bob, carol)
    for me in everyone:
        for other in everyone:
            if other is not me:
                me.attach(other)
    for me in everyone:
        for other in everyone:
            if other is not me:
                me.sees_and_hears(other)

    # alice stops watching bob: carol keeps flowing to her, bob to carol
    alice.detach(bob)
    alice.sees_and_hears(carol)
    carol.sees_and_hears(bob)

    # bob leaves: the others are told, his feeds and his call go
    bob.client.expect_ack("videoroom-leave", session=bob.session)
    vr_event(bob.client, bob.session, "session-state", state="terminated")
    for p in (alice, carol):
        left = vr_event(p.client, p.session, "publishers-left")
        assert left["publishers"] == [bob.session]
    alice.sees_and_hears(carol)
    assert len(room_calls(rtpengine)) == 2

    # carol's WebSocket drops: alice hears of it
    carol.client.abort()
    left = vr_event(alice.client, alice.session, "publishers-left", timeout=10)
    assert left["publishers"] == [carol.session]
    wait_until(lambda: len(room_calls(rtpengine)) == 1, 5, what="carol's call deleted")

    alice.client.expect_ack("videoroom-leave", session=alice.session)
    wait_until(lambda: room_calls(rtpengine) == [], 5, what="no rtpengine call of the room")
    # the room is gone: a new join starts afresh, alone
    second = people("bob")
    second.join()
    assert second.initial == []
    second.client.expect_ack("videoroom-leave", session=second.session)
    wait_until(lambda: room_calls(rtpengine) == [], 5, what="no rtpengine call of the room")


def test_late_joiner_decodes_video_within_two_seconds(server, rtpengine, people):
    alice = people("alice")
    alice.join()
    time.sleep(3)  # alice's keyframe is long gone
    bob = people("bob")
    bob.join()
    feed = bob.attach(alice)
    established = time.monotonic()
    feed.wait_video_frames(1, timeout=2)
    assert feed.first_video_at - established < 2.0
    bob.sees_and_hears(alice)
    bob.client.close()
    alice.client.expect_ack("videoroom-leave", session=alice.session)
    wait_until(lambda: room_calls(rtpengine) == [], 5, what="no rtpengine call of the room")


def test_configure_mute_hands_and_invite(server, rtpengine, people):
    alice, bob = people("alice"), people("bob")
    alice.join()
    bob.join()
    a, b = alice.client, bob.client
    vr_event(a, alice.session, "publishers-joined")

    a.expect_ack("videoroom-configure", session=alice.session,
                 active_participants=[bob.session])
    for p in (alice, bob):
        ev = vr_event(p.client, p.session, "configure")
        assert ev["originator"] == alice.session
        assert ev["active_participants"] == [bob.session]
    err = a.request("videoroom-configure", session=alice.session,
                    active_participants=["nobody"])
    assert err["sylkrtc"] == "error" and err["error"] == "unknown participant session id: nobody"

    b.expect_ack("videoroom-mute-audio-participants", session=bob.session)
    ev = vr_event(a, alice.session, "mute-audio")
    assert ev["originator"] == bob.session

    b.expect_ack("videoroom-toggle-hand", session=bob.session)
    for p in (alice, bob):
        assert vr_event(p.client, p.session, "raised-hands")["raised_hands"] == [bob.session]
    b.expect_ack("videoroom-toggle-hand", session=bob.session)
    assert vr_event(a, alice.session, "raised-hands")["raised_hands"] == []

    b.expect_ack("videoroom-session-trickle", session=bob.session, candidates=[])
    b.expect_ack("videoroom-session-update", session=bob.session,
                 options={"audio": True, "video": False, "bitrate": 300000})

    # carol, registered elsewhere, is invited; an unregistered account is not told
    carol = connect(server, "carol")
    try:
        a.expect_ack("videoroom-invite", session=alice.session,
                     participants=[f"carol@{SIP_DOMAIN}"])
        inv = carol.wait_event(lambda e: e.get("sylkrtc") == "account-event"
                               and e.get("event") == "conference-invite", 5)
        assert inv["account"] == f"carol@{SIP_DOMAIN}" and inv["room"] == ROOM
        assert inv["originator"]["uri"] == alice.aor
    finally:
        carol.close()


def test_a_participant_mutes_and_removes_another(server, rtpengine, people):
    """The Sylk mobile app's moderation (videoroom-mute-participant,
    videoroom-remove), as SylkServer: carol asks alice to mute (alice's
    client mutes itself), then removes bob: bob's session ends "kicked",
    the others see him leave, his call leaves rtpengine, carol hears how it
    went for each name she gave; bob may join again."""
    alice, bob, carol = people("alice"), people("bob"), people("carol")
    for p in (alice, bob, carol):
        p.join()
    alice.attach(bob)
    alice.sees_and_hears(bob)
    c = carol.client

    c.expect_ack("videoroom-mute-participant", session=carol.session,
                 participant_id=alice.session, muted=True)
    ask = vr_event(alice.client, alice.session, "mute-request")
    assert ask["muted"] is True and ask["originator"] == carol.session
    c.expect_ack("videoroom-mute-participant", session=carol.session,
                 participant_id=alice.session, muted=False)
    assert vr_event(alice.client, alice.session, "mute-request")["muted"] is False
    err = c.request("videoroom-mute-participant", session=carol.session,
                    participant_id="nobody-pub", muted=True)
    assert err["sylkrtc"] == "error" and err["error"] == "Unknown participant: nobody-pub"
    err = c.request("videoroom-mute-participant", session=carol.session,
                    participant_id=alice.session)
    assert err["sylkrtc"] == "error" and "'muted'" in err["error"]

    calls = len(room_calls(rtpengine))
    nobody = f"nobody@{SIP_DOMAIN}"
    c.expect_ack("videoroom-remove", session=carol.session,
                 participants=[bob.aor, nobody, carol.aor])
    ended = vr_event(bob.client, bob.session, "session-state", state="terminated")
    assert ended["reason"] == "kicked"
    for p in (alice, carol):
        assert vr_event(p.client, p.session, "publishers-left")["publishers"] == [bob.session]
    status = {}
    for _ in range(3):
        ev = c.wait_event(lambda e: e.get("event") == "invite-status"
                          and e.get("participant") not in status, 5)
        assert ev["session"] == carol.session
        status[ev["participant"]] = (ev["state"], ev["code"])
    assert status == {bob.aor: ("success", 200), nobody: ("failed", 404),
                      carol.aor: ("failed", 403)}
    # bob's call goes from rtpengine (alice's feed of him was a subscription in it)
    wait_until(lambda: len(room_calls(rtpengine)) == calls - 1, 5, what="bob's call deleted")
    assert bob.client.request("videoroom-toggle-hand", session=bob.session)["error"] == \
        f"Unknown room session: {bob.session}"

    again = people("bob")
    again.join()
    assert sorted(p["id"] for p in again.initial) == sorted([alice.session, carol.session])


def test_bad_requests_get_sylkservers_errors(server, rtpengine, people):
    alice, bob = people("alice"), people("bob")
    a = alice.client

    def error(sylkrtc, **fields):
        reply = a.request(sylkrtc, **fields)
        assert reply["sylkrtc"] == "error", (sylkrtc, fields, reply)
        return reply["error"]

    # missing fields are refused by the request checker
    assert "session" in error("videoroom-join", account=alice.aor, uri=ROOM, sdp="v=0")
    assert error("videoroom-feed-attach", session=alice.session, publisher="x")
    # an account this connection does not have, or has not registered
    assert error("videoroom-join", account=bob.aor, session="s1", uri=ROOM,
                 sdp=alice.pub.create_offer()) == f"Unknown account specified: {bob.aor}"
    unregistered = SylkRtcClient(server.http_port, version=2)
    try:
        unregistered.add_account("carol")
        reply = unregistered.request("videoroom-join", account=f"carol@{SIP_DOMAIN}",
                                     session="c1", uri=ROOM, sdp=alice.pub.create_offer())
        assert reply["error"] == "Account not authenticated"
    finally:
        unregistered.close()
    # unknown room sessions
    for req in ("videoroom-leave", "videoroom-configure", "videoroom-mute-audio-participants",
                "videoroom-toggle-hand", "videoroom-session-trickle"):
        fields = {"session": "nope"}
        if req == "videoroom-configure":
            fields["active_participants"] = []
        if req == "videoroom-session-trickle":
            fields["candidates"] = []
        assert error(req, **fields) == "Unknown room session: nope"
    assert error("videoroom-feed-attach", session="nope", publisher="x",
                 feed="f") == "Unknown room session: nope"

    alice.join()
    bob.join()
    assert error("videoroom-join", account=alice.aor, session=alice.session, uri=ROOM,
                 sdp=alice.pub.create_offer()) == f"Session ID {alice.session} already in use"
    assert error("videoroom-feed-attach", session=alice.session, publisher="ghost",
                 feed="f1") == "Unknown publisher room session to attach to: ghost"
    assert error("videoroom-feed-attach", session=alice.session, publisher=bob.session,
                 feed=alice.session) == f"Video room session ID {alice.session} already in use"
    assert error("videoroom-feed-answer", session=alice.session, feed="f9",
                 sdp="v=0") == "Unknown room session: f9"
    assert error("videoroom-feed-detach", session=alice.session,
                 feed="f9") == "Unknown room session to detach: f9"
    a.expect_ack("videoroom-feed-attach", session=alice.session, publisher=bob.session,
                 feed="f1")
    vr_event(a, alice.session, "feed-attached", feed="f1")
    assert error("videoroom-feed-attach", session=alice.session, publisher=bob.session,
                 feed="f1") == "Video room session ID f1 already in use"
    # bob cannot touch alice's feed
    reply = bob.client.request("videoroom-feed-detach", session=bob.session, feed="f1")
    assert reply["error"] == "Unknown room session to detach: f1"
    a.expect_ack("videoroom-feed-detach", session=alice.session, feed="f1")
    assert error("videoroom-feed-answer", session=alice.session, feed="f1",
                 sdp="v=0") == "Unknown room session: f1"
    for p in (alice, bob):
        p.client.expect_ack("videoroom-leave", session=p.session)
    wait_until(lambda: room_calls(rtpengine) == [], 5, what="no rtpengine call of the room")


@pytest.fixture
def limited(tmp_path_factory, rtpengine):
    k = Kamailio(str(tmp_path_factory.mktemp("kamailio-limited")), rtpengine, defines={
        "VIDEOROOM_MAX_ROOMS": 1, "VIDEOROOM_MAX_PUBLISHERS": 2, "VIDEOROOM_MEDIA_TIMEOUT": 2,
        "VIDEOROOM_DENY": '"' + ROOM + '=bob@' + SIP_DOMAIN + '"'})
    yield k
    k.stop()


def test_limits_access_and_media_timeout(limited, rtpengine):
    made = []
    try:
        alice, carol = Participant(limited, "alice"), Participant(limited, "carol")
        bob = Participant(limited, "bob", room=f"other@videoconference.{SIP_DOMAIN}")
        made += [alice, carol, bob]
        alice.join()
        # a second room is one too many
        reply = bob.client.request("videoroom-join", account=bob.aor, session=bob.session,
                                   uri=bob.room, sdp=bob.pub.create_offer())
        assert reply["error"] == "Too many video rooms (max 1)"
        # bob is on the room's deny list
        reply = bob.client.request("videoroom-join", account=bob.aor, session=bob.session,
                                   uri=ROOM, sdp=bob.pub.create_offer())
        assert reply["error"] == f"{bob.aor} is not allowed to join room {ROOM}"
        carol.join()
        # two publishers: a third (carol's second session) does not fit
        reply = carol.client.request("videoroom-join", account=carol.aor, session="carol-2",
                                     uri=ROOM, sdp=Publisher().create_offer())
        assert reply["error"] == f"Room {ROOM} is full (max 2 publishers)"
        # carol leaves; a publisher that never connects is removed after the timeout
        carol.client.expect_ack("videoroom-leave", session=carol.session)
        mute = Publisher()
        carol.client.expect_ack("videoroom-join", account=carol.aor, session="silent",
                                uri=ROOM, sdp=mute.create_offer())
        vr_event(carol.client, "silent", "session-state", state="accepted")
        ended = vr_event(carol.client, "silent", "session-state", state="terminated",
                         timeout=6)
        assert ended["reason"] == "No media received"
        left = vr_event(alice.client, alice.session, "publishers-left", timeout=2,
                        publishers=["silent"])
        assert left
        mute.close()
        alice.client.expect_ack("videoroom-leave", session=alice.session)
        wait_until(lambda: room_calls(rtpengine) == [], 5, what="no rtpengine call of a room")
    finally:
        for p in made:
            p.close()
