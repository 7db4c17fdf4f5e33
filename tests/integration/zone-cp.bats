#!/usr/bin/env bats
# zone cp: files, directories and tar streams between the host and a zone (running or
# stopped), ownership, and paths in the zone that try to leave it.

load helpers
load zone-cli-helpers

rootfs_of() { echo "$DATA/zones/$1/bundle/rootfs"; }

@test "zone-cp: a file and a directory both ways with a running zone, its tmpfs included" {
	zz run -d --name web bb sleep 1000
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	echo hello >"$TMP/f"
	chmod 0640 "$TMP/f"
	touch -d '2001-02-03 04:05:06' "$TMP/f"
	mkdir -p "$TMP/d/sub"
	echo deep >"$TMP/d/sub/g"
	ln -s sub/g "$TMP/d/link"

	zz cp "$TMP/f" web:/dev/shm/f
	[ "$status" -eq 0 ] || fail "cp into /dev/shm: $stderr"
	# only the zone's mount namespace has it: its /dev/shm is a tmpfs of its own
	[ "$(zone exec web cat /dev/shm/f)" = hello ]
	[ ! -e "$(rootfs_of web)/dev/shm/f" ] || fail "written under the rootfs, not the tmpfs"
	[ "$(zone exec web stat -c '%a %Y' /dev/shm/f)" = "640 $(stat -c %Y "$TMP/f")" ]

	zz cp "$TMP/d" web:/tmp
	[ "$status" -eq 0 ] || fail "cp dir into /tmp: $stderr"
	[ "$(zone exec web cat /tmp/d/sub/g)" = deep ]
	[ "$(zone exec web readlink /tmp/d/link)" = sub/g ]
	zz cp "$TMP/d/." web:/tmp/d2
	[ "$status" -eq 0 ] || fail "cp dir contents: $stderr"
	[ "$(zone exec web cat /tmp/d2/sub/g)" = deep ]

	zone exec web sh -c 'mkdir -p /srv/out/in && echo zfile >/srv/out/in/z && echo top >/srv/top'
	zz cp web:/srv/top "$TMP/top"
	[ "$status" -eq 0 ] || fail "cp file out: $stderr"
	[ "$(cat "$TMP/top")" = top ]
	mkdir "$TMP/outdir"
	zz cp web:/srv/out "$TMP/outdir"
	[ "$status" -eq 0 ] || fail "cp dir out: $stderr"
	[ "$(cat "$TMP/outdir/out/in/z")" = zfile ]
	zz cp web:/dev/shm/f "$TMP/outdir/"
	[ "$(cat "$TMP/outdir/f")" = hello ]
	# nothing temporary is left behind
	[ -z "$(find "$TMP/outdir" -name '.zone-cp-*')" ]
	[ -z "$(zone exec web find /tmp /srv /dev/shm -name '.zone-cp-*')" ]

	# a device in the zone is not copied to the host
	zz cp web:/dev/null "$TMP/null"
	assert_one_line_error
	[[ "$stderr" == *"device, fifo or socket"* ]] || fail "$stderr"
	[ ! -e "$TMP/null" ]
}

