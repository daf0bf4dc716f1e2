# SPDX-License-Identifier: GPL-2.0-or-later
"""A minimal RTP endpoint: sends G.711 packets and counts what arrives, so a
test can tell that media really crossed rtpengine in each direction."""

import socket
import struct
import threading
import time


class RtpEndpoint:
    """A UDP RTP endpoint that records what it receives; with `echo` it
    also sends every packet back where it came from (a phone that echoes)."""

    def __init__(self, ssrc, echo=False):
        self.echo = echo
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.ssrc = ssrc
        self.received = []  # (source address, ssrc, sequence number)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self):
        while not self._stop.is_set():
            try:
                data, source = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            if self.echo:
                self.sock.sendto(data, source)
            if len(data) >= 12 and data[0] >> 6 == 2:
                seq, = struct.unpack("!H", data[2:4])
                ssrc, = struct.unpack("!I", data[8:12])
                self.received.append((source, ssrc, seq))

    def send(self, address, port, count, payload_type=0, interval=0.02):
        """`count` packets of 20 ms PCMU (160 bytes of silence)."""
        for seq in range(count):
            header = struct.pack("!BBHII", 0x80, payload_type, seq, seq * 160, self.ssrc)
            self.sock.sendto(header + b"\xff" * 160, (address, port))
            time.sleep(interval)

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()
