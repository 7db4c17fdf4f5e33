/* Exporting an image from the store: an OCI image layout (a tar of it, or a directory) or a
 * docker-archive, so podman, skopeo and docker take what zone has. */
#pragma once

#include "images/store.h"

enum zone_export_format {
        ZONE_EXPORT_OCI_ARCHIVE,    /* a tar of an OCI image layout */
        ZONE_EXPORT_OCI_DIR,        /* the same layout as a directory */
        ZONE_EXPORT_DOCKER_ARCHIVE, /* docker's `save` layout: manifest.json, plain layer tars */
};

/* "oci-archive", "oci-dir" (or "oci"), "docker-archive"; -EINVAL naming the format when
 * unknown. */
int zone_export_format_parse(const char *name, enum zone_export_format *ret, struct zone_err **err);

/* Writes the image ref (a name or a manifest digest) to path in the format. The OCI formats
 * carry the stored manifest, config and layer blobs byte for byte, so digests round-trip; the
 * docker-archive carries the layers uncompressed (checked against their diff ids) and the
 * config as is. Everything is written under a temporary name beside path and renamed onto it
 * at the end: a failed export leaves nothing. An archive replaces an existing file at path; a
 * directory is never written over an existing one. progress (may be NULL) sees the layers'
 * bytes. */
int zone_image_export(struct zone_image_store *s, const char *ref, enum zone_export_format format,
                      const char *path, zone_progress_fn progress, void *progress_arg,
                      struct zone_err **err);
