/* Bundles from images: a root filesystem made by rootfs.c and a config.json made from the
 * runtime's default config and the image's config. */
#include "images/bundle.h"
#include "images/inroot.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "err.h"
#include "spec.h"
#include "types.h"
#include "util.h"

#define STATE_DIR    ".zone-image"
#define RECORD       ZONE_BUNDLE_RECORD
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DB_MAX       (4u << 20)

static void spec_freep(struct zone_spec **s)
{
        zone_spec_free(*s);
}

static void image_freep(struct zone_image **img)
{
        zone_image_free(*img);
}

/* ---- users and groups, read inside the image's root ---- */

int zone_read_in_root(int rootfd, const char *path, char **ret)
{
        struct open_how how = {
            .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat((int)fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close((int)fd);
                return -EINVAL;
        }
        size_t len;
        int r = read_all((int)fd, DB_MAX, ret, &len);
        close((int)fd);
        return r;
}

static bool parse_id(const char *s, uint32_t *ret)
{
        if (!*s)
                return false;
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || *end || v > UINT32_MAX - 1 || s[0] == '-' || s[0] == '+')
                return false;
        *ret = (uint32_t)v;
        return true;
}

/* Field n (from 0) of a colon-separated line, copied into out. */
static bool field(const char *line, size_t len, int n, char *out, size_t size)
{
        const char *p = line, *end = line + len;
        for (int i = 0; i < n; i++) {
                p = memchr(p, ':', (size_t)(end - p));
                if (!p)
                        return false;
                p++;
        }
        const char *q = memchr(p, ':', (size_t)(end - p));
        size_t flen = (size_t)((q ? q : end) - p);
        if (flen >= size)
                return false;
        memcpy(out, p, flen);
        out[flen] = 0;
        return true;
}

/* Finds the entry whose field key_field is key (a name, or an id when by_id); fills name
 * and the id fields. */
struct db_entry {
        char name[256];
        uint32_t id, gid;
        bool found;
};

static void db_find(const char *db, bool by_id, const char *key, uint32_t key_id,
                    struct db_entry *e)
{
        e->found = false;
        for (const char *line = db; line && *line;) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                char name[256], id[32], gid[32];
                if (field(line, len, 0, name, sizeof(name)) &&
                    field(line, len, 2, id, sizeof(id))) {
                        uint32_t v;
                        if (parse_id(id, &v) && (by_id ? v == key_id : strcmp(name, key) == 0)) {
                                strcpy(e->name, name);
                                e->id = v;
                                e->gid = 0;
                                if (field(line, len, 3, gid, sizeof(gid)))
                                        parse_id(gid, &e->gid);
                                e->found = true;
                                return;
                        }
                }
                line = nl ? nl + 1 : NULL;
        }
}

/* Groups whose member list (field 3 of /etc/group) names user. */
static int db_members(const char *db, const char *user, gid_t primary, gid_t **ret, size_t *ret_n)
{
        gid_t *v = NULL;
        size_t n = 0;
        for (const char *line = db; line && *line;) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t)(nl - line) : strlen(line);
                char id[32];
                _cleanup_free_ char *members = malloc(len + 1);
                if (!members) {
                        free(v);
                        return -ENOMEM;
                }
                uint32_t gid;
                if (field(line, len, 2, id, sizeof(id)) && parse_id(id, &gid) && gid != primary &&
                    field(line, len, 3, members, len + 1)) {
                        char *save = NULL;
                        for (char *m = strtok_r(members, ",", &save); m;
                             m = strtok_r(NULL, ",", &save)) {
                                if (strcmp(m, user) != 0)
                                        continue;
                                gid_t *nv = realloc(v, (n + 1) * sizeof(*nv));
                                if (!nv) {
                                        free(v);
                                        return -ENOMEM;
                                }
                                v = nv;
                                v[n++] = gid;
                                break;
                        }
                }
                line = nl ? nl + 1 : NULL;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int zone_image_resolve_user(const char *what, const char *user_field, const char *rootfs,
                            struct zone_spec_user *u, struct zone_err **err)
{
        u->uid = 0;
        u->gid = 0;
        if (!user_field || !*user_field)
                return 0;
        _cleanup_free_ char *spec = strdup(user_field);
        if (!spec)
                return zone_err_set(err, -ENOMEM, "out of memory");
        char *group = strchr(spec, ':');
        if (group)
                *group++ = 0;
        _cleanup_close_ int rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return zone_err_sys(err, -errno, "open %s", rootfs);
        _cleanup_free_ char *passwd = NULL, *groups = NULL;
        int pr = zone_read_in_root(rootfd, "/etc/passwd", &passwd);
        int gr = zone_read_in_root(rootfd, "/etc/group", &groups);

