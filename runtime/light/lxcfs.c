/* LXCFS's /proc files over the zone's own (lxcfs.h). Part of the rootfs step rather than a
 * createContainer hook: it needs no entry in each zone's config, it runs in the zone's mount
 * namespace with its root still reachable by fd (the binds are resolved inside it like every
 * other mount), and the opt-out is an annotation like the zone's other settings. */
#include "light/lxcfs.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "light/rootfs.h"
#include "spec.h"
#include "util.h"

static const char *const lxcfs_files[] = {"meminfo",   "cpuinfo", "stat",   "uptime",
                                          "diskstats", "swaps",   "loadavg"};

int light_lxcfs_validate(const struct zone_spec *spec, struct zone_err **err)
{
        const char *v = zone_spec_annotation(spec, LXCFS_ANNOTATION);
        if (!v || strcmp(v, "false") == 0 || strcmp(v, "true") == 0 || v[0] == '/')
                return 0;
        return zone_err_set(err, -EINVAL,
                            "annotations[\"%s\"]: \"%s\" is neither true, false nor an "
                            "absolute path (LXCFS's mount point)",
                            LXCFS_ANNOTATION, v);
}

/* True when the zone's config mounts a proc file system on /proc. */
static bool mounts_proc(const struct zone_spec *spec)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                const struct zone_spec_mount *m = &spec->mounts[i];
                if (m->type && strcmp(m->type, "proc") == 0 && m->destination &&
                    strcmp(m->destination + strspn(m->destination, "/"), "proc") == 0)
                        return true;
        }
        return false;
}

/* True when the kernel itself shows a task in a cgroup namespace its cgroups' limits (the
 * zone-aware /proc of kernel-patches/host/, switched on): LXCFS would only add a daemon. */
static bool kernel_view(const struct zone_spec *spec)
{
        if (!zone_spec_namespace(spec, CLONE_NEWCGROUP))
                return false;
        _cleanup_close_ int fd = open(LXCFS_KERNEL_VIEW, O_RDONLY | O_CLOEXEC);
        char c = 0;
        return fd >= 0 && read(fd, &c, 1) == 1 && c == '1';
}

int light_lxcfs_bind(int rootfd, const struct zone_spec *spec, struct zone_err **err)
{
        const char *v = zone_spec_annotation(spec, LXCFS_ANNOTATION);
        if ((v && strcmp(v, "false") == 0) || !mounts_proc(spec))
                return 0;
        bool chosen = v && v[0] == '/';
        const char *dir = chosen ? v : LXCFS_DEFAULT_DIR;
        char path[4096];
        snprintf(path, sizeof(path), "%s/proc/meminfo", dir);
        if (access(path, R_OK) < 0) {
                /* Not running: the zone keeps the kernel's files, unless asked for LXCFS. */
                if (!chosen)
                        return 0;
                return zone_err_sys(err, -errno, "annotations[\"%s\"]: %s: is LXCFS running on %s?",
                                    LXCFS_ANNOTATION, path, dir);
        }
        /* Asked only when LXCFS runs: a start without it costs no more. */
        if (!chosen && kernel_view(spec))
                return 0;
        for (size_t i = 0; i < sizeof(lxcfs_files) / sizeof(lxcfs_files[0]); i++) {
                char src[4096], dst[64];
                snprintf(src, sizeof(src), "%s/proc/%s", dir, lxcfs_files[i]);
                snprintf(dst, sizeof(dst), "/proc/%s", lxcfs_files[i]);
                _cleanup_close_ int tree =
                    open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
                if (tree < 0) {
                        if (errno == ENOENT)
                                continue; /* an older LXCFS */
                        return zone_err_sys(err, -errno, "LXCFS: bind %s on %s", src, dst);
                }
                _cleanup_close_ int destfd = light_open_in_root(rootfd, dst, false, false, err);
                if (destfd < 0)
                        return zone_err_wrap(err, "LXCFS: bind %s on %s", src, dst);
                if (move_mount(tree, "", destfd, "",
                               MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        return zone_err_sys(err, -errno, "LXCFS: bind %s on %s", src, dst);
        }
        return 0;
}
