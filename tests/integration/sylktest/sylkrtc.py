# SPDX-License-Identifier: GPL-2.0-or-later
"""A small synchronous sylkRTC client for tests, on python3-websockets.

The WebSocket runs in an asyncio loop on a background thread; every frame
the server sends lands, in arrival order, in a thread-safe inbox. The test
thread then reads that inbox synchronously:

    with SylkRtcClient(server.http_port, version=2) as c:
        c.expect_ack("account-add", account="alice@sylk.test", password=ha1("alice"))
        c.expect_ack("account-register", account="alice@sylk.test")
        c.wait_registration("alice@sylk.test", "registered")

`request()` sends one request under a fresh transaction and returns the ack
or error carrying that transaction; everything else received meanwhile is
kept as a pending event for `wait_event()` / `events()`.

The two protocol versions spell events differently (sylkRTC-1: underscored
names, payload inside "data"; sylkRTC-2: hyphenated names, flat payload).
`flat()` turns either into the sylkRTC-2 spelling, and the wait helpers
match on that, so one test body can run against both versions. Requests and
their replies (ack / error) are spelled the same in both versions.
"""

import asyncio
import hashlib
import json
import queue
import socket
import struct
import threading
import time
import uuid

import websockets

from .server import DEMO_ACCOUNTS, SIP_DOMAIN

WS_PATH = "/webrtcgateway/ws"
SUBPROTOCOLS = {1: "sylkRTC-1", 2: "sylkRTC-2"}
TIMEOUT = 5.0

# the one-per-connection greeting, exactly as each version sends it
READY = {1: {"sylkrtc": "event", "event": "ready"}, 2: {"sylkrtc": "ready-event"}}


def ha1(user, password=None, realm=SIP_DOMAIN):
    """md5("user:realm:password"): what account-add carries as "password".
    Without a password, the demo account's own."""
    if password is None:
        password = DEMO_ACCOUNTS[user]
    return hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()


def aor(user, domain=SIP_DOMAIN):
    return f"{user}@{domain}"


class ConnectionClosed(Exception):
    """The server closed the WebSocket while the test was waiting."""


_CLOSED = object()