        uint32_t uid, gid;
        struct db_entry pw = {0};
        bool numeric = parse_id(spec, &uid);
        if (numeric) {
                if (pr == 0)
                        db_find(passwd, true, NULL, uid, &pw);
        } else {
                if (pr < 0)
                        return zone_err_sys(err, pr,
                                            "process.user: %s \"%s\": read /etc/passwd in the "
                                            "image",
                                            what, user_field);
                db_find(passwd, false, spec, 0, &pw);
                if (!pw.found)
                        return zone_err_set(err, -ENOENT,
                                            "process.user: %s \"%s\": no user %s in the "
                                            "image's /etc/passwd",
                                            what, user_field, spec);
                uid = pw.id;
        }
        if (group && *group) {
                if (!parse_id(group, &gid)) {
                        struct db_entry g = {0};
                        if (gr < 0)
                                return zone_err_sys(err, gr,
                                                    "process.user: %s \"%s\": read /etc/group in "
                                                    "the image",
                                                    what, user_field);
                        db_find(groups, false, group, 0, &g);
                        if (!g.found)
                                return zone_err_set(err, -ENOENT,
                                                    "process.user: %s \"%s\": no group %s in the "
                                                    "image's /etc/group",
                                                    what, user_field, group);
                        gid = g.id;
                }
        } else {
                gid = pw.found ? pw.gid : 0;
        }
        u->uid = uid;
        u->gid = gid;
        if (pw.found && gr == 0) {
                free(u->additional_gids);
                u->additional_gids = NULL;
                u->n_additional_gids = 0;
                if (db_members(groups, pw.name, gid, &u->additional_gids, &u->n_additional_gids) <
                    0)
                        return zone_err_set(err, -ENOMEM, "out of memory");
        }
        return 0;
}

/* ---- config.json ---- */

static bool env_has(char **env, const char *key)
{
        size_t klen = strlen(key);
        for (size_t i = 0; env && env[i]; i++)
                if (strncmp(env[i], key, klen) == 0 && env[i][klen] == '=')
                        return true;
        return false;
}

