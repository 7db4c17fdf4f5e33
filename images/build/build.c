/* The minimal app runtime builder (build.h). The tree is written only through descriptors
 * under its root: every directory is opened with O_NOFOLLOW, every file created with O_EXCL,
 * so nothing an earlier step put in the tree (a symlink from a directory added from the host)
 * can redirect a later write outside it. Host files are read with O_NOFOLLOW once their path
 * is resolved, and copied (not linked), owned by root, with their modes. */
#include "images/build/build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "images/build/elf.h"
#include "images/import.h"
#include "util.h"

#define MAX_LINK_DEPTH 40
#define DEFAULT_PATH   "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct builder {
        const struct zone_build_spec *spec;
        int root;
        struct zone_elf_closure *closure;
        zone_progress_fn progress;
        void *progress_arg;
        uint64_t bytes;
        bool collect_elf; /* copying adds: their ELF files join the closure */
};

/* ---- the spec ---- */

void zone_build_spec_clear(struct zone_build_spec *spec)
{
        free(spec->name);
        strv_free(spec->from_host);
        for (size_t i = 0; i < spec->n_adds; i++) {
                free(spec->adds[i].src);
                free(spec->adds[i].dst);
        }
        free(spec->adds);
        for (size_t i = 0; i < spec->n_links; i++) {
                free(spec->links[i].path);
                free(spec->links[i].target);
        }
        free(spec->links);
        strv_free(spec->exclude);
        strv_free(spec->entrypoint);
        strv_free(spec->cmd);
        strv_free(spec->env);
        free(spec->workdir);
        free(spec->user);
        strv_free(spec->label_keys);
        strv_free(spec->label_values);
        memset(spec, 0, sizeof(*spec));
}

static int replace_at(char **v, size_t i, const char *s)
{
        char *copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        free(v[i]);
        v[i] = copy;
        return 0;
}

int zone_build_spec_set_env(struct zone_build_spec *spec, const char *kv)
{
        const char *eq = strchr(kv, '=');
        size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
        for (size_t i = 0; spec->env && spec->env[i]; i++)
                if (strncmp(spec->env[i], kv, klen) == 0 && spec->env[i][klen] == '=')
                        return replace_at(spec->env, i, kv);
        return strv_append(&spec->env, kv);
}

int zone_build_spec_set_label(struct zone_build_spec *spec, const char *key, const char *value)
{
        for (size_t i = 0; spec->label_keys && spec->label_keys[i]; i++)
                if (strcmp(spec->label_keys[i], key) == 0)
                        return replace_at(spec->label_values, i, value);
        int r = strv_append(&spec->label_keys, key);
        if (r < 0)
                return r;
        r = strv_append(&spec->label_values, value);
        if (r < 0) {
                size_t n = strv_length(spec->label_keys);
                free(spec->label_keys[n - 1]);
                spec->label_keys[n - 1] = NULL;
        }
        return r;
}

