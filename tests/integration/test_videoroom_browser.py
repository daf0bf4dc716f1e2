# SPDX-License-Identifier: GPL-2.0-or-later
"""Two headless Chromium pages in one video room (issue 16), on the
project's test page (tests/web/sylkrtc-call.html, sylkRTC-2 spoken
directly as sylkrtc.js lib/conference.js does): each publishes the fake
camera and microphone and attaches a feed of the other, and the test
checks what the users would notice: the other's video decoding, room chat
both ways, a raised hand, "mute everyone", and a file shared by one page
downloaded byte-exact by the other.

The file goes as the Sylk web client sends it: fetch() from the page's own
origin (a loopback test server), so cross-origin, preflighted (the
Content-Type is not a CORS-safelisted one). The upload, bigger than
Kamailio's 72 KiB read buffer, goes straight to the file-transfer port;
a small one goes to the HTTP port, whose 307 the browser follows (the
HTTP port answers the CORS preflight itself, as SylkServer's web.py);
the download goes to the HTTP port too and follows its 307."""

import base64
import hashlib
import http.client
import os
import time
import uuid

import pytest

from sylktest.msrp import random_id
from sylktest.processes import wait_until
from sylktest.server import SIP_DOMAIN


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from sylktest.browser import Browser
    with Browser(str(tmp_path_factory.mktemp("browser"))) as b:
        yield b


def room_event(page, what, since, timeout=15, **match):
    """The page's report of a videoroom-event `what` (with its fields)."""
    return page.wait_event(
        lambda e: (e.get("page_event") == "recv" and e.get("sylkrtc") == "videoroom-event"
                   and e.get("what") == what and all(e.get(k) == v for k, v in match.items())),
        timeout, since, what=f"videoroom-event {what} {match}")


def join(page, room):
    r = page.eval(f"window.sylkJoinRoom('{room}', {{video: true}})", timeout=30)
    assert r and "session" in r, f"{page.name}: join refused: {r}\n{page.describe()}"
    return r["session"]


def room_stats(page):
    return page.eval("window.sylkRoomStats()")


def wait_video_from(page, publisher, frames=30, timeout=20):
    """The feed of `publisher` decodes video: framesDecoded reaches
    `frames` and keeps growing. Returns the samples."""
    deadline = time.monotonic() + timeout
    samples, s = [], None
    while time.monotonic() < deadline:
        s = room_stats(page)
        feed = [f for f in s["feeds"] if f["publisher"] == publisher]
        samples.append(feed[0]["framesDecoded"] if feed else 0)
        if len(samples) >= 2 and samples[-1] >= frames and samples[-1] > samples[-2]:
            return samples
        time.sleep(0.5)
    raise AssertionError(f"page {page.name}: video of {publisher} not decoding: {samples}; "
                         f"stats {s}\n{page.describe()}")


def share_path(room, session, name):
    return f"/webrtcgateway/filesharing/{room}/{session}/{name}"


def python_get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    conn.request("GET", path)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def in_room(server, browser, tag):
    """alice's and bob's pages in a new room, both published and each with
    a feed of the other attached: (alice, a_session, bob, b_session, room)."""
    ws = f"ws://127.0.0.1:{server.http_port}/webrtcgateway/ws"
    room = f"browsers{random_id(4).lower()}@videoconference.{SIP_DOMAIN}"
    alice = browser.open(f"alice-{tag}", ws, "alice")
    bob = browser.open(f"bob-{tag}", ws, "bob")
    try:
        a_mark = alice.mark()
        a_session = join(alice, room)
        assert room_event(alice, "initial-publishers", a_mark)["publishers"] == []
        # a publisher is announced to the others once its media flows
        room_event(alice, "session-state", a_mark, 20, state="established", session=a_session)
        b_mark = bob.mark()
        b_session = join(bob, room)
        initial = room_event(bob, "initial-publishers", b_mark)["publishers"]
        assert [(p["id"], p["uri"]) for p in initial] == [(a_session, alice.account)]
        joined = room_event(alice, "publishers-joined", a_mark, 20)["publishers"]
        assert [(p["id"], p["uri"]) for p in joined] == [(b_session, bob.account)]
        for page, session in ((alice, a_session), (bob, b_session)):
            room_event(page, "session-state", a_mark if page is alice else b_mark, 20,
                       state="established", session=session)
            room_event(page, "feed-established", a_mark if page is alice else b_mark, 20)
    except BaseException:
        alice.close()
        bob.close()
        raise
    return alice, a_session, bob, b_session, room


