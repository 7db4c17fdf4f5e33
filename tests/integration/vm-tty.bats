#!/usr/bin/env bats
# Terminals of emulated zones: the runtime sends the master of a host pty to --console-socket
# (or relays it in the foreground); the zone's process in the guest has a pty of the guest
# as its stdio and controlling terminal, and the host pty's size reaches it. Needs
# qemu-system-x86_64 and the guest (`make vm`), and the recvtty helper for console sockets.

load helpers
load vm-helpers

start_recvtty() {
	[ -x "${RECVTTY:-}" ] || skip "recvtty helper not built (make BUILD=... BUILD/tests/recvtty, then set RECVTTY)"
	rm -f "$TMP/tty.out"
	"$RECVTTY" "$TMP/tty.sock" "$TMP/tty.out" 2>"$TMP/recvtty.err" &
	RECV_PID=$!
	register_pid "$RECV_PID"
	wait_for test -S "$TMP/tty.sock"
}

# What the pty carried, without the terminal's carriage returns.
tty_output() {
	run tr -d '\r' <"$TMP/tty.out"
}

@test "vm tty: run with a console socket: a guest pty as stdio, the output, the exit status" {
	start_recvtty
	cfg '.process.terminal = true'
	args sh -c 'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; echo last-line; exit 7'
	# In the foreground: run waits for the process and exits with its status.
	zrun run --console-socket "$TMP/tty.sock" "$ID"
	[ "$status" -eq 7 ]
	wait "$RECV_PID"
	tty_output
	assert_line --index 0 isatty=1
	assert_line --regexp '^/dev/pts/[0-9]+$'
	assert_line all-tty
	# The last line is not lost to the end of the process.
	assert_line last-line
	[ ! -e "$STATE/$ID" ]
}

@test "vm tty: create and start with a console socket; the state's pid is the one to wait on" {
	start_recvtty
	cfg '.process.terminal = true'
	args sh -c 'echo created-tty'
	zrun create --console-socket "$TMP/tty.sock" "$ID"
	assert_success
	status_is "$ID" created
	zrun start "$ID"
	assert_success
	wait "$RECV_PID"
	wait_for status_is "$ID" stopped
	tty_output
	assert_line --index 0 isatty=1
	assert_line created-tty
	zrun delete "$ID"
	assert_success
	[ ! -e "$STATE/$ID" ]
}

@test "vm tty: process.consoleSize is the guest terminal's size" {
	start_recvtty
	cfg '.process.terminal = true | .process.consoleSize = {"height": 33, "width": 101}'
	args stty size
	zrun run --detach --console-socket "$TMP/tty.sock" "$ID"
	assert_success
	wait "$RECV_PID"
	tty_output
	assert_line '33 101'
	wait_for status_is "$ID" stopped
	zrun delete "$ID"
	assert_success
}

@test "vm tty: a detached terminal zone without a console socket is refused" {
	cfg '.process.terminal = true'
	zrun run --detach "$ID"
	[ "$status" -ne 0 ]
	assert_one_line_error
	assert_stderr_matches 'needs --console-socket'
	[ ! -e "$STATE/$ID" ]
}

