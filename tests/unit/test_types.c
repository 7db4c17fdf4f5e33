/* Unit tests for a zone's type: the precedence of its sources, the program names, the
 * messages of an unknown type, and the KVM device check. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "types.h"

static void assert_choice(struct zone_type_choice c, const char *type, enum zone_type_source source)
{
        assert_string_equal(c.type, type);
        assert_int_equal(c.source, source);
}

static void precedence(void **state)
{
        (void)state;
        /* Each source beats every one below it. */
        assert_choice(zone_type_choose("vm", "emulated", "light", NULL), "vm", ZONE_TYPE_FROM_FLAG);
        assert_choice(zone_type_choose(NULL, "emulated", "vm", NULL), "emulated",
                      ZONE_TYPE_FROM_ANNOTATION);
        assert_choice(zone_type_choose(NULL, NULL, "vm", NULL), "vm", ZONE_TYPE_FROM_PROGRAM);
        assert_choice(zone_type_choose(NULL, NULL, NULL, NULL), "light", ZONE_TYPE_FROM_DEFAULT);
        /* The image's label: below the program's name, above the default. */
        assert_choice(zone_type_choose(NULL, NULL, NULL, "emulated"), "emulated",
                      ZONE_TYPE_FROM_IMAGE);
        assert_choice(zone_type_choose(NULL, NULL, "vm", "emulated"), "vm", ZONE_TYPE_FROM_PROGRAM);
        assert_choice(zone_type_choose(NULL, "light", NULL, "emulated"), "light",
                      ZONE_TYPE_FROM_ANNOTATION);
        /* An empty value says nothing (an annotation set to ""). */
        assert_choice(zone_type_choose("", "", "emulated", NULL), "emulated",
                      ZONE_TYPE_FROM_PROGRAM);
        assert_choice(zone_type_choose("", "", "", NULL), "light", ZONE_TYPE_FROM_DEFAULT);
        /* The choice is not validated: an unknown flag still wins, and fails later. */
        assert_choice(zone_type_choose("bogus", "vm", NULL, NULL), "bogus", ZONE_TYPE_FROM_FLAG);
}

static void validate_names_the_source(void **state)
{
        (void)state;
        struct zone_err *err = NULL;
        for (const char *const *t = zone_types; *t; t++)
                assert_int_equal(
                    zone_type_validate((struct zone_type_choice){*t, ZONE_TYPE_FROM_FLAG}, &err),
                    0);
        assert_null(err);

        static const struct {
                enum zone_type_source source;
                const char *msg;
        } cases[] = {
            {ZONE_TYPE_FROM_FLAG,
             "--type: unknown zone type \"kvm\" (expected light, vm or emulated)"},
            {ZONE_TYPE_FROM_ANNOTATION, "annotation org.zone.type: unknown zone type \"kvm\" "
                                        "(expected light, vm or emulated)"},
            {ZONE_TYPE_FROM_PROGRAM,
             "program name: unknown zone type \"kvm\" (expected light, vm or emulated)"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                assert_int_equal(
                    zone_type_validate((struct zone_type_choice){"kvm", cases[i].source}, &err),
                    -EINVAL);
                assert_non_null(err);
                assert_string_equal(err->msg, cases[i].msg);
                zone_err_free(err);
                err = NULL;
        }
        /* Case matters: the annotation's values are exact. */
        assert_int_equal(
            zone_type_validate((struct zone_type_choice){"VM", ZONE_TYPE_FROM_ANNOTATION}, &err),
            -EINVAL);
        zone_err_free(err);
}

static void program_names(void **state)
{
        (void)state;
        assert_null(zone_type_of_program(NULL));
        assert_null(zone_type_of_program("zone-oci"));
        assert_null(zone_type_of_program("/usr/local/bin/zone-oci"));
        assert_null(zone_type_of_program("runc"));
        /* Only the file name counts, not a directory that happens to match. */
        assert_null(zone_type_of_program("/opt/zone-oci-vm/zone-oci"));
        assert_string_equal(zone_type_of_program("zone-oci-vm"), "vm");
        assert_string_equal(zone_type_of_program("/usr/local/bin/zone-oci-emulated"), "emulated");
        assert_string_equal(zone_type_of_program("./zone-oci-light"), "light");
        /* Unknown suffixes come back as they are, for the error to name. */
        assert_string_equal(zone_type_of_program("zone-oci-foo"), "foo");
        assert_string_equal(zone_type_of_program("zone-oci-"), "");
}

static void kvm_missing_device(void **state)
{
        (void)state;
        struct zone_err *err = NULL;
        assert_int_equal(zone_kvm_check("/nonexistent/kvm", &err), -ENOENT);
        assert_non_null(err);
        assert_non_null(strstr(err->msg, "/nonexistent/kvm"));
        assert_non_null(strstr(err->msg, "ENOENT"));
        assert_non_null(strstr(err->msg, "--type emulated"));
        assert_null(strchr(err->msg, '\n'));
        zone_err_free(err);
}

static void kvm_not_a_kvm_device(void **state)
{
        (void)state;
        /* Opens read-write, but the API version ioctl is not its own. */
        struct zone_err *err = NULL;
        assert_int_equal(zone_kvm_check("/dev/null", &err), -ENOTTY);
        assert_non_null(err);
        assert_non_null(strstr(err->msg, "KVM_GET_API_VERSION on /dev/null"));
        assert_non_null(strstr(err->msg, "--type emulated"));
        zone_err_free(err);
}

static void host_check(void **state)
{
        (void)state;
        struct zone_err *err = NULL;
        /* light needs nothing beyond what the runtime itself needs. */
        assert_int_equal(zone_type_check_host("light", &err), 0);
        assert_null(err);
        assert_int_equal(zone_type_check_usable("light", &err), 0);
        assert_null(err);
        assert_int_equal(zone_type_check_host("kvm", &err), -EINVAL);
        assert_non_null(strstr(err->msg, "\"kvm\""));
        zone_err_free(err);
        err = NULL;
        /* Without a usable KVM device the vm type fails with the device's own error. */
        if (zone_kvm_check(ZONE_KVM_DEVICE, NULL) < 0) {
                assert_true(zone_type_check_host("vm", &err) < 0);
                assert_non_null(strstr(err->msg, "/dev/kvm"));
                zone_err_free(err);
                err = NULL;
                /* What features reports fails for the same reason first. */
                assert_true(zone_type_check_usable("vm", &err) < 0);
                assert_non_null(strstr(err->msg, "/dev/kvm"));
                zone_err_free(err);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(precedence),           cmocka_unit_test(validate_names_the_source),
            cmocka_unit_test(program_names),        cmocka_unit_test(kvm_missing_device),
            cmocka_unit_test(kvm_not_a_kvm_device), cmocka_unit_test(host_check),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
