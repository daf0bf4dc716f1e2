#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Prosody for `make run`: the XMPP server in front of the SIP<->XMPP gateway
# (modules/sylk_xmpp), on loopback, with its own config and data under
# DIR (the runtime folder, never committed):
#   xmpp-prosody.sh setup DIR SIP_DOMAIN XMPP_DOMAIN LISTEN_IP C2S_PORT COMPONENT_PORT
#     writes DIR/prosody.cfg.lua, makes DIR/component.secret on first use
#     (random, owner-only) and the demo XMPP accounts dave and erin
#     (passwords dave123, erin123) on XMPP_DOMAIN
#   xmpp-prosody.sh run DIR
#     runs Prosody in the foreground, as user prosody when started as root
# Prosody serves XMPP_DOMAIN (c2s) and routes SIP_DOMAIN to the gateway
# (component, XEP-0114). S2S is off: federation is an operator's choice.
set -eu
umask 077

cmd=$1 DIR=$2

setup() {
  SIP_DOMAIN=$1 XMPP_DOMAIN=$2 LISTEN_IP=$3 C2S_PORT=$4 COMPONENT_PORT=$5
  mkdir -p "$DIR/data"
  [ -s "$DIR/component.secret" ] || openssl rand -hex 24 > "$DIR/component.secret"
  secret=$(cat "$DIR/component.secret")
  run_as_root=false
  id prosody >/dev/null 2>&1 || run_as_root=true
  cat > "$DIR/prosody.cfg.lua" <<CFG
-- written by packaging/xmpp-prosody.sh: edits are lost on the next start
daemonize = false
run_as_root = $run_as_root
pidfile = "$DIR/prosody.pid"
data_path = "$DIR/data"
interfaces = { "$LISTEN_IP" }
c2s_ports = { $C2S_PORT }
component_ports = { $COMPONENT_PORT }
component_interfaces = { "127.0.0.1" }
http_ports = { }
https_ports = { }
modules_enabled = { "roster", "saslauth", "disco", "ping", "posix" }
modules_disabled = { "s2s", "tls" }
authentication = "internal_hashed"
-- loopback demo only: plain authentication without TLS
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
log = { info = "$DIR/prosody.log", error = "*stderr" }
VirtualHost "$XMPP_DOMAIN"
Component "$SIP_DOMAIN"
    component_secret = "$secret"
-- the gateway's multi-user chat rooms (the focus's rooms), a second component
Component "conference.$SIP_DOMAIN"
    component_secret = "$secret"
CFG
  if [ "$run_as_root" = false ] && [ "$(id -u)" -eq 0 ]; then
    chown -R prosody: "$DIR/data" "$DIR/prosody.cfg.lua"
    chown prosody: "$DIR"
  fi
  for entry in dave:dave123 erin:erin123; do
    user=${entry%%:*}
    [ -d "$DIR/data/$(echo "$XMPP_DOMAIN" | sed 's/\./%2e/g')/accounts" ] \
      && [ -f "$DIR/data/$(echo "$XMPP_DOMAIN" | sed 's/\./%2e/g')/accounts/$user.dat" ] && continue
    as_prosody prosodyctl --config "$DIR/prosody.cfg.lua" register "$user" "$XMPP_DOMAIN" "${entry#*:}" \
      >/dev/null 2>&1 || echo "warning: cannot register $user@$XMPP_DOMAIN" >&2
  done
}

as_prosody() {
  if [ "$(id -u)" -eq 0 ] && id prosody >/dev/null 2>&1; then
    setpriv --reuid=prosody --regid=prosody --init-groups "$@"
  else
    "$@"
  fi
}

case $cmd in
setup) shift 2; setup "$@" ;;
run)
  # exec: the caller's pid is Prosody's, so that stopping it stops Prosody
  if [ "$(id -u)" -eq 0 ] && id prosody >/dev/null 2>&1; then
    exec setpriv --reuid=prosody --regid=prosody --init-groups prosody -F --config "$DIR/prosody.cfg.lua"
  fi
  exec prosody -F --config "$DIR/prosody.cfg.lua" ;;
*) echo "usage: $0 setup|run DIR ..." >&2; exit 2 ;;
esac
