/* The rtnetlink client (netlink.h). */
#include "netlink.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../util.h"

int vm_nl_open(void)
{
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
                return -errno;
        struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

void vm_nl_req_init(struct vm_nl_req *r, uint16_t type, uint16_t flags, const void *hdr,
                    size_t hdr_len)
{
        memset(r, 0, sizeof(*r));
        r->h.nlmsg_len = NLMSG_LENGTH(hdr_len);
        r->h.nlmsg_type = type;
        r->h.nlmsg_flags = NLM_F_REQUEST | flags;
        memcpy(NLMSG_DATA(&r->h), hdr, hdr_len);
}

struct rtattr *vm_nl_put(struct vm_nl_req *r, uint16_t type, const void *data, size_t len)
{
        size_t at = NLMSG_ALIGN(r->h.nlmsg_len);
        if (r->overflow || at + RTA_SPACE(len) > sizeof(r->buf)) {
                r->overflow = true;
                return NULL;
        }
        struct rtattr *a = (struct rtattr *)(r->buf + at);
        a->rta_type = type;
        a->rta_len = RTA_LENGTH(len);
        if (len)
                memcpy(RTA_DATA(a), data, len);
        r->h.nlmsg_len = at + RTA_SPACE(len);
        return a;
}

struct rtattr *vm_nl_nest(struct vm_nl_req *r, uint16_t type)
{
        return vm_nl_put(r, type | NLA_F_NESTED, NULL, 0);
}

void vm_nl_nest_end(struct vm_nl_req *r, struct rtattr *nest)
{
        if (nest)
                nest->rta_len = (unsigned short)(r->buf + r->h.nlmsg_len - (char *)nest);
}

static int send_req(int fd, struct vm_nl_req *r)
{
        if (r->overflow)
                return -ENOBUFS;
        if (send(fd, r->buf, r->h.nlmsg_len, 0) < 0)
                return -errno;
        return 0;
}

/* Reads answers to seq until cb says done (1) or fails (< 0). */
static int recv_answers(int fd, uint32_t seq, int (*cb)(const struct nlmsghdr *h, void *data),
                        void *data)
{
        /* Page-sized or larger buffers hold a whole dump part: the kernel never truncates. */
        char buf[32768] __attribute__((aligned(4)));
        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                int len = (int)n;
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
                     h = NLMSG_NEXT(h, len)) {
                        if (h->nlmsg_seq != seq)
                                continue;
                        if (h->nlmsg_type == NLMSG_DONE)
                                return 0;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);
                                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
                                        return -EPROTO;
                                return e->error;
                        }
                        if (cb) {
                                int r = cb(h, data);
                                if (r < 0)
                                        return r;
                        }
                }
        }
}

int vm_nl_talk(int fd, struct vm_nl_req *r)
{
        /* One request at a time, each read to its answer: a fixed number is enough. */
        r->h.nlmsg_flags |= NLM_F_ACK;
        r->h.nlmsg_seq = 1;
        int ret = send_req(fd, r);
        return ret < 0 ? ret : recv_answers(fd, r->h.nlmsg_seq, NULL, NULL);
}

int vm_nl_dump(int fd, struct vm_nl_req *r, int (*cb)(const struct nlmsghdr *h, void *data),
               void *data)
{
        r->h.nlmsg_flags |= NLM_F_DUMP;
        r->h.nlmsg_seq = 0x7a6f6e65; /* "zone": a dump ends in DONE, never an ack */
        int ret = send_req(fd, r);
        return ret < 0 ? ret : recv_answers(fd, r->h.nlmsg_seq, cb, data);
}

void vm_nl_parse(const struct rtattr *rta, size_t len, const struct rtattr **tb, size_t max)
{
        memset(tb, 0, max * sizeof(*tb));
        int n = (int)len;
        for (; RTA_OK(rta, n); rta = RTA_NEXT(rta, n)) {
                unsigned short type = rta->rta_type & ~NLA_F_NESTED;
                if (type < max)
                        tb[type] = rta;
        }
}
