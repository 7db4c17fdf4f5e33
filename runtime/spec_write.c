/* config.json writer: the model back to JSON with yajl_gen, tab-indented like `runc spec`.
 * Keys come in the runtime-spec's own order; optional values are written only when set, so
 * parse -> write -> parse gives the same model. */
#include "spec.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "err.h"
#include "util.h"

/* The generator, plus the first failure so that callers need not check every call. */
struct w {
        yajl_gen g;
        yajl_gen_status st;
};

static void track(struct w *w, yajl_gen_status st)
{
        if (w->st == yajl_gen_status_ok)
                w->st = st;
}

static void str(struct w *w, const char *s)
{
        track(w, yajl_gen_string(w->g, (const unsigned char *)s, strlen(s)));
}

static void key(struct w *w, const char *k)
{
        str(w, k);
}

static void obj_open(struct w *w)
{
        track(w, yajl_gen_map_open(w->g));
}

static void obj_close(struct w *w)
{
        track(w, yajl_gen_map_close(w->g));
}

static void arr_open(struct w *w)
{
        track(w, yajl_gen_array_open(w->g));
}

static void arr_close(struct w *w)
{
        track(w, yajl_gen_array_close(w->g));
}

static void i64(struct w *w, int64_t v)
{
        track(w, yajl_gen_integer(w->g, v));
}

/* yajl_gen_integer takes a long long; larger uint64 values go out as number text. */
static void u64(struct w *w, uint64_t v)
{
        if (v <= INT64_MAX) {
                i64(w, (int64_t)v);
                return;
        }
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
        track(w, yajl_gen_number(w->g, buf, (size_t)n));
}

static void boolean(struct w *w, bool v)
{
        track(w, yajl_gen_bool(w->g, v));
}

/* key + value helpers; the "opt" ones skip unset values */
static void kstr(struct w *w, const char *k, const char *v)
{
        if (v) {
                key(w, k);
                str(w, v);
        }
}

static void ki64(struct w *w, const char *k, bool has, int64_t v)
{
        if (has) {
                key(w, k);
                i64(w, v);
        }
}

static void ku64(struct w *w, const char *k, bool has, uint64_t v)
{
        if (has) {
                key(w, k);
                u64(w, v);
        }
}

static void kbool(struct w *w, const char *k, bool has, bool v)
{
        if (has) {
                key(w, k);
                boolean(w, v);
        }
}

static void kstrv(struct w *w, const char *k, char *const *v)
{
        if (!v)
                return;
        key(w, k);
        arr_open(w);
        for (size_t i = 0; v[i]; i++)
                str(w, v[i]);
        arr_close(w);
}

static void kkv(struct w *w, const char *k, const struct zone_kv *kv, size_t n)
{
        if (!kv)
                return;
        key(w, k);
        obj_open(w);
        for (size_t i = 0; i < n; i++)
                kstr(w, kv[i].key, kv[i].value);
        obj_close(w);
}

/* ---- process ---- */

static void write_caps(struct w *w, const struct zone_spec_caps *c)
{
        if (!c->present)
                return;
        key(w, "capabilities");
        obj_open(w);
        kstrv(w, "bounding", c->bounding);
        kstrv(w, "effective", c->effective);
        kstrv(w, "inheritable", c->inheritable);
        kstrv(w, "permitted", c->permitted);
        kstrv(w, "ambient", c->ambient);
        obj_close(w);
}

static void write_process(struct w *w, const struct zone_spec_process *p)
{
        obj_open(w);
        kbool(w, "terminal", p->terminal, true);
        if (p->has_console_size) {
                key(w, "consoleSize");
                obj_open(w);
                ku64(w, "height", true, p->console_height);
                ku64(w, "width", true, p->console_width);
                obj_close(w);
        }
        key(w, "user");
        obj_open(w);
        ku64(w, "uid", true, p->user.uid);
        ku64(w, "gid", true, p->user.gid);
        ku64(w, "umask", p->user.has_umask, p->user.umask);
        if (p->user.additional_gids) {
                key(w, "additionalGids");
                arr_open(w);
                for (size_t i = 0; i < p->user.n_additional_gids; i++)
                        u64(w, p->user.additional_gids[i]);
                arr_close(w);
        }
        kstr(w, "username", p->user.username);
        obj_close(w);
        kstrv(w, "args", p->args);
        kstrv(w, "env", p->env);
        kstr(w, "cwd", p->cwd);
        write_caps(w, &p->caps);
        if (p->rlimits) {
                key(w, "rlimits");
                arr_open(w);
                for (size_t i = 0; i < p->n_rlimits; i++) {
                        obj_open(w);
                        kstr(w, "type", p->rlimits[i].name);
                        ku64(w, "hard", true, p->rlimits[i].hard);
                        ku64(w, "soft", true, p->rlimits[i].soft);
                        obj_close(w);
                }
                arr_close(w);
        }
        kbool(w, "noNewPrivileges", p->no_new_privileges, true);
        kstr(w, "apparmorProfile", p->apparmor_profile);
        ki64(w, "oomScoreAdj", p->has_oom_score_adj, p->oom_score_adj);
        kstr(w, "selinuxLabel", p->selinux_label);
        obj_close(w);
}

