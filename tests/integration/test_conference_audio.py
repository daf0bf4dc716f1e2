# SPDX-License-Identifier: GPL-2.0-or-later
"""Conference audio (sylk_conference mixer behind rtpengine), heard by real
endpoints: plain SIP phones (sylktest.rtpphone: PCMU, PCMA, G.722, Speex,
Opus, SDES-SRTP) and a WebRTC peer (aiortc, Opus over DTLS-SRTP). Each
participant sends a tone of its own frequency; the tests decode what each
one receives and check, over the last second, that it hears the others'
tones and not its own (mix-minus). Hold, RTP timeout and leave are checked
in conference-info (a watcher subscribed to the room) and over RPC.

Rooms are audio-only and named per test on the module's shared server;
the RTP timeout test runs a server of its own with CONF_RTP_TIMEOUT=2."""

import secrets
import time

import pytest

from sylktest.rtpphone import CONF_DOMAIN, RtpPhone, SipUA, rpc_participants
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN, Kamailio

# every tone well inside 300-3400 Hz so G.711 legs carry it too
ALICE, BOB, CAROL, DAVE = 400, 1000, 1800, 700
WARMUP = 2.0       # seconds of audio before the first measurement
WINDOW = 1.0       # measured over the last second
HEARD = 0.15       # share of the received power that counts as "hears it"
NOT_HEARD = 0.02   # share below which a tone is absent


def new_room(prefix):
    return f"{prefix}{secrets.token_hex(3)}"


def room_uri(room):
    return f"sip:{room}@{CONF_DOMAIN}"


@pytest.fixture
def phones(server):
    """Factory of RtpPhones on the module's server, all closed at the end."""
    made = []

    def make(user, tone_hz, codec="PCMU", target=None, **kw):
        # the demo users are local users: they authenticate, which lets them
        # open rooms (strangers may only join rooms that run)
        if user in DEMO_ACCOUNTS and "domain" not in kw:
            kw.update(domain=SIP_DOMAIN, password=DEMO_ACCOUNTS[user])
        p = RtpPhone((target or server).sip_port, user, tone_hz, codec, **kw)
        made.append(p)
        return p
    yield make
    for p in made:
        p.close()


@pytest.fixture
def watcher(server):
    """A SIP UA that subscribes to rooms' conference-info."""
    uas = []

    def make(target=None):
        ua = SipUA((target or server).sip_port, f"watcher{secrets.token_hex(2)}")
        uas.append(ua)
        return ua
    yield make
    for ua in uas:
        ua.close()


def spectrum(listener, freqs):
    return {f: round(listener.energy_at(f, WINDOW), 3) for f in freqs}


def wait_hears(listener, hears, not_hears, timeout=10, name=None):
    """Wait (at least WARMUP s) until, over the last second, every frequency
    of `hears` has at least HEARD of the received power and every one of
    `not_hears` less than NOT_HEARD. Fails with the measured spectrum."""
    start = time.monotonic()
    freqs = list(hears) + list(not_hears)
    time.sleep(WARMUP)
    while True:
        s = spectrum(listener, freqs)
        ok = all(s[f] >= HEARD for f in hears) and all(s[f] < NOT_HEARD for f in not_hears)
        if ok or time.monotonic() - start > timeout:
            break
        time.sleep(0.25)
    who = name or getattr(listener, "user", "listener")
    assert ok, f"{who} should hear {list(hears)} and not {list(not_hears)}: {s}"
    return s


def endpoint_status(doc, aor):
    """(endpoint status, audio media status) of a user in a conference-info
    document, None when the user is not listed."""
    user = doc.user(aor)
    if user is None or not user["endpoints"]:
        return None
    ep = user["endpoints"][0]
    audio = [m for m in ep["media"] if m["type"] == "audio"]
    return ep["status"], audio[0]["status"] if audio else None


def participants(server, room):
    return {p["uri"]: p for p in rpc_participants(
        server.kamcmd("sylk_conference.participants", room_uri(room)))}


# ---- mix-minus across codecs ---------------------------------------------------------

