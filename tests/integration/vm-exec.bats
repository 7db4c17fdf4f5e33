#!/usr/bin/env bats
# exec and stdin for emulated zones: the exec'd process runs in the guest; on the host its
# relay (the pid exec reports) gives back its stdout, stderr and exit status, feeds it the
# caller's stdin, forwards the caller's signals, and dies with the zone. The zone's own
# process gets run's stdin. Needs qemu-system-x86_64 and the guest (`make vm`).

load helpers
load vm-helpers

# A zone whose process runs until killed, with its VM up.
run_sleeping_zone() {
	args sleep 1000
	zrun run --detach "$ID"
	[ "$status" -eq 0 ]
	status_is "$ID" running
}

end_zone() {
	zrun delete --force "$ID"
	[ "$status" -eq 0 ]
	[ ! -e "$STATE/$ID" ]
}

@test "vm exec: stdout, stderr and the exit status of the exec'd process" {
	run_sleeping_zone
	zrun exec "$ID" sh -c 'echo out-line; echo err-line >&2; exit 5'
	[ "$status" -eq 5 ]
	[ "$output" = out-line ]
	[ "$stderr" = err-line ]
	end_zone
}

@test "vm exec: env, cwd and user from exec's options" {
	run_sleeping_zone
	zrun exec --env FOO=from-exec --cwd /tmp --user 1234:567 "$ID" \
		sh -c 'echo "foo=$FOO"; pwd; id -u; id -g'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = foo=from-exec ]
	[ "${lines[1]}" = /tmp ]
	[ "${lines[2]}" = 1234 ]
	[ "${lines[3]}" = 567 ]
	end_zone
}

@test "vm exec: several execs one after the other while the zone's process runs" {
	run_sleeping_zone
	pid=$(container_pid "$ID")
	for i in 1 2 3; do
		zrun exec "$ID" sh -c "echo n=$i; exit $i"
		[ "$status" -eq "$i" ]
		[ "$output" = "n=$i" ]
	done
	# Each saw the zone's own process (the same pid namespace, in the guest).
	zrun exec "$ID" sh -c 'cat /proc/1/cmdline | tr "\0" " "'
	[ "$output" = "sleep 1000 " ]
	# The zone is still the same one.
	[ "$(container_pid "$ID")" = "$pid" ]
	status_is "$ID" running
	end_zone
}

@test "vm exec: two execs at once each get their own output and input" {
	run_sleeping_zone
	mkfifo "$TMP/in"
	zone_oci exec "$ID" sh -c 'echo started; read x; echo first-$x' \
		<"$TMP/in" >"$TMP/a.out" 2>&1 &
	a=$!
	register_pid "$a"
	exec 7>"$TMP/in"
	wait_for grep -q started "$TMP/a.out"
	# The first one waits for its input while the second runs and ends.
	zrun exec "$ID" sh -c 'echo second'
	[ "$status" -eq 0 ]
	[ "$output" = second ]
	echo go >&7
	exec 7>&-
	st=0
	wait "$a" || st=$?
	[ "$st" -eq 0 ]
	[ "$(cat "$TMP/a.out")" = "$(printf 'started\nfirst-go')" ]
	end_zone
}

@test "vm exec: stdin reaches the exec'd process and its end closes the process's stdin" {
	run_sleeping_zone
	run --separate-stderr zone_oci exec "$ID" sh -c 'cat; echo eof-seen'  < <(printf 'line1\nline2\n')
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = line1 ]
	[ "${lines[1]}" = line2 ]
	[ "${lines[2]}" = eof-seen ]
	# More than the relay's window (256 KiB) goes through whole.
	head -c 1000000 /dev/zero >"$TMP/big"
	run --separate-stderr zone_oci exec "$ID" wc -c <"$TMP/big"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tr -d ' ')" = 1000000 ]
	end_zone
}