int zone_build_spec_add(struct zone_build_spec *spec, const char *src, const char *dst)
{
        struct zone_build_add *n = realloc(spec->adds, (spec->n_adds + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        spec->adds = n;
        struct zone_build_add *a = &n[spec->n_adds];
        a->src = strdup(src);
        a->dst = dst && *dst ? strdup(dst) : NULL;
        if (!a->src || (dst && *dst && !a->dst)) {
                free(a->src);
                free(a->dst);
                return -ENOMEM;
        }
        spec->n_adds++;
        return 0;
}

int zone_build_spec_link(struct zone_build_spec *spec, const char *path, const char *target)
{
        struct zone_build_link *n = realloc(spec->links, (spec->n_links + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        spec->links = n;
        struct zone_build_link *l = &n[spec->n_links];
        l->path = strdup(path);
        l->target = strdup(target);
        if (!l->path || !l->target) {
                free(l->path);
                free(l->target);
                return -ENOMEM;
        }
        spec->n_links++;
        return 0;
}

static bool has_dotdot(const char *p)
{
        for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2)
                if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
                        return true;
        return false;
}

const char *zone_build_check_add(const char *src, const char *dst)
{
        if (!src || src[0] != '/')
                return "the source must be an absolute path";
        if (has_dotdot(src))
                return "the source has a \"..\" component";
        if (dst && *dst) {
                if (dst[0] != '/')
                        return "the destination must be an absolute path";
                if (has_dotdot(dst))
                        return "the destination has a \"..\" component";
        }
        return NULL;
}

/* ---- writing the tree ---- */

/* Opens (creating it with mode when missing) the directory name under dfd, never through a
 * symlink. where names it in messages (its path in the image). */
static int tree_dir(int dfd, const char *name, mode_t mode, const char *where, int *ret,
                    struct zone_err **err)
{
        bool made = false;
        if (mkdirat(dfd, name, 0700) == 0)
                made = true;
        else if (errno != EEXIST)
                return zone_err_sys(err, -errno, "mkdir %s in the image", where);
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && (errno == ENOTDIR || errno == ELOOP))
                return zone_err_set(err, -ENOTDIR,
                                    "%s in the image is already something other than a directory",
                                    where);
        if (fd < 0)
                return zone_err_sys(err, -errno, "open %s in the image", where);
        if (made && (fchown(fd, 0, 0) < 0 || fchmod(fd, mode & 07777) < 0)) {
                int e = -errno;
                close(fd);
                return zone_err_sys(err, e, "set owner and mode of %s in the image", where);
        }
        *ret = fd;
        return 0;
}

static int tree_symlink(int dfd, const char *name, const char *target, const char *where,
                        struct zone_err **err)
{
        if (symlinkat(target, dfd, name) < 0) {
                if (errno != EEXIST)
                        return zone_err_sys(err, -errno, "symlink %s in the image", where);
                char have[PATH_MAX];
                ssize_t n = readlinkat(dfd, name, have, sizeof(have) - 1);
                if (n < 0 || (have[n] = '\0', strcmp(have, target) != 0))
                        return zone_err_set(err, -EEXIST,
                                            "%s in the image is already something other than a "
                                            "symlink to %s",
                                            where, target);
                return 0;
        }
        if (fchownat(dfd, name, 0, 0, AT_SYMLINK_NOFOLLOW) < 0)
                return zone_err_sys(err, -errno, "chown symlink %s in the image", where);
        return 0;
}

static int copy_data(int in, int out)
{
        bool plain = false;
        char buf[64 * 1024];
        for (;;) {
                ssize_t n;
                if (!plain) {
                        n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
                        if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                                      errno == EOPNOTSUPP)) {
                                plain = true;
                                continue;
                        }
                } else {
                        n = read(in, buf, sizeof(buf));
                        if (n > 0) {
                                int r = write_full(out, buf, (size_t)n);
                                if (r < 0)
                                        return r;
                        }
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
        }
}

/* Copies the host file src_dfd/src_name (host names it in messages) to dfd/name. A regular
 * file already at the destination is kept (the same host file reached twice). An ELF file of
 * the host's kind gets its closure added. */
static int copy_file(struct builder *b, int src_dfd, const char *src_name, const char *host,
                     int dfd, const char *name, const char *where, struct zone_err **err)
{
        _cleanup_close_ int in = openat(src_dfd, src_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (in < 0)
                return zone_err_sys(err, -errno, "open %s", host);
        struct stat st;
        if (fstat(in, &st) < 0)
                return zone_err_sys(err, -errno, "stat %s", host);
        if (!S_ISREG(st.st_mode))
                return zone_err_set(err, -EINVAL, "%s: not a regular file", host);
        _cleanup_close_ int out =
            openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0 && errno == EEXIST) {
                struct stat have;
                if (fstatat(dfd, name, &have, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(have.st_mode))
                        return 0;
                return zone_err_set(
                    err, -EEXIST, "%s in the image is already something other than a file", where);
        }
        if (out < 0)
                return zone_err_sys(err, -errno, "create %s in the image", where);
        int r = copy_data(in, out);
        if (r < 0)
                return zone_err_sys(err, r, "copy %s to %s in the image", host, where);
        /* chown before chmod: chown clears set-id bits. */
        if (fchown(out, 0, 0) < 0 || fchmod(out, st.st_mode & 07777) < 0)
                return zone_err_sys(err, -errno, "set owner and mode of %s in the image", where);
        /* The host file's mtime: a build of the same files makes the same layer digest. */
        struct timespec times[2] = {st.st_atim, st.st_mtim};
        if (futimens(out, times) < 0)
                return zone_err_sys(err, -errno, "set the times of %s in the image", where);
        b->bytes += (uint64_t)st.st_size;
        if (b->progress)
                b->progress(b->progress_arg, "copy", b->bytes, 0);

        char magic[4];
        if (b->collect_elf && pread(in, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
            memcmp(magic, "\177ELF", 4) == 0 && zone_elf_is_host(host) == 1) {
                r = zone_elf_closure_add(b->closure, host, err);
                if (r < 0) {
                        zone_err_wrap(err, "libraries of %s", host);
                        return r;
                }
        }
        return 0;
}

static bool excluded(const struct builder *b, const char *host)
{
        for (size_t i = 0; b->spec->exclude && b->spec->exclude[i]; i++)
                if (fnmatch(b->spec->exclude[i], host, 0) == 0)
                        return true;
        return false;
}

/* Copies the host directory src (open, named host) into the tree directory dst (named
 * where), recursively: directories, regular files, and symlinks as symlinks. */
static int copy_dir(struct builder *b, int src, const char *host, int dst, const char *where,
                    int depth, struct zone_err **err)
{
        if (depth > 256)
                return zone_err_set(err, -ELOOP, "copy %s: directories nested too deep", host);
        int fd = fcntl(src, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return zone_err_sys(err, -errno, "read directory %s", host);
        DIR *d = fdopendir(fd);
        if (!d) {
                int e = -errno;
                close(fd);
                return zone_err_sys(err, e, "read directory %s", host);
        }
        int r = 0;
        struct dirent *de;
        while (r == 0) {
                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno)
                                r = zone_err_sys(err, -errno, "read directory %s", host);
                        break;
                }
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                char hpath[PATH_MAX], wpath[PATH_MAX];
                if (snprintf(hpath, sizeof(hpath), "%s/%s", host, de->d_name) >= PATH_MAX ||
                    snprintf(wpath, sizeof(wpath), "%s/%s", strcmp(where, "/") ? where : "",
                             de->d_name) >= PATH_MAX) {
                        r = zone_err_set(err, -ENAMETOOLONG, "copy %s/%s: path too long", host,
                                         de->d_name);
                        break;
                }
                if (excluded(b, hpath))
                        continue;
                struct stat st;
                if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = zone_err_sys(err, -errno, "stat %s", hpath);
                } else if (S_ISREG(st.st_mode)) {
                        r = copy_file(b, src, de->d_name, hpath, dst, de->d_name, wpath, err);
                } else if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t n = readlinkat(src, de->d_name, target, sizeof(target) - 1);
                        if (n < 0)
                                r = zone_err_sys(err, -errno, "readlink %s", hpath);
                        else {
                                target[n] = '\0';
                                r = tree_symlink(dst, de->d_name, target, wpath, err);
                        }
                } else if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub_src = openat(
                            src, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        _cleanup_close_ int sub_dst = -1;
                        if (sub_src < 0)
                                r = zone_err_sys(err, -errno, "open %s", hpath);
                        else
                                r = tree_dir(dst, de->d_name, st.st_mode, wpath, &sub_dst, err);
                        if (r == 0)
                                r = copy_dir(b, sub_src, hpath, sub_dst, wpath, depth + 1, err);
                } else {
                        r = zone_err_set(err, -EINVAL,
                                         "%s: not a regular file, directory or symlink", hpath);
                }
        }
        closedir(d);
        return r;
}

