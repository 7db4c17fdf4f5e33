/* A zone's resource usage from its cgroup, and its OOM notifications.
 *
 * libcgroup reads the key/value stat files (memory.stat, cpu.stat, cpuacct.stat): checked by
 * hand on a hybrid host (v1 cpu, cpuacct, memory, blkio, pids, ...; cgroup2 with only hugetlb)
 * with libcgroup 2.0.2: after cgroup_init(), cgroup_read_stats_begin/next/end with the
 * cgroup's path ("/zone-test/x") gave every line of memory.stat (42 keys), cpu.stat and
 * cpuacct.stat from the v1 hierarchies, and cgroup_get_subsys_mount_point() named the right
 * mount for each controller, hugetlb on the cgroup2 one included. It only reads files named
 * "<controller>.stat", by controller name and cgroup path, through its own table of mounts:
 * for "blkio", "pids" and "hugetlb" (which have no such file) it returns ECGINVAL, and it
 * cannot be pointed at a directory. So it is used only where its table names the same
 * hierarchy as the zone's cgroup manager found; the single-value files, io.stat,
 * memory.events, the blkio lists and a hierarchy libcgroup does not know (a test's fake
 * cgroupfs) are read directly. libcgroup keeps its mount table process-wide, so it is set up
 * once per process, and only here: the create/start path never calls into it (see cgroup.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libcgroup.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroups/cgroup_internal.h"
#include "cgroups/cgroup_stats.h"
#include "util.h"

/* ---- numbers and key/value files ---- */

/* A cgroup number: decimal, or "max" (unlimited). Trailing whitespace is fine. */
static int parse_u64(const char *s, uint64_t *ret)
{
        while (*s == ' ')
                s++;
        if (!strncmp(s, "max", 3) && (!s[3] || s[3] == '\n' || s[3] == ' ')) {
                *ret = UINT64_MAX;
                return 0;
        }
        if (*s < '0' || *s > '9')
                return -EBADMSG;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno)
                return -errno;
        while (*end == ' ' || *end == '\n')
                end++;
        if (*end)
                return -EBADMSG;
        *ret = v;
        return 0;
}

/* One number from dir/file: 0, -ENOENT when the file is not there (nothing set in err), or an
 * error. */
static int read_u64(const char *dir, const char *file, uint64_t *ret, struct zone_err **err)
{
        _cleanup_free_ char *text = NULL;
        int r = cgroup_read(dir, file, &text);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return zone_err_sys(err, r, "read %s/%s", dir, file);
        if (parse_u64(text, ret) < 0)
                return zone_err_set(err, -EBADMSG, "read %s/%s: \"%s\" is not a number", dir, file,
                                    text);
        return 0;
}

/* Like read_u64, with absent as 0. */
static int read_u64_or_0(const char *dir, const char *file, uint64_t *ret, struct zone_err **err)
{
        int r = read_u64(dir, file, ret, err);
        if (r == -ENOENT) {
                *ret = 0;
                return 0;
        }
        return r;
}

struct kv_list {
        struct zone_stats_kv *v;
        size_t n;
};

static void kv_list_done(struct kv_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i].key);
        free(l->v);
        l->v = NULL;
        l->n = 0;
}

static bool kv_get(const struct kv_list *l, const char *key, uint64_t *ret)
{
        for (size_t i = 0; i < l->n; i++)
                if (!strcmp(l->v[i].key, key)) {
                        *ret = l->v[i].value;
                        return true;
                }
        return false;
}

static int kv_add(struct kv_list *l, const char *key, size_t key_len, const char *value)
{
        uint64_t v;
        if (parse_u64(value, &v) < 0)
                return -EBADMSG;
        struct zone_stats_kv *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
        if (!nv)
                return -ENOMEM;
        l->v = nv;
        if (!(nv[l->n].key = strndup(key, key_len)))
                return -ENOMEM;
        nv[l->n++].value = v;
        return 0;
}

