/* OCI hook execution: fork, feed the state on stdin, exec, wait with a deadline. */
#include "hooks.h"

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../runtime/err.h"
#include "../runtime/log.h"
#include "../runtime/util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* A CLOEXEC pipe whose ends are >= 3, so the child can dup2 onto 0 without clobbering them
 * even when the runtime was started with fds 0-2 closed. */
static int pipe_above_stdio(int p[2])
{
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        for (int i = 0; i < 2; i++) {
                if (p[i] >= 3)
                        continue;
                int fd = fcntl(p[i], F_DUPFD_CLOEXEC, 3);
                int e = errno;
                close(p[i]);
                p[i] = fd;
                if (fd < 0) {
                        if (p[1 - i] >= 0)
                                close(p[1 - i]);
                        p[1 - i] = -1;
                        return -e;
                }
        }
        return 0;
}

/* Writes to a pipe whose reader may be gone, without dying of SIGPIPE: the signal is blocked
 * for this thread around the write and a SIGPIPE caused by it is discarded. */
static ssize_t write_no_sigpipe(int fd, const void *buf, size_t len)
{
        sigset_t pipe_set, old, pending;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        if (pthread_sigmask(SIG_BLOCK, &pipe_set, &old) != 0)
                return -EINVAL;
        bool was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
        ssize_t n = write(fd, buf, len);
        int e = errno;
        if (n < 0 && e == EPIPE && !was_pending) {
                struct timespec zero = {0, 0};
                while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
                        ;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return n < 0 ? -e : n;
}

/* Runs in the forked child: only async-signal-safe calls. Never returns. */
static void __attribute__((noreturn))
hook_child(const struct zone_spec_hook *hook, int stdin_fd, int out_fd, int errpipe)
{
        reset_signal_dispositions();
        /* A hook never outlives the runtime that runs it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        sigset_t none;
        sigemptyset(&none);
        int e = 0;
        /* A hook's output is diagnostics: both its stdout and stderr go to the runtime, which
         * puts them into the error when the hook fails, or on its own stderr when it does
         * not, so it never mixes into what the runtime (or a foreground container) writes on
         * stdout. */
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0 || setsid() < 0 ||
            dup2(stdin_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
            dup2(out_fd, STDERR_FILENO) < 0 ||
            /* Everything but stdio closes at exec; errpipe must stay open until then. */
            syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                e = errno;
        if (e == 0) {
                char *default_argv[] = {hook->path, NULL};
                char *empty_env[] = {NULL};
                char **argv = hook->args && hook->args[0] ? hook->args : default_argv;
                char **envp = hook->env ? hook->env : empty_env;
                execve(hook->path, argv, envp);
                e = errno;
        }
        ssize_t w = write(errpipe, &e, sizeof(e));
        (void)w;
        _exit(127);
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Kills the hook's whole process group (it is a session leader, so pgid == pid and the
 * group cannot be reused until we reap it) and reaps the hook. */
static void kill_and_reap(pid_t pid)
{
        if (kill(-pid, SIGKILL) < 0)
                kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

struct hook_ctx {
        const char *kind;
        size_t index;
        const char *path;
};

/* What a hook wrote on its stdout and stderr: its last OUT_MAX bytes (the rest is read and
 * dropped, so a chatty hook never blocks on a full pipe, and its last words, where a message
 * is, are kept). */
#define OUT_MAX 65536
struct hook_out {
        char *buf;
        size_t len;
};

/* Reads what the hook's output pipe has now (it is non-blocking). Returns false at its end. */
static bool out_read(int fd, struct hook_out *o)
{
        for (;;) {
                char chunk[4096];
                ssize_t n = read(fd, chunk, sizeof(chunk));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 && errno == EAGAIN;
                if (!o->buf && !(o->buf = malloc(OUT_MAX + sizeof(chunk) + 1)))
                        continue;
                memcpy(o->buf + o->len, chunk, (size_t)n);
                o->len += (size_t)n;
                if (o->len > OUT_MAX) {
                        memmove(o->buf, o->buf + o->len - OUT_MAX, OUT_MAX);
                        o->len = OUT_MAX;
                }
                o->buf[o->len] = '\0';
        }
}

/* The output as one line for an error: its non-empty lines joined with "; ", the last
 * OUT_LINE_MAX bytes of it when longer (a message is at the end). NULL when there is none. */
#define OUT_LINE_MAX 1024
static char *out_line(const struct hook_out *o)
{
        if (!o->len)
                return NULL;
        char *line = malloc(o->len * 2 + 1), *w = line;
        if (!line)
                return NULL;
        const char *p = o->buf, *end = o->buf + o->len;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *e = nl ? nl : end, *s = p;
                while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
                        s++;
                const char *t = e;
                while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
                        t--;
                if (t > s) {
                        if (w > line) {
                                memcpy(w, "; ", 2);
                                w += 2;
                        }
                        memcpy(w, s, (size_t)(t - s));
                        w += t - s;
                }
                p = nl ? nl + 1 : end;
        }
        *w = '\0';
        size_t len = (size_t)(w - line);
        if (len == 0) {
                free(line);
                return NULL;
        }
        if (len > OUT_LINE_MAX) {
                memmove(line + 3, line + len - OUT_LINE_MAX, OUT_LINE_MAX + 1);
                memcpy(line, "...", 3);
        }
        return line;
}

#define HOOK_FMT     "%s hook %zu (%s)"
#define HOOK_ARGS(c) (c)->kind, (c)->index, (c)->path

/* Feeds the state and waits for the hook; pid is reaped on every path. */
static int hook_wait(const struct hook_ctx *c, pid_t pid, int wfd, const char *data, size_t len,
                     int out_fd, struct hook_out *out, const struct zone_spec_hook *hook,
                     struct zone_err **err)
{
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0) {
                int e = -errno;
                kill_and_reap(pid);
                return zone_err_sys(err, e, HOOK_FMT ": pidfd_open", HOOK_ARGS(c));
        }
        int64_t deadline = hook->has_timeout ? now_ms() + (int64_t)hook->timeout * 1000 : -1;
        for (;;) {
                /* Output first: a hook blocked on a full pipe would never exit. */
                struct pollfd pfd[3] = {{.fd = pidfd, .events = POLLIN},
                                        {.fd = out_fd, .events = POLLIN},
                                        {.fd = wfd, .events = POLLOUT}};
                int timeout = -1;
                if (deadline >= 0) {
                        int64_t left = deadline - now_ms();
                        if (left <= 0) {
                                kill_and_reap(pid);
                                return zone_err_set(err, -ETIMEDOUT,
                                                    HOOK_FMT ": timed out after %ds", HOOK_ARGS(c),
                                                    hook->timeout);
                        }
                        timeout = left > INT_MAX ? INT_MAX : (int)left;
                }
                int n = poll(pfd, wfd >= 0 ? 3 : 2, timeout);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = -errno;
                        kill_and_reap(pid);
                        return zone_err_sys(err, e, HOOK_FMT ": poll", HOOK_ARGS(c));
                }
                if (pfd[0].revents)
                        break;
                /* At its end (or an error), it is polled no more. */
                if (pfd[1].revents && !out_read(out_fd, out))
                        out_fd = -1;
                if (wfd >= 0 && pfd[2].revents) {
                        ssize_t w =
                            (pfd[2].revents & POLLOUT) ? write_no_sigpipe(wfd, data, len) : -EPIPE;
                        if (w > 0) {
                                data += w;
                                len -= (size_t)w;
                        }
                        /* Done, or the hook closed its stdin: it need not read the state. */
                        if (len == 0 || (w < 0 && w != -EAGAIN && w != -EINTR)) {
                                close(wfd);
                                wfd = -1;
                        }
                }
        }
        if (wfd >= 0)
                close(wfd);
        /* What it wrote before it exited; a process it left behind that still holds the pipe
         * is not waited for. */
        if (out_fd >= 0)
                out_read(out_fd, out);
        int status;
        pid_t r;
        while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return zone_err_sys(err, -errno, HOOK_FMT ": wait", HOOK_ARGS(c));
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
                return zone_err_set(err, -EIO, HOOK_FMT ": exited with status %d", HOOK_ARGS(c),
                                    WEXITSTATUS(status));
        if (WIFSIGNALED(status))
                return zone_err_set(err, -EIO, HOOK_FMT ": killed by signal %d", HOOK_ARGS(c),
                                    WTERMSIG(status));
        return 0;
}

