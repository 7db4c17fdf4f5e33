#!/usr/bin/env bats
# linux.resources.devices: the rules reach the zone's cgroup (the v1 devices list here, an eBPF
# program on cgroup2 hosts) and the kernel holds the zone to them.

load helpers

# The zone's directory in the v1 devices hierarchy.
devices_dir() {
	echo "/sys/fs/cgroup/devices$(jq -r '.linux.cgroupsPath' "$BUNDLE/config.json")"
}

need_v1_devices() {
	[ -d /sys/fs/cgroup/devices ] || skip "no v1 devices hierarchy on this host (rules go to an eBPF program, tested by the unit tests)"
}

# Two nodes no default rule allows, made in the zone through linux.devices: fuse (c 10:229) and
# loop-control (c 10:237). Neither needs a capability to open, so only the device rules can
# refuse (the kernel asks them before it looks for the driver).
add_fuse_and_loop_control() {
	cfg '.linux.devices = [{"path":"/dev/fuse","type":"c","major":10,"minor":229,"fileMode":438},
		{"path":"/dev/loop-control","type":"c","major":10,"minor":237,"fileMode":438}]'
}

@test "the rules and the runtime's own devices make the v1 devices list" {
	need_v1_devices
	cfg '.linux.resources.devices = [{"allow":false,"access":"rwm"},
		{"allow":true,"type":"c","major":10,"minor":229,"access":"rw"},
		{"allow":true,"type":"b","major":7,"access":"r"}]'
	args sleep 30
	zrun run --detach "$ID"
	assert_success
	run cat "$(devices_dir)/devices.list"
	assert_success
	assert_line "c 10:229 rw"
	assert_line "b 7:* r"
	assert_line "c *:* m"
	assert_line "b *:* m"
	assert_line "c 1:3 rwm"
	assert_line "c 1:9 rwm"
	assert_line "c 5:2 rwm"
	assert_line "c 136:* rwm"
	refute_line "a *:* rwm"
	refute_line --partial "10:237"
	zrun delete --force "$ID"
	assert_success
	[ ! -d "$(devices_dir)" ] || fail "the zone's devices cgroup is still there after delete"
}

@test "allow-all as the last rule leaves the list open" {
	need_v1_devices
	cfg '.linux.resources.devices = [{"allow":false,"access":"rwm"},
		{"allow":false,"type":"c","major":10,"minor":229,"access":"rwm"},
		{"allow":true,"access":"rwm"}]'
	args sleep 30
	zrun run --detach "$ID"
	assert_success
	run cat "$(devices_dir)/devices.list"
	assert_success
	assert_output "a *:* rwm"
}

@test "a node the rules deny cannot be opened in the zone, one they allow can" {
	add_fuse_and_loop_control
	cfg '.linux.resources.devices = [{"allow":false,"access":"rwm"},
		{"allow":true,"type":"c","major":10,"minor":229,"access":"rw"}]'
	# A failed redirection ends the shell that tries it: each open is in a subshell.
	args sh -c '(exec 3<>/dev/fuse) && echo fuse-opened; (exec 4<>/dev/loop-control) && echo loop-opened; ls /dev/loop-control >/dev/null && echo loop-exists'
	zrun run "$ID"
	assert_line fuse-opened
	refute_line loop-opened
	assert_line loop-exists
	[[ "$stderr" == *"/dev/loop-control"*"Operation not permitted"* ]] ||
		fail "opening /dev/loop-control did not fail with EPERM: $stderr"
}

@test "the last rule that names an access decides it" {
	add_fuse_and_loop_control
	cfg '.linux.resources.devices = [{"allow":false,"access":"rwm"},
		{"allow":true,"type":"c","major":10,"minor":229,"access":"rwm"},
		{"allow":false,"type":"c","major":10,"minor":229,"access":"w"}]'
	args sh -c '(exec 3</dev/fuse) && echo read-opened; (exec 4>/dev/fuse) && echo write-opened; true'
	zrun run "$ID"
	assert_success
	assert_line read-opened
	refute_line write-opened
	[[ "$stderr" == *"Operation not permitted"* ]] || fail "opening /dev/fuse for writing did not fail with EPERM: $stderr"
}

@test "deny-all still lets the zone use the devices the runtime makes" {
	add_fuse_and_loop_control
	cfg '.linux.resources.devices = [{"allow":false,"access":"rwm"}]'
	args sh -c 'echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | wc -c; head -c 4 /dev/urandom | wc -c; echo x 2>/dev/null > /dev/full || echo full-ENOSPC; (exec 3<>/dev/ptmx) && echo ptmx-ok; (exec 4<>/dev/fuse) && echo fuse-opened; true'
	zrun run "$ID"
	assert_success
	assert_line null-ok
	assert_line --index 1 4
	assert_line --index 2 4
	assert_line full-ENOSPC
	assert_line ptmx-ok
	refute_line fuse-opened
}

@test "no device rules: the zone gets the runtime's own devices only, as with deny-all" {
	need_v1_devices
	cfg 'del(.linux.resources.devices)'
	args sleep 30
	zrun run --detach "$ID"
	assert_success
	run cat "$(devices_dir)/devices.list"
	assert_success
	refute_line "a *:* rwm"
	assert_line "c 1:3 rwm"
	assert_line "c 136:* rwm"
}

# Nothing of the zone may remain after a refused config: no cgroup in any hierarchy.
assert_no_zone_cgroup() {
	local path d
	path=$(jq -r '.linux.cgroupsPath' "$BUNDLE/config.json")
	for d in /sys/fs/cgroup/*"$path" /sys/fs/cgroup"$path"; do
		[ ! -d "$d" ] || fail "cgroup $d was left behind"
	done
}

@test "a bad rule type is a one-line error naming the field, and nothing is left" {
	cfg '.linux.resources.devices = [{"allow":false,"access":"rwm"},
		{"allow":true,"type":"c","major":1,"minor":3,"access":"rw"},
		{"allow":true,"type":"x","access":"rw"}]'
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches 'linux\.resources\.devices\[2\]\.type'
	assert_stderr_matches '\ba\b.*\bb\b.*\bc\b|\bc\b.*\bb\b'
	assert_no_zone_cgroup
	zrun state "$ID"
	assert_one_line_error
}

@test "bad access letters and device numbers are one-line errors, and nothing is left" {
	cfg '.linux.resources.devices = [{"allow":false,"access":"rwm"},
		{"allow":true,"type":"c","major":1,"minor":3,"access":"rwx"}]'
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches 'linux\.resources\.devices\[1\]\.access'
	assert_no_zone_cgroup

	cfg '.linux.resources.devices[1].access = "rw" | .linux.resources.devices[1].major = 5000'
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches 'linux\.resources\.devices\[1\]\.major 5000: must be from 0 to 4095'
	assert_no_zone_cgroup

	cfg '.linux.resources.devices[1].major = 1 | .linux.resources.devices[1].minor = -3'
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches 'linux\.resources\.devices\[1\]\.minor -3'
	assert_no_zone_cgroup
	zrun state "$ID"
	assert_one_line_error
}
