# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 21's benchmark for run_bench.py (`--runs cluster`): one node
against three nodes on this machine (docs/CLUSTER.md; the same cores, so
the figures show the cost of sharing, not more hardware).

- SIP registrations per second: SIPp, REGISTER with digest auth (401,
  REGISTER with credentials, 200) of generated subscribers of the shared
  PostgreSQL, from three SIPp processes, one per node (all three to the one
  node of the one-node cluster); stepped offered rates, open loop.
- call setups per second: INVITE (407, INVITE with credentials) -> 200 ->
  ACK -> BYE, no SDP, from generated subscribers to SIPp UAS phones
  registered on the *next* node (caller on node i, callee registered on
  node i+1), stepped as the registrations.
- convergence: a REGISTER on node A, node B probed with OPTIONS for the
  user every millisecond (from another domain, so unauthenticated: B's
  lookup("location") either answers 404 or relays the OPTIONS to the
  Contact, which is what a caller on B sees) until the Contact is reached;
  p50/p99 over --cl-convergence registrations.

Server CPU: every kamailio and rtpengine process of every node (process
groups, /proc) and PostgreSQL apart, between the start and the end of each
step's SIPp processes; the SIPp processes (the generator) apart.
run_cluster(ctx) returns {"rows", "convergence", "summary", "notes", ...};
markdown() is the section of docs/BENCHMARKS.md titled SECTION (run_bench.py
splices it in), csv_rows() the rows of docs/bench/cluster.csv."""

import hashlib
import os
import random
import re
import resource
import select
import shutil
import signal
import socket
import subprocess
import time

import bench_gateway
from bench_gateway import cpu_seconds
from sylktest import server as sylkserver
from sylktest.cluster import Postgres, start_nodes
from sylktest.processes import Process, free_port, wait_until
from sylktest.server import SIP_DOMAIN, TOP

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(HERE, "scenarios")
SECTION = "## Cluster (issue 21)"
USER_PREFIX = "cl"           # registering users and callers: cl00000..
CALLEE_PREFIX = "clcallee"   # the SIPp UAS phones, one per generator
CONV_PREFIX = "clconv"       # the convergence samples' users
PASSWORD = bench_gateway.BENCH_PASSWORD
GENERATORS = 3               # SIPp UAC processes (and UAS phones), in both topologies
KEPT_UP = 0.95               # a step keeps up when it completes this share in time


# ---- the nodes ---------------------------------------------------------------------------

class _NodeProcess(Process):
    """The harness's Process with more shm for kamailio (-m) and, when
    given, another kamailio.cfg (-f): the run's snapshot of the config, so
    that edits to the working tree during the run reach no node."""
    shm_mb = None
    config = None

    def __init__(self, name, argv, log_path, **kw):
        argv = list(argv)
        if name == "kamailio":
            if self.shm_mb and "-m" in argv:
                argv[argv.index("-m") + 1] = str(self.shm_mb)
            if self.config and "-f" in argv:
                argv[argv.index("-f") + 1] = self.config
        super().__init__(name, argv, log_path, **kw)


def start_topology(ctx, top, db, count, defines, shm_mb, config):
    """`count` nodes on `db` (sylktest.cluster.start_nodes), each kamailio
    with `shm_mb` of shm and the `config` snapshot."""
    _NodeProcess.shm_mb, _NodeProcess.config = shm_mb, config
    saved = sylkserver.Process
    sylkserver.Process = _NodeProcess
    try:
        nodes = start_nodes(top, db, count, defines)
    finally:
        sylkserver.Process = saved
    ctx.started.extend(nodes)
    return nodes


def add_subscribers(db, users):
    """Rows of the shared subscriber table (auth_db of every node reads it)."""
    values = []
    for u in users:
        ha1 = hashlib.md5(f"{u}:{SIP_DOMAIN}:{PASSWORD}".encode()).hexdigest()
        ha1b = hashlib.md5(f"{u}@{SIP_DOMAIN}:{SIP_DOMAIN}:{PASSWORD}".encode()).hexdigest()
        values.append(f"('{u}', '{SIP_DOMAIN}', '{ha1}', '{ha1b}')")
    for i in range(0, len(values), 1000):
        db.sql("INSERT INTO subscriber (username, domain, ha1, ha1b) VALUES "
               + ", ".join(values[i:i + 1000]) + " ON CONFLICT DO NOTHING")


def write_injection(path, users):
    with open(path, "w") as f:
        f.write("SEQUENTIAL\n")
        for u in users:
            f.write(f"{u};[authentication username={u} password={PASSWORD}]\n")


def postgres_cpu(db):
    """CPU of the database's postmaster and its children: each backend makes
    itself a session leader (setsid), so they share no process group."""
    with open(os.path.join(db.data, "postmaster.pid")) as f:
        pm = int(f.readline())
    return bench_gateway.cpu_seconds(pids=[pm], parents=[pm])


def server_meters(nodes, db):
    """{label: () -> CPU seconds so far} of every server process."""
    g = {}
    for i, n in enumerate(nodes):
        g[f"kamailio{i + 1}"] = lambda p=n.kamailio.process.pid: cpu_seconds(pgids=[p])
        g[f"rtpengine{i + 1}"] = lambda p=n.rtpengine.process.pid: cpu_seconds(pgids=[p])
    g["postgres"] = lambda: postgres_cpu(db)
    return g


# ---- SIPp steps --------------------------------------------------------------------------

def _sipp_numbers(text):
    def last(label):
        m = re.findall(rf"{label}\s*\|\s*\d+\s*\|\s*(\d+)", text)
        return int(m[-1]) if m else None
    # the last scenario screen: Messages Retrans Timeout Unexpected-Msg per line
    screen = text[text.rfind("Messages  Retrans"):]
    retrans = unexpected = 0
    for line in screen.splitlines()[1:]:
        if "---------" not in line:
            if line.strip().startswith("----"):
                break
            continue
        nums = [int(x) for x in line.split("-", 1)[1].split() if x.isdigit()]
        if len(nums) >= 2:
            retrans += nums[1]
        if "<---" in line and len(nums) >= 4:
            unexpected += nums[3]
    return {"successful": last("Successful call"), "failed": last("Failed call"),
            "retransmissions": retrans, "unexpected": unexpected}


def _rtts(folder):
    """Response time 1 of every call (ms) from SIPp's -trace_rtt files."""
    out = []
    for name in os.listdir(folder):
        if not name.endswith("_rtt.csv"):
            continue
        with open(os.path.join(folder, name)) as f:
            for line in f:
                parts = line.strip().split(";")
                if len(parts) >= 3 and parts[-1] == "1":
                    try:
                        out.append(float(parts[-2]))
                    except ValueError:
                        pass
    return out


