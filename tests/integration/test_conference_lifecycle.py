# SPDX-License-Identifier: GPL-2.0-or-later
"""What the focus keeps once participants are gone: after many join, chat
and leave cycles (clean BYE, and MSRP connections dropped without a word)
no room, participant or shared memory is left behind."""

import re
import socket
import struct

from sylktest import msrp
from sylktest.processes import wait_until
from sylktest.rtpphone import SipUA
from sylktest.server import DEMO_ACCOUNTS, SIP_DOMAIN

ROOM = "sip:churn@conference.sylk.test"


def shm_used(server):
    return int(re.search(r"real_used:\s*(\d+)", server.kamcmd("core.shmmem")).group(1))


def rooms(server):
    return int(re.search(r"count: (\d+)", server.kamcmd("sylk_conference.rooms")).group(1))


def chat_offer(msrp_id):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=message 40000 TCP/MSRP *\r\n"
            f"a=path:msrp://127.0.0.1:40000/{msrp_id};tcp\r\n"
            "a=accept-types:message/cpim\r\na=accept-wrapped-types:*\r\na=setup:active\r\n")


USERS = sorted(DEMO_ACCOUNTS)


def one_cycle(server, i):
    # local users (authenticated): they may open the room each cycle
    user = USERS[i % len(USERS)]
    ua = SipUA(server.sip_port, user, SIP_DOMAIN, DEMO_ACCOUNTS[user])
    try:
        msrp_id = msrp.random_id()
        dialog, answer = ua.invite(ROOM, chat_offer(msrp_id))
        path = re.search(r"a=path:(\S+)", answer.body).group(1)
        client = msrp.MsrpClient(path, local_path=f"msrp://127.0.0.1:40000/{msrp_id};tcp")
        client.bind()
        _, tids = client.send(msrp.cpim(f"sip:{user}@{SIP_DOMAIN}", ROOM, f"message {i}"))
        assert client.wait_response(tids[0]).code == 200
        if i % 2:
            # the chat connection vanishes with an RST before the BYE
            client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        ua.bye(dialog)
    finally:
        ua.close()


def test_join_chat_leave_cycles_leave_no_state_and_no_shm_growth(server):
    for i in range(10):  # warm up pools, tm hash buckets, the MSRP listener
        one_cycle(server, i)
    wait_until(lambda: rooms(server) == 0, 10, what="warm-up rooms gone")
    before = shm_used(server)

    for i in range(80):
        one_cycle(server, i)

    wait_until(lambda: rooms(server) == 0, 10, what="every room ended with its last participant")
    # finished transactions wait tm's wait timer (5 s) before they are freed
    wait_until(lambda: shm_used(server) - before < 64 * 1024, 15, interval=0.5,
               what=f"shm back near {before} bytes")
