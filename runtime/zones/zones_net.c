/* A zone's network as the zone CLI sets it up (the modes are netns/'s: bridge[:NETWORK] by
 * default, none, host, zone:NAME, a namespace path).
 *
 * Light zones on a bridge get zone-net-hook as their createRuntime and poststop hooks rather
 * than a call into netns/ from here: libzone runs the hooks at every create and delete,
 * whoever creates (the monitor restarting the zone, a foreground run), so a restart attaches
 * again and every delete detaches, and the monitor stays a small static program without
 * libnl and libnftables. A zone whose processes died with nobody to delete it leaves a lease
 * whose namespace is gone: `zone net gc`, halt and rm take it back.
 *
 * VM zones take the namespace their config names by path as it is (runtime/vm/README.md,
 * "Networking"), and libzone runs no createRuntime hook for them: so a boot makes a named
 * namespace (a bind mount at NET_ROOT/netns/NAME), attaches it here, and the config names it.
 * It lives from the boot to the zone's end: halt, rm and a foreground run's end release it;
 * a monitor whose zone ends for good unmounts it and collects the lease (`zone net gc`). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "netns/nat.h"
#include "netns/net.h"
#include "types.h"
#include "util.h"
#include "zones/zones.h"

static const char *network_of(const struct zones_def *d)
{
        return d->network && !strncmp(d->network, "bridge:", 7) ? d->network + 7
                                                                : ZONE_NET_DEFAULT_NETWORK;
}

int zones_net_check(const struct zones_def *d, struct zone_err **err)
{
        for (size_t i = 0; d->publish && d->publish[i]; i++) {
                struct zone_port p;
                if (zone_port_parse(d->publish[i], &p, err) < 0)
                        return zone_err_wrap(err, "publish");
        }
        return 0;
}

int zones_net_ports_check(const struct zones_def *d, struct zone_err **err)
{
        size_t n = 0;
        while (d->publish && d->publish[n])
                n++;
        if (!n || !zones_def_bridge(d))
                return 0;
        _cleanup_free_ struct zone_port *ports = calloc(n, sizeof(*ports));
        if (!ports)
                return zone_err_set(err, -ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
                if (zone_port_parse(d->publish[i], &ports[i], err) < 0)
                        return zone_err_wrap(err, "publish");
        return zone_nat_ports_check(d->name, ports, n, err);
}

static void remove_named_netns(const char *path)
{
        if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT) {
                /* still mounted: unlink fails with EBUSY below and says so to nobody */
        }
        unlink(path);
}

/* A new network namespace kept by a bind mount at path: made in a child, so this process
 * never leaves its own namespace. */
static int make_named_netns(const char *root, const char *dir, const char *path,
                            struct zone_err **err)
{
        if (mkdir(root, 0755) < 0 && errno != EEXIST)
                return zone_err_sys(err, -errno, "create %s", root);
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return zone_err_sys(err, -errno, "create %s", dir);
        remove_named_netns(path); /* a previous boot's, left by a crash */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
        if (fd < 0)
                return zone_err_sys(err, -errno, "create %s", path);
        pid_t pid = fork();
        if (pid < 0)
                return zone_err_sys(err, -errno, "fork");
        if (pid == 0) {
                if (unshare(CLONE_NEWNET) < 0)
                        _exit(1);
                if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
                        _exit(2);
                _exit(0);
        }
        int st = 0;
        if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                unlink(path);
                return zone_err_set(err, -EIO, "make the network namespace %s: %s", path,
                                    WIFEXITED(st) && WEXITSTATUS(st) == 1 ? "unshare failed"
                                                                          : "bind mount failed");
        }
        return 0;
}

static int write_record(const struct zones_ctx *c, const char *name, const char *root,
                        const char *network, const char *netns, struct zone_err **err)
{
        _cleanup_free_ char *path = zones_path(c, name, "net");
        _cleanup_free_ char *text = NULL;
        if (!path || asprintf(&text, "root = %s\nnetwork = %s\n%s%s%s", root, network,
                              netns ? "netns = " : "", netns ? netns : "", netns ? "\n" : "") < 0)
                return zone_err_set(err, -ENOMEM, "out of memory");
        int r = write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0644);
        return r < 0 ? zone_err_sys(err, r, "zone %s: write %s", name, path) : 0;
}

