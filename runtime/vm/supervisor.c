/* The host-side supervisor of a vm or emulated zone (supervisor.h). One poll loop over the
 * agent's stream, a signalfd (signals to forward, QEMU's exit), the creator's control socket
 * and the start fifo. Its messages go to its stderr, which is the zone's: by then no runtime
 * invocation is there to report them. */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../err.h"
#include "../light/console.h"
#include "../util.h"
#include "confine.h"
#include "net.h"
#include "proto.h"
#include "qmp.h"
#include "tty.h"
#include "share.h"

/* Boot to the agent's READY; TCG boots take 2-4 s here, a loaded host many times that. */
#define BOOT_TIMEOUT_MS 120000

/* How long QEMU may take to answer a pause or resume. */
#define QMP_TIMEOUT_MS 10000

/* Exec relays connected at once; more wait in the listen queue. */
#define MAX_CLIENTS 64

/* An exec's relay (exec_relay.c), connected to the control socket. */
struct client {
        int fd;
        uint32_t stream; /* its process's stream on the agent's channel */
};

struct sup {
        const struct vm_supervisor *s;
        int ctl;
        int fifo;
        pid_t qemu;
        int sfd;
        struct client clients[MAX_CLIENTS];
        size_t n_clients;
        uint32_t next_stream;
        struct vm_qmp qmp;
        int64_t qemu_started_ms; /* the boot's milestones are logged from here */
        bool tty;                /* our stdio is the host pty's slave (process.terminal) */
        bool in_open;            /* our stdin still relayed to the zone's process */
        size_t in_unacked;       /* of it, bytes the agent has not written to the process yet */
};

static void closefrom_except(const int *keep, size_t n)
{
        for (int fd = 3; fd < 1024; fd++) {
                bool k = false;
                for (size_t i = 0; i < n; i++)
                        k |= keep[i] == fd;
                if (!k)
                        close(fd);
        }
}

static void stop_qemu(struct sup *u)
{
        if (u->qemu > 0) {
                kill(u->qemu, SIGKILL);
                waitpid(u->qemu, NULL, 0);
                u->qemu = 0;
        }
}

/* The last line QEMU wrote to its log, for an error message. */
static void qemu_log_tail(const struct sup *u, char *buf, size_t size)
{
        buf[0] = 0;
        char data[4096];
        ssize_t n = pread(u->s->qemu_log_fd, data, sizeof(data) - 1, 0);
        if (n <= 0)
                return;
        data[n] = 0;
        while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
                data[--n] = 0;
        char *line = strrchr(data, '\n');
        snprintf(buf, size, ": %.500s", line ? line + 1 : data);
}

static __attribute__((noreturn, format(printf, 2, 3))) void fail(struct sup *u, const char *fmt,
                                                                 ...)
{
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        stop_qemu(u);
        /* The creator reports it as its error; after that only stderr is left. */
        if (u->ctl < 0 || vm_frame_send(u->ctl, VM_MSG_ERROR, 0, msg, strlen(msg)) < 0)
                dprintf(STDERR_FILENO, "zone: %s\n", msg);
        _exit(255);
}

