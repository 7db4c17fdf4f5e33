/* Error values: a negative errno plus a message that says what was done to what. */
#include "err.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An error is one line: a value from a config or the command line that holds a newline or
 * another control character must not break it (or forge a second line in a log). */
static void one_line(char *msg)
{
        for (unsigned char *c = (unsigned char *)msg; *c; c++)
                if (*c < 0x20 || *c == 0x7f)
                        *c = '?';
}

static int err_vset(struct zone_err **err, int code, bool with_name, const char *fmt, va_list ap)
{
        if (code >= 0)
                code = -EINVAL;
        if (!err || *err)
                return code;
        char *text = NULL;
        if (vasprintf(&text, fmt, ap) < 0)
                return code;
        const char *name = with_name ? zone_errno_name(code) : "";
        size_t len = strlen(text) + strlen(name) + 3;
        struct zone_err *e = malloc(sizeof(*e) + len);
        if (e) {
                e->code = code;
                snprintf(e->msg, len, "%s%s%s", text, with_name ? ": " : "", name);
                one_line(e->msg);
                *err = e;
        }
        free(text);
        return code;
}

int zone_err_set(struct zone_err **err, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = err_vset(err, code, false, fmt, ap);
        va_end(ap);
        return r;
}

int zone_err_sys(struct zone_err **err, int code, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int r = err_vset(err, code, true, fmt, ap);
        va_end(ap);
        return r;
}

int zone_err_wrap(struct zone_err **err, const char *fmt, ...)
{
        if (!err || !*err)
                return -EINVAL;
        char *prefix = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&prefix, fmt, ap);
        va_end(ap);
        int code = (*err)->code;
        if (n < 0)
                return code;
        size_t len = strlen(prefix) + strlen((*err)->msg) + 3;
        struct zone_err *e = malloc(sizeof(*e) + len);
        if (e) {
                e->code = code;
                snprintf(e->msg, len, "%s: %s", prefix, (*err)->msg);
                one_line(e->msg);
                free(*err);
                *err = e;
        }
        free(prefix);
        return code;
}

void zone_err_free(struct zone_err *err)
{
        free(err);
}

const char *zone_errno_name(int code)
{
        if (code < 0)
                code = -code;
        const char *name = strerrorname_np(code);
        return name ? name : "EUNKNOWN";
}
