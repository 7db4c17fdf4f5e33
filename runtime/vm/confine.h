/* QEMU confined like a light zone, so that an escape from the VMM lands in a zone and not on
 * the host: new mount, pid, ipc, uts and network namespaces, a root holding only what QEMU opens,
 * every capability dropped but the few 9p passthrough needs, and no_new_privs. QEMU's own seccomp
 * filter (-sandbox) is on its command line (qemu_cmd.c). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct zone_err;
struct vm_share;

/* What QEMU opens on the host, read from its command line (the one place that says it). */
struct vm_confine_plan {
        char *kernel, *initrd;
        char *share; /* the rootfs shared with virtio-9p */
        bool share_readonly;
        /* -fsdev id=share: the bind mounts' sources (share.h), or NULL. */
        char *share_dir;
        char *console; /* -serial file:, or NULL */
        bool kvm;      /* -accel kvm: /dev/kvm */
};

int vm_confine_plan_from_argv(char *const *argv, struct vm_confine_plan *ret,
                              struct zone_err **err);
void vm_confine_plan_done(struct vm_confine_plan *p);

/* The capabilities QEMU keeps (documented in runtime/vm/README.md). */
extern const int vm_confine_caps[];
extern const unsigned vm_confine_n_caps;

/* Used like fork() for QEMU's process: returns its pid, 0 in the child, -1 with errno when
 * the clone fails. The child is the init of a new pid namespace (so the pid returned is
 * QEMU's own once it execs), in new mount, ipc, uts and network namespaces, pivoted into a root
 * with only what argv names plus /usr and the libraries, and the bind mounts' sources of share
 * (NULL: none) in VM_SHARE_QEMU_DIR, with its capabilities dropped and no_new_privs set. A
 * child that cannot be confined writes why to log_fd and exits with 127: QEMU never runs
 * unconfined. */
pid_t vm_confine_fork(char *const *argv, const struct vm_share *share, int log_fd);
