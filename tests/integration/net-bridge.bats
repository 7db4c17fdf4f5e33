#!/usr/bin/env bats
# Bridge networking through zone-net-hook: zones on one bridge talk TCP and find each other by
# name, `none` has loopback alone, a zone joins another's namespace, parallel starts get
# distinct addresses, and delete or gc leave no veth, lease or NAT rule. The "host side" (the
# bridge, the veths, the nft table, the leases) lives in a network namespace each test makes
# ($HOSTNS) and removes: the runtime, the hook and `zone net` run inside it through a wrapper.

load helpers

: "${ZONE:=$REPO_DIR/build/asan/zone}"
: "${ZONE_NET_HOOK:=$REPO_DIR/build/asan/zone-net-hook}"
REAL_ZONE_OCI=$ZONE_OCI

setup() {
	zone_setup
	HOSTNS=zt-h-$U
	ip netns add "$HOSTNS"
	register_cleanup ip netns del "$HOSTNS"
	ip -n "$HOSTNS" link set lo up
	NETROOT=$TMP/net
	# The runtime under test, run in $HOSTNS (its mounts stay the host's: nsenter, not
	# `ip netns exec`, which remounts /sys and so hides the cgroup hierarchies).
	mkdir -p "$TMP/bin"
	printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s %s "$@"\n' "$HOSTNS" "$REAL_ZONE_OCI" \
		>"$TMP/bin/${REAL_ZONE_OCI##*/}"
	chmod +x "$TMP/bin/${REAL_ZONE_OCI##*/}"
	ZONE_OCI=$TMP/bin/${REAL_ZONE_OCI##*/}
	with_hook "$BUNDLE"
}

# in_host CMD...: CMD in the test's host-side namespace.
in_host() {
	nsenter --net=/run/netns/"$HOSTNS" "$@"
}

znet() {
	ZONE_NET_ROOT=$NETROOT in_host "$ZONE" net "$@"
}

# with_hook BUNDLE: the network hook as createRuntime and poststop hook of BUNDLE.
with_hook() {
	CFG_BUNDLE=$1 cfg '.hooks.createRuntime = [{path: $h, args: ["zone-net-hook", "create",
			"--net-root", $r]}]
		| .hooks.poststop = [{path: $h, args: ["zone-net-hook", "delete", "--net-root", $r]}]' \
		--arg h "$ZONE_NET_HOOK" --arg r "$NETROOT"
}

# another_bundle NAME: a second bundle with the hook, in $TMP/NAME.
another_bundle() {
	new_bundle "$TMP/$1"
	with_hook "$TMP/$1"
}

host_veths() {
	in_host ip -o link show type veth | awk -F': ' '{print $2}'
}

