/* cgroup v2 value translations from the OCI (v1-shaped) resource fields, kept apart so they
 * can be tested on any host. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* cpu.shares (2..262144) -> cpu.weight (1..10000), the mapping runc and crun use so that the
 * default 1024 lands near the v2 default 100 ... and 1024 -> 39. 0 -> 0 (unset). */
uint64_t zone_cgroup_v2_weight(uint64_t shares);

/* cpu.max "QUOTA PERIOD": quota <= 0 (or unset) -> "max", period unset -> 100000. */
int zone_cgroup_v2_cpu_max(bool has_quota, int64_t quota, bool has_period, uint64_t period,
                           char *buf, size_t len);

/* A v2 memory value: -1 (or any negative) -> "max", else the number. */
void zone_cgroup_v2_memory_value(int64_t v, char *buf, size_t len);

/* memory.swap.max from the OCI swap (memory+swap, as v1's memsw) and memory limit: the swap
 * alone. *ret is -1 for "max"; *set false when nothing should be written. */
int zone_cgroup_v2_swap(int64_t swap, int64_t limit, int64_t *ret, bool *set,
                        struct zone_err **err);

/* pids.max: <= 0 -> "max". */
void zone_cgroup_v2_pids_max(int64_t limit, char *buf, size_t len);