static pid_t spawn_qemu(struct sup *u)
{
        const struct vm_supervisor *s = u->s;
        pid_t pid = vm_confine_fork(s->qemu_argv, s->share, s->qemu_log_fd);
        if (pid != 0)
                return pid;
        /* QEMU dies with its supervisor: a SIGKILLed zone takes its VM with it. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                _exit(127);
        /* Above the numbers they take in QEMU first, so no dup2 closes another: the agent's
         * socket goes to 3, the monitor's to 4, the taps to 5, 6, ... */
        int taps[VM_NET_MAX_LINKS];
        size_t n_taps = s->n_tap_fds < VM_NET_MAX_LINKS ? s->n_tap_fds : VM_NET_MAX_LINKS;
        for (size_t i = 0; i < n_taps; i++)
                if ((taps[i] = fcntl(s->tap_fds[i], F_DUPFD_CLOEXEC, 64)) < 0)
                        _exit(127);
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        int agent = fcntl(s->qemu_agent_fd, F_DUPFD_CLOEXEC, 10);
        int qmp = fcntl(s->qemu_qmp_fd, F_DUPFD_CLOEXEC, 10);
        if (devnull < 0 || agent < 0 || qmp < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 ||
            dup2(s->qemu_log_fd, 2) < 0 || dup2(agent, 3) < 0 || dup2(qmp, 4) < 0)
                _exit(127);
        int keep[2 + VM_NET_MAX_LINKS] = {3, 4};
        for (size_t i = 0; i < n_taps; i++) {
                keep[2 + i] = 5 + (int)i;
                if (dup2(taps[i], keep[2 + i]) < 0)
                        _exit(127);
        }
        closefrom_except(keep, 2 + n_taps);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        execvp(s->qemu_argv[0], s->qemu_argv);
        dprintf(2, "exec %s: %s\n", s->qemu_argv[0], strerror(errno));
        _exit(127);
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A debug line for the runtime's --log: what happened, and when since QEMU started. */
static void milestone(const struct sup *u, const char *what)
{
        zone_debug(&u->s->log, "vm: %lld ms after QEMU's start: %s",
                   (long long)(now_ms() - u->qemu_started_ms), what);
}

enum phase { BOOTING, CONFIGURED, WAITING_START, STARTING, RUNNING };

/* QEMU ended (SIGCHLD): never a normal end, the agent's EXIT comes first. */
static void reap(struct sup *u)
{
        int status;
        pid_t p;
        while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
                if (p != u->qemu)
                        continue;
                u->qemu = 0;
                char tail[600];
                qemu_log_tail(u, tail, sizeof(tail));
                if (WIFSIGNALED(status))
                        fail(u, "QEMU was killed by signal %d before the zone's process ended",
                             WTERMSIG(status));
                fail(u, "QEMU exited with status %d before the zone's process ended%s",
                     WEXITSTATUS(status), tail);
        }
}

static void started(struct sup *u, bool ok, const char *msg)
{
        if (u->s->run_now && u->ctl >= 0) {
                int r = ok ? vm_frame_send(u->ctl, VM_MSG_STARTED, 0, NULL, 0)
                           : vm_frame_send(u->ctl, VM_MSG_ERROR, 0, msg, strlen(msg));
                (void)r;
        } else if (!ok)
                dprintf(STDERR_FILENO, "zone: %s\n", msg);
        closep(&u->ctl);
        /* start waits for the fifo's read end to close. */
        closep(&u->fifo);
}

static void send_agent(struct sup *u, uint32_t type, uint32_t stream, const void *data, size_t len)
{
        int r = vm_frame_send(u->s->agent_fd, type, stream, data, len);
        if (r < 0 && r != -EPIPE)
                fail(u, "write to the guest agent: %s", strerror(-r));
        /* EPIPE: the VM is ending; reading the agent's stream says how. */
}

/* The host pty's size, for the zone's process's terminal in the guest. */
static void send_size(struct sup *u)
{
        int r = vm_tty_send_size(u->s->agent_fd, 0, STDIN_FILENO);
        if (r < 0 && r != -EPIPE)
                fail(u, "send the terminal's size to the guest agent: %s", strerror(-r));
}

static void drop_client(struct sup *u, size_t i, bool kill_process)
{
        if (kill_process) {
                /* Its relay is gone (killed, or its caller with it): so is the process. */
                uint32_t sig = SIGKILL;
                send_agent(u, VM_MSG_SIGNAL, u->clients[i].stream, &sig, sizeof(sig));
        }
        close(u->clients[i].fd);
        u->clients[i] = u->clients[--u->n_clients];
}

static void accept_client(struct sup *u, int lfd)
{
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
                return;
        if (u->n_clients == MAX_CLIENTS) {
                const char *msg = "too many execs in this zone at once";
                vm_frame_send(fd, VM_MSG_ERROR, 0, msg, strlen(msg));
                close(fd);
                return;
        }
        u->clients[u->n_clients++] = (struct client){.fd = fd, .stream = u->next_stream++};
}

