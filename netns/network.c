/* Networks and bridge mode: the definitions, address leases, attaching a zone's network
 * namespace to its network's bridge and detaching it, and collecting what crashed zones left.
 * Every operation holds the net root's lock from start to end. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "netns/internal.h"
#include "netns/nat.h"
#include "util.h"

static void store_closep(struct net_store *s)
{
        net_store_close(s);
}
#define _cleanup_store_ _cleanup_(store_closep)

static void nl_closep(struct nl_sock **sk)
{
        net_nl_close(*sk);
}
#define _cleanup_nl_ _cleanup_(nl_closep)

static void networks_freep(struct zone_network **n)
{
        free(*n);
}

static uint64_t self_ns_ino(void)
{
        return net_ns_ino("/proc/thread-self/ns/net");
}

static bool overlaps(uint32_t a, int ap, uint32_t b, int bp)
{
        int p = ap < bp ? ap : bp;
        uint32_t mask = p ? ~0u << (32 - p) : 0;
        return (a & mask) == (b & mask);
}

/* The first /24 of 10.88.0.0/16, then 172.30.0.0/16, clear of routes and other networks. */
static int choose_subnet(struct nl_sock *sk, const struct zone_network *others, size_t n_others,
                         uint32_t *ret, struct zone_err **err)
{
        const uint32_t bases[] = {0x0a580000u /* 10.88.0.0 */, 0xac1e0000u /* 172.30.0.0 */};
        for (size_t b = 0; b < ARRAY_SIZE(bases); b++)
                for (uint32_t i = 0; i < 256; i++) {
                        uint32_t s = bases[b] | (i << 8);
                        bool taken = false;
                        for (size_t k = 0; k < n_others && !taken; k++)
                                taken = overlaps(s, 24, others[k].subnet, others[k].prefix);
                        int r;
                        if (!taken && (r = net_routes_overlap(sk, s, 24, &taken, err)) < 0)
                                return r;
                        if (!taken) {
                                *ret = s;
                                return 0;
                        }
                }
        return zone_err_set(err, -ENOSPC,
                            "no free /24 in 10.88.0.0/16 or 172.30.0.0/16 for a network: give "
                            "one with --subnet");
}

static int network_define(struct net_store *s, struct nl_sock *sk, const char *name,
                          const char *subnet, const char *bridge, struct zone_network *ret,
                          struct zone_err **err)
{
        int r = net_name_validate(name, err);
        if (r < 0)
                return r;
        if (!bridge)
                bridge = ZONE_NET_DEFAULT_BRIDGE;
        if (!*bridge || strlen(bridge) >= ZONE_IFNAMSIZ || strchr(bridge, '/'))
                return zone_err_set(err, -EINVAL,
                                    "bridge name \"%s\": 1 to %d characters without '/' "
                                    "(network %s)",
                                    bridge, ZONE_IFNAMSIZ - 1, name);
        struct zone_network n = {0};
        snprintf(n.name, sizeof(n.name), "%s", name);
        snprintf(n.bridge, sizeof(n.bridge), "%s", bridge);
        if (subnet) {
                if ((r = zone_cidr_parse(subnet, true, &n.subnet, &n.prefix, err)) < 0)
                        return zone_err_wrap(err, "network %s", name);
                if (n.prefix < 8 || n.prefix > 30)
                        return zone_err_set(err, -EINVAL,
                                            "network %s: subnet %s: the prefix must be /8 to /30",
                                            name, subnet);
        }
        _cleanup_(networks_freep) struct zone_network *all = NULL;
        size_t n_all = 0;
        if ((r = net_network_list(s, &all, &n_all, err)) < 0)
                return r;
        for (size_t i = 0; i < n_all; i++) {
                char a[INET_ADDRSTRLEN];
                if (strcmp(all[i].name, name) == 0)
                        return zone_err_set(err, -EEXIST, "network %s exists already", name);
                if (strcmp(all[i].bridge, n.bridge) == 0)
                        return zone_err_set(err, -EEXIST, "bridge %s is network %s's already",
                                            n.bridge, all[i].name);
                if (subnet && overlaps(n.subnet, n.prefix, all[i].subnet, all[i].prefix))
                        return zone_err_set(err, -EEXIST,
                                            "network %s: subnet %s overlaps network %s's (%s/%d)",
                                            name, subnet, all[i].name,
                                            zone_ipv4_str(all[i].subnet, a), all[i].prefix);
        }
        if (!subnet) {
                n.prefix = 24;
                if ((r = choose_subnet(sk, all, n_all, &n.subnet, err)) < 0)
                        return r;
        }
        n.gateway = n.subnet + 1;
        if ((r = net_network_write(s, &n, err)) < 0)
                return r;
        if (ret)
                *ret = n;
        return 0;
}

