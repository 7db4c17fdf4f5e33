/* The runtime as the zone's foreground parent: one poll loop over a signalfd (signals to
 * forward), a pidfd (exit), and, with a terminal, stdin and the pty master. */
#include "supervise.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

static void forwarded_set(sigset_t *set)
{
        sigfillset(set);
        /* Signals that belong to the runtime itself or cannot be caught. */
        sigdelset(set, SIGKILL);
        sigdelset(set, SIGSTOP);
        sigdelset(set, SIGSEGV);
        sigdelset(set, SIGBUS);
        sigdelset(set, SIGILL);
        sigdelset(set, SIGFPE);
        sigdelset(set, SIGCHLD);
        sigdelset(set, SIGTTIN);
        sigdelset(set, SIGTTOU);
        sigdelset(set, SIGTSTP);
}

void zone_supervise_block_signals(sigset_t *old)
{
        sigset_t set;
        forwarded_set(&set);
        sigprocmask(SIG_BLOCK, &set, old);
}

/* Copies what is readable from `from` to `to`: > 0 bytes copied, 0 at end of input (or a
 * broken output), -1 when nothing is there yet. */
static ssize_t pump(int from, int to)
{
        char buf[8192];
        ssize_t n = read(from, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return -1;
        if (n <= 0)
                return 0;
        return write_full(to, buf, (size_t)n) == 0 ? n : 0;
}

static void copy_winsize(int from, int to)
{
        struct winsize ws;
        if (ioctl(from, TIOCGWINSZ, &ws) == 0)
                ioctl(to, TIOCSWINSZ, &ws);
}

int zone_supervise(pid_t pid, int tty_master, int *ret_status, struct zone_err **err)
{
        sigset_t set;
        forwarded_set(&set);
        sigprocmask(SIG_BLOCK, &set, NULL);
        _cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0)
                return zone_err_sys(err, -errno, "signalfd");
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
                return zone_err_sys(err, -errno, "open process %d", (int)pid);

        struct termios saved;
        bool raw = false;
        if (tty_master >= 0 && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
                struct termios t = saved;
                cfmakeraw(&t);
                raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
                copy_winsize(STDIN_FILENO, tty_master);
        }
        bool in_open = tty_master >= 0, out_open = tty_master >= 0;
        /* Non-blocking, so draining after exit stops when a leftover process keeps the pty. */
        if (tty_master >= 0)
                fcntl(tty_master, F_SETFL, fcntl(tty_master, F_GETFL) | O_NONBLOCK);
        int status = 0;
        for (;;) {
                struct pollfd p[4] = {
                    {.fd = sfd, .events = POLLIN},
                    {.fd = pidfd, .events = POLLIN},
                    {.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN},
                    {.fd = out_open ? tty_master : -1, .events = POLLIN},
                };
                if (poll(p, 4, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        status = zone_err_sys(err, -errno, "poll");
                        break;
                }
                if (p[3].revents && pump(tty_master, STDOUT_FILENO) == 0)
                        out_open = false;
                if (p[2].revents && pump(STDIN_FILENO, tty_master) == 0)
                        in_open = false;
                if (p[0].revents) {
                        struct signalfd_siginfo si;
                        while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                                if (si.ssi_signo == SIGWINCH && tty_master >= 0)
                                        copy_winsize(STDIN_FILENO, tty_master);
                                else
                                        syscall(SYS_pidfd_send_signal, pidfd, si.ssi_signo, NULL,
                                                0);
                        }
                }
                if (p[1].revents) {
                        /* Drain what the zone wrote before it went. */
                        while (out_open && pump(tty_master, STDOUT_FILENO) > 0)
                                ;
                        siginfo_t info;
                        memset(&info, 0, sizeof(info));
                        if (waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED) < 0) {
                                status = zone_err_sys(err, -errno, "wait for process %d", (int)pid);
                                break;
                        }
                        *ret_status =
                            info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
                        break;
                }
        }
        if (raw)
                tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        return status < 0 ? status : 0;
}
