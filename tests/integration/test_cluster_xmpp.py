# SPDX-License-Identifier: GPL-2.0-or-later
"""The SIP <-> XMPP gateway in a cluster (issue 21): two nodes on the
shared PostgreSQL, one Prosody whose component for our SIP domain is node
B's gateway (sylk_xmpp), our users on node A.

One Prosody, not one per node: Prosody is the XMPP server of the XMPP
domain (its users' accounts and rosters live there, one place), and it
takes one connection per component domain (mod_component refuses a second
one, "Component already connected"), so a carrier's cluster has the
component on one node. The other nodes relay what their users send to
XMPP (MESSAGEs, SUBSCRIBEs, chat INVITEs) to that node's cluster socket
(XMPP_NODE, route[XMPP_TO_NODE]); what comes from XMPP is routed by that
node like any request of its own: presence to the presentity's home,
messages to where the user is registered.

What a user notices: an XMPP user watching a SIP user whose presence lives
on A (her phone PUBLISHes through A) is answered, sees her status text and
show and each change, and can unsubscribe and subscribe again; messages
and receipts both ways between an XMPP user and a browser on A; a phone on
A watching an XMPP user sees its status; a SIP user on A opens an MSRP
chat session (RFC 7573) with an XMPP user: B's focus answers it, text goes
both ways, and a BYE from either side (through A) ends it."""

import os
import re
import uuid

import pytest

from sylktest.cluster import Node, Postgres, cluster_address
from sylktest.msrp import parse_path
from sylktest.processes import wait_until
from sylktest.rtpphone import SipUA
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN
from sylktest.sipp import Sipp
from sylktest.sylkrtc import SylkRtcClient, aor
from sylktest.xmpp import XMPP_DOMAIN, Prosody, XmppClient

from test_messaging import send, wait_disposition, wait_message
from test_presence import auth, notified, wait_notified
from test_xmpp import link_up, xmpp_defines
from test_xmpp_chat_session import CHATSTATES, ChatSession, chat_sessions, gone, watch_chat_states

ALICE, BOB, CAROL = aor("alice"), aor("bob"), aor("carol")
ERIN = f"erin@{XMPP_DOMAIN}"
GINA_JID = f"gina@{XMPP_DOMAIN}"
GINA = f"sip:{GINA_JID}"
NODE_DEFINES = {"CLUSTER_DMQ_PING": 2}


@pytest.fixture(scope="module")
def xcluster(tmp_path_factory):
    """(A, B, prosody): B's gateway is Prosody's component; A names B as
    the node with the component (XMPP_NODE) and runs none itself."""
    top = str(tmp_path_factory.mktemp("cluster-xmpp"))
    prosody = Prosody(top, SIP_DOMAIN, users=("dave", "erin", "frank", "gina"))
    db = nodes = None
    try:
        db = Postgres(top)
        nodes = []
        addr_a, addr_b = cluster_address(), cluster_address()
        xmpp_node = {"XMPP_NODE": f'"{addr_b[0]}:{addr_b[1]}"'}
        a = Node(os.path.join(top, "a"), db, address=addr_a, join=addr_b,
                 defines=dict(NODE_DEFINES, **xmpp_node))
        nodes.append(a)
        b = Node(os.path.join(top, "b"), db, address=addr_b, join=addr_a,
                 defines=dict(NODE_DEFINES, **xmpp_node, **xmpp_defines(prosody)))
        nodes.append(b)
        for n in nodes:
            wait_until(lambda n=n: n.dmq_nodes() >= 2, 15, interval=0.2,
                       what="both nodes in the DMQ view")
        wait_until(lambda: link_up(b), 10, what="B's XMPP component link up")
        yield a, b, prosody
    finally:
        for n in nodes or ():
            n.stop()
        if db:
            db.stop()
        prosody.stop()


def pres_home(node, user):
    r = node.kamcmd_result("htable.get", "preshome", f"{user}@{SIP_DOMAIN}")
    m = re.search(r"value:\s*(\S+)", r.stdout)
    return m.group(1) if r.returncode == 0 and m else None


