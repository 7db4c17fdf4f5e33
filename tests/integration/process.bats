#!/usr/bin/env bats
# The process: identity, environment, limits, capabilities and the paths it may not touch.

load helpers

@test "hostname" {
	cfg '.hostname = "zonehost"'
	args hostname
	zrun run "$ID"
	assert_success
	assert_output zonehost
	[ "$(hostname)" != zonehost ]
}

@test "domainname" {
	[ "${ZONE_OCI##*/}" != runc ] || skip "runc 1.1 does not support domainname"
	cfg '.domainname = "zone.example"'
	args cat /proc/sys/kernel/domainname
	zrun run "$ID"
	assert_success
	assert_output zone.example
}

@test "sysctl in the zone's network namespace" {
	cfg '.linux.sysctl = {"net.ipv4.ip_forward":"1"}'
	args cat /proc/sys/net/ipv4/ip_forward
	host=$(cat /proc/sys/net/ipv4/ip_forward)
	zrun run "$ID"
	assert_success
	assert_output 1
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host" ]
}

@test "rlimits" {
	cfg '.process.rlimits = [{"type":"RLIMIT_NOFILE","soft":123,"hard":456}]'
	args sh -c 'ulimit -n; ulimit -Hn'
	zrun run "$ID"
	assert_success
	assert_line --index 0 123
	assert_line --index 1 456
}

@test "env and cwd" {
	cfg '.process.env = ["PATH=/bin","FOO=bar baz"] | .process.cwd = "/tmp"'
	args sh -c 'echo "$FOO"; pwd'
	zrun run "$ID"
	assert_success
	assert_line --index 0 "bar baz"
	assert_line --index 1 /tmp
}

@test "cwd that does not exist yet is created" {
	cfg '.process.cwd = "/work/dir"'
	args pwd
	zrun run "$ID"
	assert_success
	assert_output /work/dir
}

@test "user uid, gid and additionalGids" {
	cfg '.process.user = {"uid":1000,"gid":1000,"additionalGids":[2000]}'
	args sh -c 'id -u; id -g; id -G; grep -E "^(Uid|Gid|Groups):" /proc/self/status'
	zrun run "$ID"
	assert_success
	assert_line --index 0 1000
	assert_line --index 1 1000
	assert_line --regexp '^Uid:\s+1000\s+1000\s+1000\s+1000$'
	assert_line --regexp '^Groups:\s+2000\s*$'
}

@test "umask" {
	cfg '.process.user.umask = 23'
	args sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
	zrun run "$ID"
	assert_success
	assert_line --index 0 0027
	assert_line --index 1 640
}

@test "capabilities: the sets match the config" {
	# CAP_CHOWN (0) and CAP_KILL (5): mask 0x21.
	cfg '.process.capabilities = {"bounding":["CAP_CHOWN","CAP_KILL"],"effective":["CAP_CHOWN","CAP_KILL"],"permitted":["CAP_CHOWN","CAP_KILL"],"inheritable":[]}'
	args grep -E '^Cap(Inh|Prm|Eff|Bnd):' /proc/self/status
	zrun run "$ID"
	assert_success
	assert_line --regexp '^CapInh:\s+0000000000000000$'
	assert_line --regexp '^CapPrm:\s+0000000000000021$'
	assert_line --regexp '^CapEff:\s+0000000000000021$'
	assert_line --regexp '^CapBnd:\s+0000000000000021$'
}

@test "a dropped capability is really gone" {
	cfg '.process.capabilities = {"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"]}'
	args sh -c 'chown 1000 /tmp 2>/dev/null && echo chowned || echo denied'
	zrun run "$ID"
	assert_success
	assert_output denied
}

@test "noNewPrivileges" {
	cfg '.process.noNewPrivileges = true'
	args grep NoNewPrivs /proc/self/status
	zrun run "$ID"
	assert_success
	assert_output --regexp '^NoNewPrivs:\s+1$'
}

