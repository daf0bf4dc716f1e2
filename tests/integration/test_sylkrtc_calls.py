# SPDX-License-Identifier: GPL-2.0-or-later
"""1:1 calls through the sylkRTC gateway with real media: an aiortc peer
plays the browser (ICE + DTLS-SRTP + Opus through rtpengine), SIPp plays
the SIP phone and echoes the audio it gets. A tone that comes back at the
frequency the browser sent proves audio crossed both ways."""

import re
import time

import pytest

from sylktest.ng import NgClient
from sylktest.processes import free_port, wait_until
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN
from sylktest.sipp import Sipp, run_uac
from sylktest.sylkrtc import SylkRtcClient
from sylktest.webrtc import WebRtcPeer

ALICE = f"alice@{SIP_DOMAIN}"
BOB = f"bob@{SIP_DOMAIN}"


@pytest.fixture(autouse=True)
def forget_old_phones(server):
    """Phones of earlier tests are gone but stay registered; a call forked to
    them would wait for their timeouts."""
    for user in ("bob",):
        server.kamcmd_result("ul.rm", "location", user)


def echo_phone(server, workdir, user="bob", answer_delay_ms=0):
    """A SIPp phone registered as `user` that answers and echoes RTP."""
    media_port = free_port()
    extra = ["-rtp_echo", "-mp", str(media_port), "-mi", "127.0.0.1"]
    if answer_delay_ms:
        extra += ["-d", str(answer_delay_ms)]
    phone = Sipp(workdir, f"{user}-phone", "uas_echo.xml", extra=extra)
    reg = run_uac(workdir, f"{user}-register", "register.xml", f"127.0.0.1:{server.sip_port}",
                  keys={"user": user, "domain": SIP_DOMAIN, "contact_port": phone.port},
                  extra=["-au", user, "-ap", DEMO_ACCOUNTS[user]])
    assert reg.actions()[-1] == "final 200", reg.report()
    return phone


def calling_phone(server, workdir, callee="alice", hold_ms=4000, scenario="uac_to_gateway.xml",
                  chat=False):
    """bob's SIPp phone calling `callee`, echoing whatever audio it gets;
    with `chat` it also texts inside the call (uac_to_gateway.xml)."""
    media_port = free_port()
    return Sipp(workdir, "bob-calls", scenario, f"127.0.0.1:{server.sip_port}",
                keys={"user": "bob", "domain": SIP_DOMAIN, "callee": callee},
                extra=["-rtp_echo", "-mp", str(media_port), "-mi", "127.0.0.1",
                       "-au", "bob", "-ap", DEMO_ACCOUNTS["bob"], "-d", str(hold_ms)]
                + (["-set", "CHAT", "yes"] if chat else []))


def registered_browser(server, version=2):
    client = SylkRtcClient(server.http_port, version=version)
    client.add_account("alice")
    client.expect_ack("account-register", account=ALICE)
    client.wait_registration(ALICE, "registered")
    return client


