/* Root filesystems from images: overlay mounts of the store's unpacked layers, and the copy
 * used where overlay cannot be. */
#include "images/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

#define OPAQUE_XATTR  "trusted.overlay.opaque"
#define OVERLAY_XATTR "trusted.overlay."

static void dir_closep(DIR **d)
{
        if (*d)
                closedir(*d);
}

/* ---- removal ---- */

static int remove_children(int fd, const char *what, dev_t dev, struct zone_err **err);

static int remove_at(int dirfd, const char *name, const char *what, dev_t dev, bool check_dev,
                     struct zone_err **err)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return zone_err_sys(err, -errno, "remove %s: stat %s", what, name);
        }
        if (S_ISDIR(st.st_mode)) {
                if (check_dev && st.st_dev != dev)
                        return zone_err_set(err, -EBUSY, "remove %s: %s is another mount", what,
                                            name);
                _cleanup_close_ int fd =
                    openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return zone_err_sys(err, -errno, "remove %s: open %s", what, name);
                /* something mounted on the directory itself has another device number too,
                 * except a bind mount of the same file system: ask statx */
                struct statx sx;
                if (statx(fd, "", AT_EMPTY_PATH, 0, &sx) == 0 &&
                    (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
                    (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
                        return zone_err_set(err, -EBUSY, "remove %s: %s is a mount point", what,
                                            name);
                int r = remove_children(fd, what, st.st_dev, err);
                if (r < 0)
                        return r;
                if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                        return zone_err_sys(err, -errno, "remove %s: %s", what, name);
                return 0;
        }
        if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                return zone_err_sys(err, -errno, "remove %s: %s", what, name);
        return 0;
}

static int remove_children(int fd, const char *what, dev_t dev, struct zone_err **err)
{
        int dfd = dup(fd);
        if (dfd < 0)
                return zone_err_sys(err, -errno, "remove %s", what);
        _cleanup_(dir_closep) DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return zone_err_sys(err, -errno, "remove %s", what);
        }
        struct dirent *de;
        errno = 0;
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                int r = remove_at(fd, de->d_name, what, dev, true, err);
                if (r < 0)
                        return r;
                errno = 0;
        }
        if (errno)
                return zone_err_sys(err, -errno, "remove %s: read the directory", what);
        return 0;
}

int zone_tree_remove(int dirfd, const char *name, struct zone_err **err)
{
        return remove_at(dirfd, name, name, 0, false, err);
}

/* ---- overlay ---- */

