#!/usr/bin/env bash
# Run latency with a real seccomp profile: zone-oci vs crun vs runc, `run` of /bin/true with
# podman's default profile (/usr/share/containers/seccomp.json, converted to the OCI form).
# Two phases: "first" runs each start from an empty state root (zone-oci has no filter cache
# yet and compiles), "cached" runs share one state root (zone-oci loads the cached BPF).
# usage: bench/seccomp.sh PATH/TO/zone-oci   (BENCH_N iterations per phase, default 30; root)
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 PATH/TO/zone-oci" >&2; exit 2; }
zone=$(realpath "$1")
n=${BENCH_N:-30}
profile=${SECCOMP_PROFILE:-/usr/share/containers/seccomp.json}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(dirname "$zone")
[ "${build##*/}" = asan ] && build=$(dirname "$build") # BUILD/asan/zone-oci
harness=$build/bench/runbench

[ -r "$profile" ] || { echo "bench: no profile at $profile (podman's containers-common)" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
bench_enter_ns "$@"
bench_setup

# moby's profile format to linux.seccomp for an amd64 host with the bundle's bounding
# capabilities: an entry counts when its includes (arches, caps) all hold and none of its
# excludes does; minKernel is ignored (this kernel is newer than any the profile names).
# "amd64" is moby's name for x86_64; archMap gives the arches the filter covers.
to_oci='
	def has_arch($a): ($a // []) | index(["amd64"]) != null;
	def all_caps($want; $have): ($want // []) | all(. as $c | $have | index([$c]) != null);
	def any_cap($want; $have): ($want // []) | any(. as $c | $have | index([$c]) != null);
	{
		defaultAction: .defaultAction,
		defaultErrnoRet: (.defaultErrnoRet // 1),
		architectures: ([.archMap[] | select(.architecture == "SCMP_ARCH_X86_64")
			| .architecture, .subArchitectures[]]),
		syscalls: [.syscalls[]
			| select((.includes.arches // []) == [] or has_arch(.includes.arches))
			| select(has_arch(.excludes.arches) | not)
			| select(all_caps(.includes.caps; $caps))
			| select(any_cap(.excludes.caps; $caps) | not)
			| {names, action}
			  + (if .errnoRet then {errnoRet} else {} end)
			  + (if (.args // []) != [] then {args: [.args[] | {index, value, valueTwo, op}]}
			     else {} end)]
	}'
caps=$(jq -c '.process.capabilities.bounding // []' "$bundle/config.json")
jq --argjson caps "$caps" "$to_oci" "$profile" >"$work/seccomp.json"
bench_config '.linux.seccomp = $sc[0]' --slurpfile sc "$work/seccomp.json"
echo "bench: profile $profile: $(jq '.syscalls | map(.names | length) | add' "$work/seccomp.json") syscall names in $(jq '.syscalls | length' "$work/seccomp.json") rules, arches $(jq -r '.architectures | join(",")' "$work/seccomp.json")"

echo "bench: $n iterations per phase of 'run /bin/true', alternating zone-oci, crun, runc"
echo "note: every runtime makes the zone's cgroup (crun with its cgroupfs manager, in a v1-only view)"
for i in $(seq "$n"); do
	for rt in "${runtimes[@]}"; do
		# first: a state root nobody has used, so no cache of any kind
		rm -rf "$work/first-$rt"
		bench_measure first "$rt" "$work/first-$rt" "f-$rt-$$-$i"
	done
done
for rt in "${runtimes[@]}"; do # warm the shared roots once, outside the measurement
	# shellcheck disable=SC2046
	$(bench_cmd "$rt" "$work/cached-$rt" "w-$rt-$$") >/dev/null 2>&1 || true
	bench_del "$rt" "$work/cached-$rt" "w-$rt-$$"
done
for i in $(seq "$n"); do
	for rt in "${runtimes[@]}"; do
		bench_measure cached "$rt" "$work/cached-$rt" "c-$rt-$$-$i"
	done
done

bench_table first "first runs (empty state root: zone-oci compiles the filter)"
bench_table cached "cached runs (zone-oci loads the cached BPF)"
[ "$failures" -eq 0 ] || echo "bench: $failures runs failed (left out of the tables)"
