#!/usr/bin/env bash
# Install the build, test, demo and bench dependencies (Debian/Ubuntu, apt).
# Idempotent: quiet and quick when everything is already installed.
# --kernel: also what building a kernel needs (make guest-kernel, make kernel-check).
set -euo pipefail

pkgs=(
	build-essential pkg-config
	libseccomp-dev libcap-dev libnl-3-dev libnl-route-3-dev libcgroup-dev libyajl-dev nettle-dev
	libcmocka-dev libarchive-dev libelf-dev libnftables-dev
	clang libclang-rt-14-dev
	bats bats-support bats-assert
	busybox-static jq python3 time
	crun runc podman hyperfine strace iproute2 util-linux
	qemu-system-x86 lxcfs
	skopeo debootstrap
)
if [ "${1:-}" = --kernel ]; then
	pkgs+=(linux-source-6.1 flex bison bc lz4 perl libelf-dev libssl-dev)
elif [ $# -gt 0 ]; then
	echo "usage: $0 [--kernel]" >&2
	exit 2
fi

missing=()
for p in "${pkgs[@]}"; do
	# Not a pipe into grep -q: with pipefail, dpkg's SIGPIPE when grep stops early would
	# count an installed package as missing.
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
else
	sudo=
fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	"${missing[@]}" >/dev/null
