/* Device nodes and /dev symlinks in the container's /dev, when /dev is not the host's. */
#include "light/mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "err.h"
#include "light/rootfs.h"
#include "spec.h"
#include "util.h"

struct node {
        const char *path;
        mode_t type; /* S_IFCHR, S_IFBLK, S_IFIFO */
        unsigned major, minor;
        mode_t perm;
        uid_t uid;
        gid_t gid;
};

/* The runtime-spec's "Default Devices". */
static const struct node default_nodes[] = {
    {"/dev/null", S_IFCHR, 1, 3, 0666, 0, 0},    {"/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0},
    {"/dev/full", S_IFCHR, 1, 7, 0666, 0, 0},    {"/dev/random", S_IFCHR, 1, 8, 0666, 0, 0},
    {"/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0}, {"/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0},
};

static const struct {
        const char *name, *target;
} dev_links[] = {
    {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"}, {"core", "/proc/kcore"},
};

/* A user namespace may not mknod: the host's node (same path) is bind-mounted onto an empty
 * file instead, which keeps the host's permissions on the device. */
static int bind_host_node(int rootfd, const struct node *n, struct zone_err **err)
{
        _cleanup_close_ int tree =
            open_tree(AT_FDCWD, n->path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tree < 0)
                return zone_err_sys(err, -errno, "bind host device %s", n->path);
        _cleanup_close_ int fd = light_open_in_root(rootfd, n->path, true, true, err);
        if (fd < 0)
                return zone_err_wrap(err, "bind host device %s", n->path);
        if (move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return zone_err_sys(err, -errno, "bind host device %s", n->path);
        return 0;
}

static int make_node(int rootfd, const struct node *n, bool userns, struct zone_err **err)
{
        const char *slash = strrchr(n->path, '/');
        const char *base = slash ? slash + 1 : n->path;
        if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
                return zone_err_set(err, -EINVAL, "create device %s: not a file name", n->path);
        if (userns && n->type != S_IFIFO)
                return bind_host_node(rootfd, n, err);

        _cleanup_free_ char *dir = slash ? strndup(n->path, slash - n->path) : strdup("");
        if (!dir)
                return zone_err_sys(err, -ENOMEM, "create device %s", n->path);
        _cleanup_close_ int parentfd = light_open_in_root(rootfd, dir, true, false, err);
        if (parentfd < 0)
                return zone_err_wrap(err, "create device %s", n->path);
        if (mknodat(parentfd, base, n->type | n->perm, makedev(n->major, n->minor)) < 0) {
                /* What the image already has is kept, as runc does; nothing is changed through
                 * it (it could be a symlink). */
                if (errno == EEXIST)
                        return 0;
                if (errno == EPERM && n->type != S_IFIFO)
                        return bind_host_node(rootfd, n, err);
                return zone_err_sys(err, -errno, "create device %s", n->path);
        }
        /* mknod applied the umask; the node is ours, freshly made, so path-based calls on it
         * cannot be redirected. */
        if (fchmodat(parentfd, base, n->perm, 0) < 0)
                return zone_err_sys(err, -errno, "chmod device %s", n->path);
        if (fchownat(parentfd, base, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
                return zone_err_sys(err, -errno, "chown device %s", n->path);
        return 0;
}

static int node_from_spec(const struct zone_spec_device *d, size_t i, struct node *ret,
                          struct zone_err **err)
{
        if (!d->path || !*d->path)
                return zone_err_set(err, -EINVAL, "linux.devices[%zu]: no path", i);
        mode_t type;
        switch (d->type) {
        case 'c':
        case 'u':
                type = S_IFCHR;
                break;
        case 'b':
                type = S_IFBLK;
                break;
        case 'p':
                type = S_IFIFO;
                break;
        default:
                return zone_err_set(err, -EINVAL, "linux.devices[%zu]: unknown type '%c'", i,
                                    d->type);
        }
        if (type != S_IFIFO &&
            (d->major < 0 || d->minor < 0 || d->major > 0xfff || d->minor > 0xfffff))
                return zone_err_set(err, -EINVAL, "linux.devices[%zu]: bad device number %lld:%lld",
                                    i, (long long)d->major, (long long)d->minor);
        *ret = (struct node){
            .path = d->path,
            .type = type,
            .major = type == S_IFIFO ? 0 : (unsigned)d->major,
            .minor = type == S_IFIFO ? 0 : (unsigned)d->minor,
            .perm = d->has_file_mode ? d->file_mode & 07777 : 0666,
            .uid = d->has_uid ? d->uid : 0,
            .gid = d->has_gid ? d->gid : 0,
        };
        return 0;
}

static int make_links(int rootfd, struct zone_err **err)
{
        _cleanup_close_ int devfd = light_open_in_root(rootfd, "/dev", true, false, err);
        if (devfd < 0)
                return zone_err_wrap(err, "create /dev links");
        /* ptmx must be the devpts instance's, whatever the image put there. */
        if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
                return zone_err_sys(err, -errno, "remove /dev/ptmx");
        if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
                return zone_err_sys(err, -errno, "link /dev/ptmx -> pts/ptmx");
        for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++)
                if (symlinkat(dev_links[i].target, devfd, dev_links[i].name) < 0 && errno != EEXIST)
                        return zone_err_sys(err, -errno, "link /dev/%s -> %s", dev_links[i].name,
                                            dev_links[i].target);
        return 0;
}

int light_setup_devices(int rootfd, const struct zone_spec *spec, bool userns,
                        struct zone_err **err)
{
        int r;
        for (size_t i = 0; i < ARRAY_SIZE(default_nodes); i++)
                if ((r = make_node(rootfd, &default_nodes[i], userns, err)) < 0)
                        return r;
        for (size_t i = 0; spec->has_linux && i < spec->linux.n_devices; i++) {
                struct node n;
                if ((r = node_from_spec(&spec->linux.devices[i], i, &n, err)) < 0 ||
                    (r = make_node(rootfd, &n, userns, err)) < 0)
                        return r;
        }
        return make_links(rootfd, err);
}
