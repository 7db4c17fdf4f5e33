/* zone-net-hook: a zone's network as an OCI hook, for zone-oci and any other OCI runtime.
 *
 *   zone-net-hook create [options]   as a createRuntime hook: the zone's network namespace
 *                                    exists, its process has not started
 *   zone-net-hook delete [options]   as a poststop hook
 *
 * The OCI state document comes on stdin (id, pid, bundle, annotations). Options, each also an
 * annotation of the zone (the annotation wins: it is the zone's own choice):
 *   --mode MODE        org.zone.net.mode     bridge[:NETWORK] (default), none, host,
 *                                            zone:NAME, or a namespace path
 *   --network NAME     org.zone.net.network  the network of bridge mode (default "zone")
 *   --ports SPECS      org.zone.net.ports    published ports, comma separated
 *                                            [HOSTIP:]HOSTPORT:ZONEPORT[/tcp|udp]
 *   --netns PATH       the namespace to set up (default /proc/PID/ns/net of the state's pid)
 *   --net-root DIR     networks and leases (default $ZONE_NET_ROOT or /run/zone/net)
 *   --resolv-conf PATH the zone's /etc/resolv.conf (default the host's) */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yajl/yajl_tree.h>

#include "err.h"
#include "netns/nat.h"
#include "netns/net.h"
#include "util.h"

struct hook_opts {
        const char *mode, *network, *ports, *netns, *root, *resolv_conf;
};

static int fail(struct zone_err *err)
{
        fprintf(stderr, "zone-net-hook: %s\n", err ? err->msg : "unknown error");
        zone_err_free(err);
        return 1;
}

static const char *tree_str(yajl_val v, const char **path)
{
        yajl_val x = yajl_tree_get(v, path, yajl_t_string);
        return x ? YAJL_GET_STRING(x) : NULL;
}

static int parse_ports(const char *text, struct zone_port **ret, size_t *ret_n,
                       struct zone_err **err)
{
        *ret = NULL;
        *ret_n = 0;
        if (!text || !*text)
                return 0;
        _cleanup_free_ char *copy = strdup(text);
        size_t max = 1;
        for (const char *p = text; *p; p++)
                max += *p == ',';
        struct zone_port *ports = calloc(max, sizeof(*ports));
        if (!copy || !ports) {
                free(ports);
                return zone_err_sys(err, -ENOMEM, "ports");
        }
        size_t n = 0;
        char *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                int r = zone_port_parse(tok, &ports[n], err);
                if (r < 0) {
                        free(ports);
                        return zone_err_wrap(err, "org.zone.net.ports");
                }
                n++;
        }
        *ret = ports;
        *ret_n = n;
        return 0;
}

/* root.path and hostname of the bundle's config.json (a relative root is the bundle's). */
static int read_config(const char *bundle, char **ret_rootfs, char **ret_hostname,
                       struct zone_err **err)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t len;
        if (asprintf(&path, "%s/config.json", bundle) < 0)
                return zone_err_sys(err, -ENOMEM, "config.json");
        int r = read_file_at(AT_FDCWD, path, 16 << 20, &text, &len);
        if (r < 0)
                return zone_err_sys(err, r, "read %s", path);
        char msg[128];
        yajl_val v = yajl_tree_parse(text, msg, sizeof(msg));
        if (!v)
                return zone_err_set(err, -EINVAL, "%s: %s", path, msg);
        const char *rp[] = {"root", "path", NULL}, *hp[] = {"hostname", NULL};
        const char *root = tree_str(v, rp), *host = tree_str(v, hp);
        r = 0;
        if (!root)
                r = zone_err_set(err, -EINVAL, "%s: root.path is missing", path);
        else if (root[0] == '/')
                *ret_rootfs = strdup(root);
        else if (asprintf(ret_rootfs, "%s/%s", bundle, root) < 0)
                *ret_rootfs = NULL;
        if (r == 0 && !*ret_rootfs)
                r = zone_err_sys(err, -ENOMEM, "config.json");
        if (r == 0 && host && *host && !(*ret_hostname = strdup(host)))
                r = zone_err_sys(err, -ENOMEM, "config.json");
        yajl_tree_free(v);
        return r;
}

static bool same_netns(const char *path)
{
        struct stat a, b;
        return stat(path, &a) == 0 && stat("/proc/self/ns/net", &b) == 0 && a.st_ino == b.st_ino &&
               a.st_dev == b.st_dev;
}

