# SPDX-License-Identifier: GPL-2.0-or-later
"""Calls the way real clients make them, with real browsers: headless
Chromium pages of tests/web/sylkrtc-call.html (fake camera and microphone,
sylkRTC-2 straight over WebSocket, behaving like the official sylkrtc.js on
"early-media" and "accepted"), several pages in one browser process
(tests/js/browser_pages.js, sylktest/browser.py).

- browser to browser through the gateway, audio and audio+video, hang-up
  from either side; the callee's account on two pages, answered on one;
- two browsers calling the same conference room at the same moment, over
  ws:// and wss://, ten rounds each;
- a SIP phone (SIPp) that answers with early media first: "accepted" then
  carries no SDP (the page already has its answer) and media flows;
- a DTMF string in one session-dtmf-info reaches the phone as one INFO per
  tone, in order, spaced by the tone duration."""

import re
import time
import uuid

import pytest

from sylktest.browser import Browser, BrowserError
from sylktest.processes import free_port, wait_until
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN
from sylktest.sipp import Sipp, run_uac

ALICE = f"alice@{SIP_DOMAIN}"
BOB = f"bob@{SIP_DOMAIN}"
CONF_DOMAIN = "conference.sylk.test"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with Browser(str(tmp_path_factory.mktemp("browser"))) as b:
        yield b


@pytest.fixture
def pages(browser, server):
    """Opens pages for one test; closes them (and so their WebSockets) after."""
    opened = []
    # contacts of earlier tests' pages and phones would get the call forked too
    for user in ("alice", "bob"):
        server.kamcmd_result("ul.rm", "location", user)

    def open_page(user, ws=None, video=False, **kw):
        name = f"{user}-{uuid.uuid4().hex[:6]}"
        page = browser.open(name, ws or ws_url(server), user, video=video, **kw)
        opened.append(page)
        return page
    yield open_page
    for page in opened:
        try:
            page.close()
        except BrowserError:
            pass


def ws_url(server):
    return f"ws://127.0.0.1:{server.http_port}/webrtcgateway/ws"


def wss_url(server):
    return f"wss://127.0.0.1:{server.https_port}/webrtcgateway/ws"


def gateway_sessions(server):
    return int(re.search(r"count: (\d+)", server.kamcmd("sylk_rtc.sessions")).group(1))


def sdp_problems(sdp):
    """What Chrome needs in an answer and this SDP lacks."""
    missing = [a for a in ("a=fingerprint:", "a=setup:", "a=rtcp-mux", "a=ice-ufrag:")
               if a not in sdp]
    return missing


def wait_up(page, since, session=None, timeout=15):
    """The page's peer connection is connected AND the server said
    "established" for the session."""
    page.wait_state("established", timeout=timeout, since=since, fail_on=("failed", "terminated"))
    page.wait_server_state("established", timeout=timeout, since=since, session=session)


def media_grows(page, video):
    page.wait_bytes_grow("bytesReceived", minimum=2000, timeout=10)
    if video:
        page.wait_bytes_grow("videoBytesReceived", minimum=5000, timeout=10)


def browser_call(caller, callee, video):
    """caller calls callee's account; callee answers. Returns the session
    id and the marks where this call's events start on both pages."""
    cm, em = caller.mark(), callee.mark()
    session = caller.call(callee.account, video=video)
    callee.wait_state("incoming", since=em, timeout=10)
    callee_session = callee.answer()
    accepted = caller.wait_server_state("accepted", since=cm, session=session, timeout=10)
    if accepted.get("has_sdp"):
        # what the caller's browser is asked to apply: Chrome refuses an
        # answer without DTLS fingerprint (and the call never comes up)
        assert not sdp_problems(accepted["sdp"]), (
            f"the 'accepted' SDP sent to {caller.account} lacks {sdp_problems(accepted['sdp'])}:\n"
            f"{accepted['sdp']}")
    try:
        wait_up(caller, cm, session)
        wait_up(callee, em, callee_session)
    except BrowserError as e:
        raise BrowserError(f"{e}\n--- callee {callee.name}:\n{callee.describe(em)}") from None
    return session, callee_session, cm, em


# ---- browser to browser ----------------------------------------------------------

