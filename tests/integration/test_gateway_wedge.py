# SPDX-License-Identifier: GPL-2.0-or-later
"""No sequence of events wedges the gateway (issue 12, point 2).

A browser-side sylkRTC client (the python client: real WebSocket, canned
WebRTC offer) registers alice, calls either bob (another gateway account,
on a connection that stays up, rings and answers only some calls) or
carol (a SIPp phone with early media that answers after a short while), and
drops its TCP connection abruptly (FIN without a close frame, or an RST via
SO_LINGER 0) at a random point: right after sending session-create (before
the ack), while ringing, after early media, after "accepted". 200 rounds.

After every round, what a user would notice at once: a NEW WebSocket gets
its ready event within 2 s and `kamcmd core.version` answers within 2 s;
bob's ringing (or answered) call ends. At the end, once the cleanups had a
few seconds: no gateway session, no tm transaction, no rtpengine call (its
own CLI), and Kamailio's shm back within noise of a baseline taken after a
warm-up."""

import os
import random
import re
import subprocess
import time
import uuid

import pytest

from sylktest.processes import free_port, wait_until
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN, Kamailio, Rtpengine
from sylktest.sipp import Sipp, run_uac
from sylktest.sylkrtc import WEBRTC_OFFER, ConnectionClosed, SylkRtcClient, webrtc_answer

ALICE = f"alice@{SIP_DOMAIN}"
BOB = f"bob@{SIP_DOMAIN}"
CAROL = f"carol@{SIP_DOMAIN}"

ROUNDS = 200
PROMPT = 2.0             # seconds: a new connection's ready event, a kamcmd answer
SHM_SLACK = 256 * 1024   # bytes of shm growth tolerated over the whole run
EARLY_MS = 400           # carol's early media before her 200

# (callee, where the caller's connection drops)
PLAN = [(BOB, "before-ack"), (BOB, "ringing"), (BOB, "accepted"),
        (CAROL, "before-ack"), (CAROL, "early-media"), (CAROL, "accepted")]


@pytest.fixture(scope="module")
def wedge_rtpengine(tmp_path_factory):
    engine = Rtpengine(str(tmp_path_factory.mktemp("wedge-rtpengine")))
    yield engine
    engine.stop()


@pytest.fixture(scope="module")
def wedge_server(tmp_path_factory, wedge_rtpengine):
    """A server of this test's own: 200 dropped connections must not
    disturb (or be disturbed by) other tests."""
    kamailio = Kamailio(str(tmp_path_factory.mktemp("wedge-kamailio")), wedge_rtpengine)
    yield kamailio
    kamailio.stop()


def kamcmd_now(server, *args):
    """An RPC that must be answered within PROMPT seconds."""
    try:
        r = subprocess.run(["/usr/sbin/kamcmd", "-s", "unix:" + server.ctl_socket, *args],
                           capture_output=True, text=True, timeout=PROMPT)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"kamcmd {' '.join(args)} got no answer within {PROMPT}s") from None
    assert r.returncode == 0 and not r.stdout.startswith("error"), \
        f"kamcmd {' '.join(args)}: {r.stdout}{r.stderr}"
    return r.stdout


def number(text, key):
    m = re.search(rf"^\s*{key}: (\d+)", text, re.M)
    assert m, f"no {key} in {text!r}"
    return int(m.group(1))


def gateway_sessions(server):
    return number(kamcmd_now(server, "sylk_rtc.sessions"), "count")


def tm_current(server):
    return number(kamcmd_now(server, "tm.stats"), "current")


def shm_used(server):
    return number(kamcmd_now(server, "core.shmmem"), "used")


def rtpengine_sessions(rtpengine):
    r = subprocess.run(["/usr/bin/rtpengine-ctl", "-ip", f"127.0.0.1:{rtpengine.cli_port}",
                        "list", "numsessions"], capture_output=True, text=True, timeout=5)
    m = re.search(r"Current sessions total: (\d+)", r.stdout)
    assert m, f"rtpengine-ctl list numsessions: {r.stdout}{r.stderr}"
    return int(m.group(1))