static pthread_once_t libcgroup_once = PTHREAD_ONCE_INIT;
static int libcgroup_status = -1;

static void libcgroup_setup(void)
{
        /* The library does not print: libcgroup's own messages are dropped. */
        cgroup_set_logger(NULL, 0, NULL);
        libcgroup_status = cgroup_init();
}

/* True when libcgroup reads controller's files from the hierarchy d belongs to. */
static bool libcgroup_sees(const struct zone_cgroup_dir *d, const char *controller)
{
        pthread_once(&libcgroup_once, libcgroup_setup);
        if (libcgroup_status != 0)
                return false;
        char *mount = NULL;
        if (cgroup_get_subsys_mount_point(controller, &mount) != 0)
                return false;
        bool same = mount && !strcmp(mount, d->mountpoint);
        free(mount);
        return same;
}

static int kv_read_libcgroup(const char *controller, const char *path, struct kv_list *ret)
{
        void *handle = NULL;
        struct cgroup_stat st;
        int r = cgroup_read_stats_begin(controller, path, &handle, &st);
        while (r == 0) {
                if (kv_add(ret, st.name, strlen(st.name), st.value) < 0) {
                        cgroup_read_stats_end(&handle);
                        kv_list_done(ret);
                        return -EBADMSG;
                }
                r = cgroup_read_stats_next(&handle, &st);
        }
        cgroup_read_stats_end(&handle);
        if (r != ECGEOF) {
                kv_list_done(ret);
                return -EIO;
        }
        return 0;
}

/* A "key value" per line file of d (memory.stat, cpu.stat, memory.events, ...). 0, -ENOENT
 * when it is not there (nothing set in err), or an error. */
static int kv_read(const struct zone_cgroup *cg, const struct zone_cgroup_dir *d,
                   const char *controller, const char *file, struct kv_list *ret,
                   struct zone_err **err)
{
        ret->v = NULL;
        ret->n = 0;
        size_t clen = strlen(controller);
        if (!strncmp(file, controller, clen) && !strcmp(file + clen, ".stat") &&
            libcgroup_sees(d, controller) && kv_read_libcgroup(controller, cg->path, ret) == 0)
                return 0;
        /* Not libcgroup's to read, or it failed: the file itself says why. */
        _cleanup_free_ char *text = NULL;
        int r = cgroup_read(d->dir, file, &text);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return zone_err_sys(err, r, "read %s/%s", d->dir, file);
        for (char *s = text; *s;) {
                char *e = strchrnul(s, '\n');
                char *sp = memchr(s, ' ', (size_t)(e - s));
                char saved = *e;
                *e = 0;
                r = sp ? kv_add(ret, s, (size_t)(sp - s), sp + 1) : -EBADMSG;
                if (r < 0) {
                        kv_list_done(ret);
                        if (r == -ENOMEM)
                                return zone_err_sys(err, r, "read %s/%s", d->dir, file);
                        return zone_err_set(err, -EBADMSG, "read %s/%s: bad line \"%s\"", d->dir,
                                            file, s);
                }
                s = saved ? e + 1 : e;
        }
        return 0;
}

/* The cgroup2 directory when it has file (a controller it holds and the zone's parent
 * delegated), else NULL. */
