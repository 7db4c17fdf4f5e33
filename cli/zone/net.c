/* zone net SUBCOMMAND: networks, leases and their garbage (net_*.c), dispatched from this table. */
#include "cli.h"

static const struct cli_cmd subcommands[] = {
    {"ls", "list networks and the addresses leased on them", cmd_net_ls},
    {"create", "define a network (bridge and subnet)", cmd_net_create},
    {"rm", "remove a network and its bridge", cmd_net_rm},
    {"gc", "release what zones that are gone left: leases, veths, NAT rules", cmd_net_gc},
};

int cmd_net(struct zone_ctx *ctx, int argc, char **argv)
{
        return cli_group(ctx, "net",
                         "The net root (networks and leases) is --net-root DIR, else "
                         "$ZONE_NET_ROOT, else /run/zone/net.",
                         subcommands, sizeof(subcommands) / sizeof(subcommands[0]), argc, argv);
}
