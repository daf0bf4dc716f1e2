#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Starts the all-in-one server in the foreground: rtpengine, then kamailio
# with the project's config and modules. Ctrl-C (or SIGTERM) stops both.
# Usage: run-server.sh BUILD_DIR   (settings below can be overridden from the
# environment, e.g. SIP_PORT=15060 make run)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(cd "${1:-$top/build}" && pwd)
STATE_DIR=${STATE_DIR:-$BUILD_DIR/run}
LISTEN_IP=${LISTEN_IP:-127.0.0.1}
SIP_PORT=${SIP_PORT:-5060}
SIPS_PORT=${SIPS_PORT:-5061}
INTERNAL_PORT=${INTERNAL_PORT:-5070}
HTTP_PORT=${HTTP_PORT:-10888}
HTTPS_PORT=${HTTPS_PORT:-10443}
MSRP_PORT=${MSRP_PORT:-2855}
MSRPS_PORT=${MSRPS_PORT:-2856}
FILE_TRANSFER_PORT=${FILE_TRANSFER_PORT:-10890}
SIP_DOMAIN=${SIP_DOMAIN:-sylk.test}
RTPENGINE_NG_PORT=${RTPENGINE_NG_PORT:-2223}
RTPENGINE_CLI_PORT=${RTPENGINE_CLI_PORT:-9900}
RTP_PORT_MIN=${RTP_PORT_MIN:-30000}
RTP_PORT_MAX=${RTP_PORT_MAX:-30999}
# shared memory (MiB) and connection limits: kamailio-cfg/kamailio.cfg and
# docs/SECURITY.md say how they fit together
SHM_SIZE=${SHM_SIZE:-1024}
TCP_MAX_CONNECTIONS=${TCP_MAX_CONNECTIONS:-1024}
TCP_MAX_PER_IP=${TCP_MAX_PER_IP:-64}
# SIP<->XMPP gateway (modules/sylk_xmpp): Prosody on loopback with the
# gateway as its component (packaging/xmpp-prosody.sh); XMPP=0 starts neither
XMPP=${XMPP:-1}
XMPP_DOMAIN=${XMPP_DOMAIN:-xmpp.$SIP_DOMAIN}
XMPP_C2S_PORT=${XMPP_C2S_PORT:-5222}
XMPP_COMPONENT_PORT=${XMPP_COMPONENT_PORT:-5347}
KAMAILIO=${KAMAILIO:-/usr/sbin/kamailio}
RTPENGINE=${RTPENGINE:-/usr/bin/rtpengine}
# kamailio's own module folder (tm.so, ...), as the binary names it: the
# multiarch path of the package, /usr/lib/<triplet>/kamailio/modules
KAMAILIO_MODULES=${KAMAILIO_MODULES:-$(KAMAILIO="$KAMAILIO" "$top/packaging/kamailio-env.sh" module-dir)} || exit 1

"$top/packaging/setup-runtime.sh" "$STATE_DIR" "$SIP_DOMAIN"
rm -f "$STATE_DIR/kamailio_ctl"

# Started as root, the servers drop to Debian's own service users (made by
# the kamailio and rtpengine packages), so a flaw in either cannot take the
# machine: kamailio after it has read its config, loaded its modules and
# bound its ports (-u/-g), rtpengine from the start (its ports are all
# above 1024). Each must reach what it uses; where a parent folder is
# closed to it, it stays root and says why.
KAMAILIO_USER=${KAMAILIO_USER:-kamailio}
RTPENGINE_USER=${RTPENGINE_USER:-rtpengine}
kamailio_user=
rtpengine_as=
as_user() {
  user=$1; shift
  setpriv --reuid="$user" --regid="$user" --init-groups "$@"
}
if [ "$(id -u)" -eq 0 ]; then
  if id "$KAMAILIO_USER" >/dev/null 2>&1 && chown -R "$KAMAILIO_USER:$KAMAILIO_USER" "$STATE_DIR" \
      && as_user "$KAMAILIO_USER" test -w "$STATE_DIR" -a -r "$STATE_DIR/sylk.sqlite"; then
    kamailio_user="-u $KAMAILIO_USER -g $KAMAILIO_USER"
  else
    echo "warning: kamailio stays root: user $KAMAILIO_USER cannot use $STATE_DIR" >&2
  fi
  if id "$RTPENGINE_USER" >/dev/null 2>&1 \
      && as_user "$RTPENGINE_USER" test -r "$top/rtpengine-conf/rtpengine.conf"; then
    rtpengine_as="setpriv --reuid=$RTPENGINE_USER --regid=$RTPENGINE_USER --init-groups"
  else
    echo "warning: rtpengine stays root: user $RTPENGINE_USER cannot read $top/rtpengine-conf" >&2
  fi
fi

rtpengine_pid=
kamailio_pid=
stop() {
  trap - INT TERM EXIT
  for pid in $kamailio_pid $rtpengine_pid ${prosody_pid:-}; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  echo "stopped"
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

$rtpengine_as "$RTPENGINE" --config-file="$top/rtpengine-conf/rtpengine.conf" \
  --interface="$LISTEN_IP" --listen-ng="127.0.0.1:$RTPENGINE_NG_PORT" \
  --listen-cli="127.0.0.1:$RTPENGINE_CLI_PORT" \
  --port-min="$RTP_PORT_MIN" --port-max="$RTP_PORT_MAX" &
rtpengine_pid=$!

# kamailio's rtpengine module gives up on an engine that does not answer at
# start, so wait until it pongs.
i=0
until /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.5)
s.sendto(b"up d7:command4:pinge", ("127.0.0.1", int(sys.argv[1])))
sys.exit(0 if b"pong" in s.recv(100) else 1)' "$RTPENGINE_NG_PORT" 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 50 ] || ! kill -0 "$rtpengine_pid" 2>/dev/null; then
    echo "rtpengine did not start" >&2; exit 1
  fi
  sleep 0.1