/* Normalises an absolute path lexically ("." and ".." and repeated slashes): only ever
 * applied to a path whose prefix is free of symlinks, where that is what the kernel does. */
static int normalize(const char *path, char out[PATH_MAX])
{
        if (path[0] != '/' || strlen(path) >= PATH_MAX)
                return -EINVAL;
        size_t n = 0;
        out[0] = '\0';
        const char *p = path;
        while (*p) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                size_t len = strcspn(p, "/");
                if (len == 1 && p[0] == '.') {
                } else if (len == 2 && p[0] == '.' && p[1] == '.') {
                        while (n > 0 && out[n - 1] != '/')
                                n--;
                        if (n > 0)
                                n--;
                        out[n] = '\0';
                } else {
                        out[n++] = '/';
                        memcpy(out + n, p, len);
                        n += len;
                        out[n] = '\0';
                }
                p += len;
        }
        if (n == 0)
                strcpy(out, "/");
        return 0;
}

/* Copies the host path into the tree at the same path, recreating every symlink met on the
 * way (a /lib -> usr/lib link, libfoo.so.1 -> libfoo.so.1.2) and copying what it leads to.
 * A directory at the end is copied recursively. */
static int mirror(struct builder *b, const char *path, int depth, struct zone_err **err)
{
        if (depth > MAX_LINK_DEPTH)
                return zone_err_set(err, -ELOOP, "copy %s: too many levels of symlinks", path);
        char norm[PATH_MAX];
        if (normalize(path, norm) < 0)
                return zone_err_set(err, -EINVAL, "copy %s: not an absolute path", path);
        _cleanup_close_ int dfd = fcntl(b->root, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0)
                return zone_err_sys(err, -errno, "copy %s", path);
        if (strcmp(norm, "/") == 0)
                return zone_err_set(err, -EINVAL, "copy /: the host's whole root is not added");
        char prefix[PATH_MAX] = "";
        const char *p = norm + 1;
        for (;;) {
                size_t len = strcspn(p, "/");
                bool last = p[len] == '\0';
                char comp[NAME_MAX + 1], full[PATH_MAX];
                if (len > NAME_MAX)
                        return zone_err_set(err, -ENAMETOOLONG, "copy %s: name too long", path);
                memcpy(comp, p, len);
                comp[len] = '\0';
                if (snprintf(full, sizeof(full), "%s/%s", prefix, comp) >= PATH_MAX)
                        return zone_err_set(err, -ENAMETOOLONG, "copy %s: path too long", path);
                struct stat st;
                if (lstat(full, &st) < 0)
                        return zone_err_sys(err, -errno, "copy %s: stat %s", path, full);
                if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX], next[PATH_MAX];
                        ssize_t n = readlink(full, target, sizeof(target) - 1);
                        if (n < 0)
                                return zone_err_sys(err, -errno, "readlink %s", full);
                        target[n] = '\0';
                        int r = tree_symlink(dfd, comp, target, full, err);
                        if (r < 0)
                                return r;
                        if (snprintf(next, sizeof(next), "%s%s%s%s%s",
                                     target[0] == '/' ? "" : prefix, target[0] == '/' ? "" : "/",
                                     target, last ? "" : "/", last ? "" : p + len + 1) >= PATH_MAX)
                                return zone_err_set(err, -ENAMETOOLONG, "copy %s: path too long",
                                                    path);
                        return mirror(b, next, depth + 1, err);
                }
                if (S_ISDIR(st.st_mode)) {
                        int sub = -1;
                        int r = tree_dir(dfd, comp, st.st_mode, full, &sub, err);
                        if (r < 0)
                                return r;
                        close(dfd);
                        dfd = sub;
                        if (last) {
                                _cleanup_close_ int src =
                                    open(full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                                if (src < 0)
                                        return zone_err_sys(err, -errno, "open %s", full);
                                return copy_dir(b, src, full, dfd, full, 0, err);
                        }
                        strcpy(prefix, full);
                        p += len + 1;
                        continue;
                }
                if (S_ISREG(st.st_mode) && last) {
                        _cleanup_close_ int parent =
                            open(prefix[0] ? prefix : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (parent < 0)
                                return zone_err_sys(err, -errno, "open %s", prefix);
                        return copy_file(b, parent, comp, full, dfd, comp, full, err);
                }
                return zone_err_set(err, -EINVAL, "copy %s: %s is not a %s", path, full,
                                    last ? "regular file, directory or symlink" : "directory");
        }
}