def test_three_sip_codecs_and_webrtc_each_hear_the_others_not_themselves(server, phones):
    from sylktest.webrtc import WebRtcPeer

    room = new_room("mix")
    alice = phones("alice", ALICE, "PCMU")
    bob = phones("bob", BOB, "G722")
    carol = phones("carol", CAROL, "PCMA")
    for p in (alice, bob, carol):
        p.join(room)
    # the focus answers each phone with the one codec it offered
    assert "PCMU/8000" in alice.answer.rtpmaps.values()
    assert "G722/8000" in bob.answer.rtpmaps.values()
    assert "PCMA/8000" in carol.answer.rtpmaps.values()

    # a WebRTC participant: aiortc's offer (ICE, DTLS-SRTP, Opus) straight
    # to the focus, which answers it through rtpengine
    dave_ua = SipUA(server.sip_port, "dave")
    dave = WebRtcPeer(tone_hz=DAVE, codecs=["opus"])
    try:
        _, answer = dave_ua.invite(room_uri(room), dave.create_offer())
        assert "UDP/TLS/RTP/SAVPF" in answer.body and "a=fingerprint" in answer.body, answer.body
        dave.set_answer(answer.body)
        dave.wait_connected(10)
        assert dave.negotiated_codec == "audio/opus"

        everyone = {"alice": (alice, ALICE), "bob": (bob, BOB), "carol": (carol, CAROL),
                    "dave": (dave, DAVE)}
        results = {}
        for name, (listener, own) in everyone.items():
            others = [f for n, (_, f) in everyone.items() if n != name]
            results[name] = wait_hears(listener, others, [own], name=name)
        # and nothing but the three others: their shares add up to (nearly) all of it
        for name, (_, own) in everyone.items():
            total = sum(v for f, v in results[name].items() if f != own)
            assert total > 0.8, f"{name} hears more than the others' tones: {results[name]}"
        # each phone keeps receiving a steady 20 ms stream (about a second in the last)
        for p in (alice, bob, carol):
            assert p.received_seconds(WINDOW) > 0.8, (p.user, p.received_seconds(WINDOW))

        rpc = participants(server, room)
        assert rpc[alice.aor]["audio"] == "PCMU"
        assert rpc[bob.aor]["audio"] == "G722"
        assert rpc[carol.aor]["audio"] == "PCMA"
        assert rpc[dave_ua.aor]["audio"] == "opus"
    finally:
        dave.close()
        dave_ua.close()


@pytest.mark.parametrize("speex", ["speex", "speex-nb"])
def test_opus_and_transcoded_speex_phones_hear_each_other(server, phones, speex):
    room = new_room("speex")
    opus = phones("alice", DAVE, "opus")  # opens the room; sam is a stranger
    spx = phones("sam", CAROL if speex == "speex" else BOB, speex)
    opus.join(room)
    spx.join(room)
    # the Speex phone keeps Speex on its leg; rtpengine transcodes for the mixer
    assert spx.answer.rtpmaps[spx.codec.pt].lower() == spx.codec.rtpmap.lower(), \
        spx.answer.section
    assert opus.answer.rtpmaps[111].lower() == "opus/48000/2"
    s1 = wait_hears(opus, [spx.tone_hz], [DAVE])
    s2 = wait_hears(spx, [DAVE], [spx.tone_hz])
    # two people: each hears the other alone
    assert s1[spx.tone_hz] > 0.8 and s2[DAVE] > 0.8, (s1, s2)


def test_offer_with_the_connection_address_in_the_media_section_hears_the_mix(server, phones):
    """c= only inside m=audio (as aiortc and many phones write it) is as
    good as a session-level c=."""
    room = new_room("cline")
    alice = phones("alice", ALICE, "PCMU", media_level_c=True)
    bob = phones("bob", BOB, "PCMU")
    alice.join(room)
    bob.join(room)
    wait_hears(bob, [ALICE], [BOB])
    wait_hears(alice, [BOB], [ALICE])


def test_a_phone_of_our_domain_joins_after_digest_authentication(server, phones):
    room = new_room("auth")
    alice = phones("alice", ALICE, "G722", domain=SIP_DOMAIN, password=DEMO_ACCOUNTS["alice"])
    bob = phones("bob", BOB, "PCMA")
    assert alice.join(room).code == 200
    bob.join(room)
    assert f"sip:alice@{SIP_DOMAIN}" in participants(server, room)
    wait_hears(alice, [BOB], [ALICE])
    wait_hears(bob, [ALICE], [BOB])


# ---- SDES-SRTP -----------------------------------------------------------------------

def test_sdes_srtp_offer_is_answered_with_srtp_and_audio_flows(server, phones):
    room = new_room("srtp")
    secure = phones("alice", ALICE, "PCMU", srtp=True)  # opens the room
    plain = phones("pete", BOB, "G722")
    secure.join(room)
    plain.join(room)
    a = secure.answer
    assert a.proto == "RTP/SAVP", a.section
    assert a.crypto and a.crypto[0][1] == "AES_CM_128_HMAC_SHA1_80", a.section
    assert a.crypto[0][0] == "1", "the answer's crypto tag must be the accepted offer's"
    wait_hears(secure, [BOB], [ALICE])
    wait_hears(plain, [ALICE], [BOB])
    # every packet the secure phone got was SRTP under the answered key
    assert secure.srtp_errors == 0, \
        f"{secure.srtp_errors} packets failed SRTP unprotect, {secure.received_packets} passed"
    assert secure.received_packets > 50, secure.received_packets


# ---- hold ----------------------------------------------------------------------------

