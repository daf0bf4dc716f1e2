# SylkServer-class RTC server as Kamailio modules.
#
#   make deps    install Debian packages, fetch Kamailio headers
#   make         build the libraries and the modules
#   make run     start rtpengine + kamailio on the zero-configuration defaults
#   make test    deps + build + unit tests (ASan/UBSan) + fuzz smoke + integration
#   make bench   benchmarks beside their peers (not part of CI)

BUILD   ?= build
CC      ?= gcc
CLANG   ?= clang
PYTHON  ?= /usr/bin/python3
FUZZ_SECONDS ?= 20

include modules/kamailio.mk

# in link order: conference uses the base layer in sylk_ws/base/
LIBRARIES := conference sylk_ws
# Each library's external dependencies (pkg-config names).
sylk_ws_PKGS    := openssl json-c libxml-2.0 zlib sqlite3
conference_PKGS := libxml-2.0 openssl opus spandsp

LIB_CFLAGS  = -I. -std=gnu11 -O2 -g -fPIC -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
SAN_FLAGS   = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
pkg_cflags  = $(shell pkg-config --cflags $(1) 2>/dev/null)
pkg_libs    = $(shell pkg-config --libs $(1) 2>/dev/null)
ALL_PKGS    = $(sort $(foreach l,$(LIBRARIES),$($(l)_PKGS)))

# a library's sources, in its topic folders too (sylk_ws/ws/, conference/msrp/, ...)
lib_srcs    = $(wildcard $(1)/*.c $(1)/*/*.c)
lib_objs    = $(patsubst %.c,$(BUILD)/obj/%.o,$(call lib_srcs,$(1)))
lib_asan    = $(patsubst %.c,$(BUILD)/asan/%.o,$(call lib_srcs,$(1)))

