#!/usr/bin/env bash
# Emulated zones against their floor, side by side in one loop: (a) the floor, a bare QEMU
# boot with the zone's own command line (same kernel, machine, memory, devices) but an
# initramfs whose init reboots at once; (b) `zone-oci run` of /bin/true in a busybox bundle
# annotated org.zone.type=emulated; (c) the same bundle as a light zone.
# usage: bench/vm.sh PATH/TO/zone-oci   (BENCH_N iterations, default 20; needs root, QEMU and
# the guest that `make vm` builds beside zone-oci)
# BENCH_KERNEL=compare: instead, the guest kernels side by side: emulated zones booting
# Debian's kernel (make vm) and the zone kernel (make guest-kernel) in turn, each chosen with
# the annotations org.zone.vm.kernel and org.zone.vm.initrd, with the supervisor's milestones.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 PATH/TO/zone-oci" >&2; exit 2; }
zone=$(realpath "$1")
n=${BENCH_N:-20}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(dirname "$zone")
[ "${build##*/}" = asan ] && build=$(dirname "$build") # BUILD/asan/zone-oci
if ! [ -f "$build/vm/vmlinuz" ] || ! [ -f "$build/vm/initramfs.cpio.gz" ]; then
	echo "bench: no guest in $build/vm: make vm BUILD=$build builds it" >&2
	exit 1
fi

# The helpers are built here, not by make: they are this script's alone.
helper_cc() { # helper_cc OUT SRC FLAGS...: compile when the source is newer
	local out=$1 src=$2
	shift 2
	[ "$out" -nt "$src" ] && return 0
	mkdir -p "$(dirname "$out")"
	${CC:-cc} -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 "$@" -o "$out" "$src"
}
vmbench=$build/bench/vmbench
helper_cc "$vmbench" "$top/bench/vmbench.c"
helper_cc "$build/bench/vm-floor-init" "$top/bench/vm-floor-init.c" \
	-static -nostdlib -fno-stack-protector -fno-builtin
floor_initrd=$build/bench/vm-floor.cpio.gz
if ! [ "$floor_initrd" -nt "$build/bench/vm-floor-init" ]; then
	rm -rf "$build/bench/vm-floor" && mkdir -p "$build/bench/vm-floor"
	cp "$build/bench/vm-floor-init" "$build/bench/vm-floor/init"
	(cd "$build/bench/vm-floor" && echo init | busybox cpio -o -H newc 2>/dev/null | gzip -1) \
		>"$floor_initrd"
fi

# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
bench_setup
mem_cg=/sys/fs/cgroup/memory$cg # where QEMU lives while a zone runs (v1 memory hierarchy)
[ -d /sys/fs/cgroup/memory ] || mem_cg=/sys/fs/cgroup$cg
rootfs_bin=$bundle/rootfs/bin/busybox
bench_config '.'
cp "$bundle/config.json" "$work/config-light.json"
bench_config '.annotations["org.zone.type"] = "emulated"'
cp "$bundle/config.json" "$work/config-emulated.json"
if [ "${BENCH_KERNEL:-}" = compare ]; then
	[ -f "$build/vm/zone-kernel/bzImage" ] ||
		{ echo "bench: no zone kernel in $build/vm: make guest-kernel BUILD=$build builds it" >&2; exit 1; }
	for k in debian:vmlinuz:initramfs.cpio.gz zone:zone-kernel/bzImage:zone-kernel/initramfs.cpio.gz; do
		IFS=: read -r name kernel initrd <<<"$k"
		jq --arg k "$build/vm/$kernel" --arg i "$build/vm/$initrd" \
			'.annotations["org.zone.vm.kernel"] = $k | .annotations["org.zone.vm.initrd"] = $i' \
			"$work/config-emulated.json" >"$work/config-kernel-$name.json"
	done
fi

