# SPDX-License-Identifier: GPL-2.0-or-later
"""Three nodes and their shared PostgreSQL (issue 21), as `make cluster`
starts them: registrations replicated by DMQ (dmq_usrloc), messages in the
shared database. Calls cross nodes both ways with audio (a SIPp phone that
echoes, an aiortc browser), a message reaches its account's connection on
another node live and syncs from any node, a node killed with -9 leaves
the shared view when its registrations expire while the others keep
serving, and a crash of the database loses no acknowledged message.
A conference room lives on one node: joins, subscriptions and REFERs for
it through any node reach that node's focus (the DMQ-replicated htable
confroom names it), so three participants on three nodes share one chat
and one mixer; a room whose node does not answer is taken over. Presence
likewise: a presentity's PUBLISHes and SUBSCRIBEs through any node reach
its home's presence server (htable preshome), for SIP phones and the
gateway's browser accounts."""

import os
import re
import time
import uuid

import pytest

from sylktest import msrp
from sylktest.cluster import Node, Postgres, cluster_address
from sylktest.processes import free_port, wait_until
from sylktest.rtp import RtpEndpoint
from sylktest.rtpphone import SipUA, uri_of
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN
from sylktest.sipp import Sipp, run_uac
from sylktest.sylkrtc import SylkRtcClient, aor
from sylktest.webrtc import WebRtcPeer
# the conference tests' SIPp participant (scenarios/conf_join.xml + MSRP)
from test_conference import Participant, notify_documents, room_uri, subscribe

ALICE, BOB, CAROL = aor("alice"), aor("bob"), aor("carol")
# a killed node's registrations are gone from the others within this
REG_EXPIRES = 6
# a call into a dead node's room is probed every 30 s (the dialog module's
# least), the probe times out after 4 s and the call ends 10 s later (the
# dialog module's fixed delay)
ROOM_KEEPALIVE, FR_TIMER_MS = 30, 4000
NODE_DEFINES = {"CLUSTER_REG_EXPIRES": REG_EXPIRES, "CLUSTER_REG_MIN_EXPIRES": 2,
                "CLUSTER_DMQ_PING": 2, "CLUSTER_ROOM_KEEPALIVE": ROOM_KEEPALIVE,
                "TM_FR_TIMER": FR_TIMER_MS}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    top = str(tmp_path_factory.mktemp("cluster"))
    db = Postgres(top)
    nodes = []
    try:
        # the first node joins through the second, the others through the first
        addr_a, addr_b, addr_c = (cluster_address() for _ in range(3))
        a = Node(os.path.join(top, "a"), db, address=addr_a, join=addr_b, defines=NODE_DEFINES)
        b = Node(os.path.join(top, "b"), db, address=addr_b, join=addr_a, defines=NODE_DEFINES)
        c = Node(os.path.join(top, "c"), db, address=addr_c, join=addr_a, defines=NODE_DEFINES)
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
            assert a.cluster_hostport in location(n, "carol")
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


def sdp_for(port):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def media_of(sdp_text):
    host = re.search(r"c=IN IP4 ([0-9.]+)", sdp_text).group(1)
    port = int(re.search(r"m=audio (\d+)", sdp_text).group(1))
    return host, port