def _pct(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def sipp_step(ctx, name, scenario, targets, rate, seconds, groups, extra_per):
    """GENERATORS SIPp UACs at once, each at rate/GENERATORS per second for
    `seconds`, generator i to targets[i] with extra_per[i] (its injection
    file, callee); returns the step's figures with the CPU of each process
    group in `groups` over it."""
    per = rate / GENERATORS
    calls = max(1, int(round(per * seconds)))
    folder = os.path.join(ctx.workdir, "cluster", name)
    os.makedirs(folder, exist_ok=True)
    procs = []
    load = ctx.loadavg()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu0 = {k: m() for k, m in groups.items()}
    t0 = time.monotonic()
    for i, target in enumerate(targets):
        argv = ["/usr/bin/sipp", "-sf", os.path.join(SCENARIOS, scenario),
                "-i", "127.0.0.1", "-p", str(free_port()), "-m", str(calls),
                "-r", f"{per:g}", "-l", str(max(int(per * 5), 50)), "-nostdin",
                "-recv_timeout", "8000", "-timeout", str(int(seconds) + 40), "-timeout_error",
                "-key", "domain", SIP_DOMAIN, "-trace_rtt", "-rtt_freq", "20",
                *extra_per[i], f"127.0.0.1:{target}"]
        out = open(os.path.join(folder, f"sipp{i}.stdout"), "w")
        procs.append((subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                       cwd=folder, start_new_session=True), out))
    walls = []
    for p, out in procs:
        try:
            p.wait(timeout=seconds + 120)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        walls.append(time.monotonic() - t0)
        out.close()
    cpu = {k: m() - cpu0[k] for k, m in groups.items()}
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    gen_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    ok = failed = retrans = unexpected = 0
    for i, (p, _) in enumerate(procs):
        text = open(os.path.join(folder, f"sipp{i}.stdout"), errors="replace").read()
        n = _sipp_numbers(text)
        s = n["successful"] if n["successful"] is not None else (calls if p.returncode == 0 else 0)
        f = n["failed"] if n["failed"] is not None else (0 if p.returncode == 0 else calls - s)
        ok, failed, retrans = ok + s, failed + f, retrans + n["retransmissions"]
        unexpected += n["unexpected"]
    wall = max(walls)
    rtts = _rtts(folder)
    return {"offered_rate": rate, "seconds": seconds, "attempted": calls * GENERATORS,
            "successful": ok, "failed": failed, "retransmissions": retrans,
            "unexpected": unexpected, "wall_s": wall, "rate": ok / wall if wall > 0 else 0.0,
            "p50_ms": _pct(rtts, 0.5), "p99_ms": _pct(rtts, 0.99), "cpu": cpu,
            "cpu_generator": gen_cpu, "loadavg_before": load}


def _row(topology, kind, r, item):
    kam = sum(v for k, v in r["cpu"].items() if k.startswith("kamailio"))
    rtp = sum(v for k, v in r["cpu"].items() if k.startswith("rtpengine"))
    pg = r["cpu"].get("postgres", 0.0)
    ok = r["successful"]
    wall = r["wall_s"]
    row = {"topology": topology, "kind": kind, "offered_rate": r["offered_rate"],
           "attempted": r["attempted"], "successful": ok, "failed": r["failed"],
           "retransmissions": r["retransmissions"], "unexpected": r["unexpected"],
           "wall_s": round(wall, 3),
           "rate": r["rate"], "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
           "kamailio_cpu_s": kam, "rtpengine_cpu_s": rtp, "postgres_cpu_s": pg,
           f"server_cpu_ms_per_{item}": 1000 * (kam + rtp) / ok if ok else 0.0,
           f"postgres_cpu_ms_per_{item}": 1000 * pg / ok if ok else 0.0,
           "server_cores_busy": (kam + rtp) / wall if wall else 0.0,
           "postgres_cores_busy": pg / wall if wall else 0.0,
           "generator_cores_busy": r["cpu_generator"] / wall if wall else 0.0}
    for k, v in sorted(r["cpu"].items()):
        if k.startswith("kamailio"):
            row[f"cpu_{k}_s"] = v
    row["kept_up"] = (r["failed"] == 0 and ok >= r["attempted"]
                      and wall <= r["seconds"] / KEPT_UP + 0.5)
    row["loadavg_before"] = r["loadavg_before"]
    return row


def _log_row(ctx, row, item):
    ctx.log(f"  {row['topology']} {row['kind']} offered {row['offered_rate']}/s: "
            f"{row['rate']:,.0f}/s, {row['successful']} ok {row['failed']} failed "
            f"({row['retransmissions']} retransmissions) in {row['wall_s']:.1f} s, "
            f"p50 {row['p50_ms']:.1f} ms p99 {row['p99_ms']:.1f} ms, server "
            f"{row[f'server_cpu_ms_per_{item}']:.3f} ms/{item} "
            f"({row['server_cores_busy']:.2f} cores), postgres "
            f"{row['postgres_cores_busy']:.2f}, generator {row['generator_cores_busy']:.2f}; "
            f"load {row['loadavg_before']}")


# ---- convergence ---------------------------------------------------------------------------

