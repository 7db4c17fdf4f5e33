/* The OCI runtime-spec (1.2) config.json model. Parsed with yajl by spec.c, written back by
 * spec_write.c. String vectors are NULL-terminated (see util.h); optional scalars carry a
 * has_ flag. Everything is owned by the struct zone_spec and freed by zone_spec_free(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* -std=gnu11 predefines `linux` as 1, which would break the member name below. */
#undef linux

struct zone_err;

struct zone_kv {
        char *key;
        char *value;
};

struct zone_spec_mount {
        char *destination;
        char *type;     /* may be NULL */
        char *source;   /* may be NULL */
        char **options; /* may be NULL */
};

struct zone_spec_rlimit {
        int resource; /* RLIMIT_* */
        char *name;   /* as written: "RLIMIT_NOFILE" */
        uint64_t soft, hard;
};

struct zone_spec_caps {
        bool present; /* process.capabilities was given */
        char **bounding, **effective, **inheritable, **permitted, **ambient;
};

struct zone_spec_user {
        uid_t uid;
        gid_t gid;
        bool has_umask;
        mode_t umask;
        gid_t *additional_gids;
        size_t n_additional_gids;
        char *username; /* Windows-only in the spec; kept for round trips */
};

struct zone_spec_process {
        bool terminal;
        bool has_console_size;
        unsigned console_height, console_width;
        struct zone_spec_user user;
        char **args;
        char **env;
        char *cwd;
        struct zone_spec_rlimit *rlimits;
        size_t n_rlimits;
        struct zone_spec_caps caps;
        bool no_new_privileges;
        bool has_oom_score_adj;
        int oom_score_adj;
        char *apparmor_profile;
        char *selinux_label;
};

struct zone_spec_hook {
        char *path;
        char **args;
        char **env;
        bool has_timeout;
        int timeout; /* seconds, > 0 */
};

enum zone_hook_kind {
        ZONE_HOOK_PRESTART,
        ZONE_HOOK_CREATE_RUNTIME,
        ZONE_HOOK_CREATE_CONTAINER,
        ZONE_HOOK_START_CONTAINER,
        ZONE_HOOK_POSTSTART,
        ZONE_HOOK_POSTSTOP,
        ZONE_HOOK_KIND_COUNT
};

/* "prestart", "createRuntime", ...: the config.json key of a hook kind. */
const char *zone_hook_kind_name(enum zone_hook_kind kind);

struct zone_spec_hooks {
        struct zone_spec_hook *list[ZONE_HOOK_KIND_COUNT];
        size_t n[ZONE_HOOK_KIND_COUNT];
};

struct zone_spec_namespace {
        int type;   /* CLONE_NEWNS, CLONE_NEWPID, ... CLONE_NEWTIME */
        char *path; /* NULL: create a new one */
};

struct zone_spec_idmap {
        uint32_t container_id, host_id, size;
};

struct zone_spec_device {
        char *path;
        char type;            /* 'c', 'b', 'u' or 'p' */
        int64_t major, minor; /* -1 when absent (only for 'p') */
        bool has_file_mode, has_uid, has_gid;
        mode_t file_mode;
        uid_t uid;
        gid_t gid;
};

/* linux.resources: parsed and validated here; applied by the cgroup code. */
struct zone_spec_device_rule {
        bool allow;
        char type; /* 'a', 'c', 'b' or 0 when absent (means 'a') */
        bool has_major, has_minor;
        int64_t major, minor;
        char *access; /* "rwm" subset, may be NULL */
};

struct zone_spec_weight_device {
        int64_t major, minor;
        bool has_weight, has_leaf_weight;
        uint16_t weight, leaf_weight;
};

struct zone_spec_throttle_device {
        int64_t major, minor;
        uint64_t rate;
};

struct zone_spec_hugepage_limit {
        char *page_size; /* "2MB" */
        uint64_t limit;
};

struct zone_spec_net_priority {
        char *name;
        uint32_t priority;
};

struct zone_spec_rdma {
        char *device;
        bool has_hca_handles, has_hca_objects;
        uint32_t hca_handles, hca_objects;
};

struct zone_spec_resources {
        bool present;
        struct zone_spec_device_rule *devices;
        size_t n_devices;
        struct {
                bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp,
                    has_swappiness, has_disable_oom_killer, has_use_hierarchy,
                    has_check_before_update;
                int64_t limit, reservation, swap, kernel, kernel_tcp;
                uint64_t swappiness;
                bool disable_oom_killer, use_hierarchy, check_before_update;
        } memory;
        struct {
                bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime,
                    has_realtime_period, has_idle;
                uint64_t shares, period, realtime_period, burst;
                int64_t quota, realtime_runtime, idle;
                char *cpus, *mems;
        } cpu;
        struct {
                bool has_limit;
                int64_t limit;
        } pids;
        struct {
                bool has_weight, has_leaf_weight;
                uint16_t weight, leaf_weight;
                struct zone_spec_weight_device *weight_devices;
                size_t n_weight_devices;
                struct zone_spec_throttle_device *throttle_read_bps, *throttle_write_bps,
                    *throttle_read_iops, *throttle_write_iops;
                size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
                    n_throttle_write_iops;
        } block_io;
        struct zone_spec_hugepage_limit *hugepage_limits;
        size_t n_hugepage_limits;
        struct {
                bool has_class_id;
                uint32_t class_id;
                struct zone_spec_net_priority *priorities;
                size_t n_priorities;
        } network;
        struct zone_spec_rdma *rdma;
        size_t n_rdma;
        struct zone_kv *unified;
        size_t n_unified;
};

