/* The runtime side of zone-exec: copy it into a sealed memfd, then exec it with the program's
 * path and arguments. */
#include "trampoline.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../err.h"
#include "../spec.h"
#include "../util.h"
#include "process.h"
#include "seccomp.h"

#define ZONE_MFD_EXEC 0x0010U /* MFD_EXEC, newer than this libc's headers */

extern const char light_trampoline_start[], light_trampoline_end[];

int light_trampoline_prepare(struct zone_err **err)
{
        /* MFD_EXEC keeps it executable where vm.memfd_noexec would default memfds to noexec
         * (Linux 6.3+); older kernels do not know the flag. */
        _cleanup_close_ int fd =
            memfd_create("zone-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING | ZONE_MFD_EXEC);
        if (fd < 0 && errno == EINVAL)
                fd = memfd_create("zone-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return zone_err_sys(err, -errno, "memfd for zone-exec");
        int r = write_full(fd, light_trampoline_start,
                           (size_t)(light_trampoline_end - light_trampoline_start));
        if (r < 0)
                return zone_err_sys(err, r, "write zone-exec");
        if (fchmod(fd, 0555) < 0)
                return zone_err_sys(err, -errno, "chmod zone-exec");
        /* Nothing, not even the zone with this fd in hand, can change it afterwards. */
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
                return zone_err_sys(err, -errno, "seal zone-exec");
        return steal_fd(&fd);
}

static int keep_open_across_exec(int fd, struct zone_err **err)
{
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
                return zone_err_sys(err, -errno, "zone-exec: pass fd %d", fd);
        return 0;
}

int light_trampoline_exec(int memfd, const struct zone_spec_process *p,
                          const struct light_trampoline_args *a, struct zone_err **err)
{
        _cleanup_free_ char *path = NULL;
        int r = light_process_lookup(p, &path, err);
        if (r < 0)
                return r;
        _cleanup_close_ int filter = -1;
        unsigned long flags = 0;
        if (a->seccomp && (filter = light_seccomp_program_fd(a->seccomp, &flags, err)) < 0)
                return filter;
        size_t n = strv_length(p->args);
        _cleanup_free_ char **argv = calloc(n + 10, sizeof(char *));
        if (!argv)
                return zone_err_sys(err, -ENOMEM, "exec %s", path);
        char num[5][24];
        snprintf(num[0], sizeof(num[0]), "%d", a->sync_fd);
        snprintf(num[1], sizeof(num[1]), "%d", a->attr_fd);
        snprintf(num[2], sizeof(num[2]), "%d", filter);
        snprintf(num[3], sizeof(num[3]), "%lu", flags);
        snprintf(num[4], sizeof(num[4]), "%d", a->seccomp ? a->listener_fd : -1);
        char *fixed[] = {
            "zone-exec", num[0], num[1], (char *)(a->attr_value ? a->attr_value : ""),
            num[2],      num[3], num[4], (char *)(a->process_state ? a->process_state : ""),
            path};
        memcpy(argv, fixed, sizeof(fixed));
        for (size_t i = 0; i < n; i++)
                argv[9 + i] = p->args[i];
        int pass[] = {a->sync_fd, a->attr_fd, filter, a->seccomp ? a->listener_fd : -1};
        for (size_t i = 0; i < ARRAY_SIZE(pass); i++)
                if (pass[i] >= 0 && (r = keep_open_across_exec(pass[i], err)) < 0)
                        return r;
        static char *const empty[] = {NULL};
        execveat(memfd, "", argv, p->env ? p->env : empty, AT_EMPTY_PATH);
        return zone_err_sys(err, -errno, "exec zone-exec for %s", path);
}