int zone_network_create(const char *root, const char *name, const char *subnet, const char *bridge,
                        struct zone_network *ret, struct zone_err **err)
{
        _cleanup_store_ struct net_store s = {.dirfd = -1, .lockfd = -1};
        _cleanup_nl_ struct nl_sock *sk = NULL;
        int r = net_store_open(root, true, &s, err);
        if (r < 0 || (r = net_nl_open(&sk, err)) < 0)
                return r;
        return network_define(&s, sk, name, subnet, bridge, ret, err);
}

/* Opens the store to list what it holds: a root that does not exist yet holds nothing
 * (*found false, no error). */
static int store_open_listing(const char *root, struct net_store *s, bool *found,
                              struct zone_err **err)
{
        struct zone_err *e = NULL;
        int r = net_store_open(root, false, s, &e);
        *found = r == 0;
        if (r == -ENOENT) {
                zone_err_free(e);
                return 0;
        }
        if (r < 0)
                *err = e;
        return r;
}

int zone_network_list(const char *root, struct zone_network **ret, size_t *ret_n,
                      struct zone_err **err)
{
        _cleanup_store_ struct net_store s = {.dirfd = -1, .lockfd = -1};
        *ret = NULL;
        *ret_n = 0;
        bool found;
        int r = store_open_listing(root, &s, &found, err);
        if (r < 0 || !found)
                return r;
        return net_network_list(&s, ret, ret_n, err);
}

int zone_lease_list(const char *root, const char *network, struct zone_lease **ret, size_t *ret_n,
                    struct zone_err **err)
{
        _cleanup_store_ struct net_store s = {.dirfd = -1, .lockfd = -1};
        *ret = NULL;
        *ret_n = 0;
        bool found;
        int r = store_open_listing(root, &s, &found, err);
        if (r < 0 || !found)
                return r;
        return net_leases_read(&s, network, ret, ret_n, err);
}

/* The host end's name: "zv" and 8 hex digits of a hash of the id (and salt, on a clash). */
static void veth_name(const char *id, unsigned salt, char buf[ZONE_IFNAMSIZ])
{
        uint32_t h = 2166136261u;
        for (const char *p = id; *p; p++)
                h = (h ^ (unsigned char)*p) * 16777619u;
        h = (h ^ salt) * 16777619u;
        snprintf(buf, ZONE_IFNAMSIZ, "zv%08x", h);
}

/* Rewrites etc/hosts of every zone of the network that has a rootfs (only the new zone's
 * failure counts: an older zone's rootfs may be gone). */
static int hosts_update(const struct zone_lease *l, size_t n, const char *must,
                        struct zone_err **err)
{
        for (size_t i = 0; i < n; i++) {
                if (!l[i].rootfs)
                        continue;
                struct zone_err *e = NULL;
                /* The zone being attached has not started: its file may be overwritten. */
                bool fresh = must && strcmp(l[i].id, must) == 0;
                int r = net_hosts_write(l[i].rootfs, l, n, fresh, &e);
                if (r < 0 && must && strcmp(l[i].id, must) == 0) {
                        *err = e;
                        return r;
                }
                zone_err_free(e);
        }
        return 0;
}

/* Drops lease i (and its host veth when it lives in this namespace). */
static void lease_drop(struct nl_sock *sk, uint64_t host_ino, struct zone_lease *l, size_t *n,
                       size_t i)
{
        if (sk && l[i].host_ino == host_ino)
                net_link_delete(sk, l[i].veth, NULL);
        free(l[i].id);
        free(l[i].name);
        free(l[i].netns);
        free(l[i].rootfs);
        memmove(&l[i], &l[i + 1], (*n - i - 1) * sizeof(*l));
        (*n)--;
}

