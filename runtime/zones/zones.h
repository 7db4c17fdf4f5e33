/* Zones as people manage them (`zone create/config/boot/halt/rm/run/ls/inspect/logs`): a
 * persistent definition per zone, its bundle made from an image, and the monitor that runs it.
 *
 * A zone named NAME is the libzone zone with id NAME in the state root (zone_ctx.root); its
 * definition and everything else that outlives a run lives in DATA_ROOT/zones/NAME/:
 *
 *   zone.conf      the definition: `key = value` lines, one per option (lists repeat the key),
 *                  written atomically (temporary file + rename)
 *   image.json     the config.json the image gave the bundle, kept to build each boot's config
 *   bundle/        rootfs (the image's overlay) and config.json (image.json + the definition),
 *                  made by images/bundle.h; its presence makes the zone *installed*
 *   log, log.1 ..  the zone's stdout and stderr as its monitor saw them, rotated by size
 *   run            the current or last run: started (epoch seconds), runs, restarts
 *   exit           the last run's end: status, finished (epoch seconds), error (when it failed
 *                  to start)
 *   stop           present while a halt asked the zone to stop: its monitor does not restart it
 *   monitor.lock   flock'ed by the zone's monitor for its whole life: a free lock means no monitor
 *   monitor.pid    the monitor's pid (for people and tests; the lock is what the code trusts)
 *   lock           flock'ed by commands that change the zone (create, boot, halt, rm, config set)
 *   net            a bridge-mode boot's network: root (the net root), network, and for a VM
 *                  zone netns (the named namespace runtime/zones made and attached); removed
 *                  when the zone's network is released (halt, rm, the end of a foreground run)
 *
 * States: configured (definition only) -> installed (bundle made) -> running (libzone says so)
 * -> installed again once halted or exited. Functions return 0 or a negative errno and fill
 * err; nothing here prints. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "zone.h"

struct zone_spec;
struct zone_spec_user;

#define ZONES_DATA_ROOT     "/var/lib/zone"
#define ZONES_CGROUP_PARENT "/zone"
#define ZONES_LOG_SIZE      (1u << 20)
#define ZONES_LOG_FILES     3
#define ZONES_MONITOR_NAME  "zone-monitor"
#define ZONES_FOLLOW_NAME   "zone-monitor-follow"
#define ZONES_HALT_TIME     10
#define ZONES_NET_HOOK_NAME "zone-net-hook"

/* Where and how: the libzone context (state root), the data root, the programs to start. */
struct zones_ctx {
        const struct zone_ctx *zctx;
        const char *data_root;     /* NULL: ZONES_DATA_ROOT */
        const char *monitor_path;  /* the zone-monitor program boot starts */
        const char *zone_path;     /* the zone program (a --rm zone's monitor runs `zone rm`) */
        const char *net_hook_path; /* zone-net-hook: a light zone's createRuntime/poststop hook */
};

enum zones_restart { ZONES_RESTART_NO, ZONES_RESTART_ON_FAILURE, ZONES_RESTART_ALWAYS };

/* A zone's definition: what zone.conf holds. Strings are owned; NULL means unset. */
struct zones_def {
        char *name, *image, *type;
        char **command; /* after the image's Entrypoint, in place of its Cmd */
        char **env;     /* K=V */
        char **volumes; /* SRC:DST[:ro], SRC absolute */
        char **publish; /* -p specs (need --network bridge) */
        bool has_memory, has_cpus, has_pids_limit;
        int64_t memory;      /* bytes */
        uint64_t cpus_milli; /* CPUs x 1000 */
        int64_t pids_limit;
        bool read_only, auto_remove;
        char *user, *workdir, *hostname, *cgroup_parent;
        char *network;  /* NULL: bridge (the default network) */
        char *net_root; /* NULL: $ZONE_NET_ROOT, else netns/'s default */
        enum zones_restart restart;
        int restart_max; /* on-failure:N; 0 = no limit */
        uint64_t log_size;
        int log_files;
};

void zones_def_init(struct zones_def *d);
void zones_def_done(struct zones_def *d);

/* Sets one option by its zone.conf key ("memory", "env", ...) from text as the flags give it,
 * with the same checks as the flags: a list key appends. Errors name the key and the value
 * ("memory: invalid size \"12XB\": ..."). */
