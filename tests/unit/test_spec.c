/* The config.json model: parsing every field, the exact error for each bad input, writing
 * back (round trips), the default config and the fixtures `runc spec` produced. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "spec.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Fixtures live next to this file; tests run from the top of the tree. */
static const char *data_path(const char *name, char *buf, size_t len)
{
        const char *dir = getenv("ZONE_TEST_DATA");
        snprintf(buf, len, "%s/%s", dir ? dir : "tests/unit/data", name);
        return buf;
}

static struct zone_spec *load_fixture(const char *name)
{
        char path[512];
        struct zone_spec *s = NULL;
        struct zone_err *err = NULL;
        int r = zone_spec_load(AT_FDCWD, data_path(name, path, sizeof(path)), &s, &err);
        if (r < 0)
                fail_msg("load %s: %s", name, err ? err->msg : "?");
        assert_non_null(s);
        return s;
}

static struct zone_spec *parse_ok(const char *json)
{
        struct zone_spec *s = NULL;
        struct zone_err *err = NULL;
        int r = zone_spec_parse(json, strlen(json), "config.json", &s, &err);
        if (r < 0)
                fail_msg("parse: %s\n%s", err ? err->msg : "?", json);
        return s;
}

static char *write_ok(const struct zone_spec *s)
{
        char *out = NULL;
        size_t len = 0;
        _cleanup_err_ struct zone_err *err = NULL;
        assert_int_equal(zone_spec_write(s, &out, &len, &err), 0);
        assert_null(err);
        assert_int_equal(strlen(out), len);
        return out;
}

/* parse(write(s)) must write back to the same text: nothing lost, nothing invented. */
static struct zone_spec *round_trip(const struct zone_spec *s)
{
        _cleanup_free_ char *a = write_ok(s);
        struct zone_spec *again = parse_ok(a);
        _cleanup_free_ char *b = write_ok(again);
        assert_string_equal(a, b);
        return again;
}