/* Opens the directory of dst in the tree, creating missing directories (0755). Symlinks
 * already in the tree are followed as the zone will see them: resolved inside the tree's root
 * (openat2 RESOLVE_IN_ROOT), so none leads out of it. The last component is copied to leaf. */
static int tree_parent(struct builder *b, const char *dst, int *ret_fd, char leaf[NAME_MAX + 1],
                       struct zone_err **err)
{
        char norm[PATH_MAX];
        if (normalize(dst, norm) < 0)
                return zone_err_set(err, -EINVAL, "%s: not an absolute path", dst);
        _cleanup_close_ int dfd = fcntl(b->root, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0)
                return zone_err_sys(err, -errno, "open the image's root");
        leaf[0] = '\0';
        char where[PATH_MAX] = "";
        const char *p = norm + 1;
        while (*p) {
                size_t len = strcspn(p, "/");
                if (len > NAME_MAX)
                        return zone_err_set(err, -ENAMETOOLONG, "%s: name too long", dst);
                memcpy(leaf, p, len);
                leaf[len] = '\0';
                if (p[len] == '\0')
                        break;
                snprintf(where + strlen(where), sizeof(where) - strlen(where), "/%s", leaf);
                struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                                       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
                                                  RESOLVE_NO_XDEV};
                int sub = (int)syscall(SYS_openat2, b->root, where + 1, &how, sizeof(how));
                if (sub < 0 && errno == ENOENT) {
                        /* Missing, or a dangling symlink (which is refused: O_NOFOLLOW). */
                        int r = tree_dir(dfd, leaf, 0755, where, &sub, err);
                        if (r < 0)
                                return r;
                } else if (sub < 0) {
                        return zone_err_sys(err, -errno, "open %s in the image", where);
                }
                close(dfd);
                dfd = sub;
                p += len + 1;
        }
        *ret_fd = steal_fd(&dfd);
        return 0;
}

