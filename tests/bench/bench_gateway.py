# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs 1-4 of issue 7 for run_bench.py: SIP overhead against a bare proxy,
gateway registrations and calls against Janus's SIP plugin, memory per idle
connection. Each run function takes the run context (see run_bench.Context)
and returns a dict of figures and rows for the report."""

import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import time

from sylktest.processes import Process, free_port, wait_until
from sylktest.server import DEBIAN_MODULES, SIP_DOMAIN

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(HERE, "scenarios")
BENCH_PREFIX = "bench"
BENCH_PASSWORD = "benchpw"
CALLEE_PREFIX = "callee"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- report cells ------------------------------------------------------------------

def fmt_value(v, unit):
    """A figure for a BENCHMARKS.md table: "-" when absent, text as given
    (with its unit for ms and cores), ms to 3 decimals below 10 ms and 1
    above, rates as N/s, µs to 1 decimal, anything else to 2 decimals."""
    if v is None or v == "":
        return "-"
    if isinstance(v, str):
        return f"{v} {unit}" if unit in ("ms", "cores") else v
    if unit == "ms":
        return f"{v:,.3f} ms" if v < 10 else f"{v:,.1f} ms"
    if unit == "us":
        return f"{v:,.1f} µs"
    if unit in ("per second", "per CPU second"):
        return f"{v:,.0f}/s"
    return f"{v:,.2f} {unit}".strip()


def figure_table(summary):
    """The lines of a section's "figure | ours | peer" table from its
    summary rows (figure, ours, peer, peer_value, ratio, unit, goal,
    verdict)."""
    lines = ["| figure | ours | peer | peer's figure | ratio | goal | verdict |",
             "|---|---:|---|---:|---:|---|---|"]
    for s in summary:
        ratio = s["ratio"]
        ratio = f"{ratio:.2f}x" if isinstance(ratio, float) else (ratio or "-")
        lines.append(f"| {s['figure']} | {fmt_value(s['ours'], s['unit'])} | {s['peer']} | "
                     f"{fmt_value(s['peer_value'], s['unit'])} | {ratio} | {s['goal']} | "
                     f"{s['verdict']} |")
    return lines


# ---- measuring -------------------------------------------------------------------

def proc_stats():
    """(pid, fields) of every process: fields are /proc/PID/stat's after the
    command name ([1] parent, [2] process group, [11] + [12] CPU ticks)."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                data = f.read()
        except OSError:
            continue
        yield int(d), data[data.rindex(")") + 2:].split()


def cpu_seconds(pids=(), pgids=(), parents=()):
    """User + system CPU of the given processes (all their threads), of
    every process in the given process groups and of the given parents'
    children."""
    ticks = 0
    pids, pgids, parents = set(pids), set(pgids), set(parents)
    for pid, fields in proc_stats():
        if pid in pids or int(fields[2]) in pgids or int(fields[1]) in parents:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLK_TCK


def group_pids(pgid):
    return [pid for pid, fields in proc_stats() if int(fields[2]) == pgid]


