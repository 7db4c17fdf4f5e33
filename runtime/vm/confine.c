/* QEMU's confinement (confine.h). The new root is a read-only tmpfs with read-only binds of
 * /usr and the library directories (symlinks where the host has merged /usr), the dynamic
 * linker's cache, the guest's kernel and initramfs, four device nodes, the shared rootfs and
 * the bind mounts' sources (share.h): a tree built from what QEMU needs rather than the
 * host's minus what it should not see, so nothing the host mounts later or forgot to hide is
 * reachable. */
#include "confine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../err.h"
#include "../light/caps.h"
#include "../light/mounts.h"
#include "../light/rootfs.h"
#include "../util.h"
#include "share.h"

/* 9p passthrough serves a root-owned tree to a guest whose processes have any uid: it
 * chowns what it creates to the guest's uid (CHOWN), opens and changes files the host's root
 * does not own (DAC_OVERRIDE, FOWNER) and keeps set-id bits on them (FSETID). Left out on
 * purpose: MKNOD (no device nodes on the host from a guest), SETFCAP and SYS_ADMIN (no file
 * capabilities or trusted xattrs), SETUID/SETGID (passthrough never switches ids). */
const int vm_confine_caps[] = {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID};
const unsigned vm_confine_n_caps = sizeof(vm_confine_caps) / sizeof(vm_confine_caps[0]);

/* Host directories QEMU and its libraries come from, bound read-only (or recreated as the
 * symlinks they are on a merged-/usr host). */
static const char *const system_dirs[] = {"/usr",    "/lib", "/lib64", "/lib32",
                                          "/libx32", "/bin", "/sbin"};
static const char *const system_files[] = {"/etc/ld.so.cache"};
static const char *const devices[] = {"/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"};

void vm_confine_plan_done(struct vm_confine_plan *p)
{
        free(p->kernel);
        free(p->initrd);
        free(p->share);
        free(p->console);
        free(p->share_dir);
        *p = (struct vm_confine_plan){0};
}

/* The value of key= in a QEMU option string (",," is a literal comma), or NULL. */
static char *opt_value(const char *opts, const char *key)
{
        size_t klen = strlen(key);
        const char *p = opts;
        for (;;) {
                bool match = strncmp(p, key, klen) == 0 && p[klen] == '=';
                const char *v = match ? p + klen + 1 : p;
                char *out = match ? malloc(strlen(v) + 1) : NULL, *o = out;
                if (match && !out)
                        return NULL;
                while (*v && !(v[0] == ',' && v[1] != ',')) {
                        if (v[0] == ',')
                                v++;
                        if (o)
                                *o++ = *v;
                        v++;
                }
                if (o) {
                        *o = 0;
                        return out;
                }
                if (!*v)
                        return NULL;
                p = v + 1;
        }
}

/* ",," -> "," in a value that is not split further. */
static char *unescape(const char *s)
{
        char *out = malloc(strlen(s) + 1), *o = out;
        if (!out)
                return NULL;
        for (; *s; s++) {
                if (s[0] == ',' && s[1] == ',')
                        s++;
                *o++ = *s;
        }
        *o = 0;
        return out;
}

int vm_confine_plan_from_argv(char *const *argv, struct vm_confine_plan *ret, struct zone_err **err)
{
        struct vm_confine_plan p = {0};
        bool oom = false;
        for (size_t i = 1; argv[i] && argv[i + 1]; i++) {
                const char *opt = argv[i], *val = argv[i + 1];
                if (strcmp(opt, "-kernel") == 0 && !p.kernel)
                        oom |= !(p.kernel = strdup(val));
                else if (strcmp(opt, "-initrd") == 0 && !p.initrd)
                        oom |= !(p.initrd = strdup(val));
                else if (strcmp(opt, "-accel") == 0)
                        p.kvm = strcmp(val, "kvm") == 0 || strncmp(val, "kvm,", 4) == 0;
                else if (strcmp(opt, "-serial") == 0 && strncmp(val, "file:", 5) == 0 && !p.console)
                        oom |= !(p.console = unescape(val + 5));
                else if (strcmp(opt, "-fsdev") == 0) {
                        _cleanup_free_ char *id = opt_value(val, "id");
                        if (id && strcmp(id, "share") == 0) {
                                /* Made here, from the share's entries: nothing to bind. */
                                if (!p.share_dir)
                                        oom |= !(p.share_dir = opt_value(val, "path"));
                        } else if (!p.share) {
                                oom |= !(p.share = opt_value(val, "path"));
                                _cleanup_free_ char *ro = opt_value(val, "readonly");
                                p.share_readonly = ro && strcmp(ro, "on") == 0;
                        }
                } else
                        continue;
                i++;
        }
        if (oom) {
                vm_confine_plan_done(&p);
                return zone_err_sys(err, -ENOMEM, "confine QEMU");
        }
        if (!p.kernel || !p.initrd || !p.share) {
                const char *missing = !p.kernel ? "-kernel" : !p.initrd ? "-initrd" : "-fsdev path";
                vm_confine_plan_done(&p);
                return zone_err_set(err, -EINVAL, "confine QEMU: its command line names no %s",
                                    missing);
        }
        *ret = p;
        return 0;
}

