/* zone logs [-f] NAME: what the zone printed while its monitor ran it (rotated files oldest
 * first); -f keeps following until the zone is gone. */
#include <stdio.h>

#include "cli.h"

int cmd_logs(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false, follow = false;
        const struct opt opts[] = {
            {"follow", 'f', OPT_BOOL, &follow, "keep printing new lines until the zone is gone"},
            {"help", 'h', OPT_BOOL, &help, "show this help"},
            {0},
        };
        int first = cli_parse("logs", opts, argc, argv);
        if (first < 0)
                return 1;
        if (help) {
                cli_usage("logs", "[-f] NAME", opts);
                return 0;
        }
        if (cli_positionals("logs", "[-f] NAME", argc - first, 1, 1) < 0)
                return 1;
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        struct zone_err *err = NULL;
        if (zones_logs(&zc, argv[first], 1, follow, &err) < 0)
                return cli_fail(ctx, err);
        return 0;
}
