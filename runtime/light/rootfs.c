/* The container's root filesystem: preparing it (propagation, mounts, devices) and entering it
 * (pivot_root, masked and read-only paths, read-only root). */
#include "light/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "light/lxcfs.h"
#include "light/mounts.h"
#include "spec.h"
#include "util.h"

/* True when path names "/dev" ("/dev/", "//dev" too). */
static bool is_dev_path(const char *path)
{
        const char *p = path + strspn(path, "/");
        if (strncmp(p, "dev", 3))
                return false;
        return !p[3 + strspn(p + 3, "/")];
}

/* runc creates devices only when /dev is not bind-mounted from the host. */
static bool dev_is_host_bind(const struct zone_spec *spec)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                const struct zone_spec_mount *m = &spec->mounts[i];
                if (!m->destination || !is_dev_path(m->destination))
                        continue;
                bool bind = m->type && !strcmp(m->type, "bind");
                for (size_t j = 0; m->options && m->options[j]; j++)
                        bind = bind || !strcmp(m->options[j], "bind") ||
                               !strcmp(m->options[j], "rbind");
                if (bind)
                        return true;
        }
        return false;
}

/* linux.rootfsPropagation as mount flags (0 when not given). */
static int root_propagation(const struct zone_spec *spec, unsigned long *ret, struct zone_err **err)
{
        const char *name = spec->has_linux ? spec->linux.rootfs_propagation : NULL;
        *ret = 0;
        if (name && *name && light_propagation_parse(name, ret) < 0)
                return zone_err_set(err, -EINVAL,
                                    "linux.rootfsPropagation: unknown propagation \"%s\"", name);
        return 0;
}

int light_rootfs_prepare(const struct zone_spec *spec, const struct light_rootfs_opts *opts,
                         struct zone_err **err)
{
        if (!opts->rootfs || opts->rootfs[0] != '/')
                return zone_err_set(err, -EINVAL, "rootfs path must be absolute");
        unsigned long propagation = 0;
        int r = root_propagation(spec, &propagation, err);
        if (r < 0)
                return r;

