/* The host side of a zone's network (net.h). Why tc and not a bridge: a redirect on each
 * side's ingress leaves the interface as podman's network plugin made it (its address, its
 * routes, its neighbours), so there is nothing to move and put back, and removing the one
 * qdisc undoes it all; the guest answers for the address with the interface's own MAC. */
#include "net.h"

/* Before the kernel's headers, which then leave its definitions alone. */
#include <net/if.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/tc_act/tc_mirred.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../err.h"
#include "../spec.h"
#include "../util.h"
#include "netlink.h"

/* The priority of the filters made here, so delete removes those and no others. */
#define FILTER_PRIO 0xc0de
#define INGRESS     TC_H_MAKE(TC_H_INGRESS, 0)

static const char *netns_path(const struct zone_spec *spec, size_t *index)
{
        for (size_t i = 0; i < spec->linux.n_namespaces; i++)
                if (spec->linux.namespaces[i].type == CLONE_NEWNET) {
                        *index = i;
                        return spec->linux.namespaces[i].path;
                }
        return NULL;
}

/* The runtime's own namespace (the host's, as a rule) is never given to a guest: its
 * interfaces would leave the host for the VM. */
static int refuse_own(const char *path, size_t index, struct zone_err **err)
{
        struct stat a, b;
        if (stat(path, &a) < 0)
                return zone_err_sys(err, -errno, "open network namespace %s", path);
        if (stat("/proc/thread-self/ns/net", &b) < 0)
                return zone_err_sys(err, -errno, "stat the runtime's network namespace");
        if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                return zone_err_set(err, -EINVAL,
                                    "linux.namespaces[%zu].path: %s is the host's network "
                                    "namespace: its interfaces cannot be given to a VM",
                                    index, path);
        return 0;
}

/* The calling thread moves to the namespace at path; *saved is the one to go back to. */
static int enter(const char *path, int *saved, struct zone_err **err)
{
        _cleanup_close_ int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (own < 0)
                return zone_err_sys(err, -errno, "open the runtime's network namespace");
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "open network namespace %s", path);
        if (setns(fd, CLONE_NEWNET) < 0)
                return zone_err_sys(err, -errno, "enter network namespace %s", path);
        *saved = steal_fd(&own);
        return 0;
}

static int leave(int *saved, struct zone_err **err)
{
        int r = 0;
        if (*saved >= 0 && setns(*saved, CLONE_NEWNET) < 0)
                r = zone_err_sys(err, -errno, "return to the runtime's network namespace");
        closep(saved);
        return r;
}

/* The links worth a guest device: Ethernet, up, not loopback, not a tap or a bridge. */
struct links {
        struct vm_net *net;
        int index[VM_NET_MAX_LINKS];
        unsigned mtu[VM_NET_MAX_LINKS];
};

