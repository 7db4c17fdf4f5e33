#!/usr/bin/env bats
# zone image import: OCI archives and layouts (podman, skopeo), docker-archive, root
# filesystems, whiteouts, and hostile archives that must leave nothing behind.

load helpers

: "${ZONE:=$REPO_DIR/build/asan/zone}"

# zimg ARGS...: `zone` on this test's own image store, through capture.
zimg() { capture "$ZONE" --data-root "$TMP/data" "$@"; }

STORE_DIRS=(blobs/sha256 layers records tmp)

# Nothing in the store: no blob, layer, record or work file.
assert_store_empty() {
	local d left
	for d in "${STORE_DIRS[@]}"; do
		left=$(ls -A "$TMP/data/images/$d" 2>/dev/null)
		[ -z "$left" ] || fail "images/$d not empty: $left"
	done
}

# layer_dir NAME [INDEX]: the unpacked directory of an image's layer (default: the top one).
layer_dir() {
	zimg image inspect "$1"
	[ "$status" -eq 0 ] || fail "inspect $1: $stderr"
	local diff
	diff=$(jq -r ".layers[${2:--1}].diff_id" <<<"$output")
	echo "$TMP/data/images/layers/${diff#sha256:}"
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

# A tree with what a root import must keep: modes, owners, symlinks, hard links, a device,
# a fifo, xattrs (user.* and security.capability).
make_rich_tree() {
	local t=$1
	mkdir -p "$t/bin" "$t/etc" "$t/dev" "$t/home/u"
	cp /bin/busybox "$t/bin/busybox"
	ln -s busybox "$t/bin/sh"
	echo hello >"$t/etc/motd"
	ln "$t/etc/motd" "$t/etc/motd.link"
	chmod 4755 "$t/bin/busybox"
	chown 1000:2000 "$t/home/u"
	chmod 0700 "$t/home/u"
	mknod "$t/dev/null" c 1 3
	mkfifo "$t/dev/fifo"
	python3 - "$t" <<-'PY'
		import os, sys
		t = sys.argv[1]
		os.setxattr(t + "/etc/motd", "user.note", b"kept")
		# cap_net_bind_service=ep, VFS_CAP_REVISION_2
		cap = bytes.fromhex("0100000200040000000000000000000000000000")
		os.setxattr(t + "/bin/busybox", "security.capability", cap)
	PY
	touch -h -d 2001-02-03T04:05:06Z "$t/etc/motd" "$t/bin/sh"
}

# check_rich_tree DIR: the unpacked layer has everything make_rich_tree made.
check_rich_tree() {
	local l=$1
	[ "$(stat -c %a "$l/bin/busybox")" = 4755 ] || fail "busybox mode $(stat -c %a "$l/bin/busybox")"
	[ "$(stat -c %u:%g:%a "$l/home/u")" = 1000:2000:700 ] || fail "home/u: $(stat -c %u:%g:%a "$l/home/u")"
	[ "$(readlink "$l/bin/sh")" = busybox ] || fail "bin/sh is not a symlink to busybox"
	[ "$(stat -c %i "$l/etc/motd")" = "$(stat -c %i "$l/etc/motd.link")" ] ||
		fail "etc/motd and etc/motd.link are not one inode"
	[ "$(stat -c '%F %t,%T' "$l/dev/null")" = "character special file 1,3" ] ||
		fail "dev/null: $(stat -c '%F %t,%T' "$l/dev/null")"
	[ -p "$l/dev/fifo" ] || fail "dev/fifo is not a fifo"
	[ "$(stat -c %Y "$l/etc/motd")" = 981173106 ] || fail "etc/motd mtime $(stat -c %Y "$l/etc/motd")"
	run python3 -c 'import os,sys; l=sys.argv[1]
print(os.getxattr(l+"/etc/motd","user.note").decode(), os.getxattr(l+"/bin/busybox","security.capability").hex())' "$l"
	assert_output "kept 0100000200040000000000000000000000000000"
}

@test "image import: podman's oci-archive and docker-archive, skopeo's oci dir" {
	command -v podman >/dev/null || skip "podman not installed"
	command -v skopeo >/dev/null || skip "skopeo not installed"
	mkdir -p "$TMP/ptmp"
	register_cleanup "podman_cleanup"
	tar -C "$ROOTFS" -cf "$TMP/rootfs.tar" .
	run podman_ import "$TMP/rootfs.tar" "localhost/zt-bb:$U"
	assert_success
	run podman_ save --format oci-archive -o "$TMP/oci.tar" "localhost/zt-bb:$U"
	assert_success
	run podman_ save --format docker-archive -o "$TMP/docker.tar" "localhost/zt-bb:$U"
	assert_success
	run skopeo copy "docker-archive:$TMP/docker.tar" "oci:$TMP/ocidir:v1"
	assert_success

	zimg image import "$TMP/oci.tar"
	[ "$status" -eq 0 ] || fail "oci-archive: $stderr"
	[[ "$output" == "localhost/zt-bb:$U "* ]] || fail "oci-archive named: $output"
	zimg image import --name localhost/from-docker "$TMP/docker.tar"
	[ "$status" -eq 0 ] || fail "docker-archive: $stderr"
	zimg image import --format oci-dir "$TMP/ocidir"
	[ "$status" -eq 0 ] || fail "oci dir: $stderr"
	assert_output --partial "localhost/ocidir:v1"

	zimg image ls --json
	[ "$(jq -r '[.[].name] | join(" ")' <<<"$output")" = \
		"localhost/from-docker:latest localhost/ocidir:v1 localhost/zt-bb:$U" ] ||
		fail "ls: $output"
	# The same uncompressed tar under the three: one unpacked layer, shared.
	local a b c
	a=$(layer_dir "localhost/zt-bb:$U")
	b=$(layer_dir localhost/from-docker)
	c=$(layer_dir localhost/ocidir:v1)
	[ "$a" = "$b" ] && [ "$b" = "$c" ] || fail "layers differ: $a $b $c"
	[ "$(ls "$TMP/data/images/layers" | wc -l)" -eq 1 ]
	cmp "$a/bin/busybox" "$ROOTFS/bin/busybox"
	[ "$(readlink "$a/bin/sh")" = busybox ]
	[ "$(stat -c %u:%g "$a/home/user")" = 1000:1000 ]
	[ "$(stat -c %a "$a/tmp")" = 1777 ]

	# rm + gc: the layer goes with the last image using it.
	zimg image rm localhost/from-docker "localhost/zt-bb:$U"
	[ "$status" -eq 0 ]
	zimg image gc
	[ -d "$c" ] || fail "gc removed a layer still in use"
	zimg image rm "$(jq -r '.[0].id' <<<"$(zone_ls_json)")"
	[ "$status" -eq 0 ] || fail "rm by id: $stderr"
	zimg image gc
	[ "$status" -eq 0 ]
	assert_store_empty
}

zone_ls_json() {
	"$ZONE" --data-root "$TMP/data" image ls --json
}

@test "image import: a root filesystem tar and directory keep modes, owners, links, devices, xattrs" {
	make_rich_tree "$TMP/tree"
	tar --xattrs --xattrs-include='*' -C "$TMP/tree" -czf "$TMP/tree.tar.gz" .
	zimg image import --name localhost/rich-tar "$TMP/tree.tar.gz"
	[ "$status" -eq 0 ] || fail "rootfs tar: $stderr"
	check_rich_tree "$(layer_dir localhost/rich-tar)"
	zimg image inspect localhost/rich-tar
	[ "$(jq -r '.layers[0].media_type' <<<"$output")" = application/vnd.oci.image.layer.v1.tar+gzip ]

	zimg image import --name localhost/rich-dir --format rootfs-dir "$TMP/tree"
	[ "$status" -eq 0 ] || fail "rootfs dir: $stderr"
	check_rich_tree "$(layer_dir localhost/rich-dir)"
	# Deterministic: the same tree gives the same layer.
	local d1 d2
	d1=$(jq -r '.layers[0].digest' <<<"$("$ZONE" --data-root "$TMP/data" image inspect localhost/rich-dir)")
	zimg image import --name localhost/rich-dir2 "$TMP/tree"
	d2=$(jq -r '.layers[0].digest' <<<"$("$ZONE" --data-root "$TMP/data" image inspect localhost/rich-dir2)")
	[ "$d1" = "$d2" ] || fail "two imports of one tree: $d1 vs $d2"

	# A root filesystem needs a name.
	zimg image import "$TMP/tree"
	assert_one_line_error
	[[ "$stderr" == *"needs a name (--name)"* ]] || fail "$stderr"
}

# blob FILE: stores FILE in the hand-made layout $TMP/layout, prints its digest.
blob() {
	local h
	h=$(sha256sum "$1" | cut -d' ' -f1)
	mkdir -p "$TMP/layout/blobs/sha256"
	cp "$1" "$TMP/layout/blobs/sha256/$h"
	echo "sha256:$h"
}

# A two-layer OCI layout: the upper layer (zstd) whites out a/f1 and makes o/ opaque.
make_whiteout_layout() {
	mkdir -p "$TMP/l1/a" "$TMP/l1/o" "$TMP/l2/a" "$TMP/l2/o"
	echo 1 >"$TMP/l1/a/f1"
	echo 2 >"$TMP/l1/a/f2"
	echo x >"$TMP/l1/o/x"
	: >"$TMP/l2/a/.wh.f1"
	: >"$TMP/l2/o/.wh..wh..opq"
	echo y >"$TMP/l2/o/y"
	tar -C "$TMP/l1" -cf "$TMP/l1.tar" .
	tar -C "$TMP/l2" -cf "$TMP/l2.tar" .
	zstd -q "$TMP/l2.tar" -o "$TMP/l2.tar.zst"
	local d1 d2 l1 l2 cfg man
	d1=sha256:$(sha256sum "$TMP/l1.tar" | cut -d' ' -f1)
	d2=sha256:$(sha256sum "$TMP/l2.tar" | cut -d' ' -f1)
	l1=$(blob "$TMP/l1.tar")
	l2=$(blob "$TMP/l2.tar.zst")
	jq -nc --arg d1 "$d1" --arg d2 "$d2" '{architecture:"amd64",os:"linux",
		config:{Cmd:["/bin/sh"],Env:["PATH=/bin"]},rootfs:{type:"layers",diff_ids:[$d1,$d2]}}' \
		>"$TMP/config.json"
	cfg=$(blob "$TMP/config.json")
	jq -nc --arg c "$cfg" --arg l1 "$l1" --arg l2 "$l2" \
		--argjson s1 "$(stat -c %s "$TMP/l1.tar")" --argjson s2 "$(stat -c %s "$TMP/l2.tar.zst")" \
		--argjson cs "$(stat -c %s "$TMP/config.json")" '{schemaVersion:2,
		mediaType:"application/vnd.oci.image.manifest.v1+json",
		config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$c,size:$cs},
		layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar",digest:$l1,size:$s1},
			{mediaType:"application/vnd.oci.image.layer.v1.tar+zstd",digest:$l2,size:$s2}]}' \
		>"$TMP/manifest.json"
	man=$(blob "$TMP/manifest.json")
	jq -nc --arg m "$man" --argjson s "$(stat -c %s "$TMP/manifest.json")" '{schemaVersion:2,
		manifests:[{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$m,size:$s,
		annotations:{"org.opencontainers.image.ref.name":"localhost/wh:1"}}]}' \
		>"$TMP/layout/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$TMP/layout/oci-layout"
}

