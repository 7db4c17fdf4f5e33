#!/usr/bin/env bash
# Run latency and peak RSS: zone-oci vs crun vs runc, `run` of /bin/true in a busybox bundle,
# in two configurations measured in the same loop: "plain" (the default spec: every runtime
# makes the zone's cgroup, no limits) and "limits" (memory, cpu quota/period and shares, and
# pids limits in config.json, which every runtime writes into the cgroup).
# usage: bench/run.sh PATH/TO/zone-oci     (BENCH_N iterations, default 50; needs root)
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 PATH/TO/zone-oci" >&2; exit 2; }
zone=$(realpath "$1")
n=${BENCH_N:-50}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(dirname "$zone")
[ "${build##*/}" = asan ] && build=$(dirname "$build") # BUILD/asan/zone-oci
harness=$build/bench/runbench

# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
bench_enter_ns "$@"
bench_setup
limits='{"memory":{"limit":268435456},"cpu":{"shares":512,"quota":50000,"period":100000},
	"pids":{"limit":64}}'
bench_config '.'
cp "$bundle/config.json" "$work/config-plain.json"
bench_config '.linux.resources = $r' --argjson r "$limits"
cp "$bundle/config.json" "$work/config-limits.json"

echo "bench: $n iterations of 'run /bin/true', alternating zone-oci, crun, runc (the order rotating), plain then with limits"
echo "note: every runtime makes the zone's cgroup (crun with its cgroupfs manager, in a v1-only view)"
echo "limits: linux.resources = $(jq -c . <<<"$limits")"
for i in $(seq "$n"); do
	for phase in plain limits; do
		cp "$work/config-$phase.json" "$bundle/config.json"
		for rt in $(bench_order "$i"); do
			bench_measure "$phase" "$rt" "$work/state-$rt" "b-$phase-$rt-$$-$i"
		done
	done
done
bench_table plain "run of /bin/true (cgroup, no limits)"
bench_table limits "run of /bin/true with memory, cpu and pids limits"
[ "$failures" -eq 0 ] || echo "bench: $failures runs failed (left out of the tables)"
