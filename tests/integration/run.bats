#!/usr/bin/env bats
# `run`: output, exit status, signals and --detach.

load helpers

@test "run prints the zone's output and returns its exit status" {
	args sh -c 'echo out; echo err >&2; exit 3'
	zrun run "$ID"
	[ "$status" -eq 3 ]
	assert_output out
	[ "$stderr" = err ]
	zrun state "$ID"
	assert_failure
}

@test "run returns 128+N when the zone is killed by signal N" {
	# Outside a pid namespace: a namespace's init ignores SIGKILL sent from inside it.
	cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
	args sh -c 'kill -9 $$'
	zrun run "$ID"
	[ "$status" -eq 137 ]
}

@test "run forwards SIGTERM to the zone" {
	args sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
	# The runtime itself in the background (not a subshell), so the signal goes to it.
	echo "$ID" >>"$TMP/ids"
	"$ZONE_OCI" --root "$STATE" run "$ID" </dev/null >"$TMP/out" 2>"$TMP/err" &
	bg=$!
	register_pid "$bg"
	wait_for grep -q ready "$TMP/out"
	kill -TERM "$bg"
	rc=0
	wait "$bg" || rc=$?
	[ "$rc" -eq 7 ]
	grep -q got-term "$TMP/out"
}

@test "run --detach returns while the zone keeps running" {
	args sleep 1000
	zrun run --detach --pid-file "$TMP/pidfile" "$ID"
	assert_success
	wait_for status_is "$ID" running
	pid=$(container_pid "$ID")
	[ "$(cat "$TMP/pidfile")" = "$pid" ]
	grep -q sleep "/proc/$pid/cmdline"
	zone_oci kill "$ID" KILL
	wait_for status_is "$ID" stopped
	zone_oci delete "$ID"
}

@test "run -d with exit status kept until delete" {
	args sh -c 'exit 5'
	zrun run -d "$ID"
	assert_success
	wait_for status_is "$ID" stopped
	zone_oci delete "$ID"
}
