/* The QEMU command line of a vm or emulated zone, built from plain values so it can be
 * tested without QEMU. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zone_err;

/* A virtio-net device on a tap QEMU has as a descriptor (no vhost: no /dev/vhost-net). */
struct vm_qemu_nic {
        int fd;
        const char *mac;
};

struct vm_qemu_config {
        bool kvm;           /* -accel kvm, else tcg */
        const char *kernel; /* direct kernel boot */
        const char *initrd; /* the agent's initramfs */
        const char *rootfs; /* the zone's root, shared with virtio-9p */
        bool root_readonly;
        unsigned mem_mib;
        unsigned vcpus;
        unsigned long tsc_khz;   /* the host's TSC frequency; 0: not given to the guest */
        int agent_fd;            /* QEMU's end of the agent's stream socket */
        const char *console_log; /* NULL: the guest has no console */
        const struct vm_qemu_nic *nics;
        size_t n_nics;
};

/* Guest RAM for a zone: the memory limit (bytes, <= 0 when unset) rounded up to MiB plus
 * the guest kernel's and agent's own share, or a default when there is no limit. */
#define VM_MEM_OVERHEAD_MIB 64u
#define VM_MEM_DEFAULT_MIB  256u
unsigned vm_guest_mem_mib(int64_t limit);
/* vCPUs for a zone: ceil(quota / period) when both are set (at most host_cpus), else 1. */
unsigned vm_guest_vcpus(int64_t quota, uint64_t period, unsigned host_cpus);

/* QEMU's seccomp filter (-sandbox), with every optional deny this QEMU (7.2) knows. */
#define VM_QEMU_SANDBOX "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

/* The argv (NULL-terminated, strv) to exec. */
int vm_qemu_argv(const struct vm_qemu_config *c, char ***ret, struct zone_err **err);
