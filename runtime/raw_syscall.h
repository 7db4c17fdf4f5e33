/* Raw x86_64 system calls, for the programs that link no libc at all: zone-exec
 * (runtime/light/trampoline/), zone-monitor-follow (cli/zone-monitor/nolibc.c) and the tests'
 * zone-attack-ld (tests/integration/helpers/). They return what the kernel does: a result, or
 * -errno. Includes nothing, so that each can use it (zone-exec is built without libc's
 * headers). */
#ifndef ZONE_RAW_SYSCALL_H
#define ZONE_RAW_SYSCALL_H

#if !defined(__x86_64__)
#error "raw_syscall.h: only x86_64 system calls are written here"
#endif

static inline long sys3(long n, long a, long b, long c)
{
        long r;
        __asm__ volatile("syscall"
                         : "=a"(r)
                         : "a"(n), "D"(a), "S"(b), "d"(c)
                         : "rcx", "r11", "memory");
        return r;
}

static inline long sys6(long n, long a, long b, long c, long d, long e, long f)
{
        long r;
        register long r10 __asm__("r10") = d;
        register long r8 __asm__("r8") = e;
        register long r9 __asm__("r9") = f;
        __asm__ volatile("syscall"
                         : "=a"(r)
                         : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                         : "rcx", "r11", "memory");
        return r;
}

#endif
