#!/usr/bin/env bats
# The zone CLI's lifecycle, through the CLI only: create, config, boot, ls, logs, halt, rm, run
# (foreground, -d, --rm), the monitor (logs, restarts, exit records) and what is left behind.

load helpers
load zone-cli-helpers

monitor_gone() { [ "$(zone inspect "$1" | jq -r .monitor)" = false ]; }

cg_of() { # cg_of CONTROLLER NAME
	echo "/sys/fs/cgroup/$1/zone-test/$U/$2"
}

@test "zone-life: create, config set, boot, ls, logs, halt, boot again, rm" {
	zz create web --image bb -- sh -c 'echo hello-$GREETING; exec sleep 1000'
	[ "$status" -eq 0 ] || fail "create: $stderr"
	[ "$output" = web ]
	grep -qx 'image = localhost/bb:latest' "$DATA/zones/web/zone.conf"
	zz ls --all
	[[ "${lines[1]}" =~ ^web\ +light\ +installed\ +localhost/bb:latest ]] || fail "ls: $output"

	zz config web set env=GREETING=world memory=32m pids-limit=20
	[ "$status" -eq 0 ] || fail "config set: $stderr"
	zz config web show
	[[ "$output" == *"env = GREETING=world"* ]] && [[ "$output" == *"memory = 33554432"* ]] ||
		fail "config show: $output"
	zz config web set memory=12XB
	assert_one_line_error
	[[ "$stderr" == *'invalid size "12XB"'* ]] || fail "$stderr"
	grep -qx 'memory = 33554432' "$DATA/zones/web/zone.conf"

	zz boot web
	[ "$status" -eq 0 ] || fail "boot: $stderr"
	zz ls
	[[ "${lines[1]}" =~ ^web\ +light\ +running ]] || fail "ls: $output"
	[ "$(cat "$(cg_of memory web)/memory.limit_in_bytes")" = 33554432 ]
	[ "$(cat "$(cg_of pids web)/pids.max")" = 20 ]
	wait_for grep -q hello-world "$DATA/zones/web/log"
	zz logs web
	[ "$output" = hello-world ] || fail "logs: $output"
	zz boot web
	assert_one_line_error
	[[ "$stderr" == *"already running"* ]]

	zz halt --time 1 web
	[ "$status" -eq 0 ] || fail "halt: $stderr"
	state_is web installed
	zz ls
	[ "${#lines[@]}" -eq 1 ] || fail "ls without --all lists a halted zone: $output"
	[ "$(zone inspect web | jq .exitStatus)" = 137 ]
	[ ! -d "$(cg_of memory web)" ]

	zz boot web
	[ "$status" -eq 0 ] || fail "boot again: $stderr"
	state_is web running
	zz rm web
	assert_one_line_error
	[[ "$stderr" == *"is running"* ]]
	zz rm --force web
	[ "$status" -eq 0 ] || fail "rm: $stderr"
	zz ls --all
	[ "${#lines[@]}" -eq 1 ]
	assert_nothing_left
}

@test "zone-life: run --rm leaves nothing, foreground output and exit status" {
	zz run --rm bb echo hi
	[ "$status" -eq 0 ] || fail "run: $stderr"
	[ "$output" = hi ]
	assert_nothing_left

	zz run --rm bb sh -c 'echo out; echo err >&2; exit 7'
	[ "$status" -eq 7 ]
	[ "$output" = out ] && [ "$stderr" = err ]
	assert_nothing_left

	# Without --rm the zone stays, installed, with its exit recorded.
	zz run --name keep --memory 16m bb sh -c 'exit 3'
	[ "$status" -eq 3 ]
	[ "$(zone inspect keep | jq -r '.state, .exitStatus' | tr '\n' ' ')" = "installed 3 " ]
	zz ls --all
	[[ "${lines[1]}" =~ ^keep\ .*exited\ \(3\)$ ]] || fail "ls: $output"
	zz rm keep
	[ "$status" -eq 0 ]
	assert_nothing_left

	# A detached --rm zone goes once it exits.
	zz run --rm -d --name gone bb true
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	wait_for test ! -e "$DATA/zones/gone"
	wait_for test -z "$(monitors)"
	assert_nothing_left
}

@test "zone-life: logs -f follows new lines until the zone is gone" {
	mkdir "$TMP/vol"
	zz run -d --name tail -v "$TMP/vol:/v" bb sh -c \
		'echo first; while [ ! -e /v/go ]; do sleep 0.1; done; echo second; exec sleep 1000'
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	zone logs -f tail >"$TMP/follow" 2>&1 &
	local follower=$!
	register_pid "$follower"
	wait_for grep -q first "$TMP/follow"
	! grep -q second "$TMP/follow"
	touch "$TMP/vol/go"
	wait_for grep -q second "$TMP/follow" || fail "logs -f did not follow: $(cat "$TMP/follow")"
	zz halt --time 0 tail
	[ "$status" -eq 0 ]
	# The follower ends by itself once the zone is gone.
	wait_for test ! -e /proc/"$follower"/stat -o "$(awk '{print $3}' /proc/"$follower"/stat 2>/dev/null)" = Z
	wait "$follower"
	[ "$(cat "$TMP/follow")" = "$(printf 'first\nsecond')" ]
}