        /* Nothing done from here on may propagate back to the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                return zone_err_sys(err, -errno, "make / rslave");
        /* pivot_root needs the new root to be a mount point. */
        if (mount(opts->rootfs, opts->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                return zone_err_sys(err, -errno, "bind rootfs %s onto itself", opts->rootfs);

        _cleanup_close_ int rootfd = open(opts->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return zone_err_sys(err, -errno, "open rootfs %s", opts->rootfs);
        for (size_t i = 0; i < spec->n_mounts; i++)
                if ((r = light_mount_one(rootfd, spec, i, opts->userns, opts->mount_label, err)) <
                    0)
                        return r;
        if ((r = light_lxcfs_bind(rootfd, spec, err)) < 0)
                return r;
        if (!dev_is_host_bind(spec) &&
            (r = light_setup_devices(rootfd, spec, opts->userns, err)) < 0)
                return r;
        return 0;
}

/* Opens path inside the new root; *ret_fd is -1 when it does not exist (those are skipped). */
static int open_optional(int rootfd, const char *path, int *ret_fd, struct zone_err **err)
{
        struct zone_err *e = NULL;
        int fd = light_open_in_root(rootfd, path, false, false, &e);
        if (fd == -ENOENT || fd == -ENOTDIR) {
                zone_err_free(e);
                *ret_fd = -1;
                return 0;
        }
        if (fd < 0) {
                if (err && !*err)
                        *err = e;
                else
                        zone_err_free(e);
                return fd;
        }
        *ret_fd = fd;
        return 0;
}

static int mask_path(int rootfd, const char *path, struct zone_err **err)
{
        _cleanup_close_ int fd = -1;
        int r = open_optional(rootfd, path, &fd, err);
        if (r < 0 || fd < 0)
                return r < 0 ? zone_err_wrap(err, "mask %s", path) : 0;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return zone_err_sys(err, -errno, "mask %s: stat", path);
        if (S_ISDIR(st.st_mode)) {
                struct light_mount_opts o = {.set = MS_RDONLY};
                r = light_mount_fs("tmpfs", "tmpfs", &o, fd, path, err);
                return r < 0 ? zone_err_wrap(err, "mask %s", path) : 0;
        }
        _cleanup_close_ int nullfd = light_open_in_root(rootfd, "/dev/null", false, false, err);
        if (nullfd < 0)
                return zone_err_wrap(err, "mask %s", path);
        /* The zone's /dev/null may come from its image: mask with it only when it really is
         * the null device, or the "mask" would expose whatever it points at. */
        struct stat null_st;
        if (fstat(nullfd, &null_st) < 0)
                return zone_err_sys(err, -errno, "mask %s: stat /dev/null", path);
        if (!S_ISCHR(null_st.st_mode) || null_st.st_rdev != makedev(1, 3))
                return zone_err_set(err, -EPERM,
                                    "mask %s: /dev/null in the zone is not the null device", path);
        _cleanup_close_ int tree =
            open_tree(nullfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        if (tree < 0)
                return zone_err_sys(err, -errno, "mask %s: clone /dev/null", path);
        if (move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return zone_err_sys(err, -errno, "mask %s: bind /dev/null", path);
        return 0;
}

static int readonly_path(int rootfd, const char *path, struct zone_err **err)
{
        _cleanup_close_ int fd = -1;
        int r = open_optional(rootfd, path, &fd, err);
        if (r < 0 || fd < 0)
                return r < 0 ? zone_err_wrap(err, "make %s read-only", path) : 0;
        _cleanup_close_ int tree =
            open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
        if (tree < 0)
                return zone_err_sys(err, -errno, "make %s read-only: bind", path);
        /* Setting read-only never clears a flag, so locked flags are kept as they are. */
        r = light_mount_setattr(tree, MS_RDONLY, 0, true, false);
        if (r < 0)
                return zone_err_sys(err, r, "make %s read-only", path);
        if (move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return zone_err_sys(err, -errno, "make %s read-only: bind", path);
        return 0;
}

static int pivot(int rootfd, struct zone_err **err)
{
        _cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (oldroot < 0)
                return zone_err_sys(err, -errno, "open /");
        if (fchdir(rootfd) < 0)
                return zone_err_sys(err, -errno, "enter rootfs");
        /* pivot_root(".", ".") stacks the old root on top of the new one; no directory for it
         * is needed inside the image. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return zone_err_sys(err, -errno, "pivot_root into rootfs");
        if (fchdir(oldroot) < 0)
                return zone_err_sys(err, -errno, "enter old root");
        /* The detach must not propagate to the host's mounts. */
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return zone_err_sys(err, -errno, "make old root rslave");
        if (umount2(".", MNT_DETACH) < 0)
                return zone_err_sys(err, -errno, "detach old root");
        return 0;
}

static int move_root(int rootfd, const char *rootfs, struct zone_err **err)
{
        if (fchdir(rootfd) < 0)
                return zone_err_sys(err, -errno, "enter rootfs");
        /* Without pivot_root the host's mounts stay reachable under the moved root's parent
         * to anyone who can escape a chroot: this mode exists for ramfs roots only. */
        if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
                return zone_err_sys(err, -errno, "move rootfs %s onto /", rootfs);
        if (chroot(".") < 0)
                return zone_err_sys(err, -errno, "chroot into rootfs");
        return 0;
}

int light_rootfs_enter(const struct zone_spec *spec, const struct light_rootfs_opts *opts,
                       struct zone_err **err)
{
        if (!opts->rootfs || opts->rootfs[0] != '/')
                return zone_err_set(err, -EINVAL, "rootfs path must be absolute");
        int r;
        {
                _cleanup_close_ int rootfd = open(opts->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
                if (rootfd < 0)
                        return zone_err_sys(err, -errno, "open rootfs %s", opts->rootfs);
                r = opts->no_pivot ? move_root(rootfd, opts->rootfs, err) : pivot(rootfd, err);
                if (r < 0)
                        return r;
        }
        if (chdir("/") < 0)
                return zone_err_sys(err, -errno, "chdir /");
        /* The zone's root propagation is set on the new root only once it is the root:
         * pivot_root refuses a shared new root, and the host side stays a slave. */
        unsigned long propagation = 0;
        if ((r = root_propagation(spec, &propagation, err)) < 0)
                return r;
        if (propagation && mount(NULL, "/", NULL, propagation, NULL) < 0)
                return zone_err_sys(err, -errno, "linux.rootfsPropagation: make / %s",
                                    spec->linux.rootfs_propagation);

        _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return zone_err_sys(err, -errno, "open new root");
        if (spec->has_linux) {
                /* Same order as runc: read-only paths, then masks over them. */
                char **ro = spec->linux.readonly_paths, **masked = spec->linux.masked_paths;
                for (size_t i = 0; ro && ro[i]; i++)
                        if ((r = readonly_path(rootfd, ro[i], err)) < 0)
                                return r;
                for (size_t i = 0; masked && masked[i]; i++)
                        if ((r = mask_path(rootfd, masked[i], err)) < 0)
                                return r;
        }
        if (spec->root.readonly) {
                r = light_mount_setattr(rootfd, MS_RDONLY, 0, false, false);
                if (r < 0)
                        return zone_err_sys(err, r, "remount / read-only");
        }
        return 0;
}
