/* linux.seccomp: what compile rejects, the filter cache (hits, tampered and unsafe records),
 * and filters loaded in forked children (errno, argument conditions, kill, x32, notify).
 * Runs as root: records must be root-owned and the loads use CAP_SYS_ADMIN instead of NNP. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "err.h"
#include "light/seccomp.h"
#include "light/seccomp_cache.h"
#include "log.h"
#include "spec.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/seccomp.h>

#define X32_BIT 0x40000000L

/* Parses a config whose linux.seccomp is `json`. */
static struct zone_spec *parse(const char *json)
{
        char *text = NULL;
        assert_true(asprintf(&text,
                             "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\"}, "
                             "\"linux\": {\"seccomp\": %s}}",
                             json) > 0);
        struct zone_spec *s = NULL;
        struct zone_err *err = NULL;
        int r = zone_spec_parse(text, strlen(text), "config.json", &s, &err);
        if (r < 0)
                fail_msg("parse: %s\n%s", err ? err->msg : "?", text);
        free(text);
        return s;
}

/* A debug logger writing into a memfd the test reads back. */
static void log_open(struct zone_log *log)
{
        *log = (struct zone_log){.fd = memfd_create("log", MFD_CLOEXEC), .level = ZONE_LOG_DEBUG};
        assert_true(log->fd >= 0);
}

/* Returns what was logged since the last call (caller frees) and empties the log. */
static char *log_take(struct zone_log *log)
{
        off_t end = lseek(log->fd, 0, SEEK_CUR);
        assert_true(end >= 0);
        char *buf = calloc(1, (size_t)end + 1);
        assert_non_null(buf);
        assert_int_equal(pread(log->fd, buf, (size_t)end, 0), end);
        assert_int_equal(ftruncate(log->fd, 0), 0);
        assert_int_equal(lseek(log->fd, 0, SEEK_SET), 0);
        return buf;
}

static struct light_seccomp *compile_ok(const char *json, const char *cache_dir,
                                        struct zone_log *log)
{
        struct zone_spec *spec = parse(json);
        struct light_seccomp *s = NULL;
        struct zone_err *err = NULL;
        int r = light_seccomp_compile(&spec->linux.seccomp, cache_dir, log, &s, &err);
        if (r < 0)
                fail_msg("compile: %s", err ? err->msg : "?");
        assert_non_null(s);
        zone_spec_free(spec);
        return s;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static void rm_rf(const char *path)
{
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- compile errors ---- */

static void test_compile_errors(void **state)
{
        static const struct {
                const char *json, *msg;
        } cases[] = {
            {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", "
             "\"SCMP_ARCH_Z80\"]}",
             "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\""},
            {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_x86_64\"]}",
             "linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_x86_64\""},
            {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"x86_64\"]}",
             "linux.seccomp.architectures[0]: unknown architecture \"x86_64\""},
            {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", "
             "\"SECCOMP_FILTER_FLAG_FAST\"]}",
             "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_FAST\""},
            {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
             "\"action\": \"SCMP_ACT_ERRNO\"}, {\"names\": [\"mmap\"], \"action\": "
             "\"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
             "\"SCMP_CMP_EQ\"}, {\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": "
             "2, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 3, \"value\": 1, \"op\": "
             "\"SCMP_CMP_EQ\"}, {\"index\": 4, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": "
             "5, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 0, \"value\": 2, \"op\": "
             "\"SCMP_CMP_EQ\"}]}]}",
             "linux.seccomp.syscalls[1].args: at most 6 conditions"},
            {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
             "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": "
             "\"SCMP_CMP_EQ\"}]}]}",
             "linux.seccomp.syscalls[0].args[0].index: 6 is not an argument index (0 to 5)"},
            {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
             "\"action\": \"SCMP_ACT_NOTIFY\"}]}",
             "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath"},
            {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"listenerPath\": \"/run/l.sock\"}",
             "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"},
            {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
             "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 70000}]}",
             "linux.seccomp.syscalls[0].errnoRet: out of range (0 to 65535)"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct zone_spec *spec = parse(cases[i].json);
                struct light_seccomp *s = NULL;
                _cleanup_err_ struct zone_err *err = NULL;
                int r = light_seccomp_compile(&spec->linux.seccomp, NULL, NULL, &s, &err);
                assert_int_equal(r, -EINVAL);
                assert_null(s);
                assert_non_null(err);
                assert_string_equal(err->msg, cases[i].msg);
                zone_spec_free(spec);
        }
}

static void test_absent_is_null(void **state)
{
        struct zone_spec_seccomp sc = {0};
        struct light_seccomp *s = (void *)1;
        struct zone_err *err = NULL;
        assert_int_equal(light_seccomp_compile(&sc, NULL, NULL, &s, &err), 0);
        assert_null(s);
        assert_false(light_seccomp_wants_listener(NULL));
        assert_int_equal(light_seccomp_load(NULL, -1, NULL, &err), 0);
        assert_null(err);
}

/* Unknown syscall names are skipped, as other runtimes do (profiles name newer syscalls). */
static void test_unknown_syscall_skipped(void **state)
{
        struct zone_log log;
        log_open(&log);
        struct light_seccomp *s =
            compile_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                       "[\"no_such_syscall\", \"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
                       NULL, &log);
        char *out = log_take(&log);
        assert_non_null(strstr(out, "unknown syscall \"no_such_syscall\", skipped"));
        assert_true(s->n_insns > 0);
        free(out);
        light_seccomp_free(s);
        close(log.fd);
}

/* ---- the cache ---- */

#define DENY_GETCWD                                                                                \
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\"], "      \
        "\"syscalls\": [{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": "  \
        "95}]}"

