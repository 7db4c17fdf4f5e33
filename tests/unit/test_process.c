/* The light backend's process setup. Every test that changes the process does it in a forked
 * child, which reports what it sees through a pipe; the test process itself stays unchanged.
 * Runs as root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "err.h"
#include "light/process.h"
#include "light/sync.h"
#include "light/trampoline.h"
#include "spec.h"
#include "util.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <linux/securebits.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CAP_BIT(n) (1ULL << (n))
/* cmocka's skip() takes no reason; say it first. */
#define SKIP(why)                                                                                  \
        do {                                                                                       \
                print_message("skipped: %s\n", why);                                               \
                skip();                                                                            \
        } while (0)
enum { CHOWN = 0, KILL = 5, NET_BIND_SERVICE = 10 };

/* A child's view, written to `out`. */
typedef void (*child_fn)(void *arg, int out);

/* Runs fn in a child; returns its output (NUL-terminated, at most len - 1 bytes) and asserts
 * that it exited 0. */
static void run_child(child_fn fn, void *arg, char *buf, size_t len)
{
        int fds[2];
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(fds[0]);
                fn(arg, fds[1]);
                _exit(0);
        }
        close(fds[1]);
        size_t got = 0;
        for (;;) {
                ssize_t n = read(fds[0], buf + got, len - 1 - got);
                if (n <= 0)
                        break;
                got += (size_t)n;
        }
        buf[got] = '\0';
        close(fds[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void report_err(int out, int r, struct zone_err *err)
{
        dprintf(out, "ERR %d %s", r, err ? err->msg : "(no message)");
}

/* The value of a /proc/self/status line ("CapBnd"), or "" when missing. */
static void status_field(const char *name, char *buf, size_t len)
{
        _cleanup_free_ char *text = NULL;
        buf[0] = '\0';
        if (read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, &text, NULL) < 0)
                return;
        size_t nlen = strlen(name);
        for (char *line = text; line && *line;) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = '\0';
                if (strncmp(line, name, nlen) == 0 && line[nlen] == ':') {
                        const char *v = line + nlen + 1;
                        while (*v == '\t' || *v == ' ')
                                v++;
                        snprintf(buf, len, "%s", v);
                        return;
                }
                line = nl ? nl + 1 : NULL;
        }
}

static unsigned long long status_caps(const char *name)
{
        char v[64];
        status_field(name, v, sizeof(v));
        return strtoull(v, NULL, 16);
}

/* ---- light_process_apply ---- */

static void apply_child(void *arg, int out)
{
        struct zone_err *err = NULL;
        int r = light_process_apply(arg, &err);
        if (r < 0)
                report_err(out, r, err);
        else
                dprintf(out, "OK");
        zone_err_free(err);
}

static void rlimits_child(void *arg, int out)
{
        struct zone_err *err = NULL;
        int r = light_process_apply(arg, &err);
        if (r < 0) {
                report_err(out, r, err);
                return;
        }
        struct rlimit nofile, core;
        getrlimit(RLIMIT_NOFILE, &nofile);
        getrlimit(RLIMIT_CORE, &core);
        mode_t m = umask(0);
        char cwd[256];
        if (!getcwd(cwd, sizeof(cwd)))
                snprintf(cwd, sizeof(cwd), "?");
        dprintf(out, "nofile=%llu/%llu core=%llu/%llu umask=%03o cwd=%s",
                (unsigned long long)nofile.rlim_cur, (unsigned long long)nofile.rlim_max,
                (unsigned long long)core.rlim_cur, (unsigned long long)core.rlim_max, (unsigned)m,
                cwd);
}

static void test_rlimits_umask_cwd(void **state)
{
        struct zone_spec_rlimit rl[] = {
            {.resource = RLIMIT_NOFILE, .name = "RLIMIT_NOFILE", .soft = 100, .hard = 200},
            {.resource = RLIMIT_CORE, .name = "RLIMIT_CORE", .soft = 0, .hard = 0},
        };
        struct zone_spec_process p = {.rlimits = rl, .n_rlimits = 2, .cwd = "/tmp"};
        p.user.has_umask = true;
        p.user.umask = 0027;
        char out[512];
        run_child(rlimits_child, &p, out, sizeof(out));
        assert_string_equal(out, "nofile=100/200 core=0/0 umask=027 cwd=/tmp");

        /* Without process.user.umask the umask is 0022, whatever the runtime had. */
        mode_t old = umask(0077);
        p.user.has_umask = false;
        run_child(rlimits_child, &p, out, sizeof(out));
        umask(old);
        assert_string_equal(out, "nofile=100/200 core=0/0 umask=022 cwd=/tmp");
}

