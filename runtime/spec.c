/* config.json parser: yajl builds a tree, then each JSON object is walked with a field table
 * (JSON key, handler, where the value goes). Generic handlers cover strings, integers of every
 * width, booleans, string arrays, maps and arrays of objects; the few fields with rules of
 * their own (namespace and rlimit names, device types, ...) get small handlers. Errors name
 * the file and the field path ("config.json: mounts[2].destination: expected a string"). */
#include "spec.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <yajl/yajl_tree.h>

#include "err.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* config.json files are small; the cap only stops a runaway file from eating memory. */
#define SPEC_MAX_SIZE (16u * 1024 * 1024)
#define NO_AUX        SIZE_MAX

struct pctx {
        const char *what;
        struct zone_err **err;
        bool strict; /* unknown keys are errors (documents the runtime is handed to change
                      * something, where an ignored key would be a change silently lost) */
        size_t len;
        char path[1024];
};

struct field;
typedef int (*field_fn)(struct pctx *c, yajl_val v, void *base, const struct field *f);

/* How to parse one JSON object into one C struct. */
struct objdesc {
        size_t size; /* element size when the object sits in an array */
        const struct field *fields;
        size_t n_fields;
        int (*check)(struct pctx *c, void *obj); /* cross-field rules, after all fields */
};

struct field {
        const char *key;
        field_fn fn;
        size_t off;                /* the value */
        size_t aux;                /* its has_ flag or element count, or NO_AUX */
        const struct objdesc *sub; /* nested objects */
        bool required;
};

#define DESC(type, table, checkfn)                                                                 \
        {                                                                                          \
                sizeof(type), table, ARRAY_SIZE(table), checkfn                                    \
        }

/* ---- paths and errors ---- */

static size_t path_push(struct pctx *c, const char *key)
{
        size_t saved = c->len;
        int n =
            snprintf(c->path + c->len, sizeof(c->path) - c->len, "%s%s", c->len ? "." : "", key);
        if (n > 0)
                c->len =
                    (size_t)n + c->len < sizeof(c->path) ? c->len + (size_t)n : sizeof(c->path) - 1;
        return saved;
}

static size_t path_push_index(struct pctx *c, size_t i)
{
        size_t saved = c->len;
        int n = snprintf(c->path + c->len, sizeof(c->path) - c->len, "[%zu]", i);
        if (n > 0)
                c->len =
                    (size_t)n + c->len < sizeof(c->path) ? c->len + (size_t)n : sizeof(c->path) - 1;
        return saved;
}

static void path_pop(struct pctx *c, size_t saved)
{
        c->len = saved;
        c->path[saved] = '\0';
}

/* Keys and values quoted in messages come from the file: control characters in them are
 * escaped, so an error stays one line and cannot drive the terminal it is printed on. */
static char *escape_controls(const char *s)
{
        size_t n = 0;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                n += *p < 0x20 || *p == 0x7f ? 4 : 1;
        char *out = malloc(n + 1), *o = out;
        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p == '\n' || *p == '\t' || *p == '\r') {
                        *o++ = '\\';
                        *o++ = *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r';
                } else if (*p < 0x20 || *p == 0x7f) {
                        o += sprintf(o, "\\x%02x", *p);
                } else {
                        *o++ = (char)*p;
                }
        }
        *o = '\0';
        return out;
}

static int bad(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct pctx *c, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL, *full = NULL, *safe = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n >= 0)
                n = c->len == 0 ? asprintf(&full, "%s: %s", c->what, msg)
                                : asprintf(&full, "%s: %s: %s", c->what, c->path, msg);
        if (n >= 0)
                safe = escape_controls(full);
        if (!safe)
                return zone_err_set(c->err, -ENOMEM, "%s: parse: out of memory", c->what);
        return zone_err_set(c->err, -EINVAL, "%s", safe);
}

