#!/usr/bin/env bats
# linux.seccomp in a zone: errno and argument rules, the notify listener, the x32 entry point
# under an amd64 allowlist, and the bad inputs a user can give.

load helpers

# The filter cache (<state root>/.seccomp) is meant to outlive zones; the shared teardown
# counts everything in the state root, so it goes first.
eval "helpers_$(declare -f teardown)"
teardown() {
	[ -n "${STATE:-}" ] && rm -rf "$STATE/.seccomp"
	helpers_teardown
}

# The helpers (tests/integration/helpers/seccomp-listener.c, x32-call.c), built next to
# recvtty unless SECCOMP_HELPERS names their directory.
setup_file() {
	if [ -z "${SECCOMP_HELPERS:-}" ] && [ -n "${RECVTTY:-}" ]; then
		local build
		build=$(dirname "$(dirname "$RECVTTY")")
		make -s -C "$(dirname "$BATS_TEST_FILENAME")/../.." BUILD="$build" \
			"$build/tests/seccomp-listener" "$build/tests/x32-call" >/dev/null 2>&1
		SECCOMP_HELPERS=$build/tests
	fi
	export SECCOMP_HELPERS
}

need_helper() {
	[ -x "${SECCOMP_HELPERS:-}/$1" ] ||
		skip "$1 helper not built (make BUILD=... BUILD/tests/$1, then set SECCOMP_HELPERS=BUILD/tests)"
}

# seccomp JSON: set linux.seccomp.
seccomp() {
	cfg '.linux.seccomp = $s' --argjson s "$1"
}

# Nothing of a failed zone is left: no state, no process.
nothing_left() {
	[ -z "$(ls -A "$STATE" | grep -v '^\.seccomp$')" ] ||
		fail "state root not empty: $(ls -A "$STATE")"
	[ -z "$(procs_in_tmp)" ] || fail "processes left: $(procs_in_tmp)"
}

@test "a denied syscall returns the configured errno" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95}]}'
	args /bin/pwd -P
	zrun run "$ID"
	assert_failure
	[[ "$stderr" == *"Operation not supported"* ]] || fail "pwd did not see EOPNOTSUPP: $stderr"

	# The same zone without the rule: pwd works, so the errno came from the filter.
	cfg 'del(.linux.seccomp)'
	zrun run "$ID"
	assert_success
	assert_output "/"
}

@test "an errno rule without errnoRet returns EPERM" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO"}]}'
	args /bin/pwd -P
	zrun run "$ID"
	assert_failure
	[[ "$stderr" == *"Operation not permitted"* ]] || fail "expected EPERM: $stderr"
}

@test "an argument filter tells calls of one syscall apart" {
	# personality(0xffffffff) only reads the persona; any change is refused.
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["personality"], "action": "SCMP_ACT_ERRNO",
		 "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_NE"}]}]}'
	args /bin/linux32 /bin/true
	zrun run "$ID"
	assert_failure
	[[ "$stderr" == *"Operation not permitted"* ]] || fail "linux32 was not refused: $stderr"

	args /bin/uname -m
	zrun run "$ID"
	assert_success
	assert_output "x86_64"

	# Without the filter linux32 works.
	cfg 'del(.linux.seccomp)'
	args /bin/linux32 /bin/uname -m
	zrun run "$ID"
	assert_success
	assert_output "i686"
}

@test "a notify listener receives the fd and the process state, and answers" {
	need_helper seccomp-listener
	local sock=$TMP/listener.sock
	"$SECCOMP_HELPERS/seccomp-listener" "$sock" "$TMP/listener.out" 4242 \
		2>"$TMP/listener.err" &
	local lpid=$!
	register_pid "$lpid"
	wait_for test -S "$sock" || fail "listener did not start: $(cat "$TMP/listener.err")"

	seccomp "$(jq -n --arg p "$sock" '{defaultAction: "SCMP_ACT_ALLOW",
		listenerPath: $p, listenerMetadata: "meta-bats",
		syscalls: [{names: ["getuid", "geteuid"], action: "SCMP_ACT_NOTIFY"}]}')"
	args /bin/id -u
	zrun run "$ID"
	assert_success
	assert_output "4242"

	wait "$lpid" || fail "listener failed: $(cat "$TMP/listener.err")"
	local doc
	doc=$(head -n 1 "$TMP/listener.out")
	jq -e --arg id "$ID" '.ociVersion == "1.2.0" and .fds == ["seccompFd"]
		and .metadata == "meta-bats" and (.pid | type == "number") and .pid > 0
		and .state.id == $id' <<<"$doc" >/dev/null || fail "bad process state: $doc"
	grep -q '^notified ' "$TMP/listener.out" || fail "no notification answered"
}

