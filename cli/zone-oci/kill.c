/* zone-oci kill [--all] ID [SIGNAL]: SIGNAL as a number, "TERM" or "SIGTERM". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

static int parse_signal(const char *s)
{
        char *end;
        long n = strtol(s, &end, 10);
        if (*s && !*end)
                return n > 0 && n < NSIG ? (int)n : -1;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (int i = 1; i < NSIG; i++) {
                const char *name = sigabbrev_np(i);
                if (name && strcasecmp(name, s) == 0)
                        return i;
        }
        if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
                long off = s[5] ? strtol(s + 5, &end, 10) : 0;
                if (*end)
                        return -1;
                int v = (int)(s[3] == 'I' || s[3] == 'i' ? SIGRTMIN + off : SIGRTMAX + off);
                return v >= SIGRTMIN && v <= SIGRTMAX ? v : -1;
        }
        return -1;
}

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
        if (argc - i == 2 && (sig = parse_signal(argv[i + 1])) < 0) {
                fprintf(stderr, "zone-oci: kill: unknown signal \"%s\"\n", argv[i + 1]);
                return 1;
        }
        struct zone_err *err = NULL;
        return zone_kill(ctx, argv[i], sig, all, &err) < 0 ? cli_fail(ctx, err) : 0;
}