done

# Prosody first: the gateway connects to it (and retries until it can)
prosody_pid=
set --
if [ "$XMPP" != 0 ]; then
  "$top/packaging/xmpp-prosody.sh" setup "$STATE_DIR/xmpp" "$SIP_DOMAIN" "$XMPP_DOMAIN" \
    "$LISTEN_IP" "$XMPP_C2S_PORT" "$XMPP_COMPONENT_PORT"
  "$top/packaging/xmpp-prosody.sh" run "$STATE_DIR/xmpp" &
  prosody_pid=$!
  set -- -A WITH_XMPP=1 -A "XMPP_COMPONENT_PORT=$XMPP_COMPONENT_PORT" \
    -A "XMPP_COMPONENT_DOMAIN=\"$SIP_DOMAIN\"" -A "XMPP_DOMAINS=\"$XMPP_DOMAIN\"" \
    -A "XMPP_SECRET_FILE=\"$STATE_DIR/xmpp/component.secret\"" \
    -A "XMPP_MUC_DOMAIN=\"conference.$SIP_DOMAIN\""
fi

# $kamailio_user: two words or none
"$KAMAILIO" -DD -E -f "$top/kamailio-cfg/kamailio.cfg" -x tlsf -X tlsf -m "$SHM_SIZE" $kamailio_user \
  -A "TCP_MAX_CONNECTIONS=$TCP_MAX_CONNECTIONS" -A "TCP_MAX_PER_IP=$TCP_MAX_PER_IP" \
  -A "LISTEN_IP=$LISTEN_IP" -A "SIP_PORT=$SIP_PORT" -A "SIPS_PORT=$SIPS_PORT" \
  -A "INTERNAL_PORT=$INTERNAL_PORT" \
  -A "HTTP_PORT=$HTTP_PORT" -A "HTTPS_PORT=$HTTPS_PORT" -A "SIP_DOMAIN=$SIP_DOMAIN" \
  -A "MSRP_PORT=$MSRP_PORT" -A "MSRPS_PORT=$MSRPS_PORT" -A "CONF_DOMAIN=conference.$SIP_DOMAIN" \
  -A "CONF_FILE_DIR=\"$STATE_DIR/conference\"" -A "CONF_HTTP_BASE=\"http://$LISTEN_IP:$HTTP_PORT\"" \
  -A "FILE_TRANSFER_PORT=$FILE_TRANSFER_PORT" -A "RTC_FILE_DIR=\"$STATE_DIR/filetransfer\"" \
  -A "WEB_ROOT=\"$top/web\"" -A "PLAYBACK_FILE=\"$STATE_DIR/prompts/playback.wav\"" \
  -A "DB_URL=\"sqlite://$STATE_DIR/sylk.sqlite\"" \
  -A "TLS_CERT=\"$STATE_DIR/tls/server.pem\"" -A "TLS_KEY=\"$STATE_DIR/tls/server.key\"" \
  -A "CTL_SOCKET=\"unix:$STATE_DIR/kamailio_ctl\"" \
  -A "RTPENGINE_SOCK=\"udp:127.0.0.1:$RTPENGINE_NG_PORT\"" \
  -A "MODULE_PATH=\"$KAMAILIO_MODULES/:$BUILD_DIR/modules/\"" "$@" &
kamailio_pid=$!

# The control socket appears once every module has initialised.
i=0
until [ -S "$STATE_DIR/kamailio_ctl" ] && kamcmd -s "unix:$STATE_DIR/kamailio_ctl" core.version >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 "$kamailio_pid" 2>/dev/null; then
    echo "kamailio did not start" >&2; exit 1
  fi
  sleep 0.1
done

cat <<INFO

  sylk server running (Ctrl-C stops it)
    demo app   http://$LISTEN_IP:$HTTP_PORT/   https://$LISTEN_IP:$HTTPS_PORT/   (call echo@$SIP_DOMAIN, playback@$SIP_DOMAIN)
    SIP        sip:$LISTEN_IP:$SIP_PORT (UDP, TCP)   sips:$LISTEN_IP:$SIPS_PORT (TLS)
    WebSocket  ws://$LISTEN_IP:$HTTP_PORT/webrtcgateway/ws   wss://$LISTEN_IP:$HTTPS_PORT/webrtcgateway/ws
    domain     $SIP_DOMAIN   (register as user@$SIP_DOMAIN via proxy $LISTEN_IP:$SIP_PORT)
    rooms      sip:<any-name>@conference.$SIP_DOMAIN   (MSRP chat on $LISTEN_IP:$MSRP_PORT, TLS :$MSRPS_PORT)
    files      http://$LISTEN_IP:$FILE_TRANSFER_PORT/webrtcgateway/filetransfer/ (1:1 transfers)
    accounts   alice / alice123, bob / bob123, carol / carol123
    control    kamcmd -s unix:$STATE_DIR/kamailio_ctl sylk_rtc.status
    XMPP       ${prosody_pid:+xmpp:$LISTEN_IP:$XMPP_C2S_PORT  dave@$XMPP_DOMAIN / dave123, erin@$XMPP_DOMAIN / erin123 (XMPP=0: off)}

INFO

# Whichever exits first brings the other down.
while kill -0 "$kamailio_pid" 2>/dev/null && kill -0 "$rtpengine_pid" 2>/dev/null; do
  sleep 1
done
echo "a server process exited" >&2
exit 1