static int hook_run(const struct hook_ctx *c, const struct zone_spec_hook *hook,
                    const char *state_json, struct zone_err **err)
{
        if (!hook->path || hook->path[0] != '/')
                return zone_err_set(err, -EINVAL, HOOK_FMT ": path must be absolute", HOOK_ARGS(c));
        const char *data = state_json ? state_json : "";
        size_t len = strlen(data);

        int in[2] = {-1, -1}, ep[2] = {-1, -1}, op[2] = {-1, -1};
        int r = pipe_above_stdio(in);
        if (r == 0)
                r = pipe_above_stdio(ep);
        if (r == 0)
                r = pipe_above_stdio(op);
        _cleanup_close_ int in_r = in[0], in_w = in[1], ep_r = ep[0], ep_w = ep[1];
        _cleanup_close_ int out_r = op[0], out_w = op[1];
        if (r < 0)
                return zone_err_sys(err, r, HOOK_FMT ": pipe", HOOK_ARGS(c));
        if (fcntl(out_r, F_SETFL, O_NONBLOCK) < 0)
                return zone_err_sys(err, -errno, HOOK_FMT ": pipe", HOOK_ARGS(c));
        /* The write end never blocks the runtime: a hook that does not read its stdin must
         * still time out. Whatever fits the pipe is written before the hook exists. */
        if (fcntl(in_w, F_SETFL, O_NONBLOCK) < 0)
                return zone_err_sys(err, -errno, HOOK_FMT ": pipe", HOOK_ARGS(c));
        if (len > 65536)
                (void)fcntl(in_w, F_SETPIPE_SZ, len > (1 << 20) ? (1 << 20) : (int)len);
        while (len > 0) {
                ssize_t w = write(in_w, data, len);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0 && errno == EAGAIN)
                        break;
                if (w < 0)
                        return zone_err_sys(err, -errno, HOOK_FMT ": write state", HOOK_ARGS(c));
                data += w;
                len -= (size_t)w;
        }
        if (len == 0) {
                close(in_w);
                in_w = -1;
        }

        pid_t pid = fork();
        if (pid < 0)
                return zone_err_sys(err, -errno, HOOK_FMT ": fork", HOOK_ARGS(c));
        if (pid == 0)
                hook_child(hook, in_r, out_w, ep_w);
        close(steal_fd(&in_r));
        close(steal_fd(&ep_w));
        close(steal_fd(&out_w));

        /* exec closes the error pipe; an errno arrives only if the child failed before. */
        int child_errno = 0;
        ssize_t n;
        while ((n = read(ep_r, &child_errno, sizeof(child_errno))) < 0 && errno == EINTR)
                ;
        if (n != 0) {
                int e = n == (ssize_t)sizeof(child_errno) ? child_errno : (n < 0 ? errno : EIO);
                kill_and_reap(pid);
                return zone_err_sys(err, -e, HOOK_FMT ": exec", HOOK_ARGS(c));
        }
        struct hook_out out = {0};
        _cleanup_err_ struct zone_err *e = NULL;
        r = hook_wait(c, pid, steal_fd(&in_w), data, len, out_r, &out, hook, &e);
        if (r == 0) {
                /* A hook that did its work only has its output passed on. */
                if (out.len && fcntl(STDERR_FILENO, F_GETFD) >= 0)
                        (void)write_no_sigpipe(STDERR_FILENO, out.buf, out.len);
        } else {
                /* A failing hook's words are the error's, on its one line (runc puts them in
                 * its error too): "KIND hook I (PATH): exited with status N: what it said". */
                _cleanup_free_ char *line = out_line(&out);
                if (line)
                        zone_err_set(err, r, "%s: %s", e ? e->msg : "failed", line);
                else if (err && !*err)
                        *err = steal_pointer(&e);
        }
        free(out.buf);
        return r;
}

