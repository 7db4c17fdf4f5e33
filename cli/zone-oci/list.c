/* zone-oci list [--format table|json] [--quiet] */
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cli.h"

static void gen_str(yajl_gen g, const char *s)
{
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void print_json(const struct zone_info *list, size_t n)
{
        yajl_gen g = yajl_gen_alloc(NULL);
        if (!g)
                return;
        yajl_gen_array_open(g);
        for (size_t i = 0; i < n; i++) {
                yajl_gen_map_open(g);
                gen_str(g, "ociVersion");
                gen_str(g, "1.2.0");
                gen_str(g, "id");
                gen_str(g, list[i].id);
                gen_str(g, "pid");
                yajl_gen_integer(g, list[i].pid);
                gen_str(g, "status");
                gen_str(g, list[i].status);
                gen_str(g, "bundle");
                gen_str(g, list[i].bundle);
                gen_str(g, "created");
                gen_str(g, list[i].created);
                gen_str(g, "owner");
                gen_str(g, list[i].owner);
                yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        const unsigned char *buf;
        size_t len;
        yajl_gen_get_buf(g, &buf, &len);
        printf("%.*s\n", (int)len, (const char *)buf);
        yajl_gen_free(g);
}

int cmd_list(struct zone_ctx *ctx, int argc, char **argv)
{
        const char *format = "table";
        bool quiet = false, help = false;
        const struct opt opts[] = {
            {"format", 'f', OPT_STRING, &format, "table or json"},
            {"quiet", 'q', OPT_BOOL, &quiet, "print ids only"},
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        int i = cli_parse("list", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("list", "[options]", opts), 0;
        if (cli_positionals("list", "[options]", argc - i, 0, 0) < 0)
                return 1;
        if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
                fprintf(stderr, "zone-oci: list: --format: expected table or json, not \"%s\"\n",
                        format);
                return 1;
        }
        struct zone_err *err = NULL;
        struct zone_info *list = NULL;
        size_t n = 0;
        if (zone_list(ctx, &list, &n, &err) < 0)
                return cli_fail(ctx, err);
        if (quiet) {
                for (size_t k = 0; k < n; k++)
                        printf("%s\n", list[k].id);
        } else if (strcmp(format, "json") == 0) {
                print_json(list, n);
        } else {
                printf("%-20s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE",
                       "CREATED", "OWNER");
                for (size_t k = 0; k < n; k++)
                        printf("%-20s %-8d %-10s %-40s %-32s %s\n", list[k].id, (int)list[k].pid,
                               list[k].status, list[k].bundle, list[k].created,
                               list[k].owner[0] ? list[k].owner : "root");
        }
        zone_info_free(list, n);
        return 0;
}
