/* A zone's life: create (configured, then installed with a bundle from its image), boot (its
 * monitor started, detached), halt, remove, a foreground run, and `config set`. Commands that
 * change a zone hold DATA_ROOT/zones/NAME/lock, so two of them never interleave. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "images/bundle.h"
#include "images/rootfs.h"
#include "util.h"
#include "zones/zones.h"

int zones_lock(const struct zones_ctx *c, const char *name, int *ret_fd, struct zone_err **err)
{
        _cleanup_free_ char *path = zones_path(c, name, "lock");
        if (!path)
                return zone_err_set(err, -ENOMEM, "out of memory");
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
                if (errno == ENOENT)
                        return zone_err_set(err, -ENOENT, "no zone named \"%s\"", name);
                return zone_err_sys(err, -errno, "zone %s: open %s", name, path);
        }
        if (flock(fd, LOCK_EX) < 0)
                return zone_err_sys(err, -errno, "zone %s: lock %s", name, path);
        /* Removed while we waited for the lock: the zone is gone. */
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_nlink == 0)
                return zone_err_set(err, -ENOENT, "no zone named \"%s\"", name);
        *ret_fd = steal_fd(&fd);
        return 0;
}

static bool zone_file_exists(const struct zones_ctx *c, const char *name, const char *file)
{
        _cleanup_free_ char *path = zones_path(c, name, file);
        return path && access(path, F_OK) == 0;
}

