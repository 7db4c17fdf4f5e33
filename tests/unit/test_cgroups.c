/* Unit tests for the cgroup manager. They run as root and create cgroups only under
 * /zone-test/unit-<pid>/ in every hierarchy, removed at teardown even on failure. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "cgroups/cgroup_internal.h"
#include "cgroups/cgroup_v2.h"
#include "cgroups/cgroup_validate.h"
#include "err.h"
#include "spec.h"
#include "util.h"

struct fixture {
        char base[64]; /* "/zone-test/unit-<pid>" */
        char path[96]; /* base + "/z" */
        pid_t child;
};

/* Every hierarchy's copy of the test's base cgroup (v1 /sys/fs/cgroup/X/..., v2 root). */
static size_t count_base_dirs(const struct fixture *f)
{
        char pat[160];
        size_t n = 0;
        glob_t g;
        snprintf(pat, sizeof(pat), "/sys/fs/cgroup/*%s", f->base);
        if (glob(pat, 0, NULL, &g) == 0)
                n += g.gl_pathc;
        globfree(&g);
        snprintf(pat, sizeof(pat), "/sys/fs/cgroup%s", f->base);
        struct stat st;
        if (stat(pat, &st) == 0)
                n++;
        return n;
}

/* Removes whatever the test left under its base, deepest first (only its own cgroups). */
static void remove_base(const struct fixture *f)
{
        char cmd[512];
        snprintf(cmd, sizeof(cmd),
                 "for d in /sys/fs/cgroup/*%s /sys/fs/cgroup%s; do [ -d \"$d\" ] && "
                 "find \"$d\" -depth -type d -exec rmdir {} \\; ; done 2>/dev/null; true",
                 f->base, f->base);
        assert_int_equal(system(cmd), 0);
}

static int setup(void **ts)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        snprintf(f->base, sizeof(f->base), "/zone-test/unit-%d", (int)getpid());
        snprintf(f->path, sizeof(f->path), "%s/z", f->base);
        *ts = f;
        return 0;
}

static int teardown(void **ts)
{
        struct fixture *f = *ts;
        if (f->child > 0) {
                kill(f->child, SIGKILL);
                /* A v1-frozen child cannot die until thawed. */
                char p[160];
                snprintf(p, sizeof(p), "/sys/fs/cgroup/freezer%s/freezer.state", f->path);
                FILE *fp = fopen(p, "w");
                if (fp) {
                        fputs("THAWED", fp);
                        fclose(fp);
                }
                waitpid(f->child, NULL, 0);
        }
        remove_base(f);
        free(f);
        return 0;
}

static void expect_err(int r, struct zone_err **err, int code, const char *msg)
{
        assert_int_equal(r, code);
        assert_non_null(*err);
        assert_string_equal((*err)->msg, msg);
        zone_err_free(*err);
        *err = NULL;
}

/* Reads a v1 cgroup file of the test's cgroup ("memory", "memory.limit_in_bytes"). */
static char *read_cg(const char *ctrl, const char *path, const char *file)
{
        static char buf[256];
        char p[256];
        snprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s/%s", ctrl, path, file);
        FILE *fp = fopen(p, "r");
        if (!fp)
                return NULL;
        size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
        fclose(fp);
        buf[n] = 0;
        while (n && buf[n - 1] == '\n')
                buf[--n] = 0;
        return buf;
}

static bool have_v1(const char *ctrl)
{
        char p[128];
        snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/cgroup.procs", ctrl);
        return access(p, F_OK) == 0;
}

/* ---- path rules ---- */

static void path_of(const char *cgroups_path, const char *id, char **ret, int *r,
                    struct zone_err **err)
{
        struct zone_spec spec;
        memset(&spec, 0, sizeof(spec));
        spec.has_linux = cgroups_path != NULL;
        spec.linux.cgroups_path = (char *)cgroups_path;
        *r = zone_cgroup_path(&spec, id, ret, err);
}

static void test_path_rules(void **ts)
{
        struct zone_err *err = NULL;
        char *p = NULL;
        int r;
        path_of("/a/b", "x", &p, &r, &err);
        assert_int_equal(r, 0);
        assert_string_equal(p, "/a/b");
        free(p);
        path_of("//a/./b//c/", "x", &p, &r, &err);
        assert_int_equal(r, 0);
        assert_string_equal(p, "/a/b/c");
        free(p);
        path_of(NULL, "abc", &p, &r, &err);
        assert_int_equal(r, 0);
        assert_string_equal(p, "/zone/abc");
        free(p);
        path_of("", "abc", &p, &r, &err);
        assert_int_equal(r, 0);
        assert_string_equal(p, "/zone/abc");
        free(p);
        assert_int_equal(zone_cgroup_path(NULL, "n", &p, &err), 0);
        assert_string_equal(p, "/zone/n");
        free(p);

        p = NULL;
        path_of("/a/../b", "x", &p, &r, &err);
        expect_err(r, &err, -EINVAL, "linux.cgroupsPath \"/a/../b\": \"..\" is not allowed");
        assert_null(p);
        path_of("/..", "x", &p, &r, &err);
        expect_err(r, &err, -EINVAL, "linux.cgroupsPath \"/..\": \"..\" is not allowed");
        path_of("/", "x", &p, &r, &err);
        expect_err(r, &err, -EINVAL, "linux.cgroupsPath \"/\": the root cgroup cannot hold a zone");
        path_of("a/../b", "x", &p, &r, &err);
        expect_err(r, &err, -EINVAL, "linux.cgroupsPath \"a/../b\": \"..\" is not allowed");
        path_of(NULL, "../x", &p, &r, &err);
        assert_int_equal(r, -EINVAL);
        zone_err_free(err);
        err = NULL;

        struct stat st;
        path_of("system.slice:zone:abc", "x", &p, &r, &err);
        if (stat("/run/systemd/system", &st) < 0)
                expect_err(r, &err, -EINVAL,
                           "linux.cgroupsPath \"system.slice:zone:abc\": the systemd form needs "
                           "systemd as init");
        else
                expect_err(r, &err, -EOPNOTSUPP,
                           "linux.cgroupsPath \"system.slice:zone:abc\": the systemd form is not "
                           "supported yet");
        assert_null(p);
}

