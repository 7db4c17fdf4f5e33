/* zone pause NAME... / zone resume NAME...: freeze and thaw every process of running zones
 * (a light zone's cgroup freezer, a VM zone's vCPUs through QMP); ls shows `paused`. */
#include <stdio.h>

#include "cli.h"

#define USAGE "NAME..."

/* zones_pause with the flag as cli_each_zone passes it. */
static int pause_one(const struct zones_ctx *c, const char *name, int paused, struct zone_err **err)
{
        return zones_pause(c, name, paused, err);
}

static int pause_or_resume(struct zone_ctx *ctx, const char *cmd, bool paused, int argc,
                           char **argv)
{
        bool help = false;
        const struct opt opts[] = {{"help", 'h', OPT_BOOL, &help, "show this help"}, {0}};
        int rc, first = cli_args(cmd, USAGE, opts, 1, -1, argc, argv, &rc);
        if (first < 0)
                return rc;
        return cli_each_zone(ctx, argc - first, argv + first, pause_one, paused);
}

int cmd_pause(struct zone_ctx *ctx, int argc, char **argv)
{
        return pause_or_resume(ctx, "pause", true, argc, argv);
}

int cmd_resume(struct zone_ctx *ctx, int argc, char **argv)
{
        return pause_or_resume(ctx, "resume", false, argc, argv);
}
