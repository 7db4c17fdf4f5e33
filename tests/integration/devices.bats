#!/usr/bin/env bats
# /dev: the default nodes and symlinks, and extra linux.devices entries.

load helpers

@test "default device nodes exist with the right numbers" {
	args sh -c 'for d in null zero full random urandom tty; do echo "$d $(stat -c "%F %t:%T" /dev/$d)"; done'
	zrun run "$ID"
	assert_success
	assert_line "null character special file 1:3"
	assert_line "zero character special file 1:5"
	assert_line "full character special file 1:7"
	assert_line "random character special file 1:8"
	assert_line "urandom character special file 1:9"
	assert_line "tty character special file 5:0"
}

@test "default devices work" {
	args sh -c 'echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | od -An -tx1 | tr -d " "; echo x 2>/dev/null > /dev/full || echo full-ENOSPC; head -c 8 /dev/urandom | wc -c'
	zrun run "$ID"
	assert_success
	assert_line null-ok
	assert_line 00000000
	assert_line full-ENOSPC
	assert_line 8
}

@test "ptmx and the fd symlinks" {
	args sh -c 'ls -l /dev/ptmx | cut -c1; for l in fd stdin stdout stderr; do readlink /dev/$l; done'
	zrun run "$ID"
	assert_success
	# /dev/ptmx is either the pts instance's node or a symlink to it.
	assert_line --index 0 --regexp '^[lc]$'
	assert_line --index 1 /proc/self/fd
	assert_line --index 2 /proc/self/fd/0
	assert_line --index 3 /proc/self/fd/1
	assert_line --index 4 /proc/self/fd/2
}

@test "an extra linux.devices entry with mode, uid and gid" {
	cfg '.linux.devices = [{"path":"/dev/extra","type":"c","major":1,"minor":3,"fileMode":416,"uid":1000,"gid":2000}]
		| .linux.resources.devices += [{"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"}]
		| .process.user = {"uid":1000,"gid":1000}'
	# The owner (uid 1000) may write; the default capabilities give root no DAC override.
	args sh -c 'stat -c "%F %t:%T %a %u %g" /dev/extra; echo x > /dev/extra && echo writable'
	zrun run "$ID"
	assert_success
	assert_line --index 0 "character special file 1:3 640 1000 2000"
	assert_line --index 1 writable
}
