#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The load generator of the video-room benchmark (bench_videoroom.py): one
process, one asyncio loop, real WebRTC peers on aiortc (ICE, DTLS-SRTP) that
publish pre-encoded media into a video room and subscribe to it, through
either of two SFUs:

  ours   sylkRTC-2 over WebSocket (videoroom-join, -feed-attach,
         -feed-answer) -> Kamailio's sylk_rtc -> rtpengine publish/subscribe
  janus  Janus VideoRoom over its WebSocket JSON API (join as publisher +
         publish, join as subscriber + start)

    vrpeer.py CONFIG.json

CONFIG: {"system": "ours"|"janus", "url": ws url, "scenario": "fanout"|"mesh",
"n": N, "seconds": S, "warmup": W, "media": path of the pickled frames,
"room": name, "accounts": [[user, ha1], ...] (ours), "domain": ...}.

fanout: one publisher, N subscribers (one PeerConnection each). mesh: N
participants, each publishing and subscribing to the N-1 others (N(N-1)
subscriber PeerConnections). Every publisher replays the same frames: VP8
at 30 frames/s and Opus every 20 ms, packetized by aiortc, so both SFUs get
the same packets. Subscribers do not decode: once SRTP is removed, their
transports only count packets (per SSRC, extended sequence numbers from the
header) instead of parsing and routing them to a receiver, so the
generator's cost per packet stays small and no NACK or PLI is sent.

