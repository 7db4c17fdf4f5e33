/* zone create NAME --image IMAGE [options] [CMD...], and what run shares with it: the zone's
 * options as flags, and the context the zones library needs. */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

#define USAGE "NAME --image IMAGE [options] [--] [CMD...]"

/* A program of ours (the monitor, the network hook): $ENV, else beside this program, else
 * beside its directory (the ASan build in BUILD/asan/ uses BUILD/zone-monitor). */
static char *find_program(const char *self, const char *name, const char *env_name)
{
        const char *env = getenv(env_name);
        if (env && *env)
                return strdup(env);
        if (!self)
                return NULL;
        char dir[PATH_MAX];
        snprintf(dir, sizeof(dir), "%s", self);
        for (int up = 0; up < 2; up++) {
                char *d = dirname(dir);
                char *path = NULL;
                if (asprintf(&path, "%s/%s", d, name) < 0)
                        return NULL;
                if (access(path, X_OK) == 0)
                        return path;
                free(path);
                memmove(dir, d, strlen(d) + 1);
        }
        return NULL;
}

void cli_zones_ctx(const struct zone_ctx *ctx, struct zones_ctx *ret)
{
        static char self[PATH_MAX];
        static char *monitor, *hook;
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        self[n > 0 ? n : 0] = 0;
        if (!monitor)
                monitor = find_program(n > 0 ? self : NULL, ZONES_MONITOR_NAME, "ZONE_MONITOR");
        if (!hook)
                hook = find_program(n > 0 ? self : NULL, ZONES_NET_HOOK_NAME, "ZONE_NET_HOOK");
        *ret = (struct zones_ctx){
            .zctx = ctx,
            .data_root = cli_data_root,
            .monitor_path = monitor,
            .zone_path = n > 0 ? self : NULL,
            .net_hook_path = hook,
        };
}

int cli_each_zone(struct zone_ctx *ctx, int n, char **names, cli_zone_fn fn, int arg)
{
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        int rc = 0;
        for (int i = 0; i < n; i++) {
                struct zone_err *err = NULL;
                if (fn(&zc, names[i], arg, &err) < 0)
                        rc = cli_fail(ctx, err);
        }
        return rc;
}

/* Every zone option as a flag, into f; the table ends where the caller adds its own. */
size_t cli_zone_flags(struct cli_zone_flags *f, struct opt *o)
{
        const struct opt table[] = {
            {"type", 0, OPT_STRING, &f->type,
             "light, vm or emulated (default: the image's, else light)"},
            {"memory", 'm', OPT_STRING, &f->memory, "memory limit: bytes, or with k, m or g"},
            {"cpus", 0, OPT_STRING, &f->cpus, "CPU time limit in CPUs (1.5)"},
            {"pids-limit", 0, OPT_STRING, &f->pids_limit, "most processes at once"},
            {"env", 'e', OPT_LIST, &f->env, "NAME=VALUE in the environment (repeatable)"},
            {"env-file", 0, OPT_LIST, &f->env_file, "NAME=VALUE lines from a file"},
            {"volume", 'v', OPT_LIST, &f->volume, "SRC:DST[:ro] bind mount of a host path"},
            {"publish", 'p', OPT_LIST, &f->publish, "[IP:]HOSTPORT:PORT[/udp] (needs bridge)"},
            {"network", 0, OPT_STRING, &f->network,
             "bridge[:NETWORK] (default), none, host, zone:NAME or a namespace path"},
            {"net-root", 0, OPT_STRING, &f->net_root,
             "networks and leases (default $ZONE_NET_ROOT, else /run/zone/net)"},
            {"read-only", 0, OPT_BOOL, &f->read_only, "read-only root filesystem"},
            {"user", 'u', OPT_STRING, &f->user, "USER[:GROUP], names from the image"},
            {"workdir", 'w', OPT_STRING, &f->workdir, "working directory"},
            {"hostname", 0, OPT_STRING, &f->hostname, "host name"},
            {"restart", 0, OPT_STRING, &f->restart, "no, on-failure[:N] or always"},
            {"cgroup-parent", 0, OPT_STRING, &f->cgroup_parent,
             "cgroup the zone's goes under (default $ZONE_CGROUP_PARENT, else /zone)"},
            {"log-size", 0, OPT_STRING, &f->log_size, "log file size before rotation (1m)"},
            {"log-files", 0, OPT_STRING, &f->log_files, "log files kept (3)"},
        };
        memcpy(o, table, sizeof(table));
        return ARRAY_SIZE(table);
}

