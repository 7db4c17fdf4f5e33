/* zone_update: changes the resource limits of a live zone (zone-oci update). The new values
 * are checked first, so a bad one changes nothing; then applied one field at a time through
 * the zone's cgroup, and what was applied is merged into the stored config, so the stored
 * config never claims a limit the cgroup does not have, even when a write fails part-way. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cgroups/cgroup.h"
#include "cgroups/cgroup_validate.h"
#include "util.h"

/* The fields one at a time, in the order they are applied: the cpuset first since the kernel
 * alone knows which CPUs and nodes exist, so a wrong one fails before anything changed. */
enum step {
        S_CPUS,
        S_MEMS,
        S_MEM_LIMIT, /* with checkBeforeUpdate; ordered against S_MEM_SWAP at run time */
        S_MEM_SWAP,
        S_MEM_RESERVATION,
        S_MEM_SWAPPINESS,
        S_MEM_OOM,
        S_CPU_SHARES,
        S_CPU_CFS, /* period and quota together: cgroup2 has them in one file */
        S_CPU_BURST,
        S_CPU_RT, /* realtime period and runtime together: the kernel checks one against the other
                   */
        S_CPU_IDLE,
        S_PIDS,
        S_BLKIO_WEIGHT,
        S_BLKIO_LEAF_WEIGHT,
        S_BLKIO_WEIGHT_DEVICE,
        S_BLKIO_READ_BPS,
        S_BLKIO_WRITE_BPS,
        S_BLKIO_READ_IOPS,
        S_BLKIO_WRITE_IOPS,
        S_HUGEPAGES,
        S_NET_CLASS_ID,
        S_NET_PRIORITIES,
        S_RDMA,
        S_UNIFIED,
        S_DEVICES, /* the whole rule list: rules are ordered, so a new list replaces the old */
        S_COUNT
};

static const char *const step_names[S_COUNT] = {
    [S_CPUS] = "cpu.cpus",
    [S_MEMS] = "cpu.mems",
    [S_MEM_LIMIT] = "memory.limit",
    [S_MEM_SWAP] = "memory.swap",
    [S_MEM_RESERVATION] = "memory.reservation",
    [S_MEM_SWAPPINESS] = "memory.swappiness",
    [S_MEM_OOM] = "memory.disableOOMKiller",
    [S_CPU_SHARES] = "cpu.shares",
    [S_CPU_CFS] = "cpu.period/quota",
    [S_CPU_BURST] = "cpu.burst",
    [S_CPU_RT] = "cpu.realtimePeriod/realtimeRuntime",
    [S_CPU_IDLE] = "cpu.idle",
    [S_PIDS] = "pids.limit",
    [S_BLKIO_WEIGHT] = "blockIO.weight",
    [S_BLKIO_LEAF_WEIGHT] = "blockIO.leafWeight",
    [S_BLKIO_WEIGHT_DEVICE] = "blockIO.weightDevice",
    [S_BLKIO_READ_BPS] = "blockIO.throttleReadBpsDevice",
    [S_BLKIO_WRITE_BPS] = "blockIO.throttleWriteBpsDevice",
    [S_BLKIO_READ_IOPS] = "blockIO.throttleReadIOPSDevice",
    [S_BLKIO_WRITE_IOPS] = "blockIO.throttleWriteIOPSDevice",
    [S_HUGEPAGES] = "hugepageLimits",
    [S_NET_CLASS_ID] = "network.classID",
    [S_NET_PRIORITIES] = "network.priorities",
    [S_RDMA] = "rdma",
    [S_UNIFIED] = "unified",
    [S_DEVICES] = "devices",
};

