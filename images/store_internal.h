/* What the image library's own files (unpack.c, import.c) share with store.c; not for the CLI
 * or other users of the store. */
#pragma once

#include <stdint.h>

#include "images/inroot.h"
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

/* JSON of manifests, configs and records (store.c), for the library's files. img_jget: obj's
 * member key when it has that type, else NULL; img_jstr: a string member; img_jparse: text parsed,
 * or one error naming what it is. */
#include <yajl/yajl_tree.h>
yajl_val img_jget(yajl_val obj, const char *key, yajl_type type);
const char *img_jstr(yajl_val obj, const char *key);
int img_jparse(const char *text, const char *what, yajl_val *ret, struct zone_err **err);
