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

/* The zone lifecycle commands (issue 8): one file each. */
#include "zones/zones.h"
int cmd_create(struct zone_ctx *ctx, int argc, char **argv);
int cmd_config(struct zone_ctx *ctx, int argc, char **argv);
int cmd_boot(struct zone_ctx *ctx, int argc, char **argv);
int cmd_halt(struct zone_ctx *ctx, int argc, char **argv);
int cmd_rm(struct zone_ctx *ctx, int argc, char **argv);
int cmd_run(struct zone_ctx *ctx, int argc, char **argv);
int cmd_ls(struct zone_ctx *ctx, int argc, char **argv);
int cmd_inspect(struct zone_ctx *ctx, int argc, char **argv);
int cmd_logs(struct zone_ctx *ctx, int argc, char **argv);
/* zone cp (cp.c). */
int cmd_cp(struct zone_ctx *ctx, int argc, char **argv);

/* The zones library's context for this invocation: state root, --data-root, the monitor
 * program (beside this one, or $ZONE_MONITOR) and this program's path (create.c). */
void cli_zones_ctx(const struct zone_ctx *ctx, struct zones_ctx *ret);
/* Runs fn(zones context, NAME, arg) for each of the n names, every one even after a failure
 * (its error printed); the exit code: 0, or 1 when one failed (create.c). */
typedef int (*cli_zone_fn)(const struct zones_ctx *c, const char *name, int arg,
                           struct zone_err **err);
int cli_each_zone(struct zone_ctx *ctx, int n, char **names, cli_zone_fn fn, int arg);

/* A zone's options as create and run take them (create.c). */
struct cli_zone_flags {
        const char *type, *memory, *cpus, *pids_limit, *network, *user, *workdir, *hostname,
            *restart, *cgroup_parent, *log_size, *log_files, *net_root;
        char **env, **env_file, **volume, **publish;
        bool read_only;
};
/* Fills o with the flags (not terminated) and returns how many. */
size_t cli_zone_flags(struct cli_zone_flags *f, struct opt *o);
int cli_zone_flags_apply(const struct cli_zone_flags *f, struct zones_def *d,
                         struct zone_err **err);
void cli_zone_flags_done(struct cli_zone_flags *f);
/* zone login, exec, stats, completion (login.c, exec.c, stats.c, completion.c). */
int cmd_login(struct zone_ctx *ctx, int argc, char **argv);
int cmd_exec(struct zone_ctx *ctx, int argc, char **argv);
int cmd_stats(struct zone_ctx *ctx, int argc, char **argv);
int cmd_completion(struct zone_ctx *ctx, int argc, char **argv);
/* zone kill, pause, resume, ps, reboot, wait (kill.c, pause.c, ps.c, reboot.c, wait.c). */
int cmd_kill(struct zone_ctx *ctx, int argc, char **argv);
int cmd_pause(struct zone_ctx *ctx, int argc, char **argv);
int cmd_resume(struct zone_ctx *ctx, int argc, char **argv);
int cmd_ps(struct zone_ctx *ctx, int argc, char **argv);
int cmd_reboot(struct zone_ctx *ctx, int argc, char **argv);
int cmd_wait(struct zone_ctx *ctx, int argc, char **argv);

/* One process to run in a running zone (exec.c): the zone's own process with these laid over
 * it. tty: a terminal relayed to the caller's; interactive: the caller's stdin (else
 * /dev/null). Returns the exit code for main (the process's status, or 1 after an error). */
struct cli_exec {
        const char *name;
        char **args;
        char **env; /* K=V, or K: the caller's value */
        const char *user, *cwd;
        bool tty, interactive;
};
int cli_zone_exec(struct zone_ctx *ctx, const char *cmd, const struct cli_exec *x);
