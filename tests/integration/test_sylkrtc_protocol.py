# SPDX-License-Identifier: GPL-2.0-or-later
"""sylkRTC protocol conformance, for both versions: what the server answers
to each request, valid or broken. Every refused request must get exactly one
`error` reply (with its transaction whenever one could be read) and leave the
connection usable, which each case proves with a ping afterwards.

Texts built by the request decoder (sylk_ws/sylkrtc/sylkrtc_request.c) are checked
for the offending field's name; texts of the gateway itself are checked
exactly."""

import pytest

from sylktest.sylkrtc import (READY, SUBPROTOCOLS, WEBRTC_OFFER, SylkRtcClient, aor, ha1,
                              webrtc_answer)

VERSIONS = pytest.mark.parametrize("version", [1, 2], ids=["v1", "v2"])

ALICE = aor("alice")
BOB = aor("bob")
ALICE_HA1 = ha1("alice")
SESSION = "3f1c2a9e-sess-0001"
CANDIDATE = {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 40000 typ host",
             "sdpMLineIndex": 0, "sdpMid": "0"}

# request types sylkRTC-1 does not have
V2_ONLY = ["account-devicetoken", "account-message", "account-disposition-notification",
           "account-sync-conversations", "account-mark-conversation-read",
           "account-remove-message", "account-remove-conversation",
           "account-fetch-addressbook", "account-update-addressbook", "session-update",
           "session-message", "session-dtmf-info", "videoroom-join", "videoroom-leave",
           "videoroom-feed-attach", "videoroom-feed-answer", "videoroom-feed-detach",
           "videoroom-session-trickle", "videoroom-session-update", "videoroom-configure",
           "videoroom-invite", "videoroom-message", "videoroom-composing-indication",
           "videoroom-mute-audio-participants", "videoroom-toggle-hand", "videoroom-remove",
           "videoroom-mute-participant"]


@pytest.fixture
def connect(server):
    """Open sylkRTC connections (greeting already checked); all closed at
    the end of the test."""
    clients = []

    def open_client(version, **kw):
        client = SylkRtcClient(server.http_port, version, **kw)
        clients.append(client)
        return client
    yield open_client
    for client in clients:
        client.close()


def assert_single_reply_and_usable(client, transaction):
    """No second reply for `transaction`, and a ping still works. Requests
    are answered in order, so a duplicate would arrive before the ping's ack."""
    client.ping()
    duplicates = [m for m in client.events() if m.get("transaction") == transaction]
    assert duplicates == [], f"more than one reply: {duplicates!r}"


# ---- connection ----------------------------------------------------------------

@VERSIONS
def test_ready_greeting_is_sent_once_on_open(server, version):
    with SylkRtcClient(server.http_port, version, wait_ready=False) as client:
        assert client.subprotocol == SUBPROTOCOLS[version]
        assert client.next_message() == READY[version]
        assert client.events(settle=0.3) == []


@VERSIONS
def test_ping_is_acked(connect, version):
    client = connect(version)
    reply = client.request("ping", transaction="ping-1")
    assert reply == {"sylkrtc": "ack", "transaction": "ping-1"}


@VERSIONS
def test_unknown_extra_fields_are_ignored(connect, version):
    client = connect(version)
    reply = client.request("ping", transaction="ping-extra", colour="blue", nested={"a": [1]})
    assert reply == {"sylkrtc": "ack", "transaction": "ping-extra"}


# ---- messages that are not requests --------------------------------------------

# (id, text sent, transaction the error must carry or None, check on the text)
MALFORMED = [
    ("not-json", "hello", None, lambda t: t.startswith("Invalid JSON")),
    ("empty-frame", "", None, lambda t: t.startswith("Invalid JSON")),
    ("truncated-json", '{"transaction": "t-trunc", "sylkrtc": "ping"', "t-trunc",
     lambda t: t.startswith("Invalid JSON")),
    ("trailing-garbage", '{"sylkrtc": "ping", "transaction": "t-trail"} x', "t-trail",
     lambda t: t.startswith("Invalid JSON")),
    ("array", '["ping"]', None, lambda t: t == "Message is not a JSON object"),
    ("string", '"ping"', None, lambda t: t == "Message is not a JSON object"),
    ("number", "42", None, lambda t: t == "Message is not a JSON object"),
    ("null", "null", None, lambda t: t == "Message is not a JSON object"),
    ("no-type", '{"transaction": "t-notype"}', "t-notype", lambda t: "sylkrtc" in t),
    ("type-not-string", '{"sylkrtc": ["ping"], "transaction": "t-list"}', "t-list",
     lambda t: "sylkrtc" in t),
    ("unknown-type", '{"sylkrtc": "account-frobnicate", "transaction": "t-unk"}', "t-unk",
     lambda t: '"account-frobnicate"' in t),
    ("reply-sent-as-request", '{"sylkrtc": "ack", "transaction": "t-ack"}', "t-ack",
     lambda t: '"ack"' in t),
    ("no-transaction", '{"sylkrtc": "ping"}', None, lambda t: "transaction" in t),
    ("transaction-not-string", '{"sylkrtc": "ping", "transaction": 7}', None,
     lambda t: "transaction" in t),
]


