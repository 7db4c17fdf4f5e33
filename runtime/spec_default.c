/* The default config.json a `spec` command prints: a busybox-friendly shell in every
 * namespace but the user one, with the usual mounts, masked and read-only paths. It is kept
 * as JSON text because that is what it is, and going through the parser keeps it valid. The
 * rootless variant is derived from it in code, since it depends on who runs us. */
#include "spec.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

static const char default_config[] =
    "{\n"
    "  \"ociVersion\": \"1.2.0\",\n"
    "  \"process\": {\n"
    "    \"terminal\": true,\n"
    "    \"user\": {\"uid\": 0, \"gid\": 0},\n"
    "    \"args\": [\"sh\"],\n"
    "    \"env\": [\n"
    "      \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
    "      \"TERM=xterm\"\n"
    "    ],\n"
    "    \"cwd\": \"/\",\n"
    "    \"capabilities\": {\n"
    "      \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "      \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "      \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]\n"
    "    },\n"
    "    \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],\n"
    "    \"noNewPrivileges\": true\n"
    "  },\n"
    "  \"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
    "  \"hostname\": \"zone\",\n"
    "  \"mounts\": [\n"
    "    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
    "    {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
    "     \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
    "    {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
    "     \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\",\n"
    "                 \"mode=0620\", \"gid=5\"]},\n"
    "    {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
    "     \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},\n"
    "    {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\",\n"
    "     \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},\n"
    "    {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
    "     \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},\n"
    "    {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\",\n"
    "     \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}\n"
    "  ],\n"
    "  \"linux\": {\n"
    "    \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},\n"
    "    \"namespaces\": [\n"
    "      {\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},\n"
    "      {\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"cgroup\"}\n"
    "    ],\n"
    "    \"maskedPaths\": [\n"
    "      \"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\",\n"
    "      \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\",\n"
    "      \"/proc/sched_debug\", \"/sys/firmware\", \"/sys/devices/virtual/powercap\",\n"
    "      \"/proc/scsi\"\n"
    "    ],\n"
    "    \"readonlyPaths\": [\n"
    "      \"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", \"/proc/sysrq-trigger\"\n"
    "    ]\n"
    "  }\n"
    "}\n";

static void spec_freep(struct zone_spec **s)
{
        zone_spec_free(*s);
}

static void drop_namespace(struct zone_spec_linux *l, int type)
{
        size_t j = 0;
        for (size_t i = 0; i < l->n_namespaces; i++) {
                if (l->namespaces[i].type == type)
                        free(l->namespaces[i].path);
                else
                        l->namespaces[j++] = l->namespaces[i];
        }
        l->n_namespaces = j;
}

static int add_namespace(struct zone_spec_linux *l, int type)
{
        struct zone_spec_namespace *ns =
            realloc(l->namespaces, (l->n_namespaces + 1) * sizeof(*ns));
        if (!ns)
                return -ENOMEM;
        l->namespaces = ns;
        ns[l->n_namespaces++] = (struct zone_spec_namespace){.type = type};
        return 0;
}

static int single_map(struct zone_spec_idmap **ret, size_t *ret_n, uint32_t host_id)
{
        struct zone_spec_idmap *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        *m = (struct zone_spec_idmap){.container_id = 0, .host_id = host_id, .size = 1};
        free(*ret);
        *ret = m;
        *ret_n = 1;
        return 0;
}

/* An unprivileged user cannot mount sysfs without its own network namespace, nor pick a gid
 * it does not map, so /sys becomes a read-only bind of the host's and gid= options go. */
static int make_rootless(struct zone_spec *s)
{
        struct zone_spec_linux *l = &s->linux;
        drop_namespace(l, CLONE_NEWNET);
        drop_namespace(l, CLONE_NEWUSER);
        int r = add_namespace(l, CLONE_NEWUSER);
        if (r < 0)
                return r;
        r = single_map(&l->uid_mappings, &l->n_uid_mappings, getuid());
        if (r < 0)
                return r;
        r = single_map(&l->gid_mappings, &l->n_gid_mappings, getgid());
        if (r < 0)
                return r;
        /* cgroups cannot be set up without privileges: leave them to the caller */
        for (size_t i = 0; i < l->resources.n_devices; i++)
                free(l->resources.devices[i].access);
        free(l->resources.devices);
        l->resources = (struct zone_spec_resources){0};

        for (size_t i = 0; i < s->n_mounts; i++) {
                struct zone_spec_mount *m = &s->mounts[i];
                if (strcmp(m->destination, "/sys") == 0) {
                        static const char *const opts[] = {"rbind", "nosuid", "noexec",
                                                           "nodev", "ro",     NULL};
                        char **nopts = strv_copy((char *const *)opts);
                        char *type = strdup("none"), *source = strdup("/sys");
                        if (!nopts || !type || !source) {
                                strv_free(nopts);
                                free(type);
                                free(source);
                                return -ENOMEM;
                        }
                        strv_free(m->options);
                        free(m->type);
                        free(m->source);
                        m->options = nopts;
                        m->type = type;
                        m->source = source;
                        continue;
                }
                size_t j = 0;
                for (size_t k = 0; m->options && m->options[k]; k++) {
                        if (strncmp(m->options[k], "gid=", 4) == 0)
                                free(m->options[k]);
                        else
                                m->options[j++] = m->options[k];
                }
                if (m->options)
                        m->options[j] = NULL;
        }
        return 0;
}

int zone_spec_default(bool rootless, struct zone_spec **ret, struct zone_err **err)
{
        _cleanup_(spec_freep) struct zone_spec *s = NULL;
        int r =
            zone_spec_parse(default_config, sizeof(default_config) - 1, "default config", &s, err);
        if (r < 0)
                return r;
        if (rootless) {
                r = make_rootless(s);
                if (r < 0)
                        return zone_err_sys(err, r, "build rootless default config");
        }
        *ret = steal_pointer(&s);
        return 0;
}