int zones_def_set(struct zones_def *d, const char *key, const char *value, struct zone_err **err);
/* Clears an option (a list key: the whole list), for `config set KEY=`. */
int zones_def_unset(struct zones_def *d, const char *key, struct zone_err **err);
/* Whether key names an option; whether it is a list. */
bool zones_key_known(const char *key, bool *is_list);
/* Reads the K=V lines of an env file (blank lines and # comments skipped) into d->env. */
int zones_def_env_file(struct zones_def *d, const char *path, struct zone_err **err);
/* Whether the zone is on a bridge (network unset, bridge or bridge:NETWORK). */
bool zones_def_bridge(const struct zones_def *d);
/* Checks what only the whole definition can tell (a type this host runs, -p without bridge). */
int zones_def_check(const struct zones_def *d, struct zone_err **err);
/* zone.conf text; the caller frees. */
char *zones_def_format(const struct zones_def *d);
int zones_def_parse(const char *text, const char *what, struct zones_def *d, struct zone_err **err);

/* Paths and small records (zones_files.c). */
const char *zones_data_root(const struct zones_ctx *c);
/* DATA_ROOT/zones/NAME[/file]; the caller frees. */
char *zones_path(const struct zones_ctx *c, const char *name, const char *file);
int zones_def_load(const struct zones_ctx *c, const char *name, struct zones_def *d,
                   struct zone_err **err);
int zones_def_save(const struct zones_ctx *c, const struct zones_def *d, struct zone_err **err);
/* A `key = value` record file (run, exit) read into a value by key: NULL when absent. */
char *zones_record_get(const struct zones_ctx *c, const char *name, const char *file,
                       const char *key);
/* Whether the zone's monitor is alive (its lock is held). */
bool zones_monitor_alive(const struct zones_ctx *c, const char *name);
/* libzone's status of the zone ("running", "created", "paused", "stopped", "creating") and
 * its init pid; NULL when libzone has no such zone. */
const char *zones_libzone_status(const struct zones_ctx *c, const char *name, pid_t *ret_pid);

/* The config.json of a boot: the image's config with the definition applied (zones_spec.c). */
int zones_spec_apply(const struct zones_def *d, const char *rootfs, struct zone_spec *spec,
                     struct zone_err **err);
/* Writes DIR/bundle/config.json from DIR/image.json and the definition (terminal: for a
 * foreground run with -t). */
int zones_write_config(const struct zones_ctx *c, const struct zones_def *d, bool terminal,
                       struct zone_err **err);

/* The zone's network (zones_net.c). A light zone on a bridge gets zone-net-hook as its
 * createRuntime and poststop hook (libzone runs them at every create and delete, so a restart
 * re-attaches and a delete detaches); a VM zone gets a named network namespace
 * (NET_ROOT/netns/NAME, a bind mount) made and attached here, which its config names by path.
 * zones_net_prepare runs before each boot's config is written (it records the `net` file);
 * zones_net_release undoes what a boot made (no record: nothing to do). */
int zones_net_check(const struct zones_def *d, struct zone_err **err);
/* Whether a zone on a bridge can publish its ports now (no other zone has them, no program
 * of this namespace is bound to them): run and boot ask before they make anything, so a port
 * that is taken is one line and leaves nothing. */
int zones_net_ports_check(const struct zones_def *d, struct zone_err **err);
int zones_net_prepare(const struct zones_ctx *c, const struct zones_def *d, struct zone_err **err);
int zones_net_release(const struct zones_ctx *c, const char *name, struct zone_err **err);
/* Applies the network to a boot's config: namespace, hooks, annotations. */
int zones_net_spec(const struct zones_ctx *c, const struct zones_def *d, struct zone_spec *spec,
                   struct zone_err **err);
/* u from `zone exec -u USER[:GROUP]` with names (zones_user.c): looked up in the running
 * zone's own /etc/passwd and /etc/group (a light zone's through /proc/PID/root, a VM zone's in
 * its bundle's root), the user's supplementary groups with it. */
int zones_exec_user(const struct zone_ctx *ctx, const char *id, const char *user,
                    struct zone_spec_user *u, struct zone_err **err);
/* `zone net gc`'s part for VM zones: unmounts and removes the named namespaces under
 * NET_ROOT/netns whose zone is not running (no live libzone zone of that name in this state
 * root, no monitor holding its lock, no process in the namespace), as a VM zone whose monitor
 * was SIGKILLed leaves them; *ret_n says how many. Before zone_net_gc, which then finds their
 * leases dead. */
int zones_net_gc_netns(const struct zones_ctx *c, const char *net_root, size_t *ret_n,
                       struct zone_err **err);
/* `zone net ls --json`: an array of the networks under root (NULL: the default root), each
 * {name, bridge, subnet, gateway, leases: [{address, zone, state: live|gone}]}. */
