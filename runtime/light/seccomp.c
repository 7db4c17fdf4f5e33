/* linux.seccomp for light zones: compiled to BPF with libseccomp on the host side (through the
 * cache in seccomp_cache.c), loaded with seccomp(2) by the zone's process just before execve,
 * and the user-notification listener handshake of the runtime-spec. */
#include "light/seccomp.h"
#include "light/seccomp_cache.h"

#include "err.h"
#include "log.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* Older uapi headers lack the newer flags; the values are kernel ABI. */
#ifndef SECCOMP_FILTER_FLAG_TSYNC
#define SECCOMP_FILTER_FLAG_TSYNC (1UL << 0)
#endif
#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define MAX_ARGS 6

static const struct {
        const char *name;
        uint32_t flag;
} flag_names[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

static const struct {
        const char *name;
        enum scmp_compare op;
} op_names[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

static void light_seccomp_freep(struct light_seccomp **s)
{
        light_seccomp_free(*s);
}

void light_seccomp_free(struct light_seccomp *s)
{
        if (!s)
                return;
        free(s->insns);
        free(s);
}

bool light_seccomp_wants_listener(const struct light_seccomp *s)
{
        return s && s->notify;
}

/* ---- validation (before the cache: a bad config fails the same way every time) ---- */

/* "SCMP_ARCH_X86_64" -> libseccomp's token for "x86_64"; 0 when unknown. */
static uint32_t arch_token(const char *name)
{
        static const char prefix[] = "SCMP_ARCH_";
        if (strncmp(name, prefix, sizeof(prefix) - 1) != 0)
                return 0;
        const char *rest = name + sizeof(prefix) - 1;
        char lower[32];
        size_t n = strlen(rest);
        if (n == 0 || n >= sizeof(lower))
                return 0;
        for (size_t i = 0; i < n; i++) {
                char c = rest[i];
                /* Only the upper-case spelling the spec uses. */
                if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
                        return 0;
                lower[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        lower[n] = '\0';
        return seccomp_arch_resolve_name(lower);
}

static bool is_notify(const char *action)
{
        return strcmp(action, "SCMP_ACT_NOTIFY") == 0;
}

static int validate(const struct zone_spec_seccomp *sc, uint32_t *ret_flags, bool *ret_notify,
                    struct zone_err **err)
{
        for (size_t i = 0; sc->architectures && sc->architectures[i]; i++)
                if (arch_token(sc->architectures[i]) == 0)
                        return zone_err_set(err, -EINVAL,
                                            "linux.seccomp.architectures[%zu]: unknown "
                                            "architecture \"%s\"",
                                            i, sc->architectures[i]);
        uint32_t flags = 0;
        for (size_t i = 0; sc->flags && sc->flags[i]; i++) {
                size_t k = 0;
                while (k < ARRAY_SIZE(flag_names) && strcmp(flag_names[k].name, sc->flags[i]) != 0)
                        k++;
                if (k == ARRAY_SIZE(flag_names))
                        return zone_err_set(err, -EINVAL,
                                            "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i,
                                            sc->flags[i]);
                flags |= flag_names[k].flag;
        }
        /* The kernel has no "notify" default: an unmatched syscall must get an answer. */
        if (is_notify(sc->default_action))
                return zone_err_set(err, -EINVAL,
                                    "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the "
                                    "default action");
        bool notify = false;
        for (size_t i = 0; i < sc->n_syscalls; i++) {
                const struct zone_spec_seccomp_syscall *c = &sc->syscalls[i];
                if (c->n_args > MAX_ARGS)
                        return zone_err_set(err, -EINVAL,
                                            "linux.seccomp.syscalls[%zu].args: at most %d "
                                            "conditions",
                                            i, MAX_ARGS);
                for (size_t j = 0; j < c->n_args; j++)
                        if (c->args[j].index >= MAX_ARGS)
                                return zone_err_set(err, -EINVAL,
                                                    "linux.seccomp.syscalls[%zu].args[%zu].index: "
                                                    "%u is not an argument index (0 to %d)",
                                                    i, j, c->args[j].index, MAX_ARGS - 1);
                if (is_notify(c->action)) {
                        if (!sc->listener_path)
                                return zone_err_set(err, -EINVAL,
                                                    "linux.seccomp.syscalls[%zu].action: "
                                                    "SCMP_ACT_NOTIFY needs "
                                                    "linux.seccomp.listenerPath",
                                                    i);
                        notify = true;
                }
        }
        *ret_flags = flags;
        *ret_notify = notify;
        return 0;
}

/* ---- compiling with libseccomp ---- */

/* The libseccomp action for an OCI action name; the parser has already checked the name. */
static int action_of(const char *name, bool has_errno, unsigned errno_ret, uint32_t *ret)
{
        /* ERRNO and TRACE carry a 16-bit value; EPERM when none is given, as runc does. */
        unsigned e = has_errno ? errno_ret : EPERM;
        if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
                *ret = SCMP_ACT_KILL_THREAD;
        else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
                *ret = SCMP_ACT_KILL_PROCESS;
        else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
                *ret = SCMP_ACT_TRAP;
        else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
                *ret = SCMP_ACT_ERRNO(e);
        else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
                *ret = SCMP_ACT_TRACE(e);
        else if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
                *ret = SCMP_ACT_ALLOW;
        else if (strcmp(name, "SCMP_ACT_LOG") == 0)
                *ret = SCMP_ACT_LOG;
        else if (is_notify(name))
                *ret = SCMP_ACT_NOTIFY;
        else
                return -EINVAL;
        if ((strcmp(name, "SCMP_ACT_ERRNO") == 0 || strcmp(name, "SCMP_ACT_TRACE") == 0) &&
            e > 0xffff)
                return -ERANGE;
        return 0;
}

static int cmp_of(const struct zone_spec_seccomp_arg *a, struct scmp_arg_cmp *ret)
{
        for (size_t k = 0; k < ARRAY_SIZE(op_names); k++) {
                if (strcmp(op_names[k].name, a->op) != 0)
                        continue;
                /* For MASKED_EQ, libseccomp takes the mask first, as OCI's value is. */
                *ret = (struct scmp_arg_cmp){.arg = a->index,
                                             .op = op_names[k].op,
                                             .datum_a = a->value,
                                             .datum_b = a->value_two};
                return 0;
        }
        return -EINVAL;
}

/* One syscall's rule. Conditions on distinct arguments are ANDed in one rule; when two
 * conditions test the same argument, libseccomp cannot express both in one rule, so each
 * becomes a rule of its own (an OR), as runc does. */
static int add_rules(scmp_filter_ctx ctx, size_t i, const struct zone_spec_seccomp_syscall *c,
                     uint32_t act, int nr, const char *name, struct zone_err **err)
{
        struct scmp_arg_cmp cmps[MAX_ARGS];
        unsigned seen = 0;
        bool same_index = false;
        for (size_t j = 0; j < c->n_args; j++) {
                if (cmp_of(&c->args[j], &cmps[j]) < 0)
                        return zone_err_set(err, -EINVAL,
                                            "linux.seccomp.syscalls[%zu].args[%zu].op: unknown "
                                            "operator \"%s\"",
                                            i, j, c->args[j].op);
                if (seen & (1u << c->args[j].index))
                        same_index = true;
                seen |= 1u << c->args[j].index;
        }
        int r;
        if (!same_index) {
                r = seccomp_rule_add_array(ctx, act, nr, (unsigned)c->n_args, cmps);
                if (r < 0)
                        return zone_err_sys(err, r, "linux.seccomp.syscalls[%zu]: add rule for %s",
                                            i, name);
                return 0;
        }
        for (size_t j = 0; j < c->n_args; j++) {
                r = seccomp_rule_add_array(ctx, act, nr, 1, &cmps[j]);
                if (r < 0)
                        return zone_err_sys(err, r,
                                            "linux.seccomp.syscalls[%zu]: add rule for %s "
                                            "(args[%zu])",
                                            i, name, j);
        }
        return 0;
}

static int add_arch(scmp_filter_ctx ctx, uint32_t token, const char *what, struct zone_err **err)
{
        int r = seccomp_arch_add(ctx, token);
        if (r < 0 && r != -EEXIST)
                return zone_err_sys(err, r, "linux.seccomp.architectures: add %s", what);
        return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct light_seccomp *s, struct zone_err **err)
{
        /* libseccomp 2.5 exports only to an fd. */
        _cleanup_close_ int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return zone_err_sys(err, -errno, "seccomp: memfd_create");
        int r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return zone_err_sys(err, r, "seccomp: export the BPF program");
        struct stat st;
        if (fstat(fd, &st) < 0)
                return zone_err_sys(err, -errno, "seccomp: stat the BPF program");
        size_t size = (size_t)st.st_size;
        if (size == 0 || size % sizeof(struct sock_filter) != 0 ||
            size / sizeof(struct sock_filter) > LIGHT_SECCOMP_MAX_INSNS)
                return zone_err_set(err, -E2BIG,
                                    "seccomp: the filter has %zu instructions, the kernel takes "
                                    "at most %d",
                                    size / sizeof(struct sock_filter), LIGHT_SECCOMP_MAX_INSNS);
        s->insns = malloc(size);
        if (!s->insns)
                return zone_err_sys(err, -ENOMEM, "seccomp: export the BPF program");
        if (lseek(fd, 0, SEEK_SET) < 0)
                return zone_err_sys(err, -errno, "seccomp: read the BPF program");
        r = read_full(fd, s->insns, size);
        if (r < 0)
                return zone_err_sys(err, r, "seccomp: read the BPF program");
        s->n_insns = size / sizeof(struct sock_filter);
        return 0;
}

static int build(const struct zone_spec_seccomp *sc, const struct zone_log *log,
                 struct light_seccomp *s, struct zone_err **err)
{
        uint32_t def;
        if (action_of(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret, &def) <
            0)
                return zone_err_set(err, -EINVAL,
                                    "linux.seccomp.defaultAction: unsupported action \"%s\"",
                                    sc->default_action);
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(def);
        if (!ctx)
                return zone_err_set(err, -EINVAL,
                                    "linux.seccomp.defaultAction: libseccomp refuses \"%s\"",
                                    sc->default_action);

        for (size_t i = 0; sc->architectures && sc->architectures[i]; i++) {
                int r = add_arch(ctx, arch_token(sc->architectures[i]), sc->architectures[i], err);
                if (r < 0)
                        return r;
        }
        /* On amd64 the x32 and ia32 entry points reach the same kernel: without their arches
         * in the filter a denylist could be walked around through them. The rules below are
         * added by name, so each lands on every arch's own numbers. */
        if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
                int r = add_arch(ctx, SCMP_ARCH_X86, "SCMP_ARCH_X86", err);
                if (r == 0)
                        r = add_arch(ctx, SCMP_ARCH_X32, "SCMP_ARCH_X32", err);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < sc->n_syscalls; i++) {
                const struct zone_spec_seccomp_syscall *c = &sc->syscalls[i];
                uint32_t act;
                int r = action_of(c->action, c->has_errno_ret, c->errno_ret, &act);
                if (r < 0)
                        return zone_err_set(err, -EINVAL, "linux.seccomp.syscalls[%zu].%s: %s", i,
                                            r == -ERANGE ? "errnoRet" : "action",
                                            r == -ERANGE ? "out of range (0 to 65535)"
                                                         : "unsupported action");
                /* libseccomp refuses rules that repeat the default; they change nothing. */
                if (act == def) {
                        zone_debug(log, "seccomp: syscalls[%zu] has the default action, skipped",
                                   i);
                        continue;
                }
                for (size_t k = 0; c->names[k]; k++) {
                        int nr = seccomp_syscall_resolve_name(c->names[k]);
                        /* Profiles list syscalls of newer kernels and other arches. */
                        if (nr == __NR_SCMP_ERROR) {
                                zone_debug(log, "seccomp: unknown syscall \"%s\", skipped",
                                           c->names[k]);
                                continue;
                        }
                        r = add_rules(ctx, i, c, act, nr, c->names[k], err);
                        if (r < 0)
                                return r;
                }
        }
        return export_bpf(ctx, s, err);
}

/* seccomp(SET_MODE_FILTER, flag, NULL) fails with EFAULT (copying the missing program) only
 * once the flag itself has been accepted: EINVAL means this kernel lacks it. */
static bool kernel_has_flag(uint32_t flag)
{
        uint32_t f = flag;
        if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
                f |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f, NULL);
        return r < 0 && errno == EFAULT;
}

static uint32_t usable_flags(uint32_t flags, bool notify, const struct zone_log *log)
{
        uint32_t out = 0;
        for (size_t k = 0; k < ARRAY_SIZE(flag_names); k++) {
                uint32_t f = flag_names[k].flag;
                if (!(flags & f))
                        continue;
                /* Only meaningful with a listener; the kernel refuses it alone. */
                if (f == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !notify) {
                        zone_debug(log, "seccomp: %s without SCMP_ACT_NOTIFY rules, skipped",
                                   flag_names[k].name);
                        continue;
                }
                if (!kernel_has_flag(f)) {
                        zone_debug(log, "seccomp: kernel lacks %s, skipped", flag_names[k].name);
                        continue;
                }
                out |= f;
        }
        return out;
}

int light_seccomp_compile(const struct zone_spec_seccomp *sc, const char *cache_dir,
                          const struct zone_log *log, struct light_seccomp **ret,
                          struct zone_err **err)
{
        *ret = NULL;
        if (!sc || !sc->present)
                return 0;
        uint32_t flags = 0;
        bool notify = false;
        int r = validate(sc, &flags, &notify, err);
        if (r < 0)
                return r;

        _cleanup_(light_seccomp_freep) struct light_seccomp *s = calloc(1, sizeof(*s));
        if (!s)
                return zone_err_sys(err, -ENOMEM, "linux.seccomp: compile");

        uint8_t key[LIGHT_SECCOMP_KEY_SIZE];
        _cleanup_close_ int dirfd = -1;
        if (cache_dir) {
                r = light_seccomp_cache_key(sc, key);
                if (r < 0)
                        return zone_err_sys(err, r, "linux.seccomp: cache key");
                dirfd = light_seccomp_cache_open(cache_dir, log);
        }
        int hit = 0;
        if (dirfd >= 0) {
                hit = light_seccomp_cache_read(dirfd, key, log, s);
                if (hit < 0)
                        return zone_err_sys(err, hit, "linux.seccomp: read the cache");
                /* The key covers the config, so these hold unless the record lies. */
                if (hit && (s->flags != flags || s->notify != notify)) {
                        zone_debug(log, "seccomp cache record disagrees with the config, "
                                        "recompiling");
                        free(s->insns);
                        *s = (struct light_seccomp){0};
                        hit = 0;
                }
        }
        if (!hit) {
                r = build(sc, log, s, err);
                if (r < 0)
                        return r;
                s->flags = flags;
                s->notify = notify;
                if (dirfd >= 0)
                        light_seccomp_cache_write(dirfd, key, s, log);
        }
        s->load_flags = usable_flags(s->flags, s->notify, log);
        *ret = steal_pointer(&s);
        return 0;
}

/* ---- the listener ---- */

int light_seccomp_listener_connect(const struct zone_spec_seccomp *sc,
                                   const struct light_seccomp *s, struct zone_err **err)
{
        if (!light_seccomp_wants_listener(s))
                return -1;
        const char *path = sc->listener_path;
        if (!path)
                return zone_err_set(
                    err, -EINVAL,
                    "linux.seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(addr.sun_path))
                return zone_err_sys(err, -ENAMETOOLONG, "linux.seccomp.listenerPath %s", path);
        memcpy(addr.sun_path, path, strlen(path) + 1);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return zone_err_sys(err, -errno, "linux.seccomp.listenerPath %s: socket", path);
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                return zone_err_sys(err, -errno, "linux.seccomp.listenerPath %s: connect", path);
        return steal_fd(&fd);
}

int light_seccomp_process_state(const struct zone_spec_seccomp *sc, const char *state_json, int pid,
                                char **ret, struct zone_err **err)
{
        *ret = NULL;
        /* The state goes in as it is, once it is known to be one JSON object. */
        char ebuf[256] = "";
        yajl_val v = yajl_tree_parse(state_json, ebuf, sizeof(ebuf));
        bool ok = v && YAJL_IS_OBJECT(v);
        yajl_tree_free(v);
        if (!ok)
                return zone_err_set(err, -EINVAL, "seccomp listener state: not a JSON object");

        yajl_gen g = yajl_gen_alloc(NULL);
        if (!g)
                return zone_err_sys(err, -ENOMEM, "seccomp listener state");
        const char *meta = sc && sc->listener_metadata ? sc->listener_metadata : "";
#define S(str) (const unsigned char *)(str), strlen(str)
        yajl_gen_status st = yajl_gen_map_open(g);
        if (st == yajl_gen_status_ok)
                st = yajl_gen_string(g, S("ociVersion"));
        if (st == yajl_gen_status_ok)
                st = yajl_gen_string(g, S("1.2.0"));
        if (st == yajl_gen_status_ok)
                st = yajl_gen_string(g, S("fds"));
        if (st == yajl_gen_status_ok)
                st = yajl_gen_array_open(g);
        if (st == yajl_gen_status_ok)
                st = yajl_gen_string(g, S("seccompFd"));
        if (st == yajl_gen_status_ok)
                st = yajl_gen_array_close(g);
        if (st == yajl_gen_status_ok)
                st = yajl_gen_string(g, S("pid"));
        if (st == yajl_gen_status_ok)
                st = yajl_gen_integer(g, pid);
        if (st == yajl_gen_status_ok)
                st = yajl_gen_string(g, S("metadata"));
        if (st == yajl_gen_status_ok)
                st = yajl_gen_string(g, S(meta));
        if (st == yajl_gen_status_ok)
                st = yajl_gen_map_close(g);
#undef S
        const unsigned char *buf = NULL;
        size_t len = 0;
        if (st == yajl_gen_status_ok)
                st = yajl_gen_get_buf(g, &buf, &len);
        int r = 0;
        /* The closing brace is replaced by the state member. */
        if (st != yajl_gen_status_ok || len < 2 || buf[len - 1] != '}' ||
            asprintf(ret, "%.*s,\"state\":%s}", (int)(len - 1), (const char *)buf, state_json) <
                0) {
                *ret = NULL;
                r = zone_err_set(err, -ENOMEM, "seccomp listener state: cannot build it");
        }
        yajl_gen_free(g);
        return r;
}

/* ---- loading ---- */

int light_seccomp_load(const struct light_seccomp *s, int listener_fd,
                       const char *process_state_json, struct zone_err **err)
{
        if (!s)
                return 0;
        bool listen = s->notify;
        if (listen && listener_fd < 0)
                return zone_err_set(err, -EINVAL,
                                    "load seccomp filter: SCMP_ACT_NOTIFY rules need a listener");
        unsigned long flags = s->load_flags;
        if (listen) {
                flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
                /* TSYNC and a listener together need the ESRCH form of TSYNC's failure. */
                if (flags & SECCOMP_FILTER_FLAG_TSYNC)
                        flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
        }
        struct sock_fprog prog = {.len = (unsigned short)s->n_insns, .filter = s->insns};
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
        if (r < 0)
                return zone_err_sys(err, -errno, "load seccomp filter");
        if (!listen) {
                /* Plain TSYNC reports a thread it could not move with that thread's id. */
                if (r > 0)
                        return zone_err_set(err, -ESRCH,
                                            "load seccomp filter: thread %ld cannot take it", r);
                return 0;
        }
        _cleanup_close_ int nfd = (int)r;
        const char *msg = process_state_json ? process_state_json : "";
        int q = send_fd(listener_fd, nfd, msg, strlen(msg));
        if (q < 0)
                return zone_err_sys(err, q, "linux.seccomp.listenerPath: send the seccomp fd");
        return 0;
}

int light_seccomp_program_fd(const struct light_seccomp *s, unsigned long *ret_flags,
                             struct zone_err **err)
{
        unsigned long flags = s->load_flags;
        if (s->notify) {
                flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
                if (flags & SECCOMP_FILTER_FLAG_TSYNC)
                        flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
        }
        _cleanup_close_ int fd = memfd_create("zone-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return zone_err_sys(err, -errno, "seccomp filter: memfd");
        int r = write_full(fd, s->insns, s->n_insns * sizeof(*s->insns));
        if (r < 0)
                return zone_err_sys(err, r, "seccomp filter: write");
        if (lseek(fd, 0, SEEK_SET) < 0 ||
            fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
                return zone_err_sys(err, -errno, "seccomp filter: seal");
        *ret_flags = flags;
        return steal_fd(&fd);
}
