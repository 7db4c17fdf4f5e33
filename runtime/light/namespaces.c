/* Namespaces of a light zone: new ones come from clone3 flags; joined ones are opened by path
 * up front (so a bad path fails before anything is made) and entered with setns. pid and time
 * namespaces only affect children, so the creator enters them around the clone and returns. */
#include "namespaces.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../err.h"
#include "../spec.h"
#include "../util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* setns order for joined namespaces: the user namespace first (it grants the rights for the
 * rest), the mount namespace last (paths opened before it stay valid). */
static const int join_order[] = {CLONE_NEWUSER, CLONE_NEWIPC,    CLONE_NEWUTS,
                                 CLONE_NEWNET,  CLONE_NEWCGROUP, CLONE_NEWNS};

static const struct {
        int type;
        const char *proc;
} proc_names[] = {
    {CLONE_NEWUSER, "user"}, {CLONE_NEWIPC, "ipc"},       {CLONE_NEWUTS, "uts"},
    {CLONE_NEWNET, "net"},   {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWNS, "mnt"},
    {CLONE_NEWPID, "pid"},   {CLONE_NEWTIME, "time"},
};

static void plan_init(struct light_ns_plan *plan)
{
        memset(plan, 0, sizeof(*plan));
        plan->pid_fd = plan->time_fd = -1;
        for (int i = 0; i < LIGHT_NS_MAX; i++)
                plan->join_fd[i] = -1;
}

void light_ns_plan_done(struct light_ns_plan *plan)
{
        for (int i = 0; i < plan->n_join; i++)
                closep(&plan->join_fd[i]);
        closep(&plan->pid_fd);
        closep(&plan->time_fd);
        plan_init(plan);
}

static int open_ns(const char *path, int type, struct zone_err **err)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "linux.namespaces: open %s namespace %s",
                                    zone_ns_type_name(type), path);
        /* Refuse a path that is not a namespace of that kind before anything is made. */
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_dev == 0) {
                close(fd);
                return zone_err_set(err, -EINVAL, "linux.namespaces: %s is not a namespace", path);
        }
        return fd;
}

int light_ns_plan_make(const struct zone_spec *spec, struct light_ns_plan *plan,
                       struct zone_err **err)
{
        plan_init(plan);
        int new_flags = 0;
        if (!zone_spec_namespace(spec, CLONE_NEWNS))
                return zone_err_set(err, -EINVAL,
                                    "linux.namespaces: a mount namespace is required");
        for (size_t i = 0; i < spec->linux.n_namespaces; i++) {
                const struct zone_spec_namespace *ns = &spec->linux.namespaces[i];
                if (!ns->path) {
                        new_flags |= ns->type;
                        continue;
                }
                int fd = open_ns(ns->path, ns->type, err);
                if (fd < 0) {
                        light_ns_plan_done(plan);
                        return fd;
                }
                if (ns->type == CLONE_NEWPID)
                        plan->pid_fd = fd;
                else if (ns->type == CLONE_NEWTIME)
                        plan->time_fd = fd;
                else {
                        plan->join_fd[plan->n_join] = fd;
                        plan->join_type[plan->n_join++] = ns->type;
                }
        }
        /* Sort joins into setns order. */
        for (int a = 0; a < plan->n_join; a++)
                for (int b = a + 1; b < plan->n_join; b++) {
                        int ia = 0, ib = 0;
                        for (size_t k = 0; k < ARRAY_SIZE(join_order); k++) {
                                if (join_order[k] == plan->join_type[a])
                                        ia = (int)k;
                                if (join_order[k] == plan->join_type[b])
                                        ib = (int)k;
                        }
                        if (ib < ia) {
                                int t = plan->join_type[a], f = plan->join_fd[a];
                                plan->join_type[a] = plan->join_type[b];
                                plan->join_fd[a] = plan->join_fd[b];
                                plan->join_type[b] = t;
                                plan->join_fd[b] = f;
                        }
                }
        plan->new_user = new_flags & CLONE_NEWUSER;
        plan->join_user = plan->n_join > 0 && plan->join_type[0] == CLONE_NEWUSER;
        plan->new_time = new_flags & CLONE_NEWTIME;
        new_flags &= ~CLONE_NEWTIME;
        if (plan->join_user) {
                /* New namespaces must belong to the joined user namespace: made after setns. */
                plan->unshare_flags = new_flags;
        } else {
                plan->clone_flags = new_flags & ~CLONE_NEWCGROUP;
                plan->late_flags = new_flags & CLONE_NEWCGROUP;
        }
        if ((spec->linux.n_uid_mappings || spec->linux.n_gid_mappings) && !plan->new_user)
                return light_ns_plan_done(plan),
                       zone_err_set(err, -EINVAL,
                                    "linux.uidMappings: mappings need a new user namespace");
        if (plan->new_user && (!spec->linux.n_uid_mappings || !spec->linux.n_gid_mappings))
                return light_ns_plan_done(plan),
                       zone_err_set(err, -EINVAL,
                                    "linux.uidMappings: a new user namespace needs uid and gid "
                                    "mappings");
        if ((spec->linux.time_monotonic.present || spec->linux.time_boottime.present) &&
            !plan->new_time)
                return light_ns_plan_done(plan),
                       zone_err_set(err, -EINVAL,
                                    "linux.timeOffsets: offsets need a new time namespace");
        return 0;
}