leases() {
	cat "$NETROOT"/leases/*.json 2>/dev/null | jq -r '.leases[] | .addr + " " + .id'
}

has_lease() { [ -n "$(leases)" ]; }
has_veth() { [ -n "$(host_veths)" ]; }
no_zone_procs() { [ -z "$(procs_in_tmp)" ]; }

no_veths() { [ -z "$(host_veths)" ]; }

# Nothing of any zone is left on the host side (the bridge and its egress rule stay with their
# network). A zone's veth pair goes with its namespace, which the kernel tears down in the
# background.
assert_net_clean() {
	wait_for no_veths || fail "veths left: $(host_veths)"
	[ -z "$(leases)" ] || fail "leases left: $(leases)"
	! in_host nft list table inet zone 2>/dev/null | grep 'zone:' ||
		fail "NAT rules of zones left"
}

@test "net-bridge: two zones on one bridge exchange TCP and resolve each other's names" {
	cfg '.hostname = "alpha"'
	args sh -c 'echo hello-from-alpha | nc -l -p 8080'
	another_bundle b
	CFG_BUNDLE=$TMP/b cfg '.hostname = "beta"'
	CFG_BUNDLE=$TMP/b args sh -c 'cat /etc/hosts; ip -o -4 addr show eth0; ip route;
		for i in $(seq 100); do out=$(nc -w 2 alpha 8080) && [ -n "$out" ] && echo "got:$out" &&
			exit 0; sleep 0.1; done; exit 1'
	zrun create --bundle "$BUNDLE" "$ID-a"
	[ "$status" -eq 0 ] || fail "create a: $stderr"
	zrun start "$ID-a"
	[ "$status" -eq 0 ]
	zrun run --bundle "$TMP/b" "$ID-b"
	[ "$status" -eq 0 ] || fail "run b: $output $stderr"
	[[ "$output" == *"got:hello-from-alpha"* ]]
	[[ "$output" =~ 10\.88\.0\.[0-9]+[[:space:]]+alpha\ $ID-a ]]
	[[ "$output" =~ 10\.88\.0\.[0-9]+[[:space:]]+beta\ $ID-b ]]
	[[ "$output" == *"default via 10.88.0.1 dev eth0"* ]]
	# The host side: a bridge with the gateway address, one veth per zone on it.
	in_host ip -o -4 addr show zone0 | grep -q '10.88.0.1/24'
	# run deleted b (its poststop hook released the lease); a's lease stays until delete,
	# whether a still runs or not.
	[ "$(leases | awk '{print $2}')" = "$ID-a" ]
	run znet ls
	[ "$status" -eq 0 ]
	[[ "$output" == *"$ID-a"* && "$output" != *"$ID-b"* ]]
	zrun delete --force "$ID-a"
	[ "$status" -eq 0 ]
	assert_net_clean
	# The bridge and the network's egress rule stay with the network until it is removed
	# (and with it the table, which nothing else is in).
	in_host ip link show zone0 >/dev/null
	in_host nft list chain inet zone postrouting |
		grep -q 'ip saddr 10.88.0.0/24 oifname != "zone0" masquerade comment "bridge:zone0"'
	run znet rm zone
	[ "$status" -eq 0 ]
	! in_host ip link show zone0 >/dev/null 2>&1
	! in_host nft list table inet zone >/dev/null 2>&1 || fail "nft table inet zone left"
}

@test "net-bridge: a zone without published ports changes no NAT rule; with ports, its own only" {
	args sleep 1000
	zrun create "$ID-a"
	[ "$status" -eq 0 ] || fail "$stderr"
	# The network's egress rule was made with the bridge; the zone has no rule of its own.
	[ "$(in_host nft list table inet zone | grep -c 'comment "bridge:zone0"')" -eq 1 ]
	! in_host nft list table inet zone | grep -q 'zone:'
	[ "$(jq -r '.leases[0].nat' "$NETROOT/leases/zone.json")" = false ]
	another_bundle b
	CFG_BUNDLE=$TMP/b cfg '.annotations["org.zone.net.ports"] = "18081:80"'
	CFG_BUNDLE=$TMP/b args sleep 1000
	zrun create --bundle "$TMP/b" "$ID-b"
	[ "$status" -eq 0 ] || fail "$stderr"
	in_host nft list table inet zone | grep -q "dport 18081 dnat ip to 10.88.0.3:80 comment \"zone:$ID-b\""
	# No egress rule of the zone's own: the network's covers it.
	! in_host nft list chain inet zone postrouting | grep -q "ip saddr 10.88.0.3 oifname"
	zrun delete --force "$ID-b"
	[ "$status" -eq 0 ]
	zrun delete --force "$ID-a"
	[ "$status" -eq 0 ]
	assert_net_clean
	[ "$(in_host nft list table inet zone | grep -c 'comment "bridge:zone0"')" -eq 1 ]
	# A flushed ruleset loses the network's rule: gc puts it back.
	in_host nft flush ruleset
	run znet gc
	[ "$status" -eq 0 ] || fail "$output"
	[ "$(in_host nft list table inet zone | grep -c 'comment "bridge:zone0"')" -eq 1 ]
	run znet rm zone
	[ "$status" -eq 0 ]
	! in_host nft list table inet zone >/dev/null 2>&1 || fail "nft table inet zone left"
}

@test "net-bridge: mode none gives loopback alone, up" {
	cfg '.annotations["org.zone.net.mode"] = "none"'
	args ip -o link show
	zrun run "$ID"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == *" lo: <LOOPBACK,UP,LOWER_UP>"* ]]
	zrun delete "$ID"
	assert_net_clean
}

@test "net-bridge: a zone joining another zone's network namespace shares its eth0" {
	args sleep 1000
	zrun create --bundle "$BUNDLE" "$ID-a"
	[ "$status" -eq 0 ] || fail "$stderr"
	local pid addr
	pid=$(container_pid "$ID-a")
	addr=$(nsenter -t "$pid" -n ip -o -4 addr show eth0 | awk '{print $4}')
	[[ "$addr" == 10.88.0.*/24 ]]
	another_bundle b
	CFG_BUNDLE=$TMP/b cfg '.linux.namespaces |= map(if .type == "network" then .path = $p
		else . end) | .annotations["org.zone.net.mode"] = $m' \
		--arg p "/proc/$pid/ns/net" --arg m "zone:$ID-a"
	CFG_BUNDLE=$TMP/b args ip -o -4 addr show eth0
	zrun run --bundle "$TMP/b" "$ID-b"
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$output" == *"eth0    inet $addr"* ]]
	[ "$(leases | wc -l)" -eq 1 ]
	zrun delete "$ID-b"
	zrun delete --force "$ID-a"
	assert_net_clean
}