/* ---- top level: root, mounts, hooks ---- */

static void write_mounts(struct w *w, const struct zone_spec *s)
{
        if (!s->mounts)
                return;
        key(w, "mounts");
        arr_open(w);
        for (size_t i = 0; i < s->n_mounts; i++) {
                const struct zone_spec_mount *m = &s->mounts[i];
                obj_open(w);
                kstr(w, "destination", m->destination);
                kstr(w, "type", m->type);
                kstr(w, "source", m->source);
                kstrv(w, "options", m->options);
                obj_close(w);
        }
        arr_close(w);
}

static void write_hooks(struct w *w, const struct zone_spec_hooks *h)
{
        bool any = false;
        for (int k = 0; k < ZONE_HOOK_KIND_COUNT; k++)
                any |= h->list[k] != NULL;
        if (!any)
                return;
        key(w, "hooks");
        obj_open(w);
        for (int k = 0; k < ZONE_HOOK_KIND_COUNT; k++) {
                if (!h->list[k])
                        continue;
                key(w, zone_hook_kind_name(k));
                arr_open(w);
                for (size_t i = 0; i < h->n[k]; i++) {
                        const struct zone_spec_hook *hk = &h->list[k][i];
                        obj_open(w);
                        kstr(w, "path", hk->path);
                        kstrv(w, "args", hk->args);
                        kstrv(w, "env", hk->env);
                        ki64(w, "timeout", hk->has_timeout, hk->timeout);
                        obj_close(w);
                }
                arr_close(w);
        }
        obj_close(w);
}

/* ---- linux ---- */

static void write_idmaps(struct w *w, const char *k, const struct zone_spec_idmap *m, size_t n)
{
        if (!m)
                return;
        key(w, k);
        arr_open(w);
        for (size_t i = 0; i < n; i++) {
                obj_open(w);
                ku64(w, "containerID", true, m[i].container_id);
                ku64(w, "hostID", true, m[i].host_id);
                ku64(w, "size", true, m[i].size);
                obj_close(w);
        }
        arr_close(w);
}

static void write_throttle(struct w *w, const char *k, const struct zone_spec_throttle_device *t,
                           size_t n)
{
        if (!t)
                return;
        key(w, k);
        arr_open(w);
        for (size_t i = 0; i < n; i++) {
                obj_open(w);
                ki64(w, "major", true, t[i].major);
                ki64(w, "minor", true, t[i].minor);
                ku64(w, "rate", true, t[i].rate);
                obj_close(w);
        }
        arr_close(w);
}

static void write_memory(struct w *w, const struct zone_spec_resources *r)
{
        const __typeof__(r->memory) *m = &r->memory;
        if (!(m->has_limit || m->has_reservation || m->has_swap || m->has_kernel ||
              m->has_kernel_tcp || m->has_swappiness || m->has_disable_oom_killer ||
              m->has_use_hierarchy || m->has_check_before_update))
                return;
        key(w, "memory");
        obj_open(w);
        ki64(w, "limit", m->has_limit, m->limit);
        ki64(w, "reservation", m->has_reservation, m->reservation);
        ki64(w, "swap", m->has_swap, m->swap);
        ki64(w, "kernel", m->has_kernel, m->kernel);
        ki64(w, "kernelTCP", m->has_kernel_tcp, m->kernel_tcp);
        ku64(w, "swappiness", m->has_swappiness, m->swappiness);
        kbool(w, "disableOOMKiller", m->has_disable_oom_killer, m->disable_oom_killer);
        kbool(w, "useHierarchy", m->has_use_hierarchy, m->use_hierarchy);
        kbool(w, "checkBeforeUpdate", m->has_check_before_update, m->check_before_update);
        obj_close(w);
}