int zones_net_prepare(const struct zones_ctx *c, const struct zones_def *d, struct zone_err **err)
{
        if (!zones_def_bridge(d))
                return 0;
        const char *root = zone_net_root(d->net_root), *network = network_of(d);
        _cleanup_free_ char *type = zones_effective_type(c, d);
        if (!type)
                return zone_err_set(err, -ENOMEM, "out of memory");
        if (!strcmp(type, ZONE_TYPE_DEFAULT)) {
                if (!c->net_hook_path)
                        return zone_err_set(err, -ENOENT,
                                            "network bridge: no %s program beside zone (or "
                                            "$ZONE_NET_HOOK)",
                                            ZONES_NET_HOOK_NAME);
                return write_record(c, d->name, root, network, NULL, err);
        }
        _cleanup_free_ char *dir = NULL, *netns = NULL;
        _cleanup_free_ char *rootfs = zones_path(c, d->name, "bundle/rootfs");
        if (!rootfs || asprintf(&dir, "%s/netns", root) < 0 ||
            asprintf(&netns, "%s/%s", dir, d->name) < 0)
                return zone_err_set(err, -ENOMEM, "out of memory");
        int r = write_record(c, d->name, root, network, netns, err);
        if (r < 0)
                return r;
        size_t n = 0;
        while (d->publish && d->publish[n])
                n++;
        _cleanup_free_ struct zone_port *ports = n ? calloc(n, sizeof(*ports)) : NULL;
        if (n && !ports)
                return zone_err_set(err, -ENOMEM, "out of memory");
        for (size_t i = 0; i < n && r >= 0; i++)
                r = zone_port_parse(d->publish[i], &ports[i], err);
        if (r >= 0)
                r = make_named_netns(root, dir, netns, err);
        if (r >= 0) {
                struct zone_net_attach a = {
                    .id = d->name,
                    .network = network,
                    .netns = netns,
                    .rootfs = rootfs,
                    .hostname = d->hostname,
                    .ports = ports,
                    .n_ports = n,
                };
                if ((r = zone_net_attach(root, &a, NULL, err)) < 0)
                        remove_named_netns(netns);
        }
        if (r < 0) {
                _cleanup_free_ char *rec = zones_path(c, d->name, "net");
                if (rec)
                        unlink(rec);
                return zone_err_wrap(err, "zone %s: network %s", d->name, network);
        }
        return 0;
}

int zones_net_release(const struct zones_ctx *c, const char *name, struct zone_err **err)
{
        _cleanup_free_ char *rec = zones_path(c, name, "net");
        _cleanup_free_ char *root = zones_record_get(c, name, "net", "root");
        _cleanup_free_ char *netns = zones_record_get(c, name, "net", "netns");
        if (!rec)
                return zone_err_set(err, -ENOMEM, "out of memory");
        if (!root)
                return 0;
        /* A light zone's poststop hook detached it already (no lease: nothing to do). */
        int r = zone_net_detach(root, name, err);
        if (r < 0)
                return zone_err_wrap(err, "zone %s: release its network", name);
        if (netns)
                remove_named_netns(netns);
        unlink(rec);
        return 0;
}

char *zones_net_address(const struct zones_ctx *c, const char *name)
{
        _cleanup_free_ char *root = zones_record_get(c, name, "net", "root");
        _cleanup_free_ char *network = zones_record_get(c, name, "net", "network");
        if (!root || !network)
                return NULL;
        struct zone_lease *l = NULL;
        size_t n = 0;
        if (zone_lease_list(root, network, &l, &n, NULL) < 0)
                return NULL;
        char *ret = NULL;
        for (size_t i = 0; i < n && !ret; i++) {
                if (strcmp(l[i].id, name) != 0 || !zone_lease_alive(&l[i]))
                        continue;
                char buf[INET_ADDRSTRLEN];
                ret = strdup(zone_ipv4_str(l[i].addr, buf));
        }
        zone_leases_free(l, n);
        return ret;
}

#define GEN_S(g, s) yajl_gen_string(g, (const unsigned char *)(s), strlen(s))

