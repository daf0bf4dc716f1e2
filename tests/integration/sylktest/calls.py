# SPDX-License-Identifier: GPL-2.0-or-later
"""Two SIPp phones in a call: bob registers and answers, alice calls him."""

from .processes import wait_until
from .rtp import RtpEndpoint
from .server import DEMO_ACCOUNTS, SIP_DOMAIN
from .sipp import Sipp, run_uac

PACKETS = 50


def media_of(sipp):
    """(address, port) the phone was told to send its audio to."""
    for line in sipp.actions():
        if line.startswith("media "):
            words = line.split()  # media c=IN IP4 <address> m=audio <port>
            address, port = words[3], words[5]
            return address, int(port)
    return None


def place_call(sip_port, workdir, hold_ms):
    """bob's phone registers and waits; alice calls bob. Returns the running
    UAS, UAC and both phones' RTP endpoints."""
    alice_rtp, bob_rtp = RtpEndpoint(0xA11CE), RtpEndpoint(0xB0B)
    uas = Sipp(workdir, "bob-phone", "call_uas.xml", keys={"rtp_port": bob_rtp.port})
    reg = run_uac(workdir, "bob-register", "register.xml", f"127.0.0.1:{sip_port}",
                  keys={"user": "bob", "domain": SIP_DOMAIN, "contact_port": uas.port},
                  extra=["-au", "bob", "-ap", DEMO_ACCOUNTS["bob"]])
    assert reg.actions()[-1] == "final 200", reg.report()
    uac = Sipp(workdir, "alice-phone", "call_uac.xml", f"127.0.0.1:{sip_port}",
               keys={"user": "alice", "domain": SIP_DOMAIN, "rtp_port": alice_rtp.port},
               extra=["-s", "bob", "-au", "alice", "-ap", DEMO_ACCOUNTS["alice"],
                      "-d", str(hold_ms)])
    return uas, uac, alice_rtp, bob_rtp


def exchange_audio(uac, uas, alice_rtp, bob_rtp):
    """Both phones send PACKETS of RTP to the address they were given and
    each must receive the other's stream, relayed by rtpengine."""
    alice_sends_to = wait_until(lambda: media_of(uac), 10, what="200 OK with SDP at alice")
    bob_sends_to = wait_until(lambda: media_of(uas), 10, what="INVITE with SDP at bob")

    # rtpengine anchors the media: each phone is given an rtpengine port,
    # never the other phone's own address
    assert alice_sends_to[1] != bob_rtp.port
    assert bob_sends_to[1] != alice_rtp.port

    alice_rtp.send(*alice_sends_to, PACKETS)
    bob_rtp.send(*bob_sends_to, PACKETS)
    wait_until(lambda: len(alice_rtp.received) >= PACKETS * 0.9
               and len(bob_rtp.received) >= PACKETS * 0.9, 5, what="RTP at both phones")

    # what bob hears is alice's stream, relayed from rtpengine's port
    assert {ssrc for _, ssrc, _ in bob_rtp.received} == {0xA11CE}
    assert {ssrc for _, ssrc, _ in alice_rtp.received} == {0xB0B}
    assert {src for src, _, _ in bob_rtp.received} == {bob_sends_to}
    assert {src for src, _, _ in alice_rtp.received} == {alice_sends_to}
