/* linux.resources.devices, the parts the unit tests reach: a rule list made into one policy,
 * the eBPF program generated from it and its attachment to a cgroup2 directory. */
#pragma once

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "spec.h"

/* Access bits, the same values as BPF_DEVCG_ACC_MKNOD/READ/WRITE. */
enum {
        CGROUP_DEV_MKNOD = 1,
        CGROUP_DEV_READ = 2,
        CGROUP_DEV_WRITE = 4,
        CGROUP_DEV_ALL = 7,
};

struct cgroup_dev_rule {
        bool allow;
        char type;            /* 'a' (both kinds), 'c' or 'b' */
        int64_t major, minor; /* -1: any */
        unsigned access;      /* CGROUP_DEV_* bits */
};

/* What a zone may do with device nodes: rules checked last first, each access bit decided by
 * the last rule that names it; bits no rule decides get the default. */
struct cgroup_dev_policy {
        bool default_allow;
        struct cgroup_dev_rule *rules;
        size_t n_rules;
};

/* Validates rules (errors name linux.resources.devices[i].field) and makes the policy: a rule
 * for every device of every type with all of "rwm" starts over from allow-all or deny-all,
 * the list starts from deny-all, and the devices the runtime itself makes in a zone are
 * allowed after the config's rules so that a zone keeps working whatever they say. */
int cgroup_dev_policy_build(const struct zone_spec_device_rule *rules, size_t n,
                            struct cgroup_dev_policy *ret, struct zone_err **err);
void cgroup_dev_policy_done(struct cgroup_dev_policy *p);

/* The v1 devices.allow/devices.deny line for r ("c 1:3 rwm"); type overrides r->type (a v1
 * rule of type 'a' would reset the whole list, so such rules are written once per type). */
void cgroup_dev_v1_line(const struct cgroup_dev_rule *r, char type, char *buf, size_t size);
/* Writes the policy to a v1 devices cgroup directory. */
int cgroup_dev_v1_write(const char *dir, const struct cgroup_dev_policy *p, struct zone_err **err);

/* A BPF_PROG_TYPE_CGROUP_DEVICE program for the policy (malloc'ed). */
int cgroup_dev_bpf_program(const struct cgroup_dev_policy *p, struct bpf_insn **ret, size_t *n,
                           struct zone_err **err);
/* Loads the policy's program and attaches it to the cgroup2 directory dirfd (named dir in
 * errors) with BPF_F_ALLOW_MULTI, then detaches the device programs attached there before:
 * every moment has a filter, for a while both (the kernel requires all of them to allow). */
int cgroup_dev_bpf_install(int dirfd, const char *dir, const struct cgroup_dev_policy *p,
                           struct zone_err **err);
