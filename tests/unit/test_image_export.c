/* Unit tests for export, the copied root filesystem and bundles, on a store filled by hand:
 * layer blobs written as blobs, their unpacked form (overlay's: whiteouts as 0/0 character
 * devices, opaque directories by xattr) made directly in layers/. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "err.h"
#include "images/bundle.h"
#include "images/export.h"
#include "images/rootfs.h"
#include "images/store.h"
#include "util.h"

/* Asserts success, showing the error's message when there is one. */
#define assert_ok(call, errp)                                                                      \
        do {                                                                                       \
                int r_ = (call);                                                                   \
                if (r_ < 0)                                                                        \
                        fail_msg("%s: %d: %s", #call, r_, *(errp) ? (*(errp))->msg : "");          \
        } while (0)

struct fixture {
        char dir[64];
        struct zone_image_store *s;
        char layer_digest[2][ZONE_DIGEST_SIZE], diff_id[2][ZONE_DIGEST_SIZE];
        char manifest[ZONE_DIGEST_SIZE], config[ZONE_DIGEST_SIZE];
};

static void put_blob(struct fixture *f, const void *data, size_t len, char out[ZONE_DIGEST_SIZE])
{
        struct zone_err *err = NULL;
        struct zone_blob_writer *w = NULL;
        assert_int_equal(zone_blob_begin(f->s, &w, &err), 0);
        assert_int_equal(zone_blob_write(w, data, len, &err), 0);
        uint64_t size;
        assert_int_equal(zone_blob_commit(w, NULL, out, &size, &err), 0);
        assert_null(err);
}

/* A tar with one file "name" holding text; gzip-compressed when gz. */
static size_t make_tar(const char *name, const char *text, bool gz, char *buf, size_t size)
{
        struct archive *a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        if (gz)
                archive_write_add_filter_gzip(a);
        size_t used = 0;
        assert_int_equal(archive_write_open_memory(a, buf, size, &used), ARCHIVE_OK);
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)strlen(text));
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, text, strlen(text)), (la_ssize_t)strlen(text));
        archive_entry_free(e);
        assert_int_equal(archive_write_close(a), ARCHIVE_OK);
        archive_write_free(a);
        return used;
}

static void sh(const char *fmt, ...)
{
        char cmd[8192];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        assert_int_equal(system(cmd), 0);
}