def _digest(user, method, uri, challenge):
    realm = re.search(r'realm="([^"]*)"', challenge).group(1)
    nonce = re.search(r'nonce="([^"]*)"', challenge).group(1)
    qop = re.search(r'qop="?([^",]*)', challenge)
    ha1 = hashlib.md5(f"{user}:{realm}:{PASSWORD}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    if qop:
        cnonce = "%08x" % random.getrandbits(32)
        resp = hashlib.md5(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}".encode()).hexdigest()
        return (f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
                f'response="{resp}", algorithm=MD5, qop=auth, nc=00000001, '
                f'cnonce="{cnonce}"')
    resp = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
    return (f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
            f'response="{resp}", algorithm=MD5')


def _hdr(msg, name):
    m = re.search(rf"^{name}:\s*(.*?)\r?$", msg, re.M | re.I)
    return m.group(1) if m else ""


class Prober:
    """A phone (one UDP socket: its REGISTERs and its Contact) and a caller
    on another node (another socket: the OPTIONS probes)."""

    def __init__(self, interval):
        self.interval = interval
        self.phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.phone.bind(("127.0.0.1", 0))
        self.pport = self.phone.getsockname()[1]
        self.probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.probe.bind(("127.0.0.1", 0))
        self.qport = self.probe.getsockname()[1]
        self.seq = 0

    def close(self):
        self.phone.close()
        self.probe.close()

    def _register(self, user, port, auth=None, cseq=1):
        self.seq += 1
        lines = [f"REGISTER sip:{SIP_DOMAIN} SIP/2.0",
                 f"Via: SIP/2.0/UDP 127.0.0.1:{self.pport};rport;branch=z9hG4bKr{self.seq}x"
                 f"{random.getrandbits(32):x}",
                 f"From: <sip:{user}@{SIP_DOMAIN}>;tag=r{self.seq}",
                 f"To: <sip:{user}@{SIP_DOMAIN}>",
                 f"Call-ID: reg-{user}-{id(self)}", f"CSeq: {cseq} REGISTER",
                 f"Contact: <sip:{user}@127.0.0.1:{self.pport}>",
                 "Max-Forwards: 70", "Expires: 60"]
        if auth:
            lines.append(f"Authorization: {auth}")
        lines += ["Content-Length: 0", "", ""]
        self.phone.sendto("\r\n".join(lines).encode(), ("127.0.0.1", port))

    def _options(self, user, port):
        self.seq += 1
        cid = f"probe-{self.seq}"
        msg = "\r\n".join([
            f"OPTIONS sip:{user}@{SIP_DOMAIN} SIP/2.0",
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.qport};rport;branch=z9hG4bKp{self.seq}",
            f"From: <sip:prober@example.net>;tag=p{self.seq}",
            f"To: <sip:{user}@{SIP_DOMAIN}>", f"Call-ID: {cid}", "CSeq: 1 OPTIONS",
            "Max-Forwards: 70", "Content-Length: 0", "", ""])
        self.probe.sendto(msg.encode(), ("127.0.0.1", port))
        return cid

    def _answer(self, data, addr):
        """200 to a request that reached the phone (the relayed probe)."""
        msg = data.decode(errors="replace")
        vias = re.findall(r"^Via:.*?\r?$", msg, re.M | re.I)
        reply = ["SIP/2.0 200 OK", *[v.rstrip("\r") for v in vias],
                 f"From: {_hdr(msg, 'From')}", f"To: {_hdr(msg, 'To')};tag=ph",
                 f"Call-ID: {_hdr(msg, 'Call-ID')}", f"CSeq: {_hdr(msg, 'CSeq')}",
                 "Content-Length: 0", "", ""]
        self.phone.sendto("\r\n".join(reply).encode(), addr)

    def _recv(self, sock):
        try:
            return sock.recvfrom(65535)
        except BlockingIOError:
            return None, None

    def sample(self, user, a_port, b_port, timeout=5.0):
        """REGISTER user on A (challenge answered first, not timed); from
        the authenticated REGISTER on, B probed every `interval` s until a
        probe reaches the phone. Returns (register -> 200 at the phone,
        register -> first probe that reached it, 200 -> that probe), s;
        None if it never did within `timeout`."""
        self.phone.setblocking(True)
        self.phone.settimeout(2.0)
        self._register(user, a_port)
        challenge = None
        while challenge is None:
            data, _ = self.phone.recvfrom(65535)
            msg = data.decode(errors="replace")
            if msg.startswith("SIP/2.0 401"):
                challenge = _hdr(msg, "WWW-Authenticate")
        auth = _digest(user, "REGISTER", f"sip:{SIP_DOMAIN}", challenge)
        self.phone.setblocking(False)
        self.probe.setblocking(False)
        sent = {}
        t_reg = time.perf_counter()
        self._register(user, a_port, auth, cseq=2)
        t_ok = t_seen = None
        nxt = t_reg
        deadline = t_reg + timeout
        while time.perf_counter() < deadline:
            now = time.perf_counter()
            if t_seen is None and now >= nxt:
                sent[self._options(user, b_port)] = now
                nxt = now + self.interval
            wait = max(0.0, nxt - time.perf_counter()) if t_seen is None else 0.05
            r, _, _ = select.select([self.phone, self.probe], [], [], wait)
            if self.phone in r:
                while True:
                    data, addr = self._recv(self.phone)
                    if data is None:
                        break
                    msg = data.decode(errors="replace")
                    if msg.startswith("SIP/2.0 200") and "REGISTER" in _hdr(msg, "CSeq"):
                        t_ok = t_ok or time.perf_counter()
                    elif msg.startswith("SIP/2.0 "):
                        if not msg.startswith(("SIP/2.0 1", "SIP/2.0 200")):
                            raise RuntimeError("REGISTER refused: " + msg.split("\r\n")[0])
                    elif msg.startswith("OPTIONS "):
                        cid = _hdr(msg, "Call-ID")
                        if cid in sent:
                            t = sent[cid]
                            t_seen = t if t_seen is None else min(t_seen, t)
                        self._answer(data, addr)
            if self.probe in r:
                while self._recv(self.probe)[0] is not None:
                    pass   # 404s, and the 200s of the probes that got through
            if t_ok is not None and t_seen is not None:
                # late replies to the last probes, then the next sample
                end = time.perf_counter() + 0.02
                while time.perf_counter() < end:
                    r, _, _ = select.select([self.phone, self.probe], [], [], 0.005)
                    if self.phone in r:
                        data, addr = self._recv(self.phone)
                        if data and data.startswith(b"OPTIONS "):
                            self._answer(data, addr)
                    if self.probe in r:
                        self._recv(self.probe)
                return t_ok - t_reg, t_seen - t_reg, t_seen - t_ok, len(sent)
        return None


