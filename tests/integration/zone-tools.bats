#!/usr/bin/env bats
# zone login, exec, stats and completion, on zones zone-oci made in this test's state root
# (the zone CLI works on any zone of its root, whoever made it). login is driven through
# `script`, which gives it a terminal: a command is typed, its output read back.

load helpers

: "${ZONE:=$REPO_DIR/build/asan/zone}"

# zone ARGS...: the zone CLI with this test's roots.
zone() {
	timeout --foreground -k 5 60 "$ZONE" --root "$STATE" --data-root "$TMP/data" "$@"
}

# zone_err ARGS...: zone with stdout and stderr apart (stderr, stderr_lines), stdin empty.
zone_err() { capture zone "$@"; }

# A running zone whose process sleeps; extra jq edits of its config as arguments.
sleeping_zone() {
	args sleep 1000
	[ $# -eq 0 ] || cfg "$@"
	zrun run --detach "$ID"
	[ "$status" -eq 0 ] || fail "zone-oci run: $stderr"
	status_is "$ID" running
}

# in_script COMMAND: COMMAND with a terminal of 40 rows and 100 columns, stdin from ours.
in_script() {
	script -qec "stty rows 40 cols 100; $1" /dev/null
}

@test "zone login: a shell with a terminal of the caller's size, its exit status" {
	sleeping_zone
	run bash -c 'printf "echo hi-from-\$((1+1))\nstty size\n[ -t 0 ] && echo tty-yes\nexit 3\n" |
		script -qec "stty rows 40 cols 100; $0 --root $1 login $2" /dev/null' \
		"$ZONE" "$STATE" "$ID"
	[ "$status" -eq 3 ]
	# What was typed comes back echoed; only the shell's answers say hi-from-2 and 40 100.
	[[ "$output" == *hi-from-2* ]]
	[[ "$output" == *"40 100"* ]]
	[[ "$output" == *tty-yes* ]]
}

@test "zone login: a resize of the caller's terminal reaches the shell" {
	sleeping_zone
	# The shell says it has its size (a file in its /tmp, the rootfs's own), the caller's
	# terminal is resized, and the shell, told so by a second file, reads its size again.
	cat >"$TMP/typed" <<-'EOF'
		stty size; touch /tmp/asked; i=0; while [ ! -e /tmp/resized ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; stty size
		exit 0
	EOF
	cat >"$TMP/outer" <<-EOF
		stty rows 40 cols 100
		( for i in \$(seq 200); do [ -e $ROOTFS/tmp/asked ] && break; sleep 0.1; done
		  stty rows 50 cols 120 </dev/tty; touch $ROOTFS/tmp/resized ) &
		$ZONE --root $STATE login $ID
		rc=\$?; wait; exit \$rc
	EOF
	run script -qec "sh $TMP/outer" /dev/null <"$TMP/typed"
	[ "$status" -eq 0 ]
	[[ "$output" == *"40 100"*"50 120"* ]]
}

@test "zone login NAME CMD without a terminal runs CMD without one" {
	sleeping_zone
	run bash -c 'echo fed | "$0" --root "$1" login "$2" sh -c "read x; echo got-\$x; [ -t 0 ] || echo no-tty; exit 4"' \
		"$ZONE" "$STATE" "$ID"
	[ "$status" -eq 4 ]
	[ "${lines[0]}" = got-fed ]
	[ "${lines[1]}" = no-tty ]
}

@test "zone login without a terminal and without a command: a one-line error" {
	sleeping_zone
	zone_err login "$ID"
	assert_one_line_error
	[[ "$stderr" == *"not a terminal"* ]]
}

@test "zone login and exec: an unknown zone and a stopped zone are one-line errors" {
	zone_err login nosuchzone true
	assert_one_line_error
	[[ "$stderr" == *nosuchzone*"does not exist"* ]]
	zone_err exec nosuchzone true
	assert_one_line_error
	[[ "$stderr" == *"does not exist"* ]]

	args /bin/true
	zrun run --detach "$ID"
	[ "$status" -eq 0 ]
	wait_for status_is "$ID" stopped
	zone_err login "$ID" true
	assert_one_line_error
	[[ "$stderr" == *stopped* ]]
	run bash -c 'printf "exit\n" | script -qec "$0 --root $1 login $2" /dev/null' \
		"$ZONE" "$STATE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *stopped* ]]
	zrun delete "$ID"
	[ "$status" -eq 0 ]
}

@test "zone exec: exit status, environment, working directory and user" {
	sleeping_zone
	export ZT_FROM_CALLER=caller-value
	zone_err exec -e FOO=bar -e ZT_FROM_CALLER -w /tmp -u 1000:1000 "$ID" \
		sh -c 'echo "foo=$FOO"; echo "c=$ZT_FROM_CALLER"; pwd; id -u; id -g; exit 7'
	[ "$status" -eq 7 ]
	[ "${lines[0]}" = foo=bar ]
	[ "${lines[1]}" = c=caller-value ]
	[ "${lines[2]}" = /tmp ]
	[ "${lines[3]}" = 1000 ]
	[ "${lines[4]}" = 1000 ]
	# The zone's own environment is kept (PATH from its config).
	zone_err exec "$ID" sh -c 'echo "$PATH"'
	[ "$status" -eq 0 ]
	[ "$output" = "$(jq -r '.process.env[] | select(startswith("PATH=")) | sub("PATH=";"")' "$BUNDLE/config.json")" ]
}

@test "zone exec and login -u: names from the zone's own /etc/passwd and /etc/group" {
	sleeping_zone
	# Names only this zone has (not the host), its supplementary groups from its /etc/group.
	echo 'zt-alice:x:1234:2345::/tmp:/bin/sh' >>"$ROOTFS/etc/passwd"
	printf '%s\n' 'zt-staff:x:2345:' 'zt-more:x:3456:zt-alice' 'zt-other:x:4567:' \
		>>"$ROOTFS/etc/group"
	! getent passwd zt-alice >/dev/null
	zone_err exec -u zt-alice "$ID" sh -c 'id -u; id -g; groups'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "${lines[0]}" = 1234 ]
	[ "${lines[1]}" = 2345 ]
	[ "${lines[2]}" = "zt-staff zt-more" ] || fail "groups: ${lines[2]}"
	zone_err exec -u zt-alice:zt-other "$ID" sh -c 'id -u; id -g'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "${lines[0]}" = 1234 ]
	[ "${lines[1]}" = 4567 ]
	zone_err exec -u 1234:zt-other "$ID" sh -c 'id -u; id -g'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = "$(printf '1234\n4567')" ]
	zone_err exec -u user "$ID" sh -c 'id -u; id -g; id -G'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = "$(printf '1000\n1000\n1000 2000')" ]
	# Numbers are taken as they are, named or not.
	zone_err exec -u 777:888 "$ID" sh -c 'id -u; id -g'
	[ "$output" = "$(printf '777\n888')" ]
	zone_err login -u zt-alice "$ID" id -u
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = 1234 ]
	zone_err exec -u zt-nosuch "$ID" true
	assert_one_line_error
	[[ "$stderr" == *"no user zt-nosuch"* ]] || fail "$stderr"
	zone_err exec -u zt-alice:zt-nogroup "$ID" true
	assert_one_line_error
	[[ "$stderr" == *"no group zt-nogroup"* ]] || fail "$stderr"
	zone_err login -u zt-nosuch "$ID" true
	assert_one_line_error
}

