/* zone-oci kill [--all] ID [SIGNAL]: SIGNAL as a number, "TERM" or "SIGTERM". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cli/common/signals.h"

int cmd_kill(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false, all = false;
        const struct opt opts[] = {
            {"all", 'a', OPT_BOOL, &all, "signal every process of the zone"},
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        int i = cli_parse("kill", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("kill", "[options] ID [SIGNAL]", opts), 0;
        if (cli_positionals("kill", "[options] ID [SIGNAL]", argc - i, 1, 2) < 0)
                return 1;
        int sig = SIGTERM;
        if (argc - i == 2 && (sig = cli_parse_signal(argv[i + 1])) < 0) {
                fprintf(stderr, "zone-oci: kill: unknown signal \"%s\"\n", argv[i + 1]);
                return 1;
        }
        struct zone_err *err = NULL;
        return zone_kill(ctx, argv[i], sig, all, &err) < 0 ? cli_fail(ctx, err) : 0;
}