@test "net-bridge: 20 zones created in parallel get 20 distinct addresses" {
	local i pids=()
	for i in $(seq 20); do
		another_bundle "p$i"
		CFG_BUNDLE=$TMP/p$i args sleep 1000
	done
	for i in $(seq 20); do
		zone_oci create --bundle "$TMP/p$i" "$ID-p$i" </dev/null >/dev/null 2>"$TMP/p$i.err" &
		pids+=($!)
	done
	local failed=0
	for i in "${pids[@]}"; do
		wait "$i" || failed=$((failed + 1))
	done
	[ "$failed" -eq 0 ] || fail "$failed creates failed: $(cat "$TMP"/p*.err)"
	# Each zone's own eth0 holds the address its lease names, and no two are the same.
	local addrs=() pid
	for i in $(seq 20); do
		pid=$(container_pid "$ID-p$i")
		addrs+=("$(nsenter -t "$pid" -n ip -o -4 addr show eth0 | awk '{print $4}')")
	done
	[ "$(printf '%s\n' "${addrs[@]}" | grep -c '^10\.88\.0\.[0-9]*/24$')" -eq 20 ]
	[ "$(printf '%s\n' "${addrs[@]}" | sort -u | wc -l)" -eq 20 ]
	[ "$(leases | awk '{print $1}' | sort -u | wc -l)" -eq 20 ]
	[ "$(host_veths | wc -l)" -eq 20 ]
	for i in $(seq 20); do
		zrun delete --force "$ID-p$i"
		[ "$status" -eq 0 ]
	done
	assert_net_clean
}

@test "net-bridge: gc after the zone's processes were SIGKILLed leaves no veth, lease or rule" {
	cfg '.annotations["org.zone.net.ports"] = "18080:80"'
	args sleep 1000
	zrun create "$ID"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(leases | wc -l)" -eq 1 ]
	in_host nft list table inet zone | grep -q "zone:$ID"
	kill -9 "$(container_pid "$ID")"
	wait_for status_is "$ID" stopped
	run znet gc
	[ "$status" -eq 0 ]
	[[ "$output" == "released 1 leases"* ]]
	assert_net_clean
	zrun delete "$ID"
	[ "$status" -eq 0 ]
	assert_net_clean
}

@test "net-bridge: gc after the runtime was killed in the middle of create leaves nothing" {
	# A second createRuntime hook that hangs: the runtime is killed while it waits on it.
	cfg '.hooks.createRuntime += [{path: "/bin/sh", args: ["sh", "-c", "sleep 1000", $m]}]' \
		--arg m "hang-$U"
	args sleep 1000
	in_host "$REAL_ZONE_OCI" --root "$STATE" create --bundle "$BUNDLE" "$ID" </dev/null \
		>/dev/null 2>&1 &
	local runtime=$! p
	echo "$ID" >>"$TMP/ids"
	wait_for has_lease
	wait_for has_veth
	kill -9 "$runtime"
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$BASHPID" ] && continue
		grep -qa "hang-$U" "$p/cmdline" 2>/dev/null && kill -9 "${p#/proc/}"
	done
	wait "$runtime" || true
	# And the zone's first process, which waited for the runtime.
	for p in $(procs_in_tmp); do
		kill -9 "$p"
	done
	wait_for no_zone_procs
	run znet gc
	[ "$status" -eq 0 ]
	assert_net_clean
	"$REAL_ZONE_OCI" --root "$STATE" delete --force "$ID" >/dev/null 2>&1 || true
}