static struct zone_cgroup_dir *v2_with(struct zone_cgroup *cg, const char *file)
{
        struct zone_cgroup_dir *d = cgroup_v2_dir(cg);
        if (!d)
                return NULL;
        _cleanup_close_ int fd = open(d->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        return fd >= 0 && faccessat(fd, file, F_OK, 0) == 0 ? d : NULL;
}

/* ---- cpu ---- */

static int read_cpu_v1(struct zone_cgroup *cg, struct zone_cgroup_dir *d, struct zone_stats *s,
                       struct zone_err **err)
{
        int r = read_u64(d->dir, "cpuacct.usage", &s->cpu.total, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        s->cpu.present = true;
        _cleanup_free_ char *percpu = NULL;
        r = cgroup_read(d->dir, "cpuacct.usage_percpu", &percpu);
        if (r < 0 && r != -ENOENT)
                return zone_err_sys(err, r, "read %s/cpuacct.usage_percpu", d->dir);
        for (char *p = percpu; p && *p;) {
                while (*p == ' ')
                        p++;
                if (!*p)
                        break;
                char *end;
                errno = 0;
                unsigned long long v = strtoull(p, &end, 10);
                if (end == p || errno)
                        return zone_err_set(err, -EBADMSG,
                                            "read %s/cpuacct.usage_percpu: not a list of numbers",
                                            d->dir);
                uint64_t *n = realloc(s->cpu.percpu, (s->cpu.n_percpu + 1) * sizeof(*n));
                if (!n)
                        return zone_err_sys(err, -ENOMEM, "read %s/cpuacct.usage_percpu", d->dir);
                s->cpu.percpu = n;
                n[s->cpu.n_percpu++] = v;
                p = end;
        }
        /* cpuacct.stat counts in clock ticks. */
        struct kv_list kv;
        r = kv_read(cg, d, "cpuacct", "cpuacct.stat", &kv, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        long hz = sysconf(_SC_CLK_TCK);
        uint64_t per_tick = hz > 0 ? 1000000000ull / (uint64_t)hz : 10000000ull, v;
        if (kv_get(&kv, "user", &v))
                s->cpu.user = v * per_tick;
        if (kv_get(&kv, "system", &v))
                s->cpu.kernel = v * per_tick;
        kv_list_done(&kv);
        return 0;
}

static void throttling_from(const struct kv_list *kv, uint64_t time_scale, struct zone_stats *s)
{
        uint64_t v;
        if (!kv_get(kv, "nr_periods", &s->cpu.periods))
                return;
        s->cpu.has_throttling = true;
        kv_get(kv, "nr_throttled", &s->cpu.throttled_periods);
        if (kv_get(kv, time_scale == 1 ? "throttled_time" : "throttled_usec", &v))
                s->cpu.throttled_time = v * time_scale;
}

static int read_cpu(struct zone_cgroup *cg, struct zone_stats *s, struct zone_err **err)
{
        struct zone_cgroup_dir *acct = cgroup_v1_dir(cg, "cpuacct");
        struct zone_cgroup_dir *cpu = cgroup_v1_dir(cg, "cpu");
        struct zone_cgroup_dir *v2 = v2_with(cg, "cpu.stat");
        int r;
        if (acct && (r = read_cpu_v1(cg, acct, s, err)) < 0)
                return r;
        struct kv_list kv = {0};
        if (cpu) {
                r = kv_read(cg, cpu, "cpu", "cpu.stat", &kv, err);
                if (r < 0 && r != -ENOENT)
                        return r;
                throttling_from(&kv, 1, s);
                kv_list_done(&kv);
        }
        if (!v2 || (acct && cpu))
                return 0;
        /* cgroup2's cpu.stat has the usage (always) and the throttling (with the cpu
         * controller), in microseconds. */
        r = kv_read(cg, v2, "cpu", "cpu.stat", &kv, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        uint64_t v;
        if (!acct && kv_get(&kv, "usage_usec", &v)) {
                s->cpu.present = true;
                s->cpu.total = v * 1000;
                if (kv_get(&kv, "user_usec", &v))
                        s->cpu.user = v * 1000;
                if (kv_get(&kv, "system_usec", &v))
                        s->cpu.kernel = v * 1000;
        }
        if (!cpu)
                throttling_from(&kv, 1000, s);
        kv_list_done(&kv);
        return 0;
}

/* ---- memory and OOM counts ---- */

static void memory_stat_into(struct kv_list *kv, const char *cache_key, const char *rss_key,
                             struct zone_stats *s)
{
        kv_get(kv, cache_key, &s->memory.cache);
        kv_get(kv, rss_key, &s->memory.rss);
        s->memory.raw = steal_pointer(&kv->v);
        s->memory.n_raw = kv->n;
        kv->n = 0;
}

static int read_memory_v1(struct zone_cgroup *cg, struct zone_cgroup_dir *d, struct zone_stats *s,
                          struct zone_err **err)
{
        const char *dir = d->dir;
        int r = read_u64(dir, "memory.usage_in_bytes", &s->memory.usage, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        s->memory.present = true;
        r = read_u64(dir, "memory.max_usage_in_bytes", &s->memory.max_usage, err);
        if (r < 0 && r != -ENOENT)
                return r;
        s->memory.has_max_usage = r == 0;
        if ((r = read_u64_or_0(dir, "memory.limit_in_bytes", &s->memory.limit, err)) < 0 ||
            (r = read_u64_or_0(dir, "memory.failcnt", &s->memory.failcnt, err)) < 0)
                return r;
        /* memsw: memory and swap together, there only with swap accounting. */
        r = read_u64(dir, "memory.memsw.usage_in_bytes", &s->memory.swap_usage, err);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r == 0) {
                s->memory.has_swap = true;
                if ((r = read_u64_or_0(dir, "memory.memsw.max_usage_in_bytes",
                                       &s->memory.swap_max_usage, err)) < 0 ||
                    (r = read_u64_or_0(dir, "memory.memsw.limit_in_bytes", &s->memory.swap_limit,
                                       err)) < 0 ||
                    (r = read_u64_or_0(dir, "memory.memsw.failcnt", &s->memory.swap_failcnt, err)) <
                        0)
                        return r;
        }
        struct kv_list kv;
        r = kv_read(cg, d, "memory", "memory.stat", &kv, err);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r == 0)
                memory_stat_into(&kv, "cache", "rss", s);
        kv_list_done(&kv);
        r = kv_read(cg, d, "memory", "memory.oom_control", &kv, err);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r == 0 && kv_get(&kv, "oom_kill", &s->oom.oom_kill))
                s->oom.present = true;
        kv_list_done(&kv);
        return 0;
}

static uint64_t add_limits(uint64_t a, uint64_t b)
{
        return a == UINT64_MAX || b == UINT64_MAX || a + b < a ? UINT64_MAX : a + b;
}

static int read_memory_v2(struct zone_cgroup *cg, struct zone_cgroup_dir *d, struct zone_stats *s,
                          struct zone_err **err)
{
        const char *dir = d->dir;
        int r = read_u64(dir, "memory.current", &s->memory.usage, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        s->memory.present = true;
        r = read_u64(dir, "memory.peak", &s->memory.max_usage, err);
        if (r < 0 && r != -ENOENT)
                return r;
        s->memory.has_max_usage = r == 0;
        if ((r = read_u64_or_0(dir, "memory.max", &s->memory.limit, err)) < 0)
                return r;
        uint64_t swap;
        r = read_u64(dir, "memory.swap.current", &swap, err);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r == 0) {
                /* As on v1 (memsw), swap is reported with memory in it. */
                uint64_t swap_max = 0, swap_peak = 0;
                if ((r = read_u64_or_0(dir, "memory.swap.max", &swap_max, err)) < 0 ||
                    (r = read_u64_or_0(dir, "memory.swap.peak", &swap_peak, err)) < 0)
                        return r;
                s->memory.has_swap = true;
                s->memory.swap_usage = swap + s->memory.usage;
                s->memory.swap_limit = add_limits(swap_max, s->memory.limit);
                if (swap_peak)
                        s->memory.swap_max_usage = swap_peak + s->memory.max_usage;
        }
        struct kv_list kv;
        r = kv_read(cg, d, "memory", "memory.events", &kv, err);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r == 0) {
                /* "max": times usage hit memory.max, what v1 calls failcnt. */
                kv_get(&kv, "max", &s->memory.failcnt);
                s->oom.present =
                    kv_get(&kv, "oom", &s->oom.oom) | kv_get(&kv, "oom_kill", &s->oom.oom_kill);
        }
        kv_list_done(&kv);
        r = kv_read(cg, d, "memory", "memory.stat", &kv, err);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r == 0)
                memory_stat_into(&kv, "file", "anon", s);
        kv_list_done(&kv);
        return 0;
}

