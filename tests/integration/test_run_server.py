# SPDX-License-Identifier: GPL-2.0-or-later
"""`make run` (packaging/run-server.sh) brings up a server that answers
OPTIONS and connects two phones, and Ctrl-C stops all of it."""

import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import uuid

from sylktest.calls import exchange_audio, place_call
from sylktest.processes import Process, free_port, free_port_range, wait_until
from sylktest.server import TOP


def options(port):
    """Send an OPTIONS to the server itself; return the status line."""
    call_id = uuid.uuid4().hex
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(2)
    local = s.getsockname()[1]
    request = (f"OPTIONS sip:127.0.0.1:{port} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK{call_id[:10]}\r\n"
               f"From: <sip:probe@127.0.0.1>;tag=probe\r\n"
               f"To: <sip:127.0.0.1:{port}>\r\n"
               f"Call-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
               f"Content-Length: 0\r\n\r\n")
    try:
        s.sendto(request.encode(), ("127.0.0.1", port))
        return s.recv(4096).decode().split("\r\n")[0]
    finally:
        s.close()


def _users(pgid):
    """{command: set of users} of the processes in a process group."""
    out = subprocess.run(["ps", "-o", "uid=,comm=", "-g", str(pgid)],
                         capture_output=True, text=True).stdout
    users = {}
    for line in out.splitlines():
        uid, comm = line.split(None, 1)
        users.setdefault(comm.strip(), set()).add(pwd.getpwuid(int(uid)).pw_name)
    return users


def test_make_run_serves_calls_and_stops_on_ctrl_c(tmp_path):
    sip_port = free_port()
    rtp_min, rtp_max = free_port_range(100)
    # where the service users can reach it (pytest's own folders are the
    # caller's alone), as any real state folder is
    state = tempfile.mkdtemp(prefix="sylk-run-")
    os.chmod(state, 0o755)
    env = dict(os.environ,
               STATE_DIR=state, SIP_PORT=str(sip_port),
               SIPS_PORT=str(free_port()), HTTP_PORT=str(free_port()),
               HTTPS_PORT=str(free_port()), RTPENGINE_NG_PORT=str(free_port()),
               MSRP_PORT=str(free_port()), MSRPS_PORT=str(free_port()),
               RTPENGINE_CLI_PORT=str(free_port()), FILE_TRANSFER_PORT=str(free_port()),
               RTP_PORT_MIN=str(rtp_min), RTP_PORT_MAX=str(rtp_max))
    build = os.environ.get("BUILD_DIR", os.path.join(TOP, "build"))
    server = Process("make-run", [os.path.join(TOP, "packaging", "run-server.sh"), build],
                     str(tmp_path / "run.log"), env=env)
    try:
        wait_until(lambda: "server running" in server.log() or not server.alive(), 30,
                   what="run-server.sh banner")
        assert server.alive(), server.log()
        banner = server.log()
        assert f"sip:127.0.0.1:{sip_port}" in banner
        assert "/webrtcgateway/ws" in banner
        assert "alice / alice123" in banner

        assert options(sip_port) == "SIP/2.0 200 OK"

        # secrets for their owner only; started as root, no server stays root
        assert stat.S_IMODE(os.stat(os.path.join(state, "sylk.sqlite")).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.join(state, "tls", "server.key")).st_mode) == 0o600
        if os.getuid() == 0:
            users = _users(server.pid)
            assert users.get("kamailio") == {"kamailio"}, users
            assert users.get("rtpengine") == {"rtpengine"}, users
            assert "stays root" not in server.log(), server.log()

        uas, uac, alice_rtp, bob_rtp = place_call(sip_port, str(tmp_path), hold_ms=3000)
        try:
            exchange_audio(uac, uas, alice_rtp, bob_rtp)
            assert uac.wait(20) == 0, uac.report()
        finally:
            uac.stop()
            uas.stop()
            alice_rtp.close()
            bob_rtp.close()

        # Ctrl-C in a terminal signals the whole foreground process group
        os.killpg(server.pid, signal.SIGINT)
        server.wait(15)
        assert "stopped" in server.log()
        # neither rtpengine nor any kamailio worker outlives it
        wait_until(lambda: not _group_alive(server.pid), 10, what="server processes to exit")
    finally:
        server.stop()
        shutil.rmtree(state, ignore_errors=True)


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