@pytest.mark.parametrize("video,hangup_by", [
    (False, "caller"), (False, "callee"), (True, "caller"), (True, "callee")],
    ids=["audio-caller-hangs-up", "audio-callee-hangs-up",
         "video-caller-hangs-up", "video-callee-hangs-up"])
def test_browser_calls_browser(server, pages, video, hangup_by):
    alice = pages("alice", video=video)
    bob = pages("bob", video=video)
    session, bob_session, am, bm = browser_call(alice, bob, video)
    # sound (and picture) both ways
    media_grows(alice, video)
    media_grows(bob, video)

    hanger, other = (alice, bob) if hangup_by == "caller" else (bob, alice)
    other_mark = am if other is alice else bm
    assert hanger.hangup().get("sylkrtc") == "ack"
    ended = other.wait_state("terminated", since=other_mark, timeout=10, fail_on=("failed",))
    assert ended.get("reason"), ended
    hanger.wait_state("terminated", since=bm if hanger is bob else am, timeout=10,
                      fail_on=("failed",))
    wait_until(lambda: gateway_sessions(server) == 0, 10, what="no gateway session left")


def test_call_answered_on_the_second_page_of_the_account_ends_the_first(server, pages):
    alice = pages("alice")
    bob1 = pages("bob")
    bob2 = pages("bob")
    am, m1, m2 = alice.mark(), bob1.mark(), bob2.mark()
    session = alice.call(BOB)
    first = bob1.wait_state("incoming", since=m1, timeout=10)
    second = bob2.wait_state("incoming", since=m2, timeout=10)
    # every device of the account sees the same session id
    assert first["session"] == second["session"], (first, second)
    bob_session = bob2.answer()
    elsewhere = bob1.wait_state("terminated", since=m1, timeout=10)
    assert elsewhere["reason"] == "Call completed elsewhere", elsewhere
    try:
        wait_up(alice, am, session)
        wait_up(bob2, m2, bob_session)
    except BrowserError as e:
        raise BrowserError(f"{e}\n--- callee {bob2.name}:\n{bob2.describe(m2)}") from None
    media_grows(alice, False)
    media_grows(bob2, False)
    assert alice.hangup().get("sylkrtc") == "ack"
    bob2.wait_state("terminated", since=m2, timeout=10)
    # the page that did not answer saw nothing more of the call
    assert [e["state"] for e in bob1.server_states(m1)] == ["terminated"], bob1.describe(m1)
    wait_until(lambda: gateway_sessions(server) == 0, 10, what="no gateway session left")


# ---- two browsers into one conference room, at the same moment -------------------

ROUNDS = 10


@pytest.mark.parametrize("scheme", ["ws", "wss"])
def test_two_browsers_join_one_room_at_the_same_moment(server, pages, scheme):
    url = ws_url(server) if scheme == "ws" else wss_url(server)
    first, second = pages("alice", ws=url), pages("bob", ws=url)
    failures = []
    for n in range(ROUNDS):
        room = f"{scheme}-race-{n}-{uuid.uuid4().hex[:6]}@{CONF_DOMAIN}"
        marks = [first.mark(), second.mark()]
        # both creates go out back to back, without waiting for either ack
        pending = [p.call_async(room) for p in (first, second)]
        results = [get() for get in pending]
        for page, mark, result in zip((first, second), marks, results):
            try:
                if not result or "error" in result:
                    raise BrowserError(f"session-create refused: {result}")
                wait_up(page, mark, result["session"], timeout=15)
                page.wait_bytes_grow("bytesReceived", minimum=2000, timeout=10)
            except BrowserError as e:
                failures.append(f"round {n} {page.name} ({room}): {e}")
        for page, mark, result in zip((first, second), marks, results):
            if result and "session" in result:
                page.hangup()
        for page, mark in zip((first, second), marks):
            try:
                page.wait_state("terminated", since=mark, timeout=10, fail_on=())
            except BrowserError as e:
                failures.append(f"round {n} {page.name}: no terminated after hang-up: {e}")
    assert not failures, f"{len(failures)} failed calls in {ROUNDS} rounds:\n" + "\n\n".join(failures)
    wait_until(lambda: gateway_sessions(server) == 0, 10, what="no gateway session left")


# ---- SIP phones ----------------------------------------------------------------------

