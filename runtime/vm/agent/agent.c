/* The guest agent: PID 1 of a vm or emulated zone's guest. It boots the guest (boot.c),
 * says HELLO to the host over the virtio-serial port, takes the zone's config, and runs the
 * zone as a light zone inside the guest through libzone (create on CONFIG, start on START),
 * with the host's rootfs, shared over 9p, as its root. It relays the zone's stdout and
 * stderr, hands the host's signals to the zone, reports the exit status and powers off. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../util.h"
#include "../../zone.h"
#include "../proto.h"
#include "boot.h"

#define BUNDLE   "/run/bundle"
#define ZONE_ID  "zone"
#define PID_FILE "/run/zone.pid"

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
                vm_frame_send(port, VM_MSG_ERROR, msg, strlen(msg));
        power_off();
}

static void child_handler(int sig)
{
}

/* A frame of up to 64 KiB of what is readable on fd; false at its end. */
static bool relay(int fd, int port, uint32_t type)
{
        char buf[65536];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return true;
        if (n <= 0)
                return false;
        vm_frame_send(port, type, buf, (size_t)n);
        return true;
}

static int create_zone(const struct zone_ctx *ctx, const char *config, size_t len, int port)
{
        if (mkdir(BUNDLE, 0755) < 0 && errno != EEXIST)
                fail(port, "guest: mkdir %s: %s", BUNDLE, strerror(errno));
        int r = write_file_atomic_at(AT_FDCWD, BUNDLE "/config.json", config, len, 0600);
        if (r < 0)
                fail(port, "guest: write the zone's config.json: %s", strerror(-r));
        const char *what = NULL;
        if ((r = agent_mount_root(BUNDLE "/rootfs", &what)) < 0)
                fail(port, "guest: mount the zone's root (9p) on %s: %s", what, strerror(-r));
        _cleanup_err_ struct zone_err *err = NULL;
        struct zone_create_opts o = {.id = ZONE_ID, .bundle = BUNDLE, .pid_file = PID_FILE};
        if (zone_create(ctx, &o, &err) < 0)
                fail(port, "%s", err ? err->msg : "create the zone in the guest");
        _cleanup_free_ char *pid = NULL;
        size_t n;
        if ((r = read_file_at(AT_FDCWD, PID_FILE, 64, &pid, &n)) < 0)
                fail(port, "guest: read %s: %s", PID_FILE, strerror(-r));
        return atoi(pid);
}

int main(void)
{
        const char *what = "boot";
        int boot = agent_boot(&what);
        int port = agent_open_port();
        if (port < 0)
                power_off(); /* no way to tell the host: it sees the VM end */
        uint32_t version = VM_PROTO_VERSION;
        if (vm_frame_send(port, VM_MSG_HELLO, &version, sizeof(version)) < 0)
                power_off();
        if (boot < 0)
                fail(port, "guest: boot: %s: %s", what, strerror(-boot));

        /* PID 1 gets no signal it has no handler for: SIGCHLD needs one to reach signalfd. */
        struct sigaction sa = {.sa_handler = child_handler};
        sigaction(SIGCHLD, &sa, NULL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sigprocmask(SIG_BLOCK, &set, NULL);
        int sfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (sfd < 0)
                fail(port, "guest: signalfd: %s", strerror(errno));

        struct zone_ctx ctx = {.root = "/run/zone", .log = {.fd = -1}};
        uint32_t type;
        char *config = NULL;
        size_t len;
        int r = vm_frame_recv(port, VM_FRAME_MAX, &type, &config, &len);
        if (r < 0 || type != VM_MSG_CONFIG)
                fail(port, "guest: expected the zone's config, got %s",
                     r < 0 ? strerror(-r) : vm_msg_name(type));

        /* The zone's stdio: /dev/null in, pipes out, relayed to the host. */
        int out[2], errp[2];
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
            dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0 || dup2(errp[1], 2) < 0)
                fail(port, "guest: the zone's stdio: %s", strerror(errno));
        close(out[1]);
        close(errp[1]);
        pid_t zone_pid = create_zone(&ctx, config, len, port);
        free(config);
        /* Only the zone holds the pipes' write ends now: their end is its end. */
        dup2(devnull, 1);
        dup2(devnull, 2);
        if (vm_frame_send(port, VM_MSG_READY, NULL, 0) < 0)
                power_off();

        bool started = false, exited = false;
        int status = 255;
        int pipes[2] = {out[0], errp[0]};
        for (;;) {
                if (exited && pipes[0] < 0 && pipes[1] < 0)
                        break;
                struct pollfd p[4] = {{.fd = port, .events = POLLIN},
                                      {.fd = sfd, .events = POLLIN},
                                      {.fd = pipes[0], .events = POLLIN},
                                      {.fd = pipes[1], .events = POLLIN}};
                if (poll(p, 4, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        fail(port, "guest: poll: %s", strerror(errno));
                }
                for (int i = 0; i < 2; i++)
                        if (p[2 + i].revents &&
                            !relay(pipes[i], port, i ? VM_MSG_STDERR : VM_MSG_STDOUT))
                                closep(&pipes[i]);
                if (p[1].revents) {
                        struct signalfd_siginfo si;
                        if (read(sfd, &si, sizeof(si)) < 0 && errno != EAGAIN)
                                fail(port, "guest: signalfd: %s", strerror(errno));
                        int st;
                        pid_t pid;
                        while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
                                if (pid == zone_pid && !exited) {
                                        exited = true;
                                        status =
                                            WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
                                        /* Whatever the process left goes, and with it
                                         * the pipes' last writers. */
                                        _cleanup_err_ struct zone_err *err = NULL;
                                        zone_delete(&ctx, ZONE_ID, true, &err);
                                }
                }
                if (!p[0].revents)
                        continue;
                _cleanup_free_ char *data = NULL;
                size_t n;
                r = vm_frame_recv(port, 64, &type, &data, &n);
                if (r < 0)
                        power_off(); /* the host is gone */
                if (type == VM_MSG_START && !started) {
                        started = true;
                        _cleanup_err_ struct zone_err *err = NULL;
                        if (zone_start(&ctx, ZONE_ID, &err) < 0)
                                fail(port, "%s", err ? err->msg : "start the zone in the guest");
                        vm_frame_send(port, VM_MSG_STARTED, NULL, 0);
                } else if (type == VM_MSG_SIGNAL && n == sizeof(uint32_t) && !exited) {
                        uint32_t sig;
                        memcpy(&sig, data, sizeof(sig));
                        _cleanup_err_ struct zone_err *err = NULL;
                        zone_kill(&ctx, ZONE_ID, (int)sig, false, &err);
                }
        }
        int32_t code = status;
        vm_frame_send(port, VM_MSG_EXIT, &code, sizeof(code));
        power_off();
}
