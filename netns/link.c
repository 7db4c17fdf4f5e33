/* rtnetlink with libnl: the bridge, veth pairs, addresses and routes, in the caller's network
 * namespace or (through a socket opened there) in a zone's. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "netns/internal.h"
#include "util.h"

static int nl_errno(int nlerr)
{
        switch (-nlerr) {
        case NLE_EXIST:
                return -EEXIST;
        case NLE_OBJ_NOTFOUND:
        case NLE_NODEV:
                return -ENODEV;
        case NLE_PERM:
                return -EPERM;
        case NLE_NOMEM:
                return -ENOMEM;
        case NLE_INVAL:
        case NLE_RANGE:
                return -EINVAL;
        case NLE_BUSY:
                return -EBUSY;
        case NLE_NOADDR:
                return -EADDRNOTAVAIL;
        default:
                return -EIO;
        }
}

#define nl_fail(err, r, fmt, ...)                                                                  \
        zone_err_set(err, nl_errno(r), fmt ": %s", ##__VA_ARGS__, nl_geterror(r))

static void link_putp(struct rtnl_link **l)
{
        if (*l)
                rtnl_link_put(*l);
}
#define _cleanup_link_ _cleanup_(link_putp)

static void addr_putp(struct nl_addr **a)
{
        if (*a)
                nl_addr_put(*a);
}
#define _cleanup_nladdr_ _cleanup_(addr_putp)

int net_nl_open(struct nl_sock **ret, struct zone_err **err)
{
        struct nl_sock *sk = nl_socket_alloc();
        if (!sk)
                return zone_err_sys(err, -ENOMEM, "open a netlink socket");
        int r = nl_connect(sk, NETLINK_ROUTE);
        if (r < 0) {
                nl_socket_free(sk);
                return nl_fail(err, r, "connect a netlink socket");
        }
        *ret = sk;
        return 0;
}

void net_nl_close(struct nl_sock *sk)
{
        if (sk)
                nl_socket_free(sk);
}

int net_nl_open_in(const char *netns, struct nl_sock **ret, struct zone_err **err)
{
        _cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return zone_err_sys(err, -errno, "open /proc/thread-self/ns/net");
        _cleanup_close_ int target = open(netns, O_RDONLY | O_CLOEXEC);
        if (target < 0)
                return zone_err_sys(err, -errno, "open the network namespace %s", netns);
        if (setns(target, CLONE_NEWNET) < 0)
                return zone_err_sys(err, -errno, "enter the network namespace %s", netns);
        /* A netlink socket stays in the namespace it was made in. */
        int r = net_nl_open(ret, err);
        if (setns(self, CLONE_NEWNET) < 0) {
                int e = -errno;
                if (r == 0)
                        net_nl_close(*ret);
                return zone_err_sys(err, e, "return from the network namespace %s", netns);
        }
        if (r < 0)
                return zone_err_wrap(err, "in the network namespace %s", netns);
        return 0;
}

int net_link_index(struct nl_sock *sk, const char *name, struct zone_err **err)
{
        _cleanup_link_ struct rtnl_link *l = NULL;
        int r = rtnl_link_get_kernel(sk, 0, name, &l);
        if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV)
                return 0;
        if (r < 0)
                return nl_fail(err, r, "look up interface %s", name);
        return rtnl_link_get_ifindex(l);
}

static int addr_add(struct nl_sock *sk, int ifindex, const char *dev, uint32_t addr, int prefix,
                    struct zone_err **err)
{
        struct rtnl_addr *a = rtnl_addr_alloc();
        uint32_t be = htonl(addr);
        _cleanup_nladdr_ struct nl_addr *local = nl_addr_build(AF_INET, &be, 4);
        if (!a || !local) {
                if (a)
                        rtnl_addr_put(a);
                return zone_err_sys(err, -ENOMEM, "add an address to %s", dev);
        }
        nl_addr_set_prefixlen(local, prefix);
        rtnl_addr_set_ifindex(a, ifindex);
        rtnl_addr_set_local(a, local);
        int r = rtnl_addr_add(sk, a, 0);
        rtnl_addr_put(a);
        if (r < 0 && r != -NLE_EXIST) {
                char s[INET_ADDRSTRLEN];
                return nl_fail(err, r, "add %s/%d to %s", zone_ipv4_str(addr, s), prefix, dev);
        }
        return 0;
}

