/* What a program in a zone learns about its machine from the C library and sysinfo(2), for the
 * kernel tests: `onln N` (sysconf(_SC_NPROCESSORS_ONLN): glibc counts the online CPUs in sysfs,
 * then /proc/stat), `ram KB` and `free KB` (sysinfo's totalram and freeram), `uptime S`. */
#include <stdio.h>
#include <sys/sysinfo.h>
#include <unistd.h>

int main(void)
{
        struct sysinfo si;
        if (sysinfo(&si) != 0) {
                perror("probe: sysinfo");
                return 1;
        }
        unsigned long long unit = si.mem_unit ? si.mem_unit : 1;
        printf("onln %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
        printf("ram %llu\n", si.totalram * unit / 1024);
        printf("free %llu\n", si.freeram * unit / 1024);
        printf("uptime %ld\n", si.uptime);
        return 0;
}
