/* The guest's network (net.h): the host's description of the zone's interfaces applied with
 * rtnetlink (netlink.h), which does IPv6 as well as IPv4. Each interface is found by its MAC,
 * which the host gave the virtio-net device, and takes the name it has on the host. */
#include "net.h"

/* Before the kernel's headers, which then leave its definitions alone. */
#include <net/if.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../util.h"
#include "../netlink.h"

#define MAX_LINES 256

struct mac_find {
        unsigned char mac[ETH_ALEN];
        int index;
};

static int on_link(const struct nlmsghdr *h, void *data)
{
        struct mac_find *f = data;
        const struct ifinfomsg *ifi = NLMSG_DATA(h);
        if (h->nlmsg_type != RTM_NEWLINK)
                return 0;
        const struct rtattr *tb[IFLA_MAX + 1];
        vm_nl_parse(VM_NL_ATTRS(h, sizeof(*ifi)), VM_NL_ATTRS_LEN(h, sizeof(*ifi)), tb,
                    IFLA_MAX + 1);
        if (tb[IFLA_ADDRESS] && RTA_PAYLOAD(tb[IFLA_ADDRESS]) == ETH_ALEN &&
            memcmp(RTA_DATA(tb[IFLA_ADDRESS]), f->mac, ETH_ALEN) == 0)
                f->index = ifi->ifi_index;
        return 0;
}

