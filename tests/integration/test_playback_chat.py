# SPDX-License-Identifier: GPL-2.0-or-later
"""playback@ with MSRP chat (issue 19, seed 004: "Playback audio and accept
MSRP chat requests"): a SIP phone whose offer has audio and an MSRP chat
stream gets both accepted, binds MSRP, every SEND gets 200 and a reply
quoting it, hears the prompt and gets the BYE at its end. Chat without
audio is answered and replied to until the caller leaves; a re-INVITE
gets 488 (the call goes on); malformed MSRP gets MSRP errors and the
service goes on.
The audio-only playback is test_web_demo.py's."""

import re
import socket
import time

import pytest

from sylktest.chatphone import ChatPhone
from sylktest.msrp import MsrpClient, cpim, random_id
from sylktest.ng import NgClient
from sylktest.processes import free_port, wait_until
from sylktest.rtpphone import SipUA, assert_heard_the_prompt
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN, Kamailio, run_server_defines

PLAYBACK = f"sip:playback@{SIP_DOMAIN}"


@pytest.fixture(scope="module")
def server(tmp_path_factory, rtpengine):
    """The default config with the playback prompt, as
    packaging/run-server.sh passes it."""
    workdir = str(tmp_path_factory.mktemp("playbackchat"))
    kamailio = Kamailio(workdir, rtpengine, defines=run_server_defines(workdir))
    yield kamailio
    kamailio.stop()


def chat_phone(server, user="carol"):
    return ChatPhone(server.sip_port, user, None, "PCMU", domain=SIP_DOMAIN,
                     password=DEMO_ACCOUNTS[user])


def play_calls(rtpengine, p):
    """rtpengine's calls of the phone's playback call (the focus names them
    play-<Call-ID>)."""
    return [c for c in NgClient(rtpengine.ng_port).call_ids()
            if c == f"play-{p.dialog.call_id}"]


def replies(p):
    return [t for t in p.msrp.texts() if t.startswith("Playback service:")]


def test_audio_and_chat_are_answered_chat_replied_prompt_heard_and_bye_at_the_end(server,
                                                                                 rtpengine):
    p = chat_phone(server)
    try:
        t0 = time.monotonic()
        r = p.join(PLAYBACK)
        # both streams taken: audio from rtpengine, chat from the focus
        assert p.answer.port != 0, r.body
        assert "m=message 0 " not in r.body and "a=path:msrp" in r.body, r.body
        assert "isfocus" not in r.header("contact"), r.header("contact")
        assert play_calls(rtpengine, p)
        p.connect_chat()
        _, tids = p.msrp.send(cpim(p.aor, PLAYBACK, "hello playback"))
        assert p.msrp.wait_response(tids[-1]).code == 200
        got = p.msrp.wait_for(lambda: replies(p), timeout=5, what="playback's reply")
        assert 'you wrote "hello playback"' in got[0], got
        reply = p.msrp.chat_messages()[-1].cpim
        assert reply.uri(reply.header("From")) == PLAYBACK
        # plain text too, and is-composing gets 200 but no reply
        _, tids = p.msrp.send(b"plain words", content_type="text/plain")
        assert p.msrp.wait_response(tids[-1]).code == 200
        p.msrp.wait_for(lambda: len(replies(p)) == 2, timeout=5, what="the second reply")
        assert 'you wrote "plain words"' in replies(p)[1]

        assert p.wait_bye(15), "no BYE from playback@ at the end of the prompt"
        assert_heard_the_prompt(p, t0)
        # the MSRP session went with the call, and the focus closed its
        # connection (RFC 4975 5.4) as it does a room participant's
        wait_until(lambda: p.msrp.connection_closed, 5,
                   what="the MSRP connection closed after the BYE")
        wait_until(lambda: not play_calls(rtpengine, p), 5, what="the rtpengine call deleted")
    finally:
        p.close()


def test_caller_hangs_up_early_and_may_call_again(server, rtpengine):
    for _ in range(2):
        p = chat_phone(server)
        try:
            p.join(PLAYBACK)
            p.connect_chat()
            time.sleep(1.5)
            assert p.leave().code == 200
            assert p.dialog.bye is None
            wait_until(lambda: not play_calls(rtpengine, p), 5,
                       what="the rtpengine call deleted")
        finally:
            p.close()


