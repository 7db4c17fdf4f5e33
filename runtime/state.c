/* The container state store: a root directory with one locked directory per container, the
 * state.json inside it, and the status and OCI state document derived from that state. */
#include "state.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "err.h"
#include "spec.h"
#include "util.h"

#define STATE_FILE  "state.json"
#define CONFIG_FILE "config.json"
/* state.json is small; anything bigger is not ours. */
#define STATE_MAX (1024 * 1024)

struct zone_store {
        int fd;
        char *path; /* absolute */
};

struct zone_entry {
        int fd;      /* the container's directory, flock'd */
        int root_fd; /* the store root, to remove the directory by name */
        char *id;
        char *path;
};

static bool is_dot_name(const char *s)
{
        return strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

/* mkdir -p with mode 0700 for each missing component. */
static int mkdir_parents(const char *path)
{
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char saved = *s;
                *s = '\0';
                if (mkdir(p, 0700) < 0 && errno != EEXIST)
                        return -errno;
                *s = saved;
                if (saved == '\0')
                        return 0;
        }
}

int zone_store_open(const char *root, struct zone_store **ret, struct zone_err **err)
{
        if (!root || !*root)
                return zone_err_set(err, -EINVAL, "state root: empty path");
        int r = mkdir_parents(root);
        if (r < 0)
                return zone_err_sys(err, r, "state root %s", root);
        _cleanup_close_ int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "state root %s", root);
        /* Entries report absolute paths (the exec fifo is opened by path from other
         * processes), so resolve a relative root once here. */
        _cleanup_free_ char *abs = realpath(root, NULL);
        if (!abs)
                return zone_err_sys(err, -errno, "state root %s", root);
        struct zone_store *s = calloc(1, sizeof(*s));
        if (!s)
                return zone_err_sys(err, -ENOMEM, "state root %s", root);
        s->fd = steal_fd(&fd);
        s->path = steal_pointer(&abs);
        *ret = s;
        return 0;
}

void zone_store_close(struct zone_store *store)
{
        if (!store)
                return;
        if (store->fd >= 0)
                close(store->fd);
        free(store->path);
        free(store);
}

int zone_store_dirfd(const struct zone_store *store)
{
        return store->fd;
}

int zone_id_validate(const char *id, struct zone_err **err)
{
        if (!id || !*id)
                return zone_err_set(err, -EINVAL, "invalid container id \"\": empty");
        size_t len = strlen(id);
        if (len > ZONE_ID_MAX)
                return zone_err_set(err, -EINVAL, "invalid container id \"%s\": too long (max %d)",
                                    id, ZONE_ID_MAX);
        for (const char *p = id; *p; p++) {
                char c = *p;
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '.' || c == '-';
                if (!ok) {
                        /* Never put control characters into a one-line error. */
                        _cleanup_free_ char *shown = strdup(id);
                        for (char *q = shown; q && *q; q++)
                                if ((unsigned char)*q < 0x20 || *q == 0x7f)
                                        *q = '?';
                        return zone_err_set(err, -EINVAL,
                                            "invalid container id \"%s\": only letters, digits "
                                            "and _ + . - are allowed",
                                            shown ? shown : "?");
                }
        }
        /* Names starting with '.' are the store's own (its caches). */
        if (id[0] == '.')
                return zone_err_set(err, -EINVAL,
                                    "invalid container id \"%s\": it may not start with \".\"", id);
        return 0;
}

static void entry_free(struct zone_entry *e)
{
        if (!e)
                return;
        /* Closing the last fd of the open file description drops the flock. */
        if (e->fd >= 0)
                close(e->fd);
        if (e->root_fd >= 0)
                close(e->root_fd);
        free(e->id);
        free(e->path);
        free(e);
}

static void entry_freep(struct zone_entry **e)
{
        entry_free(*e);
}

/* Takes over dirfd (on success and failure), locks it (when lock) and checks it is still in
 * the store. */
