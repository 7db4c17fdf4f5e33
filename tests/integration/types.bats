#!/usr/bin/env bats
# A zone's type: --type beats the annotation org.zone.type, which beats the program's name
# (zone-oci-vm, zone-oci-emulated), which beats the image's label (org.zone.image.type);
# default light. Unknown types name their source; type vm
# without a usable /dev/kvm fails first and leaves nothing. An unknown type is the probe for
# which source was read: it fails naming that source, and a source above it hides it.

load helpers

# The types are zone's own: another runtime under test has none.
zone_only() {
	is_foreign_runtime && skip "zone types are zone-oci's own"
	return 0
}

# zprog NAME ARGS...: like zrun, through a link NAME (in $TMP) to the runtime under test, so
# the program's name is NAME.
zprog() {
	local name=$1
	shift
	ln -sf "$ZONE_OCI" "$TMP/$name"
	case "${1:-}" in
	create | run) echo "${!#}" >>"$TMP/ids" ;;
	esac
	capture timeout --foreground -k 5 60 "$TMP/$name" --root "$STATE" "$@"
}

# The type zone recorded for a zone (its own state, not the OCI document).
recorded_type() {
	jq -r .type "$STATE/$1/state.json"
}

# Nothing of the zone exists: no state entry, no cgroup.
assert_nothing_left() {
	[ -z "$(ls -A "$STATE")" ] || fail "state left: $(ls -A "$STATE")"
	local d
	d=$(cg_dir memory)
	[ ! -e "$d" ] || fail "cgroup $d left"
}

annotate() {
	cfg '.annotations["org.zone.type"] = $t' --arg t "$1"
}

# no_kvm HOW CMD...: runs CMD in a mount namespace of its own where /dev/kvm is unusable:
# "missing" (a tmpfs over /dev), "not-kvm" (a plain file in its place: the API version ioctl
# fails), "read-only" (that file on a read-only /dev). Sets status, output, stderr like zrun.
no_kvm() {
	local how=$1
	shift
	local prep='mount -t tmpfs tmpfs /dev'
	case "$how" in
	missing) ;;
	not-kvm) prep+=' && : >/dev/kvm' ;;
	read-only) prep+=' && : >/dev/kvm && mount -o remount,ro /dev' ;;
	esac
	case "${2:-}" in
	create | run) echo "${!#}" >>"$TMP/ids" ;;
	esac
	capture timeout --foreground -k 5 60 unshare -m --propagation private \
		sh -c "$prep && exec \"\$@\"" sh "$@"
}

@test "--type light runs a light zone, and the state records the type" {
	zone_only
	args sh -c 'echo in-zone'
	zrun run --type light "$ID"
	assert_success
	[ "$output" = in-zone ]
	zrun create --type=light "$ID"
	assert_success
	[ "$(recorded_type "$ID")" = light ]
	# Later commands use the recorded type, whatever the config says now.
	annotate bogus
	zrun start "$ID"
	assert_success
	zrun delete --force "$ID"
	assert_success
}

@test "without any source a zone is light" {
	zone_only
	zrun create "$ID"
	assert_success
	[ "$(recorded_type "$ID")" = light ]
}

@test "the annotation org.zone.type chooses the type" {
	zone_only
	annotate light
	zrun create "$ID"
	assert_success
	[ "$(recorded_type "$ID")" = light ]
	zrun delete --force "$ID"
	annotate bogus
	zrun create "$ID"
	assert_one_line_error
	assert_stderr_matches '^zone-oci: create "[^"]+": annotation org\.zone\.type: unknown zone type "bogus" \(expected light, vm or emulated\)$'
	assert_nothing_left
}

@test "--type beats the annotation" {
	zone_only
	annotate bogus
	zrun create --type light "$ID"
	assert_success
	[ "$(recorded_type "$ID")" = light ]
	zrun delete --force "$ID"
	annotate light
	zrun run --type kvm "$ID"
	assert_one_line_error
	assert_stderr_matches '^zone-oci: run "[^"]+": --type: unknown zone type "kvm" \(expected light, vm or emulated\)$'
	assert_nothing_left
}

@test "the image's label (org.zone.image.type, from zone image bundle) ranks below the program's name" {
	zone_only
	cfg '.annotations["org.zone.image.type"] = "bogus"'
	zrun create "$ID"
	assert_one_line_error
	assert_stderr_matches '^zone-oci: create "[^"]+": image label org\.zone\.type: unknown zone type "bogus" \(expected light, vm or emulated\)$'
	assert_nothing_left
	# The program's name and the annotation beat it.
	zprog zone-oci-light create "$ID"
	assert_success
	[ "$(recorded_type "$ID")" = light ]
	zrun delete --force "$ID"
	annotate light
	zrun create "$ID"
	assert_success
	[ "$(recorded_type "$ID")" = light ]
}

