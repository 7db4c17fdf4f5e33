#!/usr/bin/env bats
# Failures: non-zero exit, one line on stderr naming the problem, nothing left behind.

load helpers

nothing_left() {
	zrun state "$1"
	assert_failure
	[ -z "$(ls -A "$STATE")" ] || fail "state root not empty: $(ls -A "$STATE")"
	[ -z "$(procs_in_tmp)" ] || fail "processes left: $(procs_in_tmp)"
}

@test "missing config.json" {
	rm "$BUNDLE/config.json"
	zrun create "$ID"
	assert_one_line_error
	assert_stderr_matches "config\\.json"
	nothing_left "$ID"
}

@test "malformed JSON" {
	echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	zrun create "$ID"
	assert_one_line_error
	assert_stderr_matches "config\\.json"
	nothing_left "$ID"
}

@test "a field of the wrong type is named" {
	cfg '.process.args = "sh -c true"'
	zrun create "$ID"
	assert_one_line_error
	assert_stderr_matches "process\\.args"
	nothing_left "$ID"
}

@test "missing rootfs" {
	rm -rf "$ROOTFS"
	zrun create "$ID"
	assert_one_line_error
	assert_stderr_matches "rootfs"
	nothing_left "$ID"
}

@test "invalid container ids are refused" {
	long=$(printf 'a%.0s' $(seq 300))
	for bad in "" "$long" "a/b" ".." "."; do
		zrun create "$bad"
		assert_one_line_error
		assert_stderr_matches "id"
		[ -z "$(ls -A "$STATE")" ] || fail "state left for id '$bad': $(ls -A "$STATE")"
	done
	[ -z "$(procs_in_tmp)" ]
}

@test "a duplicate id is refused and the first zone is untouched" {
	args sleep 1000
	zrun create "$ID"
	assert_success
	pid=$(container_pid "$ID")
	zrun create "$ID"
	assert_one_line_error
	assert_stderr_matches "$ID"
	status_is "$ID" created
	[ "$(container_pid "$ID")" = "$pid" ]
}

@test "start of a running zone fails" {
	args sleep 1000
	zrun run -d "$ID"
	assert_success
	zrun start "$ID"
	assert_one_line_error
	assert_stderr_matches "running"
	status_is "$ID" running
}

@test "start of a stopped zone fails" {
	args true
	zrun create "$ID"
	assert_success
	zone_oci start "$ID"
	wait_for status_is "$ID" stopped
	zrun start "$ID"
	assert_one_line_error
	assert_stderr_matches "stopped"
}

@test "delete of a running zone without --force fails" {
	args sleep 1000
	zrun run -d "$ID"
	assert_success
	zrun delete "$ID"
	assert_one_line_error
	assert_stderr_matches "running"
	status_is "$ID" running
}

@test "an unknown command or option fails with usage on one line" {
	zrun no-such-command
	[ "$status" -ne 0 ]
	zrun state --no-such-option "$ID"
	[ "$status" -ne 0 ]
}

@test "exec into a zone that does not exist fails" {
	zrun exec "zt-no-such-$U" true
	assert_one_line_error
}
