/* zone ps NAME: the processes of a running (or paused) zone, from its cgroup, like `podman
 * top`: host PID, PPID, the user as the zone names it, and the command line. */
#include <stdio.h>

#include "cli.h"

#define USAGE "NAME"

int cmd_ps(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const struct opt opts[] = {{"help", 'h', OPT_BOOL, &help, "show this help"}, {0}};
        int rc, first = cli_args("ps", USAGE, opts, 1, 1, argc, argv, &rc);
        if (first < 0)
                return rc;
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        struct zone_err *err = NULL;
        struct zones_proc *list = NULL;
        size_t n = 0;
        if (zones_ps(&zc, argv[first], &list, &n, &err) < 0)
                return cli_fail(ctx, err);
        printf("%-8s %-8s %-10s %s\n", "PID", "PPID", "USER", "COMMAND");
        for (size_t i = 0; i < n; i++)
                printf("%-8d %-8d %-10s %s\n", (int)list[i].pid, (int)list[i].ppid, list[i].user,
                       list[i].command);
        zones_procs_free(list, n);
        return 0;
}