static int add_one(struct builder *b, const struct zone_build_add *a, struct zone_err **err)
{
        const char *bad = zone_build_check_add(a->src, a->dst);
        if (bad)
                return zone_err_set(err, -EINVAL, "add %s%s%s: %s", a->src, a->dst ? ":" : "",
                                    a->dst ? a->dst : "", bad);
        struct stat st;
        if (lstat(a->src, &st) < 0)
                return zone_err_sys(err, -errno, "add %s", a->src);
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
                return zone_err_set(err, -EINVAL,
                                    "add %s: not a regular file, directory or symlink", a->src);
        if (!a->dst)
                return mirror(b, a->src, 0, err);

        _cleanup_close_ int parent = -1;
        char leaf[NAME_MAX + 1];
        int r = tree_parent(b, a->dst, &parent, leaf, err);
        if (r < 0)
                return r;
        if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlink(a->src, target, sizeof(target) - 1);
                if (n < 0)
                        return zone_err_sys(err, -errno, "readlink %s", a->src);
                target[n] = '\0';
                if (!leaf[0])
                        return zone_err_set(err, -EINVAL, "add %s:/: a symlink cannot be /",
                                            a->src);
                return tree_symlink(parent, leaf, target, a->dst, err);
        }
        char src_dir[PATH_MAX];
        strcpy(src_dir, a->src);
        char *slash = strrchr(src_dir, '/');
        const char *src_name = slash + 1;
        *slash = '\0';
        if (S_ISDIR(st.st_mode)) {
                _cleanup_close_ int src =
                    open(a->src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (src < 0)
                        return zone_err_sys(err, -errno, "open %s", a->src);
                _cleanup_close_ int dst = -1;
                if (!leaf[0])
                        dst = steal_fd(&parent); /* DST "/": the directory's contents at the root */
                else if ((r = tree_dir(parent, leaf, st.st_mode, a->dst, &dst, err)) < 0)
                        return r;
                return copy_dir(b, src, a->src, dst, a->dst, 0, err);
        }
        if (!leaf[0])
                return zone_err_set(err, -EINVAL, "add %s:/: a file cannot be /", a->src);
        _cleanup_close_ int src_parent =
            open(src_dir[0] ? src_dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (src_parent < 0)
                return zone_err_sys(err, -errno, "open %s", src_dir);
        return copy_file(b, src_parent, src_name, a->src, parent, leaf, a->dst, err);
}

/* A file of the skeleton, unless the build added its own. */
static int skeleton_file(int root, const char *dir, const char *name, const char *text,
                         struct zone_err **err)
{
        _cleanup_close_ int dfd = -1;
        char where[PATH_MAX];
        snprintf(where, sizeof(where), "/%s", dir);
        int r = tree_dir(root, dir, 0755, where, &dfd, err);
        if (r < 0)
                return r;
        snprintf(where, sizeof(where), "/%s/%s", dir, name);
        _cleanup_close_ int fd =
            openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST)
                return 0;
        if (fd < 0)
                return zone_err_sys(err, -errno, "create %s in the image", where);
        r = write_full(fd, text, strlen(text));
        static const struct timespec epoch[2] = {{0, 0}, {0, 0}};
        if (r == 0 && (fchown(fd, 0, 0) < 0 || fchmod(fd, 0644) < 0 || futimens(fd, epoch) < 0))
                r = -errno;
        return r < 0 ? zone_err_sys(err, r, "write %s in the image", where) : 0;
}

