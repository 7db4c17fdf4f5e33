#!/usr/bin/env bash
# Minimal app runtimes: the python3 runtime that images/examples/python3.zbuild describes,
# its size (the unpacked layer's disk use and the layer blob) against a Debian bookworm
# rootfs made by `debootstrap --variant=minbase`, and the time to build it (median of
# BENCH_N builds, default 5, each into a fresh store so no layer is reused).
# usage: bench/images.sh PATH/TO/zone        (needs root; the first run debootstraps, a few
# minutes, into BENCH_CACHE, default /var/tmp/zone-bench, kept for later runs)
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 PATH/TO/zone" >&2; exit 2; }
zone=$(realpath "$1")
n=${BENCH_N:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${BENCH_CACHE:-/var/tmp/zone-bench}
mirror=${BENCH_MIRROR:-http://deb.debian.org/debian}
minbase=$cache/minbase-bookworm

if [ ! -d "$minbase" ]; then
	echo "bench: debootstrap --variant=minbase bookworm into $minbase (once)"
	mkdir -p "$cache"
	rm -rf "$minbase.tmp"
	debootstrap --variant=minbase bookworm "$minbase.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1
	mv "$minbase.tmp" "$minbase"
fi

work=$(mktemp -d /var/tmp/zone-bench-images.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The example names python3.11's directory; follow the host's python.
py=$(readlink -f /usr/bin/python3)
sed "s|/usr/lib/python3\.11|/usr/lib/${py##*/}|g" "$top/images/examples/python3.zbuild" >"$work/python3.zbuild"

ms=()
for i in $(seq "$n"); do
	start=$(date +%s%N)
	"$zone" --data-root "$work/data-$i" image build -f "$work/python3.zbuild" >"$work/out" 2>/dev/null
	end=$(date +%s%N)
	ms+=($(((end - start) / 1000000)))
	[ "$i" -eq 1 ] || rm -rf "$work/data-$i"
done
median=$(printf '%s\n' "${ms[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')

data=$work/data-1/images
rec=$(ls "$data/records")
manifest=$data/blobs/sha256/$(jq -r '.manifest' "$data/records/$rec" | cut -d: -f2)
config=$data/blobs/sha256/$(jq -r '.config.digest' "$manifest" | cut -d: -f2)
blob_bytes=$(jq -r '.layers[0].size' "$manifest")
layer=$data/layers/$(jq -r '.rootfs.diff_ids[0]' "$config" | cut -d: -f2)

# The runtime still does its job (the test's check, here in a chroot).
out=$(chroot "$layer" /usr/bin/python3 -c 'import json; print(json.dumps([1]))')
[ "$out" = "[1]" ] || { echo "bench: the runtime does not pass the json check: $out" >&2; exit 1; }

layer_kib=$(du -sk "$layer" | cut -f1)
minbase_kib=$(du -sk "$minbase" | cut -f1)
files=$(find "$layer" -type f | wc -l)
minbase_files=$(find "$minbase" -type f | wc -l)
echo "bench: python3 runtime (${py##*/}) from images/examples/python3.zbuild, $n builds"
printf '%-34s %10s %8s %10s\n' "" "KiB (du)" "files" "vs minbase"
printf '%-34s %10d %8d %9.1f%%\n' "python3 runtime, unpacked layer" "$layer_kib" "$files" \
	"$(echo "100 * $layer_kib / $minbase_kib" | bc -l)"
printf '%-34s %10d %8s %9.1f%%\n' "python3 runtime, layer blob (tar)" "$((blob_bytes / 1024))" "" \
	"$(echo "100 * $blob_bytes / 1024 / $minbase_kib" | bc -l)"
printf '%-34s %10d %8d %9.1f%%\n' "debootstrap minbase bookworm" "$minbase_kib" "$minbase_files" 100
echo "build time: median $median ms (each: ${ms[*]} ms)"
