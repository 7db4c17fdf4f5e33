/* zone boot NAME...: start installed zones, each with its monitor (detached). */
#include <stdio.h>

#include "cli.h"

#define USAGE "NAME..."

/* zones_boot in cli_each_zone's shape. */
static int boot_one(const struct zones_ctx *c, const char *name, int unused, struct zone_err **err)
{
        (void)unused;
        return zones_boot(c, name, err);
}

int cmd_boot(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const struct opt opts[] = {{"help", 'h', OPT_BOOL, &help, "show this help"}, {0}};
        int rc, first = cli_args("boot", USAGE, opts, 1, -1, argc, argv, &rc);
        if (first < 0)
                return rc;
        return cli_each_zone(ctx, argc - first, argv + first, boot_one, 0);
}
