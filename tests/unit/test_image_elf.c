/* Unit tests for the ELF closure (images/build/elf.c) on the host's own programs, and on
 * programs the test links with RUNPATH and RPATH using $ORIGIN. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "images/build/elf.h"

static bool has_suffix(const struct zone_elf_closure *c, const char *suffix)
{
        size_t n;
        const char *const *p = zone_elf_closure_paths(c, &n);
        for (size_t i = 0; i < n; i++) {
                size_t l = strlen(p[i]), sl = strlen(suffix);
                if (l >= sl && strcmp(p[i] + l - sl, suffix) == 0)
                        return true;
        }
        return false;
}

static bool has_path(const struct zone_elf_closure *c, const char *path)
{
        size_t n;
        const char *const *p = zone_elf_closure_paths(c, &n);
        for (size_t i = 0; i < n; i++)
                if (strcmp(p[i], path) == 0)
                        return true;
        return false;
}

static struct zone_elf_closure *closure_of(const char *path, const char *cache)
{
        struct zone_elf_closure *c = zone_elf_closure_new(cache);
        assert_non_null(c);
        struct zone_err *err = NULL;
        int r = zone_elf_closure_add(c, path, &err);
        if (r < 0)
                fail_msg("closure of %s: %s", path, err->msg);
        return c;
}

static void shell_needs_loader_and_libc(void **state)
{
        (void)state;
        struct zone_elf_closure *c = closure_of("/bin/sh", NULL);
        assert_true(has_path(c, "/bin/sh"));
        assert_true(has_path(c, "/lib64/ld-linux-x86-64.so.2"));
        assert_true(has_suffix(c, "/libc.so.6"));
        zone_elf_closure_free(c);
}

static void python_needs_libm_and_libc(void **state)
{
        (void)state;
        if (access("/usr/bin/python3", X_OK) != 0)
                skip(); /* the host has no python3 */
        struct zone_elf_closure *c = closure_of("/usr/bin/python3", NULL);
        assert_true(has_path(c, "/usr/bin/python3"));
        assert_true(has_path(c, "/lib64/ld-linux-x86-64.so.2"));
        assert_true(has_suffix(c, "/libc.so.6"));
        assert_true(has_suffix(c, "/libm.so.6"));
        /* Found through the cache at the name it is needed by (a symlink on the host). */
        assert_true(has_path(c, "/lib/x86_64-linux-gnu/libz.so.1"));
        zone_elf_closure_free(c);
}

static void without_cache_the_default_dirs_serve(void **state)
{
        (void)state;
        struct zone_elf_closure *c = closure_of("/bin/sh", "/nonexistent/ld.so.cache");
        assert_true(has_path(c, "/lib/x86_64-linux-gnu/libc.so.6"));
        zone_elf_closure_free(c);
}

static void static_program_is_alone(void **state)
{
        (void)state;
        if (access("/bin/busybox", X_OK) != 0)
                skip();
        struct zone_elf_closure *c = closure_of("/bin/busybox", NULL);
        size_t n;
        const char *const *p = zone_elf_closure_paths(c, &n);
        assert_int_equal(n, 1);
        assert_string_equal(p[0], "/bin/busybox");
        zone_elf_closure_free(c);
}

static void not_elf_and_missing_refused(void **state)
{
        (void)state;
        struct zone_elf_closure *c = zone_elf_closure_new(NULL);
        struct zone_err *err = NULL;
        assert_int_equal(zone_elf_closure_add(c, "/etc/passwd", &err), -ENOEXEC);
        assert_non_null(strstr(err->msg, "/etc/passwd"));
        zone_err_free(err);
        err = NULL;
        assert_int_equal(zone_elf_closure_add(c, "/nonexistent/prog", &err), -ENOENT);
        assert_non_null(strstr(err->msg, "/nonexistent/prog"));
        zone_err_free(err);
        assert_int_equal(zone_elf_is_host("/etc/passwd"), 0);
        assert_int_equal(zone_elf_is_host("/bin/sh"), 1);
        zone_elf_closure_free(c);
}

/* A program and its library built here: lib/libzt.so, bin/prog with the given link flags. */
static char *build_pair(const char *ldflags)
{
        char tmpl[] = "/var/tmp/zone-elf-test.XXXXXX";
        char *dir = mkdtemp(tmpl);
        assert_non_null(dir);
        char cmd[2048];
        snprintf(cmd, sizeof(cmd),
                 "set -e; cd %s; mkdir lib bin; echo 'int zt(void){return 7;}' >zt.c; "
                 "echo 'int zt(void); int main(void){return zt();}' >main.c; "
                 "cc -shared -fPIC -o lib/libzt.so zt.c; "
                 "cc -o bin/prog main.c -Llib -lzt %s",
                 dir, ldflags);
        if (system(cmd) != 0)
                fail_msg("could not build the test program in %s", dir);
        return strdup(dir);
}

static void remove_pair(char *dir)
{
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
        free(dir);
}

static void runpath_origin(void **state)
{
        (void)state;
        char *dir = build_pair("-Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'");
        char prog[512], lib[512];
        snprintf(prog, sizeof(prog), "%s/bin/prog", dir);
        snprintf(lib, sizeof(lib), "%s/bin/../lib/libzt.so", dir);
        struct zone_elf_closure *c = closure_of(prog, NULL);
        assert_true(has_path(c, lib));
        assert_true(has_suffix(c, "/libc.so.6"));
        zone_elf_closure_free(c);
        remove_pair(dir);
}

static void rpath_braced_origin(void **state)
{
        (void)state;
        char *dir = build_pair("-Wl,--disable-new-dtags,-rpath,'${ORIGIN}/../lib'");
        char prog[512], lib[512];
        snprintf(prog, sizeof(prog), "%s/bin/prog", dir);
        snprintf(lib, sizeof(lib), "%s/bin/../lib/libzt.so", dir);
        struct zone_elf_closure *c = closure_of(prog, NULL);
        assert_true(has_path(c, lib));
        zone_elf_closure_free(c);
        remove_pair(dir);
}

static void unresolvable_library_named(void **state)
{
        (void)state;
        /* No search path: libzt.so is nowhere the loader looks. */
        char *dir = build_pair("");
        char prog[512];
        snprintf(prog, sizeof(prog), "%s/bin/prog", dir);
        struct zone_elf_closure *c = zone_elf_closure_new(NULL);
        struct zone_err *err = NULL;
        assert_int_equal(zone_elf_closure_add(c, prog, &err), -ENOENT);
        assert_non_null(strstr(err->msg, "libzt.so"));
        assert_non_null(strstr(err->msg, prog));
        zone_err_free(err);
        zone_elf_closure_free(c);
        remove_pair(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(shell_needs_loader_and_libc),
            cmocka_unit_test(python_needs_libm_and_libc),
            cmocka_unit_test(without_cache_the_default_dirs_serve),
            cmocka_unit_test(static_program_is_alone),
            cmocka_unit_test(not_elf_and_missing_refused),
            cmocka_unit_test(runpath_origin),
            cmocka_unit_test(rpath_braced_origin),
            cmocka_unit_test(unresolvable_library_named),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