stdout: "READY subscribers=.. connected=..", "WINDOW start", "WINDOW end",
then "RESULT {json}" with what each publisher sent and each subscriber
received within the window. Everything else goes to stderr.
"""

import asyncio
import fractions
import json
import pickle
import struct
import sys
import time
import uuid

import aioice.ice
import av
import websockets
from aiortc import (MediaStreamTrack, RTCConfiguration, RTCPeerConnection,
                    RTCSessionDescription)
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcrtpsender import RTCRtpSender

# loopback only: aioice skips 127.0.0.1 and would offer other interfaces
aioice.ice.get_host_addresses = lambda *args, **kwargs: ["127.0.0.1"]

WINDOW = [None, None]   # monotonic start, end of the measured window


def in_window(now):
    return WINDOW[0] is not None and WINDOW[0] <= now and (WINDOW[1] is None or now < WINDOW[1])


def log(msg):
    sys.stderr.write(f"[vrpeer {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


# ---- counting instead of decoding ----------------------------------------------------

class StreamCount:
    """One SSRC seen by one subscriber: packets in the window and the span
    of their extended sequence numbers (as RTCP computes loss)."""
    __slots__ = ("kind", "received", "first", "last", "cycles", "last_seq")

    def __init__(self, kind):
        self.kind = kind
        self.received = 0
        self.first = None
        self.last = None
        self.cycles = 0
        self.last_seq = None

    def add(self, seq):
        if self.last_seq is None:
            self.last_seq = seq
            ext = seq
        elif (seq - self.last_seq) & 0xFFFF < 0x8000:     # in order (or a gap)
            if seq < self.last_seq:
                self.cycles += 0x10000
            self.last_seq = seq
            ext = self.cycles + seq
        else:                                              # late or repeated
            ext = self.cycles + seq - (0x10000 if seq > self.last_seq else 0)
        self.received += 1
        if self.first is None or ext < self.first:
            self.first = ext
        if self.last is None or ext > self.last:
            self.last = ext


async def _count_rtp(self, data, arrival_time_ms):
    """Replaces RTCDtlsTransport._handle_rtp_data on every transport: a
    subscriber's transports count the decrypted packets (payload type,
    sequence number and SSRC read straight from the header); nothing is
    parsed further, routed to a receiver or decoded."""
    bench = getattr(self, "_bench", None)
    if bench is None or len(data) < 12 or not in_window(time.monotonic()):
        return
    counts, kinds = bench
    kind = kinds.get(data[1] & 0x7F)
    if kind is None:        # RTX or unknown
        return
    seq, ssrc = struct.unpack_from("!HxxxxI", data, 2)
    s = counts.get(ssrc)
    if s is None:
        s = counts[ssrc] = StreamCount(kind)
    s.add(seq)


RTCDtlsTransport._handle_rtp_data = _count_rtp

_orig_next = RTCRtpSender._next_encoded_frame


async def _counted_next(self, codec):
    frame = await _orig_next(self, codec)
    b = getattr(self, "_bench_sent", None)
    if b is not None and in_window(time.monotonic()):
        b[0] += len(frame.payloads)
    return frame


RTCRtpSender._next_encoded_frame = _counted_next


# ---- the replayed media ---------------------------------------------------------------

class ReplayTrack(MediaStreamTrack):
    """Pre-encoded frames as av.Packet objects, paced in real time: aiortc's
    sender packetizes them (encoder.pack) without encoding anything."""

    def __init__(self, kind, frames, clock, step, period):
        super().__init__()
        self.kind = kind
        self.frames = frames
        self.clock = clock
        self.step = step          # RTP clock ticks per frame
        self.period = period      # seconds per frame
        self.index = 0
        self.start = None
        self.time_base = fractions.Fraction(1, clock)

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        now = time.monotonic()
        if self.start is None:
            self.start = now
        else:
            due = self.start + self.index * self.period
            if due > now:
                await asyncio.sleep(due - now)
            elif now - due > 0.5:       # far behind (a stalled loop): no burst
                self.start = now - self.index * self.period
        data = self.frames[self.index % len(self.frames)]
        packet = av.Packet(data)
        packet.pts = self.index * self.step
        packet.time_base = self.time_base
        self.index += 1
        return packet


class SilentTrack(MediaStreamTrack):
    """An audio track that never yields a frame: a participant that only
    watches (ours needs every participant to publish something)."""
    kind = "audio"

    async def recv(self):
        while self.readyState == "live":
            await asyncio.sleep(3600)
        raise MediaStreamError


def new_pc():
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


class Publisher:
    def __init__(self, media, silent=False):
        self.pc = new_pc()
        self.sent = [0]
        if silent:
            self.pc.addTransceiver(SilentTrack(), direction="sendonly")
            self.senders = []
            return
        audio = ReplayTrack("audio", media["opus"], 48000, 960, 0.020)
        video = ReplayTrack("video", media["vp8"], 90000, 3000, 1 / 30)
        self.senders = [self.pc.addTransceiver(audio, direction="sendonly").sender,
                        self.pc.addTransceiver(video, direction="sendonly").sender]
        for s in self.senders:
            s._bench_sent = self.sent

    async def offer(self):
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription.sdp

    async def answer(self, sdp):
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))


class Subscriber:
    def __init__(self, publisher_index):
        self.pc = new_pc()
        self.publisher_index = publisher_index
        self.counts = {}

    async def answer(self, sdp):
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        kinds = {}
        for t in self.pc.getTransceivers():
            for c in t._codecs:
                if not c.mimeType.lower().endswith("/rtx"):
                    kinds[c.payloadType] = t.kind
        for t in self.pc.getTransceivers():
            t.receiver.transport._bench = (self.counts, kinds)
        return self.pc.localDescription.sdp


# ---- sylkRTC-2 ---------------------------------------------------------------------------

class SylkRtc:
    """One sylkRTC-2 connection: requests by transaction, events queued."""

    def __init__(self):
        self.ws = None
        self.waiting = {}
        self.events = []
        self.changed = asyncio.Event()

    async def open(self, url):
        self.ws = await websockets.connect(url, subprotocols=["sylkRTC-2"], ping_interval=None,
                                           max_size=None, open_timeout=20)
        first = json.loads(await asyncio.wait_for(self.ws.recv(), 20))
        if first.get("sylkrtc") != "ready-event":
            raise RuntimeError(f"greeting {first!r}")
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self):
        try:
            async for frame in self.ws:
                m = json.loads(frame)
                fut = self.waiting.pop(m.get("transaction"), None) \
                    if m.get("sylkrtc") in ("ack", "error") else None
                if fut is not None and not fut.done():
                    fut.set_result(m)
                else:
                    self.events.append(m)
                    self.changed.set()
        except websockets.ConnectionClosed:
            pass

    async def request(self, kind, timeout=20, **fields):
        tx = uuid.uuid4().hex
        fut = asyncio.get_running_loop().create_future()
        self.waiting[tx] = fut
        await self.ws.send(json.dumps(dict({"sylkrtc": kind, "transaction": tx}, **fields)))
        reply = await asyncio.wait_for(fut, timeout)
        if reply.get("sylkrtc") != "ack":
            raise RuntimeError(f"{kind}: {reply.get('error')}")
        return reply

    async def event(self, pred, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if pred(e):
                    del self.events[i]
                    return e
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no such event; pending {self.events[-5:]!r}")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except asyncio.TimeoutError:
                pass

    def vr_event(self, session, name, timeout=20, **match):
        return self.event(lambda e: e.get("sylkrtc") == "videoroom-event"
                          and e.get("session") == session and e.get("event") == name
                          and all(e.get(k) == v for k, v in match.items()), timeout)

    async def close(self):
        if self.ws is not None:
            await self.ws.close()


class OursParticipant:
    """A browser of ours: one connection, a registered account, one
    publisher session (real media or silent), feeds of others."""

    def __init__(self, cfg, index, media, publishes):
        self.cfg = cfg
        self.user, self.ha1 = cfg["accounts"][index]
        self.aor = f"{self.user}@{cfg['domain']}"
        self.session = f"{self.user}-pub"
        self.room = f"{cfg['room']}@videoconference.{cfg['domain']}"
        self.pub = Publisher(media, silent=not publishes)
        self.conn = SylkRtc()
        self.feeds = []

    async def join(self):
        c = self.conn
        await c.open(self.cfg["url"])
        await c.request("account-add", account=self.aor, password=self.ha1)
        await c.request("account-register", account=self.aor)
        await c.event(lambda e: e.get("sylkrtc") == "account-event"
                      and e.get("event") == "registration-state"
                      and e.get("account") == self.aor and e.get("state") == "registered")
        await c.request("videoroom-join", account=self.aor, session=self.session, uri=self.room,
                        sdp=await self.pub.offer(), audio=True,
                        video=bool(self.pub.senders))
        accepted = await c.vr_event(self.session, "session-state", state="accepted")
        await self.pub.answer(accepted["sdp"])

    async def subscribe(self, other, sub):
        c, feed = self.conn, f"{self.session}-sees-{other.session}"
        await c.request("videoroom-feed-attach", session=self.session, publisher=other.session,
                        feed=feed)
        offer = await c.vr_event(self.session, "feed-attached", feed=feed)
        await c.request("videoroom-feed-answer", session=self.session, feed=feed,
                        sdp=await sub.answer(offer["sdp"]))
        await c.vr_event(self.session, "feed-established", feed=feed)
        self.feeds.append(sub)

    async def leave(self):
        try:
            await self.conn.request("videoroom-leave", session=self.session, timeout=5)
        except Exception as e:  # noqa: BLE001 - teardown goes on
            log(f"{self.user}: leave: {e}")
        await self.conn.close()


# ---- Janus VideoRoom ---------------------------------------------------------------------

class JanusConn:
    """One Janus WebSocket connection with one Janus session."""

    def __init__(self):
        self.ws = None
        self.waiting = {}
        self.session = None

    async def open(self, url):
        self.ws = await websockets.connect(url, subprotocols=["janus-protocol"],
                                           ping_interval=None, max_size=None, open_timeout=20)
        self.reader = asyncio.ensure_future(self._read())
        self.session = (await self.call({"janus": "create"}))["data"]["id"]

    async def _read(self):
        try:
            async for frame in self.ws:
                m = json.loads(frame)
                q = self.waiting.get(m.get("transaction"))
                if q is not None:
                    q.put_nowait(m)
        except websockets.ConnectionClosed:
            pass

    async def call(self, msg, want_event=False, timeout=20):
        tx = uuid.uuid4().hex
        q = asyncio.Queue()
        self.waiting[tx] = q
        msg = dict(msg, transaction=tx)
        if self.session is not None and "session_id" not in msg:
            msg["session_id"] = self.session
        try:
            await self.ws.send(json.dumps(msg))
            deadline = time.monotonic() + timeout
            while True:
                m = await asyncio.wait_for(q.get(), max(0.01, deadline - time.monotonic()))
                kind = m.get("janus")
                if kind == "error":
                    raise RuntimeError(f"janus {msg.get('janus')}: {m.get('error')}")
                if kind == "ack" and want_event:
                    continue
                if kind == "event":
                    data = m.get("plugindata", {}).get("data", {})
                    if data.get("error"):
                        raise RuntimeError(f"janus {msg.get('body')}: {data.get('error')}")
                return m
        finally:
            self.waiting.pop(tx, None)

    async def attach(self):
        m = await self.call({"janus": "attach", "plugin": "janus.plugin.videoroom"})
        return m["data"]["id"]

    async def message(self, handle, body, jsep=None, want_event=True):
        msg = {"janus": "message", "handle_id": handle, "body": body}
        if jsep is not None:
            msg["jsep"] = jsep
        return await self.call(msg, want_event=want_event)

    async def close(self):
        if self.ws is not None:
            try:
                await self.call({"janus": "destroy"}, timeout=5)
            except Exception:  # noqa: BLE001 - teardown goes on
                pass
            await self.ws.close()


class JanusParticipant:
    """A janus.js-style participant: one connection and Janus session, a
    publisher handle (only when it publishes), one subscriber handle per
    feed (one PeerConnection per feed, as ours)."""

    def __init__(self, cfg, index, media, publishes):
        self.cfg = cfg
        self.name = f"p{index}"
        self.pub = Publisher(media) if publishes else None
        self.conn = JanusConn()
        self.feed_id = None
        self.feeds = []

    async def join(self):
        await self.conn.open(self.cfg["url"])
        if self.pub is None:
            return
        h = await self.conn.attach()
        joined = await self.conn.message(h, {"request": "join", "ptype": "publisher",
                                             "room": self.cfg["janus_room"],
                                             "display": self.name})
        self.feed_id = joined["plugindata"]["data"]["id"]
        m = await self.conn.message(h, {"request": "publish", "audio": True, "video": True},
                                    jsep={"type": "offer", "sdp": await self.pub.offer(),
                                          "trickle": False})
        await self.pub.answer(m["jsep"]["sdp"])

    async def subscribe(self, other, sub):
        h = await self.conn.attach()
        m = await self.conn.message(h, {"request": "join", "ptype": "subscriber",
                                        "room": self.cfg["janus_room"],
                                        "streams": [{"feed": other.feed_id}]})
        answer = await sub.answer(m["jsep"]["sdp"])
        await self.conn.message(h, {"request": "start"},
                                jsep={"type": "answer", "sdp": answer, "trickle": False})
        self.feeds.append(sub)

    async def leave(self):
        await self.conn.close()


async def janus_room(cfg, create):
    c = JanusConn()
    await c.open(cfg["url"])
    h = await c.attach()
    if create:
        await c.message(h, {"request": "create", "room": cfg["janus_room"],
                            "publishers": cfg["n"] + 2, "bitrate": 0, "fir_freq": 0,
                            "audiocodec": "opus", "videocodec": "vp8",
                            "notify_joining": False, "permanent": False}, want_event=False)
    else:
        await c.message(h, {"request": "destroy", "room": cfg["janus_room"]}, want_event=False)
    await c.close()


# ---- the run ------------------------------------------------------------------------------

async def gather_limited(coros, limit):
    sem = asyncio.Semaphore(limit)

    async def one(c):
        async with sem:
            return await c
    return await asyncio.gather(*(one(c) for c in coros))


async def run(cfg):
    with open(cfg["media"], "rb") as f:
        media = pickle.load(f)
    n, scenario, system = cfg["n"], cfg["scenario"], cfg["system"]
    make = OursParticipant if system == "ours" else JanusParticipant
    if scenario == "fanout":
        # participant 0 publishes; 1..n only watch
        people = [make(cfg, i, media, i == 0) for i in range(n + 1)]
        pairs = [(people[i], people[0]) for i in range(1, n + 1)]
        publishers = [people[0]]
    else:
        people = [make(cfg, i, media, True) for i in range(n)]
        pairs = [(me, other) for me in people for other in people if other is not me]
        publishers = people
    if system == "janus":
        await janus_room(cfg, True)
    t0 = time.monotonic()
    subs = []
    errors = []
    try:
        await gather_limited([p.join() for p in people], 4)
        for p in publishers:
            await wait_connected(p.pub.pc, 20, "publisher")
        jobs = []
        for me, other in pairs:
            sub = Subscriber(people.index(other))
            subs.append(sub)
            jobs.append(me.subscribe(other, sub))
        await gather_limited(jobs, 4)
        setup_s = time.monotonic() - t0
        connected = 0
        deadline = time.monotonic() + 20
        for s in subs:
            try:
                await wait_connected(s.pc, max(0.1, deadline - time.monotonic()), "subscriber")
                connected += 1
            except Exception as e:  # noqa: BLE001 - counted, the run goes on
                errors.append(f"subscriber: {e}")
        print(f"READY subscribers={len(subs)} connected={connected} setup_s={setup_s:.1f}",
              flush=True)
        await asyncio.sleep(cfg["warmup"])
        settle_s = await settle(15.0)
        for p in people:
            if getattr(p, "pub", None):
                p.pub.sent[0] = 0
        pcs = [s.pc for s in subs] + [p.pub.pc for p in people if getattr(p, "pub", None)]
        rx0 = datagrams(pcs)
        WINDOW[0] = time.monotonic()
        print("WINDOW start", flush=True)
        await asyncio.sleep(cfg["seconds"])
        WINDOW[1] = time.monotonic()
        print("WINDOW end", flush=True)
        rx1 = datagrams(pcs)
        seconds = WINDOW[1] - WINDOW[0]
        result = {"system": system, "scenario": scenario, "n": n, "seconds": seconds,
                  "setup_s": setup_s, "settle_s": settle_s, "connected": connected,
                  "errors": errors,
                  "publishers": [p.pub.sent[0] for p in publishers],
                  "transports": rx1["transports"],
                  "datagrams_in": rx1["packets"] - rx0["packets"],
                  "subscribers": []}
        pub_index = {id(p): i for i, p in enumerate(publishers)}
        for s in subs:
            streams = list(s.counts.values())
            received = sum(x.received for x in streams)
            expected = sum(x.last - x.first + 1 for x in streams if x.first is not None)
            result["subscribers"].append({
                "publisher": pub_index[id(people[s.publisher_index])],
                "received": received,
                "audio": sum(x.received for x in streams if x.kind == "audio"),
                "video": sum(x.received for x in streams if x.kind == "video"),
                "ssrcs": len(streams),
                "seq_expected": expected,
                "seq_lost": max(0, expected - received)})
        print("RESULT " + json.dumps(result), flush=True)
    finally:
        for p in people:
            try:
                await asyncio.wait_for(p.leave(), 10)
            except Exception as e:  # noqa: BLE001 - teardown goes on
                log(f"leave: {e!r}")
        pcs = [s.pc for s in subs] + [p.pub.pc for p in people if getattr(p, "pub", None)]
        await asyncio.gather(*(pc.close() for pc in pcs), return_exceptions=True)
        if system == "janus":
            try:
                await janus_room(cfg, False)
            except Exception as e:  # noqa: BLE001
                log(f"destroy room: {e!r}")


def datagrams(pcs):
    """Datagrams the generator's DTLS transports took in so far (SRTP, SRTCP
    and DTLS; STUN is aioice's and not in it), and how many transports."""
    out = {"transports": 0, "packets": 0}
    seen = set()
    for pc in pcs:
        for t in pc.getTransceivers():
            tr = t.receiver.transport
            if tr is None or id(tr) in seen:
                continue
            seen.add(id(tr))
            out["transports"] += 1
            out["packets"] += tr._RTCDtlsTransport__rx_packets
    return out


async def settle(limit):
    """Waits (at most `limit` seconds) until this process keeps up: ten
    sleeps of 100 ms in a row that overshoot by less than 20 ms. After
    setting many PeerConnections up (DTLS handshakes in Python) the loop is
    behind and the subscribers' sockets hold a backlog; a window opened then
    would count the backlog as forwarded packets."""
    t0 = time.monotonic()
    good = 0
    while good < 10 and time.monotonic() - t0 < limit:
        before = time.monotonic()
        await asyncio.sleep(0.1)
        good = good + 1 if time.monotonic() - before < 0.12 else 0
    return time.monotonic() - t0


async def wait_connected(pc, timeout, what):
    deadline = time.monotonic() + timeout
    while pc.connectionState != "connected":
        if pc.connectionState == "failed":
            raise RuntimeError(f"{what}: connection failed")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: {pc.connectionState} after {timeout:.0f} s")
        await asyncio.sleep(0.05)


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    asyncio.run(run(cfg))


if __name__ == "__main__":
    main()
