/* The image store: content-addressed blobs, unpacked layers shared between images, and image
 * records, under DATA_ROOT/images/ (DATA_ROOT defaults to /var/lib/zone):
 *
 *   blobs/sha256/<hex>   every blob (manifests, configs, layers as they were imported), named
 *                        by its sha256, verified when written and when read
 *   layers/<hex>/        a layer unpacked, named by its diff id (sha256 of the uncompressed
 *                        tar), in overlayfs's form: whiteouts as 0/0 character devices,
 *                        opaque directories with the trusted.overlay.opaque xattr
 *   records/<name>.json  an image: its name and the digest of its manifest
 *   tmp/                 work in progress; whatever is there when no one holds the lock is
 *                        a crashed import's and is removed
 *   lock                 flock: shared for readers, exclusive for writers
 *
 * Every write lands in tmp/ first and is renamed into place, so a crash at any point leaves
 * nothing a later command trips on. Names are OCI references (`busybox`, `localhost/py:3`);
 * a name without a tag means `:latest`. Functions return 0 or a negative errno and fill
 * `err` (runtime/err.h); nothing is printed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <nettle/sha2.h>

struct zone_err;

#define ZONE_IMAGE_DATA_ROOT "/var/lib/zone"
/* "sha256:" + 64 hex digits + NUL */
#define ZONE_DIGEST_SIZE 72

struct zone_image_store;

/* Opens (creating if needed) the store under data_root (NULL: ZONE_IMAGE_DATA_ROOT), takes
 * the lock shared (writable false) or exclusive, and cleans tmp/ when exclusive. */
int zone_image_store_open(const char *data_root, bool writable, struct zone_image_store **ret,
                          struct zone_err **err);
void zone_image_store_close(struct zone_image_store *s);

/* ---- blobs ---- */

/* A blob being written: bytes go to a file in tmp/ and into a running sha256. */
struct zone_blob_writer;
int zone_blob_begin(struct zone_image_store *s, struct zone_blob_writer **ret,
                    struct zone_err **err);
int zone_blob_write(struct zone_blob_writer *w, const void *data, size_t len,
                    struct zone_err **err);
/* Ends the blob: when expect is not NULL its digest must be that ("digest mismatch" error
 * otherwise, nothing kept); the blob is renamed into blobs/ and its digest written to
 * ret_digest. The writer is freed either way. */
int zone_blob_commit(struct zone_blob_writer *w, const char *expect,
                     char ret_digest[ZONE_DIGEST_SIZE], uint64_t *ret_size, struct zone_err **err);
void zone_blob_abort(struct zone_blob_writer *w);
/* A whole blob of at most max bytes, verified against its digest. */
int zone_blob_read(struct zone_image_store *s, const char *digest, size_t max, char **ret,
                   size_t *ret_len, struct zone_err **err);
/* An open descriptor on a blob (for streaming it: layers), its size; the caller verifies what
 * it reads with zone_digest_* when it needs to. */
int zone_blob_open(struct zone_image_store *s, const char *digest, int *ret_fd, uint64_t *ret_size,
                   struct zone_err **err);
bool zone_blob_exists(struct zone_image_store *s, const char *digest);
/* Checks that digest is "sha256:" and 64 lowercase hex digits. */
bool zone_digest_valid(const char *digest);

/* A running sha256 (nettle's), for verifying streamed blobs and computing diff ids. */
struct zone_digester {
        struct sha256_ctx ctx;
};
void zone_digest_init(struct zone_digester *d);
void zone_digest_update(struct zone_digester *d, const void *data, size_t len);
/* Writes "sha256:<hex>" to ret; d may be reused after zone_digest_init. */
void zone_digest_final(struct zone_digester *d, char ret[ZONE_DIGEST_SIZE]);
/* The digest of a buffer. */
void zone_digest_buf(const void *data, size_t len, char ret[ZONE_DIGEST_SIZE]);

/* Removes one blob (an import's rollback, tests); -ENOENT when absent. */
int zone_blob_remove(struct zone_image_store *s, const char *digest, struct zone_err **err);

/* ---- transactions ----
 * A writer may journal what it creates: between begin and end every blob committed and every
 * layer unpacked that was not in the store before is remembered, and end(keep = false) removes
 * them again. An import uses this so that a failed import leaves no blob or layer behind (the
 * exclusive lock guarantees nobody else started relying on them meanwhile). A crash leaves
 * them unreachable; zone_image_gc removes them. */
void zone_image_store_txn_begin(struct zone_image_store *s);
void zone_image_store_txn_end(struct zone_image_store *s, bool keep);

/* The store's data root ("/var/lib/zone") and its images directory ("/var/lib/zone/images"). */
const char *zone_image_store_root(const struct zone_image_store *s);
const char *zone_image_store_dir(const struct zone_image_store *s);

/* ---- images ---- */

