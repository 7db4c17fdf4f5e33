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

# Checked to fail without the protection: runc 1.1.5's waiting init is reachable (O_PATH exe
# and O_RDWR mem open; it relies on a sealed memfd copy of itself instead), and the test fails
# there. zone-oci's init is not dumpable until execve.
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
# not its own; with a dumpable exec child it reports the runtime's path and overwrites the copy.
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
	# Between the runtime and the program a zone can only catch zone-exec, the sealed memfd
	# made for that one exec: holding it gives nothing, since it cannot be written. Any other
	# foreign exe (the runtime's binary) must never be reachable. (What the watcher holds may
	# be the zone's own program when the exec wins the race between its readlink and its open;
	# overwriting its own image's file is no escape, so only zone-exec counts here.)
	refute_output --regexp 'OVERWRITTEN pid [0-9]+ \(/memfd:zone-exec'
	refute_output --regexp 'found pid [0-9]+ exe /[^m]'
	refute_output --regexp 'found pid [0-9]+ exe /m[^e]'
	# A process seen while still the runtime (readlink refused: not dumpable) may have become
	# zone-exec by the time of the open; what is held is named, and must never be the runtime.
	refute_output --partial runtime-copy
	with_real zrun delete --force "$ID"
	assert_runtime_unchanged
}

# --- 2. CVE-2024-21626: runtime fds leaking into the zone -------------------------------------

# The zone's program sees only 0 1 2 (and ls's own directory fd, 3).
fds_only_stdio() {
	assert_success
	[ "$(echo "$output" | tr '\n' ' ')" = "0 1 2 3 " ] || fail "unexpected fds in the zone: $output"
}

# Checked to fail without the protection: a runtime that keeps any extra fd open (runc 1.1.5
# leaks its /sys/fs/cgroup handle) lists it here.
@test "CVE-2024-21626: run and exec leave only stdio open in the zone" {
	args ls /proc/self/fd
	zrun run "$ID"
	fds_only_stdio
	args sleep 30
	zrun run --detach "$ID"
	assert_success
	zrun exec "$ID" ls /proc/self/fd
	fds_only_stdio
}

@test "CVE-2024-21626: exec --tty leaves only the terminal open in the zone" {
	[ -x "${RECVTTY:-}" ] || skip "recvtty helper not built (set RECVTTY)"
	args sleep 30
	zrun run --detach "$ID"
	assert_success
	"$RECVTTY" "$TMP/tty.sock" "$TMP/tty.out" 2>"$TMP/recvtty.err" &
	register_pid $!
	wait_for test -S "$TMP/tty.sock"
	zrun exec --detach --tty --console-socket "$TMP/tty.sock" "$ID" sh -c 'echo fds: $(ls /proc/self/fd)'
	assert_success
	wait_for grep -q "fds:" "$TMP/tty.out"
	run tr -d '\r' <"$TMP/tty.out"
	# sh's command substitution runs ls in a subshell: fds 0-2 and ls's directory fd.
	assert_line "fds: 0 1 2 3"
}

# process.cwd naming a runtime fd: the zone must either fail to start or get a cwd inside its
# root. Escaped, ../../.. from the cwd reaches the host's root, where this bundle is.
# Checked to fail without the protection: runc 1.1.5 gives the zone a cwd in the host's
# /sys/fs/cgroup for one of these fds (its leaked fd 7 on this host), and the probe prints
# ESCAPED.
@test "CVE-2024-21626: process.cwd /proc/self/fd/N never puts the zone outside its root" {
	local n probe
	probe="test -e ../../../../../../../../../../..$BUNDLE/config.json && echo ESCAPED; readlink /proc/self/cwd"
	for n in 3 4 5 6 7 8 9 10; do
		cfg '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		args sh -c "$probe"
		zrun run "$ID-$n"
		if [ "$status" -eq 0 ]; then
			refute_output --partial ESCAPED
		else
			assert_one_line_error
		fi
		zrun delete --force "$ID-$n"
	done
}

# Checked to fail without the protection: as above, with runc exec --cwd.
@test "CVE-2024-21626: exec --cwd /proc/self/fd/N never puts the process outside the root" {
	local n probe
	probe="test -e ../../../../../../../../../../..$BUNDLE/config.json && echo ESCAPED; readlink /proc/self/cwd"
	args sleep 30
	zrun run --detach "$ID"
	assert_success
	for n in 3 4 5 6 7 8 9 10; do
		zrun exec --cwd "/proc/self/fd/$n" "$ID" sh -c "$probe"
		if [ "$status" -eq 0 ]; then
			refute_output --partial ESCAPED
		fi
	done
}