int zones_net_list_json(const char *root, char **ret, struct zone_err **err);
/* The address the zone holds (its live lease), or NULL. */
char *zones_net_address(const struct zones_ctx *c, const char *name);
/* The type a boot of d gets: the definition's, else the image's label, else light. */
char *zones_effective_type(const struct zones_ctx *c, const struct zones_def *d);

/* The lifecycle (zones_life.c). */
/* Takes DATA_ROOT/zones/NAME/lock (exclusive, waiting): every change of a zone's definition or
 * life (boot, halt, rm, pause, resume) holds it, so they never interleave. *ret_fd holds the
 * lock until closed. An unknown zone (or one removed while we waited): "no zone named". */
int zones_lock(const struct zones_ctx *c, const char *name, int *ret_fd, struct zone_err **err);
/* Checks d, records it (configured) and installs it (bundle from the image); on failure
 * nothing is left. A NULL d->name gets a generated one. */
int zones_create(const struct zones_ctx *c, struct zones_def *d, struct zone_err **err);
/* Makes the bundle of a configured zone (installed). */
int zones_install(const struct zones_ctx *c, const char *name, struct zone_err **err);
/* Starts the zone's monitor, which runs it; returns once the zone runs (or failed to). */
int zones_boot(const struct zones_ctx *c, const char *name, struct zone_err **err);
/* SIGTERM to the zone's init, SIGKILL to all its processes after timeout seconds; returns
 * once the zone and its monitor are gone. Halting a zone that is not running is no error. */
int zones_halt(const struct zones_ctx *c, const char *name, int timeout, struct zone_err **err);
/* Removes the zone: its libzone zone, bundle (overlay), logs and definition. A running zone
 * needs force (halted with no grace time). */
int zones_remove(const struct zones_ctx *c, const char *name, bool force, struct zone_err **err);
/* Runs an installed zone in the foreground in this process (its stdio, terminal with
 * terminal set), records the run and its exit; *ret_status is the zone's exit status. */
int zones_run_foreground(const struct zones_ctx *c, const char *name, bool terminal,
                         bool interactive, int *ret_status, struct zone_err **err);
/* `config set`: applies KEY=VALUE pairs to the stored definition (a list key given again
 * in the same call adds, a first one replaces; an empty value clears). Checked as a whole
 * before anything is written. */
int zones_config_set(const struct zones_ctx *c, const char *name, char *const *pairs,
                     struct zone_err **err);

/* The everyday controls of a booted zone (zones_ctl.c). Each checks the state first: an unknown
 * zone or one in the wrong state is one error and nothing changes. */
/* sig to the zone's init (running, not paused); its exit is recorded and the restart policy
 * applies, as for any exit (halt is the stop that is not restarted). */
int zones_kill(const struct zones_ctx *c, const char *name, int sig, struct zone_err **err);
/* Freezes (paused) or thaws every process of the zone: a running zone, a paused one. */
int zones_pause(const struct zones_ctx *c, const char *name, bool paused, struct zone_err **err);
/* The processes of a running or paused zone (its cgroup), by host pid; user: the name (else
 * the number) of uid in the process's own root and user namespace. */
struct zones_proc {
        pid_t pid, ppid;
        uid_t uid;
        char *user, *command;
};
int zones_ps(const struct zones_ctx *c, const char *name, struct zones_proc **ret, size_t *ret_n,
             struct zone_err **err);
void zones_procs_free(struct zones_proc *p, size_t n);
/* zones_halt (a paused zone thawed first), then zones_boot: a new run, the same definition. */
int zones_reboot(const struct zones_ctx *c, const char *name, int timeout, struct zone_err **err);
/* Blocks until the zone is no longer running (libzone has it no more and no monitor is there
 * to restart it), then gives the last run's exit status; at once for a stopped zone. */
int zones_wait(const struct zones_ctx *c, const char *name, int *ret_status, struct zone_err **err);

/* What ls and inspect show (zones_info.c). */
struct zones_info {
        char *name, *image, *type, *state, *address;
        pid_t pid;
        int64_t started, finished; /* epoch seconds, 0 when unknown */
        bool has_exit;
        int exit_status, runs, restarts;
        bool monitor;
};
int zones_list(const struct zones_ctx *c, struct zones_info **ret, size_t *ret_n,
               struct zone_err **err);
int zones_info_get(const struct zones_ctx *c, const char *name, struct zones_info *ret,
                   struct zone_err **err);
