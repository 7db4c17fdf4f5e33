# Shared by the zone CLI's tests (zone-life.bats, zone-net.bats): each test gets a data root
# under its TMP, its zones' cgroups under /zone-test/$U, a busybox image, and a network
# namespace of its own ($HOSTNS) where the host side of the default bridge (bridge, veths, nft
# table) lives; the CLI runs inside it, the leases under $NETROOT.

# helpers.bash's teardown, kept under another name: this file's teardown removes the zones
# first, then runs it (leftover processes, mounts, state, cgroups fail the test).
eval "$(declare -f teardown | sed '1s/^teardown/helpers_teardown/')"

setup() {
	zone_setup
	: "${ZONE:=$REPO_DIR/build/asan/zone}"
	: "${ZONE_NET_HOOK:=$REPO_DIR/build/asan/zone-net-hook}"
	export ZONE_NET_HOOK
	DATA=$TMP/data
	export ZONE_CGROUP_PARENT=/zone-test/$U
	HOSTNS=zt-z-$U
	ip netns add "$HOSTNS"
	register_cleanup ip netns del "$HOSTNS"
	ip -n "$HOSTNS" link set lo up
	NETROOT=$TMP/net
	export ZONE_NET_ROOT=$NETROOT
	zone image import --name localhost/bb --format rootfs-dir "$(rootfs_template)" >/dev/null ||
		fail "import the busybox image"
}

teardown() {
	local n
	if [ -d "$DATA/zones" ]; then
		for n in $(ls "$DATA/zones"); do
			zone rm --force "$n" >/dev/null 2>&1
		done
	fi
	# No monitor of this test's zones outlives it.
	local p leaked=
	for p in $(monitors); do
		kill -9 "$p" 2>/dev/null
		echo "LEAK: monitor $p left behind" >&2
		leaked=1
	done
	helpers_teardown || return 1
	[ -z "$leaked" ]
}

in_host() {
	nsenter --net=/run/netns/"$HOSTNS" "$@"
}

# zone ARGS...: the CLI under test, in the test's network namespace (nsenter, not `ip netns
# exec`, which remounts /sys and so hides the cgroup hierarchies).
zone() {
	timeout --foreground -k 5 "${ZONE_TIMEOUT:-120}" nsenter --net=/run/netns/"$HOSTNS" \
		"$ZONE" --root "$STATE" --data-root "$DATA" "$@"
}

# zz ARGS...: zone ARGS through capture (a detached zone's monitor must not hold the test's
# output); sets status, output, stderr, lines, stderr_lines.
zz() { capture zone "$@"; }

# The pids of this test's live monitors (zombies left by a pid 1 that does not reap are not).
monitors() {
	local p
	for p in /proc/[0-9]*; do
		case "$(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" in
		*zone-monitor*"$DATA"*) [ "$(awk '{print $3}' "$p/stat" 2>/dev/null)" = Z ] ||
			echo "${p#/proc/}" ;;
		esac
	done
}

# A zone's state as zone inspect says (configured, installed, running, paused, restarting).
state_of() { zone inspect "$1" | jq -r .state; }
state_is() { [ "$(state_of "$1")" = "$2" ]; }

# Nothing of any zone is left: definitions, libzone state, overlay mounts, cgroups, monitors.
assert_nothing_left() {
	[ -z "$(ls -A "$DATA/zones" 2>/dev/null)" ] || fail "zones left: $(ls "$DATA/zones")"
	[ -z "$(ls -A "$STATE" 2>/dev/null)" ] || fail "state left: $(ls "$STATE")"
	! grep -q " $DATA/zones" /proc/self/mountinfo || fail "mounts left under $DATA/zones"
	local left
	left=$(find /sys/fs/cgroup/*/zone-test/"$U" -mindepth 1 -type d 2>/dev/null || true)
	[ -z "$left" ] || fail "cgroups left: $left"
	[ -z "$(monitors)" ] || fail "monitors left: $(monitors)"
}