def memory_kib(pids, key):
    """Sum of `key` (Rss, Pss) over /proc/PID/smaps_rollup, KiB."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                m = re.search(rf"^{key}:\s+(\d+) kB", f.read(), re.M)
        except OSError:
            continue
        if m:
            total += int(m.group(1))
    return total


def parse_result(text):
    for line in reversed(text.splitlines()):
        if line.startswith("RESULT "):
            return dict(kv.split("=", 1) for kv in line[7:].split())
    raise RuntimeError("sylkload printed no RESULT line:\n" + text[-2000:])


def sylkload(ctx, name, url, args, timeout):
    errpath = os.path.join(ctx.workdir, f"sylkload-{name}.log")
    with open(errpath, "wb") as err:
        p = subprocess.run([ctx.sylkload, "-u", url, *args], stdout=subprocess.PIPE,
                           stderr=err, text=True, timeout=timeout)
    r = parse_result(p.stdout)
    r["_rc"] = p.returncode
    r["_log"] = errpath
    return r


def num(r, key):
    return float(r.get(key, 0) or 0)


# ---- accounts and phones ---------------------------------------------------------

def add_accounts(kamailio, count, prefix=BENCH_PREFIX, password=BENCH_PASSWORD):
    """Generated subscribers PREFIX0000.. in the instance's own SQLite db
    (the schema packaging/setup-runtime.sh creates; auth_db reads it on
    every request, so rows added to a running server count at once)."""
    db = sqlite3.connect(os.path.join(kamailio.state_dir, "sylk.sqlite"))
    rows = []
    for i in range(count):
        user = f"{prefix}{i:04d}"
        ha1 = hashlib.md5(f"{user}:{SIP_DOMAIN}:{password}".encode()).hexdigest()
        ha1b = hashlib.md5(f"{user}@{SIP_DOMAIN}:{SIP_DOMAIN}:{password}".encode()).hexdigest()
        rows.append((user, SIP_DOMAIN, ha1, ha1b))
    db.executemany("INSERT OR IGNORE INTO subscriber (username, domain, ha1, ha1b) "
                   "VALUES (?, ?, ?, ?)", rows)
    db.commit()
    db.close()


def sipp_uas(ctx, name, scenario=None):
    """A SIPp UAS (built-in uas, or a scenario of tests/bench/scenarios),
    unlimited calls, no logging."""
    port = free_port()
    argv = ["/usr/bin/sipp"]
    argv += ["-sf", os.path.join(SCENARIOS, scenario)] if scenario else ["-sn", "uas"]
    argv += ["-i", "127.0.0.1", "-p", str(port), "-nostdin", "-max_socket", "5000",
             "-timeout_error", "-mi", "127.0.0.1", "-mp", str(free_port())]
    proc = Process(f"sipp-{name}", argv, os.path.join(ctx.workdir, f"sipp-{name}.log"),
                   cwd=ctx.workdir)
    ctx.started.append(proc)
    time.sleep(0.3)
    if not proc.alive():
        raise RuntimeError(f"SIPp {name} exited:\n{proc.log()[-2000:]}")
    proc.port = port
    return proc


def register_phone(ctx, kamailio, user, password, contact_port):
    """REGISTER user at kamailio with its Contact at contact_port (the
    integration tests' register.xml)."""
    scen = os.path.join(HERE, "..", "integration", "scenarios", "register.xml")
    p = subprocess.run(["/usr/bin/sipp", "-sf", scen, "-i", "127.0.0.1", "-p", str(free_port()),
                        "-m", "1", "-nostdin", "-key", "user", user, "-key", "domain", SIP_DOMAIN,
                        "-key", "contact_port", str(contact_port), "-au", user, "-ap", password,
                        "-timeout", "10", "-timeout_error", f"127.0.0.1:{kamailio.sip_port}"],
                       capture_output=True, text=True, timeout=30, cwd=ctx.workdir)
    if p.returncode != 0:
        raise RuntimeError(f"registering {user} failed:\n{p.stdout[-2000:]}{p.stderr[-1000:]}")


def sipp_uac(ctx, name, scenario, target, calls, rate, extra=()):
    """Runs a SIPp UAC to completion: `calls` calls at `rate` per second.
    Returns (successful, failed, seconds)."""
    stat = os.path.join(ctx.workdir, f"sipp-{name}.stdout")
    argv = ["/usr/bin/sipp"]
    argv += ["-sf", os.path.join(SCENARIOS, scenario)] if scenario.endswith(".xml") \
        else ["-sn", scenario]
    argv += ["-i", "127.0.0.1", "-p", str(free_port()), "-m", str(calls), "-r", str(rate),
             "-l", str(max(rate * 4, 100)), "-nostdin", "-max_socket", "5000",
             "-timeout", str(int(calls / rate) + 60), "-timeout_error",
             "-mi", "127.0.0.1", "-mp", str(free_port()), *extra, target]
    t0 = time.monotonic()
    with open(stat, "w") as out:
        p = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, cwd=ctx.workdir,
                           timeout=calls / rate + 120)
    seconds = time.monotonic() - t0
    text = open(stat, errors="replace").read()
    ok = re.findall(r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)", text)
    bad = re.findall(r"Failed call\s*\|\s*\d+\s*\|\s*(\d+)", text)
    okn = int(ok[-1]) if ok else (calls if p.returncode == 0 else 0)
    badn = int(bad[-1]) if bad else (0 if p.returncode == 0 else calls - okn)
    return okn, badn, seconds


# ---- run 1: SIP overhead ------------------------------------------------------------