static int setup(void **ts)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        strcpy(f->dir, "/tmp/zone-test-export-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        struct zone_err *err = NULL;
        assert_int_equal(zone_image_store_open(f->dir, true, &f->s, &err), 0);

        /* layer 0 gzip-compressed, layer 1 plain: the diff ids are of the plain tars */
        static char tar[2][65536], plain[65536];
        size_t n0 = make_tar("etc/hello", "hello\n", true, tar[0], sizeof(tar[0]));
        size_t p0 = make_tar("etc/hello", "hello\n", false, plain, sizeof(plain));
        size_t n1 = make_tar("etc/top", "top\n", false, tar[1], sizeof(tar[1]));
        put_blob(f, tar[0], n0, f->layer_digest[0]);
        zone_digest_buf(plain, p0, f->diff_id[0]);
        put_blob(f, tar[1], n1, f->layer_digest[1]);
        strcpy(f->diff_id[1], f->layer_digest[1]);

        char config[2048];
        int cl = snprintf(config, sizeof(config),
                          "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"
                          "\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo hi\"],"
                          "\"Env\":[\"A=1\",\"PATH=/bin\"],\"WorkingDir\":\"srv\","
                          "\"User\":\"app:staff\",\"Labels\":{\"org.zone.type\":\"vm\"}},"
                          "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\",\"%s\"]}}",
                          f->diff_id[0], f->diff_id[1]);
        put_blob(f, config, (size_t)cl, f->config);
        char manifest[2048];
        int ml = snprintf(
            manifest, sizeof(manifest),
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            "\"digest\":\"%s\",\"size\":%d},\"layers\":["
            "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\","
            "\"size\":%zu},"
            "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\","
            "\"size\":%zu}]}",
            f->config, cl, f->layer_digest[0], n0, f->layer_digest[1], n1);
        put_blob(f, manifest, (size_t)ml, f->manifest);

        /* the unpacked layers, as the unpacker leaves them */
        const char *L0 = f->diff_id[0] + 7, *L1 = f->diff_id[1] + 7, *d = f->dir;
        sh("set -e; cd %s/images/layers; mkdir -p %s/etc %s/a/sub %s/b %s/srv; "
           "echo hello >%s/etc/hello; echo keep >%s/a/keep; echo gone >%s/a/gone; "
           "echo old >%s/b/old; echo data >%s/a/sub/x; ln %s/etc/hello %s/etc/hello2; "
           "ln -s /etc %s/link; mkdir %s/dir-to-file; "
           "printf 'root:x:0:0::/root:/bin/sh\\napp:x:1000:1000::/srv:/bin/sh\\n' >%s/etc/passwd; "
           "printf 'root:x:0:\\nstaff:x:50:\\nextra:x:60:app\\n' >%s/etc/group; "
           "chown 1000:1000 %s/a/keep; chmod 0640 %s/a/keep",
           d, L0, L0, L0, L0, L0, L0, L0, L0, L0, L0, L0, L0, L0, L0, L0, L0, L0, L0);
        sh("set -e; cd %s/images/layers; mkdir -p %s/a %s/b %s/link; echo top >%s/etc_top; "
           "mknod %s/a/gone c 0 0; echo new >%s/b/new; "
           "echo through >%s/link/file; echo file >%s/dir-to-file",
           d, L1, L1, L1, L1, L1, L1, L1, L1);
        char opaque[256];
        snprintf(opaque, sizeof(opaque), "%s/images/layers/%s/b", d, L1);
        assert_int_equal(setxattr(opaque, "trusted.overlay.opaque", "y", 1, 0), 0);
        assert_int_equal(zone_image_record(f->s, "localhost/t:1", f->manifest, &err), 0);
        assert_null(err);
        *ts = f;
        return 0;
}

static int teardown(void **ts)
{
        struct fixture *f = *ts;
        zone_image_store_close(f->s);
        if (!getenv("KEEP"))
                sh("rm -rf '%s'", f->dir);
        free(f);
        return 0;
}

static void file_is(const char *path, const char *want)
{
        char *text = NULL;
        size_t len;
        assert_int_equal(read_file_at(AT_FDCWD, path, 1 << 20, &text, &len), 0);
        assert_string_equal(text, want);
        free(text);
}

static void same_file(const char *a, const char *b)
{
        sh("cmp -s '%s' '%s'", a, b);
}

static void test_export_oci_dir(void **ts)
{
        struct fixture *f = *ts;
        char out[128], path[256], blob[256];
        snprintf(out, sizeof(out), "%s/out", f->dir);
        struct zone_err *err = NULL;
        assert_int_equal(zone_image_export(f->s, "t:1", ZONE_EXPORT_OCI_DIR, out, NULL, NULL, &err),
                         0);
        snprintf(path, sizeof(path), "%s/oci-layout", out);
        file_is(path, "{\"imageLayoutVersion\":\"1.0.0\"}");
        /* every blob byte for byte */
        const char *digests[] = {f->manifest, f->config, f->layer_digest[0], f->layer_digest[1]};
        for (size_t i = 0; i < 4; i++) {
                snprintf(path, sizeof(path), "%s/blobs/sha256/%s", out, digests[i] + 7);
                snprintf(blob, sizeof(blob), "%s/images/blobs/sha256/%s", f->dir, digests[i] + 7);
                same_file(path, blob);
        }
        char *index = NULL;
        snprintf(path, sizeof(path), "%s/index.json", out);
        assert_int_equal(read_file_at(AT_FDCWD, path, 1 << 20, &index, NULL), 0);
        assert_non_null(strstr(index, "\"org.opencontainers.image.ref.name\":\"localhost/t:1\""));
        assert_non_null(strstr(index, f->manifest));
        free(index);
        /* never over an existing directory, and no temporary left */
        assert_int_equal(zone_image_export(f->s, "t:1", ZONE_EXPORT_OCI_DIR, out, NULL, NULL, &err),
                         -EEXIST);
        zone_err_free(err);
        sh("test $(ls -A %s | grep -c zone-tmp) = 0", f->dir);
}

