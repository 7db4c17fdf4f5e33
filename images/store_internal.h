/* What the image library's own files (unpack.c, import.c) share with store.c; not for the CLI
 * or other users of the store. */
#pragma once

#include <stdint.h>

#include "images/store.h"

/* Directory fds of the open store: images/, images/tmp, images/layers. */
int zone_store_tmp_fd(const struct zone_image_store *s);
int zone_store_layers_fd(const struct zone_image_store *s);
int zone_store_blobs_fd(const struct zone_image_store *s);
bool zone_store_writable(const struct zone_image_store *s);

/* A fresh name under tmp/ ("PREFIX-<16 hex>"), not created; buf holds at least 64 bytes. */
int zone_store_tmp_name(const char *prefix, char buf[64]);
/* Journals a layer just moved into layers/ (see zone_image_store_txn_begin). */
int zone_store_txn_add_layer(struct zone_image_store *s, const char *diff_id);

/* Removes dirfd/name and everything below it (not following symlinks); adds the sizes of the
 * regular files it removed to *freed when not NULL. 0 or -errno (-ENOENT when absent). */
int zone_rm_rf_at(int dirfd, const char *name, uint64_t *freed);
