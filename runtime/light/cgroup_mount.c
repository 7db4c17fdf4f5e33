/* The "cgroup" mount type: the layout the host has at /sys/fs/cgroup. In a cgroup namespace
 * each hierarchy is mounted fresh (its root is then the container's cgroup); without one, the
 * process's own cgroup of each hierarchy is bound. Read-only unless the mount's options say
 * "rw". No cgroup is created here. */
#include "light/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "err.h"
#include "light/rootfs.h"
#include "spec.h"
#include "util.h"

#define HOST_CGROUP_ROOT "/sys/fs/cgroup"

/* Options of a v1 hierarchy that are not part of its identity; passing them again when
 * mounting an existing hierarchy is either refused or pointless. */
static bool cgroup_opt_is_identity(const char *opt)
{
        static const char *const skip[] = {"rw",
                                           "ro",
                                           "none",
                                           "noprefix",
                                           "xattr",
                                           "all",
                                           "clone_children",
                                           "cpuset_v2_mode",
                                           "favordynmods",
                                           "nofavordynmods"};
        for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
                if (!strcmp(opt, skip[i]))
                        return false;
        return strncmp(opt, "release_agent=", 14) != 0;
}

/* Superblock options of a hierarchy -> the data string that names it ("cpu,cpuacct"). */
static int cgroup_identity(const char *superopts, char **ret)
{
        _cleanup_free_ char *copy = strdup(superopts);
        _cleanup_free_ char *out = NULL;
        if (!copy)
                return -ENOMEM;
        char *save = NULL;
        for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                if (!cgroup_opt_is_identity(o))
                        continue;
                char *n = NULL;
                if (asprintf(&n, "%s%s%s", out ? out : "", out ? "," : "", o) < 0)
                        return -ENOMEM;
                free(out);
                out = n;
        }
        *ret = steal_pointer(&out);
        return 0;
}

/* The process's cgroup in the hierarchy whose controllers are `controllers` ("cpu,cpuacct",
 * "name=systemd", or "" for cgroup2), from /proc/self/cgroup. */
static int own_cgroup(const char *controllers, char **ret)
{
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 20, &text, NULL);
        if (r < 0)
                return r;
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                /* hierarchy-id:controllers:path */
                char *c = strchr(line, ':');
                char *path = c ? strchr(c + 1, ':') : NULL;
                if (!path)
                        continue;
                *path++ = 0;
                if (!strcmp(c + 1, controllers)) {
                        *ret = strdup(path);
                        return *ret ? 0 : -ENOMEM;
                }
        }
        return -ENOENT;
}

/* Without a cgroup namespace a fresh mount would show the whole host tree: bind only the
 * process's own cgroup, as runc does. */
