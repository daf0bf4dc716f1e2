# SPDX-License-Identifier: GPL-2.0-or-later
"""Presence fan-out to XMPP watchers when the gateway's queue is full
(issue 18): a SIP user's presence changes many times in a row while the
component's stanza queue holds a single stanza; every XMPP watcher must end
with the user's final state (presence is state: older changes may be
skipped, the last one never). Beyond `presence_pending_max` waiting pairs
updates are lost, and said so once per interval, not per stanza. Real
processes: Prosody with the gateway as its component, slixmpp watchers, a
SIPp phone PUBLISHing."""

import contextlib
import time

import pytest

from sylktest.processes import wait_until
from sylktest.server import SIP_DOMAIN, Kamailio
from sylktest.sipp import run_uac
from sylktest.sylkrtc import aor
from sylktest.xmpp import Prosody, XmppClient

from test_presence import auth, sipp_keys
from test_xmpp import link_up, presences_from, xmpp_defines, xmpp_status

CAROL = aor("carol")
# each test its own watchers: Prosody remembers the subscriptions
WATCHERS = ("bob", "dave", "erin", "fred", "gina", "hank")
CAPPED_WATCHERS = ("ivan", "judy", "kate", "liam", "mona", "nick")
FINAL_NOTE = "storm over"
LOST_LINE = "presence stanza(s) to XMPP lost"


@pytest.fixture(scope="module")
def prosody(tmp_path_factory):
    p = Prosody(str(tmp_path_factory.mktemp("prosody-fanout")), SIP_DOMAIN,
                users=WATCHERS + CAPPED_WATCHERS)
    yield p
    p.stop()


@contextlib.contextmanager
def gateway(tmp_path_factory, rtpengine, prosody, **defines):
    """One stanza fits in the queue: each change fans out to six watchers.
    One gateway at a time: Prosody takes one connection per component."""
    kam = Kamailio(str(tmp_path_factory.mktemp("kamailio-xmpp-fanout")), rtpengine,
                   defines=dict(xmpp_defines(prosody), XMPP_QUEUE_SIZE=1, **defines))
    try:
        wait_until(lambda: link_up(kam), 10, what="XMPP component link up")
        yield kam
    finally:
        kam.stop()


@contextlib.contextmanager
def watching(prosody, users, jid):
    """XMPP clients of `users`, each subscribed to `jid` (approved)."""
    clients = []
    try:
        # one at a time: each `subscribed` fits the one-stanza queue
        for user in users:
            w = XmppClient(prosody, user)
            clients.append(w)
            w.call(lambda w=w: w.client.send_presence(pto=jid, ptype="subscribe"))
            w.wait_presence(lambda p: p["from"] == jid and p["type"] == "subscribed")
        time.sleep(2)  # the gateway's SUBSCRIBE, the presence server's first NOTIFY
        for w in clients:
            presences_from(w, jid, 0.1)
        yield clients
    finally:
        for w in clients:
            w.close()


def storm(kam, workdir, name):
    """12 PUBLISHes of carol as fast as the proxy answers, each NOTIFYed to
    the gateway, each fanned out to every watcher; the last: closed with
    FINAL_NOTE."""
    sipp = run_uac(workdir, name, "presence_storm.xml", f"127.0.0.1:{kam.sip_port}",
                   keys=sipp_keys("carol", final_note=FINAL_NOTE),
                   extra=auth("carol") + ["-s", "carol"])
    assert sipp.process.proc.returncode == 0, sipp.report()


def last_states(watchers, jid, until, settle):
    """Each watcher's last (type, status) from jid: waits until every one is
    `until` (15 s at most), then `settle` seconds more for anything late."""
    last, seen = {}, {}

    def collect(seconds):
        for w in watchers:
            got = presences_from(w, jid, seconds)
            seen.setdefault(w.jid, []).extend((p["type"], p["status"]) for p in got)
            if got:
                last[w.jid] = (got[-1]["type"], got[-1]["status"])

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        collect(0.05)
        if all(last.get(w.jid) == until for w in watchers):
            break
    collect(settle / len(watchers))
    return last, seen


def test_every_watcher_ends_with_the_final_state(tmp_path_factory, rtpengine, prosody,
                                                 workdir):
    with gateway(tmp_path_factory, rtpengine, prosody) as kam, \
            watching(prosody, WATCHERS, CAROL) as watchers:
        storm(kam, workdir, "carol-storm")
        final = ("unavailable", FINAL_NOTE)
        last, seen = last_states(watchers, CAROL, final, settle=1.5)
        st = xmpp_status(kam)
        stale = {w: s for w, s in last.items() if s != final}
        stale.update({w.jid: None for w in watchers if w.jid not in last})
        assert not stale, (stale, seen, st)
        # the queue overflowed (the path under test was taken), nothing lost
        assert int(st["presence_deferred"]) > 0, st
        assert int(st["dropped"]) == 0, st
        assert int(st["presence_waiting"]) == 0, st
        assert LOST_LINE not in kam.process.log()


def test_beyond_the_cap_lost_and_told_once(tmp_path_factory, rtpengine, prosody, workdir):
    """One pair may wait: the other watchers' updates beyond the full queue
    are lost (counted as dropped), one WARNING says so for all of them."""
    with gateway(tmp_path_factory, rtpengine, prosody, XMPP_PRESENCE_PENDING_MAX=1) as kam, \
            watching(prosody, CAPPED_WATCHERS, CAROL):
        storm(kam, workdir, "carol-storm-capped")
        time.sleep(2)  # the component process reports within a second
        st = xmpp_status(kam)
        log = kam.process.log()
    lost_lines = [line for line in log.splitlines() if LOST_LINE in line]
    assert int(st["dropped"]) > 1, st
    # the storm is over within a second: one line for all of them
    assert len(lost_lines) == 1, lost_lines
    assert "not queued" not in log  # no NOTICE per stanza
