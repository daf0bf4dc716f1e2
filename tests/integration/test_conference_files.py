# SPDX-License-Identifier: GPL-2.0-or-later
"""File transfer (RFC 5547) and screen sharing through the conference focus.

A file travels on a session of its own: an INVITE to the room whose only
stream is MSRP, `sendonly` to push the file its a=file-selector describes,
`recvonly` to pull the stored file whose hash the selector names. Screen
images travel among the chat as CPIM messages of type
application/blink-screensharing (base64 JPEG) and are watched on the
server's HTTP port. Participants, subscriptions and conference-info come
from test_conference.py; every test uses rooms of its own."""

import base64
import fractions
import glob
import os
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request

import av
import numpy
import pytest

from sylktest import msrp
from sylktest.msrp import MsrpClient, file_selector, random_id, sha1_hash
from sylktest.processes import wait_until
from sylktest.server import Kamailio
from test_conference import (Participant, final_of, new_room, notify_documents,  # noqa: F401
                             people, status_messages, subscribe, texts_from)

MIB = 1024 * 1024
# file chunks well inside the server's 72 KiB per-connection read buffer
CHUNK = 32 * 1024
OCTETS = "application/octet-stream"
SCREEN_TYPE = "application/blink-screensharing"
# conference/room/screen_share.h: sharing counts as active this long after the last image
SCREEN_ACTIVE_SECONDS = 10
SMALL_MAX_FILE = 64 * 1024


class FileSession(Participant):
    """A file transfer session to a room: conf_join.xml's `file` offer, one
    MSRP stream `direction` (sendonly: we push, recvonly: we pull) with an
    a=file-selector. The MSRP side (answered(), connect()) is Participant's."""

    def __init__(self, server, workdir, user, room, direction, selector, hold_ms=60000):
        super().__init__(server, workdir, user, room, hold_ms=hold_ms, media="file",
                         name=f"{user}-{room}-{direction}-{random_id(6)}",
                         sipp_extra=["-set", "file_direction", direction,
                                     "-set", "file_selector", selector])
        self.selector = selector

    def answer(self):
        """The SDP of the focus's 200 to our INVITE."""
        self.answered()
        for direction, start, headers, body in msrp.sip_messages(self.sipp.messages()):
            if direction == "received" and start.startswith("SIP/2.0 200") and \
                    re.search(r"^CSeq:.*INVITE", headers, re.M | re.I):
                return body
        raise AssertionError("no SDP answer:\n" + self.sipp.report())

    def refusal(self, timeout=30):
        """The final response of an offer the focus refuses."""
        self.sipp.wait(timeout)
        return final_of(self.sipp)

    def receive(self, timeout=60, read_after=0):
        """Bind the connection of a pull and wait for the whole file; with
        read_after, as a slow receiver that reads nothing for that long."""
        client = self.msrp = MsrpClient(self.answered(), local_path=self.path,
                                        reading=not read_after)
        _, tids = client.send(b"", content_type=None)   # binds: the file comes
        if read_after:
            time.sleep(read_after)
            client.resume_reading()
        client.wait_for(lambda: client.messages or client.connection_closed, timeout,
                        what="the whole file")
        got = sum(len(f.body) for f in client.requests)
        assert client.messages, f"the focus closed the connection after {got} bytes"
        assert client.wait_response(tids[0], timeout).code == 200
        return client.messages[0]


@pytest.fixture
def transfers(workdir):
    """Factory of FileSessions on a given server, all stopped at the end."""
    made = []

    def start(server, user, room, direction, selector, **kw):
        session = FileSession(server, workdir, user, room, direction, selector, **kw)
        made.append(session)
        return session
    yield start
    for session in made:
        session.close()


def push(transfers, server, user, room, data, name="random data.bin", content_type=OCTETS,
         **kw):
    """Offer `data` to the room with its name, type, size and hash, send it
    in Byte-Range chunks and check every chunk's 200."""
    upload = transfers(server, user, room, "sendonly",
                       file_selector(name, content_type, len(data), sha1_hash(data)), **kw)
    client = upload.connect()
    _, tids = client.send(data, content_type=content_type, chunk_size=CHUNK)
    assert [client.wait_response(t, 30).code for t in tids] == [200] * len(tids)
    return upload


def pull(transfers, server, user, room, hash, **kw):
    return transfers(server, user, room, "recvonly", file_selector(hash=hash), **kw)