@test "maskedPaths read empty" {
	mkdir -p "$ROOTFS/secretdir"
	echo hidden >"$ROOTFS/secretdir/f"
	echo hidden >"$ROOTFS/etc/secretfile"
	cfg '.linux.maskedPaths = ["/etc/secretfile","/secretdir","/does/not/exist"]'
	args sh -c 'echo "[$(cat /etc/secretfile)]"; ls -A /secretdir | wc -l'
	zrun run "$ID"
	assert_success
	assert_line --index 0 "[]"
	assert_line --index 1 0
	[ "$(cat "$ROOTFS/etc/secretfile")" = hidden ]
}

@test "readonlyPaths cannot be written" {
	mkdir -p "$ROOTFS/rodir"
	cfg '.linux.readonlyPaths = ["/rodir"]'
	args sh -c 'touch /rodir/x 2>&1; echo rc=$?; touch /tmp/y && echo tmp-ok'
	zrun run "$ID"
	assert_success
	assert_line --partial "Read-only file system"
	assert_line rc=1
	assert_line tmp-ok
}

@test "oomScoreAdj" {
	cfg '.process.oomScoreAdj = 123'
	args cat /proc/self/oom_score_adj
	zrun run "$ID"
	assert_success
	assert_output 123
}

@test "personality LINUX32" {
	[ "$(uname -m)" = x86_64 ] || skip "LINUX32 check written for x86_64 hosts"
	[ "${ZONE_OCI##*/}" != runc ] || skip "runc 1.1 does not support linux.personality"
	cfg '.linux.personality = {"domain":"LINUX32"}'
	args uname -m
	zrun run "$ID"
	assert_success
	assert_output --regexp '^i[3-6]86$'
}

@test "exec runs with its own env, cwd and user" {
	args sleep 1000
	zrun run -d "$ID"
	assert_success
	zrun exec --env FOO=exec-env --cwd /tmp --user 1000:1000 "$ID" sh -c 'echo "$FOO"; pwd; id -u'
	assert_success
	assert_line --index 0 exec-env
	assert_line --index 1 /tmp
	assert_line --index 2 1000
}

@test "exec --process reads a process.json" {
	args sleep 1000
	zrun run -d "$ID"
	assert_success
	jq '.process | .args = ["sh","-c","echo from-process-json; echo $PJ"] | .env += ["PJ=pj"]' \
		config.json >"$TMP/process.json"
	zrun exec --process "$TMP/process.json" "$ID"
	assert_success
	assert_line --index 0 from-process-json
	assert_line --index 1 pj
}

@test "exec returns the process's exit status" {
	args sleep 1000
	zrun run -d "$ID"
	assert_success
	zrun exec "$ID" sh -c 'exit 42'
	[ "$status" -eq 42 ]
}

@test "an ambient capability that is not inheritable is left out, as in runc" {
	# runc's own default config asks for ambient capabilities with no inheritable set.
	cfg '.process.capabilities.ambient = ["CAP_KILL"] | .process.capabilities.inheritable = []'
	args sh -c 'grep CapAmb /proc/self/status'
	zrun run "$ID"
	assert_success
	assert_output --regexp 'CapAmb:[[:space:]]+0000000000000000'
}

@test "AppArmor profile and SELinux label are ignored with a debug line where the LSM is off" {
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] ||
		[ -d /sys/fs/selinux/booleans ]; then
		skip "this host runs AppArmor or SELinux: the labels would be applied"
	fi
	cfg '.process.apparmorProfile = "zone-test" | .process.selinuxLabel = "system_u:system_r:container_t:s0" | .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
	args sh -c 'echo ran'
	zrun --debug run "$ID"
	assert_success
	assert_output ran
	[[ "$stderr" == *"AppArmor is not enabled: ignoring process.apparmorProfile zone-test"* ]] ||
		fail "no debug line for the AppArmor profile: $stderr"
	[[ "$stderr" == *"SELinux is not enabled: ignoring process.selinuxLabel"* ]] ||
		fail "no debug line for the SELinux label: $stderr"
}
