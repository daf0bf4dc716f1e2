#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs 5 and 6 of issue 7, the conference focus's media: MSRP chat fan-out
and audio mixer capacity (beside Janus AudioBridge). Every server is started
here on free loopback ports through the integration tests' sylktest harness
and stopped by pid.

    run_msrp_fanout(ctx) -> rows    run 5
    run_mixer(ctx)       -> rows    run 6

A row is a dict like run_bench.py's summary rows: figure, ours, peer (None
when there is no peer or it was not measured), unit, better, fmt, ratio,
plus note (method/caveat, one line). The raw measurements of each step are
left in ctx.raw["msrp_fanout"] / ctx.raw["mixer"] (lists of dicts, for CSV).

ctx: any object (or None) with optional attributes workdir (logs), log
(callable taking a string), and the knobs of Ctx below; missing ones take
the defaults. `python3 tests/bench/bench_media.py` runs both and prints the
rows (BUILD_DIR names the build directory, default ./build; needs
`make bench-tools` for build/bench/msrpflood and build/bench/rtpfeed).

Run 5 (MSRP fan-out): one Kamailio with the default kamailio.cfg; 50
participants (sip:benchN@example.org, no digest needed from a foreign domain)
join one room by SIP INVITE over UDP with an MSRP offer (our own small SIP
client below); msrpflood connects each to the path of its SDP answer, binds
it with an empty SEND, and the first S participants push CPIM messages, each
keeping W SENDs unanswered (closed loop: as fast as the focus accepts). The
focus relays each to the 49 others. Deliveries per second counted at the
receivers; Kamailio CPU (user+system of every process of its group, from
/proc) over the same window gives CPU per delivery and deliveries per CPU
second (= per core).

Run 6 (mixer): participants join rooms of 10 by SIP with a one-codec offer
(Opus 48 kHz or PCMU, 20 ms) and rtpfeed replays pre-encoded frames (PyAV)
toward the SDP answer's address (rtpengine, which passes the codec through
to a mixer port), every participant talking, and counts the mix-minus
streams coming back. One mixer process (MIXER_PROCESSES=1), pinned alone to
the last CPU; everything else (rtpengine, other Kamailio processes, rtpfeed,
this script) on the others. The count grows step by step until the mixer
logs "ticks late", its CPU passes SATURATED of a core, or the streams coming
back fall short of 50 packets/s. Ours runs twice: with the module's default
(the 4 loudest mixed, everybody else sharing one encoding of the sum) and
with max_speakers 0, which mixes everyone as AudioBridge does. Janus AudioBridge: the same rooms, the same
generator, plain RTP participants (join with an "rtp" object) over the
HTTP JSON API, the whole janus process pinned alone to the last CPU.
"""

import argparse
import fractions
import json
import math
import os
import queue
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))

from sylktest import server as sylkserver  # noqa: E402
from sylktest import processes  # noqa: E402
from sylktest.processes import Process, free_port, wait_until  # noqa: E402
from sylktest.server import Kamailio, Rtpengine, debian_multiarch  # noqa: E402

from bench_gateway import cpu_seconds, group_pids  # noqa: E402

BUILD = os.environ.get("BUILD_DIR", os.path.join(TOP, "build"))
MSRPFLOOD = os.path.join(BUILD, "bench", "msrpflood")
RTPFEED = os.path.join(BUILD, "bench", "rtpfeed")
JANUS = "/usr/bin/janus"
JANUS_LIB = f"/usr/lib/{debian_multiarch()}/janus"
CONF_DOMAIN = "conference.sylk.test"
SATURATED = 0.90          # of one core: the mixer counts as saturated above this
FULL_RATE = 49.0          # packets/s per stream back: 50 is every tick
MAX_SPEAKERS_DEFAULT = 4  # the module's max_speakers default (conference/mixer/mix_room.h)


class Ctx:
    """Knobs of both runs; run_bench.py may pass its own object instead."""
    workdir = None
    log = None
    # run 5
    msrp_participants = 50
    msrp_senders = (1, 2, 5)      # one measurement per sender count
    msrp_window = 8               # unanswered SENDs per sender
    msrp_body = 64                # bytes of chat text
    msrp_seconds = 8.0
    msrp_workers = 4              # kamailio UDP and TCP workers
    # run 6
    mixer_seconds = 5.0
    mixer_room_size = 10
    mixer_steps = {"opus": (10, 20, 40, 60, 80, 100, 110, 120, 130, 140, 150, 165, 180, 200,
                            230, 260, 300, 350, 400),
                   "pcmu": (10, 50, 100, 200, 300, 400, 500, 600, 650, 700, 750, 800, 900,
                            1000, 1200, 1500, 2000)}
    mixer_codecs = ("opus", "pcmu")
    mixer_janus = True
    pin = True


def _opt(ctx, name):
    v = getattr(ctx, name, None) if ctx is not None else None
    return getattr(Ctx, name) if v is None else v


def _log(ctx, msg):
    fn = _opt(ctx, "log")
    if fn:
        fn(msg)
    else:
        sys.stderr.write(f"[bench-media {time.strftime('%H:%M:%S')}] {msg}\n")
        sys.stderr.flush()


def _workdir(ctx, name):
    base = _opt(ctx, "workdir") or tempfile.mkdtemp(prefix="sylk-bench-media-")
    d = os.path.join(base, name)
    os.makedirs(d, exist_ok=True)
    return d


def _raw(ctx, key, rows):
    if ctx is None:
        return
    raw = getattr(ctx, "raw", None)
    if raw is None:
        try:
            ctx.raw = raw = {}
        except AttributeError:
            return
    raw[key] = rows


def _row(figure, ours, peer, unit, better, fmt, note=""):
    ratio = (ours / peer) if (ours is not None and peer) else None
    return {"figure": figure, "ours": ours, "peer": peer, "unit": unit, "better": better,
            "fmt": fmt, "ratio": ratio, "note": note}


def fmt_rate(v):
    return "not available" if v is None else f"{v:,.0f}/s"


def fmt_int(v):
    return "not available" if v is None else f"{v:,.0f}"


def fmt_us(v):
    return "not available" if v is None else f"{v:,.2f} µs"


def fmt_pct(v):
    return "not available" if v is None else f"{v:.2f}% of a core"


# ---- processes and CPU -------------------------------------------------------------------

def proc_cpu(pid):
    """user + system CPU seconds of a process (all its threads)."""
    return cpu_seconds(pids=[pid])


def group_cpu(pgid):
    return sum(proc_cpu(p) for p in group_pids(pgid))


def pin(pid, cpus):
    """Every thread of pid onto cpus."""
    try:
        tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        tids = [pid]
    for t in tids:
        try:
            os.sched_setaffinity(t, cpus)
        except OSError:
            pass


class _SizedProcess(Process):
    """kamailio with more shared (-m) and private (-M) memory than the
    harness gives it; every other argument as the harness chose."""
    shm_mb = None
    pkg_mb = None

    def __init__(self, name, argv, log_path, **kw):
        if name == "kamailio":
            argv = list(argv)
            if self.shm_mb and "-m" in argv:
                argv[argv.index("-m") + 1] = str(self.shm_mb)
            if self.pkg_mb and "-M" in argv:
                argv[argv.index("-M") + 1] = str(self.pkg_mb)
        super().__init__(name, argv, log_path, **kw)


# The load comes from one address with made-up identities: rooms open to
# anyone, no per-address connection limit.
BENCH_POLICY = {"CONF_ROOM_CREATORS": '"any"', "TCP_MAX_PER_IP": 0}


def start_kamailio(workdir, engine, defines, shm_mb=256, pkg_mb=64):
    _SizedProcess.shm_mb, _SizedProcess.pkg_mb = shm_mb, pkg_mb
    saved = sylkserver.Process
    sylkserver.Process = _SizedProcess
    try:
        return Kamailio(workdir, engine, defines=defines)
    finally:
        sylkserver.Process = saved


def free_block(size):
    """A block of `size` UDP ports below Linux's ephemeral range
    (32768-60999), where no client socket lands, and mostly below the
    harness's single ports (20000 and up): the PCMU run needs 8,200 + 2,064."""
    return processes.free_port_range(size, lo=2000, hi=32768)


