/* zone-exec: the zone's last step before its program, as a separate tiny executable.
 *
 * The runtime's process cannot execve the zone's program directly: while the exec is under
 * way /proc/self/exe is still the runtime binary, so an image file starting with
 * "#!/proc/self/exe" would run the host's runtime inside the zone, whose processes could then
 * open it and overwrite it (the CVE-2019-5736 class). The runtime instead execs this program
 * from a sealed memfd, and this program execs the zone's: a "#!/proc/self/exe" now reaches only
 * the memfd. It has no libc and makes a handful of system calls, so it costs one small exec.
 *
 * It also loads the zone's seccomp filter when that comes last (with no_new_privs), so that
 * nothing the runtime does runs under the zone's filter: only the program's execve does.
 *
 * argv: zone-exec SYNC_FD ATTR_FD ATTR_VALUE FILTER_FD FILTER_FLAGS LISTENER_FD STATE PATH ARGV0...
 *   SYNC_FD      the runtime's channel: closed by a successful exec, or told why it failed
 *   ATTR_FD      /proc/self/attr/.../exec opened by the runtime (-1: none); ATTR_VALUE is
 *                written to it now, so an LSM label applies to the program, not to this step
 *   FILTER_FD    the seccomp program's instructions (-1: none), loaded with FILTER_FLAGS
 *   LISTENER_FD  with a notify filter, the socket that gets its fd and STATE as the message
 *   PATH         the program, already looked up; ARGV0... its arguments */
#include <asm/unistd.h>
#include <linux/fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

#include "../../raw_syscall.h"
#include "../sync.h"

static size_t slen(const char *s)
{
        size_t n = 0;
        while (s[n])
                n++;
        return n;
}

static long to_long(const char *s)
{
        long sign = 1, v = 0;
        if (*s == '-') {
                sign = -1;
                s++;
        }
        while (*s >= '0' && *s <= '9')
                v = v * 10 + (*s++ - '0');
        return sign * v;
}

#define MSG_NOSIGNAL_ 0x4000
#define MAX_INSNS 4096 /* BPF_MAXINSNS */

/* The kernel's struct msghdr and one SCM_RIGHTS cmsg, written out (no libc headers here). */
struct iov {
        const void *base;
        size_t len;
};
struct msg {
        void *name;
        int namelen;
        struct iov *iov;
        size_t iovlen;
        void *control;
        size_t controllen;
        int flags;
};
struct cmsg_fd {
        size_t len;
        int level, type;
        int fd;
        int pad;
};

static void send_all(long fd, const void *buf, size_t len)
{
        sys6(__NR_sendto, fd, (long)buf, (long)len, MSG_NOSIGNAL_, 0, 0);
}

/* Tells the runtime what failed, in its framed form (see sync.c). */
static void report(long fd, const char *what, const char *name, long code)
{
        struct {
                uint32_t type;
                int32_t code;
                uint32_t len;
        } h = {SYNC_EXEC_ERROR, (int32_t)code, (uint32_t)(slen(what) + slen(name))};
        /* sendto with MSG_NOSIGNAL: the runtime may be gone (create), which is no reason to die
         * by SIGPIPE instead of exiting 127. */
        send_all(fd, &h, sizeof(h));
        send_all(fd, what, slen(what));
        send_all(fd, name, slen(name));
}

__attribute__((noreturn, used)) void zone_exec_main(long *sp)
{
        long argc = sp[0];
        char **argv = (char **)(sp + 1);
        char **envp = argv + argc + 1;
        long r = -22; /* EINVAL */
        if (argc < 10)
                sys3(__NR_exit_group, 127, 0, 0);
        long sync = to_long(argv[1]), attr = to_long(argv[2]);
        long filter = to_long(argv[4]), flags = to_long(argv[5]), listener = to_long(argv[6]);
        const char *state = argv[7], *path = argv[8];
        if (attr >= 0) {
                r = sys3(__NR_write, attr, (long)argv[3], (long)slen(argv[3]));
                sys3(__NR_close, attr, 0, 0);
                if (r < 0) {
                        report(sync, "set the LSM exec label ", argv[3], r);
                        sys3(__NR_exit_group, 127, 0, 0);
                }
        }
        sys3(__NR_fcntl, sync, F_SETFD, FD_CLOEXEC);
        if (filter >= 0) {
                static struct sock_filter insns[MAX_INSNS];
                long n = sys3(__NR_read, filter, (long)insns, sizeof(insns));
                sys3(__NR_close, filter, 0, 0);
                struct sock_fprog prog = {.len = (unsigned short)(n / sizeof(insns[0])),
                                          .filter = insns};
                r = n <= 0 ? -22 : sys3(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, (long)&prog);
                if (r < 0) {
                        report(sync, "load seccomp filter for ", path, r);
                        sys3(__NR_exit_group, 127, 0, 0);
                }
                if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
                        /* r is the notify fd: it goes to the listener with the state. */
                        struct iov iov = {state, slen(state) ? slen(state) : 1};
                        struct cmsg_fd c = {.len = 20, .level = 1 /* SOL_SOCKET */,
                                            .type = 1 /* SCM_RIGHTS */, .fd = (int)r};
                        struct msg m = {.iov = &iov, .iovlen = 1, .control = &c,
                                        .controllen = 24};
                        long q = sys3(__NR_sendmsg, listener, (long)&m, MSG_NOSIGNAL_);
                        sys3(__NR_close, r, 0, 0);
                        sys3(__NR_close, listener, 0, 0);
                        if (q < 0) {
                                report(sync, "send the seccomp fd to the listener for ", path, q);
                                sys3(__NR_exit_group, 127, 0, 0);
                        }
                }
        }
        r = sys3(__NR_execve, (long)path, (long)(argv + 9), (long)envp);
        report(sync, "exec ", path, r);
        sys3(__NR_exit_group, 127, 0, 0);
        __builtin_unreachable();
}

__asm__(".text\n.global _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall zone_exec_main\n");
