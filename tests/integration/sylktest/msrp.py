# SPDX-License-Identifier: GPL-2.0-or-later
"""A small MSRP (RFC 4975) client for the conference tests, plus helpers for
what travels inside it: CPIM envelopes (RFC 3862), file-selectors of file
transfer offers (RFC 5547), is-composing documents (RFC 3994) and the
conference-info documents of SUBSCRIBE/NOTIFY (RFC 4575).

The client takes the active role: it connects to the focus's a=path address
over TCP or TLS (certificate not verified: the test server's is self-signed)
while its own path keeps a made-up port, as an MSRP endpoint behind NAT
would. A reader thread parses frames, answers incoming SENDs with 200,
reassembles chunked messages and records responses and REPORTs."""

import hashlib
import re
import secrets
import socket
import ssl
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

CRLF = "\r\n"
PATH_RE = re.compile(r"^(msrps?)://([^:/]+):(\d+)/([^;\s]+);tcp$")


def random_id(n=10):
    return secrets.token_hex(n)


def parse_path(url):
    """(scheme, host, port, session-id) of an msrp(s) URI."""
    m = PATH_RE.match(url.strip())
    if not m:
        raise ValueError(f"not an MSRP path URI: {url!r}")
    return m.group(1), m.group(2), int(m.group(3)), m.group(4)


class Frame:
    """One parsed MSRP request or response."""

    def __init__(self, tid, method=None, code=None, comment="", headers=None,
                 body=b"", flag="$"):
        self.tid = tid
        self.method = method        # request: SEND, REPORT, NICKNAME...
        self.code = code            # response: int status
        self.comment = comment
        self.headers = headers or []  # [(name, value)] in order
        self.body = body
        self.flag = flag            # '$' complete, '+' more chunks, '#' aborted

    def header(self, name, default=None):
        name = name.lower()
        for n, v in self.headers:
            if n.lower() == name:
                return v
        return default

    def byte_range(self):
        """(start, end or None, total or None) of Byte-Range."""
        value = self.header("Byte-Range")
        if not value:
            return 1, None, None
        m = re.match(r"^(\d+)-(\d+|\*)/(\d+|\*)$", value.strip())
        if not m:
            return 1, None, None
        start = int(m.group(1))
        end = None if m.group(2) == "*" else int(m.group(2))
        total = None if m.group(3) == "*" else int(m.group(3))
        return start, end, total

    def __repr__(self):
        what = self.method or f"{self.code} {self.comment}"
        return f"<MSRP {self.tid} {what} {len(self.body)}B {self.flag}>"


class Message:
    """A complete (reassembled) incoming SEND."""

    def __init__(self, message_id, content_type, body, headers, chunks):
        self.message_id = message_id
        self.content_type = content_type
        self.body = body
        self.headers = headers      # headers of the first chunk
        self.chunks = chunks        # how many SENDs carried it
        self.received_at = time.monotonic()

    @property
    def cpim(self):
        """The parsed CPIM envelope, or None for other content."""
        if (self.content_type or "").split(";")[0].strip().lower() != "message/cpim":
            return None
        return parse_cpim(self.body)

    def __repr__(self):
        return f"<Message {self.message_id} {self.content_type} {len(self.body)}B>"