def file_dir(server):
    """The focus's file_dir: the CONF_FILE_DIR define sylktest.server gives it."""
    for arg in server.argv:
        if arg.startswith("CONF_FILE_DIR="):
            return arg.split("=", 1)[1].strip('"')
    raise AssertionError("the server has no CONF_FILE_DIR define")


def stored(server, data):
    """Where the focus keeps `data` on disk: <file_dir>/<room>/<SHA-1 in hex>."""
    digest = sha1_hash(data)[len("sha-1:"):].replace(":", "")
    return glob.glob(os.path.join(file_dir(server), "*", digest))


def listed_files(watcher):
    """The files of the latest conference-info document."""
    docs = notify_documents(watcher)
    return docs[-1].files if docs else None


# ---- file transfer ---------------------------------------------------------------

def test_pushed_file_is_listed_and_a_late_joiner_pulls_it_byte_exact(server, workdir, people,
                                                                     transfers):
    """The whole RFC 5547 round trip as Blink users live it: a file pushed
    in chunks shows up in the room's conference-info and chat, and someone
    who was not there pulls exactly those bytes."""
    room = new_room("files")
    alice, bob = people("alice", room), people("bob", room)
    alice.connect()
    b = bob.connect()
    watcher = subscribe(server, workdir, "bob", room, notifies=100)
    try:
        assert wait_until(lambda: listed_files(watcher) == [], 15,
                          what="a NOTIFY without files")
        data = secrets.token_bytes(2 * MIB)
        upload = push(transfers, server, "alice", room, data, name="random data.bin")
        answer = upload.answer()
        assert re.search(rf"^m=message {server.msrp_port} TCP/MSRP \*\r?$", answer, re.M), answer
        assert re.search(r"^a=recvonly\r?$", answer, re.M), answer
        assert f"a=file-selector:{upload.selector}" in answer, answer

        # the room sees the file: conference-info lists it, the chat says so
        files = wait_until(lambda: listed_files(watcher), 15, what="the file in conference-info")
        assert files == [{"name": "random data.bin", "hash": sha1_hash(data),
                          "size": str(len(data)), "sender": alice.uri,
                          "status": "completed"}]
        b.wait_for(lambda: any("random data.bin" in s.body.decode("utf-8", "replace")
                               for s in status_messages(b)), what="the file notice at bob")
        copies = stored(server, data)
        assert len(copies) == 1, copies
        with open(copies[0], "rb") as f:
            assert f.read() == data

        # a late joiner pulls it by its hash alone, in Byte-Range chunks
        people("carol", room).connect()
        download = pull(transfers, server, "carol", room, sha1_hash(data))
        answer = download.answer()
        assert re.search(r"^a=sendonly\r?$", answer, re.M), answer
        received = download.receive()
        assert received.content_type == OCTETS
        first_range = dict(received.headers).get("Byte-Range", "")
        assert re.fullmatch(rf"1-\d+/{len(data)}", first_range), received.headers
        assert received.chunks > 1
        assert sha1_hash(received.body) == sha1_hash(data)
        assert received.body == data
    finally:
        watcher.stop()


def test_file_pushed_in_blinks_64_kib_chunks_is_stored(server, people, transfers):
    """Blink (python3-sipsimple's file transfer) sends 64 KiB of the file in
    every SEND, with Success-Report and Failure-Report: each frame is larger
    than 64 KiB with its headers, so the server must read frames of that
    size (TCP_READ_BUFFER, 72 KiB) or the upload is cut at its first chunk.
    Blink counts the transfer done when a success REPORT covers the last
    byte."""
    room = new_room("blink")
    people("alice", room).connect()
    data = secrets.token_bytes(5 * 64 * 1024 + 1234)
    upload = transfers(server, "alice", room, "sendonly",
                       file_selector("photo.jpg", "image/jpeg", len(data), sha1_hash(data)))
    client = upload.connect()
    _, tids = client.send(data, content_type="image/jpeg", chunk_size=64 * 1024,
                          success_report="yes", failure_report="yes")
    assert [client.wait_response(t, 30).code for t in tids] == [200] * len(tids)
    client.wait_for(lambda: any(r.byte_range()[1] == len(data) for r in client.reports), 15,
                    what="the success REPORT of the last byte")
    copies = wait_until(lambda: stored(server, data), 15, what="the file on disk")
    with open(copies[0], "rb") as f:
        assert f.read() == data
    assert pull(transfers, server, "bob", room, sha1_hash(data)).receive().body == data


