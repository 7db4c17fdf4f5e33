/* The vm and emulated backends: a zone in a QEMU virtual machine (KVM for "vm", TCG for
 * "emulated") whose guest agent runs the zone's process. The process the zone's state names
 * is the host-side supervisor (supervisor.c), in the zone's cgroup with QEMU, its child; an
 * exec'd process's is its relay (exec_relay.c). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../backend.h"
#include "../cgroups/cgroup.h"
#include "../light/console.h"
#include "../util.h"
#include "control.h"
#include "exec_relay.h"
#include "guest.h"
#include "net.h"
#include "proto.h"
#include "qemu_cmd.h"
#include "share.h"
#include "supervisor.h"
#include "tty.h"

#define START_FIFO "vm-start"
#define QEMU_LOG   "qemu.log"

static bool is_kvm(const struct zone *z)
{
        return z->backend == &zone_backend_vm;
}

/* The host's TSC frequency in kHz ("cpu MHz" of /proc/cpuinfo), 0 when unknown. */
static unsigned long host_tsc_khz(void)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (read_file_at(AT_FDCWD, "/proc/cpuinfo", 1u << 20, &text, &len) < 0)
                return 0;
        const char *p = strstr(text, "cpu MHz");
        if (!p || !(p = strchr(p, ':')))
                return 0;
        double mhz = strtod(p + 1, NULL);
        return mhz > 0 ? (unsigned long)(mhz * 1000) : 0;
}

static int qemu_config(struct zone *z, const char *kernel, const char *initrd,
                       struct vm_qemu_config *c)
{
        const struct zone_spec_resources *res = &z->spec->linux.resources;
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        *c = (struct vm_qemu_config){
            .kvm = is_kvm(z),
            .kernel = kernel,
            .initrd = initrd,
            .rootfs = z->rootfs,
            .root_readonly = z->spec->root.readonly,
            .mem_mib = vm_guest_mem_mib(res->memory.has_limit ? res->memory.limit : 0),
            .vcpus = vm_guest_vcpus(res->cpu.has_quota ? res->cpu.quota : 0,
                                    res->cpu.has_period ? res->cpu.period : 0, res->cpu.cpus,
                                    cpus > 0 ? (unsigned)cpus : 1),
            .tsc_khz = host_tsc_khz(),
            .agent_fd = 3,
            .qmp_fd = 4,
            .console_log = zone_spec_annotation(z->spec, "org.zone.vm.console"),
        };
        return 0;
}

/* The supervisor's control socket, where exec's relays connect: in the zone's state
 * directory, for root alone. */
static int control_socket(int dfd, int *ret, struct zone_err **err)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, VM_CTL_SOCKET);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return zone_err_sys(err, -errno, "make the zone's control socket");
        unlinkat(dfd, VM_CTL_SOCKET, 0);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return zone_err_sys(err, -errno, "bind %s in the zone's state", VM_CTL_SOCKET);
        if (fchmodat(dfd, VM_CTL_SOCKET, 0600, 0) < 0 || listen(fd, 16) < 0) {
                int r = zone_err_sys(err, -errno, "set up %s in the zone's state", VM_CTL_SOCKET);
                unlinkat(dfd, VM_CTL_SOCKET, 0);
                return r;
        }
        *ret = steal_fd(&fd);
        return 0;
}

/* The supervisor logs the boot's milestones at debug level to the runtime's log file, never
 * to its stderr, which is the zone's. */
static struct zone_log supervisor_log(const struct zone *z)
{
        struct zone_log log = z->ctx->log;
        if (log.fd <= STDERR_FILENO || log.level < ZONE_LOG_DEBUG)
                log.fd = -1;
        return log;
}

