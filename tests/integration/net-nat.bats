#!/usr/bin/env bats
# Egress NAT and published ports (netns/nat.h) through a small driver of the library
# (helpers/nat-driver.c). Everything happens in network namespaces each test makes: "the host"
# ($HOSTNS: bridge zbr0 10.199.0.1/24, the nft table, the published ports), "the zone"
# ($ZONENS: eth0 10.199.0.2/24 on zbr0) and "the outside" ($OUTNS: 10.198.0.2/24, joined to
# the host by a veth, with no route back to the zones' subnet).

load helpers

# The driver, built once against the ASan libraries next to the runtime under test.
setup_file() {
	local repo build
	repo=$(cd "$(dirname "$BATS_TEST_FILENAME")/../.." && pwd)
	build=${ZONE_BUILD:-$(dirname "$(dirname "${ZONE_OCI:-$repo/build/asan/zone-oci}")")}
	NAT_DRIVER=$BATS_FILE_TMPDIR/nat-driver
	if [ -f "$build/libzone-net-asan.a" ] && [ -f "$build/libzone-asan.a" ]; then
		cc -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g \
			-fsanitize=address,undefined -fno-omit-frame-pointer \
			-I"$repo/runtime" -I"$repo" -o "$NAT_DRIVER" \
			"$repo/tests/integration/helpers/nat-driver.c" \
			"$build/libzone-net-asan.a" "$build/libzone-asan.a" \
			-lnftables -lnl-route-3 -lnl-3 -lyajl -lcap -lseccomp -lnettle -lcgroup \
			>"$BATS_FILE_TMPDIR/nat-driver.log" 2>&1 || rm -f "$NAT_DRIVER"
	fi
	export NAT_DRIVER
}

setup() {
	zone_setup
	[ -x "$NAT_DRIVER" ] || fail "nat-driver not built (make BUILD=... asan first): $(cat "$BATS_FILE_TMPDIR/nat-driver.log" 2>/dev/null)"
	HOSTNS=zt-nh-$U
	ZONENS=zt-nz-$U
	OUTNS=zt-no-$U
	local ns
	for ns in "$HOSTNS" "$ZONENS" "$OUTNS"; do
		ip netns add "$ns"
		register_cleanup ip netns del "$ns"
		ip -n "$ns" link set lo up
	done
	ip netns exec "$HOSTNS" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$HOSTNS" link add zbr0 type bridge
	ip -n "$HOSTNS" addr add 10.199.0.1/24 dev zbr0
	ip -n "$HOSTNS" link set zbr0 up
	add_zone "$ZONENS" vz0 10.199.0.2
	ip -n "$HOSTNS" link add vout type veth peer name eth0 netns "$OUTNS"
	ip -n "$HOSTNS" addr add 10.198.0.1/24 dev vout
	ip -n "$HOSTNS" link set vout up
	ip -n "$OUTNS" addr add 10.198.0.2/24 dev eth0
	ip -n "$OUTNS" link set eth0 up

	# The zone serves a page; the outside tells each client the address it came from.
	mkdir -p "$TMP/www" "$TMP/out/cgi-bin"
	echo "hello from the zone" >"$TMP/www/index.html"
	printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%%s\\n" "$REMOTE_ADDR"\n' \
		>"$TMP/out/cgi-bin/peer"
	chmod 755 "$TMP/out/cgi-bin/peer"
	serve "$ZONENS" 80 "$TMP/www"
}

# add_zone NS HOSTIF ADDR: a "zone" namespace on zbr0 with eth0 at ADDR/24.
add_zone() {
	ip -n "$HOSTNS" link add "$2" type veth peer name eth0 netns "$1"
	ip -n "$HOSTNS" link set "$2" master zbr0 up
	ip -n "$1" addr add "$3/24" dev eth0
	ip -n "$1" link set eth0 up
	ip -n "$1" route add default via 10.199.0.1
}

# serve NS PORT DIR: busybox httpd in NS, killed by teardown.
serve() {
	ip netns exec "$1" busybox httpd -f -p "$2" -h "$3" &
	register_pid $!
	wait_for ip netns exec "$1" sh -c "busybox netstat -ltn | grep -q ':$2 '"
}

nat() {
	ip netns exec "$HOSTNS" "$NAT_DRIVER" "$@"
}

