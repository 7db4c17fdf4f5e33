/* zone image export REF -o PATH [--format oci-archive|oci-dir|docker-archive] */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli/zone/progress.h"
#include "err.h"
#include "images/export.h"

#define USAGE "REF -o PATH [--format oci-archive|oci-dir|docker-archive] [--quiet]"

int cmd_image_export(struct zone_ctx *ctx, int argc, char **argv)
{
        const char *format_name = "oci-archive", *output = NULL;
        bool quiet = false, help = false;
        const struct opt opts[] = {
            {"output", 'o', OPT_STRING, &output, "where to write the image"},
            {"format", 'f', OPT_STRING, &format_name,
             "oci-archive (default), oci-dir or docker-archive"},
            {"quiet", 'q', OPT_BOOL, &quiet, "no progress"},
            {"help", 'h', OPT_BOOL, &help, "show this help"},
            {0},
        };
        /* options may come before or after REF */
        const char *pos[2];
        int npos = 0;
        for (int i = 0; i < argc;) {
                int n = cli_parse("image export", opts, argc - i, argv + i);
                if (n < 0)
                        return 1;
                i += n;
                if (i >= argc)
                        break;
                if (npos == 2)
                        return cli_positionals("image export", USAGE, 3, 1, 1) < 0;
                pos[npos++] = argv[i++];
        }
        if (help) {
                cli_usage("image export", USAGE, opts);
                return 0;
        }
        if (cli_positionals("image export", USAGE, npos, 1, 1) < 0)
                return 1;
        if (!output) {
                fprintf(stderr, "%s image export: -o PATH is required; usage: %s image export %s\n",
                        cli_program, cli_program, USAGE);
                return 1;
        }
        struct zone_err *err = NULL;
        enum zone_export_format format;
        if (zone_export_format_parse(format_name, &format, &err) < 0)
                return cli_fail(ctx, err);
        struct zone_image_store *s = NULL;
        if (zone_image_store_open(cli_data_root, false, &s, &err) < 0)
                return cli_fail(ctx, err);
        struct cli_progress p;
        cli_progress_init(&p);
        int r =
            zone_image_export(s, pos[0], format, output, quiet ? NULL : cli_progress_cb, &p, &err);
        cli_progress_done(&p);
        zone_image_store_close(s);
        if (r < 0)
                return cli_fail(ctx, err);
        printf("exported %s to %s (%s)\n", pos[0], output, format_name);
        return 0;
}
