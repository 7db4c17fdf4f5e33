/* The light backend, creator side: makes a zone's first process with clone3, drives it through
 * setup step by step over the sync channel, runs the runtime's hooks between the steps, and
 * later releases, signals and joins it. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../hooks/hooks.h"
#include "../backend.h"
#include "../cgroups/cgroup.h"
#include "../cgroups/cgroup_stats.h"
#include "../err.h"
#include "../util.h"
#include "console.h"
#include "init.h"
#include "lxcfs.h"
#include "namespaces.h"
#include "process.h"
#include "seccomp.h"
#include "sync.h"

#define EXEC_FIFO "exec.fifo"

static int pidfd_open_checked(pid_t pid, uint64_t start, struct zone_err **err)
{
        int fd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0)
                return zone_err_sys(err, -errno, "open process %d", (int)pid);
        /* The pid could have been reused between reading the state and opening it. */
        if (start && zone_pid_start_time(pid) != start) {
                close(fd);
                return zone_err_set(err, -ESRCH, "process %d is gone", (int)pid);
        }
        return fd;
}

static int run_runtime_hooks(struct zone *z, enum zone_hook_kind kind, const char *json,
                             struct zone_err **err)
{
        return zone_hooks_run(kind, z->spec->hooks.list[kind], z->spec->hooks.n[kind], json,
                              &z->ctx->log, err);
}

/* Between the zone's mounts and its pivot: the runtime's own hooks. */
static int hooks_step(struct zone *z, bool listener, struct zone_err **err)
{
        _cleanup_free_ char *creating = NULL, *created = NULL, *process_state = NULL;
        int r = zone_state_oci_json(z->state, ZONE_STATUS_CREATING, z->spec, false, &creating, err);
        if (r < 0)
                return r;
        r = run_runtime_hooks(z, ZONE_HOOK_PRESTART, creating, err);
        if (r >= 0)
                r = run_runtime_hooks(z, ZONE_HOOK_CREATE_RUNTIME, creating, err);
        if (r < 0)
                return r;
        r = zone_state_oci_json(z->state, ZONE_STATUS_CREATED, z->spec, false, &created, err);
        if (r < 0)
                return r;
        if (listener && (r = light_seccomp_process_state(&z->spec->linux.seccomp, created,
                                                         z->state->pid, &process_state, err)) < 0)
                return r;
        /* The zone's own steps: createContainer hooks see "creating", startContainer hooks
         * "created", and the seccomp listener its containerProcessState. */
        const char *docs[] = {creating, created, process_state ? process_state : ""};
        size_t len[3], total = 0;
        for (int i = 0; i < 3; i++)
                total += (len[i] = strlen(docs[i]) + 1);
        _cleanup_free_ char *all = malloc(total);
        if (!all)
                return zone_err_sys(err, -ENOMEM, "hooks");
        for (size_t i = 0, off = 0; i < 3; off += len[i++])
                memcpy(all + off, docs[i], len[i]);
        r = light_sync_send(z->sync_fd, SYNC_HOOKS_DONE, all, total);
        return r < 0 ? zone_err_sys(err, r, "send to zone process") : 0;
}

/* Compiles the zone's seccomp filter (through the cache beside the containers in the state
 * root) and connects its notify listener; *ret_listener is -1 when there is none. */
static int seccomp_prepare(struct zone *z, struct light_seccomp **ret, int *ret_listener,
                           struct zone_err **err)
{
        const struct zone_spec_seccomp *sc = &z->spec->linux.seccomp;
        *ret = NULL;
        *ret_listener = -1;
        if (!sc->present)
                return 0;
        /* The entry is <root>/<id>; the cache is <root>/.seccomp (no id starts with '.'). */
        const char *entry = zone_entry_path(z->entry);
        _cleanup_free_ char *cache = NULL;
        if (asprintf(&cache, "%.*s/.seccomp", (int)(strrchr(entry, '/') - entry), entry) < 0)
                return zone_err_sys(err, -ENOMEM, "linux.seccomp");
        int r = light_seccomp_compile(sc, cache, &z->ctx->log, ret, err);
        if (r < 0)
                return r;
        if (!light_seccomp_wants_listener(*ret))
                return 0;
        int fd = light_seccomp_listener_connect(sc, *ret, err);
        if (fd < 0) {
                light_seccomp_free(steal_pointer(ret));
                return fd;
        }
        *ret_listener = fd;
        return 0;
}

