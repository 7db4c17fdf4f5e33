#!/usr/bin/env bats
# Root filesystems and bundles from images: overlays sharing the store's layers, the copy
# fallback, whiteouts and opaque directories, and zones run from the bundles.

load helpers

: "${ZONE:=$REPO_DIR/build/asan/zone}"

setup() {
	zone_setup
	DATA=$TMP/data
	BUNDLES=()
	register_cleanup unbundle_all
}

zone_() {
	timeout --foreground -k 5 120 "$ZONE" --data-root "$DATA" "$@"
}

zimport() { # zimport SOURCE NAME
	zone_ image import --name "$2" "$1"
}

# Every bundle a test made is taken back by teardown, even after a failure; a leftover mount
# then still fails the test there.
unbundle_all() {
	local b
	for b in $(cat "$TMP/bundles" 2>/dev/null); do
		"$ZONE" --data-root "$DATA" image unbundle "$b" || umount -l "$b/rootfs"
	done
}

bundle() { # bundle REF DIR [ARGS...]: zone image bundle, the cgroup under the test's parent
	local dir=$2
	echo "$dir" >>"$TMP/bundles"
	zone_ image bundle "$@" || return 1
	local cg="/zone-test/$U/${dir##*/}"
	jq --arg cg "$cg" '.linux.cgroupsPath = $cg' "$dir/config.json" >"$dir/c.json" &&
		mv "$dir/c.json" "$dir/config.json"
	BUNDLE_ROOTFS_LIST+=("$dir/rootfs")
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# The busybox rootfs as an image of one plain layer (an OCI layout made here).
# make_image DIR NAME LAYER_TAR... [-- CONFIG_JSON_EXTRA]: an OCI layout whose layers are
# the given tars (bottom first), made by hand so the test controls every byte.
make_image() {
	local dir=$1 name=$2
	shift 2
	local extra='{}' layers='[]' diffs='[]' t d
	mkdir -p "$dir/blobs/sha256"
	while [ $# -gt 0 ]; do
		if [ "$1" = -- ]; then
			extra=$2
			break
		fi
		t=$1
		shift
		d=$(sha "$t")
		diffs=$(jq -c --arg d "sha256:$d" '. + [$d]' <<<"$diffs")
		gzip -n -c "$t" >"$dir/blobs/sha256/tmp"
		d=$(sha "$dir/blobs/sha256/tmp")
		mv "$dir/blobs/sha256/tmp" "$dir/blobs/sha256/$d"
		layers=$(jq -c --arg d "sha256:$d" --argjson s "$(stat -c %s "$dir/blobs/sha256/$d")" \
			'. + [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}]' \
			<<<"$layers")
	done
	jq -cn --argjson diffs "$diffs" --argjson extra "$extra" \
		'{architecture: "amd64", os: "linux", config: ({Cmd: ["sh"]} + $extra),
		  rootfs: {type: "layers", diff_ids: $diffs}}' >"$dir/config"
	local c
	c=$(sha "$dir/config")
	mv "$dir/config" "$dir/blobs/sha256/$c"
	jq -cn --arg c "sha256:$c" --argjson s "$(stat -c %s "$dir/blobs/sha256/$c")" \
		--argjson layers "$layers" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $s},
		  layers: $layers}' >"$dir/manifest"
	local m
	m=$(sha "$dir/manifest")
	jq -cn --arg m "sha256:$m" --argjson s "$(stat -c %s "$dir/manifest")" --arg n "$name" \
		'{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
		  digest: $m, size: $s, annotations: {"org.opencontainers.image.ref.name": $n}}]}' \
		>"$dir/index.json"
	mv "$dir/manifest" "$dir/blobs/sha256/$m"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
}

busybox_image() {
	tar -C "$ROOTFS" -cf "$TMP/base.tar" .
	make_image "$TMP/layout" localhost/zt-busybox:latest "$TMP/base.tar"
	run zimport "$TMP/layout" localhost/zt-busybox
	assert_success
}

