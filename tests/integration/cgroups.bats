#!/usr/bin/env bats
# The zone's cgroup: where it is made, the limits it carries, pause/resume, and its removal.

load helpers

@test "the zone's cgroup carries the memory, cpu and pids limits, and goes with the zone" {
	cfg '.linux.resources = {"memory":{"limit":67108864},"pids":{"limit":64},
		"cpu":{"shares":512,"quota":50000,"period":100000}}'
	args sleep 30
	zrun run --detach "$ID"
	assert_success
	pid=$(container_pid "$ID")
	if [ -d /sys/fs/cgroup/memory ]; then
		[ "$(cat "$(cg_dir memory)/memory.limit_in_bytes")" = 67108864 ]
		[ "$(cat "$(cg_dir pids)/pids.max")" = 64 ]
		[ "$(cat "$(cg_dir cpu)/cpu.shares")" = 512 ]
		[ "$(cat "$(cg_dir cpu)/cpu.cfs_quota_us")" = 50000 ]
		grep -qx "$pid" "$(cg_dir pids)/cgroup.procs"
	else
		[ "$(cat "$(cg_dir memory)/memory.max")" = 67108864 ]
		[ "$(cat "$(cg_dir memory)/pids.max")" = 64 ]
	fi
	zrun delete --force "$ID"
	assert_success
	[ ! -d "$(cg_dir pids)" ] || fail "the zone's cgroup is still there after delete"
}

@test "pause freezes the zone, resume thaws it, delete --force removes a paused one" {
	args sh -c 'i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done'
	zrun run --detach "$ID"
	assert_success
	wait_for test -s "$ROOTFS/tmp/count"
	zrun pause "$ID"
	assert_success
	wait_for status_is "$ID" paused
	[ ! -d /sys/fs/cgroup/freezer ] || [ "$(cat "$(cg_dir freezer)/freezer.state")" = FROZEN ]
	a=$(cat "$ROOTFS/tmp/count")
	sleep 0.5
	[ "$(cat "$ROOTFS/tmp/count")" = "$a" ] || fail "a paused zone made progress"
	zrun pause "$ID"
	assert_one_line_error
	zrun delete "$ID"
	assert_one_line_error
	zrun resume "$ID"
	assert_success
	status_is "$ID" running
	wait_for test "$(cat "$ROOTFS/tmp/count")" != "$a"
	zrun pause "$ID"
	assert_success
	zrun delete --force "$ID"
	assert_success
	[ ! -d "$(cg_dir pids)" ] || fail "the paused zone's cgroup is still there after delete"
}

@test "bad cgroupsPath and limits: one-line errors, nothing created" {
	for p in 'zone-test/../relative' '/zone-test/a/../b'; do
		cfg '.linux.cgroupsPath = $p' --arg p "$p"
		zrun run "$ID"
		assert_one_line_error
		assert_stderr_matches "cgroupsPath"
	done
	cfg '.linux.cgroupsPath = "/zone-test/'"$U"'/bad" | .linux.resources = {"cpu":{"cpus":"4096"}}'
	zrun run "$ID"
	assert_one_line_error
	assert_stderr_matches "linux.resources.cpu.cpus"
	[ ! -d "/sys/fs/cgroup/cpuset/zone-test/$U/bad" ] || fail "a cgroup was left after a refused limit"
}

@test "zones created at once under a parent none of them made yet all get CPUs in their cpuset" {
	# Each create makes the shared parent if missing; one that finds it made by another a
	# moment ago, before its v1 cpuset got CPUs, must not hand its own child an empty one.
	local round i pids failed
	for round in 1 2 3; do
		pids=()
		for i in $(seq 8); do
			new_bundle "$TMP/r$round-$i"
			CFG_BUNDLE=$TMP/r$round-$i cfg \
				'.linux.cgroupsPath = $cg | .process.args = ["sleep", "1000"]' \
				--arg cg "/zone-test/$U/shared$round/z$i"
			zone_oci create --bundle "$TMP/r$round-$i" "$ID-r$round-$i" </dev/null >/dev/null \
				2>"$TMP/r$round-$i.err" &
			pids+=($!)
		done
		failed=0
		for i in "${pids[@]}"; do
			wait "$i" || failed=$((failed + 1))
		done
		[ "$failed" -eq 0 ] || fail "round $round: $failed creates failed: $(cat "$TMP"/r$round-*.err)"
		for i in $(seq 8); do
			zone_oci delete --force "$ID-r$round-$i"
		done
	done
}

