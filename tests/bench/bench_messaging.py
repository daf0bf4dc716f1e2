# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 15's messaging benchmark for run_bench.py (`--runs messaging`):

- messages per second end to end, sylkRTC account-message -> SIP MESSAGE
  through the proxy (digest challenge answered) -> route[MESSAGE] ->
  sylk_rtc_message() -> `message` event on the receiver's connection
  (sylkload rtc-message), beside Janus's SIP plugin sending the same
  MESSAGE through the same Kamailio to another Janus handle
  (sylkload janus-message), with p50/p99 latency and the server's CPU per
  message over the timed window only;
- the sync of a 100,000-message journal: account-sync-conversations from
  the start (limit 5000) and after a message near the end, timed, with the
  Kamailio processes' shm and RSS before and after.

run_messaging(ctx, janus) returns {"rows": [...], "sync": [...],
"summary": [...], ...}; markdown(result, args) the section of
docs/BENCHMARKS.md titled SECTION (run_bench.py splices it in)."""

import os
import re
import sqlite3
import statistics
import subprocess
import time
import uuid

from sylktest.server import SIP_DOMAIN
from sylktest.sylkrtc import SylkRtcClient

import bench_gateway
from bench_gateway import BENCH_PASSWORD, cpu_seconds, group_pids, memory_kib

OURS_PREFIX = "msg"      # rtc-message accounts
JANUS_PREFIX = "jmsg"    # janus-message accounts: never registered by the gateway
RELAY_PREFIX = "rmsg"    # janus-message through the relay-only proxy
JOURNAL_USER = "journal0000"
SECTION = "## Messaging (issue 15)"
GOAL_RATE = 5000
GOAL_RATIO = 5.0


# Kamailio's processes by what they do for a message (kamcmd ps titles)
PROCESS_KINDS = [("udp receiver", "sip_workers"), ("Async Task Worker", "task_workers"),
                 ("SYLKRTC JOURNAL", "journal_writer"), ("tcp main process", "tcp_main"),
                 ("tcp receiver", "tcp_readers")]


def _per_process(pgid):
    """{pid: (CPU seconds, context switches)} of a process group."""
    out = {}
    for pid, fields in bench_gateway.proc_stats():
        if int(fields[2]) != pgid:
            continue
        switches = 0
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if "ctxt_switches:" in line:  # voluntary and nonvoluntary
                        switches += int(line.split()[-1])
        except OSError:
            continue
        out[pid] = ((int(fields[11]) + int(fields[12])) / bench_gateway.CLK_TCK, switches)
    return out


def _udp_rcvbuf_drops():
    """Datagrams the kernel dropped because a UDP socket's receive buffer
    was full (machine-wide, /proc/net/snmp RcvbufErrors)."""
    with open("/proc/net/snmp") as f:
        lines = [line.split() for line in f if line.startswith("Udp:")]
    return int(lines[1][lines[0].index("RcvbufErrors")])


def _by_kind(kamailio, before, after, received):
    """Kamailio's CPU (us) and context switches per message, by process kind."""
    titles = {}
    for line in kamailio.kamcmd("ps").splitlines():
        pid, _, title = line.strip().partition("\t")
        if pid.isdigit():
            titles[int(pid)] = title
    row = {f"cpu_us_{kind}": 0.0 for _, kind in PROCESS_KINDS}
    row["cpu_us_other"] = 0.0
    switches = 0
    for pid, (cpu1, sw1) in after.items():
        cpu0, sw0 = before.get(pid, (cpu1, sw1))
        kind = next((k for t, k in PROCESS_KINDS if titles.get(pid, "").startswith(t)), "other")
        row[f"cpu_us_{kind}"] += 1e6 * (cpu1 - cpu0) / received
        switches += sw1 - sw0
    row["context_switches_per_message"] = switches / received
    return row


def _window_run(ctx, name, url, args, groups, timeout, kamailio=None):
    """sylkload with WINDOW markers: CPU of each process group ({label:
    pgid}) between "WINDOW start" and "WINDOW end"; with `kamailio`, also
    its CPU per message by process kind."""
    errpath = os.path.join(ctx.workdir, f"sylkload-{name}.log")
    load = ctx.loadavg()
    cpu0 = cpu1 = None
    per0 = per1 = None
    out = []
    with open(errpath, "wb") as err:
        p = subprocess.Popen([ctx.sylkload, "-u", url, *args], stdout=subprocess.PIPE,
                             stderr=err, text=True)
        deadline = time.monotonic() + timeout
        try:
            for line in p.stdout:
                out.append(line)
                if line.startswith("WINDOW start"):
                    cpu0 = {k: cpu_seconds(pgids=[g]) for k, g in groups.items()}
                    drops0 = _udp_rcvbuf_drops()
                    if kamailio:
                        per0 = _per_process(kamailio.process.pid)
                    gen0 = cpu_seconds(pids=[p.pid])
                    t0 = time.monotonic()
                elif line.startswith("WINDOW end"):
                    cpu1 = {k: cpu_seconds(pgids=[g]) for k, g in groups.items()}
                    drops1 = _udp_rcvbuf_drops()
                    if kamailio:
                        per1 = _per_process(kamailio.process.pid)
                    gen1 = cpu_seconds(pids=[p.pid])
                    t1 = time.monotonic()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"sylkload {name} ran too long")
            rc = p.wait(timeout=max(1, deadline - time.monotonic()))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    r = bench_gateway.parse_result("".join(out))
    r["_rc"] = rc
    r["_log"] = errpath
    r["_load"] = load
    if cpu0 is None or cpu1 is None:
        raise RuntimeError(f"sylkload {name}: no timed window\n"
                           + open(errpath).read()[-2000:])
    r["_cpu"] = {k: cpu1[k] - cpu0[k] for k in groups}
    r["_wall"] = t1 - t0
    r["_udp_drops"] = drops1 - drops0
    r["_loadgen_cores"] = (gen1 - gen0) / (t1 - t0) if t1 > t0 else 0.0
    received = int(bench_gateway.num(r, "received"))
    r["_kinds"] = (_by_kind(kamailio, per0, per1, received)
                   if kamailio and per0 and per1 and received else {})
    return r


