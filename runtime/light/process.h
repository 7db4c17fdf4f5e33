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

/* Checks linux.sysctl without touching anything (for `create`, on the host side): every key
 * must belong to a namespace the zone owns (ipc: kernel.msg* kernel.sem kernel.shm*
 * fs.mqueue.*, network: net.*, uts: kernel.hostname kernel.domainname), and a joined namespace
 * must not be the host's. */
int light_sysctl_validate(const struct zone_spec *spec, struct zone_err **err);
/* Checks linux.personality (domain and flags) without applying it. */
int light_personality_validate(const struct zone_spec *spec, struct zone_err **err);
/* Checks what light_process_apply() would refuse before anything is changed: capability
 * names, an absolute cwd, non-empty args. */
int light_process_validate(const struct zone_spec_process *p, struct zone_err **err);
/* The PATH lookup before the zone's program is exec'd (light_trampoline_exec): args[0] as is when
 * it holds a '/', else the first executable regular file in process.env's PATH. *ret is malloc'd.
 * Fails with `exec "foo": executable file not found in $PATH`. */
int light_process_lookup(const struct zone_spec_process *p, char **ret, struct zone_err **err);
