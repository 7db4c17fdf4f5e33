/* Unit tests for the state store: directories, locking, state.json, status, OCI state. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "err.h"
#include "spec.h"
#include "state.h"
#include "util.h"

struct fixture {
        char dir[64];  /* temporary directory, removed at teardown */
        char root[96]; /* the store root inside it */
        struct zone_store *store;
};

static int setup(void **ts)
{
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        strcpy(f->dir, "/tmp/zone-test-state-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->root, sizeof(f->root), "%s/run/zone", f->dir);
        struct zone_err *err = NULL;
        assert_int_equal(zone_store_open(f->root, &f->store, &err), 0);
        assert_null(err);
        *ts = f;
        return 0;
}

static int teardown(void **ts)
{
        struct fixture *f = *ts;
        zone_store_close(f->store);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

/* Asserts that r failed with code and exactly msg, and frees the error. */
static void expect_err(int r, struct zone_err **err, int code, const char *msg)
{
        assert_int_equal(r, code);
        assert_non_null(*err);
        assert_int_equal((*err)->code, code);
        assert_string_equal((*err)->msg, msg);
        zone_err_free(*err);
        *err = NULL;
}

static struct zone_state *make_state(const char *id, pid_t pid, uint64_t start, bool started)
{
        struct zone_state *s = calloc(1, sizeof(*s));
        assert_non_null(s);
        s->id = strdup(id);
        s->type = strdup("light");
        s->pid = pid;
        s->pid_start = start;
        s->bundle = strdup("/srv/bundles/b");
        s->rootfs = strdup("/srv/bundles/b/rootfs");
        s->created = zone_now_rfc3339();
        s->started = started;
        s->owner = strdup("");
        return s;
}

static void test_store_open(void **ts)
{
        struct fixture *f = *ts;
        struct stat st;
        /* Every missing component was created with mode 0700. */
        assert_int_equal(stat(f->root, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0700);
        char parent[128];
        snprintf(parent, sizeof(parent), "%s/run", f->dir);
        assert_int_equal(stat(parent, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
        assert_true(zone_store_dirfd(f->store) >= 0);

        /* Opening it again is fine. */
        struct zone_err *err = NULL;
        struct zone_store *again = NULL;
        assert_int_equal(zone_store_open(f->root, &again, &err), 0);
        zone_store_close(again);

        char file[128], msg[256];
        snprintf(file, sizeof(file), "%s/file", f->dir);
        int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        close(fd);
        snprintf(msg, sizeof(msg), "state root %s: ENOTDIR", file);
        expect_err(zone_store_open(file, &again, &err), &err, -ENOTDIR, msg);
        char below[160];
        snprintf(below, sizeof(below), "%s/sub", file);
        snprintf(msg, sizeof(msg), "state root %s: ENOTDIR", below);
        expect_err(zone_store_open(below, &again, &err), &err, -ENOTDIR, msg);
        expect_err(zone_store_open("", &again, &err), &err, -EINVAL, "state root: empty path");
}

static void test_id_validate(void **ts)
{
        struct zone_err *err = NULL;
        assert_int_equal(zone_id_validate("abc", &err), 0);
        assert_int_equal(zone_id_validate("A-b_c+1.2", &err), 0);
        assert_int_equal(zone_id_validate("a...", &err), 0);
        char id[ZONE_ID_MAX + 2];
        memset(id, 'x', ZONE_ID_MAX);
        id[ZONE_ID_MAX] = '\0';
        assert_int_equal(zone_id_validate(id, &err), 0);
        assert_null(err);

        expect_err(zone_id_validate("", &err), &err, -EINVAL, "invalid container id \"\": empty");
        expect_err(zone_id_validate(NULL, &err), &err, -EINVAL, "invalid container id \"\": empty");
        expect_err(zone_id_validate("a/b", &err), &err, -EINVAL,
                   "invalid container id \"a/b\": only letters, digits and _ + . - are allowed");
        expect_err(zone_id_validate("a b", &err), &err, -EINVAL,
                   "invalid container id \"a b\": only letters, digits and _ + . - are allowed");
        expect_err(zone_id_validate("a\nb", &err), &err, -EINVAL,
                   "invalid container id \"a?b\": only letters, digits and _ + . - are allowed");
        expect_err(zone_id_validate("..", &err), &err, -EINVAL,
                   "invalid container id \"..\": it may not start with \".\"");
        expect_err(zone_id_validate(".", &err), &err, -EINVAL,
                   "invalid container id \".\": it may not start with \".\"");
        expect_err(zone_id_validate(".seccomp", &err), &err, -EINVAL,
                   "invalid container id \".seccomp\": it may not start with \".\"");
        id[ZONE_ID_MAX] = 'x';
        id[ZONE_ID_MAX + 1] = '\0';
        char msg[ZONE_ID_MAX + 100];
        snprintf(msg, sizeof(msg), "invalid container id \"%s\": too long (max 255)", id);
        expect_err(zone_id_validate(id, &err), &err, -EINVAL, msg);
}

static void test_create_open_list_remove(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        struct zone_entry *e = NULL;
        const char *ids[] = {"b", "a", "c"};
        for (size_t i = 0; i < 3; i++) {
                assert_int_equal(zone_entry_create(f->store, ids[i], &e, &err), 0);
                zone_entry_close(e);
        }
        /* Not containers: a file and dot names. */
        assert_int_equal(mkdirat(zone_store_dirfd(f->store), ".hidden", 0700), 0);
        int fd = openat(zone_store_dirfd(f->store), "zfile", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        close(fd);

        char **list = NULL;
        assert_int_equal(zone_store_list(f->store, &list, &err), 0);
        assert_int_equal(strv_length(list), 3);
        assert_string_equal(list[0], "a");
        assert_string_equal(list[1], "b");
        assert_string_equal(list[2], "c");
        strv_free(list);

        assert_int_equal(zone_entry_open(f->store, "a", &e, &err), 0);
        assert_string_equal(zone_entry_id(e), "a");
        char path[256];
        char *real = realpath(f->root, NULL);
        assert_non_null(real);
        snprintf(path, sizeof(path), "%s/a", real);
        free(real);
        assert_string_equal(zone_entry_path(e), path);

        /* A directory without state.json is a container being created. */
        struct zone_state *st = NULL;
        expect_err(zone_entry_read_state(e, &st, &err), &err, -ENOENT,
                   "container \"a\" is being created");

        struct zone_state *w = make_state("a", 1234, 987654321ULL, true);
        w->cgroup_path = strdup("/zone/a");
        assert_int_equal(zone_entry_write_state(e, w, &err), 0);
        assert_null(err);
        struct stat sb;
        assert_int_equal(fstatat(zone_entry_dirfd(e), "state.json", &sb, 0), 0);
        assert_int_equal(sb.st_mode & 07777, 0600);
        assert_int_equal(zone_entry_read_state(e, &st, &err), 0);
        assert_string_equal(st->id, "a");
        assert_string_equal(st->type, "light");
        assert_int_equal(st->pid, 1234);
        assert_true(st->pid_start == 987654321ULL);
        assert_string_equal(st->bundle, w->bundle);
        assert_string_equal(st->rootfs, w->rootfs);
        assert_string_equal(st->created, w->created);
        assert_true(st->started);
        assert_string_equal(st->owner, "");
        assert_string_equal(st->cgroup_path, "/zone/a");
        zone_state_free(st);

        /* Without a cgroup path it reads back as NULL. */
        free(w->cgroup_path);
        w->cgroup_path = NULL;
        w->started = false;
        assert_int_equal(zone_entry_write_state(e, w, &err), 0);
        assert_int_equal(zone_entry_read_state(e, &st, &err), 0);
        assert_null(st->cgroup_path);
        assert_false(st->started);
        zone_state_free(st);

        /* The state of another container cannot be written here. */
        free(w->id);
        w->id = strdup("b");
        expect_err(zone_entry_write_state(e, w, &err), &err, -EINVAL,
                   "write state of container \"a\": id mismatch");
        zone_state_free(w);

        /* A corrupt state file is reported, naming it. */
        const char bad[] = "{\"id\":\"a\",\"type\":\"light\",\"pid\":\"x\"}";
        assert_int_equal(
            write_file_atomic_at(zone_entry_dirfd(e), "state.json", bad, sizeof(bad) - 1, 0600), 0);
        char msg[512];
        snprintf(msg, sizeof(msg), "%s/state.json: missing or invalid \"pid\"", zone_entry_path(e));
        expect_err(zone_entry_read_state(e, &st, &err), &err, -EBADMSG, msg);
        assert_int_equal(write_file_atomic_at(zone_entry_dirfd(e), "state.json", "[1]", 3, 0600),
                         0);
        snprintf(msg, sizeof(msg), "%s/state.json: not a JSON object", zone_entry_path(e));
        expect_err(zone_entry_read_state(e, &st, &err), &err, -EBADMSG, msg);

        /* Everything goes on remove: config, fifo, other files, subdirectories. */
        const char cfg[] = "{}";
        assert_int_equal(zone_entry_write_config(e, cfg, 2, &err), 0);
        assert_int_equal(mkfifoat(zone_entry_dirfd(e), "exec.fifo", 0600), 0);
        assert_int_equal(mkdirat(zone_entry_dirfd(e), "sub", 0700), 0);
        fd = openat(zone_entry_dirfd(e), "sub/x", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(zone_entry_remove(e, &err), 0);
        assert_null(err);
        assert_int_equal(faccessat(zone_store_dirfd(f->store), "a", F_OK, 0), -1);
        assert_int_equal(errno, ENOENT);

        expect_err(zone_entry_open(f->store, "a", &e, &err), &err, -ENOENT,
                   "container \"a\" does not exist");
        expect_err(zone_entry_open(f->store, "a/../b", &e, &err), &err, -EINVAL,
                   "invalid container id \"a/../b\": only letters, digits and _ + . - are "
                   "allowed");
        expect_err(zone_entry_create(f->store, "..", &e, &err), &err, -EINVAL,
                   "invalid container id \"..\": it may not start with \".\"");

        assert_int_equal(zone_store_list(f->store, &list, &err), 0);
        assert_int_equal(strv_length(list), 2);
        assert_string_equal(list[0], "b");
        strv_free(list);
}

static void test_duplicate(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        struct zone_entry *e = NULL, *e2 = NULL;
        assert_int_equal(zone_entry_create(f->store, "dup", &e, &err), 0);
        expect_err(zone_entry_create(f->store, "dup", &e2, &err), &err, -EEXIST,
                   "container \"dup\" already exists");
        assert_null(e2);
        zone_entry_close(e);
        expect_err(zone_entry_create(f->store, "dup", &e2, &err), &err, -EEXIST,
                   "container \"dup\" already exists");
}

static void test_config_copy(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        struct zone_entry *e = NULL;
        assert_int_equal(zone_entry_create(f->store, "cfg", &e, &err), 0);
        struct zone_spec *spec = NULL;
        /* The parser words the I/O error; the container and file must be named. */
        assert_int_equal(zone_entry_read_config(e, &spec, &err), -ENOENT);
        assert_non_null(err);
        assert_true(strncmp(err->msg, "container \"cfg\": ", 17) == 0);
        assert_non_null(strstr(err->msg, "config.json: ENOENT"));
        zone_err_free(err);
        err = NULL;
        const char cfg[] = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
                           "\"process\":{\"args\":[\"/bin/sh\"],\"cwd\":\"/\"},"
                           "\"annotations\":{\"k\":\"v\"}}";
        assert_int_equal(zone_entry_write_config(e, cfg, sizeof(cfg) - 1, &err), 0);
        assert_int_equal(zone_entry_read_config(e, &spec, &err), 0);
        assert_null(err);
        assert_string_equal(spec->root.path, "rootfs");
        assert_string_equal(spec->process.args[0], "/bin/sh");
        assert_int_equal(spec->n_annotations, 1);
        zone_spec_free(spec);
        struct stat sb;
        assert_int_equal(fstatat(zone_entry_dirfd(e), "config.json", &sb, 0), 0);
        assert_int_equal(sb.st_mode & 07777, 0600);
        assert_int_equal(zone_entry_remove(e, &err), 0);
}

/* Two processes create the same id at once: exactly one wins, the other sees EEXIST. */
static void test_create_race(void **ts)
{
        struct fixture *f = *ts;
        for (int round = 0; round < 30; round++) {
                char id[32];
                snprintf(id, sizeof(id), "race%d", round);
                int go[2];
                assert_int_equal(pipe2(go, O_CLOEXEC), 0);
                pid_t pids[2];
                for (int i = 0; i < 2; i++) {
                        pids[i] = fork();
                        assert_true(pids[i] >= 0);
                        if (pids[i] == 0) {
                                close(go[1]);
                                char c;
                                if (read(go[0], &c, 1) != 0)
                                        _exit(3);
                                struct zone_err *err = NULL;
                                struct zone_entry *e = NULL;
                                int r = zone_entry_create(f->store, id, &e, &err);
                                zone_entry_close(e);
                                zone_err_free(err);
                                _exit(r == 0 ? 0 : r == -EEXIST ? 1 : 2);
                        }
                }
                close(go[0]);
                close(go[1]); /* both start now */
                int wins = 0, losses = 0;
                for (int i = 0; i < 2; i++) {
                        int status;
                        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
                        assert_true(WIFEXITED(status));
                        if (WEXITSTATUS(status) == 0)
                                wins++;
                        else if (WEXITSTATUS(status) == 1)
                                losses++;
                }
                assert_int_equal(wins, 1);
                assert_int_equal(losses, 1);
        }
}

/* A waiter blocked on the lock of a container that its holder removes sees "does not
 * exist", not an empty directory. */
static void test_open_waits_for_lock(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        struct zone_entry *e = NULL;
        assert_int_equal(zone_entry_create(f->store, "held", &e, &err), 0);
        int ready[2];
        assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(ready[0]);
                /* Only the parent's lock matters; ours (inherited fd) closes here. */
                close(zone_entry_dirfd(e));
                struct zone_entry *mine = NULL;
                struct zone_err *cerr = NULL;
                if (write(ready[1], "x", 1) != 1)
                        _exit(3);
                int r = zone_entry_open(f->store, "held", &mine, &cerr);
                struct timespec t;
                clock_gettime(CLOCK_MONOTONIC, &t);
                bool waited =
                    (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >= 150;
                bool ok = r == -ENOENT && cerr &&
                          strcmp(cerr->msg, "container \"held\" does not exist") == 0;
                _exit(ok ? (waited ? 0 : 1) : 2);
        }
        close(ready[1]);
        char c;
        assert_int_equal(read(ready[0], &c, 1), 1);
        close(ready[0]);
        usleep(200 * 1000); /* the child is now blocked in flock */
        assert_int_equal(zone_entry_remove(e, &err), 0);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static char *repeat(char c, size_t n)
{
        char *s = malloc(n + 1);
        assert_non_null(s);
        memset(s, c, n);
        s[n] = '\0';
        return s;
}

/* Readers that do not lock never see a partial state.json while a writer rewrites it. */
static void test_state_atomic(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        struct zone_entry *e = NULL;
        assert_int_equal(zone_entry_create(f->store, "atom", &e, &err), 0);
        char *small = repeat('s', 10), *big = repeat('b', 60000);
        struct zone_state *st = make_state("atom", 1, 1, false);
        free(st->bundle);
        st->bundle = small;
        assert_int_equal(zone_entry_write_state(e, st, &err), 0);

        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                for (int i = 0; i < 400; i++) {
                        st->bundle = i % 2 ? small : big;
                        struct zone_err *cerr = NULL;
                        if (zone_entry_write_state(e, st, &cerr) < 0)
                                _exit(1);
                }
                _exit(0);
        }
        int dirfd = zone_entry_dirfd(e);
        int reads = 0, status = 0;
        for (;;) {
                pid_t done = waitpid(pid, &status, WNOHANG);
                char *text = NULL;
                assert_int_equal(read_file_at(dirfd, "state.json", 1 << 20, &text, NULL), 0);
                char ebuf[128];
                yajl_val v = yajl_tree_parse(text, ebuf, sizeof(ebuf));
                assert_non_null(v);
                const char *p[] = {"bundle", NULL};
                const char *b = YAJL_GET_STRING(yajl_tree_get(v, p, yajl_t_string));
                assert_non_null(b);
                assert_true(strcmp(b, small) == 0 || strcmp(b, big) == 0);
                yajl_tree_free(v);
                free(text);
                reads++;
                if (done == pid)
                        break;
        }
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_true(reads > 1);
        st->bundle = small;
        zone_state_free(st);
        free(big);
        /* No temporary files are left behind: only state.json. */
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 1", zone_entry_path(e));
        assert_int_equal(system(cmd), 0);
        zone_entry_close(e);
}

/* Readers and writers that go through the lock always get a whole state. */
static void test_state_locked_race(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        struct zone_entry *e = NULL;
        assert_int_equal(zone_entry_create(f->store, "locked", &e, &err), 0);
        struct zone_state *st = make_state("locked", 7, 7, false);
        assert_int_equal(zone_entry_write_state(e, st, &err), 0);
        zone_entry_close(e);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                for (int i = 0; i < 200; i++) {
                        struct zone_err *cerr = NULL;
                        struct zone_entry *ce = NULL;
                        st->pid = i % 2 ? 7 : 8;
                        if (zone_entry_open(f->store, "locked", &ce, &cerr) < 0 ||
                            zone_entry_write_state(ce, st, &cerr) < 0)
                                _exit(1);
                        zone_entry_close(ce);
                }
                _exit(0);
        }
        for (int i = 0; i < 200; i++) {
                struct zone_state *r = NULL;
                assert_int_equal(zone_entry_open(f->store, "locked", &e, &err), 0);
                assert_int_equal(zone_entry_read_state(e, &r, &err), 0);
                assert_true(r->pid == 7 || r->pid == 8);
                zone_state_free(r);
                zone_entry_close(e);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        zone_state_free(st);
}

static void test_status(void **ts)
{
        int sync[2];
        assert_int_equal(pipe2(sync, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* Never outlive a failed test. */
                prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
                alarm(60);
                /* A command name with spaces and parentheses must not confuse the parser. */
                prctl(PR_SET_NAME, "a) b (c) d", 0, 0, 0);
                if (write(sync[1], "x", 1) != 1)
                        _exit(1);
                for (;;)
                        pause();
        }
        close(sync[1]);
        char c;
        assert_int_equal(read(sync[0], &c, 1), 1);
        close(sync[0]);

        uint64_t start = zone_pid_start_time(pid);
        uint64_t self = zone_pid_start_time(getpid());
        assert_true(self > 0);
        /* Field 22 of a later process: not before ours, not after now. */
        assert_true(start >= self);
        FILE *up = fopen("/proc/uptime", "re");
        assert_non_null(up);
        double uptime = 0;
        assert_int_equal(fscanf(up, "%lf", &uptime), 1);
        fclose(up);
        assert_true((double)start <= uptime * (double)sysconf(_SC_CLK_TCK) + 1);

        struct zone_state *st = make_state("s", pid, start, false);
        assert_int_equal(zone_state_status(st), ZONE_STATUS_CREATED);
        st->started = true;
        assert_int_equal(zone_state_status(st), ZONE_STATUS_RUNNING);
        /* Same pid, different start time: the pid was reused by another process. */
        st->pid_start = start + 1;
        assert_int_equal(zone_state_status(st), ZONE_STATUS_STOPPED);
        st->pid_start = start;
        st->pid = 0;
        assert_int_equal(zone_state_status(st), ZONE_STATUS_CREATING);
        st->pid = -1;
        assert_int_equal(zone_state_status(st), ZONE_STATUS_STOPPED);
        st->pid = pid;

        /* Killed but not yet reaped: a zombie is stopped. */
        assert_int_equal(kill(pid, SIGKILL), 0);
        siginfo_t si;
        assert_int_equal(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0);
        assert_int_equal(zone_state_status(st), ZONE_STATUS_STOPPED);
        assert_true(zone_pid_start_time(pid) == 0);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        assert_int_equal(zone_state_status(st), ZONE_STATUS_STOPPED);
        assert_true(zone_pid_start_time(pid) == 0);
        zone_state_free(st);

        assert_string_equal(zone_status_name(ZONE_STATUS_CREATING), "creating");
        assert_string_equal(zone_status_name(ZONE_STATUS_CREATED), "created");
        assert_string_equal(zone_status_name(ZONE_STATUS_RUNNING), "running");
        assert_string_equal(zone_status_name(ZONE_STATUS_PAUSED), "paused");
        assert_string_equal(zone_status_name(ZONE_STATUS_STOPPED), "stopped");
}

/* What create writes before it makes anything else (pid 0, the cgroup path) is what a creator
 * killed half-way leaves: it reads back as "creating" with the cgroup path delete needs. */
static void test_creating_state(void **ts)
{
        struct fixture *f = *ts;
        struct zone_err *err = NULL;
        struct zone_entry *e = NULL;
        assert_int_equal(zone_entry_create(f->store, "half", &e, &err), 0);
        struct zone_state *st = make_state("half", 0, 0, false);
        st->cgroup_path = strdup("/zone-test/half");
        assert_int_equal(zone_entry_write_state(e, st, &err), 0);
        zone_state_free(st);
        zone_entry_close(e);

        assert_int_equal(zone_entry_open(f->store, "half", &e, &err), 0);
        st = NULL;
        assert_int_equal(zone_entry_read_state(e, &st, &err), 0);
        assert_null(err);
        assert_int_equal(st->pid, 0);
        assert_string_equal(st->cgroup_path, "/zone-test/half");
        assert_int_equal(zone_state_status(st), ZONE_STATUS_CREATING);
        char *json = NULL;
        assert_int_equal(zone_state_oci_json(st, zone_state_status(st), NULL, false, &json, &err),
                         0);
        assert_non_null(strstr(json, "\"status\":\"creating\""));
        assert_non_null(strstr(json, "\"pid\":0"));
        free(json);
        zone_state_free(st);
        assert_int_equal(zone_entry_remove(e, &err), 0);
        assert_null(err);
}

static const char *jstr(yajl_val v, const char *k1, const char *k2)
{
        const char *p[] = {k1, k2, NULL};
        yajl_val s = yajl_tree_get(v, p, yajl_t_string);
        return s ? YAJL_GET_STRING(s) : NULL;
}

static void test_oci_json(void **ts)
{
        struct zone_state *st = make_state("web", 4242, 1, true);
        struct zone_kv ann[] = {{"org.zone.type", "light"}, {"k", "v \"q\""}};
        struct zone_spec spec = {.annotations = ann, .n_annotations = 2};
        struct zone_err *err = NULL;
        char *json = NULL;
        assert_int_equal(zone_state_oci_json(st, ZONE_STATUS_RUNNING, &spec, true, &json, &err), 0);
        assert_non_null(strstr(json, "\n  \"ociVersion\""));
        char ebuf[128];
        yajl_val v = yajl_tree_parse(json, ebuf, sizeof(ebuf));
        assert_non_null(v);
        assert_string_equal(jstr(v, "ociVersion", NULL), "1.2.0");
        assert_string_equal(jstr(v, "id", NULL), "web");
        assert_string_equal(jstr(v, "status", NULL), "running");
        const char *pp[] = {"pid", NULL};
        assert_int_equal(YAJL_GET_INTEGER(yajl_tree_get(v, pp, yajl_t_number)), 4242);
        assert_string_equal(jstr(v, "bundle", NULL), "/srv/bundles/b");
        assert_string_equal(jstr(v, "rootfs", NULL), "/srv/bundles/b/rootfs");
        assert_string_equal(jstr(v, "created", NULL), st->created);
        assert_string_equal(jstr(v, "owner", NULL), "");
        assert_string_equal(jstr(v, "annotations", "org.zone.type"), "light");
        assert_string_equal(jstr(v, "annotations", "k"), "v \"q\"");
        yajl_tree_free(v);
        free(json);

        /* Stopped: pid 0; compact: one line; no spec: no annotations. */
        assert_int_equal(zone_state_oci_json(st, ZONE_STATUS_STOPPED, NULL, false, &json, &err), 0);
        assert_null(strchr(json, '\n'));
        v = yajl_tree_parse(json, ebuf, sizeof(ebuf));
        assert_non_null(v);
        assert_string_equal(jstr(v, "status", NULL), "stopped");
        assert_int_equal(YAJL_GET_INTEGER(yajl_tree_get(v, pp, yajl_t_number)), 0);
        const char *ap[] = {"annotations", NULL};
        assert_null(yajl_tree_get(v, ap, yajl_t_any));
        yajl_tree_free(v);
        free(json);
        zone_state_free(st);
}

static void test_now_rfc3339(void **ts)
{
        char *s = zone_now_rfc3339();
        assert_non_null(s);
        assert_int_equal(strlen(s), strlen("2026-11-25T19:22:05.123456789Z"));
        int y, mo, d, h, mi, sec;
        long ns;
        char z = 0;
        assert_int_equal(
            sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%9ld%c", &y, &mo, &d, &h, &mi, &sec, &ns, &z), 8);
        assert_int_equal(z, 'Z');
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        assert_int_equal(y, tm.tm_year + 1900);
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_store_open, setup, teardown),
            cmocka_unit_test(test_id_validate),
            cmocka_unit_test_setup_teardown(test_create_open_list_remove, setup, teardown),
            cmocka_unit_test_setup_teardown(test_duplicate, setup, teardown),
            cmocka_unit_test_setup_teardown(test_config_copy, setup, teardown),
            cmocka_unit_test_setup_teardown(test_create_race, setup, teardown),
            cmocka_unit_test_setup_teardown(test_open_waits_for_lock, setup, teardown),
            cmocka_unit_test_setup_teardown(test_state_atomic, setup, teardown),
            cmocka_unit_test_setup_teardown(test_state_locked_race, setup, teardown),
            cmocka_unit_test(test_status),
            cmocka_unit_test_setup_teardown(test_creating_state, setup, teardown),
            cmocka_unit_test(test_oci_json),
            cmocka_unit_test(test_now_rfc3339),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