/* Every network's leases, to find an id or a veth name anywhere in the root. */
static int id_leased_elsewhere(struct net_store *s, const struct zone_network *all, size_t n_all,
                               const char *skip, const char *id, char veth[ZONE_IFNAMSIZ],
                               bool *ret_clash, struct zone_err **err)
{
        *ret_clash = false;
        for (size_t k = 0; k < n_all; k++) {
                if (strcmp(all[k].name, skip) == 0)
                        continue;
                struct zone_lease *l = NULL;
                size_t n = 0;
                int r = net_leases_read(s, all[k].name, &l, &n, err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n && r == 0; i++) {
                        if (strcmp(l[i].id, id) == 0 && zone_lease_alive(&l[i]))
                                r = zone_err_set(err, -EEXIST, "zone %s is on network %s already",
                                                 id, all[k].name);
                        if (strcmp(l[i].veth, veth) == 0)
                                *ret_clash = true;
                }
                zone_leases_free(l, n);
                if (r < 0)
                        return r;
        }
        return 0;
}

int zone_net_attach(const char *root, const struct zone_net_attach *a, uint32_t *ret_addr,
                    struct zone_err **err)
{
        const char *name = a->network ? a->network : ZONE_NET_DEFAULT_NETWORK;
        _cleanup_store_ struct net_store s = {.dirfd = -1, .lockfd = -1};
        _cleanup_nl_ struct nl_sock *sk = NULL;
        int r = net_store_open(root, true, &s, err);
        if (r < 0 || (r = net_nl_open(&sk, err)) < 0)
                return r;
        uint64_t host_ino = self_ns_ino(), netns_ino = net_ns_ino(a->netns);
        if (!netns_ino)
                return zone_err_sys(err, -errno, "zone %s: network namespace %s", a->id, a->netns);
        if (netns_ino == host_ino)
                return zone_err_set(err, -EINVAL,
                                    "zone %s has no network namespace of its own (add one to "
                                    "linux.namespaces, or use network mode host)",
                                    a->id);
        struct zone_network net;
        struct zone_err *e = NULL;
        r = net_network_read(&s, name, &net, &e);
        if (r == -ENOENT && strcmp(name, ZONE_NET_DEFAULT_NETWORK) == 0) {
                zone_err_free(e);
                r = network_define(&s, sk, name, NULL, NULL, &net, err);
        } else if (r < 0) {
                *err = e;
        }
        if (r < 0)
                return r;

        _cleanup_(networks_freep) struct zone_network *all = NULL;
        size_t n_all = 0;
        if ((r = net_network_list(&s, &all, &n_all, err)) < 0)
                return r;
        struct zone_lease *l = NULL;
        size_t n = 0;
        if ((r = net_leases_read(&s, name, &l, &n, err)) < 0)
                return r;
        /* Room for the new lease. */
        struct zone_lease *grown = realloc(l, (n + 1) * sizeof(*l));
        if (!grown) {
                zone_leases_free(l, n);
                return zone_err_sys(err, -ENOMEM, "lease an address");
        }
        l = grown;
        for (size_t i = 0; i < n; i++)
                if (strcmp(l[i].id, a->id) == 0) {
                        if (zone_lease_alive(&l[i])) {
                                zone_leases_free(l, n);
                                return zone_err_set(
                                    err, -EEXIST, "zone %s is on network %s already", a->id, name);
                        }
                        lease_drop(sk, host_ino, l, &n, i--);
                }

        /* Only published ports need rules of the zone's own: egress is the network's rule. */
        struct zone_lease me = {
            .netns_ino = netns_ino, .host_ino = host_ino, .nat = a->n_ports > 0};
        bool clash = true;
        for (unsigned salt = 0; clash && r == 0; salt++) {
                veth_name(a->id, salt, me.veth);
                r = id_leased_elsewhere(&s, all, n_all, name, a->id, me.veth, &clash, err);
                for (size_t i = 0; i < n && !clash; i++)
                        clash = strcmp(l[i].veth, me.veth) == 0;
        }
        if (r < 0) {
                zone_leases_free(l, n);
                return r;
        }

