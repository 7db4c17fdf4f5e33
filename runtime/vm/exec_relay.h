/* The host side of a process exec'd in a vm or emulated zone. The process runs in the guest;
 * on the host a relay (a forked copy of the runtime, the exec caller's child) stands for it:
 * it talks to the zone's supervisor over its control socket, relays its own stdin to the
 * process and the process's stdout and stderr to its own, forwards the signals it gets, and
 * exits with the process's exit status. Its pid is the one exec reports and --pid-file
 * names. */
#pragma once

#include <stddef.h>

struct zone_err;

/* Connects to the supervisor's control socket in the zone's state directory (dirfd), asks
 * it to run the process (config, a config.json whose process is the one to run) and waits
 * until the guest has exec'd it. *ret_conn is then the relay's connection. */
int vm_exec_start(int dirfd, const char *config, size_t len, int *ret_conn, struct zone_err **err);

/* The relay, in the calling (just forked) process; never returns. tty, for exec --tty, is
 * the host pty's slave (tty.h), which becomes its stdio and controlling terminal; else -1. */
__attribute__((noreturn)) void vm_exec_relay_main(int conn, int tty);
