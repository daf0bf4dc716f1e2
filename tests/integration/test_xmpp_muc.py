# SPDX-License-Identifier: GPL-2.0-or-later
"""Multi-user chat through the SIP <-> XMPP gateway (RFC 7702), real
processes: the gateway serves conference.DOMAIN as Prosody's second
component; two slixmpp users join NAME@conference.DOMAIN and chat with a
Blink-style SIP participant of the focus room sip:NAME@conference.DOMAIN
(SIPp for the dialog, the tests' MSRP client for the chat)."""

import asyncio
import re
import uuid

import pytest

from sylktest import msrp
from sylktest.msrp import random_id
from sylktest.processes import wait_until
from sylktest.server import SIP_DOMAIN, Kamailio
from sylktest.xmpp import XMPP_DOMAIN, Prosody, XmppClient

from test_conference import people as sip_people  # noqa: F401 (fixture)
from test_conference import check_document, notify_documents, subscribe, texts_from
from test_xmpp import link_up, own_gateway, xmpp_defines

MUC = f"conference.{SIP_DOMAIN}"


@pytest.fixture(scope="module")
def prosody(tmp_path_factory):
    p = Prosody(str(tmp_path_factory.mktemp("prosody-muc")), SIP_DOMAIN,
                users=("bob", "dave", "erin"))
    yield p
    p.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, rtpengine, prosody):
    """The focus and the XMPP gateway in one Kamailio (test_conference's
    participants use this fixture)."""
    kam = Kamailio(str(tmp_path_factory.mktemp("kamailio-xmpp-muc")), rtpengine,
                   defines=xmpp_defines(prosody))
    wait_until(lambda: link_up(kam) and "XMPP component " + MUC + " connected"
               in kam.process.log(), 10, what="both XMPP component links up")
    yield kam
    kam.stop()


def join(client, room, nick):
    client.send_raw(f"<presence to='{room}/{nick}'>"
                    "<x xmlns='http://jabber.org/protocol/muc'/></presence>")


def leave(client, room, nick):
    client.send_raw(f"<presence to='{room}/{nick}' type='unavailable'/>")


def say(client, room, text):
    mid = uuid.uuid4().hex[:12]
    client.send_raw(f"<message to='{room}' type='groupchat' id='{mid}'>"
                    f"<body>{text}</body></message>")
    return mid


def occupant(room, nick, kind="available"):
    return lambda p: p["from"] == f"{room}/{nick}" and p["type"] == kind


def groupchat(room, nick, body):
    return lambda m: (m.get("type") == "groupchat" and m.get("body") == body
                      and m.get("from") == (f"{room}/{nick}" if nick else room))


def test_two_xmpp_users_and_a_sip_participant_chat(server, prosody, sip_people):  # noqa: F811
    name = f"xmuc{random_id(4).lower()}"
    room = f"{name}@{MUC}"
    carol = sip_people("carol", name)
    c = carol.connect()
    bob, dave, erin = (XmppClient(prosody, u) for u in ("bob", "dave", "erin"))
    try:
        join(bob, room, "Bob")
        p = bob.wait_presence(occupant(room, "Bob"))
        assert "code=\"110\"" in p["xml"] or "code='110'" in p["xml"]
        join(dave, room, "Dave")
        dave.wait_presence(occupant(room, "Bob"))
        dave.wait_presence(occupant(room, "Dave"))
        bob.wait_presence(occupant(room, "Dave"))

        # nickname clash: an XMPP conflict error, the room unchanged
        join(erin, room, "Bob")
        e = erin.wait_presence(lambda p: p["type"] == "error")
        assert "conflict" in e["xml"], e

        # XMPP -> the other XMPP occupant, the sender (echo) and the MSRP participant
        say(bob, room, "hello from xmpp")
        dave.wait(groupchat(room, "Bob", "hello from xmpp"))
        bob.wait(groupchat(room, "Bob", "hello from xmpp"))
        c.wait_for(lambda: "hello from xmpp" in texts_from(c), what="carol reads bob")
        got = [m for m in c.chat_messages() if m.cpim.body == b"hello from xmpp"][0]
        assert msrp.Cpim.uri(got.cpim.header("From")) == f"sip:bob@{XMPP_DOMAIN}"
        assert "Bob" in got.cpim.header("From")

        # MSRP -> both XMPP occupants, with the SIP participant's nickname
        assert carol.say("hello from msrp") == 200
        bob.wait(groupchat(room, "carol", "hello from msrp"))
        dave.wait(groupchat(room, "carol", "hello from msrp"))

        # leaving: everyone sees the occupant go; it is no longer relayed to
        leave(dave, room, "Dave")
        bob.wait_presence(occupant(room, "Dave", "unavailable"))
        say(bob, room, "after dave left")
        bob.wait(groupchat(room, "Bob", "after dave left"))
        with pytest.raises(AssertionError):
            dave.wait(groupchat(room, "Bob", "after dave left"), timeout=1)
        # a non-occupant may not post
        say(erin, room, "crasher")
        e = erin.wait(lambda m: m.get("type") == "error")
        assert e["error"] == "not-acceptable"
    finally:
        for x in (bob, dave, erin):
            x.close()
    assert link_up(server)


