/* The monitor of a booted zone, like conmon but smaller: it makes the zone (its stdout and
 * stderr on a pipe it holds), reaps its init, writes what the zone printed to the rotated log,
 * records every exit, restarts the zone as its policy says, and returns once the zone is gone.
 * It holds monitor.lock for its whole life, so the CLI knows whether a monitor is there
 * without trusting a pid. It needs libzone only (no images, no networking). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "util.h"
#include "zones/zones.h"

struct monitor {
        const struct zones_ctx *c;
        const char *name;
        int dfd;
        struct zones_log_writer log;
        int runs, restarts;
};

static void log_line(struct monitor *m, const char *fmt, const char *msg)
{
        char buf[1024];
        int n = snprintf(buf, sizeof(buf), fmt, msg);
        if (n > 0)
                zones_log_write(&m->log, buf,
                                (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void write_record(struct monitor *m, const char *file, const char *text)
{
        write_file_atomic_at(m->dfd, file, text, strlen(text), 0644);
}

static void record_run(struct monitor *m)
{
        char buf[128];
        snprintf(buf, sizeof(buf), "started = %lld\nruns = %d\nrestarts = %d\n",
                 (long long)time(NULL), m->runs, m->restarts);
        write_record(m, "run", buf);
}

static void record_exit(struct monitor *m, int status, const char *error)
{
        char buf[1024];
        if (error)
                snprintf(buf, sizeof(buf), "finished = %lld\nerror = %s\n", (long long)time(NULL),
                         error);
        else
                snprintf(buf, sizeof(buf), "status = %d\nfinished = %lld\n", status,
                         (long long)time(NULL));
        write_record(m, "exit", buf);
}

static void drain(struct monitor *m, int fd)
{
        char buf[8192];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                zones_log_write(&m->log, buf, (size_t)n);
}

/* One run: the zone made and started with its output on a pipe, then followed until its init
 * exits; the zone deleted after. Returns its exit status, or a negative errno when it could
 * not be started (err set). */
static void report(int *fd, const char *msg);

static int run_once(struct monitor *m, int sfd, bool *stop, int *report_fd, struct zone_err **err)
{
        _cleanup_free_ char *bundle = zones_path(m->c, m->name, "bundle");
        _cleanup_free_ char *pid_file = zones_path(m->c, m->name, "zone.pid");
        if (!bundle || !pid_file)
                return zone_err_set(err, -ENOMEM, "out of memory");
        int pp[2];
        if (pipe2(pp, O_CLOEXEC) < 0)
                return zone_err_sys(err, -errno, "pipe");
        _cleanup_close_ int out = pp[0];
        /* The zone's stdout and stderr are this process's while it is made. */
        if (dup2(pp[1], 1) < 0 || dup2(pp[1], 2) < 0) {
                close(pp[1]);
                return zone_err_sys(err, -errno, "dup2");
        }
        close(pp[1]);
        struct zone_create_opts o = {
            .id = m->name, .bundle = bundle, .pid_file = pid_file, .detach = true};
        int st = 0;
        int r = zone_run(m->c->zctx, &o, &st, err);
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull >= 0) {
                dup2(devnull, 1);
                dup2(devnull, 2);
                close(devnull);
        }
        if (chdir("/") < 0) {
                /* nothing depends on the directory */
        }
        if (r < 0)
                return r;
        _cleanup_free_ char *pid_text = NULL;
        size_t len;
        pid_t pid = 0;
        if (read_file_at(AT_FDCWD, pid_file, 64, &pid_text, &len) == 0)
                pid = (pid_t)atoi(pid_text);
        unlink(pid_file);
        _cleanup_close_ int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
        if (pidfd < 0) {
                r = zone_err_sys(err, -errno, "zone %s: open its process %d", m->name, (int)pid);
                zone_delete(m->c->zctx, m->name, true, NULL);
                return r;
        }
        m->runs++;
        record_run(m);
        report(report_fd, "ok");
        fcntl(out, F_SETFL, fcntl(out, F_GETFL) | O_NONBLOCK);
        bool out_open = true;
        int status = 0;
        for (;;) {
                struct pollfd p[3] = {
                    {.fd = pidfd, .events = POLLIN},
                    {.fd = out_open ? out : -1, .events = POLLIN},
                    {.fd = sfd, .events = POLLIN},
                };
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[1].revents) {
                        char buf[8192];
                        ssize_t n = read(out, buf, sizeof(buf));
                        if (n > 0)
                                zones_log_write(&m->log, buf, (size_t)n);
                        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                                out_open = false;
                }
                if (p[2].revents) {
                        struct signalfd_siginfo si;
                        /* Asked to stop (SIGTERM, SIGINT, SIGHUP): the zone first. */
                        while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                                *stop = true;
                                syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
                        }
                }
                if (p[0].revents) {
                        siginfo_t info;
                        memset(&info, 0, sizeof(info));
                        if (waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED) == 0)
                                status = info.si_code == CLD_EXITED ? info.si_status
                                                                    : 128 + info.si_status;
                        break;
                }
        }
        drain(m, out);
        _cleanup_err_ struct zone_err *derr = NULL;
        if (zone_delete(m->c->zctx, m->name, true, &derr) < 0)
                log_line(m, "zone-monitor: %s\n", derr->msg);
        drain(m, out);
        return status;
}

