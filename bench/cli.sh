#!/usr/bin/env bash
# The zone CLI against podman on the same busybox image: `run --rm ... true` with no network
# and with each one's default bridge network, a detached start (`run -d`) and its removal
# (`rm -f`), `zone ls` against `podman ps` with 10 running, and the resident memory of the
# per-zone monitor against conmon's. podman runs with crun, and with runc when installed.
# Medians and p90 of BENCH_N runs (default 20), the order rotating from one iteration to the
# next; each run after lib.sh's pause (BENCH_GAP_MS).
#
# Everything runs inside a network namespace the script makes (the zone network's bridge,
# podman's bridge and firewall rules live and die there) and a private mount namespace (as
# run.sh: crun 1.8 refuses the hybrid cgroup layout); podman has its own store under the
# work directory; every zone's and container's cgroup is under /zone-bench/cli-PID. All of it
# goes at the end, and the script says what, if anything, was left.
#
# usage: bench/cli.sh [BUILD]     (BUILD defaults to build; needs root, zone and podman)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build=$top/$build ;; esac
zone=$build/zone
n=${BENCH_N:-20}
harness=$build/bench/runbench
[ -x "$zone" ] && [ -x "$build/zone-monitor" ] && [ -x "$build/zone-net-hook" ] ||
	{ echo "bench: no $zone, zone-monitor or zone-net-hook (make BUILD=$build all)" >&2; exit 2; }
command -v podman >/dev/null || { echo "bench: podman is not installed" >&2; exit 2; }

# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
bench_enter_ns "$@"

work=$(mktemp -d /tmp/zone-bench-cli.XXXXXX)
ns=zb-cli-$$
cgtop=/zone-bench/cli-$$
export ZONE_CGROUP_PARENT=$cgtop/zone ZONE_NET_ROOT=$work/net
Z=(nsenter --net=/run/netns/"$ns" "$zone" --root "$work/state" --data-root "$work/data")
P=(nsenter --net=/run/netns/"$ns" podman --root "$work/storage" --runroot "$work/runroot"
	--storage-driver vfs --cgroup-manager=cgroupfs --events-backend=file --tmpdir "$work/ptmp")
# As tests/integration/podman.bats: the rlimits podman would otherwise ask for.
popts=(--cgroup-parent "$cgtop/podman" --ulimit nofile=4096:4096 --ulimit nproc=1024:1024)
img=localhost/zb-cli-busybox

cleanup() {
	local d z
	set +e
	for z in $(ls "$work/data/zones" 2>/dev/null); do
		"${Z[@]}" rm --force "$z" >/dev/null 2>&1
	done
	if [ -n "${podman_ready:-}" ]; then
		"${P[@]}" rm -af -t 0 >/dev/null 2>&1
		"${P[@]}" rmi -af >/dev/null 2>&1
	fi
	for d in $(awk -v t="$work/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r); do
		umount -l "$d"
	done
	ip netns del "$ns" 2>/dev/null
	for d in $(find /sys/fs/cgroup/*/zone-bench/"cli-$$" -depth -type d 2>/dev/null); do
		rmdir "$d" 2>/dev/null
	done
	# With the cgroup2 mount gone from this namespace, /sys/fs/cgroup/unified is a directory of
	# the tmpfs beneath it, where podman's runtime still makes a libpod-ID directory with a
	# cgroup.procs file per container: plain files, removed as such.
	if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = tmpfs ]; then
		rm -rf /sys/fs/cgroup/unified/zone-bench/"cli-$$"
	fi
	# The shared parent, when no other run of a bench uses it.
	rmdir /sys/fs/cgroup/*/zone-bench 2>/dev/null
	rm -rf "$work"
	if [ -n "${report:-}" ]; then
		echo "after cleanup: namespace $([ -e "/run/netns/$ns" ] && echo left || echo gone)," \
			"work directory $([ -e "$work" ] && echo left || echo gone)," \
			"cgroups $(find /sys/fs/cgroup/*/zone-bench/"cli-$$" -type d 2>/dev/null | wc -l)," \
			"processes $(ours "" | wc -l)"
	fi
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
mkdir -p "$work/ptmp"

# The image: zone's default, from the host's busybox (as scripts/demo.sh), and its one layer,
# the same rootfs, imported into podman's store.
links=()
for a in $(/bin/busybox --list); do
	[ "$a" = busybox ] || links+=(--symlink "/bin/$a:busybox")
done
"${Z[@]}" image build busybox --from-host /bin/busybox "${links[@]}" --cmd sh >/dev/null
"${Z[@]}" image export busybox --format oci-dir -o "$work/oci" --quiet >/dev/null
layer=$(jq -r '.manifests[0].digest' "$work/oci/index.json")
layer=$(jq -r '.layers[0].digest' "$work/oci/blobs/${layer/://}")
podman_ready=1
"${P[@]}" import --quiet "$work/oci/blobs/${layer/://}" "$img" >/dev/null

runtimes=(zone crun)
command -v runc >/dev/null && runtimes+=(runc)
failures=0

# lib.sh's bench_measure times "$harness" $(bench_cmd RUNTIME STATE ID); here RUNTIME is zone
# or podman's runtime, STATE the operation ($op) and ID the zone's or container's name.
bench_cmd() {
	local rt=$1 op=$2 id=$3 net=()
	case "$op" in
	none) net=(--network none) ;& # then as bridge, with --network none
	bridge)
		if [ "$rt" = zone ]; then
			echo "${Z[@]}" run --rm --name "$id" "${net[@]}" busybox true
		else
			echo "${P[@]}" --runtime "$rt" run --rm --name "$id" "${net[@]}" "${popts[@]}" \
				"$img" true
		fi
		;;
	rund)
		if [ "$rt" = zone ]; then
			echo "${Z[@]}" run -d --name "$id" --network none busybox sleep 1000
		else
			echo "${P[@]}" --runtime "$rt" run -d --name "$id" --network none "${popts[@]}" \
				"$img" sleep 1000
		fi
		;;
	# podman rm -f waits the stop timeout (10 s) for a pid 1 that ignores SIGTERM: -t 0
	# kills at once, as zone rm --force does.
	rmf) if [ "$rt" = zone ]; then echo "${Z[@]}" rm --force "$id"; else echo "${P[@]}" rm -f -t 0 "$id"; fi ;;
	ls) if [ "$rt" = zone ]; then echo "${Z[@]}" ls; else echo "${P[@]}" ps; fi ;;
	esac
}
bench_del() { # after a failed run: remove the zone or container, if any
	if [ "$1" = zone ]; then
		"${Z[@]}" rm --force "$3"
	else
		"${P[@]}" rm -f -t 0 "$3"
	fi >/dev/null 2>&1 || true
}
label() { case "$1" in zone) echo zone ;; *) echo "podman+$1" ;; esac; }

