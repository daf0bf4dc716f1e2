# SPDX-License-Identifier: GPL-2.0-or-later
"""Presence (issue 17), real processes: SIPp phones PUBLISH and SUBSCRIBE
through Kamailio's presence server; the sylkRTC gateway SUBSCRIBEs on
behalf of each registered browser account to the contacts of its address
book marked for presence (NOTIFYs -> coalesced `presence` account events)
and PUBLISHes the account open while a connection has it registered."""

import re
import time
import xml.etree.ElementTree as ET

import pytest

from sylktest import msrp
from sylktest.processes import wait_until
from sylktest.server import DEMO_ACCOUNTS, Kamailio
from sylktest.sipp import Sipp, run_uac
from sylktest.sylkrtc import SIP_DOMAIN, SylkRtcClient

PIDF = "{urn:ietf:params:xml:ns:pidf}"


def contact(cid, user, name, subscribe=True):
    return {"id": cid, "name": name,
            "uris": [{"id": cid + "-u", "uri": f"{user}@{SIP_DOMAIN}", "type": "sip"}],
            "presence": {"policy": "allow", "subscribe": subscribe},
            "dialog": {"policy": "default", "subscribe": False}}


def is_presence(event, account, uri=None):
    return (event.get("sylkrtc") == "account-event" and event.get("event") == "presence"
            and event.get("account") == account and (uri is None or event.get("uri") == uri))


def add_contact(client, account, data):
    """Adds the contact (already there from an earlier test: fine)."""
    client.expect_ack("account-update-addressbook", account=account, action="add",
                      type="contact", data=data)
    ev = client.wait_event(lambda e: e.get("event") in ("addressbook-updated",
                                                        "addressbook-update-failed")
                           and e.get("account") == account)
    assert ev["event"] == "addressbook-updated" or "exists" in ev["error"], ev


def sipp_keys(user, **more):
    return dict({"user": user, "domain": SIP_DOMAIN}, **more)


def auth(user):
    return ["-au", user, "-ap", DEMO_ACCOUNTS[user]]


def publish(server, workdir, user, name, status1, note1, status2, note2, pause_ms=1500):
    sipp = run_uac(workdir, name, "presence_publish.xml", f"127.0.0.1:{server.sip_port}",
                   keys=sipp_keys(user, status1=status1, note1=note1, status2=status2,
                                  note2=note2),
                   extra=auth(user) + ["-s", user, "-d", str(pause_ms)])
    assert sipp.process.proc.returncode == 0, sipp.report()
    return sipp


def watch(server, workdir, user, to, notifies, name, expires=600):
    return Sipp(workdir, name, "presence_watch.xml", f"127.0.0.1:{server.sip_port}",
                keys=sipp_keys(user, to=to, expires=expires),
                extra=auth(user) + ["-set", "notifies", str(notifies)])


def notified(sipp):
    """(basic, note) of each PIDF the watcher received, in order; basic is
    None for a NOTIFY without a document (pending, terminated)."""
    out = []
    for direction, start, _, body in msrp.sip_messages(sipp.messages()):
        if direction != "received" or not start.startswith("NOTIFY "):
            continue
        if not body.strip():
            out.append((None, None))
            continue
        root = ET.fromstring(body.strip())
        basics = [b.text for b in root.iter(PIDF + "basic")]
        notes = [n.text for n in root.iter() if n.tag.endswith("}note")]
        out.append(("open" if "open" in basics else (basics[0] if basics else None),
                    notes[0] if notes else None))
    return out


def wait_notified(sipp, predicate, timeout=10):
    wait_until(lambda: predicate(notified(sipp)), timeout, interval=0.1,
               what="NOTIFY at the SIPp watcher")


def presence_events(client, account, settle=0.0):
    return [client.flat(m) for m in client.events(settle)
            if is_presence(client.flat(m), account)]