def test_hold_marks_on_hold_and_stops_the_mix_unhold_restores_it(server, phones, watcher):
    room = new_room("hold")
    alice = phones("alice", ALICE, "PCMU")
    bob = phones("bob", BOB, "PCMA")
    carol = phones("carol", CAROL, "G722")
    for p in (alice, bob, carol):
        p.join(room)
    sub = watcher().subscribe(room)
    sub.wait_for(lambda d: all(endpoint_status(d, p.aor) == ("connected", "sendrecv")
                               for p in (alice, bob, carol)), what="three connected")
    wait_hears(alice, [BOB, CAROL], [ALICE])

    r = alice.hold()
    assert alice.answer.direction in ("recvonly", "inactive"), alice.answer.section
    assert r.code == 200
    sub.wait_for(lambda d: endpoint_status(d, alice.aor) == ("on-hold", "inactive"),
                 what="alice on-hold")
    assert participants(server, room)[alice.aor]["audio"] == "on-hold"
    # the held phone gets no mix any more
    time.sleep(1.5)
    assert alice.received_seconds(WINDOW) < 0.1, \
        f"held alice still receives {alice.received_seconds(WINDOW):.2f}s per second"
    packets = alice.received_packets
    time.sleep(0.5)
    assert alice.received_packets == packets
    # the others keep hearing each other, and alice too: sendonly means she
    # still sends (and this phone does)
    wait_hears(bob, [ALICE, CAROL], [BOB])

    alice.unhold()
    assert alice.answer.direction == "sendrecv", alice.answer.section
    sub.wait_for(lambda d: endpoint_status(d, alice.aor) == ("connected", "sendrecv"),
                 what="alice connected again")
    alice.clear_received()
    wait_hears(alice, [BOB, CAROL], [ALICE])
    assert participants(server, room)[alice.aor]["audio"] == "PCMU"


# ---- RTP timeout ---------------------------------------------------------------------

RTP_TIMEOUT = 2


@pytest.fixture(scope="module")
def short_timeout_server(tmp_path_factory, rtpengine):
    kamailio = Kamailio(str(tmp_path_factory.mktemp("kamailio-rtp-timeout")), rtpengine,
                        defines={"CONF_RTP_TIMEOUT": RTP_TIMEOUT})
    yield kamailio
    kamailio.stop()


def test_rtp_timeout_hangs_up_a_silent_wire_audio_only_phone(short_timeout_server, phones,
                                                            watcher):
    srv = short_timeout_server
    room = new_room("timeout")
    alice = phones("alice", ALICE, "PCMU", target=srv)
    bob = phones("bob", BOB, "PCMU", target=srv)
    alice.join(room)
    bob.join(room)
    sub = watcher(srv).subscribe(room)
    sub.wait_for(lambda d: d.user(alice.aor) and d.user(bob.aor), what="both listed")
    wait_hears(alice, [BOB], [ALICE])

    bob.stop_sending()
    stopped = time.monotonic()
    assert bob.wait_bye(RTP_TIMEOUT + 6), "no BYE after the phone stopped sending RTP"
    waited = time.monotonic() - stopped
    # not before the timeout (the timer ticks each second)
    assert waited >= RTP_TIMEOUT - 1, f"BYE {waited:.1f}s after the RTP stopped"
    sub.wait_for(lambda d: d.user(bob.aor) is None and d.user(alice.aor) is not None,
                 what="bob gone from conference-info")
    assert bob.aor not in participants(srv, room)
    # the one who kept talking stays
    time.sleep(RTP_TIMEOUT + 1)
    assert not alice.hung_up_by_focus
    assert alice.aor in participants(srv, room)


# ---- leave ---------------------------------------------------------------------------

def test_bye_removes_the_participant_from_conference_info_rpc_and_the_mix(server, phones,
                                                                         watcher):
    room = new_room("leave")
    alice = phones("alice", ALICE, "PCMU")
    bob = phones("bob", BOB, "G722")
    carol = phones("carol", CAROL, "PCMA")
    for p in (alice, bob, carol):
        p.join(room)
    sub = watcher().subscribe(room)
    sub.wait_for(lambda d: all(d.user(p.aor) for p in (alice, bob, carol)),
                 what="three listed")
    wait_hears(alice, [BOB, CAROL], [ALICE])

    r = bob.leave()
    assert r is not None and r.code == 200, r
    doc = sub.wait_for(lambda d: d.user(bob.aor) is None, what="bob gone")
    assert doc.user(alice.aor) and doc.user(carol.aor)
    assert doc.conference_state["user_count"] == 2
    rpc = participants(server, room)
    assert bob.aor not in rpc and set(rpc) == {alice.aor, carol.aor}
    # and the others stop hearing him
    alice.clear_received()
    wait_hears(alice, [CAROL], [BOB, ALICE])


# ---- speaking ------------------------------------------------------------------------

def test_rpc_shows_who_is_speaking(server, phones):
    room = new_room("speak")
    talker = phones("alice", ALICE, "PCMU")
    silent = phones("bob", None, "PCMU")
    talker.join(room)
    silent.join(room)
    deadline = time.monotonic() + 8
    time.sleep(1.5)
    while True:
        rpc = participants(server, room)
        if rpc[talker.aor]["speaking"] == "1" and rpc[silent.aor]["speaking"] == "0":
            break
        assert time.monotonic() < deadline, rpc
        time.sleep(0.25)
    assert int(rpc[talker.aor]["level_db"]) > int(rpc[silent.aor]["level_db"]), rpc
    # the silent phone still sends packets: it is quiet, not gone
    assert silent.sent > 50
    wait_hears(silent, [ALICE], [])