@test "zone-cp: a stopped zone, and - tar streams both ways" {
	zz create st --image bb -- sleep 1000
	[ "$status" -eq 0 ] || fail "create: $stderr"
	echo one >"$TMP/one"
	zz cp "$TMP/one" st:/one
	[ "$status" -eq 0 ] || fail "cp into stopped zone: $stderr"
	[ "$(cat "$(rootfs_of st)/one")" = one ]
	mkfifo "$(rootfs_of st)/etc/fifo"
	zz cp st:/etc "$TMP/etc-copy"
	[ "$status" -eq 0 ] || fail "cp /etc out: $stderr"
	[ -f "$TMP/etc-copy/passwd" ]
	[ ! -e "$TMP/etc-copy/fifo" ] || fail "a fifo was copied to the host"
	[[ "$stderr" == *"skipping"*"fifo"* ]] || fail "no warning: $stderr"

	mkdir "$(rootfs_of st)/opt"
	mkdir -p "$TMP/t/a"
	echo in-tar >"$TMP/t/a/x"
	tar -C "$TMP/t" -cf - a | zone cp - st:/opt
	[ "$(cat "$(rootfs_of st)/opt/a/x")" = in-tar ]
	zone cp st:/opt/a - >"$TMP/a.tar"
	[ "$(tar -tf "$TMP/a.tar" | sort | tr '\n' ' ')" = "a/ a/x " ] || fail "$(tar -tf "$TMP/a.tar")"
	[ "$(tar -xOf "$TMP/a.tar" a/x)" = in-tar ]

	# the stopped zone boots with what was copied in
	zz boot st
	[ "$status" -eq 0 ] || fail "boot: $stderr"
	[ "$(zone exec st cat /one /opt/a/x | tr '\n' ' ')" = "one in-tar " ]
	zone cp st:/one - | tar -xOf - one | grep -qx one

	# a tar with an entry that climbs out, or goes through a link it planted, is refused
	mkdir -p "$TMP/evil"
	ln -s "$TMP/evil" "$TMP/t/esc"
	echo pwned >"$TMP/t/p"
	tar -C "$TMP/t" -cf "$TMP/esc.tar" esc
	tar -C "$TMP/t" -rf "$TMP/esc.tar" --transform 's,^p,esc/p,' p
	zz cp - st:/opt <"$TMP/esc.tar"
	[ "$status" -ne 0 ] || fail "a tar through its own symlink was extracted"
	[ ! -e "$TMP/evil/p" ] && [ ! -e "$(rootfs_of st)$TMP/evil/p" ]
	tar -C "$TMP/t" -cf "$TMP/dotdot.tar" -P --transform 's,^p,../../p,' p
	zz cp - st:/opt <"$TMP/dotdot.tar"
	assert_one_line_error
	[ ! -e "$(rootfs_of st)/p" ] && [ ! -e "$DATA/zones/st/p" ]
}

@test "zone-cp: ownership: the zone's root by default, the source's with -a" {
	zz create own --image bb -- sleep 1000
	[ "$status" -eq 0 ] || fail "create: $stderr"
	echo x >"$TMP/owned"
	chown 1234:5678 "$TMP/owned"
	zz cp "$TMP/owned" own:/plain
	[ "$status" -eq 0 ] || fail "cp: $stderr"
	[ "$(stat -c %u:%g "$(rootfs_of own)/plain")" = 0:0 ]
	zz cp -a "$TMP/owned" own:/kept
	[ "$status" -eq 0 ] || fail "cp -a: $stderr"
	[ "$(stat -c %u:%g "$(rootfs_of own)/kept")" = 1234:5678 ]
	chown 4321:8765 "$(rootfs_of own)/kept"
	zz cp own:/kept "$TMP/back"
	[ "$(stat -c %u:%g "$TMP/back")" = 0:0 ]
	zz cp --archive own:/kept "$TMP/back-a"
	[ "$(stat -c %u:%g "$TMP/back-a")" = 4321:8765 ]
}

# The zone's /x points at an absolute path that, on the host, is a directory of this test's
# TMP with a marker: any escape would read or write the host's copy.
plant_links() { # plant_links NAME (through the zone itself when it runs)
	mkdir -p "$TMP/hostetc"
	echo host-secret >"$TMP/hostetc/shadow"
	echo host-target >"$TMP/hostetc/target"
	zone exec "$1" sh -c "mkdir -p '$TMP/hostetc' && echo zone-secret >'$TMP/hostetc/shadow' &&
		ln -s '$TMP/hostetc' /x && ln -s '$TMP/hostetc/target' /link &&
		ln -s ../../../../../../.. /up"
}

@test "zone-cp: symlinks in a running zone resolve inside it, never on the host" {
	zz run -d --name esc bb sleep 1000
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	plant_links esc
	echo from-host >"$TMP/passwd"

	zz cp "$TMP/passwd" esc:/x/passwd
	[ "$status" -eq 0 ] || fail "cp through /x: $stderr"
	[ ! -e "$TMP/hostetc/passwd" ] || fail "written on the host through the zone's symlink"
	[ "$(zone exec esc cat "$TMP/hostetc/passwd")" = from-host ]

	[ "$(zone cp esc:/x/shadow - | tar -xOf - shadow)" = zone-secret ]
	[ "$(zone cp esc:/up/x/shadow - | tar -xOf - shadow)" = zone-secret ]
	[ "$(zone cp "esc:/../../../..$TMP/hostetc/shadow" - | tar -xOf - shadow)" = zone-secret ]
	zz cp esc:/x/shadow "$TMP/got"
	[ "$(cat "$TMP/got")" = zone-secret ]

	# a symlink at the destination is replaced, not written through
	zz cp "$TMP/passwd" esc:/link
	[ "$status" -eq 0 ] || fail "cp onto /link: $stderr"
	[ "$(cat "$TMP/hostetc/target")" = host-target ]
	[ "$(zone exec esc sh -c 'test -L /link || cat /link')" = from-host ]
	# copied out, a link stays a link (its target is not read)
	zz cp esc:/x "$TMP/x-out"
	[ "$(readlink "$TMP/x-out")" = "$TMP/hostetc" ]
	[ "$(cat "$TMP/hostetc/shadow")" = host-secret ]
}

