/* Unit tests for linux.resources.devices: rule validation, the policy, the generated eBPF
 * program (run here by a small interpreter, and for real by the kernel on a cgroup2 directory
 * made for the test under /sys/fs/cgroup/unified/zone-test/, removed at the end). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup_devices.h"
#include "cgroups/cgroup_internal.h"
#include "err.h"
#include "spec.h"
#include "util.h"

#define V2_ROOT "/sys/fs/cgroup/unified"

/* How many rules the runtime appends for its own devices. */
#define RUNTIME_RULES 10

static struct zone_spec_device_rule rule(bool allow, char type, int64_t major, int64_t minor,
                                         const char *access)
{
        return (struct zone_spec_device_rule){
            .allow = allow,
            .type = type,
            .has_major = major >= 0,
            .has_minor = minor >= 0,
            .major = major,
            .minor = minor,
            .access = (char *)access,
        };
}

/* ---- validation and the policy ---- */

static void expect_bad(const struct zone_spec_device_rule *rules, size_t n, const char *msg)
{
        struct cgroup_dev_policy p = {0};
        _cleanup_err_ struct zone_err *err = NULL;
        int r = cgroup_dev_policy_build(rules, n, &p, &err);
        assert_int_equal(r, -EINVAL);
        assert_non_null(err);
        assert_string_equal(err->msg, msg);
        assert_null(p.rules);
}

static void test_bad_rules(void **state)
{
        (void)state;
        struct zone_spec_device_rule rules[3] = {
            rule(false, 0, -1, -1, "rwm"),
            rule(true, 'c', 1, 3, "rw"),
            rule(true, 'x', 1, 5, "rw"),
        };
        expect_bad(rules, 3, "linux.resources.devices[2].type \"x\": must be a, b or c");
        rules[2] = rule(true, 'c', 1, 5, "rwx");
        expect_bad(rules, 3,
                   "linux.resources.devices[2].access \"rwx\": must be a combination of r, w "
                   "and m");
        rules[2] = rule(true, 'c', 4096, 5, "rw");
        expect_bad(rules, 3,
                   "linux.resources.devices[2].major 4096: must be from 0 to 4095 (or absent "
                   "for any)");
        rules[2] = rule(true, 'b', 8, -1, "rw");
        rules[2].has_minor = true;
        rules[2].minor = -7;
        expect_bad(rules, 3,
                   "linux.resources.devices[2].minor -7: must be from 0 to 1048575 (or absent "
                   "for any)");
}

static void test_policy(void **state)
{
        (void)state;
        struct zone_spec_device_rule rules[] = {
            rule(true, 'b', 8, 0, "r"),     /* forgotten by the reset below */
            rule(false, 'a', -1, -1, NULL), /* deny all: a reset */
            rule(true, 'c', 10, 200, "rw"), rule(false, 'c', 10, 200, "w"),
            rule(true, 'c', 4, -1, ""), /* grants nothing: dropped */
            rule(true, 0, -1, -1, "m"), /* every type, not every access: a rule */
        };
        struct cgroup_dev_policy p = {0};
        _cleanup_err_ struct zone_err *err = NULL;
        assert_int_equal(cgroup_dev_policy_build(rules, ARRAY_SIZE(rules), &p, &err), 0);
        assert_false(p.default_allow);
        assert_int_equal(p.n_rules, 3 + RUNTIME_RULES);
        assert_true(p.rules[0].allow);
        assert_int_equal(p.rules[0].type, 'c');
        assert_int_equal(p.rules[0].major, 10);
        assert_int_equal(p.rules[0].minor, 200);
        assert_int_equal(p.rules[0].access, CGROUP_DEV_READ | CGROUP_DEV_WRITE);
        assert_false(p.rules[1].allow);
        assert_int_equal(p.rules[1].access, CGROUP_DEV_WRITE);
        assert_int_equal(p.rules[2].type, 'a');
        assert_int_equal(p.rules[2].major, -1);
        assert_int_equal(p.rules[2].access, CGROUP_DEV_MKNOD);
        /* The runtime's own devices come last, so they win. */
        char line[64];
        cgroup_dev_v1_line(&p.rules[3], p.rules[3].type, line, sizeof(line));
        assert_string_equal(line, "c *:* m");
        cgroup_dev_v1_line(&p.rules[5], p.rules[5].type, line, sizeof(line));
        assert_string_equal(line, "c 1:3 rwm");
        cgroup_dev_v1_line(&p.rules[p.n_rules - 1], 'c', line, sizeof(line));
        assert_string_equal(line, "c 136:* rwm");
        cgroup_dev_v1_line(&p.rules[1], 'c', line, sizeof(line));
        assert_string_equal(line, "c 10:200 w");
        cgroup_dev_policy_done(&p);

        /* "allow all" last: the default is allow and nothing before it stays. */
        struct zone_spec_device_rule open_rules[] = {rule(false, 'c', 1, 3, "rwm"),
                                                     rule(true, 'a', -1, -1, "rwm")};
        assert_int_equal(cgroup_dev_policy_build(open_rules, 2, &p, &err), 0);
        assert_true(p.default_allow);
        assert_int_equal(p.n_rules, RUNTIME_RULES);
        cgroup_dev_policy_done(&p);
}

