#!/usr/bin/env bash
# Run every unit test binary, the integration suite and a short run of each fuzz target
# (FUZZ_CHECK_SECONDS, default 30; each target counts as one test), then print one summary line:
#   N passed, M failed[, K skipped]
# Usage: tests/run-all.sh [--unit-only|--integration-only|--fuzz-only] BUILD_DIR
# ZONE_OCI may be set to test another runtime binary (e.g. ZONE_OCI=runc); by default the
# ASan+UBSan build BUILD_DIR/asan/zone-oci is used.
set -uo pipefail

usage() {
	echo "usage: $0 [--unit-only|--integration-only|--fuzz-only] BUILD_DIR" >&2
	exit 2
}

run_unit=1
run_integration=1
run_fuzz=1
case "${1:-}" in
--unit-only) run_integration=0; run_fuzz=0; shift ;;
--integration-only) run_unit=0; run_fuzz=0; shift ;;
--fuzz-only) run_unit=0; run_integration=0; shift ;;
-*) usage ;;
esac
[ $# -eq 1 ] || usage
build=$1
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

passed=0
failed=0
skipped=0

# count_tap LABEL CMD...: runs CMD (TAP on its output, shown as it comes) and adds its passed,
# failed and skipped tests; a CMD that fails without a failed test counts as one failure.
count_tap() {
	local label=$1 tap rc s p f
	shift
	tap=$(mktemp)
	"$@" </dev/null 2>&1 | tee "$tap"
	rc=${PIPESTATUS[0]}
	s=$(grep -ciE '^ok [0-9]+ .*# skip' "$tap")
	p=$(grep -E '^ok [0-9]+ ' "$tap" | grep -civE '# skip')
	f=$(grep -cE '^not ok [0-9]+ ' "$tap")
	rm -f "$tap"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "== $label: $* exited with status $rc without reporting a failed test"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

if [ "$run_unit" = 1 ]; then
	shopt -s nullglob
	for t in "$build"/unit/test_*; do
		[ -x "$t" ] && [ -f "$t" ] || continue
		echo "== unit: ${t##*/}"
		out=$("$t" 2>&1)
		rc=$?
		printf '%s\n' "$out"
		p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\..*/\1/p' | tail -1)
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:.*/\1/p' | tail -1)
		p=${p:-0}
		f=${f:-0}
		# A binary that crashed (sanitizer report, signal) before its summary still failed.
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "== unit: ${t##*/} exited with status $rc without reporting a failed test"
			f=1
		fi
		passed=$((passed + p))
		failed=$((failed + f))
	done
	shopt -u nullglob
fi

if [ "$run_integration" = 1 ]; then
	ZONE_OCI=${ZONE_OCI:-$build/asan/zone-oci}
	# The console-socket receiver is a test helper built from the Makefile.
	make -s BUILD="$build" "$build/tests/recvtty" >/dev/null || echo "== recvtty helper did not build; terminal tests will skip"
	case "$ZONE_OCI" in
	*/*) ZONE_OCI=$(realpath "$ZONE_OCI") ;;
	esac
	export ZONE_OCI
	export RECVTTY=${RECVTTY:-$(realpath "$build/tests/recvtty" 2>/dev/null)}
	# The zone CLI (image store and more), for the tests of images/ and cli/zone/.
	export ZONE=${ZONE:-$(realpath "$build/asan/zone" 2>/dev/null)}
	# The network hook (hooks/net/), for the networking tests.
	export ZONE_NET_HOOK=${ZONE_NET_HOOK:-$(realpath "$build/asan/zone-net-hook" 2>/dev/null)}
	# Abort on the first UBSan finding too, so it fails the test that triggered it.
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	# Bound every test, so one hung zone cannot stall the whole suite.
	export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-180}
	if ! command -v "$ZONE_OCI" >/dev/null 2>&1; then
		echo "== integration: runtime $ZONE_OCI not found"
		failed=$((failed + 1))
	else
		echo "== integration: bats --tap tests/integration (ZONE_OCI=$ZONE_OCI)"
		count_tap integration bats --tap tests/integration
	fi
fi

if [ "$run_integration" = 1 ]; then
	# The pure cgroup v2 path, in a TCG guest booted with cgroup_no_v1=all (tests/guest).
	echo "== guest: tests/guest/run.sh $build"
	count_tap guest tests/guest/run.sh "$build"
fi

if [ "$run_fuzz" = 1 ]; then
	# Fuzz targets are built by `make fuzz-build` (clang with libFuzzer).
	shopt -s nullglob
	fuzz_bins=("$build"/fuzz/fuzz_*)
	shopt -u nullglob
	n_fuzz=0
	for b in "${fuzz_bins[@]}"; do
		[ -x "$b" ] && [ -f "$b" ] || continue
		n_fuzz=$((n_fuzz + 1))
		if tests/fuzz/run.sh "$build" "${FUZZ_CHECK_SECONDS:-30}" "${b##*/}"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done
	if [ "$n_fuzz" -eq 0 ]; then
		echo "== fuzz: no fuzz targets built in $build/fuzz (make BUILD=$build fuzz-build needs clang)"
		if [ "$run_unit" = 0 ] && [ "$run_integration" = 0 ]; then
			failed=$((failed + 1))
		else
			skipped=$((skipped + 1))
		fi
	fi
fi

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ] && [ $((passed + failed)) -gt 0 ]
