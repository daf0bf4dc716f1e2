# SPDX-License-Identifier: GPL-2.0-or-later
"""Janus 1.1.2 (Debian's `janus` package) as the bench's peer: started on
free loopback ports with its own configuration directory, written here,
stopped by pid. Only the SIP plugin and the WebSocket transport load."""

import os
import socket
import subprocess

from sylktest import processes
from sylktest.processes import Process, free_port, wait_until
from sylktest.server import debian_multiarch

JANUS = "/usr/bin/janus"
LIBDIR = f"/usr/lib/{debian_multiarch()}/janus"
PLUGINS = ["libjanus_audiobridge.so", "libjanus_duktape.so", "libjanus_echotest.so",
           "libjanus_lua.so", "libjanus_nosip.so", "libjanus_recordplay.so",
           "libjanus_streaming.so", "libjanus_textroom.so", "libjanus_videocall.so",
           "libjanus_videoroom.so", "libjanus_voicemail.so"]
TRANSPORTS = ["libjanus_http.so", "libjanus_mqtt.so", "libjanus_nanomsg.so",
              "libjanus_pfunix.so", "libjanus_rabbitmq.so"]


def wide_port_range(size):
    """A block of `size` UDP ports for Janus's RTP (or the call run's
    rtpengine), overlapping no block or port handed out before: a SIPp media
    port inside it would make Janus relay into its own ports. From 2000 up
    to the ephemeral range: the tests' block range alone (20000-32767) has
    no room for the bench's 8,000 + 2 x 2,000 ports once a few servers took
    their blocks at random places in it."""
    return processes.free_port_range(size, lo=2000, hi=processes.BLOCK_PORTS[1])


def available():
    return os.access(JANUS, os.X_OK) and os.path.exists(
        os.path.join(LIBDIR, "plugins", "libjanus_sip.so"))


def version():
    try:
        out = subprocess.run([JANUS, "--version"], capture_output=True, text=True,
                             timeout=10).stdout
    except OSError:
        return "?"
    for line in out.splitlines():
        if line.startswith("Janus version:"):
            return line.split("(", 1)[-1].rstrip(")")
    return "?"


class Janus:
    """One Janus instance: WebSocket API on ws://127.0.0.1:ws_port, SIP
    plugin bound to 127.0.0.1, its own RTP ports, no session timeout (the
    load generator sends no keepalives), logging at warnings."""

    def __init__(self, workdir, extra_plugins=()):
        self.workdir = workdir
        self.conf = os.path.join(workdir, "janus-conf")
        os.makedirs(self.conf, exist_ok=True)
        self.ws_port = free_port()
        rtp = wide_port_range(2000)
        sip_rtp = wide_port_range(2000)
        disabled = ",".join(p for p in PLUGINS if p not in extra_plugins)
        with open(os.path.join(self.conf, "janus.jcfg"), "w") as f:
            f.write(f"""general: {{
	configs_folder = "{self.conf}"
	plugins_folder = "{LIBDIR}/plugins"
	transports_folder = "{LIBDIR}/transports"
	events_folder = "{LIBDIR}/events"
	loggers_folder = "{LIBDIR}/loggers"
	debug_level = 3
	session_timeout = 0
	server_name = "sylk-bench-janus"
}}
certificates: {{
}}
media: {{
	rtp_port_range = "{rtp[0]}-{rtp[1]}"
}}
nat: {{
	nice_debug = false
	ice_enforce_list = "127.0.0.1"
}}
plugins: {{
	disable = "{disabled}"
}}
transports: {{
	disable = "{",".join(TRANSPORTS)}"
}}
loggers: {{
	disable = "libjanus_jsonlog.so"
}}
events: {{
	broadcast = false
}}
""")
        with open(os.path.join(self.conf, "janus.transport.websockets.jcfg"), "w") as f:
            f.write(f"""general: {{
	json = "compact"
	ws = true
	ws_port = {self.ws_port}
	ws_ip = "127.0.0.1"
	wss = false
	ws_logging = "err"
}}
admin: {{
	admin_ws = false
	admin_wss = false
}}
""")
        with open(os.path.join(self.conf, "janus.plugin.sip.jcfg"), "w") as f:
            f.write(f"""general: {{
	local_ip = "127.0.0.1"
	sdp_ip = "127.0.0.1"
	keepalive_interval = 0
	behind_nat = false
	register_ttl = 600
	rtp_port_range = "{sip_rtp[0]}-{sip_rtp[1]}"
	sip_timer_t1x64 = 32000
	events = false
}}
""")
        self.url = f"ws://127.0.0.1:{self.ws_port}/"
        self.process = Process("janus", [JANUS, "-C", os.path.join(self.conf, "janus.jcfg"),
                                         "-F", self.conf, "-o"],
                               os.path.join(workdir, "janus.log"))
        self.pid = self.process.pid
        wait_until(self._ready, 20, interval=0.1, what="janus WebSocket port")

    def _ready(self):
        if not self.process.alive():
            raise RuntimeError("janus exited:\n" + self.process.log()[-4000:])
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", self.ws_port))
            return True
        except OSError:
            return False
        finally:
            s.close()

    def stop(self):
        self.process.stop(timeout=10)
