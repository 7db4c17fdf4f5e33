# Shared setup for the integration suite. Every .bats file starts with
#   load helpers
# Each test gets its own temp dir ($TMP) with a state root ($STATE) and a busybox bundle
# ($BUNDLE, $ROOTFS). teardown removes everything the test made and fails the test when a
# process, mount or state entry was left behind.

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$TESTS_DIR/../.." && pwd)
: "${ZONE_OCI:=$REPO_DIR/build/asan/zone-oci}"
export ZONE_OCI

# True when the runtime under test is not zone-oci (tests of zone's own messages skip then).
is_foreign_runtime() {
	case "${ZONE_OCI##*/}" in
	runc | crun) return 0 ;;
	esac
	return 1
}

# A busybox root filesystem, built once per bats run and copied per test.
rootfs_template() {
	local t=$BATS_RUN_TMPDIR/rootfs-template
	if [ ! -d "$t" ]; then
		local tmp
		tmp=$(mktemp -d "$BATS_RUN_TMPDIR/rootfs.XXXXXX")
		mkdir -p "$tmp"/{bin,etc,proc,sys,dev,tmp,root,home/user,run,var}
		chmod 755 "$tmp"
		chmod 1777 "$tmp/tmp"
		cp /bin/busybox "$tmp/bin/busybox"
		local applet
		for applet in $(/bin/busybox --list); do
			[ "$applet" = busybox ] || ln -sf busybox "$tmp/bin/$applet"
		done
		mkdir -p "$tmp/usr"
		ln -s ../bin "$tmp/usr/bin"
		ln -s bin "$tmp/sbin"
		cat >"$tmp/etc/passwd" <<-'PW'
			root:x:0:0:root:/root:/bin/sh
			user:x:1000:1000:user:/home/user:/bin/sh
		PW
		cat >"$tmp/etc/group" <<-'GR'
			root:x:0:
			user:x:1000:
			extra:x:2000:user
		GR
		chown 1000:1000 "$tmp/home/user"
		mv -T "$tmp" "$t" 2>/dev/null || rm -rf "$tmp"
	fi
	echo "$t"
}

# new_bundle DIR: a bundle with a busybox rootfs and a config.json from the runtime's own
# `spec`, made deterministic: no terminal, writable root, /bin/true, and an absolute cgroup path
# under the test-owned parent /zone-test/$U.
new_bundle() {
	local dir=$1 name=${1##*/}
	mkdir -p "$dir"
	cp -a "$(rootfs_template)" "$dir/rootfs"
	"$ZONE_OCI" spec --bundle "$dir" || return 1
	BUNDLE_ROOTFS_LIST+=("$dir/rootfs")
	local cg="/zone-test/$U/$name"
	jq --arg cg "$cg" '.process.terminal = false
		| .process.args = ["/bin/true"]
		| .root.readonly = false
		| .linux.cgroupsPath = $cg' "$dir/config.json" >"$dir/config.json.new" &&
		mv "$dir/config.json.new" "$dir/config.json"
}

setup() {
	zone_setup
}

# The per-test directories, ids and bundle every test starts with.
zone_setup() {
	U="$$-${BATS_TEST_NUMBER}-$RANDOM"
	# Short path: console sockets live here and unix socket paths are limited to 108 bytes.
	TMP=$(mktemp -d /tmp/zt.XXXXXX)
	STATE=$TMP/state
	BUNDLE=$TMP/bundle
	ROOTFS=$BUNDLE/rootfs
	ID="zt-$U"
	BUNDLE_ROOTFS_LIST=()
	mkdir -p "$STATE"
	new_bundle "$BUNDLE"
	cd "$BUNDLE" || return 1
}

# zone_oci ARGS...: the runtime under test with this test's state root. The id of every
# create/run is recorded so teardown can remove the container even after a failure.
zone_oci() {
	case "${1:-}" in
	create | run) echo "${!#}" >>"$TMP/ids" ;;
	esac
	# A hung runtime fails its test instead of stalling the suite.
	timeout --foreground -k 5 "${ZONE_OCI_TIMEOUT:-60}" "$ZONE_OCI" --root "$STATE" "$@"
}

