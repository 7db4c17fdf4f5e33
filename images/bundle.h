/* An OCI bundle from an image: DIR/rootfs (an overlay of the image's layers, or a copy) and
 * DIR/config.json (the runtime's default config with the image's config applied), ready for
 * `zone-oci run --bundle DIR ID`. */
#pragma once

#include "images/rootfs.h"
#include "images/store.h"

struct zone_spec_user;

struct zone_bundle_opts {
        enum zone_rootfs_mode mode;
        /* the command after the image's Entrypoint, in place of its Cmd; NULL or empty: Cmd */
        char *const *args;
        /* K=V added to the image's Env, replacing a variable of the same name */
        char *const *env;
};

/* Makes the bundle in dir (created when missing; an existing dir must not hold a rootfs,
 * config.json or an earlier bundle). The config gets: process.args = Entrypoint + (args or
 * Cmd), process.env = the image's Env then opts->env (PATH added when neither sets it),
 * process.cwd = WorkingDir, process.user from User (numbers, or names looked up in the image's
 * /etc/passwd and /etc/group, read inside the rootfs), annotations org.zone.image (the image's
 * name) and org.zone.type (from the image's label org.zone.type, when it has one), a writable
 * root and no terminal. The overlay's upper and work directories live in dir/.zone-image/,
 * with a record saying the bundle is zone's. On failure nothing is left. */
int zone_image_bundle(struct zone_image_store *s, const char *ref, const char *dir,
                      const struct zone_bundle_opts *opts, struct zone_err **err);

/* Unmounts and removes what zone_image_bundle made in dir (and dir itself when it made it).
 * Refuses a directory without its record; -EBUSY while a zone still runs on the rootfs. */
int zone_image_unbundle(const char *dir, struct zone_err **err);

/* process.user from a User value "name|uid[:group|gid]": names looked up in the image's own
 * /etc/passwd and /etc/group (read inside rootfs, never through a symlink out of it), the
 * user's supplementary groups from /etc/group; `what` names the value's source in errors
 * ("the image's User", "--user"). */
int zone_image_resolve_user(const char *what, const char *user_field, const char *rootfs,
                            struct zone_spec_user *u, struct zone_err **err);