static int boot_vm(struct zone *z, const struct vm_net *net, struct zone_err **err)
{
        const char *type = z->backend->name;
        int r;
        /* Whether KVM can run the guest was checked when the type was chosen (types.c). */
        _cleanup_free_ char *kernel = NULL, *initrd = NULL, *config = NULL;
        size_t config_len = 0;
        /* The binds' sources are opened here, from the bundle (the current directory): a
         * missing one fails create before QEMU starts. */
        __attribute__((cleanup(vm_share_done))) struct vm_share share = {0};
        if ((r = vm_guest_files(z->spec, &kernel, &initrd, err)) < 0 ||
            (r = vm_share_open(z->spec, type, &share, err)) < 0 ||
            (r = vm_guest_config(z->spec, share.guest_sources, net->guest, &config, &config_len,
                                 err)) < 0)
                return r;
        struct vm_qemu_config qc;
        qemu_config(z, kernel, initrd, &qc);
        if (share.n) {
                qc.share_dir = VM_SHARE_QEMU_DIR;
                qc.share_readonly = share.readonly;
        }
        /* The taps are QEMU's fds 5, 6, ... (spawn_qemu in supervisor.c). */
        struct vm_qemu_nic nics[VM_NET_MAX_LINKS];
        int taps[VM_NET_MAX_LINKS];
        for (size_t i = 0; i < net->n_links; i++) {
                nics[i] = (struct vm_qemu_nic){.fd = 5 + (int)i, .mac = net->links[i].mac};
                taps[i] = net->links[i].tap_fd;
        }
        qc.nics = nics;
        qc.n_nics = net->n_links;
        _cleanup_strv_ char **argv = NULL;
        if ((r = vm_qemu_argv(&qc, &argv, err)) < 0)
                return r;

        /* process.terminal: the master goes to the console socket once the zone is created,
         * or to the foreground run that relays it (z->tty_master); the slave to the
         * supervisor. */
        _cleanup_close_ int console = -1, tty_master = -1, tty_slave = -1;
        if (z->spec->process.terminal) {
                if (!z->console_socket && !z->run_now)
                        return zone_err_set(err, -EINVAL,
                                            "process.terminal is true: a detached zone needs "
                                            "--console-socket");
                if (z->console_socket &&
                    (console = light_console_connect(z->console_socket, err)) < 0)
                        return console;
                if ((r = vm_tty_open(&z->spec->process, !z->console_socket, &tty_master, &tty_slave,
                                     err)) < 0)
                        return zone_err_wrap(err, "process.terminal");
        }

        int dfd = zone_entry_dirfd(z->entry);
        _cleanup_close_ int log_fd =
            openat(dfd, QEMU_LOG, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (log_fd < 0)
                return zone_err_sys(err, -errno, "make %s in the zone's state", QEMU_LOG);
        _cleanup_close_ int fifo = -1;
        if (!z->run_now) {
                if (mkfifoat(dfd, START_FIFO, 0600) < 0)
                        return zone_err_sys(err, -errno, "make start fifo");
                fifo = openat(dfd, START_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
                if (fifo < 0) {
                        r = zone_err_sys(err, -errno, "open start fifo");
                        unlinkat(dfd, START_FIFO, 0);
                        return r;
                }
        }
        _cleanup_close_ int listen_fd = -1;
        if ((r = control_socket(dfd, &listen_fd, err)) < 0) {
                if (!z->run_now)
                        unlinkat(dfd, START_FIFO, 0);
                return r;
        }
        int agent[2] = {-1, -1}, ctl[2] = {-1, -1}, qmp[2] = {-1, -1};
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, agent) < 0 ||
            socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) < 0 ||
            socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, qmp) < 0) {
                r = zone_err_sys(err, -errno, "socketpair");
                goto out;
        }
        pid_t pid = fork();
        if (pid < 0) {
                r = zone_err_sys(err, -errno, "fork the zone's supervisor");
                goto out;
        }
        if (pid == 0) {
                struct vm_supervisor s = {.qemu_argv = argv,
                                          .share = &share,
                                          .agent_fd = agent[0],
                                          .qemu_agent_fd = agent[1],
                                          .qmp_fd = qmp[0],
                                          .qemu_qmp_fd = qmp[1],
                                          .qemu_log_fd = log_fd,
                                          .log = supervisor_log(z),
                                          .ctl_fd = ctl[1],
                                          .fifo_fd = fifo,
                                          .listen_fd = listen_fd,
                                          .tty_fd = tty_slave,
                                          .run_now = z->run_now,
                                          .config = config,
                                          .config_len = config_len,
                                          .tap_fds = taps,
                                          .n_tap_fds = net->n_links};
                close(ctl[0]);
                vm_supervisor_main(&s);
        }
        closep(&ctl[1]);
        closep(&tty_slave);
        if (z->cgroup && (r = zone_cgroup_enter(z->cgroup, pid, err)) < 0)
                goto fail;
        char go = VM_CTL_GO;
        if ((r = write_full(ctl[0], &go, 1)) < 0) {
                r = zone_err_sys(err, r, "start the zone's supervisor");
                goto fail;
        }
        z->state->pid = pid;
        z->state->pid_start = zone_pid_start_time(pid);
        _cleanup_free_ char *msg = NULL;
        uint32_t t;
        size_t len;
        r = vm_frame_recv(ctl[0], 64u << 10, &t, NULL, &msg, &len);
        if (r < 0) {
                r = zone_err_sys(err, r, "boot the %s zone's VM: its supervisor died", type);
                goto fail;
        }
        if (t == VM_MSG_ERROR) {
                r = zone_err_set(err, -EIO, "boot the %s zone's VM: %s", type, msg);
                goto fail;
        }
        if (t != VM_MSG_READY) {
                r = zone_err_set(err, -EPROTO, "boot the %s zone's VM: unexpected %s", type,
                                 vm_msg_name(t));
                goto fail;
        }
        if (console >= 0) {
                static const char name[] = "/dev/ptmx";
                if ((r = send_fd(console, tty_master, name, sizeof(name) - 1)) < 0) {
                        r = zone_err_sys(err, r, "send the terminal to the console socket");
                        goto fail;
                }
        } else if (tty_master >= 0) {
                z->tty_master = steal_fd(&tty_master);
        }
        if (z->run_now)
                z->sync_fd = steal_fd(&ctl[0]);
        r = 0;
        goto out;