static int on_link(const struct nlmsghdr *h, void *data)
{
        struct links *l = data;
        const struct ifinfomsg *ifi = NLMSG_DATA(h);
        if (h->nlmsg_type != RTM_NEWLINK || ifi->ifi_type != ARPHRD_ETHER ||
            !(ifi->ifi_flags & IFF_UP) || (ifi->ifi_flags & IFF_LOOPBACK))
                return 0;
        const struct rtattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
        vm_nl_parse(VM_NL_ATTRS(h, sizeof(*ifi)), VM_NL_ATTRS_LEN(h, sizeof(*ifi)), tb,
                    IFLA_MAX + 1);
        if (!tb[IFLA_IFNAME] || !tb[IFLA_ADDRESS] || RTA_PAYLOAD(tb[IFLA_ADDRESS]) != ETH_ALEN)
                return 0;
        if (tb[IFLA_LINKINFO]) {
                vm_nl_parse(RTA_DATA(tb[IFLA_LINKINFO]), RTA_PAYLOAD(tb[IFLA_LINKINFO]), info,
                            IFLA_INFO_MAX + 1);
                const char *kind = info[IFLA_INFO_KIND] ? RTA_DATA(info[IFLA_INFO_KIND]) : "";
                if (strcmp(kind, "tun") == 0 || strcmp(kind, "bridge") == 0)
                        return 0;
        }
        struct vm_net *n = l->net;
        if (n->n_links == VM_NET_MAX_LINKS)
                return 0;
        struct vm_net_link *k = &n->links[n->n_links];
        *k = (struct vm_net_link){.tap_fd = -1};
        snprintf(k->name, sizeof(k->name), "%s", (const char *)RTA_DATA(tb[IFLA_IFNAME]));
        const unsigned char *m = RTA_DATA(tb[IFLA_ADDRESS]);
        snprintf(k->mac, sizeof(k->mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
                 m[4], m[5]);
        l->index[n->n_links] = ifi->ifi_index;
        l->mtu[n->n_links] = tb[IFLA_MTU] ? *(const unsigned *)RTA_DATA(tb[IFLA_MTU]) : 1500;
        n->n_links++;
        return 0;
}

static int link_of(const struct links *l, int index)
{
        for (size_t i = 0; i < l->net->n_links; i++)
                if (l->index[i] == index)
                        return (int)i;
        return -1;
}

struct collect {
        struct links *l;
        FILE *out;
};

static int on_addr(const struct nlmsghdr *h, void *data)
{
        struct collect *c = data;
        const struct ifaddrmsg *ifa = NLMSG_DATA(h);
        int i = link_of(c->l, (int)ifa->ifa_index);
        /* Link-local addresses the guest makes itself, from the same MAC. */
        if (h->nlmsg_type != RTM_NEWADDR || i < 0 || ifa->ifa_scope == RT_SCOPE_LINK ||
            (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
                return 0;
        const struct rtattr *tb[IFA_MAX + 1];
        vm_nl_parse(VM_NL_ATTRS(h, sizeof(*ifa)), VM_NL_ATTRS_LEN(h, sizeof(*ifa)), tb,
                    IFA_MAX + 1);
        const struct rtattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
        char text[INET6_ADDRSTRLEN];
        if (!a || !inet_ntop(ifa->ifa_family, RTA_DATA(a), text, sizeof(text)))
                return 0;
        fprintf(c->out, "addr %s %s/%u\n", c->l->net->links[i].name, text, ifa->ifa_prefixlen);
        return 0;
}

static int on_route(const struct nlmsghdr *h, void *data)
{
        struct collect *c = data;
        const struct rtmsg *rt = NLMSG_DATA(h);
        /* The kernel's own routes (an address's prefix, fe80::/64) the guest makes too. */
        if (h->nlmsg_type != RTM_NEWROUTE || rt->rtm_type != RTN_UNICAST ||
            rt->rtm_protocol == RTPROT_KERNEL ||
            (rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6))
                return 0;
        const struct rtattr *tb[RTA_MAX + 1];
        vm_nl_parse(VM_NL_ATTRS(h, sizeof(*rt)), VM_NL_ATTRS_LEN(h, sizeof(*rt)), tb, RTA_MAX + 1);
        uint32_t table = tb[RTA_TABLE] ? *(const uint32_t *)RTA_DATA(tb[RTA_TABLE]) : rt->rtm_table;
        int i = tb[RTA_OIF] ? link_of(c->l, *(const int *)RTA_DATA(tb[RTA_OIF])) : -1;
        if (table != RT_TABLE_MAIN || i < 0)
                return 0;
        char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN] = "-";
        if (tb[RTA_DST]) {
                if (!inet_ntop(rt->rtm_family, RTA_DATA(tb[RTA_DST]), dst, sizeof(dst)))
                        return 0;
        } else {
                snprintf(dst, sizeof(dst), "%s", rt->rtm_family == AF_INET ? "0.0.0.0" : "::");
        }
        if (tb[RTA_GATEWAY] &&
            !inet_ntop(rt->rtm_family, RTA_DATA(tb[RTA_GATEWAY]), gw, sizeof(gw)))
                return 0;
        fprintf(c->out, "route %s %s/%u %s\n", c->l->net->links[i].name, dst, rt->rtm_dst_len, gw);
        return 0;
}

/* The guest's description: a line per interface, address and route (README.md). */
static int describe(int nl, struct links *l, char **ret, struct zone_err **err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        if (!out)
                return zone_err_sys(err, -errno, "describe the zone's network");
        for (size_t i = 0; i < l->net->n_links; i++)
                fprintf(out, "link %s %s %u\n", l->net->links[i].name, l->net->links[i].mac,
                        l->mtu[i]);
        struct collect c = {l, out};
        struct vm_nl_req q;
        struct ifaddrmsg ifa = {.ifa_family = AF_UNSPEC};
        vm_nl_req_init(&q, RTM_GETADDR, 0, &ifa, sizeof(ifa));
        int r = vm_nl_dump(nl, &q, on_addr, &c);
        for (int family = 0; r >= 0 && family < 2; family++) {
                struct rtmsg rt = {.rtm_family = family ? AF_INET6 : AF_INET};
                vm_nl_req_init(&q, RTM_GETROUTE, 0, &rt, sizeof(rt));
                r = vm_nl_dump(nl, &q, on_route, &c);
        }
        if (fclose(out) != 0 && r >= 0)
                r = -errno;
        if (r < 0)
                return zone_err_sys(err, r, "read the addresses and routes of the zone's network");
        *ret = steal_pointer(&text);
        return 0;
}

static int set_link(int nl, int index, unsigned mtu)
{
        struct vm_nl_req q;
        struct ifinfomsg ifi = {
            .ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
        vm_nl_req_init(&q, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
        vm_nl_put(&q, IFLA_MTU, &mtu, sizeof(mtu));
        return vm_nl_talk(nl, &q);
}

/* The ingress qdisc of index; *made when it did not exist before. */
static int add_ingress(int nl, int index, bool *made)
{
        struct vm_nl_req q;
        struct tcmsg tc = {.tcm_family = AF_UNSPEC,
                           .tcm_ifindex = index,
                           .tcm_handle = INGRESS,
                           .tcm_parent = TC_H_INGRESS};
        vm_nl_req_init(&q, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, &tc, sizeof(tc));
        vm_nl_put(&q, TCA_KIND, "ingress", sizeof("ingress"));
        int r = vm_nl_talk(nl, &q);
        *made = r == 0;
        return r == -EEXIST ? 0 : r;
}

/* Everything arriving at from leaves through to. */
static int add_redirect(int nl, int from, int to)
{
        struct vm_nl_req q;
        struct tcmsg tc = {.tcm_family = AF_UNSPEC,
                           .tcm_ifindex = from,
                           .tcm_parent = INGRESS,
                           .tcm_info = TC_H_MAKE((uint32_t)FILTER_PRIO << 16, htons(ETH_P_ALL))};
        vm_nl_req_init(&q, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, &tc, sizeof(tc));
        vm_nl_put(&q, TCA_KIND, "u32", sizeof("u32"));
        struct rtattr *opts = vm_nl_nest(&q, TCA_OPTIONS);
        /* One key, matching every packet (mask 0). */
        struct {
                struct tc_u32_sel sel;
                struct tc_u32_key key;
        } sel = {.sel = {.flags = TC_U32_TERMINAL, .nkeys = 1}};
        vm_nl_put(&q, TCA_U32_SEL, &sel, sizeof(sel));
        struct rtattr *acts = vm_nl_nest(&q, TCA_U32_ACT);
        struct rtattr *act = vm_nl_nest(&q, 1);
        vm_nl_put(&q, TCA_ACT_KIND, "mirred", sizeof("mirred"));
        struct rtattr *aopts = vm_nl_nest(&q, TCA_ACT_OPTIONS);
        struct tc_mirred m = {.action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR, .ifindex = to};
        vm_nl_put(&q, TCA_MIRRED_PARMS, &m, sizeof(m));
        vm_nl_nest_end(&q, aopts);
        vm_nl_nest_end(&q, act);
        vm_nl_nest_end(&q, acts);
        vm_nl_nest_end(&q, opts);
        return vm_nl_talk(nl, &q);
}

static int on_filter(const struct nlmsghdr *h, void *data)
{
        const struct tcmsg *tc = NLMSG_DATA(h);
        if (h->nlmsg_type == RTM_NEWTFILTER && TC_H_MAJ(tc->tcm_info) >> 16 == FILTER_PRIO)
                *(bool *)data = true;
        return 0;
}

/* Whether index has a filter of a zone's (u32 would take a second one beside it). */
static int redirected(int nl, int index, bool *ret)
{
        struct vm_nl_req q;
        struct tcmsg tc = {.tcm_family = AF_UNSPEC, .tcm_ifindex = index, .tcm_parent = INGRESS};
        vm_nl_req_init(&q, RTM_GETTFILTER, 0, &tc, sizeof(tc));
        *ret = false;
        int r = vm_nl_dump(nl, &q, on_filter, ret);
        return r == -EINVAL || r == -ENOENT ? 0 : r; /* no ingress qdisc */
}

/* A tap beside link i, joined to it both ways. */
static int add_tap(int nl, struct links *l, size_t i, struct zone_err **err)
{
        struct vm_net_link *k = &l->net->links[i];
        _cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "open /dev/net/tun for %s", k->name);
        /* Not persistent: the tap goes when QEMU, its last holder, does. */
        struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "ztap%%d");
        if (ioctl(fd, TUNSETIFF, &ifr) < 0)
                return zone_err_sys(err, -errno, "make a tap device for %s", k->name);
        int tap = (int)if_nametoindex(ifr.ifr_name);
        if (tap == 0)
                return zone_err_sys(err, -errno, "find tap device %s", ifr.ifr_name);
        /* The tap is only a wire: no IPv6 of its own (router solicitations to the guest). */
        char sysctl[80];
        snprintf(sysctl, sizeof(sysctl), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifr.ifr_name);
        write_string_at(AT_FDCWD, sysctl, "1");
        bool made, taken;
        int r = redirected(nl, l->index[i], &taken);
        if (r < 0)
                return zone_err_sys(err, r, "read the tc filters of %s", k->name);
        if (taken)
                return zone_err_set(err, -EBUSY,
                                    "redirect %s to a tap device: another VM zone's redirect is "
                                    "there already (an interface serves one guest)",
                                    k->name);
        r = set_link(nl, tap, l->mtu[i]);
        if (r < 0)
                return zone_err_sys(err, r, "bring tap device %s up", ifr.ifr_name);
        if ((r = add_ingress(nl, l->index[i], &made)) < 0)
                return zone_err_sys(err, r, "add an ingress qdisc to %s", k->name);
        k->own_qdisc = made;
        r = add_redirect(nl, l->index[i], tap);
        k->redirected = r >= 0;
        bool unused;
        if (r < 0 || (r = add_ingress(nl, tap, &unused)) < 0 ||
            (r = add_redirect(nl, tap, l->index[i])) < 0)
                return zone_err_sys(err, r,
                                    "redirect %s to tap device %s and back (tc u32, mirred)",
                                    k->name, ifr.ifr_name);
        k->tap_fd = steal_fd(&fd);
        return 0;
}

/* What VM_NET_STATE says: the namespace's path, then "NAME own|shared" per interface that
 * has a qdisc or a filter of the zone's. */
static int save_state(int dfd, const char *path, const struct vm_net *n, struct zone_err **err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        if (!out)
                return zone_err_sys(err, -errno, "record the zone's network");
        fprintf(out, "%s\n", path);
        for (size_t i = 0; i < n->n_links; i++)
                if (n->links[i].own_qdisc || n->links[i].redirected)
                        fprintf(out, "%s %s\n", n->links[i].name,
                                n->links[i].own_qdisc ? "own" : "shared");
        if (fclose(out) != 0)
                return zone_err_sys(err, -errno, "record the zone's network");
        int r = write_file_atomic_at(dfd, VM_NET_STATE, text, len, 0600);
        return r < 0 ? zone_err_sys(err, r, "write %s in the zone's state", VM_NET_STATE) : 0;
}

static int remove_from(int nl, const char *name, bool own)
{
        int index = (int)if_nametoindex(name);
        if (index == 0)
                return 0; /* gone with its namespace's plugin */
        struct vm_nl_req q;
        struct tcmsg tc = {.tcm_family = AF_UNSPEC, .tcm_ifindex = index};
        if (own) {
                tc.tcm_handle = INGRESS;
                tc.tcm_parent = TC_H_INGRESS;
                vm_nl_req_init(&q, RTM_DELQDISC, 0, &tc, sizeof(tc));
        } else {
                tc.tcm_parent = INGRESS;
                tc.tcm_info = TC_H_MAKE((uint32_t)FILTER_PRIO << 16, htons(ETH_P_ALL));
                vm_nl_req_init(&q, RTM_DELTFILTER, 0, &tc, sizeof(tc));
        }
        int r = vm_nl_talk(nl, &q);
        return r == -ENOENT || r == -EINVAL ? 0 : r;
}

static int teardown_in(int nl, char *state, struct zone_err **err)
{
        char *save = NULL;
        strtok_r(state, "\n", &save);
        for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *sp = strchr(line, ' ');
                if (!sp)
                        continue;
                *sp = 0;
                int r = remove_from(nl, line, strcmp(sp + 1, "own") == 0);
                if (r < 0)
                        return zone_err_sys(err, r, "remove the zone's redirect from %s", line);
        }
        return 0;
}

int vm_net_teardown(int state_dfd, struct zone_err **err)
{
        _cleanup_free_ char *state = NULL;
        size_t len;
        int r = read_file_at(state_dfd, VM_NET_STATE, 1u << 16, &state, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return zone_err_sys(err, r, "read %s of the zone's state", VM_NET_STATE);
        char path[4096];
        snprintf(path, sizeof(path), "%.*s", (int)strcspn(state, "\n"), state);
        int saved = -1;
        _cleanup_err_ struct zone_err *enter_err = NULL;
        r = enter(path, &saved, &enter_err);
        if (r == -ENOENT)
                return unlinkat(state_dfd, VM_NET_STATE, 0), 0; /* the namespace is gone */
        if (r < 0)
                return zone_err_set(err, r, "%s", enter_err->msg);
        _cleanup_close_ int nl = vm_nl_open();
        if (nl < 0)
                r = zone_err_sys(err, nl, "open a netlink socket in %s", path);
        else
                r = teardown_in(nl, state, err);
        int back = leave(&saved, r < 0 ? NULL : err);
        if (r >= 0 && back < 0)
                r = back;
        if (r >= 0)
                unlinkat(state_dfd, VM_NET_STATE, 0);
        return r;
}

static int setup_in(int nl, struct links *l, struct zone_err **err)
{
        struct vm_nl_req q;
        struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
        vm_nl_req_init(&q, RTM_GETLINK, 0, &ifi, sizeof(ifi));
        int r = vm_nl_dump(nl, &q, on_link, l);
        if (r < 0)
                return zone_err_sys(err, r, "list the interfaces of the zone's network namespace");
        if (l->net->n_links == 0)
                return 0;
        if ((r = describe(nl, l, &l->net->guest, err)) < 0)
                return r;
        for (size_t i = 0; i < l->net->n_links; i++)
                if ((r = add_tap(nl, l, i, err)) < 0)
                        return r;
        return 0;
}

int vm_net_setup(const struct zone_spec *spec, int state_dfd, struct vm_net *ret,
                 struct zone_err **err)
{
        *ret = (struct vm_net){0};
        for (size_t i = 0; i < VM_NET_MAX_LINKS; i++)
                ret->links[i].tap_fd = -1;
        size_t index = 0;
        const char *path = netns_path(spec, &index);
        if (!path)
                return 0;
        int saved = -1;
        int r = refuse_own(path, index, err);
        if (r < 0 || (r = enter(path, &saved, err)) < 0)
                return r;
        struct links l = {.net = ret};
        _cleanup_close_ int nl = vm_nl_open();
        if (nl < 0)
                r = zone_err_sys(err, nl, "open a netlink socket in %s", path);
        else
                r = setup_in(nl, &l, err);
        /* The state names what was added even when not all of it was: delete removes it. */
        if (ret->n_links) {
                int s = save_state(state_dfd, path, ret, r < 0 ? NULL : err);
                if (r >= 0)
                        r = s;
        }
        int back = leave(&saved, r < 0 ? NULL : err);
        if (r >= 0)
                r = back;
        if (r < 0) {
                vm_net_done(ret);
                vm_net_teardown(state_dfd, NULL);
        }
        return r;
}

void vm_net_done(struct vm_net *n)
{
        for (size_t i = 0; i < n->n_links; i++)
                closep(&n->links[i].tap_fd);
        free(n->guest);
        n->guest = NULL;
}