release_block = processes.release_port_range


class BigRtpengine(Rtpengine):
    """The harness's rtpengine with a media port range of `ports` ports
    (the harness's 200 carry about 50 calls)."""

    def __init__(self, workdir, ports=200):
        saved = sylkserver.free_port_range
        sylkserver.free_port_range = lambda size: free_block(max(size, ports))
        try:
            super().__init__(workdir)
        finally:
            sylkserver.free_port_range = saved


def kamailio_processes(k):
    """[(pid, description)] from core.psx."""
    out = k.kamcmd("core.psx")
    procs = []
    pid = None
    for line in out.splitlines():
        m = re.match(r"^\s*PID:\s*(\d+)", line)
        if m:
            pid = int(m.group(1))
            continue
        m = re.match(r"^\s*(?:DSC|DESCRIPTION):\s*(.*?)\s*$", line)
        if m and pid is not None:
            procs.append((pid, m.group(1)))
            pid = None
    return procs


# ---- a small SIP UAC over UDP ------------------------------------------------------------

class SipResponse:
    def __init__(self, text):
        head, _, body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.start = lines[0]
        self.code = int(lines[0].split()[1]) if lines[0].startswith("SIP/2.0") else None
        self.headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers.append((name.strip().lower(), value.strip()))
        self.body = body

    def header(self, name):
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def all(self, name):
        return [v for n, v in self.headers if n == name]


class Dialog:
    def __init__(self, user, target):
        self.user = user
        self.target = target
        self.call_id = secrets.token_hex(10) + "@bench"
        self.tag = secrets.token_hex(4)
        self.remote_to = None
        self.contact = None
        self.route = []
        self.cseq = 1
        self.answer = None