/* ---- pids ---- */

static int read_pids(struct zone_cgroup *cg, struct zone_stats *s, struct zone_err **err)
{
        struct zone_cgroup_dir *d = cgroup_v1_dir(cg, "pids");
        if (!d)
                d = v2_with(cg, "pids.current");
        if (!d)
                return 0;
        int r = read_u64(d->dir, "pids.current", &s->pids.current, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        s->pids.present = true;
        if ((r = read_u64_or_0(d->dir, "pids.max", &s->pids.limit, err)) < 0)
                return r;
        if (s->pids.limit == UINT64_MAX)
                s->pids.limit = 0;
        return 0;
}

/* ---- block I/O ---- */

static int blkio_add(struct zone_stats_blkio_entry **list, size_t *n, unsigned maj, unsigned min,
                     const char *op, size_t op_len, uint64_t value)
{
        struct zone_stats_blkio_entry *nl = realloc(*list, (*n + 1) * sizeof(*nl));
        if (!nl)
                return -ENOMEM;
        *list = nl;
        struct zone_stats_blkio_entry *e = &nl[(*n)++];
        memset(e, 0, sizeof(*e));
        e->major = maj;
        e->minor = min;
        snprintf(e->op, sizeof(e->op), "%.*s", (int)op_len, op);
        e->value = value;
        return 0;
}

/* v1 blkio lists: "8:0 Read 4096" lines and a last "Total N" line. */
static int read_blkio_v1_list(const char *dir, const char *file,
                              struct zone_stats_blkio_entry **list, size_t *n,
                              struct zone_err **err)
{
        _cleanup_free_ char *text = NULL;
        int r = cgroup_read(dir, file, &text);
        if (r < 0)
                return r == -ENOENT ? r : zone_err_sys(err, r, "read %s/%s", dir, file);
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned maj, min;
                char op[16];
                unsigned long long v;
                if (!strncmp(line, "Total ", 6))
                        continue;
                if (sscanf(line, "%u:%u %15s %llu", &maj, &min, op, &v) != 4)
                        return zone_err_set(err, -EBADMSG, "read %s/%s: bad line \"%s\"", dir, file,
                                            line);
                if (blkio_add(list, n, maj, min, op, strlen(op), v) < 0)
                        return zone_err_sys(err, -ENOMEM, "read %s/%s", dir, file);
        }
        return 0;
}

