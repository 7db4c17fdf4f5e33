/* zone_stats and the event stream `events` follows: a zone's numbers come from its backend's
 * stats op; its OOMs from its cgroup (every backend's processes live in one) and its end from
 * a pidfd of the process the state names. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "cgroups/cgroup.h"
#include "cgroups/cgroup_stats.h"
#include "stats.h"
#include "util.h"

/* Opens id and refuses a zone whose process is gone. */
static int open_live(const struct zone_ctx *ctx, const char *id, struct zone_store **store,
                     struct zone *z, struct zone_err **err)
{
        int r = zone_open(ctx, id, store, z, err);
        if (r < 0) {
                zone_close(z, *store);
                return r;
        }
        if (zone_state_status(z->state) == ZONE_STATUS_STOPPED) {
                zone_close(z, *store);
                return zone_err_set(err, -ESRCH, "container \"%s\" is stopped: it has no stats",
                                    id);
        }
        return 0;
}

/* Adds up /proc/net/dev's counters: two header lines, then "NAME: rx_bytes rx_packets ... (8
 * receive fields) tx_bytes tx_packets ...". */
static int parse_net_dev(const char *text, struct zone_stats *s)
{
        const char *line = text;
        for (int n = 0; line && n < 2; n++)
                line = (line = strchr(line, '\n')) ? line + 1 : NULL;
        while (line && *line) {
                const char *colon = strchr(line, ':'), *eol = strchrnul(line, '\n');
                if (!colon || colon > eol)
                        return -EINVAL;
                const char *name = line;
                while (*name == ' ')
                        name++;
                size_t len = (size_t)(colon - name);
                unsigned long long v[16];
                if (sscanf(colon + 1,
                           "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
                           "%llu %llu %llu %llu",
                           &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
                           &v[10], &v[11], &v[12], &v[13], &v[14], &v[15]) != 16)
                        return -EINVAL;
                bool skip = (len == 2 && strncmp(name, "lo", 2) == 0) ||
                            (len > 4 && strncmp(name, "ztap", 4) == 0);
                if (!skip) {
                        s->net.rx_bytes += v[0];
                        s->net.rx_packets += v[1];
                        s->net.tx_bytes += v[8];
                        s->net.tx_packets += v[9];
                }
                line = *eol ? eol + 1 : NULL;
        }
        s->net.present = true;
        return 0;
}

/* The network counters of a zone with a network namespace of its own. */
static int net_stats(struct zone *z, struct zone_stats *s, struct zone_err **err)
{
        const struct zone_spec_namespace *ns_spec = zone_spec_namespace(z->spec, CLONE_NEWNET);
        const char *path = ns_spec ? ns_spec->path : NULL;
        bool light = z->backend == &zone_backend_light;
        /* A VM without a namespace to take its interfaces from has no network at all. */
        if (!ns_spec || (!light && !path))
                return 0;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r;
        if (light) {
                char file[64];
                snprintf(file, sizeof(file), "/proc/%d/net/dev", (int)z->state->pid);
                if ((r = read_file_at(AT_FDCWD, file, 1u << 20, &text, &len)) < 0)
                        return zone_err_sys(err, r, "read %s", file);
        } else {
                /* No process of the zone lives in that namespace on the host: this thread
                 * visits it to read its counters, and comes back. */
                _cleanup_close_ int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
                _cleanup_close_ int ns = open(path, O_RDONLY | O_CLOEXEC);
                if (own < 0)
                        return zone_err_sys(err, -errno, "open the caller's network namespace");
                if (ns < 0)
                        return zone_err_sys(err, -errno, "open network namespace %s", path);
                if (setns(ns, CLONE_NEWNET) < 0)
                        return zone_err_sys(err, -errno, "enter network namespace %s", path);
                r = read_file_at(AT_FDCWD, "/proc/thread-self/net/dev", 1u << 20, &text, &len);
                if (setns(own, CLONE_NEWNET) < 0)
                        return zone_err_sys(err, -errno, "return from network namespace %s", path);
                if (r < 0)
                        return zone_err_sys(err, r, "read /proc/net/dev of %s", path);
        }
        if (parse_net_dev(text, s) < 0)
                return zone_err_set(err, -EINVAL, "container \"%s\": cannot parse /proc/net/dev",
                                    z->state->id);
        return 0;
}