int zone_hooks_run(enum zone_hook_kind kind, const struct zone_spec_hook *hooks, size_t n,
                   const char *state_json, const struct zone_log *log, struct zone_err **err)
{
        const char *name = zone_hook_kind_name(kind);
        /* The spec lets poststart and poststop failures only warn, and the remaining hooks
         * still run; the first failure is returned for the caller to report. */
        bool keep_going = kind == ZONE_HOOK_POSTSTART || kind == ZONE_HOOK_POSTSTOP;
        int first = 0;
        for (size_t i = 0; i < n; i++) {
                struct hook_ctx c = {.kind = name, .index = i, .path = hooks[i].path};
                zone_debug(log, "running %s hook %zu: %s", name, i,
                           hooks[i].path ? hooks[i].path : "(none)");
                struct zone_err *e = NULL;
                int r = hook_run(&c, &hooks[i], state_json, &e);
                if (r == 0) {
                        zone_debug(log, "%s hook %zu finished", name, i);
                        continue;
                }
                if (!keep_going) {
                        if (err && !*err)
                                *err = e;
                        else
                                zone_err_free(e);
                        return r;
                }
                zone_warn(log, "%s", e ? e->msg : "hook failed");
                if (first == 0 && err && !*err)
                        *err = steal_pointer(&e);
                if (first == 0)
                        first = r;
                zone_err_free(e);
        }
        return first;
}
