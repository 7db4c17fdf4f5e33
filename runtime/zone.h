/* libzone's public API: the operations of a zone's life, as the CLIs drive them. Every call
 * returns 0 or a negative errno and, on error, a zone_err the caller prints and frees. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "log.h"

struct zone_spec_process;
struct zone_spec_resources;

/* Options shared by every call; owned by the caller. */
struct zone_ctx {
        const char *root; /* state root, default /run/zone */
        struct zone_log log;
};

#define ZONE_DEFAULT_ROOT "/run/zone"

struct zone_create_opts {
        const char *id;
        const char *bundle;         /* default: current directory */
        const char *console_socket; /* for process.terminal */
        const char *pid_file;
        int preserve_fds; /* fds 3 .. 3+n-1 are passed to the zone's process */
        bool no_pivot;
        bool detach; /* run only: return once the zone is running */
        /* The zone's type (types.h), by precedence: type (--type) beats the config's
         * annotation org.zone.type, which beats program_type (the type the program's name
         * selects, e.g. zone-oci-vm); default light. NULL: that source says nothing. */
        const char *type;
        const char *program_type;
};

/* create: the zone's process is ready and waits for start. */
int zone_create(const struct zone_ctx *ctx, const struct zone_create_opts *opts,
                struct zone_err **err);
int zone_start(const struct zone_ctx *ctx, const char *id, struct zone_err **err);
/* create + start; unless opts->detach, waits for the zone's process, forwarding signals and
 * (without a console socket) relaying the terminal, deletes the zone and sets *ret_status to
 * the process's exit status (128 + signal when killed). */
int zone_run(const struct zone_ctx *ctx, const struct zone_create_opts *opts, int *ret_status,
             struct zone_err **err);
/* The OCI state document, pretty-printed. */
int zone_state(const struct zone_ctx *ctx, const char *id, char **ret_json, struct zone_err **err);
int zone_kill(const struct zone_ctx *ctx, const char *id, int sig, bool all, struct zone_err **err);
int zone_delete(const struct zone_ctx *ctx, const char *id, bool force, struct zone_err **err);
/* Freezes (pause) or thaws (resume) every process of a running zone through its cgroup. */
int zone_pause(const struct zone_ctx *ctx, const char *id, bool paused, struct zone_err **err);

/* Changes the resource limits of a created, running or paused zone (zone-oci update): only
 * the fields res has; 0 leaves a limit unchanged, as runc's update reads it. Every value is
 * checked before any is written. What the cgroup took is recorded in the zone's stored config,
 * so later updates and inspection see the current limits; when a write fails part-way the
 * error names what was applied and what was not, and the stored config has exactly the
 * applied part. */
int zone_update(const struct zone_ctx *ctx, const char *id, const struct zone_spec_resources *res,
                struct zone_err **err);

struct zone_exec_opts {
        const char *id;
        const struct zone_spec_process *process;
        const char *console_socket;
        const char *pid_file;
        int preserve_fds;
        bool detach;
};
/* Runs one more process inside a running zone; like zone_run for waiting and status. */
int zone_exec(const struct zone_ctx *ctx, const struct zone_exec_opts *opts, int *ret_status,
              struct zone_err **err);
/* The process a zone was created with (for exec's defaults); caller frees with
 * zone_spec_process_done + free. */
int zone_config_process(const struct zone_ctx *ctx, const char *id, struct zone_spec_process **ret,
                        struct zone_err **err);

struct zone_info {
        char *id;
        pid_t pid;
        const char *status;
        char *bundle;
        char *created;
        char *owner;
        char *type; /* the backend's name: light, vm, emulated */
};
int zone_list(const struct zone_ctx *ctx, struct zone_info **ret, size_t *ret_n,
              struct zone_err **err);
void zone_info_free(struct zone_info *list, size_t n);

/* Host pids of the processes in a zone, sorted. */
int zone_pids(const struct zone_ctx *ctx, const char *id, pid_t **ret, size_t *ret_n,
              struct zone_err **err);
