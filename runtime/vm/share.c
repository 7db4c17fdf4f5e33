/* The bind mounts' sources shared with the guest (share.h). */
#include "share.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../err.h"
#include "../light/mounts.h"
#include "../spec.h"
#include "../util.h"
#include "proto.h"

/* The character devices every zone has (the runtime-spec's defaults): the guest has its own,
 * which are what a bind of the host's means. */
static const struct {
        unsigned major, minor;
        const char *path;
} guest_devices[] = {{1, 3, "/dev/null"},   {1, 5, "/dev/zero"},    {1, 7, "/dev/full"},
                     {1, 8, "/dev/random"}, {1, 9, "/dev/urandom"}, {5, 0, "/dev/tty"}};

/* The host's kernel interfaces: a guest has its own, the host's are not for it to see. */
static const char *const host_only[] = {"/dev", "/proc", "/sys"};

static bool under(const char *path, const char *dir)
{
        size_t n = strlen(dir);
        return strncmp(path, dir, n) == 0 && (path[n] == 0 || path[n] == '/');
}

void vm_share_close(const struct vm_share *s)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->entries[i].tree >= 0)
                        close(s->entries[i].tree);
}

void vm_share_done(struct vm_share *s)
{
        vm_share_close(s);
        free(s->entries);
        for (size_t i = 0; i < s->n_mounts; i++)
                free(s->guest_sources[i]);
        free(s->guest_sources);
        *s = (struct vm_share){0};
}

/* Mount i's source in the guest, or NULL (not a bind: left as it is); an entry is added to s
 * for a source the guest must be given. */
static int share_one(const struct zone_spec *spec, size_t i, const char *type, struct vm_share *s,
                     char **ret, struct zone_err **err)
{
        const struct zone_spec_mount *m = &spec->mounts[i];
        char what[64];
        snprintf(what, sizeof(what), "mounts[%zu].options", i);
        struct light_mount_opts o;
        int r = light_mount_opts_parse(m->options, what, &o, err);
        if (r < 0)
                return r;
        light_mount_opts_done(&o);
        bool bind = o.bind || (m->type && strcmp(m->type, "bind") == 0);
        *ret = NULL;
        /* Not a bind, or one the guest's libzone refuses with its own message. */
        if (!bind || (o.set & MS_REMOUNT) || !m->source || !*m->source)
                return 0;

        /* Followed like the light backend follows it, once: QEMU binds this very file. */
        _cleanup_close_ int fd = open(m->source, O_PATH | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "mounts[%zu].source: %s", i, m->source);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return zone_err_sys(err, -errno, "mounts[%zu].source: stat %s", i, m->source);
        if (S_ISCHR(st.st_mode))
                for (size_t k = 0; k < ARRAY_SIZE(guest_devices); k++)
                        if (major(st.st_rdev) == guest_devices[k].major &&
                            minor(st.st_rdev) == guest_devices[k].minor) {
                                *ret = strdup(guest_devices[k].path);
                                return *ret ? 0 : zone_err_sys(err, -ENOMEM, "mounts[%zu]", i);
                        }
        char link[64], path[PATH_MAX];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, path, sizeof(path) - 1);
        if (n < 0)
                return zone_err_sys(err, -errno, "mounts[%zu].source: resolve %s", i, m->source);
        path[n] = 0;
        for (size_t k = 0; k < ARRAY_SIZE(host_only); k++)
                if (under(path, host_only[k]))
                        return zone_err_set(err, -EOPNOTSUPP,
                                            "mounts[%zu].source: %s is in the host's %s, which "
                                            "a %s zone's guest cannot be given",
                                            i, m->source, host_only[k], type);
        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
                return zone_err_set(err, -EOPNOTSUPP,
                                    "mounts[%zu].source: %s is not a file or a directory, the "
                                    "only kinds a %s zone's guest can be given",
                                    i, m->source, type);

        /* The copy QEMU's root holds, taken here: a mount of this namespace cannot be cloned
         * from QEMU's own. Never suid, dev or exec on the host's side, read-only as the mount
         * asks (only its top without "rro", as the guest's bind is). */
        bool ro = (o.set & MS_RDONLY) || (o.rec_attr_set & MOUNT_ATTR_RDONLY),
             rec_ro = o.rec_attr_set & MOUNT_ATTR_RDONLY;
        _cleanup_close_ int tree = open_tree(fd, "",
                                             OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
                                                 (o.rec ? AT_RECURSIVE : 0));
        if (tree < 0)
                return zone_err_sys(err, -errno, "mounts[%zu].source: bind %s", i, m->source);
        r = light_mount_setattr(tree, MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, true, false);
        if (r >= 0 && ro)
                r = light_mount_setattr(tree, MS_RDONLY, 0, rec_ro, false);
        if (r < 0)
                return zone_err_sys(err, r, "mounts[%zu].source: set the flags of the bind of %s",
                                    i, m->source);

        struct vm_share_entry *e = realloc(s->entries, (s->n + 1) * sizeof(*e));
        if (!e)
                return zone_err_sys(err, -ENOMEM, "mounts[%zu]", i);
        s->entries = e;
        if (asprintf(ret, "%s/%zu", VM_SHARE_GUEST_DIR, s->n) < 0) {
                *ret = NULL;
                return zone_err_sys(err, -ENOMEM, "mounts[%zu]", i);
        }
        e[s->n++] = (struct vm_share_entry){
            .tree = steal_fd(&tree),
            .dir = S_ISDIR(st.st_mode),
            .readonly = ro && (!o.rec || rec_ro),
        };
        return 0;
}

int vm_share_open(const struct zone_spec *spec, const char *type, struct vm_share *ret,
                  struct zone_err **err)
{
        __attribute__((cleanup(vm_share_done))) struct vm_share s = {0};
        if (spec->n_mounts) {
                s.guest_sources = calloc(spec->n_mounts, sizeof(*s.guest_sources));
                if (!s.guest_sources)
                        return zone_err_sys(err, -ENOMEM, "mounts");
                s.n_mounts = spec->n_mounts;
        }
        for (size_t i = 0; i < spec->n_mounts; i++) {
                int r = share_one(spec, i, type, &s, &s.guest_sources[i], err);
                if (r < 0)
                        return r;
        }
        s.readonly = s.n > 0;
        for (size_t i = 0; i < s.n; i++)
                s.readonly &= s.entries[i].readonly;
        *ret = s;
        s = (struct vm_share){0};
        return 0;
}