struct cache_fixture {
        char root[64];
        char dir[96];
        char record[256];
        struct zone_log log;
        struct light_seccomp *first;
};

static int cache_setup(void **state)
{
        struct cache_fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        strcpy(f->root, "/tmp/test-seccomp-XXXXXX");
        assert_non_null(mkdtemp(f->root));
        snprintf(f->dir, sizeof(f->dir), "%s/.seccomp", f->root);
        log_open(&f->log);
        f->first = compile_ok(DENY_GETCWD, f->dir, &f->log);
        struct zone_spec *spec = parse(DENY_GETCWD);
        uint8_t key[LIGHT_SECCOMP_KEY_SIZE];
        assert_int_equal(light_seccomp_cache_key(&spec->linux.seccomp, key), 0);
        zone_spec_free(spec);
        char name[2 * LIGHT_SECCOMP_KEY_SIZE + 5];
        light_seccomp_cache_name(key, name);
        snprintf(f->record, sizeof(f->record), "%s/%s", f->dir, name);
        *state = f;
        return 0;
}

static int cache_teardown(void **state)
{
        struct cache_fixture *f = *state;
        rm_rf(f->root);
        light_seccomp_free(f->first);
        close(f->log.fd);
        free(f);
        return 0;
}

/* Compiles DENY_GETCWD again and checks the result is the first one's; returns the log. */
static char *compile_again(struct cache_fixture *f)
{
        struct light_seccomp *s = compile_ok(DENY_GETCWD, f->dir, &f->log);
        assert_int_equal(s->n_insns, f->first->n_insns);
        assert_memory_equal(s->insns, f->first->insns, s->n_insns * sizeof(*s->insns));
        light_seccomp_free(s);
        return log_take(&f->log);
}