static void test_export_docker(void **ts)
{
        struct fixture *f = *ts;
        char out[128];
        snprintf(out, sizeof(out), "%s/d.tar", f->dir);
        struct zone_err *err = NULL;
        assert_int_equal(
            zone_image_export(f->s, "t:1", ZONE_EXPORT_DOCKER_ARCHIVE, out, NULL, NULL, &err), 0);
        sh("set -e; cd %s; mkdir x; tar -C x -xf d.tar; cd x; "
           "jq -e '.[0].RepoTags == [\"localhost/t:1\"] and .[0].Config == \"%s.json\"' "
           "manifest.json >/dev/null; "
           "test \"sha256:$(sha256sum %s.tar | cut -d' ' -f1)\" = %s; "
           "test \"sha256:$(sha256sum %s.tar | cut -d' ' -f1)\" = %s; "
           "test \"$(jq -r '.[0].Layers[0]' manifest.json)\" = %s.tar",
           f->dir, f->config + 7, f->diff_id[0] + 7, f->diff_id[0], f->diff_id[1] + 7,
           f->diff_id[1], f->diff_id[0] + 7);
}

static void test_export_fails_clean(void **ts)
{
        struct fixture *f = *ts;
        char out[128];
        snprintf(out, sizeof(out), "%s/bad.tar", f->dir);
        struct zone_err *err = NULL;
        assert_true(
            zone_image_export(f->s, "nope", ZONE_EXPORT_OCI_ARCHIVE, out, NULL, NULL, &err) < 0);
        zone_err_free(err);
        err = NULL;
        assert_int_equal(access(out, F_OK), -1);
        /* a damaged layer blob: the export stops and leaves nothing */
        sh("cd %s/images/blobs/sha256 && chmod u+w %s && printf x >>%s", f->dir,
           f->layer_digest[1] + 7, f->layer_digest[1] + 7);
        assert_true(zone_image_export(f->s, "t:1", ZONE_EXPORT_OCI_ARCHIVE, out, NULL, NULL, &err) <
                    0);
        assert_non_null(err);
        zone_err_free(err);
        sh("test $(ls -A %s | grep -c -e zone-tmp -e bad.tar) = 0", f->dir);
}

static void test_rootfs_copy(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        struct zone_image *img = NULL;
        assert_int_equal(zone_image_load(f->s, "t:1", &img, &err), 0);
        char root[128];
        snprintf(root, sizeof(root), "%s/root", f->dir);
        assert_int_equal(mkdir(root, 0755), 0);
        assert_ok(zone_rootfs_copy(f->s, img, root, &err), &err);
        assert_null(err);
        sh("set -e; cd %s; test -f a/keep; test ! -e a/gone; test ! -e b/old; test -f b/new; "
           "test -f a/sub/x; test -d link; test ! -L link; test -f link/file; "
           "test -f dir-to-file; "
           /* the symlink of layer 0 was replaced, not written through */
           "test ! -e /etc/file || ! grep -q through /etc/file; "
           "test $(stat -c %%i etc/hello) = $(stat -c %%i etc/hello2); "
           "test $(stat -c %%u:%%g:%%a a/keep) = 1000:1000:640;",
           root);
        char b[256];
        snprintf(b, sizeof(b), "%s/b", root);
        assert_true(getxattr(b, "trusted.overlay.opaque", NULL, 0) < 0);
        zone_image_free(img);
        assert_int_equal(zone_tree_remove(AT_FDCWD, root, &err), 0);
        assert_int_equal(access(root, F_OK), -1);
}

