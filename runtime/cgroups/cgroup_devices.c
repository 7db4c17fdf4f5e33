/* linux.resources.devices: the v1 devices controller's lists, or an eBPF device program on
 * cgroup2.
 *
 * The rules mean what they mean to runc: in order, the last one that matches decides, and once
 * a list is given everything starts denied. runc then allows the devices it makes in every
 * container; so does this file, so that "deny all" still leaves a working /dev. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroups/cgroup_devices.h"
#include "cgroups/cgroup_internal.h"
#include "util.h"

/* The largest numbers a Linux dev_t can carry (12 and 20 bits). */
#define DEV_MAJOR_MAX 0xfffLL
#define DEV_MINOR_MAX 0xfffffLL

/* Allowed after the config's rules: mknod of any node (opening it still needs a rule; the
 * runtime makes linux.devices nodes inside the zone's cgroup), and every node the runtime
 * itself makes in a zone: the spec's default devices, the devpts instance's ptmx and its
 * terminals (a zone's console is one of them). Unlike runc, not tun: zones do not get it. */
static const struct cgroup_dev_rule runtime_rules[] = {
    {true, 'c', -1, -1, CGROUP_DEV_MKNOD}, {true, 'b', -1, -1, CGROUP_DEV_MKNOD},
    {true, 'c', 1, 3, CGROUP_DEV_ALL},     {true, 'c', 1, 5, CGROUP_DEV_ALL},
    {true, 'c', 1, 7, CGROUP_DEV_ALL},     {true, 'c', 1, 8, CGROUP_DEV_ALL},
    {true, 'c', 1, 9, CGROUP_DEV_ALL},     {true, 'c', 5, 0, CGROUP_DEV_ALL},
    {true, 'c', 5, 2, CGROUP_DEV_ALL},     {true, 'c', 136, -1, CGROUP_DEV_ALL},
};

/* ---- the policy ---- */

static int dev_number(int64_t v, bool has, int64_t max, size_t i, const char *field, int64_t *ret,
                      struct zone_err **err)
{
        /* -1 is how runc writes "any"; some configs carry it. */
        if (!has || v == -1) {
                *ret = -1;
                return 0;
        }
        if (v < 0 || v > max)
                return zone_err_set(err, -EINVAL,
                                    "linux.resources.devices[%zu].%s %lld: must be from 0 to %lld "
                                    "(or absent for any)",
                                    i, field, (long long)v, (long long)max);
        *ret = v;
        return 0;
}

static int rule_from_spec(const struct zone_spec_device_rule *s, size_t i,
                          struct cgroup_dev_rule *ret, struct zone_err **err)
{
        struct cgroup_dev_rule r = {.allow = s->allow, .type = s->type ? s->type : 'a'};
        if (r.type != 'a' && r.type != 'b' && r.type != 'c') {
                char shown[8];
                if (s->type > 0x20 && s->type < 0x7f)
                        snprintf(shown, sizeof(shown), "%c", s->type);
                else
                        snprintf(shown, sizeof(shown), "\\x%02x", (unsigned char)s->type);
                return zone_err_set(err, -EINVAL,
                                    "linux.resources.devices[%zu].type \"%s\": must be a, b or c",
                                    i, shown);
        }
        int rc = dev_number(s->major, s->has_major, DEV_MAJOR_MAX, i, "major", &r.major, err);
        if (rc == 0)
                rc = dev_number(s->minor, s->has_minor, DEV_MINOR_MAX, i, "minor", &r.minor, err);
        if (rc < 0)
                return rc;
        if (!s->access) {
                r.access = CGROUP_DEV_ALL;
        } else {
                /* "" grants or takes nothing, as a v1 line without access letters does. */
                for (const char *a = s->access; *a; a++) {
                        unsigned bit = *a == 'r'   ? CGROUP_DEV_READ
                                       : *a == 'w' ? CGROUP_DEV_WRITE
                                       : *a == 'm' ? CGROUP_DEV_MKNOD
                                                   : 0;
                        if (!bit)
                                return zone_err_set(err, -EINVAL,
                                                    "linux.resources.devices[%zu].access \"%s\": "
                                                    "must be a combination of r, w and m",
                                                    i, s->access);
                        r.access |= bit;
                }
        }
        *ret = r;
        return 0;
}

static bool is_reset(const struct cgroup_dev_rule *r)
{
        return r->type == 'a' && r->major < 0 && r->minor < 0 && r->access == CGROUP_DEV_ALL;
}

