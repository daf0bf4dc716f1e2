# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 16's video-room benchmark for run_bench.py (`--runs videoroom`):
our SFU (sylkRTC-2 video rooms in sylk_rtc, media through rtpengine's
publish/subscribe, userspace forwarding) beside Janus VideoRoom, both fed by
the same generator (vrpeer.py: aiortc peers with ICE and DTLS-SRTP replaying
the same pre-encoded VP8 + Opus frames).

Two scenarios, N stepped up until a subscriber loses more than 1 % of its
packets (each system on its own):

  fanout  one publisher, N subscribers (one PeerConnection each)
  mesh    an N x N room: N participants, each publishing and subscribing to
          the N-1 others (N(N-1) subscriber PeerConnections)

Per step: forwarded packets per second (RTP packets the subscribers received
in the timed window / window), the SFU's CPU over that window from /proc
(ours: rtpengine + Kamailio; Janus: the janus process; the generator is not
counted) and so packets per CPU second, and each subscriber's loss (the
larger of the RTCP-style sequence gap loss and the shortfall of what it
received against what its publisher sent in the window).

run_videoroom(ctx) returns {"rows": [...], "summary": [...], "notes": [...]};
markdown(res, args) is the section of docs/BENCHMARKS.md titled SECTION
(run_bench.py splices it in), csv_rows() the rows of docs/bench/videoroom.csv."""

import fractions
import json
import math
import os
import random
import subprocess
import time

import bench_gateway
import janus_peer
from bench_gateway import BENCH_PASSWORD, cpu_seconds
from sylktest.server import SIP_DOMAIN

HERE = os.path.dirname(os.path.abspath(__file__))
CLK_TCK = os.sysconf("SC_CLK_TCK")
VRPEER = os.path.join(HERE, "vrpeer.py")
PYTHON = "/usr/bin/python3"
SECTION = "## Video rooms (issue 16)"
PREFIX = "vr"
LOSS_LIMIT = 0.01
VIDEO_KBPS = 800
MEDIA_SECONDS = 6
WIDTH, HEIGHT = 640, 360
VIDEOROOM_PLUGIN = "libjanus_videoroom.so"


# ---- the media every publisher replays ---------------------------------------------------

def make_media(path, seconds=MEDIA_SECONDS, w=WIDTH, h=HEIGHT, kbps=VIDEO_KBPS):
    """VP8 (libvpx, CBR, a keyframe every 2 s) of a moving test picture at 30
    frames/s, and Opus (20 ms) of a 440 Hz tone, encoded once with PyAV and
    pickled for vrpeer.py: both SFUs get the same bytes."""
    import pickle

    import av
    import numpy

    c = av.CodecContext.create("libvpx", "w")
    c.width, c.height, c.pix_fmt = w, h, "yuv420p"
    c.time_base = fractions.Fraction(1, 30)
    c.framerate = 30
    c.bit_rate = kbps * 1000
    c.gop_size = 60
    c.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0",
                 "minrate": str(kbps * 1000), "maxrate": str(kbps * 1000),
                 "bufsize": str(kbps * 1000)}
    rng = numpy.random.default_rng(16)
    yy, xx = numpy.mgrid[0:h, 0:w]
    vp8 = []
    for i in range(seconds * 30):
        img = numpy.zeros((h, w, 3), numpy.uint8)
        img[..., 0] = (xx + 4 * i) % 256
        img[..., 1] = (yy + 2 * i) % 256
        img[..., 2] = ((xx + yy) // 2 + 3 * i) % 256
        x0 = int((w - 80) * (0.5 + 0.5 * math.sin(i / 15)))
        img[100:180, x0:x0 + 80] = rng.integers(0, 255, (80, 80, 3), dtype=numpy.uint8)
        frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")
        frame.pts = i
        vp8 += [bytes(p) for p in c.encode(frame)]
    vp8 += [bytes(p) for p in c.encode(None)]
    a = av.CodecContext.create("libopus", "w")
    a.sample_rate, a.layout, a.format, a.bit_rate = 48000, "mono", "s16", 32000
    opus = []
    for i in range(seconds * 50):
        t = (numpy.arange(960) + i * 960) / 48000
        s = (8000 * numpy.sin(2 * math.pi * 440 * t)).astype(numpy.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(s, format="s16", layout="mono")
        frame.sample_rate = 48000
        frame.pts = i * 960
        opus += [bytes(p) for p in a.encode(frame)]
    media = {"vp8": vp8, "opus": opus}
    with open(path, "wb") as f:
        pickle.dump(media, f)
    # packets per second of one publisher as aiortc packetizes them
    from aiortc.codecs.vpx import Vp8Encoder
    video_pps = sum(len(Vp8Encoder._packetize(x, 1000)) for x in vp8) / (len(vp8) / 30)
    return {"video_kbps": sum(map(len, vp8)) * 8 / (len(vp8) / 30) / 1000,
            "video_pps": video_pps, "audio_pps": 50.0,
            "opus_bytes": sum(map(len, opus)) / len(opus)}


# ---- servers -------------------------------------------------------------------------------

def start_janus(wd):
    """janus_peer's Janus (WebSocket transport, its own config folder) with
    the VideoRoom plugin enabled and configured in that same folder, and
    janus_loopback.c preloaded so that it gathers ICE candidates on
    127.0.0.1 (janus_peer's ice_enforce_list) instead of skipping loopback."""
    conf = os.path.join(wd, "janus-conf")
    os.makedirs(conf, exist_ok=True)
    with open(os.path.join(conf, "janus.plugin.videoroom.jcfg"), "w") as f:
        f.write("""general: {
	string_ids = false
	events = false
}
""")
    shim = os.path.join(wd, "janus_loopback.so")
    subprocess.run(["gcc", "-O2", "-Wall", "-shared", "-fPIC", "-o", shim,
                    os.path.join(HERE, "janus_loopback.c"), "-ldl"], check=True)
    saved = os.environ.get("LD_PRELOAD")
    os.environ["LD_PRELOAD"] = shim   # inherited by janus only: set around its start
    wide = janus_peer.wide_port_range
    janus_peer.wide_port_range = _some_port_range
    try:
        return janus_peer.Janus(wd, extra_plugins=(VIDEOROOM_PLUGIN,))
    finally:
        janus_peer.wide_port_range = wide
        if saved is None:
            del os.environ["LD_PRELOAD"]
        else:
            os.environ["LD_PRELOAD"] = saved


def _some_port_range(size):
    """janus_peer's block of ports, smaller when other work on the machine
    left no block that wide free: the rooms need one port per PeerConnection
    (Janus bundles), a few hundred at most."""
    for want in (size, 1000, 500, 300):
        try:
            return janus_peer.processes.free_port_range(min(size, want))
        except RuntimeError:
            continue
    raise RuntimeError("no free block of 300 ports for Janus")


def janus_available():
    return janus_peer.available() and os.path.exists(
        os.path.join(janus_peer.LIBDIR, "plugins", VIDEOROOM_PLUGIN))


def _udp_errors():
    """RcvbufErrors and InErrors of /proc/net/snmp (all UDP sockets of the
    machine): a socket somewhere overflowed."""
    with open("/proc/net/snmp") as f:
        lines = [line.split() for line in f if line.startswith("Udp:")]
    d = dict(zip(lines[0][1:], (int(x) for x in lines[1][1:])))
    return d.get("RcvbufErrors", 0), d.get("InErrors", 0)


def _socket_inodes(pids):
    out = set()
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                out.add(int(link[8:-1]))
    return out


def _udp_queues(groups):
    """Per group of pids, per UDP socket (inode): bytes waiting in its
    receive queue and datagrams it dropped so far (/proc/net/udp): where
    packets piled up or were lost, the generator or the SFU."""
    inodes = {k: _socket_inodes(pids) for k, pids in groups.items()}
    out = {k: {} for k in groups}
    for path in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            lines = open(path).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if len(f) < 13:
                continue
            inode, rxq, drops = int(f[9]), int(f[4].split(":")[1], 16), int(f[12])
            for k, ino in inodes.items():
                if inode in ino:
                    out[k][inode] = (rxq, drops)
    return out


def _drops_between(before, after):
    """Datagrams dropped between two _udp_queues() readings of one group:
    per socket, what it dropped since the first reading (all of it for a
    socket opened since); sockets closed meanwhile are left out."""
    return sum(d - before.get(ino, (0, 0))[1] for ino, (_, d) in after.items())


def _thread_cpu(pid):
    """CPU seconds of a process's threads, summed by thread name (digits
    and trailing numbers dropped: Janus names a thread per handle)."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                data = f.read()
        except OSError:
            continue
        name = data[data.index("(") + 1:data.rindex(")")]
        name = "".join(c for c in name if not c.isdigit()).strip(" #-_") or "?"
        fields = data[data.rindex(")") + 2:].split()
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


def _pids_of(pgid):
    return bench_gateway.group_pids(pgid)


# ---- one step -----------------------------------------------------------------------------

def _step(ctx, system, scenario, n, url, groups, media_path, wd, janus_room=None):
    """One step; groups: {name: process group} whose CPU counts, the first
    being the media process (rtpengine or janus) whose threads are listed."""
    a = ctx.args
    media_pid = next(iter(groups.values()))
    name = f"{system}-{scenario}-{n}"
    cfg = {"system": system, "url": url, "scenario": scenario, "n": n,
           "seconds": a.vr_seconds, "warmup": a.vr_warmup, "media": media_path,
           "room": f"bench{scenario}{n}", "domain": SIP_DOMAIN,
           "janus_room": janus_room,
           "accounts": [[f"{PREFIX}{i:04d}", _ha1(f"{PREFIX}{i:04d}")] for i in range(n + 1)]}
    cfg_path = os.path.join(wd, f"{name}.json")
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    errpath = os.path.join(wd, f"vrpeer-{name}.log")
    load = ctx.loadavg()
    ready = None
    result = None
    cpu0 = cpu1 = None
    timeout = 120 + a.vr_seconds + a.vr_warmup + 3 * n * (n if scenario == "mesh" else 1)
    with open(errpath, "wb") as err:
        p = subprocess.Popen([PYTHON, VRPEER, cfg_path], stdout=subprocess.PIPE, stderr=err,
                             text=True, start_new_session=True)
        deadline = time.monotonic() + timeout
        try:
            for line in p.stdout:
                if line.startswith("READY"):
                    ready = dict(kv.split("=", 1) for kv in line.split()[1:])
                elif line.startswith("WINDOW start"):
                    cpu0 = {k: cpu_seconds(pgids=[g]) for k, g in groups.items()}
                    gen0 = cpu_seconds(pids=[p.pid])
                    udp0 = _udp_errors()
                    t0 = time.monotonic()
                    sock_groups = {"generator": [p.pid],
                                   "sfu": [x for g in groups.values() for x in _pids_of(g)]}
                    q0 = _udp_queues(sock_groups)
                    th0 = _thread_cpu(media_pid)
                elif line.startswith("WINDOW end"):
                    cpu1 = {k: cpu_seconds(pgids=[g]) for k, g in groups.items()}
                    gen1 = cpu_seconds(pids=[p.pid])
                    udp1 = _udp_errors()
                    t1 = time.monotonic()
                    q1 = _udp_queues(sock_groups)
                    th1 = _thread_cpu(media_pid)
                elif line.startswith("RESULT "):
                    result = json.loads(line[7:])
                    with open(os.path.join(wd, f"result-{name}.json"), "w") as f:
                        f.write(line[7:])
                if time.monotonic() > deadline:
                    raise TimeoutError(f"vrpeer {name} ran too long")
            rc = p.wait(timeout=max(1, deadline - time.monotonic()))
        finally:
            if p.poll() is None:
                os.killpg(p.pid, 9)
                p.wait()
    if result is None or cpu0 is None or cpu1 is None:
        raise RuntimeError(f"vrpeer {name} (rc {p.returncode}) gave no result:\n"
                           + open(errpath).read()[-3000:])
    row = _row(system, scenario, n, result, {k: cpu1[k] - cpu0[k] for k in groups},
               t1 - t0, (gen1 - gen0) / (t1 - t0), load, ready, rc,
               (udp1[0] - udp0[0], udp1[1] - udp0[1]))
    for k in ("generator", "sfu"):
        row[f"{k}_udp_drops"] = _drops_between(q0[k], q1[k])
        row[f"{k}_rx_queue_end"] = sum(q for q, _ in q1[k].values())
    threads = sorted(((th1[k] - th0.get(k, 0.0), k) for k in th1), reverse=True)
    row["media_threads"] = "; ".join(f"{k} {v:.2f} s" for v, k in threads[:5] if v > 0)
    return row


def _ha1(user):
    import hashlib
    return hashlib.md5(f"{user}:{SIP_DOMAIN}:{BENCH_PASSWORD}".encode()).hexdigest()


def _row(system, scenario, n, r, cpu, wall, gen_cores, load, ready, rc, udp):
    seconds = r["seconds"]
    sent = r["publishers"]
    subs = r["subscribers"]
    losses, shorts, gaps = [], [], []
    for s in subs:
        pub_sent = sent[s["publisher"]]
        short = 1 - s["received"] / pub_sent if pub_sent else 1.0
        gap = s["seq_lost"] / s["seq_expected"] if s["seq_expected"] else 1.0
        shorts.append(short)
        gaps.append(gap)
        losses.append(max(0.0, short, gap))
    received = sum(s["received"] for s in subs)
    server_cpu = sum(cpu.values())
    worst = max(losses) if losses else 1.0
    row = {
        "system": system, "scenario": scenario, "n": n, "publishers": len(sent),
        "subscriptions": len(subs), "connected": r["connected"],
        "seconds": seconds, "setup_s": r["setup_s"], "settle_s": r.get("settle_s", 0.0),
        "sent_per_publisher_per_s": sum(sent) / len(sent) / seconds if sent else 0.0,
        "forwarded": received, "forwarded_per_s": received / seconds,
        "audio_per_s": sum(s["audio"] for s in subs) / seconds,
        "video_per_s": sum(s["video"] for s in subs) / seconds,
        "worst_loss_pct": 100 * worst,
        "mean_loss_pct": 100 * sum(losses) / len(losses) if losses else 100.0,
        "worst_seq_gap_pct": 100 * max(gaps) if gaps else 100.0,
        "worst_shortfall_pct": 100 * max(shorts) if shorts else 100.0,
        "seq_lost": sum(s["seq_lost"] for s in subs),
        "generator_transports": r.get("transports", 0),
        "generator_datagrams_per_s": r.get("datagrams_in", 0) / seconds,
        "ok": bool(subs) and worst <= LOSS_LIMIT and r["connected"] == len(subs) and rc == 0,
    }
    for k, v in cpu.items():
        row[f"cpu_{k}"] = v
    row["server_cpu_seconds"] = server_cpu
    row["per_cpu_second"] = received / server_cpu if server_cpu > 0 else 0.0
    row["us_cpu_per_packet"] = 1e6 * server_cpu / received if received else 0.0
    row["server_cores_busy"] = server_cpu / wall if wall > 0 else 0.0
    row["loadgen_cores_busy"] = gen_cores
    dg = row["generator_datagrams_per_s"]
    row["generator_us_per_datagram"] = 1e6 * gen_cores / dg if dg else 0.0
    row["udp_rcvbuf_errors"] = udp[0]
    row["udp_in_errors"] = udp[1]
    row["errors"] = "; ".join(r.get("errors") or [])
    row["loadavg_before"] = load
    return row


def _log_row(ctx, row):
    cpu = ", ".join(f"{k[4:]} {row[k]:.2f} s" for k in row if k.startswith("cpu_"))
    ctx.log(f"  {row['forwarded_per_s']:,.0f} packets/s forwarded to {row['subscriptions']} "
            f"subscriptions, worst loss {row['worst_loss_pct']:.2f} %, CPU {cpu} -> "
            f"{row['per_cpu_second']:,.0f} per CPU s ({row['us_cpu_per_packet']:.1f} us/packet; "
            f"worst gap {row['worst_seq_gap_pct']:.2f} %, shortfall "
            f"{row['worst_shortfall_pct']:.2f} %), "
            f"generator {row['loadgen_cores_busy']:.2f} cores, UDP rcvbuf errors "
            f"{row['udp_rcvbuf_errors']} (drops: generator {row['generator_udp_drops']}, SFU "
            f"{row['sfu_udp_drops']}; queued at the end: generator {row['generator_rx_queue_end']:,} "
            f"B, SFU {row['sfu_rx_queue_end']:,} B), setup {row['setup_s']:.1f} s + settle "
            f"{row['settle_s']:.1f} s, load {row['loadavg_before']}"
            + ("" if row["ok"] else "  -> over the limit"))


# ---- the run --------------------------------------------------------------------------------

def run_videoroom(ctx):
    a = ctx.args
    wd = os.path.join(ctx.workdir, "videoroom")
    os.makedirs(wd, exist_ok=True)
    t_start = time.monotonic()
    media_path = os.path.join(wd, "media.pkl")
    media = make_media(media_path)
    ctx.log(f"videoroom: media {media['video_kbps']:.0f} kbit/s VP8 {WIDTH}x{HEIGHT} "
            f"({media['video_pps']:.0f} packets/s) + Opus ({media['audio_pps']:.0f} packets/s)")
    max_n = max(a.vr_fanout + a.vr_mesh)
    kwd = os.path.join(wd, "kamailio")
    os.makedirs(kwd)
    # every watcher of the fanout is a publisher too (sylkRTC has no
    # receive-only participant) that never sends: no media timeout, room
    # big enough
    k = ctx.start_kamailio(kwd, ctx.engine,
                           dict(ctx.common, VIDEOROOM_MEDIA_TIMEOUT=3600,
                                VIDEOROOM_MAX_PUBLISHERS=max_n + 2), 256)
    ctx.started.append(k)
    bench_gateway.add_accounts(k, max_n + 1, prefix=PREFIX)
    janus = None
    if not a.no_janus and janus_available():
        jwd = os.path.join(wd, "janus")
        os.makedirs(jwd)
        janus = start_janus(jwd)
        ctx.started.append(janus)
        ctx.log(f"videoroom: janus pid {janus.pid}, {janus.url}")
    else:
        ctx.log("videoroom: Janus VideoRoom not available: Janus figures left out")
    ours_url = f"ws://127.0.0.1:{k.http_port}/webrtcgateway/ws"
    ours_groups = {"rtpengine": ctx.engine.process.pid, "kamailio": k.process.pid}
    rows = []
    try:
        for scenario, steps in (("fanout", a.vr_fanout), ("mesh", a.vr_mesh)):
            over = {"ours": False, "janus": janus is None}
            for n in steps:
                for system in ("ours", "janus"):
                    if over[system]:
                        continue
                    ctx.log(f"videoroom {scenario} N={n}: {system}, load average "
                            f"{ctx.loadavg()}")
                    if system == "ours":
                        row = _step(ctx, "ours", scenario, n, ours_url, ours_groups,
                                    media_path, wd)
                    else:
                        row = _step(ctx, "janus", scenario, n, janus.url,
                                    {"janus": janus.pid}, media_path, wd,
                                    janus_room=random.randint(10 ** 6, 10 ** 9))
                    rows.append(row)
                    _log_row(ctx, row)
                    if not row["ok"]:
                        over[system] = True
                    time.sleep(1.0)
                if all(over.values()):
                    break
        leftover = [c for c in _rtpengine_calls(ctx.engine) if c.startswith("vr-")]
    finally:
        if janus is not None:
            janus.stop()
        k.stop()
    res = {"rows": rows, "media": media, "janus": janus is not None,
           "leftover_calls": len(leftover), "minutes": (time.monotonic() - t_start) / 60}
    res["summary"] = summary(res)
    res["notes"] = notes(res)
    return res


def _rtpengine_calls(engine):
    try:
        from sylktest.ng import NgClient
        return NgClient(engine.ng_port).call_ids()
    except Exception:  # noqa: BLE001 - only a check
        return []


# ---- figures ----------------------------------------------------------------------------------

def _ok(rows, system, scenario):
    return [r for r in rows if r["system"] == system and r["scenario"] == scenario and r["ok"]]


def _at_generator(r):
    """The step's packets piled up or were dropped at the generator's
    sockets rather than the SFU's."""
    return (r["generator_udp_drops"] > 10 * max(r["sfu_udp_drops"], 1)
            or r["generator_rx_queue_end"] > 10 * max(r["sfu_rx_queue_end"], 65536))


def _largest(rows, system, scenario):
    """Largest N without a subscriber over the limit, and the step that
    failed (None: the largest N is only the largest step run)."""
    mine = [r for r in rows if r["system"] == system and r["scenario"] == scenario]
    ok = [r["n"] for r in mine if r["ok"]]
    failed = next((r for r in mine if not r["ok"]), None)
    return (max(ok) if ok else None), failed, bool(mine)


def _common_step(rows, scenario):
    """The largest N both systems forwarded within the limit."""
    o = {r["n"]: r for r in _ok(rows, "ours", scenario)}
    j = {r["n"]: r for r in _ok(rows, "janus", scenario)}
    both = sorted(set(o) & set(j))
    return (o[both[-1]], j[both[-1]]) if both else (None, None)


def summary(res):
    rows = res["rows"]
    out = []

    def add(figure, ours_v, peer_v, unit, goal="-", verdict="-", ratio=None):
        if ratio is None and isinstance(ours_v, (int, float)) and peer_v:
            ratio = ours_v / peer_v
        out.append({"figure": figure, "ours": ours_v, "peer": "Janus VideoRoom",
                    "peer_value": peer_v, "ratio": ratio, "unit": unit, "goal": goal,
                    "verdict": verdict})

    what = {"fanout": "1 publisher -> N subscribers", "mesh": "N x N room"}
    verdicts = []
    for scenario in ("fanout", "mesh"):
        o, j = _common_step(rows, scenario)
        if o and j:
            ratio = o["per_cpu_second"] / j["per_cpu_second"] if j["per_cpu_second"] else None
            state = "met" if ratio and ratio >= 1.0 else "NOT met"
            verdicts.append(state)
            add(f"{what[scenario]}: forwarded packets per CPU second at N={o['n']} "
                f"(largest N both held; ours: rtpengine userspace + Kamailio)",
                o["per_cpu_second"], j["per_cpu_second"], "per CPU second",
                ">= Janus's", state, ratio)
            add(f"{what[scenario]}: CPU per forwarded packet at N={o['n']}",
                o["us_cpu_per_packet"], j["us_cpu_per_packet"], "us")
            add(f"{what[scenario]}: forwarded packets per second at N={o['n']}",
                o["forwarded_per_s"], j["forwarded_per_s"], "per second")
        else:
            add(f"{what[scenario]}: forwarded packets per CPU second", None, None,
                "per CPU second", ">= Janus's", "not measured")
        lo, lfail, lran = _largest(rows, "ours", scenario)
        lj, jfail, jran = _largest(rows, "janus", scenario)

        def text(v, failed, ran):
            if not ran:
                return "-"
            if failed is None:
                return f">= {v} (largest step run)"
            where = " (at the generator)" if _at_generator(failed) else ""
            return f"{v if v is not None else 'none'} ({failed['n']}: " \
                f"{failed['worst_loss_pct']:.1f} % lost{where})"
        add(f"{what[scenario]}: largest N with no subscriber losing > 1 %",
            text(lo, lfail, lran), text(lj, jfail, jran), "N", ratio="-")
    if verdicts:
        add("goal: at least Janus's forwarded packets per CPU second (both scenarios)",
            "-", "-", "", ">= 1x in each", "met" if all(v == "met" for v in verdicts)
            else "NOT met", ratio="-")
    return out


def print_summary(res):
    bench_gateway.print_figures(
        "Video rooms (issue 16): ours (rtpengine userspace + Kamailio) beside Janus VideoRoom",
        res["summary"], bench_gateway.fmt_value)


def csv_rows(res):
    return [dict(r) for r in res["rows"]]


def notes(res):
    """What this run's figures say (computed from them)."""
    rows = res["rows"]
    out = ["### Notes", ""]
    for scenario, what in (("fanout", "fan-out"), ("mesh", "N x N")):
        o, j = _common_step(rows, scenario)
        if not (o and j):
            continue
        split = ""
        if o.get("cpu_rtpengine") is not None:
            split = (f" (rtpengine {o['cpu_rtpengine']:.2f} s, Kamailio "
                     f"{o.get('cpu_kamailio', 0):.2f} s of CPU in the window)")
        out.append(
            f"- {what}, N={o['n']}: ours spent {o['us_cpu_per_packet']:.1f} µs of CPU per "
            f"forwarded packet{split}, Janus {j['us_cpu_per_packet']:.1f} µs; the same packets "
            f"reached the subscribers ({o['forwarded_per_s']:,.0f}/s and "
            f"{j['forwarded_per_s']:,.0f}/s). Busiest threads in the window: rtpengine "
            f"{o['media_threads'] or '-'}; janus {j['media_threads'] or '-'}.")
        out.append(
            f"- The generator at that step: {o['loadgen_cores_busy']:.2f} cores with ours, "
            f"{j['loadgen_cores_busy']:.2f} with Janus, for "
            f"{o['generator_datagrams_per_s']:,.0f} and {j['generator_datagrams_per_s']:,.0f} "
            f"datagrams/s into its DTLS transports ({o['generator_us_per_datagram']:.0f} and "
            f"{j['generator_us_per_datagram']:.0f} µs of its CPU per datagram) over "
            f"{o['generator_transports']} and {j['generator_transports']} transports (a "
            "subscription to ours takes two ICE/DTLS transports, rtpengine 10.5 does not "
            "BUNDLE; one to Janus takes one)."
            + (" Per datagram the generator worked harder with ours, so it reaches its own "
               "limit at a smaller N with ours; a browser subscribing to our rooms carries "
               "the same extra transports." if o["generator_us_per_datagram"]
               > 1.15 * j["generator_us_per_datagram"] else ""))
    for r in (r for r in rows if not r["ok"]):
        why = []
        if r["connected"] < r["subscriptions"]:
            why.append(f"{r['subscriptions'] - r['connected']} subscriptions never connected")
        why.append(f"UDP datagrams dropped in the window by the generator's sockets: "
                   f"{r['generator_udp_drops']:,}, by the SFU's: {r['sfu_udp_drops']:,}; "
                   f"still queued at its end: {r['generator_rx_queue_end']:,} B at the "
                   f"generator, {r['sfu_rx_queue_end']:,} B at the SFU")
        why.append(f"generator {r['loadgen_cores_busy']:.2f} cores, SFU "
                   f"{r['server_cores_busy']:.2f} cores, load average before "
                   f"{r['loadavg_before']}")
        verdict = ""
        if _at_generator(r):
            verdict = (" The backlog (and any drops) was at the generator's sockets (one "
                       "Python process for every peer), not at the SFU's: this step measures "
                       "the generator's limit; the SFU's own limit is above it.")
        out.append(f"- {r['system']} {r['scenario']} N={r['n']} went over the limit: worst "
                   f"subscriber {r['worst_loss_pct']:.2f} % (sequence gaps "
                   f"{r['worst_seq_gap_pct']:.2f} %, shortfall against what was sent "
                   f"{r['worst_shortfall_pct']:.2f} %; mean {r['mean_loss_pct']:.2f} %); "
                   + "; ".join(why) + "." + verdict)
    out.append("- A negative shortfall (more received than sent in the window) or a small "
               "positive one with no sequence gaps is the generator's own delay changing "
               "during the window (packets of before the window read late), not loss.")
    out.append(f"- rtpengine calls of video rooms left after the run: {res['leftover_calls']}.")
    return out


KERNEL_NOTE = [
    "### What rtpengine's kernel forwarding would change",
    "",
    "Not measured: the kernel module (`xt_RTPENGINE`, Debian's `rtpengine-kernel-dkms`) "
    "cannot be built and loaded on this machine, so every figure above is rtpengine in "
    "userspace (`table = -1`). What the module of the installed version does, read from "
    "its source (rtpengine-kernel-dkms 10.5.3.5, `xt_RTPENGINE.c` / `xt_RTPENGINE.h`) and "
    "the daemon binary:",
    "",
    "- One kernel target per incoming stream can carry up to 32 outputs "
    "(`RTPE_MAX_FORWARD_DESTINATIONS`); the 10.5 daemon pushes each sink of a stream as "
    "one (`kernel_add_destination`, \"Failed to push relay stream destination to "
    "kernel\" in `/usr/bin/rtpengine`). A published stream with its subscribers is such a "
    "stream with one sink per subscriber.",
    "- Per packet, the kernel checks the SRTP authentication tag and decrypts once, then "
    "for each output copies the packet, encrypts and authenticates it with that "
    "output's own SRTP keys and sends it. Ciphers in the kernel: AES-CM 128/192/256, "
    "AES-F8, AEAD AES-GCM 128/256, HMAC-SHA1 (the README: \"AES-CM and AES-F8 ciphers, "
    "both in userspace and in kernel\"). So DTLS-SRTP re-encryption per subscriber, "
    "the WebRTC case here, stays in the kernel; the DTLS handshake itself, STUN "
    "(ICE) and muxed RTCP are handed to the daemon (`is_dtls`, `is_muxed_rtcp` -> "
    "userspace), and a maintainer states RTCP is never handled by the kernel "
    "(sipwise/rtpengine issue 1368). Transcoding is never done in the kernel (issue 672); "
    "these rooms do not transcode.",
    "- What it would change: the per-packet work leaves the rtpengine process (no "
    "recvmsg/sendmsg system call per packet and per subscriber, no wake-up of a "
    "userspace thread, no copy to and from userspace); its CPU moves to the kernel's "
    "packet path (softirq), which /proc/PID/stat does not charge to rtpengine. The "
    "SRTP work per subscriber (one AES encryption and one HMAC-SHA1 per packet and "
    "subscriber) remains, now in the kernel. The rtpengine process's own CPU per "
    "forwarded RTP packet would drop to about zero (RTCP, STUN and DTLS still pass "
    "through it); the machine's CPU per packet would drop by the userspace overhead "
    "only, by an amount this bench cannot measure here. A fair comparison with the "
    "module would have to count the machine's softirq time, not the process's.",
    "- Not verified: what the 10.5 daemon does with a stream that has more than 32 "
    "sinks (a room with more than 32 subscribers of one publisher).",
]


def markdown(res, args, machine_load):
    rows, summ, media = res["rows"], res["summary"], res["media"]
    L = [
        SECTION,
        "",
        "Written by `make bench BENCH_ARGS='--runs videoroom'` (or a full `make bench`); raw "
        f"figures in [bench/videoroom.csv](bench/videoroom.csv). Load average when the run "
        f"started: {machine_load}; per step in the table (other work shared the machine). "
        f"The run took {res['minutes']:.1f} minutes.",
        "",
    ]
    L += bench_gateway.figure_table(summ)
    L += [
        "",
        "### Method",
        "",
        f"- The same media for both: {WIDTH}x{HEIGHT} VP8 at {media['video_kbps']:.0f} kbit/s "
        f"(libvpx CBR through PyAV, 30 frames/s, a keyframe every 2 s; "
        f"{media['video_pps']:.0f} RTP packets/s as aiortc packetizes it) and Opus 20 ms "
        f"({media['opus_bytes']:.0f} bytes a frame, 50 packets/s), encoded once per run; each "
        "publisher replays it (tests/bench/vrpeer.py: aiortc 1.4 with its VP8/Opus "
        "packetizers, no encoding during the run), so one publisher sends about "
        f"{media['video_pps'] + media['audio_pps']:.0f} packets/s.",
        "- Every peer is a real WebRTC endpoint (aiortc: ICE, DTLS-SRTP with "
        "AES-CM-128/HMAC-SHA1-80, RTCP), all on 127.0.0.1, in one generator process. "
        "Subscribers do not decode: after SRTP, their transports only count packets and "
        "sequence numbers (no parsing, routing or decoding in Python), so they send no NACK "
        "or keyframe request and cost the generator little. One PeerConnection per subscription on both sides (ours has no "
        "other choice: rtpengine 10.5 does not BUNDLE; Janus's subscriber offer bundles "
        "audio and video on one transport, ours uses one per m-line).",
        f"- fanout: 1 publisher and N subscribers (N = {', '.join(map(str, args.vr_fanout))}). "
        f"mesh: N participants, each publishing and subscribing to the N-1 others "
        f"(N = {', '.join(map(str, args.vr_mesh))}, N(N-1) subscriptions). Each system steps "
        "up on its own and stops after the first step in which a subscriber lost more than "
        "1 % (or one never connected).",
        "- Ours: sylkRTC-2 over WebSocket to a Kamailio with the default kamailio.cfg "
        "(started for this run: `VIDEOROOM_MEDIA_TIMEOUT=3600`, "
        f"`VIDEOROOM_MAX_PUBLISHERS={max(args.vr_fanout + args.vr_mesh) + 2}`), each participant "
        "its own connection and registered account (account-add, account-register, "
        "videoroom-join with its offer, videoroom-feed-attach / -feed-answer per "
        "subscription); media through the bench's rtpengine (userspace, 2 threads, "
        "`rtpengine-conf/rtpengine.conf`). sylkRTC has no receive-only participant: each "
        "fanout subscriber joins as a publisher of one audio stream that never sends a "
        "packet (ICE and DTLS up, no RTP), which is why the timeout is raised.",
        "- Janus 1.1.2 (Debian), started by tests/bench/janus_peer.py with its WebSocket "
        "transport and the VideoRoom plugin (configured in the same temporary folder): one "
        "room per step (`bitrate 0`, `fir_freq 0`, opus/vp8), each participant a Janus "
        "session on its own WebSocket, publishers `join` + `publish`, each subscription a "
        "handle that `join`s as subscriber (`streams: [{feed}]`) and `start`s; fanout "
        "subscribers are plain subscribers (Janus has receive-only participants). Janus "
        "skips loopback interfaces when it gathers ICE candidates, so it runs with "
        "tests/bench/janus_loopback.c preloaded, which only clears the loopback flag in "
        "what getifaddrs() returns (with `ice_enforce_list 127.0.0.1` it then offers "
        "127.0.0.1 alone); its threading is the default (one event-loop thread per "
        "handle, named `hloop`).",
        f"- Per step: setup, {args.vr_warmup:g} s of media, then until the generator keeps "
        "up (ten 100 ms sleeps in a row late by less than 20 ms, at most 15 s: after many "
        "DTLS handshakes its sockets hold a backlog that would otherwise be counted), then a "
        f"window of {args.vr_seconds:g} s between the generator's `WINDOW start` / "
        "`WINDOW end`. "
        "Forwarded packets/s: RTP packets (audio + video, no RTX) the subscribers received "
        "in the window / window. CPU: user + system time from /proc of rtpengine and every "
        "Kamailio process (ours) or of janus (all threads) in the window; the generator's "
        "CPU is not counted (shown apart). Loss per subscriber: the larger of the RTCP-style "
        "loss (sequence-number span minus packets received) and 1 - received / sent by its "
        "publisher in the same window.",
        "- Ours and Janus alternate step by step (ours first), so each pair ran close in "
        "time; the machine has 2 cores for the SFU, the generator and everything else.",
        "",
        "| system | scenario | N | subscriptions | forwarded/s | worst loss | server CPU s | "
        "CPU per packet | per CPU s | SFU cores | generator cores | UDP drops generator / SFU | "
        "setup + settle | load average before |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        cpu = f"{r['server_cpu_seconds']:.2f}"
        if "cpu_rtpengine" in r:
            cpu += f" (rtpengine {r['cpu_rtpengine']:.2f}, Kamailio {r['cpu_kamailio']:.2f})"
        up = "" if r["connected"] == r["subscriptions"] else f" ({r['connected']} up)"
        over = "" if r["ok"] else " (over)"
        L.append(f"| {r['system']} | {r['scenario']} | {r['n']} | {r['subscriptions']}{up}"
                 f" | {r['forwarded_per_s']:,.0f} | {r['worst_loss_pct']:.2f} %{over}"
                 f" | {cpu} | {r['us_cpu_per_packet']:.1f} µs"
                 f" | {r['per_cpu_second']:,.0f} | {r['server_cores_busy']:.2f}"
                 f" | {r['loadgen_cores_busy']:.2f}"
                 f" | {r['generator_udp_drops']:,} / {r['sfu_udp_drops']:,}"
                 f" | {r['setup_s']:.1f} + {r['settle_s']:.1f} s | {r['loadavg_before']} |")
    L += [""] + list(res.get("notes") or []) + [""] + KERNEL_NOTE + [""]
    return L


def small_rtpengine(cls, workdir):
    """run_bench's rtpengine for a run of this benchmark alone: a block of
    2000 ports or less (each subscription takes two RTP/RTCP pairs)."""
    for ports in (2000, 1200, 800):
        try:
            return cls(workdir, ports=ports)
        except RuntimeError as e:
            if "no free block" not in str(e):
                raise
    return cls(workdir, ports=600)