static int skeleton(struct builder *b, struct zone_err **err)
{
        /* Mount points and the directories a process expects. */
        static const struct {
                const char *name;
                mode_t mode;
        } dirs[] = {{"dev", 0755},  {"proc", 0555}, {"sys", 0555}, {"run", 0755},
                    {"tmp", 01777}, {"root", 0700}, {"etc", 0755}};
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                char where[64];
                snprintf(where, sizeof(where), "/%s", dirs[i].name);
                _cleanup_close_ int fd = -1;
                int r = tree_dir(b->root, dirs[i].name, dirs[i].mode, where, &fd, err);
                if (r < 0)
                        return r;
        }
        static const struct {
                const char *name, *text;
        } files[] = {
            {"passwd", "root:x:0:0:root:/root:/bin/sh\n"
                       "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"},
            {"group", "root:x:0:\nnogroup:x:65534:\n"},
            /* glibc (2.34 and later) has the "files" service built in: no libnss_files. */
            {"nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"
                              "networks: files\nprotocols: files\nservices: files\n"},
            {"hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                int r = skeleton_file(b->root, "etc", files[i].name, files[i].text, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int remove_contents(int dfd, const char *where, int depth, struct zone_err **err)
{
        if (depth > 512)
                return zone_err_set(err, -ELOOP, "remove %s: nested too deep", where);
        int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return zone_err_sys(err, -errno, "remove %s", where);
        DIR *d = fdopendir(fd);
        if (!d) {
                int e = -errno;
                close(fd);
                return zone_err_sys(err, e, "remove %s", where);
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (errno = 0, de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (unlinkat(dfd, de->d_name, 0) == 0)
                        continue;
                if (errno != EISDIR && errno != EPERM) {
                        r = zone_err_sys(err, -errno, "remove %s/%s", where, de->d_name);
                        break;
                }
                _cleanup_close_ int sub =
                    openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0) {
                        r = zone_err_sys(err, -errno, "remove %s/%s", where, de->d_name);
                        break;
                }
                r = remove_contents(sub, where, depth + 1, err);
                if (r == 0 && unlinkat(dfd, de->d_name, AT_REMOVEDIR) < 0)
                        r = zone_err_sys(err, -errno, "remove %s/%s", where, de->d_name);
        }
        if (r == 0 && errno)
                r = zone_err_sys(err, -errno, "remove %s", where);
        closedir(d);
        return r;
}

int zone_build_tree_remove(const char *dir, struct zone_err **err)
{
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : zone_err_sys(err, -errno, "remove %s", dir);
        int r = remove_contents(fd, dir, 0, err);
        if (r < 0)
                return r;
        if (rmdir(dir) < 0)
                return zone_err_sys(err, -errno, "remove %s", dir);
        return 0;
}

/* Directories, symlinks and the files the builder writes get one fixed time (the epoch), the
 * copied files keep their hosts': building the same files again makes the same layer (same
 * diff id, shared in the store). */
static int fix_times(int dfd, const char *where, int depth, struct zone_err **err)
{
        static const struct timespec epoch[2] = {{0, 0}, {0, 0}};
        if (depth > 512)
                return zone_err_set(err, -ELOOP, "%s: nested too deep", where);
        int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        DIR *d = fd < 0 ? NULL : fdopendir(fd);
        if (!d) {
                int e = -errno;
                if (fd >= 0)
                        close(fd);
                return zone_err_sys(err, e, "read %s in the image", where);
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                struct stat st;
                if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = zone_err_sys(err, -errno, "stat %s/%s in the image", where, de->d_name);
                        break;
                }
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(
                            dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub < 0)
                                r = zone_err_sys(err, -errno, "open %s/%s in the image", where,
                                                 de->d_name);
                        else
                                r = fix_times(sub, where, depth + 1, err);
                }
                if (r == 0 && (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)) &&
                    utimensat(dfd, de->d_name, epoch, AT_SYMLINK_NOFOLLOW) < 0)
                        r = zone_err_sys(err, -errno, "set the times of %s/%s in the image", where,
                                         de->d_name);
        }
        closedir(d);
        if (r == 0 && depth == 0 && futimens(dfd, epoch) < 0)
                r = zone_err_sys(err, -errno, "set the times of %s", where);
        return r;
}

