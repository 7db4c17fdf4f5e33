/* Unit tests for the image store: names, blobs, records, transactions, gc. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "images/import.h"
#include "images/store.h"
#include "util.h"

struct fixture {
        char dir[64];
        struct zone_image_store *s;
};

static int setup(void **ts)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        strcpy(f->dir, "/tmp/zone-test-images-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        struct zone_err *err = NULL;
        assert_int_equal(zone_image_store_open(f->dir, true, &f->s, &err), 0);
        assert_null(err);
        *ts = f;
        return 0;
}

static int teardown(void **ts)
{
        struct fixture *f = *ts;
        zone_image_store_close(f->s);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static void expect_err(int r, struct zone_err **err, int code, const char *msg)
{
        assert_int_equal(r, code);
        assert_non_null(*err);
        assert_int_equal((*err)->code, code);
        if (msg)
                assert_string_equal((*err)->msg, msg);
        zone_err_free(*err);
        *err = NULL;
}

/* Number of entries in DIR/images/SUB. */
static int count(struct fixture *f, const char *sub)
{
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "ls -A '%s/images/%s' | wc -l", f->dir, sub);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        int n = -1;
        assert_int_equal(fscanf(p, "%d", &n), 1);
        pclose(p);
        return n;
}

static void put(struct zone_image_store *s, const char *text, char digest[ZONE_DIGEST_SIZE])
{
        struct zone_blob_writer *w = NULL;
        struct zone_err *err = NULL;
        assert_int_equal(zone_blob_begin(s, &w, &err), 0);
        assert_int_equal(zone_blob_write(w, text, strlen(text), &err), 0);
        uint64_t size = 0;
        assert_int_equal(zone_blob_commit(w, NULL, digest, &size, &err), 0);
        assert_null(err);
        assert_int_equal(size, strlen(text));
}

