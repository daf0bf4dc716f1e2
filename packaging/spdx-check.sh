#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every source file of the project names its licence in an SPDX line
# (LICENSE: the modules link into GPL-2.0-or-later Kamailio):
#   .c .h                 first line   /* SPDX-License-Identifier: GPL-2.0-or-later */
#   .js                   first line   // SPDX-License-Identifier: GPL-2.0-or-later
#   .py .sh, and scripts  first line, or after the #! line (and after a
#   without a suffix      coding line)  # SPDX-License-Identifier: GPL-2.0-or-later
#
# usage: spdx-check.sh [--check | --write] [PATH...]
#   --check (default)  list the files that lack the line; exit 1 if any does
#   --write            add the line where it is missing
# PATHs (folders or files) default to the project's sources:
# sylk_ws conference modules tests packaging .ci (node_modules, fuzz corpora
# and build output are skipped). A file that names another licence, or has
# the line in the wrong place, is reported and never rewritten.
set -eu

ID=GPL-2.0-or-later
C_LINE="/* SPDX-License-Identifier: $ID */"
JS_LINE="// SPDX-License-Identifier: $ID"
HASH_LINE="# SPDX-License-Identifier: $ID"

mode=check
case ${1:-} in
--write) mode=write; shift ;;
--check) shift ;;
-h | --help) sed -n '3,17p' "$0"; exit 0 ;;
-*) echo "usage: $0 [--check | --write] [PATH...]" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- sylk_ws conference modules tests packaging .ci

# kind FILE: c, js, hash (py/sh and scripts with a #! line) or nothing
kind() {
	case ${1##*/} in
	*.c | *.h) echo c ;;
	*.js) echo js ;;
	*.py | *.sh) echo hash ;;
	*.*) ;;
	*) head -n 1 "$1" 2>/dev/null | grep -qE '^#!.*(sh|python[0-9.]*)( |$)' && echo hash ;;
	esac
	return 0
}

# at FILE KIND: the line number the SPDX line belongs on
at() {
	n=1
	if [ "$2" != c ] && head -n 1 "$1" | grep -q '^#!'; then
		n=2
	fi
	# a Python coding declaration must stay on line 1 or 2
	if [ "$2" = hash ] && sed -n "${n}p" "$1" | grep -qE '^#.*coding[:=]'; then
		n=$((n + 1))
	fi
	echo "$n"
}

checked=0
missing=0
bad=0
list=$(mktemp)
trap 'rm -f "$list"' EXIT
find "$@" \( -name node_modules -o -name corpus -o -name build -o -name __pycache__ \
	-o -name .git \) -prune -o -type f -print | sort >"$list"
while IFS= read -r f; do
	k=$(kind "$f")
	[ -n "$k" ] || continue
	checked=$((checked + 1))
	case $k in
	c) line=$C_LINE ;;
	js) line=$JS_LINE ;;
	hash) line=$HASH_LINE ;;
	esac
	n=$(at "$f" "$k")
	[ "$(sed -n "${n}p" "$f")" = "$line" ] && continue
	other=$(head -n 10 "$f" | grep -m 1 'SPDX-License-Identifier:' || true)
	if [ -n "$other" ]; then
		echo "$f: SPDX line not on line $n, or another licence: $other" >&2
		bad=$((bad + 1))
		continue
	fi
	if [ "$mode" = check ]; then
		echo "$f: no SPDX-License-Identifier line"
		missing=$((missing + 1))
		continue
	fi
	tmp=$(mktemp)
	awk -v n="$n" -v line="$line" 'NR == n { print line } { print } END { if (NR < n) print line }' \
		"$f" >"$tmp"
	cat "$tmp" >"$f" # keeps the file's mode
	rm -f "$tmp"
	echo "$f: added"
done <"$list"

if [ "$mode" = check ]; then
	echo "spdx: $checked files checked, $missing without the line, $bad to look at by hand"
	[ "$missing" -eq 0 ] && [ "$bad" -eq 0 ]
else
	echo "spdx: $checked files checked, $bad to look at by hand"
	[ "$bad" -eq 0 ]
fi
