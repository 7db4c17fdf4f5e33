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
        /* The bind mounts' sources (share.h): a directory shared with a second virtio-9p
         * device, or NULL when the config has no bind to share. */
        const char *share_dir;
        bool share_readonly;
        unsigned mem_mib;
        unsigned vcpus;
        unsigned long tsc_khz;   /* the host's TSC frequency; 0: not given to the guest */
        int agent_fd;            /* QEMU's end of the agent's stream socket */
        int qmp_fd;              /* QEMU's end of its monitor's socket (QMP); 0: none */
        const char *console_log; /* NULL: the guest has no console */
        const struct vm_qemu_nic *nics;
        size_t n_nics;
};

/* Guest RAM for a zone: its memory limit (bytes, <= 0 when unset) rounded up to MiB, or a
 * default when there is no limit. The guest's kernel takes its share of that RAM, as a
 * machine's kernel does. */
#define VM_MEM_DEFAULT_MIB 256u
/* The least RAM the guest's kernel and agent boot and run a zone in. */
#define VM_MEM_MIN_MIB 96u
/* What QEMU uses on the host besides the guest's RAM (its code and heap, device and 9p
 * buffers, and under TCG its translation cache, tb-size=64): the zone's cgroup allows the
 * memory limit plus this much, so what the limit kills is the guest's process, in the guest,
 * not the VMM. Measured under TCG with the guest's RAM all in use (bench/vm.sh): 107 MiB at
 * -m 128M to 512M; KVM has no translation cache (not measured here: no KVM). */
#define VM_HOST_MEM_OVERHEAD_TCG_MIB 160u
#define VM_HOST_MEM_OVERHEAD_KVM_MIB 96u
unsigned vm_guest_mem_mib(int64_t limit);
/* vCPUs for a zone: ceil(quota / period) when a quota is set (period 0: the kernel's
 * default, 100 ms), at most the CPUs of `cpus` (a cpuset list like "0-3,5", NULL for none)
 * and at most host_cpus; the CPUs of `cpus` alone when only they are set; else 1. */
unsigned vm_guest_vcpus(int64_t quota, uint64_t period, const char *cpus, unsigned host_cpus);

/* QEMU's seccomp filter (-sandbox), with every optional deny this QEMU (7.2) knows. */
#define VM_QEMU_SANDBOX "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"

/* The argv (NULL-terminated, strv) to exec. */
int vm_qemu_argv(const struct vm_qemu_config *c, char ***ret, struct zone_err **err);
