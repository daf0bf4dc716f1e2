# Compile flags for modules that Debian's /usr/sbin/kamailio (5.6.3) loads.
#
# The loader compares `module_flags` (the SER_COMPILE_FLAGS string built from
# these defines) with the core's and refuses the module on mismatch. Several
# more defines change struct layouts and lock code without showing in that
# string; this set matches Debian's own build configuration.
# `make check-module-flags` verifies every built module against the binary.

KAMAILIO_BIN      ?= /usr/sbin/kamailio
KAMAILIO_VERSION  ?= $(shell dpkg-query -W -f='$${Version}' kamailio 2>/dev/null | sed 's/^[0-9]*://; s/-.*//')
KAMAILIO_SRC      ?= $(BUILD)/kamailio-$(KAMAILIO_VERSION)/src
KAMAILIO_VERSIONVAL = $(shell echo $(KAMAILIO_VERSION) | awk -F. '{ printf "%d%03d%03d", $$1, $$2, $$3 }')

KAMAILIO_DEFS = -DNAME='"kamailio"' -DVERSION='"$(KAMAILIO_VERSION)"' \
  -DARCH='"x86_64"' -DOS='linux_' -DOS_QUOTED='"linux"' \
  -DUSE_TCP -DUSE_TLS -DUSE_SCTP -DTLS_HOOKS -DUSE_RAW_SOCKS -DDISABLE_NAGLE \
  -DUSE_MCAST -DDNS_IP_HACK -DSHM_MMAP -DPKG_MALLOC -DQ_MALLOC -DF_MALLOC \
  -DTLSF_MALLOC -DDBG_SR_MEMORY -DUSE_FUTEX -DFAST_LOCK -DADAPTIVE_WAIT \
  -DADAPTIVE_WAIT_LOOPS=1024 -DUSE_DNS_CACHE -DUSE_DNS_FAILOVER -DUSE_NAPTR \
  -DUSE_DST_BLOCKLIST -DHAVE_RESOLV_RES -DKSR_PTHREAD_MUTEX_SHARED \
  -D__CPU_x86_64 -D__OS_linux -DVERSIONVAL=$(KAMAILIO_VERSIONVAL) -DWITH_XAVP \
  -DMEM_JOIN_FREE -DUSE_CORE_STATS -DSTATISTICS -DMALLOC_STATS \
  -DCC_GCC_LIKE_ASM -DHAVE_GETHOSTBYNAME2 -DHAVE_UNION_SEMUN \
  -DHAVE_SCHED_YIELD -DHAVE_MSG_NOSIGNAL -DHAVE_MSGHDR_MSG_CONTROL \
  -DHAVE_ALLOCA_H -DHAVE_TIMEGM -DHAVE_SCHED_SETSCHEDULER -DHAVE_IP_MREQN \
  -DHAVE_EPOLL -DHAVE_SIGIO_RT -DSIGINFO64_WORKARROUND -DHAVE_SELECT

# Kamailio's headers do not build cleanly with -Wextra; module glue keeps
# -Wall -Werror, the libraries carry the strict set.
MODULE_CFLAGS = -std=gnu11 -O2 -g -fPIC -Wall -Werror -Wno-unused-function \
  $(KAMAILIO_DEFS) -I$(KAMAILIO_SRC) -I$(KAMAILIO_SRC)/modules -I.
MODULE_LDFLAGS = -shared -pthread -Wl,-z,relro -Wl,--as-needed