static void test_rlimit_error_names_it(void **state)
{
        struct zone_spec_rlimit rl = {
            .resource = RLIMIT_NOFILE, .name = "RLIMIT_NOFILE", .soft = 300, .hard = 200};
        struct zone_spec_process p = {.rlimits = &rl, .n_rlimits = 1, .cwd = "/"};
        char out[512];
        run_child(apply_child, &p, out, sizeof(out));
        assert_string_equal(out, "ERR -22 process.rlimits: set RLIMIT_NOFILE to soft 300 hard 200: "
                                 "EINVAL");

        /* validate catches it before anything runs. */
        struct zone_err *err = NULL;
        char *args[] = {"true", NULL};
        p.args = args;
        assert_int_equal(light_process_validate(&p, &err), -EINVAL);
        assert_string_equal(err->msg, "process.rlimits: RLIMIT_NOFILE: soft limit 300 is above the "
                                      "hard limit 200");
        zone_err_free(err);
}

static void test_cwd_missing(void **state)
{
        struct zone_spec_process p = {.cwd = "/nonexistent-zone-test-dir"};
        char out[512];
        run_child(apply_child, &p, out, sizeof(out));
        assert_string_equal(out, "ERR -2 chdir to /nonexistent-zone-test-dir: ENOENT");
}

static void caps_child(void *arg, int out)
{
        struct zone_err *err = NULL;
        int r = light_process_apply(arg, &err);
        if (r < 0) {
                report_err(out, r, err);
                return;
        }
        uid_t ru, eu, su;
        gid_t rg, eg, sg;
        getresuid(&ru, &eu, &su);
        getresgid(&rg, &eg, &sg);
        gid_t groups[16];
        int ng = getgroups(16, groups);
        dprintf(out, "uid=%u/%u/%u gid=%u/%u/%u groups=", ru, eu, su, rg, eg, sg);
        for (int i = 0; i < ng; i++)
                dprintf(out, "%s%u", i ? "," : "", groups[i]);
        dprintf(out, " bnd=%llx eff=%llx prm=%llx inh=%llx amb=%llx nnp=", status_caps("CapBnd"),
                status_caps("CapEff"), status_caps("CapPrm"), status_caps("CapInh"),
                status_caps("CapAmb"));
        char nnp[16];
        status_field("NoNewPrivs", nnp, sizeof(nnp));
        dprintf(out, "%s", nnp);
}

static void test_bounding_set_dropped(void **state)
{
        char *kept[] = {"CAP_CHOWN", "CAP_KILL", NULL};
        struct zone_spec_process p = {.cwd = "/"};
        p.caps.present = true;
        p.caps.bounding = kept;
        p.caps.effective = kept;
        p.caps.permitted = kept;
        char out[512];
        run_child(caps_child, &p, out, sizeof(out));
        char want[256];
        unsigned long long set = CAP_BIT(CHOWN) | CAP_BIT(KILL);
        snprintf(want, sizeof(want),
                 "uid=0/0/0 gid=0/0/0 groups= bnd=%llx eff=%llx prm=%llx inh=0 amb=0 nnp=0", set,
                 set, set);
        assert_string_equal(out, want);
}

static void test_bounding_kept_without_capabilities(void **state)
{
        struct zone_spec_process p = {.cwd = "/"};
        char out[512];
        run_child(caps_child, &p, out, sizeof(out));
        char want[256];
        unsigned long long all = status_caps("CapBnd");
        assert_true(all != 0);
        snprintf(want, sizeof(want),
                 "uid=0/0/0 gid=0/0/0 groups= bnd=%llx eff=%llx prm=%llx inh=0 amb=0 nnp=0", all,
                 status_caps("CapEff"), status_caps("CapPrm"));
        assert_string_equal(out, want);
}