/* ---- the program, run by a tiny interpreter of the instructions it uses ---- */

static int run_program(const struct bpf_insn *insns, size_t n, char type, unsigned major,
                       unsigned minor, unsigned access)
{
        struct bpf_cgroup_dev_ctx ctx = {
            .access_type =
                (access << 16) | (type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK),
            .major = major,
            .minor = minor,
        };
        uint64_t reg[11] = {0};
        for (size_t pc = 0; pc < n; pc++) {
                const struct bpf_insn *i = &insns[pc];
                uint64_t imm = (uint64_t)(int64_t)i->imm;
                switch (i->code) {
                case BPF_LDX | BPF_MEM | BPF_W:
                        assert_int_equal(i->src_reg, 1);
                        assert_true(i->off >= 0 && (size_t)i->off + 4 <= sizeof(ctx));
                        uint32_t v;
                        memcpy(&v, (char *)&ctx + i->off, 4);
                        reg[i->dst_reg] = v;
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_K:
                        reg[i->dst_reg] = imm;
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_X:
                        reg[i->dst_reg] = reg[i->src_reg];
                        break;
                case BPF_ALU64 | BPF_AND | BPF_K:
                        reg[i->dst_reg] &= imm;
                        break;
                case BPF_ALU64 | BPF_RSH | BPF_K:
                        reg[i->dst_reg] >>= imm;
                        break;
                case BPF_JMP | BPF_JNE | BPF_K:
                        if (reg[i->dst_reg] != imm)
                                pc += i->off;
                        break;
                case BPF_JMP | BPF_JEQ | BPF_K:
                        if (reg[i->dst_reg] == imm)
                                pc += i->off;
                        break;
                case BPF_JMP | BPF_EXIT:
                        return (int)reg[0];
                default:
                        fail_msg("unexpected instruction %#x at %zu", i->code, pc);
                }
                assert_true(pc + 1 <= n);
        }
        fail_msg("the program ran off its end");
        return -1;
}

static void test_program(void **state)
{
        (void)state;
        struct cgroup_dev_rule rules[] = {
            {true, 'c', 10, -1, CGROUP_DEV_ALL},                     /* 4 insns */
            {false, 'c', 10, 200, CGROUP_DEV_WRITE},                 /* 8 */
            {true, 'b', -1, -1, CGROUP_DEV_READ | CGROUP_DEV_MKNOD}, /* 5 */
            {false, 'a', 7, -1, CGROUP_DEV_ALL},                     /* 3 */
        };
        struct cgroup_dev_policy p = {.default_allow = false, .rules = rules, .n_rules = 4};
        _cleanup_free_ struct bpf_insn *insns = NULL;
        size_t n = 0;
        _cleanup_err_ struct zone_err *err = NULL;
        assert_int_equal(cgroup_dev_bpf_program(&p, &insns, &n, &err), 0);
        assert_int_equal(n, 8 + 4 + 8 + 5 + 3 + 2);
        /* The last rule is checked first: right after the prologue, its major. */
        assert_int_equal(insns[8].code, BPF_JMP | BPF_JNE | BPF_K);
        assert_int_equal(insns[8].imm, 7);
        assert_int_equal(insns[n - 1].code, BPF_JMP | BPF_EXIT);
        assert_int_equal(insns[n - 2].imm, 0); /* default deny */

        const unsigned R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE, M = BPF_DEVCG_ACC_MKNOD;
        assert_int_equal(run_program(insns, n, 'c', 10, 1, R | W | M), 1);
        assert_int_equal(run_program(insns, n, 'c', 10, 200, R), 1);
        /* The later deny of w decides w; r is still the earlier rule's. */
        assert_int_equal(run_program(insns, n, 'c', 10, 200, W), 0);
        assert_int_equal(run_program(insns, n, 'c', 10, 200, R | W), 0);
        assert_int_equal(run_program(insns, n, 'c', 11, 0, R), 0);
        assert_int_equal(run_program(insns, n, 'b', 8, 0, R | M), 1);
        assert_int_equal(run_program(insns, n, 'b', 8, 0, R | W), 0);
        /* Major 7, any type: denied last, whatever came before. */
        assert_int_equal(run_program(insns, n, 'b', 7, 0, R), 0);

        /* Default allow: only what a rule denies is denied. */
        struct cgroup_dev_rule deny = {false, 'c', 1, 5, CGROUP_DEV_WRITE};
        struct cgroup_dev_policy open = {.default_allow = true, .rules = &deny, .n_rules = 1};
        _cleanup_free_ struct bpf_insn *insns2 = NULL;
        assert_int_equal(cgroup_dev_bpf_program(&open, &insns2, &n, &err), 0);
        assert_int_equal(run_program(insns2, n, 'c', 1, 5, R), 1);
        assert_int_equal(run_program(insns2, n, 'c', 1, 5, R | W), 0);
        assert_int_equal(run_program(insns2, n, 'b', 1, 5, W), 1);
}