static void assert_strv(char *const *v, const char *const *want)
{
        size_t n = 0;
        while (want[n])
                n++;
        assert_int_equal(strv_length(v), n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(v[i], want[i]);
}
#define STRV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void check_full(const struct zone_spec *s)
{
        assert_string_equal(s->oci_version, "1.2.0");
        assert_string_equal(s->root.path, "/var/lib/zone/rootfs");
        assert_true(s->root.readonly);
        assert_string_equal(s->hostname, "box");
        assert_string_equal(s->domainname, "example.org");

        const struct zone_spec_process *p = &s->process;
        assert_true(s->has_process);
        assert_true(p->terminal);
        assert_true(p->has_console_size);
        assert_int_equal(p->console_height, 25);
        assert_int_equal(p->console_width, 80);
        assert_int_equal(p->user.uid, 1000);
        assert_int_equal(p->user.gid, 100);
        assert_true(p->user.has_umask);
        assert_int_equal(p->user.umask, 022);
        assert_int_equal(p->user.n_additional_gids, 3);
        assert_int_equal(p->user.additional_gids[1], 6);
        assert_int_equal(p->user.additional_gids[2], 4294967295u);
        assert_string_equal(p->user.username, "app");
        assert_strv(p->args, STRV("/bin/app", "--flag", "value"));
        assert_strv(p->env, STRV("PATH=/usr/bin:/bin", "HOME=/home/app"));
        assert_string_equal(p->cwd, "/home/app");
        assert_int_equal(p->n_rlimits, 2);
        assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
        assert_string_equal(p->rlimits[0].name, "RLIMIT_NOFILE");
        assert_int_equal(p->rlimits[0].hard, 4096);
        assert_int_equal(p->rlimits[0].soft, 1024);
        assert_int_equal(p->rlimits[1].resource, RLIMIT_CORE);
        assert_true(p->rlimits[1].hard == UINT64_MAX);
        assert_true(p->caps.present);
        assert_strv(p->caps.bounding, STRV("CAP_KILL", "CAP_CHOWN"));
        assert_strv(p->caps.effective, STRV("CAP_KILL"));
        assert_non_null(p->caps.inheritable);
        assert_int_equal(strv_length(p->caps.inheritable), 0);
        assert_strv(p->caps.ambient, STRV("CAP_KILL"));
        assert_true(p->no_new_privileges);
        assert_true(p->has_oom_score_adj);
        assert_int_equal(p->oom_score_adj, -500);
        assert_string_equal(p->apparmor_profile, "zone-default");
        assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0:c1,c2");

        assert_int_equal(s->n_mounts, 3);
        assert_string_equal(s->mounts[1].destination, "/data");
        assert_string_equal(s->mounts[1].type, "bind");
        assert_string_equal(s->mounts[1].source, "/srv/data");
        assert_strv(s->mounts[1].options, STRV("rbind", "ro"));
        assert_null(s->mounts[0].options);

        assert_int_equal(s->hooks.n[ZONE_HOOK_PRESTART], 1);
        const struct zone_spec_hook *h = &s->hooks.list[ZONE_HOOK_PRESTART][0];
        assert_string_equal(h->path, "/usr/bin/prestart");
        assert_strv(h->args, STRV("prestart", "-v"));
        assert_strv(h->env, STRV("A=1"));
        assert_true(h->has_timeout);
        assert_int_equal(h->timeout, 5);
        assert_int_equal(s->hooks.n[ZONE_HOOK_CREATE_RUNTIME], 2);
        assert_false(s->hooks.list[ZONE_HOOK_CREATE_RUNTIME][0].has_timeout);
        assert_int_equal(s->hooks.list[ZONE_HOOK_CREATE_RUNTIME][1].timeout, 10);
        assert_string_equal(s->hooks.list[ZONE_HOOK_CREATE_CONTAINER][0].path, "/usr/bin/cc");
        assert_string_equal(s->hooks.list[ZONE_HOOK_START_CONTAINER][0].path, "/usr/bin/sc");
        assert_string_equal(s->hooks.list[ZONE_HOOK_POSTSTART][0].path, "/usr/bin/ps");
        assert_string_equal(s->hooks.list[ZONE_HOOK_POSTSTOP][0].path, "/usr/bin/pstop");

        assert_int_equal(s->n_annotations, 2);
        assert_string_equal(zone_spec_annotation(s, "org.zone.type"), "light");
        assert_string_equal(zone_spec_annotation(s, "com.example.key"), "value");
        assert_null(zone_spec_annotation(s, "missing"));

        const struct zone_spec_linux *l = &s->linux;
        assert_true(s->has_linux);
        assert_int_equal(l->n_uid_mappings, 1);
        assert_int_equal(l->uid_mappings[0].host_id, 100000);
        assert_int_equal(l->uid_mappings[0].size, 65536);
        assert_int_equal(l->gid_mappings[0].host_id, 200000);
        assert_int_equal(l->n_sysctl, 2);
        assert_string_equal(l->sysctl[0].key, "net.ipv4.ip_forward");
        assert_string_equal(l->sysctl[0].value, "1");
        assert_string_equal(l->cgroups_path, "/zone-test/full");
        assert_int_equal(l->n_namespaces, 8);
        assert_int_equal(l->namespaces[0].type, CLONE_NEWPID);
        assert_int_equal(l->namespaces[7].type, CLONE_NEWTIME);
        const struct zone_spec_namespace *net = zone_spec_namespace(s, CLONE_NEWNET);
        assert_non_null(net);
        assert_string_equal(net->path, "/var/run/netns/zone1");
        assert_null(zone_spec_namespace(s, CLONE_NEWUSER)->path);

        assert_int_equal(l->n_devices, 3);
        assert_string_equal(l->devices[0].path, "/dev/fuse");
        assert_int_equal(l->devices[0].type, 'c');
        assert_int_equal(l->devices[0].major, 10);
        assert_int_equal(l->devices[0].minor, 229);
        assert_true(l->devices[0].has_file_mode);
        assert_int_equal(l->devices[0].file_mode, 0666);
        assert_true(l->devices[0].has_uid && l->devices[0].has_gid);
        assert_false(l->devices[1].has_file_mode);
        assert_int_equal(l->devices[2].type, 'p');

        const struct zone_spec_resources *r = &l->resources;
        assert_true(r->present);
        assert_int_equal(r->n_devices, 3);
        assert_false(r->devices[0].allow);
        assert_int_equal(r->devices[0].type, 0);
        assert_string_equal(r->devices[0].access, "rwm");
        assert_int_equal(r->devices[1].type, 'c');
        assert_true(r->devices[1].has_major);
        assert_int_equal(r->devices[1].minor, 3);
        assert_int_equal(r->devices[2].minor, -1);
        assert_true(r->memory.has_limit);
        assert_int_equal(r->memory.limit, 536870912);
        assert_int_equal(r->memory.swap, -1);
        assert_true(r->memory.has_kernel);
        assert_int_equal(r->memory.kernel_tcp, 1048576);
        assert_int_equal(r->memory.swappiness, 60);
        assert_true(r->memory.disable_oom_killer);
        assert_true(r->memory.has_use_hierarchy);
        assert_false(r->memory.use_hierarchy);
        assert_true(r->memory.check_before_update);
        assert_int_equal(r->cpu.shares, 1024);
        assert_int_equal(r->cpu.quota, 50000);
        assert_int_equal(r->cpu.burst, 1000);
        assert_int_equal(r->cpu.period, 100000);
        assert_int_equal(r->cpu.realtime_runtime, 950000);
        assert_int_equal(r->cpu.realtime_period, 1000000);
        assert_string_equal(r->cpu.cpus, "0-1");
        assert_string_equal(r->cpu.mems, "0");
        assert_true(r->cpu.has_idle);
        assert_int_equal(r->cpu.idle, 1);
        assert_true(r->pids.has_limit);
        assert_int_equal(r->pids.limit, 32);
        assert_int_equal(r->block_io.weight, 500);
        assert_int_equal(r->block_io.leaf_weight, 300);
        assert_int_equal(r->block_io.n_weight_devices, 2);
        assert_int_equal(r->block_io.weight_devices[0].leaf_weight, 200);
        assert_false(r->block_io.weight_devices[1].has_leaf_weight);
        assert_int_equal(r->block_io.throttle_read_bps[0].rate, 104857600);
        assert_int_equal(r->block_io.throttle_write_bps[0].rate, 52428800);
        assert_int_equal(r->block_io.throttle_read_iops[0].rate, 1000);
        assert_int_equal(r->block_io.throttle_write_iops[0].rate, 500);
        assert_int_equal(r->n_hugepage_limits, 2);
        assert_string_equal(r->hugepage_limits[0].page_size, "2MB");
        assert_int_equal(r->hugepage_limits[0].limit, 209715200);
        assert_true(r->network.has_class_id);
        assert_int_equal(r->network.class_id, 1048577);
        assert_int_equal(r->network.n_priorities, 2);
        assert_string_equal(r->network.priorities[1].name, "eth1");
        assert_int_equal(r->network.priorities[1].priority, 1000);
        assert_int_equal(r->n_rdma, 2);
        assert_string_equal(r->rdma[0].device, "mlx5_1");
        assert_int_equal(r->rdma[0].hca_handles, 3);
        assert_int_equal(r->rdma[0].hca_objects, 10000);
        assert_false(r->rdma[1].has_hca_handles);
        assert_int_equal(r->n_unified, 2);
        assert_string_equal(r->unified[1].key, "memory.high");

        const struct zone_spec_seccomp *sc = &l->seccomp;
        assert_true(sc->present);
        assert_string_equal(sc->default_action, "SCMP_ACT_ERRNO");
        assert_true(sc->has_default_errno_ret);
        assert_int_equal(sc->default_errno_ret, 1);
        assert_strv(sc->architectures, STRV("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"));
        assert_strv(sc->flags, STRV("SECCOMP_FILTER_FLAG_LOG"));
        assert_string_equal(sc->listener_path, "/run/seccomp-agent.sock");
        assert_string_equal(sc->listener_metadata, "meta");
        assert_int_equal(sc->n_syscalls, 3);
        assert_strv(sc->syscalls[0].names, STRV("read", "write"));
        assert_int_equal(sc->syscalls[1].n_args, 2);
        assert_int_equal(sc->syscalls[1].args[0].value, 4294967295u);
        assert_true(sc->syscalls[1].args[1].value == UINT64_MAX);
        assert_int_equal(sc->syscalls[1].args[1].index, 1);
        assert_string_equal(sc->syscalls[1].args[1].op, "SCMP_CMP_MASKED_EQ");
        assert_true(sc->syscalls[2].has_errno_ret);
        assert_int_equal(sc->syscalls[2].errno_ret, 38);
        assert_false(sc->syscalls[0].has_errno_ret);

        assert_string_equal(l->rootfs_propagation, "rslave");
        assert_strv(l->masked_paths, STRV("/proc/kcore", "/sys/firmware"));
        assert_strv(l->readonly_paths, STRV("/proc/sys"));
        assert_string_equal(l->mount_label, "system_u:object_r:container_file_t:s0:c1,c2");
        assert_true(l->has_personality);
        assert_string_equal(l->personality_domain, "LINUX32");
        assert_true(l->time_monotonic.present);
        assert_int_equal(l->time_monotonic.secs, -3600);
        assert_int_equal(l->time_monotonic.nanosecs, 500);
        assert_true(l->time_boottime.present);
        assert_int_equal(l->time_boottime.secs, 86400);
}

static void test_full_config(void **state)
{
        struct zone_spec *s = load_fixture("full-config.json");
        check_full(s);
        struct zone_spec *again = round_trip(s);
        check_full(again);
        zone_spec_free(again);
        zone_spec_free(s);
}

static void test_default_config(void **state)
{
        struct zone_spec *s = NULL;
        _cleanup_err_ struct zone_err *err = NULL;
        assert_int_equal(zone_spec_default(false, &s, &err), 0);
        assert_string_equal(s->hostname, "zone");
        assert_strv(s->process.args, STRV("sh"));
        assert_true(s->process.terminal);
        assert_string_equal(s->process.cwd, "/");
        assert_strv(s->process.caps.bounding,
                    STRV("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"));
        assert_int_equal(s->process.rlimits[0].resource, RLIMIT_NOFILE);
        assert_true(s->process.no_new_privileges);
        assert_string_equal(s->root.path, "rootfs");
        assert_true(s->root.readonly);
        assert_int_equal(s->linux.n_namespaces, 6);
        assert_non_null(zone_spec_namespace(s, CLONE_NEWNET));
        assert_non_null(zone_spec_namespace(s, CLONE_NEWCGROUP));
        assert_null(zone_spec_namespace(s, CLONE_NEWUSER));
        assert_null(s->linux.uid_mappings);

        /* the same mounts, process and paths as `runc spec` */
        struct zone_spec *runc = load_fixture("runc-spec.json");
        assert_int_equal(s->n_mounts, runc->n_mounts);
        for (size_t i = 0; i < s->n_mounts; i++) {
                assert_string_equal(s->mounts[i].destination, runc->mounts[i].destination);
                assert_string_equal(s->mounts[i].type, runc->mounts[i].type);
                assert_string_equal(s->mounts[i].source, runc->mounts[i].source);
                if (runc->mounts[i].options)
                        assert_strv(s->mounts[i].options,
                                    (const char *const *)runc->mounts[i].options);
        }
        assert_strv(s->process.env, (const char *const *)runc->process.env);
        assert_strv(s->linux.readonly_paths, (const char *const *)runc->linux.readonly_paths);
        for (size_t i = 0; runc->linux.masked_paths[i]; i++) {
                bool found = false;
                for (size_t j = 0; s->linux.masked_paths[j]; j++)
                        found |= strcmp(s->linux.masked_paths[j], runc->linux.masked_paths[i]) == 0;
                assert_true(found);
        }

        struct zone_spec *again = round_trip(s);
        assert_int_equal(again->linux.n_namespaces, 6);
        zone_spec_free(again);
        zone_spec_free(runc);
        zone_spec_free(s);
}

static void test_default_rootless(void **state)
{
        struct zone_spec *s = NULL;
        _cleanup_err_ struct zone_err *err = NULL;
        assert_int_equal(zone_spec_default(true, &s, &err), 0);
        assert_null(zone_spec_namespace(s, CLONE_NEWNET));
        assert_non_null(zone_spec_namespace(s, CLONE_NEWUSER));
        assert_non_null(zone_spec_namespace(s, CLONE_NEWPID));
        assert_int_equal(s->linux.n_uid_mappings, 1);
        assert_int_equal(s->linux.uid_mappings[0].container_id, 0);
        assert_int_equal(s->linux.uid_mappings[0].host_id, getuid());
        assert_int_equal(s->linux.uid_mappings[0].size, 1);
        assert_int_equal(s->linux.gid_mappings[0].host_id, getgid());
        assert_false(s->linux.resources.present);

        struct zone_spec *runc = load_fixture("runc-spec-rootless.json");
        assert_int_equal(s->n_mounts, runc->n_mounts);
        for (size_t i = 0; i < s->n_mounts; i++) {
                assert_string_equal(s->mounts[i].destination, runc->mounts[i].destination);
                assert_string_equal(s->mounts[i].type, runc->mounts[i].type);
                assert_string_equal(s->mounts[i].source, runc->mounts[i].source);
                if (runc->mounts[i].options)
                        assert_strv(s->mounts[i].options,
                                    (const char *const *)runc->mounts[i].options);
        }
        struct zone_spec *again = round_trip(s);
        assert_int_equal(again->linux.uid_mappings[0].host_id, getuid());
        zone_spec_free(again);
        zone_spec_free(runc);
        zone_spec_free(s);
}

/* Our writer formats exactly as `runc spec` does (key order, tabs), plus a final newline. */
static void assert_writes_as_file(const struct zone_spec *s, const char *name)
{
        char path[512];
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        assert_int_equal(
            read_file_at(AT_FDCWD, data_path(name, path, sizeof(path)), 1 << 20, &text, &len), 0);
        _cleanup_free_ char *out = write_ok(s);
        assert_int_equal(strlen(out), len + 1);
        assert_int_equal(memcmp(out, text, len), 0);
        assert_int_equal(out[len], '\n');
}

static void test_runc_fixtures(void **state)
{
        struct zone_spec *s = load_fixture("runc-spec.json");
        assert_string_equal(s->oci_version, "1.0.2-dev");
        assert_string_equal(s->hostname, "runc");
        assert_strv(s->process.caps.ambient,
                    STRV("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"));
        assert_int_equal(s->linux.resources.n_devices, 1);
        assert_false(s->linux.resources.devices[0].allow);
        assert_int_equal(s->linux.n_namespaces, 5);
        assert_writes_as_file(s, "runc-spec.json");
        zone_spec_free(round_trip(s));
        zone_spec_free(s);

        s = load_fixture("runc-spec-rootless.json");
        assert_int_equal(s->linux.n_uid_mappings, 1);
        assert_non_null(zone_spec_namespace(s, CLONE_NEWUSER));
        assert_writes_as_file(s, "runc-spec-rootless.json");
        zone_spec_free(round_trip(s));
        zone_spec_free(s);
}

/* ---- bad input: each gives one exact line and -EINVAL ---- */

struct bad_case {
        const char *json;
        const char *msg;
};

#define P(x) "{\"ociVersion\": \"1.2.0\", \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], " x "}}"
#define L(x) "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\"}, \"linux\": {" x "}}"
#define R(x) L("\"resources\": {" x "}")

static const struct bad_case bad_cases[] = {
    {"{}", "config.json: ociVersion: required"},
    {"[1]", "config.json: expected an object"},
    {"{\"ociVersion\": 1}", "config.json: ociVersion: expected a string"},
    {"{\"ociVersion\": \"1\", \"process\": {\"cwd\": \"/\", \"args\": []}}",
     "config.json: process.args: expected a non-empty array of strings"},
    {"{\"ociVersion\": \"1\", \"process\": {\"cwd\": \"/\"}}",
     "config.json: process.args: expected a non-empty array of strings"},
    {"{\"ociVersion\": \"1\", \"process\": {\"cwd\": \"/\", \"args\": \"sh\"}}",
     "config.json: process.args: expected a non-empty array of strings"},
    {"{\"ociVersion\": \"1\", \"process\": {\"cwd\": \"/\", \"args\": [\"sh\", 1]}}",
     "config.json: process.args[1]: expected a string"},
    {"{\"ociVersion\": \"1\", \"process\": {\"args\": [\"sh\"]}}",
     "config.json: process.cwd: required"},
    {"{\"ociVersion\": \"1\", \"process\": {\"args\": [\"sh\"], \"cwd\": \"tmp\"}}",
     "config.json: process.cwd: expected an absolute path, got \"tmp\""},
    {P("\"terminal\": \"yes\""), "config.json: process.terminal: expected true or false"},
    {P("\"env\": [\"A=1\", null]"), "config.json: process.env[1]: expected a string"},
    {P("\"user\": {\"uid\": 4294967296}"),
     "config.json: process.user.uid: expected an integer between 0 and 4294967295"},
    {P("\"user\": {\"uid\": -1}"),
     "config.json: process.user.uid: expected an integer between 0 and 4294967295"},
    {P("\"user\": {\"gid\": 1.5}"),
     "config.json: process.user.gid: expected an integer between 0 and 4294967295"},
    {P("\"user\": {\"additionalGids\": [1, \"x\"]}"),
     "config.json: process.user.additionalGids[1]: expected an integer between 0 and "
     "4294967295"},
    {P("\"oomScoreAdj\": 2147483648"),
     "config.json: process.oomScoreAdj: expected an integer between -2147483648 and "
     "2147483647"},
    {P("\"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"hard\": 1, \"soft\": 1}]"),
     "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""},
    {P("\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1}]"),
     "config.json: process.rlimits[0].soft: required"},
    {P("\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1, \"soft\": -1}]"),
     "config.json: process.rlimits[0].soft: expected a non-negative integer"},
    {P("\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1, \"soft\": 1}, "
       "{\"type\": \"RLIMIT_NOFILE\", \"hard\": 2, \"soft\": 2}]"),
     "config.json: process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\""},
    {P("\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"hard\": 1024, \"soft\": 2048}]"),
     "config.json: process.rlimits[0].soft: 2048 is above the hard limit 1024"},
    {P("\"capabilities\": {\"bounding\": \"CAP_KILL\"}"),
     "config.json: process.capabilities.bounding: expected an array of strings"},
    {P("\"consoleSize\": {\"height\": 1}"), "config.json: process.consoleSize.width: required"},
    {"{\"ociVersion\": \"1\", \"mounts\": [{\"destination\": \"/a\"}, {\"destination\": "
     "\"/b\"}, {\"destination\": 5}]}",
     "config.json: mounts[2].destination: expected a string"},
    {"{\"ociVersion\": \"1\", \"mounts\": [{\"type\": \"proc\"}]}",
     "config.json: mounts[0].destination: required"},
    {"{\"ociVersion\": \"1\", \"mounts\": [{\"destination\": \"proc\"}]}",
     "config.json: mounts[0].destination: expected an absolute path, got \"proc\""},
    {"{\"ociVersion\": \"1\", \"mounts\": {}}",
     "config.json: mounts: expected an array of objects"},
    {"{\"ociVersion\": \"1\", \"hooks\": {\"prestart\": [{\"path\": \"hook\"}]}}",
     "config.json: hooks.prestart[0].path: expected an absolute path, got \"hook\""},
    {"{\"ociVersion\": \"1\", \"hooks\": {\"poststop\": [{\"path\": \"/h\", \"timeout\": 0}]}}",
     "config.json: hooks.poststop[0].timeout: expected an integer between 1 and 2147483647"},
    {"{\"ociVersion\": \"1\", \"hooks\": {\"createRuntime\": [{\"args\": []}]}}",
     "config.json: hooks.createRuntime[0].path: required"},
    {"{\"ociVersion\": \"1\", \"annotations\": {\"a\": \"b\", \"k\": 1}}",
     "config.json: annotations.k: expected a string"},
    {"{\"ociVersion\": \"1\", \"linux\": {}}", "config.json: root.path: required"},
    {"{\"ociVersion\": \"1\", \"root\": {\"readonly\": true}}", "config.json: root.path: required"},
    {L("\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"foo\"}]"),
     "config.json: linux.namespaces[1].type: unknown namespace type \"foo\""},
    {L("\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"ipc\"}, {\"type\": \"pid\"}]"),
     "config.json: linux.namespaces[2].type: duplicate namespace type \"pid\""},
    {L("\"namespaces\": [{\"type\": \"network\", \"path\": \"ns/net\"}]"),
     "config.json: linux.namespaces[0].path: expected an absolute path, got \"ns/net\""},
    {L("\"namespaces\": [{\"path\": \"/proc/1/ns/net\"}]"),
     "config.json: linux.namespaces[0].type: required"},
    {L("\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000}]"),
     "config.json: linux.uidMappings[0].size: required"},
    {L("\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 0}]"),
     "config.json: linux.uidMappings[0].size: expected an integer between 1 and 4294967295"},
    {L("\"gidMappings\": [{\"containerID\": 0, \"hostID\": 4294967296, \"size\": 1}]"),
     "config.json: linux.gidMappings[0].hostID: expected an integer between 0 and "
     "4294967295"},
    {L("\"devices\": [{\"path\": \"/dev/x\", \"type\": \"x\"}]"),
     "config.json: linux.devices[0].type: expected one of c b u p"},
    {L("\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", \"minor\": 1}]"),
     "config.json: linux.devices[0].major: required for device type 'c'"},
    {L("\"devices\": [{\"path\": \"/dev/p\", \"type\": \"p\"}, {\"path\": \"/dev/x\", "
       "\"type\": \"b\", \"major\": 8}]"),
     "config.json: linux.devices[1].minor: required for device type 'b'"},
    {L("\"devices\": [{\"path\": \"dev/x\", \"type\": \"p\"}]"),
     "config.json: linux.devices[0].path: expected an absolute path, got \"dev/x\""},
    {L("\"timeOffsets\": {\"monotonic\": {\"secs\": 1}, \"realtime\": {\"secs\": 1}}"),
     "config.json: linux.timeOffsets.realtime: unknown clock (only monotonic and boottime)"},
    {L("\"timeOffsets\": {\"boottime\": {\"nanosecs\": 1000000000}}"),
     "config.json: linux.timeOffsets.boottime.nanosecs: expected an integer between 0 and "
     "999999999"},
    {L("\"rootfsPropagation\": \"sideways\""),
     "config.json: linux.rootfsPropagation: unknown rootfs propagation \"sideways\""},
    {L("\"personality\": {\"domain\": \"LINUX64\"}"),
     "config.json: linux.personality.domain: unknown personality domain \"LINUX64\""},
    {L("\"sysctl\": [\"a\"]"), "config.json: linux.sysctl: expected an object of strings"},
    {L("\"seccomp\": {\"syscalls\": []}"), "config.json: linux.seccomp.defaultAction: required"},
    {L("\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
       "[\"read\"], \"action\": \"SCMP_ACT_FOO\"}]}"),
     "config.json: linux.seccomp.syscalls[0].action: unknown seccomp action \"SCMP_ACT_FOO\""},
    {L("\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
       "[], \"action\": \"SCMP_ACT_LOG\"}]}"),
     "config.json: linux.seccomp.syscalls[0].names: expected a non-empty array of strings"},
    {L("\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
       "[\"x\"], \"action\": \"SCMP_ACT_LOG\", \"args\": [{\"index\": 0, \"value\": 1, "
       "\"op\": \"SCMP_CMP_XX\"}]}]}"),
     "config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator "
     "\"SCMP_CMP_XX\""},
    {R("\"memory\": {\"limit\": \"big\"}"),
     "config.json: linux.resources.memory.limit: expected an integer between "
     "-9223372036854775808 and 9223372036854775807"},
    {R("\"memory\": {\"limit\": 9223372036854775808}"),
     "config.json: linux.resources.memory.limit: expected an integer between "
     "-9223372036854775808 and 9223372036854775807"},
    {R("\"memory\": {\"swappiness\": -1}"),
     "config.json: linux.resources.memory.swappiness: expected a non-negative integer"},
    {R("\"cpu\": {\"shares\": 18446744073709551616}"),
     "config.json: linux.resources.cpu.shares: expected a non-negative integer"},
    {R("\"cpu\": {\"period\": 1e5}"),
     "config.json: linux.resources.cpu.period: expected a non-negative integer"},
    {R("\"blockIO\": {\"weight\": 65536}"),
     "config.json: linux.resources.blockIO.weight: expected an integer between 0 and 65535"},
    {R("\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0}]}"),
     "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: required"},
    {R("\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]"),
     "config.json: linux.resources.devices[0].access: expected a combination of r, w and m, "
     "got \"rwx\""},
    {R("\"devices\": [{\"allow\": true, \"type\": \"u\"}]"),
     "config.json: linux.resources.devices[0].type: expected one of a c b"},
    {R("\"devices\": [{\"access\": \"r\"}]"),
     "config.json: linux.resources.devices[0].allow: required"},
    {R("\"rdma\": {\"mlx5_1\": {\"hcaHandles\": -3}}"),
     "config.json: linux.resources.rdma.mlx5_1.hcaHandles: expected an integer between 0 "
     "and 4294967295"},
    {R("\"unified\": {\"memory.max\": 5}"),
     "config.json: linux.resources.unified.memory.max: expected a string"},
    {R("\"pids\": {}"), "config.json: linux.resources.pids.limit: required"},
    {R("\"hugepageLimits\": [{\"limit\": 1}]"),
     "config.json: linux.resources.hugepageLimits[0].pageSize: required"},
    {R("\"network\": {\"priorities\": [{\"name\": \"eth0\", \"priority\": true}]}"),
     "config.json: linux.resources.network.priorities[0].priority: expected an integer "
     "between 0 and 4294967295"},
};

static void test_bad_inputs(void **state)
{
        for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
                struct zone_spec *s = NULL;
                _cleanup_err_ struct zone_err *err = NULL;
                const char *json = bad_cases[i].json;
                int r = zone_spec_parse(json, strlen(json), "config.json", &s, &err);
                if (r != -EINVAL || !err || strcmp(err->msg, bad_cases[i].msg) != 0)
                        fail_msg("case %zu: %s\n  want: %s\n  got:  %d %s", i, json,
                                 bad_cases[i].msg, r, err ? err->msg : "(no error)");
                assert_null(s);
        }
}

static void test_invalid_json(void **state)
{
        static const char *const inputs[] = {"", "{", "{\"ociVersion\": }", "{\"a\": [1,]}",
                                             "nul\n"};
        for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
                struct zone_spec *s = NULL;
                _cleanup_err_ struct zone_err *err = NULL;
                int r = zone_spec_parse(inputs[i], strlen(inputs[i]), "config.json", &s, &err);
                assert_int_equal(r, -EINVAL);
                assert_non_null(err);
                assert_int_equal(strncmp(err->msg, "config.json: invalid JSON: ", 27), 0);
                assert_true(strlen(err->msg) > 27);
                assert_null(strchr(err->msg, '\n'));
                assert_null(s);
        }
        /* an embedded NUL is refused, not silently cut off */
        struct zone_spec *s = NULL;
        _cleanup_err_ struct zone_err *err = NULL;
        static const char nul[] = "{\"ociVersion\": \"1\"}\0junk";
        assert_int_equal(zone_spec_parse(nul, sizeof(nul) - 1, "config.json", &s, &err), -EINVAL);
        assert_string_equal(err->msg, "config.json: invalid JSON: NUL byte in text");
}

