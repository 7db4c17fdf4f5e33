/* AppArmor profiles and SELinux labels for the zone's process. Applied only when the host runs
 * that LSM; otherwise ignored with a debug line, as runc does. */
#pragma once

#include <stdbool.h>

struct zone_spec_process;
struct zone_log;
struct zone_err;

struct light_lsm {
        bool apparmor; /* AppArmor is enabled on the host */
        bool selinux;  /* SELinux is enabled on the host (also gates linux.mountLabel) */
};

/* Host side, before the zone's process exists: which LSMs are on (logs what will be ignored). */
void light_lsm_detect(const struct zone_spec_process *p, const struct zone_log *log,
                      struct light_lsm *ret);
/* Zone side, after the root was entered and before privileges are dropped: the profile and
 * label the next execve takes, written through verified procfs handles. */
int light_lsm_apply(const struct zone_spec_process *p, const struct light_lsm *lsm,
                    struct zone_err **err);