/* A frame from relay i: EXEC, STDIN and SIGNAL go to the agent on the relay's stream. */
static void client_frame(struct sup *u, size_t i, enum phase phase)
{
        _cleanup_free_ char *data = NULL;
        uint32_t type;
        size_t len;
        if (vm_frame_recv(u->clients[i].fd, VM_FRAME_MAX, &type, NULL, &data, &len) < 0 ||
            (type != VM_MSG_EXEC && type != VM_MSG_STDIN && type != VM_MSG_SIGNAL &&
             type != VM_MSG_PAUSE && type != VM_MSG_RESUME && type != VM_MSG_RESIZE)) {
                drop_client(u, i, true);
                return;
        }
        if (type == VM_MSG_PAUSE || type == VM_MSG_RESUME) {
                /* The guest's vCPUs stop (or go on); QEMU, and this loop, run on. */
                char msg[512] = "the zone is not created yet";
                int r = phase < WAITING_START
                            ? -EBUSY
                            : vm_qmp_run(&u->qmp, type == VM_MSG_PAUSE ? "stop" : "cont",
                                         QMP_TIMEOUT_MS, msg, sizeof(msg));
                if (r < 0)
                        vm_frame_send(u->clients[i].fd, VM_MSG_ERROR, 0, msg, strlen(msg));
                else
                        vm_frame_send(u->clients[i].fd, type, 0, NULL, 0);
                drop_client(u, i, false);
                return;
        }
        if (type == VM_MSG_EXEC && phase < WAITING_START) {
                const char *msg = "the zone is not created yet";
                vm_frame_send(u->clients[i].fd, VM_MSG_ERROR, 0, msg, strlen(msg));
                drop_client(u, i, false);
                return;
        }
        send_agent(u, type, u->clients[i].stream, data, len);
}

/* A frame from the agent about exec'd process `stream`, for its relay. */
static void to_client(struct sup *u, uint32_t type, uint32_t stream, const char *data, size_t len)
{
        for (size_t i = 0; i < u->n_clients; i++) {
                if (u->clients[i].stream != stream)
                        continue;
                bool last = type == VM_MSG_EXIT || type == VM_MSG_ERROR;
                if (vm_frame_send(u->clients[i].fd, type, 0, data, len) < 0)
                        drop_client(u, i, !last);
                else if (last)
                        drop_client(u, i, false);
                return;
        }
        /* No relay (it went away): the process was killed, nothing to tell. */
}

/* Our stdin, for the zone's process: a window's worth at most in flight. */
static void relay_stdin(struct sup *u)
{
        char buf[65536];
        size_t room = VM_STDIN_WINDOW - u->in_unacked;
        ssize_t n = read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (n <= 0) {
                /* End of input (or none to read): the process's stdin closes. */
                u->in_open = false;
                send_agent(u, VM_MSG_STDIN, 0, NULL, 0);
                return;
        }
        u->in_unacked += (size_t)n;
        send_agent(u, VM_MSG_STDIN, 0, buf, (size_t)n);
}

