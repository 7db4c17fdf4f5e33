/* The host side of a running vm or emulated zone: a forked copy of the runtime, the process
 * the zone's state names. It starts QEMU as its child, speaks to the guest agent, relays the
 * zone's output to its own stdout/stderr and its own stdin to the zone, forwards signals,
 * routes exec'd processes' streams between the agent and their relays (exec_relay.h), and
 * exits with the zone process's exit status. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../log.h"

struct vm_share;

struct vm_supervisor {
        char **qemu_argv;
        /* The bind mounts' sources, which QEMU's root holds (share.h). */
        const struct vm_share *share;
        int agent_fd;      /* our end of the agent's stream */
        int qemu_agent_fd; /* QEMU's end, becomes fd 3 in QEMU */
        int qmp_fd;        /* our end of QEMU's monitor (QMP), for pause and resume */
        int qemu_qmp_fd;   /* QEMU's end, becomes fd 4 in QEMU */
        int qemu_log_fd;   /* QEMU's stderr */
        /* The runtime's log file (--log) at debug level, for the boot's milestones; fd -1:
         * none (its stderr would be the zone's). */
        struct zone_log log;
        int ctl_fd;    /* to the creator: GO in, READY/ERROR out; START/STARTED for run */
        int fifo_fd;   /* create without run: start's write releases the zone, or -1 */
        int listen_fd; /* the control socket exec's relays connect to (VM_CTL_SOCKET) */
        int tty_fd;    /* process.terminal: the host pty's slave (tty.h), else -1 */
        bool run_now;
        const char *config; /* the guest's config.json */
        size_t config_len;
        const int *tap_fds; /* the zone's taps, fds 5, 6, ... in QEMU (net.h) */
        size_t n_tap_fds;
};

/* Runs the supervisor in the calling (just forked) process; never returns. */
__attribute__((noreturn)) void vm_supervisor_main(const struct vm_supervisor *s);

/* Bytes the supervisor and the creator exchange on ctl_fd besides protocol frames. */
#define VM_CTL_GO 'G'
