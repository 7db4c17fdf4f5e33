/* QEMU's machine protocol (QMP) as the supervisor speaks it: QEMU's monitor on a socket it
 * was given at start (-chardev socket,fd=N -mon mode=control), one command at a time, for
 * pause (stop) and resume (cont). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct vm_qmp {
        int fd;
        bool ready; /* greeting read and capabilities negotiated */
        char buf[8192];
        size_t n; /* bytes of buf not yet taken as lines */
};

/* Runs `command` (a QMP command name without arguments) and waits up to timeout_ms for its
 * answer, skipping the events QEMU sends meanwhile. 0, or a negative errno with QEMU's own
 * words (or what went wrong) in msg. */
int vm_qmp_run(struct vm_qmp *q, const char *command, int timeout_ms, char *msg, size_t msg_size);
