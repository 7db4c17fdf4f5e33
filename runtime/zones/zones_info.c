/* What `zone ls` and `zone inspect` show, from the definition, libzone's state (the truth about
 * the zone's process, whoever started it) and the records the last run left. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "spec.h"
#include "types.h"
#include "util.h"
#include "zones/zones.h"

void zones_info_done(struct zones_info *i)
{
        free(i->name);
        free(i->image);
        free(i->type);
        free(i->state);
        free(i->address);
        memset(i, 0, sizeof(*i));
}

static int64_t record_int(const struct zones_ctx *c, const char *name, const char *file,
                          const char *key, bool *has)
{
        _cleanup_free_ char *v = zones_record_get(c, name, file, key);
        if (has)
                *has = v != NULL;
        return v ? strtoll(v, NULL, 10) : 0;
}

char *zones_effective_type(const struct zones_ctx *c, const struct zones_def *d)
{
        if (d->type)
                return strdup(d->type);
        _cleanup_free_ char *dir = zones_path(c, d->name, NULL);
        _cleanup_close_ int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        struct zone_spec *spec = NULL;
        const char *t = NULL;
        if (dfd >= 0 && zone_spec_load(dfd, "image.json", &spec, NULL) >= 0)
                t = zone_spec_annotation(spec, ZONE_IMAGE_TYPE_ANNOTATION);
        char *ret = strdup(t ? t : ZONE_TYPE_DEFAULT);
        zone_spec_free(spec);
        return ret;
}

static int info_from(const struct zones_ctx *c, const struct zones_def *d, struct zones_info *i)
{
        memset(i, 0, sizeof(*i));
        i->name = strdup(d->name);
        i->image = strdup(d->image);
        i->type = zones_effective_type(c, d);
        i->address = zones_net_address(c, d->name);
        if (!i->address)
                i->address = strdup(d->network && !strcmp(d->network, "host") ? "host" : "-");
        i->monitor = zones_monitor_alive(c, d->name);
        const char *st = zones_libzone_status(c, d->name, &i->pid);
        _cleanup_free_ char *image_json = zones_path(c, d->name, "image.json");
        const char *state;
        if (st && (!strcmp(st, "running") || !strcmp(st, "created")))
                state = "running";
        else if (st && !strcmp(st, "paused"))
                state = "paused";
        else if (i->monitor)
                state = "restarting"; /* between runs, or about to go */
        else if (image_json && access(image_json, F_OK) == 0)
                state = "installed";
        else
                state = "configured";
        i->state = strdup(state);
        i->started = record_int(c, d->name, "run", "started", NULL);
        i->runs = (int)record_int(c, d->name, "run", "runs", NULL);
        i->restarts = (int)record_int(c, d->name, "run", "restarts", NULL);
        i->finished = record_int(c, d->name, "exit", "finished", NULL);
        i->exit_status = (int)record_int(c, d->name, "exit", "status", &i->has_exit);
        /* An exit recorded before this run started is the previous run's. */
        if (i->finished < i->started && !strcmp(state, "running"))
                i->has_exit = false, i->finished = 0;
        if (!i->name || !i->image || !i->type || !i->address || !i->state) {
                zones_info_done(i);
                return -ENOMEM;
        }
        return 0;
}

int zones_info_get(const struct zones_ctx *c, const char *name, struct zones_info *ret,
                   struct zone_err **err)
{
        struct zones_def d;
        int r = zones_def_load(c, name, &d, err);
        if (r < 0)
                return r;
        r = info_from(c, &d, ret);
        zones_def_done(&d);
        return r < 0 ? zone_err_set(err, r, "out of memory") : 0;
}

static int by_name(const void *a, const void *b)
{
        return strcmp(((const struct zones_info *)a)->name, ((const struct zones_info *)b)->name);
}

int zones_list(const struct zones_ctx *c, struct zones_info **ret, size_t *ret_n,
               struct zone_err **err)
{
        *ret = NULL;
        *ret_n = 0;
        _cleanup_free_ char *zones = zones_path(c, NULL, NULL);
        if (!zones)
                return zone_err_set(err, -ENOMEM, "out of memory");
        DIR *dir = opendir(zones);
        if (!dir)
                return errno == ENOENT ? 0 : zone_err_sys(err, -errno, "list %s", zones);
        struct zones_info *list = NULL;
        size_t n = 0;
        int r = 0;
        struct dirent *e;
        while (r >= 0 && (e = readdir(dir))) {
                if (e->d_name[0] == '.')
                        continue;
                struct zones_def d;
                /* One being created or removed meanwhile is simply not listed. */
                if (zones_def_load(c, e->d_name, &d, NULL) < 0)
                        continue;
                struct zones_info *l = realloc(list, (n + 1) * sizeof(*list));
                if (!l || info_from(c, &d, &l[n]) < 0)
                        r = zone_err_set(err, -ENOMEM, "out of memory");
                if (l)
                        list = l;
                if (r >= 0)
                        n++;
                zones_def_done(&d);
        }
        closedir(dir);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        zones_info_done(&list[i]);
                free(list);
                return r;
        }
        if (n)
                qsort(list, n, sizeof(*list), by_name);
        *ret = list;
        *ret_n = n;
        return 0;
}