class FrameParser:
    """Incremental MSRP frame parser; feed bytes, get Frames."""

    START_RE = re.compile(rb"^MSRP ([A-Za-z0-9][A-Za-z0-9.\-+%=]{3,31}) "
                          rb"(?:([A-Z]+)|(\d{3})(?: (.*))?)$")

    def __init__(self):
        self.buf = b""

    def feed(self, data):
        self.buf += data
        frames = []
        while True:
            frame = self._one()
            if frame is None:
                return frames
            frames.append(frame)

    def _one(self):
        head_end = self.buf.find(b"\r\n")
        if head_end < 0:
            return None
        start = self.buf[:head_end]
        m = self.START_RE.match(start)
        if not m:
            raise ValueError(f"bad MSRP start line: {start[:200]!r}")
        tid = m.group(1).decode()
        end_marker = b"-------" + m.group(1)
        pos = head_end + 2
        headers = []
        # header lines until an empty line (a body follows) or the end-line
        while True:
            eol = self.buf.find(b"\r\n", pos)
            if eol < 0:
                return None
            line = self.buf[pos:eol]
            if line.startswith(end_marker) and len(line) == len(end_marker) + 1 \
                    and line[-1:] in (b"$", b"+", b"#"):
                body, flag, consumed = b"", line[-1:].decode(), eol + 2
                break
            if line == b"":
                body_start = eol + 2
                # data CRLF end-line CRLF
                search = 0
                while True:
                    i = self.buf.find(b"\r\n" + end_marker, body_start + search)
                    if i < 0:
                        return None
                    after = i + 2 + len(end_marker)
                    if len(self.buf) < after + 3:
                        return None
                    flag_b = self.buf[after:after + 1]
                    if flag_b in (b"$", b"+", b"#") and self.buf[after + 1:after + 3] == b"\r\n":
                        body = self.buf[body_start:i]
                        flag = flag_b.decode()
                        consumed = after + 3
                        break
                    search = i - body_start + 1
                break
            name, sep, value = line.decode("utf-8", "replace").partition(":")
            headers.append((name.strip(), value.strip()))
            pos = eol + 2
        self.buf = self.buf[consumed:]
        if m.group(2):
            return Frame(tid, method=m.group(2).decode(), headers=headers, body=body, flag=flag)
        return Frame(tid, code=int(m.group(3)),
                     comment=(m.group(4) or b"").decode("utf-8", "replace"),
                     headers=headers, body=body, flag=flag)


