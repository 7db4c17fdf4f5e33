/* The everyday controls of a booted zone (`zone kill/pause/resume/ps/reboot/wait`): each
 * checks the zone's state first, so a zone in the wrong state gets one line and is left as it
 * was; the work itself is libzone's (zone_kill, zone_pause: the cgroup freezer for a light
 * zone, QMP stop/cont for a VM zone; zone_pids: the zone's cgroup). */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "images/inroot.h"
#include "util.h"
#include "zones/zones.h"

/* What the zone is now, as far as these commands care. */
enum ctl_state { CTL_STOPPED, CTL_RUNNING, CTL_PAUSED };

static int ctl_state(const struct zones_ctx *c, const char *name, enum ctl_state *ret,
                     struct zone_err **err)
{
        /* Only zones with a definition are the zone CLI's (not what zone-oci made). */
        struct zones_def d;
        int r = zones_def_load(c, name, &d, err);
        if (r < 0)
                return r;
        zones_def_done(&d);
        const char *st = zones_libzone_status(c, name, NULL);
        if (st && (!strcmp(st, "running") || !strcmp(st, "created")))
                *ret = CTL_RUNNING;
        else if (st && !strcmp(st, "paused"))
                *ret = CTL_PAUSED;
        else
                *ret = CTL_STOPPED;
        return 0;
}

int zones_kill(const struct zones_ctx *c, const char *name, int sig, struct zone_err **err)
{
        enum ctl_state s;
        int r = ctl_state(c, name, &s, err);
        if (r < 0)
                return r;
        /* A frozen zone would take the signal only once thawed (as podman refuses too). */
        if (s == CTL_PAUSED)
                return zone_err_set(err, -EBUSY, "zone %s is paused: resume it first", name);
        if (s != CTL_RUNNING)
                return zone_err_set(err, -ESRCH, "zone %s is not running", name);
        /* The init only, as podman kill: the zone's exit is then its monitor's like any
         * other (recorded, and the restart policy applies). */
        r = zone_kill(c->zctx, name, sig, false, err);
        return r < 0 ? zone_err_wrap(err, "kill zone %s", name) : 0;
}

int zones_pause(const struct zones_ctx *c, const char *name, bool paused, struct zone_err **err)
{
        _cleanup_close_ int lock = -1;
        enum ctl_state s;
        int r = zones_lock(c, name, &lock, err);
        if (r < 0 || (r = ctl_state(c, name, &s, err)) < 0)
                return r;
        if (s == CTL_STOPPED)
                return zone_err_set(err, -ESRCH, "zone %s is not running", name);
        if (paused && s == CTL_PAUSED)
                return zone_err_set(err, -EBUSY, "zone %s is already paused", name);
        if (!paused && s == CTL_RUNNING)
                return zone_err_set(err, -EBUSY, "zone %s is not paused", name);
        r = zone_pause(c->zctx, name, paused, err);
        return r < 0 ? zone_err_wrap(err, "%s zone %s", paused ? "pause" : "resume", name) : 0;
}

void zones_procs_free(struct zones_proc *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(p[i].user);
                free(p[i].command);
        }
        free(p);
}

/* The uid as the process's own user namespace sees it (uid_map: inside outside count). */
static uid_t inner_uid(int pfd, uid_t host)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (read_file_at(pfd, "uid_map", 65536, &text, &len) < 0)
                return host;
        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                unsigned long in, out, count;
                if (sscanf(line, "%lu %lu %lu", &in, &out, &count) == 3 && host >= out &&
                    host - out < count)
                        return (uid_t)(in + (host - out));
        }
        return host;
}

/* The user's name in the process's own root (its /etc/passwd, read inside that root: a link
 * the zone planted never leads to the host's files), else its number. */
