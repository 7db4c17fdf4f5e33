/* zone net create NAME [--subnet CIDR] [--bridge NAME]: defines a network; its bridge is made
 * with its first zone. */
#include <stdio.h>

#include "cli.h"
#include "netns/net.h"

int cmd_net_create(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const char *root = NULL, *subnet = NULL, *bridge = NULL;
        const struct opt opts[] = {
            {"subnet", 0, OPT_STRING, &subnet, "IPv4 subnet A.B.C.D/N (default a free /24)"},
            {"bridge", 0, OPT_STRING, &bridge, "bridge name (default " ZONE_NET_DEFAULT_BRIDGE ")"},
            {"net-root", 0, OPT_STRING, &root, "networks and leases (default /run/zone/net)"},
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        int rc, i = cli_args("net create", "[options] NAME", opts, 1, 1, argc, argv, &rc);
        if (i < 0)
                return rc;
        struct zone_err *err = NULL;
        struct zone_network n;
        if (zone_network_create(root, argv[i], subnet, bridge, &n, &err) < 0)
                return cli_fail(ctx, err);
        char a[INET_ADDRSTRLEN];
        printf("%s %s %s/%d\n", n.name, n.bridge, zone_ipv4_str(n.subnet, a), n.prefix);
        return 0;
}
