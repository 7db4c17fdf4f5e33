/* Unit tests for the cgroup stats reader and the cgroup2 OOM source, on fake cgroupfs trees
 * (regular files in a temporary directory): the numbers parsed right, files and controllers
 * that are missing left absent rather than read as zero, bad contents refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/cgroup_internal.h"
#include "cgroups/cgroup_stats.h"
#include "err.h"
#include "stats.h"

#define MAX_DIRS 8

struct fake {
        char root[64];
        struct zone_cgroup_dir dirs[MAX_DIRS];
        char mounts[MAX_DIRS][128], leaves[MAX_DIRS][160];
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

/* A hierarchy mounted at root/name holding controllers, with the zone's cgroup /z in it. */
static const char *add_dir(struct fake *f, const char *name, const char *controllers, bool v2)
{
        size_t i = f->cg.n_dirs++;
        assert_true(i < MAX_DIRS);
        char buf[160];
        snprintf(buf, sizeof(f->mounts[i]), "%s/%s", f->root, name);
        strcpy(f->mounts[i], buf);
        strcat(buf, "/z");
        strcpy(f->leaves[i], buf);
        assert_int_equal(mkdir(f->mounts[i], 0755), 0);
        assert_int_equal(mkdir(f->leaves[i], 0755), 0);
        f->dirs[i] = (struct zone_cgroup_dir){.mountpoint = f->mounts[i],
                                              .controllers = (char *)controllers,
                                              .v2 = v2,
                                              .dir = f->leaves[i],
                                              .created = 1};
        return f->leaves[i];
}

static int fake_up(void **ts)
{
        struct fake *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        strcpy(f->root, "/tmp/zone-test-stats-XXXXXX");
        assert_non_null(mkdtemp(f->root));
        f->cg.path = "/z";
        f->cg.dirs = f->dirs;
        *ts = f;
        return 0;
}