class BareProxy:
    def __init__(self, workdir, workers):
        self.sip_port = free_port()
        self.ctl = os.path.join(workdir, "bare_ctl")
        argv = ["/usr/sbin/kamailio", "-DD", "-E", "-f", os.path.join(HERE, "bare-proxy.cfg"),
                "-x", "tlsf", "-X", "tlsf", "-m", "256", "-M", "16",
                "-A", "LISTEN_IP=127.0.0.1", "-A", f"SIP_PORT={self.sip_port}",
                "-A", f"WORKERS={workers}", "-A", "LOG_LEVEL=1",
                "-A", f'MODULE_PATH="{DEBIAN_MODULES}"', "-A", f'CTL_SOCKET="unix:{self.ctl}"']
        self.process = Process("kamailio-bare", argv, os.path.join(workdir, "kamailio-bare.log"))
        wait_until(self._ready, 15, interval=0.1, what="bare kamailio")

    def _ready(self):
        if not self.process.alive():
            raise RuntimeError("bare kamailio exited:\n" + self.process.log()[-3000:])
        return os.path.exists(self.ctl) and subprocess.run(
            ["/usr/sbin/kamcmd", "-s", "unix:" + self.ctl, "core.version"],
            capture_output=True).returncode == 0

    def stop(self):
        self.process.stop()


def run_sip_overhead(ctx):
    """CPU per call of SIPp calls through three setups; see the report text."""
    a = ctx.args
    ours = ctx.ours
    bare = BareProxy(ctx.workdir, a.workers)
    ctx.started.append(bare)
    uas_plain = sipp_uas(ctx, "uas-plain", "bench_uas_plain.xml")
    uas_sdp = sipp_uas(ctx, "uas-sdp", "bench_uas_sdp.xml")
    # ours routes by the location table: one phone per scenario
    add_accounts(ours, 2, prefix=CALLEE_PREFIX)
    register_phone(ctx, ours, f"{CALLEE_PREFIX}0000", BENCH_PASSWORD, uas_plain.port)
    register_phone(ctx, ours, f"{CALLEE_PREFIX}0001", BENCH_PASSWORD, uas_sdp.port)

    variants = [
        ("bare", "bare t_relay + record_route proxy (tests/bench/bare-proxy.cfg)",
         bare.process.pid, "bench_uac_plain.xml", f"127.0.0.1:{uas_plain.port}",
         ["-rsa", f"127.0.0.1:{bare.sip_port}", "-s", "bob", "-key", "domain",
          f"127.0.0.1:{uas_plain.port}"]),
        ("ours-same-work", "default kamailio.cfg, same work: caller from another domain "
         "(no auth), no SDP (no rtpengine), callee found in the location table",
         ours.process.pid, "bench_uac_plain.xml", f"127.0.0.1:{ours.sip_port}",
         ["-s", f"{CALLEE_PREFIX}0000", "-key", "domain", SIP_DOMAIN]),
        ("ours-full", "default kamailio.cfg, full work: local user alice digest-authenticated "
         "(407, INVITE again with credentials checked against SQLite), callee from the location "
         "table, SDP anchored in rtpengine (offer, answer, delete)",
         ours.process.pid, "bench_uac_auth.xml", f"127.0.0.1:{ours.sip_port}",
         ["-s", f"{CALLEE_PREFIX}0001", "-key", "domain", SIP_DOMAIN, "-key", "user", "alice",
          "-au", "alice", "-ap", "alice123"]),
    ]
    rows = []
    for rnd in range(1, a.sip_rounds + 1):
        for key, what, pgid, scen, target, extra in (variants if rnd % 2 else variants[::-1]):
            # warm-up once per variant
            if rnd == 1:
                sipp_uac(ctx, f"{key}-warm", scen, target, min(200, a.sip_calls), a.sip_rate, extra)
            time.sleep(1.0)
            cpu0 = cpu_seconds(pgids=[pgid])
            rtp0 = cpu_seconds(pgids=[ctx.engine.process.pid])
            ctx.log(f"run 1: {key}: {a.sip_calls} calls at {a.sip_rate}/s (round {rnd})")
            okn, badn, secs = sipp_uac(ctx, f"{key}-{rnd}", scen, target, a.sip_calls,
                                       a.sip_rate, extra)
            cpu = cpu_seconds(pgids=[pgid]) - cpu0
            rtp = cpu_seconds(pgids=[ctx.engine.process.pid]) - rtp0
            row = {"round": rnd, "variant": key, "description": what, "calls": a.sip_calls,
                   "rate": a.sip_rate, "successful": okn, "failed": badn, "seconds": secs,
                   "kamailio_cpu_seconds": cpu, "rtpengine_cpu_seconds": rtp,
                   "kamailio_cpu_ms_per_call": 1000 * cpu / max(okn, 1),
                   "rtpengine_cpu_ms_per_call": 1000 * rtp / max(okn, 1)}
            ctx.log(f"  {okn} ok, {badn} failed, kamailio {row['kamailio_cpu_ms_per_call']:.3f} "
                    f"ms CPU per call")
            rows.append(row)
    bare.stop()
    return {"rows": rows, "variants": [(k, w) for k, w, *_ in variants]}