/* ---- v2 translations ---- */

/* Relative paths go under the runtime's own cgroup, the same in every hierarchy. */
static void test_relative_paths(void **ts)
{
        (void)ts;
        struct zone_err *err = NULL;
        char *p = NULL;
        const char *same = "4:memory:/svc/a\n3:pids:/svc/a\n1:name=systemd:/svc/a\n0::/\n";
        assert_int_equal(cgroup_relative_path(same, false, "z//./x/", &p, &err), 0);
        assert_string_equal(p, "/svc/a/z/x");
        free(p);
        p = NULL;
        /* With cgroup2 mounted its line counts too, and here it differs. */
        expect_err(cgroup_relative_path(same, true, "z", &p, &err), &err, -EINVAL,
                   "linux.cgroupsPath \"z\": a relative path is placed under the runtime's own "
                   "cgroup, which is not the same in every hierarchy (/svc/a and /); use an "
                   "absolute path");
        assert_null(p);
        assert_int_equal(cgroup_relative_path("0::/\n", true, "z", &p, &err), 0);
        assert_string_equal(p, "/z");
        free(p);
        p = NULL;
        assert_int_equal(cgroup_relative_path("0::/a/b\n", true, "c", &p, &err), 0);
        assert_string_equal(p, "/a/b/c");
        free(p);
        p = NULL;
        expect_err(cgroup_relative_path("0::/a\n", true, "../b", &p, &err), &err, -EINVAL,
                   "linux.cgroupsPath \"../b\": \"..\" is not allowed");
        expect_err(cgroup_relative_path("", true, "b", &p, &err), &err, -ENOENT,
                   "linux.cgroupsPath \"b\": the runtime's own cgroup is unknown");
        assert_null(p);
}

