#!/usr/bin/env bats
# The network of emulated zones: a zone whose config names a network namespace by path gets
# that namespace's interfaces in its guest (same MAC, MTU, addresses and routes) and reaches
# what they reach; a new network namespace (no path) gives loopback alone. Each test makes
# two network namespaces of its own, the zone's and a peer joined to it by a veth pair, and
# removes them.

load helpers
load vm-helpers

# net_pair: the zone's namespace $NETNS (eth0: 10.77.0.2/24, fd77::2/64, default routes
# through the peer) and the peer's $PEERNS (p0: 10.77.0.1/24, fd77::1/64).
net_pair() {
	NETNS=zt-n-$U
	PEERNS=zt-p-$U
	ip netns add "$NETNS"
	register_cleanup ip netns del "$NETNS"
	ip netns add "$PEERNS"
	register_cleanup ip netns del "$PEERNS"
	ip -n "$NETNS" link add name eth0 mtu 1400 type veth peer name p0 netns "$PEERNS"
	ip -n "$NETNS" link set eth0 address 02:77:00:00:00:02
	ip -n "$NETNS" addr add 10.77.0.2/24 dev eth0
	ip -n "$NETNS" addr add fd77::2/64 dev eth0 nodad
	ip -n "$NETNS" link set eth0 up
	ip -n "$NETNS" route add default via 10.77.0.1
	ip -n "$NETNS" -6 route add default via fd77::1
	ip -n "$PEERNS" addr add 10.77.0.1/24 dev p0
	ip -n "$PEERNS" addr add fd77::1/64 dev p0 nodad
	ip -n "$PEERNS" link set p0 up
	cfg '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
		--arg p "/run/netns/$NETNS"
}

# What the zone's namespace holds besides what net_pair made: nothing, once the zone is gone.
assert_netns_clean() {
	[ "$(ip -n "$NETNS" -o link show | grep -vc -e ' lo:' -e ' eth0@')" -eq 0 ]
	[ -z "$(tc -n "$NETNS" filter show dev eth0 ingress)" ]
	! tc -n "$NETNS" qdisc show dev eth0 | grep -q ingress
	# The interface is as it was: its address stays the namespace's.
	ip -n "$NETNS" -o addr show dev eth0 | grep -q '10.77.0.2/24'
}

@test "vm-net: the guest has the namespace's interface, addresses and routes, and reaches the peer" {
	net_pair
	# ping needs a raw socket.
	cfg '.process.capabilities |= with_entries(.value += ["CAP_NET_RAW"])'
	args sh -c 'ip -o link show eth0; ip -o addr show; ip route; ip -6 route;
		ping -c 1 -W 10 10.77.0.1 >/dev/null && echo ping4-ok;
		ping -c 1 -W 10 fd77::1 >/dev/null && echo ping6-ok'
	zrun run "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"eth0: <"*"mtu 1400"*"link/ether 02:77:00:00:00:02"* ]]
	[[ "$output" == *"eth0    inet 10.77.0.2/24"* ]]
	[[ "$output" == *"eth0    inet6 fd77::2/64"* ]]
	[[ "$output" == *"default via 10.77.0.1 dev eth0"* ]]
	[[ "$output" == *"default via fd77::1 dev eth0"* ]]
	[[ "$output" == *"lo    inet 127.0.0.1/8"* ]]
	[[ "$output" == *ping4-ok* ]]
	[[ "$output" == *ping6-ok* ]]
	assert_netns_clean
}

@test "vm-net: the peer connects to a zone that listens, and the zone to a peer that listens" {
	net_pair
	# The zone listens and writes what it gets into its root; its stdin stays open.
	args sh -c 'nc -l -p 7777 >/received-v4; nc -l -p 7778 >/received-v6'
	zrun create "$ID"
	[ "$status" -eq 0 ]
	zrun start "$ID"
	[ "$status" -eq 0 ]
	wait_for sh -c "echo from-peer-v4 | ip netns exec $PEERNS busybox nc -w 2 10.77.0.2 7777"
	wait_for sh -c "echo from-peer-v6 | ip netns exec $PEERNS busybox nc -w 2 fd77::2 7778"
	wait_for status_is "$ID" stopped
	[ "$(cat "$ROOTFS/received-v4")" = from-peer-v4 ]
	[ "$(cat "$ROOTFS/received-v6")" = from-peer-v6 ]
	zrun delete "$ID"
	[ "$status" -eq 0 ]
	assert_netns_clean

	# The other way: the peer listens, a zone connects.
	ip netns exec "$PEERNS" busybox nc -l -p 7779 >"$TMP/received" &
	register_pid $!
	local listener=$!
	args sh -c 'echo from-zone | nc -w 5 10.77.0.1 7779'
	zrun run "$ID-2"
	[ "$status" -eq 0 ]
	wait "$listener" || true
	[ "$(cat "$TMP/received")" = from-zone ]
	assert_netns_clean
}

