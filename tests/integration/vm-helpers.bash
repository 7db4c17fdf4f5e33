# Shared by the vm*.bats files: emulated zones need QEMU and the guest (`make vm`, found in
# vm/ beside zone-oci or beside its asan/ directory).

setup() {
	command -v qemu-system-x86_64 >/dev/null ||
		skip "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)"
	local dir
	dir=$(dirname "$(realpath "$ZONE_OCI")")
	if [ ! -f "$dir/vm/vmlinuz" ] && [ ! -f "$dir/../vm/vmlinuz" ]; then
		skip "no guest kernel beside $ZONE_OCI: make vm BUILD=... builds it"
	fi
	zone_setup
	cfg '.annotations["org.zone.type"] = "emulated"'
}

# qemu_of PID: the QEMU process the supervisor PID started (its child).
qemu_of() {
	local c
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		case "$(tr '\0' ' ' <"/proc/$c/cmdline" 2>/dev/null)" in
		qemu-system-x86_64*) echo "$c" ;;
		esac
	done
}

gone() {
	! kill -0 "$1" 2>/dev/null
}