# cli_table PHASE TITLE RUNTIME...: runs, median and p90 ms, the CLI process's median peak
# RSS, and zone's median over each row's.
cli_table() {
	local phase=$1 title=$2 rt f runs med zmed
	shift 2
	zmed=$(bench_pct "$work/$phase-zone.dat" 1 50)
	printf '\n%s\n%-12s %5s %10s %10s %15s %10s\n' "$title" "" runs "median ms" "p90 ms" \
		"CLI peak KiB" "zone / it"
	for rt in "$@"; do
		f=$work/$phase-$rt.dat
		runs=$(lines "$f")
		med=$(bench_pct "$f" 1 50)
		printf '%-12s %5s %10s %10s %15s %10s\n' "$(label "$rt")" "$runs" "$med" \
			"$(bench_pct "$f" 1 90)" "$(bench_pct "$f" 2 50)" "$(bench_ratio "$zmed" "$med")"
	done
}

echo "bench: $n iterations each, alternating zone and podman (the order rotating): ${runtimes[*]}"
echo "zone $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'), $(podman --version), $(crun --version | head -1)$(command -v runc >/dev/null && echo ", $(runc --version | head -1)")"

# 1, 2: run --rm of true, without a network, then on each one's default bridge.
for phase in none bridge; do
	for i in $(seq "$n"); do
		for rt in $(bench_order "$i"); do
			bench_measure "$phase" "$rt" "$phase" "zb-$phase-$rt-$i"
		done
	done
done

lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
# 3: a detached start, then its removal, each timed; the pair's sum as a third figure.
for i in $(seq "$n"); do
	for rt in $(bench_order "$i"); do
		id=zb-d-$rt-$i
		before=$(lines "$work/rund-$rt.dat")
		bench_measure rund "$rt" rund "$id"
		[ "$(lines "$work/rund-$rt.dat")" -gt "$before" ] || continue
		before=$(lines "$work/rmf-$rt.dat")
		bench_measure rmf "$rt" rmf "$id"
		[ "$(lines "$work/rmf-$rt.dat")" -gt "$before" ] || continue
		paste -d' ' <(tail -1 "$work/rund-$rt.dat") <(tail -1 "$work/rmf-$rt.dat") |
			awk '{ printf "%.3f %d\n", $1 + $3, ($2 > $4 ? $2 : $4) }' >>"$work/both-$rt.dat"
	done
done

# 4: zone ls against podman ps, with 10 zones and 10 containers (crun) running.
for i in $(seq 10); do
	"${Z[@]}" run -d --name "zb-ls-$i" --network none busybox sleep 1000 </dev/null >/dev/null
	"${P[@]}" --runtime crun run -d --name "zb-ls-$i" --network none "${popts[@]}" "$img" \
		sleep 1000 </dev/null >/dev/null
done
saved=("${runtimes[@]}")
runtimes=(zone crun)
for i in $(seq "$n"); do
	for rt in $(bench_order "$i"); do
		bench_measure ls "$rt" ls "-"
	done