fail:
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        z->state->pid = 0;
        if (!z->run_now)
                unlinkat(dfd, START_FIFO, 0);
        unlinkat(dfd, VM_CTL_SOCKET, 0);
out:
        closep(&agent[0]);
        closep(&agent[1]);
        closep(&qmp[0]);
        closep(&qmp[1]);
        closep(&ctl[0]);
        closep(&ctl[1]);
        return r;
}

static int vm_create(struct zone *z, struct zone_err **err)
{
        int r = vm_guest_validate(z->spec, z->backend->name, err);
        if (r < 0)
                return r;
        int dfd = zone_entry_dirfd(z->entry);
        struct vm_net net;
        if ((r = vm_net_setup(z->spec, dfd, &net, err)) < 0)
                return r;
        r = boot_vm(z, &net, err);
        /* The supervisor and QEMU have the taps; a zone that did not boot leaves nothing. */
        vm_net_done(&net);
        if (r < 0)
                vm_net_teardown(dfd, NULL);
        return r;
}

static int vm_start(struct zone *z, struct zone_err **err)
{
        if (z->run_now) {
                int r = vm_frame_send(z->sync_fd, VM_MSG_START, 0, NULL, 0);
                if (r < 0)
                        return zone_err_sys(err, r, "start the zone's process");
                _cleanup_free_ char *msg = NULL;
                uint32_t t;
                size_t len;
                r = vm_frame_recv(z->sync_fd, 64u << 10, &t, NULL, &msg, &len);
                closep(&z->sync_fd);
                if (r < 0)
                        return zone_err_sys(err, r,
                                            "start the zone's process: its supervisor died");
                if (t == VM_MSG_ERROR)
                        return zone_err_set(err, -EIO, "%s", msg);
                return 0;
        }
        int dfd = zone_entry_dirfd(z->entry);
        _cleanup_close_ int fd = openat(dfd, START_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0 && errno == ENXIO)
                return zone_err_set(err, -ESRCH, "container \"%s\": its supervisor is gone",
                                    z->state->id);
        if (fd < 0)
                return zone_err_sys(err, -errno, "open start fifo of \"%s\"", z->state->id);
        char c = 0;
        if (write(fd, &c, 1) != 1)
                return zone_err_sys(err, -errno, "release container \"%s\"", z->state->id);
        unlinkat(dfd, START_FIFO, 0);
        /* The supervisor closes its read end once the guest has exec'd the process. */
        struct pollfd p = {.fd = fd, .events = 0};
        while (poll(&p, 1, -1) < 0 && errno == EINTR)
                ;
        return 0;
}