static int check_from_host(const char *path, struct zone_err **err)
{
        if (path[0] != '/')
                return zone_err_set(err, -EINVAL, "from-host %s: not an absolute path", path);
        struct stat st;
        if (stat(path, &st) < 0)
                return zone_err_sys(err, -errno, "from-host %s", path);
        if (!S_ISREG(st.st_mode))
                return zone_err_set(err, -EINVAL, "from-host %s: not a regular file", path);
        int r = zone_elf_is_host(path);
        if (r < 0)
                return zone_err_sys(err, r, "from-host %s", path);
        if (r == 0)
                /* A script's interpreter would have to be guessed (and "#!/usr/bin/env x"
                 * looked up on PATH): refused, the build says what it means instead. */
                return zone_err_set(err, -ENOEXEC,
                                    "from-host %s: not an ELF program of this host (for a "
                                    "script, give its interpreter with from-host and the "
                                    "script with add)",
                                    path);
        return 0;
}

static int build_into(struct builder *b, struct zone_err **err)
{
        const struct zone_build_spec *spec = b->spec;
        int r;
        for (size_t i = 0; spec->from_host && spec->from_host[i]; i++) {
                r = check_from_host(spec->from_host[i], err);
                if (r < 0)
                        return r;
                r = zone_elf_closure_add(b->closure, spec->from_host[i], err);
                if (r < 0) {
                        zone_err_wrap(err, "from-host %s", spec->from_host[i]);
                        return r;
                }
        }
        /* Adds first: the ELF files among them join the closure, copied after. */
        b->collect_elf = true;
        for (size_t i = 0; i < spec->n_adds; i++) {
                r = add_one(b, &spec->adds[i], err);
                if (r < 0)
                        return r;
        }
        b->collect_elf = false;
        size_t n = 0;
        zone_elf_closure_paths(b->closure, &n);
        for (size_t i = 0; i < n; i++) {
                r = mirror(b, zone_elf_closure_paths(b->closure, NULL)[i], 0, err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < spec->n_links; i++) {
                const struct zone_build_link *l = &spec->links[i];
                const char *bad = zone_build_check_add("/", l->path);
                if (bad || !l->target[0])
                        return zone_err_set(err, -EINVAL, "symlink %s -> %s: %s", l->path,
                                            l->target, bad ? bad : "empty target");
                _cleanup_close_ int parent = -1;
                char leaf[NAME_MAX + 1];
                r = tree_parent(b, l->path, &parent, leaf, err);
                if (r == 0 && !leaf[0])
                        r = zone_err_set(err, -EINVAL, "symlink /: the root cannot be a link");
                if (r == 0)
                        r = tree_symlink(parent, leaf, l->target, l->path, err);
                if (r < 0)
                        return r;
        }
        r = skeleton(b, err);
        return r < 0 ? r : fix_times(b->root, "the image", 0, err);
}

int zone_build_tree(const struct zone_build_spec *spec, const char *tmp_dir,
                    zone_progress_fn progress, void *progress_arg, char **ret_dir,
                    struct zone_err **err)
{
        if ((!spec->from_host || !spec->from_host[0]) && spec->n_adds == 0)
                return zone_err_set(err, -EINVAL,
                                    "build: nothing to put in the image (no from-host, no add)");
        if (!tmp_dir)
                tmp_dir = getenv("TMPDIR");
        if (!tmp_dir || !*tmp_dir)
                tmp_dir = "/var/tmp";
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "%s/zone-build.XXXXXX", tmp_dir) < 0)
                return zone_err_set(err, -ENOMEM, "build");
        if (!mkdtemp(dir))
                return zone_err_sys(err, -errno, "build: make a directory in %s", tmp_dir);
        struct builder b = {.spec = spec, .progress = progress, .progress_arg = progress_arg};
        b.root = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        b.closure = zone_elf_closure_new(NULL);
        int r;
        if (b.root < 0)
                r = zone_err_sys(err, -errno, "open %s", dir);
        else if (!b.closure)
                r = zone_err_set(err, -ENOMEM, "build");
        else if (fchown(b.root, 0, 0) < 0 || fchmod(b.root, 0755) < 0)
                r = zone_err_sys(err, -errno, "set owner and mode of %s", dir);
        else
                r = build_into(&b, err);
        if (b.root >= 0)
                close(b.root);
        zone_elf_closure_free(b.closure);
        if (r < 0) {
                zone_build_tree_remove(dir, NULL);
                return r;
        }
        *ret_dir = steal_pointer(&dir);
        return 0;
}