static void test_cache_miss_then_hit(void **state)
{
        struct cache_fixture *f = *state;
        char *out = log_take(&f->log);
        assert_non_null(strstr(out, "seccomp cache miss"));
        assert_non_null(strstr(out, "seccomp cache stored"));
        free(out);

        struct stat st;
        assert_int_equal(stat(f->dir, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
        assert_int_equal(stat(f->record, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_true(S_ISREG(st.st_mode));

        out = compile_again(f);
        assert_non_null(strstr(out, "seccomp cache hit"));
        assert_null(strstr(out, "stored"));
        free(out);

        /* A different config is a different record. */
        struct light_seccomp *other = compile_ok(
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\"], "
            "\"syscalls\": [{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\", "
            "\"errnoRet\": 94}]}",
            f->dir, &f->log);
        out = log_take(&f->log);
        assert_non_null(strstr(out, "seccomp cache miss"));
        free(out);
        light_seccomp_free(other);
}

/* Flips one byte at offset off of the record. */
static void flip_byte(const char *path, off_t off)
{
        int fd = open(path, O_RDWR);
        assert_true(fd >= 0);
        unsigned char c;
        assert_int_equal(pread(fd, &c, 1, off), 1);
        c ^= 0x01;
        assert_int_equal(pwrite(fd, &c, 1, off), 1);
        close(fd);
}

static void expect_rejected(struct cache_fixture *f, const char *why)
{
        char *out = compile_again(f);
        if (!strstr(out, why) || !strstr(out, "removed, recompiling") ||
            !strstr(out, "seccomp cache stored"))
                fail_msg("expected \"%s\" in:\n%s", why, out);
        assert_null(strstr(out, "cache hit"));
        free(out);
        /* Rewritten: the next compile hits again. */
        out = compile_again(f);
        assert_non_null(strstr(out, "seccomp cache hit"));
        free(out);
}

static void test_cache_tampered(void **state)
{
        struct cache_fixture *f = *state;
        free(log_take(&f->log));
        struct stat st;
        assert_int_equal(stat(f->record, &st), 0);
        flip_byte(f->record, st.st_size / 2); /* an instruction */
        expect_rejected(f, "checksum mismatch");
        flip_byte(f->record, 0); /* the magic */
        expect_rejected(f, "bad magic");
        flip_byte(f->record, st.st_size - 1); /* the checksum itself */
        expect_rejected(f, "checksum mismatch");

        /* Cut short. */
        assert_int_equal(truncate(f->record, st.st_size - 8), 0);
        expect_rejected(f, "size does not match");
}

static void test_cache_owner_mode(void **state)
{
        struct cache_fixture *f = *state;
        free(log_take(&f->log));
        assert_int_equal(chmod(f->record, 0644), 0);
        expect_rejected(f, "mode is not 0600");
        assert_int_equal(chown(f->record, 1000, 1000), 0);
        expect_rejected(f, "not owned by root");

        /* A symlink in its place is not followed. */
        assert_int_equal(unlink(f->record), 0);
        assert_int_equal(symlink("/etc/passwd", f->record), 0);
        char *out = compile_again(f);
        assert_non_null(strstr(out, "seccomp cache miss"));
        free(out);
        struct stat st;
        assert_int_equal(lstat(f->record, &st), 0);
        assert_true(S_ISREG(st.st_mode));
}

/* A directory others can write to is not used at all. */
static void test_cache_dir_unsafe(void **state)
{
        struct cache_fixture *f = *state;
        free(log_take(&f->log));
        assert_int_equal(unlink(f->record), 0);
        assert_int_equal(chmod(f->dir, 0777), 0);
        char *out = compile_again(f);
        assert_non_null(strstr(out, "not root-only; compiling without cache"));
        free(out);
        struct stat st;
        assert_int_equal(stat(f->record, &st), -1);

        assert_int_equal(chmod(f->dir, 0700), 0);
        assert_int_equal(chown(f->dir, 1000, 1000), 0);
        out = compile_again(f);
        assert_non_null(strstr(out, "owned by uid 1000"));
        free(out);
        assert_int_equal(stat(f->record, &st), -1);
}

/* ---- loading, in children ---- */

typedef int (*child_fn)(void);

/* Loads the filter in a fresh child, runs fn there; returns the child's wait status. */
static int run_filtered(const struct light_seccomp *s, child_fn fn)
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct zone_err *err = NULL;
                /* cmocka catches SIGSYS; a zone's process starts with it at the default. */
                signal(SIGSYS, SIG_DFL);
                if (light_seccomp_load(s, -1, NULL, &err) < 0)
                        _exit(100);
                /* Straight to exit_group: ASan's _exit runs a leak check that needs syscalls
                 * a strict filter refuses, and would turn the status into its own. */
                syscall(SYS_exit_group, fn());
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        return status;
}

static void assert_exit(int status, int code)
{
        if (!WIFEXITED(status))
                fail_msg("child did not exit: status %#x", status);
        assert_int_equal(WEXITSTATUS(status), code);
}

static int call_getcwd(void)
{
        char buf[256];
        long r = syscall(SYS_getcwd, buf, sizeof(buf));
        if (r >= 0)
                return 1;
        return errno == EOPNOTSUPP ? 0 : 2;
}

static void test_load_errno(void **state)
{
        struct light_seccomp *s = compile_ok(DENY_GETCWD, NULL, NULL);
        assert_exit(run_filtered(s, call_getcwd), 0);
        light_seccomp_free(s);
}

static int call_personality(void)
{
        /* 0xffffffff only queries; anything else is refused by the filter. */
        if (personality(0xffffffff) < 0)
                return 1;
        if (personality(PER_LINUX) != -1 || errno != EPERM)
                return 2;
        if (personality(PER_LINUX32) != -1 || errno != EPERM)
                return 3;
        return 0;
}

static void test_load_arg_filter(void **state)
{
        struct light_seccomp *s = compile_ok(
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
            "[\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, "
            "\"value\": 4294967295, \"op\": \"SCMP_CMP_NE\"}]}]}",
            NULL, NULL);
        assert_exit(run_filtered(s, call_personality), 0);
        light_seccomp_free(s);
}

static int call_personality_or(void)
{
        if (personality(0xffffffff) < 0)
                return 1;
        if (personality(PER_LINUX32) != -1 || errno != EPERM)
                return 2;
        if (personality(PER_LINUX32_3GB) != -1 || errno != EPERM)
                return 3;
        if (personality(PER_LINUX) < 0)
                return 4;
        return 0;
}

/* Two conditions on the same argument: either one matching is enough (runc's OR). */
static void test_load_same_arg_is_or(void **state)
{
        char json[512];
        snprintf(json, sizeof(json),
                 "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                 "[\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, "
                 "\"value\": %d, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 0, \"value\": %d, \"op\": "
                 "\"SCMP_CMP_EQ\"}]}]}",
                 PER_LINUX32, PER_LINUX32_3GB);
        struct light_seccomp *s = compile_ok(json, NULL, NULL);
        assert_exit(run_filtered(s, call_personality_or), 0);
        light_seccomp_free(s);
}

static int call_masked(void)
{
        /* mask 0xff00 == 0x0300: flags 0x0300..0x03ff are refused. */
        char buf[8];
        if (syscall(SYS_getrandom, buf, sizeof(buf), 0x0300) != -1 || errno != ENOTTY)
                return 1;
        if (syscall(SYS_getrandom, buf, sizeof(buf), 0) != (long)sizeof(buf))
                return 2;
        return 0;
}

static void test_load_masked_eq(void **state)
{
        struct light_seccomp *s = compile_ok(
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getrandom\"], "
            "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 25, \"args\": [{\"index\": 2, "
            "\"value\": 65280, \"valueTwo\": 768, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}",
            NULL, NULL);
        assert_exit(run_filtered(s, call_masked), 0);
        light_seccomp_free(s);
}

static int call_getpid(void)
{
        syscall(SYS_getpid);
        return 0;
}

static void test_load_default_kill(void **state)
{
        struct light_seccomp *s =
            compile_ok("{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\"}", NULL, NULL);
        int status = run_filtered(s, call_getpid);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGSYS);
        light_seccomp_free(s);

        s = compile_ok("{\"defaultAction\": \"SCMP_ACT_KILL\"}", NULL, NULL);
        status = run_filtered(s, call_getpid);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGSYS);
        light_seccomp_free(s);
}

/* An x32 system call: the number with __X32_SYSCALL_BIT, through the 64-bit entry. */
static long x32_syscall1(long nr, long a0, long a1)
{
        long ret;
        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "a"(nr | X32_BIT), "D"(a0), "S"(a1)
                         : "rcx", "r11", "memory");
        return ret;
}

static int call_x32_getcwd(void)
{
        char buf[256];
        /* x32 getcwd is 79, as on x86_64. Without the filter this kernel says ENOSYS (no
         * x32 support) or runs it; with it, the rule's errno must come back. */
        long r = x32_syscall1(79, (long)buf, sizeof(buf));
        return r == -EOPNOTSUPP ? 0 : 1;
}

static void test_load_x32_denylist(void **state)
{
#if defined(__x86_64__)
        struct light_seccomp *s = compile_ok(DENY_GETCWD, NULL, NULL);
        assert_exit(run_filtered(s, call_x32_getcwd), 0);
        light_seccomp_free(s);
#else
        print_message("skipped: x32 exists only on x86_64\n");
        skip();
#endif
}

static int call_x32_getppid(void)
{
        /* getpid is allowed, natively and (then running, or ENOSYS on kernels without x32)
         * through x32; getppid is in no list, so both entry points get the default errno. */
        if (syscall(SYS_getpid) < 0)
                return 10 + errno;
        if (syscall(SYS_getppid) != -1 || errno != EACCES)
                return 2;
        long r = x32_syscall1(39, 0, 0);
        if (r == -EACCES)
                return 3;
        r = x32_syscall1(110, 0, 0);
        return r == -EACCES ? 0 : 4;
}

static void test_load_x32_allowlist(void **state)
{
#if defined(__x86_64__)
        /* An allowlist naming amd64 only is still enforced on the x32 entry point: the x32
         * companion arch sends an x32 call outside the list to the default action. */
        struct light_seccomp *s = compile_ok(
            "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 13, \"architectures\": "
            "[\"SCMP_ARCH_X86_64\"], \"syscalls\": [{\"names\": [\"getpid\", \"exit_group\", "
            "\"exit\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
            NULL, NULL);
        assert_exit(run_filtered(s, call_x32_getppid), 0);
        light_seccomp_free(s);
#else
        print_message("skipped: x32 exists only on x86_64\n");
        skip();
#endif
}

/* ---- flags ---- */

static void test_flags_kept(void **state)
{
        struct zone_log log;
        log_open(&log);
        struct light_seccomp *s = compile_ok(
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", "
            "\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\", "
            "\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"], \"syscalls\": [{\"names\": "
            "[\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 95}]}",
            NULL, &log);
        char *out = log_take(&log);
        /* Without notify rules the killable-wait flag means nothing and the kernel refuses
         * it; the others this kernel has. */
        assert_non_null(
            strstr(out, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV without SCMP_ACT_NOTIFY rules"));
        assert_int_equal(s->load_flags, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
                                            SECCOMP_FILTER_FLAG_SPEC_ALLOW);
        assert_exit(run_filtered(s, call_getcwd), 0);
        free(out);
        light_seccomp_free(s);
        close(log.fd);
}

/* ---- the listener ---- */

static void test_process_state(void **state)
{
        struct zone_spec *spec = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", "
                                       "\"listenerMetadata\": \"m\\\"x\"}");
        char *doc = NULL;
        _cleanup_err_ struct zone_err *err = NULL;
        assert_int_equal(light_seccomp_process_state(&spec->linux.seccomp,
                                                     "{\"ociVersion\":\"1.2.0\",\"id\":\"z\"}", 42,
                                                     &doc, &err),
                         0);
        assert_string_equal(doc, "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":42,"
                                 "\"metadata\":\"m\\\"x\",\"state\":{\"ociVersion\":\"1.2.0\","
                                 "\"id\":\"z\"}}");
        free(doc);

        assert_int_equal(
            light_seccomp_process_state(&spec->linux.seccomp, "{\"id\": ", 42, &doc, &err),
            -EINVAL);
        assert_null(doc);
        assert_string_equal(err->msg, "seccomp listener state: not a JSON object");
        zone_spec_free(spec);
}

static void test_listener_connect_errors(void **state)
{
        struct zone_spec *spec = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": "
                                       "\"/nonexistent/seccomp.sock\", \"syscalls\": [{\"names\": "
                                       "[\"getcwd\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}");
        struct light_seccomp *s = NULL;
        _cleanup_err_ struct zone_err *err = NULL;
        assert_int_equal(light_seccomp_compile(&spec->linux.seccomp, NULL, NULL, &s, &err), 0);
        assert_true(light_seccomp_wants_listener(s));
        assert_int_equal(light_seccomp_listener_connect(&spec->linux.seccomp, s, &err), -ENOENT);
        assert_string_equal(
            err->msg, "linux.seccomp.listenerPath /nonexistent/seccomp.sock: connect: ENOENT");
        /* Loading notify rules with no listener is refused, not left to hang. */
        zone_err_free(err);
        err = NULL;
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct zone_err *e = NULL;
                int r = light_seccomp_load(s, -1, "{}", &e);
                _exit(r == -EINVAL && strstr(e->msg, "need a listener") ? 0 : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_exit(status, 0);
        light_seccomp_free(s);
        zone_spec_free(spec);

        /* No notify rules: no listener, even with a path. */
        spec = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/x\"}");
        assert_int_equal(light_seccomp_compile(&spec->linux.seccomp, NULL, NULL, &s, &err), 0);
        assert_false(light_seccomp_wants_listener(s));
        assert_int_equal(light_seccomp_listener_connect(&spec->linux.seccomp, s, &err), -1);
        assert_null(err);
        light_seccomp_free(s);
        zone_spec_free(spec);
}

