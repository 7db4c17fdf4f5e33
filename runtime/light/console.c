/* Terminals for light zones. The pty comes from the zone's devpts instance so the zone sees a
 * normal /dev/pts/N; TIOCGPTPEER opens the slave without a path lookup. */
#include "console.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "../err.h"
#include "../util.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int light_console_open(unsigned rows, unsigned cols, uid_t uid, gid_t gid, int *ret_master,
                       int *ret_slave, struct zone_err **err)
{
        _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return zone_err_sys(err, -errno, "open /dev/ptmx");
        int unlock = 0;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return zone_err_sys(err, -errno, "unlock pty");
        _cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return zone_err_sys(err, -errno, "open pty slave");
        if (fchown(slave, uid, gid) < 0 && errno != EINVAL)
                return zone_err_sys(err, -errno, "chown pty slave to %u:%u", uid, gid);
        if (rows && cols) {
                struct winsize ws = {.ws_row = (unsigned short)rows,
                                     .ws_col = (unsigned short)cols};
                if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
                        return zone_err_sys(err, -errno, "set terminal size");
        }
        *ret_master = steal_fd(&master);
        *ret_slave = steal_fd(&slave);
        return 0;
}

int light_console_attach(int slave, struct zone_err **err)
{
        if (setsid() < 0)
                return zone_err_sys(err, -errno, "setsid");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return zone_err_sys(err, -errno, "make the pty the controlling terminal");
        for (int fd = 0; fd < 3; fd++)
                if (dup2(slave, fd) < 0)
                        return zone_err_sys(err, -errno, "dup pty onto fd %d", fd);
        return 0;
}

int light_console_connect(const char *path, struct zone_err **err)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(addr.sun_path))
                return zone_err_set(err, -ENAMETOOLONG, "console socket %s: path too long", path);
        strcpy(addr.sun_path, path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return zone_err_sys(err, -errno, "console socket %s", path);
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return zone_err_sys(err, -errno, "connect to console socket %s", path);
        return steal_fd(&fd);
}
