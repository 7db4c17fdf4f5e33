#!/usr/bin/env bats
# LXCFS's /proc files in light zones (runtime/light/lxcfs.h): an LXCFS instance of the test's
# own, on a mount point in its TMP, chosen with the annotation org.zone.lxcfs.

load helpers

eval "$(declare -f teardown | sed '1s/^teardown/helpers_teardown/')"

setup() {
	zone_setup
	command -v lxcfs >/dev/null || skip "no lxcfs (scripts/install-deps.sh installs it)"
	[ -c /dev/fuse ] || skip "no /dev/fuse"
	mkdir -p "$TMP/lxcfs"
	lxcfs -f -p "$TMP/lxcfs.pid" "$TMP/lxcfs" >"$TMP/lxcfs.log" 2>&1 &
	LXCFS_PID=$!
	wait_for test -e "$TMP/lxcfs/proc/meminfo" || fail "LXCFS did not start: $(cat "$TMP/lxcfs.log")"
}

teardown() {
	if [ -n "${LXCFS_PID:-}" ]; then
		fusermount -u "$TMP/lxcfs" 2>/dev/null || umount -l "$TMP/lxcfs" 2>/dev/null
		kill "$LXCFS_PID" 2>/dev/null
		wait "$LXCFS_PID" 2>/dev/null
	fi
	helpers_teardown
}

memtotal() { sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p'; }

@test "a zone with a memory limit sees the limit as MemTotal, the host still its own" {
	cfg '.annotations["org.zone.lxcfs"] = $d
		| .linux.resources.memory.limit = 67108864' --arg d "$TMP/lxcfs"
	args sh -c 'cat /proc/meminfo; grep -c " /proc/[a-z]* .* - fuse" /proc/self/mountinfo'
	zrun run "$ID"
	assert_success
	[ "$(memtotal <<<"$output")" = 65536 ] || fail "MemTotal in the zone: $output"
	# meminfo, cpuinfo, stat, uptime, diskstats, swaps, loadavg: all from LXCFS.
	[ "${lines[-1]}" = 7 ] || fail "LXCFS binds in the zone's /proc: ${lines[-1]}"
	[ "$(memtotal </proc/meminfo)" != 65536 ] || fail "the host's MemTotal changed"
}

@test "org.zone.lxcfs=false keeps the kernel's /proc files" {
	cfg '.annotations["org.zone.lxcfs"] = "false" | .linux.resources.memory.limit = 67108864'
	args sh -c 'cat /proc/meminfo; grep -c " - fuse" /proc/self/mountinfo; true'
	zrun run "$ID"
	assert_success
	[ "$(memtotal <<<"$output")" = "$(memtotal </proc/meminfo)" ] || fail "MemTotal: $output"
	[ "${lines[-1]}" = 0 ]
}

@test "a zone without a /proc mount gets no LXCFS files" {
	cfg '.annotations["org.zone.lxcfs"] = $d
		| .mounts |= map(select(.destination != "/proc"))' --arg d "$TMP/lxcfs"
	args sh -c 'test -e /proc/meminfo && echo present || echo absent'
	zrun run "$ID"
	assert_success
	[ "$output" = absent ]
}

@test "an org.zone.lxcfs mount point without LXCFS is refused clearly" {
	mkdir -p "$TMP/nolxcfs"
	cfg '.annotations["org.zone.lxcfs"] = $d' --arg d "$TMP/nolxcfs"
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches "org.zone.lxcfs.*$TMP/nolxcfs/proc/meminfo.*is LXCFS running"
	zrun delete --force "$ID"
}

@test "an org.zone.lxcfs value that is no path nor boolean is refused before anything runs" {
	cfg '.annotations["org.zone.lxcfs"] = "lxcfs"'
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches 'annotations\["org.zone.lxcfs"\]: "lxcfs" is neither true, false nor an absolute path'
	[ -z "$(ls -A "$STATE")" ] || fail "state left: $(ls -A "$STATE")"
}
