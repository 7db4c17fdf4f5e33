/* The backend interface: one table of operations per engine, chosen by the zone's type. The
 * generic lifecycle (container.c) owns the state store, ids, pid files and the hooks the
 * runtime runs itself; a backend only makes, starts, signals and waits for its zone. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "spec.h"
#include "state.h"
#include "zone.h"

/* One zone being worked on. */
struct zone_backend;
struct zone_stats;

struct zone {
        const struct zone_ctx *ctx;
        const struct zone_backend *backend;
        struct zone_spec *spec;
        struct zone_entry *entry; /* the locked state directory */
        struct zone_state *state;
        const char *bundle; /* absolute */
        char *rootfs;       /* absolute, resolved */
        const char *console_socket;
        int preserve_fds;
        bool no_pivot;
        bool run_now;               /* run: no exec fifo, started by the creator directly */
        int sync_fd;                /* creator <-> zone process while creating (backend's) */
        int pidfd;                  /* of state->pid, while the creator holds it */
        int tty_master;             /* run without console socket: the terminal to relay */
        struct zone_cgroup *cgroup; /* the zone's cgroup: made by create, opened by the others */
};

struct zone_backend {
        const char *name;
        /* Makes the zone's process up to the point where only `start` is missing; fills
         * z->state->pid. On error leaves nothing behind. */
        int (*create)(struct zone *z, struct zone_err **err);
        /* Releases the created process (from another invocation: via the state dir). */
        int (*start)(struct zone *z, struct zone_err **err);
        int (*kill)(struct zone *z, int sig, bool all, struct zone_err **err);
        int (*exec)(struct zone *z, const struct zone_exec_opts *opts, pid_t *ret_pid,
                    int *ret_tty_master, struct zone_err **err);
        int (*pids)(struct zone *z, pid_t **ret, size_t *ret_n, struct zone_err **err);
        /* Pauses or resumes a running zone. NULL: its cgroup is frozen or thawed. */
        int (*pause)(struct zone *z, bool paused, struct zone_err **err);
        /* Resource usage of a zone that is not stopped (stats.h). */
        int (*stats)(struct zone *z, struct zone_stats *ret, struct zone_err **err);
        /* Frees what the zone holds on the host once its processes are gone. */
        int (*destroy)(struct zone *z, struct zone_err **err);
        /* The limits the zone's cgroup gets, when they are not the config's own: a VM's
         * cgroup holds its VMM besides the guest's RAM. Fills *ret (lists shared with res).
         * NULL: the config's. */
        int (*host_resources)(const struct zone_spec_resources *res,
                              struct zone_spec_resources *ret, struct zone_err **err);
        /* The memory limit was fixed when the zone was made (a VM's RAM): update refuses it. */
        bool memory_fixed;
};

extern const struct zone_backend zone_backend_light;
/* One backend, two types: QEMU with KVM ("vm") or with TCG ("emulated"). */
extern const struct zone_backend zone_backend_vm, zone_backend_emulated;

/* Opens the store and a zone in it (locked) with its state, config and backend. On error
 * nothing stays open; either way zone_close() is the way out. */
int zone_open(const struct zone_ctx *ctx, const char *id, struct zone_store **store, struct zone *z,
              struct zone_err **err);
void zone_close(struct zone *z, struct zone_store *store);
const struct zone_backend *zone_backend_for(const char *type);
