/* A zone's resource usage (zone-oci events): CPU, memory, pids, block I/O, hugetlb and OOM
 * counts as its cgroup reports them, and the event stream (OOM, zone stopped) that
 * `events` follows. Every backend fills the same struct: the light one from the zone's cgroup,
 * a VM one from the cgroup its QEMU process lives in. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "zone.h"

/* One line of v1 blkio.*_recursive or one key of v2 io.stat: op is "Read", "Write", ... */
struct zone_stats_blkio_entry {
        uint64_t major, minor;
        char op[16];
        uint64_t value;
};

/* One huge page size ("2MB", "1GB"). */
struct zone_stats_hugetlb {
        char page_size[16];
        uint64_t usage;
        uint64_t max; /* highest usage: v1 only (0 on cgroup2) */
        uint64_t failcnt;
};

/* One key of memory.stat. */
struct zone_stats_kv {
        char *key;
        uint64_t value;
};

/* Every group has `present`: false when the host has no such controller for the zone (runc
 * then leaves its fields out), which is not the same as zero. Times are in nanoseconds,
 * sizes in bytes; a limit of UINT64_MAX means unlimited. */
struct zone_stats {
        struct {
                bool present;
                uint64_t total, user, kernel;
                uint64_t *percpu; /* v1 cpuacct.usage_percpu only */
                size_t n_percpu;
                bool has_throttling;
                uint64_t periods, throttled_periods, throttled_time;
        } cpu;
        struct {
                bool present;
                uint64_t usage, max_usage, limit, failcnt;
                bool has_max_usage; /* v1, or v2 with memory.peak */
                uint64_t cache, rss;
                bool has_swap; /* v1 memsw (memory + swap), v2 memory.swap.* (+ memory) */
                uint64_t swap_usage, swap_max_usage, swap_limit, swap_failcnt;
                struct zone_stats_kv *raw; /* memory.stat, in file order */
                size_t n_raw;
        } memory;
        struct {
                bool present;
                uint64_t current;
                uint64_t limit; /* 0: no limit (pids.max is "max") */
        } pids;
        struct {
                bool present;
                struct zone_stats_blkio_entry *service_bytes;
                size_t n_service_bytes;
                struct zone_stats_blkio_entry *serviced;
                size_t n_serviced;
        } blkio;
        struct zone_stats_hugetlb *hugetlb; /* only sizes the host's cgroup has files for */
        size_t n_hugetlb;
        /* The zone's own network namespace (/proc/net/dev), every interface but lo summed:
         * a light zone's from its init, a VM zone's from the namespace its config names, the
         * taps to the guest left out (each mirrors an interface counted already). Absent when
         * the zone shares the host's network. */
        struct {
                bool present;
                uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets;
        } net;
        struct {
                bool present;
                uint64_t oom;      /* times the cgroup hit its limit and went OOM (v2 only) */
                uint64_t oom_kill; /* processes the OOM killer killed in it */
        } oom;
};

/* Frees what a filled zone_stats holds and zeroes it; NULL and zeroed structs are fine. */
void zone_stats_done(struct zone_stats *s);

/* The stats of a running, paused or created zone. A stopped zone is an error (-ESRCH). */
int zone_stats(const struct zone_ctx *ctx, const char *id, struct zone_stats *ret,
               struct zone_err **err);

/* What `events` follows: OOMs in the zone's cgroup and the end of its process. The zone is
 * not kept locked between calls, so kill and delete work while it is followed. */
struct zone_events;

enum zone_event {
        ZONE_EVENT_TIMEOUT, /* nothing happened within the time given */
        ZONE_EVENT_OOM,
        ZONE_EVENT_STOPPED, /* the zone's process is gone */
};

int zone_events_open(const struct zone_ctx *ctx, const char *id, struct zone_events **ret,
                     struct zone_err **err);
/* Waits up to timeout_ms (-1: forever) for the next event. */
int zone_events_wait(struct zone_events *ev, int timeout_ms, enum zone_event *ret,
                     struct zone_err **err);
void zone_events_free(struct zone_events *ev);
