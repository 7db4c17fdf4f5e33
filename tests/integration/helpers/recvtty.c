/* recvtty: the receiving end of an OCI --console-socket, for the integration tests.
 *
 * usage: recvtty SOCKET OUTFILE
 * Listens on the unix socket SOCKET, accepts one connection, receives the pty master over
 * SCM_RIGHTS, checks it is a terminal, then copies everything the zone writes to OUTFILE until
 * the pty's other side is closed. OUTFILE starts with a line "isatty=1" (or "isatty=0"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what)
{
        fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
        return 1;
}

static int recv_fd(int conn)
{
        char byte;
        struct iovec iov = {.iov_base = &byte, .iov_len = 1};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } ctl;
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = ctl.buf,
                             .msg_controllen = sizeof(ctl.buf)};
        /* The name sent along with the fd may be longer than one byte; the rest is not needed. */
        if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0)
                return -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        int fd;
                        memcpy(&fd, CMSG_DATA(c), sizeof(fd));
                        return fd;
                }
        }
        errno = EBADMSG;
        return -1;
}

int main(int argc, char **argv)
{
        if (argc != 3) {
                fprintf(stderr, "usage: recvtty SOCKET OUTFILE\n");
                return 2;
        }
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        if (strlen(argv[1]) >= sizeof(addr.sun_path)) {
                fprintf(stderr, "recvtty: socket path too long: %s\n", argv[1]);
                return 2;
        }
        strcpy(addr.sun_path, argv[1]);
        int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out < 0)
                return fail(argv[2]);
        int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return fail("socket");
        /* Bind under a temporary name and rename, so the socket path appears only once it can
         * accept: the tests wait for it to exist before starting the runtime. */
        char tmp[sizeof(addr.sun_path) + 8];
        snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
        struct sockaddr_un taddr = {.sun_family = AF_UNIX};
        if (strlen(tmp) >= sizeof(taddr.sun_path)) {
                fprintf(stderr, "recvtty: socket path too long: %s\n", tmp);
                return 2;
        }
        strcpy(taddr.sun_path, tmp);
        if (bind(sock, (struct sockaddr *)&taddr, sizeof(taddr)) < 0)
                return fail("bind");
        if (listen(sock, 1) < 0)
                return fail("listen");
        if (rename(tmp, argv[1]) < 0)
                return fail("rename socket");
        int conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                return fail("accept");
        int master = recv_fd(conn);
        if (master < 0)
                return fail("receive pty master");
        close(conn);
        close(sock);
        unlink(argv[1]);
        dprintf(out, "isatty=%d\n", isatty(master));

        char buf[4096];
        for (;;) {
                ssize_t n = read(master, buf, sizeof(buf));
                if (n == 0 || (n < 0 && errno == EIO)) /* EIO: every slave fd is closed */
                        break;
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return fail("read pty master");
                }
                for (ssize_t off = 0; off < n;) {
                        ssize_t w = write(out, buf + off, n - off);
                        if (w < 0)
                                return fail("write output");
                        off += w;
                }
        }
        close(master);
        return close(out) < 0 ? fail("close output") : 0;
}
