/* Image export: the store's blobs written out as an OCI image layout (tar or directory) or as
 * a docker-archive. Output goes to a temporary name beside the target and is renamed onto it
 * only once complete. */
#include "images/export.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "err.h"
#include "images/rootfs.h"
#include "util.h"

#define OCI_MANIFEST_TYPE    "application/vnd.oci.image.manifest.v1+json"
#define DOCKER_MANIFEST_TYPE "application/vnd.docker.distribution.manifest.v2+json"
#define MANIFEST_MAX         (4u << 20)
#define CONFIG_MAX           (16u << 20)
#define CHUNK                (1u << 20)

int zone_export_format_parse(const char *name, enum zone_export_format *ret, struct zone_err **err)
{
        if (strcmp(name, "oci-archive") == 0)
                *ret = ZONE_EXPORT_OCI_ARCHIVE;
        else if (strcmp(name, "oci-dir") == 0 || strcmp(name, "oci") == 0)
                *ret = ZONE_EXPORT_OCI_DIR;
        else if (strcmp(name, "docker-archive") == 0)
                *ret = ZONE_EXPORT_DOCKER_ARCHIVE;
        else
                return zone_err_set(err, -EINVAL,
                                    "unknown export format \"%s\" (oci-archive, oci-dir or "
                                    "docker-archive)",
                                    name);
        return 0;
}

/* Where the files go: a tar being written, or a directory being filled. */
struct sink {
        struct archive *tar; /* NULL for a directory */
        int dirfd;
        const char *path; /* the final path, for messages */
        zone_progress_fn progress;
        void *progress_arg;
        uint64_t done, total;
};

static int sink_mkdir(struct sink *k, const char *name, struct zone_err **err)
{
        if (!k->tar) {
                if (mkdirat(k->dirfd, name, 0755) < 0)
                        return zone_err_sys(err, -errno, "export to %s: create %s", k->path, name);
                return 0;
        }
        struct archive_entry *e = archive_entry_new();
        if (!e)
                return zone_err_set(err, -ENOMEM, "export to %s: out of memory", k->path);
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFDIR);
        archive_entry_set_perm(e, 0755);
        int r = archive_write_header(k->tar, e);
        archive_entry_free(e);
        if (r != ARCHIVE_OK)
                return zone_err_set(err, -EIO, "export to %s: write %s: %s", k->path, name,
                                    archive_error_string(k->tar));
        return 0;
}

/* Opens name in the sink for size bytes; returns the fd of a directory's file (or -1 for a
 * tar, whose data then goes through archive_write_data). */
static int sink_open(struct sink *k, const char *name, uint64_t size, int *ret_fd,
                     struct zone_err **err)
{
        *ret_fd = -1;
        if (!k->tar) {
                int fd = openat(k->dirfd, name,
                                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd < 0)
                        return zone_err_sys(err, -errno, "export to %s: create %s", k->path, name);
                *ret_fd = fd;
                return 0;
        }
        struct archive_entry *e = archive_entry_new();
        if (!e)
                return zone_err_set(err, -ENOMEM, "export to %s: out of memory", k->path);
        archive_entry_set_pathname(e, name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)size);
        int r = archive_write_header(k->tar, e);
        archive_entry_free(e);
        if (r != ARCHIVE_OK)
                return zone_err_set(err, -EIO, "export to %s: write %s: %s", k->path, name,
                                    archive_error_string(k->tar));
        return 0;
}

static int sink_data(struct sink *k, int fd, const char *name, const void *data, size_t len,
                     struct zone_err **err)
{
        if (fd >= 0) {
                int r = write_full(fd, data, len);
                if (r < 0)
                        return zone_err_sys(err, r, "export to %s: write %s", k->path, name);
                return 0;
        }
        la_ssize_t n = archive_write_data(k->tar, data, len);
        if (n < 0 || (size_t)n != len)
                return zone_err_set(err, -EIO, "export to %s: write %s: %s", k->path, name,
                                    archive_error_string(k->tar));
        return 0;
}

static int sink_bytes(struct sink *k, const char *name, const void *data, size_t len,
                      struct zone_err **err)
{
        _cleanup_close_ int fd = -1;
        int r = sink_open(k, name, len, &fd, err);
        if (r < 0)
                return r;
        return sink_data(k, fd, name, data, len, err);
}

/* Copies size bytes of fd into name, checking that they hash to want (a blob read from the
 * store is verified as it goes out, so a damaged store cannot export a wrong image). */