static void msleep(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_live(const char *st)
{
        return st && (!strcmp(st, "running") || !strcmp(st, "created") || !strcmp(st, "paused"));
}

/* Removes the zone's directory (after its bundle): what a failed create or rm leaves. */
static int remove_all(const struct zones_ctx *c, const char *name, struct zone_err **err)
{
        _cleanup_free_ char *bundle = zones_path(c, name, "bundle");
        _cleanup_free_ char *zones = zones_path(c, NULL, NULL);
        if (!bundle || !zones)
                return zone_err_set(err, -ENOMEM, "out of memory");
        int r;
        if (access(bundle, F_OK) == 0 && (r = zone_image_unbundle(bundle, err)) < 0)
                return zone_err_wrap(err, "remove zone %s", name);
        _cleanup_close_ int zfd = open(zones, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (zfd < 0)
                return zone_err_sys(err, -errno, "remove zone %s: open %s", name, zones);
        if ((r = zone_tree_remove(zfd, name, err)) < 0)
                return zone_err_wrap(err, "remove zone %s", name);
        return 0;
}

static int copy_file(const char *from, const char *to)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_file_at(AT_FDCWD, from, 16u << 20, &text, &len);
        return r < 0 ? r : write_file_atomic_at(AT_FDCWD, to, text, len, 0644);
}

static int install_locked(const struct zones_ctx *c, const struct zones_def *d,
                          struct zone_err **err)
{
        _cleanup_free_ char *bundle = zones_path(c, d->name, "bundle");
        _cleanup_free_ char *config = zones_path(c, d->name, "bundle/config.json");
        _cleanup_free_ char *image_json = zones_path(c, d->name, "image.json");
        if (!bundle || !config || !image_json)
                return zone_err_set(err, -ENOMEM, "out of memory");
        struct zone_image_store *s = NULL;
        int r = zone_image_store_open(c->data_root, false, &s, err);
        if (r < 0)
                return r;
        struct zone_bundle_opts bo = {.mode = ZONE_ROOTFS_AUTO, .args = d->command};
        r = zone_image_bundle(s, d->image, bundle, &bo, err);
        zone_image_store_close(s);
        if (r < 0)
                return zone_err_wrap(err, "install zone %s", d->name);
        /* The image's config is kept aside: each boot builds config.json from it again. */
        if ((r = copy_file(config, image_json)) < 0) {
                zone_image_unbundle(bundle, NULL);
                return zone_err_sys(err, r, "install zone %s: write %s", d->name, image_json);
        }
        /* Checks what needs the root (a --user by name) now rather than at boot. */
        if ((r = zones_write_config(c, d, false, err)) < 0) {
                unlink(image_json);
                zone_image_unbundle(bundle, NULL);
                return r;
        }
        return 0;
}

static int generate_name(const struct zones_ctx *c, char **ret)
{
        for (int tries = 0; tries < 16; tries++) {
                unsigned char b[5];
                if (getrandom(b, sizeof(b), 0) != sizeof(b))
                        return -errno;
                char *name = NULL;
                if (asprintf(&name, "z%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4]) < 0)
                        return -ENOMEM;
                if (!zone_file_exists(c, name, NULL) && !zones_libzone_status(c, name, NULL)) {
                        *ret = name;
                        return 0;
                }
                free(name);
        }
        return -EEXIST;
}

int zones_create(const struct zones_ctx *c, struct zones_def *d, struct zone_err **err)
{
        int r;
        if (!d->name && (r = generate_name(c, &d->name)) < 0)
                return zone_err_sys(err, r, "generate a zone name");
        if ((r = zones_def_check(d, err)) < 0 || (r = zones_net_check(d, err)) < 0)
                return r;
        /* The image must be there, and is recorded by its full name. */
        struct zone_image_store *s = NULL;
        struct zone_image *img = NULL;
        if ((r = zone_image_store_open(c->data_root, false, &s, err)) < 0)
                return r;
        r = zone_image_load(s, d->image, &img, err);
        zone_image_store_close(s);
        if (r < 0)
                return r;
        free(d->image);
        d->image = strdup(img->name);
        zone_image_free(img);
        if (!d->image)
                return zone_err_set(err, -ENOMEM, "out of memory");

        if (zones_libzone_status(c, d->name, NULL))
                return zone_err_set(err, -EEXIST, "a zone \"%s\" already exists in %s", d->name,
                                    c->zctx->root);
        _cleanup_free_ char *zones = zones_path(c, NULL, NULL);
        _cleanup_free_ char *dir = zones_path(c, d->name, NULL);
        if (!zones || !dir)
                return zone_err_set(err, -ENOMEM, "out of memory");
        if (mkdir(zones, 0755) < 0 && errno != EEXIST)
                return zone_err_sys(err, -errno, "create %s", zones);
        if (mkdir(dir, 0755) < 0) {
                if (errno == EEXIST)
                        return zone_err_set(err, -EEXIST, "a zone named \"%s\" already exists",
                                            d->name);
                return zone_err_sys(err, -errno, "create %s", dir);
        }
        _cleanup_close_ int lock = -1;
        if ((r = zones_lock(c, d->name, &lock, err)) < 0 || (r = zones_def_save(c, d, err)) < 0 ||
            (r = install_locked(c, d, err)) < 0) {
                remove_all(c, d->name, NULL);
                return r;
        }
        return 0;
}

int zones_install(const struct zones_ctx *c, const char *name, struct zone_err **err)
{
        _cleanup_close_ int lock = -1;
        struct zones_def d;
        int r = zones_lock(c, name, &lock, err);
        if (r < 0 || (r = zones_def_load(c, name, &d, err)) < 0)
                return r;
        if (!zone_file_exists(c, name, "image.json"))
                r = install_locked(c, &d, err);
        zones_def_done(&d);
        return r;
}

/* What boot and run do first: the zone installed, not running, its config written. */
static int prepare_locked(const struct zones_ctx *c, struct zones_def *d, const char *name,
                          bool terminal, struct zone_err **err)
{
        int r = zones_def_load(c, name, d, err);
        if (r < 0)
                return r;
        if (!zone_file_exists(c, name, "image.json") && (r = install_locked(c, d, err)) < 0)
                return r;
        const char *st = zones_libzone_status(c, name, NULL);
        if (is_live(st))
                return zone_err_set(err, -EBUSY, "zone %s is already running", name);
        if (zones_monitor_alive(c, name))
                return zone_err_set(
                    err, -EBUSY, "zone %s is being restarted by its monitor: halt it first", name);
        /* Its process died with no monitor to clean up after it. */
        if (st && (r = zone_delete(c->zctx, name, true, err)) < 0)
                return r;
        /* A port that is taken is refused before anything of this boot is made. */
        if ((r = zones_net_ports_check(d, err)) < 0)
                return r;
        /* What a boot whose end nobody saw left of the network, then this boot's. */
        if ((r = zones_net_release(c, name, err)) < 0 || (r = zones_net_prepare(c, d, err)) < 0)
                return r;
        if ((r = zones_write_config(c, d, terminal, err)) < 0) {
                zones_net_release(c, name, NULL);
                return r;
        }
        _cleanup_free_ char *stop = zones_path(c, name, "stop");
        if (stop)
                unlink(stop);
        return 0;
}

/* The monitor, detached: its own session, not our child (a grandchild that init adopts). Its
 * fd 3 reports "ok" once the zone runs, or why it did not start. */
static int spawn_monitor(const struct zones_ctx *c, const char *name, struct zone_err **err)
{
        if (!c->monitor_path)
                return zone_err_set(err, -ENOENT, "boot %s: no %s program found", name,
                                    ZONES_MONITOR_NAME);
        int rep[2];
        if (pipe2(rep, O_CLOEXEC) < 0)
                return zone_err_sys(err, -errno, "boot %s: pipe", name);
        _cleanup_close_ int rd = rep[0];
        pid_t pid = fork();
        if (pid < 0) {
                close(rep[1]);
                return zone_err_sys(err, -errno, "boot %s: fork", name);
        }
        if (pid == 0) {
                if (fork() != 0)
                        _exit(0);
                setsid();
                int null = open("/dev/null", O_RDWR);
                if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
                    dup2(rep[1], 3) < 0 || chdir("/") < 0)
                        _exit(127);
                /* Nothing else of ours (the zone lock above all) goes with the monitor. */
                close_range(4, ~0U, 0);
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                const char *argv[] = {c->monitor_path,
                                      "--root",
                                      c->zctx->root,
                                      "--data-root",
                                      zones_data_root(c),
                                      "--report-fd",
                                      "3",
                                      "--zone",
                                      c->zone_path ? c->zone_path : "",
                                      name,
                                      NULL};
                execv(c->monitor_path, (char **)argv);
                _exit(127);
        }
        close(rep[1]);
        waitpid(pid, NULL, 0);
        _cleanup_free_ char *msg = NULL;
        size_t len = 0;
        if (read_all(rd, 4096, &msg, &len) < 0 || len == 0)
                return zone_err_set(err, -EIO, "boot %s: the monitor %s did not start", name,
                                    c->monitor_path);
        while (len && msg[len - 1] == '\n')
                msg[--len] = 0;
        if (strcmp(msg, "ok") != 0)
                return zone_err_set(err, -EIO, "boot %s: %s", name, msg);
        return 0;
}

int zones_boot(const struct zones_ctx *c, const char *name, struct zone_err **err)
{
        _cleanup_close_ int lock = -1;
        struct zones_def d;
        zones_def_init(&d);
        int r = zones_lock(c, name, &lock, err);
        if (r >= 0 && (r = prepare_locked(c, &d, name, false, err)) >= 0 &&
            (r = spawn_monitor(c, name, err)) < 0 && !zones_monitor_alive(c, name))
                zones_net_release(c, name, NULL);
        zones_def_done(&d);
        return r;
}

static int halt_locked(const struct zones_ctx *c, const char *name, int timeout,
                       struct zone_err **err)
{
        _cleanup_free_ char *stop = zones_path(c, name, "stop");
        if (!stop)
                return zone_err_set(err, -ENOMEM, "out of memory");
        /* The monitor reads it after the zone's exit: no restart. */
        int r = write_file_atomic_at(AT_FDCWD, stop, "", 0, 0644);
        if (r < 0)
                return zone_err_sys(err, r, "halt %s: write %s", name, stop);
        int64_t start = now_ms(), deadline = start + (int64_t)timeout * 1000;
        bool termed = false, killed = false;
        for (;;) {
                bool monitor = zones_monitor_alive(c, name);
                const char *st = zones_libzone_status(c, name, NULL);
                int64_t now = now_ms();
                /* A frozen zone (zone pause) takes no signal, not even SIGKILL: thawed, it
                 * stops as a running one does. */
                if (st && !strcmp(st, "paused"))
                        zone_pause(c->zctx, name, false, NULL);
                if (is_live(st)) {
                        if (!termed && timeout > 0)
                                zone_kill(c->zctx, name, SIGTERM, false, NULL);
                        termed = true;
                        if (!killed && now >= deadline) {
                                zone_kill(c->zctx, name, SIGKILL, true, NULL);
                                killed = true;
                        }
                }
                /* Without a monitor (it died, or the zone runs in a `zone run`'s foreground
                 * that was killed), the zone's remains are ours to delete. */
                if (!monitor && st && (!is_live(st) || killed)) {
                        if ((r = zone_delete(c->zctx, name, true, err)) < 0)
                                return r;
                        continue;
                }
                if (!monitor && !st)
                        return zones_net_release(c, name, err);
                if (now > deadline + 30000)
                        return zone_err_set(err, -ETIMEDOUT,
                                            "halt %s: the zone or its monitor is still there after "
                                            "%d s",
                                            name, timeout + 30);
                msleep(20);
        }
}

int zones_halt(const struct zones_ctx *c, const char *name, int timeout, struct zone_err **err)
{
        _cleanup_close_ int lock = -1;
        int r = zones_lock(c, name, &lock, err);
        if (r >= 0 && !zone_file_exists(c, name, "zone.conf"))
                r = zone_err_set(err, -ENOENT, "no zone named \"%s\"", name);
        return r < 0 ? r : halt_locked(c, name, timeout, err);
}

int zones_remove(const struct zones_ctx *c, const char *name, bool force, struct zone_err **err)
{
        _cleanup_close_ int lock = -1;
        int r = zones_lock(c, name, &lock, err);
        if (r < 0)
                return r;
        if (is_live(zones_libzone_status(c, name, NULL)) || zones_monitor_alive(c, name)) {
                if (!force)
                        return zone_err_set(
                            err, -EBUSY, "zone %s is running: halt it first, or rm --force", name);
                if ((r = halt_locked(c, name, 0, err)) < 0)
                        return r;
        } else if (zones_libzone_status(c, name, NULL) &&
                   (r = zone_delete(c->zctx, name, true, err)) < 0)
                return r;
        if ((r = zones_net_release(c, name, err)) < 0)
                return r;
        return remove_all(c, name, err);
}

static void record(const struct zones_ctx *c, const char *name, const char *file, const char *text)
{
        _cleanup_free_ char *path = zones_path(c, name, file);
        if (path)
                write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0644);
}

int zones_run_foreground(const struct zones_ctx *c, const char *name, bool terminal,
                         bool interactive, int *ret_status, struct zone_err **err)
{
        struct zones_def d;
        zones_def_init(&d);
        int r;
        {
                _cleanup_close_ int lock = -1;
                if ((r = zones_lock(c, name, &lock, err)) >= 0)
                        r = prepare_locked(c, &d, name, terminal, err);
        }
        zones_def_done(&d);
        if (r < 0)
                return r;
        if (!interactive && !terminal) {
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null >= 0) {
                        dup2(null, 0);
                        close(null);
                }
        }
        char buf[256];
        snprintf(buf, sizeof(buf), "started = %lld\nruns = 1\nrestarts = 0\n",
                 (long long)time(NULL));
        record(c, name, "run", buf);
        _cleanup_free_ char *bundle = zones_path(c, name, "bundle");
        if (!bundle)
                return zone_err_set(err, -ENOMEM, "out of memory");
        struct zone_create_opts o = {.id = name, .bundle = bundle};
        int status = 0;
        r = zone_run(c->zctx, &o, &status, err);
        if (chdir("/") < 0) {
                /* the bundle may go (--rm); nothing needs the directory */
        }
        {
                _cleanup_close_ int lock = -1;
                _cleanup_err_ struct zone_err *nerr = NULL;
                if (zones_lock(c, name, &lock, &nerr) >= 0 &&
                    zones_net_release(c, name, &nerr) < 0 && r >= 0)
                        r = zone_err_set(err, nerr->code, "%s", nerr->msg);
        }
        if (r < 0) {
                snprintf(buf, sizeof(buf), "finished = %lld\nerror = %s\n", (long long)time(NULL),
                         err && *err ? (*err)->msg : "failed");
                record(c, name, "exit", buf);
                return r;
        }
        snprintf(buf, sizeof(buf), "status = %d\nfinished = %lld\n", status, (long long)time(NULL));
        record(c, name, "exit", buf);
        *ret_status = status;
        return 0;
}

