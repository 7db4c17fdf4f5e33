/* zone-oci exec [options] ID [CMD...]: the process comes from --process FILE, or from the
 * zone's own process with the command and the options below laid over it (as runc does). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spec.h"
#include "util.h"

static void process_free(struct zone_spec_process *p)
{
        if (p) {
                zone_spec_process_done(p);
                free(p);
        }
}

/* Replaces or adds an environment entry "K=V". */
static int env_set(char ***env, const char *kv)
{
        const char *eq = strchr(kv, '=');
        size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
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

static int add_cap(char ***set, const char *cap)
{
        for (char **c = *set; c && *c; c++)
                if (strcmp(*c, cap) == 0)
                        return 0;
        return strv_append(set, cap);
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

int cmd_exec(struct zone_ctx *ctx, int argc, char **argv)
{
        const char *process_file = NULL, *cwd = NULL, *user = NULL, *console_socket = NULL;
        const char *pid_file = NULL, *apparmor = NULL, *label = NULL;
        _cleanup_strv_ char **env = NULL, **caps = NULL, **gids = NULL;
        bool tty = false, detach = false, nnp = false, help = false;
        int preserve_fds = 0;
        const struct opt opts[] = {
            {"process", 'p', OPT_STRING, &process_file, "process.json to run"},
            {"tty", 't', OPT_BOOL, &tty, "allocate a terminal"},
            {"cwd", 0, OPT_STRING, &cwd, "working directory in the zone"},
            {"env", 'e', OPT_LIST, &env, "set K=V (repeatable)"},
            {"user", 'u', OPT_STRING, &user, "UID[:GID]"},
            {"additional-gids", 'g', OPT_LIST, &gids, "supplementary group (repeatable)"},
            {"cap", 'c', OPT_LIST, &caps, "add a capability (repeatable)"},
            {"no-new-privs", 0, OPT_BOOL, &nnp, "set no_new_privs"},
            {"detach", 'd', OPT_BOOL, &detach, "do not wait for the process"},
            {"pid-file", 0, OPT_STRING, &pid_file, "write the process's pid here"},
            {"console-socket", 0, OPT_STRING, &console_socket,
             "unix socket that receives the terminal's master fd"},
            {"preserve-fds", 0, OPT_INT, &preserve_fds, "pass fds 3 .. 3+N-1"},
            {"apparmor", 0, OPT_STRING, &apparmor, "AppArmor profile"},
            {"process-label", 0, OPT_STRING, &label, "SELinux label"},
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        const char *usage = "[options] ID [CMD [ARGS...]]";
        int i = cli_parse("exec", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("exec", usage, opts), 0;
        if (cli_positionals("exec", usage, argc - i, process_file ? 1 : 2, process_file ? 1 : -1) <
            0)
                return 1;
        const char *id = argv[i];
        struct zone_err *err = NULL;
        struct zone_spec_process *p = NULL;
        int r;
        if (process_file) {
                _cleanup_free_ char *text = NULL;
                size_t len = 0;
                r = read_file_at(AT_FDCWD, process_file, 16u << 20, &text, &len);
                if (r < 0) {
                        fprintf(stderr, "zone-oci: --process %s: %s\n", process_file, strerror(-r));
                        return 1;
                }
                p = calloc(1, sizeof(*p));
                if (!p)
                        return 1;
                if (zone_spec_parse_process(text, len, process_file, p, &err) < 0) {
                        free(p);
                        return cli_fail(ctx, err);
                }
        } else {
                if (zone_config_process(ctx, id, &p, &err) < 0)
                        return cli_fail(ctx, err);
                strv_free(p->args);
                p->args = strv_copy(argv + i + 1);
                p->terminal = tty;
                if (!p->args)
                        goto nomem;
        }
        if (cwd) {
                free(p->cwd);
                if (!(p->cwd = strdup(cwd)))
                        goto nomem;
        }
        for (char **e = env; e && *e; e++)
                if (env_set(&p->env, *e) < 0)
                        goto nomem;
        if (user && parse_user(user, p) < 0) {
                fprintf(stderr, "zone-oci: exec: --user: expected UID[:GID], not \"%s\"\n", user);
                process_free(p);
                return 1;
        }
        if (gids) {
                size_t n = strv_length(gids);
                gid_t *list = calloc(n, sizeof(gid_t));
                if (!list)
                        goto nomem;
                for (size_t k = 0; k < n; k++) {
                        char *end;
                        unsigned long g = strtoul(gids[k], &end, 10);
                        if (*end || end == gids[k] || g > 0xfffffffful) {
                                fprintf(stderr,
                                        "zone-oci: exec: --additional-gids: \"%s\" is "
                                        "not a number\n",
                                        gids[k]);
                                free(list);
                                process_free(p);
                                return 1;
                        }
                        list[k] = (gid_t)g;
                }
                free(p->user.additional_gids);
                p->user.additional_gids = list;
                p->user.n_additional_gids = n;
        }
        for (char **c = caps; c && *c; c++) {
                p->caps.present = true;
                if (add_cap(&p->caps.bounding, *c) < 0 || add_cap(&p->caps.effective, *c) < 0 ||
                    add_cap(&p->caps.permitted, *c) < 0 || add_cap(&p->caps.inheritable, *c) < 0 ||
                    add_cap(&p->caps.ambient, *c) < 0)
                        goto nomem;
        }
        if (nnp)
                p->no_new_privileges = true;
        if (apparmor) {
                free(p->apparmor_profile);
                p->apparmor_profile = strdup(apparmor);
        }
        if (label) {
                free(p->selinux_label);
                p->selinux_label = strdup(label);
        }

        struct zone_exec_opts o = {.id = id,
                                   .process = p,
                                   .console_socket = console_socket,
                                   .pid_file = pid_file,
                                   .preserve_fds = preserve_fds,
                                   .detach = detach};
        int status = 0;
        r = zone_exec(ctx, &o, &status, &err);
        process_free(p);
        return r < 0 ? cli_fail(ctx, err) : status;
nomem:
        process_free(p);
        fprintf(stderr, "zone-oci: exec: out of memory\n");
        return 1;
}