static void seccomp_freep(struct light_seccomp **s)
{
        light_seccomp_free(*s);
}

static int light_create(struct zone *z, struct zone_err **err)
{
        const struct zone_spec *spec = z->spec;
        /* Everything that can be refused without doing anything is refused first. */
        int r = light_process_validate(&spec->process, err);
        if (r >= 0)
                r = light_sysctl_validate(spec, err);
        if (r >= 0)
                r = light_personality_validate(spec, err);
        if (r >= 0)
                r = light_lxcfs_validate(spec, err);
        if (r < 0)
                return r;
        struct light_ns_plan plan;
        r = light_ns_plan_make(spec, &plan, err);
        if (r < 0)
                return r;
        _cleanup_close_ int console = -1, fifo = -1, pidfd = -1, listener = -1;
        _cleanup_(seccomp_freep) struct light_seccomp *seccomp = NULL;
        int sv[2] = {-1, -1};
        _cleanup_close_ int cgroup_fd = -1;
        pid_t pid = -1;
        bool tty_to_creator = spec->process.terminal && !z->console_socket;
        if ((r = seccomp_prepare(z, &seccomp, &listener, err)) < 0)
                goto out;

        if (spec->process.terminal && !z->console_socket && !z->run_now) {
                r = zone_err_set(err, -EINVAL,
                                 "process.terminal is true: a detached zone needs "
                                 "--console-socket");
                goto out;
        }
        if (z->console_socket && (console = light_console_connect(z->console_socket, err)) < 0) {
                r = console;
                goto out;
        }
        if (!z->run_now) {
                int dfd = zone_entry_dirfd(z->entry);
                if (mkfifoat(dfd, EXEC_FIFO, 0600) < 0) {
                        r = zone_err_sys(err, -errno, "make exec fifo");
                        goto out;
                }
                fifo = openat(dfd, EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
                if (fifo < 0) {
                        r = zone_err_sys(err, -errno, "open exec fifo");
                        goto out;
                }
        }
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
                r = zone_err_sys(err, -errno, "socketpair");
                goto out;
        }

        struct light_lsm lsm;
        light_lsm_detect(&spec->process, &z->ctx->log, &lsm);
        /* Started in its cgroup2 directory where there is one: no migration to wait for. */
        cgroup_fd = z->cgroup ? zone_cgroup_v2_fd(z->cgroup) : -1;
        bool in_cgroup;
        pid = light_ns_clone(spec, &plan, cgroup_fd, &in_cgroup, &pidfd, err);
        if (pid == 0) {
                close(sv[0]);
                struct light_child c = {.z = z,
                                        .plan = &plan,
                                        .sync_fd = sv[1],
                                        .fifo_fd = fifo,
                                        .console_fd = console,
                                        .tty_to_creator = tty_to_creator,
                                        .lsm = lsm,
                                        .seccomp = seccomp,
                                        .listener_fd = listener};
                light_init_main(&c);
        }
        if (pid < 0) {
                r = pid;
                goto out;
        }
        closep(&sv[1]);
        z->sync_fd = sv[0];
        sv[0] = -1;

        if (plan.new_user && (r = light_ns_write_idmaps(spec, pid, err)) < 0)
                goto fail;
        if (z->cgroup && (r = in_cgroup ? zone_cgroup_enter_v1(z->cgroup, pid, err)
                                        : zone_cgroup_enter(z->cgroup, pid, err)) < 0)
                goto fail;
        if ((r = light_sync_send(z->sync_fd, SYNC_GO, NULL, 0)) < 0) {
                r = zone_err_sys(err, r, "send to zone process");
                goto fail;
        }
        if (plan.unshare_flags & CLONE_NEWPID) {
                /* The real init is a grandchild: take it over and let the middle one go. */
                _cleanup_free_ char *data = NULL;
                r = light_sync_recv(z->sync_fd, SYNC_PID, &data, NULL, err);
                if (r < 0)
                        goto fail;
                pid_t real;
                memcpy(&real, data, sizeof(real));
                waitpid(pid, NULL, 0);
                closep(&pidfd);
                pid = real;
                if ((pidfd = pidfd_open_checked(pid, 0, err)) < 0) {
                        r = pidfd;
                        goto fail;
                }
        }
        z->state->pid = pid;
        z->state->pid_start = zone_pid_start_time(pid);

        r = light_sync_recv(z->sync_fd, SYNC_HOOKS_READY, NULL, NULL, err);
        if (r < 0)
                goto fail;
        if (spec->process.has_oom_score_adj &&
            (r = light_apply_oom_score_adj(&spec->process, pid, err)) < 0)
                goto fail;
        if ((r = hooks_step(z, listener >= 0, err)) < 0)
                goto fail;
        if (tty_to_creator &&
            (r = light_sync_recv(z->sync_fd, SYNC_TTY, NULL, &z->tty_master, err)) < 0)
                goto fail;
        if ((r = light_sync_recv(z->sync_fd, SYNC_CREATED, NULL, NULL, err)) < 0)
                goto fail;
        z->pidfd = steal_fd(&pidfd);
        r = 0;
        goto out;

fail:
        /* Nothing of a half-made zone may stay: its process (and so its namespaces and mounts)
         * goes. */
        if (pidfd >= 0)
                syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        else if (pid > 0)
                kill(pid, SIGKILL);
        if (pid > 0)
                waitpid(pid, NULL, 0);
        closep(&z->sync_fd);
        closep(&z->tty_master);
        z->state->pid = 0;
out:
        closep(&sv[0]);
        closep(&sv[1]);
        if (r < 0 && !z->run_now)
                unlinkat(zone_entry_dirfd(z->entry), EXEC_FIFO, 0);
        light_ns_plan_done(&plan);
        return r;
}

