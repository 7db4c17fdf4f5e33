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


# A console socket's receiver that sets the terminal's size (rows cols) once it has the
# master and types INPUT (a line) if given, then copies what the zone writes to tty.out, as
# recvtty does.
start_resizing_receiver() {
	command -v python3 >/dev/null || skip "no python3 for the resizing receiver"
	cat >"$TMP/resizetty.py" <<'PY'
import fcntl, os, socket, struct, sys, termios
sock_path, out_path, rows, cols = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sock_path + ".tmp")
s.listen(1)
os.rename(sock_path + ".tmp", sock_path)
conn, _ = s.accept()
_, fds, _, _ = socket.recv_fds(conn, 64, 1)
master = fds[0]
fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
if len(sys.argv) > 5:
    os.write(master, sys.argv[5].encode() + b"\n")
with open(out_path, "wb") as out:
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        out.write(data)
        out.flush()
PY
	python3 "$TMP/resizetty.py" "$TMP/tty.sock" "$TMP/tty.out" "$@" 2>"$TMP/recvtty.err" &
	RECV_PID=$!
	register_pid "$RECV_PID"
	wait_for test -S "$TMP/tty.sock"
}

@test "vm tty: a size set on the console socket's master reaches the guest's terminal" {
	start_resizing_receiver 41 123
	cfg '.process.terminal = true'
	# No consoleSize: the guest's terminal has the size only if RESIZE brought it. Waits (at
	# most 300 rounds) for it.
	args sh -c 'i=0; while [ "$(stty size)" != "41 123" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; stty size'
	zrun run --console-socket "$TMP/tty.sock" "$ID"
	assert_success
	wait "$RECV_PID"
	tty_output
	assert_line '41 123'
	[ ! -e "$STATE/$ID" ]
}

@test "vm tty: input typed on the console socket's master reaches the process" {
	start_resizing_receiver 24 80 typed-in
	cfg '.process.terminal = true'
	args sh -c 'read -r line; echo "got:$line"'
	zrun run --console-socket "$TMP/tty.sock" "$ID"
	assert_success
	wait "$RECV_PID"
	tty_output
	assert_line got:typed-in
	[ ! -e "$STATE/$ID" ]
}

@test "vm tty: exec --tty with a console socket gets a pty of its own, its output and status" {
	args sleep 1000
	zrun run --detach "$ID"
	assert_success
	start_recvtty
	zrun exec --tty --console-socket "$TMP/tty.sock" "$ID" \
		sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo exec-tty; echo exec-last; exit 6'
	[ "$status" -eq 6 ]
	wait "$RECV_PID"
	tty_output
	assert_line --index 0 isatty=1
	assert_line --regexp '^/dev/pts/[0-9]+$'
	assert_line exec-tty
	assert_line exec-last
	zrun delete --force "$ID"
	assert_success
	[ ! -e "$STATE/$ID" ]
}

@test "vm tty: exec --tty --detach with a console socket; the size set on it reaches the process" {
	args sleep 1000
	zrun run --detach "$ID"
	assert_success
	start_resizing_receiver 29 77
	zrun exec --tty --detach --console-socket "$TMP/tty.sock" "$ID" \
		sh -c 'i=0; while [ "$(stty size)" != "29 77" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; stty size'
	assert_success
	wait "$RECV_PID"
	tty_output
	assert_line '29 77'
	zrun delete --force "$ID"
	assert_success
	[ ! -e "$STATE/$ID" ]
}

# The foreground cases without a console socket need a terminal for the runtime itself:
# script(1) gives it one, whose size the zone's terminal takes. What script writes to the
# terminal when its own input (/dev/null) ends reaches the guest's terminal, which echoes it:
# the lines are matched unanchored at the start.
@test "vm tty: run without a console socket relays the pty in the foreground" {
	command -v script >/dev/null || skip "no script(1) to provide a terminal"
	cfg '.process.terminal = true'
	args sh -c 'tty; stty size; exit 3'
	echo "$ID" >>"$TMP/ids"
	run bash -c 'script -qec "stty rows 27 cols 93; $0 --root $1 run $2; echo rc=\$?" /dev/null </dev/null' \
		"$ZONE_OCI" "$STATE" "$ID"
	assert_line --regexp '/dev/pts/[0-9]+'
	assert_line --partial '27 93'
	assert_line --partial rc=3
	[ ! -e "$STATE/$ID" ]
}

@test "vm tty: exec --tty without a console socket relays the pty in the foreground" {
	command -v script >/dev/null || skip "no script(1) to provide a terminal"
	args sleep 1000
	zrun run --detach "$ID"
	assert_success
	run bash -c 'script -qec "stty rows 31 cols 87; $0 --root $1 exec --tty $2 sh -c \"tty; stty size; exit 5\"; echo rc=\$?" /dev/null </dev/null' \
		"$ZONE_OCI" "$STATE" "$ID"
	assert_line --regexp '/dev/pts/[0-9]+'
	assert_line --partial '31 87'
	assert_line --partial rc=5
	zrun delete --force "$ID"
	assert_success
	[ ! -e "$STATE/$ID" ]
}

@test "vm tty: an exec --tty that fails leaves nothing for the next one" {
	args sleep 1000
	zrun run --detach "$ID"
	assert_success
	zrun exec --tty "$ID" /no/such/program
	[ "$status" -ne 0 ]
	zrun exec --tty "$ID" sh -c 'echo second-exec; exit 4'
	[ "$status" -eq 4 ]
	[ "$(printf '%s' "$output" | tr -d '\r')" = second-exec ]
	zrun delete --force "$ID"
	assert_success
	[ ! -e "$STATE/$ID" ]
}
