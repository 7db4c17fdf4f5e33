/* Small helpers shared by all of libzone: cleanup attributes and string vectors. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>
#include <sys/types.h>

static inline void freep(void *p)
{
        free(*(void **)p);
}

/* Closes *fd if open and marks it closed, so calling it twice is harmless. */
static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
                *fd = -1;
        }
}

#define _cleanup_(f)    __attribute__((cleanup(f)))
#define _cleanup_free_  _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_strv_  _cleanup_(strv_freep)

/* Hand ownership of a pointer or fd out of a cleanup-managed variable. */
#define steal_pointer(pp)                                                                          \
        ({                                                                                         \
                __typeof__(*(pp)) _p = *(pp);                                                      \
                *(pp) = NULL;                                                                      \
                _p;                                                                                \
        })
#define steal_fd(fdp)                                                                              \
        ({                                                                                         \
                int _fd = *(fdp);                                                                  \
                *(fdp) = -1;                                                                       \
                _fd;                                                                               \
        })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* NULL-terminated string vectors. */
size_t strv_length(char *const *v);
void strv_free(char **v);
static inline void strv_freep(char ***v)
{
        strv_free(*v);
}
/* Appends a copy of s; returns 0 or -ENOMEM. */
int strv_append(char ***v, const char *s);
/* Sets "KEY=VALUE" kv in an environment vector (a copy), replacing KEY's earlier entry. */
int strv_env_set(char ***env, const char *kv);
char **strv_copy(char *const *v);

/* Reads a whole file (at most max bytes) into a NUL-terminated buffer. 0 or -errno. */
int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);
/* The same for what is left to read on fd (a pipe, standard input). */
int read_all(int fd, size_t max, char **ret, size_t *ret_len);
/* Writes data to dirfd/path atomically (temporary file, fsync-less rename). 0 or -errno. */
int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode);
/* Writes a short string to an existing file (for /proc and /sys knobs). 0 or -errno. */
int write_string_at(int dirfd, const char *path, const char *s);

/* Full-length read/write that retry on EINTR and short transfers. 0 or -errno. */
int read_full(int fd, void *buf, size_t len);
int write_full(int fd, const void *buf, size_t len);

/* SCM_RIGHTS helpers. send_fd sends data (at least one byte) with fd attached unless fd < 0,
 * 0 or -errno; recv_fd returns the bytes received (> 0; fewer than len on a stream socket is
 * possible) with *ret_fd the fd or -1, or -errno (-EPIPE at end of stream). */
int send_fd(int sock, int fd, const void *data, size_t len);
int recv_fd(int sock, int *ret_fd, void *data, size_t len);

/* Every signal back to SIG_DFL, including the realtime ones glibc reserves for itself (which
 * sigaction() refuses to touch but an ignored disposition of which is inherited across exec). */
void reset_signal_dispositions(void);

/* Opens an absolute "/proc/..." path checking that /proc is procfs and that nothing below it
 * is a symlink or another mount: writes the runtime makes to /proc must not land in files an
 * image planted (a fake /proc, a bind mount over a knob). -EXDEV when it is not procfs. */
int open_procfs(const char *path, int flags);