@test "vm run: stdin reaches the zone's process and its end closes the process's stdin" {
	args sh -c 'cat; echo eof-seen'
	run --separate-stderr zone_oci run "$ID" < <(echo hi)
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hi ]
	[ "${lines[1]}" = eof-seen ]
	[ ! -e "$STATE/$ID" ]
}

@test "vm exec --detach returns at once; --pid-file names the relay, which ends with the zone" {
	run_sleeping_zone
	st=0
	zone_oci exec --detach --pid-file "$TMP/exec.pid" "$ID" sh -c 'echo detached; sleep 1000' \
		</dev/null >"$TMP/d.out" 2>&1 || st=$?
	[ "$st" -eq 0 ]
	relay=$(cat "$TMP/exec.pid")
	[ "$relay" -gt 0 ]
	kill -0 "$relay"
	# Its output still comes, to the caller's stdout it kept.
	wait_for grep -qx detached "$TMP/d.out"
	# The relay is in the zone's cgroup, as exec'd processes of light zones are.
	grep -qx "$relay" "$(cg_dir pids)/cgroup.procs"
	# It is still running, and so is the zone.
	kill -0 "$relay"
	status_is "$ID" running
	end_zone
	wait_for gone "$relay"
}

@test "vm exec: a signal to the exec caller reaches the exec'd process" {
	run_sleeping_zone
	"$ZONE_OCI" --root "$STATE" exec "$ID" \
		sh -c 'trap "echo got-term; exit 9" TERM; echo ready; while :; do sleep 0.1; done' \
		</dev/null >"$TMP/out" 2>"$TMP/err" &
	caller=$!
	register_pid "$caller"
	wait_for grep -qx ready "$TMP/out"
	kill -TERM "$caller"
	st=0
	wait "$caller" || st=$?
	[ "$st" -eq 9 ]
	[ "$(cat "$TMP/out")" = "$(printf 'ready\ngot-term')" ]
	status_is "$ID" running
	end_zone
}

@test "vm exec: an exec'd process still running when the zone's process ends dies with the zone" {
	args sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	zrun run --detach "$ID"
	[ "$status" -eq 0 ]
	"$ZONE_OCI" --root "$STATE" exec "$ID" sh -c 'echo ready; exec sleep 1000' \
		</dev/null >"$TMP/out" 2>"$TMP/err" &
	caller=$!
	register_pid "$caller"
	wait_for grep -qx ready "$TMP/out"
	# SIGTERM ends the zone's process in the guest, and the zone with it.
	zrun kill "$ID" TERM
	[ "$status" -eq 0 ]
	st=0
	wait "$caller" || st=$?
	[ "$st" -eq 137 ]
	wait_for status_is "$ID" stopped
	zrun delete "$ID"
	[ "$status" -eq 0 ]
	[ ! -e "$STATE/$ID" ]
}

@test "vm exec: a program that cannot be exec'd is one clear error and the zone runs on" {
	run_sleeping_zone
	zrun exec "$ID" /no/such/program
	[ "$status" -ne 0 ]
	assert_one_line_error
	assert_stderr_matches '/no/such/program'
	status_is "$ID" running
	zrun exec "$ID" true
	[ "$status" -eq 0 ]
	end_zone
}

@test "vm exec: --tty without a console socket: the output comes through the pty" {
	run_sleeping_zone
	# The caller's stdin is not a terminal: exec relays the pty all the same.
	zrun exec --tty "$ID" sh -c '[ -t 0 ] && [ -t 1 ] && echo via-tty; exit 2'
	[ "$status" -eq 2 ]
	[ "$(printf '%s' "$output" | tr -d '\r')" = via-tty ]
	end_zone
}

@test "vm exec: the control socket is root's alone and goes with the zone" {
	run_sleeping_zone
	[ -S "$STATE/$ID/vm.sock" ]
	[ "$(stat -c %a "$STATE/$ID/vm.sock")" = 600 ]
	end_zone
	[ ! -e "$STATE/$ID/vm.sock" ]
	zrun exec "$ID" true
	[ "$status" -ne 0 ]
	assert_one_line_error
}
