/* zone-oci features: the runtime-spec features document, stating only what works today. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <yajl/yajl_gen.h>

#include "cli.h"
#include "spec.h"
#include "types.h"

static void str(yajl_gen g, const char *s)
{
        yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void str_array(yajl_gen g, const char *key, const char *const *v)
{
        str(g, key);
        yajl_gen_array_open(g);
        for (; *v; v++)
                str(g, *v);
        yajl_gen_array_close(g);
}

static void enabled(yajl_gen g, const char *key, bool on)
{
        str(g, key);
        yajl_gen_map_open(g);
        str(g, "enabled");
        yajl_gen_bool(g, on);
        yajl_gen_map_close(g);
}

/* The zone types, as annotations (the spec's place for what is the runtime's own): the
 * values org.zone.type takes, and per type whether this host can run it, with the reason when
 * not ("org.zone.type.vm": "unusable: ... /dev/kvm ..."), and what it supports and lacks
 * ("org.zone.type.emulated.supports": "exec,terminal,..."). */
static void types(yajl_gen g)
{
        char list[64];
        size_t n = 0;
        for (const char *const *t = zone_types; *t && n < sizeof(list); t++)
                n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? "," : "", *t);
        str(g, ZONE_TYPE_ANNOTATION);
        str(g, list);
        for (const char *const *t = zone_types; *t; t++) {
                char key[64], value[1024];
                _cleanup_err_ struct zone_err *err = NULL;
                snprintf(key, sizeof(key), ZONE_TYPE_ANNOTATION ".%s", *t);
                if (zone_type_check_usable(*t, &err) < 0)
                        snprintf(value, sizeof(value), "unusable: %s", err->msg);
                else
                        snprintf(value, sizeof(value), "usable");
                str(g, key);
                str(g, value);
                struct zone_type_support sup = zone_type_support(*t);
                snprintf(key, sizeof(key), ZONE_TYPE_ANNOTATION ".%s.supports", *t);
                str(g, key);
                str(g, sup.supports);
                snprintf(key, sizeof(key), ZONE_TYPE_ANNOTATION ".%s.lacks", *t);
                str(g, key);
                str(g, sup.lacks);
        }
}

int cmd_features(struct zone_ctx *ctx, int argc, char **argv)
{
        bool help = false;
        const struct opt opts[] = {{"help", 'h', OPT_BOOL, &help, "this help"}, {0}};
        int i = cli_parse("features", opts, argc, argv);
        if (i < 0)
                return 1;
        if (help)
                return cli_usage("features", "", opts), 0;
        if (cli_positionals("features", "", argc - i, 0, 0) < 0)
                return 1;
        static const char *const mount_options[] = {
            "async",       "atime",         "bind",     "dev",        "diratime",
            "dirsync",     "exec",          "lazytime", "mand",       "noatime",
            "nodev",       "nodiratime",    "noexec",   "nolazytime", "nomand",
            "norelatime",  "nostrictatime", "nosuid",   "private",    "rbind",
            "relatime",    "remount",       "ro",       "rprivate",   "rshared",
            "rslave",      "runbindable",   "rw",       "shared",     "slave",
            "strictatime", "suid",          "sync",     "unbindable", NULL};
        static const char *const seccomp_actions[] = {
            "SCMP_ACT_ALLOW",       "SCMP_ACT_ERRNO",
            "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
            "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
            "SCMP_ACT_NOTIFY",      "SCMP_ACT_TRACE",
            "SCMP_ACT_TRAP",        NULL};
        static const char *const seccomp_operators[] = {
            "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
            "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL};
        /* This host's family; any other architecture libseccomp knows is accepted too. */
        static const char *const seccomp_archs[] = {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
                                                    "SCMP_ARCH_X32", NULL};
        static const char *const seccomp_flags[] = {
            "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
            "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL};
        static const char *const namespaces[] = {"cgroup", "ipc",  "mount", "network", "pid",
                                                 "time",   "user", "uts",   NULL};
        yajl_gen g = yajl_gen_alloc(NULL);
        if (!g)
                return 1;
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_map_open(g);
        str(g, "ociVersionMin");
        str(g, "1.0.0");
        str(g, "ociVersionMax");
        str(g, "1.2.0");
        str(g, "hooks");
        yajl_gen_array_open(g);
        for (int k = 0; k < ZONE_HOOK_KIND_COUNT; k++)
                str(g, zone_hook_kind_name(k));
        yajl_gen_array_close(g);
        str_array(g, "mountOptions", mount_options);
        str(g, "linux");
        yajl_gen_map_open(g);
        str_array(g, "namespaces", namespaces);
        str(g, "capabilities");
        yajl_gen_array_open(g);
        for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++) {
                char *name = cap_to_name(c);
                if (!name)
                        continue;
                char upper[64];
                size_t k = 0;
                for (; name[k] && k + 1 < sizeof(upper); k++)
                        upper[k] = (char)toupper((unsigned char)name[k]);
                upper[k] = '\0';
                cap_free(name);
                if (strncmp(upper, "CAP_", 4) == 0)
                        str(g, upper);
        }
        yajl_gen_array_close(g);
        str(g, "cgroup");
        yajl_gen_map_open(g);
        /* cgroupfs on v1, v2 and hybrid hosts, linux.resources.rdma included; no systemd
         * driver. */
        const char *cg[] = {"v1", "v2", "rdma", "systemd", "systemdUser"};
        for (size_t k = 0; k < 5; k++) {
                str(g, cg[k]);
                yajl_gen_bool(g, k < 3);
        }
        yajl_gen_map_close(g);
        str(g, "seccomp");
        yajl_gen_map_open(g);
        str(g, "enabled");
        yajl_gen_bool(g, true);
        str_array(g, "actions", seccomp_actions);
        str_array(g, "operators", seccomp_operators);
        str_array(g, "archs", seccomp_archs);
        str_array(g, "knownFlags", seccomp_flags);
        str_array(g, "supportedFlags", seccomp_flags);
        yajl_gen_map_close(g);
        enabled(g, "apparmor", false);
        enabled(g, "selinux", false);
        enabled(g, "intelRdt", false);
        yajl_gen_map_close(g);
        str(g, "annotations");
        yajl_gen_map_open(g);
        types(g);
        yajl_gen_map_close(g);
        yajl_gen_map_close(g);
        const unsigned char *buf;
        size_t len;
        yajl_gen_get_buf(g, &buf, &len);
        printf("%.*s\n", (int)len, (const char *)buf);
        yajl_gen_free(g);
        return 0;
}
