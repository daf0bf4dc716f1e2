# SPDX-License-Identifier: GPL-2.0-or-later
"""Report of runs 1-6 of issue 7 for run_bench.py: the summary table (every
figure beside its peer, the ratio and the goal), one section per run with
its method, CSV files and gnuplot PNG plots."""

import csv
import os
import shutil
import statistics
import subprocess

KIB = 1024


def read_buffer_kib():
    """The default config's TCP_READ_BUFFER (the core's tcp_rd_buf_size), in KiB."""
    cfg = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "kamailio-cfg",
                       "kamailio.cfg")
    with open(cfg) as f:
        for line in f:
            if line.startswith("#!trydef TCP_READ_BUFFER "):
                return int(line.split()[2]) // 1024
    raise RuntimeError("kamailio.cfg has no TCP_READ_BUFFER")


def _fmt(v, unit):
    if v is None or v == "":
        return "-"
    if unit == "B":
        return f"{v:,.0f} B"
    if unit == "ms":
        return f"{v:.3f} ms"
    if unit == "/s":
        return f"{v:,.0f}/s"
    return f"{v:,.1f} {unit}"


MIXER_NOTE = ("Ours by default mixes the 4 loudest of a room (`max_speakers`) and sends "
              "everybody else one shared encoding of that sum; AudioBridge mixes everyone and "
              "encodes per listener. The rows with `max_speakers 0` do AudioBridge's work. "
              "Goals of issue 6: at least 150 Opus participants per core and twice "
              "AudioBridge's; at least 1,000 G.711 participants per core. Every participant "
              "of the bench talks at once, the worst case for the speaker cap.")


def _media_value(v, unit):
    if v is None or v == "":
        return "-"
    v = float(v)
    text = f"{v:,.2f}" if abs(v) < 10 else f"{v:,.0f}"
    return f"{text} {unit}" if unit else text


def media_table(rows):
    """Rows of runs 5 and 6 (bench_media.py: figure, ours, peer, unit,
    ratio, note) as a Markdown table."""
    L = ["| figure | ours | peer | ratio (ours / peer) | note |", "|---|---:|---:|---:|---|"]
    for r in rows:
        unit = r.get("unit") or ""
        ratio = r.get("ratio")
        L.append(f"| {r['figure']} | {_media_value(r.get('ours'), unit)} | "
                 f"{_media_value(r.get('peer'), unit)} | "
                 f"{f'{float(ratio):.2f}x' if ratio not in (None, '') else '-'} | "
                 f"{r.get('note') or ''} |")
    return L


def write_csv(path, rows):
    if not rows:
        return
    fields = []
    for r in rows:
        for k in r:
            if k not in fields:
                fields.append(k)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for row in rows:
            w.writerow({k: (f"{v:.3f}" if isinstance(v, float) else v) for k, v in row.items()})


# ---- figures per run -------------------------------------------------------------

def sip_figures(res):
    rows = res["rows"]
    med = {}
    for key in {r["variant"] for r in rows}:
        rs = [r for r in rows if r["variant"] == key]
        med[key] = {
            "kam": statistics.median(r["kamailio_cpu_ms_per_call"] for r in rs),
            "rtp": statistics.median(r["rtpengine_cpu_ms_per_call"] for r in rs),
            "failed": sum(r["failed"] for r in rs),
        }
    return med


def best(rows, peer, key="rate"):
    rs = [r for r in rows if r["peer"] == peer]
    return max(rs, key=lambda r: r[key]) if rs else None


def clean_best(rows, peer):
    """The highest rate among steps without errors (else the highest)."""
    rs = [r for r in rows if r["peer"] == peer and r["errors"] == 0]
    return max(rs, key=lambda r: r["rate"]) if rs else best(rows, peer)


