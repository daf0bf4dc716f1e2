# SPDX-License-Identifier: GPL-2.0-or-later
"""A conference participant with audio and chat at once: an RtpPhone whose
offer also carries an MSRP chat stream, and an MSRP client that notes when
each message arrived. Used where a test needs to hear and to read the same
person (the focus's lock must not stall either)."""

import re
import socket
import struct
import time

from .msrp import MsrpClient, cpim, random_id
from .processes import free_port
from .rtpphone import RtpPhone, SipError

class TimedMsrp(MsrpClient):
    """An MsrpClient that records (time.monotonic(), body) of every SEND chunk
    as it is read."""

    def __init__(self, *args, **kw):
        self.arrivals = []
        super().__init__(*args, **kw)

    def _handle(self, frame):
        if frame.method == "SEND" and frame.body:
            self.arrivals.append((time.monotonic(), bytes(frame.body)))
        super()._handle(frame)

    def arrival_of(self, token):
        """When a chunk containing `token` (bytes) arrived, None if not yet."""
        for t, body in list(self.arrivals):
            if token in body:
                return t
        return None

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)

class ChatPhone(RtpPhone):
    """An RtpPhone that also offers chat (TCP/MSRP, we are the active side).
    After join(), connect_chat() opens and binds the MSRP session.

    Every RTP packet's arrival is also noted with the kernel's receive
    timestamp (CLOCK_REALTIME, in `arrivals`), so gaps in what the focus
    sends are measured without the test process's own scheduling delays."""

    def __init__(self, *args, call_id=None, **kw):
        super().__init__(*args, **kw)
        self.arrivals = []
        self._stamp = None
        self.rtp.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.msrp_id = random_id(8)
        self.msrp_path = f"msrp://127.0.0.1:{free_port()}/{self.msrp_id};tcp"
        self.msrp = None
        if call_id:
            self.preset_call_id(call_id)

    def preset_call_id(self, call_id):
        """The next dialog this phone starts gets this Call-ID."""
        ua = self.ua
        make = ua.new_dialog

        def new_dialog(remote_uri):
            d = make(remote_uri)
            ua._dialogs.pop(d.call_id, None)
            d.call_id = call_id
            ua._dialogs[call_id] = d
            return d
        ua.new_dialog = new_dialog

    def _read_packet(self):
        """RtpPhone's read, noting the kernel's receive timestamp."""
        pkt, anc, _, _ = self.rtp.recvmsg(4096, socket.CMSG_SPACE(16))
        self._stamp = None
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= 16:
                sec, nsec = struct.unpack("qq", data[:16])
                self._stamp = sec + nsec / 1e9
        return pkt, time.monotonic()

    def _audio_arrived(self):
        self.arrivals.append(self._stamp if self._stamp is not None else time.time())

    def arrival_gaps(self, since, until):
        """Gaps (seconds) between consecutive packets received between the
        wall-clock times since and until (edges included), and the packet
        count."""
        times = [t for t in list(self.arrivals) if since <= t <= until]
        if not times:
            return [until - since], 0
        gaps = [b - a for a, b in zip(times, times[1:])]
        return gaps + [times[0] - since, until - times[-1]], len(times)

    def offer(self, direction="sendrecv"):
        audio = super().offer(direction)
        return audio + "\r\n".join([
            f"m=message {free_port()} TCP/MSRP *",
            "c=IN IP4 127.0.0.1",
            f"a=path:{self.msrp_path}",
            "a=accept-types:message/cpim text/plain",
            "a=accept-wrapped-types:*",
            "a=setup:active",
            "a=sendrecv", ""])

    def focus_path(self):
        """The a=path of the focus's answer to our chat stream."""
        for section in re.split(r"\r?\n(?=m=)", self.answer.text):
            if section.startswith("m=message ") and not section.startswith("m=message 0 "):
                m = re.search(r"^a=path:(\S+)", section, re.M)
                if m:
                    return m.group(1)
        raise SipError(f"{self.user}: chat not accepted:\n{self.answer.text}")

    def connect_chat(self):
        self.msrp = TimedMsrp(self.focus_path(), local_path=self.msrp_path)
        code = self.msrp.bind()
        if code != 200:
            raise SipError(f"{self.user}: MSRP bind answered {code}")
        return self.msrp

    def say(self, text, room_uri):
        """Sends a chat message; returns the time it was handed to TCP."""
        body = cpim(self.aor, room_uri, text)
        sent = time.monotonic()
        self.msrp.send(body)
        return sent

    def close(self):
        if self.msrp:
            self.msrp.close()
        super().close()