int zone_stats(const struct zone_ctx *ctx, const char *id, struct zone_stats *ret,
               struct zone_err **err)
{
        memset(ret, 0, sizeof(*ret));
        struct zone_store *store;
        struct zone z;
        int r = open_live(ctx, id, &store, &z, err);
        if (r < 0)
                return r;
        if (!z.backend->stats)
                r = zone_err_set(err, -EOPNOTSUPP, "container \"%s\": the %s backend has no stats",
                                 id, z.backend->name);
        else
                r = z.backend->stats(&z, ret, err);
        if (r >= 0 && (r = net_stats(&z, ret, err)) < 0)
                zone_stats_done(ret);
        zone_close(&z, store);
        return r;
}

struct zone_events {
        int pidfd;
        struct zone_cgroup_oom *oom; /* NULL: the zone's cgroup has no memory controller */
        uint64_t pending_oom;        /* OOMs read but not yet returned */
};

void zone_events_free(struct zone_events *ev)
{
        if (!ev)
                return;
        closep(&ev->pidfd);
        zone_cgroup_oom_free(ev->oom);
        free(ev);
}

int zone_events_open(const struct zone_ctx *ctx, const char *id, struct zone_events **ret,
                     struct zone_err **err)
{
        struct zone_store *store;
        struct zone z;
        int r = open_live(ctx, id, &store, &z, err);
        if (r < 0)
                return r;
        _cleanup_cgroup_ struct zone_cgroup *cg = NULL;
        struct zone_events *ev = calloc(1, sizeof(*ev));
        if (!ev) {
                r = zone_err_sys(err, -ENOMEM, "follow container \"%s\"", id);
                goto out;
        }
        ev->pidfd = (int)syscall(SYS_pidfd_open, z.state->pid, 0);
        /* A pid reused since the zone's process died is not the zone. */
        if (ev->pidfd < 0 || zone_pid_start_time(z.state->pid) != z.state->pid_start) {
                r = zone_err_set(err, -ESRCH, "container \"%s\" is stopped: it has no events", id);
                goto out;
        }
        if (z.state->cgroup_path) {
                _cleanup_err_ struct zone_err *ignored = NULL;
                r = zone_cgroup_open(z.state->cgroup_path, &cg, err);
                if (r >= 0)
                        r = zone_cgroup_oom_open(cg, &ev->oom, &ignored);
                /* Without a memory controller there are no OOMs to follow, only stats. */
                if (r == -EOPNOTSUPP)
                        r = 0;
                if (r < 0) {
                        if (ignored)
                                r = zone_err_set(err, r, "%s", ignored->msg);
                        zone_err_wrap(err, "follow container \"%s\"", id);
                        goto out;
                }
        }
        *ret = steal_pointer(&ev);
        r = 0;
out:
        zone_events_free(ev);
        zone_close(&z, store);
        return r;
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int zone_events_wait(struct zone_events *ev, int timeout_ms, enum zone_event *ret,
                     struct zone_err **err)
{
        int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
        for (;;) {
                if (ev->pending_oom) {
                        ev->pending_oom--;
                        *ret = ZONE_EVENT_OOM;
                        return 0;
                }
                struct pollfd p[2] = {
                    {.fd = ev->pidfd, .events = POLLIN},
                    {.fd = ev->oom ? zone_cgroup_oom_fd(ev->oom) : -1, .events = POLLIN}};
                int wait = -1;
                if (deadline >= 0) {
                        int64_t left = deadline - now_ms();
                        wait = left > 0 ? (int)left : 0;
                }
                int n = poll(p, 2, wait);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return zone_err_sys(err, -errno, "wait for zone events");
                if (n == 0) {
                        *ret = ZONE_EVENT_TIMEOUT;
                        return 0;
                }
                /* An OOM that killed the zone's process is reported before its end. */
                if (p[1].revents) {
                        int r = zone_cgroup_oom_read(ev->oom, &ev->pending_oom, err);
                        if (r < 0)
                                return r;
                        if (ev->pending_oom)
                                continue;
                }
                if (p[0].revents) {
                        /* The kernel notifies memory.events changes late (rate-limited): read
                         * the count once more, so an OOM that ended the zone is not lost. */
                        if (ev->oom && !p[1].revents) {
                                int r = zone_cgroup_oom_read(ev->oom, &ev->pending_oom, err);
                                if (r < 0)
                                        return r;
                                if (ev->pending_oom)
                                        continue;
                        }
                        *ret = ZONE_EVENT_STOPPED;
                        return 0;
                }
        }
}
