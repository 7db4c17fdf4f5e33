/* zone image rm REF...: removes the records; blobs and layers go with zone image gc. */
#include <stdio.h>

#include "cli.h"
#include "images/store.h"

int cmd_image_rm(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const struct opt opts[] = {
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        int i = cli_parse("image rm", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("image rm", "REF...", opts), 0;
        if (cli_positionals("image rm", "REF...", argc - i, 1, -1) < 0)
                return 1;
        struct zone_err *err = NULL;
        struct zone_image_store *s = NULL;
        if (zone_image_store_open(cli_data_root, true, &s, &err) < 0)
                return cli_fail(ctx, err);
        int status = 0;
        for (; i < argc; i++) {
                if (zone_image_remove(s, argv[i], &err) < 0) {
                        status = cli_fail(ctx, err);
                        err = NULL;
                } else {
                        printf("%s\n", argv[i]);
                }
        }
        zone_image_store_close(s);
        return status;
}