/* The parts of the OCI image config a zone uses. */
struct zone_image_config {
        char **entrypoint, **cmd, **env; /* NULL-terminated, NULL when absent */
        char *working_dir, *user;
        char **exposed_ports; /* "80/tcp" */
        char **volumes;
        char **label_keys, **label_values; /* parallel, NULL-terminated */
        char *architecture, *os;
};

struct zone_image_layer {
        char digest[ZONE_DIGEST_SIZE];  /* the blob's, as the manifest names it */
        char diff_id[ZONE_DIGEST_SIZE]; /* of the uncompressed tar: names the unpacked layer */
        char *media_type;
        uint64_t size;
};

struct zone_image {
        char *name;                             /* "localhost/py:latest" */
        char manifest_digest[ZONE_DIGEST_SIZE]; /* the image's id */
        char config_digest[ZONE_DIGEST_SIZE];
        char *created; /* RFC 3339, from the config; may be NULL */
        struct zone_image_config config;
        struct zone_image_layer *layers; /* bottom first */
        size_t n_layers;
        uint64_t size; /* sum of the layer blobs' sizes */
};
void zone_image_free(struct zone_image *img);

/* Normalises a reference: adds ":latest" without a tag; refuses empty names, "..", '/' at
 * either end, and characters outside [a-z0-9._/:@-] (one clear error naming it). */
int zone_image_name_normalize(const char *name, char **ret, struct zone_err **err);

/* Records name -> manifest (replacing what name meant before). The manifest and config blobs
 * and every layer must be in the store (blob and unpacked), else -ENOENT naming what is
 * missing. */
int zone_image_record(struct zone_image_store *s, const char *name, const char *manifest_digest,
                      struct zone_err **err);
/* Loads an image by name, or by its manifest digest or a unique prefix of its hex (>= 12).
 * A name that matches no record exactly also matches a single record whose name ends in
 * "/" + the normalised name ("busybox" finds "localhost/busybox:latest"). */
int zone_image_load(struct zone_image_store *s, const char *ref, struct zone_image **ret,
                    struct zone_err **err);
/* Every recorded image, sorted by name. */
int zone_image_list(struct zone_image_store *s, struct zone_image ***ret, size_t *ret_n,
                    struct zone_err **err);
/* Removes the record (blobs and layers stay until gc). -ENOENT: no such image. */
int zone_image_remove(struct zone_image_store *s, const char *ref, struct zone_err **err);
/* A bundle whose root is an overlay of an image's layers (bundle.h) pins that image's
 * manifest, so gc keeps its blobs and layers after `zone image rm`. A pin names the bundle's
 * directory (absolute); it holds while that directory has the bundle's record
 * (ZONE_BUNDLE_RECORD) naming the same manifest, and gc drops it once not (unbundled, or the
 * directory removed): nothing needs to take a pin back. Taken under a shared lock too. */
#define ZONE_BUNDLE_RECORD ".zone-image/bundle.json"
int zone_image_pin(struct zone_image_store *s, const char *manifest_digest, const char *bundle_dir,
                   struct zone_err **err);

/* Removes blobs and unpacked layers no record or live pin reaches; what it freed. */
int zone_image_gc(struct zone_image_store *s, uint64_t *ret_bytes, size_t *ret_count,
                  struct zone_err **err);

/* ---- layers ---- */

/* The unpacked layer's directory (an absolute path), -ENOENT when it is not there. */
int zone_layer_path(struct zone_image_store *s, const char *diff_id, char **ret,
                    struct zone_err **err);

/* Limits on what one import may write: a layer bomb is refused, naming the limit. */
struct zone_unpack_limits {
        uint64_t max_bytes;   /* of files' contents, all layers together; 0: 64 GiB */
        uint64_t max_entries; /* 0: 4 million */
        /* When not NULL, counters shared by the layers of one import: each unpack adds what
         * it wrote and checks the sums against the maxima (so the limits hold for the whole
         * image, not each layer). NULL: the limits apply to this one layer. */
        uint64_t *used_bytes, *used_entries;
};

/* Progress of a long operation: done and total bytes (total 0 when unknown) of `what`. */
typedef void (*zone_progress_fn)(void *arg, const char *what, uint64_t done, uint64_t total);

/* Unpacks the layer blob `digest` (a tar, plain, gzip or zstd) into layers/<diff id>,
 * computing the diff id as it reads (checked against want_diff_id when not NULL). An already
 * unpacked layer is not unpacked again. Every entry is created below the layer's root only:
 * "..", absolute names, links and symlinks leading out, and writes through a symlink are
 * refused with one error naming the entry. */
int zone_layer_unpack(struct zone_image_store *s, const char *digest, const char *want_diff_id,
                      const struct zone_unpack_limits *limits, zone_progress_fn progress,
                      void *progress_arg, char ret_diff_id[ZONE_DIGEST_SIZE],
                      struct zone_err **err);
