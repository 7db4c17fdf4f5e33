#!/usr/bin/env bash
# The kernel tests (make kernel-check; not part of make check, it builds a kernel): builds the
# zone kernel with the zone-aware /proc series on top (kernel-patches/host/) into
# BUILD_DIR/kernel-check/kernel, boots it under QEMU TCG with 4 vCPUs and runs tests.sh there,
# in light zones made by the static BUILD_DIR/zone-oci (the guest of tests/guest/run.sh).
# Prints the guest's TAP lines; exits non-zero when the build or a test failed.
# Usage: tests/kernel/run.sh BUILD_DIR
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(realpath "$1")
out=$build/kernel-check
mkdir -p "$out"

echo "# kernel-check: building the kernel in $out/kernel.build (minutes the first time)"
start=$(date +%s)
"$repo/kernel-patches/build.sh" \
	--config "$repo/kernel-patches/guest/zone-guest.config" \
	--config "$repo/kernel-patches/host/zone-host.config" \
	--patches "$repo/kernel-patches/host" "$out/kernel"
echo "# kernel-check: kernel ready after $(($(date +%s) - start)) s: $(stat -c %s "$out/kernel/bzImage") bytes"

gcc -static -O2 -Wall -Wextra -Werror -o "$out/probe" "$here/probe.c"

GUEST_KERNEL=$out/kernel/bzImage GUEST_TESTS=$here/tests.sh GUEST_BUNDLES=$here/bundles.sh \
	GUEST_BIN=$out/probe GUEST_SMP=4 GUEST_DIR=$out/guest \
	exec "$repo/tests/guest/run.sh" "$build"
