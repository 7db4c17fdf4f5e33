/* zone-oci ps [--format table|json] ID: the zone's processes as host pids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The command line of a process, NULs turned into spaces. */
static void print_cmdline(pid_t pid)
{
        char path[64], buf[512];
        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
        FILE *f = fopen(path, "re");
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f)
                fclose(f);
        for (size_t i = 0; i + 1 < n; i++)
                if (buf[i] == '\0')
                        buf[i] = ' ';
        buf[n] = '\0';
        printf("%s\n", buf);
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
        int i = cli_parse("ps", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("ps", "[options] ID", opts), 0;
        if (cli_positionals("ps", "[options] ID", argc - i, 1, 1) < 0)
                return 1;
        if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
                fprintf(stderr, "zone-oci: ps: --format: expected table or json, not \"%s\"\n",
                        format);
                return 1;
        }
        struct zone_err *err = NULL;
        pid_t *pids = NULL;
        size_t n = 0;
        if (zone_pids(ctx, argv[i], &pids, &n, &err) < 0)
                return cli_fail(ctx, err);
        if (strcmp(format, "json") == 0) {
                printf("[");
                for (size_t k = 0; k < n; k++)
                        printf("%s%d", k ? "," : "", (int)pids[k]);
                printf("]\n");
        } else {
                printf("%-8s %s\n", "PID", "CMD");
                for (size_t k = 0; k < n; k++) {
                        printf("%-8d ", (int)pids[k]);
                        print_cmdline(pids[k]);
                }
        }
        free(pids);
        return 0;
}
