/* The writing side of a zone's log: size-based rotation (log, log.1 .. log.N-1, oldest last).
 * libc only, no libzone: zone-monitor (libzone-admin.a) and zone-monitor-follow (static, only
 * libc and this file) both write with it, so the files `zone logs` reads are the same
 * whichever of the two wrote them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* renameat */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zones/zones.h"

/* "log" or "log.N" (no stdio: it would be most of the follower's text). */
static void log_name(int i, char buf[static 16])
{
        memcpy(buf, "log", 4);
        if (i == 0)
                return;
        char digits[12];
        int n = 0;
        for (; i > 0 && n < (int)sizeof(digits); i /= 10)
                digits[n++] = (char)('0' + i % 10);
        char *p = buf + 3;
        *p++ = '.';
        while (n)
                *p++ = digits[--n];
        *p = 0;
}

int zones_log_writer_open(struct zones_log_writer *w, int dirfd, uint64_t max_size, int files)
{
        w->dirfd = dirfd;
        w->max_size = max_size ? max_size : ZONES_LOG_SIZE;
        w->files = files > 0 ? files : ZONES_LOG_FILES;
        w->fd = openat(dirfd, "log", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (w->fd < 0)
                return -errno;
        struct stat st;
        w->size = fstat(w->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
        return 0;
}

static int rotate(struct zones_log_writer *w)
{
        char from[16], to[16];
        zones_log_close(w);
        if (w->files == 1) {
                w->fd = openat(w->dirfd, "log", O_WRONLY | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
        } else {
                for (int i = w->files - 1; i > 0; i--) {
                        log_name(i - 1, from);
                        log_name(i, to);
                        if (renameat(w->dirfd, from, w->dirfd, to) < 0 && errno != ENOENT)
                                return -errno;
                }
                w->fd = openat(w->dirfd, "log", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        }
        if (w->fd < 0)
                return -errno;
        w->size = 0;
        return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
        while (len) {
                ssize_t n = write(fd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

int zones_log_write(struct zones_log_writer *w, const char *buf, size_t len)
{
        while (len) {
                if (w->size >= w->max_size) {
                        int r = rotate(w);
                        if (r < 0)
                                return r;
                }
                size_t n = len;
                if (n > w->max_size - w->size)
                        n = (size_t)(w->max_size - w->size);
                int r = write_all(w->fd, buf, n);
                if (r < 0)
                        return r;
                w->size += n;
                buf += n;
                len -= n;
        }
        return 0;
}

void zones_log_close(struct zones_log_writer *w)
{
        if (w->fd >= 0)
                close(w->fd);
        w->fd = -1;
}
