/* runbench: run a command once, report its wall time and the peak RSS of the process.
 *
 * usage: runbench COMMAND [ARGS...]
 * Prints "ms=<wall ms> rss_kib=<ru_maxrss> status=<exit status>" on stderr's last line. The
 * command's own output goes to /dev/null so terminal speed does not enter the measurement. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        if (argc < 2) {
                fprintf(stderr, "usage: runbench COMMAND [ARGS...]\n");
                return 2;
        }
        struct timespec t0, t1;
        if (clock_gettime(CLOCK_MONOTONIC, &t0) < 0) {
                perror("runbench: clock_gettime");
                return 1;
        }
        pid_t pid = fork();
        if (pid < 0) {
                perror("runbench: fork");
                return 1;
        }
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR);
                if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0) {
                        perror("runbench: /dev/null");
                        _exit(127);
                }
                execvp(argv[1], argv + 1);
                fprintf(stderr, "runbench: exec %s: %s\n", argv[1], strerror(errno));
                _exit(127);
        }
        int status;
        struct rusage ru;
        /* wait4 gives the rusage of exactly this child: its own peak RSS, not its children's. */
        while (wait4(pid, &status, 0, &ru) < 0) {
                if (errno != EINTR) {
                        perror("runbench: wait4");
                        return 1;
                }
        }
        if (clock_gettime(CLOCK_MONOTONIC, &t1) < 0) {
                perror("runbench: clock_gettime");
                return 1;
        }
        double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        fprintf(stderr, "ms=%.3f rss_kib=%ld status=%d\n", ms, ru.ru_maxrss, code);
        return 0;
}
