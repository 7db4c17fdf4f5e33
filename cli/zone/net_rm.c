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
        int rc, i = cli_args("net rm", "[options] NAME", opts, 1, 1, argc, argv, &rc);
        if (i < 0)
                return rc;
        struct zone_err *err = NULL;
        if (zone_network_remove(root, argv[i], &err) < 0)
                return cli_fail(ctx, err);
        return 0;
}
