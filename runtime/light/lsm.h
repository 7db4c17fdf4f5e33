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
/* Zone side, after the root was entered: opens the next-exec attribute through a handle
 * verified to be procfs and returns it with the value to write (*ret_fd -1: nothing to set).
 * zone-exec writes it just before it execs the program, so the label is the program's. */
int light_lsm_prepare(const struct zone_spec_process *p, const struct light_lsm *lsm, int *ret_fd,
                      char **ret_value, struct zone_err **err);
