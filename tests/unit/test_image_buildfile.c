/* Unit tests for build files (images/build/manifest.c) and the runtime's tree
 * (images/build/build.c): what a file sets, each mistake named by file:line, and the tree's
 * contents and refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "images/build/build.h"
#include "images/build/manifest.h"
#include "util.h"

static int parse(const char *text, struct zone_build_spec *spec, struct zone_err **err)
{
        return zone_manifest_parse("app.zbuild", text, strlen(text), spec, err);
}

static void full_file(void **state)
{
        (void)state;
        struct zone_build_spec s = {0};
        struct zone_err *err = NULL;
        const char *text = "# a comment\n"
                           "name localhost/app\n"
                           "\n"
                           "from-host /bin/sh /bin/true\n"
                           "  add /etc/hostname:/srv/hostname   \n"
                           "add /usr/share/zoneinfo\n"
                           "exclude */__pycache__\n"
                           "symlink /bin/sh busybox\n"
                           "entrypoint /bin/sh -c 'echo \"hi there\"'\n"
                           "cmd \"a b\" c\\ d\n"
                           "env A=1\n"
                           "env B=\"two words\"\n"
                           "env A=3\n"
                           "workdir /srv\n"
                           "user 1000:1000\n"
                           "label k=v\n"
                           "label k=w\n";
        if (parse(text, &s, &err) < 0)
                fail_msg("%s", err->msg);
        assert_string_equal(s.name, "localhost/app");
        assert_int_equal(strv_length(s.from_host), 2);
        assert_string_equal(s.from_host[1], "/bin/true");
        assert_int_equal(s.n_adds, 2);
        assert_string_equal(s.adds[0].src, "/etc/hostname");
        assert_string_equal(s.adds[0].dst, "/srv/hostname");
        assert_null(s.adds[1].dst);
        assert_string_equal(s.exclude[0], "*/__pycache__");
        assert_int_equal(s.n_links, 1);
        assert_string_equal(s.links[0].path, "/bin/sh");
        assert_string_equal(s.links[0].target, "busybox");
        assert_int_equal(strv_length(s.entrypoint), 3);
        assert_string_equal(s.entrypoint[2], "echo \"hi there\"");
        assert_int_equal(strv_length(s.cmd), 2);
        assert_string_equal(s.cmd[0], "a b");
        assert_string_equal(s.cmd[1], "c d");
        /* A repeated key replaces its value, in place. */
        assert_int_equal(strv_length(s.env), 2);
        assert_string_equal(s.env[0], "A=3");
        assert_string_equal(s.env[1], "B=two words");
        assert_string_equal(s.workdir, "/srv");
        assert_string_equal(s.user, "1000:1000");
        assert_int_equal(strv_length(s.label_keys), 1);
        assert_string_equal(s.label_values[0], "w");
        zone_build_spec_clear(&s);
}