class SylkRtcClient:
    """One sylkRTC WebSocket connection. `version` picks the subprotocol;
    `subprotocols` overrides the offered list entirely. With `wait_ready`
    the constructor consumes the greeting and checks it is the exact one."""

    def __init__(self, port, version=2, *, host="127.0.0.1", origin=None,
                 subprotocols=None, wait_ready=True, timeout=TIMEOUT, rcvbuf=None):
        self.version = version
        self.timeout = timeout
        self.url = f"ws://{host}:{port}{WS_PATH}"
        self.received = []      # every message, parsed, in arrival order
        self._arrived = {}      # id(message) -> monotonic time its frame arrived
        self._pending = []      # received but not yet consumed by a test
        self._inbox = queue.Queue()
        self.close_code = None
        self.close_reason = None
        sock = None
        if rcvbuf:
            # before connecting: the window the client offers stays that small
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.settimeout(timeout)
            sock.connect((host, port))
            sock.setblocking(False)

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="sylkrtc-client")
        self._thread.start()
        offered = subprotocols if subprotocols is not None else [SUBPROTOCOLS[version]]

        async def open_connection():
            return await websockets.connect(
                self.url, subprotocols=offered, origin=origin, open_timeout=timeout,
                ping_interval=None, max_size=None, sock=sock)
        try:
            self.ws = self._run(open_connection(), timeout + 1)
        except BaseException:
            self._stop_loop()
            raise
        self.subprotocol = self.ws.subprotocol
        self.local_port = self.ws.local_address[1]
        asyncio.run_coroutine_threadsafe(self._reader(), self._loop)
        if wait_ready:
            greeting = self.next_message()
            assert greeting == READY[version], f"greeting was {greeting!r}"

    # ---- plumbing ------------------------------------------------------------

    def _run(self, coro, timeout=None):
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout if timeout is not None else self.timeout)

    async def _reader(self):
        try:
            async for frame in self.ws:
                self._inbox.put((time.monotonic(), frame))
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self.close_reason = self.ws.close_reason
            self._inbox.put(_CLOSED)

    def _stop_loop(self):
        if self._loop.is_closed():
            return

        async def cancel_tasks():
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        try:
            self._run(cancel_tasks(), 5)
        except Exception:
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        if not self._loop.is_running():
            self._loop.close()

    def _take(self, deadline):
        """The next message from the inbox, parsed; None on timeout."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            item = self._inbox.get(timeout=remaining)
        except queue.Empty:
            return None
        if item is _CLOSED:
            self._inbox.put(_CLOSED)    # every later read sees it too
            raise ConnectionClosed(f"server closed the connection "
                                   f"(code {self.close_code}, {self.close_reason!r}); "
                                   f"unconsumed: {self._pending!r}")
        arrived, frame = item
        assert isinstance(frame, str), f"server sent a binary frame: {frame!r}"
        try:
            message = json.loads(frame)
        except ValueError:
            raise AssertionError(f"server sent a frame that is not JSON: {frame!r}")
        assert isinstance(message, dict), f"server sent a non-object: {frame!r}"
        self.received.append(message)
        self._arrived[id(message)] = arrived
        return message

    def arrival_time(self, message):
        """time.monotonic() when the frame of a received message arrived,
        which is earlier than when a test took it if it waited meanwhile."""
        return self._arrived[id(message)]

    # ---- sending ---------------------------------------------------------------

    def send_raw(self, text):
        """Send one text frame as is (for malformed input)."""
        self._run(self.ws.send(text))

    def send(self, message):
        self.send_raw(json.dumps(message))

    def request(self, sylkrtc, /, timeout=None, **fields):
        """Send a request and return its reply (ack or error) as a dict.
        A fresh transaction is used unless `transaction` is given. Other
        messages that arrive first are kept as pending events; those that
        arrived between sending and the reply are in `self.before_reply`."""
        transaction = fields.pop("transaction", None) or str(uuid.uuid4())
        self.send({"sylkrtc": sylkrtc, "transaction": transaction, **fields})
        return self.reply_to(transaction, timeout)

    def reply_to(self, transaction, timeout=None):
        """Wait for the ack/error carrying `transaction` (see request())."""
        deadline = time.monotonic() + (timeout or self.timeout)
        self.before_reply = []
        while True:
            message = self._take(deadline)
            if message is None:
                raise TimeoutError(f"no reply to transaction {transaction}; "
                                   f"received meanwhile: {self.before_reply!r}")
            if (message.get("sylkrtc") in ("ack", "error")
                    and message.get("transaction") == transaction):
                return message
            self.before_reply.append(message)
            self._pending.append(message)

    def expect_ack(self, sylkrtc, /, **fields):
        """request() that must be acked; returns the messages that arrived
        between the request and its ack (the events it caused)."""
        reply = self.request(sylkrtc, **fields)
        assert reply == {"sylkrtc": "ack", "transaction": reply.get("transaction")}, \
            f"{sylkrtc} {fields!r} got {reply!r}"
        return list(self.before_reply)

    def expect_error(self, sylkrtc, /, **fields):
        """request() that must be refused; returns the error text, after
        checking the reply has exactly the keys an error reply has."""
        reply = self.request(sylkrtc, **fields)
        assert reply.get("sylkrtc") == "error", f"{sylkrtc} {fields!r} got {reply!r}"
        assert set(reply) == {"sylkrtc", "transaction", "error"}, reply
        assert isinstance(reply["error"], str) and reply["error"], reply
        return reply["error"]

    def ping(self):
        """A ping must be acked: proves the connection still works."""
        self.expect_ack("ping")

    # ---- receiving ---------------------------------------------------------------

    def next_message(self, timeout=None):
        """The oldest message not yet consumed, whatever it is."""
        if self._pending:
            return self._pending.pop(0)
        message = self._take(time.monotonic() + (timeout or self.timeout))
        if message is None:
            raise TimeoutError(f"no message within {timeout or self.timeout}s")
        return message

    def flat(self, message):
        """A message in sylkRTC-2 spelling (identity for version 2)."""
        if self.version != 1:
            return dict(message)
        if message == READY[1]:
            return dict(READY[2])
        out = {}
        for key, value in message.items():
            if key == "data" and isinstance(value, dict):
                out.update(value)
            elif key in ("sylkrtc", "event") and isinstance(value, str):
                out[key] = value.replace("_", "-")
            else:
                out[key] = value
        return out

    def _drain(self):
        while True:
            try:
                message = self._take(time.monotonic() + 0.001)
            except ConnectionClosed:
                return
            if message is None:
                return
            self._pending.append(message)

    def events(self, settle=0.0):
        """Pending (unconsumed) messages, after waiting `settle` seconds for
        stragglers; they stay pending."""
        if settle:
            time.sleep(settle)
        self._drain()
        return list(self._pending)

    def wait_event(self, predicate, timeout=None, raw=False):
        """Consume and return the first pending or future message for which
        predicate(flat(message)) is true. Returns the flat form unless
        `raw`. Non-matching messages stay pending."""
        for i, message in enumerate(self._pending):
            if predicate(self.flat(message)):
                del self._pending[i]
                return message if raw else self.flat(message)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            message = self._take(deadline)
            if message is None:
                raise TimeoutError(f"no matching event within {timeout or self.timeout}s; "
                                   f"pending: {self._pending!r}")
            if predicate(self.flat(message)):
                return message if raw else self.flat(message)
            self._pending.append(message)

    # ---- event helpers (both versions) -----------------------------------------

    @staticmethod
    def is_registration(event, account, state=None):
        return (event.get("sylkrtc") == "account-event"
                and event.get("event") == "registration-state"
                and event.get("account") == account
                and (state is None or event.get("state") == state))

    @staticmethod
    def is_session_state(event, session, state=None):
        return (event.get("sylkrtc") == "session-event"
                and event.get("event") == "state"
                and event.get("session") == session
                and (state is None or event.get("state") == state))

    @staticmethod
    def is_incoming_session(event, account=None):
        return (event.get("sylkrtc") == "account-event"
                and event.get("event") == "incoming-session"
                and (account is None or event.get("account") == account))

    def wait_registration(self, account, state, timeout=None):
        """The next registration-state event of `account` in `state`.
        "registering" may come first; any other state fails at once."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            left = max(deadline - time.monotonic(), 0.001)
            event = self.wait_event(lambda e: self.is_registration(e, account), left)
            if event["state"] == state:
                return event
            assert event["state"] == "registering", \
                f"{account} went {event['state']!r} while waiting for {state!r}: {event!r}"

    def wait_session_state(self, session, state, timeout=None):
        """The next state event of `session` in `state`; a "terminated"
        event (when waiting for another state) fails at once."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            left = max(deadline - time.monotonic(), 0.001)
            event = self.wait_event(lambda e: self.is_session_state(e, session), left)
            if event["state"] == state:
                return event
            assert event["state"] != "terminated", \
                f"session {session} terminated while waiting for {state!r}: {event!r}"

    def wait_incoming_session(self, account, timeout=None):
        return self.wait_event(lambda e: self.is_incoming_session(e, account), timeout)

    # ---- accounts --------------------------------------------------------------

    def add_account(self, user, password=None, domain=SIP_DOMAIN, **fields):
        """account-add with the demo account's HA1 (or one made from
        `password`); returns the AOR."""
        account = aor(user, domain)
        self.expect_ack("account-add", account=account,
                        password=ha1(user, password), **fields)
        return account

    def register(self, user, password=None):
        """account-add + account-register, then wait until registered."""
        account = self.add_account(user, password)
        self.expect_ack("account-register", account=account)
        self.wait_registration(account, "registered")
        return account

    # ---- flow control ----------------------------------------------------------

    def pause_reading(self):
        """Stop taking data off the socket, as a backgrounded app or a
        stalled link does (with a small `rcvbuf` the server's writes soon
        find the connection full and queue)."""
        self._loop.call_soon_threadsafe(self.ws.transport.pause_reading)

    def resume_reading(self):
        self._loop.call_soon_threadsafe(self.ws.transport.resume_reading)

    # ---- closing ---------------------------------------------------------------

    def close(self):
        """Clean WebSocket close (close frame, then TCP close)."""
        if not self._loop.is_closed():
            try:
                self._run(self.ws.close(), self.timeout + 1)
            except Exception:
                pass
            self._stop_loop()

    def abort(self, reset=False):
        """Drop the TCP connection without a close frame; with `reset`,
        send an RST instead of a FIN."""
        if self._loop.is_closed():
            return

        def drop():
            transport = self.ws.transport
            if reset:
                sock = transport.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        self._loop.call_soon_threadsafe(drop)
        time.sleep(0.05)
        self._stop_loop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FailoverClient:
    """A sylkRTC client given several servers (the nodes of a cluster), as
    the demo app is: when its connection drops it connects to the next one
    in turn and registers its accounts there again. Everything else is the
    current SylkRtcClient's."""

    def __init__(self, ports, version=2, timeout=TIMEOUT):
        self.ports = list(ports)
        self.index = 0
        self.users = []
        self.version = version
        self.timeout = timeout
        self.client = SylkRtcClient(self.ports[0], version, timeout=timeout)

    def __getattr__(self, name):
        return getattr(self.client, name)

    def register(self, user, password=None):
        account = self.client.register(user, password)
        self.users.append((user, password))
        return account

    def _next_server(self, deadline):
        try:
            self.client.close()
        except Exception:
            pass
        while True:
            self.index = (self.index + 1) % len(self.ports)
            try:
                self.client = SylkRtcClient(self.ports[self.index], self.version,
                                            timeout=self.timeout)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1 if self.index == 0 else 0)
        for user, password in self.users:
            self.client.register(user, password)

    def wait_failover(self, timeout=20):
        """Waits until the connection drops, then moves to the next server
        and registers again there; returns the port now in use."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.client._take(min(deadline, time.monotonic() + 0.5))
        except ConnectionClosed:
            self._next_server(deadline)
            return self.ports[self.index]
        raise TimeoutError(f"the connection to port {self.ports[self.index]} did not drop")

    def close(self):
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---- SDP ---------------------------------------------------------------------

FINGERPRINT = ":".join(f"{b:02X}" for b in hashlib.sha256(b"sylktest").digest())

# What a browser offers for an audio call (no trickle needed: one host
# candidate inline, so rtpengine knows where to send).
WEBRTC_OFFER = "\r\n".join([
    "v=0",
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0",
    "a=msid-semantic: WMS",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8",
    "c=IN IP4 0.0.0.0",
    "a=rtcp:9 IN IP4 0.0.0.0",
    "a=candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host generation 0",
    "a=ice-ufrag:sylk",
    "a=ice-pwd:sylktestsylktestsylktest",
    "a=ice-options:trickle",
    f"a=fingerprint:sha-256 {FINGERPRINT}",
    "a=setup:actpass",
    "a=mid:0",
    "a=sendrecv",
    "a=rtcp-mux",
    "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "",
])


def webrtc_answer(offer, port=40002):
    """A browser-style answer to `offer` (an SDP the gateway sent in an
    incoming-session event): every m-line accepted with its first codec."""
    lines = [line for line in offer.replace("\r\n", "\n").split("\n") if line]
    answer = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0"]
    media = []
    for line in lines:
        if line.startswith("m="):
            media.append({"m": line, "attrs": []})
        elif media and line.startswith("a="):
            media[-1]["attrs"].append(line)
    for i, m in enumerate(media):
        kind, _, proto, *formats = m["m"][2:].split()
        pt = formats[0]
        answer += [f"m={kind} {port + 2 * i} {proto} {pt}", "c=IN IP4 127.0.0.1",
                   f"a=candidate:1 1 udp 2122260223 127.0.0.1 {port + 2 * i} typ host"]
        answer += [a for a in m["attrs"] if a.startswith("a=mid:")]
        answer += [a for a in m["attrs"]
                   if a.startswith((f"a=rtpmap:{pt} ", f"a=fmtp:{pt} "))]
        answer += ["a=ice-ufrag:ansr", "a=ice-pwd:answeransweransweranswer",
                   f"a=fingerprint:sha-256 {FINGERPRINT}", "a=setup:active",
                   "a=sendrecv", "a=rtcp-mux"]
    return "\r\n".join(answer + [""])
