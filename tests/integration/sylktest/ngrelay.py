# SPDX-License-Identifier: GPL-2.0-or-later
"""A UDP relay for rtpengine's ng protocol that can hold back replies.

Kamailio's rtpengine_sock points at the relay, the relay forwards every
request to the real rtpengine and every reply back. Replies to requests
whose call-id contains one of the strings given to delay() are sent back
only after that many seconds (in a timer, so every other reply still goes
straight through): one slow rtpengine call, as a loaded or distant
rtpengine would give."""

import re
import socket
import threading
import time

from .processes import free_port

CALL_ID_RE = re.compile(rb"7:call-id(\d+):")


def call_id_of(payload):
    """The call-id of a bencoded ng request (None when it has none)."""
    m = CALL_ID_RE.search(payload)
    if not m:
        return None
    start = m.end()
    return payload[start:start + int(m.group(1))].decode("utf-8", "replace")


class NgRelay:
    def __init__(self, rtpengine_port):
        self.target = ("127.0.0.1", rtpengine_port)
        self.port = free_port()
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", self.port))
        self.front.settimeout(0.1)
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind(("127.0.0.1", 0))
        self.back.settimeout(0.1)
        self._lock = threading.Lock()
        self._pending = {}      # cookie -> (client address, delay seconds, call-id)
        self._delays = {}       # call-id substring -> seconds
        self.requests = []      # (time.monotonic(), cookie, call-id)
        self.delayed = []       # (time.monotonic(), call-id) of every reply held back
        self._timers = []
        self._running = True
        self._threads = [threading.Thread(target=fn, daemon=True, name=f"ngrelay-{fn.__name__}")
                         for fn in (self._requests_loop, self._replies_loop)]
        for t in self._threads:
            t.start()

    @property
    def sock(self):
        """The value for rtpengine_sock."""
        return f"udp:127.0.0.1:{self.port}"

    def delay(self, call_id_part, seconds):
        with self._lock:
            self._delays[call_id_part] = seconds

    def clear_delays(self):
        with self._lock:
            self._delays.clear()

    def _requests_loop(self):
        while self._running:
            try:
                data, addr = self.front.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            cookie, _, payload = data.partition(b" ")
            cid = call_id_of(payload)
            with self._lock:
                delay = next((s for part, s in self._delays.items() if cid and part in cid), 0)
                self._pending[cookie] = (addr, delay, cid)
                self.requests.append((time.monotonic(), cookie, cid))
            try:
                self.back.sendto(data, self.target)
            except OSError:
                pass

    def _send_back(self, data, addr):
        try:
            self.front.sendto(data, addr)
        except OSError:
            pass

    def _replies_loop(self):
        while self._running:
            try:
                data, _ = self.back.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            cookie = data.partition(b" ")[0]
            with self._lock:
                entry = self._pending.get(cookie)
            if entry is None:
                continue
            addr, delay, cid = entry
            if delay:
                with self._lock:
                    self.delayed.append((time.monotonic(), cid))
                t = threading.Timer(delay, self._send_back, (data, addr))
                t.daemon = True
                self._timers.append(t)
                t.start()
            else:
                self._send_back(data, addr)

    def close(self):
        self._running = False
        for t in self._timers:
            t.cancel()
        for t in self._threads:
            t.join(2)
        self.front.close()
        self.back.close()
