/* vmbench: run a command once and report, from the host, what bench/vm.sh compares.
 *
 * usage: vmbench [-a FILE] [-c CGROUP_DIR] [-q CMDLINE_OUT] [-s] COMMAND [ARGS...]
 *   -a FILE  time the first read of FILE (inotify IN_ACCESS): in a zone's root, the first
 *            read of the workload's binary is its execve, whoever reads it (the host kernel
 *            for a light zone, QEMU's 9p server for a VM zone), so no probe in the guest
 *   -c DIR   every 10 ms, look in DIR/cgroup.procs for a QEMU process and keep its peak
 *            RSS (VmHWM): the supervisor reaps QEMU, so its rusage never reaches us
 *   -q FILE  write that QEMU's command line there (NUL-separated, as in /proc)
 *   -s       give the command a socketpair end as fd 3, read and dropped here, and one as
 *            fd 4, left unread: a QEMU started with the zone's own `-chardev socket,fd=3`
 *            (the agent's) and `fd=4` (its monitor's) lines then runs unchanged
 * Prints on stderr's last line:
 *   ms=<wall> rss_kib=<the command's own peak RSS> qemu_hwm_kib=<sampled, 0 if none>
 *   access_ms=<first read of -a FILE since the start, -1 if none> status=<exit status>
 * The command's stdin and stdout are /dev/null so terminal speed stays out. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double since(const struct timespec *t0)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Reads a small file whole into buf (NUL-terminated); the length, or -1. */
static ssize_t slurp(const char *path, char *buf, size_t size)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        size_t n = 0;
        while (n + 1 < size) {
                ssize_t r = read(fd, buf + n, size - 1 - n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                n += (size_t)r;
        }
        close(fd);
        buf[n] = '\0';
        return (ssize_t)n;
}

struct qemu_watch {
        const char *cgroup;
        const char *cmdline_out;
        pid_t pid;    /* the QEMU found, 0 until then */
        long hwm_kib; /* its VmHWM at the last sample */
};

static void save_cmdline(const struct qemu_watch *w)
{
        char path[64], buf[16384];
        snprintf(path, sizeof(path), "/proc/%d/cmdline", w->pid);
        ssize_t n = slurp(path, buf, sizeof(buf));
        if (n <= 0)
                return;
        FILE *f = fopen(w->cmdline_out, "we");
        if (!f) {
                fprintf(stderr, "vmbench: %s: %s\n", w->cmdline_out, strerror(errno));
                return;
        }
        fwrite(buf, 1, (size_t)n, f);
        fclose(f);
}

static void sample(struct qemu_watch *w)
{
        char path[4200], buf[8192];
        if (w->pid == 0) {
                snprintf(path, sizeof(path), "%s/cgroup.procs", w->cgroup);
                if (slurp(path, buf, sizeof(buf)) < 0)
                        return; /* not made yet, or gone */
                for (char *s = buf, *e; *s; s = e) {
                        long pid = strtol(s, &e, 10);
                        if (e == s)
                                break;
                        char comm[64];
                        snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
                        if (slurp(path, comm, sizeof(comm)) > 0 &&
                            strncmp(comm, "qemu-system", 11) == 0) {
                                w->pid = (pid_t)pid;
                                if (w->cmdline_out)
                                        save_cmdline(w);
                                break;
                        }
                }
                if (w->pid == 0)
                        return;
        }
        snprintf(path, sizeof(path), "/proc/%d/status", w->pid);
        if (slurp(path, buf, sizeof(buf)) < 0)
                return;
        const char *h = strstr(buf, "\nVmHWM:");
        if (h) {
                long kib = strtol(h + 7, NULL, 10);
                if (kib > w->hwm_kib)
                        w->hwm_kib = kib;
        }
}

int main(int argc, char **argv)
{
        const char *access_file = NULL;
        struct qemu_watch w = {0};
        bool pair = false;
        int opt;
        while ((opt = getopt(argc, argv, "+a:c:q:s")) != -1) {
                switch (opt) {
                case 'a':
                        access_file = optarg;
                        break;
                case 'c':
                        w.cgroup = optarg;
                        break;
                case 'q':
                        w.cmdline_out = optarg;
                        break;
                case 's':
                        pair = true;
                        break;
                default:
                        optind = argc + 1;
                }
        }
        if (optind >= argc) {
                fprintf(stderr, "usage: vmbench [-a FILE] [-c CGROUP_DIR] [-q CMDLINE_OUT] [-s] "
                                "COMMAND [ARGS...]\n");
                return 2;
        }
        int ino = -1;
        if (access_file) {
                ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
                if (ino < 0 || inotify_add_watch(ino, access_file, IN_ACCESS) < 0) {
                        fprintf(stderr, "vmbench: watch %s: %s\n", access_file, strerror(errno));
                        return 1;
                }
        }
        int sp[2] = {-1, -1}, mon[2] = {-1, -1};
        if (pair && (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0 ||
                     socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mon) < 0)) {
                perror("vmbench: socketpair");
                return 1;
        }
        struct timespec t0;
        if (clock_gettime(CLOCK_MONOTONIC, &t0) < 0) {
                perror("vmbench: clock_gettime");
                return 1;
        }
        pid_t pid = fork();
        if (pid < 0) {
                perror("vmbench: fork");
                return 1;
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR);
                if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0) {
                        perror("vmbench: /dev/null");
                        _exit(127);
                }
                if (pair && (dup2(sp[1], 3) < 0 || dup2(mon[1], 4) < 0)) {
                        perror("vmbench: fd 3 and 4");
                        _exit(127);
                }
                execvp(argv[optind], argv + optind);
                fprintf(stderr, "vmbench: exec %s: %s\n", argv[optind], strerror(errno));
                _exit(127);
        }
        if (pair) {
                close(sp[1]);
                close(mon[1]);
        }
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0) {
                perror("vmbench: pidfd_open");
                return 1;
        }
        double access_ms = -1;
        for (;;) {
                struct pollfd p[3] = {{.fd = pidfd, .events = POLLIN},
                                      {.fd = ino, .events = POLLIN},
                                      {.fd = sp[0], .events = POLLIN}};
                int n = poll(p, 3, w.cgroup ? 10 : -1);
                if (n < 0 && errno != EINTR) {
                        perror("vmbench: poll");
                        return 1;
                }
                if (n > 0 && p[1].revents) {
                        char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
                        if (read(ino, ev, sizeof(ev)) > 0 && access_ms < 0)
                                access_ms = since(&t0);
                }
                if (n > 0 && p[2].revents) {
                        char drop[4096];
                        if (read(sp[0], drop, sizeof(drop)) <= 0) {
                                close(sp[0]);
                                sp[0] = -1;
                        }
                }
                if (n > 0 && p[0].revents)
                        break;
                if (w.cgroup)
                        sample(&w);
        }
        if (ino >= 0 && access_ms < 0) { /* a read just before the end, not yet seen */
                char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
                if (read(ino, ev, sizeof(ev)) > 0)
                        access_ms = since(&t0);
        }
        int status;
        struct rusage ru;
        while (wait4(pid, &status, 0, &ru) < 0) {
                if (errno != EINTR) {
                        perror("vmbench: wait4");
                        return 1;
                }
        }
        double ms = since(&t0);
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        fprintf(stderr, "ms=%.3f rss_kib=%ld qemu_hwm_kib=%ld access_ms=%.3f status=%d\n", ms,
                ru.ru_maxrss, w.hwm_kib, access_ms, code);
        return 0;
}