static int hook_create(const struct hook_opts *o, const char *id, int pid, const char *bundle,
                       struct zone_err **err)
{
        const char *mode = o->mode ? o->mode : "bridge", *network = o->network;
        char netns[PATH_MAX];
        if (strcmp(mode, "host") == 0 || strncmp(mode, "zone:", 5) == 0 || mode[0] == '/')
                return 0; /* the zone's config names the namespace: nothing to make */
        if (strncmp(mode, "bridge:", 7) == 0 && mode[7])
                network = mode + 7;
        else if (strcmp(mode, "bridge") != 0 && strcmp(mode, "none") != 0)
                return zone_err_set(err, -EINVAL,
                                    "org.zone.net.mode: unknown network mode \"%s\" (bridge[:"
                                    "NETWORK], none, host, zone:NAME or a namespace path)",
                                    mode);
        if (o->netns)
                snprintf(netns, sizeof(netns), "%s", o->netns);
        else if (pid > 0)
                snprintf(netns, sizeof(netns), "/proc/%d/ns/net", pid);
        else
                return zone_err_set(err, -EINVAL,
                                    "zone %s: the state has no pid and no --netns "
                                    "was given",
                                    id);
        if (same_netns(netns))
                return zone_err_set(err, -EINVAL,
                                    "zone %s has no network namespace of its own (network mode "
                                    "%s needs one in linux.namespaces)",
                                    id, mode);
        if (strcmp(mode, "none") == 0)
                return zone_net_loopback(netns, err);

        _cleanup_free_ struct zone_port *ports = NULL;
        _cleanup_free_ char *rootfs = NULL, *hostname = NULL;
        size_t n_ports = 0;
        int r = parse_ports(o->ports, &ports, &n_ports, err);
        if (r < 0)
                return r;
        if (bundle && *bundle && (r = read_config(bundle, &rootfs, &hostname, err)) < 0)
                return r;
        struct zone_net_attach a = {
            .id = id,
            .network = network,
            .netns = netns,
            .rootfs = rootfs,
            .hostname = hostname,
            .resolv_conf = o->resolv_conf,
            .ports = ports,
            .n_ports = n_ports,
        };
        return zone_net_attach(o->root, &a, NULL, err);
}

int main(int argc, char **argv)
{
        struct hook_opts o = {0};
        struct zone_err *err = NULL;
        if (argc < 2 || (strcmp(argv[1], "create") != 0 && strcmp(argv[1], "delete") != 0)) {
                fprintf(stderr, "usage: zone-net-hook create|delete [--mode MODE] [--network "
                                "NAME] [--ports SPECS] [--netns PATH] [--net-root DIR] "
                                "[--resolv-conf PATH] < OCI-STATE\n");
                return 2;
        }
        struct {
                const char *name;
                const char **value;
        } known[] = {{"--mode", &o.mode},     {"--network", &o.network},
                     {"--ports", &o.ports},   {"--netns", &o.netns},
                     {"--net-root", &o.root}, {"--resolv-conf", &o.resolv_conf}};
        for (int i = 2; i < argc; i++) {
                size_t k;
                for (k = 0; k < ARRAY_SIZE(known); k++) {
                        size_t len = strlen(known[k].name);
                        if (strncmp(argv[i], known[k].name, len) != 0)
                                continue;
                        if (argv[i][len] == '=') {
                                *known[k].value = argv[i] + len + 1;
                                break;
                        }
                        if (argv[i][len] == '\0' && i + 1 < argc) {
                                *known[k].value = argv[++i];
                                break;
                        }
                }
                if (k == ARRAY_SIZE(known)) {
                        zone_err_set(&err, -EINVAL, "unknown or incomplete option \"%s\"", argv[i]);
                        return fail(err);
                }
        }

        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_all(0, 1 << 20, &text, &len);
        if (r < 0) {
                zone_err_sys(&err, r, "read the OCI state from stdin");
                return fail(err);
        }
        char msg[128];
        yajl_val state = yajl_tree_parse(text, msg, sizeof(msg));
        const char *idp[] = {"id", NULL}, *bp[] = {"bundle", NULL}, *pp[] = {"pid", NULL};
        const char *id = state ? tree_str(state, idp) : NULL;
        if (!id || !*id) {
                zone_err_set(&err, -EINVAL, "the OCI state on stdin has no id%s%s",
                             state ? "" : ": ", state ? "" : msg);
                yajl_tree_free(state);
                return fail(err);
        }
        yajl_val pidv = yajl_tree_get(state, pp, yajl_t_number);
        int pid = pidv && YAJL_IS_INTEGER(pidv) ? (int)YAJL_GET_INTEGER(pidv) : 0;
        const char *ann[][2] = {{"org.zone.net.mode", NULL},
                                {"org.zone.net.network", NULL},
                                {"org.zone.net.ports", NULL}};
        for (size_t k = 0; k < ARRAY_SIZE(ann); k++) {
                const char *ap[] = {"annotations", ann[k][0], NULL};
                ann[k][1] = tree_str(state, ap);
        }
        if (ann[0][1])
                o.mode = ann[0][1];
        if (ann[1][1])
                o.network = ann[1][1];
        if (ann[2][1])
                o.ports = ann[2][1];

        if (strcmp(argv[1], "create") == 0)
                r = hook_create(&o, id, pid, tree_str(state, bp), &err);
        else
                r = zone_net_detach(o.root, id, &err);
        yajl_tree_free(state);
        return r < 0 ? fail(err) : 0;
}