def states_until(client, session, last, timeout=15):
    """The session's state events, in order, up to `last` (or terminated)."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        left = max(deadline - time.monotonic(), 0.01)
        ev = client.wait_event(lambda e: client.is_session_state(e, session), left)
        seen.append(ev)
        if ev["state"] in (last, "terminated"):
            return seen


def rtpengine_calls(rtpengine):
    return NgClient(rtpengine.ng_port).call_ids()


def gateway_sessions(server):
    return int(re.search(r"count: (\d+)", server.kamcmd("sylk_rtc.sessions")).group(1))


@pytest.mark.parametrize("version", [1, 2])
def test_outgoing_call_audio_echoes_and_bye(server, rtpengine, workdir, version):
    phone = echo_phone(server, workdir)
    with registered_browser(server, version) as browser, WebRtcPeer(tone_hz=1000) as peer:
        challenged = server.statistic("script:sip_challenges")
        browser.expect_ack("session-create", account=ALICE, session="out-1", uri=BOB,
                           sdp=peer.create_offer())
        seen = states_until(browser, "out-1", "accepted")
        names = [e["state"] for e in seen]
        # sylkRTC-1 has no ringing event; sylkRTC-2 reports the 180
        assert names == (["progress", "accepted"] if version == 1
                         else ["progress", "ringing", "accepted"]), seen
        answer = seen[-1]["sdp"]
        assert "UDP/TLS/RTP/SAVPF" in answer and "a=fingerprint" in answer
        peer.set_answer(answer)
        peer.wait_connected(10)
        assert abs(peer.wait_for_tone(1000, timeout=10) - 1000) < 25
        browser.wait_session_state("out-1", "established", timeout=10)

        browser.expect_ack("session-terminate", session="out-1")
        ended = browser.wait_session_state("out-1", "terminated", timeout=10)
        assert ended["reason"] == "200 to BYE"
        # the INVITE of a registered account went out vouched for
        # (X-Sylk-Vouch): no 407 round trip before the call
        assert server.statistic("script:sip_challenges") == challenged
    phone.wait(10)
    assert "bye" in phone.actions()
    wait_until(lambda: gateway_sessions(server) == 0, 5, what="gateway session gone")
    wait_until(lambda: not rtpengine_calls(rtpengine), 5, what="rtpengine call deleted")


def test_early_media_reaches_the_browser_before_the_answer(server, workdir):
    media_port = free_port()
    phone = Sipp(workdir, "bob-early", "uas_early.xml",
                 extra=["-rtp_echo", "-mp", str(media_port), "-mi", "127.0.0.1", "-d", "4000"])
    reg = run_uac(workdir, "bob-register", "register.xml", f"127.0.0.1:{server.sip_port}",
                  keys={"user": "bob", "domain": SIP_DOMAIN, "contact_port": phone.port},
                  extra=["-au", "bob", "-ap", DEMO_ACCOUNTS["bob"]])
    assert reg.actions()[-1] == "final 200", reg.report()
    with registered_browser(server) as browser, WebRtcPeer(tone_hz=900) as peer:
        browser.expect_ack("session-create", account=ALICE, session="early-media", uri=BOB,
                           sdp=peer.create_offer())
        early = browser.wait_session_state("early-media", "early-media", timeout=10)
        assert "a=fingerprint" in early["sdp"] and "UDP/TLS/RTP/SAVPF" in early["sdp"]
        peer.set_answer(early["sdp"])
        peer.wait_connected(10)
        # the echo comes back while the phone has not answered yet
        assert abs(peer.wait_for_tone(900, timeout=3) - 900) < 25
        assert "answered" not in phone.actions()
        browser.wait_session_state("early-media", "accepted", timeout=10)
        browser.expect_ack("session-terminate", session="early-media")
        browser.wait_session_state("early-media", "terminated", timeout=10)
    phone.wait(10)
    assert phone.actions() == ["early", "answered", "bye"]


def test_outgoing_call_to_unknown_user_is_terminated_with_sip_reason(server, workdir):
    with registered_browser(server) as browser, WebRtcPeer() as peer:
        browser.expect_ack("session-create", account=ALICE, session="nobody", uri=f"nobody@{SIP_DOMAIN}",
                           sdp=peer.create_offer())
        ended = browser.wait_session_state("nobody", "terminated", timeout=10)
        assert ended["reason"] == "404 Not Found"


def test_cancel_before_answer(server, rtpengine, workdir):
    phone = echo_phone(server, workdir, answer_delay_ms=10000)
    with registered_browser(server) as browser, WebRtcPeer() as peer:
        browser.expect_ack("session-create", account=ALICE, session="early", uri=BOB,
                           sdp=peer.create_offer())
        browser.wait_session_state("early", "ringing", timeout=10)
        browser.expect_ack("session-terminate", session="early")
        ended = browser.wait_session_state("early", "terminated", timeout=10)
        assert ended["reason"].startswith("487")
    phone.wait(15)
    assert "cancelled" in phone.actions()
    wait_until(lambda: not rtpengine_calls(rtpengine), 5, what="rtpengine call deleted")


def test_dtmf_info_and_hold_unhold_reach_the_phone(server, workdir):
    phone = echo_phone(server, workdir)
    with registered_browser(server) as browser, WebRtcPeer(tone_hz=800) as peer:
        offer = peer.create_offer()
        browser.expect_ack("session-create", account=ALICE, session="dtmf", uri=BOB, sdp=offer)
        peer.set_answer(browser.wait_session_state("dtmf", "accepted", timeout=10)["sdp"])
        peer.wait_connected(10)
        browser.wait_session_state("dtmf", "established", timeout=10)

        browser.expect_ack("session-dtmf-info", session="dtmf", digit="7", duration=100)
        wait_until(lambda: "info Signal=7" in phone.actions(), 5, what="INFO at the phone")

        # sylkRTC-2 chat inside the call: an in-dialog MESSAGE in CPIM,
        # its metadata (the Sylk apps' capabilities, say) as agp.Metadata
        browser.expect_ack("session-message", session="dtmf", message_id="m-1", content="hi bob",
                           content_type="text/plain", timestamp="2026-11-21T10:00:00Z",
                           metadata='{"version":1}')
        wait_until(lambda: "message message/cpim" in phone.actions(), 5, what="MESSAGE at the phone")
        assert 'agp.Metadata: {"version":1}' in phone.messages()

        # hold: the browser re-offers its media send-only; the phone gets a
        # re-INVITE saying so, and the browser the answer
        version = [1]

        def reoffer(direction):
            version[0] += 1
            sdp = re.sub(r"a=(sendrecv|sendonly|recvonly|inactive)", f"a={direction}", offer)
            return re.sub(r"^(o=\S+ \S+ )(\d+)", lambda m: m.group(1) + str(int(m.group(2)) + version[0]),
                          sdp, flags=re.M)

        browser.expect_ack("session-update", session="dtmf", sdp=reoffer("sendonly"))
        update = browser.wait_event(lambda e: e.get("event") == "update", 10)
        assert update["state"] == "accepted" and "a=recvonly" in update["sdp"], update
        assert "reinvite direction sendonly" in phone.actions()

        browser.expect_ack("session-update", session="dtmf", sdp=reoffer("sendrecv"))
        update = browser.wait_event(lambda e: e.get("event") == "update", 10)
        assert update["state"] == "accepted" and "a=sendrecv" in update["sdp"], update
        assert phone.actions().count("reinvite direction sendrecv") == 1

        browser.expect_ack("session-terminate", session="dtmf")
        browser.wait_session_state("dtmf", "terminated", timeout=10)
    phone.wait(10)


def test_incoming_call_answered_audio_both_ways(server, rtpengine, workdir):
    browser = SylkRtcClient(server.http_port, version=2)
    browser.add_account("alice", incoming_header_prefixes=["X-Sylk-"])
    browser.expect_ack("account-register", account=ALICE)
    browser.wait_registration(ALICE, "registered")
    with browser:
        caller = calling_phone(server, workdir, hold_ms=3000)
        incoming = browser.wait_incoming_session(ALICE, timeout=10)
        assert incoming["originator"]["uri"] == BOB
        # only the headers the account asked for
        assert incoming["headers"] == {"X-Sylk-Tag": "from-sipp"}
        session = incoming["session"]
        # every device derives the same id from the Call-ID
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", session)
        assert "a=fingerprint" in incoming["sdp"] and "a=ice-ufrag" in incoming["sdp"]
        with WebRtcPeer(tone_hz=600) as peer:
            browser.expect_ack("session-answer", session=session, sdp=peer.accept_offer(incoming["sdp"]))
            browser.wait_session_state(session, "accepted", timeout=5)
            peer.wait_connected(10)
            # the phone echoes: our tone came back through SIP and rtpengine
            assert abs(peer.wait_for_tone(600, timeout=10) - 600) < 25
            browser.wait_session_state(session, "established", timeout=10)
            ended = browser.wait_session_state(session, "terminated", timeout=15)
            assert ended["reason"] == "Call ended by the remote party"
    caller.wait(10)
    assert caller.actions()[-1] == "hangup 200", caller.report()
    assert "chat 200" not in caller.actions()  # the scenario chats only when asked
    wait_until(lambda: not rtpengine_calls(rtpengine), 5, what="rtpengine call deleted")


def test_a_phone_chats_inside_its_call_with_a_browser(server, rtpengine, workdir):
    """bob's desk phone, in a call with alice's browser, sends a text inside
    the call (in-dialog MESSAGE in CPIM with agp.Metadata, as Blink does):
    the browser gets it as the session's message event with its id and
    metadata, and the phone its 200."""
    browser = SylkRtcClient(server.http_port, version=2)
    browser.register("alice")
    with browser, WebRtcPeer(tone_hz=600) as peer:
        caller = calling_phone(server, workdir, hold_ms=3000, chat=True)
        incoming = browser.wait_incoming_session(ALICE, timeout=10)
        session = incoming["session"]
        browser.expect_ack("session-answer", session=session,
                           sdp=peer.accept_offer(incoming["sdp"]))
        browser.wait_session_state(session, "established", timeout=10)
        got = browser.wait_event(lambda e: e.get("sylkrtc") == "session-event"
                                 and e.get("session") == session
                                 and e.get("event") == "message", 10)
        # the text as the phone sent it (SIPp ends its body with a CRLF)
        assert got["content"].strip() == "hello from the desk phone", got
        assert got["message_id"] == "phone-chat-1" and got["metadata"] == '{"from":"phone"}'
        assert got["sender"]["uri"] == BOB, got
        browser.wait_session_state(session, "terminated", timeout=15)
    caller.wait(10)
    assert caller.actions()[-2:] == ["chat 200", "hangup 200"], caller.report()
    wait_until(lambda: not rtpengine_calls(rtpengine), 5, what="rtpengine call deleted")


def test_phone_puts_browser_on_hold(server, workdir):
    """A re-INVITE from SIP reaches the browser as an "update" offer; the
    browser's session-update answers it."""
    with registered_browser(server) as browser, WebRtcPeer() as peer:
        caller = calling_phone(server, workdir, hold_ms=500, scenario="uac_hold.xml")
        incoming = browser.wait_incoming_session(ALICE, timeout=10)
        session = incoming["session"]
        browser.expect_ack("session-answer", session=session, sdp=peer.accept_offer(incoming["sdp"]))
        update = browser.wait_event(lambda e: e.get("event") == "update", 10)
        assert update["state"] == "received", update
        # rtpengine turned the phone's sendonly into the browser's offer
        assert "a=sendonly" in update["sdp"] and "a=fingerprint" in update["sdp"]
        answer = re.sub(r"a=(sendrecv|sendonly|recvonly|inactive)", "a=recvonly", peer.local_sdp)
        browser.expect_ack("session-update", session=session, sdp=answer)
        browser.wait_session_state(session, "terminated", timeout=15)
    caller.wait(10)
    assert "hold answered recvonly" in caller.actions(), caller.report()
    assert caller.actions()[-1] == "hangup 200"


