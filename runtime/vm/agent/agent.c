/* The guest agent: PID 1 of a vm or emulated zone's guest. It boots the guest (boot.c),
 * says HELLO to the host over the virtio-serial port, takes the zone's config, and runs the
 * zone as a light zone inside the guest through libzone (create on CONFIG, start on START),
 * with the host's rootfs, shared over 9p, as its root. It runs exec'd processes in the zone
 * through libzone's zone_exec, relays every process's stdin, stdout and stderr on its own
 * stream, hands the host's signals to them, reports their exit statuses, and powers off
 * when the zone's process ends. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../spec.h"
#include "../../util.h"
#include "../../zone.h"
#include "../proto.h"
#include "boot.h"
#include "net.h"

#define BUNDLE        "/run/bundle"
#define ZONE_ID       "zone"
#define PID_FILE      "/run/zone.pid"
#define EXEC_PID_FILE "/run/exec.pid"
/* Where libzone sends the master of a process's terminal (its console socket). */
#define CONSOLE_SOCKET "/run/console.sock"
/* The zone's process and the exec'd ones the host can have at once. */
#define MAX_PROCS 65

static __attribute__((noreturn)) void power_off(void)
{
        sync();
        /* reboot=t on the command line and QEMU's -no-reboot: a reboot ends the VM. */
        reboot(RB_AUTOBOOT);
        for (;;)
                pause();
}

static __attribute__((noreturn, format(printf, 2, 3))) void fail(int port, const char *fmt, ...)
{
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (port >= 0)
                vm_frame_send(port, VM_MSG_ERROR, 0, msg, strlen(msg));
        power_off();
}

static void child_handler(int sig)
{
}

/* A process whose stdio the agent relays: the zone's own (stream 0) or an exec'd one. */
struct proc {
        uint32_t stream;
        pid_t pid;
        int in;        /* its stdin's write end (non-blocking), -1 once closed */
        char *pending; /* input the pipe did not take yet */
        size_t n_pending;
        bool in_eof; /* close `in` once pending is written */
        int out[2];  /* its stdout's and stderr's read ends, -1 at their end */
        bool tty;    /* out[0] is its terminal's master, `in` a copy of it, out[1] is -1 */
        bool exited;
        int status;
};

struct agent {
        int port;
        struct zone_ctx ctx;
        int devnull;
        int console; /* CONSOLE_SOCKET, listening (non-blocking), once a terminal is asked */
        struct proc procs[MAX_PROCS];
        size_t n_procs;
};

static void send_ack(struct agent *a, uint32_t stream, size_t n)
{
        uint32_t k = (uint32_t)n;
        if (n)
                vm_frame_send(a->port, VM_MSG_STDIN_ACK, stream, &k, sizeof(k));
}

/* Writes what the pipe takes now; the host may send as much again as was written. */
static void flush_input(struct agent *a, struct proc *p)
{
        size_t done = 0;
        while (p->in >= 0 && done < p->n_pending) {
                ssize_t n = write(p->in, p->pending + done, p->n_pending - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n < 0) {
                        /* Nobody reads it any more (EPIPE): what is left is dropped. */
                        closep(&p->in);
                        done = p->n_pending;
                        break;
                }
                done += (size_t)n;
        }
        if (p->in < 0)
                done = p->n_pending;
        memmove(p->pending, p->pending + done, p->n_pending - done);
        p->n_pending -= done;
        send_ack(a, p->stream, done);
        if (!p->n_pending && p->in_eof)
                closep(&p->in);
}

static void add_input(struct agent *a, struct proc *p, const char *data, size_t len)
{
        if (!len) {
                p->in_eof = true;
        } else if (p->in < 0 || p->n_pending + len > VM_STDIN_WINDOW) {
                send_ack(a, p->stream, len); /* closed, or past the window: dropped */
                return;
        } else {
                char *buf = realloc(p->pending, p->n_pending + len);
                if (!buf) {
                        send_ack(a, p->stream, len);
                        return;
                }
                memcpy(buf + p->n_pending, data, len);
                p->pending = buf;
                p->n_pending += len;
        }
        flush_input(a, p);
}

