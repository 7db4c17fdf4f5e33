/* A progress bar on standard error for long image operations (import, build, export). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct cli_progress {
        bool tty;      /* standard error is a terminal: draw; otherwise stay quiet */
        bool drawn;    /* a bar line is on screen and needs its newline */
        char what[80]; /* the item the bar is about */
        int last_pct;
};

void cli_progress_init(struct cli_progress *p);
/* A zone_progress_fn (images/store.h); arg is the struct cli_progress. */
void cli_progress_cb(void *arg, const char *what, uint64_t done, uint64_t total);
/* Ends the line of the bar, if one is drawn. */
void cli_progress_done(struct cli_progress *p);
