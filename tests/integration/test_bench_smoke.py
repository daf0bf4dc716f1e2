# SPDX-License-Identifier: GPL-2.0-or-later
"""Smoke test of the load generator behind `make bench` (tests/bench/sylkload):
a few seconds against a started server, so CI notices when it stops working.
The real benchmark is tests/bench/run_bench.py."""

import os
import subprocess
import sys

import pytest

from sylktest.server import BUILD, SIP_DOMAIN, Kamailio
from sylktest.sipp import Sipp, run_uac

SYLKLOAD = os.path.join(BUILD, "bench", "sylkload")


@pytest.fixture(scope="module")
def bench_server(tmp_path_factory, rtpengine):
    # all load comes from one address: pike counts in 16 bits, 65535 never blocks
    kamailio = Kamailio(str(tmp_path_factory.mktemp("kamailio-bench")), rtpengine,
                        defines={"PIKE_DENSITY": 65535})
    yield kamailio
    kamailio.stop()


def sylkload(server, *args, timeout=60):
    assert os.access(SYLKLOAD, os.X_OK), f"{SYLKLOAD} missing: run 'make bench-tools'"
    url = f"ws://127.0.0.1:{server.http_port}/webrtcgateway/ws"
    proc = subprocess.run([SYLKLOAD, "-u", url, *args], capture_output=True, text=True,
                          timeout=timeout)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, f"no RESULT line (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    result = dict(kv.split("=", 1) for kv in lines[-1].split()[1:])
    return proc, result


def test_register_load_completes_registrations_without_errors(bench_server):
    proc, r = sylkload(bench_server, "sip-register", "10", "3")
    report = f"{proc.stdout}\n{proc.stderr}"
    assert proc.returncode == 0, report
    assert int(r["registrations"]) > 0, report
    assert int(r["errors"]) == 0, report
    assert float(r["rate"]) > 0 and float(r["p99_ms"]) >= float(r["p50_ms"]) > 0, report


def test_idle_connections_open_and_are_held(bench_server):
    proc, r = sylkload(bench_server, "--hold", "1", "sip-idle", "50")
    report = f"{proc.stdout}\n{proc.stderr}"
    assert proc.returncode == 0, report
    assert proc.stdout.startswith("READY opened=50 failed=0"), report
    assert (r["opened"], r["failed"], r["dropped"]) == ("50", "0", "0"), report


# ---- the sylkRTC gateway modes (the default test server has the gateway) ------------

BENCH_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench")
sys.path.insert(0, BENCH_DIR)
import bench_gateway  # noqa: E402

GEN = ["--account-prefix", bench_gateway.BENCH_PREFIX, "--accounts", "20",
       "--password", bench_gateway.BENCH_PASSWORD]


@pytest.fixture(scope="module")
def bench_accounts(bench_server):
    bench_gateway.add_accounts(bench_server, 20)
    bench_gateway.add_accounts(bench_server, 1, prefix=bench_gateway.CALLEE_PREFIX)
    return bench_server


@pytest.fixture(scope="module")
def callee_phone(bench_accounts, tmp_path_factory):
    """A SIPp UAS registered as callee0000 that answers every call."""
    workdir = str(tmp_path_factory.mktemp("bench-callee"))
    phone = Sipp(workdir, "callee", os.path.join(BENCH_DIR, "scenarios", "bench_uas_sdp.xml"),
                 calls=1000000, extra=["-timeout", "600"])
    reg = run_uac(workdir, "callee-register", "register.xml",
                  f"127.0.0.1:{bench_accounts.sip_port}",
                  keys={"user": "callee0000", "domain": SIP_DOMAIN, "contact_port": phone.port},
                  extra=["-au", "callee0000", "-ap", bench_gateway.BENCH_PASSWORD])
    assert reg.actions()[-1] == "final 200", reg.report()
    yield "callee0000"
    phone.stop()


def test_rtc_register_completes_registrations_without_errors(bench_accounts):
    proc, r = sylkload(bench_accounts, *GEN, "--conn-rps", "40", "rtc-register", "5", "3")
    report = f"{proc.stdout}\n{proc.stderr}"
    assert proc.returncode == 0, report
    assert int(r["registrations"]) > 0 and int(r["errors"]) == 0, report
    assert float(r["p99_ms"]) >= float(r["p50_ms"]) > 0, report


def test_rtc_call_sets_up_and_ends_calls_without_errors(bench_accounts, callee_phone):
    proc, r = sylkload(bench_accounts, *GEN, "--callees", callee_phone, "--hold", "0.2",
                       "--call-rate", "10", "rtc-call", "5", "3")
    report = f"{proc.stdout}\n{proc.stderr}"
    assert proc.returncode == 0, report
    assert int(r["setups"]) > 0 and int(r["errors"]) == 0, report
    assert int(r["failed_calls"]) == 0 and int(r["setup_done"]) == 5, report
    assert int(r["terminated"]) == int(r["started"]), report


def test_rtc_idle_connections_get_ready_and_are_held(bench_server):
    proc, r = sylkload(bench_server, "--hold", "1", "rtc-idle", "50")
    report = f"{proc.stdout}\n{proc.stderr}"
    assert proc.returncode == 0, report
    assert proc.stdout.startswith("READY opened=50 failed=0"), report
    assert (r["opened"], r["failed"], r["dropped"]) == ("50", "0", "0"), report


def test_rtc_message_delivers_messages_without_errors(bench_server):
    """sylkload rtc-message (issue 15's messaging benchmark): two sender and
    two receiver connections, every message reaches its receiver's
    connection as a "message" event and the senders get "accepted"."""
    bench_gateway.add_accounts(bench_server, 4, prefix="smokemsg")
    proc, r = sylkload(bench_server, "--account-prefix", "smokemsg", "--accounts", "4",
                       "--password", bench_gateway.BENCH_PASSWORD, "--conn-rps", "20",
                       "rtc-message", "2", "2")
    report = f"{proc.stdout}\n{proc.stderr}"
    assert proc.returncode == 0, report
    assert "WINDOW start" in proc.stdout and "WINDOW end" in proc.stdout, report
    assert int(r["setup_done"]) == 4 and int(r["setup_failed"]) == 0, report
    assert int(r["received"]) > 0 and int(r["errors"]) == 0, report
    assert int(r["timeouts"]) == 0 and int(r["failed"]) == 0, report
    assert int(r["accepted"]) > 0, report
    assert float(r["p99_ms"]) >= float(r["p50_ms"]) > 0, report
