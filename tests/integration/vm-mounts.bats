#!/usr/bin/env bats
# The config's bind mounts in emulated zones: each source is shared with the guest on its own
# (QEMU's root holds one entry per bind in /.zone-share, exported over virtio-9p), read-only
# or read-write as the mount says, files without their directory's other files; a source
# that cannot be shared is one clear error at create and leaves nothing.

load helpers
load vm-helpers

# bind SOURCE DEST OPTION...: add a bind mount to the config.
bind() {
	local src=$1 dst=$2 opts
	shift 2
	opts=$(printf '%s\n' "$@" | jq -R . | jq -cs .)
	cfg '.mounts += [{"destination": $d, "type": "bind", "source": $s, "options": $o}]' \
		--arg d "$dst" --arg s "$src" --argjson o "$opts"
}

# share_entries QEMU_PID: what the guest's share lists (QEMU's export, seen from the host).
share_entries() {
	ls -A "/proc/$1/root/.zone-share" | tr '\n' ' '
}

@test "vm-mounts: a read-write directory bind: the guest reads the host's files, the host sees the guest's" {
	mkdir "$TMP/data"
	echo from-host >"$TMP/data/host-file"
	# Relative to the bundle, as for a light zone.
	bind ../data /data rbind rw
	args sh -c 'cat /data/host-file; echo from-guest >/data/guest-file; mkdir /data/d && echo x >/data/d/f'
	zrun run "$ID"
	[ "$status" -eq 0 ] || fail "run: $status: $stderr"
	[ "$output" = from-host ]
	[ "$(cat "$TMP/data/guest-file")" = from-guest ]
	[ "$(cat "$TMP/data/d/f")" = x ]
	[ ! -e "$STATE/$ID" ]
}

@test "vm-mounts: a read-only directory bind: writes fail in the guest, and QEMU's bind is read-only" {
	mkdir "$TMP/data"
	echo from-host >"$TMP/data/host-file"
	bind "$TMP/data" /data bind ro
	args sh -c 'cat /data/host-file >/result; if echo x >/data/guest-file; then echo wrote; else echo refused; fi >>/result'
	zrun create "$ID"
	[ "$status" -eq 0 ] || fail "create: $stderr"
	pid=$(container_pid "$ID")
	qemu=$(qemu_of "$pid")
	[ -n "$qemu" ]
	# On the host's side already: read-only, and never suid, dev or exec.
	line=$(grep ' /.zone-share/0 ' "/proc/$qemu/mountinfo")
	[[ "$line" =~ \ /.zone-share/0\ ro,nosuid,nodev,noexec ]] || fail "QEMU's bind: $line"
	# Every bind is read-only: so is the 9p export.
	tr '\0' ' ' <"/proc/$qemu/cmdline" | grep -q 'path=/.zone-share,security_model=passthrough,multidevs=remap,readonly=on'
	zrun start "$ID"
	[ "$status" -eq 0 ]
	wait_for status_is "$ID" stopped
	[ "$(sed -n 1p "$ROOTFS/result")" = from-host ]
	[ "$(sed -n 2p "$ROOTFS/result")" = refused ]
	[ ! -e "$TMP/data/guest-file" ]
	zrun delete "$ID"
	[ "$status" -eq 0 ]
}

