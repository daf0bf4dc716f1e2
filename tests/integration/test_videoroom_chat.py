# SPDX-License-Identifier: GPL-2.0-or-later
"""Video-room chat shared with the SIP conference of the same name (issue
16): browsers in NAME@videoconference.DOMAIN (aiortc publishers on a
sylkRTC-2 connection) and a Blink-style SIP participant in
sip:NAME@conference.DOMAIN (SIPp for the dialog, the tests' MSRP client for
the chat) read each other's messages, composing indications and the room's
status notices; the browser that sent gets message-delivery."""

import time

from sylktest import msrp
from sylktest.msrp import cpim, iscomposing, parse_iscomposing, random_id
from sylktest.server import SIP_DOMAIN

from test_conference import Participant as SipParticipant
from test_conference import people as sip_people  # noqa: F401 (fixture)
from test_conference import texts_from
from test_videoroom import Participant, people  # noqa: F401 (fixture)
from test_videoroom import vr_event

CONF_DOMAIN = f"conference.{SIP_DOMAIN}"


def rooms():
    name = f"vchat{random_id(4).lower()}"
    return name, f"{name}@videoconference.{SIP_DOMAIN}", f"sip:{name}@{CONF_DOMAIN}"


def room_messages(browser, settle=0.5, **match):
    """The unconsumed 'message' events of a browser, after `settle` s."""
    found = []
    for e in browser.client.events(settle):
        if (e.get("sylkrtc") == "videoroom-event" and e.get("event") == "message"
                and all(e.get(k) == v for k, v in match.items())):
            found.append(e)
    return found


def say(browser, text, message_id=None):
    message_id = message_id or random_id(8)
    browser.client.expect_ack("videoroom-message", session=browser.session,
                              message_id=message_id, content=text, content_type="text/plain")
    return message_id


def test_browsers_and_a_sip_participant_chat_both_ways(server, people, sip_people):
    name, vroom, conf_room = rooms()
    bob = sip_people("bob", name)
    b = bob.connect()
    alice, carol = people("alice", vroom), people("carol", vroom)
    alice.join()
    carol.join()

    # a browser -> the SIP participant and the other browser; delivery to the sender
    mid = say(alice, "hello from the browser")
    delivery = vr_event(alice.client, alice.session, "message-delivery", message_id=mid)
    assert delivery["delivered"] is True and delivery["code"] == 200
    b.wait_for(lambda: "hello from the browser" in texts_from(b), what="bob reads alice")
    got = [m for m in b.chat_messages() if m.cpim.body == b"hello from the browser"][0]
    assert msrp.Cpim.uri(got.cpim.header("From")) == f"sip:alice@{SIP_DOMAIN}"
    assert msrp.Cpim.uri(got.cpim.header("To")) == conf_room
    assert got.cpim.ns_header("urn:ietf:params:imdn", "Message-ID") == mid
    at_carol = vr_event(carol.client, carol.session, "message",
                        content="hello from the browser")
    assert at_carol["type"] == "normal" and at_carol["content_type"] == "text/plain"
    assert at_carol["sender"]["uri"] == f"sip:alice@{SIP_DOMAIN}"
    assert at_carol["timestamp"]

    # the SIP participant -> both browsers, with its identity
    assert bob.say("hello from blink") == 200
    for browser in (alice, carol):
        e = vr_event(browser.client, browser.session, "message", content="hello from blink")
        assert e["type"] == "normal"
        assert e["sender"]["uri"] == f"sip:bob@{SIP_DOMAIN}"
        assert e["content_type"] == "text/plain"

    # nobody gets their own message back
    time.sleep(0.5)
    assert not [m for m in texts_from(b, f"sip:bob@{SIP_DOMAIN}")]
    assert not room_messages(alice, content="hello from the browser")


def test_composing_both_ways_and_status_notices(server, people, sip_people):
    name, vroom, conf_room = rooms()
    bob = sip_people("bob", name)
    b = bob.connect()
    alice = people("alice", vroom)
    alice.join()

    alice.client.expect_ack("videoroom-composing-indication", session=alice.session,
                            state="active", refresh=30)

    def composing_from(sender):
        return [m for m in b.messages if m.cpim is not None
                and m.cpim.content_type.startswith("application/im-iscomposing+xml")
                and msrp.Cpim.uri(m.cpim.header("From")) == sender]
    b.wait_for(lambda: composing_from(f"sip:alice@{SIP_DOMAIN}"), what="alice composing at bob")
    doc = parse_iscomposing(composing_from(f"sip:alice@{SIP_DOMAIN}")[0].cpim.body)
    assert doc["state"] == "active"

    _, tids = b.send(cpim(bob.uri, conf_room, iscomposing("active", refresh=60),
                          content_type="application/im-iscomposing+xml"))
    assert b.wait_response(tids[0]).code == 200
    e = vr_event(alice.client, alice.session, "composing-indication")
    assert e["state"] == "active" and e["refresh"] == 60
    assert e["sender"]["uri"] == f"sip:bob@{SIP_DOMAIN}"

    # a second SIP participant joins: the room's notice reaches the browser
    carol = sip_people("carol", name)
    carol.connect()
    e = vr_event(alice.client, alice.session, "message", type="status", timeout=10)
    assert "carol" in e["content"]


def test_without_a_conference_room_browsers_still_chat(server, people):
    _, vroom, _ = rooms()
    alice, bob = people("alice", vroom), people("bob", vroom)
    alice.join()
    bob.join()
    mid = say(bob, "just us")
    vr_event(alice.client, alice.session, "message", content="just us")
    delivery = vr_event(bob.client, bob.session, "message-delivery", message_id=mid)
    assert delivery["delivered"] is True


def test_chat_of_an_unknown_session_is_refused(server, people):
    _, vroom, _ = rooms()
    alice = people("alice", vroom)
    reply = alice.client.request("videoroom-message", session="nope", message_id="m1",
                                 content="x", content_type="text/plain")
    assert reply["sylkrtc"] == "error" and "Unknown room session" in reply["error"]
    reply = alice.client.request("videoroom-composing-indication", session="nope",
                                 state="idle")
    assert reply["sylkrtc"] == "error" and "Unknown room session" in reply["error"]
