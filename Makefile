# zone: build, test, demo and bench. `make help` lists the targets.
BUILD   ?= build
CC      ?= cc
PREFIX  ?= /usr/local
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
BASE    := -std=gnu11 -D_GNU_SOURCE $(WARN) -Iruntime -I. -MMD -MP -fno-strict-aliasing
# The runtime is linked statically: a container start pays for the dynamic loader and every
# shared library twice (runtime and container init), so none are loaded at all.
STATIC_LIBS := -l:libyajl_s.a -lcap -lseccomp
DYN_LIBS    := -lyajl -lcap -lseccomp
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRC  := $(sort $(wildcard runtime/*.c runtime/light/*.c hooks/*.c))
OCI_SRC  := $(sort $(wildcard cli/zone-oci/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
OCI_OBJ  := $(OCI_SRC:%.c=$(BUILD)/obj/%.o)
ASAN_LIB := $(LIB_SRC:%.c=$(BUILD)/asan/%.o)
ASAN_OCI := $(OCI_SRC:%.c=$(BUILD)/asan/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)

.PHONY: all asan unit deps check check-unit check-integration demo bench install clean format help
all: $(BUILD)/zone-oci

help:
	@echo "make          build $(BUILD)/zone-oci (static)"
	@echo "make check    install deps, build (plain and ASan+UBSan), run unit and integration tests"
	@echo "make demo     install deps, build, run a real zone on a busybox image"
	@echo "make bench    zone-oci vs crun vs runc: run latency and peak RSS"
	@echo "make install  install zone-oci to $(PREFIX)/bin"

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(CFLAGS) -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -O1 -g $(SAN) -c $< -o $@

$(BUILD)/libzone.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libzone-asan.a: $(ASAN_LIB)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/zone-oci: $(OCI_OBJ) $(BUILD)/libzone.a
	$(CC) -static $(CFLAGS) -o $@ $(OCI_OBJ) $(BUILD)/libzone.a $(STATIC_LIBS)

$(BUILD)/asan/zone-oci: $(ASAN_OCI) $(BUILD)/libzone-asan.a
	$(CC) $(SAN) -o $@ $(ASAN_OCI) $(BUILD)/libzone-asan.a $(DYN_LIBS)

asan: $(BUILD)/asan/zone-oci

# Unit tests are built with ASan+UBSan: they exercise parsers and error paths hardest.
$(BUILD)/unit/%: tests/unit/%.c $(BUILD)/libzone-asan.a
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -O1 -g $(SAN) -o $@ $< $(BUILD)/libzone-asan.a $(DYN_LIBS) -lcmocka

unit: $(UNIT_BIN)

deps:
	scripts/install-deps.sh

check: deps
	$(MAKE) all asan unit
	tests/run-all.sh $(BUILD)

check-unit: unit
	tests/run-all.sh --unit-only $(BUILD)

check-integration: all asan
	tests/run-all.sh --integration-only $(BUILD)

demo: deps
	$(MAKE) all
	scripts/demo.sh $(BUILD)/zone-oci

bench: all
	bench/run.sh $(BUILD)/zone-oci

install: all
	install -D -m 0755 $(BUILD)/zone-oci $(DESTDIR)$(PREFIX)/bin/zone-oci

format:
	clang-format -i $(LIB_SRC) $(OCI_SRC) $(UNIT_SRC) $(wildcard runtime/*.h runtime/light/*.h hooks/*.h cli/zone-oci/*.h)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Test and bench helpers (not part of libzone).
$(BUILD)/tests/recvtty: tests/integration/helpers/recvtty.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(CFLAGS) -o $@ $<

$(BUILD)/bench/runbench: bench/runbench.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(CFLAGS) -o $@ $<