@test "vm-mounts: a file bind shares the file alone, not its directory's other files" {
	mkdir "$TMP/etc"
	echo zone-host-name >"$TMP/etc/hostname"
	echo do-not-share >"$TMP/etc/secret"
	mkdir "$TMP/rw"
	bind "$TMP/etc/hostname" /etc/hostname bind ro
	bind "$TMP/rw" /rw rbind rw
	args sh -c 'cat /etc/hostname >/rw/f.new; ls -A /etc >>/rw/f.new; mv /rw/f.new /rw/f; sleep 1000'
	zrun run --detach "$ID"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	pid=$(container_pid "$ID")
	qemu=$(qemu_of "$pid")
	[ -n "$qemu" ]
	wait_for test -e "$TMP/rw/f"
	[ "$(sed -n 1p "$TMP/rw/f")" = zone-host-name ]
	! grep -q secret "$TMP/rw/f"
	# What the guest can reach: one entry per bind, the file's alone.
	[ "$(share_entries "$qemu")" = "0 1 " ]
	[ -f "/proc/$qemu/root/.zone-share/0" ]
	[ -d "/proc/$qemu/root/.zone-share/1" ]
	[ "$(cat "/proc/$qemu/root/.zone-share/0")" = zone-host-name ]
	# A read-write bind among them: the export is writable, the file's bind is not.
	! tr '\0' ' ' <"/proc/$qemu/cmdline" | grep -q 'path=/.zone-share[^ ]*readonly=on'
	grep -Eq ' /.zone-share/0 ro,' "/proc/$qemu/mountinfo"
	grep -Eq ' /.zone-share/1 rw,' "/proc/$qemu/mountinfo"
	zrun kill "$ID" KILL
	wait_for gone "$pid"
	wait_for gone "$qemu"
	zrun delete "$ID"
	[ "$status" -eq 0 ]
}

@test "vm-mounts: a missing source is one error naming mounts[i].source and leaves nothing" {
	bind "$TMP/no-such-dir" /data rbind rw
	n=$(($(jq '.mounts | length' "$BUNDLE/config.json") - 1))
	args echo not-run
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches "mounts\[$n\]\.source: $TMP/no-such-dir: ENOENT"
	[ "$output" = "" ]
	[ ! -e "$STATE/$ID" ]
	[ ! -d "$(cg_dir pids)" ]
	[ -z "$(procs_in_tmp)" ]
}

@test "vm-mounts: binds of the host's /dev, /proc and /sys are refused; /dev/null is the guest's own" {
	bind /dev/shm /shm rbind rw
	n=$(($(jq '.mounts | length' "$BUNDLE/config.json") - 1))
	args true
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches "mounts\[$n\]\.source: /dev/shm is in the host's /dev"
	[ ! -e "$STATE/$ID" ]
	[ ! -d "$(cg_dir pids)" ]

	cfg 'del(.mounts[-1])'
	bind /sys/kernel /hostsys rbind ro
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches "mounts\[$n\]\.source: /sys/kernel is in the host's /sys"

	cfg 'del(.mounts[-1])'
	mkfifo "$TMP/fifo"
	bind "$TMP/fifo" /fifo bind
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches "mounts\[$n\]\.source: $TMP/fifo is not a file or a directory"

	cfg 'del(.mounts[-1])'
	echo host-content >"$ROOTFS/etc/motd"
	bind /dev/null /etc/motd bind
	args sh -c 'wc -c </etc/motd; echo x >/etc/motd && echo written'
	zrun run "$ID"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = written ]
	[ "$(cat "$ROOTFS/etc/motd")" = host-content ]
	[ ! -e "$STATE/$ID" ]
}

@test "vm-mounts: create then delete leaves no state, process, cgroup or mount" {
	mkdir "$TMP/data"
	bind "$TMP/data" /data rbind rw
	args sleep 1000
	zrun create "$ID"
	[ "$status" -eq 0 ] || fail "create: $stderr"
	pid=$(container_pid "$ID")
	qemu=$(qemu_of "$pid")
	[ -n "$qemu" ]
	[ -d "/proc/$qemu/root/.zone-share/0" ]
	zrun delete --force "$ID"
	[ "$status" -eq 0 ]
	wait_for gone "$pid"
	wait_for gone "$qemu"
	[ ! -e "$STATE/$ID" ]
	[ ! -d "$(cg_dir pids)" ]
	# The share's binds lived in QEMU's mount namespace only.
	! grep -q "$TMP/data" /proc/self/mountinfo
	rmdir "$TMP/data"
}