# Chromium answers rtpengine's subscription offer; with both ends doing full
# ICE they used to claim the same role (rtpengine logged "ICE role
# conflict") and about half the feeds never connected. rtpengine now offers
# as an ICE-lite peer (ng "ICE-lite": "forward"), so the browser runs the
# checks, and publishers are announced only once their media flows.
def test_two_chromium_pages_see_each_other(server, browser):
    alice, a_session, bob, b_session, _ = in_room(server, browser, "video")
    try:
        wait_video_from(alice, b_session)
        wait_video_from(bob, a_session)
        for page in (alice, bob):
            (feed,) = room_stats(page)["feeds"]
            assert feed["pc"] == "connected" and feed["audioBytes"] > 0, feed

        # the Sylk mobile app's moderation: alice asks bob to mute, then
        # removes him; his page's session ends "kicked", hers drops his feed
        mark = bob.mark()
        assert alice.request({"sylkrtc": "videoroom-mute-participant", "session": a_session,
                              "participant_id": b_session, "muted": True})["sylkrtc"] == "ack"
        ask = room_event(bob, "mute-request", mark, session=b_session)
        assert ask["muted"] is True and ask["originator"] == a_session
        marks = alice.mark(), bob.mark()
        assert alice.request({"sylkrtc": "videoroom-remove", "session": a_session,
                              "participants": [bob.account]})["sylkrtc"] == "ack"
        room_event(bob, "session-state", marks[1], session=b_session, state="terminated",
                   reason="kicked")
        assert room_event(alice, "publishers-left", marks[0])["publishers"] == [b_session]
        status = room_event(alice, "invite-status", marks[0], participant=bob.account)
        assert (status["state"], status["code"]) == ("success", 200)
        wait_until(lambda: room_stats(alice)["feeds"] == [], 10, what="alice's feed of bob gone")
    finally:
        alice.close()
        bob.close()


def test_two_chromium_pages_chat_raise_hands_mute_and_share_a_file(server, browser):
    alice, a_session, bob, b_session, room = in_room(server, browser, "chat")
    try:
        # room chat both ways
        for sender, s_session, receiver, r_session, text in (
                (alice, a_session, bob, b_session, "hi from alice's browser"),
                (bob, b_session, alice, a_session, "bob here ✓")):
            mark = receiver.mark()
            ack = sender.request({"sylkrtc": "videoroom-message", "session": s_session,
                                  "message_id": str(uuid.uuid4()), "content": text,
                                  "content_type": "text/plain"})
            assert ack["sylkrtc"] == "ack", ack
            got = room_event(receiver, "message", mark, session=r_session, content=text)
            # the room chat is the SIP conference's: SylkServer's sender is a SIP URI
            assert got["sender"]["uri"] == "sip:" + sender.account, got
            assert got["content_type"] == "text/plain"

        # bob raises his hand: both see it
        marks = alice.mark(), bob.mark()
        assert bob.request({"sylkrtc": "videoroom-toggle-hand",
                            "session": b_session})["sylkrtc"] == "ack"
        for page, mark in zip((alice, bob), marks):
            e = room_event(page, "raised-hands", mark)
            assert e["raised_hands"] == [b_session], e

        # alice mutes everyone: bob's page is told, with alice as originator
        mark = bob.mark()
        assert alice.request({"sylkrtc": "videoroom-mute-audio-participants",
                              "session": a_session})["sylkrtc"] == "ack"
        assert room_event(bob, "mute-audio", mark)["originator"] == a_session

        # alice's page shares a file bigger than Kamailio's read buffer,
        # straight to the file-transfer port
        data = os.urandom(200 * 1024) + b"the end"
        marks = alice.mark(), bob.mark()
        url = f"http://127.0.0.1:{server.file_transfer_port}" + \
            share_path(room, a_session, "holiday%20film.bin")
        up = alice.eval(f"window.sylkShareFile({url!r}, {base64.b64encode(data).decode()!r})",
                        timeout=30)
        assert up == {"status": 200, "size": len(data),
                      "sha256": hashlib.sha256(data).hexdigest(), "redirected": False}, up
        for page, mark, session in zip((alice, bob), marks, (a_session, b_session)):
            (f,) = room_event(page, "file-sharing", mark, session=session)["files"]
            assert (f["filename"], f["filesize"], f["session"], f["uploader"]["uri"]) == \
                ("holiday_film.bin", len(data), a_session, alice.account), f
        # bob's page fetches it through the HTTP port's 307, byte-exact
        url = f"http://127.0.0.1:{server.http_port}" + \
            share_path(room, b_session, "holiday_film.bin")
        down = bob.eval(f"window.sylkFetchFile({url!r})", timeout=30)
        assert down["status"] == 200 and down["redirected"], down
        assert down["url"].startswith(f"http://127.0.0.1:{server.file_transfer_port}/"), down
        assert (down["size"], down["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
        # and the server stored exactly that
        status, stored = python_get(server.file_transfer_port,
                                    share_path(room, b_session, "holiday_film.bin"))
        assert status == 200 and stored == data

        # a small file through the HTTP port: preflight answered there, the
        # POST follows the 307 to the file-transfer port
        small = b"a note from the browser\n"
        mark = bob.mark()
        url = f"http://127.0.0.1:{server.http_port}" + share_path(room, a_session, "note.txt")
        up = alice.eval(f"window.sylkShareFile({url!r}, {base64.b64encode(small).decode()!r})")
        assert up["status"] == 200 and up["redirected"], up
        (f,) = room_event(bob, "file-sharing", mark)["files"]
        assert (f["filename"], f["filesize"]) == ("note.txt", len(small))
        down = bob.eval("window.sylkFetchFile(" + repr(
            f"http://127.0.0.1:{server.http_port}" + share_path(room, b_session, "note.txt")) + ")")
        assert down["sha256"] == hashlib.sha256(small).hexdigest(), down

        # bob leaves: alice's page is told and drops the feed
        mark = alice.mark()
        assert bob.eval("window.sylkLeaveRoom()")["sylkrtc"] == "ack"
        assert room_event(alice, "publishers-left", mark)["publishers"] == [b_session]
        assert room_stats(alice)["feeds"] == []
    finally:
        alice.close()
        bob.close()