static int sink_stream(struct sink *k, const char *name, int src, uint64_t size, const char *want,
                       bool count, struct zone_err **err)
{
        _cleanup_close_ int fd = -1;
        int r = sink_open(k, name, size, &fd, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *buf = malloc(CHUNK);
        if (!buf)
                return zone_err_set(err, -ENOMEM, "export to %s: out of memory", k->path);
        struct zone_digester h;
        zone_digest_init(&h);
        uint64_t left = size;
        while (left > 0) {
                size_t n = left < CHUNK ? (size_t)left : CHUNK;
                ssize_t got = read(src, buf, n);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0)
                        return zone_err_sys(err, -errno, "export to %s: read %s", k->path, want);
                if (got == 0)
                        return zone_err_set(err, -EIO,
                                            "export to %s: %s is shorter than %llu bytes", k->path,
                                            want, (unsigned long long)size);
                zone_digest_update(&h, buf, (size_t)got);
                r = sink_data(k, fd, name, buf, (size_t)got, err);
                if (r < 0)
                        return r;
                left -= (uint64_t)got;
                if (count) {
                        k->done += (uint64_t)got;
                        if (k->progress)
                                k->progress(k->progress_arg, "export", k->done, k->total);
                }
        }
        char got[ZONE_DIGEST_SIZE];
        zone_digest_final(&h, got);
        if (strcmp(got, want) != 0)
                return zone_err_set(err, -EIO, "export to %s: digest mismatch: %s reads as %s",
                                    k->path, want, got);
        if (fd >= 0 && close(steal_fd(&fd)) < 0)
                return zone_err_sys(err, -errno, "export to %s: write %s", k->path, name);
        return 0;
}

static int sink_blob(struct sink *k, struct zone_image_store *s, const char *name,
                     const char *digest, bool count, struct zone_err **err)
{
        _cleanup_close_ int fd = -1;
        uint64_t size;
        int r = zone_blob_open(s, digest, &fd, &size, err);
        if (r < 0)
                return r;
        return sink_stream(k, name, fd, size, digest, count, err);
}

/* ---- JSON ---- */

static void gen_freep(yajl_gen *g)
{
        if (*g)
                yajl_gen_free(*g);
}

static void gen_str(yajl_gen g, const char *s)
{
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static int gen_finish(yajl_gen g, char **ret, size_t *ret_len)
{
        const unsigned char *buf;
        size_t len;
        if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
                return -EINVAL;
        char *out = malloc(len + 1);
        if (!out)
                return -ENOMEM;
        memcpy(out, buf, len);
        out[len] = 0;
        *ret = out;
        *ret_len = len;
        return 0;
}

/* The manifest's own mediaType, or the one its config's type implies (docker's schema 2
 * manifests and older OCI ones may leave the field out). */
static int manifest_media_type(const char *text, size_t len, char **ret, struct zone_err **err)
{
        _cleanup_free_ char *copy = strndup(text, len);
        if (!copy)
                return zone_err_set(err, -ENOMEM, "out of memory");
        char msg[128];
        yajl_val tree = yajl_tree_parse(copy, msg, sizeof(msg));
        if (!tree || !YAJL_IS_OBJECT(tree)) {
                yajl_tree_free(tree);
                return zone_err_set(err, -EINVAL, "the image's manifest is not a JSON object");
        }
        const char *mt_path[] = {"mediaType", NULL};
        const char *cfg_path[] = {"config", "mediaType", NULL};
        yajl_val mt = yajl_tree_get(tree, mt_path, yajl_t_string);
        yajl_val cmt = yajl_tree_get(tree, cfg_path, yajl_t_string);
        const char *type = OCI_MANIFEST_TYPE;
        const char *ctype = cmt ? YAJL_GET_STRING(cmt) : NULL;
        if (mt && YAJL_GET_STRING(mt))
                type = YAJL_GET_STRING(mt);
        else if (ctype && strstr(ctype, "docker"))
                type = DOCKER_MANIFEST_TYPE;
        *ret = strdup(type);
        yajl_tree_free(tree);
        if (!*ret)
                return zone_err_set(err, -ENOMEM, "out of memory");
        return 0;
}

static int oci_index(const struct zone_image *img, const char *media_type, size_t manifest_len,
                     char **ret, size_t *ret_len)
{
        _cleanup_(gen_freep) yajl_gen g = yajl_gen_alloc(NULL);
        if (!g)
                return -ENOMEM;
        yajl_gen_map_open(g);
        gen_str(g, "schemaVersion");
        yajl_gen_integer(g, 2);
        gen_str(g, "mediaType");
        gen_str(g, "application/vnd.oci.image.index.v1+json");
        gen_str(g, "manifests");
        yajl_gen_array_open(g);
        yajl_gen_map_open(g);
        gen_str(g, "mediaType");
        gen_str(g, media_type);
        gen_str(g, "digest");
        gen_str(g, img->manifest_digest);
        gen_str(g, "size");
        yajl_gen_integer(g, (long long)manifest_len);
        gen_str(g, "annotations");
        yajl_gen_map_open(g);
        gen_str(g, "org.opencontainers.image.ref.name");
        gen_str(g, img->name);
        yajl_gen_map_close(g);
        yajl_gen_map_close(g);
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
        return gen_finish(g, ret, ret_len);
}

static int docker_manifest(const struct zone_image *img, char **ret, size_t *ret_len)
{
        _cleanup_(gen_freep) yajl_gen g = yajl_gen_alloc(NULL);
        if (!g)
                return -ENOMEM;
        char name[ZONE_DIGEST_SIZE + 8];
        yajl_gen_array_open(g);
        yajl_gen_map_open(g);
        gen_str(g, "Config");
        snprintf(name, sizeof(name), "%s.json", img->config_digest + 7);
        gen_str(g, name);
        gen_str(g, "RepoTags");
        yajl_gen_array_open(g);
        gen_str(g, img->name);
        yajl_gen_array_close(g);
        gen_str(g, "Layers");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < img->n_layers; i++) {
                snprintf(name, sizeof(name), "%s.tar", img->layers[i].diff_id + 7);
                gen_str(g, name);
        }
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
        yajl_gen_array_close(g);
        return gen_finish(g, ret, ret_len);
}

