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

bench_cmd() { # bench_cmd RUNTIME STATE ID
	case "$1" in
	zone-oci) echo "$zone" --root "$2" run --bundle "$bundle" "$3" ;;
	crun) echo crun --root "$2" --cgroup-manager=cgroupfs run --bundle "$bundle" "$3" ;;
	runc) echo runc --root "$2" run --bundle "$bundle" "$3" ;;
	esac
}

bench_del() { # bench_del RUNTIME STATE ID: `run` removes the container; this catches a failure.
	case "$1" in
	zone-oci) "$zone" --root "$2" delete --force "$3" ;;
	crun) crun --root "$2" delete --force "$3" ;;
	runc) runc --root "$2" delete --force "$3" ;;
	esac >/dev/null 2>&1 || true
}

# bench_measure PHASE RUNTIME STATE ID: one timed run, appended to $work/PHASE-RUNTIME.dat.
bench_measure() {
	local res st
	# shellcheck disable=SC2046
	res=$("$harness" $(bench_cmd "$2" "$3" "$4") 2>&1 >/dev/null | tail -1)
	bench_del "$2" "$3" "$4"
	st=$(sed -n 's/.*status=\([0-9]*\).*/\1/p' <<<"$res")
	if [ "$st" != 0 ]; then
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

# bench_table PHASE TITLE: medians, p90 and peak RSS per runtime, and the ratio to crun.
bench_table() {
	local phase=$1 rt f runs med p90 rss ratio crun_med
	crun_med=$(bench_pct "$work/$phase-crun.dat" 1 50)
	printf '\n%s\n%-10s %6s %10s %10s %16s %12s\n' "$2" runtime runs "median ms" "p90 ms" \
		"median RSS KiB" "vs crun"
	for rt in "${runtimes[@]}"; do
		f=$work/$phase-$rt.dat
		runs=$([ -f "$f" ] && wc -l <"$f" || echo 0)
		med=$(bench_pct "$f" 1 50)
		p90=$(bench_pct "$f" 1 90)
		rss=$(bench_pct "$f" 2 50)
		ratio=$(awk -v a="$med" -v b="$crun_med" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "-"; else printf "%.2fx", a / b }')
		printf '%-10s %6s %10s %10s %16s %12s\n' "$rt" "$runs" "$med" "$p90" "$rss" "$ratio"
	done
}