def test_phone_on_a_tcp_connection_is_called_and_messaged_through_its_node(cluster):
    """A phone registered over a TCP connection it opened (as phones behind
    NAT do) is reachable only down that connection: a call and a MESSAGE
    placed on B reach it through A, whose Path the registration carries;
    audio flows both ways; each side's BYE reaches the other."""
    _, (a, b, c) = cluster
    for n in (a, b, c):
        n.kamcmd_result("ul.rm", "location", "carol")
    phone = SipUA(a.sip_port, "carol", domain=SIP_DOMAIN, password=DEMO_ACCOUNTS["carol"],
                  transport="tcp")
    echo = RtpEndpoint(9, echo=True)
    phone.answer_calls = lambda invite: sdp_for(echo.port)
    caller = SipUA(b.sip_port, "alice", domain=SIP_DOMAIN, password=DEMO_ACCOUNTS["alice"])
    rtp = RtpEndpoint(4242)
    try:
        # with a Path of its own making, which the server must not keep
        assert phone.register(extra=["Path: <sip:evil.example;lr>"]).code == 200
        # B sees the Contact with a Path through A's cluster socket
        wait_until(lambda: a.cluster_hostport in location(b, "carol"), 5,
                   interval=0.1, what="carol's TCP Contact with A's Path on B")
        # a Path the client wrote itself is not kept
        assert "evil.example" not in location(b, "carol")

        for who in ("callee", "caller"):
            dialog, answer = caller.invite(f"sip:{CAROL}", sdp_for(rtp.port))
            invite = [r for r in phone.requests if r.method == "INVITE"][-1]
            assert uri_of(invite.header("from")) == f"sip:{ALICE}"
            host, port = media_of(answer.body)
            rtp.received.clear()
            rtp.send(host, port, 50)
            wait_until(lambda: len(rtp.received) >= 40, 5, interval=0.1,
                       what="the caller's audio echoed back by the TCP phone")
            if who == "callee":
                # the phone hangs up: its BYE goes up its connection, via A and B
                phone_dialog = phone._dialogs[invite.call_id]
                assert phone.bye(phone_dialog).code == 200
                wait_until(lambda: dialog.terminated.is_set(), 5, interval=0.1,
                           what="the caller got the phone's BYE")
            else:
                assert caller.bye(dialog).code == 200
                wait_until(lambda: any(r.method == "BYE" and r.call_id == invite.call_id
                                       for r in phone.requests), 5, interval=0.1,
                           what="the phone got the caller's BYE down its connection")

        # a MESSAGE placed on B also arrives down the connection
        d = caller.new_dialog(f"sip:{CAROL}")
        r = caller._transaction("MESSAGE", d, body="over the path", ctype="text/plain")
        assert r.code == 200, r.start
        assert any(m.method == "MESSAGE" and "over the path" in m.body for m in phone.requests)
    finally:
        rtp.close()
        caller.close()
        echo.close()
        phone.close()
        for n in (a, b, c):
            n.kamcmd_result("ul.rm", "location", "carol")


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


# ---- conference rooms ------------------------------------------------------------

def room_home(node, room):
    """The node the confroom entry of `node` names for `room` (host:port of
    its cluster socket), or None."""
    r = node.kamcmd_result("htable.get", "confroom", room)
    m = re.search(r"value:\s*(\S+)", r.stdout)
    return m.group(1) if r.returncode == 0 and m else None


def hostport(node):
    return node.cluster_hostport


def rooms_of(node):
    return node.kamcmd("sylk_conference.rooms")


def answered_port(participant):
    m = re.match(r"^msrp://127\.0\.0\.1:(\d+)/", participant.answered())
    assert m, participant.answered()
    return int(m.group(1))


@pytest.fixture
def joiners(workdir):
    made = []

    def join(node, user, room, **kw):
        p = Participant(node, workdir, user, room, name=f"{user}-{room}-{len(made)}", **kw)
        made.append(p)
        return p
    yield join
    for p in made:
        p.close()


def test_room_joined_through_three_nodes_is_one_room_on_one_node(cluster, joiners, workdir):
    _, (a, b, c) = cluster
    room = "cluster" + msrp.random_id(4)
    # the first join opens the room on the node it arrives at, and every
    # node learns where it runs
    alice = joiners(a, "alice", room, hold_ms=8000)
    alice.answered()
    for n in (a, b, c):
        wait_until(lambda n=n: room_home(n, room) == hostport(a), 5, interval=0.1,
                   what=f"the room's node known on {n.cluster_port}")
    bob = joiners(b, "bob", room, hold_ms=6000)
    carol = joiners(c, "carol", room, hold_ms=6000)
    # the focus of A answered all three: its MSRP port is in every path (the
    # media is A's, nothing of B or C is in the answer)
    for p in (alice, bob, carol):
        assert answered_port(p) == a.msrp_port, (p.user, p.answered())
    assert f"127.0.0.1:{a.sip_port}" in bob.logged("answer contact")

    # one room, on A, with all three; none on B or C
    parts = a.kamcmd("sylk_conference.participants", room_uri(room))
    for user in ("alice", "bob", "carol"):
        assert f"sip:{user}@{SIP_DOMAIN}" in parts, parts
    for n in (b, c):
        assert room not in rooms_of(n)

    # the conference event package through C: A's focus notifies (through
    # C) with all three, and the unsubscription in the dialog reaches it
    watcher = subscribe(c, workdir, "carol", room, notifies=1, name=f"watch-{room}")
    assert watcher.wait(20) == 0, watcher.report()
    doc = notify_documents(watcher)[0]
    for user in ("alice", "bob", "carol"):
        assert doc.user(f"sip:{user}@{SIP_DOMAIN}"), user
    assert "unsubscribed 200" in watcher.actions(), watcher.report()

    # one chat: a message from carol (through C) reaches alice and bob
    clients = [p.connect() for p in (alice, bob, carol)]
    assert carol.say("hello from node C") == 200
    for who, cl in zip(("alice", "bob"), clients[:2]):
        cl.wait_for(lambda cl=cl: "hello from node C" in cl.texts(), 10,
                    what=f"carol's message at {who}")
    assert bob.say("and from node B") == 200
    clients[0].wait_for(lambda: "and from node B" in clients[0].texts(), 10)
    clients[2].wait_for(lambda: "and from node B" in clients[2].texts(), 10)

    # everyone leaves with a BYE through their own node (in-dialog, to A)
    for p in (alice, bob, carol):
        assert p.wait_hangup(20)[-1] == "hangup 200", p.sipp.report()
    wait_until(lambda: room not in rooms_of(a), 5, interval=0.1, what="the room ended on A")

    # the room name is free again: a join through C works (A, its node,
    # opens it anew) and it is still one room on one node, whatever the
    # case of its name (the focus ignores it)
    again = joiners(c, "bob", room.upper(), hold_ms=2000)
    assert answered_port(again) == a.msrp_port
    assert room in rooms_of(a).lower() and room not in rooms_of(c).lower()
    assert again.wait_hangup(20)[-1] == "hangup 200", again.sipp.report()


