/* zone net gc: releases the named network namespaces of VM zones that are not running, then
 * the leases of zones that are gone, and deletes their veths and NAT rules, in the current
 * network namespace. */
#include <stdio.h>

#include "cli.h"
#include "netns/net.h"

int cmd_net_gc(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const char *root = NULL;
        const struct opt opts[] = {
            {"net-root", 0, OPT_STRING, &root, "networks and leases (default /run/zone/net)"},
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        int rc, i = cli_args("net gc", "[options]", opts, 0, 0, argc, argv, &rc);
        if (i < 0)
                return rc;
        struct zone_err *err = NULL;
        struct zone_net_gc_stats st;
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        size_t netns = 0;
        if (zones_net_gc_netns(&zc, root, &netns, &err) < 0 || zone_net_gc(root, &st, &err) < 0)
                return cli_fail(ctx, err);
        printf("released %zu leases and %zu network namespaces, removed %zu veths and %zu "
               "zones' NAT rules\n",
               st.leases, netns, st.links, st.nat);
        return 0;
}