bool zone_rootfs_mounted(const char *path)
{
        struct statx sx;
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, 0, &sx) < 0)
                return false;
        return (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
               (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* The kernel's own reasons for a failed fsconfig, read back from the context. */
static void fs_messages(int fsfd, char *buf, size_t size)
{
        size_t used = 0;
        buf[0] = 0;
        for (;;) {
                char line[512];
                ssize_t n = read(fsfd, line, sizeof(line) - 1);
                if (n <= 0)
                        break;
                line[n] = 0;
                /* "e overlayfs: ..." */
                const char *m = n > 2 && line[1] == ' ' ? line + 2 : line;
                int w = snprintf(buf + used, size - used, "%s%s", used ? "; " : " (", m);
                if (w < 0 || (size_t)w >= size - used)
                        break;
                used += (size_t)w;
        }
        if (used && used + 2 <= size)
                strcat(buf, ")");
}

static int set_string(int fsfd, const char *key, const char *value, const char *target,
                      struct zone_err **err)
{
        if (fsconfig(fsfd, FSCONFIG_SET_STRING, key, value, 0) == 0)
                return 0;
        int r = -errno;
        char why[1024];
        fs_messages(fsfd, why, sizeof(why));
        return zone_err_sys(err, r, "mount overlay on %s: %s=%s%s", target, key, value, why);
}

/* Options common to both mount paths, and why:
 * index=off: the layers are shared by many overlays, and an index ties a lower to one;
 * redirect_dir=nofollow, metacopy=off: the layers come from images, so redirect and metacopy
 * xattrs in them are never honoured (the unpacker does not write them either; a renamed lower
 * directory is copied by the zone's `mv`, which handles EXDEV).
 * Whiteouts (0/0 character devices) and trusted.overlay.opaque are understood natively by a
 * root-mounted overlay, so nothing has to be asked for them: `userxattr`, which would switch
 * to user.overlay.*, must stay off. */
static const char *const overlay_flags[][2] = {
    {"index", "off"},
    {"redirect_dir", "nofollow"},
    {"metacopy", "off"},
};

/* Before lowerdir+ (Linux 6.8) the layers go in one option string, bounded by a page. */
static int overlay_legacy(char **lowers, size_t n, const char *upper, const char *work,
                          const char *target, struct zone_err **err)
{
        long page = sysconf(_SC_PAGESIZE);
        size_t len = strlen("lowerdir=,upperdir=,workdir=") + strlen(upper) + strlen(work) + 64;
        for (size_t i = 0; i < n; i++) {
                /* ':' and ',' would need escaping the old parser does not reliably offer */
                if (strpbrk(lowers[i], ":,"))
                        return zone_err_set(err, -EINVAL,
                                            "mount overlay on %s: layer path %s has ':' or ','",
                                            target, lowers[i]);
                len += strlen(lowers[i]) + 1;
        }
        if (strpbrk(upper, ":,") || strpbrk(work, ":,"))
                return zone_err_set(err, -EINVAL, "mount overlay on %s: %s or %s has ':' or ','",
                                    target, upper, work);
        if (page > 0 && len >= (size_t)page)
                return zone_err_set(err, -E2BIG,
                                    "mount overlay on %s: %zu layers need %zu bytes of mount "
                                    "options, more than a page (%ld); Linux >= 6.8 takes any "
                                    "number (lowerdir+)",
                                    target, n, len, page);
        _cleanup_free_ char *data = malloc(len);
        if (!data)
                return zone_err_set(err, -ENOMEM, "out of memory");
        size_t used = (size_t)sprintf(data, "lowerdir=");
        for (size_t i = 0; i < n; i++)
                used += (size_t)sprintf(data + used, "%s%s", i ? ":" : "", lowers[i]);
        used += (size_t)sprintf(data + used, ",upperdir=%s,workdir=%s", upper, work);
        for (size_t i = 0; i < ARRAY_SIZE(overlay_flags); i++)
                used += (size_t)sprintf(data + used, ",%s=%s", overlay_flags[i][0],
                                        overlay_flags[i][1]);
        if (mount("zone-image", target, "overlay", 0, data) < 0)
                return zone_err_sys(err, -errno, "mount overlay on %s", target);
        return 0;
}

static int make_dir(const char *path, struct zone_err **err)
{
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                return zone_err_sys(err, -errno, "create %s", path);
        struct stat st;
        if (lstat(path, &st) < 0)
                return zone_err_sys(err, -errno, "stat %s", path);
        if (!S_ISDIR(st.st_mode))
                return zone_err_set(err, -ENOTDIR, "%s is not a directory", path);
        return 0;
}

int zone_rootfs_overlay(struct zone_image_store *s, const struct zone_image *img,
                        const char *target, const char *state_dir, struct zone_err **err)
{
        if (img->n_layers == 0)
                return zone_err_set(err, -EINVAL, "mount overlay on %s: image %s has no layers",
                                    target, img->name);
        char **lowers = calloc(img->n_layers + 1, sizeof(char *));
        if (!lowers)
                return zone_err_set(err, -ENOMEM, "out of memory");
        _cleanup_strv_ char **lv = lowers;
        _cleanup_free_ char *upper = NULL, *work = NULL;
        int r;
        /* the top layer first, as overlay stacks them */
        for (size_t i = 0; i < img->n_layers; i++) {
                r = zone_layer_path(s, img->layers[img->n_layers - 1 - i].diff_id, &lowers[i], err);
                if (r < 0)
                        return zone_err_wrap(err, "mount overlay on %s", target);
        }
        if (asprintf(&upper, "%s/upper", state_dir) < 0 ||
            asprintf(&work, "%s/work", state_dir) < 0)
                return zone_err_set(err, -ENOMEM, "out of memory");
        if ((r = make_dir(upper, err)) < 0 || (r = make_dir(work, err)) < 0)
                return r;

        _cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return zone_err_sys(err, -errno, "mount overlay on %s: open an overlay", target);
        if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", lowers[0], 0) < 0) {
                if (errno != EINVAL)
                        return zone_err_sys(err, -errno, "mount overlay on %s: lowerdir+=%s",
                                            target, lowers[0]);
                /* a kernel without lowerdir+ */
                return overlay_legacy(lowers, img->n_layers, upper, work, target, err);
        }
        for (size_t i = 1; i < img->n_layers; i++)
                if ((r = set_string(fsfd, "lowerdir+", lowers[i], target, err)) < 0)
                        return r;
        if ((r = set_string(fsfd, "upperdir", upper, target, err)) < 0 ||
            (r = set_string(fsfd, "workdir", work, target, err)) < 0 ||
            (r = set_string(fsfd, "source", "zone-image", target, err)) < 0)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(overlay_flags); i++)
                if ((r = set_string(fsfd, overlay_flags[i][0], overlay_flags[i][1], target, err)) <
                    0)
                        return r;
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
                r = -errno;
                char why[1024];
                fs_messages(fsfd, why, sizeof(why));
                return zone_err_sys(err, r, "mount overlay on %s%s", target, why);
        }
        _cleanup_close_ int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
        if (mfd < 0)
                return zone_err_sys(err, -errno, "mount overlay on %s", target);
        if (move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return zone_err_sys(err, -errno, "mount overlay on %s", target);
        return 0;
}

