/* The library's only way to speak: a logger carried in the context, never stdout/stderr
 * directly. Text or runc-compatible JSON lines ({"level":..,"msg":..,"time":..}). */
#pragma once

#include <stdbool.h>

enum zone_log_level { ZONE_LOG_ERROR, ZONE_LOG_WARN, ZONE_LOG_INFO, ZONE_LOG_DEBUG };

struct zone_log {
        int fd;    /* -1: discard */
        bool json; /* --log-format=json */
        enum zone_log_level level;
};

void zone_log(const struct zone_log *log, enum zone_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define zone_debug(log, ...) zone_log((log), ZONE_LOG_DEBUG, __VA_ARGS__)
#define zone_warn(log, ...)  zone_log((log), ZONE_LOG_WARN, __VA_ARGS__)
