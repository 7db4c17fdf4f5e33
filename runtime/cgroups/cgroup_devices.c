/* linux.resources.devices: the v1 devices controller's lists, or an eBPF device program on
 * cgroup2. */
#include "cgroups/cgroup_internal.h"

int cgroup_devices_apply(struct zone_cgroup *cg, const struct zone_spec_resources *res,
                         bool update, struct zone_err **err)
{
        (void)cg;
        (void)res;
        (void)update;
        (void)err;
        return 0; /* filled in by the devices step */
}