        /* The first free address after the gateway; when none, the leases of zones that are
         * gone are recovered first. */
        uint32_t last = net.subnet | ~(~0u << (32 - net.prefix)), addr = 0;
        for (int pass = 0; pass < 2 && !addr; pass++) {
                for (uint32_t c = net.gateway + 1; c < last && !addr; c++) {
                        bool used = false;
                        for (size_t i = 0; i < n && !used; i++)
                                used = l[i].addr == c;
                        if (!used)
                                addr = c;
                }
                for (size_t i = 0; !addr && pass == 0 && i < n; i++)
                        if (!zone_lease_alive(&l[i]))
                                lease_drop(sk, host_ino, l, &n, i--);
        }
        char astr[INET_ADDRSTRLEN], sstr[INET_ADDRSTRLEN];
        zone_ipv4_str(net.subnet, sstr);
        if (!addr) {
                size_t had = n;
                zone_leases_free(l, n);
                return zone_err_set(err, -ENOSPC,
                                    "network %s: subnet %s/%d is full (%zu zones hold its "
                                    "addresses)",
                                    name, sstr, net.prefix, had);
        }
        zone_ipv4_str(addr, astr);
        me.addr = addr;
        me.id = strdup(a->id);
        me.name = strdup(a->hostname && *a->hostname ? a->hostname : a->id);
        me.netns = strdup(a->netns);
        me.rootfs = a->rootfs ? strdup(a->rootfs) : NULL;
        l[n++] = me;
        if (!me.id || !me.name || !me.netns || (a->rootfs && !me.rootfs)) {
                zone_leases_free(l, n);
                return zone_err_sys(err, -ENOMEM, "lease an address");
        }

