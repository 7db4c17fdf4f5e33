/* x32-call: makes one x32 system call and exits with its errno (0 when it succeeded).
 *
 * usage: x32-call NR
 * The call is NR with __X32_SYSCALL_BIT through the 64-bit `syscall` instruction, arguments
 * zero. Built -static -nostdlib: no libc, so no x32 runtime is needed and nothing but the call
 * under test and exit_group runs after execve. */

#define X32_SYSCALL_BIT 0x40000000L
#define NR_EXIT_GROUP   231

static long raw_syscall(long nr)
{
        long ret;
        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(0L), "S"(0L), "d"(0L)
                         : "rcx", "r11", "memory");
        return ret;
}

static __attribute__((noreturn)) void exit_group(long code)
{
        __asm__ volatile("syscall" : : "a"(NR_EXIT_GROUP), "D"(code) : "rcx", "r11", "memory");
        __builtin_unreachable();
}

static long parse(const char *s)
{
        long v = 0;
        if (!s || !*s)
                return -1;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -1;
                v = v * 10 + (*s - '0');
        }
        return v;
}

/* sp points at argc, then argv[]. */
__attribute__((used)) static void start_c(long *sp)
{
        long argc = sp[0];
        char **argv = (char **)(sp + 1);
        long nr = argc == 2 ? parse(argv[1]) : -1;
        if (nr < 0)
                exit_group(254);
        long r = raw_syscall(nr | X32_SYSCALL_BIT);
        exit_group(r < 0 && r > -4096 ? -r : 0);
}

__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "        xor %rbp, %rbp\n"
        "        mov %rsp, %rdi\n"
        "        and $-16, %rsp\n"
        "        call start_c\n"
        "        hlt\n");