class SipClient:
    """Many dialogs on one UDP socket toward one server: INVITE (with
    retransmissions), ACK, BYE; requests from the server (BYE, OPTIONS,
    NOTIFY) are answered 200. Users are sip:USER@example.org (a foreign
    domain: the default config asks no credentials for the focus)."""

    def __init__(self, server_port, domain="example.org"):
        self.server = ("127.0.0.1", server_port)
        self.domain = domain
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.waiting = {}     # (call-id, cseq) -> Queue
        self.running = True
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while self.running:
            try:
                data = self.sock.recv(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            text = data.decode("utf-8", "replace")
            if text.startswith("SIP/2.0"):
                r = SipResponse(text)
                key = (r.header("call-id") or r.header("i"), r.header("cseq"))
                q = self.waiting.get(key)
                if q is not None:
                    q.put(r)
            elif text.strip():
                self._answer(text)

    def _answer(self, text):
        head = text.split("\r\n\r\n", 1)[0].split("\r\n")
        method = head[0].split()[0]
        if method == "ACK":
            return
        keep = []
        for line in head[1:]:
            name = line.split(":", 1)[0].strip().lower()
            if name in ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq"):
                if name in ("to", "t") and ";tag=" not in line:
                    line += ";tag=" + secrets.token_hex(4)
                keep.append(line)
        self.sock.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) +
                          "\r\nContent-Length: 0\r\n\r\n").encode(), self.server)

    def _request(self, d, method, ruri, branch, body=None, to_tag=True):
        to = f"<{d.target}>" + (f";tag={d.remote_to}" if (d.remote_to and to_tag) else "")
        lines = [f"{method} {ruri} SIP/2.0",
                 f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch={branch};rport",
                 "Max-Forwards: 70",
                 f"From: <sip:{d.user}@{self.domain}>;tag={d.tag}",
                 f"To: {to}", f"Call-ID: {d.call_id}", f"CSeq: {d.cseq} {method}"]
        lines += [f"Route: {r}" for r in (d.route if method != "INVITE" or d.remote_to else [])]
        if method == "INVITE":
            lines.append(f"Contact: <sip:{d.user}@127.0.0.1:{self.port}>")
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body.encode()) if body else 0}")
        return ("\r\n".join(lines) + "\r\n\r\n" + (body or "")).encode()

    def _transaction(self, d, method, ruri, body=None, timeout=10.0):
        branch = "z9hG4bK" + secrets.token_hex(8)
        key = (d.call_id, f"{d.cseq} {method}")
        q = self.waiting[key] = queue.Queue()
        msg = self._request(d, method, ruri, branch, body)
        deadline = time.monotonic() + timeout
        interval, provisional = 0.5, False
        try:
            self.sock.sendto(msg, self.server)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{method} {ruri}: no final response")
                try:
                    r = q.get(timeout=min(left, interval if not provisional else left))
                except queue.Empty:
                    if not provisional:
                        self.sock.sendto(msg, self.server)
                        interval = min(interval * 2, 4.0)
                    continue
                if r.code < 200:
                    provisional = True
                    continue
                return r, branch
        finally:
            self.waiting.pop(key, None)

    def invite(self, user, target, sdp, timeout=15.0):
        """Returns the Dialog (answer SDP in .answer) or raises."""
        d = Dialog(user, target)
        r, branch = self._transaction(d, "INVITE", target, sdp, timeout)
        if r.code >= 300:
            # ACK of a non-2xx: same branch, To of the response
            d.remote_to = re.search(r";tag=([^;>\s]+)", r.header("to") or "")
            d.remote_to = d.remote_to.group(1) if d.remote_to else None
            self.sock.sendto(self._request(d, "ACK", target, branch), self.server)
            raise RuntimeError(f"INVITE {target}: {r.start}")
        m = re.search(r";tag=([^;>\s]+)", r.header("to") or "")
        d.remote_to = m.group(1) if m else None
        contact = r.header("contact") or r.header("m") or f"<{target}>"
        d.contact = re.search(r"<([^>]+)>", contact).group(1) if "<" in contact else contact
        rr = []
        for v in r.all("record-route"):
            rr += [x.strip() for x in v.split(",")]
        d.route = list(reversed(rr))
        d.answer = r.body
        self.sock.sendto(self._request(d, "ACK", d.contact, "z9hG4bK" + secrets.token_hex(8)),
                         self.server)
        d.cseq += 1
        return d

    def bye(self, d, timeout=3.0):
        try:
            self._transaction(d, "BYE", d.contact, None, timeout)
        except (TimeoutError, OSError):
            pass
        d.cseq += 1

    def close(self):
        self.running = False
        self.reader.join(1)
        self.sock.close()


def invite_all(client, jobs, concurrency=8):
    """jobs: [(user, target, sdp)] -> [Dialog], in order; raises the first error."""
    results = [None] * len(jobs)
    errors = []
    it = iter(enumerate(jobs))
    lock = threading.Lock()

    def worker():
        while not errors:
            with lock:
                try:
                    i, (user, target, sdp) = next(it)
                except StopIteration:
                    return
            try:
                results[i] = client.invite(user, target, sdp)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


# ---- run 5: MSRP chat fan-out -------------------------------------------------------------

def _msrp_offer(local_port, msrp_id):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=message {local_port} TCP/MSRP *\r\n"
            f"a=path:msrp://127.0.0.1:{local_port}/{msrp_id};tcp\r\n"
            "a=accept-types:message/cpim\r\na=accept-wrapped-types:*\r\na=setup:active\r\n")


def _read_until(proc, word, timeout, what):
    """Lines of proc.stdout until one starting with `word`."""
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{what} ended early: {''.join(lines)}")
        lines.append(line)
        if line.startswith(word):
            return line
    raise TimeoutError(f"{what}: no {word}")


def _result(text):
    for line in reversed(text.splitlines()):
        if line.startswith("RESULT "):
            return {k: float(v) if re.match(r"^-?[\d.]+$", v) else v
                    for k, v in (kv.split("=", 1) for kv in line[7:].split())}
    raise RuntimeError("no RESULT line:\n" + text[-2000:])