@test "a relative cgroupsPath goes under the runtime's own cgroup, as in runc" {
	# The runtime runs from a cgroup of the test's own, the same in every hierarchy.
	local runner=/zone-test/$U/runner mnts m d
	mnts=$(grep -E ' - cgroup2? ' /proc/self/mountinfo | awk '$4 == "/" { print $5 }')
	for m in $mnts; do
		mkdir -p "$m$runner"
		if [ -e "$m$runner/cpuset.cpus" ]; then
			for d in "$m/zone-test" "$m/zone-test/$U" "$m$runner"; do
				[ -n "$(cat "$d/cpuset.cpus")" ] || cat "${d%/*}/cpuset.cpus" >"$d/cpuset.cpus"
				[ -n "$(cat "$d/cpuset.mems")" ] || cat "${d%/*}/cpuset.mems" >"$d/cpuset.mems"
			done
		fi
	done
	cfg '.linux.cgroupsPath = "sub/z" | .linux.resources.pids = {"limit": 42}'
	args sleep 30
	echo "$ID" >>"$TMP/ids"
	run sh -c 'for m in $1; do echo $$ >"$m$2/cgroup.procs" || exit 1; done
		exec "$3" --root "$4" run --detach "$5" </dev/null' sh "$mnts" "$runner" "$ZONE_OCI" "$STATE" "$ID"
	assert_success
	[ "$(cat "/sys/fs/cgroup/pids$runner/sub/z/pids.max")" = 42 ] ||
		fail "the zone is not at $runner/sub/z"
	# The resolved path is kept: delete finds it from any cgroup.
	zrun delete --force "$ID"
	assert_success
	[ ! -d "/sys/fs/cgroup/pids$runner/sub/z" ] || fail "the zone's cgroup is still there"

	# Where the runtime's own cgroup differs between hierarchies, a clear error.
	mkdir "/sys/fs/cgroup/pids/zone-test/$U/other"
	run --separate-stderr sh -c 'for m in $1; do echo $$ >"$m$2/cgroup.procs" || exit 1; done
		echo $$ >"/sys/fs/cgroup/pids/zone-test/$3/other/cgroup.procs" &&
		exec "$4" --root "$5" run "$6" </dev/null' sh "$mnts" "$runner" "$U" "$ZONE_OCI" "$STATE" "$ID"
	assert_failure
	assert_one_line_error
	assert_stderr_matches 'linux.cgroupsPath "sub/z": a relative path is placed under the runtime.s own cgroup, which is not the same in every hierarchy'
}

# ---- create killed midway ----