static void test_nesting_limit(void **state)
{
        /* deep nesting is refused before yajl builds (and recursively frees) a tree */
        size_t depth = 100000;
        _cleanup_free_ char *deep = malloc(2 * depth + 1);
        assert_non_null(deep);
        memset(deep, '[', depth);
        memset(deep + depth, ']', depth);
        deep[2 * depth] = '\0';
        struct zone_spec *s = NULL;
        _cleanup_err_ struct zone_err *err = NULL;
        assert_int_equal(zone_spec_parse(deep, 2 * depth, "config.json", &s, &err), -EINVAL);
        assert_string_equal(err->msg, "config.json: invalid JSON: nested deeper than 128 levels");
        assert_null(s);

        /* brackets inside strings (even after an escaped quote) are text, not nesting */
        char doc[512] = "{\"ociVersion\": \"1\", \"hostname\": \"\\\"";
        size_t len = strlen(doc);
        memset(doc + len, '[', 200);
        strcpy(doc + len + 200, "\"}");
        s = parse_ok(doc);
        assert_int_equal(strlen(s->hostname), 201);
        assert_int_equal(s->hostname[0], '"');
        zone_spec_free(s);
}

static void test_last_duplicate_key_wins(void **state)
{
        struct zone_spec *s = parse_ok("{\"ociVersion\": \"1\", \"hostname\": \"a\", "
                                       "\"hostname\": \"b\"}");
        assert_string_equal(s->hostname, "b");
        zone_spec_free(s);
}

