/* Build files (manifest.h): line-based, `key value`, checked as they are read so a mistake
 * names its file and line before anything is built. */
#include "images/build/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "images/build/build.h"
#include "util.h"

#define MAX_BUILD_FILE (1024 * 1024)

int zone_manifest_words(const char *s, char ***ret)
{
        _cleanup_strv_ char **words = NULL;
        _cleanup_free_ char *w = malloc(strlen(s) + 1);
        if (!w)
                return -ENOMEM;
        const char *p = s;
        for (;;) {
                while (*p == ' ' || *p == '\t')
                        p++;
                if (!*p)
                        break;
                size_t n = 0;
                while (*p && *p != ' ' && *p != '\t') {
                        if (*p == '\'') {
                                const char *end = strchr(p + 1, '\'');
                                if (!end)
                                        return -EINVAL;
                                memcpy(w + n, p + 1, (size_t)(end - p - 1));
                                n += (size_t)(end - p - 1);
                                p = end + 1;
                        } else if (*p == '"') {
                                p++;
                                while (*p && *p != '"') {
                                        if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                                                p++;
                                        w[n++] = *p++;
                                }
                                if (*p != '"')
                                        return -EINVAL;
                                p++;
                        } else if (*p == '\\') {
                                if (!p[1])
                                        return -EINVAL;
                                w[n++] = p[1];
                                p += 2;
                        } else {
                                w[n++] = *p++;
                        }
                }
                w[n] = '\0';
                if (strv_append(&words, w) < 0)
                        return -ENOMEM;
        }
        if (!words) {
                /* An empty list is a list: `cmd` with nothing after it is refused by the
                 * caller, but keep the contract simple. */
                words = calloc(1, sizeof(char *));
                if (!words)
                        return -ENOMEM;
        }
        *ret = steal_pointer(&words);
        return 0;
}

enum value_kind {
        ONE_WORD, /* exactly one word */
        WORDS,    /* one or more words */
        ONE_OR_MORE_PATHS,
        TWO_WORDS,
};

struct key {
        const char *name;
        enum value_kind kind;
        bool once;
};

static const struct key keys[] = {
    {"name", ONE_WORD, true},     {"from-host", ONE_OR_MORE_PATHS, false},
    {"add", ONE_WORD, false},     {"symlink", TWO_WORDS, false},
    {"exclude", ONE_WORD, false}, {"entrypoint", WORDS, true},
    {"cmd", WORDS, true},         {"env", ONE_WORD, false},
    {"workdir", ONE_WORD, true},  {"user", ONE_WORD, true},
    {"label", ONE_WORD, false},
};

static int line_err(struct zone_err **err, int code, const char *file, unsigned line,
                    const char *what)
{
        return zone_err_set(err, code, "%s:%u: %s", file, line, what);
}

static int apply(const struct key *k, char **words, struct zone_build_spec *spec, const char *file,
                 unsigned line, struct zone_err **err)
{
        const char *v = words[0];
        char msg[512];
        int r = 0;
        if (strcmp(k->name, "name") == 0) {
                free(spec->name);
                spec->name = strdup(v);
                r = spec->name ? 0 : -ENOMEM;
        } else if (strcmp(k->name, "from-host") == 0) {
                for (size_t i = 0; words[i] && r == 0; i++) {
                        if (words[i][0] != '/') {
                                snprintf(msg, sizeof(msg),
                                         "from-host: \"%s\" is not an absolute path", words[i]);
                                return line_err(err, -EINVAL, file, line, msg);
                        }
                        r = strv_append(&spec->from_host, words[i]);
                }
        } else if (strcmp(k->name, "add") == 0) {
                _cleanup_free_ char *src = strdup(v);
                if (!src)
                        return -ENOMEM;
                char *dst = strchr(src, ':');
                if (dst)
                        *dst++ = '\0';
                const char *bad = zone_build_check_add(src, dst);
                if (bad) {
                        snprintf(msg, sizeof(msg), "add \"%s\": %s", v, bad);
                        return line_err(err, -EINVAL, file, line, msg);
                }
                r = zone_build_spec_add(spec, src, dst);
        } else if (strcmp(k->name, "symlink") == 0) {
                const char *bad = zone_build_check_add("/", v);
                if (bad) {
                        snprintf(msg, sizeof(msg), "symlink \"%s\": %s", v, bad);
                        return line_err(err, -EINVAL, file, line, msg);
                }
                r = zone_build_spec_link(spec, v, words[1]);
        } else if (strcmp(k->name, "exclude") == 0) {
                r = strv_append(&spec->exclude, v);
        } else if (strcmp(k->name, "entrypoint") == 0 || strcmp(k->name, "cmd") == 0) {
                char ***slot = k->name[0] == 'e' ? &spec->entrypoint : &spec->cmd;
                char **copy = strv_copy(words);
                if (!copy)
                        return -ENOMEM;
                strv_free(*slot);
                *slot = copy;
        } else if (strcmp(k->name, "env") == 0 || strcmp(k->name, "label") == 0) {
                const char *eq = strchr(v, '=');
                if (!eq || eq == v) {
                        snprintf(msg, sizeof(msg), "%s: \"%s\" is not KEY=VALUE", k->name, v);
                        return line_err(err, -EINVAL, file, line, msg);
                }
                if (k->name[0] == 'e') {
                        r = zone_build_spec_set_env(spec, v);
                } else {
                        _cleanup_free_ char *key = strndup(v, (size_t)(eq - v));
                        r = key ? zone_build_spec_set_label(spec, key, eq + 1) : -ENOMEM;
                }
        } else if (strcmp(k->name, "workdir") == 0 || strcmp(k->name, "user") == 0) {
                if (k->name[0] == 'w' && v[0] != '/') {
                        snprintf(msg, sizeof(msg), "workdir: \"%s\" is not an absolute path", v);
                        return line_err(err, -EINVAL, file, line, msg);
                }
                char **slot = k->name[0] == 'w' ? &spec->workdir : &spec->user;
                free(*slot);
                *slot = strdup(v);
                r = *slot ? 0 : -ENOMEM;
        }
        return r;
}

