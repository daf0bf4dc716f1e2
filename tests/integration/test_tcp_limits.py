# SPDX-License-Identifier: GPL-2.0-or-later
"""Transport limits (issue 13, point 2 and 7): one address cannot take the
server's connections or memory, slow or never-finished requests are
dropped, every HTTP request gets an answer, TLS refuses ciphers without
forward secrecy; a client from another address is served all along.

Loopback addresses 127.0.0.2, 127.0.0.3 ... act as different clients."""

import base64
import json
import os
import re
import socket
import ssl
import struct
import subprocess
import threading
import time
import uuid

import pytest

from sylktest.processes import wait_until
from sylktest.server import Kamailio
from sylktest.wsclient import frame, read_response_head

PER_IP = 12
REQUEST_TIMEOUT = 6
REASSEMBLY = 65536


@pytest.fixture(scope="module")
def guarded(tmp_path_factory, rtpengine):
    kamailio = Kamailio(str(tmp_path_factory.mktemp("kamailio-limits")), rtpengine, defines={
        "TCP_MAX_PER_IP": PER_IP,
        "TCP_REQUEST_TIMEOUT": REQUEST_TIMEOUT,
        "TCP_GUARD_INTERVAL": 50,
        "TCP_MAX_CONNECTIONS": 200,
        "WS_MAX_REASSEMBLY": REASSEMBLY,
    })
    yield kamailio
    kamailio.stop()


