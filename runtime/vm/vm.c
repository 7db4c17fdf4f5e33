/* The vm and emulated backends: a zone in a QEMU virtual machine (KVM for "vm", TCG for
 * "emulated") with a guest agent. Placeholder until the backend lands. */
#include <errno.h>

#include "../backend.h"

static int vm_create(struct zone *z, struct zone_err **err)
{
        return zone_err_set(err, -EOPNOTSUPP, "zone type \"%s\" is not available yet",
                            z->backend->name);
}

const struct zone_backend zone_backend_vm = {.name = "vm", .create = vm_create};
const struct zone_backend zone_backend_emulated = {.name = "emulated", .create = vm_create};
