/* A user given by name to `zone exec -u` and `zone login -u`, resolved in the running zone's
 * own /etc/passwd and /etc/group (the images library's zone_image_resolve_user, which reads
 * them inside the root, never through a symlink out of it). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "images/bundle.h"
#include "spec.h"
#include "types.h"
#include "util.h"
#include "zone.h"
#include "zones/zones.h"

/* The root the zone's processes see: a light zone's init's (its mounts included), else the
 * root its bundle's config names (a VM guest's root is shared from there). */
static int zone_root(const struct zone_ctx *ctx, const char *id, char **ret, struct zone_err **err)
{
        struct zone_info *list = NULL;
        size_t n = 0;
        int r = zone_list(ctx, &list, &n, err);
        if (r < 0)
                return r;
        const struct zone_info *z = NULL;
        for (size_t i = 0; i < n && !z; i++)
                if (!strcmp(list[i].id, id))
                        z = &list[i];
        if (!z)
                r = zone_err_set(err, -ENOENT, "no zone named \"%s\"", id);
        else if ((!z->type || !strcmp(z->type, ZONE_TYPE_DEFAULT)) && z->pid > 0)
                r = asprintf(ret, "/proc/%d/root", (int)z->pid) < 0 ? -ENOMEM : 0;
        else if (!z->bundle)
                r = zone_err_set(err, -ENOENT, "zone %s has no bundle", id);
        else {
                struct zone_spec *spec = NULL;
                _cleanup_free_ char *config = NULL;
                if (asprintf(&config, "%s/config.json", z->bundle) < 0)
                        r = -ENOMEM;
                else if ((r = zone_spec_load(AT_FDCWD, config, &spec, err)) >= 0) {
                        const char *root = spec->root.path ? spec->root.path : "rootfs";
                        r = root[0] == '/' ? ((*ret = strdup(root)) ? 0 : -ENOMEM)
                            : asprintf(ret, "%s/%s", z->bundle, root) < 0 ? -ENOMEM
                                                                          : 0;
                        zone_spec_free(spec);
                }
        }
        zone_info_free(list, n);
        return r == -ENOMEM ? zone_err_set(err, r, "out of memory") : r;
}

int zones_exec_user(const struct zone_ctx *ctx, const char *id, const char *user,
                    struct zone_spec_user *u, struct zone_err **err)
{
        _cleanup_free_ char *root = NULL;
        int r = zone_root(ctx, id, &root, err);
        if (r < 0)
                return zone_err_wrap(err, "--user \"%s\"", user);
        struct zone_spec_user got = {0};
        r = zone_image_resolve_user("--user", user, root, &got, err);
        if (r < 0) {
                free(got.additional_gids);
                return r;
        }
        free(u->additional_gids);
        u->uid = got.uid;
        u->gid = got.gid;
        u->additional_gids = got.additional_gids;
        u->n_additional_gids = got.n_additional_gids;
        return 0;
}
