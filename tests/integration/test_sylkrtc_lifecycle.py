# SPDX-License-Identifier: GPL-2.0-or-later
"""What the gateway keeps over a connection's life: nothing once it is gone
(shared memory, registrations, gateway state), and what the operator's
routing-script hooks decide."""

import re

import pytest

from sylktest.processes import wait_until
from sylktest.server import Kamailio, SIP_DOMAIN
from sylktest.sylkrtc import SylkRtcClient

ALICE = f"alice@{SIP_DOMAIN}"


def shm_used(server):
    return int(re.search(r"real_used:\s*(\d+)", server.kamcmd("core.shmmem")).group(1))


def count(server, rpc):
    return int(re.search(r"count: (\d+)", server.kamcmd(rpc)).group(1))


def gateway_idle(server):
    return (count(server, "sylk_rtc.connections") == 0 and count(server, "sylk_rtc.accounts") == 0
            and "gw-" not in server.kamcmd("ul.dump"))


def one_cycle(server, register, abrupt):
    client = SylkRtcClient(server.http_port, version=2)
    client.add_account("alice")
    if register:
        client.expect_ack("account-register", account=ALICE)
        client.wait_registration(ALICE, "registered")
    if abrupt:
        client.abort(reset=True)
    else:
        client.close()


def test_connect_register_disconnect_cycles_do_not_grow_shm(server):
    for i in range(20):  # warm up allocator pools and tm's hash buckets
        one_cycle(server, register=True, abrupt=bool(i % 2))
    wait_until(lambda: gateway_idle(server), 15, what="warm-up cleaned up")
    before = shm_used(server)

    for i in range(150):
        one_cycle(server, register=i % 3 == 0, abrupt=bool(i % 2))

    # each registered account is un-REGISTERed before its state is freed
    wait_until(lambda: gateway_idle(server), 20, what="connections, accounts and bindings gone")
    # tm keeps finished transactions for its wait timer (5 s) before freeing
    wait_until(lambda: shm_used(server) - before < 64 * 1024, 15, interval=0.5,
               what=f"shm back near {before} bytes")


@pytest.fixture(scope="module")
def hook_server(tmp_path_factory, rtpengine):
    kamailio = Kamailio(str(tmp_path_factory.mktemp("kamailio-hooks")), rtpengine,
                        defines={"WITH_TEST_HOOKS": 1})
    yield kamailio
    kamailio.stop()


def test_operator_hooks_reject_with_the_script_reason(hook_server):
    with SylkRtcClient(hook_server.http_port, version=2) as c:
        reply = c.request("account-add", account=f"blocked@{SIP_DOMAIN}", password="0" * 32)
        assert reply == {"sylkrtc": "error", "transaction": reply["transaction"],
                         "error": "Account blocked by policy"}
        c.add_account("alice")
        reply = c.request("session-create", account=ALICE, session="s1",
                          uri=f"barred@{SIP_DOMAIN}", sdp="v=0\r\n")
        assert reply["sylkrtc"] == "error" and reply["error"] == "Destination barred by policy"
        # the hook let this one through: it fails later, at rtpengine, on the bad SDP
        reply = c.request("session-create", account=ALICE, session="s2",
                          uri=f"bob@{SIP_DOMAIN}", sdp="v=0\r\n")
        assert reply["sylkrtc"] == "error" and "media" in reply["error"]
    assert count(hook_server, "sylk_rtc.sessions") == 0
