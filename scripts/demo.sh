#!/usr/bin/env bash
# The default image from the host's busybox (no network), then `zone run --rm` in a light zone
# and in an emulated zone on it, and a command run in a running zone with its live numbers;
# everything it made goes at the end (image store, zones, network namespace, cgroups), so it
# can run again.
# usage: scripts/demo.sh BUILD_DIR    (needs root; BUILD_DIR holds zone, zone-monitor,
# zone-net-hook, vm/)
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(realpath "$1")
zone=$build/zone
work=$(mktemp -d /tmp/zone-demo.XXXXXX)
state=$work/state
# The zones are on a bridge (zone's default network): its host side lives in a network
# namespace of the demo's own, its leases under $work, so the machine's network is untouched.
netns=zone-demo-$$
export ZONE_NET_ROOT=$work/net ZONE_CGROUP_PARENT=/zone-demo/demo-$$
z() { nsenter --net=/run/netns/"$netns" "$zone" --root "$state" --data-root "$work/data" "$@"; }
cleanup() {
	local n d
	for n in $(ls "$work/data/zones" 2>/dev/null); do
		z rm --force "$n" >/dev/null 2>&1 || true
	done
	ip netns del "$netns" 2>/dev/null || true
	# Only the demo's own cgroups.
	for d in $(find /sys/fs/cgroup/*/zone-demo /sys/fs/cgroup/zone-demo -depth -type d \
		-path "*demo-$$*" 2>/dev/null); do
		rmdir "$d" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$netns"
ip -n "$netns" link set lo up

# One line: a zone's command is kept in its zone.conf, a line per word.
show='echo "hostname: $(hostname)"; echo "kernel:   $(uname -r)"; echo "pid:      $$"; echo "address:  $(ip -o -4 addr show eth0 | awk "{print \$4}")"; exit 7'

echo "== zone image build busybox --from-host /bin/busybox (the default image, from the host)"
links=()
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || links+=(--symlink "/bin/$a:busybox")
done
z image build busybox --from-host /bin/busybox "${links[@]}" --cmd sh >/dev/null
z image ls

echo
echo "== zone run --rm busybox: a light zone, namespaces and cgroups on the host's kernel ($(uname -r))"
rc=0
z run --rm --hostname zone-demo busybox sh -c "$show" </dev/null || rc=$?
echo "== it exited with status $rc (it asked for 7)"
[ "$rc" -eq 7 ]

echo
echo "== zone run -d, then zone ls, exec and stats on the running zone"
z run -d --name sleeper busybox sleep 60 >/dev/null
z ls
z exec sleeper ps -o pid,comm
z stats --no-stream sleeper
z rm --force sleeper

echo
if [ -f "$build/vm/vmlinuz" ] && command -v qemu-system-x86_64 >/dev/null; then
	echo "== zone run --rm --type emulated busybox: the same image and command in a QEMU (TCG) VM"
	rc=0
	z run --rm --type emulated --hostname zone-demo busybox sh -c "$show" </dev/null || rc=$?
	echo "== it exited with status $rc (it asked for 7)"
	[ "$rc" -eq 7 ]
else
	echo "== no emulated zone: no guest kernel in $build/vm (make vm) or no qemu-system-x86_64"
fi