/* Signals go to the supervisor, which forwards them to the guest; SIGKILL ends it, and QEMU
 * with it. Everything else a zone's processes are is its cgroup's, as for a light zone. */
static int vm_kill(struct zone *z, int sig, bool all, struct zone_err **err)
{
        return zone_backend_light.kill(z, sig, all, err);
}

/* QMP stop and cont through the supervisor: the guest's vCPUs stop, and with them every
 * process of the zone; the supervisor and QEMU's own threads go on, so kill, exec (which
 * waits) and delete still reach the zone. */
static int vm_pause(struct zone *z, bool paused, struct zone_err **err)
{
        return vm_ctl_request(zone_entry_dirfd(z->entry), paused ? VM_MSG_PAUSE : VM_MSG_RESUME,
                              paused ? "pause" : "resume", err);
}

static int vm_pids(struct zone *z, pid_t **ret, size_t *ret_n, struct zone_err **err)
{
        return zone_backend_light.pids(z, ret, ret_n, err);
}

static int vm_stats(struct zone *z, struct zone_stats *ret, struct zone_err **err)
{
        return zone_backend_light.stats(z, ret, err);
}

/* The process runs in the guest; the pid the caller gets is its relay's (exec_relay.h), the
 * caller's child, in the zone's cgroup like everything else of the zone on the host. */
