/* The files of DATA_ROOT/zones/NAME/ (zones.h lists them) and what libzone says of a zone. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#include "util.h"
#include "zones/zones.h"

const char *zones_data_root(const struct zones_ctx *c)
{
        return c->data_root ? c->data_root : ZONES_DATA_ROOT;
}

char *zones_path(const struct zones_ctx *c, const char *name, const char *file)
{
        char *p = NULL;
        int r;
        if (!name)
                r = asprintf(&p, "%s/zones", zones_data_root(c));
        else if (!file)
                r = asprintf(&p, "%s/zones/%s", zones_data_root(c), name);
        else
                r = asprintf(&p, "%s/zones/%s/%s", zones_data_root(c), name, file);
        return r < 0 ? NULL : p;
}

int zones_def_load(const struct zones_ctx *c, const char *name, struct zones_def *d,
                   struct zone_err **err)
{
        zones_def_init(d);
        _cleanup_free_ char *path = zones_path(c, name, "zone.conf");
        if (!path)
                return zone_err_set(err, -ENOMEM, "out of memory");
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_file_at(AT_FDCWD, path, 1 << 20, &text, &len);
        if (r == -ENOENT)
                return zone_err_set(err, -ENOENT, "no zone named \"%s\"", name);
        if (r < 0)
                return zone_err_sys(err, r, "zone %s: read %s", name, path);
        r = zones_def_parse(text, path, d, err);
        if (r < 0)
                zones_def_done(d);
        return r;
}

int zones_def_save(const struct zones_ctx *c, const struct zones_def *d, struct zone_err **err)
{
        _cleanup_free_ char *path = zones_path(c, d->name, "zone.conf");
        _cleanup_free_ char *text = zones_def_format(d);
        if (!path || !text)
                return zone_err_set(err, -ENOMEM, "out of memory");
        int r = write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0644);
        return r < 0 ? zone_err_sys(err, r, "zone %s: write %s", d->name, path) : 0;
}

char *zones_record_get(const struct zones_ctx *c, const char *name, const char *file,
                       const char *key)
{
        _cleanup_free_ char *path = zones_path(c, name, file);
        _cleanup_free_ char *text = NULL;
        size_t len, klen = strlen(key);
        if (!path || read_file_at(AT_FDCWD, path, 65536, &text, &len) < 0)
                return NULL;
        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (strncmp(line, key, klen) == 0 && strncmp(line + klen, " = ", 3) == 0)
                        return strdup(line + klen + 3);
        }
        return NULL;
}

bool zones_monitor_alive(const struct zones_ctx *c, const char *name)
{
        _cleanup_free_ char *path = zones_path(c, name, "monitor.lock");
        _cleanup_close_ int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        if (fd < 0)
                return false;
        if (flock(fd, LOCK_SH | LOCK_NB) == 0)
                return false;
        return errno == EWOULDBLOCK;
}

const char *zones_libzone_status(const struct zones_ctx *c, const char *name, pid_t *ret_pid)
{
        struct zone_info *list = NULL;
        size_t n = 0;
        const char *status = NULL;
        if (ret_pid)
                *ret_pid = 0;
        if (zone_list(c->zctx, &list, &n, NULL) < 0)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (strcmp(list[i].id, name) != 0)
                        continue;
                status = list[i].status; /* a static string */
                if (ret_pid)
                        *ret_pid = list[i].pid;
        }
        zone_info_free(list, n);
        return status;
}
