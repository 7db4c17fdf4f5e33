#!/usr/bin/env bats
# Commands beyond the lifecycle: spec, features, ps, state, kill --all, delete --force.

load helpers

@test "spec writes a valid default config.json" {
	mkdir "$TMP/fresh"
	run "$ZONE_OCI" spec --bundle "$TMP/fresh"
	assert_success
	jq -e '(.ociVersion | test("^1\\.")) and (.root.path == "rootfs") and (.process.args | length > 0)
		and (.linux.namespaces | map(.type) | index("mount") != null)' "$TMP/fresh/config.json"
}

@test "spec refuses to overwrite an existing config.json" {
	echo '{"keep":true}' >"$TMP/config.json"
	run --separate-stderr "$ZONE_OCI" spec --bundle "$TMP"
	assert_failure
	[ "$(jq -r .keep "$TMP/config.json")" = true ]
}

@test "features prints JSON with the supported OCI versions" {
	run --separate-stderr "$ZONE_OCI" features
	assert_success
	jq -e '(.ociVersionMin | test("^1\\.")) and (.ociVersionMax | test("^1\\."))' <<<"$output"
	jq -e '.namespaces | index("mount") != null' <<<"$output" ||
		jq -e '.linux.namespaces | index("mount") != null' <<<"$output"
}

@test "ps lists the zone's processes" {
	args sh -c 'sleep 1000 & exec sleep 1001'
	zrun run -d "$ID"
	assert_success
	pid=$(container_pid "$ID")
	wait_for test -n "$(pgrep -P "$pid")"
	child=$(pgrep -P "$pid")
	zrun ps "$ID"
	assert_success
	assert_line --index 0 --regexp '^UID +PID'
	assert_line --regexp "^[^ ]+ +$pid "
	assert_line --regexp "^[^ ]+ +$child "
	zrun ps --format json "$ID"
	assert_success
	jq -e --argjson p "$pid" --argjson c "$child" 'index($p) != null and index($c) != null' <<<"$output"
}

@test "state of an unknown id fails" {
	zrun state "zt-no-such-$U"
	assert_one_line_error
	assert_stderr_matches "zt-no-such-$U"
}

@test "kill --all signals every process of the zone" {
	# Without a pid namespace killing init alone would leave the other process running.
	cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
	args sh -c 'sleep 1000 & exec sleep 1001'
	zrun run -d "$ID"
	assert_success
	pid=$(container_pid "$ID")
	wait_for test -n "$(pgrep -P "$pid")"
	child=$(pgrep -P "$pid")
	zrun kill --all "$ID" KILL
	assert_success
	wait_for test ! -e "/proc/$child"
	wait_for status_is "$ID" stopped
}

@test "delete --force removes a running zone" {
	args sleep 1000
	zrun run -d "$ID"
	assert_success
	pid=$(container_pid "$ID")
	zrun delete --force "$ID"
	assert_success
	zrun state "$ID"
	assert_failure
	wait_for test ! -e "/proc/$pid"
	[ -z "$(ls -A "$STATE")" ]
}

@test "--log and --log-format json write JSON log lines" {
	zrun --log "$TMP/log.json" --log-format json state "zt-no-such-$U"
	assert_failure
	[ -s "$TMP/log.json" ]
	while read -r l; do
		jq -e . <<<"$l" >/dev/null || fail "not JSON: $l"
	done <"$TMP/log.json"
}

@test "delete --force of an id that does not exist succeeds, as in runc" {
	zrun delete --force "zt-none-$U"
	assert_success
	zrun delete "zt-none-$U"
	assert_one_line_error
	assert_stderr_matches "does not exist"
}

@test "delete --force clears a zone whose runtime was killed during create" {
	# A prestart hook holds create half-way; then the runtime is SIGKILLed. Its zone process
	# and its hook must die with it, and delete --force must remove what is left.
	cfg '.hooks.prestart = [{"path":"/bin/sleep","args":["sleep","30"]}]'
	echo "$ID" >>"$TMP/ids"
	"$ZONE_OCI" --root "$STATE" create "$ID" </dev/null >/dev/null 2>&1 &
	rt=$!
	register_pid "$rt"
	wait_for test -d "$STATE/$ID"
	wait_for test -n "$(pgrep -f -P "$rt" 'sleep 30')"
	kill -9 "$rt"
	wait "$rt" || true
	zrun delete --force "$ID"
	assert_success
	[ ! -e "$STATE/$ID" ]
	wait_for test -z "$(procs_in_tmp)"
}
