/* zone-oci update: placeholder until the command lands. */
#include <stdio.h>

#include "cli.h"

int cmd_update(struct zone_ctx *ctx, int argc, char **argv)
{
        (void)ctx;
        (void)argc;
        (void)argv;
        fprintf(stderr, "zone-oci update: not implemented yet\n");
        return 1;
}