def test_incoming_call_rings_every_device_first_answer_wins(server, workdir):
    with registered_browser(server) as first, registered_browser(server, version=1) as second:
        caller = calling_phone(server, workdir, hold_ms=1000)
        a = first.wait_incoming_session(ALICE, timeout=10)
        b = second.wait_incoming_session(ALICE, timeout=10)
        assert a["session"] == b["session"]
        with WebRtcPeer() as peer:
            second.expect_ack("session-answer", session=b["session"], sdp=peer.accept_offer(b["sdp"]))
            lost = first.wait_session_state(a["session"], "terminated", timeout=5)
            assert lost["reason"] == "Call completed elsewhere"
            # too late for the first device
            reply = first.request("session-answer", session=a["session"], sdp=b["sdp"])
            assert reply["sylkrtc"] == "error"
            second.wait_session_state(b["session"], "terminated", timeout=15)
    caller.wait(10)


def test_caller_cancels_missed_session(server, workdir):
    with registered_browser(server) as browser:
        caller = calling_phone(server, workdir, scenario="uac_cancel.xml")
        incoming = browser.wait_incoming_session(ALICE, timeout=10)
        ended = browser.wait_session_state(incoming["session"], "terminated", timeout=15)
        assert ended["reason"].startswith("487")
        missed = browser.wait_event(lambda e: e.get("event") == "missed-session", 5)
        assert missed["originator"]["uri"] == BOB
    caller.wait(15)
    wait_until(lambda: gateway_sessions(server) == 0, 5, what="gateway session gone")


