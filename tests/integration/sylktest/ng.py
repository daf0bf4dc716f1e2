# SPDX-License-Identifier: GPL-2.0-or-later
"""rtpengine's ng control protocol from Python: bencode and a small UDP
client, so tests can look at what rtpengine holds (`list`, `query`) or set
up media themselves (`offer`, `answer`, `delete`).

    ng = NgClient(rtpengine.ng_port)
    ng.ping()                                   # True
    ng.call_ids()                               # ['a84b4c76e66710', ...]
    info = ng.query("a84b4c76e66710")           # dict, str keys and values
    ng.offer(call_id, from_tag, sdp, **WEBRTC_OFFER_TO_SIP)["sdp"]

A request is a bencoded dict sent as "<cookie> <dict>"; the reply carries
the same cookie. rtpengine caches replies by cookie, so each request gets a
fresh one. Replies with result "error" raise NgError."""

import itertools
import os
import socket

# ------------------------------------------------------------------ bencode


class BencodeError(ValueError):
    pass


def bencode(value):
    """Encode str/bytes/int/bool/list/tuple/dict (keys sorted, as required)."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode("utf-8")
    if isinstance(value, (bytes, bytearray)):
        return b"%d:%s" % (len(value), bytes(value))
    if isinstance(value, (list, tuple)):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            if isinstance(key, str):
                key = key.encode("utf-8")
            items.append((key, item))
        items.sort()
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"
    raise BencodeError(f"cannot bencode {type(value).__name__}")


def _text(raw):
    """Strings decode to str when they are UTF-8 (SDP, ids), else stay bytes."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def _decode_at(data, pos, depth):
    if depth > 64:
        raise BencodeError("nesting too deep")
    if pos >= len(data):
        raise BencodeError("truncated")
    c = data[pos:pos + 1]
    if c == b"i":
        end = data.index(b"e", pos)
        return int(data[pos + 1:end]), end + 1
    if c == b"l":
        pos += 1
        items = []
        while data[pos:pos + 1] != b"e":
            item, pos = _decode_at(data, pos, depth + 1)
            items.append(item)
        return items, pos + 1
    if c == b"d":
        pos += 1
        result = {}
        while data[pos:pos + 1] != b"e":
            key, pos = _decode_at(data, pos, depth + 1)
            if not isinstance(key, (str, bytes)):
                raise BencodeError("dictionary key is not a string")
            result[key], pos = _decode_at(data, pos, depth + 1)
        return result, pos + 1
    if c.isdigit():
        colon = data.index(b":", pos)
        length = int(data[pos:colon])
        start = colon + 1
        if start + length > len(data):
            raise BencodeError("string runs past the end")
        return _text(data[start:start + length]), start + length
    raise BencodeError(f"unexpected byte {c!r} at {pos}")


def bdecode(data):
    """Decode one bencoded value; strings become str when valid UTF-8."""
    try:
        value, end = _decode_at(bytes(data), 0, 0)
    except (ValueError, IndexError) as e:
        if isinstance(e, BencodeError):
            raise
        raise BencodeError(str(e)) from None
    if end != len(data):
        raise BencodeError(f"{len(data) - end} trailing bytes")
    return value


# ------------------------------------------------------------------ flag sets
# Offer/answer parameters that bridge WebRTC and plain RTP (see
# /work/shared/reference/platform-notes.md). Pass them as **kwargs; keys
# with dashes are fine in a dict.

WEBRTC_OFFER_TO_SIP = {
    "ICE": "remove", "DTLS": "off", "SDES": ["off"], "transport-protocol": "RTP/AVP",
    "rtcp-mux": ["demux"], "replace": ["origin", "session-connection"],
    "flags": ["trust-address", "strip-extmap"],
    # rtpengine would start DTLS as the active side on the offer and the
    # answer's DTLS=passive then leaves both sides waiting: be passive now
    "DTLS-reverse": "passive",
}
SIP_ANSWER_TO_WEBRTC = {
    "ICE": "force", "DTLS": "passive", "transport-protocol": "UDP/TLS/RTP/SAVPF",
    "rtcp-mux": ["require"], "flags": ["trust-address", "full-rtcp-attribute"],
}
SIP_OFFER_TO_WEBRTC = {
    "ICE": "force", "DTLS": "passive", "SDES": ["off"], "transport-protocol": "UDP/TLS/RTP/SAVPF",
    "rtcp-mux": ["offer", "require"],
    "flags": ["trust-address", "generate-mid", "full-rtcp-attribute"],
}
WEBRTC_ANSWER_TO_SIP = {
    "ICE": "remove", "DTLS": "off", "SDES": ["off"], "transport-protocol": "RTP/AVP",
    "rtcp-mux": ["demux"], "flags": ["trust-address", "strip-extmap"],
}


