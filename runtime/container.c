/* The lifecycle every backend shares: ids, the state store, config loading, pid files, the
 * hooks the runtime runs itself (poststart, poststop), and the rules of which operation is
 * allowed in which state. Backends only make, start, signal and join zones. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../hooks/hooks.h"
#include "backend.h"
#include "cgroups/cgroup.h"
#include "supervise.h"
#include "types.h"
#include "util.h"

#define CONFIG_MAX (16u << 20)

static int destroy_loaded(struct zone *z, struct zone_err **err);

const struct zone_backend *zone_backend_for(const char *type)
{
        if (!type || strcmp(type, "light") == 0)
                return &zone_backend_light;
        if (strcmp(type, "vm") == 0)
                return &zone_backend_vm;
        if (strcmp(type, "emulated") == 0)
                return &zone_backend_emulated;
        return NULL;
}

static void zone_done(struct zone *z)
{
        zone_spec_free(z->spec);
        zone_state_free(z->state);
        zone_entry_close(z->entry);
        zone_cgroup_free(z->cgroup);
        free(z->rootfs);
        closep(&z->sync_fd);
        closep(&z->pidfd);
        closep(&z->tty_master);
        memset(z, 0, sizeof(*z));
        z->sync_fd = z->pidfd = z->tty_master = -1;
}

static void zone_init(struct zone *z, const struct zone_ctx *ctx)
{
        memset(z, 0, sizeof(*z));
        z->ctx = ctx;
        z->sync_fd = z->pidfd = z->tty_master = -1;
}

/* What marks a zone's cgroup directories as its own: its id and the nanosecond it was
 * created, which no other zone shares. */
static char *cgroup_owner(const struct zone_state *state)
{
        char *s = NULL;
        return asprintf(&s, "%s %s", state->id, state->created) < 0 ? NULL : s;
}

/* The cgroup of a zone loaded from its state. One whose creator died before it had a process
 * ("creating") takes only directories carrying its mark: the path may be another zone's by
 * now. */
static int open_zone_cgroup(const struct zone_state *state, struct zone_cgroup **ret,
                            struct zone_err **err)
{
        if (zone_state_status(state) != ZONE_STATUS_CREATING)
                return zone_cgroup_open(state->cgroup_path, ret, err);
        _cleanup_free_ char *owner = cgroup_owner(state);
        if (!owner)
                return zone_err_sys(err, -ENOMEM, "open cgroup %s", state->cgroup_path);
        return zone_cgroup_open_owned(state->cgroup_path, owner, ret, err);
}

static int open_store(const struct zone_ctx *ctx, struct zone_store **ret, struct zone_err **err)
{
        return zone_store_open(ctx->root ? ctx->root : ZONE_DEFAULT_ROOT, ret, err);
}

static int open_zone(const struct zone_ctx *ctx, const char *id, bool lock,
                     struct zone_store **store, struct zone *z, struct zone_err **err)
{
        zone_init(z, ctx);
        *store = NULL;
        int r = zone_id_validate(id, err);
        if (r >= 0)
                r = open_store(ctx, store, err);
        if (r >= 0)
                r = lock ? zone_entry_open(*store, id, &z->entry, err)
                         : zone_entry_open_unlocked(*store, id, &z->entry, err);
        if (r >= 0)
                r = zone_entry_read_state(z->entry, &z->state, err);
        if (r >= 0)
                r = zone_entry_read_config(z->entry, &z->spec, err);
        if (r >= 0 && !(z->backend = zone_backend_for(z->state->type)))
                r = zone_err_set(err, -EINVAL, "container \"%s\": unknown type \"%s\"", id,
                                 z->state->type);
        if (r < 0)
                zone_done(z);
        return r;
}

int zone_open(const struct zone_ctx *ctx, const char *id, struct zone_store **store, struct zone *z,
              struct zone_err **err)
{
        return open_zone(ctx, id, true, store, z, err);
}

void zone_close(struct zone *z, struct zone_store *store)
{
        zone_done(z);
        zone_store_close(store);
}

