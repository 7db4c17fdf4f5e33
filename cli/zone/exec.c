/* zone exec [-i] [-t] [-e K=V]... [-u USER[:GROUP]] [-w DIR] NAME CMD...: one more process in a
 * running zone of any type, like podman exec; its exit status is zone's. The process is the
 * zone's own (environment, capabilities, confinement) with the command and options laid over
 * it, as runc's exec does; login.c runs its shell through the same path. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "spec.h"
#include "util.h"

#define USAGE "[-i] [-t] [-e K=V]... [-u USER[:GROUP]] [-w DIR] NAME CMD [ARGS...]"

static void process_free(struct zone_spec_process *p)
{
        if (p) {
                zone_spec_process_done(p);
                free(p);
        }
}

/* Replaces or adds "K=V"; a bare "K" takes the caller's value (as podman's -e K does), and is
 * left out when the caller has none. */
static int env_set(char ***env, const char *kv)
{
        _cleanup_free_ char *own = NULL;
        if (!strchr(kv, '=')) {
                const char *v = getenv(kv);
                if (!v)
                        return 0;
                if (asprintf(&own, "%s=%s", kv, v) < 0)
                        return -ENOMEM;
                kv = own;
        }
        size_t klen = (size_t)(strchr(kv, '=') - kv);
        for (char **e = *env; e && *e; e++)
                if (strncmp(*e, kv, klen) == 0 && (*e)[klen] == '=') {
                        char *copy = strdup(kv);
                        if (!copy)
                                return -ENOMEM;
                        free(*e);
                        *e = copy;
                        return 0;
                }
        return strv_append(env, kv);
}

static int parse_user(const char *s, struct zone_spec_process *p)
{
        char *end;
        errno = 0;
        unsigned long uid = strtoul(s, &end, 10);
        if (errno || end == s || (*end && *end != ':') || uid > 0xfffffffful)
                return -1;
        p->user.uid = (uid_t)uid;
        if (*end == ':') {
                const char *g = end + 1;
                unsigned long gid = strtoul(g, &end, 10);
                if (errno || end == g || *end || gid > 0xfffffffful)
                        return -1;
                p->user.gid = (gid_t)gid;
        }
        return 0;
}

int cli_zone_exec(struct zone_ctx *ctx, const char *cmd, const struct cli_exec *x)
{
        struct zone_err *err = NULL;
        struct zone_spec_process *p = NULL;
        if (zone_config_process(ctx, x->name, &p, &err) < 0)
                return cli_fail(ctx, err);
        strv_free(p->args);
        p->args = strv_copy(x->args);
        p->terminal = x->tty;
        if (!p->args)
                goto nomem;
        if (x->tty) {
                /* The process starts at the caller's size (a VM guest's pty too); the relay
                 * forwards later changes (SIGWINCH). */
                struct winsize ws;
                if (isatty(STDIN_FILENO) && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 &&
                    ws.ws_row && ws.ws_col) {
                        p->has_console_size = true;
                        p->console_height = ws.ws_row;
                        p->console_width = ws.ws_col;
                }
                const char *term = getenv("TERM");
                if (term && *term && env_set(&p->env, "TERM") < 0)
                        goto nomem;
        }
        for (char **e = x->env; e && *e; e++) {
                if (**e == '=' || **e == '\0') {
                        fprintf(stderr, "%s %s: --env: expected NAME=VALUE or NAME, not \"%s\"\n",
                                cli_program, cmd, *e);
                        process_free(p);
                        return 1;
                }
                if (env_set(&p->env, *e) < 0)
                        goto nomem;
        }
        if (x->cwd) {
                if (x->cwd[0] != '/') {
                        fprintf(stderr, "%s %s: --workdir: \"%s\" is not an absolute path\n",
                                cli_program, cmd, x->cwd);
                        process_free(p);
                        return 1;
                }
                free(p->cwd);
                if (!(p->cwd = strdup(x->cwd)))
                        goto nomem;
        }
        if (x->user && !*x->user) {
                fprintf(stderr, "%s %s: --user: expected USER[:GROUP], not \"\"\n", cli_program,
                        cmd);
                process_free(p);
                return 1;
        }
        /* Numbers are taken as they are; a name only the zone's own files can say. */
        if (x->user && parse_user(x->user, p) < 0 &&
            zones_exec_user(ctx, x->name, x->user, &p->user, &err) < 0) {
                process_free(p);
                return cli_fail(ctx, err);
        }
        if (!x->interactive) {
                /* Without -i the process reads nothing of the caller's (podman's default). */
                _cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null < 0 || dup2(null, STDIN_FILENO) < 0) {
                        fprintf(stderr, "%s %s: open /dev/null: %s\n", cli_program, cmd,
                                strerror(errno));
                        process_free(p);
                        return 1;
                }
        }
        struct zone_exec_opts o = {.id = x->name, .process = p};
        int status = 0;
        int r = zone_exec(ctx, &o, &status, &err);
        process_free(p);
        return r < 0 ? cli_fail(ctx, err) : status;
nomem:
        process_free(p);
        fprintf(stderr, "%s %s: out of memory\n", cli_program, cmd);
        return 1;
}

int cmd_exec(struct zone_ctx *ctx, int argc, char **argv)
{
        struct cli_exec x = {0};
        _cleanup_strv_ char **env = NULL;
        bool help = false;
        const struct opt opts[] = {
            {"interactive", 'i', OPT_BOOL, &x.interactive, "keep standard input open"},
            {"tty", 't', OPT_BOOL, &x.tty, "give the process a terminal"},
            {"env", 'e', OPT_LIST, &env, "set K=V, or K from the caller's environment"},
            {"user", 'u', OPT_STRING, &x.user,
             "run as USER[:GROUP] (names from the zone's /etc/passwd, /etc/group)"},
            {"workdir", 'w', OPT_STRING, &x.cwd, "working directory in the zone"},
            {"help", 'h', OPT_BOOL, &help, "show this help"},
            {0},
        };
        int i = cli_parse("exec", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help) {
                cli_usage("exec", USAGE, opts);
                return 0;
        }
        if (cli_positionals("exec", USAGE, argc - i, 2, -1) < 0)
                return 1;
        x.name = argv[i];
        x.args = argv + i + 1;
        x.env = env;
        if (x.tty && !isatty(STDIN_FILENO) && x.interactive) {
                fprintf(stderr, "%s exec: -t: standard input is not a terminal\n", cli_program);
                return 1;
        }
        return cli_zone_exec(ctx, "exec", &x);
}
