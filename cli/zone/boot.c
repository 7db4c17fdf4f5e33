/* zone boot NAME...: start installed zones, each with its monitor (detached). */
#include <stdio.h>

#include "cli.h"

#define USAGE "NAME..."

int cmd_boot(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const struct opt opts[] = {{"help", 'h', OPT_BOOL, &help, "show this help"}, {0}};
        int rc, first = cli_args("boot", USAGE, opts, 1, -1, argc, argv, &rc);
        if (first < 0)
                return rc;
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        rc = 0;
        for (int i = first; i < argc; i++) {
                struct zone_err *err = NULL;
                if (zones_boot(&zc, argv[i], &err) < 0)
                        rc = cli_fail(ctx, err);
        }
        return rc;
}