/* cgroup2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device. */
static int read_io_stat(const char *dir, struct zone_stats *s, struct zone_err **err)
{
        static const struct {
                const char *key;
                const char *op;
                bool bytes;
        } keys[] = {
            {"rbytes", "Read", true}, {"wbytes", "Write", true}, {"dbytes", "Discard", true},
            {"rios", "Read", false},  {"wios", "Write", false},  {"dios", "Discard", false},
        };
        _cleanup_free_ char *text = NULL;
        int r = cgroup_read(dir, "io.stat", &text);
        if (r < 0)
                return r == -ENOENT ? r : zone_err_sys(err, r, "read %s/io.stat", dir);
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned maj, min;
                int off;
                if (sscanf(line, "%u:%u%n", &maj, &min, &off) != 2)
                        return zone_err_set(err, -EBADMSG, "read %s/io.stat: bad line \"%s\"", dir,
                                            line);
                char *save2 = NULL;
                for (char *f = strtok_r(line + off, " ", &save2); f;
                     f = strtok_r(NULL, " ", &save2)) {
                        char *eq = strchr(f, '=');
                        uint64_t v;
                        if (!eq || parse_u64(eq + 1, &v) < 0)
                                return zone_err_set(err, -EBADMSG,
                                                    "read %s/io.stat: bad field \"%s\"", dir, f);
                        for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
                                if ((size_t)(eq - f) != strlen(keys[k].key) ||
                                    strncmp(f, keys[k].key, (size_t)(eq - f)))
                                        continue;
                                r = keys[k].bytes
                                        ? blkio_add(&s->blkio.service_bytes,
                                                    &s->blkio.n_service_bytes, maj, min, keys[k].op,
                                                    strlen(keys[k].op), v)
                                        : blkio_add(&s->blkio.serviced, &s->blkio.n_serviced, maj,
                                                    min, keys[k].op, strlen(keys[k].op), v);
                                if (r < 0)
                                        return zone_err_sys(err, r, "read %s/io.stat", dir);
                        }
                }
        }
        return 0;
}

