#!/bin/sh
# Fetches the guest kernel of vm and emulated zones: Debian's linux-image-amd64 (it has the
# 9p modules the zone's root needs; the cloud kernel has none), downloaded with apt-get and
# extracted with dpkg-deb, never installed. Writes OUT/vmlinuz and OUT/modules/ with the
# modules the agent loads, and OUT/modules/order, their load order (dependencies first).
# Usage: runtime/vm/fetch-kernel.sh OUT
set -eu
out=$1
# virtio-mmio devices (microvm), the agent's virtio-serial port, 9p over virtio, and
# virtio-net (which needs failover and net_failover) for the zone's network.
modules="virtio_ring virtio virtio_mmio virtio_console netfs fscache 9pnet 9pnet_virtio 9p
failover net_failover virtio_net"

pkg_of() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1
}
pkg=$(pkg_of)
if [ -z "$pkg" ]; then
	apt-get update >/dev/null 2>&1 || true
	pkg=$(pkg_of)
fi
[ -n "$pkg" ] || { echo "fetch-kernel: no linux-image-amd64 kernel package known to apt" >&2; exit 1; }

tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp/x" "$tmp/out/modules"
(cd "$tmp" && apt-get download -o APT::Sandbox::User=root "$pkg" >/dev/null)
dpkg-deb -x "$tmp"/*.deb "$tmp/x"
cp "$tmp"/x/boot/vmlinuz-* "$tmp/out/vmlinuz"
: >"$tmp/out/modules/order"
for m in $modules; do
	f=$(find "$tmp/x/lib/modules" -name "$m.ko" | head -n 1)
	[ -n "$f" ] || { echo "fetch-kernel: $pkg has no module $m" >&2; exit 1; }
	cp "$f" "$tmp/out/modules/"
	echo "$m.ko" >>"$tmp/out/modules/order"
done
echo "$pkg" >"$tmp/out/package"
rm -rf "$out"
mv "$tmp/out" "$out"
rm -rf "$tmp"