static void test_user_switch_keeps_requested_caps(void **state)
{
        char *bounding[] = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
        char *eff[] = {"CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
        gid_t groups[] = {1001, 1002};
        struct zone_spec_process p = {.cwd = "/", .no_new_privileges = true};
        p.user.uid = 1000;
        p.user.gid = 1000;
        p.user.additional_gids = groups;
        p.user.n_additional_gids = 2;
        p.caps.present = true;
        p.caps.bounding = bounding;
        p.caps.effective = eff;
        p.caps.permitted = eff;
        char out[512];
        run_child(caps_child, &p, out, sizeof(out));
        char want[256];
        unsigned long long set = CAP_BIT(KILL) | CAP_BIT(NET_BIND_SERVICE);
        snprintf(want, sizeof(want),
                 "uid=1000/1000/1000 gid=1000/1000/1000 groups=1001,1002 bnd=%llx eff=%llx "
                 "prm=%llx inh=0 amb=0 nnp=1",
                 set | CAP_BIT(CHOWN), set, set);
        assert_string_equal(out, want);
}

static void test_switch_without_capabilities_drops_them(void **state)
{
        /* No process.capabilities: the kernel's rule for leaving uid 0 applies. */
        struct zone_spec_process p = {.cwd = "/"};
        p.user.uid = 1000;
        p.user.gid = 1000;
        char out[512];
        run_child(caps_child, &p, out, sizeof(out));
        char want[256];
        snprintf(want, sizeof(want),
                 "uid=1000/1000/1000 gid=1000/1000/1000 groups= bnd=%llx eff=0 prm=0 inh=0 amb=0 "
                 "nnp=0",
                 status_caps("CapBnd"));
        assert_string_equal(out, want);
}

/* Execs p the way zones do: through zone-exec (see runtime/light/trampoline.h). */
static int exec_via_trampoline(const struct zone_spec_process *p, int sync_fd,
                               struct zone_err **err)
{
        int memfd = light_trampoline_prepare(err);
        if (memfd < 0)
                return memfd;
        struct light_trampoline_args a = {.sync_fd = sync_fd, .attr_fd = -1, .listener_fd = -1};
        return light_trampoline_exec(memfd, p, &a, err);
}

static void ambient_exec_child(void *arg, int out)
{
        struct zone_err *err = NULL;
        const struct zone_spec_process *p = arg;
        int r = light_process_apply(p, &err);
        if (r < 0) {
                report_err(out, r, err);
                return;
        }
        dprintf(out, "amb=%llx\n", status_caps("CapAmb"));
        /* What the program sees after execve as uid 1000. */
        if (dup2(out, STDOUT_FILENO) < 0)
                return;
        r = exec_via_trampoline(p, -1, &err);
        report_err(out, r, err);
}

static void test_ambient_raised(void **state)
{
        char *nbs[] = {"CAP_NET_BIND_SERVICE", NULL};
        char *args[] = {"busybox", "grep", "^CapEff", "/proc/self/status", NULL};
        char *env[] = {"PATH=/usr/bin:/bin", NULL};
        struct zone_spec_process p = {.cwd = "/", .args = args, .env = env};
        p.user.uid = 1000;
        p.user.gid = 1000;
        p.caps.present = true;
        p.caps.bounding = nbs;
        p.caps.effective = nbs;
        p.caps.permitted = nbs;
        p.caps.inheritable = nbs;
        p.caps.ambient = nbs;
        char out[512];
        run_child(ambient_exec_child, &p, out, sizeof(out));
        assert_string_equal(out, "amb=400\nCapEff:\t0000000000000400\n");
}

static void no_ambient_raise_child(void *arg, int out)
{
        /* Locks ambient raising off, so only the kernel can refuse the raise. */
        if (prctl(PR_SET_SECUREBITS, SECBIT_NO_CAP_AMBIENT_RAISE, 0, 0, 0) < 0) {
                dprintf(out, "securebits failed");
                return;
        }
        apply_child(arg, out);
}

static void ambient_left_out_child(void *arg, int out)
{
        struct zone_err *err = NULL;
        int r = light_process_apply(arg, &err);
        if (r < 0) {
                report_err(out, r, err);
                zone_err_free(err);
                return;
        }
        FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        dprintf(out, "OK");
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, "CapAmb:", 7) == 0)
                        dprintf(out, " %s", line);
        if (f)
                fclose(f);
}

