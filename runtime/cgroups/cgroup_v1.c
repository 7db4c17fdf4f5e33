/* Resource limits on cgroup v1 hierarchies (memory, cpu, cpuset, pids). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/cgroup_internal.h"
#include "util.h"

static int write_i64(const char *dir, const char *file, int64_t v, const char *field,
                     struct zone_err **err)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%" PRId64, v);
        return cgroup_write_field(dir, file, buf, field, err);
}

static bool file_exists(const char *dir, const char *file)
{
        _cleanup_free_ char *p = NULL;
        if (asprintf(&p, "%s/%s", dir, file) < 0)
                return false;
        return access(p, F_OK) == 0;
}

int cgroup_v1_cpuset_inherit(const char *dir, struct zone_err **err)
{
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
        _cleanup_free_ char *parent = strdup(dir);
        if (!parent)
                return zone_err_sys(err, -ENOMEM, "set up cpuset %s", dir);
        char *slash = strrchr(parent, '/');
        if (slash)
                *slash = 0;
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *own = NULL, *from = NULL;
                int r = cgroup_read(dir, files[i], &own);
                if (r < 0)
                        return zone_err_sys(err, r, "read %s/%s", dir, files[i]);
                if (*own)
                        continue;
                r = cgroup_read(parent, files[i], &from);
                if (r < 0)
                        return zone_err_sys(err, r, "read %s/%s", parent, files[i]);
                r = cgroup_write(dir, files[i], from, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int apply_memory(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                        struct zone_err **err)
{
        int r;
        /* memory.kernel and kernelTCP are deprecated and gone from recent kernels: ignored. */
        if (res->memory.has_limit && (r = write_i64(d->dir, "memory.limit_in_bytes",
                                                    res->memory.limit, "memory.limit", err)) < 0)
                return r;
        if (res->memory.has_reservation &&
            (r = write_i64(d->dir, "memory.soft_limit_in_bytes", res->memory.reservation,
                           "memory.reservation", err)) < 0)
                return r;
        /* OCI's swap is memory+swap, exactly what memsw takes. Without swap accounting in the
         * kernel there is no file and no way to limit swap: the limit is not applied. */
        if (res->memory.has_swap && file_exists(d->dir, "memory.memsw.limit_in_bytes") &&
            (r = write_i64(d->dir, "memory.memsw.limit_in_bytes", res->memory.swap, "memory.swap",
                           err)) < 0)
                return r;
        if (res->memory.has_swappiness) {
                if (res->memory.swappiness > 100)
                        return zone_err_set(err, -EINVAL,
                                            "linux.resources.memory.swappiness \"%" PRIu64
                                            "\": must be between 0 and 100",
                                            res->memory.swappiness);
                if ((r = write_i64(d->dir, "memory.swappiness", (int64_t)res->memory.swappiness,
                                   "memory.swappiness", err)) < 0)
                        return r;
        }
        if (res->memory.has_disable_oom_killer &&
            (r = cgroup_write_field(d->dir, "memory.oom_control",
                                    res->memory.disable_oom_killer ? "1" : "0",
                                    "memory.disableOOMKiller", err)) < 0)
                return r;
        return 0;
}

static int apply_cpu(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                     struct zone_err **err)
{
        int r;
        if (res->cpu.has_shares && res->cpu.shares) {
                if (res->cpu.shares < 2 || res->cpu.shares > 262144)
                        return zone_err_set(err, -EINVAL,
                                            "linux.resources.cpu.shares \"%" PRIu64
                                            "\": must be between 2 and 262144",
                                            res->cpu.shares);
                if ((r = write_i64(d->dir, "cpu.shares", (int64_t)res->cpu.shares, "cpu.shares",
                                   err)) < 0)
                        return r;
        }
        /* The period first: the kernel checks the quota against the current period. */
        if (res->cpu.has_period && res->cpu.period &&
            (r = write_i64(d->dir, "cpu.cfs_period_us", (int64_t)res->cpu.period, "cpu.period",
                           err)) < 0)
                return r;
        if (res->cpu.has_quota && res->cpu.quota &&
            (r = write_i64(d->dir, "cpu.cfs_quota_us", res->cpu.quota < 0 ? -1 : res->cpu.quota,
                           "cpu.quota", err)) < 0)
                return r;
        /* realtimeRuntime/realtimePeriod, burst and idle: added by a later step. */
        return 0;
}

static int apply_cpuset(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                        struct zone_err **err)
{
        if (res->cpu.cpus && *res->cpu.cpus) {
                int r = cgroup_write(d->dir, "cpuset.cpus", res->cpu.cpus, NULL);
                if (r == -EINVAL || r == -ERANGE)
                        return zone_err_set(err, -EINVAL,
                                            "linux.resources.cpu.cpus \"%s\": not a CPU of this "
                                            "host",
                                            res->cpu.cpus);
                if (r < 0)
                        return cgroup_write_field(d->dir, "cpuset.cpus", res->cpu.cpus, "cpu.cpus",
                                                  err);
        }
        if (res->cpu.mems && *res->cpu.mems) {
                int r = cgroup_write(d->dir, "cpuset.mems", res->cpu.mems, NULL);
                if (r == -EINVAL || r == -ERANGE)
                        return zone_err_set(err, -EINVAL,
                                            "linux.resources.cpu.mems \"%s\": not a memory node "
                                            "of this host",
                                            res->cpu.mems);
                if (r < 0)
                        return cgroup_write_field(d->dir, "cpuset.mems", res->cpu.mems, "cpu.mems",
                                                  err);
        }
        return 0;
}

static int apply_pids(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                      struct zone_err **err)
{
        if (!res->pids.has_limit)
                return 0;
        if (res->pids.limit <= 0)
                return cgroup_write_field(d->dir, "pids.max", "max", "pids.limit", err);
        return write_i64(d->dir, "pids.max", res->pids.limit, "pids.limit", err);
}

int cgroup_v1_apply(struct zone_cgroup *cg, const struct zone_spec_resources *res, bool update,
                    struct zone_err **err)
{
        struct zone_cgroup_dir *d;
        int r;
        if ((d = cgroup_v1_dir(cg, "memory")) && (r = apply_memory(d, res, err)) < 0)
                return r;
        if ((d = cgroup_v1_dir(cg, "cpu")) && (r = apply_cpu(d, res, err)) < 0)
                return r;
        if ((d = cgroup_v1_dir(cg, "cpuset")) && (r = apply_cpuset(d, res, err)) < 0)
                return r;
        if ((d = cgroup_v1_dir(cg, "pids")) && (r = apply_pids(d, res, err)) < 0)
                return r;
        /* blockIO, hugepageLimits, network (net_cls/net_prio), rdma and unified are applied
         * by a later step; devices: TODO (the device cgroup / eBPF program). */
        return 0;
}