static int vm_exec(struct zone *z, const struct zone_exec_opts *opts, pid_t *ret_pid,
                   int *ret_tty_master, struct zone_err **err)
{
        const char *type = z->backend->name;
        *ret_tty_master = -1;
        if (opts->preserve_fds > 0)
                return zone_err_set(err, -EOPNOTSUPP,
                                    "exec --preserve-fds: a %s zone's process cannot have the "
                                    "host's descriptors",
                                    type);
        _cleanup_cgroup_ struct zone_cgroup *own = NULL;
        if (!z->cgroup && z->state->cgroup_path) {
                _cleanup_err_ struct zone_err *open_err = NULL;
                int r = zone_cgroup_open(z->state->cgroup_path, &own, &open_err);
                if (r < 0 && r != -ENOENT)
                        return zone_err_set(err, r, "%s", open_err->msg);
        }
        struct zone_cgroup *cg = z->cgroup ? z->cgroup : own;
        /* The agent takes a whole config.json (the zone's, with this process) and reads the
         * process from it, as it reads the zone's own. */
        struct zone_spec g = *z->spec;
        g.process = *opts->process;
        /* --tty: the relay keeps the slave, the master goes to the console socket or to the
         * caller, which relays it in the foreground. */
        _cleanup_close_ int console = -1, tty_master = -1, tty_slave = -1;
        int r;
        if (opts->process->terminal) {
                if (!opts->console_socket && opts->detach)
                        return zone_err_set(err, -EINVAL,
                                            "--tty with --detach needs --console-socket");
                if (opts->console_socket &&
                    (console = light_console_connect(opts->console_socket, err)) < 0)
                        return console;
                if ((r = vm_tty_open(opts->process, !opts->console_socket, &tty_master, &tty_slave,
                                     err)) < 0)
                        return zone_err_wrap(err, "exec --tty");
                /* The guest's pty starts with the size the host's has now. */
                struct winsize ws;
                if (ioctl(tty_slave, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
                        g.process.has_console_size = true;
                        g.process.console_height = ws.ws_row;
                        g.process.console_width = ws.ws_col;
                }
        }
        _cleanup_free_ char *config = NULL;
        size_t len = 0;
        r = zone_spec_write(&g, &config, &len, err);
        if (r < 0)
                return zone_err_wrap(err, "exec");
        _cleanup_close_ int conn = -1;
        if ((r = vm_exec_start(zone_entry_dirfd(z->entry), config, len, &conn, err)) < 0)
                return r;
        pid_t pid = fork();
        if (pid < 0)
                return zone_err_sys(err, -errno, "exec: fork the relay");
        if (pid == 0)
                vm_exec_relay_main(conn, tty_slave);
        closep(&tty_slave);
        if (cg && (r = zone_cgroup_enter(cg, pid, err)) < 0)
                goto fail;
        if (console >= 0) {
                static const char name[] = "/dev/ptmx";
                if ((r = send_fd(console, tty_master, name, sizeof(name) - 1)) < 0) {
                        r = zone_err_sys(err, r, "exec: send the terminal to the console socket");
                        goto fail;
                }
        }
        *ret_pid = pid;
        *ret_tty_master = console < 0 ? steal_fd(&tty_master) : -1;
        return 0;
fail:
        /* Its connection's end kills the process in the guest. */
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return r;
}

/* The zone's cgroup holds QEMU: the guest's RAM (the memory limit) plus QEMU's own use. */
static int host_resources(const struct zone_spec_resources *res, struct zone_spec_resources *ret,
                          unsigned overhead_mib, struct zone_err **err)
{
        *ret = *res;
        if (!res->memory.has_limit || res->memory.limit <= 0)
                return 0;
        if (res->memory.limit < ((int64_t)VM_MEM_MIN_MIB << 20))
                return zone_err_set(err, -EINVAL,
                                    "linux.resources.memory.limit \"%" PRId64
                                    "\": a VM zone's limit is its guest's RAM, at least %u MiB",
                                    res->memory.limit, VM_MEM_MIN_MIB);
        int64_t extra = (int64_t)overhead_mib << 20;
        int64_t guest = (int64_t)vm_guest_mem_mib(res->memory.limit) << 20;
        ret->memory.limit = guest + extra;
        /* memory+swap: the swap part stays what the config allows. */
        if (res->memory.has_swap && res->memory.swap > 0)
                ret->memory.swap = res->memory.swap - res->memory.limit + guest + extra;
        return 0;
}

static int host_resources_kvm(const struct zone_spec_resources *res,
                              struct zone_spec_resources *ret, struct zone_err **err)
{
        return host_resources(res, ret, VM_HOST_MEM_OVERHEAD_KVM_MIB, err);
}

static int host_resources_tcg(const struct zone_spec_resources *res,
                              struct zone_spec_resources *ret, struct zone_err **err)
{
        return host_resources(res, ret, VM_HOST_MEM_OVERHEAD_TCG_MIB, err);
}

static int vm_destroy(struct zone *z, struct zone_err **err)
{
        int r = vm_net_teardown(zone_entry_dirfd(z->entry), err);
        if (r < 0)
                return r;
        /* The state directory (and QEMU's log in it) goes with the zone's entry; the control
         * socket is removed here, so no exec finds a socket with nobody behind it. */
        if (unlinkat(zone_entry_dirfd(z->entry), VM_CTL_SOCKET, 0) < 0 && errno != ENOENT)
                return zone_err_sys(err, -errno, "remove %s of \"%s\"", VM_CTL_SOCKET,
                                    z->state->id);
        return 0;
}

const struct zone_backend zone_backend_vm = {.name = "vm",
                                             .create = vm_create,
                                             .start = vm_start,
                                             .kill = vm_kill,
                                             .exec = vm_exec,
                                             .pause = vm_pause,
                                             .pids = vm_pids,
                                             .stats = vm_stats,
                                             .destroy = vm_destroy,
                                             .host_resources = host_resources_kvm,
                                             .memory_fixed = true};
const struct zone_backend zone_backend_emulated = {.name = "emulated",
                                                   .create = vm_create,
                                                   .start = vm_start,
                                                   .kill = vm_kill,
                                                   .exec = vm_exec,
                                                   .pause = vm_pause,
                                                   .pids = vm_pids,
                                                   .stats = vm_stats,
                                                   .destroy = vm_destroy,
                                                   .host_resources = host_resources_tcg,
                                                   .memory_fixed = true};