@test "image import: whiteouts and opaque directories become overlayfs's" {
	make_whiteout_layout
	zimg image import "$TMP/layout"
	[ "$status" -eq 0 ] || fail "$stderr"
	assert_output --partial "localhost/wh:1"
	local lower upper
	lower=$(layer_dir localhost/wh:1 0)
	upper=$(layer_dir localhost/wh:1 1)
	[ -f "$lower/a/f1" ] && [ -f "$lower/o/x" ]
	[ "$(stat -c '%F %t,%T' "$upper/a/f1")" = "character special file 0,0" ] ||
		fail "a/f1 in the upper layer: $(stat -c '%F %t,%T' "$upper/a/f1" 2>&1)"
	[ ! -e "$upper/a/.wh.f1" ] && [ ! -e "$upper/o/.wh..wh..opq" ]
	run python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$upper/o"
	assert_output y
	[ "$(cat "$upper/o/y")" = y ]
	zimg image inspect localhost/wh:1
	[ "$(jq -r '.config.Cmd[0]' <<<"$output")" = /bin/sh ]
	# The same layout as a tar (what oci-archive is).
	tar -C "$TMP/layout" -cf "$TMP/layout.tar" .
	zimg image import --name localhost/wh-tar "$TMP/layout.tar"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(layer_dir localhost/wh-tar 1)" = "$upper" ]
}

