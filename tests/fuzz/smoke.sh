#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every fuzzer for SECONDS from its seed corpus, two at a time (this
# machine's two cores: the same coverage in half the wall time), and fails
# with the log of each one that found something.
# Usage: smoke.sh BUILD_DIR SECONDS FUZZER...
set -u

if [ "${1:-}" = "--one" ]; then
  build=$2 seconds=$3 f=$4
  name=$(basename "$f")
  corpus=$build/fuzz/corpus-$name
  seeds=tests/fuzz/corpus/${name#fuzz_}
  mkdir -p "$corpus"
  [ -d "$seeds" ] || seeds=
  if "$f" -max_total_time="$seconds" -print_final_stats=0 "$corpus" $seeds \
       2>"$build/fuzz/$name.log"; then
    echo "== $name: ${seconds}s, nothing found"
    exit 0
  fi
  echo "== $name FAILED ($build/fuzz/$name.log):"
  tail -50 "$build/fuzz/$name.log"
  exit 1
fi

build=$1 seconds=$2
shift 2
printf '%s\n' "$@" | xargs -P 2 -n 1 "$0" --one "$build" "$seconds" || exit 1
