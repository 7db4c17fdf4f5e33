/* The part of libc zone-monitor-follow uses, as raw system calls: the follower links no libc
 * at all (-nostdlib), because a static glibc alone is 650 kB of text, which the kernel maps
 * in almost whole (fault-around) and which would be most of the follower's resident memory.
 * The functions keep libc's names and prototypes (from libc's headers), so follow.c,
 * zones_log_writer.c and zones_follow.c stay ordinary C. x86_64 only, like the zone-exec
 * trampoline: both make their system calls with runtime/raw_syscall.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "raw_syscall.h"

static int err_no;
char **environ;

int *__errno_location(void)
{
        return &err_no;
}

/* libc's convention: -1 and errno. */
static long ret(long r)
{
        if (r < 0 && r > -4096) {
                err_no = (int)-r;
                return -1;
        }
        return r;
}

#define SYS(n, a, b, c, d, e, f)                                                                   \
        ret(sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f)))

long syscall(long n, ...)
{
        va_list ap;
        va_start(ap, n);
        long a = va_arg(ap, long), b = va_arg(ap, long), c = va_arg(ap, long);
        long d = va_arg(ap, long), e = va_arg(ap, long), f = va_arg(ap, long);
        va_end(ap);
        return SYS(n, a, b, c, d, e, f);
}

ssize_t read(int fd, void *buf, size_t n)
{
        return SYS(SYS_read, fd, buf, n, 0, 0, 0);
}

ssize_t write(int fd, const void *buf, size_t n)
{
        return SYS(SYS_write, fd, buf, n, 0, 0, 0);
}

int close(int fd)
{
        return (int)SYS(SYS_close, fd, 0, 0, 0, 0, 0);
}

int openat(int dirfd, const char *path, int flags, ...)
{
        va_list ap;
        va_start(ap, flags);
        mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
        va_end(ap);
        return (int)SYS(SYS_openat, dirfd, path, flags, mode, 0, 0);
}

int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
        return (int)SYS(SYS_renameat, olddirfd, oldpath, newdirfd, newpath, 0, 0);
}

/* glibc's struct stat is the kernel's on x86_64. */
int fstat(int fd, struct stat *st)
{
        return (int)SYS(SYS_fstat, fd, st, 0, 0, 0, 0);
}

int fcntl(int fd, int cmd, ...)
{
        va_list ap;
        va_start(ap, cmd);
        long arg = va_arg(ap, long);
        va_end(ap);
        return (int)SYS(SYS_fcntl, fd, cmd, arg, 0, 0, 0);
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
        return (int)SYS(SYS_poll, fds, n, timeout, 0, 0, 0);
}

int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
        return (int)SYS(SYS_waitid, type, id, info, options, 0, 0);
}

pid_t waitpid(pid_t pid, int *status, int options)
{
        return (pid_t)SYS(SYS_wait4, pid, status, options, 0, 0, 0);
}

/* The kernel's sigset is the first 64 bits of glibc's. */
#define KSIGSET 8

int sigemptyset(sigset_t *set)
{
        memset(set, 0, sizeof(*set));
        return 0;
}

int sigaddset(sigset_t *set, int sig)
{
        if (sig < 1 || sig > 64) {
                err_no = EINVAL;
                return -1;
        }
        ((unsigned long *)set)[0] |= 1UL << (sig - 1);
        return 0;
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
        return (int)SYS(SYS_rt_sigprocmask, how, set, old, KSIGSET, 0, 0);
}

int signalfd(int fd, const sigset_t *mask, int flags)
{
        return (int)SYS(SYS_signalfd4, fd, mask, KSIGSET, flags, 0, 0);
}

time_t time(time_t *t)
{
        struct timespec ts = {0};
        sys6(SYS_clock_gettime, CLOCK_REALTIME, (long)&ts, 0, 0, 0, 0);
        if (t)
                *t = ts.tv_sec;
        return ts.tv_sec;
}

int execv(const char *path, char *const argv[])
{
        return (int)SYS(SYS_execve, path, argv, environ, 0, 0, 0);
}

void *memset(void *s, int c, size_t n)
{
        unsigned char *p = s;
        while (n--)
                *p++ = (unsigned char)c;
        return s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
        unsigned char *d = dst;
        const unsigned char *s = src;
        while (n--)
                *d++ = *s++;
        return dst;
}

size_t strlen(const char *s)
{
        size_t n = 0;
        while (s[n])
                n++;
        return n;
}

int strcmp(const char *a, const char *b)
{
        while (*a && *a == *b)
                a++, b++;
        return (unsigned char)*a - (unsigned char)*b;
}

/* The compiler turns strcat into these. */
char *stpcpy(char *dst, const char *src)
{
        size_t n = strlen(src);
        memcpy(dst, src, n + 1);
        return dst + n;
}

char *strcat(char *dst, const char *src)
{
        memcpy(dst + strlen(dst), src, strlen(src) + 1);
        return dst;
}

int main(int argc, char **argv);

__attribute__((noreturn, used)) void zone_follow_start(long *sp)
{
        int argc = (int)sp[0];
        char **argv = (char **)(sp + 1);
        environ = argv + argc + 1;
        sys6(SYS_exit_group, main(argc, argv), 0, 0, 0, 0, 0);
        __builtin_unreachable();
}

__asm__(".text\n.global _start\n_start:\n\txor %ebp, %ebp\n\tmov %rsp, %rdi\n"
        "\tand $-16, %rsp\n\tcall zone_follow_start\n\thlt\n");