# hostile NAME: a python snippet writing a tar to $TMP/$NAME.tar with tarfile `t` and helpers
# add(name, data) / sym(name, target) / hard(name, target).
hostile() {
	python3 - "$TMP/$1.tar" "$TMP/outside" <<-PY
		import io, sys, tarfile
		out, outside = sys.argv[1], sys.argv[2]
		t = tarfile.open(out, "w", format=tarfile.PAX_FORMAT)
		def add(name, data=b"x"):
		    i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
		def sym(name, target):
		    i = tarfile.TarInfo(name); i.type = tarfile.SYMTYPE; i.linkname = target; t.addfile(i)
		def hard(name, target):
		    i = tarfile.TarInfo(name); i.type = tarfile.LNKTYPE; i.linkname = target; t.addfile(i)
		$2
		t.close()
	PY
}

# rejects FILE REGEX [import args...]: the import fails with one line matching REGEX and
# leaves nothing in the store or outside it.
rejects() {
	local f=$1 re=$2
	shift 2
	mkdir -p "$TMP/outside"
	zimg image import "$@" "$f"
	assert_one_line_error
	[[ "$stderr" =~ $re ]] || fail "stderr does not match /$re/: $stderr"
	assert_store_empty
	[ -z "$(ls -A "$TMP/outside")" ] || fail "written outside the store: $(ls -A "$TMP/outside")"
	[ ! -e "$TMP/evil" ] || fail "written outside the store: $TMP/evil"
}

