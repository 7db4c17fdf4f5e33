/* The init of bench/vm.sh's floor: a guest that ends the moment its kernel hands over.
 * reboot=t on the kernel command line and QEMU's -no-reboot make a reboot end QEMU, as the
 * zone's agent does; the floor so times QEMU and the kernel's boot alone. No libc: the
 * program is its one system call, and a few hundred bytes in the initramfs. */
#include <linux/reboot.h>
#include <sys/syscall.h>

void _start(void)
{
        long ret;
        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "0"((long)SYS_reboot), "D"((long)LINUX_REBOOT_MAGIC1),
                           "S"((long)LINUX_REBOOT_MAGIC2), "d"((long)LINUX_REBOOT_CMD_RESTART)
                         : "rcx", "r11", "memory");
        /* Only a failed reboot gets here: hlt faults in user mode, init dies, the kernel
         * panics and panic=-1 ends QEMU all the same. */
        for (;;)
                __asm__ volatile("hlt");
}
