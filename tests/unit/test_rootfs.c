/* Root filesystem of the light backend: in-root resolution, mount options, and a real
 * prepare + enter in a throwaway mount namespace (run as root). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

#include "err.h"
#include "light/mounts.h"
#include "light/rootfs.h"
#include "spec.h"
#include "util.h"

/* ---------- helpers ---------- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st, (void)flag, (void)ftw;
        remove(path);
        return 0;
}

static void rm_rf(const char *path)
{
        nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static void write_file(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write_full(fd, text, strlen(text)), 0);
        close(fd);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
        int in = open(from, O_RDONLY | O_CLOEXEC);
        assert_true(in >= 0);
        struct stat st;
        assert_int_equal(fstat(in, &st), 0);
        int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(out >= 0);
        off_t off = 0;
        while (off < st.st_size)
                assert_true(sendfile(out, in, &off, st.st_size - off) > 0);
        close(in);
        close(out);
}

static bool host_mountinfo_mentions(const char *what)
{
        char *info = NULL;
        assert_int_equal(read_file_at(AT_FDCWD, "/proc/self/mountinfo", 4 << 20, &info, NULL), 0);
        bool found = strstr(info, what) != NULL;
        free(info);
        return found;
}

/* Runs fn in a forked child inside a new mount namespace; returns what it reported ("ok" or
 * what went wrong). The namespace, and every mount in it, dies with the child. */
typedef void (*child_fn)(void *arg, char *out, size_t size);

static char *run_in_mount_ns(child_fn fn, void *arg)
{
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char out[1024] = "ok";
                close(p[0]);
                if (unshare(CLONE_NEWNS) < 0)
                        snprintf(out, sizeof(out), "unshare: %s", strerror(errno));
                else
                        fn(arg, out, sizeof(out));
                (void)write_full(p[1], out, strlen(out) + 1);
                _exit(0);
        }
        close(p[1]);
        static char buf[1024];
        memset(buf, 0, sizeof(buf));
        size_t len = 0;
        ssize_t n;
        while ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
                len += n;
        close(p[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        return buf;
}

#define CHECK(cond, ...)                                                                           \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        int _n = snprintf(out, size, "line %d: ", __LINE__);                       \
                        snprintf(out + _n, size - _n, __VA_ARGS__);                                \
                        return;                                                                    \
                }                                                                                  \
        } while (0)

/* ---------- light_open_in_root ---------- */

struct tmp_root {
        char dir[64];
        int fd;
};

static int setup_tmp_root(void **state)
{
        struct tmp_root *t = calloc(1, sizeof(*t));
        strcpy(t->dir, "/tmp/zone-rootfs-ut-XXXXXX");
        assert_non_null(mkdtemp(t->dir));
        t->fd = open(t->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(t->fd >= 0);
        *state = t;
        return 0;
}

static int teardown_tmp_root(void **state)
{
        struct tmp_root *t = *state;
        close(t->fd);
        rm_rf(t->dir);
        assert_false(host_mountinfo_mentions(t->dir));
        free(t);
        return 0;
}

static void assert_kind_at(int dirfd, const char *path, mode_t kind)
{
        struct stat st;
        assert_int_equal(fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(st.st_mode & S_IFMT, kind);
}

static void test_open_existing(void **state)
{
        struct tmp_root *t = *state;
        assert_int_equal(mkdirat(t->fd, "a", 0755), 0);
        assert_int_equal(mkdirat(t->fd, "a/b", 0755), 0);
        struct zone_err *err = NULL;
        int fd = light_open_in_root(t->fd, "/a//b/", false, false, &err);
        assert_true(fd >= 0);
        assert_null(err);
        assert_true(fcntl(fd, F_GETFL) & O_PATH);
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        struct stat a, b;
        assert_int_equal(fstat(fd, &a), 0);
        assert_int_equal(fstatat(t->fd, "a/b", &b, 0), 0);
        assert_int_equal(a.st_ino, b.st_ino);
        close(fd);

        /* The root itself. */
        fd = light_open_in_root(t->fd, "/", false, false, &err);
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &a), 0);
        assert_int_equal(fstat(t->fd, &b), 0);
        assert_int_equal(a.st_ino, b.st_ino);
        close(fd);
}

static void test_open_missing_without_mkdirs(void **state)
{
        struct tmp_root *t = *state;
        struct zone_err *err = NULL;
        assert_int_equal(light_open_in_root(t->fd, "/missing/thing", false, false, &err), -ENOENT);
        assert_non_null(err);
        assert_string_equal(err->msg, "open /missing/thing in rootfs: ENOENT");
        zone_err_free(err);
        assert_int_equal(faccessat(t->fd, "missing", F_OK, 0), -1);
}

