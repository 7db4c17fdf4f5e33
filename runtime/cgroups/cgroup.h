/* The cgroup manager of a zone: where its cgroup lives, creating it with the spec's resource
 * limits, moving processes in, freezing, listing and destroying it. Works on cgroup v1, v2
 * and hybrid hosts (v1 controllers plus a cgroup2 mount). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "spec.h"

struct zone_cgroup;

/* The zone's cgroup path from linux.cgroupsPath: absolute paths normalised ("//a/./b/" ->
 * "/a/b"); relative ones placed under the runtime's own cgroup, as runc does (refused when that
 * differs between hierarchies); missing or empty -> "/zone/<id>"; ".." and the systemd form
 * ("slice:prefix:name") are refused. *ret is malloc'd. */
int zone_cgroup_path(const struct zone_spec *spec, const char *id, char **ret,
                     struct zone_err **err);

/* Creates path (mkdir -p) in every mounted hierarchy and applies res (may be NULL). Only the
 * levels this call created are removed by zone_cgroup_destroy. owner (may be NULL) marks each
 * leaf as this zone's (see zone_cgroup_open_owned). On error nothing is left. */
int zone_cgroup_create(const char *path, const struct zone_spec_resources *res, const char *owner,
                       struct zone_cgroup **ret, struct zone_err **err);

/* Opens an existing zone's cgroup. Only the leaf counts as created (destroy removes it and
 * none of its parents). -ENOENT when no hierarchy has it. */
int zone_cgroup_open(const char *path, struct zone_cgroup **ret, struct zone_err **err);
/* zone_cgroup_open, keeping only the hierarchies whose directory carries owner's mark (where
 * the host keeps marks): for cleaning up after a creator that died, when the path may have
 * been taken by another zone since. */
int zone_cgroup_open_owned(const char *path, const char *owner, struct zone_cgroup **ret,
                           struct zone_err **err);

/* Applies res to a live cgroup (zone-oci update): only the fields res has are written; the
 * checks that need the current values (memory.checkBeforeUpdate) are made. */
int zone_cgroup_update(struct zone_cgroup *cg, const struct zone_spec_resources *res,
                       struct zone_err **err);

/* Moves pid into the cgroup in every hierarchy. */
int zone_cgroup_enter(struct zone_cgroup *cg, pid_t pid, struct zone_err **err);

/* A process can be started in the cgroup2 directory directly (clone3 with CLONE_INTO_CGROUP):
 * no migration, so none of the RCU grace period the kernel waits for on the first migration
 * after a quiet while (5-15 ms). zone_cgroup_v2_fd gives that directory's fd (-ENOENT without
 * cgroup2); zone_cgroup_enter_v1 then moves such a process into the v1 hierarchies only. */
int zone_cgroup_v2_fd(struct zone_cgroup *cg);
int zone_cgroup_enter_v1(struct zone_cgroup *cg, pid_t pid, struct zone_err **err);

/* Freezes (or thaws) every process in the cgroup and waits until the kernel says it is done. */
int zone_cgroup_freeze(struct zone_cgroup *cg, bool frozen, struct zone_err **err);

/* The processes in the cgroup; *ret is malloc'd (NULL when *n is 0). */
int zone_cgroup_pids(struct zone_cgroup *cg, pid_t **ret, size_t *n, struct zone_err **err);

/* Kills what is left in the cgroup (SIGKILL, ~2 s at most) and removes the directories this
 * zone created, deepest first, in every hierarchy. */
int zone_cgroup_destroy(struct zone_cgroup *cg, struct zone_err **err);

/* The cgroup's path ("/zone/abc"). */
const char *zone_cgroup_get_path(const struct zone_cgroup *cg);

void zone_cgroup_free(struct zone_cgroup *cg);
static inline void zone_cgroup_freep(struct zone_cgroup **cg)
{
        zone_cgroup_free(*cg);
}
#define _cleanup_cgroup_ __attribute__((cleanup(zone_cgroup_freep)))
