/* Logger: one line per message, as text or as runc's JSON log format. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {"error", "warning", "info", "debug"};

/* JSON-escapes s into out (always NUL-terminated, truncated if needed). */
static void json_escape(const char *s, char *out, size_t size)
{
        size_t o = 0;
        for (; *s && o + 7 < size; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\') {
                        out[o++] = '\\';
                        out[o++] = (char)c;
                } else if (c < 0x20) {
                        o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
                } else {
                        out[o++] = (char)c;
                }
        }
        out[o] = '\0';
}

void zone_log(const struct zone_log *log, enum zone_log_level level, const char *fmt, ...)
{
        if (!log || log->fd < 0 || level > log->level)
                return;
        char msg[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char when[64];
        snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);

        char line[8192];
        int n;
        if (log->json) {
                char esc[6144];
                json_escape(msg, esc, sizeof(esc));
                n = snprintf(line, sizeof(line),
                             "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
                             level_names[level], esc, when);
        } else {
                n = snprintf(line, sizeof(line), "%s %s: %s\n", when, level_names[level], msg);
        }
        if (n > 0) {
                size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
                ssize_t w = write(log->fd, line, len);
                (void)w; /* a log line that cannot be written has nowhere else to go */
        }
}
