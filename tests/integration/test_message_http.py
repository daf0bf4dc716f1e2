# SPDX-License-Identifier: GPL-2.0-or-later
"""History over HTTP and 1:1 file transfer (issue 15), as SylkServer's
clients use them: a token (application/sylk-api-token) for
GET /webrtcgateway/messages/history/<account>[/<message_id>], and
POST|GET /webrtcgateway/filetransfer/<sender>/<receiver>/<id>/<name> on the
file-transfer port, announced with application/sylk-file-transfer."""

import datetime
import hashlib
import json
import os
import socket
import time
import urllib.error
import urllib.request
import uuid

import pytest

from sylktest.server import Kamailio
from sylktest.sylkrtc import SylkRtcClient, aor
from sylktest.wsclient import read_response_head

ALICE, BOB = aor("alice"), aor("bob")
TOKEN_TYPE = "application/sylk-api-token"
FILE_TYPE = "application/sylk-file-transfer"


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def device(server, user):
    c = SylkRtcClient(server.http_port, version=2)
    c.register(user)
    return c


def send(c, account, uri, text):
    mid = str(uuid.uuid4())
    c.expect_ack("account-message", account=account, uri=uri, message_id=mid,
                 content=text, content_type="text/plain", timestamp=now())
    return mid


def carries(content_type):
    """An account event (message, or sync of a message) with that content type."""
    def match(e):
        if e.get("sylkrtc") != "account-event":
            return False
        body = e.get("content") if e.get("event") == "sync" else e
        return isinstance(body, dict) and body.get("content_type") == content_type
    return match


def content_of(event):
    body = event["content"] if event.get("event") == "sync" else event
    return json.loads(body["content"])


def http(method, url, body=None, headers=None, source=None):
    """(status, headers, body) of one request; never raises for 4xx/5xx."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def history(url, token, suffix=""):
    headers = {"Authorization": f"Apikey {token}"} if token is not None else {}
    return http("GET", url + suffix, headers=headers)


def rpc_token(server, account):
    out = server.kamcmd("sylk_rtc.api_token", account)
    fields = {k.strip(): v.strip() for k, v in
              (line.split(":", 1) for line in out.splitlines() if ":" in line)}
    return fields["token"], fields["url"]


def raw_post(port, path, length, body, source="127.0.0.1"):
    """A POST by hand: the status line of the answer, after sending `body`
    (which may be shorter than `length`)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    try:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n"
                  "Content-Type: application/octet-stream\r\n\r\n".encode())
        try:
            s.sendall(body)
        except OSError:
            pass
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n", 1)[0].decode()
    finally:
        s.close()


def stored_files(server):
    root = os.path.join(server.state_dir, "filetransfer")
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


@pytest.fixture(scope="module")
def small(tmp_path_factory, rtpengine):
    """A server with 2 s tokens and 1 MiB files."""
    k = Kamailio(str(tmp_path_factory.mktemp("kamailio-small")), rtpengine,
                 defines={"RTC_API_TOKEN_LIFETIME": 2, "RTC_MAX_FILE": 1048576})
    yield k
    k.stop()


# ---- history --------------------------------------------------------------------------


def test_history_with_token(server):
    with device(server, "alice") as alice, device(server, "bob"):
        mids = [send(alice, ALICE, BOB, f"history {i}") for i in range(3)]
        token, url = rpc_token(server, ALICE)
        assert url == f"http://127.0.0.1:{server.http_port}/webrtcgateway/messages/history/{ALICE}"
        assert len(token) >= 43  # 256 random bits, base64url
        got = alice.wait_event(carries(TOKEN_TYPE), 10)
        assert content_of(got) == {"token": token, "url": url}

        status, headers, body = history(url, token)
        assert status == 200 and headers["Content-Type"] == "application/json"
        data = json.loads(body)
        assert data["account"] == ALICE
        texts = [m for m in data["messages"] if m["content_type"] == "text/plain"]
        assert [m["message_id"] for m in texts] == mids
        first = texts[0]
        assert first["contact"] == BOB and first["direction"] == "outgoing"
        assert first["content"] == "history 0"
        assert first["disposition"] == ["positive-delivery", "display"]
        assert set(first) >= {"contact", "timestamp", "disposition", "message_id",
                              "content_type", "content", "direction", "state"}

        # paging on from a message id: only what came after it
        status, _, body = history(url, token, "/" + mids[0])
        assert status == 200
        after = [m["message_id"] for m in json.loads(body)["messages"]
                 if m["content_type"] == "text/plain"]
        assert after == mids[1:]


