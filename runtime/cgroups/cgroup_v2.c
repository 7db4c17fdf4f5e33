/* Resource limits on the cgroup2 hierarchy, for the controllers no v1 hierarchy holds (all of
 * them on a pure v2 host), and the v1 -> v2 value translations. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroups/cgroup_internal.h"
#include "cgroups/cgroup_v2.h"
#include "util.h"

uint64_t zone_cgroup_v2_weight(uint64_t shares)
{
        if (shares == 0)
                return 0;
        if (shares < 2)
                shares = 2;
        if (shares > 262144)
                shares = 262144;
        /* Linear map of [2, 262144] onto [1, 10000]. */
        return 1 + ((shares - 2) * 9999) / 262142;
}

int zone_cgroup_v2_cpu_max(bool has_quota, int64_t quota, bool has_period, uint64_t period,
                           char *buf, size_t len)
{
        uint64_t p = has_period && period ? period : 100000;
        int n;
        if (!has_quota || quota <= 0)
                n = snprintf(buf, len, "max %" PRIu64, p);
        else
                n = snprintf(buf, len, "%" PRId64 " %" PRIu64, quota, p);
        return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

void zone_cgroup_v2_memory_value(int64_t v, char *buf, size_t len)
{
        if (v < 0)
                snprintf(buf, len, "max");
        else
                snprintf(buf, len, "%" PRId64, v);
}

int zone_cgroup_v2_swap(int64_t swap, int64_t limit, int64_t *ret, bool *set, struct zone_err **err)
{
        *set = true;
        /* As v1 does: unlimited memory with swap unset means both unlimited. */
        if (limit == -1 && swap == 0) {
                *ret = -1;
                return 0;
        }
        if (swap == -1) {
                *ret = -1;
                return 0;
        }
        if (swap == 0) {
                *set = false;
                return 0;
        }
        if (limit <= 0)
                return zone_err_set(err, -EINVAL,
                                    "linux.resources.memory.swap \"%" PRId64
                                    "\": a swap limit needs a memory limit",
                                    swap);
        if (swap < limit)
                return zone_err_set(err, -EINVAL,
                                    "linux.resources.memory.swap \"%" PRId64
                                    "\": must be at least linux.resources.memory.limit (%" PRId64
                                    "): it counts memory and swap together",
                                    swap, limit);
        *ret = swap - limit;
        return 0;
}

void zone_cgroup_v2_pids_max(int64_t limit, char *buf, size_t len)
{
        zone_cgroup_v2_memory_value(limit <= 0 ? -1 : limit, buf, len);
}

/* The controllers res needs that v1 does not provide. */
static void needed(struct zone_cgroup *cg, const struct zone_spec_resources *res, const char **out,
                   const char **field, size_t *n)
{
        *n = 0;
        bool mem = res->memory.has_limit || res->memory.has_reservation || res->memory.has_swap;
        bool cpu = (res->cpu.has_shares && res->cpu.shares) ||
                   (res->cpu.has_quota && res->cpu.quota) ||
                   (res->cpu.has_period && res->cpu.period);
        bool cpuset = (res->cpu.cpus && *res->cpu.cpus) || (res->cpu.mems && *res->cpu.mems);
        if (mem && !cgroup_v1_dir(cg, "memory")) {
                field[*n] = "memory";
                out[(*n)++] = "memory";
        }
        if (cpu && !cgroup_v1_dir(cg, "cpu")) {
                field[*n] = "cpu";
                out[(*n)++] = "cpu";
        }
        if (cpuset && !cgroup_v1_dir(cg, "cpuset")) {
                field[*n] = "cpu.cpus";
                out[(*n)++] = "cpuset";
        }
        if (res->pids.has_limit && !cgroup_v1_dir(cg, "pids")) {
                field[*n] = "pids";
                out[(*n)++] = "pids";
        }
}

static char *parent_dir(const char *dir, size_t up)
{
        char *s = strdup(dir);
        for (size_t i = 0; s && i < up; i++) {
                char *slash = strrchr(s, '/');
                if (slash)
                        *slash = 0;
        }
        return s;
}

/* Makes controller c usable in the zone's cgroup: the parent we did not create must already
 * delegate it (it is not ours to change); the levels we created delegate it down. */
static int enable(struct zone_cgroup_dir *d, const char *c, const char *field,
                  struct zone_err **err)
{
        if (!cgroup_has_controller(d->controllers, c))
                return zone_err_set(err, -EOPNOTSUPP,
                                    "linux.resources.%s: the %s controller is not available on "
                                    "this host",
                                    field, c);
        _cleanup_free_ char *top = parent_dir(d->dir, d->created);
        if (!top)
                return zone_err_sys(err, -ENOMEM, "enable %s in %s", c, d->dir);
        _cleanup_free_ char *st = NULL;
        int r = cgroup_read(top, "cgroup.subtree_control", &st);
        if (r < 0)
                return zone_err_sys(err, r, "read %s/cgroup.subtree_control", top);
        if (!cgroup_has_controller(st, c))
                return zone_err_set(err, -EOPNOTSUPP,
                                    "linux.resources.%s: %s/cgroup.subtree_control does not "
                                    "delegate the %s controller",
                                    field, top, c);
        char plus[32];
        snprintf(plus, sizeof(plus), "+%s", c);
        for (size_t up = d->created; up-- > 1;) {
                _cleanup_free_ char *p = parent_dir(d->dir, up);
                if (!p)
                        return zone_err_sys(err, -ENOMEM, "enable %s in %s", c, d->dir);
                if ((r = cgroup_write(p, "cgroup.subtree_control", plus, err)) < 0)
                        return r;
        }
        return 0;
}

int cgroup_v2_apply(struct zone_cgroup *cg, const struct zone_spec_resources *res, bool update,
                    struct zone_err **err)
{
        struct zone_cgroup_dir *d = cgroup_v2_dir(cg);
        if (!res)
                return 0;
        const char *ctrl[4], *field[4];
        size_t n;
        needed(cg, res, ctrl, field, &n);
        if (n == 0)
                return 0;
        if (!d)
                return zone_err_set(err, -EOPNOTSUPP,
                                    "linux.resources.%s: no %s controller on this host", field[0],
                                    ctrl[0]);
        int r;
        for (size_t i = 0; i < n; i++)
                if ((r = enable(d, ctrl[i], field[i], err)) < 0)
                        return r;
        char buf[64];
        for (size_t i = 0; i < n; i++) {
                if (!strcmp(ctrl[i], "memory")) {
                        /* swappiness and disableOOMKiller have no v2 knob. */
                        if (res->memory.has_limit) {
                                zone_cgroup_v2_memory_value(res->memory.limit, buf, sizeof(buf));
                                if ((r = cgroup_write_field(d->dir, "memory.max", buf,
                                                            "memory.limit", err)) < 0)
                                        return r;
                        }
                        if (res->memory.has_reservation) {
                                zone_cgroup_v2_memory_value(res->memory.reservation, buf,
                                                            sizeof(buf));
                                if ((r = cgroup_write_field(d->dir, "memory.low", buf,
                                                            "memory.reservation", err)) < 0)
                                        return r;
                        }
                        if (res->memory.has_swap) {
                                int64_t sw;
                                bool set;
                                r = zone_cgroup_v2_swap(
                                    res->memory.swap, res->memory.has_limit ? res->memory.limit : 0,
                                    &sw, &set, err);
                                if (r < 0)
                                        return r;
                                zone_cgroup_v2_memory_value(sw, buf, sizeof(buf));
                                if (set && (r = cgroup_write_field(d->dir, "memory.swap.max", buf,
                                                                   "memory.swap", err)) < 0)
                                        return r;
                        }
                } else if (!strcmp(ctrl[i], "cpu")) {
                        if (res->cpu.has_shares && res->cpu.shares) {
                                snprintf(buf, sizeof(buf), "%" PRIu64,
                                         zone_cgroup_v2_weight(res->cpu.shares));
                                if ((r = cgroup_write_field(d->dir, "cpu.weight", buf, "cpu.shares",
                                                            err)) < 0)
                                        return r;
                        }
                        if ((res->cpu.has_quota && res->cpu.quota) ||
                            (res->cpu.has_period && res->cpu.period)) {
                                zone_cgroup_v2_cpu_max(res->cpu.has_quota, res->cpu.quota,
                                                       res->cpu.has_period, res->cpu.period, buf,
                                                       sizeof(buf));
                                if ((r = cgroup_write_field(d->dir, "cpu.max", buf, "cpu.quota",
                                                            err)) < 0)
                                        return r;
                        }
                } else if (!strcmp(ctrl[i], "cpuset")) {
                        if (res->cpu.cpus && *res->cpu.cpus &&
                            cgroup_write(d->dir, "cpuset.cpus", res->cpu.cpus, NULL) < 0)
                                return zone_err_set(err, -EINVAL,
                                                    "linux.resources.cpu.cpus \"%s\": not a CPU "
                                                    "of this host",
                                                    res->cpu.cpus);
                        if (res->cpu.mems && *res->cpu.mems &&
                            cgroup_write(d->dir, "cpuset.mems", res->cpu.mems, NULL) < 0)
                                return zone_err_set(err, -EINVAL,
                                                    "linux.resources.cpu.mems \"%s\": not a "
                                                    "memory node of this host",
                                                    res->cpu.mems);
                } else if (!strcmp(ctrl[i], "pids")) {
                        zone_cgroup_v2_pids_max(res->pids.limit, buf, sizeof(buf));
                        if ((r = cgroup_write_field(d->dir, "pids.max", buf, "pids.limit", err)) <
                            0)
                                return r;
                }
        }
        /* blockIO (io.*), hugepageLimits, rdma and unified: a later step; devices: TODO (v2
         * needs an eBPF program). */
        return 0;
}
