/* Layer unpacking (store.h zone_layer_unpack): a tar blob, plain or compressed, becomes
 * layers/<diff id>/ in overlayfs's form.
 *
 * Two libarchive readers are chained: the outer one undoes the compression ("raw" format:
 * the decompressed stream as one entry), and every byte it yields is hashed (the diff id)
 * before the inner one parses it as tar. One pass over the blob gives both.
 *
 * Every entry is created with *at() calls relative to its parent directory, which is opened
 * component by component with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): a path through
 * a symlink, "..", or an absolute name is refused, never resolved somewhere else. */
#include "images/store.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "err.h"
#include "images/store_internal.h"
#include "util.h"

#define DEFAULT_MAX_BYTES   (64ull << 30)
#define DEFAULT_MAX_ENTRIES 4000000ull
#define CHUNK               (128 * 1024)

int zone_path_clean(const char *path, char **ret)
{
        const char *p = path;
        if (*p == '/')
                return -EPERM;
        _cleanup_free_ char *out = malloc(strlen(path) + 1);
        if (!out)
                return -ENOMEM;
        size_t o = 0;
        while (*p) {
                size_t n = strcspn(p, "/");
                if (n == 2 && p[0] == '.' && p[1] == '.')
                        return -EPERM;
                if (n > 0 && !(n == 1 && p[0] == '.')) {
                        if (o)
                                out[o++] = '/';
                        memcpy(out + o, p, n);
                        o += n;
                }
                p += n;
                while (*p == '/')
                        p++;
        }
        out[o] = '\0';
        *ret = steal_pointer(&out);
        return 0;
}

