/* zone reboot [--time S] NAME...: halt each running zone (SIGTERM, SIGKILL after S seconds)
 * and boot it again from its definition, as zoneadm reboot: a new run under a new monitor. */
#include <stdio.h>

#include "cli.h"

#define USAGE "[--time S] NAME..."

int cmd_reboot(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        int timeout = ZONES_HALT_TIME;
        const struct opt opts[] = {
            {"time", 't', OPT_INT, &timeout, "seconds between SIGTERM and SIGKILL (default 10)"},
            {"help", 'h', OPT_BOOL, &help, "show this help"},
            {0},
        };
        int rc, first = cli_args("reboot", USAGE, opts, 1, -1, argc, argv, &rc);
        if (first < 0)
                return rc;
        if (timeout < 0) {
                fprintf(stderr, "%s reboot: --time: expected seconds >= 0, not %d\n", cli_program,
                        timeout);
                return 1;
        }
        return cli_each_zone(ctx, argc - first, argv + first, zones_reboot, timeout);
}
