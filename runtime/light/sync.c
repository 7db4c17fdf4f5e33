/* Framed messages between the creator and the zone's process: a fixed header (type, payload
 * length, error code) then the payload, with an optional fd attached to the header. */
#include "sync.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../err.h"
#include "../util.h"

struct hdr {
        uint32_t type;
        int32_t code;
        uint32_t len;
};

#define SYNC_MAX_PAYLOAD (16u << 20)

static int send_msg(int fd, enum light_sync type, int code, const void *data, size_t len,
                    int passed_fd)
{
        if (len > SYNC_MAX_PAYLOAD)
                return -E2BIG;
        struct hdr h = {.type = type, .code = code, .len = (uint32_t)len};
        int r = send_fd(fd, passed_fd, &h, sizeof(h));
        if (r < 0)
                return r;
        return len ? write_full(fd, data, len) : 0;
}

int light_sync_send(int fd, enum light_sync type, const void *data, size_t len)
{
        return send_msg(fd, type, 0, data, len, -1);
}

int light_sync_send_fd(int fd, enum light_sync type, int passed_fd)
{
        return send_msg(fd, type, 0, NULL, 0, passed_fd);
}

int light_sync_send_error(int fd, const struct zone_err *err)
{
        const char *msg = err ? err->msg : "zone process failed";
        return send_msg(fd, SYNC_ERROR, err ? err->code : -EIO, msg, strlen(msg), -1);
}

int light_sync_recv(int fd, enum light_sync want, char **ret_data, int *ret_fd,
                    struct zone_err **err)
{
        struct hdr h;
        int passed = -1;
        int r = recv_fd(fd, &passed, &h, sizeof(h));
        if ((r == -EPIPE || r == -ECONNRESET) && want == SYNC_EXECED)
                return 0;
        if (r == -EPIPE || r == -ECONNRESET)
                return zone_err_set(err, -EPIPE, "zone process exited during setup");
        if (r < 0)
                return zone_err_sys(err, r, "read from zone process");
        _cleanup_close_ int pfd = passed;
        /* A stream socket may split the header: read the rest plainly. */
        if ((size_t)r < sizeof(h) && (r = read_full(fd, (char *)&h + r, sizeof(h) - (size_t)r)) < 0)
                return zone_err_set(err, -EPIPE, "zone process exited during setup");
        if (h.len > SYNC_MAX_PAYLOAD)
                return zone_err_set(err, -EPROTO, "zone process sent a malformed message");
        _cleanup_free_ char *data = malloc(h.len + 1);
        if (!data)
                return zone_err_sys(err, -ENOMEM, "read from zone process");
        if (h.len && (r = read_full(fd, data, h.len)) < 0)
                return zone_err_sys(err, r, "read from zone process");
        data[h.len] = '\0';
        if (h.type == SYNC_ERROR)
                return zone_err_set(err, h.code < 0 ? h.code : -EIO, "%s", data);
        if (h.type == SYNC_EXEC_ERROR)
                return zone_err_sys(err, h.code < 0 ? h.code : -EIO, "%s", data);
        if (h.type != (uint32_t)want)
                return zone_err_set(err, -EPROTO, "zone process sent message %u, expected %u",
                                    h.type, (unsigned)want);
        if (ret_data)
                *ret_data = steal_pointer(&data);
        if (ret_fd)
                *ret_fd = steal_fd(&pfd);
        return 0;
}
