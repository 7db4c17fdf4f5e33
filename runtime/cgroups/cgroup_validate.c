/* Value checks for linux.resources shared by the v1 and v2 paths: ranges the kernel (or runc,
 * where the kernel would silently clamp) enforces, given as one precise message up front. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroups/cgroup_internal.h"
#include "cgroups/cgroup_validate.h"
#include "util.h"

#define FIELD "linux.resources."

/* The unified controllers a key may name; "cgroup." files are the cgroup's own, not limits. */
static const char *const v2_controllers[] = {"cpu",  "cpuset",  "io",   "memory",
                                             "pids", "hugetlb", "rdma", "misc"};

static int check_bytes(bool has, int64_t v, const char *field, bool page_min, struct zone_err **err)
{
        if (!has)
                return 0;
        if (v < -1)
                return zone_err_set(err, -EINVAL,
                                    FIELD
                                    "%s \"%" PRId64
                                    "\": must be -1 (unlimited) or a positive number of bytes",
                                    field, v);
        long page = sysconf(_SC_PAGESIZE);
        if (page_min && v > 0 && page > 0 && v < page)
                return zone_err_set(err, -EINVAL,
                                    FIELD "%s \"%" PRId64 "\": must be at least one page (%ld "
                                          "bytes)",
                                    field, v, page);
        return 0;
}

static int check_memory(const struct zone_spec_resources *res, struct zone_err **err)
{
        int r;
        if ((r = check_bytes(res->memory.has_limit, res->memory.limit, "memory.limit", true, err)) <
                0 ||
            (r = check_bytes(res->memory.has_reservation, res->memory.reservation,
                             "memory.reservation", false, err)) < 0 ||
            (r = check_bytes(res->memory.has_swap, res->memory.swap, "memory.swap", true, err)) < 0)
                return r;
        /* OCI's swap counts memory and swap together (v1 memsw), so it cannot be below the
         * memory limit. */
        if (res->memory.has_swap && res->memory.has_limit && res->memory.swap > 0 &&
            res->memory.limit > 0 && res->memory.swap < res->memory.limit)
                return zone_err_set(err, -EINVAL,
                                    FIELD "memory.swap \"%" PRId64 "\": must be at least " FIELD
                                          "memory.limit (%" PRId64
                                          "): it counts memory and swap together",
                                    res->memory.swap, res->memory.limit);
        if (res->memory.has_swappiness && res->memory.swappiness > 100)
                return zone_err_set(err, -EINVAL,
                                    FIELD "memory.swappiness \"%" PRIu64
                                          "\": must be between 0 and 100",
                                    res->memory.swappiness);
        return 0;
}

static int check_cpu(const struct zone_spec_resources *res, struct zone_err **err)
{
        /* 0 means "not set" for shares, period and quota, as in runc. */
        if (res->cpu.has_shares && res->cpu.shares &&
            (res->cpu.shares < 2 || res->cpu.shares > 262144))
                return zone_err_set(
                    err, -EINVAL, FIELD "cpu.shares \"%" PRIu64 "\": must be between 2 and 262144",
                    res->cpu.shares);
        if (res->cpu.has_period && res->cpu.period &&
            (res->cpu.period < 1000 || res->cpu.period > 1000000))
                return zone_err_set(err, -EINVAL,
                                    FIELD "cpu.period \"%" PRIu64
                                          "\": must be between 1000 and 1000000 (microseconds)",
                                    res->cpu.period);
        if (res->cpu.has_quota &&
            (res->cpu.quota < -1 || (res->cpu.quota > 0 && res->cpu.quota < 1000)))
                return zone_err_set(err, -EINVAL,
                                    FIELD
                                    "cpu.quota \"%" PRId64
                                    "\": must be -1 (unlimited) or at least 1000 (microseconds)",
                                    res->cpu.quota);
        if (res->cpu.has_burst && res->cpu.burst && res->cpu.has_quota && res->cpu.quota > 0 &&
            res->cpu.burst > (uint64_t)res->cpu.quota)
                return zone_err_set(err, -EINVAL,
                                    FIELD "cpu.burst \"%" PRIu64 "\": must not exceed " FIELD
                                          "cpu.quota (%" PRId64 ")",
                                    res->cpu.burst, res->cpu.quota);
        if (res->cpu.has_idle && res->cpu.idle != 0 && res->cpu.idle != 1)
                return zone_err_set(err, -EINVAL, FIELD "cpu.idle \"%" PRId64 "\": must be 0 or 1",
                                    res->cpu.idle);
        if (res->cpu.has_realtime_runtime && res->cpu.realtime_runtime < -1)
                return zone_err_set(err, -EINVAL,
                                    FIELD "cpu.realtimeRuntime \"%" PRId64
                                          "\": must be -1 (unlimited) or a number of microseconds",
                                    res->cpu.realtime_runtime);
        if (res->cpu.has_realtime_period && res->cpu.has_realtime_runtime &&
            res->cpu.realtime_period && res->cpu.realtime_runtime > 0 &&
            (uint64_t)res->cpu.realtime_runtime > res->cpu.realtime_period)
                return zone_err_set(err, -EINVAL,
                                    FIELD "cpu.realtimeRuntime \"%" PRId64
                                          "\": must not exceed " FIELD
                                          "cpu.realtimePeriod (%" PRIu64 ")",
                                    res->cpu.realtime_runtime, res->cpu.realtime_period);
        return 0;
}

