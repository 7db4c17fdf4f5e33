/* zone net rm NAME: removes a network no live zone is on, with its bridge. */
#include "cli.h"
#include "netns/net.h"

int cmd_net_rm(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const char *root = NULL;
        const struct opt opts[] = {
            {"net-root", 0, OPT_STRING, &root, "networks and leases (default /run/zone/net)"},
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        int i = cli_parse("net rm", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("net rm", "[options] NAME", opts), 0;
        if (cli_positionals("net rm", "[options] NAME", argc - i, 1, 1) < 0)
                return 1;
        struct zone_err *err = NULL;
        if (zone_network_remove(root, argv[i], &err) < 0)
                return cli_fail(ctx, err);
        return 0;
}