static void test_v2_translations(void **ts)
{
        assert_int_equal(zone_cgroup_v2_weight(1024), 39);
        assert_int_equal(zone_cgroup_v2_weight(2), 1);
        assert_int_equal(zone_cgroup_v2_weight(262144), 10000);
        assert_int_equal(zone_cgroup_v2_weight(0), 0);

        char buf[64];
        /* Without a period the quota goes alone: the kernel keeps the current period. */
        assert_int_equal(zone_cgroup_v2_cpu_max(true, -1, false, 0, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "max");
        assert_int_equal(zone_cgroup_v2_cpu_max(true, 30000, false, 0, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "30000");
        assert_int_equal(zone_cgroup_v2_cpu_max(true, 50000, true, 200000, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "50000 200000");
        assert_int_equal(zone_cgroup_v2_cpu_max(false, 0, true, 50000, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "max 50000");
        assert_int_equal(zone_cgroup_v2_cpu_max(true, 50000, true, 200000, buf, 4), -ENOSPC);

        zone_cgroup_v2_memory_value(-1, buf, sizeof(buf));
        assert_string_equal(buf, "max");
        zone_cgroup_v2_memory_value(67108864, buf, sizeof(buf));
        assert_string_equal(buf, "67108864");
        zone_cgroup_v2_pids_max(0, buf, sizeof(buf));
        assert_string_equal(buf, "max");
        zone_cgroup_v2_pids_max(-1, buf, sizeof(buf));
        assert_string_equal(buf, "max");
        zone_cgroup_v2_pids_max(42, buf, sizeof(buf));
        assert_string_equal(buf, "42");

        /* blkio weight -> io.weight: runc's mapping of 10..1000 onto 1..10000. */
        assert_int_equal(zone_cgroup_v2_io_weight(0), 0);
        assert_int_equal(zone_cgroup_v2_io_weight(10), 1);
        assert_int_equal(zone_cgroup_v2_io_weight(100), 910);
        assert_int_equal(zone_cgroup_v2_io_weight(500), 4950);
        assert_int_equal(zone_cgroup_v2_io_weight(1000), 10000);

        /* io.max: one line per device, the keys it has, 0 -> "max", the last entry wins. */
        struct zone_spec_throttle_device rbps[] = {{8, 0, 1048576}, {8, 16, 5}, {8, 0, 2097152}};
        struct zone_spec_throttle_device wiops[] = {{8, 0, 0}};
        struct zone_spec_resources io;
        memset(&io, 0, sizeof(io));
        io.block_io.throttle_read_bps = rbps;
        io.block_io.n_throttle_read_bps = 3;
        io.block_io.throttle_write_iops = wiops;
        io.block_io.n_throttle_write_iops = 1;
        assert_int_equal(zone_cgroup_v2_io_max_line(&io, 8, 0, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "8:0 rbps=2097152 wiops=max");
        assert_int_equal(zone_cgroup_v2_io_max_line(&io, 8, 16, buf, sizeof(buf)), 0);
        assert_string_equal(buf, "8:16 rbps=5");
        assert_int_equal(zone_cgroup_v2_io_max_line(&io, 9, 0, buf, sizeof(buf)), -ENOENT);
        assert_int_equal(zone_cgroup_v2_io_max_line(&io, 8, 0, buf, 8), -ENOSPC);

        struct zone_spec_rdma rd = {.device = "mlx5_1", .has_hca_handles = true, .hca_handles = 3};
        zone_cgroup_rdma_line(&rd, buf, sizeof(buf));
        assert_string_equal(buf, "mlx5_1 hca_handle=3 hca_object=max");
        rd.has_hca_objects = true;
        rd.hca_objects = 100;
        zone_cgroup_rdma_line(&rd, buf, sizeof(buf));
        assert_string_equal(buf, "mlx5_1 hca_handle=3 hca_object=100");

        struct zone_err *err = NULL;
        int64_t sw;
        bool set;
        assert_int_equal(zone_cgroup_v2_swap(300, 100, &sw, &set, &err), 0);
        assert_true(set);
        assert_int_equal(sw, 200);
        assert_int_equal(zone_cgroup_v2_swap(-1, 100, &sw, &set, &err), 0);
        assert_true(set);
        assert_int_equal(sw, -1);
        assert_int_equal(zone_cgroup_v2_swap(0, -1, &sw, &set, &err), 0);
        assert_true(set);
        assert_int_equal(sw, -1);
        assert_int_equal(zone_cgroup_v2_swap(0, 100, &sw, &set, &err), 0);
        assert_false(set);
        expect_err(zone_cgroup_v2_swap(50, 100, &sw, &set, &err), &err, -EINVAL,
                   "linux.resources.memory.swap \"50\": must be at least "
                   "linux.resources.memory.limit (100): it counts memory and swap together");
        expect_err(zone_cgroup_v2_swap(50, 0, &sw, &set, &err), &err, -EINVAL,
                   "linux.resources.memory.swap \"50\": a swap limit needs a memory limit");
}

/* ---- on this host's cgroups ---- */

static pid_t spawn_sleeper(void)
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                for (;;)
                        pause();
        }
        return pid;
}

static void test_lifecycle(void **ts)
{
        struct fixture *f = *ts;
        if (!have_v1("memory") || !have_v1("cpu") || !have_v1("pids") || !have_v1("freezer") ||
            !have_v1("cpuset")) {
                skip(); /* needs v1 memory, cpu, pids, freezer and cpuset hierarchies */
                return;
        }
        struct zone_spec_resources res;
        memset(&res, 0, sizeof(res));
        res.present = true;
        res.memory.has_limit = true;
        res.memory.limit = 64 << 20;
        res.memory.has_swap = true;
        res.memory.swap = 128 << 20;
        res.memory.has_swappiness = true;
        res.memory.swappiness = 10;
        res.memory.has_reservation = true;
        res.memory.reservation = 32 << 20;
        res.memory.has_disable_oom_killer = true;
        res.memory.disable_oom_killer = true;
        res.cpu.has_shares = true;
        res.cpu.shares = 512;
        res.cpu.has_quota = true;
        res.cpu.quota = 50000;
        res.cpu.has_period = true;
        res.cpu.period = 100000;
        res.cpu.cpus = "0";
        res.pids.has_limit = true;
        res.pids.limit = 50;

        struct zone_err *err = NULL;
        struct zone_cgroup *cg = NULL;
        assert_int_equal(count_base_dirs(f), 0);
        int r = zone_cgroup_create(f->path, &res, NULL, &cg, &err);
        if (r < 0)
                fail_msg("create: %s", err->msg);
        assert_string_equal(zone_cgroup_get_path(cg), f->path);
        assert_true(count_base_dirs(f) > 0);

        assert_string_equal(read_cg("memory", f->path, "memory.limit_in_bytes"), "67108864");
        if (read_cg("memory", f->path, "memory.memsw.limit_in_bytes"))
                assert_string_equal(read_cg("memory", f->path, "memory.memsw.limit_in_bytes"),
                                    "134217728");
        assert_string_equal(read_cg("memory", f->path, "memory.swappiness"), "10");
        assert_string_equal(read_cg("memory", f->path, "memory.soft_limit_in_bytes"), "33554432");
        assert_non_null(
            strstr(read_cg("memory", f->path, "memory.oom_control"), "oom_kill_disable 1"));
        assert_string_equal(read_cg("cpu", f->path, "cpu.cfs_quota_us"), "50000");
        assert_string_equal(read_cg("cpu", f->path, "cpu.cfs_period_us"), "100000");
        assert_string_equal(read_cg("cpu", f->path, "cpu.shares"), "512");
        assert_string_equal(read_cg("pids", f->path, "pids.max"), "50");
        assert_string_equal(read_cg("cpuset", f->path, "cpuset.cpus"), "0");
        /* mems were copied from the parent, or the kernel would refuse every task. */
        assert_string_not_equal(read_cg("cpuset", f->path, "cpuset.mems"), "");

        f->child = spawn_sleeper();
        if (zone_cgroup_enter(cg, f->child, &err) < 0)
                fail_msg("enter: %s", err->msg);
        char want[32];
        snprintf(want, sizeof(want), "%d", (int)f->child);
        assert_string_equal(read_cg("memory", f->path, "cgroup.procs"), want);

        pid_t *pids = NULL;
        size_t n = 0;
        assert_int_equal(zone_cgroup_pids(cg, &pids, &n, &err), 0);
        assert_int_equal(n, 1);
        assert_int_equal(pids[0], f->child);
        free(pids);

        if (zone_cgroup_freeze(cg, true, &err) < 0)
                fail_msg("freeze: %s", err->msg);
        assert_string_equal(read_cg("freezer", f->path, "freezer.state"), "FROZEN");
        if (zone_cgroup_freeze(cg, false, &err) < 0)
                fail_msg("thaw: %s", err->msg);
        assert_string_equal(read_cg("freezer", f->path, "freezer.state"), "THAWED");

        /* Destroy from the frozen state: it must thaw to kill. */
        assert_int_equal(zone_cgroup_freeze(cg, true, &err), 0);
        if (zone_cgroup_destroy(cg, &err) < 0)
                fail_msg("destroy: %s", err->msg);
        int status;
        assert_int_equal(waitpid(f->child, &status, 0), f->child);
        f->child = 0;
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGKILL);
        assert_int_equal(count_base_dirs(f), 0);
        zone_cgroup_free(cg);
}

static void expect_bad(struct fixture *f, const struct zone_spec_resources *res, int code,
                       const char *msg)
{
        struct zone_err *err = NULL;
        struct zone_cgroup *cg = NULL;
        expect_err(zone_cgroup_create(f->path, res, NULL, &cg, &err), &err, code, msg);
        assert_null(cg);
        assert_int_equal(count_base_dirs(f), 0);
}

static void test_bad_values_leave_nothing(void **ts)
{
        struct fixture *f = *ts;
        if (!have_v1("cpuset") || !have_v1("memory") || !have_v1("cpu")) {
                skip(); /* needs v1 cpuset, memory and cpu hierarchies */
                return;
        }
        struct zone_spec_resources res;
        memset(&res, 0, sizeof(res));
        res.present = true;
        res.cpu.cpus = "99";
        expect_bad(f, &res, -EINVAL, "linux.resources.cpu.cpus \"99\": not a CPU of this host");
        res.cpu.cpus = "zero";
        expect_bad(f, &res, -EINVAL, "linux.resources.cpu.cpus \"zero\": not a CPU of this host");
        res.cpu.cpus = NULL;
        res.cpu.mems = "7";
        expect_bad(f, &res, -EINVAL,
                   "linux.resources.cpu.mems \"7\": not a memory node of this host");
        res.cpu.mems = NULL;
        res.memory.has_swappiness = true;
        res.memory.swappiness = 101;
        expect_bad(f, &res, -EINVAL,
                   "linux.resources.memory.swappiness \"101\": must be between 0 and 100");
        res.memory.has_swappiness = false;
        res.cpu.has_shares = true;
        res.cpu.shares = 1;
        expect_bad(f, &res, -EINVAL,
                   "linux.resources.cpu.shares \"1\": must be between 2 and 262144");
        res.cpu.has_shares = false;
        res.cpu.has_quota = true;
        res.cpu.quota = 10; /* below the kernel's 1 ms minimum */
        expect_bad(f, &res, -EINVAL,
                   "linux.resources.cpu.quota \"10\": must be -1 (unlimited) or at least 1000 "
                   "(microseconds)");
}

/* v1 update: memsw stays >= the limit at every write, growing or shrinking, and
 * checkBeforeUpdate compares with the usage. */
static void test_v1_memory_update(void **ts)
{
        struct fixture *f = *ts;
        char p[160];
        snprintf(p, sizeof(p), "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes");
        if (!have_v1("memory") || access(p, F_OK) < 0) {
                skip(); /* needs a v1 memory hierarchy with swap accounting */
                return;
        }
        struct zone_spec_resources res;
        memset(&res, 0, sizeof(res));
        res.present = true;
        res.memory.has_limit = res.memory.has_swap = true;
        res.memory.limit = 64 << 20;
        res.memory.swap = 128 << 20;
        struct zone_err *err = NULL;
        struct zone_cgroup *cg = NULL;
        if (zone_cgroup_create(f->path, &res, NULL, &cg, &err) < 0)
                fail_msg("create: %s", err->msg);
        res.memory.limit = 256 << 20;
        res.memory.swap = 512 << 20;
        if (zone_cgroup_update(cg, &res, &err) < 0)
                fail_msg("grow: %s", err->msg);
        assert_string_equal(read_cg("memory", f->path, "memory.limit_in_bytes"), "268435456");
        assert_string_equal(read_cg("memory", f->path, "memory.memsw.limit_in_bytes"), "536870912");
        res.memory.limit = 32 << 20;
        res.memory.swap = 48 << 20;
        if (zone_cgroup_update(cg, &res, &err) < 0)
                fail_msg("shrink: %s", err->msg);
        assert_string_equal(read_cg("memory", f->path, "memory.limit_in_bytes"), "33554432");
        assert_string_equal(read_cg("memory", f->path, "memory.memsw.limit_in_bytes"), "50331648");

        /* A child that holds 8 MiB, touched once it is in the cgroup (v1 does not move
         * charges along): a 4 MiB limit is refused when checkBeforeUpdate is set. */
        int go[2];
        assert_int_equal(pipe(go), 0);
        f->child = fork();
        assert_true(f->child >= 0);
        if (f->child == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                char c;
                close(go[1]);
                if (read(go[0], &c, 1) != 1)
                        _exit(1);
                char *m = malloc(8 << 20);
                if (m)
                        memset(m, 1, 8 << 20);
                for (;;)
                        pause();
        }
        close(go[0]);
        assert_int_equal(zone_cgroup_enter(cg, f->child, &err), 0);
        assert_int_equal(write(go[1], "x", 1), 1);
        close(go[1]);
        memset(&res, 0, sizeof(res));
        res.present = true;
        res.memory.has_limit = true;
        res.memory.limit = 4 << 20;
        res.memory.has_check_before_update = res.memory.check_before_update = true;
        for (int i = 0; i < 200 && strtoull(read_cg("memory", f->path, "memory.usage_in_bytes"),
                                            NULL, 10) < (8 << 20);
             i++)
                usleep(10000);
        assert_int_equal(zone_cgroup_update(cg, &res, &err), -EBUSY);
        assert_non_null(strstr(err->msg, "linux.resources.memory.limit \"4194304\": below the "
                                         "zone's current memory usage ("));
        zone_err_free(err);
        err = NULL;
        assert_string_equal(read_cg("memory", f->path, "memory.limit_in_bytes"), "33554432");
        assert_int_equal(zone_cgroup_destroy(cg, &err), 0);
        assert_int_equal(waitpid(f->child, NULL, 0), f->child);
        f->child = 0;
        zone_cgroup_free(cg);
}

static void test_open_and_existing(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        struct zone_cgroup *cg = NULL, *again = NULL, *opened = NULL;
        char msg[256];
        snprintf(msg, sizeof(msg), "open cgroup %s: no hierarchy has it", f->path);
        expect_err(zone_cgroup_open(f->path, &opened, &err), &err, -ENOENT, msg);
        assert_null(opened);

        struct zone_spec_resources res;
        memset(&res, 0, sizeof(res));
        res.present = true;
        res.pids.has_limit = true;
        res.pids.limit = -1;
        if (zone_cgroup_create(f->path, &res, NULL, &cg, &err) < 0)
                fail_msg("create: %s", err->msg);
        if (have_v1("pids"))
                assert_string_equal(read_cg("pids", f->path, "pids.max"), "max");
        /* Another zone (or anyone) may not take over an existing cgroup. */
        assert_int_equal(zone_cgroup_create(f->path, NULL, NULL, &again, &err), -EEXIST);
        assert_non_null(strstr(err->msg, "it already exists"));
        zone_err_free(err);
        err = NULL;
        assert_null(again);
        size_t n_before = count_base_dirs(f);
        assert_true(n_before > 0);

        if (zone_cgroup_open(f->path, &opened, &err) < 0)
                fail_msg("open: %s", err->msg);
        f->child = spawn_sleeper();
        assert_int_equal(zone_cgroup_enter(opened, f->child, &err), 0);
        pid_t *pids = NULL;
        size_t n = 0;
        assert_int_equal(zone_cgroup_pids(cg, &pids, &n, &err), 0);
        assert_int_equal(n, 1);
        assert_int_equal(pids[0], f->child);
        free(pids);

        /* An opened cgroup owns only its leaf: the parent stays. */
        assert_int_equal(zone_cgroup_destroy(opened, &err), 0);
        int status;
        assert_int_equal(waitpid(f->child, &status, 0), f->child);
        f->child = 0;
        assert_true(WIFSIGNALED(status));
        assert_int_equal(count_base_dirs(f), n_before);
        char leaf[160];
        snprintf(leaf, sizeof(leaf), "/sys/fs/cgroup/pids%s", f->path);
        assert_int_equal(access(leaf, F_OK), -1);
        zone_cgroup_free(opened);
        zone_cgroup_free(cg); /* free alone removes nothing */
        assert_int_equal(count_base_dirs(f), n_before);
}

/* A v1 cpuset made without CPUs (here by hand, as by another tool) still takes the zone's
 * process: enter gives it the parent's CPUs and memory nodes. */
static void test_enter_empty_cpuset(void **ts)
{
        struct fixture *f = *ts;
        if (!have_v1("cpuset")) {
                skip(); /* needs a v1 cpuset hierarchy */
                return;
        }
        struct zone_err *err = NULL;
        struct zone_cgroup *cg = NULL, *inner = NULL;
        if (zone_cgroup_create(f->path, NULL, NULL, &cg, &err) < 0)
                fail_msg("create: %s", err->msg);
        char inner_path[160], dir[224];
        snprintf(inner_path, sizeof(inner_path), "%s/inner", f->path);
        snprintf(dir, sizeof(dir), "/sys/fs/cgroup/cpuset%s", inner_path);
        assert_int_equal(mkdir(dir, 0755), 0);
        assert_string_equal(read_cg("cpuset", inner_path, "cpuset.cpus"), "");
        assert_int_equal(zone_cgroup_open(inner_path, &inner, &err), 0);
        f->child = spawn_sleeper();
        if (zone_cgroup_enter(inner, f->child, &err) < 0)
                fail_msg("enter: %s", err->msg);
        assert_string_not_equal(read_cg("cpuset", inner_path, "cpuset.cpus"), "");
        char want[32];
        snprintf(want, sizeof(want), "%d", (int)f->child);
        assert_string_equal(read_cg("cpuset", inner_path, "cgroup.procs"), want);
        assert_int_equal(zone_cgroup_destroy(inner, &err), 0);
        assert_int_equal(waitpid(f->child, NULL, 0), f->child);
        f->child = 0;
        assert_int_equal(access(dir, F_OK), -1);
        assert_int_equal(zone_cgroup_destroy(cg, &err), 0);
        assert_int_equal(count_base_dirs(f), 0);
        zone_cgroup_free(inner);
        zone_cgroup_free(cg);
}

static void test_bad_paths(void **ts)
{
        struct zone_err *err = NULL;
        struct zone_cgroup *cg = NULL;
        expect_err(zone_cgroup_create("zone/x", NULL, NULL, &cg, &err), &err, -EINVAL,
                   "cgroup path \"zone/x\": not a normalised absolute path");
        expect_err(zone_cgroup_create("/zone-test/../x", NULL, NULL, &cg, &err), &err, -EINVAL,
                   "cgroup path \"/zone-test/../x\": not a normalised absolute path");
        expect_err(zone_cgroup_open("/", &cg, &err), &err, -EINVAL,
                   "cgroup path \"/\": not a normalised absolute path");
        expect_err(zone_cgroup_open("/zone-test/./x", &cg, &err), &err, -EINVAL,
                   "cgroup path \"/zone-test/./x\": not a normalised absolute path");
        expect_err(zone_cgroup_open("/zone-test/x/", &cg, &err), &err, -EINVAL,
                   "cgroup path \"/zone-test/x/\": not a normalised absolute path");
        assert_null(cg);
}

/* ---- the pure v2 path, on a fake cgroupfs (regular files in a temporary directory) ---- */

struct fake_v2 {
        char root[64];
        char leaf[128];
        struct zone_cgroup_dir dir;
        struct zone_cgroup cg;
};

static void put(const char *dir, const char *file, const char *text)
{
        char p[256];
        snprintf(p, sizeof(p), "%s/%s", dir, file);
        FILE *fp = fopen(p, "w");
        assert_non_null(fp);
        fputs(text, fp);
        fclose(fp);
}

static char *get(const char *dir, const char *file)
{
        static char buf[128];
        char p[256];
        snprintf(p, sizeof(p), "%s/%s", dir, file);
        FILE *fp = fopen(p, "r");
        assert_non_null(fp);
        size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
        fclose(fp);
        buf[n] = 0;
        return buf;
}

/* root/ delegates `delegated`; root/a and root/a/b were "created" by the zone. */
static void fake_v2_setup(struct fake_v2 *fk, const char *delegated)
{
        memset(fk, 0, sizeof(*fk));
        strcpy(fk->root, "/tmp/zone-test-cgv2-XXXXXX");
        assert_non_null(mkdtemp(fk->root));
        char mid[128];
        snprintf(mid, sizeof(mid), "%s/a", fk->root);
        snprintf(fk->leaf, sizeof(fk->leaf), "%s/a/b", fk->root);
        assert_int_equal(mkdir(mid, 0755), 0);
        assert_int_equal(mkdir(fk->leaf, 0755), 0);
        put(fk->root, "cgroup.subtree_control", delegated);
        put(mid, "cgroup.subtree_control", "");
        static const char *const files[] = {
            "memory.max", "memory.low",    "memory.swap.max", "memory.high",     "cpu.weight",
            "cpu.max",    "cpu.max.burst", "cpu.idle",        "cpuset.cpus",     "cpuset.mems",
            "pids.max",   "io.weight",     "io.max",          "hugetlb.2MB.max", "rdma.max"};
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
                put(fk->leaf, files[i], "");
        fk->dir.mountpoint = fk->root;
        fk->dir.controllers = "cpuset cpu io memory pids hugetlb rdma";
        fk->dir.v2 = true;
        fk->dir.dir = fk->leaf;
        fk->dir.created = 2;
        fk->cg.path = "/a/b";
        fk->cg.dirs = &fk->dir;
        fk->cg.n_dirs = 1;
}

static void fake_v2_teardown(struct fake_v2 *fk)
{
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fk->root);
        assert_int_equal(system(cmd), 0);
}

static int fake_v2_up(void **ts)
{
        struct fake_v2 *fk = calloc(1, sizeof(*fk));
        assert_non_null(fk);
        fake_v2_setup(fk, "cpuset cpu io memory pids hugetlb rdma");
        *ts = fk;
        return 0;
}

static int fake_v2_down(void **ts)
{
        fake_v2_teardown(*ts);
        free(*ts);
        return 0;
}

static void test_v2_apply(void **ts)
{
        struct fake_v2 *fk = *ts;
        struct zone_spec_resources res;
        memset(&res, 0, sizeof(res));
        res.present = true;
        res.memory.has_limit = true;
        res.memory.limit = 1048576;
        res.memory.has_reservation = true;
        res.memory.reservation = -1;
        res.memory.has_swap = true;
        res.memory.swap = 3145728;
        res.cpu.has_shares = true;
        res.cpu.shares = 1024;
        res.cpu.has_quota = true;
        res.cpu.quota = 20000;
        res.cpu.cpus = "0";
        res.pids.has_limit = true;
        res.pids.limit = 0;
        struct zone_err *err = NULL;
        if (cgroup_v2_apply(&fk->cg, &res, false, &err) < 0)
                fail_msg("apply: %s", err->msg);
        assert_string_equal(get(fk->leaf, "memory.max"), "1048576");
        assert_string_equal(get(fk->leaf, "memory.low"), "max");
        assert_string_equal(get(fk->leaf, "memory.swap.max"), "2097152");
        assert_string_equal(get(fk->leaf, "cpu.weight"), "39");
        assert_string_equal(get(fk->leaf, "cpu.max"), "20000");
        assert_string_equal(get(fk->leaf, "cpuset.cpus"), "0");
        assert_string_equal(get(fk->leaf, "pids.max"), "max");
        /* The level the zone created above its leaf delegates down (a regular file keeps the
         * last write at its start). */
        char mid[128];
        snprintf(mid, sizeof(mid), "%s/a", fk->root);
        assert_memory_equal(get(mid, "cgroup.subtree_control"), "+pids", 5);
}

static void test_v2_apply_refused(void **ts)
{
        struct fake_v2 *fk = *ts;
        /* A parent that is not the zone's and does not delegate memory: refused, unchanged. */
        put(fk->root, "cgroup.subtree_control", "cpu pids");
        struct zone_spec_resources res;
        memset(&res, 0, sizeof(res));
        res.present = true;
        res.memory.has_limit = true;
        res.memory.limit = 1048576;
        struct zone_err *err = NULL;
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "linux.resources.memory: %s/cgroup.subtree_control does not delegate the memory "
                 "controller",
                 fk->root);
        expect_err(cgroup_v2_apply(&fk->cg, &res, false, &err), &err, -EOPNOTSUPP, msg);
        assert_string_equal(get(fk->root, "cgroup.subtree_control"), "cpu pids");
        assert_string_equal(get(fk->leaf, "memory.max"), "");

        /* A controller the host does not have at all. */
        fk->dir.controllers = "cpu pids";
        expect_err(cgroup_v2_apply(&fk->cg, &res, false, &err), &err, -EOPNOTSUPP,
                   "linux.resources.memory: the memory controller is not available on this host");

        /* v2 swap rules apply before anything is written. */
        fk->dir.controllers = "cpuset cpu io memory pids hugetlb rdma";
        put(fk->root, "cgroup.subtree_control", "memory");
        res.memory.has_swap = true;
        res.memory.swap = 524288;
        expect_err(cgroup_v2_apply(&fk->cg, &res, false, &err), &err, -EINVAL,
                   "linux.resources.memory.swap \"524288\": must be at least "
                   "linux.resources.memory.limit (1048576): it counts memory and swap together");
        assert_string_equal(get(fk->leaf, "memory.swap.max"), "");
}