#define S(g, s) yajl_gen_string(g, (const unsigned char *)(s), strlen(s))

static void gen_info(yajl_gen g, const struct zones_info *i)
{
        S(g, "name");
        S(g, i->name);
        S(g, "type");
        S(g, i->type);
        S(g, "state");
        S(g, i->state);
        S(g, "image");
        S(g, i->image);
        S(g, "address");
        S(g, i->address);
        S(g, "pid");
        yajl_gen_integer(g, i->pid);
        S(g, "started");
        yajl_gen_integer(g, i->started);
        S(g, "runs");
        yajl_gen_integer(g, i->runs);
        S(g, "restarts");
        yajl_gen_integer(g, i->restarts);
        S(g, "monitor");
        yajl_gen_bool(g, i->monitor);
        if (i->has_exit) {
                S(g, "exitStatus");
                yajl_gen_integer(g, i->exit_status);
                S(g, "finished");
                yajl_gen_integer(g, i->finished);
        }
}

static int gen_done(yajl_gen g, char **ret, struct zone_err **err)
{
        const unsigned char *buf;
        size_t len;
        yajl_gen_get_buf(g, &buf, &len);
        *ret = strndup((const char *)buf, len);
        yajl_gen_free(g);
        return *ret ? 0 : zone_err_set(err, -ENOMEM, "out of memory");
}

int zones_list_json(const struct zones_info *list, size_t n, char **ret, struct zone_err **err)
{
        yajl_gen g = yajl_gen_alloc(NULL);
        if (!g)
                return zone_err_set(err, -ENOMEM, "out of memory");
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_array_open(g);
        for (size_t i = 0; i < n; i++) {
                yajl_gen_map_open(g);
                gen_info(g, &list[i]);
                yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        return gen_done(g, ret, err);
}

static void gen_strv(yajl_gen g, const char *key, char *const *v)
{
        S(g, key);
        yajl_gen_array_open(g);
        for (size_t i = 0; v && v[i]; i++)
                S(g, v[i]);
        yajl_gen_array_close(g);
}

int zones_inspect_json(const struct zones_ctx *c, const char *name, char **ret,
                       struct zone_err **err)
{
        struct zones_def d;
        int r = zones_def_load(c, name, &d, err);
        if (r < 0)
                return r;
        struct zones_info i;
        if (info_from(c, &d, &i) < 0) {
                zones_def_done(&d);
                return zone_err_set(err, -ENOMEM, "out of memory");
        }
        _cleanup_free_ char *dir = zones_path(c, name, NULL);
        _cleanup_free_ char *conf = zones_def_format(&d);
        _cleanup_free_ char *error = zones_record_get(c, name, "exit", "error");
        yajl_gen g = yajl_gen_alloc(NULL);
        if (!g || !dir || !conf) {
                if (g)
                        yajl_gen_free(g);
                zones_info_done(&i);
                zones_def_done(&d);
                return zone_err_set(err, -ENOMEM, "out of memory");
        }
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_map_open(g);
        gen_info(g, &i);
        if (error) {
                S(g, "error");
                S(g, error);
        }
        S(g, "directory");
        S(g, dir);
        /* The definition, as zone.conf has it (key = value pairs; lists as arrays). */
        S(g, "config");
        yajl_gen_map_open(g);
        const char *scalars[] = {"memory",   "cpus",      "pids-limit",  "read-only",     "user",
                                 "workdir",  "hostname",  "network",     "cgroup-parent", "restart",
                                 "log-size", "log-files", "auto-remove", "type"};
        for (size_t k = 0; k < ARRAY_SIZE(scalars); k++) {
                size_t kl = strlen(scalars[k]);
                for (char *line = conf; line && *line;) {
                        char *nl = strchr(line, '\n');
                        if (!strncmp(line, scalars[k], kl) && !strncmp(line + kl, " = ", 3)) {
                                S(g, scalars[k]);
                                yajl_gen_string(
                                    g, (const unsigned char *)line + kl + 3,
                                    (size_t)((nl ? nl : line + strlen(line)) - (line + kl + 3)));
                        }
                        line = nl ? nl + 1 : NULL;
                }
        }
        gen_strv(g, "command", d.command);
        gen_strv(g, "env", d.env);
        gen_strv(g, "volume", d.volumes);
        gen_strv(g, "publish", d.publish);
        yajl_gen_map_close(g);
        yajl_gen_map_close(g);
        zones_info_done(&i);
        zones_def_done(&d);
        return gen_done(g, ret, err);
}
