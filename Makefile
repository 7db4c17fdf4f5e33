# zone: build, test, demo and bench. `make help` lists the targets.
BUILD   ?= build
CC      ?= cc
PREFIX  ?= /usr/local
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
BASE    := -std=gnu11 -D_GNU_SOURCE $(WARN) -Iruntime -I. -I/usr/include/libnl3 -MMD -MP \
           -fno-strict-aliasing
# The runtime is linked statically: a container start pays for the dynamic loader and every
# shared library twice (runtime and container init), so none are loaded at all.
STATIC_LIBS := -l:libyajl_s.a -lcap -lseccomp -lnettle -l:libcgroup.a
DYN_LIBS    := -lyajl -lcap -lseccomp -lnettle -lcgroup
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRC  := $(sort $(wildcard runtime/*.c runtime/light/*.c runtime/cgroups/*.c runtime/vm/*.c \
			hooks/*.c))
OCI_SRC  := $(sort $(wildcard cli/zone-oci/*.c cli/common/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
# The image library (images/) and the zone CLI: linked dynamically (libarchive, libelf), they
# are not on a zone's start path.
IMG_SRC  := $(sort $(wildcard images/*.c images/build/*.c))
ZONE_SRC := $(sort $(wildcard cli/zone/*.c cli/common/*.c))
IMG_LIBS := -larchive -lelf
# Zone networking (netns/): libnl and libnftables, for the zone CLI and the network hook.
NET_SRC  := $(sort $(wildcard netns/*.c))
# libnftables is not linked: netns/nat.c loads it (dlopen) when a rule changes.
NET_LIBS := -lnl-route-3 -lnl-3
HOOK_SRC := $(sort $(wildcard hooks/net/*.c))
# Zones as the zone CLI manages them (runtime/zones/): definitions, lifecycle, the monitor's
# loop. Not in libzone.a (it uses images/); the monitor links only the parts that need libzone.
ADMIN_SRC := $(sort $(wildcard runtime/zones/*.c))
MON_SRC  := cli/zone-monitor/main.c
# The monitor while its zone runs: these files only (no libzone, no libc: nolibc.c), to stay small.
FOLLOW_SRC := cli/zone-monitor/follow.c cli/zone-monitor/nolibc.c runtime/zones/zones_log_writer.c \
              runtime/zones/zones_follow.c

# zone-exec (runtime/light/trampoline/) is a separate tiny program carried inside libzone.
BLOB     := runtime/light/trampoline/blob.S
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BLOB:%.S=$(BUILD)/obj/%.o)
OCI_OBJ  := $(OCI_SRC:%.c=$(BUILD)/obj/%.o)
ASAN_LIB := $(LIB_SRC:%.c=$(BUILD)/asan/%.o) $(BLOB:%.S=$(BUILD)/asan/%.o)
ASAN_OCI := $(OCI_SRC:%.c=$(BUILD)/asan/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
IMG_OBJ  := $(IMG_SRC:%.c=$(BUILD)/obj/%.o)
ZONE_OBJ := $(ZONE_SRC:%.c=$(BUILD)/obj/%.o)
ASAN_IMG := $(IMG_SRC:%.c=$(BUILD)/asan/%.o)
ASAN_ZONE := $(ZONE_SRC:%.c=$(BUILD)/asan/%.o)
NET_OBJ  := $(NET_SRC:%.c=$(BUILD)/obj/%.o)
ASAN_NET := $(NET_SRC:%.c=$(BUILD)/asan/%.o)
HOOK_OBJ := $(HOOK_SRC:%.c=$(BUILD)/obj/%.o)
ADMIN_OBJ := $(ADMIN_SRC:%.c=$(BUILD)/obj/%.o)
ASAN_ADMIN := $(ADMIN_SRC:%.c=$(BUILD)/asan/%.o)
MON_OBJ  := $(MON_SRC:%.c=$(BUILD)/obj/%.o)
FOLLOW_OBJ := $(FOLLOW_SRC:%.c=$(BUILD)/obj/%.o)
ASAN_HOOK := $(HOOK_SRC:%.c=$(BUILD)/asan/%.o)

.PHONY: all asan unit deps check check-unit check-integration demo bench install clean format help
.PHONY: fuzz fuzz-build check-fuzz check-guest
all: $(BUILD)/zone-oci $(BUILD)/zone $(BUILD)/zone-monitor $(BUILD)/zone-monitor-follow $(if $(HOOK_SRC),$(BUILD)/zone-net-hook)

help:
	@echo "make          build $(BUILD)/zone-oci (static)"
	@echo "make check    install deps, build (plain and ASan+UBSan), run unit and integration tests"
	@echo "make demo     install deps, build, run a light and an emulated zone on a busybox image"
	@echo "make bench    zone-oci vs crun vs runc: run latency and peak RSS, plain, with seccomp, emulated vs bare QEMU"
	@echo "make fuzz     run every fuzz target for FUZZ_SECONDS (default 300) each"
	@echo "make guest-kernel  build the zone kernel (kernel-patches/guest/) into $(BUILD)/vm/zone-kernel, used by vm zones once built"
	@echo "make kernel-check  build the kernel with the zone-aware /proc patches (kernel-patches/host/), boot it, test it"
	@echo "make install  install zone and zone-oci (with its zone-oci-vm, zone-oci-emulated links) to $(PREFIX)/bin"

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(CFLAGS) -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -O1 -g $(SAN) -c $< -o $@

$(BUILD)/trampoline/zone-exec: runtime/light/trampoline/main.c runtime/light/sync.h \
		runtime/raw_syscall.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 $(WARN) -static -nostdlib -fno-stack-protector -fno-builtin \
		-fno-pie -no-pie -fcf-protection=none -Wl,--build-id=none -s -o $@ $<

$(BUILD)/obj/%.o: %.S $(BUILD)/trampoline/zone-exec
	@mkdir -p $(dir $@)
	$(CC) -c -I$(BUILD)/trampoline -o $@ $<

$(BUILD)/asan/%.o: %.S $(BUILD)/trampoline/zone-exec
	@mkdir -p $(dir $@)
	$(CC) -c -I$(BUILD)/trampoline -o $@ $<

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

$(BUILD)/libzone-images.a: $(IMG_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libzone-images-asan.a: $(ASAN_IMG)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libzone-net.a: $(NET_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libzone-net-asan.a: $(ASAN_NET)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libzone-admin.a: $(ADMIN_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libzone-admin-asan.a: $(ASAN_ADMIN)
	@rm -f $@
	ar rcs $@ $^

ZONE_LIBS := $(IMG_LIBS) $(NET_LIBS) $(DYN_LIBS)

$(BUILD)/zone: $(ZONE_OBJ) $(BUILD)/libzone-admin.a $(BUILD)/libzone-images.a \
		$(BUILD)/libzone-net.a $(BUILD)/libzone.a
	$(CC) $(CFLAGS) -o $@ $(ZONE_OBJ) $(BUILD)/libzone-admin.a $(BUILD)/libzone-images.a \
		$(BUILD)/libzone-net.a $(BUILD)/libzone.a $(ZONE_LIBS)

$(BUILD)/asan/zone: $(ASAN_ZONE) $(BUILD)/libzone-admin-asan.a $(BUILD)/libzone-images-asan.a \
		$(BUILD)/libzone-net-asan.a $(BUILD)/libzone-asan.a
	$(CC) $(SAN) -o $@ $(ASAN_ZONE) $(BUILD)/libzone-admin-asan.a $(BUILD)/libzone-images-asan.a \
		$(BUILD)/libzone-net-asan.a $(BUILD)/libzone-asan.a $(ZONE_LIBS)

# The monitor of booted zones (cli/zone-monitor/): static and small, one per running zone;
# from libzone-admin.a it takes only the monitor's loop and what that needs (no images).
$(BUILD)/zone-monitor: $(MON_OBJ) $(BUILD)/libzone-admin.a $(BUILD)/libzone.a
	$(CC) -static $(CFLAGS) -o $@ $(MON_OBJ) $(BUILD)/libzone-admin.a $(BUILD)/libzone.a \
		$(STATIC_LIBS)

# What the monitor execs while its zone runs (cli/zone-monitor/follow.c): static, no libc
# (nolibc.c has the system calls), found beside zone-monitor (the ASan builds use it too).
# nolibc.c's memset/memcpy must not become calls to themselves.
$(BUILD)/obj/cli/zone-monitor/nolibc.o: CFLAGS += -fno-tree-loop-distribute-patterns
$(BUILD)/zone-monitor-follow: $(FOLLOW_OBJ)
	$(CC) -static -nostdlib -fno-pie -no-pie -Wl,--build-id=none $(CFLAGS) -o $@ $(FOLLOW_OBJ)

# The network hook (hooks/net/): any OCI runtime can run it as a createRuntime/poststop hook.
# It runs twice per zone start: libnl and yajl are linked in, so only libc is loaded with it
# (libnftables is dlopen'd when a zone publishes ports); that saves ~1 ms per exec.
$(BUILD)/zone-net-hook: $(HOOK_OBJ) $(BUILD)/libzone-net.a $(BUILD)/libzone.a
	$(CC) $(CFLAGS) -o $@ $(HOOK_OBJ) $(BUILD)/libzone-net.a $(BUILD)/libzone.a \
		-l:libnl-route-3.a -l:libnl-3.a -l:libyajl_s.a

$(BUILD)/asan/zone-net-hook: $(ASAN_HOOK) $(BUILD)/libzone-net-asan.a $(BUILD)/libzone-asan.a
	$(CC) $(SAN) -o $@ $(ASAN_HOOK) $(BUILD)/libzone-net-asan.a $(BUILD)/libzone-asan.a \
		$(NET_LIBS) $(DYN_LIBS)

asan: $(BUILD)/asan/zone-oci $(BUILD)/asan/zone $(BUILD)/zone-monitor $(BUILD)/zone-monitor-follow $(if $(HOOK_SRC),$(BUILD)/asan/zone-net-hook)

# Unit tests are built with ASan+UBSan: they exercise parsers and error paths hardest.
$(BUILD)/unit/%: tests/unit/%.c $(BUILD)/libzone-admin-asan.a $(BUILD)/libzone-images-asan.a \
		$(BUILD)/libzone-net-asan.a $(BUILD)/libzone-asan.a
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -O1 -g $(SAN) -o $@ $< $(BUILD)/libzone-admin-asan.a $(BUILD)/libzone-images-asan.a \
		$(BUILD)/libzone-net-asan.a $(BUILD)/libzone-asan.a $(ZONE_LIBS) -lcmocka

unit: $(UNIT_BIN)

deps:
	scripts/install-deps.sh

# Fuzz targets (libFuzzer): clang, with the library sources they reach built again with the
# same sanitizers and coverage (only those, so a clang-only warning elsewhere cannot stop
# them). The seccomp target waits for its translation unit to exist.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 300
FUZZ_SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_SECCOMP := $(wildcard runtime/light/seccomp*.c)
FUZZ_SRC     := tests/fuzz/fuzz_spec.c $(if $(wildcard runtime/light/seccomp.c),tests/fuzz/fuzz_seccomp.c)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_LIB_SRC := runtime/err.c runtime/log.c runtime/util.c runtime/spec.c runtime/spec_write.c \
                runtime/spec_default.c $(FUZZ_SECCOMP)
FUZZ_LIB     := $(FUZZ_LIB_SRC:%.c=$(BUILD)/fuzz/obj/%.o)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASE) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/libzone-fuzz.a: $(FUZZ_LIB)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzz/libzone-fuzz.a
	$(FUZZ_CC) $(BASE) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(BUILD)/fuzz/libzone-fuzz.a $(DYN_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS)

# The short fuzz run `make check` does (30 s a target), counted by run-all.sh.
check-fuzz: fuzz-build
	tests/run-all.sh --fuzz-only $(BUILD)

check: deps
	$(MAKE) all asan unit fuzz-build vm
	tests/run-all.sh $(BUILD)

check-unit: unit
	tests/run-all.sh --unit-only $(BUILD)

check-integration: all asan vm
	tests/run-all.sh --integration-only $(BUILD)

# The pure cgroup v2 path in a QEMU TCG guest (also part of check-integration).
check-guest: all
	tests/guest/run.sh $(BUILD)

# The zone-aware /proc patches (kernel-patches/host/): builds the patched kernel and boots it
# under QEMU TCG to run light zones in it (tests/kernel/). Not part of `make check`.
.PHONY: kernel-check
kernel-check: all
	scripts/install-deps.sh --kernel
	tests/kernel/run.sh $(BUILD)

# The default image from the host's busybox, a light and an emulated zone on it.
demo: deps
	$(MAKE) all vm
	scripts/demo.sh $(BUILD)

bench: all vm
	bench/run.sh $(BUILD)/zone-oci
	bench/seccomp.sh $(BUILD)/zone-oci
	bench/vm.sh $(BUILD)/zone-oci
	bench/cli.sh $(BUILD)

# zone-oci-vm and zone-oci-emulated select their zone type by name alone, so a containerd
# runtime handler (and a Kubernetes RuntimeClass) can pick one with nothing but a binary path.
install: all
	install -D -m 0755 $(BUILD)/zone-oci $(DESTDIR)$(PREFIX)/bin/zone-oci
	install -D -m 0755 $(BUILD)/zone $(DESTDIR)$(PREFIX)/bin/zone
	install -D -m 0755 $(BUILD)/zone-monitor $(DESTDIR)$(PREFIX)/bin/zone-monitor
	install -D -m 0755 $(BUILD)/zone-monitor-follow $(DESTDIR)$(PREFIX)/bin/zone-monitor-follow
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	$(BUILD)/zone completion bash >$(DESTDIR)$(PREFIX)/share/bash-completion/completions/zone
	if [ -f $(BUILD)/zone-net-hook ]; then \
		install -D -m 0755 $(BUILD)/zone-net-hook $(DESTDIR)$(PREFIX)/bin/zone-net-hook; fi
	ln -sf zone-oci $(DESTDIR)$(PREFIX)/bin/zone-oci-vm
	ln -sf zone-oci $(DESTDIR)$(PREFIX)/bin/zone-oci-emulated
	if [ -f $(VM_DIR)/vmlinuz ]; then \
		install -D -m 0644 $(VM_DIR)/vmlinuz $(DESTDIR)$(PREFIX)/lib/zone/vm/vmlinuz; \
		install -D -m 0644 $(VM_DIR)/initramfs.cpio.gz $(DESTDIR)$(PREFIX)/lib/zone/vm/initramfs.cpio.gz; \
	fi
	if [ -f $(ZK_DIR)/bzImage ]; then \
		install -D -m 0644 $(ZK_DIR)/bzImage $(DESTDIR)$(PREFIX)/lib/zone/vm/zone-kernel/bzImage; \
		install -D -m 0644 $(ZK_DIR)/initramfs.cpio.gz \
			$(DESTDIR)$(PREFIX)/lib/zone/vm/zone-kernel/initramfs.cpio.gz; \
	fi

format:
	clang-format -i $(LIB_SRC) $(OCI_SRC) $(IMG_SRC) $(ZONE_SRC) $(NET_SRC) $(HOOK_SRC) \
		$(ADMIN_SRC) $(MON_SRC) runtime/zones/*.h \
		$(UNIT_SRC) $(wildcard runtime/*.h runtime/*/*.h hooks/*.h hooks/*/*.h cli/*/*.h \
		images/*.h images/build/*.h netns/*.h)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)

# Test and bench helpers (not part of libzone).
$(BUILD)/tests/recvtty: tests/integration/helpers/recvtty.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(CFLAGS) -o $@ $<

$(BUILD)/bench/runbench: bench/runbench.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(CFLAGS) -o $@ $<

# The attacker's side of tests/integration/security.bats; static so it runs in any image.
$(BUILD)/tests/zone-attack: tests/integration/helpers/zone-attack.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(CFLAGS) -static -o $@ $<

$(BUILD)/tests/zone-attack-ld: tests/integration/helpers/zone-attack-ld.c runtime/raw_syscall.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -O2 -static -nostdlib -fno-stack-protector -fno-builtin -o $@ $<

$(BUILD)/tests/seccomp-listener: tests/integration/helpers/seccomp-listener.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(CFLAGS) -o $@ $<

# No libc: x32 has no runtime on Debian, and the program makes only its one call.
$(BUILD)/tests/x32-call: tests/integration/helpers/x32-call.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -O2 -static -nostdlib -fno-stack-protector -fno-builtin -o $@ $<

# The guest of vm and emulated zones (runtime/vm/README.md): Debian's kernel, fetched once,
# and an initramfs with the agent (static, linked with libzone) and the modules it loads.
# zone-oci finds them in $(BUILD)/vm/ (beside it, or beside its asan/ sibling).
VM_DIR     := $(BUILD)/vm
AGENT_SRC  := $(sort $(wildcard runtime/vm/agent/*.c))
.PHONY: vm
vm: $(VM_DIR)/vmlinuz $(VM_DIR)/initramfs.cpio.gz

$(VM_DIR)/kernel/vmlinuz: runtime/vm/fetch-kernel.sh
	runtime/vm/fetch-kernel.sh $(VM_DIR)/kernel

$(VM_DIR)/vmlinuz: $(VM_DIR)/kernel/vmlinuz
	cp $< $@

$(VM_DIR)/agent: $(AGENT_SRC) $(wildcard runtime/vm/agent/*.h runtime/vm/proto.h) $(BUILD)/libzone.a
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(CFLAGS) -static -o $@ $(AGENT_SRC) $(BUILD)/libzone.a $(STATIC_LIBS)

$(VM_DIR)/initramfs.cpio.gz: $(VM_DIR)/agent $(VM_DIR)/kernel/vmlinuz
	rm -rf $(VM_DIR)/initramfs && mkdir -p $(VM_DIR)/initramfs/lib
	cp $(VM_DIR)/agent $(VM_DIR)/initramfs/init
	cp -r $(VM_DIR)/kernel/modules $(VM_DIR)/initramfs/lib/modules
	(cd $(VM_DIR)/initramfs && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >$@.tmp
	mv $@.tmp $@

# The zone kernel (kernel-patches/guest/): Debian's linux-source-6.1 with everything the
# guest uses built in. Not part of `make vm` or `make check` (a build takes minutes); once
# built, zone-oci prefers it, with its own initramfs: the agent alone, no modules.
ZK_DIR := $(VM_DIR)/zone-kernel
.PHONY: guest-kernel
guest-kernel: $(VM_DIR)/agent
	scripts/install-deps.sh --kernel
	kernel-patches/build.sh --config kernel-patches/guest/zone-guest.config \
		--patches kernel-patches/guest $(ZK_DIR)
	$(MAKE) $(ZK_DIR)/initramfs.cpio.gz

$(ZK_DIR)/initramfs.cpio.gz: $(VM_DIR)/agent
	rm -rf $(ZK_DIR).initramfs && mkdir -p $(ZK_DIR).initramfs
	cp $(VM_DIR)/agent $(ZK_DIR).initramfs/init
	(cd $(ZK_DIR).initramfs && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >$@.tmp
	mv $@.tmp $@
	rm -rf $(ZK_DIR).initramfs

# A new agent reaches the zone kernel's initramfs too, once that kernel is built.
vm: $(if $(wildcard $(ZK_DIR)/bzImage),$(ZK_DIR)/initramfs.cpio.gz)