def run_msrp_fanout(ctx=None):
    """Run 5. Returns rows; raw steps in ctx.raw['msrp_fanout']."""
    title = "MSRP chat fan-out, 50-participant room"
    if not os.access(MSRPFLOOD, os.X_OK):
        _log(ctx, f"{MSRPFLOOD} missing: run 'make bench-tools'")
        return [_row(f"{title}: deliveries per second", None, None, "per second", "higher",
                     fmt_rate, "not available: msrpflood not built")]
    n = int(_opt(ctx, "msrp_participants"))
    wd = _workdir(ctx, "msrp")
    started = []
    steps = []
    try:
        engine = Rtpengine(os.path.join(wd))
        started.append(engine)
        k = start_kamailio(wd, engine, {"PIKE_DENSITY": 65535, "LOG_LEVEL": 1,
                                        "WORKERS": _opt(ctx, "msrp_workers"),
                                        "CONF_HISTORY": 20, **BENCH_POLICY})
        started.append(k)
        _log(ctx, f"msrp: kamailio pid {k.process.pid}, {n} participants joining")
        sip = SipClient(k.sip_port)
        room = f"fanout{secrets.token_hex(3)}"
        target = f"sip:{room}@{CONF_DOMAIN}"
        jobs, locals_ = [], []
        for i in range(n):
            msrp_id = secrets.token_hex(8)
            port = 20000 + random.randrange(30000)
            locals_.append((f"msrp://127.0.0.1:{port}/{msrp_id};tcp", f"sip:bench{i}@example.org"))
            jobs.append((f"bench{i}", target, _msrp_offer(port, msrp_id)))
        dialogs = invite_all(sip, jobs, concurrency=4)
        collisions = _unique_paths(ctx, sip, jobs, dialogs)
        sessions = os.path.join(wd, "sessions.txt")
        with open(sessions, "w") as f:
            for d, (local_path, aor) in zip(dialogs, locals_):
                m = _path_of(d)
                f.write(f"{m.group(2)} {m.group(3)} {m.group(1)} {local_path} {aor} {target}\n")
        _log(ctx, f"msrp: {n} joined room {room}")
        for senders in _opt(ctx, "msrp_senders"):
            senders = min(int(senders), n)
            step = _msrp_step(ctx, k, sessions, senders, wd)
            step.update({"participants": n, "senders": senders,
                         "session_id_collisions": collisions})
            steps.append(step)
            _log(ctx, f"msrp: {senders} senders: {step['delivery_rate']:,.0f} deliveries/s, "
                      f"{step['deliveries_per_cpu_second']:,.0f} per Kamailio CPU second, "
                      f"accepted {step['accept_rate']:,.0f}/s, "
                      f"delivered/expected {step['delivered']:.0f}/{step['expected']:.0f}")
        for d in dialogs:
            sip.bye(d, timeout=1.0)
        sip.close()
    finally:
        for p in reversed(started):
            p.stop()
    _raw(ctx, "msrp_fanout", steps)
    best = max(steps, key=lambda s: s["delivery_rate"])
    eff = max(steps, key=lambda s: s["deliveries_per_cpu_second"])
    method = (f"{n} participants in one room, closed loop ({_opt(ctx, 'msrp_window')} SENDs "
              f"in flight per sender, {_opt(ctx, 'msrp_body')}-byte texts), "
              f"{_opt(ctx, 'msrp_seconds'):g} s window; CPU = all Kamailio processes "
              "(/proc user+system); load generator on the same 2 cores")
    return [
        _row(f"{title}: deliveries per second (best of {len(steps)} sender counts, "
             f"{best['senders']} senders)", best["delivery_rate"], None, "per second",
             "higher", fmt_rate, method),
        _row(f"{title}: deliveries per Kamailio CPU second (= per core; goal >= 100,000)",
             eff["deliveries_per_cpu_second"], None, "per CPU second", "higher", fmt_rate,
             f"{eff['senders']} senders; Kamailio used {eff['kamailio_cpu_cores']:.2f} cores"),
        _row(f"{title}: Kamailio CPU per delivered message", eff["cpu_us_per_delivery"], None,
             "µs", "lower", fmt_us, f"{eff['senders']} senders"),
    ]


def _path_of(d):
    m = re.search(r"^a=path:(msrp://([\d.]+):(\d+)/\S+)", d.answer, re.M)
    if not m:
        raise RuntimeError("no MSRP path in the answer:\n" + d.answer)
    return m


def _unique_paths(ctx, sip, jobs, dialogs, rounds=30):
    """Participants whose answer repeats an earlier participant's focus path
    (the focus handed the same MSRP session id to two of them: see the
    caveat in the report) leave and join again until every path is unique.
    Returns how many answers collided."""
    collisions = 0
    for _ in range(rounds):
        seen, dups = set(), []
        for i, d in enumerate(dialogs):
            path = _path_of(d).group(1)
            if path in seen:
                dups.append(i)
            seen.add(path)
        if not dups:
            return collisions
        collisions += len(dups)
        for i in dups:
            sip.bye(dialogs[i], timeout=2.0)
            user, target, sdp = jobs[i]
            dialogs[i] = sip.invite(user, target, sdp)
    raise RuntimeError("the focus keeps handing out the same MSRP session ids")


def _msrp_step(ctx, k, sessions, senders, wd):
    secs = float(_opt(ctx, "msrp_seconds"))
    err = open(os.path.join(wd, f"msrpflood-{senders}.log"), "wb")
    proc = subprocess.Popen([MSRPFLOOD, "-s", str(senders), "-w", str(_opt(ctx, "msrp_window")),
                             "-b", str(_opt(ctx, "msrp_body")), "-W", "2", "-t", str(secs),
                             sessions], stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        _read_until(proc, "BOUND", 30, "msrpflood")
        _read_until(proc, "START", 30, "msrpflood")
        cpu0, gen0, t0 = group_cpu(k.process.pid), proc_cpu(proc.pid), time.monotonic()
        _read_until(proc, "STOP", secs + 30, "msrpflood")
        cpu1, gen1, t1 = group_cpu(k.process.pid), proc_cpu(proc.pid), time.monotonic()
        out = _read_until(proc, "RESULT", 60, "msrpflood")
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        err.close()
    r = _result(out)
    if proc.returncode != 0:
        raise RuntimeError(f"msrpflood failed ({proc.returncode}): {r}\n"
                           + open(os.path.join(wd, f"msrpflood-{senders}.log")).read()[-2000:])
    cpu = cpu1 - cpu0
    wall = t1 - t0
    r.update({
        "loadavg": open("/proc/loadavg").read().split()[0],
        "kamailio_cpu_seconds": cpu,
        "kamailio_cpu_cores": cpu / wall if wall > 0 else 0.0,
        "msrpflood_cpu_cores": (gen1 - gen0) / wall if wall > 0 else 0.0,
        "deliveries_per_cpu_second": r["delivered"] / cpu if cpu > 0 else 0.0,
        "cpu_us_per_delivery": cpu / r["delivered"] * 1e6 if r["delivered"] else 0.0,
    })
    return r


# ---- run 6: mixer capacity -------------------------------------------------------------------

CODECS = {
    # name: (payload type, SDP rtpmap, RTP clock, PyAV encoder, sample rate, janus codec)
    "opus": (111, "opus/48000/2", 48000, "libopus", 48000, "opus"),
    "pcmu": (0, "PCMU/8000", 8000, "pcm_mulaw", 8000, "pcmu"),
}


def make_payloads(codec, path, seconds=10):
    """Pre-encoded 20 ms frames of a talker-like signal (two tones under a
    syllable-rate envelope, a little noise), 2-byte length + bytes each."""
    import av
    import numpy

    pt, _, _, encoder, rate, _ = CODECS[codec]
    c = av.CodecContext.create(encoder, "w")
    c.sample_rate = rate
    c.format = "s16"
    c.layout = "mono"
    if encoder == "libopus":
        c.bit_rate = 32000
        c.options = {"application": "voip", "frame_duration": "20"}
    c.open()
    spf = rate // 50
    n = seconds * 50
    t = numpy.arange(n * spf) / rate
    env = 0.55 + 0.45 * numpy.sin(2 * math.pi * 3.7 * t)
    sig = env * (0.5 * numpy.sin(2 * math.pi * 220 * t) + 0.3 * numpy.sin(2 * math.pi * 1330 * t))
    sig += 0.02 * numpy.random.default_rng(7).standard_normal(len(t))
    pcm = (sig * 8000).astype(numpy.int16)
    frames = []
    for i in range(n):
        f = av.AudioFrame.from_ndarray(pcm[i * spf:(i + 1) * spf].reshape(1, -1),
                                       format="s16", layout="mono")
        f.sample_rate = rate
        f.pts = i * spf
        f.time_base = fractions.Fraction(1, rate)
        frames += [bytes(p) for p in c.encode(f)]
    frames += [bytes(p) for p in c.encode(None)]
    frames = [f for f in frames if f]
    with open(path, "wb") as out:
        for fr in frames:
            out.write(len(fr).to_bytes(2, "big") + fr)
    return len(frames)


def _audio_offer(codec, port):
    pt, rtpmap, _, _, _, _ = CODECS[codec]
    extra = "a=fmtp:111 minptime=10;useinbandfec=1\r\n" if codec == "opus" else ""
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP {pt}\r\na=rtpmap:{pt} {rtpmap}\r\n{extra}"
            "a=ptime:20\r\na=sendrecv\r\n")


