/* The image store (store.h): directories and lock, blobs, image records, gc. */
#include "images/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "err.h"
#include "images/store_internal.h"
#include "util.h"

/* Manifests and configs are small; a bigger one is not an image we want to parse. */
#define MAX_META_BLOB (4u << 20)
#define MAX_NAME      200

struct zone_image_store {
        char *root, *dir;
        int dirfd, blobsfd, layersfd, recordsfd, pinsfd, tmpfd, lockfd;
        bool writable;
        bool txn;
        char **txn_blobs, **txn_layers;
};

struct zone_blob_writer {
        struct zone_image_store *s;
        int fd;
        char tmp[64];
        struct zone_digester d;
        uint64_t size;
};

/* ---- directories ---- */

static int mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *c = p + 1; *c; c++) {
                if (*c != '/')
                        continue;
                *c = '\0';
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *c = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int open_subdir(int dirfd, const char *name, bool create, int *ret)
{
        if (create && mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
                return -errno;
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret = fd;
        return 0;
}

int zone_rm_rf_at(int parentfd, const char *name, uint64_t *freed)
{
        struct stat st;
        if (fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode)) {
                if (unlinkat(parentfd, name, 0) < 0)
                        return -errno;
                if (freed && S_ISREG(st.st_mode))
                        *freed += (uint64_t)st.st_size;
                return 0;
        }
        int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                int r = -errno;
                close(fd);
                return r;
        }
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                int q = zone_rm_rf_at(dirfd(d), de->d_name, freed);
                if (q < 0 && q != -ENOENT && r == 0)
                        r = q;
        }
        closedir(d);
        if (r == 0 && unlinkat(parentfd, name, AT_REMOVEDIR) < 0)
                r = -errno;
        return r;
}

static int clean_dir(int dirfd, struct zone_err **err, const char *what)
{
        int fd = dup(dirfd);
        if (fd < 0)
                return zone_err_sys(err, -errno, "clean %s", what);
        DIR *d = fdopendir(fd);
        if (!d) {
                int r = -errno;
                close(fd);
                return zone_err_sys(err, r, "clean %s", what);
        }
        rewinddir(d);
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                int q = zone_rm_rf_at(dirfd, de->d_name, NULL);
                if (q < 0 && q != -ENOENT) {
                        r = zone_err_sys(err, q, "clean %s: remove %s", what, de->d_name);
                        break;
                }
        }
        closedir(d);
        return r;
}

int zone_image_store_open(const char *data_root, bool writable, struct zone_image_store **ret,
                          struct zone_err **err)
{
        if (!data_root)
                data_root = ZONE_IMAGE_DATA_ROOT;
        if (data_root[0] != '/')
                return zone_err_set(err, -EINVAL, "image store: data root %s is not absolute",
                                    data_root);
        struct zone_image_store *s = calloc(1, sizeof(*s));
        if (!s)
                return zone_err_sys(err, -ENOMEM, "image store");
        s->dirfd = s->blobsfd = s->layersfd = s->recordsfd = s->pinsfd = s->tmpfd = s->lockfd = -1;
        s->writable = writable;
        int r;
        if (!(s->root = strdup(data_root)) || asprintf(&s->dir, "%s/images", data_root) < 0) {
                s->dir = NULL;
                r = zone_err_sys(err, -ENOMEM, "image store");
                goto fail;
        }
        /* images/ holds unpacked layers with their setuid files and devices: only root. */
        r = mkdir_p(s->dir, 0700);
        if (r < 0) {
                zone_err_sys(err, r, "create image store %s", s->dir);
                goto fail;
        }
        s->dirfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->dirfd < 0) {
                r = zone_err_sys(err, -errno, "open image store %s", s->dir);
                goto fail;
        }
        s->lockfd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (s->lockfd < 0) {
                r = zone_err_sys(err, -errno, "open %s/lock", s->dir);
                goto fail;
        }
        while ((r = flock(s->lockfd, writable ? LOCK_EX : LOCK_SH)) < 0 && errno == EINTR)
                ;
        if (r < 0) {
                r = zone_err_sys(err, -errno, "lock image store %s", s->dir);
                goto fail;
        }
        int blobs_parent = -1;
        const struct {
                const char *name;
                int *fd;
                int parent;
        } dirs[] = {
            {"blobs", &blobs_parent, 0},   {"sha256", &s->blobsfd, 1}, {"layers", &s->layersfd, 0},
            {"records", &s->recordsfd, 0}, {"pins", &s->pinsfd, 0},    {"tmp", &s->tmpfd, 0},
        };
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                r = open_subdir(dirs[i].parent ? blobs_parent : s->dirfd, dirs[i].name, true,
                                dirs[i].fd);
                if (r < 0) {
                        zone_err_sys(err, r, "open %s/%s%s", s->dir, dirs[i].parent ? "blobs/" : "",
                                     dirs[i].name);
                        closep(&blobs_parent);
                        goto fail;
                }
        }
        closep(&blobs_parent);
        /* Holding the lock exclusively, nothing in tmp/ can be in progress: it is what a
         * crashed writer left. */
        if (writable) {
                r = clean_dir(s->tmpfd, err, "image store tmp/");
                if (r < 0)
                        goto fail;
        }
        *ret = s;
        return 0;