@test "zone exec: stdin only with -i, a terminal only with -t" {
	sleeping_zone
	run bash -c 'echo fed | "$0" --root "$1" exec "$2" sh -c "cat; echo end"' "$ZONE" "$STATE" "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = end ]
	run bash -c 'echo fed | "$0" --root "$1" exec -i "$2" sh -c "cat; echo end"' "$ZONE" "$STATE" "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = fed ]
	run in_script "$ZONE --root $STATE exec -it $ID sh -c '[ -t 0 ] && echo tty-yes; stty size; exit 6'" </dev/null
	[ "$status" -eq 6 ]
	[[ "$output" == *tty-yes* ]]
	[[ "$output" == *"40 100"* ]]
}

@test "zone exec: bad options are one-line errors" {
	sleeping_zone
	zone_err exec -u nobody "$ID" true
	assert_one_line_error
	[[ "$stderr" == *--user* ]]
	zone_err exec -w relative "$ID" true
	assert_one_line_error
	[[ "$stderr" == *--workdir* ]]
	zone_err exec "$ID"
	assert_one_line_error
}

# cg_file CONTROLLER V1_FILE V2_FILE: the zone's cgroup file, v1 or v2.
cg_file() {
	local d
	d=$(cg_dir "$1")
	if [ -f "$d/$2" ]; then echo "$d/$2"; else echo "$d/$3"; fi
}

