# SPDX-License-Identifier: GPL-2.0-or-later
"""A real WebRTC peer for the tests, built on Debian's python3-aiortc: ICE,
DTLS-SRTP and a real codec (Opus, or G.711 when that is what gets
negotiated), all on 127.0.0.1.

The peer sends a sine tone of a chosen frequency and records what it
receives, so a test can tell *which* audio came back (its own tone through
an echo, or the far end's tone) rather than only that packets arrived.

aiortc is asyncio based; the tests and the sylkRTC client are synchronous.
`WebRtcPeer` is a synchronous facade: every peer's coroutines run on one
shared event loop in a daemon thread and each method waits for its result.

    peer = WebRtcPeer(tone_hz=1000)
    offer = peer.create_offer()            # SDP text, all candidates gathered
    ...send offer, get answer...
    peer.set_answer(answer_sdp)
    peer.wait_connected(10)
    peer.wait_for_tone(1000, timeout=10)   # the tone came back
    peer.close()
"""

import asyncio
import fractions
import math
import threading
import time

import aioice.ice
import numpy
from av import AudioFrame
from aiortc import (MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCRtpSender,
                    RTCSessionDescription)
from aiortc.mediastreams import MediaStreamError

# aioice never offers 127.0.0.1 and would advertise every other interface:
# the tests run on loopback only, so loopback is the one host address.
aioice.ice.get_host_addresses = lambda *args, **kwargs: ["127.0.0.1"]

SAMPLE_RATE = 48000
PTIME = 0.020
SAMPLES_PER_FRAME = int(SAMPLE_RATE * PTIME)
AMPLITUDE = 8000  # of 32767: loud enough to survive G.711 and Opus, no clipping


# ---------------------------------------------------------------- the loop

_loop = None
_loop_lock = threading.Lock()


def event_loop():
    """The shared asyncio loop, started on first use in a daemon thread."""
    global _loop
    with _loop_lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run():
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="webrtc-loop", daemon=True).start()
            ready.wait()
            _loop = loop
    return _loop


def run_sync(coro, timeout=30):
    """Run a coroutine on the shared loop and wait for its result."""
    return asyncio.run_coroutine_threadsafe(coro, event_loop()).result(timeout)


# ---------------------------------------------------------------- sending

class ToneTrack(MediaStreamTrack):
    """Audio track: a continuous sine at `frequency` Hz (None = silence),
    48 kHz mono, 20 ms frames paced in real time. The frequency can be
    changed while the call runs."""

    kind = "audio"

    def __init__(self, frequency=1000, amplitude=AMPLITUDE):
        super().__init__()
        self.frequency = frequency
        self.amplitude = amplitude
        self._phase = 0.0
        self._start = None
        self._pts = 0
        self.frames_sent = 0

    async def recv(self):
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._pts += SAMPLES_PER_FRAME
            delay = self._start + self._pts / SAMPLE_RATE - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        if self.frequency:
            step = 2 * math.pi * self.frequency / SAMPLE_RATE
            phases = self._phase + step * numpy.arange(SAMPLES_PER_FRAME)
            self._phase = float((self._phase + step * SAMPLES_PER_FRAME) % (2 * math.pi))
            samples = (self.amplitude * numpy.sin(phases)).astype(numpy.int16)
        else:
            samples = numpy.zeros(SAMPLES_PER_FRAME, dtype=numpy.int16)
        frame = AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        self.frames_sent += 1
        return frame


# ---------------------------------------------------------------- receiving

def goertzel_power(samples, sample_rate, frequency):
    """Power of one frequency in a block of samples (Goertzel), normalised
    so that a full-scale sine gives about 0.25 whatever the block length."""
    n = len(samples)
    if n == 0:
        return 0.0
    coeff = 2 * math.cos(2 * math.pi * frequency / sample_rate)
    s1 = s2 = 0.0
    for x in samples:
        s0 = x + coeff * s1 - s2
        s2, s1 = s1, s0
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    return power / (n * n)