def test_chunk_larger_than_the_read_buffer_is_answered_413(server, people, transfers):
    """A client that sends a file in one 200 KB chunk: the server cannot read
    it whole, so the sender gets 413 for that chunk (stop sending this
    message) before the connection closes, nothing is stored, and a push
    of the same file in smaller chunks then works. (A sender still writing
    when the server answers and closes sees the close; the 413 is there.)"""
    room = new_room("bigchunk")
    people("alice", room).connect()
    data = secrets.token_bytes(200 * 1024)
    upload = transfers(server, "alice", room, "sendonly",
                       file_selector("big.bin", OCTETS, len(data), sha1_hash(data)))
    client = upload.connect()
    try:
        client.send(data, content_type=OCTETS)
    except OSError:
        pass
    assert client.wait_response(client.last_tid, 15).code == 413
    wait_until(lambda: "MSRP 413 sent" in server.process.log(), 5, what="the answer logged")
    assert not stored(server, data)
    push(transfers, server, "alice", room, data)
    wait_until(lambda: stored(server, data), 15, what="the file pushed again, in chunks")


def test_pull_of_an_unknown_hash_is_refused_with_404(server, people, transfers):
    """Files belong to their room: a hash nobody shared there is 404, even
    when another room has that file."""
    room, other = new_room("pull404"), new_room("other")
    people("alice", room).connect()
    data = secrets.token_bytes(10000)
    push(transfers, server, "alice", room, data)
    wait_until(lambda: stored(server, data), 15, what="the shared file on disk")

    assert pull(transfers, server, "bob", room, sha1_hash(b"never shared")).refusal() == 404
    assert pull(transfers, server, "bob", other, sha1_hash(data)).refusal() == 404
    # the refused pull did not leave the room it would have created behind
    assert other not in server.kamcmd("sylk_conference.rooms")
    # the room's own file is still there for the asking
    assert pull(transfers, server, "bob", room, sha1_hash(data)).receive().body == data


def test_file_larger_than_a_write_queue_reaches_a_slow_puller_whole(server, people,
                                                                     transfers):
    """40 MiB to a receiver that reads nothing for 3 s: more than Kamailio
    queues on one connection (tcp_conn_wq_max, 16 MiB in kamailio.cfg), so
    the focus must let the puller's answers pace the chunks; queueing the
    whole file made Kamailio drop the connection halfway."""
    room = new_room("bigfile")
    people("alice", room).connect()
    data = secrets.token_bytes(40 * MIB)
    push(transfers, server, "alice", room, data)
    received = pull(transfers, server, "bob", room, sha1_hash(data)).receive(timeout=120,
                                                                             read_after=3)
    assert len(received.body) == len(data)
    assert received.body == data


@pytest.fixture(scope="module")
def small_files_server(tmp_path_factory, rtpengine):
    """A server whose focus takes files of at most SMALL_MAX_FILE bytes."""
    kamailio = Kamailio(str(tmp_path_factory.mktemp("kamailio-small-files")), rtpengine,
                        defines={"CONF_MAX_FILE": SMALL_MAX_FILE})
    yield kamailio
    kamailio.stop()


def test_file_over_max_file_size_or_without_a_size_is_refused_with_488(small_files_server,
                                                                       transfers):
    """The focus refuses what it will not store before a byte is sent, and
    the limit is inclusive."""
    server = small_files_server
    room = new_room("limit")
    too_big = secrets.token_bytes(SMALL_MAX_FILE + 1)
    offers = {
        "over the limit": file_selector("big.bin", OCTETS, len(too_big), sha1_hash(too_big)),
        "without a size": file_selector("unsized.bin", OCTETS, hash=sha1_hash(too_big)),
    }
    for what, selector in offers.items():
        code = transfers(server, "alice", room, "sendonly", selector).refusal()
        assert code == 488, what
    # a file of exactly max_file_size is fine
    data = secrets.token_bytes(SMALL_MAX_FILE)
    push(transfers, server, "alice", room, data)
    assert pull(transfers, server, "bob", room, sha1_hash(data)).receive().body == data


