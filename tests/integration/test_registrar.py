# SPDX-License-Identifier: GPL-2.0-or-later
"""Registration and authentication as a SIP phone sees them."""

from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN
from sylktest.sipp import run_uac


def register(server, workdir, name, user, password, contact_port=5999):
    return run_uac(workdir, name, "register.xml", f"127.0.0.1:{server.sip_port}",
                   keys={"user": user, "domain": SIP_DOMAIN, "contact_port": contact_port},
                   extra=["-au", user, "-ap", password])


def test_demo_account_registers_after_digest_challenge(server, workdir):
    sipp = register(server, workdir, "alice-register", "alice", DEMO_ACCOUNTS["alice"], 5998)
    assert sipp.process.proc.returncode == 0, sipp.report()
    assert sipp.actions() == [f'challenge 401 realm="{SIP_DOMAIN}"', "final 200"], sipp.report()
    # the registrar now knows where alice is
    contacts = server.kamcmd("ul.lookup", "location", "alice")
    assert "127.0.0.1:5998" in contacts


def test_wrong_password_is_refused(server, workdir):
    sipp = register(server, workdir, "bob-wrong", "bob", "not-bobs-password", 5997)
    assert sipp.process.proc.returncode == 0, sipp.report()
    assert sipp.actions() == [f'challenge 401 realm="{SIP_DOMAIN}"', "final 403"], sipp.report()
    r = server.kamcmd_result("ul.lookup", "location", "bob")
    assert "127.0.0.1:5997" not in r.stdout


def test_unknown_user_is_refused(server, workdir):
    sipp = register(server, workdir, "mallory", "mallory", "whatever", 5996)
    assert sipp.process.proc.returncode == 0, sipp.report()
    assert sipp.actions()[-1] == "final 403", sipp.report()


def test_unauthenticated_invite_is_challenged(server, workdir):
    sipp = run_uac(workdir, "invite-noauth", "invite_noauth.xml", f"127.0.0.1:{server.sip_port}",
                   keys={"user": "alice", "domain": SIP_DOMAIN}, extra=["-s", "bob"])
    assert sipp.process.proc.returncode == 0, sipp.report()
    assert sipp.actions() == [f'challenge 407 realm="{SIP_DOMAIN}"'], sipp.report()
