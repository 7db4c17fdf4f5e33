#!/usr/bin/env bats
# The zone CLI's everyday controls of a booted zone, through the CLI only: kill (the exit
# recorded, the restart policy applied), pause and resume, ps, reboot, wait; bad input for
# each is one line and changes nothing.

load helpers
load zone-cli-helpers

pid_of() { zone inspect "$1" | jq -r .pid; }
# A file in the zone's root, through its init's /proc entry (works while it is frozen too).
zone_file() { cat "/proc/$(pid_of "$1")/root/$2" 2>/dev/null; }
count() { zone_file "$1" count | wc -l; }

# A zone whose init exits 3 on SIGTERM (a shell waiting on a child takes the trap at once).
TERMINABLE='trap "exit 3" TERM; echo up; sleep 1000 & wait'

@test "zone-ctl: kill with a name, a number and the default; the exit in wait, ls and inspect" {
	zz create k --image bb -- sh -c "$TERMINABLE"
	[ "$status" -eq 0 ] || fail "create: $stderr"
	zz boot k
	[ "$status" -eq 0 ] || fail "boot: $stderr"
	wait_for grep -q up "$DATA/zones/k/log"
	zz kill -s TERM k
	[ "$status" -eq 0 ] || fail "kill: $stderr"
	zz wait k
	[ "$status" -eq 0 ] || fail "wait: $stderr"
	[ "$output" = 3 ] || fail "wait: $output"
	state_is k installed
	[ "$(zone inspect k | jq .exitStatus)" = 3 ]
	zz ls --all
	[[ "${lines[1]}" =~ ^k\ +light\ +installed ]] || fail "ls: $output"

	# A number, and SIG-prefixed names.
	zz boot k
	[ "$status" -eq 0 ] || fail "boot: $stderr"
	zz kill --signal 9 k
	[ "$status" -eq 0 ] || fail "kill -s 9: $stderr"
	zz wait k
	[ "$output" = 137 ] || fail "wait: $output"
	zz boot k
	[ "$status" -eq 0 ] || fail "boot: $stderr"
	wait_for eval '[ "$(grep -c up "$DATA/zones/k/log")" = 3 ]' || fail "log: $(cat "$DATA/zones/k/log")"
	zz kill -s SIGTERM k
	zz wait k
	[ "$output" = 3 ] || fail "wait after SIGTERM: $output"

	# The default is SIGKILL (a shell as init ignores what it has no trap for).
	zz boot k
	[ "$status" -eq 0 ] || fail "boot: $stderr"
	zz kill k
	[ "$status" -eq 0 ] || fail "kill: $stderr"
	zz wait k
	[ "$output" = 137 ] || fail "wait after the default kill: $output"
	state_is k installed
	zz rm k
	[ "$status" -eq 0 ] || fail "rm: $stderr"
	assert_nothing_left
}

@test "zone-ctl: a killed zone is restarted as its policy says (kill is not halt)" {
	zz run -d --name r --restart on-failure:1 bb sh -c "$TERMINABLE"
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	wait_for grep -q up "$DATA/zones/r/log"
	local pid
	pid=$(pid_of r)
	zz kill -s TERM r
	[ "$status" -eq 0 ] || fail "kill: $stderr"
	wait_for eval '[ "$(zone inspect r | jq -c "[.restarts, .state]")" = "[1,\"running\"]" ]' ||
		fail "not restarted: $(zone inspect r)"
	[ "$(pid_of r)" != "$pid" ]
	# The one restart the policy allows is used: the next kill ends it, and wait sees that.
	zz kill -s TERM r
	zz wait r
	[ "$output" = 3 ] || fail "wait: $output"
	[ "$(zone inspect r | jq -c '[.restarts, .runs, .state]')" = '[1,2,"installed"]' ]
	zz rm r
	assert_nothing_left
}

@test "zone-ctl: kill: bad input is one line and changes nothing" {
	zz kill nosuch
	assert_one_line_error
	[[ "$stderr" == *'no zone named "nosuch"'* ]] || fail "$stderr"
	zz create k --image bb -- sleep 1000
	zz kill k
	assert_one_line_error
	[[ "$stderr" == *"zone k is not running"* ]] || fail "$stderr"
	state_is k installed
	zz boot k
	[ "$status" -eq 0 ] || fail "boot: $stderr"
	local pid
	pid=$(pid_of k)
	for sig in BOGUS 0 99 -3 SIGNOPE; do
		zz kill -s "$sig" k
		assert_one_line_error
		[[ "$stderr" == *"unknown signal"* ]] || fail "-s $sig: $stderr"
	done
	zz kill
	assert_one_line_error
	zz pause k
	zz kill k
	assert_one_line_error
	[[ "$stderr" == *"zone k is paused: resume it first"* ]] || fail "$stderr"
	zz resume k
	[ "$status" -eq 0 ] || fail "resume: $stderr"
	state_is k running
	[ "$(pid_of k)" = "$pid" ]
	zz rm --force k
	[ "$status" -eq 0 ] || fail "rm: $stderr"
	assert_nothing_left
}

