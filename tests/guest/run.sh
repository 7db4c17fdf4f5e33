#!/usr/bin/env bash
# Runs the pure cgroup v2 tests (tests/guest/v2.sh) inside a QEMU TCG guest whose kernel boots
# with cgroup_no_v1=all, so every controller is on cgroup2 as on a pure v2 host.
# Usage: tests/guest/run.sh BUILD_DIR
# Uses the static BUILD_DIR/zone-oci; the kernel (Debian's linux-image-cloud-amd64, fetched
# once with apt-get download, never installed) and the initramfs live in BUILD_DIR/guest/.
# Prints the guest's TAP lines and exits non-zero when a test failed or the guest did not
# report. GUEST_TIMEOUT (seconds, default 180) bounds the whole boot.
# Other kernels and tests (tests/kernel/run.sh) use the same guest: GUEST_KERNEL (a bzImage
# with everything built in, instead of Debian's), GUEST_TESTS and GUEST_BUNDLES (instead of
# v2.sh and bundles.sh), GUEST_BIN (more static programs, in the guest and its zones), GUEST_APPEND
# (more kernel parameters), GUEST_SMP (vCPUs, default 2) and GUEST_DIR (instead of BUILD_DIR/guest).
set -uo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
build=$(realpath "$1") || exit 2
zone_oci=$build/zone-oci
guest=${GUEST_DIR:-$build/guest}
tests=${GUEST_TESTS:-$here/v2.sh}
bundles=${GUEST_BUNDLES:-$here/bundles.sh}
timeout=${GUEST_TIMEOUT:-180}
end_marker=ZONE-GUEST-END-7f3a9c

die() {
	echo "guest: $*" >&2
	exit 1
}

# The guest has no shared libraries: both programs must be static (no ELF interpreter).
static() {
	readelf -l "$1" >/dev/null 2>&1 && ! readelf -l "$1" | grep -q 'program interpreter'
}
[ -x "$zone_oci" ] || die "$zone_oci: not built (make BUILD=$1)"
static "$zone_oci" || die "$zone_oci: must be statically linked to run in the guest"
busybox=/bin/busybox
static "$busybox" || die "$busybox: must be the static busybox (Debian's busybox-static)"
for tool in qemu-system-x86_64 jq gzip readelf dpkg-deb apt-get; do
	command -v "$tool" >/dev/null || die "$tool: not installed"
done
mkdir -p "$guest" || exit 1

