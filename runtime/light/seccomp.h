/* linux.seccomp for light zones. The filter is compiled with libseccomp on the host side
 * (before the zone's process exists), cached as BPF, and loaded by the zone's process with the
 * seccomp(2) syscall as its last step before execve. */
#pragma once

#include <stdbool.h>

struct zone_spec_seccomp;
struct zone_err;
struct zone_log;

/* A compiled filter: BPF instructions plus the seccomp(2) flags to load it with. */
struct light_seccomp;

/* Compiles sc (NULL *ret when !sc->present), using and filling the cache in cache_dir (made
 * 0700 when missing; NULL disables the cache). Errors name the field:
 * "linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"". */
int light_seccomp_compile(const struct zone_spec_seccomp *sc, const char *cache_dir,
                          const struct zone_log *log, struct light_seccomp **ret,
                          struct zone_err **err);
void light_seccomp_free(struct light_seccomp *s);
/* True when the filter has SCMP_ACT_NOTIFY rules (a listener fd comes out of the load). */
bool light_seccomp_wants_listener(const struct light_seccomp *s);

/* Host side, before the zone's process is made: connects to linux.seccomp.listenerPath.
 * Returns the socket fd, or -1 when the filter needs no listener, or -errno. */
int light_seccomp_listener_connect(const struct zone_spec_seccomp *sc,
                                   const struct light_seccomp *s, struct zone_err **err);

/* Zone side: loads the filter (no-op when s is NULL). With a listener socket, sends the
 * notify fd over it with process_state_json (the spec's containerProcessState) as the
 * message, then closes the notify fd. */
int light_seccomp_load(const struct light_seccomp *s, int listener_fd,
                       const char *process_state_json, struct zone_err **err);

/* The filter's instructions in a sealed memfd (close-on-exec) and the seccomp(2) flags to
 * load them with, for zone-exec to load as the last step before the program's execve. */
int light_seccomp_program_fd(const struct light_seccomp *s, unsigned long *ret_flags,
                             struct zone_err **err);

/* The containerProcessState document sent to the listener (runtime-spec config-linux.md). */
int light_seccomp_process_state(const struct zone_spec_seccomp *sc, const char *state_json, int pid,
                                char **ret, struct zone_err **err);