static void notify_with_flags(const char *flags)
{
        char dir[] = "/tmp/test-seccomp-XXXXXX";
        assert_non_null(mkdtemp(dir));
        char path[128];
        snprintf(path, sizeof(path), "%s/listener.sock", dir);
        char json[512];
        snprintf(json, sizeof(json),
                 "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"%s\", "
                 "\"listenerMetadata\": \"meta-x\", \"flags\": [%s], \"syscalls\": [{\"names\": "
                 "[\"getcwd\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
                 path, flags);
        struct zone_spec *spec = parse(json);
        struct light_seccomp *s = NULL;
        _cleanup_err_ struct zone_err *err = NULL;
        assert_int_equal(light_seccomp_compile(&spec->linux.seccomp, NULL, NULL, &s, &err), 0);

        /* The listener: a unix socket the "host side" connects to. */
        int lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(lsock >= 0);
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        strcpy(addr.sun_path, path);
        assert_int_equal(bind(lsock, (struct sockaddr *)&addr, sizeof(addr)), 0);
        assert_int_equal(listen(lsock, 1), 0);
        int conn = light_seccomp_listener_connect(&spec->linux.seccomp, s, &err);
        assert_true(conn >= 0);
        int peer = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
        assert_true(peer >= 0);

        char *doc = NULL;
        assert_int_equal(light_seccomp_process_state(&spec->linux.seccomp,
                                                     "{\"ociVersion\":\"1.2.0\",\"id\":\"z\"}",
                                                     1234, &doc, &err),
                         0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct zone_err *e = NULL;
                if (light_seccomp_load(s, conn, doc, &e) < 0)
                        _exit(100);
                close(conn);
                char buf[64];
                long r = syscall(SYS_getcwd, buf, sizeof(buf));
                _exit(r == 4242 ? 0 : 1);
        }
        close(conn);

        int nfd = -1;
        char msg[1024] = "";
        int n = recv_fd(peer, &nfd, msg, sizeof(msg) - 1);
        assert_true(n > 0);
        assert_true(nfd >= 0);
        assert_string_equal(msg, doc);
        assert_non_null(strstr(msg, "\"fds\":[\"seccompFd\"]"));
        assert_non_null(strstr(msg, "\"metadata\":\"meta-x\""));

        struct seccomp_notif req;
        memset(&req, 0, sizeof(req));
        assert_int_equal(ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
        assert_int_equal(req.pid, pid);
        assert_int_equal(req.data.nr, SYS_getcwd);
        struct seccomp_notif_resp resp = {.id = req.id, .val = 4242, .error = 0, .flags = 0};
        assert_int_equal(ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);

        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_exit(status, 0);

        close(nfd);
        close(peer);
        close(lsock);
        free(doc);
        light_seccomp_free(s);
        zone_spec_free(spec);
        rm_rf(dir);
}

static void test_notify(void **state)
{
        notify_with_flags("");
}

/* TSYNC with a listener needs TSYNC_ESRCH; the killable wait needs the listener. */
static void test_notify_flags(void **state)
{
        notify_with_flags("\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_LOG\", "
                          "\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"");
}

/* ---- other actions ---- */

static int call_getcwd_raw(void)
{
        char buf[64];
        long r = syscall(SYS_getcwd, buf, sizeof(buf));
        return r < 0 ? errno : 0;
}

static void test_other_actions(void **state)
{
        /* TRAP: SIGSYS, fatal by default. */
        struct light_seccomp *s = compile_ok(
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
            "\"action\": \"SCMP_ACT_TRAP\"}]}",
            NULL, NULL);
        int status = run_filtered(s, call_getcwd_raw);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGSYS);
        light_seccomp_free(s);

        /* TRACE with no tracer attached: the call fails with ENOSYS. */
        s = compile_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                       "[\"getcwd\"], \"action\": \"SCMP_ACT_TRACE\"}]}",
                       NULL, NULL);
        assert_exit(run_filtered(s, call_getcwd_raw), ENOSYS);
        light_seccomp_free(s);

        /* LOG: allowed (and logged by the kernel). */
        s = compile_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                       "[\"getcwd\"], \"action\": \"SCMP_ACT_LOG\"}]}",
                       NULL, NULL);
        assert_exit(run_filtered(s, call_getcwd_raw), 0);
        light_seccomp_free(s);

        /* A rule equal to the default is dropped (libseccomp refuses it), not an error. */
        s = compile_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, "
                       "\"syscalls\": [{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\", "
                       "\"errnoRet\": 1}, {\"names\": [\"getcwd\", \"exit_group\"], \"action\": "
                       "\"SCMP_ACT_ALLOW\"}]}",
                       NULL, NULL);
        assert_exit(run_filtered(s, call_getcwd_raw), 0);
        light_seccomp_free(s);
}