/* ---- formats ---- */

static int export_oci(struct sink *k, struct zone_image_store *s, const struct zone_image *img,
                      struct zone_err **err)
{
        _cleanup_free_ char *manifest = NULL, *media_type = NULL, *index = NULL;
        size_t manifest_len, index_len;
        int r =
            zone_blob_read(s, img->manifest_digest, MANIFEST_MAX, &manifest, &manifest_len, err);
        if (r < 0)
                return r;
        r = manifest_media_type(manifest, manifest_len, &media_type, err);
        if (r < 0)
                return zone_err_wrap(err, "export %s", img->name);
        r = oci_index(img, media_type, manifest_len, &index, &index_len);
        if (r < 0)
                return zone_err_sys(err, r, "export %s: write index.json", img->name);

        static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
        if ((r = sink_bytes(k, "oci-layout", layout, sizeof(layout) - 1, err)) < 0 ||
            (r = sink_bytes(k, "index.json", index, index_len, err)) < 0 ||
            (r = sink_mkdir(k, "blobs", err)) < 0 || (r = sink_mkdir(k, "blobs/sha256", err)) < 0)
                return r;

        char name[ZONE_DIGEST_SIZE + 16];
        snprintf(name, sizeof(name), "blobs/sha256/%s", img->manifest_digest + 7);
        if ((r = sink_bytes(k, name, manifest, manifest_len, err)) < 0)
                return r;
        snprintf(name, sizeof(name), "blobs/sha256/%s", img->config_digest + 7);
        if ((r = sink_blob(k, s, name, img->config_digest, false, err)) < 0)
                return r;
        for (size_t i = 0; i < img->n_layers; i++) {
                const char *d = img->layers[i].digest;
                /* an image may use one layer twice: one blob in the layout */
                bool seen = false;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = strcmp(img->layers[j].digest, d) == 0;
                if (seen || strcmp(d, img->config_digest) == 0)
                        continue;
                snprintf(name, sizeof(name), "blobs/sha256/%s", d + 7);
                if ((r = sink_blob(k, s, name, d, true, err)) < 0)
                        return r;
        }
        return 0;
}

/* The layer blob uncompressed into an unlinked temporary file in tmpdir, checked against its
 * diff id: a tar entry's size must be known before its data. */
