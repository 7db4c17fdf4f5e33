/* zone kill [-s SIGNAL] NAME...: a signal (default SIGKILL, as podman kill) to each running
 * zone's init. The zone's exit is then like any other: its monitor records the status and
 * applies the restart policy (`zone halt` is the stop that is not restarted). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cli/common/signals.h"

#define USAGE "[-s SIGNAL] NAME..."

int cmd_kill(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const char *signal = "KILL";
        const struct opt opts[] = {
            {"signal", 's', OPT_STRING, &signal,
             "SIGNAL: a name (TERM, SIGTERM) or number (default KILL)"},
            {"help", 'h', OPT_BOOL, &help, "show this help"},
            {0},
        };
        int rc, first = cli_args("kill", USAGE, opts, 1, -1, argc, argv, &rc);
        if (first < 0)
                return rc;
        int sig = cli_parse_signal(signal);
        if (sig < 0) {
                fprintf(stderr, "%s kill: --signal: unknown signal \"%s\"\n", cli_program, signal);
                return 1;
        }
        return cli_each_zone(ctx, argc - first, argv + first, zones_kill, sig);
}