/* The built policy for "deny all" still lets the runtime's own devices through. */
static void test_program_runtime_devices(void **state)
{
        (void)state;
        struct zone_spec_device_rule rules[] = {rule(false, 0, -1, -1, "rwm"),
                                                rule(true, 'b', 8, 0, "r")};
        struct cgroup_dev_policy p = {0};
        _cleanup_err_ struct zone_err *err = NULL;
        assert_int_equal(cgroup_dev_policy_build(rules, 2, &p, &err), 0);
        _cleanup_free_ struct bpf_insn *insns = NULL;
        size_t n = 0;
        assert_int_equal(cgroup_dev_bpf_program(&p, &insns, &n, &err), 0);
        cgroup_dev_policy_done(&p);
        const unsigned R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE, M = BPF_DEVCG_ACC_MKNOD;
        assert_int_equal(run_program(insns, n, 'c', 1, 3, R | W), 1);   /* null */
        assert_int_equal(run_program(insns, n, 'c', 136, 4, R | W), 1); /* a pts */
        assert_int_equal(run_program(insns, n, 'c', 5, 2, R | W), 1);   /* ptmx */
        assert_int_equal(run_program(insns, n, 'c', 1, 1, R), 0);       /* mem */
        assert_int_equal(run_program(insns, n, 'c', 1, 1, M), 1);       /* mknod of anything */
        assert_int_equal(run_program(insns, n, 'b', 8, 0, R), 1);
        assert_int_equal(run_program(insns, n, 'b', 8, 0, W), 0);
}

/* ---- for real: the kernel runs the program on a cgroup2 directory ---- */

struct v2_fixture {
        char dir[128];
        bool made_parent;
        int fd;
        char tmp[64];
};

static int v2_setup(void **state)
{
        struct v2_fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->fd = -1;
        *state = f;
        struct stat st;
        if (stat(V2_ROOT "/cgroup.procs", &st) < 0)
                return 0; /* no cgroup2 mount: the test says so */
        if (mkdir(V2_ROOT "/zone-test", 0755) == 0)
                f->made_parent = true;
        else
                assert_int_equal(errno, EEXIST);
        snprintf(f->dir, sizeof(f->dir), V2_ROOT "/zone-test/unit-devices-%d", (int)getpid());
        assert_int_equal(mkdir(f->dir, 0755), 0);
        f->fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(f->fd >= 0);
        strcpy(f->tmp, "/tmp/zone-unit-devices.XXXXXX");
        assert_non_null(mkdtemp(f->tmp));
        return 0;
}

static int v2_teardown(void **state)
{
        struct v2_fixture *f = *state;
        if (f->fd >= 0)
                close(f->fd);
        if (f->dir[0]) {
                /* The last process just left: the kernel may still hold the directory. */
                for (int i = 0; i < 200 && rmdir(f->dir) < 0 && errno == EBUSY; i++)
                        usleep(10000);
                struct stat st;
                assert_int_not_equal(stat(f->dir, &st), 0);
        }
        if (f->made_parent)
                rmdir(V2_ROOT "/zone-test"); /* another test may be using it by now */
        if (f->tmp[0]) {
                static const char *const files[] = {"node", "devices.allow", "devices.deny"};
                for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                        char p[96];
                        snprintf(p, sizeof(p), "%s/%s", f->tmp, files[i]);
                        unlink(p);
                }
                rmdir(f->tmp);
        }
        free(f);
        return 0;
}