# ---- runs 2 and 3: gateway registrations and calls ------------------------------------

def _measure(ctx, name, url, args, timeout, groups):
    """One sylkload run with the CPU of every process group in `groups`
    ({label: pgid}) over it."""
    before = {k: cpu_seconds(pgids=[g]) for k, g in groups.items()}
    load = open("/proc/loadavg").read().split()[:3]
    r = sylkload(ctx, name, url, args, timeout)
    cpu = {k: cpu_seconds(pgids=[g]) - before[k] for k, g in groups.items()}
    r["_cpu"] = cpu
    r["_load"] = " ".join(load)
    return r


def _row(peer, step_key, step, r, cpu_keys, done_key):
    done = num(r, done_key)
    cpu = sum(r["_cpu"][k] for k in cpu_keys)
    row = {"peer": peer, step_key: step, "connections": int(num(r, "connections")),
           "seconds": num(r, "seconds"), done_key: int(done), "rate": num(r, "rate"),
           "p50_ms": num(r, "p50_ms"), "p90_ms": num(r, "p90_ms"), "p99_ms": num(r, "p99_ms"),
           "max_ms": num(r, "max_ms"), "errors": int(num(r, "errors")),
           "timeouts": int(num(r, "timeouts")), "failed_calls": int(num(r, "failed_calls")),
           "backlog": int(num(r, "backlog")), "exit_status": r["_rc"]}
    for k, v in r["_cpu"].items():
        row[f"cpu_{k}"] = v
    row["server_cpu_seconds"] = cpu
    row["per_cpu_second"] = done / cpu if cpu > 0 else 0.0
    row["loadavg_before"] = r["_load"]
    return row


def run_registrations(ctx, janus):
    a = ctx.args
    ours = ctx.ours
    add_accounts(ours, max(a.reg_conns) + 10)
    url = f"ws://127.0.0.1:{ours.http_port}/webrtcgateway/ws"
    common = ["--account-prefix", BENCH_PREFIX, "--accounts", str(max(a.reg_conns) + 10),
              "--password", BENCH_PASSWORD, "--timeout", "10"]
    kgroups = {"kamailio": ours.process.pid}
    rows = []
    for conns in a.reg_conns:
        ctx.log(f"run 2: ours rtc-register {conns} {a.reg_seconds}")
        r = _measure(ctx, f"rtc-register-{conns}", url,
                     common + ["--conn-rps", str(a.conn_rps), "rtc-register", str(conns),
                               str(a.reg_seconds)], a.reg_seconds + 180, kgroups)
        rows.append(_row("ours", "step", conns, r, ["kamailio"], "registrations"))
        ctx.log(f"  {rows[-1]['rate']:.0f}/s p50 {rows[-1]['p50_ms']:.1f} ms "
                f"p99 {rows[-1]['p99_ms']:.1f} ms errors {rows[-1]['errors']}")
        time.sleep(2)
    if janus:
        jgroups = {"janus": janus.pid, "kamailio": ours.process.pid}
        jurl = janus.url
        jcommon = common + ["--janus-proxy", f"sip:127.0.0.1:{ours.sip_port}"]
        for label, extra, steps in (("janus", [], a.janus_reg_conns),
                                    ("janus-keep-handle", ["--keep-handle"], a.janus_reg_conns)):
            for conns in steps:
                ctx.log(f"run 2: {label} janus-register {conns} {a.reg_seconds}")
                r = _measure(ctx, f"{label}-register-{conns}", jurl,
                             jcommon + extra + ["janus-register", str(conns), str(a.reg_seconds)],
                             a.reg_seconds + 180, jgroups)
                rows.append(_row(label, "step", conns, r, ["janus", "kamailio"], "registrations"))
                ctx.log(f"  {rows[-1]['rate']:.0f}/s p50 {rows[-1]['p50_ms']:.1f} ms "
                        f"p99 {rows[-1]['p99_ms']:.1f} ms errors {rows[-1]['errors']}")
                time.sleep(2)
    return {"rows": rows}


