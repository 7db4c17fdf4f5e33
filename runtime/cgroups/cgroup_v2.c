/* Resource limits on the cgroup2 hierarchy, for the controllers no v1 hierarchy holds (all of
 * them on a pure v2 host), and the v1 -> v2 value translations. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "cgroups/cgroup_internal.h"
#include "cgroups/cgroup_v2.h"
#include "cgroups/cgroup_validate.h"
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
        char q[24] = "max";
        int n;
        if (has_quota && quota > 0)
                snprintf(q, sizeof(q), "%" PRId64, quota);
        if (has_period && period)
                n = snprintf(buf, len, "%s %" PRIu64, q, period);
        else
                n = snprintf(buf, len, "%s", q);
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

uint64_t zone_cgroup_v2_io_weight(uint16_t w)
{
        if (w == 0)
                return 0;
        if (w < 10)
                w = 10;
        if (w > 1000)
                w = 1000;
        return 1 + ((uint64_t)w - 10) * 9999 / 990;
}

int zone_cgroup_v2_io_max_line(const struct zone_spec_resources *res, int64_t major, int64_t minor,
                               char *buf, size_t len)
{
        const struct {
                const char *key;
                const struct zone_spec_throttle_device *list;
                size_t n;
        } t[] = {
            {"rbps", res->block_io.throttle_read_bps, res->block_io.n_throttle_read_bps},
            {"wbps", res->block_io.throttle_write_bps, res->block_io.n_throttle_write_bps},
            {"riops", res->block_io.throttle_read_iops, res->block_io.n_throttle_read_iops},
            {"wiops", res->block_io.throttle_write_iops, res->block_io.n_throttle_write_iops},
        };
        int n = snprintf(buf, len, "%" PRId64 ":%" PRId64, major, minor);
        bool any = false;
        for (size_t k = 0; k < ARRAY_SIZE(t); k++) {
                /* The last entry for a device wins, as successive v1 writes would. */
                const struct zone_spec_throttle_device *hit = NULL;
                for (size_t i = 0; i < t[k].n; i++)
                        if (t[k].list[i].major == major && t[k].list[i].minor == minor)
                                hit = &t[k].list[i];
                if (!hit)
                        continue;
                any = true;
                if (n < 0 || (size_t)n >= len)
                        return -ENOSPC;
                if (hit->rate)
                        n +=
                            snprintf(buf + n, len - (size_t)n, " %s=%" PRIu64, t[k].key, hit->rate);
                else
                        n += snprintf(buf + n, len - (size_t)n, " %s=max", t[k].key);
        }
        if (n < 0 || (size_t)n >= len)
                return -ENOSPC;
        return any ? 0 : -ENOENT;
}

void zone_cgroup_rdma_line(const struct zone_spec_rdma *rdma, char *buf, size_t len)
{
        char h[16] = "max", o[16] = "max";
        if (rdma->has_hca_handles)
                snprintf(h, sizeof(h), "%" PRIu32, rdma->hca_handles);
        if (rdma->has_hca_objects)
                snprintf(o, sizeof(o), "%" PRIu32, rdma->hca_objects);
        snprintf(buf, len, "%s hca_handle=%s hca_object=%s", rdma->device, h, o);
}

/* A controller the zone needs on cgroup2, and the field that needs it (for messages). */
struct need {
        const char *ctrl;
        char field[96];
};

#define MAX_NEEDS 16

static void add_need(struct need *needs, size_t *n, const char *ctrl, const char *field)
{
        for (size_t i = 0; i < *n; i++)
                if (!strcmp(needs[i].ctrl, ctrl))
                        return;
        if (*n >= MAX_NEEDS)
                return;
        needs[*n].ctrl = ctrl;
        snprintf(needs[*n].field, sizeof(needs[*n].field), "%s", field);
        (*n)++;
}