def convergence(ctx, nodes, count, interval, label):
    """`count` samples, A and B rotating over the nodes' pairs (A = B on a
    single node: the method's own floor)."""
    pr = Prober(interval)
    out = {"label": label, "samples": [], "missed": 0, "probes": 0}
    try:
        for i in range(count):
            a = nodes[i % len(nodes)]
            b = nodes[(i + 1) % len(nodes)]
            user = f"{CONV_PREFIX}{i:04d}"
            s = pr.sample(user, a.sip_port, b.sip_port)
            if s is None:
                out["missed"] += 1
            else:
                out["samples"].append(s)
                out["probes"] += s[3]
            time.sleep(0.01)
    finally:
        pr.close()
    return out


def background_registrations(ctx, nodes, rate, injections, name):
    """Registrations at `rate` per second in all, spread over the nodes as in
    the steps, running until stop_background()."""
    per = rate / GENERATORS
    folder = os.path.join(ctx.workdir, "cluster", name)
    os.makedirs(folder, exist_ok=True)
    procs = []
    for i in range(GENERATORS):
        argv = ["/usr/bin/sipp", "-sf", os.path.join(SCENARIOS, "cluster_register.xml"),
                "-i", "127.0.0.1", "-p", str(free_port()), "-m", str(int(per * 300)),
                "-r", f"{per:g}", "-l", str(max(int(per * 5), 50)), "-nostdin",
                "-recv_timeout", "8000", "-key", "domain", SIP_DOMAIN,
                "-inf", injections[i], f"127.0.0.1:{nodes[i % len(nodes)].sip_port}"]
        out = open(os.path.join(folder, f"sipp{i}.stdout"), "w")
        procs.append((subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=folder,
                                       start_new_session=True), out))
    time.sleep(1.5)
    for p, _ in procs:
        if p.poll() is not None:
            raise RuntimeError(f"background SIPp exited: see {folder}")
    return procs


def stop_background(procs):
    for p, out in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        out.close()


def _conv_row(topology, c, load):
    reg = [s[0] * 1000 for s in c["samples"]]
    seen = [s[1] * 1000 for s in c["samples"]]
    after = [s[2] * 1000 for s in c["samples"]]
    return {"topology": topology, "kind": "convergence", "what": c["label"],
            "samples": len(c["samples"]), "missed": c["missed"],
            "register_p50_ms": _pct(reg, 0.5), "register_p99_ms": _pct(reg, 0.99),
            "visible_after_register_p50_ms": _pct(seen, 0.5),
            "visible_after_register_p99_ms": _pct(seen, 0.99),
            "visible_after_200_p50_ms": _pct(after, 0.5),
            "visible_after_200_p99_ms": _pct(after, 0.99),
            "visible_after_200_max_ms": max(after) if after else float("nan"),
            "visible_before_200": sum(1 for v in after if v < 0),
            "probes_per_sample": c["probes"] / len(c["samples"]) if c["samples"] else 0,
            "loadavg_before": load}


def _log_conv(ctx, r):
    ctx.log(f"  visible after the 200: p50 {r['visible_after_200_p50_ms']:.2f} ms "
            f"p99 {r['visible_after_200_p99_ms']:.2f} ms (after the REGISTER: p50 "
            f"{r['visible_after_register_p50_ms']:.2f} p99 "
            f"{r['visible_after_register_p99_ms']:.2f}), missed {r['missed']}")


# ---- the run -----------------------------------------------------------------------------

def _steps(ctx, topology, nodes, kind, rates, seconds, groups, extra_for, scenario, item,
           before_step=None):
    rows = []
    n = len(nodes)
    targets = [nodes[i % n].sip_port for i in range(GENERATORS)]
    for rate in rates:
        if before_step:
            before_step()
        time.sleep(1.0)
        ctx.log(f"cluster: {topology} {kind} {rate}/s for {seconds:g} s")
        r = sipp_step(ctx, f"{topology}-{kind}-{rate}", scenario, targets, rate, seconds,
                      groups, extra_for)
        row = _row(topology, kind, r, item)
        _log_row(ctx, row, item)
        rows.append(row)
        if not row["kept_up"] and row["rate"] < KEPT_UP * rate * 0.9:
            break
    return rows


