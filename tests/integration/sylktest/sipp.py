# SPDX-License-Identifier: GPL-2.0-or-later
"""SIPp (Debian's sip-tester) as UAC and UAS, driven by the XML scenarios in
tests/integration/scenarios/."""

import os
import subprocess

from .processes import Process, free_port

SCENARIOS = os.path.join(os.path.dirname(__file__), "..", "scenarios")

# SIPp exit codes worth naming in assertion messages
EXIT_ALL_CALLS_OK = 0
EXIT_SOME_CALLS_FAILED = 1


class Sipp:
    """One SIPp instance. `keys` become `-key name value` ([name] in the XML)."""

    def __init__(self, workdir, name, scenario, target=None, keys=None,
                 extra=None, port=None, calls=1, local_ip="127.0.0.1"):
        self.name = name
        self.port = port or free_port()
        self.log_file = os.path.join(workdir, f"{name}.actions.log")
        self.message_file = os.path.join(workdir, f"{name}.messages.log")
        self.error_file = os.path.join(workdir, f"{name}.errors.log")
        argv = ["/usr/bin/sipp", "-sf", os.path.join(SCENARIOS, scenario),
                "-i", local_ip, "-p", str(self.port), "-m", str(calls),
                "-nostdin", "-trace_msg", "-message_file", self.message_file,
                "-trace_logs", "-log_file", self.log_file,
                "-trace_err", "-error_file", self.error_file,
                "-timeout", "30", "-timeout_error"]
        for key, value in (keys or {}).items():
            argv += ["-key", key, str(value)]
        argv += extra or []
        if target:
            argv.append(target)
        self.argv = argv
        self.process = Process(f"sipp-{name}", argv, os.path.join(workdir, f"{name}.stdout.log"),
                               cwd=workdir)

    def wait(self, timeout=40):
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.stop()
            raise

    def stop(self):
        return self.process.stop()

    def actions(self):
        """Lines the scenario wrote with <log>."""
        if not os.path.exists(self.log_file):
            return []
        with open(self.log_file) as f:
            return [line.strip() for line in f if line.strip()]

    def messages(self):
        if not os.path.exists(self.message_file):
            return ""
        with open(self.message_file, errors="replace") as f:
            return f.read()

    def report(self):
        """What SIPp saw, for assertion messages."""
        out = self.process.log()[-3000:]
        return f"{' '.join(self.argv)}\n--- stdout\n{out}\n--- messages\n{self.messages()[-6000:]}"


def run_uac(workdir, name, scenario, target, keys=None, extra=None, timeout=40):
    """Run a client scenario to completion and return the finished Sipp."""
    sipp = Sipp(workdir, name, scenario, target, keys, extra)
    sipp.wait(timeout)
    return sipp
