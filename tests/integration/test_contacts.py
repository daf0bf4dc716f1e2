# SPDX-License-Identifier: GPL-2.0-or-later
"""Contacts (issue 17): the sylkRTC address book kept as the user's XCAP
documents in Kamailio's xcap_server, seen and edited both by a browser
(account-fetch-addressbook / account-update-addressbook) and by an XCAP
client over HTTP (urllib with digest, as Blink or curl would)."""

import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from sylktest.sylkrtc import SIP_DOMAIN, SylkRtcClient

RL = "{urn:ietf:params:xml:ns:resource-lists}"


def xcap_url(server, user, auid="resource-lists"):
    return (f"http://127.0.0.1:{server.http_port}/xcap-root/{auid}/users/"
            f"sip:{user}@{SIP_DOMAIN}/index")


def xcap(server, method, user, auid="resource-lists", body=None, as_user=None,
         password=None, headers=None):
    who = as_user or user
    mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    mgr.add_password(None, f"http://127.0.0.1:{server.http_port}/", who,
                     password or f"{who}123")
    opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(mgr))
    req = urllib.request.Request(xcap_url(server, user, auid), data=body, method=method,
                                 headers=headers or {})
    if body is not None:
        req.add_header("Content-Type", f"application/{auid}+xml")
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, str(e.reason), e.headers


def contact(cid, user, name, subscribe=False):
    return {"id": cid, "name": name,
            "uris": [{"id": cid + "-u", "uri": f"{user}@{SIP_DOMAIN}", "type": "work"}],
            "presence": {"policy": "allow", "subscribe": subscribe},
            "dialog": {"policy": "default", "subscribe": False}}


def is_ab(event, name, account):
    return (event.get("sylkrtc") == "account-event" and event.get("event") == name
            and event.get("account") == account)


def update(client, account, action, typ, data):
    client.expect_ack("account-update-addressbook", account=account, action=action,
                      type=typ, data=data)


@pytest.fixture
def alice_twice(server):
    with SylkRtcClient(server.http_port) as one, SylkRtcClient(server.http_port) as two:
        account = one.register("alice")
        two.register("alice")
        yield account, one, two


def test_browser_edits_seen_over_xcap_and_back(server, alice_twice):
    account, one, two = alice_twice
    for i, who in enumerate(("bob", "carol", "dave")):
        update(one, account, "add", "contact", contact(f"c{i}", who, who.title()))
        for c in (one, two):
            ev = c.wait_event(lambda e: is_ab(e, "addressbook-updated", account))
            assert ev["type"] == "contact" and ev["action"] == "add"
            assert ev["contact"]["id"] == f"c{i}"
    update(one, account, "add", "group",
           {"id": "g1", "name": "Friends", "contacts": [contact("c0", "bob", "Bob")]})
    two.wait_event(lambda e: is_ab(e, "addressbook-updated", account) and e["type"] == "group")

    status, doc, headers = xcap(server, "GET", "alice")
    assert status == 200, doc
    root = ET.fromstring(doc)
    uris = [e.get("uri") for e in root.iter(RL + "entry")]
    for who in ("bob", "carol", "dave"):
        assert f"sip:{who}@{SIP_DOMAIN}" in uris, doc
    assert "Friends" in doc

    # a SIP client adds a fourth contact to the same document
    lists = [l for l in root.findall(RL + "list") if l.get("name") == "sylk-contacts"][0]
    entry = ET.SubElement(lists, RL + "entry", uri=f"sip:erin@{SIP_DOMAIN}")
    ET.SubElement(entry, RL + "display-name").text = "Erin"
    status, text, _ = xcap(server, "PUT", "alice", body=ET.tostring(root))
    assert status == 200, text
    for c in (one, two):
        ev = c.wait_event(lambda e: is_ab(e, "addressbook-updated", account)
                          and e["action"] == "add" and e["type"] == "contact", timeout=5)
        assert ev["contact"]["id"] == f"erin@{SIP_DOMAIN}"
        assert ev["contact"]["name"] == "Erin"

    one.expect_ack("account-fetch-addressbook", account=account)
    ev = one.wait_event(lambda e: is_ab(e, "addressbook-fetched", account))
    book = ev["addressbook"]
    assert sorted(c["id"] for c in book["contacts"]) == ["c0", "c1", "c2", f"erin@{SIP_DOMAIN}"]
    assert [g["id"] for g in book["groups"]] == ["g1"]
    assert book["policies"] == []

    update(two, account, "delete", "contact", {"id": "c1"})
    ev = one.wait_event(lambda e: is_ab(e, "addressbook-updated", account)
                        and e["action"] == "delete")
    assert ev["contact"]["id"] == "c1"


def test_bad_input(server):
    with SylkRtcClient(server.http_port) as c:
        account = c.add_account("carol")
        # before its REGISTER succeeded the account proves nothing
        assert "not authenticated" in c.expect_error("account-fetch-addressbook",
                                                     account=account)
        c.expect_ack("account-register", account=account)
        c.wait_registration(account, "registered")

        def failed(action, typ, data, words):
            update(c, account, action, typ, data)
            ev = c.wait_event(lambda e: is_ab(e, "addressbook-update-failed", account))
            assert ev["action"] == action and ev["type"] == typ
            assert words in ev["error"], ev
            return ev

        failed("add", "contact", {"id": "x1", "name": "No URI"}, "uri")
        failed("add", "contact", {"id": "x2", "uris": [{"id": "u", "uri": "bad uri@"}]}, "uri")
        failed("add", "contact", {"name": "no id", "uris": []}, "id")
        failed("update", "contact", contact("nope", "bob", "B"), "not found")
        failed("add", "policy", {"id": "p1"}, "uri")
        # max_addressbook_size (64 KiB): the name is in the entry twice
        update(c, account, "add", "contact", contact("big1", "bob", "x" * 20000))
        c.wait_event(lambda e: is_ab(e, "addressbook-updated", account))
        failed("add", "contact", contact("big2", "bob", "y" * 20000), "too large")
        update(c, account, "add", "contact", contact("ok", "bob", "Bob"))
        c.wait_event(lambda e: is_ab(e, "addressbook-updated", account))
        failed("add", "contact", contact("ok", "bob", "Bob"), "exists")
        err = c.expect_error("account-update-addressbook", account=account, action="move",
                             type="contact", data={"id": "ok"})
        assert "action" in err
        err = c.expect_error("account-update-addressbook", account=account, action="add",
                             type="friend", data={"id": "ok"})
        assert "type" in err


def test_xcap_only_own_documents(server):
    status, _, _ = xcap(server, "GET", "alice", as_user="bob")
    assert status == 403
    status, _, _ = xcap(server, "GET", "alice", password="wrong")
    assert status in (401, 403)
