/* The zone's cgroup: path rules, hierarchy discovery, create/open, enter, freeze, pids and
 * destroy. Resource values are written by cgroup_v1.c and cgroup_v2.c.
 *
 * Why this path talks to cgroupfs directly and not through libcgroup (which the stats reader,
 * cgroup_stats.c, does use): making a zone's cgroup is on the critical path of every `run`, and
 * libcgroup 2.0 does not do that job well here. Measured on a hybrid host for a cgroup in 8 v1
 * hierarchies with a memory and a pids limit: cgroup_init() 0.4 ms plus
 * cgroup_create_cgroup() 1.9 ms, against 0.6 ms for this file's create in all 9 hierarchies
 * (the cgroup2 one included) -- a zone's whole `run /bin/true` takes about 5 ms. The extra time
 * goes on re-reading /proc/mounts for every controller and a chown() of every control file
 * (139 calls). Besides: it does not record which parent levels it made, so delete could not
 * remove exactly what the zone created and nothing else; it leaves a new v1 cpuset without CPUs
 * (tasks are then refused); it keeps the mount table in process-wide state, which libzone's
 * design rules out for the library's own code; and it has no cgroup2 freezer, cgroup.kill or
 * eBPF device control, which would be done directly anyway. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "cgroups/cgroup_internal.h"
#include "util.h"

#define CGROUP_WAIT_MS 2000

static void sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* ---- path rules ---- */

/* p's components joined with single slashes after a leading one ("a//./b/" -> "/a/b"); ".."
 * is refused. *ret is "" for no components. */
static int normalise_path(const char *p, char **ret, struct zone_err **err)
{
        size_t len = strlen(p);
        _cleanup_free_ char *out = malloc(len + 2);
        if (!out)
                return zone_err_sys(err, -ENOMEM, "linux.cgroupsPath \"%s\"", p);
        size_t o = 0;
        for (const char *s = p; *s;) {
                while (*s == '/')
                        s++;
                const char *e = strchrnul(s, '/');
                size_t n = (size_t)(e - s);
                if (n == 2 && s[0] == '.' && s[1] == '.')
                        return zone_err_set(err, -EINVAL,
                                            "linux.cgroupsPath \"%s\": \"..\" is not allowed", p);
                if (n && !(n == 1 && s[0] == '.')) {
                        out[o++] = '/';
                        memcpy(out + o, s, n);
                        o += n;
                }
                s = e;
        }
        out[o] = 0;
        *ret = steal_pointer(&out);
        return 0;
}

int cgroup_relative_path(const char *self_cgroup, bool v2_mounted, const char *rel, char **ret,
                         struct zone_err **err)
{
        _cleanup_free_ char *tail = NULL;
        int r = normalise_path(rel, &tail, err);
        if (r < 0)
                return r;
        /* The runtime's own cgroup, which must be the same in every hierarchy the zone's
         * cgroup is made in (the cgroup2 line only counts where cgroup2 is mounted). */
        const char *own = NULL, *own_end = NULL, *other = NULL, *other_end = NULL;
        for (const char *line = self_cgroup; line && *line;) {
                const char *eol = strchrnul(line, '\n');
                const char *c1 = memchr(line, ':', (size_t)(eol - line));
                const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
                bool unified = c1 && c2 == c1 + 1 && c1 - line == 1 && line[0] == '0';
                if (c2 && (v2_mounted || !unified)) {
                        const char *path = c2 + 1;
                        if (!own) {
                                own = path;
                                own_end = eol;
                        } else if (eol - path != own_end - own ||
                                   strncmp(path, own, (size_t)(eol - path))) {
                                other = path;
                                other_end = eol;
                        }
                }
                line = *eol ? eol + 1 : eol;
        }
        if (!own)
                return zone_err_set(err, -ENOENT,
                                    "linux.cgroupsPath \"%s\": the runtime's own cgroup is unknown",
                                    rel);
        if (other)
                return zone_err_set(err, -EINVAL,
                                    "linux.cgroupsPath \"%s\": a relative path is placed under the "
                                    "runtime's own cgroup, which is not the same in every "
                                    "hierarchy (%.*s and %.*s); use an absolute path",
                                    rel, (int)(own_end - own), own, (int)(other_end - other),
                                    other);
        _cleanup_free_ char *joined = NULL;
        int n = (int)(own_end - own);
        if (n == 1 && own[0] == '/')
                n = 0;
        if (asprintf(&joined, "%.*s%s", n, own, tail) < 0)
                return zone_err_sys(err, -ENOMEM, "linux.cgroupsPath \"%s\"", rel);
        return normalise_path(joined, ret, err);
}

