/* The process side of a light zone: what is applied to the container's process (init or exec)
 * just before it becomes the user's program. Runs inside all the zone's namespaces, after the
 * root filesystem has been entered. */
#pragma once

#include <sys/types.h>

struct zone_spec;
struct zone_spec_process;
struct zone_err;

/* hostname and domainname (needs the UTS namespace; called only when the zone has one). */
int light_set_names(const struct zone_spec *spec, struct zone_err **err);
/* linux.sysctl through /proc/sys, refusing keys that do not belong to a namespace the zone
 * owns (as runc validates). */
int light_apply_sysctl(const struct zone_spec *spec, struct zone_err **err);
/* linux.personality. */
int light_apply_personality(const struct zone_spec *spec, struct zone_err **err);
/* process.oomScoreAdj, written to /proc/PID/oom_score_adj (pid 0 = self). */
int light_apply_oom_score_adj(const struct zone_spec_process *p, pid_t pid, struct zone_err **err);

/* Everything else, in the order that keeps it working: rlimits, umask, cwd, bounding set,
 * groups and uid/gid (keeping capabilities across the switch), the four other capability sets,
 * no_new_privs. Errors name the setting ("process.capabilities.bounding: unknown capability
 * CAP_FOO"). */
int light_process_apply(const struct zone_spec_process *p, struct zone_err **err);

/* Looks args[0] up in process.env's PATH (default PATH when unset) and execve()s it with
 * process.env. Returns only on failure ("exec /bin/foo: ENOENT"). */
int light_process_exec(const struct zone_spec_process *p, struct zone_err **err);