static int uncompress_layer(struct zone_image_store *s, const struct zone_image_layer *l,
                            const char *tmpdir, int *ret_fd, uint64_t *ret_size,
                            struct zone_err **err)
{
        _cleanup_close_ int src = -1;
        uint64_t blob_size;
        int r = zone_blob_open(s, l->digest, &src, &blob_size, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *tmpl = NULL;
        if (asprintf(&tmpl, "%s/.zone-export-layer-XXXXXX", tmpdir) < 0)
                return zone_err_set(err, -ENOMEM, "out of memory");
        _cleanup_close_ int out = mkostemp(tmpl, O_CLOEXEC);
        if (out < 0)
                return zone_err_sys(err, -errno, "create a temporary file in %s", tmpdir);
        unlink(tmpl);

        struct archive *a = archive_read_new();
        if (!a)
                return zone_err_set(err, -ENOMEM, "out of memory");
        archive_read_support_filter_all(a);
        archive_read_support_format_raw(a);
        struct archive_entry *e;
        if (archive_read_open_fd(a, src, CHUNK) != ARCHIVE_OK ||
            archive_read_next_header(a, &e) != ARCHIVE_OK) {
                r = zone_err_set(err, -EINVAL, "uncompress layer %s: %s", l->digest,
                                 archive_error_string(a));
                archive_read_free(a);
                return r;
        }
        struct zone_digester h;
        zone_digest_init(&h);
        uint64_t size = 0;
        _cleanup_free_ char *buf = malloc(CHUNK);
        if (!buf) {
                archive_read_free(a);
                return zone_err_set(err, -ENOMEM, "out of memory");
        }
        for (;;) {
                la_ssize_t n = archive_read_data(a, buf, CHUNK);
                if (n < 0) {
                        r = zone_err_set(err, -EINVAL, "uncompress layer %s: %s", l->digest,
                                         archive_error_string(a));
                        archive_read_free(a);
                        return r;
                }
                if (n == 0)
                        break;
                zone_digest_update(&h, buf, (size_t)n);
                r = write_full(out, buf, (size_t)n);
                if (r < 0) {
                        archive_read_free(a);
                        return zone_err_sys(err, r, "uncompress layer %s into %s", l->digest,
                                            tmpdir);
                }
                size += (uint64_t)n;
        }
        archive_read_free(a);
        char got[ZONE_DIGEST_SIZE];
        zone_digest_final(&h, got);
        if (strcmp(got, l->diff_id) != 0)
                return zone_err_set(err, -EIO, "layer %s uncompresses to %s, not its diff id %s",
                                    l->digest, got, l->diff_id);
        if (lseek(out, 0, SEEK_SET) < 0)
                return zone_err_sys(err, -errno, "rewind the uncompressed layer %s", l->digest);
        *ret_fd = steal_fd(&out);
        *ret_size = size;
        return 0;
}

static int export_docker(struct sink *k, struct zone_image_store *s, const struct zone_image *img,
                         const char *tmpdir, struct zone_err **err)
{
        _cleanup_free_ char *manifest = NULL;
        size_t manifest_len;
        int r = docker_manifest(img, &manifest, &manifest_len);
        if (r < 0)
                return zone_err_sys(err, r, "export %s: write manifest.json", img->name);
        char name[ZONE_DIGEST_SIZE + 16];
        snprintf(name, sizeof(name), "%s.json", img->config_digest + 7);
        if ((r = sink_blob(k, s, name, img->config_digest, false, err)) < 0)
                return r;
        for (size_t i = 0; i < img->n_layers; i++) {
                const struct zone_image_layer *l = &img->layers[i];
                bool seen = false;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = strcmp(img->layers[j].diff_id, l->diff_id) == 0;
                if (seen)
                        continue;
                snprintf(name, sizeof(name), "%s.tar", l->diff_id + 7);
                if (strcmp(l->digest, l->diff_id) == 0) {
                        /* stored uncompressed already */
                        r = sink_blob(k, s, name, l->digest, true, err);
                } else {
                        _cleanup_close_ int fd = -1;
                        uint64_t size = 0;
                        r = uncompress_layer(s, l, tmpdir, &fd, &size, err);
                        if (r < 0)
                                return zone_err_wrap(err, "export %s", img->name);
                        r = sink_stream(k, name, fd, size, l->diff_id, false, err);
                        k->done += l->size;
                        if (k->progress)
                                k->progress(k->progress_arg, "export", k->done, k->total);
                }
                if (r < 0)
                        return r;
        }
        return sink_bytes(k, "manifest.json", manifest, manifest_len, err);
}

int zone_image_export(struct zone_image_store *s, const char *ref, enum zone_export_format format,
                      const char *path, zone_progress_fn progress, void *progress_arg,
                      struct zone_err **err)
{
        struct zone_image *img = NULL;
        int r = zone_image_load(s, ref, &img, err);
        if (r < 0)
                return r;