/* Whether a cgroup2 hierarchy is mounted (what /proc/self/cgroup's "0::" line is about). */
static bool cgroup2_mounted(void)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 24, &text, &len) < 0)
                return false;
        return strstr(text, " - cgroup2 ") != NULL;
}

int zone_cgroup_path(const struct zone_spec *spec, const char *id, char **ret,
                     struct zone_err **err)
{
        const char *p = spec && spec->has_linux ? spec->linux.cgroups_path : NULL;
        char *out;
        if (!p || !*p) {
                if (!id || !*id || strchr(id, '/') || !strcmp(id, ".") || !strcmp(id, ".."))
                        return zone_err_set(err, -EINVAL,
                                            "cgroup path for zone \"%s\": not a "
                                            "valid zone id",
                                            id ? id : "");
                if (asprintf(&out, "/zone/%s", id) < 0)
                        return zone_err_sys(err, -ENOMEM, "cgroup path for zone %s", id);
                *ret = out;
                return 0;
        }
        int r;
        if (p[0] != '/') {
                /* "slice:prefix:name" is the systemd cgroup driver's form. */
                const char *c1 = strchr(p, ':');
                if (c1 && strchr(c1 + 1, ':') && !strchr(strchr(c1 + 1, ':') + 1, ':')) {
                        struct stat st;
                        if (stat("/run/systemd/system", &st) < 0)
                                return zone_err_set(err, -EINVAL,
                                                    "linux.cgroupsPath \"%s\": the systemd form "
                                                    "needs systemd as init",
                                                    p);
                        return zone_err_set(err, -EOPNOTSUPP,
                                            "linux.cgroupsPath \"%s\": the systemd form is not "
                                            "supported yet",
                                            p);
                }
                /* As runc: relative to the runtime's own cgroup. */
                _cleanup_free_ char *self = NULL;
                size_t len = 0;
                if ((r = read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 20, &self, &len)) < 0)
                        return zone_err_sys(err, r, "read /proc/self/cgroup");
                r = cgroup_relative_path(self, cgroup2_mounted(), p, &out, err);
        } else {
                r = normalise_path(p, &out, err);
        }
        if (r < 0)
                return r;
        if (!*out) {
                free(out);
                return zone_err_set(err, -EINVAL,
                                    "linux.cgroupsPath \"%s\": the root cgroup cannot hold a zone",
                                    p);
        }
        *ret = out;
        return 0;
}

/* ---- small helpers ---- */

bool cgroup_has_controller(const char *list, const char *controller)
{
        size_t n = strlen(controller);
        for (const char *s = list; s && *s;) {
                const char *e = s + strcspn(s, ", \n");
                if ((size_t)(e - s) == n && !strncmp(s, controller, n))
                        return true;
                s = *e ? e + 1 : e;
        }
        return false;
}

struct zone_cgroup_dir *cgroup_v1_dir(struct zone_cgroup *cg, const char *controller)
{
        for (size_t i = 0; i < cg->n_dirs; i++)
                if (!cg->dirs[i].v2 && cgroup_has_controller(cg->dirs[i].controllers, controller))
                        return &cg->dirs[i];
        return NULL;
}

struct zone_cgroup_dir *cgroup_v2_dir(struct zone_cgroup *cg)
{
        for (size_t i = 0; i < cg->n_dirs; i++)
                if (cg->dirs[i].v2)
                        return &cg->dirs[i];
        return NULL;
}

int cgroup_write(const char *dir, const char *file, const char *s, struct zone_err **err)
{
        _cleanup_close_ int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "open %s", dir);
        int r = write_string_at(fd, file, s);
        if (r < 0)
                return zone_err_sys(err, r, "write \"%s\" to %s/%s", s, dir, file);
        return 0;
}

