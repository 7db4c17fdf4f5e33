/* What the files of netns/ share among themselves (not part of the library's interface). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netns/net.h"

struct nl_sock;

/* store.c: the net root, locked for the whole of an operation. */
struct net_store {
        int dirfd;
        int lockfd;
        const char *root;
};

/* Opens (create: makes) the root and takes its lock; -ENOENT when it does not exist and
 * create is false. */
int net_store_open(const char *root, bool create, struct net_store *ret, struct zone_err **err);
void net_store_close(struct net_store *s);
int net_name_validate(const char *name, struct zone_err **err);
/* -ENOENT (with a message naming it) when there is no such network. */
int net_network_read(struct net_store *s, const char *name, struct zone_network *ret,
                     struct zone_err **err);
int net_network_write(struct net_store *s, const struct zone_network *n, struct zone_err **err);
int net_network_unlink(struct net_store *s, const char *name, struct zone_err **err);
int net_network_list(struct net_store *s, struct zone_network **ret, size_t *ret_n,
                     struct zone_err **err);
/* A network without a lease file has no leases. */
int net_leases_read(struct net_store *s, const char *network, struct zone_lease **ret,
                    size_t *ret_n, struct zone_err **err);
/* Replaces the lease file atomically (none left: an empty list; the file stays). */
int net_leases_write(struct net_store *s, const char *network, const struct zone_lease *l, size_t n,
                     struct zone_err **err);
/* Removes the network's lease file (and its spare). */
int net_leases_unlink(struct net_store *s, const char *network, struct zone_err **err);
/* The inode of a network namespace file (0 when it cannot be read). */
uint64_t net_ns_ino(const char *path);

/* link.c: rtnetlink through libnl. Errors name the interface. */
int net_nl_open(struct nl_sock **ret, struct zone_err **err);
/* A socket in the namespace at netns (the calling thread goes there and back). */
int net_nl_open_in(const char *netns, struct nl_sock **ret, struct zone_err **err);
void net_nl_close(struct nl_sock *sk);
/* The bridge of n, made (up, with the gateway address) when missing. */
int net_bridge_ensure(struct nl_sock *sk, const struct zone_network *n, int *ret_ifindex,
                      unsigned *ret_mtu, bool *ret_created, struct zone_err **err);
/* ifindex of a link (0: none). */
int net_link_index(struct nl_sock *sk, const char *name, struct zone_err **err);
/* Deletes a link; a missing one is 0. */
int net_link_delete(struct nl_sock *sk, const char *name, struct zone_err **err);
/* A veth pair: host on the bridge (up), "eth0" made directly in the namespace nsfd. */
int net_veth_add(struct nl_sock *sk, const char *host, int bridge_ifindex, unsigned mtu, int nsfd,
                 struct zone_err **err);
/* Inside the zone (zsk): lo up, eth0 up with addr/prefix, default route via gateway. */
int net_zone_configure(struct nl_sock *zsk, uint32_t addr, int prefix, uint32_t gateway,
                       struct zone_err **err);
int net_loopback_up(struct nl_sock *zsk, struct zone_err **err);
/* Whether a route of the main table overlaps subnet/prefix. */
int net_routes_overlap(struct nl_sock *sk, uint32_t subnet, int prefix, bool *ret,
                       struct zone_err **err);
/* Names of the veths enslaved to bridge_ifindex. */
int net_bridge_veths(struct nl_sock *sk, int bridge_ifindex, char ***ret, struct zone_err **err);

/* hosts.c: /etc/hosts and /etc/resolv.conf inside a root filesystem. fresh: the zone has not
 * started (its own regular file may be overwritten in place rather than replaced). */
int net_hosts_write(const char *rootfs, const struct zone_lease *l, size_t n, bool fresh,
                    struct zone_err **err);
int net_resolv_write(const char *rootfs, const char *source, bool fresh, struct zone_err **err);