static int fake_down(void **ts)
{
        struct fake *f = *ts;
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static void read_ok(struct fake *f, struct zone_stats *s)
{
        struct zone_err *err = NULL;
        if (zone_cgroup_stats(&f->cg, s, &err) < 0)
                fail_msg("stats: %s", err->msg);
}

static uint64_t raw(const struct zone_stats *s, const char *key)
{
        for (size_t i = 0; i < s->memory.n_raw; i++)
                if (!strcmp(s->memory.raw[i].key, key))
                        return s->memory.raw[i].value;
        fail_msg("memory.stat key %s missing", key);
        return 0;
}

static void test_v1(void **ts)
{
        struct fake *f = *ts;
        const char *acct = add_dir(f, "cpuacct", "cpuacct", false);
        const char *cpu = add_dir(f, "cpu", "cpu", false);
        const char *mem = add_dir(f, "memory", "memory", false);
        const char *pids = add_dir(f, "pids", "pids", false);
        const char *blkio = add_dir(f, "blkio", "blkio", false);
        const char *huge = add_dir(f, "hugetlb", "hugetlb", false);
        put(acct, "cpuacct.usage", "123456789\n");
        put(acct, "cpuacct.usage_percpu", "100 200 \n");
        put(acct, "cpuacct.stat", "user 5\nsystem 7\n");
        put(cpu, "cpu.stat", "nr_periods 10\nnr_throttled 3\nthrottled_time 999\n");
        put(mem, "memory.usage_in_bytes", "1048576\n");
        put(mem, "memory.max_usage_in_bytes", "2097152\n");
        put(mem, "memory.limit_in_bytes", "67108864\n");
        put(mem, "memory.failcnt", "4\n");
        put(mem, "memory.memsw.usage_in_bytes", "1050000\n");
        put(mem, "memory.memsw.max_usage_in_bytes", "2100000\n");
        put(mem, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
        put(mem, "memory.memsw.failcnt", "0\n");
        put(mem, "memory.stat", "cache 4096\nrss 8192\nmapped_file 0\ntotal_rss 8192\n");
        put(mem, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        put(pids, "pids.current", "3\n");
        put(pids, "pids.max", "max\n");
        put(blkio, "blkio.throttle.io_service_bytes_recursive",
            "8:0 Read 4096\n8:0 Write 8192\n8:16 Read 1\nTotal 12289\n");
        put(blkio, "blkio.throttle.io_serviced_recursive", "8:0 Read 1\n8:0 Write 2\nTotal 3\n");
        put(huge, "hugetlb.2MB.usage_in_bytes", "2097152\n");
        put(huge, "hugetlb.2MB.max_usage_in_bytes", "4194304\n");
        put(huge, "hugetlb.2MB.failcnt", "1\n");
        put(huge, "hugetlb.1GB.usage_in_bytes", "0\n");
        put(huge, "hugetlb.1GB.limit_in_bytes", "max\n");

        struct zone_stats s;
        read_ok(f, &s);
        uint64_t tick = 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);
        assert_true(s.cpu.present);
        assert_int_equal(s.cpu.total, 123456789);
        assert_int_equal(s.cpu.n_percpu, 2);
        assert_int_equal(s.cpu.percpu[0], 100);
        assert_int_equal(s.cpu.percpu[1], 200);
        assert_int_equal(s.cpu.user, 5 * tick);
        assert_int_equal(s.cpu.kernel, 7 * tick);
        assert_true(s.cpu.has_throttling);
        assert_int_equal(s.cpu.periods, 10);
        assert_int_equal(s.cpu.throttled_periods, 3);
        assert_int_equal(s.cpu.throttled_time, 999);

        assert_true(s.memory.present);
        assert_int_equal(s.memory.usage, 1048576);
        assert_true(s.memory.has_max_usage);
        assert_int_equal(s.memory.max_usage, 2097152);
        assert_int_equal(s.memory.limit, 67108864);
        assert_int_equal(s.memory.failcnt, 4);
        assert_true(s.memory.has_swap);
        assert_int_equal(s.memory.swap_usage, 1050000);
        assert_int_equal(s.memory.swap_max_usage, 2100000);
        assert_int_equal(s.memory.swap_limit, 9223372036854771712ull);
        assert_int_equal(s.memory.cache, 4096);
        assert_int_equal(s.memory.rss, 8192);
        assert_int_equal(s.memory.n_raw, 4);
        assert_string_equal(s.memory.raw[0].key, "cache");
        assert_int_equal(raw(&s, "total_rss"), 8192);
        assert_true(s.oom.present);
        assert_int_equal(s.oom.oom_kill, 2);

        assert_true(s.pids.present);
        assert_int_equal(s.pids.current, 3);
        assert_int_equal(s.pids.limit, 0); /* "max" */

        assert_true(s.blkio.present);
        assert_int_equal(s.blkio.n_service_bytes, 3); /* the Total line is not a device */
        assert_int_equal(s.blkio.service_bytes[1].major, 8);
        assert_int_equal(s.blkio.service_bytes[1].minor, 0);
        assert_string_equal(s.blkio.service_bytes[1].op, "Write");
        assert_int_equal(s.blkio.service_bytes[1].value, 8192);
        assert_int_equal(s.blkio.service_bytes[2].minor, 16);
        assert_int_equal(s.blkio.n_serviced, 2);
        assert_int_equal(s.blkio.serviced[1].value, 2);

        assert_int_equal(s.n_hugetlb, 2);
        assert_string_equal(s.hugetlb[0].page_size, "1GB");
        assert_int_equal(s.hugetlb[0].usage, 0);
        assert_string_equal(s.hugetlb[1].page_size, "2MB");
        assert_int_equal(s.hugetlb[1].usage, 2097152);
        assert_int_equal(s.hugetlb[1].max, 4194304);
        assert_int_equal(s.hugetlb[1].failcnt, 1);
        zone_stats_done(&s);
        assert_null(s.memory.raw);
        assert_int_equal(s.n_hugetlb, 0);
}

/* Only a memory hierarchy, without swap accounting, max usage or memory.stat: the rest is
 * absent, not zero. */
static void test_v1_absent(void **ts)
{
        struct fake *f = *ts;
        const char *mem = add_dir(f, "memory", "memory", false);
        add_dir(f, "pids", "pids", false); /* the hierarchy is there, the files are not */
        put(mem, "memory.usage_in_bytes", "4096\n");
        put(mem, "memory.limit_in_bytes", "8192\n");
        struct zone_stats s;
        read_ok(f, &s);
        assert_true(s.memory.present);
        assert_int_equal(s.memory.usage, 4096);
        assert_int_equal(s.memory.limit, 8192);
        assert_false(s.memory.has_max_usage);
        assert_false(s.memory.has_swap);
        assert_int_equal(s.memory.n_raw, 0);
        assert_false(s.oom.present);
        assert_false(s.cpu.present);
        assert_false(s.cpu.has_throttling);
        assert_false(s.pids.present);
        assert_false(s.blkio.present);
        assert_int_equal(s.n_hugetlb, 0);
        zone_stats_done(&s);
}

static void test_v2(void **ts)
{
        struct fake *f = *ts;
        const char *d = add_dir(f, "unified", "cpuset cpu io memory hugetlb pids", true);
        put(d, "cpu.stat",
            "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\n"
            "throttled_usec 20\n");
        put(d, "memory.current", "65536\n");
        put(d, "memory.peak", "131072\n");
        put(d, "memory.max", "max\n");
        put(d, "memory.events", "low 0\nhigh 0\nmax 5\noom 2\noom_kill 1\n");
        put(d, "memory.stat", "anon 100\nfile 200\nkernel 300\n");
        put(d, "memory.swap.current", "10\n");
        put(d, "memory.swap.max", "1000\n");
        put(d, "pids.current", "2\n");
        put(d, "pids.max", "64\n");
        put(d, "io.stat", "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n");
        put(d, "hugetlb.2MB.current", "2097152\n");
        put(d, "hugetlb.2MB.events", "max 3\n");
        put(d, "hugetlb.2MB.rsvd.current", "0\n");

        struct zone_stats s;
        read_ok(f, &s);
        assert_true(s.cpu.present);
        assert_int_equal(s.cpu.total, 1500000);
        assert_int_equal(s.cpu.user, 1000000);
        assert_int_equal(s.cpu.kernel, 500000);
        assert_int_equal(s.cpu.n_percpu, 0);
        assert_true(s.cpu.has_throttling);
        assert_int_equal(s.cpu.periods, 4);
        assert_int_equal(s.cpu.throttled_periods, 1);
        assert_int_equal(s.cpu.throttled_time, 20000);

        assert_true(s.memory.present);
        assert_int_equal(s.memory.usage, 65536);
        assert_true(s.memory.has_max_usage);
        assert_int_equal(s.memory.max_usage, 131072);
        assert_int_equal(s.memory.limit, UINT64_MAX);
        assert_int_equal(s.memory.failcnt, 5);
        assert_int_equal(s.memory.cache, 200);
        assert_int_equal(s.memory.rss, 100);
        assert_int_equal(raw(&s, "kernel"), 300);
        assert_true(s.memory.has_swap);
        assert_int_equal(s.memory.swap_usage, 65546);
        assert_int_equal(s.memory.swap_limit, UINT64_MAX); /* memory.max is "max" */
        assert_true(s.oom.present);
        assert_int_equal(s.oom.oom, 2);
        assert_int_equal(s.oom.oom_kill, 1);

        assert_true(s.pids.present);
        assert_int_equal(s.pids.current, 2);
        assert_int_equal(s.pids.limit, 64);

        assert_true(s.blkio.present);
        assert_int_equal(s.blkio.n_service_bytes, 3);
        assert_string_equal(s.blkio.service_bytes[0].op, "Read");
        assert_int_equal(s.blkio.service_bytes[0].value, 1);
        assert_string_equal(s.blkio.service_bytes[1].op, "Write");
        assert_int_equal(s.blkio.service_bytes[1].value, 2);
        assert_int_equal(s.blkio.n_serviced, 3);
        assert_int_equal(s.blkio.serviced[1].value, 4);

        assert_int_equal(s.n_hugetlb, 1); /* rsvd is not a page size */
        assert_string_equal(s.hugetlb[0].page_size, "2MB");
        assert_int_equal(s.hugetlb[0].usage, 2097152);
        assert_int_equal(s.hugetlb[0].max, 0);
        assert_int_equal(s.hugetlb[0].failcnt, 3);
        zone_stats_done(&s);
}

/* Hybrid: v1 holds memory, cgroup2 the rest of what it has; v1 wins for memory. */
static void test_hybrid_v1_wins(void **ts)
{
        struct fake *f = *ts;
        const char *mem = add_dir(f, "memory", "memory", false);
        const char *d = add_dir(f, "unified", "hugetlb", true);
        put(mem, "memory.usage_in_bytes", "7\n");
        put(d, "memory.current", "99\n"); /* would be wrong to read */
        put(d, "cpu.stat", "usage_usec 2\nuser_usec 1\nsystem_usec 1\n");
        struct zone_stats s;
        read_ok(f, &s);
        assert_int_equal(s.memory.usage, 7);
        assert_true(s.cpu.present); /* no v1 cpuacct: cgroup2's cpu.stat */
        assert_int_equal(s.cpu.total, 2000);
        assert_false(s.cpu.has_throttling);
        assert_false(s.pids.present);
        zone_stats_done(&s);
}

static void test_bad_contents(void **ts)
{
        struct fake *f = *ts;
        const char *pids = add_dir(f, "pids", "pids", false);
        put(pids, "pids.current", "lots\n");
        struct zone_stats s;
        struct zone_err *err = NULL;
        assert_int_equal(zone_cgroup_stats(&f->cg, &s, &err), -EBADMSG);
        assert_non_null(err);
        char want[256];
        snprintf(want, sizeof(want),
                 "stats of cgroup /z: read %s/pids.current: \"lots\" is not a number", pids);
        assert_string_equal(err->msg, want);
        zone_err_free(err);
        err = NULL;
        assert_false(s.pids.present);

        put(pids, "pids.current", "1\n");
        const char *mem = add_dir(f, "memory", "memory", false);
        put(mem, "memory.usage_in_bytes", "1\n");
        put(mem, "memory.stat", "cache 1\nrss\n");
        assert_int_equal(zone_cgroup_stats(&f->cg, &s, &err), -EBADMSG);
        assert_non_null(strstr(err->msg, "memory.stat: bad line \"rss\""));
        zone_err_free(err);
}

static void test_v2_oom_source(void **ts)
{
        struct fake *f = *ts;
        const char *d = add_dir(f, "unified", "memory", true);
        put(d, "memory.events", "low 0\nhigh 0\nmax 0\noom 1\noom_kill 1\n");
        struct zone_cgroup_oom *oom = NULL;
        struct zone_err *err = NULL;
        if (zone_cgroup_oom_open(&f->cg, &oom, &err) < 0)
                fail_msg("oom open: %s", err->msg);
        struct pollfd p = {.fd = zone_cgroup_oom_fd(oom), .events = POLLIN};
        assert_int_equal(poll(&p, 1, 0), 0);
        /* Another key changing is a notification but no OOM. */
        put(d, "memory.events", "low 0\nhigh 3\nmax 0\noom 1\noom_kill 1\n");
        assert_int_equal(poll(&p, 1, 1000), 1);
        uint64_t n = 99;
        assert_int_equal(zone_cgroup_oom_read(oom, &n, &err), 0);
        assert_int_equal(n, 0);
        /* Two more OOM kills since: counted from what was seen when opened. */
        put(d, "memory.events", "low 0\nhigh 3\nmax 2\noom 3\noom_kill 3\n");
        assert_int_equal(poll(&p, 1, 1000), 1);
        assert_int_equal(zone_cgroup_oom_read(oom, &n, &err), 0);
        assert_int_equal(n, 2);
        assert_int_equal(poll(&p, 1, 0), 0);
        zone_cgroup_oom_free(oom);

        /* No memory controller anywhere: refused, with the cgroup named. */
        f->cg.n_dirs = 0;
        add_dir(f, "pids", "pids", false);
        assert_int_equal(zone_cgroup_oom_open(&f->cg, &oom, &err), -EOPNOTSUPP);
        assert_string_equal(err->msg, "follow OOMs of cgroup /z: no memory controller holds it");
        zone_err_free(err);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_v1, fake_up, fake_down),
            cmocka_unit_test_setup_teardown(test_v1_absent, fake_up, fake_down),
            cmocka_unit_test_setup_teardown(test_v2, fake_up, fake_down),
            cmocka_unit_test_setup_teardown(test_hybrid_v1_wins, fake_up, fake_down),
            cmocka_unit_test_setup_teardown(test_bad_contents, fake_up, fake_down),
            cmocka_unit_test_setup_teardown(test_v2_oom_source, fake_up, fake_down),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