static int check_weight(bool has, uint16_t w, const char *field, struct zone_err **err)
{
        /* 0 means "not set", as in runc. */
        if (has && w && (w < 10 || w > 1000))
                return zone_err_set(err, -EINVAL, FIELD "%s \"%u\": must be between 10 and 1000",
                                    field, (unsigned)w);
        return 0;
}

static int check_device(int64_t major, int64_t minor, const char *field, size_t i,
                        struct zone_err **err)
{
        if (major < 0 || minor < 0 || major > 0xfff || minor > 0xfffff)
                return zone_err_set(err, -EINVAL,
                                    FIELD "%s[%zu] \"%" PRId64 ":%" PRId64
                                          "\": not a block device number",
                                    field, i, major, minor);
        return 0;
}

static int check_block_io(const struct zone_spec_resources *res, struct zone_err **err)
{
        int r;
        if ((r = check_weight(res->block_io.has_weight, res->block_io.weight, "blockIO.weight",
                              err)) < 0 ||
            (r = check_weight(res->block_io.has_leaf_weight, res->block_io.leaf_weight,
                              "blockIO.leafWeight", err)) < 0)
                return r;
        for (size_t i = 0; i < res->block_io.n_weight_devices; i++) {
                const struct zone_spec_weight_device *w = &res->block_io.weight_devices[i];
                char field[64];
                if ((r = check_device(w->major, w->minor, "blockIO.weightDevice", i, err)) < 0)
                        return r;
                snprintf(field, sizeof(field), "blockIO.weightDevice[%zu].weight", i);
                if ((r = check_weight(w->has_weight, w->weight, field, err)) < 0)
                        return r;
                snprintf(field, sizeof(field), "blockIO.weightDevice[%zu].leafWeight", i);
                if ((r = check_weight(w->has_leaf_weight, w->leaf_weight, field, err)) < 0)
                        return r;
        }
        const struct {
                const char *name;
                const struct zone_spec_throttle_device *list;
                size_t n;
        } t[] = {
            {"blockIO.throttleReadBpsDevice", res->block_io.throttle_read_bps,
             res->block_io.n_throttle_read_bps},
            {"blockIO.throttleWriteBpsDevice", res->block_io.throttle_write_bps,
             res->block_io.n_throttle_write_bps},
            {"blockIO.throttleReadIOPSDevice", res->block_io.throttle_read_iops,
             res->block_io.n_throttle_read_iops},
            {"blockIO.throttleWriteIOPSDevice", res->block_io.throttle_write_iops,
             res->block_io.n_throttle_write_iops},
        };
        for (size_t k = 0; k < ARRAY_SIZE(t); k++)
                for (size_t i = 0; i < t[k].n; i++)
                        if ((r = check_device(t[k].list[i].major, t[k].list[i].minor, t[k].name, i,
                                              err)) < 0)
                                return r;
        return 0;
}

/* "2MB" -> 2048 (kB); 0 when it is not a size the kernel would print. */
static uint64_t hugepage_kb(const char *s)
{
        char *end;
        if (!s || *s < '1' || *s > '9')
                return 0;
        errno = 0;
        unsigned long long n = strtoull(s, &end, 10);
        if (errno || n == 0 || n > (1ULL << 30))
                return 0;
        if (!strcmp(end, "KB"))
                return n;
        if (!strcmp(end, "MB"))
                return n << 10;
        if (!strcmp(end, "GB"))
                return n << 20;
        return 0;
}

bool cgroup_hugepage_size_known(const char *page_size)
{
        uint64_t kb = hugepage_kb(page_size);
        char p[96];
        if (!kb)
                return false;
        snprintf(p, sizeof(p), "/sys/kernel/mm/hugepages/hugepages-%" PRIu64 "kB", kb);
        return access(p, F_OK) == 0;
}

