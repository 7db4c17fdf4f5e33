/* The creator <-> zone-process channel while a light zone is being made: small framed
 * messages on a socketpair, so every step is acknowledged and a failure in the zone's process
 * reaches the creator as a zone_err with its original message. */
#pragma once

#include <stddef.h>

struct zone_err;

enum light_sync {
        SYNC_EXECED = 0,  /* pseudo-type for recv: end of stream, the process exec'd */
        SYNC_GO = 1,      /* creator -> zone: placed (uid/gid maps, cgroup), go on */
        SYNC_PID,         /* zone -> creator: the pid of the real init (after a second fork) */
        SYNC_HOOKS_READY, /* zone -> creator: mounts done, run prestart/createRuntime hooks */
        SYNC_HOOKS_DONE,  /* creator -> zone: go on; payload: the state JSON for hooks */
        SYNC_CREATED,     /* zone -> creator: ready, waiting for start */
        SYNC_START,       /* creator -> zone (run): start now */
        SYNC_TTY,         /* zone -> creator: the terminal's master fd is attached */
        SYNC_ERROR,       /* zone -> creator: payload is the error message */
        SYNC_EXEC_ERROR,  /* zone-exec -> creator: code is -errno, payload says what failed */
};

int light_sync_send(int fd, enum light_sync type, const void *data, size_t len);
int light_sync_send_fd(int fd, enum light_sync type, int passed_fd);
/* Sends err (code and message); used by the zone's process before it exits. Fails when the
 * creator is gone. */
int light_sync_send_error(int fd, const struct zone_err *err);
/* Receives one message, which must be of type `want`: an SYNC_ERROR becomes *err, a closed
 * channel becomes "zone process exited during setup". *ret_data (may be NULL) gets the
 * NUL-terminated payload; *ret_fd (may be NULL) a passed fd. */
int light_sync_recv(int fd, enum light_sync want, char **ret_data, int *ret_fd,
                    struct zone_err **err);