int zone_rootfs_user(const char *target, pid_t *ret_pid)
{
        struct stat root;
        *ret_pid = 0;
        if (stat(target, &root) < 0)
                return errno == ENOENT ? 0 : -errno;
        _cleanup_(dir_closep) DIR *d = opendir("/proc");
        if (!d)
                return -errno;
        pid_t self = getpid();
        struct dirent *de;
        while ((de = readdir(d))) {
                char *end;
                long pid = strtol(de->d_name, &end, 10);
                if (*end || pid <= 0 || pid == self)
                        continue;
                char path[64];
                struct stat st;
                snprintf(path, sizeof(path), "/proc/%ld/root", pid);
                /* processes come and go, and some roots are not ours to see: skip those */
                if (stat(path, &st) < 0)
                        continue;
                if (st.st_dev == root.st_dev && st.st_ino == root.st_ino) {
                        *ret_pid = (pid_t)pid;
                        return 1;
                }
        }
        return 0;
}

int zone_rootfs_unmount(const char *target, struct zone_err **err)
{
        pid_t pid;
        if (zone_rootfs_user(target, &pid) > 0)
                return zone_err_set(err, -EBUSY, "unmount %s: process %d runs in it: EBUSY", target,
                                    (int)pid);
        if (!zone_rootfs_mounted(target))
                return 0;
        if (umount2(target, UMOUNT_NOFOLLOW) < 0)
                return zone_err_sys(err, -errno, "unmount %s", target);
        return 0;
}

static int remove_state(const char *state_dir, struct zone_err **err)
{
        int r;
        _cleanup_close_ int fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : zone_err_sys(err, -errno, "open %s", state_dir);
        if ((r = zone_tree_remove(fd, "upper", err)) < 0 ||
            (r = zone_tree_remove(fd, "work", err)) < 0)
                return zone_err_wrap(err, "%s", state_dir);
        return 0;
}

int zone_rootfs_remove(const char *target, const char *state_dir, struct zone_err **err)
{
        int r = zone_rootfs_unmount(target, err);
        if (r < 0)
                return r;
        if ((r = zone_tree_remove(AT_FDCWD, target, err)) < 0)
                return r;
        return state_dir ? remove_state(state_dir, err) : 0;
}

/* ---- copy ---- */

/* Hard links of one layer: the first copy of each multiply linked inode, by its path below
 * the root (its directories are this layer's, made by us). */
struct link_seen {
        dev_t dev;
        ino_t ino;
        char *path;
};

struct copy {
        int rootfd; /* the target */
        const char *target, *layer;
        struct link_seen *links;
        size_t n_links;
};