def _row(peer, pairs, r, cpu_keys, what):
    num = bench_gateway.num
    received = int(num(r, "received"))
    cpu = sum(r["_cpu"][k] for k in cpu_keys)
    row = {"peer": peer, "what": what, "pairs": pairs, "connections": int(num(r, "connections")),
           "window": int(num(r, "window")), "seconds": num(r, "seconds"),
           "sent": int(num(r, "sent")), "received": received, "rate": num(r, "rate"),
           "p50_ms": num(r, "p50_ms"), "p90_ms": num(r, "p90_ms"), "p99_ms": num(r, "p99_ms"),
           "max_ms": num(r, "max_ms"), "accepted": int(num(r, "accepted")),
           "failed": int(num(r, "failed")), "errors": int(num(r, "errors")),
           "timeouts": int(num(r, "timeouts")), "throttled": int(num(r, "throttled")),
           "setup_failed": int(num(r, "setup_failed")), "exit_status": r["_rc"]}
    for k, v in r["_cpu"].items():
        row[f"cpu_{k}"] = v
    row["server_cpu_seconds"] = cpu
    row["cpu_ms_per_message"] = 1000 * cpu / received if received else 0.0
    row["per_cpu_second"] = received / cpu if cpu > 0 else 0.0
    row["server_cores_busy"] = cpu / r["_wall"] if r["_wall"] > 0 else 0.0
    row["loadgen_cores_busy"] = r["_loadgen_cores"]
    row["loadavg_before"] = r["_load"]
    row["udp_rcvbuf_drops"] = r["_udp_drops"]
    row.update(r.get("_kinds") or {})
    return row


def _log_row(ctx, row):
    ctx.log(f"  {row['rate']:,.0f}/s p50 {row['p50_ms']:.1f} ms p99 {row['p99_ms']:.1f} ms, "
            f"{row['cpu_ms_per_message']:.3f} ms server CPU per message "
            f"({row['server_cores_busy']:.2f} cores, load generator "
            f"{row['loadgen_cores_busy']:.2f}), errors {row['errors']}, "
            f"load {row['loadavg_before']}")


# ---- the journal sync ----------------------------------------------------------------

def _memory(k):
    out = k.kamcmd("core.shmmem")
    pids = group_pids(k.process.pid)
    return {"shm_real_used": int(re.search(r"real_used:\s*(\d+)", out).group(1)),
            "rss": memory_kib(pids, "Rss") * 1024, "pss": memory_kib(pids, "Pss") * 1024}


def _sync(c, account, **fields):
    """account-sync-conversations; seconds from the request to the
    sync-conversations event (parsed by the client), and the messages."""
    t0 = time.monotonic()
    c.expect_ack("account-sync-conversations", account=account, **fields)
    ev = c.wait_event(lambda e: e.get("sylkrtc") == "account-event"
                      and e.get("event") == "sync-conversations", 60)
    return time.monotonic() - t0, ev.get("messages") or []


def run_journal_sync(ctx, k, rows_n, repeats):
    """rows_n rows for one account inserted straight into the server's SQLite
    (as tests/integration/test_messaging.py does), then syncs timed."""
    bench_gateway.add_accounts(k, 1, prefix="journal")
    account = f"{JOURNAL_USER}@{SIP_DOMAIN}"
    peer = f"bob@{SIP_DOMAIN}"
    db_path = os.path.join(k.state_dir, "sylk.sqlite")
    db = sqlite3.connect(db_path, timeout=60)
    tag = uuid.uuid4().hex[:8]
    base = int(time.time())
    t0 = time.monotonic()
    db.executemany(
        "INSERT INTO sylk_messages (account, contact, direction, message_id, content_type, "
        "content, msg_timestamp, state, disposition, created) VALUES (?,?,?,?,?,?,?,?,?,?)",
        ((account, peer, "incoming" if i % 2 else "outgoing", f"{tag}-{i}", "text/plain",
          f"journal message {i}: the quick brown fox jumps over the lazy dog",
          "2026-12-06T00:00:00.000Z", "received" if i % 2 else "accepted",
          "positive-delivery,display", base) for i in range(rows_n)))
    db.commit()
    total = db.execute("SELECT count(*) FROM sylk_messages").fetchone()[0]
    db.close()
    insert_s = time.monotonic() - t0
    ctx.log(f"journal: {rows_n:,} rows for {account} inserted in {insert_s:.1f} s "
            f"({total:,} rows in the table, {os.path.getsize(db_path) / 1048576:.0f} MiB file)")
    time.sleep(1.0)
    results = []
    cases = [
        ("from the start, limit 5000", {"limit": 5000}, min(5000, rows_n)),
        ("from the start, no limit (server default 5000)", {}, min(5000, rows_n)),
        ("after a message near the end (the 10th from last)",
         {"message_id": f"{tag}-{rows_n - 10}"}, 9),
        ("after the first message, limit 5000", {"message_id": f"{tag}-0", "limit": 5000},
         min(5000, rows_n - 1)),
    ]
    c = SylkRtcClient(k.http_port, version=2)
    try:
        c.register(JOURNAL_USER, BENCH_PASSWORD)
        for what, fields, want in cases:
            times, sizes = [], []
            before = _memory(k)
            for _ in range(repeats):
                secs, msgs = _sync(c, account, **fields)
                times.append(secs)
                sizes.append(len(msgs))
            after = _memory(k)
            ok = all(n == want for n in sizes)
            results.append({
                "case": what, "journal_rows": rows_n, "messages_returned": sizes[0],
                "expected": want, "correct": ok, "repeats": repeats,
                "median_ms": 1000 * statistics.median(times), "max_ms": 1000 * max(times),
                "min_ms": 1000 * min(times),
                "shm_real_used_before": before["shm_real_used"],
                "shm_real_used_after": after["shm_real_used"],
                "rss_before": before["rss"], "rss_after": after["rss"],
                "pss_before": before["pss"], "pss_after": after["pss"]})
            ctx.log(f"journal sync {what}: {sizes[0]} messages, median "
                    f"{results[-1]['median_ms']:.1f} ms, max {results[-1]['max_ms']:.1f} ms; "
                    f"shm {before['shm_real_used']:,} -> {after['shm_real_used']:,} B, "
                    f"PSS {before['pss'] / 1048576:.1f} -> {after['pss'] / 1048576:.1f} MiB, "
                    f"RSS {before['rss'] / 1048576:.1f} -> {after['rss'] / 1048576:.1f} MiB"
                    + ("" if ok else f"  WRONG COUNT (want {want})"))
    finally:
        c.close()
    return results