static int bind_own_cgroup(const char *mountpoint, const char *controllers,
                           const struct light_mount_opts *o, bool userns, int destfd,
                           const char *where, struct zone_err **err)
{
        _cleanup_free_ char *path = NULL, *source = NULL;
        int r = own_cgroup(controllers, &path);
        if (r < 0)
                return zone_err_sys(err, r, "mount cgroup on %s: find own cgroup of \"%s\"", where,
                                    controllers);
        if (asprintf(&source, "%s%s", mountpoint, path) < 0)
                return zone_err_sys(err, -ENOMEM, "mount cgroup on %s", where);
        _cleanup_close_ int tree = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tree < 0)
                return zone_err_sys(err, -errno, "bind %s on %s", source, where);
        r = light_mount_setattr(tree, o->set, o->clear, false, userns);
        if (r < 0)
                return zone_err_sys(err, r, "bind %s on %s: set mount flags", source, where);
        if (move_mount(tree, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return zone_err_sys(err, -errno, "bind %s on %s", source, where);
        return 0;
}

/* One hierarchy from mountinfo, mounted at <tmpfs>/<name>. */
static int mount_hierarchy(int tmpfsfd, const char *dest, const char *mountpoint, const char *name,
                           const char *fstype, const char *superopts,
                           const struct light_mount_opts *o, bool cgroupns, bool userns,
                           struct zone_err **err)
{
        _cleanup_free_ char *where = NULL;
        if (asprintf(&where, "%s/%s", dest, name) < 0)
                return zone_err_sys(err, -ENOMEM, "mount cgroup on %s", dest);
        /* The fresh tmpfs is the root here: nothing of the image is involved. */
        _cleanup_close_ int fd = light_open_in_root(tmpfsfd, name, true, false, err);
        if (fd < 0)
                return zone_err_wrap(err, "mount %s on %s", fstype, where);
        struct light_mount_opts h = {.set = o->set, .clear = o->clear};
        int r = 0;
        if (!strcmp(fstype, "cgroup") && (r = cgroup_identity(superopts, &h.data)) < 0)
                return zone_err_sys(err, r, "mount %s on %s", fstype, where);
        if (cgroupns)
                r = light_mount_fs(fstype, "cgroup", &h, fd, where, err);
        else
                r = bind_own_cgroup(mountpoint, h.data ? h.data : "", o, userns, fd, where, err);
        light_mount_opts_done(&h);
        if (r < 0)
                return r;
        /* Co-mounted controllers get a link per controller, as the host usually has. */
        if (strchr(name, ',')) {
                _cleanup_free_ char *parts = strdup(name);
                if (!parts)
                        return zone_err_sys(err, -ENOMEM, "link %s", where);
                char *save = NULL;
                for (char *p = strtok_r(parts, ",", &save); p; p = strtok_r(NULL, ",", &save))
                        if (symlinkat(name, tmpfsfd, p) < 0 && errno != EEXIST)
                                return zone_err_sys(err, -errno, "link %s/%s -> %s", dest, p, name);
        }
        return 0;
}

/* Walks mountinfo for the host's hierarchies directly under /sys/fs/cgroup. */
static int mount_v1_hierarchies(int tmpfsfd, const char *dest, const struct light_mount_opts *o,
                                bool cgroupns, bool userns, struct zone_err **err)
{
        _cleanup_free_ char *info = NULL;
        int r = read_file_at(AT_FDCWD, "/proc/self/mountinfo", 4 << 20, &info, NULL);
        if (r < 0)
                return zone_err_sys(err, r, "read /proc/self/mountinfo");
        char *save = NULL;
        for (char *line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                /* id parent maj:min root mountpoint options [optional...] - type source super */
                char *sep = strstr(line, " - ");
                if (!sep)
                        continue;
                *sep = 0;
                char fstype[32], source[256], superopts[512], mountpoint[512];
                if (sscanf(sep + 3, "%31s %255s %511s", fstype, source, superopts) != 3 ||
                    sscanf(line, "%*s %*s %*s %*s %511s", mountpoint) != 1)
                        continue;
                if (strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2"))
                        continue;
                const char *name = mountpoint + strlen(HOST_CGROUP_ROOT);
                if (strncmp(mountpoint, HOST_CGROUP_ROOT "/", strlen(HOST_CGROUP_ROOT) + 1) ||
                    strchr(++name, '/') || !*name)
                        continue;
                r = mount_hierarchy(tmpfsfd, dest, mountpoint, name, fstype, superopts, o, cgroupns,
                                    userns, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int light_mount_cgroup(int rootfd, const struct zone_spec_mount *m,
                       const struct light_mount_opts *asked, bool cgroupns, bool userns,
                       struct zone_err **err)
{
        const char *dest = m->destination;
        /* Read-only unless the options say "rw": a writable view lets the zone's root raise
         * its own limits at the top of the tree it sees. */
        struct light_mount_opts eff = *asked;
        if (!(asked->clear & MS_RDONLY))
                eff.set |= MS_RDONLY;
        const struct light_mount_opts *o = &eff;
        struct statfs sfs;
        if (statfs(HOST_CGROUP_ROOT, &sfs) < 0)
                return zone_err_sys(err, -errno, "mount cgroup on %s: statfs %s", dest,
                                    HOST_CGROUP_ROOT);
        _cleanup_close_ int destfd = light_open_in_root(rootfd, dest, true, false, err);
        if (destfd < 0)
                return zone_err_wrap(err, "mount cgroup on %s", dest);
        if (sfs.f_type == CGROUP2_SUPER_MAGIC)
                return cgroupns
                           ? light_mount_fs("cgroup2", "cgroup", o, destfd, dest, err)
                           : bind_own_cgroup(HOST_CGROUP_ROOT, "", o, userns, destfd, dest, err);

        /* v1 or hybrid: a tmpfs holding one mount per hierarchy; it is made read-only last,
         * once populated, when the mount asks for "ro". */
        char mode[] = "mode=755";
        struct light_mount_opts t = {
            .set = (o->set & ~(unsigned long)MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC,
            .data = mode,
        };
        int r = light_mount_fs("tmpfs", "cgroup", &t, destfd, dest, err);
        if (r < 0)
                return r;
        _cleanup_close_ int tmpfsfd = light_open_in_root(rootfd, dest, false, false, err);
        if (tmpfsfd < 0)
                return zone_err_wrap(err, "mount cgroup on %s", dest);
        r = mount_v1_hierarchies(tmpfsfd, dest, o, cgroupns, userns, err);
        if (r < 0)
                return r;
        if (o->set & MS_RDONLY) {
                r = light_mount_setattr(tmpfsfd, MS_RDONLY, 0, false, false);
                if (r < 0)
                        return zone_err_sys(err, r, "remount %s read-only", dest);
        }
        return 0;
}