/* Every truncation of a real config fails with one clean line (ASan checks the error paths
 * free everything they allocated). */
static void test_truncated_config(void **state)
{
        char path[512];
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        assert_int_equal(read_file_at(AT_FDCWD, data_path("full-config.json", path, sizeof(path)),
                                      1 << 20, &text, &len),
                         0);
        for (size_t n = 0; n < len - 2; n++) {
                struct zone_spec *s = NULL;
                _cleanup_err_ struct zone_err *err = NULL;
                assert_int_equal(zone_spec_parse(text, n, "config.json", &s, &err), -EINVAL);
                assert_null(s);
                assert_int_equal(strncmp(err->msg, "config.json: invalid JSON: ", 27), 0);
                assert_null(strchr(err->msg, '\n'));
        }
}

static void test_unknown_fields_ignored(void **state)
{
        struct zone_spec *s =
            parse_ok("{\"ociVersion\": \"1.2.0\", \"solaris\": {\"milestone\": 1},"
                     " \"process\": {\"cwd\": \"/\", \"args\": [\"x\"], "
                     "\"commandLine\": \"x\", \"scheduler\": {\"policy\": 1}},"
                     " \"root\": {\"path\": \"r\", \"extra\": [1]},"
                     " \"linux\": {\"intelRdt\": {}, \"memoryPolicy\": 3}}");
        assert_string_equal(s->process.args[0], "x");
        assert_string_equal(s->root.path, "r");
        assert_true(s->has_linux);
        assert_false(s->linux.resources.present);
        _cleanup_free_ char *out = write_ok(s);
        assert_null(strstr(out, "solaris"));
        assert_null(strstr(out, "intelRdt"));
        zone_spec_free(s);
}