class MsrpClient:
    """One MSRP session toward the focus.

    focus_path: the a=path URI of the focus's SDP answer.
    local_path: our own a=path (the one our SDP offer carried); by default
    msrp(s)://127.0.0.1:<made-up port>/<random id>;tcp.
    reading=False: a slow receiver, which reads nothing (while it may send)
    until resume_reading()."""

    def __init__(self, focus_path, local_path=None, tls=None, auto_ok=True,
                 timeout=5.0, connect=True, reading=True):
        self.focus_path = focus_path
        scheme, self.host, self.port, _ = parse_path(focus_path)
        self.tls = (scheme == "msrps") if tls is None else tls
        if local_path is None:
            local_path = "%s://127.0.0.1:%d/%s;tcp" % (
                "msrps" if self.tls else "msrp", 20000 + secrets.randbelow(30000), random_id())
        self.path = local_path
        self.auto_ok = auto_ok
        self.timeout = timeout
        self.sock = None
        self.frames = []           # every frame received, in order
        self.responses = {}        # tid -> Frame (transaction response)
        self.last_tid = None       # of the last chunk sent (or being sent)
        self.reports = []          # REPORT frames
        self.messages = []         # reassembled incoming SENDs
        self.requests = []         # every incoming request (SEND chunks, NICKNAME...)
        self.closed = False
        self.error = None
        self._partial = {}         # Message-ID -> {"chunks": {start: bytes}, ...}
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()
        self._reader = None
        self._reading = threading.Event()   # clear: a receiver that reads nothing yet
        if reading:
            self._reading.set()
        if connect:
            self.connect()

    # ---- connection ------------------------------------------------------------

    def connect(self):
        raw = socket.create_connection((self.host, self.port), timeout=self.timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            raw = ctx.wrap_socket(raw, server_hostname=self.host)
        raw.settimeout(None)
        self.sock = raw
        self._reader = threading.Thread(target=self._read_loop, daemon=True,
                                        name=f"msrp-{self.path}")
        self._reader.start()

    def resume_reading(self):
        """A client made with reading=False reads from now on."""
        self._reading.set()

    def close(self):
        self.closed = True
        self._reading.set()
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                self.sock.close()
            except OSError:
                pass
        if self._reader is not None:
            self._reader.join(2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def connection_closed(self):
        """True once the focus closed the connection (or it broke)."""
        return self._reader is not None and not self._reader.is_alive()

    # ---- sending -----------------------------------------------------------------

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode()
        with self._send_lock:
            self.sock.sendall(data)

    @staticmethod
    def build(tid, method, to_path, from_path, headers=(), body=None, content_type=None,
              flag="$"):
        """An MSRP request as bytes (body None: no body at all)."""
        lines = [f"MSRP {tid} {method}", f"To-Path: {to_path}", f"From-Path: {from_path}"]
        lines += [f"{n}: {v}" for n, v in headers]
        out = (CRLF.join(lines) + CRLF).encode()
        if body is not None:
            if isinstance(body, str):
                body = body.encode()
            if content_type:
                out += f"Content-Type: {content_type}{CRLF}".encode()
            out += CRLF.encode() + body + CRLF.encode()
        out += f"-------{tid}{flag}{CRLF}".encode()
        return out

    def send(self, body=b"", content_type="message/cpim", message_id=None, chunk_size=None,
             success_report=None, failure_report=None, headers=(), total_known=True):
        """Send one message, split into chunks of chunk_size bytes if given.
        Returns (message_id, [transaction ids])."""
        if isinstance(body, str):
            body = body.encode()
        message_id = message_id or random_id(8)
        total = len(body)
        size = chunk_size or max(total, 1)
        tids = []
        offset = 0
        while True:
            piece = body[offset:offset + size]
            last = offset + len(piece) >= total
            tid = random_id(6)
            hdrs = [("Message-ID", message_id)]
            if success_report is not None:
                hdrs.append(("Success-Report", success_report))
            if failure_report is not None:
                hdrs.append(("Failure-Report", failure_report))
            end = offset + len(piece)
            if total == 0:
                hdrs.append(("Byte-Range", "1-0/0"))
                body_arg = None
            else:
                hdrs.append(("Byte-Range", "%d-%d/%s" % (
                    offset + 1, end, total if total_known else "*")))
                body_arg = piece
            hdrs += list(headers)
            frame = self.build(tid, "SEND", self.focus_path, self.path, hdrs, body=body_arg,
                               content_type=content_type, flag="$" if last else "+")
            # known even when sending fails: the peer may answer and close
            # while a long chunk is still being written
            self.last_tid = tid
            self.send_raw(frame)
            tids.append(tid)
            offset = end
            if last:
                break
        return message_id, tids

    def bind(self, timeout=None):
        """The first, empty SEND that binds this connection to our session;
        returns its response code."""
        _, tids = self.send(b"", content_type=None)
        return self.wait_response(tids[0], timeout).code

    def nickname(self, name, quote=True):
        """RFC 7701 NICKNAME; returns the transaction id."""
        tid = random_id(6)
        value = f'"{name}"' if quote else name
        self.send_raw(self.build(tid, "NICKNAME", self.focus_path, self.path,
                                 [("Use-Nickname", value)]))
        return tid

    def respond(self, frame, code=200, comment="OK"):
        # the response goes back to the first hop of the request's From-Path
        to = (frame.header("From-Path") or "").split()[0:1]
        lines = [f"MSRP {frame.tid} {code} {comment}", f"To-Path: {to[0] if to else ''}",
                 f"From-Path: {self.path}", f"-------{frame.tid}$"]
        self.send_raw((CRLF.join(lines) + CRLF).encode())

    # ---- waiting -----------------------------------------------------------------

    def wait_for(self, predicate, timeout=None, what="MSRP condition"):
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"timed out waiting for {what} on {self.path}; "
                                       f"frames seen: {self.frames[-20:]}")
                self._cond.wait(min(left, 0.1))

    def wait_response(self, tid, timeout=None):
        return self.wait_for(lambda: self.responses.get(tid), timeout,
                             what=f"response to {tid}")

    def wait_messages(self, count, timeout=None, predicate=None):
        """The first `count` received messages that satisfy predicate."""
        def ready():
            got = [m for m in self.messages if predicate is None or predicate(m)]
            return got if len(got) >= count else None
        return self.wait_for(ready, timeout, what=f"{count} messages")

    def chat_messages(self):
        """Received CPIM messages that are not status or is-composing."""
        out = []
        for m in self.messages:
            c = m.cpim
            if c is None or c.content_type.startswith("application/im-iscomposing"):
                continue
            if c.is_status:
                continue
            out.append(m)
        return out

    def texts(self):
        """Bodies (str) of received chat messages, in order."""
        return [m.cpim.body.decode("utf-8", "replace") for m in self.chat_messages()]

    # ---- reading -----------------------------------------------------------------

    def _read_loop(self):
        parser = FrameParser()
        self._reading.wait()
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                for frame in parser.feed(data):
                    self._handle(frame)
        except (OSError, ValueError) as e:
            if not self.closed:
                self.error = e
        finally:
            with self._cond:
                self._cond.notify_all()

    def _handle(self, frame):
        with self._cond:
            self.frames.append(frame)
            if frame.code is not None:
                self.responses[frame.tid] = frame
            elif frame.method == "REPORT":
                self.reports.append(frame)
            else:
                self.requests.append(frame)
            self._cond.notify_all()
        if frame.method == "SEND":
            if self.auto_ok and (frame.header("Failure-Report") or "yes").lower() != "no":
                self.respond(frame)
            self._reassemble(frame)
        elif frame.method not in (None, "REPORT") and self.auto_ok:
            self.respond(frame)

    def _reassemble(self, frame):
        mid = frame.header("Message-ID") or frame.tid
        start, end, total = frame.byte_range()
        with self._cond:
            part = self._partial.setdefault(mid, {"chunks": {}, "first": frame, "n": 0,
                                                  "content_type": None})
            if frame.header("Content-Type"):
                part["content_type"] = frame.header("Content-Type")
            part["chunks"][start] = frame.body
            part["n"] += 1
            if frame.flag == "#":
                del self._partial[mid]
                return
            if frame.flag != "$":
                return
            whole = bytearray()
            for s in sorted(part["chunks"]):
                del whole[s - 1:]   # a chunk sent again overwrites
                whole += part["chunks"][s]
            body = bytes(whole)
            del self._partial[mid]
            self.messages.append(Message(mid, part["content_type"], body,
                                         part["first"].headers, part["n"]))
            self._cond.notify_all()
        if (frame.header("Success-Report") or "no").lower() == "yes" and self.auto_ok:
            tid = random_id(6)
            self.send_raw(self.build(tid, "REPORT", frame.header("From-Path"), self.path,
                                     [("Message-ID", mid),
                                      ("Byte-Range", f"1-{len(body)}/{len(body)}"),
                                      ("Status", "000 200 OK")]))


# ---- CPIM (RFC 3862) -------------------------------------------------------------

class Cpim:
    def __init__(self, headers, content_headers, body):
        self.headers = headers              # [(name, value)] message headers
        self.content_headers = content_headers
        self.body = body                    # bytes

    def header(self, name, default=None):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return default

    def all(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]

    @property
    def content_type(self):
        for n, v in self.content_headers:
            if n.lower() == "content-type":
                return v
        return ""

    def namespaces(self):
        """prefix -> URN from the NS headers."""
        out = {}
        for v in self.all("NS"):
            m = re.match(r"^\s*([^\s<]*)\s*<([^>]*)>", v)
            if m:
                out[m.group(1)] = m.group(2)
        return out

    def ns_header(self, urn, name):
        """A header in the namespace `urn` (by its declared prefix)."""
        for prefix, value in self.namespaces().items():
            if value == urn:
                return self.header(f"{prefix}.{name}" if prefix else name)
        return None

    @property
    def is_status(self):
        return (self.ns_header("urn:ag-projects:xml:ns:cpim", "Message-Type") or "").lower() \
            == "status"

    @staticmethod
    def uri(value):
        """The URI between <> of a From/To value."""
        m = re.search(r"<([^>]*)>", value or "")
        return m.group(1) if m else (value or "").strip()

    def __repr__(self):
        return f"<CPIM {self.headers} {self.content_type} {self.body[:60]!r}>"


def cpim(sender, recipient, body, content_type="text/plain", message_id=None,
         sender_name=None, recipient_name=None, extra=(), datetime_value=None, imdn=True):
    """A CPIM envelope (bytes). sender/recipient are SIP URIs."""
    if isinstance(body, str):
        body = body.encode()
    frm = f'"{sender_name}" <{sender}>' if sender_name else f"<{sender}>"
    lines = [f"From: {frm}"]
    recipients = [recipient] if isinstance(recipient, str) else list(recipient)
    for r in recipients:
        lines.append(f'To: "{recipient_name}" <{r}>' if recipient_name else f"To: <{r}>")
    lines.append("DateTime: " + (datetime_value or datetime.now(timezone.utc)
                                 .strftime("%Y-%m-%dT%H:%M:%S.000Z")))
    if imdn:
        lines.append("NS: imdn <urn:ietf:params:imdn>")
        lines.append(f"imdn.Message-ID: {message_id or random_id(8)}")
    lines += [f"{n}: {v}" for n, v in extra]
    head = CRLF.join(lines) + CRLF + CRLF + f"Content-Type: {content_type}" + CRLF + CRLF
    return head.encode() + body


def parse_cpim(data):
    if isinstance(data, str):
        data = data.encode()
    sep = b"\r\n\r\n" if b"\r\n\r\n" in data else b"\n\n"
    head, _, rest = data.partition(sep)
    chead, _, body = rest.partition(sep)

    def headers(block):
        out = []
        for line in block.decode("utf-8", "replace").splitlines():
            if not line.strip():
                continue
            n, _, v = line.partition(":")
            out.append((n.strip(), v.strip()))
        return out
    return Cpim(headers(head), headers(chead), body)


# ---- file transfer (RFC 5547) ----------------------------------------------------

def sha1_hash(data):
    """The hash selector of a file: sha-1:XX:XX:... (upper-case hex pairs)."""
    digest = hashlib.sha1(data).hexdigest().upper()
    return "sha-1:" + ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def file_selector(name=None, content_type=None, size=None, hash=None):
    """An a=file-selector value (RFC 5547 section 5) with the selectors given."""
    parts = []
    if name is not None:
        parts.append(f'name:"{name}"')
    if content_type is not None:
        parts.append(f"type:{content_type}")
    if size is not None:
        parts.append(f"size:{size}")
    if hash is not None:
        parts.append(f"hash:{hash}")
    return " ".join(parts)


# ---- is-composing (RFC 3994) -----------------------------------------------------

ISCOMPOSING_NS = "urn:ietf:params:xml:ns:im-iscomposing"


def iscomposing(state="active", refresh=60, content_type="text/plain"):
    refresh_el = f"<refresh>{refresh}</refresh>" if refresh and state == "active" else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<isComposing xmlns="{ISCOMPOSING_NS}">'
            f"<state>{state}</state><contenttype>{content_type}</contenttype>"
            f"{refresh_el}</isComposing>").encode()


