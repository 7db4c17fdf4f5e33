#!/usr/bin/env bats
# Emulated zones (QEMU TCG guest with the zone agent): the zone's process runs in the guest
# and behaves like a light zone's for stdout/stderr, exit status, args/env/cwd/user and the
# files it writes in its root; kill and delete take the VM down and leave nothing.
# Needs qemu-system-x86_64 and the guest's kernel and initramfs (`make vm`, found in vm/
# beside zone-oci or beside its asan/ directory).

load helpers
load vm-helpers

@test "vm: stdout, stderr and the exit status come back from the guest" {
	args sh -c 'echo out-line; echo err-line >&2; exit 3'
	zrun run "$ID"
	[ "$status" -eq 3 ]
	[ "$output" = out-line ]
	[ "$stderr" = err-line ]
	[ ! -e "$STATE/$ID" ]
}

@test "vm: process env, cwd and user are applied in the guest" {
	args sh -c 'echo "foo=$FOO"; pwd; id -u; id -g'
	cfg '.process.env += ["FOO=bar baz"] | .process.cwd = "/tmp" | .process.user = {"uid": 1234, "gid": 567}'
	zrun run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "foo=bar baz" ]
	[ "${lines[1]}" = /tmp ]
	[ "${lines[2]}" = 1234 ]
	[ "${lines[3]}" = 567 ]
}

@test "vm: a file the process writes in its root is in the bundle's rootfs on the host" {
	args sh -c 'echo written-in-guest >/from-guest; mkdir -p /d && echo x >/d/f'
	zrun run "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$ROOTFS/from-guest")" = written-in-guest ]
	[ "$(cat "$ROOTFS/d/f")" = x ]
}

@test "vm: a program that cannot be exec'd in the guest ends run with 127 and leaves nothing" {
	args /no/such/program
	zrun run "$ID"
	[ "$status" -eq 127 ]
	[ ! -e "$STATE/$ID" ]
}

@test "vm: create waits with the VM booted, start runs the process" {
	args sh -c 'echo started >/started'
	zrun create "$ID"
	[ "$status" -eq 0 ]
	status_is "$ID" created
	pid=$(container_pid "$ID")
	[ "$pid" -gt 0 ]
	qemu=$(qemu_of "$pid")
	[ -n "$qemu" ]
	[ ! -e "$ROOTFS/started" ]
	zrun start "$ID"
	[ "$status" -eq 0 ]
	wait_for test -e "$ROOTFS/started"
	[ "$(cat "$ROOTFS/started")" = started ]
	wait_for status_is "$ID" stopped
	wait_for gone "$qemu"
	zrun delete "$ID"
	[ "$status" -eq 0 ]
	[ ! -e "$STATE/$ID" ]
}

@test "vm: kill SIGKILL tears the VM down; delete leaves no state and no cgroup" {
	args sleep 1000
	zrun run --detach "$ID"
	[ "$status" -eq 0 ]
	pid=$(container_pid "$ID")
	qemu=$(qemu_of "$pid")
	[ -n "$qemu" ]
	# QEMU is in the zone's cgroup with its supervisor.
	cg=$(cg_dir pids)
	grep -qx "$qemu" "$cg/cgroup.procs"
	zrun kill "$ID" KILL
	[ "$status" -eq 0 ]
	wait_for gone "$pid"
	wait_for gone "$qemu"
	zrun delete "$ID"
	[ "$status" -eq 0 ]
	[ ! -e "$STATE/$ID" ]
	[ ! -d "$cg" ]
}

@test "vm: SIGTERM reaches the zone's process in the guest and its status comes back" {
	args sh -c 'trap "echo got-term; exit 7" TERM; echo ready >/ready; while :; do sleep 0.1; done'
	zone_oci run "$ID" </dev/null >"$TMP/out" 2>"$TMP/err" &
	runner=$!
	register_pid "$runner"
	wait_for test -e "$ROOTFS/ready"
	zone_oci kill "$ID" TERM
	st=0
	wait "$runner" || st=$?
	[ "$st" -eq 7 ]
	[ "$(cat "$TMP/out")" = got-term ]
}

@test "vm: delete --force of a running emulated zone ends QEMU" {
	args sleep 1000
	zrun run --detach "$ID"
	[ "$status" -eq 0 ]
	pid=$(container_pid "$ID")
	qemu=$(qemu_of "$pid")
	[ -n "$qemu" ]
	zrun delete --force "$ID"
	[ "$status" -eq 0 ]
	wait_for gone "$pid"
	wait_for gone "$qemu"
	[ ! -e "$STATE/$ID" ]
}

@test "vm: a missing guest kernel is one clear error and leaves nothing" {
	cfg '.annotations["org.zone.vm.kernel"] = "/nonexistent/vmlinuz"'
	zrun run "$ID"
	[ "$status" -ne 0 ]
	assert_one_line_error
	assert_stderr_matches 'annotation org\.zone\.vm\.kernel: /nonexistent/vmlinuz: ENOENT'
	[ ! -e "$STATE/$ID" ]
}

@test "vm: a guest kernel that is not a bootable image is refused before QEMU starts" {
	head -c 4096 /dev/zero >"$TMP/not-a-kernel"
	printf 'HdrS' | dd of="$TMP/not-a-kernel" bs=1 seek=514 conv=notrunc 2>/dev/null
	truncate -s 512 "$TMP/not-a-kernel" # the header's magic cut off
	cfg '.annotations["org.zone.vm.kernel"] = $k' --arg k "$TMP/not-a-kernel"
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches "annotation org\\.zone\\.vm\\.kernel: $TMP/not-a-kernel is not a bootable kernel image"
	[ ! -e "$STATE/$ID" ]
	cp /bin/true "$TMP/not-a-kernel"
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches "not a bootable kernel image \\(no bzImage header\\)"
	[ ! -e "$STATE/$ID" ]
}

@test "vm: the zone kernel, once built, is the one the guest boots" {
	local dir
	dir=$(dirname "$(realpath "$ZONE_OCI")")
	[ "${dir##*/}" = asan ] && dir=$(dirname "$dir")
	[ -f "$dir/vm/zone-kernel/bzImage" ] || skip "no zone kernel: make guest-kernel BUILD=... builds it"
	args sh -c 'test -e /proc/modules && echo modules || echo built-in'
	zrun run "$ID"
	assert_success
	# The zone kernel has no module support, Debian's has.
	[ "$output" = built-in ] || fail "the guest booted a kernel with modules: $output"
}
