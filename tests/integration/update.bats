#!/usr/bin/env bats
# update: changing a live zone's limits with runc's flags or a linux.resources file, read
# back from the cgroup; the stored config follows; bad input changes nothing.

load helpers

# cg CONTROLLER FILE: one value of the zone's cgroup.
cg() {
	cat "$(cg_dir "$1")/$2"
}

# The limits these tests read back, one line (to compare before and after a refused update).
snapshot() {
	echo "$(cg memory memory.limit_in_bytes) $(cg memory memory.soft_limit_in_bytes)" \
		"$(cg cpu cpu.shares) $(cg cpu cpu.cfs_quota_us) $(cg cpu cpu.cfs_period_us)" \
		"$(cg pids pids.max) $(cg cpuset cpuset.cpus)"
}

# stored FILTER: a value from the config the runtime keeps for the zone.
stored() {
	jq -r "$1" "$STATE/$ID/config.json"
}

setup_file() {
	[ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/cpuset ] ||
		skip "these tests read cgroup v1 files (no /sys/fs/cgroup/memory here)"
}

start_zone() {
	cfg '.linux.resources = {"memory":{"limit":268435456},"pids":{"limit":100},
		"cpu":{"shares":1024,"quota":100000,"period":100000}}'
	args sleep 300
	zrun run --detach "$ID"
	assert_success
}

@test "update with runc's flags changes memory, cpu, pids and cpuset of a running zone" {
	start_zone
	zrun update --memory 128m --memory-reservation 64m --memory-swap 256m \
		--cpu-share 512 --cpu-period 200000 --cpu-quota 50000 --pids-limit 42 \
		--cpuset-cpus 0 --cpuset-mems 0 "$ID"
	assert_success
	[ "$(cg memory memory.limit_in_bytes)" = 134217728 ]
	[ "$(cg memory memory.soft_limit_in_bytes)" = 67108864 ]
	if [ -f "$(cg_dir memory)/memory.memsw.limit_in_bytes" ]; then
		[ "$(cg memory memory.memsw.limit_in_bytes)" = 268435456 ]
	fi
	[ "$(cg cpu cpu.shares)" = 512 ]
	[ "$(cg cpu cpu.cfs_period_us)" = 200000 ]
	[ "$(cg cpu cpu.cfs_quota_us)" = 50000 ]
	[ "$(cg pids pids.max)" = 42 ]
	[ "$(cg cpuset cpuset.cpus)" = 0 ]
	# the stored config follows, and the fields not named keep their values
	[ "$(stored .linux.resources.memory.limit)" = 134217728 ]
	[ "$(stored .linux.resources.memory.swap)" = 268435456 ]
	[ "$(stored .linux.resources.cpu.shares)" = 512 ]
	[ "$(stored .linux.resources.cpu.cpus)" = 0 ]
	[ "$(stored .linux.resources.pids.limit)" = 42 ]
	[ "$(stored .process.args[0])" = sleep ]
	[ "$(stored .linux.cgroupsPath)" = "$(jq -r .linux.cgroupsPath "$BUNDLE/config.json")" ]

	# growing the limit past memory+swap: swap is raised first, so both writes succeed
	zrun update --memory 1g --memory-swap 2g "$ID"
	assert_success
	[ "$(cg memory memory.limit_in_bytes)" = 1073741824 ]
	[ "$(stored .linux.resources.memory.swap)" = 2147483648 ]
	# -1 makes memory and swap unlimited, as runc does
	zrun update --memory -1 "$ID"
	assert_success
	[ "$(cg memory memory.limit_in_bytes)" -gt 1000000000000 ]
	[ "$(stored .linux.resources.memory.limit)" = -1 ]
	[ "$(stored .linux.resources.memory.swap)" = -1 ]
	zrun update --pids-limit -1 --cpu-quota -1 "$ID"
	assert_success
	[ "$(cg pids pids.max)" = max ]
	[ "$(cg cpu cpu.cfs_quota_us)" = -1 ]
}

@test "update -r takes a linux.resources file, and - reads it from stdin" {
	start_zone
	cat >"$TMP/res.json" <<-'EOF'
		{"memory": {"limit": 100000000, "reservation": 0},
		 "cpu": {"shares": 300, "quota": 30000, "period": 100000, "cpus": "1"},
		 "pids": {"limit": 77}}
	EOF
	zrun update -r "$TMP/res.json" "$ID"
	assert_success
	# the kernel keeps memory limits in whole pages
	[ "$(cg memory memory.limit_in_bytes)" = $((100000000 / 4096 * 4096)) ]
	[ "$(cg cpu cpu.shares)" = 300 ]
	[ "$(cg cpu cpu.cfs_quota_us)" = 30000 ]
	[ "$(cg pids pids.max)" = 77 ]
	[ "$(cg cpuset cpuset.cpus)" = 1 ]
	[ "$(stored .linux.resources.cpu.cpus)" = 1 ]

	status=0
	echo '{"pids": {"limit": 55}, "cpu": {"shares": 700}}' |
		zone_oci update --resources - "$ID" || status=$?
	[ "$status" -eq 0 ]
	[ "$(cg pids pids.max)" = 55 ]
	[ "$(cg cpu cpu.shares)" = 700 ]
	[ "$(cg cpu cpu.cfs_quota_us)" = 30000 ]
	[ "$(stored .linux.resources.pids.limit)" = 55 ]
}