class AudioRecorder:
    """Collects the decoded audio of a remote track as mono float samples
    in [-1, 1], with their arrival times, and analyses it."""

    def __init__(self):
        self._lock = threading.Lock()
        self._chunks = []  # (arrival time.monotonic(), numpy float32 mono)
        self.sample_rate = None
        self.frames = 0
        self.first_frame_at = None
        self.codec_rate_seen = set()
        self.ended = False

    def add(self, frame):
        data = frame.to_ndarray()
        channels = len(frame.layout.channels)
        if frame.format.is_planar:
            mono = data[0]
        else:
            mono = data.reshape(-1)[::channels]
        if frame.format.name.startswith("s16"):
            mono = mono.astype(numpy.float32) / 32768.0
        else:
            mono = mono.astype(numpy.float32)
        now = time.monotonic()
        with self._lock:
            if self.sample_rate is not None and frame.sample_rate != self.sample_rate:
                self._chunks = []  # a codec change: keep one rate in the buffer
            self.sample_rate = frame.sample_rate
            self.codec_rate_seen.add(frame.sample_rate)
            self._chunks.append((now, mono))
            self.frames += 1
            if self.first_frame_at is None:
                self.first_frame_at = now
            # keep at most a minute of audio
            while len(self._chunks) > 3000:
                self._chunks.pop(0)

    def clear(self):
        with self._lock:
            self._chunks = []

    def samples(self, seconds=None):
        """The audio received in the last `seconds` (all of it when None)."""
        with self._lock:
            chunks = list(self._chunks)
        if seconds is not None:
            since = time.monotonic() - seconds
            chunks = [c for c in chunks if c[0] >= since]
        if not chunks:
            return numpy.zeros(0, dtype=numpy.float32)
        return numpy.concatenate([c[1] for c in chunks])

    def rms(self, seconds=0.5):
        s = self.samples(seconds)
        return float(numpy.sqrt(numpy.mean(s * s))) if len(s) else 0.0

    def energy_at(self, frequency, seconds=0.5):
        """Share (0..1) of the signal's power that lies at `frequency` (a
        Goertzel bin over the last `seconds`, Hann window): a clean tone at
        that frequency gives ~1 (G.711 ~0.99), another frequency or silence ~0."""
        s = self.samples(seconds)
        if len(s) < 64 or not self.sample_rate:
            return 0.0
        w = s * numpy.hanning(len(s))
        total = float(numpy.sum(w * w))
        if total <= 1e-12:
            return 0.0
        # Goertzel via numpy (a single DFT bin): |sum w[n] e^{-j 2 pi f n / fs}|^2
        n = numpy.arange(len(w))
        phasor = numpy.exp(-2j * numpy.pi * frequency * n / self.sample_rate)
        bin_power = abs(numpy.dot(w, phasor)) ** 2
        # a pure sine puts |X|^2 = (A*sum(win)/2)^2 in its bin while
        # sum(w^2) = A^2/2 * sum(win^2): normalise so a pure tone gives ~1
        win = numpy.hanning(len(s))
        scale = (numpy.sum(win) ** 2 / 4) / (numpy.sum(win * win) / 2)
        return float(min(1.0, bin_power / total / scale))

    def dominant_frequency(self, seconds=0.5, min_rms=0.003):
        """The strongest frequency (Hz) in the last `seconds`, or None when
        there is (almost) only silence."""
        s = self.samples(seconds)
        if len(s) < 256 or not self.sample_rate:
            return None
        if float(numpy.sqrt(numpy.mean(s * s))) < min_rms:
            return None
        spectrum = numpy.abs(numpy.fft.rfft(s * numpy.hanning(len(s))))
        spectrum[0] = 0.0
        peak = int(numpy.argmax(spectrum))
        # parabolic interpolation between bins for a better estimate
        if 0 < peak < len(spectrum) - 1:
            a, b, c = spectrum[peak - 1], spectrum[peak], spectrum[peak + 1]
            denom = a - 2 * b + c
            offset = 0.5 * (a - c) / denom if denom else 0.0
        else:
            offset = 0.0
        return float((peak + offset) * self.sample_rate / len(s))


