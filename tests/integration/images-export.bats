#!/usr/bin/env bats
# zone image export: what zone writes, podman loads and skopeo reads, with the same digests.

load helpers

: "${ZONE:=$REPO_DIR/build/asan/zone}"

setup() {
	zone_setup
	DATA=$TMP/data
	mkdir -p "$TMP/ptmp"
}

# zone ARGS...: the zone CLI with this test's own image store.
zone_() {
	timeout --foreground -k 5 120 "$ZONE" --data-root "$DATA" "$@"
}

zimport() { # zimport SOURCE NAME
	zone_ image import --name "$2" "$1"
}

podman_() {
	podman --root "$TMP/storage" --runroot "$TMP/runroot" --storage-driver vfs \
		--cgroup-manager=cgroupfs --events-backend=file --tmpdir "$TMP/ptmp" "$@"
}

podman_cleanup() {
	podman_ rmi -af >/dev/null 2>&1
	local m
	for m in $(awk -v t="$TMP/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m"
	done
	rm -rf "$TMP/storage" "$TMP/runroot"
}

need_podman() {
	command -v podman >/dev/null || skip "podman not installed"
	register_cleanup podman_cleanup
}

# The busybox rootfs as an image podman made and saved (gzip layer, podman's own manifest),
# imported into zone's store as localhost/zt-busybox:latest. Leaves $TMP/podman.tar.
busybox_from_podman() {
	need_podman
	tar -C "$ROOTFS" -cf "$TMP/rootfs.tar" .
	run podman_ import "$TMP/rootfs.tar" localhost/zt-busybox:latest
	assert_success
	run podman_ save --format oci-archive -o "$TMP/podman.tar" localhost/zt-busybox:latest
	assert_success
	run podman_ rmi -af
	assert_success
	run zimport "$TMP/podman.tar" localhost/zt-busybox
	assert_success
}

# oci_field ARCHIVE_OR_DIR JQ: a field of the single manifest's index entry / manifest / config.
layout_dir() { # layout_dir ARCHIVE: extracted into $TMP/x.N, printed
	local d
	d=$(mktemp -d "$TMP/x.XXXXXX")
	tar -C "$d" -xf "$1"
	echo "$d"
}

manifest_of() { # manifest_of LAYOUT_DIR: the path of the manifest blob
	local m
	m=$(jq -r '.manifests[0].digest' "$1/index.json")
	echo "$1/blobs/sha256/${m#sha256:}"
}

@test "export oci-archive: the same manifest, config and layer blobs as podman saved, podman load and skopeo take it" {
	busybox_from_podman
	run zone_ image export localhost/zt-busybox --format oci-archive -o "$TMP/out.tar"
	assert_success
	local a b
	a=$(layout_dir "$TMP/podman.tar")
	b=$(layout_dir "$TMP/out.tar")
	# byte for byte: the manifest digest (the image's id) and every blob round-trip
	assert_equal "$(jq -r '.manifests[0].digest' "$b/index.json")" \
		"$(jq -r '.manifests[0].digest' "$a/index.json")"
	assert_equal "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' \
		"$b/index.json")" localhost/zt-busybox:latest
	assert_equal "$(cd "$b/blobs/sha256" && sha256sum * | sort)" \
		"$(cd "$a/blobs/sha256" && sha256sum * | sort)"
	# the names are the contents' digests
	local f
	for f in "$b"/blobs/sha256/*; do
		assert_equal "$(sha256sum "$f" | cut -d' ' -f1)" "${f##*/}"
	done

	run skopeo inspect "oci-archive:$TMP/out.tar"
	assert_success
	local ours
	ours=$(jq -c '[.layers[].digest]' "$(manifest_of "$b")")
	assert_equal "$(echo "$output" | jq -c .Layers)" "$ours"

	run podman_ load -i "$TMP/out.tar"
	assert_success
	assert_output --partial "Loaded image: localhost/zt-busybox:latest"
	run podman_ image inspect localhost/zt-busybox:latest --format '{{.Digest}}'
	assert_success
	assert_output "$(jq -r '.manifests[0].digest' "$b/index.json")"
	local config diff_ids
	config=$(jq -r .config.digest "$(manifest_of "$b")")
	diff_ids=$(jq -c .rootfs.diff_ids "$b/blobs/sha256/${config#sha256:}")
	run podman_ image inspect localhost/zt-busybox:latest --format '{{json .RootFS.Layers}}'
	assert_success
	assert_equal "$(echo "$output" | jq -c .)" "$diff_ids"
}