@test "image import: hostile entries are refused and leave nothing behind" {
	hostile dotdot 'add("ok"); add("../evil")'
	rejects "$TMP/dotdot.tar" 'entry "\.\./evil": "\.\." is not allowed' --name x

	hostile abs 'add("/evil")'
	rejects "$TMP/abs.tar" 'entry "/evil": absolute names are not allowed' --name x

	hostile through 'sym("link", outside); add("link/pwned")'
	rejects "$TMP/through.tar" 'entry "link/pwned": its path goes through a symlink' --name x

	hostile through_rel 'add("d/f"); sym("d/up", "../../../.."); add("d/up/evil")'
	rejects "$TMP/through_rel.tar" 'entry "d/up/evil": its path goes through a symlink' --name x

	hostile hard_out 'hard("h", "../../../../etc/passwd")'
	rejects "$TMP/hard_out.tar" 'entry "h": hard link target leaves the layer' --name x

	hostile hard_abs 'hard("h", "/etc/passwd")'
	rejects "$TMP/hard_abs.tar" 'entry "h": hard link target leaves the layer' --name x

	hostile hard_missing 'hard("h", "nothere")'
	rejects "$TMP/hard_missing.tar" 'entry "h": hard link target is not in the layer' --name x

	hostile big 'add("a", b"x" * 4096); add("b", b"y" * 4096)'
	rejects "$TMP/big.tar" 'layer bomb: entry "b" goes past the limit of 5000 bytes' \
		--name x --max-bytes 5000

	hostile many 'for i in range(30): add("f%d" % i)'
	rejects "$TMP/many.tar" 'layer bomb: more than 20 entries' --name x --max-entries 20

	# Truncated: half of a gzip'd rootfs.
	tar -C "$ROOTFS" -czf "$TMP/full.tgz" .
	head -c $(($(stat -c %s "$TMP/full.tgz") / 2)) "$TMP/full.tgz" >"$TMP/trunc.tgz"
	rejects "$TMP/trunc.tgz" 'unpack layer sha256:[0-9a-f]{64}: ' --name x

	# Something that is no tar at all.
	head -c 3000 /dev/urandom >"$TMP/noise"
	rejects "$TMP/noise" 'import .*noise' --name x --format rootfs-tar
}

@test "image import: digest mismatch, missing blob and truncated archive in an OCI layout" {
	make_whiteout_layout
	cp -a "$TMP/layout" "$TMP/good"
	# A layer blob whose bytes are not its name's.
	local l1
	l1=$(jq -r '.layers[0].digest' "$TMP/manifest.json")
	echo tampered >>"$TMP/layout/blobs/sha256/${l1#sha256:}"
	rejects "$TMP/layout" "digest mismatch: expected $l1, got sha256:"

	# A manifest naming a blob that is not there.
	rm -rf "$TMP/layout" && cp -a "$TMP/good" "$TMP/layout"
	rm "$TMP/layout/blobs/sha256/${l1#sha256:}"
	rejects "$TMP/layout" "the manifest names blob $l1, which is missing"

	# The layout as an archive, cut short.
	tar -C "$TMP/good" -cf "$TMP/good.tar" .
	head -c $(($(stat -c %s "$TMP/good.tar") - 3000)) "$TMP/good.tar" >"$TMP/cut.tar"
	rejects "$TMP/cut.tar" 'import .*cut\.tar: ' --format oci-archive

	# The good one still imports after all that.
	zimg image import "$TMP/good"
	[ "$status" -eq 0 ] || fail "$stderr"
}

@test "image import: a crashed import's work files are swept by the next writer" {
	mkdir -p "$TMP/data/images/tmp/layer-0123/etc"
	echo junk >"$TMP/data/images/tmp/blob-4567"
	tar -C "$ROOTFS" -cf "$TMP/r.tar" .
	zimg image import --name localhost/after-crash "$TMP/r.tar"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ -z "$(ls -A "$TMP/data/images/tmp")" ] || fail "tmp/ not swept: $(ls -A "$TMP/data/images/tmp")"
	zimg image ls
	assert_line --index 1 --regexp '^localhost/after-crash:latest +[0-9a-f]{12} '
}