def parse_iscomposing(data):
    root = ET.fromstring(data)
    ns = {"c": ISCOMPOSING_NS}
    state = root.find("c:state", ns)
    return {"state": state.text if state is not None else None,
            "contenttype": getattr(root.find("c:contenttype", ns), "text", None),
            "refresh": getattr(root.find("c:refresh", ns), "text", None)}


# ---- conference-info (RFC 4575) --------------------------------------------------

CI_NS = "urn:ietf:params:xml:ns:conference-info"
AGP_NS = "urn:ag-projects:xml:ns:conference-info"


def _q(tag, ns=CI_NS):
    return f"{{{ns}}}{tag}"


def _text(el, tag, ns=CI_NS):
    if el is None:
        return None
    child = el.find(_q(tag, ns))
    return child.text if child is not None else None


class ConferenceInfo:
    """A parsed conference-info document; `root` is the ElementTree element
    for element-by-element checks."""

    def __init__(self, xml_bytes):
        if isinstance(xml_bytes, str):
            xml_bytes = xml_bytes.encode()
        self.raw = xml_bytes
        self.root = ET.fromstring(xml_bytes)
        r = self.root
        self.tag = r.tag
        self.entity = r.get("entity")
        self.state = r.get("state")
        v = r.get("version")
        self.version = int(v) if v is not None and v.isdigit() else v
        desc = r.find(_q("conference-description"))
        self.description = None
        self.files = []
        if desc is not None:
            uris = []
            cu = desc.find(_q("conf-uris"))
            if cu is not None:
                for entry in cu.findall(_q("entry")):
                    uris.append({"uri": _text(entry, "uri"),
                                 "display_text": _text(entry, "display-text"),
                                 "purpose": _text(entry, "purpose")})
            self.description = {"display_text": _text(desc, "display-text"),
                                "subject": _text(desc, "subject"),
                                "free_text": _text(desc, "free-text"),
                                "conf_uris": uris}
            for f in desc.iter(_q("file", AGP_NS)):
                self.files.append(dict(f.attrib))
        cs = r.find(_q("conference-state"))
        self.conference_state = None
        if cs is not None:
            uc = _text(cs, "user-count")
            active = _text(cs, "active")
            self.conference_state = {
                "user_count": int(uc) if uc is not None and uc.strip().isdigit() else uc,
                "active": active.strip() if active else active,
                "locked": _text(cs, "locked"),
            }
        self.users_element = r.find(_q("users"))
        self.users = []
        if self.users_element is not None:
            for u in self.users_element.findall(_q("user")):
                user = {"entity": u.get("entity"), "state": u.get("state"),
                        "display_text": _text(u, "display-text"),
                        "screen_image_url": _text(u, "screen_image_url", AGP_NS),
                        "endpoints": [], "element": u}
                for e in u.findall(_q("endpoint")):
                    jm = e.find(_q("joining-method"))
                    ep = {"entity": e.get("entity"), "state": e.get("state"),
                          "display_text": _text(e, "display-text"),
                          "status": _text(e, "status"),
                          "joining_method": jm.text if jm is not None else None,
                          "media": [], "element": e}
                    for m in e.findall(_q("media")):
                        ep["media"].append({"id": m.get("id"), "type": _text(m, "type"),
                                            "status": _text(m, "status"),
                                            "display_text": _text(m, "display-text"),
                                            "element": m})
                    user["endpoints"].append(ep)
                self.users.append(user)

    def user(self, entity):
        for u in self.users:
            if u["entity"] == entity:
                return u
        return None

    def __repr__(self):
        return (f"<conference-info {self.entity} v{self.version} {self.state} "
                f"users={[u['entity'] for u in self.users]}>")


