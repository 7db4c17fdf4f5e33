/* AppArmor and SELinux for light zones: both take the process's next-exec attribute in
 * /proc/self/attr, written through a handle verified to be procfs so a fake /proc in an image
 * cannot swallow the write and leave the zone unconfined. */
#include "lsm.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../err.h"
#include "../log.h"
#include "../spec.h"
#include "../util.h"

#define SELINUX_MAGIC 0xf97cff8c

static bool apparmor_enabled(void)
{
        char c = 0;
        _cleanup_close_ int fd =
            open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
        return fd >= 0 && read(fd, &c, 1) == 1 && c == 'Y';
}

static bool selinux_enabled(void)
{
        struct statfs sfs;
        return statfs("/sys/fs/selinux", &sfs) == 0 && sfs.f_type == SELINUX_MAGIC;
}

void light_lsm_detect(const struct zone_spec_process *p, const struct zone_log *log,
                      struct light_lsm *ret)
{
        ret->apparmor = p->apparmor_profile && *p->apparmor_profile && apparmor_enabled();
        ret->selinux = selinux_enabled();
        if (p->apparmor_profile && *p->apparmor_profile && !ret->apparmor)
                zone_debug(log, "AppArmor is not enabled: ignoring process.apparmorProfile %s",
                           p->apparmor_profile);
        if (p->selinux_label && *p->selinux_label && !ret->selinux)
                zone_debug(log, "SELinux is not enabled: ignoring process.selinuxLabel %s",
                           p->selinux_label);
}

int light_lsm_prepare(const struct zone_spec_process *p, const struct light_lsm *lsm, int *ret_fd,
                      char **ret_value, struct zone_err **err)
{
        const char *path = NULL, *field = NULL;
        _cleanup_free_ char *value = NULL;
        *ret_fd = -1;
        *ret_value = NULL;
        if (lsm->apparmor) {
                field = "process.apparmorProfile";
                if (asprintf(&value, "exec %s", p->apparmor_profile) < 0)
                        return zone_err_sys(err, -ENOMEM, "%s", field);
                /* The AppArmor-specific file exists since Linux 5.8; older kernels share the
                 * generic one. */
                struct stat st;
                path = stat("/proc/self/attr/apparmor", &st) == 0 ? "/proc/self/attr/apparmor/exec"
                                                                  : "/proc/self/attr/exec";
        } else if (lsm->selinux && p->selinux_label && *p->selinux_label) {
                field = "process.selinuxLabel";
                path = "/proc/self/attr/exec";
                if (!(value = strdup(p->selinux_label)))
                        return zone_err_sys(err, -ENOMEM, "%s", field);
        } else {
                return 0;
        }
        int fd = open_procfs(path, O_WRONLY);
        if (fd == -EXDEV)
                return zone_err_set(err, -EXDEV, "%s: %s is not on procfs", field, path);
        if (fd < 0)
                return zone_err_sys(err, fd, "%s: open %s", field, path);
        *ret_fd = fd;
        *ret_value = steal_pointer(&value);
        return 0;
}
