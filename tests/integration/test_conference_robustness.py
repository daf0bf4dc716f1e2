# SPDX-License-Identifier: GPL-2.0-or-later
"""The focus under conditions that used to wedge it or leak from it:

- one slow rtpengine (an ng relay holding back the replies of one room's
  join by 2 s) must not stall any other room: its participants keep
  hearing each other without a gap and their chat keeps flowing;
- a mixer that cannot take a participant (its port is bound by someone
  else) gives the port back and the caller gets a clean 503, visible in
  the sylk_conference.mixer RPC;
- the focus's Contact (the one of its 200) is an address like any other:
  SUBSCRIBE, REFER, OPTIONS and a re-INVITE sent straight to it reach the
  focus.

Every server here is the project's kamailio.cfg with real rtpengine."""

import re
import secrets
import socket
import threading
import time

import pytest

from sylktest.chatphone import ChatPhone
from sylktest.ngrelay import NgRelay
from sylktest.processes import free_port_range, release_port_range, wait_until
from sylktest.rtpphone import CONF_DOMAIN, RtpPhone, SipError, SipUA, uri_of
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN, Kamailio
from sylktest.sipp import run_uac

ALICE, BOB, CAROL = 400, 1000, 1800
MAX_AUDIO_GAP = 0.060    # seconds between two mixed packets a participant receives
MAX_CHAT_DELAY = 0.100   # seconds from sending a chat message to its arrival
RTPENGINE_DELAY = 2.0    # seconds the relay holds back the slow room's replies


def local(user):
    """A demo account of our domain, with its password: local users open
    rooms (the default room policy)."""
    return {"domain": SIP_DOMAIN, "password": DEMO_ACCOUNTS[user]}


def new_room(prefix):
    return f"{prefix}{secrets.token_hex(3)}"


def room_uri(room):
    return f"sip:{room}@{CONF_DOMAIN}"


def mixer_pool(server):
    """The sylk_conference.mixer RPC as a dict of ints."""
    out = server.kamcmd("sylk_conference.mixer")
    return {k: int(v) for k, v in re.findall(r"(\w+):\s*(-?\d+)", out)}


# ---- one slow rtpengine reply stalls no other room -------------------------------------

@pytest.fixture(scope="module")
def relay(rtpengine):
    r = NgRelay(rtpengine.ng_port)
    yield r
    r.close()


@pytest.fixture(scope="module")
def relayed_server(tmp_path_factory, rtpengine, relay):
    kamailio = Kamailio(str(tmp_path_factory.mktemp("kamailio-relay")), rtpengine,
                        defines={"RTPENGINE_SOCK": f'"{relay.sock}"'})
    yield kamailio
    kamailio.stop()