static int entry_lock(struct zone_store *store, const char *id, int dirfd, bool lock,
                      struct zone_entry **ret, struct zone_err **err)
{
        _cleanup_(entry_freep) struct zone_entry *e = calloc(1, sizeof(*e));
        if (!e) {
                close(dirfd);
                return zone_err_sys(err, -ENOMEM, "open container \"%s\"", id);
        }
        e->fd = dirfd;
        e->root_fd = -1;
        e->id = strdup(id);
        if (!e->id || asprintf(&e->path, "%s/%s", store->path, id) < 0) {
                e->path = NULL;
                return zone_err_sys(err, -ENOMEM, "open container \"%s\"", id);
        }
        e->root_fd = fcntl(store->fd, F_DUPFD_CLOEXEC, 3);
        if (e->root_fd < 0)
                return zone_err_sys(err, -errno, "open container \"%s\"", id);
        /* No retry on EINTR: a signal is how a caller interrupts a long wait. */
        if (lock && flock(e->fd, LOCK_EX) < 0)
                return zone_err_sys(err, -errno, "lock container \"%s\"", id);
        /* Whoever held the lock before us may have removed the container. */
        struct stat st;
        if (fstat(e->fd, &st) < 0)
                return zone_err_sys(err, -errno, "stat container \"%s\"", id);
        if (st.st_nlink == 0)
                return zone_err_set(err, -ENOENT, "container \"%s\" does not exist", id);
        *ret = steal_pointer(&e);
        return 0;
}

int zone_entry_create(struct zone_store *store, const char *id, struct zone_entry **ret,
                      struct zone_err **err)
{
        int r = zone_id_validate(id, err);
        if (r < 0)
                return r;
        if (mkdirat(store->fd, id, 0700) < 0) {
                if (errno == EEXIST)
                        return zone_err_set(err, -EEXIST, "container \"%s\" already exists", id);
                return zone_err_sys(err, -errno, "create container directory %s/%s", store->path,
                                    id);
        }
        int fd = openat(store->fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                r = zone_err_sys(err, -errno, "open container directory %s/%s", store->path, id);
        else
                r = entry_lock(store, id, fd, true, ret, err);
        /* Leave nothing behind, unless someone else already removed the directory (then the
         * name may belong to a newer container). */
        if (r < 0 && r != -ENOENT)
                (void)unlinkat(store->fd, id, AT_REMOVEDIR);
        return r;
}

static int entry_open(struct zone_store *store, const char *id, bool lock, struct zone_entry **ret,
                      struct zone_err **err)
{
        int r = zone_id_validate(id, err);
        if (r < 0)
                return r;
        int fd = openat(store->fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT)
                        return zone_err_set(err, -ENOENT, "container \"%s\" does not exist", id);
                return zone_err_sys(err, -errno, "open container directory %s/%s", store->path, id);
        }
        return entry_lock(store, id, fd, lock, ret, err);
}

int zone_entry_open(struct zone_store *store, const char *id, struct zone_entry **ret,
                    struct zone_err **err)
{
        return entry_open(store, id, true, ret, err);
}

int zone_entry_open_unlocked(struct zone_store *store, const char *id, struct zone_entry **ret,
                             struct zone_err **err)
{
        return entry_open(store, id, false, ret, err);
}

void zone_entry_close(struct zone_entry *entry)
{
        entry_free(entry);
}

int zone_entry_dirfd(const struct zone_entry *entry)
{
        return entry->fd;
}

const char *zone_entry_id(const struct zone_entry *entry)
{
        return entry->id;
}

const char *zone_entry_path(const struct zone_entry *entry)
{
        return entry->path;
}

/* ---- state.json ---- */

static void gen_freep(yajl_gen *g)
{
        if (*g)
                yajl_gen_free(*g);
}

static int gen_str(yajl_gen g, const char *s)
{
        return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) == yajl_gen_status_ok
                   ? 0
                   : -ENOMEM;
}

static int gen_key_str(yajl_gen g, const char *key, const char *value)
{
        if (gen_str(g, key) < 0)
                return -ENOMEM;
        if (!value)
                return yajl_gen_null(g) == yajl_gen_status_ok ? 0 : -ENOMEM;
        return gen_str(g, value);
}

static int gen_key_int(yajl_gen g, const char *key, long long value)
{
        if (gen_str(g, key) < 0 || yajl_gen_integer(g, value) != yajl_gen_status_ok)
                return -ENOMEM;
        return 0;
}

