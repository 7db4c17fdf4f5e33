#!/usr/bin/env bats
# The OCI lifecycle: create -> start -> exec -> kill -> delete, with state, list and pid file.

load helpers

@test "create, state, start, exec, kill, delete" {
	args sh -c 'echo init-started; exec sleep 1000'
	zone_oci create --pid-file "$TMP/pidfile" "$ID" </dev/null >"$TMP/init.out" 2>"$TMP/init.err"

	zrun state "$ID"
	assert_success
	[ "$(jq -r .id <<<"$output")" = "$ID" ]
	[ "$(jq -r .status <<<"$output")" = created ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	jq -e '.ociVersion | test("^1\\.")' <<<"$output"
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" -gt 0 ]
	[ -d "/proc/$pid" ]
	[ "$(cat "$TMP/pidfile")" = "$pid" ]
	# The user's process runs only at start.
	sleep 0.2
	[ ! -s "$TMP/init.out" ]

	zone_oci start "$ID"
	wait_for status_is "$ID" running
	wait_for grep -q init-started "$TMP/init.out"
	[ "$(container_pid "$ID")" = "$pid" ]

	zrun exec "$ID" sh -c 'echo from-exec; cat /proc/1/cmdline | tr "\0" " "'
	assert_success
	assert_line --index 0 from-exec
	assert_line --index 1 --partial "sleep 1000"

	zrun list
	assert_success
	assert_line --regexp "^$ID +$pid +running +$BUNDLE"
	zrun list --format json
	assert_success
	[ "$(jq -r --arg id "$ID" '.[] | select(.id == $id) | .status' <<<"$output")" = running ]
	[ "$(jq -r --arg id "$ID" '.[] | select(.id == $id) | .pid' <<<"$output")" = "$pid" ]

	zone_oci kill "$ID" KILL
	wait_for status_is "$ID" stopped
	[ ! -d "/proc/$pid" ] || ! grep -q sleep "/proc/$pid/cmdline"

	zone_oci delete "$ID"
	zrun state "$ID"
	assert_failure
	zrun list -q
	refute_output --partial "$ID"
}

@test "a zone whose process exits is stopped, and delete removes it" {
	args true
	zrun create "$ID"
	assert_success
	zone_oci start "$ID"
	wait_for status_is "$ID" stopped
	zrun delete "$ID"
	assert_success
	[ -z "$(ls -A "$STATE")" ]
}

@test "kill sends the named signal" {
	args sh -c 'trap "echo got-usr1 > /tmp/sig; exit 0" USR1; while :; do sleep 0.1; done'
	zrun run -d "$ID"
	assert_success
	wait_for status_is "$ID" running
	sleep 0.3
	zone_oci kill "$ID" USR1
	wait_for status_is "$ID" stopped
	[ "$(cat "$ROOTFS/tmp/sig")" = got-usr1 ]
}

@test "state and list answer during a create: the zone is creating, nobody waits for its lock" {
	is_foreign_runtime && skip "zone's own behaviour"
	# A createRuntime hook asks the runtime about the zone being created.
	cat >"$TMP/hook.sh" <<-SH
		#!/bin/sh
		timeout 10 "$ZONE_OCI" --root "$STATE" state "$ID" >"$TMP/hook-state" 2>&1
		timeout 10 "$ZONE_OCI" --root "$STATE" list --format json >"$TMP/hook-list" 2>&1
	SH
	chmod +x "$TMP/hook.sh"
	cfg '.hooks.createRuntime = [{path: $p, timeout: 20}]' --arg p "$TMP/hook.sh"
	args true
	zrun run "$ID"
	assert_success
	[ "$(jq -r .status "$TMP/hook-state")" = creating ] || fail "state: $(cat "$TMP/hook-state")"
	[ "$(jq -r --arg id "$ID" '.[] | select(.id == $id) | .status' "$TMP/hook-list")" = creating ] ||
		fail "list: $(cat "$TMP/hook-list")"
}