static int link_up(struct nl_sock *sk, const char *name, int ifindex, struct zone_err **err)
{
        _cleanup_link_ struct rtnl_link *change = rtnl_link_alloc();
        if (!change)
                return zone_err_sys(err, -ENOMEM, "set %s up", name);
        /* By index alone: a change request naming the link renames it otherwise. */
        _cleanup_link_ struct rtnl_link *orig = rtnl_link_alloc();
        if (!orig)
                return zone_err_sys(err, -ENOMEM, "set %s up", name);
        rtnl_link_set_ifindex(orig, ifindex);
        rtnl_link_set_flags(change, IFF_UP);
        int r = rtnl_link_change(sk, orig, change, 0);
        return r < 0 ? nl_fail(err, r, "set %s up", name) : 0;
}

int net_bridge_ensure(struct nl_sock *sk, const struct zone_network *n, int *ret_ifindex,
                      unsigned *ret_mtu, bool *ret_created, struct zone_err **err)
{
        _cleanup_link_ struct rtnl_link *l = NULL;
        *ret_created = false;
        int r = rtnl_link_get_kernel(sk, 0, n->bridge, &l);
        if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV) {
                _cleanup_link_ struct rtnl_link *br = rtnl_link_bridge_alloc();
                if (!br)
                        return zone_err_sys(err, -ENOMEM, "make bridge %s", n->bridge);
                rtnl_link_set_name(br, n->bridge);
                r = rtnl_link_add(sk, br, NLM_F_CREATE | NLM_F_EXCL);
                if (r < 0)
                        return nl_fail(err, r, "make bridge %s", n->bridge);
                *ret_created = true;
                r = rtnl_link_get_kernel(sk, 0, n->bridge, &l);
        }
        if (r < 0)
                return nl_fail(err, r, "look up bridge %s", n->bridge);
        if (!rtnl_link_is_bridge(l))
                return zone_err_set(err, -EEXIST,
                                    "interface %s exists and is not a bridge (network %s)",
                                    n->bridge, n->name);
        int ifindex = rtnl_link_get_ifindex(l);
        if ((r = addr_add(sk, ifindex, n->bridge, n->gateway, n->prefix, err)) < 0)
                return r;
        if (!(rtnl_link_get_flags(l) & IFF_UP) && (r = link_up(sk, n->bridge, ifindex, err)) < 0)
                return r;
        *ret_ifindex = ifindex;
        *ret_mtu = rtnl_link_get_mtu(l);
        return 0;
}

int net_link_delete(struct nl_sock *sk, const char *name, struct zone_err **err)
{
        _cleanup_link_ struct rtnl_link *l = rtnl_link_alloc();
        if (!l)
                return zone_err_sys(err, -ENOMEM, "delete %s", name);
        rtnl_link_set_name(l, name);
        int r = rtnl_link_delete(sk, l);
        if (r < 0 && r != -NLE_OBJ_NOTFOUND && r != -NLE_NODEV)
                return nl_fail(err, r, "delete interface %s", name);
        return 0;
}

int net_veth_add(struct nl_sock *sk, const char *host, int bridge_ifindex, unsigned mtu, int nsfd,
                 struct zone_err **err)
{
        _cleanup_link_ struct rtnl_link *veth = rtnl_link_veth_alloc();
        if (!veth)
                return zone_err_sys(err, -ENOMEM, "make veth %s", host);
        rtnl_link_set_name(veth, host);
        rtnl_link_set_master(veth, bridge_ifindex);
        rtnl_link_set_mtu(veth, mtu);
        rtnl_link_set_flags(veth, IFF_UP);
        /* The peer is made in the zone's namespace under its final name: nothing to move or
         * rename, and no half-made interface in the host's namespace if we die here. */
        struct rtnl_link *peer = rtnl_link_veth_get_peer(veth);
        rtnl_link_set_name(peer, "eth0");
        rtnl_link_set_mtu(peer, mtu);
        rtnl_link_set_ns_fd(peer, nsfd);
        rtnl_link_put(peer);
        int r = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
        return r < 0 ? nl_fail(err, r, "make veth %s with eth0 in the zone", host) : 0;
}