# get NS URL: the page, one try.
get() {
	ip netns exec "$1" curl -sS --noproxy '*' --max-time 5 "$2"
}

ruleset() {
	ip netns exec "$HOSTNS" nft list ruleset
}

@test "net-nat: a published port is reachable from the host's loopback, its bridge address and the outside" {
	run nat add z1 zbr0 10.199.0.2/24 8080:80
	assert_success
	assert_output ''

	run get "$HOSTNS" http://127.0.0.1:8080/
	assert_success
	assert_output "hello from the zone"
	run get "$HOSTNS" http://10.199.0.1:8080/
	assert_success
	assert_output "hello from the zone"
	run get "$OUTNS" http://10.198.0.1:8080/
	assert_success
	assert_output "hello from the zone"
	# Another zone on the bridge, through the host's address (hairpin).
	local other=zt-nz2-$U
	ip netns add "$other"
	register_cleanup ip netns del "$other"
	add_zone "$other" vz1 10.199.0.3
	run get "$other" http://10.199.0.1:8080/
	assert_success
	assert_output "hello from the zone"
	# Without br_netfilter's help (bridged replies un-NATed by conntrack) it takes the
	# hairpin masquerade.
	if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then
		ip netns exec "$HOSTNS" sysctl -qw net.bridge.bridge-nf-call-iptables=0
		run get "$other" http://10.199.0.1:8080/
		assert_success
		assert_output "hello from the zone"
	fi

	# Loopback needs route_localnet, set in the namespace that holds the rules.
	run ip netns exec "$HOSTNS" cat /proc/sys/net/ipv4/conf/all/route_localnet
	assert_output 1
	# Every rule is the zone's, in the table zone's own.
	run ip netns exec "$HOSTNS" nft list table inet zone
	assert_success
	[ "$(ip netns exec "$HOSTNS" nft list table inet zone | grep -c 'comment "zone:z1"')" -ge 4 ]
	[ "$(ip netns exec "$HOSTNS" nft -j list table inet zone |
		jq '[.nftables[] | select(.rule) | select(.rule.comment != "zone:z1")] | length')" -eq 0 ]
	[ "$(ip netns exec "$HOSTNS" nft list tables)" = "table inet zone" ]
	run nat zones
	assert_output z1

	run nat remove z1
	assert_success
	run get "$HOSTNS" http://127.0.0.1:8080/
	assert_failure
	[ -z "$(ruleset)" ]
}

@test "net-nat: egress from the zone is masqueraded behind the host's address" {
	serve "$OUTNS" 80 "$TMP/out"
	# Without NAT the outside has no way back to 10.199.0.2.
	run get "$ZONENS" http://10.198.0.2/cgi-bin/peer
	assert_failure

	nat add z1 zbr0 10.199.0.2
	run get "$ZONENS" http://10.198.0.2/cgi-bin/peer
	assert_success
	# busybox httpd listens on IPv6 too and shows IPv4 peers mapped.
	assert_output --regexp '^(\[::ffff:)?10\.198\.0\.1\]?$'
	# Only what leaves through another interface than the bridge is masqueraded.
	run ip netns exec "$HOSTNS" nft list chain inet zone postrouting
	assert_output --partial 'ip saddr 10.199.0.2 oifname != "zbr0" masquerade comment "zone:z1"'

	nat remove z1
	run get "$ZONENS" http://10.198.0.2/cgi-bin/peer
	assert_failure
}

