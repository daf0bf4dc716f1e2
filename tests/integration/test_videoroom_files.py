# SPDX-License-Identifier: GPL-2.0-or-later
"""File sharing in video rooms (issue 16), SylkServer's
/webrtcgateway/filesharing/<room>/<session>/<filename>: a participant
POSTs a file on the file-transfer port (bodies over Kamailio's 72 KiB read
buffer), everyone in the room gets "file-sharing", another participant
GETs it byte-exact; only sessions of the room, from their WebSocket's
address, may; the files go when the room ends unless it is persistent."""

import http.client
import os
import time

import pytest

from sylktest.msrp import random_id
from sylktest.processes import wait_until
from sylktest.server import SIP_DOMAIN, Kamailio

from test_videoroom import Participant, people  # noqa: F401 (fixture)
from test_videoroom import vr_event

PERSISTENT = f"keep@videoconference.{SIP_DOMAIN}"


@pytest.fixture(scope="module")
def server(tmp_path_factory, rtpengine):
    kamailio = Kamailio(str(tmp_path_factory.mktemp("kamailio")), rtpengine,
                        defines={"VIDEOROOM_PERSISTENT": f'"{PERSISTENT}"'})
    yield kamailio
    kamailio.stop()


def new_room():
    return f"files{random_id(4).lower()}@videoconference.{SIP_DOMAIN}"


def req(server, method, path, body=None, port=None):
    conn = http.client.HTTPConnection("127.0.0.1", port or server.file_transfer_port, timeout=20)
    headers = {"Content-Type": "application/octet-stream"} if body is not None else {}
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data, r


def share_path(room, session, name):
    return f"/webrtcgateway/filesharing/{room}/{session}/{name}"


def room_folder_count(server):
    base = os.path.join(server.state_dir, "filetransfer", "videoroom")
    return len(os.listdir(base)) if os.path.isdir(base) else 0


def test_a_shared_file_reaches_everyone_and_downloads_byte_exact(server, people):
    room = new_room()
    alice, bob = people("alice", room), people("bob", room)
    alice.join()
    bob.join()
    data = os.urandom(300 * 1024) + b"end"
    status, _, _ = req(server, "POST", share_path(room, alice.session, "my%20notes.bin"), data)
    assert status == 200
    for p in (alice, bob):
        e = vr_event(p.client, p.session, "file-sharing")
        (f,) = e["files"]
        assert (f["filename"], f["filesize"], f["session"]) == \
            ("my_notes.bin", len(data), alice.session)
        assert f["uploader"]["uri"] == alice.aor
    status, got, r = req(server, "GET", share_path(room, bob.session, "my_notes.bin"))
    assert status == 200 and got == data
    assert "attachment" in r.getheader("Content-Disposition")
    assert r.getheader("Access-Control-Allow-Origin") == "*"

    # the same name again: SylkServer's "name-1"
    status, _, _ = req(server, "POST", share_path(room, bob.session, "my%20notes.bin"), b"two")
    assert status == 200
    e = vr_event(alice.client, alice.session, "file-sharing")
    assert e["files"][0]["filename"] == "my_notes-1.bin"
    assert e["files"][0]["uploader"]["uri"] == bob.aor
    assert req(server, "GET", share_path(room, alice.session, "my_notes-1.bin"))[1] == b"two"

    # the HTTP port sends browsers to the file-transfer port
    status, _, r = req(server, "GET", share_path(room, bob.session, "my_notes.bin"),
                        port=server.http_port)
    assert status == 307
    assert r.getheader("Location").endswith(share_path(room, bob.session, "my_notes.bin"))


