#!/usr/bin/env bats
# One real attack per class of container-runtime CVE, each from inside a zone made for it. Every
# test asserts that the attack failed and that the host is unchanged. Each says how it was
# checked that it fails when the protection is missing (an attack that works against runc 1.1.5,
# which predates several fixes, proves the test can fail).

load helpers

# The attacker's helpers (tests/integration/helpers/zone-attack*.c), built next to recvtty
# unless ZONE_ATTACK names the helper (zone-attack-ld beside it).
setup_file() {
	if [ -z "${ZONE_ATTACK:-}" ] && [ -n "${RECVTTY:-}" ]; then
		local build
		build=$(dirname "$(dirname "$RECVTTY")")
		make -s -C "$(dirname "$BATS_TEST_FILENAME")/../.." BUILD="$build" \
			"$build/tests/zone-attack" "$build/tests/zone-attack-ld" >/dev/null 2>&1
		ZONE_ATTACK=$build/tests/zone-attack
	fi
	export ZONE_ATTACK
}

need_attack() {
	[ -x "${ZONE_ATTACK:-}" ] ||
		skip "zone-attack helper not built (make BUILD=... BUILD/tests/zone-attack, then set ZONE_ATTACK)"
	cp "$ZONE_ATTACK" "$ROOTFS/zone-attack"
}

# A copy of the runtime under test, so an attack that works damages only the copy. The real
# one (ZONE_REAL) queries and cleans up, since a successful attack leaves the copy broken.
use_runtime_copy() {
	ZONE_REAL=$(command -v "$ZONE_OCI")
	cp "$ZONE_REAL" "$TMP/runtime-copy"
	ZONE_OCI=$TMP/runtime-copy
	RUNTIME_SUM=$(sha256sum <"$ZONE_OCI")
}

with_real() {
	ZONE_OCI=$ZONE_REAL "$@"
}

eval "$(declare -f teardown | sed '1s/^teardown/helpers_teardown/')"
teardown() {
	[ -n "${ZONE_REAL:-}" ] && ZONE_OCI=$ZONE_REAL
	helpers_teardown
}

assert_runtime_unchanged() {
	[ "$(sha256sum <"$ZONE_OCI")" = "$RUNTIME_SUM" ] || fail "the runtime binary was modified"
	if grep -q ZONE-ATTACK-WAS-HERE "$ZONE_OCI"; then
		fail "the runtime binary carries the attacker's marker"
	fi
}

refute_output_regex() {
	if [[ "$1" =~ $2 ]]; then
		fail "attack succeeded: /$2/ in: $1"
	fi
}

# --- 1. CVE-2019-5736: overwriting the runtime binary from the zone ---------------------------

# The exploit of CVE-2019-5736: exec a program whose interpreter is /proc/self/exe, i.e. the
# runtime's binary; the image's "loader" then runs with the binary's fd at hand and a process
# that no longer maps it reopens it for writing. Checked to fail without the protection: against
# zone-oci's dynamic (ASan) build, which runs from the host file as is, the copy is overwritten.
# runc 1.1.5 runs from a sealed memfd clone of itself and passes.
@test "CVE-2019-5736: a program run through #!/proc/self/exe cannot overwrite the runtime" {
	need_attack
	use_runtime_copy
	# The runtime is dynamic: its loader comes from the image, so the attacker's code runs
	# with /proc/self/exe naming the runtime. A static runtime runs its own code instead (and
	# the watcher below tries to catch it).
	mkdir -p "$ROOTFS/lib64"
	[ -x "$ZONE_ATTACK-ld" ] || skip "zone-attack-ld helper not built"
	cp "$ZONE_ATTACK-ld" "$ROOTFS/lib64/ld-linux-x86-64.so.2"
	printf '#!/proc/self/exe\n' >"$ROOTFS/evil"
	chmod 755 "$ROOTFS/evil"
	args sh -c "/zone-attack exe-watch 4 >/tmp/watch.out 2>&1; sleep 30"
	zrun run --detach "$ID"
	assert_success
	zone_oci exec "$ID" /evil >/dev/null 2>"$TMP/evil.err" || true
	# The attacker's second process retries while the binary is busy, then says "reopen done".
	wait_for grep -q "reopen done" "$ROOTFS/tmp/interp.out" || true
	wait_for grep -q "watch done" "$ROOTFS/tmp/watch.out" || true
	local diag
	diag="exec: $(cat "$TMP/evil.err"); attacker: $(cat "$ROOTFS/tmp/interp.out" 2>/dev/null); watcher: $(cat "$ROOTFS/tmp/watch.out")"
	with_real zrun delete --force "$ID"
	assert_success
	[ "$(sha256sum <"$ZONE_OCI")" = "$RUNTIME_SUM" ] || fail "the runtime binary was overwritten ($diag)"
}

# Checked to fail without the protection: with PR_SET_DUMPABLE left on (and the zone given
# CAP_SYS_PTRACE), /proc/1/exe of a waiting init opens O_PATH and reopens for writing once the
# runtime exits.
@test "CVE-2019-5736: the zone's init (runtime code until start) cannot be opened via /proc/PID/exe" {
	need_attack
	use_runtime_copy
	zrun create "$ID"
	assert_success
	zrun exec "$ID" /zone-attack exe-probe 1
	assert_success
	assert_line --regexp '^O_PATH exe: (Permission denied|Operation not permitted)$'
	assert_line --regexp '^O_WRONLY exe: (Permission denied|Operation not permitted|Text file busy)$'
	assert_line --regexp '^O_RDWR mem: (Permission denied|Operation not permitted)$'
	refute_output --partial OVERWRITTEN
	with_real zrun delete --force "$ID"
	assert_success
	assert_runtime_unchanged
}

# Checked to fail without the protection: the watcher finds and holds any process whose exe is
# not its own; with a dumpable exec child it reports "O_PATH ... held" and overwrites the copy.
@test "CVE-2019-5736: a zone process watching for runtime processes during exec cannot write the runtime" {
	need_attack
	use_runtime_copy
	printf '#!/proc/self/exe\n' >"$ROOTFS/evil"
	chmod 755 "$ROOTFS/evil"
	args sh -c "/zone-attack exe-watch 5 >/tmp/watch.out 2>&1"
	zrun run --detach "$ID"
	assert_success
	local i
	for i in $(seq 15); do
		zone_oci exec "$ID" /bin/true >/dev/null 2>&1 || true
		zone_oci exec "$ID" /evil >/dev/null 2>&1 || true
	done
	local pid
	pid=$(with_real container_pid "$ID")
	# The watcher's output is the zone's stdout, which run --detach sent to our file.
	wait_for sh -c "! kill -0 $pid 2>/dev/null"
	run cat "$ROOTFS/tmp/watch.out"
	refute_output --partial OVERWRITTEN
	refute_output --regexp 'O_PATH .*: (held|opened)'
	with_real zrun delete --force "$ID"
	assert_runtime_unchanged
}
