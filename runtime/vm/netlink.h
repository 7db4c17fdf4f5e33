/* A small rtnetlink client, shared by the host side of a zone's networking (net.c) and the
 * guest agent (agent/net.c): one request buffer, attributes appended to it, requests that
 * wait for their acknowledgement and dumps walked with a callback. */
#pragma once

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm_nl_req {
        union {
                struct nlmsghdr h;
                char buf[2048];
        };
        bool overflow; /* an attribute did not fit: the request is not sent */
};

/* A NETLINK_ROUTE socket of the calling thread's network namespace. fd or negative errno. */
int vm_nl_open(void);
/* Starts a request: the header, then the family header (ifinfomsg, tcmsg, ...) of hdr_len. */
void vm_nl_req_init(struct vm_nl_req *r, uint16_t type, uint16_t flags, const void *hdr,
                    size_t hdr_len);
/* Appends an attribute; NULL (and r->overflow) when it does not fit. */
struct rtattr *vm_nl_put(struct vm_nl_req *r, uint16_t type, const void *data, size_t len);
/* A nested attribute: open it, put its members, close it. */
struct rtattr *vm_nl_nest(struct vm_nl_req *r, uint16_t type);
void vm_nl_nest_end(struct vm_nl_req *r, struct rtattr *nest);
/* Sends r with NLM_F_ACK and waits for the answer: 0 or the kernel's negative errno. */
int vm_nl_talk(int fd, struct vm_nl_req *r);
/* Sends a dump request and calls cb for each message of the answer; a negative return of
 * cb ends the dump with it. */
int vm_nl_dump(int fd, struct vm_nl_req *r, int (*cb)(const struct nlmsghdr *h, void *data),
               void *data);
/* tb[type] = the attribute of that type (the last one), for types below max. */
void vm_nl_parse(const struct rtattr *rta, size_t len, const struct rtattr **tb, size_t max);
/* The attributes after a message's family header of hdr_len bytes. */
#define VM_NL_ATTRS(h, hdr_len)                                                                    \
        ((const struct rtattr *)((const char *)NLMSG_DATA(h) + NLMSG_ALIGN(hdr_len)))
#define VM_NL_ATTRS_LEN(h, hdr_len)                                                                \
        ((h)->nlmsg_len < NLMSG_LENGTH(hdr_len) ? 0 : (h)->nlmsg_len - NLMSG_SPACE(hdr_len))