/* A frame of up to 64 KiB of what is readable on fd; false at its end. */
static bool relay(struct agent *a, int fd, uint32_t stream, uint32_t type)
{
        char buf[65536];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return true;
        if (n <= 0)
                return false;
        vm_frame_send(a->port, type, stream, buf, (size_t)n);
        return true;
}

static struct proc *find_proc(struct agent *a, uint32_t stream)
{
        for (size_t i = 0; i < a->n_procs; i++)
                if (a->procs[i].stream == stream)
                        return &a->procs[i];
        return NULL;
}

static void proc_free(struct agent *a, struct proc *p)
{
        closep(&p->in);
        closep(&p->out[0]);
        closep(&p->out[1]);
        free(p->pending);
        *p = a->procs[--a->n_procs];
}

/* The process's stdio: a pipe for each, the process's ends on 0, 1 and 2 of the agent while
 * libzone makes it (it inherits them), the agent's ends in p. */
static int stdio_begin(struct proc *p)
{
        int in[2], out[2], err[2];
        if (pipe2(in, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(out, O_CLOEXEC) < 0) {
                int r = -errno;
                close(in[0]);
                close(in[1]);
                return r;
        }
        if (pipe2(err, O_CLOEXEC) < 0) {
                int r = -errno;
                close(in[0]);
                close(in[1]);
                close(out[0]);
                close(out[1]);
                return r;
        }
        int r = 0;
        if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0 ||
            fcntl(in[1], F_SETFL, O_NONBLOCK) < 0 || fcntl(out[0], F_SETFL, O_NONBLOCK) < 0 ||
            fcntl(err[0], F_SETFL, O_NONBLOCK) < 0)
                r = -errno;
        close(in[0]);
        close(out[1]);
        close(err[1]);
        p->in = in[1];
        p->out[0] = out[0];
        p->out[1] = err[0];
        return r;
}

/* Only the process holds the pipes' other ends now: their end is its end. */
static void stdio_end(struct agent *a)
{
        dup2(a->devnull, 0);
        dup2(a->devnull, 1);
        dup2(a->devnull, 2);
}

/* The console socket libzone connects to for a process with a terminal. */
static int console_listen(struct agent *a)
{
        if (a->console >= 0)
                return 0;
        struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = CONSOLE_SOCKET};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        a->console = fd;
        return 0;
}

/* The master libzone sent while making the process (it connected before returning): it
 * becomes the process's output, and a copy of it its input. */