def test_phones_on_two_nodes_hear_each_other_in_a_room(cluster):
    from sylktest.rtpphone import RtpPhone
    from test_conference_audio import wait_hears
    _, (a, b, _c) = cluster
    room = "audio" + msrp.random_id(4)
    alice = RtpPhone(b.sip_port, "alice", 400, "PCMU", domain=SIP_DOMAIN,
                     password=DEMO_ACCOUNTS["alice"])
    bob = RtpPhone(a.sip_port, "bob", 1000, "PCMA", domain=SIP_DOMAIN,
                   password=DEMO_ACCOUNTS["bob"])
    try:
        assert alice.join(room).code == 200
        wait_until(lambda: room_home(a, room) == hostport(b), 5, interval=0.1,
                   what="the room's node known on A")
        assert bob.join(room).code == 200
        # both in B's mixer, each hears the other and not itself
        assert room in rooms_of(b) and room not in rooms_of(a)
        wait_hears(alice, [1000], [400])
        wait_hears(bob, [400], [1000])
        assert bob.leave().code == 200
    finally:
        alice.close()
        bob.close()


def test_a_room_whose_node_does_not_answer_is_taken_over(cluster, joiners):
    _, (a, b, _c) = cluster
    room = "orphan" + msrp.random_id(4)
    # the room's node is gone (nothing listens where the table says it runs)
    gone = f"127.0.0.1:{free_port()}"
    a.kamcmd("htable.sets", "confroom", room, gone)
    wait_until(lambda: room_home(b, room) == gone, 5, interval=0.1,
               what="the entry replicated to B")
    started = time.monotonic()
    alice = joiners(b, "alice", room, hold_ms=1000)
    # B waits CLUSTER_RELAY_TIMEOUT for the dead node, then serves the join
    assert answered_port(alice) == b.msrp_port
    assert time.monotonic() - started < 10
    assert room in rooms_of(b)
    for n in (a, b):
        wait_until(lambda n=n: room_home(n, room) == hostport(b), 5, interval=0.1,
                   what="the room's new node known everywhere")
    assert alice.wait_hangup(20)[-1] == "hangup 200", alice.sipp.report()


# ---- presence --------------------------------------------------------------------

def pres_home(node, user):
    """The node the preshome entry of `node` names for user@SIP_DOMAIN (its
    cluster socket's host:port), or None."""
    r = node.kamcmd_result("htable.get", "preshome", f"{user}@{SIP_DOMAIN}")
    m = re.search(r"value:\s*(\S+)", r.stdout)
    return m.group(1) if r.returncode == 0 and m else None


def no_pres_home(nodes, user):
    """Forgets the presentity's home everywhere (an earlier test's gateway
    may have published it): the next node that sees it becomes its home."""
    nodes[0].kamcmd_result("htable.delete", "preshome", f"{user}@{SIP_DOMAIN}")
    for n in nodes:
        wait_until(lambda n=n: pres_home(n, user) is None, 5, interval=0.1,
                   what=f"no home for {user} on {n.cluster_port}")


