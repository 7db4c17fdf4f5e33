# What the guest tests share (busybox sh), sourced by /tests.sh in the guest: zone-oci with
# the guests' state root, the TAP runner `t`, assertions, and helpers to start and remove zones.
# Zones run from the bundles in /bundles with cgroupsPath /zone-test/NAME/z.
# shellcheck shell=sh

STATE=/run/zone-state
OUT=/run/tests
CG=/sys/fs/cgroup
n=0

z() {
	zone-oci --root "$STATE" "$@"
}

# t NAME FUNCTION: runs FUNCTION in a subshell with `set -e`; a failure prints its output.
# A FUNCTION that prints "SKIP: why" and returns 0 is reported as skipped.
t() {
	name=$1
	n=$((n + 1))
	(
		set -e
		$2
	) >"$OUT/test.out" 2>&1 &
	tpid=$!
	# A test that hangs (a zone-oci that never returns) is a failure of its own, not a
	# guest that stops reporting.
	(
		sleep 90
		echo "timed out after 90 s" >>"$OUT/test.out"
		kill -9 "$tpid"
	) >/dev/null 2>&1 &
	wpid=$!
	wait "$tpid"
	rc=$?
	kill "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
	if [ "$rc" -eq 0 ] && grep -q '^SKIP: ' "$OUT/test.out"; then
		echo "ok $n - $name # SKIP $(sed -n 's/^SKIP: //p' "$OUT/test.out" | head -n 1)"
	elif [ "$rc" -eq 0 ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		sed 's/^/# /' "$OUT/test.out"
	fi
}

fail() {
	echo "$*"
	return 1
}

# eq FILE VALUE: FILE (one line) holds VALUE.
eq() {
	[ -e "$1" ] || fail "$1: missing"
	v=$(cat "$1") || fail "$1: unreadable"
	[ "$v" = "$2" ] || fail "$1: \"$v\", expected \"$2\""
}

# key FILE KEY: the value of KEY in a flat-keyed file (cgroup.events, memory.events, ...).
key() {
	sed -n "s/^$2 //p" "$1"
}

# has_word FILE WORD: FILE lists WORD among its space-separated words.
has_word() {
	tr ' ' '\n' <"$1" | grep -qx "$2" || fail "$1: \"$(cat "$1")\" has no $2"
}

# wait_until CMD...: up to ~20 s for CMD to succeed.
wait_until() {
	i=0
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -lt 200 ] || fail "timed out waiting for: $*"
		sleep 0.1
	done
}

status_is() { # status_is ID STATUS
	z state "$1" | tr -d ' \n' | grep -q "\"status\":\"$2\""
}

start() { # start NAME: runs the zone NAME from /bundles/NAME in the background
	z run --detach --bundle "/bundles/$1" "$1" </dev/null >"$OUT/$1.out" 2>&1 ||
		fail "zone-oci run $1: $(cat "$OUT/$1.out")"
}

gone() { # gone NAME: the zone's state and cgroup are removed
	z delete --force "$1" || fail "zone-oci delete --force $1 failed"
	[ ! -d "$CG/zone-test/$1/z" ] || fail "$CG/zone-test/$1/z still there after delete"
}

# Stops every zone a failed test left and removes the levels above each zone's cgroup (the
# zone made them, but delete removes only the zone's own), so later tests start clean.
cleanup() {
	for id in $(z list --quiet 2>/dev/null); do
		z delete --force "$id" >/dev/null 2>&1
	done
	for d in "$CG"/zone-test/*/; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
}

# Whether a zone-oci command is still a placeholder in this build.
not_built() {
	z "$@" 2>&1 | grep -q 'not implemented'
}
