/* A zone's definition: the options of `zone create`/`zone run`, checked once here for flags and
 * `config set` alike, and their zone.conf form (`key = value`, one line per option). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "state.h"
#include "types.h"
#include "util.h"
#include "zones/zones.h"

enum kind { K_STRING, K_LIST, K_BOOL, K_SIZE, K_OTHER };

static const struct key {
        const char *name;
        enum kind kind;
} keys[] = {
    {"name", K_STRING},          {"image", K_STRING},     {"type", K_STRING},
    {"command", K_LIST},         {"env", K_LIST},         {"volume", K_LIST},
    {"publish", K_LIST},         {"memory", K_SIZE},      {"cpus", K_OTHER},
    {"pids-limit", K_OTHER},     {"read-only", K_BOOL},   {"user", K_STRING},
    {"workdir", K_STRING},       {"hostname", K_STRING},  {"network", K_STRING},
    {"cgroup-parent", K_STRING}, {"restart", K_OTHER},    {"log-size", K_SIZE},
    {"log-files", K_OTHER},      {"auto-remove", K_BOOL}, {"net-root", K_STRING},
};

static const struct key *find_key(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                if (strcmp(keys[i].name, name) == 0)
                        return &keys[i];
        return NULL;
}

bool zones_key_known(const char *key, bool *is_list)
{
        const struct key *k = find_key(key);
        if (k && is_list)
                *is_list = k->kind == K_LIST;
        return k != NULL;
}

void zones_def_init(struct zones_def *d)
{
        memset(d, 0, sizeof(*d));
        d->log_size = ZONES_LOG_SIZE;
        d->log_files = ZONES_LOG_FILES;
}

void zones_def_done(struct zones_def *d)
{
        free(d->name);
        free(d->image);
        free(d->type);
        strv_free(d->command);
        strv_free(d->env);
        strv_free(d->volumes);
        strv_free(d->publish);
        free(d->user);
        free(d->workdir);
        free(d->hostname);
        free(d->network);
        free(d->cgroup_parent);
        free(d->net_root);
        zones_def_init(d);
}

static char **string_field(struct zones_def *d, const char *key)
{
        if (strcmp(key, "name") == 0)
                return &d->name;
        if (strcmp(key, "image") == 0)
                return &d->image;
        if (strcmp(key, "type") == 0)
                return &d->type;
        if (strcmp(key, "user") == 0)
                return &d->user;
        if (strcmp(key, "workdir") == 0)
                return &d->workdir;
        if (strcmp(key, "hostname") == 0)
                return &d->hostname;
        if (strcmp(key, "network") == 0)
                return &d->network;
        if (strcmp(key, "cgroup-parent") == 0)
                return &d->cgroup_parent;
        if (strcmp(key, "net-root") == 0)
                return &d->net_root;
        return NULL;
}

static char ***list_field(struct zones_def *d, const char *key)
{
        if (strcmp(key, "command") == 0)
                return &d->command;
        if (strcmp(key, "env") == 0)
                return &d->env;
        if (strcmp(key, "volume") == 0)
                return &d->volumes;
        if (strcmp(key, "publish") == 0)
                return &d->publish;
        return NULL;
}

/* "512m", "1g", "100k", "4096", with an optional trailing b: bytes. */
static int parse_size(const char *key, const char *v, uint64_t *ret, struct zone_err **err)
{
        char *end;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (end == v || errno || v[0] == '-')
                goto bad;
        uint64_t mult = 1;
        switch (*end) {
        case 'k':
        case 'K':
                mult = 1ull << 10;
                end++;
                break;
        case 'm':
        case 'M':
                mult = 1ull << 20;
                end++;
                break;
        case 'g':
        case 'G':
                mult = 1ull << 30;
                end++;
                break;
        default:
                break;
        }
        if (*end == 'b' || *end == 'B')
                end++;
        if (*end || n == 0 || n > INT64_MAX / mult)
                goto bad;
        *ret = n * mult;
        return 0;
bad:
        return zone_err_set(err, -EINVAL,
                            "%s: invalid size \"%s\": a positive number of bytes with an optional "
                            "unit k, m or g (e.g. 512m)",
                            key, v);
}

