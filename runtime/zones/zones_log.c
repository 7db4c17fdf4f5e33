/* A zone's log: written by its monitor with size-based rotation (log, log.1 .. log.N-1, oldest
 * last; the writer is zones_log_writer.c), read by `zone logs`, which can follow it across
 * rotations until the zone is gone. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "util.h"
#include "zones/zones.h"

static int log_name(int i, char *buf, size_t size)
{
        return i ? snprintf(buf, size, "log.%d", i) : snprintf(buf, size, "log");
}

int zones_log_open(struct zones_log_writer *w, int dirfd, uint64_t max_size, int files,
                   struct zone_err **err)
{
        int r = zones_log_writer_open(w, dirfd, max_size, files);
        return r < 0 ? zone_err_sys(err, r, "open the zone's log") : 0;
}

static int copy_rest(int from, int out_fd)
{
        char buf[8192];
        for (;;) {
                ssize_t n = read(from, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : 0;
                int r = write_full(out_fd, buf, (size_t)n);
                if (r < 0)
                        return r;
        }
}

static bool zone_gone(const struct zones_ctx *c, const char *name)
{
        if (zones_monitor_alive(c, name))
                return false;
        const char *st = zones_libzone_status(c, name, NULL);
        return !st || strcmp(st, "stopped") == 0;
}

int zones_logs(const struct zones_ctx *c, const char *name, int out_fd, bool follow,
               struct zone_err **err)
{
        struct zones_def d;
        int r = zones_def_load(c, name, &d, err);
        if (r < 0)
                return r;
        int files = d.log_files;
        zones_def_done(&d);
        _cleanup_free_ char *dir = zones_path(c, name, NULL);
        if (!dir)
                return zone_err_set(err, -ENOMEM, "out of memory");
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return zone_err_sys(err, -errno, "zone %s: open %s", name, dir);
        char fname[32];
        /* Older rotated files first, each whole. */
        for (int i = files - 1; i > 0; i--) {
                log_name(i, fname, sizeof(fname));
                _cleanup_close_ int fd = openat(dfd, fname, O_RDONLY | O_CLOEXEC);
                if (fd >= 0 && (r = copy_rest(fd, out_fd)) < 0)
                        return zone_err_sys(err, r, "zone %s: copy %s", name, fname);
        }
        _cleanup_close_ int fd = openat(dfd, "log", O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno != ENOENT)
                return zone_err_sys(err, -errno, "zone %s: open its log", name);
        if (fd >= 0 && (r = copy_rest(fd, out_fd)) < 0)
                return zone_err_sys(err, r, "zone %s: copy its log", name);
        if (!follow)
                return 0;
        /* inotify says when to look again; a timeout catches the zone going away. */
        _cleanup_close_ int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (in < 0 || inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
                return zone_err_sys(err, -errno, "zone %s: watch %s", name, dir);
        for (;;) {
                bool gone = zone_gone(c, name);
                /* Rotated away (or created): finish the old file, then read the new one. */
                struct stat now, cur;
                if (fstatat(dfd, "log", &now, 0) == 0 &&
                    (fd < 0 || (fstat(fd, &cur) == 0 && cur.st_ino != now.st_ino))) {
                        if (fd >= 0 && (r = copy_rest(fd, out_fd)) < 0)
                                return zone_err_sys(err, r, "zone %s: copy its log", name);
                        closep(&fd);
                        fd = openat(dfd, "log", O_RDONLY | O_CLOEXEC);
                }
                if (fd >= 0 && (r = copy_rest(fd, out_fd)) < 0)
                        return zone_err_sys(err, r, "zone %s: copy its log", name);
                if (gone)
                        return 0;
                struct pollfd p = {.fd = in, .events = POLLIN};
                if (poll(&p, 1, 500) > 0) {
                        char buf[4096];
                        while (read(in, buf, sizeof(buf)) > 0)
                                ;
                }
        }
}