def disco_info(client, to):
    """The disco#info result of @p to, as XML text."""
    fut = client.call(lambda: client.client.make_iq_get(
        queryxmlns="http://jabber.org/protocol/disco#info", ito=to).send(timeout=5))

    async def result():
        return await fut
    return str(asyncio.run_coroutine_threadsafe(result(), client.loop).result(10))


def test_disco_info(server, prosody):
    """The gateway answers disco#info: gateway/sip on the SIP domain,
    conference/text with the MUC feature on the MUC domain."""
    bob = XmppClient(prosody, "bob")
    try:
        xml = disco_info(bob, SIP_DOMAIN).replace("'", '"')
        assert 'category="gateway"' in xml and 'type="sip"' in xml, xml
        xml = disco_info(bob, MUC).replace("'", '"')
        assert 'category="conference"' in xml and "http://jabber.org/protocol/muc" in xml, xml
    finally:
        bob.close()


def test_reconnect_tells_occupants_unavailable(server, prosody):
    """The MUC link broken and back (Prosody restarted): occupants from
    before get `unavailable` from the room and are forgotten."""
    room = f"xmucr{random_id(4).lower()}@{MUC}"
    bob = XmppClient(prosody, "bob")
    try:
        join(bob, room, "Bob")
        bob.wait_presence(occupant(room, "Bob"))
        # SIGKILL: bob's session dies without an unavailable to the room
        prosody.kill()
        wait_until(lambda: not link_up(server), 10, what="link down")
        prosody.start()
        wait_until(lambda: link_up(server), 15, what="link back")
        wait_until(lambda: "occupants from before the reconnect told unavailable"
                   in server.process.log(), 15, what="unavailable for the old occupants")
    finally:
        bob.close()


def test_gateway_stopping_tells_occupants_they_left(tmp_path_factory, rtpengine):
    """Kamailio stopped (SIGTERM, as systemd does): an XMPP user in one of
    the gateway's rooms gets `unavailable` for itself from the room at once,
    not a room that silently stays in its roster until Prosody notices."""
    with own_gateway(tmp_path_factory, rtpengine, "muc-stop") as (kam, bob):
        room = f"xmucs{random_id(4).lower()}@{MUC}"
        join(bob, room, "Bob")
        bob.wait_presence(occupant(room, "Bob"))
        kam.stop()
        gone = bob.wait_presence(occupant(room, "Bob", "unavailable"), timeout=10)
        assert "110" in gone["xml"], gone
        assert "occupants at shutdown told unavailable" in kam.process.log()


