/* zone image inspect REF: the image record as JSON (name, id, config, layers). */
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "cli.h"
#include "images/store.h"

static void gs(yajl_gen g, const char *s)
{
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gkv(yajl_gen g, const char *k, const char *v)
{
        if (!v)
                return;
        gs(g, k);
        gs(g, v);
}

static void gstrv(yajl_gen g, const char *k, char **v)
{
        if (!v)
                return;
        gs(g, k);
        yajl_gen_array_open(g);
        for (size_t i = 0; v[i]; i++)
                gs(g, v[i]);
        yajl_gen_array_close(g);
}

int cmd_image_inspect(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const struct opt opts[] = {
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        int i = cli_parse("image inspect", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("image inspect", "REF", opts), 0;
        if (cli_positionals("image inspect", "REF", argc - i, 1, 1) < 0)
                return 1;
        struct zone_err *err = NULL;
        struct zone_image_store *s = NULL;
        struct zone_image *img = NULL;
        if (zone_image_store_open(cli_data_root, false, &s, &err) < 0 ||
            zone_image_load(s, argv[i], &img, &err) < 0) {
                zone_image_store_close(s);
                return cli_fail(ctx, err);
        }
        zone_image_store_close(s);
        yajl_gen g = yajl_gen_alloc(NULL);
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_map_open(g);
        gkv(g, "name", img->name);
        gkv(g, "id", img->manifest_digest);
        gkv(g, "config_digest", img->config_digest);
        gkv(g, "created", img->created);
        gs(g, "size");
        yajl_gen_integer(g, (long long)img->size);
        gkv(g, "architecture", img->config.architecture);
        gkv(g, "os", img->config.os);
        gs(g, "config");
        yajl_gen_map_open(g);
        const struct zone_image_config *c = &img->config;
        gstrv(g, "Entrypoint", c->entrypoint);
        gstrv(g, "Cmd", c->cmd);
        gstrv(g, "Env", c->env);
        gkv(g, "WorkingDir", c->working_dir);
        gkv(g, "User", c->user);
        gstrv(g, "ExposedPorts", c->exposed_ports);
        gstrv(g, "Volumes", c->volumes);
        if (c->label_keys) {
                gs(g, "Labels");
                yajl_gen_map_open(g);
                for (size_t k = 0; c->label_keys[k]; k++)
                        gkv(g, c->label_keys[k], c->label_values[k]);
                yajl_gen_map_close(g);
        }
        yajl_gen_map_close(g);
        gs(g, "layers");
        yajl_gen_array_open(g);
        for (size_t k = 0; k < img->n_layers; k++) {
                yajl_gen_map_open(g);
                gkv(g, "digest", img->layers[k].digest);
                gkv(g, "diff_id", img->layers[k].diff_id);
                gkv(g, "media_type", img->layers[k].media_type);
                gs(g, "size");
                yajl_gen_integer(g, (long long)img->layers[k].size);
                yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        yajl_gen_map_close(g);
        const unsigned char *buf;
        size_t len;
        yajl_gen_get_buf(g, &buf, &len);
        fwrite(buf, 1, len, stdout);
        yajl_gen_free(g);
        zone_image_free(img);
        return 0;
}
