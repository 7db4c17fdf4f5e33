/* zone config NAME [show | set KEY=VALUE...]: the zone's definition (zone.conf), shown as
 * it is stored or changed with the checks of the flags; changes apply at the next boot. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util.h"

#define USAGE "NAME [show | set KEY=VALUE...]"

int cmd_config(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const struct opt opts[] = {{"help", 'h', OPT_BOOL, &help, "show this help"}, {0}};
        int first = cli_parse("config", opts, argc, argv);
        if (first < 0)
                return 1;
        if (help) {
                cli_usage("config", USAGE, opts);
                printf("\nkeys (as the flags of create): type memory cpus pids-limit env volume "
                       "publish\n  network read-only user workdir hostname restart cgroup-parent "
                       "log-size\n  log-files auto-remove; a list key (env, volume, publish) "
                       "given again adds,\n  KEY= clears. name, image and command are fixed.\n");
                return 0;
        }
        if (cli_positionals("config", USAGE, argc - first, 1, -1) < 0)
                return 1;
        const char *name = argv[first];
        const char *verb = first + 1 < argc ? argv[first + 1] : "show";
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        struct zone_err *err = NULL;
        if (strcmp(verb, "show") == 0) {
                if (cli_positionals("config", USAGE, argc - first, 1, 2) < 0)
                        return 1;
                struct zones_def d;
                if (zones_def_load(&zc, name, &d, &err) < 0)
                        return cli_fail(ctx, err);
                _cleanup_free_ char *text = zones_def_format(&d);
                zones_def_done(&d);
                if (!text) {
                        zone_err_set(&err, -ENOMEM, "out of memory");
                        return cli_fail(ctx, err);
                }
                fputs(text, stdout);
                return 0;
        }
        if (strcmp(verb, "set") == 0) {
                if (first + 2 >= argc) {
                        fprintf(stderr, "%s config: set needs KEY=VALUE; usage: %s config %s\n",
                                cli_program, cli_program, USAGE);
                        return 1;
                }
                if (zones_config_set(&zc, name, argv + first + 2, &err) < 0)
                        return cli_fail(ctx, err);
                return 0;
        }
        fprintf(stderr, "%s config: unknown action \"%s\" (show or set)\n", cli_program, verb);
        return 1;
}
