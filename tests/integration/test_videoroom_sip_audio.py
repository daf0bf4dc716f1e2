# SPDX-License-Identifier: GPL-2.0-or-later
"""SIP phones in a video room's audio: a phone calling name@conference.<domain>
while browsers are in name@videoconference.<domain> hears the browsers, and
the browsers hear it through one more publisher in their room, the
conference audio ("Conference (SIP)", uri = the conference room). Real
peers: two aiortc browsers sending tones (sylktest.roompeer) and the tests'
RTP phone (sylktest.rtpphone); what each hears is checked by frequency, and
rtpengine's own list by call id once each side has gone."""

import secrets
import time

import pytest

from sylktest.ng import NgClient
from sylktest.processes import wait_until
from sylktest.roompeer import Feed
from sylktest.rtpphone import CONF_DOMAIN, RtpPhone
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN, Kamailio
from test_conference_audio import wait_hears
from test_videoroom import Participant

PHONE_TONE = 1400  # alice 500 Hz, bob 800 Hz (test_videoroom.PEOPLE)
BUS_NAME = "Conference (SIP)"


def calls(rtpengine, prefix):
    return [c for c in NgClient(rtpengine.ng_port).call_ids() if c.startswith(prefix)]


def wait_publisher(p, event, uri, timeout=10):
    """The first `event` (publishers-joined / initial-publishers) to p that
    names a publisher with `uri`: that publisher."""
    def wanted(e):
        return (e.get("sylkrtc") == "videoroom-event" and e.get("session") == p.session
                and e.get("event") == event
                and any(x.get("uri") == uri for x in e.get("publishers", [])))
    ev = p.client.wait_event(wanted, timeout)
    return next(x for x in ev["publishers"] if x.get("uri") == uri)


def wait_left(p, publisher_id, timeout=10):
    def wanted(e):
        return (e.get("sylkrtc") == "videoroom-event" and e.get("session") == p.session
                and e.get("event") == "publishers-left"
                and publisher_id in e.get("publishers", []))
    return p.client.wait_event(wanted, timeout)


def attach_bus(p, bus_id):
    """The browser attaches a feed to the conference audio like to anyone."""
    c, feed_id = p.client, f"{p.user}-sees-conference"
    c.expect_ack("videoroom-feed-attach", session=p.session, publisher=bus_id, feed=feed_id)
    offer = c.wait_event(lambda e: e.get("event") == "feed-attached"
                         and e.get("feed") == feed_id, 10)["sdp"]
    assert "m=video" not in offer or "m=video 0" in offer
    feed = Feed(ask_keyframes=False)
    c.expect_ack("videoroom-feed-answer", session=p.session, feed=feed_id,
                 sdp=feed.accept_offer(offer))
    c.wait_event(lambda e: e.get("event") == "feed-established" and e.get("feed") == feed_id, 10)
    p.feeds["conference"] = feed
    return feed


@pytest.fixture
def room():
    name = f"mixed{secrets.token_hex(3)}"
    return name, f"{name}@videoconference.{SIP_DOMAIN}", f"sip:{name}@{CONF_DOMAIN}"


@pytest.fixture
def cast(server):
    made = []

    def browser(user, vr_uri):
        p = Participant(server, user, vr_uri)
        made.append(p)
        return p

    def phone(user, tone):
        p = RtpPhone(server.sip_port, user, tone, "PCMU", domain=SIP_DOMAIN,
                     password=DEMO_ACCOUNTS[user])
        made.append(p)
        return p
    yield browser, phone
    for p in made:
        p.close()


def test_phone_and_browsers_hear_each_other_and_leave_nothing(server, rtpengine, room, cast):
    name, vr_uri, conf_uri = room
    browser, phone_of = cast
    alice, bob = browser("alice", vr_uri), browser("bob", vr_uri)
    alice.join()
    bob.join()
    phone = phone_of("carol", PHONE_TONE)
    phone.join(name)

    # the conference audio shows up as one more publisher of the room
    bus = {}
    for p in (alice, bob):
        bus[p.user] = wait_publisher(p, "publishers-joined", conf_uri)
        assert bus[p.user]["display_name"] == BUS_NAME
    bus_id = bus["alice"]["id"]
    assert bus["bob"]["id"] == bus_id
    assert len(calls(rtpengine, "vr-")) == 3  # alice, bob, the conference audio

    # the phone hears both browsers, not itself
    wait_hears(phone, [alice.tone, bob.tone], [PHONE_TONE], name="phone")
    # each browser hears the phone through the conference feed, and not
    # itself or the other browser through the mixer (it has the SFU for that)
    for p in (alice, bob):
        feed = attach_bus(p, bus_id)
        feed.wait_connected(10)
        assert abs(feed.wait_for_tone(PHONE_TONE, 10) - PHONE_TONE) < 25
    time.sleep(1.0)
    for p in (alice, bob):
        heard = p.feeds["conference"].recorder.dominant_frequency(1.0)
        assert heard is not None and abs(heard - PHONE_TONE) < 25, (p.user, heard)

    # a browser joining later finds the conference audio in initial-publishers
    late = browser("carol", vr_uri)
    late.join()
    assert any(x["uri"] == conf_uri and x["display_name"] == BUS_NAME for x in late.initial)
    late.client.expect_ack("videoroom-leave", session=late.session)
    wait_until(lambda: len(calls(rtpengine, "vr-")) == 3, 5, what="the late browser's call")

    # bob leaves: his tap goes, the phone keeps hearing alice alone
    bob.client.expect_ack("videoroom-leave", session=bob.session)
    wait_until(lambda: len(calls(rtpengine, "vr-")) == 2, 5, what="bob's call deleted")
    wait_hears(phone, [alice.tone], [bob.tone, PHONE_TONE], name="phone after bob left")
    assert abs(alice.feeds["conference"].wait_for_tone(PHONE_TONE, 10) - PHONE_TONE) < 25

    # the phone hangs up: the conference audio leaves the room, its call goes
    phone.leave()
    wait_left(alice, bus_id, timeout=10)
    wait_until(lambda: len(calls(rtpengine, "vr-")) == 1, 5, what="the conference audio's call")
    wait_until(lambda: calls(rtpengine, "conf-") == [], 5, what="the phone's call")

    alice.client.expect_ack("videoroom-leave", session=alice.session)
    wait_until(lambda: calls(rtpengine, "vr-") == [], 5, what="no rtpengine call of the room")


