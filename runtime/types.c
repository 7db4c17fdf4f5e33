/* A zone's type: the precedence of its sources and what this host needs to run it. */
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backend.h"
#include "types.h"
#include "util.h"
#include "vm/guest.h"

const char *const zone_types[] = {"light", "vm", "emulated", NULL};

/* Type vm runs QEMU with KVM, emulated the same QEMU with TCG: both need its binary. */
#define QEMU_PROGRAM "qemu-system-x86_64"

static bool given(const char *s)
{
        return s && *s;
}

struct zone_type_choice zone_type_choose(const char *flag, const char *annotation,
                                         const char *program, const char *image)
{
        if (given(flag))
                return (struct zone_type_choice){flag, ZONE_TYPE_FROM_FLAG};
        if (given(annotation))
                return (struct zone_type_choice){annotation, ZONE_TYPE_FROM_ANNOTATION};
        if (given(program))
                return (struct zone_type_choice){program, ZONE_TYPE_FROM_PROGRAM};
        if (given(image))
                return (struct zone_type_choice){image, ZONE_TYPE_FROM_IMAGE};
        return (struct zone_type_choice){ZONE_TYPE_DEFAULT, ZONE_TYPE_FROM_DEFAULT};
}

const char *zone_type_source_name(enum zone_type_source source)
{
        switch (source) {
        case ZONE_TYPE_FROM_FLAG:
                return "--type";
        case ZONE_TYPE_FROM_ANNOTATION:
                return "annotation " ZONE_TYPE_ANNOTATION;
        case ZONE_TYPE_FROM_PROGRAM:
                return "program name";
        case ZONE_TYPE_FROM_IMAGE:
                return "image label " ZONE_TYPE_ANNOTATION;
        case ZONE_TYPE_FROM_DEFAULT:
                break;
        }
        return "default";
}

int zone_type_validate(struct zone_type_choice choice, struct zone_err **err)
{
        for (const char *const *t = zone_types; *t; t++)
                if (choice.type && strcmp(choice.type, *t) == 0)
                        return 0;
        return zone_err_set(err, -EINVAL,
                            "%s: unknown zone type \"%s\" (expected light, vm or emulated)",
                            zone_type_source_name(choice.source), choice.type ? choice.type : "");
}

const char *zone_type_of_program(const char *argv0)
{
        static const char prefix[] = "zone-oci-";
        if (!argv0)
                return NULL;
        const char *base = strrchr(argv0, '/');
        base = base ? base + 1 : argv0;
        if (strncmp(base, prefix, sizeof(prefix) - 1) != 0)
                return NULL;
        return base + sizeof(prefix) - 1;
}

/* Every KVM failure reads the same way: what is wrong with the device, then the way out. */
#define KVM_HINT "; use --type emulated to run without hardware virtualization"

int zone_kvm_check(const char *path, struct zone_err **err)
{
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                int e = errno;
                return zone_err_set(err, -e,
                                    "zone type vm needs KVM: open %s read-write: %s" KVM_HINT, path,
                                    zone_errno_name(-e));
        }
        int version = ioctl(fd, KVM_GET_API_VERSION, 0);
        if (version < 0) {
                int e = errno;
                return zone_err_set(
                    err, -e, "zone type vm needs KVM: KVM_GET_API_VERSION on %s: %s" KVM_HINT, path,
                    zone_errno_name(-e));
        }
        if (version != KVM_API_VERSION)
                return zone_err_set(
                    err, -ENOTSUP,
                    "zone type vm needs KVM: %s speaks API version %d, not %d" KVM_HINT, path,
                    version, KVM_API_VERSION);
        /* kvm_pvm (a paravirtual KVM for hosts without VT-x or AMD-V, often themselves VMs)
         * runs only guest kernels built for it, which the zone's guest kernel is not. */
        if (access("/sys/module/kvm_pvm", F_OK) == 0 && access("/sys/module/kvm_intel", F_OK) < 0 &&
            access("/sys/module/kvm_amd", F_OK) < 0)
                return zone_err_set(
                    err, -ENOTSUP,
                    "zone type vm needs KVM with hardware virtualization: %s is "
                    "kvm_pvm's, which runs only guest kernels built for PVM" KVM_HINT,
                    path);
        return 0;
}

/* Finds an executable program on PATH (as execvp would); 0 or -ENOENT. */
static int find_program(const char *name)
{
        const char *path = getenv("PATH");
        if (!path || !*path)
                path = "/usr/local/bin:/usr/bin:/bin";
        size_t nlen = strlen(name);
        for (const char *p = path; *p;) {
                const char *end = strchrnul(p, ':');
                size_t dlen = (size_t)(end - p);
                char buf[4096];
                if (dlen > 0 && dlen + 1 + nlen < sizeof(buf)) {
                        memcpy(buf, p, dlen);
                        buf[dlen] = '/';
                        memcpy(buf + dlen + 1, name, nlen + 1);
                        if (access(buf, X_OK) == 0)
                                return 0;
                }
                p = *end ? end + 1 : end;
        }
        return -ENOENT;
}

int zone_type_check_host(const char *type, struct zone_err **err)
{
        const struct zone_backend *backend = zone_backend_for(type);
        if (!backend)
                return zone_err_set(err, -EINVAL, "unknown zone type \"%s\"", type);
        if (backend == &zone_backend_light)
                return 0;
        int r;
        if (backend == &zone_backend_vm && (r = zone_kvm_check(ZONE_KVM_DEVICE, err)) < 0)
                return r;
        if (find_program(QEMU_PROGRAM) < 0)
                return zone_err_set(err, -ENOENT,
                                    "zone type %s needs QEMU: %s not found on PATH (Debian "
                                    "package qemu-system-x86)",
                                    type, QEMU_PROGRAM);
        /* A backend that cannot start a zone is not there yet. */
        if (!backend->start)
                return zone_err_set(err, -EOPNOTSUPP, "zone type %s is not available yet", type);
        return 0;
}

int zone_type_check_usable(const char *type, struct zone_err **err)
{
        int r = zone_type_check_host(type, err);
        if (r < 0 || strcmp(type, "light") == 0)
                return r;
        _cleanup_free_ char *kernel = NULL, *initrd = NULL;
        return vm_guest_files(NULL, &kernel, &initrd, err);
}

struct zone_type_support zone_type_support(const char *type)
{
        if (strcmp(type, "light") == 0)
                return (struct zone_type_support){
                    .supports = "exec,terminal,console-socket,pause,resume,update,events,ps,"
                                "hooks,namespace-paths,bind-mounts,preserve-fds,seccomp,"
                                "capabilities,cgroups",
                    .lacks = ""};
        /* The VM types: what runtime/vm/README.md says works, and what it says does not. */
        return (struct zone_type_support){
            .supports = "exec,terminal,console-socket,pause,resume,update,events,ps,hooks,"
                        "network-namespace-path,bind-mounts,seccomp,capabilities,cgroups,"
                        "guest-ram-from-memory-limit,vcpus-from-cpu-limits",
            .lacks = "preserve-fds,namespace-paths-other-than-network,memory-update,oom-events"};
}