@test "zone-life: the log rotates by size and keeps the configured number of files" {
	zz run -d --name chatty --log-size 1k --log-files 2 bb sh -c \
		'i=0; while [ $i -lt 200 ]; do echo "line $i of the zone"; i=$((i+1)); done'
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	wait_for monitor_gone chatty
	[ -f "$DATA/zones/chatty/log.1" ] && [ ! -e "$DATA/zones/chatty/log.2" ]
	[ "$(stat -c %s "$DATA/zones/chatty/log")" -le 1024 ]
	[ "$(stat -c %s "$DATA/zones/chatty/log.1")" -eq 1024 ]
	zz logs chatty
	[ "${lines[-1]}" = "line 199 of the zone" ]
}

@test "zone-life: restart on-failure:3 restarts a failing zone 3 times" {
	mkdir "$TMP/vol"
	zz run -d --name flaky --restart on-failure:3 -v "$TMP/vol:/v" bb \
		sh -c 'echo run >>/v/runs; exit 1'
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	wait_for monitor_gone flaky
	[ "$(wc -l <"$TMP/vol/runs")" -eq 4 ]
	[ "$(zone inspect flaky | jq -c '[.restarts, .runs, .exitStatus, .state]')" = '[3,4,1,"installed"]' ]

	# A zone that succeeds is not restarted on-failure.
	zz config flaky set restart=on-failure:3
	rm "$TMP/vol/runs"
	zz create ok --image bb --restart on-failure:3 -v "$TMP/vol:/v" -- sh -c 'echo run >>/v/runs'
	zz boot ok
	wait_for monitor_gone ok
	[ "$(wc -l <"$TMP/vol/runs")" -eq 1 ]
}

@test "zone-life: SIGTERM to the monitor stops a restart=always zone for good, after a restart" {
	mkdir "$TMP/vol"
	# The first run fails (a restart); the second waits for SIGTERM, which a pid 1 ignores
	# unless it has a handler: it says when the handler is there.
	zz run -d --name st --restart always -v "$TMP/vol:/v" bb sh -c \
		'echo run >>/v/runs; [ -e /v/failed ] || { touch /v/failed; exit 1; };'\
'trap "echo bye; exit 3" TERM; touch /v/ready; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	local mon
	mon=$(cat "$DATA/zones/st/monitor.pid")
	wait_for test -e "$TMP/vol/ready"
	# The same monitor process runs the zone again.
	[ "$(cat "$DATA/zones/st/monitor.pid")" = "$mon" ]
	kill -TERM "$mon"
	wait_for monitor_gone st
	[ "$(wc -l <"$TMP/vol/runs")" -eq 2 ]
	[ "$(zone inspect st | jq -c '[.restarts, .runs, .exitStatus, .state]')" = '[1,2,3,"installed"]' ]
	zz logs st
	[ "${lines[-1]}" = bye ] || fail "logs: $output"
}

@test "zone-life: without zone-monitor-follow the monitor follows the zone itself" {
	mkdir "$TMP/vol"
	export ZONE_MONITOR_FOLLOW=$TMP/none
	zz run -d --name self --restart on-failure:2 -v "$TMP/vol:/v" bb \
		sh -c 'echo run >>/v/runs; echo out; [ -e /v/go ] || sleep 1000; exit 1'
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	local mon
	mon=$(cat "$DATA/zones/self/monitor.pid")
	[[ "$(tr '\0' ' ' </proc/"$mon"/cmdline)" != *zone-monitor-follow* ]]
	touch "$TMP/vol/go"
	zz halt --time 0 self
	[ "$status" -eq 0 ] || fail "halt: $stderr"
	wait_for monitor_gone self
	# Killed by halt: no restart after that, whatever the policy.
	[ "$(wc -l <"$TMP/vol/runs")" -eq 1 ]
	zz boot self
	[ "$status" -eq 0 ] || fail "boot: $stderr"
	wait_for monitor_gone self
	[ "$(wc -l <"$TMP/vol/runs")" -eq 4 ]
	[ "$(zone inspect self | jq -c '[.restarts, .exitStatus]')" = '[2,1]' ]
	zz logs self
	[ "${#lines[@]}" -eq 4 ] && [ "${lines[3]}" = out ] || fail "logs: $output"
}