# Two layers: the busybox base with /w/{gone,kept}, /o/{old1,old2}, /d/file, then a layer
# whiting out /w/gone, making /o opaque (with /o/new) and turning /d/file's directory into
# a file. The label asks for a light zone.
two_layer_image() {
	local s=$TMP/l1
	cp -a "$ROOTFS" "$s"
	mkdir -p "$s/w" "$s/o" "$s/d"
	echo gone >"$s/w/gone"
	echo kept >"$s/w/kept"
	echo old >"$s/o/old1"
	echo old >"$s/o/old2"
	echo f >"$s/d/file"
	tar -C "$s" -cf "$TMP/l1.tar" .
	s=$TMP/l2
	mkdir -p "$s/w" "$s/o"
	: >"$s/w/.wh.gone"
	: >"$s/o/.wh..wh..opq"
	echo new >"$s/o/new"
	echo now-a-file >"$s/d"
	tar -C "$s" -cf "$TMP/l2.tar" ./w ./o ./d
	make_image "$TMP/layout2" localhost/zt-two:latest "$TMP/l1.tar" "$TMP/l2.tar" \
		-- '{"Labels": {"org.zone.type": "light"}, "Env": ["FROM_IMAGE=1"]}'
	run zimport "$TMP/layout2" localhost/zt-two
	assert_success
}

# Checks, inside a zone run from bundle DIR, what the two-layer image must show.
check_two_layers() {
	zrun run --bundle "$1" "$ID-${1##*/}"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	assert_line "kept"
	assert_line "no-gone"
	assert_line "o: new"
	assert_line "d: now-a-file"
	assert_line "FROM_IMAGE=1"
}

two_layer_script='cat /w/kept; [ -e /w/gone ] || echo no-gone; echo "o: $(ls /o)";
	echo "d: $(cat /d)"; env | grep FROM_IMAGE'

@test "a bundle from an image runs with zone-oci; what the zone writes goes to its upper dir" {
	busybox_image
	bundle localhost/zt-busybox "$TMP/b1" -- sh -c 'echo hi; echo data >/written'
	[ -f "$TMP/b1/config.json" ]
	run jq -r '.annotations["org.zone.image"]' "$TMP/b1/config.json"
	assert_output localhost/zt-busybox:latest
	grep -q " $TMP/b1/rootfs .* - overlay " /proc/self/mountinfo
	zrun run --bundle "$TMP/b1" "$ID"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	assert_output hi
	# the write is the zone's own: in its upper directory, not in the shared layer
	[ "$(cat "$TMP/b1/.zone-image/upper/written")" = data ]
	run find "$DATA/images/layers" -name written
	assert_output ""
	run zone_ image unbundle "$TMP/b1"
	assert_success
	[ ! -e "$TMP/b1" ]
	! grep -q "$TMP/b1" /proc/self/mountinfo
}

@test "gc keeps the layers of a bundle's overlay after rm, and takes them once it is unbundled" {
	busybox_image
	bundle localhost/zt-busybox "$TMP/b1" -- sh -c 'cat /bin/busybox >/dev/null && echo ok'
	run zone_ image rm localhost/zt-busybox
	assert_success
	run zone_ image gc
	assert_success
	# The overlay's lower directory is still there: the zone runs.
	[ "$(find "$DATA/images/layers" -mindepth 1 -maxdepth 1 | wc -l)" -eq 1 ]
	zrun run --bundle "$TMP/b1" "$ID"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	assert_output ok
	run zone_ image unbundle "$TMP/b1"
	assert_success
	# The pin went with the bundle: gc takes the layer and every blob.
	run zone_ image gc
	assert_success
	[ "$(find "$DATA/images/layers" "$DATA/images/blobs/sha256" "$DATA/images/pins" \
		-mindepth 1 -maxdepth 1 | wc -l)" -eq 0 ]
}