# ---- the run -------------------------------------------------------------------------

def run_messaging(ctx, janus):
    a = ctx.args
    ours = ctx.ours
    max_pairs = max(a.msg_pairs + (a.janus_msg_pairs if janus else []))
    n_acc = 2 * max_pairs
    common = ["--password", BENCH_PASSWORD, "--timeout", "10", "--window", str(a.msg_window)]
    if a.msg_conn_rps > 0:
        common += ["--conn-rps", str(a.msg_conn_rps)]
    url = f"ws://127.0.0.1:{ours.http_port}/webrtcgateway/ws"
    rows = []
    bench_gateway.add_accounts(ours, n_acc, prefix=OURS_PREFIX)
    ours_args = common + ["--account-prefix", OURS_PREFIX, "--accounts", str(n_acc)]
    # warm-up: SQLite caches, the journal table's first pages, tm's cell pool
    _window_run(ctx, "rtc-message-warm", url, ours_args + ["rtc-message", "20", "2"],
                {"kamailio": ours.process.pid}, 300)
    for pairs in a.msg_pairs:
        ctx.log(f"messaging: ours rtc-message {pairs} {a.msg_seconds}")
        r = _window_run(ctx, f"rtc-message-{pairs}", url,
                        ours_args + ["rtc-message", str(pairs), str(a.msg_seconds)],
                        {"kamailio": ours.process.pid}, a.msg_seconds + 300, kamailio=ours)
        rows.append(_row("ours", pairs, r, ["kamailio"],
                         "sylkRTC account-message -> gateway -> proxy -> gateway -> message event"))
        _log_row(ctx, rows[-1])
        time.sleep(2)

    if a.msg_tmpfs:
        # the same with the journal on tmpfs (fdatasync returns at once):
        # how much of the figure above is waiting for the disk
        wd = os.path.join("/dev/shm", os.path.basename(ctx.workdir) + "-msg-tmpfs")
        os.makedirs(wd)
        kt = ctx.start_kamailio(wd, ctx.engine, ctx.common, ctx.args.shm_mb)
        ctx.started.append(kt)
        try:
            bench_gateway.add_accounts(kt, n_acc, prefix=OURS_PREFIX)
            turl = f"ws://127.0.0.1:{kt.http_port}/webrtcgateway/ws"
            _window_run(ctx, "rtc-message-tmpfs-warm", turl,
                        ours_args + ["rtc-message", "20", "2"], {"kamailio": kt.process.pid}, 300)
            for pairs in a.msg_pairs:
                ctx.log(f"messaging: ours, journal on tmpfs, rtc-message {pairs} {a.msg_seconds}")
                r = _window_run(ctx, f"rtc-message-tmpfs-{pairs}", turl,
                                ours_args + ["rtc-message", str(pairs), str(a.msg_seconds)],
                                {"kamailio": kt.process.pid}, a.msg_seconds + 300)
                rows.append(_row("ours-tmpfs", pairs, r, ["kamailio"],
                                 "the same, the SQLite journal on tmpfs (no flush to disk)"))
                _log_row(ctx, rows[-1])
                time.sleep(2)
        finally:
            kt.stop()
            subprocess.run(["rm", "-rf", wd])

    if janus:
        bench_gateway.add_accounts(ours, n_acc, prefix=JANUS_PREFIX)
        jargs = common + ["--account-prefix", JANUS_PREFIX, "--accounts", str(n_acc),
                          "--janus-proxy", f"sip:127.0.0.1:{ours.sip_port}"]
        groups = {"janus": janus.pid, "kamailio": ours.process.pid}
        for pairs in a.janus_msg_pairs:
            ctx.log(f"messaging: janus janus-message {pairs} {a.msg_seconds}")
            r = _window_run(ctx, f"janus-message-{pairs}", janus.url,
                            jargs + ["janus-message", str(pairs), str(a.msg_seconds)],
                            groups, a.msg_seconds + 600)
            rows.append(_row("janus", pairs, r, ["janus", "kamailio"],
                             "Janus SIP plugin message -> the same Kamailio (default config: "
                             "stores it too) -> Janus handle"))
            _log_row(ctx, rows[-1])
            time.sleep(2)
        if a.msg_relay:
            # Janus beside a proxy that only relays (no journal): the
            # default config with WITH_DEBIAN_WEBSOCKET=1, whose
            # route[MESSAGE] returns at once (the gateway is not loaded)
            wd = os.path.join(ctx.workdir, "msg-relay")
            os.makedirs(wd)
            kr = ctx.start_kamailio(wd, ctx.engine, dict(ctx.common, WITH_DEBIAN_WEBSOCKET=1),
                                    ctx.args.shm_mb)
            ctx.started.append(kr)
            try:
                bench_gateway.add_accounts(kr, n_acc, prefix=RELAY_PREFIX)
                rargs = common + ["--account-prefix", RELAY_PREFIX, "--accounts", str(n_acc),
                                  "--janus-proxy", f"sip:127.0.0.1:{kr.sip_port}"]
                rgroups = {"janus": janus.pid, "kamailio": kr.process.pid}
                for pairs in a.janus_msg_pairs:
                    ctx.log(f"messaging: janus via relay-only proxy janus-message {pairs}")
                    r = _window_run(ctx, f"janus-relay-message-{pairs}", janus.url,
                                    rargs + ["janus-message", str(pairs), str(a.msg_seconds)],
                                    rgroups, a.msg_seconds + 600)
                    rows.append(_row("janus-relay", pairs, r, ["janus", "kamailio"],
                                     "the same, the proxy only relays (no journal)"))
                    _log_row(ctx, rows[-1])
                    time.sleep(2)
            finally:
                kr.stop()

    sync = run_journal_sync(ctx, ours, a.journal_rows, a.journal_repeats)
    res = {"rows": rows, "sync": sync}
    res["summary"] = summary(res)
    res["notes"] = notes(res)
    return res


