/* Signal names as the CLIs take them (signals.h). */
#include "cli/common/signals.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int cli_parse_signal(const char *s)
{
        char *end;
        long n = strtol(s, &end, 10);
        if (*s && !*end)
                return n > 0 && n < NSIG ? (int)n : -1;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (int i = 1; i < NSIG; i++) {
                const char *name = sigabbrev_np(i);
                if (name && strcasecmp(name, s) == 0)
                        return i;
        }
        if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
                long off = s[5] ? strtol(s + 5, &end, 10) : 0;
                if (s[5] && *end)
                        return -1;
                int v = (int)(s[3] == 'I' || s[3] == 'i' ? SIGRTMIN + off : SIGRTMAX + off);
                return v >= SIGRTMIN && v <= SIGRTMAX ? v : -1;
        }
        return -1;
}
