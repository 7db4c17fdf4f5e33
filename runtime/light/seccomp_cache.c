/* The on-disk cache of compiled seccomp filters. Compiling a large profile with libseccomp
 * costs far more than reading a few kilobytes, and the same profile is used by every zone an
 * engine starts. The cache lives in a root-only directory; a record is trusted only after its
 * owner, mode, size, key and checksum all match, since a bad filter would weaken every zone. */
#include "light/seccomp_cache.h"

#include "log.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nettle/sha2.h>

/* Bump when the compiler's output for the same config changes (new companion arches, rule
 * shapes, ...), so old records stop matching. */
#define KEY_TAG        "zone-seccomp-filter-v1"
#define RECORD_MAGIC   "ZSECCOMP"
#define RECORD_VERSION 1u

/* magic, version, flags, notify, key, instruction count; then instructions, then SHA-256. */
struct record_head {
        char magic[8];
        uint32_t version;
        uint32_t flags;
        uint32_t notify;
        uint8_t key[LIGHT_SECCOMP_KEY_SIZE];
        uint32_t n_insns;
};
#define RECORD_MAX_SIZE                                                                            \
        (sizeof(struct record_head) + LIGHT_SECCOMP_MAX_INSNS * sizeof(struct sock_filter) +       \
         SHA256_DIGEST_SIZE)

/* ---- canonical serialisation: every field in order, each length-prefixed ---- */

struct ser {
        uint8_t *buf;
        size_t len, cap;
        bool oom;
};

static void put(struct ser *s, const void *data, size_t len)
{
        if (s->oom)
                return;
        if (s->len + len > s->cap) {
                size_t cap = s->cap ? s->cap : 1024;
                while (cap < s->len + len)
                        cap *= 2;
                uint8_t *b = realloc(s->buf, cap);
                if (!b) {
                        s->oom = true;
                        return;
                }
                s->buf = b;
                s->cap = cap;
        }
        memcpy(s->buf + s->len, data, len);
        s->len += len;
}

static void put_u64(struct ser *s, uint64_t v)
{
        put(s, &v, sizeof(v));
}

/* A missing string and an empty one serialise differently. */
static void put_str(struct ser *s, const char *str)
{
        if (!str) {
                put_u64(s, UINT64_MAX);
                return;
        }
        size_t n = strlen(str);
        put_u64(s, n);
        put(s, str, n);
}

static void put_strv(struct ser *s, char *const *v)
{
        if (!v) {
                put_u64(s, UINT64_MAX);
                return;
        }
        size_t n = strv_length(v);
        put_u64(s, n);
        for (size_t i = 0; i < n; i++)
                put_str(s, v[i]);
}

int light_seccomp_cache_key(const struct zone_spec_seccomp *sc, uint8_t key[LIGHT_SECCOMP_KEY_SIZE])
{
        struct ser s = {0};
        const struct scmp_version *ver = seccomp_version();

        put_str(&s, KEY_TAG);
        put_u64(&s, ver ? ver->major : 0);
        put_u64(&s, ver ? ver->minor : 0);
        put_u64(&s, ver ? ver->micro : 0);
        put_u64(&s, seccomp_arch_native());

        put_str(&s, sc->default_action);
        put_u64(&s, sc->has_default_errno_ret);
        put_u64(&s, sc->default_errno_ret);
        put_strv(&s, sc->architectures);
        put_strv(&s, sc->flags);
        put_str(&s, sc->listener_path);
        put_str(&s, sc->listener_metadata);
        put_u64(&s, sc->n_syscalls);
        for (size_t i = 0; i < sc->n_syscalls; i++) {
                const struct zone_spec_seccomp_syscall *c = &sc->syscalls[i];
                put_strv(&s, c->names);
                put_str(&s, c->action);
                put_u64(&s, c->has_errno_ret);
                put_u64(&s, c->errno_ret);
                put_u64(&s, c->n_args);
                for (size_t j = 0; j < c->n_args; j++) {
                        put_u64(&s, c->args[j].index);
                        put_u64(&s, c->args[j].value);
                        put_u64(&s, c->args[j].value_two);
                        put_str(&s, c->args[j].op);
                }
        }
        if (s.oom) {
                free(s.buf);
                return -ENOMEM;
        }
        struct sha256_ctx h;
        sha256_init(&h);
        sha256_update(&h, s.len, s.buf);
        sha256_digest(&h, LIGHT_SECCOMP_KEY_SIZE, key);
        free(s.buf);
        return 0;
}

void light_seccomp_cache_name(const uint8_t key[LIGHT_SECCOMP_KEY_SIZE], char *buf)
{
        static const char hex[] = "0123456789abcdef";
        for (size_t i = 0; i < LIGHT_SECCOMP_KEY_SIZE; i++) {
                buf[2 * i] = hex[key[i] >> 4];
                buf[2 * i + 1] = hex[key[i] & 0xf];
        }
        memcpy(buf + 2 * LIGHT_SECCOMP_KEY_SIZE, ".bpf", 5);
}

/* ---- the directory ---- */

int light_seccomp_cache_open(const char *dir, const struct zone_log *log)
{
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
                zone_debug(log, "seccomp cache %s: mkdir: %s; compiling without cache", dir,
                           strerror(errno));
                return -1;
        }
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                zone_debug(log, "seccomp cache %s: open: %s; compiling without cache", dir,
                           strerror(errno));
                return -1;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                zone_debug(log, "seccomp cache %s: stat: %s; compiling without cache", dir,
                           strerror(errno));
                close(fd);
                return -1;
        }
        /* Anyone else able to write here could plant a filter that every zone would load. */
        if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
                zone_warn(log,
                          "seccomp cache %s: owned by uid %u with mode %04o, not root-only; "
                          "compiling without cache",
                          dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
                close(fd);
                return -1;
        }
        return fd;
}

