/* The guest's files and config (guest.h). */
#include "guest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../err.h"
#include "../spec.h"
#include "../types.h"
#include "../util.h"
#include "proto.h"

static int annotated_file(const struct zone_spec *spec, const char *key, char **ret,
                          struct zone_err **err)
{
        const char *v = zone_spec_annotation(spec, key);
        *ret = NULL;
        if (!v)
                return 0;
        if (access(v, R_OK) < 0)
                return zone_err_sys(err, -errno, "annotation %s: %s", key, v);
        *ret = strdup(v);
        return *ret ? 0 : zone_err_sys(err, -ENOMEM, "annotation %s", key);
}

/* A bzImage has "HdrS" at 0x202, the boot protocol's header (what QEMU's -kernel reads). */
static int check_bzimage(const char *path, const char *what, struct zone_err **err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "%s: open %s", what, path);
        char magic[4];
        ssize_t n = pread(fd, magic, sizeof(magic), 0x202);
        if (n < 0)
                return zone_err_sys(err, -errno, "%s: read %s", what, path);
        if (n != sizeof(magic) || memcmp(magic, "HdrS", 4) != 0)
                return zone_err_set(err, -ENOEXEC,
                                    "%s: %s is not a bootable kernel image (no bzImage header)",
                                    what, path);
        return 0;
}

int vm_guest_files(const struct zone_spec *spec, char **ret_kernel, char **ret_initrd,
                   struct zone_err **err)
{
        _cleanup_free_ char *kernel = NULL, *initrd = NULL;
        int r = annotated_file(spec, "org.zone.vm.kernel", &kernel, err);
        if (r >= 0)
                r = annotated_file(spec, "org.zone.vm.initrd", &initrd, err);
        if (r < 0)
                return r;
        if (kernel && (r = check_bzimage(kernel, "annotation org.zone.vm.kernel", err)) < 0)
                return r;
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n < 0)
                return zone_err_sys(err, -errno, "read /proc/self/exe");
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
                *slash = 0;
        static const char *const dirs[] = {"vm", "../vm", "../lib/zone/vm"};
        /* The zone kernel (make guest-kernel) boots faster than Debian's (bench/README.md): it
         * and its module-less initramfs come first, as a pair, unless an annotation chose. */
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !kernel && !initrd; i++) {
                _cleanup_free_ char *k = NULL, *in = NULL;
                if (asprintf(&k, "%s/%s/zone-kernel/bzImage", exe, dirs[i]) < 0 ||
                    asprintf(&in, "%s/%s/zone-kernel/initramfs.cpio.gz", exe, dirs[i]) < 0)
                        return zone_err_sys(err, -ENOMEM, "guest files");
                if (access(k, R_OK) == 0 && access(in, R_OK) == 0) {
                        kernel = steal_pointer(&k);
                        initrd = steal_pointer(&in);
                }
        }
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && (!kernel || !initrd); i++) {
                _cleanup_free_ char *k = NULL, *in = NULL;
                if (asprintf(&k, "%s/%s/vmlinuz", exe, dirs[i]) < 0 ||
                    asprintf(&in, "%s/%s/initramfs.cpio.gz", exe, dirs[i]) < 0)
                        return zone_err_sys(err, -ENOMEM, "guest files");
                if (!kernel && access(k, R_OK) == 0)
                        kernel = steal_pointer(&k);
                if (!initrd && access(in, R_OK) == 0)
                        initrd = steal_pointer(&in);
        }
        if (!kernel)
                return zone_err_set(err, -ENOENT,
                                    "no guest kernel: no vmlinuz in vm/, ../vm/ or ../lib/zone/vm/ "
                                    "beside %s (make vm builds one) and no annotation "
                                    "org.zone.vm.kernel",
                                    exe);
        if (!initrd)
                return zone_err_set(err, -ENOENT,
                                    "no guest initramfs: no initramfs.cpio.gz in vm/, ../vm/ or "
                                    "../lib/zone/vm/ beside %s (make vm builds one) and no "
                                    "annotation org.zone.vm.initrd",
                                    exe);
        *ret_kernel = steal_pointer(&kernel);
        *ret_initrd = steal_pointer(&initrd);
        return 0;
}