@test "update works on a created and on a paused zone, not on a stopped one" {
	start_zone
	zrun pause "$ID"
	assert_success
	zrun update --pids-limit 33 --memory 200m "$ID"
	assert_success
	[ "$(cg pids pids.max)" = 33 ]
	[ "$(cg memory memory.limit_in_bytes)" = 209715200 ]
	status_is "$ID" paused
	zrun resume "$ID"
	assert_success

	cfg '.linux.cgroupsPath += "-2"'
	zrun create "$ID-2"
	assert_success
	path2=$(jq -r .linux.cgroupsPath "$BUNDLE/config.json")
	zrun update --pids-limit 9 "$ID-2"
	assert_success
	[ "$(cat "/sys/fs/cgroup/pids$path2/pids.max")" = 9 ]
	zrun kill "$ID-2" KILL
	assert_success
	wait_for status_is "$ID-2" stopped
	zrun update --pids-limit 10 "$ID-2"
	assert_one_line_error
	assert_stderr_matches 'stopped: cannot update it'
	[ "$(cat "/sys/fs/cgroup/pids$path2/pids.max")" = 9 ]
	zrun delete "$ID-2"
	assert_success
}

@test "bad values, unknown fields and unknown flags are one-line errors that change nothing" {
	start_zone
	before=$(snapshot)
	config_before=$(cat "$STATE/$ID/config.json")
	echo '{"memory": {"limitt": 5}}' >"$TMP/unknown.json"
	echo '{"pids": {"limit": "many"}}' >"$TMP/type.json"
	echo '{"pids": ' >"$TMP/broken.json"
	echo '{"memory": {"limit": -5}}' >"$TMP/negative.json"
	# a bad value late in the list must stop the good ones before it too
	echo '{"pids": {"limit": 5}, "cpu": {"shares": 1}}' >"$TMP/late.json"
	local -a cases=(
		"--memory abc|--memory \"abc\": expected -1"
		"--memory -5|--memory \"-5\": expected -1"
		"--cpu-share -5|--cpu-share \"-5\": expected a non-negative integer"
		"--cpu-quota 12x|--cpu-quota \"12x\": expected an integer"
		"--pids-limit -7|pids.limit \"-7\": must be -1"
		"--cpu-share 1|cpu.shares \"1\": must be between 2 and 262144"
		"--blkio-weight 5000|blockIO.weight \"5000\": must be between 10 and 1000"
		"--cpuset-cpus zero|cpu.cpus \"zero\": expected a list"
		"--cpuset-cpus 999|cpu.cpus \"999\""
		"--memory 64m --memory-swap 32m|memory.swap \"33554432\": must be at least (linux.resources.)?memory.limit"
		"--l3-cache-schema L3:0=f|Intel RDT is not supported"
		"--mem-bw-schema MB:0=50|Intel RDT is not supported"
		"--no-such-flag 1|unknown option --no-such-flag"
		"-r $TMP/unknown.json|memory.limitt: unknown field"
		"-r $TMP/type.json|pids.limit: expected an integer"
		"-r $TMP/broken.json|invalid JSON"
		"-r $TMP/negative.json|memory.limit \"-5\": must be -1"
		"-r $TMP/late.json|cpu.shares \"1\""
		"-r $TMP/missing.json|No such file"
		"-r $TMP/late.json --memory 1g|no other flag with it"
	)
	local c
	for c in "${cases[@]}"; do
		# shellcheck disable=SC2086 # the flags are words
		zrun update ${c%%|*} "$ID"
		assert_one_line_error
		assert_stderr_matches "${c#*|}"
		[ "$(snapshot)" = "$before" ] || fail "update ${c%%|*} changed the cgroup"
	done
	[ "$(cat "$STATE/$ID/config.json")" = "$config_before" ] ||
		fail "a refused update changed the stored config"
	zrun update --pids-limit 5 no-such-zone
	assert_one_line_error
}

@test "a write failing part-way names what was applied, and the stored config has just that" {
	start_zone
	# cpu.cpus is applied first; then the memory limit is refused by checkBeforeUpdate (the
	# zone uses more than 8 KiB), so pids.limit after it is never written
	echo '{"cpu": {"cpus": "0"}, "memory": {"limit": 8192, "checkBeforeUpdate": true},
		"pids": {"limit": 11}}' >"$TMP/partial.json"
	zrun update -r "$TMP/partial.json" "$ID"
	assert_one_line_error
	assert_stderr_matches 'memory.limit.*; applied: cpu.cpus; not applied: pids.limit'
	[ "$(cg cpuset cpuset.cpus)" = 0 ]
	[ "$(cg memory memory.limit_in_bytes)" = 268435456 ]
	[ "$(cg pids pids.max)" = 100 ]
	[ "$(stored .linux.resources.cpu.cpus)" = 0 ]
	[ "$(stored .linux.resources.memory.limit)" = 268435456 ]
	[ "$(stored .linux.resources.pids.limit)" = 100 ]
}