/* ---- records ---- */

static void record_digest(const uint8_t *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE])
{
        struct sha256_ctx h;
        sha256_init(&h);
        sha256_update(&h, len, data);
        sha256_digest(&h, SHA256_DIGEST_SIZE, out);
}

/* Why the record at fd cannot be used, or NULL when it can (then *ret is filled). */
static const char *record_check(int fd, const uint8_t key[LIGHT_SECCOMP_KEY_SIZE],
                                struct light_seccomp *ret, int *oom)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return "cannot stat";
        if (!S_ISREG(st.st_mode))
                return "not a regular file";
        if (st.st_uid != 0)
                return "not owned by root";
        if ((st.st_mode & 07777) != 0600)
                return "mode is not 0600";
        if (st.st_size < (off_t)(sizeof(struct record_head) + SHA256_DIGEST_SIZE) ||
            st.st_size > (off_t)RECORD_MAX_SIZE)
                return "size out of range";

        size_t size = (size_t)st.st_size;
        _cleanup_free_ uint8_t *buf = malloc(size);
        if (!buf) {
                *oom = 1;
                return "out of memory";
        }
        if (read_full(fd, buf, size) < 0)
                return "short read";

        struct record_head head;
        memcpy(&head, buf, sizeof(head));
        if (memcmp(head.magic, RECORD_MAGIC, sizeof(head.magic)) != 0)
                return "bad magic";
        if (head.version != RECORD_VERSION)
                return "unknown format version";
        if (memcmp(head.key, key, LIGHT_SECCOMP_KEY_SIZE) != 0)
                return "key mismatch";
        if (head.n_insns == 0 || head.n_insns > LIGHT_SECCOMP_MAX_INSNS)
                return "instruction count out of range";
        size_t body = sizeof(head) + (size_t)head.n_insns * sizeof(struct sock_filter);
        if (size != body + SHA256_DIGEST_SIZE)
                return "size does not match the instruction count";
        if (head.notify > 1)
                return "bad notify field";
        uint8_t sum[SHA256_DIGEST_SIZE];
        record_digest(buf, body, sum);
        if (memcmp(sum, buf + body, SHA256_DIGEST_SIZE) != 0)
                return "checksum mismatch";

        ret->insns = malloc((size_t)head.n_insns * sizeof(struct sock_filter));
        if (!ret->insns) {
                *oom = 1;
                return "out of memory";
        }
        memcpy(ret->insns, buf + sizeof(head), (size_t)head.n_insns * sizeof(struct sock_filter));
        ret->n_insns = head.n_insns;
        ret->flags = head.flags;
        ret->notify = head.notify != 0;
        return NULL;
}

int light_seccomp_cache_read(int dirfd, const uint8_t key[LIGHT_SECCOMP_KEY_SIZE],
                             const struct zone_log *log, struct light_seccomp *ret)
{
        char name[2 * LIGHT_SECCOMP_KEY_SIZE + 5];
        light_seccomp_cache_name(key, name);
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                zone_debug(log, "seccomp cache miss %s", name);
                return 0;
        }
        int oom = 0;
        const char *why = record_check(fd, key, ret, &oom);
        if (oom)
                return -ENOMEM;
        if (why) {
                zone_debug(log, "seccomp cache record %s: %s; removed, recompiling", name, why);
                if (unlinkat(dirfd, name, 0) < 0)
                        zone_debug(log, "seccomp cache record %s: unlink: %s", name,
                                   strerror(errno));
                return 0;
        }
        zone_debug(log, "seccomp cache hit %s", name);
        return 1;
}

void light_seccomp_cache_write(int dirfd, const uint8_t key[LIGHT_SECCOMP_KEY_SIZE],
                               const struct light_seccomp *s, const struct zone_log *log)
{
        char name[2 * LIGHT_SECCOMP_KEY_SIZE + 5];
        light_seccomp_cache_name(key, name);
        if (s->n_insns == 0 || s->n_insns > LIGHT_SECCOMP_MAX_INSNS) {
                zone_debug(log, "seccomp cache record %s: %zu instructions, not cached", name,
                           s->n_insns);
                return;
        }
        struct record_head head = {.version = RECORD_VERSION,
                                   .flags = s->flags,
                                   .notify = s->notify ? 1 : 0,
                                   .n_insns = (uint32_t)s->n_insns};
        memcpy(head.magic, RECORD_MAGIC, sizeof(head.magic));
        memcpy(head.key, key, LIGHT_SECCOMP_KEY_SIZE);

        size_t body = sizeof(head) + s->n_insns * sizeof(struct sock_filter);
        _cleanup_free_ uint8_t *buf = malloc(body + SHA256_DIGEST_SIZE);
        if (!buf) {
                zone_debug(log, "seccomp cache record %s: out of memory, not cached", name);
                return;
        }
        memcpy(buf, &head, sizeof(head));
        memcpy(buf + sizeof(head), s->insns, s->n_insns * sizeof(struct sock_filter));
        record_digest(buf, body, buf + body);
        int r = write_file_atomic_at(dirfd, name, buf, body + SHA256_DIGEST_SIZE, 0600);
        if (r < 0)
                zone_debug(log, "seccomp cache record %s: write: %s", name, strerror(-r));
        else
                zone_debug(log, "seccomp cache stored %s", name);
}
