/* The monitor of a booted zone, like conmon but smaller: it makes the zone (its stdout and
 * stderr on a pipe it holds), reaps its init, writes what the zone printed to the rotated log,
 * records every exit, restarts the zone as its policy says, and returns once the zone is gone.
 * It holds monitor.lock for its whole life, so the CLI knows whether a monitor is there
 * without trusting a pid. It needs libzone only (no images, no networking).
 *
 * libzone's create and delete paths (config parsing, mounts, cgroups, seccomp, hooks) run in
 * a short-lived child each time: the monitor is a child subreaper, so the zone's init, orphaned
 * when that child exits, becomes the monitor's child to reap, and the pages those paths touch
 * never count against the monitor, which stays resident for the zone's whole life.
 *
 * Nor does this program stay while the zone runs: once it runs, the monitor execs
 * zone-monitor-follow (cli/zone-monitor/follow.c: static, no libzone, no libc) in the same
 * process, with the pipe, the init's pidfd, the zone's directory and monitor.lock as inherited
 * fds; it logs, forwards signals and reaps (zones_follow.c, which this program runs itself
 * when there is no follower), and at the init's exit execs zone-monitor back with
 * --after-exit, which deletes, records and restarts here (zones_monitor_main with after_exit).
 * The pid, the lock, the subreaper role and blocked signals survive both execs. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "util.h"
#include "zones/zones.h"

struct monitor {
        const struct zones_ctx *c;
        const char *name;
        int dfd, lock;
        struct zones_log_writer log;
        int runs, restarts;
        sigset_t mask; /* the signal mask to give the children that call libzone */
        const struct zones_monitor_opts *o;
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

static void record_exit(struct monitor *m, int status, int64_t finished, const char *error)
{
        char buf[1024];
        if (error)
                snprintf(buf, sizeof(buf), "finished = %lld\nerror = %s\n", (long long)time(NULL),
                         error);
        else
                snprintf(buf, sizeof(buf), "status = %d\nfinished = %lld\n", status,
                         (long long)finished);
        write_record(m, "exit", buf);
}

/* One run: the zone made and started with its output on a pipe, then followed until its init
 * exits; the zone deleted after. Returns its exit status, or a negative errno when it could
 * not be started (err set). */
static void report(int *fd, const char *msg);

/* fn(m) in a child with the original signal mask and stdout/stderr on out_fd (or as they
 * are); the error it reports comes back in err. Returns 0, or a negative errno. */
static int in_child(struct monitor *m, int out_fd, int (*fn)(struct monitor *, struct zone_err **),
                    struct zone_err **err)
{
        int ep[2];
        if (pipe2(ep, O_CLOEXEC) < 0)
                return zone_err_sys(err, -errno, "pipe");
        pid_t pid = fork();
        if (pid < 0) {
                close(ep[0]);
                close(ep[1]);
                return zone_err_sys(err, -errno, "fork");
        }
        if (pid == 0) {
                close(ep[0]);
                sigprocmask(SIG_SETMASK, &m->mask, NULL);
                if (out_fd >= 0 && (dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0))
                        _exit(1);
                struct zone_err *e = NULL;
                if (fn(m, &e) < 0) {
                        const char *msg = e ? e->msg : "failed";
                        write_full(ep[1], msg, strlen(msg));
                        _exit(1);
                }
                _exit(0);
        }
        close(ep[1]);
        _cleanup_close_ int rd = ep[0];
        _cleanup_free_ char *msg = NULL;
        size_t len = 0;
        int st = 0;
        read_all(rd, 4096, &msg, &len);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
                return 0;
        return zone_err_set(err, -EIO, "%s", len ? msg : "the monitor's child failed");
}

static int create_zone(struct monitor *m, struct zone_err **err)
{
        _cleanup_free_ char *bundle = zones_path(m->c, m->name, "bundle");
        _cleanup_free_ char *pid_file = zones_path(m->c, m->name, "zone.pid");
        if (!bundle || !pid_file)
                return zone_err_set(err, -ENOMEM, "out of memory");
        struct zone_create_opts o = {
            .id = m->name, .bundle = bundle, .pid_file = pid_file, .detach = true};
        int st = 0;
        return zone_run(m->c->zctx, &o, &st, err);
}

static int delete_zone(struct monitor *m, struct zone_err **err)
{
        return zone_delete(m->c->zctx, m->name, true, err);
}

