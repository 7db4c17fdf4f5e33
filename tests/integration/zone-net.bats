#!/usr/bin/env bats
# The zone CLI on a bridge (the default network): zones reach each other by name over TCP, a
# published port answers on the host's 127.0.0.1, a restart attaches again, none/host/zone:NAME,
# an emulated zone on the same bridge, bad input; rm and halt leave no veth, lease or nft rule.
# The host side (bridge, veths, nft table, leases) lives in a network namespace each test makes
# ($HOSTNS) and removes: the CLI runs inside it through nsenter.

load helpers
load zone-cli-helpers

host_veths() { in_host ip -o link show type veth | awk -F': ' '{print $2}'; }
leases() { cat "$NETROOT"/leases/*.json 2>/dev/null | jq -r '.leases[] | .addr + " " + .id'; }
no_veths() { [ -z "$(host_veths)" ]; }
address_of() { zone inspect "$1" | jq -r .address; }
monitor_gone() { [ "$(zone inspect "$1" | jq -r .monitor)" = false ]; }

# No veth, lease, nft rule or named namespace of any zone is left (the bridge, and the nft
# table with its network's egress rule, stay with the network); a dead zone's veth goes with
# its namespace, in the background.
assert_net_clean() {
	wait_for no_veths || fail "veths left: $(host_veths)"
	[ -z "$(leases)" ] || fail "leases left: $(leases)"
	! in_host nft list table inet zone 2>/dev/null | grep 'zone:' ||
		fail "nft rules of zones left"
	[ -z "$(ls -A "$NETROOT/netns" 2>/dev/null)" ] || fail "namespaces left: $(ls "$NETROOT/netns")"
	! grep -q " $NETROOT" /proc/self/mountinfo || fail "mounts left under $NETROOT"
}

assert_one_error_line() {
	[ "$status" -ne 0 ] || fail "succeeded: $output"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || fail "not one line: $stderr"
}

@test "zone-net: a detached zone and a run --rm zone talk TCP by name on the default bridge" {
	zz run -d --name a bb sh -c 'while true; do echo hello-from-a | nc -l -p 8080; done'
	[ "$status" -eq 0 ] || fail "run a: $stderr"
	local addr
	addr=$(address_of a)
	[[ "$addr" =~ ^10\.88\.0\.[0-9]+$ ]] || fail "address: $addr"
	zz ls
	[[ "${lines[1]}" =~ ^a\ +light\ +running\ +localhost/bb:latest\ +$addr\  ]] || fail "ls: $output"
	zz run --rm bb sh -c 'ip -o -4 addr show eth0; ip route; grep " a$" /etc/hosts; for i in $(seq 50); do out=$(nc -w 2 a 8080) && [ -n "$out" ] && echo "got:$out" && exit 0; sleep 0.1; done; exit 1'
	[ "$status" -eq 0 ] || fail "run --rm: $output $stderr"
	[[ "$output" == *"got:hello-from-a"* ]]
	[[ "$output" == *"default via 10.88.0.1 dev eth0"* ]]
	[[ "$output" == *"$addr"*" a"* ]]
	# Only a's lease and veth are left once the --rm zone is gone.
	[ "$(leases)" = "$addr a" ] || fail "leases: $(leases)"
	[ "$(host_veths | wc -l)" -eq 1 ]
	zz rm --force a
	[ "$status" -eq 0 ] || fail "rm: $stderr"
	assert_net_clean
}

@test "zone-net: a published port answers on the namespace's 127.0.0.1; halt and rm release it" {
	zz create web --image bb -p 127.0.0.1:18080:80 -- sh -c \
		'mkdir -p /www && echo served-by-web >/www/index.html && exec httpd -f -p 80 -h /www'
	[ "$status" -eq 0 ] || fail "create: $stderr"
	zz boot web
	[ "$status" -eq 0 ] || fail "boot: $stderr"
	local out=
	for i in $(seq 50); do
		out=$(in_host busybox wget -qO- http://127.0.0.1:18080/ 2>/dev/null) && break
		sleep 0.1
	done
	[ "$out" = served-by-web ] || fail "got: $out"
	in_host nft list table inet zone | grep -q 'zone:web'
	# Another zone cannot have the same host port: one line naming the holder, nothing left
	# of it.
	zz run --rm -p 18080:81 bb true
	assert_one_error_line
	[[ "$stderr" == *"already published by zone web"* ]] || fail "$stderr"
	[ "$(leases | wc -l)" -eq 1 ]
	zz halt --time 1 web
	[ "$status" -eq 0 ] || fail "halt: $stderr"
	[ "$(address_of web)" = - ]
	assert_net_clean
	# Booted again it gets its port again.
	zz boot web
	[ "$status" -eq 0 ] || fail "boot again: $stderr"
	[[ "$(address_of web)" =~ ^10\.88\.0\. ]]
	in_host nft list table inet zone | grep -q 'zone:web'
	zz rm --force web
	assert_net_clean
}

@test "zone-net: a restarted zone is attached again; a zone whose monitor died is collected" {
	zz run -d --name r --restart on-failure:2 bb sh -c 'ip -o -4 addr show eth0; exit 3'
	[ "$status" -eq 0 ] || fail "$stderr"
	wait_for monitor_gone r
	zz logs r
	[ "$(grep -c 'eth0 *inet 10.88.0.' <<<"$output")" -eq 3 ] || fail "logs: $output"
	assert_net_clean

	# A monitor SIGKILLed, then the zone's processes: the lease stays, gc takes it back.
	zz run -d --name k bb sleep 1000
	[ "$status" -eq 0 ] || fail "$stderr"
	local mon pid
	mon=$(cat "$DATA/zones/k/monitor.pid")
	pid=$(zone inspect k | jq .pid)
	kill -9 "$mon"
	kill -9 "$pid"
	wait_for state_is k installed
	[ -n "$(leases)" ]
	zz net gc
	[ "$status" -eq 0 ] || fail "gc: $stderr"
	[[ "$output" == "released 1 leases"* ]] || fail "gc: $output"
	zz rm k
	[ "$status" -eq 0 ] || fail "rm: $stderr"
	assert_net_clean
}

@test "zone-net: none has loopback alone, zone:NAME shares a zone's eth0, host has no namespace" {
	zz run --rm --network none bb ip -o link show
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "${#lines[@]}" -eq 1 ] && [[ "${lines[0]}" == *" lo: "* ]] || fail "$output"
	zz run -d --name a bb sleep 1000
	local addr
	addr=$(address_of a)
	zz run --rm --network zone:a bb ip -o -4 addr show eth0
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$output" == *"inet $addr/24"* ]] || fail "$output"
	[ "$(leases | wc -l)" -eq 1 ]
	zz create h --image bb --network host -- true
	zz ls --all
	[[ "$output" =~ h\ +light\ +installed\ +localhost/bb:latest\ +host ]] || fail "$output"
	zz rm h
	zz rm --force a
	assert_net_clean
}

@test "zone-net: an emulated zone on the bridge reaches a light zone by name" {
	require_emulated "$ZONE"
	zz run -d --name a bb sh -c 'while true; do echo hello-from-light | nc -l -p 8080; done'
	[ "$status" -eq 0 ] || fail "$stderr"
	ZONE_TIMEOUT=300 zz run --rm --type emulated --name v bb sh -c 'ip -o -4 addr show eth0; for i in $(seq 100); do out=$(nc -w 2 a 8080) && [ -n "$out" ] && echo "got:$out" && exit 0; sleep 0.2; done; exit 1'
	[ "$status" -eq 0 ] || fail "run v: $output $stderr"
	[[ "$output" == *"eth0    inet 10.88.0."* ]]
	[[ "$output" == *"got:hello-from-light"* ]]
	# The VM zone's named namespace and lease went with it.
	[ "$(leases | awk '{print $2}')" = a ]
	[ -z "$(ls -A "$NETROOT/netns" 2>/dev/null)" ]
	zz rm --force a
	assert_net_clean
}

@test "zone-net: bad network input is one line and leaves nothing" {
	zz run --rm --network bogus bb true
	assert_one_error_line
	[[ "$stderr" == *'network: "bogus" is not bridge[:NETWORK], none, host'* ]] || fail "$stderr"
	zz run --rm -p 99999:80 bb true
	assert_one_error_line
	zz create x --image bb -p 1.2.3:80:80 -- true
	assert_one_error_line
	[[ "$stderr" == *publish* ]] || fail "$stderr"
	zz run --rm --network zone:nosuch bb true
	assert_one_error_line
	[[ "$stderr" == *"zone nosuch is not running"* ]] || fail "$stderr"
	[ -z "$(ls -A "$DATA/zones" 2>/dev/null)" ] || fail "zones left: $(ls "$DATA/zones")"
	assert_net_clean
}

# What a zone that did not start may leave: its directory, libzone state, cgroup, lease, veth,
# nft rule, named namespace, mount.
zone_cgroups() { find /sys/fs/cgroup/*/zone-test/"$U" -mindepth 1 -type d 2>/dev/null; }