def test_a_slow_rtpengine_reply_for_one_room_stalls_no_other_room(relayed_server, relay):
    srv = relayed_server
    talk = new_room("talk")
    slow = new_room("slow")
    alice = ChatPhone(srv.sip_port, "alice", ALICE, "PCMU", **local("alice"))
    bob = ChatPhone(srv.sip_port, "bob", BOB, "PCMU", **local("bob"))
    slow_cid = "slowjoin-" + secrets.token_hex(8)
    carol = ChatPhone(srv.sip_port, "carol", CAROL, "PCMU", call_id=slow_cid,
                      **local("carol"))
    try:
        for p in (alice, bob):
            p.join(talk)
            p.connect_chat()
        # both hear each other before anything is slow
        wait_until(lambda: alice.received_seconds(1.0) > 0.9 and
                   bob.received_seconds(1.0) > 0.9, 10, what="mixed audio flowing")

        relay.delay(slow_cid, RTPENGINE_DELAY)
        result = {}

        def slow_join():
            start = time.monotonic()
            try:
                result["response"] = carol.join(slow, timeout=20)
            except (SipError, TimeoutError) as e:
                result["error"] = e
            result["took"] = time.monotonic() - start

        t0 = time.monotonic()
        wall0 = time.time()
        joiner = threading.Thread(target=slow_join, daemon=True)
        joiner.start()
        # while carol's join waits on rtpengine, alice and bob chat
        delays = []
        n = 0
        while joiner.is_alive() or time.monotonic() < t0 + RTPENGINE_DELAY + 0.5:
            speaker, listener = (alice, bob) if n % 2 == 0 else (bob, alice)
            token = f"msg-{n}-{secrets.token_hex(4)}"
            sent = speaker.say(token, room_uri(talk))
            try:
                listener.msrp.wait_for(lambda: listener.msrp.arrival_of(token.encode()),
                                       timeout=RTPENGINE_DELAY * 3, what=token)
            except TimeoutError:
                pass
            got = listener.msrp.arrival_of(token.encode())
            delays.append((token, None if got is None else got - sent))
            n += 1
            time.sleep(0.15)
            assert time.monotonic() - t0 < 30, "the slow join never ended"
        t1 = time.monotonic()
        wall1 = time.time()
        joiner.join(5)

        # the relay did hold carol's replies back, and her join felt it
        assert any(cid and slow_cid in cid for _, cid in relay.delayed), relay.requests[-10:]
        assert result.get("took", 0) >= RTPENGINE_DELAY * 0.9, result
        assert any(slow_cid in (cid or "") for _, _, cid in relay.requests)

        late = [(tok, d) for tok, d in delays if d is None or d > MAX_CHAT_DELAY]
        assert len(delays) >= 10, delays
        assert not late, f"chat messages later than {MAX_CHAT_DELAY * 1000:.0f} ms: {late}"
        for p in (alice, bob):
            gaps, packets = p.arrival_gaps(wall0, wall1)
            expected = (t1 - t0) / 0.020
            assert packets > 0.9 * expected, \
                f"{p.user} got {packets} packets in {t1 - t0:.2f}s, {expected:.0f} expected"
            worst = max(gaps)
            assert worst <= MAX_AUDIO_GAP, \
                f"{p.user}'s audio stopped for {worst * 1000:.0f} ms during the slow join"
        # what they kept hearing is each other
        assert alice.energy_at(BOB, 1.0) > 0.5, alice.spectrum([ALICE, BOB, CAROL])
        assert bob.energy_at(ALICE, 1.0) > 0.5, bob.spectrum([ALICE, BOB, CAROL])
    finally:
        relay.clear_delays()
        for p in (alice, bob, carol):
            p.close()


# ---- a mixer port the mixer cannot bind ------------------------------------------------

@pytest.fixture(scope="module")
def tiny_pool_server(tmp_path_factory, rtpengine):
    """Mixer ports: two RTP/RTCP pairs, nothing more."""
    lo, hi = free_port_range(4)
    kamailio = Kamailio(str(tmp_path_factory.mktemp("kamailio-tiny-pool")), rtpengine,
                        defines={"MIXER_PORT_MIN": lo, "MIXER_PORT_MAX": hi})
    kamailio.pool = (lo, hi)
    yield kamailio
    kamailio.stop()
    release_port_range(lo, hi)


def test_a_mixer_port_taken_by_someone_else_is_given_back_and_the_caller_gets_503(
        tiny_pool_server):
    srv = tiny_pool_server
    lo, hi = srv.pool
    before = mixer_pool(srv)
    assert before["pairs"] == 2 and before["used"] == 0 and before["free"] == 2, before

    # both RTP ports of the pool are bound by us: every add_part() fails
    squatters = []
    for port in (lo, lo + 2):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", port))
        squatters.append(s)
    room = new_room("pool")
    phones = []
    try:
        for i in range(3):
            p = RtpPhone(srv.sip_port, "alice", ALICE, "PCMU", **local("alice"))
            phones.append(p)
            with pytest.raises(SipError) as e:
                p.join(room)
            response = e.value.args[1]
            assert response.code == 503, response.start
            assert "mixer" in response.start.lower(), response.start
            # the pool is as it was after every failure
            assert mixer_pool(srv) == before, (i, mixer_pool(srv), before)
        assert f"sip:{room}@{CONF_DOMAIN}" not in srv.kamcmd("sylk_conference.rooms")

        # one port is free again: the next caller gets in
        squatters.pop().close()
        ok = RtpPhone(srv.sip_port, "alice", ALICE, "PCMU", **local("alice"))
        other = RtpPhone(srv.sip_port, "bob", BOB, "PCMU", **local("bob"))
        phones += [ok, other]
        assert ok.join(room).code == 200
        assert mixer_pool(srv)["used"] == 1
        # the second pair is still squatted: bob is refused, nothing leaks
        with pytest.raises(SipError) as e:
            other.join(room)
        assert e.value.args[1].code == 503
        assert mixer_pool(srv)["used"] == 1
        ok.leave()
        wait_until(lambda: mixer_pool(srv) == before, 5, what="the pool back to where it was")
    finally:
        for s in squatters:
            s.close()
        for p in phones:
            p.close()


