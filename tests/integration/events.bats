#!/usr/bin/env bats
# zone-oci events (stats once, the stats stream, OOM events) and ps from the zone's cgroup.

load helpers

# The stream of `events` goes to a file; a background reader is a pid teardown kills.
start_events() {
	zone_oci events "$@" </dev/null >"$TMP/events.out" 2>"$TMP/events.err" &
	EVENTS_PID=$!
	register_pid "$EVENTS_PID"
}

# at_least TYPE N: the stream has N events of TYPE so far.
at_least() {
	[ "$(jq -c --arg t "$1" 'select(.type == $t)' "$TMP/events.out" 2>/dev/null | wc -l)" -ge "$2" ]
}

@test "events --stats: one runc-style stats object with the zone's memory limit, pids and cpu time" {
	cfg '.linux.resources = {"memory":{"limit":67108864},"pids":{"limit":50}}'
	args sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; touch /tmp/busy-done; exec sleep 1000'
	zrun run --detach "$ID"
	assert_success
	wait_for test -e "$ROOTFS/tmp/busy-done"
	zrun events --stats "$ID"
	assert_success
	[ "${#lines[@]}" -eq 1 ] || fail "expected one line, got: $output"
	echo "$output" | jq -e . >/dev/null || fail "not JSON: $output"
	[ "$(echo "$output" | jq -r .type)" = stats ]
	[ "$(echo "$output" | jq -r .id)" = "$ID" ]
	[ "$(echo "$output" | jq -r .data.memory.usage.limit)" = 67108864 ]
	[ "$(echo "$output" | jq -r .data.memory.usage.usage)" -gt 0 ]
	[ "$(echo "$output" | jq -r '.data.memory.raw | length')" -gt 0 ]
	[ "$(echo "$output" | jq -r .data.pids.current)" -ge 1 ]
	[ "$(echo "$output" | jq -r .data.pids.limit)" = 50 ]
	[ "$(echo "$output" | jq -r .data.cpu.usage.total)" -gt 0 ]
	echo "$output" | jq -e '.data.cpu.usage | has("kernel") and has("user")' >/dev/null
	echo "$output" | jq -e '.data.blkio | type == "object"' >/dev/null
	echo "$output" | jq -e '.data.hugetlb | type == "object"' >/dev/null
	zrun delete --force "$ID"
	assert_success
}

@test "events --interval 1s streams stats until the zone is killed, then exits 0" {
	args sleep 1000
	zrun run --detach "$ID"
	assert_success
	start_events --interval 1s "$ID"
	wait_for at_least stats 2 || fail "fewer than 2 stats objects: $(cat "$TMP/events.out")"
	zrun kill "$ID" KILL
	assert_success
	wait_for sh -c "! kill -0 $EVENTS_PID 2>/dev/null" || fail "events still runs after the zone died"
	wait "$EVENTS_PID" || fail "events exited $? ($(cat "$TMP/events.err"))"
	[ ! -s "$TMP/events.err" ] || fail "events wrote to stderr: $(cat "$TMP/events.err")"
	# Every line is a stats object of this zone.
	[ "$(jq -c 'select(.type == "stats" and .id == $id)' --arg id "$ID" "$TMP/events.out" | wc -l)" = \
		"$(wc -l <"$TMP/events.out")" ]
	zrun delete "$ID"
	assert_success
}

@test "events reports an OOM in the zone's cgroup as it happens" {
	cfg '.linux.resources = {"memory":{"limit":16777216,"swap":16777216}}'
	args sleep 1000
	zrun run --detach "$ID"
	assert_success
	start_events --interval 1s "$ID"
	# Its first stats line says events follows the zone (the OOM source is made before).
	wait_for at_least stats 1
	# dd's 64 MiB buffer cannot fit under a 16 MiB limit: the OOM killer ends it.
	zrun exec "$ID" dd if=/dev/zero of=/dev/null bs=64M count=1
	[ "$status" -ne 0 ] || fail "dd was not killed"
	wait_for at_least oom 1 || fail "no oom event: $(cat "$TMP/events.out")"
	[ "$(jq -c 'select(.type == "oom")' "$TMP/events.out" | head -1)" = "{\"type\":\"oom\",\"id\":\"$ID\"}" ]
	# Only dd went: the zone itself lives on.
	status_is "$ID" running
	zrun delete --force "$ID"
	assert_success
	wait_for sh -c "! kill -0 $EVENTS_PID 2>/dev/null"
	wait "$EVENTS_PID" || fail "events exited $?"
}

@test "ps --format json lists exactly the zone's processes from its cgroup" {
	args sh -c 'sleep 1001 & sleep 1002; true'
	zrun run --detach "$ID"
	assert_success
	init=$(container_pid "$ID")
	zrun exec --detach "$ID" sleep 1003
	assert_success
	wait_for sh -c "[ \$($ZONE_OCI --root $STATE ps --format json $ID | jq length) -eq 4 ]" ||
		fail "expected 4 processes: $($ZONE_OCI --root "$STATE" ps --format json "$ID")"
	zrun ps --format json "$ID"
	assert_success
	echo "$output" | jq -e 'type == "array" and all(type == "number")' >/dev/null
	# Exactly what the kernel has in the zone's cgroup: init (sh), its two sleeps, the exec'd one.
	cmds=$(for p in $(echo "$output" | jq '.[]'); do tr '\0' ' ' </proc/"$p"/cmdline; echo; done | sort)
	expected=$(printf '%s\n' "sh -c sleep 1001 & sleep 1002; true " "sleep 1001 " "sleep 1002 " "sleep 1003 " | sort)
	[ "$cmds" = "$expected" ] || fail "ps lists: $cmds"
	echo "$output" | jq -e --argjson p "$init" 'index($p) != null' >/dev/null
	# A host process is never one of them.
	echo "$output" | jq -e --argjson p $$ 'index($p) == null' >/dev/null
	# kill --all reaches every one of them (the forked ones included).
	zrun kill --all "$ID" KILL
	assert_success
	for p in $(echo "$output" | jq '.[]'); do
		wait_for sh -c "! kill -0 $p 2>/dev/null" || fail "process $p survived kill --all"
	done
	wait_for status_is "$ID" stopped
	zrun delete "$ID"
	assert_success
}

@test "events: bad input and a stopped zone give one-line errors" {
	zrun events --stats nosuchzone
	assert_one_line_error
	assert_stderr_matches 'nosuchzone.*does not exist'
	zrun events nosuchzone
	assert_one_line_error
	zrun create "$ID"
	assert_success
	zrun events --interval 0s "$ID"
	assert_one_line_error
	assert_stderr_matches 'interval'
	zrun events --interval fast "$ID"
	assert_one_line_error
	zrun start "$ID"
	assert_success
	wait_for status_is "$ID" stopped
	zrun events --stats "$ID"
	assert_one_line_error
	assert_stderr_matches 'stopped'
	zrun events "$ID"
	assert_one_line_error
	zrun delete "$ID"
	assert_success
}