struct zone_spec_seccomp_arg {
        unsigned index;
        uint64_t value, value_two;
        char *op; /* "SCMP_CMP_EQ", ... */
};

struct zone_spec_seccomp_syscall {
        char **names;
        char *action;
        bool has_errno_ret;
        unsigned errno_ret;
        struct zone_spec_seccomp_arg *args;
        size_t n_args;
};

struct zone_spec_seccomp {
        bool present;
        char *default_action;
        bool has_default_errno_ret;
        unsigned default_errno_ret;
        char **architectures;
        char **flags;
        char *listener_path;
        char *listener_metadata;
        struct zone_spec_seccomp_syscall *syscalls;
        size_t n_syscalls;
};

struct zone_spec_time_offset {
        bool present;
        int64_t secs;
        uint32_t nanosecs;
};

struct zone_spec_linux {
        struct zone_spec_namespace *namespaces;
        size_t n_namespaces;
        struct zone_spec_idmap *uid_mappings, *gid_mappings;
        size_t n_uid_mappings, n_gid_mappings;
        struct zone_spec_device *devices;
        size_t n_devices;
        char *cgroups_path;
        struct zone_spec_resources resources;
        char *rootfs_propagation;
        struct zone_spec_seccomp seccomp;
        struct zone_kv *sysctl;
        size_t n_sysctl;
        char **masked_paths;
        char **readonly_paths;
        char *mount_label;
        bool has_personality;
        char *personality_domain; /* "LINUX" or "LINUX32" */
        char **personality_flags;
        struct zone_spec_time_offset time_monotonic, time_boottime;
};

struct zone_spec {
        char *oci_version;
        struct {
                char *path;
                bool readonly;
        } root;
        struct zone_spec_mount *mounts;
        size_t n_mounts;
        bool has_process;
        struct zone_spec_process process;
        char *hostname;
        char *domainname;
        struct zone_spec_hooks hooks;
        struct zone_kv *annotations;
        size_t n_annotations;
        bool has_linux;
        struct zone_spec_linux linux;
};

/* Parses config.json text. Errors name the file and field path:
 * "config.json: process.args: expected a non-empty array of strings". Unknown fields are
 * ignored. `what` is the name used in messages ("config.json"). */
int zone_spec_parse(const char *text, size_t len, const char *what, struct zone_spec **ret,
                    struct zone_err **err);
/* Reads and parses a file (at dirfd/path). */
int zone_spec_load(int dirfd, const char *path, struct zone_spec **ret, struct zone_err **err);
/* Parses a process object alone (as `exec --process FILE` takes). */
int zone_spec_parse_process(const char *text, size_t len, const char *what,
                            struct zone_spec_process *ret, struct zone_err **err);
void zone_spec_process_done(struct zone_spec_process *p);
/* Parses a linux.resources object alone (as `update --resources FILE` takes). Unlike
 * config.json, unknown fields are refused ("FILE: memory.limitt: unknown field"): a value
 * meant to change a limit must not be dropped unseen. ret->present is set. */
int zone_spec_parse_resources(const char *text, size_t len, const char *what,
                              struct zone_spec_resources *ret, struct zone_err **err);
/* Frees what res holds and zeroes it; NULL is fine. */
void zone_spec_resources_done(struct zone_spec_resources *res);
void zone_spec_free(struct zone_spec *spec);

/* Serialises spec to JSON (pretty-printed); *ret is malloc'd and NUL-terminated. */
int zone_spec_write(const struct zone_spec *spec, char **ret, size_t *ret_len,
                    struct zone_err **err);
/* The default config a `spec` command prints (like `runc spec`), or the rootless variant. */
int zone_spec_default(bool rootless, struct zone_spec **ret, struct zone_err **err);

/* Lookups used everywhere. */
const struct zone_spec_namespace *zone_spec_namespace(const struct zone_spec *spec, int type);
const char *zone_spec_annotation(const struct zone_spec *spec, const char *key);
/* Sets annotation key to value (copies of both), replacing its earlier value. 0 or -ENOMEM. */
int zone_spec_set_annotation(struct zone_spec *spec, const char *key, const char *value);
/* Namespace name ("pid") <-> CLONE_NEW* flag; -1 / NULL when unknown. */
int zone_ns_type_from_name(const char *name);
const char *zone_ns_type_name(int type);