/* path with "." and ".." taken lexically, and every directory the path names on
 * the way is made in rootfd ("a/b/../c" makes a/b as well as a/c): QEMU walks the path it
 * was given, and in the new root all of it is plain directories, so it leads where the
 * lexical path does. The host's copy behind it is taken by the real path. */
static int normalize(int rootfd, const char *path, char **ret, struct zone_err **err)
{
        _cleanup_free_ char *out = malloc(strlen(path) + 2);
        if (!out)
                return zone_err_sys(err, -ENOMEM, "confine QEMU: bind %s", path);
        char *o = out;
        *o = 0;
        for (const char *p = path; *p;) {
                while (*p == '/')
                        p++;
                size_t n = strcspn(p, "/");
                if (n == 0 || (n == 1 && p[0] == '.')) {
                } else if (n == 2 && p[0] == '.' && p[1] == '.') {
                        char *slash = strrchr(out, '/');
                        o = slash ? slash : out;
                        *o = 0;
                } else {
                        *o++ = '/';
                        memcpy(o, p, n);
                        o += n;
                        *o = 0;
                        if (p[n] == '/') {
                                int fd = light_open_in_root(rootfd, out, true, false, err);
                                if (fd < 0)
                                        return zone_err_wrap(err, "confine QEMU: make %s", out);
                                close(fd);
                        }
                }
                p += n;
        }
        if (o == out)
                strcpy(out, "/");
        *ret = steal_pointer(&out);
        return 0;
}

/* One host path bound into the new root: a detached copy (with its submounts when rec),
 * taken before the new root hides anything (the share and the guest's files may be under
 * /tmp, where that root is built). */
struct bind {
        const char *path;
        bool rec;
        unsigned long flags; /* MS_RDONLY, MS_NOSUID, ... for the bind */
        int tree;
        bool dir;
};

static int bind_clone(struct bind *b, struct zone_err **err)
{
        struct stat st;
        if (stat(b->path, &st) < 0)
                return zone_err_sys(err, -errno, "confine QEMU: stat %s", b->path);
        b->dir = S_ISDIR(st.st_mode);
        b->tree = open_tree(AT_FDCWD, b->path,
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (b->rec ? AT_RECURSIVE : 0));
        if (b->tree < 0)
                return zone_err_sys(err, -errno, "confine QEMU: bind %s", b->path);
        int r = light_mount_setattr(b->tree, b->flags, 0, b->rec, false);
        if (r < 0)
                return zone_err_sys(err, r, "confine QEMU: set the flags of the bind of %s",
                                    b->path);
        return 0;
}