@test "an image labelled org.zone.type=emulated runs in a VM from its overlay bundle" {
	require_emulated "$ZONE_OCI"
	tar -C "$ROOTFS" -cf "$TMP/base.tar" .
	make_image "$TMP/layout" localhost/zt-vm:latest "$TMP/base.tar" \
		-- '{"Labels": {"org.zone.type": "emulated"}}'
	run zimport "$TMP/layout" localhost/zt-vm
	assert_success
	bundle localhost/zt-vm "$TMP/v1" -- sh -c 'uname -r; echo from-guest >/written'
	run jq -r '.annotations["org.zone.image.type"]' "$TMP/v1/config.json"
	assert_output emulated
	zrun run --bundle "$TMP/v1" "$ID"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	# The guest's kernel, not the host's: the label chose the type.
	[ "$output" != "$(uname -r)" ]
	[ "$(cat "$TMP/v1/.zone-image/upper/written")" = from-guest ]
	run zone_ image unbundle "$TMP/v1"
	assert_success
}

@test "two bundles of one image share the layer's files" {
	busybox_image
	bundle localhost/zt-busybox "$TMP/b1" -- true
	bundle localhost/zt-busybox "$TMP/b2" -- true
	local layer
	layer=$(find "$DATA/images/layers" -mindepth 2 -maxdepth 3 -path '*/bin/busybox')
	[ -n "$layer" ]
	local i0 i1 i2
	i0=$(stat -c %i "$layer")
	i1=$(stat -c %i "$TMP/b1/rootfs/bin/busybox")
	i2=$(stat -c %i "$TMP/b2/rootfs/bin/busybox")
	assert_equal "$i1" "$i0"
	assert_equal "$i2" "$i0"
	# one zone's change is not the other's
	echo mine >"$TMP/b1/rootfs/etc/mine"
	[ ! -e "$TMP/b2/rootfs/etc/mine" ]
	run zone_ image unbundle "$TMP/b1"
	assert_success
	run zone_ image unbundle "$TMP/b2"
	assert_success
}

@test "whiteouts and opaque directories of a two-layer image, in the overlay" {
	two_layer_image
	bundle localhost/zt-two "$TMP/ov" -- sh -c "$two_layer_script"
	run jq -r '.annotations["org.zone.image.type"]' "$TMP/ov/config.json"
	assert_output light
	check_two_layers "$TMP/ov"
	run zone_ image unbundle "$TMP/ov"
	assert_success
}

@test "whiteouts and opaque directories of a two-layer image, in the copy fallback" {
	two_layer_image
	bundle localhost/zt-two "$TMP/cp" --copy -- sh -c "$two_layer_script"
	# a plain directory, not a mount
	! grep -q " $TMP/cp/rootfs " /proc/self/mountinfo
	run jq -r .rootfs "$TMP/cp/.zone-image/bundle.json"
	assert_output copy
	[ ! -e "$TMP/cp/rootfs/w/gone" ]
	[ ! -e "$TMP/cp/rootfs/o/old1" ]
	[ -f "$TMP/cp/rootfs/d" ]
	check_two_layers "$TMP/cp"
	run zone_ image unbundle "$TMP/cp"
	assert_success
	[ ! -e "$TMP/cp" ]
}

@test "unbundle: refuses what bundle did not make, and a rootfs a zone still uses" {
	busybox_image
	mkdir "$TMP/plain"
	echo keep >"$TMP/plain/file"
	run zone_ image unbundle "$TMP/plain"
	assert_failure
	assert_output --partial "not a bundle made by zone image bundle"
	[ -f "$TMP/plain/file" ]

	# a bundle into an existing directory: unbundle leaves the directory and what was there
	bundle localhost/zt-busybox "$TMP/plain" -- sleep 60
	zrun run --detach --bundle "$TMP/plain" "$ID"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	run zone_ image unbundle "$TMP/plain"
	assert_failure
	assert_output --partial EBUSY
	grep -q " $TMP/plain/rootfs " /proc/self/mountinfo
	zone_oci delete --force "$ID"
	run zone_ image unbundle "$TMP/plain"
	assert_success
	[ -f "$TMP/plain/file" ]
	[ ! -e "$TMP/plain/rootfs" ]
	[ ! -e "$TMP/plain/config.json" ]
	! grep -q " $TMP/plain/rootfs " /proc/self/mountinfo
}

