/* The guest's network (net.c). */
#pragma once

#include <stddef.h>

/* Brings loopback up, then, when desc is not NULL, configures the interfaces desc describes
 * (VM_NET_ANNOTATION in proto.h). 0 or a negative errno with what failed in msg. */
int agent_net_setup(const char *desc, char *msg, size_t size);