/* An error about a member of the object whose path is current. */
static int bad_at(struct pctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad_at(struct pctx *c, const char *key, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        size_t saved = path_push(c, key);
        int r = n < 0 ? zone_err_set(c->err, -ENOMEM, "%s: parse: out of memory", c->what)
                      : bad(c, "%s", msg);
        path_pop(c, saved);
        return r;
}

static int oom(struct pctx *c)
{
        return zone_err_set(c->err, -ENOMEM, "%s: parse %s: out of memory", c->what,
                            c->len ? c->path : "document");
}

#define AT(base, off, type) ((type *)((char *)(base) + (off)))

static void set_has(void *base, const struct field *f)
{
        if (f->aux != NO_AUX)
                *AT(base, f->aux, bool) = true;
}

/* ---- the object walker ---- */

/* With a key given twice the last one wins, as in Go's decoder (runc, containerd). */
static yajl_val obj_get(yajl_val obj, const char *key)
{
        for (size_t i = obj->u.object.len; i > 0; i--)
                if (strcmp(obj->u.object.keys[i - 1], key) == 0)
                        return obj->u.object.values[i - 1];
        return NULL;
}

static int parse_object(struct pctx *c, yajl_val v, const struct objdesc *d, void *base)
{
        if (!YAJL_IS_OBJECT(v))
                return bad(c, "expected an object");
        /* Fields not in the table are ignored, as the runtime-spec requires for config.json. */
        for (size_t i = 0; c->strict && i < v->u.object.len; i++) {
                bool known = false;
                for (size_t j = 0; j < d->n_fields && !known; j++)
                        known = strcmp(v->u.object.keys[i], d->fields[j].key) == 0;
                if (!known)
                        return bad_at(c, v->u.object.keys[i], "unknown field");
        }
        for (size_t i = 0; i < d->n_fields; i++) {
                const struct field *f = &d->fields[i];
                yajl_val fv = obj_get(v, f->key);
                if (!fv || YAJL_IS_NULL(fv)) {
                        if (f->required)
                                return bad_at(c, f->key, "required");
                        continue;
                }
                size_t saved = path_push(c, f->key);
                int r = f->fn(c, fv, base, f);
                path_pop(c, saved);
                if (r < 0)
                        return r;
        }
        return d->check ? d->check(c, base) : 0;
}

/* ---- generic handlers ---- */

static int h_string(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        if (!YAJL_IS_STRING(v))
                return bad(c, "expected a string");
        char *s = strdup(v->u.string);
        if (!s)
                return oom(c);
        char **dst = AT(base, f->off, char *);
        free(*dst);
        *dst = s;
        return 0;
}

static int h_abs_path(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        if (YAJL_IS_STRING(v) && v->u.string[0] != '/')
                return bad(c, "expected an absolute path, got \"%s\"", v->u.string);
        return h_string(c, v, base, f);
}

static int h_bool(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
                return bad(c, "expected true or false");
        *AT(base, f->off, bool) = YAJL_IS_TRUE(v);
        set_has(base, f);
        return 0;
}

/* Integers are read from yajl's raw text so that the whole uint64 range works and floats
 * ("1.5", "1e3") are refused rather than truncated. */
static bool raw_integer(yajl_val v, const char **ret)
{
        if (!YAJL_IS_NUMBER(v) || !v->u.number.r || strpbrk(v->u.number.r, ".eE"))
                return false;
        *ret = v->u.number.r;
        return true;
}

static int num_signed(struct pctx *c, yajl_val v, int64_t min, int64_t max, int64_t *ret)
{
        const char *s;
        char *end;
        if (raw_integer(v, &s)) {
                errno = 0;
                long long x = strtoll(s, &end, 10);
                if (errno == 0 && *end == '\0' && x >= min && x <= max) {
                        *ret = x;
                        return 0;
                }
        }
        return bad(c, "expected an integer between %" PRId64 " and %" PRId64, min, max);
}

static int num_unsigned(struct pctx *c, yajl_val v, uint64_t min, uint64_t max, uint64_t *ret)
{
        const char *s;
        char *end;
        if (raw_integer(v, &s) && s[0] != '-') {
                errno = 0;
                unsigned long long x = strtoull(s, &end, 10);
                if (errno == 0 && *end == '\0' && x >= min && x <= max) {
                        *ret = x;
                        return 0;
                }
        }
        if (min == 0 && max == UINT64_MAX)
                return bad(c, "expected a non-negative integer");
        return bad(c, "expected an integer between %" PRIu64 " and %" PRIu64, min, max);
}

#define INT_HANDLER(name, type, min, max)                                                          \
        static int name(struct pctx *c, yajl_val v, void *base, const struct field *f)             \
        {                                                                                          \
                int64_t x;                                                                         \
                int r = num_signed(c, v, min, max, &x);                                            \
                if (r < 0)                                                                         \
                        return r;                                                                  \
                *AT(base, f->off, type) = (type)x;                                                 \
                set_has(base, f);                                                                  \
                return 0;                                                                          \
        }
#define UINT_HANDLER(name, type, max)                                                              \
        static int name(struct pctx *c, yajl_val v, void *base, const struct field *f)             \
        {                                                                                          \
                uint64_t x;                                                                        \
                int r = num_unsigned(c, v, 0, max, &x);                                            \
                if (r < 0)                                                                         \
                        return r;                                                                  \
                *AT(base, f->off, type) = (type)x;                                                 \
                set_has(base, f);                                                                  \
                return 0;                                                                          \
        }

INT_HANDLER(h_i32, int, INT32_MIN, INT32_MAX)
INT_HANDLER(h_i64, int64_t, INT64_MIN, INT64_MAX)
UINT_HANDLER(h_u16, uint16_t, UINT16_MAX)
UINT_HANDLER(h_u32, uint32_t, UINT32_MAX)
UINT_HANDLER(h_u64, uint64_t, UINT64_MAX)

/* uid_t, gid_t, mode_t and unsigned share h_u32. */
_Static_assert(sizeof(uid_t) == 4 && sizeof(gid_t) == 4 && sizeof(mode_t) == 4 &&
                   sizeof(unsigned) == 4,
               "32-bit ids");

/* Hook timeouts: zero or negative would mean "never" or nonsense, so refuse them. */
INT_HANDLER(h_positive_int, int, 1, INT32_MAX)

static int parse_strv(struct pctx *c, yajl_val v, char ***ret)
{
        if (!YAJL_IS_ARRAY(v))
                return bad(c, "expected an array of strings");
        size_t n = v->u.array.len;
        char **out = calloc(n + 1, sizeof(char *));
        if (!out)
                return oom(c);
        strv_free(*ret);
        *ret = out; /* owned by the model from here on, so errors below leak nothing */
        for (size_t i = 0; i < n; i++) {
                yajl_val e = v->u.array.values[i];
                if (!YAJL_IS_STRING(e)) {
                        size_t saved = path_push_index(c, i);
                        int r = bad(c, "expected a string");
                        path_pop(c, saved);
                        return r;
                }
                out[i] = strdup(e->u.string);
                if (!out[i])
                        return oom(c);
        }
        return 0;
}

static int h_strv(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        return parse_strv(c, v, AT(base, f->off, char **));
}

/* process.args: the one string array that must not be empty. */
static int h_args(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        if (!YAJL_IS_ARRAY(v) || v->u.array.len == 0)
                return bad(c, "expected a non-empty array of strings");
        return h_strv(c, v, base, f);
}

/* A JSON object of strings, kept in file order. */
static int h_kvmap(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        if (!YAJL_IS_OBJECT(v))
                return bad(c, "expected an object of strings");
        size_t n = v->u.object.len;
        struct zone_kv *kv = calloc(n ? n : 1, sizeof(*kv));
        if (!kv)
                return oom(c);
        *AT(base, f->off, struct zone_kv *) = kv;
        *AT(base, f->aux, size_t) = n;
        for (size_t i = 0; i < n; i++) {
                yajl_val e = v->u.object.values[i];
                if (!YAJL_IS_STRING(e))
                        return bad_at(c, v->u.object.keys[i], "expected a string");
                kv[i].key = strdup(v->u.object.keys[i]);
                kv[i].value = strdup(e->u.string);
                if (!kv[i].key || !kv[i].value)
                        return oom(c);
        }
        return 0;
}

/* A nested object parsed into the same struct (f->off is added to the base) and flagged
 * present through f->aux. */
static int h_object(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        set_has(base, f);
        return parse_object(c, v, f->sub, AT(base, f->off, char));
}

/* An array of objects: f->off holds the array pointer, f->aux the count. The array is zeroed
 * and attached before parsing so that a failure part-way frees cleanly. */
static int h_obj_array(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        if (!YAJL_IS_ARRAY(v))
                return bad(c, "expected an array of objects");
        size_t n = v->u.array.len;
        char *arr = calloc(n ? n : 1, f->sub->size);
        if (!arr)
                return oom(c);
        *AT(base, f->off, void *) = arr;
        *AT(base, f->aux, size_t) = n;
        for (size_t i = 0; i < n; i++) {
                size_t saved = path_push_index(c, i);
                int r = parse_object(c, v->u.array.values[i], f->sub, arr + i * f->sub->size);
                path_pop(c, saved);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A string restricted to a fixed set of words. */
static int one_of(struct pctx *c, yajl_val v, const char *const *words, size_t n, const char *what)
{
        if (!YAJL_IS_STRING(v))
                return bad(c, "expected a string");
        for (size_t i = 0; i < n; i++)
                if (strcmp(v->u.string, words[i]) == 0)
                        return 0;
        return bad(c, "unknown %s \"%s\"", what, v->u.string);
}

#define ONE_OF_HANDLER(name, words, what)                                                          \
        static int name(struct pctx *c, yajl_val v, void *base, const struct field *f)             \
        {                                                                                          \
                int r = one_of(c, v, words, ARRAY_SIZE(words), what);                              \
                return r < 0 ? r : h_string(c, v, base, f);                                        \
        }

static const char *const propagations[] = {"private",  "shared",  "slave",  "unbindable",
                                           "rprivate", "rshared", "rslave", "runbindable"};
static const char *const personality_domains[] = {"LINUX", "LINUX32"};
static const char *const seccomp_actions[] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};
static const char *const seccomp_ops[] = {"SCMP_CMP_NE",       "SCMP_CMP_LT", "SCMP_CMP_LE",
                                          "SCMP_CMP_EQ",       "SCMP_CMP_GE", "SCMP_CMP_GT",
                                          "SCMP_CMP_MASKED_EQ"};

ONE_OF_HANDLER(h_propagation, propagations, "rootfs propagation")
ONE_OF_HANDLER(h_personality, personality_domains, "personality domain")
ONE_OF_HANDLER(h_seccomp_action, seccomp_actions, "seccomp action")
ONE_OF_HANDLER(h_seccomp_op, seccomp_ops, "seccomp operator")

/* ---- names: namespaces and rlimits ---- */

static const struct {
        const char *name;
        int type;
} ns_names[] = {
    {"mount", CLONE_NEWNS},      {"pid", CLONE_NEWPID},   {"network", CLONE_NEWNET},
    {"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},   {"user", CLONE_NEWUSER},
    {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME},
};

int zone_ns_type_from_name(const char *name)
{
        for (size_t i = 0; name && i < ARRAY_SIZE(ns_names); i++)
                if (strcmp(ns_names[i].name, name) == 0)
                        return ns_names[i].type;
        return -1;
}

const char *zone_ns_type_name(int type)
{
        for (size_t i = 0; i < ARRAY_SIZE(ns_names); i++)
                if (ns_names[i].type == type)
                        return ns_names[i].name;
        return NULL;
}

static const struct {
        const char *name;
        int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static int h_ns_type(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        if (!YAJL_IS_STRING(v))
                return bad(c, "expected a string");
        int type = zone_ns_type_from_name(v->u.string);
        if (type < 0)
                return bad(c, "unknown namespace type \"%s\"", v->u.string);
        *AT(base, f->off, int) = type;
        return 0;
}

/* f->off: the RLIMIT_* number, f->aux: the name as written. */
static int h_rlimit_type(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        if (!YAJL_IS_STRING(v))
                return bad(c, "expected a string");
        for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++) {
                if (strcmp(rlimit_names[i].name, v->u.string) == 0) {
                        *AT(base, f->off, int) = rlimit_names[i].resource;
                        char *name = strdup(v->u.string);
                        if (!name)
                                return oom(c);
                        free(*AT(base, f->aux, char *));
                        *AT(base, f->aux, char *) = name;
                        return 0;
                }
        }
        return bad(c, "unknown rlimit \"%s\"", v->u.string);
}

/* A one-letter type ("c", "b", ...) from an allowed set. */
static int char_type(struct pctx *c, yajl_val v, const char *allowed, char *ret)
{
        if (!YAJL_IS_STRING(v) || strlen(v->u.string) != 1 || !strchr(allowed, v->u.string[0]))
                return bad(c, "expected one of %s", allowed[0] == 'c' ? "c b u p" : "a c b");
        *ret = v->u.string[0];
        return 0;
}

static int h_device_type(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        return char_type(c, v, "cbup", AT(base, f->off, char));
}

static int h_rule_type(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        return char_type(c, v, "acb", AT(base, f->off, char));
}

static int h_access(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        if (YAJL_IS_STRING(v) && strspn(v->u.string, "rwm") != strlen(v->u.string))
                return bad(c, "expected a combination of r, w and m, got \"%s\"", v->u.string);
        return h_string(c, v, base, f);
}

static int h_gid_array(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        if (!YAJL_IS_ARRAY(v))
                return bad(c, "expected an array of integers");
        size_t n = v->u.array.len;
        gid_t *gids = calloc(n ? n : 1, sizeof(gid_t));
        if (!gids)
                return oom(c);
        *AT(base, f->off, gid_t *) = gids;
        *AT(base, f->aux, size_t) = n;
        for (size_t i = 0; i < n; i++) {
                uint64_t x;
                size_t saved = path_push_index(c, i);
                int r = num_unsigned(c, v->u.array.values[i], 0, UINT32_MAX, &x);
                path_pop(c, saved);
                if (r < 0)
                        return r;
                gids[i] = (gid_t)x;
        }
        return 0;
}

/* ---- process ---- */

static const struct field user_fields[] = {
    {"uid", h_u32, offsetof(struct zone_spec_user, uid), NO_AUX, NULL, false},
    {"gid", h_u32, offsetof(struct zone_spec_user, gid), NO_AUX, NULL, false},
    {"umask", h_u32, offsetof(struct zone_spec_user, umask),
     offsetof(struct zone_spec_user, has_umask), NULL, false},
    {"additionalGids", h_gid_array, offsetof(struct zone_spec_user, additional_gids),
     offsetof(struct zone_spec_user, n_additional_gids), NULL, false},
    {"username", h_string, offsetof(struct zone_spec_user, username), NO_AUX, NULL, false},
};
static const struct objdesc user_desc = DESC(struct zone_spec_user, user_fields, NULL);

static const struct field console_fields[] = {
    {"height", h_u32, offsetof(struct zone_spec_process, console_height), NO_AUX, NULL, true},
    {"width", h_u32, offsetof(struct zone_spec_process, console_width), NO_AUX, NULL, true},
};
static const struct objdesc console_desc = DESC(struct zone_spec_process, console_fields, NULL);

static const struct field rlimit_fields[] = {
    {"type", h_rlimit_type, offsetof(struct zone_spec_rlimit, resource),
     offsetof(struct zone_spec_rlimit, name), NULL, true},
    {"hard", h_u64, offsetof(struct zone_spec_rlimit, hard), NO_AUX, NULL, true},
    {"soft", h_u64, offsetof(struct zone_spec_rlimit, soft), NO_AUX, NULL, true},
};
/* setrlimit() would refuse it later with a bare EINVAL; say which limit is wrong now. */
static int check_rlimit(struct pctx *c, void *obj)
{
        const struct zone_spec_rlimit *l = obj;
        if (l->soft > l->hard)
                return bad_at(c, "soft", "%" PRIu64 " is above the hard limit %" PRIu64, l->soft,
                              l->hard);
        return 0;
}
static const struct objdesc rlimit_desc =
    DESC(struct zone_spec_rlimit, rlimit_fields, check_rlimit);

#define CAP(key, member)                                                                           \
        {                                                                                          \
                key, h_strv, offsetof(struct zone_spec_caps, member), NO_AUX, NULL, false          \
        }
static const struct field caps_fields[] = {
    CAP("bounding", bounding),   CAP("effective", effective), CAP("inheritable", inheritable),
    CAP("permitted", permitted), CAP("ambient", ambient),
};
static const struct objdesc caps_desc = DESC(struct zone_spec_caps, caps_fields, NULL);

static int check_process(struct pctx *c, void *obj)
{
        struct zone_spec_process *p = obj;
        if (strv_length(p->args) == 0)
                return bad_at(c, "args", "expected a non-empty array of strings");
        size_t n = p->n_rlimits;
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < i; j++)
                        if (p->rlimits[i].resource == p->rlimits[j].resource) {
                                size_t saved = path_push(c, "rlimits");
                                path_push_index(c, i);
                                int r = bad_at(c, "type", "duplicate rlimit \"%s\"",
                                               p->rlimits[i].name);
                                path_pop(c, saved);
                                return r;
                        }
        return 0;
}

#define PF(key, fn, member, aux, sub, req)                                                         \
        {                                                                                          \
                key, fn, offsetof(struct zone_spec_process, member), aux, sub, req                 \
        }
static const struct field process_fields[] = {
    PF("terminal", h_bool, terminal, NO_AUX, NULL, false),
    {"consoleSize", h_object, 0, offsetof(struct zone_spec_process, has_console_size),
     &console_desc, false},
    PF("user", h_object, user, NO_AUX, &user_desc, false),
    PF("args", h_args, args, NO_AUX, NULL, false),
    PF("env", h_strv, env, NO_AUX, NULL, false),
    PF("cwd", h_abs_path, cwd, NO_AUX, NULL, true),
    PF("rlimits", h_obj_array, rlimits, offsetof(struct zone_spec_process, n_rlimits), &rlimit_desc,
       false),
    PF("capabilities", h_object, caps, offsetof(struct zone_spec_process, caps.present), &caps_desc,
       false),
    PF("noNewPrivileges", h_bool, no_new_privileges, NO_AUX, NULL, false),
    PF("oomScoreAdj", h_i32, oom_score_adj, offsetof(struct zone_spec_process, has_oom_score_adj),
       NULL, false),
    PF("apparmorProfile", h_string, apparmor_profile, NO_AUX, NULL, false),
    PF("selinuxLabel", h_string, selinux_label, NO_AUX, NULL, false),
};
static const struct objdesc process_desc =
    DESC(struct zone_spec_process, process_fields, check_process);

/* ---- mounts and hooks ---- */

static const struct field mount_fields[] = {
    {"destination", h_abs_path, offsetof(struct zone_spec_mount, destination), NO_AUX, NULL, true},
    {"type", h_string, offsetof(struct zone_spec_mount, type), NO_AUX, NULL, false},
    {"source", h_string, offsetof(struct zone_spec_mount, source), NO_AUX, NULL, false},
    {"options", h_strv, offsetof(struct zone_spec_mount, options), NO_AUX, NULL, false},
};
static const struct objdesc mount_desc = DESC(struct zone_spec_mount, mount_fields, NULL);

static const struct field hook_fields[] = {
    {"path", h_abs_path, offsetof(struct zone_spec_hook, path), NO_AUX, NULL, true},
    {"args", h_strv, offsetof(struct zone_spec_hook, args), NO_AUX, NULL, false},
    {"env", h_strv, offsetof(struct zone_spec_hook, env), NO_AUX, NULL, false},
    {"timeout", h_positive_int, offsetof(struct zone_spec_hook, timeout),
     offsetof(struct zone_spec_hook, has_timeout), NULL, false},
};
static const struct objdesc hook_desc = DESC(struct zone_spec_hook, hook_fields, NULL);

#define HOOK(key, kind)                                                                            \
        {                                                                                          \
                key, h_obj_array, offsetof(struct zone_spec_hooks, list[kind]),                    \
                    offsetof(struct zone_spec_hooks, n[kind]), &hook_desc, false                   \
        }
static const struct field hooks_fields[] = {
    HOOK("prestart", ZONE_HOOK_PRESTART),
    HOOK("createRuntime", ZONE_HOOK_CREATE_RUNTIME),
    HOOK("createContainer", ZONE_HOOK_CREATE_CONTAINER),
    HOOK("startContainer", ZONE_HOOK_START_CONTAINER),
    HOOK("poststart", ZONE_HOOK_POSTSTART),
    HOOK("poststop", ZONE_HOOK_POSTSTOP),
};
static const struct objdesc hooks_desc = DESC(struct zone_spec_hooks, hooks_fields, NULL);

/* ---- linux: namespaces, id mappings, devices ---- */

static const struct field ns_fields[] = {
    {"type", h_ns_type, offsetof(struct zone_spec_namespace, type), NO_AUX, NULL, true},
    {"path", h_abs_path, offsetof(struct zone_spec_namespace, path), NO_AUX, NULL, false},
};
static const struct objdesc ns_desc = DESC(struct zone_spec_namespace, ns_fields, NULL);

static int h_namespaces(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        int r = h_obj_array(c, v, base, f);
        if (r < 0)
                return r;
        const struct zone_spec_linux *l = base;
        for (size_t i = 0; i < l->n_namespaces; i++)
                for (size_t j = 0; j < i; j++)
                        if (l->namespaces[i].type == l->namespaces[j].type) {
                                size_t saved = path_push_index(c, i);
                                r = bad_at(c, "type", "duplicate namespace type \"%s\"",
                                           zone_ns_type_name(l->namespaces[i].type));
                                path_pop(c, saved);
                                return r;
                        }
        return 0;
}

/* An empty mapping is refused by the kernel with a bare EINVAL. */
static int h_id_count(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        uint64_t x;
        int r = num_unsigned(c, v, 1, UINT32_MAX, &x);
        if (r < 0)
                return r;
        *AT(base, f->off, uint32_t) = (uint32_t)x;
        return 0;
}

static const struct field idmap_fields[] = {
    {"containerID", h_u32, offsetof(struct zone_spec_idmap, container_id), NO_AUX, NULL, true},
    {"hostID", h_u32, offsetof(struct zone_spec_idmap, host_id), NO_AUX, NULL, true},
    {"size", h_id_count, offsetof(struct zone_spec_idmap, size), NO_AUX, NULL, true},
};
static const struct objdesc idmap_desc = DESC(struct zone_spec_idmap, idmap_fields, NULL);

static int check_device(struct pctx *c, void *obj)
{
        const struct zone_spec_device *d = obj;
        if (d->type != 'p' && (d->major < 0 || d->minor < 0))
                return bad_at(c, d->major < 0 ? "major" : "minor", "required for device type '%c'",
                              d->type);
        return 0;
}

/* Device numbers. The model has no has_ flags for them: -1 means absent, which only a FIFO
 * ('p') may leave them. */
static int h_devnum(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        int64_t x;
        int r = num_signed(c, v, 0, INT64_MAX, &x);
        if (r < 0)
                return r;
        *AT(base, f->off, int64_t) = x;
        return 0;
}

static int h_devices(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        /* like h_obj_array, but majors and minors start out absent (-1): 0 is a real number */
        if (!YAJL_IS_ARRAY(v))
                return bad(c, "expected an array of objects");
        size_t n = v->u.array.len;
        struct zone_spec_device *devs = calloc(n ? n : 1, sizeof(*devs));
        if (!devs)
                return oom(c);
        struct zone_spec_linux *l = base;
        l->devices = devs;
        l->n_devices = n;
        for (size_t i = 0; i < n; i++) {
                devs[i].major = devs[i].minor = -1;
                size_t saved = path_push_index(c, i);
                int r = parse_object(c, v->u.array.values[i], f->sub, &devs[i]);
                path_pop(c, saved);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const struct field device_fields[] = {
    {"type", h_device_type, offsetof(struct zone_spec_device, type), NO_AUX, NULL, true},
    {"path", h_abs_path, offsetof(struct zone_spec_device, path), NO_AUX, NULL, true},
    {"major", h_devnum, offsetof(struct zone_spec_device, major), NO_AUX, NULL, false},
    {"minor", h_devnum, offsetof(struct zone_spec_device, minor), NO_AUX, NULL, false},
    {"fileMode", h_u32, offsetof(struct zone_spec_device, file_mode),
     offsetof(struct zone_spec_device, has_file_mode), NULL, false},
    {"uid", h_u32, offsetof(struct zone_spec_device, uid),
     offsetof(struct zone_spec_device, has_uid), NULL, false},
    {"gid", h_u32, offsetof(struct zone_spec_device, gid),
     offsetof(struct zone_spec_device, has_gid), NULL, false},
};
static const struct objdesc device_desc =
    DESC(struct zone_spec_device, device_fields, check_device);

/* ---- linux.resources ---- */

static const struct field rule_fields[] = {
    {"allow", h_bool, offsetof(struct zone_spec_device_rule, allow), NO_AUX, NULL, true},
    {"type", h_rule_type, offsetof(struct zone_spec_device_rule, type), NO_AUX, NULL, false},
    /* -1 is the wildcard some tools write for "any" */
    {"major", h_i64, offsetof(struct zone_spec_device_rule, major),
     offsetof(struct zone_spec_device_rule, has_major), NULL, false},
    {"minor", h_i64, offsetof(struct zone_spec_device_rule, minor),
     offsetof(struct zone_spec_device_rule, has_minor), NULL, false},
    {"access", h_access, offsetof(struct zone_spec_device_rule, access), NO_AUX, NULL, false},
};
static const struct objdesc rule_desc = DESC(struct zone_spec_device_rule, rule_fields, NULL);

#define RES(member) offsetof(struct zone_spec_resources, member)
#define MEM(key, fn, m)                                                                            \
        {                                                                                          \
                key, fn, RES(memory.m), RES(memory.has_##m), NULL, false                           \
        }
static const struct field memory_fields[] = {
    MEM("limit", h_i64, limit),
    MEM("reservation", h_i64, reservation),
    MEM("swap", h_i64, swap),
    MEM("kernel", h_i64, kernel),
    MEM("kernelTCP", h_i64, kernel_tcp),
    MEM("swappiness", h_u64, swappiness),
    MEM("disableOOMKiller", h_bool, disable_oom_killer),
    MEM("useHierarchy", h_bool, use_hierarchy),
    MEM("checkBeforeUpdate", h_bool, check_before_update),
};
static const struct objdesc memory_desc = DESC(struct zone_spec_resources, memory_fields, NULL);

#define CPU(key, fn, m)                                                                            \
        {                                                                                          \
                key, fn, RES(cpu.m), RES(cpu.has_##m), NULL, false                                 \
        }
static const struct field cpu_fields[] = {
    CPU("shares", h_u64, shares),
    CPU("quota", h_i64, quota),
    CPU("burst", h_u64, burst),
    CPU("period", h_u64, period),
    CPU("realtimeRuntime", h_i64, realtime_runtime),
    CPU("realtimePeriod", h_u64, realtime_period),
    {"cpus", h_string, RES(cpu.cpus), NO_AUX, NULL, false},
    {"mems", h_string, RES(cpu.mems), NO_AUX, NULL, false},
    CPU("idle", h_i64, idle),
};
static const struct objdesc cpu_desc = DESC(struct zone_spec_resources, cpu_fields, NULL);

static const struct field pids_fields[] = {
    {"limit", h_i64, RES(pids.limit), RES(pids.has_limit), NULL, true},
};
static const struct objdesc pids_desc = DESC(struct zone_spec_resources, pids_fields, NULL);

static const struct field weight_dev_fields[] = {
    {"major", h_i64, offsetof(struct zone_spec_weight_device, major), NO_AUX, NULL, true},
    {"minor", h_i64, offsetof(struct zone_spec_weight_device, minor), NO_AUX, NULL, true},
    {"weight", h_u16, offsetof(struct zone_spec_weight_device, weight),
     offsetof(struct zone_spec_weight_device, has_weight), NULL, false},
    {"leafWeight", h_u16, offsetof(struct zone_spec_weight_device, leaf_weight),
     offsetof(struct zone_spec_weight_device, has_leaf_weight), NULL, false},
};
static const struct objdesc weight_dev_desc =
    DESC(struct zone_spec_weight_device, weight_dev_fields, NULL);

static const struct field throttle_fields[] = {
    {"major", h_i64, offsetof(struct zone_spec_throttle_device, major), NO_AUX, NULL, true},
    {"minor", h_i64, offsetof(struct zone_spec_throttle_device, minor), NO_AUX, NULL, true},
    {"rate", h_u64, offsetof(struct zone_spec_throttle_device, rate), NO_AUX, NULL, true},
};
static const struct objdesc throttle_desc =
    DESC(struct zone_spec_throttle_device, throttle_fields, NULL);

#define THROTTLE(key, m)                                                                           \
        {                                                                                          \
                key, h_obj_array, RES(block_io.m), RES(block_io.n_##m), &throttle_desc, false      \
        }
static const struct field blkio_fields[] = {
    {"weight", h_u16, RES(block_io.weight), RES(block_io.has_weight), NULL, false},
    {"leafWeight", h_u16, RES(block_io.leaf_weight), RES(block_io.has_leaf_weight), NULL, false},
    {"weightDevice", h_obj_array, RES(block_io.weight_devices), RES(block_io.n_weight_devices),
     &weight_dev_desc, false},
    THROTTLE("throttleReadBpsDevice", throttle_read_bps),
    THROTTLE("throttleWriteBpsDevice", throttle_write_bps),
    THROTTLE("throttleReadIOPSDevice", throttle_read_iops),
    THROTTLE("throttleWriteIOPSDevice", throttle_write_iops),
};
static const struct objdesc blkio_desc = DESC(struct zone_spec_resources, blkio_fields, NULL);

static const struct field hugepage_fields[] = {
    {"pageSize", h_string, offsetof(struct zone_spec_hugepage_limit, page_size), NO_AUX, NULL,
     true},
    {"limit", h_u64, offsetof(struct zone_spec_hugepage_limit, limit), NO_AUX, NULL, true},
};
static const struct objdesc hugepage_desc =
    DESC(struct zone_spec_hugepage_limit, hugepage_fields, NULL);

static const struct field prio_fields[] = {
    {"name", h_string, offsetof(struct zone_spec_net_priority, name), NO_AUX, NULL, true},
    {"priority", h_u32, offsetof(struct zone_spec_net_priority, priority), NO_AUX, NULL, true},
};
static const struct objdesc prio_desc = DESC(struct zone_spec_net_priority, prio_fields, NULL);

static const struct field network_fields[] = {
    {"classID", h_u32, RES(network.class_id), RES(network.has_class_id), NULL, false},
    {"priorities", h_obj_array, RES(network.priorities), RES(network.n_priorities), &prio_desc,
     false},
};
static const struct objdesc network_desc = DESC(struct zone_spec_resources, network_fields, NULL);

static const struct field rdma_fields[] = {
    {"hcaHandles", h_u32, offsetof(struct zone_spec_rdma, hca_handles),
     offsetof(struct zone_spec_rdma, has_hca_handles), NULL, false},
    {"hcaObjects", h_u32, offsetof(struct zone_spec_rdma, hca_objects),
     offsetof(struct zone_spec_rdma, has_hca_objects), NULL, false},
};
static const struct objdesc rdma_desc = DESC(struct zone_spec_rdma, rdma_fields, NULL);

/* rdma is keyed by device name: {"mlx5_1": {"hcaHandles": 3}}. */
static int h_rdma(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        if (!YAJL_IS_OBJECT(v))
                return bad(c, "expected an object");
        struct zone_spec_resources *res = base;
        size_t n = v->u.object.len;
        res->rdma = calloc(n ? n : 1, sizeof(*res->rdma));
        if (!res->rdma)
                return oom(c);
        res->n_rdma = n;
        for (size_t i = 0; i < n; i++) {
                res->rdma[i].device = strdup(v->u.object.keys[i]);
                if (!res->rdma[i].device)
                        return oom(c);
                size_t saved = path_push(c, v->u.object.keys[i]);
                int r = parse_object(c, v->u.object.values[i], &rdma_desc, &res->rdma[i]);
                path_pop(c, saved);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const struct field resources_fields[] = {
    {"devices", h_obj_array, RES(devices), RES(n_devices), &rule_desc, false},
    {"memory", h_object, 0, NO_AUX, &memory_desc, false},
    {"cpu", h_object, 0, NO_AUX, &cpu_desc, false},
    {"pids", h_object, 0, NO_AUX, &pids_desc, false},
    {"blockIO", h_object, 0, NO_AUX, &blkio_desc, false},
    {"hugepageLimits", h_obj_array, RES(hugepage_limits), RES(n_hugepage_limits), &hugepage_desc,
     false},
    {"network", h_object, 0, NO_AUX, &network_desc, false},
    {"rdma", h_rdma, 0, NO_AUX, NULL, false},
    {"unified", h_kvmap, RES(unified), RES(n_unified), NULL, false},
};
static const struct objdesc resources_desc =
    DESC(struct zone_spec_resources, resources_fields, NULL);

/* ---- linux.seccomp ---- */

static const struct field sc_arg_fields[] = {
    {"index", h_u32, offsetof(struct zone_spec_seccomp_arg, index), NO_AUX, NULL, true},
    {"value", h_u64, offsetof(struct zone_spec_seccomp_arg, value), NO_AUX, NULL, true},
    {"valueTwo", h_u64, offsetof(struct zone_spec_seccomp_arg, value_two), NO_AUX, NULL, false},
    {"op", h_seccomp_op, offsetof(struct zone_spec_seccomp_arg, op), NO_AUX, NULL, true},
};
static const struct objdesc sc_arg_desc = DESC(struct zone_spec_seccomp_arg, sc_arg_fields, NULL);

static int check_syscall(struct pctx *c, void *obj)
{
        const struct zone_spec_seccomp_syscall *s = obj;
        if (strv_length(s->names) == 0)
                return bad_at(c, "names", "expected a non-empty array of strings");
        return 0;
}

#define SC(member) offsetof(struct zone_spec_seccomp_syscall, member)
static const struct field syscall_fields[] = {
    {"names", h_strv, SC(names), NO_AUX, NULL, false},
    {"action", h_seccomp_action, SC(action), NO_AUX, NULL, true},
    {"errnoRet", h_u32, SC(errno_ret), SC(has_errno_ret), NULL, false},
    {"args", h_obj_array, SC(args), SC(n_args), &sc_arg_desc, false},
};
static const struct objdesc syscall_desc =
    DESC(struct zone_spec_seccomp_syscall, syscall_fields, check_syscall);

#define SECC(member) offsetof(struct zone_spec_seccomp, member)
static const struct field seccomp_fields[] = {
    {"defaultAction", h_seccomp_action, SECC(default_action), NO_AUX, NULL, true},
    {"defaultErrnoRet", h_u32, SECC(default_errno_ret), SECC(has_default_errno_ret), NULL, false},
    {"architectures", h_strv, SECC(architectures), NO_AUX, NULL, false},
    {"flags", h_strv, SECC(flags), NO_AUX, NULL, false},
    {"listenerPath", h_abs_path, SECC(listener_path), NO_AUX, NULL, false},
    {"listenerMetadata", h_string, SECC(listener_metadata), NO_AUX, NULL, false},
    {"syscalls", h_obj_array, SECC(syscalls), SECC(n_syscalls), &syscall_desc, false},
};
static const struct objdesc seccomp_desc = DESC(struct zone_spec_seccomp, seccomp_fields, NULL);

/* ---- linux.timeOffsets, personality, linux itself ---- */

static int h_nanosecs(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        uint64_t x;
        int r = num_unsigned(c, v, 0, 999999999, &x);
        if (r < 0)
                return r;
        *AT(base, f->off, uint32_t) = (uint32_t)x;
        return 0;
}

static const struct field time_fields[] = {
    {"secs", h_i64, offsetof(struct zone_spec_time_offset, secs), NO_AUX, NULL, false},
    {"nanosecs", h_nanosecs, offsetof(struct zone_spec_time_offset, nanosecs), NO_AUX, NULL, false},
};
static const struct objdesc time_desc = DESC(struct zone_spec_time_offset, time_fields, NULL);

/* Only these two clocks can be offset in a time namespace; others are refused by name. */
static int h_time_offsets(struct pctx *c, yajl_val v, void *base, const struct field *f)
{
        if (!YAJL_IS_OBJECT(v))
                return bad(c, "expected an object");
        struct zone_spec_linux *l = base;
        for (size_t i = 0; i < v->u.object.len; i++) {
                const char *key = v->u.object.keys[i];
                struct zone_spec_time_offset *t = strcmp(key, "monotonic") == 0 ? &l->time_monotonic
                                                  : strcmp(key, "boottime") == 0 ? &l->time_boottime
                                                                                 : NULL;
                if (!t)
                        return bad_at(c, key, "unknown clock (only monotonic and boottime)");
                size_t saved = path_push(c, key);
                int r = parse_object(c, v->u.object.values[i], &time_desc, t);
                path_pop(c, saved);
                if (r < 0)
                        return r;
                t->present = true;
        }
        return 0;
}

#define LX(member) offsetof(struct zone_spec_linux, member)
static const struct field personality_fields[] = {
    {"domain", h_personality, LX(personality_domain), NO_AUX, NULL, true},
    {"flags", h_strv, LX(personality_flags), NO_AUX, NULL, false},
};
static const struct objdesc personality_desc =
    DESC(struct zone_spec_linux, personality_fields, NULL);

static const struct field linux_fields[] = {
    {"namespaces", h_namespaces, LX(namespaces), LX(n_namespaces), &ns_desc, false},
    {"uidMappings", h_obj_array, LX(uid_mappings), LX(n_uid_mappings), &idmap_desc, false},
    {"gidMappings", h_obj_array, LX(gid_mappings), LX(n_gid_mappings), &idmap_desc, false},
    {"devices", h_devices, LX(devices), LX(n_devices), &device_desc, false},
    {"cgroupsPath", h_string, LX(cgroups_path), NO_AUX, NULL, false},
    {"resources", h_object, LX(resources), LX(resources.present), &resources_desc, false},
    {"rootfsPropagation", h_propagation, LX(rootfs_propagation), NO_AUX, NULL, false},
    {"seccomp", h_object, LX(seccomp), LX(seccomp.present), &seccomp_desc, false},
    {"sysctl", h_kvmap, LX(sysctl), LX(n_sysctl), NULL, false},
    {"maskedPaths", h_strv, LX(masked_paths), NO_AUX, NULL, false},
    {"readonlyPaths", h_strv, LX(readonly_paths), NO_AUX, NULL, false},
    {"mountLabel", h_string, LX(mount_label), NO_AUX, NULL, false},
    {"personality", h_object, 0, LX(has_personality), &personality_desc, false},
    {"timeOffsets", h_time_offsets, 0, NO_AUX, NULL, false},
};
static const struct objdesc linux_desc = DESC(struct zone_spec_linux, linux_fields, NULL);

/* ---- the document ---- */

#define SP(member) offsetof(struct zone_spec, member)
static const struct field root_fields[] = {
    {"path", h_string, SP(root.path), NO_AUX, NULL, true},
    {"readonly", h_bool, SP(root.readonly), NO_AUX, NULL, false},
};
static const struct objdesc root_desc = DESC(struct zone_spec, root_fields, NULL);

static int check_spec(struct pctx *c, void *obj)
{
        const struct zone_spec *s = obj;
        /* root is optional in the spec except on Linux */
        if (s->has_linux && !s->root.path)
                return bad_at(c, "root.path", "required");
        return 0;
}

static const struct field spec_fields[] = {
    {"ociVersion", h_string, SP(oci_version), NO_AUX, NULL, true},
    {"root", h_object, 0, NO_AUX, &root_desc, false},
    {"mounts", h_obj_array, SP(mounts), SP(n_mounts), &mount_desc, false},
    {"process", h_object, SP(process), SP(has_process), &process_desc, false},
    {"hostname", h_string, SP(hostname), NO_AUX, NULL, false},
    {"domainname", h_string, SP(domainname), NO_AUX, NULL, false},
    {"hooks", h_object, SP(hooks), NO_AUX, &hooks_desc, false},
    {"annotations", h_kvmap, SP(annotations), SP(n_annotations), NULL, false},
    {"linux", h_object, SP(linux), SP(has_linux), &linux_desc, false},
};
static const struct objdesc spec_desc = DESC(struct zone_spec, spec_fields, check_spec);

/* yajl frees its tree recursively, so absurd nesting would exhaust the stack; real configs
 * nest fewer than ten levels. Brackets inside strings do not count. */
#define SPEC_MAX_DEPTH 128

static bool too_deep(const char *text, size_t len)
{
        unsigned depth = 0;
        bool in_string = false;
        for (size_t i = 0; i < len; i++) {
                char ch = text[i];
                if (in_string) {
                        if (ch == '\\')
                                i++;
                        else if (ch == '"')
                                in_string = false;
                } else if (ch == '"') {
                        in_string = true;
                } else if (ch == '[' || ch == '{') {
                        if (++depth > SPEC_MAX_DEPTH)
                                return true;
                } else if ((ch == ']' || ch == '}') && depth > 0) {
                        depth--;
                }
        }
        return false;
}

/* yajl wants NUL-terminated input and reports errors over several lines; keep the first. */
static int parse_tree(const char *text, size_t len, const char *what, yajl_val *ret,
                      struct zone_err **err)
{
        if (!text)
                len = 0;
        if (len && memchr(text, '\0', len))
                return zone_err_set(err, -EINVAL, "%s: invalid JSON: NUL byte in text", what);
        if (too_deep(text, len))
                return zone_err_set(err, -EINVAL, "%s: invalid JSON: nested deeper than %d levels",
                                    what, SPEC_MAX_DEPTH);
        _cleanup_free_ char *copy = strndup(text ? text : "", len);
        if (!copy)
                return zone_err_set(err, -ENOMEM, "%s: parse: out of memory", what);
        char msg[512] = "";
        yajl_val tree = yajl_tree_parse(copy, msg, sizeof(msg));
        if (!tree) {
                msg[strcspn(msg, "\n")] = '\0';
                return zone_err_set(err, -EINVAL, "%s: invalid JSON: %s", what,
                                    msg[0] ? msg : "parse error");
        }
        *ret = tree;
        return 0;
}

int zone_spec_parse(const char *text, size_t len, const char *what, struct zone_spec **ret,
                    struct zone_err **err)
{
        if (!what)
                what = "config.json";
        yajl_val tree = NULL;
        int r = parse_tree(text, len, what, &tree, err);
        if (r < 0)
                return r;
        struct zone_spec *spec = calloc(1, sizeof(*spec));
        if (!spec) {
                yajl_tree_free(tree);
                return zone_err_set(err, -ENOMEM, "%s: parse: out of memory", what);
        }
        struct pctx c = {.what = what, .err = err};
        r = parse_object(&c, tree, &spec_desc, spec);
        yajl_tree_free(tree);
        if (r < 0) {
                zone_spec_free(spec);
                return r;
        }
        *ret = spec;
        return 0;
}

int zone_spec_parse_process(const char *text, size_t len, const char *what,
                            struct zone_spec_process *ret, struct zone_err **err)
{
        if (!what)
                what = "process.json";
        yajl_val tree = NULL;
        int r = parse_tree(text, len, what, &tree, err);
        if (r < 0)
                return r;
        struct zone_spec_process p = {0};
        struct pctx c = {.what = what, .err = err};
        r = parse_object(&c, tree, &process_desc, &p);
        yajl_tree_free(tree);
        if (r < 0) {
                zone_spec_process_done(&p);
                return r;
        }
        *ret = p;
        return 0;
}

int zone_spec_parse_resources(const char *text, size_t len, const char *what,
                              struct zone_spec_resources *ret, struct zone_err **err)
{
        if (!what)
                what = "resources.json";
        yajl_val tree = NULL;
        int r = parse_tree(text, len, what, &tree, err);
        if (r < 0)
                return r;
        struct zone_spec_resources res = {0};
        struct pctx c = {.what = what, .err = err, .strict = true};
        r = parse_object(&c, tree, &resources_desc, &res);
        yajl_tree_free(tree);
        if (r < 0) {
                zone_spec_resources_done(&res);
                return r;
        }
        res.present = true;
        *ret = res;
        return 0;
}

int zone_spec_load(int dirfd, const char *path, struct zone_spec **ret, struct zone_err **err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_file_at(dirfd, path, SPEC_MAX_SIZE, &text, &len);
        if (r == -EFBIG)
                return zone_err_set(err, r, "%s: larger than %u bytes", path, SPEC_MAX_SIZE);
        if (r < 0)
                return zone_err_sys(err, r, "open %s", path);
        /* messages name the file as given, e.g. "config.json: process.args: ..." */
        return zone_spec_parse(text, len, path, ret, err);
}

/* ---- freeing ---- */

static void kv_free(struct zone_kv *kv, size_t n)
{
        for (size_t i = 0; kv && i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

void zone_spec_process_done(struct zone_spec_process *p)
{
        if (!p)
                return;
        free(p->user.additional_gids);
        free(p->user.username);
        strv_free(p->args);
        strv_free(p->env);
        free(p->cwd);
        for (size_t i = 0; p->rlimits && i < p->n_rlimits; i++)
                free(p->rlimits[i].name);
        free(p->rlimits);
        strv_free(p->caps.bounding);
        strv_free(p->caps.effective);
        strv_free(p->caps.inheritable);
        strv_free(p->caps.permitted);
        strv_free(p->caps.ambient);
        free(p->apparmor_profile);
        free(p->selinux_label);
        *p = (struct zone_spec_process){0};
}

void zone_spec_resources_done(struct zone_spec_resources *r)
{
        if (!r)
                return;
        for (size_t i = 0; r->devices && i < r->n_devices; i++)
                free(r->devices[i].access);
        free(r->devices);
        free(r->cpu.cpus);
        free(r->cpu.mems);
        free(r->block_io.weight_devices);
        free(r->block_io.throttle_read_bps);
        free(r->block_io.throttle_write_bps);
        free(r->block_io.throttle_read_iops);
        free(r->block_io.throttle_write_iops);
        for (size_t i = 0; r->hugepage_limits && i < r->n_hugepage_limits; i++)
                free(r->hugepage_limits[i].page_size);
        free(r->hugepage_limits);
        for (size_t i = 0; r->network.priorities && i < r->network.n_priorities; i++)
                free(r->network.priorities[i].name);
        free(r->network.priorities);
        for (size_t i = 0; r->rdma && i < r->n_rdma; i++)
                free(r->rdma[i].device);
        free(r->rdma);
        kv_free(r->unified, r->n_unified);
        *r = (struct zone_spec_resources){0};
}

static void seccomp_done(struct zone_spec_seccomp *s)
{
        free(s->default_action);
        strv_free(s->architectures);
        strv_free(s->flags);
        free(s->listener_path);
        free(s->listener_metadata);
        for (size_t i = 0; s->syscalls && i < s->n_syscalls; i++) {
                struct zone_spec_seccomp_syscall *sc = &s->syscalls[i];
                strv_free(sc->names);
                free(sc->action);
                for (size_t j = 0; sc->args && j < sc->n_args; j++)
                        free(sc->args[j].op);
                free(sc->args);
        }
        free(s->syscalls);
}

static void linux_done(struct zone_spec_linux *l)
{
        for (size_t i = 0; l->namespaces && i < l->n_namespaces; i++)
                free(l->namespaces[i].path);
        free(l->namespaces);
        free(l->uid_mappings);
        free(l->gid_mappings);
        for (size_t i = 0; l->devices && i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        free(l->cgroups_path);
        zone_spec_resources_done(&l->resources);
        free(l->rootfs_propagation);
        seccomp_done(&l->seccomp);
        kv_free(l->sysctl, l->n_sysctl);
        strv_free(l->masked_paths);
        strv_free(l->readonly_paths);
        free(l->mount_label);
        free(l->personality_domain);
        strv_free(l->personality_flags);
}

void zone_spec_free(struct zone_spec *spec)
{
        if (!spec)
                return;
        free(spec->oci_version);
        free(spec->root.path);
        for (size_t i = 0; spec->mounts && i < spec->n_mounts; i++) {
                free(spec->mounts[i].destination);
                free(spec->mounts[i].type);
                free(spec->mounts[i].source);
                strv_free(spec->mounts[i].options);
        }
        free(spec->mounts);
        zone_spec_process_done(&spec->process);
        free(spec->hostname);
        free(spec->domainname);
        for (int k = 0; k < ZONE_HOOK_KIND_COUNT; k++) {
                for (size_t i = 0; spec->hooks.list[k] && i < spec->hooks.n[k]; i++) {
                        free(spec->hooks.list[k][i].path);
                        strv_free(spec->hooks.list[k][i].args);
                        strv_free(spec->hooks.list[k][i].env);
                }
                free(spec->hooks.list[k]);
        }
        kv_free(spec->annotations, spec->n_annotations);
        linux_done(&spec->linux);
        free(spec);
}

/* ---- lookups ---- */

const struct zone_spec_namespace *zone_spec_namespace(const struct zone_spec *spec, int type)
{
        for (size_t i = 0; spec && i < spec->linux.n_namespaces; i++)
                if (spec->linux.namespaces[i].type == type)
                        return &spec->linux.namespaces[i];
        return NULL;
}

const char *zone_spec_annotation(const struct zone_spec *spec, const char *key)
{
        for (size_t i = 0; spec && key && i < spec->n_annotations; i++)
                if (strcmp(spec->annotations[i].key, key) == 0)
                        return spec->annotations[i].value;
        return NULL;
}

/* The JSON key of each hook kind, also the name used in messages. */
const char *zone_hook_kind_name(enum zone_hook_kind kind)
{
        static const char *const names[ZONE_HOOK_KIND_COUNT] = {
            [ZONE_HOOK_PRESTART] = "prestart",
            [ZONE_HOOK_CREATE_RUNTIME] = "createRuntime",
            [ZONE_HOOK_CREATE_CONTAINER] = "createContainer",
            [ZONE_HOOK_START_CONTAINER] = "startContainer",
            [ZONE_HOOK_POSTSTART] = "poststart",
            [ZONE_HOOK_POSTSTOP] = "poststop",
        };
        if ((unsigned)kind >= ZONE_HOOK_KIND_COUNT)
                return "unknown";
        return names[kind];
}

int zone_spec_set_annotation(struct zone_spec *spec, const char *key, const char *value)
{
        for (size_t i = 0; i < spec->n_annotations; i++) {
                if (strcmp(spec->annotations[i].key, key) == 0) {
                        char *v = strdup(value);
                        if (!v)
                                return -ENOMEM;
                        free(spec->annotations[i].value);
                        spec->annotations[i].value = v;
                        return 0;
                }
        }
        struct zone_kv *a = realloc(spec->annotations, (spec->n_annotations + 1) * sizeof(*a));
        if (!a)
                return -ENOMEM;
        spec->annotations = a;
        char *k = strdup(key), *v = strdup(value);
        if (!k || !v) {
                free(k);
                free(v);
                return -ENOMEM;
        }
        a[spec->n_annotations++] = (struct zone_kv){k, v};
        return 0;
}
