/* zone stats [NAME...] [--no-stream] [--json] [--all]: the resource use of running zones of
 * every type from libzone's zone_stats, as a table redrawn in place every second (like docker
 * stats) until SIGINT, or once. CPU % is the zone's CPU time over the wall time between two
 * samples (100 % is one CPU busy); memory and pids are the cgroup's own numbers. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "stats.h"
#include "util.h"

#define USAGE "[NAME...] [--no-stream] [--json] [--all]"
/* What --no-stream waits between its two samples, for a CPU % that means something. */
#define NO_STREAM_INTERVAL_MS 500
#define STREAM_INTERVAL_MS    1000
/* cgroup v1 says "no limit" with the page counter's largest value, v2 with "max". */
#define UNLIMITED (UINT64_C(1) << 62)

struct row {
        char *name, *type;
        const char *status;
        bool has_stats; /* false: stopped, gone, or its stats failed */
        struct zone_stats st;
        uint64_t at_ns; /* CLOCK_MONOTONIC when st was read */
        bool has_cpu_pct;
        double cpu_pct;
};

struct frame {
        struct row *rows;
        size_t n;
};

static void frame_free(struct frame *f)
{
        for (size_t i = 0; i < f->n; i++) {
                free(f->rows[i].name);
                free(f->rows[i].type);
                zone_stats_done(&f->rows[i].st);
        }
        free(f->rows);
        *f = (struct frame){0};
}

static uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const struct zone_info *find_info(const struct zone_info *list, size_t n, const char *id)
{
        for (size_t i = 0; i < n; i++)
                if (list[i].id && strcmp(list[i].id, id) == 0)
                        return &list[i];
        return NULL;
}

static int add_row(struct frame *f, const struct zone_ctx *ctx, const char *name,
                   const struct zone_info *info, const struct frame *prev)
{
        struct row *rows = realloc(f->rows, (f->n + 1) * sizeof(*rows));
        if (!rows)
                return -ENOMEM;
        f->rows = rows;
        struct row *r = &rows[f->n++];
        *r = (struct row){.name = strdup(name),
                          .type = strdup(info && info->type ? info->type : "-"),
                          .status = info ? info->status : "gone"};
        if (!r->name || !r->type)
                return -ENOMEM;
        if (info && strcmp(info->status, "stopped") != 0) {
                /* A zone that stops between the listing and here is shown without numbers. */
                r->has_stats = zone_stats(ctx, name, &r->st, NULL) >= 0;
                r->at_ns = now_ns();
        }
        for (size_t i = 0; r->has_stats && r->st.cpu.present && prev && i < prev->n; i++) {
                const struct row *p = &prev->rows[i];
                if (strcmp(p->name, name) || !p->has_stats || !p->st.cpu.present ||
                    r->at_ns <= p->at_ns || r->st.cpu.total < p->st.cpu.total)
                        continue;
                r->has_cpu_pct = true;
                r->cpu_pct = 100.0 * (double)(r->st.cpu.total - p->st.cpu.total) /
                             (double)(r->at_ns - p->at_ns);
        }
        return 0;
}

/* One sample of the zones asked for: the named ones (all must exist when strict), else every
 * zone that is not stopped (every zone with all). */
static int collect(const struct zone_ctx *ctx, char **names, bool all, bool strict,
                   const struct frame *prev, struct frame *ret)
{
        struct zone_info *list = NULL;
        size_t n = 0;
        struct zone_err *err = NULL;
        *ret = (struct frame){0};
        if (zone_list(ctx, &list, &n, &err) < 0)
                return cli_fail(ctx, err), -1;
        int r = 0;
        if (names && *names) {
                for (char **nm = names; r >= 0 && *nm; nm++) {
                        const struct zone_info *info = find_info(list, n, *nm);
                        if (!info && strict) {
                                fprintf(stderr, "%s stats: zone \"%s\" does not exist\n",
                                        cli_program, *nm);
                                r = -ENOENT;
                                break;
                        }
                        r = add_row(ret, ctx, *nm, info, prev);
                }
        } else {
                for (size_t i = 0; r >= 0 && i < n; i++)
                        if (all || strcmp(list[i].status, "stopped") != 0)
                                r = add_row(ret, ctx, list[i].id, &list[i], prev);
        }
        zone_info_free(list, n);
        if (r == -ENOMEM)
                fprintf(stderr, "%s stats: out of memory\n", cli_program);
        if (r < 0)
                frame_free(ret);
        return r < 0 ? -1 : 0;
}

static void human(uint64_t v, char *buf, size_t len)
{
        static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double d = (double)v;
        size_t u = 0;
        while (d >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
                d /= 1024;
                u++;
        }
        if (u == 0)
                snprintf(buf, len, "%" PRIu64 "B", v);
        else
                snprintf(buf, len, "%.4g%s", d, units[u]);
}

