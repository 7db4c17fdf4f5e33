/* linux.sysctl: which keys a zone may set, and writing them through /proc/sys. */
#include "light/process.h"

#include "err.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The IPC namespace's own knobs under kernel.* (fs.mqueue.* is matched by prefix). */
static const char *const ipc_keys[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

static const struct zone_spec_namespace *find_ns(const struct zone_spec *spec, int type)
{
        /* Scanned here rather than through the spec module so this file stands alone. */
        for (size_t i = 0; i < spec->linux.n_namespaces; i++)
                if (spec->linux.namespaces[i].type == type)
                        return &spec->linux.namespaces[i];
        return NULL;
}

static bool has_prefix(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A key is "a.b.c" or, when it holds a '/', the path "a/b/c" taken as is (so "eth0.100" in
 * an interface name survives). Either way every component must be a plain name: with ".."
 * a net.* key could walk out to a host-wide knob. */
static bool key_wellformed(const char *key)
{
        char sep = strchr(key, '/') ? '/' : '.';
        const char *c = key;
        for (;;) {
                const char *end = strchrnul(c, sep);
                size_t len = (size_t)(end - c);
                if (len == 0 || (len == 1 && c[0] == '.') ||
                    (len == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                if (!*end)
                        return true;
                c = end + 1;
        }
}

/* Is the namespace at path the one this (host-side) process is in? */
static int ns_is_hosts(const char *path, const char *self_ns, bool *ret)
{
        struct stat a, b;
        if (stat(path, &a) < 0 || stat(self_ns, &b) < 0)
                return -errno;
        *ret = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
        return 0;
}

static int check_key(const struct zone_spec *spec, const char *key, bool host_check,
                     struct zone_err **err)
{
        if (!key_wellformed(key))
                return zone_err_set(err, -EINVAL, "linux.sysctl: \"%s\" is not a valid key", key);

        /* Classify on the dotted form whichever way the key was written. */
        _cleanup_free_ char *dotted = strdup(key);
        if (!dotted)
                return zone_err_sys(err, -ENOMEM, "linux.sysctl: \"%s\"", key);
        if (strchr(dotted, '/'))
                for (char *c = dotted; *c; c++)
                        if (*c == '/')
                                *c = '.';

        int type = 0;
        const char *ns_name = NULL, *self_ns = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(ipc_keys) && !type; i++)
                if (strcmp(dotted, ipc_keys[i]) == 0)
                        type = CLONE_NEWIPC;
        if (!type && has_prefix(dotted, "fs.mqueue."))
                type = CLONE_NEWIPC;
        if (type) {
                ns_name = "ipc";
                self_ns = "/proc/self/ns/ipc";
        } else if (has_prefix(dotted, "net.")) {
                type = CLONE_NEWNET;
                ns_name = "network";
                self_ns = "/proc/self/ns/net";
        } else if (strcmp(dotted, "kernel.hostname") == 0 ||
                   strcmp(dotted, "kernel.domainname") == 0) {
                type = CLONE_NEWUTS;
                ns_name = "uts";
                self_ns = "/proc/self/ns/uts";
        } else {
                return zone_err_set(err, -EINVAL,
                                    "linux.sysctl: \"%s\" is not namespaced and cannot be set in "
                                    "a zone",
                                    key);
        }

        const struct zone_spec_namespace *ns = find_ns(spec, type);
        if (!ns)
                return zone_err_set(err, -EINVAL,
                                    "linux.sysctl: \"%s\" needs the zone to have its own %s "
                                    "namespace",
                                    key, ns_name);
        if (host_check && ns->path) {
                bool hosts = false;
                int r = ns_is_hosts(ns->path, self_ns, &hosts);
                if (r < 0)
                        return zone_err_sys(err, r, "linux.sysctl: \"%s\": check %s namespace %s",
                                            key, ns_name, ns->path);
                if (hosts)
                        return zone_err_set(err, -EINVAL,
                                            "linux.sysctl: \"%s\" cannot be set in the host's %s "
                                            "namespace (%s)",
                                            key, ns_name, ns->path);
        }
        return 0;
}

int light_sysctl_validate(const struct zone_spec *spec, struct zone_err **err)
{
        for (size_t i = 0; i < spec->linux.n_sysctl; i++) {
                int r = check_key(spec, spec->linux.sysctl[i].key, true, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int openat2_fd(int dirfd, const char *path, int flags, uint64_t resolve)
{
        struct open_how how = {.flags = (uint64_t)flags, .resolve = resolve};
        int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        return fd < 0 ? -errno : fd;
}

int light_apply_sysctl(const struct zone_spec *spec, struct zone_err **err)
{
        if (spec->linux.n_sysctl == 0)
                return 0;
        /* Inside the zone, /proc/self/ns is the zone's own: only the key rules apply here, the
         * host-namespace check belongs to light_sysctl_validate() on the host side. */
        for (size_t i = 0; i < spec->linux.n_sysctl; i++) {
                int r = check_key(spec, spec->linux.sysctl[i].key, false, err);
                if (r < 0)
                        return r;
        }

        /* Only the real procfs: never a directory or bind mount standing in for it. */
        _cleanup_close_ int procsys = open_procfs("/proc/sys", O_PATH | O_DIRECTORY);
        if (procsys == -EXDEV)
                return zone_err_set(err, -EXDEV, "linux.sysctl: /proc/sys is not procfs");
        if (procsys < 0)
                return zone_err_sys(err, procsys, "linux.sysctl: open /proc/sys");

        for (size_t i = 0; i < spec->linux.n_sysctl; i++) {
                const struct zone_kv *kv = &spec->linux.sysctl[i];
                _cleanup_free_ char *rel = strdup(kv->key);
                if (!rel)
                        return zone_err_sys(err, -ENOMEM, "linux.sysctl: \"%s\"", kv->key);
                if (!strchr(rel, '/'))
                        for (char *c = rel; *c; c++)
                                if (*c == '.')
                                        *c = '/';
                const char *value = kv->value ? kv->value : "";
                _cleanup_close_ int fd = openat2_fd(procsys, rel, O_WRONLY | O_CLOEXEC | O_NOCTTY,
                                                    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                                        RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
                if (fd < 0)
                        return zone_err_sys(err, fd, "linux.sysctl: write \"%s\" to /proc/sys/%s",
                                            value, rel);
                int r = write_full(fd, value, strlen(value));
                if (r < 0)
                        return zone_err_sys(err, r, "linux.sysctl: write \"%s\" to /proc/sys/%s",
                                            value, rel);
        }
        return 0;
}
