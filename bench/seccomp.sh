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

# crun 1.8 refuses a hybrid cgroup layout: every runtime runs in one private mount namespace
# without the cgroup2 mount, as in bench/run.sh.
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

bundle=$work/bundle
mkdir -p "$bundle/rootfs"/{bin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for a in sh true; do ln -s busybox "$bundle/rootfs/bin/$a"; done
runc spec --bundle "$bundle"

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
jq --arg cg "$cg" --slurpfile sc "$work/seccomp.json" '.process.terminal = false
	| .process.args = ["/bin/true"] | .linux.cgroupsPath = $cg | .linux.seccomp = $sc[0]' \
	"$bundle/config.json" >"$bundle/config.new"
mv "$bundle/config.new" "$bundle/config.json"
echo "bench: profile $profile: $(jq '.syscalls | map(.names | length) | add' "$work/seccomp.json") syscall names in $(jq '.syscalls | length' "$work/seccomp.json") rules, arches $(jq -r '.architectures | join(",")' "$work/seccomp.json")"

runtimes=(zone-oci crun runc)
cmd() { # cmd RUNTIME STATE ID
	case "$1" in
	zone-oci) echo "$zone" --root "$2" run --bundle "$bundle" "$3" ;;
	crun) echo crun --root "$2" --cgroup-manager=disabled run --bundle "$bundle" "$3" ;;
	runc) echo runc --root "$2" run --bundle "$bundle" "$3" ;;
	esac
}
del() { # del RUNTIME STATE ID: `run` removes the container on exit; this catches a failure.
	case "$1" in
	zone-oci) "$zone" --root "$2" delete --force "$3" ;;
	crun) crun --root "$2" delete --force "$3" ;;
	runc) runc --root "$2" delete --force "$3" ;;
	esac >/dev/null 2>&1 || true
}

failures=0
measure() { # measure PHASE RUNTIME STATE ID
	local res st
	# shellcheck disable=SC2046
	res=$("$harness" $(cmd "$2" "$3" "$4") 2>&1 >/dev/null | tail -1)
	del "$2" "$3" "$4"
	st=$(sed -n 's/.*status=\([0-9]*\).*/\1/p' <<<"$res")
	if [ "$st" != 0 ]; then
		failures=$((failures + 1))
		[ "$failures" -le 3 ] && echo "bench: $2 ($1) run failed: $res" >&2
		return 0
	fi
	sed -n 's/^ms=\([0-9.]*\) rss_kib=\([0-9]*\).*/\1 \2/p' <<<"$res" >>"$work/$1-$2.dat"
}

echo "bench: $n iterations per phase of 'run /bin/true', alternating zone-oci, crun, runc"
echo "note: crun runs with --cgroup-manager=disabled, as in bench/run.sh"
for i in $(seq "$n"); do
	for rt in "${runtimes[@]}"; do
		# first: a state root nobody has used, so no cache of any kind
		rm -rf "$work/first-$rt"
		measure first "$rt" "$work/first-$rt" "f-$rt-$$-$i"
	done
done
for rt in "${runtimes[@]}"; do # warm the shared roots once, outside the measurement
	# shellcheck disable=SC2046
	$(cmd "$rt" "$work/cached-$rt" "w-$rt-$$") >/dev/null 2>&1 || true
	del "$rt" "$work/cached-$rt" "w-$rt-$$"
done
for i in $(seq "$n"); do
	for rt in "${runtimes[@]}"; do
		measure cached "$rt" "$work/cached-$rt" "c-$rt-$$-$i"
	done
done

pct() { # pct FILE COLUMN PERCENTILE
	[ -s "$1" ] || { echo nan; return; }
	cut -d' ' -f"$2" "$1" | sort -n | awk -v p="$3" '{ v[NR] = $1 }
		END { i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; print v[i] }'
}
for phase in first cached; do
	crun_med=$(pct "$work/$phase-crun.dat" 1 50)
	printf '\n%s runs\n%-10s %6s %10s %10s %16s %12s\n' "$phase" runtime runs "median ms" \
		"p90 ms" "median RSS KiB" "vs crun"
	for rt in "${runtimes[@]}"; do
		f=$work/$phase-$rt.dat
		runs=$([ -f "$f" ] && wc -l <"$f" || echo 0)
		med=$(pct "$f" 1 50)
		p90=$(pct "$f" 1 90)
		rss=$(pct "$f" 2 50)
		ratio=$(awk -v a="$med" -v b="$crun_med" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "-"; else printf "%.2fx", a / b }')
		printf '%-10s %6s %10s %10s %16s %12s\n' "$rt" "$runs" "$med" "$p90" "$rss" "$ratio"
	done
done
[ "$failures" -eq 0 ] || echo "bench: $failures runs failed (left out of the tables)"