def _answer_target(sdp):
    m = re.search(r"^m=audio (\d+) \S+ ([\d ]+)", sdp, re.M)
    if not m or m.group(1) == "0":
        raise RuntimeError("no audio in the answer:\n" + sdp)
    c = re.findall(r"^c=IN IP4 (\S+)", sdp, re.M)
    return c[-1], int(m.group(1)), int(m.group(2).split()[0])


class Participants:
    """UDP sockets (one per participant, kept across steps) and where each
    sends: (sock, ip, port, pt)."""

    def __init__(self):
        self.legs = []
        self.extra = []   # dialogs or handles to close

    def new_socket(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 << 10)
        s.bind(("127.0.0.1", 0))
        return s

    def close(self):
        for s, *_ in self.legs:
            s.close()


def _feed(ctx, payloads, codec, legs, secs, wd, tag, cpus, watch_pid, relay_pid=None):
    """rtpfeed over every leg for secs (after 2 s warm-up); returns its
    RESULT plus the CPU share of watch_pid over the window."""
    streams = os.path.join(wd, f"streams-{tag}.txt")
    step = CODECS[codec][2] // 50
    with open(streams, "w") as f:
        for s, ip, port, pt in legs:
            f.write(f"{s.fileno()} {ip} {port} {pt} {step}\n")
    fds = [s.fileno() for s, *_ in legs]
    err = open(os.path.join(wd, f"rtpfeed-{tag}.log"), "wb")

    def pre():
        if cpus:
            os.sched_setaffinity(0, cpus)
    proc = subprocess.Popen([RTPFEED, "-W", "2", "-s", str(secs), payloads, streams],
                            stdout=subprocess.PIPE, stderr=err, text=True, pass_fds=fds,
                            preexec_fn=pre)
    try:
        _read_until(proc, "READY", 30, "rtpfeed")
        _read_until(proc, "START", 30, "rtpfeed")
        c0, g0, t0 = proc_cpu(watch_pid), proc_cpu(proc.pid), time.monotonic()
        e0 = proc_cpu(relay_pid) if relay_pid else 0.0
        _read_until(proc, "STOP", secs + 30, "rtpfeed")
        c1, g1, t1 = proc_cpu(watch_pid), proc_cpu(proc.pid), time.monotonic()
        e1 = proc_cpu(relay_pid) if relay_pid else 0.0
        out = _read_until(proc, "RESULT", 30, "rtpfeed")
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        err.close()
    if proc.returncode != 0:
        raise RuntimeError(f"rtpfeed exited with {proc.returncode}: {out[-500:]}")
    r = _result(out)
    wall = t1 - t0
    r["cpu_share"] = (c1 - c0) / wall if wall > 0 else 0.0
    r["feeder_cpu_share"] = (g1 - g0) / wall if wall > 0 else 0.0
    r["rtpengine_cpu_share"] = (e1 - e0) / wall if wall > 0 else 0.0
    return r


def _cpu_sets(ctx):
    """(mixer's CPU set, everyone else's) or (None, None) without pinning."""
    n = os.cpu_count() or 1
    if not _opt(ctx, "pin") or n < 2:
        return None, None
    return {n - 1}, set(range(n - 1))


def _late_lines(log_path, offset):
    with open(log_path, "rb") as f:
        f.seek(offset)
        data = f.read()
    text = data.decode("utf-8", "replace").splitlines()
    lines = [ln for ln in text if "ticks late" in ln]
    ticks = 0
    for ln in lines:
        m = re.search(r"(\d+) ticks late", ln)
        ticks += int(m.group(1)) if m else 0
    return len(lines), ticks, sum(1 for ln in text if "cannot bind port" in ln)


def _sustained(step):
    return (step["late_lines"] == 0 and step["cpu_share"] < SATURATED
            and step["recv_rate_per_stream"] >= FULL_RATE and step["silent_streams"] == 0)


def _mixer_pids(k, timeout=10.0):
    """The mixer processes of `k`. Kamailio answers RPC before its last
    processes are forked: until one is listed, asked again."""
    deadline = time.monotonic() + timeout
    while True:
        mixers = [pid for pid, desc in kamailio_processes(k) if "MIXER" in desc.upper()]
        if mixers or time.monotonic() > deadline:
            return mixers
        time.sleep(0.2)