def pidf(user, basic, note, away=False):
    person = ('<dm:person id="p"><rpid:activities><rpid:away/></rpid:activities></dm:person>'
              if away else "")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<presence xmlns="urn:ietf:params:xml:ns:pidf" '
            'xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" '
            'xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" '
            f'entity="sip:{user}@{SIP_DOMAIN}">'
            f'<tuple id="phone"><status><basic>{basic}</basic></status>'
            f'<note>{note}</note></tuple>{person}</presence>')


class Phone(SipUA):
    """A SIP phone of one of our users talking to one node (digest auth)."""

    def __init__(self, node, user):
        super().__init__(node.sip_port, user, domain=SIP_DOMAIN, password=DEMO_ACCOUNTS[user])
        self.etag = None

    def publish(self, basic, note, away=False):
        """One publication, modified in place (SIP-If-Match) after the first."""
        d = self.new_dialog(self.aor)
        extra = ["Event: presence", "Expires: 600"]
        if self.etag:
            extra.append(f"SIP-If-Match: {self.etag}")
        r = self.request_in_dialog(d, "PUBLISH", extra=extra, ctype="application/pidf+xml",
                                   body=pidf(self.user, basic, note, away))
        assert r.code == 200, r.start
        self.etag = r.header("sip-etag")


def presence_of(client, uri, ptype, status=None, show=None, timeout=10):
    return client.wait_presence(
        lambda p: p["from"].split("/")[0] == uri and p["type"] == ptype
        and (status is None or p["status"] == status) and (show is None or p["show"] == show),
        timeout=timeout)


def set_presence(client, to, ptype):
    client.call(lambda: client.client.send_presence(pto=to, ptype=ptype))


def test_xmpp_user_on_b_watches_presence_published_on_a(xcluster):
    """carol's phone publishes through A, which becomes her presence home;
    dave (XMPP, whose gateway is B) subscribes to her: B's gateway watches
    her through A's presence server, and dave sees her status, each change
    she publishes through A, unavailable; he unsubscribes (B ends its
    subscription on A) and subscribing again shows her current state."""
    a, b, prosody = xcluster
    phone = Phone(a, "carol")
    dave = None
    try:
        phone.publish("open", "at my desk")
        wait_until(lambda: pres_home(b, "carol") == a.cluster_hostport, 5, interval=0.1,
                   what="carol's presence home (A) known on B")
        dave = XmppClient(prosody, "dave")
        set_presence(dave, CAROL, "subscribe")
        presence_of(dave, CAROL, "subscribed")
        presence_of(dave, CAROL, "available", status="at my desk")
        phone.publish("open", "in a meeting", away=True)
        # available with <show>away</show> (slixmpp gives it the show as its type)
        presence_of(dave, CAROL, "away", status="in a meeting", show="away")
        phone.publish("closed", "gone home")
        presence_of(dave, CAROL, "unavailable")
        # B relayed the gateway's SUBSCRIBE to A, whose presence server held it
        assert pres_home(a, "carol") == pres_home(b, "carol") == a.cluster_hostport

        set_presence(dave, CAROL, "unsubscribe")
        wait_until(lambda: f"no XMPP watcher of {CAROL} left" in b.process.log(), 10,
                   interval=0.1, what="B's gateway ending its subscription to carol")
        phone.publish("open", "back again")
        set_presence(dave, CAROL, "subscribe")
        presence_of(dave, CAROL, "available", status="back again")
    finally:
        if dave:
            dave.close()
        phone.close()
    # the gateway's requests for carol crossed to A: its SUBSCRIBE, the
    # unsubscription, the new SUBSCRIBE; none was refused there
    log = b.process.log()
    assert log.count(f"presence of {CAROL}: SUBSCRIBE of sip:xmpp-gateway@{SIP_DOMAIN} "
                     f"relayed to its node {a.cluster_hostport}") >= 3, log[-3000:]
    assert f"the gateway's SUBSCRIBE to {CAROL}:" not in log