int cgroup_read(const char *dir, const char *file, char **ret)
{
        _cleanup_close_ int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        char *buf = NULL;
        size_t len = 0;
        int r = read_file_at(fd, file, 1 << 22, &buf, &len);
        if (r < 0)
                return r;
        while (len && buf[len - 1] == '\n')
                buf[--len] = 0;
        *ret = buf;
        return 0;
}

/* ---- discovery ---- */

static const char *const v1_controllers[] = {
    "cpu",      "cpuacct", "cpuset",     "memory",  "devices", "freezer", "net_cls",
    "net_prio", "blkio",   "perf_event", "hugetlb", "pids",    "rdma",    "misc",
};

/* The controllers of a v1 mount from its super options ("rw,cpu,cpuacct" -> "cpu,cpuacct";
 * named hierarchies keep "name=systemd"). */
static int v1_controller_list(const char *opts, char **ret)
{
        _cleanup_free_ char *out = calloc(1, strlen(opts) + 1);
        if (!out)
                return -ENOMEM;
        for (const char *s = opts; *s;) {
                const char *e = strchrnul(s, ',');
                size_t n = (size_t)(e - s);
                bool keep = n > 5 && !strncmp(s, "name=", 5);
                for (size_t i = 0; !keep && i < ARRAY_SIZE(v1_controllers); i++)
                        keep = strlen(v1_controllers[i]) == n && !strncmp(s, v1_controllers[i], n);
                if (keep) {
                        if (*out)
                                strcat(out, ",");
                        strncat(out, s, n);
                }
                s = *e ? e + 1 : e;
        }
        *ret = steal_pointer(&out);
        return 0;
}

static void dir_done(struct zone_cgroup_dir *d)
{
        free(d->mountpoint);
        free(d->controllers);
        free(d->dir);
}

void zone_cgroup_free(struct zone_cgroup *cg)
{
        if (!cg)
                return;
        for (size_t i = 0; i < cg->n_dirs; i++)
                dir_done(&cg->dirs[i]);
        free(cg->dirs);
        free(cg->path);
        free(cg);
}

const char *zone_cgroup_get_path(const struct zone_cgroup *cg)
{
        return cg->path;
}

/* Fills cg->dirs with one entry per cgroup hierarchy mounted (each superblock once). */
static int discover(struct zone_cgroup *cg, struct zone_err **err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 24, &text, &len);
        if (r < 0)
                return zone_err_sys(err, r, "read /proc/self/mountinfo");
        _cleanup_free_ dev_t *seen = NULL;
        size_t n_seen = 0;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned maj, min;
                char root[4096], mnt[4096];
                if (sscanf(line, "%*d %*d %u:%u %4095s %4095s", &maj, &min, root, mnt) != 4)
                        continue;
                /* Only whole hierarchies: a bind mount of a subtree (a container's view of its
                 * own cgroup) would put the zone's path in the wrong place. */
                if (strcmp(root, "/"))
                        continue;
                char *sep = strstr(line, " - ");
                if (!sep)
                        continue;
                char fstype[32], opts[1024];
                if (sscanf(sep + 3, "%31s %*s %1023s", fstype, opts) != 2)
                        continue;
                bool v2 = !strcmp(fstype, "cgroup2");
                if (!v2 && strcmp(fstype, "cgroup"))
                        continue;
                dev_t dev = makedev(maj, min);
                bool dup = false;
                for (size_t i = 0; i < n_seen; i++)
                        dup = dup || seen[i] == dev;
                if (dup)
                        continue;
                dev_t *ns = realloc(seen, (n_seen + 1) * sizeof(*ns));
                if (!ns)
                        return zone_err_sys(err, -ENOMEM, "discover cgroup hierarchies");
                seen = ns;
                seen[n_seen++] = dev;
                struct zone_cgroup_dir *nd = realloc(cg->dirs, (cg->n_dirs + 1) * sizeof(*nd));
                if (!nd)
                        return zone_err_sys(err, -ENOMEM, "discover cgroup hierarchies");
                cg->dirs = nd;
                struct zone_cgroup_dir *d = &cg->dirs[cg->n_dirs];
                memset(d, 0, sizeof(*d));
                d->v2 = v2;
                d->mountpoint = strdup(mnt);
                if (!d->mountpoint)
                        return zone_err_sys(err, -ENOMEM, "discover cgroup hierarchies");
                cg->n_dirs++;
                if (v2) {
                        r = cgroup_read(mnt, "cgroup.controllers", &d->controllers);
                        if (r < 0)
                                return zone_err_sys(err, r, "read %s/cgroup.controllers", mnt);
                } else if ((r = v1_controller_list(opts, &d->controllers)) < 0) {
                        return zone_err_sys(err, r, "discover cgroup hierarchies");
                }
                if (asprintf(&d->dir, "%s%s", mnt, cg->path) < 0) {
                        d->dir = NULL;
                        return zone_err_sys(err, -ENOMEM, "discover cgroup hierarchies");
                }
        }
        if (cg->n_dirs == 0)
                return zone_err_set(err, -ENOENT, "cgroup %s: no cgroup hierarchy is mounted",
                                    cg->path);
        return 0;
}

