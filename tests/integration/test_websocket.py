# SPDX-License-Identifier: GPL-2.0-or-later
"""The sylk_websocket transport as clients see it: handshake answers, frames,
closing in both directions, and cleanup after clients vanish."""

import asyncio
import re
import socket
import struct
import time
import uuid

import pytest
import websockets

from sylktest.processes import wait_until
from sylktest.server import BUILD, DEBIAN_MODULES, Kamailio
from sylktest.wsclient import SIP_OPTIONS, RawWs, frame, http_request, upgrade_lines

ALLOWED_ORIGIN = "https://app.sylk.test"
MAX_MESSAGE = 4096
IDLE_TIMEOUT = 4


@pytest.fixture(scope="module")
def ws_server(tmp_path_factory, rtpengine):
    kamailio = Kamailio(str(tmp_path_factory.mktemp("kamailio-ws")), rtpengine, defines={
        "WS_ORIGINS": f'"{ALLOWED_ORIGIN}"',
        "WS_MAX_MESSAGE": MAX_MESSAGE,
        "WS_KEEPALIVE": 2,
        "WS_IDLE_TIMEOUT": IDLE_TIMEOUT,
        "WS_TIMER_INTERVAL": 1,
        # the "echo" subprotocol handler, a client of the module's C API
        "WITH_TEST_MODULES": 1,
        "MODULE_PATH": f'"{DEBIAN_MODULES}:{BUILD}/modules/:{BUILD}/test-modules/"',
    })
    yield kamailio
    kamailio.stop()


def options():
    return SIP_OPTIONS.format(tag=uuid.uuid4().hex[:12])


def ws_ids(server):
    return [int(i) for i in re.findall(r"\bid:\s*(\d+)", server.kamcmd("sylk_websocket.list"))]


def shm_used(server):
    out = server.kamcmd("core.shmmem")
    return int(re.search(r"real_used:\s*(\d+)", out).group(1))


# ---- handshake ---------------------------------------------------------------

REFUSALS = [
    ("post", dict(method="POST"), 400),
    ("http-1.0", dict(http="HTTP/1.0"), 400),
    ("no-upgrade", dict(upgrade=None), 400),
    ("upgrade-not-websocket", dict(upgrade="h2c"), 400),
    ("no-connection-upgrade", dict(connection="keep-alive"), 400),
    ("no-key", dict(key=""), 400),
    ("bad-key", dict(key="c2hvcnQ="), 400),
    ("no-version", dict(version=None), 400),
    ("wrong-version", dict(version="8"), 426),
    ("wrong-path", dict(path="/elsewhere"), 404),
    ("foreign-origin", dict(origin="https://evil.example"), 403),
    ("no-subprotocol", dict(protocol=None), 406),
    ("unknown-subprotocol", dict(protocol="chat, superchat"), 406),
]