@test "net-nat: a network's egress rule covers its zones; the table stays while it is there" {
	serve "$OUTNS" 80 "$TMP/out"
	run nat network-add zbr0 10.199.0.0/24
	assert_success
	run get "$ZONENS" http://10.198.0.2/cgi-bin/peer
	assert_success
	assert_output --regexp '^(\[::ffff:)?10\.198\.0\.1\]?$'
	run ip netns exec "$HOSTNS" nft list chain inet zone postrouting
	assert_output --partial 'ip saddr 10.199.0.0/24 oifname != "zbr0" masquerade comment "bridge:zbr0"'
	# Made again (another subnet), it replaces the bridge's rule.
	nat network-add zbr0 10.199.0.0/16
	[ "$(ip netns exec "$HOSTNS" nft list table inet zone | grep -c 'comment "bridge:zbr0"')" -eq 1 ]
	nat network-add zbr0 10.199.0.0/24

	# A zone publishing a port gets no egress rule of its own; its removal leaves the table.
	run nat publish z1 zbr0 10.199.0.2 8080:80
	assert_success
	run get "$HOSTNS" http://127.0.0.1:8080/
	assert_output "hello from the zone"
	! ip netns exec "$HOSTNS" nft list chain inet zone postrouting |
		grep -q 'ip saddr 10.199.0.2 oifname'
	run nat zones
	assert_output z1
	nat remove z1
	run nat zones
	assert_output ''
	ip netns exec "$HOSTNS" nft list table inet zone | grep -q 'comment "bridge:zbr0"'
	run get "$ZONENS" http://10.198.0.2/cgi-bin/peer
	assert_success

	# The network's rule goes with the table; no zone's rule is touched by it.
	nat publish z2 zbr0 10.199.0.2 8081:80
	nat network-remove zbr0
	run nat zones
	assert_output z2
	nat remove z2
	[ -z "$(ruleset)" ]
	run get "$ZONENS" http://10.198.0.2/cgi-bin/peer
	assert_failure
	# Bad input: nothing made.
	run nat network-add zbr0 10.199.0.0/33
	assert_failure
	assert_output --partial 'malformed subnet "10.199.0.0/33"'
	run nat network-add 'zb"r0' 10.199.0.0/24
	assert_failure
	assert_output --partial 'invalid bridge name'
	[ -z "$(ruleset)" ]
}

@test "net-nat: a host address limits the published port to that address" {
	nat add z1 zbr0 10.199.0.2 127.0.0.1:8081:80 10.198.0.1:8082:80
	run get "$HOSTNS" http://127.0.0.1:8081/
	assert_output "hello from the zone"
	run get "$HOSTNS" http://10.199.0.1:8081/
	assert_failure
	run get "$OUTNS" http://10.198.0.1:8082/
	assert_output "hello from the zone"
	run get "$HOSTNS" http://127.0.0.1:8082/
	assert_failure
	# 127.0.0.0/8 is not accepted from the network, route_localnet or not.
	run ip netns exec "$HOSTNS" nft list chain inet zone guard
	assert_output --partial 'iifname != "lo" ip daddr 127.0.0.0/8 drop comment "zone:z1"'
	nat remove z1
}

@test "net-nat: a port already published is refused, naming it, and nothing is added" {
	nat add z1 zbr0 10.199.0.2 8080:80 53:53/udp
	local before
	before=$(ruleset)

	run nat add z2 zbr0 10.199.0.3 9090:80 8080:80
	assert_failure
	assert_output "nat-driver: publish host port 8080/tcp for zone z2: already published by zone z1"
	[ "$(ruleset)" = "$before" ]
	run nat add z2 zbr0 10.199.0.3 0.0.0.0:53:5353/udp
	assert_failure
	assert_output "nat-driver: publish host port 53/udp for zone z2: already published by zone z1"
	[ "$(ruleset)" = "$before" ]
	# The same port twice in one request.
	run nat add z2 zbr0 10.199.0.3 9090:80 9090:81
	assert_failure
	assert_output "nat-driver: publish host port 9090/tcp for zone z2: given twice"
	[ "$(ruleset)" = "$before" ]
	# Another protocol is another port.
	run nat add z2 zbr0 10.199.0.3 8080:80/udp
	assert_success
	run nat zones
	assert_output "z1
z2"
	nat remove z2
	[ "$(ruleset)" = "$before" ]
	nat remove z1
	[ -z "$(ruleset)" ]
}