/* "/a/b": absolute, no empty, "." or ".." components, not the root. */
static bool normalised(const char *path)
{
        if (!path || path[0] != '/' || !path[1])
                return false;
        for (const char *s = path + 1;;) {
                const char *e = strchrnul(s, '/');
                size_t n = (size_t)(e - s);
                if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
                        return false;
                if (!*e)
                        return true;
                s = e + 1;
        }
}

static int cgroup_new(const char *path, struct zone_cgroup **ret, struct zone_err **err)
{
        if (!normalised(path))
                return zone_err_set(err, -EINVAL,
                                    "cgroup path \"%s\": not a normalised "
                                    "absolute path",
                                    path ? path : "");
        struct zone_cgroup *cg = calloc(1, sizeof(*cg));
        if (!cg || !(cg->path = strdup(path))) {
                free(cg);
                return zone_err_sys(err, -ENOMEM, "cgroup %s", path);
        }
        int r = discover(cg, err);
        if (r < 0) {
                zone_cgroup_free(cg);
                return r;
        }
        *ret = cg;
        return 0;
}

/* ---- the processes of a cgroup tree ---- */

static int read_pids(const char *dir, pid_t **ret, size_t *n)
{
        _cleanup_free_ char *text = NULL;
        int r = cgroup_read(dir, "cgroup.procs", &text);
        if (r < 0)
                return r;
        pid_t *pids = NULL;
        size_t count = 0;
        for (char *s = text; *s;) {
                char *e;
                errno = 0;
                long v = strtol(s, &e, 10);
                if (e == s || errno || v <= 0) {
                        free(pids);
                        return -EBADMSG;
                }
                pid_t *np = realloc(pids, (count + 1) * sizeof(*np));
                if (!np) {
                        free(pids);
                        return -ENOMEM;
                }
                pids = np;
                pids[count++] = (pid_t)v;
                s = e;
                while (*s == '\n')
                        s++;
        }
        *ret = pids;
        *n = count;
        return 0;
}

/* A zone may make cgroups of its own below its cgroup (through a writable cgroup mount):
 * they are part of the zone, this deep at most. */
#define CGROUP_MAX_DEPTH 256

/* Calls fn(sub, depth + 1, arg) for each cgroup directly below dir, until one fails. */
static int for_each_child(const char *dir, unsigned depth,
                          int (*fn)(const char *sub, unsigned depth, void *arg), void *arg)
{
        if (depth >= CGROUP_MAX_DEPTH)
                return -ELOOP;
        DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        struct dirent *de;
        int r = 0;
        while (r == 0 && (de = readdir(d))) {
                if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *sub = NULL;
                if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
                        r = -ENOMEM;
                else if ((r = fn(sub, depth + 1, arg)) == -ENOENT) /* removed meanwhile */
                        r = 0;
        }
        closedir(d);
        return r;
}

struct pid_list {
        pid_t *pids;
        size_t n;
};