static bool step_in(const struct zone_spec_resources *r, enum step s)
{
        switch (s) {
        case S_CPUS:
                return r->cpu.cpus != NULL;
        case S_MEMS:
                return r->cpu.mems != NULL;
        case S_MEM_LIMIT:
                return r->memory.has_limit || r->memory.has_check_before_update;
        case S_MEM_SWAP:
                return r->memory.has_swap;
        case S_MEM_RESERVATION:
                return r->memory.has_reservation;
        case S_MEM_SWAPPINESS:
                return r->memory.has_swappiness;
        case S_MEM_OOM:
                return r->memory.has_disable_oom_killer;
        case S_CPU_SHARES:
                return r->cpu.has_shares;
        case S_CPU_CFS:
                return r->cpu.has_period || r->cpu.has_quota;
        case S_CPU_BURST:
                return r->cpu.has_burst;
        case S_CPU_RT:
                return r->cpu.has_realtime_period || r->cpu.has_realtime_runtime;
        case S_CPU_IDLE:
                return r->cpu.has_idle;
        case S_PIDS:
                return r->pids.has_limit;
        case S_BLKIO_WEIGHT:
                return r->block_io.has_weight;
        case S_BLKIO_LEAF_WEIGHT:
                return r->block_io.has_leaf_weight;
        case S_BLKIO_WEIGHT_DEVICE:
                return r->block_io.n_weight_devices > 0;
        case S_BLKIO_READ_BPS:
                return r->block_io.n_throttle_read_bps > 0;
        case S_BLKIO_WRITE_BPS:
                return r->block_io.n_throttle_write_bps > 0;
        case S_BLKIO_READ_IOPS:
                return r->block_io.n_throttle_read_iops > 0;
        case S_BLKIO_WRITE_IOPS:
                return r->block_io.n_throttle_write_iops > 0;
        case S_HUGEPAGES:
                return r->n_hugepage_limits > 0;
        case S_NET_CLASS_ID:
                return r->network.has_class_id;
        case S_NET_PRIORITIES:
                return r->network.n_priorities > 0;
        case S_RDMA:
                return r->n_rdma > 0;
        case S_UNIFIED:
                return r->n_unified > 0;
        case S_DEVICES:
                return r->n_devices > 0;
        case S_COUNT:
                break;
        }
        return false;
}

/* ---- lists merge by key: a new entry for a device (page size, key, ...) replaces the old
 * one, the others stay, as the cgroup keeps them ---- */

struct list_kind {
        size_t size;
        bool (*same)(const void *a, const void *b);
        /* Copies src into the zeroed dst; on failure dst stays freeable. */
        int (*copy)(void *dst, const void *src);
        void (*done)(void *e); /* NULL: nothing owned */
};

