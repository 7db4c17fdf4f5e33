/* A zone's config.json for one boot: the config its image gave (image.json) with the
 * definition's options applied. Made again at every boot, so `config set` takes effect then. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "netns/net.h"
#include "spec.h"
#include "types.h"
#include "images/bundle.h"
#include "util.h"
#include "zones/zones.h"

#define CPU_PERIOD 100000

static int add_volume(struct zone_spec *spec, const char *vol)
{
        _cleanup_free_ char *copy = strdup(vol);
        if (!copy)
                return -ENOMEM;
        char *dst = strchr(copy, ':');
        *dst++ = 0;
        char *mode = strchr(dst, ':');
        if (mode)
                *mode++ = 0;
        struct zone_spec_mount *m =
            realloc(spec->mounts, (spec->n_mounts + 1) * sizeof(*spec->mounts));
        if (!m)
                return -ENOMEM;
        spec->mounts = m;
        struct zone_spec_mount *n = &m[spec->n_mounts];
        memset(n, 0, sizeof(*n));
        n->destination = strdup(dst);
        n->type = strdup("bind");
        n->source = strdup(copy);
        if (!n->destination || !n->type || !n->source || strv_append(&n->options, "rbind") < 0 ||
            strv_append(&n->options, mode && !strcmp(mode, "ro") ? "ro" : "rw") < 0) {
                free(n->destination);
                free(n->type);
                free(n->source);
                strv_free(n->options);
                return -ENOMEM;
        }
        spec->n_mounts++;
        return 0;
}

/* host: the host's network namespace; every other mode a namespace of the zone's own (or the
 * one zones_net_spec names by path). */
static int apply_network(const char *network, struct zone_spec_linux *l)
{
        bool host = network && strcmp(network, "host") == 0;
        size_t k = 0;
        bool has = false;
        for (size_t i = 0; i < l->n_namespaces; i++) {
                if (l->namespaces[i].type == CLONE_NEWNET) {
                        if (host) {
                                free(l->namespaces[i].path);
                                continue;
                        }
                        has = true;
                }
                l->namespaces[k++] = l->namespaces[i];
        }
        l->n_namespaces = k;
        if (host || has)
                return 0;
        struct zone_spec_namespace *n =
            realloc(l->namespaces, (l->n_namespaces + 1) * sizeof(*l->namespaces));
        if (!n)
                return -ENOMEM;
        l->namespaces = n;
        n[l->n_namespaces++] = (struct zone_spec_namespace){.type = CLONE_NEWNET};
        return 0;
}

int zones_spec_apply(const struct zones_def *d, const char *rootfs, struct zone_spec *spec,
                     struct zone_err **err)
{
        struct zone_spec_process *p = &spec->process;
        struct zone_spec_linux *l = &spec->linux;
        int r = 0;
        for (size_t i = 0; r >= 0 && d->env && d->env[i]; i++)
                r = strv_env_set(&p->env, d->env[i]);
        for (size_t i = 0; r >= 0 && d->volumes && d->volumes[i]; i++) {
                const char *vol = d->volumes[i];
                _cleanup_free_ char *src = strndup(vol, (size_t)(strchr(vol, ':') - vol));
                if (src && access(src, F_OK) < 0)
                        return zone_err_sys(err, -errno, "volume %s: the source %s", vol, src);
                r = add_volume(spec, vol);
        }
        if (r < 0)
                return zone_err_set(err, -ENOMEM, "out of memory");
        if (d->has_memory || d->has_cpus || d->has_pids_limit)
                l->resources.present = true;
        if (d->has_memory) {
                l->resources.memory.has_limit = true;
                l->resources.memory.limit = d->memory;
        }
        if (d->has_cpus) {
                l->resources.cpu.has_quota = l->resources.cpu.has_period = true;
                l->resources.cpu.period = CPU_PERIOD;
                l->resources.cpu.quota = (int64_t)(d->cpus_milli * CPU_PERIOD / 1000);
        }
        if (d->has_pids_limit) {
                l->resources.pids.has_limit = true;
                l->resources.pids.limit = d->pids_limit;
        }
        spec->root.readonly = d->read_only;
        if (d->user && (r = zone_image_resolve_user("--user", d->user, rootfs, &p->user, err)) < 0)
                return r;
        if (d->workdir) {
                free(p->cwd);
                if (!(p->cwd = strdup(d->workdir)))
                        return zone_err_set(err, -ENOMEM, "out of memory");
        }
        if (d->hostname) {
                free(spec->hostname);
                if (!(spec->hostname = strdup(d->hostname)))
                        return zone_err_set(err, -ENOMEM, "out of memory");
        }
        if (apply_network(d->network, l) < 0)
                return zone_err_set(err, -ENOMEM, "out of memory");
        /* Absolute, under the parent: a relative path would land below the caller's cgroup. */
        free(l->cgroups_path);
        if (asprintf(&l->cgroups_path, "%s/%s",
                     d->cgroup_parent ? d->cgroup_parent : ZONES_CGROUP_PARENT, d->name) < 0) {
                l->cgroups_path = NULL;
                return zone_err_set(err, -ENOMEM, "out of memory");
        }
        spec->has_linux = true;
        /* A chosen type beats the image's label (its own annotation, org.zone.image.type). */
        if (d->type && zone_spec_set_annotation(spec, ZONE_TYPE_ANNOTATION, d->type) < 0)
                return zone_err_set(err, -ENOMEM, "out of memory");
        return 0;
}

