#!/bin/sh
# Builds a kernel from Debian's linux-source-6.1: `make tinyconfig`, then each config fragment
# on top, in order, after every *.patch of each patch directory applied in name order. Writes
# OUT/bzImage and OUT/config; OUT is replaced only after a build succeeded, so a failed build
# leaves a working kernel where it was. The source tree and its objects stay in OUT.build for
# the next (incremental) build.
# Reproducible: the build's timestamp, user, host and version are fixed.
# Usage: kernel-patches/build.sh [--config FRAGMENT]... [--patches DIR]... OUT
#        (JOBS=2 and nice 19 by default)
#   the zone kernel:  --config kernel-patches/guest/zone-guest.config OUT
#   the host /proc series on top: add --config kernel-patches/host/zone-host.config
#                                     --patches kernel-patches/host
set -eu
tarball=/usr/src/linux-source-6.1.tar.xz
jobs=${JOBS:-2}

die() {
	echo "kernel-build: $*" >&2
	exit 1
}

configs=
patchdirs=
while [ $# -gt 1 ]; do
	case $1 in
	--config)
		[ -f "$2" ] || die "--config $2: no such file"
		configs="$configs $(realpath "$2")"
		;;
	--patches)
		[ -d "$2" ] || die "--patches $2: no such directory"
		patchdirs="$patchdirs $(realpath "$2")"
		;;
	*) die "unknown option $1 (usage: build.sh [--config FRAGMENT]... [--patches DIR]... OUT)" ;;
	esac
	shift 2
done
[ $# -eq 1 ] || die "usage: build.sh [--config FRAGMENT]... [--patches DIR]... OUT"
[ -n "$configs" ] || die "no --config fragment given"
out=$1

if [ ! -f "$tarball" ]; then
	echo "kernel-build: $tarball missing, installing linux-source-6.1" >&2
	apt-get install -y linux-source-6.1 >/dev/null 2>&1 ||
		{ apt-get update >/dev/null 2>&1 && apt-get install -y linux-source-6.1 >/dev/null 2>&1; } ||
		die "cannot install linux-source-6.1 with apt-get (it provides $tarball)"
	[ -f "$tarball" ] || die "linux-source-6.1 is installed but $tarball is not there"
fi
for tool in gcc make flex bison bc lz4 perl; do
	command -v $tool >/dev/null 2>&1 || die "$tool is needed to build a kernel (scripts/install-deps.sh --kernel)"
done

work=$out.build
src=$work/linux-source-6.1
# The tree is extracted again when the tarball or the patches change.
patches=
for d in $patchdirs; do
	for p in "$d"/*.patch; do
		[ -f "$p" ] && patches="$patches $p"
	done
done
stamp=$(
	stat -c '%s %Y' "$tarball"
	# shellcheck disable=SC2086
	[ -z "$patches" ] || cat $patches | sha256sum
)
if [ ! -f "$work/stamp" ] || [ "$(cat "$work/stamp")" != "$stamp" ]; then
	rm -rf "$work"
	mkdir -p "$work"
	tar -C "$work" -xf "$tarball" || die "cannot extract $tarball"
	[ -d "$src" ] || die "$tarball has no linux-source-6.1/ directory"
	for p in $patches; do
		patch -d "$src" -p1 --forward --batch <"$p" >/dev/null || die "patch $p does not apply"
	done
	echo "$stamp" >"$work/stamp"
fi

export KBUILD_BUILD_TIMESTAMP='1970-01-01 00:00:00 UTC' KBUILD_BUILD_USER=zone \
	KBUILD_BUILD_HOST=zone KBUILD_BUILD_VERSION=1 LOCALVERSION= ARCH=x86_64
kmake() {
	nice -n 19 make -C "$src" -s -j"$jobs" "$@"
}
# Kconfig's notes on overridden choices are expected: kept in a log, shown when a step fails.
{
	kmake tinyconfig &&
		# shellcheck disable=SC2086
		"$src"/scripts/kconfig/merge_config.sh -m -O "$src" "$src/.config" $configs &&
		kmake olddefconfig
} >"$work/config.log" 2>&1 || { cat "$work/config.log" >&2; die "making the config failed"; }
# Kconfig silently drops what a dependency forbids: every line of the fragments must hold.
# shellcheck disable=SC2086
missing=$(cat $configs | grep -E '^(CONFIG_[A-Z0-9_]+=|# CONFIG_[A-Z0-9_]+ is not set)' |
	while read -r line; do
		case $line in
		"# "*) opt=${line#\# } opt=${opt%% *}
		       ! grep -q "^$opt=" "$src/.config" || echo "$opt (set)" ;;
		*) grep -qx "$line" "$src/.config" || echo "$line" ;;
		esac
	done)
[ -z "$missing" ] || die "the config does not hold:" "$missing"
kmake bzImage >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; die "the kernel build failed (log: $work/build.log)"; }

tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
cp "$src/arch/x86/boot/bzImage" "$tmp/bzImage"
cp "$src/.config" "$tmp/config"
rm -rf "$out"
mv "$tmp" "$out"