static int parse_bool(const char *key, const char *v, bool *ret, struct zone_err **err)
{
        if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
                *ret = true;
        else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
                *ret = false;
        else
                return zone_err_set(err, -EINVAL, "%s: \"%s\" is not true or false", key, v);
        return 0;
}

static int parse_int(const char *key, const char *v, long min, long max, long *ret,
                     struct zone_err **err)
{
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (end == v || *end || errno || n < min || n > max)
                return zone_err_set(err, -EINVAL,
                                    "%s: \"%s\" is not a whole number from %ld to %ld", key, v, min,
                                    max);
        *ret = n;
        return 0;
}

/* "1.5" CPUs as thousandths. */
static int parse_cpus(const char *v, uint64_t *ret, struct zone_err **err)
{
        uint64_t whole = 0, frac = 0, scale = 1000;
        const char *p = v;
        if (*p < '0' || *p > '9')
                goto bad;
        for (; *p >= '0' && *p <= '9'; p++)
                if ((whole = whole * 10 + (uint64_t)(*p - '0')) > 1024)
                        goto bad;
        if (*p == '.') {
                p++;
                for (; *p >= '0' && *p <= '9'; p++) {
                        scale /= 10;
                        frac += (uint64_t)(*p - '0') * scale;
                        if (!scale)
                                goto bad;
                }
        }
        if (*p || whole * 1000 + frac == 0)
                goto bad;
        *ret = whole * 1000 + frac;
        return 0;
bad:
        return zone_err_set(err, -EINVAL,
                            "cpus: \"%s\" is not a number of CPUs above 0 (e.g. 1.5, at most 3 "
                            "decimals, at most 1024)",
                            v);
}

/* SRC:DST[:ro|:rw] with SRC an existing host path (made absolute) and DST absolute. */
static int check_volume(const char *v, char **ret, struct zone_err **err)
{
        _cleanup_free_ char *copy = strdup(v);
        if (!copy)
                return zone_err_set(err, -ENOMEM, "out of memory");
        char *dst = strchr(copy, ':');
        if (!dst || dst == copy)
                return zone_err_set(err, -EINVAL, "volume: \"%s\" is not SRC:DST[:ro]", v);
        *dst++ = 0;
        char *mode = strchr(dst, ':');
        if (mode)
                *mode++ = 0;
        if (mode && strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0)
                return zone_err_set(err, -EINVAL, "volume: \"%s\": mode \"%s\" is not ro or rw", v,
                                    mode);
        if (dst[0] != '/')
                return zone_err_set(err, -EINVAL,
                                    "volume: \"%s\": the destination %s is not an absolute path", v,
                                    dst);
        _cleanup_free_ char *src = realpath(copy, NULL);
        if (!src)
                return zone_err_sys(err, -errno, "volume: \"%s\": the source %s", v, copy);
        bool ro = mode && strcmp(mode, "ro") == 0;
        if (asprintf(ret, "%s:%s%s", src, dst, ro ? ":ro" : "") < 0)
                return zone_err_set(err, -ENOMEM, "out of memory");
        return 0;
}

/* [IP:]HOSTPORT:PORT[/tcp|/udp] */
static int check_publish(const char *v, struct zone_err **err)
{
        _cleanup_free_ char *copy = strdup(v);
        if (!copy)
                return zone_err_set(err, -ENOMEM, "out of memory");
        char *proto = strchr(copy, '/');
        if (proto) {
                *proto++ = 0;
                if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
                        goto bad;
        }
        char *last = strrchr(copy, ':');
        if (!last)
                goto bad;
        *last++ = 0;
        char *host = strrchr(copy, ':');
        host = host ? host + 1 : copy;
        long port;
        if (parse_int("publish", last, 1, 65535, &port, NULL) < 0 ||
            parse_int("publish", host, 1, 65535, &port, NULL) < 0)
                goto bad;
        return 0;
bad:
        return zone_err_set(
            err, -EINVAL,
            "publish: \"%s\" is not [IP:]HOSTPORT:PORT[/tcp|/udp] with ports from 1 "
            "to 65535",
            v);
}

