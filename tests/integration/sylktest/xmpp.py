# SPDX-License-Identifier: GPL-2.0-or-later
"""Prosody on free loopback ports with the gateway as its component, and
slixmpp clients driven from the tests (each in its own asyncio thread)."""

import asyncio
import os
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import threading

from .processes import Process, free_port, wait_until

XMPP_DOMAIN = "xmpp.sylk.test"

CONFIG = """
daemonize = false
run_as_root = true
pidfile = "{dir}/prosody.pid"
data_path = "{dir}/data"
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {c2s} }}
component_ports = {{ {component} }}
component_interfaces = {{ "127.0.0.1" }}
http_ports = {{ }}
https_ports = {{ }}
modules_enabled = {{ "roster", "saslauth", "disco", "ping", "posix" }}
modules_disabled = {{ "s2s", "tls" }}
authentication = "internal_hashed"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
log = {{ info = "{dir}/prosody.log", error = "*stderr" }}
VirtualHost "{xmpp_domain}"
Component "{sip_domain}"
    component_secret = "{secret}"
Component "conference.{sip_domain}"
    component_secret = "{secret}"
"""


class Prosody:
    def __init__(self, workdir, sip_domain, users=()):
        self.dir = os.path.join(workdir, "prosody")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(os.path.join(self.dir, "data"))
        self.c2s_port = free_port()
        self.component_port = free_port()
        self.secret = secrets.token_hex(16)
        self.secret_file = os.path.join(self.dir, "component.secret")
        with open(self.secret_file, "w") as f:
            f.write(self.secret + "\n")
        self.config = os.path.join(self.dir, "prosody.cfg.lua")
        with open(self.config, "w") as f:
            f.write(CONFIG.format(dir=self.dir, c2s=self.c2s_port,
                                  component=self.component_port, xmpp_domain=XMPP_DOMAIN,
                                  sip_domain=sip_domain, secret=self.secret))
        for user in users:
            subprocess.run(["prosodyctl", "--config", self.config, "register", user,
                            XMPP_DOMAIN, user + "-pw"], check=True, capture_output=True)
        self.process = None
        self.start()

    def start(self):
        self.process = Process("prosody", ["/usr/bin/prosody", "-F", "--config", self.config],
                               os.path.join(self.dir, "prosody.out"))
        wait_until(self._listening, 10, what="prosody component port")

    def _listening(self):
        if not self.process.alive():
            raise RuntimeError("prosody exited:\n" + self.process.log())
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.component_port)) == 0

    def kill(self):
        """SIGKILL: no stream close, the gateway sees the connection drop."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.proc.wait(timeout=5)
        self.process.stop()

    def stop(self):
        if self.process and self.process.alive():
            self.process.stop(timeout=5)

    def log(self):
        try:
            with open(os.path.join(self.dir, "prosody.log")) as f:
                return f.read()
        except OSError:
            return ""


class XmppClient:
    """A slixmpp client with receipts (XEP-0184) on; received <message/>s
    (chat, errors, receipts) are put on self.messages as dicts."""

    def __init__(self, prosody, user, timeout=10, resource="test"):
        """`resource` tells one device of the user from another."""
        import slixmpp
        self.jid = f"{user}@{XMPP_DOMAIN}"
        self.messages = queue.Queue()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        asyncio.set_event_loop(self.loop)
        full = f"{self.jid}/{resource}"
        self.client = slixmpp.ClientXMPP(full, user + "-pw", loop=self.loop) \
            if "loop" in slixmpp.ClientXMPP.__init__.__code__.co_varnames \
            else slixmpp.ClientXMPP(full, user + "-pw")
        self.client.register_plugin("xep_0184")
        self.client.plugin["xep_0184"].auto_ack = True
        self.client.plugin["xep_0184"].auto_request = False
        self.client["feature_mechanisms"].unencrypted_plain = True

        async def session_start(_event):
            await self.client.get_roster()
            self.client.send_presence()
            ready.set()

        self.client.add_event_handler("session_start", session_start)
        self.client.add_event_handler("message", self._message)
        self.client.add_event_handler("message_error", self._message)
        self.client.add_event_handler("receipt_received", self._receipt)
        self.presences = queue.Queue()
        # an available presence with a <show/> comes as presence_away,
        # presence_dnd ... (slixmpp names the event by the show)
        for ev in ("presence_available", "presence_unavailable", "presence_subscribed",
                   "presence_unsubscribed", "presence_subscribe", "presence_unsubscribe",
                   "presence_error", "presence_away", "presence_dnd", "presence_xa",
                   "presence_chat"):
            self.client.add_event_handler(ev, self._presence)
        self.client.connect(("127.0.0.1", prosody.c2s_port), disable_starttls=True,
                            force_starttls=False)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        if not ready.wait(timeout):
            raise RuntimeError(f"{self.jid}: no XMPP session")

    def _message(self, msg):
        body = msg["body"]
        err = msg["error"]["condition"] if msg["type"] == "error" else None
        self.messages.put({"from": str(msg["from"]), "to": str(msg["to"]), "id": msg["id"],
                           "type": msg["type"], "body": body, "error": err,
                           "xml": str(msg)})

    def _presence(self, p):
        self.presences.put({"from": str(p["from"]), "to": str(p["to"]),
                            "type": p["type"], "show": p["show"], "status": p["status"],
                            "xml": str(p)})

    def wait_presence(self, predicate, timeout=10):
        """The next <presence/> received that matches (dicts: from, type
        'available'/'unavailable'/'subscribed'/..., or the show of an
        available one: 'away', 'dnd', 'xa', 'chat'; show, status, xml)."""
        return self._wait(self.presences, predicate, timeout)

    def _receipt(self, msg):
        self.messages.put({"from": str(msg["from"]), "receipt": msg["receipt"],
                           "xml": str(msg)})

    def call(self, fn):
        """Run fn() in the client's loop, wait for it."""
        done = queue.Queue()

        def run():
            try:
                done.put((True, fn()))
            except Exception as e:  # noqa: BLE001
                done.put((False, e))
        self.loop.call_soon_threadsafe(run)
        ok, value = done.get(timeout=10)
        if not ok:
            raise value
        return value

    def send(self, to, body, msg_id=None, receipt=True):
        def build():
            m = self.client.make_message(mto=to, mbody=body, mtype="chat")
            if msg_id:
                m["id"] = msg_id
            if receipt:
                m["request_receipt"] = True
            m.send()
            return m["id"]
        return self.call(build)

    def send_raw(self, xml):
        self.call(lambda: self.client.send_raw(xml))

    def wait(self, predicate, timeout=10):
        return self._wait(self.messages, predicate, timeout)

    def _wait(self, q, predicate, timeout):
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        seen = []
        try:
            while not deadline.is_set():
                try:
                    m = q.get(timeout=0.1)
                except queue.Empty:
                    continue
                seen.append(m)
                if predicate(m):
                    return m
        finally:
            timer.cancel()
        raise AssertionError(f"{self.jid}: no matching stanza in {timeout}s; got {seen}")

    def close(self):
        gone = threading.Event()
        self.client.add_event_handler("disconnected", lambda _e: gone.set())
        try:
            self.call(lambda: self.client.disconnect())
        except Exception:  # noqa: BLE001
            pass
        gone.wait(3)

        async def cancel_tasks():
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.loop.stop()
        asyncio.run_coroutine_threadsafe(cancel_tasks(), self.loop)
        self.thread.join(5)
