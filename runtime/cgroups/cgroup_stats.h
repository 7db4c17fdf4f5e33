/* Reading a zone's resource usage from its cgroup (v1, v2 and hybrid), and its OOM event
 * source. Used by every backend: the light one for the zone's own cgroup, a VM one for the
 * cgroup its QEMU process runs in. Not on the create/start path. */
#pragma once

#include <stdint.h>

#include "cgroups/cgroup.h"
#include "stats.h"

/* Fills *ret (zeroed first; zone_stats_done frees it). Each controller is read from its v1
 * hierarchy where one holds it, else from cgroup2. A controller or file the host does not have
 * leaves its group absent; only a file that is there but cannot be read or parsed is an
 * error. */
int zone_cgroup_stats(struct zone_cgroup *cg, struct zone_stats *ret, struct zone_err **err);

/* OOM notifications of a cgroup: v1 an eventfd registered through cgroup.event_control on
 * memory.oom_control, v2 inotify on memory.events. -EOPNOTSUPP when no memory controller
 * holds the cgroup. */
struct zone_cgroup_oom;
int zone_cgroup_oom_open(struct zone_cgroup *cg, struct zone_cgroup_oom **ret,
                         struct zone_err **err);
/* Polls readable when something may have happened. */
int zone_cgroup_oom_fd(const struct zone_cgroup_oom *oom);
/* After the fd polled readable: how many OOMs happened since the last call (0 for a
 * notification that was not one, e.g. another memory.events key changing). */
int zone_cgroup_oom_read(struct zone_cgroup_oom *oom, uint64_t *ret_n, struct zone_err **err);
void zone_cgroup_oom_free(struct zone_cgroup_oom *oom);