static uint32_t attached_programs(int fd)
{
        uint32_t ids[16];
        union bpf_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.query.target_fd = (uint32_t)fd;
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
        attr.query.prog_cnt = 16;
        assert_int_equal(syscall(__NR_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)), 0);
        return attr.query.prog_cnt;
}

/* What a process in the cgroup may do, one bit per check that went as expected. */
enum {
        NULL_RW = 1,    /* open /dev/null O_RDWR */
        ZERO_RO = 2,    /* open /dev/zero O_RDONLY */
        MKNOD_NULL = 4, /* mknod c 1:3 */
        OPEN_NODE = 8,  /* open a node the parent made, O_RDONLY */
};

static int open_ok(const char *path, int flags)
{
        int fd = open(path, flags | O_CLOEXEC);
        if (fd >= 0) {
                close(fd);
                return 1;
        }
        if (errno != EPERM)
                _exit(100 + errno % 100); /* anything but the filter's answer is a failure */
        return 0;
}

/* Forks a child that joins the cgroup and reports which operations succeeded. */
static int probe(struct v2_fixture *f)
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char procs[160], me[16];
                snprintf(procs, sizeof(procs), "%s/cgroup.procs", f->dir);
                snprintf(me, sizeof(me), "%d", (int)getpid());
                int fd = open(procs, O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, me, strlen(me)) != (ssize_t)strlen(me))
                        _exit(99);
                close(fd);
                int got = 0;
                got |= open_ok("/dev/null", O_RDWR) ? NULL_RW : 0;
                got |= open_ok("/dev/zero", O_RDONLY) ? ZERO_RO : 0;
                char node[96];
                snprintf(node, sizeof(node), "%s/node", f->tmp);
                unlink(node);
                if (mknod(node, S_IFCHR | 0600, makedev(1, 3)) == 0)
                        got |= MKNOD_NULL;
                else if (errno != EPERM)
                        _exit(98);
                unlink(node);
                _exit(got);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_true(WEXITSTATUS(status) < 98);
        return WEXITSTATUS(status);
}

/* A child opening a node the parent made (mknod is itself under the rules). */
static int probe_node(struct v2_fixture *f, unsigned major, unsigned minor)
{
        char node[96];
        snprintf(node, sizeof(node), "%s/node", f->tmp);
        unlink(node);
        assert_int_equal(mknod(node, S_IFCHR | 0600, makedev(major, minor)), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char procs[160], me[16];
                snprintf(procs, sizeof(procs), "%s/cgroup.procs", f->dir);
                snprintf(me, sizeof(me), "%d", (int)getpid());
                int fd = open(procs, O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, me, strlen(me)) != (ssize_t)strlen(me))
                        _exit(99);
                close(fd);
                _exit(open_ok(node, O_RDONLY) ? OPEN_NODE : 0);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_true(WEXITSTATUS(status) < 98);
        unlink(node);
        return WEXITSTATUS(status);
}

static void test_kernel_filter(void **state)
{
        struct v2_fixture *f = *state;
        if (f->fd < 0) {
                fprintf(stderr, "skipped: no cgroup2 mounted at " V2_ROOT "\n");
                skip();
        }

        /* Deny all, allow c 1:3 rw -- without the runtime's own devices, to see the filter
         * alone. */
        struct cgroup_dev_rule null_rw = {true, 'c', 1, 3, CGROUP_DEV_READ | CGROUP_DEV_WRITE};
        struct cgroup_dev_policy p = {.default_allow = false, .rules = &null_rw, .n_rules = 1};
        _cleanup_err_ struct zone_err *err = NULL;
        int r = cgroup_dev_bpf_install(f->fd, f->dir, &p, &err);
        assert_int_equal(r, 0);
        assert_int_equal(attached_programs(f->fd), 1);
        /* /dev/null opens, /dev/zero does not (EPERM), mknod is not allowed even for 1:3. */
        assert_int_equal(probe(f), NULL_RW);

        /* Replacing it (an update): the new program alone stays attached. */
        struct zone_spec_device_rule rules[] = {rule(false, 0, -1, -1, "rwm")};
        struct cgroup_dev_policy built = {0};
        assert_int_equal(cgroup_dev_policy_build(rules, 1, &built, &err), 0);
        r = cgroup_dev_bpf_install(f->fd, f->dir, &built, &err);
        cgroup_dev_policy_done(&built);
        assert_int_equal(r, 0);
        assert_int_equal(attached_programs(f->fd), 1);
        /* The runtime's devices are allowed, and mknod of any node. */
        assert_int_equal(probe(f), NULL_RW | ZERO_RO | MKNOD_NULL);
        /* A device the runtime does not provide: c 1:1 cannot be opened. */
        assert_int_equal(probe_node(f, 1, 1), 0);
        /* ... while one it does can, through the same kind of node. */
        assert_int_equal(probe_node(f, 1, 5), OPEN_NODE);
}

