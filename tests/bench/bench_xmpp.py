# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 18's benchmark for run_bench.py (`--runs xmpp`): the SIP <-> XMPP
gateway (modules/sylk_xmpp, an XEP-0114 component behind Prosody).

- messages per second each way: XMPP clients on Prosody's VirtualHost send
  <message type=chat> to SIP users of our domain, delivered as SIP MESSAGE
  to their registered UDP endpoint (which answers 200); and SIP MESSAGEs
  (digest-authenticated, UDP) from our users to XMPP users, received by
  their XMPP clients. Open loop, offered rate stepped up.
- presence fan-out: W XMPP watchers subscribed to one SIP user's presence;
  that user PUBLISHes status changes at increasing rates; presence updates
  delivered to the watchers per second.

CPU of Kamailio (all its processes) and of Prosody apart, from /proc,
between the generator's WINDOW markers; the generator (xmppload.py) shown
apart. run_xmpp(ctx) returns {"rows", "summary", "notes", ...};
markdown() is the section of docs/BENCHMARKS.md titled SECTION (run_bench.py
splices it in), csv_rows() the rows of docs/bench/xmpp.csv."""

import hashlib
import hmac
import json
import os
import re
import signal
import sqlite3
import subprocess
import time

import bench_gateway
from bench_gateway import cpu_seconds
from sylktest.processes import wait_until
from sylktest.server import SIP_DOMAIN
from sylktest.xmpp import XMPP_DOMAIN, Prosody

HERE = os.path.dirname(os.path.abspath(__file__))
XMPPLOAD = os.path.join(HERE, "xmppload.py")
PYTHON = "/usr/bin/python3"
SECTION = "## SIP <-> XMPP gateway (issue 18)"
SIP_PREFIX = "xs"          # SIP users (subscribers of the bench's Kamailio)
XMPP_PREFIX = "xu"         # XMPP users on Prosody's VirtualHost
WATCHER_PREFIX = "xw"      # presence watchers
PRESENTITY = "xpres0000"   # the SIP user whose presence is watched
PASSWORD = bench_gateway.BENCH_PASSWORD
SCRAM_SALT = "sylk-bench-salt"
SCRAM_ITERATIONS = 10000   # Prosody 0.12's default
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- Prosody's accounts, written into its storage -------------------------------------

def _scram(password):
    salted = hashlib.pbkdf2_hmac("sha1", password.encode(), SCRAM_SALT.encode(),
                                 SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha1).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha1).hexdigest()
    return hashlib.sha1(client_key).hexdigest(), server_key


def write_accounts(prosody, users):
    """Accounts of Prosody's internal_hashed store, written as prosodyctl
    register writes them (data/HOST/accounts/USER.dat: SCRAM-SHA-1 stored
    and server keys, salt, iteration count) without one prosodyctl process
    per user. Password USER-pw as the tests' accounts; one salt for all
    (only the login's key derivation reads it)."""
    d = os.path.join(prosody.dir, "data", XMPP_DOMAIN.replace(".", "%2e"), "accounts")
    os.makedirs(d, exist_ok=True)
    for u in users:
        stored, server = _scram(u + "-pw")
        with open(os.path.join(d, u + ".dat"), "w") as f:
            f.write("return {\n"
                    f'\t["server_key"] = "{server}";\n'
                    f'\t["salt"] = "{SCRAM_SALT}";\n'
                    f'\t["stored_key"] = "{stored}";\n'
                    f'\t["iteration_count"] = {SCRAM_ITERATIONS};\n'
                    "};\n")


def allow_domain(kamailio, user):
    """The default pres-rules document setup-runtime.sh gives the demo
    accounts (users of the domain may watch, the gateway's
    sip:xmpp-gateway@DOMAIN among them), for a generated account."""
    uri = f"/xcap-root/pres-rules/users/sip:{user}@{SIP_DOMAIN}/index"
    doc = ('<?xml version="1.0" encoding="UTF-8"?>\n<cr:ruleset xmlns:cr="urn:ietf:params:xml:'
           'ns:common-policy" xmlns:pr="urn:ietf:params:xml:ns:pres-rules"><cr:rule id='
           '"sylk-default"><cr:conditions><cr:identity><cr:many domain="' + SIP_DOMAIN +
           '"/></cr:identity></cr:conditions><cr:actions><pr:sub-handling>allow</pr:sub-'
           'handling></cr:actions><cr:transformations><pr:provide-all-attributes/></cr:'
           'transformations></cr:rule></cr:ruleset>')
    db = sqlite3.connect(os.path.join(kamailio.state_dir, "sylk.sqlite"))
    db.execute("INSERT OR IGNORE INTO xcap (username, domain, doc, doc_type, etag, source, "
               "doc_uri, port) VALUES (?, ?, CAST(? AS BLOB), 2, ?, 0, ?, 0)",
               (user, SIP_DOMAIN, doc, f"sylk-default-{user}", uri))
    db.commit()
    db.close()


def xmpp_defines(prosody):
    """As tests/integration/test_xmpp.py's, the reconnect limit left at the
    config's default."""
    return {"WITH_XMPP": 1, "XMPP_COMPONENT_PORT": prosody.component_port,
            "XMPP_SECRET_FILE": f'"{prosody.secret_file}"',
            "XMPP_COMPONENT_DOMAIN": f'"{SIP_DOMAIN}"', "XMPP_DOMAINS": f'"{XMPP_DOMAIN}"',
            "XMPP_MUC_DOMAIN": f'"conference.{SIP_DOMAIN}"'}


def gateway_counters(kam):
    """queued / sent / dropped of `kamcmd sylk_xmpp.status`."""
    out = kam.kamcmd("sylk_xmpp.status")
    return {k: int(m.group(1)) for k in ("queued", "sent", "dropped")
            for m in [re.search(rf"\b{k}:\s*(\d+)", out)] if m}


def link_up(kam):
    return "up" in kam.kamcmd("sylk_xmpp.status").split("link:")[1].split("\n")[0]


# ---- the generator -----------------------------------------------------------------------

class Generator:
    """xmppload.py in its own session (stopped by its process group)."""

    def __init__(self, ctx, prosody, kam):
        self.ctx = ctx
        cfg = {"c2s_host": "127.0.0.1", "c2s_port": prosody.c2s_port,
               "xmpp_domain": XMPP_DOMAIN, "domain": SIP_DOMAIN,
               "sip": f"127.0.0.1:{kam.sip_port}"}
        self.err = open(os.path.join(ctx.workdir, "xmppload.log"), "wb")
        self.p = subprocess.Popen([PYTHON, XMPPLOAD, json.dumps(cfg)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.err, text=True,
                                  start_new_session=True)
        self.pid = self.p.pid
        line = self.p.stdout.readline()
        if not line.startswith("READY"):
            raise RuntimeError("xmppload did not start: " + self._log())

    def _log(self):
        self.err.flush()
        return open(self.err.name, errors="replace").read()[-3000:]

    def command(self, text, on_line=None, timeout=600):
        """Sends one command; returns the JSON of its OK or RESULT line,
        calling on_line(line) for the lines before it (WINDOW markers)."""
        self.p.stdin.write(text + "\n")
        self.p.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError(f"xmppload exited during {text!r}: " + self._log())
            line = line.strip()
            if line.startswith(("OK ", "RESULT ")):
                return json.loads(line.split(" ", 1)[1])
            if line.startswith("ERROR"):
                raise RuntimeError(f"xmppload: {line}\n" + self._log())
            if on_line:
                on_line(line)
            if time.monotonic() > deadline:
                raise TimeoutError(f"xmppload {text!r} ran too long")

    def stop(self):
        try:
            if self.p.poll() is None:
                try:
                    self.p.stdin.write("quit\n")
                    self.p.stdin.flush()
                    self.p.wait(timeout=5)
                except Exception:  # noqa: BLE001
                    pass
        finally:
            if self.p.poll() is None:
                try:
                    os.killpg(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.p.wait()
            self.err.close()


def kamailio_processes(k):
    """{pid: description} from core.psx."""
    procs, pid = {}, None
    for line in k.kamcmd("core.psx").splitlines():
        m = re.match(r"^\s*PID:\s*(\d+)", line)
        if m:
            pid = int(m.group(1))
            continue
        m = re.match(r"^\s*(?:DSC|DESCRIPTION):\s*(.*?)\s*$", line)
        if m and pid is not None:
            procs[pid] = m.group(1)
            pid = None
    return procs


def _pid_cpu(pids):
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                data = f.read()
        except OSError:
            continue
        fields = data[data.rindex(")") + 2:].split()
        out[pid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


def _windowed(ctx, gen, kam, text, groups, timeout, kprocs):
    """One generator step with the CPU of each process group ({label: pgid}),
    of each Kamailio process (kprocs: {pid: description}) and of the
    generator between its WINDOW markers."""
    marks = {}

    def on_line(line):
        if line in ("WINDOW start", "WINDOW end"):
            marks[line] = ({k: cpu_seconds(pgids=[g]) for k, g in groups.items()},
                           cpu_seconds(pgids=[gen.pid]), time.monotonic(),
                           _pid_cpu(kprocs))
    load = ctx.loadavg()
    g0 = gateway_counters(kam)
    r = gen.command(text, on_line, timeout)
    g1 = gateway_counters(kam)
    r["gateway"] = {k: g1.get(k, 0) - g0.get(k, 0) for k in g1}
    (c0, g0, t0, p0), (c1, g1, t1, p1) = marks["WINDOW start"], marks["WINDOW end"]
    r["cpu"] = {k: c1[k] - c0[k] for k in groups}
    r["cpu_generator"] = g1 - g0
    r["window_wall"] = t1 - t0
    per = {pid: p1[pid] - p0[pid] for pid in p0 if pid in p1}
    comp = [pid for pid, d in kprocs.items() if "xmpp" in d.lower()]
    r["cpu_component"] = sum(per.get(pid, 0.0) for pid in comp)
    busiest = max(per, key=per.get) if per else None
    r["busiest_kamailio"] = (kprocs.get(busiest, "?"), per[busiest]) if busiest else ("-", 0.0)
    r["loadavg_before"] = load
    return r


def _row(kind, what, n, rate, r):
    wall = r["wall"]                 # the generator's own sending period
    cwall = r["window_wall"] or wall   # between the markers as the bench read them
    got = r["received_window"]
    row = {"kind": kind, "what": what, "clients": n, "offered_rate": rate,
           "window_s": round(wall, 3), "sent": r["sent"], "expected": r["expected"],
           "received": r["received"], "received_in_window": got, "lost": r["lost"],
           "errors": r["errors"],
           "error_kinds": " ".join(f"{k}={v}" for k, v in sorted(r["error_kinds"].items())),
           "rate": got / wall if wall > 0 else 0.0,
           "p50_ms": r["p50_ms"], "p90_ms": r["p90_ms"], "p99_ms": r["p99_ms"],
           "max_ms": r["max_ms"]}
    for k in ("kamailio", "prosody"):
        row[f"cpu_{k}_s"] = r["cpu"][k]
        row[f"{k}_cores_busy"] = r["cpu"][k] / cwall if cwall > 0 else 0.0
        row[f"{k}_cpu_ms_per_item"] = 1000 * r["cpu"][k] / got if got else 0.0
    row["component_cores_busy"] = r["cpu_component"] / cwall if cwall > 0 else 0.0
    row["busiest_kamailio_process"] = r["busiest_kamailio"][0]
    row["busiest_kamailio_process_cores"] = r["busiest_kamailio"][1] / cwall if cwall else 0.0
    row["cpu_generator_s"] = r["cpu_generator"]
    row["generator_cores_busy"] = r["cpu_generator"] / cwall if cwall > 0 else 0.0
    row["gateway_stanzas_sent"] = r["gateway"].get("sent", 0)
    row["gateway_dropped"] = r["gateway"].get("dropped", 0)
    if "watchers" in r:
        row["watchers"] = r["watchers"]
        row["last_change_seen_by"] = r["last_seen_by"]
        row["per_watcher_min"] = r["per_watcher_min"]
        row["per_watcher_max"] = r["per_watcher_max"]
    row["ok"] = r["lost"] == 0 and r["errors"] == 0
    row["loadavg_before"] = r["loadavg_before"]
    return row


def _log_row(ctx, row):
    ctx.log(f"  {row['kind']} offered {row['offered_rate']:g}/s: {row['rate']:,.0f}/s "
            f"delivered, not delivered {row['lost']} (gateway dropped "
            f"{row['gateway_dropped']}), errors {row['errors']} {row['error_kinds']}, "
            f"p50 {row['p50_ms']:.1f} ms p99 {row['p99_ms']:.1f} ms; cores: Kamailio "
            f"{row['kamailio_cores_busy']:.2f} (component {row['component_cores_busy']:.2f}, "
            f"busiest {row['busiest_kamailio_process']} "
            f"{row['busiest_kamailio_process_cores']:.2f}) Prosody "
            f"{row['prosody_cores_busy']:.2f} generator {row['generator_cores_busy']:.2f}; "
            f"load {row['loadavg_before']}")


# ---- the run -------------------------------------------------------------------------------

def run_xmpp(ctx):
    a = ctx.args
    t_start = time.monotonic()
    wd = os.path.join(ctx.workdir, "xmpp")
    os.makedirs(wd, exist_ok=True)
    n = a.xmpp_clients
    w = a.xmpp_watchers
    prosody = Prosody(wd, SIP_DOMAIN)
    ctx.started.append(prosody)
    write_accounts(prosody, [f"{XMPP_PREFIX}{i:04d}" for i in range(n)]
                   + [f"{WATCHER_PREFIX}{i:04d}" for i in range(w)])
    kam = ctx.start_kamailio(os.path.join(wd, "kamailio"), ctx.engine,
                             dict(ctx.common, **xmpp_defines(prosody)), ctx.args.shm_mb)
    ctx.started.append(kam)
    wait_until(lambda: link_up(kam), 15, what="XMPP component link up")
    bench_gateway.add_accounts(kam, n, prefix=SIP_PREFIX)
    bench_gateway.add_accounts(kam, 1, prefix="xpres")
    allow_domain(kam, PRESENTITY)
    groups = {"kamailio": kam.process.pid, "prosody": prosody.process.pid}
    kprocs = kamailio_processes(kam)
    gen = Generator(ctx, prosody, kam)
    ctx.started.append(gen)
    rows, setup = [], {}
    drain = a.xmpp_drain
    try:
        setup["xmpp_login"] = gen.command(f"xclients {XMPP_PREFIX} {n}")
        setup["sip_register"] = gen.command(f"sipreg {SIP_PREFIX} {n} {PASSWORD}")
        if setup["sip_register"]["registered"] != n:
            raise RuntimeError(f"SIP registrations: {setup['sip_register']}")
        ctx.log(f"xmpp: {n} XMPP clients logged in in "
                f"{setup['xmpp_login']['seconds']:.1f} s, {n} SIP endpoints registered")
        # warm-up both ways (SQLite pages, tm, Prosody's sessions)
        gen.command(f"x2s {XMPP_PREFIX} {SIP_PREFIX} {n} 50 1 3")
        gen.command(f"s2x {SIP_PREFIX} {XMPP_PREFIX} {n} 50 1 3 {PASSWORD}")
        for kind, fmt, what in (
                ("xmpp->sip", "x2s {x} {s} {n} {r} {t} {d}",
                 "XMPP <message type=chat> -> Prosody -> component -> SIP MESSAGE -> "
                 "registered UDP endpoint (200)"),
                ("sip->xmpp", "s2x {s} {x} {n} {r} {t} {d} " + PASSWORD,
                 "SIP MESSAGE (digest) -> sylk_xmpp_message() 202 -> component -> "
                 "Prosody -> XMPP client")):
            for rate in a.xmpp_rates:
                ctx.log(f"xmpp: {kind} {n} clients, {rate}/s for {a.xmpp_seconds:g} s")
                r = _windowed(ctx, gen, kam, fmt.format(x=XMPP_PREFIX, s=SIP_PREFIX, n=n, r=rate,
                                                   t=a.xmpp_seconds, d=drain),
                              groups, a.xmpp_seconds + drain + 120, kprocs)
                rows.append(_row(kind, what, n, rate, r))
                _log_row(ctx, rows[-1])
                time.sleep(1 if rows[-1]["ok"] else drain)
                if not rows[-1]["ok"] and rows[-1]["rate"] < 0.9 * rate:
                    break   # over capacity: the next step would only be worse
        # presence fan-out
        ctx.log(f"xmpp: {w} watchers log in and subscribe to {PRESENTITY}@{SIP_DOMAIN}, "
                f"load {ctx.loadavg()}")
        rss0 = bench_gateway.memory_kib([prosody.process.pid], "Rss")
        setup["watch"] = gen.command(f"watch {WATCHER_PREFIX} {w} {PRESENTITY}@{SIP_DOMAIN}",
                                     timeout=900)
        setup["prosody_rss_kib"] = (rss0, bench_gateway.memory_kib([prosody.process.pid],
                                                                   "Rss"))
        ctx.log(f"  {setup['watch']}, Prosody RSS {setup['prosody_rss_kib']} KiB")
        setup["first_publish"] = gen.command(f"publish {PRESENTITY} {PASSWORD} 1")
        ctx.log(f"  first PUBLISH: {setup['first_publish']}")
        base = 1000000
        for rate in a.xmpp_pres_rates:
            ctx.log(f"xmpp: presence, {rate} PUBLISH/s to {setup['first_publish']['watchers']} "
                    f"watchers for {a.xmpp_seconds:g} s")
            r = _windowed(ctx, gen, kam, f"pres {PRESENTITY} {PASSWORD} {rate} {a.xmpp_seconds} "
                                    f"{drain} {base}", groups, a.xmpp_seconds + drain + 120,
                          kprocs)
            base += 1000000
            rows.append(_row("presence", "PUBLISH (modify, one in flight) -> presence server "
                             "NOTIFY -> component -> Prosody -> every watcher", w, rate, r))
            rows[-1]["publishes_per_s"] = r["sent"] / r["wall"]
            _log_row(ctx, rows[-1])
            time.sleep(1)
            if not rows[-1]["ok"] and rows[-1]["rate"] < 0.9 * rate * w:
                break
        setup["gateway_status"] = kam.kamcmd("sylk_xmpp.status")
    finally:
        gen.stop()
        kam.stop()
        prosody.stop()
    res = {"rows": rows, "setup": setup, "clients": n, "watchers": w, "drain": drain,
           "minutes": (time.monotonic() - t_start) / 60}
    res["summary"] = summary(res)
    res["notes"] = notes(res)
    return res


# ---- report -----------------------------------------------------------------------------

KEPT_UP = 0.97   # delivered within the window / offered: the step kept up


def _kept_up(r):
    offered = r["offered_rate"] * (r.get("watchers") or 1)
    return r["ok"] and r["rate"] >= KEPT_UP * offered


def _best(rows, kind):
    """The highest step that lost nothing and kept up with the offered rate
    (a step that only caught up during the drain ran over capacity)."""
    ok = [r for r in rows if r["kind"] == kind and _kept_up(r)]
    return max(ok, key=lambda r: r["rate"]) if ok else None


def _top(rows, kind):
    any_ = [r for r in rows if r["kind"] == kind]
    return max(any_, key=lambda r: r["rate"]) if any_ else None


def _limit(r):
    """The busiest single process of that step (each can use one core at
    most): Prosody, one Kamailio process, or the generator; and the three
    together (the machine has 2 cores)."""
    cores = {"Prosody": r["prosody_cores_busy"],
             f"Kamailio's `{r['busiest_kamailio_process']}` process":
                 r["busiest_kamailio_process_cores"],
             "the generator": r["generator_cores_busy"]}
    who = max(cores, key=cores.get)
    return who, cores[who]


def _all_cores(r):
    return r["kamailio_cores_busy"] + r["prosody_cores_busy"] + r["generator_cores_busy"]


def summary(res):
    rows = res["rows"]
    out = []

    def add(figure, value, unit):
        out.append({"figure": figure, "ours": value, "peer": "-", "peer_value": None,
                    "ratio": "-", "unit": unit, "goal": "-", "verdict": "-"})
    for kind, item in (("xmpp->sip", "messages"), ("sip->xmpp", "messages"),
                       ("presence", "presence updates delivered")):
        b = _best(rows, kind)
        t = _top(rows, kind)
        label = {"xmpp->sip": "XMPP -> SIP", "sip->xmpp": "SIP -> XMPP",
                 "presence": f"presence fan-out to {res['watchers']:,} watchers"}[kind]
        if b:
            extra = (f", {b['publishes_per_s']:.1f} PUBLISH/s" if kind == "presence" else "")
            add(f"{label}: {item} per second, highest offered rate delivered in full and "
                f"kept up with ({b['offered_rate']:g}/s offered{extra})", b["rate"],
                "per second")
            add(f"{label}: latency p50 / p99 at that rate",
                f"{b['p50_ms']:.1f} / {b['p99_ms']:.1f}", "ms")
            one = "update" if kind == "presence" else "message"
            add(f"{label}: Kamailio CPU per {one} at that rate",
                b["kamailio_cpu_ms_per_item"], "ms")
            add(f"{label}: Prosody CPU per {one} at that rate",
                b["prosody_cpu_ms_per_item"], "ms")
            add(f"{label}: cores busy at that rate, Kamailio / Prosody / generator",
                f"{b['kamailio_cores_busy']:.2f} / {b['prosody_cores_busy']:.2f} / "
                f"{b['generator_cores_busy']:.2f}", "cores")
        else:
            add(f"{label}: no step delivered in full and kept up", None, "per second")
        if t and t is not b:
            who, c = _limit(t)
            add(f"{label}: most delivered in any step ({t['offered_rate']:g}/s offered, "
                f"not delivered {t['lost']:,}, errors {t['errors']:,}; busiest process: {who} "
                f"{c:.2f} of a core)", t["rate"], "per second")
    return out


def notes(res):
    rows = res["rows"]
    out = ["### Notes", ""]
    for kind, label in (("xmpp->sip", "XMPP -> SIP"), ("sip->xmpp", "SIP -> XMPP"),
                        ("presence", "Presence fan-out")):
        steps = [r for r in rows if r["kind"] == kind]
        if not steps:
            out.append(f"- {label}: not measured.")
            continue
        last = steps[-1]
        who, c = _limit(last)
        b = _best(rows, kind)
        state = ("every step delivered everything" if all(r["ok"] for r in steps)
                 else f"the last step ({last['offered_rate']:g}/s offered) did not deliver "
                      f"{last['lost']:,} of {last['expected']:,} within "
                      f"{res['drain']:g} s (the gateway's own `dropped` counter rose by "
                      f"{last['gateway_dropped']:,} in that step) and had {last['errors']:,} "
                      f"errors ({last['error_kinds'] or 'none'})")
        out.append(
            f"- {label}: {state}; in that last step the busiest single process was {who} at "
            f"{c:.2f} of a core; Kamailio (all processes) {last['kamailio_cores_busy']:.2f} "
            f"cores, of which the gateway's component process "
            f"{last['component_cores_busy']:.2f}, Prosody {last['prosody_cores_busy']:.2f}, "
            f"generator {last['generator_cores_busy']:.2f}: {_all_cores(last):.2f} of the "
            "machine's 2 cores"
            + (f"; the highest step that lost nothing and kept up ("
               f"{KEPT_UP * 100:.0f} % or more of the offered rate delivered within the "
               f"window) delivered {b['rate']:,.0f}/s." if b else "."))
    s = res.get("setup") or {}
    if "watch" in s:
        wv = s["watch"]
        out.append(f"- {res['watchers']:,} watchers: logged in in {wv['login_seconds']:.1f} s, "
                   f"subscribed in {wv['subscribe_seconds']:.1f} s ({wv['subscribed']:,} got "
                   f"`subscribed`, {wv['missing']:,} did not); the first PUBLISH reached "
                   f"{s['first_publish']['seen_by']:,} of {s['first_publish']['watchers']:,} "
                   f"in {s['first_publish']['seconds']:.2f} s. Prosody's RSS went from "
                   f"{s['prosody_rss_kib'][0] / 1024:.1f} to "
                   f"{s['prosody_rss_kib'][1] / 1024:.1f} MiB with them (about "
                   f"{(s['prosody_rss_kib'][1] - s['prosody_rss_kib'][0]) / res['watchers']:.0f}"
                   " KiB per logged-in, subscribed watcher).")
    dropped = [r for r in rows if r["kind"] == "presence" and r["gateway_dropped"]]
    if dropped:
        r = dropped[0]
        out.append(
            f"- Presence stanzas were dropped by the gateway, not lost by Prosody: from the "
            f"{r['offered_rate']:g} changes/s step on, the gateway's `dropped` counter rose by "
            f"as many stanzas as the watchers missed ({r['gateway_dropped']:,} in that step). "
            "Each change to the one presentity becomes one stanza per watcher in the "
            "component's shm queue (`queue_size`, default 1,024 stanzas; the README: "
            "\"beyond, 503\", which a SIP MESSAGE gets, but a NOTIFY's fan-out has no one to "
            "answer), so with 1,000 watchers the queue holds about one change; once Prosody "
            "(at one full core) reads more slowly than changes come, the stanzas that do not "
            "fit are dropped silently. Watchers then miss changes: each got "
            f"{r['per_watcher_min']:,}-{r['per_watcher_max']:,} of {r['sent']:,}, and the "
            f"last change of the step reached {r['last_change_seen_by']:,} of "
            f"{r['watchers']:,}, so the others show a stale state until the next change "
            "gets through. Reported, not changed here.")
    if s.get("gateway_status"):
        st = " ".join(s["gateway_status"].split())
        out.append(f"- The gateway's own counters at the end of the run "
                   f"(`kamcmd sylk_xmpp.status`): {st}")
    out.append("- No peer to compare with for this run: the figures stand alone. Prosody is "
               "one single-threaded Lua process, so 1.00 core is its ceiling; Kamailio runs "
               "its SIP workers and the gateway's one component process (which writes every "
               "stanza to Prosody) on the 2 cores shared with Prosody and the generator.")
    out.append("- Others' work shared the machine during the run: the load average before "
               "each step is in the table.")
    return out


def print_summary(res):
    bench_gateway.print_figures("SIP <-> XMPP gateway (issue 18): figures (no peer)",
                                res["summary"], bench_gateway.fmt_value)
    for r in res["rows"]:
        print(f"  {r['kind']:9} offered {r['offered_rate']:>7g}/s  delivered "
              f"{r['rate']:>9,.0f}/s  lost {r['lost']:>6}  err {r['errors']:>5}  p50 "
              f"{r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  Kamailio "
              f"{r['kamailio_cpu_ms_per_item']:.3f} ms/{r['kamailio_cores_busy']:.2f} cores "
              f"(component {r['component_cores_busy']:.2f}, busiest "
              f"{r['busiest_kamailio_process']} {r['busiest_kamailio_process_cores']:.2f})  "
              f"Prosody {r['prosody_cpu_ms_per_item']:.3f} ms/{r['prosody_cores_busy']:.2f} "
              f"cores  generator {r['generator_cores_busy']:.2f} cores")
    for line in res["notes"][2:]:
        print("  " + line)
    print()


def csv_rows(res):
    keys = []
    for r in res["rows"]:
        for k in r:
            if k not in keys:
                keys.append(k)
    return [{k: r.get(k, "") for k in keys} for r in res["rows"]]


def markdown(res, args, machine_load):
    rows, summ = res["rows"], res["summary"]
    L = [
        SECTION,
        "",
        "Written by `make bench BENCH_ARGS='--runs xmpp'` (or a full `make bench`); raw "
        f"figures in [bench/xmpp.csv](bench/xmpp.csv). Load average when the run started: "
        f"{machine_load}; per step in the table. The run took {res['minutes']:.1f} minutes. "
        "There is no peer for this run: every figure is ours alone.",
        "",
        "| figure | value |",
        "|---|---:|",
    ]
    for s in summ:
        L.append(f"| {s['figure']} | {bench_gateway.fmt_value(s['ours'], s['unit'])} |")
    L += [
        "",
        "### Method",
        "",
        "- Prosody 0.12 (Debian) as tests/integration/sylktest/xmpp.py starts it (plain "
        "c2s on loopback, `internal_hashed` accounts, the gateway as component for "
        f"`{SIP_DOMAIN}` and `conference.{SIP_DOMAIN}`), and a Kamailio with the default "
        "kamailio.cfg and `WITH_XMPP` (the tests' defines), "
        f"`WORKERS={args.workers}`, `LOG_LEVEL=1`, `SIP_MAX_MESSAGES_PER_ACCOUNT=0` (its "
        "default of 100 a second per user would hold the SIP users back at the top steps). "
        "The accounts of Prosody's "
        "VirtualHost are written into its storage before the clients log in (the file "
        "prosodyctl register writes, SCRAM-SHA-1 with 10,000 iterations); the SIP users are "
        "rows of the Kamailio's SQLite subscriber table.",
        "- The generator is tests/bench/xmppload.py, one asyncio process: raw XMPP clients "
        "(SASL PLAIN, bind, roster fetch, initial presence; a stanza splitter that only "
        "looks for its token) and SIP over UDP (digest REGISTER, MESSAGE and PUBLISH with "
        "the nonce reused and nc counted, as a phone does; a responder that answers 200 to "
        "every request the proxy delivers). Its CPU is shown apart, never counted.",
        f"- Messages: {res['clients']} XMPP users `{XMPP_PREFIX}0000..` and "
        f"{res['clients']} SIP users `{SIP_PREFIX}0000..`, pair i talking to pair i. "
        f"XMPP -> SIP: `<message type=chat>` (no receipt asked) from {XMPP_PREFIX}i to "
        f"{SIP_PREFIX}i@{SIP_DOMAIN}; the gateway's SIP MESSAGE goes through the default "
        "script (`route[MESSAGE]`: `sylk_rtc_message()` journals it in SQLite, "
        "`lookup(\"location\")`) to the user's registered UDP Contact, which answers 200. "
        f"SIP -> XMPP: MESSAGE (text/plain) from {SIP_PREFIX}i to "
        f"{XMPP_PREFIX}i@{XMPP_DOMAIN} over UDP with digest credentials, answered 202 by "
        "`sylk_xmpp_message()`, received by the XMPP client. Open loop: the offered rate in "
        f"total, in 10 ms ticks, for {args.xmpp_seconds:g} s per step "
        f"(rates {', '.join(map(str, args.xmpp_rates))}/s, stopping after a step that "
        "lost and fell 10 % short of its rate).",
        f"- Presence: {res['watchers']:,} XMPP users `{WATCHER_PREFIX}0000..` log in, "
        f"fetch their roster, send initial presence and `subscribe` to "
        f"{PRESENTITY}@{SIP_DOMAIN} (the gateway answers `subscribed` by its default "
        "policy and SUBSCRIBEs once to the presence server as "
        f"sip:xmpp-gateway@{SIP_DOMAIN}; {PRESENTITY} has the demo accounts' default "
        "pres-rules document). Then that SIP user PUBLISHes (PIDF, open, a new note each "
        "time; one PUBLISH in flight, each a modify of the same publication with "
        f"SIP-If-Match) at {', '.join(map(str, args.xmpp_pres_rates))} changes per second; "
        "each change is one NOTIFY to the gateway and one `<presence/>` per watcher. "
        "Counted: presences carrying a change of the step that reached a watcher.",
        "- Delivered per second: items received within the window / window. Lost: sent "
        f"(times watchers) minus received by {args.xmpp_drain:g} s after the window. "
        f"Summary figures take the highest step that lost nothing and kept up "
        f"({KEPT_UP * 100:.0f} % or more of the offered rate delivered within the window; a "
        "step that only caught up during the drain ran over capacity, shown as \"most "
        "delivered in any step\"). "
        "Latency: sent by the generator -> received by the generator (the same clock). "
        "CPU: user + system time from /proc of all Kamailio processes and of Prosody, "
        "apart, between the generator's `WINDOW start` and `WINDOW end`; per item = that / "
        "items delivered in the window.",
        "",
        "| direction | clients / watchers | offered/s | delivered/s | not delivered "
        "(gateway dropped) | errors | p50 | p99 | Kamailio CPU per item | Prosody CPU per "
        "item | cores Kamailio (component) / Prosody / generator | busiest Kamailio process | "
        "load average before |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        off = f"{r['offered_rate']:g}"
        lost = f"{r['lost']:,} ({r['gateway_dropped']:,})"
        if r["kind"] == "presence":
            off += f" PUBLISH ({r['publishes_per_s']:.1f} sent)"
            lost += (f"; each watcher got {r['per_watcher_min']:,}-{r['per_watcher_max']:,} "
                     f"of {r['sent']:,} changes, the last one reached "
                     f"{r['last_change_seen_by']:,}")
        err = f"{r['errors']}" + (f" ({r['error_kinds']})" if r["error_kinds"] else "")
        L.append(f"| {r['kind']} | {r['clients']:,} | {off} | {r['rate']:,.0f} | "
                 f"{lost} | {err} | {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | "
                 f"{r['kamailio_cpu_ms_per_item']:.3f} ms | "
                 f"{r['prosody_cpu_ms_per_item']:.3f} ms | {r['kamailio_cores_busy']:.2f} "
                 f"({r['component_cores_busy']:.2f}) / {r['prosody_cores_busy']:.2f} / "
                 f"{r['generator_cores_busy']:.2f} | `{r['busiest_kamailio_process']}` "
                 f"{r['busiest_kamailio_process_cores']:.2f} | {r['loadavg_before']} |")
    L += [""] + list(res.get("notes") or []) + [""]
    return L