static void test_ambient_needs_inheritable(void **state)
{
        char *nbs[] = {"CAP_NET_BIND_SERVICE", NULL};
        struct zone_spec_process p = {.cwd = "/"};
        p.caps.present = true;
        p.caps.bounding = nbs;
        p.caps.permitted = nbs;
        p.caps.ambient = nbs;
        char out[512];
        /* Not inheritable: left out of the ambient set (as runc does), not an error. */
        run_child(ambient_left_out_child, &p, out, sizeof(out));
        assert_string_equal(out, "OK CapAmb:\t0000000000000000\n");

        char *two[] = {"CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
        p.caps.ambient = NULL;
        p.caps.effective = two;
        run_child(apply_child, &p, out, sizeof(out));
        assert_string_equal(out, "ERR -22 process.capabilities.effective: CAP_KILL is not in the "
                                 "permitted set");

        /* When the kernel refuses a raise, the message names the capability. */
        p.caps.effective = nbs;
        p.caps.inheritable = nbs;
        p.caps.ambient = nbs;
        run_child(no_ambient_raise_child, &p, out, sizeof(out));
        assert_string_equal(
            out, "ERR -1 process.capabilities.ambient: raise CAP_NET_BIND_SERVICE: EPERM");
}

static void userns_child(void *arg, int out)
{
        /* A user namespace whose setgroups is "deny", mapping only root. */
        if (unshare(CLONE_NEWUSER) < 0 ||
            write_string_at(AT_FDCWD, "/proc/self/setgroups", "deny") < 0 ||
            write_string_at(AT_FDCWD, "/proc/self/uid_map", "0 0 1") < 0 ||
            write_string_at(AT_FDCWD, "/proc/self/gid_map", "0 0 1") < 0) {
                dprintf(out, "user namespace setup failed: %m");
                return;
        }
        apply_child(arg, out);
}

static void test_setgroups_denied(void **state)
{
        struct zone_spec_process p = {.cwd = "/"};
        char out[512];
        run_child(userns_child, &p, out, sizeof(out));
        assert_string_equal(out, "OK");

        gid_t groups[] = {0};
        p.user.additional_gids = groups;
        p.user.n_additional_gids = 1;
        run_child(userns_child, &p, out, sizeof(out));
        assert_string_equal(out, "ERR -1 process.user.additionalGids: setgroups is denied in this "
                                 "user namespace");

        /* An unmapped gid is the kernel's EINVAL, named by field. */
        p.user.n_additional_gids = 0;
        p.user.gid = 1000;
        run_child(userns_child, &p, out, sizeof(out));
        assert_string_equal(out, "ERR -22 process.user.gid: setresgid 1000: EINVAL");
}

static void unknown_cap_child(void *arg, int out)
{
        umask(0077);
        struct zone_err *err = NULL;
        int r = light_process_apply(arg, &err);
        report_err(out, r, err);
        zone_err_free(err);
        /* Nothing was applied: the umask is still the child's own. */
        dprintf(out, " umask=%03o", (unsigned)umask(0));
}

static void test_unknown_capability(void **state)
{
        char *bad[] = {"CAP_CHOWN", "CAP_FOO", NULL};
        struct zone_spec_process p = {.cwd = "/"};
        p.user.has_umask = true;
        p.user.umask = 0022;
        p.caps.present = true;
        p.caps.bounding = bad;
        char out[512];
        run_child(unknown_cap_child, &p, out, sizeof(out));
        assert_string_equal(
            out, "ERR -22 process.capabilities.bounding: unknown capability \"CAP_FOO\" umask=077");

        /* libcap would take these; OCI names are upper-case CAP_ names. */
        char *lower[] = {"cap_chown", NULL};
        char *number[] = {"12", NULL};
        char *args[] = {"true", NULL};
        struct zone_spec_process q = {.args = args};
        q.caps.present = true;
        q.caps.ambient = lower;
        struct zone_err *err = NULL;
        assert_int_equal(light_process_validate(&q, &err), -EINVAL);
        assert_string_equal(err->msg,
                            "process.capabilities.ambient: unknown capability \"cap_chown\"");
        zone_err_free(err);
        err = NULL;
        q.caps.ambient = NULL;
        q.caps.effective = number;
        assert_int_equal(light_process_validate(&q, &err), -EINVAL);
        assert_string_equal(err->msg, "process.capabilities.effective: unknown capability \"12\"");
        zone_err_free(err);

        err = NULL;
        char *good[] = {"CAP_CHOWN", "CAP_CHECKPOINT_RESTORE", NULL};
        q.caps.effective = good;
        q.caps.permitted = good;
        assert_int_equal(light_process_validate(&q, &err), 0);
        assert_null(err);
}

static void test_validate_process(void **state)
{
        struct zone_err *err = NULL;
        struct zone_spec_process p = {.cwd = "/"};
        assert_int_equal(light_process_validate(&p, &err), -EINVAL);
        assert_string_equal(err->msg, "process.args: must not be empty");
        zone_err_free(err);

        err = NULL;
        char *args[] = {"sh", NULL};
        p.args = args;
        p.cwd = "relative/dir";
        assert_int_equal(light_process_validate(&p, &err), -EINVAL);
        assert_string_equal(err->msg, "process.cwd: \"relative/dir\" is not an absolute path");
        zone_err_free(err);

        err = NULL;
        p.cwd = "/";
        p.has_oom_score_adj = true;
        p.oom_score_adj = 1001;
        assert_int_equal(light_process_validate(&p, &err), -EINVAL);
        assert_string_equal(err->msg, "process.oomScoreAdj: 1001 is out of range [-1000, 1000]");
        zone_err_free(err);
}

/* ---- PATH lookup and exec ---- */

struct lookup_dirs {
        char top[64];
        char a[96], b[96];
};

static void make_dirs(struct lookup_dirs *d)
{
        snprintf(d->top, sizeof(d->top), "/tmp/zone-test-process-XXXXXX");
        assert_non_null(mkdtemp(d->top));
        snprintf(d->a, sizeof(d->a), "%s/a", d->top);
        snprintf(d->b, sizeof(d->b), "%s/b", d->top);
        assert_int_equal(mkdir(d->a, 0755), 0);
        assert_int_equal(mkdir(d->b, 0755), 0);
        char path[160];
        /* a/echo is not executable, a/ls is a directory: both are passed over. */
        snprintf(path, sizeof(path), "%s/echo", d->a);
        int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        close(fd);
        snprintf(path, sizeof(path), "%s/ls", d->a);
        assert_int_equal(mkdir(path, 0755), 0);
        /* b/ holds busybox-style applet links. */
        snprintf(path, sizeof(path), "%s/echo", d->b);
        assert_int_equal(symlink("/bin/busybox", path), 0);
        snprintf(path, sizeof(path), "%s/ls", d->b);
        assert_int_equal(symlink("/bin/busybox", path), 0);
}

static void remove_dirs(struct lookup_dirs *d)
{
        char path[160];
        const char *files[] = {"a/echo", "b/echo", "b/ls"};
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                snprintf(path, sizeof(path), "%s/%s", d->top, files[i]);
                unlink(path);
        }
        const char *dirs[] = {"a/ls", "a", "b", ""};
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                snprintf(path, sizeof(path), "%s/%s", d->top, dirs[i]);
                assert_int_equal(rmdir(path), 0);
        }
}

