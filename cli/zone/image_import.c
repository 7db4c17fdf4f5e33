/* zone image import [--name NAME] [--format F] [--max-bytes N] [--max-entries N] PATH */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli/zone/progress.h"
#include "images/import.h"
#include "util.h"

static int parse_count(const char *opt, const char *s, uint64_t *ret)
{
        if (!s)
                return 0;
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || *end || *s == '-' || v == 0) {
                fprintf(stderr, "%s image import: --%s: \"%s\" is not a positive number\n",
                        cli_program, opt, s);
                return -1;
        }
        *ret = v;
        return 0;
}

int cmd_image_import(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const char *name = NULL, *format = NULL, *max_bytes = NULL, *max_entries = NULL;
        const struct opt opts[] = {
            {"name", 'n', OPT_STRING, &name, "the image's name (required for a root filesystem)"},
            {"format", 'f', OPT_STRING, &format,
             "auto (default), oci-dir, oci-archive, docker-archive, rootfs-tar, rootfs-dir"},
            {"max-bytes", 0, OPT_STRING, &max_bytes,
             "refuse layers whose files hold more bytes (default 64 GiB)"},
            {"max-entries", 0, OPT_STRING, &max_entries,
             "refuse layers with more entries (default 4 million)"},
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        const char *usage = "[options] PATH";
        int i = cli_parse("image import", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("image import", usage, opts), 0;
        if (cli_positionals("image import", usage, argc - i, 1, 1) < 0)
                return 1;
        struct zone_err *err = NULL;
        struct cli_progress prog;
        cli_progress_init(&prog);
        struct zone_import_opts o = {
            .path = argv[i],
            .name = name,
            .progress = cli_progress_cb,
            .progress_arg = &prog,
        };
        if (parse_count("max-bytes", max_bytes, &o.limits.max_bytes) < 0 ||
            parse_count("max-entries", max_entries, &o.limits.max_entries) < 0)
                return 1;
        if (format && zone_import_format_parse(format, &o.format, &err) < 0)
                return cli_fail(ctx, err);
        struct zone_image_store *s = NULL;
        if (zone_image_store_open(cli_data_root, true, &s, &err) < 0)
                return cli_fail(ctx, err);
        char **names = NULL;
        int r = zone_image_import(s, &o, &names, &err);
        cli_progress_done(&prog);
        if (r < 0) {
                zone_image_store_close(s);
                return cli_fail(ctx, err);
        }
        for (size_t k = 0; names && names[k]; k++) {
                struct zone_image *img = NULL;
                if (zone_image_load(s, names[k], &img, NULL) == 0)
                        printf("%s %.12s\n", names[k], img->manifest_digest + 7);
                else
                        printf("%s\n", names[k]);
                zone_image_free(img);
        }
        strv_free(names);
        zone_image_store_close(s);
        return 0;
}
