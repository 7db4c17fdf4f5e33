#!/usr/bin/env bats
# Root filesystem: pivot_root and --no-pivot, read-only root, propagation.

load helpers

@test "the zone sees its rootfs, not the host's" {
	echo marker >"$ROOTFS/marker"
	args sh -c 'cat /marker; [ -e /etc/os-release ] && echo host-visible; ls /'
	zrun run "$ID"
	assert_success
	assert_line --index 0 marker
	refute_line host-visible
	assert_line bin
}

@test "--no-pivot also runs in the rootfs" {
	echo marker >"$ROOTFS/marker"
	args sh -c 'cat /marker; [ -e /etc/os-release ] && echo host-visible; true'
	zrun run --no-pivot "$ID"
	assert_success
	assert_output marker
}

@test "root.readonly makes / read-only" {
	cfg '.root.readonly = true'
	args sh -c 'touch /newfile 2>&1; echo rc=$?'
	zrun run "$ID"
	assert_success
	assert_line --partial "Read-only file system"
	assert_line rc=1
	[ ! -e "$ROOTFS/newfile" ]
}

@test "writable root: files land in the bundle's rootfs" {
	args sh -c 'echo written > /newfile'
	zrun run "$ID"
	assert_success
	[ "$(cat "$ROOTFS/newfile")" = written ]
}

@test "rootfsPropagation values are accepted" {
	for p in private rprivate slave rslave shared rshared; do
		cfg '.linux.rootfsPropagation = $p' --arg p "$p"
		args sh -c 'echo ran'
		zrun run "$ID-$p"
		assert_success
		assert_output ran
	done
}

@test "an unknown rootfsPropagation value is refused" {
	cfg '.linux.rootfsPropagation = "sideways"'
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches "rootfsPropagation"
}
