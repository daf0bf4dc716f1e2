# SPDX-License-Identifier: GPL-2.0-or-later
"""Browser accounts registered through the gateway with the project's own
registrar: the registration events a client sees, and the contact the
location table holds for it from REGISTER to unregister, removal, or the
WebSocket going away. Each test gets a fresh kamailio, so no contact left
behind by one test can make another pass."""

import hashlib
import re
import time
import uuid

import pytest

from sylktest.processes import wait_until
from sylktest.server import Kamailio
from sylktest.sylkrtc import WEBRTC_OFFER, SylkRtcClient, aor

VERSIONS = pytest.mark.parametrize("version", [1, 2], ids=["v1", "v2"])

ALICE = aor("alice")


@pytest.fixture
def gateway(tmp_path, rtpengine):
    kamailio = Kamailio(str(tmp_path), rtpengine)
    yield kamailio
    kamailio.stop()


@pytest.fixture
def connect(gateway):
    clients = []

    def open_client(version=2):
        client = SylkRtcClient(gateway.http_port, version)
        clients.append(client)
        return client
    yield open_client
    for client in clients:
        client.close()


def location(server, user):
    """The registrar's record of `user` (kamcmd text), "" when it has none."""
    out = server.kamcmd_result("ul.lookup", "location", user).stdout
    return "" if "AOR not found" in out else out


def contacts(server, user):
    return re.findall(r"Address: (\S+)", location(server, user))


def wait_no_contact(server, user, timeout=5):
    wait_until(lambda: not contacts(server, user), timeout,
               what=f"{user}'s contact to leave the location table")


@VERSIONS
def test_register_with_right_ha1(gateway, connect, version):
    client = connect(version)
    client.add_account("alice")
    before_ack = [client.flat(m) for m in client.expect_ack("account-register", account=ALICE)]
    assert any(client.is_registration(e, ALICE, "registering") for e in before_ack), before_ack
    registered = client.wait_registration(ALICE, "registered")
    assert "reason" not in registered
    assert len(contacts(gateway, "alice")) == 1, location(gateway, "alice")


@VERSIONS
def test_register_with_wrong_ha1_fails(gateway, connect, version):
    client = connect(version)
    client.add_account("alice", password="not-alices-password")
    client.expect_ack("account-register", account=ALICE)
    raw = client.wait_event(lambda e: client.is_registration(e, ALICE, "failed"), raw=True)
    reason = client.flat(raw)["reason"]
    assert reason.startswith(("401", "403")), raw
    # as each version spells it: v1 keeps state and reason inside "data"
    if version == 1:
        assert raw == {"sylkrtc": "account_event", "account": ALICE,
                       "event": "registration_state",
                       "data": {"state": "failed", "reason": reason}}
    else:
        assert raw == {"sylkrtc": "account-event", "account": ALICE,
                       "event": "registration-state", "state": "failed", "reason": reason}
    assert not [e for e in client.events() if client.is_registration(client.flat(e), ALICE,
                                                                     "registered")]
    assert contacts(gateway, "alice") == []
    client.ping()


@VERSIONS
def test_unregister_removes_contact_and_register_works_again(gateway, connect, version):
    client = connect(version)
    client.register("alice")
    assert contacts(gateway, "alice")
    client.expect_ack("account-unregister", account=ALICE)
    wait_no_contact(gateway, "alice")
    client.expect_ack("account-register", account=ALICE)
    client.wait_registration(ALICE, "registered")
    assert contacts(gateway, "alice")


@VERSIONS
def test_removing_registered_account_removes_contact(gateway, connect, version):
    client = connect(version)
    client.register("alice")
    assert contacts(gateway, "alice")
    client.expect_ack("account-remove", account=ALICE)
    wait_no_contact(gateway, "alice")


@pytest.mark.parametrize("how", ["close-frame", "tcp-fin", "tcp-reset"])
def test_connection_going_away_removes_contact(gateway, connect, how):
    client = connect()
    client.register("alice")
    client.register("bob")
    assert contacts(gateway, "alice") and contacts(gateway, "bob")
    if how == "close-frame":
        client.close()
    else:
        client.abort(reset=(how == "tcp-reset"))
    wait_no_contact(gateway, "alice")
    wait_no_contact(gateway, "bob")


