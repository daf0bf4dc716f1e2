# SPDX-License-Identifier: GPL-2.0-or-later
"""Headless Chromium pages of tests/web/sylkrtc-call.html, several in one
browser process, driven through tests/js/browser_pages.js.

    with Browser(workdir) as browser:
        alice = browser.open("alice", server.ws_url, "alice")   # registered, mode=idle
        bob = browser.open("bob", server.ws_url, "bob")
        mark = bob.mark()
        alice.call("bob@sylk.test")
        bob.wait_state("incoming", since=mark)
        bob.answer()

Every page event (see the page's header) lands in `page.events`, in
arrival order, with a `page_event` key naming it ("state", "recv",
"pc-state", ...). `mark()` is an index into that list: waits look only at
events from there on, so one page can carry several calls in turn."""

import json
import os
import subprocess
import threading
import time

from . import processes
from .server import SIP_DOMAIN, TOP
from .sylkrtc import ha1

DRIVER = os.path.join(TOP, "tests", "js", "browser_pages.js")


class BrowserError(AssertionError):
    pass


class Page:
    def __init__(self, browser, name, account):
        self.browser = browser
        self.name = name
        self.account = account
        self.events = []

    # ---- events ----------------------------------------------------------------

    def mark(self):
        with self.browser._cond:
            return len(self.events)

    def wait_event(self, predicate, timeout=15, since=0, what="event"):
        """The first event at index >= since matching predicate."""
        deadline = time.monotonic() + timeout
        with self.browser._cond:
            while True:
                for e in self.events[since:]:
                    if predicate(e):
                        return e
                left = deadline - time.monotonic()
                if left <= 0 or not self.browser.alive():
                    raise BrowserError(f"page {self.name}: no {what} within {timeout}s; "
                                       f"events since {since}:\n{self.describe(since)}")
                self.browser._cond.wait(min(left, 0.5))

    def wait_state(self, state, timeout=15, since=0, fail_on=("failed",)):
        """The page's own state event `state`; a state in fail_on first
        fails at once (with everything the page saw)."""
        def match(e):
            if e.get("page_event") != "state":
                return False
            if e.get("state") in fail_on and state not in fail_on:
                raise BrowserError(f"page {self.name} went {e['state']} ({e.get('reason')}) "
                                   f"while waiting for {state}:\n{self.describe(since)}")
            return e.get("state") == state
        return self.wait_event(match, timeout, since, what=f"state {state}")

    def wait_server_state(self, state, timeout=15, since=0, session=None):
        """The server's session-event of `state` (raw, as the page got it)."""
        return self.wait_event(
            lambda e: (e.get("page_event") == "recv" and e.get("sylkrtc") == "session-event"
                       and e.get("what") == "state" and e.get("state") == state
                       and (session is None or e.get("session") == session)),
            timeout, since, what=f"server session state {state}")

    def server_states(self, since=0, session=None):
        return [e for e in self.events[since:]
                if e.get("page_event") == "recv" and e.get("sylkrtc") == "session-event"
                and e.get("what") == "state"
                and (session is None or e.get("session") == session)]

    def describe(self, since=0, limit=60):
        lines = []
        for e in self.events[since:][-limit:]:
            e = dict(e)
            if "sdp" in e:
                sdp = e["sdp"] or ""
                e["sdp"] = (f"<{len(sdp)} bytes, fingerprint={'a=fingerprint' in sdp}, "
                            f"setup={'a=setup' in sdp}, rtcp-mux={'a=rtcp-mux' in sdp}>")
            lines.append(json.dumps(e))
        return "\n".join(lines)

    # ---- actions -----------------------------------------------------------------

    def eval(self, expr, timeout=20):
        return self.browser.command("eval", page=self.name, expr=expr, timeout=timeout)

    def call(self, uri, video=False):
        """Place a call; returns the session id (the create was acked)."""
        r = self.eval(f"window.sylkCall({json.dumps(uri)}, {{video: {json.dumps(video)}}})")
        if not r or "error" in r:
            raise BrowserError(f"page {self.name}: call to {uri} refused: {r}\n{self.describe()}")
        return r["session"]

    def call_async(self, uri, video=False):
        """Start placing a call; the returned function waits for the result."""
        return self.browser.command_async(
            "eval", page=self.name,
            expr=f"window.sylkCall({json.dumps(uri)}, {{video: {json.dumps(video)}}})")

    def answer(self):
        r = self.eval("window.sylkAnswer()")
        if not r or "error" in r:
            raise BrowserError(f"page {self.name}: answer failed: {r}\n{self.describe()}")
        return r["session"]

    def hangup(self):
        return self.eval("window.sylkHangup()")

    def request(self, obj):
        return self.eval(f"window.sylkRequest({json.dumps(obj)})")

    def stats(self):
        return self.eval("window.sylkStats()")

    def wait_bytes_grow(self, key="bytesReceived", minimum=1000, timeout=10):
        """getStats() `key` reaches `minimum` and keeps growing; returns the
        samples."""
        deadline = time.monotonic() + timeout
        samples = []
        while time.monotonic() < deadline:
            s = self.stats()
            samples.append(s.get(key) or 0)
            if len(samples) >= 2 and samples[-1] >= minimum and samples[-1] > samples[-2]:
                return samples
            time.sleep(0.25)
        raise BrowserError(f"page {self.name}: {key} did not grow past {minimum} in {timeout}s: "
                           f"{samples}; last stats {s}\n{self.describe()}")

    def close(self):
        return self.browser.command("close", page=self.name)