static void write_cpu(struct w *w, const struct zone_spec_resources *r)
{
        const __typeof__(r->cpu) *c = &r->cpu;
        if (!(c->has_shares || c->has_quota || c->has_burst || c->has_period ||
              c->has_realtime_runtime || c->has_realtime_period || c->has_idle || c->cpus ||
              c->mems))
                return;
        key(w, "cpu");
        obj_open(w);
        ku64(w, "shares", c->has_shares, c->shares);
        ki64(w, "quota", c->has_quota, c->quota);
        ku64(w, "burst", c->has_burst, c->burst);
        ku64(w, "period", c->has_period, c->period);
        ki64(w, "realtimeRuntime", c->has_realtime_runtime, c->realtime_runtime);
        ku64(w, "realtimePeriod", c->has_realtime_period, c->realtime_period);
        kstr(w, "cpus", c->cpus);
        kstr(w, "mems", c->mems);
        ki64(w, "idle", c->has_idle, c->idle);
        obj_close(w);
}

static void write_block_io(struct w *w, const struct zone_spec_resources *r)
{
        const __typeof__(r->block_io) *b = &r->block_io;
        if (!(b->has_weight || b->has_leaf_weight || b->weight_devices || b->throttle_read_bps ||
              b->throttle_write_bps || b->throttle_read_iops || b->throttle_write_iops))
                return;
        key(w, "blockIO");
        obj_open(w);
        ku64(w, "weight", b->has_weight, b->weight);
        ku64(w, "leafWeight", b->has_leaf_weight, b->leaf_weight);
        if (b->weight_devices) {
                key(w, "weightDevice");
                arr_open(w);
                for (size_t i = 0; i < b->n_weight_devices; i++) {
                        const struct zone_spec_weight_device *d = &b->weight_devices[i];
                        obj_open(w);
                        ki64(w, "major", true, d->major);
                        ki64(w, "minor", true, d->minor);
                        ku64(w, "weight", d->has_weight, d->weight);
                        ku64(w, "leafWeight", d->has_leaf_weight, d->leaf_weight);
                        obj_close(w);
                }
                arr_close(w);
        }
        write_throttle(w, "throttleReadBpsDevice", b->throttle_read_bps, b->n_throttle_read_bps);
        write_throttle(w, "throttleWriteBpsDevice", b->throttle_write_bps, b->n_throttle_write_bps);
        write_throttle(w, "throttleReadIOPSDevice", b->throttle_read_iops, b->n_throttle_read_iops);
        write_throttle(w, "throttleWriteIOPSDevice", b->throttle_write_iops,
                       b->n_throttle_write_iops);
        obj_close(w);
}

static void write_resources(struct w *w, const struct zone_spec_resources *r)
{
        if (!r->present)
                return;
        key(w, "resources");
        obj_open(w);
        if (r->devices) {
                key(w, "devices");
                arr_open(w);
                for (size_t i = 0; i < r->n_devices; i++) {
                        const struct zone_spec_device_rule *d = &r->devices[i];
                        obj_open(w);
                        kbool(w, "allow", true, d->allow);
                        if (d->type) {
                                char t[2] = {d->type, 0};
                                kstr(w, "type", t);
                        }
                        ki64(w, "major", d->has_major, d->major);
                        ki64(w, "minor", d->has_minor, d->minor);
                        kstr(w, "access", d->access);
                        obj_close(w);
                }
                arr_close(w);
        }
        write_memory(w, r);
        write_cpu(w, r);
        if (r->pids.has_limit) {
                key(w, "pids");
                obj_open(w);
                ki64(w, "limit", true, r->pids.limit);
                obj_close(w);
        }
        write_block_io(w, r);
        if (r->hugepage_limits) {
                key(w, "hugepageLimits");
                arr_open(w);
                for (size_t i = 0; i < r->n_hugepage_limits; i++) {
                        obj_open(w);
                        kstr(w, "pageSize", r->hugepage_limits[i].page_size);
                        ku64(w, "limit", true, r->hugepage_limits[i].limit);
                        obj_close(w);
                }
                arr_close(w);
        }
        if (r->network.has_class_id || r->network.priorities) {
                key(w, "network");
                obj_open(w);
                ku64(w, "classID", r->network.has_class_id, r->network.class_id);
                if (r->network.priorities) {
                        key(w, "priorities");
                        arr_open(w);
                        for (size_t i = 0; i < r->network.n_priorities; i++) {
                                obj_open(w);
                                kstr(w, "name", r->network.priorities[i].name);
                                ku64(w, "priority", true, r->network.priorities[i].priority);
                                obj_close(w);
                        }
                        arr_close(w);
                }
                obj_close(w);
        }
        if (r->rdma) {
                key(w, "rdma");
                obj_open(w);
                for (size_t i = 0; i < r->n_rdma; i++) {
                        key(w, r->rdma[i].device);
                        obj_open(w);
                        ku64(w, "hcaHandles", r->rdma[i].has_hca_handles, r->rdma[i].hca_handles);
                        ku64(w, "hcaObjects", r->rdma[i].has_hca_objects, r->rdma[i].hca_objects);
                        obj_close(w);
                }
                obj_close(w);
        }
        kkv(w, "unified", r->unified, r->n_unified);
        obj_close(w);
}

