/* The zone's terminal: a pty made from the zone's own devpts, its slave becoming the process's
 * controlling terminal and stdio, its master handed to whoever holds the other end. */
#pragma once

#include <sys/types.h>

struct zone_err;

/* Opens /dev/ptmx (inside the zone, after the root was entered), sizes it, makes the slave
 * owned by uid/gid, and returns master and slave fds. */
int light_console_open(unsigned rows, unsigned cols, uid_t uid, gid_t gid, int *ret_master,
                       int *ret_slave, struct zone_err **err);
/* setsid, then the slave becomes the controlling terminal and fds 0, 1, 2. */
int light_console_attach(int slave, struct zone_err **err);
/* Connects to a --console-socket path (done by the creator, before the zone process exists). */
int light_console_connect(const char *path, struct zone_err **err);