static int write_pid_file(const char *path, pid_t pid, struct zone_err **err)
{
        if (!path)
                return 0;
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
        int r = write_file_atomic_at(AT_FDCWD, path, buf, (size_t)n, 0644);
        return r < 0 ? zone_err_sys(err, r, "write pid file %s", path) : 0;
}

/* Makes a path given relative to the caller's directory absolute (the runtime later works
 * from the bundle directory). */
static char *absolute(const char *path)
{
        if (!path)
                return NULL;
        if (path[0] == '/')
                return strdup(path);
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof(cwd)))
                return NULL;
        char *abs = NULL;
        return asprintf(&abs, "%s/%s", cwd, path) < 0 ? NULL : abs;
}

static void run_warning_hooks(struct zone *z, enum zone_hook_kind kind, enum zone_status status)
{
        if (!z->spec->hooks.n[kind])
                return;
        _cleanup_err_ struct zone_err *err = NULL;
        _cleanup_free_ char *json = NULL;
        if (zone_state_oci_json(z->state, status, z->spec, false, &json, &err) >= 0)
                zone_hooks_run(kind, z->spec->hooks.list[kind], z->spec->hooks.n[kind], json,
                               &z->ctx->log, &err);
        /* The spec makes poststart and poststop failures warnings, not errors. */
        if (err)
                zone_warn(&z->ctx->log, "%s", err->msg);
}