@VERSIONS
@pytest.mark.parametrize("text,transaction,check", [m[1:] for m in MALFORMED],
                         ids=[m[0] for m in MALFORMED])
def test_malformed_message_gets_error_and_connection_survives(connect, version, text,
                                                              transaction, check):
    client = connect(version)
    client.send_raw(text)
    reply = client.next_message()
    assert reply["sylkrtc"] == "error", reply
    if transaction is None:
        assert set(reply) == {"sylkrtc", "error"}, reply
    else:
        assert set(reply) == {"sylkrtc", "transaction", "error"}, reply
        assert reply["transaction"] == transaction
    assert check(reply["error"]), reply["error"]
    assert_single_reply_and_usable(client, transaction)


@pytest.mark.parametrize("kind", V2_ONLY)
def test_v2_request_on_v1_connection_is_refused(connect, kind):
    client = connect(1)
    text = client.expect_error(kind, transaction="tx-v2", account=ALICE, session=SESSION)
    assert kind in text and "sylkRTC-1" in text, text
    assert_single_reply_and_usable(client, "tx-v2")


# ---- the request table ---------------------------------------------------------

ACK = "ack"


class Contains:
    """The error text must contain every one of these strings."""

    def __init__(self, *parts):
        self.parts = parts

    def __repr__(self):
        return f"Contains{self.parts!r}"


def add(account=ALICE, password=ALICE_HA1, **extra):
    return dict(account=account, password=password, **extra)


def token(**extra):
    return {"account": ALICE, "token": "tok-123", "platform": "fcm", "device": "dev-1",
            "app": "com.example.sylk", "silent": False, **extra}


def create(**extra):
    return {"session": SESSION, "account": ALICE, "uri": BOB, "sdp": WEBRTC_OFFER, **extra}


def without(fields, key):
    return {k: v for k, v in fields.items() if k != key}


CHAT = {"message_id": "m-1", "content": "hi", "content_type": "text/plain",
        "timestamp": "2026-01-01T00:00:00Z"}