/* After the init's exit: the zone deleted, the rest of its output logged. */
static int end_run(struct monitor *m, int out, int status)
{
        _cleanup_err_ struct zone_err *derr = NULL;
        if (in_child(m, -1, delete_zone, &derr) < 0)
                log_line(m, "zone-monitor: %s\n", derr->msg);
        zones_follow_reap_others(0);
        zones_follow_drain(&m->log, out);
        return status;
}

static int set_cloexec(int fd, bool on)
{
        int fl = fcntl(fd, F_GETFD);
        if (fl < 0)
                return -errno;
        return fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC) < 0 ? -errno : 0;
}

/* The zone runs: this process becomes zone-monitor-follow until the init exits. The fds it
 * gets (by number) lose FD_CLOEXEC, and only they; the log's fd and the signalfd close (the
 * follower opens its own; the blocked signals, pending ones too, stay blocked across exec).
 * Returns only when the follower could not be exec'ed, every fd as it was. */
static void exec_follower(struct monitor *m, int out, int pidfd, pid_t pid)
{
        const struct zones_monitor_opts *o = m->o;
        const struct zones_ctx *c = m->c;
        if (!o->follow || !o->self)
                return;
        char s_pid[16], s_pidfd[16], s_out[16], s_dir[16], s_lock[16], s_size[24], s_files[16],
            s_runs[16], s_restarts[16];
        snprintf(s_pid, sizeof(s_pid), "%d", (int)pid);
        snprintf(s_pidfd, sizeof(s_pidfd), "%d", pidfd);
        snprintf(s_out, sizeof(s_out), "%d", out);
        snprintf(s_dir, sizeof(s_dir), "%d", m->dfd);
        snprintf(s_lock, sizeof(s_lock), "%d", m->lock);
        snprintf(s_size, sizeof(s_size), "%llu", (unsigned long long)m->log.max_size);
        snprintf(s_files, sizeof(s_files), "%d", m->log.files);
        snprintf(s_runs, sizeof(s_runs), "%d", m->runs);
        snprintf(s_restarts, sizeof(s_restarts), "%d", m->restarts);
        /* Everything after "--" is the command line that brings this program back. */
        const char *argv[] = {o->follow,
                              "--pid",
                              s_pid,
                              "--pidfd",
                              s_pidfd,
                              "--out-fd",
                              s_out,
                              "--dir-fd",
                              s_dir,
                              "--log-size",
                              s_size,
                              "--log-files",
                              s_files,
                              "--",
                              o->self,
                              "--root",
                              c->zctx->root,
                              "--data-root",
                              zones_data_root(c),
                              "--zone",
                              c->zone_path ? c->zone_path : "",
                              "--lock-fd",
                              s_lock,
                              "--out-fd",
                              s_out,
                              "--runs",
                              s_runs,
                              "--restarts",
                              s_restarts,
                              m->name,
                              NULL};
        const int fds[] = {out, pidfd, m->dfd, m->lock};
        size_t n = 0;
        while (n < sizeof(fds) / sizeof(fds[0]) && set_cloexec(fds[n], false) == 0)
                n++;
        if (n == sizeof(fds) / sizeof(fds[0]))
                execv(o->follow, (char **)argv);
        log_line(m, "zone-monitor: exec %s failed: following the zone itself\n", o->follow);
        while (n)
                set_cloexec(fds[--n], true);
}

static int run_once(struct monitor *m, int sfd, bool *stop, int *report_fd, struct zone_err **err)
{
        _cleanup_free_ char *pid_file = zones_path(m->c, m->name, "zone.pid");
        if (!pid_file)
                return zone_err_set(err, -ENOMEM, "out of memory");
        int pp[2];
        if (pipe2(pp, O_CLOEXEC) < 0)
                return zone_err_sys(err, -errno, "pipe");
        _cleanup_close_ int out = pp[0];
        /* The zone's stdout and stderr are the pipe: the child's while it makes the zone. */
        int r = in_child(m, pp[1], create_zone, err);
        close(pp[1]);
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
                in_child(m, -1, delete_zone, NULL);
                return r;
        }
        m->runs++;
        record_run(m);
        report(report_fd, "ok");
        fcntl(out, F_SETFL, fcntl(out, F_GETFL) | O_NONBLOCK);
        exec_follower(m, out, pidfd, pid); /* returns only when it could not */
        int status = zones_follow(&m->log, out, pidfd, pid, sfd, stop);
        zones_follow_drain(&m->log, out);
        return end_run(m, out, status);
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

