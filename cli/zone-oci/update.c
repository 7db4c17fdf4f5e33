/* zone-oci update [flags] ID, or update -r FILE|- ID: changes a zone's resource limits with
 * runc's flags, or from a linux.resources JSON object. Values are read here; their ranges
 * are libzone's to check. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "spec.h"
#include "util.h"

#define RESOURCES_MAX (16u << 20)

static int bad_value(const char *flag, const char *val, const char *want)
{
        fprintf(stderr, "zone-oci update: --%s \"%s\": %s\n", flag, val, want);
        return -1;
}

static int parse_u64(const char *flag, const char *val, uint64_t *ret)
{
        char *end;
        errno = 0;
        unsigned long long v = strtoull(val, &end, 10);
        if (errno || end == val || *end || val[0] == '-' || val[0] == '+' || val[0] == ' ')
                return bad_value(flag, val, "expected a non-negative integer");
        *ret = v;
        return 0;
}

static int parse_i64(const char *flag, const char *val, int64_t *ret)
{
        char *end;
        errno = 0;
        long long v = strtoll(val, &end, 10);
        if (errno || end == val || *end || val[0] == ' ')
                return bad_value(flag, val, "expected an integer");
        *ret = v;
        return 0;
}

/* A memory size as runc takes it: "-1" (unlimited), or a number with an optional binary unit
 * ("512m", "1.5g", "1024", "2GiB", "64 kb"). */
static int parse_size(const char *flag, const char *val, int64_t *ret)
{
        static const char units[] = "kmgtp";
        const char *want = "expected -1 (unlimited) or a size like 512m or 1g";
        if (strcmp(val, "-1") == 0) {
                *ret = -1;
                return 0;
        }
        const char *p = val;
        while (*p >= '0' && *p <= '9')
                p++;
        if (p == val)
                return bad_value(flag, val, want);
        if (*p == '.') {
                const char *frac = ++p;
                while (*p >= '0' && *p <= '9')
                        p++;
                if (p == frac)
                        return bad_value(flag, val, want);
        }
        size_t digits = (size_t)(p - val);
        if (*p == ' ')
                p++;
        double mult = 1;
        const char *u = *p ? strchr(units, *p | 0x20) : NULL;
        if (u) {
                mult = (double)(1ULL << (10 * (u - units + 1)));
                p++;
                if ((*p | 0x20) == 'i')
                        p++;
        }
        if ((*p | 0x20) == 'b')
                p++;
        if (*p)
                return bad_value(flag, val, want);
        char num[64];
        if (digits >= sizeof(num))
                return bad_value(flag, val, "too large");
        memcpy(num, val, digits);
        num[digits] = '\0';
        double v = strtod(num, NULL) * mult;
        if (!(v < 9.2e18))
                return bad_value(flag, val, "too large");
        *ret = (int64_t)v;
        return 0;
}

static int load_resources(const char *file, struct zone_spec_resources *res)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        bool in = strcmp(file, "-") == 0;
        int r = in ? read_all(STDIN_FILENO, RESOURCES_MAX, &text, &len)
                   : read_file_at(AT_FDCWD, file, RESOURCES_MAX, &text, &len);
        if (r < 0) {
                fprintf(stderr, "zone-oci update: --resources %s: %s\n", in ? "(stdin)" : file,
                        r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
                return -1;
        }
        struct zone_err *err = NULL;
        if (zone_spec_parse_resources(text, len, in ? "stdin" : file, res, &err) < 0) {
                fprintf(stderr, "zone-oci update: %s\n", err->msg);
                zone_err_free(err);
                return -1;
        }
        return 0;
}

struct flags {
        const char *blkio_weight, *cpu_period, *cpu_quota, *cpu_burst, *cpu_share, *cpu_rt_period,
            *cpu_rt_runtime, *cpu_idle, *cpuset_cpus, *cpuset_mems, *memory, *memory_reservation,
            *memory_swap, *pids_limit, *kernel_memory, *kernel_memory_tcp, *l3_cache_schema,
            *mem_bw_schema;
};

/* Empty values leave a field as it is, as in runc. */
static bool given(const char *v)
{
        return v && *v;
}