int vm_guest_validate(const struct zone_spec *spec, const char *type, struct zone_err **err)
{
        /* A network namespace is the one exception: its interfaces become the guest's (net.c). */
        for (size_t i = 0; i < spec->linux.n_namespaces; i++)
                if (spec->linux.namespaces[i].path &&
                    spec->linux.namespaces[i].type != CLONE_NEWNET)
                        return zone_err_set(err, -EINVAL,
                                            "linux.namespaces[%zu].path: a %s zone cannot join a "
                                            "namespace of the host",
                                            i, type);
        return 0;
}

int vm_guest_config(const struct zone_spec *spec, char *const *sources, const char *net, char **ret,
                    size_t *ret_len, struct zone_err **err)
{
        /* A shallow copy with a few fields replaced: the strings stay the spec's. */
        struct zone_spec g = *spec;
        g.root.path = (char *)"rootfs";
        memset(&g.hooks, 0, sizeof(g.hooks));
        g.linux.cgroups_path = (char *)"/zone";
        memset(&g.linux.resources, 0, sizeof(g.linux.resources));
        /* The zone's process has the guest's network, which is the zone's namespace's
         * interfaces (or loopback alone): no namespace of its own, no host path. */
        _cleanup_free_ struct zone_spec_namespace *ns =
            calloc(spec->linux.n_namespaces + 1, sizeof(*ns));
        /* Inside the guest the zone is a light one. */
        _cleanup_free_ struct zone_kv *ann = calloc(spec->n_annotations + 2, sizeof(*ann));
        if (!ns || !ann)
                return zone_err_sys(err, -ENOMEM, "the guest's config");
        g.linux.n_namespaces = 0;
        for (size_t i = 0; i < spec->linux.n_namespaces; i++)
                if (spec->linux.namespaces[i].type != CLONE_NEWNET)
                        ns[g.linux.n_namespaces++] = spec->linux.namespaces[i];
        g.linux.namespaces = ns;
        g.n_annotations = 0;
        for (size_t i = 0; i < spec->n_annotations; i++) {
                const char *key = spec->annotations[i].key;
                /* Only the runtime says what the guest's network is; and every source of the
                 * type is replaced by the one below. */
                if (strcmp(key, VM_NET_ANNOTATION) == 0 || strcmp(key, ZONE_TYPE_ANNOTATION) == 0 ||
                    strcmp(key, ZONE_IMAGE_TYPE_ANNOTATION) == 0)
                        continue;
                ann[g.n_annotations++] = spec->annotations[i];
        }
        ann[g.n_annotations++] =
            (struct zone_kv){(char *)ZONE_TYPE_ANNOTATION, (char *)ZONE_TYPE_DEFAULT};
        /* The network's sysctls are the guest's (its network is the zone's alone): the agent
         * sets them with the interfaces, after them, so an interface's own can be set too. */
        _cleanup_free_ struct zone_kv *sysctl = calloc(spec->linux.n_sysctl + 1, sizeof(*sysctl));
        _cleanup_free_ char *desc = NULL;
        size_t desc_len = 0;
        FILE *out = open_memstream(&desc, &desc_len);
        if (!sysctl || !out) {
                if (out)
                        fclose(out);
                return zone_err_sys(err, -ENOMEM, "the guest's config");
        }
        fputs(net ? net : "", out);
        g.linux.n_sysctl = 0;
        for (size_t i = 0; i < spec->linux.n_sysctl; i++) {
                const struct zone_kv *kv = &spec->linux.sysctl[i];
                if (strncmp(kv->key, "net.", 4) == 0 || strncmp(kv->key, "net/", 4) == 0)
                        fprintf(out, "sysctl %s %s\n", kv->key, kv->value);
                else
                        sysctl[g.linux.n_sysctl++] = *kv;
        }
        g.linux.sysctl = sysctl;
        if (fclose(out) != 0)
                return zone_err_sys(err, -ENOMEM, "the guest's config");
        if (desc_len)
                ann[g.n_annotations++] = (struct zone_kv){(char *)VM_NET_ANNOTATION, desc};
        g.annotations = ann;
        _cleanup_free_ struct zone_spec_mount *mounts =
            spec->n_mounts ? calloc(spec->n_mounts, sizeof(*mounts)) : NULL;
        if (spec->n_mounts && !mounts)
                return zone_err_sys(err, -ENOMEM, "the guest's config");
        for (size_t i = 0; i < spec->n_mounts; i++) {
                mounts[i] = spec->mounts[i];
                if (sources && sources[i])
                        mounts[i].source = sources[i];
        }
        g.mounts = mounts;
        int r = zone_spec_write(&g, ret, ret_len, err);
        return r < 0 ? zone_err_wrap(err, "the guest's config") : r;
}