static void test_names(void **ts)
{
        struct zone_err *err = NULL;
        char *n = NULL;
        static const char *ok[][2] = {
            {"busybox", "busybox:latest"},
            {"localhost/py:3", "localhost/py:3"},
            {"localhost:5000/a/b", "localhost:5000/a/b:latest"},
            {"a@sha256:00", "a@sha256:00"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
                assert_int_equal(zone_image_name_normalize(ok[i][0], &n, &err), 0);
                assert_string_equal(n, ok[i][1]);
                free(n);
        }
        static const char *bad[] = {"", "/a", "a/", "a/../b", "..", "A", "a b", "a//b", "a:"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
                expect_err(zone_image_name_normalize(bad[i], &n, &err), &err, -EINVAL, NULL);
        expect_err(zone_image_name_normalize("Py", &n, &err), &err, -EINVAL,
                   "image name \"Py\": character 'P' is not allowed (lowercase letters, digits "
                   "and ._/:@-)");
}

static void test_blobs(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        char d[ZONE_DIGEST_SIZE];
        put(f->s, "hello", d);
        /* sha256("hello") */
        assert_string_equal(
            d, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert_true(zone_blob_exists(f->s, d));
        char *text = NULL;
        size_t len = 0;
        assert_int_equal(zone_blob_read(f->s, d, 100, &text, &len, &err), 0);
        assert_string_equal(text, "hello");
        free(text);
        expect_err(zone_blob_read(f->s, d, 3, &text, &len, &err), &err, -EFBIG, NULL);

        /* A mismatch keeps nothing, in blobs/ or tmp/. */
        struct zone_blob_writer *w = NULL;
        assert_int_equal(zone_blob_begin(f->s, &w, &err), 0);
        assert_int_equal(zone_blob_write(w, "other", 5, &err), 0);
        expect_err(zone_blob_commit(w, d, NULL, NULL, &err), &err, -EBADMSG, NULL);
        assert_int_equal(count(f, "blobs/sha256"), 1);
        assert_int_equal(count(f, "tmp"), 0);

        /* Corruption on disk is found when read. */
        char path[256];
        snprintf(path, sizeof(path), "%s/images/blobs/sha256/%s", f->dir, d + 7);
        int fd = open(path, O_WRONLY | O_TRUNC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "jello", 5), 5);
        close(fd);
        expect_err(zone_blob_read(f->s, d, 100, &text, &len, &err), &err, -EIO, NULL);
        expect_err(zone_blob_read(f->s, "sha256:xyz", 100, &text, &len, &err), &err, -EINVAL, NULL);
}

/* An image of n_layers layers whose unpacked directories are made by hand. */
static void make_image(struct fixture *f, const char *name, const char *tag,
                       char manifest[ZONE_DIGEST_SIZE], bool unpack)
{
        char layer[ZONE_DIGEST_SIZE], config[ZONE_DIGEST_SIZE], text[2048];
        put(f->s, tag, layer); /* stands for a tar; its diff id is made up */
        char diff[ZONE_DIGEST_SIZE];
        zone_digest_buf(layer, strlen(layer), diff);
        snprintf(
            text, sizeof(text),
            "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05Z\","
            "\"config\":{\"Entrypoint\":[\"/bin/sh\"],\"Cmd\":[\"-c\",\"%s\"],"
            "\"Env\":[\"A=1\"],\"WorkingDir\":\"/w\",\"User\":\"1:2\","
            "\"ExposedPorts\":{\"80/tcp\":{}},\"Volumes\":{\"/data\":{}},"
            "\"Labels\":{\"k\":\"v\"}},"
            "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
            tag, diff);
        put(f->s, text, config);
        snprintf(
            text, sizeof(text),
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            "\"digest\":\"%s\",\"size\":1},\"layers\":[{\"mediaType\":"
            "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"%s\",\"size\":%zu}]}",
            config, layer, strlen(tag));
        put(f->s, text, manifest);
        if (unpack) {
                char path[256];
                snprintf(path, sizeof(path), "%s/images/layers/%s", f->dir, diff + 7);
                assert_int_equal(mkdir(path, 0755), 0);
        }
        struct zone_err *err = NULL;
        int r = zone_image_record(f->s, name, manifest, &err);
        if (unpack) {
                assert_int_equal(r, 0);
                assert_null(err);
        } else {
                expect_err(r, &err, -ENOENT, NULL);
        }
}

static void test_records(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        char m1[ZONE_DIGEST_SIZE], m2[ZONE_DIGEST_SIZE];
        make_image(f, "localhost/one", "one", m1, true);
        make_image(f, "two:1", "two", m2, true);

        struct zone_image *img = NULL;
        assert_int_equal(zone_image_load(f->s, "localhost/one:latest", &img, &err), 0);
        assert_string_equal(img->name, "localhost/one:latest");
        assert_string_equal(img->manifest_digest, m1);
        assert_int_equal(img->n_layers, 1);
        assert_int_equal(img->size, 3);
        assert_string_equal(img->created, "2024-01-02T03:04:05Z");
        assert_string_equal(img->config.entrypoint[0], "/bin/sh");
        assert_string_equal(img->config.cmd[1], "one");
        assert_string_equal(img->config.env[0], "A=1");
        assert_string_equal(img->config.working_dir, "/w");
        assert_string_equal(img->config.user, "1:2");
        assert_string_equal(img->config.exposed_ports[0], "80/tcp");
        assert_string_equal(img->config.volumes[0], "/data");
        assert_string_equal(img->config.label_keys[0], "k");
        assert_string_equal(img->config.label_values[0], "v");
        assert_string_equal(img->config.architecture, "amd64");
        zone_image_free(img);

        /* By a short name, by id prefix, by full digest. */
        assert_int_equal(zone_image_load(f->s, "one", &img, &err), 0);
        assert_string_equal(img->name, "localhost/one:latest");
        zone_image_free(img);
        char prefix[13];
        memcpy(prefix, m2 + 7, 12);
        prefix[12] = '\0';
        assert_int_equal(zone_image_load(f->s, prefix, &img, &err), 0);
        assert_string_equal(img->name, "two:1");
        zone_image_free(img);
        assert_int_equal(zone_image_load(f->s, m2, &img, &err), 0);
        zone_image_free(img);
        expect_err(zone_image_load(f->s, "three", &img, &err), &err, -ENOENT,
                   "image three: no such image");

        struct zone_image **list = NULL;
        size_t n = 0;
        assert_int_equal(zone_image_list(f->s, &list, &n, &err), 0);
        assert_int_equal(n, 2);
        assert_string_equal(list[0]->name, "localhost/one:latest");
        assert_string_equal(list[1]->name, "two:1");
        for (size_t i = 0; i < n; i++)
                zone_image_free(list[i]);
        free(list);

        /* A layer not unpacked: no record. */
        char m3[ZONE_DIGEST_SIZE];
        make_image(f, "three", "three", m3, false);
        assert_int_equal(count(f, "records"), 2);

        /* rm then gc: what only "two" reached goes, "one" stays whole. */
        assert_int_equal(zone_image_remove(f->s, "two:1", &err), 0);
        expect_err(zone_image_remove(f->s, "two:1", &err), &err, -ENOENT, NULL);
        uint64_t bytes = 0;
        size_t freed = 0;
        assert_int_equal(zone_image_gc(f->s, &bytes, &freed, &err), 0);
        /* two: layer, config, manifest blobs + its layer dir; three: 3 blobs. */
        assert_int_equal(freed, 7);
        assert_int_equal(count(f, "blobs/sha256"), 3);
        assert_int_equal(count(f, "layers"), 1);
        assert_int_equal(zone_image_load(f->s, "one", &img, &err), 0);
        zone_image_free(img);
}

static void test_txn_and_tmp(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        char d1[ZONE_DIGEST_SIZE], d2[ZONE_DIGEST_SIZE];
        put(f->s, "kept", d1);
        zone_image_store_txn_begin(f->s);
        put(f->s, "kept", d1); /* already there: not the transaction's to remove */
        put(f->s, "dropped", d2);
        zone_image_store_txn_end(f->s, false);
        assert_true(zone_blob_exists(f->s, d1));
        assert_false(zone_blob_exists(f->s, d2));

        /* A crashed writer's tmp/ files go when the next writer opens the store. */
        char path[256];
        snprintf(path, sizeof(path), "%s/images/tmp/layer-x/a/b", f->dir);
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
        assert_int_equal(system(cmd), 0);
        zone_image_store_close(f->s);
        f->s = NULL;
        assert_int_equal(zone_image_store_open(f->dir, false, &f->s, &err), 0);
        assert_int_equal(count(f, "tmp"), 1);
        struct zone_blob_writer *w = NULL;
        expect_err(zone_blob_begin(f->s, &w, &err), &err, -EBADF, NULL);
        zone_image_store_close(f->s);
        assert_int_equal(zone_image_store_open(f->dir, true, &f->s, &err), 0);
        assert_int_equal(count(f, "tmp"), 0);
        expect_err(zone_image_store_open("relative", true, &f->s, &err), &err, -EINVAL, NULL);
}

/* What the runtime builder does: a directory plus its own config becomes an image. */
static void test_import_rootfs_dir(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        char tree[96], cmd[1024];
        snprintf(tree, sizeof(tree), "%s/tree", f->dir);
        snprintf(cmd, sizeof(cmd),
                 "mkdir -p %s/usr/bin %s/tmp && echo hi >%s/usr/bin/app && chmod 755 "
                 "%s/usr/bin/app && chmod 1777 %s/tmp && ln -s usr/bin %s/bin",
                 tree, tree, tree, tree, tree, tree);
        assert_int_equal(system(cmd), 0);
        char *entry[] = {"/usr/bin/app", NULL}, *env[] = {"PATH=/usr/bin", NULL};
        char *lk[] = {"org.zone.built", NULL}, *lv[] = {"yes", NULL};
        struct zone_image_config cfg = {
            .entrypoint = entry,
            .env = env,
            .working_dir = "/tmp",
            .user = "1000",
            .label_keys = lk,
            .label_values = lv,
        };
        struct zone_import_opts o = {
            .path = tree,
            .format = ZONE_IMPORT_ROOTFS_DIR,
            .name = "localhost/app",
            .config = &cfg,
        };
        char **names = NULL;
        assert_int_equal(zone_image_import(f->s, &o, &names, &err), 0);
        assert_null(err);
        assert_string_equal(names[0], "localhost/app:latest");
        assert_null(names[1]);
        strv_free(names);
        struct zone_image *img = NULL;
        assert_int_equal(zone_image_load(f->s, "localhost/app", &img, &err), 0);
        assert_string_equal(img->config.entrypoint[0], "/usr/bin/app");
        assert_string_equal(img->config.env[0], "PATH=/usr/bin");
        assert_string_equal(img->config.working_dir, "/tmp");
        assert_string_equal(img->config.user, "1000");
        assert_string_equal(img->config.label_values[0], "yes");
        assert_string_equal(img->config.os, "linux");
        assert_int_equal(img->n_layers, 1);
        /* An uncompressed tar: its digest is its diff id. */
        assert_string_equal(img->layers[0].digest, img->layers[0].diff_id);
        char *path = NULL;
        assert_int_equal(zone_layer_path(f->s, img->layers[0].diff_id, &path, &err), 0);
        char file[256];
        struct stat st;
        snprintf(file, sizeof(file), "%s/usr/bin/app", path);
        assert_int_equal(stat(file, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0755);
        snprintf(file, sizeof(file), "%s/tmp", path);
        assert_int_equal(stat(file, &st), 0);
        assert_int_equal(st.st_mode & 07777, 01777);
        snprintf(file, sizeof(file), "%s/bin", path);
        assert_int_equal(lstat(file, &st), 0);
        assert_true(S_ISLNK(st.st_mode));
        free(path);
        zone_image_free(img);

        /* No name: refused, and nothing is added. */
        o.name = NULL;
        expect_err(zone_image_import(f->s, &o, &names, &err), &err, -EINVAL, NULL);
        /* A missing directory: refused, the store as it was. */
        o.name = "localhost/none";
        o.path = "/nonexistent-zone-test";
        expect_err(zone_image_import(f->s, &o, &names, &err), &err, -ENOENT, NULL);
        assert_int_equal(count(f, "records"), 1);
        assert_int_equal(count(f, "blobs/sha256"), 3);
        assert_int_equal(count(f, "tmp"), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_names),
            cmocka_unit_test_setup_teardown(test_blobs, setup, teardown),
            cmocka_unit_test_setup_teardown(test_records, setup, teardown),
            cmocka_unit_test_setup_teardown(test_txn_and_tmp, setup, teardown),
            cmocka_unit_test_setup_teardown(test_import_rootfs_dir, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