static int make_config(const struct zone_image *img, const struct zone_bundle_opts *opts,
                       const char *rootfs, char **ret, size_t *ret_len, struct zone_err **err)
{
        const struct zone_image_config *ic = &img->config;
        _cleanup_(spec_freep) struct zone_spec *spec = NULL;
        int r = zone_spec_default(false, &spec, err);
        if (r < 0)
                return r;
        struct zone_spec_process *p = &spec->process;

        _cleanup_strv_ char **args = NULL, **env = NULL;
        char *const *cmd = opts->args && opts->args[0] ? opts->args : ic->cmd;
        for (size_t i = 0; ic->entrypoint && ic->entrypoint[i]; i++)
                if (strv_append(&args, ic->entrypoint[i]) < 0)
                        return zone_err_set(err, -ENOMEM, "out of memory");
        for (size_t i = 0; cmd && cmd[i]; i++)
                if (strv_append(&args, cmd[i]) < 0)
                        return zone_err_set(err, -ENOMEM, "out of memory");
        if (!args)
                return zone_err_set(err, -EINVAL,
                                    "process.args: image %s has no Entrypoint or Cmd: give the "
                                    "command",
                                    img->name);

        for (size_t i = 0; ic->env && ic->env[i]; i++)
                if (strv_env_set(&env, ic->env[i]) < 0)
                        return zone_err_set(err, -ENOMEM, "out of memory");
        for (size_t i = 0; opts->env && opts->env[i]; i++) {
                if (!strchr(opts->env[i], '=') || opts->env[i][0] == '=')
                        return zone_err_set(err, -EINVAL, "process.env: \"%s\" is not NAME=VALUE",
                                            opts->env[i]);
                if (strv_env_set(&env, opts->env[i]) < 0)
                        return zone_err_set(err, -ENOMEM, "out of memory");
        }
        if (!env_has(env, "PATH") && strv_append(&env, DEFAULT_PATH) < 0)
                return zone_err_set(err, -ENOMEM, "out of memory");

        _cleanup_free_ char *cwd = NULL;
        const char *wd = ic->working_dir && *ic->working_dir ? ic->working_dir : "/";
        if (asprintf(&cwd, "%s%s", wd[0] == '/' ? "" : "/", wd) < 0)
                return zone_err_set(err, -ENOMEM, "out of memory");

        r = zone_image_resolve_user("the image's User", ic->user, rootfs, &p->user, err);
        if (r < 0)
                return zone_err_wrap(err, "bundle %s", img->name);

        strv_free(p->args);
        p->args = steal_pointer(&args);
        strv_free(p->env);
        p->env = steal_pointer(&env);
        free(p->cwd);
        p->cwd = steal_pointer(&cwd);
        p->terminal = false;
        spec->root.readonly = false;

        if (zone_spec_set_annotation(spec, "org.zone.image", img->name) < 0)
                return zone_err_set(err, -ENOMEM, "out of memory");
        /* The image's wish for a zone type is a source of its own, below the program's name
         * (runtime/types.h), not the annotation org.zone.type that would beat it. */
        for (size_t i = 0; ic->label_keys && ic->label_keys[i]; i++)
                if (strcmp(ic->label_keys[i], ZONE_TYPE_ANNOTATION) == 0 &&
                    zone_spec_set_annotation(spec, ZONE_IMAGE_TYPE_ANNOTATION,
                                             ic->label_values[i]) < 0)
                        return zone_err_set(err, -ENOMEM, "out of memory");
        return zone_spec_write(spec, ret, ret_len, err);
}

/* ---- the bundle ---- */

static int write_record(int dirfd, const struct zone_image *img, enum zone_rootfs_mode mode,
                        bool made_dir)
{
        _cleanup_free_ char *text = NULL;
        /* the name's characters are [a-z0-9._/:@-] (zone_image_name_normalize): no escaping */
        int n =
            asprintf(&text,
                     "{\"image\":\"%s\",\"manifest\":\"%s\",\"rootfs\":\"%s\","
                     "\"madeDir\":%s}\n",
                     img->name, img->manifest_digest, mode == ZONE_ROOTFS_COPY ? "copy" : "overlay",
                     made_dir ? "true" : "false");
        if (n < 0)
                return -ENOMEM;
        return write_file_atomic_at(dirfd, RECORD, text, (size_t)n, 0644);
}

