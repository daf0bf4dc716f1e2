# SPDX-License-Identifier: GPL-2.0-or-later
"""XMPP survives the death of the node whose component Prosody has
(issues 18 and 21): two nodes on the shared PostgreSQL both run the
gateway (WITH_XMPP) against one Prosody, which takes one component
connection per domain, so one node's component is linked and the other's
is refused ("Component already connected") and retries. The linked node
names itself in the DMQ-replicated htable xmpplink (sylk_xmpp's
link_table); the other node relays its users' requests for XMPP users
there (route[XMPP_TO_NODE]). When the linked node dies (kill -9), Prosody
drops its connection, the other node's component links on its next
attempt (XMPP_RECONNECT_MAX 2 s here) and names itself, and XMPP works
again both ways for the users of the surviving node."""

import os
import re
import time

import pytest

from sylktest.cluster import Node, Postgres, cluster_address
from sylktest.processes import wait_until
from sylktest.server import SIP_DOMAIN
from sylktest.sylkrtc import SylkRtcClient, aor
from sylktest.xmpp import XMPP_DOMAIN, Prosody, XmppClient

from test_messaging import send, wait_disposition, wait_message
from test_xmpp import link_up, xmpp_defines

ALICE = aor("alice")
ERIN = f"erin@{XMPP_DOMAIN}"
NODE_DEFINES = {"CLUSTER_DMQ_PING": 2}


@pytest.fixture(scope="module")
def xpair(tmp_path_factory):
    """(linked, other, prosody): two WITH_XMPP nodes, one Prosody; the
    node whose component Prosody took first, and the other one."""
    top = str(tmp_path_factory.mktemp("cluster-xmpp-failover"))
    prosody = Prosody(top, SIP_DOMAIN, users=("erin",))
    db = None
    nodes = []
    try:
        db = Postgres(top)
        addr_a, addr_b = cluster_address(), cluster_address()
        defines = dict(NODE_DEFINES, **xmpp_defines(prosody))
        nodes.append(Node(os.path.join(top, "a"), db, address=addr_a, join=addr_b,
                          defines=defines))
        nodes.append(Node(os.path.join(top, "b"), db, address=addr_b, join=addr_a,
                          defines=defines))
        for n in nodes:
            wait_until(lambda n=n: n.dmq_nodes() >= 2, 15, interval=0.2,
                       what="both nodes in the DMQ view")
        wait_until(lambda: any(link_up(n) for n in nodes), 10, what="one component linked")
        # Prosody keeps the first component and refuses the other one
        time.sleep(3)
        up = [n for n in nodes if link_up(n)]
        assert len(up) == 1, [n.cluster_hostport for n in up]
        other = nodes[1] if up[0] is nodes[0] else nodes[0]
        yield up[0], other, prosody
    finally:
        for n in nodes:
            n.stop()
        if db:
            db.stop()
        prosody.stop()


def link_node(node):
    """The node xmpplink names on `node` (None: no entry)."""
    r = node.kamcmd_result("htable.get", "xmpplink", "component")
    m = re.search(r"value:\s*(\S+)", r.stdout)
    return m.group(1) if r.returncode == 0 and m else None


def test_xmpp_fails_over_to_the_other_node_when_the_linked_one_dies(xpair):
    """alice's browser is on the node whose component Prosody refused: her
    message to erin is relayed to the linked node and reaches him. The
    linked node is killed (-9): within 20 s the other node's component
    links and names itself; her next message reaches erin through it, and
    erin's message reaches her."""
    linked, other, prosody = xpair
    for n in (linked, other):
        wait_until(lambda n=n: link_node(n) == linked.cluster_hostport, 10, interval=0.2,
                   what="xmpplink naming the linked node on both nodes")
    erin = XmppClient(prosody, "erin")
    try:
        with SylkRtcClient(other.http_port, version=2) as alice:
            alice.register("alice")
            mid = send(alice, ALICE, ERIN, "hello erin, before the failover")
            wait_disposition(alice, mid, "accepted")
            m = erin.wait(lambda m: m.get("body") == "hello erin, before the failover")
            assert m["from"] == ALICE
            assert (f"MESSAGE of sip:{ALICE} for sip:{ERIN} relayed to the XMPP node "
                    f"{linked.cluster_hostport}") in other.process.log()

            killed = time.monotonic()
            linked.kill9()
            wait_until(lambda: link_up(other), 20, interval=0.2,
                       what="the surviving node's component linked")
            assert time.monotonic() - killed < 20
            wait_until(lambda: link_node(other) == other.cluster_hostport, 5, interval=0.2,
                       what="xmpplink naming the surviving node")

            mid = send(alice, ALICE, ERIN, "hello erin, after the failover")
            wait_disposition(alice, mid, "accepted")
            m = erin.wait(lambda m: m.get("body") == "hello erin, after the failover")
            assert m["from"] == ALICE

            erin.send(ALICE, "hi alice, still here", msg_id="after-failover")
            got = wait_message(alice, "after-failover")
            assert got["sender"]["uri"] == ERIN
            assert got["content"] == "hi alice, still here"
    finally:
        erin.close()