@test "vm-net: the config's network sysctls are set in the guest, an interface's own too" {
	net_pair
	cfg '.linux.sysctl = {"net.ipv4.ping_group_range": "0 2147483647", "net.ipv4.conf.eth0.arp_ignore": "1"}'
	args cat /proc/sys/net/ipv4/ping_group_range /proc/sys/net/ipv4/conf/eth0/arp_ignore
	zrun run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "0	2147483647" ]
	[ "${lines[1]}" = 1 ]
	# Not the host's, nor the zone's namespace's on the host: the guest's.
	[ "$(ip netns exec "$NETNS" cat /proc/sys/net/ipv4/conf/eth0/arp_ignore)" = 0 ]
}

@test "vm-net: a new network namespace (no path) gives loopback alone" {
	cfg '.linux.namespaces |= map(select(.type != "network")) | .linux.namespaces += [{"type": "network"}]'
	args sh -c 'ip -o link show | cut -d: -f2; ip -o addr show lo'
	zrun run "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = " lo" ]
	[ "${#lines[@]}" -ge 2 ]
	[[ "${lines[1]}" == *"lo    inet 127.0.0.1/8"* ]]
	! [[ "$output" == *eth* ]]
}

@test "vm-net: delete removes the redirect from a namespace that lives on" {
	net_pair
	args sleep 600
	zrun create "$ID"
	[ "$status" -eq 0 ]
	# While the zone exists: a tap beside eth0, joined to it both ways.
	tap=$(ip -n "$NETNS" -o link show | awk -F': ' '$2 ~ /^ztap/ { print $2 }')
	[ -n "$tap" ]
	tc -n "$NETNS" filter show dev eth0 ingress | grep -q "Egress Redirect to device $tap"
	tc -n "$NETNS" filter show dev "$tap" ingress | grep -q "Egress Redirect to device eth0"
	# QEMU is in a network namespace of its own, with no interface but loopback.
	qemu=$(qemu_of "$(container_pid "$ID")")
	[ -n "$qemu" ]
	[ "$(readlink "/proc/$qemu/ns/net")" != "$(readlink /proc/self/ns/net)" ]
	[ "$(readlink "/proc/$qemu/ns/net")" != "$(ip netns exec "$NETNS" readlink /proc/self/ns/net)" ]
	# An exec'd process has the guest's network too.
	zrun start "$ID"
	[ "$status" -eq 0 ]
	zrun exec "$ID" ip -o -4 addr show eth0
	[ "$status" -eq 0 ]
	[[ "$output" == *"inet 10.77.0.2/24"* ]]
	# An interface serves one guest: a second zone is refused and the first keeps its own.
	cfg '.linux.cgroupsPath += "-2"'
	zrun create "$ID-2"
	assert_one_line_error
	assert_stderr_matches "redirect eth0 to a tap device: another VM zone's redirect is there"
	[ ! -e "$STATE/$ID-2" ]
	tc -n "$NETNS" filter show dev eth0 ingress | grep -q "Egress Redirect to device $tap"
	[ "$(ip -n "$NETNS" -o link show | grep -c ztap)" -eq 1 ]
	zrun kill "$ID" KILL
	wait_for status_is "$ID" stopped
	zrun delete "$ID"
	[ "$status" -eq 0 ]
	assert_netns_clean
}

@test "vm-net: other namespaces of the host are still refused, naming the field" {
	cfg '.linux.namespaces |= (map(select(.type != "ipc")) + [{"type": "ipc", "path": "/proc/self/ns/ipc"}])'
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches 'linux\.namespaces\[[0-9]+\]\.path: a emulated zone cannot join'
	# A network namespace path that does not exist: the one-line error names it.
	cfg '.linux.namespaces |= map(select(.type != "ipc"))
		| .linux.namespaces |= map(if .type == "network" then .path = "/run/netns/zt-none-\($u)" else . end)' \
		--arg u "$U"
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches "network namespace /run/netns/zt-none-$U"
	# The runtime's own (the host's): its interfaces never go to a guest.
	cfg '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
		--arg p "/proc/$$/ns/net"
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches "linux\.namespaces\[[0-9]+\]\.path: /proc/$$/ns/net is the host's network namespace"
	! ip -o link show | grep -q ' ztap'
}
