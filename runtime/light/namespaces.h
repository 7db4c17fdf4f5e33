/* Which namespaces a light zone creates and which it joins, and the steps that do it. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct zone_spec;
struct zone_err;

#define LIGHT_NS_MAX 8

struct light_ns_plan {
        int clone_flags;   /* new namespaces made by clone3 */
        int unshare_flags; /* new namespaces made after joining a user namespace */
        int late_flags;    /* new namespaces made once the creator placed the process: the
                            * cgroup namespace, so its root is the zone's cgroup */
        bool new_user, join_user, new_time;
        int join_fd[LIGHT_NS_MAX]; /* joined by the zone's process, in setns order */
        int join_type[LIGHT_NS_MAX];
        int n_join;
        int pid_fd;  /* joined pid namespace (the creator enters it around the clone), or -1 */
        int time_fd; /* joined time namespace, likewise, or -1 */
};

/* Opens every namespace path of the config and decides the flags. Errors name the entry:
 * "linux.namespaces: open network namespace /x: ENOENT". */
int light_ns_plan_make(const struct zone_spec *spec, struct light_ns_plan *plan,
                       struct zone_err **err);
void light_ns_plan_done(struct light_ns_plan *plan);

/* Creator side: clone3 the zone's first process with the plan's flags, entering joined pid
 * and time namespaces (and creating a time namespace with its offsets) around the clone only.
 * cgroup_fd >= 0: the process starts in that cgroup2 directory (CLONE_INTO_CGROUP) where the
 * kernel can; *ret_in_cgroup says whether it did. Returns the pid (0 in the child) and a pidfd
 * in the creator. */
pid_t light_ns_clone(const struct zone_spec *spec, const struct light_ns_plan *plan, int cgroup_fd,
                     bool *ret_in_cgroup, int *ret_pidfd, struct zone_err **err);
/* Creator side: writes uid_map and gid_map of a new user namespace. */
int light_ns_write_idmaps(const struct zone_spec *spec, pid_t pid, struct zone_err **err);

/* Zone side: joins the plan's namespaces (user first) and makes the rest. */
int light_ns_join(const struct light_ns_plan *plan, struct zone_err **err);

/* For exec: opens the namespaces of pid that differ from the caller's. */
int light_ns_plan_of_pid(pid_t pid, struct light_ns_plan *plan, struct zone_err **err);
