#!/usr/bin/env bats
# OCI hooks: every kind at its step, in order, with the state on stdin, args and env.

load helpers

# One script for every kind, usable on the host (/bin/sh) and in the zone (busybox sh): it logs
# "KIND ID STATUS ARG2 HOOKVAR" to the log file given as its third argument.
write_hook() {
	cat >"$1" <<-'SH'
		#!/bin/sh
		state=$(cat)
		id=$(echo "$state" | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
		st=$(echo "$state" | sed -n 's/.*"status": *"\([^"]*\)".*/\1/p')
		echo "$1 $id $st $2 $HOOKVAR" >>"$3"
	SH
	chmod 755 "$1"
}

hook() { # hook KIND LOGPATH SCRIPTPATH
	jq -cn --arg k "$1" --arg log "$2" --arg p "$3" \
		'{path: $p, args: [$p, $k, "arg2", $log], env: ["HOOKVAR=env-" + $k]}'
}

@test "all six hooks run at their step, in order, with state, args and env" {
	[ "${ZONE_OCI##*/}" != runc ] || skip "runc 1.1 runs poststart hooks at create and repeats the create hooks at start"
	write_hook "$TMP/hook.sh"
	write_hook "$ROOTFS/hook.sh"
	log=$ROOTFS/hooks.log
	h() { hook "$1" "$log" "$TMP/hook.sh"; }
	cfg ".hooks = {
		prestart: [$(h prestart)],
		createRuntime: [$(h createRuntime)],
		createContainer: [$(h createContainer)],
		startContainer: [$(hook startContainer /hooks.log /hook.sh)],
		poststart: [$(h poststart)],
		poststop: [$(h poststop)]}"
	args sh -c 'echo process >> /hooks.log; sleep 1000'

	zrun create "$ID"
	assert_success
	run cut -d' ' -f1 "$log"
	assert_output "$(printf 'prestart\ncreateRuntime\ncreateContainer')"

	zone_oci start "$ID"
	wait_for grep -q '^process' "$log"
	wait_for grep -q '^poststart' "$log"
	zone_oci kill "$ID" KILL
	wait_for status_is "$ID" stopped
	zone_oci delete "$ID"

	run cut -d' ' -f1 "$log"
	# poststart runs after the process started; the two may log in either order.
	assert_line --index 0 prestart
	assert_line --index 1 createRuntime
	assert_line --index 2 createContainer
	assert_line --index 3 startContainer
	assert_line --index 6 poststop
	[ "$(sed -n '5,6p' "$log" | cut -d' ' -f1 | sort | tr '\n' ' ')" = "poststart process " ]

	run cat "$log"
	assert_line "prestart $ID creating arg2 env-prestart"
	assert_line "createRuntime $ID creating arg2 env-createRuntime"
	assert_line "createContainer $ID creating arg2 env-createContainer"
	assert_line "startContainer $ID created arg2 env-startContainer"
	assert_line "poststart $ID running arg2 env-poststart"
	assert_line "poststop $ID stopped arg2 env-poststop"
}

@test "a failing prestart hook makes create fail and leaves nothing behind" {
	cfg '.hooks = {prestart: [{path: "/bin/sh", args: ["sh", "-c", "echo hook-broke >&2; exit 3"]}]}'
	args sleep 1000
	zrun create "$ID"
	assert_failure
	zrun state "$ID"
	assert_failure
	[ -z "$(ls -A "$STATE")" ]
	[ -z "$(procs_in_tmp)" ]
}

@test "a hook that runs past its timeout fails create" {
	cfg '.hooks = {createRuntime: [{path: "/bin/sleep", args: ["sleep", "100"], timeout: 1}]}'
	args sleep 1000
	start=$SECONDS
	zrun create "$ID"
	assert_failure
	[ $((SECONDS - start)) -lt 10 ]
	zrun state "$ID"
	assert_failure
	[ -z "$(procs_in_tmp)" ]
	! pgrep -f '^sleep 100$' -P $$ >/dev/null
}

@test "a failing poststop hook does not stop delete" {
	cfg '.hooks = {poststop: [{path: "/bin/false"}]}'
	args true
	zrun run "$ID"
	assert_success
	zrun state "$ID"
	assert_failure
}