@test "zone-cp: symlinks in a stopped zone's root resolve inside it" {
	zz create sesc --image bb -- sleep 1000
	[ "$status" -eq 0 ] || fail "create: $stderr"
	local root
	root=$(rootfs_of sesc)
	mkdir -p "$TMP/hostetc" "$root$TMP/hostetc"
	echo host-secret >"$TMP/hostetc/shadow"
	echo zone-secret >"$root$TMP/hostetc/shadow"
	ln -s "$TMP/hostetc" "$root/x"
	echo from-host >"$TMP/passwd"
	zz cp "$TMP/passwd" sesc:/x/passwd
	[ "$status" -eq 0 ] || fail "cp: $stderr"
	[ ! -e "$TMP/hostetc/passwd" ] && [ "$(cat "$root$TMP/hostetc/passwd")" = from-host ]
	[ "$(zone cp sesc:/x/shadow - | tar -xOf - shadow)" = zone-secret ]
	# a tar stream into the zone's link lands in the zone too
	cp "$TMP/passwd" "$TMP/passwd2"
	tar -C "$TMP" -cf - passwd2 | zone cp - sesc:/x
	[ ! -e "$TMP/hostetc/passwd2" ] && [ "$(cat "$root$TMP/hostetc/passwd2")" = from-host ]
}

@test "zone-cp: bad input: one line, non-zero, nothing written" {
	zz create bad --image bb -- sleep 1000
	[ "$status" -eq 0 ] || fail "create: $stderr"
	echo x >"$TMP/f"
	zz cp "$TMP/f" nosuch:/f
	assert_one_line_error
	[[ "$stderr" == *'no zone named "nosuch"'* ]] || fail "$stderr"
	zz cp "$TMP/missing" bad:/f
	assert_one_line_error
	[[ "$stderr" == *"$TMP/missing"* ]] || fail "$stderr"
	zz cp bad:/missing "$TMP/g"
	assert_one_line_error
	[ ! -e "$TMP/g" ]
	zz cp "$TMP/f" bad:/no/such/dir/f
	assert_one_line_error
	[[ "$stderr" == *"does not exist"* ]] || fail "$stderr"
	[ ! -e "$(rootfs_of bad)/no" ]
	zz cp "$TMP/f" bad:/newdir/
	assert_one_line_error
	[ ! -e "$(rootfs_of bad)/newdir" ]
	zz cp bad:/etc bad:/tmp
	assert_one_line_error
	[[ "$stderr" == *"between zones"* ]] || fail "$stderr"
	zz cp "$TMP/f" "$TMP/h"
	assert_one_line_error
	[ ! -e "$TMP/h" ]
	zz cp "$TMP/f" -
	assert_one_line_error
	zz cp bad:/etc "$TMP/f"
	assert_one_line_error
	[[ "$stderr" == *"non-directory"* ]] || fail "$stderr"
	[ "$(cat "$TMP/f")" = x ]
	# a directory that fails half-way leaves nothing: root cannot read a write-only sysctl
	zz cp /proc/sys/vm bad:/vm
	assert_one_line_error
	[[ "$stderr" == *"/proc/sys/vm/"* ]] || fail "$stderr"
	[ ! -e "$(rootfs_of bad)/vm" ]
	[ -z "$(find "$(rootfs_of bad)" -name '.zone-cp-*')" ] || fail "temporary entries left"
}

@test "zone-cp: an emulated zone: its root is the bundle's, shared with the guest" {
	require_emulated "$ZONE"
	ZONE_TIMEOUT=300 zz run -d --type emulated --name vmz bb sleep 1000
	[ "$status" -eq 0 ] || fail "run -d: $stderr"
	echo to-guest >"$TMP/f"
	zz cp "$TMP/f" vmz:/f
	[ "$status" -eq 0 ] || fail "cp in: $stderr"
	[ "$(ZONE_TIMEOUT=300 zone exec vmz cat /f)" = to-guest ]
	ZONE_TIMEOUT=300 zone exec vmz sh -c 'echo from-guest >/g; sync'
	zz cp vmz:/g "$TMP/g"
	[ "$status" -eq 0 ] || fail "cp out: $stderr"
	[ "$(cat "$TMP/g")" = from-guest ]
}
