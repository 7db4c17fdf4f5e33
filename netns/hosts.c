/* /etc/hosts and /etc/resolv.conf written into a zone's root filesystem. The rootfs belongs to
 * the zone: etc is resolved inside it (RESOLVE_IN_ROOT) and the file is replaced by rename
 * from a temporary made with O_EXCL, so a symlink the zone planted is never followed. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int replace_at(int dirfd, const char *rootfs, const char *name, const char *text,
                      struct zone_err **err)
{
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

int net_hosts_write(const char *rootfs, const struct zone_lease *l, size_t n, struct zone_err **err)
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
        int r = replace_at(etc, rootfs, "hosts", text, err);
        free(text);
        return r;
}

int net_resolv_write(const char *rootfs, const char *source, struct zone_err **err)
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
        return replace_at(etc, rootfs, "resolv.conf", text, err);
}