static int take_terminal(struct agent *a, struct proc *p)
{
        _cleanup_close_ int conn = accept4(a->console, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                return errno == EAGAIN ? -ENOTCONN : -errno;
        int fd = -1;
        char name[64];
        int r = recv_fd(conn, &fd, name, sizeof(name));
        if (r < 0)
                return r;
        if (fd < 0)
                return -EBADMSG;
        p->out[0] = fd;
        p->tty = true;
        if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0 || (p->in = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
                return -errno;
        return 0;
}

/* After a failed exec: a master libzone sent before the failure must not be taken for the
 * next process's. */
static void drop_terminals(struct agent *a)
{
        int fd;
        while (a->console >= 0 && (fd = accept4(a->console, NULL, NULL, SOCK_CLOEXEC)) >= 0)
                close(fd);
}

/* RESIZE: the terminal's new size; the process gets SIGWINCH. */
static void resize(struct proc *p, const char *data, size_t len)
{
        uint32_t size[2];
        if (!p || !p->tty || p->out[0] < 0 || len != sizeof(size))
                return;
        memcpy(size, data, sizeof(size));
        struct winsize ws = {.ws_row = (unsigned short)size[0], .ws_col = (unsigned short)size[1]};
        ioctl(p->out[0], TIOCSWINSZ, &ws);
}

static pid_t read_pid(const char *path)
{
        _cleanup_free_ char *pid = NULL;
        size_t n;
        if (read_file_at(AT_FDCWD, path, 64, &pid, &n) < 0)
                return -1;
        return atoi(pid);
}

/* Whether the config binds a source the host shared (VM_SHARE_GUEST_DIR/N). */
static bool uses_share(const struct zone_spec *spec)
{
        size_t n = strlen(VM_SHARE_GUEST_DIR);
        for (size_t i = 0; i < spec->n_mounts; i++) {
                const char *src = spec->mounts[i].source;
                if (src && strncmp(src, VM_SHARE_GUEST_DIR, n) == 0 && src[n] == '/')
                        return true;
        }
        return false;
}

/* The guest's network, as the host describes it in the config (proto.h). */
static void setup_net(int port, const struct zone_spec *spec)
{
        char msg[256];
        int r = agent_net_setup(zone_spec_annotation(spec, VM_NET_ANNOTATION), msg, sizeof(msg));
        if (r < 0)
                fail(port, "guest: network: %s: %s", msg, strerror(-r));
}

static void create_zone(struct agent *a, const char *config, size_t len)
{
        int port = a->port;
        _cleanup_err_ struct zone_err *err = NULL;
        struct zone_spec *spec = NULL;
        if (zone_spec_parse(config, len, "config.json", &spec, &err) < 0)
                fail(port, "guest: %s", err->msg);
        setup_net(port, spec);
        bool terminal = spec->process.terminal, share = uses_share(spec);
        zone_spec_free(spec);
        if (mkdir(BUNDLE, 0755) < 0 && errno != EEXIST)
                fail(port, "guest: mkdir %s: %s", BUNDLE, strerror(errno));
        int r = write_file_atomic_at(AT_FDCWD, BUNDLE "/config.json", config, len, 0600);
        if (r < 0)
                fail(port, "guest: write the zone's config.json: %s", strerror(-r));
        const char *what = NULL;
        if ((r = agent_mount_root(BUNDLE "/rootfs", &what)) < 0)
                fail(port, "guest: mount the zone's root (9p) on %s: %s", what, strerror(-r));
        if (share && (r = agent_mount_share(&what)) < 0)
                fail(port, "guest: mount the bind mounts' sources (9p) on %s: %s", what,
                     strerror(-r));
        struct proc *p = &a->procs[a->n_procs++];
        *p = (struct proc){.stream = 0, .in = -1, .out = {-1, -1}};
        struct zone_create_opts o = {.id = ZONE_ID, .bundle = BUNDLE, .pid_file = PID_FILE};
        if (terminal && (r = console_listen(a)) < 0)
                fail(port, "guest: the console socket %s: %s", CONSOLE_SOCKET, strerror(-r));
        if (terminal)
                o.console_socket = CONSOLE_SOCKET;
        else if ((r = stdio_begin(p)) < 0)
                fail(port, "guest: the zone's stdio: %s", strerror(-r));
        if (zone_create(&a->ctx, &o, &err) < 0)
                fail(port, "%s", err ? err->msg : "create the zone in the guest");
        stdio_end(a);
        if (terminal && (r = take_terminal(a, p)) < 0)
                fail(port, "guest: the zone's terminal: %s", strerror(-r));
        if ((p->pid = read_pid(PID_FILE)) <= 0)
                fail(port, "guest: read %s", PID_FILE);
}

/* EXEC: the process of config runs in the zone, detached; the agent is its parent (and PID
 * 1 besides), so its end comes as SIGCHLD like the zone's own. */
static void exec_process(struct agent *a, uint32_t stream, const char *config, size_t len)
{
        _cleanup_err_ struct zone_err *err = NULL;
        const char *msg = NULL;
        struct zone_spec *spec = NULL;
        if (stream == 0 || find_proc(a, stream))
                msg = "guest: exec on a stream in use";
        else if (a->n_procs == MAX_PROCS)
                msg = "too many execs in this zone at once";
        else if (zone_spec_parse(config, len, "exec", &spec, &err) < 0)
                msg = err->msg;
        if (msg) {
                vm_frame_send(a->port, VM_MSG_ERROR, stream, msg, strlen(msg));
                zone_spec_free(spec);
                return;
        }
        struct proc *p = &a->procs[a->n_procs++];
        *p = (struct proc){.stream = stream, .in = -1, .out = {-1, -1}};
        bool terminal = spec->process.terminal;
        int r = terminal ? console_listen(a) : stdio_begin(p);
        if (r < 0) {
                zone_err_sys(&err, r, "guest: exec: its %s", terminal ? "console socket" : "stdio");
        } else {
                unlink(EXEC_PID_FILE);
                struct zone_exec_opts o = {.id = ZONE_ID,
                                           .process = &spec->process,
                                           .pid_file = EXEC_PID_FILE,
                                           .console_socket = terminal ? CONSOLE_SOCKET : NULL,
                                           .detach = true};
                int status;
                r = zone_exec(&a->ctx, &o, &status, &err);
        }
        stdio_end(a);
        zone_spec_free(spec);
        if (r >= 0 && terminal && (r = take_terminal(a, p)) < 0)
                zone_err_sys(&err, r, "guest: exec: its terminal");
        if (r >= 0 && (p->pid = read_pid(EXEC_PID_FILE)) <= 0)
                r = zone_err_set(&err, -EIO, "guest: exec: read %s", EXEC_PID_FILE);
        if (r < 0 && terminal)
                drop_terminals(a);
        if (r < 0) {
                msg = err ? err->msg : "exec in the guest";
                vm_frame_send(a->port, VM_MSG_ERROR, stream, msg, strlen(msg));
                proc_free(a, p);
                return;
        }
        vm_frame_send(a->port, VM_MSG_EXECED, stream, NULL, 0);
}

static void signal_proc(struct agent *a, uint32_t stream, const char *data, size_t len)
{
        uint32_t sig;
        struct proc *p = find_proc(a, stream);
        if (len != sizeof(sig) || !p || p->exited)
                return;
        memcpy(&sig, data, sizeof(sig));
        if (stream == 0) {
                _cleanup_err_ struct zone_err *err = NULL;
                zone_kill(&a->ctx, ZONE_ID, (int)sig, false, &err);
        } else {
                kill(p->pid, (int)sig);
        }
}

/* An exec'd process ended: what it wrote before is in its pipes, the rest goes with them
 * (a child it left behind must not hold its end up). */
static void exec_ended(struct agent *a, struct proc *p)
{
        /* A terminal's master: a read waits for what the process wrote to get through the
         * tty layer (poll does not), and gives EIO once no process holds the terminal. */
        for (int k = 0; p->tty && k < 16 && p->out[0] >= 0; k++) {
                char buf[65536];
                ssize_t n = read(p->out[0], buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                vm_frame_send(a->port, VM_MSG_STDOUT, p->stream, buf, (size_t)n);
        }
        for (int i = 0; i < 2 && !p->tty; i++)
                for (int k = 0; k < 16 && p->out[i] >= 0; k++) {
                        struct pollfd q = {.fd = p->out[i], .events = POLLIN};
                        if (poll(&q, 1, 0) <= 0)
                                break;
                        if (!relay(a, p->out[i], p->stream, i ? VM_MSG_STDERR : VM_MSG_STDOUT))
                                closep(&p->out[i]);
                }
        int32_t code = p->status;
        vm_frame_send(a->port, VM_MSG_EXIT, p->stream, &code, sizeof(code));
        proc_free(a, p);
}

static void reap(struct agent *a)
{
        int st;
        pid_t pid;
        while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
                for (size_t i = 0; i < a->n_procs; i++) {
                        struct proc *p = &a->procs[i];
                        if (p->pid != pid || p->exited)
                                continue;
                        p->exited = true;
                        p->status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
                        if (p->stream != 0) {
                                exec_ended(a, p);
                        } else {
                                /* Whatever the zone's process left goes, and with it the
                                 * pipes' last writers. */
                                _cleanup_err_ struct zone_err *err = NULL;
                                zone_delete(&a->ctx, ZONE_ID, true, &err);
                        }
                        break;
                }
        }
}

int main(void)
{
        const char *what = "boot";
        int boot = agent_boot(&what);
        int port = agent_open_port();
        if (port < 0)
                power_off(); /* no way to tell the host: it sees the VM end */
        uint32_t version = VM_PROTO_VERSION;
        if (vm_frame_send(port, VM_MSG_HELLO, 0, &version, sizeof(version)) < 0)
                power_off();
        if (boot < 0)
                fail(port, "guest: boot: %s: %s", what, strerror(-boot));

        /* PID 1 gets no signal it has no handler for: SIGCHLD needs one to reach signalfd. */
        struct sigaction sa = {.sa_handler = child_handler};
        sigaction(SIGCHLD, &sa, NULL);
        /* A process that closed its stdin must not end the agent. */
        signal(SIGPIPE, SIG_IGN);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigprocmask(SIG_BLOCK, &set, NULL);
        int sfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (sfd < 0)
                fail(port, "guest: signalfd: %s", strerror(errno));

        static struct agent a;
        a.port = port;
        a.console = -1;
        a.ctx = (struct zone_ctx){.root = "/run/zone", .log = {.fd = -1}};
        uint32_t type, stream;
        char *config = NULL;
        size_t len;
        int r = vm_frame_recv(port, VM_FRAME_MAX, &type, NULL, &config, &len);
        if (r < 0 || type != VM_MSG_CONFIG)
                fail(port, "guest: expected the zone's config, got %s",
                     r < 0 ? strerror(-r) : vm_msg_name(type));
        a.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (a.devnull < 0)
                fail(port, "guest: open /dev/null: %s", strerror(errno));
        create_zone(&a, config, len);
        free(config);
        if (vm_frame_send(port, VM_MSG_READY, 0, NULL, 0) < 0)
                power_off();

        bool started = false;
        int status = 255;
        for (;;) {
                struct proc *zp = find_proc(&a, 0);
                if (zp->exited && zp->out[0] < 0 && zp->out[1] < 0) {
                        status = zp->status;
                        break;
                }
                /* port, signalfd, then per process: stdout, stderr, stdin. */
                struct pollfd p[2 + 3 * MAX_PROCS];
                size_t np = 0;
                p[np++] = (struct pollfd){.fd = port, .events = POLLIN};
                p[np++] = (struct pollfd){.fd = sfd, .events = POLLIN};
                size_t n_procs = a.n_procs;
                for (size_t i = 0; i < n_procs; i++) {
                        struct proc *q = &a.procs[i];
                        p[np++] = (struct pollfd){.fd = q->out[0], .events = POLLIN};
                        p[np++] = (struct pollfd){.fd = q->out[1], .events = POLLIN};
                        p[np++] =
                            (struct pollfd){.fd = q->n_pending ? q->in : -1, .events = POLLOUT};
                }
                if (poll(p, np, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        fail(port, "guest: poll: %s", strerror(errno));
                }
                for (size_t i = 0; i < n_procs; i++) {
                        struct proc *q = &a.procs[i];
                        for (int k = 0; k < 2; k++)
                                if (p[2 + 3 * i + k].revents &&
                                    !relay(&a, q->out[k], q->stream,
                                           k ? VM_MSG_STDERR : VM_MSG_STDOUT))
                                        closep(&q->out[k]);
                        if (p[2 + 3 * i + 2].revents)
                                flush_input(&a, q);
                }
                /* Processes end (and leave the table) only after the loop above. */
                if (p[1].revents) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) < 0 && errno != EAGAIN)
                                fail(port, "guest: signalfd: %s", strerror(errno));
                        reap(&a);
                }
                if (!p[0].revents)
                        continue;
                _cleanup_free_ char *data = NULL;
                r = vm_frame_recv(port, VM_FRAME_MAX, &type, &stream, &data, &len);
                if (r < 0)
                        power_off(); /* the host is gone */
                struct proc *q = find_proc(&a, stream);
                switch (type) {
                case VM_MSG_START: {
                        if (started || stream != 0)
                                break;
                        started = true;
                        _cleanup_err_ struct zone_err *err = NULL;
                        if (zone_start(&a.ctx, ZONE_ID, &err) < 0)
                                fail(port, "%s", err ? err->msg : "start the zone in the guest");
                        vm_frame_send(port, VM_MSG_STARTED, 0, NULL, 0);
                        break;
                }
                case VM_MSG_EXEC:
                        exec_process(&a, stream, data, len);
                        break;
                case VM_MSG_SIGNAL:
                        signal_proc(&a, stream, data, len);
                        break;
                case VM_MSG_STDIN:
                        if (q)
                                add_input(&a, q, data, len);
                        break;
                case VM_MSG_RESIZE:
                        resize(q, data, len);
                        break;
                default:
                        break;
                }
        }
        int32_t code = status;
        vm_frame_send(port, VM_MSG_EXIT, 0, &code, sizeof(code));
        power_off();
}