@VERSIONS
def test_same_account_on_two_connections(gateway, connect, version):
    first, second = connect(version), connect(version)
    first.register("alice")
    second.register("alice")
    assert contacts(gateway, "alice")

    # a call to alice rings on both connections, under one session id
    caller = connect(version)
    caller.add_account("carol")
    caller.expect_ack("session-create", session="carol-call", account=aor("carol"),
                      uri=ALICE, sdp=WEBRTC_OFFER)
    on_first = first.wait_incoming_session(ALICE, timeout=10)
    on_second = second.wait_incoming_session(ALICE, timeout=10)
    session = on_first["session"]
    assert on_second["session"] == session
    originator = on_first["originator"]
    if version == 1:
        assert originator == aor("carol")
    else:
        assert originator["uri"] == aor("carol")
        # v2: the id is the md5 of the SIP Call-ID, formatted as a UUID
        assert session == str(uuid.UUID(hashlib.md5(on_first["call_id"].encode()).hexdigest()))

    # the caller gives up: both devices are told
    caller.expect_ack("session-terminate", session="carol-call")
    caller.wait_session_state("carol-call", "terminated", timeout=10)
    for device in (first, second):
        device.wait_session_state(session, "terminated")
        if version == 2:
            missed = device.wait_event(lambda e: e.get("event") == "missed-session")
            assert missed == {"sylkrtc": "account-event", "account": ALICE,
                              "event": "missed-session", "originator": originator}

    # alice stays reachable while one of her connections is left
    first.close()
    time.sleep(1)   # long enough for the server to have handled the close
    assert contacts(gateway, "alice")
    second.expect_ack("account-unregister", account=ALICE)
    wait_no_contact(gateway, "alice")


def test_devicetoken_puts_push_parameters_in_contact(gateway, connect):
    client = connect(2)
    client.add_account("alice")
    client.expect_ack("account-devicetoken", account=ALICE, token="tok-4711", platform="fcm",
                      device="device-1", app="com.example.sylk", silent=False)
    client.expect_ack("account-register", account=ALICE)
    client.wait_registration(ALICE, "registered")
    record = location(gateway, "alice")
    assert "pn-prid=tok-4711" in record, record
    assert "pn-provider=fcm" in record, record


def rpc_connections(server):
    """sylk_rtc.connections as {connection id: (protocol, number of accounts)}."""
    out = server.kamcmd("sylk_rtc.connections")
    return {int(i): (proto, int(n)) for i, proto, n in
            re.findall(r"id: (\d+)\s+protocol: (\S+)\s+accounts: (\d+)", out)}


def rpc_accounts(server):
    """sylk_rtc.accounts as {(AOR, connection id): registration state}."""
    out = server.kamcmd("sylk_rtc.accounts")
    return {(a, int(c)): state for a, c, state in
            re.findall(r"account: (\S+)\s+connection: (\d+)\s+registration: (\S+)", out)}


def test_rpc_lists_connections_and_accounts(gateway, connect):
    v1, v2 = connect(1), connect(2)
    v1.add_account("alice")
    v2.register("bob")
    v2.add_account("carol")
    connections = rpc_connections(gateway)
    by_protocol = {proto: (conn, n) for conn, (proto, n) in connections.items()}
    assert len(connections) == 2 and set(by_protocol) == {"sylkRTC-1", "sylkRTC-2"}, connections
    v1_id, v1_accounts = by_protocol["sylkRTC-1"]
    v2_id, v2_accounts = by_protocol["sylkRTC-2"]
    assert (v1_accounts, v2_accounts) == (1, 2)
    accounts = rpc_accounts(gateway)
    assert set(accounts) == {(ALICE, v1_id), (aor("bob"), v2_id), (aor("carol"), v2_id)}
    assert accounts[(aor("bob"), v2_id)] == "registered"

    v2.close()
    wait_until(lambda: list(rpc_connections(gateway)) == [v1_id], 5,
               what="the closed connection to leave sylk_rtc.connections")
    assert set(rpc_accounts(gateway)) == {(ALICE, v1_id)}
    v1.abort()
    wait_until(lambda: not rpc_connections(gateway) and not rpc_accounts(gateway), 5,
               what="the dropped connection and its account to leave the lists")
