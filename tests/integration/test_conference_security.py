# SPDX-License-Identifier: GPL-2.0-or-later
"""The conference focus against strangers (issue 13, points 3 to 5): each
test plays the attack and checks that it fails, and that the legitimate
flow next to it still works.

- Room policy: a stranger's INVITE opens no room, a local authenticated
  user's does, and the stranger may then join that open room.
- REFER: a stranger's REFER (dial-in or BYE) is refused, also with a
  participant's From sent from elsewhere; a participant's REFER still
  dials someone in. Dial-outs follow the relay policy of whoever asked:
  a stranger's REFER to a foreign number is refused by the script, an
  authenticated user's is routed like that user's own call.
- Files: a second offer of a stored file is refused and cannot change it;
  a failed upload of the same hash in flight never touches the other
  upload; pulls get the right bytes. Screens: viewer URLs carry a 128-bit
  token; sequential or made-up URLs find nothing, the real one works.
- Orphans: an INVITE never ACKed and a chat participant that never opens
  its MSRP connection are removed after their deadlines; rooms are capped
  per source (per authenticated user, else per address) and in total.

Strangers live in foreign domains and send no credentials; the demo users
of sylk.test authenticate. Requests from another "address" come from
127.0.0.2 (still loopback) to the server on 127.0.0.1."""

import re
import secrets
import socket
import threading
import time
import urllib.parse

import pytest

from sylktest import msrp
from sylktest.msrp import MsrpClient, file_selector, random_id, sha1_hash
from sylktest.processes import free_port, wait_until
from sylktest.rtpphone import SipError, SipUA, Subscription
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN, Kamailio
from sylktest.sipp import Sipp, run_uac
from test_conference import new_room, notify_documents, people, subscribe  # noqa: F401
from test_conference_files import (CHUNK, OCTETS, http_get, jpeg, pull, push,  # noqa: F401
                                   screen_url, share, stored, transfers)

CONF_DOMAIN = "conference.sylk.test"
FOREIGN = "evil.example"


def room_uri(room):
    return f"sip:{room}@{CONF_DOMAIN}"


def chat_offer(msrp_id, port=40000):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=message {port} TCP/MSRP *\r\n"
            f"a=path:msrp://127.0.0.1:{port}/{msrp_id};tcp\r\n"
            "a=accept-types:message/cpim\r\na=accept-wrapped-types:*\r\na=setup:active\r\n")