int zone_manifest_parse(const char *file, const char *text, size_t len,
                        struct zone_build_spec *spec, struct zone_err **err)
{
        if (memchr(text, '\0', len))
                return zone_err_set(err, -EINVAL, "%s: a NUL byte: not a build file", file);
        bool seen[ARRAY_SIZE(keys)] = {0};
        unsigned lineno = 0;
        const char *p = text, *end = text + len;
        char msg[512];
        while (p < end) {
                lineno++;
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
                _cleanup_free_ char *line = strndup(p, ll);
                if (!line)
                        return zone_err_set(err, -ENOMEM, "read %s", file);
                p += ll + (nl != NULL);

                char *s = line;
                size_t n = strlen(s);
                while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                        s[--n] = '\0';
                while (*s == ' ' || *s == '\t')
                        s++;
                if (!*s || *s == '#')
                        continue;
                char *value = s + strcspn(s, " \t");
                if (*value)
                        *value++ = '\0';
                size_t ki;
                for (ki = 0; ki < ARRAY_SIZE(keys); ki++)
                        if (strcmp(keys[ki].name, s) == 0)
                                break;
                if (ki == ARRAY_SIZE(keys)) {
                        snprintf(msg, sizeof(msg),
                                 "unknown key \"%.64s\" (name, from-host, add, symlink, exclude, "
                                 "entrypoint, cmd, env, workdir, user, label)",
                                 s);
                        return line_err(err, -EINVAL, file, lineno, msg);
                }
                const struct key *k = &keys[ki];
                if (k->once && seen[ki]) {
                        snprintf(msg, sizeof(msg), "%s given twice", k->name);
                        return line_err(err, -EINVAL, file, lineno, msg);
                }
                seen[ki] = true;
                _cleanup_strv_ char **words = NULL;
                int r = zone_manifest_words(value, &words);
                if (r == -EINVAL) {
                        snprintf(msg, sizeof(msg), "%s: unterminated quote or trailing \\",
                                 k->name);
                        return line_err(err, r, file, lineno, msg);
                }
                if (r < 0)
                        return zone_err_set(err, r, "read %s", file);
                size_t nw = strv_length(words);
                if (nw == 0) {
                        snprintf(msg, sizeof(msg), "%s needs a value", k->name);
                        return line_err(err, -EINVAL, file, lineno, msg);
                }
                if (k->kind == TWO_WORDS && nw != 2) {
                        snprintf(msg, sizeof(msg), "%s takes PATH TARGET, got %zu values", k->name,
                                 nw);
                        return line_err(err, -EINVAL, file, lineno, msg);
                }
                if (k->kind == ONE_WORD && nw > 1) {
                        snprintf(msg, sizeof(msg),
                                 "%s takes one value, got %zu (quote a value with spaces)", k->name,
                                 nw);
                        return line_err(err, -EINVAL, file, lineno, msg);
                }
                r = apply(k, words, spec, file, lineno, err);
                if (r == -ENOMEM)
                        return zone_err_set(err, r, "read %s", file);
                if (r < 0)
                        return r;
        }
        return 0;
}

int zone_manifest_load(const char *path, struct zone_build_spec *spec, struct zone_err **err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_file_at(AT_FDCWD, path, MAX_BUILD_FILE, &text, &len);
        if (r == -EFBIG || r == -E2BIG)
                return zone_err_set(err, r, "read build file %s: larger than %d bytes", path,
                                    MAX_BUILD_FILE);
        if (r < 0)
                return zone_err_sys(err, r, "read build file %s", path);
        return zone_manifest_parse(path, text, len, spec, err);
}
