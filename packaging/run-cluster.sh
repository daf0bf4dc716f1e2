#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Starts a three-node cluster on this machine in the foreground (make
# cluster, docs/CLUSTER.md): the shared PostgreSQL (packaging/cluster-db.sh)
# and three full nodes (rtpengine + kamailio with -A WITH_CLUSTER
# -A WITH_POSTGRES), node N on the loopback address 127.0.0.1N (Linux routes
# all of 127/8 to lo: nothing to configure) with the usual ports. The nodes
# share registrations by DMQ on their cluster sockets (127.0.0.1N:5090) and
# everything stored in the database; a conference room runs on one node and
# the others route its joins there (htable confroom over DMQ). Ctrl-C stops
# everything.
# Usage: run-cluster.sh BUILD_DIR
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(cd "${1:-$top/build}" && pwd)
STATE=${STATE_DIR:-$BUILD_DIR/cluster}
SIP_DOMAIN=${SIP_DOMAIN:-sylk.test}
# PostgreSQL runs as the postgres user (as root): its folder must be
# reachable by that user
PG_DATA=${PG_DATA:-/var/tmp/sylk-cluster-db}
PG_PORT=${PG_PORT:-5433}
NODES=${NODES:-3}
KAMAILIO=${KAMAILIO:-/usr/sbin/kamailio}
RTPENGINE=${RTPENGINE:-/usr/bin/rtpengine}
KAMAILIO_MODULES=${KAMAILIO_MODULES:-$(KAMAILIO="$KAMAILIO" "$top/packaging/kamailio-env.sh" module-dir)} || exit 1
mkdir -p "$STATE"

pids=
stop() {
  trap - INT TERM EXIT
  for pid in $pids; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  echo "cluster stopped"
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

DB_URL=$("$top/packaging/cluster-db.sh" init "$PG_DATA" "$PG_PORT" "$SIP_DOMAIN")
"$top/packaging/cluster-db.sh" run "$PG_DATA" "$PG_PORT" >"$STATE/postgres.log" 2>&1 &
pids="$pids $!"
i=0
until python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.3)' "$PG_PORT" 2>/dev/null; do
  i=$((i + 1)); [ $i -le 100 ] || { echo "postgres did not start ($STATE/postgres.log)" >&2; exit 1; }
  sleep 0.1
done

wait_ng() {
  python3 -c '
import socket, sys, time
for _ in range(50):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
    try:
        s.sendto(b"up d7:command4:pinge", (sys.argv[1], 2223))
        if b"pong" in s.recv(100): sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)' "$1"
}

n=1
while [ $n -le "$NODES" ]; do
  ip=127.0.0.1$n
  dir=$STATE/node$n
  TEST_CERT=1 "$top/packaging/setup-runtime.sh" "$dir" "$SIP_DOMAIN" >/dev/null
  rm -f "$dir/kamailio_ctl"
  # node 1 joins through node 2, the others through node 1
  if [ $n -eq 1 ]; then join=127.0.0.12; else join=127.0.0.11; fi
  "$RTPENGINE" --config-file="$top/rtpengine-conf/rtpengine.conf" --interface="$ip" \
    --listen-ng="$ip:2223" --listen-cli="$ip:9900" --port-min=30000 --port-max=30999 \
    >"$dir/rtpengine.log" 2>&1 &
  pids="$pids $!"
  wait_ng "$ip" || { echo "rtpengine of node $n did not start ($dir/rtpengine.log)" >&2; exit 1; }
  "$KAMAILIO" -DD -E -f "$top/kamailio-cfg/kamailio.cfg" -x tlsf -X tlsf -m 256 \
    -A WITH_CLUSTER=1 -A WITH_POSTGRES=1 -A "DB_URL=\"$DB_URL\"" \
    -A "CLUSTER_IP=$ip" -A CLUSTER_PORT=5090 -A "CLUSTER_URI=\"sip:$ip:5090\"" \
    -A "CLUSTER_HOSTPORT=\"$ip:5090\"" -A "CLUSTER_JOIN=\"sip:$join:5090\"" \
    -A "LISTEN_IP=$ip" -A "INTERNAL_PORT=507$n" -A "SIP_DOMAIN=$SIP_DOMAIN" \
    -A "CONF_DOMAIN=conference.$SIP_DOMAIN" -A "CONF_FILE_DIR=\"$dir/conference\"" \
    -A "CONF_HTTP_BASE=\"http://$ip:10888\"" -A "RTC_FILE_DIR=\"$dir/filetransfer\"" \
    -A "TLS_CERT=\"$dir/tls/server.pem\"" -A "TLS_KEY=\"$dir/tls/server.key\"" \
    -A "CTL_SOCKET=\"unix:$dir/kamailio_ctl\"" -A "RTPENGINE_SOCK=\"udp:$ip:2223\"" \
    -A "MODULE_PATH=\"$KAMAILIO_MODULES/:$BUILD_DIR/modules/\"" \
    >"$dir/kamailio.log" 2>&1 &
  pids="$pids $!"
  i=0
  until [ -S "$dir/kamailio_ctl" ] && kamcmd -s "unix:$dir/kamailio_ctl" core.version >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -le 150 ] || { echo "kamailio of node $n did not start ($dir/kamailio.log)" >&2; tail -20 "$dir/kamailio.log" >&2; exit 1; }
    sleep 0.1
  done
  n=$((n + 1))
done

echo
echo "  sylk cluster running: $NODES nodes + PostgreSQL (Ctrl-C stops everything)"
echo "    database   127.0.0.1:$PG_PORT ($PG_DATA), log $STATE/postgres.log"
n=1
while [ $n -le "$NODES" ]; do
  ip=127.0.0.1$n
  echo "    node $n     SIP sip:$ip:5060 (UDP, TCP), sips:$ip:5061   WebSocket ws://$ip:10888/webrtcgateway/ws"
  echo "               cluster socket (DMQ) sip:$ip:5090   control kamcmd -s unix:$STATE/node$n/kamailio_ctl"
  n=$((n + 1))
done
echo "    domain     $SIP_DOMAIN   accounts alice / alice123, bob / bob123, carol / carol123"
echo "    registrations: kamcmd -s unix:$STATE/node1/kamailio_ctl ul.dump   DMQ peers: ... dmq.list_nodes"
echo "    conference rooms (sip:ROOM@conference.$SIP_DOMAIN, joined through any node): the node of each"
echo "               ... htable.dump confroom, the rooms of a node ... sylk_conference.rooms"
echo

while :; do
  for pid in $pids; do
    kill -0 "$pid" 2>/dev/null || { echo "a cluster process exited (logs in $STATE)" >&2; exit 1; }
  done
  sleep 1
done