static int find_mac(int nl, const char *text, int *ret)
{
        struct mac_find f = {.index = 0};
        unsigned m[ETH_ALEN];
        if (sscanf(text, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
                return -EINVAL;
        for (int i = 0; i < ETH_ALEN; i++)
                f.mac[i] = (unsigned char)m[i];
        struct vm_nl_req q;
        struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
        vm_nl_req_init(&q, RTM_GETLINK, 0, &ifi, sizeof(ifi));
        int r = vm_nl_dump(nl, &q, on_link, &f);
        if (r < 0)
                return r;
        if (!f.index)
                return -ENODEV;
        *ret = f.index;
        return 0;
}

/* Name, MTU and up, each given only when wanted (NULL, 0, false). */
static int set_link(int nl, int index, const char *name, unsigned mtu, bool up)
{
        struct vm_nl_req q;
        struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC,
                                .ifi_index = index,
                                .ifi_flags = up ? IFF_UP : 0,
                                .ifi_change = up ? IFF_UP : 0};
        vm_nl_req_init(&q, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
        if (name)
                vm_nl_put(&q, IFLA_IFNAME, name, strlen(name) + 1);
        if (mtu)
                vm_nl_put(&q, IFLA_MTU, &mtu, sizeof(mtu));
        return vm_nl_talk(nl, &q);
}

/* "ADDR/LEN" into family, bytes and length. */
static int parse_prefix(const char *text, int *family, unsigned char addr[16], unsigned *len)
{
        char buf[INET6_ADDRSTRLEN + 8];
        snprintf(buf, sizeof(buf), "%s", text);
        char *slash = strchr(buf, '/');
        if (!slash)
                return -EINVAL;
        *slash = 0;
        *family = strchr(buf, ':') ? AF_INET6 : AF_INET;
        *len = (unsigned)atoi(slash + 1);
        if (inet_pton(*family, buf, addr) != 1 || *len > (*family == AF_INET ? 32u : 128u))
                return -EINVAL;
        return 0;
}

static int add_addr(int nl, int index, const char *text)
{
        int family;
        unsigned char a[16];
        unsigned len;
        int r = parse_prefix(text, &family, a, &len);
        if (r < 0)
                return r;
        size_t alen = family == AF_INET ? 4 : 16;
        struct vm_nl_req q;
        struct ifaddrmsg ifa = {.ifa_family = (unsigned char)family,
                                .ifa_prefixlen = (unsigned char)len,
                                .ifa_index = (unsigned)index};
        vm_nl_req_init(&q, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, &ifa, sizeof(ifa));
        vm_nl_put(&q, IFA_LOCAL, a, alen);
        vm_nl_put(&q, IFA_ADDRESS, a, alen);
        /* The address was the host interface's, checked there: usable at once. */
        uint32_t flags = IFA_F_NODAD;
        vm_nl_put(&q, IFA_FLAGS, &flags, sizeof(flags));
        return vm_nl_talk(nl, &q);
}

static int add_route(int nl, int index, const char *dst, const char *gw)
{
        int family, gfamily;
        unsigned char d[16], g[16];
        unsigned len, glen;
        int r = parse_prefix(dst, &family, d, &len);
        if (r < 0)
                return r;
        bool via = strcmp(gw, "-") != 0;
        if (via) {
                char buf[INET6_ADDRSTRLEN + 8];
                snprintf(buf, sizeof(buf), "%s/0", gw);
                if ((r = parse_prefix(buf, &gfamily, g, &glen)) < 0 || gfamily != family)
                        return -EINVAL;
        }
        size_t alen = family == AF_INET ? 4 : 16;
        struct vm_nl_req q;
        struct rtmsg rt = {.rtm_family = (unsigned char)family,
                           .rtm_dst_len = (unsigned char)len,
                           .rtm_table = RT_TABLE_MAIN,
                           .rtm_protocol = RTPROT_BOOT,
                           .rtm_scope = via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
                           .rtm_type = RTN_UNICAST};
        vm_nl_req_init(&q, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &rt, sizeof(rt));
        if (len)
                vm_nl_put(&q, RTA_DST, d, alen);
        if (via)
                vm_nl_put(&q, RTA_GATEWAY, g, alen);
        vm_nl_put(&q, RTA_OIF, &index, sizeof(index));
        return vm_nl_talk(nl, &q);
}

/* One line of the description, split into words (a sysctl's value is one word). */
struct line {
        char *w[5];
        int n;
        int index; /* the interface it is about */
};

/* KEY (net.a.b or net/a/b, as in linux.sysctl) to VALUE in /proc/sys. */
static int set_sysctl(const char *key, const char *value)
{
        char path[512];
        int n = snprintf(path, sizeof(path), "/proc/sys/%s", key);
        if (n < 0 || (size_t)n >= sizeof(path) || strstr(key, ".."))
                return -EINVAL;
        if (!strchr(key, '/'))
                for (char *c = path + strlen("/proc/sys/"); *c; c++)
                        if (*c == '.')
                                *c = '/';
        return write_string_at(AT_FDCWD, path, value);
}

static int apply(int nl, struct line *l, size_t n, char *msg, size_t size)
{
        int r;
        /* Links by MAC; each first takes a name no other device has, so two that trade names
         * do not collide. */
        for (size_t i = 0; i < n; i++) {
                if (strcmp(l[i].w[0], "link") != 0)
                        continue;
                if (l[i].n != 4 || (r = find_mac(nl, l[i].w[2], &l[i].index)) < 0) {
                        snprintf(msg, size, "find the device with MAC %s",
                                 l[i].n > 2 ? l[i].w[2] : "?");
                        return l[i].n != 4 ? -EINVAL : r;
                }
                char tmp[IFNAMSIZ];
                snprintf(tmp, sizeof(tmp), "zone%zu", i);
                if ((r = set_link(nl, l[i].index, tmp, 0, false)) < 0) {
                        snprintf(msg, size, "rename the device with MAC %s", l[i].w[2]);
                        return r;
                }
        }
        for (size_t i = 0; i < n; i++) {
                if (strcmp(l[i].w[0], "link") != 0)
                        continue;
                unsigned mtu = (unsigned)atoi(l[i].w[3]);
                if ((r = set_link(nl, l[i].index, l[i].w[1], mtu, false)) < 0 ||
                    (r = set_link(nl, l[i].index, NULL, 0, true)) < 0) {
                        snprintf(msg, size, "set up %s (MAC %s, MTU %u)", l[i].w[1], l[i].w[2],
                                 mtu);
                        return r;
                }
        }
        /* Addresses, then routes on the link, then routes through a gateway they reach. */
        for (int pass = 0; pass < 3; pass++)
                for (size_t i = 0; i < n; i++) {
                        bool addr = strcmp(l[i].w[0], "addr") == 0;
                        bool route = strcmp(l[i].w[0], "route") == 0;
                        if ((pass == 0 && !addr) || (pass > 0 && !route))
                                continue;
                        if (route && (l[i].n != 4 || (strcmp(l[i].w[3], "-") == 0) != (pass == 1)))
                                continue;
                        if (addr && l[i].n != 3) {
                                snprintf(msg, size, "a malformed address line");
                                return -EINVAL;
                        }
                        int index = (int)if_nametoindex(l[i].w[1]);
                        if (index == 0) {
                                snprintf(msg, size, "%s %s: no such interface", l[i].w[0],
                                         l[i].w[1]);
                                return -ENODEV;
                        }
                        r = addr ? add_addr(nl, index, l[i].w[2])
                                 : add_route(nl, index, l[i].w[2], l[i].w[3]);
                        if (r < 0) {
                                snprintf(msg, size, "add %s %s %s %s", addr ? "address" : "route",
                                         l[i].w[2], addr ? "to" : "through",
                                         addr ? l[i].w[1] : l[i].w[3]);
                                return r;
                        }
                }
        for (size_t i = 0; i < n; i++)
                if (strcmp(l[i].w[0], "sysctl") == 0 &&
                    (r = l[i].n != 3 ? -EINVAL : set_sysctl(l[i].w[1], l[i].w[2])) < 0) {
                        snprintf(msg, size, "set sysctl %s", l[i].n > 1 ? l[i].w[1] : "?");
                        return r;
                }
        return 0;
}

int agent_net_setup(const char *desc, char *msg, size_t size)
{
        _cleanup_close_ int nl = vm_nl_open();
        if (nl < 0) {
                snprintf(msg, size, "open a netlink socket");
                return nl;
        }
        int r = set_link(nl, (int)if_nametoindex("lo"), NULL, 0, true);
        if (r < 0) {
                snprintf(msg, size, "bring lo up");
                return r;
        }
        if (!desc)
                return 0;
        _cleanup_free_ char *text = strdup(desc);
        _cleanup_free_ struct line *lines = calloc(MAX_LINES, sizeof(*lines));
        if (!text || !lines) {
                snprintf(msg, size, "read the network's description");
                return -ENOMEM;
        }
        size_t n = 0;
        char *save = NULL;
        for (char *s = strtok_r(text, "\n", &save); s && n < MAX_LINES;
             s = strtok_r(NULL, "\n", &save)) {
                struct line *l = &lines[n];
                char *ws = NULL;
                bool sysctl = strncmp(s, "sysctl ", 7) == 0;
                for (char *w = strtok_r(s, " ", &ws); w && l->n < 5; w = strtok_r(NULL, " ", &ws)) {
                        l->w[l->n++] = w;
                        if (sysctl && l->n == 2) {
                                /* The value is the rest of the line, spaces and all. */
                                if (ws && *ws)
                                        l->w[l->n++] = ws;
                                break;
                        }
                }
                if (l->n)
                        n++;
        }
        return apply(nl, lines, n, msg, size);
}
