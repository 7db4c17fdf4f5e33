/* zone-monitor-follow: a zone's monitor while the zone runs. zone-monitor (main.c) makes the
 * zone through libzone, then execs this in the same process, so it stays the zone's monitor
 * (same pid, monitor.lock still held through the inherited fd, still the child subreaper that
 * the init is a child of) with a fraction of the memory: static, the log writer and the
 * follow loop (runtime/zones/zones_log_writer.c, zones_follow.c) only, no libzone and no libc
 * either: the few libc functions it calls are system calls in nolibc.c (-nostdlib; ~10 kB of
 * text).
 *
 * It copies the zone's output pipe to the log (rotated as zone-monitor does), reaps orphans
 * that come to it, forwards SIGTERM/SIGINT/SIGHUP to the zone's init as SIGTERM (then no
 * restart), and when the init exits, reaps it and execs zone-monitor back with what it saw,
 * which deletes the zone, records the exit and applies the restart policy:
 *
 *   zone-monitor-follow --pid PID --pidfd N --out-fd N --dir-fd N --log-size BYTES
 *                       --log-files N -- ZONE-MONITOR ARGS...
 *
 * execs ZONE-MONITOR ARGS... --after-exit STATUS --finished EPOCH [--stop]. The fds: the
 * init's pidfd and the zone's directory are closed on that exec; the pipe and the lock (named
 * in ARGS) are passed on. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* renameat */
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zones/zones.h"

/* A decimal number, >= 0, or -1. */
static long long number(const char *s)
{
        long long v = 0;
        if (!s || !*s)
                return -1;
        for (; *s; s++) {
                if (*s < '0' || *s > '9' || v > (1LL << 52))
                        return -1;
                v = v * 10 + (*s - '0');
        }
        return v;
}

static char *format(char buf[static 24], long long v)
{
        char *p = buf + 23;
        bool neg = v < 0;
        unsigned long long u = neg ? -(unsigned long long)v : (unsigned long long)v;
        *p = 0;
        do
                *--p = (char)('0' + u % 10);
        while (u /= 10);
        if (neg)
                *--p = '-';
        return p;
}

static void say(struct zones_log_writer *log, const char *a, const char *b)
{
        zones_log_write(log, a, strlen(a));
        zones_log_write(log, b, strlen(b));
        zones_log_write(log, "\n", 1);
}

/* When zone-monitor cannot come back: the exit recorded as it would have (the zone's remains
 * are left to halt and rm, as with a monitor that died). */
static void record_exit(int dirfd, int status, long long finished)
{
        char a[24], b[24], text[96] = "status = ";
        strcat(text, format(a, status));
        strcat(text, "\nfinished = ");
        strcat(text, format(b, finished));
        strcat(text, "\n");
        int fd = openat(dirfd, "exit.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return;
        bool ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
        if (close(fd) == 0 && ok)
                renameat(dirfd, "exit.tmp", dirfd, "exit");
}

int main(int argc, char **argv)
{
        long long pid = -1, pidfd = -1, out = -1, dirfd = -1, size = -1, files = -1;
        int i = 1;
        for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
                const char *a = argv[i];
                long long v = number(argv[i + 1]);
                if (strcmp(a, "--pid") == 0)
                        pid = v;
                else if (strcmp(a, "--pidfd") == 0)
                        pidfd = v;
                else if (strcmp(a, "--out-fd") == 0)
                        out = v;
                else if (strcmp(a, "--dir-fd") == 0)
                        dirfd = v;
                else if (strcmp(a, "--log-size") == 0)
                        size = v;
                else if (strcmp(a, "--log-files") == 0)
                        files = v;
                else
                        break;
        }
        if (i + 1 >= argc || strcmp(argv[i], "--") != 0 || pid <= 0 || pidfd < 0 || out < 0 ||
            dirfd < 0 || size < 0 || files < 0) {
                static const char usage[] =
                    "usage: zone-monitor-follow --pid PID --pidfd N --out-fd N --dir-fd N "
                    "--log-size BYTES --log-files N -- ZONE-MONITOR ARGS...\n";
                if (write(2, usage, sizeof(usage) - 1) < 0)
                        return 2;
                return 2;
        }
        char **back = argv + i + 1;
        /* Ours alone: not for zone-monitor when it comes back. */
        fcntl((int)pidfd, F_SETFD, FD_CLOEXEC);
        fcntl((int)dirfd, F_SETFD, FD_CLOEXEC);
        fcntl((int)out, F_SETFL, fcntl((int)out, F_GETFL) | O_NONBLOCK);

        struct zones_log_writer log = {.fd = -1};
        zones_log_writer_open(&log, (int)dirfd, (uint64_t)size, (int)files);
        /* Blocked by zone-monitor already (and pending ones are still pending): a signal that
         * came during the exec is read here. */
        int sfd = zones_follow_signals(NULL);
        /* Still the child subreaper zone-monitor made us: execve keeps that attribute. */
        zones_follow_reap_others((pid_t)pid);
        bool stop = false;
        int status = zones_follow(&log, (int)out, (int)pidfd, (pid_t)pid, sfd, &stop);
        long long finished = (long long)time(NULL);
        zones_follow_drain(&log, (int)out);

        /* zone-monitor again, with what it needs to finish this run. */
        char s_status[24], s_finished[24];
        char *args[argc + 8];
        int n = 0;
        for (char **a = back; *a; a++)
                args[n++] = *a;
        args[n++] = "--after-exit";
        args[n++] = format(s_status, status);
        args[n++] = "--finished";
        args[n++] = format(s_finished, finished);
        if (stop)
                args[n++] = "--stop";
        args[n] = NULL;
        execv(args[0], args); /* the log's fd and the signalfd are close-on-exec */
        char s_errno[24];
        say(&log, "zone-monitor-follow: cannot exec zone-monitor back: errno ",
            format(s_errno, errno));
        record_exit((int)dirfd, status, finished);
        zones_log_close(&log);
        return 1;
}
