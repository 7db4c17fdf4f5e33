/* zone ls [--all] [--json]: NAME TYPE STATE IMAGE ADDRESS UPTIME, running zones (all with
 * --all), from libzone's state and the zones' records, so it is right with no monitor too. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "util.h"

static void uptime(const struct zones_info *i, char *buf, size_t size)
{
        if (strcmp(i->state, "running") != 0 && strcmp(i->state, "paused") != 0) {
                if (i->has_exit)
                        snprintf(buf, size, "exited (%d)", i->exit_status);
                else
                        snprintf(buf, size, "-");
                return;
        }
        long long s = i->started ? (long long)time(NULL) - i->started : -1;
        if (s < 0)
                snprintf(buf, size, "-");
        else if (s < 120)
                snprintf(buf, size, "%llds", s);
        else if (s < 7200)
                snprintf(buf, size, "%lldm", s / 60);
        else if (s < 172800)
                snprintf(buf, size, "%lldh", s / 3600);
        else
                snprintf(buf, size, "%lldd", s / 86400);
}

int cmd_ls(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false, all = false, json = false;
        const struct opt opts[] = {
            {"all", 'a', OPT_BOOL, &all, "also zones that are not running"},
            {"json", 0, OPT_BOOL, &json, "a JSON array"},
            {"help", 'h', OPT_BOOL, &help, "show this help"},
            {0},
        };
        int first = cli_parse("ls", opts, argc, argv);
        if (first < 0)
                return 1;
        if (help) {
                cli_usage("ls", "[--all] [--json]", opts);
                return 0;
        }
        if (cli_positionals("ls", "[--all] [--json]", argc - first, 0, 0) < 0)
                return 1;
        struct zones_ctx zc;
        cli_zones_ctx(ctx, &zc);
        struct zone_err *err = NULL;
        struct zones_info *list = NULL;
        size_t n = 0, k = 0;
        if (zones_list(&zc, &list, &n, &err) < 0)
                return cli_fail(ctx, err);
        /* Without --all: the zones that run (or are being restarted). */
        for (size_t i = 0; i < n; i++) {
                bool up = !strcmp(list[i].state, "running") || !strcmp(list[i].state, "paused") ||
                          !strcmp(list[i].state, "restarting");
                if (all || up)
                        list[k++] = list[i];
                else
                        zones_info_done(&list[i]);
        }
        int rc = 0;
        if (json) {
                _cleanup_free_ char *text = NULL;
                if (zones_list_json(list, k, &text, &err) < 0)
                        rc = cli_fail(ctx, err);
                else
                        printf("%s", text);
        } else {
                printf("%-16s %-9s %-11s %-28s %-15s %s\n", "NAME", "TYPE", "STATE", "IMAGE",
                       "ADDRESS", "UPTIME");
                for (size_t i = 0; i < k; i++) {
                        char up[32];
                        uptime(&list[i], up, sizeof(up));
                        printf("%-16s %-9s %-11s %-28s %-15s %s\n", list[i].name, list[i].type,
                               list[i].state, list[i].image, list[i].address, up);
                }
        }
        for (size_t i = 0; i < k; i++)
                zones_info_done(&list[i]);
        free(list);
        return rc;
}
