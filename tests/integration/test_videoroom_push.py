# SPDX-License-Identifier: GPL-2.0-or-later
"""videoroom-invite to an account with no live connection pushes its
stored devices as SylkServer's push.conference_invite() does (sylkpush's
ConferenceInviteEvent, "incoming_conference_request"); an online invitee
gets the conference-invite event and no push."""

import time

import pytest

from sylktest.server import SIP_DOMAIN

from test_push import APP, TOKEN, PushRecorder, register_with_token, start_gateway
from test_videoroom import Participant, vr_event  # noqa: F401

ROOM = f"pushed@videoconference.{SIP_DOMAIN}"


@pytest.fixture
def recorder():
    r = PushRecorder()
    yield r
    r.close()


@pytest.fixture
def gateway(tmp_path, rtpengine, recorder):
    kamailio = start_gateway(tmp_path, rtpengine, recorder.port)
    yield kamailio
    kamailio.stop()


def test_invite_pushes_an_offline_invitee_only(gateway, recorder):
    bob_aor = register_with_token(gateway, user="bob")
    alice = Participant(gateway, "alice", ROOM)
    carol = Participant(gateway, "carol", ROOM.replace("pushed", "other"))
    try:
        alice.join()
        alice.client.expect_ack("videoroom-invite", session=alice.session,
                                participants=[bob_aor, carol.aor])
        carol.client.wait_event(lambda e: e.get("event") == "conference-invite", 10)
        recorder.wait_count(1)
        time.sleep(1)
        assert len(recorder.requests) == 1, recorder.bodies()
        body = recorder.bodies()[0]
        call_id = body.pop("call-id")
        assert call_id
        assert body == {"event": "incoming_conference_request", "app-id": APP,
                        "platform": "apple", "token": TOKEN["token"],
                        "device-id": TOKEN["device"], "silent": 0, "from": alice.aor,
                        "to": ROOM, "media-type": "video", "account": bob_aor}
    finally:
        alice.close()
        carol.close()