/* Everything create and run share: the zone made up to "created", its state written. */
static int create_zone(const struct zone_ctx *ctx, const struct zone_create_opts *opts,
                       bool run_now, struct zone_store **store, struct zone *z,
                       struct zone_err **err)
{
        zone_init(z, ctx);
        int r = zone_id_validate(opts->id, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *bundle = realpath(opts->bundle ? opts->bundle : ".", NULL);
        if (!bundle)
                return zone_err_sys(err, -errno, "bundle %s", opts->bundle ? opts->bundle : ".");
        _cleanup_close_ int bfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (bfd < 0)
                return zone_err_sys(err, -errno, "bundle %s", bundle);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        r = read_file_at(bfd, "config.json", CONFIG_MAX, &text, &len);
        if (r < 0)
                return zone_err_sys(err, r, "config.json in bundle %s", bundle);
        r = zone_spec_parse(text, len, "config.json", &z->spec, err);
        if (r < 0)
                return r;
        if (!z->spec->has_process)
                return zone_err_set(err, -EINVAL, "config.json: process: required to run a zone");
        if (!z->spec->root.path)
                return zone_err_set(err, -EINVAL, "config.json: root.path: required");
        if (z->spec->root.path[0] == '/')
                z->rootfs = realpath(z->spec->root.path, NULL);
        else {
                _cleanup_free_ char *joined = NULL;
                if (asprintf(&joined, "%s/%s", bundle, z->spec->root.path) < 0)
                        return zone_err_sys(err, -ENOMEM, "root.path");
                z->rootfs = realpath(joined, NULL);
        }
        struct stat st;
        if (!z->rootfs || stat(z->rootfs, &st) < 0)
                return zone_err_sys(err, -errno, "root.path %s", z->spec->root.path);
        if (!S_ISDIR(st.st_mode))
                return zone_err_sys(err, -ENOTDIR, "root.path %s", z->spec->root.path);
        /* The type is settled, and the host checked for it (e.g. /dev/kvm for vm), before
         * anything of the zone exists. */
        struct zone_type_choice type = zone_type_choose(
            opts->type, zone_spec_annotation(z->spec, ZONE_TYPE_ANNOTATION), opts->program_type,
            zone_spec_annotation(z->spec, ZONE_IMAGE_TYPE_ANNOTATION));
        if ((r = zone_type_validate(type, err)) < 0 ||
            (r = zone_type_check_host(type.type, err)) < 0)
                return r;
        const struct zone_backend *backend = zone_backend_for(type.type);
        const struct zone_spec_resources *res =
            z->spec->linux.resources.present ? &z->spec->linux.resources : NULL;
        struct zone_spec_resources host_res;
        if (res && backend->host_resources) {
                if ((r = backend->host_resources(res, &host_res, err)) < 0)
                        return r;
                res = &host_res;
        }

        _cleanup_free_ char *cgroup_path = NULL, *owner = NULL;
        if ((r = zone_cgroup_path(z->spec, opts->id, &cgroup_path, err)) < 0)
                return r;

        if ((r = open_store(ctx, store, err)) < 0)
                return r;
        if ((r = zone_entry_create(*store, opts->id, &z->entry, err)) < 0)
                return r;
        z->state = calloc(1, sizeof(*z->state));
        if (!z->state) {
                r = zone_err_sys(err, -ENOMEM, "create");
                goto fail;
        }
        z->state->id = strdup(opts->id);
        z->state->type = strdup(backend->name);
        z->state->bundle = strdup(bundle);
        z->state->rootfs = strdup(z->rootfs);
        z->state->created = zone_now_rfc3339();
        z->state->owner = strdup("");
        z->state->cgroup_path = strdup(cgroup_path);
        if (!z->state->id || !z->state->type || !z->state->bundle || !z->state->rootfs ||
            !z->state->created || !z->state->owner || !z->state->cgroup_path) {
                r = zone_err_sys(err, -ENOMEM, "create");
                goto fail;
        }
        if ((r = zone_entry_write_config(z->entry, text, len, err)) < 0)
                goto fail;
        /* A "creating" state (pid 0) names the cgroup before it exists: if this process dies
         * from here on, delete finds the cgroup, and whatever of the zone is in it, through
         * the state. */
        if ((r = zone_entry_write_state(z->entry, z->state, err)) < 0)
                goto fail;
        /* The cgroup exists, with its limits, before any of the zone's processes does. */
        owner = cgroup_owner(z->state);
        if (!owner) {
                r = zone_err_sys(err, -ENOMEM, "create");
                goto fail;
        }
        if ((r = zone_cgroup_create(cgroup_path, res, owner, &z->cgroup, err)) < 0)
                goto fail;
        z->bundle = z->state->bundle;
        z->console_socket = opts->console_socket;
        z->preserve_fds = opts->preserve_fds;
        z->no_pivot = opts->no_pivot;
        z->run_now = run_now;
        /* Relative bind sources and hooks see the bundle as their directory, as in runc. */
        if (chdir(bundle) < 0) {
                r = zone_err_sys(err, -errno, "chdir to bundle %s", bundle);
                goto fail;
        }
        z->backend = backend;
        if ((r = backend->create(z, err)) < 0)
                goto fail;
        if ((r = zone_entry_write_state(z->entry, z->state, err)) < 0)
                goto fail_process;
        return 0;

fail_process:
        backend->kill(z, SIGKILL, false, NULL);
        if (z->state->pid > 0)
                waitpid(z->state->pid, NULL, 0);
fail:
        if (z->cgroup)
                zone_cgroup_destroy(z->cgroup, NULL);
        zone_entry_remove(z->entry, NULL);
        z->entry = NULL;
        return r;
}

int zone_create(const struct zone_ctx *ctx, const struct zone_create_opts *opts,
                struct zone_err **err)
{
        struct zone_store *store = NULL;
        struct zone z;
        _cleanup_free_ char *pid_file = absolute(opts->pid_file);
        _cleanup_free_ char *console = absolute(opts->console_socket);
        struct zone_create_opts o = *opts;
        o.pid_file = pid_file;
        o.console_socket = console;
        int r = create_zone(ctx, &o, false, &store, &z, err);
        if (r >= 0 && (r = write_pid_file(pid_file, z.state->pid, err)) < 0)
                destroy_loaded(&z, NULL);
        if (r < 0 && err && *err)
                zone_err_wrap(err, "create \"%s\"", opts->id);
        zone_done(&z);
        zone_store_close(store);
        return r;
}

static int start_loaded(struct zone *z, struct zone_err **err)
{
        int r = z->backend->start(z, err);
        if (r < 0)
                return r;
        z->state->started = true;
        r = zone_entry_write_state(z->entry, z->state, err);
        if (r < 0)
                return r;
        run_warning_hooks(z, ZONE_HOOK_POSTSTART, ZONE_STATUS_RUNNING);
        return 0;
}

int zone_start(const struct zone_ctx *ctx, const char *id, struct zone_err **err)
{
        struct zone_store *store;
        struct zone z;
        int r = zone_open(ctx, id, &store, &z, err);
        if (r >= 0) {
                enum zone_status st = zone_state_status(z.state);
                if (st != ZONE_STATUS_CREATED)
                        r = zone_err_set(err, -EINVAL,
                                         "container \"%s\" is %s, not created: cannot start it", id,
                                         zone_status_name(st));
                else
                        r = start_loaded(&z, err);
        }
        zone_close(&z, store);
        return r;
}

/* Waits (up to timeout_ms) until a process that may not be our child is gone. */
static bool wait_gone(pid_t pid, uint64_t start, int timeout_ms)
{
        _cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0 || zone_pid_start_time(pid) != start)
                return true;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) <= 0)
                return false;
        waitpid(pid, NULL, WNOHANG); /* reap it if it is ours */
        return true;
}

