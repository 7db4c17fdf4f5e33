/* zone login [-u USER[:GROUP]] [-e K=V]... NAME [CMD...]: a shell with a terminal inside a running
 * zone of any type, like zlogin. The shell is the caller's $SHELL when the zone has that
 * program, else the zone's /bin/sh, as a login shell; the exit status is the shell's. With a
 * command it runs that instead, with a terminal only when standard input is one. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

#define USAGE "[-u USER[:GROUP]] [-e K=V]... [-w DIR] NAME [CMD [ARGS...]]"

/* Whether $SHELL exists is known only inside the zone (its root may be a VM's), so the zone's
 * /bin/sh decides there. */
#define LOGIN_SCRIPT                                                                               \
        "case \"$1\" in /*) if [ -x \"$1\" ]; then exec \"$1\" -l; fi;; esac; exec /bin/sh -l"

int cmd_login(struct zone_ctx *ctx, int argc, char **argv)
{
        struct cli_exec x = {.interactive = true};
        _cleanup_strv_ char **env = NULL;
        bool help = false;
        const struct opt opts[] = {
            {"user", 'u', OPT_STRING, &x.user,
             "log in as USER[:GROUP] (names or ids; default: the zone's user)"},
            {"env", 'e', OPT_LIST, &env, "set K=V, or K from the caller's environment"},
            {"workdir", 'w', OPT_STRING, &x.cwd, "working directory in the zone"},
            {"help", 'h', OPT_BOOL, &help, "show this help"},
            {0},
        };
        int i = cli_parse("login", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help) {
                cli_usage("login", USAGE, opts);
                return 0;
        }
        if (cli_positionals("login", USAGE, argc - i, 1, -1) < 0)
                return 1;
        x.name = argv[i];
        x.env = env;
        x.tty = isatty(STDIN_FILENO);
        const char *shell = getenv("SHELL");
        char *login[] = {"/bin/sh", "-c", LOGIN_SCRIPT, "sh", (char *)(shell ? shell : ""), NULL};
        if (argc - i > 1) {
                x.args = argv + i + 1;
        } else if (!x.tty) {
                fprintf(stderr,
                        "%s login: standard input is not a terminal: a login shell needs one "
                        "(give a command to run without: %s login %s CMD...)\n",
                        cli_program, cli_program, x.name);
                return 1;
        } else {
                x.args = login;
        }
        return cli_zone_exec(ctx, "login", &x);
}
