#!/usr/bin/env bats
# Mounts: bind, tmpfs, pseudo filesystems, flags, order, and destinations that try to escape.

load helpers

mount_add() {
	cfg '.mounts += [$m]' --argjson m "$1"
}

@test "bind mount rw: the zone reads and writes the host dir" {
	mkdir "$TMP/host"
	echo from-host >"$TMP/host/f"
	mount_add "{\"destination\":\"/mnt/rw\",\"type\":\"bind\",\"source\":\"$TMP/host\",\"options\":[\"rbind\",\"rw\"]}"
	args sh -c 'cat /mnt/rw/f; echo from-zone > /mnt/rw/g'
	zrun run "$ID"
	assert_success
	assert_output from-host
	[ "$(cat "$TMP/host/g")" = from-zone ]
}

@test "bind mount ro: writes fail, the host dir is unchanged" {
	mkdir "$TMP/host"
	echo from-host >"$TMP/host/f"
	mount_add "{\"destination\":\"/mnt/ro\",\"type\":\"bind\",\"source\":\"$TMP/host\",\"options\":[\"bind\",\"ro\"]}"
	args sh -c 'cat /mnt/ro/f; echo x > /mnt/ro/g 2>/dev/null && echo wrote; echo x > /mnt/ro/f 2>/dev/null && echo overwrote; true'
	zrun run "$ID"
	assert_success
	assert_output from-host
	[ ! -e "$TMP/host/g" ]
	[ "$(cat "$TMP/host/f")" = from-host ]
}

@test "bind mount of a single file" {
	echo file-content >"$TMP/hostfile"
	mount_add "{\"destination\":\"/etc/bound\",\"type\":\"bind\",\"source\":\"$TMP/hostfile\",\"options\":[\"bind\",\"ro\"]}"
	args cat /etc/bound
	zrun run "$ID"
	assert_success
	assert_output file-content
}

@test "tmpfs with size and mode" {
	mount_add '{"destination":"/scratch","type":"tmpfs","source":"tmpfs","options":["size=1m","mode=700"]}'
	args sh -c 'stat -c %a /scratch; grep " /scratch " /proc/self/mounts'
	zrun run "$ID"
	assert_success
	assert_line --index 0 700
	assert_line --index 1 --regexp '^tmpfs /scratch tmpfs .*size=1024k'
	[ ! -e "$ROOTFS/scratch" ] || [ -z "$(ls -A "$ROOTFS/scratch")" ]
}

@test "proc, sysfs, devpts and mqueue are mounted" {
	args cat /proc/self/mounts
	zrun run "$ID"
	assert_success
	assert_line --regexp '^proc /proc proc '
	assert_line --regexp '^sysfs /sys sysfs '
	assert_line --regexp '^devpts /dev/pts devpts '
	assert_line --regexp '^mqueue /dev/mqueue mqueue '
}

@test "cgroup mount: the controllers appear under /sys/fs/cgroup" {
	args ls /sys/fs/cgroup
	zrun run "$ID"
	assert_success
	for c in $(awk '$3 == "cgroup" { n = split($4, o, ","); for (i = 1; i <= n; i++) if (o[i] ~ /^(cpu|memory|pids|devices|freezer|blkio|cpuset)$/) print o[i] }' /proc/self/mounts | sort -u); do
		assert_line "$c"
	done
}

@test "nosuid, nodev and noexec are honoured" {
	mount_add '{"destination":"/nx","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev","noexec","mode=755"]}'
	args sh -c 'grep " /nx " /proc/self/mounts; cp /bin/busybox /nx/bb; /nx/bb true; echo rc=$?'
	zrun run "$ID"
	assert_success
	assert_line --index 0 --regexp 'nosuid'
	assert_line --index 0 --regexp 'nodev'
	assert_line --index 0 --regexp 'noexec'
	assert_line rc=126
}

@test "mounts are made in order: a later mount covers an earlier one" {
	mkdir "$TMP/host"
	echo under >"$TMP/host/f"
	mount_add "{\"destination\":\"/stack\",\"type\":\"bind\",\"source\":\"$TMP/host\",\"options\":[\"bind\"]}"
	mount_add '{"destination":"/stack","type":"tmpfs","source":"tmpfs"}'
	mount_add "{\"destination\":\"/stack/inner\",\"type\":\"bind\",\"source\":\"$TMP/host\",\"options\":[\"bind\"]}"
	args sh -c 'cat /stack/f 2>/dev/null || echo covered; cat /stack/inner/f'
	zrun run "$ID"
	assert_success
	assert_line --index 0 covered
	assert_line --index 1 under
	# The inner mount point was created in the tmpfs, not in the host dir.
	[ ! -e "$TMP/host/inner" ]
}

@test "a destination symlink pointing out of the rootfs lands inside it" {
	mkdir "$TMP/victim" "$TMP/src"
	echo secret >"$TMP/victim/keep"
	echo marker >"$TMP/src/marker"
	ln -s "/../../../../..$TMP/victim" "$ROOTFS/evil"
	mount_add "{\"destination\":\"/evil\",\"type\":\"bind\",\"source\":\"$TMP/src\",\"options\":[\"bind\"]}"
	args sh -c 'cat /evil/marker; echo inside > /evil/written'
	zrun run "$ID"
	assert_success
	assert_output marker
	# The mount and the write went to the rootfs' own copy of that path...
	[ -d "$ROOTFS$TMP/victim" ]
	# ...and the host directory is untouched.
	[ "$(ls -A "$TMP/victim")" = keep ]
	[ "$(cat "$TMP/victim/keep")" = secret ]
}

@test "'..' in a mount destination is clamped inside the rootfs" {
	mkdir "$TMP/src"
	echo marker >"$TMP/src/marker"
	mount_add "{\"destination\":\"/../../../../../mnt/dotdot\",\"type\":\"bind\",\"source\":\"$TMP/src\",\"options\":[\"bind\"]}"
	args cat /mnt/dotdot/marker
	zrun run "$ID"
	assert_success
	assert_output marker
	[ -d "$ROOTFS/mnt/dotdot" ]
	[ ! -e /mnt/dotdot ]
}