static bool stop_requested(struct monitor *m)
{
        return faccessat(m->dfd, "stop", F_OK, 0) == 0;
}

static bool restart_wanted(const struct zones_def *d, struct monitor *m, int status)
{
        switch (d->restart) {
        case ZONES_RESTART_ALWAYS:
                return true;
        case ZONES_RESTART_ON_FAILURE:
                return status != 0 && (d->restart_max == 0 || m->restarts < d->restart_max);
        default:
                return false;
        }
}

static void report(int *fd, const char *msg)
{
        if (*fd < 0)
                return;
        write_full(*fd, msg, strlen(msg));
        write_full(*fd, "\n", 1);
        closep(fd);
}

int zones_monitor_main(const struct zones_ctx *c, const char *name, int report_fd)
{
        struct monitor m = {.c = c, .name = name, .dfd = -1, .log = {.fd = -1}};
        struct zones_def d;
        _cleanup_err_ struct zone_err *err = NULL;
        _cleanup_free_ char *dir = zones_path(c, name, NULL);
        _cleanup_close_ int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        _cleanup_close_ int lock = -1;
        if (dfd < 0) {
                report(&report_fd, "zone-monitor: cannot open the zone's directory");
                return 1;
        }
        m.dfd = dfd;
        lock = openat(dfd, "monitor.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0) {
                char msg[256];
                snprintf(msg, sizeof(msg), "zone %s already has a monitor", name);
                report(&report_fd, msg);
                return 1;
        }
        char pid[32];
        snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
        write_record(&m, "monitor.pid", pid);
        if (zones_def_load(c, name, &d, &err) < 0) {
                report(&report_fd, err->msg);
                unlinkat(dfd, "monitor.pid", 0);
                return 1;
        }
        if (zones_log_open(&m.log, dfd, d.log_size, d.log_files, &err) < 0) {
                report(&report_fd, err->msg);
                zones_def_done(&d);
                unlinkat(dfd, "monitor.pid", 0);
                return 1;
        }
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        sigprocmask(SIG_BLOCK, &set, NULL);
        _cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        bool stop = false;
        for (;;) {
                zone_err_free(err);
                err = NULL;
                int status = run_once(&m, sfd, &stop, &report_fd, &err);
                if (status < 0) {
                        const char *msg = err ? err->msg : "failed to start";
                        log_line(&m, "zone-monitor: %s\n", msg);
                        record_exit(&m, 0, msg);
                        report(&report_fd, msg);
                        break;
                }
                record_exit(&m, status, NULL);
                if (stop || stop_requested(&m) || !restart_wanted(&d, &m, status))
                        break;
                /* A zone that keeps failing is not restarted in a tight loop. */
                int shift = m.restarts < 4 ? m.restarts : 4;
                struct timespec ts = {.tv_sec = 0, .tv_nsec = (100000000L << shift) % 1000000000L};
                if (shift == 4)
                        ts = (struct timespec){.tv_sec = 1, .tv_nsec = 600000000L};
                nanosleep(&ts, NULL);
                if (stop_requested(&m))
                        break;
                m.restarts++;
        }
        zones_log_close(&m.log);
        unlinkat(dfd, "monitor.pid", 0);
        bool auto_remove = d.auto_remove;
        zones_def_done(&d);
        if (auto_remove && c->zone_path) {
                /* A --rm zone goes with its last run: `zone rm` owns the images side (the
                 * overlay), which this program does not link. The lock goes with the exec. */
                const char *argv[] = {
                    c->zone_path, "--root",  c->zctx->root, "--data-root", zones_data_root(c),
                    "rm",         "--force", name,          NULL};
                closep(&sfd);
                sigprocmask(SIG_UNBLOCK, &set, NULL);
                execv(c->zone_path, (char **)argv);
                return 1;
        }
        return 0;
}