@test "net-bridge: bad input is one clear error and leaves nothing" {
	run znet create --bridge zt-much-too-long-bridge n1
	[ "$status" -ne 0 ]
	[[ "$output" == *'bridge name "zt-much-too-long-bridge": 1 to 15 characters'* ]]
	run znet create --subnet 10.1.2.0/33 n1
	[ "$status" -ne 0 ]
	[[ "$output" == *'malformed CIDR "10.1.2.0/33"'* ]]
	run znet create --subnet 10.1.2.3/24 n1
	[ "$status" -ne 0 ]
	[[ "$output" == *"host bits are set"* ]]
	[ -z "$(ls "$NETROOT/networks")" ]

	# A /30 has room for one zone: the second is refused and leaves no veth or lease.
	run znet create --subnet 10.99.0.0/30 --bridge ztsmall small
	[ "$status" -eq 0 ]
	cfg '.annotations["org.zone.net.network"] = "small"'
	args sleep 1000
	another_bundle b
	CFG_BUNDLE=$TMP/b cfg '.annotations["org.zone.net.network"] = "small"'
	zrun create "$ID-a"
	[ "$status" -eq 0 ] || fail "$stderr"
	zrun create --bundle "$TMP/b" "$ID-b"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"network small: subnet 10.99.0.0/30 is full"* ]]
	[ "$(leases)" = "10.99.0.2 $ID-a" ]
	[ "$(host_veths | wc -l)" -eq 1 ]
	zrun delete --force "$ID-a"
	zrun delete --force "$ID-b"
	assert_net_clean
	run znet rm small
	[ "$status" -eq 0 ]
	! in_host ip link show ztsmall >/dev/null 2>&1
	[ -z "$(ls "$NETROOT/networks")" ]
	assert_net_clean
}

@test "net-bridge: runc runs the hook as well" {
	command -v runc >/dev/null || skip "runc is not installed"
	local rb=$TMP/runc-bundle
	mkdir -p "$rb"
	cp -a "$ROOTFS" "$rb/rootfs"
	jq --arg cg "/zone-test/$U/runc" '.linux.cgroupsPath = $cg' "$BUNDLE/config.json" \
		>"$rb/config.json"
	CFG_BUNDLE=$rb args sh -c 'ip -o -4 addr show eth0; cat /etc/hosts'
	register_cleanup runc --root "$TMP/runc" delete --force "$ID-runc"
	run in_host runc --root "$TMP/runc" run --bundle "$rb" "$ID-runc"
	[ "$status" -eq 0 ] || fail "$output"
	[[ "$output" == *"eth0    inet 10.88.0.2/24"* ]]
	[[ "$output" == *"10.88.0.2	zone $ID-runc"* ]]
	# runc run deletes the container when it exits, and runs the poststop hook then.
	assert_net_clean
}

@test "net-bridge: an emulated zone in bridge mode reaches a light zone on the bridge" {
	require_emulated "$REAL_ZONE_OCI"
	cfg '.hostname = "alpha"'
	args sh -c 'echo hello-from-light | nc -l -p 8080'
	zrun create --bundle "$BUNDLE" "$ID-a"
	[ "$status" -eq 0 ] || fail "$stderr"
	zrun start "$ID-a"
	# A VM zone takes the namespace its config names by path, as it is: the hook sets that
	# namespace up beforehand (here by hand, with --netns) and the VM mirrors its eth0.
	local vns=zt-v-$U
	ip netns add "$vns"
	register_cleanup ip netns del "$vns"
	new_bundle "$TMP/v"
	CFG_BUNDLE=$TMP/v cfg '.annotations["org.zone.type"] = "emulated"
		| .linux.namespaces |= map(if .type == "network" then .path = $p else . end)' \
		--arg p "/run/netns/$vns"
	CFG_BUNDLE=$TMP/v args sh -c 'for i in $(seq 100); do out=$(nc -w 2 alpha 8080) &&
		[ -n "$out" ] && echo "got:$out" && exit 0; sleep 0.2; done; exit 1'
	echo "{\"id\": \"$ID-v\", \"bundle\": \"$TMP/v\"}" |
		in_host "$ZONE_NET_HOOK" create --net-root "$NETROOT" --netns "/run/netns/$vns"
	zrun run --bundle "$TMP/v" "$ID-v"
	[ "$status" -eq 0 ] || fail "run v: $output $stderr"
	[[ "$output" == *"got:hello-from-light"* ]]
	echo "{\"id\": \"$ID-v\"}" | in_host "$ZONE_NET_HOOK" delete --net-root "$NETROOT"
	zrun delete --force "$ID-a"
	assert_net_clean
}