static int light_start(struct zone *z, struct zone_err **err)
{
        if (z->run_now) {
                int r = light_sync_send(z->sync_fd, SYNC_START, NULL, 0);
                if (r < 0)
                        return zone_err_sys(err, r, "start zone process");
                /* End of stream means execve worked; an error message means it did not. */
                r = light_sync_recv(z->sync_fd, SYNC_EXECED, NULL, NULL, err);
                closep(&z->sync_fd);
                return r;
        }
        int dfd = zone_entry_dirfd(z->entry);
        _cleanup_close_ int fd = openat(dfd, EXEC_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 && errno == ENXIO)
                return zone_err_set(err, -ESRCH, "container \"%s\": its process is gone",
                                    z->state->id);
        if (fd < 0)
                return zone_err_sys(err, -errno, "open exec fifo of \"%s\"", z->state->id);
        char c = 0;
        if (write(fd, &c, 1) != 1)
                return zone_err_sys(err, -errno, "release container \"%s\"", z->state->id);
        unlinkat(dfd, EXEC_FIFO, 0);
        /* The zone holds the fifo's read end until its program's execve (or its death): the
         * write end then reports POLLERR. Poststart hooks must not run before that. */
        struct pollfd p = {.fd = fd, .events = 0};
        while (poll(&p, 1, -1) < 0 && errno == EINTR)
                ;
        return 0;
}

/* The inode of a namespace of a process ("pid", "mnt"), or 0. */
static ino_t ns_of(pid_t pid, const char *kind)
{
        char path[64];
        struct stat st;
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, kind);
        return stat(path, &st) < 0 ? 0 : st.st_ino;
}

/* Without a cgroup (one that is gone, or state from before zones had one): the processes in
 * the zone's own pid namespace or, sharing the host's, in its own mount namespace (every light
 * zone has one). */