/* The image config from the spec; the vectors are the spec's (or static), not copies. */
static int image_config(const struct zone_build_spec *spec, struct zone_image_config *c,
                        char ***ret_env, char ***ret_entrypoint)
{
        memset(c, 0, sizeof(*c));
        bool has_path = false;
        for (size_t i = 0; spec->env && spec->env[i]; i++)
                has_path |= strncmp(spec->env[i], "PATH=", 5) == 0;
        if (!has_path && strv_append(ret_env, DEFAULT_PATH) < 0)
                return -ENOMEM;
        for (size_t i = 0; spec->env && spec->env[i]; i++)
                if (strv_append(ret_env, spec->env[i]) < 0)
                        return -ENOMEM;
        c->env = *ret_env;
        c->entrypoint = spec->entrypoint;
        if (!spec->entrypoint && !spec->cmd && spec->from_host && spec->from_host[0]) {
                if (strv_append(ret_entrypoint, spec->from_host[0]) < 0)
                        return -ENOMEM;
                c->entrypoint = *ret_entrypoint;
        }
        c->cmd = spec->cmd;
        c->working_dir = spec->workdir;
        c->user = spec->user;
        c->label_keys = spec->label_keys;
        c->label_values = spec->label_values;
        return 0;
}

int zone_image_build(struct zone_image_store *store, const struct zone_build_spec *spec,
                     zone_progress_fn progress, void *progress_arg, struct zone_err **err)
{
        if (!spec->name)
                return zone_err_set(err, -EINVAL, "build: the image has no name");
        /* A bad name is refused before anything is copied. */
        _cleanup_free_ char *name = NULL;
        int r = zone_image_name_normalize(spec->name, &name, err);
        if (r < 0)
                return r;
        _cleanup_strv_ char **env = NULL, **entrypoint = NULL;
        struct zone_image_config config;
        if (image_config(spec, &config, &env, &entrypoint) < 0)
                return zone_err_set(err, -ENOMEM, "build %s", name);

        /* The tree is made in the store's tmp/: on its file system, and swept with it if the
         * build is killed. */
        _cleanup_free_ char *tmp = NULL;
        if (asprintf(&tmp, "%s/tmp", zone_image_store_dir(store)) < 0)
                return zone_err_set(err, -ENOMEM, "build %s", name);
        _cleanup_free_ char *dir = NULL;
        r = zone_build_tree(spec, tmp, progress, progress_arg, &dir, err);
        if (r < 0) {
                zone_err_wrap(err, "build %s", name);
                return r;
        }
        struct zone_import_opts opts = {
            .path = dir,
            .format = ZONE_IMPORT_ROOTFS_DIR,
            .name = name,
            .config = &config,
            .progress = progress,
            .progress_arg = progress_arg,
        };
        char **names = NULL;
        r = zone_image_import(store, &opts, &names, err);
        strv_free(names);
        int rr = zone_build_tree_remove(dir, r < 0 ? NULL : err);
        if (r < 0) {
                zone_err_wrap(err, "build %s", name);
                return r;
        }
        return rr;
}
