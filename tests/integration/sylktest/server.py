# SPDX-License-Identifier: GPL-2.0-or-later
"""The project's server (rtpengine + kamailio with kamailio-cfg/kamailio.cfg)
started on free loopback ports, exactly as `make run` starts it but with
every port overridden."""

import os
import re
import socket
import subprocess

from .processes import Process, free_port, free_port_range, release_port_range, wait_until

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BUILD = os.environ.get("BUILD_DIR", os.path.join(TOP, "build"))


def kamailio_module_dir():
    """The installed kamailio's own module folder (tm.so, ...) as the binary
    names it (`packaging/kamailio-env.sh module-dir`, from `kamailio -I`):
    /usr/lib/<multiarch triplet>/kamailio/modules/. KAMAILIO_MODULES
    overrides it."""
    path = os.environ.get("KAMAILIO_MODULES") or subprocess.run(
        [os.path.join(TOP, "packaging", "kamailio-env.sh"), "module-dir"],
        check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
    return path.rstrip("/") + "/"


def debian_multiarch():
    """The multiarch triplet of Debian's library folders (x86_64-linux-gnu,
    aarch64-linux-gnu, ...), for the packages the benches use (Janus)."""
    return subprocess.run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"], check=True,
                          stdout=subprocess.PIPE, text=True).stdout.strip()


DEBIAN_MODULES = kamailio_module_dir()
SIP_DOMAIN = "sylk.test"
DEMO_ACCOUNTS = {"alice": "alice123", "bob": "bob123", "carol": "carol123"}


def ng_request(port, payload, cookie, timeout=1.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(cookie.encode() + b" " + payload, ("127.0.0.1", port))
        return s.recv(65535)
    finally:
        s.close()


class Rtpengine:
    def __init__(self, workdir):
        self.ng_port = free_port()
        self.cli_port = free_port()
        self.port_min, self.port_max = free_port_range(200)
        self.process = Process("rtpengine", [
            "/usr/bin/rtpengine",
            "--config-file=" + os.path.join(TOP, "rtpengine-conf", "rtpengine.conf"),
            "--interface=127.0.0.1",
            f"--listen-ng=127.0.0.1:{self.ng_port}",
            f"--listen-cli=127.0.0.1:{self.cli_port}",
            f"--port-min={self.port_min}", f"--port-max={self.port_max}",
            "--log-level=6",
        ], os.path.join(workdir, "rtpengine.log"))
        self._cookie = 0
        wait_until(self.ping, 10, what="rtpengine ng ping")

    def ping(self):
        self._cookie += 1
        try:
            return b"pong" in ng_request(self.ng_port, b"d7:command4:pinge", f"t{self._cookie}", 0.2)
        except OSError:
            if not self.process.alive():
                raise RuntimeError("rtpengine exited:\n" + self.process.log())
            return False

    def stop(self):
        self.process.stop()
        release_port_range(self.port_min, self.port_max)


class Kamailio:
    """kamailio with the default config; `defines` adds or overrides -A values.
    `setup=False` starts it on the state directory as it is (the Debian
    service does not run the setup either)."""

    def __init__(self, workdir, rtpengine, defines=None, shm_mb=160, setup=True):
        self.workdir = workdir
        self.state_dir = os.path.join(workdir, "state")
        if setup:
            subprocess.run([os.path.join(TOP, "packaging", "setup-runtime.sh"),
                            self.state_dir, SIP_DOMAIN], check=True, stdout=subprocess.DEVNULL)
        self.sip_port = free_port()
        self.sips_port = free_port()
        self.internal_port = free_port()
        self.http_port = free_port()
        self.https_port = free_port()
        self.msrp_port = free_port()
        self.msrps_port = free_port()
        self.file_transfer_port = free_port()
        self.mixer_ports = free_port_range(64)
        self.ctl_socket = os.path.join(self.state_dir, "kamailio_ctl")
        values = {
            "LISTEN_IP": "127.0.0.1",
            "SIP_PORT": self.sip_port,
            "SIPS_PORT": self.sips_port,
            "INTERNAL_PORT": self.internal_port,
            "HTTP_PORT": self.http_port,
            "HTTPS_PORT": self.https_port,
            "MSRP_PORT": self.msrp_port,
            "MSRPS_PORT": self.msrps_port,
            "CONF_FILE_DIR": f'"{self.state_dir}/conference"',
            "FILE_TRANSFER_PORT": self.file_transfer_port,
            "RTC_FILE_DIR": f'"{self.state_dir}/filetransfer"',
            "CONF_HTTP_BASE": f'"http://127.0.0.1:{self.http_port}"',
            "MIXER_PORT_MIN": self.mixer_ports[0],
            "MIXER_PORT_MAX": self.mixer_ports[1],
            "MIXER_PROCESSES": 1,
            "SIP_DOMAIN": SIP_DOMAIN,
            "DB_URL": f'"sqlite://{self.state_dir}/sylk.sqlite"',
            "TLS_CERT": f'"{self.state_dir}/tls/server.pem"',
            "TLS_KEY": f'"{self.state_dir}/tls/server.key"',
            "CTL_SOCKET": f'"unix:{self.ctl_socket}"',
            "RTPENGINE_SOCK": f'"udp:127.0.0.1:{rtpengine.ng_port}"',
            "MODULE_PATH": f'"{DEBIAN_MODULES}:{BUILD}/modules/"',
            "WORKERS": 2,
            "LOG_LEVEL": 2,
        }
        values.update(defines or {})
        self.config = os.path.join(TOP, "kamailio-cfg", "kamailio.cfg")
        argv = ["/usr/sbin/kamailio", "-DD", "-E", "-f", self.config,
                "-x", "tlsf", "-X", "tlsf", "-m", str(shm_mb), "-M", "16"]
        for key, value in values.items():
            argv += ["-A", f"{key}={value}"]
        self.argv = argv
        self.process = Process("kamailio", argv, os.path.join(workdir, "kamailio.log"))
        wait_until(self._ready, 15, interval=0.1, what="kamailio control socket")

    def _ready(self):
        if not self.process.alive():
            raise RuntimeError("kamailio exited:\n" + self.process.log()[-4000:])
        if not os.path.exists(self.ctl_socket):
            return False
        return self.kamcmd_result("core.version").returncode == 0

    def kamcmd_result(self, *args):
        return subprocess.run(["/usr/sbin/kamcmd", "-s", "unix:" + self.ctl_socket, *args],
                              capture_output=True, text=True, timeout=10)

    def kamcmd(self, *args):
        """Run an RPC command; fail loudly when kamailio refuses it."""
        r = self.kamcmd_result(*args)
        if r.returncode != 0 or r.stdout.startswith("error"):
            raise RuntimeError(f"kamcmd {' '.join(args)} failed: {r.stdout}{r.stderr}")
        return r.stdout

    def statistic(self, name):
        """One statistic, "group:name" (kamcmd stats.get_statistics)."""
        group = name.split(":", 1)[0] + ":"
        out = self.kamcmd("stats.get_statistics", group)
        return int(re.search(rf"{re.escape(name)} = (\d+)", out).group(1))

    def stop(self):
        self.process.stop()
        release_port_range(*self.mixer_ports)


def run_server_defines(workdir):
    """What packaging/run-server.sh passes on top of the defaults: the demo
    app's web root and the playback prompt under the runtime state."""
    return {"WEB_ROOT": f'"{os.path.join(TOP, "web")}"',
            "PLAYBACK_FILE": f'"{os.path.join(workdir, "state")}/prompts/playback.wav"'}