PRES_RULES_BLOCKING = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<cr:ruleset xmlns:cr="urn:ietf:params:xml:ns:common-policy" '
    'xmlns:pr="urn:ietf:params:xml:ns:pres-rules">'
    '<cr:rule id="block-one"><cr:conditions><cr:identity>'
    f'<cr:one id="sip:%s@{SIP_DOMAIN}"/></cr:identity></cr:conditions>'
    '<cr:actions><pr:sub-handling>block</pr:sub-handling></cr:actions>'
    '<cr:transformations/></cr:rule>'
    '<cr:rule id="sylk-default"><cr:conditions><cr:identity>'
    f'<cr:many domain="{SIP_DOMAIN}"/></cr:identity></cr:conditions>'
    '<cr:actions><pr:sub-handling>allow</pr:sub-handling></cr:actions>'
    '<cr:transformations><pr:provide-all-attributes/></cr:transformations></cr:rule>'
    '</cr:ruleset>')


def _xcap_put(node, user, auid, body):
    from test_contacts import xcap
    return xcap(node, "PUT", user, auid=auid, body=body.encode())


def test_presence_watchers_and_publisher_on_different_nodes(cluster, workdir):
    """alice's presence has one home, the first node that saw a request
    for it (A, where carol watches her); alice publishes through B and bob
    watches through C: both are relayed to A, whose presence server
    notifies both watchers (bob's NOTIFYs through C). A pres-rules change
    made through another node reaches the watchers A holds."""
    from test_presence import notified, publish, wait_notified, watch
    _, (a, b, c) = cluster
    no_pres_home((a, b, c), "alice")
    carol = watch(a, workdir, "carol", "alice", 3, "carol-watches-alice")
    for n in (a, b, c):
        wait_until(lambda n=n: pres_home(n, "alice") == hostport(a), 5, interval=0.1,
                   what=f"alice's presence home known on {n.cluster_port}")
    wait_notified(carol, lambda got: len(got) >= 1)
    bob = watch(c, workdir, "bob", "alice", 10, "bob-watches-alice")
    wait_notified(bob, lambda got: len(got) >= 1)
    publish(b, workdir, "alice", "alice-publishes-on-b", "open", "on node B", "closed",
            "leaving B", pause_ms=300)
    # carol: the first NOTIFY, open, closed; then her unsubscription
    assert carol.wait(10) == 0, carol.report()
    assert "unsubscribed 200" in carol.actions(), carol.report()
    for w in (carol, bob):
        wait_notified(w, lambda got: ("closed", "leaving B") in got)
        got = notified(w)
        assert ("open", "on node B") in got, got
        assert ("closed", "leaving B") in got[got.index(("open", "on node B")):], got
    # A's presence server held everything; B and C stayed out of it
    assert pres_home(b, "alice") == hostport(a)
    # alice blocks bob in her pres-rules, through B's XCAP: A, which holds
    # bob's subscription (made through C), ends it
    status, _, _ = _xcap_put(b, "alice", "pres-rules", PRES_RULES_BLOCKING % "bob")
    assert status in (200, 201), status
    wait_until(lambda: any("state terminated;reason=rejected" in x for x in bob.actions()), 10,
               interval=0.1, what="bob's subscription ended by alice's new rules")
    bob.stop()


def test_browser_watches_across_nodes_and_gateway_publishes_across(cluster, workdir):
    """bob's browser on B watches carol, whose presence lives on C (her
    phone published there first): the gateway's SUBSCRIBE goes to C and
    C's NOTIFYs come back to B's gateway as `presence` events; a later
    PUBLISH of carol through A reaches them too. And the gateway's own
    PUBLISH for a browser account on B (bob, online) reaches a phone that
    watches bob through A."""
    from test_presence import add_contact, contact, is_presence, notified, publish, \
        wait_notified, watch
    _, (a, b, c) = cluster
    no_pres_home((a, b, c), "carol")
    no_pres_home((a, b, c), "bob")
    publish(c, workdir, "carol", "carol-publishes-on-c", "open", "on node C", "open",
            "still on C", pause_ms=100)
    wait_until(lambda: pres_home(b, "carol") == hostport(c), 5, interval=0.1,
               what="carol's presence home known on B")
    # alice's phone watches bob through A before bob is online: A is bob's home
    watcher = watch(a, workdir, "alice", "bob", 8, "alice-watches-bob")
    wait_notified(watcher, lambda got: len(got) >= 1)
    wait_until(lambda: pres_home(b, "bob") == hostport(a), 5, interval=0.1,
               what="bob's presence home known on B")
    with SylkRtcClient(b.http_port) as browser:
        account = browser.register("bob")
        # the gateway on B publishes bob open (relayed to A)
        wait_notified(watcher, lambda got: got and got[-1][0] == "open")
        add_contact(browser, account, contact("carol", "carol", "Carol"))
        carol_uri = f"carol@{SIP_DOMAIN}"
        first = browser.wait_event(lambda e: is_presence(e, account, carol_uri), timeout=10)
        assert (first["state"], first.get("note")) == ("open", "still on C"), first
        publish(a, workdir, "carol", "carol-publishes-on-a", "closed", "via A", "closed",
                "gone", pause_ms=100)
        deadline = time.monotonic() + 10
        last = first
        while (last["state"], last.get("note")) != ("closed", "gone"):
            last = browser.wait_event(lambda e: is_presence(e, account, carol_uri),
                                      timeout=max(deadline - time.monotonic(), 0.1))
    watcher.stop()
    assert pres_home(a, "carol") == hostport(c)