static char *user_name(int pfd, uid_t uid)
{
        char *ret = NULL;
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int root = openat(pfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
        FILE *f = root >= 0 && zone_read_in_root(root, "/etc/passwd", &text) == 0
                      ? fmemopen(text, strlen(text), "r")
                      : NULL;
        struct passwd *pw;
        while (f && !ret && (pw = fgetpwent(f)))
                if (pw->pw_uid == uid)
                        ret = strdup(pw->pw_name);
        if (f)
                fclose(f);
        if (!ret && asprintf(&ret, "%u", (unsigned)uid) < 0)
                ret = NULL;
        return ret;
}

/* One process from /proc/PID; -ESRCH when it is gone meanwhile. */
static int read_proc(pid_t pid, struct zones_proc *p)
{
        char dir[32];
        snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
        _cleanup_close_ int pfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd < 0)
                return -ESRCH;
        _cleanup_free_ char *stat = NULL, *status = NULL, *cmdline = NULL;
        size_t slen, stlen, clen = 0;
        if (read_file_at(pfd, "stat", 4096, &stat, &slen) < 0 ||
            read_file_at(pfd, "status", 65536, &status, &stlen) < 0)
                return -ESRCH;
        read_file_at(pfd, "cmdline", 65536, &cmdline, &clen);
        /* stat: pid (comm) state ppid ...; comm may hold spaces and parentheses. */
        char *open_paren = strchr(stat, '('), *close_paren = strrchr(stat, ')');
        int ppid = 0;
        if (!open_paren || !close_paren || sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
                return -ESRCH;
        const char *u = strstr(status, "\nUid:");
        unsigned long uid = u ? strtoul(u + 5, NULL, 10) : 0;
        memset(p, 0, sizeof(*p));
        p->pid = pid;
        p->ppid = ppid;
        p->uid = inner_uid(pfd, (uid_t)uid);
        p->user = user_name(pfd, p->uid);
        if (clen > 0) {
                /* The arguments, NUL-separated, as one line. */
                for (size_t i = 0; i + 1 < clen; i++)
                        if (!cmdline[i])
                                cmdline[i] = ' ';
                p->command = strndup(cmdline, clen);
        } else {
                /* A kernel thread or a zombie: [comm], as ps shows it. */
                *close_paren = 0;
                if (asprintf(&p->command, "[%s]", open_paren + 1) < 0)
                        p->command = NULL;
        }
        if (!p->user || !p->command) {
                free(p->user);
                free(p->command);
                return -ENOMEM;
        }
        return 0;
}

int zones_ps(const struct zones_ctx *c, const char *name, struct zones_proc **ret, size_t *ret_n,
             struct zone_err **err)
{
        *ret = NULL;
        *ret_n = 0;
        enum ctl_state s;
        int r = ctl_state(c, name, &s, err);
        if (r < 0)
                return r;
        if (s == CTL_STOPPED)
                return zone_err_set(err, -ESRCH, "zone %s is not running", name);
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        if ((r = zone_pids(c->zctx, name, &pids, &n, err)) < 0)
                return zone_err_wrap(err, "list the processes of zone %s", name);
        struct zones_proc *list = n ? calloc(n, sizeof(*list)) : NULL;
        if (n && !list)
                return zone_err_set(err, -ENOMEM, "out of memory");
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                r = read_proc(pids[i], &list[k]);
                if (r == -ENOMEM) {
                        zones_procs_free(list, k);
                        return zone_err_set(err, r, "out of memory");
                }
                if (r == 0)
                        k++; /* else it exited meanwhile: not listed */
        }
        *ret = list;
        *ret_n = k;
        return 0;
}

int zones_reboot(const struct zones_ctx *c, const char *name, int timeout, struct zone_err **err)
{
        enum ctl_state s;
        int r = ctl_state(c, name, &s, err);
        if (r < 0)
                return r;
        if (s == CTL_STOPPED && !zones_monitor_alive(c, name))
                return zone_err_set(err, -ESRCH, "zone %s is not running", name);
        /* halt thaws a paused zone first. */
        if ((r = zones_halt(c, name, timeout, err)) < 0)
                return r;
        /* The definition is kept: boot writes this run's config from it, as any boot. */
        return zones_boot(c, name, err);
}

static void msleep(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
}

static int64_t record_int(const struct zones_ctx *c, const char *name, const char *file,
                          const char *key, bool *has)
{
        _cleanup_free_ char *v = zones_record_get(c, name, file, key);
        *has = v != NULL;
        return v ? strtoll(v, NULL, 10) : 0;
}

int zones_wait(const struct zones_ctx *c, const char *name, int *ret_status, struct zone_err **err)
{
        enum ctl_state s;
        int r;
        /* Running while libzone has it live or its monitor is there (a zone the monitor is
         * restarting has not stopped). Polled: nothing here may take the monitor's lock. */
        for (;;) {
                if ((r = ctl_state(c, name, &s, err)) < 0)
                        return r;
                if (s == CTL_STOPPED && !zones_monitor_alive(c, name))
                        break;
                msleep(50);
        }
        /* A foreground `zone run` records the exit just after libzone lets the zone go:
         * an exit older than the run is waited for a little. */
        bool has_status, has_started, has_finished;
        _cleanup_free_ char *error = NULL;
        for (int tries = 0;; tries++) {
                int64_t started = record_int(c, name, "run", "started", &has_started);
                int64_t finished = record_int(c, name, "exit", "finished", &has_finished);
                *ret_status = (int)record_int(c, name, "exit", "status", &has_status);
                free(error);
                error = zones_record_get(c, name, "exit", "error");
                if (!has_started || (has_finished && finished >= started) || tries >= 40)
                        break;
                msleep(50);
        }
        if (error)
                return zone_err_set(err, -EIO, "zone %s did not start: %s", name, error);
        if (!has_status)
                return zone_err_set(err, -ENOENT, "zone %s has no exit status: it has not run",
                                    name);
        return 0;
}
