/* zone image gc: removes the blobs and unpacked layers no image reaches. */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "images/store.h"

int cmd_image_gc(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const struct opt opts[] = {
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        int i = cli_parse("image gc", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("image gc", "", opts), 0;
        if (cli_positionals("image gc", "", argc - i, 0, 0) < 0)
                return 1;
        struct zone_err *err = NULL;
        struct zone_image_store *s = NULL;
        uint64_t bytes = 0;
        size_t count = 0;
        if (zone_image_store_open(cli_data_root, true, &s, &err) < 0 ||
            zone_image_gc(s, &bytes, &count, &err) < 0) {
                zone_image_store_close(s);
                return cli_fail(ctx, err);
        }
        zone_image_store_close(s);
        printf("removed %zu blobs and layers, %" PRIu64 " bytes\n", count, bytes);
        return 0;
}
