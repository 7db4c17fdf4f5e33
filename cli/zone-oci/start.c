/* zone-oci start ID */
#include "cli.h"

int cmd_start(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const struct opt opts[] = {{"help", 'h', OPT_BOOL, &help, "this help"}, {0}};
        int i = cli_parse("start", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("start", "ID", opts), 0;
        if (cli_positionals("start", "ID", argc - i, 1, 1) < 0)
                return 1;
        struct zone_err *err = NULL;
        return zone_start(ctx, argv[i], &err) < 0 ? cli_fail(ctx, err) : 0;
}