static int write_time_offsets(const struct zone_spec *spec, struct zone_err **err)
{
        char buf[128];
        int len = 0;
        if (spec->linux.time_monotonic.present)
                len += snprintf(buf + len, sizeof(buf) - (size_t)len, "monotonic %lld %u\n",
                                (long long)spec->linux.time_monotonic.secs,
                                spec->linux.time_monotonic.nanosecs);
        if (spec->linux.time_boottime.present)
                len += snprintf(buf + len, sizeof(buf) - (size_t)len, "boottime %lld %u\n",
                                (long long)spec->linux.time_boottime.secs,
                                spec->linux.time_boottime.nanosecs);
        if (len == 0)
                return 0;
        /* One write per line: the kernel takes one offset per write. */
        for (char *line = buf; *line;) {
                char *nl = strchr(line, '\n');
                *nl = '\0';
                int r = write_string_at(AT_FDCWD, "/proc/self/timens_offsets", line);
                if (r < 0)
                        return zone_err_sys(err, r, "linux.timeOffsets: write \"%s\"", line);
                line = nl + 1;
        }
        return 0;
}

pid_t light_ns_clone(const struct zone_spec *spec, const struct light_ns_plan *plan, int cgroup_fd,
                     bool *ret_in_cgroup, int *ret_pidfd, struct zone_err **err)
{
        *ret_in_cgroup = false;
        _cleanup_close_ int saved_pid = -1, saved_time = -1;
        int r = 0, pidfd = -1;
        pid_t pid = -1;
        if (plan->pid_fd >= 0) {
                saved_pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
                if (saved_pid < 0)
                        return zone_err_sys(err, -errno, "open /proc/self/ns/pid");
                if (setns(plan->pid_fd, CLONE_NEWPID) < 0)
                        return zone_err_sys(err, -errno, "join pid namespace");
        }
        if (plan->new_time || plan->time_fd >= 0) {
                saved_time = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
                if (saved_time < 0) {
                        r = zone_err_sys(err, -errno, "open /proc/self/ns/time");
                        goto restore;
                }
                if (plan->time_fd >= 0 && setns(plan->time_fd, CLONE_NEWTIME) < 0) {
                        r = zone_err_sys(err, -errno, "join time namespace");
                        goto restore;
                }
                if (plan->new_time) {
                        if (unshare(CLONE_NEWTIME) < 0) {
                                r = zone_err_sys(err, -errno, "create time namespace");
                                goto restore;
                        }
                        if ((r = write_time_offsets(spec, err)) < 0)
                                goto restore;
                }
        }

        struct clone_args args = {
            .flags = (uint64_t)plan->clone_flags | CLONE_PIDFD,
            .pidfd = (uint64_t)(uintptr_t)&pidfd,
            .exit_signal = SIGCHLD,
        };
        if (cgroup_fd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t)cgroup_fd;
        }
        pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0 && cgroup_fd >= 0) {
                /* A kernel before 5.7, or a cgroup it will not start a process in: the
                 * creator moves the process in afterwards instead. */
                args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
                args.cgroup = 0;
                pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
        } else if (pid > 0 && cgroup_fd >= 0) {
                *ret_in_cgroup = true;
        }
        if (pid == 0)
                return 0; /* the zone's process: the creator's namespaces do not matter here */
        if (pid < 0)
                r = zone_err_sys(err, -errno, "clone zone process");
        else
                *ret_pidfd = pidfd;