MODULES      := $(filter-out common,$(notdir $(patsubst %/,%,$(dir $(wildcard modules/*/*.c)))))
MODULE_SOS   := $(patsubst %,$(BUILD)/modules/%.so,$(sort $(MODULES)))
# modules that exist only for the tests (e.g. a subprotocol handler)
TEST_MODULES := $(notdir $(patsubst %/,%,$(dir $(wildcard tests/modules/*/*.c))))
TEST_MODULE_SOS := $(patsubst %,$(BUILD)/test-modules/%.so,$(TEST_MODULES))
STATIC_LIBS  := $(patsubst %,$(BUILD)/lib%.a,$(LIBRARIES))
ASAN_LIBS    := $(patsubst %,$(BUILD)/asan/lib%.a,$(LIBRARIES))

UNIT_SRCS    := $(wildcard tests/unit/*/test_*.c)
UNIT_BINS    := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))

.PHONY: all deps libs modules test-modules check-module-flags run test unit fuzz fuzz-smoke \
        integration bench bench-tools bench-deps clean
.DELETE_ON_ERROR:

all: libs modules check-module-flags

deps:
	./packaging/install-deps.sh $(BUILD)

$(KAMAILIO_SRC)/core/sr_module.h:
	@echo "Kamailio headers missing: run 'make deps'" >&2; exit 1

# ---- Kamailio-free libraries -------------------------------------------------

libs: $(STATIC_LIBS)

# -MMD: each object knows the headers it includes (the .d files below)
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(LIB_CFLAGS) -MMD -MP $(call pkg_cflags,$(ALL_PKGS)) -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC san  $<"
	@$(CC) $(LIB_CFLAGS) -MMD -MP -O1 $(SAN_FLAGS) $(call pkg_cflags,$(ALL_PKGS)) -c $< -o $@

-include $(shell find $(BUILD)/obj $(BUILD)/asan -name '*.d' 2>/dev/null)

define library_rules
$(BUILD)/lib$(1).a: $(call lib_objs,$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
$(BUILD)/asan/lib$(1).a: $(call lib_asan,$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LIBRARIES),$(eval $(call library_rules,$(l))))

# ---- Kamailio modules ----------------------------------------------------------

modules: $(MODULE_SOS)

define module_rules
$(BUILD)/modules/$(1).so: $(wildcard modules/$(1)/*.c) $(wildcard modules/$(1)/*.h) $(wildcard modules/common/*) $(wildcard sylk_ws/*.h sylk_ws/*/*.h conference/*.h conference/*/*.h) $(STATIC_LIBS) modules/kamailio.mk packaging/kamailio-env.sh | $(KAMAILIO_SRC)/core/sr_module.h
	@mkdir -p $$(dir $$@)
	@echo "  MODULE  $$@"
	@$(CC) $$(MODULE_CFLAGS) -DMOD_NAME='"$(1)"' $(call pkg_cflags,$(ALL_PKGS)) \
	  $(wildcard modules/$(1)/*.c) $(wildcard modules/common/*.c) -o $$@ $(MODULE_LDFLAGS) $$(MODULE_LDLIBS) \
	  $(STATIC_LIBS) $(call pkg_libs,$(ALL_PKGS))
endef
$(foreach m,$(sort $(MODULES)),$(eval $(call module_rules,$(m))))

$(BUILD)/test-modules/%.so: tests/modules/%/*.c modules/kamailio.mk packaging/kamailio-env.sh | $(KAMAILIO_SRC)/core/sr_module.h
	@mkdir -p $(dir $@)
	@echo "  MODULE  $@"
	@$(CC) $(MODULE_CFLAGS) -DMOD_NAME='"$*"' $(wildcard tests/modules/$*/*.c) -o $@ $(MODULE_LDFLAGS)

test-modules: $(TEST_MODULE_SOS)

# The loader refuses a module whose compile-flags string or version string
# ("kamailio 5.6.3 (x86_64/linux)") differs from the core's; catch that here
# rather than at server start.
check-module-flags: $(MODULE_SOS)
	@want="$$(strings $(KAMAILIO_BIN) | grep -m1 '^USE_TCP')"; \
	version="$$($(KAMAILIO_BIN) -v | sed -n 's/^version: *\(.*[^ ]\) *$$/\1/p')"; \
	for so in $(MODULE_SOS); do \
	  got="$$(strings $$so | grep -m1 '^USE_TCP')"; \
	  if [ "$$got" != "$$want" ]; then \
	    echo "ERROR: $$so compile flags differ from $(KAMAILIO_BIN)" >&2; \
	    echo "  module: $$got" >&2; echo "  kamailio: $$want" >&2; exit 1; \
	  fi; \
	  if ! strings $$so | grep -qxF "$$version"; then \
	    echo "ERROR: $$so lacks the version string of $(KAMAILIO_BIN): $$version" >&2; exit 1; \
	  fi; \
	done; echo "module flags and version match $(KAMAILIO_BIN) ($(words $(MODULE_SOS)) modules: $$version)"

# ---- Running -------------------------------------------------------------------

# deps first, then a fresh make: the Kamailio version is read when the
# Makefile is parsed, so it must be installed by then.
run: deps
	$(MAKE) all
	./packaging/run-server.sh $(BUILD)

# three nodes and their shared PostgreSQL on this machine (docs/CLUSTER.md)
.PHONY: cluster
cluster: deps
	$(MAKE) all
	./packaging/run-cluster.sh $(BUILD)

# ---- Tests ---------------------------------------------------------------------

# builds use every core (the steps that run tests run one at a time)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

test: deps
	$(MAKE) -j$(JOBS) all test-modules bench-tools $(UNIT_BINS) $(FUZZ_BINS)
	$(MAKE) docs-check
	$(MAKE) unit
	$(MAKE) web-test
	$(MAKE) fuzz-smoke
	$(MAKE) integration

$(BUILD)/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(ASAN_LIBS)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(LIB_CFLAGS) -O1 $(SAN_FLAGS) -I. -Itests/unit $(call pkg_cflags,$(ALL_PKGS)) \
	  $< -o $@ $(ASAN_LIBS) $(call pkg_libs,$(ALL_PKGS)) -lm

unit: $(UNIT_BINS)
	@test -n "$(UNIT_BINS)" || { echo "no unit tests found" >&2; exit 1; }
	@fail=0; for t in $(UNIT_BINS); do \
	  echo "== $$t"; \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    $$t || fail=1; \
	done; exit $$fail

# the demo web app's client module (web/lib/sylkrtc.mjs): Node's own test
# runner against a fake WebSocket and RTCPeerConnection (Debian's nodejs)
.PHONY: web-test
web-test:
	node --test web/test/

# libFuzzer targets: the library sources compiled once with clang's
# coverage instrumentation (fuzzer-no-link), each target linked against them.
FUZZ_FLAGS   = -g -O1 -I. $(call pkg_cflags,$(ALL_PKGS))
FUZZ_LIBOBJS = $(patsubst %.c,$(BUILD)/fuzzobj/%.o,$(foreach l,$(LIBRARIES),$(call lib_srcs,$(l))))

$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	@$(CLANG) $(FUZZ_FLAGS) -MMD -MP -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

-include $(shell find $(BUILD)/fuzzobj -name '*.d' 2>/dev/null)
# kept between runs, not removed as intermediate files
.SECONDARY: $(FUZZ_LIBOBJS)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined $< $(FUZZ_LIBOBJS) -o $@ \
	  $(call pkg_libs,$(ALL_PKGS)) -lm

fuzz: $(FUZZ_BINS)

# Each fuzzer runs for a bounded time in CI, starting from its seed corpus,
# two at a time (tests/fuzz/smoke.sh).
fuzz-smoke: $(FUZZ_BINS)
	@./tests/fuzz/smoke.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_BINS)