class SourceUA(SipUA):
    """A SipUA whose socket is bound to `source` (another loopback address:
    another source address to the server)."""

    def __init__(self, server_port, user, domain=FOREIGN, password=None, source="127.0.0.1"):
        super().__init__(server_port, user, domain, password)
        if source == "127.0.0.1":
            return
        self._running = False
        self._thread.join(2)
        self.sock.close()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((source, 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.contact = f"<sip:{user}@{source}:{self.port}>"
        self._running = True
        self._thread = threading.Thread(target=self._reader, daemon=True, name=f"sip-{user}")
        self._thread.start()


class Member:
    """A chat participant: SIP dialog (SipUA) and, once connected, its MSRP
    session."""

    def __init__(self, server, user, domain=FOREIGN, password=None, source="127.0.0.1"):
        self.ua = SourceUA(server.sip_port, user, domain, password, source)
        self.aor = self.ua.aor
        self.msrp_id = random_id()
        self.dialog = None
        self.answer = None
        self.msrp = None

    def join(self, room, ack=True):
        """INVITE the room; the final response (a 2xx is ACKed unless ack=False)."""
        if ack:
            try:
                self.dialog, self.answer = self.ua.invite(room_uri(room), chat_offer(self.msrp_id))
            except SipError as e:
                return e.args[1]
            return self.answer
        self.dialog = self.ua.new_dialog(room_uri(room))
        self.answer = self.ua._transaction("INVITE", self.dialog, body=chat_offer(self.msrp_id))
        if 200 <= self.answer.code < 300:
            self.dialog.established_by(self.answer)
        return self.answer

    def connect(self):
        path = re.search(r"a=path:(\S+)", self.answer.body).group(1)
        self.msrp = MsrpClient(path, local_path=f"msrp://127.0.0.1:40000/{self.msrp_id};tcp")
        assert self.msrp.bind() == 200
        return self.msrp

    def refer(self, room, refer_to, timeout=10):
        """An out-of-dialog REFER to the room: (final response, Subscription
        that collects the sipfrag NOTIFYs)."""
        d = self.ua.new_dialog(room_uri(room))
        sub = self.ua._subscriptions[d.call_id] = Subscription(self.ua, d)
        r = self.ua._transaction("REFER", d, timeout=timeout,
                                 extra=[f"Refer-To: {refer_to}", "Event: refer"])
        return r, sub

    def close(self):
        if self.msrp:
            self.msrp.close()
        if self.dialog and self.dialog.remote_tag and not self.dialog.terminated.is_set():
            try:
                self.ua.bye(self.dialog, timeout=3)
            except (SipError, TimeoutError):
                pass
        self.ua.close()


@pytest.fixture
def members():
    made = []

    def make(server, user, domain=FOREIGN, password=None, source="127.0.0.1"):
        m = Member(server, user, domain, password, source)
        made.append(m)
        return m
    yield make
    for m in made:
        m.close()


def local(server, members, user, source="127.0.0.1"):
    """A demo user of our domain, with its password."""
    return members(server, user, SIP_DOMAIN, DEMO_ACCOUNTS[user], source)


def rooms(server):
    return re.findall(r"room: (\S+)", server.kamcmd("sylk_conference.rooms"))


def participants(server, room):
    """The participants' URIs of a running room; [] when it does not run."""
    r = server.kamcmd_result("sylk_conference.participants", room_uri(room))
    if r.returncode != 0 or r.stdout.startswith("error"):
        return []
    return re.findall(r"uri: (\S+)", r.stdout)


def sipfrags(sub):
    """The status lines of the sipfrag NOTIFYs a REFER got."""
    return [n.body.split("\r\n")[0] for n in list(sub.notifies) if n.body]


def final_sipfrag(sub, timeout=15):
    def done():
        return any(s.startswith("terminated") for s in list(sub.states))
    wait_until(done, timeout, what="the REFER's final NOTIFY")
    return sipfrags(sub)[-1]


# ---- who may open a room ------------------------------------------------------------

def test_a_stranger_cannot_open_a_room_a_local_user_can_and_the_stranger_may_then_join(
        server, members):
    room = new_room("policy")
    mallory = members(server, "mallory")
    r = mallory.join(room)
    assert r.code == 403, r.start
    assert "local users" in r.reason, r.start
    assert room_uri(room) not in rooms(server)

    # a stranger calling itself a local user is challenged, and without the
    # password gets no further
    spoof = members(server, "alice", SIP_DOMAIN)
    assert spoof.join(room).code == 407
    assert room_uri(room) not in rooms(server)

    alice = local(server, members, "alice")
    assert alice.join(room).code == 200
    alice.connect()
    assert room_uri(room) in rooms(server)

    # the room runs and is open: the stranger joins
    assert mallory.join(room).code == 200
    mallory.connect()
    assert set(participants(server, room)) == {alice.aor, mallory.aor}


# ---- REFER ------------------------------------------------------------------------------

@pytest.fixture
def bob_phone(server, workdir):
    """bob@sylk.test registered at a SIPp phone that answers the focus."""
    phone = Sipp(workdir, "bob-dialled", "conf_uas.xml",
                 keys={"msrp_port": free_port(), "msrp_id": random_id(8)})
    reg = run_uac(workdir, "bob-register", "register.xml", f"127.0.0.1:{server.sip_port}",
                  keys={"user": "bob", "domain": SIP_DOMAIN, "contact_port": phone.port},
                  extra=["-au", "bob", "-ap", DEMO_ACCOUNTS["bob"]])
    assert reg.actions()[-1] == "final 200", reg.report()
    yield phone
    phone.stop()


def invited(phone):
    return [a for a in phone.actions() if a.startswith("invite from")]


def test_a_strangers_refer_is_refused_and_a_participants_refer_dials_someone_in(
        server, members, bob_phone):
    room = new_room("refer")
    alice = local(server, members, "alice")
    assert alice.join(room).code == 200
    alice.connect()
    # a participant from a foreign domain (no credentials)
    dave = members(server, "dave", "example.org")
    assert dave.join(room).code == 200
    dave.connect()
    bob = f"sip:bob@{SIP_DOMAIN}"

    # a stranger: neither dial-in nor kicking anyone out
    eve = members(server, "eve")
    r, _ = eve.refer(room, f"<{bob};method=INVITE>")
    assert r.code == 403, r.start
    r, _ = eve.refer(room, f"<{alice.aor};method=BYE>")
    assert r.code == 403, r.start
    # dave's From, but from another address than dave's INVITE
    fake_dave = members(server, "dave", "example.org", source="127.0.0.2")
    r, _ = fake_dave.refer(room, f"<{alice.aor};method=BYE>")
    assert r.code == 403, r.start
    time.sleep(1)
    assert set(participants(server, room)) == {alice.aor, dave.aor}
    assert not invited(bob_phone), bob_phone.actions()
    assert not alice.dialog.terminated.is_set()

    # the participant dave: bob is dialled in, for dave
    r, sub = dave.refer(room, f"<{bob};method=INVITE>")
    assert r.code == 202, r.start
    assert final_sipfrag(sub).startswith("SIP/2.0 200"), sipfrags(sub)
    wait_until(lambda: invited(bob_phone), 10, what="the focus's INVITE at bob")
    assert room in invited(bob_phone)[0]
    wait_until(lambda: bob in participants(server, room), 10, what="bob in the room")
    # bob learns who asked; the script's trust header never leaves the proxy
    invite = bob_phone.messages()
    assert re.search(r"^Referred-By: <sip:dave@example\.org>", invite, re.M | re.I), invite
    assert "x-sylk-referrer" not in invite.lower(), invite

    # and an authenticated local user (not in the room) may REFER it too
    carol = local(server, members, "carol")
    r, sub = carol.refer(room, f"<{bob};method=BYE>")
    assert r.code == 202, r.start
    assert final_sipfrag(sub).startswith("SIP/2.0 200"), sipfrags(sub)
    wait_until(lambda: bob not in participants(server, room), 10, what="bob out of the room")


def test_dial_outs_follow_the_relay_policy_of_whoever_referred_them(server, members):
    room = new_room("dialout")
    alice = local(server, members, "alice")
    assert alice.join(room).code == 200
    alice.connect()
    dave = members(server, "dave", "example.org")
    assert dave.join(room).code == 200
    dave.connect()
    premium = "sip:+19005550123@pstn.example"

    # a stranger in the room asks for a premium-rate number: the focus
    # dials, the script refuses to relay it as it refuses dave's own call
    r, sub = dave.refer(room, f"<{premium};method=INVITE>")
    assert r.code == 202, r.start
    assert final_sipfrag(sub).startswith("SIP/2.0 403"), sipfrags(sub)
    # dave may not call it himself either
    with pytest.raises(SipError) as e:
        dave.ua.invite(premium, chat_offer(random_id()))
    assert e.value.args[1].code == 403
    # nor by writing the focus's header himself
    with pytest.raises(SipError) as e:
        dave.ua.invite(premium, chat_offer(random_id()),
                       extra=["X-Sylk-Referrer: <sip:alice@sylk.test>;auth=yes"])
    assert e.value.args[1].code == 403

    # alice, authenticated, may call out: her dial-out passes the relay
    # check and goes on to routing (which has no route to that domain: 404)
    r, sub = alice.refer(room, f"<{premium};method=INVITE>")
    assert r.code == 202, r.start
    frag = final_sipfrag(sub)
    assert not frag.startswith("SIP/2.0 403"), sipfrags(sub)
    assert frag.startswith("SIP/2.0 404"), sipfrags(sub)
    log = server.process.log()
    assert re.search(r"dial-out of sip:\S+ to " + re.escape(premium) +
                     r" for <sip:dave@example\.org>;auth=no refused", log)
    assert re.search(r"dial-out to " + re.escape(premium) + r" for <sip:alice@sylk\.test>;auth=yes",
                     log)
    # a room does not dial a room
    r, _ = alice.refer(room, f"<{room_uri(new_room('other'))};method=INVITE>")
    assert r.code == 403, r.start
    assert set(participants(server, room)) == {alice.aor, dave.aor}


# ---- files and screens ---------------------------------------------------------------

def test_a_second_offer_of_a_stored_file_cannot_change_it_and_a_pull_gets_the_right_bytes(
        server, people, transfers):
    room = new_room("dupfile")
    alice = people("alice", room)
    alice.connect()
    data = secrets.token_bytes(3 * CHUNK + 123)
    push(transfers, server, "alice", room, data, name="report.pdf")
    wait_until(lambda: stored(server, data), 10, what="the file stored")
    path = stored(server, data)[0]
    before = open(path, "rb").read()
    assert before == data

    # bob offers the same name, size and hash: refused before a byte moves
    offer = transfers(server, "bob", room, "sendonly",
                      file_selector("report.pdf", OCTETS, len(data), sha1_hash(data)))
    assert offer.refusal() == 488, offer.sipp.report()
    assert open(path, "rb").read() == data
    assert stored(server, data) == [path]

    # a late joiner pulls what alice shared, byte-exact
    got = pull(transfers, server, "carol", room, sha1_hash(data)).receive()
    assert got.body == data


def send_range(client, data, start, end, message_id):
    """One chunk of `data` (bytes start..end) of a file push; its tid."""
    tid = random_id(6)
    last = end >= len(data)
    headers = [("Message-ID", message_id), ("Byte-Range", f"{start + 1}-{end}/{len(data)}")]
    client.send_raw(client.build(tid, "SEND", client.focus_path, client.path, headers,
                                 body=data[start:end], content_type=OCTETS,
                                 flag="$" if last else "+"))
    return tid


def test_a_failed_upload_of_the_same_file_never_touches_the_other_upload(
        server, people, transfers):
    room = new_room("racefile")
    alice = people("alice", room)
    alice.connect()
    data = secrets.token_bytes(4 * CHUNK)
    selector = file_selector("photo.jpg", OCTETS, len(data), sha1_hash(data))
    # alice's upload is in flight: all but its last chunk
    upload = transfers(server, "alice", room, "sendonly", selector)
    a = upload.connect()
    mid = random_id(8)
    tids = [send_range(a, data, off, off + CHUNK, mid) for off in range(0, 3 * CHUNK, CHUNK)]
    assert [a.wait_response(t, 30).code for t in tids] == [200] * 3

    # mallory offers the same hash meanwhile and sends other bytes: her
    # upload fails its hash check...
    bogus = transfers(server, "bob", room, "sendonly", selector)
    b = bogus.connect()
    junk = secrets.token_bytes(len(data))
    _, btids = b.send(junk, content_type=OCTETS, chunk_size=CHUNK)
    codes = [b.wait_response(t, 30).code for t in btids]
    assert codes[:-1] == [200] * (len(btids) - 1) and codes[-1] == 400, codes
    assert not stored(server, data)

    # ...and alice's upload, untouched, completes and is stored
    t = send_range(a, data, 3 * CHUNK, len(data), mid)
    assert a.wait_response(t, 30).code == 200
    wait_until(lambda: stored(server, data), 10, what="alice's file stored")
    assert open(stored(server, data)[0], "rb").read() == data
    got = pull(transfers, server, "carol", room, sha1_hash(data)).receive()
    assert got.body == data


def test_screen_urls_are_unguessable_and_still_work_for_the_viewers(server, workdir, people):
    room = new_room("screensec")
    alice = people("alice", room)
    alice.connect()
    people("bob", room).connect()
    watcher = subscribe(server, workdir, "carol", room, notifies=100)
    try:
        image = jpeg((10, 200, 10))
        assert share(alice, image) == 200
        url = wait_until(lambda: screen_url(watcher, alice.uri), 15,
                         what="screen_image_url in conference-info")
        token = urllib.parse.urlparse(url).path.rsplit("/", 1)[1]
        assert re.fullmatch(r"[0-9a-f]{32}", token), url
        # the viewers: page and image
        assert http_get(url)[0] == 200
        assert http_get(url + ".jpg") == (200, "image/jpeg", image)

        base = f"http://127.0.0.1:{server.http_port}/conference/screen/"
        # what a stranger tries: the old sequential keys, made-up tokens, a
        # token one digit off, paths around the token
        guesses = [f"{base}{r}/{p}.jpg" for r in range(1, 40) for p in range(1, 40, 3)]
        guesses += [base + secrets.token_hex(16) + ".jpg" for _ in range(20)]
        off = format((int(token[-1], 16) + 1) % 16, "x")
        guesses += [base + token[:-1] + off + ".jpg", base + token[:-1] + off,
                    base + token.upper() + ".jpg", base + token + "/.jpg",
                    base + token + ".jpg/..", base + "../" + token + ".jpg", base]
        for g in guesses:
            assert http_get(g)[0] == 404, g
        assert http_get(url + ".jpg")[0] == 200
    finally:
        watcher.stop()


# ---- orphans ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def deadline_server(tmp_path_factory, rtpengine):
    kamailio = Kamailio(str(tmp_path_factory.mktemp("kamailio-deadlines")), rtpengine,
                        defines={"CONF_ACK_TIMEOUT": 2, "CONF_MSRP_TIMEOUT": 3})
    yield kamailio
    kamailio.stop()


def test_a_participant_that_never_acks_is_removed_and_one_that_does_stays(
        deadline_server, members):
    srv = deadline_server
    room = new_room("noack")
    alice = local(srv, members, "alice")
    assert alice.join(room).code == 200
    alice.connect()
    # a stranger answered 200 that never ACKs (nor connects its chat)
    ghost = members(srv, "ghost")
    assert ghost.join(room, ack=False).code == 200
    assert set(participants(srv, room)) == {alice.aor, ghost.aor}
    wait_until(lambda: ghost.aor not in participants(srv, room), 10, interval=0.2,
               what="the un-ACKed participant removed")
    # it was told (BYE), and nobody else went
    assert ghost.dialog.terminated.wait(5), "no BYE for the un-ACKed participant"
    assert participants(srv, room) == [alice.aor]
    assert "never ACKed" in srv.process.log()
    time.sleep(3)
    assert participants(srv, room) == [alice.aor]


def test_a_chat_participant_without_an_msrp_connection_is_removed_after_the_deadline(
        deadline_server, members):
    srv = deadline_server
    room = new_room("nomsrp")
    alice = local(srv, members, "alice")
    assert alice.join(room).code == 200
    alice.connect()
    idle = members(srv, "idle")
    assert idle.join(room).code == 200   # ACKed, but no MSRP connection ever
    late = members(srv, "late")
    assert late.join(room).code == 200
    time.sleep(1.5)
    late.connect()                       # connects within the deadline
    wait_until(lambda: idle.aor not in participants(srv, room), 10, interval=0.2,
               what="the participant without MSRP removed")
    assert idle.dialog.terminated.wait(5), "no BYE for the participant without MSRP"
    time.sleep(3)
    assert set(participants(srv, room)) == {alice.aor, late.aor}
    # the room works for those who stay
    assert late.msrp.send(msrp.cpim(late.aor, room_uri(room), "still here"))
    alice.msrp.wait_for(lambda: "still here" in alice.msrp.texts(), 5, what="chat")


@pytest.fixture(scope="module")
def capped_server(tmp_path_factory, rtpengine):
    kamailio = Kamailio(str(tmp_path_factory.mktemp("kamailio-caps")), rtpengine,
                        defines={"CONF_ROOM_CREATORS": '"any"', "CONF_MAX_ROOMS": 5,
                                 "CONF_MAX_ROOMS_PER_SOURCE": 2})
    yield kamailio
    kamailio.stop()


def test_rooms_are_capped_per_source_and_in_total(capped_server, members):
    """Anyone may open rooms on this server (room_creators "any"), two per
    source and five in all."""
    srv = capped_server
    one = [members(srv, f"m{i}") for i in range(3)]        # 127.0.0.1
    two = [members(srv, f"n{i}", source="127.0.0.2") for i in range(3)]
    names = [new_room("cap") for _ in range(7)]

    assert one[0].join(names[0]).code == 200
    assert one[1].join(names[1]).code == 200
    r = one[2].join(names[2])
    assert r.code == 403 and "too many rooms" in r.reason, r.start
    assert room_uri(names[2]) not in rooms(srv)
    # another address still opens rooms, and joining a running room is no
    # new room
    assert two[0].join(names[3]).code == 200
    assert one[2].join(names[3]).code == 200
    # an authenticated user counts on its own, not on its address
    alice = local(srv, members, "alice")
    assert alice.join(names[4]).code == 200
    assert two[1].join(names[5]).code == 200
    assert len(rooms(srv)) == 5
    # the server is full: everybody gets 503 for a new room
    r = members(srv, "x", source="127.0.0.3").join(names[6])
    assert r.code == 503 and "too many rooms" in r.reason, r.start
    assert len(rooms(srv)) == 5
    # a room that ends gives its place back
    one[0].close()
    wait_until(lambda: room_uri(names[0]) not in rooms(srv), 10, what="the room ended")
    assert members(srv, "y", source="127.0.0.3").join(names[6]).code == 200