static void block_io(const struct zone_stats *s, uint64_t *rd, uint64_t *wr)
{
        *rd = *wr = 0;
        for (size_t i = 0; i < s->blkio.n_service_bytes; i++) {
                const struct zone_stats_blkio_entry *e = &s->blkio.service_bytes[i];
                if (strcmp(e->op, "Read") == 0)
                        *rd += e->value;
                else if (strcmp(e->op, "Write") == 0)
                        *wr += e->value;
        }
}

/* The memory a zone may use: its limit, else the host's (docker's MEM % of an unlimited one). */
static uint64_t mem_limit(const struct zone_stats *s, uint64_t host_mem)
{
        return s->memory.limit && s->memory.limit < UNLIMITED ? s->memory.limit : host_mem;
}

static void print_table(const struct frame *f, bool ansi, uint64_t host_mem)
{
        /* Every line ends with "erase to the end of the line" when redrawn in place. */
        const char *eol = ansi ? "\033[K\n" : "\n";
        int w = 4;
        for (size_t i = 0; i < f->n; i++)
                if ((int)strlen(f->rows[i].name) > w)
                        w = (int)strlen(f->rows[i].name);
        if (ansi)
                fputs("\033[H", stdout);
        printf("%-*s  %-8s  %7s  %-21s  %7s  %-21s  %-21s  %s%s", w, "NAME", "TYPE", "CPU %",
               "MEM USAGE / LIMIT", "MEM %", "NET RX / TX", "BLOCK I/O", "PIDS", eol);
        for (size_t i = 0; i < f->n; i++) {
                const struct row *r = &f->rows[i];
                const struct zone_stats *s = &r->st;
                char cpu[16] = "--", mem[48] = "-- / --", memp[16] = "--", net[48] = "-- / --",
                     blk[48] = "-- / --", pids[24] = "--", a[16], b[16];
                if (r->has_cpu_pct)
                        snprintf(cpu, sizeof(cpu), "%.2f%%", r->cpu_pct);
                if (r->has_stats && s->memory.present) {
                        uint64_t lim = mem_limit(s, host_mem);
                        human(s->memory.usage, a, sizeof(a));
                        human(lim, b, sizeof(b));
                        snprintf(mem, sizeof(mem), "%s / %s", a, b);
                        if (lim)
                                snprintf(memp, sizeof(memp), "%.2f%%",
                                         100.0 * (double)s->memory.usage / (double)lim);
                }
                if (r->has_stats && s->net.present) {
                        human(s->net.rx_bytes, a, sizeof(a));
                        human(s->net.tx_bytes, b, sizeof(b));
                        snprintf(net, sizeof(net), "%s / %s", a, b);
                }
                if (r->has_stats && s->blkio.present) {
                        uint64_t rd, wr;
                        block_io(s, &rd, &wr);
                        human(rd, a, sizeof(a));
                        human(wr, b, sizeof(b));
                        snprintf(blk, sizeof(blk), "%s / %s", a, b);
                }
                if (r->has_stats && s->pids.present)
                        snprintf(pids, sizeof(pids), "%" PRIu64, s->pids.current);
                printf("%-*s  %-8s  %7s  %-21s  %7s  %-21s  %-21s  %s%s", w, r->name, r->type, cpu,
                       mem, memp, net, blk, pids, eol);
        }
        if (ansi)
                fputs("\033[J", stdout); /* rows of zones gone since the last frame */
}

static void print_u64_or_null(const char *key, bool have, uint64_t v, const char *sep)
{
        if (have)
                printf("\"%s\":%" PRIu64 "%s", key, v, sep);
        else
                printf("\"%s\":null%s", key, sep);
}

/* One JSON array per frame, on one line. Ids and type names need no escaping (zone_id_validate
 * allows [A-Za-z0-9_+.-] only). */