def test_history_refused_without_the_right_token(server):
    with device(server, "alice"), device(server, "bob"):
        token, url = rpc_token(server, ALICE)
        assert history(url, None)[0] == 401
        wrong = ("y" if token[0] == "x" else "x") + token[1:]
        assert history(url, wrong)[0] == 401
        assert history(url, "")[0] == 401
        bob_url = url.replace(ALICE, BOB)
        assert history(bob_url, token)[0] == 401
        # the header must say Apikey
        assert http("GET", url, headers={"Authorization": f"Bearer {token}"})[0] == 401
        assert history(url, token)[0] == 200


def test_history_token_expires(small):
    with device(small, "alice"):
        token, url = rpc_token(small, ALICE)
        assert history(url, token)[0] == 200
        time.sleep(2.5)
        assert history(url, token)[0] == 401


def test_token_by_account_message(server):
    """The client's way (SylkServer, Blink): an account-message to itself with
    the token type; every device of the account gets the answer, the
    request itself is not journalled or sent on."""
    with device(server, "alice") as alice, device(server, "alice") as other:
        mid = str(uuid.uuid4())
        alice.expect_ack("account-message", account=ALICE, uri=ALICE, message_id=mid,
                         content="I need a token", content_type=TOKEN_TYPE, timestamp=now())
        content = content_of(alice.wait_event(carries(TOKEN_TYPE), 10))
        assert set(content) == {"token", "url"}
        assert content_of(other.wait_event(carries(TOKEN_TYPE), 10)) == content
        status, _, body = history(content["url"], content["token"])
        assert status == 200
        assert mid not in [m["message_id"] for m in json.loads(body)["messages"]]
        # only to itself: a token request to someone else is an ordinary message
        bob_mid = str(uuid.uuid4())
        alice.expect_ack("account-message", account=ALICE, uri=BOB, message_id=bob_mid,
                         content="I need a token", content_type=TOKEN_TYPE, timestamp=now())
        status, _, body = history(content["url"], content["token"])
        assert bob_mid in [m["message_id"] for m in json.loads(body)["messages"]]


# ---- file transfer ----------------------------------------------------------------------


def upload_url(server, sender, receiver, tid, name):
    return (f"http://127.0.0.1:{server.file_transfer_port}/webrtcgateway/filetransfer/"
            f"{sender}/{receiver}/{tid}/{name}")


def test_file_transfer_5mib_byte_exact(server):
    data = os.urandom(5 * 1024 * 1024)
    with device(server, "alice") as alice, device(server, "bob") as bob:
        tid = str(uuid.uuid4())
        status, headers, body = http("POST", upload_url(server, ALICE, BOB, tid, "big%20photo.bin"),
                                     data, {"Content-Type": "application/x-test"})
        assert status == 200, body
        assert headers.get("Access-Control-Allow-Origin") == "*"

        got = bob.wait_event(carries(FILE_TYPE), 10)
        meta = content_of(got)
        assert meta["filename"] == "big photo.bin" and meta["filesize"] == len(data)
        assert meta["sender"]["uri"] == ALICE and meta["receiver"]["uri"] == BOB
        assert meta["transfer_id"] == tid and meta["filetype"] == "application/x-test"
        digest = hashlib.sha1(data).hexdigest().upper()
        assert meta["hash"] == "sha-1:" + ":".join(digest[i:i + 2] for i in range(0, 40, 2))
        assert meta["url"].startswith(f"http://127.0.0.1:{server.file_transfer_port}/")
        assert "big%20photo.bin" in meta["url"]
        mine = content_of(alice.wait_event(carries(FILE_TYPE), 10))
        assert mine == meta

        status, headers, body = http("GET", meta["url"])
        assert status == 200 and body == data
        assert headers["Content-Disposition"].startswith("attachment")

        # the HTTP port sends clients of the SylkServer URL to the file port
        path = meta["url"].split(str(server.file_transfer_port), 1)[1]
        status, headers, _ = http("GET", f"http://127.0.0.1:{server.http_port}{path}")
        assert status == 307 and headers["Location"] == meta["url"]

        for f in stored_files(server):
            if f.endswith("big photo.bin"):
                assert os.stat(f).st_mode & 0o777 == 0o600
        assert not [f for f in stored_files(server) if "/.upload-" in f]


