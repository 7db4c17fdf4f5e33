# The zones of the kernel tests (tests/kernel/tests.sh), sourced by tests/guest/run.sh on the
# host: `bundle NAME FILTER` writes /bundles/NAME/config.json (zone-oci's spec, the busybox
# root, cgroupsPath /zone-test/NAME/z, then FILTER). Each zone prints what it is shown and
# exits; tests.sh compares that with its limits, so keep the values in step.
# shellcheck shell=bash disable=SC2016 # the jq filters are single-quoted on purpose

# What a zone is shown: meminfo's lines, busybox's free (sysinfo), probe (glibc's count of
# online CPUs, sysinfo), the CPUs of cpuinfo, stat and sysfs, the CPUs it may run on, uptime.
show='grep -E "^(MemTotal|MemFree|MemAvailable|SwapTotal):" /proc/meminfo
	free | sed -n "s/^Mem: */free /p"
	probe
	echo "cpuinfo $(grep -c ^processor /proc/cpuinfo)"
	echo "stat $(grep -c "^cpu[0-9]" /proc/stat)"
	echo "online $(cat /sys/devices/system/cpu/online)"
	echo "nproc $(nproc)"
	echo "uptime $(cut -d " " -f 1 /proc/uptime)"'

# 128 MiB of memory, CPUs 1-3 of the guest's 4 and one and a half CPUs' worth of time.
bundle limited --arg show "$show" '.process.args = ["sh", "-c", $show]
	| .linux.resources.memory = {"limit": 134217728}
	| .linux.resources.cpu = {"quota": 150000, "period": 100000, "cpus": "1-3"}'

# The same limits without a cgroup namespace: the zone is shown the whole guest.
bundle nocgns --arg show "$show" '.process.args = ["sh", "-c", $show]
	| .linux.resources.memory = {"limit": 134217728}
	| .linux.resources.cpu = {"quota": 150000, "period": 100000, "cpus": "1-3"}
	| .linux.namespaces |= map(select(.type != "cgroup"))'

# No limit of its own: its parent, /zone-test/parent (made by the test), has memory.max
# 96 MiB and cpu.max "50000 100000"; the cpuset is CPU 3 alone.
bundle parent --arg show "$show" '.process.args = ["sh", "-c", $show]
	| .linux.cgroupsPath = "/zone-test/parent/z"
	| .linux.resources.cpu = {"cpus": "3"}'

# Uptime counts from the zone's start: read it, wait, read it again.
bundle uptime '.process.args = ["sh", "-c",
	"cut -d \" \" -f 1 /proc/uptime; sleep 2; cut -d \" \" -f 1 /proc/uptime"]'
