"""Smoke test of the load generator behind `make bench` (tests/bench/sylkload):
a few seconds against a started server, so CI notices when it stops working.
The real benchmark is tests/bench/run_bench.py."""

import os
import subprocess

import pytest

from sylktest.server import BUILD, Kamailio

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
