#!/usr/bin/env bats
# podman drives the runtime: import a busybox rootfs as an image and run it.

load helpers

podman_() {
	podman --root "$TMP/storage" --runroot "$TMP/runroot" --storage-driver vfs \
		--cgroup-manager=cgroupfs --events-backend=file --tmpdir "$TMP/ptmp" \
		--runtime "$ZONE_OCI_ABS" "$@"
}

setup_podman() {
	command -v podman >/dev/null || skip "podman not installed"
	ZONE_OCI_ABS=$(command -v "$ZONE_OCI")
	mkdir -p "$TMP/ptmp"
	register_cleanup "podman_cleanup"
	tar -C "$ROOTFS" -cf "$TMP/rootfs.tar" .
	run podman_ import "$TMP/rootfs.tar" "localhost/zt-busybox:$U"
	assert_success
}

podman_cleanup() {
	podman_ rm -af -t 0 >/dev/null 2>&1
	podman_ rmi -af >/dev/null 2>&1
	local m
	for m in $(awk -v t="$TMP/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m"
	done
	rm -rf "$TMP/storage" "$TMP/runroot"
}

run_opts=(--rm --ulimit nofile=4096:4096 --ulimit nproc=1024:1024)

@test "podman run --network none with the runtime" {
	setup_podman
	run podman_ run "${run_opts[@]}" --cgroup-parent "/zone-test/$U" --network none \
		"localhost/zt-busybox:$U" echo hi
	assert_success
	assert_output hi
}

@test "podman run with podman's default network" {
	setup_podman
	run podman_ run "${run_opts[@]}" --cgroup-parent "/zone-test/$U" \
		"localhost/zt-busybox:$U" sh -c 'echo hi; ip -o link | grep -c "lo:"'
	assert_success
	assert_line --index 0 hi
}

@test "podman run of an emulated zone with podman's default network: the guest has eth0" {
	setup_podman
	require_emulated "$ZONE_OCI_ABS"
	run podman_ run "${run_opts[@]}" --cgroup-parent "/zone-test/$U" \
		--annotation org.zone.type=emulated "localhost/zt-busybox:$U" \
		sh -c 'ip -o -4 addr show eth0; ip route'
	assert_success
	# The address and the default route netavark gave the zone's namespace.
	assert_line --regexp '^[0-9]+: eth0 +inet [0-9.]+/[0-9]+ '
	assert_line --regexp '^default via [0-9.]+ dev eth0'
}

@test "podman run passes the exit status through" {
	setup_podman
	run podman_ run "${run_opts[@]}" --cgroup-parent "/zone-test/$U" --network none \
		"localhost/zt-busybox:$U" sh -c 'exit 4'
	[ "$status" -eq 4 ]
}

@test "podman run an emulated zone: podman's file binds (/etc/hostname) reach the guest" {
	setup_podman
	command -v qemu-system-x86_64 >/dev/null ||
		skip "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)"
	local dir
	dir=$(dirname "$(realpath "$ZONE_OCI_ABS")")
	[ -f "$dir/vm/vmlinuz" ] || [ -f "$dir/../vm/vmlinuz" ] ||
		skip "no guest kernel beside $ZONE_OCI: make vm BUILD=... builds it"
	run podman_ run "${run_opts[@]}" --cgroup-parent "/zone-test/$U" --network none \
		--annotation org.zone.type=emulated --hostname zt-guest-name \
		"localhost/zt-busybox:$U" sh -c 'echo hi; echo "$(cat /etc/hostname)"; uname -r'
	assert_success
	assert_line --index 0 hi
	assert_line --index 1 zt-guest-name
	# The guest's kernel, not the host's: the zone ran in the VM.
	[ "${lines[2]}" != "$(uname -r)" ]
}
