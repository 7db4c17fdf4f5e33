/* The progress bar: redrawn in place on a terminal, at most once per percent. When standard
 * error is not a terminal nothing is printed (logs and tests get the result lines only). */
#include "cli/zone/progress.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void cli_progress_init(struct cli_progress *p)
{
        memset(p, 0, sizeof(*p));
        p->tty = isatty(2) == 1;
        p->last_pct = -1;
}

static void human(uint64_t n, char *buf, size_t len)
{
        if (n >= (1ull << 30))
                snprintf(buf, len, "%.1f GiB", (double)n / (1ull << 30));
        else if (n >= (1u << 20))
                snprintf(buf, len, "%.1f MiB", (double)n / (1u << 20));
        else
                snprintf(buf, len, "%.1f KiB", (double)n / 1024);
}

void cli_progress_cb(void *arg, const char *what, uint64_t done, uint64_t total)
{
        struct cli_progress *p = arg;
        if (!p->tty)
                return;
        /* "sha256:<hex>" is shown as its 12-digit short id. */
        char name[80];
        snprintf(name, sizeof(name), "%s",
                 what && strncmp(what, "sha256:", 7) == 0 ? what + 7
                 : what                                   ? what
                                                          : "");
        if (strlen(name) == 64)
                name[12] = '\0';
        int pct = total ? (int)(done * 100 / (total ? total : 1)) : -1;
        if (pct > 100)
                pct = 100;
        if (strcmp(name, p->what) == 0 && pct == p->last_pct && pct >= 0)
                return;
        if (strcmp(name, p->what) != 0 && p->drawn)
                fputc('\n', stderr);
        snprintf(p->what, sizeof(p->what), "%s", name);
        p->last_pct = pct;
        char d[32], t[32];
        human(done, d, sizeof(d));
        if (pct >= 0) {
                human(total, t, sizeof(t));
                int fill = pct * 30 / 100;
                fprintf(stderr, "\r%-14.14s [%.*s%*s] %3d%% %s / %s\033[K", name, fill,
                        "==============================", 30 - fill, "", pct, d, t);
        } else {
                fprintf(stderr, "\r%-14.14s %s\033[K", name, d);
        }
        p->drawn = true;
        fflush(stderr);
}

void cli_progress_done(struct cli_progress *p)
{
        if (p->drawn)
                fputc('\n', stderr);
        p->drawn = false;
}
