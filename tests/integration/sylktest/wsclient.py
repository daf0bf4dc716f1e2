# SPDX-License-Identifier: GPL-2.0-or-later
"""A raw RFC 6455 client over a plain socket, for what a well-behaved
library will not send: unmasked frames, bad UTF-8, odd fragmentation."""

import base64
import os
import socket
import struct

SIP_OPTIONS = ("OPTIONS sip:sylk.test SIP/2.0\r\n"
               "Via: SIP/2.0/WS client.invalid;branch=z9hG4bK{tag}\r\n"
               "From: <sip:probe@sylk.test>;tag={tag}\r\n"
               "To: <sip:sylk.test>\r\n"
               "Call-ID: {tag}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
               "Content-Length: 0\r\n\r\n")


def read_response_head(sock):
    """Read an HTTP response head from `sock`: (status, headers); status 0
    when the connection closed before one came."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, _ = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode(errors="replace").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    status = int(status_line.split()[1]) if len(status_line.split()) > 1 else 0
    return status, headers


def http_request(port, lines, timeout=5):
    """Send an HTTP request made of `lines`; return (status, headers, sock)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    status, headers = read_response_head(sock)
    return status, headers, sock


def upgrade_lines(path="/webrtcgateway/ws", protocol="sip", key=None, version="13",
                  origin=None, method="GET", http="HTTP/1.1", upgrade="websocket",
                  connection="Upgrade", extra=()):
    key = key if key is not None else base64.b64encode(os.urandom(16)).decode()
    lines = [f"{method} {path} {http}", "Host: 127.0.0.1"]
    if upgrade is not None:
        lines.append(f"Upgrade: {upgrade}")
    if connection is not None:
        lines.append(f"Connection: {connection}")
    if key:
        lines.append(f"Sec-WebSocket-Key: {key}")
    if version is not None:
        lines.append(f"Sec-WebSocket-Version: {version}")
    if protocol is not None:
        lines.append(f"Sec-WebSocket-Protocol: {protocol}")
    if origin is not None:
        lines.append(f"Origin: {origin}")
    return lines + list(extra)


def frame(opcode, payload=b"", fin=True, mask=True, rsv=0):
    if isinstance(payload, str):
        payload = payload.encode()
    head = bytes([(0x80 if fin else 0) | rsv | opcode])
    n = len(payload)
    mask_bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mask_bit | n])
    elif n < 65536:
        head += bytes([mask_bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mask_bit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class RawWs:
    """An upgraded connection with frame-level send and receive."""

    def __init__(self, port, protocol="sip", **kw):
        status, self.headers, self.sock = http_request(
            port, upgrade_lines(protocol=protocol, **kw))
        if status != 101:
            raise RuntimeError(f"upgrade refused with {status}")
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed by server")
            self.buf += chunk

    def recv_frame(self, timeout=5):
        """(fin, opcode, payload) of the next server frame."""
        self.sock.settimeout(timeout)
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        assert b1 & 0x80 == 0, "server frames must not be masked"
        n, pos = b1 & 0x7F, 2
        if n == 126:
            self._need(4)
            n, pos = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10)
            n, pos = struct.unpack("!Q", self.buf[2:10])[0], 10
        self._need(pos + n)
        payload = self.buf[pos:pos + n]
        self.buf = self.buf[pos + n:]
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def recv_close(self, timeout=5):
        """Status code and reason of the server's close frame, skipping
        pings; then the TCP connection must end."""
        while True:
            fin, opcode, payload = self.recv_frame(timeout)
            if opcode == 0x8:
                break
        code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        return code, payload[2:].decode(errors="replace")

    def closed_by_server(self, timeout=5):
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(4096):
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()
