/* What the host prepares for a zone's guest: the kernel and initramfs it boots, and the
 * config.json the agent runs the zone from inside the guest. */
#pragma once

#include <stddef.h>

struct zone_spec;
struct zone_err;

/* The files are found, in this order: the annotations org.zone.vm.kernel and
 * org.zone.vm.initrd; when neither is given, zone-kernel/bzImage and
 * zone-kernel/initramfs.cpio.gz (the zone kernel, kernel-patches/guest/) in vm/ beside the
 * runtime's binary, in ../vm/ (a build tree's asan/ binary) or in ../lib/zone/vm/ (an
 * installed one); then vmlinuz (Debian's kernel) and initramfs.cpio.gz in the same places.
 * An annotated kernel that is not a bzImage is refused (-ENOEXEC). */
int vm_guest_files(const struct zone_spec *spec, char **ret_kernel, char **ret_initrd,
                   struct zone_err **err);

/* Refuses what a zone in a VM cannot have (yet), naming the field. */
int vm_guest_validate(const struct zone_spec *spec, const char *type, struct zone_err **err);

/* The config the agent gets: the zone's own, with the root the agent mounts from the host
 * ("rootfs", relative to the guest's bundle), the guest's cgroup, sources[i] (when not NULL;
 * sources may be NULL) as mounts[i].source (a bind's source shared with the guest, share.h),
 * and without what stays on the host: hooks (the runtime runs them there), resources (the
 * host cgroup holds QEMU, the guest's RAM is the memory limit) and the network namespace (the
 * zone's process has the guest's network). net, if not NULL, is the guest's network (net.h),
 * given to the agent as the annotation VM_NET_ANNOTATION. */
int vm_guest_config(const struct zone_spec *spec, char *const *sources, const char *net, char **ret,
                    size_t *ret_len, struct zone_err **err);
