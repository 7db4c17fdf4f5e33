/* zone-oci events [--stats] [--interval DURATION] ID: the zone's resource usage and OOMs as
 * runc prints them, one JSON object a line: {"type":"stats","id":ID,"data":{...}} and
 * {"type":"oom","id":ID}. --stats prints one stats object; otherwise stats come every interval
 * (default 5s) and OOMs as they happen, until the zone stops. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_gen.h>

#include "cli.h"
#include "stats.h"

static void gen_str(yajl_gen g, const char *s)
{
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/* yajl_gen_integer is signed: UINT64_MAX (no limit) must be written as a number string. */
static void gen_u64(yajl_gen g, uint64_t v)
{
        char buf[24];
        int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
        yajl_gen_number(g, buf, (size_t)n);
}

/* A field runc tags omitempty: left out when zero. */
static void gen_opt(yajl_gen g, const char *key, uint64_t v)
{
        if (!v)
                return;
        gen_str(g, key);
        gen_u64(g, v);
}

static void gen_field(yajl_gen g, const char *key, uint64_t v)
{
        gen_str(g, key);
        gen_u64(g, v);
}

static void gen_cpu(yajl_gen g, const struct zone_stats *s)
{
        gen_str(g, "cpu");
        yajl_gen_map_open(g);
        if (s->cpu.present) {
                gen_str(g, "usage");
                yajl_gen_map_open(g);
                gen_opt(g, "total", s->cpu.total);
                if (s->cpu.n_percpu) {
                        gen_str(g, "percpu");
                        yajl_gen_array_open(g);
                        for (size_t i = 0; i < s->cpu.n_percpu; i++)
                                gen_u64(g, s->cpu.percpu[i]);
                        yajl_gen_array_close(g);
                }
                gen_field(g, "kernel", s->cpu.kernel);
                gen_field(g, "user", s->cpu.user);
                yajl_gen_map_close(g);
        }
        if (s->cpu.has_throttling) {
                gen_str(g, "throttling");
                yajl_gen_map_open(g);
                gen_opt(g, "periods", s->cpu.periods);
                gen_opt(g, "throttledPeriods", s->cpu.throttled_periods);
                gen_opt(g, "throttledTime", s->cpu.throttled_time);
                yajl_gen_map_close(g);
        }
        yajl_gen_map_close(g);
}

static void gen_memory_entry(yajl_gen g, const char *key, uint64_t limit, uint64_t usage,
                             uint64_t max, uint64_t failcnt)
{
        gen_str(g, key);
        yajl_gen_map_open(g);
        gen_field(g, "limit", limit);
        gen_opt(g, "usage", usage);
        gen_opt(g, "max", max);
        gen_field(g, "failcnt", failcnt);
        yajl_gen_map_close(g);
}

static void gen_memory(yajl_gen g, const struct zone_stats *s)
{
        gen_str(g, "memory");
        yajl_gen_map_open(g);
        if (s->memory.present) {
                gen_opt(g, "cache", s->memory.cache);
                gen_memory_entry(g, "usage", s->memory.limit, s->memory.usage, s->memory.max_usage,
                                 s->memory.failcnt);
                if (s->memory.has_swap)
                        gen_memory_entry(g, "swap", s->memory.swap_limit, s->memory.swap_usage,
                                         s->memory.swap_max_usage, s->memory.swap_failcnt);
                if (s->memory.n_raw) {
                        gen_str(g, "raw");
                        yajl_gen_map_open(g);
                        for (size_t i = 0; i < s->memory.n_raw; i++)
                                gen_field(g, s->memory.raw[i].key, s->memory.raw[i].value);
                        yajl_gen_map_close(g);
                }
        }
        yajl_gen_map_close(g);
}