# (id, accounts added first, request type, fields, expected reply)
# Types that only sylkRTC-2 has run on v2 connections only.
CASES = [
    # account-add
    ("add", [], "account-add", add(), ACK),
    ("add-sip-uri", [], "account-add", add("sip:alice@sylk.test"), ACK),
    ("add-optional-fields", [], "account-add",
     add(display_name="Alice", user_agent="test/1.0", incoming_header_prefixes=["X-Sylk"]), ACK),
    ("add-optional-null", [], "account-add",
     add(display_name=None, user_agent=None, incoming_header_prefixes=None), ACK),
    ("add-twice", [ALICE], "account-add", add(), f"Account {ALICE} already added"),
    ("add-twice-normalised", [ALICE], "account-add", add("sips:alice@sylk.test"),
     f"Account {ALICE} already added"),
    ("add-foreign-domain", [], "account-add", add("alice@example.com"),
     "SIP domain not allowed: example.com"),
    ("add-no-account", [], "account-add", {"password": ALICE_HA1}, Contains("account")),
    ("add-no-password", [], "account-add", {"account": ALICE}, Contains("password")),
    ("add-account-number", [], "account-add", add(42), Contains("account")),
    ("add-account-null", [], "account-add", add(None), Contains("account")),
    ("add-password-list", [], "account-add", add(password=[ALICE_HA1]), Contains("password")),
    ("add-password-empty", [], "account-add", add(password=""), Contains("password")),
    ("add-aor-no-domain", [], "account-add", add("alice"), Contains("account")),
    ("add-aor-no-user", [], "account-add", add("@x"), Contains("account")),
    ("add-aor-empty-domain", [], "account-add", add("alice@"), Contains("account")),
    ("add-aor-space", [], "account-add", add("al ice@sylk.test"), Contains("account")),
    ("add-display-name-number", [], "account-add", add(display_name=5),
     Contains("display_name")),
    ("add-prefixes-not-list", [], "account-add", add(incoming_header_prefixes="X-"),
     Contains("incoming_header_prefixes")),
    ("add-prefix-not-token", [], "account-add", add(incoming_header_prefixes=["X: y"]),
     Contains("incoming_header_prefixes[0]")),
    # account-remove
    ("remove", [ALICE], "account-remove", {"account": ALICE}, ACK),
    ("remove-unknown", [], "account-remove", {"account": ALICE},
     f"Unknown account specified for remove: {ALICE}"),
    ("remove-no-account", [], "account-remove", {}, Contains("account")),
    ("remove-bad-aor", [], "account-remove", {"account": "alice"}, Contains("account")),
    # account-register / -unregister
    ("register", [ALICE], "account-register", {"account": ALICE}, ACK),
    ("register-unknown", [], "account-register", {"account": ALICE},
     f"Unknown account specified for register: {ALICE}"),
    ("register-account-list", [], "account-register", {"account": [ALICE]},
     Contains("account")),
    ("unregister", [ALICE], "account-unregister", {"account": ALICE}, ACK),
    ("unregister-unknown", [], "account-unregister", {"account": ALICE},
     f"Unknown account specified for unregister: {ALICE}"),
    ("unregister-bad-aor", [], "account-unregister", {"account": "@x"}, Contains("account")),
    # account-devicetoken (v2)
    ("token", [ALICE], "account-devicetoken", token(), ACK),
    ("token-unknown", [], "account-devicetoken", token(),
     f"Unknown account specified for token: {ALICE}"),
    ("token-no-token", [ALICE], "account-devicetoken", without(token(), "token"),
     Contains("token")),
    ("token-no-platform", [ALICE], "account-devicetoken", without(token(), "platform"),
     Contains("platform")),
    ("token-silent-string", [ALICE], "account-devicetoken", token(silent="yes"),
     Contains("silent")),
    # session-create
    ("create", [ALICE], "session-create", create(), ACK),
    ("create-unknown-account", [], "session-create", create(),
     f"Unknown account specified: {ALICE}"),
    ("create-no-session", [ALICE], "session-create", without(create(), "session"),
     Contains("session")),
    ("create-session-number", [ALICE], "session-create", create(session=17),
     Contains("session")),
    ("create-no-uri", [ALICE], "session-create", without(create(), "uri"), Contains("uri")),
    ("create-uri-no-domain", [ALICE], "session-create", create(uri="bob"), Contains("uri")),
    ("create-no-sdp", [ALICE], "session-create", without(create(), "sdp"), Contains("sdp")),
    ("create-sdp-empty", [ALICE], "session-create", create(sdp=""), Contains("sdp")),
    ("create-headers-not-list", [ALICE], "session-create", create(headers={"X-A": "1"}),
     Contains("headers")),
    ("create-header-reserved", [ALICE], "session-create",
     create(headers=[{"name": "Via", "value": "SIP/2.0/UDP evil"}]),
     Contains("headers[0].name")),
    # session-answer
    ("answer-unknown", [], "session-answer", {"session": "nope", "sdp": WEBRTC_OFFER},
     "Unknown session nope"),
    ("answer-no-sdp", [], "session-answer", {"session": "nope"}, Contains("sdp")),
    ("answer-no-session", [], "session-answer", {"sdp": WEBRTC_OFFER}, Contains("session")),
    # session-trickle
    ("trickle-unknown", [], "session-trickle", {"session": "nope", "candidates": [CANDIDATE]},
     "Unknown session nope"),
    ("trickle-no-candidates", [], "session-trickle", {"session": "nope"},
     Contains("candidates")),
    ("trickle-candidates-object", [], "session-trickle",
     {"session": "nope", "candidates": CANDIDATE}, Contains("candidates")),
    ("trickle-candidate-no-mid", [], "session-trickle",
     {"session": "nope", "candidates": [without(CANDIDATE, "sdpMid")]},
     Contains("candidates[0].sdpMid")),
    ("trickle-mline-string", [], "session-trickle",
     {"session": "nope", "candidates": [dict(CANDIDATE, sdpMLineIndex="0")]},
     Contains("candidates[0].sdpMLineIndex")),
    # session-terminate
    ("terminate-unknown", [], "session-terminate", {"session": "nope"}, "Unknown session nope"),
    ("terminate-no-session", [], "session-terminate", {}, Contains("session")),
    # session-update, -message, -dtmf-info (v2)
    ("update-unknown", [], "session-update", {"session": "nope", "sdp": WEBRTC_OFFER},
     "Unknown session nope"),
    ("update-no-sdp", [], "session-update", {"session": "nope"}, Contains("sdp")),
    ("message-unknown", [], "session-message", dict(CHAT, session="nope"),
     "Unknown session nope"),
    ("message-no-content", [], "session-message", without(dict(CHAT, session="nope"),
                                                           "content"), Contains("content")),
    ("message-bad-content-type", [], "session-message",
     dict(CHAT, session="nope", content_type="text"), Contains("content_type")),
    ("dtmf-unknown", [], "session-dtmf-info", {"session": "nope", "digit": "5"},
     "Unknown session nope"),
    ("dtmf-bad-digit", [], "session-dtmf-info", {"session": "nope", "digit": "X"},
     Contains("digit")),
    ("dtmf-duration-string", [], "session-dtmf-info",
     {"session": "nope", "digit": "5", "duration": "100"}, Contains("duration")),
    ("dtmf-duration-zero", [], "session-dtmf-info",
     {"session": "nope", "digit": "5", "duration": 0}, Contains("duration")),
    # bad enumerations (the decoder refuses these before anything else)
    ("disposition-bad-state", [ALICE], "account-disposition-notification",
     {"account": ALICE, "uri": BOB, "message_id": "m-1", "state": "read",
      "timestamp": "2026-01-01T00:00:00Z"}, Contains("state")),
    ("addressbook-bad-action", [ALICE], "account-update-addressbook",
     {"account": ALICE, "action": "merge", "type": "contact", "data": {}},
     Contains("action")),
    ("addressbook-bad-type", [ALICE], "account-update-addressbook",
     {"account": ALICE, "action": "add", "type": "friend", "data": {}}, Contains("type")),
    ("composing-bad-state", [], "videoroom-composing-indication",
     {"session": "nope", "state": "typing"}, Contains("state")),
    # account requests of an account that is added but not registered
    ("account-message-unregistered", [ALICE], "account-message",
     dict(CHAT, account=ALICE, uri=BOB), "Account not authenticated"),
    ("fetch-addressbook-unregistered", [ALICE], "account-fetch-addressbook",
     {"account": ALICE}, "Account not authenticated"),
    ("update-addressbook-unregistered", [ALICE], "account-update-addressbook",
     {"account": ALICE, "action": "add", "type": "contact", "data": {"uri": BOB}},
     "Account not authenticated"),
    ("sync-conversations-unregistered", [ALICE], "account-sync-conversations",
     {"account": ALICE}, "Account not authenticated"),
    ("mark-conversation-read-unregistered", [ALICE], "account-mark-conversation-read",
     {"account": ALICE, "contact": BOB}, "Account not authenticated"),
    ("remove-conversation-unregistered", [ALICE], "account-remove-conversation",
     {"account": ALICE, "contact": BOB}, "Account not authenticated"),
    ("videoroom-join-unregistered", [ALICE], "videoroom-join",
     {"session": "room-1", "account": ALICE, "uri": "room@videoconference.sylk.test",
      "sdp": WEBRTC_OFFER}, "Account not authenticated"),
    # room requests for a session that is not in a room
    ("videoroom-leave-unknown", [], "videoroom-leave", {"session": "room-1"},
     "Unknown room session: room-1"),
    ("videoroom-message-unknown", [], "videoroom-message",
     {"session": "room-1", "message_id": "m-1", "content": "hi", "content_type": "text/plain"},
     "Unknown room session: room-1"),
]

