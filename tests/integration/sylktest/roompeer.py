# SPDX-License-Identifier: GPL-2.0-or-later
"""Video-room peers on aiortc for the SFU tests: a publisher that sends a
tone and a solid-colour VP8 picture (so a receiver can tell whose video it
decodes), and feeds that receive one publisher's audio and video and count
the decoded frames. Runs on the shared loop of sylktest.webrtc.

    pub = Publisher(tone_hz=700, colour=(255, 0, 0))
    offer = pub.create_offer()       # -> videoroom-join
    pub.set_answer(accepted_sdp)
    feed = Feed()
    answer = feed.accept_offer(feed_attached_sdp)   # -> videoroom-feed-answer
    feed.wait_video_frames(10); feed.wait_for_tone(700); feed.mean_colour()
"""

import asyncio
import threading
import time

import numpy
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, VideoStreamTrack
from av import VideoFrame

from .webrtc import AudioRecorder, ToneTrack, run_sync

WIDTH, HEIGHT = 160, 120


class ColourTrack(VideoStreamTrack):
    """A solid picture of one colour at 30 frames/s."""

    def __init__(self, colour):
        super().__init__()
        self.picture = numpy.zeros((HEIGHT, WIDTH, 3), dtype=numpy.uint8)
        self.picture[:, :] = colour
        self.frames_sent = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame.from_ndarray(self.picture, format="rgb24")
        frame.pts = pts
        frame.time_base = time_base
        self.frames_sent += 1
        return frame


class _Peer:
    def __init__(self):
        async def make():
            return RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc = run_sync(make())
        self.recorder = AudioRecorder()
        self._lock = threading.Lock()
        self.video_frames = 0
        self.first_video_at = None
        self.last_colour = None
        self._readers = []

        @self.pc.on("track")
        def on_track(track):
            self._readers.append(asyncio.ensure_future(self._read(track)))

    async def _read(self, track):
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if track.kind == "audio":
                self.recorder.add(frame)
                continue
            colour = frame.to_ndarray(format="rgb24").reshape(-1, 3).mean(axis=0)
            with self._lock:
                self.video_frames += 1
                self.last_colour = tuple(float(c) for c in colour)
                if self.first_video_at is None:
                    self.first_video_at = time.monotonic()

    @property
    def connection_state(self):
        return self.pc.connectionState

    def wait_connected(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.pc.connectionState == "connected":
                return
            if self.pc.connectionState == "failed":
                raise RuntimeError("WebRTC connection failed")
            time.sleep(0.02)
        raise TimeoutError(f"state {self.pc.connectionState} after {timeout}s")

    def wait_video_frames(self, count, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.video_frames >= count:
                return self.video_frames
            time.sleep(0.02)
        raise TimeoutError(f"{self.video_frames} video frames after {timeout}s, wanted {count}")

    def wait_for_tone(self, frequency, timeout=10, tolerance=25):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = self.recorder.dominant_frequency(0.5)
            if last is not None and abs(last - frequency) <= tolerance:
                return last
            time.sleep(0.05)
        raise TimeoutError(f"no {frequency} Hz after {timeout}s: dominant {last}, "
                           f"{self.recorder.frames} audio frames")

    def close(self):
        async def shut():
            await self.pc.close()
            for r in self._readers:
                r.cancel()
        try:
            run_sync(shut(), 10)
        except Exception:
            pass


class Publisher(_Peer):
    """Sends a tone and a picture of one colour, receives nothing."""

    def __init__(self, tone_hz=700, colour=(255, 0, 0), video=True):
        super().__init__()
        self.tone = ToneTrack(tone_hz)
        self.video = ColourTrack(colour) if video else None

        async def add():
            self.pc.addTransceiver(self.tone, direction="sendonly")
            if self.video:
                self.pc.addTransceiver(self.video, direction="sendonly")
        run_sync(add())

    def create_offer(self):
        async def offer():
            await self.pc.setLocalDescription(await self.pc.createOffer())
            return self.pc.localDescription.sdp
        return run_sync(offer())

    def set_answer(self, sdp):
        run_sync(self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer")))


def video_ssrc(sdp):
    """The first a=ssrc of the video section of an SDP, or None."""
    in_video = False
    for line in sdp.splitlines():
        if line.startswith("m="):
            in_video = line.startswith("m=video")
        elif in_video and line.startswith("a=ssrc:"):
            return int(line[7:].split()[0])
    return None


class Feed(_Peer):
    """Receives one publisher: answers the server's subscribe offer. Like a
    browser that cannot start decoding, it asks for a keyframe (RTCP PLI)
    until the first picture decodes (aiortc's receiver alone never does):
    the request only reaches the publisher when rtpengine mirrors the
    subscriber's RTCP (the RTCP-mirror flag)."""

    def __init__(self, ask_keyframes=True):
        super().__init__()
        self.ask_keyframes = ask_keyframes
        self.plis_sent = 0

    def accept_offer(self, sdp):
        async def answer():
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            if self.ask_keyframes and video_ssrc(sdp) is not None:
                self._readers.append(asyncio.ensure_future(self._ask_keyframes(video_ssrc(sdp))))
            return self.pc.localDescription.sdp
        return run_sync(answer())

    async def _ask_keyframes(self, ssrc):
        receiver = next((t.receiver for t in self.pc.getTransceivers() if t.kind == "video"), None)
        while receiver is not None and self.video_frames == 0:
            await asyncio.sleep(0.2)
            if self.pc.connectionState == "connected":
                try:
                    await receiver._send_rtcp_pli(ssrc)
                    self.plis_sent += 1
                except Exception:  # the transport is not up yet, or closed
                    pass


def colour_close(got, want, tolerance=40):
    return got is not None and all(abs(g - w) <= tolerance for g, w in zip(got, want))