def test_browser_declines_incoming_call(server, workdir):
    with registered_browser(server) as browser:
        caller = calling_phone(server, workdir)
        incoming = browser.wait_incoming_session(ALICE, timeout=10)
        browser.expect_ack("session-terminate", session=incoming["session"])
        ended = browser.wait_session_state(incoming["session"], "terminated", timeout=5)
        assert ended["reason"] == "486 Busy Here"
    assert caller.wait(10) != 0  # the call failed at the phone
    assert "486 Busy Here" in caller.messages()


def test_abrupt_websocket_drop_mid_call_cleans_up_everywhere(server, rtpengine, workdir):
    phone = echo_phone(server, workdir)
    browser = registered_browser(server)
    assert ALICE.split("@")[0] in server.kamcmd("ul.dump")
    with WebRtcPeer() as peer:
        browser.expect_ack("session-create", account=ALICE, session="drop", uri=BOB,
                           sdp=peer.create_offer())
        peer.set_answer(browser.wait_session_state("drop", "accepted", timeout=10)["sdp"])
        peer.wait_connected(10)
        assert rtpengine_calls(rtpengine)
        browser.abort(reset=True)
        # the phone is hung up, the binding removed, the media freed
        phone.wait(10)
        assert "bye" in phone.actions()
        wait_until(lambda: "gw-" not in server.kamcmd("ul.dump"), 5, what="contact unregistered")
        wait_until(lambda: not rtpengine_calls(rtpengine), 5, what="rtpengine call deleted")
        wait_until(lambda: gateway_sessions(server) == 0, 5, what="gateway session gone")
        assert "count: 0" in server.kamcmd("sylk_rtc.accounts")


