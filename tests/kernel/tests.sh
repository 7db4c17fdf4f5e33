# The tests of the zone-aware /proc patches (kernel-patches/host/), run by the guest's /init
# (busybox sh, tests/guest/init) on the patched kernel with 4 vCPUs: light zones with memory
# and CPU limits print what they are shown (tests/kernel/bundles.sh), each test compares that
# with the limits, and with the guest's own view, which must not change. TAP, plan last.

. /lib.sh

mkdir -p "$OUT"
SYSCTL=/proc/sys/kernel/proc_cgroupns_view

# shown NAME: runs the zone NAME in the foreground; what it prints lands in $OUT/NAME.
shown() {
	z run --bundle "/bundles/$1" "$1" </dev/null >"$OUT/$1" 2>&1 ||
		fail "zone-oci run $1: $(cat "$OUT/$1")"
}

# val NAME KEY: the value after KEY in what the zone NAME printed.
val() {
	sed -n "s/^$2 *//p" "$OUT/$1" | head -n 1
}

# is NAME KEY VALUE: the zone NAME printed KEY with VALUE.
is() {
	v=$(val "$1" "$2")
	[ "$v" = "$3" ] || fail "zone $1 shows $2 \"$v\", expected \"$3\" (all: $(tr '\n' ';' <"$OUT/$1"))"
}

# The guest's own view, before the switch is turned on.
host_mem=$(sed -n 's/^MemTotal: *//p' /proc/meminfo)
host_onln=$(probe | sed -n 's/^onln //p')
host_up=$(cut -d ' ' -f 1 /proc/uptime)

test_default_off() {
	eq "$SYSCTL" 0
	shown limited
	is limited MemTotal: "$host_mem"
	is limited onln 4
	is limited cpuinfo 4
	is limited online 0-3
}

test_switch_on() {
	echo 1 >"$SYSCTL" || fail "cannot write 1 to $SYSCTL"
	eq "$SYSCTL" 1
	if echo 2 >"$SYSCTL" 2>/dev/null; then
		fail "$SYSCTL took 2"
	fi
	eq "$SYSCTL" 1
}

test_memory() {
	shown limited
	is limited MemTotal: "131072 kB"
	is limited SwapTotal: "0 kB"
	free=$(val limited MemFree: | cut -d ' ' -f 1)
	avail=$(val limited MemAvailable: | cut -d ' ' -f 1)
	[ "$free" -gt 0 ] && [ "$free" -le 131072 ] || fail "MemFree $free kB not in (0, 131072]"
	[ "$avail" -ge "$free" ] && [ "$avail" -le 131072 ] ||
		fail "MemAvailable $avail kB not in [MemFree $free, 131072]"
	# busybox's free and probe ask sysinfo(2)
	val limited free | grep -q '^131072 ' || fail "free shows \"$(val limited free)\""
	is limited ram 131072
}

test_cpus() {
	shown limited
	# cpuset 1-3, quota 1.5 CPUs: the first two of the cpuset
	is limited onln 2
	is limited cpuinfo 2
	is limited stat 2
	is limited online 1-2
	# sched_getaffinity, which nproc asks, is the cpuset's, as without the switch
	is limited nproc 3
}

test_ancestor() {
	mkdir -p "$CG/zone-test/parent" || fail "mkdir $CG/zone-test/parent"
	echo "+memory +cpu +cpuset" >"$CG/zone-test/cgroup.subtree_control" ||
		fail "cannot enable controllers in $CG/zone-test"
	echo 100663296 >"$CG/zone-test/parent/memory.max" || fail "cannot set the parent's memory.max"
	echo "50000 100000" >"$CG/zone-test/parent/cpu.max" || fail "cannot set the parent's cpu.max"
	echo "+memory +cpu +cpuset" >"$CG/zone-test/parent/cgroup.subtree_control" ||
		fail "cannot enable controllers in $CG/zone-test/parent"
	shown parent
	is parent MemTotal: "98304 kB"
	is parent onln 1
	is parent online 3
}

test_no_cgroupns() {
	shown nocgns
	is nocgns MemTotal: "$host_mem"
	is nocgns onln 4
	is nocgns online 0-3
}

test_uptime() {
	shown uptime
	first=$(sed -n 1p "$OUT/uptime")
	second=$(sed -n 2p "$OUT/uptime")
	host=$(cut -d ' ' -f 1 /proc/uptime)
	awk -v a="$first" -v b="$second" -v h="$host" \
		'BEGIN { exit !(a >= 0 && a < 2 && b - a >= 1.5 && b - a < 10 && b < h) }' ||
		fail "zone uptime $first then $second (2 s later), guest uptime $host"
}

test_host_unchanged() {
	eq "$SYSCTL" 1
	m=$(sed -n 's/^MemTotal: *//p' /proc/meminfo)
	[ "$m" = "$host_mem" ] || fail "the guest's MemTotal is $m, was $host_mem"
	probe | grep -qx "onln $host_onln" || fail "the guest's probe: $(probe | tr '\n' ';')"
	[ "$host_onln" = 4 ] || fail "the guest counts $host_onln CPUs"
	[ "$(grep -c ^processor /proc/cpuinfo)" = 4 ] || fail "the guest's cpuinfo lists other than 4 CPUs"
	[ "$(cat /sys/devices/system/cpu/online)" = 0-3 ] || fail "the guest's online CPUs changed"
	# still counted from boot: more than when the tests started
	awk -v t0="$host_up" '{ exit !($1 > t0) }' /proc/uptime ||
		fail "the guest's uptime $(cat /proc/uptime), $host_up when the tests started"
}

test_switch_off() {
	echo 0 >"$SYSCTL" || fail "cannot write 0 to $SYSCTL"
	shown limited
	is limited MemTotal: "$host_mem"
	is limited online 0-3
}

# A stand-in for LXCFS at its default mount point (a file, not FUSE: zone-oci binds what is
# there): with the kernel's view on, zone-oci leaves it out; with it off, binds it.
test_lxcfs_aside() {
	mkdir -p /var/lib/lxcfs/proc || fail "mkdir /var/lib/lxcfs/proc"
	echo "MemTotal:           4242 kB" >/var/lib/lxcfs/proc/meminfo
	echo 1 >"$SYSCTL"
	shown limited
	is limited MemTotal: "131072 kB"
	echo 0 >"$SYSCTL"
	shown limited
	is limited MemTotal: "4242 kB"
}

t "the view is off by default: a limited zone is shown the whole guest" test_default_off
cleanup
t "kernel.proc_cgroupns_view takes 1, refuses 2" test_switch_on
cleanup
t "memory: meminfo, free and sysinfo show the 128 MiB limit" test_memory
cleanup
t "CPUs: quota 1.5 on cpuset 1-3 shows CPUs 1-2 (cpuinfo, stat, sysfs, sysconf)" test_cpus
cleanup
t "an ancestor's memory.max and cpu.max bound the view" test_ancestor
cleanup
t "a zone without a cgroup namespace is shown the whole guest" test_no_cgroupns
cleanup
t "uptime counts from the zone's start" test_uptime
cleanup
t "the guest's own view is unchanged with the view on" test_host_unchanged
cleanup
t "turned off again, a limited zone is shown the whole guest" test_switch_off
cleanup
t "zone-oci binds LXCFS's files only when the kernel's view is off" test_lxcfs_aside
rm -rf /var/lib/lxcfs
cleanup
echo "1..$n"
