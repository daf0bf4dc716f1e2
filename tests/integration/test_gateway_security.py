# SPDX-License-Identifier: GPL-2.0-or-later
"""Nobody acts as someone else through the gateway (issue 13, point 1).

Adding an account proves nothing: anyone can type alice's address and any
HA1. Calls for alice must reach only connections where alice's own REGISTER,
with the credentials that connection gave, succeeded; the real alice still
gets them and answers with audio."""

import socket
import struct
import time
import uuid

from sylktest.processes import wait_until
from sylktest.sylkrtc import SylkRtcClient
from sylktest.webrtc import WebRtcPeer
from sylktest.server import SIP_DOMAIN
from test_sylkrtc_calls import (ALICE, BOB, calling_phone, echo_phone, forget_old_phones,  # noqa: F401
                               rtpengine_calls)


def test_account_added_without_proof_never_gets_the_calls(server, rtpengine, workdir):
    alice = SylkRtcClient(server.http_port)
    alice.register("alice")
    # never registers: only typed alice's address and a made-up HA1
    mallory = SylkRtcClient(server.http_port)
    mallory.expect_ack("account-add", account=ALICE, password="deadbeef")
    # registers with the wrong password: refused by the registrar
    guesser = SylkRtcClient(server.http_port)
    guesser.add_account("alice", password="guess")
    guesser.expect_ack("account-register", account=ALICE)
    assert guesser.wait_registration(ALICE, "failed", timeout=10)["reason"].startswith("403")

    with alice, mallory, guesser:
        caller = calling_phone(server, workdir, hold_ms=2000)
        incoming = alice.wait_incoming_session(ALICE, timeout=10)
        session = incoming["session"]
        # the offers to every device of the account leave in one go: a
        # second later, whatever the others were going to get, they have
        time.sleep(1.0)
        for intruder in (mallory, guesser):
            assert not [e for e in intruder.events() if e.get("event") == "incoming-session"], \
                intruder.received
            # and they cannot take the call by its id either
            reply = intruder.request("session-answer", session=session, sdp="v=0\r\n")
            assert reply["sylkrtc"] == "error" and "Unknown session" in reply["error"], reply

        with WebRtcPeer(tone_hz=650) as peer:
            alice.expect_ack("session-answer", session=session, sdp=peer.accept_offer(incoming["sdp"]))
            alice.wait_session_state(session, "accepted", timeout=5)
            peer.wait_connected(10)
            assert abs(peer.wait_for_tone(650, timeout=10) - 650) < 25
            alice.wait_session_state(session, "terminated", timeout=15)
        for intruder in (mallory, guesser):
            assert not [e for e in intruder.events() if e.get("sylkrtc") == "session-event"], \
                intruder.received
    caller.wait(10)
    assert caller.actions()[-1] == "hangup 200", caller.report()
    wait_until(lambda: not rtpengine_calls(rtpengine), 5, what="rtpengine call deleted")


def test_an_account_added_without_proof_calls_only_with_its_own_credentials(server, rtpengine,
                                                                          workdir):
    """The gateway vouches for the INVITEs of a connection where the
    account's own REGISTER succeeded, so they are not challenged; a
    connection that only typed alice's address and a made-up HA1 gets no
    such help: its INVITE is challenged, its digest refused and bob's phone
    never rings. The real alice then calls bob with no challenge."""
    phone = echo_phone(server, workdir)
    try:
        alice = SylkRtcClient(server.http_port)
        alice.register("alice")
        mallory = SylkRtcClient(server.http_port)
        mallory.expect_ack("account-add", account=ALICE, password="deadbeef")
        with alice, mallory, WebRtcPeer(tone_hz=700) as peer:
            challenged = server.statistic("script:sip_challenges")
            mallory.expect_ack("session-create", account=ALICE, session="forged", uri=BOB,
                               sdp=peer.create_offer())
            ended = mallory.wait_session_state("forged", "terminated", timeout=10)
            assert ended["reason"][:3] in ("403", "407"), ended
            challenged_after = server.statistic("script:sip_challenges")
            assert challenged_after > challenged
            assert "INVITE" not in phone.messages()

            alice.expect_ack("session-create", account=ALICE, session="real", uri=BOB,
                             sdp=peer.create_offer())
            peer.set_answer(alice.wait_session_state("real", "accepted", timeout=10)["sdp"])
            peer.wait_connected(10)
            assert abs(peer.wait_for_tone(700, timeout=10) - 700) < 25
            alice.expect_ack("session-terminate", session="real")
            alice.wait_session_state("real", "terminated", timeout=10)
            assert server.statistic("script:sip_challenges") == challenged_after
    finally:
        phone.stop()
    wait_until(lambda: not rtpengine_calls(rtpengine), 5, what="rtpengine calls deleted")