int cgroup_dev_policy_build(const struct zone_spec_device_rule *rules, size_t n,
                            struct cgroup_dev_policy *ret, struct zone_err **err)
{
        struct cgroup_dev_policy p = {.default_allow = false};
        p.rules = calloc(n + ARRAY_SIZE(runtime_rules), sizeof(*p.rules));
        if (!p.rules)
                return zone_err_sys(err, -ENOMEM, "linux.resources.devices");
        for (size_t i = 0; i < n; i++) {
                struct cgroup_dev_rule r;
                int rc = rule_from_spec(&rules[i], i, &r, err);
                if (rc < 0) {
                        cgroup_dev_policy_done(&p);
                        return rc;
                }
                if (is_reset(&r)) {
                        /* Nothing before it can match any more. */
                        p.default_allow = r.allow;
                        p.n_rules = 0;
                } else if (r.access) {
                        p.rules[p.n_rules++] = r;
                }
        }
        for (size_t i = 0; i < ARRAY_SIZE(runtime_rules); i++)
                p.rules[p.n_rules++] = runtime_rules[i];
        *ret = p;
        return 0;
}

void cgroup_dev_policy_done(struct cgroup_dev_policy *p)
{
        free(p->rules);
        p->rules = NULL;
        p->n_rules = 0;
}

/* ---- cgroup v1 ---- */

void cgroup_dev_v1_line(const struct cgroup_dev_rule *r, char type, char *buf, size_t size)
{
        char maj[24] = "*", min[24] = "*", acc[4] = "";
        size_t k = 0;
        if (r->major >= 0)
                snprintf(maj, sizeof(maj), "%lld", (long long)r->major);
        if (r->minor >= 0)
                snprintf(min, sizeof(min), "%lld", (long long)r->minor);
        if (r->access & CGROUP_DEV_READ)
                acc[k++] = 'r';
        if (r->access & CGROUP_DEV_WRITE)
                acc[k++] = 'w';
        if (r->access & CGROUP_DEV_MKNOD)
                acc[k++] = 'm';
        acc[k] = 0;
        snprintf(buf, size, "%c %s:%s %s", type, maj, min, acc);
}

/* The kernel's lists are close to the policy but not the same where rules overlap: an entry
 * only cancels one with the very same type and numbers (a later "deny c *:* rwm" does not take
 * back an earlier "allow c 1:3 rwm"), where the eBPF program lets the later rule decide. */
int cgroup_dev_v1_write(const char *dir, const struct cgroup_dev_policy *p, struct zone_err **err)
{
        /* On a live zone (update) this starts over from the new default: between this write and
         * the last allow line, the zone's new opens of devices the lists are about to allow
         * fail with EPERM; files it has open stay usable. */
        int r = cgroup_write(dir, p->default_allow ? "devices.allow" : "devices.deny", "a", err);
        for (size_t i = 0; r == 0 && i < p->n_rules; i++) {
                const struct cgroup_dev_rule *rule = &p->rules[i];
                const char *file = rule->allow ? "devices.allow" : "devices.deny";
                char one[2] = {rule->type, 0};
                for (const char *t = rule->type == 'a' ? "cb" : one; r == 0 && *t; t++) {
                        char line[64];
                        cgroup_dev_v1_line(rule, *t, line, sizeof(line));
                        r = cgroup_write(dir, file, line, err);
                }
        }
        if (r < 0)
                return zone_err_wrap(err, "linux.resources.devices");
        return 0;
}

/* ---- cgroup2: the eBPF program ---- */

/* Registers of the generated program. */
enum { R0, R1, R2, R3, R4, R5, R6, R7, R8 };
#define REG_CTX    R1
#define REG_TYPE   R3 /* BPF_DEVCG_DEV_CHAR or _BLOCK */
#define REG_ACCESS R4 /* requested BPF_DEVCG_ACC_* bits */
#define REG_MAJOR  R5
#define REG_MINOR  R6
#define REG_OPEN   R7 /* requested bits no rule has decided yet */
#define REG_TMP    R8

