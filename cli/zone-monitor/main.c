/* zone-monitor: the small program `zone boot` and `zone run -d` start, detached, for each zone
 * they run: it runs the zone through libzone and stays with it (runtime/zones/zones_monitor.c).
 * While the zone runs, the process is zone-monitor-follow (follow.c, beside this program or
 * $ZONE_MONITOR_FOLLOW), which execs this one back with --after-exit when the init exits.
 *
 *   zone-monitor --root STATE --data-root DATA [--report-fd N] [--zone PATH] NAME
 *   zone-monitor ... --lock-fd N --out-fd N --runs N --restarts N
 *                --after-exit STATUS --finished EPOCH [--stop] NAME   (from the follower) */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zones/zones.h"

/* zone-monitor-follow: $ZONE_MONITOR_FOLLOW, else beside this program; NULL when there is
 * none (the monitor then follows the zone itself). */
static char *find_follower(char *self, size_t size)
{
        const char *env = getenv("ZONE_MONITOR_FOLLOW");
        ssize_t n = readlink("/proc/self/exe", self, size - 1);
        self[n > 0 ? n : 0] = 0;
        /* Replaced while running (a rebuild, an upgrade): the new file at the same path. */
        const char *del = " (deleted)";
        size_t len = strlen(self), dl = strlen(del);
        if (len > dl && strcmp(self + len - dl, del) == 0)
                self[len - dl] = 0;
        if (env && *env)
                return access(env, X_OK) == 0 ? strdup(env) : NULL;
        if (n <= 0)
                return NULL;
        char dir[PATH_MAX], *path = NULL;
        snprintf(dir, sizeof(dir), "%s", self);
        if (asprintf(&path, "%s/%s", dirname(dir), ZONES_FOLLOW_NAME) < 0)
                return NULL;
        if (access(path, X_OK) == 0)
                return path;
        free(path);
        return NULL;
}

int main(int argc, char **argv)
{
        const char *root = ZONE_DEFAULT_ROOT, *data_root = NULL, *zone = NULL, *name = NULL;
        struct zones_monitor_opts o = {.report_fd = -1, .lock_fd = -1, .out_fd = -1};
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (i + 1 < argc && strcmp(a, "--root") == 0)
                        root = argv[++i];
                else if (i + 1 < argc && strcmp(a, "--data-root") == 0)
                        data_root = argv[++i];
                else if (i + 1 < argc && strcmp(a, "--report-fd") == 0)
                        o.report_fd = atoi(argv[++i]);
                else if (i + 1 < argc && strcmp(a, "--zone") == 0)
                        zone = argv[++i];
                else if (i + 1 < argc && strcmp(a, "--lock-fd") == 0)
                        o.lock_fd = atoi(argv[++i]);
                else if (i + 1 < argc && strcmp(a, "--out-fd") == 0)
                        o.out_fd = atoi(argv[++i]);
                else if (i + 1 < argc && strcmp(a, "--runs") == 0)
                        o.runs = atoi(argv[++i]);
                else if (i + 1 < argc && strcmp(a, "--restarts") == 0)
                        o.restarts = atoi(argv[++i]);
                else if (i + 1 < argc && strcmp(a, "--after-exit") == 0) {
                        o.after_exit = true;
                        o.status = atoi(argv[++i]);
                } else if (i + 1 < argc && strcmp(a, "--finished") == 0)
                        o.finished = strtoll(argv[++i], NULL, 10);
                else if (strcmp(a, "--stop") == 0)
                        o.stop = true;
                else if (a[0] != '-' && !name)
                        name = a;
                else {
                        fprintf(stderr,
                                "usage: zone-monitor --root STATE --data-root DATA [--report-fd N] "
                                "[--zone PATH] NAME\n");
                        return 2;
                }
        }
        if (!name) {
                fprintf(stderr, "zone-monitor: no zone name\n");
                return 2;
        }
        static char self[PATH_MAX];
        char *follow = find_follower(self, sizeof(self));
        o.self = self[0] ? self : NULL;
        o.follow = follow;
        struct zone_ctx zctx = {.root = root, .log = {.fd = -1, .level = ZONE_LOG_WARN}};
        struct zones_ctx c = {
            .zctx = &zctx, .data_root = data_root, .zone_path = zone && *zone ? zone : NULL};
        int r = zones_monitor_main(&c, name, &o);
        free(follow);
        return r;
}