def connect(port, src="127.0.0.1", timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def tls_connect(port, src):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx.wrap_socket(connect(port, src))


def is_closed(sock):
    """True once the server has closed (FIN or RST) the connection."""
    sock.setblocking(False)
    try:
        return sock.recv(4096) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        sock.setblocking(True)


def read_http(sock):
    return read_response_head(sock)[0]


def upgrade(port, src, protocol="sylkRTC-2", tls=False):
    s = tls_connect(port, src) if tls else connect(port, src)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /webrtcgateway/ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"Sec-WebSocket-Protocol: {protocol}\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        assert chunk, "closed during the upgrade"
        data += chunk
    assert data.startswith(b"HTTP/1.1 101"), data[:200]
    return s, data.split(b"\r\n\r\n", 1)[1]


def recv_frame(sock, buf=b""):
    """(opcode, payload, rest) of the next server frame."""
    def need(n):
        nonlocal buf
        while len(buf) < n:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by server")
            buf += chunk
    need(2)
    n, pos = buf[1] & 0x7F, 2
    if n == 126:
        need(4)
        n, pos = struct.unpack("!H", buf[2:4])[0], 4
    elif n == 127:
        need(10)
        n, pos = struct.unpack("!Q", buf[2:10])[0], 10
    need(pos + n)
    return buf[0] & 0x0F, buf[pos:pos + n], buf[pos + n:]


def sylkrtc_ready(port, src):
    """A sylkRTC-2 WebSocket from `src` gets its ready event."""
    s, rest = upgrade(port, src)
    try:
        opcode, payload, _ = recv_frame(s, rest)
        assert opcode == 1
        assert json.loads(payload)["sylkrtc"] == "ready-event"
    finally:
        s.close()


def read_sip_head(s):
    """The head of the next SIP message on `s`, "" if it closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")


def sip_options_tcp(port, src):
    """SIP OPTIONS over TCP from `src`: the status of the answer."""
    s = connect(port, src)
    try:
        tag = uuid.uuid4().hex[:12]
        lport = s.getsockname()[1]
        s.sendall((f"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n"
                   f"Via: SIP/2.0/TCP {src}:{lport};branch=z9hG4bK{tag}\r\n"
                   f"From: <sip:probe@sylk.test>;tag={tag}\r\nTo: <sip:127.0.0.1>\r\n"
                   f"Call-ID: {tag}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                   f"Content-Length: 0\r\n\r\n").encode())
        data = read_sip_head(s)
        return int(data.split()[1]) if data.startswith("SIP/2.0") else 0
    finally:
        s.close()


def guard_counter(server, name):
    out = server.kamcmd("sylk_tcp_guard.status")
    return int(re.search(rf"{name}:\s*(\d+)", out).group(1))


def open_count(socks):
    return sum(1 for s in socks if not is_closed(s))


TCP_SYN_SENT = 2


def is_established(sock):
    """True once the handshake completed, whatever came after: a SYN the
    kernel dropped leaves the socket in SYN-SENT (Linux TCP_INFO state)."""
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] != TCP_SYN_SENT


def served_count(socks):
    """Connections the server accepted and still holds open."""
    return sum(1 for s in socks if is_established(s) and not is_closed(s))


# ---- per-address limit ---------------------------------------------------------

def connect_nowait(port, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.bind((src, 0))
    s.connect_ex(("127.0.0.1", port))
    return s


def test_idle_connections_from_one_address_are_capped(guarded):
    """60 idle connections from one address at once: those beyond the limit
    are closed, or never accepted once the address is at its limit (the
    kernel drops their SYN: which of the two depends on when the guard's walk
    falls within the burst); further ones are refused at accept; the rest go
    at the first-request deadline; a client from another address is served
    meanwhile (WebSocket and SIP over TCP)."""
    before = guard_counter(guarded, "closed_over_limit")
    flood = [connect_nowait(port, "127.0.0.5") for port in
             [guarded.http_port] * 30 + [guarded.sip_port] * 20 + [guarded.msrp_port] * 10]
    time.sleep(0.3)
    wait_until(lambda: served_count(flood) <= PER_IP, 3, what="excess connections closed")
    # the oldest (by accept order) stay until their deadline
    kept = [s for s in flood if is_established(s) and not is_closed(s)]
    accepted = sum(1 for s in flood if is_established(s))
    assert len(kept) == PER_IP
    assert guard_counter(guarded, "closed_over_limit") - before == accepted - PER_IP
    # the SYNs the kernel dropped: stop their retries
    for s in flood:
        if not is_established(s):
            s.close()

    # at its limit, the address gets no new connection at all
    with pytest.raises(socket.timeout):
        connect(guarded.http_port, "127.0.0.5", timeout=1)
    assert guard_counter(guarded, "blocked_addresses") >= 1

    sylkrtc_ready(guarded.http_port, "127.0.0.2")
    assert sip_options_tcp(guarded.sip_port, "127.0.0.3") == 200

    # nothing was ever sent on them: gone at the deadline
    wait_until(lambda: open_count(kept) == 0, REQUEST_TIMEOUT + 3, what="deadline")
    for s in flood:
        s.close()


def test_sustained_flood_does_not_lock_out_other_addresses(guarded):
    """One address opening connections as fast as it can for a few seconds,
    many more than the server's whole table (TCP_MAX_CONNECTIONS=200):
    the kernel soon drops its SYNs, and other addresses get a WebSocket and
    SIP answers every time."""
    stop = threading.Event()
    tried = [0]

    def flood():
        socks = []
        while not stop.is_set():
            s = socket.socket()
            s.setblocking(False)
            try:
                s.bind(("127.0.0.6", 0))
                s.connect_ex(("127.0.0.1", guarded.http_port))
            except OSError:
                pass
            socks.append(s)
            tried[0] += 1
            if len(socks) > 400:
                for old in socks[:200]:
                    old.close()
                del socks[:200]
        for s in socks:
            s.close()

    t = threading.Thread(target=flood, daemon=True)
    t.start()
    try:
        time.sleep(0.5)
        for i in range(8):
            sylkrtc_ready(guarded.http_port, "127.0.0.2")
            assert sip_options_tcp(guarded.sip_port, "127.0.0.3") == 200
            time.sleep(0.2)
        # the flooder is refused by the kernel, not by the full table
        assert guard_counter(guarded, "blocked_addresses") >= 1
    finally:
        stop.set()
        t.join(10)
    assert tried[0] > 1000
    assert "127.0.0.6" in guarded.process.log()


# ---- slow requests -------------------------------------------------------------

def test_slow_upgrade_is_closed_at_the_deadline(guarded):
    """An upgrade request sent at one byte per 300 ms never finishes: the
    connection is closed after REQUEST_TIMEOUT; a normal upgrade next to it
    works."""
    before = guard_counter(guarded, "closed_no_request")
    request = (b"GET /webrtcgateway/ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Upgrade: websocket\r\nConnection: Upgrade\r\n")
    slow = [connect(guarded.http_port, "127.0.0.7") for _ in range(5)]
    start = time.monotonic()
    closed_at = None
    for i in range(len(request)):
        for s in slow:
            try:
                s.send(request[i:i + 1])
            except OSError:
                pass
        if all(is_closed(s) for s in slow):
            closed_at = time.monotonic() - start
            break
        time.sleep(0.3)
        assert time.monotonic() - start < REQUEST_TIMEOUT + 4, "slow upgrade still open"
    assert closed_at is not None and closed_at >= REQUEST_TIMEOUT - 0.5
    assert guard_counter(guarded, "closed_no_request") - before >= 5
    sylkrtc_ready(guarded.http_port, "127.0.0.7")
    for s in slow:
        s.close()


def test_slow_tls_handshake_and_silent_msrp_are_closed(guarded):
    """A TLS client that never finishes its handshake and an MSRP client that
    never sends its first SEND are closed at the deadline."""
    tls = connect(guarded.https_port, "127.0.0.8")
    tls.sendall(b"\x16\x03\x01")  # the start of a ClientHello, never finished
    msrp = connect(guarded.msrp_port, "127.0.0.8")
    msrp.sendall(b"MSRP a786hjs2 SEND\r\n")
    wait_until(lambda: is_closed(tls) and is_closed(msrp), REQUEST_TIMEOUT + 3,
               what="deadline")
    tls.close()
    msrp.close()


# ---- WebSocket reassembly memory ----------------------------------------------

def test_unfinished_fragments_beyond_the_global_cap_fail_that_connection(guarded):
    """Connections holding unfinished fragmented messages: the one whose
    fragment would pass the global cap is closed with 1009, the ones already
    holding memory, and new ones, go on."""
    chunk = b"x" * (REASSEMBLY // 4 - 100)
    holders = []
    for _ in range(3):
        s, rest = upgrade(guarded.http_port, "127.0.0.9", "sip")
        s.sendall(frame(0x1, chunk, fin=False))
        holders.append(s)
    time.sleep(0.3)
    # this one would pass REASSEMBLY bytes in total
    s, rest = upgrade(guarded.http_port, "127.0.0.10", "sip")
    s.sendall(frame(0x1, chunk, fin=False))
    s.sendall(frame(0x0, chunk, fin=False))
    opcode, payload, _ = recv_frame(s, rest)
    assert opcode == 0x8
    assert struct.unpack("!H", payload[:2])[0] == 1009
    s.close()
    assert "reassembly limit" in guarded.process.log()

    # the holders finish their messages (ping for a pong proves them alive)
    for h in holders:
        h.sendall(frame(0x0, b"", fin=True))
        h.sendall(frame(0x9, b"alive"))
        opcode, payload, _ = recv_frame(h)
        assert (opcode, payload) == (0xA, b"alive")
    # and the memory went back: a new fragmented message fits again
    s, rest = upgrade(guarded.http_port, "127.0.0.10", "sip")
    s.sendall(frame(0x1, chunk, fin=False))
    s.sendall(frame(0x0, chunk, fin=False))
    s.sendall(frame(0x9, b"ok"))
    opcode, payload, _ = recv_frame(s, rest)
    assert (opcode, payload) == (0xA, b"ok")
    for h in holders + [s]:
        h.close()


# ---- every HTTP request is answered -----------------------------------------------

@pytest.mark.parametrize("path,status", [
    ("/RPC", 404),
    ("/RPC2", 404),
    ("/", 404),
    ("/" + "a" * 9000, 414),
    ("/" + "a" * 60000, 414),
])
def test_every_http_request_gets_an_answer(guarded, path, status):
    s = connect(guarded.http_port, "127.0.0.11")
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    assert read_http(s) == status
    s.close()


# Requests and frames larger than the core's read buffer (72 KiB): the core
# drops the connection before any script sees them; the transport answers
# from the "connection closed" event.
OVERSIZED = {
    "request line": (b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    "headers": (b"GET / HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 100000 + b"\r\n\r\n", 431),
    "body": (b"PUT /xcap-root/resource-lists/users/sip:alice@sylk.test/index HTTP/1.1\r\n"
             b"Host: x\r\nContent-Length: 100000\r\n\r\n" + b"<" * 100000, 413),
}


def send_oversized(s, data):
    try:
        s.sendall(data)
    except OSError:
        pass  # the server may close before the last bytes are taken


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("part", sorted(OVERSIZED))
def test_request_larger_than_the_read_buffer_is_answered(guarded, scheme, part):
    data, status = OVERSIZED[part]
    s = (connect(guarded.http_port, "127.0.0.11") if scheme == "http"
         else tls_connect(guarded.https_port, "127.0.0.11"))
    send_oversized(s, data)
    head, _ = read_response_head(s)
    assert head == status
    s.close()
    wait_until(lambda: f"HTTP {status} sent" in guarded.process.log(), 3,
               what="the answer logged")
    # the next client on the same port is served as before
    s = connect(guarded.http_port, "127.0.0.11")
    s.sendall(b"GET /RPC HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert read_http(s) == 404
    s.close()


def oversized_sip(src, lport, method="MESSAGE", transport="TCP"):
    tag = uuid.uuid4().hex[:12]
    body = b"x" * 100000
    head = (f"{method} sip:bob@sylk.test SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} {src}:{lport};branch=z9hG4bK{tag}\r\n"
            f"From: <sip:alice@sylk.test>;tag={tag}\r\nTo: <sip:bob@sylk.test>\r\n"
            f"Call-ID: {tag}\r\nCSeq: 7 {method}\r\nMax-Forwards: 70\r\n"
            f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n")
    return tag, head.encode() + body


@pytest.mark.parametrize("transport", ["TCP", "TLS"])
def test_sip_request_larger_than_the_read_buffer_gets_513(guarded, transport):
    """A SIP phone's 100 KB MESSAGE over TCP or TLS: the core cannot read it
    whole; the phone gets 513 Message Too Large for that very transaction
    (same Via branch, Call-ID, CSeq; a To tag) instead of a reset."""
    s = (connect(guarded.sip_port, "127.0.0.12") if transport == "TCP"
         else tls_connect(guarded.sips_port, "127.0.0.12"))
    tag, data = oversized_sip("127.0.0.12", s.getsockname()[1], transport=transport)
    send_oversized(s, data)
    answer = read_sip_head(s)
    s.close()
    assert answer.startswith("SIP/2.0 513 Message Too Large\r\n"), answer[:200]
    assert f";branch=z9hG4bK{tag}\r\n" in answer
    assert f"\r\nCall-ID: {tag}\r\n" in answer
    assert "\r\nCSeq: 7 MESSAGE\r\n" in answer
    assert re.search(r"\r\nTo: <sip:bob@sylk\.test>;tag=\w+\r\n", answer), answer
    wait_until(lambda: "SIP 513 sent" in guarded.process.log(), 3, what="the answer logged")
    # the same address goes on with SIP over TCP
    assert sip_options_tcp(guarded.sip_port, "127.0.0.12") == 200


def test_oversized_ack_gets_no_answer(guarded):
    """No response to an ACK, not even this one: the connection just ends."""
    s = connect(guarded.sip_port, "127.0.0.12")
    _, data = oversized_sip("127.0.0.12", s.getsockname()[1], method="ACK")
    send_oversized(s, data)
    assert read_sip_head(s) == ""
    s.close()


@pytest.mark.parametrize("scheme", ["ws", "wss"])
def test_websocket_frame_larger_than_the_read_buffer_is_closed_with_1009(guarded, scheme):
    port = guarded.http_port if scheme == "ws" else guarded.https_port
    s, rest = upgrade(port, "127.0.0.11", tls=scheme == "wss")
    opcode, payload, rest = recv_frame(s, rest)  # ready-event
    assert json.loads(payload)["sylkrtc"] == "ready-event"
    send_oversized(s, frame(0x1, b"x" * 100000))
    opcode, payload, _ = recv_frame(s, rest)
    assert opcode == 0x8
    assert struct.unpack("!H", payload[:2])[0] == 1009
    s.close()
    # a client from the same address connects again and is served
    sylkrtc_ready(guarded.http_port, "127.0.0.11")


# ---- TLS ciphers ---------------------------------------------------------------------

def openssl_client(port, *args):
    return subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                           "-tls1_2", *args], input=b"", capture_output=True, timeout=10)


def test_tls_refuses_ciphers_without_forward_secrecy(guarded):
    for port in (guarded.https_port, guarded.sips_port):
        r = openssl_client(port, "-cipher", "AES128-SHA")
        assert r.returncode != 0
        assert b"Cipher is AES128-SHA" not in r.stdout
        r = openssl_client(port, "-cipher", "AES256-GCM-SHA384")
        assert r.returncode != 0


def test_tls_clients_still_work(guarded):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    # secure WebSocket
    raw = connect(guarded.https_port, "127.0.0.12")
    s = ctx.wrap_socket(raw)
    assert s.cipher()[0].startswith("ECDHE-")
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /webrtcgateway/ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"Sec-WebSocket-Protocol: sylkRTC-2\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    assert data.startswith(b"HTTP/1.1 101")
    opcode, payload, _ = recv_frame(s, data.split(b"\r\n\r\n", 1)[1])
    assert json.loads(payload)["sylkrtc"] == "ready-event"
    s.close()
    # SIP over TLS
    r = openssl_client(guarded.sips_port, "-cipher", "ECDHE-RSA-AES128-GCM-SHA256")
    assert r.returncode == 0
    assert b"ECDHE-RSA-AES128-GCM-SHA256" in r.stdout