def summary(results, args):
    """[(run, figure, ours, peer_name, peer_value, ratio, goal, verdict)]"""
    out = []
    sip = results.get("sip")
    if sip:
        m = sip_figures(sip)
        bare = m["bare"]["kam"]
        for key, label in (("ours-full", "full work (auth, location, rtpengine)"),
                           ("ours-same-work", "same work (no auth, no SDP)")):
            ratio = m[key]["kam"] / bare if bare else 0
            out.append(("1. SIP overhead", f"Kamailio CPU per call, default kamailio.cfg, {label}",
                        f"{m[key]['kam']:.3f} ms", "bare t_relay proxy", f"{bare:.3f} ms",
                        f"{ratio:.2f}x", "<= 1.3x", "met" if ratio <= 1.3 else "NOT met"))
    else:
        out.append(("1. SIP overhead", "CPU per call", "not available", "bare proxy", "-", "-",
                    "<= 1.3x", "-"))
    reg = results.get("reg")
    if reg:
        o, j = clean_best(reg["rows"], "ours"), clean_best(reg["rows"], "janus")
        jk = clean_best(reg["rows"], "janus-keep-handle")
        if o and j:
            ratio = o["rate"] / j["rate"] if j["rate"] else float("inf")
            out.append(("2. Gateway registrations", "account-add + account-register per second "
                        "(best step)", _fmt(o["rate"], "/s"), "Janus SIP plugin: attach + register",
                        _fmt(j["rate"], "/s"), f"{ratio:.1f}x", ">= 5x",
                        "met" if ratio >= 5 else "NOT met"))
        if o and jk:
            ratio = o["rate"] / jk["rate"] if jk["rate"] else float("inf")
            out.append(("2. Gateway registrations", "  the same, Janus re-registering on one "
                        "handle (no attach per registration)", _fmt(o["rate"], "/s"),
                        "Janus SIP plugin: register only", _fmt(jk["rate"], "/s"),
                        f"{ratio:.1f}x", "(not the goal's flow)", "-"))
        if o and j:
            ratio = o["per_cpu_second"] / j["per_cpu_second"] if j["per_cpu_second"] else 0
            out.append(("2. Gateway registrations", "  registrations per server CPU second",
                        _fmt(o["per_cpu_second"], "/s"), "Janus + its registrar",
                        _fmt(j["per_cpu_second"], "/s"), f"{ratio:.1f}x", "-", "-"))
    else:
        out.append(("2. Gateway registrations", "per second", "not available", "Janus", "-", "-",
                    ">= 5x", "-"))
    calls = results.get("call")
    if calls:
        o, j = clean_best(calls["rows"], "ours"), clean_best(calls["rows"], "janus")
        if o:
            out.append(("3. Gateway calls", "call setups per second with rtpengine (best step "
                        "without errors)", _fmt(o["rate"], "/s"), "goal", "500/s",
                        f"{o['rate'] / 500:.2f}x", ">= 500/s",
                        "met" if o["rate"] >= 500 else "NOT met"))
        if o and j:
            ratio = o["rate"] / j["rate"] if j["rate"] else 0
            out.append(("3. Gateway calls", "  call setups per second, best step",
                        _fmt(o["rate"], "/s"), "Janus SIP plugin", _fmt(j["rate"], "/s"),
                        f"{ratio:.1f}x", "-", "-"))
            ratio = o["per_cpu_second"] / j["per_cpu_second"] if j["per_cpu_second"] else 0
            out.append(("3. Gateway calls", "  call setups per server CPU second (at those steps)",
                        _fmt(o["per_cpu_second"], "/s"), "Janus + proxy + rtpengine",
                        _fmt(j["per_cpu_second"], "/s"), f"{ratio:.1f}x", ">= 5x",
                        "met" if ratio >= 5 else "NOT met"))
            jcpu = j.get("cpu_janus", 0)
            jonly = j["setups"] / jcpu if jcpu else 0
            ratio = o["per_cpu_second"] / jonly if jonly else 0
            out.append(("3. Gateway calls", "  the same, Janus's own CPU only (its proxy and "
                        "rtpengine left out)", _fmt(o["per_cpu_second"], "/s"), "Janus alone",
                        _fmt(jonly, "/s"), f"{ratio:.1f}x", "-", "-"))
            out.append(("3. Gateway calls", "  setup latency p50 / p99 at the best step",
                        f"{o['p50_ms']:.1f} / {o['p99_ms']:.1f} ms", "Janus SIP plugin",
                        f"{j['p50_ms']:.1f} / {j['p99_ms']:.1f} ms", "-", "-", "-"))
    else:
        out.append(("3. Gateway calls", "setups per second", "not available", "Janus", "-", "-",
                    ">= 500/s, >= 5x per CPU s", "-"))
    idle = results.get("idle")
    if idle:
        o = next(r for r in idle["rows"] if r["peer"] == "ours")
        j = next((r for r in idle["rows"] if r["peer"] == "janus"), None)
        ws = results.get("ws_debian_idle")
        ours_b = o["shm_real_used_per_conn"]
        goal_ok = ours_b < 16 * KIB
        below = []
        if j:
            below.append(ours_b < j["rss_per_conn"])
            out.append(("4. Idle WebSocket connections", f"memory per idle connection "
                        f"({o['connections']:,}): ours Kamailio shm, Janus process RSS",
                        _fmt(ours_b, "B"), "Janus (session per connection)",
                        _fmt(j["rss_per_conn"], "B"), f"{ours_b / j['rss_per_conn']:.2f}x"
                        if j["rss_per_conn"] else "-", "< 16 KiB, below both",
                        "met" if goal_ok and ours_b < j["rss_per_conn"] else "NOT met"))
        if ws:
            below.append(ours_b < ws)
            out.append(("4. Idle WebSocket connections", "  beside Debian's websocket.so carrying "
                        "SIP (shm, from the transport run above)", _fmt(ours_b, "B"),
                        "websocket.so", _fmt(ws, "B"), f"{ours_b / ws:.2f}x", "< 16 KiB, below both",
                        "met" if goal_ok and ours_b < ws else "NOT met"))
        out.append(("4. Idle WebSocket connections", "  ours, whole-process view (PSS of all "
                    "Kamailio processes)", _fmt(o["pss_per_conn"], "B"), "-", "-", "-", "-", "-"))
    else:
        out.append(("4. Idle WebSocket connections", "memory per connection", "not available",
                    "Janus; websocket.so", "-", "-", "< 16 KiB", "-"))
    for key, run, peer in (("msrp", "5. MSRP fan-out", "-"), ("mixer", "6. Mixer", "Janus AudioBridge")):
        rows = results.get(key)
        if rows:
            for r in rows:
                ratio = r.get("ratio")
                out.append((run, str(r.get("figure", "")), _media_val(r, "ours"),
                            peer, _media_val(r, "peer"),
                            f"{ratio:.2f}x" if isinstance(ratio, (int, float)) else "-",
                            str(r.get("goal", "-")), str(r.get("verdict", "-"))))
        else:
            out.append((run, "not available", "not available", peer, "-", "-", "-", "-"))
    return out