/* Copies the generator's buffer into a malloc'd NUL-terminated string. */
static int gen_take(yajl_gen g, char **ret, size_t *ret_len)
{
        const unsigned char *buf;
        size_t len;
        if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
                return -ENOMEM;
        char *s = strndup((const char *)buf, len);
        if (!s)
                return -ENOMEM;
        *ret = s;
        if (ret_len)
                *ret_len = len;
        return 0;
}

static int state_to_json(const struct zone_state *st, char **ret, size_t *ret_len)
{
        _cleanup_(gen_freep) yajl_gen g = yajl_gen_alloc(NULL);
        if (!g)
                return -ENOMEM;
        /* pid_start is a clock-tick count; it fits a long long for the life of any machine. */
        if (yajl_gen_map_open(g) != yajl_gen_status_ok || gen_key_str(g, "id", st->id) < 0 ||
            gen_key_str(g, "type", st->type) < 0 || gen_key_int(g, "pid", st->pid) < 0 ||
            gen_key_int(g, "pid_start", (long long)st->pid_start) < 0 ||
            gen_key_str(g, "bundle", st->bundle) < 0 || gen_key_str(g, "rootfs", st->rootfs) < 0 ||
            gen_key_str(g, "created", st->created) < 0 || gen_str(g, "started") < 0 ||
            yajl_gen_bool(g, st->started) != yajl_gen_status_ok || gen_str(g, "paused") < 0 ||
            yajl_gen_bool(g, st->paused) != yajl_gen_status_ok ||
            gen_key_str(g, "owner", st->owner) < 0 ||
            gen_key_str(g, "cgroup_path", st->cgroup_path) < 0 ||
            yajl_gen_map_close(g) != yajl_gen_status_ok)
                return -ENOMEM;
        return gen_take(g, ret, ret_len);
}

int zone_entry_write_state(struct zone_entry *entry, const struct zone_state *state,
                           struct zone_err **err)
{
        if (!state->id || strcmp(state->id, entry->id) != 0)
                return zone_err_set(err, -EINVAL, "write state of container \"%s\": id mismatch",
                                    entry->id);
        if (!state->type || !state->bundle)
                return zone_err_set(err, -EINVAL,
                                    "write state of container \"%s\": type and bundle are required",
                                    entry->id);
        _cleanup_free_ char *json = NULL;
        size_t len = 0;
        int r = state_to_json(state, &json, &len);
        if (r < 0)
                return zone_err_sys(err, r, "write state of container \"%s\"", entry->id);
        r = write_file_atomic_at(entry->fd, STATE_FILE, json, len, 0600);
        if (r < 0)
                return zone_err_sys(err, r, "write %s/%s", entry->path, STATE_FILE);
        return 0;
}

static void tree_freep(yajl_val *v)
{
        if (*v)
                yajl_tree_free(*v);
}

/* Reads one field; a missing or mistyped required field is a corrupt state file. */
static int field_str(yajl_val root, const char *key, bool nullable, char **ret)
{
        const char *path[] = {key, NULL};
        yajl_val v = yajl_tree_get(root, path, yajl_t_any);
        if (nullable && (!v || YAJL_IS_NULL(v))) {
                *ret = NULL;
                return 0;
        }
        if (!v || !YAJL_IS_STRING(v))
                return -EBADMSG;
        const char *str = YAJL_GET_STRING(v);
        *ret = strdup(str ? str : "");
        return *ret ? 0 : -ENOMEM;
}

static int field_int(yajl_val root, const char *key, long long *ret)
{
        const char *path[] = {key, NULL};
        yajl_val v = yajl_tree_get(root, path, yajl_t_number);
        if (!v || !YAJL_IS_INTEGER(v))
                return -EBADMSG;
        *ret = YAJL_GET_INTEGER(v);
        return 0;
}

static void state_freep(struct zone_state **s)
{
        zone_state_free(*s);
}