static int read_blkio(struct zone_cgroup *cg, struct zone_stats *s, struct zone_err **err)
{
        struct zone_cgroup_dir *d = cgroup_v1_dir(cg, "blkio");
        if (!d) {
                d = v2_with(cg, "io.stat");
                int r = d ? read_io_stat(d->dir, s, err) : -ENOENT;
                if (r == -ENOENT)
                        return 0;
                if (r < 0)
                        return r;
                s->blkio.present = true;
                return 0;
        }
        /* The throttle layer sees every request whatever the I/O scheduler; the scheduler's own
         * files (CFQ's, then BFQ's) only where that is missing. */
        static const char *const sets[][2] = {
            {"blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive"},
            {"blkio.io_service_bytes_recursive", "blkio.io_serviced_recursive"},
            {"blkio.bfq.io_service_bytes_recursive", "blkio.bfq.io_serviced_recursive"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
                int r = read_blkio_v1_list(d->dir, sets[i][0], &s->blkio.service_bytes,
                                           &s->blkio.n_service_bytes, err);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                r = read_blkio_v1_list(d->dir, sets[i][1], &s->blkio.serviced, &s->blkio.n_serviced,
                                       err);
                if (r < 0 && r != -ENOENT)
                        return r;
                s->blkio.present = true;
                return 0;
        }
        return 0;
}

/* ---- hugetlb ---- */

static int hugetlb_cmp(const void *a, const void *b)
{
        return strcmp(((const struct zone_stats_hugetlb *)a)->page_size,
                      ((const struct zone_stats_hugetlb *)b)->page_size);
}

/* The page sizes are those the cgroup has files for: hugetlb.<size>.usage_in_bytes (v1) or
 * hugetlb.<size>.current (v2). */
static int read_hugetlb(struct zone_cgroup *cg, struct zone_stats *s, struct zone_err **err)
{
        struct zone_cgroup_dir *d = cgroup_v1_dir(cg, "hugetlb");
        bool v2 = !d;
        if (!d && !(d = cgroup_v2_dir(cg)))
                return 0;
        const char *suffix = v2 ? ".current" : ".usage_in_bytes";
        DIR *dir = opendir(d->dir);
        if (!dir)
                return errno == ENOENT ? 0 : zone_err_sys(err, -errno, "open %s", d->dir);
        struct dirent *de;
        int r = 0;
        while (r == 0 && (de = readdir(dir))) {
                const char *name = de->d_name, *size = name + strlen("hugetlb.");
                size_t len = strlen(name), slen = strlen(suffix);
                if (strncmp(name, "hugetlb.", 8) || len <= 8 + slen ||
                    strcmp(name + len - slen, suffix))
                        continue;
                size_t size_len = len - 8 - slen;
                if (memchr(size, '.', size_len) || size_len >= sizeof(s->hugetlb[0].page_size))
                        continue; /* hugetlb.2MB.rsvd.current and the like */
                struct zone_stats_hugetlb *nh =
                    realloc(s->hugetlb, (s->n_hugetlb + 1) * sizeof(*nh));
                if (!nh) {
                        r = zone_err_sys(err, -ENOMEM, "read hugetlb stats of %s", d->dir);
                        break;
                }
                s->hugetlb = nh;
                struct zone_stats_hugetlb *h = &nh[s->n_hugetlb++];
                memset(h, 0, sizeof(*h));
                memcpy(h->page_size, size, size_len);
                char file[64];
                if ((r = read_u64_or_0(d->dir, name, &h->usage, err)) < 0)
                        break;
                if (!v2) {
                        snprintf(file, sizeof(file), "hugetlb.%s.max_usage_in_bytes", h->page_size);
                        if ((r = read_u64_or_0(d->dir, file, &h->max, err)) < 0)
                                break;
                        snprintf(file, sizeof(file), "hugetlb.%s.failcnt", h->page_size);
                        r = read_u64_or_0(d->dir, file, &h->failcnt, err);
                        continue;
                }
                /* v2 counts the refused allocations as "max" in hugetlb.<size>.events. */
                struct kv_list kv;
                snprintf(file, sizeof(file), "hugetlb.%s.events", h->page_size);
                r = kv_read(cg, d, "hugetlb", file, &kv, err);
                if (r == 0)
                        kv_get(&kv, "max", &h->failcnt);
                kv_list_done(&kv);
                if (r == -ENOENT)
                        r = 0;
        }
        closedir(dir);
        if (r == 0 && s->n_hugetlb > 1)
                qsort(s->hugetlb, s->n_hugetlb, sizeof(*s->hugetlb), hugetlb_cmp);
        return r;
}

/* ---- the whole ---- */

void zone_stats_done(struct zone_stats *s)
{
        if (!s)
                return;
        free(s->cpu.percpu);
        for (size_t i = 0; i < s->memory.n_raw; i++)
                free(s->memory.raw[i].key);
        free(s->memory.raw);
        free(s->blkio.service_bytes);
        free(s->blkio.serviced);
        free(s->hugetlb);
        memset(s, 0, sizeof(*s));
}

int zone_cgroup_stats(struct zone_cgroup *cg, struct zone_stats *ret, struct zone_err **err)
{
        memset(ret, 0, sizeof(*ret));
        int r = read_cpu(cg, ret, err);
        if (r >= 0) {
                struct zone_cgroup_dir *m = cgroup_v1_dir(cg, "memory");
                if (m)
                        r = read_memory_v1(cg, m, ret, err);
                else if ((m = v2_with(cg, "memory.current")))
                        r = read_memory_v2(cg, m, ret, err);
        }
        if (r >= 0)
                r = read_pids(cg, ret, err);
        if (r >= 0)
                r = read_blkio(cg, ret, err);
        if (r >= 0)
                r = read_hugetlb(cg, ret, err);
        if (r < 0) {
                zone_stats_done(ret);
                return zone_err_wrap(err, "stats of cgroup %s", cg->path);
        }
        return 0;
}

/* ---- OOM notifications ---- */

struct zone_cgroup_oom {
        int fd;         /* eventfd (v1) or inotify (v2) */
        int control_fd; /* v1: memory.oom_control, held while registered */
        bool v2;
        char *dir;
        uint64_t kills; /* the count last seen */
};

/* The OOM count the cgroup reports (v1 oom_kill; v2 the larger of oom and oom_kill). */
static int oom_count(const struct zone_cgroup_oom *o, uint64_t *ret)
{
        _cleanup_free_ char *text = NULL;
        int r = cgroup_read(o->dir, o->v2 ? "memory.events" : "memory.oom_control", &text);
        if (r < 0)
                return r;
        *ret = 0;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned long long v;
                char key[32];
                if (sscanf(line, "%31s %llu", key, &v) != 2)
                        continue;
                if ((!strcmp(key, "oom_kill") || (o->v2 && !strcmp(key, "oom"))) && v > *ret)
                        *ret = v;
        }
        return 0;
}