@test "the program's name chooses the type when nothing else does" {
	zone_only
	zprog zone-oci-bogus create "$ID"
	assert_one_line_error
	assert_stderr_matches '^zone-oci: create "[^"]+": program name: unknown zone type "bogus" \(expected light, vm or emulated\)$'
	assert_nothing_left
	# Other names (zone-oci itself, anything without the prefix) choose nothing.
	zprog my-runtime create "$ID"
	assert_success
	[ "$(recorded_type "$ID")" = light ]
}

@test "the annotation beats the program's name, --type beats both" {
	zone_only
	annotate light
	zprog zone-oci-bogus create "$ID"
	assert_success
	[ "$(recorded_type "$ID")" = light ]
	zprog zone-oci-bogus delete --force "$ID"
	assert_success

	cfg 'del(.annotations["org.zone.type"])'
	zprog zone-oci-bogus run --type light "$ID"
	assert_success
	assert_nothing_left

	annotate other
	zprog zone-oci-bogus run "$ID"
	assert_one_line_error
	[[ "$stderr" == *'annotation org.zone.type: unknown zone type "other"'* ]] ||
		fail "the annotation was not the source read: $stderr"
	assert_nothing_left
}

@test "type vm without /dev/kvm fails naming the device, from every source, and leaves nothing" {
	zone_only
	no_kvm missing "$ZONE_OCI" --root "$STATE" run --type vm "$ID"
	assert_one_line_error
	assert_stderr_matches '^zone-oci: run "[^"]+": zone type vm needs KVM: open /dev/kvm read-write: ENOENT; use --type emulated to run without hardware virtualization$'
	assert_nothing_left

	annotate vm
	no_kvm missing "$ZONE_OCI" --root "$STATE" create "$ID"
	assert_one_line_error
	assert_stderr_matches 'open /dev/kvm read-write: ENOENT; use --type emulated'
	assert_nothing_left

	cfg 'del(.annotations["org.zone.type"])'
	ln -sf "$ZONE_OCI" "$TMP/zone-oci-vm"
	no_kvm missing "$TMP/zone-oci-vm" --root "$STATE" create "$ID"
	assert_one_line_error
	assert_stderr_matches '^zone-oci: create "[^"]+": zone type vm needs KVM: open /dev/kvm'
	assert_nothing_left
}

@test "type vm with a /dev/kvm that is not KVM, or not writable, fails naming it" {
	zone_only
	no_kvm not-kvm "$ZONE_OCI" --root "$STATE" run --type vm "$ID"
	assert_one_line_error
	assert_stderr_matches 'zone type vm needs KVM: KVM_GET_API_VERSION on /dev/kvm: ENOTTY; use --type emulated'
	assert_nothing_left

	no_kvm read-only "$ZONE_OCI" --root "$STATE" run --type vm "$ID"
	assert_one_line_error
	assert_stderr_matches 'zone type vm needs KVM: open /dev/kvm read-write: EROFS; use --type emulated'
	assert_nothing_left
}

@test "type vm on this host as it is: refused when its /dev/kvm is unusable" {
	zone_only
	run --separate-stderr "$ZONE_OCI" features
	assert_success
	vm=$(jq -r '.annotations["org.zone.type.vm"]' <<<"$output")
	[[ "$vm" == *"needs KVM"* ]] || skip "this host's /dev/kvm is usable (the cases above hide it)"
	zrun run --type vm "$ID"
	assert_one_line_error
	assert_stderr_matches '/dev/kvm.*--type emulated'
	assert_nothing_left
}

@test "features lists the types and whether each is usable here" {
	zone_only
	run --separate-stderr "$ZONE_OCI" features
	assert_success
	jq -e '.annotations["org.zone.type"] == "light,vm,emulated"' <<<"$output"
	jq -e '.annotations["org.zone.type.light"] == "usable"' <<<"$output"
	local t v
	for t in vm emulated; do
		v=$(jq -r --arg k "org.zone.type.$t" '.annotations[$k]' <<<"$output")
		[[ "$v" == usable || "$v" == "unusable: "?* ]] || fail "org.zone.type.$t: \"$v\""
		# What a VM zone does and does not do, per type.
		jq -e --arg k "org.zone.type.$t.supports" \
			'.annotations[$k] | split(",") | index("terminal") and index("pause") and index("network-namespace-path")' <<<"$output"
		jq -e --arg k "org.zone.type.$t.lacks" \
			'.annotations[$k] | split(",") | index("preserve-fds")' <<<"$output"
	done
	jq -e '.annotations["org.zone.type.light.supports"] | split(",") | index("preserve-fds")' <<<"$output"
	jq -e '.annotations["org.zone.type.light.lacks"] == ""' <<<"$output"
	# Without KVM, vm is unusable and features says why; light does not need it.
	no_kvm missing "$ZONE_OCI" features
	assert_success
	jq -e '.annotations["org.zone.type.light"] == "usable"' <<<"$output"
	v=$(jq -r '.annotations["org.zone.type.vm"]' <<<"$output")
	[[ "$v" == "unusable: zone type vm needs KVM: open /dev/kvm read-write: ENOENT;"* ]] ||
		fail "org.zone.type.vm without /dev/kvm: \"$v\""
}