static void put_empty(const char *dir, const char *name)
{
        char p[128];
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        close(fd);
}

static char *read_back(const char *dir, const char *name)
{
        char *text = NULL;
        assert_int_equal(cgroup_read(dir, name, &text), 0);
        return text;
}

/* The entry point: no rules, the runtime's devices only; cgroup2 alone, the program; a v1 devices
 * hierarchy besides, the v1 lists and no program. */
static void test_apply_picks_hierarchy(void **state)
{
        struct v2_fixture *f = *state;
        if (f->fd < 0) {
                fprintf(stderr, "skipped: no cgroup2 mounted at " V2_ROOT "\n");
                skip();
        }
        struct zone_cgroup_dir dirs[2] = {
            {.mountpoint = V2_ROOT, .controllers = "", .v2 = true, .dir = f->dir},
            /* A stand-in v1 directory: regular files take the writes (each over the last). */
            {.mountpoint = "/tmp", .controllers = "devices", .v2 = false, .dir = f->tmp},
        };
        struct zone_cgroup cg = {.path = "/zone-test/unit-devices", .dirs = dirs, .n_dirs = 1};
        struct zone_spec_device_rule rules[] = {rule(false, 0, -1, -1, "rwm")};
        struct zone_spec_resources res = {.present = true};
        _cleanup_err_ struct zone_err *err = NULL;

        /* An update without rules leaves the devices alone; a new zone without rules gets
         * the runtime's devices only. */
        assert_int_equal(cgroup_devices_apply(&cg, &res, true, &err), 0);
        assert_int_equal(attached_programs(f->fd), 0);
        assert_int_equal(cgroup_devices_apply(&cg, NULL, false, &err), 0);
        assert_int_equal(attached_programs(f->fd), 1);
        assert_int_equal(probe_node(f, 10, 237), 0);

        res.devices = rules;
        res.n_devices = 1;
        assert_int_equal(cgroup_devices_apply(&cg, &res, false, &err), 0);
        assert_int_equal(attached_programs(f->fd), 1);
        assert_int_equal(cgroup_devices_apply(&cg, &res, true, &err), 0);
        assert_int_equal(attached_programs(f->fd), 1);
        assert_int_equal(probe(f), NULL_RW | ZERO_RO | MKNOD_NULL);
        assert_int_equal(probe_node(f, 10, 237), 0);

        /* With a v1 devices hierarchy the lists are written and cgroup2 is left alone. */
        struct zone_spec_device_rule bad[] = {rule(false, 0, -1, -1, "rwm"),
                                              rule(true, 'q', -1, -1, "r")};
        res.devices = bad;
        res.n_devices = 2;
        assert_int_equal(cgroup_devices_apply(&cg, &res, true, &err), -EINVAL);
        assert_string_equal(err->msg, "linux.resources.devices[1].type \"q\": must be a, b or c");
        zone_err_free(err);
        err = NULL;
        res.devices = rules;
        res.n_devices = 1;
        put_empty(f->tmp, "devices.allow");
        put_empty(f->tmp, "devices.deny");
        char fresh[160];
        snprintf(fresh, sizeof(fresh), "%s/v1", f->dir);
        /* A fresh cgroup2 child to see that nothing gets attached to it. */
        assert_int_equal(mkdir(fresh, 0755), 0);
        dirs[0].dir = fresh;
        cg.n_dirs = 2;
        int r = cgroup_devices_apply(&cg, &res, false, &err);
        int freshfd = open(fresh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        uint32_t n = freshfd >= 0 ? attached_programs(freshfd) : 99;
        if (freshfd >= 0)
                close(freshfd);
        assert_int_equal(rmdir(fresh), 0);
        assert_int_equal(r, 0);
        assert_int_equal(n, 0);
        _cleanup_free_ char *deny = read_back(f->tmp, "devices.deny");
        _cleanup_free_ char *allow = read_back(f->tmp, "devices.allow");
        assert_string_equal(deny, "a");
        assert_string_equal(allow, "c 136:* rwm");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_bad_rules),
            cmocka_unit_test(test_policy),
            cmocka_unit_test(test_program),
            cmocka_unit_test(test_program_runtime_devices),
            cmocka_unit_test_setup_teardown(test_kernel_filter, v2_setup, v2_teardown),
            cmocka_unit_test_setup_teardown(test_apply_picks_hierarchy, v2_setup, v2_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
