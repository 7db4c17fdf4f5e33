#!/usr/bin/env bats
# zone image build: minimal app runtimes from host programs, recorded in the store, run in a
# light zone from a bundle made of the image's one layer.

load helpers

setup() {
	zone_setup
	: "${ZONE:=$REPO_DIR/build/asan/zone}"
	DATA=$TMP/data
	PY=$(readlink -f /usr/bin/python3)
	PYLIB=/usr/lib/${PY##*/}
}

zone() {
	timeout --foreground -k 5 300 "$ZONE" --data-root "$DATA" "$@"
}

# The store's documented layout: records/<name>.json -> manifest -> config -> diff id ->
# layers/<hex>.
blob() { echo "$DATA/images/blobs/sha256/${1#sha256:}"; }
manifest_of() { # manifest_of NAME (a full reference, "localhost/x:latest")
	local rec="$DATA/images/records/${1//\//%}.json"
	blob "$(jq -r .manifest "$rec")"
}
config_of() { blob "$(jq -r .config.digest "$(manifest_of "$1")")"; }
layer_of() {
	local diff
	diff=$(jq -r '.rootfs.diff_ids[0]' "$(config_of "$1")")
	echo "$DATA/images/layers/${diff#sha256:}"
}

# bundle_from NAME CMD...: the image's layer copied to the bundle's rootfs, CMD as args.
bundle_from() {
	local name=$1
	shift
	rm -rf "$ROOTFS"
	cp -a "$(layer_of "$name")" "$ROOTFS"
	args "$@"
}

records() { ls "$DATA/images/records" 2>/dev/null | wc -l; }

@test "images-build: a python3 runtime from the host runs json in a light zone" {
	[ -x /usr/bin/python3 ] && [ -d "$PYLIB" ] || skip "no /usr/bin/python3 with $PYLIB"
	run -0 --separate-stderr zone image build localhost/py --from-host /usr/bin/python3 --add "$PYLIB" \
		--exclude '*/__pycache__' --exclude "$PYLIB/config-*" --exclude "$PYLIB/test" \
		--exclude "$PYLIB/lib-dynload" --env PYTHONDONTWRITEBYTECODE=1 --label app=py
	assert_output --regexp '^localhost/py:latest sha256:[0-9a-f]{64}$'
	[ "$(records)" -eq 1 ]
	local cfg
	cfg=$(config_of localhost/py:latest)
	[ "$(jq -c .config.Entrypoint "$cfg")" = '["/usr/bin/python3"]' ]
	jq -e '.config.Env | index("PYTHONDONTWRITEBYTECODE=1") != null' "$cfg"
	jq -e '.config.Env | map(startswith("PATH=")) | any' "$cfg"
	[ "$(jq -r .config.Labels.app "$cfg")" = py ]
	[ "$(jq -r .architecture "$cfg")" = amd64 ]

	local layer
	layer=$(layer_of localhost/py:latest)
	# Only what python needs: its loader and libc are there, other host programs are not.
	[ -f "$layer/usr/bin/${PY##*/}" ]
	[ -L "$layer/usr/bin/python3" ]
	[ -e "$layer/lib64/ld-linux-x86-64.so.2" ] || [ -L "$layer/lib64" ]
	[ -f "$layer/usr/lib/x86_64-linux-gnu/libc.so.6" ]
	[ ! -e "$layer/usr/bin/perl" ] && [ ! -e "$layer/usr/bin/bash" ] && [ ! -e "$layer/bin/sh" ]
	[ ! -e "$layer$PYLIB/lib-dynload" ] && [ ! -e "$layer$PYLIB/json/__pycache__" ]
	[ "$(stat -c %a "$layer/tmp")" = 1777 ]
	grep -q '^root:x:0:0:' "$layer/etc/passwd"
	grep -q '^nobody:' "$layer/etc/passwd"
	[ "$(find "$layer" ! -user 0 | wc -l)" -eq 0 ]

	bundle_from localhost/py:latest /usr/bin/python3 -c 'import json; print(json.dumps([1]))'
	zrun run "$ID"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	[ "$output" = "[1]" ]
}

@test "images-build: a busybox runtime from its build file runs a shell script" {
	[ -x /bin/busybox ] || skip "no /bin/busybox"
	run -0 --separate-stderr zone image build -f "$REPO_DIR/images/examples/busybox.zbuild"
	assert_output --regexp '^localhost/busybox-runtime:latest sha256:'
	local layer
	layer=$(layer_of localhost/busybox-runtime:latest)
	# A static program: the closure is the program alone.
	[ -z "$(find "$layer" -name 'libc.so*' -o -name 'ld-linux*')" ]
	[ "$(readlink "$layer/usr/bin/sh" || readlink "$layer/bin/sh")" = busybox ]
	[ "$(jq -c .config.Entrypoint "$(config_of localhost/busybox-runtime:latest)")" = '["/bin/sh"]' ]

	cat >"$TMP/script.sh" <<-'SH'
		n=0
		for w in one two three; do n=$((n + 1)); done
		echo "words=$n user=$(id -u) tmp=$(stat -c %a /tmp)"
	SH
	bundle_from localhost/busybox-runtime:latest /bin/sh /script.sh
	cp "$TMP/script.sh" "$ROOTFS/script.sh"
	zrun run "$ID"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	[ "$output" = "words=3 user=0 tmp=1777" ]
}

@test "images-build: flags override the build file, the cmd after --" {
	[ -x /bin/busybox ] || skip "no /bin/busybox"
	run -0 --separate-stderr zone image build localhost/bb2 -f "$REPO_DIR/images/examples/busybox.zbuild" \
		--entrypoint '/bin/busybox sh' --workdir /tmp --user 65534 --env HOME=/ -- -c 'echo hi'
	local cfg
	cfg=$(config_of localhost/bb2:latest)
	[ "$(jq -c .config.Entrypoint "$cfg")" = '["/bin/busybox","sh"]' ]
	[ "$(jq -c .config.Cmd "$cfg")" = '["-c","echo hi"]' ]
	[ "$(jq -r .config.WorkingDir "$cfg")" = /tmp ]
	[ "$(jq -r .config.User "$cfg")" = 65534 ]
	jq -e '.config.Env | index("HOME=/") != null' "$cfg"
	jq -e '.config.Env | index("HOME=/root") == null' "$cfg"
	# The file's name was overridden: only the flag's is recorded.
	[ "$(records)" -eq 1 ]
	[ -e "$DATA/images/records/localhost%bb2:latest.json" ]

	# The same files again (other config, a second later): the same layer, shared.
	sleep 1
	run -0 --separate-stderr zone image build -f "$REPO_DIR/images/examples/busybox.zbuild"
	[ "$(records)" -eq 2 ]
	[ "$(layer_of localhost/bb2:latest)" = "$(layer_of localhost/busybox-runtime:latest)" ]
	[ "$(ls "$DATA/images/layers" | wc -l)" -eq 1 ]
}

@test "images-build: a missing program, a script, a bad build file line: one error, nothing recorded" {
	run zone image build localhost/bad --from-host /nonexistent/prog
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"from-host /nonexistent/prog: ENOENT"* ]]

	printf '#!/bin/sh\necho hi\n' >"$TMP/script"
	chmod +x "$TMP/script"
	run zone image build localhost/bad --from-host "$TMP/script"
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"from-host $TMP/script: not an ELF program"* ]]

	printf 'name localhost/bad\nfrom-host /bin/busybox\nsymlnk /bin/sh busybox\n' >"$TMP/bad.zbuild"
	run zone image build -f "$TMP/bad.zbuild"
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"$TMP/bad.zbuild:3: unknown key \"symlnk\""* ]]

	run zone image build localhost/bad --from-host /bin/busybox --add /dev/null
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"add /dev/null: not a regular file, directory or symlink"* ]]

	run zone image build localhost/bad --from-host /bin/busybox --add /etc/hostname:/x/../../y
	[ "$status" -ne 0 ]
	[[ "$output" == *"the destination has a \"..\" component"* ]]

	[ "$(records)" -eq 0 ]
	# No blob, layer or tree left behind by the failed builds.
	[ -z "$(find "$DATA/images/blobs" "$DATA/images/layers" "$DATA/images/tmp" -mindepth 1 \
		-maxdepth 2 ! -name sha256 2>/dev/null)" ]
}
