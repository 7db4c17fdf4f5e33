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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util.h"
#include "confine.h"
#include "proto.h"

/* Boot to the agent's READY; TCG boots take 2-4 s here, a loaded host many times that. */
#define BOOT_TIMEOUT_MS 120000

struct sup {
        const struct vm_supervisor *s;
        int ctl;
        int fifo;
        pid_t qemu;
        int sfd;
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
        if (u->ctl < 0 || vm_frame_send(u->ctl, VM_MSG_ERROR, msg, strlen(msg)) < 0)
                dprintf(STDERR_FILENO, "zone: %s\n", msg);
        _exit(255);
}

static pid_t spawn_qemu(struct sup *u)
{
        const struct vm_supervisor *s = u->s;
        pid_t pid = vm_confine_fork(s->qemu_argv, s->qemu_log_fd);
        if (pid != 0)
                return pid;
        /* QEMU dies with its supervisor: a SIGKILLed zone takes its VM with it. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                _exit(127);
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 ||
            dup2(s->qemu_log_fd, 2) < 0 || dup2(s->qemu_agent_fd, 3) < 0)
                _exit(127);
        int keep[] = {3};
        closefrom_except(keep, 1);
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
                int r = ok ? vm_frame_send(u->ctl, VM_MSG_STARTED, NULL, 0)
                           : vm_frame_send(u->ctl, VM_MSG_ERROR, msg, strlen(msg));
                (void)r;
        } else if (!ok)
                dprintf(STDERR_FILENO, "zone: %s\n", msg);
        closep(&u->ctl);
        /* start waits for the fifo's read end to close. */
        closep(&u->fifo);
}

void vm_supervisor_main(const struct vm_supervisor *s)
{
        struct sup u = {.s = s, .ctl = s->ctl_fd, .fifo = s->fifo_fd, .qemu = 0, .sfd = -1};
        signal(SIGPIPE, SIG_IGN);
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
        /* Nothing of the creator stays open here, its state lock least of all. */
        int keep[] = {s->agent_fd, s->qemu_agent_fd, s->qemu_log_fd, u.ctl, u.fifo, u.sfd};
        closefrom_except(keep, sizeof(keep) / sizeof(keep[0]));

        char go;
        if (read_full(u.ctl, &go, 1) < 0 || go != VM_CTL_GO)
                _exit(255); /* the creator gave up: nothing started yet */
        u.qemu = spawn_qemu(&u);
        if (u.qemu < 0)
                fail(&u, "fork QEMU: %s", strerror(errno));
        close(s->qemu_agent_fd);

        enum phase phase = BOOTING;
        int64_t deadline = now_ms() + BOOT_TIMEOUT_MS;
        for (;;) {
                struct pollfd p[4] = {{.fd = s->agent_fd, .events = POLLIN},
                                      {.fd = u.sfd, .events = POLLIN},
                                      {.fd = -1},
                                      {.fd = -1}};
                if (phase == WAITING_START && s->run_now)
                        p[2] = (struct pollfd){.fd = u.ctl, .events = POLLIN};
                if (phase == WAITING_START && !s->run_now)
                        p[3] = (struct pollfd){.fd = u.fifo, .events = POLLIN};
                int timeout = -1;
                if (phase < WAITING_START) {
                        int64_t left = deadline - now_ms();
                        if (left <= 0)
                                fail(&u, "the guest agent did not report in %d s",
                                     BOOT_TIMEOUT_MS / 1000);
                        timeout = (int)left;
                }
                int n = poll(p, 4, timeout);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        fail(&u, "poll: %s", strerror(errno));
                if (p[1].revents) {
                        struct signalfd_siginfo si;
                        if (read(u.sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                                if (si.ssi_signo == SIGCHLD)
                                        reap(&u);
                                else {
                                        uint32_t sig = si.ssi_signo;
                                        vm_frame_send(s->agent_fd, VM_MSG_SIGNAL, &sig,
                                                      sizeof(sig));
                                }
                        }
                }
                if (p[2].revents) {
                        _cleanup_free_ char *data = NULL;
                        uint32_t type;
                        size_t len;
                        if (vm_frame_recv(u.ctl, 0, &type, &data, &len) < 0 || type != VM_MSG_START)
                                fail(&u, "the runtime went away before starting the zone");
                        vm_frame_send(s->agent_fd, VM_MSG_START, NULL, 0);
                        phase = STARTING;
                }
                if (p[3].revents) {
                        char c;
                        if (read(u.fifo, &c, 1) == 1) {
                                vm_frame_send(s->agent_fd, VM_MSG_START, NULL, 0);
                                phase = STARTING;
                        }
                }
                if (!p[0].revents)
                        continue;
                _cleanup_free_ char *data = NULL;
                uint32_t type;
                size_t len;
                int r = vm_frame_recv(s->agent_fd, VM_FRAME_MAX, &type, &data, &len);
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
                        if (vm_frame_send(s->agent_fd, VM_MSG_CONFIG, s->config, s->config_len) < 0)
                                fail(&u, "send the config to the guest agent");
                        phase = CONFIGURED;
                        break;
                }
                case VM_MSG_READY:
                        if (phase != CONFIGURED)
                                fail(&u, "guest agent: unexpected READY");
                        if (vm_frame_send(u.ctl, VM_MSG_READY, NULL, 0) < 0)
                                fail(&u, "the runtime went away while creating the zone");
                        if (!s->run_now)
                                closep(&u.ctl);
                        phase = WAITING_START;
                        break;
                case VM_MSG_STARTED:
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
                case VM_MSG_EXIT: {
                        int32_t status = 255;
                        if (len == sizeof(status))
                                memcpy(&status, data, sizeof(status));
                        if (phase == STARTING)
                                started(&u, true, NULL);
                        /* The agent removed the zone in the guest and 9p wrote through: the
                         * guest's own power-off would only add time. */
                        stop_qemu(&u);
                        _exit(status & 0xff);
                }
                default:
                        fail(&u, "guest agent: unexpected message %s (%u)", vm_msg_name(type),
                             type);
                }
        }
}