/* ---- the cache key ---- */

static void key_of(const char *json, uint8_t key[LIGHT_SECCOMP_KEY_SIZE])
{
        struct zone_spec *spec = parse(json);
        assert_int_equal(light_seccomp_cache_key(&spec->linux.seccomp, key), 0);
        zone_spec_free(spec);
}

/* Every field shapes the key; the same config gives the same key. */
static void test_cache_key(void **state)
{
        static const char *const configs[] = {
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}",
            "{\"defaultAction\": \"SCMP_ACT_ERRNO\"}",
            "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1}",
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": []}",
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86\"]}",
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"]}",
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/a\"}",
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerMetadata\": \"\"}",
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
            "\"action\": \"SCMP_ACT_ERRNO\"}]}",
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
            "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}]}",
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\", "
            "\"write\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"readwrite\"], "
            "\"action\": \"SCMP_ACT_ERRNO\"}]}",
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
            "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
            "\"SCMP_CMP_EQ\"}]}]}",
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
            "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, "
            "\"valueTwo\": 2, \"op\": \"SCMP_CMP_EQ\"}]}]}",
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
            "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 1, \"value\": 1, \"op\": "
            "\"SCMP_CMP_EQ\"}]}]}",
            "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
            "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
            "\"SCMP_CMP_NE\"}]}]}",
        };
        uint8_t keys[ARRAY_SIZE(configs)][LIGHT_SECCOMP_KEY_SIZE];
        for (size_t i = 0; i < ARRAY_SIZE(configs); i++) {
                key_of(configs[i], keys[i]);
                uint8_t again[LIGHT_SECCOMP_KEY_SIZE];
                key_of(configs[i], again);
                assert_memory_equal(keys[i], again, sizeof(again));
                for (size_t j = 0; j < i; j++)
                        if (memcmp(keys[i], keys[j], LIGHT_SECCOMP_KEY_SIZE) == 0)
                                fail_msg("same key for:\n%s\n%s", configs[i], configs[j]);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_compile_errors),
            cmocka_unit_test(test_absent_is_null),
            cmocka_unit_test(test_unknown_syscall_skipped),
            cmocka_unit_test_setup_teardown(test_cache_miss_then_hit, cache_setup, cache_teardown),
            cmocka_unit_test_setup_teardown(test_cache_tampered, cache_setup, cache_teardown),
            cmocka_unit_test_setup_teardown(test_cache_owner_mode, cache_setup, cache_teardown),
            cmocka_unit_test_setup_teardown(test_cache_dir_unsafe, cache_setup, cache_teardown),
            cmocka_unit_test(test_load_errno),
            cmocka_unit_test(test_load_arg_filter),
            cmocka_unit_test(test_load_same_arg_is_or),
            cmocka_unit_test(test_load_masked_eq),
            cmocka_unit_test(test_load_default_kill),
            cmocka_unit_test(test_load_x32_denylist),
            cmocka_unit_test(test_load_x32_allowlist),
            cmocka_unit_test(test_flags_kept),
            cmocka_unit_test(test_process_state),
            cmocka_unit_test(test_listener_connect_errors),
            cmocka_unit_test(test_notify),
            cmocka_unit_test(test_notify_flags),
            cmocka_unit_test(test_other_actions),
            cmocka_unit_test(test_cache_key),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
