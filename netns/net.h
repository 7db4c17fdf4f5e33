/* Zone networks: named networks (a bridge and an IPv4 subnet) kept as small JSON files under a
 * net root, address leases per network, and the bridge mode setup of a zone's network
 * namespace (a veth pair, eth0 inside with its address and default route). Everything happens
 * in the caller's current network namespace (the host side of the bridge) and in the zone's
 * namespace it names; nothing is printed.
 *
 * Net root layout: networks/NAME.json (the definition), leases/NAME.json (the leases), lock
 * (flock'd around every change, so parallel zone starts never get the same address). */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zone_err;
struct zone_port;

#define ZONE_NET_DEFAULT_ROOT    "/run/zone/net"
#define ZONE_NET_DEFAULT_NETWORK "zone"
#define ZONE_NET_DEFAULT_BRIDGE  "zone0"
#define ZONE_NET_NAME_MAX        64
/* IFNAMSIZ, without <net/if.h> (which clashes with <linux/if.h> that libnl brings). */
#define ZONE_IFNAMSIZ 16

/* The net root to use: root when given, else $ZONE_NET_ROOT, else ZONE_NET_DEFAULT_ROOT. */
const char *zone_net_root(const char *root);

struct zone_network {
        char name[ZONE_NET_NAME_MAX];
        char bridge[ZONE_IFNAMSIZ];
        uint32_t subnet; /* host byte order */
        int prefix;
        uint32_t gateway; /* the bridge's address: the subnet's first */
};

/* "A.B.C.D/N" (host bits must be zero when strict). One error naming the text when malformed. */
int zone_cidr_parse(const char *s, bool strict, uint32_t *ret_addr, int *ret_prefix,
                    struct zone_err **err);
/* "A.B.C.D" of a host-order address into buf (at least INET_ADDRSTRLEN). */
const char *zone_ipv4_str(uint32_t addr, char *buf);

/* Defines a network. subnet NULL: the first /24 of 10.88.0.0/16, then of 172.30.0.0/16, that
 * no route of the current network namespace and no other network overlaps; bridge NULL:
 * ZONE_NET_DEFAULT_BRIDGE. -EEXIST when the name or the bridge is taken, -EINVAL for a bad
 * name, CIDR (prefix 8..30) or bridge name (at most ZONE_IFNAMSIZ-1 bytes). */
int zone_network_create(const char *root, const char *name, const char *subnet, const char *bridge,
                        struct zone_network *ret, struct zone_err **err);
/* Removes a network's definition and its bridge; -EBUSY while a live zone holds a lease. */
int zone_network_remove(const char *root, const char *name, struct zone_err **err);
int zone_network_list(const char *root, struct zone_network **ret, size_t *ret_n,
                      struct zone_err **err);

struct zone_lease {
        char *id;
        char *name; /* the host name written to the network's /etc/hosts files */
        uint32_t addr;
        char veth[ZONE_IFNAMSIZ]; /* the host end */
        char *netns;              /* the zone's namespace: "/proc/PID/ns/net" or a bind mount */
        uint64_t netns_ino;       /* its inode when leased: the holder is alive while they match */
        uint64_t host_ino;        /* the namespace the bridge and veth live in */
        char *rootfs;             /* where etc/hosts is kept current; NULL for none */
        bool nat;                 /* has NAT rules of its own (published ports) to remove */
};

int zone_lease_list(const char *root, const char *network, struct zone_lease **ret, size_t *ret_n,
                    struct zone_err **err);
void zone_leases_free(struct zone_lease *l, size_t n);
/* The lease's zone still has the network namespace it was given. */
bool zone_lease_alive(const struct zone_lease *l);

/* A zone to attach in bridge mode. */
struct zone_net_attach {
        const char *id;
        const char *network;           /* NULL: ZONE_NET_DEFAULT_NETWORK, made on first use */
        const char *netns;             /* path of the zone's network namespace */
        const char *rootfs;            /* NULL: no /etc/hosts or /etc/resolv.conf written */
        const char *hostname;          /* NULL: the id */
        const char *resolv_conf;       /* NULL: the host's /etc/resolv.conf */
        const struct zone_port *ports; /* published ports, for zone_nat_add */
        size_t n_ports;
};

/* Leases an address, makes the bridge when missing, the veth pair (eth0 in the zone), the
 * address and default route, lo up, the NAT rules, and rewrites the network's hosts files.
 * On error nothing of it is left. ret_addr (may be NULL) gets the address. */
int zone_net_attach(const char *root, const struct zone_net_attach *a, uint32_t *ret_addr,
                    struct zone_err **err);
/* Undoes zone_net_attach for id (no lease: 0): the host veth, the lease, the NAT rules. The
 * bridge stays with its network (zone_network_remove takes it): making and deleting it with
 * every first and last zone would cost each start and stop tens of milliseconds. */
int zone_net_detach(const char *root, const char *id, struct zone_err **err);
/* Mode none: lo up in the namespace at netns. */
int zone_net_loopback(const char *netns, struct zone_err **err);

struct zone_net_gc_stats {
        size_t leases, links, nat;
};
/* Releases the leases of zones that are gone, deletes the host veths on the root's bridges
 * that no live lease names and the NAT rules of zones without a live lease. */
int zone_net_gc(const char *root, struct zone_net_gc_stats *ret, struct zone_err **err);