struct prog {
        struct bpf_insn *insns;
        size_t n;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
        p->insns[p->n++] =
            (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

static void emit_load_u32(struct prog *p, uint8_t dst, int16_t off)
{
        emit(p, BPF_LDX | BPF_MEM | BPF_W, dst, REG_CTX, off, 0);
}

static void emit_alu_imm(struct prog *p, uint8_t op, uint8_t dst, int32_t imm)
{
        emit(p, BPF_ALU64 | op | BPF_K, dst, 0, 0, imm);
}

static void emit_mov_reg(struct prog *p, uint8_t dst, uint8_t src)
{
        emit(p, BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}

/* A jump to `target` (an instruction index) when the test holds. */
static void emit_jump(struct prog *p, uint8_t op, uint8_t reg, int32_t imm, size_t target)
{
        emit(p, BPF_JMP | op | BPF_K, reg, 0, (int16_t)(target - (p->n + 1)), imm);
}

static void emit_return(struct prog *p, bool allow)
{
        emit_alu_imm(p, BPF_MOV, R0, allow ? 1 : 0);
        emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

enum { PROLOGUE_LEN = 8, EPILOGUE_LEN = 2, RULE_MAX_LEN = 8 };

static size_t rule_len(const struct cgroup_dev_rule *r)
{
        size_t n = (r->type != 'a') + (r->major >= 0) + (r->minor >= 0);
        if (r->access == CGROUP_DEV_ALL)
                return n + 2; /* every open bit is decided: return */
        if (r->allow)
                return n + 4; /* clear the bits it allows; return when none is left */
        return n + 5;         /* return deny when it names an open bit */
}

static void emit_rule(struct prog *p, const struct cgroup_dev_rule *r)
{
        size_t next = p->n + rule_len(r);
        if (r->type != 'a')
                emit_jump(p, BPF_JNE, REG_TYPE,
                          r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, next);
        if (r->major >= 0)
                emit_jump(p, BPF_JNE, REG_MAJOR, (int32_t)r->major, next);
        if (r->minor >= 0)
                emit_jump(p, BPF_JNE, REG_MINOR, (int32_t)r->minor, next);
        if (r->access != CGROUP_DEV_ALL && r->allow) {
                emit_alu_imm(p, BPF_AND, REG_OPEN, (int32_t)(~r->access & CGROUP_DEV_ALL));
                emit_jump(p, BPF_JNE, REG_OPEN, 0, next);
        } else if (r->access != CGROUP_DEV_ALL) {
                emit_mov_reg(p, REG_TMP, REG_OPEN);
                emit_alu_imm(p, BPF_AND, REG_TMP, (int32_t)r->access);
                emit_jump(p, BPF_JEQ, REG_TMP, 0, next);
        }
        emit_return(p, r->allow);
}

int cgroup_dev_bpf_program(const struct cgroup_dev_policy *pol, struct bpf_insn **ret, size_t *n,
                           struct zone_err **err)
{
        size_t cap = PROLOGUE_LEN + EPILOGUE_LEN + pol->n_rules * RULE_MAX_LEN;
        struct prog p = {.insns = calloc(cap, sizeof(*p.insns))};
        if (!p.insns)
                return zone_err_sys(err, -ENOMEM, "generate the eBPF device program");
        /* access_type: the device type in the low 16 bits, the access in the high ones. */
        emit_load_u32(&p, R2, offsetof(struct bpf_cgroup_dev_ctx, access_type));
        emit_mov_reg(&p, REG_TYPE, R2);
        emit_alu_imm(&p, BPF_AND, REG_TYPE, 0xffff);
        emit_mov_reg(&p, REG_ACCESS, R2);
        emit_alu_imm(&p, BPF_RSH, REG_ACCESS, 16);
        emit_load_u32(&p, REG_MAJOR, offsetof(struct bpf_cgroup_dev_ctx, major));
        emit_load_u32(&p, REG_MINOR, offsetof(struct bpf_cgroup_dev_ctx, minor));
        emit_mov_reg(&p, REG_OPEN, REG_ACCESS);
        /* Last rule first: the first to decide a bit is the last one that names it. */
        for (size_t i = pol->n_rules; i-- > 0;)
                emit_rule(&p, &pol->rules[i]);
        emit_return(&p, pol->default_allow);
        *ret = p.insns;
        *n = p.n;
        return 0;
}

/* ---- cgroup2: load, attach, detach ---- */

static int sys_bpf(int cmd, union bpf_attr *attr)
{
        long r = syscall(__NR_bpf, cmd, attr, sizeof(*attr));
        return r < 0 ? -errno : (int)r;
}

/* The verifier's log on one line (the CLI prints errors as one line). */
static void one_line(char *s)
{
        size_t len = strlen(s);
        while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
                s[--len] = 0;
        for (char *c = s; *c; c++)
                if (*c == '\n')
                        *c = '|';
}

static int load_program(const struct bpf_insn *insns, size_t n, const char *dir,
                        struct zone_err **err)
{
        union bpf_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t)(uintptr_t)insns;
        attr.insn_cnt = (uint32_t)n;
        attr.license = (uint64_t)(uintptr_t) "GPL";
        int fd = sys_bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0)
                return fd;
        if (fd != -EINVAL && fd != -EACCES)
                return zone_err_sys(err, fd, "load the eBPF device program for %s", dir);
        /* Rejected by the verifier: load again, this time asking why. */
        size_t size = 1 << 16;
        _cleanup_free_ char *log = calloc(1, size);
        if (!log)
                return zone_err_sys(err, -ENOMEM, "load the eBPF device program for %s", dir);
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = (uint32_t)size;
        attr.log_level = 1;
        int again = sys_bpf(BPF_PROG_LOAD, &attr);
        if (again >= 0)
                return again;
        log[size - 1] = 0;
        one_line(log);
        return zone_err_set(err, again, "load the eBPF device program for %s: %s (verifier: %s)",
                            dir, zone_errno_name(again), *log ? log : "no log");
}

/* The ids of the device programs attached to dirfd itself. */
static int query_programs(int dirfd, const char *dir, uint32_t **ret, uint32_t *n,
                          struct zone_err **err)
{
        for (uint32_t cap = 16;; cap *= 4) {
                _cleanup_free_ uint32_t *ids = calloc(cap, sizeof(*ids));
                if (!ids)
                        return zone_err_sys(err, -ENOMEM, "list the device programs of %s", dir);
                union bpf_attr attr;
                memset(&attr, 0, sizeof(attr));
                attr.query.target_fd = (uint32_t)dirfd;
                attr.query.attach_type = BPF_CGROUP_DEVICE;
                attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
                attr.query.prog_cnt = cap;
                int r = sys_bpf(BPF_PROG_QUERY, &attr);
                if (r == -ENOSPC && cap < (1u << 16))
                        continue;
                if (r < 0)
                        return zone_err_sys(err, r, "list the device programs of %s", dir);
                *n = attr.query.prog_cnt;
                *ret = steal_pointer(&ids);
                return 0;
        }
}

static int detach_program(int dirfd, const char *dir, uint32_t id, struct zone_err **err)
{
        union bpf_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.prog_id = id;
        _cleanup_close_ int fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
        /* Gone already: someone else replaced it meanwhile. */
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return zone_err_sys(err, fd, "open device program %u of %s", id, dir);
        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t)dirfd;
        attr.attach_bpf_fd = (uint32_t)fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        int r = sys_bpf(BPF_PROG_DETACH, &attr);
        if (r < 0 && r != -ENOENT)
                return zone_err_sys(err, r, "detach device program %u from %s", id, dir);
        return 0;
}

int cgroup_dev_bpf_install(int dirfd, const char *dir, const struct cgroup_dev_policy *pol,
                           struct zone_err **err)
{
        _cleanup_free_ struct bpf_insn *insns = NULL;
        size_t n = 0;
        int r = cgroup_dev_bpf_program(pol, &insns, &n, err);
        if (r < 0)
                return r;
        _cleanup_close_ int prog = load_program(insns, n, dir, err);
        if (prog < 0)
                return prog;
        _cleanup_free_ uint32_t *old = NULL;
        uint32_t n_old = 0;
        if ((r = query_programs(dirfd, dir, &old, &n_old, err)) < 0)
                return r;
        union bpf_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t)dirfd;
        attr.attach_bpf_fd = (uint32_t)prog;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        if ((r = sys_bpf(BPF_PROG_ATTACH, &attr)) < 0)
                return zone_err_sys(err, r, "attach the eBPF device program to %s", dir);
        /* The attachment holds the program now; the old ones go only after it is in place. */
        for (uint32_t i = 0; i < n_old; i++)
                if ((r = detach_program(dirfd, dir, old[i], err)) < 0)
                        return r;
        return 0;
}

