/* Shared between the cgroup manager's files; not part of libzone's API. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cgroups/cgroup.h"

/* One hierarchy's copy of the zone's cgroup. */
struct zone_cgroup_dir {
        char *mountpoint;  /* "/sys/fs/cgroup/memory" */
        char *controllers; /* "cpu,cpuacct" for v1, the cgroup.controllers list for v2 */
        bool v2;
        char *dir;      /* mountpoint + path */
        size_t created; /* how many trailing path levels this zone created (0: none) */
};

struct zone_cgroup {
        char *path; /* "/zone/abc" */
        struct zone_cgroup_dir *dirs;
        size_t n_dirs;
};

/* A relative linux.cgroupsPath rel under the runtime's own cgroup, from /proc/self/cgroup's
 * text: "/own/rel", normalised. Refused when the runtime is not in the same cgroup in every
 * hierarchy (the "0::" line counts only when v2_mounted). */
int cgroup_relative_path(const char *self_cgroup, bool v2_mounted, const char *rel, char **ret,
                         struct zone_err **err);

/* True when controller (e.g. "cpu") is in a comma- or space-separated list. */
bool cgroup_has_controller(const char *list, const char *controller);
/* The v1 directory holding controller, or NULL. */
struct zone_cgroup_dir *cgroup_v1_dir(struct zone_cgroup *cg, const char *controller);
/* The cgroup2 directory, or NULL. */
struct zone_cgroup_dir *cgroup_v2_dir(struct zone_cgroup *cg);
/* Writes s to dir/file; the error names the file and the value. */
int cgroup_write(const char *dir, const char *file, const char *s, struct zone_err **err);
/* cgroup_write for a linux.resources value: the error names the field, the value and the file. */
int cgroup_write_field(const char *dir, const char *file, const char *value, const char *field,
                       struct zone_err **err);
/* Reads dir/file (trailing newline stripped). -errno, without setting err. */
int cgroup_read(const char *dir, const char *file, char **ret);

/* Apply res to the v1 hierarchies (cgroup_v1.c) or the cgroup2 one (cgroup_v2.c). Each only
 * handles the controllers v1 does not: on hybrid hosts v1 wins. update: the cgroup is live
 * (zone-oci update), not freshly made. */
int cgroup_v1_apply(struct zone_cgroup *cg, const struct zone_spec_resources *res, bool update,
                    struct zone_err **err);
int cgroup_v2_apply(struct zone_cgroup *cg, const struct zone_spec_resources *res, bool update,
                    struct zone_err **err);
/* linux.resources.devices (cgroup_devices.c): the v1 devices lists, or on cgroup2 an eBPF
 * device program attached to the zone's cgroup. */
int cgroup_devices_apply(struct zone_cgroup *cg, const struct zone_spec_resources *res, bool update,
                         struct zone_err **err);
/* v1 cpuset: a new cgroup starts with no CPUs or memory nodes; copy them from the parent. */
int cgroup_v1_cpuset_inherit(const char *dir, struct zone_err **err);