def _mixer_ours(ctx, codec, payloads, wd, max_speakers):
    """Steps of our mixer for one codec, mixing the max_speakers loudest
    (0: everyone, as AudioBridge does): list of dicts."""
    os.makedirs(wd, exist_ok=True)
    steps_wanted = list(_opt(ctx, "mixer_steps")[codec])
    top = max(steps_wanted)
    size = int(_opt(ctx, "mixer_room_size"))
    mine, others = _cpu_sets(ctx)
    started, steps, blocks = [], [], []
    parts = Participants()
    try:
        engine = BigRtpengine(wd, ports=top * 4 + 200)
        started.append(engine)
        blocks.append((engine.port_min, engine.port_max))
        lo, hi = free_block(top + 64)
        blocks.append((lo, hi))
        k = start_kamailio(wd, engine, {"PIKE_DENSITY": 65535, "LOG_LEVEL": 1, "WORKERS": 2,
                                        "MIXER_PROCESSES": 1, "MIXER_PORT_MIN": lo,
                                        "MIXER_PORT_MAX": hi, "CONF_RTP_TIMEOUT": 0,
                                        "CONF_MAX_SPEAKERS": max_speakers, **BENCH_POLICY},
                           shm_mb=512, pkg_mb=256)
        started.append(k)
        mixers = _mixer_pids(k)
        if len(mixers) != 1:
            raise RuntimeError(f"expected one mixer process: {kamailio_processes(k)}")
        mixer = mixers[0]
        if mine:
            for pid in group_pids(k.process.pid):
                pin(pid, others)
            pin(engine.process.pid, others)
            pin(mixer, mine)
            os.sched_setaffinity(0, others)
        _log(ctx, f"mixer/{codec}: kamailio {k.process.pid}, mixer pid {mixer}"
                  f"{' on CPU ' + str(sorted(mine)) if mine else ''}")
        sip = SipClient(k.sip_port)
        dialogs = []
        for want in steps_wanted:
            jobs = []
            new_socks = []
            for i in range(len(parts.legs), want):
                s = parts.new_socket()
                new_socks.append(s)
                room = f"mix{codec}{i // size}"
                jobs.append((f"p{i}", f"sip:{room}@{CONF_DOMAIN}",
                             _audio_offer(codec, s.getsockname()[1])))
            try:
                ds = invite_all(sip, jobs, concurrency=4)
            except Exception as e:  # noqa: BLE001
                _log(ctx, f"mixer/{codec}: joining {want} failed: {e}")
                for s in new_socks:
                    s.close()
                break
            for s, d in zip(new_socks, ds):
                ip, port, pt = _answer_target(d.answer)
                if pt != CODECS[codec][0]:
                    raise RuntimeError(f"answered with payload type {pt}:\n{d.answer}")
                parts.legs.append((s, ip, port, pt))
            dialogs += ds
            offset = os.path.getsize(k.process.log_path)
            r = _feed(ctx, payloads, codec, parts.legs, float(_opt(ctx, "mixer_seconds")),
                      wd, f"ours-{codec}-{want}", others, mixer, engine.process.pid)
            r["late_lines"], r["late_ticks"], r["bind_errors"] = _late_lines(
                k.process.log_path, offset)
            r["loadavg"] = open("/proc/loadavg").read().split()[0]
            r.update({"server": "ours", "codec": codec, "max_speakers": max_speakers,
                      "participants": want,
                      "rooms": math.ceil(want / size)})
            r["sustained"] = _sustained(r)
            steps.append(r)
            _log(ctx, f"mixer/{codec} ours (max_speakers {max_speakers}) {want}: mixer {r['cpu_share'] * 100:.1f}% of a core, "
                      f"{r['recv_rate_per_stream']:.1f} pkt/s back per stream (min "
                      f"{r['min_stream_rate']:.1f}), late-tick lines {r['late_lines']}, "
                      f"feeder {r['feeder_cpu_share'] * 100:.0f}% (late {r['late_ms']:.0f} ms), "
                      f"rtpengine {r['rtpengine_cpu_share'] * 100:.0f}%")
            if not r["sustained"]:
                break
        # no BYEs: stopping kamailio ends every dialog
        sip.close()
    finally:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        parts.close()
        for p in reversed(started):
            p.stop()
        for b in blocks:
            release_block(*b)
    return steps


# ---- Janus AudioBridge ---------------------------------------------------------------------