restore:
        /* Back to the creator's own namespaces for its later children (hooks). */
        if (saved_pid >= 0 && setns(saved_pid, CLONE_NEWPID) < 0 && r >= 0)
                r = zone_err_sys(err, -errno, "return to own pid namespace");
        if (saved_time >= 0 && setns(saved_time, CLONE_NEWTIME) < 0 && r >= 0)
                r = zone_err_sys(err, -errno, "return to own time namespace");
        if (r < 0 && pid > 0) {
                kill(pid, SIGKILL);
                close(pidfd);
        }
        return r < 0 ? r : pid;
}

static int write_map(pid_t pid, const char *file, const struct zone_spec_idmap *map, size_t n,
                     struct zone_err **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return zone_err_sys(err, -ENOMEM, "write %s", file);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%u %u %u\n", map[i].container_id, map[i].host_id, map[i].size);
        fclose(f);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "open %s", path);
        /* The whole map in one write: the kernel accepts a map only once. */
        if (write(fd, buf, size) != (ssize_t)size)
                return zone_err_sys(err, -errno, "linux.%s: write %s",
                                    file[0] == 'u' ? "uidMappings" : "gidMappings", path);
        return 0;
}

int light_ns_write_idmaps(const struct zone_spec *spec, pid_t pid, struct zone_err **err)
{
        int r =
            write_map(pid, "uid_map", spec->linux.uid_mappings, spec->linux.n_uid_mappings, err);
        if (r < 0)
                return r;
        return write_map(pid, "gid_map", spec->linux.gid_mappings, spec->linux.n_gid_mappings, err);
}

int light_ns_join(const struct light_ns_plan *plan, struct zone_err **err)
{
        for (int i = 0; i < plan->n_join; i++) {
                if (setns(plan->join_fd[i], plan->join_type[i]) < 0)
                        return zone_err_sys(err, -errno, "join %s namespace",
                                            zone_ns_type_name(plan->join_type[i]));
                if (plan->join_type[i] == CLONE_NEWUSER && plan->unshare_flags &&
                    unshare(plan->unshare_flags) < 0)
                        return zone_err_sys(err, -errno, "create namespaces");
        }
        if (plan->late_flags && unshare(plan->late_flags) < 0)
                return zone_err_sys(err, -errno, "create cgroup namespace");
        return 0;
}

int light_ns_plan_of_pid(pid_t pid, struct light_ns_plan *plan, struct zone_err **err)
{
        plan_init(plan);
        for (size_t i = 0; i < ARRAY_SIZE(proc_names); i++) {
                char path[64], self[64];
                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, proc_names[i].proc);
                snprintf(self, sizeof(self), "/proc/self/ns/%s", proc_names[i].proc);
                struct stat a, b;
                if (stat(path, &a) < 0) {
                        if (errno == ENOENT && access("/proc/self/ns", F_OK) == 0 &&
                            kill(pid, 0) == 0)
                                continue; /* a kind this kernel does not have */
                        light_ns_plan_done(plan);
                        return zone_err_sys(err, -errno, "open %s", path);
                }
                if (stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
                        continue; /* shared with the host: nothing to join */
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        light_ns_plan_done(plan);
                        return zone_err_sys(err, -errno, "open %s", path);
                }
                if (proc_names[i].type == CLONE_NEWPID)
                        plan->pid_fd = fd;
                else if (proc_names[i].type == CLONE_NEWTIME)
                        plan->time_fd = fd;
                else {
                        plan->join_fd[plan->n_join] = fd;
                        plan->join_type[plan->n_join++] = proc_names[i].type;
                }
        }
        plan->join_user = plan->n_join > 0 && plan->join_type[0] == CLONE_NEWUSER;
        return 0;
}