@test "zone-life: zones survive a killed zone process and a killed monitor; ls stays right" {
	# A foreground run whose zone command is killed with SIGKILL mid-run.
	nsenter --net=/run/netns/"$HOSTNS" "$ZONE" --root "$STATE" --data-root "$DATA" run --name fg bb sleep 1000 \
		</dev/null >/dev/null 2>&1 &
	local cli=$!
	register_pid "$cli"
	wait_for state_is fg running
	local pid
	pid=$(zone inspect fg | jq .pid)
	kill -9 "$cli"
	wait "$cli" || true
	kill -0 "$pid"
	state_is fg running
	zz ls
	[[ "${lines[1]}" =~ ^fg\ +light\ +running ]] || fail "ls: $output"

	# A detached zone whose monitor is killed.
	zz run -d --name md bb sleep 1000
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	local mon
	mon=$(cat "$DATA/zones/md/monitor.pid")
	kill -9 "$mon"
	wait_for monitor_gone md
	state_is md running
	zz ls
	[ "${#lines[@]}" -eq 3 ] || fail "ls: $output"

	# Both halt without anyone watching them, and are then listed as installed.
	zz halt --time 0 fg md
	[ "$status" -eq 0 ] || fail "halt: $stderr"
	! kill -0 "$pid" 2>/dev/null
	state_is fg installed && state_is md installed
	zz rm fg md
	[ "$status" -eq 0 ] || fail "rm: $stderr"
	assert_nothing_left
}

@test "zone-life: 50 zones started detached and removed leave nothing" {
	local i names=()
	for i in $(seq 50); do
		zz run -d --name "n$i" bb sleep 1000
		[ "$status" -eq 0 ] || fail "run -d n$i: $stderr"
		names+=("n$i")
	done
	zz ls --json
	[ "$(jq '[.[] | select(.state == "running")] | length' <<<"$output")" -eq 50 ]
	[ "$(monitors | wc -l)" -eq 50 ]
	zz rm --force "${names[@]}"
	[ "$status" -eq 0 ] || fail "rm: $stderr"
	assert_nothing_left
	[ -z "$(procs_in_tmp)" ]
}

@test "zone-life: bad input is a one-line error and leaves nothing" {
	zz run --rm localhost/nosuch echo hi
	assert_one_line_error
	[[ "$stderr" == *nosuch* ]]
	assert_nothing_left

	zz create dup --image bb
	assert_one_line_error
	[[ "$stderr" == *"no Entrypoint or Cmd: give the command"* ]]
	assert_nothing_left
	zz create dup --image bb -- true
	[ "$status" -eq 0 ]
	zz create dup --image bb -- true
	assert_one_line_error
	[[ "$stderr" == *'"dup" already exists'* ]]
	zz rm dup
	assert_nothing_left

	zz run --rm --memory 12XB bb true
	assert_one_line_error
	[[ "$stderr" == *'memory: invalid size "12XB"'* ]]
	assert_nothing_left

	zz run --rm -p 80 bb true
	assert_one_line_error
	[[ "$stderr" == *'publish: "80"'* ]]
	zz run --rm --network none -p 8080:80 bb true
	assert_one_line_error
	[[ "$stderr" == *'needs --network bridge'* ]]
	assert_nothing_left

	zz run --rm -v "$TMP/nothing-here:/x" bb true
	assert_one_line_error
	[[ "$stderr" == *"$TMP/nothing-here"*ENOENT* ]]
	assert_nothing_left

	zz run --rm --name 'bad/name' bb true
	assert_one_line_error
	assert_nothing_left

	zz run --rm --restart sometimes bb true
	assert_one_line_error
	assert_nothing_left

	if [ ! -e /dev/kvm ]; then
		zz run --rm --type vm bb true
		assert_one_line_error
		[[ "$stderr" == *"/dev/kvm"* ]] && [[ "$stderr" == *"this host can run: light"* ]] ||
			fail "$stderr"
		assert_nothing_left
	fi
}

@test "zone-life: every command has --help" {
	local c
	for c in run create config boot halt rm ls inspect logs; do
		zz "$c" --help
		[ "$status" -eq 0 ] || fail "$c --help: $stderr"
		[[ "${lines[0]}" == "usage: zone $c"* ]] || fail "$c --help: $output"
	done
}

@test "zone-life: an emulated zone runs with zone run --rm --type emulated" {
	require_emulated "$ZONE"
	ZONE_TIMEOUT=300 zz run --rm --type emulated bb echo hi
	[ "$status" -eq 0 ] || fail "run: $stderr"
	[ "$output" = hi ]
	assert_nothing_left
	# Its named network namespace and its lease went with it.
	[ -z "$(ls -A "$TMP/net/netns")" ]
	[ -z "$(cat "$TMP"/net/leases/*.json 2>/dev/null | jq -r '.leases[].id')" ]
}