class Janus:
    """janus with only the AudioBridge plugin and the HTTP transport, on
    free loopback ports, pinned (the whole process) to `cpus`."""

    def __init__(self, workdir, cpus=None):
        self.http_port = free_port()
        lo, hi = self.block = free_block(4200)
        cfg = os.path.join(workdir, "janus-cfg")
        plugins = os.path.join(workdir, "janus-plugins")
        transports = os.path.join(workdir, "janus-transports")
        for d in (cfg, plugins, transports):
            os.makedirs(d, exist_ok=True)
        for src, dst in ((f"{JANUS_LIB}/plugins/libjanus_audiobridge.so", plugins),
                         (f"{JANUS_LIB}/transports/libjanus_http.so", transports)):
            link = os.path.join(dst, os.path.basename(src))
            if not os.path.exists(link):
                os.symlink(src, link)
        with open(os.path.join(cfg, "janus.jcfg"), "w") as f:
            f.write(f"""general: {{
	configs_folder = "{cfg}"
	plugins_folder = "{plugins}"
	transports_folder = "{transports}"
	events_folder = "{workdir}/none"
	loggers_folder = "{workdir}/none"
	debug_level = 3
	session_timeout = 0
	server_name = "bench"
}}
media: {{
	rtp_port_range = "{lo}-{hi}"
}}
nat: {{
	ice_enforce_list = "lo"
}}
""")
        with open(os.path.join(cfg, "janus.plugin.audiobridge.jcfg"), "w") as f:
            f.write(f'general: {{\n\trtp_port_range = "{lo}-{hi}"\n\tlocal_ip = "127.0.0.1"\n}}\n')
        with open(os.path.join(cfg, "janus.transport.http.jcfg"), "w") as f:
            f.write(f"""general: {{
	base_path = "/janus"
	http = true
	port = {self.http_port}
	ip = "127.0.0.1"
	https = false
}}
admin: {{
	admin_base_path = "/admin"
	admin_http = false
}}
""")
        argv = [JANUS, "-C", os.path.join(cfg, "janus.jcfg"), "-F", cfg]
        if cpus:
            argv = ["taskset", "-c", ",".join(str(c) for c in sorted(cpus))] + argv
        self.process = Process("janus", argv, os.path.join(workdir, "janus.log"))
        self.url = f"http://127.0.0.1:{self.http_port}/janus"
        wait_until(self._up, 20, interval=0.2, what="janus HTTP API")
        self.session = self.post(self.url, {"janus": "create"})["data"]["id"]
        self.events = {}       # transaction -> event
        self._cond = threading.Condition()
        self._running = True
        self._poller = threading.Thread(target=self._poll, daemon=True)
        self._poller.start()

    @property
    def pid(self):
        # taskset execs janus: same pid
        return self.process.pid

    def _up(self):
        if not self.process.alive():
            raise RuntimeError("janus exited:\n" + self.process.log()[-3000:])
        try:
            with urllib.request.urlopen(f"{self.url}/info", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def post(self, url, body, timeout=10):
        body = dict(body, transaction=secrets.token_hex(6))
        req = urllib.request.Request(url, json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            out = json.loads(r.read())
        if out.get("janus") == "error":
            raise RuntimeError(f"janus error: {out}")
        out["_transaction"] = body["transaction"]
        return out

    def _poll(self):
        while self._running:
            try:
                with urllib.request.urlopen(f"{self.url}/{self.session}?maxev=50",
                                            timeout=35) as r:
                    data = json.loads(r.read())
            except Exception:  # noqa: BLE001 - janus going away mid-poll
                if not self._running:
                    return
                time.sleep(0.2)
                continue
            for ev in data if isinstance(data, list) else [data]:
                t = ev.get("transaction")
                if t:
                    with self._cond:
                        self.events[t] = ev
                        self._cond.notify_all()

    def attach(self):
        return self.post(f"{self.url}/{self.session}",
                         {"janus": "attach", "plugin": "janus.plugin.audiobridge"})["data"]["id"]

    def message(self, handle, body, wait_event=True, timeout=15):
        out = self.post(f"{self.url}/{self.session}/{handle}", {"janus": "message", "body": body})
        if out.get("janus") == "success" or not wait_event:
            return out
        t = out["_transaction"]
        deadline = time.monotonic() + timeout
        with self._cond:
            while t not in self.events:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"janus: no event for {body}")
                self._cond.wait(left)
            return self.events.pop(t)

    def stop(self):
        self._running = False
        self.process.stop()
        release_block(*self.block)


def _mixer_janus(ctx, codec, payloads, wd):
    steps_wanted = list(_opt(ctx, "mixer_steps")[codec])
    size = int(_opt(ctx, "mixer_room_size"))
    mine, others = _cpu_sets(ctx)
    steps = []
    parts = Participants()
    janus = None
    try:
        if mine:
            os.sched_setaffinity(0, others)
        janus = Janus(wd, mine)
        admin = janus.attach()
        pt, _, _, _, rate, jcodec = CODECS[codec]
        rooms = set()
        _log(ctx, f"mixer/{codec}: janus pid {janus.pid}"
                  f"{' on CPU ' + str(sorted(mine)) if mine else ''}")
        for want in steps_wanted:
            ok = True
            for i in range(len(parts.legs), want):
                room = 1000 + i // size
                if room not in rooms:
                    r = janus.message(admin, {"request": "create", "room": room,
                                              "sampling_rate": 48000 if codec == "opus" else 8000,
                                              "audiolevel_event": False, "record": False,
                                              "allow_rtp_participants": True})
                    data = r["plugindata"]["data"]
                    if data.get("audiobridge") != "created":
                        raise RuntimeError(f"janus create room: {data}")
                    rooms.add(room)
                s = parts.new_socket()
                h = janus.attach()
                ev = janus.message(h, {"request": "join", "room": room, "display": f"p{i}",
                                       "codec": jcodec, "muted": False,
                                       "rtp": {"ip": "127.0.0.1", "port": s.getsockname()[1],
                                               "payload_type": pt}})
                data = ev.get("plugindata", {}).get("data", {})
                rtp = data.get("rtp")
                if data.get("audiobridge") != "joined" or not rtp:
                    _log(ctx, f"mixer/{codec}: janus join {i} failed: {ev}")
                    s.close()
                    ok = False
                    break
                parts.legs.append((s, rtp.get("ip", "127.0.0.1"), int(rtp["port"]),
                                   int(rtp.get("payload_type", pt))))
            if not ok:
                break
            r = _feed(ctx, payloads, codec, parts.legs, float(_opt(ctx, "mixer_seconds")),
                      wd, f"janus-{codec}-{want}", others, janus.pid)
            r.update({"server": "janus", "codec": codec, "participants": want,
                      "rooms": math.ceil(want / size), "late_lines": 0, "late_ticks": 0,
                      "bind_errors": 0,
                      "loadavg": open("/proc/loadavg").read().split()[0]})
            r["sustained"] = _sustained(r)
            steps.append(r)
            _log(ctx, f"mixer/{codec} janus {want}: janus {r['cpu_share'] * 100:.1f}% of a core, "
                      f"{r['recv_rate_per_stream']:.1f} pkt/s back per stream (min "
                      f"{r['min_stream_rate']:.1f}), feeder {r['feeder_cpu_share'] * 100:.0f}%")
            if not r["sustained"]:
                break
    finally:
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        parts.close()
        if janus:
            janus.stop()
    return steps


def _summary(steps):
    """(largest sustained count, CPU share per participant at it, estimate
    of the count one core carries at SATURATED) of a server's steps."""
    ok = [s for s in steps if s["sustained"]]
    if not ok:
        return None, None, None
    best = max(ok, key=lambda s: s["participants"])
    per = best["cpu_share"] / best["participants"]
    return best["participants"], per, (SATURATED / per if per > 0 else None)


def run_mixer(ctx=None):
    """Run 6. Returns rows; raw steps in ctx.raw['mixer']."""
    title = "Mixer capacity, rooms of 10"
    if not os.access(RTPFEED, os.X_OK):
        _log(ctx, f"{RTPFEED} missing: run 'make bench-tools'")
        return [_row(f"{title}: participants one core sustains", None, None, "participants",
                     "higher", fmt_int, "not available: rtpfeed not built")]
    all_steps = []
    rows = []
    with_janus = _opt(ctx, "mixer_janus") and os.access(JANUS, os.X_OK)
    for codec in _opt(ctx, "mixer_codecs"):
        wd = _workdir(ctx, f"mixer-{codec}")
        payloads = os.path.join(wd, f"{codec}.frames")
        nframes = make_payloads(codec, payloads)
        _log(ctx, f"mixer/{codec}: {nframes} pre-encoded 20 ms frames")
        # ours twice: as configured by default (the loudest few mixed, the
        # rest sharing one encoding) and mixing everyone, AudioBridge's way
        ours = _mixer_ours(ctx, codec, payloads, os.path.join(wd, "default"),
                           MAX_SPEAKERS_DEFAULT)
        ours_all = _mixer_ours(ctx, codec, payloads, os.path.join(wd, "everyone"), 0)
        peer = []
        if with_janus:
            jwd = os.path.join(wd, "janus")
            os.makedirs(jwd, exist_ok=True)
            try:
                peer = _mixer_janus(ctx, codec, payloads, jwd)
            except Exception as e:  # noqa: BLE001 - the peer's failure is reported, not fatal
                _log(ctx, f"mixer/{codec}: janus run failed: {e}")
        all_steps += ours + ours_all + peer
        p_n, p_per, p_est = _summary(peer) if peer else (None, None, None)
        name = "Opus 48 kHz 20 ms" if codec == "opus" else "G.711 (PCMU) 20 ms"
        peer_note = "" if with_janus else "; Janus not installed"
        for steps, how in ((ours, f"the {MAX_SPEAKERS_DEFAULT} loudest mixed (default)"),
                           (ours_all, "everyone mixed (max_speakers 0)")):
            o_n, o_per, o_est = _summary(steps)
            last_o = steps[-1] if steps else None
            limit = ("no limit reached: largest step offered"
                     if last_o and last_o["sustained"] else
                     f"stopped at {last_o['participants']}: late-tick lines "
                     f"{last_o['late_lines']}, mixer {last_o['cpu_share'] * 100:.0f}% of a core, "
                     f"{last_o['recv_rate_per_stream']:.1f} pkt/s back" if last_o else "no step")
            rows.append(_row(f"{title}, {name}, {how}: largest participant count measured "
                             "with no late ticks on one core", o_n, p_n, "participants",
                             "higher", fmt_int, f"ours {limit}{peer_note}"))
            rows.append(_row(f"{title}, {name}, {how}: CPU per participant",
                             o_per * 100 if o_per else None, p_per * 100 if p_per else None,
                             "% of a core", "lower", fmt_pct,
                             "mixer process (ours) / whole janus process, at the largest "
                             "sustained step; AudioBridge mixes everyone"))
            rows.append(_row(f"{title}, {name}, {how}: participants per core, estimated "
                             f"({SATURATED:.0%} of a core / CPU per participant)",
                             o_est, p_est, "participants", "higher", fmt_int,
                             "extrapolated from the largest sustained step"))
    _raw(ctx, "mixer", all_steps)
    return rows


# ---- main ---------------------------------------------------------------------------------

def print_rows(rows):
    w = max(len(r["figure"]) for r in rows)
    print(f"{'figure':<{w}}  {'ours':>22}  {'peer':>22}  {'ratio':>7}")
    for r in rows:
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] else "-"
        peer = r["fmt"](r["peer"]) if r["peer"] is not None else "-"
        print(f"{r['figure']:<{w}}  {r['fmt'](r['ours']):>22}  {peer:>22}  {ratio:>7}")
        if r.get("note"):
            print(f"{'':<4}{r['note']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=("msrp", "mixer"))
    ap.add_argument("--codecs", default="opus,pcmu")
    ap.add_argument("--no-janus", action="store_true")
    ap.add_argument("--no-pin", action="store_true")
    ap.add_argument("--seconds", type=float, default=None, help="measured window per step")
    ap.add_argument("--max-participants", type=int, default=None)
    ap.add_argument("--senders", default=None, help="MSRP sender counts, e.g. 1,5,10")
    args = ap.parse_args()

    ctx = Ctx()
    ctx.workdir = tempfile.mkdtemp(prefix="sylk-bench-media-")
    ctx.raw = {}
    ctx.mixer_codecs = tuple(args.codecs.split(","))
    ctx.mixer_janus = not args.no_janus
    ctx.pin = not args.no_pin
    if args.seconds:
        ctx.msrp_seconds = ctx.mixer_seconds = args.seconds
    if args.senders:
        ctx.msrp_senders = tuple(int(x) for x in args.senders.split(","))
    if args.max_participants:
        ctx.mixer_steps = {c: tuple(n for n in s if n <= args.max_participants)
                           for c, s in Ctx.mixer_steps.items()}
    _log(ctx, f"logs in {ctx.workdir}")
    rows = []
    if args.only in (None, "msrp"):
        rows += run_msrp_fanout(ctx)
    if args.only in (None, "mixer"):
        rows += run_mixer(ctx)
    print()
    print_rows(rows)
    print()
    for key, steps in ctx.raw.items():
        print(f"{key}:")
        for s in steps:
            print("  " + " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                  for k, v in s.items()))


if __name__ == "__main__":
    main()