void vm_supervisor_main(const struct vm_supervisor *s)
{
        struct sup u = {.s = s,
                        .ctl = s->ctl_fd,
                        .fifo = s->fifo_fd,
                        .qemu = 0,
                        .sfd = -1,
                        .next_stream = 1,
                        .qmp = {.fd = s->qmp_fd},
                        .in_open = true};
        signal(SIGPIPE, SIG_IGN);
        /* Reading a terminal we no longer own gives EIO (end of input), never a stop. */
        signal(SIGTTIN, SIG_IGN);
        sigset_t set;
        sigfillset(&set);
        sigdelset(&set, SIGKILL);
        sigdelset(&set, SIGSTOP);
        sigdelset(&set, SIGSEGV);
        sigdelset(&set, SIGBUS);
        sigdelset(&set, SIGILL);
        sigdelset(&set, SIGFPE);
        sigdelset(&set, SIGPIPE);
        sigdelset(&set, SIGTTIN);
        sigdelset(&set, SIGTTOU);
        sigdelset(&set, SIGTSTP);
        sigprocmask(SIG_BLOCK, &set, NULL);
        u.sfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (u.sfd < 0)
                fail(&u, "signalfd: %s", strerror(errno));
        if (s->tty_fd >= 0) {
                /* The host pty becomes our stdio and controlling terminal: its size changes
                 * come as SIGWINCH, the closing of its master as SIGHUP. */
                _cleanup_err_ struct zone_err *err = NULL;
                if (light_console_attach(s->tty_fd, &err) < 0)
                        fail(&u, "the zone's terminal: %s", err->msg);
                u.tty = true;
        }
        /* Nothing of the creator stays open here, its state lock least of all. */
        size_t n_share = s->share ? s->share->n : 0;
        int keep[10 + VM_NET_MAX_LINKS + n_share];
        size_t n_keep = 0;
        for (size_t i = 0; i < n_share; i++)
                keep[n_keep++] = s->share->entries[i].tree;
        for (size_t i = 0; i < s->n_tap_fds && i < VM_NET_MAX_LINKS; i++)
                keep[n_keep++] = s->tap_fds[i];
        int own[] = {s->agent_fd, s->qemu_agent_fd, s->qmp_fd, s->qemu_qmp_fd, s->qemu_log_fd,
                     u.ctl,       u.fifo,           u.sfd,     s->listen_fd,   s->log.fd};
        for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
                keep[n_keep++] = own[i];
        closefrom_except(keep, n_keep);

        char go;
        if (read_full(u.ctl, &go, 1) < 0 || go != VM_CTL_GO)
                _exit(255); /* the creator gave up: nothing started yet */
        u.qemu_started_ms = now_ms();
        u.qemu = spawn_qemu(&u);
        if (u.qemu < 0)
                fail(&u, "fork QEMU: %s", strerror(errno));
        close(s->qemu_agent_fd);
        close(s->qemu_qmp_fd);
        /* QEMU has its copies of the sources: the supervisor keeps none. */
        if (s->share)
                vm_share_close(s->share);
        /* QEMU holds the taps now: they go when it does. */
        for (size_t i = 0; i < s->n_tap_fds; i++)
                close(s->tap_fds[i]);

        enum phase phase = BOOTING;
        int64_t deadline = now_ms() + BOOT_TIMEOUT_MS;
        enum { P_AGENT, P_SIG, P_CTL, P_FIFO, P_LISTEN, P_STDIN, P_CLIENTS };
        for (;;) {
                struct pollfd p[P_CLIENTS + MAX_CLIENTS] = {
                    [P_AGENT] = {.fd = s->agent_fd, .events = POLLIN},
                    [P_SIG] = {.fd = u.sfd, .events = POLLIN},
                    [P_CTL] = {.fd = -1},
                    [P_FIFO] = {.fd = -1},
                    [P_LISTEN] = {.fd = -1},
                    [P_STDIN] = {.fd = -1}};
                if (phase == WAITING_START && s->run_now)
                        p[P_CTL] = (struct pollfd){.fd = u.ctl, .events = POLLIN};
                if (phase == WAITING_START && !s->run_now)
                        p[P_FIFO] = (struct pollfd){.fd = u.fifo, .events = POLLIN};
                if (phase >= WAITING_START) {
                        p[P_LISTEN] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
                        if (u.in_open && u.in_unacked < VM_STDIN_WINDOW)
                                p[P_STDIN] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
                }
                size_t n_clients = u.n_clients;
                for (size_t i = 0; i < n_clients; i++)
                        p[P_CLIENTS + i] = (struct pollfd){.fd = u.clients[i].fd, .events = POLLIN};
                int timeout = -1;
                if (phase < WAITING_START) {
                        int64_t left = deadline - now_ms();
                        if (left <= 0)
                                fail(&u, "the guest agent did not report in %d s",
                                     BOOT_TIMEOUT_MS / 1000);
                        timeout = (int)left;
                }
                int n = poll(p, P_CLIENTS + n_clients, timeout);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        fail(&u, "poll: %s", strerror(errno));
                if (p[P_SIG].revents) {
                        struct signalfd_siginfo si;
                        if (read(u.sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                                if (si.ssi_signo == SIGCHLD) {
                                        reap(&u);
                                } else if (si.ssi_signo == SIGWINCH && u.tty) {
                                        /* Before READY the agent takes only CONFIG; READY
                                         * sends the size as it is then. */
                                        if (phase >= WAITING_START)
                                                send_size(&u);
                                } else {
                                        uint32_t sig = si.ssi_signo;
                                        send_agent(&u, VM_MSG_SIGNAL, 0, &sig, sizeof(sig));
                                }
                        }
                }
                if (p[P_CTL].revents) {
                        _cleanup_free_ char *data = NULL;
                        uint32_t type;
                        size_t len;
                        if (vm_frame_recv(u.ctl, 0, &type, NULL, &data, &len) < 0 ||
                            type != VM_MSG_START)
                                fail(&u, "the runtime went away before starting the zone");
                        send_agent(&u, VM_MSG_START, 0, NULL, 0);
                        phase = STARTING;
                }
                if (p[P_FIFO].revents) {
                        char c;
                        if (read(u.fifo, &c, 1) == 1) {
                                send_agent(&u, VM_MSG_START, 0, NULL, 0);
                                phase = STARTING;
                        }
                }
                if (p[P_STDIN].revents)
                        relay_stdin(&u);
                /* Backwards: dropping a client moves the last one into its place. */
                for (size_t i = n_clients; i-- > 0;)
                        if (p[P_CLIENTS + i].revents)
                                client_frame(&u, i, phase);
                if (p[P_LISTEN].revents)
                        accept_client(&u, s->listen_fd);
                if (!p[P_AGENT].revents)
                        continue;
                _cleanup_free_ char *data = NULL;
                uint32_t type, stream;
                size_t len;
                int r = vm_frame_recv(s->agent_fd, VM_FRAME_MAX, &type, &stream, &data, &len);
                if (r == -EPIPE) {
                        /* QEMU closed the stream: its exit (SIGCHLD) says why. */
                        waitpid(u.qemu, NULL, 0);
                        u.qemu = 0;
                        char tail[600];
                        qemu_log_tail(&u, tail, sizeof(tail));
                        fail(&u, "the VM ended before the zone's process did%s", tail);
                }
                if (r < 0)
                        fail(&u, "read from the guest agent: %s", strerror(-r));
                if (stream != 0) {
                        to_client(&u, type, stream, data, len);
                        continue;
                }
                switch (type) {
                case VM_MSG_HELLO: {
                        uint32_t version = 0;
                        if (phase != BOOTING || len != sizeof(version))
                                fail(&u, "guest agent: unexpected HELLO");
                        memcpy(&version, data, sizeof(version));
                        if (version != VM_PROTO_VERSION)
                                fail(&u,
                                     "the guest agent speaks protocol version %u, this runtime %u: "
                                     "rebuild the guest's initramfs",
                                     version, VM_PROTO_VERSION);
                        if (vm_frame_send(s->agent_fd, VM_MSG_CONFIG, 0, s->config, s->config_len) <
                            0)
                                fail(&u, "send the config to the guest agent");
                        milestone(&u, "the guest agent said HELLO (guest kernel booted)");
                        phase = CONFIGURED;
                        break;
                }
                case VM_MSG_READY:
                        if (phase != CONFIGURED)
                                fail(&u, "guest agent: unexpected READY");
                        if (vm_frame_send(u.ctl, VM_MSG_READY, 0, NULL, 0) < 0)
                                fail(&u, "the runtime went away while creating the zone");
                        milestone(&u, "READY (the zone is created in the guest)");
                        if (!s->run_now)
                                closep(&u.ctl);
                        phase = WAITING_START;
                        if (u.tty)
                                send_size(&u);
                        break;
                case VM_MSG_STARTED:
                        milestone(&u, "STARTED (the agent exec'd the zone's process)");
                        started(&u, true, NULL);
                        phase = RUNNING;
                        break;
                case VM_MSG_ERROR:
                        if (phase == STARTING) {
                                started(&u, false, data);
                                stop_qemu(&u);
                                _exit(127);
                        }
                        fail(&u, "%s", data);
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
                        u.in_unacked -= k < u.in_unacked ? k : u.in_unacked;
                        break;
                }
                case VM_MSG_EXIT: {
                        int32_t status = 255;
                        if (len == sizeof(status))
                                memcpy(&status, data, sizeof(status));
                        if (phase == STARTING)
                                started(&u, true, NULL);
                        /* The agent removed the zone in the guest and 9p wrote through: the
                         * guest's own power-off would only add time. Exec relays see their
                         * connection end. */
                        stop_qemu(&u);
                        _exit(status & 0xff);
                }
                default:
                        fail(&u, "guest agent: unexpected message %s (%u)", vm_msg_name(type),
                             type);
                }
        }
}
