/* `zone cp`: files and directories between the host and a zone, like podman cp.
 *
 * Every path inside a zone is resolved against a directory fd of the zone's root with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): a symlink in the zone resolves inside the
 * zone and `..` stops at its root. The root is the running light zone's own view
 * (/proc/PID/root: its volumes and tmpfs mounts included), else the bundle's rootfs (a stopped
 * zone, or a VM zone, whose guest shares that directory). Below a parent opened that way only
 * single names are used, with *at() calls that never follow the last component: a symlink the
 * zone planted at a destination is replaced (a new entry is written under a temporary name in
 * the same directory and renamed over it), never written through. Trees are walked the same
 * way (openat O_NOFOLLOW, one name at a time). Devices, fifos and sockets are skipped with a
 * warning in both directions: a zone must not hand the host a device node. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "images/rootfs.h"
#include "images/inroot.h"
#include "log.h"
#include "spec.h"
#include "types.h"
#include "util.h"
#include "zone.h"
#include "zones/zones.h"

#define CHUNK (128 * 1024)

/* One side of the copy: a zone (rootfd its root, names shown as NAME:PATH) or the host. */
struct side {
        bool zone;
        char *name;       /* the zone's name */
        const char *path; /* the path on this side */
        int rootfd;       /* the zone's root (O_PATH), or AT_FDCWD on the host */
        uid_t root_uid;   /* the host ids of the zone's root user */
        gid_t root_gid;
};

struct cp {
        const struct zone_log *log;
        struct zone_err **err;
        bool keep_owner; /* -a: ids as the source has them */
        uid_t uid;       /* else every entry gets these */
        gid_t gid;
        unsigned seq;
        char buf[CHUNK];
        struct dir_time {
                char *path;
                struct timespec ts[2];
        } * dirs; /* tar directories, whose times are set once their entries are in */
        size_t n_dirs;
};

static void side_done(struct side *s)
{
        free(s->name);
        if (s->rootfd >= 0)
                close(s->rootfd);
}

/* NAME:PATH is a zone's path when NAME has no slash (a host path with a colon: ./a:b). */
static bool parse_side(const char *arg, struct side *s)
{
        const char *colon = strchr(arg, ':');
        s->rootfd = -1;
        if (!colon || colon == arg || memchr(arg, '/', (size_t)(colon - arg))) {
                s->path = arg;
                return true;
        }
        s->zone = true;
        s->name = strndup(arg, (size_t)(colon - arg));
        s->path = colon + 1;
        return s->name != NULL;
}

