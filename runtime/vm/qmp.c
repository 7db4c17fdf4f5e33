/* QMP, the supervisor's side (qmp.h). QEMU sends one JSON object per line: a greeting
 * ({"QMP": ...}) when the monitor opens, then for each command {"return": ...} or
 * {"error": {"desc": ...}}, and {"event": ...} whenever something happens. */
#include "qmp.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "../util.h"

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The next line QEMU sends, NUL-terminated in place of its newline, into line. */
static int next_line(struct vm_qmp *q, long long deadline, char *line, size_t size)
{
        for (;;) {
                char *nl = memchr(q->buf, '\n', q->n);
                if (nl) {
                        size_t len = (size_t)(nl - q->buf);
                        if (len >= size)
                                return -EPROTO;
                        memcpy(line, q->buf, len);
                        line[len] = 0;
                        q->n -= len + 1;
                        memmove(q->buf, nl + 1, q->n);
                        return 0;
                }
                if (q->n == sizeof(q->buf))
                        return -EPROTO;
                long long left = deadline - now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                struct pollfd p = {.fd = q->fd, .events = POLLIN};
                int r = poll(&p, 1, (int)left);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -ETIMEDOUT;
                ssize_t k = read(q->fd, q->buf + q->n, sizeof(q->buf) - q->n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -EPIPE;
                q->n += (size_t)k;
        }
}

enum reply { R_OTHER, R_GREETING, R_RETURN, R_ERROR };

static enum reply classify(const char *line, char *msg, size_t msg_size)
{
        char errbuf[128];
        yajl_val v = yajl_tree_parse(line, errbuf, sizeof(errbuf));
        if (!v || !YAJL_IS_OBJECT(v)) {
                yajl_tree_free(v);
                return R_OTHER;
        }
        enum reply r = R_OTHER;
        const char *qmp[] = {"QMP", NULL}, *ret[] = {"return", NULL},
                   *desc[] = {"error", "desc", NULL};
        if (yajl_tree_get(v, qmp, yajl_t_any))
                r = R_GREETING;
        else if (yajl_tree_get(v, ret, yajl_t_any))
                r = R_RETURN;
        else if (strstr(line, "\"error\"")) {
                yajl_val d = yajl_tree_get(v, desc, yajl_t_string);
                snprintf(msg, msg_size, "%s", d ? YAJL_GET_STRING(d) : line);
                r = R_ERROR;
        }
        yajl_tree_free(v);
        return r;
}

/* Sends one command and reads until its answer. */
static int command(struct vm_qmp *q, const char *name, long long deadline, char *msg,
                   size_t msg_size)
{
        char req[128];
        int len = snprintf(req, sizeof(req), "{\"execute\": \"%s\"}\n", name);
        int r = write_full(q->fd, req, (size_t)len);
        if (r < 0) {
                snprintf(msg, msg_size, "QMP %s: %s", name, strerror(-r));
                return r;
        }
        char line[sizeof(q->buf)];
        for (;;) {
                if ((r = next_line(q, deadline, line, sizeof(line))) < 0) {
                        snprintf(msg, msg_size, "QMP %s: %s", name,
                                 r == -ETIMEDOUT ? "QEMU did not answer" : strerror(-r));
                        return r;
                }
                switch (classify(line, msg, msg_size)) {
                case R_RETURN:
                        return 0;
                case R_ERROR:
                        return -EIO;
                default:
                        break; /* an event: not the answer */
                }
        }
}

int vm_qmp_run(struct vm_qmp *q, const char *name, int timeout_ms, char *msg, size_t msg_size)
{
        long long deadline = now_ms() + timeout_ms;
        msg[0] = 0;
        if (!q->ready) {
                /* The greeting first; commands other than this one wait for it. */
                char line[sizeof(q->buf)];
                int r;
                do {
                        if ((r = next_line(q, deadline, line, sizeof(line))) < 0) {
                                snprintf(msg, msg_size, "QMP greeting: %s",
                                         r == -ETIMEDOUT ? "QEMU did not send it" : strerror(-r));
                                return r;
                        }
                } while (classify(line, msg, msg_size) != R_GREETING);
                if ((r = command(q, "qmp_capabilities", deadline, msg, msg_size)) < 0)
                        return r;
                q->ready = true;
        }
        return command(q, name, deadline, msg, msg_size);
}