def _media_val(r, key):
    v = r.get(key)
    if v is None or v == "":
        return "-"
    if isinstance(v, float):
        return f"{v:,.3f} {r.get('unit', '')}".strip()
    return f"{v} {r.get('unit', '')}".strip() if isinstance(v, int) else str(v)


def print_summary(rows):
    print()
    print("Issue 7 runs:")
    for run, fig, ours, pname, pval, ratio, goal, verdict in rows:
        print(f"  {run}: {fig.strip()}: ours {ours} | {pname} {pval} | ratio {ratio} | "
              f"goal {goal}: {verdict}")
    print()


# ---- plots ----------------------------------------------------------------------------

def gnuplot_available():
    return shutil.which("gnuplot") is not None


def _dat(path, rows, xkey, ykeys):
    with open(path, "w") as f:
        for r in sorted(rows, key=lambda r: r[xkey]):
            f.write(" ".join(str(r[k]) for k in [xkey] + ykeys) + "\n")


def plots(results, outdir, workdir):
    """PNG plots through gnuplot; returns the file names written."""
    if not gnuplot_available():
        return []
    written = []
    script = ['set terminal pngcairo size 900,560 font "sans,10"' if _has_cairo()
              else 'set terminal png size 900,560', 'set grid', 'set key top left']
    reg = results.get("reg")
    if reg:
        for peer in ("ours", "janus", "janus-keep-handle"):
            _dat(os.path.join(workdir, f"reg-{peer}.dat"),
                 [r for r in reg["rows"] if r["peer"] == peer], "step",
                 ["rate", "p50_ms", "p99_ms"])
        out = os.path.join(outdir, "registrations.png")
        script += [
            f'set output "{out}"', 'set multiplot layout 1,2',
            'set title "Gateway registrations per second"',
            'set xlabel "connections (each one registration at a time)"', 'set logscale y',
            'set ylabel "registrations/s"',
            f'plot "{workdir}/reg-ours.dat" u 1:2 w lp t "ours (sylkRTC)", '
            f'"{workdir}/reg-janus.dat" u 1:2 w lp t "Janus SIP plugin (attach+register)", '
            f'"{workdir}/reg-janus-keep-handle.dat" u 1:2 w lp t "Janus, register only"',
            'set title "Registration latency (register sent -> registered)"',
            'set ylabel "ms"',
            f'plot "{workdir}/reg-ours.dat" u 1:3 w lp t "ours p50", '
            f'"{workdir}/reg-ours.dat" u 1:4 w lp t "ours p99", '
            f'"{workdir}/reg-janus.dat" u 1:3 w lp t "Janus p50", '
            f'"{workdir}/reg-janus.dat" u 1:4 w lp t "Janus p99"',
            'unset multiplot', 'unset logscale y']
        written.append("registrations.png")
    calls = results.get("call")
    if calls:
        for peer in ("ours", "janus"):
            _dat(os.path.join(workdir, f"call-{peer}.dat"),
                 [r for r in calls["rows"] if r["peer"] == peer], "offered_rate",
                 ["rate", "p50_ms", "p99_ms"])
        out = os.path.join(outdir, "calls.png")
        script += [
            f'set output "{out}"', 'set multiplot layout 1,2',
            'set title "Call setups per second versus offered load"',
            'set xlabel "offered call setups/s"', 'set ylabel "achieved setups/s"',
            f'plot x w l dt 2 t "offered", "{workdir}/call-ours.dat" u 1:2 w lp t "ours (sylkRTC)", '
            f'"{workdir}/call-janus.dat" u 1:2 w lp t "Janus SIP plugin"',
            'set title "Call setup latency (session-create / call -> accepted)"',
            'set ylabel "ms"', 'set logscale y',
            f'plot "{workdir}/call-ours.dat" u 1:3 w lp t "ours p50", '
            f'"{workdir}/call-ours.dat" u 1:4 w lp t "ours p99", '
            f'"{workdir}/call-janus.dat" u 1:3 w lp t "Janus p50", '
            f'"{workdir}/call-janus.dat" u 1:4 w lp t "Janus p99"',
            'unset multiplot', 'unset logscale y']
        written.append("calls.png")
    if not written:
        return []
    path = os.path.join(workdir, "plots.gp")
    with open(path, "w") as f:
        f.write("\n".join(script) + "\n")
    p = subprocess.run(["gnuplot", path], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("gnuplot failed: " + p.stderr[-2000:])
    return written


def _has_cairo():
    p = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
    return "pngcairo" in (p.stdout + p.stderr)


# ---- markdown -------------------------------------------------------------------------

def markdown(results, summary_rows, args, plot_files):
    L = ["## Issue 7: every figure beside its peer", "",
         "Ratio = ours / peer. \"not available\": the feature is not there yet, or the run "
         "was left out (`--runs`).", "",
         "| run | figure | ours | peer | peer's figure | ratio | goal | verdict |",
         "|---|---|---:|---|---:|---:|---|---|"]
    for run, fig, ours, pname, pval, ratio, goal, verdict in summary_rows:
        L.append(f"| {run} | {fig.strip()} | {ours} | {pname} | {pval} | {ratio} | {goal} "
                 f"| {verdict} |")
    L.append("")
    for name in plot_files:
        L += [f"![{name}](bench/{name})", ""]

    sip = results.get("sip")
    if sip:
        m = sip_figures(sip)
        L += ["## Run 1: SIP overhead, default kamailio.cfg versus a bare proxy", "",
              f"SIPp (Debian's sip-tester) places {args.sip_calls:,} calls at {args.sip_rate}/s "
              f"through each setup, {args.sip_rounds} rounds, order alternated; each call is "
              "INVITE, (407, ACK, INVITE again), 100, 180, 200, ACK, BYE, 200, hung up at once. "
              "CPU per call = user + system CPU of all the Kamailio instance's processes (from "
              "/proc) during the calls / successful calls; the table gives the median of the "
              "rounds. Both Kamailio instances run "
              f"{args.workers} UDP workers, `-x tlsf -X tlsf`, log level 1.", "",
              "| setup | what Kamailio does per call | Kamailio CPU per call | ratio to bare | "
              "rtpengine CPU per call | failed calls |", "|---|---|---:|---:|---:|---:|"]
        bare = m["bare"]["kam"]
        for key, what in sip["variants"]:
            L.append(f"| {key} | {what} | {m[key]['kam']:.3f} ms | {m[key]['kam'] / bare:.2f}x | "
                     f"{m[key]['rtp']:.3f} ms | {m[key]['failed']} |")
        L += ["", "- bare: `tests/bench/bare-proxy.cfg` (tm, sl, rr, maxfwd: max-forwards "
              "check, record_route on INVITE, loose_route in dialog, t_relay); the Request-URI "
              "names the SIPp UAS, SIPp sends to the proxy with `-rsa`.",
              "- ours-same-work: the project's `kamailio-cfg/kamailio.cfg` unchanged; pike, "
              "sanity, NAT detection, transaction pre-checks, the gateway and conference hooks, "
              "record_route and a location lookup run; the caller's domain is not ours and the "
              "messages carry no SDP, so no authentication and no rtpengine. Same SIPp scenario "
              "pair as the bare proxy (`tests/bench/scenarios/bench_uac_plain.xml`, "
              "`bench_uas_plain.xml`).",
              "- ours-full: what the default config does for a call between two local users: "
              "digest authentication of the caller against SQLite (a 407 round first), "
              "location lookup, and media anchoring through rtpengine (offer on the INVITE's "
              "branch, answer on the 200, delete on BYE); rtpengine's own CPU is shown apart. "
              "SIPp: `bench_uac_auth.xml` against `bench_uas_sdp.xml`.",
              "- Raw rounds: [bench/sip_overhead.csv](bench/sip_overhead.csv).", ""]

    reg = results.get("reg")
    if reg:
        L += ["## Run 2: gateway registrations, sylkRTC versus Janus's SIP plugin", "",
              "Both gateways register against the same registrar: the project's Kamailio "
              "(default config, SQLite subscribers, digest auth: every registration is a "
              "REGISTER, its 401, a REGISTER with credentials and the 200). Generated accounts "
              "`bench0000...` are added to that instance's SQLite database by the bench.", "",
              f"- ours: `sylkload rtc-register C {args.reg_seconds}`: each of C sylkRTC-2 "
              "connections repeats account-add (with the HA1), account-register until the "
              "`registration-state` `registered` event, account-remove (the gateway then "
              f"un-REGISTERs). At most {args.conn_rps:g} requests per second per connection "
              "(`--conn-rps`), below the gateway's default per-connection limit of 50.",
              f"- Janus: `sylkload janus-register C {args.reg_seconds}`: one Janus session per "
              "connection; each repeats attach `janus.plugin.sip`, `register` (username, "
              "secret, proxy and outbound_proxy = the registrar), the `registered` event, "
              "`unregister` until `unregistered`, detach. This is the flow SylkServer drives "
              "(one SIP plugin handle per account). Janus is given the password (`secret`), "
              "ours the HA1, as each protocol wants.",
              "- Janus, register only (`--keep-handle`): the same handle registers, "
              "unregisters, registers again, without attach/detach.",
              "- Latency: register request sent -> registered event. Server CPU: Kamailio "
              "(ours: gateway and registrar in one process group) or Janus + Kamailio "
              "(Janus's registrar).", "",
              "| peer | connections | registrations/s | p50 | p99 | errors | server CPU s | "
              "per CPU s |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for r in reg["rows"]:
            L.append(f"| {r['peer']} | {r['step']} | {r['rate']:,.0f} | {r['p50_ms']:.1f} ms | "
                     f"{r['p99_ms']:.1f} ms | {r['errors']} | {r['server_cpu_seconds']:.2f} | "
                     f"{r['per_cpu_second']:,.0f} |")
        L += ["", "Raw: [bench/gateway_registrations.csv](bench/gateway_registrations.csv).", ""]

    calls = results.get("call")
    if calls:
        L += ["## Run 3: gateway calls with rtpengine, sylkRTC versus Janus's SIP plugin", "",
              f"Both gateways call {calls['callees']} SIPp UAS phones (`tests/bench/scenarios/bench_uas_sdp.xml`, "
              "registered at the project's Kamailio as generated users `callee0000...`) "
              "through that Kamailio, the caller authenticating with digest (407; since "
              "2026-12-07 our gateway's INVITE for a registered account is vouched for "
              "instead, `X-Sylk-Vouch`, no 407: figures measured before then include "
              "the 407 round). The offer is "
              "the same pre-made WebRTC-style SDP for both (Opus/PCMU/PCMA, `a=fingerprint`, "
              "`a=ice-ufrag`/`a=ice-pwd`, `a=setup:actpass`, rtcp-mux, no candidates: no real "
              "ICE or DTLS happens).", "",
              f"- ours: `sylkload rtc-call C {args.call_seconds} --call-rate R --hold "
              f"{args.hold:g}`: C sylkRTC-2 connections, each adds and registers its account "
              "first (not timed); calls start at R per second, each on a free connection: "
              "`session-create` -> `accepted` (timed), hold, `session-terminate` -> "
              "`terminated`. The gateway has rtpengine do the offer (WebRTC -> RTP/AVP) and the "
              "answer (-> DTLS/SAVPF with ICE) and deletes the call at the end; the proxy does "
              "not anchor the gateway's calls again.",
              "- Janus: `sylkload janus-call` with the same arguments: session, SIP handle and "
              "registration per connection first; then `call` with the offer as jsep -> "
              "`accepted` (timed), hold, `hangup` -> `hangup` event, then a 100 ms pause on "
              "that connection (Janus can send a second `hangup` event for the ended call "
              "shortly after the first; without the pause it would be taken for the next "
              "call's). Janus does the WebRTC side "
              "itself (its ICE agent, DTLS); its plain-RTP INVITE is treated by the default "
              "config like any SIP phone's call, so the proxy anchors its media in rtpengine "
              "too. Per-CPU figures count Janus + Kamailio + rtpengine (everything on the "
              "server side) and, apart, Janus alone.",
              "- Load generator and SIPp run on the same 2 cores.", "",
              "| peer | offered/s | connections | setups/s | p50 | p99 | failed calls | errors "
              "| backlog | server CPU s | setups per CPU s |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in calls["rows"]:
            L.append(f"| {r['peer']} | {r['offered_rate']} | {r['connections']} | "
                     f"{r['rate']:,.0f} | {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | "
                     f"{r['failed_calls']} | {r['errors']} | {r['backlog']} | "
                     f"{r['server_cpu_seconds']:.2f} | {r['per_cpu_second']:,.0f} |")
        L += ["", "backlog: most call starts that were due but found no free connection "
              "(the offered load was not fully applied). failed calls: for ours, setups that "
              "timed out or were refused; for Janus, mostly calls Janus itself ended while held "
              "(its BYE, `hangup` event \"200 to BYE\" before ours was sent), after they were "
              "accepted and counted as setups. Raw: "
              "[bench/gateway_calls.csv](bench/gateway_calls.csv).", ""]

    idle = results.get("idle")
    if idle:
        L += ["## Run 4: memory per idle WebSocket connection", "",
              "- ours: `sylkload rtc-idle N`: N sylkRTC-2 connections, each counted once the "
              "gateway's `ready-event` arrived; Kamailio's shared memory (`core.shmmem` "
              "real_used) before and after, divided by N (the same method as the websocket.so "
              "figure above). Also the PSS of all Kamailio processes (private memory of the "
              "TCP readers included).",
              "- Janus: `sylkload janus-idle N`: N connections to Janus's WebSocket transport, "
              "one Janus session created on each; the Janus process's RSS before and after.",
              "- websocket.so: from the transport run above (subprotocol sip, shm).", "",
              "| peer | connections | shm per connection | PSS per connection | RSS per "
              "connection |", "|---|---:|---:|---:|---:|"]
        for r in idle["rows"]:
            shm = r["shm_real_used_per_conn"]
            L.append(f"| {r['peer']}: {r['what']} | {r['connections']:,} | "
                     f"{_fmt(shm, 'B') if shm != '' else '-'} | {_fmt(r['pss_per_conn'], 'B')} | "
                     f"{_fmt(r['rss_per_conn'], 'B')} |")
        if results.get("ws_debian_idle"):
            L.append(f"| websocket.so (SIP) | {args.idle_connections:,} | "
                     f"{_fmt(results['ws_debian_idle'], 'B')} | - | - |")
        L += ["", "Most of our figure is the Kamailio core's per-connection read buffer "
              f"(`tcp_rd_buf_size`, {read_buffer_kib()} KiB in the default config, allocated in shm for every "
              "TCP connection; see the bare-TCP row of the transport run), not the gateway's "
              "state.", "", "Raw: [bench/idle_connections.csv](bench/idle_connections.csv).", ""]
    for key, title in (("msrp", "Run 5: MSRP chat fan-out"), ("mixer", "Run 6: mixer capacity")):
        rows = results.get(key)
        L += [f"## {title}", ""]
        if rows:
            L += media_table(rows)
            if key == "mixer":
                L += ["", MIXER_NOTE]
            L += ["", f"Raw: [bench/{key}.csv](bench/{key}.csv).", ""]
        else:
            L += ["not available", ""]
    return L
