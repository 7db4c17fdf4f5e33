/* Errors are one line, whatever a config's value holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"

static void test_control_characters(void **state)
{
        struct zone_err *err = NULL;
        assert_int_equal(zone_err_set(&err, -EINVAL, "unknown architecture \"%s\"", "A\nB\r\x1b"),
                         -EINVAL);
        assert_string_equal(err->msg, "unknown architecture \"A?B??\"");
        assert_int_equal(zone_err_wrap(&err, "create \"%s\"", "x\ty"), -EINVAL);
        assert_string_equal(err->msg, "create \"x?y\": unknown architecture \"A?B??\"");
        zone_err_free(err);
        err = NULL;
        assert_int_equal(zone_err_sys(&err, -ENOENT, "open %s", "a\nb"), -ENOENT);
        assert_string_equal(err->msg, "open a?b: ENOENT");
        zone_err_free(err);
}

int main(void)
{
        const struct CMUnitTest tests[] = {cmocka_unit_test(test_control_characters)};
        return cmocka_run_group_tests(tests, NULL, NULL);
}