/* Runs the program through zone-exec in a grandchild and reports, as zones do, either the
 * error it sends back (lookup or exec) or nothing (the program ran and wrote to out). */
static void exec_child(void *arg, int out)
{
        struct zone_err *err = NULL;
        int sv[2];
        if (dup2(out, STDOUT_FILENO) < 0 ||
            socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return;
        pid_t pid = fork();
        if (pid == 0) {
                close(sv[0]);
                exec_via_trampoline(arg, sv[1], &err);
                light_sync_send_error(sv[1], err);
                _exit(127);
        }
        close(sv[1]);
        int r = light_sync_recv(sv[0], SYNC_EXECED, NULL, NULL, &err);
        if (r < 0)
                report_err(out, r, err);
        zone_err_free(err);
        waitpid(pid, NULL, 0);
}

static void test_path_lookup(void **state)
{
        if (access("/bin/busybox", X_OK) != 0)
                SKIP("no /bin/busybox");
        struct lookup_dirs d;
        make_dirs(&d);
        char pathvar[320];
        snprintf(pathvar, sizeof(pathvar), "PATH=/nonexistent:%s:%s", d.a, d.b);
        char *env[] = {"HOME=/", pathvar, NULL};
        char *args[] = {"echo", "hello", "zone", NULL};
        struct zone_spec_process p = {.args = args, .env = env};

        char *found = NULL;
        struct zone_err *err = NULL;
        assert_int_equal(light_process_lookup(&p, &found, &err), 0);
        char want[160];
        snprintf(want, sizeof(want), "%s/echo", d.b);
        assert_string_equal(found, want);
        free(found);

        args[0] = "ls";
        assert_int_equal(light_process_lookup(&p, &found, &err), 0);
        snprintf(want, sizeof(want), "%s/ls", d.b);
        assert_string_equal(found, want);
        free(found);

        /* The applet runs under its link name, with process.env. */
        args[0] = "echo";
        char out[512];
        run_child(exec_child, &p, out, sizeof(out));
        assert_string_equal(out, "hello zone\n");

        args[0] = "zone-no-such-command";
        assert_int_equal(light_process_lookup(&p, &found, &err), -ENOENT);
        assert_string_equal(err->msg,
                            "exec \"zone-no-such-command\": executable file not found in $PATH");
        zone_err_free(err);
        err = NULL;
        run_child(exec_child, &p, out, sizeof(out));
        assert_string_equal(
            out, "ERR -2 exec \"zone-no-such-command\": executable file not found in $PATH");

        /* A path is taken as is; execve's own error names it. */
        snprintf(want, sizeof(want), "%s/echo", d.a);
        args[0] = want;
        run_child(exec_child, &p, out, sizeof(out));
        char msg[256];
        snprintf(msg, sizeof(msg), "ERR -13 exec %s: EACCES", want);
        assert_string_equal(out, msg);
        args[0] = "/nonexistent/zone-test";
        run_child(exec_child, &p, out, sizeof(out));
        assert_string_equal(out, "ERR -2 exec /nonexistent/zone-test: ENOENT");

        remove_dirs(&d);
}

static void test_path_lookup_default_path(void **state)
{
        if (access("/usr/bin/busybox", X_OK) != 0 || access("/usr/local/bin/busybox", F_OK) == 0 ||
            access("/usr/local/sbin/busybox", F_OK) == 0 || access("/usr/sbin/busybox", F_OK) == 0)
                SKIP("needs busybox in /usr/bin and nowhere before it in the default PATH");
        char *env[] = {"HOME=/", NULL};
        char *args[] = {"busybox", NULL};
        struct zone_spec_process p = {.args = args, .env = env};
        char *found = NULL;
        struct zone_err *err = NULL;
        assert_int_equal(light_process_lookup(&p, &found, &err), 0);
        assert_string_equal(found, "/usr/bin/busybox");
        free(found);

        /* An empty PATH finds nothing on the default path. */
        char *env2[] = {"PATH=/nonexistent", NULL};
        p.env = env2;
        assert_int_equal(light_process_lookup(&p, &found, &err), -ENOENT);
        assert_string_equal(err->msg, "exec \"busybox\": executable file not found in $PATH");
        zone_err_free(err);
}

/* ---- sysctl ---- */

static struct zone_spec_namespace all_ns[] = {
    {.type = CLONE_NEWIPC}, {.type = CLONE_NEWNET}, {.type = CLONE_NEWUTS}};

static int validate_one(struct zone_spec_namespace *ns, size_t n_ns, const char *key,
                        struct zone_err **err)
{
        struct zone_kv kv = {.key = (char *)key, .value = "1"};
        struct zone_spec spec = {.has_linux = true};
        spec.linux.namespaces = ns;
        spec.linux.n_namespaces = n_ns;
        spec.linux.sysctl = &kv;
        spec.linux.n_sysctl = 1;
        return light_sysctl_validate(&spec, err);
}

static void expect_refused(struct zone_spec_namespace *ns, size_t n_ns, const char *key,
                           const char *msg)
{
        struct zone_err *err = NULL;
        assert_int_equal(validate_one(ns, n_ns, key, &err), -EINVAL);
        assert_non_null(err);
        assert_string_equal(err->msg, msg);
        zone_err_free(err);
}

static void test_sysctl_validate(void **state)
{
        const char *ok[] = {
            "kernel.msgmax",      "kernel.shmmax",
            "kernel.sem",         "kernel.shm_rmid_forced",
            "fs.mqueue.msg_max",  "net.ipv4.ip_forward",
            "net.core.somaxconn", "net/ipv4/conf/eth0.100/forwarding",
            "kernel.hostname",    "kernel.domainname",
        };
        for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
                struct zone_err *err = NULL;
                int r = validate_one(all_ns, 3, ok[i], &err);
                if (r != 0)
                        fail_msg("%s refused: %s", ok[i], err ? err->msg : "?");
        }

        expect_refused(all_ns, 3, "vm.swappiness",
                       "linux.sysctl: \"vm.swappiness\" is not namespaced and cannot be set in a "
                       "zone");
        expect_refused(all_ns, 3, "kernel.pid_max",
                       "linux.sysctl: \"kernel.pid_max\" is not namespaced and cannot be set in a "
                       "zone");
        expect_refused(all_ns, 3, "vm/swappiness",
                       "linux.sysctl: \"vm/swappiness\" is not namespaced and cannot be set in a "
                       "zone");
        /* net/.. would walk out of the namespaced tree. */
        expect_refused(all_ns, 3, "net/../vm/swappiness",
                       "linux.sysctl: \"net/../vm/swappiness\" is not a valid key");
        expect_refused(all_ns, 3, "net..ipv4", "linux.sysctl: \"net..ipv4\" is not a valid key");
        expect_refused(all_ns, 3, "/net/ipv4/ip_forward",
                       "linux.sysctl: \"/net/ipv4/ip_forward\" is not a valid key");
        expect_refused(all_ns, 3, "", "linux.sysctl: \"\" is not a valid key");

        /* Only the namespaces the zone owns. */
        expect_refused(&all_ns[1], 2, "kernel.shmmax",
                       "linux.sysctl: \"kernel.shmmax\" needs the zone to have its own ipc "
                       "namespace");
        expect_refused(&all_ns[1], 2, "fs.mqueue.queues_max",
                       "linux.sysctl: \"fs.mqueue.queues_max\" needs the zone to have its own ipc "
                       "namespace");
        expect_refused(all_ns, 1, "net.ipv4.ip_forward",
                       "linux.sysctl: \"net.ipv4.ip_forward\" needs the zone to have its own "
                       "network namespace");
        expect_refused(all_ns, 2, "kernel.domainname",
                       "linux.sysctl: \"kernel.domainname\" needs the zone to have its own uts "
                       "namespace");

        /* Joining the host's own network namespace is the host network. */
        char self[64];
        snprintf(self, sizeof(self), "/proc/%d/ns/net", (int)getpid());
        struct zone_spec_namespace hostnet[] = {{.type = CLONE_NEWNET, .path = self}};
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "linux.sysctl: \"net.ipv4.ip_forward\" cannot be set in the host's network "
                 "namespace (%s)",
                 self);
        expect_refused(hostnet, 1, "net.ipv4.ip_forward", msg);
}

