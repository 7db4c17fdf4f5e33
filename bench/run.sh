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

# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
bench_enter_ns "$@"
bench_setup
bench_config '.'

echo "bench: $n iterations of 'run /bin/true', alternating zone-oci, crun, runc"
echo "note: every runtime makes the zone's cgroup (crun with its cgroupfs manager, in a v1-only view)"
for i in $(seq "$n"); do
	for rt in "${runtimes[@]}"; do
		bench_measure plain "$rt" "$work/state-$rt" "b-$rt-$$-$i"
	done
done
bench_table plain "run of /bin/true"
[ "$failures" -eq 0 ] || echo "bench: $failures runs failed (left out of the table)"