def run_calls(ctx, janus):
    a = ctx.args
    ours = ctx.ours
    n_acc = max(int(r * (a.hold + 1.0)) + 50 for r in a.call_rates)
    add_accounts(ours, n_acc)
    add_accounts(ours, a.callee_phones, prefix=CALLEE_PREFIX)
    callees = []
    for i in range(a.callee_phones):
        uas = sipp_uas(ctx, f"callee-{i}", "bench_uas_sdp.xml")
        user = f"{CALLEE_PREFIX}{i:04d}"
        ours.kamcmd("ul.rm", "location", user)
        register_phone(ctx, ours, user, BENCH_PASSWORD, uas.port)
        callees.append(user)
    url = f"ws://127.0.0.1:{ours.http_port}/webrtcgateway/ws"
    common = ["--account-prefix", BENCH_PREFIX, "--accounts", str(n_acc),
              "--password", BENCH_PASSWORD, "--callees", ",".join(callees),
              "--hold", str(a.hold), "--timeout", "10"]
    groups = {"kamailio": ours.process.pid, "rtpengine": ctx.engine.process.pid}
    rows = []

    def conns_for(rate):
        return int(rate * (a.hold + 1.0)) + 50

    for rate in a.call_rates:
        conns = conns_for(rate)
        ctx.log(f"run 3: ours rtc-call {conns} {a.call_seconds} --call-rate {rate}")
        r = _measure(ctx, f"rtc-call-{rate}", url,
                     common + ["--call-rate", str(rate), "rtc-call", str(conns),
                               str(a.call_seconds)], a.call_seconds + 300, groups)
        rows.append(_row("ours", "offered_rate", rate, r, ["kamailio", "rtpengine"], "setups"))
        ctx.log(f"  {rows[-1]['rate']:.0f}/s p50 {rows[-1]['p50_ms']:.1f} ms "
                f"p99 {rows[-1]['p99_ms']:.1f} ms errors {rows[-1]['errors']}")
        time.sleep(3)
    if janus:
        jgroups = dict(groups, janus=janus.pid)
        jcommon = common + ["--janus-proxy", f"sip:127.0.0.1:{ours.sip_port}"]
        for rate in a.janus_call_rates:
            conns = conns_for(rate)
            ctx.log(f"run 3: janus janus-call {conns} {a.call_seconds} --call-rate {rate}")
            r = _measure(ctx, f"janus-call-{rate}", janus.url,
                         jcommon + ["--call-rate", str(rate), "janus-call", str(conns),
                                    str(a.call_seconds)], a.call_seconds + 600, jgroups)
            rows.append(_row("janus", "offered_rate", rate, r, ["janus", "kamailio", "rtpengine"],
                             "setups"))
            ctx.log(f"  {rows[-1]['rate']:.0f}/s p50 {rows[-1]['p50_ms']:.1f} ms "
                    f"p99 {rows[-1]['p99_ms']:.1f} ms errors {rows[-1]['errors']}")
            time.sleep(3)
    return {"rows": rows, "callees": len(callees)}


# ---- run 4: idle connections -----------------------------------------------------------

def _hold_idle(ctx, name, url, mode, count, measure, settle):
    before = measure()
    errpath = os.path.join(ctx.workdir, f"sylkload-{name}.log")
    with open(errpath, "wb") as err:
        proc = subprocess.Popen([ctx.sylkload, "-u", url, "-c", "200", mode, str(count)],
                                stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        ready = proc.stdout.readline()
        if not ready.startswith("READY"):
            raise RuntimeError(f"sylkload {mode} did not get ready: {ready!r}\n"
                               + open(errpath).read()[-2000:])
        fields = dict(kv.split("=", 1) for kv in ready.split()[1:])
        if int(fields["opened"]) != count:
            raise RuntimeError(f"{name}: only {fields['opened']} of {count} ready\n"
                               + open(errpath).read()[-2000:])
        settle()
        after = measure()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=180)
    r = parse_result(out)
    if int(r["dropped"]) or int(r["failed"]):
        raise RuntimeError(f"{name}: {r}")
    return before, after, float(fields["seconds"])


