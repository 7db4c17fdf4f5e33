/* Command-line parsing and error printing shared by the zone and zone-oci front ends. */
#pragma once

#include <stdbool.h>

#include "zone.h"

/* The program's name in messages ("zone-oci"); each front end's main sets it. */
extern const char *cli_program;

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
/* Checks the positional count; prints "PROGRAM CMD: ..." and returns -1 when wrong. */
int cli_positionals(const char *cmd, const char *usage, int have, int min, int max);
void cli_usage(const char *cmd, const char *usage, const struct opt *opts);
/* A command's arguments, as every command takes them: cli_parse, then --help (the OPT_BOOL
 * option named "help": usage printed) and the positional count (cli_positionals). Returns the
 * index of the first positional, or -1 when the command is done, with its exit code in *rc
 * (0 after --help, 1 after an error, printed). */
int cli_args(const char *cmd, const char *usage, const struct opt *opts, int min, int max, int argc,
             char **argv, int *rc);
/* Prints the error once, prefixed with the program name, and logs it; returns the exit code. */
int cli_fail(const struct zone_ctx *ctx, struct zone_err *err);

/* One command (or subcommand) of a front end, for its dispatch table. */
struct cli_cmd {
        const char *name;
        const char *summary;
        int (*run)(struct zone_ctx *ctx, int argc, char **argv);
};

/* A command group (`zone image`, `zone net`): runs the subcommand argv[0] names, or prints the
 * group's usage (about, when not NULL, as a paragraph before the table). Returns the exit
 * code. */
int cli_group(struct zone_ctx *ctx, const char *group, const char *about,
              const struct cli_cmd *cmds, size_t n, int argc, char **argv);
