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

static int write_attr(const char *path, const char *value, const char *field, struct zone_err **err)
{
        _cleanup_close_ int fd = open_procfs(path, O_WRONLY);
        if (fd == -EXDEV)
                return zone_err_set(err, -EXDEV, "%s: %s is not on procfs", field, path);
        if (fd < 0)
                return zone_err_sys(err, fd, "%s: open %s", field, path);
        int r = write_full(fd, value, strlen(value));
        return r < 0 ? zone_err_sys(err, r, "%s: write %s", field, path) : 0;
}

int light_lsm_apply(const struct zone_spec_process *p, const struct light_lsm *lsm,
                    struct zone_err **err)
{
        if (lsm->apparmor) {
                _cleanup_free_ char *v = NULL;
                if (asprintf(&v, "exec %s", p->apparmor_profile) < 0)
                        return zone_err_sys(err, -ENOMEM, "process.apparmorProfile");
                /* The AppArmor-specific file exists since Linux 5.8; older kernels share the
                 * generic one. */
                struct stat st;
                const char *path = stat("/proc/self/attr/apparmor", &st) == 0
                                       ? "/proc/self/attr/apparmor/exec"
                                       : "/proc/self/attr/exec";
                int r = write_attr(path, v, "process.apparmorProfile", err);
                if (r < 0)
                        return r;
        }
        if (lsm->selinux && p->selinux_label && *p->selinux_label)
                return write_attr("/proc/self/attr/exec", p->selinux_label, "process.selinuxLabel",
                                  err);
        return 0;
}
