/* An exec'd process's host-side relay (exec_relay.h). */
#include "exec_relay.h"

#include <errno.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../err.h"
#include "../light/console.h"
#include "../util.h"
#include "control.h"
#include "proto.h"
#include "tty.h"

int vm_exec_start(int dirfd, const char *config, size_t len, int *ret_conn, struct zone_err **err)
{
        _cleanup_close_ int fd = -1;
        int r = vm_ctl_connect(dirfd, "exec", &fd, err);
        if (r < 0)
                return r;
        r = vm_frame_send(fd, VM_MSG_EXEC, 0, config, len);
        if (r < 0)
                return zone_err_sys(err, r, "exec: send the process to the zone's supervisor");
        _cleanup_free_ char *msg = NULL;
        uint32_t type;
        size_t n;
        r = vm_frame_recv(fd, 64u << 10, &type, NULL, &msg, &n);
        if (r < 0)
                return zone_err_sys(err, r == -EPIPE ? -ESRCH : r,
                                    "exec: the zone ended before the process started");
        if (type == VM_MSG_ERROR)
                return zone_err_set(err, -EIO, "exec: %s", msg);
        if (type != VM_MSG_EXECED)
                return zone_err_set(err, -EPROTO, "exec: unexpected %s from the supervisor",
                                    vm_msg_name(type));
        *ret_conn = steal_fd(&fd);
        return 0;
}

void vm_exec_relay_main(int conn, int tty)
{
        if (tty >= 0) {
                /* Size changes of the terminal come as SIGWINCH, its master's end as SIGHUP. */
                _cleanup_err_ struct zone_err *err = NULL;
                if (light_console_attach(tty, &err) < 0) {
                        dprintf(STDERR_FILENO, "zone: exec: %s\n", err->msg);
                        _exit(255);
                }
        }
        /* Only stdio and the connection stay: the caller's lock on the zone's state must
         * not live on in here. */
        if (dup2(conn, 3) < 0)
                _exit(255);
        conn = 3;
        syscall(SYS_close_range, 4u, ~0u, 0u);
        signal(SIGPIPE, SIG_IGN);
        signal(SIGTTIN, SIG_IGN);
        sigset_t set;
        sigfillset(&set);
        static const int pass[] = {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS,  SIGILL,
                                   SIGFPE,  SIGPIPE, SIGTTIN, SIGTTOU, SIGTSTP};
        for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
                sigdelset(&set, pass[i]);
        sigprocmask(SIG_BLOCK, &set, NULL);
        int sfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (sfd < 0)
                _exit(255);

        /* What it was resized to between the EXEC and now. */
        if (tty >= 0)
                vm_tty_send_size(conn, 0, STDIN_FILENO);
        bool in_open = true;
        size_t unacked = 0;
        for (;;) {
                struct pollfd p[3] = {
                    {.fd = conn, .events = POLLIN}, {.fd = sfd, .events = POLLIN}, {.fd = -1}};
                if (in_open && unacked < VM_STDIN_WINDOW)
                        p[2] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        _exit(255);
                }
                if (p[1].revents) {
                        struct signalfd_siginfo si;
                        bool got = read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si);
                        if (got && si.ssi_signo == SIGWINCH && tty >= 0) {
                                vm_tty_send_size(conn, 0, STDIN_FILENO);
                        } else if (got && si.ssi_signo != SIGCHLD) {
                                uint32_t sig = si.ssi_signo;
                                vm_frame_send(conn, VM_MSG_SIGNAL, 0, &sig, sizeof(sig));
                        }
                }
                if (p[2].revents) {
                        char buf[65536];
                        size_t room = VM_STDIN_WINDOW - unacked;
                        ssize_t n =
                            read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
                        if (n > 0) {
                                unacked += (size_t)n;
                                vm_frame_send(conn, VM_MSG_STDIN, 0, buf, (size_t)n);
                        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                                in_open = false;
                                vm_frame_send(conn, VM_MSG_STDIN, 0, NULL, 0);
                        }
                }
                if (!p[0].revents)
                        continue;
                _cleanup_free_ char *data = NULL;
                uint32_t type;
                size_t len;
                if (vm_frame_recv(conn, VM_FRAME_MAX, &type, NULL, &data, &len) < 0)
                        /* The supervisor is gone, so is the VM, and with it the process: as
                         * a light zone's exec'd process dies with the zone. */
                        _exit(128 + SIGKILL);
                switch (type) {
                case VM_MSG_STDOUT:
                        write_full(STDOUT_FILENO, data, len);
                        break;
                case VM_MSG_STDERR:
                        write_full(STDERR_FILENO, data, len);
                        break;
                case VM_MSG_STDIN_ACK: {
                        uint32_t k = 0;
                        if (len == sizeof(k))
                                memcpy(&k, data, sizeof(k));
                        unacked -= k < unacked ? k : unacked;
                        break;
                }
                case VM_MSG_EXIT: {
                        int32_t status = 255;
                        if (len == sizeof(status))
                                memcpy(&status, data, sizeof(status));
                        _exit(status & 0xff);
                }
                case VM_MSG_ERROR:
                        dprintf(STDERR_FILENO, "zone: exec: %s\n", data);
                        _exit(255);
                default:
                        break;
                }
        }
}
