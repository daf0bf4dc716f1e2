#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`make bench`: the project's benchmarks beside their peers, in one run on
this machine, each peer started here on free loopback ports.

Runs (--runs, default all):
  ws     issue 3's transport run: our sylk_websocket.so against Debian's
         websocket.so (-A WITH_DEBIAN_WEBSOCKET=1), SIP over WebSocket: shm
         per idle connection (10,000, and bare TCP for the core's share) and
         REGISTER round trips over 100 connections, rounds alternated;
  sip    issue 7 run 1: SIPp calls through the default kamailio.cfg (full
         work, and the same work as the bare proxy) against
         tests/bench/bare-proxy.cfg: Kamailio CPU per call and the ratio;
  reg    run 2: sylkRTC account-add + account-register per second
         (sylkload rtc-register) against Janus's SIP plugin (janus-register),
         same registrar;
  call   run 3: call setups per second through the gateway with rtpengine
         (rtc-call, offered load stepped) against Janus (janus-call);
  idle   run 4: memory per idle sylkRTC connection against a Janus
         WebSocket session and websocket.so (from the ws run);
  msrp, mixer   runs 5 and 6 from tests/bench/bench_media.py when present,
         else "not available";
  messaging  issue 15: messages per second end to end (sylkload
         rtc-message) against Janus's SIP plugin (janus-message), and the
         sync of a 100,000-message journal (bench_messaging.py). Alone
         (--runs messaging) it rewrites only its own section of
         docs/BENCHMARKS.md and docs/bench/messaging.csv.
  videoroom  issue 16: one publisher to N subscribers and N x N rooms,
         our video rooms (rtpengine publish/subscribe) against Janus
         VideoRoom, the same aiortc generator (bench_videoroom.py,
         vrpeer.py). Alone (--runs videoroom, with or without messaging)
         it rewrites only its own section and docs/bench/videoroom.csv.
  xmpp   issue 18: the SIP <-> XMPP gateway behind Prosody: messages per
         second each way and presence updates fanned out to 1,000 XMPP
         watchers, Kamailio's and Prosody's CPU apart (bench_xmpp.py,
         xmppload.py). Alone it rewrites only its own section and
         docs/bench/xmpp.csv.
  cluster  issue 21: one node against three (the tests' cluster harness,
         WITH_CLUSTER + WITH_POSTGRES, on the same cores): SIPp registrations
         and call setups per second, server CPU per registration and call,
         and how soon a registration on one node is seen by a caller on
         another (p50/p99) (bench_cluster.py). Alone it rewrites only its own
         section and docs/bench/cluster.csv.

Prints the figures and writes docs/BENCHMARKS.md, docs/bench/*.csv and PNG
plots (gnuplot). Runs 1-4 live in bench_gateway.py, the report in
bench_report.py, the Janus peer in janus_peer.py.

Run with /usr/bin/python3 (Debian's), from `make bench`; BUILD_DIR names the
build directory (default ./build).
"""

import argparse
import csv
import datetime
import os
import platform
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))

from sylktest import server as sylkserver  # noqa: E402
from sylktest.processes import Process, wait_until  # noqa: E402
from sylktest.server import Kamailio, Rtpengine  # noqa: E402
from sylktest.processes import free_port  # noqa: E402

sys.path.insert(0, HERE)
import bench_cluster  # noqa: E402
import bench_gateway  # noqa: E402
import bench_messaging  # noqa: E402
import bench_report  # noqa: E402
import bench_videoroom  # noqa: E402
import bench_xmpp  # noqa: E402
import janus_peer  # noqa: E402

BUILD = os.environ.get("BUILD_DIR", os.path.join(TOP, "build"))
SYLKLOAD = os.path.join(BUILD, "bench", "sylkload")
DOCS = os.path.join(TOP, "docs")
CSV_DIR = os.path.join(DOCS, "bench")

OURS = "sylk_websocket.so"
PEER = "websocket.so"



def log(msg):
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


# ---- servers ---------------------------------------------------------------------

class _ShmProcess(Process):
    """Process that gives kamailio more shared memory than the test harness
    does (-m), keeping every other argument the harness chose."""
    shm_mb = None
    config = None   # --config: another kamailio.cfg than the working tree's

    def __init__(self, name, argv, log_path, **kw):
        if name == "kamailio" and self.shm_mb and "-m" in argv:
            argv = list(argv)
            argv[argv.index("-m") + 1] = str(self.shm_mb)
        if name == "kamailio" and self.config and "-f" in argv:
            argv = list(argv)
            argv[argv.index("-f") + 1] = self.config
        super().__init__(name, argv, log_path, **kw)


def start_kamailio(workdir, rtpengine, defines, shm_mb):
    _ShmProcess.shm_mb = shm_mb
    saved = sylkserver.Process
    sylkserver.Process = _ShmProcess
    try:
        return Kamailio(workdir, rtpengine, defines=defines)
    finally:
        sylkserver.Process = saved


class Target:
    def __init__(self, name, label, kamailio):
        self.name = name          # "ours" / "peer"
        self.label = label        # module file name
        self.k = kamailio
        self.url = f"ws://127.0.0.1:{kamailio.http_port}/webrtcgateway/ws"

    def shm(self):
        out = self.k.kamcmd("core.shmmem")
        used = int(re.search(r"\bused:\s*(\d+)", out).group(1))
        real = int(re.search(r"real_used:\s*(\d+)", out).group(1))
        return used, real

    def tcp_open(self):
        out = self.k.kamcmd("core.tcp_info")
        return int(re.search(r"opened_connections:\s*(\d+)", out).group(1))

    def ws_open(self):
        """Connections the WebSocket module itself counts."""
        if self.name == "ours":
            out = self.k.kamcmd("sylk_websocket.status")
            return int(re.search(r"connections:\s*(\d+)", out).group(1))
        out = self.k.kamcmd("stats.get_statistics", "ws_current_connections")
        return int(re.search(r"ws_current_connections\s*=\s*(\d+)", out).group(1))


def wait_quiet(target, settle=8.0, timeout=120):
    """No connections left, and (settle > 0) shm unchanged for `settle`
    seconds: websocket.so frees a closed connection's memory only some
    seconds after it ends (rm_delay_interval 5 s, checked every second)."""
    wait_until(lambda: target.tcp_open() == 0, timeout, interval=0.2,
               what=f"{target.label}: connections closed")
    wait_until(lambda: target.ws_open() == 0, timeout, interval=0.2,
               what=f"{target.label}: WebSocket connections forgotten")
    if settle <= 0:
        return target.shm()
    deadline = time.monotonic() + timeout
    last, since = target.shm(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = target.shm()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= settle:
            return now
    raise TimeoutError(f"{target.label}: shm did not settle")


def wait_stable_shm(target, timeout=30):
    last = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = target.shm()
        if now == last:
            return now
        last = now
        time.sleep(1.0)
    return last




def group_cpu_seconds(pgid):
    """User + system CPU of every process in a process group (kamailio's
    main process and its children: the harness starts it in a new session)."""
    return bench_gateway.cpu_seconds(pgids=[pgid])


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---- load generator -----------------------------------------------------------------

def parse_result(text):
    for line in reversed(text.splitlines()):
        if line.startswith("RESULT "):
            return dict(kv.split("=", 1) for kv in line[7:].split())
    raise RuntimeError("sylkload printed no RESULT line:\n" + text[-2000:])


def hold_connections(target, mode, count, workdir):
    """Opens `count` idle connections (sip-idle or tcp-idle), measures shm
    while they are held, releases them. Returns a dict of figures."""
    before = wait_quiet(target)
    errpath = os.path.join(workdir, f"sylkload-{target.name}-{mode}.log")
    with open(errpath, "wb") as err:
        proc = subprocess.Popen([SYLKLOAD, "-u", target.url, "-c", "200", mode, str(count)],
                                stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        ready = proc.stdout.readline()
        if not ready.startswith("READY"):
            raise RuntimeError(f"sylkload {mode} did not get ready: {ready!r}\n"
                               + open(errpath).read()[-2000:])
        fields = dict(kv.split("=", 1) for kv in ready.split()[1:])
        if int(fields["opened"]) != count:
            raise RuntimeError(f"{target.label}: only {fields['opened']} of {count} "
                               f"connections opened\n" + open(errpath).read()[-2000:])
        wait_until(lambda: target.tcp_open() >= count, 60, interval=0.2,
                   what=f"{target.label}: {count} connections seen by the core")
        if mode == "sip-idle":
            wait_until(lambda: target.ws_open() >= count, 60, interval=0.2,
                       what=f"{target.label}: {count} connections seen by the module")
        time.sleep(2.0)
        after = wait_stable_shm(target)
        server_conns = target.tcp_open()
        ws_conns = target.ws_open() if mode == "sip-idle" else 0
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=120)
    result = parse_result(out)
    if int(result["dropped"]) or int(result["failed"]):
        raise RuntimeError(f"{target.label} {mode}: {result}")
    return {
        "module": target.label, "mode": mode, "connections": count,
        "server_tcp_connections": server_conns, "server_ws_connections": ws_conns,
        "used_before": before[0], "used_after": after[0],
        "real_used_before": before[1], "real_used_after": after[1],
        "used_per_conn": (after[0] - before[0]) / count,
        "real_used_per_conn": (after[1] - before[1]) / count,
        "open_seconds": float(fields["seconds"]),
    }


def register_run(target, conns, seconds, workdir, rnd):
    errpath = os.path.join(workdir, f"sylkload-{target.name}-register-{rnd}.log")
    load = loadavg()
    cpu0 = group_cpu_seconds(target.k.process.pid)
    with open(errpath, "wb") as err:
        p = subprocess.run([SYLKLOAD, "-u", target.url, "sip-register", str(conns), str(seconds)],
                           stdout=subprocess.PIPE, stderr=err, text=True,
                           timeout=seconds + 120)
    # includes the connection set-up and the drain after the window: a few
    # hundred round trips, noise beside the window's
    cpu = group_cpu_seconds(target.k.process.pid) - cpu0
    r = parse_result(p.stdout)
    if p.returncode != 0 or int(r["errors"]) != 0:
        raise RuntimeError(f"{target.label} sip-register failed (rc {p.returncode}): {r}\n"
                           + open(errpath).read()[-2000:])
    return {
        "module": target.label, "round": rnd, "connections": conns,
        "seconds": float(r["seconds"]), "roundtrips": int(r["roundtrips"]),
        "rate": float(r["rate"]), "registrations": int(r["registrations"]),
        "challenges": int(r["challenges"]), "errors": int(r["errors"]),
        "p50_ms": float(r["p50_ms"]), "p99_ms": float(r["p99_ms"]),
        "kamailio_cpu_seconds": cpu,
        "roundtrips_per_cpu_second": int(r["roundtrips"]) / cpu if cpu > 0 else 0.0,
        "loadavg_before": load,
    }


# ---- machine ----------------------------------------------------------------------

def machine():
    def first(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return ""

    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(re.search(r"MemTotal:\s*(\d+)", f.read()).group(1))
    try:
        debian = open("/etc/debian_version").read().strip()
    except OSError:
        debian = "?"
    kam = first(["/usr/sbin/kamailio", "-v"]).splitlines()
    lws = first(["pkg-config", "--modversion", "libwebsockets"]).rstrip("-")
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 1048576, 1),
        "kernel": platform.release(), "debian": debian,
        "kamailio": kam[0].replace("version: ", "").strip() if kam else "?",
        "libwebsockets": lws,
        "loadavg": loadavg(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


# ---- output -----------------------------------------------------------------------

def write_csv(path, rows, fields=None):
    fields = fields or list(rows[0].keys())
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for row in rows:
            w.writerow({k: (f"{v:.3f}" if isinstance(v, float) else v)
                        for k, v in row.items()})


def fmt_bytes(v):
    return f"{v:,.0f} B"


def fmt_rate(v):
    return f"{v:,.0f}/s"


def summary_rows(idle, reg, args):
    by = {(r["module"], r["mode"]): r for r in idle}
    rows = []
    o_ws, p_ws = by[(OURS, "sip-idle")], by[(PEER, "sip-idle")]
    o_tcp, p_tcp = by[(OURS, "tcp-idle")], by[(PEER, "tcp-idle")]
    n = args.idle_connections
    rows.append({
        "figure": f"shm per idle SIP WebSocket connection ({n:,} open), real_used",
        "ours": o_ws["real_used_per_conn"], "peer": p_ws["real_used_per_conn"],
        "unit": "bytes", "better": "lower", "fmt": fmt_bytes})
    rows.append({
        "figure": f"shm per idle SIP WebSocket connection ({n:,} open), used",
        "ours": o_ws["used_per_conn"], "peer": p_ws["used_per_conn"],
        "unit": "bytes", "better": "lower", "fmt": fmt_bytes})
    # the module's own share: the same kamailio's cost of a bare TCP connection
    # (read buffer of tcp_rd_buf_size and the core's connection struct) taken off
    rows.append({
        "figure": "  of which the WebSocket module's own share (minus a bare TCP connection), real_used",
        "ours": o_ws["real_used_per_conn"] - o_tcp["real_used_per_conn"],
        "peer": p_ws["real_used_per_conn"] - p_tcp["real_used_per_conn"],
        "unit": "bytes", "better": "lower", "fmt": fmt_bytes})
    med = {}
    for module in (OURS, PEER):
        runs = [r for r in reg if r["module"] == module]
        med[module] = {
            "rate": statistics.median(r["rate"] for r in runs),
            "p50": statistics.median(r["p50_ms"] for r in runs),
            "p99": statistics.median(r["p99_ms"] for r in runs),
            "per_cpu": statistics.median(r["roundtrips_per_cpu_second"] for r in runs),
        }
    c = args.register_connections
    rows.append({
        "figure": f"SIP REGISTER round trips per second ({c} connections, median of {args.rounds})",
        "ours": med[OURS]["rate"], "peer": med[PEER]["rate"],
        "unit": "per second", "better": "higher", "fmt": fmt_rate})
    rows.append({
        "figure": "  REGISTER round trips per Kamailio CPU second (median of rounds)",
        "ours": med[OURS]["per_cpu"], "peer": med[PEER]["per_cpu"],
        "unit": "per CPU second", "better": "higher", "fmt": fmt_rate})
    rows.append({
        "figure": "  REGISTER latency p50 (median of rounds)",
        "ours": med[OURS]["p50"], "peer": med[PEER]["p50"],
        "unit": "ms", "better": "lower", "fmt": lambda v: f"{v:.3f} ms"})
    rows.append({
        "figure": "  REGISTER latency p99 (median of rounds)",
        "ours": med[OURS]["p99"], "peer": med[PEER]["p99"],
        "unit": "ms", "better": "lower", "fmt": lambda v: f"{v:.3f} ms"})
    for r in rows:
        r["ratio"] = r["ours"] / r["peer"] if r["peer"] else float("nan")
    return rows


def print_table(rows, reg=None):
    w = max(len(r["figure"]) for r in rows)
    print()
    print(f"{'figure':<{w}}  {'ours':>14}  {'websocket.so':>14}  {'ratio':>7}")
    print("-" * (w + 43))
    for r in rows:
        print(f"{r['figure']:<{w}}  {r['fmt'](r['ours']):>14}  {r['fmt'](r['peer']):>14}"
              f"  {r['ratio']:>6.3f}x")
    print("(ratio = ours / websocket.so; memory: lower is better, round trips: higher)")
    if reg is not None:
        mem_state, rate_states = verdict(rows, reg)
        print(f"goal, memory per connection: {mem_state}")
        for p in rate_states:
            print(f"goal, {p}")
    print()


def paired_ratios(reg, key):
    """ours / websocket.so per round: the two runs of a round are adjacent in
    time, so their ratio is less exposed to drifting machine load."""
    ours = {r["round"]: r[key] for r in reg if r["module"] == OURS}
    peer = {r["round"]: r[key] for r in reg if r["module"] == PEER}
    return [ours[k] / peer[k] for k in sorted(ours) if peer.get(k)]


def verdict(rows, reg):
    """Memory: met or not. Throughput: met, NOT met, or not measurably
    different when the per-round ratios straddle 1."""
    mem = "met" if rows[0]["ratio"] <= 1.0 else "NOT met"
    parts = []
    for key, what in (("rate", "round trips per second"),
                      ("roundtrips_per_cpu_second", "round trips per CPU second")):
        ratios = paired_ratios(reg, key)
        lo, hi = min(ratios), max(ratios)
        if lo >= 1.0:
            state = "met"
        elif hi < 1.0:
            state = "NOT met"
        else:
            state = "no measurable difference"
        parts.append(f"{what}: {state} (per-round ratios {lo:.3f} to {hi:.3f}, "
                     f"median {statistics.median(ratios):.3f})")
    return mem, parts


def write_markdown(path, m, rows, idle, reg, args, extra_lines=(), extra_machine=()):
    lines = [
        "# Benchmarks",
        "",
        "Measured side by side in one run on the same machine by `make bench`",
        "(tests/bench/run_bench.py driving tests/bench/sylkload). This file and",
        "the CSV files in [bench/](bench/) are written by that run; do not edit",
        "them by hand.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory_gib']} GiB",
        f"- Debian {m['debian']}, Linux {m['kernel']}",
        f"- {m['kamailio']} (Debian package), libwebsockets {m['libwebsockets']} (load generator)",
        f"- run: {m['date']}; load average at the start {m['loadavg']}",
        "- the load generator, Kamailio and rtpengine share the machine's cores",
    ] + list(extra_machine) + [""]
    if rows:
        lines += ws_section(rows, idle, reg, args)
    else:
        lines += ["## WebSocket transport: sylk_websocket.so versus Debian's websocket.so", "",
                  "not measured in this run (`--runs` left it out)", ""]
    lines += list(extra_lines)
    with open(path, "w") as f:
        f.write("\n".join(lines))


def ws_section(rows, idle, reg, args):
    mem_state, rate_states = verdict(rows, reg)
    by = {(r["module"], r["mode"]): r for r in idle}
    lines = [
        "## WebSocket transport: sylk_websocket.so versus Debian's websocket.so",
        "",
        "Both carry SIP over WebSocket (RFC 7118, subprotocol `sip`). Ratio =",
        "ours / websocket.so. Goal (issue 3): no more memory per connection",
        "(ratio <= 1) and no less throughput (ratio >= 1).",
        "",
        "| figure | ours (sylk_websocket.so) | Debian websocket.so | ratio |",
        "|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['figure'].strip()} | {r['fmt'](r['ours'])} | {r['fmt'](r['peer'])}"
                     f" | {r['ratio']:.3f} |")
    lines += [
        "",
        f"Goal, memory per connection: {mem_state}.",
        "",
        "Goal, REGISTER throughput (\"no measurable difference\": in some rounds",
        "ours was ahead, in others websocket.so):",
        "",
    ] + [f"- {p}" for p in rate_states] + [
        "",
        "Per connection, idle (bytes of Kamailio shared memory; "
        "[bench/websocket_idle.csv](bench/websocket_idle.csv)):",
        "",
        "| connections held | module | real_used per connection | used per connection |",
        "|---|---|---:|---:|",
    ]
    for mode, what in (("sip-idle", "WebSocket, subprotocol sip"),
                       ("tcp-idle", "bare TCP, no bytes sent")):
        for module in (OURS, PEER):
            r = by[(module, mode)]
            lines.append(f"| {r['connections']:,} {what} | {module} | "
                         f"{r['real_used_per_conn']:,.0f} | {r['used_per_conn']:,.0f} |")
    lines += [
        "",
        "REGISTER rounds ([bench/websocket_register.csv](bench/websocket_register.csv)):",
        "",
        "| round | module | round trips/s | per Kamailio CPU s | p50 | p99 | registrations |"
        " errors | load average before |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in reg:
        lines.append(f"| {r['round']} | {r['module']} | {r['rate']:,.0f}"
                     f" | {r['roundtrips_per_cpu_second']:,.0f} | {r['p50_ms']:.3f} ms"
                     f" | {r['p99_ms']:.3f} ms | {r['registrations']:,} | {r['errors']}"
                     f" | {r['loadavg_before']} |")
    lines += [
        "",
        "### Method",
        "",
        "- One rtpengine and two Kamailio instances, started by the bench on free",
        "  loopback ports with the project's default `kamailio-cfg/kamailio.cfg` and",
        "  the test harness's settings (`-x tlsf -X tlsf`, `-M 16`) except",
        f"  `WORKERS={args.workers}` (the config's default; 4 TCP readers), `LOG_LEVEL=1`,",
        f"  `-m {args.shm_mb}` (MiB of shm), `TCP_MAX_CONNECTIONS` and `OPEN_FILES_LIMIT`",
        "  raised for the idle run, pike's `PIKE_DENSITY` set to 65535 (above its",
        "  16-bit counters' ceiling) so the single load-generating address is",
        "  never blocked, and `SIP_MAX_MESSAGES_PER_ACCOUNT` set to 0 (no limit:",
        "  the xmpp run's SIP users each send more than its 100 a second). The",
        "  peer instance differs only by",
        "  `-A WITH_DEBIAN_WEBSOCKET=1`, which loads `websocket.so` (with",
        "  `sub_protocols=1`, keepalive ping after the same idle time) instead of",
        "  `sylk_websocket.so`; script, routing, registrar and auth are the same.",
        "- Memory: `kamcmd core.shmmem` once no connection is open and the figure",
        f"  is steady, then `sylkload sip-idle {args.idle_connections}` opens that many",
        "  WebSocket connections (subprotocol `sip`, path `/webrtcgateway/ws`, at",
        "  most 200 handshakes in flight) and holds them; once the core",
        "  (`core.tcp_info`) and the module (`sylk_websocket.status` /",
        "  `ws_current_connections`) count them all and shm is steady, shmmem is",
        "  read again. Per connection = difference / connections. `real_used`",
        "  includes the allocator's per-fragment overhead, `used` does not.",
        f"  `sylkload tcp-idle {args.idle_connections}` does the same with plain TCP",
        "  connections that send nothing: the core's own cost of a connection,",
        f"  dominated by its read buffer (`tcp_rd_buf_size`, {bench_report.read_buffer_kib()} KiB in the default",
        "  config, allocated per connection in shm). The WebSocket figure minus",
        "  this one is the module's own share.",
        f"- Throughput: `sylkload sip-register {args.register_connections} "
        f"{args.seconds}` opens {args.register_connections}",
        "  connections; each keeps one REGISTER outstanding (closed loop). The",
        "  first REGISTER of a connection is challenged (401); the following ones",
        "  carry digest credentials (alice/alice123, realm sylk.test, qop=auth,",
        "  the nonce reused with a counted nc, fresh cnonce) as a refreshing phone",
        "  does, so each round trip is an authenticated REGISTER checked against",
        "  the SQLite subscriber table and saved by the registrar, answered 200.",
        "  All connections register the same Contact, so the 200 carries one",
        "  binding. Round trips per second = final responses received within the",
        "  window / window length; latency from sending a REGISTER to its final",
        f"  response. {args.rounds} rounds per module, order alternated",
        "  (ours first in odd rounds); the table gives the median. Round trips",
        "  per Kamailio CPU second divide a round's round trips by the user +",
        "  system CPU time of all that Kamailio's processes during the round",
        "  (from /proc): less sensitive than the rate to other work on the machine.",
        "- Reproduce: `make bench` (options: `make bench BENCH_ARGS='--help'`).",
        "",
        "### Notes",
        "",
        "- `websocket.so` checks neither the request path nor `Origin` (the",
        "  default config leaves both to `sylk_websocket.so`), so its handshakes",
        "  do slightly less work than ours in this comparison.",
        "- The load generator and both Kamailio instances share the machine's",
        "  cores with whatever else runs on it; the load average before each",
        "  round is in the table above. Spread between rounds of the same module",
        "  is that noise, not a difference between the modules.",
        "- Both modules sit on the same core TCP code, so most of a connection's",
        "  memory (and much of a REGISTER's cost: parsing, auth, registrar) is the",
        "  core's; the ratios compare whole servers, which is what an operator",
        "  sees.",
        "",
    ]
    return lines


# ---- main -------------------------------------------------------------------------

class BigRtpengine(Rtpengine):
    """The harness's rtpengine with a media port range wide enough for the
    call run (each call holds RTP+RTCP pairs on both sides)."""

    def __init__(self, workdir, ports=8000):
        self.ng_port = free_port()
        self.cli_port = free_port()
        self.port_min, self.port_max = janus_peer.wide_port_range(ports)
        self.process = Process("rtpengine", [
            "/usr/bin/rtpengine",
            "--config-file=" + os.path.join(TOP, "rtpengine-conf", "rtpengine.conf"),
            "--interface=127.0.0.1",
            f"--listen-ng=127.0.0.1:{self.ng_port}",
            f"--listen-cli=127.0.0.1:{self.cli_port}",
            f"--port-min={self.port_min}", f"--port-max={self.port_max}",
            "--log-level=3",
        ], os.path.join(workdir, "rtpengine.log"))
        self._cookie = 0
        wait_until(self.ping, 10, what="rtpengine ng ping")


class Context:
    """What a run function gets (runs 1-4 here, 5-6 in bench_media.py):
    workdir (logs), sylkload (path), args, log(msg), engine (rtpengine),
    ours (the project's Kamailio with the default config, sylk_websocket +
    sylk_rtc, big shm and connection limits), started (append processes to
    stop at the end), start_kamailio(workdir, engine, defines, shm_mb),
    cpu_seconds(pids=(), pgids=()), loadavg()."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


RUNS = ("ws", "sip", "reg", "call", "idle", "msrp", "mixer", "messaging", "videoroom", "xmpp",
        "cluster")
# runs that write only their own section of docs/BENCHMARKS.md when run alone
SECTION_RUNS = {"messaging", "videoroom", "xmpp", "cluster"}


def int_list(text):
    return [int(x) for x in text.split(",") if x]


def media_runs(ctx, runs):
    """Runs 5 and 6 live in tests/bench/bench_media.py (run_msrp_fanout,
    run_mixer: ctx -> list of row dicts with at least "figure"; optional
    "ours", "peer", "peer_value", "ratio", "goal", "verdict"). Missing file
    or function: "not available"."""
    out = {}
    try:
        import bench_media  # noqa: F401
    except ImportError as e:
        if getattr(e, "name", None) != "bench_media":
            raise
        log("runs 5-6: tests/bench/bench_media.py not there: not available")
        return out
    for key, fn in (("msrp", "run_msrp_fanout"), ("mixer", "run_mixer")):
        if key not in runs:
            continue
        func = getattr(bench_media, fn, None)
        if func is None:
            log(f"bench_media.{fn}: not available")
            continue
        log(f"run {'5' if key == 'msrp' else '6'}: bench_media.{fn}")
        try:
            rows = func(ctx) or []
        except Exception as e:  # one broken run must not lose the others' figures
            log(f"bench_media.{fn} failed: {e!r}")
            out[key] = [{"figure": f"failed: {e}", "verdict": "not available"}]
            continue
        out[key] = [{k: (v(r.get("ours")) if k == "fmt" and callable(v) else v)
                     for k, v in r.items()} for r in rows]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default=",".join(RUNS),
                    help="comma separated, of: " + ", ".join(RUNS) + " (default all)")
    ap.add_argument("--idle-connections", type=int, default=10000)
    ap.add_argument("--register-connections", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=8.0, help="per REGISTER round")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--workers", type=int, default=4,
                    help="kamailio UDP and TCP worker processes (WORKERS; the config's default)")
    ap.add_argument("--shm-mb", type=int, default=0,
                    help="kamailio shm in MiB (default: enough for the idle run)")
    # run 1
    ap.add_argument("--sip-calls", type=int, default=3000, help="run 1: calls per measurement")
    ap.add_argument("--sip-rate", type=int, default=300, help="run 1: calls per second")
    ap.add_argument("--sip-rounds", type=int, default=3)
    # run 2
    ap.add_argument("--reg-conns", type=int_list, default=int_list("25,50,100,200,400"))
    ap.add_argument("--janus-reg-conns", type=int_list, default=int_list("1,10,50"))
    ap.add_argument("--reg-seconds", type=float, default=6.0)
    ap.add_argument("--conn-rps", type=float, default=40.0)
    # run 3
    ap.add_argument("--call-rates", type=int_list, default=int_list("100,200,300,400,500,600,800"))
    ap.add_argument("--janus-call-rates", type=int_list, default=int_list("25,50,100,200"))
    ap.add_argument("--call-seconds", type=float, default=8.0)
    ap.add_argument("--hold", type=float, default=1.0, help="run 3: seconds each call is held")
    ap.add_argument("--callee-phones", type=int, default=3, help="run 3: SIPp UAS instances")
    # messaging (issue 15)
    ap.add_argument("--msg-pairs", type=int_list, default=int_list("25,50,100,200,300"),
                    help="messaging: sender/receiver pairs per step, ours")
    ap.add_argument("--janus-msg-pairs", type=int_list, default=int_list("10,25,50"),
                    help="messaging: pairs per step, Janus")
    ap.add_argument("--msg-seconds", type=float, default=0.0,
                    help="messaging: window per step (default --seconds)")
    ap.add_argument("--msg-window", type=int, default=1,
                    help="messaging: messages in flight per sender")
    ap.add_argument("--msg-conn-rps", type=float, default=40.0,
                    help="messaging: messages per second per sender at most (the gateway "
                         "allows 50 requests per second per connection)")
    ap.add_argument("--no-msg-tmpfs", dest="msg_tmpfs", action="store_false",
                    help="messaging: leave out the steps with the journal on tmpfs")
    ap.add_argument("--no-msg-relay", dest="msg_relay", action="store_false",
                    help="messaging: leave out Janus beside a relay-only proxy")
    ap.add_argument("--journal-rows", type=int, default=100000,
                    help="messaging: journal size of the sync measurement")
    ap.add_argument("--journal-repeats", type=int, default=5)
    # video rooms (issue 16)
    ap.add_argument("--vr-fanout", type=int_list, default=int_list("1,2,4,8,16,32,64"),
                    help="videoroom: subscribers of the one publisher, per step")
    ap.add_argument("--vr-mesh", type=int_list, default=int_list("2,3,4,6,8,10,12"),
                    help="videoroom: participants of the N x N room, per step")
    ap.add_argument("--vr-seconds", type=float, default=8.0,
                    help="videoroom: measured window per step")
    ap.add_argument("--vr-warmup", type=float, default=3.0,
                    help="videoroom: seconds of media before the window")
    # SIP <-> XMPP gateway (issue 18)
    ap.add_argument("--xmpp-clients", type=int, default=50,
                    help="xmpp: XMPP users and SIP users exchanging messages (pairs)")
    ap.add_argument("--xmpp-rates", type=int_list,
                    default=int_list("250,500,1000,1500,2000,3000,4000,6000,8000"),
                    help="xmpp: offered messages per second per step, each direction")
    ap.add_argument("--xmpp-watchers", type=int, default=1000,
                    help="xmpp: XMPP watchers of the one SIP user's presence")
    ap.add_argument("--xmpp-pres-rates", type=int_list, default=int_list("2,5,10,12,15,20"),
                    help="xmpp: presence changes (PUBLISH) per second per step")
    ap.add_argument("--xmpp-seconds", type=float, default=8.0,
                    help="xmpp: window per step")
    ap.add_argument("--xmpp-drain", type=float, default=5.0,
                    help="xmpp: seconds after the window for late deliveries")
    # cluster (issue 21)
    ap.add_argument("--cl-reg-rates", type=int_list,
                    default=int_list("300,600,1200,1800,2400,3000,3600,4500,6000,7500"),
                    help="cluster: offered registrations per second per step (3 SIPp)")
    ap.add_argument("--cl-call-rates", type=int_list,
                    default=int_list("150,300,600,900,1200,1500,1800,2400,3000"),
                    help="cluster: offered call setups per second per step (3 SIPp)")
    ap.add_argument("--cl-seconds", type=float, default=8.0,
                    help="cluster: seconds of load per step")
    ap.add_argument("--cl-users", type=int, default=3000,
                    help="cluster: generated subscribers registering and calling")
    ap.add_argument("--cl-convergence", type=int, default=200,
                    help="cluster: registrations timed for convergence, per topology")
    ap.add_argument("--cl-conv-load", type=int, default=0,
                    help="cluster: registrations per second in the background of the second "
                         "convergence measurement (default half the one-node best)")
    ap.add_argument("--cl-probe-interval", type=float, default=0.25,
                    help="cluster: milliseconds between convergence probes")
    ap.add_argument("--cl-shm-mb", type=int, default=1024,
                    help="cluster: kamailio shm per node, MiB")
    ap.add_argument("--config", default=None,
                    help="kamailio.cfg to run instead of kamailio-cfg/kamailio.cfg (e.g. a "
                         "snapshot of a commit's while the working tree's is being edited)")
    ap.add_argument("--no-janus", action="store_true", help="leave the Janus peer out")
    ap.add_argument("--no-docs", action="store_true",
                    help="print only; leave docs/ alone")
    args = ap.parse_args()
    runs = set(args.runs.split(","))
    unknown = runs - set(RUNS)
    if unknown:
        sys.exit(f"unknown runs: {', '.join(sorted(unknown))}")
    if args.msg_seconds <= 0:
        args.msg_seconds = args.seconds
    if args.config:
        _ShmProcess.config = os.path.abspath(args.config)

    if not os.access(SYLKLOAD, os.X_OK):
        sys.exit(f"{SYLKLOAD} missing: run 'make bench-tools'")
    n = args.idle_connections
    if not args.shm_mb:
        # the core's 72 KiB read buffer per connection, websocket.so's own
        # 64 KiB fragment buffer, plus headroom (and the call run's
        # transactions and dialogs)
        args.shm_mb = max(1024, int(n * 150 * 1024 / 1048576) + 256)
    # kamailio and sylkload each hold one descriptor per connection; the hard
    # limit (ulimit -Hn) is what an unprivileged process may raise itself to
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    fd_limit = n + 4096 if hard == resource.RLIM_INFINITY else min(n + 4096, hard)
    if fd_limit < n + 1024:
        sys.exit(f"open file limit {hard} too low for {n} connections: raise ulimit -Hn "
                 f"or use --idle-connections")
    want_janus = not args.no_janus and bool(runs & {"reg", "call", "idle", "messaging"})
    if want_janus and not janus_peer.available():
        log("janus is not installed (make bench installs it): Janus figures not available")
        want_janus = False
    m = machine()
    if want_janus:
        m["janus"] = janus_peer.version()
    log(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {m['kamailio']}")

    workdir = tempfile.mkdtemp(prefix="sylk-bench-")
    log(f"logs in {workdir}")
    common = {
        # pike counts in 16 bits and saturates at 65534: 65535 never blocks
        "PIKE_DENSITY": 65535,
        # the xmpp run's 50 SIP users each send over 100 MESSAGEs a second
        # at its top steps: capacity is measured, not the per-user limit
        "SIP_MAX_MESSAGES_PER_ACCOUNT": 0,
        "TCP_MAX_CONNECTIONS": n + 1024,
        # every load comes from 127.0.0.1: no per-address connection limit
        "TCP_MAX_PER_IP": 0,
        "OPEN_FILES_LIMIT": fd_limit,
        "WORKERS": args.workers,
        "LOG_LEVEL": 1,
    }
    started = []
    rows, idle, reg = [], [], []
    results = {}
    try:
        os.makedirs(os.path.join(workdir, "rtpengine"))
        # the video-room run alone needs a few hundred ports, not the call
        # run's 8000 (a block that wide is not always free on a shared machine)
        if runs and runs <= {"videoroom", "xmpp", "cluster"}:
            engine = bench_videoroom.small_rtpengine(BigRtpengine,
                                                     os.path.join(workdir, "rtpengine"))
        else:
            engine = BigRtpengine(os.path.join(workdir, "rtpengine"))
        started.append(engine)
        targets = []
        for name, label, extra in (("ours", OURS, {}),
                                   ("peer", PEER, {"WITH_DEBIAN_WEBSOCKET": 1})):
            if name == "peer" and "ws" not in runs:
                continue
            wd = os.path.join(workdir, name)
            os.makedirs(wd)
            k = start_kamailio(wd, engine, dict(common, **extra), args.shm_mb)
            started.append(k)
            targets.append(Target(name, label, k))
            log(f"{label}: kamailio pid {k.process.pid}, {targets[-1].url}")
        # each kamailio runs the module it was told to
        for t in targets:
            mods = t.k.kamcmd("core.modules")
            want, other = ("sylk_websocket", "websocket") if t.name == "ours" else \
                ("websocket", "sylk_websocket")
            names = set(re.findall(r"^\s*(\S+)", mods, re.M))
            if want not in names or other in names:
                raise RuntimeError(f"{t.label} instance loaded: {sorted(names)}")
        ours = targets[0].k
        ctx = Context(workdir=workdir, sylkload=SYLKLOAD, args=args, log=log, engine=engine,
                      raw={},
                      ours=ours, started=started, start_kamailio=start_kamailio, common=common,
                      cpu_seconds=bench_gateway.cpu_seconds, loadavg=loadavg)

        if "ws" in runs:
            rows, idle, reg = websocket_run(targets, args, workdir, n)
            # the peer instance is done: its processes would only take CPU
            targets[1].k.stop()
            results["ws_debian_idle"] = next(
                r["real_used_per_conn"] for r in idle
                if r["module"] == PEER and r["mode"] == "sip-idle")

        janus = None
        if want_janus:
            os.makedirs(os.path.join(workdir, "janus"))
            janus = janus_peer.Janus(os.path.join(workdir, "janus"))
            started.append(janus)
            log(f"janus {m.get('janus')}: pid {janus.pid}, {janus.url}")
        if "sip" in runs:
            results["sip"] = bench_gateway.run_sip_overhead(ctx)
        if "reg" in runs:
            results["reg"] = bench_gateway.run_registrations(ctx, janus)
        if "call" in runs:
            results["call"] = bench_gateway.run_calls(ctx, janus)
        if "messaging" in runs:
            log(f"messaging (issue 15), load average {loadavg()}")
            results["messaging"] = bench_messaging.run_messaging(ctx, janus)
        if "videoroom" in runs:
            log(f"video rooms (issue 16), load average {loadavg()}")
            try:
                results["videoroom"] = bench_videoroom.run_videoroom(ctx)
            except Exception as e:  # one broken run must not lose the others' figures
                log(f"bench_videoroom.run_videoroom failed: {e!r}")
        if "xmpp" in runs:
            log(f"SIP <-> XMPP gateway (issue 18), load average {loadavg()}")
            try:
                results["xmpp"] = bench_xmpp.run_xmpp(ctx)
            except Exception as e:  # one broken run must not lose the others' figures
                log(f"bench_xmpp.run_xmpp failed: {e!r}")
        if "cluster" in runs:
            log(f"cluster (issue 21), load average {loadavg()}")
            try:
                results["cluster"] = bench_cluster.run_cluster(ctx)
            except Exception as e:  # one broken run must not lose the others' figures
                log(f"bench_cluster.run_cluster failed: {e!r}")
        if "idle" in runs:
            if janus:
                # a fresh Janus: memory the earlier runs' sessions freed would
                # otherwise be reused and hide the idle connections' cost
                janus.stop()
                os.makedirs(os.path.join(workdir, "janus-idle"))
                janus = janus_peer.Janus(os.path.join(workdir, "janus-idle"))
                started.append(janus)
            results["idle"] = bench_gateway.run_idle(ctx, janus)
        if runs & {"msrp", "mixer"}:
            results.update(media_runs(ctx, runs))
    finally:
        for p in reversed(started):
            try:
                p.stop()
            except Exception as e:  # keep stopping the others
                log(f"stopping {p}: {e}")

    if rows:
        print_table(rows, reg)
    messaging = results.pop("messaging", None)
    if messaging:
        bench_messaging.print_summary(messaging)
    videoroom = results.pop("videoroom", None)
    if videoroom:
        bench_videoroom.print_summary(videoroom)
    xmpp = results.pop("xmpp", None)
    if xmpp:
        bench_xmpp.print_summary(xmpp)
    cluster = results.pop("cluster", None)
    if cluster:
        bench_cluster.print_summary(cluster)
    only_sections = runs <= SECTION_RUNS
    if not only_sections:
        summary = bench_report.summary(results, args)
        bench_report.print_summary(summary)
    if args.no_docs:
        return
    os.makedirs(CSV_DIR, exist_ok=True)
    md_path = os.path.join(DOCS, "BENCHMARKS.md")
    # the runs that write their own section of BENCHMARKS.md; one not run
    # this time keeps the section the last run wrote
    sections = []
    for res, mod, name, what in ((messaging, bench_messaging, "messaging", "messaging"),
                                 (videoroom, bench_videoroom, "videoroom", "video-room"),
                                 (xmpp, bench_xmpp, "xmpp", "XMPP gateway"),
                                 (cluster, bench_cluster, "cluster", "cluster")):
        if res:
            bench_report.write_csv(os.path.join(CSV_DIR, f"{name}.csv"), mod.csv_rows(res))
            lines = mod.markdown(res, args, m["loadavg"])
        else:
            lines = bench_gateway.doc_section(md_path, mod.SECTION)
        sections.append((mod.SECTION, lines, name, what, bool(res)))
    if only_sections:
        # the other sections stay as the last full run wrote them
        for title, lines, name, what, ran in sections:
            if ran:
                bench_gateway.splice_doc_section(md_path, title, lines)
                log(f"wrote the {what} section of {os.path.relpath(md_path, TOP)} and "
                    f"{os.path.relpath(CSV_DIR, TOP)}/{name}.csv")
        return
    if rows:
        write_csv(os.path.join(CSV_DIR, "websocket_idle.csv"), idle)
        write_csv(os.path.join(CSV_DIR, "websocket_register.csv"), reg)
        write_csv(os.path.join(CSV_DIR, "websocket_summary.csv"),
                  [{"figure": r["figure"].strip(), "ours": r["ours"], "websocket_so": r["peer"],
                    "ratio": r["ratio"], "unit": r["unit"], "better": r["better"]}
                   for r in rows])
    with open(os.path.join(CSV_DIR, "machine.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["key", "value"])
        for k, v in m.items():
            w.writerow([k, v])
    for key, fname in (("sip", "sip_overhead.csv"), ("reg", "gateway_registrations.csv"),
                       ("call", "gateway_calls.csv"), ("idle", "idle_connections.csv")):
        if results.get(key):
            bench_report.write_csv(os.path.join(CSV_DIR, fname), results[key]["rows"])
    for key in ("msrp", "mixer"):
        if results.get(key):
            bench_report.write_csv(os.path.join(CSV_DIR, f"{key}.csv"), results[key])
    bench_report.write_csv(os.path.join(CSV_DIR, "summary.csv"), [
        dict(zip(("run", "figure", "ours", "peer", "peer_value", "ratio", "goal", "verdict"),
                 (c.strip() for c in r))) for r in summary])
    try:
        plot_files = bench_report.plots(results, CSV_DIR, workdir)
    except Exception as e:
        log(f"plots: {e}")
        plot_files = []
    extra_machine = []
    if m.get("janus"):
        extra_machine.append(f"- Janus {m['janus']} (Debian package `janus`), SIP plugin and "
                             "WebSocket transport only; SIPp "
                             + sipp_version())
    write_markdown(md_path, m, rows, idle, reg, args,
                   bench_report.markdown(results, summary, args, plot_files), extra_machine)
    for title, lines, *_ in sections:
        if lines:
            bench_gateway.splice_doc_section(md_path, title, lines)
    log(f"wrote {os.path.relpath(os.path.join(DOCS, 'BENCHMARKS.md'), TOP)} and "
        f"{os.path.relpath(CSV_DIR, TOP)}/*")


def sipp_version():
    try:
        out = subprocess.run(["/usr/bin/sipp", "-v"], capture_output=True, text=True,
                             timeout=10).stdout
    except OSError:
        return "?"
    mm = re.search(r"SIPp v?([\d.]+)", out)
    return mm.group(1) if mm else "?"


def websocket_run(targets, args, workdir, n):
    """Issue 3's transport run: shm per idle connection and REGISTER round
    trips, sylk_websocket.so against websocket.so."""
    # warm-up: allocator pools, module tables, SQLite caches
    for t in targets:
        hold_connections(t, "sip-idle", min(500, n), workdir)
        register_run(t, args.register_connections, 1, workdir, 0)

    idle = []
    for t in targets:
        for mode in ("sip-idle", "tcp-idle"):
            log(f"{t.label}: {mode} {n}")
            r = hold_connections(t, mode, n, workdir)
            log(f"  {r['real_used_per_conn']:,.0f} B/connection real_used, "
                f"{r['used_per_conn']:,.0f} B used (opened in {r['open_seconds']:.1f} s)")
            idle.append(r)

    # both instances idle (a server still freeing the idle run's memory
    # would steal CPU from the other's round), then a short warm-up
    for t in targets:
        wait_quiet(t)
    for t in targets:
        register_run(t, args.register_connections, 2, workdir, 0)
    reg = []
    for rnd in range(1, args.rounds + 1):
        order = targets if rnd % 2 else list(reversed(targets))
        for t in order:
            for q in targets:
                wait_quiet(q, settle=0)
            log(f"{t.label}: sip-register {args.register_connections} {args.seconds} "
                f"(round {rnd})")
            r = register_run(t, args.register_connections, args.seconds, workdir, rnd)
            log(f"  {r['rate']:,.0f} round trips/s, p50 {r['p50_ms']:.3f} ms, "
                f"p99 {r['p99_ms']:.3f} ms")
            reg.append(r)
    return summary_rows(idle, reg, args), idle, reg


if __name__ == "__main__":
    main()
