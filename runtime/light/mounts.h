/* Private to the light backend's rootfs code: OCI mount options, and the mount steps that
 * rootfs.c strings together. Everything mounts onto fds resolved inside the rootfs with the
 * new mount API (open_tree/fsopen/fsmount/move_mount/mount_setattr), never onto paths. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zone_err;
struct zone_spec;
struct zone_spec_mount;
struct zone_spec_device;

/* The parsed "options" of one mount. Flags are MS_* values (as mount(2) and runc document
 * them); they are translated to MOUNT_ATTR_* / fsconfig flags when applied. */
struct light_mount_opts {
        unsigned long set;         /* MS_* asked for ("ro" -> MS_RDONLY) */
        unsigned long clear;       /* MS_* explicitly turned off ("rw", "suid", "atime") */
        uint64_t rec_attr_set;     /* MOUNT_ATTR_* for the recursive forms ("rro", "rnosuid") */
        uint64_t rec_attr_clear;   /* MOUNT_ATTR_* cleared recursively ("rrw", "rsuid") */
        unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, 0: none */
        bool propagation_rec;      /* the r-variant ("rshared") */
        bool bind, rec;            /* "bind" / "rbind" */
        char *data;                /* everything else, comma-joined ("mode=755,size=64k") */
        const char *context;       /* SELinux context= for the new superblock, or NULL */
};

/* Parses options (NULL allowed). Unknown options go to data. "idmap"/"ridmap" fail with
 * "... is not supported". `what` prefixes messages ("mounts[1].options"). */
int light_mount_opts_parse(char *const *options, const char *what, struct light_mount_opts *ret,
                           struct zone_err **err);
void light_mount_opts_done(struct light_mount_opts *o);

/* "shared", "rslave", ... -> MS_* (| MS_REC for the r-variants). -EINVAL when unknown. */
int light_propagation_parse(const char *name, unsigned long *ret);

/* Mounts one config mount (index i, for messages) into the rootfs at rootfd. */
int light_mount_one(int rootfd, const struct zone_spec *spec, size_t i, bool userns,
                    const char *mount_label, struct zone_err **err);

/* The "cgroup" mount type: cgroup2, or a tmpfs holding the host's v1 hierarchies. In a cgroup
 * namespace each is mounted fresh; without one, the process's own cgroup of each is bound. */
int light_mount_cgroup(int rootfd, const struct zone_spec_mount *m,
                       const struct light_mount_opts *o, bool cgroupns, bool userns,
                       struct zone_err **err);

/* Mounts a fresh filesystem (fsopen) of type on the in-root fd destfd. `name` is used in
 * messages ("mount proc on /proc"). */
int light_mount_fs(const char *type, const char *source, const struct light_mount_opts *o,
                   int destfd, const char *dest_name, struct zone_err **err);

/* Applies MS_* set/clear (as mount attributes) to the mount tree fd; with keep_locked, flags
 * the mount already has are never cleared (a user namespace may not clear locked ones). */
int light_mount_setattr(int fd, unsigned long set, unsigned long clear, bool recursive,
                        bool keep_locked);

/* Default devices, /dev symlinks and linux.devices (called when /dev is not a host bind). */
int light_setup_devices(int rootfd, const struct zone_spec *spec, bool userns,
                        struct zone_err **err);
