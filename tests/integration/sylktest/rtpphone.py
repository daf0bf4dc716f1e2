# SPDX-License-Identifier: GPL-2.0-or-later
"""A plain SIP + RTP conference phone for the tests: no SIPp, no browser.

`SipUA` speaks SIP over UDP to the server (INVITE, re-INVITE, BYE,
SUBSCRIBE; digest authentication when challenged; answers the focus's
NOTIFYs and BYEs with 200). `RtpPhone` joins a room with one audio codec,
sends a sine tone every 20 ms, decodes what it receives and measures how
much of it lies at a given frequency (Goertzel bin), so a test asserts what
the user would hear.

    phone = RtpPhone(server.sip_port, "alice", tone_hz=400, codec="G722")
    phone.join("room1")                  # INVITE, 200, ACK; media starts
    time.sleep(3)
    phone.energy_at(1000, seconds=1.0)   # share of the last second at 1 kHz
    phone.hold(); phone.unhold(); phone.leave(); phone.close()

    watcher = SipUA(server.sip_port, "watcher")
    sub = watcher.subscribe("room1")     # conference event package
    sub.wait_for(lambda doc: ..., timeout=5)

Codecs: PCMU, PCMA, G722 (16 kHz audio on an 8000 Hz RTP clock), speex
(wideband, 16 kHz), speex-nb (8 kHz) and opus (48 kHz), all through PyAV.
`srtp=True` offers RTP/SAVP with an SDES a=crypto AES_CM_128_HMAC_SHA1_80
key and protects/unprotects with pylibsrtp."""

import base64
import fractions
import hashlib
import math
import os
import queue
import re
import secrets
import socket
import struct
import threading
import time

import av
import numpy

from .msrp import parse_conference_info

CONF_DOMAIN = "conference.sylk.test"
T1 = 0.5
AMPLITUDE = 8000  # of 32767: three of them mixed stay below full scale

# ------------------------------------------------------------------ SIP messages

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
           "l": "content-length", "c": "content-type", "e": "content-encoding",
           "k": "supported", "o": "event", "u": "allow-events"}


REPLY_NAMES = {"via": "Via", "from": "From", "to": "To", "call-id": "Call-ID", "cseq": "CSeq"}


class SipMessage:
    def __init__(self, data):
        text = data.decode("utf-8", "replace")
        head, _, body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.start = lines[0]
        self.headers = []  # (lowercase full name, value) in order
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:
                name, value = self.headers[-1]
                self.headers[-1] = (name, value + " " + line.strip())
                continue
            name, _, value = line.partition(":")
            name = name.strip().lower()
            self.headers.append((COMPACT.get(name, name), value.strip()))
        length = self.header("content-length")
        self.body = body[:int(length)] if length and length.isdigit() else body
        words = self.start.split(" ", 2)
        if words[0] == "SIP/2.0":
            self.code = int(words[1])
            self.reason = words[2] if len(words) > 2 else ""
            self.method = None
        else:
            self.code = None
            self.method = words[0]
            self.ruri = words[1]

    def header(self, name, default=None):
        name = name.lower()
        for n, v in self.headers:
            if n == name:
                return v
        return default

    def all(self, name):
        name = name.lower()
        out = []
        for n, v in self.headers:
            if n == name:
                out += [x.strip() for x in re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)(?![^<]*>)", v)]
        return out

    @property
    def cseq(self):
        num, method = self.header("cseq").split()
        return int(num), method

    @property
    def call_id(self):
        return self.header("call-id")

    def tag(self, which):
        m = re.search(r";\s*tag=([^;>\s]+)", self.header(which) or "")
        return m.group(1) if m else None

    def __repr__(self):
        return f"<SIP {self.start}>"


def uri_of(value):
    """The URI inside a name-addr (or the addr-spec itself)."""
    m = re.search(r"<([^>]+)>", value)
    return m.group(1) if m else value.split(";")[0].strip()


def digest_authorization(challenge, method, uri, user, password):
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    realm, nonce = params.get("realm", ""), params["nonce"]

    def md5(s):
        return hashlib.md5(s.encode()).hexdigest()
    ha1 = md5(f"{user}:{realm}:{password}")
    ha2 = md5(f"{method}:{uri}")
    out = f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}"'
    if "qop" in params and "auth" in params["qop"].split(","):
        cnonce, nc = secrets.token_hex(8), "00000001"
        response = md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        out += f', qop=auth, nc={nc}, cnonce="{cnonce}"'
    else:
        response = md5(f"{ha1}:{nonce}:{ha2}")
    out += f', response="{response}", algorithm=MD5'
    if "opaque" in params:
        out += f', opaque="{params["opaque"]}"'
    return out