integration: all test-modules bench-tools
	cd tests/integration && BUILD_DIR=$(abspath $(BUILD)) $(PYTHON) -m pytest -v -p no:cacheprovider \
	  --junitxml=$(abspath $(BUILD))/integration.xml .
	@$(PYTHON) tests/check_junit.py $(BUILD)/integration.xml

# ---- Benchmarks ----------------------------------------------------------------

# The load generator (tests/bench/sylkload.c and its modes): built for CI,
# which runs it briefly as a smoke test (tests/integration/test_bench_smoke.py).
# sylkload's own sources only: other tools of tests/bench/ have their own main()
BENCH_SRCS  := tests/bench/sylkload.c tests/bench/wsconn.c $(wildcard tests/bench/mode_*.c)
# stand-alone media tools of tests/bench/bench_media.py: not part of sylkload
MEDIA_TOOLS := $(BUILD)/bench/msrpflood $(BUILD)/bench/rtpfeed
BENCH_SRCS  := $(filter-out tests/bench/msrpflood.c tests/bench/rtpfeed.c,$(BENCH_SRCS))
BENCH_PKGS  := libwebsockets libuv openssl json-c
SYLKLOAD    := $(BUILD)/bench/sylkload

bench-tools: $(SYLKLOAD)

$(SYLKLOAD): $(BENCH_SRCS) $(wildcard tests/bench/*.h) $(BUILD)/libsylk_ws.a
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(LIB_CFLAGS) -Itests/bench $(call pkg_cflags,$(BENCH_PKGS)) $(BENCH_SRCS) -o $@ \
	  $(BUILD)/libsylk_ws.a $(call pkg_libs,$(BENCH_PKGS))

# msrpflood (MSRP chat fan-out) and rtpfeed (RTP generator), libc only
bench-tools: $(MEDIA_TOOLS)
$(MEDIA_TOOLS): $(BUILD)/bench/%: tests/bench/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(LIB_CFLAGS) $< -o $@

# Starts its own rtpengine and kamailio instances on free loopback ports and
# writes docs/BENCHMARKS.md and docs/bench/*.csv. Not part of CI.
# The peers and the plotting tool come from Debian, installed here only
# (never by `make test`): Janus (SIP plugin, WebSocket transport), gnuplot.
BENCH_ARGS ?=
BENCH_DEBS  := janus gnuplot-nox
bench-deps:
	@missing=$$(for p in $(BENCH_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "  APT     $$missing"; \
	  sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing \
	    || { $$sudo apt-get update -q && $$sudo env DEBIAN_FRONTEND=noninteractive \
	         apt-get install -y -q --no-install-recommends $$missing; }; \
	fi

bench: all bench-tools bench-deps
	BUILD_DIR=$(abspath $(BUILD)) $(PYTHON) tests/bench/run_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(BUILD)/obj $(BUILD)/asan $(BUILD)/unit $(BUILD)/fuzz $(BUILD)/fuzzobj $(BUILD)/modules $(BUILD)/bench $(BUILD)/*.a

# ---- Module documentation --------------------------------------------------------

# every parameter, function, RPC command and statistic in a module's export
# tables is documented in its README.md (packaging/docs-check.py)
.PHONY: docs-check
docs-check:
	$(PYTHON) packaging/docs-check.py

# ---- Debian packages ---------------------------------------------------------------

# kamailio-sylk-modules and sylk-kamailio-server from debian/, into
# $(BUILD)/deb/, lintian-checked (packaging/build-deb.sh)
.PHONY: deb
deb:
	./packaging/build-deb.sh $(BUILD)

# ---- Licence lines ---------------------------------------------------------------

# every source file starts with its SPDX-License-Identifier line (LICENSE)
.PHONY: spdx spdx-check
spdx-check:
	./packaging/spdx-check.sh
spdx:
	./packaging/spdx-check.sh --write