@test "zone-ctl: pause freezes a zone (ls, inspect, stats say so), resume continues it" {
	# The counter: a line appended per tick (a frozen append is all or nothing).
	zz run -d --name p bb sh -c 'while :; do echo x >>/count; usleep 20000; done'
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	wait_for eval '[ "$(count p)" -gt 0 ]'
	zz pause p
	[ "$status" -eq 0 ] || fail "pause: $stderr"
	zz ls
	[[ "${lines[1]}" =~ ^p\ +light\ +paused ]] || fail "ls: $output"
	state_is p paused
	[ "$(cat /sys/fs/cgroup/freezer/zone-test/"$U"/p/freezer.state)" = FROZEN ]
	# The counter stands still while frozen (two reads, well apart).
	local c1 c2
	c1=$(count p)
	sleep 0.5
	c2=$(count p)
	[ "$c1" -gt 0 ] && [ "$c1" = "$c2" ] || fail "counter moved while paused: $c1 -> $c2"
	# Stats of a paused zone still work.
	zz stats --no-stream --json p
	[ "$status" -eq 0 ] || fail "stats: $stderr"
	[ "$(jq -r '.[0].name' <<<"$output")" = p ] || fail "stats: $output"
	[ "$(jq -r '.[0].status' <<<"$output")" = paused ] || fail "stats: $output"
	[ "$(jq '.[0].pids.current' <<<"$output")" -ge 1 ] || fail "stats: $output"
	zz resume p
	[ "$status" -eq 0 ] || fail "resume: $stderr"
	state_is p running
	wait_for eval '[ "$(count p)" -gt "$c2" ]' || fail "counter did not continue"
	# A paused zone halts (thawed first): nothing of it is left.
	zz pause p
	zz halt --time 0 p
	[ "$status" -eq 0 ] || fail "halt paused: $stderr"
	state_is p installed
	zz rm p
	assert_nothing_left
}

@test "zone-ctl: pause and resume: bad input is one line and changes nothing" {
	zz pause nosuch
	assert_one_line_error
	[[ "$stderr" == *'no zone named "nosuch"'* ]] || fail "$stderr"
	zz resume nosuch
	assert_one_line_error
	zz create s --image bb -- sleep 1000
	zz pause s
	assert_one_line_error
	[[ "$stderr" == *"zone s is not running"* ]] || fail "$stderr"
	zz resume s
	assert_one_line_error
	[[ "$stderr" == *"zone s is not running"* ]] || fail "$stderr"
	state_is s installed
	zz boot s
	zz resume s
	assert_one_line_error
	[[ "$stderr" == *"zone s is not paused"* ]] || fail "$stderr"
	state_is s running
	zz pause s
	[ "$status" -eq 0 ] || fail "pause: $stderr"
	zz pause s
	assert_one_line_error
	[[ "$stderr" == *"zone s is already paused"* ]] || fail "$stderr"
	state_is s paused
	zz pause
	assert_one_line_error
	# rm --force takes a paused zone too.
	zz rm --force s
	[ "$status" -eq 0 ] || fail "rm --force paused: $stderr"
	assert_nothing_left
}

@test "zone-ctl: ps lists a zone's processes; bad input" {
	zz run -d --name ps1 bb sh -c 'sleep 1000 & exec sleep 999'
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	local pid
	pid=$(pid_of ps1)
	wait_for eval 'zone ps ps1 | grep -q "sleep 1000"'
	zz ps ps1
	[ "$status" -eq 0 ] || fail "ps: $stderr"
	[[ "${lines[0]}" =~ ^PID\ +PPID\ +USER\ +COMMAND$ ]] || fail "ps: $output"
	[ "${#lines[@]}" -eq 3 ] || fail "ps: $output"
	# The init by its host pid, the other sleep its child; both root in the zone.
	grep -Eq "^$pid +[0-9]+ +root +sleep 999$" <<<"$output" || fail "ps: $output"
	grep -Eq "^[0-9]+ +$pid +root +sleep 1000$" <<<"$output" || fail "ps: $output"
	# A paused zone's processes are listed too.
	zz pause ps1
	zz ps ps1
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 3 ] || fail "ps paused: $output $stderr"
	zz resume ps1

	zz ps nosuch
	assert_one_line_error
	[[ "$stderr" == *'no zone named "nosuch"'* ]] || fail "$stderr"
	zz ps
	assert_one_line_error
	zz ps ps1 ps1
	assert_one_line_error
	zz halt --time 0 ps1
	zz ps ps1
	assert_one_line_error
	[[ "$stderr" == *"zone ps1 is not running"* ]] || fail "$stderr"
	zz rm ps1
	assert_nothing_left
}

