#!/usr/bin/env bats
# The zone's cgroup: where it is made, the limits it carries, pause/resume, and its removal.

load helpers

# cgroupfs path of this test's zone cgroup in one v1 hierarchy (or the cgroup2 mount).
cg_dir() { # cg_dir CONTROLLER
	local path
	path=$(jq -r '.linux.cgroupsPath' "$BUNDLE/config.json")
	if [ -d "/sys/fs/cgroup/$1" ]; then
		echo "/sys/fs/cgroup/$1$path"
	else
		echo "/sys/fs/cgroup$path"
	fi
}

@test "the zone's cgroup carries the memory, cpu and pids limits, and goes with the zone" {
	cfg '.linux.resources = {"memory":{"limit":67108864},"pids":{"limit":64},
		"cpu":{"shares":512,"quota":50000,"period":100000}}'
	args sleep 30
	zrun run --detach "$ID"
	assert_success
	pid=$(container_pid "$ID")
	if [ -d /sys/fs/cgroup/memory ]; then
		[ "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" = 67108864 ]
		[ "$(cat "$(cg_dir pids)/pids.max")" = 64 ]
		[ "$(cat "$(cg_dir cpu)/cpu.shares")" = 512 ]
		[ "$(cat "$(cg_dir cpu)/cpu.cfs_quota_us")" = 50000 ]
		grep -qx "$pid" "$(cg_dir pids)/cgroup.procs"
	else
		[ "$(cat "$(cg_dir memory)/memory.max")" = 67108864 ]
		[ "$(cat "$(cg_dir memory)/pids.max")" = 64 ]
	fi
	zrun delete --force "$ID"
	assert_success
	[ ! -d "$(cg_dir pids)" ] || fail "the zone's cgroup is still there after delete"
}

@test "pause freezes the zone, resume thaws it, delete --force removes a paused one" {
	args sh -c 'i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done'
	zrun run --detach "$ID"
	assert_success
	wait_for test -s "$ROOTFS/tmp/count"
	zrun pause "$ID"
	assert_success
	wait_for status_is "$ID" paused
	[ ! -d /sys/fs/cgroup/freezer ] || [ "$(cat "$(cg_dir freezer)/freezer.state")" = FROZEN ]
	a=$(cat "$ROOTFS/tmp/count")
	sleep 0.5
	[ "$(cat "$ROOTFS/tmp/count")" = "$a" ] || fail "a paused zone made progress"
	zrun pause "$ID"
	assert_one_line_error
	zrun delete "$ID"
	assert_one_line_error
	zrun resume "$ID"
	assert_success
	status_is "$ID" running
	wait_for test "$(cat "$ROOTFS/tmp/count")" != "$a"
	zrun pause "$ID"
	assert_success
	zrun delete --force "$ID"
	assert_success
	[ ! -d "$(cg_dir pids)" ] || fail "the paused zone's cgroup is still there after delete"
}

@test "bad cgroupsPath and limits: one-line errors, nothing created" {
	for p in 'zone-test/relative' '/zone-test/a/../b'; do
		cfg '.linux.cgroupsPath = $p' --arg p "$p"
		zrun run "$ID"
		assert_one_line_error
		assert_stderr_matches "cgroupsPath"
	done
	cfg '.linux.cgroupsPath = "/zone-test/'"$U"'/bad" | .linux.resources = {"cpu":{"cpus":"4096"}}'
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches "linux.resources.cpu.cpus"
	[ ! -d "/sys/fs/cgroup/cpuset/zone-test/$U/bad" ] || fail "a cgroup was left after a refused limit"
}
