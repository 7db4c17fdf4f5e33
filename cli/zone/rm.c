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
        int first = cli_parse("rm", opts, argc, argv);
        if (first < 0)
                return 1;
        if (help) {
                cli_usage("rm", USAGE, opts);
                return 0;
        }
        if (cli_positionals("rm", USAGE, argc - first, 1, -1) < 0)
                return 1;
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        int rc = 0;
        for (int i = first; i < argc; i++) {
                struct zone_err *err = NULL;
                if (zones_remove(&zc, argv[i], force, &err) < 0)
                        rc = cli_fail(ctx, err);
        }
        return rc;
}
