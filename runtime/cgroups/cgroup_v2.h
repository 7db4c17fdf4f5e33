/* cgroup v2 value translations from the OCI (v1-shaped) resource fields, kept apart so they
 * can be tested on any host. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "spec.h"

/* cpu.shares (2..262144) -> cpu.weight (1..10000), the mapping runc and crun use so that the
 * default 1024 lands near the v2 default 100 ... and 1024 -> 39. 0 -> 0 (unset). */
uint64_t zone_cgroup_v2_weight(uint64_t shares);

/* cpu.max "QUOTA PERIOD": quota <= 0 (or unset) -> "max"; period unset -> the quota alone,
 * which keeps the cgroup's current period (100000 in a new one). */
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

/* blkio weight (10..1000) -> io.weight (1..10000), runc's linear mapping: 10 -> 1, 100 -> 910,
 * 1000 -> 10000. 0 -> 0 (unset). */
uint64_t zone_cgroup_v2_io_weight(uint16_t blkio_weight);

/* The io.max line for one device from the four blockIO throttle lists: "MAJ:MIN rbps=N
 * wbps=N riops=N wiops=N" with only the keys the lists give for it; a rate of 0 (v1's "no
 * limit") is "max". -ENOENT when no list names the device, -ENOSPC when buf is too small. */
int zone_cgroup_v2_io_max_line(const struct zone_spec_resources *res, int64_t major, int64_t minor,
                               char *buf, size_t len);

/* rdma.max line (the same on v1 and v2): "DEV hca_handle=N hca_object=M", "max" for what is
 * not given. */
void zone_cgroup_rdma_line(const struct zone_spec_rdma *rdma, char *buf, size_t len);