static void test_open_creates_dirs_and_file(void **state)
{
        struct tmp_root *t = *state;
        struct zone_err *err = NULL;
        int fd = light_open_in_root(t->fd, "/x/y/z", true, false, &err);
        assert_true(fd >= 0);
        close(fd);
        assert_kind_at(t->fd, "x/y/z", S_IFDIR);

        fd = light_open_in_root(t->fd, "/f/g/file", true, true, &err);
        assert_true(fd >= 0);
        close(fd);
        assert_kind_at(t->fd, "f/g", S_IFDIR);
        assert_kind_at(t->fd, "f/g/file", S_IFREG);
        assert_null(err);
}

static void test_open_absolute_symlink_stays_inside(void **state)
{
        struct tmp_root *t = *state;
        /* A name nobody has on the host. */
        char name[128];
        snprintf(name, sizeof(name), "zone-ut-%s", strrchr(t->dir, '-') + 1);
        char path[256], host[256];
        snprintf(path, sizeof(path), "/abs/%s", name);
        snprintf(host, sizeof(host), "/etc/%s", name);

        assert_int_equal(symlinkat("/etc", t->fd, "abs"), 0);
        struct zone_err *err = NULL;
        int fd = light_open_in_root(t->fd, path, true, true, &err);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(access(host, F_OK), -1);
        char inside[256];
        snprintf(inside, sizeof(inside), "etc/%s", name);
        assert_kind_at(t->fd, "etc", S_IFDIR);
        assert_kind_at(t->fd, inside, S_IFREG);
        assert_null(err);
}

static void test_open_dotdot_symlink_stays_inside(void **state)
{
        struct tmp_root *t = *state;
        assert_int_equal(symlinkat("../../..", t->fd, "up"), 0);
        struct zone_err *err = NULL;
        int fd = light_open_in_root(t->fd, "up/up/../../newdir/sub", true, false, &err);
        assert_true(fd >= 0);
        close(fd);
        assert_kind_at(t->fd, "newdir/sub", S_IFDIR);

        fd = light_open_in_root(t->fd, "/../../../../tmp2", true, false, &err);
        assert_true(fd >= 0);
        close(fd);
        assert_kind_at(t->fd, "tmp2", S_IFDIR);
        assert_null(err);
}

static void test_open_follows_dangling_symlink_inside(void **state)
{
        struct tmp_root *t = *state;
        assert_int_equal(symlinkat("/made/../made/by/link", t->fd, "dang"), 0);
        assert_int_equal(mkdirat(t->fd, "rel", 0755), 0);
        assert_int_equal(symlinkat("../../../target", t->fd, "rel/link"), 0);
        struct zone_err *err = NULL;
        int fd = light_open_in_root(t->fd, "/dang/sub", true, false, &err);
        assert_true(fd >= 0);
        close(fd);
        assert_kind_at(t->fd, "made/by/link/sub", S_IFDIR);
        assert_kind_at(t->fd, "dang", S_IFLNK);

        fd = light_open_in_root(t->fd, "/rel/link", true, true, &err);
        assert_true(fd >= 0);
        close(fd);
        assert_kind_at(t->fd, "target", S_IFREG);
        assert_null(err);
}

static void test_open_symlink_loop_fails(void **state)
{
        struct tmp_root *t = *state;
        assert_int_equal(symlinkat("loop2", t->fd, "loop1"), 0);
        assert_int_equal(symlinkat("loop1", t->fd, "loop2"), 0);
        struct zone_err *err = NULL;
        assert_int_equal(light_open_in_root(t->fd, "/loop1/x", true, false, &err), -ELOOP);
        assert_non_null(err);
        assert_non_null(strstr(err->msg, "loop1"));
        assert_non_null(strstr(err->msg, ": ELOOP"));
        zone_err_free(err);
}