def parse_conference_info(xml_bytes):
    return ConferenceInfo(xml_bytes)


def _still_being_written(headers, body):
    """True when SIPp has not yet written the whole body (the log is read
    while SIPp appends to it): surely fewer bytes than Content-Length says.
    Text-mode reading turned each CRLF into one LF, so a body had at most
    one byte more per line break than it has now."""
    m = re.search(r"^(?:Content-Length|l):\s*(\d+)", headers, re.I | re.M)
    if not m:
        return False
    return len(body.encode()) + body.count("\n") < int(m.group(1))


def sip_messages(messages_log):
    """(direction, start line, headers text, body) of every SIP message in a
    SIPp -trace_msg file, in order; direction is "sent" or "received"."""
    out = []
    # each message: a "-----... <time>" line, "UDP message sent (N bytes):"
    # or "... received [N] bytes :", an empty line, then the message
    for block in re.split(r"(?:^|\n)-{10,}[^\n]*\n", messages_log):
        m = re.match(r"^\w+ message (sent|received)[^\n]*\n\r?\n", block)
        if not m:
            continue
        message = block[m.end():]
        parts = re.split(r"\r?\n\r?\n", message, maxsplit=1)
        head = parts[0]
        body = parts[1] if len(parts) == 2 else ""
        start, _, headers = head.partition("\n")
        if _still_being_written(headers, body):
            continue
        out.append((m.group(1), start.strip(), headers, body.strip()))
    return out


def sip_bodies(messages_log, content_type, direction="received"):
    """Bodies of the SIP messages with this Content-Type found in a SIPp
    -trace_msg file, in order."""
    out = []
    for d, _, headers, body in sip_messages(messages_log):
        if direction and d != direction:
            continue
        m = re.search(r"^(?:Content-Type|c):\s*([^\r\n;]+)", headers, re.I | re.M)
        if m and m.group(1).strip().lower() == content_type.lower() and body:
            out.append(body)
    return out


def wait_path(url, timeout=5):
    """Wait until the TCP port of an msrp URI accepts connections."""
    _, host, port, _ = parse_path(url)
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return True
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)


__all__ = ["MsrpClient", "FrameParser", "Frame", "Message", "Cpim", "cpim", "parse_cpim",
           "iscomposing", "parse_iscomposing", "sha1_hash", "file_selector", "ConferenceInfo",
           "parse_conference_info", "sip_bodies", "sip_messages", "parse_path", "random_id",
           "wait_path"]