def test_request_flood_is_refused_with_an_error_not_silence(server):
    with SylkRtcClient(server.http_port, version=2) as c:
        transactions = []
        for i in range(80):  # above the default 50 requests per second
            transactions.append(f"flood-{i}")
            c.send({"sylkrtc": "ping", "transaction": transactions[-1]})
        replies = [c.reply_to(t) for t in transactions]
        refused = [r for r in replies if r["sylkrtc"] == "error"]
        assert refused and all(r["error"] == "Too many requests (max 50 per second)" for r in refused)
        assert len(replies) - len(refused) >= 50 - 1
        time.sleep(1.1)
        c.ping()  # the connection is still served


def test_browser_calls_browser_audio_both_ways(server, rtpengine):
    """alice and bob both on the gateway: each leg is its own rtpengine call,
    so alice gets a WebRTC answer (fingerprint, rtcp-mux) and each hears the
    other's tone."""
    alice = registered_browser(server)
    bob = SylkRtcClient(server.http_port, version=2)
    bob.add_account("bob")
    bob.expect_ack("account-register", account=BOB)
    bob.wait_registration(BOB, "registered")
    with alice, bob, WebRtcPeer(tone_hz=700) as alice_peer, WebRtcPeer(tone_hz=1100) as bob_peer:
        alice.expect_ack("session-create", account=ALICE, session="b2b", uri=BOB,
                         sdp=alice_peer.create_offer())
        incoming = bob.wait_incoming_session(BOB, timeout=10)
        assert incoming["originator"]["uri"] == ALICE
        bob.expect_ack("session-answer", session=incoming["session"],
                       sdp=bob_peer.accept_offer(incoming["sdp"]))
        accepted = alice.wait_session_state("b2b", "accepted", timeout=10)
        answer = accepted["sdp"]
        assert "a=fingerprint" in answer and "a=setup" in answer and "a=rtcp-mux" in answer, answer
        alice_peer.set_answer(answer)
        alice_peer.wait_connected(10)
        bob_peer.wait_connected(10)
        assert abs(alice_peer.wait_for_tone(1100, timeout=10) - 1100) < 25
        assert abs(bob_peer.wait_for_tone(700, timeout=10) - 700) < 25
        alice.wait_session_state("b2b", "established", timeout=10)
        bob.wait_session_state(incoming["session"], "established", timeout=10)

        bob.expect_ack("session-terminate", session=incoming["session"])
        ended = alice.wait_session_state("b2b", "terminated", timeout=10)
        assert ended["reason"] == "Call ended by the remote party"
    wait_until(lambda: gateway_sessions(server) == 0, 5, what="gateway sessions gone")
    wait_until(lambda: not rtpengine_calls(rtpengine), 5, what="rtpengine calls deleted")