static int set_netns_path(struct zone_spec_linux *l, const char *path)
{
        for (size_t i = 0; i < l->n_namespaces; i++) {
                if (l->namespaces[i].type != CLONE_NEWNET)
                        continue;
                char *p = strdup(path);
                if (!p)
                        return -ENOMEM;
                free(l->namespaces[i].path);
                l->namespaces[i].path = p;
        }
        return 0;
}

static int add_hook(struct zone_spec_hooks *h, enum zone_hook_kind kind, const char *path,
                    const char *const *args)
{
        struct zone_spec_hook *list = realloc(h->list[kind], (h->n[kind] + 1) * sizeof(*list));
        if (!list)
                return -ENOMEM;
        h->list[kind] = list;
        struct zone_spec_hook *n = &list[h->n[kind]];
        memset(n, 0, sizeof(*n));
        if (!(n->path = strdup(path)))
                return -ENOMEM;
        for (size_t i = 0; args[i]; i++) {
                if (strv_append(&n->args, args[i]) < 0) {
                        free(n->path);
                        strv_free(n->args);
                        return -ENOMEM;
                }
        }
        h->n[kind]++;
        return 0;
}

int zones_net_spec(const struct zones_ctx *c, const struct zones_def *d, struct zone_spec *spec,
                   struct zone_err **err)
{
        const char *net = d->network;
        struct zone_spec_linux *l = &spec->linux;
        int r = 0;
        if (net && !strncmp(net, "zone:", 5)) {
                pid_t pid = 0;
                const char *st = zones_libzone_status(c, net + 5, &pid);
                if (!st || pid <= 0 ||
                    (strcmp(st, "running") && strcmp(st, "created") && strcmp(st, "paused")))
                        return zone_err_set(err, -ESRCH, "network %s: zone %s is not running", net,
                                            net + 5);
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
                r = set_netns_path(l, path);
        } else if (net && net[0] == '/') {
                r = set_netns_path(l, net);
        } else if (zones_def_bridge(d)) {
                _cleanup_free_ char *netns = zones_record_get(c, d->name, "net", "netns");
                _cleanup_free_ char *type = zones_effective_type(c, d);
                if (!type)
                        return zone_err_set(err, -ENOMEM, "out of memory");
                if (netns) {
                        r = set_netns_path(l, netns);
                } else if (!strcmp(type, ZONE_TYPE_DEFAULT) && c->net_hook_path) {
                        const char *root = zone_net_root(d->net_root);
                        const char *create[] = {ZONES_NET_HOOK_NAME, "create", "--net-root", root,
                                                NULL};
                        const char *del[] = {ZONES_NET_HOOK_NAME, "delete", "--net-root", root,
                                             NULL};
                        _cleanup_free_ char *ports = NULL;
                        for (size_t i = 0; r >= 0 && d->publish && d->publish[i]; i++) {
                                char *p = NULL;
                                r = asprintf(&p, "%s%s%s", ports ? ports : "", ports ? "," : "",
                                             d->publish[i]) < 0
                                        ? -ENOMEM
                                        : 0;
                                free(ports);
                                ports = p;
                        }
                        if (r >= 0)
                                r = add_hook(&spec->hooks, ZONE_HOOK_CREATE_RUNTIME,
                                             c->net_hook_path, create);
                        if (r >= 0)
                                r = add_hook(&spec->hooks, ZONE_HOOK_POSTSTOP, c->net_hook_path,
                                             del);
                        if (r >= 0)
                                r = zone_spec_set_annotation(spec, "org.zone.net.mode",
                                                             d->network ? d->network : "bridge");
                        if (r >= 0 && ports)
                                r = zone_spec_set_annotation(spec, "org.zone.net.ports", ports);
                }
        }
        return r < 0 ? zone_err_set(err, -ENOMEM, "out of memory") : 0;
}

static void spec_freep(struct zone_spec **s)
{
        zone_spec_free(*s);
}

int zones_write_config(const struct zones_ctx *c, const struct zones_def *d, bool terminal,
                       struct zone_err **err)
{
        _cleanup_free_ char *dir = zones_path(c, d->name, NULL);
        _cleanup_free_ char *rootfs = zones_path(c, d->name, "bundle/rootfs");
        if (!dir || !rootfs)
                return zone_err_set(err, -ENOMEM, "out of memory");
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return zone_err_sys(err, -errno, "zone %s: open %s", d->name, dir);
        _cleanup_(spec_freep) struct zone_spec *spec = NULL;
        int r = zone_spec_load(dfd, "image.json", &spec, err);
        if (r < 0)
                return zone_err_wrap(err, "zone %s", d->name);
        if ((r = zones_spec_apply(d, rootfs, spec, err)) < 0 ||
            (r = zones_net_spec(c, d, spec, err)) < 0)
                return zone_err_wrap(err, "zone %s", d->name);
        spec->process.terminal = terminal;
        _cleanup_free_ char *text = NULL;
        size_t len;
        if ((r = zone_spec_write(spec, &text, &len, err)) < 0)
                return zone_err_wrap(err, "zone %s", d->name);
        r = write_file_atomic_at(dfd, "bundle/config.json", text, len, 0644);
        return r < 0 ? zone_err_sys(err, r, "zone %s: write bundle/config.json", d->name) : 0;
}
