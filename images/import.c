/* Importing images (import.h). Archives are first staged as files under tmp/ (names checked
 * like layer entries), so that every format is then read from a directory: an OCI layout's
 * blobs are copied in and verified against their digests, docker-archive's config and layer
 * tars are stored and given a generated OCI manifest, and a root filesystem becomes one layer
 * with a config made from the caller's. Every layer is unpacked; the records are written
 * last, so an image is visible only when all it needs is in the store. */
#include "images/import.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "err.h"
#include "images/store_internal.h"
#include "util.h"

#define MAX_META (4u << 20)
#define CHUNK    (128 * 1024)

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX    "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG   "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_LIST  "application/vnd.docker.distribution.manifest.list.v2+json"

static const char *const format_names[] = {
    [ZONE_IMPORT_AUTO] = "auto",
    [ZONE_IMPORT_OCI_DIR] = "oci-dir",
    [ZONE_IMPORT_OCI_ARCHIVE] = "oci-archive",
    [ZONE_IMPORT_DOCKER_ARCHIVE] = "docker-archive",
    [ZONE_IMPORT_ROOTFS_TAR] = "rootfs-tar",
    [ZONE_IMPORT_ROOTFS_DIR] = "rootfs-dir",
};

int zone_import_format_parse(const char *s, enum zone_import_format *ret, struct zone_err **err)
{
        for (size_t i = 0; i < ARRAY_SIZE(format_names); i++)
                if (s && strcmp(s, format_names[i]) == 0) {
                        *ret = (enum zone_import_format)i;
                        return 0;
                }
        return zone_err_set(err, -EINVAL,
                            "unknown import format \"%s\" (auto, oci-dir, oci-archive, "
                            "docker-archive, rootfs-tar, rootfs-dir)",
                            s ? s : "");
}

const char *zone_import_format_name(enum zone_import_format f)
{
        return (size_t)f < ARRAY_SIZE(format_names) ? format_names[f] : "?";
}

/* ---- helpers ---- */

static void yajl_freep(yajl_val *v)
{
        if (*v)
                yajl_tree_free(*v);
}
#define _cleanup_json_ _cleanup_(yajl_freep)

static void archive_freep(struct archive **a)
{
        if (*a)
                archive_read_free(*a);
}