@test "zone stats --no-stream --json: memory and pids are the cgroup's" {
	sleeping_zone '.linux.resources.memory.limit = 67108864 | .linux.resources.pids.limit = 123'
	zone_err stats --no-stream --json "$ID"
	[ "$status" -eq 0 ] || fail "$stderr"
	local usage limit pids pids_max
	usage=$(cat "$(cg_file memory memory.usage_in_bytes memory.current)")
	limit=$(cat "$(cg_file memory memory.limit_in_bytes memory.max)")
	pids=$(cat "$(cg_file pids pids.current pids.current)")
	pids_max=$(cat "$(cg_file pids pids.max pids.max)")
	[ "$(jq length <<<"$output")" -eq 1 ]
	[ "$(jq -r '.[0].name' <<<"$output")" = "$ID" ]
	[ "$(jq -r '.[0].type' <<<"$output")" = light ]
	[ "$(jq -r '.[0].status' <<<"$output")" = running ]
	[ "$limit" -eq 67108864 ]
	[ "$(jq -r '.[0].memory.limit' <<<"$output")" -eq "$limit" ]
	[ "$(jq -r '.[0].pids.limit' <<<"$output")" -eq "$pids_max" ]
	[ "$(jq -r '.[0].pids.current' <<<"$output")" -eq "$pids" ]
	# Usage moves a little between two reads: within 10 % of the cgroup's.
	local got
	got=$(jq -r '.[0].memory.usage' <<<"$output")
	[ "$got" -gt 0 ]
	[ $((got > usage ? got - usage : usage - got)) -le $((usage / 10)) ] ||
		fail "memory usage $got vs cgroup $usage"
	# CPU % is a number from two samples; cpu_ns the cgroup's total.
	jq -e '.[0].cpu_percent >= 0 and .[0].cpu_ns > 0' <<<"$output" >/dev/null
}

@test "zone stats: network counters are the zone's namespace's, lo left out" {
	sleeping_zone
	local pid
	pid=$(container_pid "$ID")
	# A veth pair inside the zone's own network namespace (gone with it): traffic on it.
	nsenter -t "$pid" -n sh -c 'ip link add zv0 type veth peer name zv1 && ip link set zv0 up &&
		ip link set zv1 up && ip link set lo up && ip addr add 10.99.0.1/24 dev zv0 &&
		busybox ping -c 3 -W 1 10.99.0.2 >/dev/null; busybox ping -c 2 127.0.0.1 >/dev/null; true'
	# The interfaces but lo, summed from the namespace's /proc/net/dev.
	local rx tx
	read -r rx tx < <(awk -F'[: ]+' 'NR > 2 && $2 != "lo" { rx += $3; tx += $11 } END { print rx, tx }' \
		"/proc/$pid/net/dev")
	[ "$rx" -gt 0 ]
	[ "$tx" -gt 0 ]
	zone_err stats --no-stream --json "$ID"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(jq -r '.[0].net.rx_bytes' <<<"$output")" -eq "$rx" ]
	[ "$(jq -r '.[0].net.tx_bytes' <<<"$output")" -eq "$tx" ]
}

