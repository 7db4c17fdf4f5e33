/* zone boot NAME...: start installed zones, each with its monitor (detached). */
#include <stdio.h>

#include "cli.h"

#define USAGE "NAME..."

int cmd_boot(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const struct opt opts[] = {{"help", 'h', OPT_BOOL, &help, "show this help"}, {0}};
        int first = cli_parse("boot", opts, argc, argv);
        if (first < 0)
                return 1;
        if (help) {
                cli_usage("boot", USAGE, opts);
                return 0;
        }
        if (cli_positionals("boot", USAGE, argc - first, 1, -1) < 0)
                return 1;
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        int rc = 0;
        for (int i = first; i < argc; i++) {
                struct zone_err *err = NULL;
                if (zones_boot(&zc, argv[i], &err) < 0)
                        rc = cli_fail(ctx, err);
        }
        return rc;
}