static int state_from_json(const char *text, struct zone_state **ret, const char **bad_field)
{
        char errbuf[256];
        _cleanup_(tree_freep) yajl_val root = yajl_tree_parse(text, errbuf, sizeof(errbuf));
        *bad_field = NULL;
        if (!root || !YAJL_IS_OBJECT(root))
                return -EBADMSG;
        _cleanup_(state_freep) struct zone_state *st = calloc(1, sizeof(*st));
        if (!st)
                return -ENOMEM;
        long long pid = 0, pid_start = 0;
        int r;
#define FIELD(call, name)                                                                          \
        do {                                                                                       \
                r = (call);                                                                        \
                if (r < 0) {                                                                       \
                        *bad_field = (name);                                                       \
                        return r;                                                                  \
                }                                                                                  \
        } while (0)
        FIELD(field_str(root, "id", false, &st->id), "id");
        FIELD(field_str(root, "type", false, &st->type), "type");
        FIELD(field_int(root, "pid", &pid), "pid");
        FIELD(field_int(root, "pid_start", &pid_start), "pid_start");
        FIELD(field_str(root, "bundle", false, &st->bundle), "bundle");
        FIELD(field_str(root, "rootfs", true, &st->rootfs), "rootfs");
        FIELD(field_str(root, "created", true, &st->created), "created");
        FIELD(field_str(root, "owner", true, &st->owner), "owner");
        FIELD(field_str(root, "cgroup_path", true, &st->cgroup_path), "cgroup_path");
#undef FIELD
        const char *started_path[] = {"started", NULL};
        yajl_val started = yajl_tree_get(root, started_path, yajl_t_any);
        if (!started || !(YAJL_IS_TRUE(started) || YAJL_IS_FALSE(started))) {
                *bad_field = "started";
                return -EBADMSG;
        }
        st->started = YAJL_IS_TRUE(started);
        /* Optional: states written before pause existed have no such field. */
        const char *paused_path[] = {"paused", NULL};
        st->paused = YAJL_IS_TRUE(yajl_tree_get(root, paused_path, yajl_t_any));
        if (pid < INT_MIN || pid > INT_MAX || pid_start < 0) {
                *bad_field = pid_start < 0 ? "pid_start" : "pid";
                return -EBADMSG;
        }
        st->pid = (pid_t)pid;
        st->pid_start = (uint64_t)pid_start;
        *ret = steal_pointer(&st);
        return 0;
}

int zone_entry_read_state(struct zone_entry *entry, struct zone_state **ret, struct zone_err **err)
{
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(entry->fd, STATE_FILE, STATE_MAX, &text, NULL);
        if (r == -ENOENT)
                /* The directory exists but the creator has not written the state yet, or died
                 * before it did; the caller knows which one matters. */
                return zone_err_set(err, -ENOENT, "container \"%s\" is being created", entry->id);
        if (r < 0)
                return zone_err_sys(err, r, "read %s/%s", entry->path, STATE_FILE);
        struct zone_state *st = NULL;
        const char *bad = NULL;
        r = state_from_json(text, &st, &bad);
        if (r == -ENOMEM)
                return zone_err_sys(err, r, "read %s/%s", entry->path, STATE_FILE);
        if (r < 0) {
                if (bad)
                        return zone_err_set(err, r, "%s/%s: missing or invalid \"%s\"", entry->path,
                                            STATE_FILE, bad);
                return zone_err_set(err, r, "%s/%s: not a JSON object", entry->path, STATE_FILE);
        }
        if (strcmp(st->id, entry->id) != 0) {
                zone_state_free(st);
                return zone_err_set(err, -EBADMSG, "%s/%s: id does not match the directory",
                                    entry->path, STATE_FILE);
        }
        *ret = st;
        return 0;
}

int zone_entry_write_config(struct zone_entry *entry, const char *text, size_t len,
                            struct zone_err **err)
{
        int r = write_file_atomic_at(entry->fd, CONFIG_FILE, text, len, 0600);
        if (r < 0)
                return zone_err_sys(err, r, "write %s/%s", entry->path, CONFIG_FILE);
        return 0;
}

int zone_entry_read_config(struct zone_entry *entry, struct zone_spec **ret, struct zone_err **err)
{
        int r = zone_spec_load(entry->fd, CONFIG_FILE, ret, err);
        if (r < 0)
                return zone_err_wrap(err, "container \"%s\"", entry->id);
        return 0;
}

