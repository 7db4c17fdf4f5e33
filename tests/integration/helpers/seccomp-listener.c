/* seccomp-listener: the receiving end of linux.seccomp.listenerPath, for the integration tests.
 *
 * usage: seccomp-listener SOCKET OUTFILE VALUE
 * Listens on the unix socket SOCKET and accepts one connection; receives the seccomp notify fd
 * over SCM_RIGHTS with the containerProcessState document, and writes that document to
 * OUTFILE. Then answers every notification with the return value VALUE until no process uses
 * the filter any more, and appends one line "notified NR" per answered system call. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/seccomp.h>

static int fail(const char *what)
{
        fprintf(stderr, "seccomp-listener: %s: %s\n", what, strerror(errno));
        return 1;
}

/* One message with the fd attached; returns its length, or -1. */
static ssize_t recv_with_fd(int conn, char *buf, size_t len, int *fd)
{
        struct iovec iov = {.iov_base = buf, .iov_len = len};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } ctl;
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = ctl.buf,
                             .msg_controllen = sizeof(ctl.buf)};
        ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0)
                return -1;
        *fd = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        memcpy(fd, CMSG_DATA(c), sizeof(*fd));
        return n;
}

int main(int argc, char **argv)
{
        if (argc != 4) {
                fprintf(stderr, "usage: seccomp-listener SOCKET OUTFILE VALUE\n");
                return 2;
        }
        long long value = strtoll(argv[3], NULL, 0);
        int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (ls < 0)
                return fail("socket");
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        if (strlen(argv[1]) >= sizeof(addr.sun_path)) {
                fprintf(stderr, "seccomp-listener: socket path too long\n");
                return 2;
        }
        strcpy(addr.sun_path, argv[1]);
        if (bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return fail("bind");
        if (listen(ls, 1) < 0)
                return fail("listen");
        int conn = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                return fail("accept");

        static char doc[65536];
        int nfd = -1;
        ssize_t n = recv_with_fd(conn, doc, sizeof(doc) - 1, &nfd);
        if (n < 0)
                return fail("recvmsg");
        if (nfd < 0) {
                fprintf(stderr, "seccomp-listener: no fd received\n");
                return 1;
        }
        FILE *out = fopen(argv[2], "w");
        if (!out)
                return fail(argv[2]);
        fprintf(out, "%.*s\n", (int)n, doc);
        fflush(out);

        for (;;) {
                struct pollfd p = {.fd = nfd, .events = POLLIN};
                if (poll(&p, 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return fail("poll");
                }
                if (!(p.revents & POLLIN))
                        break; /* POLLHUP: the filter has no users left */
                struct seccomp_notif req;
                memset(&req, 0, sizeof(req));
                if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
                        if (errno == EINTR || errno == ENOENT)
                                continue;
                        return fail("SECCOMP_IOCTL_NOTIF_RECV");
                }
                struct seccomp_notif_resp resp = {.id = req.id, .val = value};
                /* ENOENT: the caller went away (killed) before the answer. */
                if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
                        return fail("SECCOMP_IOCTL_NOTIF_SEND");
                fprintf(out, "notified %d\n", req.data.nr);
                fflush(out);
        }
        fclose(out);
        return 0;
}
