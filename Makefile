# postern: one Makefile.  `make` builds build/postern; `make test` installs
# missing Debian packages (as root), then runs the unit and integration
# tests on the normal build and again under ASan+UBSan; `make run` starts
# a demo server in ./data.

PKGS     := openssl sqlite3 libevent_core libevent_openssl libargon2 libxcrypt \
            libcares libcurl jansson libpq
TESTPKGS := cmocka

CC       ?= cc
BUILD    ?= build
OPT      ?= -O2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN     := -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
            -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 \
            -Wno-unused-parameter
CFLAGS   += -std=c17 -D_GNU_SOURCE $(OPT) -g $(WARN) -Isrc $(PKG_CFLAGS) \
            $(EXTRA_CFLAGS)
LDLIBS   += $(PKG_LIBS) -lresolv -lpthread $(EXTRA_LDFLAGS)

# One folder per part (docs/ARCHITECTURE.md); src/helper is built alone.
PARTS    := lib core store queue smtpd server diag cli
SRCS     := $(foreach p,$(PARTS),$(wildcard src/$(p)/*.c))
HDRS     := $(foreach p,$(PARTS),$(wildcard src/$(p)/*.h))
OBJS     := $(SRCS:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/kb_data.o \
            $(BUILD)/obj/console_data.o
LIBOBJS  := $(filter-out $(BUILD)/obj/cli/main.o,$(OBJS))
UNIT_SRCS := $(wildcard test/unit/*_test.c)
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(BUILD)/test/%)
# The store's tests run twice: on SQLite, then on a private PostgreSQL
# (test/integration/pgserver.py; it says so and skips if there is none).
STORE_TESTS := $(filter $(BUILD)/test/store%,$(UNIT_BINS))

PYTHON   := /usr/bin/python3

.PHONY: all test binaries unit integration asan deps run bench soak fuzz \
        valgrind clean layering man install

all: $(BUILD)/postern $(BUILD)/postern-checkpassword man

# Install paths (docs/INSTALL.md).  postern-checkpassword goes beside
# postern: the IMAP supervisor looks for it in the directory of the
# running binary (server/imap.c).  The knowledge base is inside the
# binary (kb.h).
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
UNITDIR  ?= $(PREFIX)/lib/systemd/system
MANPAGES := $(BUILD)/man/postern.conf.5 $(BUILD)/man/postern.8

# The manual pages come from the tables the code uses: the config key
# table (postern.conf(5)) and the command table (postern(8)).
man: $(MANPAGES)

$(BUILD)/man/postern.conf.5: $(BUILD)/postern
	@mkdir -p $(dir $@)
	$(BUILD)/postern manpage 5 > $@.tmp && mv $@.tmp $@

$(BUILD)/man/postern.8: $(BUILD)/postern
	@mkdir -p $(dir $@)
	$(BUILD)/postern manpage 8 > $@.tmp && mv $@.tmp $@

# The unit names the installed binary: written at each install, since
# BINDIR may differ from the last one.
install: $(BUILD)/postern $(BUILD)/postern-checkpassword $(MANPAGES)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 755 $(BUILD)/postern $(BUILD)/postern-checkpassword \
	    $(DESTDIR)$(BINDIR)/
	install -m 644 $(BUILD)/man/postern.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 $(BUILD)/man/postern.8 $(DESTDIR)$(MANDIR)/man8/
	sed 's|@BINDIR@|$(BINDIR)|g' dist/postern.service.in \
	    > $(DESTDIR)$(UNITDIR)/postern.service
	chmod 644 $(DESTDIR)$(UNITDIR)/postern.service

$(BUILD)/postern: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $(OBJS) $(LDFLAGS) $(LDLIBS)

# Dovecot's checkpassword program for IMAP logins: libc only, one exec
# per login (docs/IMAP.md).  Dovecot runs it under its auth process's
# address-space limit, which AddressSanitizer's shadow memory exceeds:
# sanitizer builds give it UBSan only (test_imap.py also runs it alone).
comma := ,
$(BUILD)/postern-checkpassword: src/helper/checkpassword.c | $(BUILD)/obj
	$(CC) $(subst address$(comma),,$(CFLAGS)) -o $@ \
	    src/helper/checkpassword.c $(LDFLAGS) \
	    $(subst address$(comma),,$(EXTRA_LDFLAGS))

$(BUILD)/obj/%.o: src/%.c $(HDRS) | $(BUILD)/obj
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# kb/replies.kb, embedded in the binary as a generated C file (kb.h).
$(BUILD)/obj/kb_data.o: kb/replies.kb scripts/embed.sh | $(BUILD)/obj
	sh scripts/embed.sh kb/replies.kb > $(BUILD)/obj/kb_data.c
	$(CC) $(CFLAGS) -c -o $@ $(BUILD)/obj/kb_data.c

# The web console's files (src/server/console/), embedded the same way
# as a table of {name, type, bytes, length, ETag} (server/console.h).
CONSOLE_FILES := $(sort $(wildcard src/server/console/*))
$(BUILD)/obj/console_data.o: $(CONSOLE_FILES) scripts/embed_console.py \
    src/server/console.h | $(BUILD)/obj
	$(PYTHON) scripts/embed_console.py $(CONSOLE_FILES) \
	    > $(BUILD)/obj/console_data.c
	$(CC) $(CFLAGS) -c -o $@ $(BUILD)/obj/console_data.c

$(BUILD)/test/%: test/unit/%.c $(wildcard test/unit/*.h) $(LIBOBJS) \
    | $(BUILD)/test
	$(CC) $(CFLAGS) $(shell pkg-config --cflags $(TESTPKGS)) \
	    -o $@ $< $(LIBOBJS) $(LDFLAGS) $(LDLIBS) \
	    $(shell pkg-config --libs $(TESTPKGS))

$(BUILD)/obj $(BUILD)/test:
	mkdir -p $@

# The one test command README gives and .ci/run calls.  Builds use both
# cores; the unit tests run one at a time, then the integration suite
# runs on the normal and the sanitizer build side by side, each in its
# own namespaces (scripts/integration-both.sh).
test: deps
	$(MAKE) layering
	$(MAKE) -j2 binaries
	$(MAKE) $(ASAN_VARS) -j2 binaries
	$(MAKE) unit
	$(MAKE) $(ASAN_VARS) POSTERN_TIME_SCALE=4 unit
	sh scripts/integration-both.sh $(abspath $(BUILD)/postern) \
	    $(abspath build-asan/postern)

binaries: $(BUILD)/postern $(BUILD)/postern-checkpassword $(UNIT_BINS)

deps:
	@sh scripts/deps.sh

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done
	@$(PYTHON) test/integration/pgserver.py sh -c 'set -e; \
	    for t in $(STORE_TESTS); do echo "== $$t (PostgreSQL)"; $$t; done'

integration: $(BUILD)/postern $(BUILD)/postern-checkpassword
	sh scripts/integration.sh $(abspath $(BUILD)/postern)

# Same suite under AddressSanitizer and UndefinedBehaviorSanitizer, in a
# separate build directory so the two builds never mix objects.
ASAN_VARS := BUILD=build-asan OPT=-O1 \
	    EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    EXTRA_LDFLAGS="-fsanitize=address,undefined"

asan:
	$(MAKE) $(ASAN_VARS) -j2 binaries
	$(MAKE) $(ASAN_VARS) POSTERN_TIME_SCALE=4 POSTERN_CRASH_CYCLES=20 \
	    unit integration

# The unit tests and part of the integration suite under valgrind's
# memcheck (scripts/valgrind.sh says which and why not in `make test`).
valgrind: deps binaries
	sh scripts/valgrind.sh

# The load generator links OpenSSL only, plus the two pure modules it
# reuses (SMTP reply parser, base64).
LOADGEN_OBJS := $(BUILD)/obj/core/reply.o $(BUILD)/obj/lib/base64.o

$(BUILD)/loadgen: bench/loadgen.c $(LOADGEN_OBJS)
	$(CC) $(CFLAGS) -o $@ bench/loadgen.c $(LOADGEN_OBJS) \
	    $(LDFLAGS) $(shell pkg-config --libs openssl) $(EXTRA_LDFLAGS)

# Speed lives here, never in timed unit tests.  make bench takes about
# 23 minutes (2 of them PostgreSQL against SQLite, bench/pg_ab.py),
# 17 of them the matrix against Postfix, chasquid and
# OpenSMTPD (BENCH_ARGS=--quick for a small one, --target-only for the
# 4 KiB x 64 x 50 point alone, about 2.5); raw results go to
# build/bench.json.
# The folder rules of docs/ARCHITECTURE.md, and a test of the check.
layering:
	$(PYTHON) scripts/layering.py src
	$(PYTHON) scripts/layering.py --self-test src

# The crash test's long form: 500 cycles of 250, kill -9 of the process
# group, restart (docs/BENCHMARKS.md, "Crash soak").
soak: deps $(BUILD)/postern $(BUILD)/postern-checkpassword
	POSTERN_CRASH_CYCLES=500 sh scripts/integration.sh \
	    $(abspath $(BUILD)/postern) -s \
	    test/integration/test_crash.py::test_exactly_once_local_delivery_across_kills

bench: deps all $(BUILD)/loadgen $(BUILD)/osmtpd_shim.so
	$(PYTHON) bench/one_connection.py --count 200 --size 4096 --runs 3
	$(PYTHON) bench/auth_rate.py --conc 4 --duration 10 --tries 200
	$(PYTHON) bench/deliver.py --messages 2000 --size 4096
	$(PYTHON) bench/imap.py --mailboxes 1000 --duration 10 \
	    --poll-seconds 60
	$(PYTHON) bench/metrics_ab.py --duration 5 --reps 3
	$(PYTHON) bench/api_list.py --mailboxes 10000 --requests 200
	$(PYTHON) bench/pg_ab.py --duration 5 --reps 3
	$(PYTHON) bench/pg_ab.py --duration 5 --reps 3 --limit --no-auth
	$(PYTHON) bench/run.py $(BENCH_ARGS)

# LD_PRELOAD shim for the OpenSMTPD peer (bench/osmtpd_shim.c, PEERS.md).
$(BUILD)/osmtpd_shim.so: bench/osmtpd_shim.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -shared -o $@ bench/osmtpd_shim.c \
	    $(shell pkg-config --libs openssl) -ldl

# libFuzzer on the parsers (needs clang: apt-get install clang).
fuzz:
	sh test/fuzz/run.sh /tmp/postern-fuzz $${FUZZ_SECONDS:-60}

run: deps all
	sh scripts/run-demo.sh $(abspath $(BUILD)/postern) data

clean:
	rm -rf build build-asan