def test_phone_publish_reaches_browser(server, workdir):
    """(a) bob's phone publishes open then closed: alice's browser, which
    has bob in its address book marked for presence, gets two `presence`
    events in that order."""
    with SylkRtcClient(server.http_port) as alice:
        account = alice.register("alice")
        challenged = server.statistic("script:sip_challenges")
        add_contact(alice, account, contact("bob", "bob", "Bob"))
        # the gateway's SUBSCRIBE (at most a timer tick away) is answered
        # with the current state; bob has published nothing yet
        time.sleep(2)
        alice.events()
        # neither it nor alice's PUBLISH was challenged: the gateway
        # vouches for a registered account (X-Sylk-Vouch)
        assert server.statistic("script:sip_challenges") == challenged
        publish(server, workdir, "bob", "bob-publish", "open", "At my desk", "closed",
                "Gone home")
        # bob's phone, like any SIP device, was
        assert server.statistic("script:sip_challenges") > challenged
        first = alice.wait_event(lambda e: is_presence(e, account, f"bob@{SIP_DOMAIN}"),
                                 timeout=5)
        assert first["state"] == "open", first
        assert first.get("note") == "At my desk", first
        second = alice.wait_event(lambda e: is_presence(e, account, f"bob@{SIP_DOMAIN}"),
                                  timeout=5)
        assert second["state"] == "closed", second
        assert second.get("note") == "Gone home", second


def test_phone_watches_browser_account(server, workdir):
    """(b) carol's phone SUBSCRIBEs to alice: the NOTIFYs go open when
    alice's browser registers and closed when its connection drops."""
    watcher = watch(server, workdir, "carol", "alice", 4, "carol-watch")
    # alice is offline (an earlier test's connection may be a timer tick
    # from being published closed)
    wait_notified(watcher, lambda n: n and n[-1][0] != "open")
    before = len(notified(watcher))
    with SylkRtcClient(server.http_port) as alice:
        alice.register("alice")
        wait_notified(watcher, lambda n: any(b == "open" for b, _ in n[before:]))
        alice.abort()
    wait_notified(watcher, lambda n: n[-1][0] == "closed" and len(n) > before + 1)
    states = [b for b, _ in notified(watcher)][before:]
    changes = [b for i, b in enumerate(states) if i == 0 or states[i - 1] != b]
    assert changes == ["open", "closed"], notified(watcher)
    watcher.stop()


def test_default_policy_and_block(server, workdir):
    """The default policy lets users of the domain watch each other; a
    pres-rules rule that blocks a watcher wins over it, and a user may not
    publish someone else's presence."""
    with SylkRtcClient(server.http_port) as dave_free, SylkRtcClient(server.http_port) as bob:
        account = bob.register("bob")
        bob.expect_ack("account-update-addressbook", account=account, action="add",
                       type="policy", data={"id": "no-carol", "uri": f"carol@{SIP_DOMAIN}",
                                            "name": "Carol",
                                            "presence": {"policy": "block", "subscribe": False},
                                            "dialog": {"policy": "default", "subscribe": False}})
        bob.wait_event(lambda e: e.get("event") == "addressbook-updated")
        time.sleep(1.5)  # bob is published open by the gateway
        blocked = watch(server, workdir, "carol", "bob", 1, "carol-blocked")
        allowed = watch(server, workdir, "alice", "bob", 1, "alice-allowed")
        blocked.wait(20)
        allowed.wait(20)
        assert [b for b, _ in notified(allowed)][0] == "open", allowed.report()
        assert "open" not in [b for b, _ in notified(blocked)], blocked.report()
        del dave_free
    # carol publishing for alice
    sipp = run_uac(workdir, "carol-as-alice", "presence_publish.xml",
                   f"127.0.0.1:{server.sip_port}",
                   keys=sipp_keys("carol", status1="open", note1="x", status2="open", note2="x"),
                   extra=auth("carol") + ["-s", "alice"])
    assert "final 403" in sipp.actions(), sipp.report()