def test_a_presentity_whose_node_does_not_answer_is_taken_over(cluster, workdir):
    from test_presence import publish
    _, (a, b, _c) = cluster
    # carol's presence home is gone (nothing listens where the table says)
    gone = f"127.0.0.1:{free_port()}"
    a.kamcmd("htable.sets", "preshome", f"carol@{SIP_DOMAIN}", gone)
    wait_until(lambda: pres_home(b, "carol") == gone, 5, interval=0.1,
               what="the entry replicated to B")
    started = time.monotonic()
    # B waits CLUSTER_RELAY_TIMEOUT for the dead node, then serves the PUBLISH
    publish(b, workdir, "carol", "carol-publishes-orphan", "open", "taken over", "open",
            "taken over", pause_ms=100)
    assert time.monotonic() - started < 10
    for n in (a, b):
        wait_until(lambda n=n: pres_home(n, "carol") == hostport(b), 5, interval=0.1,
                   what="carol's new presence home known everywhere")


def test_a_client_cannot_pass_for_authenticated_to_the_presence_node(cluster):
    """The presentity's home believes the relaying node's X-Sylk-Cluster-Auth
    only on its cluster socket, and a client's own copy gets nobody there:
    a stranger's SUBSCRIBE with it is refused by the node it reaches, a
    user's PUBLISH with it is challenged, and a PUBLISH without the mark
    on the home's cluster socket is refused."""
    _, (a, b, _c) = cluster
    a.kamcmd("htable.sets", "preshome", f"carol@{SIP_DOMAIN}", hostport(a))
    wait_until(lambda: pres_home(b, "carol") == hostport(a), 5, interval=0.1,
               what="the entry replicated to B")
    ruri = f"sip:carol@{SIP_DOMAIN}"
    forged = "X-Sylk-Cluster-Auth: yes\r\nEvent: presence\r\n"
    assert _sip_request(b.sip_port, "SUBSCRIBE", ruri, sender="sip:mallory@example.org",
                        headers=forged).startswith("403 ")
    assert _sip_request(b.sip_port, "PUBLISH", ruri, sender=ruri,
                        headers=forged).startswith("407 ")
    assert _sip_request(a.cluster_port, "PUBLISH", ruri, sender=ruri, host=a.cluster_ip,
                        headers="Event: presence\r\n").startswith("403 ")


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


def test_kill9_node_leaves_the_shared_view_and_the_others_keep_serving(cluster, joiners,
                                                                     workdir):
    _, (a, b, c) = cluster
    browser = registered(c, "carol")
    for n in (a, b):
        wait_until(lambda n=n: "gw-" in location(n, "carol"), 5, interval=0.1,
                   what="carol's Contact on C replicated")
    # a room on C: bob joined there, alice through B
    room = "doomed" + msrp.random_id(4)
    owner = joiners(c, "bob", room, hold_ms=120000, sipp_extra=["-timeout", "100"])
    assert answered_port(owner) == c.msrp_port
    wait_until(lambda: room_home(b, room) == hostport(c), 5, interval=0.1,
               what="the room's node known on B")
    # (SIPp's own run limit above the probe's: only the BYE may end it)
    remote = joiners(b, "alice", room, hold_ms=120000, sipp_extra=["-timeout", "100"])
    assert answered_port(remote) == c.msrp_port
    assert "BYE sip:" not in remote.sipp.messages()
    killed = time.monotonic()
    c.kill9()
    browser.abort()
    # its registrations expire from the others' view (CLUSTER_REG_EXPIRES)
    for n in (a, b):
        wait_until(lambda n=n: "gw-" not in location(n, "carol"), REG_EXPIRES + 8,
                   interval=0.2, what="the dead node's Contact gone")
    assert time.monotonic() - killed < REG_EXPIRES + 8
    # B probes alice's call into C's room, gets no answer, and ends the call
    # with a BYE to her rather than leave her in silence
    limit = ROOM_KEEPALIVE + FR_TIMER_MS / 1000 + 10 + 8
    remote.sipp.wait(max(1, killed + limit - time.monotonic()))
    assert remote.sipp.process.proc.returncode == 0, remote.sipp.report()
    assert re.search(r"^BYE sip:", remote.sipp.messages(), re.M), remote.sipp.report()
    assert "hangup 200" not in remote.sipp.actions()  # she did not hang up herself
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