static void print_json(const struct frame *f, uint64_t host_mem)
{
        putchar('[');
        for (size_t i = 0; i < f->n; i++) {
                const struct row *r = &f->rows[i];
                const struct zone_stats *s = &r->st;
                bool st = r->has_stats;
                printf("%s{\"name\":\"%s\",\"type\":\"%s\",\"status\":\"%s\",", i ? "," : "",
                       r->name, r->type, r->status);
                if (r->has_cpu_pct)
                        printf("\"cpu_percent\":%.2f,", r->cpu_pct);
                else
                        printf("\"cpu_percent\":null,");
                print_u64_or_null("cpu_ns", st && s->cpu.present, s->cpu.total, ",");
                if (st && s->memory.present) {
                        bool limited = s->memory.limit && s->memory.limit < UNLIMITED;
                        uint64_t lim = mem_limit(s, host_mem);
                        printf("\"memory\":{\"usage\":%" PRIu64 ",", s->memory.usage);
                        print_u64_or_null("limit", limited, s->memory.limit, ",");
                        printf("\"percent\":%.2f},",
                               lim ? 100.0 * (double)s->memory.usage / (double)lim : 0.0);
                } else {
                        printf("\"memory\":null,");
                }
                if (st && s->pids.present) {
                        printf("\"pids\":{\"current\":%" PRIu64 ",", s->pids.current);
                        print_u64_or_null("limit", s->pids.limit != 0, s->pids.limit, "},");
                } else {
                        printf("\"pids\":null,");
                }
                if (st && s->net.present)
                        printf("\"net\":{\"rx_bytes\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
                               ",\"rx_packets\":%" PRIu64 ",\"tx_packets\":%" PRIu64 "},",
                               s->net.rx_bytes, s->net.tx_bytes, s->net.rx_packets,
                               s->net.tx_packets);
                else
                        printf("\"net\":null,");
                if (st && s->blkio.present) {
                        uint64_t rd, wr;
                        block_io(s, &rd, &wr);
                        printf("\"block\":{\"read_bytes\":%" PRIu64 ",\"write_bytes\":%" PRIu64
                               "}}",
                               rd, wr);
                } else {
                        printf("\"block\":null}");
                }
        }
        printf("]\n");
}

static void print_frame(const struct frame *f, bool json, bool ansi, uint64_t host_mem)
{
        if (json)
                print_json(f, host_mem);
        else
                print_table(f, ansi, host_mem);
        fflush(stdout);
}

int cmd_stats(struct zone_ctx *ctx, int argc, char **argv)
{
        bool no_stream = false, json = false, all = false, help = false;
        const struct opt opts[] = {
            {"no-stream", 0, OPT_BOOL, &no_stream, "print one sample and exit"},
            {"json", 0, OPT_BOOL, &json, "print JSON (one array per sample)"},
            {"all", 'a', OPT_BOOL, &all, "show stopped zones too"},
            {"help", 'h', OPT_BOOL, &help, "show this help"},
            {0},
        };
        /* Options and names in any order. */
        _cleanup_strv_ char **names = NULL;
        for (int i = 0; i < argc;) {
                int n = cli_parse("stats", opts, argc - i, argv + i);
                if (n < 0)
                        return 1;
                i += n;
                if (i < argc && strv_append(&names, argv[i++]) < 0)
                        return 1;
        }
        if (help) {
                cli_usage("stats", USAGE, opts);
                return 0;
        }
        struct sysinfo si;
        uint64_t host_mem = sysinfo(&si) == 0 ? (uint64_t)si.totalram * si.mem_unit : 0;

        struct frame prev = {0}, cur = {0};
        if (collect(ctx, names, all, true, NULL, &prev) < 0)
                return 1;
        if (no_stream) {
                struct timespec ts = {0, NO_STREAM_INTERVAL_MS * 1000000L};
                nanosleep(&ts, NULL);
                int r = collect(ctx, names, all, true, &prev, &cur);
                if (r == 0)
                        print_frame(&cur, json, false, host_mem);
                frame_free(&prev);
                frame_free(&cur);
                return r < 0 ? 1 : 0;
        }

        /* Streaming: SIGINT, SIGTERM and SIGHUP end it through a signalfd, so the terminal is
         * put back (cursor shown) on the way out. */
        sigset_t set, old;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGHUP);
        sigprocmask(SIG_BLOCK, &set, &old);
        _cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (sfd < 0) {
                fprintf(stderr, "%s stats: signalfd: %s\n", cli_program, strerror(errno));
                frame_free(&prev);
                return 1;
        }
        bool ansi = !json && isatty(STDOUT_FILENO);
        if (ansi)
                fputs("\033[?25l\033[2J", stdout); /* hide the cursor, clear the screen */
        int rc = 0;
        for (bool first = true;; first = false) {
                if (!ansi && !json && !first)
                        putchar('\n');
                print_frame(&prev, json, ansi, host_mem);
                struct pollfd p = {.fd = sfd, .events = POLLIN};
                int pr = poll(&p, 1, STREAM_INTERVAL_MS);
                if (pr < 0 && errno != EINTR) {
                        fprintf(stderr, "%s stats: poll: %s\n", cli_program, strerror(errno));
                        rc = 1;
                        break;
                }
                if (pr > 0) {
                        /* Taken, so it does not end the process once unblocked. */
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) < 0)
                                rc = 1;
                        break;
                }
                if (collect(ctx, names, all, false, &prev, &cur) < 0) {
                        rc = 1;
                        break;
                }
                frame_free(&prev);
                prev = cur;
                cur = (struct frame){0};
        }
        if (ansi)
                fputs("\033[?25h", stdout);
        fflush(stdout);
        frame_free(&prev);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return rc;
}