TABLE = [pytest.param(version, *case[1:], id=f"v{version}-{case[0]}")
         for version in (1, 2) for case in CASES
         if version == 2 or case[2] not in V2_ONLY]


@pytest.mark.parametrize("version,accounts,kind,fields,expected", TABLE)
def test_request_reply(connect, version, accounts, kind, fields, expected):
    client = connect(version)
    for account in accounts:
        client.add_account(account.split("@")[0])
    reply = client.request(kind, transaction="tx-under-test", **fields)
    if expected == ACK:
        assert reply == {"sylkrtc": "ack", "transaction": "tx-under-test"}
    else:
        assert set(reply) == {"sylkrtc", "transaction", "error"}, reply
        assert (reply["sylkrtc"], reply["transaction"]) == ("error", "tx-under-test"), reply
        if isinstance(expected, Contains):
            for part in expected.parts:
                assert part in reply["error"], reply
        else:
            assert reply["error"] == expected
    assert_single_reply_and_usable(client, "tx-under-test")


# ---- account life cycle on one connection --------------------------------------

@VERSIONS
def test_registration_state_event_comes_before_the_ack(connect, version):
    client = connect(version)
    client.add_account("alice")
    before_ack = client.expect_ack("account-register", account=ALICE)
    registering = {1: {"sylkrtc": "account_event", "account": ALICE,
                       "event": "registration_state", "data": {"state": "registering"}},
                   2: {"sylkrtc": "account-event", "account": ALICE,
                       "event": "registration-state", "state": "registering"}}[version]
    assert registering in before_ack, before_ack


