#!/usr/bin/env bats
# Standard streams, --preserve-fds and terminals with --console-socket.

load helpers

@test "stdin reaches the zone" {
	args sh -c 'read line; echo "got:$line"'
	run sh -c 'echo hello | "$0" --root "$1" run "$2" 2>&1' "$ZONE_OCI" "$STATE" "$ID"
	echo "$ID" >>"$TMP/ids"
	assert_success
	assert_output got:hello
}

@test "--preserve-fds passes extra descriptors" {
	echo fd3-content >"$TMP/fd3"
	echo fd4-content >"$TMP/fd4"
	args sh -c 'cat /proc/self/fd/3 /proc/self/fd/4'
	zone_oci run --preserve-fds 2 "$ID" 3<"$TMP/fd3" 4<"$TMP/fd4" >"$TMP/out" 2>"$TMP/err" </dev/null
	run cat "$TMP/out"
	assert_line --index 0 fd3-content
	assert_line --index 1 fd4-content
}

@test "without --preserve-fds no extra descriptor leaks in" {
	echo secret >"$TMP/fd3"
	args sh -c 'ls /proc/self/fd'
	zone_oci run "$ID" 5<"$TMP/fd3" >"$TMP/out" 2>"$TMP/err" </dev/null
	run cat "$TMP/out"
	refute_line 5
}

start_recvtty() {
	[ -x "${RECVTTY:-}" ] || skip "recvtty helper not built (make BUILD=... BUILD/tests/recvtty, then set RECVTTY)"
	"$RECVTTY" "$TMP/tty.sock" "$TMP/tty.out" 2>"$TMP/recvtty.err" &
	RECV_PID=$!
	register_pid "$RECV_PID"
	wait_for test -S "$TMP/tty.sock"
}

@test "terminal: the pty master goes to --console-socket and carries the output" {
	start_recvtty
	cfg '.process.terminal = true'
	args sh -c 'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; echo hello-tty'
	# A console socket goes with --detach (the runtime does not stay to relay the pty).
	zrun run --detach --console-socket "$TMP/tty.sock" "$ID"
	assert_success
	wait "$RECV_PID"
	wait_for status_is "$ID" stopped
	run tr -d '\r' <"$TMP/tty.out"
	assert_line --index 0 isatty=1
	assert_line --regexp '^/dev/pts/[0-9]+$'
	assert_line all-tty
	assert_line hello-tty
}

@test "terminal: exec --tty gets its own pty" {
	args sleep 1000
	zrun run -d "$ID"
	assert_success
	start_recvtty
	zrun exec --detach --tty --console-socket "$TMP/tty.sock" "$ID" sh -c '[ -t 1 ] && echo exec-tty'
	assert_success
	wait "$RECV_PID"
	run tr -d '\r' <"$TMP/tty.out"
	assert_line --index 0 isatty=1
	assert_line exec-tty
}

@test "terminal without a console socket: run relays the zone's pty in the foreground" {
	command -v script >/dev/null || skip "no script(1) to provide a terminal"
	cfg '.process.terminal = true'
	args sh -c 'tty; echo relayed'
	echo "$ID" >>"$TMP/ids"
	# script(1) gives the runtime a terminal of its own; the zone gets a pty from its devpts.
	run bash -c 'sleep 1 | script -qec "$0 --root $1 run $2" /dev/null' "$ZONE_OCI" "$STATE" "$ID"
	assert_success
	assert_line --regexp '^/dev/pts/[0-9]+'
	assert_line --partial relayed
}