static int merge_list(void **list, size_t *n, const void *src, size_t src_n,
                      const struct list_kind *k)
{
        for (size_t i = 0; i < src_n; i++) {
                const void *e = (const char *)src + i * k->size;
                char *slot = NULL;
                for (size_t j = 0; j < *n && !slot; j++)
                        if (k->same((char *)*list + j * k->size, e))
                                slot = (char *)*list + j * k->size;
                if (slot) {
                        if (k->done)
                                k->done(slot);
                } else {
                        char *grown = realloc(*list, (*n + 1) * k->size);
                        if (!grown)
                                return -ENOMEM;
                        *list = grown;
                        slot = grown + (*n)++ * k->size;
                }
                memset(slot, 0, k->size);
                if (k->copy(slot, e) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static bool same_weight_dev(const void *a, const void *b)
{
        const struct zone_spec_weight_device *x = a, *y = b;
        return x->major == y->major && x->minor == y->minor;
}
static bool same_throttle(const void *a, const void *b)
{
        const struct zone_spec_throttle_device *x = a, *y = b;
        return x->major == y->major && x->minor == y->minor;
}
static bool same_hugepage(const void *a, const void *b)
{
        return strcmp(((const struct zone_spec_hugepage_limit *)a)->page_size,
                      ((const struct zone_spec_hugepage_limit *)b)->page_size) == 0;
}
static bool same_prio(const void *a, const void *b)
{
        return strcmp(((const struct zone_spec_net_priority *)a)->name,
                      ((const struct zone_spec_net_priority *)b)->name) == 0;
}
static bool same_rdma(const void *a, const void *b)
{
        return strcmp(((const struct zone_spec_rdma *)a)->device,
                      ((const struct zone_spec_rdma *)b)->device) == 0;
}
static bool same_kv(const void *a, const void *b)
{
        return strcmp(((const struct zone_kv *)a)->key, ((const struct zone_kv *)b)->key) == 0;
}

static int copy_weight_dev(void *dst, const void *src)
{
        memcpy(dst, src, sizeof(struct zone_spec_weight_device));
        return 0;
}
static int copy_throttle(void *dst, const void *src)
{
        memcpy(dst, src, sizeof(struct zone_spec_throttle_device));
        return 0;
}
static int copy_hugepage(void *dst, const void *src)
{
        struct zone_spec_hugepage_limit *d = dst;
        const struct zone_spec_hugepage_limit *s = src;
        d->limit = s->limit;
        return (d->page_size = strdup(s->page_size)) ? 0 : -ENOMEM;
}
static int copy_prio(void *dst, const void *src)
{
        struct zone_spec_net_priority *d = dst;
        const struct zone_spec_net_priority *s = src;
        d->priority = s->priority;
        return (d->name = strdup(s->name)) ? 0 : -ENOMEM;
}
static int copy_rdma(void *dst, const void *src)
{
        struct zone_spec_rdma *d = dst;
        const struct zone_spec_rdma *s = src;
        *d = *s;
        return (d->device = strdup(s->device)) ? 0 : -ENOMEM;
}
static int copy_kv(void *dst, const void *src)
{
        struct zone_kv *d = dst;
        const struct zone_kv *s = src;
        d->key = strdup(s->key);
        d->value = strdup(s->value);
        return d->key && d->value ? 0 : -ENOMEM;
}
static void done_hugepage(void *e)
{
        free(((struct zone_spec_hugepage_limit *)e)->page_size);
}
static void done_prio(void *e)
{
        free(((struct zone_spec_net_priority *)e)->name);
}
static void done_rdma(void *e)
{
        free(((struct zone_spec_rdma *)e)->device);
}
static void done_kv(void *e)
{
        free(((struct zone_kv *)e)->key);
        free(((struct zone_kv *)e)->value);
}

static const struct list_kind weight_dev_kind = {sizeof(struct zone_spec_weight_device),
                                                 same_weight_dev, copy_weight_dev, NULL};
static const struct list_kind throttle_kind = {sizeof(struct zone_spec_throttle_device),
                                               same_throttle, copy_throttle, NULL};
static const struct list_kind hugepage_kind = {sizeof(struct zone_spec_hugepage_limit),
                                               same_hugepage, copy_hugepage, done_hugepage};
static const struct list_kind prio_kind = {sizeof(struct zone_spec_net_priority), same_prio,
                                           copy_prio, done_prio};
static const struct list_kind rdma_kind = {sizeof(struct zone_spec_rdma), same_rdma, copy_rdma,
                                           done_rdma};
static const struct list_kind kv_kind = {sizeof(struct zone_kv), same_kv, copy_kv, done_kv};

#define MERGE(dst, src, list, n, kind)                                                             \
        merge_list((void **)&(dst)->list, &(dst)->n, (src)->list, (src)->n, &(kind))

static int replace_string(char **dst, const char *src)
{
        char *s = strdup(src);
        if (!s)
                return -ENOMEM;
        free(*dst);
        *dst = s;
        return 0;
}

static int replace_rules(struct zone_spec_resources *dst, const struct zone_spec_resources *src)
{
        struct zone_spec_device_rule *rules = calloc(src->n_devices, sizeof(*rules));
        if (!rules)
                return -ENOMEM;
        for (size_t i = 0; i < src->n_devices; i++) {
                rules[i] = src->devices[i];
                if (src->devices[i].access && !(rules[i].access = strdup(src->devices[i].access))) {
                        while (i-- > 0)
                                free(rules[i].access);
                        free(rules);
                        return -ENOMEM;
                }
        }
        for (size_t i = 0; i < dst->n_devices; i++)
                free(dst->devices[i].access);
        free(dst->devices);
        dst->devices = rules;
        dst->n_devices = src->n_devices;
        return 0;
}

/* Sets step s's fields of dst from src: into an empty dst to apply one step, into the stored
 * config's resources to record it. */
static int step_take(struct zone_spec_resources *dst, const struct zone_spec_resources *src,
                     enum step s)
{
#define TAKE(group, m)                                                                             \
        do {                                                                                       \
                if (src->group.has_##m) {                                                          \
                        dst->group.has_##m = true;                                                 \
                        dst->group.m = src->group.m;                                               \
                }                                                                                  \
        } while (0)
        dst->present = true;
        switch (s) {
        case S_CPUS:
                return replace_string(&dst->cpu.cpus, src->cpu.cpus);
        case S_MEMS:
                return replace_string(&dst->cpu.mems, src->cpu.mems);
        case S_MEM_LIMIT:
                TAKE(memory, limit);
                TAKE(memory, check_before_update);
                return 0;
        case S_MEM_SWAP:
                TAKE(memory, swap);
                return 0;
        case S_MEM_RESERVATION:
                TAKE(memory, reservation);
                return 0;
        case S_MEM_SWAPPINESS:
                TAKE(memory, swappiness);
                return 0;
        case S_MEM_OOM:
                TAKE(memory, disable_oom_killer);
                return 0;
        case S_CPU_SHARES:
                TAKE(cpu, shares);
                return 0;
        case S_CPU_CFS:
                TAKE(cpu, period);
                TAKE(cpu, quota);
                return 0;
        case S_CPU_BURST:
                TAKE(cpu, burst);
                return 0;
        case S_CPU_RT:
                TAKE(cpu, realtime_period);
                TAKE(cpu, realtime_runtime);
                return 0;
        case S_CPU_IDLE:
                TAKE(cpu, idle);
                return 0;
        case S_PIDS:
                TAKE(pids, limit);
                return 0;
        case S_BLKIO_WEIGHT:
                TAKE(block_io, weight);
                return 0;
        case S_BLKIO_LEAF_WEIGHT:
                TAKE(block_io, leaf_weight);
                return 0;
        case S_BLKIO_WEIGHT_DEVICE:
                return MERGE(dst, src, block_io.weight_devices, block_io.n_weight_devices,
                             weight_dev_kind);
        case S_BLKIO_READ_BPS:
                return MERGE(dst, src, block_io.throttle_read_bps, block_io.n_throttle_read_bps,
                             throttle_kind);
        case S_BLKIO_WRITE_BPS:
                return MERGE(dst, src, block_io.throttle_write_bps, block_io.n_throttle_write_bps,
                             throttle_kind);
        case S_BLKIO_READ_IOPS:
                return MERGE(dst, src, block_io.throttle_read_iops, block_io.n_throttle_read_iops,
                             throttle_kind);
        case S_BLKIO_WRITE_IOPS:
                return MERGE(dst, src, block_io.throttle_write_iops, block_io.n_throttle_write_iops,
                             throttle_kind);
        case S_HUGEPAGES:
                return MERGE(dst, src, hugepage_limits, n_hugepage_limits, hugepage_kind);
        case S_NET_CLASS_ID:
                TAKE(network, class_id);
                return 0;
        case S_NET_PRIORITIES:
                return MERGE(dst, src, network.priorities, network.n_priorities, prio_kind);
        case S_RDMA:
                return MERGE(dst, src, rdma, n_rdma, rdma_kind);
        case S_UNIFIED:
                return MERGE(dst, src, unified, n_unified, kv_kind);
        case S_DEVICES:
                return replace_rules(dst, src);
        case S_COUNT:
                break;
        }
#undef TAKE
        return 0;
}

/* ---- checks, before anything is written ---- */

#define FIELD "linux.resources."

/* "0-3,5": what cpuset.cpus and cpuset.mems take; which numbers exist is the kernel's word. */
static int check_cpu_list(const char *name, const char *s, struct zone_err **err)
{
        if (s && (!*s || s[strspn(s, "0123456789,-")] != '\0'))
                return zone_err_set(err, -EINVAL, FIELD "%s \"%s\": expected a list like \"0-3,5\"",
                                    name, s);
        return 0;
}

/* The value checks every config gets (cgroup_validate), and those only an update needs: what
 * cannot change, and swap against the limit as both will be after it. */
static int check(const struct zone_spec_resources *r, const struct zone_spec_resources *old,
                 struct zone_err **err)
{
        int ret = cgroup_validate(r, err);
        if (ret < 0)
                return ret;
        if (r->memory.has_use_hierarchy)
                return zone_err_set(err, -EINVAL,
                                    FIELD "memory.useHierarchy: cannot be changed by update");
        int64_t limit = r->memory.has_limit     ? r->memory.limit
                        : old->memory.has_limit ? old->memory.limit
                                                : -1;
        int64_t swap = r->memory.has_swap     ? r->memory.swap
                       : old->memory.has_swap ? old->memory.swap
                                              : -1;
        if ((r->memory.has_limit || r->memory.has_swap) && swap > 0 &&
            (limit == -1 || swap < limit))
                return zone_err_set(err, -EINVAL,
                                    FIELD "memory.swap \"%" PRId64
                                          "\": must be at least memory.limit (%" PRId64
                                          "), it counts memory and swap together",
                                    swap, limit);
        if ((ret = check_cpu_list("cpu.cpus", r->cpu.cpus, err)) < 0 ||
            (ret = check_cpu_list("cpu.mems", r->cpu.mems, err)) < 0)
                return ret;
        return 0;
}

/* runc's meanings, which tools rely on: 0 leaves a limit as it is (its documented template
 * is all zeros), and an unlimited memory without a swap value makes swap unlimited too. */
static void normalise(struct zone_spec_resources *r)
{
        if (r->memory.has_limit && r->memory.limit == 0)
                r->memory.has_limit = false;
        if (r->memory.has_reservation && r->memory.reservation == 0)
                r->memory.has_reservation = false;
        if (r->memory.has_swap && r->memory.swap == 0)
                r->memory.has_swap = false;
        if (r->memory.has_limit && r->memory.limit == -1 && !r->memory.has_swap) {
                r->memory.has_swap = true;
                r->memory.swap = -1;
        }
        if (r->cpu.has_shares && r->cpu.shares == 0)
                r->cpu.has_shares = false;
        if (r->cpu.has_period && r->cpu.period == 0)
                r->cpu.has_period = false;
        if (r->cpu.has_quota && r->cpu.quota == 0)
                r->cpu.has_quota = false;
        if (r->cpu.has_realtime_period && r->cpu.realtime_period == 0)
                r->cpu.has_realtime_period = false;
        if (r->cpu.has_realtime_runtime && r->cpu.realtime_runtime == 0)
                r->cpu.has_realtime_runtime = false;
        if (r->pids.has_limit && r->pids.limit == 0)
                r->pids.has_limit = false;
        if (r->block_io.has_weight && r->block_io.weight == 0)
                r->block_io.has_weight = false;
        if (r->block_io.has_leaf_weight && r->block_io.leaf_weight == 0)
                r->block_io.has_leaf_weight = false;
}

/* cgroup v1 wants memory <= memory+swap at every moment: when the limit grows, swap goes
 * first; when it shrinks, the limit does. The stored limit is what the cgroup has now. */
static bool swap_first(const struct zone_spec_resources *want,
                       const struct zone_spec_resources *old)
{
        if (!want->memory.has_limit || !want->memory.has_swap)
                return false;
        int64_t now = old->memory.has_limit ? old->memory.limit : -1;
        int64_t next = want->memory.limit;
        return next == -1 || (now != -1 && next > now);
}

/* ---- applying and recording ---- */

static int save_config(struct zone *z, struct zone_err **err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = zone_spec_write(z->spec, &text, &len, err);
        if (r >= 0)
                r = zone_entry_write_config(z->entry, text, len, err);
        return r;
}

static void list_append(char *buf, size_t size, const char *name)
{
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, "%s%s", n ? ", " : "", name);
}

int zone_update(const struct zone_ctx *ctx, const char *id, const struct zone_spec_resources *res,
                struct zone_err **err)
{
        /* Declared before the first goto: cleanup runs at every exit. */
        _cleanup_err_ struct zone_err *step_err = NULL;
        struct zone_store *store;
        struct zone z;
        int r = zone_open(ctx, id, &store, &z, err);
        if (r < 0)
                goto out;
        enum zone_status status = zone_state_status(z.state);
        struct zone_spec_resources *old = &z.spec->linux.resources;
        /* Only scalars change here: the lists stay res's, and want is never freed. */
        struct zone_spec_resources want = *res;
        normalise(&want);
        if (status == ZONE_STATUS_STOPPED || status == ZONE_STATUS_CREATING)
                r = zone_err_set(err, -EINVAL, "container \"%s\" is %s: cannot update it", id,
                                 zone_status_name(status));
        else if (!z.state->cgroup_path)
                r = zone_err_set(err, -EINVAL, "container \"%s\" has no cgroup: cannot update it",
                                 id);
        if (r >= 0)
                r = check(&want, old, err);
        if (r >= 0 && z.backend->memory_fixed && (want.memory.has_limit || want.memory.has_swap))
                r = zone_err_set(err, -EOPNOTSUPP,
                                 FIELD
                                 "memory.%s: cannot be updated: the zone's VM (type %s) got its "
                                 "RAM when it booted",
                                 want.memory.has_limit ? "limit" : "swap", z.backend->name);
        if (r >= 0 && (want.memory.has_kernel || want.memory.has_kernel_tcp))
                zone_warn(&ctx->log,
                          "update %s: memory.kernel and memory.kernelTCP are obsolete "
                          "and ignored",
                          id);
        if (r >= 0)
                r = zone_cgroup_open(z.state->cgroup_path, &z.cgroup, err);
        if (r < 0)
                goto out;

        enum step order[S_COUNT];
        for (int s = 0; s < S_COUNT; s++)
                order[s] = (enum step)s;
        if (swap_first(&want, old)) {
                order[S_MEM_LIMIT] = S_MEM_SWAP;
                order[S_MEM_SWAP] = S_MEM_LIMIT;
        }
        char done[512] = "", failed[512] = "";
        bool changed = false;
        for (int i = 0; i < S_COUNT; i++) {
                enum step s = order[i];
                if (!step_in(&want, s))
                        continue;
                if (step_err) { /* an earlier step failed: name what was left out */
                        list_append(failed, sizeof(failed), step_names[s]);
                        continue;
                }
                struct zone_spec_resources one = {0};
                int k = step_take(&one, &want, s);
                if (k < 0)
                        zone_err_sys(&step_err, k, "%s", step_names[s]);
                else if (zone_cgroup_update(z.cgroup, &one, &step_err) < 0 && !step_err)
                        zone_err_set(&step_err, -EIO, "%s: failed", step_names[s]);
                zone_spec_resources_done(&one);
                if (step_err)
                        continue;
                /* Recorded as soon as applied, so a later failure cannot leave it unsaid. */
                z.spec->has_linux = true;
                k = step_take(old, &want, s);
                if (k < 0) {
                        zone_err_sys(&step_err, k, "record %s", step_names[s]);
                        continue;
                }
                changed = true;
                list_append(done, sizeof(done), step_names[s]);
        }
        if (changed)
                r = save_config(&z, err);
        if (r < 0) {
                zone_err_wrap(err,
                              "update container \"%s\": the new limits are applied (%s) but the "
                              "stored config still has the old ones",
                              id, done);
        } else if (step_err) {
                r = zone_err_set(err, step_err->code, "update container \"%s\": %s%s%s%s%s", id,
                                 step_err->msg, done[0] ? "; applied: " : "; nothing was changed",
                                 done, failed[0] ? "; not applied: " : "", failed);
        }
out:
        zone_close(&z, store);
        return r;
}