@test "export docker-archive: uncompressed layers named by diff id, podman load takes it" {
	busybox_from_podman
	run zone_ image export localhost/zt-busybox --format docker-archive -o "$TMP/d.tar"
	assert_success
	local d
	d=$(layout_dir "$TMP/d.tar")
	run jq -c '.[0].RepoTags' "$d/manifest.json"
	assert_output '["localhost/zt-busybox:latest"]'
	local config diff_ids layer
	config=$(jq -r '.[0].Config' "$d/manifest.json")
	diff_ids=$(jq -c .rootfs.diff_ids "$d/$config")
	# the config as it was: its file is named by its digest
	assert_equal "$(sha256sum "$d/$config" | cut -d' ' -f1).json" "$config"
	for layer in $(jq -r '.[0].Layers[]' "$d/manifest.json"); do
		# a plain tar whose digest is its diff id
		run tar -tf "$d/$layer"
		assert_success
		echo "$diff_ids" | jq -e --arg id "sha256:$(sha256sum "$d/$layer" | cut -d' ' -f1)" \
			'index($id) != null'
	done

	run podman_ load -i "$TMP/d.tar"
	assert_success
	assert_output --partial "Loaded image: localhost/zt-busybox:latest"
	run podman_ image inspect localhost/zt-busybox:latest --format '{{json .RootFS.Layers}}'
	assert_success
	assert_equal "$(echo "$output" | jq -c .)" "$diff_ids"
	run podman_ image inspect localhost/zt-busybox:latest --format '{{.Id}}'
	assert_output "${config%.json}"
}

@test "export oci-dir: skopeo reads the layout, blobs as stored" {
	busybox_from_podman
	run zone_ image export localhost/zt-busybox --format oci-dir -o "$TMP/dir"
	assert_success
	[ -f "$TMP/dir/oci-layout" ]
	run skopeo inspect "oci:$TMP/dir"
	assert_success
	assert_equal "$(echo "$output" | jq -r .Digest)" \
		"$(jq -r '.manifests[0].digest' "$TMP/dir/index.json")"
	assert_equal "$(echo "$output" | jq -c .Layers)" \
		"$(jq -c '[.layers[].digest]' "$(manifest_of "$TMP/dir")")"
	# skopeo copies it on to another format: the layout is complete
	run skopeo copy "oci:$TMP/dir" "oci-archive:$TMP/copy.tar"
	assert_success
	# never written over an existing directory
	run zone_ image export localhost/zt-busybox --format oci-dir -o "$TMP/dir"
	assert_failure
	assert_output --partial "$TMP/dir"
	[ -f "$TMP/dir/oci-layout" ]
}

@test "a failed export leaves no file: an unknown image, an unwritable path, a bad format" {
	busybox_from_podman
	run zone_ image export nosuch --format oci-archive -o "$TMP/a.tar"
	assert_failure
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial nosuch
	[ ! -e "$TMP/a.tar" ]

	# the directory is missing, and a file stands where a directory should
	run zone_ image export localhost/zt-busybox -o "$TMP/missing/a.tar"
	assert_failure
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e "$TMP/missing" ]
	touch "$TMP/file"
	for f in oci-archive docker-archive oci-dir; do
		run zone_ image export localhost/zt-busybox --format "$f" -o "$TMP/file/a"
		assert_failure
		[ "${#lines[@]}" -eq 1 ]
	done

	run zone_ image export localhost/zt-busybox --format tarball -o "$TMP/a.tar"
	assert_failure
	assert_output --partial 'unknown export format "tarball"'
	[ ! -e "$TMP/a.tar" ]

	# a full disk midway: a small tmpfs takes the metadata, not the layer
	mkdir "$TMP/small"
	mount -t tmpfs -o size=64k zt-small "$TMP/small"
	run zone_ image export localhost/zt-busybox --format oci-archive -o "$TMP/small/a.tar"
	local st=$status
	local left
	left=$(ls -A "$TMP/small")
	umount "$TMP/small"
	[ "$st" -ne 0 ]
	[ -z "$left" ]

	# nothing else was left beside the targets
	run ls -A "$TMP"
	refute_output --partial zone-tmp
	refute_output --partial a.tar
}