def notes(res):
    """What the figures say about where the time goes (computed from this
    run; the mechanism named is the gateway's code as of this run)."""
    rows = res["rows"]
    o, t = _best(rows, "ours"), _best(rows, "ours-tmpfs")
    j, jr = _best(rows, "janus"), _best(rows, "janus-relay")
    out = ["### Notes", ""]
    if o:
        busy = o["server_cores_busy"] + o["loadgen_cores_busy"]
        out.append(
            f"- Goal of 5,000 messages per second: {'met' if o['rate'] >= GOAL_RATE else 'NOT met'}"
            f" ({o['rate']:,.0f}/s at best, {o['pairs']} pairs). At that step Kamailio kept "
            f"{o['server_cores_busy']:.2f} of the 2 cores busy and the load generator "
            f"{o['loadgen_cores_busy']:.2f}, the median latency was {o['p50_ms']:.0f} ms: "
            + ("the machine's CPU, not waiting, bounded the rate, and within it the one "
               "journal writer every message waits for twice (below)." if busy >= 1.6 else
               "the machine had CPU to spare, and the bound was the one journal writer "
               "every message waits for twice, busy or waiting for a core (below)."))
    if o and "cpu_us_sip_workers" in o:
        us = {k: o[f"cpu_us_{k}"] for k in ("sip_workers", "task_workers", "journal_writer",
                                            "tcp_main", "tcp_readers", "other")}
        out.append(
            f"- Where Kamailio's CPU went at that step, per message (/proc, by `kamcmd ps` "
            f"title): SIP workers {us['sip_workers']:.0f} us (UDP: the proxy's MESSAGE with "
            f"its subscriber lookup in SQLite, then the 200 at the gateway "
            f"and the sender's `disposition-notification`), task workers "
            f"{us['task_workers']:.0f} us (after each commit: the `ack` and the MESSAGE; the "
            f"`message` event and the 200), journal writer {us['journal_writer']:.0f} us, "
            f"tcp_main {us['tcp_main']:.0f} us (it passes a connection's file descriptor to "
            f"a process that sends a WebSocket frame on a connection it does not read, once "
            f"per process and connection: modules/common/tcp_fdcache.c keeps them), TCP readers "
            f"{us['tcp_readers']:.0f} us (the sender's "
            f"`account-message`), the rest {us['other']:.0f} us; "
            f"{o['context_switches_per_message']:.1f} context switches per message in "
            "Kamailio. A perf profile of the same step (by hand, not part of the bench) put "
            "a third of the SIP workers' CPU, half of the task workers' and half of the "
            "journal writer's in the kernel: switching between processes, the loopback TCP "
            "of the WebSocket frames, the write-ahead log's writes. A message passes through "
            "four kinds of process, and its two commits and two SIP hops each wake "
            "another one; its three WebSocket frames, written by processes that do not "
            "read those connections, no longer wake tcp_main (before sylk_websocket kept "
            "the descriptors: 31 us there and 7.5 context switches per message at 300 "
            "pairs).")
        out.append(
            "- Measured by hand (300 pairs, 40 s windows, /proc/PID/schedstat and perf, not "
            "part of the bench): the journal writer, the one process each message passes "
            "twice and waits for, ran 0.47 of a core and waited 0.39 more in the run queue "
            "behind the 16 worker processes, with about 130 MB/s of log and checkpoint "
            "pages going to disk; half of its CPU was SQLite's b-trees (four indexes, each "
            "row in a different account's leaf), a third the log's writes. Giving it a "
            "nice of -5, 1 KiB database pages instead of 4 KiB (half the bytes written, p99 "
            "about 30% lower) or a 1 ms gathering pause before each batch (batches held "
            "about 110 requests already) moved the rate by less than the spread between "
            "identical runs on this machine (3,400-4,700/s), so none of them was kept.")
        out.append(
            "- Measured by hand later (250 pairs, 30 s windows, not part of the bench): with "
            "a checkpoint once a second only, the log, at about 190 MB a second of pages, was "
            "cut back to its 64 MiB limit each second and grown again, every block of it "
            "allocated and zeroed by ext4 (a fifth of the writer's CPU); four runs gave "
            "4,180-4,360/s, p99 about 205 ms. Checkpointing also as soon as a commit leaves "
            "the log past half the limit keeps the file under it and reuses it: eight runs "
            "gave 4,450-4,960/s, p99 about 105 ms. A 256 MiB limit with the once-a-second "
            "checkpoint gave 4,520-4,890/s with p99 175-185 ms, a 128 MiB limit with the "
            "half-limit checkpoint no more than 64 MiB. The writer still ran 0.43 of a core "
            "and waited 0.44 in the run queue: the serial stage. Handing its continuations "
            "to the task workers 16 at a time instead of one task each, a nice of -10, or "
            "reading the database through a 256 MiB memory map, stayed within the spread. The goal of 5,000/s is at the edge: the two full "
            "runs of `--runs messaging` after the change gave 5,136/s and 4,889/s at their "
            "best step (on tmpfs 5,001/s and 5,542/s).")
        out.append(
            "- Measured by hand after that (250 pairs, 30 s windows, runs alternated, "
            "not part of the bench; this machine gave 4,450-4,990/s that day): "
            "Kamailio stayed at about 1.3 cores and the load generator at 0.26 whatever "
            "was changed, with a fifth of the 2 cores idle while the workers waited in the "
            "run queue (wake-ups between the four kinds of process a message passes, on a "
            "virtual machine). A PASSIVE checkpoint every 20 ms from a thread of its own, to "
            "take the copying off the writer: 4,210-4,650/s, more CPU per message (each one "
            "copied the same hot index pages again). 1 KiB pages: 4,460-4,880/s. The writer "
            "at SCHED_FIFO: it no longer waited for a core, ran 0.58 of one instead of 0.41 "
            "(smaller batches) and the rate fell to 4,240/s. `WORKERS` 2 or 3 instead of 4: "
            "4,770-4,970/s. 400 pairs: 4,850/s, 600 pairs: 4,330/s. Without the two "
            "NOTICE lines per message: 4,520-4,990/s. In the SIP workers a third of the "
            "CPU is the two SQLite queries of each MESSAGE (auth_db's credentials for "
            "`auth_check()`, `is_subscriber()`), each parsed anew by db_sqlite; Janus's "
            "path pays the same. (Since 2026-12-07 ours pays only `is_subscriber()`: "
            "next notes.)")
        out.append(
            "- Measured by hand on 2026-12-07 (250 pairs, 30 s windows, not part of the "
            "bench): before that day's change 4,204-4,529/s at 0.289 ms of Kamailio CPU per "
            "message; with the two log lines of each message (sent, stored) at INFO instead "
            "of NOTICE, so that the bench's `LOG_LEVEL` 1 no longer writes them, "
            "4,753-5,061/s at 0.259-0.276 ms, but an hour later the same code gave "
            "4,078-4,539/s at 0.290-0.320 ms (with 1 GiB or 1.7 GiB of shm alike), so the "
            "gain is not shown. Looking the receiver up with `registered()` "
            "before `is_subscriber()` (no SQLite query for a registered one) gave "
            "4,843-5,002/s in runs alternated with those: no gain, not kept. The goal of "
            "5,000/s is within the spread of identical runs: a run at another moment may "
            "fall short of it. In that day's full `make bench`, whose messaging step came "
            "after the other runs, the same code gave 3,100/s at 200 pairs with 0.42 ms of "
            "Kamailio CPU per message (0.63 ms at 25 pairs, against 0.37-0.40 ms alone), and "
            "4,174/s on tmpfs: the figures above are from `--runs messaging` alone. The "
            "next day, `--runs call,messaging` (the call run on the same Kamailio first) and "
            "`--runs messaging` alone, run one after the other (20 s windows, one run "
            "each), gave 0.514 and 0.520 ms at 25 pairs and 4,130/s and 4,255/s at 200 "
            "pairs: what the earlier runs leave behind does not make messages dearer; the "
            "machine was slower that day, as in that full run. Those two runs came before "
            "that day's change (the journal's metadata column); the figures above, after it, "
            "are the same (Janus's CPU per message rose by half since the run before, ours "
            "by a fifth).")
        out.append(
            "- Measured by hand later on 2026-12-07 (250 pairs, 20 s windows, runs "
            "alternated, not part of the bench): a perf profile of the SIP workers put a "
            "fifth of their CPU in SQLite, the credentials query of `auth_check()` and "
            "`is_subscriber()`'s, and more in the digests. The proxy now takes the "
            "gateway's MESSAGEs on its word (`X-Sylk-Vouch`, docs/DECISIONS.md: the "
            "account's REGISTER proved its HA1 already), so the credentials query, both "
            "digests and each account's first 407 are gone. Skipping the check in the "
            "script alone first, three pairs of runs: 3,556-3,951/s at 0.342-0.383 ms "
            "before, 3,907-4,295/s at 0.300-0.336 ms after. With the token, two pairs: "
            "4,302-4,602/s at 0.288-0.315 ms before, 4,535-4,709/s at 0.277-0.288 ms after; "
            "five more runs of it 4,765-5,337/s at 0.240-0.269 ms. About a tenth less CPU "
            "per message; the rate still moves with the machine's moment as much.")
        out.append(
            "- Measured by hand late on 2026-12-07 (250 pairs, 20 s windows, runs "
            "alternated, not part of the bench): a perf profile with call graphs put 8 % of "
            "Kamailio's CPU in `is_subscriber()`'s SQLite query (db_sqlite prepares it "
            "anew, and every commit of the journal writer empties the reader's page cache). "
            "`route[MESSAGE]` now asks `registered()` first: three pairs of runs gave "
            "4,554-4,866/s at 0.260-0.281 ms before, 5,001-5,118/s at 0.235-0.245 ms "
            "after (the try of the same in the note above compared rates alone, on a "
            "machine whose rate moved more than that); Janus's path through the same proxy "
            "saves the same query. Tried and not "
            "kept: each task worker given one share of a committed batch's continuations "
            "instead of one task each (0.229-0.267 ms against 0.225-0.239 ms, p99 up by a "
            "tenth); a 256 MiB log limit, so that checkpoints come a quarter as often "
            "(0.216-0.230 ms against 0.220-0.243 ms, p99 about 150 ms against 100 ms). A "
            "step of 300 pairs was added: alternated with 200 pairs (8 s windows) it gave "
            "5,463-5,772/s against 5,230-5,511/s.")
    if o and t:
        out.append(
            f"- With the SQLite journal on tmpfs the same load gave {t['rate']:,.0f}/s (p50 "
            f"{t['p50_ms']:.1f} ms, {t['cpu_ms_per_message']:.3f} ms CPU per message, "
            f"{t['server_cores_busy']:.2f} cores), {t['rate'] / o['rate']:.1f}x the figure on "
            "disk. Each message makes three journal writes: `journal_outgoing()` (INSERT of "
            "the sender's row, in `account_message()`), `store_incoming()` (INSERT of the "
            "receiver's row, in `rtc_message_receive()`; the writer counts the receiver's "
            "stored rows for `max_stored_messages` only when its bound reaches the cap) and "
            "`msgstore_set_state_soon()` (UPDATE to accepted, in `out_report()` on the 200), "
            "the UPDATE after a lookup of the row by its key. With SQLite all of them are "
            "made by one process, the journal writer (`SYLKRTC JOURNAL`, `rtc_journal.c`, "
            "statements prepared once: `sylk_ws/im/journal_db.c`), as many as are queued in "
            "one transaction; nobody waits for them: the `ack` and MESSAGE of an "
            "`account-message`, and the rest of an incoming MESSAGE's route (its tm "
            "transaction suspended meanwhile, `route[MESSAGE_STORED]`), run after the "
            "commit in the core's task workers. The database is in WAL mode with "
            "synchronous=NORMAL (`sqlite_synchronous`): a commit writes the WAL without "
            "flushing it; the writer's checkpoints (once a second, and whenever a commit "
            "leaves the log past half `sqlite_wal_limit`) flush.")
    if t:
        out.append(
            f"- Without the disk, at the best step Kamailio used {t['server_cores_busy']:.2f}"
            f" cores and the load generator {t['loadgen_cores_busy']:.2f} of the machine's 2, "
            f"at {t['cpu_ms_per_message']:.2f} ms of Kamailio CPU per message: at that cost "
            f"2 cores give at most {2000 / t['cpu_ms_per_message']:,.0f} messages per second "
            "with nothing else running. Measured by hand earlier (100 pairs, not part of the bench, before the SIP UDP sockets got 4 MiB): "
            "with every journal write and lookup left out the server spent 0.23 ms of CPU "
            "per message (3,300/s), with the workers writing the journal themselves "
            "(before the journal writer) 1.0 ms (about 1,350/s), with the writer through "
            "the DB API and the workers waiting for it 0.61 ms (about 2,000/s: one "
            "continuation at a time in the writer, each WebSocket frame from it waiting for "
            "tcp_main to pass the connection's file descriptor). Before `sqlite_wal_limit` the WAL "
            "file grew by tens of MB a second under this load (930 MB after 15 s at 100 "
            "pairs: SQLite's own checkpoints never found a moment without writers and "
            "readers to start it over); now the journal writer starts it over once a "
            "second and whenever it is half its 64 MiB limit, so the file stays under the "
            "limit and is reused. The proxy challenges none of these MESSAGEs (the "
            "gateway vouches for them); with an `outbound_proxy` of another server that "
            "does, each MESSAGE answers its last challenge for the account at once "
            "(nonce count rising), so a 407 comes once per account and nonce lifetime, "
            "not per message.")
    if j and o:
        out.append(
            f"- Janus through the same default config gets its messages journalled by "
            f"`sylk_rtc_message()` too (one INSERT per message instead of our three), "
            f"which is why its rate ({j['rate']:,.0f}/s) is also held down there"
            + (f"; beside a relay-only proxy it reached {jr['rate']:,.0f}/s with "
               f"{jr['cpu_ms_per_message']:.3f} ms of Janus + Kamailio CPU per message"
               if jr else "") + ".")
    jc = _best_cpu(rows, "janus")
    if jc and jc["cpu_janus"] and jc["received"]:
        janus_ms = jc["cpu_janus"] * 1000 / jc["received"]
        proxy_ms = jc["cpu_ms_per_message"] - janus_ms
        out.append(
            f"- Why 5x Janus per CPU second is out of reach here: at Janus's best step "
            f"Kamailio's own share of Janus's path (auth, `sylk_rtc_message()` journalling "
            f"it, location lookup, relay) was {proxy_ms:.3f} ms per message, Janus's "
            f"{janus_ms:.3f} ms. 5x Janus + its proxy means {jc['cpu_ms_per_message'] / 5:.3f}"
            f" ms per message for our whole path, less than that proxy share alone, "
            f"while each of our messages crosses the same proxy and is journalled three "
            f"times instead of once.")
    out.append("- The load average before each step is in the table (whatever else ran on "
               "the machine counts in it); rates on disk also depend on the disk's flush "
               "latency at that moment.")
    return out