static bool host_has_2mb_pages(void)
{
        return access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) == 0;
}

/* cpu burst and idle, io, hugetlb, rdma and unified on cgroup2. */
static void test_v2_apply_more(void **ts)
{
        struct fake_v2 *fk = *ts;
        struct zone_spec_resources res;
        memset(&res, 0, sizeof(res));
        res.present = true;
        res.cpu.has_burst = true;
        res.cpu.burst = 5000;
        res.cpu.has_idle = true;
        res.cpu.idle = 1;
        res.block_io.has_weight = true;
        res.block_io.weight = 500;
        struct zone_spec_throttle_device rbps = {8, 0, 1048576}, wbps = {8, 0, 0};
        res.block_io.throttle_read_bps = &rbps;
        res.block_io.n_throttle_read_bps = 1;
        res.block_io.throttle_write_bps = &wbps;
        res.block_io.n_throttle_write_bps = 1;
        struct zone_spec_hugepage_limit hp = {.page_size = "2MB", .limit = 4194304};
        if (host_has_2mb_pages()) {
                res.hugepage_limits = &hp;
                res.n_hugepage_limits = 1;
        }
        struct zone_spec_rdma rd = {.device = "mlx4_0", .has_hca_objects = true, .hca_objects = 7};
        res.rdma = &rd;
        res.n_rdma = 1;
        struct zone_kv kv = {.key = "memory.high", .value = "123456"};
        res.unified = &kv;
        res.n_unified = 1;
        struct zone_err *err = NULL;
        if (cgroup_v2_apply(&fk->cg, &res, false, &err) < 0)
                fail_msg("apply: %s", err->msg);
        assert_string_equal(get(fk->leaf, "cpu.max.burst"), "5000");
        assert_string_equal(get(fk->leaf, "cpu.idle"), "1");
        assert_string_equal(get(fk->leaf, "io.weight"), "4950");
        assert_string_equal(get(fk->leaf, "io.max"), "8:0 rbps=1048576 wbps=max");
        if (host_has_2mb_pages())
                assert_string_equal(get(fk->leaf, "hugetlb.2MB.max"), "4194304");
        assert_string_equal(get(fk->leaf, "rdma.max"), "mlx4_0 hca_handle=max hca_object=7");
        assert_string_equal(get(fk->leaf, "memory.high"), "123456");
        /* cpu.max and memory.max were not asked for: untouched. */
        assert_string_equal(get(fk->leaf, "cpu.max"), "");
        assert_string_equal(get(fk->leaf, "memory.max"), "");

        /* With bfq, io.bfq.weight takes the blkio range as is, also per device. */
        put(fk->leaf, "io.bfq.weight", "");
        memset(&res, 0, sizeof(res));
        res.present = true;
        struct zone_spec_weight_device wd = {
            .major = 7, .minor = 3, .has_weight = true, .weight = 300};
        res.block_io.weight_devices = &wd;
        res.block_io.n_weight_devices = 1;
        assert_int_equal(cgroup_v2_apply(&fk->cg, &res, false, &err), 0);
        assert_string_equal(get(fk->leaf, "io.bfq.weight"), "7:3 300");

        /* An update naming only the period keeps the quota cgroup2 has. */
        put(fk->leaf, "cpu.max", "30000 100000");
        memset(&res, 0, sizeof(res));
        res.present = true;
        res.cpu.has_period = true;
        res.cpu.period = 200000;
        assert_int_equal(cgroup_v2_apply(&fk->cg, &res, true, &err), 0);
        assert_string_equal(get(fk->leaf, "cpu.max"), "30000 200000");
}

