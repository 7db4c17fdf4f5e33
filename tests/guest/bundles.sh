# The bundles the guest tests use, one per zone, sourced by run.sh on the host (the guest has
# no jq). `bundle NAME FILTER` writes /bundles/NAME/config.json: zone-oci's own spec with no
# terminal, /bin/true, the shared busybox root /zone-rootfs (writable) and cgroupsPath
# /zone-test/NAME/z, then the jq FILTER. v2.sh reads the values back, so keep them in step.
# shellcheck shell=bash disable=SC2016 # the jq filters are single-quoted on purpose

bundle limits '.process.args = ["sleep", "1000"]
	| .linux.resources.memory = {"limit": 67108864, "reservation": 33554432, "swap": 134217728}
	| .linux.resources.cpu = {"shares": 512, "quota": 50000, "period": 100000, "burst": 10000,
		"cpus": "1", "mems": "0"}
	| .linux.resources.pids = {"limit": 50}'

# cpu.weight cannot be written while cpu.idle is 1, so idle has its own zone.
bundle idle '.process.args = ["sleep", "1000"] | .linux.resources.cpu = {"idle": 1}'

bundle hugetlb '.process.args = ["sleep", "1000"]
	| .linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'

# Neither memory nor pids is in resources: the unified keys alone must enable them.
bundle unified '.process.args = ["sleep", "1000"]
	| .linux.resources.unified = {"memory.high": "52428800", "pids.max": "7"}'

# 7:0 is /dev/loop0 (the loop module is loaded by the guest's init).
bundle blockio '.process.args = ["sleep", "1000"]
	| .linux.resources.blockIO = {"weight": 500,
		"weightDevice": [{"major": 7, "minor": 0, "weight": 200}],
		"throttleReadBpsDevice": [{"major": 7, "minor": 0, "rate": 1048576}],
		"throttleWriteIOPSDevice": [{"major": 7, "minor": 0, "rate": 100}]}'

# The zone's own view: /sys/fs/cgroup is its cgroup (cgroup namespace + cgroup2 mount).
bundle inside '.process.args = ["sh", "-c",
		"cat /proc/self/cgroup; echo max=$(cat /sys/fs/cgroup/memory.max)"]
	| .linux.resources.memory = {"limit": 41943040}'

bundle oom '.process.args = ["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"]
	| .linux.resources.memory = {"limit": 33554432, "swap": 33554432}'

# Waits for the host's go-ahead (a file in the shared root) so `events` is watching first.
bundle oom-event '.process.args = ["sh", "-c",
		"while [ ! -e /tmp/go-oom ]; do sleep 0.1; done; dd if=/dev/zero of=/dev/null bs=64M count=1"]
	| .linux.resources.memory = {"limit": 33554432, "swap": 33554432}'

bundle forks '.process.args = ["sh", "-c",
		"i=0; while [ $i -lt 64 ]; do sleep 1000 & i=$((i+1)); done; sleep 1000"]
	| .linux.resources.pids = {"limit": 16}'

bundle pause '.process.args = ["sleep", "1000"]'

bundle kill '.process.args = ["sh", "-c", "sleep 1000 & sleep 1000 & sleep 1000"]'

# /dev/kmsg-test (c 1:11) is made in the zone but no rule allows it; /dev/null is allowed.
devices_script='echo > /dev/null && echo null-ok; (echo x > /dev/kmsg-test) 2>&1 && echo kmsg-ok'
bundle devices --arg s "$devices_script" '.process.args = ["sh", "-c", $s]
	| .linux.devices = [{"path": "/dev/kmsg-test", "type": "c", "major": 1, "minor": 11,
		"fileMode": 438}]
	| .linux.resources.devices = [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
# The runtime's own nodes stay usable under deny-all (the spec default).
bundle default-devices '.process.args = ["sh", "-c",
		"for d in null zero full random urandom; do head -c 1 /dev/$d >/dev/null && echo > /dev/$d; echo $d=$?; done"]'
# The device rules of a running zone survive an update of its other limits.
bundle devices-update '.process.args = ["sleep", "1000"]
	| .linux.devices = [{"path": "/dev/kmsg-test", "type": "c", "major": 1, "minor": 11,
		"fileMode": 438}]
	| .linux.resources.memory = {"limit": 67108864}
	| .linux.resources.devices = [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
# The same with c 1:11 allowed: the write goes through, so the refusal above is the rule's.
bundle devices-allowed --arg s "$devices_script" '.process.args = ["sh", "-c", $s]
	| .linux.devices = [{"path": "/dev/kmsg-test", "type": "c", "major": 1, "minor": 11,
		"fileMode": 438}]
	| .linux.resources.devices = [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]'

bundle update '.process.args = ["sleep", "1000"]
	| .linux.resources.memory = {"limit": 67108864}
	| .linux.resources.cpu = {"quota": 50000, "period": 100000}
	| .linux.resources.pids = {"limit": 50}'

bundle stats '.process.args = ["sh", "-c", "sleep 1000 & sleep 1000"]
	| .linux.resources.memory = {"limit": 67108864}
	| .linux.resources.pids = {"limit": 50}'

bundle unlimited-swap '.process.args = ["sleep", "1000"]
	| .linux.resources.memory = {"limit": 67108864, "swap": -1}'

bundle exec '.process.args = ["sleep", "1000"] | .linux.resources.pids = {"limit": 50}'

# Refused configs: each must fail with one line naming the field and leave no cgroup.
# The guest has CPUs 0 and 1 only.
bundle bad-cpus '.linux.resources.cpu = {"cpus": "7"}'
bundle bad-swap '.linux.resources.memory = {"limit": 67108864, "swap": 33554432}'
bundle bad-unified '.linux.resources.unified = {"../memory.max": "1"}'
# What only a v1 hierarchy has is refused on cgroup2, not dropped.
bundle bad-realtime '.linux.resources.cpu = {"realtimeRuntime": 1000, "realtimePeriod": 1000000}'
bundle bad-leafweight '.linux.resources.blockIO = {"weight": 500, "leafWeight": 500}'
bundle bad-classid '.linux.resources.network = {"classID": 1}'
bundle bad-hugetlb '.linux.resources.hugepageLimits = [{"pageSize": "3MB", "limit": 4194304}]'
