#!/usr/bin/env bats
# Resources of emulated zones: the memory limit is the guest's RAM and the zone's cgroup
# allows QEMU's own use beside it; the cpu quota and cpuset give the vCPUs; pause and resume
# stop and restart the guest (QMP); ps and events --stats read the zone's cgroup, which holds
# the supervisor and QEMU.

load helpers
load vm-helpers

MIB=1048576
# QEMU's own allowance under TCG (VM_HOST_MEM_OVERHEAD_TCG_MIB in runtime/vm/qemu_cmd.h).
TCG_OVERHEAD_MIB=160

@test "vm resources: the memory limit is the guest's RAM, the cgroup allows QEMU beside it" {
	args sh -c 'sed -n "s/^MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo >/mem; nproc >/cpus'
	cfg ".linux.resources.memory.limit = $((160 * MIB))
		| .linux.resources.cpu.quota = 200000 | .linux.resources.cpu.period = 100000"
	zrun create "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" -eq $(((160 + TCG_OVERHEAD_MIB) * MIB)) ]
	zrun start "$ID"
	[ "$status" -eq 0 ]
	wait_for status_is "$ID" stopped
	# What the guest's kernel keeps for itself is not in MemTotal, as on a machine.
	mem_kib=$(cat "$ROOTFS/mem")
	[ "$mem_kib" -le $((160 * 1024)) ]
	[ "$mem_kib" -gt $(((160 - 80) * 1024)) ]
	host_cpus=$(nproc)
	want=$((host_cpus < 2 ? host_cpus : 2))
	[ "$(cat "$ROOTFS/cpus")" -eq "$want" ]
	zrun delete "$ID"
	[ "$status" -eq 0 ]
}

@test "vm resources: a cpuset gives the guest that many vCPUs" {
	[ "$(nproc)" -ge 2 ] || skip "needs two host CPUs"
	args nproc
	cfg '.linux.resources.cpu.cpus = "0-1"'
	zrun run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = 2 ]
}

@test "vm resources: a process using more than the guest's RAM is OOM-killed in the guest, not QEMU" {
	# A shell variable of 200 MB in a 128 MiB guest.
	args sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived ${#x}'
	cfg ".linux.resources.memory.limit = $((128 * MIB))"
	zrun run "$ID"
	[ "$status" -eq 137 ]
	[ -z "$output" ]
	[[ "$stderr" != *QEMU* ]] || fail "QEMU itself was killed: $stderr"
	[ ! -e "$STATE/$ID" ]
}

@test "vm resources: a memory limit too small for a guest is one clear error and leaves nothing" {
	cfg ".linux.resources.memory.limit = $((64 * MIB))"
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches "linux.resources.memory.limit \"$((64 * MIB))\": .*at least 96 MiB"
	[ ! -e "$STATE/$ID" ]
	[ ! -e "$(cg_dir memory)" ]
}

@test "vm resources: update cannot change a running guest's RAM, and says so" {
	args sleep 1000
	cfg ".linux.resources.memory.limit = $((160 * MIB))"
	zrun run --detach "$ID"
	[ "$status" -eq 0 ]
	zrun update --memory 300m "$ID"
	assert_one_line_error
	assert_stderr_matches "memory.limit: cannot be updated: the zone's VM \(type emulated\) got its RAM when it booted"
	[ "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" -eq $(((160 + TCG_OVERHEAD_MIB) * MIB)) ]
	# Other limits still change.
	zrun update --pids-limit 50 "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$(cg_dir pids)/pids.max")" = 50 ]
	zrun delete --force "$ID"
	[ "$status" -eq 0 ]
}

# count_above N: the zone's counter file holds more than N.
count_above() {
	[ "$(cat "$ROOTFS/count")" -gt "$1" ]
}

@test "vm resources: pause stops the guest and resume lets it run on" {
	args sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/count; sleep 0.1; done'
	zrun run --detach "$ID"
	[ "$status" -eq 0 ]
	wait_for test -s "$ROOTFS/count"
	zrun pause "$ID"
	[ "$status" -eq 0 ]
	status_is "$ID" paused
	# A write the guest had in flight lands before this one is read.
	sleep 0.5
	before=$(cat "$ROOTFS/count")
	sleep 1.5
	[ "$(cat "$ROOTFS/count")" = "$before" ]
	# QEMU's process is not frozen: only the guest's vCPUs are stopped.
	qemu=$(qemu_of "$(container_pid "$ID")")
	[ "$(awk '{print $3}' "/proc/$qemu/stat")" != T ]
	zrun pause "$ID"
	assert_one_line_error
	zrun resume "$ID"
	[ "$status" -eq 0 ]
	status_is "$ID" running
	wait_for count_above "$before"
	zrun exec "$ID" echo after-resume
	[ "$status" -eq 0 ]
	[ "$output" = after-resume ]
	zrun resume "$ID"
	assert_one_line_error
	zrun delete --force "$ID"
	[ "$status" -eq 0 ]
}

@test "vm resources: a paused zone's delete --force ends its VM" {
	args sleep 1000
	zrun run --detach "$ID"
	[ "$status" -eq 0 ]
	pid=$(container_pid "$ID")
	qemu=$(qemu_of "$pid")
	zrun pause "$ID"
	[ "$status" -eq 0 ]
	zrun delete --force "$ID"
	[ "$status" -eq 0 ]
	wait_for gone "$qemu"
	[ ! -e "$STATE/$ID" ]
}

@test "vm resources: ps names the supervisor and QEMU; events --stats reads their cgroup" {
	args sleep 1000
	zrun run --detach "$ID"
	[ "$status" -eq 0 ]
	pid=$(container_pid "$ID")
	qemu=$(qemu_of "$pid")
	zrun ps --format json "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -c 'sort' <<<"$output")" = "$(jq -nc --argjson a "$pid" --argjson b "$qemu" '[$a, $b] | sort')" ]
	zrun events --stats "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .type <<<"$output")" = stats ]
	[ "$(jq -r .id <<<"$output")" = "$ID" ]
	# QEMU's memory: at least what the guest's kernel touched booting.
	[ "$(jq -r .data.memory.usage.usage <<<"$output")" -gt $((16 * MIB)) ]
	[ "$(jq -r .data.pids.current <<<"$output")" -ge 2 ]
	[ "$(jq -r .data.cpu.usage.total <<<"$output")" -gt 0 ]
	zrun delete --force "$ID"
	[ "$status" -eq 0 ]
}