static int check_restart(struct zones_def *d, const char *v, struct zone_err **err)
{
        if (strcmp(v, "no") == 0) {
                d->restart = ZONES_RESTART_NO;
                d->restart_max = 0;
        } else if (strcmp(v, "always") == 0) {
                d->restart = ZONES_RESTART_ALWAYS;
                d->restart_max = 0;
        } else if (strncmp(v, "on-failure", 10) == 0 && (v[10] == 0 || v[10] == ':')) {
                long n = 0;
                if (v[10] == ':' && parse_int("restart", v + 11, 1, 1000000, &n, NULL) < 0)
                        goto bad;
                d->restart = ZONES_RESTART_ON_FAILURE;
                d->restart_max = (int)n;
        } else
                goto bad;
        return 0;
bad:
        return zone_err_set(err, -EINVAL,
                            "restart: \"%s\" is not no, on-failure[:N] (N > 0) or always", v);
}

/* The types this host can run, for the error that refuses one it cannot. */
static void usable_types(char *buf, size_t size)
{
        size_t n = 0;
        buf[0] = 0;
        for (const char *const *t = zone_types; *t && n < size; t++) {
                if (zone_type_check_usable(*t, NULL) < 0)
                        continue;
                n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "", *t);
        }
}

static int check_type(const char *v, struct zone_err **err)
{
        struct zone_type_choice choice = {.type = v, .source = ZONE_TYPE_FROM_FLAG};
        _cleanup_err_ struct zone_err *e = NULL;
        int r = zone_type_validate(choice, &e);
        if (r >= 0)
                r = zone_type_check_usable(v, &e);
        if (r >= 0)
                return 0;
        char usable[64];
        usable_types(usable, sizeof(usable));
        return zone_err_set(err, r, "type %s: %s; this host can run: %s", v,
                            e ? e->msg : "unusable", usable[0] ? usable : "none");
}

/* A network (or bridge) name as netns/ takes it: letters, digits, '-', '_' and '.'. */
static bool network_name_ok(const char *s)
{
        if (!*s || strlen(s) >= 64)
                return false;
        for (; *s; s++)
                if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
                    !(*s >= '0' && *s <= '9') && !strchr("-_.", *s))
                        return false;
        return true;
}

/* bridge[:NETWORK], none, host, zone:NAME or an absolute namespace path (podman's modes). */
static int check_network(const char *v, struct zone_err **err)
{
        if (!strcmp(v, "bridge") || !strcmp(v, "none") || !strcmp(v, "host") || v[0] == '/')
                return 0;
        if (!strncmp(v, "bridge:", 7) && network_name_ok(v + 7))
                return 0;
        if (!strncmp(v, "zone:", 5) && zone_id_validate(v + 5, NULL) >= 0)
                return 0;
        return zone_err_set(err, -EINVAL,
                            "network: \"%s\" is not bridge[:NETWORK], none, host, zone:NAME or "
                            "a namespace path",
                            v);
}

static bool has_newline(const char *s)
{
        return strchr(s, '\n') || strchr(s, '\r');
}

