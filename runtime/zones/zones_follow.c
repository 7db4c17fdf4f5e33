/* Following a running zone: its output pipe to the log, its orphans reaped, a stop request
 * (SIGTERM, SIGINT, SIGHUP) passed to its init as SIGTERM, until the init exits. libc only,
 * no libzone, and only the calls cli/zone-monitor/nolibc.c provides: zone-monitor-follow
 * (static, no libc) and zone-monitor (libzone-admin.a, when there is no follower to exec)
 * both follow a zone with it. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zones/zones.h"

int zones_follow_signals(sigset_t *old)
{
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGCHLD);
        sigprocmask(SIG_BLOCK, &set, old);
        return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

void zones_follow_reap_others(pid_t init)
{
        for (;;) {
                siginfo_t si;
                memset(&si, 0, sizeof(si));
                if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0 ||
                    si.si_pid == init)
                        return;
                waitpid(si.si_pid, NULL, 0);
        }
}

void zones_follow_drain(struct zones_log_writer *log, int fd)
{
        char buf[8192];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                zones_log_write(log, buf, (size_t)n);
}

int zones_follow(struct zones_log_writer *log, int out, int pidfd, pid_t pid, int sfd, bool *stop)
{
        bool out_open = true;
        int status = 0;
        for (;;) {
                struct pollfd p[3] = {
                    {.fd = pidfd, .events = POLLIN},
                    {.fd = out_open ? out : -1, .events = POLLIN},
                    {.fd = sfd, .events = POLLIN},
                };
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[1].revents) {
                        char buf[8192];
                        ssize_t n = read(out, buf, sizeof(buf));
                        if (n > 0)
                                zones_log_write(log, buf, (size_t)n);
                        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                                out_open = false;
                }
                if (p[2].revents) {
                        struct signalfd_siginfo si;
                        /* Asked to stop (SIGTERM, SIGINT, SIGHUP): the zone first. */
                        while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                                if (si.ssi_signo == SIGCHLD) {
                                        zones_follow_reap_others(pid);
                                        continue;
                                }
                                *stop = true;
                                syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
                        }
                }
                if (p[0].revents) {
                        siginfo_t info;
                        memset(&info, 0, sizeof(info));
                        if (waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED) == 0)
                                status = info.si_code == CLD_EXITED ? info.si_status
                                                                    : 128 + info.si_status;
                        break;
                }
        }
        return status;
}