/* Appends the pids of dir and every cgroup below it to the list. */
static int read_tree_pids(const char *dir, unsigned depth, void *arg)
{
        struct pid_list *l = arg;
        _cleanup_free_ pid_t *own = NULL;
        size_t n_own = 0;
        int r = read_pids(dir, &own, &n_own);
        if (r < 0)
                return r;
        if (n_own) {
                pid_t *np = realloc(l->pids, (l->n + n_own) * sizeof(*np));
                if (!np)
                        return -ENOMEM;
                memcpy(np + l->n, own, n_own * sizeof(*np));
                l->pids = np;
                l->n += n_own;
        }
        return for_each_child(dir, depth, read_tree_pids, l);
}

/* Removes every cgroup below dir, deepest first (dir itself stays). */
static int remove_subtree(const char *dir, unsigned depth, void *arg)
{
        int r = for_each_child(dir, depth, remove_subtree, arg);
        if (r == 0 && depth > 0 && rmdir(dir) < 0 && errno != ENOENT)
                r = -errno;
        return r;
}

/* ---- removal ---- */

/* The directory `up` levels above d->dir (0: the leaf). */
static char *dir_level(const struct zone_cgroup_dir *d, size_t up)
{
        char *s = strdup(d->dir);
        for (size_t i = 0; s && i < up; i++) {
                char *slash = strrchr(s, '/');
                if (slash)
                        *slash = 0;
        }
        return s;
}

static int remove_created(struct zone_cgroup *cg, struct zone_err **err)
{
        int ret = 0;
        for (size_t i = 0; i < cg->n_dirs; i++) {
                struct zone_cgroup_dir *d = &cg->dirs[i];
                for (size_t up = 0; up < d->created; up++) {
                        _cleanup_free_ char *p = dir_level(d, up);
                        if (!p)
                                return zone_err_sys(err, -ENOMEM, "remove cgroup %s", cg->path);
                        /* The zone's own sub-cgroups go first (a failure shows as the
                         * rmdir's ENOTEMPTY below). */
                        if (up == 0)
                                remove_subtree(p, 0, NULL);
                        int r = 0;
                        /* EBUSY right after the last process left: the kernel is still
                         * releasing it. */
                        for (int tries = 0; tries < 100; tries++) {
                                r = rmdir(p) < 0 ? -errno : 0;
                                if (r != -EBUSY || up > 0)
                                        break;
                                sleep_ms(10);
                        }
                        /* A parent we created may hold another zone's cgroup by now: it is
                         * theirs to remove. */
                        if (up > 0 && (r == -EBUSY || r == -ENOTEMPTY))
                                break;
                        if (r < 0 && r != -ENOENT) {
                                if (ret == 0)
                                        ret = zone_err_sys(err, r, "remove cgroup %s", p);
                                break; /* its parents cannot go either */
                        }
                }
                d->created = 0;
        }
        return ret;
}

/* ---- create / open ---- */

/* The mark a zone leaves on each cgroup directory it makes for itself, so that cleaning up
 * after a creator that died can tell the zone's own directory from one another zone made at
 * the same path later. cgroupfs (v1 and v2) keeps trusted.* attributes. */
#define OWNER_XATTR "trusted.zone.owner"

static int make_dirs(struct zone_cgroup *cg, struct zone_cgroup_dir *d, const char *owner,
                     struct zone_err **err)
{
        size_t levels = 0;
        for (const char *s = cg->path; *s; s++)
                levels += *s == '/';
        size_t mlen = strlen(d->mountpoint);
        _cleanup_free_ char *p = strdup(d->dir);
        if (!p)
                return zone_err_sys(err, -ENOMEM, "create cgroup %s", d->dir);
        size_t level = 0;
        for (char *s = p + mlen + 1;; s++) {
                if (*s != '/' && *s != 0)
                        continue;
                char c = *s;
                *s = 0;
                level++;
                if (mkdir(p, 0755) == 0) {
                        d->created =
                            levels - level + 1 > d->created ? levels - level + 1 : d->created;
                        if (!d->v2 && cgroup_has_controller(d->controllers, "cpuset")) {
                                int r = cgroup_v1_cpuset_inherit(p, err);
                                if (r < 0)
                                        return r;
                        }
                } else if (errno != EEXIST) {
                        return zone_err_sys(err, -errno, "create cgroup %s", p);
                } else if (c != 0 && !d->v2 && cgroup_has_controller(d->controllers, "cpuset")) {
                        /* A parent another create made a moment ago may have no CPUs yet:
                         * its children would inherit none. Fill it (only when empty). */
                        int r = cgroup_v1_cpuset_inherit(p, err);
                        if (r < 0)
                                return r;
                } else if (c == 0) {
                        /* Someone else's cgroup, or a zone that was never cleaned up: do not
                         * take it over. */
                        return zone_err_set(err, -EEXIST, "create cgroup %s: it already exists", p);
                }
                /* A host whose cgroupfs keeps no such attribute cannot tell: nothing marked. */
                if (c == 0 && owner && setxattr(p, OWNER_XATTR, owner, strlen(owner), 0) < 0 &&
                    errno != ENOTSUP && errno != EPERM)
                        return zone_err_sys(err, -errno, "mark cgroup %s as the zone's", p);
                if (c == 0)
                        break;
                *s = c;
        }
        return 0;
}

