# SPDX-License-Identifier: GPL-2.0-or-later
"""Browsers on two cluster nodes (issue 21): a call between two browsers
whose WebSockets are on different nodes, audio both ways; and a node that
dies: the demo web app in headless Chromium, given the WebSocket URLs of
two nodes, is registered through the first; the first node is killed with
-9; the page reconnects to the second on its own, registers again, and a
message sent to alice on the second node shows in the page; a test client
given both nodes (sylktest's FailoverClient) moves over the same way and
sends it."""

import json
import os
import subprocess
import time

import pytest

from sylktest.cluster import running_cluster
from sylktest.processes import wait_until
from sylktest.server import TOP
from sylktest.sylkrtc import FailoverClient, SylkRtcClient, aor
from sylktest.webrtc import WebRtcPeer

from test_messaging import send, wait_disposition

ALICE, BOB = aor("alice"), aor("bob")
DRIVER = os.path.join(TOP, "tests", "js", "web_failover.js")
DEFINES = {"CLUSTER_REG_EXPIRES": 6, "CLUSTER_REG_MIN_EXPIRES": 2, "CLUSTER_DMQ_PING": 2,
           "WEB_ROOT": f'"{os.path.join(TOP, "web")}"'}


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory):
    with running_cluster(str(tmp_path_factory.mktemp("failover")), 2, DEFINES) as nodes:
        yield nodes


def ws_url(node):
    return f"ws://127.0.0.1:{node.http_port}/webrtcgateway/ws"


def registered(node, user):
    c = SylkRtcClient(node.http_port, version=2)
    c.register(user)
    return c


def test_browser_on_one_node_calls_a_browser_on_the_other(two_nodes):
    """alice's WebSocket on b, bob's on a: b relays the INVITE to a's
    gateway Contact over the cluster sockets; each browser hears the other."""
    a, b = two_nodes
    with registered(a, "bob") as bob:
        wait_until(lambda: f"@{a.cluster_hostport}" in b.kamcmd_result(
            "ul.lookup", "location", BOB).stdout, 5, interval=0.1,
            what="bob's gateway contact replicated to b")
        with registered(b, "alice") as alice, WebRtcPeer(tone_hz=700) as alice_peer, \
                WebRtcPeer(tone_hz=1100) as bob_peer:
            alice.expect_ack("session-create", account=ALICE, session="xn", uri=BOB,
                             sdp=alice_peer.create_offer())
            incoming = bob.wait_incoming_session(BOB, timeout=10)
            assert incoming["originator"]["uri"] == ALICE
            bob.expect_ack("session-answer", session=incoming["session"],
                           sdp=bob_peer.accept_offer(incoming["sdp"]))
            accepted = alice.wait_session_state("xn", "accepted", timeout=10)
            alice_peer.set_answer(accepted["sdp"])
            alice_peer.wait_connected(10)
            bob_peer.wait_connected(10)
            assert abs(alice_peer.wait_for_tone(1100, timeout=10) - 1100) < 25
            assert abs(bob_peer.wait_for_tone(700, timeout=10) - 700) < 25
            alice.expect_ack("session-terminate", session="xn")
            ended = bob.wait_session_state(incoming["session"], "terminated", timeout=10)
            assert ended["reason"] == "Call ended by the remote party"


def test_demo_app_and_test_client_move_to_the_next_node_when_theirs_dies(two_nodes, workdir):
    a, b = two_nodes
    driver = subprocess.Popen(
        ["node", DRIVER, "--base", f"http://127.0.0.1:{a.http_port}",
         "--servers", f"{ws_url(a)} {ws_url(b)}", "--out", workdir, "--text", "still here?"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    steps = []

    def step(name, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = driver.stdout.readline()
            if not line:
                break
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            steps.append(msg)
            if msg.get("step") in (name, "failed"):
                assert msg["step"] == name, (msg, steps, driver.stderr.read()[-2000:])
                return msg
        raise AssertionError(f"no step {name}: {steps}")

    try:
        step("registered", 40)
        # a test client on the same node, given both nodes too
        bob = FailoverClient([a.http_port, b.http_port])
        bob.register("bob")
        a.kill9()
        driver.stdin.write("killed\n")
        driver.stdin.close()
        again = step("reregistered", 60)
        assert "reconnecting" in again["lost"], again
        assert bob.wait_failover(20) == b.http_port
        # both are on node b now: a message there reaches the page live
        wait_until(lambda: f"@{b.cluster_hostport}" in b.kamcmd_result(
            "ul.lookup", "location", ALICE).stdout, 10, what="alice's gateway contact on b")
        with bob:
            mid = send(bob, BOB, ALICE, "still here?")
            wait_disposition(bob, mid, "accepted", timeout=40)
        got = step("message", 30)
        assert "still here?" in got["list"]
        step("done", 20)
        assert driver.wait(20) == 0
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