static void errors_name_file_and_line(void **state)
{
        (void)state;
        static const struct {
                const char *text, *msg;
        } cases[] = {
            {"name a\nfrobnicate x\n", "app.zbuild:2: unknown key \"frobnicate\""},
            {"name a\nname b\n", "app.zbuild:2: name given twice"},
            {"\n\nname\n", "app.zbuild:3: name needs a value"},
            {"from-host bin/sh\n", "app.zbuild:1: from-host: \"bin/sh\" is not an absolute path"},
            {"add /etc/passwd:/etc/../../x\n", "app.zbuild:1: add \"/etc/passwd:/etc/../../x\": "
                                               "the destination has a \"..\" component"},
            {"add etc/passwd\n", "app.zbuild:1: add \"etc/passwd\": the source must be an "
                                 "absolute path"},
            {"add /a /b\n", "app.zbuild:1: add takes one value, got 2"},
            {"symlink /bin/sh\n", "app.zbuild:1: symlink takes PATH TARGET, got 1 values"},
            {"symlink /x/../sh busybox\n", "app.zbuild:1: symlink \"/x/../sh\": the "
                                           "destination has a \"..\" component"},
            {"env NOEQUALS\n", "app.zbuild:1: env: \"NOEQUALS\" is not KEY=VALUE"},
            {"label =v\n", "app.zbuild:1: label: \"=v\" is not KEY=VALUE"},
            {"entrypoint /bin/sh 'open\n", "app.zbuild:1: entrypoint: unterminated quote"},
            {"workdir srv\n", "app.zbuild:1: workdir: \"srv\" is not an absolute path"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct zone_build_spec s = {0};
                struct zone_err *err = NULL;
                assert_int_equal(parse(cases[i].text, &s, &err), -EINVAL);
                if (strncmp(err->msg, cases[i].msg, strlen(cases[i].msg)) != 0)
                        fail_msg("case %zu: got \"%s\", want \"%s...\"", i, err->msg, cases[i].msg);
                zone_err_free(err);
                zone_build_spec_clear(&s);
        }
        struct zone_build_spec s = {0};
        struct zone_err *err = NULL;
        assert_int_equal(zone_manifest_load("/nonexistent/app.zbuild", &s, &err), -ENOENT);
        assert_non_null(strstr(err->msg, "/nonexistent/app.zbuild"));
        zone_err_free(err);
}

static bool is_link_to(int root, const char *path, const char *target)
{
        char buf[PATH_MAX];
        ssize_t n = readlinkat(root, path, buf, sizeof(buf) - 1);
        if (n < 0)
                return false;
        buf[n] = '\0';
        return strcmp(buf, target) == 0;
}

static void tree_of_a_shell(void **state)
{
        (void)state;
        struct zone_build_spec s = {0};
        struct zone_err *err = NULL;
        assert_int_equal(strv_append(&s.from_host, "/bin/sh"), 0);
        assert_int_equal(zone_build_spec_add(&s, "/etc/hostname", "/srv/name"), 0);
        char *dir = NULL;
        if (zone_build_tree(&s, "/var/tmp", NULL, NULL, &dir, &err) < 0)
                fail_msg("%s", err->msg);
        int root = open(dir, O_RDONLY | O_DIRECTORY);
        assert_true(root >= 0);
        struct stat st;
        /* The program at its host path, through the host's symlinks. */
        char sh_target[PATH_MAX];
        ssize_t n = readlink("/bin/sh", sh_target, sizeof(sh_target) - 1);
        if (n > 0) {
                sh_target[n] = '\0';
                assert_true(is_link_to(root, "bin/sh", sh_target) ||
                            is_link_to(root, "bin", "usr/bin"));
        }
        assert_int_equal(fstatat(root, "lib64/ld-linux-x86-64.so.2", &st, 0), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(fstatat(root, "lib/x86_64-linux-gnu/libc.so.6", &st, 0), 0);
        assert_int_equal(st.st_uid, 0);
        assert_int_equal(fstatat(root, "srv/name", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(st.st_mode));
        /* The skeleton. */
        assert_int_equal(fstatat(root, "tmp", &st, 0), 0);
        assert_int_equal(st.st_mode & 07777, 01777);
        for (const char *const *d = (const char *const[]){"dev", "proc", "sys", "run", NULL}; *d;
             d++) {
                assert_int_equal(fstatat(root, *d, &st, AT_SYMLINK_NOFOLLOW), 0);
                assert_true(S_ISDIR(st.st_mode));
        }
        char *passwd = NULL;
        size_t len;
        assert_int_equal(read_file_at(root, "etc/passwd", 4096, &passwd, &len), 0);
        assert_non_null(strstr(passwd, "root:x:0:0:"));
        assert_non_null(strstr(passwd, "nobody:x:65534:"));
        free(passwd);
        assert_int_equal(faccessat(root, "etc/nsswitch.conf", R_OK, 0), 0);
        assert_int_equal(faccessat(root, "etc/group", R_OK, 0), 0);
        close(root);
        assert_int_equal(zone_build_tree_remove(dir, &err), 0);
        assert_int_equal(access(dir, F_OK), -1);
        free(dir);
        zone_build_spec_clear(&s);
}

/* A build that fails leaves no tree behind. */
static int count_build_dirs(const char *parent)
{
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "ls -d %s/zone-build.* 2>/dev/null | wc -l", parent);
        FILE *f = popen(cmd, "r");
        int n = -1;
        if (f) {
                if (fscanf(f, "%d", &n) != 1)
                        n = -1;
                pclose(f);
        }
        return n;
}

static void tree_refusals(void **state)
{
        (void)state;
        char parent[] = "/var/tmp/zone-build-test.XXXXXX";
        assert_non_null(mkdtemp(parent));
        static const struct {
                const char *from_host, *src, *dst, *msg;
        } cases[] = {
            {"/nonexistent/prog", NULL, NULL, "from-host /nonexistent/prog: ENOENT"},
            {"/etc/passwd", NULL, NULL, "from-host /etc/passwd: not an ELF program"},
            {"/bin/sh", "/dev/null", NULL,
             "add /dev/null: not a regular file, directory or "
             "symlink"},
            {"/bin/sh", "/etc/hostname", "/a/../../b",
             "add /etc/hostname:/a/../../b: the "
             "destination has a \"..\" component"},
            {"/bin/sh", "/nonexistent", NULL, "add /nonexistent: ENOENT"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct zone_build_spec s = {0};
                struct zone_err *err = NULL;
                assert_int_equal(strv_append(&s.from_host, cases[i].from_host), 0);
                if (cases[i].src)
                        assert_int_equal(zone_build_spec_add(&s, cases[i].src, cases[i].dst), 0);
                char *dir = NULL;
                int r = zone_build_tree(&s, parent, NULL, NULL, &dir, &err);
                assert_true(r < 0);
                if (!strstr(err->msg, cases[i].msg))
                        fail_msg("case %zu: got \"%s\", want \"%s\"", i, err->msg, cases[i].msg);
                assert_int_equal(count_build_dirs(parent), 0);
                zone_err_free(err);
                zone_build_spec_clear(&s);
        }
        assert_int_equal(rmdir(parent), 0);
}

/* A destination is resolved inside the image's root: a symlink planted by an earlier add that
 * climbs out (or is absolute) leads to the image's root, never the host's. */
static void dst_stays_in_the_image(void **state)
{
        (void)state;
        char host[] = "/var/tmp/zone-build-host.XXXXXX";
        assert_non_null(mkdtemp(host));
        char link[PATH_MAX];
        snprintf(link, sizeof(link), "%s/up", host);
        assert_int_equal(symlink("../../../../../../../..", link), 0);
        snprintf(link, sizeof(link), "%s/abs", host);
        assert_int_equal(symlink("/", link), 0);
        struct zone_build_spec s = {0};
        struct zone_err *err = NULL;
        assert_int_equal(zone_build_spec_add(&s, host, "/d"), 0);
        assert_int_equal(zone_build_spec_add(&s, "/etc/hostname", "/d/up/zone-escape-1"), 0);
        assert_int_equal(zone_build_spec_add(&s, "/etc/hostname", "/d/abs/zone-escape-2"), 0);
        assert_int_equal(zone_build_spec_link(&s, "/d/up/zone-escape-3", "busybox"), 0);
        char *dir = NULL;
        if (zone_build_tree(&s, "/var/tmp", NULL, NULL, &dir, &err) < 0)
                fail_msg("%s", err->msg);
        int root = open(dir, O_RDONLY | O_DIRECTORY);
        assert_true(root >= 0);
        struct stat st;
        assert_int_equal(fstatat(root, "zone-escape-1", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(fstatat(root, "zone-escape-2", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(is_link_to(root, "zone-escape-3", "busybox"));
        assert_true(is_link_to(root, "d/up", "../../../../../../../.."));
        assert_int_equal(access("/zone-escape-1", F_OK), -1);
        assert_int_equal(access("/zone-escape-2", F_OK), -1);
        assert_int_equal(access("/zone-escape-3", F_OK), -1);
        close(root);
        assert_int_equal(zone_build_tree_remove(dir, &err), 0);
        free(dir);
        zone_build_spec_clear(&s);
        unlink(link);
        snprintf(link, sizeof(link), "%s/up", host);
        unlink(link);
        assert_int_equal(rmdir(host), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(full_file),
            cmocka_unit_test(errors_name_file_and_line),
            cmocka_unit_test(tree_of_a_shell),
            cmocka_unit_test(tree_refusals),
            cmocka_unit_test(dst_stays_in_the_image),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