# ---- report ---------------------------------------------------------------------------

def _clean(rows, peer):
    return [r for r in rows if r["peer"] == peer and r["errors"] == 0 and r["exit_status"] == 0
            and r["received"] > 0]


def _best(rows, peer):
    ok = _clean(rows, peer)
    return max(ok, key=lambda r: r["rate"]) if ok else None


def _best_cpu(rows, peer):
    ok = _clean(rows, peer)
    return max(ok, key=lambda r: r["per_cpu_second"]) if ok else None


def summary(res):
    rows = res["rows"]
    out = []
    o, j, jr, t = (_best(rows, p) for p in ("ours", "janus", "janus-relay", "ours-tmpfs"))
    oc, jc, jrc = (_best_cpu(rows, p) for p in ("ours", "janus", "janus-relay"))

    def add(figure, ours_v, peer, peer_v, unit, goal="-", verdict="-", ratio=None):
        if ratio is None and ours_v is not None and peer_v:
            ratio = ours_v / peer_v
        out.append({"figure": figure, "ours": ours_v, "peer": peer, "peer_value": peer_v,
                    "ratio": ratio, "unit": unit, "goal": goal, "verdict": verdict})

    def pairs(r):
        return f"{r['pairs']} pairs" if r else "-"

    add(f"messages per second end to end (best step without errors; ours {pairs(o)}, "
        f"Janus {pairs(j)})", o and o["rate"], "Janus SIP plugin, same proxy",
        j and j["rate"], "per second")
    add("messages per second, against the goal", o and o["rate"], "goal", GOAL_RATE,
        "per second", f">= {GOAL_RATE:,}/s",
        "met" if o and o["rate"] >= GOAL_RATE else "NOT met")
    if oc and jc:
        ratio = oc["per_cpu_second"] / jc["per_cpu_second"]
        add("messages per server CPU second (best step; Janus: Janus + its proxy)",
            oc["per_cpu_second"], "Janus + the same proxy (which journals them too)",
            jc["per_cpu_second"], "per CPU second", f">= {GOAL_RATIO:.0f}x",
            "met" if ratio >= GOAL_RATIO else "NOT met", ratio)
    if oc and jrc:
        ratio = oc["per_cpu_second"] / jrc["per_cpu_second"]
        add("the same, Janus beside a relay-only proxy (no journal)",
            oc["per_cpu_second"], "Janus + relay-only proxy", jrc["per_cpu_second"],
            "per CPU second", f">= {GOAL_RATIO:.0f}x",
            "met" if ratio >= GOAL_RATIO else "NOT met", ratio)
    if oc and jc:
        add("the same, Janus's own CPU only (its proxy left out)", oc["per_cpu_second"],
            "Janus alone", jc["received"] / jc["cpu_janus"] if jc["cpu_janus"] else None,
            "per CPU second")
        add("server CPU per message (at those steps)", oc["cpu_ms_per_message"],
            "Janus + the same proxy", jc["cpu_ms_per_message"], "ms")
    if o and j:
        add("latency p50 / p99 at the best step", f"{o['p50_ms']:.1f} / {o['p99_ms']:.1f}",
            "Janus SIP plugin", f"{j['p50_ms']:.1f} / {j['p99_ms']:.1f}", "ms", ratio="-")
    if t:
        add("ours with the journal on tmpfs (no disk flush), best step", t["rate"],
            "ours, journal on disk", o and o["rate"], "per second")
    for s in res["sync"]:
        add(f"journal sync of {s['journal_rows']:,} messages, {s['case']}: time (median)",
            s["median_ms"], "-", None, "ms")
    return out