void zone_cgroup_oom_free(struct zone_cgroup_oom *o)
{
        if (!o)
                return;
        closep(&o->fd);
        closep(&o->control_fd);
        free(o->dir);
        free(o);
}

int zone_cgroup_oom_open(struct zone_cgroup *cg, struct zone_cgroup_oom **ret,
                         struct zone_err **err)
{
        struct zone_cgroup_dir *d = cgroup_v1_dir(cg, "memory");
        bool v2 = !d;
        if (!d && !(d = v2_with(cg, "memory.events")))
                return zone_err_set(err, -EOPNOTSUPP,
                                    "follow OOMs of cgroup %s: no memory controller holds it",
                                    cg->path);
        struct zone_cgroup_oom *o = calloc(1, sizeof(*o));
        if (!o || !(o->dir = strdup(d->dir))) {
                free(o);
                return zone_err_sys(err, -ENOMEM, "follow OOMs of cgroup %s", cg->path);
        }
        o->fd = o->control_fd = -1;
        o->v2 = v2;
        int r = oom_count(o, &o->kills);
        if (r < 0 && r != -ENOENT) {
                r = zone_err_sys(err, r, "read OOM count of %s", o->dir);
                goto fail;
        }
        if (v2) {
                o->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
                if (o->fd < 0) {
                        r = zone_err_sys(err, -errno, "inotify for %s/memory.events", o->dir);
                        goto fail;
                }
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/memory.events", o->dir) < 0) {
                        r = zone_err_sys(err, -ENOMEM, "follow OOMs of cgroup %s", cg->path);
                        goto fail;
                }
                if (inotify_add_watch(o->fd, path, IN_MODIFY) < 0) {
                        r = zone_err_sys(err, -errno, "watch %s", path);
                        goto fail;
                }
        } else {
                o->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
                if (o->fd < 0) {
                        r = zone_err_sys(err, -errno, "eventfd for %s/memory.oom_control", o->dir);
                        goto fail;
                }
                _cleanup_close_ int dfd = open(o->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0) {
                        r = zone_err_sys(err, -errno, "open %s", o->dir);
                        goto fail;
                }
                o->control_fd = openat(dfd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
                if (o->control_fd < 0) {
                        r = zone_err_sys(err, -errno, "open %s/memory.oom_control", o->dir);
                        goto fail;
                }
                char line[32];
                snprintf(line, sizeof(line), "%d %d", o->fd, o->control_fd);
                if ((r = cgroup_write(o->dir, "cgroup.event_control", line, err)) < 0)
                        goto fail;
        }
        *ret = o;
        return 0;
fail:
        zone_cgroup_oom_free(o);
        return r;
}

int zone_cgroup_oom_fd(const struct zone_cgroup_oom *o)
{
        return o->fd;
}

int zone_cgroup_oom_read(struct zone_cgroup_oom *o, uint64_t *ret_n, struct zone_err **err)
{
        *ret_n = 0;
        uint64_t notified = 0;
        if (o->v2) {
                char buf[4096];
                while (read(o->fd, buf, sizeof(buf)) > 0)
                        ;
        } else if (read(o->fd, &notified, sizeof(notified)) != sizeof(notified)) {
                if (errno != EAGAIN)
                        return zone_err_sys(err, -errno, "read OOM eventfd of %s", o->dir);
                notified = 0;
        }
        uint64_t now;
        int r = oom_count(o, &now);
        /* v1 signals the eventfd when the cgroup goes too: that is no OOM. */
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return zone_err_sys(err, r, "read OOM count of %s", o->dir);
        uint64_t killed = now > o->kills ? now - o->kills : 0;
        o->kills = now;
        *ret_n = killed > notified ? killed : notified;
        return 0;
}
