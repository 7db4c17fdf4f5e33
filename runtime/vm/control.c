/* The control socket's client side (control.h). */
#include "control.h"

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../err.h"
#include "../util.h"
#include "proto.h"

int vm_ctl_connect(int dirfd, const char *what, int *ret, struct zone_err **err)
{
        /* Through the directory's descriptor: the state root's path may be longer than a
         * socket address can be. */
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, VM_CTL_SOCKET);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return zone_err_sys(err, -errno, "%s: socket", what);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = -errno;
                if (e == -ECONNREFUSED || e == -ENOENT)
                        return zone_err_set(
                            err, -ESRCH, "%s: the zone's supervisor is gone (its VM ended)", what);
                return zone_err_sys(err, e, "%s: connect to the zone's supervisor", what);
        }
        *ret = steal_fd(&fd);
        return 0;
}

int vm_ctl_request(int dirfd, uint32_t type, const char *what, struct zone_err **err)
{
        _cleanup_close_ int fd = -1;
        int r = vm_ctl_connect(dirfd, what, &fd, err);
        if (r < 0)
                return r;
        if ((r = vm_frame_send(fd, type, 0, NULL, 0)) < 0)
                return zone_err_sys(err, r, "%s: send the request to the zone's supervisor", what);
        _cleanup_free_ char *msg = NULL;
        uint32_t t;
        size_t len;
        r = vm_frame_recv(fd, 64u << 10, &t, NULL, &msg, &len);
        if (r < 0)
                return zone_err_sys(err, r == -EPIPE ? -ESRCH : r,
                                    "%s: the zone's supervisor did not answer", what);
        if (t == VM_MSG_ERROR)
                return zone_err_set(err, -EIO, "%s: %s", what, msg);
        if (t != type)
                return zone_err_set(err, -EPROTO, "%s: unexpected %s from the supervisor", what,
                                    vm_msg_name(t));
        return 0;
}
