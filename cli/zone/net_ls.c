/* zone net ls [--json]: each network (bridge, subnet) and its leases (address, zone, live or
 * gone); --json: an array of networks, each with its gateway and its leases. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "netns/net.h"
#include "util.h"

int cmd_net_ls(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false, json = false;
        const char *root = NULL;
        const struct opt opts[] = {
            {"net-root", 0, OPT_STRING, &root, "networks and leases (default /run/zone/net)"},
            {"json", 0, OPT_BOOL, &json,
             "a JSON array: name, bridge, subnet, gateway, leases (address, zone, state)"},
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        int rc, i = cli_args("net ls", "[--json] [--net-root DIR]", opts, 0, 0, argc, argv, &rc);
        if (i < 0)
                return rc;
        struct zone_err *err = NULL;
        if (json) {
                _cleanup_free_ char *text = NULL;
                if (zones_net_list_json(root, &text, &err) < 0)
                        return cli_fail(ctx, err);
                fputs(text, stdout);
                return 0;
        }
        struct zone_network *nets = NULL;
        size_t n = 0;
        if (zone_network_list(root, &nets, &n, &err) < 0)
                return cli_fail(ctx, err);
        printf("%-16s %-16s %-18s %-16s %-24s %s\n", "NETWORK", "BRIDGE", "SUBNET", "ADDRESS",
               "ZONE", "STATE");
        rc = 0;
        for (size_t k = 0; k < n && rc == 0; k++) {
                char a[INET_ADDRSTRLEN], cidr[INET_ADDRSTRLEN + 4];
                snprintf(cidr, sizeof(cidr), "%s/%d", zone_ipv4_str(nets[k].subnet, a),
                         nets[k].prefix);
                struct zone_lease *l = NULL;
                size_t nl = 0;
                if (zone_lease_list(root, nets[k].name, &l, &nl, &err) < 0) {
                        rc = cli_fail(ctx, err);
                        break;
                }
                if (nl == 0)
                        printf("%-16s %-16s %-18s %-16s %-24s %s\n", nets[k].name, nets[k].bridge,
                               cidr, "-", "-", "-");
                for (size_t j = 0; j < nl; j++)
                        printf("%-16s %-16s %-18s %-16s %-24s %s\n", nets[k].name, nets[k].bridge,
                               cidr, zone_ipv4_str(l[j].addr, a), l[j].id,
                               zone_lease_alive(&l[j]) ? "live" : "gone");
                zone_leases_free(l, nl);
        }
        free(nets);
        return rc;
}
