/* Option parsing shared by every command of zone and zone-oci, and the one place errors are
 * printed. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common/args.h"
#include "log.h"
#include "util.h"

static const struct opt *find(const struct opt *opts, const char *name, size_t len, char s)
{
        for (const struct opt *o = opts; o && o->name; o++) {
                if (s ? o->short_name == s
                      : (strlen(o->name) == len && strncmp(o->name, name, len) == 0))
                        return o;
        }
        return NULL;
}

static int set_value(const char *cmd, const struct opt *o, const char *val)
{
        switch (o->kind) {
        case OPT_BOOL:
                if (!val || strcmp(val, "true") == 0)
                        *(bool *)o->value = true;
                else if (strcmp(val, "false") == 0)
                        *(bool *)o->value = false;
                else
                        goto bad;
                return 0;
        case OPT_STRING:
                *(const char **)o->value = val;
                return 0;
        case OPT_INT: {
                char *end;
                errno = 0;
                long v = strtol(val, &end, 10);
                if (errno || *end || end == val || v < 0 || v > INT_MAX)
                        goto bad;
                *(int *)o->value = (int)v;
                return 0;
        }
        case OPT_LIST:
                if (strv_append((char ***)o->value, val) < 0) {
                        fprintf(stderr, "%s: out of memory\n", cli_program);
                        return -1;
                }
                return 0;
        }
bad:
        fprintf(stderr, "%s %s: --%s: invalid value \"%s\"\n", cli_program, cmd, o->name, val);
        return -1;
}

/* "-it": short boolean flags given together, as podman takes them. Sets them only when every
 * letter is one; otherwise the word stays an unknown option. */
static bool bundled_flags(const struct opt *opts, const char *letters)
{
        if (strlen(letters) < 2)
                return false;
        for (const char *c = letters; *c; c++) {
                const struct opt *o = find(opts, NULL, 0, *c);
                if (!o || o->kind != OPT_BOOL)
                        return false;
        }
        for (const char *c = letters; *c; c++)
                *(bool *)find(opts, NULL, 0, *c)->value = true;
        return true;
}

int cli_parse(const char *cmd, const struct opt *opts, int argc, char **argv)
{
        int i = 0;
        while (i < argc) {
                const char *a = argv[i];
                if (strcmp(a, "--") == 0)
                        return i + 1;
                if (a[0] != '-' || a[1] == '\0')
                        return i;
                const char *name = a + 1 + (a[1] == '-');
                const char *eq = strchr(name, '=');
                size_t len = eq ? (size_t)(eq - name) : strlen(name);
                const struct opt *o = find(opts, name, len, 0);
                if (!o && a[1] != '-' && len == 1)
                        o = find(opts, NULL, 0, name[0]);
                if (!o && a[1] != '-' && !eq && bundled_flags(opts, name)) {
                        i++;
                        continue;
                }
                if (!o) {
                        fprintf(stderr, "%s %s: unknown option %.*s\n", cli_program, cmd,
                                (int)(len + (size_t)(name - a)), a);
                        return -1;
                }
                const char *val = eq ? eq + 1 : NULL;
                if (o->kind != OPT_BOOL && !val) {
                        if (i + 1 >= argc) {
                                fprintf(stderr, "%s %s: --%s needs a value\n", cli_program, cmd,
                                        o->name);
                                return -1;
                        }
                        val = argv[++i];
                }
                if (set_value(cmd, o, val) < 0)
                        return -1;
                i++;
        }
        return i;
}

int cli_positionals(const char *cmd, const char *usage, int have, int min, int max)
{
        if (have >= min && (max < 0 || have <= max))
                return 0;
        fprintf(stderr, "%s %s: %s; usage: %s %s %s\n", cli_program, cmd,
                have < min ? "missing arguments" : "too many arguments", cli_program, cmd, usage);
        return -1;
}

void cli_usage(const char *cmd, const char *usage, const struct opt *opts)
{
        printf("usage: %s %s %s\n", cli_program, cmd, usage);
        for (const struct opt *o = opts; o && o->name; o++) {
                char lhs[64];
                snprintf(lhs, sizeof(lhs), "%s%c%s--%s%s", o->short_name ? "-" : "",
                         o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
                         o->kind == OPT_BOOL ? "" : " VALUE");
                printf("  %-32s %s\n", lhs, o->help);
        }
}

int cli_args(const char *cmd, const char *usage, const struct opt *opts, int min, int max, int argc,
             char **argv, int *rc)
{
        *rc = 1;
        int first = cli_parse(cmd, opts, argc, argv);
        if (first < 0)
                return -1;
        for (const struct opt *o = opts; o->name; o++)
                if (o->kind == OPT_BOOL && strcmp(o->name, "help") == 0 && *(bool *)o->value) {
                        cli_usage(cmd, usage, opts);
                        *rc = 0;
                        return -1;
                }
        if (cli_positionals(cmd, usage, argc - first, min, max) < 0)
                return -1;
        return first;
}

int cli_group(struct zone_ctx *ctx, const char *group, const char *about,
              const struct cli_cmd *cmds, size_t n, int argc, char **argv)
{
        if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
                printf("usage: %s %s SUBCOMMAND [options] [args]\n\n", cli_program, group);
                if (about)
                        printf("%s\n\n", about);
                printf("subcommands:\n");
                for (size_t i = 0; i < n; i++)
                        printf("  %-10s %s\n", cmds[i].name, cmds[i].summary);
                return argc < 1 ? 1 : 0;
        }
        for (size_t i = 0; i < n; i++)
                if (strcmp(argv[0], cmds[i].name) == 0)
                        return cmds[i].run(ctx, argc - 1, argv + 1);
        fprintf(stderr, "%s %s: unknown subcommand \"%s\" (see %s %s --help)\n", cli_program, group,
                argv[0], cli_program, group);
        return 1;
}

int cli_fail(const struct zone_ctx *ctx, struct zone_err *err)
{
        const char *msg = err ? err->msg : "failed";
        fprintf(stderr, "%s: %s\n", cli_program, msg);
        /* conmon and containerd read the reason from the log file. */
        if (ctx->log.fd >= 0 && ctx->log.fd != 2)
                zone_log(&ctx->log, ZONE_LOG_ERROR, "%s", msg);
        zone_err_free(err);
        return 1;
}
