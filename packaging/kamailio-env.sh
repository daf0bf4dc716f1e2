#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What the installed Kamailio says about itself, for building modules that it
# loads and for starting it with them. Everything is read from `kamailio -I`:
# the same version and compile-flags lines as `kamailio -V`, plus the
# adaptive-wait loops, the TCP poll methods and the module folder.
#
#   kamailio-env.sh cflags       the -D set a module must be built with
#   kamailio-env.sh module-dir   the folder of the core's own modules (tm.so...)
#   kamailio-env.sh version      upstream version, e.g. 5.6.3
#   kamailio-env.sh arch         architecture as the core spells it, e.g. x86_64
#
# KAMAILIO names the binary (default /usr/sbin/kamailio).
#
# The loader (core/sr_module.c) refuses a module whose version string
# ("kamailio 5.6.3 (x86_64/linux)") or compile-flags string differs from the
# core's; each name in the flags string is a define of the same name
# (core/ver_defs.h), so the module gets exactly the core's set back. Other
# defines change struct layouts and inline lock/atomic code without showing
# in that string; they are listed below as Kamailio 5.6's Makefile.defs sets
# them for a gcc build on Linux (`make check-module-flags` and the
# instruction-identical rebuild of Debian's tm.so checked the set on x86_64).
set -eu

KAMAILIO=${KAMAILIO:-/usr/sbin/kamailio}

info=$("$KAMAILIO" -I 2>/dev/null) || {
	echo "$0: cannot run '$KAMAILIO -I' (is the kamailio package installed?)" >&2
	exit 1
}

# field NAME: the value after "NAME:" (or "NAME=") in `kamailio -I`
field() {
	printf '%s\n' "$info" | sed -n "s/^ *$1[:=] *//p" | sed 's/ *$//' | head -n 1
}

fail() {
	echo "$0: $*" >&2
	exit 1
}

# "kamailio 5.6.3 (x86_64/linux)"
full=$(field Version)
name=${full%% *}
rest=${full#* }
version=${rest%% *}
arch_os=$(printf '%s\n' "$rest" | sed -n 's/.*(\(.*\)).*/\1/p')
arch=${arch_os%%/*}
os=${arch_os#*/}
[ -n "$name" ] && [ -n "$version" ] && [ -n "$arch" ] && [ -n "$os" ] ||
	fail "cannot read name, version, arch and OS from '$KAMAILIO -I' (got '$full')"

# Defines that do not show in `kamailio -I`/`-V` but change layouts or code.
#   always (Makefile.defs C_DEFS):          WITH_XAVP MEM_JOIN_FREE
#   KMSTATS=1, FMSTATS=1 (the defaults):     USE_CORE_STATS STATISTICS MALLOC_STATS
HIDDEN_ALWAYS="WITH_XAVP MEM_JOIN_FREE USE_CORE_STATS STATISTICS MALLOC_STATS"
#   OS=linux:
HIDDEN_LINUX="HAVE_GETHOSTBYNAME2 HAVE_UNION_SEMUN HAVE_SCHED_YIELD HAVE_MSG_NOSIGNAL
  HAVE_MSGHDR_MSG_CONTROL HAVE_ALLOCA_H HAVE_TIMEGM HAVE_SCHED_SETSCHEDULER HAVE_IP_MREQN"
#   per architecture (gcc, mode=release): CC_GCC_LIKE_ASM (inline asm in
#   atomic/, bit_*.h) where Makefile.defs has a CFLAGS section for the arch:
#   not on aarch64 (Debian arm64), riscv64, s390x...; a debug build
#   (EXTRA_DEBUG in the flags) sets it on every arch.
GCC_ASM_ARCHS="i386 x86_64 sparc sparc64 arm arm6 arm7 ppc ppc64 mips mips2 mips64 alpha"
arch_defines() {
	for a in $GCC_ASM_ARCHS; do
		[ "$a" = "$arch" ] && echo CC_GCC_LIKE_ASM
	done
	case $arch in
	sparc64) echo SPARC64_MODE ;;
	mips) echo MIPS_HAS_LLSC ;;
	esac
}

cflags() {
	[ "$os" = linux ] || fail "only Linux builds of Kamailio are known here (got OS '$os')"
	out="-DNAME='\"$name\"' -DVERSION='\"$version\"' -DARCH='\"$arch\"'"
	out="$out -DOS='${os}_' -DOS_QUOTED='\"$os\"' -D__CPU_$arch -D__OS_$os"
	versionval=$(echo "$version" | awk -F. '{ printf "%d%03d%03d", $1, $2, $3 }')
	out="$out -DVERSIONVAL=$versionval"

	# the compile-flags string: "USE_TCP, ..., FAST_LOCK-ADAPTIVE_WAIT, ..."
	flags=$(field 'Compile flags')
	[ -n "$flags" ] || fail "no compile flags in '$KAMAILIO -I'"
	debug=
	for f in $(printf '%s\n' "$flags" | tr ',-' '  '); do
		case $f in
		# ver_defs.h prints KSR_PTHREAD_MUTEX_SHARED under its old name
		TLS_PTHREAD_MUTEX_SHARED) f=KSR_PTHREAD_MUTEX_SHARED ;;
		EXTRA_DEBUG) debug=1 ;;
		esac
		out="$out -D$f"
		if [ "$f" = ADAPTIVE_WAIT ]; then
			loops=$(field ADAPTIVE_WAIT_LOOPS)
			[ -n "$loops" ] || fail "ADAPTIVE_WAIT without ADAPTIVE_WAIT_LOOPS in '$KAMAILIO -I'"
			out="$out -DADAPTIVE_WAIT_LOOPS=$loops"
		fi
	done

	# "TCP poll methods: poll, epoll_lt, epoll_et, sigio_rt, select"
	# (core/io_wait.c): the struct io_wait_handler layout follows them
	for m in $(field 'TCP poll methods' | tr ',' ' '); do
		case $m in
		epoll_lt) out="$out -DHAVE_EPOLL" ;;
		sigio_rt) out="$out -DHAVE_SIGIO_RT -DSIGINFO64_WORKARROUND" ;;
		select) out="$out -DHAVE_SELECT" ;;
		kqueue) out="$out -DHAVE_KQUEUE" ;;
		/dev/poll) out="$out -DHAVE_DEVPOLL" ;;
		esac
	done

	for d in $HIDDEN_ALWAYS $HIDDEN_LINUX $(arch_defines); do
		out="$out -D$d"
	done
	if [ -n "$debug" ] && ! arch_defines | grep -q CC_GCC_LIKE_ASM; then
		out="$out -DCC_GCC_LIKE_ASM"
	fi
	printf '%s\n' "$out"
}

case ${1:-} in
cflags) cflags ;;
module-dir)
	dir=$(field 'Default paths to modules')
	[ -f "$dir/tm.so" ] || fail "no tm.so in '$dir' (the module folder '$KAMAILIO -I' names)"
	printf '%s\n' "$dir"
	;;
version) printf '%s\n' "$version" ;;
arch) printf '%s\n' "$arch" ;;
*)
	echo "usage: $0 cflags|module-dir|version|arch" >&2
	exit 2
	;;
esac