/* Empties the directory dirfd (taken over), descending into subdirectories. */
static int remove_contents(int dirfd, const char *what, struct zone_err **err)
{
        DIR *d = fdopendir(dirfd);
        if (!d) {
                int e = errno;
                close(dirfd);
                return zone_err_sys(err, -e, "remove %s", what);
        }
        int r = 0;
        for (;;) {
                errno = 0;
                struct dirent *de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                r = zone_err_sys(err, -errno, "read directory %s", what);
                        break;
                }
                if (is_dot_name(de->d_name))
                        continue;
                if (unlinkat(dirfd, de->d_name, 0) == 0)
                        continue;
                if (errno != EISDIR) {
                        r = zone_err_sys(err, -errno, "remove %s/%s", what, de->d_name);
                        break;
                }
                int sub =
                    openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0) {
                        r = zone_err_sys(err, -errno, "remove %s/%s", what, de->d_name);
                        break;
                }
                _cleanup_free_ char *subwhat = NULL;
                if (asprintf(&subwhat, "%s/%s", what, de->d_name) < 0) {
                        close(sub);
                        r = zone_err_sys(err, -ENOMEM, "remove %s/%s", what, de->d_name);
                        break;
                }
                r = remove_contents(sub, subwhat, err);
                if (r < 0)
                        break;
                if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0) {
                        r = zone_err_sys(err, -errno, "remove %s", subwhat);
                        break;
                }
        }
        closedir(d);
        return r;
}

