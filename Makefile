# sif: suspend image format support for a xapi-style toolstack.
#
# Sources are found by their place, so a new file needs no edit here:
#   lib/*/*.c restore/*.c      -> libsif (shared + static)
#   schema/*.sql migrations/*.sql -> embedded in libsif
#   schema/xapi/*.schema       -> embedded in libsif (xapi's schemas, for db check)
#   plugin/*.c                 -> one loadable plugin each
#   cli/*.c                    -> the `sif` command
#   tests/test_*.c             -> one cmocka binary each (with tests/support/*.c)
#   tests/plugins/*.c          -> deliberately good and bad plugins for the loader tests
#   tests/gen_*.c              -> fixture generators
#   tests/tool_*.c             -> test and benchmark drivers (e.g. playing xenopsd)
#   tests/fuzz_*.c             -> libFuzzer targets (make fuzz)
#   tests/t_*.sh               -> end-to-end scripts run by make check
# The build tree mirrors an install: bin/, lib/, lib/sif/plugins/,
# libexec/sif/convert-legacy-stream (sif under the name xenopsd runs).

VERSION   := 0.1.0
SOVERSION := 0
PREFIX    ?= /usr/local
DESTDIR   ?=
B         ?= build
CC        ?= cc
V         ?= 0
ifeq ($(V),0)
Q = @
QCC = @echo '  CC      $@';
QLD = @echo '  LD      $@';
else
Q =
QCC =
QLD =
endif

PKGS        := sqlite3 libxml-2.0 json-c ext2fs com_err xencontrol xenguest xenstore zlib
# libxml2 and the Xen libraries are compiled against but loaded on first
# use (lib/statedb/libxml2_load.c, restore/xen_real.c): linked, they would cost every
# sif process ~3.9 MiB and ~1 ms before it does anything.
PKGS_LINKED := sqlite3 json-c ext2fs com_err zlib
PKG_CFLAGS  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    := $(shell pkg-config --libs $(PKGS_LINKED) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Wall -Wextra -Werror \
	-pthread -fPIC -fvisibility=default -Iinclude -Ilib -Itests/support -I$(B)/gen $(PKG_CFLAGS) \
	-DSIF_VERSION='"$(VERSION)"' -DSIF_PREFIX='"$(PREFIX)"' $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) -pthread $(LDFLAGS)

ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

