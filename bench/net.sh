#!/bin/bash
# Bridge networking's cost to a zone start: `zone-oci run` of /bin/true with zone-net-hook in
# bridge mode (createRuntime and poststop) against the same run in a new network namespace
# without the hook (`--network none` style), medians of N runs, alternating; and podman's own
# bridge setup for the same container (podman run --network none vs its default network).
# Everything runs in a network namespace this script makes and removes: the bridge, veths,
# nft table and podman's bridge live and die there.
#
# usage: bench/net.sh [BUILD] [N]     (BUILD defaults to build, N to 30; NET_BENCH_PODMAN=0
#                                      leaves podman out)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
n=${2:-30}
case "$build" in /*) ;; *) build=$top/$build ;; esac
zone=$build/zone-oci
hook=$build/zone-net-hook
harness=$build/bench/runbench
make -s -C "$top" BUILD="$build" "$zone" "$hook" "$harness" >/dev/null

ns=zb-$$
work=$(mktemp -d /tmp/zone-bench-net.XXXXXX)
cg=/zone-test/bench-net-$$
cleanup() {
	local d
	if [ -n "${podman_ready:-}" ]; then
		podman_ rm -af -t 0 >/dev/null 2>&1 || true
		podman_ rmi -af >/dev/null 2>&1 || true
	fi
	for d in $(awk -v t="$work/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r); do
		umount -l "$d" || true
	done
	ip netns del "$ns" 2>/dev/null || true
	for d in $(find /sys/fs/cgroup/*/zone-test/"bench-net-$$" -depth -type d 2>/dev/null); do
		rmdir "$d" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
in_ns() { nsenter --net=/run/netns/"$ns" "$@"; }

for b in plain bridge; do
	mkdir -p "$work/$b/rootfs"/{bin,proc,sys,dev,tmp,etc}
	# As an image has them: the hook writes both into the zone.
	printf '127.0.0.1\tlocalhost\n' >"$work/$b/rootfs/etc/hosts"
	: >"$work/$b/rootfs/etc/resolv.conf"
	cp /bin/busybox "$work/$b/rootfs/bin/busybox"
	for a in sh true; do ln -s busybox "$work/$b/rootfs/bin/$a"; done
	runc spec --bundle "$work/$b"
	jq --arg cg "$cg" '.process.terminal = false | .process.args = ["/bin/true"]
		| .linux.cgroupsPath = $cg' "$work/$b/config.json" >"$work/$b/c" &&
		mv "$work/$b/c" "$work/$b/config.json"
done
jq --arg h "$hook" --arg r "$work/net" \
	'.hooks.createRuntime = [{path: $h, args: ["zone-net-hook", "create", "--net-root", $r]}]
	| .hooks.poststop = [{path: $h, args: ["zone-net-hook", "delete", "--net-root", $r]}]' \
	"$work/bridge/config.json" >"$work/bridge/c" && mv "$work/bridge/c" "$work/bridge/config.json"

ms() { # ms CMD...: wall ms of one run (the harness's figure), or fail
	local out
	out=$("$harness" "$@" 2>&1 >/dev/null | tail -1)
	[[ "$out" == *status=0* ]] || {
		echo "failed: $* ($out)" >&2
		return 1
	}
	out=${out#ms=}
	echo "${out%% *}"
}
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

: >"$work/plain.ms"
: >"$work/bridge.ms"
for ((i = 0; i < n; i++)); do
	for b in plain bridge; do
		ms nsenter --net=/run/netns/"$ns" "$zone" --root "$work/state" run --bundle "$work/$b" "nb-$i-$b" >>"$work/$b.ms"
	done
done
p=$(median <"$work/plain.ms")
br=$(median <"$work/bridge.ms")
echo "zone-oci run /bin/true, new netns, no hook:     median ${p} ms (n=$n)"
echo "zone-oci run /bin/true, zone-net-hook bridge:   median ${br} ms (n=$n)"
echo "added by bridge networking:                     $(awk -v a="$br" -v b="$p" 'BEGIN {printf "%.2f", a - b}') ms"
# The median of each pair's difference is steadier on a busy machine than the difference of
# the medians.
pd=$(paste "$work/bridge.ms" "$work/plain.ms" | awk '{print $1 - $2}' | median)
echo "added, median of the pairs' differences:        $(awk -v d="$pd" 'BEGIN {printf "%.2f", d}') ms"
# The last zone's veth pair goes with its namespace, which the kernel tears down shortly after.
for ((i = 0; i < 50; i++)); do
	leftover=$(in_ns ip -o link show type veth | wc -l)
	[ "$leftover" -eq 0 ] && break
	sleep 0.1
done
echo "veths left in the bench namespace: $leftover"

# podman, with a private store, run inside the bench namespace (its bridge and firewall rules
# land there). netavark keeps its address database in /run/containers/networks (shared with
# every podman on the machine); podman releases the address with the container.
if [ "${NET_BENCH_PODMAN:-1}" != 0 ] && command -v podman >/dev/null; then
	printf '#!/bin/sh\nexec nsenter --net=/run/netns/%s podman --root %s/storage --runroot %s/runroot --storage-driver vfs --cgroup-manager=cgroupfs --events-backend=file --tmpdir %s/ptmp --runtime %s "$@"\n' \
		"$ns" "$work" "$work" "$work" "$zone" >"$work/podman"
	chmod +x "$work/podman"
	podman_() { "$work/podman" "$@"; }
	mkdir -p "$work/ptmp"
	podman_ready=1
	tar -C "$work/plain/rootfs" -cf "$work/rootfs.tar" .
	podman_ import "$work/rootfs.tar" localhost/zb-busybox >/dev/null
	: >"$work/pnone.ms"
	: >"$work/pbridge.ms"
	pn=$((n < 10 ? n : 10))
	popts=(--rm --ulimit nofile=4096:4096 --ulimit nproc=1024:1024 --cgroup-parent "$cg")
	for ((i = 0; i < pn; i++)); do
		ms "$work/podman" run "${popts[@]}" --network none localhost/zb-busybox true \
			>>"$work/pnone.ms"
		ms "$work/podman" run "${popts[@]}" localhost/zb-busybox true >>"$work/pbridge.ms"
	done
	a=$(median <"$work/pnone.ms")
	b=$(median <"$work/pbridge.ms")
	echo "podman run --network none:                      median ${a} ms (n=$pn)"
	echo "podman run, default bridge network:             median ${b} ms (n=$pn)"
	echo "added by podman's bridge networking:            $(awk -v a="$b" -v b="$a" 'BEGIN {printf "%.2f", a - b}') ms"
	echo "podman containers left: $(podman_ ps -aq | wc -l)"
fi