@test "zone-ctl: ps reads user names inside the zone, never through a link to the host" {
	# The zone's /etc/passwd is a link to an absolute path that exists on the host only.
	printf 'hostonly:x:0:0::/:/bin/sh\n' >"$TMP/hostpasswd"
	zz run -d --name ps2 bb sh -c "rm /etc/passwd; ln -s $TMP/hostpasswd /etc/passwd; exec sleep 999"
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	wait_for eval 'zone ps ps2 | grep -q "sleep 999"'
	zz ps ps2
	[ "$status" -eq 0 ] || fail "ps: $stderr"
	[[ "$output" != *hostonly* ]] || fail "ps read the host's file: $output"
	grep -Eq "^[0-9]+ +[0-9]+ +0 +sleep 999$" <<<"$output" || fail "ps: $output"
	zz rm --force ps2
	assert_nothing_left
}

@test "zone-ctl: reboot gives a new run with the same definition; bad input" {
	zz create rb --image bb --memory 32m -- sh -c 'echo boot >>/boots; echo up; exec sleep 1000'
	[ "$status" -eq 0 ] || fail "create: $stderr"
	zz reboot rb
	assert_one_line_error
	[[ "$stderr" == *"zone rb is not running"* ]] || fail "$stderr"
	state_is rb installed
	zz boot rb
	[ "$status" -eq 0 ] || fail "boot: $stderr"
	local pid conf
	pid=$(pid_of rb)
	conf=$(cat "$DATA/zones/rb/zone.conf")
	wait_for eval '[ "$(zone_file rb boots)" = boot ]'
	zz reboot --time 0 rb
	[ "$status" -eq 0 ] || fail "reboot: $stderr"
	state_is rb running
	[ "$(pid_of rb)" != "$pid" ] || fail "the same init after reboot"
	# The zone's root kept what the first run wrote; the second run added its line.
	wait_for eval '[ "$(zone_file rb boots | wc -l)" = 2 ]' || fail "boots: $(zone_file rb boots)"
	[ "$(cat "$DATA/zones/rb/zone.conf")" = "$conf" ]
	[ "$(cat /sys/fs/cgroup/memory/zone-test/"$U"/rb/memory.limit_in_bytes)" = 33554432 ]
	# The halt's end is recorded (sleep as init takes SIGKILL only).
	[ "$(zone inspect rb | jq -c '[.runs, .restarts]')" = '[1,0]' ]
	# A paused zone is thawed and rebooted.
	pid=$(pid_of rb)
	zz pause rb
	zz reboot -t 0 rb
	[ "$status" -eq 0 ] || fail "reboot paused: $stderr"
	state_is rb running
	[ "$(pid_of rb)" != "$pid" ]

	zz reboot nosuch
	assert_one_line_error
	[[ "$stderr" == *'no zone named "nosuch"'* ]] || fail "$stderr"
	zz reboot --time -1 rb
	assert_one_line_error
	zz reboot
	assert_one_line_error
	state_is rb running
	zz rm --force rb
	assert_nothing_left
}