def test_file_transfer_refusals(server):
    with device(server, "alice"):
        tid = str(uuid.uuid4())
        base = f"/webrtcgateway/filetransfer/{ALICE}/{BOB}/{tid}/"
        before = stored_files(server)
        # not from the address of alice's WebSocket
        assert " 403 " in raw_post(server.file_transfer_port, base + "a.txt", 5, b"hello",
                                   source="127.0.0.2")
        # bob has no WebSocket here at all
        assert " 403 " in raw_post(server.file_transfer_port,
                                   f"/webrtcgateway/filetransfer/{BOB}/{ALICE}/{tid}/a.txt",
                                   5, b"hello")
        # names that would leave the folder
        for name in ("..%2F..%2Fescape", "%2e%2e", ".hidden", "a%5Cb", "a%00b"):
            assert " 400 " in raw_post(server.file_transfer_port, base + name, 5, b"hello"), name
        assert " 400 " in raw_post(server.file_transfer_port,
                                   f"/webrtcgateway/filetransfer/{ALICE}/{BOB}/../x/y", 5,
                                   b"hello")
        status, _, _ = http("GET", f"http://127.0.0.1:{server.file_transfer_port}"
                                   "/webrtcgateway/filetransfer/a/b/%2e%2e/passwd")
        assert status == 400
        status, _, _ = http("GET", f"http://127.0.0.1:{server.file_transfer_port}"
                                   f"/webrtcgateway/filetransfer/a/b/{tid}/none.bin")
        assert status == 404
        assert stored_files(server) == before


def raw_head(port, head):
    """A request head sent by hand; the status of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.encode() + b"\r\n")
        return read_response_head(s)[0]


def test_file_transfer_ambiguous_or_malformed_heads_are_refused(server):
    """Heads that could mean two bodies or are not HTTP get a clear 400 (a
    Transfer-Encoding 411), nothing is stored, and the listener serves the
    next client."""
    with device(server, "alice"):
        path = f"/webrtcgateway/filetransfer/{ALICE}/{BOB}/{uuid.uuid4()}/a.txt"
        before = stored_files(server)
        for head, status in (
                (f"POST {path} HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n", 400),
                (f"POST {path} HTTP/1.1\r\nContent-Length: +5\r\n", 400),
                (f"POST {path} HTTP/1.1\r\nHost: x\r\n folded: y\r\n", 400),
                (f"POST {path} HTTP/1.1\r\nno colon\r\n", 400),
                (f"POST  {path} HTTP/1.1\r\n", 400),
                (f"POST {path} HTTP/3\r\n", 400),
                (f"POST {path} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n", 411)):
            got = raw_head(server.file_transfer_port, head)
            assert got == status, (head, got)
        assert stored_files(server) == before
        assert " 200 " in raw_post(server.file_transfer_port, path, 5, b"hello")


def test_file_transfer_oversize_leaves_nothing(small):
    with device(small, "alice"), device(small, "bob"):
        tid = str(uuid.uuid4())
        path = f"/webrtcgateway/filetransfer/{ALICE}/{BOB}/{tid}/big.bin"
        status = raw_post(small.file_transfer_port, path, 2 * 1024 * 1024, b"x" * 65536)
        assert " 413 " in status
        assert stored_files(small) == []
        # exactly the limit is fine
        data = os.urandom(1048576)
        status, _, body = http("POST", upload_url(small, ALICE, BOB, tid, "ok.bin"), data)
        assert status == 200, body
        assert [os.path.basename(f) for f in stored_files(small)] == ["ok.bin"]


def test_file_transfer_slow_uploader_does_not_stall_others(server):
    with device(server, "alice"), device(server, "bob") as bob:
        slow = socket.create_connection(("127.0.0.1", server.file_transfer_port), timeout=10)
        try:
            tid = str(uuid.uuid4())
            slow.sendall(f"POST /webrtcgateway/filetransfer/{ALICE}/{BOB}/{tid}/slow.bin "
                         "HTTP/1.1\r\nContent-Length: 100000\r\n\r\n".encode() + b"x" * 1000)
            data = os.urandom(300000)
            t0 = time.monotonic()
            status, _, _ = http("POST", upload_url(server, ALICE, BOB, str(uuid.uuid4()),
                                                   "fast.bin"), data)
            assert status == 200 and time.monotonic() - t0 < 5
            bob.wait_event(carries(FILE_TYPE), 10)
        finally:
            slow.close()
        time.sleep(0.5)
        assert not [f for f in stored_files(server) if "slow.bin" in f or "/.upload-" in f]
