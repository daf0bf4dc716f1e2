# SPDX-License-Identifier: GPL-2.0-or-later
"""Real processes for integration tests: started on loopback with free ports,
stopped by pid, their logs kept so a failed test can print them."""

import os
import random
import signal
import socket
import subprocess
import time

# Every process a test started, so the failure hook can print their logs.
STARTED = []


def port_is_free(port, kinds=(socket.SOCK_DGRAM, socket.SOCK_STREAM)):
    for kind in kinds:
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True


_handed_out = set()


# Single ports and blocks come from ranges of their own: single ports handed
# out over a long run scatter, and in a shared range they would leave no gap
# wide enough for the next rtpengine's block. Both stay below the kernel's
# ephemeral range (32768-60999 here), where any program's outgoing socket
# (a browser's ICE candidates, a client's connection) may take a port
# between our check and the server's bind.
SINGLE_PORTS = (10000, 19999)
BLOCK_PORTS = (20000, 32767)
# ports browsers refuse to load a page from (Chromium's and Firefox's
# restricted list, net::ERR_UNSAFE_PORT) that fall in SINGLE_PORTS: an
# HTTP port drawn there failed the browser tests
BROWSER_UNSAFE_PORTS = {10080}


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (SIP listens on both)."""
    for _ in range(500):
        port = random.randint(*SINGLE_PORTS)
        if port in BROWSER_UNSAFE_PORTS:
            continue
        if port not in _handed_out and port_is_free(port):
            _handed_out.add(port)
            return port
    raise RuntimeError("no free port found")


def free_port_range(size, lo=BLOCK_PORTS[0], hi=BLOCK_PORTS[1]):
    """A block of `size` consecutive UDP ports on 127.0.0.1, free now and
    not handed out before, starting at an even port in [lo, hi - size]
    (rtpengine and the mixers use even/odd pairs). The range is walked from
    a random start, skipping past whatever is taken: single ports handed out
    earlier scatter over the range, and random draws of a block keep hitting
    one of them once a long run has started many servers."""
    span = hi - size - lo
    if span <= 0:
        raise ValueError(f"no room for {size} ports in {lo}-{hi}")
    base = lo + random.randrange(0, span, 2)
    walked = 0
    while walked <= span + size:
        if base + size > hi:
            walked += hi - base
            base = lo
        block = range(base, base + size)
        busy = next((p for p in block if p in _handed_out
                     or not port_is_free(p, (socket.SOCK_DGRAM,))), None)
        if busy is None:
            _handed_out.update(block)
            return base, base + size - 1
        step = (busy + 2 - busy % 2) - base   # past it, to the next even port
        walked += step
        base += step
    raise RuntimeError(f"no free block of {size} ports in {lo}-{hi}")


def release_port_range(lo, hi):
    """Give a block of free_port_range() back once its user has stopped."""
    _handed_out.difference_update(range(lo, hi + 1))


class Process:
    """One child process with its output in a log file."""

    def __init__(self, name, argv, log_path, env=None, cwd=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                     start_new_session=True)
        self.pid = self.proc.pid
        STARTED.append(self)

    def alive(self):
        return self.proc.poll() is None

    def wait(self, timeout):
        return self.proc.wait(timeout=timeout)

    def stop(self, timeout=5):
        """SIGTERM, then SIGKILL if it does not exit; the whole process group,
        because kamailio forks its workers."""
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=timeout)
        else:
            # workers of a dead kamailio main process may linger
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._log.close()
        return self.proc.returncode

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


def wait_until(predicate, timeout, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
