/* zone cp [-a] SRC DST: files and directories between the host and a zone, like podman cp.
 * One side is NAME:PATH, the other a host path or "-" (a tar stream on stdin or stdout). */
#include <stdio.h>

#include "cli.h"

#define USAGE "[-a] SRC DST  (one of them NAME:PATH, the other a host path or -)"

int cmd_cp(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false, archive = false;
        const struct opt opts[] = {
            {"archive", 'a', OPT_BOOL, &archive, "keep the source's uid and gid"},
            {"help", 'h', OPT_BOOL, &help, "show this help"},
            {0},
        };
        int rc, first = cli_args("cp", USAGE, opts, 2, 2, argc, argv, &rc);
        if (first < 0)
                return rc;
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        struct zone_err *err = NULL;
        struct zones_cp_opts o = {.archive = archive, .in_fd = 0, .out_fd = 1};
        if (zones_cp(&zc, argv[first], argv[first + 1], &o, &err) < 0)
                return cli_fail(ctx, err);
        return 0;
}