static void write_seccomp(struct w *w, const struct zone_spec_seccomp *s)
{
        if (!s->present)
                return;
        key(w, "seccomp");
        obj_open(w);
        kstr(w, "defaultAction", s->default_action);
        ku64(w, "defaultErrnoRet", s->has_default_errno_ret, s->default_errno_ret);
        kstrv(w, "architectures", s->architectures);
        kstrv(w, "flags", s->flags);
        kstr(w, "listenerPath", s->listener_path);
        kstr(w, "listenerMetadata", s->listener_metadata);
        if (s->syscalls) {
                key(w, "syscalls");
                arr_open(w);
                for (size_t i = 0; i < s->n_syscalls; i++) {
                        const struct zone_spec_seccomp_syscall *sc = &s->syscalls[i];
                        obj_open(w);
                        kstrv(w, "names", sc->names);
                        kstr(w, "action", sc->action);
                        ku64(w, "errnoRet", sc->has_errno_ret, sc->errno_ret);
                        if (sc->args) {
                                key(w, "args");
                                arr_open(w);
                                for (size_t j = 0; j < sc->n_args; j++) {
                                        obj_open(w);
                                        ku64(w, "index", true, sc->args[j].index);
                                        ku64(w, "value", true, sc->args[j].value);
                                        ku64(w, "valueTwo", true, sc->args[j].value_two);
                                        kstr(w, "op", sc->args[j].op);
                                        obj_close(w);
                                }
                                arr_close(w);
                        }
                        obj_close(w);
                }
                arr_close(w);
        }
        obj_close(w);
}

static void write_time_offset(struct w *w, const char *k, const struct zone_spec_time_offset *t)
{
        if (!t->present)
                return;
        key(w, k);
        obj_open(w);
        ki64(w, "secs", true, t->secs);
        ku64(w, "nanosecs", true, t->nanosecs);
        obj_close(w);
}

static void write_linux(struct w *w, const struct zone_spec_linux *l)
{
        obj_open(w);
        write_idmaps(w, "uidMappings", l->uid_mappings, l->n_uid_mappings);
        write_idmaps(w, "gidMappings", l->gid_mappings, l->n_gid_mappings);
        kkv(w, "sysctl", l->sysctl, l->n_sysctl);
        write_resources(w, &l->resources);
        kstr(w, "cgroupsPath", l->cgroups_path);
        if (l->namespaces) {
                key(w, "namespaces");
                arr_open(w);
                for (size_t i = 0; i < l->n_namespaces; i++) {
                        obj_open(w);
                        const char *name = zone_ns_type_name(l->namespaces[i].type);
                        kstr(w, "type", name);
                        kstr(w, "path", l->namespaces[i].path);
                        obj_close(w);
                }
                arr_close(w);
        }
        if (l->devices) {
                key(w, "devices");
                arr_open(w);
                for (size_t i = 0; i < l->n_devices; i++) {
                        const struct zone_spec_device *d = &l->devices[i];
                        char t[2] = {d->type, 0};
                        obj_open(w);
                        kstr(w, "path", d->path);
                        kstr(w, "type", t);
                        ki64(w, "major", d->type != 'p' || d->major >= 0, d->major);
                        ki64(w, "minor", d->type != 'p' || d->minor >= 0, d->minor);
                        ku64(w, "fileMode", d->has_file_mode, d->file_mode);
                        ku64(w, "uid", d->has_uid, d->uid);
                        ku64(w, "gid", d->has_gid, d->gid);
                        obj_close(w);
                }
                arr_close(w);
        }
        write_seccomp(w, &l->seccomp);
        kstr(w, "rootfsPropagation", l->rootfs_propagation);
        kstrv(w, "maskedPaths", l->masked_paths);
        kstrv(w, "readonlyPaths", l->readonly_paths);
        kstr(w, "mountLabel", l->mount_label);
        if (l->has_personality) {
                key(w, "personality");
                obj_open(w);
                kstr(w, "domain", l->personality_domain);
                kstrv(w, "flags", l->personality_flags);
                obj_close(w);
        }
        if (l->time_monotonic.present || l->time_boottime.present) {
                key(w, "timeOffsets");
                obj_open(w);
                write_time_offset(w, "monotonic", &l->time_monotonic);
                write_time_offset(w, "boottime", &l->time_boottime);
                obj_close(w);
        }
        obj_close(w);
}

