# Shared by the vm*.bats files: emulated zones need QEMU and the guest (`make vm`, found in
# vm/ beside zone-oci or beside its asan/ directory).

setup() {
	require_emulated "$ZONE_OCI"
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