# capture CMD ARGS...: like bats' `run`, but stdin empty and stdout and stderr on files, so a
# zone that keeps them open (create, run --detach, a monitor) cannot hang the test. Sets
# status, output, lines, and stderr, stderr_lines apart (to check error messages).
capture() {
	status=0
	"$@" </dev/null >"$TMP/capture.out" 2>"$TMP/capture.err" || status=$?
	output=$(cat "$TMP/capture.out")
	stderr=$(cat "$TMP/capture.err")
	mapfile -t lines <"$TMP/capture.out"
	mapfile -t stderr_lines <"$TMP/capture.err"
	return 0
}

# zrun ARGS...: zone_oci ARGS through capture.
zrun() { capture zone_oci "$@"; }

# The failure contract of every command: non-zero exit and exactly one line on stderr.
# require_emulated BINARY: skips the test unless emulated zones can run: QEMU is installed and
# the guest (`make vm`) is in vm/ beside BINARY (zone-oci or zone) or beside its asan/ directory.
require_emulated() {
	command -v qemu-system-x86_64 >/dev/null ||
		skip "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)"
	local dir
	dir=$(dirname "$(realpath "$1")")
	if [ ! -f "$dir/vm/vmlinuz" ] && [ ! -f "$dir/../vm/vmlinuz" ]; then
		skip "no guest kernel beside $1: make vm BUILD=... builds it"
	fi
}

assert_one_line_error() {
	if [ "$status" -eq 0 ]; then
		fail "expected failure, got status 0 (stderr: $stderr)"
	fi
	if [ "${#stderr_lines[@]}" -ne 1 ]; then
		fail "expected one line on stderr, got ${#stderr_lines[@]}: $stderr"
	fi
}

# assert_stderr_matches REGEX: zone-oci's own wording (other runtimes word it differently).
assert_stderr_matches() {
	is_foreign_runtime && return 0
	[[ "$stderr" =~ $1 ]] || fail "stderr does not match /$1/: $stderr"
}

# cfg JQ_FILTER [jq args...]: edit $BUNDLE/config.json in place (CFG_BUNDLE picks another).
cfg() {
	local f=${CFG_BUNDLE:-$BUNDLE}/config.json filter=$1
	shift
	jq "$filter" "$f" "$@" >"$f.new" && mv "$f.new" "$f"
}

# args CMD...: set process.args.
args() {
	local a='[]' x
	# One --arg per element: with --args, jq would take an argument like "-c" for its own.
	for x in "$@"; do
		a=$(jq -cn --argjson a "$a" --arg x "$x" '$a + [$x]')
	done
	cfg '.process.args = $a' --argjson a "$a"
}

# Remember a host pid (background helper) that teardown must kill.
register_pid() {
	echo "$1" >>"$TMP/pids"
}

# Remember a cleanup command run by teardown (e.g. removing a network namespace).
register_cleanup() {
	echo "$*" >>"$TMP/cleanup"
}

# container_pid ID: the init pid from `state`.
container_pid() {
	zone_oci state "$1" | jq -r '.pid'
}

