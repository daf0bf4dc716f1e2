#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs every Debian package the project needs and fetches the Kamailio
# source that matches the installed binary (headers only are used).
# Idempotent: safe to run on every `make test`.
set -eu

BUILD_DIR=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi

# rtpengine-daemon without recommends: the metapackage pulls a DKMS kernel build.
PACKAGES_RUNTIME="kamailio kamailio-tls-modules kamailio-websocket-modules
  kamailio-json-modules kamailio-utils-modules kamailio-presence-modules
  kamailio-xml-modules kamailio-sqlite-modules kamailio-extra-modules
  rtpengine-daemon rtpengine-utils sqlite3 openssl prosody
  kamailio-postgres-modules postgresql"
PACKAGES_BUILD="gcc make pkg-config clang libclang-rt-14-dev libjson-c-dev
  libwebsockets-dev libsrtp2-dev libssl-dev libxml2-dev libstrophe-dev
  libopus-dev libspandsp-dev libspeex-dev libsqlite3-dev zlib1g-dev binutils dpkg-dev
  debhelper lintian"
PACKAGES_TEST="sip-tester python3 python3-pytest python3-websockets python3-aiortc
  chromium python3-slixmpp systemd"

missing=
for p in $PACKAGES_RUNTIME $PACKAGES_BUILD $PACKAGES_TEST; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing="$missing $p"
done

# apt-get source needs a deb-src entry for bookworm.
SRC_LIST=/etc/apt/sources.list.d/sylk-bookworm-src.sources
need_update=
if ! grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deps: adding a bookworm deb-src entry ($SRC_LIST)"
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    | $SUDO tee "$SRC_LIST" >/dev/null
  need_update=1
fi

# Node runs the JavaScript SIP clients of the tests (JsSIP from npm). A
# machine may already have Node from elsewhere, with npm inside it.
if ! command -v npm >/dev/null 2>&1; then
  missing="$missing nodejs npm"
fi

if [ -n "$missing" ] || [ -n "$need_update" ]; then
  $SUDO apt-get update -q
fi
if [ -n "$missing" ]; then
  echo "deps: installing$missing"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

# Debian starts the packaged daemons; the project runs its own instances on
# its own ports, so the system ones must not hold 5060 or the ng port.
for svc in kamailio rtpengine-daemon prosody; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    $SUDO systemctl stop "$svc" || true
    $SUDO systemctl disable "$svc" 2>/dev/null || true
  fi
done

# Kamailio headers: the source package of exactly the installed version.
kver=$(dpkg-query -W -f='${Version}' kamailio)
upstream=${kver%%-*}; upstream=${upstream#*:}
src_dir="$BUILD_DIR/kamailio-$upstream"
if [ ! -f "$src_dir/src/core/sr_module.h" ]; then
  mkdir -p "$BUILD_DIR/apt-src"
  ( cd "$BUILD_DIR/apt-src" && apt-get source --download-only -q "kamailio=$kver" )
  tar -C "$BUILD_DIR" -xzf "$BUILD_DIR/apt-src/kamailio_$upstream.orig.tar.gz" "kamailio-$upstream/src"
  echo "deps: Kamailio $upstream headers in $src_dir/src"
fi

# JavaScript test clients, pinned by package-lock.json.
if [ ! -f "$TOP/tests/js/node_modules/jssip/package.json" ]; then
  ( cd "$TOP/tests/js" && npm ci --no-audit --no-fund --loglevel=error )
fi