def new_connection(server, why):
    """A new sylkRTC connection that gets its ready event within PROMPT s."""
    t0 = time.monotonic()
    try:
        client = SylkRtcClient(server.http_port, version=2, timeout=PROMPT)
    except Exception as e:  # noqa: BLE001 - any failure to connect is the finding
        raise AssertionError(f"{why}: a new WebSocket got no ready event within {PROMPT}s "
                             f"({type(e).__name__}: {e})") from None
    client.timeout = 10.0   # later requests: the usual patience
    took = time.monotonic() - t0
    assert took < PROMPT, f"{why}: ready event after {took:.2f}s"
    return client


class Bob:
    """bob's connection: registered all along, rings, answers when told;
    keeps track of the calls offered to him that have not ended yet."""

    def __init__(self, server):
        self.client = SylkRtcClient(server.http_port, version=2, timeout=10)
        self.client.register("bob")
        self.open = {}    # session id -> incoming event

    def _take(self, message):
        ev = self.client.flat(message)
        if ev.get("sylkrtc") == "account-event" and ev.get("event") == "incoming-session":
            self.open[ev["session"]] = ev
        elif ev.get("sylkrtc") == "account-event" and ev.get("event") == "missed-session":
            # carries no session id; bob has at most one call ringing
            self.open.clear()
        elif (ev.get("sylkrtc") == "session-event" and ev.get("event") == "state"
              and ev.get("state") == "terminated"):
            self.open.pop(ev.get("session"), None)

    def pump(self, timeout=0.0):
        """Consume what bob received (waiting up to `timeout` for more)."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.client.events():
                self._take(message)
            self.client._pending.clear()
            if time.monotonic() >= deadline:
                return
            time.sleep(0.02)

    def answer_next(self, timeout=5):
        incoming = self.client.wait_incoming_session(BOB, timeout)
        self.open[incoming["session"]] = incoming
        self.client.expect_ack("session-answer", session=incoming["session"],
                               sdp=webrtc_answer(incoming["sdp"]))
        return incoming["session"]

    def close(self):
        self.client.close()


def carol_phone(server, workdir):
    """carol: a SIPp phone with EARLY_MS of early media, many calls."""
    media_port = free_port()
    phone = Sipp(workdir, "carol-phone", "uas_early_cancel.xml", calls=100000,
                 extra=["-rtp_echo", "-mp", str(media_port), "-mi", "127.0.0.1",
                        "-d", str(EARLY_MS), "-timeout", "0"])
    register_carol(server, workdir, phone)
    assert phone.process.alive(), phone.report()
    return phone


def register_carol(server, workdir, phone):
    reg = run_uac(workdir, f"carol-register-{uuid.uuid4().hex[:6]}", "register.xml",
                  f"127.0.0.1:{server.sip_port}",
                  keys={"user": "carol", "domain": SIP_DOMAIN, "contact_port": phone.port},
                  extra=["-au", "carol", "-ap", DEMO_ACCOUNTS["carol"]])
    assert reg.actions()[-1] == "final 200", reg.report()


def one_round(alice, bob, callee, point, reset, rng, n):
    """alice (registered on a fresh connection) calls; her connection drops
    at `point`."""
    session = f"wedge-{n}-{uuid.uuid4().hex[:8]}"
    create = {"sylkrtc": "session-create", "transaction": str(uuid.uuid4()),
              "account": ALICE, "session": session, "uri": callee, "sdp": WEBRTC_OFFER}
    if point == "before-ack":
        alice.send(create)
    else:
        reply = alice.request("session-create", **{k: v for k, v in create.items()
                                                   if k != "sylkrtc"})
        assert reply.get("sylkrtc") == "ack", f"session-create: {reply}"
        if point == "ringing":
            alice.wait_session_state(session, "ringing", timeout=5)
        elif point == "early-media":
            alice.wait_session_state(session, "early-media", timeout=5)
        elif point == "accepted":
            if callee == BOB:
                bob.answer_next(timeout=5)
            alice.wait_session_state(session, "accepted", timeout=5)
        time.sleep(rng.uniform(0, 0.05))
    alice.abort(reset=reset)


def wait_quiet(server, bob, what, timeout=10):
    """Every call of the round has ended: no gateway session, and no call
    still ringing (or up) at bob's."""
    deadline = time.monotonic() + timeout
    while True:
        bob.pump()
        sessions = gateway_sessions(server)
        if sessions == 0 and not bob.open:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: {timeout}s after the drop, {sessions} gateway "
                                 f"session(s) left and bob still has {sorted(bob.open)} "
                                 f"(never told terminated/missed); sessions: "
                                 f"{kamcmd_now(server, 'sylk_rtc.sessions')}")
        time.sleep(0.05)