int zone_entry_remove(struct zone_entry *entry, struct zone_err **err)
{
        _cleanup_(entry_freep) struct zone_entry *e = entry;
        /* Iterate a duplicate: closedir() closes it, and the lock stays on e->fd. */
        int fd = fcntl(e->fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return zone_err_sys(err, -errno, "remove %s", e->path);
        int r = remove_contents(fd, e->path, err);
        if (r < 0)
                return r;
        if (unlinkat(e->root_fd, e->id, AT_REMOVEDIR) < 0)
                return zone_err_sys(err, -errno, "remove %s", e->path);
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int zone_store_list(struct zone_store *store, char ***ret_ids, struct zone_err **err)
{
        int fd = fcntl(store->fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return zone_err_sys(err, -errno, "list %s", store->path);
        DIR *d = fdopendir(fd);
        if (!d) {
                int e = errno;
                close(fd);
                return zone_err_sys(err, -e, "list %s", store->path);
        }
        /* fdopendir shares the file offset with store->fd's duplicate; start from the top. */
        rewinddir(d);
        _cleanup_strv_ char **ids = calloc(1, sizeof(char *));
        int r = ids ? 0 : zone_err_sys(err, -ENOMEM, "list %s", store->path);
        while (r == 0) {
                errno = 0;
                struct dirent *de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                r = zone_err_sys(err, -errno, "list %s", store->path);
                        break;
                }
                if (de->d_name[0] == '.')
                        continue;
                bool is_dir = de->d_type == DT_DIR;
                if (de->d_type == DT_UNKNOWN) {
                        struct stat st;
                        is_dir = fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                                 S_ISDIR(st.st_mode);
                }
                if (!is_dir)
                        continue;
                if (strv_append(&ids, de->d_name) < 0)
                        r = zone_err_sys(err, -ENOMEM, "list %s", store->path);
        }
        closedir(d);
        if (r < 0)
                return r;
        qsort(ids, strv_length(ids), sizeof(char *), cmp_str);
        *ret_ids = steal_pointer(&ids);
        return 0;
}

void zone_state_free(struct zone_state *state)
{
        if (!state)
                return;
        free(state->id);
        free(state->type);
        free(state->bundle);
        free(state->rootfs);
        free(state->created);
        free(state->owner);
        free(state->cgroup_path);
        free(state);
}

/* ---- status ---- */

/* Parses /proc/PID/stat: the state letter (field 3) and start time (field 22). The command
 * name (field 2) may hold spaces and parentheses, so fields are counted after its last ')'. */
static int proc_stat(pid_t pid, char *ret_state, uint64_t *ret_start)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        char buf[4096];
        ssize_t n;
        do
                n = read(fd, buf, sizeof(buf) - 1);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        if (!p)
                return -EBADMSG;
        p++;
        /* After ')': " S ppid pgrp ..." — field 3 is the 1st token, field 22 the 20th. */
        char *save = NULL;
        char *tok = strtok_r(p, " \n", &save);
        if (!tok)
                return -EBADMSG;
        *ret_state = tok[0];
        for (int field = 4; field <= 22; field++) {
                tok = strtok_r(NULL, " \n", &save);
                if (!tok)
                        return -EBADMSG;
        }
        char *end;
        errno = 0;
        unsigned long long start = strtoull(tok, &end, 10);
        if (errno != 0 || *end != '\0')
                return -EBADMSG;
        *ret_start = start;
        return 0;
}

static bool is_dead_state(char s)
{
        return s == 'Z' || s == 'X' || s == 'x';
}

uint64_t zone_pid_start_time(pid_t pid)
{
        char s;
        uint64_t start;
        if (pid <= 0 || proc_stat(pid, &s, &start) < 0 || is_dead_state(s))
                return 0;
        return start;
}

enum zone_status zone_state_status(const struct zone_state *state)
{
        if (state->pid == 0)
                return ZONE_STATUS_CREATING;
        if (state->pid < 0)
                return ZONE_STATUS_STOPPED;
        char s;
        uint64_t start;
        if (proc_stat(state->pid, &s, &start) < 0 || is_dead_state(s) || start != state->pid_start)
                return ZONE_STATUS_STOPPED;
        /* `pause` froze its cgroup (and records it here, under the zone's lock). */
        if (state->started && state->paused)
                return ZONE_STATUS_PAUSED;
        return state->started ? ZONE_STATUS_RUNNING : ZONE_STATUS_CREATED;
}

const char *zone_status_name(enum zone_status status)
{
        switch (status) {
        case ZONE_STATUS_CREATING:
                return "creating";
        case ZONE_STATUS_CREATED:
                return "created";
        case ZONE_STATUS_RUNNING:
                return "running";
        case ZONE_STATUS_PAUSED:
                return "paused";
        case ZONE_STATUS_STOPPED:
                return "stopped";
        }
        return "unknown";
}

/* ---- the OCI state document ---- */

int zone_state_oci_json(const struct zone_state *state, enum zone_status status,
                        const struct zone_spec *spec, bool pretty, char **ret,
                        struct zone_err **err)
{
        _cleanup_(gen_freep) yajl_gen g = yajl_gen_alloc(NULL);
        if (!g)
                return zone_err_sys(err, -ENOMEM, "state of container \"%s\"", state->id);
        if (pretty && (!yajl_gen_config(g, yajl_gen_beautify, 1) ||
                       !yajl_gen_config(g, yajl_gen_indent_string, "  ")))
                return zone_err_sys(err, -ENOMEM, "state of container \"%s\"", state->id);
        /* As runc does, a stopped container reports pid 0. */
        long long pid = status == ZONE_STATUS_STOPPED ? 0 : state->pid;
        int r = 0;
        if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
            gen_key_str(g, "ociVersion", "1.2.0") < 0 || gen_key_str(g, "id", state->id) < 0 ||
            gen_key_str(g, "status", zone_status_name(status)) < 0 ||
            gen_key_int(g, "pid", pid) < 0 ||
            gen_key_str(g, "bundle", state->bundle ? state->bundle : "") < 0 ||
            gen_key_str(g, "rootfs", state->rootfs ? state->rootfs : "") < 0 ||
            gen_key_str(g, "created", state->created ? state->created : "") < 0 ||
            gen_key_str(g, "owner", state->owner ? state->owner : "") < 0)
                r = -ENOMEM;
        if (r == 0 && spec && spec->n_annotations > 0) {
                if (gen_str(g, "annotations") < 0 || yajl_gen_map_open(g) != yajl_gen_status_ok)
                        r = -ENOMEM;
                for (size_t i = 0; r == 0 && i < spec->n_annotations; i++)
                        if (gen_key_str(g, spec->annotations[i].key,
                                        spec->annotations[i].value ? spec->annotations[i].value
                                                                   : "") < 0)
                                r = -ENOMEM;
                if (r == 0 && yajl_gen_map_close(g) != yajl_gen_status_ok)
                        r = -ENOMEM;
        }
        if (r == 0 && yajl_gen_map_close(g) != yajl_gen_status_ok)
                r = -ENOMEM;
        if (r == 0)
                r = gen_take(g, ret, NULL);
        if (r < 0)
                return zone_err_sys(err, r, "state of container \"%s\"", state->id);
        return 0;
}

char *zone_now_rfc3339(void)
{
        struct timespec ts;
        struct tm tm;
        if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || !gmtime_r(&ts.tv_sec, &tm))
                return NULL;
        char *s = NULL;
        if (asprintf(&s, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec) < 0)
                return NULL;
        return s;
}
