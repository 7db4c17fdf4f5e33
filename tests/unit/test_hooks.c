/* Unit tests for OCI hook execution, with /bin/sh hooks written to a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "util.h"
#include "hooks/hooks.h"

static char dir[64];

static int setup(void **ts)
{
        strcpy(dir, "/tmp/zone-test-hooks-XXXXXX");
        assert_non_null(mkdtemp(dir));
        return 0;
}

static int teardown(void **ts)
{
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
        return 0;
}

/* dir/name, in a static rotation of buffers so several can be alive in one expression. */
static const char *at(const char *name)
{
        static char bufs[8][256];
        static int next;
        char *b = bufs[next++ % 8];
        snprintf(b, 256, "%s/%s", dir, name);
        return b;
}

/* Writes an executable /bin/sh script; "%" in body is replaced by the temporary directory. */
static const char *script(const char *name, const char *body)
{
        const char *path = at(name);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs("#!/bin/sh\n", f);
        for (const char *p = body; *p; p++) {
                if (*p == '%')
                        fputs(dir, f);
                else
                        fputc(*p, f);
        }
        fputc('\n', f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(chmod(path, 0755), 0);
        return path;
}

static char *slurp(const char *name)
{
        char *text = NULL;
        assert_int_equal(read_file_at(AT_FDCWD, at(name), 64 << 20, &text, NULL), 0);
        return text;
}

static struct zone_spec_hook hook(const char *path)
{
        struct zone_spec_hook h = {.path = (char *)path};
        return h;
}

static void expect_err(int r, struct zone_err **err, int code, const char *msg)
{
        assert_int_equal(r, code);
        assert_non_null(*err);
        assert_int_equal((*err)->code, code);
        assert_string_equal((*err)->msg, msg);
        zone_err_free(*err);
        *err = NULL;
}

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_kind_names(void **ts)
{
        assert_string_equal(zone_hook_kind_name(ZONE_HOOK_PRESTART), "prestart");
        assert_string_equal(zone_hook_kind_name(ZONE_HOOK_CREATE_RUNTIME), "createRuntime");
        assert_string_equal(zone_hook_kind_name(ZONE_HOOK_CREATE_CONTAINER), "createContainer");
        assert_string_equal(zone_hook_kind_name(ZONE_HOOK_START_CONTAINER), "startContainer");
        assert_string_equal(zone_hook_kind_name(ZONE_HOOK_POSTSTART), "poststart");
        assert_string_equal(zone_hook_kind_name(ZONE_HOOK_POSTSTOP), "poststop");
}

static void test_state_on_stdin(void **ts)
{
        struct zone_err *err = NULL;
        struct zone_spec_hook h = hook(script("cat.sh", "cat > %/got"));
        const char *state = "{\"ociVersion\":\"1.2.0\",\"id\":\"x\",\"status\":\"creating\"}";
        assert_int_equal(zone_hooks_run(ZONE_HOOK_CREATE_RUNTIME, &h, 1, state, NULL, &err), 0);
        assert_null(err);
        char *got = slurp("got");
        assert_string_equal(got, state);
        free(got);

        /* Bigger than any pipe buffer: written while the hook reads. */
        size_t big_len = 3 << 20;
        char *big = malloc(big_len + 1);
        assert_non_null(big);
        for (size_t i = 0; i < big_len; i++)
                big[i] = (char)('a' + i % 26);
        big[big_len] = '\0';
        assert_int_equal(zone_hooks_run(ZONE_HOOK_CREATE_RUNTIME, &h, 1, big, NULL, &err), 0);
        got = slurp("got");
        assert_int_equal(strlen(got), big_len);
        assert_true(memcmp(got, big, big_len) == 0);
        free(got);

        /* A hook that does not read its stdin still succeeds, and we survive SIGPIPE. */
        struct zone_spec_hook quiet = hook(script("quiet.sh", "exit 0"));
        assert_int_equal(zone_hooks_run(ZONE_HOOK_PRESTART, &quiet, 1, big, NULL, &err), 0);
        assert_null(err);
        free(big);
}

static void test_args_env(void **ts)
{
        struct zone_err *err = NULL;
        struct zone_spec_hook h = hook(script("args.sh", "for a in \"$@\"; do echo \"[$a]\"; "
                                                         "done > %/args\nenv > %/env"));
        char *args[] = {"ignored-argv0", "one", "two words", NULL};
        char *env[] = {"FOO=bar", "ZONE_TEST=1", NULL};
        h.args = args;
        h.env = env;
        assert_int_equal(zone_hooks_run(ZONE_HOOK_POSTSTART, &h, 1, "{}", NULL, &err), 0);
        char *got = slurp("args");
        assert_string_equal(got, "[one]\n[two words]\n");
        free(got);
        got = slurp("env");
        assert_non_null(strstr(got, "FOO=bar\n"));
        assert_non_null(strstr(got, "ZONE_TEST=1\n"));
        /* Nothing of the runtime's own environment leaks in. */
        assert_null(strstr(got, "HOME="));
        free(got);

        /* No env given: an empty environment. */
        h.env = NULL;
        assert_int_equal(zone_hooks_run(ZONE_HOOK_POSTSTART, &h, 1, "{}", NULL, &err), 0);
        got = slurp("env");
        assert_null(strstr(got, "FOO="));
        assert_null(strstr(got, "HOME="));
        free(got);

        /* No args: argv[0] is the path (sh reads its commands from the state pipe here). */
        struct zone_spec_hook bin = hook("/bin/sh");
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "echo \"$0\" > %s", at("argv0"));
        assert_int_equal(zone_hooks_run(ZONE_HOOK_POSTSTART, &bin, 1, cmd, NULL, &err), 0);
        got = slurp("argv0");
        assert_string_equal(got, "/bin/sh\n");
        free(got);
}