done
runtimes=("${saved[@]}")
running_z=$("${Z[@]}" ls | tail -n +2 | wc -l)
running_p=$("${P[@]}" ps -q | wc -l)
for i in $(seq 10); do
	"${Z[@]}" rm --force "zb-ls-$i" >/dev/null
	"${P[@]}" rm -f -t 0 "zb-ls-$i" >/dev/null
done

# 5: the memory a running zone's monitor holds against conmon's, one detached zone or
# container at a time, read a second after its start (VmHWM: peak resident set; VmRSS: now).
mem() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
for i in $(seq $((n < 5 ? n : 5))); do
	"${Z[@]}" run -d --name zb-mem --network none busybox sleep 1000 </dev/null >/dev/null
	"${P[@]}" --runtime crun run -d --name zb-mem --network none "${popts[@]}" "$img" \
		sleep 1000 </dev/null >/dev/null
	sleep 1
	mp=$(cat "$work/data/zones/zb-mem/monitor.pid")
	cp_=$("${P[@]}" inspect --format '{{.State.ConmonPid}}' zb-mem)
	echo "$(mem "$mp" VmHWM) $(mem "$mp" VmRSS) $(tr '\0' ' ' <"/proc/$mp/cmdline" | cut -d' ' -f1)" >>"$work/mem-zone.dat"
	echo "$(mem "$cp_" VmHWM) $(mem "$cp_" VmRSS) $(tr '\0' ' ' <"/proc/$cp_/cmdline" | cut -d' ' -f1)" >>"$work/mem-conmon.dat"
	"${Z[@]}" rm --force zb-mem >/dev/null
	"${P[@]}" rm -f -t 0 zb-mem >/dev/null
done

cli_table none "1. run --rm --network none IMAGE true" "${runtimes[@]}"
cli_table bridge "2. run --rm IMAGE true, the default bridge network" "${runtimes[@]}"
cli_table rund "3a. run -d --network none IMAGE sleep 1000 (returns once started)" "${runtimes[@]}"
cli_table rmf "3b. rm --force of that zone / rm -f -t 0 of that container" "${runtimes[@]}"
cli_table both "3. run -d + rm -f, the pair" "${runtimes[@]}"
cli_table ls "4. zone ls / podman ps, $running_z zones / $running_p containers running" zone crun
echo
echo "5. resident memory of the per-zone monitor against conmon's, one detached zone/container ($(wc -l <"$work/mem-zone.dat") samples, medians)"
printf '%-36s %10s %10s\n' "" "VmHWM KiB" "VmRSS KiB"
zh=$(bench_pct "$work/mem-zone.dat" 1 50)
ch=$(bench_pct "$work/mem-conmon.dat" 1 50)
printf '%-36s %10s %10s\n' "zone monitor ($(awk '{ print $3 }' "$work/mem-zone.dat" | sort -u | xargs -n1 basename | paste -sd,))" \
	"$zh" "$(bench_pct "$work/mem-zone.dat" 2 50)"
printf '%-36s %10s %10s\n' "conmon" "$ch" "$(bench_pct "$work/mem-conmon.dat" 2 50)"
echo "zone monitor / conmon (VmHWM): $(bench_ratio "$zh" "$ch")"
[ "$failures" -eq 0 ] || echo "bench: $failures runs failed (left out of the tables)"

# ours WORD: live processes whose command line has WORD and names the work directory or that
# hold a file under it open (a monitor's zone directory); zombies are not (pid 1 here does not
# reap orphans).
ours() {
	local p c
	for p in /proc/[0-9]*; do
		c=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
		[[ "$c" == *"$1"* ]] || continue
		[[ "$c" == *"$work"* ]] || [ -n "$(find "$p/fd" -lname "$work/*" 2>/dev/null | head -1)" ] ||
			continue
		[ "$(awk '{ print $3 }' "$p/stat" 2>/dev/null)" = Z ] || echo "${p#/proc/}"
	done
}

# What the zones and containers left once all were removed (the trap then removes the rest):
# podman's cgroupfs manager leaves its containers' and conmon's cgroups behind.
sleep 0.5
echo
echo "left by zone: zones $(ls "$work/data/zones" 2>/dev/null | wc -l)," \
	"processes $(ours zone-monitor | wc -l)," \
	"veths $(nsenter --net=/run/netns/"$ns" ip -o link show type veth | wc -l)," \
	"cgroups $(find /sys/fs/cgroup/*/zone-bench/"cli-$$"/zone -mindepth 1 -type d 2>/dev/null | wc -l)"
echo "left by podman: containers $("${P[@]}" ps -aq | wc -l), processes $(ours conmon | wc -l)," \
	"cgroups $(find /sys/fs/cgroup/*/zone-bench/"cli-$$"/podman -mindepth 1 -type d 2>/dev/null | wc -l)"
report=1