@test "zone-net: a published port that is taken is one line naming it and leaves nothing" {
	zz run -d --name web -p 18080:80 bb sleep 1000
	[ "$status" -eq 0 ] || fail "$stderr"
	local cgroups
	cgroups=$(zone_cgroups)
	# Another zone's port: refused before anything is made (no zone dir even without --rm).
	zz run -p 18080:81 bb true
	assert_one_error_line
	[[ "$stderr" == *"host port 18080/tcp"*"already published by zone web"* ]] || fail "$stderr"
	[ "$(ls "$DATA/zones")" = web ] || fail "zones: $(ls "$DATA/zones")"
	[ "$(ls "$STATE")" = web ] || fail "libzone zones: $(ls "$STATE")"
	[ "$(zone_cgroups)" = "$cgroups" ] || fail "cgroups: $(zone_cgroups)"
	[ "$(leases | wc -l)" -eq 1 ]
	[ "$(host_veths | wc -l)" -eq 1 ]
	[ "$(in_host nft list table inet zone | grep -c 'zone:' | tr -d ' ')" = \
		"$(in_host nft list table inet zone | grep -c 'zone:web')" ]
	zz rm --force web
	assert_net_clean

	# A program of the host (this test's namespace) listening on the port.
	(exec nsenter --net=/run/netns/"$HOSTNS" busybox nc -l -p 18090 </dev/null >/dev/null 2>&1) &
	local nc=$!
	register_cleanup kill -9 "$nc"
	wait_for in_host sh -c 'ss -Hltn | grep -q ":18090 "'
	zz run --rm -p 18090:80 bb true
	assert_one_error_line
	[[ "$stderr" == *"host port 18090/tcp"*"a program of the host is bound to it"* ]] ||
		fail "$stderr"
	# A created zone may name it (the port can be free by its boot); its boot is refused the
	# same way and leaves it installed.
	zz create x --image bb -p 127.0.0.1:18090:80 -- true
	[ "$status" -eq 0 ] || fail "$stderr"
	zz boot x
	assert_one_error_line
	[[ "$stderr" == *"host port 127.0.0.1:18090/tcp"*"bound to it"* ]] || fail "$stderr"
	[ "$(zone inspect x | jq -r .state)" = installed ]
	[ -z "$(ls -A "$STATE")" ] || fail "libzone zones: $(ls "$STATE")"
	[ -z "$(zone_cgroups)" ] || fail "cgroups: $(zone_cgroups)"
	assert_net_clean
	kill "$nc"
	wait "$nc" 2>/dev/null || true
	# Free again: it boots.
	zz boot x
	[ "$status" -eq 0 ] || fail "$stderr"
	zz rm --force x
	[ -z "$(ls -A "$DATA/zones")" ]
	assert_net_clean
}

