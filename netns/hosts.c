/* /etc/hosts and /etc/resolv.conf written into a zone's root filesystem. The rootfs belongs to
 * the zone: etc is resolved inside it (RESOLVE_IN_ROOT) and the file is replaced by rename
 * from a temporary made with O_EXCL, so a symlink the zone planted is never followed; the files
 * of a zone that has not started yet are overwritten in place when they are its own. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "netns/internal.h"
#include "util.h"

static int open_etc(const char *rootfs, struct zone_err **err)
{
        _cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return zone_err_sys(err, -errno, "open the root filesystem %s", rootfs);
        struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                               .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
        int fd = (int)syscall(SYS_openat2, root, "etc", &how, sizeof(how));
        if (fd < 0)
                return zone_err_sys(err, -errno, "open etc in %s", rootfs);
        return fd;
}

/* Overwrites a zone's file in place when it is a regular file of its own (one link): making a
 * temporary and freeing the old file's blocks costs ~1 ms a file on a file system that
 * discards freed blocks. Only for a zone that has not started (nobody reads the file yet);
 * 1: done, 0: not such a file (replace it instead). */
static int overwrite_at(int dirfd, const char *name, const char *text)
{
        struct stat st, st2;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
            st.st_nlink != 1)
                return 0;
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st2) < 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev ||
            st2.st_nlink != 1)
                return 0;
        size_t len = strlen(text);
        for (size_t off = 0; off < len;) {
                ssize_t n = pwrite(fd, text + off, len - off, (off_t)off);
                if (n < 0 && errno != EINTR)
                        return -errno;
                if (n > 0)
                        off += (size_t)n;
        }
        if (ftruncate(fd, (off_t)len) < 0 || close(steal_fd(&fd)) < 0)
                return -errno;
        return 1;
}

static int replace_at(int dirfd, const char *rootfs, const char *name, const char *text, bool fresh,
                      struct zone_err **err)
{
        if (fresh) {
                int o = overwrite_at(dirfd, name, text);
                if (o < 0)
                        return zone_err_sys(err, o, "write etc/%s in %s", name, rootfs);
                if (o > 0)
                        return 0;
        }
        char tmp[64];
        snprintf(tmp, sizeof(tmp), ".%s.zone-%d", name, (int)getpid());
        unlinkat(dirfd, tmp, 0);
        _cleanup_close_ int fd =
            openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return zone_err_sys(err, -errno, "write etc/%s in %s", name, rootfs);
        int r = write_full(fd, text, strlen(text));
        if (r == 0 && close(steal_fd(&fd)) < 0)
                r = -errno;
        if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                unlinkat(dirfd, tmp, 0);
                return zone_err_sys(err, r, "write etc/%s in %s", name, rootfs);
        }
        return 0;
}

int net_hosts_write(const char *rootfs, const struct zone_lease *l, size_t n, bool fresh,
                    struct zone_err **err)
{
        _cleanup_close_ int etc = open_etc(rootfs, err);
        if (etc < 0)
                return etc;
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f)
                return zone_err_sys(err, -errno, "write etc/hosts in %s", rootfs);
        fprintf(f, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        for (size_t i = 0; i < n; i++) {
                char a[INET_ADDRSTRLEN];
                zone_ipv4_str(l[i].addr, a);
                if (l[i].name && strcmp(l[i].name, l[i].id) != 0)
                        fprintf(f, "%s\t%s %s\n", a, l[i].name, l[i].id);
                else
                        fprintf(f, "%s\t%s\n", a, l[i].id);
        }
        if (fclose(f) != 0) {
                free(text);
                return zone_err_sys(err, -ENOMEM, "write etc/hosts in %s", rootfs);
        }
        int r = replace_at(etc, rootfs, "hosts", text, fresh, err);
        free(text);
        return r;
}

int net_resolv_write(const char *rootfs, const char *source, bool fresh, struct zone_err **err)
{
        const char *src = source ? source : "/etc/resolv.conf";
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_file_at(AT_FDCWD, src, 1 << 16, &text, &len);
        if (r == -ENOENT && !source)
                return 0; /* a host without one: the zone keeps its own */
        if (r < 0)
                return zone_err_sys(err, r, "read %s", src);
        _cleanup_close_ int etc = open_etc(rootfs, err);
        if (etc < 0)
                return etc;
        return replace_at(etc, rootfs, "resolv.conf", text, fresh, err);
}