static bool wants_io(const struct zone_spec_resources *res)
{
        return (res->block_io.has_weight && res->block_io.weight) ||
               (res->block_io.has_leaf_weight && res->block_io.leaf_weight) ||
               res->block_io.n_weight_devices || res->block_io.n_throttle_read_bps ||
               res->block_io.n_throttle_write_bps || res->block_io.n_throttle_read_iops ||
               res->block_io.n_throttle_write_iops;
}

/* The unified key's controller ("memory.high" -> "memory"); the key was validated. */
static const char *unified_controller(const char *key)
{
        static const char *const known[] = {"cpu",  "cpuset",  "io",   "memory",
                                            "pids", "hugetlb", "rdma", "misc"};
        size_t n = strcspn(key, ".");
        for (size_t i = 0; i < ARRAY_SIZE(known); i++)
                if (strlen(known[i]) == n && !strncmp(key, known[i], n))
                        return known[i];
        return NULL;
}

/* The controllers res needs that v1 does not provide; fields cgroup2 has no knob for (and
 * v1 does not hold here) are refused. */
static int needed(struct zone_cgroup *cg, const struct zone_spec_resources *res, struct need *needs,
                  size_t *n, struct zone_err **err)
{
        *n = 0;
        bool mem = (res->memory.has_limit && res->memory.limit) || res->memory.has_reservation ||
                   res->memory.has_swap;
        bool cpu =
            (res->cpu.has_shares && res->cpu.shares) || (res->cpu.has_quota && res->cpu.quota) ||
            (res->cpu.has_period && res->cpu.period) || res->cpu.has_burst || res->cpu.has_idle;
        bool rt = (res->cpu.has_realtime_runtime && res->cpu.realtime_runtime) ||
                  (res->cpu.has_realtime_period && res->cpu.realtime_period);
        bool cpuset = (res->cpu.cpus && *res->cpu.cpus) || (res->cpu.mems && *res->cpu.mems);
        if (rt && !cgroup_v1_dir(cg, "cpu"))
                return zone_err_set(err, -EOPNOTSUPP,
                                    "linux.resources.cpu.%s: cgroup2 has no realtime group "
                                    "scheduling limits (only a v1 cpu hierarchy has them)",
                                    res->cpu.has_realtime_runtime && res->cpu.realtime_runtime
                                        ? "realtimeRuntime"
                                        : "realtimePeriod");
        if (res->network.has_class_id && !cgroup_v1_dir(cg, "net_cls"))
                return zone_err_set(err, -EOPNOTSUPP,
                                    "linux.resources.network.classID: the net_cls controller is "
                                    "not available on this host (cgroup2 has no equivalent)");
        if (res->network.n_priorities && !cgroup_v1_dir(cg, "net_prio"))
                return zone_err_set(err, -EOPNOTSUPP,
                                    "linux.resources.network.priorities: the net_prio controller "
                                    "is not available on this host (cgroup2 has no equivalent)");
        if (mem && !cgroup_v1_dir(cg, "memory"))
                add_need(needs, n, "memory", "memory");
        if (cpu && !cgroup_v1_dir(cg, "cpu"))
                add_need(needs, n, "cpu", "cpu");
        if (cpuset && !cgroup_v1_dir(cg, "cpuset"))
                add_need(needs, n, "cpuset", "cpu.cpus");
        if (res->pids.has_limit && !cgroup_v1_dir(cg, "pids"))
                add_need(needs, n, "pids", "pids");
        if (wants_io(res) && !cgroup_v1_dir(cg, "blkio"))
                add_need(needs, n, "io", "blockIO");
        if (res->n_hugepage_limits && !cgroup_v1_dir(cg, "hugetlb"))
                add_need(needs, n, "hugetlb", "hugepageLimits");
        if (res->n_rdma && !cgroup_v1_dir(cg, "rdma"))
                add_need(needs, n, "rdma", "rdma");
        for (size_t i = 0; i < res->n_unified; i++) {
                char field[96];
                snprintf(field, sizeof(field), "unified[\"%s\"]", res->unified[i].key);
                if (!cgroup_v2_dir(cg))
                        return zone_err_set(err, -EOPNOTSUPP,
                                            "linux.resources.%s: this host has no cgroup2 "
                                            "hierarchy",
                                            field);
                const char *c = unified_controller(res->unified[i].key);
                if (c)
                        add_need(needs, n, c, field);
        }
        return 0;
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

static bool has_file(const char *dir, const char *file)
{
        _cleanup_close_ int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return fd >= 0 && faccessat(fd, file, F_OK, 0) == 0;
}

static int apply_memory(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                        bool update, struct zone_err **err)
{
        char buf[64];
        int r;
        /* swappiness and disableOOMKiller have no v2 knob (ignored, as runc does). */
        if (update && res->memory.has_check_before_update && res->memory.check_before_update &&
            res->memory.has_limit &&
            (r = cgroup_check_usage(d->dir, "memory.current", res->memory.limit, err)) < 0)
                return r;
        /* The swap value first: it depends on the limit and may be refused. */
        int64_t sw = 0;
        bool set_swap = false;
        if (res->memory.has_swap &&
            (r = zone_cgroup_v2_swap(res->memory.swap,
                                     res->memory.has_limit ? res->memory.limit : 0, &sw, &set_swap,
                                     err)) < 0)
                return r;
        /* Unlimited memory with swap unset: swap unlimited too, as on v1. */
        if (!res->memory.has_swap && res->memory.has_limit && res->memory.limit == -1) {
                sw = -1;
                set_swap = true;
        }
        if (res->memory.has_limit && res->memory.limit) {
                zone_cgroup_v2_memory_value(res->memory.limit, buf, sizeof(buf));
                if ((r = cgroup_write_field(d->dir, "memory.max", buf, "memory.limit", err)) < 0)
                        return r;
        }
        if (res->memory.has_reservation) {
                zone_cgroup_v2_memory_value(res->memory.reservation, buf, sizeof(buf));
                if ((r = cgroup_write_field(d->dir, "memory.low", buf, "memory.reservation", err)) <
                    0)
                        return r;
        }
        if (set_swap) {
                zone_cgroup_v2_memory_value(sw, buf, sizeof(buf));
                /* No swap accounting in the kernel: no file, and the implied "max" has
                 * nothing to lift. */
                if (!res->memory.has_swap && !has_file(d->dir, "memory.swap.max"))
                        return 0;
                if ((r = cgroup_write_field(d->dir, "memory.swap.max", buf, "memory.swap", err)) <
                    0)
                        return r;
        }
        return 0;
}

static int apply_cpu(struct zone_cgroup_dir *d, const struct zone_spec_resources *res, bool update,
                     struct zone_err **err)
{
        char buf[64];
        int r;
        if (res->cpu.has_shares && res->cpu.shares) {
                snprintf(buf, sizeof(buf), "%" PRIu64, zone_cgroup_v2_weight(res->cpu.shares));
                if ((r = cgroup_write_field(d->dir, "cpu.weight", buf, "cpu.shares", err)) < 0)
                        return r;
        }
        bool has_quota = res->cpu.has_quota && res->cpu.quota;
        bool has_period = res->cpu.has_period && res->cpu.period;
        if (has_quota || has_period) {
                int64_t quota = has_quota ? res->cpu.quota : -1;
                /* cpu.max takes the quota with the period: a live zone whose update names only
                 * the period keeps its quota. */
                _cleanup_free_ char *cur = NULL;
                if (!has_quota && update && cgroup_read(d->dir, "cpu.max", &cur) == 0 &&
                    cur[0] >= '0' && cur[0] <= '9')
                        quota = strtoll(cur, NULL, 10);
                zone_cgroup_v2_cpu_max(true, quota, has_period, res->cpu.period, buf, sizeof(buf));
                if ((r = cgroup_write_field(d->dir, "cpu.max", buf,
                                            has_quota ? "cpu.quota" : "cpu.period", err)) < 0)
                        return r;
        }
        if (res->cpu.has_burst) {
                snprintf(buf, sizeof(buf), "%" PRIu64, res->cpu.burst);
                if ((r = cgroup_write_field(d->dir, "cpu.max.burst", buf, "cpu.burst", err)) < 0)
                        return r;
        }
        if (res->cpu.has_idle) {
                snprintf(buf, sizeof(buf), "%" PRId64, res->cpu.idle);
                if ((r = cgroup_write_field(d->dir, "cpu.idle", buf, "cpu.idle", err)) < 0)
                        return r;
        }
        return 0;
}

static int apply_io(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                    struct zone_err **err)
{
        char buf[160], field[64];
        int r;
        if (res->block_io.has_leaf_weight && res->block_io.leaf_weight)
                return zone_err_set(err, -EOPNOTSUPP,
                                    "linux.resources.blockIO.leafWeight: cgroup2 has no leaf "
                                    "weights");
        /* bfq's own file takes the blkio range as is; io.weight needs runc's conversion. */
        bool bfq = has_file(d->dir, "io.bfq.weight");
        if (res->block_io.has_weight && res->block_io.weight) {
                snprintf(buf, sizeof(buf), "%" PRIu64,
                         bfq ? res->block_io.weight
                             : zone_cgroup_v2_io_weight(res->block_io.weight));
                if ((r = cgroup_write_field(d->dir, bfq ? "io.bfq.weight" : "io.weight", buf,
                                            "blockIO.weight", err)) < 0)
                        return r;
        }
        for (size_t i = 0; i < res->block_io.n_weight_devices; i++) {
                const struct zone_spec_weight_device *w = &res->block_io.weight_devices[i];
                if (w->has_leaf_weight && w->leaf_weight)
                        return zone_err_set(err, -EOPNOTSUPP,
                                            "linux.resources.blockIO.weightDevice[%zu].leafWeight: "
                                            "cgroup2 has no leaf weights",
                                            i);
                if (!w->has_weight || !w->weight)
                        continue;
                snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
                         bfq ? w->weight : zone_cgroup_v2_io_weight(w->weight));
                snprintf(field, sizeof(field), "blockIO.weightDevice[%zu]", i);
                if ((r = cgroup_write_field(d->dir, bfq ? "io.bfq.weight" : "io.weight", buf, field,
                                            err)) < 0)
                        return r;
        }
        /* One io.max line per device, each device once. */
        const struct zone_spec_throttle_device *lists[] = {
            res->block_io.throttle_read_bps, res->block_io.throttle_write_bps,
            res->block_io.throttle_read_iops, res->block_io.throttle_write_iops};
        const size_t counts[] = {
            res->block_io.n_throttle_read_bps, res->block_io.n_throttle_write_bps,
            res->block_io.n_throttle_read_iops, res->block_io.n_throttle_write_iops};
        for (size_t k = 0; k < ARRAY_SIZE(lists); k++)
                for (size_t i = 0; i < counts[k]; i++) {
                        const struct zone_spec_throttle_device *t = &lists[k][i];
                        bool seen = false;
                        for (size_t kk = 0; kk <= k && !seen; kk++)
                                for (size_t j = 0; j < (kk == k ? i : counts[kk]) && !seen; j++)
                                        seen = lists[kk][j].major == t->major &&
                                               lists[kk][j].minor == t->minor;
                        if (seen)
                                continue;
                        if ((r = zone_cgroup_v2_io_max_line(res, t->major, t->minor, buf,
                                                            sizeof(buf))) < 0)
                                return zone_err_sys(err, r, "io.max line for %" PRId64 ":%" PRId64,
                                                    t->major, t->minor);
                        if ((r = cgroup_write_field(d->dir, "io.max", buf, "blockIO", err)) < 0)
                                return r;
                }
        return 0;
}

