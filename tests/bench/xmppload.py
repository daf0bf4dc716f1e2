# SPDX-License-Identifier: GPL-2.0-or-later
"""The XMPP run's load generator (bench_xmpp.py): one asyncio process that
holds many XMPP client connections to Prosody (plain c2s, SASL PLAIN,
resource binding, roster fetch, initial presence: what a client does, in a
few lines of raw XML instead of one slixmpp client per connection) and SIP
endpoints over UDP (digest-authenticated REGISTER, MESSAGE and PUBLISH; a
responder that answers 200 to what the proxy delivers).

Driven by line commands on stdin, answers on stdout:

  xclients PREFIX N            log in PREFIX0000.. (password PREFIX....-pw)
  sipreg PREFIX N PASSWORD     REGISTER PREFIX0000..@DOMAIN at the responder
  x2s XP SP N RATE SECS DRAIN  XMPP XP<i> sends <message type=chat> to SP<i>@DOMAIN
  s2x SP XP N RATE SECS DRAIN PASSWORD
                               SIP SP<i> sends MESSAGE to XP<i>@XMPP_DOMAIN
  watch PREFIX W PRESENTITY    log in W watchers, each subscribes to PRESENTITY
  publish USER PASSWORD SEQ    one PUBLISH (note = token SEQ), waits for all
                               watchers to see it
  pres USER PASSWORD RATE SECS DRAIN
                               PUBLISH changes at RATE/s, count the watchers' presences
  quit

Open loop: RATE per second in total, sent in 10 ms ticks; each message or
status carries a token "XB<seq>E" that the receiving side finds and times
(same process, same clock). "WINDOW start" / "WINDOW end" around the timed
sending; then DRAIN seconds for stragglers; then one line "RESULT {json}".
"""

import asyncio
import base64
import hashlib
import json
import os
import re
import sys
import time
import uuid

TOKEN = re.compile(rb"XB(\d+)E")
STANZA_START = re.compile(rb"<(message|presence|iq)\b")
ATTR_FROM = re.compile(rb"""\bfrom=['"]([^'"]*)['"]""")
ATTR_TYPE = re.compile(rb"""\btype=['"]([^'"]*)['"]""")