/* Stops what is left of a zone and removes it: processes, poststop hooks, backend resources,
 * state. The entry is consumed. */
static int destroy_loaded(struct zone *z, struct zone_err **err)
{
        if (!z->cgroup && z->state->cgroup_path)
                open_zone_cgroup(z->state, &z->cgroup, NULL);
        /* Frozen processes do not die (cgroup v1): thaw first. */
        if (z->cgroup)
                zone_cgroup_freeze(z->cgroup, false, NULL);
        /* A zone whose creator died has pid 0 in its state: its processes, if any, are
         * found through the cgroup below, never by a pid. */
        if (z->state->pid > 0 && zone_state_status(z->state) != ZONE_STATUS_STOPPED) {
                z->backend->kill(z, SIGKILL, true, NULL);
                z->backend->kill(z, SIGKILL, false, NULL);
                if (!wait_gone(z->state->pid, z->state->pid_start, 10000))
                        return zone_err_set(err, -EBUSY,
                                            "container \"%s\": process %d does not die",
                                            z->state->id, (int)z->state->pid);
        }
        run_warning_hooks(z, ZONE_HOOK_POSTSTOP, ZONE_STATUS_STOPPED);
        int r = z->backend->destroy(z, err);
        /* Whatever is left in the cgroup goes with it. */
        if (r >= 0 && z->cgroup)
                r = zone_cgroup_destroy(z->cgroup, err);
        if (r < 0)
                return r;
        return zone_entry_remove(steal_pointer(&z->entry), err);
}

