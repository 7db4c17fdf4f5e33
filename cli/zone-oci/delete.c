/* zone-oci delete [--force] ID */
#include "cli.h"

int cmd_delete(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false, force = false;
        const struct opt opts[] = {
            {"force", 'f', OPT_BOOL, &force, "stop a running zone first"},
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        int i = cli_parse("delete", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("delete", "[options] ID", opts), 0;
        if (cli_positionals("delete", "[options] ID", argc - i, 1, 1) < 0)
                return 1;
        struct zone_err *err = NULL;
        return zone_delete(ctx, argv[i], force, &err) < 0 ? cli_fail(ctx, err) : 0;
}
