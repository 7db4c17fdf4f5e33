/* The zone side of a light zone: what its first process (and each exec'd process) does between
 * clone and execve. Runs in the child; never returns: it execs the zone's program or reports
 * the error to the creator and exits. */
#pragma once

#include <stdbool.h>

#include "lsm.h"
#include "seccomp.h"

struct zone;
struct zone_spec_process;
struct light_ns_plan;

struct light_child {
        const struct zone *z;
        const struct light_ns_plan *plan;
        int sync_fd;         /* the child's end */
        int fifo_fd;         /* exec fifo (create), or -1 (run: wait for SYNC_START) */
        int console_fd;      /* connected --console-socket, or -1 */
        bool tty_to_creator; /* terminal without console socket: pass the master up */
        struct light_lsm lsm;
        const struct light_seccomp *seccomp; /* NULL: none */
        int listener_fd;                     /* seccomp notify listener socket, or -1 */
};

_Noreturn void light_init_main(const struct light_child *c);

struct light_exec_child {
        const struct zone_spec_process *process;
        const struct light_ns_plan *plan;
        int preserve_fds;
        int sync_fd;
        int console_fd;
        bool tty_to_creator;
        struct light_lsm lsm;
        const struct light_seccomp *seccomp;
        int listener_fd;
};

_Noreturn void light_exec_main(const struct light_exec_child *c);
