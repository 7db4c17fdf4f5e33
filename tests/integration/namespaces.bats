#!/usr/bin/env bats
# Namespaces: new ones differ from the host's, joined ones are the given ones.

load helpers

ns_inside() {
	args readlink "/proc/self/ns/$1"
	zrun run "$ID"
	assert_success
	echo "$output"
}

@test "each new namespace differs from the host's" {
	cfg '.linux.namespaces = [{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"cgroup"}]'
	args sh -c 'for n in pid net ipc uts mnt cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done'
	zrun run "$ID"
	assert_success
	for n in pid net ipc uts mnt cgroup; do
		inside=$(awk -v n="$n" '$1 == n { print $2 }' <<<"$output")
		[ -n "$inside" ]
		[ "$inside" != "$(readlink "/proc/self/ns/$n")" ] || fail "$n namespace is the host's"
	done
}

@test "a namespace left out of the config is the host's" {
	cfg 'del(.linux.namespaces[] | select(.type == "ipc"))'
	args readlink /proc/self/ns/ipc
	zrun run "$ID"
	assert_success
	assert_output "$(readlink /proc/self/ns/ipc)"
}

@test "the zone's process is pid 1 in its pid namespace" {
	args sh -c 'echo $$'
	zrun run "$ID"
	assert_success
	assert_output 1
}

@test "joining a network namespace by path" {
	ns="zt-$U"
	ip netns add "$ns"
	register_cleanup ip netns delete "$ns"
	cfg '(.linux.namespaces[] | select(.type == "network")) |= (.path = $p)' --arg p "/run/netns/$ns"
	args readlink /proc/self/ns/net
	zrun run "$ID"
	assert_success
	assert_output "net:[$(stat -L -c %i "/run/netns/$ns")]"
	ip netns delete "$ns"
}

@test "user namespace with uid and gid maps" {
	# The mapped root must be able to reach the rootfs.
	chmod 755 "$TMP" "$BUNDLE"
	cfg '.linux.namespaces += [{"type":"user"}]
		| .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .mounts |= map(select(.type != "cgroup"))'
	args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; touch /tmp/made-inside; stat -c %u:%g /bin/busybox'
	zrun run "$ID"
	echo "$stderr"
	assert_success
	[ "$(echo "${lines[0]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 65536" ]
	[ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 65536" ]
	[ "${lines[2]}" = 0 ]
	# Host root is unmapped inside: it shows as the overflow id.
	[ "${lines[3]}" = 65534:65534 ]
	[ "$(stat -c %u:%g "$ROOTFS/tmp/made-inside")" = 100000:100000 ]
}

@test "cgroup namespace: the zone sees its cgroup as the root" {
	cfg '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type":"cgroup"}])'
	args cat /proc/self/cgroup
	zrun run "$ID"
	assert_success
	[ "${#lines[@]}" -gt 0 ]
	for l in "${lines[@]}"; do
		[ "${l##*:}" = / ] || fail "cgroup path not / inside: $l"
	done
}

@test "time namespace with a boottime offset" {
	[ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
	[ "${ZONE_OCI##*/}" != runc ] || skip "runc 1.1 does not support time namespaces"
	cfg '.linux.namespaces += [{"type":"time"}] | .linux.timeOffsets = {"boottime":{"secs":864000,"nanosecs":0}}'
	args cat /proc/uptime
	host=$(cut -d. -f1 /proc/uptime)
	zrun run "$ID"
	echo "$stderr"
	assert_success
	inside=$(cut -d. -f1 <<<"$output")
	[ $((inside - host)) -ge 863990 ] && [ $((inside - host)) -le 864030 ] ||
		fail "uptime inside $inside, host $host: not shifted by 864000 s"
}
