# SPDX-License-Identifier: GPL-2.0-or-later
"""A call between two registered SIP phones through the proxy, with its
audio anchored in rtpengine."""

from sylktest.calls import exchange_audio, place_call
from sylktest.rtp import RtpEndpoint
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN
from sylktest.sipp import run_uac


def test_call_between_registered_phones_carries_audio_both_ways(server, workdir):
    uas, uac, alice_rtp, bob_rtp = place_call(server.sip_port, workdir, hold_ms=4000)
    try:
        exchange_audio(uac, uas, alice_rtp, bob_rtp)
        assert uac.wait(20) == 0, uac.report()
        assert uac.actions()[-1] == "hangup 200", uac.report()
        assert uas.wait(10) == 0, uas.report()
    finally:
        uac.stop()
        uas.stop()
        alice_rtp.close()
        bob_rtp.close()


def test_call_to_unregistered_user_fails_with_404(server, workdir):
    rtp = RtpEndpoint(1)
    try:
        uac = run_uac(workdir, "call-nobody", "call_uac.xml", f"127.0.0.1:{server.sip_port}",
                      keys={"user": "alice", "domain": SIP_DOMAIN, "rtp_port": rtp.port},
                      extra=["-s", "nobody", "-au", "alice", "-ap", DEMO_ACCOUNTS["alice"]])
        assert uac.process.proc.returncode != 0
        assert "SIP/2.0 404 Not Found" in uac.messages(), uac.report()
    finally:
        rtp.close()