static int openat2_in(int rootfd, const char *path, int flags)
{
        struct open_how how = {
            .flags = (uint64_t)(flags | O_CLOEXEC),
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        long fd;
        do
                fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
        while (fd < 0 && errno == EAGAIN);
        return fd < 0 ? -errno : (int)fd;
}

/* A directory on a side: in a zone resolved inside its root, on the host as the user's path. */
static int open_dir(const struct side *s, const char *path, int flags)
{
        if (s->zone)
                return openat2_in(s->rootfd, *path ? path : ".", flags | O_DIRECTORY);
        int fd = openat(AT_FDCWD, *path ? path : ".", flags | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static void show(const struct side *s, const char *path, char *buf, size_t size)
{
        if (s->zone)
                snprintf(buf, size, "%s:%s", s->name, path);
        else
                snprintf(buf, size, "%s", path);
}

/* The host ids that id 0 of a mapping has (0 without mappings: no user namespace). */
static void map_root(const struct zone_spec_idmap *m, size_t n, uint32_t *ret)
{
        *ret = 0;
        for (size_t i = 0; i < n; i++)
                if (m[i].container_id == 0 && m[i].size > 0)
                        *ret = m[i].host_id;
}

static uint32_t proc_map_root(pid_t pid, const char *file)
{
        char path[64], line[128];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
        FILE *f = fopen(path, "re");
        uint32_t ret = 0;
        if (!f)
                return 0;
        while (fgets(line, sizeof(line), f)) {
                unsigned long in, out, count;
                if (sscanf(line, "%lu %lu %lu", &in, &out, &count) == 3 && in == 0 && count > 0)
                        ret = (uint32_t)out;
        }
        fclose(f);
        return ret;
}

/* Opens a running light zone's root through its init: a pidfd first, then /proc/PID/root,
 * then the pidfd must still be alive and libzone must still name that pid as the zone's
 * running init (its start time recorded at create): the root opened is that init's. */
static int open_running_root(const struct zones_ctx *c, struct side *s, pid_t pid,
                             struct zone_err **err)
{
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
                return zone_err_sys(err, -errno, "zone %s: open its init (pid %d)", s->name,
                                    (int)pid);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
        _cleanup_close_ int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "zone %s: open its root %s", s->name, path);
        uint32_t uid = proc_map_root(pid, "uid_map"), gid = proc_map_root(pid, "gid_map");
        pid_t again = 0;
        const char *status = zones_libzone_status(c, s->name, &again);
        if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0 || !status ||
            strcmp(status, "running") != 0 || again != pid)
                return zone_err_set(err, -ESRCH, "zone %s stopped while its root was opened",
                                    s->name);
        s->root_uid = uid;
        s->root_gid = gid;
        s->rootfd = steal_fd(&fd);
        return 0;
}

/* A stopped zone's (or a VM zone's) root: the bundle's rootfs, ids from its config. */
static int open_bundle_root(const struct zones_ctx *c, struct side *s, struct zone_err **err)
{
        _cleanup_free_ char *bundle = zones_path(c, s->name, "bundle");
        _cleanup_free_ char *config = zones_path(c, s->name, "bundle/config.json");
        if (!bundle || !config)
                return zone_err_set(err, -ENOMEM, "out of memory");
        if (access(config, F_OK) < 0)
                return zone_err_set(err, -ENOENT, "zone %s is not installed (no root to copy with)",
                                    s->name);
        struct zone_spec *spec = NULL;
        int r = zone_spec_load(AT_FDCWD, config, &spec, err);
        if (r < 0)
                return r;
        const char *root = spec->root.path ? spec->root.path : "rootfs";
        _cleanup_free_ char *path = NULL;
        if (root[0] == '/')
                path = strdup(root);
        else if (asprintf(&path, "%s/%s", bundle, root) < 0)
                path = NULL;
        uint32_t uid, gid;
        map_root(spec->linux.uid_mappings, spec->linux.n_uid_mappings, &uid);
        map_root(spec->linux.gid_mappings, spec->linux.n_gid_mappings, &gid);
        zone_spec_free(spec);
        if (!path)
                return zone_err_set(err, -ENOMEM, "out of memory");
        int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "zone %s: open its root %s", s->name, path);
        s->rootfd = fd;
        s->root_uid = uid;
        s->root_gid = gid;
        return 0;
}

static int open_zone_root(const struct zones_ctx *c, struct side *s, struct zone_err **err)
{
        struct zones_def d;
        int r = zones_def_load(c, s->name, &d, err);
        if (r < 0)
                return r;
        zones_def_done(&d);
        struct zone_info *list = NULL;
        size_t n = 0;
        r = zone_list(c->zctx, &list, &n, err);
        if (r < 0)
                return r;
        pid_t pid = 0;
        bool light = true;
        for (size_t i = 0; i < n; i++)
                if (!strcmp(list[i].id, s->name) && !strcmp(list[i].status, "running")) {
                        pid = list[i].pid;
                        light = !list[i].type || !strcmp(list[i].type, ZONE_TYPE_DEFAULT);
                }
        zone_info_free(list, n);
        if (pid > 0 && light)
                return open_running_root(c, s, pid, err);
        return open_bundle_root(c, s, err);
}

/* Splits path into its parent and last name; trailing slashes are dropped (*ret_slash says
 * there were some). "/" and paths ending in "." give the name ".". */
static int split(const char *path, char **ret_parent, char **ret_leaf, bool *ret_slash)
{
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        size_t len = strlen(p);
        *ret_slash = false;
        while (len > 1 && p[len - 1] == '/') {
                p[--len] = '\0';
                *ret_slash = true;
        }
        if (!strcmp(p, "/")) {
                *ret_slash = true;
                *ret_parent = strdup("/");
                *ret_leaf = strdup(".");
        } else {
                char *slash = strrchr(p, '/');
                if (!slash) {
                        *ret_parent = strdup(".");
                        *ret_leaf = strdup(p);
                } else {
                        *ret_leaf = strdup(slash + 1);
                        slash[slash == p ? 1 : 0] = '\0';
                        *ret_parent = strdup(p);
                }
        }
        if (!*ret_parent || !*ret_leaf) {
                free(*ret_parent);
                free(*ret_leaf);
                return -ENOMEM;
        }
        return 0;
}