static void expect_v2_refused(struct fake_v2 *fk, const struct zone_spec_resources *res,
                              bool update, int code, const char *msg)
{
        struct zone_err *err = NULL;
        expect_err(cgroup_v2_apply(&fk->cg, res, update, &err), &err, code, msg);
}

/* What cgroup2 has no knob for, and keys and sizes it does not have: refused by name before
 * anything is written. */
static void test_v2_refusals_more(void **ts)
{
        struct fake_v2 *fk = *ts;
        struct zone_spec_resources res;
        memset(&res, 0, sizeof(res));
        res.present = true;
        res.memory.has_limit = true;
        res.memory.limit = 1 << 20;
        res.cpu.has_realtime_runtime = true;
        res.cpu.realtime_runtime = 1000;
        expect_v2_refused(fk, &res, false, -EOPNOTSUPP,
                          "linux.resources.cpu.realtimeRuntime: cgroup2 has no realtime group "
                          "scheduling limits (only a v1 cpu hierarchy has them)");
        assert_string_equal(get(fk->leaf, "memory.max"), "");
        res.cpu.has_realtime_runtime = false;

        res.network.has_class_id = true;
        res.network.class_id = 0x100001;
        expect_v2_refused(fk, &res, false, -EOPNOTSUPP,
                          "linux.resources.network.classID: the net_cls controller is not "
                          "available on this host (cgroup2 has no equivalent)");
        res.network.has_class_id = false;
        struct zone_spec_net_priority prio = {.name = "eth0", .priority = 5};
        res.network.priorities = &prio;
        res.network.n_priorities = 1;
        expect_v2_refused(fk, &res, false, -EOPNOTSUPP,
                          "linux.resources.network.priorities: the net_prio controller is not "
                          "available on this host (cgroup2 has no equivalent)");
        res.network.n_priorities = 0;
        res.memory.has_limit = false;

        res.block_io.has_leaf_weight = true;
        res.block_io.leaf_weight = 100;
        expect_v2_refused(fk, &res, false, -EOPNOTSUPP,
                          "linux.resources.blockIO.leafWeight: cgroup2 has no leaf weights");
        res.block_io.has_leaf_weight = false;

        struct zone_kv kv = {.key = "cgroup.procs", .value = "1"};
        res.unified = &kv;
        res.n_unified = 1;
        expect_v2_refused(fk, &res, false, -EINVAL,
                          "linux.resources.unified[\"cgroup.procs\"]: not a file of a resource "
                          "controller (cpu, cpuset, io, memory, pids, hugetlb, rdma, misc)");
        kv.key = "../memory.max";
        expect_v2_refused(fk, &res, false, -EINVAL,
                          "linux.resources.unified[\"../memory.max\"]: not a cgroup file name "
                          "(CONTROLLER.FILE, no \"/\")");
        kv.key = "memory.oom.group";
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "linux.resources.unified[\"memory.oom.group\"]: the zone's cgroup2 directory %s "
                 "has no such file",
                 fk->leaf);
        expect_v2_refused(fk, &res, false, -ENOENT, msg);
        kv.key = "misc.max";
        expect_v2_refused(fk, &res, false, -EOPNOTSUPP,
                          "linux.resources.unified[\"misc.max\"]: the misc controller is not "
                          "available on this host");
        res.n_unified = 0;

        if (access("/sys/kernel/mm/hugepages/hugepages-1048576kB", F_OK) == 0) {
                struct zone_spec_hugepage_limit hp = {.page_size = "1GB", .limit = 1};
                res.hugepage_limits = &hp;
                res.n_hugepage_limits = 1;
                expect_v2_refused(fk, &res, false, -EINVAL,
                                  "linux.resources.hugepageLimits[0].pageSize \"1GB\": this host "
                                  "has no 1GB huge pages");
                res.n_hugepage_limits = 0;
        }

        /* checkBeforeUpdate: only on update, against memory.current. */
        put(fk->leaf, "memory.current", "5000000");
        res.memory.has_limit = true;
        res.memory.limit = 4194304;
        res.memory.has_check_before_update = true;
        res.memory.check_before_update = true;
        expect_v2_refused(fk, &res, true, -EBUSY,
                          "linux.resources.memory.limit \"4194304\": below the zone's current "
                          "memory usage (5000000 bytes), and memory.checkBeforeUpdate is set");
        assert_string_equal(get(fk->leaf, "memory.max"), "");
        struct zone_err *err = NULL;
        assert_int_equal(cgroup_v2_apply(&fk->cg, &res, false, &err), 0);
        assert_string_equal(get(fk->leaf, "memory.max"), "4194304");
}