def test_a_device_that_unregisters_stops_getting_calls(server, workdir):
    """An account's events follow its own registration: after
    account-unregister the device is told of no more calls, while the
    account's other device, still registered, is."""
    staying = SylkRtcClient(server.http_port)
    staying.register("alice")
    leaving = SylkRtcClient(server.http_port)
    leaving.register("alice")
    leaving.expect_ack("account-unregister", account=ALICE)
    with staying, leaving:
        caller = calling_phone(server, workdir, hold_ms=500)
        try:
            incoming = staying.wait_incoming_session(ALICE, timeout=10)
            time.sleep(1.0)
            assert not [e for e in leaving.events() if e.get("event") == "incoming-session"], \
                leaving.received
            staying.expect_ack("session-terminate", session=incoming["session"])
            staying.wait_session_state(incoming["session"], "terminated", timeout=10)
        finally:
            caller.stop()


def test_a_request_naming_a_field_twice_is_refused(server):
    """json-c would keep the last of two "account" values; the gateway
    refuses the request instead, says why, and the connection goes on."""
    with SylkRtcClient(server.http_port) as client:
        client.send_raw('{"sylkrtc":"account-add","transaction":"dup-1",'
                        f'"account":"{ALICE}","account":"bob@sylk.test","password":"x"}}')
        reply = client.reply_to("dup-1")
        assert reply["sylkrtc"] == "error" and "duplicate key 'account'" in reply["error"], reply
        client.register("alice")


def _udp_packet(src, dst, payload):
    """An IPv4/UDP datagram with any source, for a raw socket (root only:
    the test reproduces what an attacker on the network can send)."""
    udp = struct.pack("!HHHH", src[1], dst[1], 8 + len(payload), 0) + payload
    total = 20 + len(udp)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0x1234, 0, 64, socket.IPPROTO_UDP, 0,
                         socket.inet_aton(src[0]), socket.inet_aton(dst[0]))
    words = struct.unpack("!10H", header)
    s = sum(words)
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    header = header[:10] + struct.pack("!H", ~s & 0xFFFF) + header[12:]
    return header + udp


def _raw_send(src, dst, text):
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    try:
        raw.sendto(_udp_packet(src, dst, text.encode()), (dst[0], 0))
    finally:
        raw.close()


def test_a_spoofed_source_is_not_taken_for_the_gateway(server, workdir):
    """Requests of the gateway and the focus used to be recognised by their
    source (this server's own address and port), which anyone can put on a
    UDP packet: a forged INVITE "from the focus" then rang any user with no
    credentials. Only the loopback-only internal socket is trusted now."""
    phone = echo_phone(server, workdir)
    sip = ("127.0.0.1", server.sip_port)
    try:
        # the raw socket really delivers: an OPTIONS "from" a socket of ours
        # is answered there
        mine = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        mine.bind(("127.0.0.1", 0))
        mine.settimeout(3)
        port = mine.getsockname()[1]
        _raw_send(("127.0.0.1", port), sip,
                  f"OPTIONS sip:{SIP_DOMAIN} SIP/2.0\r\n"
                  f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{uuid.uuid4().hex}\r\n"
                  "Max-Forwards: 70\r\nFrom: <sip:probe@example.net>;tag=p1\r\n"
                  f"To: <sip:{SIP_DOMAIN}>\r\nCall-ID: {uuid.uuid4().hex}\r\nCSeq: 1 OPTIONS\r\n"
                  "Content-Length: 0\r\n\r\n")
        assert mine.recv(4096).startswith(b"SIP/2.0 200"), "raw datagram not answered"
        mine.close()

        # the forgery: "sent by this server", from the focus, to bob
        call_id = "forged-" + uuid.uuid4().hex
        _raw_send(sip, sip,
                  f"INVITE sip:bob@{SIP_DOMAIN} SIP/2.0\r\n"
                  f"Via: SIP/2.0/UDP 127.0.0.1:{server.sip_port};branch=z9hG4bK{uuid.uuid4().hex}\r\n"
                  f"Max-Forwards: 70\r\nFrom: <sip:room@conference.{SIP_DOMAIN}>;tag=f1\r\n"
                  f"To: <sip:bob@{SIP_DOMAIN}>\r\nCall-ID: {call_id}\r\nCSeq: 1 INVITE\r\n"
                  f"Contact: <sip:room@127.0.0.1:{server.sip_port}>\r\nContent-Length: 0\r\n\r\n")
        time.sleep(2)
        assert call_id not in phone.messages(), "the forged INVITE reached bob's phone"
    finally:
        phone.stop()