def test_messages_and_receipts_both_ways_across_nodes(xcluster):
    """alice's browser is on A, the component on B: erin's message reaches
    her with its receipt back; alice's message (sent through A) reaches
    erin, whose receipt comes back as `delivered`."""
    a, _b, prosody = xcluster
    erin = XmppClient(prosody, "erin")
    try:
        with SylkRtcClient(a.http_port, version=2) as alice:
            alice.register("alice")
            mid = "x-" + uuid.uuid4().hex
            erin.send(ALICE, "hello alice, from XMPP", msg_id=mid)
            got = wait_message(alice, mid)
            assert got["sender"]["uri"] == ERIN
            assert got["content"] == "hello alice, from XMPP"
            # her browser says delivered: an IMDN sent through A, a receipt in XMPP
            alice.expect_ack("account-disposition-notification", account=ALICE, uri=ERIN,
                             message_id=mid, state="delivered", timestamp=got["timestamp"])
            r = erin.wait(lambda m: m.get("receipt") == mid)
            assert r["from"] == ALICE

            mid = send(alice, ALICE, ERIN, "hi erin, from node A")
            wait_disposition(alice, mid, "accepted")
            m = erin.wait(lambda m: m.get("body") == "hi erin, from node A")
            assert m["from"] == ALICE and m["id"] == mid and m["type"] == "chat"
            wait_disposition(alice, mid, "delivered")
    finally:
        erin.close()


def test_phone_on_a_watches_xmpp_user(xcluster, workdir):
    """bob's phone SUBSCRIBEs to frank@xmpp through A: relayed to B's
    gateway, which asks frank; the phone gets frank's state as PIDF (its
    NOTIFYs through A), his status change, and its unsubscription ends the
    XMPP subscription."""
    a, _b, prosody = xcluster
    frank = XmppClient(prosody, "frank")
    watcher = None
    try:
        watcher = Sipp(workdir, "bob-watch-frank", "xmpp_presence_watch.xml",
                       f"127.0.0.1:{a.sip_port}",
                       keys={"user": "bob", "domain": SIP_DOMAIN, "to": "frank",
                             "to_domain": XMPP_DOMAIN, "expires": 600},
                       extra=auth("bob") + ["-set", "notifies", "3"])
        presence_of(frank, BOB, "subscribe")
        wait_notified(watcher, lambda n: any(basic == "open" for basic, _ in n), timeout=15)
        frank.call(lambda: frank.client.send_presence(pshow="away", pstatus="on the train"))
        wait_notified(watcher, lambda n: ("open", "on the train") in n, timeout=10)
        watcher.wait(30)
        assert watcher.process.proc.returncode == 0, watcher.report()
        assert "unsubscribed 200" in watcher.actions(), watcher.report()
        presence_of(frank, BOB, "unsubscribe")
    finally:
        if watcher:
            watcher.stop()
        frank.close()
    assert notified(watcher)


def test_only_a_node_passes_a_request_to_xmpp_for_authenticated(xcluster):
    """B's gateway believes the relaying node's X-Sylk-Cluster-Auth on its
    cluster socket only; A relays only what it authenticated, whatever
    mark a client sends."""
    from test_cluster import _sip_request
    a, b, _prosody = xcluster
    dave = f"sip:dave@{XMPP_DOMAIN}"
    forged = "X-Sylk-Cluster-Auth: yes\r\n"
    assert _sip_request(a.sip_port, "MESSAGE", dave, sender="sip:mallory@example.org",
                        headers=forged).startswith("403 ")
    assert _sip_request(a.sip_port, "MESSAGE", dave, sender=f"sip:alice@{SIP_DOMAIN}",
                        headers=forged).startswith("407 ")
    assert _sip_request(b.cluster_port, "MESSAGE", dave, sender=f"sip:alice@{SIP_DOMAIN}",
                        host=b.cluster_ip) == 403
    # the same with the mark reaches the gateway, which refuses the empty body
    status = _sip_request(b.cluster_port, "MESSAGE", dave, sender=f"sip:alice@{SIP_DOMAIN}",
                          headers=forged, host=b.cluster_ip)
    assert status.startswith("415 "), status
    # chat-session INVITEs alike
    assert _sip_request(a.sip_port, "INVITE", dave, sender="sip:mallory@example.org",
                        headers=forged).startswith("403 ")
    assert _sip_request(a.sip_port, "INVITE", dave, sender=f"sip:alice@{SIP_DOMAIN}",
                        headers=forged).startswith("407 ")
    assert _sip_request(b.cluster_port, "INVITE", dave, sender=f"sip:alice@{SIP_DOMAIN}",
                        host=b.cluster_ip) == 403


