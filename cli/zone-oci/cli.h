/* zone-oci: the OCI runtime command line (runc/crun compatible). This folder parses and
 * prints; libzone decides and does. */
#pragma once

#include <stdbool.h>

#include "zone.h"

#include "cli/common/args.h"

int cmd_create(struct zone_ctx *ctx, int argc, char **argv);
int cmd_start(struct zone_ctx *ctx, int argc, char **argv);
int cmd_run(struct zone_ctx *ctx, int argc, char **argv);
int cmd_state(struct zone_ctx *ctx, int argc, char **argv);
int cmd_kill(struct zone_ctx *ctx, int argc, char **argv);
int cmd_delete(struct zone_ctx *ctx, int argc, char **argv);
int cmd_exec(struct zone_ctx *ctx, int argc, char **argv);
int cmd_list(struct zone_ctx *ctx, int argc, char **argv);
int cmd_ps(struct zone_ctx *ctx, int argc, char **argv);
int cmd_spec(struct zone_ctx *ctx, int argc, char **argv);
int cmd_features(struct zone_ctx *ctx, int argc, char **argv);
int cmd_pause(struct zone_ctx *ctx, int argc, char **argv);
int cmd_resume(struct zone_ctx *ctx, int argc, char **argv);
int cmd_update(struct zone_ctx *ctx, int argc, char **argv);
int cmd_events(struct zone_ctx *ctx, int argc, char **argv);