int net_loopback_up(struct nl_sock *zsk, struct zone_err **err)
{
        int lo = net_link_index(zsk, "lo", err);
        if (lo <= 0)
                return lo < 0 ? lo : zone_err_set(err, -ENODEV, "no lo in the zone");
        return link_up(zsk, "lo", lo, err);
}

int net_zone_configure(struct nl_sock *zsk, uint32_t addr, int prefix, uint32_t gateway,
                       struct zone_err **err)
{
        int r = net_loopback_up(zsk, err);
        if (r < 0)
                return r;
        int eth0 = net_link_index(zsk, "eth0", err);
        if (eth0 <= 0)
                return eth0 < 0 ? eth0 : zone_err_set(err, -ENODEV, "no eth0 in the zone");
        if ((r = addr_add(zsk, eth0, "eth0", addr, prefix, err)) < 0 ||
            (r = link_up(zsk, "eth0", eth0, err)) < 0)
                return r;
        struct rtnl_route *route = rtnl_route_alloc();
        struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
        uint32_t any = 0, gw_be = htonl(gateway);
        _cleanup_nladdr_ struct nl_addr *dst = nl_addr_build(AF_INET, &any, 4);
        _cleanup_nladdr_ struct nl_addr *gw = nl_addr_build(AF_INET, &gw_be, 4);
        if (!route || !nh || !dst || !gw) {
                if (route)
                        rtnl_route_put(route);
                if (nh)
                        rtnl_route_nh_free(nh);
                return zone_err_sys(err, -ENOMEM, "add the default route");
        }
        nl_addr_set_prefixlen(dst, 0);
        rtnl_route_set_family(route, AF_INET);
        rtnl_route_set_table(route, RT_TABLE_MAIN);
        rtnl_route_set_dst(route, dst);
        rtnl_route_nh_set_gateway(nh, gw);
        rtnl_route_nh_set_ifindex(nh, eth0);
        rtnl_route_add_nexthop(route, nh); /* the route owns nh now */
        r = rtnl_route_add(zsk, route, NLM_F_CREATE | NLM_F_EXCL);
        rtnl_route_put(route);
        if (r < 0) {
                char s[INET_ADDRSTRLEN];
                return nl_fail(err, r, "add the default route via %s in the zone",
                               zone_ipv4_str(gateway, s));
        }
        return 0;
}

int net_routes_overlap(struct nl_sock *sk, uint32_t subnet, int prefix, bool *ret,
                       struct zone_err **err)
{
        struct nl_cache *cache = NULL;
        int r = rtnl_route_alloc_cache(sk, AF_INET, 0, &cache);
        if (r < 0)
                return nl_fail(err, r, "list routes");
        *ret = false;
        for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
                struct rtnl_route *rt = (struct rtnl_route *)o;
                if (rtnl_route_get_table(rt) != RT_TABLE_MAIN)
                        continue;
                struct nl_addr *dst = rtnl_route_get_dst(rt);
                int p = dst ? (int)nl_addr_get_prefixlen(dst) : 0;
                if (!dst || p == 0 || nl_addr_get_len(dst) != 4)
                        continue; /* the default route overlaps everything: not a conflict */
                uint32_t d;
                memcpy(&d, nl_addr_get_binary_addr(dst), 4);
                d = ntohl(d);
                int common = p < prefix ? p : prefix;
                uint32_t mask = common ? ~0u << (32 - common) : 0;
                if ((d & mask) == (subnet & mask)) {
                        *ret = true;
                        break;
                }
        }
        nl_cache_free(cache);
        return 0;
}

int net_bridge_veths(struct nl_sock *sk, int bridge_ifindex, char ***ret, struct zone_err **err)
{
        struct nl_cache *cache = NULL;
        int r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
        if (r < 0)
                return nl_fail(err, r, "list interfaces");
        char **names = NULL;
        r = 0;
        for (struct nl_object *o = nl_cache_get_first(cache); o && r >= 0;
             o = nl_cache_get_next(o)) {
                struct rtnl_link *l = (struct rtnl_link *)o;
                const char *type = rtnl_link_get_type(l);
                if (rtnl_link_get_master(l) == bridge_ifindex && type && strcmp(type, "veth") == 0)
                        r = strv_append(&names, rtnl_link_get_name(l));
        }
        nl_cache_free(cache);
        if (r < 0) {
                strv_free(names);
                return zone_err_sys(err, r, "list interfaces");
        }
        *ret = names;
        return 0;
}
