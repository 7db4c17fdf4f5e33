/* Checks of linux.resources values that do not depend on the cgroup version, made before
 * anything is written so a bad config leaves no half-applied limits. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "spec.h"

/* 0, or -EINVAL with a one-line error naming the field and the value. */
int cgroup_validate(const struct zone_spec_resources *res, struct zone_err **err);

/* Whether the host has huge pages of the size the kernel's hugetlb controller names
 * page_size ("2MB", "1GB", "64KB"). */
bool cgroup_hugepage_size_known(const char *page_size);

/* memory.checkBeforeUpdate on a live cgroup: -EBUSY when limit (> 0) is below the current usage
 * read from dir/usage_file (memory.usage_in_bytes on v1, memory.current on v2). */
int cgroup_check_usage(const char *dir, const char *usage_file, int64_t limit,
                       struct zone_err **err);