int zone_cgroup_create(const char *path, const struct zone_spec_resources *res, const char *owner,
                       struct zone_cgroup **ret, struct zone_err **err)
{
        struct zone_cgroup *cg = NULL;
        int r = cgroup_new(path, &cg, err);
        if (r < 0)
                return r;
        for (size_t i = 0; r == 0 && i < cg->n_dirs; i++)
                r = make_dirs(cg, &cg->dirs[i], owner, err);
        if (r == 0 && res && res->present)
                r = cgroup_v1_apply(cg, res, false, err);
        if (r == 0)
                r = cgroup_v2_apply(cg, res && res->present ? res : NULL, false, err);
        if (r == 0)
                r = cgroup_devices_apply(cg, res && res->present ? res : NULL, false, err);
        if (r < 0) {
                _cleanup_err_ struct zone_err *ignored = NULL;
                remove_created(cg, &ignored);
                zone_cgroup_free(cg);
                return r;
        }
        *ret = cg;
        return 0;
}

/* Whether dir carries owner's mark; a host that keeps no marks cannot tell, and says yes. */
static bool owned_by(const char *dir, const char *owner)
{
        char buf[256];
        ssize_t n = getxattr(dir, OWNER_XATTR, buf, sizeof(buf));
        if (n < 0)
                return errno == ENOTSUP;
        return (size_t)n == strlen(owner) && !memcmp(buf, owner, (size_t)n);
}

