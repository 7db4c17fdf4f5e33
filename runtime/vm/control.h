/* The client side of a running VM zone's control socket (VM_CTL_SOCKET, served by its
 * supervisor): what later runtime invocations ask of the zone. */
#pragma once

#include <stdint.h>

struct zone_err;

/* Connects to the control socket in the zone's state directory dirfd. A socket nobody
 * listens on (the VM ended) is -ESRCH; `what` names the request in errors. */
int vm_ctl_connect(int dirfd, const char *what, int *ret, struct zone_err **err);

/* One request without payload that the supervisor answers with the same type or ERROR
 * (PAUSE, RESUME). */
int vm_ctl_request(int dirfd, uint32_t type, const char *what, struct zone_err **err);
