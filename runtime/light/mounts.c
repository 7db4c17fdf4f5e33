/* The config's mounts: option parsing and mounting one entry into the rootfs. */
#include "light/mounts.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "err.h"
#include "light/rootfs.h"
#include "spec.h"
#include "util.h"

enum opt_kind {
        OPT_SET,         /* value: MS_* turned on */
        OPT_CLEAR,       /* value: MS_* turned off */
        OPT_REC_SET,     /* value: MOUNT_ATTR_* turned on recursively */
        OPT_REC_CLEAR,   /* value: MOUNT_ATTR_* turned off recursively */
        OPT_PROPAGATION, /* value: MS_SHARED... (| MS_REC) */
        OPT_BIND,        /* value: MS_REC for rbind */
        OPT_IGNORED,
        OPT_UNSUPPORTED,
};

struct opt {
        const char *name;
        enum opt_kind kind;
        unsigned long value;
};

static const struct opt opts_table[] = {
    {"ro", OPT_SET, MS_RDONLY},
    {"rw", OPT_CLEAR, MS_RDONLY},
    {"nosuid", OPT_SET, MS_NOSUID},
    {"suid", OPT_CLEAR, MS_NOSUID},
    {"nodev", OPT_SET, MS_NODEV},
    {"dev", OPT_CLEAR, MS_NODEV},
    {"noexec", OPT_SET, MS_NOEXEC},
    {"exec", OPT_CLEAR, MS_NOEXEC},
    {"sync", OPT_SET, MS_SYNCHRONOUS},
    {"async", OPT_CLEAR, MS_SYNCHRONOUS},
    {"dirsync", OPT_SET, MS_DIRSYNC},
    {"remount", OPT_SET, MS_REMOUNT},
    {"mand", OPT_SET, MS_MANDLOCK},
    {"nomand", OPT_CLEAR, MS_MANDLOCK},
    {"atime", OPT_CLEAR, MS_NOATIME},
    {"noatime", OPT_SET, MS_NOATIME},
    {"diratime", OPT_CLEAR, MS_NODIRATIME},
    {"nodiratime", OPT_SET, MS_NODIRATIME},
    {"relatime", OPT_SET, MS_RELATIME},
    {"norelatime", OPT_CLEAR, MS_RELATIME},
    {"strictatime", OPT_SET, MS_STRICTATIME},
    {"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
    {"lazytime", OPT_SET, MS_LAZYTIME},
    {"nolazytime", OPT_CLEAR, MS_LAZYTIME},
    {"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
    {"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
    {"bind", OPT_BIND, 0},
    {"rbind", OPT_BIND, MS_REC},
    {"shared", OPT_PROPAGATION, MS_SHARED},
    {"rshared", OPT_PROPAGATION, MS_SHARED | MS_REC},
    {"slave", OPT_PROPAGATION, MS_SLAVE},
    {"rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC},
    {"private", OPT_PROPAGATION, MS_PRIVATE},
    {"rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC},
    {"unbindable", OPT_PROPAGATION, MS_UNBINDABLE},
    {"runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC},
    /* Recursive mount attributes (runtime-spec 1.1), applied with mount_setattr. */
    {"rro", OPT_REC_SET, MOUNT_ATTR_RDONLY},
    {"rrw", OPT_REC_CLEAR, MOUNT_ATTR_RDONLY},
    {"rnosuid", OPT_REC_SET, MOUNT_ATTR_NOSUID},
    {"rsuid", OPT_REC_CLEAR, MOUNT_ATTR_NOSUID},
    {"rnodev", OPT_REC_SET, MOUNT_ATTR_NODEV},
    {"rdev", OPT_REC_CLEAR, MOUNT_ATTR_NODEV},
    {"rnoexec", OPT_REC_SET, MOUNT_ATTR_NOEXEC},
    {"rexec", OPT_REC_CLEAR, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", OPT_REC_SET, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", OPT_REC_CLEAR, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", OPT_REC_SET, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", OPT_REC_CLEAR, MOUNT_ATTR_NOSYMFOLLOW},
    /* Copying the image's content up into a fresh tmpfs is not implemented: the tmpfs
     * starts empty, which only matters for images that ship files under tmpfs paths. */
    {"tmpcopyup", OPT_IGNORED, 0},
    /* ID-mapped mounts need the user namespace fd at mount time (not wired yet). */
    {"idmap", OPT_UNSUPPORTED, 0},
    {"ridmap", OPT_UNSUPPORTED, 0},
};

static int data_append(char **data, const char *opt)
{
        char *n = NULL;
        if (asprintf(&n, "%s%s%s", *data ? *data : "", *data ? "," : "", opt) < 0)
                return -ENOMEM;
        free(*data);
        *data = n;
        return 0;
}

int light_propagation_parse(const char *name, unsigned long *ret)
{
        for (size_t i = 0; i < ARRAY_SIZE(opts_table); i++)
                if (opts_table[i].kind == OPT_PROPAGATION && !strcmp(opts_table[i].name, name)) {
                        *ret = opts_table[i].value;
                        return 0;
                }
        return -EINVAL;
}

int light_mount_opts_parse(char *const *options, const char *what, struct light_mount_opts *ret,
                           struct zone_err **err)
{
        struct light_mount_opts o = {0};
        for (size_t i = 0; options && options[i]; i++) {
                const char *name = options[i];
                const struct opt *f = NULL;
                for (size_t j = 0; j < ARRAY_SIZE(opts_table) && !f; j++)
                        if (!strcmp(opts_table[j].name, name))
                                f = &opts_table[j];
                if (!f) {
                        if (!*name)
                                continue;
                        if (data_append(&o.data, name) < 0) {
                                light_mount_opts_done(&o);
                                return zone_err_sys(err, -ENOMEM, "%s", what);
                        }
                        continue;
                }
                switch (f->kind) {
                case OPT_SET:
                        o.set |= f->value;
                        o.clear &= ~f->value;
                        break;
                case OPT_CLEAR:
                        o.clear |= f->value;
                        o.set &= ~f->value;
                        break;
                case OPT_REC_SET:
                        o.rec_attr_set |= f->value;
                        o.rec_attr_clear &= ~(uint64_t)f->value;
                        break;
                case OPT_REC_CLEAR:
                        o.rec_attr_clear |= f->value;
                        o.rec_attr_set &= ~(uint64_t)f->value;
                        break;
                case OPT_PROPAGATION:
                        o.propagation = f->value & ~(unsigned long)MS_REC;
                        o.propagation_rec = f->value & MS_REC;
                        break;
                case OPT_BIND:
                        o.bind = true;
                        o.rec = o.rec || (f->value & MS_REC);
                        break;
                case OPT_IGNORED:
                        break;
                case OPT_UNSUPPORTED:
                        light_mount_opts_done(&o);
                        return zone_err_set(err, -EOPNOTSUPP, "%s: \"%s\" is not supported", what,
                                            name);
                }
        }
        *ret = o;
        return 0;
}

void light_mount_opts_done(struct light_mount_opts *o)
{
        free(o->data);
        o->data = NULL;
}

/* MS_* per-mount flags -> MOUNT_ATTR_* (atime handled apart: it is a mode, not a bit). */
static uint64_t ms_to_attr(unsigned long ms)
{
        uint64_t a = 0;
        if (ms & MS_RDONLY)
                a |= MOUNT_ATTR_RDONLY;
        if (ms & MS_NOSUID)
                a |= MOUNT_ATTR_NOSUID;
        if (ms & MS_NODEV)
                a |= MOUNT_ATTR_NODEV;
        if (ms & MS_NOEXEC)
                a |= MOUNT_ATTR_NOEXEC;
        if (ms & MS_NODIRATIME)
                a |= MOUNT_ATTR_NODIRATIME;
        if (ms & MS_NOSYMFOLLOW)
                a |= MOUNT_ATTR_NOSYMFOLLOW;
        return a;
}

#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

/* The atime mode asked for, or -1 when the options do not touch atime. */
static int64_t atime_attr(unsigned long set, unsigned long clear)
{
        if (set & MS_NOATIME)
                return MOUNT_ATTR_NOATIME;
        if (set & MS_STRICTATIME)
                return MOUNT_ATTR_STRICTATIME;
        if ((set | clear) & ATIME_FLAGS)
                return MOUNT_ATTR_RELATIME; /* the kernel's default mode */
        return -1;
}

static int setattr_raw(int fd, uint64_t set, uint64_t clear, bool recursive)
{
        if (!set && !clear)
                return 0;
        struct mount_attr attr = {.attr_set = set, .attr_clr = clear};
        unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
        return mount_setattr(fd, "", flags, &attr, sizeof(attr)) < 0 ? -errno : 0;
}

int light_mount_setattr(int fd, unsigned long set, unsigned long clear, bool recursive,
                        bool keep_locked)
{
        uint64_t aset = ms_to_attr(set), aclr = ms_to_attr(clear);
        int64_t atime = atime_attr(set, clear);
        if (keep_locked) {
                /* What the mount already has may be locked by a more privileged user
                 * namespace; clearing it would fail with EPERM, so it is kept (as runc does). */
                struct statvfs sv;
                if (fstatvfs(fd, &sv) < 0)
                        return -errno;
                aclr &= ~ms_to_attr(sv.f_flag &
                                    (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NODIRATIME));
                if (sv.f_flag & (ST_NOATIME | ST_RELATIME))
                        atime = -1;
        }
        if (atime >= 0) {
                aclr |= MOUNT_ATTR__ATIME;
                aset |= (uint64_t)atime;
        }
        return setattr_raw(fd, aset, aclr, recursive);
}

/* Reads what the kernel logged on a filesystem context, for a better message. */
static void fs_context_message(int fsfd, char *buf, size_t size)
{
        buf[0] = 0;
        ssize_t n = read(fsfd, buf, size - 1);
        if (n <= 0) {
                buf[0] = 0;
                return;
        }
        buf[n] = 0;
        buf[strcspn(buf, "\n")] = 0;
        /* Messages start with "e ", "w " or "i ". */
        if (n > 2 && buf[1] == ' ')
                memmove(buf, buf + 2, strlen(buf + 2) + 1);
}

static int fs_error(struct zone_err **err, int fsfd, int code, const char *type, const char *dest,
                    const char *step)
{
        char msg[256];
        fs_context_message(fsfd, msg, sizeof(msg));
        return zone_err_set(err, code, "mount %s on %s: %s%s%s%s%s", type, dest, step,
                            *step ? ": " : "", zone_errno_name(code), *msg ? ": " : "", msg);
}

static int fs_set_option(int fsfd, const char *opt)
{
        const char *eq = strchr(opt, '=');
        int r;
        if (eq) {
                _cleanup_free_ char *key = strndup(opt, eq - opt);
                if (!key)
                        return -ENOMEM;
                r = fsconfig(fsfd, FSCONFIG_SET_STRING, key, eq + 1, 0);
        } else {
                r = fsconfig(fsfd, FSCONFIG_SET_FLAG, opt, NULL, 0);
        }
        return r < 0 ? -errno : 0;
}

int light_mount_fs(const char *type, const char *source, const struct light_mount_opts *o,
                   int destfd, const char *dest_name, struct zone_err **err)
{
        _cleanup_close_ int fsfd = fsopen(type, FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return zone_err_sys(err, -errno, "mount %s on %s", type, dest_name);
        if (source && *source && fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
                return fs_error(err, fsfd, -errno, type, dest_name, "source");

        /* Superblock flags are filesystem options in this API. MS_RDONLY is deliberately only
         * a mount attribute: the superblock may be shared (proc, sysfs, cgroup v1) and must
         * not turn read-only for its other users. */
        static const struct {
                unsigned long ms;
                const char *on, *off;
        } sb_flags[] = {
            {MS_SYNCHRONOUS, "sync", "async"},
            {MS_DIRSYNC, "dirsync", NULL},
            {MS_MANDLOCK, "mand", "nomand"},
            {MS_LAZYTIME, "lazytime", "nolazytime"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(sb_flags); i++) {
                const char *name = (o->set & sb_flags[i].ms)     ? sb_flags[i].on
                                   : (o->clear & sb_flags[i].ms) ? sb_flags[i].off
                                                                 : NULL;
                if (name && fsconfig(fsfd, FSCONFIG_SET_FLAG, name, NULL, 0) < 0)
                        return fs_error(err, fsfd, -errno, type, dest_name, name);
        }
        if (o->data) {
                _cleanup_free_ char *data = strdup(o->data);
                if (!data)
                        return zone_err_sys(err, -ENOMEM, "mount %s on %s", type, dest_name);
                char *save = NULL;
                for (char *opt = strtok_r(data, ",", &save); opt;
                     opt = strtok_r(NULL, ",", &save)) {
                        int r = fs_set_option(fsfd, opt);
                        if (r < 0)
                                return fs_error(err, fsfd, r, type, dest_name, opt);
                }
        }
        /* Set on its own: an SELinux context holds commas (s0:c1,c2). */
        if (o->context && fsconfig(fsfd, FSCONFIG_SET_STRING, "context", o->context, 0) < 0)
                return fs_error(err, fsfd, -errno, type, dest_name, "context");
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return fs_error(err, fsfd, -errno, type, dest_name, "");

        uint64_t attrs = ms_to_attr(o->set);
        int64_t atime = atime_attr(o->set, o->clear);
        if (atime > 0)
                attrs |= (uint64_t)atime;
        _cleanup_close_ int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, attrs);
        if (mfd < 0)
                return fs_error(err, fsfd, -errno, type, dest_name, "");
        int r = setattr_raw(mfd, o->rec_attr_set, o->rec_attr_clear, true);
        if (r < 0)
                return zone_err_sys(err, r, "mount %s on %s: set recursive attributes", type,
                                    dest_name);
        if (move_mount(mfd, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return zone_err_sys(err, -errno, "mount %s on %s", type, dest_name);
        return 0;
}

/* Clones source (a host path, relative to the bundle) and attaches it at dest. */
static int mount_bind(int rootfd, const char *source, const char *dest,
                      const struct light_mount_opts *o, bool userns, struct zone_err **err)
{
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (o->rec ? AT_RECURSIVE : 0);
        _cleanup_close_ int tree = open_tree(AT_FDCWD, source, flags);
        if (tree < 0)
                return zone_err_sys(err, -errno, "bind %s on %s", source, dest);
        struct stat st;
        if (fstat(tree, &st) < 0)
                return zone_err_sys(err, -errno, "bind %s on %s: stat", source, dest);
        /* The flags apply to the top mount only unless asked recursively ("rro"), as with
         * the bind remount of runc and crun. Flags not mentioned are left as the source has
         * them, so a bind never silently gains suid/dev/exec. */
        int r = light_mount_setattr(tree, o->set, o->clear, false, userns);
        if (r >= 0)
                r = setattr_raw(tree, o->rec_attr_set, o->rec_attr_clear, true);
        if (r < 0)
                return zone_err_sys(err, r, "bind %s on %s: set mount flags", source, dest);

        _cleanup_close_ int destfd =
            light_open_in_root(rootfd, dest, true, !S_ISDIR(st.st_mode), err);
        if (destfd < 0)
                return zone_err_wrap(err, "bind %s on %s", source, dest);
        if (move_mount(tree, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return zone_err_sys(err, -errno, "bind %s on %s", source, dest);
        return 0;
}

static int set_propagation(int rootfd, const char *dest, const struct light_mount_opts *o,
                           struct zone_err **err)
{
        _cleanup_close_ int fd = light_open_in_root(rootfd, dest, false, false, err);
        if (fd < 0)
                return zone_err_wrap(err, "set propagation of %s", dest);
        struct mount_attr attr = {.propagation = o->propagation};
        unsigned flags = AT_EMPTY_PATH | (o->propagation_rec ? AT_RECURSIVE : 0);
        if (mount_setattr(fd, "", flags, &attr, sizeof(attr)) < 0)
                return zone_err_sys(err, -errno, "set propagation of %s", dest);
        return 0;
}

static bool has_cgroupns(const struct zone_spec *spec)
{
        for (size_t i = 0; spec->has_linux && i < spec->linux.n_namespaces; i++)
                if (spec->linux.namespaces[i].type == CLONE_NEWCGROUP)
                        return true;
        return false;
}

int light_mount_one(int rootfd, const struct zone_spec *spec, size_t i, bool userns,
                    const char *mount_label, struct zone_err **err)
{
        const struct zone_spec_mount *m = &spec->mounts[i];
        char what[64];
        snprintf(what, sizeof(what), "mounts[%zu].options", i);
        if (!m->destination || !*m->destination)
                return zone_err_set(err, -EINVAL, "mounts[%zu]: no destination", i);

        struct light_mount_opts o;
        int r = light_mount_opts_parse(m->options, what, &o, err);
        if (r < 0)
                return r;
        const char *type = m->type && *m->type ? m->type : NULL;
        const char *dest = m->destination;
        if (type && !strcmp(type, "bind"))
                o.bind = true;

        if (o.set & MS_REMOUNT) {
                /* Change the flags of what is already mounted there. */
                _cleanup_close_ int fd = light_open_in_root(rootfd, dest, false, false, err);
                if (fd < 0)
                        r = zone_err_wrap(err, "remount %s", dest);
                else if ((r = light_mount_setattr(fd, o.set, o.clear, false, userns)) < 0)
                        zone_err_sys(err, r, "remount %s", dest);
        } else if (o.bind) {
                if (!m->source || !*m->source)
                        r = zone_err_set(err, -EINVAL,
                                         "mounts[%zu]: bind mount on %s needs a source", i, dest);
                else
                        r = mount_bind(rootfd, m->source, dest, &o, userns, err);
        } else if (!type) {
                r = zone_err_set(err, -EINVAL, "mounts[%zu]: no type for %s", i, dest);
        } else if (!strcmp(type, "cgroup")) {
                r = light_mount_cgroup(rootfd, m, &o, has_cgroupns(spec), userns, err);
        } else {
                _cleanup_close_ int fd = light_open_in_root(rootfd, dest, true, false, err);
                if (fd < 0) {
                        r = zone_err_wrap(err, "mount %s on %s", type, dest);
                } else {
                        /* linux.mountLabel for the filesystems made for the zone alone. */
                        if (!strcmp(type, "tmpfs") || !strcmp(type, "devpts") ||
                            !strcmp(type, "mqueue"))
                                o.context = mount_label;
                        r = light_mount_fs(type, m->source, &o, fd, dest, err);
                        if (r == -EPERM && userns && !strcmp(type, "sysfs")) {
                                /* A user namespace without its own network namespace may not
                                 * mount sysfs; the host's, read-only, is what runc gives. */
                                if (err) {
                                        zone_err_free(*err);
                                        *err = NULL;
                                }
                                o.rec = true;
                                o.set |= MS_RDONLY;
                                r = mount_bind(rootfd, "/sys", dest, &o, userns, err);
                        }
                }
        }
        if (r >= 0 && o.propagation)
                r = set_propagation(rootfd, dest, &o, err);
        light_mount_opts_done(&o);
        return r;
}