@test "an x32 syscall cannot walk around an amd64 allowlist" {
	need_helper x32-call
	cp "$SECCOMP_HELPERS/x32-call" "$ROOTFS/x32-call"
	# Unfiltered, x32 getcwd(NULL, 0) runs (ERANGE) or the kernel lacks x32 (ENOSYS).
	args /x32-call 79
	zrun run "$ID"
	[ "$status" -eq 34 ] || [ "$status" -eq 38 ] || fail "unfiltered x32 call: status $status"

	# An allowlist written for x86_64 only: getcwd is not in it, through any entry point.
	seccomp '{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 13,
		"architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
		{"names": ["execve", "exit_group", "exit"], "action": "SCMP_ACT_ALLOW"}]}'
	zrun run "$ID"
	[ "$status" -eq 13 ] || fail "x32 getcwd was not refused: status $status ($stderr)"
}

@test "bad seccomp input: one-line errors, nothing left behind" {
	local base='{"defaultAction": "SCMP_ACT_ALLOW"}'
	local cases=(
		'.defaultAction = "SCMP_ACT_FOO"|seccomp action'
		'.architectures = ["SCMP_ARCH_Z80"]|architectures\[0\]: unknown architecture "SCMP_ARCH_Z80"'
		'.flags = ["SECCOMP_FILTER_FLAG_NOPE"]|flags\[0\]: unknown flag'
		'.syscalls = [{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "args": [range(7) | {"index": (. % 6), "value": 1, "op": "SCMP_CMP_EQ"}]}]|syscalls\[0\]\.args: at most 6 conditions'
		'.syscalls = [{"names": ["getcwd"], "action": "SCMP_ACT_NOTIFY"}]|SCMP_ACT_NOTIFY needs linux\.seccomp\.listenerPath'
		'.listenerPath = "'"$TMP"'/missing.sock" | .syscalls = [{"names": ["getcwd"], "action": "SCMP_ACT_NOTIFY"}]|listenerPath .*/missing\.sock: connect: ENOENT'
		'.listenerPath = "'"$TMP"'/plain-file" | .syscalls = [{"names": ["getcwd"], "action": "SCMP_ACT_NOTIFY"}]|listenerPath .*/plain-file: connect: ECONNREFUSED'
	)
	touch "$TMP/plain-file"
	local c edit want
	for c in "${cases[@]}"; do
		edit=${c%|*}
		want=${c##*|}
		seccomp "$(jq -n "$base | $edit")"
		zrun run "$ID"
		assert_one_line_error
		assert_stderr_matches "$want"
		nothing_left
	done
}

@test "the compiled filter is cached root-only under the state root" {
	is_foreign_runtime && skip "zone's own cache"
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95}]}'
	args /bin/pwd -P
	zrun run "$ID"
	assert_failure
	local recs
	recs=$(find "$STATE/.seccomp" -name '*.bpf' | wc -l)
	[ "$recs" -eq 1 ] || fail "expected one record, found $recs"
	[ "$(stat -c %a "$STATE/.seccomp")" = 700 ]
	[ "$(stat -c %a:%u "$STATE"/.seccomp/*.bpf)" = 600:0 ]

	# The next zone with the same profile loads the record instead of compiling.
	zrun --debug --log "$TMP/debug.log" run "$ID"
	assert_failure
	grep -q "seccomp cache hit" "$TMP/debug.log" || fail "no cache hit: $(cat "$TMP/debug.log")"

	# A corrupted record is not trusted: the run still applies the right filter.
	local rec
	rec=$(echo "$STATE"/.seccomp/*.bpf)
	printf '\x00\x00\x00\x00' | dd of="$rec" bs=1 seek=100 conv=notrunc status=none
	zrun run "$ID"
	assert_failure
	[[ "$stderr" == *"Operation not supported"* ]] || fail "filter lost: $stderr"
	rm -rf "$STATE/.seccomp"
}