int zones_monitor_main(const struct zones_ctx *c, const char *name,
                       const struct zones_monitor_opts *o)
{
        struct monitor m = {.c = c, .name = name, .dfd = -1, .lock = -1, .log = {.fd = -1}, .o = o};
        struct zones_def d;
        _cleanup_err_ struct zone_err *err = NULL;
        _cleanup_free_ char *dir = zones_path(c, name, NULL);
        _cleanup_close_ int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        _cleanup_close_ int lock = -1;
        int report_fd = o->report_fd;
        /* Back from the follower: the lock it kept (an fd that survived both execs) and the
         * zone's output pipe are ours again, close-on-exec like everything else here. */
        _cleanup_close_ int resumed_out = o->after_exit ? o->out_fd : -1;
        if (o->after_exit) {
                lock = o->lock_fd;
                if (lock >= 0)
                        set_cloexec(lock, true);
                if (resumed_out >= 0)
                        set_cloexec(resumed_out, true);
                m.runs = o->runs;
                m.restarts = o->restarts;
        }
        if (dfd < 0) {
                report(&report_fd, "zone-monitor: cannot open the zone's directory");
                return 1;
        }
        m.dfd = dfd;
        if (!o->after_exit)
                lock = openat(dfd, "monitor.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        /* After exit the lock is already ours: flock on the same open file only confirms it. */
        if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0) {
                char msg[256];
                snprintf(msg, sizeof(msg), "zone %s already has a monitor", name);
                report(&report_fd, msg);
                return 1;
        }
        m.lock = lock;
        char pid[32];
        snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
        if (!o->after_exit)
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
        _cleanup_close_ int sfd = zones_follow_signals(&m.mask);
        /* Back from the follower they are blocked already: the children get them unblocked. */
        sigdelset(&m.mask, SIGTERM);
        sigdelset(&m.mask, SIGINT);
        sigdelset(&m.mask, SIGHUP);
        sigdelset(&m.mask, SIGCHLD);
        /* The zone's init, orphaned by the child that made it, comes to us. */
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        bool stop = o->after_exit && o->stop;
        for (bool resume = o->after_exit;; resume = false) {
                zone_err_free(err);
                err = NULL;
                int64_t finished = o->finished;
                int status = resume ? end_run(&m, resumed_out, o->status)
                                    : run_once(&m, sfd, &stop, &report_fd, &err);
                if (resume)
                        closep(&resumed_out);
                else
                        finished = (int64_t)time(NULL);
                if (status < 0) {
                        const char *msg = err ? err->msg : "failed to start";
                        log_line(&m, "zone-monitor: %s\n", msg);
                        record_exit(&m, 0, 0, msg);
                        report(&report_fd, msg);
                        break;
                }
                record_exit(&m, status, finished, NULL);
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
        /* A VM zone's named network namespace goes with its last run (its veth with it);
         * `zone net gc` then takes back the lease and NAT rules, which needs the network
         * library this program does not link. halt and rm do the same with the zone locked. */
        _cleanup_free_ char *net_root = zones_record_get(c, name, "net", "root");
        _cleanup_free_ char *netns = zones_record_get(c, name, "net", "netns");
        if (netns) {
                umount2(netns, MNT_DETACH | UMOUNT_NOFOLLOW);
                unlink(netns);
        }
        if (netns && net_root && !auto_remove && c->zone_path) {
                const char *argv[] = {c->zone_path,       "--root", c->zctx->root, "--data-root",
                                      zones_data_root(c), "net",    "gc",          "--net-root",
                                      net_root,           NULL};
                closep(&sfd);
                sigprocmask(SIG_SETMASK, &m.mask, NULL);
                execv(c->zone_path, (char **)argv);
                return 1;
        }
        if (auto_remove && c->zone_path) {
                /* A --rm zone goes with its last run: `zone rm` owns the images side (the
                 * overlay), which this program does not link. The lock goes with the exec. */
                const char *argv[] = {
                    c->zone_path, "--root",  c->zctx->root, "--data-root", zones_data_root(c),
                    "rm",         "--force", name,          NULL};
                closep(&sfd);
                sigprocmask(SIG_SETMASK, &m.mask, NULL);
                execv(c->zone_path, (char **)argv);
                return 1;
        }
        return 0;
}