# --- 3. CVE-2021-30465: symlink-exchange race on a mount destination --------------------------

# Checked to fail without the protection: a runtime that resolves the destination once and
# mounts by path (runc before 1.0.0-rc95) lands some of the mounts in $TMP/hostdir of the zone's
# mount namespace, where pivot_root leaves them behind: the probe then finds no such mount.
@test "CVE-2021-30465: a mount destination swapped with a symlink never mounts outside the root" {
	need_attack
	mkdir -p "$ROOTFS/data/mnt" "$TMP/hostdir"
	ln -s "$TMP/hostdir" "$ROOTFS/data.link"
	cfg '.mounts += [{"destination":"/data/mnt","type":"tmpfs","source":"tmpfs","options":["size=1240k"]}]'
	args sh -c 'echo "n=$(grep -c size=1240k /proc/self/mountinfo)"; grep size=1240k /proc/self/mountinfo; exit 0'
	"$ZONE_ATTACK" swap "$ROOTFS/data" "$ROOTFS/data.link" &
	register_pid $!
	local i ok=0 failed=0
	for i in $(seq 50); do
		zrun run "$ID-$i"
		if [ "$status" -eq 0 ]; then
			[ "${lines[0]}" = n=1 ] || fail "run $i: the tmpfs is not in the zone ($output)"
			ok=$((ok + 1))
		else
			assert_one_line_error
			failed=$((failed + 1))
		fi
		zrun delete --force "$ID-$i"
	done
	echo "$ok runs mounted in the root, $failed refused" >&3
	[ -z "$(ls -A "$TMP/hostdir")" ] || fail "something appeared in the host directory"
	if grep -q size=1240k /proc/self/mountinfo; then
		fail "the tmpfs is mounted on the host"
	fi
	[ "$ok" -gt 0 ] || fail "no run succeeded: the race was never exercised"
}

# --- 4. CVE-2025-31133 / CVE-2025-52565: masking with the image's /dev/null -------------------

# The image's own /dev (no tmpfs on it), whose null is NODE (a symlink target or "file").
image_dev_null() {
	cfg 'del(.mounts[] | select(.destination == "/dev"))'
	rm -f "$ROOTFS/dev/null"
	if [ "$1" = file ]; then
		echo not-the-null-device >"$ROOTFS/dev/null"
	else
		ln -s "$1" "$ROOTFS/dev/null"
	fi
	# The attacker writes core_pattern's current value back through every masked file: harmless
	# on the host even if it lands, and visible as a successful write to a non-null file.
	cfg '.process.env += ["CP=" + $cp]' --arg cp "$(cat /proc/sys/kernel/core_pattern)"
	args sh -c 'for f in /proc/kcore /proc/keys /proc/timer_list; do
		[ -e $f ] || continue
		echo "$f $(stat -c "%F %t:%T" $f)"
		printf "%s\n" "$CP" 2>/dev/null >$f && head -c 64 $f | grep -q . && echo "WROTE $f"
	done; exit 0'
}

# Either create refuses with a clear error, or every masked file is the null device.
assert_masked_safely() {
	if [ "$status" -ne 0 ]; then
		assert_one_line_error
		assert_stderr_matches "/dev/null"
	else
		refute_output --partial WROTE
		local l
		for l in "${lines[@]}"; do
			[[ "$l" == *"character special file 1:3" ]] || fail "masked file is not /dev/null: $l"
		done
		[ "${#lines[@]}" -gt 0 ] || fail "no masked file checked"
	fi
	[ "$(cat /proc/sys/kernel/core_pattern)" = "$CORE_PATTERN" ] || fail "host core_pattern changed"
}

# Checked to fail without the protection: runc 1.1.5 binds the symlink's target over the masked
# files; with readonlyPaths removed they are core_pattern itself, written from the zone (WROTE).
@test "CVE-2025-31133: /dev/null a symlink to core_pattern: masking is refused or stays /dev/null" {
	CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)
	image_dev_null /proc/sys/kernel/core_pattern
	zrun run "$ID"
	assert_masked_safely
	# Without /proc/sys read-only, a masked file bound to core_pattern would be writable.
	cfg 'del(.linux.readonlyPaths)'
	zrun run "$ID-2"
	assert_masked_safely
}

# Checked to fail without the protection: runc 1.1.5 binds the image's regular file over the
# masked files, which the zone can then write (WROTE).
@test "CVE-2025-52565: /dev/null a regular file: masking is refused or stays /dev/null" {
	CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)
	image_dev_null file
	zrun run "$ID"
	assert_masked_safely
}

