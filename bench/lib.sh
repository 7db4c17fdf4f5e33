# Shared by the bench scripts: sourced after they set zone, n, top, build and harness.
# Every runtime runs in one private mount namespace without the cgroup2 mount: crun 1.8
# refuses this host's hybrid layout otherwise, and all three must see the same layout.
bench_enter_ns() {
	if [ -z "${BENCH_IN_NS:-}" ]; then
		make -s -C "$top" BUILD="$build" "$harness" >/dev/null
		exec unshare -m --propagation private env BENCH_IN_NS=1 "$0" "$@"
	fi
	if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
		umount /sys/fs/cgroup/unified
	fi
}

# A work directory, removed on exit with this run's cgroups, and one busybox bundle whose
# config.json (runc's default spec) all three runtimes share.
bench_setup() {
	work=$(mktemp -d /tmp/zone-bench.XXXXXX)
	cg=/zone-test/bench-$$
	trap bench_cleanup EXIT
	bundle=$work/bundle
	mkdir -p "$bundle/rootfs"/{bin,proc,sys,dev,tmp,etc}
	cp /bin/busybox "$bundle/rootfs/bin/busybox"
	for a in sh true; do ln -s busybox "$bundle/rootfs/bin/$a"; done
	runc spec --bundle "$bundle"
	runtimes=(zone-oci crun runc)
	failures=0
}

bench_cleanup() {
	local d
	for d in $(find /sys/fs/cgroup/*/zone-test/"bench-$$" -depth -type d 2>/dev/null); do
		rmdir "$d" 2>/dev/null || true
	done
	# With cgroup2 unmounted in this namespace, what a runtime made at its place is plain
	# files and directories of the tmpfs beneath it (hidden from the host by its mount).
	if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = tmpfs ]; then
		rm -rf /sys/fs/cgroup/unified/zone-test/"bench-$$"
	fi
	rm -rf "$work"
}

# bench_config JQ_FILTER [jq args...]: the shared config.json, with /bin/true and our cgroup.
bench_config() {
	local filter=$1
	shift
	jq --arg cg "$cg" "$@" '.process.terminal = false | .process.args = ["/bin/true"]
		| .linux.cgroupsPath = $cg | '"$filter" "$bundle/config.json" >"$bundle/config.new"
	mv "$bundle/config.new" "$bundle/config.json"
}

# bench_order I: the runtimes for iteration I, rotated by I, so each runs first, second and
# third equally often and drift in the machine's load hits all alike.
bench_order() {
	local k=${#runtimes[@]} j
	for ((j = 0; j < k; j++)); do
		echo "${runtimes[$(((j + $1) % k))]}"
	done
}

bench_cmd() { # bench_cmd RUNTIME STATE ID
	case "$1" in
	zone-oci) echo "$zone" --root "$2" run --bundle "$bundle" "$3" ;;
	crun) echo crun --root "$2" --cgroup-manager=cgroupfs run --bundle "$bundle" "$3" ;;
	runc) echo runc --root "$2" run --bundle "$bundle" "$3" ;;
	esac
}

bench_del() { # bench_del RUNTIME STATE ID: `run` removes the container; this cleans up after a failure.
	case "$1" in
	zone-oci) "$zone" --root "$2" delete --force "$3" ;;
	crun) crun --root "$2" delete --force "$3" ;;
	runc) runc --root "$2" delete --force "$3" ;;
	esac >/dev/null 2>&1 || true
}

# bench_measure PHASE RUNTIME STATE ID: one timed run, appended to $work/PHASE-RUNTIME.dat.
# Each run starts after a pause (BENCH_GAP_MS, default 50): the first cgroup migration of a run
# waits for an RCU grace period (5-15 ms here) unless another migration happened a moment
# before, so back-to-back runs would time whichever runtime follows a quick one as cheaper.
bench_measure() {
	local res st
	sleep "$(awk -v ms="${BENCH_GAP_MS:-50}" 'BEGIN { printf "%.3f", ms / 1000 }')"
	# shellcheck disable=SC2046
	res=$("$harness" $(bench_cmd "$2" "$3" "$4") 2>&1 >/dev/null | tail -1)
	st=$(sed -n 's/.*status=\([0-9]*\).*/\1/p' <<<"$res")
	if [ "$st" != 0 ]; then
		bench_del "$2" "$3" "$4"
		failures=$((failures + 1))
		[ "$failures" -le 3 ] && echo "bench: $2 ($1) run failed: $res" >&2
		return 0
	fi
	sed -n 's/^ms=\([0-9.]*\) rss_kib=\([0-9]*\).*/\1 \2/p' <<<"$res" >>"$work/$1-$2.dat"
}

bench_pct() { # bench_pct FILE COLUMN PERCENTILE
	[ -s "$1" ] || { echo nan; return; }
	cut -d' ' -f"$2" "$1" | sort -n | awk -v p="$3" '{ v[NR] = $1 }
		END { i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; print v[i] }'
}

# bench_table PHASE TITLE: medians, p90 and peak RSS per runtime, and the ratios of the
# medians to crun's and runc's.
bench_table() {
	local phase=$1 rt f runs med p90 rss crun_med runc_med
	crun_med=$(bench_pct "$work/$phase-crun.dat" 1 50)
	runc_med=$(bench_pct "$work/$phase-runc.dat" 1 50)
	printf '\n%s\n%-10s %6s %10s %10s %16s %9s %9s\n' "$2" runtime runs "median ms" "p90 ms" \
		"median RSS KiB" "vs crun" "vs runc"
	for rt in "${runtimes[@]}"; do
		f=$work/$phase-$rt.dat
		runs=$([ -f "$f" ] && wc -l <"$f" || echo 0)
		med=$(bench_pct "$f" 1 50)
		p90=$(bench_pct "$f" 1 90)
		rss=$(bench_pct "$f" 2 50)
		printf '%-10s %6s %10s %10s %16s %9s %9s\n' "$rt" "$runs" "$med" "$p90" "$rss" \
			"$(bench_ratio "$med" "$crun_med")" "$(bench_ratio "$med" "$runc_med")"
	done
}

bench_ratio() { # bench_ratio A B: A / B as "0.93x", or "-" when either is missing
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "-"; else printf "%.2fx", a / b }'
}