static void test_null_is_absent(void **state)
{
        struct zone_spec *s = parse_ok("{\"ociVersion\": \"1\", \"hostname\": null, \"mounts\": "
                                       "[{\"destination\": \"/x\", \"options\": null}]}");
        assert_null(s->hostname);
        assert_null(s->mounts[0].options);
        assert_false(s->has_process);
        assert_false(s->has_linux);
        zone_spec_free(s);
}

static void test_parse_process(void **state)
{
        static const char good[] = "{\"terminal\": false, \"user\": {\"uid\": 5, \"gid\": 6},"
                                   " \"args\": [\"ls\", \"-l\"], \"cwd\": \"/tmp\", "
                                   "\"env\": [\"A=B\"], \"capabilities\": {\"bounding\": []}}";
        struct zone_spec_process p = {0};
        _cleanup_err_ struct zone_err *err = NULL;
        assert_int_equal(zone_spec_parse_process(good, strlen(good), "process.json", &p, &err), 0);
        assert_strv(p.args, STRV("ls", "-l"));
        assert_string_equal(p.cwd, "/tmp");
        assert_int_equal(p.user.uid, 5);
        assert_int_equal(p.user.gid, 6);
        assert_true(p.caps.present);
        assert_false(p.terminal);
        zone_spec_process_done(&p);
        assert_null(p.args);

        static const char bad_json[] = "{\"args\": [], \"cwd\": \"/\"}";
        struct zone_spec_process q = {0};
        assert_int_equal(
            zone_spec_parse_process(bad_json, strlen(bad_json), "process.json", &q, &err), -EINVAL);
        assert_string_equal(err->msg, "process.json: args: expected a non-empty array of strings");
        assert_null(q.args);
}