def test_a_mixer_port_held_by_another_program_is_skipped(tiny_pool_server):
    """Mixer ports usually lie in the kernel's ephemeral range, where any
    program's socket may sit on one: the focus tries the next port."""
    srv = tiny_pool_server
    lo, _hi = srv.pool
    before = mixer_pool(srv)
    assert before["used"] == 0, before
    held = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    held.bind(("127.0.0.1", lo))
    room = new_room("held")
    try:
        # the pool hands its two pairs out in turn: one of two joins in a
        # row is offered the held port first
        for user, aor_ in (("alice", ALICE), ("bob", BOB)):
            with RtpPhone(srv.sip_port, user, aor_, "PCMU", **local(user)) as p:
                assert p.join(room).code == 200
                assert mixer_pool(srv)["used"] == 1
                p.leave()
            wait_until(lambda: mixer_pool(srv) == before, 5, what="the pool back")
        assert "is held by another program" in srv.process.log()
    finally:
        held.close()


# ---- the focus's Contact ---------------------------------------------------------------

@pytest.fixture
def joined(server):
    """A phone in a new room, and the Contact URI of the focus's 200."""
    room = new_room("contact")
    phone = RtpPhone(server.sip_port, "carol", CAROL, "PCMU", **local("carol"))
    r = phone.join(room)
    contact = r.header("contact")
    assert contact and ";isfocus" in contact, contact
    yield room, phone, uri_of(contact)
    phone.close()


def test_subscribe_options_and_reinvite_to_the_focus_contact_reach_the_focus(
        server, workdir, joined):
    room, phone, contact = joined
    # SIPp as a user of our domain (digest authentication), the SUBSCRIBE
    # addressed to the exact Contact URI
    sub = run_uac(workdir, "subscribe-contact", "conf_subscribe_to.xml",
                  f"127.0.0.1:{server.sip_port}",
                  keys={"user": "alice", "domain": SIP_DOMAIN, "room": room,
                        "conf_domain": CONF_DOMAIN, "event": "conference", "expires": 600,
                        "target_uri": contact},
                  extra=["-au", "alice", "-ap", DEMO_ACCOUNTS["alice"],
                         "-set", "notifies", "1"])
    actions = sub.actions()
    assert any(a.startswith("subscribed 200") for a in actions), sub.report()
    assert sub.process.wait(5) == 0, sub.report()
    # the NOTIFY describes the room the Contact belongs to, with the phone in it
    assert f"entity=\"sip:{room}@{CONF_DOMAIN}\"" in sub.messages(), sub.report()
    assert phone.aor in sub.messages(), sub.report()

    # OPTIONS to the Contact: answered by the focus
    ua = SipUA(server.sip_port, "prober")
    try:
        d = ua.new_dialog(contact)
        r = ua._transaction("OPTIONS", d, ruri=contact)
        assert r.code == 200, r.start
    finally:
        ua.close()

    # a re-INVITE sent straight to the Contact, without the Record-Route set
    phone.dialog.route_set = []
    r = phone.hold()
    assert r.code == 200, r.start
    assert phone.answer.direction in ("recvonly", "inactive"), phone.answer.section


def test_out_of_dialog_refer_to_the_focus_contact_reaches_the_focus(server, workdir, joined):
    room, phone, contact = joined
    refer = run_uac(workdir, "refer-contact", "conf_refer_to.xml",
                    f"127.0.0.1:{server.sip_port}",
                    keys={"user": "alice", "domain": SIP_DOMAIN, "room": room,
                          "conf_domain": CONF_DOMAIN, "refer_header": "Refer-To",
                          "refer_to": f"<{phone.aor};method=BYE>", "target_uri": contact},
                    extra=["-au", "alice", "-ap", DEMO_ACCOUNTS["alice"]], timeout=40)
    actions = refer.actions()
    assert "final 202" in actions, refer.report()
    assert any("SIP/2.0 200" in a and "terminated" in a for a in actions), actions
    # and the focus did what the REFER asked: the phone is out of the room
    assert phone.wait_bye(5), "the REFER (method=BYE) did not end the participant's call"