# measure KIND ID: one timed run of KIND, appended to $work/KIND.dat as
# "ms peak_rss_kib qemu_hwm_kib boot_to_workload_ms".
measure() {
	local kind=$1 id=$2 res st
	sleep "$(awk -v ms="${BENCH_GAP_MS:-50}" 'BEGIN { printf "%.3f", ms / 1000 }')"
	case $kind in
	floor) res=$("$vmbench" -s "${floor_argv[@]}" 2>&1 >/dev/null | tail -1) ;;
	*)
		cp "$work/config-$kind.json" "$bundle/config.json"
		rm -f "$work/zone.log"
		res=$("$vmbench" -a "$rootfs_bin" -c "$mem_cg" "$zone" --root "$work/state" \
			--log "$work/zone.log" --debug run --bundle "$bundle" "$id" 2>&1 >/dev/null | tail -1)
		;;
	esac
	# The agent's STARTED, as the supervisor logs it: ms from QEMU's start to the exec of the
	# zone's process in the guest (emulated zones only); and its HELLO (the guest booted).
	local started=- hello=-
	[ "$kind" != floor ] && [ "$kind" != light ] &&
		started=$(sed -n "s/.*vm: \([0-9]*\) ms after QEMU's start: STARTED.*/\1/p" \
			"$work/zone.log" 2>/dev/null | tail -1) &&
		hello=$(sed -n "s/.*vm: \([0-9]*\) ms after QEMU's start: the guest agent said HELLO.*/\1/p" \
			"$work/zone.log" 2>/dev/null | tail -1)
	st=$(sed -n 's/.*status=\([0-9]*\).*/\1/p' <<<"$res")
	if [ "$st" != 0 ]; then
		[ "$kind" = floor ] || bench_del zone-oci "$work/state" "$id"
		failures=$((failures + 1))
		[ "$failures" -le 3 ] && echo "bench: $kind run failed: $res" >&2
		return 0
	fi
	sed -n "s/^ms=\([0-9.]*\) rss_kib=\([0-9]*\) qemu_hwm_kib=\([0-9]*\) access_ms=\([-0-9.]*\).*/\1 \2 \3 \4 ${started:--} ${hello:--}/p" \
		<<<"$res" >>"$work/$kind.dat"
}

if [ "${BENCH_KERNEL:-}" = compare ]; then
	kinds=(kernel-debian kernel-zone)
	echo "bench: $n iterations, alternating emulated zones on Debian's kernel and the zone kernel"
	for i in $(seq "$n"); do
		for j in 0 1; do
			measure "${kinds[$(((i + j) % 2))]}" "k-$$-$i"
		done
	done
	echo
	echo "run of /bin/true in an emulated zone: wall ms from spawn to exit; HELLO ms: from QEMU's"
	echo "start to the agent's HELLO (the guest kernel booted, the agent up); STARTED ms: to the"
	echo "exec of the zone's process; QEMU RSS: VmHWM sampled every 10 ms; medians"
	printf '\n%-14s %5s %10s %10s %9s %11s %12s\n' kernel runs "median ms" "p90 ms" "HELLO ms" \
		"STARTED ms" "QEMU RSS KiB"
	for k in "${kinds[@]}"; do
		f=$work/$k.dat
		printf '%-14s %5s %10s %10s %9s %11s %12s\n' "${k#kernel-}" \
			"$([ -f "$f" ] && wc -l <"$f" || echo 0)" "$(bench_pct "$f" 1 50)" \
			"$(bench_pct "$f" 1 90)" "$(bench_pct "$f" 6 50)" "$(bench_pct "$f" 5 50)" \
			"$(bench_pct "$f" 3 50)"
	done
	hd=$(bench_pct "$work/kernel-debian.dat" 6 50)
	hz=$(bench_pct "$work/kernel-zone.dat" 6 50)
	echo
	echo "HELLO, zone kernel vs Debian's: $(bench_ratio "$hz" "$hd")"
	[ "$failures" -eq 0 ] || echo "bench: $failures runs failed (left out of the tables)"
	exit 0
fi

# The zone's own QEMU command line, read from /proc while a first (unmeasured) emulated zone
# runs; the floor is that line with the floor's initramfs, and QEMU's fd 3 a socketpair.
cp "$work/config-emulated.json" "$bundle/config.json"
probe=$("$vmbench" -c "$mem_cg" -q "$work/qemu.cmdline" "$zone" --root "$work/state" run \
	--bundle "$bundle" "probe-$$" 2>&1 >/dev/null | tail -1)
[ -s "$work/qemu.cmdline" ] || { echo "bench: no QEMU seen in the probe zone: $probe" >&2; exit 1; }
mapfile -d '' -t floor_argv <"$work/qemu.cmdline"
for i in "${!floor_argv[@]}"; do
	[ "${floor_argv[$i]}" = -initrd ] && floor_argv[i+1]=$floor_initrd