/* One network of `zone net ls --json`: what its table's rows say, leases as an array. */
static int gen_network(yajl_gen g, const char *root, const struct zone_network *n,
                       struct zone_err **err)
{
        struct zone_lease *l = NULL;
        size_t nl = 0;
        int r = zone_lease_list(root, n->name, &l, &nl, err);
        if (r < 0)
                return r;
        char a[INET_ADDRSTRLEN], cidr[INET_ADDRSTRLEN + 4];
        snprintf(cidr, sizeof(cidr), "%s/%d", zone_ipv4_str(n->subnet, a), n->prefix);
        yajl_gen_map_open(g);
        GEN_S(g, "name");
        GEN_S(g, n->name);
        GEN_S(g, "bridge");
        GEN_S(g, n->bridge);
        GEN_S(g, "subnet");
        GEN_S(g, cidr);
        GEN_S(g, "gateway");
        GEN_S(g, zone_ipv4_str(n->gateway, a));
        GEN_S(g, "leases");
        yajl_gen_array_open(g);
        for (size_t j = 0; j < nl; j++) {
                yajl_gen_map_open(g);
                GEN_S(g, "address");
                GEN_S(g, zone_ipv4_str(l[j].addr, a));
                GEN_S(g, "zone");
                GEN_S(g, l[j].id);
                GEN_S(g, "state");
                GEN_S(g, zone_lease_alive(&l[j]) ? "live" : "gone");
                yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
        zone_leases_free(l, nl);
        return 0;
}

int zones_net_list_json(const char *root, char **ret, struct zone_err **err)
{
        struct zone_network *nets = NULL;
        size_t n = 0;
        int r = zone_network_list(root, &nets, &n, err);
        if (r < 0)
                return r;
        yajl_gen g = yajl_gen_alloc(NULL);
        if (!g) {
                free(nets);
                return zone_err_set(err, -ENOMEM, "out of memory");
        }
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_array_open(g);
        for (size_t k = 0; k < n && r >= 0; k++)
                r = gen_network(g, root, &nets[k], err);
        yajl_gen_array_close(g);
        free(nets);
        const unsigned char *buf;
        size_t len;
        if (r >= 0 && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok &&
            !(*ret = strndup((const char *)buf, len)))
                r = zone_err_set(err, -ENOMEM, "out of memory");
        yajl_gen_free(g);
        return r;
}

/* Whether a process is in the network namespace st names (a VM's helpers may be). */
static bool netns_has_process(const struct stat *ns)
{
        DIR *d = opendir("/proc");
        if (!d)
                return true; /* cannot tell: keep it */
        bool found = false;
        struct dirent *e;
        while (!found && (e = readdir(d))) {
                if (e->d_name[0] < '1' || e->d_name[0] > '9')
                        continue;
                char path[300];
                struct stat st;
                snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
                found = stat(path, &st) == 0 && st.st_ino == ns->st_ino && st.st_dev == ns->st_dev;
        }
        closedir(d);
        return found;
}

int zones_net_gc_netns(const struct zones_ctx *c, const char *net_root, size_t *ret_n,
                       struct zone_err **err)
{
        *ret_n = 0;
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "%s/netns", zone_net_root(net_root)) < 0)
                return zone_err_set(err, -ENOMEM, "out of memory");
        DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : zone_err_sys(err, -errno, "open %s", dir);
        struct dirent *e;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                const char *name = e->d_name;
                /* Its zone runs, or is between runs under its monitor: it is in use. */
                const char *st = zones_libzone_status(c, name, NULL);
                if ((st && strcmp(st, "stopped") != 0) || zones_monitor_alive(c, name))
                        continue;
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%s", dir, name) < 0) {
                        closedir(d);
                        return zone_err_set(err, -ENOMEM, "out of memory");
                }
                struct stat ns;
                if (stat(path, &ns) == 0 && ns.st_ino != 0 && netns_has_process(&ns))
                        continue;
                if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT) {
                        int r = zone_err_sys(err, -errno, "unmount %s", path);
                        closedir(d);
                        return r;
                }
                if (unlink(path) < 0 && errno != ENOENT) {
                        int r = zone_err_sys(err, -errno, "remove %s", path);
                        closedir(d);
                        return r;
                }
                (*ret_n)++;
        }
        closedir(d);
        return 0;
}
