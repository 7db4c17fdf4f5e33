/* Framing of the host <-> guest agent protocol (proto.h). */
#include "proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../util.h"

int vm_frame_send(int fd, uint32_t type, uint32_t stream, const void *data, size_t len)
{
        if (len > VM_FRAME_MAX)
                return -EMSGSIZE;
        struct vm_frame_hdr h = {.type = type, .stream = stream, .len = (uint32_t)len};
        int r = write_full(fd, &h, sizeof(h));
        if (r >= 0 && len)
                r = write_full(fd, data, len);
        return r < 0 ? r : 0;
}

int vm_frame_recv(int fd, size_t max, uint32_t *ret_type, uint32_t *ret_stream, char **ret,
                  size_t *ret_len)
{
        struct vm_frame_hdr h;
        int r = read_full(fd, &h, sizeof(h));
        if (r < 0)
                return r;
        if (h.len > max)
                return -EPROTO;
        char *buf = malloc((size_t)h.len + 1);
        if (!buf)
                return -ENOMEM;
        if (h.len && (r = read_full(fd, buf, h.len)) < 0) {
                free(buf);
                return r == -EPIPE ? -EPROTO : r;
        }
        buf[h.len] = 0;
        *ret_type = h.type;
        if (ret_stream)
                *ret_stream = h.stream;
        *ret = buf;
        *ret_len = h.len;
        return 0;
}

const char *vm_msg_name(uint32_t type)
{
        static const char *const names[] = {
            [VM_MSG_HELLO] = "HELLO",     [VM_MSG_CONFIG] = "CONFIG",
            [VM_MSG_READY] = "READY",     [VM_MSG_START] = "START",
            [VM_MSG_STARTED] = "STARTED", [VM_MSG_STDOUT] = "STDOUT",
            [VM_MSG_STDERR] = "STDERR",   [VM_MSG_SIGNAL] = "SIGNAL",
            [VM_MSG_EXIT] = "EXIT",       [VM_MSG_ERROR] = "ERROR",
            [VM_MSG_EXEC] = "EXEC",       [VM_MSG_EXECED] = "EXECED",
            [VM_MSG_STDIN] = "STDIN",     [VM_MSG_STDIN_ACK] = "STDIN_ACK",
            [VM_MSG_PAUSE] = "PAUSE",     [VM_MSG_RESUME] = "RESUME",
            [VM_MSG_RESIZE] = "RESIZE",
        };
        if (type < sizeof(names) / sizeof(names[0]) && names[type])
                return names[type];
        return "unknown";
}