@test "zone stats: the live table redraws in place and ends cleanly on SIGINT" {
	sleeping_zone
	run script -qec "stty rows 40 cols 200; timeout -s INT 4 $ZONE --root $STATE stats; echo rc=\$?" /dev/null
	[ "$status" -eq 0 ]
	# Cursor home at each redraw (at least twice), the zone's row, the cursor shown at the end.
	local homes
	homes=$(grep -o $'\033\[H' <<<"$output" | wc -l)
	[ "$homes" -ge 2 ] || fail "redrawn $homes times: $output"
	grep -q "^$ID  *light " <<<"$output"
	grep -q 'NAME  *TYPE  *CPU %  *MEM USAGE / LIMIT' <<<"$output"
	[[ "$output" == *$'\033[?25h'* ]]
	# timeout's 124: the signal went to a running stats, which then exited by itself.
	[[ "$output" == *rc=124* ]]
}

@test "zone stats: --all lists stopped zones, an unknown name is a one-line error" {
	args /bin/true
	zrun run --detach "$ID"
	wait_for status_is "$ID" stopped
	zone_err stats --no-stream --json
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" -eq 0 ]
	zone_err stats --no-stream --json --all
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].status' <<<"$output")" = stopped ]
	[ "$(jq -r '.[0].memory' <<<"$output")" = null ]
	zone_err stats --no-stream nosuchzone
	assert_one_line_error
	[[ "$stderr" == *nosuchzone*"does not exist"* ]]
	zrun delete "$ID"
}

@test "zone completion bash: the script loads and completes commands, options and zones" {
	sleeping_zone
	run bash -c 'source <("$0" completion bash) && complete -p zone' "$ZONE"
	[ "$status" -eq 0 ]
	[ "$output" = "complete -F _zone zone" ]
	# Drive the completion function as bash would.
	local bin
	bin=$(dirname "$ZONE")
	[ "${ZONE##*/}" = zone ] || skip "the zone under test is not named zone: $ZONE"
	run env PATH="$bin:$PATH" STATE="$STATE" bash -c '
		source <(zone completion bash)
		t() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _zone; echo "${COMPREPLY[*]}"; }
		t zone logi
		t zone stats --no
		t zone image bu
		t zone --root "$STATE" login ""
		t zone exec -
		t zone --root "$STATE" exec -u 0 ""'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = login ]
	[ "${lines[1]}" = --no-stream ]
	[ "${lines[2]}" = "build bundle" ]
	[ "${lines[3]}" = "$ID" ]
	[[ " ${lines[4]} " == *" --interactive "* && " ${lines[4]} " == *" -t "* ]]
	[ "${lines[5]}" = "$ID" ]
}

@test "zone login, exec, stats, completion: --help" {
	local c
	for c in login exec stats completion; do
		zone_err "$c" --help
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "usage: zone $c "* ]]
	done
	zone_err --help
	for c in login exec stats completion; do
		grep -q "^  $c " <<<"$output"
	done
}

@test "zone login and exec in an emulated zone" {
	require_emulated "$ZONE_OCI"
	sleeping_zone '.annotations["org.zone.type"] = "emulated"'
	zone_err exec "$ID" sh -c 'echo "in-$(uname -r)"; exit 5'
	[ "$status" -eq 5 ]
	[[ "$output" == in-* ]]
	[ "$output" != "in-$(uname -r)" ] # the guest's kernel, not the host's
	run bash -c 'printf "echo hi-from-\$((1+1))\nstty size\nexit 3\n" |
		script -qec "stty rows 40 cols 100; $0 --root $1 login $2" /dev/null' \
		"$ZONE" "$STATE" "$ID"
	[ "$status" -eq 3 ]
	[[ "$output" == *hi-from-2* ]]
	[[ "$output" == *"40 100"* ]]
	zone_err stats --no-stream --json "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].type' <<<"$output")" = emulated ]
	jq -e '.[0].memory.usage > 0 and .[0].pids.current > 0' <<<"$output" >/dev/null
	zrun delete --force "$ID"
	[ "$status" -eq 0 ]
}
