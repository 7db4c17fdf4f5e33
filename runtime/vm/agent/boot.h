/* The guest agent's part of booting: what PID 1 sets up before the zone. */
#pragma once

/* Loads the modules listed in /lib/modules/order (one file name a line, dependencies
 * first), moves the root onto a tmpfs (pivot_root, which every zone does, refuses the
 * initramfs itself) and mounts /dev, /proc, /sys, cgroup2, /run and /tmp. Returns 0 or a
 * negative errno with *what naming the step. */
int agent_boot(const char **what);
/* Opens the host's virtio-serial port (VM_PORT_NAME), waiting for it to appear. */
int agent_open_port(void);
/* Mounts the zone's root shared by the host (9p, tag VM_ROOT_TAG) at path. */
int agent_mount_root(const char *path, const char **what);
/* Mounts the bind mounts' sources shared by the host (9p, tag VM_SHARE_TAG) at
 * VM_SHARE_GUEST_DIR, where the config's bind sources point (runtime/vm/share.h). */
int agent_mount_share(const char **what);
