# The pure cgroup v2 tests, run by the guest's /init (busybox sh) on a kernel booted with
# cgroup_no_v1=all. Each test prints `ok N - name` or `not ok N - name` (with its output as
# `#` lines), the plan `1..N` comes last. Zones run from the bundles in /bundles (made on the
# host from bundles.sh) with cgroupsPath /zone-test/NAME/z; their cgroups are read back from
# /sys/fs/cgroup/zone-test/NAME/z. /zone-test is the tests' own parent and delegates every
# controller, as a delegating manager would; NAME and z are made by the zone.

. /lib.sh

test_guest() {
	grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts || fail "no cgroup2 at /sys/fs/cgroup"
	! grep -q ' cgroup ' /proc/mounts || fail "a v1 hierarchy is mounted"
	for c in cpuset cpu io memory hugetlb pids; do
		has_word "$CG/cgroup.subtree_control" "$c"
	done
}

test_limits_start() {
	start limits
	pid=$(z state limits | tr -d ' \n' | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
	[ -n "$pid" ] || fail "no pid in: $(z state limits)"
	grep -qx "$pid" "$CG/zone-test/limits/z/cgroup.procs" ||
		fail "zone pid $pid not in $CG/zone-test/limits/z/cgroup.procs"
}

test_limits_memory() {
	eq "$CG/zone-test/limits/z/memory.max" 67108864
	eq "$CG/zone-test/limits/z/memory.low" 33554432
	# swap counts memory and swap together in OCI; memory.swap.max is swap alone.
	eq "$CG/zone-test/limits/z/memory.swap.max" 67108864
}

test_limits_cpu() {
	# shares 512 -> weight 1 + (512 - 2) * 9999 / 262142
	eq "$CG/zone-test/limits/z/cpu.weight" 20
	eq "$CG/zone-test/limits/z/cpu.max" "50000 100000"
}

test_limits_burst() {
	eq "$CG/zone-test/limits/z/cpu.max.burst" 10000
}

test_limits_cpuset_pids() {
	eq "$CG/zone-test/limits/z/cpuset.cpus" 1
	eq "$CG/zone-test/limits/z/cpuset.mems" 0
	eq "$CG/zone-test/limits/z/pids.max" 50
}

test_limits_delegation() {
	# /zone-test/limits was made by this zone, so it delegates what the zone's cgroup needs.
	for c in cpuset cpu memory pids; do
		has_word "$CG/zone-test/limits/cgroup.subtree_control" "$c"
	done
}

test_limits_delete() {
	gone limits
}

test_idle() {
	start idle
	eq "$CG/zone-test/idle/z/cpu.idle" 1
	gone idle
}

test_hugetlb() {
	start hugetlb
	eq "$CG/zone-test/hugetlb/z/hugetlb.2MB.max" 4194304
	gone hugetlb
}

test_unified() {
	start unified
	eq "$CG/zone-test/unified/z/memory.high" 52428800
	eq "$CG/zone-test/unified/z/pids.max" 7
	gone unified
}

test_blockio() {
	[ -b /dev/loop0 ] || fail "no /dev/loop0 in the guest (loop module not loaded)"
	# Per-device io.weight needs a weight-based controller on the device: iocost, turned on
	# here as a host's administrator would.
	echo "7:0 enable=1" >"$CG/io.cost.qos"
	start blockio
	d=$CG/zone-test/blockio/z
	if [ -e "$d/io.bfq.weight" ]; then
		eq "$d/io.bfq.weight" "default 500"
	else
		# weight 500 in [10, 1000] -> 1 + (500 - 10) * 9999 / 990 in [1, 10000]
		key "$d/io.weight" default | grep -qx 4950 ||
			fail "$d/io.weight: \"$(cat "$d/io.weight")\", expected default 4950"
	fi
	grep -qx '7:0 1920' "$d/io.weight" || grep -qx '7:0 200' "$d/io.bfq.weight" ||
		fail "weightDevice 7:0 200 not in $d/io.weight: \"$(cat "$d/io.weight")\""
	grep -qx '7:0 rbps=1048576 wbps=max riops=max wiops=100' "$d/io.max" ||
		fail "$d/io.max: \"$(cat "$d/io.max")\""
	gone blockio
}

test_inside() {
	out=$(z run --bundle /bundles/inside inside </dev/null 2>&1) || fail "run: $out"
	echo "$out" | grep -qx '0::/' || fail "the zone's /proc/self/cgroup is not 0::/: $out"
	echo "$out" | grep -qx 'max=41943040' || fail "the zone's /sys/fs/cgroup is not its cgroup: $out"
	[ ! -d "$CG/zone-test/inside/z" ] || fail "the cgroup is still there after run"
}

test_oom() {
	start oom
	wait_until status_is oom stopped
	k=$(key "$CG/zone-test/oom/z/memory.events" oom_kill)
	[ "${k:-0}" -ge 1 ] || fail "memory.events: $(cat "$CG/zone-test/oom/z/memory.events")"
	gone oom
}

stats_seen() {
	grep -q '"type": *"stats"' "$OUT/events.out"
}

events_done() {
	! kill -0 "$1"
}

test_oom_event() {
	if not_built events --help; then
		echo "SKIP: zone-oci events not built"
		return 0
	fi
	rm -f /zone-rootfs/tmp/go-oom
	start oom-event
	z events --interval 200ms oom-event >"$OUT/events.out" 2>&1 &
	ev=$!
	wait_until stats_seen
	touch /zone-rootfs/tmp/go-oom
	wait_until stopped oom-event
	wait_until events_done "$ev"
	rm -f /zone-rootfs/tmp/go-oom
	grep -q '"type": *"oom"' "$OUT/events.out" ||
		fail "no oom event in: $(grep -v '"stats"' "$OUT/events.out")"
	gone oom-event
}

pids_refused() {
	[ "$(key "$CG/zone-test/forks/z/pids.events" max)" -ge 1 ]
}

test_forks() {
	start forks
	wait_until pids_refused
	c=$(cat "$CG/zone-test/forks/z/pids.current")
	[ "$c" -le 16 ] || fail "pids.current $c above pids.max 16"
	gone forks
}

frozen_is() { # frozen_is NAME 0|1
	[ "$(key "$CG/zone-test/$1/z/cgroup.events" frozen)" = "$2" ]
}

test_pause() {
	start pause
	z pause pause
	eq "$CG/zone-test/pause/z/cgroup.freeze" 1
	wait_until frozen_is pause 1
	status_is pause paused || fail "state: $(z state pause)"
	z resume pause
	eq "$CG/zone-test/pause/z/cgroup.freeze" 0
	wait_until frozen_is pause 0
	status_is pause running || fail "state: $(z state pause)"
	z pause pause
	wait_until frozen_is pause 1
	gone pause
}

procs_at_least() { # procs_at_least NAME N: N processes in the zone's cgroup
	[ "$(wc -l <"$CG/zone-test/$1/z/cgroup.procs")" -ge "$2" ]
}

test_kill() {
	start kill
	wait_until procs_at_least kill 3
	pids=$(cat "$CG/zone-test/kill/z/cgroup.procs")
	gone kill
	for p in $pids; do
		[ ! -d "/proc/$p" ] || fail "pid $p of the zone still alive after delete --force"
	done
}

test_devices() {
	out=$(z run --bundle /bundles/devices devices </dev/null 2>&1) || true
	echo "$out" | grep -qx 'null-ok' || fail "/dev/null (allowed) did not open: $out"
	echo "$out" | grep -q 'Operation not permitted' ||
		fail "/dev/kmsg-test (no rule) was not refused with EPERM: $out"
	! echo "$out" | grep -qx 'kmsg-ok' || fail "/dev/kmsg-test (no rule) opened: $out"
	[ ! -d "$CG/zone-test/devices/z" ] || fail "the cgroup is still there after run"
}

test_default_devices() {
	out=$(z run --bundle /bundles/default-devices default-devices </dev/null 2>&1) || true
	for d in null zero full random urandom; do
		# /dev/full refuses writes with ENOSPC: its open is what counts.
		echo "$out" | grep -qx "$d=0" || [ "$d" = full ] ||
			fail "/dev/$d unusable under the default deny-all: $out"
		! echo "$out" | grep -q 'Operation not permitted' ||
			fail "a runtime node was refused: $out"
	done
}

test_devices_update() {
	start devices-update
	z exec devices-update sh -c 'echo x > /dev/kmsg-test' >"$OUT/dev.out" 2>&1 &&
		fail "/dev/kmsg-test opened before the update"
	grep -q 'Operation not permitted' "$OUT/dev.out" || fail "before update: $(cat "$OUT/dev.out")"
	if not_built update --help; then
		echo "SKIP: zone-oci update not built"
		gone devices-update
		return 0
	fi
	z update --memory 33554432 devices-update
	eq "$CG/zone-test/devices-update/z/memory.max" 33554432
	z exec devices-update sh -c 'echo x > /dev/kmsg-test' >"$OUT/dev.out" 2>&1 &&
		fail "/dev/kmsg-test opened after an update of the memory limit"
	grep -q 'Operation not permitted' "$OUT/dev.out" || fail "after update: $(cat "$OUT/dev.out")"
	z exec devices-update sh -c 'echo x > /dev/null' || fail "/dev/null refused after the update"
	gone devices-update
}

test_devices_allowed() {
	out=$(z run --bundle /bundles/devices-allowed devices-allowed </dev/null 2>&1) || true
	echo "$out" | grep -qx 'null-ok' || fail "/dev/null (allowed) did not open: $out"
	echo "$out" | grep -qx 'kmsg-ok' || fail "/dev/kmsg-test (allowed c 1:11 w) refused: $out"
}

test_update() {
	if not_built update --help; then
		echo "SKIP: zone-oci update not built"
		return 0
	fi
	start update
	z update --memory 33554432 --pids-limit 20 --cpu-quota 20000 --cpu-period 100000 update
	eq "$CG/zone-test/update/z/memory.max" 33554432
	eq "$CG/zone-test/update/z/pids.max" 20
	eq "$CG/zone-test/update/z/cpu.max" "20000 100000"
	echo '{"memory": {"limit": 50331648}, "pids": {"limit": 30}}' >"$OUT/resources.json"
	z update --resources "$OUT/resources.json" update
	eq "$CG/zone-test/update/z/memory.max" 50331648
	eq "$CG/zone-test/update/z/pids.max" 30
	gone update
}

test_stats() {
	if not_built events --help; then
		echo "SKIP: zone-oci events not built"
		return 0
	fi
	start stats
	wait_until procs_at_least stats 2
	out=$(z events --stats stats | tr -d ' \n')
	echo "$out" | grep -q '"type":"stats"' || fail "no stats event: $out"
	cur=$(cat "$CG/zone-test/stats/z/pids.current")
	echo "$out" | grep -q "\"pids\":{\"current\":$cur" ||
		fail "pids.current $cur not in: $out"
	echo "$out" | grep -q '"memory":{' || fail "no memory stats in: $out"
	gone stats
}

test_unlimited_swap() {
	start unlimited-swap
	eq "$CG/zone-test/unlimited-swap/z/memory.max" 67108864
	eq "$CG/zone-test/unlimited-swap/z/memory.swap.max" max
	gone unlimited-swap
}

stopped() { # stopped ID
	status_is "$1" stopped
}

test_exec() {
	start exec
	out=$(z exec exec cat /proc/self/cgroup) || fail "exec: $out"
	[ "$out" = "0::/" ] || fail "an exec'd process sees \"$out\", not its zone's cgroup as /"
	z exec --detach --pid-file "$OUT/exec.pid" exec sleep 1000
	pid=$(cat "$OUT/exec.pid")
	grep -qx "$pid" "$CG/zone-test/exec/z/cgroup.procs" ||
		fail "exec'd pid $pid not in the zone's cgroup.procs: $(cat "$CG/zone-test/exec/z/cgroup.procs")"
	z ps --format json exec | tr -d ' \n[]' | tr ',' '\n' | grep -qx "$pid" ||
		fail "ps --format json: $(z ps --format json exec)"
	z kill --all exec KILL
	wait_until stopped exec
	[ ! -d "/proc/$pid" ] || fail "exec'd pid $pid alive after kill --all"
	gone exec
}

# refused NAME FIELD: running /bundles/NAME fails with one line naming FIELD; nothing is left.
refused() {
	if out=$(z run --bundle "/bundles/$1" "$1" </dev/null 2>&1); then
		fail "the zone $1 ran"
	fi
	[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "not one line: $out"
	echo "$out" | grep -qF "$2" || fail "no $2 in: $out"
	# Both levels were made by the failed create: neither may stay.
	[ ! -d "$CG/zone-test/$1" ] || fail "the refused zone left its cgroup"
	[ -z "$(z list --quiet)" ] || fail "the refused zone left its state"
}

test_bad_cpus() {
	refused bad-cpus linux.resources.cpu.cpus
}

test_bad_swap() {
	refused bad-swap linux.resources.memory.swap
}

test_bad_unified() {
	refused bad-unified linux.resources.unified
}

test_bad_realtime() {
	refused bad-realtime linux.resources.cpu.realtime
}

test_bad_leafweight() {
	refused bad-leafweight linux.resources.blockIO.leafWeight
}

test_bad_classid() {
	refused bad-classid linux.resources.network.classID
}

test_bad_hugetlb() {
	refused bad-hugetlb linux.resources.hugepageLimits
}

test_nothing_left() {
	[ -z "$(z list --quiet)" ] || fail "zones left: $(z list --quiet)"
	left=$(find "$CG/zone-test" -mindepth 1 -type d)
	[ -z "$left" ] || fail "cgroups left: $left"
	rmdir "$CG/zone-test"
}

mkdir -p "$STATE" "$OUT" "$CG/zone-test"
for c in $(cat "$CG/cgroup.controllers"); do
	echo "+$c" >"$CG/zone-test/cgroup.subtree_control"
done
t "the guest has cgroup2 only, with every controller enabled at its root" test_guest
t "a zone with memory, cpu, cpuset and pids limits runs in its cgroup" test_limits_start
t "memory.limit/reservation/swap -> memory.max, memory.low, memory.swap.max" test_limits_memory
t "cpu.shares/quota/period -> cpu.weight, cpu.max" test_limits_cpu
t "cpu.burst -> cpu.max.burst" test_limits_burst
t "cpu.cpus/mems and pids.limit -> cpuset.cpus, cpuset.mems, pids.max" test_limits_cpuset_pids
t "the levels the zone made delegate its controllers (cgroup.subtree_control)" test_limits_delegation
t "delete removes the zone's cgroup" test_limits_delete
cleanup
t "cpu.idle -> cpu.idle" test_idle
cleanup
t "hugepageLimits 2MB -> hugetlb.2MB.max" test_hugetlb
cleanup
t "unified keys are written, enabling their controllers" test_unified
cleanup
t "blockIO weight and throttle rules -> io.weight, io.max" test_blockio
cleanup
t "inside the zone /sys/fs/cgroup is its own cgroup" test_inside
cleanup
t "a memory hog is OOM-killed at memory.max (memory.events oom_kill)" test_oom
cleanup
t "zone-oci events reports the OOM kill (memory.events) as it happens" test_oom_event
cleanup
t "a fork loop is stopped at pids.max (pids.events max)" test_forks
cleanup
t "pause/resume -> cgroup.freeze and cgroup.events frozen; delete --force of a paused zone" test_pause
cleanup
t "delete --force kills every process in the zone's cgroup" test_kill
cleanup
t "devices: deny all + allow c 1:3 -> /dev/null opens, c 1:11 is refused (EPERM)" test_devices
cleanup
t "devices: an allow rule for c 1:11 lets it open" test_devices_allowed
cleanup
t "devices: the runtime's own nodes work under the default deny-all" test_default_devices
cleanup
t "devices: the rules of a running zone hold after zone-oci update" test_devices_update
cleanup
t "zone-oci update rewrites memory.max, pids.max and cpu.max" test_update
cleanup
t "zone-oci events --stats reports the cgroup's pids and memory" test_stats
cleanup
t "memory.swap -1 -> memory.swap.max max" test_unlimited_swap
cleanup
t "exec'd processes join the zone's cgroup; ps lists them; kill --all ends them" test_exec
cleanup
t "refused: cpus not in the guest (one line naming the field, nothing left)" test_bad_cpus
cleanup
t "refused: memory.swap below memory.limit" test_bad_swap
cleanup
t "refused: a unified key that is a path (../memory.max)" test_bad_unified
cleanup
t "refused: hugepageLimits pageSize 3MB" test_bad_hugetlb
cleanup
t "refused on cgroup2: cpu.realtimeRuntime/realtimePeriod" test_bad_realtime
cleanup
t "refused on cgroup2: blockIO.leafWeight" test_bad_leafweight
cleanup
t "refused on cgroup2: network.classID" test_bad_classid
cleanup
t "no zone state or cgroup is left" test_nothing_left
echo "1..$n"