static int open_cgroup(const char *path, const char *owner, struct zone_cgroup **ret,
                       struct zone_err **err)
{
        struct zone_cgroup *cg = NULL;
        int r = cgroup_new(path, &cg, err);
        if (r < 0)
                return r;
        size_t kept = 0;
        for (size_t i = 0; i < cg->n_dirs; i++) {
                struct stat st;
                if (stat(cg->dirs[i].dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
                    (owner && !owned_by(cg->dirs[i].dir, owner))) {
                        dir_done(&cg->dirs[i]);
                        continue;
                }
                cg->dirs[kept] = cg->dirs[i];
                cg->dirs[kept++].created = 1;
        }
        cg->n_dirs = kept;
        if (kept == 0) {
                zone_cgroup_free(cg);
                return zone_err_set(err, -ENOENT, "open cgroup %s: no hierarchy has it", path);
        }
        *ret = cg;
        return 0;
}

int zone_cgroup_open(const char *path, struct zone_cgroup **ret, struct zone_err **err)
{
        return open_cgroup(path, NULL, ret, err);
}

int zone_cgroup_open_owned(const char *path, const char *owner, struct zone_cgroup **ret,
                           struct zone_err **err)
{
        return open_cgroup(path, owner, ret, err);
}

int zone_cgroup_update(struct zone_cgroup *cg, const struct zone_spec_resources *res,
                       struct zone_err **err)
{
        int r = cgroup_v1_apply(cg, res, true, err);
        if (r == 0)
                r = cgroup_v2_apply(cg, res, true, err);
        if (r == 0)
                r = cgroup_devices_apply(cg, res, true, err);
        return r;
}

/* ---- processes ---- */

int zone_cgroup_v2_fd(struct zone_cgroup *cg)
{
        struct zone_cgroup_dir *d = cgroup_v2_dir(cg);
        if (!d)
                return -ENOENT;
        int fd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static int enter(struct zone_cgroup *cg, pid_t pid, bool skip_v2, struct zone_err **err)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", (int)pid);
        for (size_t i = 0; i < cg->n_dirs; i++) {
                struct zone_cgroup_dir *d = &cg->dirs[i];
                if (skip_v2 && d->v2)
                        continue;
                _cleanup_err_ struct zone_err *first = NULL;
                int r = cgroup_write(d->dir, "cgroup.procs", buf, &first);
                /* A v1 cpuset without CPUs or memory nodes refuses tasks with ENOSPC: give it
                 * its parent's, as at creation, and try again. */
                if (r == -ENOSPC && !d->v2 && cgroup_has_controller(d->controllers, "cpuset")) {
                        if ((r = cgroup_v1_cpuset_inherit(d->dir, err)) < 0)
                                return zone_err_wrap(err, "move process %d into cgroup %s",
                                                     (int)pid, cg->path);
                        zone_err_free(first);
                        first = NULL;
                        r = cgroup_write(d->dir, "cgroup.procs", buf, &first);
                }
                if (r < 0)
                        return zone_err_set(err, r, "move process %d into cgroup %s: %s", (int)pid,
                                            cg->path, first->msg);
        }
        return 0;
}

int zone_cgroup_enter(struct zone_cgroup *cg, pid_t pid, struct zone_err **err)
{
        return enter(cg, pid, false, err);
}

int zone_cgroup_enter_v1(struct zone_cgroup *cg, pid_t pid, struct zone_err **err)
{
        return enter(cg, pid, true, err);
}

int zone_cgroup_pids(struct zone_cgroup *cg, pid_t **ret, size_t *n, struct zone_err **err)
{
        struct zone_cgroup_dir *d = cgroup_v1_dir(cg, "pids");
        if (!d)
                d = cg->n_dirs ? &cg->dirs[0] : NULL;
        if (!d)
                return zone_err_set(err, -ENOENT, "list processes of cgroup %s: no hierarchy",
                                    cg->path);
        struct pid_list l = {0};
        int r = read_tree_pids(d->dir, 0, &l);
        if (r < 0) {
                free(l.pids);
                return zone_err_sys(err, r, "list processes of cgroup %s", d->dir);
        }
        *ret = l.pids;
        *n = l.n;
        return 0;
}

/* ---- freezer ---- */

static int wait_v1_state(const char *dir, const char *want, struct zone_err **err)
{
        for (int i = 0; i * 10 < CGROUP_WAIT_MS; i++) {
                _cleanup_free_ char *state = NULL;
                int r = cgroup_read(dir, "freezer.state", &state);
                if (r < 0)
                        return zone_err_sys(err, r, "read %s/freezer.state", dir);
                if (!strcmp(state, want))
                        return 0;
                /* FREEZING can get stuck on a task in uninterruptible sleep; writing again
                 * makes the kernel retry. */
                r = cgroup_write(dir, "freezer.state", want, err);
                if (r < 0)
                        return r;
                sleep_ms(10);
        }
        return zone_err_set(err, -ETIMEDOUT, "%s %s: freezer.state is not %s after %d ms",
                            strcmp(want, "FROZEN") ? "thaw" : "freeze", dir, want, CGROUP_WAIT_MS);
}

static int wait_v2_frozen(const char *dir, bool frozen, struct zone_err **err)
{
        const char *want = frozen ? "frozen 1" : "frozen 0";
        for (int i = 0; i * 10 < CGROUP_WAIT_MS; i++) {
                _cleanup_free_ char *ev = NULL;
                int r = cgroup_read(dir, "cgroup.events", &ev);
                if (r < 0)
                        return zone_err_sys(err, r, "read %s/cgroup.events", dir);
                for (char *s = ev; s && *s;) {
                        char *e = strchrnul(s, '\n');
                        if ((size_t)(e - s) == strlen(want) && !strncmp(s, want, strlen(want)))
                                return 0;
                        s = *e ? e + 1 : e;
                }
                sleep_ms(10);
        }
        return zone_err_set(err, -ETIMEDOUT,
                            "%s %s: cgroup.events does not say \"%s\" after %d "
                            "ms",
                            frozen ? "freeze" : "thaw", dir, want, CGROUP_WAIT_MS);
}

int zone_cgroup_freeze(struct zone_cgroup *cg, bool frozen, struct zone_err **err)
{
        struct zone_cgroup_dir *d = cgroup_v1_dir(cg, "freezer");
        if (d) {
                const char *want = frozen ? "FROZEN" : "THAWED";
                int r = cgroup_write(d->dir, "freezer.state", want, err);
                if (r < 0)
                        return r;
                return wait_v1_state(d->dir, want, err);
        }
        d = cgroup_v2_dir(cg);
        if (d && faccessat(AT_FDCWD, d->dir, F_OK, 0) == 0) {
                _cleanup_free_ char *probe = NULL;
                if (cgroup_read(d->dir, "cgroup.freeze", &probe) == 0) {
                        int r = cgroup_write(d->dir, "cgroup.freeze", frozen ? "1" : "0", err);
                        if (r < 0)
                                return r;
                        return wait_v2_frozen(d->dir, frozen, err);
                }
        }
        return zone_err_set(err, -EOPNOTSUPP, "%s cgroup %s: no freezer on this host",
                            frozen ? "freeze" : "thaw", cg->path);
}

/* ---- destroy ---- */

static int kill_all(struct zone_cgroup *cg, struct zone_err **err)
{
        struct zone_cgroup_dir *v2 = cgroup_v2_dir(cg);
        if (v2) {
                _cleanup_close_ int fd = open(v2->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0 && faccessat(fd, "cgroup.kill", W_OK, 0) == 0) {
                        int r = write_string_at(fd, "cgroup.kill", "1");
                        if (r < 0)
                                return zone_err_sys(err, r, "write \"1\" to %s/cgroup.kill",
                                                    v2->dir);
                }
        }
        for (int i = 0; i * 10 < CGROUP_WAIT_MS; i++) {
                bool empty = true;
                for (size_t k = 0; k < cg->n_dirs; k++) {
                        struct pid_list l = {0};
                        int r = read_tree_pids(cg->dirs[k].dir, 0, &l);
                        _cleanup_free_ pid_t *pids = l.pids;
                        size_t n = l.n;
                        if (r == -ENOENT)
                                continue;
                        if (r < 0)
                                return zone_err_sys(err, r, "list processes of cgroup %s",
                                                    cg->dirs[k].dir);
                        for (size_t j = 0; j < n; j++)
                                if (kill(pids[j], SIGKILL) < 0 && errno != ESRCH)
                                        return zone_err_sys(err, -errno,
                                                            "kill process %d of "
                                                            "cgroup %s",
                                                            (int)pids[j], cg->path);
                        empty = empty && n == 0;
                }
                if (empty)
                        return 0;
                sleep_ms(10);
        }
        return zone_err_set(err, -EBUSY,
                            "destroy cgroup %s: processes are still in it after %d "
                            "ms",
                            cg->path, CGROUP_WAIT_MS);
}

int zone_cgroup_destroy(struct zone_cgroup *cg, struct zone_err **err)
{
        /* A v1-frozen task does not act on SIGKILL until thawed. */
        struct zone_cgroup_dir *fz = cgroup_v1_dir(cg, "freezer");
        if (fz) {
                _cleanup_free_ char *state = NULL;
                if (cgroup_read(fz->dir, "freezer.state", &state) == 0 && strcmp(state, "THAWED")) {
                        int r = zone_cgroup_freeze(cg, false, err);
                        if (r < 0)
                                return zone_err_wrap(err, "destroy cgroup %s", cg->path);
                }
        }
        int r = kill_all(cg, err);
        if (r < 0)
                return r;
        return remove_created(cg, err);
}

/* Writes a resource value; the error names the spec field, the value and the file. */
int cgroup_write_field(const char *dir, const char *file, const char *value, const char *field,
                       struct zone_err **err)
{
        _cleanup_err_ struct zone_err *inner = NULL;
        int r = cgroup_write(dir, file, value, &inner);
        if (r < 0)
                return zone_err_set(err, r, "linux.resources.%s \"%s\": %s", field, value,
                                    inner ? inner->msg : "write failed");
        return 0;
}
