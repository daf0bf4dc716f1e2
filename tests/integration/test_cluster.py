# SPDX-License-Identifier: GPL-2.0-or-later
"""Three nodes and their shared PostgreSQL (issue 21), as `make cluster`
starts them: registrations replicated by DMQ (dmq_usrloc), messages in the
shared database. Calls cross nodes both ways with audio (a SIPp phone that
echoes, an aiortc browser), a message reaches its account's connection on
another node live and syncs from any node, a node killed with -9 leaves
the shared view when its registrations expire while the others keep
serving, and a crash of the database loses no acknowledged message."""

import os
import time
import uuid

import pytest

from sylktest.cluster import Node, Postgres
from sylktest.processes import free_port, wait_until
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN
from sylktest.sipp import Sipp, run_uac
from sylktest.sylkrtc import SylkRtcClient, aor
from sylktest.webrtc import WebRtcPeer

ALICE, BOB, CAROL = aor("alice"), aor("bob"), aor("carol")
# a killed node's registrations are gone from the others within this
REG_EXPIRES = 6
NODE_DEFINES = {"CLUSTER_REG_EXPIRES": REG_EXPIRES, "CLUSTER_REG_MIN_EXPIRES": 2,
                "CLUSTER_DMQ_PING": 2}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    top = str(tmp_path_factory.mktemp("cluster"))
    db = Postgres(top)
    nodes = []
    try:
        # the first node joins through the second, the others through the first
        second_port = free_port()
        a = Node(os.path.join(top, "a"), db, join_port=second_port, defines=NODE_DEFINES)
        b = Node(os.path.join(top, "b"), db, join_port=a.cluster_port,
                 defines=dict(NODE_DEFINES, CLUSTER_PORT=second_port,
                              CLUSTER_URI=f'"sip:127.0.0.1:{second_port}"',
                              CLUSTER_HOSTPORT=f'"127.0.0.1:{second_port}"'))
        b.cluster_port = second_port
        c = Node(os.path.join(top, "c"), db, join_port=a.cluster_port, defines=NODE_DEFINES)
        nodes = [a, b, c]
        for n in nodes:
            wait_until(lambda n=n: n.dmq_nodes() >= 3, 15, interval=0.2,
                       what="every node in the DMQ view")
        yield db, nodes
    finally:
        for n in nodes:
            n.stop()
        db.stop()


def echo_phone(node, workdir, user):
    """A SIPp phone registered as `user` through `node`, answering and
    echoing RTP."""
    phone = Sipp(workdir, f"{user}-phone", "uas_echo.xml",
                 extra=["-rtp_echo", "-mp", str(free_port()), "-mi", "127.0.0.1"])
    reg = run_uac(workdir, f"{user}-register", "register.xml", f"127.0.0.1:{node.sip_port}",
                  keys={"user": user, "domain": SIP_DOMAIN, "contact_port": phone.port},
                  extra=["-au", user, "-ap", DEMO_ACCOUNTS[user]])
    assert reg.actions()[-1] == "final 200", reg.report()
    return phone


def registered(node, user):
    c = SylkRtcClient(node.http_port, version=2)
    c.register(user)
    return c


def location(node, user):
    return node.kamcmd_result("ul.lookup", "location", f"{user}@{SIP_DOMAIN}").stdout


def test_registration_on_one_node_is_seen_on_the_others(cluster):
    _, (a, b, c) = cluster
    with registered(a, "carol"):
        for n in (b, c):
            wait_until(lambda n=n: f"gw-" in location(n, "carol"), 5, interval=0.1,
                       what="carol's gateway Contact replicated")
            # the Contact is node A's cluster socket
            assert f"127.0.0.1:{a.cluster_port}" in location(n, "carol")
    # the WebSocket closed: unregistered everywhere
    for n in (a, b, c):
        wait_until(lambda n=n: "gw-" not in location(n, "carol"), 5, interval=0.1,
                   what="carol's Contact removed everywhere")