def run_cluster(ctx):
    a = ctx.args
    t_start = time.monotonic()
    wd = os.path.join(ctx.workdir, "cluster")
    os.makedirs(wd, exist_ok=True)
    # every node of both topologies runs the same config: a snapshot of the
    # working tree's (others may edit it during the run), or --config
    config = a.config and os.path.abspath(a.config)
    if not config:
        config = os.path.join(wd, "kamailio.cfg")
        shutil.copy(os.path.join(TOP, "kamailio-cfg", "kamailio.cfg"), config)
    users = [f"{USER_PREFIX}{i:05d}" for i in range(a.cl_users)]
    callees = [f"{CALLEE_PREFIX}{i}" for i in range(GENERATORS)]
    conv = [f"{CONV_PREFIX}{i:04d}" for i in range(a.cl_convergence)]
    injections = []
    share = len(users) // GENERATORS
    for i in range(GENERATORS):
        path = os.path.join(wd, f"users{i}.csv")
        write_injection(path, users[i * share:(i + 1) * share])
        injections.append(path)
    # and the project's modules as built when the run started (a rebuild of
    # build/modules/ by someone else must not reach a node starting later)
    mods = os.path.join(wd, "modules")
    os.makedirs(mods, exist_ok=True)
    for name in os.listdir(os.path.join(sylkserver.BUILD, "modules")):
        if name.endswith(".so"):
            shutil.copy(os.path.join(sylkserver.BUILD, "modules", name), mods)
    defines = {"PIKE_DENSITY": 65535, "WORKERS": a.workers, "LOG_LEVEL": 1,
               "MODULE_PATH": f'"{sylkserver.DEBIAN_MODULES}:{mods}/"'}
    db = Postgres(wd)
    ctx.started.append(db)
    add_subscribers(db, users + callees + conv)
    phones = [bench_gateway.sipp_uas(ctx, f"cluster-callee{i}", "cluster_uas.xml")
              for i in range(GENERATORS)]
    rows, conv_rows, topo = [], [], {}
    conv_load = a.cl_conv_load
    for count in (1, 3):
        label = "one node" if count == 1 else "three nodes"
        ctx.log(f"cluster: starting {label}, load average {ctx.loadavg()}")
        nodes = start_topology(ctx, os.path.join(wd, f"nodes{count}"), db, count, defines,
                               a.cl_shm_mb, config)
        topo[label] = {"nodes": count,
                       "kamailio_processes": sum(len(bench_gateway.group_pids(
                           n.kamailio.process.pid)) for n in nodes)}
        groups = server_meters(nodes, db)
        try:
            # warm-up: auth_db's connections, tm, the location table
            sipp_step(ctx, f"{count}-warm-reg", "cluster_register.xml",
                      [nodes[i % count].sip_port for i in range(GENERATORS)], 150, 2,
                      groups, [["-inf", p] for p in injections])
            rows += _steps(ctx, label, nodes, "registrations", a.cl_reg_rates, a.cl_seconds,
                           groups, [["-inf", p] for p in injections], "cluster_register.xml",
                           "registration")

            def register_callees():
                # callee i on node i+1: generator i (on node i) calls across
                for i, ph in enumerate(phones):
                    node = nodes[(i + 1) % count]
                    bench_gateway.register_phone(ctx, node, callees[i], PASSWORD, ph.port)
                for i in range(GENERATORS):
                    for n in nodes:
                        wait_until(lambda n=n, i=i: callees[i] in n.kamcmd_result(
                            "ul.lookup", "location", f"{callees[i]}@{SIP_DOMAIN}").stdout,
                            5, interval=0.05, what="callee registered everywhere")

            call_extra = [["-inf", injections[i], "-s", callees[i]] for i in range(GENERATORS)]
            register_callees()
            sipp_step(ctx, f"{count}-warm-call", "cluster_call_uac.xml",
                      [nodes[i % count].sip_port for i in range(GENERATORS)], 60, 2,
                      groups, call_extra)
            rows += _steps(ctx, label, nodes, "calls", a.cl_call_rates, a.cl_seconds, groups,
                           call_extra, "cluster_call_uac.xml", "call",
                           before_step=register_callees)
            time.sleep(2.0)
            what = ("same node (A = B): the method's floor" if count == 1
                    else "register on node A, visible to a caller on node B")
            load = ctx.loadavg()
            ctx.log(f"cluster: {label} convergence, {a.cl_convergence} registrations, "
                    f"load {load}")
            c = convergence(ctx, nodes, a.cl_convergence, a.cl_probe_interval / 1000.0, what)
            conv_rows.append(_conv_row(label, c, load))
            _log_conv(ctx, conv_rows[-1])
            if not conv_load:
                # half what one node kept up with, the same for both topologies
                b = _best(rows, "one node", "registrations")
                conv_load = int(b["offered_rate"] / 2 // GENERATORS * GENERATORS) if b else 0
            if conv_load:
                bg = background_registrations(ctx, nodes, conv_load,
                                              injections, f"{count}-conv-load")
                try:
                    load = ctx.loadavg()
                    ctx.log(f"cluster: {label} convergence under {conv_load} registrations/s, "
                            f"load {load}")
                    c = convergence(ctx, nodes, a.cl_convergence,
                                    a.cl_probe_interval / 1000.0,
                                    what + f", under {conv_load} other registrations/s")
                finally:
                    stop_background(bg)
                conv_rows.append(_conv_row(label, c, load))
                conv_rows[-1]["background_rate"] = conv_load
                _log_conv(ctx, conv_rows[-1])
        finally:
            for n in nodes:
                n.stop()
    for ph in phones:
        ph.stop()
    db.stop()
    res = {"rows": rows, "convergence": conv_rows, "topologies": topo,
           "users": len(users), "minutes": (time.monotonic() - t_start) / 60,
           "probe_interval_ms": a.cl_probe_interval, "workers": a.workers}
    res["summary"] = summary(res)
    res["notes"] = notes(res)
    return res


# ---- report ------------------------------------------------------------------------------

def _best(rows, topology, kind):
    ok = [r for r in rows if r["topology"] == topology and r["kind"] == kind and r["kept_up"]]
    return max(ok, key=lambda r: r["rate"]) if ok else None


def _top(rows, topology, kind):
    steps = [r for r in rows if r["topology"] == topology and r["kind"] == kind]
    return max(steps, key=lambda r: r["rate"]) if steps else None


def _conv(res, topology, loaded=False):
    return next((c for c in res["convergence"] if c["topology"] == topology
                 and bool(c.get("background_rate")) == loaded), None)


def summary(res):
    rows = res["rows"]
    out = []

    def add(figure, one, three, unit, ratio=True):
        r = (three / one if ratio and isinstance(one, (int, float)) and
             isinstance(three, (int, float)) and one else None)
        out.append({"figure": figure, "one": one, "three": three, "unit": unit, "ratio": r})

    for kind, item, label in (("registrations", "registration",
                               "SIP registrations per second (REGISTER, 401, REGISTER with "
                               "credentials, 200), highest step without errors that kept up"),
                              ("calls", "call",
                               "call setups per second (INVITE, 407, INVITE with credentials, "
                               "200, ACK, BYE; no SDP), highest step without errors that kept "
                               "up")):
        b1, b3 = _best(rows, "one node", kind), _best(rows, "three nodes", kind)
        v = lambda b, k: b[k] if b else None  # noqa: E731
        add(label, v(b1, "rate"), v(b3, "rate"), "per second")
        add(f"  server CPU per {item} at that step (all kamailio + rtpengine processes)",
            v(b1, f"server_cpu_ms_per_{item}"), v(b3, f"server_cpu_ms_per_{item}"), "ms")
        add(f"  PostgreSQL CPU per {item} at that step",
            v(b1, f"postgres_cpu_ms_per_{item}"), v(b3, f"postgres_cpu_ms_per_{item}"), "ms")
        add("  latency p50 / p99 at that step (first request -> 200)",
            f"{b1['p50_ms']:.1f} / {b1['p99_ms']:.1f}" if b1 else None,
            f"{b3['p50_ms']:.1f} / {b3['p99_ms']:.1f}" if b3 else None, "ms", ratio=False)
        t1, t3 = _top(rows, "one node", kind), _top(rows, "three nodes", kind)
        if (t1 and t1 is not b1) or (t3 and t3 is not b3):
            add("  most completed per second in any step (with errors or falling behind; "
                "- : the step above)", v(t1, "rate") if t1 is not b1 else None,
                v(t3, "rate") if t3 is not b3 else None, "per second", ratio=False)
        # the same offered rate on both: the highest step both kept up with
        both = [r["offered_rate"] for r in rows if r["topology"] == "one node"
                and r["kind"] == kind and r["kept_up"]]
        both = [x for x in both if any(r["offered_rate"] == x and r["kind"] == kind
                                       and r["topology"] == "three nodes" and r["kept_up"]
                                       for r in rows)]
        if both:
            x = max(both)
            c1, c3 = (next(r for r in rows if r["topology"] == t and r["kind"] == kind
                           and r["offered_rate"] == x) for t in ("one node", "three nodes"))
            add(f"  server CPU per {item} at the same offered rate, {x}/s (the highest step "
                "both kept up with)", c1[f"server_cpu_ms_per_{item}"],
                c3[f"server_cpu_ms_per_{item}"], "ms")
    for loaded in (False, True):
        c1, c3 = _conv(res, "one node", loaded), _conv(res, "three nodes", loaded)
        when = (f", under {c3.get('background_rate', 0)} other registrations/s"
                if loaded and c3 else ", no other load")
        if c3:
            add("registration convergence: 200 at the phone (node A) -> a caller on node B "
                f"reaches it{when}, p50 / p99",
                (f"{c1['visible_after_200_p50_ms']:.2f} / "
                 f"{c1['visible_after_200_p99_ms']:.2f} (A = B)") if c1 else None,
                f"{c3['visible_after_200_p50_ms']:.2f} / {c3['visible_after_200_p99_ms']:.2f}",
                "ms", ratio=False)
            add(f"  REGISTER sent -> a caller on node B reaches it{when}, p50 / p99",
                (f"{c1['visible_after_register_p50_ms']:.2f} / "
                 f"{c1['visible_after_register_p99_ms']:.2f} (A = B)") if c1 else None,
                f"{c3['visible_after_register_p50_ms']:.2f} / "
                f"{c3['visible_after_register_p99_ms']:.2f}", "ms", ratio=False)
        elif not loaded:
            add("registration convergence", None, "not measured", "ms", ratio=False)
    return out


def notes(res):
    rows = res["rows"]
    out = ["### Notes", ""]
    for kind, label in (("registrations", "Registrations"), ("calls", "Call setups")):
        for topology in ("one node", "three nodes"):
            steps = [r for r in rows if r["topology"] == topology and r["kind"] == kind]
            if not steps:
                out.append(f"- {label}, {topology}: not measured.")
                continue
            last = steps[-1]
            state = ("every step kept up without errors" if all(r["kept_up"] for r in steps)
                     else f"the last step ({last['offered_rate']}/s offered) completed "
                          f"{last['successful']:,} of {last['attempted']:,} with "
                          f"{last['failed']:,} failed and {last['retransmissions']:,} "
                          f"retransmissions in {last['wall_s']:.1f} s for "
                          f"{last['attempted'] / last['offered_rate']:.0f} s of load")
            out.append(
                f"- {label}, {topology}: {state}; in that step the servers (kamailio + "
                f"rtpengine) were busy {last['server_cores_busy']:.2f} cores, PostgreSQL "
                f"{last['postgres_cores_busy']:.2f}, the SIPp generators "
                f"{last['generator_cores_busy']:.2f}: together "
                f"{last['server_cores_busy'] + last['postgres_cores_busy'] + last['generator_cores_busy']:.2f}"
                " of the machine's 2 cores.")
    for kind, label in (("registrations", "registrations"), ("calls", "call setups")):
        last = {t: [r for r in rows if r["topology"] == t and r["kind"] == kind]
                for t in ("one node", "three nodes")}
        if all(last.values()):
            busy = {t: max(r["server_cores_busy"] + r["postgres_cores_busy"]
                           + r["generator_cores_busy"] for r in v) for t, v in last.items()}
            if max(busy.values()) >= 1.8:
                out.append(f"- What limited {label}: the machine's 2 cores (at most "
                           f"{busy['one node']:.2f} cores busy on one node, "
                           f"{busy['three nodes']:.2f} on three, servers, PostgreSQL and "
                           "SIPp together).")
                continue
            out.append(
                f"- What limited {label}: in no step did the servers, PostgreSQL and SIPp "
                f"together use the 2 cores (at most {busy['one node']:.2f} cores on one node, "
                f"{busy['three nodes']:.2f} on three), while others' work kept the 1-minute "
                f"load average between {min(_load1(rows)):.1f} and {max(_load1(rows)):.1f} "
                "(the tables); so the ceilings here are not the "
                "servers' CPU alone. Not measured, and likely: the time each kamailio worker "
                f"({_workers(res)} UDP workers per node) spends waiting for PostgreSQL on "
                "every authenticated request (`auth_db` queries synchronously), which three "
                "nodes spread over three times the workers, and SIPp's own pacing. The CPU "
                "per registration or call is the figure to compare: it is what a node "
                "spends, whatever the ceiling.")
    out.append("- On this shared machine the ceilings (registrations and call setups per "
               "second) moved from run to run by more than the difference between the "
               "topologies, and either topology came out ahead; the CPU per registration "
               "or call at the same offered rate moved by a few per cent only.")
    topo = res.get("topologies") or {}
    if topo:
        out.append("- Processes: " + "; ".join(
            f"{k}: {v['nodes']} kamailio (with {v['kamailio_processes']} processes in all) + "
            f"{v['nodes']} rtpengine" for k, v in topo.items())
            + ". The three nodes run three times the processes on the same 2 cores, and every "
            "registration is also sent to and saved by the two other nodes (DMQ): the "
            "three-node figures are the cost of sharing, not of more hardware; on three "
            "machines each node would have its own cores.")
    for c in res["convergence"]:
        out.append(
            f"- Convergence, {c['topology']} ({c['what']}): {c['samples']} samples, "
            f"{c['missed']} never visible within 5 s; the REGISTER's own round trip "
            f"(authenticated REGISTER -> 200) p50 {c['register_p50_ms']:.2f} ms, p99 "
            f"{c['register_p99_ms']:.2f} ms; visible before the phone had its 200 in "
            f"{c['visible_before_200']} samples (a probe sent before the 200 reached the "
            "phone already found the contact: registrar and dmq_usrloc store it before "
            f"the reply goes out); largest {c['visible_after_200_max_ms']:.2f} ms; "
            f"{c['probes_per_sample']:.1f} probes per sample.")
    out.append("- Calls carry no SDP: rtpengine is not asked to anchor media (the "
               "config's BYE handling still sends it a `delete`, for nothing); its CPU is "
               "counted anyway. A call with media adds each node's rtpengine work to the "
               "node the caller uses, as on one node.")
    out.append("- Everything, the generators included, shares the machine's 2 cores with "
               "whatever else runs on it (other people's tests during this run); the load "
               "average before each step is in the table. The one-node steps ran first, "
               "then the three-node ones, not interleaved.")
    return out


def _load1(rows):
    return [float(r["loadavg_before"].split()[0]) for r in rows] or [0.0]


def _workers(res):
    return res.get("workers", "?")


def print_summary(res):
    print()
    print("Cluster (issue 21): one node against three nodes on the same machine")
    for s in res["summary"]:
        ratio = f"{s['ratio']:.2f}x" if isinstance(s["ratio"], float) else "-"
        print(f"  {s['figure']}: one node {bench_gateway.fmt_value(s['one'], s['unit'])} | three nodes "
              f"{bench_gateway.fmt_value(s['three'], s['unit'])} | ratio {ratio}")
    for r in res["rows"]:
        item = "registration" if r["kind"] == "registrations" else "call"
        print(f"  {r['topology']:11} {r['kind']:13} offered {r['offered_rate']:>5}/s  "
              f"{r['rate']:>7,.0f}/s  failed {r['failed']:>5}  p50 {r['p50_ms']:6.1f} ms  "
              f"p99 {r['p99_ms']:7.1f} ms  server {r[f'server_cpu_ms_per_{item}']:.3f} ms/"
              f"{item} {r['server_cores_busy']:.2f} cores  pg {r['postgres_cores_busy']:.2f}"
              f"  gen {r['generator_cores_busy']:.2f}  kept up {r['kept_up']}")
    for line in res["notes"][2:]:
        print("  " + line)
    print()


def csv_rows(res):
    rows = list(res["rows"]) + list(res["convergence"])
    keys = []
    for r in rows:
        for k in r:
            if k not in keys:
                keys.append(k)
    return [{k: r.get(k, "") for k in keys} for r in rows]


def markdown(res, args, machine_load):
    rows = res["rows"]
    L = [
        SECTION,
        "",
        "Written by `make bench BENCH_ARGS='--runs cluster'` (or a full `make bench`); raw "
        f"figures in [bench/cluster.csv](bench/cluster.csv). Load average when the run "
        f"started: {machine_load}; per step in the tables. The run took "
        f"{res['minutes']:.1f} minutes. One node and three nodes (docs/CLUSTER.md) on the "
        "same machine and the same 2 cores: the ratio (three nodes / one node) shows what "
        "sharing costs, not what more hardware gives.",
        "",
        "| figure | one node | three nodes | ratio |",
        "|---|---:|---:|---:|",
    ]
    for s in res["summary"]:
        ratio = f"{s['ratio']:.2f}" if isinstance(s["ratio"], float) else "-"
        L.append(f"| {s['figure'].strip()} | {bench_gateway.fmt_value(s['one'], s['unit'])} | "
                 f"{bench_gateway.fmt_value(s['three'], s['unit'])} | {ratio} |")
    L += [
        "",
        "### Method",
        "",
        "- The nodes are the integration tests' cluster (tests/integration/sylktest/"
        "cluster.py, as test_cluster.py starts them): a PostgreSQL of its own "
        "(packaging/cluster-db.sh) and per node a rtpengine and a kamailio with the default "
        "kamailio.cfg, `WITH_CLUSTER` and `WITH_POSTGRES`, its cluster socket on a loopback "
        "address of its own, joined by DMQ (the first node through the second, the others "
        "through the first; the single node through itself). The cluster defines are the "
        "config's defaults (registrations at most 60 s, DMQ ping 10 s); on top "
        f"`WORKERS={args.workers}`, `LOG_LEVEL=1`, `PIKE_DENSITY=65535` (all load comes from "
        f"127.0.0.1), `-m {args.cl_shm_mb}`. Every node of both topologies runs one snapshot "
        "of kamailio.cfg and of the project's modules (build/modules/) taken when the run "
        "started. \"One node\" is a cluster of one with "
        "the same config and database, so the difference is the sharing alone.",
        f"- Load: SIPp (Debian's sip-tester), {GENERATORS} UAC processes started together "
        f"in every step, each at a third of the offered rate, generator i sending to node "
        f"i (all to the one node of the one-node cluster), each with its own "
        f"{res['users'] // GENERATORS:,} of {res['users']:,} generated subscribers "
        f"(`{USER_PREFIX}00000..`, rows of the shared subscriber table; an injection file, "
        "taken in turn). Open loop: `-r` per generator, `-m` = rate x "
        f"{args.cl_seconds:g} s, at most 5 s of calls outstanding, a response 8 s late "
        "fails the call. Steps: registrations "
        f"{', '.join(map(str, args.cl_reg_rates))}/s, calls "
        f"{', '.join(map(str, args.cl_call_rates))}/s, stopping after a step that fell well "
        "short. A step *kept up* when every registration or call succeeded and the last "
        f"generator finished within {args.cl_seconds:g} s / {KEPT_UP:g} + 0.5 s; the rate "
        "is successful ones / the wall time from the generators' start to the last one's "
        "end; the summary takes the highest step that kept up.",
        "- Registrations (tests/bench/scenarios/cluster_register.xml): REGISTER, 401, "
        "REGISTER with digest credentials (checked by `auth_db` against PostgreSQL), 200 "
        "(`save(\"location\")`, and on a cluster `dmq_usrloc` sends the contact to the other "
        "nodes, which save it too). Expires 60; Contact at the generator. Latency: SIPp's "
        "response time from the first REGISTER to the 200.",
        "- Calls (tests/bench/scenarios/cluster_call_uac.xml, UAS "
        "cluster_uas.xml): INVITE without SDP from a generated subscriber, 407, INVITE "
        "with credentials, 200 (no 180), ACK, BYE at once, 200; plain SIP, no media (no SDP, so "
        f"rtpengine anchors nothing). {GENERATORS} SIPp UAS phones `{CALLEE_PREFIX}0..` "
        "answer; generator i calls phone i, registered on node i+1: on three nodes every "
        "call enters at one node and finds its callee in the location table that DMQ "
        "copied from another node, then goes straight to the phone (UDP, no Path). The "
        "phones are registered again before each step (registrations last 60 s).",
        "- Server CPU: user + system time from /proc of every process of every kamailio "
        "and rtpengine (their process groups) from just before the generators start to "
        "just after the last one ends; per registration or call = that / successful ones. "
        "PostgreSQL's processes (the shared database behind `auth_db`) apart, the "
        "generators (SIPp, from the children's rusage) apart, never counted.",
        f"- Convergence: {args.cl_convergence} registrations of users "
        f"`{CONV_PREFIX}0000..` from a Python UDP phone (the challenge answered first, not "
        "timed). From sending the authenticated REGISTER to node A, it probes node B every "
        f"{res['probe_interval_ms']:g} ms with an OPTIONS for the user from another domain "
        "(no authentication): node B's `lookup(\"location\")` answers 404 until it has the "
        "contact, then relays the OPTIONS to the phone, exactly as it would a caller's "
        "INVITE. Visible = the send time of the first probe that reached the phone; from "
        "the REGISTER's 200 at the phone to then (negative: B had it before the phone had "
        "its 200), and from sending the REGISTER. A and B rotate over the three pairs "
        "(node i, node i+1). On one node A = B: the probe's own floor (the same probe, "
        "nothing to replicate). Measured twice per topology: with no other load, and "
        "with SIPp registering other users in the background at half the rate one node "
        "kept up with (the same rate for both topologies, spread over the nodes as in the "
        "steps). SIPp's response times (the steps' p50/p99) are whole milliseconds.",
        "",
        "| topology | kind | offered/s | completed/s | failed | retransmissions | p50 | p99 "
        "| server CPU per item | PostgreSQL CPU per item | cores: servers / PostgreSQL / "
        "SIPp | kept up | load average before |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for r in rows:
        item = "registration" if r["kind"] == "registrations" else "call"
        L.append(f"| {r['topology']} | {r['kind']} | {r['offered_rate']} | {r['rate']:,.0f} | "
                 f"{r['failed']:,} | {r['retransmissions']:,} | {r['p50_ms']:.1f} ms | "
                 f"{r['p99_ms']:.1f} ms | {r[f'server_cpu_ms_per_{item}']:.3f} ms | "
                 f"{r[f'postgres_cpu_ms_per_{item}']:.3f} ms | "
                 f"{r['server_cores_busy']:.2f} / {r['postgres_cores_busy']:.2f} / "
                 f"{r['generator_cores_busy']:.2f} | {'yes' if r['kept_up'] else 'no'} | "
                 f"{r['loadavg_before']} |")
    L += [
        "",
        "| topology | convergence | samples (missed) | REGISTER -> 200, p50 / p99 | 200 -> "
        "visible, p50 / p99 / max | REGISTER -> visible, p50 / p99 | load average before |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for c in res["convergence"]:
        L.append(f"| {c['topology']} | {c['what']} | {c['samples']} ({c['missed']}) | "
                 f"{c['register_p50_ms']:.2f} / {c['register_p99_ms']:.2f} ms | "
                 f"{c['visible_after_200_p50_ms']:.2f} / {c['visible_after_200_p99_ms']:.2f}"
                 f" / {c['visible_after_200_max_ms']:.2f} ms | "
                 f"{c['visible_after_register_p50_ms']:.2f} / "
                 f"{c['visible_after_register_p99_ms']:.2f} ms | {c['loadavg_before']} |")
    L += [""] + list(res.get("notes") or []) + [""]
    return L
