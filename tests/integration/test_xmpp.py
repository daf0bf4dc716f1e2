# SPDX-License-Identifier: GPL-2.0-or-later
"""SIP <-> XMPP gateway (modules/sylk_xmpp): a real Prosody with the gateway
as its XEP-0114 component, slixmpp clients on Prosody, browser accounts
(sylkRTC) and raw SIP on the SIP side."""

import os
import socket
import time
import uuid

import pytest

from sylktest.processes import wait_until
from sylktest.server import SIP_DOMAIN, Kamailio
from sylktest.sylkrtc import SylkRtcClient, aor
from sylktest.xmpp import XMPP_DOMAIN, Prosody, XmppClient

from test_messaging import is_account_event, now, send, wait_disposition, wait_message

ALICE = aor("alice")
BOB_XMPP = f"bob@{XMPP_DOMAIN}"


def xmpp_defines(prosody, secret_file=None):
    return {"WITH_XMPP": 1, "XMPP_COMPONENT_PORT": prosody.component_port,
            "XMPP_SECRET_FILE": f'"{secret_file or prosody.secret_file}"',
            "XMPP_COMPONENT_DOMAIN": f'"{SIP_DOMAIN}"', "XMPP_DOMAINS": f'"{XMPP_DOMAIN}"',
            "XMPP_RECONNECT_MAX": 2}


def link_up(kam):
    return "up" in kam.kamcmd("sylk_xmpp.status").split("link:")[1].split("\n")[0]


@pytest.fixture(scope="module")
def prosody(tmp_path_factory):
    p = Prosody(str(tmp_path_factory.mktemp("prosody")), SIP_DOMAIN, users=("bob", "dave"))
    yield p
    p.stop()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, rtpengine, prosody):
    kam = Kamailio(str(tmp_path_factory.mktemp("kamailio-xmpp")), rtpengine,
                   defines=xmpp_defines(prosody))
    wait_until(lambda: link_up(kam), 10, what="XMPP component link up")
    yield kam
    kam.stop()


@pytest.fixture
def bob(prosody):
    c = XmppClient(prosody, "bob")
    yield c
    c.close()


def device(server, user):
    c = SylkRtcClient(server.http_port, version=2)
    c.register(user)
    return c


def test_xmpp_to_sip_message_with_receipt(gateway, bob):
    with device(gateway, "alice") as alice:
        mid = "x-" + uuid.uuid4().hex
        bob.send(ALICE, "hello from XMPP <&>", msg_id=mid)
        got = wait_message(alice, mid)
        assert got["sender"]["uri"] == BOB_XMPP
        assert got["content"] == "hello from XMPP <&>"
        assert "positive-delivery" in got["disposition_notification"]
        # alice's device says delivered: an IMDN to bob, a receipt in XMPP
        alice.expect_ack("account-disposition-notification", account=ALICE, uri=BOB_XMPP,
                         message_id=mid, state="delivered", timestamp=got["timestamp"])
        r = bob.wait(lambda m: m.get("receipt") == mid)
        assert r["from"] == ALICE


def test_sip_to_xmpp_message_with_receipt(gateway, bob):
    with device(gateway, "alice") as alice:
        mid = send(alice, ALICE, BOB_XMPP, "hi bob, from SIP")
        wait_disposition(alice, mid, "accepted")
        m = bob.wait(lambda m: m.get("body") == "hi bob, from SIP")
        assert m["from"] == ALICE and m["id"] == mid and m["type"] == "chat"
        # slixmpp answered with a receipt: it reaches alice as "delivered"
        wait_disposition(alice, mid, "delivered")
