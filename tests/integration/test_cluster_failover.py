# SPDX-License-Identifier: GPL-2.0-or-later
"""A browser on a cluster node that dies (issue 21, node failure): the demo
web app in headless Chromium, given the WebSocket URLs of two nodes, is
registered through the first; the first node is killed with -9; the page
reconnects to the second on its own, registers again, and a message sent
to alice on the second node shows in the page."""

import json
import os
import subprocess
import time

import pytest

from sylktest.cluster import Node, Postgres
from sylktest.processes import free_port, wait_until
from sylktest.server import TOP
from sylktest.sylkrtc import SylkRtcClient, aor

from test_messaging import send, wait_disposition

ALICE, BOB = aor("alice"), aor("bob")
DRIVER = os.path.join(TOP, "tests", "js", "web_failover.js")
DEFINES = {"CLUSTER_REG_EXPIRES": 6, "CLUSTER_REG_MIN_EXPIRES": 2, "CLUSTER_DMQ_PING": 2,
           "WEB_ROOT": f'"{os.path.join(TOP, "web")}"'}


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory):
    top = str(tmp_path_factory.mktemp("failover"))
    db = Postgres(top)
    nodes = []
    try:
        second_port = free_port()
        a = Node(os.path.join(top, "a"), db, join_port=second_port, defines=DEFINES)
        nodes.append(a)
        b = Node(os.path.join(top, "b"), db, join_port=a.cluster_port,
                 defines=dict(DEFINES, CLUSTER_PORT=second_port,
                              CLUSTER_URI=f'"sip:127.0.0.1:{second_port}"',
                              CLUSTER_HOSTPORT=f'"127.0.0.1:{second_port}"'))
        b.cluster_port = second_port
        nodes.append(b)
        for n in nodes:
            wait_until(lambda n=n: n.dmq_nodes() >= 2, 15, interval=0.2,
                       what="both nodes in the DMQ view")
        yield a, b
    finally:
        for n in nodes:
            n.stop()
        db.stop()


def ws_url(node):
    return f"ws://127.0.0.1:{node.http_port}/webrtcgateway/ws"


def test_demo_app_moves_to_the_next_node_when_its_node_dies(two_nodes, workdir):
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
        a.kill9()
        driver.stdin.write("killed\n")
        driver.stdin.close()
        again = step("reregistered", 60)
        assert "reconnecting" in again["lost"], again
        # the page's account is on node b now: a message there reaches it live
        wait_until(lambda: f"@127.0.0.1:{b.cluster_port}" in b.kamcmd_result(
            "ul.lookup", "location", ALICE).stdout, 10, what="alice's gateway contact on b")
        with SylkRtcClient(b.http_port, version=2) as bob:
            bob.register("bob")
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
