/* zone-monitor: the small program `zone boot` and `zone run -d` start, detached, for each zone
 * they run: it runs the zone through libzone and stays with it (runtime/zones/zones_monitor.c).
 *
 *   zone-monitor --root STATE --data-root DATA [--report-fd N] [--zone PATH] NAME */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zones/zones.h"

int main(int argc, char **argv)
{
        const char *root = ZONE_DEFAULT_ROOT, *data_root = NULL, *zone = NULL, *name = NULL;
        int report_fd = -1;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (i + 1 < argc && strcmp(a, "--root") == 0)
                        root = argv[++i];
                else if (i + 1 < argc && strcmp(a, "--data-root") == 0)
                        data_root = argv[++i];
                else if (i + 1 < argc && strcmp(a, "--report-fd") == 0)
                        report_fd = atoi(argv[++i]);
                else if (i + 1 < argc && strcmp(a, "--zone") == 0)
                        zone = argv[++i];
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
        struct zone_ctx zctx = {.root = root, .log = {.fd = -1, .level = ZONE_LOG_WARN}};
        struct zones_ctx c = {
            .zctx = &zctx, .data_root = data_root, .zone_path = zone && *zone ? zone : NULL};
        return zones_monitor_main(&c, name, report_fd);
}