@VERSIONS
def test_removed_account_is_forgotten_and_can_be_added_again(connect, version):
    client = connect(version)
    client.add_account("alice")
    client.expect_ack("account-remove", account=ALICE)
    assert client.expect_error("account-register", account=ALICE) == \
        f"Unknown account specified for register: {ALICE}"
    assert client.expect_error("account-remove", account=ALICE) == \
        f"Unknown account specified for remove: {ALICE}"
    client.add_account("alice")


@VERSIONS
def test_accounts_belong_to_their_connection(connect, version):
    first, second = connect(version), connect(version)
    first.add_account("alice")
    assert second.expect_error("account-remove", account=ALICE) == \
        f"Unknown account specified for remove: {ALICE}"
    # the same account on another connection is its own, independent entry
    second.add_account("alice")
    second.expect_ack("account-remove", account=ALICE)
    first.expect_ack("account-remove", account=ALICE)


@VERSIONS
def test_too_many_accounts_on_one_connection(connect, version):
    client = connect(version)
    added = 0
    while added < 2000:
        reply = client.request("account-add", account=f"user{added}@sylk.test",
                               password=ALICE_HA1)
        if reply["sylkrtc"] != "ack":
            break
        added += 1
    assert added > 0
    assert reply == {"sylkrtc": "error", "transaction": reply.get("transaction"),
                     "error": f"Too many accounts on this connection (max {added})"}
    # room again once one is removed
    client.expect_ack("account-remove", account="user0@sylk.test")
    client.expect_ack("account-add", account="user0@sylk.test", password=ALICE_HA1)


# ---- sessions with a ringing callee ---------------------------------------------

@pytest.fixture
def ringing(connect, version):
    """alice (caller connection) calls bob, who is registered on his own
    connection and lets it ring. Returns (caller, callee, incoming event)."""
    callee = connect(version)
    callee.register("bob")
    caller = connect(version)
    caller.add_account("alice")
    caller.expect_ack("session-create", **create())
    incoming = callee.wait_incoming_session(BOB, timeout=10)
    return caller, callee, incoming


@VERSIONS
def test_session_id_in_use(ringing, version):
    caller, _, _ = ringing
    assert caller.expect_error("session-create", **create()) == \
        f"Session ID {SESSION} already in use"
    caller.ping()


@VERSIONS
def test_cannot_answer_outgoing_session(ringing, version):
    caller, _, _ = ringing
    assert caller.expect_error("session-answer", session=SESSION, sdp=WEBRTC_OFFER) == \
        f"Cannot answer outgoing session {SESSION}"
    caller.ping()


@VERSIONS
def test_incoming_session_is_answered_once(ringing, version):
    caller, callee, incoming = ringing
    session = incoming["session"]
    answer = webrtc_answer(incoming["sdp"])
    callee.expect_ack("session-answer", session=session, sdp=answer)
    accepted = caller.wait_session_state(SESSION, "accepted", timeout=10)
    assert accepted["sdp"].startswith("v=0")
    text = callee.expect_error("session-answer", session=session, sdp=answer)
    prefix = f"Invalid state for answering session {session}: "
    assert text.startswith(prefix) and len(text) > len(prefix), text
    caller.expect_ack("session-terminate", session=SESSION)
    callee.wait_session_state(session, "terminated", timeout=10)


@VERSIONS
def test_trickle_then_caller_hangs_up(ringing, version):
    caller, callee, incoming = ringing
    caller.expect_ack("session-trickle", session=SESSION, candidates=[CANDIDATE])
    caller.expect_ack("session-trickle", session=SESSION, candidates=[])
    caller.expect_ack("session-terminate", session=SESSION)
    caller.wait_session_state(SESSION, "terminated", timeout=10)
    callee.wait_session_state(incoming["session"], "terminated", timeout=10)


@VERSIONS
def test_callee_declines(ringing, version):
    caller, callee, incoming = ringing
    callee.expect_ack("session-terminate", session=incoming["session"])
    ended = caller.wait_session_state(SESSION, "terminated", timeout=10)
    assert ended.get("reason", "").startswith("486"), ended