@test "zone-net: net ls --json lists networks and their leases; --help and completion know it" {
	zz net create --subnet 10.77.0.0/24 --bridge ztjson other
	[ "$status" -eq 0 ] || fail "$stderr"
	zz run -d --name j bb sleep 1000
	[ "$status" -eq 0 ] || fail "$stderr"
	local addr
	addr=$(address_of j)
	zz net ls --json
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(jq -r 'length' <<<"$output")" = 2 ] || fail "$output"
	[ "$(jq -r '.[] | select(.name == "zone") | [.bridge, .subnet, .gateway] | join(" ")' \
		<<<"$output")" = "zone0 10.88.0.0/24 10.88.0.1" ] || fail "$output"
	[ "$(jq -r '.[] | select(.name == "zone") | .leases[] | [.address, .zone, .state] | join(" ")' \
		<<<"$output")" = "$addr j live" ] || fail "$output"
	[ "$(jq -c '.[] | select(.name == "other") | [.bridge, .subnet, .gateway, .leases]' \
		<<<"$output")" = '["ztjson","10.77.0.0/24","10.77.0.1",[]]' ] || fail "$output"
	# The same rows as the table.
	zz net ls
	[[ "$output" == *"zone "*"zone0 "*"10.88.0.0/24 "*"$addr "*"j "*live* ]] || fail "$output"
	zz net ls --help
	[[ "$output" == *--json* ]]
	local bin
	bin=$(dirname "$ZONE")
	if [ "${ZONE##*/}" = zone ]; then
		run env PATH="$bin:$PATH" bash -c '
			source <(zone completion bash)
			COMP_WORDS=(zone net ls --j); COMP_CWORD=3; COMPREPLY=(); _zone; echo "${COMPREPLY[*]}"'
		[ "$output" = --json ] || fail "completion: $output"
	fi
	zz rm --force j
	zz net gc
	zz net rm other
	[ "$status" -eq 0 ] || fail "$stderr"
	assert_net_clean
}