int zone_image_bundle(struct zone_image_store *s, const char *ref, const char *dir,
                      const struct zone_bundle_opts *opts, struct zone_err **err)
{
        static const struct zone_bundle_opts none = {0};
        if (!opts)
                opts = &none;
        _cleanup_(image_freep) struct zone_image *img = NULL;
        int r = zone_image_load(s, ref, &img, err);
        if (r < 0)
                return r;

        bool made_dir = mkdir(dir, 0755) == 0;
        if (!made_dir && errno != EEXIST)
                return zone_err_sys(err, -errno, "bundle %s: create %s", img->name, dir);
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0) {
                r = zone_err_sys(err, -errno, "bundle %s: open %s", img->name, dir);
                if (made_dir)
                        rmdir(dir);
                return r;
        }
        static const char *const ours[] = {"rootfs", "config.json", STATE_DIR};
        for (size_t i = 0; i < ARRAY_SIZE(ours); i++) {
                struct stat st;
                if (fstatat(dfd, ours[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
                        return zone_err_set(err, -EEXIST, "bundle %s: %s/%s exists", img->name, dir,
                                            ours[i]);
        }
        if (mkdirat(dfd, STATE_DIR, 0700) < 0) {
                r = zone_err_sys(err, -errno, "bundle %s: create %s/%s", img->name, dir, STATE_DIR);
                if (made_dir)
                        rmdir(dir);
                return r;
        }
        _cleanup_free_ char *rootfs = NULL, *state = NULL, *config = NULL, *abs = NULL;
        size_t config_len;
        enum zone_rootfs_mode mode = opts->mode;
        if (asprintf(&rootfs, "%s/rootfs", dir) < 0 || asprintf(&state, "%s/" STATE_DIR, dir) < 0) {
                r = zone_err_set(err, -ENOMEM, "out of memory");
                goto fail;
        }
        /* the record first: from here on, unbundle can take back whatever is done */
        r = write_record(dfd, img, mode, made_dir);
        if (r < 0) {
                zone_err_sys(err, r, "bundle %s: write %s/%s", img->name, dir, RECORD);
                goto fail;
        }
        if (mkdirat(dfd, "rootfs", 0755) < 0) {
                r = zone_err_sys(err, -errno, "bundle %s: create %s", img->name, rootfs);
                goto fail;
        }
        r = zone_rootfs_create(s, img, rootfs, state, opts->mode, &mode, err);
        if (r < 0) {
                zone_err_wrap(err, "bundle %s", img->name);
                goto fail;
        }
        /* An overlay's lower directories are the store's layers: gc keeps them while this
         * bundle lasts, even after the image's record goes. */
        abs = realpath(dir, NULL);
        if (mode == ZONE_ROOTFS_OVERLAY &&
            (r = abs ? zone_image_pin(s, img->manifest_digest, abs, err)
                     : zone_err_sys(err, -errno, "bundle %s: resolve %s", img->name, dir)) < 0)
                goto fail;
        r = write_record(dfd, img, mode, made_dir);
        if (r < 0) {
                zone_err_sys(err, r, "bundle %s: write %s/%s", img->name, dir, RECORD);
                goto fail;
        }
        r = make_config(img, opts, rootfs, &config, &config_len, err);
        if (r < 0)
                goto fail;
        r = write_file_atomic_at(dfd, "config.json", config, config_len, 0644);
        if (r < 0) {
                zone_err_sys(err, r, "bundle %s: write %s/config.json", img->name, dir);
                goto fail;
        }
        return 0;
fail:;
        struct zone_err *ignored = NULL;
        zone_image_unbundle(dir, &ignored);
        zone_err_free(ignored);
        return r;
}

int zone_image_unbundle(const char *dir, struct zone_err **err)
{
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return zone_err_sys(err, -errno, "unbundle %s", dir);
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_file_at(dfd, RECORD, 65536, &text, &len);
        if (r == -ENOENT) {
                struct stat st;
                /* a bundle that failed before its record holds only the empty state dir */
                if (fstatat(dfd, STATE_DIR, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    unlinkat(dfd, STATE_DIR, AT_REMOVEDIR) == 0)
                        return 0;
                return zone_err_set(err, -EINVAL,
                                    "unbundle %s: not a bundle made by zone image bundle (no %s)",
                                    dir, RECORD);
        }
        if (r < 0)
                return zone_err_sys(err, r, "unbundle %s: read %s", dir, RECORD);
        char msg[128];
        yajl_val tree = yajl_tree_parse(text, msg, sizeof(msg));
        const char *made_path[] = {"madeDir", NULL};
        bool made_dir = tree && YAJL_IS_TRUE(yajl_tree_get(tree, made_path, yajl_t_true));
        bool valid = tree && YAJL_IS_OBJECT(tree);
        yajl_tree_free(tree);
        if (!valid)
                return zone_err_set(err, -EINVAL, "unbundle %s: %s is not a bundle record", dir,
                                    RECORD);

        _cleanup_free_ char *rootfs = NULL, *state = NULL;
        if (asprintf(&rootfs, "%s/rootfs", dir) < 0 || asprintf(&state, "%s/" STATE_DIR, dir) < 0)
                return zone_err_set(err, -ENOMEM, "out of memory");
        r = zone_rootfs_unmount(rootfs, err);
        if (r < 0)
                return zone_err_wrap(err, "unbundle %s", dir);
        if ((r = zone_tree_remove(dfd, "rootfs", err)) < 0 ||
            (r = zone_tree_remove(dfd, "config.json", err)) < 0 ||
            (r = zone_tree_remove(dfd, STATE_DIR, err)) < 0)
                return zone_err_wrap(err, "unbundle %s", dir);
        if (made_dir && rmdir(dir) < 0 && errno != ENOTEMPTY && errno != EEXIST)
                return zone_err_sys(err, -errno, "unbundle %s: remove it", dir);
        return 0;
}
