/* zone wait NAME...: blocks until each zone is no longer running (a zone its monitor is
 * restarting still runs), then prints its last exit status, one a line, like podman wait;
 * at once for a zone that is not running. */
#include <stdio.h>

#include "cli.h"

#define USAGE "NAME..."

int cmd_wait(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const struct opt opts[] = {{"help", 'h', OPT_BOOL, &help, "show this help"}, {0}};
        int rc, first = cli_args("wait", USAGE, opts, 1, -1, argc, argv, &rc);
        if (first < 0)
                return rc;
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        rc = 0;
        for (int i = first; i < argc; i++) {
                struct zone_err *err = NULL;
                int status = 0;
                if (zones_wait(&zc, argv[i], &status, &err) < 0) {
                        rc = cli_fail(ctx, err);
                        continue;
                }
                printf("%d\n", status);
                fflush(stdout);
        }
        return rc;
}
