/* zone-oci spec [--bundle DIR] [--rootless]: writes a default config.json. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "spec.h"
#include "util.h"

int cmd_spec(struct zone_ctx *ctx, int argc, char **argv)
{
        const char *bundle = ".";
        bool rootless = false, help = false;
        const struct opt opts[] = {
            {"bundle", 'b', OPT_STRING, &bundle, "where to write config.json"},
            {"rootless", 0, OPT_BOOL, &rootless, "a config for a rootless zone"},
            {"help", 'h', OPT_BOOL, &help, "this help"},
            {0},
        };
        int i = cli_parse("spec", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("spec", "[options]", opts), 0;
        if (cli_positionals("spec", "[options]", argc - i, 0, 0) < 0)
                return 1;
        struct zone_err *err = NULL;
        struct zone_spec *spec = NULL;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (zone_spec_default(rootless, &spec, &err) < 0 ||
            zone_spec_write(spec, &text, &len, &err) < 0) {
                zone_spec_free(spec);
                return cli_fail(ctx, err);
        }
        zone_spec_free(spec);
        _cleanup_close_ int dir = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) {
                fprintf(stderr, "zone-oci: spec: bundle %s: %m\n", bundle);
                return 1;
        }
        _cleanup_close_ int fd =
            openat(dir, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
                fprintf(stderr, "zone-oci: spec: %s/config.json: %m%s\n", bundle,
                        errno == EEXIST ? " (remove it first)" : "");
                return 1;
        }
        if (write_full(fd, text, len) < 0 || write_full(fd, "\n", 1) < 0) {
                fprintf(stderr, "zone-oci: spec: write %s/config.json: %m\n", bundle);
                return 1;
        }
        return 0;
}
