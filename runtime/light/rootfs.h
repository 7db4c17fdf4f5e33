/* The container's root filesystem, built inside its new mount namespace by the container's
 * first process. Every destination is resolved inside the rootfs (openat2 RESOLVE_IN_ROOT),
 * so symlinks and ".." planted in an image cannot reach the host. */
#pragma once

#include <stdbool.h>

struct zone_spec;
struct zone_err;

struct light_rootfs_opts {
        const char *rootfs; /* absolute host path of root.path */
        bool userns;        /* inside a new user namespace: bind-mount devices, keep locked flags */
        bool no_pivot;      /* chroot-style entry instead of pivot_root (--no-pivot) */
        const char *mount_label; /* linux.mountLabel when SELinux is on, else NULL */
};

/* Step 1, before createContainer hooks: root propagation (rootfsPropagation, default rprivate
 * then the given one), bind the rootfs onto itself, the config's mounts in order (every OCI
 * type and option), default devices (/dev/null zero full random urandom tty, ptmx -> pts/ptmx)
 * and /dev symlinks (fd stdin stdout stderr core), linux.devices. */
int light_rootfs_prepare(const struct zone_spec *spec, const struct light_rootfs_opts *opts,
                         struct zone_err **err);

/* Step 2, after createContainer hooks: pivot_root into the rootfs (or move + chroot when
 * no_pivot), chdir("/"), then maskedPaths, readonlyPaths and a read-only root. */
int light_rootfs_enter(const struct zone_spec *spec, const struct light_rootfs_opts *opts,
                       struct zone_err **err);

/* Opens path inside the directory tree rooted at rootfd, never leaving it (symlinks and ".."
 * are resolved as if rootfd were "/"). With mkdirs, missing parents (and the final component
 * as a directory, or as an empty file when as_file) are created. Returns an O_PATH fd. */
int light_open_in_root(int rootfd, const char *path, bool mkdirs, bool as_file,
                       struct zone_err **err);