/* The same layers as an overlay: the kernel reads the whiteout and the opaque directory. */
static void test_rootfs_overlay(void **ts)
{
        struct fixture *f = *ts;
        if (geteuid() != 0)
                skip();
        struct zone_err *err = NULL;
        struct zone_image *img = NULL;
        assert_int_equal(zone_image_load(f->s, "t:1", &img, &err), 0);
        char root[128], state[128];
        snprintf(root, sizeof(root), "%s/ovl", f->dir);
        snprintf(state, sizeof(state), "%s/state", f->dir);
        assert_int_equal(mkdir(root, 0755), 0);
        assert_int_equal(mkdir(state, 0755), 0);
        int r = zone_rootfs_overlay(f->s, img, root, state, &err);
        zone_image_free(img);
        assert_ok(r, &err);
        assert_true(zone_rootfs_mounted(root));
        /* checked in a child shell so that a failure still reaches the unmount below */
        char cmd[1024];
        snprintf(cmd, sizeof(cmd),
                 "set -e; cd %s; test -f a/keep; test ! -e a/gone; test ! -e b/old; "
                 "test -f b/new; test -f link/file; echo mine >a/mine; "
                 "test -f %s/upper/a/mine; test ! -e %s/images/layers/%s/a/mine",
                 root, state, f->dir, f->diff_id[1] + 7);
        int st = system(cmd);
        assert_ok(zone_rootfs_remove(root, state, &err), &err);
        assert_int_equal(st, 0);
        assert_int_equal(access(root, F_OK), -1);
}

static void test_bundle_copy(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        char dir[128], path[256];
        snprintf(dir, sizeof(dir), "%s/bundle", f->dir);
        char *env[] = {"A=2", "B=3", NULL};
        struct zone_bundle_opts o = {.mode = ZONE_ROOTFS_COPY, .env = env};
        assert_ok(zone_image_bundle(f->s, "t:1", dir, &o, &err), &err);
        assert_null(err);
        snprintf(path, sizeof(path), "%s/config.json", dir);
        sh("jq -e '.process.args == [\"/bin/sh\",\"-c\",\"echo hi\"] and "
           ".process.env == [\"A=2\",\"PATH=/bin\",\"B=3\"] and .process.cwd == \"/srv\" and "
           ".process.user.uid == 1000 and .process.user.gid == 50 and "
           ".process.user.additionalGids == [60] and (.process.terminal // false) == false and "
           ".annotations[\"org.zone.image\"] == \"localhost/t:1\" and "
           ".annotations[\"org.zone.image.type\"] == \"vm\" and .root.readonly != true' %s >/dev/null",
           path);
        /* a second bundle in the same place is refused, and leaves the first alone */
        assert_int_equal(zone_image_bundle(f->s, "t:1", dir, &o, &err), -EEXIST);
        zone_err_free(err);
        err = NULL;
        assert_int_equal(access(path, F_OK), 0);
        assert_int_equal(zone_image_unbundle(dir, &err), 0);
        assert_int_equal(access(dir, F_OK), -1);
        /* a directory bundle did not make is refused */
        assert_int_equal(mkdir(dir, 0755), 0);
        assert_true(zone_image_unbundle(dir, &err) < 0);
        zone_err_free(err);
        assert_int_equal(rmdir(dir), 0);
}

static void test_bundle_args_and_bad_user(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        char dir[128], path[256];
        snprintf(dir, sizeof(dir), "%s/bundle2", f->dir);
        char *args[] = {"echo there", NULL};
        struct zone_bundle_opts o = {.mode = ZONE_ROOTFS_COPY, .args = args};
        assert_ok(zone_image_bundle(f->s, "t:1", dir, &o, &err), &err);
        snprintf(path, sizeof(path), "%s/config.json", dir);
        sh("jq -e '.process.args == [\"/bin/sh\",\"-c\",\"echo there\"]' %s >/dev/null", path);
        assert_int_equal(zone_image_unbundle(dir, &err), 0);
        /* an env entry without '=' fails and leaves nothing */
        char *bad[] = {"NOEQUALS", NULL};
        struct zone_bundle_opts b = {.mode = ZONE_ROOTFS_COPY, .env = bad};
        assert_int_equal(zone_image_bundle(f->s, "t:1", dir, &b, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "process.env"));
        zone_err_free(err);
        assert_int_equal(access(dir, F_OK), -1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_export_oci_dir, setup, teardown),
            cmocka_unit_test_setup_teardown(test_export_docker, setup, teardown),
            cmocka_unit_test_setup_teardown(test_export_fails_clean, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rootfs_copy, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rootfs_overlay, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bundle_copy, setup, teardown),
            cmocka_unit_test_setup_teardown(test_bundle_args_and_bad_user, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