static int bind_attach(int rootfd, const struct bind *b, struct zone_err **err)
{
        _cleanup_free_ char *at = NULL;
        int r = normalize(rootfd, b->path, &at, err);
        if (r < 0)
                return r;
        size_t n = strlen(VM_SHARE_QEMU_DIR);
        if (strncmp(at, VM_SHARE_QEMU_DIR, n) == 0 && (at[n] == 0 || at[n] == '/'))
                return zone_err_set(err, -EEXIST,
                                    "confine QEMU: %s is where its root holds the bind mounts' "
                                    "sources",
                                    b->path);
        _cleanup_close_ int dest = light_open_in_root(rootfd, at, true, !b->dir, err);
        if (dest < 0)
                return zone_err_wrap(err, "confine QEMU: make %s in its root", at);
        if (move_mount(b->tree, "", dest, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
            0)
                return zone_err_sys(err, -errno, "confine QEMU: mount %s in its root", at);
        return 0;
}

#define MAX_BINDS 24

/* The binds of the plan; the host's merged-/usr symlinks go to links[] instead. */
static int plan_binds(const struct vm_confine_plan *p, struct bind *binds, size_t *n,
                      const char **links, size_t *n_links, struct zone_err **err)
{
        const unsigned long sys = MS_RDONLY | MS_NODEV, dev = MS_NOSUID | MS_NOEXEC,
                            file = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
        *n = *n_links = 0;
        for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++) {
                struct stat st;
                if (lstat(system_dirs[i], &st) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return zone_err_sys(err, -errno, "confine QEMU: stat %s", system_dirs[i]);
                }
                if (S_ISLNK(st.st_mode))
                        links[(*n_links)++] = system_dirs[i];
                else if (S_ISDIR(st.st_mode))
                        binds[(*n)++] = (struct bind){system_dirs[i], true, sys, -1, true};
        }
        for (size_t i = 0; i < sizeof(system_files) / sizeof(system_files[0]); i++)
                if (access(system_files[i], F_OK) == 0)
                        binds[(*n)++] = (struct bind){system_files[i], false, sys, -1, false};
        for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
                binds[(*n)++] = (struct bind){devices[i], false, dev, -1, false};
        if (p->kvm)
                binds[(*n)++] = (struct bind){"/dev/kvm", false, dev, -1, false};
        binds[(*n)++] = (struct bind){p->kernel, false, file, -1, false};
        binds[(*n)++] = (struct bind){p->initrd, false, file, -1, false};
        if (p->console) {
                /* QEMU would create the log; it is made here so it can be bound in. */
                _cleanup_close_ int fd =
                    open(p->console, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0)
                        return zone_err_sys(err, -errno, "confine QEMU: make console log %s",
                                            p->console);
                binds[(*n)++] = (struct bind){p->console, false, file & ~MS_RDONLY, -1, false};
        }
        /* The share last: a guest file may sit in the rootfs, never the other way round. */
        binds[(*n)++] = (struct bind){
            p->share, true, MS_NOSUID | MS_NODEV | MS_NOEXEC | (p->share_readonly ? MS_RDONLY : 0),
            -1, true};
        return 0;
}

/* The bind mounts' sources, each on its own index-named entry of VM_SHARE_QEMU_DIR (never
 * their parent directories), as share.c copied them with their flags. */