def collect_presence(client, account, uri, seconds):
    """(arrival time, event) of each presence event for uri within seconds."""
    out = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            raw = client.wait_event(lambda e: is_presence(e, account, uri),
                                    timeout=max(deadline - time.monotonic(), 0.01), raw=True)
        except TimeoutError:
            break
        out.append((client.arrival_time(raw), client.flat(raw)))
    return out


def test_notify_storm_coalesced(server, workdir):
    """(c) many PUBLISHes within a second: at most one event per contact
    per second, and the last state wins."""
    bob_uri = f"bob@{SIP_DOMAIN}"
    with SylkRtcClient(server.http_port) as alice:
        account = alice.register("alice")
        add_contact(alice, account, contact("bob", "bob", "Bob"))
        time.sleep(2)
        alice.events()
        alice._pending.clear()
        sipp = run_uac(workdir, "bob-storm", "presence_storm.xml",
                       f"127.0.0.1:{server.sip_port}",
                       keys=sipp_keys("bob", final_note="storm over"),
                       extra=auth("bob") + ["-s", "bob"])
        assert sipp.process.proc.returncode == 0, sipp.report()
        assert len([a for a in sipp.actions() if a.startswith("published")]) == 12, \
            sipp.actions()
        got = collect_presence(alice, account, bob_uri, 4)
    assert got, "no presence event after the storm"
    times = [t for t, _ in got]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(g >= 0.9 for g in gaps), (gaps, [e for _, e in got])
    # 12 NOTIFYs within well under a second: one event at once, then the
    # coalesced rest a second later at most
    assert len(got) <= 3, [e for _, e in got]
    last = got[-1][1]
    assert last["state"] == "closed" and last.get("note") == "storm over", got


def test_second_connection_and_unregistered(server, workdir):
    """(d) a second connection of alice gets the same events; a connection
    that added alice without registering gets none."""
    bob_uri = f"bob@{SIP_DOMAIN}"
    with SylkRtcClient(server.http_port) as one, SylkRtcClient(server.http_port) as two, \
            SylkRtcClient(server.http_port) as idle:
        account = one.register("alice")
        two.register("alice")
        idle.add_account("alice")
        add_contact(one, account, contact("bob", "bob", "Bob"))
        time.sleep(2)
        for c in (one, two, idle):
            c.events()
            c._pending.clear()
        publish(server, workdir, "bob", "bob-publish-d", "open", "Back", "closed", "Away")
        for c in (one, two):
            first = c.wait_event(lambda e: is_presence(e, account, bob_uri), timeout=5)
            second = c.wait_event(lambda e: is_presence(e, account, bob_uri), timeout=5)
            assert (first["state"], first.get("note")) == ("open", "Back"), first
            assert (second["state"], second.get("note")) == ("closed", "Away"), second
        assert presence_events(idle, account, settle=1.0) == []


def test_max_presence_subscriptions(rtpengine, tmp_path):
    """(c) max_presence_subscriptions: the first contacts are watched, the
    rest refused with a log line."""
    k = Kamailio(str(tmp_path / "limited"), rtpengine,
                 defines={"PRESENCE_MAX_SUBSCRIPTIONS": 1})
    try:
        with SylkRtcClient(k.http_port) as alice:
            account = alice.register("alice")
            add_contact(alice, account, contact("bob", "bob", "Bob"))
            add_contact(alice, account, contact("carol", "carol", "Carol"))
            wait_until(lambda: "max_presence_subscriptions" in k.process.log(), 5,
                       interval=0.1, what="the limit's log line")
            time.sleep(1.5)
        log = k.process.log()
        assert "presence of alice@sylk.test: more than 1 contacts marked for presence, " \
            "watching only the first 1" in log, log[-3000:]
        watched = set(re.findall(r"NOTIFY sip:alice@sylk.test via \S+ on behalf of "
                                 r"sip:(\w+)@", log))
        assert len(watched) == 1, watched
    finally:
        k.stop()