def test_upload_that_breaks_its_file_selector_is_never_offered(server, people, transfers):
    """More bytes than the selector's size get 413; bytes that do not match
    its hash are dropped once complete, and the completing chunk is refused
    with 400 so the sender knows: neither can be pulled."""
    room = new_room("corrupt")
    people("alice", room).connect()

    announced = secrets.token_bytes(1000)
    upload = transfers(server, "alice", room, "sendonly",
                       file_selector("short.bin", OCTETS, len(announced), sha1_hash(announced)))
    client = upload.connect()
    _, tids = client.send(announced + b"x", content_type=OCTETS)
    assert client.wait_response(tids[0], 30).code == 413

    original = secrets.token_bytes(5000)
    tampered = bytes([original[0] ^ 1]) + original[1:]
    upload = transfers(server, "alice", room, "sendonly",
                       file_selector("tampered.bin", OCTETS, len(original), sha1_hash(original)))
    client = upload.connect()
    _, tids = client.send(tampered, content_type=OCTETS, chunk_size=2000)
    codes = [client.wait_response(t, 30) for t in tids]
    assert [r.code for r in codes] == [200] * (len(tids) - 1) + [400], codes
    assert "hash" in codes[-1].comment, codes[-1]
    wait_until(lambda: stored(server, original) == [], 15, what="the tampered upload dropped")

    for data in (announced, original):
        assert pull(transfers, server, "bob", room, sha1_hash(data)).refusal() == 404


def test_files_are_removed_from_disk_when_the_room_ends(server, people, transfers):
    """The pusher leaving keeps the file (the room still runs); the last
    participant leaving ends the room and takes its files with it."""
    room = new_room("cleanup")
    alice = people("alice", room, hold_ms=25000)
    alice.connect()
    data = secrets.token_bytes(300 * 1024)
    upload = push(transfers, server, "bob", room, data, hold_ms=5000)
    copies = wait_until(lambda: stored(server, data), 15, what="the file on disk")
    assert len(copies) == 1, copies
    room_dir = os.path.dirname(copies[0])

    assert upload.wait_hangup()[-1] == "hangup 200", upload.sipp.report()
    assert alice.sipp.process.alive(), "alice left before the pusher: machine too slow?"
    assert os.path.exists(copies[0])
    download = pull(transfers, server, "carol", room, sha1_hash(data), hold_ms=5000)
    assert download.receive().body == data
    assert download.wait_hangup()[-1] == "hangup 200", download.sipp.report()

    assert alice.wait_hangup()[-1] == "hangup 200", alice.sipp.report()
    wait_until(lambda: not os.path.exists(room_dir), 15, what="the room's files removed")
    assert room not in server.kamcmd("sylk_conference.rooms")


# ---- screen sharing --------------------------------------------------------------

def jpeg(rgb, width=32, height=24):
    """A small JPEG of one colour from FFmpeg's MJPEG encoder (PyAV, which
    the audio tests use too), decoded back to be sure it is one."""
    pixels = numpy.full((height, width, 3), rgb, dtype=numpy.uint8)
    frame = av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(format="yuvj420p")
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height = width, height
    encoder.pix_fmt = "yuvj420p"
    encoder.time_base = fractions.Fraction(1, 25)
    data = b"".join(bytes(p) for p in encoder.encode(frame) + encoder.encode(None))
    decoded = av.CodecContext.create("mjpeg", "r").decode(av.Packet(data))
    assert data[:2] == b"\xff\xd8" and (decoded[0].width, decoded[0].height) == (width, height)
    return data


def share(participant, body):
    """One screen image (bytes: base64-encoded here; str: sent as it is) as
    the focus's chat carries it; returns the SEND's status code."""
    if isinstance(body, bytes):
        body = base64.b64encode(body).decode()
    return participant.say(body, content_type=SCREEN_TYPE)


def screen_frames(client, sender):
    """Bodies (base64) of the screen images the client received from sender."""
    return [m.cpim.body for m in client.messages
            if m.cpim is not None and m.cpim.content_type.startswith(SCREEN_TYPE)
            and msrp.Cpim.uri(m.cpim.header("From")) == sender]