static int open_beneath(int dirfd, const char *path, int flags)
{
        struct open_how how = {
            .flags = (uint64_t)(flags | O_CLOEXEC),
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        long fd;
        do
                fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        while (fd < 0 && errno == EAGAIN);
        return fd < 0 ? -errno : (int)fd;
}

/* A small file of the layout (index.json, manifest.json) as text. */
static int read_meta(int dirfd, const char *path, const char *where, char **ret,
                     struct zone_err **err)
{
        _cleanup_close_ int fd = open_beneath(dirfd, path, O_RDONLY);
        if (fd < 0)
                return zone_err_sys(err, fd, "import %s: read %s", where, path);
        int r = read_all(fd, MAX_META, ret, NULL);
        if (r < 0)
                return zone_err_sys(err, r, "import %s: read %s", where, path);
        return 0;
}

struct import {
        struct zone_image_store *s;
        const struct zone_import_opts *o;
        struct zone_unpack_limits limits;
        uint64_t used_bytes, used_entries;
        char **names, **manifests; /* parallel: what to record at the end */
};

/* Streams fd into a blob (verified against expect when not NULL). */
static int blob_from_fd(struct import *im, int fd, const char *expect, const char *what,
                        char ret[ZONE_DIGEST_SIZE], uint64_t *ret_size, struct zone_err **err)
{
        struct stat st;
        uint64_t total = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0, done = 0;
        struct zone_blob_writer *w = NULL;
        int r = zone_blob_begin(im->s, &w, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *buf = malloc(CHUNK);
        if (!buf) {
                zone_blob_abort(w);
                return zone_err_sys(err, -ENOMEM, "import %s", what);
        }
        for (;;) {
                ssize_t n = read(fd, buf, CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = zone_err_sys(err, -errno, "import %s: read", what);
                        break;
                }
                if (n == 0)
                        break;
                if ((r = zone_blob_write(w, buf, (size_t)n, err)) < 0)
                        break;
                done += (uint64_t)n;
                if (im->o->progress && (done & ((8u << 20) - 1)) < (uint64_t)n)
                        im->o->progress(im->o->progress_arg, what, done, total);
        }
        if (r < 0) {
                zone_blob_abort(w);
                return r;
        }
        r = zone_blob_commit(w, expect, ret, ret_size, err);
        if (r < 0)
                return zone_err_wrap(err, "import %s", what);
        return 0;
}

/* Copies blob `digest` of an OCI layout into the store, verified. */
static int copy_blob(struct import *im, int layoutfd, const char *digest, const char *where,
                     struct zone_err **err)
{
        if (!zone_digest_valid(digest))
                return zone_err_set(err, -EINVAL, "import %s: invalid digest \"%s\"", where,
                                    digest ? digest : "");
        if (zone_blob_exists(im->s, digest))
                return 0;
        char path[96];
        snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
        _cleanup_close_ int fd = open_beneath(layoutfd, path, O_RDONLY);
        if (fd == -ENOENT)
                return zone_err_set(err, -ENOENT,
                                    "import %s: the manifest names blob %s, which is missing",
                                    where, digest);
        if (fd < 0)
                return zone_err_sys(err, fd, "import %s: open blob %s", where, digest);
        return blob_from_fd(im, fd, digest, digest, NULL, NULL, err);
}

static int add_name(struct import *im, const char *name, const char *manifest,
                    struct zone_err **err)
{
        _cleanup_free_ char *n = NULL;
        int r = zone_image_name_normalize(name, &n, err);
        if (r < 0)
                return zone_err_wrap(err, "import %s", im->o->path);
        if (strv_append(&im->names, n) < 0 || strv_append(&im->manifests, manifest) < 0)
                return zone_err_sys(err, -ENOMEM, "import %s", im->o->path);
        return 0;
}

static int unpack_layers(struct import *im, const char *manifest_digest, struct zone_err **err)
{
        _cleanup_free_ char *mtext = NULL, *ctext = NULL;
        _cleanup_json_ yajl_val m = NULL, c = NULL;
        int r = zone_blob_read(im->s, manifest_digest, MAX_META, &mtext, NULL, err);
        if (r == 0)
                r = img_jparse(mtext, "manifest", &m, err);
        const char *cd = img_jstr(img_jget(m, "config", yajl_t_object), "digest");
        if (r == 0 && !zone_digest_valid(cd))
                r = zone_err_set(err, -EINVAL, "manifest %s: config.digest is invalid",
                                 manifest_digest);
        if (r == 0)
                r = zone_blob_read(im->s, cd, MAX_META, &ctext, NULL, err);
        if (r == 0)
                r = img_jparse(ctext, "image config", &c, err);
        if (r < 0)
                return zone_err_wrap(err, "import %s", im->o->path);
        yajl_val layers = img_jget(m, "layers", yajl_t_array);
        yajl_val diff = img_jget(img_jget(c, "rootfs", yajl_t_object), "diff_ids", yajl_t_array);
        size_t n = layers ? layers->u.array.len : 0;
        if (!diff || diff->u.array.len != n)
                return zone_err_set(err, -EINVAL,
                                    "import %s: the image config's rootfs.diff_ids do not match "
                                    "the manifest's %zu layers",
                                    im->o->path, n);
        for (size_t i = 0; i < n; i++) {
                const char *ld = img_jstr(layers->u.array.values[i], "digest");
                yajl_val d = diff->u.array.values[i];
                if (!YAJL_IS_STRING(d) || !zone_digest_valid(d->u.string))
                        return zone_err_set(err, -EINVAL,
                                            "import %s: rootfs.diff_ids[%zu] is invalid",
                                            im->o->path, i);
                r = zone_layer_unpack(im->s, ld, d->u.string, &im->limits, im->o->progress,
                                      im->o->progress_arg, NULL, err);
                if (r < 0)
                        return zone_err_wrap(err, "import %s", im->o->path);
        }
        return 0;
}

/* ---- OCI layout ---- */

static const char *host_arch(void)
{
        struct utsname u;
        if (uname(&u) < 0)
                return "amd64";
        if (strcmp(u.machine, "aarch64") == 0)
                return "arm64";
        if (strcmp(u.machine, "x86_64") == 0)
                return "amd64";
        return strcmp(u.machine, "i686") == 0 ? "386" : "amd64";
}

static int oci_manifest(struct import *im, int layoutfd, const char *digest, int depth,
                        const char *ref, struct zone_err **err);

/* The manifests an index lists: images for this machine's platform (or with none given). */
static int oci_index(struct import *im, int layoutfd, yajl_val index, int depth, const char *where,
                     struct zone_err **err)
{
        yajl_val ms = img_jget(index, "manifests", yajl_t_array);
        if (!ms || ms->u.array.len == 0)
                return zone_err_set(err, -EINVAL, "import %s: %s lists no manifests", im->o->path,
                                    where);
        for (size_t i = 0; i < ms->u.array.len; i++) {
                yajl_val d = ms->u.array.values[i];
                yajl_val ann = img_jget(d, "annotations", yajl_t_object);
                const char *ref = img_jstr(ann, "io.containerd.image.name");
                if (!ref)
                        ref = img_jstr(ann, "org.opencontainers.image.ref.name");
                const char *arch = img_jstr(img_jget(d, "platform", yajl_t_object), "architecture");
                if (depth > 0 && arch && strcmp(arch, host_arch()) != 0)
                        continue;
                int r = oci_manifest(im, layoutfd, img_jstr(d, "digest"), depth, ref, err);
                if (r < 0)
                        return r;
                if (depth > 0)
                        break; /* one image of a multi-platform index */
        }
        return 0;
}

/* A reference from the layout: a full name, or only a tag (skopeo's oci:DIR:TAG), which is
 * put on "localhost/" + the layout's base name. */
static int layout_name(struct import *im, const char *ref, char **ret, struct zone_err **err)
{
        if (strchr(ref, '/') || strchr(ref, ':'))
                return (*ret = strdup(ref)) ? 0 : -ENOMEM;
        _cleanup_free_ char *base = strdup(im->o->path);
        if (!base)
                return -ENOMEM;
        size_t len = strlen(base);
        while (len > 1 && base[len - 1] == '/')
                base[--len] = '\0';
        char *b = strrchr(base, '/');
        b = b ? b + 1 : base;
        b[strcspn(b, ".")] = '\0';
        for (char *p = b; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        *p = (char)(*p - 'A' + 'a');
        return asprintf(ret, "localhost/%s:%s", *b ? b : "image", ref) < 0 ? -ENOMEM : 0;
}

static int oci_manifest(struct import *im, int layoutfd, const char *digest, int depth,
                        const char *ref, struct zone_err **err)
{
        int r = copy_blob(im, layoutfd, digest, im->o->path, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *text = NULL;
        _cleanup_json_ yajl_val m = NULL;
        if ((r = zone_blob_read(im->s, digest, MAX_META, &text, NULL, err)) < 0 ||
            (r = img_jparse(text, digest, &m, err)) < 0)
                return zone_err_wrap(err, "import %s", im->o->path);
        const char *mt = img_jstr(m, "mediaType");
        if (mt && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0)) {
                if (depth > 2)
                        return zone_err_set(err, -ELOOP, "import %s: indexes nested too deep",
                                            im->o->path);
                return oci_index(im, layoutfd, m, depth + 1, digest, err);
        }
        const char *cd = img_jstr(img_jget(m, "config", yajl_t_object), "digest");
        if ((r = copy_blob(im, layoutfd, cd, im->o->path, err)) < 0)
                return r;
        yajl_val layers = img_jget(m, "layers", yajl_t_array);
        for (size_t i = 0; layers && i < layers->u.array.len; i++)
                if ((r = copy_blob(im, layoutfd, img_jstr(layers->u.array.values[i], "digest"),
                                   im->o->path, err)) < 0)
                        return r;
        if ((r = unpack_layers(im, digest, err)) < 0)
                return r;
        _cleanup_free_ char *name = NULL;
        if (im->o->name)
                return add_name(im, im->o->name, digest, err);
        if (!ref)
                return zone_err_set(err, -EINVAL,
                                    "import %s: image %s has no name in the layout: give one "
                                    "with --name",
                                    im->o->path, digest);
        if (layout_name(im, ref, &name, err) < 0)
                return zone_err_sys(err, -ENOMEM, "import %s", im->o->path);
        return add_name(im, name, digest, err);
}

static int import_oci(struct import *im, int layoutfd, struct zone_err **err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_json_ yajl_val index = NULL;
        int r = read_meta(layoutfd, "index.json", im->o->path, &text, err);
        if (r == 0)
                r = img_jparse(text, "index.json", &index, err);
        if (r < 0)
                return zone_err_wrap(err, "import %s", im->o->path);
        return oci_index(im, layoutfd, index, 0, "index.json", err);
}

/* ---- generated manifests and configs ---- */

struct gen {
        yajl_gen g;
};

static void gs(struct gen *g, const char *s)
{
        yajl_gen_string(g->g, (const unsigned char *)s, strlen(s));
}

static void gkv(struct gen *g, const char *k, const char *v)
{
        if (!v)
                return;
        gs(g, k);
        gs(g, v);
}

static void gstrv(struct gen *g, const char *k, char **v)
{
        if (!v)
                return;
        gs(g, k);
        yajl_gen_array_open(g->g);
        for (size_t i = 0; v[i]; i++)
                gs(g, v[i]);
        yajl_gen_array_close(g->g);
}

static void gset(struct gen *g, const char *k, char **v)
{
        if (!v)
                return;
        gs(g, k);
        yajl_gen_map_open(g->g);
        for (size_t i = 0; v[i]; i++) {
                gs(g, v[i]);
                yajl_gen_map_open(g->g);
                yajl_gen_map_close(g->g);
        }
        yajl_gen_map_close(g->g);
}

static int gen_blob(struct import *im, struct gen *g, char ret[ZONE_DIGEST_SIZE], uint64_t *size,
                    struct zone_err **err)
{
        const unsigned char *buf;
        size_t len;
        if (yajl_gen_get_buf(g->g, &buf, &len) != yajl_gen_status_ok)
                return zone_err_set(err, -EINVAL, "import %s: generate JSON", im->o->path);
        struct zone_blob_writer *w = NULL;
        int r = zone_blob_begin(im->s, &w, err);
        if (r == 0 && (r = zone_blob_write(w, buf, len, err)) < 0)
                zone_blob_abort(w);
        if (r == 0)
                r = zone_blob_commit(w, NULL, ret, size, err);
        return r;
}

/* The image config of a rootfs import: the caller's config and one layer. */
static int gen_config(struct import *im, const char *diff_id, char ret[ZONE_DIGEST_SIZE],
                      uint64_t *size, struct zone_err **err)
{
        const struct zone_image_config *c = im->o->config;
        struct gen g = {yajl_gen_alloc(NULL)};
        if (!g.g)
                return zone_err_sys(err, -ENOMEM, "import %s", im->o->path);
        _cleanup_free_ char *now = NULL;
        struct timespec ts;
        struct tm tm;
        if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && gmtime_r(&ts.tv_sec, &tm))
                if (asprintf(&now, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec) < 0)
                        now = NULL;
        yajl_gen_map_open(g.g);
        gkv(&g, "created", now);
        gkv(&g, "architecture", c && c->architecture ? c->architecture : host_arch());
        gkv(&g, "os", c && c->os ? c->os : "linux");
        gs(&g, "config");
        yajl_gen_map_open(g.g);
        if (c) {
                gkv(&g, "User", c->user);
                gset(&g, "ExposedPorts", c->exposed_ports);
                gstrv(&g, "Env", c->env);
                gstrv(&g, "Entrypoint", c->entrypoint);
                gstrv(&g, "Cmd", c->cmd);
                gset(&g, "Volumes", c->volumes);
                gkv(&g, "WorkingDir", c->working_dir);
                if (c->label_keys) {
                        gs(&g, "Labels");
                        yajl_gen_map_open(g.g);
                        for (size_t i = 0;
                             c->label_keys[i] && c->label_values && c->label_values[i]; i++)
                                gkv(&g, c->label_keys[i], c->label_values[i]);
                        yajl_gen_map_close(g.g);
                }
        }
        yajl_gen_map_close(g.g);
        gs(&g, "rootfs");
        yajl_gen_map_open(g.g);
        gkv(&g, "type", "layers");
        gs(&g, "diff_ids");
        yajl_gen_array_open(g.g);
        gs(&g, diff_id);
        yajl_gen_array_close(g.g);
        yajl_gen_map_close(g.g);
        yajl_gen_map_close(g.g);
        int r = gen_blob(im, &g, ret, size, err);
        yajl_gen_free(g.g);
        return r;
}

/* The layer's media type, from its first bytes. */
static int layer_media_type(struct import *im, const char *digest, const char **ret,
                            struct zone_err **err)
{
        _cleanup_close_ int fd = -1;
        int r = zone_blob_open(im->s, digest, &fd, NULL, err);
        if (r < 0)
                return r;
        unsigned char m[4] = {0};
        if (read(fd, m, sizeof(m)) < 0)
                return zone_err_sys(err, -errno, "read blob %s", digest);
        if (m[0] == 0x1f && m[1] == 0x8b)
                *ret = "application/vnd.oci.image.layer.v1.tar+gzip";
        else if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
                *ret = "application/vnd.oci.image.layer.v1.tar+zstd";
        else
                *ret = "application/vnd.oci.image.layer.v1.tar";
        return 0;
}

/* An OCI manifest for a config and its layers (already blobs). */
static int gen_manifest(struct import *im, const char *config, uint64_t config_size, char **layers,
                        const uint64_t *sizes, char ret[ZONE_DIGEST_SIZE], struct zone_err **err)
{
        struct gen g = {yajl_gen_alloc(NULL)};
        if (!g.g)
                return zone_err_sys(err, -ENOMEM, "import %s", im->o->path);
        int r = 0;
        yajl_gen_map_open(g.g);
        gs(&g, "schemaVersion");
        yajl_gen_integer(g.g, 2);
        gkv(&g, "mediaType", MT_OCI_MANIFEST);
        gs(&g, "config");
        yajl_gen_map_open(g.g);
        gkv(&g, "mediaType", MT_OCI_CONFIG);
        gkv(&g, "digest", config);
        gs(&g, "size");
        yajl_gen_integer(g.g, (long long)config_size);
        yajl_gen_map_close(g.g);
        gs(&g, "layers");
        yajl_gen_array_open(g.g);
        for (size_t i = 0; r == 0 && layers[i]; i++) {
                const char *mt = NULL;
                r = layer_media_type(im, layers[i], &mt, err);
                yajl_gen_map_open(g.g);
                gkv(&g, "mediaType", mt ? mt : "");
                gkv(&g, "digest", layers[i]);
                gs(&g, "size");
                yajl_gen_integer(g.g, (long long)sizes[i]);
                yajl_gen_map_close(g.g);
        }
        yajl_gen_array_close(g.g);
        yajl_gen_map_close(g.g);
        if (r == 0)
                r = gen_blob(im, &g, ret, NULL, err);
        yajl_gen_free(g.g);
        return r;
}

/* ---- docker-archive ---- */

static int docker_image(struct import *im, int dirfd, yajl_val entry, size_t idx,
                        struct zone_err **err)
{
        const char *config = img_jstr(entry, "Config");
        yajl_val layers = img_jget(entry, "Layers", yajl_t_array);
        if (!config || !layers)
                return zone_err_set(err, -EINVAL,
                                    "import %s: manifest.json[%zu]: Config or Layers is missing",
                                    im->o->path, idx);
        /* "<hex>.json": the config's own digest, checked as it is stored. */
        char expect[ZONE_DIGEST_SIZE], *exp = NULL;
        if (strlen(config) == 64 + 5 && strcmp(config + 64, ".json") == 0) {
                snprintf(expect, sizeof(expect), "sha256:%.64s", config);
                exp = zone_digest_valid(expect) ? expect : NULL;
        }
        char cdigest[ZONE_DIGEST_SIZE];
        uint64_t csize = 0;
        _cleanup_close_ int cfd = open_beneath(dirfd, config, O_RDONLY);
        if (cfd < 0)
                return zone_err_sys(err, cfd, "import %s: manifest.json[%zu].Config %s",
                                    im->o->path, idx, config);
        int r = blob_from_fd(im, cfd, exp, config, cdigest, &csize, err);
        if (r < 0)
                return r;
        size_t n = layers->u.array.len;
        _cleanup_strv_ char **ld = calloc(n + 1, sizeof(char *));
        _cleanup_free_ uint64_t *sizes = calloc(n + 1, sizeof(uint64_t));
        if (!ld || !sizes)
                return zone_err_sys(err, -ENOMEM, "import %s", im->o->path);
        for (size_t i = 0; i < n; i++) {
                yajl_val l = layers->u.array.values[i];
                if (!YAJL_IS_STRING(l))
                        return zone_err_set(err, -EINVAL,
                                            "import %s: manifest.json[%zu].Layers[%zu] is not a "
                                            "string",
                                            im->o->path, idx, i);
                _cleanup_close_ int fd = open_beneath(dirfd, l->u.string, O_RDONLY);
                if (fd < 0)
                        return zone_err_sys(err, fd, "import %s: manifest.json[%zu].Layers[%zu] %s",
                                            im->o->path, idx, i, l->u.string);
                char d[ZONE_DIGEST_SIZE];
                if ((r = blob_from_fd(im, fd, NULL, l->u.string, d, &sizes[i], err)) < 0)
                        return r;
                if (!(ld[i] = strdup(d)))
                        return zone_err_sys(err, -ENOMEM, "import %s", im->o->path);
        }
        char mdigest[ZONE_DIGEST_SIZE];
        if ((r = gen_manifest(im, cdigest, csize, ld, sizes, mdigest, err)) < 0 ||
            (r = unpack_layers(im, mdigest, err)) < 0)
                return r;
        if (im->o->name)
                return add_name(im, im->o->name, mdigest, err);
        yajl_val tags = img_jget(entry, "RepoTags", yajl_t_array);
        if (!tags || tags->u.array.len == 0)
                return zone_err_set(err, -EINVAL,
                                    "import %s: image %zu has no RepoTags: give a name with "
                                    "--name",
                                    im->o->path, idx);
        for (size_t i = 0; i < tags->u.array.len; i++) {
                yajl_val t = tags->u.array.values[i];
                if (YAJL_IS_STRING(t) && (r = add_name(im, t->u.string, mdigest, err)) < 0)
                        return r;
        }
        return 0;
}

static int import_docker(struct import *im, int dirfd, struct zone_err **err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_json_ yajl_val m = NULL;
        int r = read_meta(dirfd, "manifest.json", im->o->path, &text, err);
        if (r == 0)
                r = img_jparse(text, "manifest.json", &m, err);
        if (r < 0)
                return zone_err_wrap(err, "import %s", im->o->path);
        if (!YAJL_IS_ARRAY(m) || m->u.array.len == 0)
                return zone_err_set(err, -EINVAL, "import %s: manifest.json lists no images",
                                    im->o->path);
        for (size_t i = 0; i < m->u.array.len; i++)
                if ((r = docker_image(im, dirfd, m->u.array.values[i], i, err)) < 0)
                        return r;
        return 0;
}

/* ---- root filesystems ---- */

/* One layer blob -> unpacked, a config, a manifest, a name. */
static int rootfs_image(struct import *im, const char *layer, uint64_t size, const char *want,
                        struct zone_err **err)
{
        char diff[ZONE_DIGEST_SIZE], config[ZONE_DIGEST_SIZE], manifest[ZONE_DIGEST_SIZE];
        uint64_t csize = 0;
        int r = zone_layer_unpack(im->s, layer, want, &im->limits, im->o->progress,
                                  im->o->progress_arg, diff, err);
        if (r < 0)
                return zone_err_wrap(err, "import %s", im->o->path);
        char *layers[] = {(char *)layer, NULL};
        uint64_t sizes[] = {size, 0};
        if ((r = gen_config(im, diff, config, &csize, err)) < 0 ||
            (r = gen_manifest(im, config, csize, layers, sizes, manifest, err)) < 0)
                return r;
        return add_name(im, im->o->name, manifest, err);
}

/* The tar is stored as it came (plain, gzip or zstd): no second compression pass, and the
 * digest is that of the user's own file. */
static int import_rootfs_tar(struct import *im, struct zone_err **err)
{
        _cleanup_close_ int fd = open(im->o->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "import %s", im->o->path);
        char d[ZONE_DIGEST_SIZE];
        uint64_t size = 0;
        int r = blob_from_fd(im, fd, NULL, im->o->path, d, &size, err);
        return r < 0 ? r : rootfs_image(im, d, size, NULL, err);
}

struct tarw {
        struct import *im;
        struct zone_blob_writer *w;
        struct zone_err **err;
        int r;
        struct archive *a;
        struct archive_entry_linkresolver *links;
        uint64_t entries, bytes;
        char buf[CHUNK];
};

static la_ssize_t tarw_write(struct archive *a, void *arg, const void *buf, size_t len)
{
        struct tarw *t = arg;
        int r = zone_blob_write(t->w, buf, len, t->err);
        if (r < 0) {
                t->r = r;
                archive_set_error(a, -r, "write blob");
                return -1;
        }
        return (la_ssize_t)len;
}

static int tar_write_entry(struct tarw *t, struct archive_entry *e, int fd, const char *path)
{
        if (archive_write_header(t->a, e) < ARCHIVE_WARN)
                return t->r ? t->r
                            : zone_err_set(t->err, -EIO, "import %s: tar %s: %s", t->im->o->path,
                                           path, archive_error_string(t->a));
        if (fd < 0 || archive_entry_size(e) == 0)
                return 0;
        for (;;) {
                ssize_t n = read(fd, t->buf, sizeof(t->buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return zone_err_sys(t->err, -errno, "import %s: read %s", t->im->o->path,
                                            path);
                if (n == 0)
                        return 0;
                if (archive_write_data(t->a, t->buf, (size_t)n) < 0)
                        return t->r
                                   ? t->r
                                   : zone_err_set(t->err, -EIO, "import %s: tar %s: %s",
                                                  t->im->o->path, path, archive_error_string(t->a));
        }
}

static int cmp_strp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the entries of directory dirfd (tar path prefix `prefix`), sorted by name. */
static int tar_dir(struct tarw *t, int dirfd, const char *prefix)
{
        int dfd = dup(dirfd);
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        if (!d) {
                int r = -errno;
                if (dfd >= 0)
                        close(dfd);
                return zone_err_sys(t->err, r, "import %s: read directory %s", t->im->o->path,
                                    *prefix ? prefix : ".");
        }
        _cleanup_strv_ char **names = calloc(1, sizeof(char *));
        struct dirent *de;
        int r = names ? 0 : -ENOMEM;
        while (r == 0 && (de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        r = strv_append(&names, de->d_name);
        closedir(d);
        if (r < 0)
                return zone_err_sys(t->err, r, "import %s", t->im->o->path);
        qsort(names, strv_length(names), sizeof(char *), cmp_strp);
        for (size_t i = 0; names[i]; i++) {
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s%s%s", prefix, *prefix ? "/" : "", names[i]) < 0)
                        return zone_err_sys(t->err, -ENOMEM, "import %s", t->im->o->path);
                struct stat st;
                if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return zone_err_sys(t->err, -errno, "import %s: stat %s", t->im->o->path,
                                            path);
                if (S_ISSOCK(st.st_mode))
                        continue; /* a socket is not content; tar cannot carry it */
                uint64_t max_entries =
                    t->im->limits.max_entries ? t->im->limits.max_entries : 4000000;
                uint64_t max_bytes =
                    t->im->limits.max_bytes ? t->im->limits.max_bytes : (64ull << 30);
                if (++t->entries > max_entries)
                        return zone_err_set(t->err, -EFBIG,
                                            "import %s: layer bomb: more than %" PRIu64 " entries",
                                            t->im->o->path, max_entries);
                if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_bytes - t->bytes)
                        return zone_err_set(t->err, -EFBIG,
                                            "import %s: layer bomb: \"%s\" goes past the limit "
                                            "of %" PRIu64 " bytes of file contents",
                                            t->im->o->path, path, max_bytes);
                if (S_ISREG(st.st_mode))
                        t->bytes += (uint64_t)st.st_size;
                struct archive_entry *e = archive_entry_new();
                if (!e)
                        return zone_err_sys(t->err, -ENOMEM, "import %s", t->im->o->path);
                archive_entry_set_pathname(e, path);
                archive_entry_copy_stat(e, &st);
                /* Numeric owners only, no atime/ctime: the same tree gives the same tar. */
                archive_entry_unset_atime(e);
                archive_entry_unset_ctime(e);
                archive_entry_unset_birthtime(e);
                _cleanup_close_ int fd = -1;
                if (S_ISLNK(st.st_mode)) {
                        char target[4096];
                        ssize_t n = readlinkat(dirfd, names[i], target, sizeof(target) - 1);
                        if (n < 0) {
                                archive_entry_free(e);
                                return zone_err_sys(t->err, -errno, "import %s: readlink %s",
                                                    t->im->o->path, path);
                        }
                        target[n] = '\0';
                        archive_entry_set_symlink(e, target);
                } else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
                        fd = openat(dirfd, names[i],
                                    O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
                                        (S_ISDIR(st.st_mode) ? O_DIRECTORY : O_NOCTTY));
                        if (fd < 0) {
                                archive_entry_free(e);
                                return zone_err_sys(t->err, -errno, "import %s: open %s",
                                                    t->im->o->path, path);
                        }
                        char list[4096];
                        ssize_t n = flistxattr(fd, list, sizeof(list));
                        for (ssize_t o = 0; n > 0 && o < n; o += (ssize_t)strlen(list + o) + 1) {
                                const char *xn = list + o;
                                if (strncmp(xn, "trusted.", 8) == 0 ||
                                    strcmp(xn, "security.selinux") == 0)
                                        continue;
                                char val[4096];
                                ssize_t vl = fgetxattr(fd, xn, val, sizeof(val));
                                if (vl >= 0)
                                        archive_entry_xattr_add_entry(e, xn, val, (size_t)vl);
                        }
                }
                /* Hard links: the second and later names of an inode carry no data. */
                struct archive_entry *spare = NULL;
                if (S_ISREG(st.st_mode) && st.st_nlink > 1)
                        archive_entry_linkify(t->links, &e, &spare);
                r = tar_write_entry(t, e, archive_entry_size(e) ? fd : -1, path);
                archive_entry_free(e);
                if (spare)
                        archive_entry_free(spare);
                if (r == 0 && S_ISDIR(st.st_mode))
                        r = tar_dir(t, fd, path);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The directory becomes one uncompressed tar (its digest is then its diff id): entries sorted
 * by name, numeric owners, the files' own mtimes, hard links kept, xattrs but trusted.* and
 * security.selinux. */
static int import_rootfs_dir(struct import *im, struct zone_err **err)
{
        _cleanup_close_ int dirfd = open(im->o->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return zone_err_sys(err, -errno, "import %s", im->o->path);
        struct tarw *t = calloc(1, sizeof(*t));
        if (!t)
                return zone_err_sys(err, -ENOMEM, "import %s", im->o->path);
        t->im = im;
        t->err = err;
        int r = zone_blob_begin(im->s, &t->w, err);
        if (r < 0) {
                free(t);
                return r;
        }
        t->a = archive_write_new();
        t->links = archive_entry_linkresolver_new();
        if (!t->a || !t->links || archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(t->a, 1) != ARCHIVE_OK) {
                r = zone_err_sys(err, -ENOMEM, "import %s", im->o->path);
                goto out;
        }
        archive_entry_linkresolver_set_strategy(t->links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
        if (archive_write_open(t->a, t, NULL, tarw_write, NULL) != ARCHIVE_OK) {
                r = zone_err_set(err, -EIO, "import %s: %s", im->o->path,
                                 archive_error_string(t->a));
                goto out;
        }
        r = tar_dir(t, dirfd, "");
        if (r == 0 && archive_write_close(t->a) != ARCHIVE_OK)
                r = t->r ? t->r
                         : zone_err_set(err, -EIO, "import %s: %s", im->o->path,
                                        archive_error_string(t->a));
out:
        if (t->a)
                archive_write_free(t->a);
        if (t->links)
                archive_entry_linkresolver_free(t->links);
        char d[ZONE_DIGEST_SIZE];
        uint64_t size = 0;
        if (r < 0)
                zone_blob_abort(t->w);
        else
                r = zone_blob_commit(t->w, NULL, d, &size, err);
        free(t);
        return r < 0 ? r : rootfs_image(im, d, size, d, err);
}

/* ---- archives: staged under tmp/ ---- */

static int stage_archive(struct import *im, const char *stage, struct zone_err **err)
{
        int tmpfd = zone_store_tmp_fd(im->s);
        if (mkdirat(tmpfd, stage, 0700) < 0)
                return zone_err_sys(err, -errno, "import %s: create a work directory", im->o->path);
        _cleanup_close_ int root = openat(tmpfd, stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return zone_err_sys(err, -errno, "import %s: open its work directory", im->o->path);
        _cleanup_(archive_freep) struct archive *a = archive_read_new();
        if (!a || archive_read_support_filter_all(a) != ARCHIVE_OK ||
            archive_read_support_format_tar(a) != ARCHIVE_OK)
                return zone_err_sys(err, -ENOMEM, "import %s", im->o->path);
        if (archive_read_open_filename(a, im->o->path, CHUNK) != ARCHIVE_OK)
                return zone_err_set(err, -EIO, "import %s: %s", im->o->path,
                                    archive_error_string(a));
        uint64_t max_bytes = im->limits.max_bytes ? im->limits.max_bytes : (64ull << 30);
        uint64_t max_entries = im->limits.max_entries ? im->limits.max_entries : 4000000;
        uint64_t bytes = 0, entries = 0;
        _cleanup_free_ char *buf = malloc(CHUNK);
        if (!buf)
                return zone_err_sys(err, -ENOMEM, "import %s", im->o->path);
        struct archive_entry *e;
        int ar;
        while ((ar = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
                if (ar < ARCHIVE_WARN)
                        return zone_err_set(err, -EIO, "import %s: %s", im->o->path,
                                            archive_error_string(a));
                const char *raw = archive_entry_pathname(e);
                _cleanup_free_ char *name = NULL;
                int r = zone_path_clean(raw ? raw : "", &name);
                if (r < 0)
                        return zone_err_set(err, -EPERM,
                                            "import %s: entry \"%s\": absolute names and \"..\" "
                                            "are not allowed",
                                            im->o->path, raw ? raw : "");
                if (++entries > max_entries)
                        return zone_err_set(err, -EFBIG, "import %s: more than %" PRIu64 " entries",
                                            im->o->path, max_entries);
                mode_t type = archive_entry_filetype(e);
                /* Only files and directories matter in a layout; docker-archive's symlinked
                 * layer.tar duplicates are not needed (manifest.json names the files). */
                if (!*name || (type != AE_IFREG && type != AE_IFDIR) || archive_entry_hardlink(e))
                        continue;
                _cleanup_close_ int parent = -1;
                const char *leaf;
                r = zone_open_parent(root, name, true, &parent, &leaf);
                if (r < 0)
                        return zone_err_sys(err, r, "import %s: entry \"%s\"", im->o->path, name);
                if (type == AE_IFDIR) {
                        if (mkdirat(parent, leaf, 0700) < 0 && errno != EEXIST)
                                return zone_err_sys(err, -errno, "import %s: entry \"%s\"",
                                                    im->o->path, name);
                        continue;
                }
                if ((uint64_t)archive_entry_size(e) > max_bytes - bytes)
                        return zone_err_set(err, -EFBIG,
                                            "import %s: layer bomb: entry \"%s\" goes past the "
                                            "limit of %" PRIu64 " bytes",
                                            im->o->path, name, max_bytes);
                bytes += (uint64_t)archive_entry_size(e);
                unlinkat(parent, leaf, 0);
                _cleanup_close_ int fd = openat(
                    parent, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0)
                        return zone_err_sys(err, -errno, "import %s: entry \"%s\"", im->o->path,
                                            name);
                la_ssize_t n;
                while ((n = archive_read_data(a, buf, CHUNK)) > 0)
                        if ((r = write_full(fd, buf, (size_t)n)) < 0)
                                return zone_err_sys(err, r, "import %s: entry \"%s\"", im->o->path,
                                                    name);
                if (n < 0)
                        return zone_err_set(err, -EIO, "import %s: entry \"%s\": %s", im->o->path,
                                            name, archive_error_string(a));
        }
        return 0;
}

/* What an archive holds, from its first telling entry name. */
static int detect_archive(const char *path, enum zone_import_format *ret, struct zone_err **err)
{
        _cleanup_(archive_freep) struct archive *a = archive_read_new();
        if (!a || archive_read_support_filter_all(a) != ARCHIVE_OK ||
            archive_read_support_format_tar(a) != ARCHIVE_OK)
                return zone_err_sys(err, -ENOMEM, "import %s", path);
        if (archive_read_open_filename(a, path, CHUNK) != ARCHIVE_OK)
                return zone_err_set(err, -EIO, "import %s: %s", path, archive_error_string(a));
        struct archive_entry *e;
        int ar;
        *ret = ZONE_IMPORT_ROOTFS_TAR;
        while ((ar = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
                if (ar < ARCHIVE_WARN)
                        return zone_err_set(err, -EIO, "import %s: %s", path,
                                            archive_error_string(a));
                _cleanup_free_ char *n = NULL;
                if (zone_path_clean(archive_entry_pathname(e) ?: "", &n) < 0)
                        return 0; /* the rootfs unpacker names the bad entry */
                if (strcmp(n, "oci-layout") == 0 || strcmp(n, "index.json") == 0 ||
                    strncmp(n, "blobs/sha256/", 13) == 0) {
                        *ret = ZONE_IMPORT_OCI_ARCHIVE;
                        return 0;
                }
                size_t l = strlen(n);
                if (strcmp(n, "manifest.json") == 0 || strcmp(n, "repositories") == 0 ||
                    (l == 64 + 5 && strcmp(n + 64, ".json") == 0) ||
                    (l == 64 + 4 && strcmp(n + 64, ".tar") == 0) ||
                    (l > 10 && strcmp(n + l - 10, "/layer.tar") == 0)) {
                        *ret = ZONE_IMPORT_DOCKER_ARCHIVE;
                        return 0;
                }
                if (*n && strcmp(n, "blobs") != 0 && strcmp(n, "blobs/sha256") != 0)
                        return 0; /* anything else: a root filesystem */
        }
        return 0;
}

static int detect(const char *path, enum zone_import_format *ret, struct zone_err **err)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return zone_err_sys(err, -errno, "import %s", path);
        if (S_ISDIR(st.st_mode)) {
                _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return zone_err_sys(err, -errno, "import %s", path);
                *ret = faccessat(fd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0 &&
                               faccessat(fd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) == 0
                           ? ZONE_IMPORT_OCI_DIR
                           : ZONE_IMPORT_ROOTFS_DIR;
                return 0;
        }
        return detect_archive(path, ret, err);
}

int zone_image_import(struct zone_image_store *s, const struct zone_import_opts *opts,
                      char ***ret_names, struct zone_err **err)
{
        if (!opts || !opts->path || !*opts->path)
                return zone_err_set(err, -EINVAL, "import: no path given");
        struct import im = {.s = s, .o = opts, .limits = opts->limits};
        im.limits.used_bytes = &im.used_bytes;
        im.limits.used_entries = &im.used_entries;
        enum zone_import_format f = opts->format;
        int r = 0;
        if (f == ZONE_IMPORT_AUTO && (r = detect(opts->path, &f, err)) < 0)
                return r;
        if ((f == ZONE_IMPORT_ROOTFS_TAR || f == ZONE_IMPORT_ROOTFS_DIR) && !opts->name)
                return zone_err_set(err, -EINVAL,
                                    "import %s: a root filesystem (%s) needs a name (--name)",
                                    opts->path, zone_import_format_name(f));
        char stage[64] = "";
        zone_image_store_txn_begin(s);
        switch (f) {
        case ZONE_IMPORT_OCI_DIR:
        case ZONE_IMPORT_DOCKER_ARCHIVE:
        case ZONE_IMPORT_OCI_ARCHIVE: {
                _cleanup_close_ int dirfd = -1;
                if (f == ZONE_IMPORT_OCI_DIR) {
                        dirfd = open(opts->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (dirfd < 0)
                                r = zone_err_sys(err, -errno, "import %s", opts->path);
                } else {
                        struct stat st;
                        r = zone_store_tmp_name("import", stage);
                        if (r == 0 && stat(opts->path, &st) == 0 && S_ISDIR(st.st_mode) &&
                            f == ZONE_IMPORT_DOCKER_ARCHIVE) {
                                stage[0] = '\0'; /* an unpacked docker-archive */
                                dirfd = open(opts->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        } else if (r == 0 && (r = stage_archive(&im, stage, err)) == 0) {
                                dirfd = openat(zone_store_tmp_fd(s), stage,
                                               O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        }
                        if (r == 0 && dirfd < 0)
                                r = zone_err_sys(err, -errno, "import %s", opts->path);
                }
                if (r == 0)
                        r = f == ZONE_IMPORT_DOCKER_ARCHIVE ? import_docker(&im, dirfd, err)
                                                            : import_oci(&im, dirfd, err);
                break;
        }
        case ZONE_IMPORT_ROOTFS_TAR:
                r = import_rootfs_tar(&im, err);
                break;
        case ZONE_IMPORT_ROOTFS_DIR:
                r = import_rootfs_dir(&im, err);
                break;
        default:
                r = zone_err_set(err, -EINVAL, "import %s: unknown format", opts->path);
        }
        if (r == 0 && opts->name && strv_length(im.names) > 1)
                r = zone_err_set(err, -EINVAL,
                                 "import %s: it holds %zu images, so one --name cannot name them",
                                 opts->path, strv_length(im.names));
        size_t recorded = 0;
        for (size_t i = 0; r == 0 && im.names && im.names[i]; i++, recorded++)
                r = zone_image_record(s, im.names[i], im.manifests[i], err);
        if (r < 0)
                for (size_t i = 0; i < recorded; i++)
                        zone_image_remove(s, im.names[i], NULL);
        zone_image_store_txn_end(s, r == 0);
        if (stage[0])
                zone_rm_rf_at(zone_store_tmp_fd(s), stage, NULL);
        strv_free(im.manifests);
        if (r < 0) {
                strv_free(im.names);
                return r;
        }
        if (ret_names)
                *ret_names = im.names;
        else
                strv_free(im.names);
        return 0;
}