class Dialog:
    def __init__(self, call_id, local_tag, local_uri, remote_uri):
        self.call_id = call_id
        self.local_tag = local_tag
        self.remote_tag = None
        self.local_uri = local_uri
        self.remote_uri = remote_uri
        self.remote_target = remote_uri
        self.route_set = []
        self.cseq = 1
        self.terminated = threading.Event()
        self.bye = None  # the BYE the far end sent, if any

    def established_by(self, response):
        self.remote_tag = response.tag("to")
        contact = response.header("contact")
        if contact:
            self.remote_target = uri_of(contact)
        self.route_set = list(reversed(response.all("record-route")))


class SipError(RuntimeError):
    pass


class Subscription:
    """A conference event package subscription: every NOTIFY's
    conference-info document, parsed, in arrival order."""

    def __init__(self, ua, dialog):
        self.ua = ua
        self.dialog = dialog
        self.notifies = []   # SipMessage
        self.documents = []  # ConferenceInfo
        self.states = []     # Subscription-State values
        self.changed = threading.Condition()
        self.response = None

    def _notify(self, msg):
        with self.changed:
            self.notifies.append(msg)
            self.states.append(msg.header("subscription-state", ""))
            ctype = (msg.header("content-type") or "").split(";")[0].strip().lower()
            if msg.body and ctype == "application/conference-info+xml":
                self.documents.append(parse_conference_info(msg.body))
            self.changed.notify_all()

    @property
    def latest(self):
        return self.documents[-1] if self.documents else None

    def wait_for(self, predicate, timeout=10, what="conference-info"):
        """Wait until predicate(latest document) is true; return that document."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                if self.documents and predicate(self.documents[-1]):
                    return self.documents[-1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {what} after {timeout}s; last: "
                                       f"{self.documents[-1].raw.decode() if self.documents else None}")
                self.changed.wait(left)

    def unsubscribe(self):
        if self.dialog.remote_tag and not self.dialog.terminated.is_set():
            try:
                self.ua.request_in_dialog(self.dialog, "SUBSCRIBE",
                                          extra=["Event: conference", "Expires: 0"], timeout=3)
            except (SipError, TimeoutError):
                pass
        self.dialog.terminated.set()


class SipUA:
    """One SIP user agent on its own UDP socket; every request goes to the
    server (127.0.0.1:server_port). `user@domain` is the From; a password
    answers 401/407 challenges."""

    def __init__(self, server_port, user, domain="example.org", password=None,
                 display=None, transport="udp"):
        self.server = ("127.0.0.1", server_port)
        self.user, self.domain, self.password = user, domain, password
        self.display = display
        self.transport = transport
        if transport == "tcp":
            # one connection, opened by the phone, as a phone behind NAT has
            self.sock = socket.create_connection(self.server, timeout=5)
            self._stream = b""
            self._send_lock = threading.Lock()
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.aor = f"sip:{user}@{domain}"
        suffix = ";transport=tcp" if transport == "tcp" else ""
        self.contact = f"<sip:{user}@127.0.0.1:{self.port}{suffix}>"
        # set to a function(INVITE) -> SDP answer to take incoming calls
        self.answer_calls = None
        self._transactions = {}  # branch -> Queue of responses
        self._dialogs = {}       # call-id -> Dialog
        self._subscriptions = {}  # call-id -> Subscription
        self._acks = {}          # call-id -> last ACK bytes for a 2xx (retransmitted 2xx)
        self.requests = []       # every request received
        self._running = True
        self._thread = threading.Thread(target=self._reader, daemon=True,
                                        name=f"sip-{user}")
        self._thread.start()

    # -------------------------------------------------------------- transport
    def _send(self, text):
        if self.transport == "tcp":
            with self._send_lock:
                self.sock.sendall(text.encode())
        else:
            self.sock.sendto(text.encode(), self.server)

    def _receive(self):
        """The next message (UDP datagram, or one framed by Content-Length
        from the TCP stream); None when nothing came; raises OSError when
        the socket is gone."""
        if self.transport != "tcp":
            data, _ = self.sock.recvfrom(65535)
            return data
        while True:
            self._stream = self._stream.lstrip(b"\r\n")  # keepalives
            end = self._stream.find(b"\r\n\r\n")
            if end >= 0:
                m = re.search(rb"^(?:content-length|l)\s*:\s*(\d+)", self._stream[:end],
                              re.I | re.M)
                total = end + 4 + (int(m.group(1)) if m else 0)
                if len(self._stream) >= total:
                    data, self._stream = self._stream[:total], self._stream[total:]
                    return data
            chunk = self.sock.recv(65535)
            if not chunk:
                raise OSError("connection closed by the server")
            self._stream += chunk

    def _reader(self):
        while self._running:
            try:
                data = self._receive()
            except socket.timeout:
                continue
            except OSError:
                return
            if not data or not data.strip():
                continue
            try:
                msg = SipMessage(data)
            except (ValueError, IndexError):
                continue
            if msg.code is not None:
                branch = re.search(r"branch=([^;\s,]+)", msg.header("via", ""))
                q = self._transactions.get(branch.group(1)) if branch else None
                if q is not None:
                    q.put(msg)
                elif 200 <= msg.code < 300 and msg.cseq[1] == "INVITE" \
                        and msg.call_id in self._acks:
                    self._send(self._acks[msg.call_id])  # our ACK got lost
            else:
                self._request_in(msg)

    def _reply(self, req, code, reason, extra=(), to_tag=None, body=None):
        lines = [f"SIP/2.0 {code} {reason}"]
        for name in ("via", "from", "to", "call-id", "cseq"):
            for n, v in req.headers:
                if n == name:
                    value = v
                    if name == "to" and not req.tag("to"):
                        value += ";tag=" + (to_tag or secrets.token_hex(4))
                    lines.append(f"{REPLY_NAMES[name]}: {value}")
        lines += list(extra)
        if body:
            lines += ["Content-Type: application/sdp",
                      f"Content-Length: {len(body.encode())}", "", body]
        else:
            lines += ["Content-Length: 0", "", ""]
        self._send("\r\n".join(lines))

    def _answer_invite(self, msg):
        """An incoming call: 200 with the SDP answer_calls gives (a dialog
        kept for its BYE), or 480 when this UA takes no calls."""
        if self.answer_calls is None:
            self._reply(msg, 480, "Temporarily Unavailable")
            return
        d = Dialog(msg.call_id, secrets.token_hex(4), uri_of(msg.header("to")),
                   uri_of(msg.header("from")))
        d.remote_tag = msg.tag("from")
        d.remote_target = uri_of(msg.header("contact", msg.header("from")))
        d.route_set = msg.all("record-route")
        d.invite = msg
        self._dialogs[msg.call_id] = d
        extra = [f"Record-Route: {r}" for r in msg.all("record-route")]
        extra.append(f"Contact: {self.contact}")
        self._reply(msg, 200, "OK", extra, to_tag=d.local_tag, body=self.answer_calls(msg))

    def _request_in(self, msg):
        self.requests.append(msg)
        if msg.method == "ACK":
            return
        dialog = self._dialogs.get(msg.call_id)
        if msg.method == "NOTIFY":
            sub = self._subscriptions.get(msg.call_id)
            self._reply(msg, 200 if sub else 481, "OK" if sub else "No Subscription")
            if sub:
                if dialog and not dialog.remote_tag:
                    dialog.remote_tag = msg.tag("from")
                sub._notify(msg)
                if (msg.header("subscription-state") or "").startswith("terminated"):
                    dialog.terminated.set()
            return
        if msg.method == "BYE":
            self._reply(msg, 200 if dialog else 481, "OK" if dialog else "No Dialog")
            if dialog:
                dialog.bye = msg
                dialog.terminated.set()
            return
        if msg.method in ("OPTIONS", "MESSAGE"):
            self._reply(msg, 200, "OK")
            return
        if msg.method == "INVITE" and not msg.tag("to"):
            self._answer_invite(msg)
            return
        self._reply(msg, 501, "Not Implemented")

    # -------------------------------------------------------------- requests
    def _build(self, method, ruri, dialog, branch, cseq, extra, body, ctype, auth=None):
        frm = f"<{dialog.local_uri}>;tag={dialog.local_tag}"
        if self.display:
            frm = f'"{self.display}" ' + frm
        to = f"<{dialog.remote_uri}>" + (f";tag={dialog.remote_tag}" if dialog.remote_tag else "")
        lines = [f"{method} {ruri} SIP/2.0",
                 f"Via: SIP/2.0/{self.transport.upper()} 127.0.0.1:{self.port};branch={branch}"
                 ";rport",
                 f"From: {frm}", f"To: {to}", f"Call-ID: {dialog.call_id}",
                 f"CSeq: {cseq} {method}", "Max-Forwards: 70"]
        lines += [f"Route: {r}" for r in dialog.route_set]
        if method not in ("BYE", "ACK"):
            lines.append(f"Contact: {self.contact}")
        if auth:
            lines.append(auth)
        lines += list(extra)
        if body:
            lines.append(f"Content-Type: {ctype}")
        lines += [f"Content-Length: {len(body.encode()) if body else 0}", "", body or ""]
        return "\r\n".join(lines)

    def _transaction(self, method, dialog, extra=(), body=None, ctype="application/sdp",
                     timeout=10, ruri=None):
        """Send a request (retransmitted on T1 until a response), answer one
        digest challenge; return the final response. For INVITE a non-2xx
        final is ACKed here; a 2xx is ACKed by the caller."""
        ruri = ruri or (dialog.remote_target if dialog.remote_tag else dialog.remote_uri)
        auth = None
        for attempt in range(2):
            branch = "z9hG4bK" + secrets.token_hex(8)
            q = self._transactions[branch] = queue.Queue()
            cseq = dialog.cseq
            text = self._build(method, ruri, dialog, branch, cseq, extra, body, ctype, auth)
            deadline = time.monotonic() + timeout
            interval, next_send, provisional = T1, 0.0, False
            final = None
            try:
                while final is None:
                    now = time.monotonic()
                    if now >= deadline:
                        raise TimeoutError(f"{method} {ruri}: no final response in {timeout}s")
                    # over TCP the transport retransmits, never the UA
                    if not provisional and now >= next_send and \
                            (self.transport != "tcp" or next_send == 0.0):
                        self._send(text)
                        next_send = now + interval
                        interval = min(interval * 2, 4.0)
                    try:
                        r = q.get(timeout=max(0.01, min(next_send, deadline) - now)
                                  if not provisional else max(0.01, deadline - now))
                    except queue.Empty:
                        continue
                    if r.cseq != (cseq, method):
                        continue
                    if r.code < 200:
                        provisional = True
                    else:
                        final = r
            finally:
                dialog.cseq += 1
                # keep the queue a moment for retransmitted finals
                threading.Timer(5, self._transactions.pop, (branch, None)).start()
            if method == "INVITE" and final.code >= 300:
                ack = self._build("ACK", ruri, dialog, branch, cseq, (), None, None)
                ack = re.sub(r"^To: .*$", "To: " + final.header("to"), ack, flags=re.M)
                self._send(ack)
            if final.code in (401, 407) and self.password and attempt == 0:
                name = "proxy-authenticate" if final.code == 407 else "www-authenticate"
                hdr = "Proxy-Authorization" if final.code == 407 else "Authorization"
                auth = f"{hdr}: " + digest_authorization(final.header(name), method, ruri,
                                                         self.user, self.password)
                continue
            return final
        return final

    def register(self, expires=60, timeout=10, extra=()):
        """REGISTER this UA's Contact for its AOR (digest when challenged);
        returns the final response."""
        d = Dialog(secrets.token_hex(12), secrets.token_hex(4), self.aor, self.aor)
        return self._transaction("REGISTER", d, extra=[f"Expires: {expires}", *extra],
                                 timeout=timeout, ruri=f"sip:{self.domain}")

    def ack(self, dialog, invite_cseq):
        branch = "z9hG4bK" + secrets.token_hex(8)
        text = self._build("ACK", dialog.remote_target, dialog, branch, invite_cseq, (), None,
                           None)
        self._acks[dialog.call_id] = text
        self._send(text)

    def new_dialog(self, remote_uri):
        d = Dialog(secrets.token_hex(12), secrets.token_hex(4), self.aor, remote_uri)
        self._dialogs[d.call_id] = d
        return d

    def invite(self, target, sdp, timeout=15, extra=()):
        """INVITE `target` with an SDP offer; on 2xx ACK and return
        (dialog, response); otherwise raise SipError with the response."""
        dialog = self.new_dialog(target)
        r = self._transaction("INVITE", dialog, extra=extra, body=sdp, timeout=timeout)
        if not 200 <= r.code < 300:
            self._dialogs.pop(dialog.call_id, None)
            raise SipError(f"INVITE {target}: {r.start}", r)
        dialog.established_by(r)
        self.ack(dialog, r.cseq[0])
        return dialog, r

    def reinvite(self, dialog, sdp, timeout=15):
        r = self._transaction("INVITE", dialog, body=sdp, timeout=timeout)
        if 200 <= r.code < 300:
            contact = r.header("contact")
            if contact:
                dialog.remote_target = uri_of(contact)
            self.ack(dialog, r.cseq[0])
        return r

    def request_in_dialog(self, dialog, method, extra=(), body=None, ctype=None, timeout=10):
        return self._transaction(method, dialog, extra=extra, body=body, ctype=ctype,
                                 timeout=timeout)

    def bye(self, dialog, timeout=5):
        if dialog.terminated.is_set():
            return None
        r = self._transaction("BYE", dialog, timeout=timeout)
        dialog.terminated.set()
        return r

    def subscribe(self, room, expires=600, timeout=10):
        """SUBSCRIBE to the conference event package of a room; returns
        the Subscription once the focus answered 2xx (raises otherwise)."""
        target = room if room.startswith("sip:") else f"sip:{room}@{CONF_DOMAIN}"
        dialog = self.new_dialog(target)
        sub = self._subscriptions[dialog.call_id] = Subscription(self, dialog)
        r = self._transaction("SUBSCRIBE", dialog, timeout=timeout,
                              extra=["Event: conference",
                                     "Accept: application/conference-info+xml",
                                     f"Expires: {expires}"])
        sub.response = r
        if not 200 <= r.code < 300:
            raise SipError(f"SUBSCRIBE {target}: {r.start}", r)
        dialog.established_by(r)
        return sub

    def close(self):
        for sub in list(self._subscriptions.values()):
            sub.unsubscribe()
        self._running = False
        self._thread.join(2)
        self.sock.close()


# ------------------------------------------------------------------ audio

class Codec:
    """pt, SDP encoding name, RTP clock, audio sample rate, PyAV codec,
    samples per 20 ms, extra SDP lines."""

    def __init__(self, pt, name, clock, rate, av_name, channels=1, fmtp=None, options=None):
        self.pt, self.name, self.clock, self.rate = pt, name, clock, rate
        self.av_name, self.channels, self.fmtp, self.options = av_name, channels, fmtp, options
        self.samples = rate // 50
        self.ts_step = clock // 50

    @property
    def rtpmap(self):
        return f"{self.name}/{self.clock}" + ("/2" if self.channels == 2 else "")


CODECS = {
    "PCMU": Codec(0, "PCMU", 8000, 8000, "pcm_mulaw"),
    "PCMA": Codec(8, "PCMA", 8000, 8000, "pcm_alaw"),
    # RFC 3551: G.722 is 16 kHz audio on an 8000 Hz RTP clock
    "G722": Codec(9, "G722", 8000, 16000, "g722"),
    "speex": Codec(97, "speex", 16000, 16000, "libspeex"),
    "speex-nb": Codec(98, "speex", 8000, 8000, "libspeex"),
    "opus": Codec(111, "opus", 48000, 48000, "libopus", channels=2,
                  fmtp="minptime=10;useinbandfec=1", options={"application": "voip"}),
}
DTMF_PT = 101


def _encoder(codec):
    c = av.CodecContext.create(codec.av_name, "w")
    c.sample_rate = codec.rate
    c.format = "s16"
    c.layout = "mono"
    if codec.options:
        c.options = dict(codec.options)
    if codec.av_name == "libopus":
        c.bit_rate = 32000
    c.open()
    return c


def _decoder(codec):
    c = av.CodecContext.create(codec.av_name, "r")
    c.sample_rate = codec.rate
    c.layout = "mono"
    c.open()
    return c


def tone_share(samples, sample_rate, frequency):
    """Share (0..1) of the power of `samples` at `frequency`: one DFT bin
    (Goertzel) of the Hann-windowed block, scaled so that a pure tone at that
    frequency gives ~1 and silence or other frequencies ~0."""
    if len(samples) < 64 or not sample_rate:
        return 0.0
    win = numpy.hanning(len(samples))
    w = samples * win
    total = float(numpy.sum(w * w))
    if total <= 1e-12:
        return 0.0
    n = numpy.arange(len(w))
    bin_power = abs(numpy.dot(w, numpy.exp(-2j * numpy.pi * frequency * n / sample_rate))) ** 2
    scale = (numpy.sum(win) ** 2 / 4) / (numpy.sum(win * win) / 2)
    return float(min(1.0, bin_power / total / scale))


class SdpAnswer:
    """The audio section of an SDP answer."""

    def __init__(self, text):
        self.text = text
        addrs = re.findall(r"^c=IN IP4 (\S+)", text, re.M)
        m = re.search(r"^m=audio (\d+) (\S+) ([^\r\n]*)", text, re.M)
        if not m:
            raise ValueError("no audio in the answer:\n" + text)
        self.port = int(m.group(1))
        self.proto = m.group(2)
        self.payload_types = [int(x) for x in m.group(3).split()]
        section = text[m.start():]
        nxt = re.search(r"^m=", section[2:], re.M)
        if nxt:
            section = section[:nxt.start() + 2]
        self.section = section
        caddr = re.findall(r"^c=IN IP4 (\S+)", section, re.M)
        self.address = (caddr or addrs)[-1]
        self.rtpmaps = {int(pt): v for pt, v in re.findall(r"^a=rtpmap:(\d+) (\S+)", section, re.M)}
        self.crypto = re.findall(r"^a=crypto:(\d+) (\S+) inline:([^\s|]+)", section, re.M)
        d = re.findall(r"^a=(sendrecv|sendonly|recvonly|inactive)\s*$", section, re.M)
        self.direction = d[-1] if d else "sendrecv"


class RtpPhone:
    """A conference phone: SIP over UDP (SipUA) and one RTP audio stream.

    codec:   one of CODECS (the only one offered, with telephone-event).
    tone_hz: frequency of the sine sent (None: silence, packets still sent).
    srtp:    offer RTP/SAVP with an SDES key (AES_CM_128_HMAC_SHA1_80).
    media_level_c: put the c= line in the audio section instead of the
             session (both are valid SDP; aiortc and many phones do this)."""

    def __init__(self, server_port, user, tone_hz=1000, codec="PCMU", srtp=False,
                 domain="example.org", password=None, amplitude=AMPLITUDE,
                 media_level_c=False):
        self.codec = CODECS[codec]
        self.codec_key = codec
        self.tone_hz = tone_hz
        self.amplitude = amplitude
        self.srtp = srtp
        self.media_level_c = media_level_c
        self.ua = SipUA(server_port, user, domain, password)
        self.user = user
        self.aor = self.ua.aor
        self.rtp, self.rtcp = self._bind_pair()
        self.port = self.rtp.getsockname()[1]
        self.dest = None
        self.dialog = None
        self.answer = None
        self.sending = False   # packets go out
        self.running = True
        self.sent = 0
        self.received_packets = 0
        self.received_ssrcs = set()
        self.srtp_errors = 0
        self.received_payload_types = set()
        self._lock = threading.Lock()
        self._chunks = []      # (arrival time.monotonic(), float32 samples)
        self._srtp_key = os.urandom(30) if srtp else None
        self._srtp_out = self._srtp_in = None
        self._threads = []
        self._encoder = _encoder(self.codec)
        self._decoder = _decoder(self.codec)
        self._phase = 0.0

    @staticmethod
    def _bind_pair():
        """An even RTP port and the RTCP port above it, both ours: rtpengine
        sends RTCP to port+1."""
        for _ in range(200):
            port = 2 * secrets.randbelow(15000) + 30000
            a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                a.close()
                b.close()
                continue
            a.settimeout(0.1)
            b.settimeout(0.1)
            return a, b
        raise RuntimeError("no free RTP port pair")

    # -------------------------------------------------------------- SDP
    def offer(self, direction="sendrecv"):
        c = self.codec
        proto = "RTP/SAVP" if self.srtp else "RTP/AVP"
        cline = "c=IN IP4 127.0.0.1"
        lines = ["v=0", f"o=- {int(time.time())} {int(time.time())} IN IP4 127.0.0.1", "s=-"]
        lines += ([] if self.media_level_c else [cline]) + ["t=0 0"]
        lines.append(f"m=audio {self.port} {proto} {c.pt} {DTMF_PT}")
        lines += ([cline] if self.media_level_c else []) + [f"a=rtpmap:{c.pt} {c.rtpmap}"]
        if c.fmtp:
            lines.append(f"a=fmtp:{c.pt} {c.fmtp}")
        lines += [f"a=rtpmap:{DTMF_PT} telephone-event/8000", f"a=fmtp:{DTMF_PT} 0-15",
                  "a=ptime:20"]
        if self.srtp:
            key = base64.b64encode(self._srtp_key).decode()
            lines.append(f"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{key}")
        lines += [f"a={direction}", ""]
        return "\r\n".join(lines)

    def _apply_answer(self, text):
        import pylibsrtp
        a = SdpAnswer(text)
        if a.port == 0:
            raise SipError(f"{self.user}: audio refused (port 0):\n{text}")
        pt = a.payload_types[0]
        if pt != self.codec.pt:
            raise SipError(f"{self.user}: answered with payload type {pt}, offered "
                           f"{self.codec.pt}:\n{text}")
        if self.srtp:
            if a.proto != "RTP/SAVP" or not a.crypto:
                raise SipError(f"{self.user}: SRTP offer answered {a.proto} without "
                               f"a=crypto:\n{text}")
            tag, suite, key = a.crypto[0]
            if suite != "AES_CM_128_HMAC_SHA1_80":
                raise SipError(f"{self.user}: answered crypto suite {suite}")
            if self._srtp_out is None:
                self._srtp_out = pylibsrtp.Session(pylibsrtp.Policy(
                    key=self._srtp_key, ssrc_type=pylibsrtp.Policy.SSRC_ANY_OUTBOUND))
            remote = base64.b64decode(key + "=" * (-len(key) % 4))
            if getattr(self, "_srtp_remote", None) != remote:
                self._srtp_remote = remote
                self._srtp_in = pylibsrtp.Session(pylibsrtp.Policy(
                    key=remote, ssrc_type=pylibsrtp.Policy.SSRC_ANY_INBOUND))
        self.answer = a
        self.dest = (a.address, a.port)

    # -------------------------------------------------------------- SIP
    def join(self, room, timeout=15):
        """INVITE the room with the audio offer; media starts on the 200."""
        target = room if room.startswith("sip:") else f"sip:{room}@{CONF_DOMAIN}"
        self.room_uri = target
        self.dialog, r = self.ua.invite(target, self.offer(), timeout=timeout)
        self._apply_answer(r.body)
        self.start_media()
        return r

    def start_media(self):
        if self._threads:
            self.sending = True
            return
        self.sending = True
        for fn in (self._send_loop, self._recv_loop, self._rtcp_drain):
            t = threading.Thread(target=fn, daemon=True, name=f"rtp-{self.user}")
            t.start()
            self._threads.append(t)

    def reinvite(self, direction):
        r = self.ua.reinvite(self.dialog, self.offer(direction))
        if not 200 <= r.code < 300:
            raise SipError(f"{self.user}: re-INVITE {direction}: {r.start}", r)
        self._apply_answer(r.body)
        return r

    def hold(self):
        """re-INVITE a=sendonly (the phone keeps sending, the focus should not)."""
        return self.reinvite("sendonly")

    def unhold(self):
        return self.reinvite("sendrecv")

    def leave(self):
        """BYE; media stops."""
        self.sending = False
        return self.ua.bye(self.dialog) if self.dialog else None

    def stop_sending(self):
        """No more RTP from this phone (the dialog stays up)."""
        self.sending = False

    def resume_sending(self):
        self.sending = True

    def set_tone(self, frequency):
        self.tone_hz = frequency

    @property
    def hung_up_by_focus(self):
        return self.dialog is not None and self.dialog.bye is not None

    def wait_bye(self, timeout):
        """Wait for a BYE from the focus; True when it came."""
        if not self.dialog:
            return False
        self.dialog.terminated.wait(timeout)
        return self.dialog.bye is not None

    # -------------------------------------------------------------- media
    def _frame(self):
        c = self.codec
        if self.tone_hz:
            step = 2 * math.pi * self.tone_hz / c.rate
            phases = self._phase + step * numpy.arange(c.samples)
            self._phase = float((self._phase + step * c.samples) % (2 * math.pi))
            pcm = (self.amplitude * numpy.sin(phases)).astype(numpy.int16)
        else:
            pcm = numpy.zeros(c.samples, dtype=numpy.int16)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = c.rate
        frame.pts = self.sent * c.samples
        frame.time_base = fractions.Fraction(1, c.rate)
        return b"".join(bytes(p) for p in self._encoder.encode(frame))

    def _send_loop(self):
        c = self.codec
        ssrc = secrets.randbits(32)
        seq = secrets.randbits(16)
        ts = secrets.randbits(32)
        marker = 0x80
        tick = time.monotonic()
        while self.running:
            if self.sending and self.dest:
                payload = self._frame()
                if payload:
                    pkt = struct.pack("!BBHII", 0x80, marker | c.pt, seq & 0xFFFF,
                                      ts & 0xFFFFFFFF, ssrc) + payload
                    marker = 0
                    if self._srtp_out is not None:
                        pkt = self._srtp_out.protect(pkt)
                    try:
                        self.rtp.sendto(pkt, self.dest)
                    except OSError:
                        pass
                    seq += 1
                    self.sent += 1
            ts += c.ts_step
            tick += 0.020
            delay = tick - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.2:
                tick = time.monotonic()  # far behind (a stall): do not burst

    def _read_packet(self):
        """One datagram and when it arrived (time.monotonic())."""
        return self.rtp.recv(4096), time.monotonic()

    def _audio_arrived(self):
        """Called for each packet of the negotiated codec, before decoding."""

    def _recv_loop(self):
        while self.running:
            try:
                pkt, now = self._read_packet()
            except socket.timeout:
                continue
            except OSError:
                return
            if len(pkt) < 12 or pkt[0] >> 6 != 2:
                continue
            if self._srtp_in is not None:
                try:
                    pkt = self._srtp_in.unprotect(pkt)
                except Exception:
                    self.srtp_errors += 1
                    continue
            elif self.srtp:
                self.srtp_errors += 1
                continue
            pt = pkt[1] & 0x7F
            self.received_packets += 1
            self.received_payload_types.add(pt)
            self.received_ssrcs.add(struct.unpack("!I", pkt[8:12])[0])
            if pt != self.codec.pt:
                continue  # telephone-event, comfort noise
            self._audio_arrived()
            off = 12 + 4 * (pkt[0] & 0x0F)
            if pkt[0] & 0x10 and len(pkt) >= off + 4:
                off += 4 + 4 * struct.unpack("!H", pkt[off + 2:off + 4])[0]
            end = len(pkt) - (pkt[-1] if pkt[0] & 0x20 else 0)
            payload = pkt[off:end]
            if not payload:
                continue
            try:
                frames = self._decoder.decode(av.Packet(payload))
            except (av.AVError, ValueError):
                continue
            for f in frames:
                a = f.to_ndarray()
                mono = a.reshape(-1)[::len(f.layout.channels)] if not f.format.is_planar else a[0]
                if f.format.name.startswith("s16"):
                    mono = mono.astype(numpy.float32) / 32768.0
                else:
                    mono = mono.astype(numpy.float32)
                with self._lock:
                    self._chunks.append((now, mono))
                    if len(self._chunks) > 3000:
                        del self._chunks[:500]

    def _rtcp_drain(self):
        while self.running:
            try:
                self.rtcp.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return

    # -------------------------------------------------------------- analysis
    def clear_received(self):
        with self._lock:
            self._chunks = []

    def samples(self, seconds=None):
        with self._lock:
            chunks = list(self._chunks)
        if seconds is not None:
            since = time.monotonic() - seconds
            chunks = [c for c in chunks if c[0] >= since]
        if not chunks:
            return numpy.zeros(0, dtype=numpy.float32)
        return numpy.concatenate([c[1] for c in chunks])

    def received_seconds(self, seconds=1.0):
        """Audio received (decoded) in the last `seconds`, in seconds."""
        return len(self.samples(seconds)) / self.codec.rate

    def rms(self, seconds=1.0):
        s = self.samples(seconds)
        return float(numpy.sqrt(numpy.mean(s * s))) if len(s) else 0.0

    def energy_at(self, frequency, seconds=1.0):
        """Share (0..1) of the power received in the last `seconds` that lies
        at `frequency`."""
        return tone_share(self.samples(seconds), self.codec.rate, frequency)

    def spectrum(self, frequencies, seconds=1.0):
        s = self.samples(seconds)
        return {f: round(tone_share(s, self.codec.rate, f), 3) for f in frequencies}

    # -------------------------------------------------------------- end
    def close(self):
        """BYE if still in the room, stop media, close sockets."""
        try:
            if self.dialog and not self.dialog.terminated.is_set():
                self.leave()
        except (SipError, TimeoutError, OSError):
            pass
        self.running = False
        for t in self._threads:
            t.join(2)
        self.ua.close()
        self.rtp.close()
        self.rtcp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"<RtpPhone {self.user} {self.codec_key} {self.tone_hz} Hz>"


def rpc_participants(kamcmd_output):
    """Participants of `kamcmd sylk_conference.participants <room>` output
    as a list of {field: value} dicts (values as text)."""
    out, current = [], None
    for line in kamcmd_output.splitlines():
        m = re.match(r"^\s*([\w-]+):\s*(.*?)\s*$", line)
        if not m:
            continue
        key, value = m.groups()
        if key == "uri":
            current = {}
            out.append(current)
        if current is not None:
            current[key] = value
    return out


def assert_heard_the_prompt(phone, started):
    """The playback prompt (packaging/playback-prompt.py: 4.4 s around a
    1 kHz tone) reached `phone` whole, and the call ended with it
    (`started`: time.monotonic() when the call was placed)."""
    took = time.monotonic() - started
    audio = phone.samples()
    seconds = len(audio) / 8000
    assert 3.5 < seconds < 6.5, seconds
    assert 4.0 < took < 9.0, took
    loud = numpy.sqrt(numpy.mean(audio * audio))
    assert loud > 0.05, loud
    assert tone_share(audio, 8000, 1000) > 0.25
