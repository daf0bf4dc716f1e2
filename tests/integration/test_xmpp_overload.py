# SPDX-License-Identifier: GPL-2.0-or-later
"""Nothing the gateway accepted for XMPP is lost under overload (issue 18),
with a one-stanza queue (XMPP_QUEUE_SIZE=1):

- subscription stanzas (subscribe, subscribed, unsubscribe) from many SIP
  side changes at once wait beyond the full queue like presence does:
  every XMPP user ends with the right roster, every SIP watcher is
  answered, every XMPP watcher gets the final presence;
- the stanzas the component process had taken off the queue when its link
  broke go back to the queue even when it is full: every SIP MESSAGE that
  was answered 202 reaches the XMPP user after the reconnect.

Real processes: Prosody with the gateway as its component (through a small
TCP relay for the second test, which can stop reading and end the stream
as a server does), slixmpp clients, SIPp phones, browser accounts."""

import asyncio
import contextlib
import os
import queue
import select
import signal
import socket
import threading
import time
import uuid

import pytest

from sylktest.processes import wait_until
from sylktest.server import SIP_DOMAIN, Kamailio
from sylktest.sipp import Sipp
from sylktest.sylkrtc import SylkRtcClient, aor
from sylktest.xmpp import XMPP_DOMAIN, Prosody, XmppClient

from test_messaging import is_account_event, now
from test_presence import auth, notified, publish
from test_xmpp import link_up, presences_from, xmpp_defines, xmpp_status

CAROL = aor("carol")
ALICE = aor("alice")
CONTACTS = ("olga", "pete", "quin", "rosa", "saul", "tina")
FINAL_NOTE = "all answered"


def component_pid(kam):
    """The XMPP COMPONENT process (kamcmd core.psx)."""
    pid = None
    for line in kam.kamcmd("core.psx").splitlines():
        line = line.strip()
        if line.startswith("PID:"):
            pid = int(line.split(":", 1)[1])
        elif line.startswith("DSC:") and "XMPP COMPONENT" in line:
            return pid
    raise AssertionError("no XMPP COMPONENT process")