@test "net-nat: bad input is refused with one clear error and nothing added" {
	local spec msg
	while IFS='|' read -r spec msg; do
		run nat add z1 zbr0 10.199.0.2 "$spec"
		assert_failure
		assert_output "nat-driver: $msg"
	done <<-'EOF'
		8080|published port "8080": expected [HOSTIP:]HOSTPORT:ZONEPORT[/tcp|udp]
		70000:80|published port "70000:80": host port "70000" is not a number from 1 to 65535
		80:80/sctp|published port "80:80/sctp": unknown protocol "sctp" (expected tcp or udp)
		[::1]:8080:80|publish host port [::1]:8080/tcp for zone z1: the host address is IPv6 and the zone's address 10.199.0.2 is not
	EOF
	run nat add z1 zbr0 10.199.0.300 8080:80
	assert_output 'nat-driver: NAT rules for zone z1: invalid address "10.199.0.300"'
	run nat add z1 'zbr0"; flush ruleset; "' 10.199.0.2
	assert_failure
	run nat add 'z1"x' zbr0 10.199.0.2
	assert_failure
	assert_output 'nat-driver: NAT rules for zone: invalid id (only letters, digits and _ + . - are allowed)'
	[ -z "$(ruleset)" ]
	# Removing what is not there is no error.
	run nat remove z1
	assert_success
}

@test "net-nat: removing a zone keeps the others' rules, and no other table is touched" {
	ip netns exec "$HOSTNS" nft -f - <<-'EOF'
		table inet keep {
			chain input {
				type filter hook input priority 0; policy accept;
				tcp dport 9999 counter accept comment "zone:z1"
			}
		}
		table ip zonex {
			chain c { comment "zone:z1"; }
		}
	EOF
	local others
	others=$(ip netns exec "$HOSTNS" nft list table inet keep; ip netns exec "$HOSTNS" nft list table ip zonex)

	nat add z1 zbr0 10.199.0.2 8080:80
	nat add z2 zbr0 10.199.0.3 8081:80
	nat add z3 zbr0 10.199.0.4
	# Adding again replaces the zone's rules rather than doubling them.
	nat add z1 zbr0 10.199.0.2 8080:80
	[ "$(ip netns exec "$HOSTNS" nft list table inet zone | grep -c 'zone:z1')" -eq \
		"$(ip netns exec "$HOSTNS" nft list table inet zone | grep -c 'zone:z2')" ]

	nat remove z1
	run nat zones
	assert_output "z2
z3"
	run ip netns exec "$HOSTNS" nft list table inet zone
	refute_output --partial 'zone:z1'
	assert_output --partial 'tcp . 8081 comment "zone:z2"'
	run get "$HOSTNS" http://127.0.0.1:8080/
	assert_failure
	# Port 8080 is free again for another zone.
	nat add z4 zbr0 10.199.0.2 8080:80
	run get "$HOSTNS" http://127.0.0.1:8080/
	assert_output "hello from the zone"

	nat remove z2
	nat remove z4
	run ip netns exec "$HOSTNS" nft list tables
	assert_output --partial 'table inet zone'
	nat remove z3
	run ip netns exec "$HOSTNS" nft list tables
	assert_output "table inet keep
table ip zonex"
	[ "$(ip netns exec "$HOSTNS" nft list table inet keep; ip netns exec "$HOSTNS" nft list table ip zonex)" = "$others" ]
	run nat zones
	assert_output ''
}

@test "net-nat: zones started in parallel: one port goes to one zone, and the last removal takes the table" {
	local i pids=()
	# Eight zones claim the same port at once: exactly one gets it.
	for i in $(seq 8); do
		nat add "z$i" zbr0 "10.199.0.$((10 + i))" 7000:80 >"$TMP/add.$i" 2>&1 &
		pids+=($!)
	done
	local ok=0
	for i in $(seq 8); do
		if wait "${pids[$((i - 1))]}"; then
			ok=$((ok + 1))
		else
			grep -q "publish host port 7000/tcp for zone z$i: already published by zone z" "$TMP/add.$i" ||
				fail "z$i: $(cat "$TMP/add.$i")"
		fi
	done
	[ "$ok" -eq 1 ]
	[ "$(ip netns exec "$HOSTNS" nft -j list set inet zone published | jq '[.nftables[].set.elem // empty | .[]] | length')" -eq 1 ]
	[ "$(nat zones | wc -l)" -eq 1 ]
	nat remove "$(nat zones)"

	# Distinct ports in parallel all succeed; removing them in parallel leaves nothing.
	pids=()
	for i in $(seq 8); do
		nat add "z$i" zbr0 "10.199.0.$((10 + i))" "$((7000 + i)):80" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	[ "$(nat zones | wc -l)" -eq 8 ]
	pids=()
	for i in $(seq 8); do
		nat remove "z$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	[ -z "$(ruleset)" ]
}