        int br = 0;
        unsigned mtu = 0;
        bool br_made = false, veth_made = false, nat_made = false, egress_made = false;
        _cleanup_close_ int nsfd = -1;
        struct nl_sock *zsk = NULL;
        r = net_bridge_ensure(sk, &net, &br, &mtu, &br_made, err);
        /* Egress NAT and published ports from outside need forwarding on the host side. */
        if (r >= 0 && br_made &&
            (r = write_string_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", "1")) < 0)
                r = zone_err_sys(err, r, "enable net.ipv4.ip_forward");
        /* The network's egress rule comes and goes with its bridge: a zone without published
         * ports then needs no nftables work at all (gc puts it back if it went missing). */
        if (r >= 0 && br_made) {
                char cidr[INET_ADDRSTRLEN + 4];
                snprintf(cidr, sizeof(cidr), "%s/%d", sstr, net.prefix);
                if ((r = zone_nat_network_add(net.bridge, cidr, err)) >= 0)
                        egress_made = true;
        }
        /* The lease is on disk before any interface exists, so gc finds what a crash leaves. */
        if (r >= 0)
                r = net_leases_write(&s, name, l, n, err);
        if (r >= 0 && (nsfd = open(a->netns, O_RDONLY | O_CLOEXEC)) < 0)
                r = zone_err_sys(err, -errno, "open the network namespace %s", a->netns);
        if (r >= 0) {
                /* A host end of that name whose lease is gone is a leftover of the same id
                 * (its namespace still being torn down, or a crash): it goes. */
                struct zone_err *e2 = NULL;
                r = net_veth_add(sk, me.veth, br, mtu, nsfd, &e2);
                if (r == -EEXIST && net_link_delete(sk, me.veth, NULL) == 0) {
                        zone_err_free(e2);
                        e2 = NULL;
                        r = net_veth_add(sk, me.veth, br, mtu, nsfd, &e2);
                }
                if (r < 0)
                        *err = e2;
                else
                        veth_made = true;
        }
        if (r >= 0)
                r = net_nl_open_in(a->netns, &zsk, err);
        if (r >= 0)
                r = net_zone_configure(zsk, addr, net.prefix, net.gateway, err);
        net_nl_close(zsk);
        if (r >= 0 && a->n_ports &&
            (r = zone_nat_publish(a->id, net.bridge, astr, a->ports, a->n_ports, err)) >= 0)
                nat_made = true;
        if (r >= 0 && a->rootfs)
                r = net_resolv_write(a->rootfs, a->resolv_conf, true, err);
        if (r >= 0)
                r = hosts_update(l, n, a->id, err);
        if (r < 0) {
                if (nat_made)
                        zone_nat_remove(a->id, NULL);
                if (veth_made)
                        net_link_delete(sk, me.veth, NULL);
                lease_drop(NULL, 0, l, &n, n - 1);
                net_leases_write(&s, name, l, n, NULL);
                hosts_update(l, n, NULL, NULL);
                if (br_made && n == 0) {
                        net_link_delete(sk, net.bridge, NULL);
                        if (egress_made)
                                zone_nat_network_remove(net.bridge, NULL);
                }
                zone_leases_free(l, n);
                return zone_err_wrap(err, "zone %s on network %s", a->id, name);
        }
        zone_leases_free(l, n);
        if (ret_addr)
                *ret_addr = addr;
        return 0;
}

int zone_net_detach(const char *root, const char *id, struct zone_err **err)
{
        _cleanup_store_ struct net_store s = {.dirfd = -1, .lockfd = -1};
        struct zone_err *e = NULL;
        int r = net_store_open(root, false, &s, &e);
        if (r == -ENOENT) {
                zone_err_free(e);
                return 0;
        }
        if (r < 0) {
                *err = e;
                return r;
        }
        _cleanup_(networks_freep) struct zone_network *all = NULL;
        size_t n_all = 0;
        if ((r = net_network_list(&s, &all, &n_all, err)) < 0)
                return r;
        uint64_t host_ino = self_ns_ino();
        _cleanup_nl_ struct nl_sock *sk = NULL;
        for (size_t k = 0; k < n_all; k++) {
                struct zone_lease *l = NULL;
                size_t n = 0, i;
                if ((r = net_leases_read(&s, all[k].name, &l, &n, err)) < 0)
                        return r;
                for (i = 0; i < n && strcmp(l[i].id, id) != 0; i++)
                        ;
                if (i == n) {
                        zone_leases_free(l, n);
                        continue;
                }
                /* The bridge and the host veth are in the namespace the zone was attached
                 * from; elsewhere an interface of the same name is not ours. */
                if (l[i].host_ino != host_ino) {
                        zone_leases_free(l, n);
                        return zone_err_set(err, -EXDEV,
                                            "zone %s was attached to network %s from another "
                                            "network namespace: detach it from there",
                                            id, all[k].name);
                }
                if (!sk && (r = net_nl_open(&sk, err)) < 0) {
                        zone_leases_free(l, n);
                        return r;
                }
                /* A zone whose namespace is gone took its veth pair with it (the kernel
                 * deletes both ends); deleting it here would only wait for that. */
                r = zone_lease_alive(&l[i]) ? net_link_delete(sk, l[i].veth, err) : 0;
                bool nat = l[i].nat;
                if (r >= 0) {
                        lease_drop(NULL, 0, l, &n, i);
                        r = net_leases_write(&s, all[k].name, l, n, err);
                }
                /* No published port, no rule: libnftables is not even loaded. */
                if (r >= 0 && nat)
                        r = zone_nat_remove(id, err);
                if (r >= 0)
                        hosts_update(l, n, NULL, NULL);
                zone_leases_free(l, n);
                if (r < 0)
                        return zone_err_wrap(err, "detach zone %s from network %s", id,
                                             all[k].name);
        }
        return 0;
}

int zone_net_loopback(const char *netns, struct zone_err **err)
{
        struct nl_sock *zsk = NULL;
        int r = net_nl_open_in(netns, &zsk, err);
        if (r < 0)
                return r;
        r = net_loopback_up(zsk, err);
        net_nl_close(zsk);
        return r;
}

int zone_network_remove(const char *root, const char *name, struct zone_err **err)
{
        _cleanup_store_ struct net_store s = {.dirfd = -1, .lockfd = -1};
        _cleanup_nl_ struct nl_sock *sk = NULL;
        struct zone_network net;
        int r = net_store_open(root, false, &s, err);
        if (r == -ENOENT)
                return zone_err_set(err, r, "network %s does not exist", name);
        if (r < 0 || (r = net_name_validate(name, err)) < 0 ||
            (r = net_network_read(&s, name, &net, err)) < 0)
                return r;
        struct zone_lease *l = NULL;
        size_t n = 0;
        if ((r = net_leases_read(&s, name, &l, &n, err)) < 0)
                return r;
        size_t live = 0;
        for (size_t i = 0; i < n; i++)
                live += zone_lease_alive(&l[i]);
        zone_leases_free(l, n);
        if (live)
                return zone_err_set(err, -EBUSY, "network %s has %zu zones on it", name, live);
        if ((r = net_nl_open(&sk, err)) < 0)
                return r;
        /* Only a bridge goes: an interface of that name of another kind is not the network's. */
        int idx = net_link_index(sk, net.bridge, err);
        if (idx < 0)
                return idx;
        if (idx > 0) {
                char **veths = NULL;
                if ((r = net_bridge_veths(sk, idx, &veths, err)) < 0)
                        return r;
                for (size_t i = 0; veths && veths[i] && r >= 0; i++)
                        r = net_link_delete(sk, veths[i], err);
                strv_free(veths);
                if (r >= 0)
                        r = net_link_delete(sk, net.bridge, err);
                if (r < 0)
                        return r;
        }
        if ((r = zone_nat_network_remove(net.bridge, err)) < 0 ||
            (r = net_leases_unlink(&s, name, err)) < 0)
                return r;
        return net_network_unlink(&s, name, err);
}

int zone_net_gc(const char *root, struct zone_net_gc_stats *ret, struct zone_err **err)
{
        *ret = (struct zone_net_gc_stats){0};
        _cleanup_store_ struct net_store s = {.dirfd = -1, .lockfd = -1};
        _cleanup_nl_ struct nl_sock *sk = NULL;
        _cleanup_strv_ char **live_ids = NULL;
        struct zone_err *e = NULL;
        int r = net_store_open(root, false, &s, &e);
        if (r < 0 && r != -ENOENT) {
                *err = e;
                return r;
        }
        zone_err_free(e);
        bool have_root = r == 0;
        if ((r = net_nl_open(&sk, err)) < 0)
                return r;
        uint64_t host_ino = self_ns_ino();
        _cleanup_(networks_freep) struct zone_network *all = NULL;
        size_t n_all = 0;
        if (have_root && (r = net_network_list(&s, &all, &n_all, err)) < 0)
                return r;
        for (size_t k = 0; k < n_all; k++) {
                struct zone_lease *l = NULL;
                size_t n = 0;
                if ((r = net_leases_read(&s, all[k].name, &l, &n, err)) < 0)
                        return r;
                size_t before = n;
                for (size_t i = 0; i < n; i++)
                        if (!zone_lease_alive(&l[i])) {
                                lease_drop(sk, host_ino, l, &n, i--);
                                ret->leases++;
                        }
                if (n != before && (r = net_leases_write(&s, all[k].name, l, n, err)) < 0) {
                        zone_leases_free(l, n);
                        return r;
                }
                if (n != before)
                        hosts_update(l, n, NULL, NULL);
                for (size_t i = 0; i < n && r >= 0; i++)
                        r = strv_append(&live_ids, l[i].id);
                if (r < 0) {
                        zone_leases_free(l, n);
                        return zone_err_sys(err, r, "gc");
                }
                /* Veths on the network's bridge that no live lease names: a setup that died
                 * between making the veth and finishing. */
                int br = net_link_index(sk, all[k].bridge, err);
                char **veths = NULL;
                if (br > 0)
                        r = net_bridge_veths(sk, br, &veths, err);
                for (size_t v = 0; r >= 0 && veths && veths[v]; v++) {
                        bool named = false;
                        for (size_t i = 0; i < n && !named; i++)
                                named = strcmp(l[i].veth, veths[v]) == 0;
                        if (named)
                                continue;
                        if ((r = net_link_delete(sk, veths[v], err)) >= 0)
                                ret->links++;
                }
                strv_free(veths);
                zone_leases_free(l, n);
                if (br < 0 || r < 0)
                        return br < 0 ? br : r;
                /* The network's egress rule, made with its bridge, is put back when something
                 * (a flush of the ruleset) took it. */
                if (br > 0) {
                        char sub[INET_ADDRSTRLEN], cidr[INET_ADDRSTRLEN + 4];
                        snprintf(cidr, sizeof(cidr), "%s/%d", zone_ipv4_str(all[k].subnet, sub),
                                 all[k].prefix);
                        if ((r = zone_nat_network_add(all[k].bridge, cidr, err)) < 0)
                                return r;
                }
        }
        char **nat = NULL;
        if ((r = zone_nat_zones(&nat, err)) < 0)
                return r;
        for (size_t i = 0; nat && nat[i] && r >= 0; i++) {
                bool live = false;
                for (size_t j = 0; live_ids && live_ids[j] && !live; j++)
                        live = strcmp(live_ids[j], nat[i]) == 0;
                if (!live && (r = zone_nat_remove(nat[i], err)) >= 0)
                        ret->nat++;
        }
        strv_free(nat);
        return r < 0 ? r : 0;
}