static void write_spec(struct w *w, const struct zone_spec *s)
{
        obj_open(w);
        kstr(w, "ociVersion", s->oci_version);
        if (s->has_process) {
                key(w, "process");
                write_process(w, &s->process);
        }
        if (s->root.path) {
                key(w, "root");
                obj_open(w);
                kstr(w, "path", s->root.path);
                kbool(w, "readonly", s->root.readonly, true);
                obj_close(w);
        }
        kstr(w, "hostname", s->hostname);
        kstr(w, "domainname", s->domainname);
        write_mounts(w, s);
        write_hooks(w, &s->hooks);
        kkv(w, "annotations", s->annotations, s->n_annotations);
        if (s->has_linux) {
                key(w, "linux");
                write_linux(w, &s->linux);
        }
        obj_close(w);
}

/* A model built in code can hold values JSON cannot name; refuse them rather than write a
 * file that would not parse back. */
static int check_writable(const struct zone_spec *s, struct zone_err **err)
{
        for (size_t i = 0; i < s->linux.n_namespaces; i++)
                if (!zone_ns_type_name(s->linux.namespaces[i].type))
                        return zone_err_set(err, -EINVAL,
                                            "write config.json: linux.namespaces[%zu]: unknown "
                                            "namespace type %#x",
                                            i, (unsigned)s->linux.namespaces[i].type);
        for (size_t i = 0; i < s->linux.n_devices; i++)
                if (!s->linux.devices[i].type || !strchr("cbup", s->linux.devices[i].type))
                        return zone_err_set(err, -EINVAL,
                                            "write config.json: linux.devices[%zu]: unknown "
                                            "device type %#x",
                                            i, (unsigned)(unsigned char)s->linux.devices[i].type);
        for (size_t i = 0; i < s->process.n_rlimits; i++)
                if (!s->process.rlimits[i].name)
                        return zone_err_set(err, -EINVAL,
                                            "write config.json: process.rlimits[%zu]: no name", i);
        return 0;
}

int zone_spec_write(const struct zone_spec *spec, char **ret, size_t *ret_len,
                    struct zone_err **err)
{
        int r = check_writable(spec, err);
        if (r < 0)
                return r;
        struct w w = {.g = yajl_gen_alloc(NULL), .st = yajl_gen_status_ok};
        if (!w.g)
                return zone_err_set(err, -ENOMEM, "write config.json: out of memory");
        yajl_gen_config(w.g, yajl_gen_beautify, 1);
        yajl_gen_config(w.g, yajl_gen_indent_string, "\t");
        write_spec(&w, spec);
        const unsigned char *buf = NULL;
        size_t len = 0;
        if (w.st == yajl_gen_status_ok)
                track(&w, yajl_gen_get_buf(w.g, &buf, &len));
        if (w.st != yajl_gen_status_ok) {
                yajl_gen_free(w.g);
                return zone_err_set(err, -EINVAL, "write config.json: JSON generator error %d",
                                    (int)w.st);
        }
        char *out = malloc(len + 1);
        if (!out) {
                yajl_gen_free(w.g);
                return zone_err_set(err, -ENOMEM, "write config.json: out of memory");
        }
        memcpy(out, buf, len);
        out[len] = '\0';
        yajl_gen_free(w.g);
        *ret = out;
        if (ret_len)
                *ret_len = len;
        return 0;
}