def test_chat_inside_a_call_between_two_browsers_keeps_its_metadata(server, rtpengine):
    """Two browsers in a call chat inside it both ways (in-dialog MESSAGE in
    CPIM, gateway -> proxy -> gateway), each text with its metadata, as the
    Sylk apps send their capabilities or ZRTP signals."""
    alice = SylkRtcClient(server.http_port, version=2)
    alice.register("alice")
    bob = SylkRtcClient(server.http_port, version=2)
    bob.register("bob")
    with alice, bob, WebRtcPeer(tone_hz=600) as a_peer, WebRtcPeer(tone_hz=900) as b_peer:
        alice.expect_ack("session-create", account=ALICE, session="chat-call", uri=BOB,
                         sdp=a_peer.create_offer())
        incoming = bob.wait_incoming_session(BOB, timeout=10)
        bob.expect_ack("session-answer", session=incoming["session"],
                       sdp=b_peer.accept_offer(incoming["sdp"]))
        a_peer.set_answer(alice.wait_session_state("chat-call", "accepted", timeout=10)["sdp"])
        alice.wait_session_state("chat-call", "established", timeout=10)
        bob.wait_session_state(incoming["session"], "established", timeout=10)

        for sender, s_session, receiver, r_session, meta in (
                (alice, "chat-call", bob, incoming["session"], '{"version":1,"from":"alice"}'),
                (bob, incoming["session"], alice, "chat-call", '{"version":1,"from":"bob"}')):
            mid = f"m-{meta[-7:-2]}"
            sender.expect_ack("session-message", session=s_session, message_id=mid,
                              content="hello in the call", content_type="text/plain",
                              timestamp="2026-12-07T10:00:00Z", metadata=meta)
            got = receiver.wait_event(lambda e: e.get("sylkrtc") == "session-event"
                                      and e.get("session") == r_session
                                      and e.get("event") == "message", 10)
            assert got["content"] == "hello in the call" and got["metadata"] == meta, got
            assert got["message_id"] == mid

        alice.expect_ack("session-terminate", session="chat-call")
        bob.wait_session_state(incoming["session"], "terminated", timeout=10)
    wait_until(lambda: not rtpengine_calls(rtpengine), 10, what="rtpengine calls deleted")