# ---------------------------------------------------------------- the peer

class AsyncWebRtcPeer:
    """The asyncio peer. Use WebRtcPeer from synchronous code."""

    def __init__(self, tone_hz=1000, codecs=None, direction="sendrecv"):
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.tone = ToneTrack(tone_hz)
        self.recorder = AudioRecorder()
        self.codecs = codecs
        self.states = []  # (time, connectionState) as they changed
        self.remote_tracks = []
        self._readers = []
        self.transceiver = self.pc.addTransceiver(self.tone, direction=direction)
        self._apply_codecs()

        @self.pc.on("connectionstatechange")
        def on_state():
            self.states.append((time.monotonic(), self.pc.connectionState))

        @self.pc.on("track")
        def on_track(track):
            self.remote_tracks.append(track)
            if track.kind == "audio":
                self._readers.append(asyncio.ensure_future(self._read(track)))

    def _apply_codecs(self):
        if not self.codecs:
            return
        available = RTCRtpSender.getCapabilities("audio").codecs
        wanted = []
        for name in self.codecs:
            found = [c for c in available if c.mimeType.lower() == "audio/" + name.lower()]
            if not found:
                raise ValueError(f"aiortc has no audio codec {name}")
            wanted += found
        self.transceiver.setCodecPreferences(wanted)

    async def _read(self, track):
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                self.recorder.ended = True
                return
            self.recorder.add(frame)

    async def create_offer(self):
        offer = await self.pc.createOffer()
        await self.pc.setLocalDescription(offer)  # aiortc gathers every candidate here
        return self.pc.localDescription.sdp

    async def set_answer(self, sdp):
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    async def accept_offer(self, sdp):
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        # the transceiver aiortc made for the remote m-line gets our tone
        for transceiver in self.pc.getTransceivers():
            if transceiver.kind == "audio" and transceiver is not self.transceiver:
                if transceiver.sender.track is None:
                    transceiver.sender.replaceTrack(self.tone)
                if transceiver.direction == "recvonly":
                    transceiver.direction = "sendrecv"
                self.transceiver = transceiver
                self._apply_codecs()
                break
        answer = await self.pc.createAnswer()
        await self.pc.setLocalDescription(answer)
        return self.pc.localDescription.sdp

    async def stats(self):
        report = await self.pc.getStats()
        return {key: vars(value) for key, value in report.items()}

    async def close(self):
        await self.pc.close()
        for reader in self._readers:
            reader.cancel()