def print_summary(res):
    bench_gateway.print_figures("Messaging (issue 15): ours beside its peer", res["summary"],
                                bench_gateway.fmt_value)


def csv_rows(res):
    out = []
    for r in res["rows"]:
        out.append(dict({"kind": "throughput"}, **r))
    for s in res["sync"]:
        out.append(dict({"kind": "journal-sync"}, **s))
    return out


def markdown(res, args, machine_load):
    rows, sync, summ = res["rows"], res["sync"], res["summary"]
    lines = [
        SECTION,
        "",
        "Written by `make bench BENCH_ARGS='--runs messaging'` (or a full `make bench`);",
        f"raw figures in [bench/messaging.csv](bench/messaging.csv). Load average when the "
        f"run started: {machine_load}; per step in the table.",
        "",
    ]
    lines += bench_gateway.figure_table(summ)
    lines += [
        "",
        "### Method",
        "",
        f"- ours: `sylkload rtc-message C {args.msg_seconds}` (C = "
        f"{', '.join(map(str, args.msg_pairs))}): C sender and C receiver sylkRTC-2 "
        "connections, every account (generated `msg0000...`, in the bench server's SQLite "
        "subscriber table) added with its HA1 and registered first, not timed. Sender i "
        "sends `account-message` (text/plain, 60 bytes) to receiver i's account; closed "
        f"loop with {args.msg_window} message(s) in flight per sender (`--window`), the "
        "next sent as soon as the receiver's connection got the `message` event"
        + (f", at most {args.msg_conn_rps:g} per second per sender (`--conn-rps`: the "
           "gateway refuses more than 50 requests per second on one connection)"
           if args.msg_conn_rps > 0 else "") + ". Each message: journalled as outgoing, "
        "acked, sent as a CPIM SIP MESSAGE through the proxy on its internal socket, "
        "vouched for by the gateway (`X-Sylk-Vouch`, `sylk_rtc_vouched()` in "
        "`route[AUTH]`: the account's REGISTER proved its HA1, so no 407 and no digest "
        "check; until 2026-12-07 the proxy checked the gateway's digest against SQLite "
        "for every message), `route[MESSAGE]`: the receiver is one of our users by its "
        "registration (`registered(\"location\")`, in memory; `is_subscriber` asks SQLite "
        "only for one not registered, since 2026-12-07), "
        "`sylk_rtc_message(\"MESSAGE_STORED\")` journals it as incoming "
        "(its transaction suspended meanwhile), then `route[MESSAGE_STORED]` sends the "
        "`message` event to the receiver's connection, `lookup(\"location\")` finds the "
        "gateway's Contact and the gateway answers 200; the 200 becomes the sender's "
        "`disposition-notification` (accepted) and an UPDATE of the outgoing row.",
        "- Janus: `sylkload janus-message C` (C = "
        f"{', '.join(map(str, args.janus_msg_pairs))}), the same loop through Janus's SIP "
        "plugin: one Janus session and SIP handle per connection, registered "
        "(`jmsg0000...`) at the same Kamailio as registrar and outbound proxy; the "
        "sender's `message` request -> SIP MESSAGE (407, again with credentials) -> the "
        "same default config (so `sylk_rtc_message()` journals it as incoming too) -> "
        "`lookup(\"location\")` -> Janus's Contact -> the receiver handle's `message` "
        "event. Counted: Janus + Kamailio CPU, and Janus alone."
        + (" Also beside a proxy that only relays: the same kamailio.cfg with the "
           "bench's define `WITH_DEBIAN_WEBSOCKET=1`, which leaves the gateway out "
           "(route[MESSAGE] returns at once; auth, location lookup and t_relay remain)."
           if args.msg_relay else ""),
        "- Latency: request sent by the load generator -> `message` event read on the "
        "receiver's connection. Rate: messages received within the window / window. "
        "Server CPU: user + system time (from /proc) of all Kamailio processes (and "
        "Janus's) between the load generator's `WINDOW start` and `WINDOW end` markers, "
        "so account set-up and registration are not counted. UDP drops: datagrams the "
        "kernel dropped in the window because a UDP socket's receive buffer was full "
        "(/proc/net/snmp RcvbufErrors, machine-wide); each lost a SIP request or reply "
        "until tm sent it again (500 ms later, then 1 s, 2 s).",
        "- Everything (load generator, Kamailio, Janus) shares the machine's 2 cores.",
        f"- Kamailio runs with `-m {args.shm_mb}` MiB of shared memory (the default "
        "config's `SHM_SIZE` is 1024) and its `shm_reserve` of 20 %: each message keeps "
        "two tm transactions (about 23 KiB together) for tm's wait timer (5 s) after its "
        "final reply, about 120 KiB per message a second; with the 256 MiB the default "
        "config had before, this load failed every allocation past about 1,500/s (now it "
        "would be refused, 503 and `Server overloaded`, counted as errors).",
        "",
        "| peer | pairs | messages/s | p50 | p99 | max | errors | UDP drops | server CPU s | "
        "CPU per message | per CPU s | server cores busy | load generator cores | "
        "load average before |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(f"| {r['peer']} | {r['pairs']} | {r['rate']:,.0f} | {r['p50_ms']:.1f} ms"
                     f" | {r['p99_ms']:.1f} ms | {r['max_ms']:.1f} ms | {r['errors']}"
                     f" | {r['udp_rcvbuf_drops']:,}"
                     f" | {r['server_cpu_seconds']:.2f} | {r['cpu_ms_per_message']:.3f} ms"
                     f" | {r['per_cpu_second']:,.0f} | {r['server_cores_busy']:.2f}"
                     f" | {r['loadgen_cores_busy']:.2f}"
                     f" | {r['loadavg_before']} |")
    lines += [
        "",
        "### Journal sync",
        "",
        f"{args.journal_rows:,} rows for one account (`{JOURNAL_USER}`) inserted straight "
        "into the bench server's SQLite `sylk_messages` table (as "
        "tests/integration/test_messaging.py does), then `account-sync-conversations` "
        f"from a Python sylkRTC client, {args.journal_repeats} times per case; time from "
        "the request to the parsed `sync-conversations` event (the client's JSON parsing "
        "of up to 5,000 messages included). Memory: `kamcmd core.shmmem` real_used, and "
        "the PSS and RSS summed over all Kamailio processes (RSS counts the shared memory "
        "once per process that touched it; PSS shares it out), before the first and "
        "after the last sync of each case.",
        "",
        "| case | messages returned | median | max | shm before -> after | "
        "PSS before -> after | RSS before -> after |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in sync:
        lines.append(f"| {s['case']} | {s['messages_returned']:,}"
                     f"{'' if s['correct'] else ' (WRONG)'} | {s['median_ms']:.1f} ms"
                     f" | {s['max_ms']:.1f} ms | {s['shm_real_used_before']:,} -> "
                     f"{s['shm_real_used_after']:,} B | {s['pss_before'] / 1048576:.1f} -> "
                     f"{s['pss_after'] / 1048576:.1f} MiB | {s['rss_before'] / 1048576:.1f} -> "
                     f"{s['rss_after'] / 1048576:.1f} MiB |")
    lines += [""] + list(res.get("notes") or []) + [""]
    return lines