static void test_parse_resources(void **state)
{
        static const char good[] =
            "{\"memory\": {\"limit\": 134217728, \"swap\": -1, \"checkBeforeUpdate\": true},"
            " \"cpu\": {\"shares\": 512, \"quota\": -1, \"period\": 100000, \"cpus\": \"0-1\"},"
            " \"pids\": {\"limit\": 42}, \"blockIO\": {\"weight\": 300},"
            " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}],"
            " \"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3}}, \"unified\": {\"memory.high\": "
            "\"max\"}}";
        struct zone_spec_resources r = {0};
        _cleanup_err_ struct zone_err *err = NULL;
        assert_int_equal(zone_spec_parse_resources(good, strlen(good), "r.json", &r, &err), 0);
        assert_true(r.present);
        assert_true(r.memory.has_limit);
        assert_int_equal(r.memory.limit, 134217728);
        assert_true(r.memory.has_swap);
        assert_int_equal(r.memory.swap, -1);
        assert_true(r.memory.has_check_before_update && r.memory.check_before_update);
        assert_false(r.memory.has_reservation);
        assert_true(r.cpu.has_shares);
        assert_int_equal(r.cpu.shares, 512);
        assert_int_equal(r.cpu.quota, -1);
        assert_int_equal(r.cpu.period, 100000);
        assert_string_equal(r.cpu.cpus, "0-1");
        assert_null(r.cpu.mems);
        assert_true(r.pids.has_limit);
        assert_int_equal(r.pids.limit, 42);
        assert_int_equal(r.block_io.weight, 300);
        assert_int_equal(r.n_hugepage_limits, 1);
        assert_string_equal(r.hugepage_limits[0].page_size, "2MB");
        assert_int_equal(r.n_rdma, 1);
        assert_string_equal(r.rdma[0].device, "mlx5_1");
        assert_int_equal(r.rdma[0].hca_handles, 3);
        assert_int_equal(r.n_unified, 1);
        zone_spec_resources_done(&r);
        assert_null(r.cpu.cpus);
        assert_false(r.present);
        zone_spec_resources_done(NULL);

        /* an empty object changes nothing but is a valid document */
        assert_int_equal(zone_spec_parse_resources("{}", 2, NULL, &r, &err), 0);
        assert_true(r.present);
        assert_false(r.memory.has_limit || r.pids.has_limit || r.cpu.has_shares);
        zone_spec_resources_done(&r);
}

