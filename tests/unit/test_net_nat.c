/* Unit tests for published port specs (zone_port_parse): the accepted forms, their defaults
 * and normalisation, and one message naming the spec for each malformed one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "netns/nat.h"

static void assert_port(const char *spec, const char *host_ip, unsigned host_port,
                        unsigned zone_port, int proto)
{
        struct zone_err *err = NULL;
        struct zone_port p;
        memset(&p, 0xa5, sizeof(p));
        if (zone_port_parse(spec, &p, &err) != 0)
                fail_msg("%s: %s", spec, err ? err->msg : "?");
        assert_null(err);
        assert_string_equal(p.host_ip, host_ip);
        assert_int_equal(p.host_port, host_port);
        assert_int_equal(p.zone_port, zone_port);
        assert_int_equal(p.proto, proto);
}

static void good_specs(void **state)
{
        (void)state;
        assert_port("8080:80", "", 8080, 80, IPPROTO_TCP);
        assert_port("8080:80/tcp", "", 8080, 80, IPPROTO_TCP);
        assert_port("53:5353/udp", "", 53, 5353, IPPROTO_UDP);
        assert_port("1:65535", "", 1, 65535, IPPROTO_TCP);
        assert_port("127.0.0.1:8080:80", "127.0.0.1", 8080, 80, IPPROTO_TCP);
        assert_port("192.168.1.20:443:8443/tcp", "192.168.1.20", 443, 8443, IPPROTO_TCP);
        assert_port("[::1]:8080:80", "::1", 8080, 80, IPPROTO_TCP);
        assert_port("[fd00:0::0:1]:53:53/udp", "fd00::1", 53, 53, IPPROTO_UDP);
        /* Leading zeros are still the same port. */
        assert_port("08080:080", "", 8080, 80, IPPROTO_TCP);
        /* The any addresses mean every address, like no address. */
        assert_port("0.0.0.0:80:80", "", 80, 80, IPPROTO_TCP);
        assert_port("[::]:80:80/udp", "", 80, 80, IPPROTO_UDP);
}

static void bad_spec(const char *spec, const char *msg)
{
        struct zone_err *err = NULL;
        struct zone_port p = {.host_port = 7};
        int r = zone_port_parse(spec, &p, &err);
        if (r != -EINVAL)
                fail_msg("%s: expected -EINVAL, got %d", spec, r);
        assert_non_null(err);
        assert_int_equal(err->code, -EINVAL);
        if (strcmp(err->msg, msg) != 0)
                fail_msg("%s:\n got  %s\n want %s", spec, err->msg, msg);
        /* Nothing is written on failure. */
        assert_int_equal(p.host_port, 7);
        zone_err_free(err);
}

#define SYNTAX "expected [HOSTIP:]HOSTPORT:ZONEPORT[/tcp|udp]"

static void bad_specs(void **state)
{
        (void)state;
        bad_spec("", "published port \"\": " SYNTAX);
        bad_spec("8080", "published port \"8080\": " SYNTAX);
        bad_spec("8080/tcp", "published port \"8080/tcp\": " SYNTAX);
        bad_spec(":80", "published port \":80\": host port \"\" is not a number from 1 to 65535");
        bad_spec("80:", "published port \"80:\": zone port \"\" is not a number from 1 to 65535");
        bad_spec("0:80",
                 "published port \"0:80\": host port \"0\" is not a number from 1 to 65535");
        bad_spec(
            "80:65536",
            "published port \"80:65536\": zone port \"65536\" is not a number from 1 to 65535");
        bad_spec("99999999999:80", "published port \"99999999999:80\": host port \"99999999999\" "
                                   "is not a number from 1 to 65535");
        bad_spec("-1:80", "published port \"-1:80\": host port \"-1\" is not a number from 1 to "
                          "65535");
        bad_spec("+80:80", "published port \"+80:80\": host port \"+80\" is not a number from 1 "
                           "to 65535");
        bad_spec(" 80:80", "published port \" 80:80\": host port \" 80\" is not a number from 1 "
                           "to 65535");
        bad_spec("http:80", "published port \"http:80\": host port \"http\" is not a number from "
                            "1 to 65535");
        bad_spec("80:80/sctp",
                 "published port \"80:80/sctp\": unknown protocol \"sctp\" (expected tcp or udp)");
        bad_spec("80:80/",
                 "published port \"80:80/\": unknown protocol \"\" (expected tcp or udp)");
        bad_spec("80:80/TCP",
                 "published port \"80:80/TCP\": unknown protocol \"TCP\" (expected tcp or udp)");
        bad_spec("80:80/tcp/udp", "published port \"80:80/tcp/udp\": unknown protocol "
                                  "\"tcp/udp\" (expected tcp or udp)");
        bad_spec("localhost:80:80",
                 "published port \"localhost:80:80\": invalid IPv4 host address \"localhost\"");
        bad_spec("1.2.3.256:80:80",
                 "published port \"1.2.3.256:80:80\": invalid IPv4 host address \"1.2.3.256\"");
        bad_spec(":80:80", "published port \":80:80\": " SYNTAX " (an IPv6 address goes in "
                           "brackets)");
        bad_spec("::1:80:80", "published port \"::1:80:80\": " SYNTAX " (an IPv6 address goes "
                              "in brackets)");
        bad_spec("1.2.3.4:5:6:7", "published port \"1.2.3.4:5:6:7\": " SYNTAX " (an IPv6 "
                                  "address goes in brackets)");
        bad_spec("[::1:80:80", "published port \"[::1:80:80\": " SYNTAX " with an IPv6 address "
                               "in brackets");
        bad_spec("[::1]80:80", "published port \"[::1]80:80\": " SYNTAX " with an IPv6 address "
                               "in brackets");
        bad_spec("[]:80:80", "published port \"[]:80:80\": invalid IPv6 address");
        bad_spec("[1.2.3.4]:80:80",
                 "published port \"[1.2.3.4]:80:80\": invalid IPv6 host address \"1.2.3.4\"");
        bad_spec("[::1]:80", "published port \"[::1]:80\": " SYNTAX);
        /* Control characters never reach a one-line message. */
        bad_spec("80:80\n", "published port \"80:80?\": zone port \"80?\" is not a number from "
                            "1 to 65535");
        bad_spec(NULL, "published port \"\": " SYNTAX);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(good_specs),
            cmocka_unit_test(bad_specs),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
