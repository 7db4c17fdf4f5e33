/* Booting the guest as its PID 1 (boot.h). */
#include "boot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../../util.h"
#include "../proto.h"

static int load_modules(const char **what)
{
        _cleanup_free_ char *list = NULL;
        size_t len;
        int r = read_file_at(AT_FDCWD, "/lib/modules/order", 1u << 16, &list, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                *what = "read /lib/modules/order";
                return r;
        }
        char *save = NULL;
        for (char *name = strtok_r(list, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
                char path[256];
                snprintf(path, sizeof(path), "/lib/modules/%s", name);
                _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        *what = "open a kernel module";
                        return -errno;
                }
                if (syscall(SYS_finit_module, fd, "", 0) < 0) {
                        /* A kernel without module support (the zone kernel,
                         * kernel-patches/guest/) has every driver built in. */
                        if (errno == ENOSYS)
                                return 0;
                        if (errno != EEXIST) {
                                *what = "load a kernel module";
                                return -errno;
                        }
                }
        }
        return 0;
}

static int mount_at(const char *src, const char *dst, const char *type, unsigned long flags,
                    const char *data, const char **what)
{
        mkdir(dst, 0755);
        if (mount(src, dst, type, flags, data) < 0) {
                *what = dst;
                return -errno;
        }
        return 0;
}

int agent_boot(const char **what)
{
        int r = load_modules(what);
        if (r < 0)
                return r;
        /* The switch_root step: a tmpfs becomes "/", the initramfs stays below it unseen. */
        if ((r = mount_at("tmpfs", "/newroot", "tmpfs", 0, "mode=755", what)) < 0)
                return r;
        if (chdir("/newroot") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
            chdir("/") < 0) {
                *what = "move the root to a tmpfs";
                return -errno;
        }
        const unsigned long nosuid = MS_NOSUID | MS_NOEXEC | MS_NODEV;
        if ((r = mount_at("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, NULL, what)) < 0 ||
            (r = mount_at("proc", "/proc", "proc", nosuid, NULL, what)) < 0 ||
            (r = mount_at("sysfs", "/sys", "sysfs", nosuid, NULL, what)) < 0 ||
            (r = mount_at("cgroup2", "/sys/fs/cgroup", "cgroup2", nosuid, NULL, what)) < 0 ||
            (r = mount_at("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755", what)) < 0 ||
            (r = mount_at("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", what)) < 0)
                return r;
        /* A kernel without a console device (the zone kernel has no VT) starts init with fds
         * 0-2 closed: /dev/null fills them, or the port and pipes opened later would. */
        int fd;
        while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd < 3)
                ;
        if (fd < 0) {
                *what = "open /dev/null";
                return -errno;
        }
        close(fd);
        /* The guest is the zone's alone: every controller is delegated below the root. */
        _cleanup_free_ char *ctrls = NULL;
        size_t len;
        if (read_file_at(AT_FDCWD, "/sys/fs/cgroup/cgroup.controllers", 4096, &ctrls, &len) >= 0) {
                char *save = NULL;
                for (char *c = strtok_r(ctrls, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
                        char buf[64];
                        snprintf(buf, sizeof(buf), "+%s", c);
                        write_string_at(AT_FDCWD, "/sys/fs/cgroup/cgroup.subtree_control", buf);
                }
        }
        return 0;
}

/* The port's device name (vport0p1) from sysfs, where its name is VM_PORT_NAME. */
static int find_port(char *dev, size_t size)
{
        DIR *d = opendir("/sys/class/virtio-ports");
        if (!d)
                return -errno;
        int r = -ENOENT;
        struct dirent *e;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                char path[300];
                snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
                _cleanup_free_ char *name = NULL;
                size_t len;
                if (read_file_at(AT_FDCWD, path, 256, &name, &len) < 0)
                        continue;
                name[strcspn(name, "\n")] = 0;
                if (strcmp(name, VM_PORT_NAME) == 0) {
                        snprintf(dev, size, "/dev/%s", e->d_name);
                        r = 0;
                        break;
                }
        }
        closedir(d);
        return r;
}

int agent_open_port(void)
{
        /* The host announces its ports over the control queue after the driver's probe. */
        for (int i = 0; i < 3000; i++) {
                char dev[300];
                if (find_port(dev, sizeof(dev)) == 0) {
                        int fd = open(dev, O_RDWR | O_CLOEXEC);
                        if (fd >= 0)
                                return fd;
                }
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
        return -ENOENT;
}

/* cache=none: every write reaches the host at once, so the zone's files are there when its
 * exit status is. */
#define MOUNT_9P_OPTS "trans=virtio,version=9p2000.L,msize=262144,cache=none,access=client"

int agent_mount_root(const char *path, const char **what)
{
        return mount_at(VM_ROOT_TAG, path, "9p", 0, MOUNT_9P_OPTS, what);
}

int agent_mount_share(const char **what)
{
        return mount_at(VM_SHARE_TAG, VM_SHARE_GUEST_DIR, "9p", 0, MOUNT_9P_OPTS, what);
}