/* Unlike config.json, unknown fields are refused at every level, by their path. */
static const struct {
        const char *json, *msg;
} bad_resources[] = {
    {"{\"memry\": {}}", "r.json: memry: unknown field"},
    {"{\"memory\": {\"limitt\": 5}}", "r.json: memory.limitt: unknown field"},
    {"{\"cpu\": {\"shares\": 2, \"sharez\": 2}}", "r.json: cpu.sharez: unknown field"},
    {"{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 1, \"x\": 1}]}",
     "r.json: hugepageLimits[0].x: unknown field"},
    {"{\"rdma\": {\"mlx5\": {\"hcaHandle\": 1}}}", "r.json: rdma.mlx5.hcaHandle: unknown field"},
    {"{\"pids\": {\"limit\": \"many\"}}",
     "r.json: pids.limit: expected an integer between -9223372036854775808 and "
     "9223372036854775807"},
    {"{\"pids\": {}}", "r.json: pids.limit: required"},
    {"{\"cpu\": {\"shares\": -2}}", "r.json: cpu.shares: expected a non-negative integer"},
    {"{\"memory\": {\"limit\": 1.5}}",
     "r.json: memory.limit: expected an integer between -9223372036854775808 and "
     "9223372036854775807"},
    {"{\"cpu\": {\"cpus\": 3}}", "r.json: cpu.cpus: expected a string"},
    {"[]", "r.json: expected an object"},
    {"{\"memory\": ", NULL},
};

