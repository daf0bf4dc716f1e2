# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures: real rtpengine and kamailio on free loopback ports, stopped by
pid; when a test fails, the logs of every process it involved are printed."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from sylktest import processes  # noqa: E402
from sylktest.server import Kamailio, Rtpengine  # noqa: E402


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


@pytest.fixture(autouse=True)
def print_logs_on_failure(request):
    first = len(processes.STARTED)
    yield
    report = getattr(request.node, "rep_call", None)
    if report is None or not report.failed:
        return
    # the test's own processes and the shared server it used
    involved = processes.STARTED[first:] + [p for p in processes.STARTED[:first] if p.alive()]
    for p in involved:
        try:
            text = p.log()
        except OSError:
            continue
        lines = text.splitlines()[-150:]
        sys.stderr.write(f"\n===== {p.name} (pid {p.pid}) {p.log_path} =====\n")
        sys.stderr.write("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def rtpengine(tmp_path_factory):
    engine = Rtpengine(str(tmp_path_factory.mktemp("rtpengine")))
    yield engine
    engine.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, rtpengine):
    kamailio = Kamailio(str(tmp_path_factory.mktemp("kamailio")), rtpengine)
    yield kamailio
    kamailio.stop()


@pytest.fixture
def workdir(tmp_path):
    return str(tmp_path)
