# SPDX-License-Identifier: GPL-2.0-or-later
"""Statistics and Prometheus (issue 20): the modules' statistics through
`kamcmd stats.get_statistics` and xhttp_prom's /metrics on the HTTP port;
one gateway call and one account message move their counters by exactly
one; the other HTTP routes still answer as before."""

import http.client
import re
import urllib.error
import urllib.request
import uuid

from sylktest.processes import wait_until
from sylktest.server import Kamailio
from sylktest.sylkrtc import SylkRtcClient, aor
from sylktest.webrtc import WebRtcPeer
from test_messaging import now, wait_message
from test_sylkrtc_calls import echo_phone, forget_old_phones, registered_browser  # noqa: F401

ALICE, BOB = aor("alice"), aor("bob")


def scrape(server):
    """/metrics as {name: value}."""
    url = f"http://127.0.0.1:{server.http_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as r:
        assert r.status == 200
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*) (-?\d+)", line)
        if m:
            values[m.group(1)] = int(m.group(2))
    return values


def rtc(values, name):
    return values[f"kamailio_sylk_rtc_{name}"]


def test_statistics_in_kamcmd_and_metrics(server):
    stats = server.kamcmd("stats.get_statistics", "sylk_rtc:")
    for name in ("connections", "accounts", "registrations_ok", "calls_answered",
                 "messages_in", "messages_out", "rtpengine_timeouts"):
        assert f"sylk_rtc:{name} = " in stats, stats
    assert "sylk_conference:late_ticks = " in server.kamcmd("stats.get_statistics",
                                                            "sylk_conference:")
    values = scrape(server)
    # the core's statistics and every project module's group
    for name in ("kamailio_core_rcv_requests", "kamailio_sylk_rtc_calls_outgoing",
                 "kamailio_sylk_conference_msrp_bytes_in", "kamailio_sylk_rtc_videoroom_publishers",
                 "kamailio_sylk_websocket_connections", "kamailio_sylk_tcp_guard_closed_over_limit"):
        assert name in values, sorted(values)


def test_other_http_routes_still_answer(server):
    url = f"http://127.0.0.1:{server.http_port}/nothing-here"
    try:
        urllib.request.urlopen(url, timeout=5)
        raise AssertionError("no 404")
    except urllib.error.HTTPError as e:
        assert e.code == 404
    # a WebSocket upgrade still reaches the transport
    with SylkRtcClient(server.http_port, version=2) as c:
        c.ping()


def test_one_call_moves_the_call_counters_by_one(server, workdir):
    echo_phone(server, workdir)
    with registered_browser(server) as browser, WebRtcPeer() as peer:
        before = scrape(server)
        browser.expect_ack("session-create", account=ALICE, session="metrics-1", uri=BOB,
                           sdp=peer.create_offer())
        browser.wait_session_state("metrics-1", "accepted", timeout=15)
        during = scrape(server)
        browser.expect_ack("session-terminate", session="metrics-1")
        browser.wait_session_state("metrics-1", "terminated", timeout=10)
        wait_until(lambda: rtc(scrape(server), "calls_active") == rtc(before, "calls_active"),
                   5, what="calls_active back")
        after = scrape(server)
    assert rtc(during, "calls_active") == rtc(before, "calls_active") + 1
    for name, delta in (("calls_outgoing", 1), ("calls_answered", 1), ("calls_unanswered", 0),
                        ("calls_incoming", 0), ("rtpengine_errors", 0),
                        ("rtpengine_timeouts", 0)):
        assert rtc(after, name) - rtc(before, name) == delta, name


def test_one_message_moves_in_and_out_by_one(server):
    with SylkRtcClient(server.http_port, version=2) as alice, \
            SylkRtcClient(server.http_port, version=2) as bob:
        alice.register("alice")
        bob.register("bob")
        before = scrape(server)
        message_id = str(uuid.uuid4())
        alice.expect_ack("account-message", account=ALICE, uri=BOB, message_id=message_id,
                         content="metrics", content_type="text/plain", timestamp=now())
        wait_message(bob, message_id)
        wait_until(lambda: rtc(scrape(server), "messages_in") > rtc(before, "messages_in"),
                   5, what="messages_in")
        after = scrape(server)
    assert rtc(after, "messages_out") - rtc(before, "messages_out") == 1
    assert rtc(after, "messages_in") - rtc(before, "messages_in") == 1
    assert rtc(after, "messages_failed") == rtc(before, "messages_failed")
    # one line each, at INFO: written at the default LOG_LEVEL 2, left out
    # at LOG_LEVEL 1 (NOTICE)
    log = server.process.log()
    assert re.search(rf"INFO: .*message {message_id} from {ALICE} to {BOB} .*sent", log)
    assert re.search(rf"INFO: .*message {message_id} from {ALICE} to {BOB} .*stored "
                     r"\(Call-ID \S+\)", log)


def test_metrics_only_for_the_allowed_networks(tmp_path_factory, rtpengine):
    """METRICS_ALLOW (default: this machine) decides who reads /metrics;
    anyone else gets 403 and the operator a log line."""
    kam = Kamailio(str(tmp_path_factory.mktemp("kamailio-metrics")), rtpengine,
                   defines={"METRICS_ALLOW": '"127.0.0.1/32,10.0.0.0/8"'})
    try:
        def status_from(src):
            c = http.client.HTTPConnection("127.0.0.1", kam.http_port, timeout=5,
                                           source_address=(src, 0))
            try:
                c.request("GET", "/metrics")
                r = c.getresponse()
                body = r.read().decode()
                return r.status, body
            finally:
                c.close()
        status, body = status_from("127.0.0.1")
        assert status == 200 and "kamailio_sylk_rtc_" in body
        status, body = status_from("127.0.0.3")
        assert status == 403 and "kamailio_" not in body
        assert "/metrics refused to 127.0.0.3" in kam.process.log()
    finally:
        kam.stop()
