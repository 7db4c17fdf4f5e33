/* zone rm [-f] NAME...: remove zones (a running one only with --force, which kills it). */
#include <stdio.h>

#include "cli.h"

#define USAGE "[-f] NAME..."

/* zones_remove with the flag as cli_each_zone passes it. */
static int remove_one(const struct zones_ctx *c, const char *name, int force, struct zone_err **err)
{
        return zones_remove(c, name, force, err);
}

int cmd_rm(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false, force = false;
        const struct opt opts[] = {
            {"force", 'f', OPT_BOOL, &force, "kill a running zone first"},
            {"help", 'h', OPT_BOOL, &help, "show this help"},
            {0},
        };
        int rc, first = cli_args("rm", USAGE, opts, 1, -1, argc, argv, &rc);
        if (first < 0)
                return rc;
        return cli_each_zone(ctx, argc - first, argv + first, remove_one, force);
}