fail:
        zone_image_store_close(s);
        return r;
}

void zone_image_store_close(struct zone_image_store *s)
{
        if (!s)
                return;
        if (s->txn)
                zone_image_store_txn_end(s, true);
        closep(&s->blobsfd);
        closep(&s->layersfd);
        closep(&s->recordsfd);
        closep(&s->pinsfd);
        closep(&s->tmpfd);
        closep(&s->dirfd);
        closep(&s->lockfd); /* releases the flock */
        free(s->root);
        free(s->dir);
        free(s);
}

const char *zone_image_store_root(const struct zone_image_store *s)
{
        return s->root;
}

const char *zone_image_store_dir(const struct zone_image_store *s)
{
        return s->dir;
}

int zone_store_tmp_fd(const struct zone_image_store *s)
{
        return s->tmpfd;
}

int zone_store_layers_fd(const struct zone_image_store *s)
{
        return s->layersfd;
}

int zone_store_blobs_fd(const struct zone_image_store *s)
{
        return s->blobsfd;
}

bool zone_store_writable(const struct zone_image_store *s)
{
        return s->writable;
}

int zone_store_tmp_name(const char *prefix, char buf[64])
{
        uint64_t rnd;
        if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
                return -errno;
        snprintf(buf, 64, "%.24s-%016" PRIx64, prefix, rnd);
        return 0;
}

static int need_writable(struct zone_image_store *s, const char *what, struct zone_err **err)
{
        if (!s->writable)
                return zone_err_set(err, -EBADF, "%s: the image store was opened read-only", what);
        return 0;
}

/* ---- transactions ---- */

void zone_image_store_txn_begin(struct zone_image_store *s)
{
        if (s->txn)
                zone_image_store_txn_end(s, true);
        s->txn = true;
}

void zone_image_store_txn_end(struct zone_image_store *s, bool keep)
{
        if (!keep) {
                for (size_t i = 0; s->txn_blobs && s->txn_blobs[i]; i++)
                        unlinkat(s->blobsfd, s->txn_blobs[i], 0);
                for (size_t i = 0; s->txn_layers && s->txn_layers[i]; i++)
                        zone_rm_rf_at(s->layersfd, s->txn_layers[i], NULL);
        }
        strv_free(s->txn_blobs);
        strv_free(s->txn_layers);
        s->txn_blobs = s->txn_layers = NULL;
        s->txn = false;
}

int zone_store_txn_add_layer(struct zone_image_store *s, const char *diff_id)
{
        return s->txn ? strv_append(&s->txn_layers, diff_id + 7) : 0;
}

/* ---- blobs ---- */

