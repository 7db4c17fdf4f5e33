/* Foreground waiting for a zone's process: forwards the runtime's signals to it, relays a
 * terminal when the runtime holds the master, and returns its exit status. */
#pragma once

#include <signal.h>
#include <sys/types.h>

struct zone_err;

/* Sets *ret_status to the exit code, or 128 + signal number when it was killed. */
int zone_supervise(pid_t pid, int tty_master, int *ret_status, struct zone_err **err);
/* Blocks the signals zone_supervise forwards; call before the process is made so none is
 * lost in between. Returns the previous mask in *old. */
void zone_supervise_block_signals(sigset_t *old);