_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url):
    """(status, Content-Type, body) of a GET, errors included."""
    try:
        with _http.open(url, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


def screen_url(watcher, uri):
    """The agp screen_image_url of a participant in the latest conference-info."""
    docs = notify_documents(watcher)
    user = docs[-1].user(uri) if docs else None
    return user["screen_image_url"] if user else None


def test_screen_images_are_relayed_and_viewable_until_10s_after_the_last(server, workdir,
                                                                        people):
    """What a screen sharer's audience sees: the images in their chat
    clients, a viewer URL in conference-info that serves the latest image
    over HTTP, and both gone 10 s after the sharer stops."""
    room = new_room("screen")
    alice, bob = people("alice", room), people("bob", room)
    alice.connect()
    b = bob.connect()
    assert alice.say("look at my screen") == 200
    watcher = subscribe(server, workdir, "carol", room, notifies=100)
    try:
        wait_until(lambda: notify_documents(watcher), 15, what="first NOTIFY")
        assert screen_url(watcher, alice.uri) is None

        red, blue = jpeg((220, 30, 30)), jpeg((30, 30, 220))
        assert red != blue
        assert share(alice, red) == 200
        b.wait_for(lambda: base64.b64encode(red) in screen_frames(b, alice.uri),
                   what="alice's screen at bob")
        url = wait_until(lambda: screen_url(watcher, alice.uri), 15,
                         what="screen_image_url in conference-info")
        # the viewer URL carries the sharer's unguessable token (128 bits)
        assert re.fullmatch(rf"http://127\.0\.0\.1:{server.http_port}/conference/screen/[0-9a-f]{{32}}",
                            url), url
        assert screen_url(watcher, bob.uri) is None

        # the viewer: a page that reloads itself around the latest image
        status, ctype, page = http_get(url)
        assert status == 200 and ctype.startswith("text/html"), (status, ctype, page)
        assert re.search(rb'<meta http-equiv="refresh" content="[1-9]\d*">', page), page
        image = re.search(rb'<img src="([^"]+)"', page).group(1).decode()
        assert urllib.parse.urljoin(url, image) == url + ".jpg"
        assert http_get(url + ".jpg") == (200, "image/jpeg", red)

        # images that keep coming keep the sharing going past 10 s, the
        # latest one on view
        first = time.monotonic()
        while True:
            last = time.monotonic()
            assert share(alice, blue) == 200
            if last - first > SCREEN_ACTIVE_SECONDS + 1:
                break
            time.sleep(1)
        assert http_get(url + ".jpg") == (200, "image/jpeg", blue)
        urls = [d.user(alice.uri)["screen_image_url"] for d in notify_documents(watcher)]
        assert urls[urls.index(url):] == [url] * (len(urls) - urls.index(url)), urls

        # images are no chat: a late joiner's history has none
        carol = people("carol", room)
        c = carol.connect()
        assert texts_from(c) == ["look at my screen"]
        assert screen_frames(c, alice.uri) == []

        # no image for 10 s: conference-info drops the URL, the viewer is gone
        wait_until(lambda: screen_url(watcher, alice.uri) is None, SCREEN_ACTIVE_SECONDS + 30,
                   what="the sharing reported over")
        assert time.monotonic() - last > SCREEN_ACTIVE_SECONDS - 0.1
        assert notify_documents(watcher)[-1].user(alice.uri) is not None
        assert http_get(url)[0] == 404
        assert http_get(url + ".jpg")[0] == 404
    finally:
        watcher.stop()


@pytest.mark.parametrize("body", ["this is *not* base64!", "QUJD=QUJD", "===="],
                         ids=["garbage", "data-after-padding", "padding-only"])
def test_undecodable_screen_image_is_refused_and_the_room_keeps_working(server, workdir,
                                                                       people, body):
    """An image nobody could show is refused rather than relayed: the sender
    learns it, the others never get it, the image on view stays."""
    room = new_room("badscreen")
    alice, bob = people("alice", room), people("bob", room)
    alice.connect()
    b = bob.connect()
    watcher = subscribe(server, workdir, "carol", room, notifies=100)
    try:
        image = jpeg((30, 200, 30))
        assert share(alice, image) == 200
        url = wait_until(lambda: screen_url(watcher, alice.uri), 15,
                         what="screen_image_url in conference-info")

        assert share(alice, body) == 400
        assert alice.say("still here") == 200
        b.wait_for(lambda: "still here" in texts_from(b), what="chat after the bad image")
        assert screen_frames(b, alice.uri) == [base64.b64encode(image)]
        assert screen_url(watcher, alice.uri) == url
        assert http_get(url + ".jpg") == (200, "image/jpeg", image)
    finally:
        watcher.stop()
