#!/usr/bin/env bash
# Run a real zone on a busybox image with zone-oci, show what it sees, clean up.
# usage: scripts/demo.sh PATH/TO/zone-oci    (needs root)
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 PATH/TO/zone-oci" >&2; exit 2; }
zone=$(realpath "$1")
work=$(mktemp -d /tmp/zone-demo.XXXXXX)
id=demo-$$
cleanup() {
	"$zone" --root "$work/state" delete --force "$id" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "== building a busybox bundle"
bundle=$work/bundle
mkdir -p "$bundle/rootfs"/{bin,proc,sys,dev,tmp,etc,root}
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || ln -s busybox "$bundle/rootfs/bin/$a"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$bundle/rootfs/etc/passwd"
echo 'root:x:0:' >"$bundle/rootfs/etc/group"
"$zone" spec --bundle "$bundle"
jq --arg id "$id" '.process.terminal = false | .hostname = "zone-demo"
	| .process.args = ["sh", "-c",
		"echo \"hostname: $(hostname)\"; echo \"id:       $(id)\"; echo \"mounts:   $(wc -l < /proc/self/mounts)\"; echo \"uname:    $(uname -a)\"; echo \"pid:      $$\"; exit 7"]
	| .linux.cgroupsPath = "/zone-demo/" + $id' "$bundle/config.json" >"$bundle/config.new"
mv "$bundle/config.new" "$bundle/config.json"

echo "== zone-oci run $id"
rc=0
"$zone" --root "$work/state" run --bundle "$bundle" "$id" </dev/null || rc=$?
echo "== the zone exited with status $rc (the demo asks for 7)"
# Only our own demo cgroups, if the runtime created any.
for d in $(find /sys/fs/cgroup/*/zone-demo /sys/fs/cgroup/zone-demo -depth -type d -name "$id" 2>/dev/null); do
	rmdir "$d" 2>/dev/null || true
done
[ "$rc" -eq 7 ]
