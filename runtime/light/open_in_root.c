/* Resolving and creating paths inside a container root without ever leaving it. */
#include "light/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

/* Same bound the kernel uses for nested symlinks (MAXSYMLINKS). */
#define MAX_LINKS 40

static int openat2_in_root(int rootfd, const char *path)
{
        struct open_how how = {
            .flags = O_PATH | O_CLOEXEC,
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        /* openat2 rejects "" without AT_EMPTY_PATH; "." means the root itself. */
        if (!*path)
                path = ".";
        long fd;
        do
                fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
        while (fd < 0 && errno == EAGAIN);
        return fd < 0 ? -errno : (int)fd;
}

/* Appends component comp (length n) to buf (which holds a "/"-separated path). */
static int path_append(char **buf, const char *comp, size_t n)
{
        size_t len = *buf ? strlen(*buf) : 0;
        char *p = realloc(*buf, len + n + 2);
        if (!p)
                return -ENOMEM;
        p[len] = '/';
        memcpy(p + len + 1, comp, n);
        p[len + n + 1] = 0;
        *buf = p;
        return 0;
}

/* Creates the missing component name under parentfd. Returns 0, or 1 when name already exists
 * as a symlink whose target does not exist yet (the caller follows it), or -errno. */
static int create_component(int parentfd, const char *name, bool as_file)
{
        if (as_file) {
                int fd =
                    openat(parentfd, name,
                           O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
                if (fd >= 0) {
                        close(fd);
                        return 0;
                }
        } else if (mkdirat(parentfd, name, 0755) == 0) {
                return 0;
        }
        if (errno != EEXIST)
                return -errno;
        struct stat st;
        if (fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        /* Something else created it meanwhile: resolving again will find it. */
        return S_ISLNK(st.st_mode) ? 1 : 0;
}

/* One walk over want. Returns an fd, or -errno, or 0 with *ret_next set when a dangling
 * symlink was met: its target (plus the rest of the path) is the path to walk next. */
static int walk_in_root(int rootfd, const char *want, bool as_file, char **ret_next,
                        struct zone_err **err)
{
        _cleanup_close_ int parentfd = openat2_in_root(rootfd, ".");
        if (parentfd < 0)
                return zone_err_sys(err, parentfd, "open rootfs");
        _cleanup_free_ char *prefix = NULL;
        const char *p = want;
        while (*p) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                size_t n = strcspn(p, "/");
                const char *next = p + n;
                bool last = !next[strspn(next, "/")];
                _cleanup_free_ char *parent_prefix = strdup(prefix ? prefix : "");
                if (!parent_prefix || path_append(&prefix, p, n) < 0)
                        return zone_err_sys(err, -ENOMEM, "open %s in rootfs", want);

                int r = openat2_in_root(rootfd, prefix);
                if (r == -ENOENT) {
                        /* "." and ".." of an existing parent always exist, so name is a
                         * real entry name here. */
                        _cleanup_free_ char *name = strndup(p, n);
                        if (!name)
                                return zone_err_sys(err, -ENOMEM, "open %s in rootfs", want);
                        int c = create_component(parentfd, name, last && as_file);
                        if (c < 0)
                                return zone_err_sys(err, c, "create %s in rootfs", prefix);
                        if (c == 1) {
                                char target[4096];
                                ssize_t l = readlinkat(parentfd, name, target, sizeof(target) - 1);
                                if (l < 0)
                                        return zone_err_sys(err, -errno, "read link %s in rootfs",
                                                            prefix);
                                target[l] = 0;
                                if (asprintf(ret_next, "%s/%s/%s",
                                             target[0] == '/' ? "" : parent_prefix, target,
                                             next) < 0) {
                                        *ret_next = NULL;
                                        return zone_err_sys(err, -ENOMEM, "open %s in rootfs",
                                                            want);
                                }
                                return 0;
                        }
                        r = openat2_in_root(rootfd, prefix);
                }
                if (r < 0)
                        return zone_err_sys(err, r, "open %s in rootfs", prefix);
                closep(&parentfd);
                parentfd = r;
                p = next;
        }
        return steal_fd(&parentfd);
}

int light_open_in_root(int rootfd, const char *path, bool mkdirs, bool as_file,
                       struct zone_err **err)
{
        int fd = openat2_in_root(rootfd, path);
        if (fd >= 0)
                return fd;
        if (fd != -ENOENT || !mkdirs)
                return zone_err_sys(err, fd, "open %s in rootfs", path);

        /* Walk the path one component at a time: each prefix is resolved in-root again, and a
         * missing component is created relative to its parent, which was itself resolved
         * in-root. A dangling symlink is followed textually: its target replaces the path and
         * the walk restarts, still resolved in-root, so it cannot lead out either. */
        _cleanup_free_ char *want = strdup(path);
        if (!want)
                return zone_err_sys(err, -ENOMEM, "open %s in rootfs", path);
        for (int links = 0; links <= MAX_LINKS; links++) {
                char *next = NULL;
                fd = walk_in_root(rootfd, want, as_file, &next, err);
                if (fd != 0 || !next)
                        return fd;
                free(want);
                want = next;
        }
        return zone_err_sys(err, -ELOOP, "open %s in rootfs", path);
}