static int check_hugepages(const struct zone_spec_resources *res, struct zone_err **err)
{
        for (size_t i = 0; i < res->n_hugepage_limits; i++) {
                const char *ps = res->hugepage_limits[i].page_size;
                if (!hugepage_kb(ps))
                        return zone_err_set(err, -EINVAL,
                                            FIELD "hugepageLimits[%zu].pageSize \"%s\": not a "
                                                  "page size as the kernel names it (\"2MB\", "
                                                  "\"1GB\")",
                                            i, ps ? ps : "");
                if (!cgroup_hugepage_size_known(ps))
                        return zone_err_set(err, -EINVAL,
                                            FIELD "hugepageLimits[%zu].pageSize \"%s\": this host "
                                                  "has no %s huge pages",
                                            i, ps, ps);
        }
        return 0;
}

/* A name written into a line of a cgroup file: no separators that would make a second one. */
static bool plain_name(const char *s)
{
        return s && *s && !strpbrk(s, " \t\n/");
}

static int check_unified(const struct zone_spec_resources *res, struct zone_err **err)
{
        for (size_t i = 0; i < res->n_unified; i++) {
                const char *k = res->unified[i].key;
                const char *dot = k ? strchr(k, '.') : NULL;
                if (!k || strchr(k, '/') || !dot || dot == k || !dot[1])
                        return zone_err_set(err, -EINVAL,
                                            FIELD "unified[\"%s\"]: not a cgroup file name "
                                                  "(CONTROLLER.FILE, no \"/\")",
                                            k ? k : "");
                bool known = false;
                for (size_t c = 0; !known && c < ARRAY_SIZE(v2_controllers); c++)
                        known = strlen(v2_controllers[c]) == (size_t)(dot - k) &&
                                !strncmp(k, v2_controllers[c], (size_t)(dot - k));
                if (!known)
                        return zone_err_set(err, -EINVAL,
                                            FIELD "unified[\"%s\"]: not a file of a resource "
                                                  "controller (cpu, cpuset, io, memory, pids, "
                                                  "hugetlb, rdma, misc)",
                                            k);
        }
        return 0;
}

int cgroup_validate(const struct zone_spec_resources *res, struct zone_err **err)
{
        int r;
        if (!res)
                return 0;
        if ((r = check_memory(res, err)) < 0 || (r = check_cpu(res, err)) < 0)
                return r;
        if (res->pids.has_limit && res->pids.limit < -1)
                return zone_err_set(err, -EINVAL,
                                    FIELD "pids.limit \"%" PRId64
                                          "\": must be -1 (unlimited) or a number of processes",
                                    res->pids.limit);
        if ((r = check_block_io(res, err)) < 0 || (r = check_hugepages(res, err)) < 0)
                return r;
        for (size_t i = 0; i < res->network.n_priorities; i++)
                if (!plain_name(res->network.priorities[i].name))
                        return zone_err_set(
                            err, -EINVAL,
                            FIELD "network.priorities[%zu].name \"%s\": not an "
                                  "interface name",
                            i,
                            res->network.priorities[i].name ? res->network.priorities[i].name : "");
        for (size_t i = 0; i < res->n_rdma; i++)
                if (!plain_name(res->rdma[i].device))
                        return zone_err_set(err, -EINVAL, FIELD "rdma[\"%s\"]: not a device name",
                                            res->rdma[i].device ? res->rdma[i].device : "");
        return check_unified(res, err);
}

/* memory.checkBeforeUpdate: refuses a new limit below the usage in dir/usage_file
 * (memory.usage_in_bytes on v1, memory.current on v2). limit <= 0 (none) passes. */
int cgroup_check_usage(const char *dir, const char *usage_file, int64_t limit,
                       struct zone_err **err)
{
        if (limit <= 0)
                return 0;
        _cleanup_free_ char *s = NULL;
        int r = cgroup_read(dir, usage_file, &s);
        if (r < 0)
                return zone_err_sys(err, r, "read %s/%s", dir, usage_file);
        char *end;
        errno = 0;
        unsigned long long usage = strtoull(s, &end, 10);
        if (errno || end == s)
                return zone_err_set(err, -EBADMSG, "read %s/%s: \"%s\" is not a number", dir,
                                    usage_file, s);
        if ((uint64_t)limit < usage)
                return zone_err_set(err, -EBUSY,
                                    "linux.resources.memory.limit \"%" PRId64
                                    "\": below the zone's current memory usage (%llu bytes), "
                                    "and memory.checkBeforeUpdate is set",
                                    limit, usage);
        return 0;
}