@test "zone-net: net gc releases the named namespace of a VM zone whose monitor was SIGKILLed" {
	require_emulated "$ZONE"
	ZONE_TIMEOUT=300 zz run -d --type emulated --name v bb sleep 1000
	[ "$status" -eq 0 ] || fail "$stderr"
	[ -e "$NETROOT/netns/v" ]
	grep -q " $NETROOT/netns/v " /proc/self/mountinfo
	# gc keeps the namespace of a running zone.
	zz net gc
	[ "$status" -eq 0 ] || fail "gc: $stderr"
	[[ "$output" == *"and 0 network namespaces"* ]] || fail "gc: $output"
	grep -q " $NETROOT/netns/v " /proc/self/mountinfo
	# Its monitor SIGKILLed, then the zone's processes: the namespace stays mounted...
	local mon pid
	mon=$(cat "$DATA/zones/v/monitor.pid")
	pid=$(zone inspect v | jq .pid)
	kill -9 "$mon"
	kill -9 "$pid"
	wait_for state_is v installed
	grep -q " $NETROOT/netns/v " /proc/self/mountinfo
	# ...until gc, which releases it and then the lease it held.
	zz net gc
	[ "$status" -eq 0 ] || fail "gc: $stderr"
	[[ "$output" == "released 1 leases and 1 network namespaces"* ]] || fail "gc: $output"
	! grep -q " $NETROOT/netns/v " /proc/self/mountinfo
	[ ! -e "$NETROOT/netns/v" ]
	zz rm v
	[ "$status" -eq 0 ] || fail "rm: $stderr"
	assert_net_clean
}
