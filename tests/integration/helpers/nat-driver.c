/* Test driver of netns/nat.h for tests/integration/net-nat.bats:
 *   nat-driver add ID BRIDGE ZONEADDR [PORTSPEC...]
 *   nat-driver publish ID BRIDGE ZONEADDR [PORTSPEC...]   (no egress rule of the zone's)
 *   nat-driver network-add BRIDGE SUBNET | network-remove BRIDGE
 *   nat-driver remove ID
 *   nat-driver zones          (one id a line)
 *   nat-driver parse PORTSPEC (host_ip host_port zone_port proto)
 * Errors: the library's message on stderr, exit status 1. */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"
#include "netns/nat.h"

static int fail(struct zone_err *err)
{
        fprintf(stderr, "nat-driver: %s\n", err ? err->msg : "failed");
        zone_err_free(err);
        return 1;
}

int main(int argc, char **argv)
{
        struct zone_err *err = NULL;
        bool publish = argc >= 5 && strcmp(argv[1], "publish") == 0;
        if (argc >= 5 && (strcmp(argv[1], "add") == 0 || publish)) {
                size_t n = (size_t)(argc - 5);
                struct zone_port *ports = calloc(n + 1, sizeof(*ports));
                if (!ports)
                        return 1;
                for (size_t i = 0; i < n; i++)
                        if (zone_port_parse(argv[5 + i], &ports[i], &err) < 0) {
                                free(ports);
                                return fail(err);
                        }
                int r = publish ? zone_nat_publish(argv[2], argv[3], argv[4], ports, n, &err)
                                : zone_nat_add(argv[2], argv[3], argv[4], ports, n, &err);
                free(ports);
                return r < 0 ? fail(err) : 0;
        }
        if (argc == 4 && strcmp(argv[1], "network-add") == 0)
                return zone_nat_network_add(argv[2], argv[3], &err) < 0 ? fail(err) : 0;
        if (argc == 3 && strcmp(argv[1], "network-remove") == 0)
                return zone_nat_network_remove(argv[2], &err) < 0 ? fail(err) : 0;
        if (argc == 3 && strcmp(argv[1], "remove") == 0)
                return zone_nat_remove(argv[2], &err) < 0 ? fail(err) : 0;
        if (argc == 2 && strcmp(argv[1], "zones") == 0) {
                char **ids = NULL;
                if (zone_nat_zones(&ids, &err) < 0)
                        return fail(err);
                for (char **p = ids; *p; p++)
                        printf("%s\n", *p);
                strv_free(ids);
                return 0;
        }
        if (argc == 3 && strcmp(argv[1], "parse") == 0) {
                struct zone_port p;
                if (zone_port_parse(argv[2], &p, &err) < 0)
                        return fail(err);
                printf("%s %u %u %s\n", p.host_ip[0] ? p.host_ip : "-", p.host_port, p.zone_port,
                       p.proto == IPPROTO_UDP ? "udp" : "tcp");
                return 0;
        }
        fprintf(stderr, "usage: nat-driver add|publish ID BRIDGE ZONEADDR [PORTSPEC...] | "
                        "network-add BRIDGE SUBNET | network-remove BRIDGE | remove ID | zones | "
                        "parse PORTSPEC\n");
        return 2;
}
