#!/usr/bin/env bats
# QEMU of an emulated zone runs confined (runtime/vm/confine.c): its own mount, pid, ipc, uts
# and network namespaces, a root holding only what it opens, four capabilities, no_new_privs and its
# seccomp filter, all read from the host in /proc/<QEMU's pid>; and the zone still works.

load helpers
load vm-helpers

# field PID NAME: a field of /proc/PID/status.
field() {
	awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"
}

@test "vm-confine: QEMU has 4 capabilities, no_new_privs, a seccomp filter and namespaces of its own" {
	args sh -c 'echo started >/started'
	zrun create "$ID"
	[ "$status" -eq 0 ]
	pid=$(container_pid "$ID")
	qemu=$(qemu_of "$pid")
	[ -n "$qemu" ]
	# CHOWN DAC_OVERRIDE FOWNER FSETID: bits 0, 1, 3 and 4.
	[ "$(field "$qemu" CapBnd)" = 000000000000001b ]
	[ "$(field "$qemu" CapEff)" = 000000000000001b ]
	[ "$(field "$qemu" CapPrm)" = 000000000000001b ]
	[ "$(field "$qemu" CapInh)" = 0000000000000000 ]
	[ "$(field "$qemu" CapAmb)" = 0000000000000000 ]
	[ "$(field "$qemu" NoNewPrivs)" = 1 ]
	[ "$(field "$qemu" Seccomp)" = 2 ]
	# The init of its own pid namespace: the pid its supervisor waits for is QEMU's.
	[ "$(field "$qemu" NSpid)" = "$qemu 1" ]
	# Its network namespace too: the guest's network is the taps QEMU has as descriptors.
	for ns in mnt pid ipc uts net; do
		[ "$(readlink "/proc/$qemu/ns/$ns")" != "$(readlink "/proc/self/ns/$ns")" ]
	done

	# Its root: the shared rootfs and the system's files, and nothing else of the host.
	root=/proc/$qemu/root
	[ -f "$root$ROOTFS/bin/busybox" ]
	[ -e "$root/usr/bin/qemu-system-x86_64" ]
	[ -c "$root/dev/null" ]
	[ ! -e "$root$STATE" ]
	[ ! -e "$root$BUNDLE/config.json" ]
	[ ! -e "$root/etc/passwd" ]
	[ ! -e "$root/root" ]
	[ ! -e "$root/sys/fs" ]
	[ ! -e "$root/dev/kvm" ]
	# Its proc holds the pid directories only: no /proc/sys to write to.
	[ -d "$root/proc/1" ]
	[ ! -e "$root/proc/sys" ]
	# Read-only but for the share.
	grep -Eq '^[0-9]+ [0-9]+ [^ ]+ / / ro,' "/proc/$qemu/mountinfo"
	grep -Eq " $ROOTFS rw," "/proc/$qemu/mountinfo"

	# And the zone still runs and ends.
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

@test "vm-confine: a guest user's files keep their owner and modes on the host; no device nodes" {
	# CHOWN: a file made by uid 1234 is 1234's on the host. DAC_OVERRIDE: QEMU enters the
	# user's 0700 directory. FOWNER and FSETID: the user's chmod g+s on its own file holds.
	args sh -c 'mkdir /tmp/d && chmod 700 /tmp/d && echo x >/tmp/d/f && chmod 2755 /tmp/d/f && echo ok'
	cfg '.process.user = {"uid": 1234, "gid": 567}'
	zrun run "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	[ "$(stat -c '%u:%g %a' "$ROOTFS/tmp/d")" = "1234:567 700" ]
	[ "$(stat -c '%u:%g %a' "$ROOTFS/tmp/d/f")" = "1234:567 2755" ]
	[ "$(cat "$ROOTFS/tmp/d/f")" = x ]

	# MKNOD is not QEMU's: the guest's root, with CAP_MKNOD in the zone, cannot put a
	# device node into the host's tree.
	ID2="$ID-mknod"
	args sh -c 'mknod /mem c 1 1; echo "mknod=$?"'
	cfg '.process.user = {"uid": 0, "gid": 0} | .process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'
	zrun run "$ID2"
	[ "$status" -eq 0 ]
	[ "$output" != mknod=0 ]
	[ ! -e "$ROOTFS/mem" ]
}