static int from_flags(const struct flags *f, struct zone_spec_resources *res)
{
        uint64_t u;
        int64_t x;
        if (given(f->l3_cache_schema) || given(f->mem_bw_schema)) {
                fprintf(stderr, "zone-oci update: --%s: Intel RDT is not supported\n",
                        given(f->l3_cache_schema) ? "l3-cache-schema" : "mem-bw-schema");
                return -1;
        }
        if (given(f->kernel_memory) || given(f->kernel_memory_tcp))
                fprintf(stderr, "zone-oci update: warning: --kernel-memory and "
                                "--kernel-memory-tcp are obsolete and ignored\n");
        if (given(f->blkio_weight)) {
                if (parse_u64("blkio-weight", f->blkio_weight, &u) < 0)
                        return -1;
                if (u > UINT16_MAX)
                        return bad_value("blkio-weight", f->blkio_weight,
                                         "must be between 10 and 1000");
                res->block_io.has_weight = true;
                res->block_io.weight = (uint16_t)u;
        }
        if (given(f->cpu_period)) {
                if (parse_u64("cpu-period", f->cpu_period, &res->cpu.period) < 0)
                        return -1;
                res->cpu.has_period = true;
        }
        if (given(f->cpu_quota)) {
                if (parse_i64("cpu-quota", f->cpu_quota, &res->cpu.quota) < 0)
                        return -1;
                res->cpu.has_quota = true;
        }
        if (given(f->cpu_burst)) {
                if (parse_u64("cpu-burst", f->cpu_burst, &res->cpu.burst) < 0)
                        return -1;
                res->cpu.has_burst = true;
        }
        if (given(f->cpu_share)) {
                if (parse_u64("cpu-share", f->cpu_share, &res->cpu.shares) < 0)
                        return -1;
                res->cpu.has_shares = true;
        }
        if (given(f->cpu_rt_period)) {
                if (parse_u64("cpu-rt-period", f->cpu_rt_period, &res->cpu.realtime_period) < 0)
                        return -1;
                res->cpu.has_realtime_period = true;
        }
        if (given(f->cpu_rt_runtime)) {
                if (parse_i64("cpu-rt-runtime", f->cpu_rt_runtime, &res->cpu.realtime_runtime) < 0)
                        return -1;
                res->cpu.has_realtime_runtime = true;
        }
        if (given(f->cpu_idle)) {
                if (parse_i64("cpu-idle", f->cpu_idle, &res->cpu.idle) < 0)
                        return -1;
                res->cpu.has_idle = true;
        }
        if ((given(f->cpuset_cpus) && !(res->cpu.cpus = strdup(f->cpuset_cpus))) ||
            (given(f->cpuset_mems) && !(res->cpu.mems = strdup(f->cpuset_mems)))) {
                fprintf(stderr, "zone-oci update: out of memory\n");
                return -1;
        }
        if (given(f->memory)) {
                if (parse_size("memory", f->memory, &res->memory.limit) < 0)
                        return -1;
                res->memory.has_limit = true;
        }
        if (given(f->memory_reservation)) {
                if (parse_size("memory-reservation", f->memory_reservation,
                               &res->memory.reservation) < 0)
                        return -1;
                res->memory.has_reservation = true;
        }
        if (given(f->memory_swap)) {
                if (parse_size("memory-swap", f->memory_swap, &res->memory.swap) < 0)
                        return -1;
                res->memory.has_swap = true;
        }
        if (given(f->pids_limit)) {
                if (parse_i64("pids-limit", f->pids_limit, &x) < 0)
                        return -1;
                res->pids.has_limit = true;
                res->pids.limit = x;
        }
        res->present = true;
        return 0;
}

static bool any_flag(const struct flags *f)
{
        const char *const *v = (const char *const *)f;
        for (size_t i = 0; i < sizeof(*f) / sizeof(*v); i++)
                if (v[i])
                        return true;
        return false;
}

int cmd_update(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const char *resources = NULL;
        struct flags f = {0};
        const struct opt opts[] = {
            {"resources", 'r', OPT_STRING, &resources,
             "linux.resources JSON from FILE ('-': stdin); no other flag with it"},
            {"blkio-weight", 0, OPT_STRING, &f.blkio_weight, "block IO weight, 10 to 1000"},
            {"cpu-period", 0, OPT_STRING, &f.cpu_period, "CPU CFS period (microseconds)"},
            {"cpu-quota", 0, OPT_STRING, &f.cpu_quota,
             "CPU CFS quota per period (microseconds), -1 unlimited"},
            {"cpu-burst", 0, OPT_STRING, &f.cpu_burst, "CPU CFS burst (microseconds)"},
            {"cpu-share", 0, OPT_STRING, &f.cpu_share, "CPU shares (relative weight)"},
            {"cpu-rt-period", 0, OPT_STRING, &f.cpu_rt_period,
             "CPU realtime period (microseconds)"},
            {"cpu-rt-runtime", 0, OPT_STRING, &f.cpu_rt_runtime,
             "CPU realtime runtime per period (microseconds)"},
            {"cpu-idle", 0, OPT_STRING, &f.cpu_idle, "1: SCHED_IDLE for the zone, 0: normal"},
            {"cpuset-cpus", 0, OPT_STRING, &f.cpuset_cpus, "CPUs to use (0-3,5)"},
            {"cpuset-mems", 0, OPT_STRING, &f.cpuset_mems, "memory nodes to use"},
            {"memory", 0, OPT_STRING, &f.memory, "memory limit (512m, 1g; -1 unlimited)"},
            {"memory-reservation", 0, OPT_STRING, &f.memory_reservation,
             "memory soft limit (512m, 1g; -1 unlimited)"},
            {"memory-swap", 0, OPT_STRING, &f.memory_swap,
             "memory plus swap limit (1g; -1 unlimited)"},
            {"pids-limit", 0, OPT_STRING, &f.pids_limit, "maximum processes, -1 unlimited"},
            {"kernel-memory", 0, OPT_STRING, &f.kernel_memory, "obsolete, ignored"},
            {"kernel-memory-tcp", 0, OPT_STRING, &f.kernel_memory_tcp, "obsolete, ignored"},
            {"l3-cache-schema", 0, OPT_STRING, &f.l3_cache_schema, "Intel RDT (not supported)"},
            {"mem-bw-schema", 0, OPT_STRING, &f.mem_bw_schema, "Intel RDT (not supported)"},
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        int i = cli_parse("update", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("update", "[FLAGS] ID | -r FILE|- ID (0 leaves a value as is)",
                                 opts),
                       0;
        if (cli_positionals("update", "[FLAGS] ID", argc - i, 1, 1) < 0)
                return 1;
        /* runc ignores the flags when given a file; refusing says so instead of dropping them. */
        if (resources && any_flag(&f)) {
                fprintf(stderr, "zone-oci update: --resources takes every value from the file: "
                                "no other flag with it\n");
                return 1;
        }
        struct zone_spec_resources res = {0};
        int r = resources ? load_resources(resources, &res) : from_flags(&f, &res);
        struct zone_err *err = NULL;
        if (r == 0)
                r = zone_update(ctx, argv[i], &res, &err) < 0 ? cli_fail(ctx, err) : 0;
        else
                r = 1;
        zone_spec_resources_done(&res);
        return r;
}
