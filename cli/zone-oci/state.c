/* zone-oci state ID: the OCI state document. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_state(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const struct opt opts[] = {{"help", 'h', OPT_BOOL, &help, "this help"}, {0}};
        int i = cli_parse("state", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("state", "ID", opts), 0;
        if (cli_positionals("state", "ID", argc - i, 1, 1) < 0)
                return 1;
        struct zone_err *err = NULL;
        char *json = NULL;
        if (zone_state(ctx, argv[i], &json, &err) < 0)
                return cli_fail(ctx, err);
        printf("%s\n", json);
        free(json);
        return 0;
}
