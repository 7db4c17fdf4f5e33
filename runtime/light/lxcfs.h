/* LXCFS's /proc files for light zones: on a stock kernel, /proc/meminfo and its kind show the
 * host's memory and CPUs to every zone; LXCFS (a FUSE file system) serves them computed from
 * the reader's cgroups, and the zone's /proc gets them bind-mounted over its own. */
#pragma once

struct zone_spec;
struct zone_err;

/* Where LXCFS is mounted when nothing else is said (Debian's lxcfs.service). */
#define LXCFS_DEFAULT_DIR "/var/lib/lxcfs"
/* "false": none for this zone; an absolute path: LXCFS's mount point, which must serve
 * proc/meminfo; not given (or "true"): LXCFS_DEFAULT_DIR when LXCFS runs there, else none,
 * and none either when the kernel shows the zone its limits itself (LXCFS_KERNEL_VIEW is 1
 * and the zone has a cgroup namespace). */
#define LXCFS_ANNOTATION "org.zone.lxcfs"
/* The switch of the zone-aware /proc kernel patches (kernel-patches/host/). */
#define LXCFS_KERNEL_VIEW "/proc/sys/kernel/proc_cgroupns_view"

/* Checks the annotation's value (at create, before anything is made), naming it. */
int light_lxcfs_validate(const struct zone_spec *spec, struct zone_err **err);

/* Binds LXCFS's proc/{meminfo,cpuinfo,stat,uptime,diskstats,swaps,loadavg} over the zone's
 * /proc files (rootfd: the zone's root, its config's mounts done), when the zone mounts a
 * /proc and LXCFS runs. Files this LXCFS does not serve are left as they are. */
int light_lxcfs_bind(int rootfd, const struct zone_spec *spec, struct zone_err **err);