# --- 5. CVE-2025-52881: the runtime's writes to /proc reach the real procfs -------------------

fake_proc() {
	local d=$1
	mkdir -p "$d/sys/net/ipv4" "$d/self"
	echo FAKE >"$d/sys/net/ipv4/ip_forward"
	echo FAKE >"$d/self/oom_score_adj"
}

assert_fake_untouched() {
	local f
	for f in "$@"; do
		[ "$(cat "$f")" = FAKE ] || fail "the runtime wrote to the image's fake $f: $(cat "$f")"
	done
}

# Checked to fail without the protection: runc 1.1.5 writes sysctls through the zone's own
# /proc after pivot_root: with no proc mount that is the image's fake file (now "1").
@test "CVE-2025-52881: sysctl and oomScoreAdj with a fake /proc in the image reach the real procfs" {
	cfg 'del(.mounts[] | select(.destination == "/proc"))
		| del(.linux.maskedPaths) | del(.linux.readonlyPaths)
		| .linux.sysctl = {"net.ipv4.ip_forward":"1"} | .process.oomScoreAdj = 123'
	fake_proc "$ROOTFS/proc"
	args sleep 30
	zrun run --detach "$ID"
	if [ "$status" -ne 0 ]; then
		assert_one_line_error
	else
		local pid
		pid=$(container_pid "$ID")
		[ "$(nsenter -t "$pid" -n cat /proc/sys/net/ipv4/ip_forward)" = 1 ] ||
			fail "the zone's real ip_forward was not set"
		[ "$(cat "/proc/$pid/oom_score_adj")" = 123 ] || fail "oomScoreAdj was not applied"
	fi
	assert_fake_untouched "$ROOTFS/proc/sys/net/ipv4/ip_forward" "$ROOTFS/proc/self/oom_score_adj"
}

# Checked to fail without the protection: a runtime that follows the image's /proc symlink when
# writing would hit $ROOTFS/fakeproc (runc 1.1.5 refuses the symlinked /proc destination).
@test "CVE-2025-52881: an image /proc symlinked to a fake tree is never written through" {
	cfg '.linux.sysctl = {"net.ipv4.ip_forward":"1"} | .process.oomScoreAdj = 123'
	rmdir "$ROOTFS/proc"
	fake_proc "$ROOTFS/fakeproc"
	ln -s /fakeproc "$ROOTFS/proc"
	args sleep 30
	zrun run --detach "$ID"
	if [ "$status" -ne 0 ]; then
		assert_one_line_error
	else
		local pid
		pid=$(container_pid "$ID")
		[ "$(nsenter -t "$pid" -n cat /proc/sys/net/ipv4/ip_forward)" = 1 ] ||
			fail "the zone's real ip_forward was not set"
	fi
	assert_fake_untouched "$ROOTFS/fakeproc/sys/net/ipv4/ip_forward" "$ROOTFS/fakeproc/self/oom_score_adj"
}

# --- 6. CVE-2022-0492: cgroup v1 release_agent ------------------------------------------------

release_agents() {
	local f
	for f in /sys/fs/cgroup/*/release_agent; do
		[ -e "$f" ] && echo "$f $(cat "$f")"
	done
}

# Checked to fail without the protection: with CAP_SYS_ADMIN (what this test denies by default)
# the mount succeeds and "MOUNTED" appears; on kernels before 5.17 the user-namespace route
# printed "USERNS-WROTE".
@test "CVE-2022-0492: a zone cannot mount cgroup v1 or write a release_agent" {
	local before
	before=$(release_agents)
	args sh -c 'mkdir -p /tmp/cg
		for c in memory pids rdma; do mount -t cgroup -o $c cg /tmp/cg 2>/dev/null && echo MOUNTED-$c && umount /tmp/cg; done
		for f in /sys/fs/cgroup/*/release_agent /sys/fs/cgroup/release_agent; do
			[ -e $f ] && { echo /x 2>/dev/null >$f && echo WROTE $f; }
		done
		unshare -Urmc sh -c "mount -t cgroup -o memory cg /tmp/cg && echo USERNS-MOUNTED && echo /x >/tmp/cg/release_agent && echo USERNS-WROTE" 2>/dev/null
		echo done'
	zrun run "$ID"
	assert_success
	assert_line done
	refute_output --partial MOUNTED
	refute_output --partial WROTE
	[ "$(release_agents)" = "$before" ] || fail "a host release_agent changed"
}

# --- 7. CVE-2022-27650: inheritable and ambient capabilities ----------------------------------

