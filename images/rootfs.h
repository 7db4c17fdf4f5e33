/* A zone's root filesystem from an image: an overlay mount of the image's unpacked layers
 * (shared by every zone of the image) with a per-zone upper and work directory, or, where
 * overlay cannot be used, a copy of the layers applied one over the other. */
#pragma once

#include <sys/types.h>

#include "images/store.h"

enum zone_rootfs_mode {
        ZONE_ROOTFS_AUTO,    /* overlay, or a copy when the kernel has no overlay to offer */
        ZONE_ROOTFS_OVERLAY, /* overlay only */
        ZONE_ROOTFS_COPY,    /* a copy only */
};

/* Mounts an overlay of img's layers on target (an existing directory), the top layer first,
 * with state_dir/upper and state_dir/work (created; state_dir must exist) for the zone's own
 * changes. The layers come from zone_layer_path; -ENOENT when one is not unpacked. */
int zone_rootfs_overlay(struct zone_image_store *s, const struct zone_image *img,
                        const char *target, const char *state_dir, struct zone_err **err);

/* Fills target (an existing, empty directory) with img's layers applied bottom to top:
 * whiteouts delete, opaque directories hide what lower layers put there, ownership, modes,
 * times, xattrs and hard links are kept. Nothing in target is ever followed: a symlink a
 * lower layer left is replaced, not written through. */
int zone_rootfs_copy(struct zone_image_store *s, const struct zone_image *img, const char *target,
                     struct zone_err **err);

/* One of the above by mode; ret_mode (may be NULL) says which was made. AUTO falls back to a
 * copy only when overlay is missing, not permitted or refuses the directories (ENODEV,
 * EOPNOTSUPP, EPERM, EINVAL: an upper directory on a file system overlay cannot write to, such
 * as another overlay); other errors are reported. */
int zone_rootfs_create(struct zone_image_store *s, const struct zone_image *img, const char *target,
                       const char *state_dir, enum zone_rootfs_mode mode,
                       enum zone_rootfs_mode *ret_mode, struct zone_err **err);

/* True when something is mounted on path itself. */
bool zone_rootfs_mounted(const char *path);
/* 1 with ret_pid set when a process has target as its root directory (a zone runs on it:
 * the zone's own mount namespace keeps the overlay alive after the host unmounts it, so the
 * mount's busy state cannot tell), 0 when none does, or -errno. */
int zone_rootfs_user(const char *target, pid_t *ret_pid);
/* Unmounts the overlay on target (nothing to do when none is mounted there). -EBUSY while a
 * process has it as its root (zone_rootfs_user). */
int zone_rootfs_unmount(const char *target, struct zone_err **err);
/* Unmounts target, then removes it and state_dir's upper and work directories (state_dir may
 * be NULL for a copy). Missing parts are fine. */
int zone_rootfs_remove(const char *target, const char *state_dir, struct zone_err **err);

/* Removes dirfd/name and, for a directory, everything below it, never following a symlink
 * and never crossing into another mount (-EBUSY naming it). A missing name is not an error. */
int zone_tree_remove(int dirfd, const char *name, struct zone_err **err);