int zones_config_set(const struct zones_ctx *c, const char *name, char *const *pairs,
                     struct zone_err **err)
{
        _cleanup_close_ int lock = -1;
        struct zones_def d;
        int r = zones_lock(c, name, &lock, err);
        if (r < 0 || (r = zones_def_load(c, name, &d, err)) < 0)
                return r;
        _cleanup_strv_ char **seen = NULL;
        for (size_t i = 0; r >= 0 && pairs[i]; i++) {
                _cleanup_free_ char *key = strdup(pairs[i]);
                char *eq = key ? strchr(key, '=') : NULL;
                if (!eq) {
                        r = zone_err_set(err, -EINVAL, "\"%s\" is not KEY=VALUE", pairs[i]);
                        break;
                }
                *eq++ = 0;
                bool list = false;
                if (!zones_key_known(key, &list)) {
                        r = zone_err_set(err, -EINVAL, "unknown option \"%s\"", key);
                        break;
                }
                if (!strcmp(key, "name") || !strcmp(key, "image") || !strcmp(key, "command")) {
                        r = zone_err_set(err, -EINVAL,
                                         "%s: fixed when the zone is created (create another zone)",
                                         key);
                        break;
                }
                bool again = false;
                for (size_t j = 0; seen && seen[j]; j++)
                        again = again || !strcmp(seen[j], key);
                if (!*eq || (list && !again))
                        r = zones_def_unset(&d, key, err);
                if (r >= 0 && *eq)
                        r = zones_def_set(&d, key, eq, err);
                if (r >= 0 && strv_append(&seen, key) < 0)
                        r = zone_err_set(err, -ENOMEM, "out of memory");
        }
        if (r >= 0)
                r = zones_def_check(&d, err);
        if (r >= 0)
                r = zones_net_check(&d, err);
        if (r >= 0)
                r = zones_def_save(c, &d, err);
        zones_def_done(&d);
        return r;
}