int zones_def_set(struct zones_def *d, const char *key, const char *value, struct zone_err **err)
{
        const struct key *k = find_key(key);
        if (!k)
                return zone_err_set(err, -EINVAL, "unknown option \"%s\"", key);
        if (has_newline(value))
                return zone_err_set(err, -EINVAL, "%s: a value cannot hold a line break", key);
        int r = 0;
        uint64_t size;
        long n;
        if (strcmp(key, "name") == 0) {
                if ((r = zone_id_validate(value, err)) < 0)
                        return zone_err_wrap(err, "name");
                if (strcmp(value, ".") == 0 || strcmp(value, "..") == 0)
                        return zone_err_set(err, -EINVAL, "name: \"%s\" is not a zone name", value);
        } else if (strcmp(key, "image") == 0 && !*value) {
                return zone_err_set(err, -EINVAL, "image: empty");
        } else if (strcmp(key, "type") == 0) {
                if ((r = check_type(value, err)) < 0)
                        return r;
        } else if (strcmp(key, "network") == 0) {
                if ((r = check_network(value, err)) < 0)
                        return r;
        } else if (strcmp(key, "net-root") == 0) {
                if (value[0] != '/')
                        return zone_err_set(err, -EINVAL,
                                            "net-root: \"%s\" is not an absolute path", value);
        } else if (strcmp(key, "user") == 0) {
                if (!*value || strchr(value, ' '))
                        return zone_err_set(err, -EINVAL, "user: \"%s\" is not USER[:GROUP]",
                                            value);
        } else if (strcmp(key, "workdir") == 0) {
                if (value[0] != '/')
                        return zone_err_set(err, -EINVAL, "workdir: \"%s\" is not an absolute path",
                                            value);
        } else if (strcmp(key, "hostname") == 0) {
                size_t len = strlen(value);
                bool ok = len > 0 && len <= 64;
                for (const char *p = value; ok && *p; p++)
                        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                             (*p >= '0' && *p <= '9') || *p == '-' || *p == '.';
                if (!ok)
                        return zone_err_set(err, -EINVAL,
                                            "hostname: \"%s\" is not a host name (letters, digits, "
                                            "- and ., at most 64)",
                                            value);
        } else if (strcmp(key, "cgroup-parent") == 0) {
                if (value[0] != '/' || strstr(value, "/..") || strstr(value, "//"))
                        return zone_err_set(err, -EINVAL,
                                            "cgroup-parent: \"%s\" is not an absolute cgroup path",
                                            value);
        } else if (strcmp(key, "env") == 0) {
                if (!strchr(value, '=') || value[0] == '=')
                        return zone_err_set(err, -EINVAL, "env: \"%s\" is not NAME=VALUE", value);
        } else if (strcmp(key, "volume") == 0) {
                _cleanup_free_ char *norm = NULL;
                if ((r = check_volume(value, &norm, err)) < 0)
                        return r;
                return strv_append(&d->volumes, norm) < 0 ? zone_err_set(err, -ENOMEM, "oom") : 0;
        } else if (strcmp(key, "publish") == 0) {
                if ((r = check_publish(value, err)) < 0)
                        return r;
        } else if (strcmp(key, "memory") == 0) {
                if ((r = parse_size(key, value, &size, err)) < 0)
                        return r;
                d->has_memory = true;
                d->memory = (int64_t)size;
                return 0;
        } else if (strcmp(key, "log-size") == 0) {
                if ((r = parse_size(key, value, &size, err)) < 0)
                        return r;
                d->log_size = size;
                return 0;
        } else if (strcmp(key, "cpus") == 0) {
                if ((r = parse_cpus(value, &d->cpus_milli, err)) < 0)
                        return r;
                d->has_cpus = true;
                return 0;
        } else if (strcmp(key, "pids-limit") == 0) {
                if ((r = parse_int(key, value, 1, INT32_MAX, &n, err)) < 0)
                        return r;
                d->has_pids_limit = true;
                d->pids_limit = n;
                return 0;
        } else if (strcmp(key, "log-files") == 0) {
                if ((r = parse_int(key, value, 1, 100, &n, err)) < 0)
                        return r;
                d->log_files = (int)n;
                return 0;
        } else if (strcmp(key, "restart") == 0) {
                return check_restart(d, value, err);
        } else if (strcmp(key, "read-only") == 0) {
                return parse_bool(key, value, &d->read_only, err);
        } else if (strcmp(key, "auto-remove") == 0) {
                return parse_bool(key, value, &d->auto_remove, err);
        }
        char **s = string_field(d, key);
        if (s) {
                char *copy = strdup(value);
                if (!copy)
                        return zone_err_set(err, -ENOMEM, "out of memory");
                free(*s);
                *s = copy;
                return 0;
        }
        char ***l = list_field(d, key);
        if (l && strv_append(l, value) < 0)
                return zone_err_set(err, -ENOMEM, "out of memory");
        return 0;
}