static int apply_hugetlb(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                         struct zone_err **err)
{
        for (size_t i = 0; i < res->n_hugepage_limits; i++) {
                const struct zone_spec_hugepage_limit *h = &res->hugepage_limits[i];
                char file[64], rsvd[64], field[48], buf[32];
                snprintf(file, sizeof(file), "hugetlb.%s.max", h->page_size);
                snprintf(rsvd, sizeof(rsvd), "hugetlb.%s.rsvd.max", h->page_size);
                snprintf(field, sizeof(field), "hugepageLimits[%zu].limit", i);
                snprintf(buf, sizeof(buf), "%" PRIu64, h->limit);
                if (!has_file(d->dir, file))
                        return zone_err_set(err, -EINVAL,
                                            "linux.resources.hugepageLimits[%zu].pageSize "
                                            "\"%s\": this host has no %s huge pages",
                                            i, h->page_size, h->page_size);
                int r = cgroup_write_field(d->dir, file, buf, field, err);
                /* The reservation limit too, or pages reserved by mmap escape the limit. */
                if (r == 0 && has_file(d->dir, rsvd))
                        r = cgroup_write_field(d->dir, rsvd, buf, field, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int apply_unified(struct zone_cgroup_dir *d, const struct zone_spec_resources *res,
                         struct zone_err **err)
{
        for (size_t i = 0; i < res->n_unified; i++) {
                const struct zone_kv *kv = &res->unified[i];
                char field[96];
                snprintf(field, sizeof(field), "unified[\"%s\"]", kv->key);
                if (!has_file(d->dir, kv->key))
                        return zone_err_set(err, -ENOENT,
                                            "linux.resources.%s: the zone's cgroup2 directory %s "
                                            "has no such file",
                                            field, d->dir);
                int r = cgroup_write_field(d->dir, kv->key, kv->value ? kv->value : "", field, err);
                if (r < 0)
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
        int r = cgroup_validate(res, err);
        if (r < 0)
                return r;
        struct need needs[MAX_NEEDS];
        size_t n;
        if ((r = needed(cg, res, needs, &n, err)) < 0)
                return r;
        if (n == 0)
                return 0;
        if (!d)
                return zone_err_set(err, -EOPNOTSUPP,
                                    "linux.resources.%s: the %s controller is not available on "
                                    "this host",
                                    needs[0].field, needs[0].ctrl);
        /* Every controller is made usable before the first value is written. */
        for (size_t i = 0; i < n; i++)
                if ((r = enable(d, needs[i].ctrl, needs[i].field, err)) < 0)
                        return r;
        char buf[64];
        for (size_t i = 0; i < n; i++) {
                const char *c = needs[i].ctrl;
                if (!strcmp(c, "memory"))
                        r = apply_memory(d, res, update, err);
                else if (!strcmp(c, "cpu"))
                        r = apply_cpu(d, res, update, err);
                else if (!strcmp(c, "io"))
                        r = apply_io(d, res, err);
                else if (!strcmp(c, "hugetlb"))
                        r = apply_hugetlb(d, res, err);
                else if (!strcmp(c, "rdma")) {
                        for (size_t k = 0; r == 0 && k < res->n_rdma; k++) {
                                char line[160], field[96];
                                zone_cgroup_rdma_line(&res->rdma[k], line, sizeof(line));
                                snprintf(field, sizeof(field), "rdma[\"%s\"]", res->rdma[k].device);
                                r = cgroup_write_field(d->dir, "rdma.max", line, field, err);
                        }
                } else if (!strcmp(c, "cpuset")) {
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
                } else if (!strcmp(c, "pids") && res->pids.has_limit) {
                        zone_cgroup_v2_pids_max(res->pids.limit, buf, sizeof(buf));
                        r = cgroup_write_field(d->dir, "pids.max", buf, "pids.limit", err);
                }
                if (r < 0)
                        return r;
        }
        /* Last, so a raw value overrides what the fields above wrote (as runc). */
        return apply_unified(d, res, err);
}