void cli_zone_flags_done(struct cli_zone_flags *f)
{
        strv_free(f->env);
        strv_free(f->env_file);
        strv_free(f->volume);
        strv_free(f->publish);
}

int cli_zone_flags_apply(const struct cli_zone_flags *f, struct zones_def *d, struct zone_err **err)
{
        const char *cg = f->cgroup_parent ? f->cgroup_parent : getenv("ZONE_CGROUP_PARENT");
        const struct {
                const char *key, *value;
        } one[] = {
            {"type", f->type},         {"memory", f->memory},
            {"cpus", f->cpus},         {"pids-limit", f->pids_limit},
            {"network", f->network},   {"user", f->user},
            {"workdir", f->workdir},   {"hostname", f->hostname},
            {"restart", f->restart},   {"cgroup-parent", cg && *cg ? cg : NULL},
            {"log-size", f->log_size}, {"log-files", f->log_files},
            {"net-root", f->net_root},
        };
        int r = 0;
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(one); i++)
                if (one[i].value)
                        r = zones_def_set(d, one[i].key, one[i].value, err);
        for (size_t i = 0; r >= 0 && f->env_file && f->env_file[i]; i++)
                r = zones_def_env_file(d, f->env_file[i], err);
        for (size_t i = 0; r >= 0 && f->env && f->env[i]; i++)
                r = zones_def_set(d, "env", f->env[i], err);
        for (size_t i = 0; r >= 0 && f->volume && f->volume[i]; i++)
                r = zones_def_set(d, "volume", f->volume[i], err);
        for (size_t i = 0; r >= 0 && f->publish && f->publish[i]; i++)
                r = zones_def_set(d, "publish", f->publish[i], err);
        if (r >= 0 && f->read_only)
                d->read_only = true;
        return r;
}

int cmd_create(struct zone_ctx *ctx, int argc, char **argv)
{
        struct cli_zone_flags f = {0};
        const char *image = NULL;
        bool help = false;
        struct opt opts[32];
        size_t n = cli_zone_flags(&f, opts);
        opts[n++] = (struct opt){"image", 0, OPT_STRING, &image, "the image the zone runs"};
        opts[n++] = (struct opt){"help", 'h', OPT_BOOL, &help, "show this help"};
        opts[n] = (struct opt){0};
        /* Options before and after NAME; the first word after NAME (or "--") starts CMD. */
        const char *name = NULL;
        char **cmd = NULL;
        int i = 0, rc = 1;
        while (i < argc) {
                int k = cli_parse("create", opts, argc - i, argv + i);
                if (k < 0)
                        goto out;
                i += k;
                if (i >= argc)
                        break;
                if ((k > 0 && strcmp(argv[i - 1], "--") == 0) || name) {
                        if (!name)
                                name = argv[i++];
                        cmd = argv + i;
                        break;
                }
                name = argv[i++];
        }
        if (help) {
                cli_usage("create", USAGE, opts);
                rc = 0;
                goto out;
        }
        if (!name || !image) {
                fprintf(stderr, "%s create: %s; usage: %s create %s\n", cli_program,
                        name ? "--image is required" : "missing arguments", cli_program, USAGE);
                goto out;
        }
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        struct zones_def d;
        zones_def_init(&d);
        struct zone_err *err = NULL;
        int r = zones_def_set(&d, "name", name, &err);
        if (r >= 0)
                r = zones_def_set(&d, "image", image, &err);
        for (size_t j = 0; r >= 0 && cmd && cmd[j]; j++)
                r = zones_def_set(&d, "command", cmd[j], &err);
        if (r >= 0)
                r = cli_zone_flags_apply(&f, &d, &err);
        if (r >= 0)
                r = zones_create(&zc, &d, &err);
        if (r < 0)
                rc = cli_fail(ctx, err);
        else {
                printf("%s\n", d.name);
                rc = 0;
        }
        zones_def_done(&d);
out:
        cli_zone_flags_done(&f);
        return rc;
}