int zone_run(const struct zone_ctx *ctx, const struct zone_create_opts *opts, int *ret_status,
             struct zone_err **err)
{
        struct zone_store *store = NULL;
        struct zone z;
        _cleanup_free_ char *pid_file = absolute(opts->pid_file);
        _cleanup_free_ char *console = absolute(opts->console_socket);
        _cleanup_free_ char *id = strdup(opts->id ? opts->id : "");
        struct zone_create_opts o = *opts;
        o.pid_file = pid_file;
        o.console_socket = console;
        _cleanup_err_ struct zone_err *derr = NULL;
        sigset_t old;
        if (!opts->detach)
                zone_supervise_block_signals(&old);
        int r = create_zone(ctx, &o, !opts->detach, &store, &z, err);
        if (r < 0)
                goto out;
        if ((r = write_pid_file(pid_file, z.state->pid, err)) < 0 ||
            (r = start_loaded(&z, err)) < 0) {
                destroy_loaded(&z, NULL);
                goto out;
        }
        if (opts->detach)
                goto out;
        /* Let state, kill and exec from other invocations in while the zone runs. */
        pid_t pid = z.state->pid;
        zone_entry_close(steal_pointer(&z.entry));
        int status = 0;
        r = zone_supervise(pid, z.tty_master, &status, err);
        if (zone_entry_open(store, id, &z.entry, &derr) >= 0)
                destroy_loaded(&z, &derr);
        if (derr)
                zone_warn(&ctx->log, "%s", derr->msg);
        if (r >= 0)
                *ret_status = status;
out:
        if (r < 0 && err && *err)
                zone_err_wrap(err, "run \"%s\"", id);
        zone_done(&z);
        zone_store_close(store);
        if (!opts->detach)
                sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

int zone_state(const struct zone_ctx *ctx, const char *id, char **ret_json, struct zone_err **err)
{
        struct zone_store *store;
        struct zone z;
        /* Not blocked by a create or delete in progress: a zone being made is "creating". */
        int r = open_zone(ctx, id, false, &store, &z, err);
        if (r >= 0)
                r = zone_state_oci_json(z.state, zone_state_status(z.state), z.spec, true, ret_json,
                                        err);
        zone_close(&z, store);
        return r;
}

int zone_kill(const struct zone_ctx *ctx, const char *id, int sig, bool all, struct zone_err **err)
{
        struct zone_store *store;
        struct zone z;
        int r = zone_open(ctx, id, &store, &z, err);
        enum zone_status st = r >= 0 ? zone_state_status(z.state) : ZONE_STATUS_STOPPED;
        if (r >= 0 && st == ZONE_STATUS_STOPPED)
                r = zone_err_set(err, -ESRCH, "container \"%s\" is not running", id);
        else if (r >= 0 && st == ZONE_STATUS_CREATING)
                /* No process to signal: its creator died before the state had one. */
                r = zone_err_set(err, -ESRCH,
                                 "container \"%s\" is creating (its creator died): delete it", id);
        else if (r >= 0)
                r = z.backend->kill(&z, sig, all, err);
        zone_close(&z, store);
        return r;
}

int zone_delete(const struct zone_ctx *ctx, const char *id, bool force, struct zone_err **err)
{
        struct zone_store *store;
        struct zone z;
        int r = zone_open(ctx, id, &store, &z, err);
        if (r >= 0) {
                enum zone_status st = zone_state_status(z.state);
                if ((st == ZONE_STATUS_RUNNING || st == ZONE_STATUS_PAUSED) && !force)
                        r = zone_err_set(err, -EBUSY,
                                         "container \"%s\" is %s: stop it first or use --force", id,
                                         zone_status_name(st));
                else
                        r = destroy_loaded(&z, err);
        } else if (r == -ENOENT && force && store) {
                /* --force also clears what a creator killed half-way left (a directory with
                 * no state; its process died with it), and a zone that is already gone is
                 * no error, as in runc. */
                struct zone_entry *e = NULL;
                if (err) {
                        zone_err_free(*err);
                        *err = NULL;
                }
                r = 0;
                if (zone_entry_open(store, id, &e, NULL) >= 0)
                        r = zone_entry_remove(e, err);
        }
        zone_close(&z, store);
        return r;
}

int zone_pause(const struct zone_ctx *ctx, const char *id, bool paused, struct zone_err **err)
{
        struct zone_store *store;
        struct zone z;
        int r = zone_open(ctx, id, &store, &z, err);
        enum zone_status want = paused ? ZONE_STATUS_RUNNING : ZONE_STATUS_PAUSED;
        if (r >= 0 && zone_state_status(z.state) != want)
                r = zone_err_set(err, -EINVAL, "container \"%s\" is %s, not %s: cannot %s it", id,
                                 zone_status_name(zone_state_status(z.state)),
                                 zone_status_name(want), paused ? "pause" : "resume");
        if (r >= 0 && z.backend->pause)
                r = z.backend->pause(&z, paused, err);
        else if (r >= 0 && (r = zone_cgroup_open(z.state->cgroup_path, &z.cgroup, err)) >= 0)
                r = zone_cgroup_freeze(z.cgroup, paused, err);
        if (r >= 0) {
                z.state->paused = paused;
                r = zone_entry_write_state(z.entry, z.state, err);
        }
        zone_close(&z, store);
        return r;
}

int zone_exec(const struct zone_ctx *ctx, const struct zone_exec_opts *opts, int *ret_status,
              struct zone_err **err)
{
        struct zone_store *store;
        struct zone z;
        _cleanup_free_ char *pid_file = absolute(opts->pid_file);
        _cleanup_free_ char *console = absolute(opts->console_socket);
        struct zone_exec_opts o = *opts;
        o.pid_file = pid_file;
        o.console_socket = console;
        sigset_t old;
        if (!opts->detach)
                zone_supervise_block_signals(&old);
        pid_t pid = -1;
        _cleanup_close_ int tty = -1;
        int r = zone_open(ctx, opts->id, &store, &z, err);
        if (r >= 0) {
                enum zone_status st = zone_state_status(z.state);
                if (st != ZONE_STATUS_RUNNING && st != ZONE_STATUS_CREATED)
                        r = zone_err_set(err, -ESRCH, "container \"%s\" is %s: cannot exec in it",
                                         opts->id, zone_status_name(st));
                else
                        r = z.backend->exec(&z, &o, &pid, &tty, err);
        }
        /* Let other invocations in while the process runs. */
        zone_entry_close(steal_pointer(&z.entry));
        if (r >= 0 && (r = write_pid_file(pid_file, pid, err)) < 0)
                kill(pid, SIGKILL);
        if (r >= 0 && !opts->detach)
                r = zone_supervise(pid, tty, ret_status, err);
        zone_close(&z, store);
        if (!opts->detach)
                sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

int zone_config_process(const struct zone_ctx *ctx, const char *id, struct zone_spec_process **ret,
                        struct zone_err **err)
{
        struct zone_store *store;
        struct zone z;
        int r = zone_open(ctx, id, &store, &z, err);
        struct zone_spec_process *p = r >= 0 ? malloc(sizeof(*p)) : NULL;
        if (r >= 0 && !p)
                r = zone_err_sys(err, -ENOMEM, "exec");
        if (r >= 0) {
                /* Move the process out of the spec, leaving an empty one behind. */
                *p = z.spec->process;
                memset(&z.spec->process, 0, sizeof(z.spec->process));
                *ret = p;
        }
        zone_close(&z, store);
        return r;
}

int zone_list(const struct zone_ctx *ctx, struct zone_info **ret, size_t *ret_n,
              struct zone_err **err)
{
        struct zone_store *store = NULL;
        _cleanup_strv_ char **ids = NULL;
        *ret = NULL;
        *ret_n = 0;
        int r = open_store(ctx, &store, err);
        if (r >= 0)
                r = zone_store_list(store, &ids, err);
        size_t n = strv_length(ids);
        struct zone_info *list = n ? calloc(n, sizeof(*list)) : NULL;
        if (r >= 0 && n && !list)
                r = zone_err_sys(err, -ENOMEM, "list");
        size_t k = 0;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                struct zone_entry *e = NULL;
                struct zone_state *s = NULL;
                /* A zone that vanished or is half-made in between is simply not listed; one
                 * being created or deleted is listed as it is (no waiting for its lock). */
                if (zone_entry_open_unlocked(store, ids[i], &e, NULL) < 0)
                        continue;
                if (zone_entry_read_state(e, &s, NULL) >= 0) {
                        list[k].id = strdup(s->id);
                        list[k].status = zone_status_name(zone_state_status(s));
                        list[k].pid = zone_state_status(s) == ZONE_STATUS_STOPPED ? 0 : s->pid;
                        list[k].bundle = strdup(s->bundle);
                        list[k].created = strdup(s->created);
                        list[k].owner = strdup(s->owner ? s->owner : "");
                        list[k].type = strdup(s->type);
                        k++;
                }
                zone_state_free(s);
                zone_entry_close(e);
        }
        zone_store_close(store);
        if (r < 0) {
                zone_info_free(list, k);
                return r;
        }
        *ret = list;
        *ret_n = k;
        return 0;
}

void zone_info_free(struct zone_info *list, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(list[i].id);
                free(list[i].bundle);
                free(list[i].created);
                free(list[i].owner);
                free(list[i].type);
        }
        free(list);
}

int zone_pids(const struct zone_ctx *ctx, const char *id, pid_t **ret, size_t *ret_n,
              struct zone_err **err)
{
        struct zone_store *store;
        struct zone z;
        int r = zone_open(ctx, id, &store, &z, err);
        if (r >= 0 && zone_state_status(z.state) == ZONE_STATUS_CREATING) {
                /* No init pid yet: what of the zone exists is in its cgroup. */
                *ret = NULL;
                *ret_n = 0;
                if (open_zone_cgroup(z.state, &z.cgroup, NULL) >= 0)
                        r = zone_cgroup_pids(z.cgroup, ret, ret_n, err);
        } else if (r >= 0)
                r = z.backend->pids(&z, ret, ret_n, err);
        zone_close(&z, store);
        return r;
}
