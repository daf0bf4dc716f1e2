#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the Debian packages (debian/) into BUILD_DIR/deb/ and checks them
# with lintian (errors fail). The package build runs in a copy of the
# committed tree (git HEAD), so that unfinished edits in the working tree
# stay out of packages; DEB_SOURCE=worktree copies the tracked files (and
# debian/, packaging/) as they are now instead. Kamailio's headers come from `make deps`.
# Usage: build-deb.sh BUILD_DIR
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "${1:-$top/build}"
BUILD_DIR=$(cd "${1:-$top/build}" && pwd)
out=$BUILD_DIR/deb
src=$out/sylk-kamailio
version=$("$top/packaging/kamailio-env.sh" version)
KAMAILIO_SRC=${KAMAILIO_SRC:-$BUILD_DIR/kamailio-$version/src}
[ -f "$KAMAILIO_SRC/core/sr_module.h" ] || {
	echo "$0: no Kamailio headers in $KAMAILIO_SRC: run 'make deps'" >&2
	exit 1
}

rm -rf "$out"
mkdir -p "$src"
if [ "${DEB_SOURCE:-HEAD}" = worktree ]; then
	# tracked files and whatever is in debian/ and packaging/ now
	(cd "$top" && { git ls-files; find debian packaging -type f; } | sort -u |
		tar -c --no-recursion -T -) | tar -x -C "$src"
else
	git -C "$top" archive --format=tar HEAD | tar -x -C "$src"
fi
(cd "$src" && KAMAILIO_SRC=$KAMAILIO_SRC dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 || {
	tail -40 "$out/build.log" >&2
	echo "$0: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
rm -rf "$src"
# what the packages were built from (tests reuse packages of the same commit)
if [ "${DEB_SOURCE:-HEAD}" = HEAD ]; then git -C "$top" rev-parse HEAD >"$out/source-commit"; fi
ls "$out"/*.deb
lintian --fail-on error "$out"/*.changes