LIB_SRC    := $(sort $(wildcard lib/*/*.c restore/*.c))
SQL_SRC    := $(sort $(wildcard schema/*.sql)) $(sort $(wildcard migrations/*.sql)) \
	$(sort $(wildcard schema/xapi/*.schema))
CLI_SRC    := $(sort $(wildcard cli/*.c))
PLUGIN_SRC := $(sort $(wildcard plugin/*.c))
TEST_SRC   := $(sort $(wildcard tests/test_*.c))
TSUP_SRC   := $(sort $(wildcard tests/support/*.c))
TPLUG_SRC  := $(sort $(wildcard tests/plugins/*.c))
GEN_SRC    := $(sort $(wildcard tests/gen_*.c))
TOOL_SRC   := $(sort $(wildcard tests/tool_*.c))
FUZZ_SRC   := $(sort $(wildcard tests/fuzz_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o) $(B)/obj/gen/sql_embed.o
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/obj/%.o)
TSUP_OBJ := $(TSUP_SRC:%.c=$(B)/obj/%.o)

LIBSIF_A  := $(B)/lib/libsif.a
LIBSIF_SO := $(B)/lib/libsif.so.$(SOVERSION)
SIF_BIN   := $(B)/bin/sif
PLUGINS   := $(PLUGIN_SRC:plugin/%.c=$(B)/lib/sif/plugins/%.so)
TESTS     := $(TEST_SRC:tests/%.c=$(B)/tests/%)
TPLUGINS  := $(TPLUG_SRC:tests/plugins/%.c=$(B)/tests/plugins/%.so)
GENS      := $(GEN_SRC:tests/%.c=$(B)/tests/%)
TOOLS     := $(TOOL_SRC:tests/%.c=$(B)/tests/%)

.SECONDARY:

.PHONY: all check check-run demo demo-run asan bench fuzz fuzz-build install \
	uninstall clean deps deps-demo deps-check deps-bench deps-fuzz crashtest tests \
	check-xen bench-xen

DROPIN    := $(B)/libexec/sif/convert-legacy-stream

all: $(LIBSIF_A) $(LIBSIF_SO) $(B)/lib/libsif.so $(SIF_BIN) $(DROPIN) $(PLUGINS) $(B)/sif.pc

tests: all $(TESTS) $(TPLUGINS) $(GENS) $(TOOLS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(ALL_CFLAGS) $(FILE_CFLAGS) -MMD -MP -c $< -o $@

# Xen's public headers use anonymous unions: GNU C for the files of the
# real backend, which include them.
$(B)/obj/restore/xen_real.o $(B)/obj/restore/xen_real_%.o: FILE_CFLAGS := -std=gnu11

$(B)/gen/sql_embed.c: scripts/embed-sql.sh $(SQL_SRC)
	@mkdir -p $(dir $@)
	$(Q)sh scripts/embed-sql.sh $(SQL_SRC) > $@.tmp && mv $@.tmp $@

$(B)/obj/gen/sql_embed.o: $(B)/gen/sql_embed.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBSIF_A): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(QLD)rm -f $@ && ar rcs $@ $^

$(LIBSIF_SO): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) -shared -Wl,-soname,libsif.so.$(SOVERSION) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -ldl

$(B)/lib/libsif.so: $(LIBSIF_SO)
	$(Q)ln -sf libsif.so.$(SOVERSION) $@

# The command carries libsif in itself: a process start costs ~0.7 ms less
# than through libsif.so (measured), which counts for short conversions.
# libsif.so is built and installed for other programs.  Debian's static
# SQLite, json-c, libext2fs, com_err and zlib go in too: the loader then
# maps libc alone, which halves what a start costs beyond an empty program
# (perf stat task-clock, `convert-legacy-stream --version`) and takes ~0.7
# MiB off the peak RSS; it matters for xenopsd's convert-legacy-stream,
# started once per legacy restore.
SIF_LIBS := -Wl,-Bstatic $(PKG_LIBS) -Wl,-Bdynamic -lm -ldl
$(SIF_BIN): $(CLI_OBJ) $(LIBSIF_A)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(LIBSIF_A) $(SIF_LIBS)

# xenopsd's convert-legacy-stream: sif itself, which dispatches on argv[0].
$(DROPIN): $(SIF_BIN)
	@mkdir -p $(dir $@)
	$(Q)ln -sf ../../bin/sif $@

# Plugins take everything from the host through their entry point; they
# link against nothing of libsif.
$(B)/lib/sif/plugins/%.so: plugin/%.c $(wildcard include/sif/*.h)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(ALL_CFLAGS) -shared $(ALL_LDFLAGS) -o $@ $<

$(B)/tests/plugins/%.so: tests/plugins/%.c $(wildcard include/sif/*.h)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(ALL_CFLAGS) -shared $(ALL_LDFLAGS) -o $@ $<

# The test support encodes base64 (Swtpm records) with glibc's b64_ntop.
$(B)/tests/test_%: $(B)/obj/tests/test_%.o $(TSUP_OBJ) $(LIBSIF_A)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $< $(TSUP_OBJ) $(LIBSIF_A) $(CMOCKA_LIBS) $(PKG_LIBS) -ldl -lresolv

$(B)/tests/gen_%: $(B)/obj/tests/gen_%.o $(TSUP_OBJ) $(LIBSIF_A)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $< $(TSUP_OBJ) $(LIBSIF_A) $(CMOCKA_LIBS) $(PKG_LIBS) -ldl -lresolv

# Drivers stand alone: they play another program's part around sif.
$(B)/tests/tool_%: $(B)/obj/tests/tool_%.o
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $<

$(B)/sif.pc: sif.pc.in Makefile
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

# --- the two commands a new machine needs -------------------------------

# Each target installs (as root) or names the Debian packages it needs, no
# more: see scripts/deps.sh.  `make deps` is all of them.
deps:
	@sh scripts/deps.sh all

deps-%:
	@sh scripts/deps.sh $*

check: deps-check
	@$(MAKE) --no-print-directory check-run

check-run: tests
	@sh tests/run.sh $(B)

demo: deps-demo
	@$(MAKE) --no-print-directory demo-run

demo-run: all $(GENS)
	@sh scripts/demo.sh $(B)

# --- more ----------------------------------------------------------------

asan: deps-check
	@$(MAKE) --no-print-directory B=build-asan SAN=1 CFLAGS='-O1 -g' check-run

# The real backend on a real Xen 4.17 booted under QEMU (tests/xen/run.sh:
# fetches what it needs into $(B)/xen, boots, runs tests/xen/dom0/ in dom0).
check-xen: deps-check
	@$(MAKE) --no-print-directory tests
	@bash tests/xen/run.sh $(B) check

bench-xen: deps-bench
	@$(MAKE) --no-print-directory tests
	@bash tests/xen/run.sh $(B) bench

crashtest: deps-check
	@$(MAKE) --no-print-directory tests
	@SIF_CRASH_KILLS=200 sh tests/crashtest.sh $(B)
	@SIF_BUILD=$(abspath $(B)) SIF=$(abspath $(B))/bin/sif \
		SIF_PLUGIN_DIR=$(abspath $(B))/lib/sif/plugins SIF_CRASH_KILLS=60 \
		sh tests/t_pool_convert_crash.sh

bench: deps-bench
	@$(MAKE) --no-print-directory all $(GENS)
	@sh bench/run.sh $(B)

FUZZ_SECONDS ?= 60
FUZZ_B := build-fuzz
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

fuzz: deps-fuzz
	@$(MAKE) --no-print-directory tests fuzz-build
	@sh tests/fuzz.sh $(FUZZ_B) $(FUZZ_SECONDS) $(B)

fuzz-build:
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=clang SANFLAGS='$(FUZZ_FLAGS)' \
		CFLAGS='-O1 -g' $(FUZZ_SRC:tests/%.c=$(FUZZ_B)/fuzz/%)

$(B)/fuzz/fuzz_%: $(B)/obj/tests/fuzz_%.o $(LIBSIF_A)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(SANFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBSIF_A) $(PKG_LIBS) -ldl

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/sif/plugins \
		$(DESTDIR)$(PREFIX)/libexec/sif \
		$(DESTDIR)$(PREFIX)/include/sif $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(SIF_BIN) $(DESTDIR)$(PREFIX)/bin/sif
	ln -sf ../../bin/sif $(DESTDIR)$(PREFIX)/libexec/sif/convert-legacy-stream
	install -m 755 $(LIBSIF_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libsif.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libsif.so
	install -m 644 $(LIBSIF_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(PLUGINS) $(DESTDIR)$(PREFIX)/lib/sif/plugins/
	install -m 644 include/sif/*.h $(DESTDIR)$(PREFIX)/include/sif/
	install -m 644 $(B)/sif.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 644 docs/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 docs/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/sif $(DESTDIR)$(PREFIX)/lib/libsif.* \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/sif.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/sif $(DESTDIR)$(PREFIX)/lib/sif \
		$(DESTDIR)$(PREFIX)/libexec/sif
	cd docs && for m in *.1; do rm -f $(DESTDIR)$(PREFIX)/share/man/man1/$$m; done
	cd docs && for m in *.7; do rm -f $(DESTDIR)$(PREFIX)/share/man/man7/$$m; done

clean:
	rm -rf build build-asan build-fuzz tests/out bench/out

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