static void expect_invalid(const struct zone_spec_resources *res, const char *msg)
{
        struct zone_err *err = NULL;
        expect_err(cgroup_validate(res, &err), &err, -EINVAL, msg);
}

/* The value checks shared by v1 and v2. */
static void test_validate(void **ts)
{
        struct zone_spec_resources res;
        struct zone_err *err = NULL;
        memset(&res, 0, sizeof(res));
        assert_int_equal(cgroup_validate(&res, &err), 0);
        assert_int_equal(cgroup_validate(NULL, &err), 0);

        res.memory.has_limit = true;
        res.memory.limit = -5;
        expect_invalid(&res, "linux.resources.memory.limit \"-5\": must be -1 (unlimited) or a "
                             "positive number of bytes");
        res.memory.limit = 100;
        expect_invalid(&res, "linux.resources.memory.limit \"100\": must be at least one page "
                             "(4096 bytes)");
        res.memory.limit = -1;
        assert_int_equal(cgroup_validate(&res, &err), 0);
        res.memory.limit = 1 << 20;
        res.memory.has_swap = true;
        res.memory.swap = 1 << 19;
        expect_invalid(&res, "linux.resources.memory.swap \"524288\": must be at least "
                             "linux.resources.memory.limit (1048576): it counts memory and swap "
                             "together");
        res.memory.swap = -1;
        assert_int_equal(cgroup_validate(&res, &err), 0);
        memset(&res, 0, sizeof(res));

        res.cpu.has_period = true;
        res.cpu.period = 999;
        expect_invalid(&res, "linux.resources.cpu.period \"999\": must be between 1000 and "
                             "1000000 (microseconds)");
        res.cpu.period = 0; /* unset */
        assert_int_equal(cgroup_validate(&res, &err), 0);
        res.cpu.has_quota = true;
        res.cpu.quota = -2;
        expect_invalid(&res, "linux.resources.cpu.quota \"-2\": must be -1 (unlimited) or at "
                             "least 1000 (microseconds)");
        res.cpu.quota = 10000;
        res.cpu.has_burst = true;
        res.cpu.burst = 20000;
        expect_invalid(&res, "linux.resources.cpu.burst \"20000\": must not exceed "
                             "linux.resources.cpu.quota (10000)");
        res.cpu.burst = 10000;
        assert_int_equal(cgroup_validate(&res, &err), 0);
        res.cpu.has_idle = true;
        res.cpu.idle = -1;
        expect_invalid(&res, "linux.resources.cpu.idle \"-1\": must be 0 or 1");
        res.cpu.idle = 0;
        res.cpu.has_realtime_period = true;
        res.cpu.realtime_period = 1000;
        res.cpu.has_realtime_runtime = true;
        res.cpu.realtime_runtime = 2000;
        expect_invalid(&res, "linux.resources.cpu.realtimeRuntime \"2000\": must not exceed "
                             "linux.resources.cpu.realtimePeriod (1000)");
        memset(&res, 0, sizeof(res));

        res.pids.has_limit = true;
        res.pids.limit = -2;
        expect_invalid(&res, "linux.resources.pids.limit \"-2\": must be -1 (unlimited) or a "
                             "number of processes");
        res.pids.limit = 0;

        res.block_io.has_weight = true;
        res.block_io.weight = 9;
        expect_invalid(&res, "linux.resources.blockIO.weight \"9\": must be between 10 and 1000");
        res.block_io.weight = 0; /* unset, as in runc */
        assert_int_equal(cgroup_validate(&res, &err), 0);
        struct zone_spec_weight_device wd = {
            .major = 8, .minor = 0, .has_leaf_weight = true, .leaf_weight = 1001};
        res.block_io.weight_devices = &wd;
        res.block_io.n_weight_devices = 1;
        expect_invalid(&res, "linux.resources.blockIO.weightDevice[0].leafWeight \"1001\": must "
                             "be between 10 and 1000");
        wd.leaf_weight = 10;
        wd.major = -1;
        expect_invalid(&res, "linux.resources.blockIO.weightDevice[0] \"-1:0\": not a block "
                             "device number");
        res.block_io.n_weight_devices = 0;
        struct zone_spec_throttle_device td = {8, -3, 1};
        res.block_io.throttle_write_iops = &td;
        res.block_io.n_throttle_write_iops = 1;
        expect_invalid(&res, "linux.resources.blockIO.throttleWriteIOPSDevice[0] \"8:-3\": not a "
                             "block device number");
        res.block_io.n_throttle_write_iops = 0;

        struct zone_spec_hugepage_limit hp = {.page_size = "2M", .limit = 1};
        res.hugepage_limits = &hp;
        res.n_hugepage_limits = 1;
        expect_invalid(&res, "linux.resources.hugepageLimits[0].pageSize \"2M\": not a page size "
                             "as the kernel names it (\"2MB\", \"1GB\")");
        hp.page_size = "3MB";
        expect_invalid(&res, "linux.resources.hugepageLimits[0].pageSize \"3MB\": this host has "
                             "no 3MB huge pages");
        res.n_hugepage_limits = 0;
        assert_false(cgroup_hugepage_size_known("0MB"));
        assert_false(cgroup_hugepage_size_known("2 MB"));

        struct zone_spec_rdma rd = {.device = "mlx 5"};
        res.rdma = &rd;
        res.n_rdma = 1;
        expect_invalid(&res, "linux.resources.rdma[\"mlx 5\"]: not a device name");
        res.n_rdma = 0;
        struct zone_kv kv = {.key = "memory", .value = "1"};
        res.unified = &kv;
        res.n_unified = 1;
        expect_invalid(&res, "linux.resources.unified[\"memory\"]: not a cgroup file name "
                             "(CONTROLLER.FILE, no \"/\")");
}

int main(void)
{
        if (geteuid() != 0) {
                fprintf(stderr, "test_cgroups: needs root (creates cgroups)\n");
                return 77;
        }
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_path_rules),
            cmocka_unit_test(test_relative_paths),
            cmocka_unit_test(test_v2_translations),
            cmocka_unit_test(test_bad_paths),
            cmocka_unit_test_setup_teardown(test_v2_apply, fake_v2_up, fake_v2_down),
            cmocka_unit_test_setup_teardown(test_v2_apply_refused, fake_v2_up, fake_v2_down),
            cmocka_unit_test_setup_teardown(test_v2_apply_more, fake_v2_up, fake_v2_down),
            cmocka_unit_test_setup_teardown(test_v2_refusals_more, fake_v2_up, fake_v2_down),
            cmocka_unit_test(test_validate),
            cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bad_values_leave_nothing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_open_and_existing, setup, teardown),
            cmocka_unit_test_setup_teardown(test_v1_memory_update, setup, teardown),
            cmocka_unit_test_setup_teardown(test_enter_empty_cpuset, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
