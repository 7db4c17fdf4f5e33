/* zone net SUBCOMMAND: networks, leases and their garbage (net_*.c), dispatched from this table. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_cmd subcommands[] = {
    {"ls", "list networks and the addresses leased on them", cmd_net_ls},
    {"create", "define a network (bridge and subnet)", cmd_net_create},
    {"rm", "remove a network and its bridge", cmd_net_rm},
    {"gc", "release what zones that are gone left: leases, veths, NAT rules", cmd_net_gc},
};

int cmd_net(struct zone_ctx *ctx, int argc, char **argv)
{
        size_t n = sizeof(subcommands) / sizeof(subcommands[0]);
        if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
                printf("usage: zone net SUBCOMMAND [options] [args]\n\n"
                       "The net root (networks and leases) is --net-root DIR, else $ZONE_NET_ROOT, "
                       "else /run/zone/net.\n\nsubcommands:\n");
                for (size_t i = 0; i < n; i++)
                        printf("  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
                return argc < 1 ? 1 : 0;
        }
        for (size_t i = 0; i < n; i++)
                if (strcmp(argv[0], subcommands[i].name) == 0)
                        return subcommands[i].run(ctx, argc - 1, argv + 1);
        fprintf(stderr, "zone net: unknown subcommand \"%s\" (see zone net --help)\n", argv[0]);
        return 1;
}
