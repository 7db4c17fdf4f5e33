/* Egress NAT and published ports, with nftables (libnftables), in one table the project owns
 * ("inet zone") in the current network namespace (the host side of the zones' bridge). The
 * table is made with the first rule and removed with the last; no other table is touched.
 * Every rule of a zone carries the comment "zone:ID", a network's egress rule "bridge:NAME",
 * which is how they are found again. libnftables is loaded (dlopen) by these calls only. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct zone_err;

/* The longest zone id that fits nft's 128-byte comment after "zone:"; longer ids: -EINVAL. */
#define ZONE_NAT_ID_MAX 123

struct zone_port {
        char host_ip[46]; /* "" for every address (and the host's loopback) */
        uint16_t host_port;
        uint16_t zone_port;
        int proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

/* "[HOSTIP:]HOSTPORT:ZONEPORT[/tcp|udp]" ("[::1]:8080:80" for IPv6); one clear error naming
 * the spec when malformed. */
int zone_port_parse(const char *spec, struct zone_port *ret, struct zone_err **err);

/* Whether the ports can be published now in the current namespace, without changing anything:
 * a port given twice, one a socket here is bound to (a program of the host listens there), or
 * one another zone published is -EADDRINUSE naming the port (and the zone that has it).
 * zone_id (NULL: a zone without a name yet) may hold its ports already. zone_nat_add does the
 * same checks itself; this is for callers that want to refuse before they make anything. */
int zone_nat_ports_check(const char *zone_id, const struct zone_port *ports, size_t n_ports,
                         struct zone_err **err);

/* Egress NAT (masquerade) for a zone's address leaving through anything but the bridge, and
 * DNAT of its published ports, both tagged with the zone's id. A host port already published
 * (by any zone) or bound by a socket of this namespace is -EADDRINUSE naming it, and nothing
 * is added. zone_addr is IPv4 or IPv6,
 * with or without "/prefix"; a port's host_ip must be of the same family. Calling it again for
 * the same zone replaces the zone's rules (one transaction). Publishing on every address or
 * on 127.0.0.0/8 sets net.ipv4.conf.all.route_localnet=1 in the current namespace. Changes are
 * serialised by a flock on /run/zone/nat.lock. */
int zone_nat_add(const char *zone_id, const char *bridge, const char *zone_addr,
                 const struct zone_port *ports, size_t n_ports, struct zone_err **err);

/* zone_nat_add without the zone's own egress masquerade, for a zone on a network whose egress
 * rule (zone_nat_network_add) covers it: the published ports alone, tagged "zone:ID". */
int zone_nat_publish(const char *zone_id, const char *bridge, const char *zone_addr,
                     const struct zone_port *ports, size_t n_ports, struct zone_err **err);

/* Egress NAT of a whole network: "ip saddr SUBNET oifname != BRIDGE masquerade", tagged
 * "bridge:BRIDGE" (subnet "A.B.C.D/N"). Made with the network's bridge, so starting a zone
 * without published ports changes no rule; replaces the bridge's earlier rule. The table
 * stays while such a rule is in it. */
int zone_nat_network_add(const char *bridge, const char *subnet, struct zone_err **err);
/* Removes the bridge's egress rule (none: 0), and the table when nothing is left in it. */
int zone_nat_network_remove(const char *bridge, struct zone_err **err);

/* Removes every rule of the zone (none: 0), and the table when no rule is left. */
int zone_nat_remove(const char *zone_id, struct zone_err **err);

/* The ids that have rules now (for gc: the caller removes those of zones that are gone). */
int zone_nat_zones(char ***ret_ids, struct zone_err **err);