        _cleanup_free_ char *dcopy = strdup(path), *bcopy = strdup(path), *tmp = NULL;
        if (!dcopy || !bcopy) {
                zone_image_free(img);
                return zone_err_set(err, -ENOMEM, "out of memory");
        }
        const char *dir = dirname(dcopy), *base = basename(bcopy);
        if (!*base || strcmp(base, "/") == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
                zone_image_free(img);
                return zone_err_set(err, -EINVAL, "export to %s: not a file name", path);
        }
        struct stat st;
        if (format == ZONE_EXPORT_OCI_DIR && lstat(path, &st) == 0) {
                zone_image_free(img);
                return zone_err_set(err, -EEXIST,
                                    "export to %s: it exists (a directory export never writes "
                                    "over one)",
                                    path);
        }
        if (asprintf(&tmp, "%s/.%s.zone-tmp-XXXXXX", dir, base) < 0) {
                zone_image_free(img);
                return zone_err_set(err, -ENOMEM, "out of memory");
        }

        struct sink k = {
            .dirfd = -1, .path = path, .progress = progress, .progress_arg = progress_arg};
        for (size_t i = 0; i < img->n_layers; i++)
                k.total += img->layers[i].size;
        _cleanup_close_ int fd = -1;
        if (format == ZONE_EXPORT_OCI_DIR) {
                if (!mkdtemp(tmp)) {
                        r = zone_err_sys(err, -errno, "export to %s: create a directory in %s",
                                         path, dir);
                        goto out;
                }
                k.dirfd = open(tmp, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (k.dirfd < 0) {
                        r = zone_err_sys(err, -errno, "export to %s: open %s", path, tmp);
                        rmdir(tmp);
                        goto out;
                }
                /* mkdtemp's 0700 is for the work in progress, not the result */
                if (fchmod(k.dirfd, 0755) < 0) {
                        r = zone_err_sys(err, -errno, "export to %s: chmod %s", path, tmp);
                        goto fail;
                }
        } else {
                fd = mkostemp(tmp, O_CLOEXEC);
                if (fd < 0) {
                        r = zone_err_sys(err, -errno, "export to %s: create a file in %s", path,
                                         dir);
                        goto out;
                }
                if (fchmod(fd, 0644) < 0) {
                        r = zone_err_sys(err, -errno, "export to %s: chmod %s", path, tmp);
                        goto fail;
                }
                k.tar = archive_write_new();
                if (!k.tar) {
                        r = zone_err_set(err, -ENOMEM, "out of memory");
                        goto fail;
                }
                if (archive_write_set_format_pax_restricted(k.tar) != ARCHIVE_OK ||
                    archive_write_set_bytes_in_last_block(k.tar, 1) != ARCHIVE_OK ||
                    archive_write_open_fd(k.tar, fd) != ARCHIVE_OK) {
                        r = zone_err_set(err, -EIO, "export to %s: %s", path,
                                         archive_error_string(k.tar));
                        goto fail;
                }
        }

        if (format == ZONE_EXPORT_DOCKER_ARCHIVE)
                r = export_docker(&k, s, img, dir, err);
        else
                r = export_oci(&k, s, img, err);
        if (r < 0)
                goto fail;

        if (k.tar) {
                if (archive_write_close(k.tar) != ARCHIVE_OK) {
                        r = zone_err_set(err, -EIO, "export to %s: %s", path,
                                         archive_error_string(k.tar));
                        goto fail;
                }
                if (fsync(fd) < 0 || close(steal_fd(&fd)) < 0) {
                        r = zone_err_sys(err, -errno, "export to %s: write %s", path, tmp);
                        goto fail;
                }
                if (rename(tmp, path) < 0) {
                        r = zone_err_sys(err, -errno, "export to %s: rename %s onto it", path, tmp);
                        goto fail;
                }
        } else {
                if (syncfs(k.dirfd) < 0) {
                        r = zone_err_sys(err, -errno, "export to %s: write %s", path, tmp);
                        goto fail;
                }
                if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) < 0) {
                        r = zone_err_sys(err, -errno, "export to %s: rename %s onto it", path, tmp);
                        goto fail;
                }
        }
        r = 0;
        goto out;
fail:
        if (format == ZONE_EXPORT_OCI_DIR)
                zone_tree_remove(AT_FDCWD, tmp, NULL);
        else
                unlink(tmp);
out:
        if (k.tar)
                archive_write_free(k.tar);
        closep(&k.dirfd);
        zone_image_free(img);
        return r;
}