int zone_blob_begin(struct zone_image_store *s, struct zone_blob_writer **ret,
                    struct zone_err **err)
{
        int r = need_writable(s, "write blob", err);
        if (r < 0)
                return r;
        struct zone_blob_writer *w = calloc(1, sizeof(*w));
        if (!w)
                return zone_err_sys(err, -ENOMEM, "write blob");
        w->s = s;
        r = zone_store_tmp_name("blob", w->tmp);
        if (r == 0) {
                w->fd = openat(s->tmpfd, w->tmp,
                               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (w->fd < 0)
                        r = -errno;
        }
        if (r < 0) {
                free(w);
                return zone_err_sys(err, r, "create a blob in %s/tmp", s->dir);
        }
        zone_digest_init(&w->d);
        *ret = w;
        return 0;
}

int zone_blob_write(struct zone_blob_writer *w, const void *data, size_t len, struct zone_err **err)
{
        int r = write_full(w->fd, data, len);
        if (r < 0)
                return zone_err_sys(err, r, "write blob %s/tmp/%s", w->s->dir, w->tmp);
        zone_digest_update(&w->d, data, len);
        w->size += len;
        return 0;
}

void zone_blob_abort(struct zone_blob_writer *w)
{
        if (!w)
                return;
        closep(&w->fd);
        unlinkat(w->s->tmpfd, w->tmp, 0);
        free(w);
}

int zone_blob_commit(struct zone_blob_writer *w, const char *expect,
                     char ret_digest[ZONE_DIGEST_SIZE], uint64_t *ret_size, struct zone_err **err)
{
        struct zone_image_store *s = w->s;
        char digest[ZONE_DIGEST_SIZE];
        zone_digest_final(&w->d, digest);
        int r = 0;
        if (expect && strcmp(expect, digest) != 0) {
                r = zone_err_set(err, -EBADMSG, "digest mismatch: expected %s, got %s", expect,
                                 digest);
                goto out;
        }
        /* The rename makes the blob visible only once its bytes are durable. */
        if (fsync(w->fd) < 0 || close(steal_fd(&w->fd)) < 0) {
                r = zone_err_sys(err, -errno, "write blob %s", digest);
                goto out;
        }
        if (faccessat(s->blobsfd, digest + 7, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                goto out; /* content-addressed: the same bytes are there already */
        if (renameat(s->tmpfd, w->tmp, s->blobsfd, digest + 7) < 0) {
                r = zone_err_sys(err, -errno, "store blob %s", digest);
                goto out;
        }
        w->tmp[0] = '\0';
        if (s->txn && strv_append(&s->txn_blobs, digest + 7) < 0) {
                unlinkat(s->blobsfd, digest + 7, 0);
                r = zone_err_sys(err, -ENOMEM, "store blob %s", digest);
        }
out:
        if (r == 0) {
                if (ret_digest)
                        memcpy(ret_digest, digest, ZONE_DIGEST_SIZE);
                if (ret_size)
                        *ret_size = w->size;
        }
        closep(&w->fd);
        if (w->tmp[0])
                unlinkat(s->tmpfd, w->tmp, 0);
        free(w);
        return r;
}

static int check_digest(const char *digest, struct zone_err **err)
{
        if (!zone_digest_valid(digest))
                return zone_err_set(err, -EINVAL,
                                    "invalid digest \"%s\" (want sha256: and 64 lowercase hex)",
                                    digest ? digest : "");
        return 0;
}

int zone_blob_read(struct zone_image_store *s, const char *digest, size_t max, char **ret,
                   size_t *ret_len, struct zone_err **err)
{
        int r = check_digest(digest, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = openat(s->blobsfd, digest + 7, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "read blob %s", digest);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        r = read_all(fd, max, &buf, &len);
        if (r == -EFBIG)
                return zone_err_set(err, r, "read blob %s: larger than %zu bytes", digest, max);
        if (r < 0)
                return zone_err_sys(err, r, "read blob %s", digest);
        char got[ZONE_DIGEST_SIZE];
        zone_digest_buf(buf, len, got);
        if (strcmp(got, digest) != 0)
                return zone_err_set(err, -EIO, "blob %s is corrupt: its content has digest %s",
                                    digest, got);
        *ret = steal_pointer(&buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int zone_blob_open(struct zone_image_store *s, const char *digest, int *ret_fd, uint64_t *ret_size,
                   struct zone_err **err)
{
        int r = check_digest(digest, err);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = openat(s->blobsfd, digest + 7, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return zone_err_sys(err, -errno, "open blob %s", digest);
        if (ret_size)
                *ret_size = (uint64_t)st.st_size;
        *ret_fd = steal_fd(&fd);
        return 0;
}

bool zone_blob_exists(struct zone_image_store *s, const char *digest)
{
        return zone_digest_valid(digest) &&
               faccessat(s->blobsfd, digest + 7, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int zone_blob_remove(struct zone_image_store *s, const char *digest, struct zone_err **err)
{
        int r = check_digest(digest, err);
        if (r < 0)
                return r;
        if ((r = need_writable(s, "remove blob", err)) < 0)
                return r;
        if (unlinkat(s->blobsfd, digest + 7, 0) < 0)
                return zone_err_sys(err, -errno, "remove blob %s", digest);
        return 0;
}

/* ---- layers ---- */

int zone_layer_path(struct zone_image_store *s, const char *diff_id, char **ret,
                    struct zone_err **err)
{
        int r = check_digest(diff_id, err);
        if (r < 0)
                return r;
        struct stat st;
        if (fstatat(s->layersfd, diff_id + 7, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return zone_err_sys(err, -errno, "layer %s", diff_id);
        if (!S_ISDIR(st.st_mode))
                return zone_err_set(err, -ENOTDIR, "layer %s is not a directory", diff_id);
        if (asprintf(ret, "%s/layers/%s", s->dir, diff_id + 7) < 0)
                return zone_err_sys(err, -ENOMEM, "layer %s", diff_id);
        return 0;
}

/* ---- names ---- */

int zone_image_name_normalize(const char *name, char **ret, struct zone_err **err)
{
        if (!name || !*name)
                return zone_err_set(err, -EINVAL, "image name is empty");
        size_t len = strlen(name);
        if (len > MAX_NAME)
                return zone_err_set(err, -EINVAL, "image name \"%.40s...\" is longer than %d", name,
                                    MAX_NAME);
        for (const char *p = name; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789._/:@-", *p))
                        return zone_err_set(err, -EINVAL,
                                            "image name \"%s\": character '%c' is not allowed "
                                            "(lowercase letters, digits and ._/:@-)",
                                            name, *p);
        if (name[0] == '/' || name[len - 1] == '/')
                return zone_err_set(err, -EINVAL,
                                    "image name \"%s\" must not start or end with '/'", name);
        /* Each '/'-separated part must be a real name: no "", "." or ".." parts. */
        for (const char *p = name; *p;) {
                size_t n = strcspn(p, "/");
                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return zone_err_set(err, -EINVAL,
                                            "image name \"%s\" has an empty, \".\" or \"..\" part",
                                            name);
                p += n + (p[n] == '/');
        }
        if (name[len - 1] == ':' || name[0] == ':' || name[0] == '@' || name[len - 1] == '@')
                return zone_err_set(err, -EINVAL, "image name \"%s\" has an empty part", name);
        const char *last = strrchr(name, '/');
        last = last ? last + 1 : name;
        bool tagged = strchr(last, ':') || strchr(name, '@');
        if (asprintf(ret, "%s%s", name, tagged ? "" : ":latest") < 0)
                return zone_err_sys(err, -ENOMEM, "image name");
        return 0;
}

/* records/<file>: the name with '/' as '%' (which names never contain) and ".json". */
static int record_file(const char *name, char **ret)
{
        char *f = NULL;
        if (asprintf(&f, "%s.json", name) < 0)
                return -ENOMEM;
        for (char *p = f; *p; p++)
                if (*p == '/')
                        *p = '%';
        *ret = f;
        return 0;
}

/* ---- JSON ---- */

yajl_val img_jget(yajl_val obj, const char *key, yajl_type type)
{
        if (!obj || !YAJL_IS_OBJECT(obj))
                return NULL;
        for (size_t i = 0; i < obj->u.object.len; i++)
                if (strcmp(obj->u.object.keys[i], key) == 0) {
                        yajl_val v = obj->u.object.values[i];
                        return v && v->type == type ? v : NULL;
                }
        return NULL;
}

const char *img_jstr(yajl_val obj, const char *key)
{
        yajl_val v = img_jget(obj, key, yajl_t_string);
        return v ? v->u.string : NULL;
}

int img_jparse(const char *text, const char *what, yajl_val *ret, struct zone_err **err)
{
        char ebuf[256];
        yajl_val v = yajl_tree_parse(text, ebuf, sizeof(ebuf));
        if (!v) {
                ebuf[strcspn(ebuf, "\n")] = '\0';
                return zone_err_set(err, -EINVAL, "%s: invalid JSON: %s", what, ebuf);
        }
        *ret = v;
        return 0;
}

static void yajl_freep(yajl_val *v)
{
        if (*v)
                yajl_tree_free(*v);
}
#define _cleanup_json_ _cleanup_(yajl_freep)

/* A JSON array of strings (absent: NULL); key names the field in errors. */
static int jstrv(yajl_val obj, const char *key, const char *what, char ***ret,
                 struct zone_err **err)
{
        yajl_val a = img_jget(obj, key, yajl_t_array);
        if (!a)
                return 0;
        _cleanup_strv_ char **v = calloc(1, sizeof(char *));
        if (!v)
                return zone_err_sys(err, -ENOMEM, "%s", what);
        for (size_t i = 0; i < a->u.array.len; i++) {
                yajl_val e = a->u.array.values[i];
                if (!YAJL_IS_STRING(e))
                        return zone_err_set(err, -EINVAL, "%s: %s[%zu] is not a string", what, key,
                                            i);
                if (strv_append(&v, e->u.string) < 0)
                        return zone_err_sys(err, -ENOMEM, "%s", what);
        }
        *ret = steal_pointer(&v);
        return 0;
}

/* The keys of a JSON object (ExposedPorts, Volumes), and optionally its string values. */
static int jkeys(yajl_val obj, const char *key, const char *what, char ***ret_keys,
                 char ***ret_values, struct zone_err **err)
{
        yajl_val o = img_jget(obj, key, yajl_t_object);
        if (!o)
                return 0;
        _cleanup_strv_ char **k = calloc(1, sizeof(char *));
        _cleanup_strv_ char **v = calloc(1, sizeof(char *));
        if (!k || !v)
                return zone_err_sys(err, -ENOMEM, "%s", what);
        for (size_t i = 0; i < o->u.object.len; i++) {
                if (strv_append(&k, o->u.object.keys[i]) < 0)
                        return zone_err_sys(err, -ENOMEM, "%s", what);
                if (!ret_values)
                        continue;
                yajl_val e = o->u.object.values[i];
                if (!YAJL_IS_STRING(e))
                        return zone_err_set(err, -EINVAL, "%s: %s.%s is not a string", what, key,
                                            o->u.object.keys[i]);
                if (strv_append(&v, e->u.string) < 0)
                        return zone_err_sys(err, -ENOMEM, "%s", what);
        }
        *ret_keys = steal_pointer(&k);
        if (ret_values)
                *ret_values = steal_pointer(&v);
        return 0;
}

static int dupstr(const char *s, char **ret)
{
        if (!s)
                return 0;
        return (*ret = strdup(s)) ? 0 : -ENOMEM;
}

static void config_free(struct zone_image_config *c)
{
        strv_free(c->entrypoint);
        strv_free(c->cmd);
        strv_free(c->env);
        free(c->working_dir);
        free(c->user);
        strv_free(c->exposed_ports);
        strv_free(c->volumes);
        strv_free(c->label_keys);
        strv_free(c->label_values);
        free(c->architecture);
        free(c->os);
}

void zone_image_free(struct zone_image *img)
{
        if (!img)
                return;
        free(img->name);
        free(img->created);
        config_free(&img->config);
        for (size_t i = 0; i < img->n_layers; i++)
                free(img->layers[i].media_type);
        free(img->layers);
        free(img);
}

static void image_freep(struct zone_image **img)
{
        zone_image_free(*img);
}
#define _cleanup_image_ _cleanup_(image_freep)

/* Fills img (name already set) from its manifest and config blobs, both verified. */
static int load_manifest(struct zone_image_store *s, struct zone_image *img, const char *what,
                         struct zone_err **err)
{
        _cleanup_free_ char *mtext = NULL, *ctext = NULL;
        _cleanup_json_ yajl_val m = NULL, c = NULL;
        int r = zone_blob_read(s, img->manifest_digest, MAX_META_BLOB, &mtext, NULL, err);
        if (r == 0)
                r = img_jparse(mtext, "manifest", &m, err);
        if (r < 0)
                return zone_err_wrap(err, "%s", what);
        const char *cd = img_jstr(img_jget(m, "config", yajl_t_object), "digest");
        if (!zone_digest_valid(cd))
                return zone_err_set(err, -EINVAL,
                                    "%s: manifest %s: config.digest is missing or "
                                    "invalid",
                                    what, img->manifest_digest);
        memcpy(img->config_digest, cd, ZONE_DIGEST_SIZE);
        r = zone_blob_read(s, cd, MAX_META_BLOB, &ctext, NULL, err);
        if (r == 0)
                r = img_jparse(ctext, "image config", &c, err);
        if (r < 0)
                return zone_err_wrap(err, "%s", what);
        yajl_val ml = img_jget(m, "layers", yajl_t_array);
        yajl_val diff = img_jget(img_jget(c, "rootfs", yajl_t_object), "diff_ids", yajl_t_array);
        size_t n = ml ? ml->u.array.len : 0;
        if (!diff || diff->u.array.len != n)
                return zone_err_set(err, -EINVAL,
                                    "%s: the config's rootfs.diff_ids do not match the "
                                    "manifest's %zu layers",
                                    what, n);
        img->layers = calloc(n ? n : 1, sizeof(*img->layers));
        if (!img->layers)
                return zone_err_sys(err, -ENOMEM, "%s", what);
        for (size_t i = 0; i < n; i++) {
                yajl_val l = ml->u.array.values[i];
                yajl_val d = diff->u.array.values[i];
                const char *ld = img_jstr(l, "digest");
                yajl_val sz = img_jget(l, "size", yajl_t_number);
                if (!zone_digest_valid(ld) || !YAJL_IS_STRING(d) || !zone_digest_valid(d->u.string))
                        return zone_err_set(
                            err, -EINVAL, "%s: layers[%zu]: digest or diff id is invalid", what, i);
                struct zone_image_layer *L = &img->layers[img->n_layers++];
                memcpy(L->digest, ld, ZONE_DIGEST_SIZE);
                memcpy(L->diff_id, d->u.string, ZONE_DIGEST_SIZE);
                if (dupstr(img_jstr(l, "mediaType"), &L->media_type) < 0)
                        return zone_err_sys(err, -ENOMEM, "%s", what);
                L->size = sz && YAJL_IS_INTEGER(sz) && YAJL_GET_INTEGER(sz) > 0
                              ? (uint64_t)YAJL_GET_INTEGER(sz)
                              : 0;
                img->size += L->size;
        }
        struct zone_image_config *ic = &img->config;
        yajl_val cc = img_jget(c, "config", yajl_t_object);
        if ((r = jstrv(cc, "Entrypoint", what, &ic->entrypoint, err)) < 0 ||
            (r = jstrv(cc, "Cmd", what, &ic->cmd, err)) < 0 ||
            (r = jstrv(cc, "Env", what, &ic->env, err)) < 0 ||
            (r = jkeys(cc, "ExposedPorts", what, &ic->exposed_ports, NULL, err)) < 0 ||
            (r = jkeys(cc, "Volumes", what, &ic->volumes, NULL, err)) < 0 ||
            (r = jkeys(cc, "Labels", what, &ic->label_keys, &ic->label_values, err)) < 0)
                return r;
        if (dupstr(img_jstr(cc, "WorkingDir"), &ic->working_dir) < 0 ||
            dupstr(img_jstr(cc, "User"), &ic->user) < 0 ||
            dupstr(img_jstr(c, "architecture"), &ic->architecture) < 0 ||
            dupstr(img_jstr(c, "os"), &ic->os) < 0 ||
            dupstr(img_jstr(c, "created"), &img->created) < 0)
                return zone_err_sys(err, -ENOMEM, "%s", what);
        return 0;
}

/* Loads records/<file>; -ENOENT (with err) when there is none. */
static int load_record(struct zone_image_store *s, const char *file, struct zone_image **ret,
                       struct zone_err **err)
{
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(s->recordsfd, file, 65536, &text, NULL);
        if (r < 0)
                return zone_err_sys(err, r, "read image record %s", file);
        _cleanup_json_ yajl_val v = NULL;
        if ((r = img_jparse(text, file, &v, err)) < 0)
                return zone_err_wrap(err, "image record");
        const char *name = img_jstr(v, "name"), *manifest = img_jstr(v, "manifest");
        if (!name || !zone_digest_valid(manifest))
                return zone_err_set(
                    err, -EINVAL, "image record %s: name or manifest is missing or invalid", file);
        _cleanup_image_ struct zone_image *img = calloc(1, sizeof(*img));
        if (!img || !(img->name = strdup(name)))
                return zone_err_sys(err, -ENOMEM, "image record %s", file);
        memcpy(img->manifest_digest, manifest, ZONE_DIGEST_SIZE);
        _cleanup_free_ char *what = NULL;
        if (asprintf(&what, "image %s", name) < 0)
                return zone_err_sys(err, -ENOMEM, "image record %s", file);
        if ((r = load_manifest(s, img, what, err)) < 0)
                return r;
        *ret = steal_pointer(&img);
        return 0;
}

static int cmp_strp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The record files (sorted), crashed writers' temporary files left out. */
/* The names in dirfd that end in suffix ("" for any), sorted; dot files left out. */
static int dir_names(int dirfd, const char *suffix, char ***ret)
{
        int fd = dup(dirfd);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                int r = -errno;
                if (fd >= 0)
                        close(fd);
                return r;
        }
        rewinddir(d);
        _cleanup_strv_ char **v = calloc(1, sizeof(char *));
        struct dirent *de;
        size_t ls = strlen(suffix);
        int r = v ? 0 : -ENOMEM;
        while (r == 0 && (de = readdir(d))) {
                size_t n = strlen(de->d_name);
                if (de->d_name[0] == '.' || n <= ls || strcmp(de->d_name + n - ls, suffix) != 0)
                        continue;
                r = strv_append(&v, de->d_name);
        }
        closedir(d);
        if (r < 0)
                return r;
        qsort(v, strv_length(v), sizeof(char *), cmp_strp);
        *ret = steal_pointer(&v);
        return 0;
}

static int record_files(struct zone_image_store *s, char ***ret, struct zone_err **err)
{
        int r = dir_names(s->recordsfd, ".json", ret);
        return r < 0 ? zone_err_sys(err, r, "list %s/records", s->dir) : 0;
}

static int cmp_image(const void *a, const void *b)
{
        return strcmp((*(struct zone_image *const *)a)->name,
                      (*(struct zone_image *const *)b)->name);
}

int zone_image_list(struct zone_image_store *s, struct zone_image ***ret, size_t *ret_n,
                    struct zone_err **err)
{
        _cleanup_strv_ char **files = NULL;
        int r = record_files(s, &files, err);
        if (r < 0)
                return r;
        size_t n = strv_length(files);
        struct zone_image **v = calloc(n + 1, sizeof(*v));
        if (!v)
                return zone_err_sys(err, -ENOMEM, "list images");
        for (size_t i = 0; i < n; i++) {
                r = load_record(s, files[i], &v[i], err);
                if (r < 0) {
                        for (size_t j = 0; j < i; j++)
                                zone_image_free(v[j]);
                        free(v);
                        return r;
                }
        }
        qsort(v, n, sizeof(*v), cmp_image);
        *ret = v;
        *ret_n = n;
        return 0;
}

static bool all_hex(const char *s)
{
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

/* The record file ref names: by name, by digest or id prefix, or by a name's last parts. */
static int resolve(struct zone_image_store *s, const char *ref, char **ret_file,
                   struct zone_err **err)
{
        if (!ref || !*ref)
                return zone_err_set(err, -EINVAL, "image reference is empty");
        const char *hex = strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref;
        bool by_id = all_hex(hex) && strlen(hex) >= 12 && strlen(hex) <= 64;
        _cleanup_free_ char *name = NULL, *file = NULL;
        if (!by_id || hex == ref) {
                int r = zone_image_name_normalize(ref, &name, by_id ? NULL : err);
                if (r < 0 && !by_id)
                        return r;
                if (r == 0) {
                        if (record_file(name, &file) < 0)
                                return zone_err_sys(err, -ENOMEM, "image %s", ref);
                        if (faccessat(s->recordsfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                                *ret_file = steal_pointer(&file);
                                return 0;
                        }
                }
        }
        _cleanup_strv_ char **files = NULL;
        int r = record_files(s, &files, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *suffix = NULL;
        if (name && asprintf(&suffix, "%%%s", file) < 0)
                return zone_err_sys(err, -ENOMEM, "image %s", ref);
        char *found = NULL, found_digest[ZONE_DIGEST_SIZE] = "";
        bool ambiguous = false;
        for (size_t i = 0; files[i]; i++) {
                bool match = false;
                char digest[ZONE_DIGEST_SIZE] = "";
                if (by_id) {
                        _cleanup_free_ char *text = NULL;
                        _cleanup_json_ yajl_val v = NULL;
                        if (read_file_at(s->recordsfd, files[i], 65536, &text, NULL) < 0 ||
                            !(v = yajl_tree_parse(text, NULL, 0)))
                                continue;
                        const char *m = img_jstr(v, "manifest");
                        if (zone_digest_valid(m) && strncmp(m + 7, hex, strlen(hex)) == 0) {
                                match = true;
                                memcpy(digest, m, ZONE_DIGEST_SIZE);
                        }
                }
                if (!match && suffix) {
                        size_t fl = strlen(files[i]), sl = strlen(suffix);
                        match = fl > sl && strcmp(files[i] + fl - sl, suffix) == 0;
                        snprintf(digest, sizeof(digest), "file:%s", files[i]);
                }
                if (!match)
                        continue;
                /* Several names of one image are one image: the first name stands. */
                if (found && strcmp(found_digest, digest) != 0)
                        ambiguous = true;
                if (!found) {
                        found = files[i];
                        memcpy(found_digest, digest, ZONE_DIGEST_SIZE);
                }
        }
        if (ambiguous)
                return zone_err_set(err, -EINVAL,
                                    "image %s is ambiguous: give more of its id "
                                    "or its full name",
                                    ref);
        if (!found)
                return zone_err_set(err, -ENOENT, "image %s: no such image", ref);
        if (!(*ret_file = strdup(found)))
                return zone_err_sys(err, -ENOMEM, "image %s", ref);
        return 0;
}

int zone_image_load(struct zone_image_store *s, const char *ref, struct zone_image **ret,
                    struct zone_err **err)
{
        _cleanup_free_ char *file = NULL;
        int r = resolve(s, ref, &file, err);
        if (r < 0)
                return r;
        return load_record(s, file, ret, err);
}

int zone_image_remove(struct zone_image_store *s, const char *ref, struct zone_err **err)
{
        int r = need_writable(s, "remove image", err);
        if (r < 0)
                return r;
        _cleanup_free_ char *file = NULL;
        if ((r = resolve(s, ref, &file, err)) < 0)
                return r;
        if (unlinkat(s->recordsfd, file, 0) < 0)
                return zone_err_sys(err, -errno, "remove image %s", ref);
        return 0;
}

int zone_image_record(struct zone_image_store *s, const char *name, const char *manifest_digest,
                      struct zone_err **err)
{
        int r = need_writable(s, "record image", err);
        if (r < 0)
                return r;
        _cleanup_image_ struct zone_image *img = calloc(1, sizeof(*img));
        if (!img)
                return zone_err_sys(err, -ENOMEM, "record image");
        if ((r = zone_image_name_normalize(name, &img->name, err)) < 0 ||
            (r = check_digest(manifest_digest, err)) < 0)
                return r;
        memcpy(img->manifest_digest, manifest_digest, ZONE_DIGEST_SIZE);
        _cleanup_free_ char *what = NULL;
        if (asprintf(&what, "record image %s", img->name) < 0)
                return zone_err_sys(err, -ENOMEM, "record image");
        if ((r = load_manifest(s, img, what, err)) < 0)
                return r;
        for (size_t i = 0; i < img->n_layers; i++) {
                if (!zone_blob_exists(s, img->layers[i].digest))
                        return zone_err_set(err, -ENOENT, "%s: layer blob %s is missing", what,
                                            img->layers[i].digest);
                struct stat st;
                if (fstatat(s->layersfd, img->layers[i].diff_id + 7, &st, AT_SYMLINK_NOFOLLOW) <
                        0 ||
                    !S_ISDIR(st.st_mode))
                        return zone_err_set(err, -ENOENT, "%s: layer %s is not unpacked", what,
                                            img->layers[i].diff_id);
        }
        /* {"name":..., "manifest":...}, written in tmp/ and renamed into records/. */
        yajl_gen g = yajl_gen_alloc(NULL);
        if (!g)
                return zone_err_sys(err, -ENOMEM, "%s", what);
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_map_open(g);
        yajl_gen_string(g, (const unsigned char *)"name", 4);
        yajl_gen_string(g, (const unsigned char *)img->name, strlen(img->name));
        yajl_gen_string(g, (const unsigned char *)"manifest", 8);
        yajl_gen_string(g, (const unsigned char *)manifest_digest, strlen(manifest_digest));
        yajl_gen_map_close(g);
        const unsigned char *buf;
        size_t len;
        yajl_gen_get_buf(g, &buf, &len);
        _cleanup_free_ char *file = NULL;
        char tmp[64];
        r = record_file(img->name, &file);
        if (r == 0)
                r = zone_store_tmp_name("record", tmp);
        if (r == 0)
                r = write_file_atomic_at(s->tmpfd, tmp, buf, len, 0600);
        yajl_gen_free(g);
        if (r == 0 && renameat(s->tmpfd, tmp, s->recordsfd, file) < 0) {
                r = -errno;
                unlinkat(s->tmpfd, tmp, 0);
        }
        if (r < 0)
                return zone_err_sys(err, r, "%s", what);
        return 0;
}

/* ---- gc ---- */

static bool in_sorted(char **v, size_t n, const char *s)
{
        return v && bsearch(&s, v, n, sizeof(char *), cmp_strp) != NULL;
}

static int sweep(int dirfd, char **keep, size_t n_keep, uint64_t *bytes, size_t *count,
                 const char *what, struct zone_err **err)
{
        int fd = dup(dirfd);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                int r = -errno;
                if (fd >= 0)
                        close(fd);
                return zone_err_sys(err, r, "gc: list %s", what);
        }
        rewinddir(d);
        _cleanup_strv_ char **drop = calloc(1, sizeof(char *));
        struct dirent *de;
        int r = drop ? 0 : -ENOMEM;
        while (r == 0 && (de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
                    !in_sorted(keep, n_keep, de->d_name))
                        r = strv_append(&drop, de->d_name);
        closedir(d);
        if (r < 0)
                return zone_err_sys(err, r, "gc: list %s", what);
        for (size_t i = 0; drop[i]; i++) {
                r = zone_rm_rf_at(dirfd, drop[i], bytes);
                if (r < 0 && r != -ENOENT)
                        return zone_err_sys(err, r, "gc: remove %s %s", what, drop[i]);
                (*count)++;
        }
        return 0;
}

int zone_image_pin(struct zone_image_store *s, const char *manifest_digest, const char *bundle_dir,
                   struct zone_err **err)
{
        if (!zone_digest_valid(manifest_digest) || bundle_dir[0] != '/')
                return zone_err_set(err, -EINVAL, "pin %s for %s: invalid", manifest_digest,
                                    bundle_dir);
        char name[ZONE_DIGEST_SIZE];
        zone_digest_buf(bundle_dir, strlen(bundle_dir), name);
        _cleanup_free_ char *text = NULL;
        int n = asprintf(&text, "%s %s\n", manifest_digest, bundle_dir);
        if (n < 0)
                return zone_err_sys(err, -ENOMEM, "pin %s", bundle_dir);
        int r = write_file_atomic_at(s->pinsfd, name + 7, text, (size_t)n, 0600);
        return r < 0 ? zone_err_sys(err, r, "pin the image of bundle %s", bundle_dir) : 0;
}

/* The manifest a pin keeps, when its bundle still names it; else the pin is dropped. */
static int pin_manifest(struct zone_image_store *s, const char *file, char ret[ZONE_DIGEST_SIZE])
{
        _cleanup_free_ char *text = NULL, *record = NULL, *path = NULL;
        if (read_file_at(s->pinsfd, file, 8192, &text, NULL) < 0)
                return -ENOENT;
        char *sp = strchr(text, ' '), *nl = strrchr(text, '\n');
        if (!sp || !nl)
                return -EINVAL;
        *sp = *nl = 0;
        if (!zone_digest_valid(text) || asprintf(&path, "%s/" ZONE_BUNDLE_RECORD, sp + 1) < 0)
                return -EINVAL;
        /* The record is the bundle's, written by bundle.c: it holds "manifest":"sha256:..." */
        char want[ZONE_DIGEST_SIZE + 16];
        snprintf(want, sizeof(want), "\"%s\"", text);
        if (read_file_at(AT_FDCWD, path, 65536, &record, NULL) < 0 || !strstr(record, want))
                return -ESTALE;
        memcpy(ret, text, ZONE_DIGEST_SIZE);
        return 0;
}

int zone_image_gc(struct zone_image_store *s, uint64_t *ret_bytes, size_t *ret_count,
                  struct zone_err **err)
{
        int r = need_writable(s, "gc", err);
        if (r < 0)
                return r;
        struct zone_image **imgs = NULL;
        size_t n = 0;
        /* A record that does not load stops gc: deleting what it may reach would be worse. */
        if ((r = zone_image_list(s, &imgs, &n, err)) < 0)
                return zone_err_wrap(err, "gc");
        _cleanup_strv_ char **blobs = calloc(1, sizeof(char *));
        _cleanup_strv_ char **layers = calloc(1, sizeof(char *));
        r = blobs && layers ? 0 : -ENOMEM;
        for (size_t i = 0; r == 0 && i < n; i++) {
                struct zone_image *img = imgs[i];
                r = strv_append(&blobs, img->manifest_digest + 7);
                if (r == 0)
                        r = strv_append(&blobs, img->config_digest + 7);
                for (size_t j = 0; r == 0 && j < img->n_layers; j++) {
                        r = strv_append(&blobs, img->layers[j].digest + 7);
                        if (r == 0)
                                r = strv_append(&layers, img->layers[j].diff_id + 7);
                }
        }
        for (size_t i = 0; i < n; i++)
                zone_image_free(imgs[i]);
        free(imgs);
        if (r < 0)
                return zone_err_sys(err, r, "gc");
        /* What live bundles use; a stale pin goes. */
        _cleanup_strv_ char **pins = NULL;
        if ((r = dir_names(s->pinsfd, "", &pins)) < 0)
                return zone_err_sys(err, r, "gc: read pins/");
        for (size_t i = 0; pins && pins[i]; i++) {
                struct zone_image img = {0};
                if (pin_manifest(s, pins[i], img.manifest_digest) < 0) {
                        if (unlinkat(s->pinsfd, pins[i], 0) < 0 && errno != ENOENT)
                                return zone_err_sys(err, -errno, "gc: remove pin %s", pins[i]);
                        continue;
                }
                _cleanup_err_ struct zone_err *ignored = NULL;
                r = load_manifest(s, &img, "pinned image", &ignored);
                r = r < 0 ? 0 : strv_append(&blobs, img.manifest_digest + 7);
                if (r == 0 && img.layers)
                        r = strv_append(&blobs, img.config_digest + 7);
                for (size_t j = 0; r == 0 && j < img.n_layers; j++) {
                        r = strv_append(&blobs, img.layers[j].digest + 7);
                        if (r == 0)
                                r = strv_append(&layers, img.layers[j].diff_id + 7);
                }
                free(img.name);
                for (size_t j = 0; j < img.n_layers; j++)
                        free(img.layers[j].media_type);
                free(img.layers);
                config_free(&img.config);
                free(img.created);
                if (r < 0)
                        return zone_err_sys(err, r, "gc");
        }
        size_t nb = strv_length(blobs), nl = strv_length(layers);
        qsort(blobs, nb, sizeof(char *), cmp_strp);
        qsort(layers, nl, sizeof(char *), cmp_strp);
        uint64_t bytes = 0;
        size_t count = 0;
        r = sweep(s->blobsfd, blobs, nb, &bytes, &count, "blob", err);
        if (r == 0)
                r = sweep(s->layersfd, layers, nl, &bytes, &count, "layer", err);
        if (ret_bytes)
                *ret_bytes = bytes;
        if (ret_count)
                *ret_count = count;
        return r;
}
