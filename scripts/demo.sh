#!/usr/bin/env bash
# The default image from the host's busybox (no network), then a light zone and an emulated
# zone on it, a shell command run in a running zone and its live numbers; everything it made
# goes at the end (image store, bundles, zones, cgroups), so it can run again.
# usage: scripts/demo.sh BUILD_DIR    (needs root; BUILD_DIR holds zone, zone-oci, vm/)
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(realpath "$1")
zone=$build/zone
oci=$build/zone-oci
work=$(mktemp -d /tmp/zone-demo.XXXXXX)
state=$work/state
ids=()
bundles=()
z() { "$zone" --root "$state" --data-root "$work/data" "$@"; }
cleanup() {
	local id b d
	for id in "${ids[@]}"; do
		"$oci" --root "$state" delete --force "$id" >/dev/null 2>&1 || true
	done
	for b in "${bundles[@]}"; do
		z image unbundle "$b" >/dev/null 2>&1 || true
	done
	# Only the demo's own cgroups.
	for d in $(find /sys/fs/cgroup/*/zone-demo /sys/fs/cgroup/zone-demo -depth -type d \
		-name "demo-$$*" 2>/dev/null); do
		rmdir "$d" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# bundle NAME [ARGS...]: $b, a bundle of the busybox image (an overlay on its layers), with a
# cgroup under /zone-demo and the command ARGS.
bundle() {
	local name=$1 dir=$work/$1
	b=$dir
	shift
	z image bundle busybox "$dir" -- "$@" >/dev/null
	bundles+=("$dir")
	jq --arg cg "/zone-demo/demo-$$-$name" '.hostname = "zone-demo" | .linux.cgroupsPath = $cg' \
		"$dir/config.json" >"$dir/config.new"
	mv "$dir/config.new" "$dir/config.json"
}

show='echo "hostname: $(hostname)"; echo "kernel:   $(uname -r)"; echo "pid:      $$";
echo "mounts:   $(wc -l </proc/self/mounts)"; exit 7'

echo "== zone image build busybox --from-host /bin/busybox (the default image, from the host)"
links=()
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || links+=(--symlink "/bin/$a:busybox")
done
z image build busybox --from-host /bin/busybox "${links[@]}" --cmd sh >/dev/null
z image ls

echo
echo "== a light zone: namespaces and cgroups on the host's kernel (host: $(uname -r))"
bundle light sh -c "$show"
ids+=("demo-$$-light")
rc=0
"$oci" --root "$state" run --bundle "$b" "demo-$$-light" </dev/null || rc=$?
echo "== it exited with status $rc (it asked for 7)"
[ "$rc" -eq 7 ]

echo
echo "== zone exec and zone stats on a running light zone"
bundle sleeper sleep 60
ids+=("demo-$$-sleeper")
"$oci" --root "$state" run --detach --bundle "$b" "demo-$$-sleeper" </dev/null >/dev/null 2>&1
z exec "demo-$$-sleeper" ps -o pid,comm
z stats --no-stream "demo-$$-sleeper"

echo
if [ -f "$build/vm/vmlinuz" ] && command -v qemu-system-x86_64 >/dev/null; then
	echo "== an emulated zone: the same image and command in a QEMU (TCG) virtual machine"
	bundle emulated sh -c "$show"
	ids+=("demo-$$-emulated")
	rc=0
	"$oci" --root "$state" run --type emulated --bundle "$b" "demo-$$-emulated" </dev/null || rc=$?
	echo "== it exited with status $rc (it asked for 7)"
	[ "$rc" -eq 7 ]
else
	echo "== no emulated zone: no guest kernel in $build/vm (make vm) or no qemu-system-x86_64"
fi