# wait_for COND_CMD...: poll up to ~10 s for a command to succeed.
wait_for() {
	local i
	for i in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

container_status() {
	zone_oci state "$1" 2>/dev/null | jq -r '.status'
}

status_is() {
	[ "$(container_status "$1")" = "$2" ]
}

# procs_in_tmp: pids whose root or cwd is under $TMP, or whose root is one of this test's
# rootfs directories (a pivoted zone's /proc/PID/root reads "/", so compare device and inode).
procs_in_tmp() {
	local roots=() r p pid link x hit
	for r in "${BUNDLE_ROOTFS_LIST[@]}"; do
		[ -d "$r" ] && roots+=("$(stat -c %d:%i "$r")")
	done
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		{ [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ]; } && continue
		hit=
		for link in root cwd; do
			r=$(readlink "$p/$link" 2>/dev/null) || continue
			case "$r" in "$TMP" | "$TMP"/*) hit=1 ;; esac
		done
		if [ -z "$hit" ] && [ ${#roots[@]} -gt 0 ]; then
			r=$(stat -L -c %d:%i "$p/root" 2>/dev/null) || continue
			for x in "${roots[@]}"; do
				[ "$r" = "$x" ] && hit=1
			done
		fi
		[ -n "$hit" ] && echo "$pid"
	done
	return 0
}

teardown() {
	local leaks=() id pid line
	[ -n "${TMP:-}" ] && [ -d "$TMP" ] || return 0
	cd /

	if [ -f "$TMP/ids" ]; then
		for id in $(sort -u "$TMP/ids"); do
			pid=$("$ZONE_OCI" --root "$STATE" state "$id" 2>/dev/null | jq -r '.pid // 0' 2>/dev/null)
			if [ -n "$pid" ] && [ "$pid" -gt 0 ] 2>/dev/null; then
				kill -9 "$pid" 2>/dev/null
			fi
			"$ZONE_OCI" --root "$STATE" delete --force "$id" >/dev/null 2>&1
		done
	fi
	if [ -f "$TMP/pids" ]; then
		for pid in $(cat "$TMP/pids"); do
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		done
	fi
	if [ -f "$TMP/cleanup" ]; then
		while read -r line; do
			eval "$line" >/dev/null 2>&1
		done <"$TMP/cleanup"
	fi

	# State root: empty once every container is deleted.
	if [ -d "$STATE" ] && [ -n "$(ls -A "$STATE")" ]; then
		leaks+=("state root not empty: $(ls -A "$STATE" | tr '\n' ' ')")
	fi

	local p
	for p in $(procs_in_tmp); do
		leaks+=("process $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)) left behind")
		kill -9 "$p" 2>/dev/null
	done

	# cgroups: only this test's own /zone-test/$U subtree, deepest first.
	local d
	for d in $(find /sys/fs/cgroup/*/zone-test/"$U" /sys/fs/cgroup/zone-test/"$U" \
		-depth -type d 2>/dev/null); do
		rmdir "$d" 2>/dev/null || leaks+=("cgroup $d could not be removed")
	done

	# Mounts: the runtime must not leave any in the host's mount namespace.
	local mnts
	mnts=$(awk -v t="$TMP" 'index($5, t "/") == 1 || $5 == t { print $5 }' /proc/self/mountinfo |
		sort -r)
	if [ -n "$mnts" ]; then
		leaks+=("mounts left under $TMP: $(echo "$mnts" | tr '\n' ' ')")
		for d in $mnts; do
			umount -l "$d" 2>/dev/null
		done
	fi
	if grep -qF "$TMP" /proc/self/mountinfo; then
		leaks+=("mountinfo still mentions $TMP after unmounting")
	fi

	rm -rf "$TMP" 2>/dev/null || leaks+=("could not remove $TMP")

	if [ ${#leaks[@]} -gt 0 ]; then
		printf 'LEAK: %s\n' "${leaks[@]}" >&2
		return 1
	fi
}

# cgroupfs directory of this test's zone in the v1 hierarchy holding CONTROLLER, or in the
# cgroup2 mount when no v1 one does.
cg_dir() { # cg_dir CONTROLLER
	local path
	path=$(jq -r '.linux.cgroupsPath' "$BUNDLE/config.json")
	if [ -d "/sys/fs/cgroup/$1" ]; then
		echo "/sys/fs/cgroup/$1$path"
	elif [ -d /sys/fs/cgroup/unified ]; then
		echo "/sys/fs/cgroup/unified$path"
	else
		echo "/sys/fs/cgroup$path"
	fi
}
