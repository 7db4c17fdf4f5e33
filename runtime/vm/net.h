/* The host side of a vm or emulated zone's network. A zone whose config names a network
 * namespace by path (as podman gives it) gets, for each Ethernet interface that is up in that
 * namespace, a tap device beside it, joined to it both ways by tc (an ingress u32 match-all
 * filter with a mirred redirect on each), and a virtio-net device in the guest with the
 * interface's MAC, MTU, addresses and routes. QEMU gets the taps as descriptors only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct zone_spec;
struct zone_err;

#define VM_NET_MAX_LINKS 8
/* The zone's record of what it added, in its state directory, for delete. */
#define VM_NET_STATE "vm-net"

struct vm_net_link {
        char name[16];   /* the interface in the zone's namespace (and in the guest) */
        char mac[18];    /* its MAC, which the guest's device takes */
        int tap_fd;      /* the tap's queue, for QEMU */
        bool own_qdisc;  /* its ingress qdisc was made here (else only the filter was) */
        bool redirected; /* the zone's filter is on it */
};

struct vm_net {
        struct vm_net_link links[VM_NET_MAX_LINKS];
        size_t n_links;
        /* What the agent configures (annotation org.zone.vm.net of the guest's config), NULL
         * when the guest has no interface but loopback. */
        char *guest;
};

/* Connects the zone's network namespace, if its config names one by path, to taps; writes
 * VM_NET_STATE in state_dfd. Without a path (a new namespace) or without a network namespace,
 * the guest has loopback only and *ret stays empty. */
int vm_net_setup(const struct zone_spec *spec, int state_dfd, struct vm_net *ret,
                 struct zone_err **err);
/* Closes the taps' descriptors and frees the description. */
void vm_net_done(struct vm_net *n);
/* Removes the filters and qdiscs VM_NET_STATE records, if that namespace is still there (the
 * taps went with QEMU). */
int vm_net_teardown(int state_dfd, struct zone_err **err);