# --- the kernel: Debian's cloud kernel, extracted from its package, cached in BUILD_DIR/guest ---
kernel=$guest/kernel/vmlinuz
kmods=$guest/kernel/modules
fetch_kernel() {
	local pkg deb
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1)
	if [ -z "$pkg" ]; then
		apt-get update >/dev/null 2>&1 || die "apt-get update failed"
		pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1)
	fi
	[ -n "$pkg" ] || die "no linux-image-cloud-amd64 kernel package known to apt"
	rm -rf "$guest/kernel.tmp" && mkdir -p "$guest/kernel.tmp" || return 1
	(cd "$guest/kernel.tmp" && apt-get download -o APT::Sandbox::User=root "$pkg" >/dev/null) ||
		die "apt-get download $pkg failed"
	deb=$(echo "$guest"/kernel.tmp/*.deb)
	dpkg-deb -x "$deb" "$guest/kernel.tmp/x" || die "dpkg-deb -x $deb failed"
	mkdir -p "$guest/kernel.tmp/out/modules" || return 1
	cp "$guest"/kernel.tmp/x/boot/vmlinuz-* "$guest/kernel.tmp/out/vmlinuz" || die "no vmlinuz in $deb"
	# loop gives the guest a block device for the io.max rules; it is a module there.
	find "$guest/kernel.tmp/x/lib/modules" -name 'loop.ko*' -exec cp {} "$guest/kernel.tmp/out/modules/" \;
	rm -rf "$guest/kernel" && mv "$guest/kernel.tmp/out" "$guest/kernel" && rm -rf "$guest/kernel.tmp"
}
if [ -n "${GUEST_KERNEL:-}" ]; then
	kernel=$GUEST_KERNEL
	kmods=
	[ -f "$kernel" ] || die "GUEST_KERNEL $kernel: no such file"
else
	[ -f "$kernel" ] || fetch_kernel || die "fetching the kernel failed"
fi

# --- the initramfs: busybox, zone-oci, a busybox zone rootfs, one bundle per test, the scripts ---
root=$guest/initramfs
rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,run,tmp,newroot,bundles,lib/modules} || exit 1
cp "$busybox" "$root/bin/busybox" || exit 1
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
ln -s bin "$root/sbin"
cp "$zone_oci" "$root/bin/zone-oci" || exit 1
cp "$here/init" "$root/init" && chmod 755 "$root/init" || exit 1
cp "$tests" "$root/tests.sh" || exit 1
cp "$here/lib.sh" "$root/lib.sh" || exit 1
[ -z "$kmods" ] || cp "$kmods"/* "$root/lib/modules/" 2>/dev/null

zr=$root/zone-rootfs
mkdir -p "$zr"/{bin,etc,proc,sys,dev,tmp,root,run} || exit 1
chmod 1777 "$zr/tmp"
ln "$root/bin/busybox" "$zr/bin/busybox" || exit 1
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$zr/bin/$applet"
done
ln -s bin "$zr/sbin"
echo 'root:x:0:0:root:/root:/bin/sh' >"$zr/etc/passwd"
echo 'root:x:0:' >"$zr/etc/group"
# More static programs, for the guest and its zones alike.
for bin in ${GUEST_BIN:-}; do
	static "$bin" || die "$bin: must be statically linked to run in the guest"
	cp "$bin" "$root/bin/" && cp "$bin" "$zr/bin/" || exit 1
done

# bundle NAME [JQ_ARGS...] JQ_FILTER: /bundles/NAME/config.json in the guest, from zone-oci's
# own spec with the settings every guest test shares, then JQ_FILTER.
base_config=$guest/base.json
spec_dir=$(mktemp -d) || exit 1
"$zone_oci" spec --bundle "$spec_dir" || die "zone-oci spec failed"
jq '.process.terminal = false
	| .process.args = ["/bin/true"]
	| .root = {"path": "/zone-rootfs", "readonly": false}' "$spec_dir/config.json" >"$base_config" ||
	die "editing the base config.json failed"
rm -rf "$spec_dir"
bundle() {
	local name=$1
	shift
	local filter=${!#}
	mkdir -p "$root/bundles/$name" || exit 1
	jq "${@:1:$#-1}" --arg cg "/zone-test/$name/z" ".linux.cgroupsPath = \$cg | $filter" "$base_config" \
		>"$root/bundles/$name/config.json" || die "bundle $name: jq failed"
}
# shellcheck source=tests/guest/bundles.sh
. "$bundles"

initrd=$guest/initramfs.cpio.gz
(cd "$root" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1) >"$initrd" ||
	die "building $initrd failed"

# --- boot ---
# The host's TSC frequency on the command line avoids a calibration hang under TCG on microvm.
khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
# ACPI stays on: with acpi=off the guest's serial port gets no interrupt, so nothing user space
# writes to the console comes out (the kernel's own messages do, they poll).
# tsc=reliable: under TCG on a loaded host the clocksource watchdog can judge the TSC unstable
# and leave microvm (no HPET) without a usable clock mid-run.
cmdline="console=ttyS0 quiet loglevel=0 cgroup_no_v1=all reboot=t panic=-1 tsc=reliable"
[ -n "$khz" ] && [ "$khz" -gt 0 ] && cmdline="$cmdline tsc_early_khz=$khz"
console=$guest/console.log
: >"$console"
start=$(date +%s%N)
[ -z "${GUEST_APPEND:-}" ] || cmdline="$cmdline $GUEST_APPEND"
qemu-system-x86_64 -accel tcg -M microvm -smp "${GUEST_SMP:-2}" -m 512M \
	-nodefaults -no-user-config -display none -no-reboot \
	-serial "file:$console" \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	</dev/null >"$guest/qemu.log" 2>&1 &
qemu=$!
timed_out=0
waited=0
while kill -0 "$qemu" 2>/dev/null; do
	if [ "$waited" -ge $((timeout * 10)) ]; then
		timed_out=1
		kill -KILL "$qemu" 2>/dev/null
		break
	fi
	sleep 0.1
	waited=$((waited + 1))
done
wait "$qemu"
qemu_rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
elapsed=$((ms / 1000)).$(printf %03d $((ms % 1000)))

tr -d '\r' <"$console" | sed -n '/^\(not \)\{0,1\}ok [0-9]/p; /^#/p; /^1\.\.[0-9]/p'
echo "# guest: boot and tests took ${elapsed}s under TCG (console log: $console)"

fail=0
if [ "$timed_out" = 1 ]; then
	echo "# guest: no end after ${timeout}s; QEMU killed" >&2
	fail=1
elif ! tr -d '\r' <"$console" | grep -qx "$end_marker"; then
	echo "# guest: ended (QEMU status $qemu_rc) without reporting; the console's last lines:" >&2
	tr -d '\r' <"$console" | tail -n 20 | sed 's/^/#   /' >&2
	sed 's/^/#   qemu: /' "$guest/qemu.log" >&2
	fail=1
fi
results=$(tr -d '\r' <"$console" | grep -cE '^(not )?ok [0-9]+ ')
plan=$(tr -d '\r' <"$console" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p' | tail -n 1)
if [ "$fail" = 0 ] && [ "${plan:-0}" != "$results" ]; then
	# The tests stopped part-way (their plan comes last).
	echo "# guest: $results results for a plan of ${plan:-none}" >&2
	fail=1
fi
[ "$results" -gt 0 ] || fail=1
tr -d '\r' <"$console" | grep -q '^not ok [0-9]' && fail=1
exit "$fail"
