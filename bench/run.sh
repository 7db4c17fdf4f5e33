#!/usr/bin/env bash
# Run latency and peak RSS: zone-oci vs crun vs runc, `run` of /bin/true in a busybox bundle.
# usage: bench/run.sh PATH/TO/zone-oci     (BENCH_N iterations, default 50; needs root)
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 PATH/TO/zone-oci" >&2; exit 2; }
zone=$(realpath "$1")
n=${BENCH_N:-50}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(dirname "$zone")
harness=$build/bench/runbench

# crun 1.8 refuses a hybrid cgroup layout (v1 controllers plus cgroup2 at
# /sys/fs/cgroup/unified). All three runtimes run in one private mount namespace without the
# cgroup2 mount, so they see the same layout.
if [ -z "${BENCH_IN_NS:-}" ]; then
	make -s -C "$top" BUILD="$build" "$harness" >/dev/null
	exec unshare -m --propagation private env BENCH_IN_NS=1 "$0" "$@"
fi
if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
	umount /sys/fs/cgroup/unified
fi

work=$(mktemp -d /tmp/zone-bench.XXXXXX)
cg=/zone-test/bench-$$
cleanup() {
	local d
	for d in $(find /sys/fs/cgroup/*/zone-test/"bench-$$" -depth -type d 2>/dev/null); do
		rmdir "$d" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# One bundle and one config.json for all three runtimes.
bundle=$work/bundle
mkdir -p "$bundle/rootfs"/{bin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for a in sh true; do ln -s busybox "$bundle/rootfs/bin/$a"; done
runc spec --bundle "$bundle"
jq --arg cg "$cg" '.process.terminal = false | .process.args = ["/bin/true"]
	| .linux.cgroupsPath = $cg' "$bundle/config.json" >"$bundle/config.new"
mv "$bundle/config.new" "$bundle/config.json"

runtimes=(zone-oci crun runc)
cmd() { # cmd RUNTIME ID
	case "$1" in
	zone-oci) echo "$zone" --root "$work/state-zone" run --bundle "$bundle" "$2" ;;
	crun) echo crun --root "$work/state-crun" --cgroup-manager=disabled run --bundle "$bundle" "$2" ;;
	runc) echo runc --root "$work/state-runc" run --bundle "$bundle" "$2" ;;
	esac
}
del() { # del RUNTIME ID: `run` removes the container on exit; this catches a failed run.
	case "$1" in
	zone-oci) "$zone" --root "$work/state-zone" delete --force "$2" ;;
	crun) crun --root "$work/state-crun" delete --force "$2" ;;
	runc) runc --root "$work/state-runc" delete --force "$2" ;;
	esac >/dev/null 2>&1 || true
}

echo "bench: $n iterations of 'run /bin/true', alternating zone-oci, crun, runc"
echo "note: crun runs with --cgroup-manager=disabled because zone-oci does not manage cgroups yet"
failures=0
for i in $(seq "$n"); do
	for rt in "${runtimes[@]}"; do
		id=b-$rt-$$-$i
		# shellcheck disable=SC2046
		res=$("$harness" $(cmd "$rt" "$id") 2>&1 >/dev/null | tail -1)
		del "$rt" "$id"
		st=$(sed -n 's/.*status=\([0-9]*\).*/\1/p' <<<"$res")
		if [ "$st" != 0 ]; then
			failures=$((failures + 1))
			[ "$failures" -le 3 ] && echo "bench: $rt run failed: $res" >&2
			continue
		fi
		sed -n 's/^ms=\([0-9.]*\) rss_kib=\([0-9]*\).*/\1 \2/p' <<<"$res" >>"$work/$rt.dat"
	done
done

pct() { # pct FILE COLUMN PERCENTILE
	[ -s "$1" ] || { echo nan; return; }
	cut -d' ' -f"$2" "$1" | sort -n | awk -v p="$3" '{ v[NR] = $1 }
		END { i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; print v[i] }'
}
crun_med=$(pct "$work/crun.dat" 1 50)
printf '\n%-10s %6s %10s %10s %16s %12s\n' runtime runs "median ms" "p90 ms" "median RSS KiB" "vs crun"
for rt in "${runtimes[@]}"; do
	f=$work/$rt.dat
	runs=$( [ -f "$f" ] && wc -l <"$f" || echo 0)
	med=$(pct "$f" 1 50)
	p90=$(pct "$f" 1 90)
	rss=$(pct "$f" 2 50)
	ratio=$(awk -v a="$med" -v b="$crun_med" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "-"; else printf "%.2fx", a / b }')
	printf '%-10s %6s %10s %10s %16s %12s\n' "$rt" "$runs" "$med" "$p90" "$rss" "$ratio"
done
[ "$failures" -eq 0 ] || echo "bench: $failures runs failed (left out of the table)"