/* The hook starts clean: own session, no inherited fds, default signal state. */
static void test_child_setup(void **ts)
{
        struct zone_err *err = NULL;
        int leak = open("/dev/null", O_RDONLY); /* deliberately not O_CLOEXEC */
        assert_true(leak >= 3);
        char body[512];
        snprintf(body, sizeof(body),
                 /* Builtins only until the masks are read: the shell blocks signals
                  * around its own waits for children. */
                 "while read -r k v; do case $k in SigBlk:|SigIgn:) echo \"$k $v\";; esac; "
                 "done < /proc/$$/status > %%/sig\n"
                 "[ -e /proc/$$/fd/%d ] && exit 10\n"
                 "set -- $(cat /proc/$$/stat)\n"
                 "[ \"$6\" = \"$$\" ] || exit 11\n"
                 "exit 0",
                 leak);
        struct zone_spec_hook h = hook(script("setup.sh", body));
        char *env[] = {"PATH=/usr/bin:/bin", NULL};
        h.env = env;
        sigset_t usr1, old;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        assert_int_equal(sigprocmask(SIG_BLOCK, &usr1, &old), 0);
        struct sigaction ign = {.sa_handler = SIG_IGN}, old_term;
        assert_int_equal(sigaction(SIGTERM, &ign, &old_term), 0);
        int r = zone_hooks_run(ZONE_HOOK_CREATE_CONTAINER, &h, 1, "{}", NULL, &err);
        sigprocmask(SIG_SETMASK, &old, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        close(leak);
        if (err) {
                char msg[512];
                snprintf(msg, sizeof(msg), "%s", err->msg);
                zone_err_free(err);
                fail_msg("%s", msg);
        }
        assert_int_equal(r, 0);
        char *got = slurp("sig");
        assert_string_equal(got, "SigBlk: 0000000000000000\nSigIgn: 0000000000000000\n");
        free(got);
}

/* The hook's stdout and stderr both go to the runtime's stderr. */
static void test_output_goes_to_stderr(void **ts)
{
        struct zone_err *err = NULL;
        struct zone_spec_hook h = hook(script("talk.sh", "echo to-out\necho to-err >&2"));
        int out = open(at("out"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        int errf = open(at("err"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(out >= 0 && errf >= 0);
        fflush(stdout);
        fflush(stderr);
        int saved1 = dup(1), saved2 = dup(2);
        assert_true(saved1 >= 0 && saved2 >= 0);
        assert_int_equal(dup2(out, 1), 1);
        assert_int_equal(dup2(errf, 2), 2);
        int r = zone_hooks_run(ZONE_HOOK_POSTSTART, &h, 1, "{}", NULL, &err);
        assert_int_equal(dup2(saved1, 1), 1);
        assert_int_equal(dup2(saved2, 2), 2);
        close(saved1);
        close(saved2);
        close(out);
        close(errf);
        assert_int_equal(r, 0);
        char *got = slurp("out");
        assert_string_equal(got, "");
        free(got);
        got = slurp("err");
        assert_string_equal(got, "to-out\nto-err\n");
        free(got);
}

static void test_failures(void **ts)
{
        struct zone_err *err = NULL;
        char msg[512];
        struct zone_spec_hook h = hook(script("three.sh", "exit 3"));
        snprintf(msg, sizeof(msg), "createRuntime hook 0 (%s): exited with status 3", h.path);
        expect_err(zone_hooks_run(ZONE_HOOK_CREATE_RUNTIME, &h, 1, "{}", NULL, &err), &err, -EIO,
                   msg);

        h = hook(script("kill.sh", "kill -9 $$"));
        snprintf(msg, sizeof(msg), "prestart hook 0 (%s): killed by signal 9", h.path);
        expect_err(zone_hooks_run(ZONE_HOOK_PRESTART, &h, 1, "{}", NULL, &err), &err, -EIO, msg);

        h = hook(at("missing"));
        snprintf(msg, sizeof(msg), "startContainer hook 0 (%s): exec: ENOENT", h.path);
        expect_err(zone_hooks_run(ZONE_HOOK_START_CONTAINER, &h, 1, "{}", NULL, &err), &err,
                   -ENOENT, msg);

        h = hook(script("noexec.sh", "exit 0"));
        assert_int_equal(chmod(h.path, 0644), 0);
        snprintf(msg, sizeof(msg), "createContainer hook 0 (%s): exec: EACCES", h.path);
        expect_err(zone_hooks_run(ZONE_HOOK_CREATE_CONTAINER, &h, 1, "{}", NULL, &err), &err,
                   -EACCES, msg);

        h = hook("relative/hook");
        expect_err(zone_hooks_run(ZONE_HOOK_PRESTART, &h, 1, "{}", NULL, &err), &err, -EINVAL,
                   "prestart hook 0 (relative/hook): path must be absolute");
}

/* A failing hook's output is in the error, on one line, and not on the runtime's stderr. */
static void test_failure_output_in_error(void **ts)
{
        struct zone_err *err = NULL;
        char msg[512];
        struct zone_spec_hook h =
            hook(script("say.sh", "echo 'first words ' >&2\necho\necho '  port 80 taken'\nexit 4"));
        int errf = open(at("err"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(errf >= 0);
        fflush(stderr);
        int saved2 = dup(2);
        assert_true(saved2 >= 0);
        assert_int_equal(dup2(errf, 2), 2);
        int r = zone_hooks_run(ZONE_HOOK_CREATE_RUNTIME, &h, 1, "{}", NULL, &err);
        assert_int_equal(dup2(saved2, 2), 2);
        close(saved2);
        close(errf);
        snprintf(msg, sizeof(msg),
                 "createRuntime hook 0 (%s): exited with status 4: first words; port 80 taken",
                 h.path);
        expect_err(r, &err, -EIO, msg);
        char *got = slurp("err");
        assert_string_equal(got, "");
        free(got);

        /* More than any pipe holds: read while it runs, its last words kept. */
        h = hook(script("chatty.sh", "i=0; while [ $i -lt 3000 ]; do echo \"line $i of a long "
                                     "story told by a hook\"; i=$((i+1)); done >&2\necho "
                                     "the-end\nexit 1"));
        r = zone_hooks_run(ZONE_HOOK_PRESTART, &h, 1, "{}", NULL, &err);
        assert_int_equal(r, -EIO);
        assert_non_null(err);
        assert_true(strlen(err->msg) < 1200);
        assert_non_null(strstr(err->msg, "exited with status 1: ..."));
        size_t len = strlen(err->msg);
        assert_string_equal(err->msg + len - strlen("; the-end"), "; the-end");
        zone_err_free(err);
}

static pid_t read_pid(const char *name)
{
        char *text = slurp(name);
        pid_t pid = (pid_t)atoi(text);
        free(text);
        assert_true(pid > 0);
        return pid;
}

static void test_timeout(void **ts)
{
        struct zone_err *err = NULL;
        char msg[512];
        /* Orphans of the hook come to us, so we can see how they ended. */
        assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
        struct zone_spec_hook h =
            hook(script("slow.sh", "sleep 10 &\necho $! > %/bg\necho $$ > %/fg\nexec sleep 10"));
        h.has_timeout = true;
        h.timeout = 1;
        snprintf(msg, sizeof(msg), "createRuntime hook 0 (%s): timed out after 1s", h.path);
        double t0 = now_s();
        expect_err(zone_hooks_run(ZONE_HOOK_CREATE_RUNTIME, &h, 1, "{}", NULL, &err), &err,
                   -ETIMEDOUT, msg);
        double took = now_s() - t0;
        assert_true(took >= 0.9);
        assert_true(took < 3.0);
        /* The hook itself was reaped by the runtime; its background sleep was killed too. */
        pid_t fg = read_pid("fg"), bg = read_pid("bg");
        assert_int_equal(kill(fg, 0), -1);
        assert_int_equal(errno, ESRCH);
        int status;
        assert_int_equal(waitpid(bg, &status, 0), bg);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGKILL);
        assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0), 0);

        /* A hook that never reads a state bigger than the pipe still times out. */
        size_t big_len = 2 << 20;
        char *big = malloc(big_len + 1);
        assert_non_null(big);
        memset(big, 'x', big_len);
        big[big_len] = '\0';
        h = hook("/bin/sleep");
        char *args[] = {"sleep", "10", NULL};
        h.args = args;
        h.has_timeout = true;
        h.timeout = 1;
        t0 = now_s();
        expect_err(zone_hooks_run(ZONE_HOOK_PRESTART, &h, 1, big, NULL, &err), &err, -ETIMEDOUT,
                   "prestart hook 0 (/bin/sleep): timed out after 1s");
        assert_true(now_s() - t0 < 3.0);
        free(big);
        /* And one that finishes in time is fine. */
        char *args2[] = {"sleep", "0.1", NULL};
        h.args = args2;
        assert_int_equal(zone_hooks_run(ZONE_HOOK_PRESTART, &h, 1, "{}", NULL, &err), 0);
}

/* Fatal kinds stop at the first failure; poststart/poststop run every hook. */
static void test_order_and_failure_policy(void **ts)
{
        struct zone_err *err = NULL;
        struct zone_spec_hook hs[3] = {
            hook(script("h0.sh", "printf 0 >> %/order")),
            hook(script("h1.sh", "printf 1 >> %/order; exit 3")),
            hook(script("h2.sh", "printf 2 >> %/order")),
        };
        char msg[512];
        snprintf(msg, sizeof(msg), "createRuntime hook 1 (%s): exited with status 3", hs[1].path);
        expect_err(zone_hooks_run(ZONE_HOOK_CREATE_RUNTIME, hs, 3, "{}", NULL, &err), &err, -EIO,
                   msg);
        char *got = slurp("order");
        assert_string_equal(got, "01");
        free(got);
        assert_int_equal(unlink(at("order")), 0);

        int logp[2];
        assert_int_equal(pipe2(logp, O_CLOEXEC | O_NONBLOCK), 0);
        struct zone_log log = {.fd = logp[1], .json = false, .level = ZONE_LOG_DEBUG};
        snprintf(msg, sizeof(msg), "poststop hook 1 (%s): exited with status 3", hs[1].path);
        expect_err(zone_hooks_run(ZONE_HOOK_POSTSTOP, hs, 3, "{}", &log, &err), &err, -EIO, msg);
        got = slurp("order");
        assert_string_equal(got, "012");
        free(got);
        char buf[8192];
        ssize_t n = read(logp[0], buf, sizeof(buf) - 1);
        assert_true(n > 0);
        buf[n] = '\0';
        char want[512];
        snprintf(want, sizeof(want), "running poststop hook 2: %s", hs[2].path);
        assert_non_null(strstr(buf, want));
        assert_non_null(strstr(buf, msg)); /* the failure was logged as a warning */
        close(logp[0]);
        close(logp[1]);

        /* No hooks: nothing to do. */
        assert_int_equal(zone_hooks_run(ZONE_HOOK_PRESTART, NULL, 0, "{}", NULL, &err), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_kind_names),
            cmocka_unit_test_setup_teardown(test_state_on_stdin, setup, teardown),
            cmocka_unit_test_setup_teardown(test_args_env, setup, teardown),
            cmocka_unit_test_setup_teardown(test_child_setup, setup, teardown),
            cmocka_unit_test_setup_teardown(test_output_goes_to_stderr, setup, teardown),
            cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
            cmocka_unit_test_setup_teardown(test_failure_output_in_error, setup, teardown),
            cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
            cmocka_unit_test_setup_teardown(test_order_and_failure_policy, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
