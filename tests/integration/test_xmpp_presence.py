# SPDX-License-Identifier: GPL-2.0-or-later
"""Presence through the SIP <-> XMPP gateway (RFC 7248), real processes:
Prosody with the gateway as its component, slixmpp clients (roster fetched
first: Prosody forwards `subscribed` only to such resources), browser
accounts whose state the sylkRTC gateway PUBLISHes, SIPp phones that
SUBSCRIBE to XMPP users."""

import time

import pytest

from sylktest.processes import wait_until
from sylktest.server import SIP_DOMAIN, Kamailio
from sylktest.sipp import Sipp
from sylktest.sylkrtc import SylkRtcClient, aor
from sylktest.xmpp import XMPP_DOMAIN, Prosody, XmppClient

from test_presence import auth, notified, wait_notified
from test_xmpp import link_up, xmpp_defines

ALICE = aor("alice")
CAROL = aor("carol")


@pytest.fixture(scope="module")
def prosody(tmp_path_factory):
    p = Prosody(str(tmp_path_factory.mktemp("prosody-pres")), SIP_DOMAIN,
                users=("bob", "dave", "erin"))
    yield p
    p.stop()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, rtpengine, prosody):
    kam = Kamailio(str(tmp_path_factory.mktemp("kamailio-xmpp-pres")), rtpengine,
                   defines=xmpp_defines(prosody))
    wait_until(lambda: link_up(kam), 10, what="XMPP component link up")
    yield kam
    kam.stop()


def device(server, user):
    c = SylkRtcClient(server.http_port, version=2)
    c.register(user)
    return c


def subscribe(client, to):
    client.call(lambda: client.client.send_presence(pto=to, ptype="subscribe"))


def test_xmpp_user_subscribes_to_sip_user_and_sees_changes(gateway, prosody):
    bob = XmppClient(prosody, "bob")
    try:
        subscribe(bob, ALICE)
        p = bob.wait_presence(lambda p: p["from"] == ALICE and p["type"] == "subscribed")
        assert p["to"].startswith(f"bob@{XMPP_DOMAIN}")
        # alice's browser comes: the sylkRTC gateway PUBLISHes her open, the
        # presence server NOTIFYs the XMPP gateway, bob sees her available
        with device(gateway, "alice") as alice:
            p = bob.wait_presence(lambda p: p["from"].startswith(ALICE)
                                  and p["type"] == "available", timeout=15)
            assert p["from"] == ALICE
            alice.abort()
        bob.wait_presence(lambda p: p["from"].startswith(ALICE)
                          and p["type"] == "unavailable", timeout=15)
    finally:
        bob.close()
    assert link_up(gateway)


def test_probe_answered_with_current_state(gateway, prosody):
    """bob's roster holds alice with subscription 'to': when bob comes
    online Prosody probes alice@sylk.test at the component, which answers
    with her current state."""
    bob = XmppClient(prosody, "bob")
    subscribe(bob, ALICE)
    # `subscribed` again when the first test ran (Prosody forwards it only
    # once), and alice's state from the gateway in any case
    bob.wait_presence(lambda p: p["from"] == ALICE)
    bob.close()
    with device(gateway, "alice"):
        time.sleep(2)  # published open, NOTIFYed to the gateway
        bob = XmppClient(prosody, "bob")
        try:
            bob.wait_presence(lambda p: p["from"].startswith(ALICE)
                              and p["type"] == "available", timeout=10)
        finally:
            bob.close()


def watch_xmpp(server, workdir, user, to, notifies, name, expires=600):
    return Sipp(workdir, name, "xmpp_presence_watch.xml", f"127.0.0.1:{server.sip_port}",
                keys={"user": user, "domain": SIP_DOMAIN, "to": to, "to_domain": XMPP_DOMAIN,
                      "expires": expires},
                extra=auth(user) + ["-set", "notifies", str(notifies)])


def test_sip_phone_watches_xmpp_user(gateway, prosody, workdir):
    """carol's phone SUBSCRIBEs to dave@xmpp: 202 and a NOTIFY at once;
    dave (slixmpp approves subscriptions) gets carol's subscription, his
    presence becomes PIDF: open, then away with his status, then closed
    when he goes offline."""
    dave = XmppClient(prosody, "dave")
    watcher = watch_xmpp(gateway, workdir, "carol", "dave", 100, "carol-watch-dave")
    try:
        dave.wait_presence(lambda p: p["from"] == CAROL and p["type"] == "subscribe")
        wait_notified(watcher, lambda n: any(b == "open" for b, _ in n), timeout=15)
        dave.call(lambda: dave.client.send_presence(pshow="away", pstatus="In a meeting"))
        wait_notified(watcher, lambda n: ("open", "In a meeting") in n, timeout=10)
        dave.close()
        wait_notified(watcher, lambda n: n[-1][0] == "closed", timeout=10)
        assert "subscribed 202" in watcher.actions()
    finally:
        watcher.stop()
    log = gateway.process.log()
    assert f"carol@{SIP_DOMAIN} watches XMPP user dave@{XMPP_DOMAIN}" in log


def test_sip_unsubscribe_ends_xmpp_subscription(gateway, prosody, workdir):
    """The phone's SUBSCRIBE with Expires: 0 ends its dialog (final NOTIFY
    terminated) and, as the last one for that pair, unsubscribes in XMPP."""
    erin = XmppClient(prosody, "erin")
    try:
        watcher = watch_xmpp(gateway, workdir, "alice", "erin", 2, "alice-watch-erin")
        erin.wait_presence(lambda p: p["from"] == ALICE and p["type"] == "subscribe")
        watcher.wait(30)
        assert watcher.process.proc.returncode == 0, watcher.report()
        states = [line for line in watcher.actions() if "terminated" in line]
        assert states, watcher.report()
        erin.wait_presence(lambda p: p["from"] == ALICE and p["type"] == "unsubscribe")
    finally:
        erin.close()


def test_subscribe_to_xmpp_while_link_down_is_503(tmp_path_factory, rtpengine, prosody,
                                                  workdir):
    prosody.kill()
    try:
        kam = Kamailio(str(tmp_path_factory.mktemp("kamailio-xmpp-pres-down")), rtpengine,
                       defines=xmpp_defines(prosody))
        try:
            watcher = watch_xmpp(kam, workdir, "carol", "dave", 1, "carol-down")
            watcher.wait(30)
            assert "SIP/2.0 503" in watcher.messages(), watcher.report()
        finally:
            kam.stop()
    finally:
        prosody.start()