int zones_def_unset(struct zones_def *d, const char *key, struct zone_err **err)
{
        if (!find_key(key))
                return zone_err_set(err, -EINVAL, "unknown option \"%s\"", key);
        if (strcmp(key, "name") == 0 || strcmp(key, "image") == 0)
                return zone_err_set(err, -EINVAL, "%s: cannot be cleared", key);
        char **s = string_field(d, key);
        char ***l = list_field(d, key);
        if (s) {
                free(*s);
                *s = NULL;
        } else if (l) {
                strv_free(*l);
                *l = NULL;
        } else if (strcmp(key, "memory") == 0)
                d->has_memory = false;
        else if (strcmp(key, "cpus") == 0)
                d->has_cpus = false;
        else if (strcmp(key, "pids-limit") == 0)
                d->has_pids_limit = false;
        else if (strcmp(key, "read-only") == 0)
                d->read_only = false;
        else if (strcmp(key, "auto-remove") == 0)
                d->auto_remove = false;
        else if (strcmp(key, "restart") == 0)
                d->restart = ZONES_RESTART_NO, d->restart_max = 0;
        else if (strcmp(key, "log-size") == 0)
                d->log_size = ZONES_LOG_SIZE;
        else if (strcmp(key, "log-files") == 0)
                d->log_files = ZONES_LOG_FILES;
        return 0;
}

int zones_def_env_file(struct zones_def *d, const char *path, struct zone_err **err)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_file_at(AT_FDCWD, path, 1 << 20, &text, &len);
        if (r < 0)
                return zone_err_sys(err, r, "env-file %s", path);
        int line_no = 0;
        for (char *line = text, *next; line && *line; line = next) {
                line_no++;
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                size_t n = strlen(line);
                if (n && line[n - 1] == '\r')
                        line[--n] = 0;
                if (!n || line[0] == '#')
                        continue;
                if ((r = zones_def_set(d, "env", line, err)) < 0)
                        return zone_err_wrap(err, "env-file %s line %d", path, line_no);
        }
        return 0;
}

bool zones_def_bridge(const struct zones_def *d)
{
        return !d->network || !strcmp(d->network, "bridge") || !strncmp(d->network, "bridge:", 7);
}

int zones_def_check(const struct zones_def *d, struct zone_err **err)
{
        if (!d->image)
                return zone_err_set(err, -EINVAL, "image: required");
        if (d->publish && !zones_def_bridge(d))
                return zone_err_set(err, -EINVAL,
                                    "publish %s: publishing ports needs --network bridge (the "
                                    "default), not %s",
                                    d->publish[0], d->network);
        return 0;
}

static int add(char **buf, size_t *len, size_t *cap, const char *key, const char *value)
{
        size_t need = strlen(key) + strlen(value) + 5;
        if (*len + need >= *cap) {
                size_t ncap = (*cap + need) * 2;
                char *n = realloc(*buf, ncap);
                if (!n)
                        return -ENOMEM;
                *buf = n;
                *cap = ncap;
        }
        *len += (size_t)sprintf(*buf + *len, "%s = %s\n", key, value);
        return 0;
}

