/* Importing images into the store: OCI image layouts (directory or tar), docker-archive,
 * and plain root filesystems (a tar or a directory). */
#pragma once

#include "images/store.h"

enum zone_import_format {
        ZONE_IMPORT_AUTO,
        ZONE_IMPORT_OCI_DIR,        /* an OCI image layout directory (skopeo copy ... oci:DIR) */
        ZONE_IMPORT_OCI_ARCHIVE,    /* the same in a tar (podman save --format oci-archive) */
        ZONE_IMPORT_DOCKER_ARCHIVE, /* podman/docker save: manifest.json, config, layer tars */
        ZONE_IMPORT_ROOTFS_TAR,     /* a root filesystem as a tar (plain, gzip or zstd) */
        ZONE_IMPORT_ROOTFS_DIR,     /* a root filesystem as a directory */
};

/* "oci-dir", "oci-archive", "docker-archive", "rootfs-tar", "rootfs-dir", "auto". */
int zone_import_format_parse(const char *s, enum zone_import_format *ret, struct zone_err **err);
const char *zone_import_format_name(enum zone_import_format f);

struct zone_import_opts {
        const char *path;
        enum zone_import_format format;
        /* The image's name. Required for rootfs imports; for layouts and archives it replaces
         * the names they carry (which must then be one image). */
        const char *name;
        /* rootfs imports: the image config to record (NULL: an empty one). */
        const struct zone_image_config *config;
        struct zone_unpack_limits limits; /* 0: the defaults */
        zone_progress_fn progress;
        void *progress_arg;
};

/* Imports opts->path into the store (opened writable) and records its images; *ret_names
 * (NULL-terminated, the caller frees with strv_free) are the names recorded. On failure
 * nothing of this import stays in the store: the blobs and layers it added are removed, and
 * its work files in tmp/ too. */
int zone_image_import(struct zone_image_store *s, const struct zone_import_opts *opts,
                      char ***ret_names, struct zone_err **err);