class Browser:
    """One Chromium process with named pages."""

    def __init__(self, workdir, fake_audio=None):
        self.name = "chromium"
        self.log_path = os.path.join(workdir, "browser_pages.log")
        self._log = open(self.log_path, "w")
        argv = ["node", DRIVER]
        if fake_audio:
            argv += ["--fake-audio", fake_audio]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._log, text=True, bufsize=1,
                                     start_new_session=True)
        self.pid = self.proc.pid
        processes.STARTED.append(self)
        self.pages = {}
        self._cond = threading.Condition()
        self._replies = {}
        self._next_id = 0
        self._launched = None
        self._reader = threading.Thread(target=self._read, daemon=True, name="browser-pages")
        self._reader.start()
        with self._cond:
            deadline = time.monotonic() + 30
            while self._launched is None:
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive():
                    raise BrowserError("Chromium did not start:\n" + self.log()[-3000:])
                self._cond.wait(min(left, 0.5))

    # ---- process plumbing (the failure hook prints log()) ----------------------

    def alive(self):
        return self.proc.poll() is None

    def log(self):
        self._log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def _read(self):
        for line in self.proc.stdout:
            self._log.write(line)
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            with self._cond:
                kind = msg.get("event")
                if kind == "launched":
                    self._launched = msg
                elif kind == "reply":
                    self._replies[msg.get("id")] = msg
                elif msg.get("page") in self.pages:
                    self.pages[msg["page"]].events.append(msg)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def command_async(self, cmd, timeout=20, **fields):
        with self._cond:
            self._next_id += 1
            cid = self._next_id
        self.proc.stdin.write(json.dumps(dict(fields, id=cid, cmd=cmd)) + "\n")
        self.proc.stdin.flush()

        def result():
            deadline = time.monotonic() + timeout
            with self._cond:
                while cid not in self._replies:
                    left = deadline - time.monotonic()
                    if left <= 0 or not self.alive():
                        raise BrowserError(f"no reply to {cmd} {fields} within {timeout}s")
                    self._cond.wait(min(left, 0.5))
                reply = self._replies.pop(cid)
            if not reply["ok"]:
                raise BrowserError(f"{cmd} {fields} failed: {reply['error']}")
            return reply["value"]
        return result

    def command(self, cmd, timeout=20, **fields):
        return self.command_async(cmd, timeout, **fields)()

    # ---- pages ---------------------------------------------------------------------

    def open(self, name, ws_url, user, mode="idle", video=False, register=True, timeout=20):
        """A page with `user`'s demo account added (and registered)."""
        account = f"{user}@{SIP_DOMAIN}"
        page = Page(self, name, account)
        with self._cond:
            self.pages[name] = page
        self.command("open", page=name, timeout=timeout,
                     query={"ws": ws_url, "account": account, "ha1": ha1(user), "mode": mode,
                            "video": "1" if video else "0", "register": "1" if register else "0"})
        if register:
            page.wait_state("registered", timeout=timeout)
        else:
            page.wait_event(lambda e: e.get("page_event") == "account-added", timeout,
                            what="account-added")
        return page

    def close(self):
        if self.alive():
            try:
                self.command("quit", timeout=5)
            except (BrowserError, OSError):
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.stop()
        self._log.flush()

    def stop(self):
        if self.alive():
            import signal
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        self.stop()