done
quote() { local a out=; for a in "$@"; do [[ $a =~ [\ \"] ]] && a="\"$a\""; out+="$a "; done; echo "${out% }"; }
zone_line=$(mapfile -d '' -t a <"$work/qemu.cmdline" && quote "${a[@]}")
echo "bench: the emulated zone's QEMU: $zone_line"
echo "bench: the floor: the same with -initrd $floor_initrd (its /init reboots at once)"
# What a vm zone's line differs in (runtime/vm/qemu_cmd.c): KVM and the host's CPU model
# in place of TCG and its translation cache.
echo "bench: a vm zone (KVM, not run here): ${zone_line/-accel tcg,tb-size=64/-accel kvm -cpu host}"

kinds=(floor emulated light)
echo "bench: $n iterations, alternating the floor, emulated and light (the order rotating)"
for i in $(seq "$n"); do
	for j in 0 1 2; do
		measure "${kinds[$(((i + j) % 3))]}" "v-$$-$i"
	done
done

table() {
	local k f med_f med_l med runs
	med_f=$(bench_pct "$work/floor.dat" 1 50)
	med_l=$(bench_pct "$work/light.dat" 1 50)
	printf '\n%-9s %5s %10s %10s %12s %11s %12s %9s %9s\n' kind runs "median ms" "p90 ms" \
		"workload ms" "STARTED ms" "QEMU RSS KiB" "vs floor" "vs light"
	for k in "${kinds[@]}"; do
		f=$work/$k.dat
		runs=$([ -f "$f" ] && wc -l <"$f" || echo 0)
		med=$(bench_pct "$f" 1 50)
		local wl=- rss=- st=-
		[ "$k" = floor ] || wl=$(bench_pct "$f" 4 50)
		[ "$k" = emulated ] && st=$(bench_pct "$f" 5 50)
		[ "$k" = floor ] && rss=$(bench_pct "$f" 2 50)
		[ "$k" = emulated ] && rss=$(bench_pct "$f" 3 50)
		printf '%-9s %5s %10s %10s %12s %11s %12s %9s %9s\n' "$k" "$runs" "$med" \
			"$(bench_pct "$f" 1 90)" "$wl" "$st" "$rss" "$(bench_ratio "$med" "$med_f")" \
			"$(bench_ratio "$med" "$med_l")"
	done
}
echo
echo "run of /bin/true: wall ms from spawn to exit; workload ms: from spawn to the first read"
echo "of the zone's /bin/busybox (its execve; for emulated, QEMU's 9p read); QEMU RSS: peak"
echo "(floor: QEMU's own rusage; emulated: VmHWM sampled every 10 ms); STARTED ms: from QEMU's"
echo "start to the agent's exec of the zone's process (its STARTED frame, as the supervisor logs"
echo "it with --debug --log); medians"
table
awk -v f="$(bench_pct "$work/floor.dat" 2 50)" -v e="$(bench_pct "$work/emulated.dat" 3 50)" \
	'BEGIN { if (f != "nan" && e != "nan")
		printf "\nQEMU peak RSS, emulated zone minus floor: %.1f MiB (what the agent, its modules, 9p and the workload add)\n", (e - f) / 1024 }'

# Guest RAM and QEMU's own memory: for each memory limit, the guest's RAM (-m) and QEMU's
# peak RSS while the zone's process fills the guest's RAM (a tmpfs file up to 40 MiB short of
# MemTotal, which is about where the guest's OOM killer steps in): that peak minus -m is what
# QEMU needs beside the guest, what the zone's cgroup allows above the limit
# (VM_HOST_MEM_OVERHEAD_TCG_MIB) must cover.
echo
echo "guest RAM per memory limit, the guest's RAM filled (one run each):"
echo "-m given, QEMU peak RSS, peak minus -m, outcome"
fill='m=$(busybox sed -n "s/^MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo)
busybox dd if=/dev/zero of=/tmp/fill bs=1M count=$((m / 1024 - 40)) 2>/dev/null'
for limit in none 134217728 268435456 536870912; do
	jq --arg fill "$fill" --argjson l "$([ "$limit" = none ] && echo null || echo "$limit")" \
		'.process.args = ["sh", "-c", $fill]
		| .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
			"options": ["size=90%"]}]
		| if $l then .linux.resources.memory.limit = $l else . end' \
		"$work/config-emulated.json" >"$bundle/config.json"
	rm -f "$work/qemu.cmdline"
	res=$("$vmbench" -c "$mem_cg" -q "$work/qemu.cmdline" "$zone" --root "$work/state" run \
		--bundle "$bundle" "m-$$-$limit" 2>"$work/mem.err" >/dev/null; tail -1 "$work/mem.err")
	bench_del zone-oci "$work/state" "m-$$-$limit"
	m=
	[ -s "$work/qemu.cmdline" ] && m=$(tr '\0' '\n' <"$work/qemu.cmdline" | sed -n '/^-m$/{n;p}')
	hwm=$(sed -n 's/.*qemu_hwm_kib=\([0-9]*\).*/\1/p' <<<"$res")
	st=$(sed -n 's/.*status=\([0-9]*\).*/\1/p' <<<"$res")
	case $st in
	0) why="ok" ;;
	137) why="ok, the guest's OOM killer ended the filler: its RAM was all in use" ;;
	*) why="failed: $(grep -m1 '^zone-oci' "$work/mem.err" || echo "status $st")" ;;
	esac
	over=?
	[ -n "$hwm" ] && [ -n "$m" ] && over=$(((hwm >> 10) - ${m%M}))
	printf '%-16s -m %-6s QEMU peak %6s KiB  beside the guest %4s MiB  %s\n' \
		"$([ "$limit" = none ] && echo "no limit" || echo "limit $((limit >> 20)) MiB")" \
		"${m:-?}" "${hwm:-?}" "$over" "$why"
done
[ "$failures" -eq 0 ] || echo "bench: $failures runs failed (left out of the tables)"