/* ---- entry point ---- */

static void policy_cleanup(struct cgroup_dev_policy *p)
{
        cgroup_dev_policy_done(p);
}

int cgroup_devices_apply(struct zone_cgroup *cg, const struct zone_spec_resources *res, bool update,
                         struct zone_err **err)
{
        /* Both paths replace whatever was there; see each for what a live zone sees meanwhile.
         * A new zone without rules still gets only the runtime's own devices, as in runc: a
         * zone that may mknod must not reach the host's disks. An update that names no rules
         * leaves them as they are. */
        bool no_rules = !res || res->n_devices == 0;
        if (update && no_rules)
                return 0;
        _cleanup_(policy_cleanup) struct cgroup_dev_policy pol = {0};
        int r = cgroup_dev_policy_build(no_rules ? NULL : res->devices,
                                        no_rules ? 0 : res->n_devices, &pol, err);
        if (r < 0)
                return r;
        /* As runc on hybrid hosts: a v1 devices hierarchy, when there is one, is the one. */
        struct zone_cgroup_dir *d = cgroup_v1_dir(cg, "devices");
        if (d)
                return cgroup_dev_v1_write(d->dir, &pol, err);
        d = cgroup_v2_dir(cg);
        if (!d && no_rules)
                return 0; /* no device control on this host, and none asked for */
        if (!d)
                return zone_err_set(err, -EOPNOTSUPP,
                                    "linux.resources.devices: cgroup %s: the host has neither a "
                                    "v1 devices hierarchy nor cgroup2",
                                    cg->path);
        _cleanup_close_ int fd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "open %s", d->dir);
        r = cgroup_dev_bpf_install(fd, d->dir, &pol, err);
        if (r < 0)
                return zone_err_wrap(err, "linux.resources.devices");
        return 0;
}
