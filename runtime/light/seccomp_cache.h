/* The compiled seccomp filter and its on-disk cache (internal to light/seccomp*.c). A cache
 * record holds one compiled filter, keyed by a SHA-256 over everything that shapes it, and
 * checked in full before it is trusted. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

struct zone_spec_seccomp;
struct zone_log;

#define LIGHT_SECCOMP_KEY_SIZE 32
/* The kernel refuses longer filter programs (BPF_MAXINSNS). */
#define LIGHT_SECCOMP_MAX_INSNS 4096

struct light_seccomp {
        struct sock_filter *insns;
        size_t n_insns;
        uint32_t flags;      /* seccomp(2) filter flags the config asked for */
        uint32_t load_flags; /* those of them this kernel has */
        bool notify;         /* has SCMP_ACT_NOTIFY rules */
};

/* The cache key of sc: SHA-256 of its canonical serialisation, libseccomp's version and the
 * native architecture. 0 or -ENOMEM. */
int light_seccomp_cache_key(const struct zone_spec_seccomp *sc,
                            uint8_t key[LIGHT_SECCOMP_KEY_SIZE]);

/* Opens (making it 0700 when missing) the cache directory. Returns a directory fd, or -1 when
 * the cache cannot be used safely (logged): a cache is an optimisation, never an error. */
int light_seccomp_cache_open(const char *dir, const struct zone_log *log);

/* Reads the record for key into *ret (insns, n_insns, flags, notify). Returns 1 on a hit, 0
 * on a miss (a bad record is removed and counts as a miss), -ENOMEM. */
int light_seccomp_cache_read(int dirfd, const uint8_t key[LIGHT_SECCOMP_KEY_SIZE],
                             const struct zone_log *log, struct light_seccomp *ret);

/* Writes s as the record for key, atomically, mode 0600. Failures are logged only. */
void light_seccomp_cache_write(int dirfd, const uint8_t key[LIGHT_SECCOMP_KEY_SIZE],
                               const struct light_seccomp *s, const struct zone_log *log);

/* "<hex key>.bpf" into buf (at least 2 * LIGHT_SECCOMP_KEY_SIZE + 5 bytes). */
void light_seccomp_cache_name(const uint8_t key[LIGHT_SECCOMP_KEY_SIZE], char *buf);
