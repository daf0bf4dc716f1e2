# SPDX-License-Identifier: GPL-2.0-or-later
"""The focus's conference-info NOTIFYs to a subscriber that is slow to
answer: one NOTIFY in flight per subscription (RFC 6665 4.2.2), so that
none can overtake another when two processes send them (the focus sends
after letting go of its store lock); the changes made meanwhile arrive as
one NOTIFY with the room's latest state once the subscriber answers, with
a higher CSeq and a higher conference-info version."""

import re
import threading
import time

from sylktest.msrp import random_id
from sylktest.processes import free_port, wait_until
from sylktest.rtpphone import CONF_DOMAIN, SipUA
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN


class SlowWatcher(SipUA):
    """A subscriber that, while `holding` is set, answers no NOTIFY (and
    notes each one's CSeq)."""

    def __init__(self, *args, **kw):
        self.holding = threading.Event()
        self.held = []  # CSeq numbers of the NOTIFYs left unanswered
        super().__init__(*args, **kw)

    def _request_in(self, msg):
        if msg.method == "NOTIFY" and self.holding.is_set():
            self.held.append(msg.cseq[0])
            return
        super()._request_in(msg)


def chat_offer():
    port = free_port()
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
            f"m=message {port} TCP/MSRP *\r\nc=IN IP4 127.0.0.1\r\n"
            f"a=path:msrp://127.0.0.1:{port}/{random_id(8)};tcp\r\n"
            "a=accept-types:message/cpim\r\na=setup:active\r\n")


def join(server, user, room):
    ua = SipUA(server.sip_port, user, SIP_DOMAIN, DEMO_ACCOUNTS[user])
    dialog, _ = ua.invite(room, chat_offer())
    return ua, dialog


def users(doc):
    return sorted(re.findall(r'<user [^>]*entity="([^"]+)"', doc.raw.decode()))


def test_a_slow_subscriber_gets_one_notify_at_a_time_and_then_the_latest_state(server):
    room = f"sip:slow{random_id(4)}@{CONF_DOMAIN}"
    phones = []
    # carol watches too, from a phone of her own
    watcher = SlowWatcher(server.sip_port, "carol", SIP_DOMAIN, DEMO_ACCOUNTS["carol"])
    try:
        phones.append(join(server, "alice", room))
        sub = watcher.subscribe(room)
        sub.wait_for(lambda d: users(d) == [f"sip:alice@{SIP_DOMAIN}"], what="alice listed")
        answered = [m.cseq[0] for m in sub.notifies]

        watcher.holding.set()
        phones.append(join(server, "bob", room))
        wait_until(lambda: watcher.held, 5, what="the NOTIFY of bob's join")
        phones.append(join(server, "carol", room))
        bob_ua, bob_dialog = phones[1]
        bob_ua.bye(bob_dialog)
        time.sleep(1.5)  # T1 retransmissions of the held one, nothing else
        in_flight = sorted(set(watcher.held))
        assert len(in_flight) == 1, (
            f"NOTIFYs with CSeq {in_flight} while the one before was unanswered")
        assert in_flight[0] > max(answered)

        # answered (its next retransmission): the latest state follows at once
        watcher.holding.clear()
        want = sorted([f"sip:alice@{SIP_DOMAIN}", f"sip:carol@{SIP_DOMAIN}"])
        doc = sub.wait_for(lambda d: users(d) == want, timeout=6,
                           what="alice and carol, without bob")
        cseqs = [m.cseq[0] for m in sub.notifies]
        distinct = [c for i, c in enumerate(cseqs) if c not in cseqs[:i]]
        assert distinct == sorted(distinct), f"NOTIFY CSeqs out of order: {cseqs}"
        assert distinct[-1] == in_flight[0] + 1, cseqs
        versions = [d.version for d in sub.documents]
        assert doc.version == max(versions), versions
    finally:
        for ua, dialog in phones:
            try:
                ua.bye(dialog)
            except (TimeoutError, OSError):
                pass
            ua.close()
        watcher.close()
