#!/usr/bin/env bash
# Run fuzz targets: first replay every saved regression input, then fuzz for SECONDS from the
# seed corpus. One summary line per target; exits non-zero when any target found a problem.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]   (default: every BUILD_DIR/fuzz/fuzz_*)
# The working corpus grows in BUILD_DIR/fuzz/corpus/TARGET, so later runs start where the last
# one stopped; crashing inputs land in BUILD_DIR/fuzz/artifacts/TARGET/.
set -uo pipefail

if [ $# -lt 2 ]; then
	echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
	exit 2
fi
build=$1
seconds=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for b in "$build"/fuzz/fuzz_*; do
		[ -x "$b" ] && [ -f "$b" ] && targets+=("${b##*/}")
	done
fi
if [ ${#targets[@]} -eq 0 ]; then
	echo "== fuzz: no fuzz targets in $build/fuzz (make BUILD=$build fuzz-build)" >&2
	exit 1
fi

# Abort on the first UBSan finding, with a stack, so libFuzzer keeps the input. Leaks in
# libraries outside the project are listed (with their reason) in lsan.supp.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/fuzz/lsan.supp:print_suppressions=0}

failed=0
for name in "${targets[@]}"; do
	bin=$build/fuzz/$name
	seeds=tests/fuzz/corpus/${name#fuzz_}
	regressions=tests/fuzz/regressions/$name
	work=$build/fuzz/corpus/$name
	artifacts=$build/fuzz/artifacts/$name
	log=$build/fuzz/$name.log
	if [ ! -x "$bin" ]; then
		echo "== fuzz: $name: not built ($bin)"
		failed=1
		continue
	fi
	mkdir -p "$work" "$artifacts"

	shopt -s nullglob
	saved=("$regressions"/*)
	shopt -u nullglob
	if [ ${#saved[@]} -gt 0 ]; then
		if ! "$bin" -runs=1 "${saved[@]}" >"$log" 2>&1; then
			echo "== fuzz: $name: a saved regression input fails again:"
			grep -E 'Running:|ERROR|check failed|SUMMARY' "$log" | tail -20
			failed=1
			continue
		fi
		echo "== fuzz: $name: ${#saved[@]} regression input(s) replayed"
	fi

	opts=(-max_total_time="$seconds" -timeout=10 -print_final_stats=1
		-artifact_prefix="$artifacts/")
	[ -f tests/fuzz/spec.dict ] && opts+=(-dict=tests/fuzz/spec.dict)
	dirs=("$work")
	[ -d "$seeds" ] && dirs+=("$seeds")
	"$bin" "${opts[@]}" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(printf '%s\n' "$last" | grep -oE 'cov: [0-9]+ ft: [0-9]+')
	if [ "$rc" -ne 0 ]; then
		echo "== fuzz: $name: FAILED (status $rc) after ${runs:-?} runs; input saved in $artifacts/:"
		grep -E 'ERROR|check failed|SUMMARY|^    #[0-9]' "$log" | head -30
		echo "== fuzz: $name: full log in $log"
		failed=1
		continue
	fi
	echo "== fuzz: $name: ok, ${runs:-?} runs in ${seconds}s (${speed:-?}/s), ${cov:-no coverage line}"
done
exit "$failed"
