/* The zone's process from clone to execve. Order matters and follows what each step needs:
 * namespaces, then the root filesystem (with hooks around it), then the terminal, names and
 * sysctls, then the process attributes that drop privileges, and last the wait for `start`. */
#include "init.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../hooks/hooks.h"
#include "../backend.h"
#include "../err.h"
#include "../util.h"
#include "console.h"
#include "namespaces.h"
#include "process.h"
#include "rootfs.h"
#include "sync.h"
#include "trampoline.h"

static int cmp_int(const void *a, const void *b)
{
        return *(const int *)a - *(const int *)b;
}

/* Closes every fd from `from` up except those in keep: the creator's locks and sockets must
 * not live on in the zone. */
static void close_fds_except(int from, int *keep, size_t n)
{
        qsort(keep, n, sizeof(int), cmp_int);
        int next = from;
        for (size_t i = 0; i < n; i++) {
                if (keep[i] < next)
                        continue;
                if (keep[i] > next)
                        close_range((unsigned)next, (unsigned)keep[i] - 1, 0);
                next = keep[i] + 1;
        }
        close_range((unsigned)next, ~0u, 0);
}

/* The preserved fds 3 .. 3+n-1 are the only ones the program inherits. */
static int keep_preserved_fds(int n, struct zone_err **err)
{
        for (int fd = 3; fd < 3 + n; fd++) {
                int flags = fcntl(fd, F_GETFD);
                if (flags < 0)
                        return zone_err_sys(err, -errno, "--preserve-fds: fd %d", fd);
                if (fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
                        return zone_err_sys(err, -errno, "--preserve-fds: fd %d", fd);
        }
        return 0;
}

static void reset_signals(void)
{
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        reset_signal_dispositions();
}

static int setup_terminal(const struct zone_spec_process *p, int console_fd, int sync_fd,
                          bool tty_to_creator, struct zone_err **err)
{
        _cleanup_close_ int master = -1, slave = -1;
        int r = light_console_open(p->has_console_size ? p->console_height : 0,
                                   p->has_console_size ? p->console_width : 0, p->user.uid,
                                   p->user.gid, &master, &slave, err);
        if (r < 0)
                return r;
        if (console_fd >= 0) {
                static const char name[] = "/dev/ptmx";
                r = send_fd(console_fd, master, name, sizeof(name) - 1);
                if (r < 0)
                        return zone_err_sys(err, r, "send terminal to console socket");
        } else if (tty_to_creator) {
                r = light_sync_send_fd(sync_fd, SYNC_TTY, master);
                if (r < 0)
                        return zone_err_sys(err, r, "send terminal to runtime");
        }
        return light_console_attach(slave, err);
}

/* Waits until `start` writes to the exec fifo. poll() on a FIFO that never had a writer
 * blocks until one comes (POLLHUP is only reported after a writer left). */
static int wait_for_start(int fifo_fd, int sync_fd, struct zone_err **err)
{
        if (fifo_fd < 0)
                return light_sync_recv(sync_fd, SYNC_START, NULL, NULL, err);
        for (;;) {
                struct pollfd pfd = {.fd = fifo_fd, .events = POLLIN};
                int n = poll(&pfd, 1, -1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return zone_err_sys(err, -errno, "wait for start");
                char c;
                ssize_t got = read(fifo_fd, &c, 1);
                if (got == 1)
                        return 0;
                if (got < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                return zone_err_set(err, -EPIPE, "wait for start: exec fifo closed");
        }
}

/* What the final exec needs, made while the zone's process still may (before seccomp and
 * before privileges are dropped). */
struct final_exec {
        int memfd;   /* zone-exec */
        int attr_fd; /* LSM next-exec attribute, or -1 */
        char *attr_value;
};

static void final_exec_done(struct final_exec *f)
{
        closep(&f->memfd);
        closep(&f->attr_fd);
        free(f->attr_value);
}

static int final_exec_prepare(const struct zone_spec_process *p, const struct light_lsm *lsm,
                              struct final_exec *f, struct zone_err **err)
{
        int r = light_lsm_prepare(p, lsm, &f->attr_fd, &f->attr_value, err);
        if (r < 0)
                return r;
        f->memfd = light_trampoline_prepare(err);
        return f->memfd < 0 ? f->memfd : 0;
}

/* The seccomp filter goes in as late as possible. Without no_new_privs the load needs
 * CAP_SYS_ADMIN, so it comes here, before privileges are dropped; with it, zone-exec loads it
 * as its last step before the program's execve (see light_trampoline_exec). */
static int seccomp_before_privileges_drop(const struct light_seccomp *sc, bool nnp, int listener,
                                          const char *process_state, struct zone_err **err)
{
        if (!sc || nnp)
                return 0;
        return light_seccomp_load(sc, listener, process_state, err);
}

/* The three state documents the creator sends with SYNC_HOOKS_DONE, NUL-separated: for
 * createContainer hooks, for startContainer hooks, and for the seccomp listener. */
static const char *nth_string(const char *s, int n)
{
        while (n-- > 0)
                s += strlen(s) + 1;
        return s;
}

/* A missing working directory is made, as runc does, inside the new root. */
static int make_cwd(const char *cwd, struct zone_err **err)
{
        if (!cwd || access(cwd, F_OK) == 0)
                return 0;
        _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return zone_err_sys(err, -errno, "open /");
        int fd = light_open_in_root(root, cwd, true, false, err);
        if (fd < 0)
                return zone_err_wrap(err, "process.cwd");
        close(fd);
        return 0;
}

static int init_steps(const struct light_child *c, char **state_json, struct final_exec *fe,
                      struct zone_err **err)
{
        const struct zone *z = c->z;
        const struct zone_spec *spec = z->spec;
        int r;

        /* The creator writes the uid/gid maps and moves this process into the zone's cgroup
         * first, so everything from here on is charged to the zone. */
        r = light_sync_recv(c->sync_fd, SYNC_GO, NULL, NULL, err);
        if (r < 0)
                return r;
        r = light_ns_join(c->plan, err);
        if (r < 0)
                return r;
        if (c->plan->new_user || c->plan->join_user) {
                /* Become the namespace's root when it is mapped, so files made during setup
                 * belong to it. */
                if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                        return zone_err_sys(err, -errno, "become root in the user namespace");
        }
        if (c->plan->unshare_flags & CLONE_NEWPID) {
                /* A joined user namespace with a new pid namespace: the pid namespace is for
                 * children only, so the zone's init is one more fork away. */
                pid_t pid = fork();
                if (pid < 0)
                        return zone_err_sys(err, -errno, "fork zone init");
                if (pid > 0) {
                        int rr = light_sync_send(c->sync_fd, SYNC_PID, &pid, sizeof(pid));
                        _exit(rr < 0 ? 1 : 0);
                }
        }

        struct light_rootfs_opts ro = {
            .rootfs = z->rootfs,
            .userns = c->plan->new_user || c->plan->join_user,
            .no_pivot = z->no_pivot,
            .mount_label = c->lsm.selinux ? spec->linux.mount_label : NULL,
        };
        r = light_rootfs_prepare(spec, &ro, err);
        if (r < 0)
                return r;

        r = light_sync_send(c->sync_fd, SYNC_HOOKS_READY, NULL, 0);
        if (r < 0)
                return zone_err_sys(err, r, "notify runtime");
        r = light_sync_recv(c->sync_fd, SYNC_HOOKS_DONE, state_json, NULL, err);
        if (r < 0)
                return r;
        r = zone_hooks_run(ZONE_HOOK_CREATE_CONTAINER, spec->hooks.list[ZONE_HOOK_CREATE_CONTAINER],
                           spec->hooks.n[ZONE_HOOK_CREATE_CONTAINER], *state_json, &z->ctx->log,
                           err);
        if (r < 0)
                return r;

        /* Before the read-only paths cover /proc/sys: the host's /proc still shows the
         * zone's namespaces to this process, since it lives in them. */
        if ((r = light_apply_sysctl(spec, err)) < 0)
                return r;
        r = light_rootfs_enter(spec, &ro, err);
        if (r < 0)
                return r;
        if ((r = make_cwd(spec->process.cwd, err)) < 0)
                return r;

        if (spec->process.terminal) {
                r = setup_terminal(&spec->process, c->console_fd, c->sync_fd, c->tty_to_creator,
                                   err);
                if (r < 0)
                        return r;
        } else if (setsid() < 0) {
                return zone_err_sys(err, -errno, "setsid");
        }
        if (c->console_fd >= 0)
                close(c->console_fd);

        if (zone_spec_namespace(spec, CLONE_NEWUTS) && (r = light_set_names(spec, err)) < 0)
                return r;
        if (spec->linux.has_personality && (r = light_apply_personality(spec, err)) < 0)
                return r;
        if ((r = final_exec_prepare(&spec->process, &c->lsm, fe, err)) < 0)
                return r;
        if ((r = seccomp_before_privileges_drop(c->seccomp, spec->process.no_new_privileges,
                                                c->listener_fd, nth_string(*state_json, 2), err)) <
            0)
                return r;
        if ((r = light_process_apply(&spec->process, err)) < 0)
                return r;
        /* A missing program fails create, not a later start nobody waits for. */
        _cleanup_free_ char *path = NULL;
        return light_process_lookup(&spec->process, &path, err);
}

_Noreturn void light_init_main(const struct light_child *c)
{
        _cleanup_err_ struct zone_err *err = NULL;
        _cleanup_free_ char *state_json = NULL;
        _cleanup_(final_exec_done) struct final_exec fe = {.memfd = -1, .attr_fd = -1};
        const struct zone *z = c->z;
        int keep[5 + LIGHT_NS_MAX] = {c->sync_fd, c->fifo_fd, c->console_fd, z->ctx->log.fd,
                                      c->listener_fd};
        size_t n = 5;
        for (int i = 0; i < c->plan->n_join; i++)
                keep[n++] = c->plan->join_fd[i];
        close_fds_except(3 + z->preserve_fds, keep, n);
        reset_signals();
        /* Not dumpable until execve: the zone cannot ptrace or open /proc/PID/exe of this
         * process while it is still the runtime's code. */
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

        int r = init_steps(c, &state_json, &fe, &err);
        if (r >= 0)
                r = keep_preserved_fds(z->preserve_fds, &err);
        /* From SYNC_CREATED on the creator may exit (create): the zone must outlive it. */
        if (r >= 0)
                prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
        if (r >= 0 && (r = light_sync_send(c->sync_fd, SYNC_CREATED, NULL, 0)) < 0)
                r = zone_err_sys(&err, r, "notify runtime");
        if (r >= 0)
                r = wait_for_start(c->fifo_fd, c->sync_fd, &err);
        if (r >= 0)
                r = zone_hooks_run(ZONE_HOOK_START_CONTAINER,
                                   z->spec->hooks.list[ZONE_HOOK_START_CONTAINER],
                                   z->spec->hooks.n[ZONE_HOOK_START_CONTAINER],
                                   nth_string(state_json, 1), &z->ctx->log, &err);
        /* zone-exec holds the exec fifo (create) or the sync channel (run) until the program's
         * execve closes it: `start` and `run` wait for that before poststart hooks. */
        if (r >= 0) {
                bool nnp = z->spec->process.no_new_privileges;
                struct light_trampoline_args a = {
                    .sync_fd = c->fifo_fd >= 0 ? c->fifo_fd : c->sync_fd,
                    .attr_fd = fe.attr_fd,
                    .attr_value = fe.attr_value,
                    .seccomp = nnp ? c->seccomp : NULL,
                    .listener_fd = c->listener_fd,
                    .process_state = nth_string(state_json, 2),
                };
                r = light_trampoline_exec(fe.memfd, &z->spec->process, &a, &err);
        }
        /* After SYNC_CREATED the creator may be gone; the error then goes to the log. */
        if (light_sync_send_error(c->sync_fd, err) < 0)
                zone_log(&z->ctx->log, ZONE_LOG_ERROR, "%s",
                         err ? err->msg : "zone process failed");
        _exit(127);
}

_Noreturn void light_exec_main(const struct light_exec_child *c)
{
        _cleanup_err_ struct zone_err *err = NULL;
        int keep[3 + LIGHT_NS_MAX] = {c->sync_fd, c->console_fd, c->listener_fd};
        size_t n = 3;
        for (int i = 0; i < c->plan->n_join; i++)
                keep[n++] = c->plan->join_fd[i];
        close_fds_except(3 + c->preserve_fds, keep, n);
        reset_signals();
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

        int r = light_sync_recv(c->sync_fd, SYNC_GO, NULL, NULL, &err);
        if (r >= 0)
                r = light_ns_join(c->plan, &err);
        if (r >= 0 && c->process->terminal)
                r = setup_terminal(c->process, c->console_fd, c->sync_fd, c->tty_to_creator, &err);
        else if (r >= 0 && setsid() < 0)
                r = zone_err_sys(&err, -errno, "setsid");
        /* The listener is told this process's pid as the creator sees it. */
        _cleanup_free_ char *process_state = NULL;
        if (r >= 0 && c->listener_fd >= 0)
                r = light_sync_recv(c->sync_fd, SYNC_HOOKS_DONE, &process_state, NULL, &err);
        bool nnp = c->process->no_new_privileges;
        _cleanup_(final_exec_done) struct final_exec fe = {.memfd = -1, .attr_fd = -1};
        if (r >= 0)
                r = final_exec_prepare(c->process, &c->lsm, &fe, &err);
        if (r >= 0)
                r = seccomp_before_privileges_drop(c->seccomp, nnp, c->listener_fd, process_state,
                                                   &err);
        if (r >= 0)
                r = light_process_apply(c->process, &err);
        if (r >= 0)
                r = keep_preserved_fds(c->preserve_fds, &err);
        if (r >= 0)
                prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
        if (r >= 0 && (r = light_sync_send(c->sync_fd, SYNC_CREATED, NULL, 0)) < 0)
                r = zone_err_sys(&err, r, "notify runtime");
        if (r >= 0) {
                struct light_trampoline_args a = {
                    .sync_fd = c->sync_fd,
                    .attr_fd = fe.attr_fd,
                    .attr_value = fe.attr_value,
                    .seccomp = nnp ? c->seccomp : NULL,
                    .listener_fd = c->listener_fd,
                    .process_state = process_state,
                };
                r = light_trampoline_exec(fe.memfd, c->process, &a, &err);
        }
        light_sync_send_error(c->sync_fd, err);
        _exit(127);
}