static void test_parse_resources_errors(void **state)
{
        for (size_t i = 0; i < ARRAY_SIZE(bad_resources); i++) {
                struct zone_spec_resources r = {0};
                _cleanup_err_ struct zone_err *err = NULL;
                const char *json = bad_resources[i].json;
                int rc = zone_spec_parse_resources(json, strlen(json), "r.json", &r, &err);
                const char *want =
                    bad_resources[i].msg ? bad_resources[i].msg : "r.json: invalid JSON: ";
                bool ok = rc == -EINVAL && err &&
                          (bad_resources[i].msg ? strcmp(err->msg, want) == 0
                                                : strncmp(err->msg, want, strlen(want)) == 0);
                if (!ok)
                        fail_msg("case %zu: %s\n  want: %s\n  got:  %d %s", i, json, want, rc,
                                 err ? err->msg : "(no error)");
                /* nothing is handed back on error */
                assert_false(r.present);
                assert_null(r.cpu.cpus);
                assert_null(r.hugepage_limits);
        }
}

static void test_load_errors(void **state)
{
        char dir[] = "/tmp/zone-test-spec-XXXXXX";
        assert_non_null(mkdtemp(dir));
        _cleanup_close_ int dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        assert_true(dfd >= 0);

        struct zone_spec *s = NULL;
        struct zone_err *err = NULL;
        assert_int_equal(zone_spec_load(dfd, "config.json", &s, &err), -ENOENT);
        assert_string_equal(err->msg, "open config.json: ENOENT");
        zone_err_free(err);
        err = NULL;

        /* a bad file is named as given */
        static const char text[] = "{\"ociVersion\": \"1\", \"process\": {\"cwd\": \"/\"}}";
        assert_int_equal(write_file_atomic_at(dfd, "config.json", text, strlen(text), 0644), 0);
        assert_int_equal(zone_spec_load(dfd, "config.json", &s, &err), -EINVAL);
        assert_string_equal(err->msg,
                            "config.json: process.args: expected a non-empty array of strings");
        zone_err_free(err);
        err = NULL;

        /* a runaway file is refused instead of read whole */
        _cleanup_close_ int big = openat(dfd, "big.json", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        assert_true(big >= 0);
        assert_int_equal(ftruncate(big, 17 * 1024 * 1024), 0);
        assert_int_equal(zone_spec_load(dfd, "big.json", &s, &err), -EFBIG);
        assert_string_equal(err->msg, "big.json: larger than 16777216 bytes");
        zone_err_free(err);
        assert_null(s);

        assert_int_equal(unlinkat(dfd, "big.json", 0), 0);
        assert_int_equal(unlinkat(dfd, "config.json", 0), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void test_namespace_names(void **state)
{
        static const struct {
                const char *name;
                int type;
        } names[] = {{"mount", CLONE_NEWNS},      {"pid", CLONE_NEWPID},  {"network", CLONE_NEWNET},
                     {"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},  {"user", CLONE_NEWUSER},
                     {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}};
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                assert_int_equal(zone_ns_type_from_name(names[i].name), names[i].type);
                assert_string_equal(zone_ns_type_name(names[i].type), names[i].name);
        }
        assert_int_equal(zone_ns_type_from_name("net"), -1);
        assert_int_equal(zone_ns_type_from_name(NULL), -1);
        assert_null(zone_ns_type_name(0));
        assert_null(zone_ns_type_name(CLONE_VM));
}

static void test_write_refuses_unnameable(void **state)
{
        struct zone_spec *s = NULL;
        _cleanup_err_ struct zone_err *err = NULL;
        assert_int_equal(zone_spec_default(false, &s, &err), 0);
        s->linux.namespaces[2].type = CLONE_VM;
        char *out = NULL;
        assert_int_equal(zone_spec_write(s, &out, NULL, &err), -EINVAL);
        assert_string_equal(err->msg,
                            "write config.json: linux.namespaces[2]: unknown namespace type 0x100");
        assert_null(out);
        zone_spec_free(s);
}

static void test_lookups_on_empty(void **state)
{
        struct zone_spec *s = parse_ok("{\"ociVersion\": \"1\"}");
        assert_null(zone_spec_namespace(s, CLONE_NEWPID));
        assert_null(zone_spec_annotation(s, "org.zone.type"));
        assert_null(zone_spec_namespace(NULL, CLONE_NEWPID));
        _cleanup_free_ char *out = write_ok(s);
        assert_non_null(strstr(out, "\"ociVersion\": \"1\""));
        assert_null(strstr(out, "process"));
        zone_spec_free(s);
        zone_spec_free(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_full_config),
            cmocka_unit_test(test_default_config),
            cmocka_unit_test(test_default_rootless),
            cmocka_unit_test(test_runc_fixtures),
            cmocka_unit_test(test_bad_inputs),
            cmocka_unit_test(test_invalid_json),
            cmocka_unit_test(test_unknown_fields_ignored),
            cmocka_unit_test(test_nesting_limit),
            cmocka_unit_test(test_truncated_config),
            cmocka_unit_test(test_last_duplicate_key_wins),
            cmocka_unit_test(test_null_is_absent),
            cmocka_unit_test(test_parse_process),
            cmocka_unit_test(test_parse_resources),
            cmocka_unit_test(test_parse_resources_errors),
            cmocka_unit_test(test_load_errors),
            cmocka_unit_test(test_namespace_names),
            cmocka_unit_test(test_lookups_on_empty),
            cmocka_unit_test(test_write_refuses_unnameable),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
