# SPDX-License-Identifier: GPL-2.0-or-later
#
# Compile flags for modules that the installed Kamailio (Debian's
# /usr/sbin/kamailio) loads, read from the binary by packaging/kamailio-env.sh
# on any architecture:
#   - the loader compares the module's version string ("kamailio 5.6.3
#     (x86_64/linux)") and compile-flags string with the core's and refuses
#     the module on mismatch; both come back from the `kamailio -V`/`-I`
#     lines (each flag name is the define of that name);
#   - a few more defines change struct layouts and lock code without showing
#     there; the script keeps them as a small documented list, per
#     architecture where they differ (CC_GCC_LIKE_ASM).
# `make check-module-flags` verifies every built module against the binary.

KAMAILIO_BIN      ?= /usr/sbin/kamailio
KAMAILIO_ENV       = KAMAILIO=$(KAMAILIO_BIN) ./packaging/kamailio-env.sh
# the source package of exactly the installed version (`make deps` fetches it)
KAMAILIO_VERSION  ?= $(shell dpkg-query -W -f='$${Version}' kamailio 2>/dev/null | sed 's/^[0-9]*://; s/-.*//')
KAMAILIO_SRC      ?= $(BUILD)/kamailio-$(KAMAILIO_VERSION)/src

# Read once, when the Makefile is parsed; empty before `make deps` has
# installed kamailio, and then a module build stops with the reason.
KAMAILIO_DEFS    := $(shell $(KAMAILIO_ENV) cflags 2>/dev/null)
kamailio_defs     = $(or $(KAMAILIO_DEFS),$(error cannot read Kamailio's compile flags from \
  $(KAMAILIO_BIN): run 'make deps', or './packaging/kamailio-env.sh cflags' to see why))

# Kamailio's headers do not build cleanly with -Wextra; module glue keeps
# -Wall -Werror, the libraries carry the strict set.
MODULE_CFLAGS = -std=gnu11 -O2 -g -fPIC -Wall -Werror -Wno-unused-function \
  $(kamailio_defs) -I$(KAMAILIO_SRC) -I$(KAMAILIO_SRC)/modules -I.
MODULE_LDFLAGS = -shared -pthread -Wl,-z,relro -Wl,--as-needed

# Kamailio's own libraries (the DB API, libsrdb1) live beside its modules
KAMAILIO_LIBDIR   ?= /usr/lib/$(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)/kamailio
MODULE_LDLIBS      = -L$(KAMAILIO_LIBDIR) -Wl,-rpath,$(KAMAILIO_LIBDIR) -lsrdb1