static int fail_sys(struct cp *c, int code, const char *what, const char *path)
{
        return zone_err_sys(c->err, code, "%s %s", what, path);
}

/* Ownership, mode and times of a new entry (a symlink: ownership and times only). */
static int set_meta(struct cp *c, int dir, const char *name, int fd, const struct stat *st,
                    const char *path)
{
        uid_t uid = c->keep_owner ? st->st_uid : c->uid;
        gid_t gid = c->keep_owner ? st->st_gid : c->gid;
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        if (S_ISLNK(st->st_mode)) {
                if (fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return fail_sys(c, -errno, "set the owner of", path);
                if (utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
                        return fail_sys(c, -errno, "set the times of", path);
                return 0;
        }
        /* chown first: it clears set-id bits that the mode then restores. */
        if (fchown(fd, uid, gid) < 0)
                return fail_sys(c, -errno, "set the owner of", path);
        if (fchmod(fd, st->st_mode & 07777) < 0)
                return fail_sys(c, -errno, "set the mode of", path);
        if (!S_ISDIR(st->st_mode) && futimens(fd, ts) < 0)
                return fail_sys(c, -errno, "set the times of", path);
        return 0;
}

static int set_dir_times(struct cp *c, int fd, const struct stat *st, const char *path)
{
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        return futimens(fd, ts) < 0 ? fail_sys(c, -errno, "set the times of", path) : 0;
}

/* Where a file's data comes from: a file descriptor or the tar stream being read. */
struct data_src {
        int fd;
        struct archive *a;
};

static int copy_data(struct cp *c, const struct data_src *src, int out, const char *path)
{
        if (src->a) {
                const void *block;
                size_t size;
                la_int64_t off;
                int r;
                while ((r = archive_read_data_block(src->a, &block, &size, &off)) == ARCHIVE_OK) {
                        if (pwrite(out, block, size, off) != (ssize_t)size)
                                return fail_sys(c, errno ? -errno : -EIO, "write", path);
                }
                if (r != ARCHIVE_EOF)
                        return zone_err_set(c->err, -EIO, "read the tar stream at %s: %s", path,
                                            archive_error_string(src->a));
                return 0; /* a sparse tail: put_leaf sets the size */
        }
        for (;;) {
                ssize_t n = read(src->fd, c->buf, sizeof(c->buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return fail_sys(c, -errno, "read", path);
                if (n == 0)
                        return 0;
                int r = write_full(out, c->buf, (size_t)n);
                if (r < 0)
                        return fail_sys(c, r, "write", path);
        }
}

/* A file or symlink written under a temporary name in dir, then renamed over name: whatever
 * was there (a symlink too) is replaced, never written through, and a failed copy leaves
 * nothing. A directory at name is an error. */
static int put_leaf(struct cp *c, int dir, const char *name, const struct stat *st,
                    const char *target, const struct data_src *src, const char *path)
{
        char tmp[64];
        snprintf(tmp, sizeof(tmp), ".zone-cp-%d-%u", (int)getpid(), c->seq++);
        int r = 0;
        if (S_ISLNK(st->st_mode)) {
                if (symlinkat(target, dir, tmp) < 0)
                        return fail_sys(c, -errno, "create", path);
                r = set_meta(c, dir, tmp, -1, st, path);
        } else {
                _cleanup_close_ int out =
                    openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (out < 0)
                        return fail_sys(c, -errno, "create", path);
                r = copy_data(c, src, out, path);
                if (r >= 0 && src->a && ftruncate(out, st->st_size) < 0)
                        r = fail_sys(c, -errno, "write", path);
                if (r >= 0)
                        r = set_meta(c, dir, tmp, out, st, path);
        }
        if (r >= 0 && renameat(dir, tmp, dir, name) < 0) {
                r = -errno;
                r = r == -EISDIR ? zone_err_set(c->err, r,
                                                "cannot overwrite directory %s with a "
                                                "non-directory",
                                                path)
                                 : fail_sys(c, r, "rename into place", path);
        }
        if (r < 0)
                unlinkat(dir, tmp, 0);
        return r;
}

static int copy_entry(struct cp *c, int sdir, const char *sname, const struct stat *st, int ddir,
                      const char *dname, const char *spath, const char *dpath);

/* Copies the entries of directory sfd into dfd. */
/* Calls fn for each entry of the directory sfd but . and .. (st: its lstat; sp: its path for
 * messages), until one fails. */
typedef int (*child_fn)(struct cp *c, int sfd, const char *name, const struct stat *st,
                        const char *sp, void *arg);
static int each_child(struct cp *c, int sfd, const char *spath, child_fn fn, void *arg)
{
        int dup_fd = fcntl(sfd, F_DUPFD_CLOEXEC, 3);
        DIR *d = dup_fd < 0 ? NULL : fdopendir(dup_fd);
        if (!d) {
                if (dup_fd >= 0)
                        close(dup_fd);
                return fail_sys(c, -errno, "read directory", spath);
        }
        int r = 0;
        struct dirent *de;
        while (r >= 0 && (errno = 0, de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *sp = NULL;
                if (asprintf(&sp, "%s/%s", spath, de->d_name) < 0) {
                        r = zone_err_set(c->err, -ENOMEM, "out of memory");
                        break;
                }
                struct stat cst;
                if (fstatat(sfd, de->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0)
                        r = fail_sys(c, -errno, "stat", sp);
                else
                        r = fn(c, sfd, de->d_name, &cst, sp, arg);
        }
        if (r >= 0 && errno)
                r = fail_sys(c, -errno, "read directory", spath);
        closedir(d);
        return r;
}

struct copy_to {
        int dfd;
        const char *dpath;
};

static int copy_child(struct cp *c, int sfd, const char *name, const struct stat *st,
                      const char *sp, void *arg)
{
        const struct copy_to *to = arg;
        _cleanup_free_ char *dp = NULL;
        if (asprintf(&dp, "%s/%s", to->dpath, name) < 0)
                return zone_err_set(c->err, -ENOMEM, "out of memory");
        return copy_entry(c, sfd, name, st, to->dfd, name, sp, dp);
}

static int copy_children(struct cp *c, int sfd, int dfd, const char *spath, const char *dpath)
{
        struct copy_to to = {.dfd = dfd, .dpath = dpath};
        return each_child(c, sfd, spath, copy_child, &to);
}

/* Copies sdir/sname (st: its lstat) to ddir/dname. A directory merges into an existing one
 * (whose own owner, mode and times are kept); a new one gets the source's. */
static int copy_entry(struct cp *c, int sdir, const char *sname, const struct stat *st, int ddir,
                      const char *dname, const char *spath, const char *dpath)
{
        if (S_ISREG(st->st_mode)) {
                _cleanup_close_ int in = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (in < 0)
                        return fail_sys(c, -errno, "open", spath);
                struct data_src src = {.fd = in};
                return put_leaf(c, ddir, dname, st, NULL, &src, dpath);
        }
        if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(sdir, sname, target, sizeof(target) - 1);
                if (n < 0)
                        return fail_sys(c, -errno, "read the link", spath);
                target[n] = '\0';
                return put_leaf(c, ddir, dname, st, target, NULL, dpath);
        }
        if (!S_ISDIR(st->st_mode)) {
                zone_warn(c->log, "skipping %s: a device, fifo or socket is not copied", spath);
                return 0;
        }
        _cleanup_close_ int sfd =
            openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0)
                return fail_sys(c, -errno, "open", spath);
        struct stat dst;
        bool made = false;
        if (fstatat(ddir, dname, &dst, AT_SYMLINK_NOFOLLOW) == 0) {
                if (!S_ISDIR(dst.st_mode))
                        return zone_err_set(c->err, -ENOTDIR,
                                            "cannot copy directory %s onto non-directory %s", spath,
                                            dpath);
        } else if (errno != ENOENT)
                return fail_sys(c, -errno, "stat", dpath);
        else if (mkdirat(ddir, dname, 0700) < 0)
                return fail_sys(c, -errno, "create", dpath);
        else
                made = true;
        _cleanup_close_ int dfd =
            openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return fail_sys(c, -errno, "open", dpath);
        int r = copy_children(c, sfd, dfd, spath, dpath);
        if (r >= 0 && made)
                r = set_meta(c, ddir, dname, dfd, st, dpath);
        if (r >= 0 && made)
                r = set_dir_times(c, dfd, st, dpath);
        return r;
}

/* The top of a copy: a new directory is built under a temporary name and renamed into place
 * at the end (a failure removes it); anything else goes through copy_entry. */
static int copy_top(struct cp *c, int sdir, const char *sname, const struct stat *st, int ddir,
                    const char *dname, const char *spath, const char *dpath)
{
        struct stat dst;
        if (!S_ISDIR(st->st_mode) || fstatat(ddir, dname, &dst, AT_SYMLINK_NOFOLLOW) == 0)
                return copy_entry(c, sdir, sname, st, ddir, dname, spath, dpath);
        if (errno != ENOENT)
                return fail_sys(c, -errno, "stat", dpath);
        char tmp[64];
        snprintf(tmp, sizeof(tmp), ".zone-cp-%d-%u", (int)getpid(), c->seq++);
        int r = copy_entry(c, sdir, sname, st, ddir, tmp, spath, dpath);
        if (r >= 0 && renameat2(ddir, tmp, ddir, dname, RENAME_NOREPLACE) < 0)
                r = fail_sys(c, -errno, "rename into place", dpath);
        if (r < 0)
                zone_tree_remove(ddir, tmp, NULL);
        return r;
}

/* ---- tar streams ("-") ---- */

static int tar_add(struct cp *c, struct archive *a, int sdir, const char *sname,
                   const struct stat *st, const char *apath, const char *spath);

struct tar_to {
        struct archive *a;
        const char *apath;
};

static int tar_child(struct cp *c, int sfd, const char *name, const struct stat *st, const char *sp,
                     void *arg)
{
        const struct tar_to *to = arg;
        _cleanup_free_ char *ap = NULL;
        if ((*to->apath ? asprintf(&ap, "%s/%s", to->apath, name) : asprintf(&ap, "%s", name)) < 0)
                return zone_err_set(c->err, -ENOMEM, "out of memory");
        return tar_add(c, to->a, sfd, name, st, ap, sp);
}

static int tar_children(struct cp *c, struct archive *a, int sfd, const char *apath,
                        const char *spath)
{
        struct tar_to to = {.a = a, .apath = apath};
        return each_child(c, sfd, spath, tar_child, &to);
}

static int tar_header(struct cp *c, struct archive *a, struct archive_entry *e, const char *spath)
{
        if (archive_write_header(a, e) < ARCHIVE_WARN)
                return zone_err_set(c->err, -EIO, "write the tar stream at %s: %s", spath,
                                    archive_error_string(a));
        return 0;
}

/* Adds sdir/sname as apath ("" for the top directory's contents: only its entries). The
 * entries keep the source's ids: whoever extracts the stream decides. */
static int tar_add(struct cp *c, struct archive *a, int sdir, const char *sname,
                   const struct stat *st, const char *apath, const char *spath)
{
        if (!S_ISREG(st->st_mode) && !S_ISLNK(st->st_mode) && !S_ISDIR(st->st_mode)) {
                zone_warn(c->log, "skipping %s: a device, fifo or socket is not copied", spath);
                return 0;
        }
        _cleanup_close_ int fd = -1;
        if (!S_ISLNK(st->st_mode)) {
                fd = openat(sdir, sname,
                            O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
                                (S_ISDIR(st->st_mode) ? O_DIRECTORY : 0));
                if (fd < 0)
                        return fail_sys(c, -errno, "open", spath);
        }
        int r = 0;
        if (*apath) {
                struct archive_entry *e = archive_entry_new();
                if (!e)
                        return zone_err_set(c->err, -ENOMEM, "out of memory");
                archive_entry_copy_stat(e, st);
                archive_entry_set_pathname(e, apath);
                if (S_ISLNK(st->st_mode)) {
                        char target[PATH_MAX];
                        ssize_t n = readlinkat(sdir, sname, target, sizeof(target) - 1);
                        if (n < 0)
                                r = fail_sys(c, -errno, "read the link", spath);
                        else {
                                target[n] = '\0';
                                archive_entry_set_symlink(e, target);
                        }
                }
                if (r >= 0)
                        r = tar_header(c, a, e, spath);
                archive_entry_free(e);
        }
        if (r < 0 || !S_ISREG(st->st_mode))
                return r < 0 || !S_ISDIR(st->st_mode) ? r : tar_children(c, a, fd, apath, spath);
        for (;;) {
                ssize_t n = read(fd, c->buf, sizeof(c->buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return fail_sys(c, -errno, "read", spath);
                if (n == 0)
                        return 0;
                if (archive_write_data(a, c->buf, (size_t)n) != n)
                        return zone_err_set(c->err, -EIO, "write the tar stream at %s: %s", spath,
                                            archive_error_string(a));
        }
}

static int tar_out(struct cp *c, int sdir, const char *sname, const struct stat *st,
                   const char *apath, const char *spath, int out_fd)
{
        struct archive *a = archive_write_new();
        if (!a)
                return zone_err_set(c->err, -ENOMEM, "out of memory");
        int r = 0;
        if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
            archive_write_open_fd(a, out_fd) != ARCHIVE_OK)
                r = zone_err_set(c->err, -EIO, "write the tar stream: %s", archive_error_string(a));
        if (r >= 0)
                r = tar_add(c, a, sdir, sname, st, apath, spath);
        if (archive_write_close(a) != ARCHIVE_OK && r >= 0)
                r = zone_err_set(c->err, -EIO, "write the tar stream: %s", archive_error_string(a));
        archive_write_free(a);
        return r;
}

/* One entry of a tar stream extracted below dirfd: parents created below it without
 * following any symlink (zone_open_parent: openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS). */
static int tar_entry(struct cp *c, struct archive *a, struct archive_entry *e, int dirfd,
                     const char *dpath)
{
        const char *raw = archive_entry_pathname(e);
        _cleanup_free_ char *name = NULL, *shown = NULL;
        if (!raw)
                return zone_err_set(c->err, -EINVAL, "a tar entry without a name");
        int r = zone_path_clean(raw, &name);
        if (r == -ENOMEM)
                return zone_err_set(c->err, r, "out of memory");
        if (r < 0)
                return zone_err_set(c->err, -EPERM,
                                    "tar entry \"%s\": an absolute path or \"..\" is refused", raw);
        if (asprintf(&shown, "%s/%s", dpath, name) < 0)
                return zone_err_set(c->err, -ENOMEM, "out of memory");
        if (!*name) /* "./": the destination itself, kept as it is */
                return 0;
        _cleanup_close_ int parent = -1;
        const char *leaf;
        r = zone_open_parent(dirfd, name, true, &parent, &leaf);
        if (r < 0)
                return fail_sys(c, r, "open the parent of", shown);
        struct stat st = *archive_entry_stat(e);
        const char *hard = archive_entry_hardlink(e);
        if (hard) {
                _cleanup_free_ char *tname = NULL;
                _cleanup_close_ int tparent = -1;
                const char *tleaf;
                if (zone_path_clean(hard, &tname) < 0 || !*tname)
                        return zone_err_set(c->err, -EPERM,
                                            "tar entry \"%s\": link target "
                                            "\"%s\" refused",
                                            raw, hard);
                r = zone_open_parent(dirfd, tname, false, &tparent, &tleaf);
                if (r < 0)
                        return fail_sys(c, r, "open the link target of", shown);
                char tmp[64];
                snprintf(tmp, sizeof(tmp), ".zone-cp-%d-%u", (int)getpid(), c->seq++);
                if (linkat(tparent, tleaf, parent, tmp, 0) < 0)
                        return fail_sys(c, -errno, "link", shown);
                if (renameat(parent, tmp, parent, leaf) < 0) {
                        r = fail_sys(c, -errno, "rename into place", shown);
                        unlinkat(parent, tmp, 0);
                }
                return r;
        }
        if (S_ISREG(st.st_mode)) {
                struct data_src src = {.fd = -1, .a = a};
                return put_leaf(c, parent, leaf, &st, NULL, &src, shown);
        }
        if (S_ISLNK(st.st_mode)) {
                const char *target = archive_entry_symlink(e);
                return put_leaf(c, parent, leaf, &st, target ? target : "", NULL, shown);
        }
        if (!S_ISDIR(st.st_mode)) {
                zone_warn(c->log, "skipping %s: a device, fifo or socket is not copied", shown);
                return 0;
        }
        struct stat cur;
        bool made = false;
        if (fstatat(parent, leaf, &cur, AT_SYMLINK_NOFOLLOW) == 0) {
                if (!S_ISDIR(cur.st_mode))
                        return zone_err_set(c->err, -ENOTDIR,
                                            "cannot copy directory %s onto non-directory", shown);
        } else if (errno != ENOENT || mkdirat(parent, leaf, 0700) < 0)
                return fail_sys(c, -errno, "create", shown);
        else
                made = true;
        if (!made)
                return 0;
        _cleanup_close_ int fd =
            openat(parent, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return fail_sys(c, -errno, "open", shown);
        r = set_meta(c, parent, leaf, fd, &st, shown);
        if (r < 0)
                return r;
        struct dir_time *dirs = realloc(c->dirs, (c->n_dirs + 1) * sizeof(*dirs));
        if (!dirs)
                return zone_err_set(c->err, -ENOMEM, "out of memory");
        c->dirs = dirs;
        dirs[c->n_dirs].path = steal_pointer(&name);
        dirs[c->n_dirs].ts[0] = st.st_atim;
        dirs[c->n_dirs].ts[1] = st.st_mtim;
        c->n_dirs++;
        return 0;
}

static int tar_in(struct cp *c, int in_fd, int dirfd, const char *dpath)
{
        struct archive *a = archive_read_new();
        if (!a)
                return zone_err_set(c->err, -ENOMEM, "out of memory");
        int r = 0;
        if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
            archive_read_support_filter_all(a) < ARCHIVE_WARN ||
            archive_read_open_fd(a, in_fd, CHUNK) != ARCHIVE_OK)
                r = zone_err_set(c->err, -EIO, "read the tar stream: %s", archive_error_string(a));
        struct archive_entry *e;
        int ar;
        while (r >= 0 && (ar = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
                if (ar < ARCHIVE_WARN) {
                        r = zone_err_set(c->err, -EIO, "read the tar stream: %s",
                                         archive_error_string(a));
                        break;
                }
                r = tar_entry(c, a, e, dirfd, dpath);
        }
        /* directory times once their entries are in, deepest last written first */
        for (size_t i = c->n_dirs; r >= 0 && i-- > 0;) {
                _cleanup_close_ int parent = -1;
                const char *leaf;
                if (zone_open_parent(dirfd, c->dirs[i].path, false, &parent, &leaf) >= 0)
                        utimensat(parent, leaf, c->dirs[i].ts, AT_SYMLINK_NOFOLLOW);
        }
        for (size_t i = 0; i < c->n_dirs; i++)
                free(c->dirs[i].path);
        free(c->dirs);
        c->dirs = NULL;
        c->n_dirs = 0;
        archive_read_free(a);
        return r;
}

/* ---- the copy ---- */

int zones_cp(const struct zones_ctx *zc, const char *src_arg, const char *dst_arg,
             const struct zones_cp_opts *o, struct zone_err **err)
{
        struct side src = {0}, dst = {0};
        int r = 0;
        bool src_tar = !strcmp(src_arg, "-"), dst_tar = !strcmp(dst_arg, "-");
        if (!parse_side(src_tar ? "" : src_arg, &src) || !parse_side(dst_tar ? "" : dst_arg, &dst))
                r = zone_err_set(err, -ENOMEM, "out of memory");
        else if (src.zone && dst.zone)
                r = zone_err_set(err, -EINVAL,
                                 "copying between zones is not supported: one of "
                                 "SRC and DST must be a host path");
        else if (!src.zone && !dst.zone)
                r = zone_err_set(err, -EINVAL, "one of SRC and DST must be a zone's NAME:PATH");
        else if ((src.zone && !*src.path) || (dst.zone && !*dst.path))
                r = zone_err_set(err, -EINVAL, "%s: an empty path in the zone",
                                 src.zone ? src_arg : dst_arg);
        else if (src_tar && dst_tar)
                r = zone_err_set(err, -EINVAL, "SRC and DST cannot both be \"-\"");
        struct side *z = src.zone ? &src : &dst;
        if (r >= 0)
                r = open_zone_root(zc, z, err);
        struct cp c = {
            .log = &zc->zctx->log,
            .err = err,
            .keep_owner = o->archive,
            .uid = src.zone ? geteuid() : z->root_uid,
            .gid = src.zone ? getegid() : z->root_gid,
        };
        char spath[PATH_MAX + 64], dpath[PATH_MAX + 64];
        _cleanup_free_ char *sparent = NULL, *sleaf = NULL, *dparent = NULL, *dleaf = NULL;
        bool sslash = false, dslash = false;
        _cleanup_close_ int sdir = -1, ddir = -1, into = -1;
        struct stat sst;
        if (r >= 0 && !src_tar) {
                show(&src, src.path, spath, sizeof(spath));
                r = split(src.path, &sparent, &sleaf, &sslash);
                if (r < 0)
                        r = zone_err_set(err, r, "out of memory");
                else if (!strcmp(sleaf, ".."))
                        r = zone_err_set(err, -EINVAL, "%s: a source may not end in \"..\"", spath);
                else if ((sdir = open_dir(&src, sparent, O_PATH)) < 0)
                        r = zone_err_sys(err, sdir, "%s: open its directory", spath);
                else if (fstatat(sdir, sleaf, &sst, AT_SYMLINK_NOFOLLOW) < 0)
                        r = zone_err_sys(err, -errno, "%s", spath);
                else if (sslash && !S_ISDIR(sst.st_mode))
                        r = zone_err_set(err, -ENOTDIR, "%s: not a directory", spath);
                else if (!S_ISDIR(sst.st_mode) && !S_ISREG(sst.st_mode) && !S_ISLNK(sst.st_mode))
                        r = zone_err_set(err, -EPERM, "%s: a device, fifo or socket is not copied",
                                         spath);
        }
        /* What the source is called at the destination: its name, or its contents ("DIR/."). */
        bool contents = !src_tar && sleaf && !strcmp(sleaf, ".");
        if (r >= 0 && dst_tar) {
                r = tar_out(&c, sdir, sleaf, &sst, contents ? "" : sleaf, spath, o->out_fd);
                goto out;
        }
        if (r < 0)
                goto out;
        show(&dst, dst.path, dpath, sizeof(dpath));
        r = split(dst.path, &dparent, &dleaf, &dslash);
        if (r < 0) {
                r = zone_err_set(err, r, "out of memory");
                goto out;
        }
        /* The destination is a directory to copy into, or the name to create or replace. */
        if (!strcmp(dleaf, ".") || !strcmp(dleaf, "..")) {
                into = open_dir(&dst, dst.path, O_PATH);
                if (into < 0) {
                        r = zone_err_sys(err, into, "destination %s", dpath);
                        goto out;
                }
        } else {
                ddir = open_dir(&dst, dparent, O_PATH);
                if (ddir < 0) {
                        r = ddir == -ENOENT || ddir == -ENOTDIR
                                ? zone_err_set(err, ddir,
                                               "destination %s: its directory does not exist",
                                               dpath)
                                : zone_err_sys(err, ddir, "destination %s: open its directory",
                                               dpath);
                        goto out;
                }
                struct stat dst_st;
                /* On the host a symlink to a directory is a directory to copy into (the
                 * user's own path); in a zone the last name is never followed. */
                int flags = dst.zone ? AT_SYMLINK_NOFOLLOW : 0;
                if (fstatat(ddir, dleaf, &dst_st, flags) == 0) {
                        /* A zone's symlink to a directory, resolved inside its root, is a
                         * directory to copy into (as podman does); any other link is
                         * replaced. */
                        if (dst.zone && S_ISLNK(dst_st.st_mode) &&
                            (into = openat2_in(dst.rootfd, dst.path, O_PATH | O_DIRECTORY)) >= 0)
                                ;
                        else if (S_ISDIR(dst_st.st_mode)) {
                                into = openat(ddir, dleaf,
                                              O_PATH | O_DIRECTORY | O_CLOEXEC |
                                                  (dst.zone ? O_NOFOLLOW : 0));
                                if (into < 0) {
                                        r = zone_err_sys(err, -errno, "destination %s", dpath);
                                        goto out;
                                }
                        } else if (dslash || src_tar) {
                                r = zone_err_set(err, -ENOTDIR, "destination %s: not a directory",
                                                 dpath);
                                goto out;
                        }
                } else if (errno != ENOENT) {
                        r = zone_err_sys(err, -errno, "destination %s", dpath);
                        goto out;
                } else if (src_tar || (dslash && !S_ISDIR(sst.st_mode))) {
                        r = zone_err_set(err, -ENOENT, "destination directory %s does not exist",
                                         dpath);
                        goto out;
                }
        }
        if (src_tar) {
                r = tar_in(&c, o->in_fd, into, dpath);
                goto out;
        }
        if (into >= 0 && contents) {
                _cleanup_close_ int sfd = openat(sdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (sfd < 0)
                        r = zone_err_sys(err, -errno, "open %s", spath);
                else
                        r = copy_children(&c, sfd, into, spath, dpath);
        } else if (into >= 0) {
                _cleanup_free_ char *inner = NULL;
                if (asprintf(&inner, "%s/%s", dpath, sleaf) < 0)
                        r = zone_err_set(err, -ENOMEM, "out of memory");
                else
                        r = copy_top(&c, sdir, sleaf, &sst, into, sleaf, spath, inner);
        } else
                r = copy_top(&c, sdir, sleaf, &sst, ddir, dleaf, spath, dpath);
out:
        side_done(&src);
        side_done(&dst);
        return r;
}