# ------------------------------------------------------------------ client


class NgError(RuntimeError):
    def __init__(self, command, reply):
        self.reply = reply
        super().__init__(f"rtpengine {command}: {reply.get('error-reason', reply)}")


_cookies = itertools.count(1)


class NgClient:
    def __init__(self, port, host="127.0.0.1", timeout=2.0, retries=2):
        self.address = (host, port)
        self.timeout = timeout
        self.retries = retries
        self._prefix = f"py{os.getpid()}x{id(self) & 0xFFFF:x}_"

    def raw(self, payload):
        """Send one request dict; return the decoded reply dict (no error check).
        UDP: resent with the same cookie when no reply comes (rtpengine
        answers a repeated cookie from its cache, so that is safe)."""
        cookie = f"{self._prefix}{next(_cookies)}".encode()
        message = cookie + b" " + bencode(payload)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(self.timeout)
        try:
            s.connect(self.address)
            for attempt in range(self.retries + 1):
                s.send(message)
                try:
                    while True:
                        data = s.recv(262144)
                        got, _, body = data.partition(b" ")
                        if got == cookie:
                            return bdecode(body)
                except socket.timeout:
                    if attempt == self.retries:
                        raise TimeoutError(f"no ng reply from {self.address} "
                                           f"to {payload.get('command')}") from None
        finally:
            s.close()

    def request(self, command, **params):
        """Send `command` with `params` (dashes allowed via **{'call-id': ..});
        return the reply dict; raise NgError on result "error"."""
        payload = {"command": command}
        payload.update(params)
        reply = self.raw(payload)
        if reply.get("result") == "error":
            raise NgError(command, reply)
        return reply

    # -- the usual commands
    def ping(self):
        try:
            return self.raw({"command": "ping"}).get("result") == "pong"
        except (OSError, TimeoutError):
            return False

    def offer(self, call_id, from_tag, sdp, **params):
        return self.request("offer", **{"call-id": call_id, "from-tag": from_tag, "sdp": sdp},
                            **params)

    def answer(self, call_id, from_tag, to_tag, sdp, **params):
        return self.request("answer", **{"call-id": call_id, "from-tag": from_tag,
                                         "to-tag": to_tag, "sdp": sdp}, **params)

    def delete(self, call_id, from_tag=None, to_tag=None, **params):
        p = {"call-id": call_id}
        if from_tag:
            p["from-tag"] = from_tag
        if to_tag:
            p["to-tag"] = to_tag
        p.update(params)
        return self.request("delete", **p)

    def list(self, limit=32):
        """The `list` reply: {'result': 'ok', 'calls': [call-id, ...]}."""
        return self.request("list", limit=limit)

    def call_ids(self, limit=1000):
        return list(self.list(limit).get("calls", []))

    def query(self, call_id, from_tag=None, to_tag=None):
        """The `query` reply for one call: 'created', 'last signal', 'tags'
        {tag: {'tag', 'label', 'medias': [{'streams': [{'local port',
        'endpoint', 'stats': {'packets', 'bytes', ...}}...]}]}}, 'totals'."""
        p = {"call-id": call_id}
        if from_tag:
            p["from-tag"] = from_tag
        if to_tag:
            p["to-tag"] = to_tag
        return self.request("query", **p)

    def statistics(self):
        return self.request("statistics")


def stream_packets(query_reply):
    """{tag: [packets of each stream]} from a `query` reply: what rtpengine
    received on each leg's ports. Handy for 'media flowed both ways'."""
    out = {}
    for tag, info in (query_reply.get("tags") or {}).items():
        counts = []
        for media in info.get("medias", []):
            for stream in media.get("streams", []):
                counts.append(stream.get("stats", {}).get("packets", 0))
        out[tag] = counts
    return out
