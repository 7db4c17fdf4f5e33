/* zone halt [--time S] NAME...: SIGTERM to each zone's init, SIGKILL to all its processes
 * after S seconds (default 10); returns once the zone and its monitor are gone. */
#include <stdio.h>

#include "cli.h"

#define USAGE "[--time S] NAME..."

int cmd_halt(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        int timeout = ZONES_HALT_TIME;
        const struct opt opts[] = {
            {"time", 't', OPT_INT, &timeout, "seconds between SIGTERM and SIGKILL (default 10)"},
            {"help", 'h', OPT_BOOL, &help, "show this help"},
            {0},
        };
        int rc, first = cli_args("halt", USAGE, opts, 1, -1, argc, argv, &rc);
        if (first < 0)
                return rc;
        return cli_each_zone(ctx, argc - first, argv + first, zones_halt, timeout);
}
