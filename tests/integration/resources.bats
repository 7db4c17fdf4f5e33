#!/usr/bin/env bats
# linux.resources (all but devices): every group read back from cgroupfs, the limits' effects
# where they are cheap to see, and bad values refused with one line before anything is left.

load helpers

v1() { [ -f "/sys/fs/cgroup/$1/cgroup.procs" ]; }

# No directory of this test's zone cgroup in any hierarchy.
assert_no_cgroup() {
	local name=${BUNDLE##*/} d
	for d in /sys/fs/cgroup/*/zone-test/"$U"/"$name" /sys/fs/cgroup/zone-test/"$U"/"$name"; do
		[ ! -d "$d" ] || fail "cgroup $d was left behind"
	done
}

@test "memory: limit, reservation, swap, swappiness and disableOOMKiller read back" {
	v1 memory || skip "needs a v1 memory hierarchy (the v2 values are unit-tested)"
	cfg '.linux.resources.memory = {"limit":67108864,"reservation":33554432,"swap":134217728,
		"swappiness":10,"disableOOMKiller":true}'
	args sleep 30
	zrun run --detach "$ID"
	assert_success
	d=$(cg_dir memory)
	[ "$(cat "$d/memory.limit_in_bytes")" = 67108864 ]
	[ "$(cat "$d/memory.soft_limit_in_bytes")" = 33554432 ]
	[ "$(cat "$d/memory.swappiness")" = 10 ]
	grep -qx 'oom_kill_disable 1' "$d/memory.oom_control"
	if [ -f "$d/memory.memsw.limit_in_bytes" ]; then
		[ "$(cat "$d/memory.memsw.limit_in_bytes")" = 134217728 ]
	fi
	zrun delete --force "$ID"
	assert_success
}

@test "memory: a process that grows past the limit is OOM-killed" {
	# swap equal to the limit: no swap, so the hog cannot escape to it.
	cfg '.linux.resources.memory = {"limit":33554432,"swap":33554432}'
	args sh -c 'x=$(head -c 67108864 /dev/zero | tr "\0" a); echo survived ${#x}'
	zrun run "$ID"
	[ "$status" -eq 137 ] || fail "expected the OOM kill (137), got $status: $output $stderr"
	refute_output --partial survived
}

@test "cpu: quota, period, burst, idle and the realtime period read back" {
	v1 cpu || skip "needs a v1 cpu hierarchy (the v2 values are unit-tested)"
	# No shares here: an idle group's weight is the minimum whatever the shares say.
	cfg '.linux.resources.cpu = {"quota":20000,"period":50000,"burst":10000,
		"idle":1,"realtimePeriod":500000,"realtimeRuntime":0}'
	args sleep 30
	zrun run --detach "$ID"
	assert_success
	d=$(cg_dir cpu)
	[ "$(cat "$d/cpu.cfs_quota_us")" = 20000 ]
	[ "$(cat "$d/cpu.cfs_period_us")" = 50000 ]
	[ "$(cat "$d/cpu.cfs_burst_us")" = 10000 ]
	[ "$(cat "$d/cpu.idle")" = 1 ]
	[ "$(cat "$d/cpu.rt_period_us")" = 500000 ]
	[ "$(cat "$d/cpu.rt_runtime_us")" = 0 ]
	zrun delete --force "$ID"
	assert_success
}

@test "pids: a fork loop stops at pids.limit" {
	cfg '.linux.resources.pids = {"limit":8}'
	# 50 attempts at most: the loop is bounded even if the limit were not applied. The shell
	# that cannot fork dies, so the loop runs in a subshell; exec keeps the zone up without a
	# fork.
	args sh -c '(i=0; while [ $i -lt 50 ]; do sleep 30 & i=$((i+1)); done) 2>/dev/null; echo done > /tmp/loop; exec sleep 30'
	zrun run --detach "$ID"
	assert_success
	wait_for test -s "$ROOTFS/tmp/loop"
	d=$(cg_dir pids)
	[ "$(cat "$d/pids.max")" = 8 ]
	[ "$(cat "$d/pids.current")" -le 8 ] || fail "pids.current $(cat "$d/pids.current") > 8"
	if [ -f "$d/pids.events" ]; then
		max=$(awk '$1 == "max" { print $2 }' "$d/pids.events")
		[ "$max" -gt 0 ] || fail "no fork was refused: $(cat "$d/pids.events")"
	fi
	zrun delete --force "$ID"
	assert_success
}

# A loop device on a file in $TMP with the bfq scheduler, removed by teardown.
make_loop_dev() {
	truncate -s 16M "$TMP/disk.img"
	LOOP=$(losetup --find --show "$TMP/disk.img") || return 1
	register_cleanup losetup -d "$LOOP"
	LOOP_NUM=$(cat "/sys/block/${LOOP#/dev/}/dev")
	echo bfq >"/sys/block/${LOOP#/dev/}/queue/scheduler" 2>/dev/null || true
}

@test "blockIO: weight, weightDevice and the four throttles read back on a real device" {
	v1 blkio || skip "needs a v1 blkio hierarchy (the v2 io.* values are unit-tested)"
	make_loop_dev
	grep -q '\[bfq\]' "/sys/block/${LOOP#/dev/}/queue/scheduler" ||
		skip "the bfq I/O scheduler is not available for $LOOP"
	maj=${LOOP_NUM%:*} min=${LOOP_NUM#*:}
	cfg '.linux.resources.blockIO = {"weight":300,
		"weightDevice":[{"major":$maj,"minor":$min,"weight":700}],
		"throttleReadBpsDevice":[{"major":$maj,"minor":$min,"rate":1048576}],
		"throttleWriteBpsDevice":[{"major":$maj,"minor":$min,"rate":2097152}],
		"throttleReadIOPSDevice":[{"major":$maj,"minor":$min,"rate":100}],
		"throttleWriteIOPSDevice":[{"major":$maj,"minor":$min,"rate":200}]}' \
		--argjson maj "$maj" --argjson min "$min"
	args sleep 30
	zrun run --detach "$ID"
	assert_success
	d=$(cg_dir blkio)
	w=blkio.bfq.weight
	[ -f "$d/blkio.weight" ] && w=blkio.weight
	[ "$(cat "$d/$w")" = 300 ] || [ "$(cat "$d/$w")" = "default 300" ]
	grep -qx "$LOOP_NUM 700" "$d/${w}_device"
	grep -qx "$LOOP_NUM 1048576" "$d/blkio.throttle.read_bps_device"
	grep -qx "$LOOP_NUM 2097152" "$d/blkio.throttle.write_bps_device"
	grep -qx "$LOOP_NUM 100" "$d/blkio.throttle.read_iops_device"
	grep -qx "$LOOP_NUM 200" "$d/blkio.throttle.write_iops_device"
	zrun delete --force "$ID"
	assert_success
}

@test "blockIO: a device that does not exist and a leaf weight this kernel lacks are refused" {
	v1 blkio || skip "needs a v1 blkio hierarchy"
	cfg '.linux.resources.blockIO = {"throttleReadBpsDevice":[{"major":4095,"minor":4095,"rate":1}]}'
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches 'linux.resources.blockIO.throttleReadBpsDevice\[0\] "4095:4095 1": no block device'
	assert_no_cgroup
	if [ ! -f "/sys/fs/cgroup/blkio/blkio.leaf_weight" ]; then
		cfg '.linux.resources.blockIO = {"leafWeight":500}'
		zrun run "$ID"
		assert_one_line_error
		assert_stderr_matches 'linux.resources.blockIO.leafWeight "500": this kernel has no blkio.leaf_weight'
		assert_no_cgroup
	fi
}

@test "hugepageLimits: applied where the host has the controller, a clear error where not" {
	cfg '.linux.resources.hugepageLimits = [{"pageSize":"2MB","limit":4194304}]'
	args sleep 30
	zrun run --detach "$ID"
	if v1 hugetlb; then
		assert_success
		[ "$(cat "$(cg_dir hugetlb)/hugetlb.2MB.limit_in_bytes")" = 4194304 ]
		zrun delete --force "$ID"
		assert_success
	elif [ -d /sys/fs/cgroup/unified ] &&
		! grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.subtree_control; then
		# Hybrid here: hugetlb is on cgroup2, whose root does not delegate it.
		assert_one_line_error
		assert_stderr_matches 'linux.resources.hugepageLimits: .*does not delegate the hugetlb controller'
		assert_no_cgroup
	else
		assert_success
		[ "$(cat "$(cg_dir hugetlb)/hugetlb.2MB.max")" = 4194304 ]
		zrun delete --force "$ID"
		assert_success
	fi
	cfg '.linux.resources.hugepageLimits = [{"pageSize":"3MB","limit":4194304}]'
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches 'linux.resources.hugepageLimits\[0\].pageSize "3MB": this host has no 3MB huge pages'
	cfg '.linux.resources.hugepageLimits = [{"pageSize":"2mb","limit":1}]'
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches 'linux.resources.hugepageLimits\[0\].pageSize "2mb": not a page size'
	assert_no_cgroup
}

@test "network: classID and priorities on a net_cls,net_prio hierarchy the test mounts" {
	if grep -q ' - cgroup .*net_cls' /proc/self/mountinfo; then
		skip "net_cls is mounted on this host: the test mounts its own only where it is not"
	fi
	# Where the hierarchy is missing, both fields are refused by name.
	cfg '.linux.resources.network = {"classID":1048577}'
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches 'linux.resources.network.classID: the net_cls controller is not available'
	cfg '.linux.resources.network = {"priorities":[{"name":"lo","priority":5}]}'
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches 'linux.resources.network.priorities: the net_prio controller is not available'
	assert_no_cgroup

	# In a private mount namespace, a hierarchy under $TMP (gone with the namespace).
	cfg '.linux.resources.network = {"classID":1048577,"priorities":[{"name":"lo","priority":5}]}'
	args sleep 30
	mkdir "$TMP/netcg"
	path=$(jq -r '.linux.cgroupsPath' "$BUNDLE/config.json")
	cat >"$TMP/net.sh" <<-SH
		set -e
		mount -t cgroup -o net_cls,net_prio zone-test "$TMP/netcg"
		"$ZONE_OCI" --root "$STATE" run --detach "$ID" </dev/null >/dev/null
		cat "$TMP/netcg$path/net_cls.classid"
		grep '^lo ' "$TMP/netcg$path/net_prio.ifpriomap"
		"$ZONE_OCI" --root "$STATE" delete --force "$ID"
		[ ! -d "$TMP/netcg$path" ] && echo removed
		for d in "$TMP/netcg/zone-test/$U" "$TMP/netcg/zone-test"; do
			for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "\$d" 2>/dev/null && break; sleep 0.1; done
		done
		umount "$TMP/netcg"
	SH
	echo "$ID" >>"$TMP/ids"
	run timeout -k 5 60 unshare -m --propagation private sh "$TMP/net.sh"
	assert_success
	assert_line --index 0 1048577
	assert_line --index 1 "lo 5"
	assert_line --index 2 removed
	# The kernel keeps a v1 hierarchy whose last mount went while it still had cgroups (the
	# zone's own view of it goes with the zone, a little later): mounting it once more and
	# unmounting it with no cgroups left ends it. No hierarchy may outlive the test.
	for _ in $(seq 12); do
		[ "$(awk '$1 == "net_cls" { print $2 }' /proc/cgroups)" = 0 ] && break
		unshare -m --propagation private sh -c "mount -t cgroup -o net_cls,net_prio zone-test '$TMP/netcg' && umount '$TMP/netcg'"
		sleep 0.5
	done
	[ "$(awk '$1 == "net_cls" { print $2 }' /proc/cgroups)" = 0 ] || fail "the test's net_cls hierarchy outlived it"
	rmdir "$TMP/netcg"
}

@test "rdma: applied where the host has the controller, a clear error where not" {
	cfg '.linux.resources.rdma = {"mlx5_1":{"hcaHandles":3,"hcaObjects":10000}}'
	zrun run "$ID"
	if v1 rdma || grep -qw rdma /sys/fs/cgroup/unified/cgroup.controllers /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		skip "this host has an rdma controller: the test needs an RDMA device to write"
	fi
	assert_one_line_error
	assert_stderr_matches 'linux.resources.rdma: the rdma controller is not available on this host'
	assert_no_cgroup
}

@test "unified: keys that are not a controller's files are refused, missing files named" {
	for k in cgroup.procs ../memory.max memory noctl.x; do
		cfg '.linux.resources.unified = {($k): "1"}' --arg k "$k"
		zrun run "$ID"
		assert_one_line_error
		assert_stderr_matches "linux.resources.unified\\[\"$(printf '%s' "$k" | sed 's/[.]/[.]/g')\"\\]"
		assert_no_cgroup
	done
	if [ -d /sys/fs/cgroup/memory ]; then
		# memory is a v1 controller here: cgroup2 does not have its files.
		cfg '.linux.resources.unified = {"memory.high": "100000000"}'
		zrun run "$ID"
		assert_one_line_error
		assert_stderr_matches 'linux.resources.unified\["memory.high"\]: the memory controller is not available on this host'
		assert_no_cgroup
	else
		cfg '.linux.resources.unified = {"memory.high": "100003840"}'
		args sleep 30
		zrun run --detach "$ID"
		assert_success
		[ "$(cat "$(cg_dir memory)/memory.high")" = 100003840 ]
		zrun delete --force "$ID"
		assert_success
	fi
}

@test "bad values: one line naming the field and the value, and no cgroup left" {
	while IFS='|' read -r filter want; do
		cfg ".linux.resources = $filter"
		zrun run "$ID"
		assert_one_line_error
		assert_stderr_matches "$want"
		assert_no_cgroup
	done <<-'EOF'
		{"memory":{"limit":-5}}|linux.resources.memory.limit "-5": must be -1 \(unlimited\) or a positive number of bytes
		{"memory":{"limit":100}}|linux.resources.memory.limit "100": must be at least one page
		{"memory":{"limit":67108864,"swap":33554432}}|linux.resources.memory.swap "33554432": must be at least linux.resources.memory.limit
		{"memory":{"swappiness":101}}|linux.resources.memory.swappiness "101": must be between 0 and 100
		{"cpu":{"shares":1}}|linux.resources.cpu.shares "1": must be between 2 and 262144
		{"cpu":{"shares":262145}}|linux.resources.cpu.shares "262145": must be between 2 and 262144
		{"cpu":{"period":999}}|linux.resources.cpu.period "999": must be between 1000 and 1000000
		{"cpu":{"period":1000001}}|linux.resources.cpu.period "1000001": must be between 1000 and 1000000
		{"cpu":{"quota":500}}|linux.resources.cpu.quota "500": must be -1 \(unlimited\) or at least 1000
		{"cpu":{"quota":-2}}|linux.resources.cpu.quota "-2": must be -1
		{"cpu":{"quota":10000,"burst":20000}}|linux.resources.cpu.burst "20000": must not exceed linux.resources.cpu.quota
		{"cpu":{"idle":2}}|linux.resources.cpu.idle "2": must be 0 or 1
		{"pids":{"limit":-2}}|linux.resources.pids.limit "-2": must be -1
		{"blockIO":{"weight":5}}|linux.resources.blockIO.weight "5": must be between 10 and 1000
		{"blockIO":{"weight":1001}}|linux.resources.blockIO.weight "1001": must be between 10 and 1000
		{"blockIO":{"weightDevice":[{"major":8,"minor":0,"weight":2000}]}}|linux.resources.blockIO.weightDevice\[0\].weight "2000"
		{"network":{"priorities":[{"name":"a b","priority":1}]}}|linux.resources.network.priorities\[0\].name "a b"
	EOF
}
