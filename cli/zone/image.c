/* zone image SUBCOMMAND: one file per subcommand (image_*.c), dispatched from this table. */
#include "cli.h"

/* Each subcommand adds its line here and its cmd_image_* to cli.h. */
static const struct cli_cmd subcommands[] = {
    {"import", "import an OCI layout or archive, a docker-archive or a root filesystem",
     cmd_image_import},
    {"ls", "list images", cmd_image_ls},
    {"inspect", "show an image's record and config as JSON", cmd_image_inspect},
    {"rm", "remove images (their files go with gc)", cmd_image_rm},
    {"gc", "remove blobs and layers no image uses", cmd_image_gc},
    {"build", "build a minimal app runtime from host programs", cmd_image_build},
    {"export", "write an image as an OCI layout or a docker-archive", cmd_image_export},
    {"bundle", "make an OCI bundle (rootfs and config.json) from an image", cmd_image_bundle},
    {"unbundle", "unmount and remove a bundle made by bundle", cmd_image_unbundle},
};

int cmd_image(struct zone_ctx *ctx, int argc, char **argv)
{
        return cli_group(ctx, "image", NULL, subcommands,
                         sizeof(subcommands) / sizeof(subcommands[0]), argc, argv);
}
