/* Resource limits on cgroup v1 hierarchies: memory, cpu, cpuset, pids, blkio, hugetlb,
 * net_cls, net_prio and rdma. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/cgroup_internal.h"
#include "cgroups/cgroup_v2.h"
#include "cgroups/cgroup_validate.h"
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
                if (!*from) {
                        /* The parent is as new as this one (another zone's create, running at
                         * the same time, made it and has not filled it yet): fill it first.
                         * The hierarchy's root always has CPUs and nodes. */
                        free(from);
                        from = NULL;
                        if ((r = cgroup_v1_cpuset_inherit(parent, err)) < 0)
                                return r;
                        if ((r = cgroup_read(parent, files[i], &from)) < 0)
                                return zone_err_sys(err, r, "read %s/%s", parent, files[i]);
                }
                r = cgroup_write(dir, files[i], from, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* v1 reads "unlimited" as a huge number; anything that does not parse counts as unlimited. */
static uint64_t read_u64(const char *dir, const char *file)
{
        _cleanup_free_ char *s = NULL;
        if (cgroup_read(dir, file, &s) < 0)
                return UINT64_MAX;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        return errno || end == s ? UINT64_MAX : v;
}

/* memory.limit_in_bytes and memsw together: the kernel keeps memsw >= limit at every step,
 * so a growing pair writes memsw first and a shrinking one the limit first. */
static int apply_memory_limits(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                               struct zone_err **err)
{
        bool memsw = file_exists(d->dir, "memory.memsw.limit_in_bytes");
        bool has_limit = res->memory.has_limit && res->memory.limit;
        bool has_swap = res->memory.has_swap && res->memory.swap;
        int64_t swap = res->memory.swap;
        /* Unlimited memory with swap unset means both unlimited (as runc): a memsw limit left
         * over would otherwise still cap the memory. */
        if (has_limit && res->memory.limit == -1 && !has_swap) {
                has_swap = true;
                swap = -1;
        }
        /* Without swap accounting in the kernel there is no memsw file and no way to limit
         * swap: that limit is not applied. */
        if (!memsw)
                has_swap = false;
        int r;
        bool swap_first = false;
        if (has_limit && has_swap)
                swap_first =
                    swap == -1 || read_u64(d->dir, "memory.limit_in_bytes") < (uint64_t)swap;
        if (swap_first &&
            (r = write_i64(d->dir, "memory.memsw.limit_in_bytes", swap, "memory.swap", err)) < 0)
                return r;
        if (has_limit && (r = write_i64(d->dir, "memory.limit_in_bytes", res->memory.limit,
                                        "memory.limit", err)) < 0)
                return r;
        if (has_swap && !swap_first &&
            (r = write_i64(d->dir, "memory.memsw.limit_in_bytes", swap, "memory.swap", err)) < 0)
                return r;
        return 0;
}

static int apply_memory(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                        bool update, struct zone_err **err)
{
        int r;
        if (update && res->memory.has_check_before_update && res->memory.check_before_update &&
            res->memory.has_limit &&
            (r = cgroup_check_usage(d->dir, "memory.usage_in_bytes", res->memory.limit, err)) < 0)
                return r;
        /* memory.kernel and kernelTCP are deprecated and gone from recent kernels: ignored. */
        if ((r = apply_memory_limits(d, res, err)) < 0)
                return r;
        if (res->memory.has_reservation &&
            (r = write_i64(d->dir, "memory.soft_limit_in_bytes", res->memory.reservation,
                           "memory.reservation", err)) < 0)
                return r;
        if (res->memory.has_swappiness &&
            (r = write_i64(d->dir, "memory.swappiness", (int64_t)res->memory.swappiness,
                           "memory.swappiness", err)) < 0)
                return r;
        if (res->memory.has_disable_oom_killer &&
            (r = cgroup_write_field(d->dir, "memory.oom_control",
                                    res->memory.disable_oom_killer ? "1" : "0",
                                    "memory.disableOOMKiller", err)) < 0)
                return r;
        return 0;
}

/* Written only when the kernel has the file; the error says what the kernel lacks. */
static int write_optional(struct zone_cgroup_dir *d, const char *file, int64_t v, const char *field,
                          const char *lacks, struct zone_err **err)
{
        if (!file_exists(d->dir, file))
                return zone_err_set(err, -EOPNOTSUPP,
                                    "linux.resources.%s \"%" PRId64 "\": this kernel has no %s "
                                    "(%s)",
                                    field, v, file, lacks);
        return write_i64(d->dir, file, v, field, err);
}

static int apply_cpu(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                     struct zone_err **err)
{
        int r;
        if (res->cpu.has_shares && res->cpu.shares &&
            (r = write_i64(d->dir, "cpu.shares", (int64_t)res->cpu.shares, "cpu.shares", err)) < 0)
                return r;
        /* The period first: the kernel checks the quota against the current period. */
        if (res->cpu.has_period && res->cpu.period &&
            (r = write_i64(d->dir, "cpu.cfs_period_us", (int64_t)res->cpu.period, "cpu.period",
                           err)) < 0)
                return r;
        if (res->cpu.has_quota && res->cpu.quota &&
            (r = write_i64(d->dir, "cpu.cfs_quota_us", res->cpu.quota < 0 ? -1 : res->cpu.quota,
                           "cpu.quota", err)) < 0)
                return r;
        /* After the quota: the burst may not exceed it. */
        if (res->cpu.has_burst &&
            (r = write_optional(d, "cpu.cfs_burst_us", (int64_t)res->cpu.burst, "cpu.burst",
                                "CFS bandwidth burst", err)) < 0)
                return r;
        if (res->cpu.has_idle && (r = write_optional(d, "cpu.idle", res->cpu.idle, "cpu.idle",
                                                     "SCHED_IDLE for cgroups", err)) < 0)
                return r;
        /* The period first here too: the runtime must fit in it. */
        if (res->cpu.has_realtime_period && res->cpu.realtime_period &&
            (r = write_optional(d, "cpu.rt_period_us", (int64_t)res->cpu.realtime_period,
                                "cpu.realtimePeriod", "realtime group scheduling", err)) < 0)
                return r;
        if (res->cpu.has_realtime_runtime) {
                _cleanup_err_ struct zone_err *inner = NULL;
                r = write_optional(d, "cpu.rt_runtime_us", res->cpu.realtime_runtime,
                                   "cpu.realtimeRuntime", "realtime group scheduling", &inner);
                /* A group's realtime runtime comes out of its parent's. */
                if (r == -EINVAL && res->cpu.realtime_runtime > 0)
                        return zone_err_set(err, r,
                                            "linux.resources.cpu.realtimeRuntime \"%" PRId64
                                            "\": the kernel refused it (EINVAL): the parent "
                                            "cgroups' cpu.rt_runtime_us must leave that much "
                                            "realtime to this one",
                                            res->cpu.realtime_runtime);
                if (r < 0)
                        return zone_err_set(err, r, "%s", inner->msg);
        }
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

/* "MAJ:MIN VALUE" lines for the blkio files; errors say what the kernel's answer means. */
static int write_device_line(struct zone_cgroup_dir *d, const char *file, int64_t major,
                             int64_t minor, uint64_t v, const char *field, size_t i,
                             struct zone_err **err)
{
        char line[96], name[80];
        snprintf(line, sizeof(line), "%" PRId64 ":%" PRId64 " %" PRIu64, major, minor, v);
        snprintf(name, sizeof(name), "%s[%zu]", field, i);
        _cleanup_err_ struct zone_err *inner = NULL;
        int r = cgroup_write(d->dir, file, line, &inner);
        if (r == -ENODEV || r == -ENOENT)
                return zone_err_set(err, -ENODEV,
                                    "linux.resources.%s \"%s\": no block device %" PRId64
                                    ":%" PRId64 " on this host",
                                    name, line, major, minor);
        if (r == -EOPNOTSUPP)
                return zone_err_set(err, r,
                                    "linux.resources.%s \"%s\": the device's I/O scheduler has "
                                    "no weights (it must be bfq)",
                                    name, line);
        if (r < 0)
                return zone_err_set(err, r, "linux.resources.%s \"%s\": %s", name, line,
                                    inner->msg);
        return 0;
}

static int apply_blkio(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                       struct zone_err **err)
{
        /* CFQ's blkio.weight is gone from recent kernels; bfq has the same range. */
        const char *weight = file_exists(d->dir, "blkio.weight")       ? "blkio.weight"
                             : file_exists(d->dir, "blkio.bfq.weight") ? "blkio.bfq.weight"
                                                                       : NULL;
        const char *weight_dev = weight && !strcmp(weight, "blkio.weight")
                                     ? "blkio.weight_device"
                                     : "blkio.bfq.weight_device";
        bool wants_weight = res->block_io.has_weight && res->block_io.weight;
        for (size_t i = 0; i < res->block_io.n_weight_devices; i++)
                wants_weight = wants_weight || (res->block_io.weight_devices[i].has_weight &&
                                                res->block_io.weight_devices[i].weight);
        if (wants_weight && !weight)
                return zone_err_set(err, -EOPNOTSUPP,
                                    "linux.resources.blockIO.weight: this kernel has neither "
                                    "blkio.weight nor blkio.bfq.weight (no I/O scheduler with "
                                    "weights)");
        int r;
        if (res->block_io.has_weight && res->block_io.weight &&
            (r = write_i64(d->dir, weight, res->block_io.weight, "blockIO.weight", err)) < 0)
                return r;
        if (res->block_io.has_leaf_weight && res->block_io.leaf_weight &&
            (r = write_optional(d, "blkio.leaf_weight", res->block_io.leaf_weight,
                                "blockIO.leafWeight", "leaf weights, which went with CFQ", err)) <
                0)
                return r;
        for (size_t i = 0; i < res->block_io.n_weight_devices; i++) {
                const struct zone_spec_weight_device *w = &res->block_io.weight_devices[i];
                if (w->has_weight && w->weight &&
                    (r = write_device_line(d, weight_dev, w->major, w->minor, w->weight,
                                           "blockIO.weightDevice", i, err)) < 0)
                        return r;
                if (w->has_leaf_weight && w->leaf_weight) {
                        if (!file_exists(d->dir, "blkio.leaf_weight_device"))
                                return zone_err_set(err, -EOPNOTSUPP,
                                                    "linux.resources.blockIO.weightDevice[%zu]."
                                                    "leafWeight: this kernel has no "
                                                    "blkio.leaf_weight_device (leaf weights "
                                                    "went with CFQ)",
                                                    i);
                        if ((r = write_device_line(d, "blkio.leaf_weight_device", w->major,
                                                   w->minor, w->leaf_weight, "blockIO.weightDevice",
                                                   i, err)) < 0)
                                return r;
                }
        }
        const struct {
                const char *field, *file;
                const struct zone_spec_throttle_device *list;
                size_t n;
        } t[] = {
            {"blockIO.throttleReadBpsDevice", "blkio.throttle.read_bps_device",
             res->block_io.throttle_read_bps, res->block_io.n_throttle_read_bps},
            {"blockIO.throttleWriteBpsDevice", "blkio.throttle.write_bps_device",
             res->block_io.throttle_write_bps, res->block_io.n_throttle_write_bps},
            {"blockIO.throttleReadIOPSDevice", "blkio.throttle.read_iops_device",
             res->block_io.throttle_read_iops, res->block_io.n_throttle_read_iops},
            {"blockIO.throttleWriteIOPSDevice", "blkio.throttle.write_iops_device",
             res->block_io.throttle_write_iops, res->block_io.n_throttle_write_iops},
        };
        for (size_t k = 0; k < ARRAY_SIZE(t); k++)
                for (size_t i = 0; i < t[k].n; i++)
                        if ((r = write_device_line(d, t[k].file, t[k].list[i].major,
                                                   t[k].list[i].minor, t[k].list[i].rate,
                                                   t[k].field, i, err)) < 0)
                                return r;
        return 0;
}

static int apply_hugetlb(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                         struct zone_err **err)
{
        for (size_t i = 0; i < res->n_hugepage_limits; i++) {
                const struct zone_spec_hugepage_limit *h = &res->hugepage_limits[i];
                char file[64], rsvd[64], field[48];
                snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", h->page_size);
                snprintf(rsvd, sizeof(rsvd), "hugetlb.%s.rsvd.limit_in_bytes", h->page_size);
                snprintf(field, sizeof(field), "hugepageLimits[%zu].limit", i);
                if (!file_exists(d->dir, file))
                        return zone_err_set(err, -EINVAL,
                                            "linux.resources.hugepageLimits[%zu].pageSize "
                                            "\"%s\": this host has no %s huge pages",
                                            i, h->page_size, h->page_size);
                int r = write_i64(d->dir, file, (int64_t)h->limit, field, err);
                /* The reservation limit too, or pages reserved by mmap escape the limit. */
                if (r == 0 && file_exists(d->dir, rsvd))
                        r = write_i64(d->dir, rsvd, (int64_t)h->limit, field, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int apply_net_prio(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                          struct zone_err **err)
{
        /* The kernel takes one "IFNAME PRIO" pair per write. */
        for (size_t i = 0; i < res->network.n_priorities; i++) {
                const struct zone_spec_net_priority *p = &res->network.priorities[i];
                _cleanup_free_ char *line = NULL;
                char field[48];
                if (asprintf(&line, "%s %" PRIu32, p->name, p->priority) < 0)
                        return zone_err_sys(err, -ENOMEM, "linux.resources.network.priorities");
                snprintf(field, sizeof(field), "network.priorities[%zu]", i);
                int r = cgroup_write_field(d->dir, "net_prio.ifpriomap", line, field, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int apply_rdma(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                      struct zone_err **err)
{
        for (size_t i = 0; i < res->n_rdma; i++) {
                char line[160], field[96];
                zone_cgroup_rdma_line(&res->rdma[i], line, sizeof(line));
                snprintf(field, sizeof(field), "rdma[\"%s\"]", res->rdma[i].device);
                int r = cgroup_write_field(d->dir, "rdma.max", line, field, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int cgroup_v1_apply(struct zone_cgroup *cg, const struct zone_spec_resources *res, bool update,
                    struct zone_err **err)
{
        struct zone_cgroup_dir *d;
        int r;
        /* Every value is checked before the first write. */
        if ((r = cgroup_validate(res, err)) < 0)
                return r;
        if ((d = cgroup_v1_dir(cg, "memory")) && (r = apply_memory(d, res, update, err)) < 0)
                return r;
        if ((d = cgroup_v1_dir(cg, "cpu")) && (r = apply_cpu(d, res, err)) < 0)
                return r;
        if ((d = cgroup_v1_dir(cg, "cpuset")) && (r = apply_cpuset(d, res, err)) < 0)
                return r;
        if ((d = cgroup_v1_dir(cg, "pids")) && (r = apply_pids(d, res, err)) < 0)
                return r;
        if ((d = cgroup_v1_dir(cg, "blkio")) && (r = apply_blkio(d, res, err)) < 0)
                return r;
        if ((d = cgroup_v1_dir(cg, "hugetlb")) && (r = apply_hugetlb(d, res, err)) < 0)
                return r;
        if ((d = cgroup_v1_dir(cg, "net_cls")) && res->network.has_class_id &&
            (r = write_i64(d->dir, "net_cls.classid", res->network.class_id, "network.classID",
                           err)) < 0)
                return r;
        if ((d = cgroup_v1_dir(cg, "net_prio")) && (r = apply_net_prio(d, res, err)) < 0)
                return r;
        if ((d = cgroup_v1_dir(cg, "rdma")) && (r = apply_rdma(d, res, err)) < 0)
                return r;
        /* unified is cgroup2's own (cgroup_v2.c); the controllers no v1 hierarchy holds are
         * cgroup_v2.c's too. devices: cgroup_devices.c. */
        return 0;
}