static void test_open_through_file_fails(void **state)
{
        struct tmp_root *t = *state;
        int fd = openat(t->fd, "afile", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        close(fd);
        struct zone_err *err = NULL;
        assert_int_equal(light_open_in_root(t->fd, "/afile/x", true, false, &err), -ENOTDIR);
        assert_string_equal(err->msg, "open /afile/x in rootfs: ENOTDIR");
        zone_err_free(err);
}

/* ---------- mount options ---------- */

static void parse_ok(const char *const *opts, struct light_mount_opts *o)
{
        struct zone_err *err = NULL;
        assert_int_equal(light_mount_opts_parse((char *const *)opts, "mounts[0].options", o, &err),
                         0);
        assert_null(err);
}

static void test_mount_option_flags(void **state)
{
        (void)state;
        static const struct {
                const char *name;
                unsigned long set, clear;
        } cases[] = {
            {"ro", MS_RDONLY, 0},
            {"rw", 0, MS_RDONLY},
            {"nosuid", MS_NOSUID, 0},
            {"suid", 0, MS_NOSUID},
            {"nodev", MS_NODEV, 0},
            {"dev", 0, MS_NODEV},
            {"noexec", MS_NOEXEC, 0},
            {"exec", 0, MS_NOEXEC},
            {"sync", MS_SYNCHRONOUS, 0},
            {"async", 0, MS_SYNCHRONOUS},
            {"dirsync", MS_DIRSYNC, 0},
            {"remount", MS_REMOUNT, 0},
            {"mand", MS_MANDLOCK, 0},
            {"nomand", 0, MS_MANDLOCK},
            {"atime", 0, MS_NOATIME},
            {"noatime", MS_NOATIME, 0},
            {"diratime", 0, MS_NODIRATIME},
            {"nodiratime", MS_NODIRATIME, 0},
            {"relatime", MS_RELATIME, 0},
            {"norelatime", 0, MS_RELATIME},
            {"strictatime", MS_STRICTATIME, 0},
            {"nostrictatime", 0, MS_STRICTATIME},
            {"lazytime", MS_LAZYTIME, 0},
            {"nolazytime", 0, MS_LAZYTIME},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const char *opts[] = {cases[i].name, NULL};
                struct light_mount_opts o;
                parse_ok(opts, &o);
                if (o.set != cases[i].set || o.clear != cases[i].clear)
                        fail_msg("%s: set %#lx clear %#lx", cases[i].name, o.set, o.clear);
                assert_null(o.data);
                assert_false(o.bind);
                assert_int_equal(o.propagation, 0);
                light_mount_opts_done(&o);
        }

        /* The last word wins. */
        const char *flip[] = {"ro", "nosuid", "rw", NULL};
        struct light_mount_opts o;
        parse_ok(flip, &o);
        assert_int_equal(o.set, MS_NOSUID);
        assert_int_equal(o.clear, MS_RDONLY);
        light_mount_opts_done(&o);
}

static void test_mount_option_bind_propagation_data(void **state)
{
        (void)state;
        struct light_mount_opts o;
        const char *bind[] = {"bind", "ro", NULL};
        parse_ok(bind, &o);
        assert_true(o.bind);
        assert_false(o.rec);
        assert_int_equal(o.set, MS_RDONLY);
        light_mount_opts_done(&o);

        const char *rbind[] = {"rbind", "rslave", NULL};
        parse_ok(rbind, &o);
        assert_true(o.bind && o.rec);
        assert_int_equal(o.propagation, MS_SLAVE);
        assert_true(o.propagation_rec);
        light_mount_opts_done(&o);

        static const struct {
                const char *name;
                unsigned long prop;
                bool rec;
        } props[] = {
            {"shared", MS_SHARED, false},         {"rshared", MS_SHARED, true},
            {"slave", MS_SLAVE, false},           {"rslave", MS_SLAVE, true},
            {"private", MS_PRIVATE, false},       {"rprivate", MS_PRIVATE, true},
            {"unbindable", MS_UNBINDABLE, false}, {"runbindable", MS_UNBINDABLE, true},
        };
        for (size_t i = 0; i < ARRAY_SIZE(props); i++) {
                const char *opts[] = {props[i].name, NULL};
                parse_ok(opts, &o);
                assert_int_equal(o.propagation, props[i].prop);
                assert_int_equal(o.propagation_rec, props[i].rec);
                assert_int_equal(o.set, 0);
                light_mount_opts_done(&o);
                unsigned long v = 0;
                assert_int_equal(light_propagation_parse(props[i].name, &v), 0);
                assert_int_equal(v, props[i].prop | (props[i].rec ? MS_REC : 0));
        }
        unsigned long v = 0;
        assert_int_equal(light_propagation_parse("foo", &v), -EINVAL);
        assert_int_equal(light_propagation_parse("ro", &v), -EINVAL);

        const char *data[] = {"nosuid",        "mode=755",  "size=65536k", "newinstance",
                              "ptmxmode=0666", "tmpcopyup", "gid=5",       NULL};
        parse_ok(data, &o);
        assert_string_equal(o.data, "mode=755,size=65536k,newinstance,ptmxmode=0666,gid=5");
        assert_int_equal(o.set, MS_NOSUID);
        light_mount_opts_done(&o);
        assert_null(o.data);

        const char *rec[] = {"rro", "rnosuid", "rrw", NULL};
        parse_ok(rec, &o);
        assert_int_equal(o.rec_attr_set, MOUNT_ATTR_NOSUID);
        assert_int_equal(o.rec_attr_clear, MOUNT_ATTR_RDONLY);
        light_mount_opts_done(&o);

        parse_ok(NULL, &o);
        assert_int_equal(o.set | o.clear, 0);
        assert_null(o.data);
}

static void test_mount_option_idmap_unsupported(void **state)
{
        (void)state;
        const char *opts[] = {"bind", "idmap", NULL};
        struct light_mount_opts o;
        struct zone_err *err = NULL;
        assert_int_equal(light_mount_opts_parse((char *const *)opts, "mounts[1].options", &o, &err),
                         -EOPNOTSUPP);
        assert_string_equal(err->msg, "mounts[1].options: \"idmap\" is not supported");
        zone_err_free(err);
}

/* ---------- prepare + enter ---------- */

struct bundle {
        char base[64];   /* the bundle directory (cwd of the runtime) */
        char rootfs[96]; /* base/rootfs */
        char evil[96];   /* host path a hostile symlink points at: must stay untouched */
        char evil_name[64];
};

static void make_bundle(struct bundle *b)
{
        strcpy(b->base, "/tmp/zone-rootfs-ut-XXXXXX");
        assert_non_null(mkdtemp(b->base));
        snprintf(b->rootfs, sizeof(b->rootfs), "%s/rootfs", b->base);
        snprintf(b->evil_name, sizeof(b->evil_name), "zone-evil-%s", strrchr(b->base, '-') + 1);
        snprintf(b->evil, sizeof(b->evil), "/tmp/%s", b->evil_name);
        char p[256];
        assert_int_equal(mkdir(b->rootfs, 0755), 0);
        snprintf(p, sizeof(p), "%s/bin", b->rootfs);
        assert_int_equal(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/bin/busybox", b->rootfs);
        copy_file("/bin/busybox", p, 0755);
        snprintf(p, sizeof(p), "%s/etc", b->rootfs);
        assert_int_equal(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/etc/secret", b->rootfs);
        write_file(p, "secret\n");
        snprintf(p, sizeof(p), "%s/secretdir", b->rootfs);
        assert_int_equal(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/secretdir/file", b->rootfs);
        write_file(p, "hidden\n");
        snprintf(p, sizeof(p), "%s/rodir", b->rootfs);
        assert_int_equal(mkdir(p, 0755), 0);
        /* A hostile symlink: absolute and climbing, towards a host path. */
        char target[128];
        snprintf(target, sizeof(target), "/../../..%s", b->evil);
        snprintf(p, sizeof(p), "%s/evil", b->rootfs);
        assert_int_equal(symlink(target, p), 0);
        snprintf(p, sizeof(p), "%s/hostdir", b->base);
        assert_int_equal(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/hostdir/data", b->base);
        write_file(p, "from the host\n");
}

static void drop_bundle(struct bundle *b)
{
        rm_rf(b->base);
        assert_int_equal(access(b->evil, F_OK), -1);
        assert_false(host_mountinfo_mentions(b->base));
        assert_false(host_mountinfo_mentions(b->evil_name));
}

static int setup_bundle(void **state)
{
        struct bundle *b = calloc(1, sizeof(*b));
        assert_non_null(b);
        make_bundle(b);
        *state = b;
        return 0;
}

static int teardown_bundle(void **state)
{
        drop_bundle(*state);
        free(*state);
        return 0;
}

static bool fs_is(const char *path, long magic)
{
        struct statfs s;
        return statfs(path, &s) == 0 && s.f_type == magic;
}

static bool read_only_dir(const char *dir)
{
        char p[256];
        snprintf(p, sizeof(p), "%s/zone-ut-write", dir);
        int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
                close(fd);
                unlink(p);
                return false;
        }
        return errno == EROFS;
}

static bool is_chr(const char *path, unsigned maj, unsigned min, mode_t perm)
{
        struct stat st;
        return lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == maj &&
               minor(st.st_rdev) == min && (st.st_mode & 07777) == perm;
}

static bool link_is(const char *path, const char *target)
{
        char buf[256];
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);
        if (n < 0)
                return false;
        buf[n] = 0;
        return !strcmp(buf, target);
}

/* True when dir/cgroup.procs lists this process: the mount's root is our own cgroup. */
static bool own_cgroup_at(const char *dir)
{
        char path[256], *text = NULL, pid[32];
        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        if (read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL) < 0)
                return false;
        snprintf(pid, sizeof(pid), "\n%d\n", (int)getpid());
        size_t n = strlen(text) + 2;
        char *framed = malloc(n + 1);
        snprintf(framed, n + 1, "\n%s", text);
        bool found = strstr(framed, pid) != NULL;
        free(framed);
        free(text);
        return found;
}

struct scenario {
        struct bundle *b;
        struct zone_spec *spec;
        struct light_rootfs_opts opts;
};

static void full_child(void *arg, char *out, size_t size)
{
        struct scenario *s = arg;
        struct zone_err *err = NULL;
        /* The runtime runs in the bundle directory: relative bind sources start there. */
        CHECK(chdir(s->b->base) == 0, "chdir: %s", strerror(errno));
        int r = light_rootfs_prepare(s->spec, &s->opts, &err);
        CHECK(r == 0, "prepare: %s", err ? err->msg : "?");
        r = light_rootfs_enter(s->spec, &s->opts, &err);
        CHECK(r == 0, "enter: %s", err ? err->msg : "?");

        char cwd[64];
        CHECK(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/"), "cwd is not /");
        CHECK(access("/bin/busybox", X_OK) == 0, "no /bin/busybox in the new root");
        CHECK(access(s->b->base, F_OK) < 0, "the host is still visible");
        CHECK(fs_is("/proc", PROC_SUPER_MAGIC), "/proc is not procfs");
        CHECK(access("/proc/self/status", R_OK) == 0, "/proc/self/status unreadable");

        /* Masked: a file reads empty, a directory is an empty read-only tmpfs. */
        char buf[64];
        int fd = open("/etc/secret", O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0, "open /etc/secret: %s", strerror(errno));
        ssize_t n = read(fd, buf, sizeof(buf));
        close(fd);
        CHECK(n == 0, "masked /etc/secret read %zd bytes", n);
        CHECK(access("/secretdir/file", F_OK) < 0, "masked /secretdir still shows its file");
        CHECK(read_only_dir("/secretdir"), "masked /secretdir is writable");

        CHECK(read_only_dir("/rodir"), "readonly /rodir is writable");
        CHECK(!read_only_dir("/etc"), "/etc should be writable");

        /* ro bind of the host directory, from a relative source. */
        fd = open("/mnt/ro/data", O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0, "open /mnt/ro/data: %s", strerror(errno));
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        CHECK(n == 14 && !memcmp(buf, "from the host\n", 14), "wrong /mnt/ro/data");
        CHECK(read_only_dir("/mnt/ro"), "ro bind /mnt/ro is writable");
        /* A bind of a single file lands on a file. */
        struct stat st;
        CHECK(stat("/etc/data-file", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 14,
              "file bind /etc/data-file missing");

        /* The mount through the hostile symlink landed inside the rootfs. */
        char inside[128];
        snprintf(inside, sizeof(inside), "%s/x", s->b->evil);
        CHECK(fs_is(inside, TMPFS_MAGIC), "%s is not the tmpfs mounted through /evil/x", inside);

        /* /dev: tmpfs with default devices, links, devpts, mqueue, linux.devices. */
        CHECK(fs_is("/dev", TMPFS_MAGIC), "/dev is not a tmpfs");
        CHECK(is_chr("/dev/null", 1, 3, 0666), "/dev/null wrong");
        CHECK(is_chr("/dev/zero", 1, 5, 0666), "/dev/zero wrong");
        CHECK(is_chr("/dev/full", 1, 7, 0666), "/dev/full wrong");
        CHECK(is_chr("/dev/random", 1, 8, 0666), "/dev/random wrong");
        CHECK(is_chr("/dev/urandom", 1, 9, 0666), "/dev/urandom wrong");
        CHECK(is_chr("/dev/tty", 5, 0, 0666), "/dev/tty wrong");
        CHECK(is_chr("/dev/zone-null", 1, 3, 0600), "linux.devices /dev/zone-null wrong");
        CHECK(lstat("/dev/zone-null", &st) == 0 && st.st_uid == 12 && st.st_gid == 34,
              "linux.devices owner wrong");
        CHECK(link_is("/dev/ptmx", "pts/ptmx"), "/dev/ptmx link wrong");
        CHECK(link_is("/dev/fd", "/proc/self/fd"), "/dev/fd link wrong");
        CHECK(link_is("/dev/stdin", "/proc/self/fd/0"), "/dev/stdin link wrong");
        CHECK(link_is("/dev/stdout", "/proc/self/fd/1"), "/dev/stdout link wrong");
        CHECK(link_is("/dev/stderr", "/proc/self/fd/2"), "/dev/stderr link wrong");
        CHECK(link_is("/dev/core", "/proc/kcore"), "/dev/core link wrong");
        CHECK(fs_is("/dev/pts", DEVPTS_SUPER_MAGIC), "/dev/pts is not devpts");
        CHECK(access("/dev/pts/ptmx", F_OK) == 0, "no /dev/pts/ptmx");
        CHECK(fs_is("/dev/mqueue", MQUEUE_MAGIC), "/dev/mqueue is not mqueue");
        fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        CHECK(fd >= 0 && write(fd, "x", 1) == 1, "write /dev/null failed");
        close(fd);

        /* cgroup (hybrid or v1 host): a read-only tmpfs of hierarchies; v2: cgroup2. */
        struct statfs host;
        CHECK(statfs("/sys/fs/cgroup", &host) == 0, "statfs /sys/fs/cgroup: %s", strerror(errno));
        if (host.f_type == TMPFS_MAGIC) {
                CHECK(read_only_dir("/sys/fs/cgroup"), "/sys/fs/cgroup is writable");
                DIR *d = opendir("/sys/fs/cgroup");
                CHECK(d, "opendir /sys/fs/cgroup");
                int hierarchies = 0;
                struct dirent *e;
                char p[300];
                while ((e = readdir(d))) {
                        if (e->d_name[0] == '.' || e->d_type != DT_DIR)
                                continue;
                        snprintf(p, sizeof(p), "/sys/fs/cgroup/%s", e->d_name);
                        if (fs_is(p, CGROUP_SUPER_MAGIC) || fs_is(p, CGROUP2_SUPER_MAGIC))
                                hierarchies++;
                }
                closedir(d);
                CHECK(hierarchies > 0, "no cgroup hierarchy under /sys/fs/cgroup");
                /* No cgroup namespace: each hierarchy shows only the process's own cgroup. */
                CHECK(own_cgroup_at("/sys/fs/cgroup/memory"),
                      "/sys/fs/cgroup/memory is not the process's own cgroup");
                CHECK(own_cgroup_at("/sys/fs/cgroup/pids"),
                      "/sys/fs/cgroup/pids is not the process's own cgroup");
        } else {
                CHECK(host.f_type == CGROUP2_SUPER_MAGIC, "unexpected /sys/fs/cgroup type");
        }
}

static void add_mount(struct zone_spec *spec, const char *dest, const char *type,
                      const char *source, const char *const *options)
{
        spec->mounts = realloc(spec->mounts, (spec->n_mounts + 1) * sizeof(*spec->mounts));
        assert_non_null(spec->mounts);
        struct zone_spec_mount *m = &spec->mounts[spec->n_mounts++];
        m->destination = strdup(dest);
        m->type = type ? strdup(type) : NULL;
        m->source = source ? strdup(source) : NULL;
        m->options = options ? strv_copy((char *const *)options) : NULL;
}

static void free_spec(struct zone_spec *spec)
{
        for (size_t i = 0; i < spec->n_mounts; i++) {
                free(spec->mounts[i].destination);
                free(spec->mounts[i].type);
                free(spec->mounts[i].source);
                strv_free(spec->mounts[i].options);
        }
        free(spec->mounts);
        strv_free(spec->linux.masked_paths);
        strv_free(spec->linux.readonly_paths);
        free(spec->linux.rootfs_propagation);
}

static void test_prepare_enter(void **state)
{
        /* The bundle comes from setup and goes in teardown, even when a check fails. */
        struct bundle b = *(struct bundle *)*state;
        struct zone_spec spec = {0};
        spec.has_linux = true;
        const char *dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
        const char *pts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
                             "mode=0620", "gid=5",  NULL};
        const char *robind[] = {"rbind", "ro", NULL};
        const char *fbind[] = {"bind", "rw", NULL};
        const char *plain[] = {"nosuid", "nodev", "noexec", NULL};
        const char *cg[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
        add_mount(&spec, "/proc", "proc", "proc", NULL);
        add_mount(&spec, "/dev", "tmpfs", "tmpfs", dev);
        add_mount(&spec, "/dev/pts", "devpts", "devpts", pts);
        add_mount(&spec, "/dev/mqueue", "mqueue", "mqueue", plain);
        add_mount(&spec, "/mnt/ro", "bind", "hostdir", robind);
        add_mount(&spec, "/etc/data-file", NULL, "hostdir/data", fbind);
        add_mount(&spec, "/evil/x", "tmpfs", "tmpfs", plain);
        add_mount(&spec, "/sys/fs/cgroup", "cgroup", "cgroup", cg);
        const char *masked[] = {"/etc/secret", "/secretdir", "/does/not/exist", NULL};
        const char *ro[] = {"/rodir", "/not/here", NULL};
        spec.linux.masked_paths = strv_copy((char *const *)masked);
        spec.linux.readonly_paths = strv_copy((char *const *)ro);
        struct zone_spec_device devs[] = {{
            .path = "/dev/zone-null",
            .type = 'c',
            .major = 1,
            .minor = 3,
            .has_file_mode = true,
            .file_mode = 0600,
            .has_uid = true,
            .uid = 12,
            .has_gid = true,
            .gid = 34,
        }};
        spec.linux.devices = devs;
        spec.linux.n_devices = 1;

        struct scenario s = {.b = &b, .spec = &spec, .opts = {.rootfs = b.rootfs}};
        assert_string_equal(run_in_mount_ns(full_child, &s), "ok");
        /* The directory made through the hostile symlink is in the rootfs, not on the host. */
        char p[256];
        snprintf(p, sizeof(p), "%s/tmp/%s/x", b.rootfs, b.evil_name);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        free_spec(&spec);
        drop_bundle(&b);
}

/* no_pivot entry and a read-only root. */
static void readonly_root_child(void *arg, char *out, size_t size)
{
        struct scenario *s = arg;
        struct zone_err *err = NULL;
        CHECK(chdir(s->b->base) == 0, "chdir: %s", strerror(errno));
        CHECK(unshare(CLONE_NEWCGROUP) == 0, "unshare cgroup: %s", strerror(errno));
        int r = light_rootfs_prepare(s->spec, &s->opts, &err);
        CHECK(r == 0, "prepare: %s", err ? err->msg : "?");
        r = light_rootfs_enter(s->spec, &s->opts, &err);
        CHECK(r == 0, "enter: %s", err ? err->msg : "?");
        CHECK(access("/bin/busybox", X_OK) == 0, "no /bin/busybox in the new root");
        CHECK(fs_is("/proc", PROC_SUPER_MAGIC), "/proc is not procfs");
        /* In a cgroup namespace the fresh mounts' roots are the process's cgroups. */
        struct statfs host;
        CHECK(statfs("/sys/fs/cgroup", &host) == 0, "statfs /sys/fs/cgroup: %s", strerror(errno));
        if (host.f_type == TMPFS_MAGIC) {
                CHECK(fs_is("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC),
                      "/sys/fs/cgroup/memory is not a cgroup hierarchy");
                CHECK(own_cgroup_at("/sys/fs/cgroup/memory"),
                      "/sys/fs/cgroup/memory is not rooted at the process's cgroup");
                /* Without "rw" in its options the cgroup mount is read-only. */
                CHECK(read_only_dir("/sys/fs/cgroup"), "/sys/fs/cgroup should be read-only");
                CHECK(read_only_dir("/sys/fs/cgroup/memory"),
                      "/sys/fs/cgroup/memory should be read-only");
        } else {
                CHECK(own_cgroup_at("/sys/fs/cgroup"), "/sys/fs/cgroup is not our cgroup");
        }
        CHECK(read_only_dir("/"), "/ is writable");
        CHECK(read_only_dir("/etc"), "/etc is writable");
        CHECK(!read_only_dir("/run"), "/run (a tmpfs) should stay writable");
        /* /dev is the image's directory here: nodes were made in it. */
        CHECK(is_chr("/dev/null", 1, 3, 0666), "/dev/null wrong");
}

static void test_no_pivot_readonly_root(void **state)
{
        /* The bundle comes from setup and goes in teardown, even when a check fails. */
        struct bundle b = *(struct bundle *)*state;
        struct zone_spec spec = {0};
        spec.root.readonly = true;
        spec.has_linux = true;
        spec.linux.rootfs_propagation = strdup("rprivate");
        add_mount(&spec, "/proc", "proc", "proc", NULL);
        add_mount(&spec, "/run", "tmpfs", "tmpfs", NULL);
        add_mount(&spec, "/sys/fs/cgroup", "cgroup", "cgroup", NULL);
        struct zone_spec_namespace ns[] = {{.type = CLONE_NEWCGROUP}};
        spec.linux.namespaces = ns;
        spec.linux.n_namespaces = 1;
        struct scenario s = {
            .b = &b, .spec = &spec, .opts = {.rootfs = b.rootfs, .no_pivot = true}};
        assert_string_equal(run_in_mount_ns(readonly_root_child, &s), "ok");
        free_spec(&spec);
        drop_bundle(&b);
}

/* In a user namespace: mknod is denied (host nodes are bound instead) and flags locked by the
 * more privileged namespace are kept instead of failing the mount. */
static int write_map(const char *file, const char *map)
{
        int fd = open(file, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = write_full(fd, map, strlen(map));
        close(fd);
        return r;
}

static void userns_child(void *arg, char *out, size_t size)
{
        struct scenario *s = arg;
        struct zone_err *err = NULL;
        CHECK(chdir(s->b->base) == 0, "chdir: %s", strerror(errno));
        /* Read-only while still privileged: the user namespace below sees it locked. */
        CHECK(mount("hostdir", "hostdir", NULL, MS_BIND, NULL) == 0, "bind hostdir: %s",
              strerror(errno));
        CHECK(mount(NULL, "hostdir", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID, NULL) == 0,
              "remount hostdir ro: %s", strerror(errno));
        uid_t uid = geteuid();
        gid_t gid = getegid();
        CHECK(unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0, "unshare user: %s", strerror(errno));
        char map[32];
        snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
        CHECK(write_map("/proc/self/uid_map", map) == 0, "uid_map");
        CHECK(write_map("/proc/self/setgroups", "deny") == 0, "setgroups");
        snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
        CHECK(write_map("/proc/self/gid_map", map) == 0, "gid_map");

        int r = light_rootfs_prepare(s->spec, &s->opts, &err);
        CHECK(r == 0, "prepare: %s", err ? err->msg : "?");
        r = light_rootfs_enter(s->spec, &s->opts, &err);
        CHECK(r == 0, "enter: %s", err ? err->msg : "?");
        CHECK(is_chr("/dev/null", 1, 3, 0666), "/dev/null is not the host's node");
        CHECK(is_chr("/dev/tty", 5, 0, 0666), "/dev/tty is not the host's node");
        int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
        char c = 1;
        CHECK(fd >= 0 && read(fd, &c, 1) == 1 && c == 0, "read /dev/zero failed");
        close(fd);
        CHECK(link_is("/dev/ptmx", "pts/ptmx"), "/dev/ptmx link wrong");
        /* "rw" cannot undo the locked read-only: it is kept, the mount succeeds. */
        CHECK(access("/mnt/locked/data", R_OK) == 0, "no /mnt/locked/data");
        CHECK(read_only_dir("/mnt/locked"), "/mnt/locked lost its locked read-only flag");
        struct statfs sfs;
        CHECK(statfs("/mnt/locked", &sfs) == 0 && (sfs.f_flags & ST_NOSUID),
              "/mnt/locked lost its locked nosuid flag");
        CHECK(read_only_dir("/rodir"), "readonly /rodir is writable");
}

static void test_userns(void **state)
{
        /* The bundle comes from setup and goes in teardown, even when a check fails. */
        struct bundle b = *(struct bundle *)*state;
        struct zone_spec spec = {0};
        spec.has_linux = true;
        const char *dev[] = {"nosuid", "mode=755", NULL};
        const char *rw[] = {"rbind", "rw", "suid", "exec", NULL};
        add_mount(&spec, "/dev", "tmpfs", "tmpfs", dev);
        add_mount(&spec, "/mnt/locked", "bind", "hostdir", rw);
        const char *ro[] = {"/rodir", NULL};
        spec.linux.readonly_paths = strv_copy((char *const *)ro);
        struct scenario s = {.b = &b, .spec = &spec, .opts = {.rootfs = b.rootfs, .userns = true}};
        assert_string_equal(run_in_mount_ns(userns_child, &s), "ok");
        free_spec(&spec);
        drop_bundle(&b);
}

/* Bad input: each fails with its message. */
static void error_child(void *arg, char *out, size_t size)
{
        struct scenario *s = arg;
        struct zone_err *err = NULL;
        CHECK(chdir(s->b->base) == 0, "chdir: %s", strerror(errno));
        int r = light_rootfs_prepare(s->spec, &s->opts, &err);
        snprintf(out, size, "%d %s", r, err ? err->msg : "(no error)");
        zone_err_free(err);
}

static void expect_prepare_error(const char *propagation, const char *dest, const char *type,
                                 const char *source, const char *const *options, const char *want)
{
        struct bundle b;
        make_bundle(&b);
        struct zone_spec spec = {0};
        spec.has_linux = true;
        if (propagation)
                spec.linux.rootfs_propagation = strdup(propagation);
        if (dest)
                add_mount(&spec, dest, type, source, options);
        struct scenario s = {.b = &b, .spec = &spec, .opts = {.rootfs = b.rootfs}};
        char *got = strdup(run_in_mount_ns(error_child, &s));
        free_spec(&spec);
        drop_bundle(&b);
        assert_string_equal(got, want);
        free(got);
}

static void test_prepare_errors(void **state)
{
        (void)state;
        expect_prepare_error("foo", NULL, NULL, NULL, NULL,
                             "-22 linux.rootfsPropagation: unknown propagation \"foo\"");
        expect_prepare_error(NULL, "/x", "nosuchfs", "none", NULL,
                             "-19 mount nosuchfs on /x: ENODEV");
        const char *bad_size[] = {"size=abc", NULL};
        expect_prepare_error(NULL, "/t", "tmpfs", "tmpfs", bad_size,
                             "-22 mount tmpfs on /t: size=abc: EINVAL: tmpfs: Bad value for "
                             "'size'");
        const char *idmap[] = {"rbind", "idmap", NULL};
        expect_prepare_error(NULL, "/m", "bind", "hostdir", idmap,
                             "-95 mounts[0].options: \"idmap\" is not supported");
        const char *bind[] = {"bind", NULL};
        expect_prepare_error(NULL, "/m", NULL, "no-such-dir", bind,
                             "-2 bind no-such-dir on /m: ENOENT");
        expect_prepare_error(NULL, "/m", NULL, "none", NULL, "-22 mounts[0]: no type for /m");
}

int main(void)
{
        if (geteuid() != 0) {
                fprintf(stderr, "test_rootfs: skipped: needs root (mounts and mknod)\n");
                return 77;
        }
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_open_existing, setup_tmp_root, teardown_tmp_root),
            cmocka_unit_test_setup_teardown(test_open_missing_without_mkdirs, setup_tmp_root,
                                            teardown_tmp_root),
            cmocka_unit_test_setup_teardown(test_open_creates_dirs_and_file, setup_tmp_root,
                                            teardown_tmp_root),
            cmocka_unit_test_setup_teardown(test_open_absolute_symlink_stays_inside, setup_tmp_root,
                                            teardown_tmp_root),
            cmocka_unit_test_setup_teardown(test_open_dotdot_symlink_stays_inside, setup_tmp_root,
                                            teardown_tmp_root),
            cmocka_unit_test_setup_teardown(test_open_follows_dangling_symlink_inside,
                                            setup_tmp_root, teardown_tmp_root),
            cmocka_unit_test_setup_teardown(test_open_symlink_loop_fails, setup_tmp_root,
                                            teardown_tmp_root),
            cmocka_unit_test_setup_teardown(test_open_through_file_fails, setup_tmp_root,
                                            teardown_tmp_root),
            cmocka_unit_test(test_mount_option_flags),
            cmocka_unit_test(test_mount_option_bind_propagation_data),
            cmocka_unit_test(test_mount_option_idmap_unsupported),
            cmocka_unit_test_setup_teardown(test_prepare_enter, setup_bundle, teardown_bundle),
            cmocka_unit_test_setup_teardown(test_no_pivot_readonly_root, setup_bundle,
                                            teardown_bundle),
            cmocka_unit_test_setup_teardown(test_userns, setup_bundle, teardown_bundle),
            cmocka_unit_test(test_prepare_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