@test "zone-ctl: wait blocks until the zone stops and prints its status; at once when stopped" {
	zz create w --image bb -- sh -c 'while [ ! -e /go ]; do usleep 20000; done; exit 7'
	zz create w2 --image bb -- sh -c 'exit 5'
	# Never run: no status to give.
	zz wait w
	assert_one_line_error
	[[ "$stderr" == *"zone w has no exit status"* ]] || fail "$stderr"
	zz boot w
	[ "$status" -eq 0 ] || fail "boot: $stderr"
	zone wait w >"$TMP/wait.out" 2>"$TMP/wait.err" &
	# No cleanup kill by pid (it could be reused once reaped): zone's own timeout ends it.
	local waiter=$!
	wait_for eval '[ -d "/proc/$(pid_of w)/root/" ]'
	# Still waiting while the zone runs.
	state_is w running
	kill -0 "$waiter" || fail "wait returned while the zone runs: $(cat "$TMP/wait.out")"
	touch "/proc/$(pid_of w)/root/go"
	wait "$waiter" || fail "wait: $(cat "$TMP/wait.err")"
	[ "$(cat "$TMP/wait.out")" = 7 ]
	# Stopped: at once, the recorded status; several names, one line each.
	zz boot w2
	wait_for state_is w2 installed
	zz wait w w2
	[ "$status" -eq 0 ] || fail "wait: $stderr"
	[ "$output" = "$(printf '7\n5')" ] || fail "wait: $output"
	zz wait nosuch
	assert_one_line_error
	[[ "$stderr" == *'no zone named "nosuch"'* ]] || fail "$stderr"
	zz wait
	assert_one_line_error
	zz rm w
	zz rm w2
	assert_nothing_left
}

@test "zone-ctl: the new commands have --help and complete" {
	local c
	for c in kill pause resume ps reboot wait; do
		zz "$c" --help
		[ "$status" -eq 0 ] || fail "$c --help: $stderr"
		[[ "${lines[0]}" == "usage: zone $c "* ]] || fail "$c --help: $output"
		zz --help
		grep -Eq "^  $c +" <<<"$output" || fail "zone --help lacks $c"
	done
	zz kill --help
	[[ "$output" == *"-s, --signal"* ]]
	zz reboot --help
	[[ "$output" == *"-t, --time"* ]]
	# The completion script offers them, their options and the zones' names.
	zz create cz --image bb -- sleep 1000
	local script=$TMP/completion.bash
	zone completion bash >"$script"
	local compz=$TMP/zone-wrapper
	printf '#!/bin/sh\nexec %q --root %q --data-root %q "$@"\n' "$ZONE" "$STATE" "$DATA" >"$compz"
	chmod +x "$compz"
	complete_words() {
		# shellcheck disable=SC1090
		source "$script"
		COMP_WORDS=("$compz" "$@")
		COMP_CWORD=$(($# ))
		_zone
		echo "${COMPREPLY[*]}"
	}
	[[ " $(complete_words re) " == *" reboot "* ]] || fail "no reboot: $(complete_words re)"
	[[ " $(complete_words re) " == *" resume "* ]]
	[[ " $(complete_words kill --s) " == *" --signal "* ]] || fail "$(complete_words kill --s)"
	[[ " $(complete_words pause c) " == *" cz "* ]] || fail "$(complete_words pause c)"
	[[ " $(complete_words wait c) " == *" cz "* ]]
	zz rm cz
	assert_nothing_left
}

@test "zone-ctl: an emulated zone pauses, resumes and lists its processes" {
	command -v qemu-system-x86_64 >/dev/null ||
		skip "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)"
	local dir
	dir=$(dirname "$(realpath "$ZONE")")
	if [ ! -f "$dir/vm/vmlinuz" ] && [ ! -f "$dir/../vm/vmlinuz" ]; then
		skip "no guest kernel beside $ZONE: make vm BUILD=... builds it"
	fi
	ZONE_TIMEOUT=300 zz run -d --type emulated --network none --name v bb sh -c \
		'i=0; while :; do i=$((i+1)); echo $i; sleep 0.1; done'
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	wait_for grep -qx 5 "$DATA/zones/v/log" || fail "log: $(cat "$DATA/zones/v/log")"
	zz ps v
	[ "$status" -eq 0 ] || fail "ps: $stderr"
	grep -Eq "^$(pid_of v) " <<<"$output" || fail "ps has no init: $output"
	grep -q qemu-system <<<"$output" || fail "ps has no qemu: $output"
	zz pause v
	[ "$status" -eq 0 ] || fail "pause: $stderr"
	state_is v paused
	local n1 n2
	n1=$(wc -l <"$DATA/zones/v/log")
	sleep 0.5
	n2=$(wc -l <"$DATA/zones/v/log")
	[ "$n1" = "$n2" ] || fail "the guest printed while paused: $n1 -> $n2"
	zz pause v
	assert_one_line_error
	zz resume v
	[ "$status" -eq 0 ] || fail "resume: $stderr"
	state_is v running
	wait_for eval '[ "$(wc -l <"$DATA/zones/v/log")" -gt "$n2" ]' || fail "the guest did not continue"
	ZONE_TIMEOUT=300 zz rm --force v
	[ "$status" -eq 0 ] || fail "rm: $stderr"
	assert_nothing_left
}
