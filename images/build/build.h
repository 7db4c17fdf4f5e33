/* The minimal app runtime builder: a root filesystem holding only what named host programs
 * need (their ELF closure), the files added to it and the few a process expects, recorded in
 * the store as a one-layer OCI image. */
#pragma once

#include <stddef.h>

#include "images/store.h"

struct zone_err;

/* One file or directory to copy from the host: src to dst in the image (dst NULL: src). */
struct zone_build_add {
        char *src, *dst;
};

/* A symlink to make in the image: path -> target (target as written, not checked). */
struct zone_build_link {
        char *path, *target;
};

/* What to build. Every vector is NULL-terminated (or NULL); labels are parallel vectors. */
struct zone_build_spec {
        char *name;       /* the image's name (an OCI reference) */
        char **from_host; /* host programs: copied with their ELF closure */
        struct zone_build_add *adds;
        size_t n_adds;
        struct zone_build_link *links;
        size_t n_links;
        char **exclude;    /* fnmatch patterns on host paths met while copying a directory */
        char **entrypoint; /* NULL: the first from_host program (unless cmd is set) */
        char **cmd;
        char **env; /* K=V; PATH is set to the usual one unless given */
        char *workdir, *user;
        char **label_keys, **label_values;
};

void zone_build_spec_clear(struct zone_build_spec *spec);

/* Adds or replaces (same key) env K=V and label K=V entries; 0 or -ENOMEM. */
int zone_build_spec_set_env(struct zone_build_spec *spec, const char *kv);
int zone_build_spec_set_label(struct zone_build_spec *spec, const char *key, const char *value);
int zone_build_spec_add(struct zone_build_spec *spec, const char *src, const char *dst);
int zone_build_spec_link(struct zone_build_spec *spec, const char *path, const char *target);

/* Makes the runtime's tree in a temporary directory under tmp_dir (NULL: $TMPDIR or
 * /var/tmp): the from-host programs and their closure at their host paths, the added files,
 * /etc/passwd, /etc/group, /etc/nsswitch.conf and /etc/hosts when not added, and the empty
 * /tmp, /dev, /proc, /sys, /run and /root. On success *ret_dir is the tree (the caller
 * removes it with zone_build_tree_remove). Nothing is left behind on failure. */
int zone_build_tree(const struct zone_build_spec *spec, const char *tmp_dir,
                    zone_progress_fn progress, void *progress_arg, char **ret_dir,
                    struct zone_err **err);
/* Removes a tree zone_build_tree made. */
int zone_build_tree_remove(const char *dir, struct zone_err **err);

/* zone_build_tree, then records the tree in the store as spec->name (a one-layer image with
 * the spec's config), then removes the tree. Nothing is recorded on failure. */
int zone_image_build(struct zone_image_store *store, const struct zone_build_spec *spec,
                     zone_progress_fn progress, void *progress_arg, struct zone_err **err);

/* Checks an add's paths: src absolute, dst (when not NULL) absolute, neither with a ".."
 * component. NULL when fine, else why not. */
const char *zone_build_check_add(const char *src, const char *dst);
