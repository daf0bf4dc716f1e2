# SPDX-License-Identifier: GPL-2.0-or-later
"""Every project module is loaded by Debian's kamailio and answers its
status RPC."""

import re
import subprocess

import pytest

from sylktest.server import TOP

MODULES = ["sylk_websocket", "sylk_rtc", "sylk_conference"]


@pytest.mark.parametrize("module", MODULES)
def test_module_answers_status(server, module):
    out = server.kamcmd(f"{module}.status")
    assert re.search(rf"module:\s*{module}\b", out), out
    assert re.search(r"version:\s*\d+\.\d+\.\d+", out), out
    uptime = int(re.search(r"uptime:\s*(\d+)", out).group(1))
    assert 0 <= uptime < 3600


def test_default_config_passes_kamailio_check(server):
    """`kamailio -c` accepts the default config with the project's modules."""
    argv = [a for a in server.argv if a not in ("-DD", "-E")] + ["-c"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "config file ok" in (r.stdout + r.stderr)


def test_modules_are_listed_as_loaded(server):
    out = server.kamcmd("core.modules")
    for module in MODULES:
        assert module in out
