# SPDX-License-Identifier: GPL-2.0-or-later
"""A cluster on this machine, as `make cluster` starts it: the shared
PostgreSQL (packaging/cluster-db.sh) and nodes that are each a full
rtpengine + kamailio (WITH_CLUSTER, WITH_POSTGRES) on their own free
loopback ports, joined by DMQ through the first node's cluster socket."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile

from .processes import Process, free_port, wait_until
from .server import TOP, Kamailio, Rtpengine, SIP_DOMAIN

CLUSTER_DB = os.path.join(TOP, "packaging", "cluster-db.sh")


class Postgres:
    """The cluster's database. Its folder is under /tmp: as root, PostgreSQL
    runs as the postgres user, who cannot enter pytest's private folders."""

    def __init__(self, logdir):
        self.data = tempfile.mkdtemp(prefix="sylk-pg-", dir="/tmp")
        self.port = free_port()
        self.logdir = logdir
        self.url = subprocess.run([CLUSTER_DB, "init", self.data, str(self.port), SIP_DOMAIN],
                                  check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
        self.process = None
        self.start()

    def _accepting(self):
        if not self.process.alive():
            raise RuntimeError("postgres exited:\n" + self.process.log()[-3000:])
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def start(self):
        self.process = Process("postgres", [CLUSTER_DB, "run", self.data, str(self.port)],
                               os.path.join(self.logdir, "postgres.log"))
        wait_until(self._accepting, 20, interval=0.1, what="postgres")

    def crash(self):
        """Immediate shutdown (SIGQUIT): no checkpoint, as after a crash;
        the next start replays the WAL."""
        os.killpg(self.process.pid, signal.SIGQUIT)
        self.process.wait(10)
        self.process.stop()

    def sql(self, query):
        env = dict(os.environ, PGPASSWORD=self.url.split(":")[2].split("@")[0])
        return subprocess.run(["psql", "-X", "-At", "-h", "127.0.0.1", "-p", str(self.port),
                               "-U", "sylk", "-d", "sylk", "-c", query],
                              check=True, stdout=subprocess.PIPE, text=True, env=env).stdout

    def stop(self):
        if self.process:
            self.process.stop()
        shutil.rmtree(self.data, ignore_errors=True)


_cluster_ips = iter(range(11, 255))


def cluster_address():
    """A loopback address of its own and a free port for one node's cluster
    socket: nodes on different addresses, as on different machines (a node
    tells its own Path entries from another node's by the address)."""
    return f"127.0.0.{next(_cluster_ips)}", free_port()


class Node:
    """rtpengine + kamailio of one node; `address` is its cluster socket's
    (ip, port), `join` the address of the node it joins through (itself if
    none)."""

    def __init__(self, workdir, db, address=None, join=None, defines=None):
        os.makedirs(workdir, exist_ok=True)
        self.workdir = workdir
        self.cluster_ip, self.cluster_port = address or cluster_address()
        join_ip, join_port = join or (self.cluster_ip, self.cluster_port)
        self.rtpengine = Rtpengine(workdir)
        values = {
            "WITH_CLUSTER": 1,
            "WITH_POSTGRES": 1,
            "DB_URL": f'"{db.url}"',
            "CLUSTER_IP": self.cluster_ip,
            "CLUSTER_PORT": self.cluster_port,
            "CLUSTER_URI": f'"sip:{self.cluster_hostport}"',
            "CLUSTER_HOSTPORT": f'"{self.cluster_hostport}"',
            "CLUSTER_JOIN": f'"sip:{join_ip}:{join_port}"',
        }
        values.update(defines or {})
        self.kamailio = Kamailio(workdir, self.rtpengine, values)

    @property
    def cluster_hostport(self):
        return f"{self.cluster_ip}:{self.cluster_port}"

    def __getattr__(self, name):
        return getattr(self.kamailio, name)

    def kill9(self):
        """kill -9 of every process of the node (kamailio's workers too)."""
        for p in (self.kamailio.process, self.rtpengine.process):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(10)

    def stop(self):
        self.kamailio.stop()
        self.rtpengine.stop()

    def dmq_nodes(self):
        """The DMQ peers this node sees active (kamcmd dmq.list_nodes)."""
        out = self.kamcmd_result("dmq.list_nodes").stdout
        return out.count("status: active")


def start_nodes(top, db, count, defines=None):
    """`count` nodes on `db`, as `make cluster` joins them: the first
    through the second, the others through the first (a single node through
    itself); returns them once every node sees all the others in its DMQ
    view. Stopped on failure."""
    nodes = []
    try:
        addresses = [cluster_address() for _ in range(count)]
        for i, address in enumerate(addresses):
            join = None if count == 1 else (addresses[1] if i == 0 else addresses[0])
            nodes.append(Node(os.path.join(top, f"n{i + 1}"), db, address=address, join=join,
                              defines=defines))
        for n in nodes:
            wait_until(lambda n=n: n.dmq_nodes() >= count, 15, interval=0.2,
                       what="every node in the DMQ view")
        return nodes
    except BaseException:
        for n in nodes:
            n.stop()
        raise


@contextlib.contextmanager
def running_cluster(top, count, defines=None):
    """PostgreSQL and `count` nodes joined (start_nodes) for a test module;
    every process stopped at the end, whatever happened."""
    db = Postgres(top)
    try:
        nodes = start_nodes(top, db, count, defines)
        try:
            yield nodes
        finally:
            for n in nodes:
                n.stop()
    finally:
        db.stop()