void zones_info_done(struct zones_info *i);
/* ls --json: an array of objects; inspect: one object with the definition too. */
int zones_list_json(const struct zones_info *list, size_t n, char **ret, struct zone_err **err);
int zones_inspect_json(const struct zones_ctx *c, const char *name, char **ret,
                       struct zone_err **err);

/* Logs (zones_log.c). */
/* Writes the zone's log (oldest rotated file first) to out_fd; with follow, keeps writing
 * what is appended (across rotations) until the zone and its monitor are gone. */
int zones_logs(const struct zones_ctx *c, const char *name, int out_fd, bool follow,
               struct zone_err **err);

/* A log with size-based rotation: path, path.1 .. path.(files-1). */
struct zones_log_writer {
        int dirfd;
        int fd;
        uint64_t size, max_size;
        int files;
};
int zones_log_open(struct zones_log_writer *w, int dirfd, uint64_t max_size, int files,
                   struct zone_err **err);
/* zones_log_writer.c (libc only: zone-monitor-follow links it alone): open, 0 or -errno. */
int zones_log_writer_open(struct zones_log_writer *w, int dirfd, uint64_t max_size, int files);
int zones_log_write(struct zones_log_writer *w, const char *buf, size_t len);
void zones_log_close(struct zones_log_writer *w);

/* Following a running zone (zones_follow.c, libc only like the log writer: both the follower
 * and zone-monitor, when it has no follower, use it). */
/* Blocks SIGTERM, SIGINT, SIGHUP and SIGCHLD (the mask before in old, unless NULL); returns a
 * signalfd (close-on-exec, non-blocking) that reads them, or -1. */
int zones_follow_signals(sigset_t *old);
/* Reaps the children that are not the zone's init (orphans of its processes that came to the
 * child subreaper); 0 reaps every child. The init is reaped through its pidfd. */
void zones_follow_reap_others(pid_t init);
/* What is left on the zone's (non-blocking) output pipe, to the log. */
void zones_follow_drain(struct zones_log_writer *log, int fd);
/* Logs out (non-blocking) and reaps orphans until the init (pid, pidfd) exits; a stop signal
 * on sfd (from zones_follow_signals) sends the init SIGTERM and sets *stop. Returns the init's
 * exit status (128 + the signal that killed it). */
int zones_follow(struct zones_log_writer *log, int out, int pidfd, pid_t pid, int sfd, bool *stop);

/* How the monitor runs. While a zone runs, the monitor process is zone-monitor-follow
 * (cli/zone-monitor/follow.c: no libzone, no libc), exec'ed by zone-monitor with the fds it needs;
 * at the init's exit the follower execs zone-monitor back with after_exit and the rest. */
struct zones_monitor_opts {
        int report_fd;      /* gets "ok\n" once the zone runs, or the error's message; or -1 */
        const char *self;   /* this zone-monitor, for the follower to exec back */
        const char *follow; /* zone-monitor-follow, or NULL: the monitor follows the zone */
        /* --after-exit: the zone's init exited (status, when) while the follower ran it. */
        bool after_exit, stop; /* stop: the follower was asked to stop the zone (SIGTERM..) */
        int status;
        int64_t finished;
        int lock_fd, out_fd; /* monitor.lock (flock held) and the zone's output pipe */
        int runs, restarts;
};

/* The monitor's whole life (zones_monitor.c): runs the zone (restarting it as its policy
 * says), logs its output, records each exit, and returns once the zone is gone (or execs the
 * follower while the zone runs). Returns the exit code for the monitor program. */
int zones_monitor_main(const struct zones_ctx *c, const char *name,
                       const struct zones_monitor_opts *o);

/* `zone cp` (zones_cp.c): copies between the host and a zone, like podman cp. One of src and
 * dst is NAME:PATH (a colon before any slash), the other a host path, or "-": a tar stream
 * read from in_fd (extracted into a directory) or written to out_fd. Paths in the zone are
 * resolved inside its root (a running light zone's mount namespace through its init, else the
 * bundle's rootfs) and never followed out of it; a symlink at the destination is replaced,
 * never written through. Entries copied into a zone belong to its root user (out of it: to the
 * caller) unless archive keeps the source's ids; modes, times and symlinks are kept; devices,
 * fifos and sockets are skipped with a warning. A new file or directory is written under a
 * temporary name and renamed into place, so a failure leaves nothing half-written. */
struct zones_cp_opts {
        bool archive;
        int in_fd, out_fd;
};
int zones_cp(const struct zones_ctx *c, const char *src, const char *dst,
             const struct zones_cp_opts *o, struct zone_err **err);