static int open_beneath(int rootfd, const char *path, int flags)
{
        struct open_how how = {
            .flags = (uint64_t)(flags | O_CLOEXEC),
            .resolve =
                RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
        return fd < 0 ? -errno : (int)fd;
}

static int copy_xattrs(int src, int dst, const char *path, struct copy *c, struct zone_err **err)
{
        ssize_t len = flistxattr(src, NULL, 0);
        if (len < 0)
                return errno == EOPNOTSUPP
                           ? 0
                           : zone_err_sys(err, -errno, "list xattrs of %s in %s", path, c->layer);
        if (len == 0)
                return 0;
        _cleanup_free_ char *names = malloc((size_t)len);
        if (!names)
                return zone_err_set(err, -ENOMEM, "out of memory");
        len = flistxattr(src, names, (size_t)len);
        if (len < 0)
                return zone_err_sys(err, -errno, "list xattrs of %s in %s", path, c->layer);
        for (char *n = names; n < names + len; n += strlen(n) + 1) {
                if (strncmp(n, OVERLAY_XATTR, strlen(OVERLAY_XATTR)) == 0)
                        continue;
                ssize_t vlen = fgetxattr(src, n, NULL, 0);
                if (vlen < 0)
                        return zone_err_sys(err, -errno, "read xattr %s of %s in %s", n, path,
                                            c->layer);
                _cleanup_free_ char *v = malloc((size_t)vlen + 1);
                if (!v)
                        return zone_err_set(err, -ENOMEM, "out of memory");
                vlen = fgetxattr(src, n, v, (size_t)vlen);
                if (vlen < 0)
                        return zone_err_sys(err, -errno, "read xattr %s of %s in %s", n, path,
                                            c->layer);
                if (fsetxattr(dst, n, v, (size_t)vlen, 0) < 0 && errno != EOPNOTSUPP)
                        return zone_err_sys(err, -errno, "set xattr %s on %s in %s", n, path,
                                            c->target);
        }
        return 0;
}

/* Owner, then mode (chown clears set-id bits), xattrs and times of an open file or
 * directory. */
static int copy_meta(int src, int dst, const struct stat *st, const char *path, struct copy *c,
                     struct zone_err **err)
{
        if (fchown(dst, st->st_uid, st->st_gid) < 0 || fchmod(dst, st->st_mode & 07777) < 0)
                return zone_err_sys(err, -errno, "set owner and mode of %s in %s", path, c->target);
        int r = copy_xattrs(src, dst, path, c, err);
        if (r < 0)
                return r;
        const struct timespec ts[2] = {st->st_atim, st->st_mtim};
        if (futimens(dst, ts) < 0)
                return zone_err_sys(err, -errno, "set times of %s in %s", path, c->target);
        return 0;
}

static int copy_data(int src, int dst, const char *path, struct copy *c, struct zone_err **err)
{
        for (;;) {
                ssize_t n = copy_file_range(src, NULL, dst, NULL, 1 << 30, 0);
                if (n == 0)
                        return 0;
                if (n > 0)
                        continue;
                if (errno == EINTR)
                        continue;
                if (errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP && errno != ENOSYS)
                        return zone_err_sys(err, -errno, "copy %s into %s", path, c->target);
                break;
        }
        char buf[65536];
        for (;;) {
                ssize_t n = read(src, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return zone_err_sys(err, -errno, "read %s in %s", path, c->layer);
                if (n == 0)
                        return 0;
                int r = write_full(dst, buf, (size_t)n);
                if (r < 0)
                        return zone_err_sys(err, r, "copy %s into %s", path, c->target);
        }
}

static int copy_file(struct copy *c, int ldir, int tdir, const char *name, const struct stat *st,
                     const char *path, struct zone_err **err)
{
        if (st->st_nlink > 1) {
                for (size_t i = 0; i < c->n_links; i++) {
                        if (c->links[i].dev != st->st_dev || c->links[i].ino != st->st_ino)
                                continue;
                        _cleanup_close_ int fd = open_beneath(c->rootfd, c->links[i].path, O_PATH);
                        if (fd < 0)
                                return zone_err_sys(err, fd, "link %s to %s in %s", path,
                                                    c->links[i].path, c->target);
                        if (linkat(fd, "", tdir, name, AT_EMPTY_PATH) < 0)
                                return zone_err_sys(err, -errno, "link %s to %s in %s", path,
                                                    c->links[i].path, c->target);
                        return 0;
                }
        }
        _cleanup_close_ int src = openat(ldir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (src < 0)
                return zone_err_sys(err, -errno, "open %s in %s", path, c->layer);
        _cleanup_close_ int dst =
            openat(tdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (dst < 0)
                return zone_err_sys(err, -errno, "create %s in %s", path, c->target);
        int r = copy_data(src, dst, path, c, err);
        if (r < 0)
                return r;
        if ((r = copy_meta(src, dst, st, path, c, err)) < 0)
                return r;
        if (st->st_nlink > 1) {
                struct link_seen *l = realloc(c->links, (c->n_links + 1) * sizeof(*l));
                if (!l)
                        return zone_err_set(err, -ENOMEM, "out of memory");
                c->links = l;
                l[c->n_links] = (struct link_seen){st->st_dev, st->st_ino, strdup(path)};
                if (!l[c->n_links].path)
                        return zone_err_set(err, -ENOMEM, "out of memory");
                c->n_links++;
        }
        return 0;
}

static int copy_special(struct copy *c, int ldir, int tdir, const char *name, const struct stat *st,
                        const char *path, struct zone_err **err)
{
        if (S_ISLNK(st->st_mode)) {
                char buf[PATH_MAX + 1];
                ssize_t n = readlinkat(ldir, name, buf, sizeof(buf) - 1);
                if (n < 0)
                        return zone_err_sys(err, -errno, "read symlink %s in %s", path, c->layer);
                buf[n] = 0;
                if (symlinkat(buf, tdir, name) < 0)
                        return zone_err_sys(err, -errno, "create symlink %s in %s", path,
                                            c->target);
        } else {
                if (mknodat(tdir, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0)
                        return zone_err_sys(err, -errno, "create %s in %s", path, c->target);
                /* the name was just made a node by us: no symlink to follow */
                if (fchmodat(tdir, name, st->st_mode & 07777, 0) < 0)
                        return zone_err_sys(err, -errno, "chmod %s in %s", path, c->target);
        }
        if (fchownat(tdir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return zone_err_sys(err, -errno, "chown %s in %s", path, c->target);
        if (!S_ISLNK(st->st_mode) &&
            fchmodat(tdir, name, st->st_mode & 07777, 0) < 0) /* chown cleared set-id bits */
                return zone_err_sys(err, -errno, "chmod %s in %s", path, c->target);
        const struct timespec ts[2] = {st->st_atim, st->st_mtim};
        if (utimensat(tdir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return zone_err_sys(err, -errno, "set times of %s in %s", path, c->target);
        return 0;
}

static bool is_opaque(int fd)
{
        char v[2];
        ssize_t n = fgetxattr(fd, OPAQUE_XATTR, v, sizeof(v));
        return n == 1 && v[0] == 'y';
}

static int apply_dir(struct copy *c, int ldir, int tdir, const char *dpath, struct zone_err **err);

static int apply_entry(struct copy *c, int ldir, int tdir, const char *name, const char *path,
                       struct zone_err **err)
{
        struct stat st, tst;
        if (fstatat(ldir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return zone_err_sys(err, -errno, "stat %s in %s", path, c->layer);
        bool exists = fstatat(tdir, name, &tst, AT_SYMLINK_NOFOLLOW) == 0;
        if (!exists && errno != ENOENT)
                return zone_err_sys(err, -errno, "stat %s in %s", path, c->target);
        int r;

        if (S_ISCHR(st.st_mode) && st.st_rdev == 0) {
                /* a whiteout: what lower layers put here goes */
                if (exists && (r = remove_at(tdir, name, c->target, tst.st_dev, true, err)) < 0)
                        return r;
                return 0;
        }
        if (S_ISDIR(st.st_mode)) {
                /* a directory over a non-directory replaces it; over a directory it merges */
                if (exists && !S_ISDIR(tst.st_mode)) {
                        if ((r = remove_at(tdir, name, c->target, tst.st_dev, true, err)) < 0)
                                return r;
                        exists = false;
                }
                if (!exists && mkdirat(tdir, name, 0700) < 0)
                        return zone_err_sys(err, -errno, "create %s in %s", path, c->target);
                _cleanup_close_ int lsub =
                    openat(ldir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (lsub < 0)
                        return zone_err_sys(err, -errno, "open %s in %s", path, c->layer);
                _cleanup_close_ int tsub =
                    openat(tdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (tsub < 0)
                        return zone_err_sys(err, -errno, "open %s in %s", path, c->target);
                if (exists && is_opaque(lsub)) {
                        struct stat ds;
                        if (fstat(tsub, &ds) < 0)
                                return zone_err_sys(err, -errno, "stat %s in %s", path, c->target);
                        if ((r = remove_children(tsub, c->target, ds.st_dev, err)) < 0)
                                return r;
                }
                if ((r = apply_dir(c, lsub, tsub, path, err)) < 0)
                        return r;
                return copy_meta(lsub, tsub, &st, path, c, err);
        }
        if (exists && (r = remove_at(tdir, name, c->target, tst.st_dev, true, err)) < 0)
                return r;
        if (S_ISREG(st.st_mode))
                return copy_file(c, ldir, tdir, name, &st, path, err);
        return copy_special(c, ldir, tdir, name, &st, path, err);
}

static int apply_dir(struct copy *c, int ldir, int tdir, const char *dpath, struct zone_err **err)
{
        int dfd = dup(ldir);
        if (dfd < 0)
                return zone_err_sys(err, -errno, "read %s in %s", dpath, c->layer);
        _cleanup_(dir_closep) DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return zone_err_sys(err, -errno, "read %s in %s", dpath, c->layer);
        }
        struct dirent *de;
        errno = 0;
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s%s%s", dpath, *dpath ? "/" : "", de->d_name) < 0)
                        return zone_err_set(err, -ENOMEM, "out of memory");
                int r = apply_entry(c, ldir, tdir, de->d_name, path, err);
                if (r < 0)
                        return r;
                errno = 0;
        }
        if (errno)
                return zone_err_sys(err, -errno, "read %s in %s", dpath, c->layer);
        return 0;
}

static void links_clear(struct copy *c)
{
        for (size_t i = 0; i < c->n_links; i++)
                free(c->links[i].path);
        free(c->links);
        c->links = NULL;
        c->n_links = 0;
}

int zone_rootfs_copy(struct zone_image_store *s, const struct zone_image *img, const char *target,
                     struct zone_err **err)
{
        _cleanup_close_ int tfd = open(target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (tfd < 0)
                return zone_err_sys(err, -errno, "open %s", target);
        int r = 0;
        for (size_t i = 0; i < img->n_layers && r == 0; i++) {
                _cleanup_free_ char *layer = NULL;
                r = zone_layer_path(s, img->layers[i].diff_id, &layer, err);
                if (r < 0)
                        return zone_err_wrap(err, "copy image %s into %s", img->name, target);
                _cleanup_close_ int lfd =
                    open(layer, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (lfd < 0)
                        return zone_err_sys(err, -errno, "open layer %s", layer);
                struct copy c = {.rootfd = tfd, .target = target, .layer = layer};
                r = apply_dir(&c, lfd, tfd, "", err);
                links_clear(&c);
                if (r == 0) {
                        struct stat st;
                        if (fstat(lfd, &st) < 0)
                                return zone_err_sys(err, -errno, "stat layer %s", layer);
                        r = copy_meta(lfd, tfd, &st, ".", &c, err);
                }
        }
        return r;
}

int zone_rootfs_create(struct zone_image_store *s, const struct zone_image *img, const char *target,
                       const char *state_dir, enum zone_rootfs_mode mode,
                       enum zone_rootfs_mode *ret_mode, struct zone_err **err)
{
        int r;
        if (mode != ZONE_ROOTFS_COPY) {
                struct zone_err *oerr = NULL;
                r = zone_rootfs_overlay(s, img, target, state_dir, &oerr);
                if (r == 0 || mode == ZONE_ROOTFS_OVERLAY ||
                    (r != -ENODEV && r != -EOPNOTSUPP && r != -EPERM && r != -EINVAL)) {
                        if (r < 0 && err && !*err)
                                *err = oerr;
                        else
                                zone_err_free(oerr);
                        if (r == 0 && ret_mode)
                                *ret_mode = ZONE_ROOTFS_OVERLAY;
                        return r;
                }
                zone_err_free(oerr);
                struct zone_err *ignored = NULL;
                remove_state(state_dir, &ignored);
                zone_err_free(ignored);
        }
        r = zone_rootfs_copy(s, img, target, err);
        if (r == 0 && ret_mode)
                *ret_mode = ZONE_ROOTFS_COPY;
        return r;
}