static int pids_by_namespace(struct zone *z, pid_t **ret, size_t *ret_n, struct zone_err **err)
{
        const char *kind = "pid";
        ino_t ns = ns_of(z->state->pid, kind);
        if (ns == ns_of(getpid(), kind)) {
                kind = "mnt";
                ns = ns_of(z->state->pid, kind);
                if (ns == ns_of(getpid(), kind))
                        ns = 0;
        }
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0, cap = 0;
        DIR *d = ns ? opendir("/proc") : NULL;
        if (ns && !d)
                return zone_err_sys(err, -errno, "open /proc");
        struct dirent *de;
        while (d && (de = readdir(d))) {
                char *end;
                long v = strtol(de->d_name, &end, 10);
                if (*end || v <= 0 || ns_of((pid_t)v, kind) != ns)
                        continue;
                if (n == cap) {
                        cap = cap ? cap * 2 : 16;
                        pid_t *np = realloc(pids, cap * sizeof(pid_t));
                        if (!np) {
                                closedir(d);
                                return zone_err_sys(err, -ENOMEM, "list processes");
                        }
                        pids = np;
                }
                pids[n++] = (pid_t)v;
        }
        if (d)
                closedir(d);
        if (n == 0) {
                /* A zone in the host's namespaces (a joined mount namespace): its init. */
                pids = malloc(sizeof(pid_t));
                if (!pids)
                        return zone_err_sys(err, -ENOMEM, "list processes");
                pids[n++] = z->state->pid;
        }
        *ret = steal_pointer(&pids);
        *ret_n = n;
        return 0;
}

static int pid_cmp(const void *a, const void *b)
{
        pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
        return (x > y) - (x < y);
}

/* The zone's cgroup (opened when the caller has not), or NULL in *ret when no hierarchy has
 * it any more. */
static int open_cgroup(struct zone *z, struct zone_cgroup **ret, struct zone_err **err)
{
        *ret = NULL;
        if (z->cgroup || !z->state->cgroup_path)
                return 0;
        _cleanup_err_ struct zone_err *open_err = NULL;
        int r = zone_cgroup_open(z->state->cgroup_path, ret, &open_err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return zone_err_set(err, r, "%s", open_err->msg);
        return 0;
}

/* A zone's processes are those in its cgroup: everything it forked or had exec'd into it. */
static int light_pids(struct zone *z, pid_t **ret, size_t *ret_n, struct zone_err **err)
{
        *ret = NULL;
        *ret_n = 0;
        if (zone_state_status(z->state) == ZONE_STATUS_STOPPED)
                return 0;
        _cleanup_cgroup_ struct zone_cgroup *own = NULL;
        int r = open_cgroup(z, &own, err);
        if (r < 0)
                return r;
        struct zone_cgroup *cg = z->cgroup ? z->cgroup : own;
        if (!cg)
                return pids_by_namespace(z, ret, ret_n, err);
        if ((r = zone_cgroup_pids(cg, ret, ret_n, err)) < 0)
                return r;
        if (*ret_n > 1)
                qsort(*ret, *ret_n, sizeof(**ret), pid_cmp);
        return 0;
}

static int light_stats(struct zone *z, struct zone_stats *ret, struct zone_err **err)
{
        _cleanup_cgroup_ struct zone_cgroup *own = NULL;
        int r = open_cgroup(z, &own, err);
        if (r < 0)
                return r;
        struct zone_cgroup *cg = z->cgroup ? z->cgroup : own;
        if (!cg)
                return zone_err_set(err, -ENOENT, "container \"%s\": its cgroup %s is gone",
                                    z->state->id,
                                    z->state->cgroup_path ? z->state->cgroup_path : "(none)");
        return zone_cgroup_stats(cg, ret, err);
}

static int light_kill(struct zone *z, int sig, bool all, struct zone_err **err)
{
        if (all) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n;
                int r = light_pids(z, &pids, &n, err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n; i++)
                        if (kill(pids[i], sig) < 0 && errno != ESRCH)
                                return zone_err_sys(err, -errno, "signal process %d", (int)pids[i]);
                return 0;
        }
        _cleanup_close_ int pidfd = pidfd_open_checked(z->state->pid, z->state->pid_start, err);
        if (pidfd < 0)
                return pidfd;
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
                return zone_err_sys(err, -errno, "signal container \"%s\"", z->state->id);
        return 0;
}