def run_idle(ctx, janus):
    a = ctx.args
    n = a.idle_connections
    ours = ctx.ours
    rows = []
    url = f"ws://127.0.0.1:{ours.http_port}/webrtcgateway/ws"

    def ours_measure():
        out = ours.kamcmd("core.shmmem")
        used = int(re.search(r"real_used:\s*(\d+)", out).group(1))
        pids = group_pids(ours.process.pid)
        return {"shm": used, "pss": memory_kib(pids, "Pss") * 1024,
                "rss": memory_kib(pids, "Rss") * 1024}

    def ours_settle():
        wait_until(lambda: int(re.search(r"connections:\s*(\d+)",
                                         ours.kamcmd("sylk_rtc.status")).group(1)) >= n,
                   60, interval=0.2, what="gateway counts the connections")
        time.sleep(3)

    wait_until(lambda: int(re.search(r"connections:\s*(\d+)",
                                     ours.kamcmd("sylk_rtc.status")).group(1)) == 0,
               120, interval=0.5, what="gateway connections gone")
    time.sleep(3)
    ctx.log(f"run 4: ours rtc-idle {n}")
    b, af, secs = _hold_idle(ctx, "rtc-idle", url, "rtc-idle", n, ours_measure, ours_settle)
    rows.append({"peer": "ours", "what": "sylkRTC-2 connection (ready-event received)",
                 "connections": n, "open_seconds": secs,
                 "shm_real_used_per_conn": (af["shm"] - b["shm"]) / n,
                 "pss_per_conn": (af["pss"] - b["pss"]) / n,
                 "rss_per_conn": (af["rss"] - b["rss"]) / n})
    ctx.log(f"  shm {rows[-1]['shm_real_used_per_conn']:,.0f} B, "
            f"PSS {rows[-1]['pss_per_conn']:,.0f} B per connection")
    if janus:
        def janus_measure():
            return {"pss": memory_kib([janus.pid], "Pss") * 1024,
                    "rss": memory_kib([janus.pid], "Rss") * 1024}

        def janus_settle():
            time.sleep(3)

        time.sleep(3)
        ctx.log(f"run 4: janus janus-idle {n}")
        b, af, secs = _hold_idle(ctx, "janus-idle", janus.url, "janus-idle", n, janus_measure,
                                 janus_settle)
        rows.append({"peer": "janus", "what": "Janus WebSocket connection with one Janus "
                     "session (create)", "connections": n, "open_seconds": secs,
                     "shm_real_used_per_conn": "",
                     "pss_per_conn": (af["pss"] - b["pss"]) / n,
                     "rss_per_conn": (af["rss"] - b["rss"]) / n})
        ctx.log(f"  RSS {rows[-1]['rss_per_conn']:,.0f} B per connection")
    return {"rows": rows}


def print_figures(title, summary, fmt):
    """Every figure of a run's summary beside its peer, on the console;
    `fmt(value, unit)` writes one value."""
    print()
    print(title)
    for s in summary:
        ratio = s["ratio"]
        ratio = f"{ratio:.2f}x" if isinstance(ratio, float) else (ratio or "-")
        print(f"  {s['figure']}: ours {fmt(s['ours'], s['unit'])} | {s['peer']} "
              f"{fmt(s['peer_value'], s['unit'])} | ratio {ratio} | goal {s['goal']} "
              f"{s['verdict']}")
    print()


def _doc_bounds(text, heading):
    """Where the section under `heading` starts and ends in `text` (up to
    the next "## " heading or the end); (-1, -1) if it is not there."""
    start = text.find("\n" + heading + "\n")
    if start < 0:
        return -1, -1
    start += 1
    nxt = text.find("\n## ", start + len(heading))
    return start, (nxt + 1 if nxt >= 0 else len(text))


def splice_doc_section(path, heading, lines):
    """Replaces the section under `heading` in `path` with `lines`, or
    appends them: one run rewrites only its own part of BENCHMARKS.md."""
    text = open(path).read() if os.path.exists(path) else ""
    new = "\n".join(lines).rstrip("\n") + "\n"
    start, end = _doc_bounds(text, heading)
    if start < 0:
        body = text.rstrip("\n") + "\n\n" + new if text else new
    else:
        tail = text[end:]
        body = text[:start] + new + ("\n" + tail if tail else "")
    with open(path, "w") as f:
        f.write(body)


def doc_section(path, heading):
    """The section under `heading` now in `path`, as lines (None if absent)."""
    if not os.path.exists(path):
        return None
    text = open(path).read()
    start, end = _doc_bounds(text, heading)
    if start < 0:
        return None
    return text[start:end].rstrip("\n").split("\n")
