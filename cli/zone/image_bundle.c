/* zone image bundle REF DIR [--copy] [--env K=V]... [-- ARGS...] */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "images/bundle.h"
#include "util.h"

#define USAGE "REF DIR [--copy] [--env NAME=VALUE]... [-- ARGS...]"

int cmd_image_bundle(struct zone_ctx *ctx, int argc, char **argv)
{
        bool copy = false, help = false;
        _cleanup_strv_ char **env = NULL;
        const struct opt opts[] = {
            {"copy", 0, OPT_BOOL, &copy, "copy the layers into DIR/rootfs instead of an overlay"},
            {"env", 'e', OPT_LIST, &env, "add NAME=VALUE to the image's environment"},
            {"help", 'h', OPT_BOOL, &help, "show this help"},
            {0},
        };
        /* options before, between and after REF and DIR; "--" starts the command */
        const char *pos[2];
        int npos = 0, i = 0;
        char **args = NULL;
        while (i < argc) {
                int n = cli_parse("image bundle", opts, argc - i, argv + i);
                if (n < 0)
                        return 1;
                i += n;
                if (n > 0 && strcmp(argv[i - 1], "--") == 0) {
                        args = argv + i;
                        break;
                }
                if (i >= argc)
                        break;
                if (npos == 2)
                        return cli_positionals("image bundle", USAGE, 3, 2, 2) < 0;
                pos[npos++] = argv[i++];
        }
        if (help) {
                cli_usage("image bundle", USAGE, opts);
                return 0;
        }
        if (cli_positionals("image bundle", USAGE, npos, 2, 2) < 0)
                return 1;
        struct zone_bundle_opts bo = {
            .mode = copy ? ZONE_ROOTFS_COPY : ZONE_ROOTFS_AUTO,
            .args = args,
            .env = env,
        };
        struct zone_err *err = NULL;
        struct zone_image_store *s = NULL;
        if (zone_image_store_open(cli_data_root, false, &s, &err) < 0)
                return cli_fail(ctx, err);
        int r = zone_image_bundle(s, pos[0], pos[1], &bo, &err);
        zone_image_store_close(s);
        if (r < 0)
                return cli_fail(ctx, err);
        printf("%s\n", pos[1]);
        return 0;
}
