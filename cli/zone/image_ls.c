/* zone image ls [--json]: name, id (12 hex digits of the manifest digest), size, created. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cli.h"
#include "images/store.h"

static void size_str(uint64_t n, char *buf, size_t len)
{
        if (n >= (1ull << 30))
                snprintf(buf, len, "%.1fGB", (double)n / 1e9);
        else if (n >= 1000000)
                snprintf(buf, len, "%.1fMB", (double)n / 1e6);
        else
                snprintf(buf, len, "%.1fkB", (double)n / 1e3);
}

static void gs(yajl_gen g, const char *s)
{
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

int cmd_image_ls(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false, json = false;
        const struct opt opts[] = {
            {"json", 0, OPT_BOOL, &json, "print a JSON array"},
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        int i = cli_parse("image ls", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("image ls", "[options]", opts), 0;
        if (cli_positionals("image ls", "[options]", argc - i, 0, 0) < 0)
                return 1;
        struct zone_err *err = NULL;
        struct zone_image_store *s = NULL;
        struct zone_image **list = NULL;
        size_t n = 0;
        if (zone_image_store_open(cli_data_root, false, &s, &err) < 0 ||
            zone_image_list(s, &list, &n, &err) < 0) {
                zone_image_store_close(s);
                return cli_fail(ctx, err);
        }
        zone_image_store_close(s);
        if (json) {
                yajl_gen g = yajl_gen_alloc(NULL);
                yajl_gen_config(g, yajl_gen_beautify, 1);
                yajl_gen_array_open(g);
                for (size_t k = 0; k < n; k++) {
                        yajl_gen_map_open(g);
                        gs(g, "name");
                        gs(g, list[k]->name);
                        gs(g, "id");
                        gs(g, list[k]->manifest_digest);
                        gs(g, "size");
                        yajl_gen_integer(g, (long long)list[k]->size);
                        gs(g, "created");
                        if (list[k]->created)
                                gs(g, list[k]->created);
                        else
                                yajl_gen_null(g);
                        yajl_gen_map_close(g);
                }
                yajl_gen_array_close(g);
                const unsigned char *buf;
                size_t len;
                yajl_gen_get_buf(g, &buf, &len);
                fwrite(buf, 1, len, stdout);
                yajl_gen_free(g);
        } else {
                printf("%-40s %-12s %10s %s\n", "NAME", "ID", "SIZE", "CREATED");
                for (size_t k = 0; k < n; k++) {
                        char sz[32];
                        size_str(list[k]->size, sz, sizeof(sz));
                        printf("%-40s %.12s %10s %s\n", list[k]->name, list[k]->manifest_digest + 7,
                               sz, list[k]->created ? list[k]->created : "-");
                }
        }
        for (size_t k = 0; k < n; k++)
                zone_image_free(list[k]);
        free(list);
        return 0;
}