def sipp_phone(server, workdir, scenario, user="bob", delay_ms=0, name=None):
    """A SIPp phone registered as `user`, echoing the RTP it gets."""
    media_port = free_port()
    extra = ["-rtp_echo", "-mp", str(media_port), "-mi", "127.0.0.1"]
    if delay_ms:
        extra += ["-d", str(delay_ms)]
    phone = Sipp(workdir, name or f"{user}-phone", scenario, extra=extra)
    reg = run_uac(workdir, f"{user}-register", "register.xml", f"127.0.0.1:{server.sip_port}",
                  keys={"user": user, "domain": SIP_DOMAIN, "contact_port": phone.port},
                  extra=["-au", user, "-ap", DEMO_ACCOUNTS[user]])
    assert reg.actions()[-1] == "final 200", reg.report()
    return phone


def test_early_media_then_accepted_without_sdp(server, pages, workdir):
    alice = pages("alice")
    phone = sipp_phone(server, workdir, "uas_early.xml", delay_ms=4000)
    mark = alice.mark()
    session = alice.call(BOB)
    early = alice.wait_server_state("early-media", since=mark, session=session, timeout=10)
    assert early["has_sdp"] and not sdp_problems(early["sdp"]), alice.describe(mark)
    # the page applied the early SDP as its answer and media comes up before
    # the phone answers
    alice.wait_event(lambda e: e.get("page_event") == "answer-applied"
                     and e.get("from") == "early-media", 5, mark, what="early answer applied")
    alice.wait_state("established", since=mark, timeout=10, fail_on=("failed", "terminated"))
    alice.wait_bytes_grow("bytesReceived", minimum=2000, timeout=5)
    assert "answered" not in phone.actions()

    accepted = alice.wait_server_state("accepted", since=mark, session=session, timeout=10)
    # the official client would apply an SDP here as a second answer, which
    # Chrome refuses, and hang up: the server must send none
    assert not accepted["has_sdp"], (
        "'accepted' after early media carries SDP: sylkrtc.js would apply it as a second "
        f"answer and Chrome would refuse it\n{alice.describe(mark)}")
    alice.wait_server_state("established", since=mark, session=session, timeout=10)
    # media keeps flowing after the answer
    after = alice.stats().get("bytesReceived") or 0
    samples = alice.wait_bytes_grow("bytesReceived", minimum=after + 2000, timeout=10)
    assert samples[-1] > after
    assert alice.hangup().get("sylkrtc") == "ack"
    alice.wait_state("terminated", since=mark, timeout=10)
    phone.wait(10)
    assert phone.actions() == ["early", "answered", "bye"], phone.report()


def test_dtmf_string_becomes_one_info_per_tone(server, pages, workdir):
    alice = pages("alice")
    phone = sipp_phone(server, workdir, "uas_dtmf.xml")
    mark = alice.mark()
    session = alice.call(BOB)
    wait_up(alice, mark, session)
    reply = alice.eval("window.sylkDtmf('1#9', 100)")
    assert reply == {"sylkrtc": "ack", "transaction": reply.get("transaction")}, reply

    def infos():
        return [line for line in phone.actions() if line.startswith("info ")]
    try:
        wait_until(lambda: len(infos()) >= 3, 10, what="three INFOs at the phone")
    except TimeoutError:
        raise AssertionError(f"INFOs at the phone: {infos()}\n{phone.report()}") from None
    time.sleep(0.5)   # a fourth INFO (a repeated or extra tone) would be wrong too
    got = infos()
    parsed = [dict(kv.split("=", 1) for kv in line.split()[1:]) for line in got]
    assert [p["Signal"] for p in parsed] == ["1", "#", "9"], got
    assert all(p["type"] == "application/dtmf-relay" for p in parsed), got
    assert all(p["Duration"] == "100" for p in parsed), got
    # one tone after the other: each INFO at least a tone's duration after
    # the one before
    times = [int(p["ms"]) for p in parsed]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(g >= 90 for g in gaps), f"INFOs {gaps} ms apart: {got}"
    assert alice.hangup().get("sylkrtc") == "ack"
    alice.wait_state("terminated", since=mark, timeout=10)
    phone.wait(10)
    assert phone.actions()[-1] == "bye", phone.report()
