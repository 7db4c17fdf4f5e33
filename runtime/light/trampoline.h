/* Running the zone's program through zone-exec (trampoline/main.c), so the runtime binary is
 * never what /proc/self/exe shows while the program's exec happens. */
#pragma once

struct zone_spec_process;
struct zone_err;

/* A sealed memfd holding zone-exec (close-on-exec). Made before the seccomp filter is loaded. */
int light_trampoline_prepare(struct zone_err **err);
struct light_seccomp;

/* What zone-exec does besides the exec: all fds may be -1 / pointers NULL. */
struct light_trampoline_args {
        int sync_fd; /* told about a failure; closed by the exec */
        int attr_fd; /* LSM next-exec attribute, takes attr_value */
        const char *attr_value;
        const struct light_seccomp *seccomp; /* loaded last, right before the program */
        int listener_fd;                     /* notify listener, gets the fd and state */
        const char *process_state;
};

/* Looks the program up and execs it through zone-exec. Returns only on failure. */
int light_trampoline_exec(int memfd, const struct zone_spec_process *p,
                          const struct light_trampoline_args *a, struct zone_err **err);