def process_state(pid):
    """The state letter of /proc/PID/stat (R, S, T, ...)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


@contextlib.contextmanager
def component_stopped(kam):
    """The component process does not run (SIGSTOP) while the SIP side
    acts: its one-stanza queue stays full; it runs again after."""
    pid = component_pid(kam)
    os.kill(pid, signal.SIGSTOP)
    # the signal is delivered asynchronously: until the process is stopped
    # it could still take the first stanza off the queue
    wait_until(lambda: process_state(pid) == "T", 5, interval=0.01,
               what="the component process stopped")
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def roster_subscription(client, jid):
    """The roster item of jid as the server has it now ('none' if none)."""
    async def fetch():
        await client.client.get_roster()
        roster = client.client.client_roster
        return roster[jid]["subscription"] if jid in roster else "none"
    return asyncio.run_coroutine_threadsafe(fetch(), client.loop).result(10)


# ---- subscription stanzas beyond a full queue ---------------------------------


@pytest.fixture(scope="module")
def prosody(tmp_path_factory):
    p = Prosody(str(tmp_path_factory.mktemp("prosody-overload")), SIP_DOMAIN, users=CONTACTS)
    yield p
    p.stop()


def watch_xmpp(kam, workdir, user, to, notifies, name):
    """A SIPp phone of `user` SUBSCRIBEd to `to`@XMPP: it answers `notifies`
    NOTIFYs, then unSUBSCRIBEs (the last dialog of the pair: `unsubscribe`
    in XMPP) and ends."""
    return Sipp(workdir, name, "xmpp_presence_watch.xml", f"127.0.0.1:{kam.sip_port}",
                keys={"user": user, "domain": SIP_DOMAIN, "to": to, "to_domain": XMPP_DOMAIN,
                      "expires": 600},
                extra=auth(user) + ["-set", "notifies", str(notifies)])


def test_subscription_stanzas_wait_beyond_a_full_queue(tmp_path_factory, rtpengine, prosody,
                                                      workdir):
    """While the queue is full, six XMPP users ask to see carol (six
    `subscribed` answers and carol's state owed to them) and carol's phone
    asks to see each of them (six `subscribe` requests): none is dropped.
    Each XMPP user approves carol (slixmpp does), which makes the phone's
    dialog active; the phone then ends it (six `unsubscribe`s). In the end
    each XMPP user's roster holds carol as `to` (sees her, she no longer
    sees them), each phone was notified of its contact (open) and ended
    cleanly, and each XMPP user has carol's final state."""
    kam = Kamailio(str(tmp_path_factory.mktemp("kamailio-xmpp-overload")), rtpengine,
                   defines=dict(xmpp_defines(prosody), XMPP_QUEUE_SIZE=1,
                                XMPP_MUC_DOMAIN='""'))
    clients, phones = [], []
    try:
        wait_until(lambda: link_up(kam), 10, what="XMPP component link up")
        # carol's state, known to the presence server before anyone watches
        publish(kam, workdir, "carol", "carol-publish", "open", "just in", "open", FINAL_NOTE,
                pause_ms=200)
        for user in CONTACTS:
            clients.append(XmppClient(prosody, user))
        with component_stopped(kam):
            for c in clients:
                c.call(lambda c=c: c.client.send_presence(pto=CAROL, ptype="subscribe"))
            # pending, active (the contact approved), then the un-SUBSCRIBE
            phones = [watch_xmpp(kam, workdir, "carol", user, 2, f"carol-watch-{user}")
                      for user in CONTACTS]
            wait_until(lambda: all("subscribed 202" in p.actions() for p in phones), 15,
                       what="202 to every SUBSCRIBE")
            time.sleep(0.5)  # Prosody has written the subscribes to the component
        for p in phones:
            p.wait(30)
        for p, user in zip(phones, CONTACTS):
            assert p.process.proc.returncode == 0, (user, p.report())
            states = notified(p)
            assert any(b == "open" for b, _ in states), (user, states)
        st = xmpp_status(kam)
        final = {}
        wait_until(lambda: all(roster_subscription(c, CAROL) == "to" for c in clients), 15,
                   what="carol as `to` in every roster")
        for c in clients:
            got = [p for p in presences_from(c, CAROL, 0.3)
                   if p["type"] not in ("subscribe", "subscribed", "unsubscribe",
                                        "unsubscribed")]
            final[c.jid] = (got[-1]["type"], got[-1]["status"]) if got else None
        assert all(f == ("available", FINAL_NOTE) for f in final.values()), (final, st)
        # the path under test was taken, nothing lost, nothing left waiting
        assert int(st["presence_deferred"]) > 0, st
        assert int(st["dropped"]) == 0, st
        assert int(st["presence_waiting"]) == 0, st
        assert "not queued" not in kam.process.log()
    finally:
        for p in phones:
            p.stop()
        for c in clients:
            c.close()
        kam.stop()


# ---- stanzas taken by the component when its link breaks ------------------------


class ComponentRelay:
    """A TCP relay between the gateway and Prosody's component port. pause()
    stops reading what the gateway writes (its stanzas pile up in its own
    buffer: taken off the queue, not written); end_stream() says
    </stream:stream> to the gateway as a server that goes away does, then
    reads everything the gateway wrote until it closes, hands all of it to
    Prosody and closes that side: what the gateway wrote is delivered,
    what it had not written is its own to send again. New connections are
    relayed as before."""

    def __init__(self, target_port):
        self.target = target_port
        self.listener = socket.socket()
        # a small window: the gateway's writes block soon after pause()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.paused = threading.Event()
        self.ending = threading.Event()
        self.ended = threading.Event()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(c,), daemon=True).start()

    def _relay(self, c):
        up = socket.create_connection(("127.0.0.1", self.target))
        to_gateway = threading.Lock()
        stream_ended = False

        def downstream():  # Prosody -> gateway
            while True:
                try:
                    data = up.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                # once the stream is ended, nothing more: data reaching the
                # gateway's closed socket would reset the connection, and
                # its kernel would throw away what it still had to send us
                with to_gateway, contextlib.suppress(OSError):
                    if not stream_ended:
                        c.sendall(data)

        down = threading.Thread(target=downstream, daemon=True)
        down.start()
        while not self.closed:
            if self.ending.is_set():
                break
            if self.paused.is_set():
                time.sleep(0.01)
                continue
            r, _, _ = select.select([c], [], [], 0.05)
            if not r:
                continue
            try:
                data = c.recv(65536)
            except OSError:  # the gateway reset its end: the link is down
                break
            if not data:
                break
            up.sendall(data)
        if self.ending.is_set():
            with to_gateway:
                c.sendall(b"</stream:stream>")
                stream_ended = True
            c.settimeout(10)
            while True:  # all the gateway wrote, until it closes
                try:
                    data = c.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                up.sendall(data)
            self.paused.clear()
            self.ending.clear()
        up.shutdown(socket.SHUT_WR)
        down.join(10)
        up.close()
        c.close()
        self.ended.set()

    def pause(self):
        self.paused.set()

    def end_stream(self):
        self.ended.clear()
        self.ending.set()
        assert self.ended.wait(15), "the relay did not end the stream"

    def close(self):
        self.closed = True
        self.listener.close()