static void gen_blkio_list(yajl_gen g, const char *key, const struct zone_stats_blkio_entry *e,
                           size_t n)
{
        if (!n)
                return;
        gen_str(g, key);
        yajl_gen_array_open(g);
        for (size_t i = 0; i < n; i++) {
                yajl_gen_map_open(g);
                gen_opt(g, "major", e[i].major);
                gen_opt(g, "minor", e[i].minor);
                if (e[i].op[0]) {
                        gen_str(g, "op");
                        gen_str(g, e[i].op);
                }
                gen_opt(g, "value", e[i].value);
                yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
}

static void gen_stats_data(yajl_gen g, const struct zone_stats *s)
{
        yajl_gen_map_open(g);
        gen_cpu(g, s);
        gen_memory(g, s);
        gen_str(g, "pids");
        yajl_gen_map_open(g);
        gen_opt(g, "current", s->pids.current);
        gen_opt(g, "limit", s->pids.limit);
        yajl_gen_map_close(g);
        gen_str(g, "blkio");
        yajl_gen_map_open(g);
        gen_blkio_list(g, "ioServiceBytesRecursive", s->blkio.service_bytes,
                       s->blkio.n_service_bytes);
        gen_blkio_list(g, "ioServicedRecursive", s->blkio.serviced, s->blkio.n_serviced);
        yajl_gen_map_close(g);
        gen_str(g, "hugetlb");
        yajl_gen_map_open(g);
        for (size_t i = 0; i < s->n_hugetlb; i++) {
                gen_str(g, s->hugetlb[i].page_size);
                yajl_gen_map_open(g);
                gen_opt(g, "usage", s->hugetlb[i].usage);
                gen_opt(g, "max", s->hugetlb[i].max);
                gen_field(g, "failcnt", s->hugetlb[i].failcnt);
                yajl_gen_map_close(g);
        }
        yajl_gen_map_close(g);
        yajl_gen_map_close(g);
}

/* Prints one event line; s is NULL for an OOM. */
static int print_event(const char *type, const char *id, const struct zone_stats *s)
{
        yajl_gen g = yajl_gen_alloc(NULL);
        if (!g)
                return -ENOMEM;
        yajl_gen_map_open(g);
        gen_str(g, "type");
        gen_str(g, type);
        gen_str(g, "id");
        gen_str(g, id);
        if (s) {
                gen_str(g, "data");
                gen_stats_data(g, s);
        }
        yajl_gen_map_close(g);
        const unsigned char *buf;
        size_t len;
        yajl_gen_get_buf(g, &buf, &len);
        printf("%.*s\n", (int)len, (const char *)buf);
        yajl_gen_free(g);
        return fflush(stdout) == 0 ? 0 : -errno;
}

/* A Go duration ("5s", "500ms", "1m30s", "1.5s") in milliseconds; -1 when it is not one. */
static long long parse_duration_ms(const char *s)
{
        static const struct {
                const char *unit;
                double ms;
        } units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"\xc2\xb5s", 1e-3}, {"ms", 1},
                     {"s", 1e3},   {"m", 60e3},  {"h", 3600e3}};
        double total = 0;
        if (!*s)
                return -1;
        while (*s) {
                char *end;
                if ((*s < '0' || *s > '9') && *s != '.')
                        return -1;
                double v = strtod(s, &end);
                if (end == s)
                        return -1;
                s = end;
                size_t best = 0, best_len = 0;
                for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
                        size_t n = strlen(units[i].unit);
                        if (!strncmp(s, units[i].unit, n) && n > best_len) {
                                best = i;
                                best_len = n;
                        }
                }
                if (!best_len)
                        return -1;
                total += v * units[best].ms;
                s += best_len;
        }
        if (total > 1e12)
                return -1;
        long long ms = (long long)total;
        return ms < total ? ms + 1 : ms; /* 100us is 1ms, not 0 */
}

static int stream(struct zone_ctx *ctx, const char *id, long long interval_ms)
{
        struct zone_err *err = NULL;
        struct zone_events *ev = NULL;
        if (zone_events_open(ctx, id, &ev, &err) < 0)
                return cli_fail(ctx, err);
        int rc = 0;
        long long left = interval_ms;
        for (;;) {
                enum zone_event e;
                struct timespec t0, t1;
                clock_gettime(CLOCK_MONOTONIC, &t0);
                if (zone_events_wait(ev, (int)left, &e, &err) < 0) {
                        rc = cli_fail(ctx, err);
                        break;
                }
                if (e == ZONE_EVENT_STOPPED)
                        break;
                if (e == ZONE_EVENT_OOM) {
                        clock_gettime(CLOCK_MONOTONIC, &t1);
                        left -=
                            (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
                        if (left < 0)
                                left = 0;
                        if (print_event("oom", id, NULL) < 0)
                                break;
                        continue;
                }
                left = interval_ms;
                struct zone_stats s;
                int r = zone_stats(ctx, id, &s, &err);
                /* Stopped or deleted since the last look: the stream is over. */
                if (r == -ESRCH || r == -ENOENT) {
                        zone_err_free(err);
                        err = NULL;
                        break;
                }
                if (r < 0) {
                        rc = cli_fail(ctx, err);
                        break;
                }
                r = print_event("stats", id, &s);
                zone_stats_done(&s);
                if (r < 0)
                        break; /* the reader went away */
        }
        zone_events_free(ev);
        return rc;
}

int cmd_events(struct zone_ctx *ctx, int argc, char **argv)
{
        bool stats = false, help = false;
        const char *interval = "5s";
        const struct opt opts[] = {
            {"stats", 0, OPT_BOOL, &stats, "print the zone's stats once and exit"},
            {"interval", 0, OPT_STRING, &interval, "time between stats (default 5s)"},
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        const char *usage = "[options] ID";
        int i = cli_parse("events", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("events", usage, opts), 0;
        if (cli_positionals("events", usage, argc - i, 1, 1) < 0)
                return 1;
        const char *id = argv[i];
        long long interval_ms = parse_duration_ms(interval);
        if (interval_ms <= 0 || interval_ms > INT32_MAX) {
                fprintf(stderr,
                        "zone-oci events: --interval \"%s\": expected a duration greater than 0, "
                        "such as 5s or 500ms\n",
                        interval);
                return 1;
        }
        if (!stats)
                return stream(ctx, id, interval_ms);
        struct zone_err *err = NULL;
        struct zone_stats s;
        if (zone_stats(ctx, id, &s, &err) < 0)
                return cli_fail(ctx, err);
        int r = print_event("stats", id, &s);
        zone_stats_done(&s);
        if (r < 0) {
                fprintf(stderr, "zone-oci events: write stats: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
