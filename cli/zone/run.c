/* zone run [--rm] [-d] [-i] [-t] [--name NAME] [options] IMAGE [CMD...]: create and boot in
 * one step. In the foreground the zone runs in this process (its output on ours, its exit
 * status ours); with -d its monitor runs it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define USAGE "[--rm] [-d] [-i] [-t] [--name NAME] [options] IMAGE [CMD...]"

/* The status when zone run itself fails, apart from any a zone's command can give (as
 * docker run has it). */
#define RUN_FAILED 125

int cmd_run(struct zone_ctx *ctx, int argc, char **argv)
{
        struct cli_zone_flags f = {0};
        const char *name = NULL;
        bool rm = false, detach = false, interactive = false, tty = false, help = false;
        struct opt opts[32];
        size_t n = cli_zone_flags(&f, opts);
        opts[n++] =
            (struct opt){"name", 0, OPT_STRING, &name, "the zone's name (default: made up)"};
        opts[n++] = (struct opt){"rm", 0, OPT_BOOL, &rm, "remove the zone when it exits"};
        opts[n++] = (struct opt){"detach", 'd', OPT_BOOL, &detach, "run it in the background"};
        opts[n++] =
            (struct opt){"interactive", 'i', OPT_BOOL, &interactive, "keep standard input open"};
        opts[n++] = (struct opt){"tty", 't', OPT_BOOL, &tty, "give the zone a terminal"};
        opts[n++] = (struct opt){"help", 'h', OPT_BOOL, &help, "show this help"};
        opts[n] = (struct opt){0};
        int rc = RUN_FAILED;
        int first = cli_parse("run", opts, argc, argv);
        if (first < 0)
                goto out;
        if (help) {
                cli_usage("run", USAGE, opts);
                rc = 0;
                goto out;
        }
        if (cli_positionals("run", USAGE, argc - first, 1, -1) < 0)
                goto out;
        if (detach && (tty || interactive)) {
                fprintf(stderr,
                        "%s run: -d runs the zone without a terminal or input: drop -i/-t\n",
                        cli_program);
                goto out;
        }
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        struct zones_def d;
        zones_def_init(&d);
        struct zone_err *err = NULL;
        int r = name ? zones_def_set(&d, "name", name, &err) : 0;
        if (r >= 0)
                r = zones_def_set(&d, "image", argv[first], &err);
        for (int i = first + 1; r >= 0 && i < argc; i++)
                r = zones_def_set(&d, "command", argv[i], &err);
        if (r >= 0)
                r = cli_zone_flags_apply(&f, &d, &err);
        if (r >= 0 && rm && detach)
                d.auto_remove = true;
        /* A published port that is taken: one line, and no zone made for nothing. */
        if (r >= 0 && (r = zones_net_check(&d, &err)) >= 0)
                r = zones_net_ports_check(&d, &err);
        if (r >= 0)
                r = zones_create(&zc, &d, &err);
        if (r < 0) {
                cli_fail(ctx, err);
                zones_def_done(&d);
                goto out;
        }
        int status = 0;
        if (detach) {
                r = zones_boot(&zc, d.name, &err);
                if (r >= 0) {
                        printf("%s\n", d.name);
                        rc = 0;
                }
        } else {
                fflush(stdout);
                r = zones_run_foreground(&zc, d.name, tty, interactive, &status, &err);
                if (r >= 0)
                        rc = status;
        }
        if (r < 0)
                cli_fail(ctx, err);
        err = NULL;
        /* --rm: nothing stays once the zone exited (or failed to start). */
        if (rm && (!detach || r < 0) && zones_remove(&zc, d.name, true, &err) < 0) {
                cli_fail(ctx, err);
                rc = RUN_FAILED;
        }
        zones_def_done(&d);
out:
        cli_zone_flags_done(&f);
        return rc;
}
