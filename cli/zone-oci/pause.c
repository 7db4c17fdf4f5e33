/* zone-oci pause ID / resume ID: freeze and thaw a zone through its cgroup. */
#include <string.h>

#include "cli.h"

static int pause_or_resume(const char *cmd, bool paused, struct zone_ctx *ctx, int argc,
                           char **argv)
{
        bool help = false;
        const struct opt opts[] = {{"help", 'h', OPT_BOOL, &help, "this help"}, {0}};
        int i = cli_parse(cmd, opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage(cmd, "ID", opts), 0;
        if (cli_positionals(cmd, "ID", argc - i, 1, 1) < 0)
                return 1;
        struct zone_err *err = NULL;
        return zone_pause(ctx, argv[i], paused, &err) < 0 ? cli_fail(ctx, err) : 0;
}

int cmd_pause(struct zone_ctx *ctx, int argc, char **argv)
{
        return pause_or_resume("pause", true, ctx, argc, argv);
}

int cmd_resume(struct zone_ctx *ctx, int argc, char **argv)
{
        return pause_or_resume("resume", false, ctx, argc, argv);
}
