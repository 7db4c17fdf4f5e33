/* zone-oci: the OCI runtime command line (runc/crun compatible). This folder parses and
 * prints; libzone decides and does. */
#pragma once

#include <stdbool.h>

#include "zone.h"

/* One option of a command. Long names are accepted with one or two dashes (as runc does),
 * values as "--name value" or "--name=value". */
enum opt_kind { OPT_BOOL, OPT_STRING, OPT_INT, OPT_LIST /* repeatable string */ };

struct opt {
        const char *name;
        char short_name;
        enum opt_kind kind;
        void *value; /* bool *, const char **, int *, char *** */
        const char *help;
};

/* Parses options until the first positional argument (or "--"); returns the index of the
 * first positional, or -1 after printing an error. */
int cli_parse(const char *cmd, const struct opt *opts, int argc, char **argv);
/* Checks the positional count; prints "zone-oci CMD: ..." and returns -1 when wrong. */
int cli_positionals(const char *cmd, const char *usage, int have, int min, int max);
void cli_usage(const char *cmd, const char *usage, const struct opt *opts);
/* Prints the error once, prefixed with the program name, and logs it; returns the exit code. */
int cli_fail(const struct zone_ctx *ctx, struct zone_err *err);

struct cli_cmd {
        const char *name;
        const char *summary;
        int (*run)(struct zone_ctx *ctx, int argc, char **argv);
};

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