def test_browser_on_b_calls_phone_registered_on_a(cluster, workdir):
    _, (a, b, _c) = cluster
    for n in (a, b):
        n.kamcmd_result("ul.rm", "location", "bob")
    phone = echo_phone(a, workdir, "bob")
    wait_until(lambda: "Contact" in location(b, "bob") or "contact" in location(b, "bob").lower(),
               5, interval=0.1, what="bob's phone replicated to B")
    with registered(b, "alice") as browser, WebRtcPeer(tone_hz=900) as peer:
        browser.expect_ack("session-create", account=ALICE, session="x1", uri=BOB,
                           sdp=peer.create_offer())
        accepted = browser.wait_session_state("x1", "accepted", timeout=10)
        peer.set_answer(accepted["sdp"])
        peer.wait_connected(10)
        # the phone echoes: the tone went out through B and came back
        assert abs(peer.wait_for_tone(900, timeout=10) - 900) < 25
        browser.expect_ack("session-terminate", session="x1")
        browser.wait_session_state("x1", "terminated", timeout=10)
    phone.wait(10)
    assert "bye" in phone.actions()


def test_phone_on_b_calls_browser_registered_through_a(cluster, workdir):
    _, (a, b, _c) = cluster
    with registered(a, "alice") as browser:
        wait_until(lambda: "gw-" in location(b, "alice"), 5, interval=0.1,
                   what="alice's gateway Contact on B")
        caller = Sipp(workdir, "bob-calls", "uac_to_gateway.xml", f"127.0.0.1:{b.sip_port}",
                      keys={"user": "bob", "domain": SIP_DOMAIN, "callee": "alice"},
                      extra=["-rtp_echo", "-mp", str(free_port()), "-mi", "127.0.0.1",
                             "-au", "bob", "-ap", DEMO_ACCOUNTS["bob"], "-d", "3000"])
        incoming = browser.wait_incoming_session(ALICE, timeout=10)
        assert incoming["originator"]["uri"] == BOB
        with WebRtcPeer(tone_hz=650) as peer:
            browser.expect_ack("session-answer", session=incoming["session"],
                               sdp=peer.accept_offer(incoming["sdp"]))
            peer.wait_connected(10)
            # B relayed the call to A's gateway; the phone echoes through both
            assert abs(peer.wait_for_tone(650, timeout=10) - 650) < 25
            ended = browser.wait_session_state(incoming["session"], "terminated", timeout=15)
            assert ended["reason"] == "Call ended by the remote party"
    caller.wait(10)
    assert caller.actions()[-1] == "hangup 200", caller.report()


def is_event(name, **fields):
    def match(e):
        return (e.get("sylkrtc") == "account-event" and e.get("event") == name
                and all(e.get(k) == v for k, v in fields.items()))
    return match


