# SPDX-License-Identifier: GPL-2.0-or-later
"""A burst of messages cannot take the shared memory calls and
registrations need (issue 15, shm_reserve).

Every message keeps its tm transactions for tm's wait timer (5 s) after
its final reply. Before the reserve, a burst past what shared memory holds
(about 1,500 messages a second for the old 256 MiB default) made every
allocation fail: MESSAGEs got 500, and so did REGISTERs, calls and the
browsers' requests. Now, below `shm_reserve` percent free, a SIP MESSAGE
gets a stateless 503 with Retry-After and an `account-message` an error;
everything else goes on, and messages are taken again once the burst's
transactions are gone.

Real processes: Kamailio with a small shared memory (48 MiB), SIPp phones
of another domain (one address standing for many: pike's limit is raised),
Python sylkRTC clients as the browsers."""

import re
import uuid

import pytest

from sylktest.processes import wait_until
from sylktest.server import SIP_DOMAIN, Kamailio
from sylktest.sipp import Sipp, run_uac
from sylktest.sylkrtc import aor

from test_messaging import device, is_account_event, now, send

ALICE, BOB = aor("alice"), aor("bob")
SHM_MB = 48
RESERVE = 25  # percent
BURST_RATE = 2000  # MESSAGEs a second
BURST_MESSAGES = 8000


@pytest.fixture(scope="module")
def small_server(tmp_path_factory, rtpengine):
    kamailio = Kamailio(str(tmp_path_factory.mktemp("kamailio")), rtpengine, shm_mb=SHM_MB,
                        defines={"RTC_SHM_RESERVE": RESERVE, "PIKE_DENSITY": 65535,
                                 "TCP_MAX_CONNECTIONS": 64, "TLS_MAX_CONNECTIONS": 32})
    yield kamailio
    kamailio.stop()


def shm_free(server):
    return int(re.search(r"\bfree:\s*(\d+)", server.kamcmd("core.shmmem")).group(1))


def memory_back(server):
    return shm_free(server) > SHM_MB * 1048576 * RESERVE // 100


def burst_gone(server):
    """tm has freed the burst's transactions (kept 5 s after their reply):
    just above the reserve, the next message could still find it short."""
    current = int(re.search(r"\bcurrent:\s*(\d+)", server.kamcmd("tm.stats")).group(1))
    return current < 10 and memory_back(server)


def burst(workdir, server, to, name="burst", calls=BURST_MESSAGES, rate=BURST_RATE):
    return Sipp(workdir, name, "message_flood_uac.xml", target=f"127.0.0.1:{server.sip_port}",
                keys={"to": to, "domain": SIP_DOMAIN, "from_domain": "phones.example"},
                extra=["-r", str(rate), "-rp", "1000", "-timeout", "60"], calls=calls)


def finals(sipp):
    return [a for a in sipp.actions() if a.startswith("final ") or " final " in a]


def test_a_burst_of_messages_is_refused_503_and_leaves_memory_for_registrations(
        small_server, workdir):
    server = small_server
    with device(server, "bob") as bob:
        flood = burst(workdir, server, "bob")
        # while the burst fills shared memory, a browser signs in: its
        # REGISTER and the gateway's state find the memory the reserve kept
        wait_until(lambda: server.statistic("sylk_rtc:messages_refused") > 0, 30,
                   what="the first refused MESSAGE")
        with device(server, "alice") as alice:
            alice.ping()
        flood.wait(90)
        answers = finals(flood)
        assert len(answers) == BURST_MESSAGES, answers[-5:]
        taken = [a for a in answers if "final 200" in a or "final 202" in a]
        refused = [a for a in answers if "final 503" in a]
        assert refused and taken, (len(refused), len(taken))
        assert all(a.endswith("retry-after 5") for a in refused), refused[:3]
        print(f"{len(taken)} taken, {len(refused)} refused")
        assert len(taken) + len(refused) == BURST_MESSAGES

        # bob (online: 200) got every message that was taken, and no other
        got = set()

        def all_delivered():
            for e in bob.events():
                if e.get("event") == "message" and e.get("content", "").startswith("burst"):
                    got.add(e["content"])
            return len(got) >= len(taken)
        wait_until(all_delivered, 30, what=f"{len(taken)} messages at bob (got {len(got)})")
        assert len(got) == len(taken)

    log = server.process.log()
    assert "could not allocate shared memory" not in log
    assert "out of mem" not in log
    assert "shared memory short" in log
    assert server.statistic("sylk_rtc:messages_refused") >= len(refused)

    # once the burst's transactions are gone, messages are taken again
    wait_until(lambda: burst_gone(server), 20, what="the burst's transactions freed")
    after = run_uac(workdir, "after", "message_flood_uac.xml", f"127.0.0.1:{server.sip_port}",
                    keys={"to": "bob", "domain": SIP_DOMAIN, "from_domain": "phones.example"})
    assert any("final 202" in a or "final 200" in a for a in after.actions()), after.actions()


def test_an_account_message_while_memory_is_short_gets_an_error_and_is_not_journalled(
        small_server, workdir):
    server = small_server
    wait_until(lambda: burst_gone(server), 20, what="the burst's transactions freed")
    with device(server, "alice") as alice, device(server, "bob") as bob:
        flood = burst(workdir, server, "carol", name="burst-carol")
        wait_until(lambda: not memory_back(server), 30, what="shared memory below the reserve")
        message_id = str(uuid.uuid4())
        error = alice.expect_error("account-message", account=ALICE, uri=BOB,
                                   message_id=message_id, content="while short",
                                   content_type="text/plain", timestamp=now())
        assert error == "Server overloaded, try again later"
        flood.wait(90)
        # the refused message is nowhere: not at bob, not in alice's journal
        wait_until(lambda: burst_gone(server), 20, what="the burst's transactions freed")
        alice.expect_ack("account-sync-conversations", account=ALICE)
        synced = alice.wait_event(is_account_event("sync-conversations"), 10)["messages"]
        assert message_id not in [m.get("message_id") for m in synced]
        assert not [e for e in bob.events(settle=0.5) if e.get("message_id") == message_id]
        # and the same request goes through now
        mid = send(alice, ALICE, BOB, "after the burst")
        accepted = alice.wait_event(is_account_event("disposition-notification",
                                                     message_id=mid), 20)
        assert accepted["state"] == "accepted", accepted
        bob.wait_event(is_account_event("message", message_id=mid), 10)