char *zones_def_format(const struct zones_def *d)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;
        char tmp[64];
        int r = 0;
        if (asprintf(&buf, "# zone %s: its definition; `zone config %s set KEY=VALUE` changes it\n",
                     d->name, d->name) < 0)
                return NULL;
        len = strlen(buf);
        cap = len + 1;
        struct zones_def *m = (struct zones_def *)d;
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(keys); i++) {
                const char *k = keys[i].name;
                char **s = string_field(m, k);
                char ***l = list_field(m, k);
                if (s) {
                        if (*s)
                                r = add(&buf, &len, &cap, k, *s);
                        continue;
                }
                if (l) {
                        for (size_t j = 0; r >= 0 && *l && (*l)[j]; j++)
                                r = add(&buf, &len, &cap, k, (*l)[j]);
                        continue;
                }
                tmp[0] = 0;
                if (!strcmp(k, "memory") && d->has_memory)
                        snprintf(tmp, sizeof(tmp), "%" PRId64, d->memory);
                else if (!strcmp(k, "cpus") && d->has_cpus)
                        snprintf(tmp, sizeof(tmp), "%" PRIu64 ".%03" PRIu64, d->cpus_milli / 1000,
                                 d->cpus_milli % 1000);
                else if (!strcmp(k, "pids-limit") && d->has_pids_limit)
                        snprintf(tmp, sizeof(tmp), "%" PRId64, d->pids_limit);
                else if (!strcmp(k, "read-only"))
                        snprintf(tmp, sizeof(tmp), "%s", d->read_only ? "true" : "false");
                else if (!strcmp(k, "auto-remove"))
                        snprintf(tmp, sizeof(tmp), "%s", d->auto_remove ? "true" : "false");
                else if (!strcmp(k, "restart"))
                        snprintf(tmp, sizeof(tmp), "%s",
                                 d->restart == ZONES_RESTART_NO       ? "no"
                                 : d->restart == ZONES_RESTART_ALWAYS ? "always"
                                                                      : "on-failure");
                else if (!strcmp(k, "log-size"))
                        snprintf(tmp, sizeof(tmp), "%" PRIu64, d->log_size);
                else if (!strcmp(k, "log-files"))
                        snprintf(tmp, sizeof(tmp), "%d", d->log_files);
                if (!strcmp(k, "restart") && d->restart == ZONES_RESTART_ON_FAILURE &&
                    d->restart_max)
                        snprintf(tmp, sizeof(tmp), "on-failure:%d", d->restart_max);
                if (tmp[0])
                        r = add(&buf, &len, &cap, k, tmp);
        }
        return r < 0 ? NULL : steal_pointer(&buf);
}

int zones_def_parse(const char *text, const char *what, struct zones_def *d, struct zone_err **err)
{
        _cleanup_free_ char *copy = strdup(text);
        if (!copy)
                return zone_err_set(err, -ENOMEM, "out of memory");
        int line_no = 0;
        for (char *line = copy, *next; line && *line; line = next) {
                line_no++;
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (!line[0] || line[0] == '#')
                        continue;
                char *eq = strstr(line, " = ");
                if (!eq)
                        return zone_err_set(err, -EINVAL, "%s line %d: not \"key = value\"", what,
                                            line_no);
                *eq = 0;
                /* Volumes were checked when set; a source gone since is boot's error, so the
                 * definition stays readable (and removable). */
                int r;
                if (strcmp(line, "volume") == 0)
                        r = strv_append(&d->volumes, eq + 3) < 0
                                ? zone_err_set(err, -ENOMEM, "out of memory")
                                : 0;
                else if (strcmp(line, "type") == 0)
                        r = (d->type = strdup(eq + 3)) ? 0 : zone_err_set(err, -ENOMEM, "oom");
                else
                        r = zones_def_set(d, line, eq + 3, err);
                if (r < 0)
                        return zone_err_wrap(err, "%s line %d", what, line_no);
        }
        if (!d->name || !d->image)
                return zone_err_set(err, -EINVAL, "%s: name and image are required", what);
        return 0;
}
