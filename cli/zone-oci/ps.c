/* zone-oci ps [--format table|json] ID [PS_OPTIONS...]: the zone's processes. The table is the
 * host's `ps` (default -ef) filtered to the zone's pids, as runc prints it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}

/* Runs ps with args and prints the header and the lines of the zone's pids. */
static int print_table(const pid_t *pids, size_t n, char **args, int nargs)
{
        char *argv[nargs + 3];
        argv[0] = "ps";
        for (int i = 0; i < nargs; i++)
                argv[i + 1] = args[i];
        if (nargs == 0)
                argv[nargs++ + 1] = "-ef";
        argv[nargs + 1] = NULL;
        int fds[2];
        if (pipe(fds) < 0)
                return -1;
        pid_t child = fork();
        if (child < 0)
                return -1;
        if (child == 0) {
                dup2(fds[1], 1);
                close(fds[0]);
                close(fds[1]);
                execvp("ps", argv);
                _exit(127);
        }
        close(fds[1]);
        FILE *f = fdopen(fds[0], "r");
        char *line = NULL;
        size_t cap = 0;
        int pid_col = -1;
        while (f && getline(&line, &cap, f) > 0) {
                char copy[4096];
                snprintf(copy, sizeof(copy), "%s", line);
                char *save = NULL, *tok = strtok_r(copy, " \t\n", &save);
                if (pid_col < 0) {
                        for (int col = 0; tok; col++, tok = strtok_r(NULL, " \t\n", &save))
                                if (strcmp(tok, "PID") == 0)
                                        pid_col = col;
                        if (pid_col < 0) {
                                fprintf(stderr, "zone-oci: ps: no PID column in ps output\n");
                                break;
                        }
                        fputs(line, stdout);
                        continue;
                }
                for (int col = 0; tok && col < pid_col; col++)
                        tok = strtok_r(NULL, " \t\n", &save);
                if (tok && has_pid(pids, n, strtol(tok, NULL, 10)))
                        fputs(line, stdout);
        }
        free(line);
        if (f)
                fclose(f);
        int status;
        waitpid(child, &status, 0);
        return pid_col >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int cmd_ps(struct zone_ctx *ctx, int argc, char **argv)
{
        const char *format = "table";
        bool help = false;
        const struct opt opts[] = {
            {"format", 'f', OPT_STRING, &format, "table or json"},
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        const char *usage = "[options] ID [PS_OPTIONS...]";
        int i = cli_parse("ps", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("ps", usage, opts), 0;
        if (cli_positionals("ps", usage, argc - i, 1, -1) < 0)
                return 1;
        if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
                fprintf(stderr, "zone-oci: ps: --format: expected table or json, not \"%s\"\n",
                        format);
                return 1;
        }
        struct zone_err *err = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        if (zone_pids(ctx, argv[i], &pids, &n, &err) < 0)
                return cli_fail(ctx, err);
        if (strcmp(format, "json") == 0) {
                printf("[");
                for (size_t k = 0; k < n; k++)
                        printf("%s%d", k ? "," : "", (int)pids[k]);
                printf("]\n");
                return 0;
        }
        fflush(stdout);
        if (print_table(pids, n, argv + i + 1, argc - i - 1) < 0) {
                fprintf(stderr, "zone-oci: ps: running ps failed\n");
                return 1;
        }
        return 0;
}