def chat_only_offer(path):
    return "\r\n".join([
        "v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
        f"m=message {free_port()} TCP/MSRP *", f"a=path:{path}",
        "a=accept-types:message/cpim text/plain", "a=setup:active", ""])


def test_chat_without_audio_is_answered_and_replied_until_the_caller_leaves(server):
    ua = SipUA(server.sip_port, "carol", SIP_DOMAIN, DEMO_ACCOUNTS["carol"])
    client = None
    try:
        path = f"msrp://127.0.0.1:{free_port()}/{random_id(8)};tcp"
        dialog, r = ua.invite(PLAYBACK, chat_only_offer(path))
        assert "m=audio" not in r.body and "a=path:msrp" in r.body, r.body
        focus = re.search(r"^a=path:(\S+)", r.body, re.M).group(1)
        client = MsrpClient(focus, local_path=path)
        assert client.bind() == 200
        _, tids = client.send(cpim(ua.aor, PLAYBACK, "anyone there?"))
        assert client.wait_response(tids[-1]).code == 200
        got = client.wait_for(lambda: [t for t in client.texts()
                                       if t.startswith("Playback service:")],
                              timeout=5, what="playback's reply")
        assert 'you wrote "anyone there?"' in got[0] and "calls with audio" in got[0], got
        # nothing to play, so no BYE of the server's while the chat is there
        time.sleep(6)
        assert dialog.bye is None
        assert ua.bye(dialog).code == 200
        wait_until(lambda: client.connection_closed, 5,
                   what="the MSRP connection closed after the BYE")
    finally:
        if client:
            client.close()
        ua.close()


def test_bad_msrp_gets_errors_and_the_call_goes_on(server):
    p = chat_phone(server)
    try:
        p.join(PLAYBACK)
        p.connect_chat()
        m = p.msrp
        # someone else's identity, a type playback does not take, bad CPIM
        _, tids = m.send(cpim(f"sip:mallory@{SIP_DOMAIN}", PLAYBACK, "spoofed"))
        assert m.wait_response(tids[-1]).code == 403
        _, tids = m.send(b"\x00\x01", content_type="application/octet-stream")
        assert m.wait_response(tids[-1]).code == 415
        _, tids = m.send(b"no headers at all", content_type="message/cpim")
        assert m.wait_response(tids[-1]).code == 400
        # a session nobody has
        tid = random_id(6)
        other = m.focus_path.rsplit("/", 1)[0] + "/nosuchsession;tcp"
        m.send_raw(MsrpClient.build(tid, "SEND", other, m.path,
                                    [("Message-ID", "x1"), ("Byte-Range", "1-2/2")],
                                    body=b"hi", content_type="text/plain"))
        assert m.wait_response(tid).code == 481
        assert not replies(p)
        # a re-INVITE is refused, and the call stays as it was
        assert p.ua.reinvite(p.dialog, p.offer()).code == 488
        # still chatting, still playing, still ending with a BYE
        _, tids = m.send(cpim(p.aor, PLAYBACK, "after the errors"))
        assert m.wait_response(tids[-1]).code == 200
        m.wait_for(lambda: replies(p), timeout=5, what="the reply after the errors")
        assert p.wait_bye(15), "no BYE after the errors"
        assert p.received_packets > 100, p.received_packets

        # garbage on a new MSRP connection: closed, nothing else hurt
        host, port = m.host, m.port
        with socket.create_connection((host, port), timeout=5) as s:
            s.sendall(b"MSRP x GARBAGE\r\n\x00\xff\r\n-------x$\r\n" * 3)
            s.settimeout(5)
            try:
                while s.recv(4096):
                    pass
            except (socket.timeout, ConnectionResetError):
                pass
    finally:
        p.close()
    q = chat_phone(server)
    try:
        q.join(PLAYBACK)
        q.connect_chat()
        _, tids = q.msrp.send(cpim(q.aor, PLAYBACK, "still there?"))
        assert q.msrp.wait_response(tids[-1]).code == 200
        q.leave()
    finally:
        q.close()
