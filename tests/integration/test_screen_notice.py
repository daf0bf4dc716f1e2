# SPDX-License-Identifier: GPL-2.0-or-later
"""The room announces a screen share (issue 19: "a link to the conference
room's screen-sharing page"): when a SIP participant starts sending
application/blink-screensharing images, the room's chat gets one notice
from the room, "<name> is sharing a screen: <viewer URL>", which reaches
the MSRP participants and, through the chat bridge, the browsers of the
video room of the same name; the URL serves the viewer page of the latest
image. When the images stop (10 s) or the sharer leaves, one more notice
says so. The demo app's rendering of it: web/test/chattext.test.mjs."""

import base64
import re
import time
import urllib.parse

from sylktest import msrp
from sylktest.msrp import random_id
from sylktest.server import SIP_DOMAIN

from test_conference import Participant as SipParticipant  # noqa: F401
from test_conference import people as sip_people  # noqa: F401 (fixture)
from test_conference import status_messages
from test_conference_files import SCREEN_ACTIVE_SECONDS, http_get, jpeg, share
from test_videoroom import people  # noqa: F401 (fixture)

CONF_DOMAIN = f"conference.{SIP_DOMAIN}"
NOTICE = re.compile(r"^(.+) is sharing a screen: (http://127\.0\.0\.1:\d+/conference/screen/"
                    r"[0-9a-f]{32})$")


def rooms():
    name = f"vscreen{random_id(4).lower()}"
    return name, f"{name}@videoconference.{SIP_DOMAIN}", f"sip:{name}@{CONF_DOMAIN}"


def is_notice(browser, e, ending=None):
    return (e.get("sylkrtc") == "videoroom-event" and e.get("session") == browser.session
            and e.get("event") == "message" and e.get("type") == "status"
            and "sharing a screen" in e.get("content", "")
            and (ending is None or e["content"].endswith(ending)))


def wait_notice(browser, ending=None, timeout=10):
    """The next screen notice of the room at a browser (consumed)."""
    return browser.client.wait_event(lambda e: is_notice(browser, e, ending), timeout)


def browser_notices(browser, settle=0.5):
    """The screen notices a browser has not consumed yet."""
    return [e["content"] for e in browser.client.events(settle) if is_notice(browser, e)]


def sip_notices(client):
    return [c.body.decode() for c in status_messages(client)
            if b"sharing a screen" in c.body]


def test_screen_share_is_announced_to_the_room_and_the_video_room(server, people, sip_people):
    name, vroom, conf_room = rooms()
    bob, carol = sip_people("bob", name), sip_people("carol", name)
    bob.connect()
    c = carol.connect()
    alice = people("alice", vroom)
    alice.join()

    red, blue = jpeg((200, 40, 40)), jpeg((40, 40, 200))
    assert share(bob, red) == 200
    e = wait_notice(alice)
    m = NOTICE.match(e["content"])
    assert m, e["content"]
    assert "bob" in m.group(1)
    url = m.group(2)
    assert e["sender"]["uri"] == conf_room, e["sender"]
    # the URL is the viewer page of bob's latest image
    status, ctype, page = http_get(url)
    assert status == 200 and ctype.startswith("text/html"), (status, ctype)
    image = re.search(rb'<img src="([^"]+)"', page).group(1).decode()
    assert urllib.parse.urljoin(url, image) == url + ".jpg"
    assert http_get(url + ".jpg") == (200, "image/jpeg", red)
    # the MSRP participants read the same notice, from the room
    c.wait_for(lambda: sip_notices(c), what="the notice at carol")
    assert sip_notices(c) == [e["content"]]
    notice = [s for s in status_messages(c) if b"sharing a screen" in s.body][0]
    assert msrp.Cpim.uri(notice.header("From")) == conf_room

    # more images: no more notices, the page shows the latest
    for _ in range(3):
        assert share(bob, blue) == 200
        time.sleep(0.3)
    time.sleep(1)
    assert http_get(url + ".jpg") == (200, "image/jpeg", blue)
    assert browser_notices(alice) == []
    assert len(sip_notices(c)) == 1
    # images are not the browsers' business: none reached alice as chat
    assert not [x for x in alice.client.events(0.2)
                if x.get("event") == "message" and x.get("content_type", "").startswith(
                    "application/blink-screensharing")]

    # no image for 10 s: the room says the sharing is over
    stopped = wait_notice(alice, "stopped sharing a screen", SCREEN_ACTIVE_SECONDS + 20)
    assert stopped["content"] == m.group(1) + " stopped sharing a screen", stopped
    c.wait_for(lambda: len(sip_notices(c)) == 2, what="the stop notice at carol")
    assert http_get(url)[0] == 404

    # sharing again is a new start: one more notice, with the same URL
    assert share(bob, red) == 200
    e = wait_notice(alice)
    assert NOTICE.match(e["content"]) and e["content"].endswith(url), e["content"]
    assert browser_notices(alice) == []


def test_a_sharer_who_leaves_is_announced_as_stopped(server, people, sip_people):
    name, vroom, _ = rooms()
    bob, carol = sip_people("bob", name), sip_people("carol", name)
    bob.connect()
    c = carol.connect()
    assert share(bob, jpeg((10, 200, 10))) == 200
    c.wait_for(lambda: sip_notices(c), what="the start notice")
    bob.close()
    c.wait_for(lambda: len(sip_notices(c)) == 2, timeout=10, what="the stop notice")
    assert sip_notices(c)[1].endswith("stopped sharing a screen"), sip_notices(c)
