/* runtime/zones: option checks shared by the flags and `config set`, and zone.conf round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util.h"
#include "zones/zones.h"

static void set_ok(struct zones_def *d, const char *k, const char *v)
{
        struct zone_err *err = NULL;
        int r = zones_def_set(d, k, v, &err);
        if (r < 0)
                fail_msg("%s=%s: %s", k, v, err->msg);
}

static void set_bad(const char *k, const char *v, const char *want)
{
        struct zones_def d;
        zones_def_init(&d);
        struct zone_err *err = NULL;
        assert_true(zones_def_set(&d, k, v, &err) < 0);
        assert_non_null(err);
        if (!strstr(err->msg, want))
                fail_msg("%s=%s: \"%s\" lacks \"%s\"", k, v, err->msg, want);
        zone_err_free(err);
        zones_def_done(&d);
}

static void test_sizes_and_numbers(void **state)
{
        struct zones_def d;
        zones_def_init(&d);
        set_ok(&d, "memory", "512m");
        assert_int_equal(d.memory, 512ll << 20);
        set_ok(&d, "memory", "1G");
        assert_int_equal(d.memory, 1ll << 30);
        set_ok(&d, "memory", "4096");
        assert_int_equal(d.memory, 4096);
        set_ok(&d, "cpus", "1.5");
        assert_int_equal(d.cpus_milli, 1500);
        set_ok(&d, "cpus", "0.25");
        assert_int_equal(d.cpus_milli, 250);
        set_ok(&d, "network", "bridge:web");
        set_ok(&d, "network", "zone:db");
        set_ok(&d, "network", "/run/netns/x");
        set_ok(&d, "network", "bridge");
        set_ok(&d, "net-root", "/tmp/net");
        set_ok(&d, "restart", "on-failure:3");
        assert_int_equal(d.restart, ZONES_RESTART_ON_FAILURE);
        assert_int_equal(d.restart_max, 3);
        zones_def_done(&d);
        set_bad("memory", "12XB", "invalid size \"12XB\"");
        set_bad("memory", "-1m", "invalid size");
        set_bad("memory", "0", "invalid size");
        set_bad("cpus", "0", "cpus");
        set_bad("cpus", "1.0001", "cpus");
        set_bad("pids-limit", "many", "pids-limit");
        set_bad("restart", "on-failure:0", "restart");
        set_bad("restart", "sometimes", "restart");
        set_bad("network", "bogus", "is not bridge[:NETWORK], none, host, zone:NAME");
        set_bad("network", "bridge:a/b", "network");
        set_bad("network", "zone:a/b", "network");
        set_bad("net-root", "relative", "absolute");
        set_bad("publish", "80", "publish");
        set_bad("volume", "/nonexistent-zone-test:/x", "ENOENT");
        set_bad("volume", "/tmp:relative", "absolute");
        set_bad("env", "=x", "NAME=VALUE");
        set_bad("name", "a/b", "name");
        set_bad("hostname", "a b", "hostname");
        set_bad("workdir", "rel", "absolute");
        set_bad("type", "nosuch", "nosuch");
        set_bad("nosuch", "1", "unknown option");
        set_bad("user", "a\nb", "line break");
}

static void test_round_trip(void **state)
{
        struct zones_def d, e;
        zones_def_init(&d);
        zones_def_init(&e);
        set_ok(&d, "name", "web");
        set_ok(&d, "image", "localhost/bb:latest");
        set_ok(&d, "command", "sh");
        set_ok(&d, "command", "-c");
        set_ok(&d, "command", "echo a = b");
        set_ok(&d, "env", "A=1");
        set_ok(&d, "volume", "/tmp:/t:ro");
        set_ok(&d, "memory", "64m");
        set_ok(&d, "cpus", "2");
        set_ok(&d, "restart", "on-failure:5");
        set_ok(&d, "read-only", "true");
        set_ok(&d, "log-files", "7");
        _cleanup_free_ char *text = zones_def_format(&d);
        assert_non_null(text);
        assert_non_null(strstr(text, "\ncommand = echo a = b\n"));
        assert_non_null(strstr(text, "\nmemory = 67108864\n"));
        struct zone_err *err = NULL;
        if (zones_def_parse(text, "zone.conf", &e, &err) < 0)
                fail_msg("%s", err->msg);
        _cleanup_free_ char *again = zones_def_format(&e);
        assert_string_equal(text, again);
        assert_string_equal(e.command[2], "echo a = b");
        assert_string_equal(e.volumes[0], "/tmp:/t:ro");
        assert_int_equal(e.restart_max, 5);
        assert_true(e.read_only);
        assert_int_equal(e.cpus_milli, 2000);
        zones_def_done(&d);
        zones_def_done(&e);

        zones_def_init(&e);
        assert_true(zones_def_parse("name = x\nbogus\n", "zone.conf", &e, &err) < 0);
        assert_non_null(strstr(err->msg, "zone.conf line 2"));
        zone_err_free(err);
        zones_def_done(&e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sizes_and_numbers),
            cmocka_unit_test(test_round_trip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