static int share_attach(int rootfd, const struct vm_share *share, struct zone_err **err)
{
        for (size_t i = 0; share && i < share->n; i++) {
                const struct vm_share_entry *e = &share->entries[i];
                char at[64];
                snprintf(at, sizeof(at), "%s/%zu", VM_SHARE_QEMU_DIR, i);
                _cleanup_close_ int dest = light_open_in_root(rootfd, at, true, !e->dir, err);
                if (dest < 0)
                        return zone_err_wrap(err, "confine QEMU: make %s in its root", at);
                if (move_mount(e->tree, "", dest, "",
                               MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        return zone_err_sys(err, -errno, "confine QEMU: mount %s in its root", at);
        }
        return 0;
}

/* 9p's local backend reaches files through /proc/self/fd (to change modes without following
 * a guest's symlinks). Its own pid namespace's proc, read-only and with nothing but the pid
 * directories (subset=pid): no /proc/sys, whose files root may write without capabilities. */
static int mount_proc(int rootfd, struct zone_err **err)
{
        _cleanup_close_ int fs = fsopen("proc", FSOPEN_CLOEXEC);
        if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "subset", "pid", 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "hidepid", "invisible", 0) < 0 ||
            fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return zone_err_sys(err, -errno, "confine QEMU: make a proc for its root");
        _cleanup_close_ int mnt =
            fsmount(fs, FSMOUNT_CLOEXEC,
                    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (mnt < 0)
                return zone_err_sys(err, -errno, "confine QEMU: mount proc");
        _cleanup_close_ int dest = light_open_in_root(rootfd, "/proc", true, false, err);
        if (dest < 0)
                return zone_err_wrap(err, "confine QEMU: make /proc in its root");
        if (move_mount(mnt, "", dest, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return zone_err_sys(err, -errno, "confine QEMU: mount proc on /proc");
        return 0;
}

static int build_root(const struct vm_confine_plan *p, const struct vm_share *share,
                      struct zone_err **err)
{
        struct bind binds[MAX_BINDS];
        const char *links[sizeof(system_dirs) / sizeof(system_dirs[0])];
        size_t n, n_links;
        /* Nothing done here may reach the host, and nothing the host mounts later comes in. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return zone_err_sys(err, -errno, "confine QEMU: make / rprivate");
        int r = plan_binds(p, binds, &n, links, &n_links, err);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = bind_clone(&binds[i], err);
        if (r < 0)
                return r; /* the process exits: its descriptors go with it */

        _cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
        if (fs < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "size", "1m", 0) < 0 ||
            fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return zone_err_sys(err, -errno, "confine QEMU: make a tmpfs for its root");
        _cleanup_close_ int rootfd =
            fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (rootfd < 0)
                return zone_err_sys(err, -errno, "confine QEMU: mount its root's tmpfs");
        /* pivot_root wants the new root attached: over /tmp, which every host has. */
        if (move_mount(rootfd, "", AT_FDCWD, "/tmp", MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return zone_err_sys(err, -errno, "confine QEMU: attach its root on /tmp");

        for (size_t i = 0; i < n_links; i++) {
                char target[PATH_MAX];
                ssize_t len = readlink(links[i], target, sizeof(target) - 1);
                if (len < 0)
                        return zone_err_sys(err, -errno, "confine QEMU: read link %s", links[i]);
                target[len] = 0;
                if (symlinkat(target, rootfd, links[i] + 1) < 0)
                        return zone_err_sys(err, -errno, "confine QEMU: link %s", links[i]);
        }
        for (size_t i = 0; i < n; i++)
                if ((r = bind_attach(rootfd, &binds[i], err)) < 0)
                        return r;
        if ((r = share_attach(rootfd, share, err)) < 0 || (r = mount_proc(rootfd, err)) < 0)
                return r;
        if ((r = light_mount_setattr(rootfd, MS_RDONLY, 0, false, false)) < 0)
                return zone_err_sys(err, r, "confine QEMU: make its root read-only");

        if (fchdir(rootfd) < 0)
                return zone_err_sys(err, -errno, "confine QEMU: enter its root");
        /* The old root goes on top of the new one and is detached from there. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return zone_err_sys(err, -errno, "confine QEMU: pivot_root");
        if (umount2(".", MNT_DETACH) < 0)
                return zone_err_sys(err, -errno, "confine QEMU: detach the host's root");
        if (chdir("/") < 0)
                return zone_err_sys(err, -errno, "confine QEMU: chdir /");
        return 0;
}

static int drop_caps(struct zone_err **err)
{
        cap_value_t keep[sizeof(vm_confine_caps) / sizeof(vm_confine_caps[0])];
        const char *names[sizeof(keep) / sizeof(keep[0])];
        for (unsigned i = 0; i < vm_confine_n_caps; i++) {
                keep[i] = vm_confine_caps[i];
                names[i] = "QEMU's capability";
        }
        struct light_capset set = {.values = keep, .names = names, .n = vm_confine_n_caps};
        /* Inheritable and ambient stay empty: an exec as root then gets the bounding set,
         * which is this one, and no_new_privs keeps anything from adding to it. */
        struct light_caps caps = {.set = {[LIGHT_CAP_BOUNDING] = set,
                                          [LIGHT_CAP_EFFECTIVE] = set,
                                          [LIGHT_CAP_PERMITTED] = set}};
        int r = light_caps_drop_bounding(&caps, err);
        if (r < 0 || (r = light_caps_apply(&caps, err)) < 0)
                return zone_err_wrap(err, "confine QEMU");
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return zone_err_sys(err, -errno, "confine QEMU: set no_new_privs");
        return 0;
}

static int confine(char *const *argv, const struct vm_share *share, struct zone_err **err)
{
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                return zone_err_sys(err, -errno, "confine QEMU: set its parent-death signal");
        __attribute__((cleanup(vm_confine_plan_done))) struct vm_confine_plan p = {0};
        int r = vm_confine_plan_from_argv(argv, &p, err);
        if (r < 0)
                return r;
        /* The directory QEMU exports is the one built here, and only when there is one. */
        bool has_share = share && share->n;
        if (has_share != !!p.share_dir || (p.share_dir && strcmp(p.share_dir, VM_SHARE_QEMU_DIR)))
                return zone_err_set(err, -EINVAL,
                                    "confine QEMU: its command line and the bind mounts to share "
                                    "disagree");
        if ((r = build_root(&p, share, err)) < 0 || (r = drop_caps(err)) < 0)
                return r;
        return 0;
}

pid_t vm_confine_fork(char *const *argv, const struct vm_share *share, int log_fd)
{
        /* Like fork(), with the namespaces made by the clone itself: the child is the new pid
         * namespace's init, and the pid its parent waits for and kills is QEMU's. Its network
         * namespace is empty: the guest's network is the taps it has as descriptors. */
        pid_t pid = (pid_t)syscall(SYS_clone,
                                   CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
                                       CLONE_NEWNET | SIGCHLD,
                                   NULL, NULL, NULL, 0);
        if (pid != 0)
                return pid;
        struct zone_err *err = NULL;
        if (confine(argv, share, &err) < 0) {
                dprintf(log_fd, "%s\n", err ? err->msg : "confine QEMU: failed");
                _exit(127);
        }
        return 0;
}