class WebRtcPeer:
    """Synchronous facade over AsyncWebRtcPeer.

    tone_hz:   frequency of the sine the peer sends (None = silence).
    codecs:    audio codec preference by name, e.g. ["opus"] or
               ["opus", "PCMU", "PCMA"]; None = aiortc's default list
               (opus, PCMU, PCMA).
    direction: initial transceiver direction.
    """

    def __init__(self, tone_hz=1000, codecs=None, direction="sendrecv"):
        async def make():
            return AsyncWebRtcPeer(tone_hz, codecs, direction)
        self.peer = run_sync(make())
        self.recorder = self.peer.recorder

    # signalling ----------------------------------------------------------
    def create_offer(self, timeout=30):
        """Local offer SDP text with all candidates (127.0.0.1 host only).
        Call it again after set_direction() for a re-offer."""
        return run_sync(self.peer.create_offer(), timeout)

    def set_answer(self, sdp, timeout=30):
        run_sync(self.peer.set_answer(sdp), timeout)

    def accept_offer(self, sdp, timeout=30):
        """Apply a remote offer and return our answer SDP text."""
        return run_sync(self.peer.accept_offer(sdp), timeout)

    def set_direction(self, direction):
        """sendrecv / sendonly / recvonly / inactive for the next offer
        (call create_offer() again for the re-offer). aiortc 1.4 changes
        only the SDP: a sender that runs keeps sending and a stopped one
        is not restarted; use set_tone(None) for silence on hold."""
        async def change():
            self.peer.transceiver.direction = direction
        run_sync(change())

    @property
    def local_sdp(self):
        d = self.peer.pc.localDescription
        return d.sdp if d else None

    @property
    def remote_sdp(self):
        d = self.peer.pc.remoteDescription
        return d.sdp if d else None

    @property
    def negotiated_codec(self):
        """mimeType of the codec the sender uses, e.g. 'audio/opus'."""
        codecs = getattr(self.peer.transceiver, "_codecs", None) or []
        return codecs[0].mimeType if codecs else None

    # state ---------------------------------------------------------------
    @property
    def connection_state(self):
        return self.peer.pc.connectionState

    @property
    def ice_connection_state(self):
        return self.peer.pc.iceConnectionState

    @property
    def state_history(self):
        return [state for _, state in self.peer.states]

    def wait_state(self, wanted, timeout=10):
        """Wait for connectionState `wanted` ('connected', 'failed', 'closed'...);
        raise TimeoutError (or RuntimeError on 'failed' when not wanted)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.connection_state
            if state == wanted:
                return state
            if state == "failed" and wanted != "failed":
                raise RuntimeError(f"WebRTC connection failed (states {self.state_history})")
            time.sleep(0.02)
        raise TimeoutError(f"WebRTC state {self.connection_state!r} after {timeout}s, "
                           f"wanted {wanted!r} (states {self.state_history})")

    def wait_connected(self, timeout=10):
        """ICE and DTLS both up."""
        return self.wait_state("connected", timeout)

    # media ---------------------------------------------------------------
    def set_tone(self, frequency):
        """Change the sent tone at once (None = silence)."""
        self.peer.tone.frequency = frequency

    @property
    def frames_sent(self):
        return self.peer.tone.frames_sent

    @property
    def frames_received(self):
        return self.recorder.frames

    def clear_received(self):
        """Forget the audio received so far (e.g. before changing the tone)."""
        self.recorder.clear()

    def received_samples(self, seconds=None):
        return self.recorder.samples(seconds)

    def received_rms(self, seconds=0.5):
        return self.recorder.rms(seconds)

    def dominant_frequency(self, seconds=0.5):
        """Strongest frequency (Hz) received in the last `seconds`; None if silent."""
        return self.recorder.dominant_frequency(seconds)

    def energy_at(self, frequency, seconds=0.5):
        """Share (0..1) of the received power at `frequency` over `seconds`."""
        return self.recorder.energy_at(frequency, seconds)

    def wait_frames(self, count, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.recorder.frames >= count:
                return self.recorder.frames
            time.sleep(0.02)
        raise TimeoutError(f"{self.recorder.frames} audio frames received after {timeout}s, "
                           f"wanted {count}")

    def wait_for_tone(self, frequency, timeout=10, tolerance=25, seconds=0.5):
        """Wait until the received audio's dominant frequency is within
        `tolerance` Hz of `frequency`; return the measured frequency."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = self.dominant_frequency(seconds)
            if last is not None and abs(last - frequency) <= tolerance:
                return last
            time.sleep(0.05)
        raise TimeoutError(f"no {frequency} Hz tone after {timeout}s: dominant {last}, "
                           f"{self.recorder.frames} frames, rms {self.received_rms(seconds):.4f}, "
                           f"state {self.connection_state}")

    def stats(self, timeout=10):
        """aiortc's getStats() as {id: dict of fields}."""
        return run_sync(self.peer.stats(), timeout)

    def close(self, timeout=10):
        try:
            run_sync(self.peer.close(), timeout)
        except Exception:  # closing twice or after the loop hiccup: nothing to free
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