def _sip_request(port, method, ruri, sender=f"sip:mallory@{SIP_DOMAIN}", headers="",
                 sdp="", host="127.0.0.1"):
    """The final status of a request sent from a fresh UDP socket (the
    reason phrase too when `headers` or `sdp` are given)."""
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.bind(("127.0.0.1", 0))
    local = s.getsockname()[1]
    tag = uuid.uuid4().hex[:8]
    msg = (f"{method} {ruri} SIP/2.0\r\n"
           f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK{tag};rport\r\n"
           "Max-Forwards: 70\r\n"
           f"From: <{sender}>;tag={tag}\r\n"
           f"To: <{ruri}>\r\n"
           f"Call-ID: {tag}@test\r\nCSeq: 1 {method}\r\n"
           f"Contact: <sip:mallory@127.0.0.1:{local}>\r\n{headers}")
    if sdp:
        msg += f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n{sdp}"
    else:
        msg += "Content-Length: 0\r\n\r\n"
    try:
        s.sendto(msg.encode(), (host, port))
        while True:
            reply = s.recv(65535).decode(errors="replace")
            status = reply.split("\r\n", 1)[0].split(" ", 2)
            if int(status[1]) >= 200:
                return f"{status[1]} {status[2]}" if headers or sdp else int(status[1])
    finally:
        s.close()


def test_cluster_socket_takes_only_dmq_and_this_nodes_contacts(cluster):
    _, (a, b, _c) = cluster
    # KDMQ on the public socket: refused
    assert _sip_request(a.sip_port, "KDMQ", f"sip:usrloc@127.0.0.1:{a.sip_port}") == 403
    # on the cluster socket, a MESSAGE for a user (not a gateway Contact of
    # the node) is refused: no relaying and no unauthenticated delivery
    assert _sip_request(a.cluster_port, "MESSAGE", f"sip:bob@{SIP_DOMAIN}",
                        host=a.cluster_ip) == 403
    # nor a request for another node's gateway Contact
    assert _sip_request(a.cluster_port, "MESSAGE",
                        f"sip:gw-1@{b.cluster_hostport}", host=a.cluster_ip) == 403
    # a MESSAGE to a room on the cluster socket: only joins, subscriptions
    # and REFERs of rooms cross nodes
    assert _sip_request(a.cluster_port, "MESSAGE", "sip:anyroom@conference.sylk.test",
                        host=a.cluster_ip) == 403


def test_a_client_cannot_pass_for_authenticated_to_the_rooms_node(cluster):
    """The node a join crosses to trusts the relaying node's word that it
    authenticated the sender (X-Sylk-Cluster-Auth); a client's own copy of
    that header is removed on the way: a stranger still may not open a room."""
    _, (a, b, _c) = cluster
    room = "forged" + msrp.random_id(4)
    a.kamcmd("htable.sets", "confroom", room, hostport(a))
    wait_until(lambda: room_home(b, room) == hostport(a), 5, interval=0.1,
               what="the entry replicated to B")
    port = free_port()
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           f"m=message {port} TCP/MSRP *\r\na=path:msrp://127.0.0.1:{port}/x1;tcp\r\n"
           "a=accept-types:message/cpim\r\na=setup:active\r\n")
    status = _sip_request(b.sip_port, "INVITE", f"sip:{room}@conference.sylk.test",
                          sender="sip:mallory@example.org",
                          headers="X-Sylk-Cluster-Auth: yes\r\n", sdp=sdp)
    assert status.startswith("403 ") and "only local users open rooms" in status, status
    assert room not in rooms_of(a) and room not in rooms_of(b)