def via_hosts(msg):
    """host:port of each Via of a SIP message, top first."""
    return [v.split()[1].split(";")[0] for h in msg.all("via") for v in h.split(",")]


def test_chat_session_from_a_with_xmpp_user_bye_from_sip(xcluster):
    """bob's SIP UA registers on A (no component there) and INVITEs gina
    (XMPP) with an MSRP chat stream: A authenticates him (407, then his
    credentials) and relays the INVITE to B, whose focus answers with B's
    MSRP address, so his MSRP goes straight to B. His text reaches gina,
    hers comes into the session; his BYE, through A, ends it: gina is
    told <gone/>, B's focus holds no session, and what gina writes next
    reaches bob as a SIP MESSAGE."""
    a, b, prosody = xcluster
    bob_uri = f"sip:{BOB}"
    gina = watch_chat_states(XmppClient(prosody, "gina"))
    s = None
    try:
        base = chat_sessions(b)
        s = ChatSession(a, user="bob", peer=GINA).start()
        # B's focus answered: its MSRP listener, a plain session Contact
        _, host, port, _ = parse_path(re.search(r"^a=path:(\S+)", s.answer.body, re.M).group(1))
        assert (host, port) == ("127.0.0.1", b.msrp_port), s.answer.body
        assert "isfocus" not in s.answer.header("contact")
        assert chat_sessions(b) == base + 1
        # A stays in the dialog (its record-route), so ACK and BYE pass it
        assert any(f":{a.sip_port}" in r for r in s.dialog.route_set), s.dialog.route_set

        assert s.say("hello gina, from node A", sender=bob_uri, to=GINA) == 200
        m = gina.wait(lambda m: m.get("body") == "hello gina, from node A")
        assert m["from"] == BOB and m["to"].split("/")[0] == GINA_JID and m["type"] == "chat"

        gina.send(BOB, "hi bob, from XMPP", msg_id="g1", receipt=False)
        s.msrp.wait_for(lambda: "hi bob, from XMPP" in s.texts_from(GINA), timeout=10,
                        what="gina's text in the MSRP session")
        assert not [body for body in s.sip_messages() if "hi bob, from XMPP" in body]

        assert s.ua.bye(s.dialog).code == 200
        gina.wait(gone)
        wait_until(lambda: chat_sessions(b) == base, 10, what="B's session count back")
        gina.send(BOB, "after the session", msg_id="g2", receipt=False)
        wait_until(lambda: [body for body in s.sip_messages() if "after the session" in body],
                   10, what="a SIP MESSAGE after the session")
        assert "after the session" not in s.texts_from(GINA)
    finally:
        if s:
            s.close()
        gina.close()
    assert f"INVITE of sip:{BOB} for {GINA} relayed to the XMPP node" in a.process.log()


def test_chat_session_from_a_ended_by_the_xmpp_user(xcluster):
    """gina closes the chat (<gone/>): B's focus sends its BYE along the
    dialog's route, through A, and bob's UA gets it."""
    a, b, prosody = xcluster
    gina = XmppClient(prosody, "gina")
    s = None
    try:
        base = chat_sessions(b)
        s = ChatSession(a, user="bob", peer=GINA, register=False).start()
        assert s.say("are you there, gina?", sender=f"sip:{BOB}", to=GINA) == 200
        gina.wait(lambda m: m.get("body") == "are you there, gina?")
        gina.send_raw(f"<message to='{BOB}' type='chat'><gone xmlns='{CHATSTATES}'/></message>")
        assert s.dialog.terminated.wait(10), "no BYE after <gone/>"
        # the BYE came from A (its public socket), which B sent it to
        hops = via_hosts(s.dialog.bye)
        assert hops[0] == f"127.0.0.1:{a.sip_port}", hops
        wait_until(lambda: chat_sessions(b) == base, 10, what="B's session count back")
    finally:
        if s:
            s.close()
        gina.close()