def test_only_sessions_of_the_room_may_share_or_fetch(server, people):
    room, other = new_room(), new_room()
    alice, carol = people("alice", room), people("carol", other)
    alice.join()
    carol.join()
    assert req(server, "POST", share_path(room, alice.session, "a.txt"), b"x")[0] == 200
    vr_event(alice.client, alice.session, "file-sharing")
    # a session of another room, an unknown session, an unknown room
    assert req(server, "GET", share_path(room, carol.session, "a.txt"))[0] == 403
    assert req(server, "POST", share_path(room, carol.session, "b.txt"), b"x")[0] == 403
    assert req(server, "GET", share_path(room, "nobody", "a.txt"))[0] == 403
    assert req(server, "GET", share_path(new_room(), alice.session, "a.txt"))[0] == 403
    # a missing file, a name with nothing safe in it, a wrong method
    assert req(server, "GET", share_path(room, alice.session, "missing.txt"))[0] == 404
    assert req(server, "POST", share_path(room, alice.session, "%2E%2E"), b"x")[0] == 400
    assert req(server, "PUT", share_path(room, alice.session, "a.txt"), b"x")[0] == 405
    assert req(server, "OPTIONS", share_path(room, alice.session, "a.txt"))[0] == 200
    # carol's own room has none of alice's files
    assert req(server, "GET", share_path(other, carol.session, "a.txt"))[0] == 404


def test_files_go_with_the_room_unless_it_is_persistent(server, people):
    before = room_folder_count(server)
    room = new_room()
    alice = people("alice", room)
    alice.join()
    assert req(server, "POST", share_path(room, alice.session, "gone.txt"), b"bye")[0] == 200
    vr_event(alice.client, alice.session, "file-sharing")
    assert room_folder_count(server) == before + 1
    alice.client.expect_ack("videoroom-leave", session=alice.session)
    wait_until(lambda: room_folder_count(server) == before, 5, what="room folder removed")

    keeper = people("bob", PERSISTENT)
    keeper.join()
    assert req(server, "POST", share_path(PERSISTENT, keeper.session, "kept.txt"),
                b"stay")[0] == 200
    vr_event(keeper.client, keeper.session, "file-sharing")
    keeper.client.expect_ack("videoroom-leave", session=keeper.session)
    time.sleep(1)
    assert room_folder_count(server) == before + 1
    again = people("carol", PERSISTENT)
    again.join()
    assert req(server, "GET", share_path(PERSISTENT, again.session, "kept.txt"))[1] == b"stay"


def test_a_late_joiner_gets_the_files_shared_so_far(server, people):
    """SylkServer's Videoroom.add(): "file-sharing" with the room's files,
    in sharing order, right after the join; a persistent room's files
    outlive its meetings."""
    room = new_room()
    alice = people("alice", room)
    alice.join()
    for name, body in (("first.txt", b"one"), ("second.txt", b"two!")):
        assert req(server, "POST", share_path(room, alice.session, name), body)[0] == 200
        vr_event(alice.client, alice.session, "file-sharing")
    bob = people("bob", room)
    bob.join()
    e = vr_event(bob.client, bob.session, "file-sharing")
    assert [(f["filename"], f["filesize"], f["session"], f["uploader"]["uri"])
            for f in e["files"]] == [("first.txt", 3, alice.session, alice.aor),
                                     ("second.txt", 4, alice.session, alice.aor)]
    # only the joiner is told; a room without files sends nothing
    assert not [m for m in alice.client.events(settle=0.3) if m.get("event") == "file-sharing"]
    carol = people("carol", new_room())
    carol.join()
    assert not [m for m in carol.client.events(settle=0.5) if m.get("event") == "file-sharing"]

    # the persistent room's file stays listed for the next meeting
    keeper = people("bob", PERSISTENT)
    keeper.join()
    assert req(server, "POST", share_path(PERSISTENT, keeper.session, "agenda.txt"),
               b"plan")[0] == 200
    vr_event(keeper.client, keeper.session, "file-sharing")
    keeper.client.expect_ack("videoroom-leave", session=keeper.session)
    time.sleep(0.5)
    later = people("carol", PERSISTENT)
    later.join()
    names = [f["filename"] for f in vr_event(later.client, later.session, "file-sharing")["files"]]
    assert "agenda.txt" in names