static int openat2_beneath(int dirfd, const char *name, int flags)
{
        struct open_how how = {
            .flags = (uint64_t)(flags | O_CLOEXEC),
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        long fd;
        do
                fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
        while (fd < 0 && errno == EAGAIN);
        return fd < 0 ? -errno : (int)fd;
}

int zone_open_parent(int rootfd, const char *path, bool create, int *ret_fd, const char **ret_leaf)
{
        _cleanup_close_ int fd = openat2_beneath(rootfd, ".", O_PATH | O_DIRECTORY);
        if (fd < 0)
                return fd;
        const char *p = path;
        for (;;) {
                const char *slash = strchr(p, '/');
                if (!slash)
                        break;
                char comp[256];
                size_t n = (size_t)(slash - p);
                if (n == 0 || n >= sizeof(comp))
                        return -ENAMETOOLONG;
                memcpy(comp, p, n);
                comp[n] = '\0';
                int next = openat2_beneath(fd, comp, O_PATH | O_DIRECTORY);
                if (next == -ENOENT && create) {
                        if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        next = openat2_beneath(fd, comp, O_PATH | O_DIRECTORY);
                }
                if (next < 0)
                        return next;
                close(fd);
                fd = next;
                p = slash + 1;
        }
        *ret_fd = steal_fd(&fd);
        *ret_leaf = p;
        return 0;
}

struct dir_time {
        char *path;
        struct timespec ts[2];
};

struct unpack {
        struct zone_image_store *s;
        const char *digest;
        struct archive *outer, *inner;
        struct zone_digester d;
        char buf[CHUNK];
        char outer_err[256];
        int rootfd;
        uint64_t max_bytes, max_entries, bytes, entries;
        uint64_t blob_size;
        zone_progress_fn progress;
        void *progress_arg;
        struct dir_time *dirs;
        size_t n_dirs;
};

/* The inner reader's input: the outer reader's decompressed bytes, hashed on the way. */
static la_ssize_t inner_read(struct archive *a, void *arg, const void **buf)
{
        struct unpack *u = arg;
        la_ssize_t n = archive_read_data(u->outer, u->buf, sizeof(u->buf));
        if (n < 0) {
                snprintf(u->outer_err, sizeof(u->outer_err), "%s",
                         archive_error_string(u->outer) ?: "read error");
                archive_set_error(a, EIO, "%s", u->outer_err);
                return -1;
        }
        zone_digest_update(&u->d, u->buf, (size_t)n);
        *buf = u->buf;
        return n;
}

static int entry_err(struct unpack *u, struct zone_err **err, int code, const char *name,
                     const char *fmt, const char *what)
{
        return zone_err_set(err, code, "unpack layer %s: entry \"%s\": %s%s%s", u->digest, name,
                            fmt, what ? ": " : "", what ? what : "");
}

static int entry_sys(struct unpack *u, struct zone_err **err, int code, const char *name,
                     const char *what)
{
        return zone_err_sys(err, code, "unpack layer %s: entry \"%s\": %s", u->digest, name, what);
}

/* Removes whatever a previous entry of this layer left at parent/leaf (a later tar entry
 * replaces an earlier one), except a directory when a directory comes again. */
static int clear_leaf(int parent, const char *leaf, bool keep_dir)
{
        struct stat st;
        if (fstatat(parent, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (keep_dir && S_ISDIR(st.st_mode))
                return 1;
        int r = zone_rm_rf_at(parent, leaf, NULL);
        return r == -ENOENT ? 0 : r;
}

static int set_xattrs(struct unpack *u, struct archive_entry *e, int fd, const char *name,
                      struct zone_err **err)
{
        const char *xname;
        const void *value;
        size_t size;
        archive_entry_xattr_reset(e);
        while (archive_entry_xattr_next(e, &xname, &value, &size) == ARCHIVE_OK) {
                /* trusted.* drives overlayfs (whiteouts, opaque dirs, redirects): a layer
                 * must not forge it; only this unpacker sets it. */
                if (strncmp(xname, "trusted.", 8) == 0)
                        continue;
                if (fsetxattr(fd, xname, value, size, 0) < 0) {
                        /* A label the host cannot hold is not the image's content. */
                        if (strcmp(xname, "security.selinux") == 0 &&
                            (errno == EOPNOTSUPP || errno == EINVAL || errno == EACCES))
                                continue;
                        char what[300];
                        snprintf(what, sizeof(what), "set xattr %s", xname);
                        return entry_sys(u, err, -errno, name, what);
                }
        }
        return 0;
}

/* Owner, mode, xattrs and times of a created file or directory (fd open on it). The order
 * matters: chown clears setuid bits and security.capability, so they come after. */
static int set_meta_fd(struct unpack *u, struct archive_entry *e, int fd, const char *name,
                       bool times, struct zone_err **err)
{
        if (fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) < 0 &&
            !(errno == EPERM && geteuid() != 0))
                return entry_sys(u, err, -errno, name, "chown");
        if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
                return entry_sys(u, err, -errno, name, "chmod");
        int r = set_xattrs(u, e, fd, name, err);
        if (r < 0)
                return r;
        if (times) {
                struct timespec ts[2] = {
                    {archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
                    {archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
                };
                if (futimens(fd, ts) < 0)
                        return entry_sys(u, err, -errno, name, "set times");
        }
        return 0;
}

/* Owner and times of what cannot be opened for writing (symlinks, devices, fifos). */
static int set_meta_at(struct unpack *u, struct archive_entry *e, int parent, const char *leaf,
                       const char *name, bool chmod_too, struct zone_err **err)
{
        if (fchownat(parent, leaf, archive_entry_uid(e), archive_entry_gid(e),
                     AT_SYMLINK_NOFOLLOW) < 0 &&
            !(errno == EPERM && geteuid() != 0))
                return entry_sys(u, err, -errno, name, "chown");
        if (chmod_too && fchmodat(parent, leaf, archive_entry_perm(e) & 07777, 0) < 0)
                return entry_sys(u, err, -errno, name, "chmod");
        struct timespec ts[2] = {
            {archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
            {archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
        };
        if (utimensat(parent, leaf, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return entry_sys(u, err, -errno, name, "set times");
        return 0;
}

static int write_file(struct unpack *u, struct archive_entry *e, int parent, const char *leaf,
                      const char *name, struct zone_err **err)
{
        _cleanup_close_ int fd =
            openat(parent, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return entry_sys(u, err, -errno, name, "create");
        const void *buf;
        size_t len;
        la_int64_t off;
        int ar;
        while ((ar = archive_read_data_block(u->inner, &buf, &len, &off)) == ARCHIVE_OK) {
                /* Offsets, not a running position: sparse files keep their holes. */
                const char *p = buf;
                while (len > 0) {
                        ssize_t n = pwrite(fd, p, len, off);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0)
                                return entry_sys(u, err, -errno, name, "write");
                        p += n;
                        len -= (size_t)n;
                        off += n;
                }
        }
        if (ar != ARCHIVE_EOF)
                return entry_err(u, err, -EIO, name, "read",
                                 u->outer_err[0] ? u->outer_err : archive_error_string(u->inner));
        if (ftruncate(fd, archive_entry_size(e)) < 0)
                return entry_sys(u, err, -errno, name, "truncate");
        return set_meta_fd(u, e, fd, name, true, err);
}

static int add_dir_time(struct unpack *u, const char *name, struct archive_entry *e)
{
        struct dir_time *v = realloc(u->dirs, (u->n_dirs + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        u->dirs = v;
        struct dir_time *t = &u->dirs[u->n_dirs];
        if (!(t->path = strdup(*name ? name : ".")))
                return -ENOMEM;
        t->ts[0] = t->ts[1] =
            (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
        u->n_dirs++;
        return 0;
}

static int whiteout(struct unpack *u, int parent, const char *leaf, const char *name,
                    struct zone_err **err)
{
        if (strcmp(leaf, ".wh..wh..opq") == 0) {
                /* The directory holding the marker hides what lower layers have in it. */
                _cleanup_close_ int fd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0 || fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
                        return entry_sys(u, err, -errno, name, "mark directory opaque");
                return 0;
        }
        const char *target = leaf + 4;
        if (!*target || strcmp(target, ".") == 0 || strcmp(target, "..") == 0)
                return entry_err(u, err, -EINVAL, name, "whiteout names no file", NULL);
        int r = clear_leaf(parent, target, false);
        if (r < 0)
                return entry_sys(u, err, r, name, "replace");
        if (mknodat(parent, target, S_IFCHR | 0, makedev(0, 0)) < 0)
                return entry_sys(u, err, -errno, name, "create whiteout");
        return 0;
}

static int unpack_entry(struct unpack *u, struct archive_entry *e, struct zone_err **err)
{
        const char *raw = archive_entry_pathname(e);
        if (!raw)
                return zone_err_set(err, -EINVAL, "unpack layer %s: an entry has no name",
                                    u->digest);
        _cleanup_free_ char *name = NULL;
        int r = zone_path_clean(raw, &name);
        if (r == -EPERM)
                return entry_err(u, err, -EPERM, raw,
                                 raw[0] == '/' ? "absolute names are not allowed"
                                               : "\"..\" is not allowed",
                                 NULL);
        if (r < 0)
                return entry_sys(u, err, r, raw, "name");
        mode_t type = archive_entry_filetype(e);
        const char *hardlink = archive_entry_hardlink(e);
        if (!*name) {
                /* "./": the layer's root itself. */
                if (type != AE_IFDIR)
                        return entry_err(u, err, -EINVAL, raw, "the root must be a directory",
                                         NULL);
                _cleanup_close_ int fd = openat(u->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return entry_sys(u, err, -errno, raw, "open");
                r = set_meta_fd(u, e, fd, raw, false, err);
                if (r == 0 && add_dir_time(u, name, e) < 0)
                        r = entry_sys(u, err, -ENOMEM, raw, "open");
                return r;
        }
        _cleanup_close_ int parent = -1;
        const char *leaf;
        r = zone_open_parent(u->rootfd, name, true, &parent, &leaf);
        if (r == -ELOOP || r == -EXDEV)
                return entry_err(u, err, -ELOOP, name,
                                 "its path goes through a symlink, which is not allowed", NULL);
        if (r == -ENOTDIR)
                return entry_err(u, err, -ENOTDIR, name, "a part of its path is not a directory",
                                 NULL);
        if (r < 0)
                return entry_sys(u, err, r, name, "open its directory");
        /* The parent fd is O_PATH: reopen it for the *at() calls that need a real one. */
        _cleanup_close_ int dirfd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return entry_sys(u, err, -errno, name, "open its directory");
        if (strncmp(leaf, ".wh.", 4) == 0)
                return whiteout(u, dirfd, leaf, name, err);

        if (hardlink) {
                _cleanup_free_ char *target = NULL;
                r = zone_path_clean(hardlink, &target);
                if (r == -EPERM || (r == 0 && !*target))
                        return entry_err(u, err, -EPERM, name, "hard link target leaves the layer",
                                         hardlink);
                if (r < 0)
                        return entry_sys(u, err, r, name, "hard link");
                _cleanup_close_ int tparent = -1;
                const char *tleaf;
                r = zone_open_parent(u->rootfd, target, false, &tparent, &tleaf);
                _cleanup_close_ int tdir =
                    r == 0 ? openat(tparent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
                struct stat st;
                if (r < 0 || tdir < 0 || fstatat(tdir, tleaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return entry_err(u, err, -ENOENT, name,
                                         "hard link target is not in the layer", hardlink);
                if (S_ISDIR(st.st_mode))
                        return entry_err(u, err, -EPERM, name, "hard link target is a directory",
                                         hardlink);
                if ((r = clear_leaf(dirfd, leaf, false)) < 0)
                        return entry_sys(u, err, r, name, "replace");
                if (linkat(tdir, tleaf, dirfd, leaf, 0) < 0)
                        return entry_sys(u, err, -errno, name, "hard link");
                return 0;
        }
        r = clear_leaf(dirfd, leaf, type == AE_IFDIR);
        if (r < 0)
                return entry_sys(u, err, r, name, "replace");
        switch (type) {
        case AE_IFREG: {
                uint64_t size = (uint64_t)archive_entry_size(e);
                if (size > u->max_bytes - u->bytes)
                        return zone_err_set(err, -EFBIG,
                                            "unpack layer %s: layer bomb: entry \"%s\" goes past "
                                            "the limit of %" PRIu64 " bytes of file contents",
                                            u->digest, name, u->max_bytes);
                u->bytes += size;
                return write_file(u, e, dirfd, leaf, name, err);
        }
        case AE_IFDIR: {
                if (r == 0 && mkdirat(dirfd, leaf, 0700) < 0)
                        return entry_sys(u, err, -errno, name, "mkdir");
                _cleanup_close_ int fd =
                    openat(dirfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return entry_sys(u, err, -errno, name, "open");
                /* Its time is set at the end: creating its entries changes it. */
                r = set_meta_fd(u, e, fd, name, false, err);
                if (r == 0 && add_dir_time(u, name, e) < 0)
                        r = entry_sys(u, err, -ENOMEM, name, "mkdir");
                return r;
        }
        case AE_IFLNK: {
                /* Stored as it is: a symlink is data here, resolved only inside the zone. */
                const char *target = archive_entry_symlink(e);
                if (!target || symlinkat(target, dirfd, leaf) < 0)
                        return entry_sys(u, err, target ? -errno : -EINVAL, name, "symlink");
                return set_meta_at(u, e, dirfd, leaf, name, false, err);
        }
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
                if (mknodat(dirfd, leaf, type | (archive_entry_perm(e) & 07777),
                            makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e))) < 0)
                        return entry_sys(u, err, -errno, name, "mknod");
                return set_meta_at(u, e, dirfd, leaf, name, true, err);
        default:
                return entry_err(u, err, -EINVAL, name, "unsupported file type (a socket?)", NULL);
        }
}

static int apply_dir_times(struct unpack *u, struct zone_err **err)
{
        /* Deepest first is not needed (a child's time does not touch its parent's) but the
         * paths are resolved again the same safe way. */
        for (size_t i = 0; i < u->n_dirs; i++) {
                _cleanup_close_ int fd =
                    openat2_beneath(u->rootfd, u->dirs[i].path, O_RDONLY | O_DIRECTORY);
                if (fd < 0)
                        continue; /* replaced by a later entry */
                if (futimens(fd, u->dirs[i].ts) < 0)
                        return entry_sys(u, err, -errno, u->dirs[i].path, "set times");
        }
        return 0;
}

static int unpack_stream(struct unpack *u, int blobfd, struct zone_err **err)
{
        u->outer = archive_read_new();
        u->inner = archive_read_new();
        if (!u->outer || !u->inner)
                return zone_err_sys(err, -ENOMEM, "unpack layer %s", u->digest);
        if (archive_read_support_filter_all(u->outer) != ARCHIVE_OK ||
            archive_read_support_format_raw(u->outer) != ARCHIVE_OK ||
            archive_read_support_format_tar(u->inner) != ARCHIVE_OK)
                return zone_err_set(err, -EIO, "unpack layer %s: %s", u->digest,
                                    archive_error_string(u->outer));
        struct archive_entry *e;
        if (archive_read_open_fd(u->outer, blobfd, CHUNK) != ARCHIVE_OK ||
            archive_read_next_header(u->outer, &e) != ARCHIVE_OK)
                return zone_err_set(err, -EIO, "unpack layer %s: %s", u->digest,
                                    archive_error_string(u->outer));
        if (archive_read_open(u->inner, u, NULL, inner_read, NULL) != ARCHIVE_OK)
                return zone_err_set(err, -EIO, "unpack layer %s: not a tar archive: %s", u->digest,
                                    archive_error_string(u->inner));
        int r = 0;
        for (;;) {
                int ar = archive_read_next_header(u->inner, &e);
                if (ar == ARCHIVE_EOF)
                        break;
                if (ar < ARCHIVE_WARN)
                        return zone_err_set(err, -EIO, "unpack layer %s: %s%s", u->digest,
                                            u->entries ? "" : "not a tar archive: ",
                                            u->outer_err[0] ? u->outer_err
                                                            : archive_error_string(u->inner));
                if (++u->entries > u->max_entries)
                        return zone_err_set(err, -EFBIG,
                                            "unpack layer %s: layer bomb: more than %" PRIu64
                                            " entries",
                                            u->digest, u->max_entries);
                if ((r = unpack_entry(u, e, err)) < 0)
                        return r;
                if (u->progress && (u->entries & 63) == 0)
                        u->progress(u->progress_arg, u->digest,
                                    (uint64_t)archive_filter_bytes(u->outer, -1), u->blob_size);
        }
        /* What follows the tar's end marker is part of the diff id too. */
        la_ssize_t n;
        while ((n = archive_read_data(u->outer, u->buf, sizeof(u->buf))) > 0)
                zone_digest_update(&u->d, u->buf, (size_t)n);
        if (n < 0)
                return zone_err_set(err, -EIO, "unpack layer %s: %s", u->digest,
                                    archive_error_string(u->outer));
        if (u->progress)
                u->progress(u->progress_arg, u->digest, u->blob_size, u->blob_size);
        return apply_dir_times(u, err);
}

int zone_layer_unpack(struct zone_image_store *s, const char *digest, const char *want_diff_id,
                      const struct zone_unpack_limits *limits, zone_progress_fn progress,
                      void *progress_arg, char ret_diff_id[ZONE_DIGEST_SIZE], struct zone_err **err)
{
        if (!zone_store_writable(s))
                return zone_err_set(
                    err, -EBADF, "unpack layer %s: the image store was opened read-only", digest);
        if (want_diff_id && !zone_digest_valid(want_diff_id))
                return zone_err_set(err, -EINVAL, "unpack layer %s: invalid diff id \"%s\"", digest,
                                    want_diff_id);
        int layersfd = zone_store_layers_fd(s), tmpfd = zone_store_tmp_fd(s);
        if (want_diff_id && faccessat(layersfd, want_diff_id + 7, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                if (ret_diff_id)
                        memcpy(ret_diff_id, want_diff_id, ZONE_DIGEST_SIZE);
                return 0;
        }
        _cleanup_close_ int blobfd = -1;
        uint64_t blob_size = 0;
        int r = zone_blob_open(s, digest, &blobfd, &blob_size, err);
        if (r < 0)
                return zone_err_wrap(err, "unpack layer");
        char tmp[64];
        if ((r = zone_store_tmp_name("layer", tmp)) < 0 || mkdirat(tmpfd, tmp, 0755) < 0)
                return zone_err_sys(err, r < 0 ? r : -errno, "unpack layer %s: create %s/tmp",
                                    digest, zone_image_store_dir(s));
        struct unpack u = {
            .s = s,
            .digest = digest,
            .rootfd = -1,
            .max_bytes = limits && limits->max_bytes ? limits->max_bytes : DEFAULT_MAX_BYTES,
            .max_entries =
                limits && limits->max_entries ? limits->max_entries : DEFAULT_MAX_ENTRIES,
            .blob_size = blob_size,
            .progress = progress,
            .progress_arg = progress_arg,
        };
        if (limits && limits->used_bytes)
                u.bytes = *limits->used_bytes;
        if (limits && limits->used_entries)
                u.entries = *limits->used_entries;
        zone_digest_init(&u.d);
        u.rootfd = openat(tmpfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (u.rootfd < 0)
                r = zone_err_sys(err, -errno, "unpack layer %s: open %s", digest, tmp);
        else
                r = unpack_stream(&u, blobfd, err);
        char diff[ZONE_DIGEST_SIZE];
        zone_digest_final(&u.d, diff);
        if (r == 0 && want_diff_id && strcmp(diff, want_diff_id) != 0)
                r = zone_err_set(err, -EBADMSG,
                                 "unpack layer %s: diff id mismatch: the image config says %s, "
                                 "the layer is %s",
                                 digest, want_diff_id, diff);
        if (u.outer)
                archive_read_free(u.outer);
        if (u.inner)
                archive_read_free(u.inner);
        for (size_t i = 0; i < u.n_dirs; i++)
                free(u.dirs[i].path);
        free(u.dirs);
        closep(&u.rootfd);
        if (r == 0) {
                if (renameat(tmpfd, tmp, layersfd, diff + 7) == 0) {
                        if (zone_store_txn_add_layer(s, diff) < 0) {
                                zone_rm_rf_at(layersfd, diff + 7, NULL);
                                r = zone_err_sys(err, -ENOMEM, "unpack layer %s", digest);
                        }
                } else if (errno != EEXIST && errno != ENOTEMPTY) {
                        r = zone_err_sys(err, -errno, "unpack layer %s: store it as layers/%s",
                                         digest, diff + 7);
                }
        }
        /* Still there on failure, or when the same layer was there already. */
        zone_rm_rf_at(tmpfd, tmp, NULL);
        if (r < 0)
                return r;
        if (limits && limits->used_bytes)
                *limits->used_bytes = u.bytes;
        if (limits && limits->used_entries)
                *limits->used_entries = u.entries;
        if (ret_diff_id)
                memcpy(ret_diff_id, diff, ZONE_DIGEST_SIZE);
        return 0;
}