static void sysctl_child(void *arg, int out)
{
        if (unshare(CLONE_NEWNET | CLONE_NEWIPC) < 0) {
                dprintf(out, "unshare failed");
                return;
        }
        struct zone_err *err = NULL;
        int r = light_apply_sysctl(arg, &err);
        if (r < 0) {
                report_err(out, r, err);
                return;
        }
        const char *files[] = {"/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/shmmni",
                               "/proc/sys/net/ipv4/conf/lo/forwarding"};
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *v = NULL;
                if (read_file_at(AT_FDCWD, files[i], 64, &v, NULL) < 0)
                        dprintf(out, "? ");
                else
                        dprintf(out, "%s", v);
        }
}

static void test_sysctl_apply(void **state)
{
        _cleanup_free_ char *host_fwd = NULL, *host_shmmni = NULL;
        assert_int_equal(
            read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", 64, &host_fwd, NULL), 0);
        assert_int_equal(read_file_at(AT_FDCWD, "/proc/sys/kernel/shmmni", 64, &host_shmmni, NULL),
                         0);
        /* The child's fresh namespaces start at their defaults; pick values unlike them. */
        struct zone_kv kv[] = {
            {.key = "net.ipv4.ip_forward", .value = "1"},
            {.key = "kernel.shmmni", .value = "1234"},
            {.key = "net/ipv4/conf/lo/forwarding", .value = "1"},
        };
        struct zone_spec spec = {.has_linux = true};
        spec.linux.namespaces = all_ns;
        spec.linux.n_namespaces = 3;
        spec.linux.sysctl = kv;
        spec.linux.n_sysctl = 3;
        char out[512];
        run_child(sysctl_child, &spec, out, sizeof(out));
        assert_string_equal(out, "1\n1234\n1\n");

        /* The host kept its values. */
        _cleanup_free_ char *after_fwd = NULL, *after_shmmni = NULL;
        assert_int_equal(
            read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", 64, &after_fwd, NULL), 0);
        assert_int_equal(read_file_at(AT_FDCWD, "/proc/sys/kernel/shmmni", 64, &after_shmmni, NULL),
                         0);
        assert_string_equal(after_fwd, host_fwd);
        assert_string_equal(after_shmmni, host_shmmni);

        /* A refused key stops before anything is written; a missing one names the file. */
        struct zone_kv bad[] = {{.key = "net.ipv4.ip_forward", .value = "1"},
                                {.key = "vm.swappiness", .value = "10"}};
        spec.linux.sysctl = bad;
        spec.linux.n_sysctl = 2;
        run_child(sysctl_child, &spec, out, sizeof(out));
        assert_string_equal(out, "ERR -22 linux.sysctl: \"vm.swappiness\" is not namespaced and "
                                 "cannot be set in a zone");
        struct zone_kv missing = {.key = "net.ipv4.zone_no_such_knob", .value = "1"};
        spec.linux.sysctl = &missing;
        spec.linux.n_sysctl = 1;
        run_child(sysctl_child, &spec, out, sizeof(out));
        assert_string_equal(out, "ERR -2 linux.sysctl: write \"1\" to "
                                 "/proc/sys/net/ipv4/zone_no_such_knob: ENOENT");
}

/* ---- names, personality, oom_score_adj ---- */

static void names_child(void *arg, int out)
{
        if (unshare(CLONE_NEWUTS) < 0) {
                dprintf(out, "unshare failed");
                return;
        }
        struct zone_err *err = NULL;
        int r = light_set_names(arg, &err);
        if (r < 0) {
                report_err(out, r, err);
                return;
        }
        struct utsname u;
        uname(&u);
        dprintf(out, "%s %s", u.nodename, u.domainname);
}

static void test_set_names(void **state)
{
        struct utsname before;
        assert_int_equal(uname(&before), 0);
        struct zone_spec spec = {.hostname = "zone-test-host", .domainname = "zone.example"};
        char out[512];
        run_child(names_child, &spec, out, sizeof(out));
        assert_string_equal(out, "zone-test-host zone.example");
        struct utsname after;
        assert_int_equal(uname(&after), 0);
        assert_string_equal(after.nodename, before.nodename);

        char toolong[80];
        memset(toolong, 'x', sizeof(toolong) - 1);
        toolong[sizeof(toolong) - 1] = '\0';
        spec.hostname = toolong;
        run_child(names_child, &spec, out, sizeof(out));
        char want[160];
        snprintf(want, sizeof(want), "ERR -22 hostname: set \"%s\": EINVAL", toolong);
        assert_string_equal(out, want);
}

static void personality_child(void *arg, int out)
{
        struct zone_err *err = NULL;
        int r = light_apply_personality(arg, &err);
        if (r < 0) {
                report_err(out, r, err);
                return;
        }
        struct utsname u;
        uname(&u);
        dprintf(out, "persona=%#x machine=%s", (unsigned)personality(0xffffffff) & PER_MASK,
                u.machine);
}

static void test_personality(void **state)
{
        struct utsname host;
        assert_int_equal(uname(&host), 0);
        if (strcmp(host.machine, "x86_64") != 0)
                SKIP("LINUX32 reports i686 only on x86_64");
        struct zone_spec spec = {.has_linux = true};
        spec.linux.has_personality = true;
        spec.linux.personality_domain = "LINUX32";
        char out[512];
        run_child(personality_child, &spec, out, sizeof(out));
        assert_string_equal(out, "persona=0x8 machine=i686");

        spec.linux.personality_domain = "LINUX";
        run_child(personality_child, &spec, out, sizeof(out));
        assert_string_equal(out, "persona=0 machine=x86_64");

        struct zone_err *err = NULL;
        spec.linux.personality_domain = "SVR4";
        assert_int_equal(light_personality_validate(&spec, &err), -EINVAL);
        assert_string_equal(err->msg, "linux.personality.domain: unknown domain \"SVR4\" "
                                      "(expected LINUX or LINUX32)");
        zone_err_free(err);

        err = NULL;
        char *flags[] = {"ADDR_NO_RANDOMIZE", NULL};
        spec.linux.personality_domain = "LINUX";
        spec.linux.personality_flags = flags;
        assert_int_equal(light_personality_validate(&spec, &err), -EINVAL);
        assert_string_equal(err->msg,
                            "linux.personality.flags: unsupported flag \"ADDR_NO_RANDOMIZE\"");
        zone_err_free(err);
        run_child(personality_child, &spec, out, sizeof(out));
        assert_string_equal(
            out, "ERR -22 linux.personality.flags: unsupported flag \"ADDR_NO_RANDOMIZE\"");
}

static void oom_child(void *arg, int out)
{
        struct zone_spec_process *p = arg;
        struct zone_err *err = NULL;
        int r = light_apply_oom_score_adj(p, 0, &err);
        if (r < 0) {
                report_err(out, r, err);
                return;
        }
        _cleanup_free_ char *v = NULL;
        read_file_at(AT_FDCWD, "/proc/self/oom_score_adj", 64, &v, NULL);
        dprintf(out, "self=%s", v ? v : "?");
        p->oom_score_adj += 100;
        r = light_apply_oom_score_adj(p, getpid(), &err);
        if (r < 0) {
                report_err(out, r, err);
                return;
        }
        free(v);
        v = NULL;
        read_file_at(AT_FDCWD, "/proc/self/oom_score_adj", 64, &v, NULL);
        dprintf(out, "pid=%s", v ? v : "?");
}

static void test_oom_score_adj(void **state)
{
        struct zone_spec_process p = {.has_oom_score_adj = true, .oom_score_adj = 500};
        char out[512];
        run_child(oom_child, &p, out, sizeof(out));
        assert_string_equal(out, "self=500\npid=600\n");

        struct zone_err *err = NULL;
        p.oom_score_adj = 5000;
        assert_int_equal(light_apply_oom_score_adj(&p, 0, &err), -EINVAL);
        assert_string_equal(err->msg,
                            "process.oomScoreAdj: write 5000 to /proc/self/oom_score_adj: EINVAL");
        zone_err_free(err);

        /* Unset: nothing is written. */
        p.has_oom_score_adj = false;
        err = NULL;
        assert_int_equal(light_apply_oom_score_adj(&p, 0, &err), 0);
        assert_null(err);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_rlimits_umask_cwd),
            cmocka_unit_test(test_rlimit_error_names_it),
            cmocka_unit_test(test_cwd_missing),
            cmocka_unit_test(test_bounding_set_dropped),
            cmocka_unit_test(test_bounding_kept_without_capabilities),
            cmocka_unit_test(test_user_switch_keeps_requested_caps),
            cmocka_unit_test(test_switch_without_capabilities_drops_them),
            cmocka_unit_test(test_ambient_raised),
            cmocka_unit_test(test_ambient_needs_inheritable),
            cmocka_unit_test(test_setgroups_denied),
            cmocka_unit_test(test_unknown_capability),
            cmocka_unit_test(test_validate_process),
            cmocka_unit_test(test_path_lookup),
            cmocka_unit_test(test_path_lookup_default_path),
            cmocka_unit_test(test_sysctl_validate),
            cmocka_unit_test(test_sysctl_apply),
            cmocka_unit_test(test_set_names),
            cmocka_unit_test(test_personality),
            cmocka_unit_test(test_oom_score_adj),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
