/* zone: the people-facing command line. This folder parses and prints; libzone and the image
 * library (images/) decide and do. */
#pragma once

#include "cli/common/args.h"

/* zone image SUBCOMMAND: the image store (image.c dispatches to image_*.c). */
int cmd_image(struct zone_ctx *ctx, int argc, char **argv);

/* The subcommands of zone image (image_*.c). */
int cmd_image_import(struct zone_ctx *ctx, int argc, char **argv);
int cmd_image_ls(struct zone_ctx *ctx, int argc, char **argv);
int cmd_image_inspect(struct zone_ctx *ctx, int argc, char **argv);
int cmd_image_rm(struct zone_ctx *ctx, int argc, char **argv);
int cmd_image_gc(struct zone_ctx *ctx, int argc, char **argv);
int cmd_image_build(struct zone_ctx *ctx, int argc, char **argv);
int cmd_image_export(struct zone_ctx *ctx, int argc, char **argv);
int cmd_image_bundle(struct zone_ctx *ctx, int argc, char **argv);
int cmd_image_unbundle(struct zone_ctx *ctx, int argc, char **argv);

/* zone net SUBCOMMAND: networks and leases (net.c dispatches to net_*.c). */
int cmd_net(struct zone_ctx *ctx, int argc, char **argv);
int cmd_net_ls(struct zone_ctx *ctx, int argc, char **argv);
int cmd_net_create(struct zone_ctx *ctx, int argc, char **argv);
int cmd_net_rm(struct zone_ctx *ctx, int argc, char **argv);
int cmd_net_gc(struct zone_ctx *ctx, int argc, char **argv);

/* The data root (--data-root, default /var/lib/zone) the image commands use. */
extern const char *cli_data_root;