def test_last_browser_leaving_ends_the_bridge_phone_stays(server, rtpengine, room, cast):
    name, vr_uri, conf_uri = room
    browser, phone_of = cast
    phone = phone_of("carol", PHONE_TONE)
    phone.join(name)  # the phone first, the browser joins a running conference
    alice = browser("alice", vr_uri)
    alice.join()
    bus = wait_publisher(alice, "publishers-joined", conf_uri)
    wait_hears(phone, [alice.tone], [PHONE_TONE], name="phone")
    feed = attach_bus(alice, bus["id"])
    feed.wait_connected(10)
    feed.wait_for_tone(PHONE_TONE, 10)

    # alice's WebSocket drops: her call, her tap and the conference audio go
    alice.client.abort()
    wait_until(lambda: calls(rtpengine, "vr-") == [], 6, what="no rtpengine call of the room")
    # the phone is still in its conference, hearing nobody
    time.sleep(1.5)
    assert phone.energy_at(alice.tone, 1.0) < 0.02
    assert not phone.hung_up_by_focus
    phone.leave()
    wait_until(lambda: calls(rtpengine, "conf-") == [], 5, what="the phone's call")


def test_a_browser_removes_a_phone_from_the_room_audio(server, rtpengine, room, cast):
    """alice, in the video room, removes carol, who is in it by her SIP
    phone (the conference audio), as the Sylk app's "remove from conference"
    does (videoroom-remove): the focus BYEs the phone, alice hears of it in
    invite-status, the conference audio leaves the room and its calls go.
    Someone in neither gets 404, as before."""
    name, vr_uri, conf_uri = room
    browser, phone_of = cast
    alice = browser("alice", vr_uri)
    alice.join()
    phone = phone_of("carol", PHONE_TONE)
    phone.join(name)
    bus = wait_publisher(alice, "publishers-joined", conf_uri)
    wait_hears(phone, [alice.tone], [PHONE_TONE], name="phone")

    nobody = f"nobody@{SIP_DOMAIN}"
    carol = f"carol@{SIP_DOMAIN}"
    alice.client.expect_ack("videoroom-remove", session=alice.session,
                            participants=[carol, nobody])
    status = {}
    for _ in range(2):
        ev = alice.client.wait_event(lambda e: e.get("event") == "invite-status"
                                     and e.get("participant") not in status, 10)
        status[ev["participant"]] = (ev["state"], ev["code"])
    assert status == {carol: ("success", 200), nobody: ("failed", 404)}
    wait_until(lambda: phone.hung_up_by_focus, 5, what="the focus's BYE at the phone")
    wait_left(alice, bus["id"], timeout=10)
    wait_until(lambda: calls(rtpengine, "conf-") == [], 5, what="the phone's call")
    wait_until(lambda: len(calls(rtpengine, "vr-")) == 1, 5, what="only alice's call")
    assert f"room {conf_uri}: sip:{carol} removed by alice@{SIP_DOMAIN}" in \
        server.process.log()
    alice.client.expect_ack("videoroom-leave", session=alice.session)
    wait_until(lambda: calls(rtpengine, "vr-") == [], 5, what="no rtpengine call of the room")


def test_a_room_too_full_for_the_phones_is_logged_once(tmp_path_factory, rtpengine, room):
    """A video room of one place, taken by a browser, while a phone is in its
    conference: the bridge is tried every second, but the room being full is
    a NOTICE when it starts and one when it ends, not a line a second."""
    name, vr_uri, _ = room
    kamailio = Kamailio(str(tmp_path_factory.mktemp("kamailio-full-room")), rtpengine,
                        defines={"VIDEOROOM_MAX_PUBLISHERS": 1})
    made = []
    try:
        alice = Participant(kamailio, "alice", vr_uri)
        made.append(alice)
        alice.join()
        phone = RtpPhone(kamailio.sip_port, "carol", PHONE_TONE, "PCMU", domain=SIP_DOMAIN,
                         password=DEMO_ACCOUNTS["carol"])
        made.append(phone)
        phone.join(name)
        full = f"video room {vr_uri} is full (max 1 participants)"
        wait_until(lambda: full in kamailio.process.log(), 5, what="the room-full notice")
        time.sleep(3.5)  # three more tries of the bridge
        log = kamailio.process.log()
        assert log.count(full) == 1
        assert "no conference audio publisher" not in log and "no bridge to" not in log

        phone.leave()
        ended = (f"video room {vr_uri}: no longer waiting for a place for the SIP audio: "
                 "no SIP participant with audio")
        wait_until(lambda: ended in kamailio.process.log(), 5, what="the end of the wait")
        time.sleep(1.5)
        assert kamailio.process.log().count(ended) == 1
    finally:
        for p in made:
            p.close()
        kamailio.stop()