@pytest.mark.parametrize("name,kw,status", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_bad_upgrade_is_refused_with_status(ws_server, name, kw, status):
    got, headers, sock = http_request(ws_server.http_port, upgrade_lines(**kw))
    sock.close()
    assert got == status
    if status == 426:
        assert headers.get("sec-websocket-version") == "13"


def test_upgrade_is_accepted_with_rfc_accept_key(ws_server):
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    status, headers, sock = http_request(ws_server.http_port, upgrade_lines(
        key=key, origin=ALLOWED_ORIGIN, protocol="chat, sip"))
    sock.close()
    assert status == 101
    assert headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert headers["sec-websocket-protocol"] == "sip"
    assert headers["upgrade"].lower() == "websocket"


def test_plain_http_gets_404(ws_server):
    status, _, sock = http_request(ws_server.http_port, ["GET /nothing HTTP/1.1", "Host: x"])
    sock.close()
    assert status == 404


# ---- SIP over WebSocket (RFC 7118) with a real client library -----------------

def test_sip_over_websocket_with_websockets_library(ws_server):
    async def run():
        url = f"ws://127.0.0.1:{ws_server.http_port}/webrtcgateway/ws"
        async with websockets.connect(url, subprotocols=["sip"], origin=ALLOWED_ORIGIN) as ws:
            assert ws.subprotocol == "sip"
            await ws.send(options())
            reply = await asyncio.wait_for(ws.recv(), 5)
            assert reply.startswith("SIP/2.0 200 OK")
            pong = await ws.ping(b"are you there")
            await asyncio.wait_for(pong, 5)
    asyncio.run(run())


def test_wss_carries_sip_over_tls(ws_server):
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE

    async def run():
        url = f"wss://127.0.0.1:{ws_server.https_port}/webrtcgateway/ws"
        async with websockets.connect(url, subprotocols=["sip"], ssl=ctx) as ws:
            await ws.send(options())
            reply = await asyncio.wait_for(ws.recv(), 5)
            assert reply.startswith("SIP/2.0 200 OK")
            listing = ws_server.kamcmd("sylk_websocket.list")
            assert "wss" in listing
    asyncio.run(run())


# ---- subprotocol handlers through the C API ----------------------------------

def test_subprotocol_handler_gets_open_messages_and_close(ws_server):
    async def run():
        url = f"ws://127.0.0.1:{ws_server.http_port}/webrtcgateway/ws"
        async with websockets.connect(url, subprotocols=["echo"]) as ws:
            hello = await asyncio.wait_for(ws.recv(), 5)
            word, conn_id, peer, proto, transport = hello.split()
            assert (word, proto, transport) == ("hello", "echo", "ws")
            assert peer.startswith("127.0.0.1:")
            assert int(conn_id) in ws_ids(ws_server)
            assert "echo" in ws_server.kamcmd("sylk_websocket.list")

            await ws.send("ünïcödé text")
            assert await asyncio.wait_for(ws.recv(), 5) == "ünïcödé text"
            await ws.send(b"\x00\xffbinary")
            assert await asyncio.wait_for(ws.recv(), 5) == b"\x00\xffbinary"
            big = "y" * 3000  # sent in fragments by the client below
            await ws.send(iter([big[:1000], big[1000:2000], big[2000:]]))
            assert await asyncio.wait_for(ws.recv(), 5) == big

            await ws.send("close 4321")
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd.code == 4321
            return int(conn_id)
    conn_id = asyncio.run(run())
    wait_until(lambda: conn_id not in ws_ids(ws_server), 5, what="connection removed")


# ---- frames ------------------------------------------------------------------

def test_fragmented_message_is_reassembled(ws_server):
    ws = RawWs(ws_server.http_port)
    try:
        text = options()
        a, b = len(text) // 3, 2 * len(text) // 3
        ws.send(frame(0x1, text[:a], fin=False))
        ws.send(frame(0x9, b"in between"))  # control frames may interleave
        ws.send(frame(0x0, text[a:b], fin=False))
        ws.send(frame(0x0, text[b:], fin=True))
        fin, opcode, payload = ws.recv_frame()
        assert (opcode, payload) == (0xA, b"in between")
        fin, opcode, payload = ws.recv_frame()
        assert opcode == 0x1 and payload.startswith(b"SIP/2.0 200 OK")
    finally:
        ws.close()


def test_ping_is_answered_with_same_payload(ws_server):
    ws = RawWs(ws_server.http_port)
    try:
        ws.send(frame(0x9, b"\x00\x01binary\xff"))
        assert ws.recv_frame() == (True, 0xA, b"\x00\x01binary\xff")
    finally:
        ws.close()


def test_client_close_is_answered_and_connection_forgotten(ws_server):
    ws = RawWs(ws_server.http_port)
    try:
        ws.send(frame(0x8, struct.pack("!H", 1000) + b"bye"))
        code, _ = ws.recv_close()
        assert code == 1000
        assert ws.closed_by_server()
    finally:
        ws.close()


def test_server_close_by_rpc(ws_server):
    before = set(ws_ids(ws_server))
    ws = RawWs(ws_server.http_port)
    try:
        new = wait_until(lambda: set(ws_ids(ws_server)) - before, 5, what="new connection in list")
        conn_id = new.pop()
        ws_server.kamcmd("sylk_websocket.close", str(conn_id), "4000", "operator says bye")
        code, reason = ws.recv_close()
        assert (code, reason) == (4000, "operator says bye")
        ws.send(frame(0x8, struct.pack("!H", 4000)))
        assert ws.closed_by_server()
        wait_until(lambda: conn_id not in ws_ids(ws_server), 5, what="connection removed")
    finally:
        ws.close()


@pytest.mark.parametrize("name,data,code", [
    ("unmasked", frame(0x1, "hello", mask=False), 1002),
    ("reserved-bits", frame(0x1, "hello", rsv=0x40), 1002),
    ("reserved-opcode", frame(0x3, "hello"), 1002),
    ("continuation-first", frame(0x0, "hello"), 1002),
    ("bad-utf8", frame(0x1, b"caf\xc3\x28"), 1007),
    ("overlong-utf8", frame(0x1, b"\xc0\xaf"), 1007),
    ("fragmented-ping", frame(0x9, b"x", fin=False), 1002),
], ids=lambda v: v if isinstance(v, str) else "")
def test_protocol_violation_closes_with_status(ws_server, name, data, code):
    ws = RawWs(ws_server.http_port)
    try:
        ws.send(data)
        got, _ = ws.recv_close()
        assert got == code
        assert ws.closed_by_server()
    finally:
        ws.close()


def test_oversize_message_closes_with_1009(ws_server):
    ws = RawWs(ws_server.http_port)
    try:
        chunk = "x" * 1500
        for _ in range(MAX_MESSAGE // len(chunk) + 1):
            ws.send(frame(0x1 if _ == 0 else 0x0, chunk, fin=False))
        got, _ = ws.recv_close()
        assert got == 1009
    finally:
        ws.close()


def test_silent_client_is_pinged_then_closed_after_idle_timeout(ws_server):
    ws = RawWs(ws_server.http_port)
    try:
        start = time.monotonic()
        fin, opcode, _ = ws.recv_frame(timeout=IDLE_TIMEOUT + 3)
        assert opcode == 0x9, "a keepalive ping comes first"
        code, reason = ws.recv_close(timeout=IDLE_TIMEOUT + 3)
        assert code == 1001
        assert time.monotonic() - start >= IDLE_TIMEOUT - 1
    finally:
        ws.close()


# ---- clients that vanish -----------------------------------------------------

def _connect_and_reset(port):
    ws = RawWs(port)
    ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    ws.close()  # RST, no close frame


def test_abrupt_disconnects_leave_no_connections_and_no_shm_growth(ws_server):
    for _ in range(50):  # warm up allocator pools
        _connect_and_reset(ws_server.http_port)
    wait_until(lambda: not ws_ids(ws_server), 15, what="warm-up connections cleaned up")
    before = shm_used(ws_server)

    for _ in range(1000):
        _connect_and_reset(ws_server.http_port)

    wait_until(lambda: not ws_ids(ws_server), 20, what="all connections cleaned up")
    growth = shm_used(ws_server) - before
    assert growth < 64 * 1024, f"shm grew by {growth} bytes over 1000 connections"
    assert "connections: 0" in ws_server.kamcmd("sylk_websocket.status")