def test_sip_watcher_sees_xmpp_occupants_in_conference_info(server, prosody, sip_people,  # noqa: F811
                                                            workdir):
    """A SIP participant's conference-info lists the XMPP occupant of the
    MUC of the same name while it is in the room, with its nickname and a
    chat stream, and no longer once it left."""
    name = f"xmuci{random_id(4).lower()}"
    room = f"{name}@{MUC}"
    carol = sip_people("carol", name)
    carol.connect()
    watcher = subscribe(server, workdir, "alice", name, notifies=100)
    bob = XmppClient(prosody, "bob")
    bob_uri = f"sip:bob@{XMPP_DOMAIN}"
    try:
        def docs():
            return notify_documents(watcher)
        wait_until(lambda: docs() and docs()[-1].user(carol.uri), 10, what="first NOTIFY")
        join(bob, room, "Bob")
        bob.wait_presence(occupant(room, "Bob"))
        wait_until(lambda: docs()[-1].user(bob_uri), 10, what="NOTIFY with the XMPP occupant")
        doc = docs()[-1]
        check_document(doc, name, {carol.uri: ["message"], bob_uri: ["message"]})
        assert doc.user(bob_uri)["display_text"] == "Bob"
        leave(bob, room, "Bob")
        wait_until(lambda: docs()[-1].user(bob_uri) is None, 10, what="NOTIFY without it")
        check_document(docs()[-1], name, {carol.uri: ["message"]})
    finally:
        watcher.stop()
        bob.close()


def muc_counts(kam):
    status = kam.kamcmd("sylk_xmpp.status")
    return tuple(int(re.search(rf"{k}:\s*(\d+)", status).group(1))
                 for k in ("muc_rooms", "muc_occupants"))


def refused(client, room, nick, text):
    e = client.wait_presence(lambda p: p["from"] == f"{room}/{nick}" and p["type"] == "error")
    assert "<service-unavailable" in e["xml"] and text in e["xml"], e


def test_rooms_and_occupants_are_bounded_and_an_empty_room_goes(tmp_path_factory, rtpengine):
    """The MUC lives in Kamailio's shared memory: a full room
    (muc_max_occupants), a full service (muc_max_rooms) and an account in
    too many rooms (muc_max_rooms_per_user) are refused with
    service-unavailable, and a room goes with its last occupant, so joining
    and leaving many rooms costs nothing that stays."""
    a, b = f"xmucl{random_id(4).lower()}@{MUC}", f"xmucm{random_id(4).lower()}@{MUC}"
    with own_gateway(tmp_path_factory, rtpengine, "muc-limits", XMPP_MUC_MAX_OCCUPANTS=2,
                     XMPP_MUC_MAX_ROOMS=1) as (kam, bob):
        # three devices of bob, three occupants of one room: the third is refused
        others = [XmppClient(kam.prosody, "bob", resource=f"d{i}") for i in range(2)]
        try:
            for i, c in enumerate([bob] + others[:1]):
                join(c, a, f"B{i}")
                c.wait_presence(occupant(a, f"B{i}"))
            join(others[1], a, "B2")
            refused(others[1], a, "B2", "the room is full")
            assert muc_counts(kam) == (1, 2)
            # a second room would be one more than the service holds
            join(others[1], b, "B2")
            refused(others[1], b, "B2", "no more rooms")
            for i, c in enumerate([bob] + others[:1]):
                leave(c, a, f"B{i}")
                c.wait_presence(occupant(a, f"B{i}", "unavailable"))
            wait_until(lambda: muc_counts(kam) == (0, 0), 5, what="the empty room gone")
            # and its place is free again
            join(others[1], b, "B2")
            others[1].wait_presence(occupant(b, "B2"))
        finally:
            for c in others:
                c.close()
    with own_gateway(tmp_path_factory, rtpengine, "muc-per-user",
                     XMPP_MUC_MAX_ROOMS_PER_USER=1) as (kam, bob):
        join(bob, a, "Bob")
        bob.wait_presence(occupant(a, "Bob"))
        join(bob, b, "Bob")
        refused(bob, b, "Bob", "as many rooms as one account may be")
        assert muc_counts(kam) == (1, 1)
