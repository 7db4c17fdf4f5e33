/* zone image unbundle DIR */
#include <stdio.h>

#include "cli.h"
#include "err.h"
#include "images/bundle.h"

#define USAGE "DIR"

int cmd_image_unbundle(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const struct opt opts[] = {
            {"help", 'h', OPT_BOOL, &help, "show this help"},
            {0},
        };
        int first = cli_parse("image unbundle", opts, argc, argv);
        if (first < 0)
                return 1;
        if (help) {
                cli_usage("image unbundle", USAGE, opts);
                return 0;
        }
        if (cli_positionals("image unbundle", USAGE, argc - first, 1, 1) < 0)
                return 1;
        struct zone_err *err = NULL;
        if (zone_image_unbundle(argv[first], &err) < 0)
                return cli_fail(ctx, err);
        return 0;
}