static int light_exec(struct zone *z, const struct zone_exec_opts *opts, pid_t *ret_pid,
                      int *ret_tty_master, struct zone_err **err)
{
        /* An exec'd process belongs to the zone's cgroup like the rest of the zone (the
         * caller may not have opened it). */
        _cleanup_cgroup_ struct zone_cgroup *own = NULL;
        int r = open_cgroup(z, &own, err);
        if (r < 0)
                return r;
        struct zone_cgroup *cg = z->cgroup ? z->cgroup : own;
        struct light_ns_plan plan;
        if ((r = light_ns_plan_of_pid(z->state->pid, &plan, err)) < 0)
                return r;
        _cleanup_close_ int console = -1, pidfd = -1, tty = -1, listener = -1;
        _cleanup_(seccomp_freep) struct light_seccomp *seccomp = NULL;
        int sv[2] = {-1, -1};
        _cleanup_close_ int cgroup_fd = -1;
        pid_t pid = -1;
        bool tty_to_creator = opts->process->terminal && !opts->console_socket;
        /* An exec'd process gets the zone's filter too, as in runc. */
        if ((r = seccomp_prepare(z, &seccomp, &listener, err)) < 0)
                goto out;
        if (tty_to_creator && opts->detach) {
                r = zone_err_set(err, -EINVAL, "--tty with --detach needs --console-socket");
                goto out;
        }
        if (opts->console_socket &&
            (console = light_console_connect(opts->console_socket, err)) < 0) {
                r = console;
                goto out;
        }
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
                r = zone_err_sys(err, -errno, "socketpair");
                goto out;
        }
        struct light_lsm lsm;
        light_lsm_detect(opts->process, &z->ctx->log, &lsm);
        cgroup_fd = cg ? zone_cgroup_v2_fd(cg) : -1;
        bool in_cgroup;
        pid = light_ns_clone(z->spec, &plan, cgroup_fd, &in_cgroup, &pidfd, err);
        if (pid == 0) {
                close(sv[0]);
                struct light_exec_child c = {.lsm = lsm,
                                             .seccomp = seccomp,
                                             .listener_fd = listener,
                                             .process = opts->process,
                                             .plan = &plan,
                                             .preserve_fds = opts->preserve_fds,
                                             .sync_fd = sv[1],
                                             .console_fd = console,
                                             .tty_to_creator = tty_to_creator};
                light_exec_main(&c);
        }
        if (pid < 0) {
                r = pid;
                goto out;
        }
        closep(&sv[1]);
        if (cg && (r = in_cgroup ? zone_cgroup_enter_v1(cg, pid, err)
                                 : zone_cgroup_enter(cg, pid, err)) < 0)
                goto fail;
        if ((r = light_sync_send(sv[0], SYNC_GO, NULL, 0)) < 0) {
                r = zone_err_sys(err, r, "send to zone process");
                goto fail;
        }
        if (listener >= 0) {
                _cleanup_free_ char *created = NULL, *process_state = NULL;
                r = zone_state_oci_json(z->state, zone_state_status(z->state), z->spec, false,
                                        &created, err);
                if (r >= 0)
                        r = light_seccomp_process_state(&z->spec->linux.seccomp, created, pid,
                                                        &process_state, err);
                if (r >= 0 && (r = light_sync_send(sv[0], SYNC_HOOKS_DONE, process_state,
                                                   strlen(process_state))) < 0)
                        r = zone_err_sys(err, r, "send to zone process");
                if (r < 0)
                        goto fail;
        }
        if (tty_to_creator && (r = light_sync_recv(sv[0], SYNC_TTY, NULL, &tty, err)) < 0)
                goto fail;
        if ((r = light_sync_recv(sv[0], SYNC_CREATED, NULL, NULL, err)) < 0)
                goto fail;
        /* End of stream means execve worked; an error message means it did not. */
        if ((r = light_sync_recv(sv[0], SYNC_EXECED, NULL, NULL, err)) < 0)
                goto fail;
        *ret_pid = pid;
        *ret_tty_master = steal_fd(&tty);
        r = 0;
        goto out;
fail:
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
out:
        closep(&sv[0]);
        closep(&sv[1]);
        light_ns_plan_done(&plan);
        return r;
}

static int light_destroy(struct zone *z, struct zone_err **err)
{
        /* The zone's mounts and namespaces went with its processes; cgroups come later. */
        return 0;
}

const struct zone_backend zone_backend_light = {
    .name = "light",
    .create = light_create,
    .start = light_start,
    .kill = light_kill,
    .exec = light_exec,
    .pids = light_pids,
    .stats = light_stats,
    .destroy = light_destroy,
};