def log(msg):
    sys.stderr.write(f"[xmppload {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def pct(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


class Stats:
    """Per step: what was sent (seq -> send time) and received."""

    def __init__(self):
        self.sent = {}
        self.lat = []
        self.received = 0          # deliveries (a presence reaches each watcher)
        self.received_window = 0   # deliveries before WINDOW end
        self.errors = 0
        self.error_kinds = {}
        self.in_window = True
        self.seen = set()

    def error(self, kind):
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1

    def got(self, seq, key=None):
        t = self.sent.get(seq)
        if t is None:
            return
        k = (seq, key)
        if k in self.seen:
            return
        self.seen.add(k)
        self.received += 1
        if self.in_window:
            self.received_window += 1
        self.lat.append(time.monotonic() - t)


STATS = None   # the running step's
BASE = [0]     # each step's tokens start here: a late delivery of an earlier
               # step never counts for the next one


def next_base():
    BASE[0] += 10000000
    return BASE[0]


# ---- XMPP ------------------------------------------------------------------------

class Xmpp:
    def __init__(self, host, port, domain, user, password):
        self.host, self.port, self.domain = host, port, domain
        self.user, self.password = user, password
        self.jid = f"{user}@{domain}"
        self.buf = b""
        self.subscribed = asyncio.get_event_loop().create_future()
        self.presence_seqs = set()
        self.on_subscribed = None

    async def _until(self, pattern):
        pat = re.compile(pattern)
        while True:
            m = pat.search(self.buf)
            if m:
                data, self.buf = self.buf[:m.end()], self.buf[m.end():]
                return data
            chunk = await asyncio.wait_for(self.r.read(65536), 15)
            if not chunk:
                raise RuntimeError(f"{self.jid}: connection closed: {self.buf[-300:]!r}")
            self.buf += chunk

    def _header(self):
        return (f"<?xml version='1.0'?><stream:stream to='{self.domain}' "
                "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                "version='1.0'>").encode()

    async def login(self):
        self.r, self.w = await asyncio.open_connection(self.host, self.port)
        self.w.write(self._header())
        await self._until(rb"</stream:features>")
        cred = base64.b64encode(f"\0{self.user}\0{self.password}".encode()).decode()
        self.w.write(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                     f"{cred}</auth>".encode())
        got = await self._until(rb"<success[^>]*?(/>|</success>)|</failure>")
        if b"<success" not in got:
            raise RuntimeError(f"{self.jid}: SASL failed: {got[-300:]!r}")
        self.w.write(self._header())
        await self._until(rb"</stream:features>")
        self.w.write(b"<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                     b"<resource>bench</resource></bind></iq>")
        await self._until(rb"""id=['"]b1['"][^>]*>.*?</iq>""")
        self.w.write(b"<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")
        await self._until(rb"""id=['"]r1['"][^>]*?(/>|>.*?</iq>)""")
        self.w.write(b"<presence/>")
        self.task = asyncio.ensure_future(self._read())

    async def _read(self):
        while True:
            chunk = await self.r.read(262144)
            if not chunk:
                log(f"{self.jid}: connection closed")
                return
            self.buf += chunk
            self._stanzas()

    def _stanzas(self):
        buf = self.buf
        pos = 0
        while True:
            m = STANZA_START.search(buf, pos)
            if not m:
                break
            name = m.group(1)
            gt = buf.find(b">", m.end())
            if gt < 0:
                break
            if buf[gt - 1:gt] == b"/":
                end = gt + 1
            else:
                close = buf.find(b"</" + name + b">", gt)
                if close < 0:
                    break
                end = close + len(name) + 3
            self._stanza(name, buf[m.start():end], buf[m.start():gt])
            pos = end
        self.buf = buf[pos:]

    def _stanza(self, name, st, head):
        s = STATS
        t = ATTR_TYPE.search(head)
        typ = t.group(1) if t else b""
        if name == b"presence":
            if typ == b"subscribed" and not self.subscribed.done():
                self.subscribed.set_result(True)
            if typ == b"subscribe":
                # someone subscribes to us (never in this bench): approve
                f = ATTR_FROM.search(head)
                if f:
                    self.w.write(b"<presence type='subscribed' to='" + f.group(1) + b"'/>")
            m = TOKEN.search(st)
            if m:
                seq = int(m.group(1))
                self.presence_seqs.add(seq)
                if s is not None:
                    s.got(seq, self.user)
            return
        if name == b"message":
            if typ == b"error":
                if s is not None:
                    m = re.search(rb"<error[^>]*>\s*<([a-z-]+)", st)
                    s.error("xmpp-" + (m.group(1).decode() if m else "error"))
                return
            m = TOKEN.search(st)
            if m and s is not None:
                s.got(int(m.group(1)))
            return
        if name == b"iq" and typ in (b"get", b"set"):
            # roster pushes and pings: answer as a client does
            idm = re.search(rb"""\bid=['"]([^'"]*)['"]""", head)
            f = ATTR_FROM.search(head)
            if idm:
                to = b" to='" + f.group(1) + b"'" if f else b""
                self.w.write(b"<iq type='result' id='" + idm.group(1) + b"'" + to + b"/>")

    def send_message(self, to, body):
        self.w.write(f"<message to='{to}' type='chat' id='{body}'><body>{body}</body>"
                     "</message>".encode())

    def subscribe(self, to):
        self.w.write(f"<presence to='{to}' type='subscribe'/>".encode())


async def login_many(args, prefix, n, concurrency=40):
    host, port, domain = args["c2s_host"], args["c2s_port"], args["xmpp_domain"]
    clients = [Xmpp(host, port, domain, f"{prefix}{i:04d}", f"{prefix}{i:04d}-pw")
               for i in range(n)]
    sem = asyncio.Semaphore(concurrency)

    async def one(c):
        async with sem:
            await c.login()
    await asyncio.gather(*(one(c) for c in clients))
    return clients


# ---- SIP over UDP ----------------------------------------------------------------

def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


class Sip(asyncio.DatagramProtocol):
    """One UDP socket: our requests (digest-authenticated, retransmitted
    after 0.5 s and 1 s once) and a responder answering 200 to what it is
    sent (MESSAGEs the proxy delivers to the registered users)."""

    def __init__(self, proxy, domain):
        self.proxy, self.domain = proxy, domain
        self.pending = {}    # call-id -> (future, request builder)
        self.nonces = {}     # user -> (nonce, opaque, nc)
        self.delivered = 0

    def connection_made(self, transport):
        self.t = transport
        self.port = transport.get_extra_info("sockname")[1]

    def datagram_received(self, data, addr):
        head, _, body = data.partition(b"\r\n\r\n")
        first = head.split(b"\r\n", 1)[0]
        if first.startswith(b"SIP/2.0 "):
            cid = _hdr(head, b"Call-ID", b"i").decode()
            ent = self.pending.get(cid)
            if ent and not ent[0].done():
                code = int(first.split()[1])
                if code >= 200:
                    ent[0].set_result((code, head))
            return
        # a request: 200 to anything (MESSAGE, OPTIONS, NOTIFY)
        method = first.split(b" ", 1)[0]
        lines = [b"SIP/2.0 200 OK"]
        for line in head.split(b"\r\n")[1:]:
            low = line.lower()
            if low.startswith((b"via:", b"v:", b"from:", b"f:", b"call-id:", b"i:",
                               b"cseq:")):
                lines.append(line)
            elif low.startswith((b"to:", b"t:")):
                lines.append(line if b";tag=" in low else line + b";tag=bench")
        lines.append(b"Content-Length: 0")
        self.t.sendto(b"\r\n".join(lines) + b"\r\n\r\n", addr)
        if method == b"MESSAGE":
            self.delivered += 1
            m = TOKEN.search(body)
            if m and STATS is not None:
                STATS.got(int(m.group(1)))

    def _auth(self, user, password, method, uri, realm=None):
        nonce, opaque, nc = self.nonces[user]
        nc += 1
        self.nonces[user] = (nonce, opaque, nc)
        cnonce = uuid.uuid4().hex[:12]
        ha1 = md5(f"{user}:{self.domain}:{password}")
        ha2 = md5(f"{method}:{uri}")
        resp = md5(f"{ha1}:{nonce}:{nc:08x}:{cnonce}:auth:{ha2}")
        h = (f'Digest username="{user}", realm="{self.domain}", nonce="{nonce}", '
             f'uri="{uri}", response="{resp}", algorithm=MD5, qop=auth, nc={nc:08x}, '
             f'cnonce="{cnonce}"')
        if opaque:
            h += f', opaque="{opaque}"'
        return h

    async def request(self, method, user, password, ruri, to, extra=(), body=b"",
                      ctype=None, timeout=8.0):
        """Sends one request, answers a 401/407 once with credentials
        (the nonce is kept and reused with a counted nc, as phones do).
        Returns (code, response head)."""
        for attempt in range(3):
            cid = uuid.uuid4().hex
            hdrs = [f"{method} {ruri} SIP/2.0",
                    f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};"
                    f"branch=z9hG4bK{uuid.uuid4().hex[:16]};rport",
                    f"From: <sip:{user}@{self.domain}>;tag={uuid.uuid4().hex[:10]}",
                    f"To: <{to}>", f"Call-ID: {cid}", f"CSeq: 1 {method}", "Max-Forwards: 70",
                    f"Contact: <sip:{user}@127.0.0.1:{self.port}>"] + list(extra)
            if user in self.nonces:
                hname = "Authorization" if method == "REGISTER" else "Proxy-Authorization"
                hdrs.append(f"{hname}: {self._auth(user, password, method, ruri)}")
            if ctype:
                hdrs.append(f"Content-Type: {ctype}")
            hdrs.append(f"Content-Length: {len(body)}")
            data = ("\r\n".join(hdrs) + "\r\n\r\n").encode() + body
            fut = asyncio.get_event_loop().create_future()
            self.pending[cid] = (fut, None)
            try:
                self.t.sendto(data, self.proxy)
                for wait in (0.5, 1.0, timeout):
                    try:
                        code, head = await asyncio.wait_for(asyncio.shield(fut), wait)
                        break
                    except asyncio.TimeoutError:
                        self.t.sendto(data, self.proxy)
                else:
                    return 408, b""
            finally:
                self.pending.pop(cid, None)
            if code in (401, 407):
                hv = _hdr(head, b"WWW-Authenticate" if code == 401 else b"Proxy-Authenticate")
                nonce = re.search(rb'nonce="([^"]+)"', hv).group(1).decode()
                op = re.search(rb'opaque="([^"]+)"', hv)
                self.nonces[user] = (nonce, op.group(1).decode() if op else None, 0)
                continue
            return code, head
        return code, head


def _hdr(head, name, compact=None):
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        k = k.strip().lower()
        if k == name.lower() or (compact and k == compact.lower()):
            return v.strip()
    return b""


# ---- open-loop driver ---------------------------------------------------------------

async def open_loop(rate, seconds, send_one):
    """Calls send_one(seq) `rate` times per second for `seconds`, in 10 ms
    ticks, catching up when a tick was late. Returns messages sent."""
    t0 = time.monotonic()
    seq = 0
    total = int(rate * seconds)
    while seq < total:
        now = time.monotonic()
        due = min(total, int((now - t0) * rate) + 1)
        while seq < due:
            send_one(seq)
            seq += 1
        await asyncio.sleep(0.01)
    # the window is the whole sending period (the last message is due
    # 1/rate before its end)
    rest = t0 + seconds - time.monotonic()
    if rest > 0:
        await asyncio.sleep(rest)
    return seq


def step_result(mode, s, sent, expected, seconds, wall, extra=None):
    r = {"mode": mode, "sent": sent, "expected": expected, "received": s.received,
         "received_window": s.received_window, "lost": max(0, expected - s.received),
         "errors": s.errors, "error_kinds": s.error_kinds, "seconds": seconds,
         "wall": wall, "rate_window": s.received_window / wall if wall > 0 else 0.0,
         "p50_ms": 1000 * pct(s.lat, 50), "p90_ms": 1000 * pct(s.lat, 90),
         "p99_ms": 1000 * pct(s.lat, 99), "max_ms": 1000 * max(s.lat) if s.lat else 0.0}
    r.update(extra or {})
    return r


async def main():
    global STATS
    args = json.loads(sys.argv[1])
    loop = asyncio.get_event_loop()
    sip_host, sip_port = args["sip"].split(":")
    _, sip = await loop.create_datagram_endpoint(
        lambda: Sip((sip_host, int(sip_port)), args["domain"]), local_addr=("127.0.0.1", 0))
    # a second socket only for sending MESSAGEs and PUBLISHes: its replies
    # are not mixed with the deliveries the responder answers
    _, sender = await loop.create_datagram_endpoint(
        lambda: Sip((sip_host, int(sip_port)), args["domain"]), local_addr=("127.0.0.1", 0))
    clients = {}
    watchers = []
    etag = [None]
    out("READY")
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().strip()
        if not line or line == "quit":
            break
        cmd, *a = line.split()
        try:
            if cmd == "xclients":
                prefix, n = a[0], int(a[1])
                t0 = time.monotonic()
                for c in await login_many(args, prefix, n):
                    clients[c.user] = c
                out(f"OK {json.dumps({'seconds': time.monotonic() - t0})}")
            elif cmd == "sipreg":
                prefix, n, pw = a[0], int(a[1]), a[2]
                codes = []
                for i in range(n):
                    u = f"{prefix}{i:04d}"
                    code, _ = await sip.request(
                        "REGISTER", u, pw, f"sip:{args['domain']}", f"sip:{u}@{args['domain']}",
                        extra=["Expires: 3600"])
                    codes.append(code)
                bad = [c for c in codes if c != 200]
                out(f"OK {json.dumps({'registered': len(codes) - len(bad), 'bad': bad[:5]})}")
            elif cmd == "x2s":
                xp, sp, n, rate, secs, drain = a[0], a[1], int(a[2]), float(a[3]), float(a[4]), \
                    float(a[5])
                senders = [clients[f"{xp}{i:04d}"] for i in range(n)]
                STATS = s = Stats()
                sip.delivered = 0

                base = next_base()

                def one(seq):
                    i = seq % n
                    s.sent[base + seq] = time.monotonic()
                    senders[i].send_message(f"{sp}{i:04d}@{args['domain']}",
                                            f"XB{base + seq}E")
                sent, wall = await timed_window(s, rate, secs, one, drain)
                out("RESULT " + json.dumps(step_result("x2s", s, sent, sent, secs, wall)))
                STATS = None
            elif cmd == "s2x":
                sp, xp, n, rate, secs, drain, pw = a[0], a[1], int(a[2]), float(a[3]), \
                    float(a[4]), float(a[5]), a[6]
                STATS = s = Stats()
                codes = {}
                tasks = []

                async def msg(seq):
                    i = seq % n
                    u = f"{sp}{i:04d}"
                    to = f"sip:{xp}{i:04d}@{args['xmpp_domain']}"
                    code, _ = await sender.request("MESSAGE", u, pw, to, to,
                                                   body=f"XB{seq}E".encode(),
                                                   ctype="text/plain")
                    codes[code] = codes.get(code, 0) + 1
                    if code >= 300:
                        s.error(f"sip-{code}")
                # one credentialed MESSAGE per sender first (its nonce)
                for i in range(n):
                    u = f"{sp}{i:04d}"
                    to = f"sip:{xp}{i:04d}@{args['xmpp_domain']}"
                    await sender.request("MESSAGE", u, pw, to, to, body=b"warm",
                                         ctype="text/plain")

                base = next_base()

                def one(seq):
                    s.sent[base + seq] = time.monotonic()
                    tasks.append(asyncio.ensure_future(msg(base + seq)))
                sent, wall = await timed_window(s, rate, secs, one, drain)
                await asyncio.gather(*tasks, return_exceptions=True)
                out("RESULT " + json.dumps(step_result("s2x", s, sent, sent, secs, wall,
                                                       {"sip_codes": codes})))
                STATS = None
            elif cmd == "watch":
                prefix, w, pres = a[0], int(a[1]), a[2]
                t0 = time.monotonic()
                new = await login_many(args, prefix, w)
                t1 = time.monotonic()
                for c in new:
                    c.subscribe(pres)
                    await asyncio.sleep(0.002)
                done, notyet = await asyncio.wait([c.subscribed for c in new], timeout=60)
                watchers.extend(new)
                out("OK " + json.dumps({"login_seconds": t1 - t0,
                                        "subscribe_seconds": time.monotonic() - t1,
                                        "subscribed": len(done), "missing": len(notyet)}))
            elif cmd == "publish":
                user, pw, seq = a[0], a[1], int(a[2])
                t0 = time.monotonic()
                code = await _publish(sender, args, user, pw, seq, etag)
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    if all(seq in c.presence_seqs for c in watchers):
                        break
                    await asyncio.sleep(0.05)
                got = sum(1 for c in watchers if seq in c.presence_seqs)
                out("OK " + json.dumps({"code": code, "seen_by": got,
                                        "watchers": len(watchers),
                                        "seconds": time.monotonic() - t0}))
            elif cmd == "pres":
                user, pw, rate, secs, drain = a[0], a[1], float(a[2]), float(a[3]), float(a[4])
                base = int(a[5]) if len(a) > 5 else 1000000
                STATS = s = Stats()
                codes = {}

                # one PUBLISH in flight, as one device publishes (each 200
                # gives the publication a new entity tag for the next one)
                out("WINDOW start")
                t0 = time.monotonic()
                total = int(rate * secs)
                sent = 0
                while sent < total:
                    due = t0 + sent / rate
                    now = time.monotonic()
                    if due > now:
                        await asyncio.sleep(due - now)
                    seq = base + sent
                    s.sent[seq] = time.monotonic()
                    code = await _publish(sender, args, user, pw, seq, etag)
                    codes[code] = codes.get(code, 0) + 1
                    if code >= 300:
                        s.error(f"sip-{code}")
                    sent += 1
                rest = t0 + secs - time.monotonic()
                if rest > 0:
                    await asyncio.sleep(rest)
                wall = time.monotonic() - t0
                s.in_window = False
                out("WINDOW end")
                await _drain(s, sent * len(watchers), drain)
                # changes every watcher saw, and the lowest / highest count
                per = [sum(1 for q in c.presence_seqs if base <= q < base + sent)
                       for c in watchers]
                out("RESULT " + json.dumps(step_result(
                    "pres", s, sent, sent * len(watchers), secs, wall,
                    {"sip_codes": codes, "watchers": len(watchers),
                     "last_seen_by": sum(1 for c in watchers
                                         if base + sent - 1 in c.presence_seqs),
                     "per_watcher_min": min(per) if per else 0,
                     "per_watcher_max": max(per) if per else 0})))
                STATS = None
            else:
                out(f"ERROR unknown command {cmd}")
        except Exception as e:  # noqa: BLE001 (reported to the bench)
            log(f"{cmd} failed: {e!r}")
            out(f"ERROR {cmd}: {e!r}")
    os._exit(0)


async def timed_window(s, rate, secs, send_one, drain):
    """One open-loop step between the WINDOW markers the bench reads, then
    up to `drain` seconds for late deliveries: (sent, wall seconds)."""
    out("WINDOW start")
    t0 = time.monotonic()
    sent = await open_loop(rate, secs, send_one)
    wall = time.monotonic() - t0
    s.in_window = False
    out("WINDOW end")
    await _drain(s, sent, drain)
    return sent, wall


async def _drain(s, expected, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and s.received < expected:
        await asyncio.sleep(0.05)


async def _publish(sip, args, user, pw, seq, etag):
    """PUBLISH user's presence (open, note = the token); the first one
    without SIP-If-Match, the next ones refreshing that publication with the
    new document (RFC 3903 modify)."""
    note = f"XB{seq}E"
    pidf = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:{user}@{args["domain"]}">'
            f'<tuple id="bench"><status><basic>open</basic></status></tuple>'
            f'<note>{note}</note></presence>').encode()
    uri = f"sip:{user}@{args['domain']}"
    extra = ["Event: presence", "Expires: 3600"]
    if etag[0]:
        extra.append(f"SIP-If-Match: {etag[0]}")
    code, head = await sip.request("PUBLISH", user, pw, uri, uri, extra=extra, body=pidf,
                                   ctype="application/pidf+xml")
    if code == 412:   # the publication is gone: a new one
        etag[0] = None
        code, head = await sip.request("PUBLISH", user, pw, uri, uri, extra=extra[:2],
                                       body=pidf, ctype="application/pidf+xml")
    if code == 200:
        tag = _hdr(head, b"SIP-ETag")
        if tag:
            etag[0] = tag.decode()
    return code


if __name__ == "__main__":
    asyncio.run(main())