cap_field() {
	echo "$output" | awk -v k="$1:" '$1 == k { print $2 }'
}

# Checked to fail without the protection: crun < 1.4.4 (the CVE) set CapInh to the full set.
# runc 1.1.5 fails the last case: it raises inheritable CAP_KILL into the ambient set.
@test "CVE-2022-27650: inheritable and ambient capabilities are what the config says" {
	need_attack
	args /zone-attack caps
	zrun run "$ID"
	assert_success
	[ "$(cap_field CapInh)" = 0000000000000000 ] || fail "run: CapInh $(cap_field CapInh)"
	[ "$(cap_field CapAmb)" = 0000000000000000 ] || fail "run: CapAmb $(cap_field CapAmb)"

	args sleep 30
	# Each zone has a cgroup of its own (zones never share one).
	cfg '.linux.cgroupsPath += "-x"'
	zrun run --detach "$ID-x"
	assert_success
	zrun exec "$ID-x" /zone-attack caps
	assert_success
	[ "$(cap_field CapInh)" = 0000000000000000 ] || fail "exec: CapInh $(cap_field CapInh)"
	[ "$(cap_field CapAmb)" = 0000000000000000 ] || fail "exec: CapAmb $(cap_field CapAmb)"

	cfg '.process.capabilities.inheritable = ["CAP_KILL"] | .linux.cgroupsPath += "-i"'
	args /zone-attack caps
	zrun run "$ID-i"
	assert_success
	[ "$(cap_field CapInh)" = 0000000000000020 ] || fail "inheritable [CAP_KILL]: CapInh $(cap_field CapInh)"
	[ "$(cap_field CapAmb)" = 0000000000000000 ] || fail "inheritable [CAP_KILL]: CapAmb $(cap_field CapAmb)"
}

# Checked to fail without the protection: with CAP_SYS_ADMIN left in the bounding set, the
# file-capability and setuid binaries print it in CapPrm.
@test "CVE-2022-27650: setuid and file-capability binaries gain nothing beyond the bounding set" {
	need_attack
	mkdir -p "$ROOTFS/priv"
	cp "$ZONE_ATTACK" "$ROOTFS/priv/fcap"
	setcap cap_sys_admin,cap_kill,cap_mknod+p "$ROOTFS/priv/fcap" || skip "setcap failed"
	cp "$ZONE_ATTACK" "$ROOTFS/priv/suid"
	chmod 4755 "$ROOTFS/priv/suid"
	cfg '.process.user = {"uid":1000,"gid":1000} | .process.noNewPrivileges = false'
	local b
	for b in fcap suid; do
		args /priv/$b caps
		zrun run "$ID-$b"
		assert_success
		local prm bnd
		prm=$((16#$(cap_field CapPrm)))
		bnd=$((16#$(cap_field CapBnd)))
		((prm & ~bnd)) && fail "$b: CapPrm beyond the bounding set: $output"
		((prm & (1 << 21))) && fail "$b: CAP_SYS_ADMIN gained: $output"
		[ "$(cap_field CapInh)" = 0000000000000000 ] || fail "$b: CapInh $(cap_field CapInh)"
		[ "$(cap_field CapAmb)" = 0000000000000000 ] || fail "$b: CapAmb $(cap_field CapAmb)"
	done
}

# --- 8. Devices: no host block device reachable ----------------------------------------------

host_root_dev() {
	local d
	d=$(stat -c %d /)
	echo "$(((d >> 8) & 0xfff)) $(((d & 0xff) | ((d >> 12) & 0xfff00)))"
}

# Checked to fail without the protection: with CAP_MKNOD in the default set (as in Docker's),
# "MADE" appears.
@test "devices: a zone cannot mknod a host block device by default" {
	local maj min
	read -r maj min < <(host_root_dev)
	args sh -c "mknod /tmp/root b $maj $min && echo MADE; mknod /tmp/sda b 8 0 && echo MADE; echo done"
	zrun run "$ID"
	assert_success
	assert_line done
	refute_output --partial MADE
}

@test "devices: with CAP_MKNOD a made host block device still cannot be opened" {
	local maj min
	read -r maj min < <(host_root_dev)
	cfg '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
	args sh -c "mknod /tmp/root b $maj $min && echo MADE; head -c 512 /tmp/root >/dev/null 2>&1 && echo OPENED; echo done"
	zrun run "$ID"
	assert_success
	assert_line done
	if [[ "$output" == *OPENED* ]]; then
		skip "device cgroup policy comes with cgroups"
	fi
}