# The zone's cgroup directories that exist, in any hierarchy.
zone_cg_dirs() {
	local path
	path=$(jq -r '.linux.cgroupsPath' "$BUNDLE/config.json")
	ls -d /sys/fs/cgroup/*"$path" /sys/fs/cgroup"$path" 2>/dev/null || true
}

# True when no process is in the zone's cgroup in any hierarchy.
zone_cg_empty() {
	local d
	for d in $(zone_cg_dirs); do
		# cgroupfs files report size 0: read them.
		[ -n "$(cat "$d/cgroup.procs")" ] && return 1
	done
	return 0
}

# create_killed_by_strace STRACE_ARGS...: `create` under strace, which SIGKILLs it at the first
# syscall the arguments pick. (LeakSanitizer cannot run under ptrace.)
create_killed_by_strace() {
	echo "$ID" >>"$TMP/ids"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 timeout -k 5 60 \
		strace -qq -o "$TMP/strace.out" "$@" "$ZONE_OCI" --root "$STATE" create "$ID" \
		</dev/null >"$TMP/create.out" 2>&1 || true
	grep -q 'killed by SIGKILL' "$TMP/strace.out" ||
		fail "create was not killed where asked: $(cat "$TMP/strace.out" "$TMP/create.out")"
}

# What a creator killed in create leaves: a zone that state and list report as "creating"
# with pid 0 and no process of it left running (its init, if it had one, saw its creator's
# end of the sync channel close and exited) -- unless the kill came after the init reported
# itself created (--waiting): it then waits for a start, in the zone's cgroup. `delete ARGS`
# then removes every trace of it.
assert_creating_then_delete() { # assert_creating_then_delete [--waiting] [--force]
	local waiting=
	[ "${1:-}" = --waiting ] && waiting=1 && shift
	status_is "$ID" creating || fail "state after the kill: $(zone_oci state "$ID" 2>&1)"
	[ "$(container_pid "$ID")" = 0 ]
	zrun list
	assert_success
	[[ "$output" =~ $ID\ +0\ +creating ]] || fail "list does not show $ID creating: $output"
	if [ -n "$waiting" ]; then
		! zone_cg_empty || fail "the created zone's process is not in its cgroup"
		# ps finds it through the cgroup: the state has no pid for it.
		zrun ps --format json "$ID"
		assert_success
		[ "$(jq length <<<"$output")" -ge 1 ] || fail "ps of the creating zone: $output"
	else
		wait_for zone_cg_empty ||
			fail "processes left in the zone's cgroup: $(cat $(zone_cg_dirs | sed 's|$|/cgroup.procs|'))"
	fi
	zrun kill "$ID" KILL
	assert_one_line_error
	zrun delete "$@" "$ID"
	assert_success
	zrun state "$ID"
	assert_one_line_error
	[ -z "$(zone_cg_dirs)" ] || fail "cgroup left after delete: $(zone_cg_dirs)"
	[ -z "$(ls -A "$STATE")" ] || fail "state left after delete: $(ls -A "$STATE")"
}

@test "create killed before the zone's cgroup exists: state says creating, delete cleans up" {
	is_foreign_runtime && skip "zone-oci's own creating state"
	local path p=()
	path=$(jq -r '.linux.cgroupsPath' "$BUNDLE/config.json")
	# The first mkdir of the leaf, in whichever hierarchy comes first.
	for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
		p+=(-P "${d%/}$path")
	done
	create_killed_by_strace "${p[@]}" -e trace=mkdir -e inject=mkdir:signal=KILL
	[ -z "$(zone_cg_dirs)" ] || fail "the kill came after a cgroup was made: $(zone_cg_dirs)"
	assert_creating_then_delete
}

@test "a zone whose creator died before its cgroup existed leaves another zone's cgroup at that path alone" {
	is_foreign_runtime && skip "zone-oci's own creating state"
	local path p=() other=$ID-other
	path=$(jq -r '.linux.cgroupsPath' "$BUNDLE/config.json")
	for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
		p+=(-P "${d%/}$path")
	done
	create_killed_by_strace "${p[@]}" -e trace=mkdir -e inject=mkdir:signal=KILL
	status_is "$ID" creating || fail "state after the kill: $(zone_oci state "$ID" 2>&1)"
	# Another zone takes the same cgroup path meanwhile.
	args sleep 1000
	echo "$other" >>"$TMP/ids"
	zrun run --detach "$other"
	assert_success
	pid=$(container_pid "$other")
	zrun delete --force "$ID"
	assert_success
	[ -d "$(cg_dir pids)" ] || fail "deleting the dead zone removed the other zone's cgroup"
	grep -qx "$pid" "$(cg_dir pids)/cgroup.procs" || fail "the other zone's process is gone"
	status_is "$other" running
	zrun delete --force "$other"
	assert_success
	[ -z "$(zone_cg_dirs)" ] || fail "cgroup left after delete: $(zone_cg_dirs)"
}

@test "create killed half-way through making the cgroup: delete removes the part made" {
	is_foreign_runtime && skip "zone-oci's own creating state"
	[ -d /sys/fs/cgroup/memory ] || skip "needs several v1 hierarchies (this host has cgroup v2 only)"
	create_killed_by_strace -P "$(cg_dir memory)" -e trace=mkdir -e inject=mkdir:signal=KILL
	[ -n "$(zone_cg_dirs)" ] || fail "no hierarchy got the cgroup before the kill"
	[ ! -d "$(cg_dir memory)" ] || fail "the memory hierarchy got its cgroup before the kill"
	assert_creating_then_delete
}

@test "create killed after the cgroup, before the zone's process exists: delete cleans up" {
	is_foreign_runtime && skip "zone-oci's own creating state"
	create_killed_by_strace -e trace=clone3 -e inject=clone3:signal=KILL
	[ -d "$(cg_dir pids)" ] || fail "the cgroup was not made before the kill"
	assert_creating_then_delete --force
}

@test "create killed once the zone's process is in its cgroup: the process exits, delete cleans up" {
	is_foreign_runtime && skip "zone-oci's own creating state"
	# The first message on the sync channel tells the placed process to go on.
	create_killed_by_strace -e trace=sendmsg -e inject=sendmsg:signal=KILL:when=1
	assert_creating_then_delete
}

@test "create killed as it writes the created state: delete kills the waiting process" {
	is_foreign_runtime && skip "zone-oci's own creating state"
	args sleep 1000
	# The renames of config.json, the creating state, then the created state.
	create_killed_by_strace -e trace=rename,renameat,renameat2 \
		-e inject=rename,renameat,renameat2:signal=KILL:when=3
	grep -q 'state.json' "$TMP/strace.out" || fail "killed elsewhere: $(cat "$TMP/strace.out")"
	assert_creating_then_delete --waiting
}

@test "a createRuntime hook kills its runtime (kill -9 \$PPID): delete cleans up" {
	is_foreign_runtime && skip "zone-oci's own creating state"
	cat >"$TMP/hook.sh" <<-SH
		#!/bin/sh
		echo "\$PPID \$(tr '\\0' ' ' </proc/\$PPID/cmdline)" >"$TMP/hook.parent"
		kill -9 \$PPID
	SH
	chmod 755 "$TMP/hook.sh"
	cfg '.hooks.createRuntime = [{path: $p}]' --arg p "$TMP/hook.sh"
	args sleep 1000
	zrun create "$ID"
	[ "$status" -eq 137 ] || fail "create was not killed: status $status, $stderr"
	# The hook's parent is the runtime itself, not a helper process.
	grep -Eq "^[0-9]+ .*zone-oci.* create $ID $" "$TMP/hook.parent" ||
		fail "hook's parent: $(cat "$TMP/hook.parent")"
	assert_creating_then_delete
}

@test "the runtime killed by its pid while a createRuntime hook sleeps: delete cleans up" {
	is_foreign_runtime && skip "zone-oci's own creating state"
	cat >"$TMP/hook.sh" <<-SH
		#!/bin/sh
		echo \$\$ >"$TMP/hook.pid.new" && mv "$TMP/hook.pid.new" "$TMP/hook.pid"
		exec sleep 1000
	SH
	chmod 755 "$TMP/hook.sh"
	cfg '.hooks.createRuntime = [{path: $p}]' --arg p "$TMP/hook.sh"
	args sleep 1000
	echo "$ID" >>"$TMP/ids"
	"$ZONE_OCI" --root "$STATE" create "$ID" </dev/null >"$TMP/create.out" 2>&1 &
	rt=$!
	register_pid "$rt"
	# Nothing may fail before the kill: teardown would wait for the runtime's lock.
	local started=1 empty=1
	wait_for test -s "$TMP/hook.pid" || started=0
	# While the hook runs, the zone's process exists, in the zone's cgroup.
	zone_cg_empty || empty=0
	kill -9 "$rt"
	wait "$rt" || true
	[ "$started" = 1 ] || fail "the hook did not start: $(cat "$TMP/create.out")"
	register_pid "$(cat "$TMP/hook.pid")"
	kill -9 "$(cat "$TMP/hook.pid")"
	[ "$empty" = 0 ] || fail "no process in the zone's cgroup while the hook ran"
	assert_creating_then_delete
}

# ---- the view from inside: cgroup namespace and the cgroup mount ----

# cgroup_mount_options JQ_ARRAY: the options of the config's cgroup mount.
cgroup_mount_options() {
	cfg '(.mounts[] | select(.type == "cgroup") | .options) = $o' --argjson o "$1"
}

@test "a zone with a cgroup namespace sees only its own cgroup, with its limits at the top" {
	if ! is_foreign_runtime; then
		jq -e '.linux.namespaces | any(.type == "cgroup")' "$BUNDLE/config.json" >/dev/null ||
			fail "the default spec has no cgroup namespace"
	fi
	cfg 'if (.linux.namespaces | any(.type == "cgroup")) then . else .linux.namespaces += [{"type": "cgroup"}] end'
	jq -e '.mounts[] | select(.type == "cgroup" and .destination == "/sys/fs/cgroup")' \
		"$BUNDLE/config.json" >/dev/null || fail "the default spec has no cgroup mount"
	cfg '.linux.resources = {"memory":{"limit":67108864},"pids":{"limit":64}}'
	# A sibling zone under the same parent, running: it must not show in the view.
	new_bundle "$TMP/sibling"
	CFG_BUNDLE=$TMP/sibling args sleep 1000
	zrun run --detach --bundle "$TMP/sibling" "$ID-sibling"
	assert_success
	sib=/zone-test/$U/sibling
	if [ -d /sys/fs/cgroup/memory ]; then
		mem=/sys/fs/cgroup/memory/memory.limit_in_bytes pids=/sys/fs/cgroup/pids/pids.max
		[ -d "/sys/fs/cgroup/memory$sib" ] || fail "the sibling has no cgroup on the host"
	else
		mem=/sys/fs/cgroup/memory.max pids=/sys/fs/cgroup/pids.max
		[ -d "/sys/fs/cgroup$sib" ] || fail "the sibling has no cgroup on the host"
	fi
	args sh -c "cat /proc/self/cgroup; echo mem=\$(cat $mem); echo pids=\$(cat $pids)
		echo dirs=\$(find /sys/fs/cgroup/ -mindepth 2 -type d | wc -l)"
	zrun run "$ID"
	assert_success
	# Every hierarchy's path is the namespace's root: the zone's own cgroup.
	while read -r line; do
		[[ "$line" =~ ^[0-9]+:[^:]*:/$ ]] || fail "/proc/self/cgroup in the zone: $line"
	done < <(grep -v '^mem=\|^pids=\|^dirs=' <<<"$output")
	grep -qx 'mem=67108864' <<<"$output" || fail "memory limit at the top of the view: $output"
	grep -qx 'pids=64' <<<"$output" || fail "pids limit at the top of the view: $output"
	# The zone's cgroup has no children, so nothing below the hierarchies' tops.
	grep -qx 'dirs=0' <<<"$output" || fail "cgroups below the zone's own are visible: $output"
	zrun delete --force "$ID-sibling"
	assert_success
}

@test "the cgroup mount is read-only by default and writable when its options say rw" {
	cfg '.linux.resources = {"pids":{"limit":64}}'
	if [ -d /sys/fs/cgroup/pids ]; then
		inside=/sys/fs/cgroup/pids/pids.max host=$(cg_dir pids)/pids.max
	else
		inside=/sys/fs/cgroup/pids.max host=$(cg_dir pids)/pids.max
	fi
	mnt=${inside%/*}
	args sh -c "if echo 100 > $inside; then echo wrote; else echo refused; fi
		grep ' $mnt ' /proc/self/mountinfo"
	# The default spec's options ("ro" among them).
	zrun run "$ID"
	assert_success
	assert_line refused
	assert_line --partial " $mnt ro,"
	# Neither "ro" nor "rw": read-only all the same.
	if ! is_foreign_runtime; then
		cgroup_mount_options '["nosuid","noexec","nodev"]'
		zrun run "$ID"
		assert_success
		assert_line refused
		assert_line --partial " $mnt ro,"
	fi
	# "rw": the zone may write its own cgroup's files, and the host sees it.
	cgroup_mount_options '["nosuid","noexec","nodev","rw"]'
	args sh -c "echo 100 > $inside && sleep 1000"
	zrun run --detach "$ID"
	assert_success
	wait_for grep -qx 100 "$host" || fail "the write from inside did not reach $host: $(cat "$host")"
	zrun delete --force "$ID"
	assert_success
}

@test "cgroups a zone makes below its own are its: ps lists their processes, delete removes them" {
	[ -d /sys/fs/cgroup/pids ] || skip "needs a v1 pids hierarchy"
	cgroup_mount_options '["nosuid","noexec","nodev","rw"]'
	args sh -c 'mkdir -p /sys/fs/cgroup/pids/a/b && echo $$ > /sys/fs/cgroup/pids/a/b/cgroup.procs &&
		exec sleep 1000'
	zrun run --detach "$ID"
	assert_success
	wait_for test -d "$(cg_dir pids)/a/b" || fail "the zone made no sub-cgroup"
	wait_for grep -q . "$(cg_dir pids)/a/b/cgroup.procs" || fail "nothing moved into a/b"
	pid=$(cat "$(cg_dir pids)/a/b/cgroup.procs")
	zrun ps --format json "$ID"
	assert_success
	[ "$(echo "$output" | jq -c .)" = "[$pid]" ] || fail "ps: $output, expected [$pid]"
	zrun delete --force "$ID"
	assert_success
	[ ! -d "$(cg_dir pids)" ] || fail "the zone's cgroup (or its sub-cgroups) is still there"
	# (Dead, it may stay a zombie a moment until its new parent reaps it.)
	wait_for sh -c "[ ! -e /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status" ||
		fail "the process in the sub-cgroup survived delete"
}