@test "bundle errors: an unknown image, a bundle over a bundle; nothing is left" {
	busybox_image
	run zone_ image bundle nosuch "$TMP/b"
	assert_failure
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e "$TMP/b" ]
	bundle localhost/zt-busybox "$TMP/b" -- true
	run zone_ image bundle localhost/zt-busybox "$TMP/b"
	assert_failure
	assert_output --partial "exists"
	run zone_ image unbundle "$TMP/b"
	assert_success
	[ ! -e "$TMP/b" ]
}

@test "an image of 64 layers mounts: more lower directories than a page of mount options holds" {
	busybox_image
	tar -C "$ROOTFS" -cf "$TMP/base.tar" .
	local layers=("$TMP/base.tar") i
	for i in $(seq 1 63); do
		mkdir -p "$TMP/ml/$i/layers"
		echo "$i" >"$TMP/ml/$i/layers/$i"
		echo "$i" >"$TMP/ml/$i/layers/top"
		tar -C "$TMP/ml/$i" -cf "$TMP/ml/$i.tar" ./layers
		layers+=("$TMP/ml/$i.tar")
	done
	make_image "$TMP/layout64" localhost/zt-many:latest "${layers[@]}"
	run zimport "$TMP/layout64" localhost/zt-many
	assert_success
	bundle localhost/zt-many "$TMP/many" -- sh -c 'ls /layers | wc -l; cat /layers/top'
	# the layer paths alone are longer than a page
	local opts
	opts=$(awk -v m="$TMP/many/rootfs" '$5 == m' /proc/self/mountinfo)
	[ "${#opts}" -gt "$(getconf PAGESIZE)" ]
	zrun run --bundle "$TMP/many" "$ID"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	assert_line --index 0 64
	assert_line --index 1 63
	run zone_ image unbundle "$TMP/many"
	assert_success
}

@test "the image's Entrypoint, Cmd, User (a name in its /etc/passwd), WorkingDir and Env reach the zone" {
	tar -C "$ROOTFS" -cf "$TMP/base.tar" .
	make_image "$TMP/layout-u" localhost/zt-user:latest "$TMP/base.tar" -- \
		'{"User": "user", "WorkingDir": "/home/user", "Env": ["A=image", "B=image"],
		  "Entrypoint": ["sh", "-c"], "Cmd": ["echo cmd"]}'
	run zimport "$TMP/layout-u" localhost/zt-user
	assert_success
	bundle localhost/zt-user "$TMP/u1" --env B=given
	zrun run --bundle "$TMP/u1" "$ID-1"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	assert_output cmd
	bundle localhost/zt-user "$TMP/u2" --env B=given -- 'echo "$(id -u):$(id -g):$(id -G)"; pwd; echo $A $B'
	zrun run --bundle "$TMP/u2" "$ID-2"
	[ "$status" -eq 0 ] || fail "run: $stderr"
	# uid and gid from /etc/passwd, the supplementary group "extra" from /etc/group
	assert_line --index 0 "1000:1000:1000 2000"
	assert_line --index 1 /home/user
	assert_line --index 2 "image given"
	run zone_ image unbundle "$TMP/u1"
	assert_success
	run zone_ image unbundle "$TMP/u2"
	assert_success
}

@test "a User name is looked up inside the image only: an /etc/passwd symlink to a host file is not followed out" {
	printf 'evil:x:4242:4242::/:/bin/sh\n' >"$TMP/hostpasswd"
	cp -a "$ROOTFS" "$TMP/hostile"
	rm "$TMP/hostile/etc/passwd"
	ln -s "$TMP/hostpasswd" "$TMP/hostile/etc/passwd"
	tar -C "$TMP/hostile" -cf "$TMP/hostile.tar" .
	make_image "$TMP/layout-h" localhost/zt-hostile:latest "$TMP/hostile.tar" -- '{"User": "evil"}'
	run zimport "$TMP/layout-h" localhost/zt-hostile
	assert_success
	echo "$TMP/h" >>"$TMP/bundles"
	run zone_ image bundle localhost/zt-hostile "$TMP/h" -- true
	assert_failure
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial 'process.user'
	assert_output --partial '/etc/passwd'
	[ ! -e "$TMP/h" ]
}
