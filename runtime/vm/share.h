/* The config's bind mounts in a vm or emulated zone: their sources are host paths the guest
 * cannot see, so each one is shared with it. In QEMU's confined root (confine.c) a directory,
 * VM_SHARE_QEMU_DIR, holds one index-named entry per bind (a directory, or an empty file as
 * the mount point of a file) with the source bound on it; QEMU exports that directory as one
 * more virtio-9p device (tag VM_SHARE_TAG), the agent mounts it at VM_SHARE_GUEST_DIR, and
 * the guest's config names VM_SHARE_GUEST_DIR/N as the bind's source. Only the sources are
 * shared, never their parent directories. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct zone_spec;
struct zone_err;

/* Where the entries are in QEMU's root. */
#define VM_SHARE_QEMU_DIR "/.zone-share"

struct vm_share_entry {
        int tree;      /* a detached copy of the source's mount (open_tree), flags set */
        bool dir;      /* a directory, else a regular file */
        bool readonly; /* read-only, submounts included */
};

struct vm_share {
        struct vm_share_entry *entries;
        size_t n;
        /* Per config mount: its source in the guest, or NULL to leave it as it is. */
        char **guest_sources;
        size_t n_mounts;
        bool readonly; /* every entry is read-only, submounts included */
};

/* Opens the source of every bind mount of spec (relative ones from the current directory,
 * the bundle) and takes the copy of it QEMU's root will hold (see vm_share_entry), refusing what
 * cannot be shared with a guest: a missing source, the host's /dev, /proc and /sys, and files that
 * are neither regular nor directories. A bind of one of the standard character devices (/dev/null,
 * /dev/zero, ...) names the guest's own. Errors name mounts[i].source. */
int vm_share_open(const struct zone_spec *spec, const char *type, struct vm_share *ret,
                  struct zone_err **err);
/* Closes the copies (the supervisor does, once QEMU's root holds them). */
void vm_share_close(const struct vm_share *s);
void vm_share_done(struct vm_share *s);
