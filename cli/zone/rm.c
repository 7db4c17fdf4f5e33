/* zone rm [-f] NAME...: remove zones (a running one only with --force, which kills it). */
#include <stdio.h>

#include "cli.h"

#define USAGE "[-f] NAME..."

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
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        rc = 0;
        for (int i = first; i < argc; i++) {
                struct zone_err *err = NULL;
                if (zones_remove(&zc, argv[i], force, &err) < 0)
                        rc = cli_fail(ctx, err);
        }
        return rc;
}