def send_message(alice, text):
    """A message from alice's browser to bob@XMPP: its id and whether the
    SIP side accepted it (202: `accepted`), or the code it failed with."""
    mid = str(uuid.uuid4())
    alice.expect_ack("account-message", account=ALICE, uri=f"bob@{XMPP_DOMAIN}",
                     message_id=mid, content=text, content_type="text/plain",
                     timestamp=now())
    d = alice.wait_event(is_account_event("disposition-notification", message_id=mid), 10)
    return mid, d["state"], d.get("code")


def test_taken_stanzas_survive_a_broken_link_with_a_full_queue(tmp_path_factory, rtpengine):
    """The server stops reading: the gateway's messages pile up in its
    output (taken off the queue, accepted with 202) and its one-stanza
    queue fills (the next ones get 503). Then the server ends the stream.
    Every accepted message reaches bob after the reconnect, once."""
    p = Prosody(str(tmp_path_factory.mktemp("prosody-requeue")), SIP_DOMAIN, users=("bob",))
    relay = ComponentRelay(p.component_port)
    kam = bob = None
    try:
        defines = dict(xmpp_defines(p), XMPP_COMPONENT_PORT=relay.port, XMPP_QUEUE_SIZE=1,
                       XMPP_MUC_DOMAIN='""', XMPP_RECONNECT_MAX=1)
        kam = Kamailio(str(tmp_path_factory.mktemp("kamailio-xmpp-requeue")), rtpengine,
                       defines=defines)
        wait_until(lambda: link_up(kam), 10, what="XMPP component link up")
        bob = XmppClient(p, "bob")
        accepted, refused, index = [], [], {}
        filler = "z" * 30000  # fewer messages fill the socket buffers
        with SylkRtcClient(kam.http_port, version=2) as alice:
            alice.register("alice")
            mid, state, _ = send_message(alice, "before the stall")
            assert state == "accepted"
            bob.wait(lambda m: m.get("body") == "before the stall")
            relay.pause()
            in_flight = 0
            for i in range(400):
                time.sleep(0.025)  # the sylkRTC rate limit: 50 requests/s
                mid, state, code = send_message(alice, f"#{i} {filler}")
                (accepted if state == "accepted" else refused).append((mid, code))
                index[mid] = i
                st = xmpp_status(kam)
                # taken off the queue, not written: queued - sent - pending
                in_flight = int(st["queued"]) - int(st["sent"]) - int(st["pending"])
                if int(st["pending"]) >= 1 and in_flight >= 4 and refused:
                    break
            assert in_flight >= 4 and refused, (in_flight, xmpp_status(kam))
            assert all(code == 503 for _, code in refused), refused
            connects = int(xmpp_status(kam)["connects"])
            relay.end_stream()
            wait_until(lambda: int(xmpp_status(kam)["connects"]) > connects and link_up(kam), 15,
                       what="the link back")
            want = {mid for mid, _ in accepted}
            got = []
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not want <= set(got):
                try:
                    m = bob.messages.get(timeout=0.2)
                except queue.Empty:
                    continue
                if m.get("body", "").startswith("#"):
                    got.append(m["id"])
            st = xmpp_status(kam)
            missing = want - set(got)
            assert not missing, (len(missing), len(want), sorted(index[m] for m in missing), st,
                                 [ln for ln in kam.process.log().splitlines()
                                  if "XMPP" in ln][-5:])
            assert len(got) == len(set(got)), "a message delivered twice"
            assert int(st["requeued"]) >= 1 and int(st["dropped"]) == len(refused), st
    finally:
        if bob:
            bob.close()
        if kam:
            kam.stop()
        relay.close()
        p.stop()
