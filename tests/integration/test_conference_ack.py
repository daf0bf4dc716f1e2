# SPDX-License-Identifier: GPL-2.0-or-later
"""The 200 OK to an INVITE the server answers itself stops once the phone
ACKs it (RFC 3261 13.3.1.4): a room of the focus, the focus's playback
with chat, and the audio-only echo and playback services. A phone that
ACKs once must then get no retransmitted 200 over UDP (with T1 = 500 ms
tm would send two or three in the next 3 s, and up to 64*T1 in all)."""

import re
import threading
import time

import pytest

from sylktest.msrp import random_id
from sylktest.processes import free_port
from sylktest.rtpphone import CONF_DOMAIN, SipUA
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN, Kamailio, run_server_defines

QUIET = 3.5  # seconds after the ACK without a 200


@pytest.fixture(scope="module")
def server(tmp_path_factory, rtpengine):
    """The default config with the playback prompt (run-server.sh's)."""
    workdir = str(tmp_path_factory.mktemp("confack"))
    kamailio = Kamailio(workdir, rtpengine, defines=run_server_defines(workdir))
    yield kamailio
    kamailio.stop()


class CountingUA(SipUA):
    """A phone that notes the arrival time of every 2xx to an INVITE and
    ACKs once: it never answers a retransmitted 200 with a second ACK."""

    def __init__(self, *args, **kw):
        self.oks = []  # (monotonic time, Call-ID)
        self._oks_lock = threading.Lock()
        super().__init__(*args, **kw)

    def _receive(self):
        data = super()._receive()
        head = data.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
        if head.startswith("SIP/2.0 2") and re.search(r"^CSeq:\s*\d+\s+INVITE", head,
                                                      re.I | re.M):
            call_id = re.search(r"^(?:Call-ID|i)\s*:\s*(\S+)", head, re.I | re.M).group(1)
            with self._oks_lock:
                self.oks.append((time.monotonic(), call_id))
        return data

    def _send(self, text):
        # the same ACK again, which the reader sends for a late 200: never
        sent = self.__dict__.setdefault("_acks_sent", set())
        if text.startswith("ACK ") and text in sent:
            return
        if text.startswith("ACK "):
            sent.add(text)
        super()._send(text)

    def oks_after(self, call_id, since):
        with self._oks_lock:
            return [t for t, c in self.oks if c == call_id and t > since]


def audio(port):
    return (f"m=audio {port} RTP/AVP 0 101\r\nc=IN IP4 127.0.0.1\r\n"
            "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
            "a=fmtp:101 0-15\r\na=sendrecv\r\n")


def chat(port):
    return (f"m=message {port} TCP/MSRP *\r\nc=IN IP4 127.0.0.1\r\n"
            f"a=path:msrp://127.0.0.1:{port}/{random_id(8)};tcp\r\n"
            "a=accept-types:message/cpim text/plain\r\na=accept-wrapped-types:*\r\n"
            "a=setup:active\r\n")


def offer(*sections):
    return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" + "".join(sections)


def assert_200_stops_after_the_ack(server, target, sdp, user="alice"):
    ua = CountingUA(server.sip_port, user, SIP_DOMAIN, DEMO_ACCOUNTS[user])
    try:
        dialog, r = ua.invite(target, sdp)
        acked = time.monotonic()  # invite() ACKed the 200 it returned
        time.sleep(QUIET)
        late = ua.oks_after(dialog.call_id, acked)
        assert not late, (f"{target}: {len(late)} retransmitted 200 OK in {QUIET}s after "
                          f"the ACK, at +" +
                          ", +".join(f"{t - acked:.2f}s" for t in late))
        # the call is still up: the ACK reached whoever answered
        assert not dialog.terminated.is_set(), f"{target}: BYE before the end of the test"
        ua.bye(dialog)
    finally:
        ua.close()


def test_a_room_join_gets_no_200_after_its_ack(server):
    room = f"sip:ack{random_id(4)}@{CONF_DOMAIN}"
    assert_200_stops_after_the_ack(server, room, offer(chat(free_port())))


def test_a_room_join_with_audio_gets_no_200_after_its_ack(server):
    room = f"sip:ack{random_id(4)}@{CONF_DOMAIN}"
    assert_200_stops_after_the_ack(server, room, offer(audio(free_port())), user="bob")


def test_playback_with_chat_gets_no_200_after_its_ack(server):
    """The focus's playback service (conf_playback.c): chat, no audio, so
    the call lasts until the caller leaves."""
    assert_200_stops_after_the_ack(server, f"sip:playback@{SIP_DOMAIN}",
                                   offer(chat(free_port())))


def test_echo_gets_no_200_after_its_ack(server):
    assert_200_stops_after_the_ack(server, f"sip:echo@{SIP_DOMAIN}", offer(audio(free_port())))


def test_audio_playback_gets_no_200_after_its_ack(server):
    assert_200_stops_after_the_ack(server, f"sip:playback@{SIP_DOMAIN}",
                                   offer(audio(free_port())), user="carol")
