/* zone inspect NAME: the zone's state, records and definition as one JSON object. */
#include <stdio.h>

#include "cli.h"
#include "util.h"

int cmd_inspect(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const struct opt opts[] = {{"help", 'h', OPT_BOOL, &help, "show this help"}, {0}};
        int first = cli_parse("inspect", opts, argc, argv);
        if (first < 0)
                return 1;
        if (help) {
                cli_usage("inspect", "NAME", opts);
                return 0;
        }
        if (cli_positionals("inspect", "NAME", argc - first, 1, 1) < 0)
                return 1;
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        struct zone_err *err = NULL;
        _cleanup_free_ char *text = NULL;
        if (zones_inspect_json(&zc, argv[first], &text, &err) < 0)
                return cli_fail(ctx, err);
        printf("%s", text);
        return 0;
}