def wait_all_clean(server, rtpengine, timeout=40):
    """Gateway sessions (each holds its SIP dialog; the default config loads
    no dialog module), tm transactions and rtpengine calls all gone (tm keeps
    finished transactions for its wait timer, 5 s)."""
    state = {}

    def clean():
        state.update(sessions=gateway_sessions(server), tm=tm_current(server),
                     rtpengine=rtpengine_sessions(rtpengine))
        return not any(state.values())
    try:
        wait_until(clean, timeout, interval=0.5, what="cleanup")
    except TimeoutError:
        raise AssertionError(f"{timeout}s after the last round, still left: {state}; "
                             f"{kamcmd_now(server, 'sylk_rtc.sessions')}") from None


def test_abrupt_disconnects_at_any_point_never_wedge_the_server(wedge_server, wedge_rtpengine,
                                                                 workdir):
    server, rtpengine = wedge_server, wedge_rtpengine
    seed = int(os.environ.get("WEDGE_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    plan = [PLAN[i % len(PLAN)] for i in range(ROUNDS)]
    rng.shuffle(plan)

    bob = Bob(server)
    phone = carol_phone(server, workdir)
    registered_at = time.monotonic()
    try:
        alice = new_connection(server, "first connection")

        def run(n, callee, point):
            nonlocal alice, registered_at
            reset = rng.random() < 0.5
            what = (f"round {n} (seed {seed}): call to {callee}, "
                    f"{'RST' if reset else 'FIN'} {point}")
            if time.monotonic() - registered_at > 120:   # register.xml asks for 300 s
                register_carol(server, workdir, phone)
                registered_at = time.monotonic()
            try:
                alice.register("alice")
                one_round(alice, bob, callee, point, reset, rng, n)
            except (AssertionError, TimeoutError, ConnectionClosed) as e:
                raise AssertionError(f"{what}: {type(e).__name__}: {e}") from None
            alice = new_connection(server, what)
            kamcmd_now(server, "core.version")
            wait_quiet(server, bob, what)

        # warm-up: every kind once, then the baseline
        for n, (callee, point) in enumerate(PLAN):
            run(-1 - n, callee, point)
        wait_all_clean(server, rtpengine)
        baseline = shm_used(server)

        started = time.monotonic()
        for n, (callee, point) in enumerate(plan):
            run(n, callee, point)
        took = time.monotonic() - started

        alice.close()
        wait_all_clean(server, rtpengine)
        bob.pump(0.2)
        assert not bob.open, f"calls still ringing at bob's: {bob.open}"
        grown = shm_used(server) - baseline
        assert grown <= SHM_SLACK, (f"shm used grew by {grown} bytes over {ROUNDS} rounds "
                                    f"(baseline {baseline}, seed {seed}, {took:.0f}s)")
        # the drops really exercised both kinds of callee
        assert "early" in phone.actions() and "cancelled" in phone.actions(), phone.actions()[-20:]
    finally:
        bob.close()
        phone.stop()