def send(client, sender, to, text):
    mid = str(uuid.uuid4())
    client.expect_ack("account-message", account=sender, uri=to, message_id=mid,
                      content=text, content_type="text/plain",
                      timestamp=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    return mid


def sync(client, account):
    client.expect_ack("account-sync-conversations", account=account)
    return client.wait_event(is_event("sync-conversations"), 10)["messages"]


def test_message_across_nodes_live_and_from_sync_anywhere(cluster):
    db, (a, b, c) = cluster
    with registered(b, "carol") as carol, registered(a, "alice") as alice:
        wait_until(lambda: "gw-" in location(a, "carol"), 5, interval=0.1,
                   what="carol's Contact on A")
        mid = send(alice, ALICE, CAROL, "hello from node A")
        # carol's connection is on B: B delivers it live
        got = carol.wait_event(is_event("message", message_id=mid), 10)
        assert got["content"] == "hello from node A" and got["sender"]["uri"] == ALICE
        alice.wait_event(is_event("disposition-notification", message_id=mid, state="accepted"), 10)
    # journalled once in the shared database, though A took it and B delivered it
    assert db.sql(f"SELECT count(*) FROM sylk_messages WHERE account = '{CAROL}' "
                  f"AND message_id = '{mid}'").strip() == "1"
    # a device of carol's on the third node syncs it
    with registered(c, "carol") as later:
        ids = [m["message_id"] for m in sync(later, CAROL)]
        assert ids.count(mid) == 1, ids


def test_database_crash_loses_no_acknowledged_message(cluster):
    db, (a, b, _c) = cluster
    acked, refused = [], 0
    with registered(a, "alice") as alice:
        for i in range(6):
            acked.append(send(alice, ALICE, BOB, f"before {i}"))
        db.crash()
        # while the database is down a message is refused, never acknowledged
        mid = str(uuid.uuid4())
        reply = alice.request("account-message", account=ALICE, uri=BOB, message_id=mid,
                              content="during", content_type="text/plain",
                              timestamp=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        if reply.get("sylkrtc") == "ack":
            acked.append(mid)
        else:
            refused += 1
        db.start()
        # the nodes reconnect by themselves
        wait_until(lambda: _try_send(alice, acked), 20, interval=0.5,
                   what="a message acknowledged after the restart")
    assert refused == 1
    with registered(b, "alice") as other:
        ids = {m["message_id"] for m in sync(other, ALICE)}
    assert not [m for m in acked if m not in ids], "acknowledged messages lost"


def _try_send(client, acked):
    mid = str(uuid.uuid4())
    reply = client.request("account-message", account=ALICE, uri=BOB, message_id=mid,
                           content="after", content_type="text/plain",
                           timestamp=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    if reply.get("sylkrtc") == "ack":
        acked.append(mid)
        return True
    return False


def test_kill9_node_leaves_the_shared_view_and_the_others_keep_serving(cluster, workdir):
    _, (a, b, c) = cluster
    browser = registered(c, "carol")
    for n in (a, b):
        wait_until(lambda n=n: "gw-" in location(n, "carol"), 5, interval=0.1,
                   what="carol's Contact on C replicated")
    killed = time.monotonic()
    c.kill9()
    browser.abort()
    # its registrations expire from the others' view (CLUSTER_REG_EXPIRES)
    for n in (a, b):
        wait_until(lambda n=n: "gw-" not in location(n, "carol"), REG_EXPIRES + 8,
                   interval=0.2, what="the dead node's Contact gone")
    assert time.monotonic() - killed < REG_EXPIRES + 8
    # A and B keep serving: a message between them, live
    with registered(b, "carol") as carol, registered(a, "alice") as alice:
        wait_until(lambda: "gw-" in location(a, "carol"), 5, interval=0.1,
                   what="carol's new Contact on A")
        mid = send(alice, ALICE, CAROL, "still here")
        carol.wait_event(is_event("message", message_id=mid), 10)


def test_postgres_schema_is_the_sqlite_one_translated(cluster):
    """packaging/sql/*.sql stay the one source: every table and column of
    the SQLite database setup-runtime.sh makes is in the PostgreSQL one
    cluster-db.sh made from sql/sqlite-to-postgres.py."""
    import sqlite3
    db, (a, _b, _c) = cluster
    lite = sqlite3.connect(os.path.join(a.state_dir, "sylk.sqlite"))
    tables = [r[0] for r in lite.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    assert "sylk_messages" in tables and "subscriber" in tables
    for table in tables:
        lite_cols = {r[1] for r in lite.execute(f"PRAGMA table_info({table})")}
        pg_cols = set(db.sql("SELECT column_name FROM information_schema.columns "
                             f"WHERE table_name = '{table}'").split())
        assert lite_cols == pg_cols, (table, lite_cols ^ pg_cols)


def _sip_request(port, method, ruri):
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.bind(("127.0.0.1", 0))
    local = s.getsockname()[1]
    tag = uuid.uuid4().hex[:8]
    msg = (f"{method} {ruri} SIP/2.0\r\n"
           f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK{tag};rport\r\n"
           "Max-Forwards: 70\r\n"
           f"From: <sip:mallory@{SIP_DOMAIN}>;tag={tag}\r\n"
           f"To: <sip:bob@{SIP_DOMAIN}>\r\n"
           f"Call-ID: {tag}@test\r\nCSeq: 1 {method}\r\n"
           f"Contact: <sip:mallory@127.0.0.1:{local}>\r\nContent-Length: 0\r\n\r\n")
    try:
        s.sendto(msg.encode(), ("127.0.0.1", port))
        while True:
            reply = s.recv(65535).decode(errors="replace")
            code = int(reply.split(" ", 2)[1])
            if code >= 200:
                return code
    finally:
        s.close()


def test_cluster_socket_takes_only_dmq_and_this_nodes_contacts(cluster):
    _, (a, b, _c) = cluster
    # KDMQ on the public socket: refused
    assert _sip_request(a.sip_port, "KDMQ", f"sip:usrloc@127.0.0.1:{a.sip_port}") == 403
    # on the cluster socket, a MESSAGE for a user (not a gateway Contact of
    # the node) is refused: no relaying and no unauthenticated delivery
    assert _sip_request(a.cluster_port, "MESSAGE", f"sip:bob@{SIP_DOMAIN}") == 403
    # nor a request for another node's gateway Contact
    assert _sip_request(a.cluster_port, "MESSAGE",
                        f"sip:gw-1@127.0.0.1:{b.cluster_port}") == 403
