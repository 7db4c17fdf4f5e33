/* Errors: every libzone function returns 0 or a negative errno and fills a zone_err whose
 * message names what was being done and to what. */
#pragma once

#include <stdarg.h>

struct zone_err {
        int code;   /* negative errno */
        char msg[]; /* "mount proc on /x/rootfs/proc: EPERM" */
};

/* Sets *err (if err and *err is NULL) from a printf format; returns code (a negative errno). */
int zone_err_set(struct zone_err **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Like zone_err_set, and appends ": ENAME" for code (e.g. ": EPERM"). */
int zone_err_sys(struct zone_err **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes context to an existing error ("create abc: " + old). Returns the error's code. */
int zone_err_wrap(struct zone_err **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void zone_err_free(struct zone_err *err);
static inline void zone_err_freep(struct zone_err **e)
{
        zone_err_free(*e);
}
#define _cleanup_err_ __attribute__((cleanup(zone_err_freep)))
/* Name of an errno value ("EPERM"); never NULL. */
const char *zone_errno_name(int code);
