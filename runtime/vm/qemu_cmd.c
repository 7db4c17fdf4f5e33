/* The QEMU command line (qemu_cmd.h). Why each piece is there:
 * - microvm: the cheapest machine; its ACPI stays on because Debian's kernels find
 *   virtio-mmio devices only through ACPI (no virtio_mmio.device= support built in).
 * - -nodefaults -no-user-config -display none: no device or file the zone did not ask for.
 * - -no-reboot with reboot=t: the guest's reboot (after the zone's exit) ends QEMU.
 * - tsc_early_khz: without it the guest's TSC calibration can hang under TCG on a busy host
 *   (microvm has no HPET to fall back on); tsc=reliable keeps the clocksource watchdog from
 *   dropping the TSC mid-run for the same reason.
 * - quiet loglevel=0: console output is slow under TCG.
 * - -sandbox: QEMU's seccomp filter, the last of its confinement's layers. */
#include "qemu_cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../err.h"
#include "../util.h"
#include "proto.h"

unsigned vm_guest_mem_mib(int64_t limit)
{
        if (limit <= 0)
                return VM_MEM_DEFAULT_MIB;
        uint64_t mib = ((uint64_t)limit + (1u << 20) - 1) >> 20;
        if (mib > (1u << 22)) /* 4 TiB: more is not a guest this runtime makes */
                mib = 1u << 22;
        return (unsigned)mib;
}

/* The number of CPUs in a cpuset list ("0-3,5": 5); 0 for an empty or malformed one. */
static unsigned cpu_list_count(const char *s)
{
        unsigned n = 0;
        while (*s) {
                char *end;
                unsigned long a = strtoul(s, &end, 10), b = a;
                if (end == s)
                        return 0;
                if (*end == '-') {
                        s = end + 1;
                        b = strtoul(s, &end, 10);
                        if (end == s || b < a)
                                return 0;
                }
                n += (unsigned)(b - a + 1);
                if (*end == ',')
                        end++;
                else if (*end)
                        return 0;
                s = end;
        }
        return n;
}

unsigned vm_guest_vcpus(int64_t quota, uint64_t period, const char *cpus, unsigned host_cpus)
{
        uint64_t n = 0;
        if (quota > 0) {
                if (period == 0)
                        period = 100000;
                n = ((uint64_t)quota + period - 1) / period;
        }
        unsigned in_set = cpus ? cpu_list_count(cpus) : 0;
        if (in_set && (n == 0 || n > in_set))
                n = in_set;
        if (host_cpus && n > host_cpus)
                n = host_cpus;
        return n ? (unsigned)n : 1;
}

/* QEMU option values separate with ',': a literal comma is written twice. */
static char *opt_escape(const char *s)
{
        size_t n = strlen(s), commas = 0;
        for (size_t i = 0; i < n; i++)
                commas += s[i] == ',';
        char *out = malloc(n + commas + 1), *p = out;
        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                *p++ = s[i];
                if (s[i] == ',')
                        *p++ = ',';
        }
        *p = 0;
        return out;
}

static int add(char ***v, int *r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int add(char ***v, int *r, const char *fmt, ...)
{
        if (*r < 0)
                return *r;
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *s = NULL;
        int n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0)
                return *r = -ENOMEM;
        if (strv_append(v, s) < 0)
                *r = -ENOMEM;
        return *r;
}

int vm_qemu_argv(const struct vm_qemu_config *c, char ***ret, struct zone_err **err)
{
        if (!c->kernel || !c->initrd || !c->rootfs || c->agent_fd < 0 || !c->mem_mib || !c->vcpus)
                return zone_err_set(err, -EINVAL, "QEMU command line: incomplete VM settings");
        _cleanup_free_ char *root = opt_escape(c->rootfs);
        _cleanup_free_ char *console = c->console_log ? opt_escape(c->console_log) : NULL;
        _cleanup_free_ char *share = c->share_dir ? opt_escape(c->share_dir) : NULL;
        if (!root || (c->console_log && !console) || (c->share_dir && !share))
                return zone_err_sys(err, -ENOMEM, "QEMU command line");
        _cleanup_strv_ char **v = NULL;
        int r = 0;
        add(&v, &r, "qemu-system-x86_64");
        if (c->kvm) {
                add(&v, &r, "-accel");
                add(&v, &r, "kvm");
                add(&v, &r, "-cpu");
                add(&v, &r, "host");
        } else {
                /* A smaller translation cache than the default keeps QEMU's own memory (it
                 * lives in the zone's cgroup) near the guest's. */
                add(&v, &r, "-accel");
                add(&v, &r, "tcg,tb-size=64");
        }
        add(&v, &r, "-M");
        add(&v, &r, "microvm");
        add(&v, &r, "-m");
        add(&v, &r, "%uM", c->mem_mib);
        add(&v, &r, "-smp");
        add(&v, &r, "%u", c->vcpus);
        add(&v, &r, "-nodefaults");
        add(&v, &r, "-no-user-config");
        add(&v, &r, "-display");
        add(&v, &r, "none");
        add(&v, &r, "-no-reboot");
        /* QEMU's own seccomp filter, on top of its confinement (confine.c): no obsolete system
         * calls, no set*id, no fork or exec, no scheduler or priority changes. */
        add(&v, &r, "-sandbox");
        add(&v, &r, "%s", VM_QEMU_SANDBOX);
        add(&v, &r, "-kernel");
        add(&v, &r, "%s", c->kernel);
        add(&v, &r, "-initrd");
        add(&v, &r, "%s", c->initrd);
        _cleanup_free_ char *cmdline = NULL;
        char tsc[48] = "";
        if (c->tsc_khz)
                snprintf(tsc, sizeof(tsc), " tsc_early_khz=%lu", c->tsc_khz);
        if (asprintf(&cmdline, "%squiet loglevel=0 reboot=t panic=-1 tsc=reliable%s",
                     c->console_log ? "console=ttyS0 " : "", tsc) < 0)
                return zone_err_sys(err, -ENOMEM, "QEMU command line");
        add(&v, &r, "-append");
        add(&v, &r, "%s", cmdline);
        add(&v, &r, "-chardev");
        add(&v, &r, "socket,id=agent,fd=%d", c->agent_fd);
        add(&v, &r, "-device");
        add(&v, &r, "virtio-serial-device");
        add(&v, &r, "-device");
        add(&v, &r, "virtserialport,chardev=agent,name=%s", VM_PORT_NAME);
        if (c->qmp_fd > 0) {
                /* The monitor, for pause and resume: a socket given at start, like the
                 * agent's, so no socket file exists. */
                add(&v, &r, "-chardev");
                add(&v, &r, "socket,id=qmp,fd=%d", c->qmp_fd);
                add(&v, &r, "-mon");
                add(&v, &r, "chardev=qmp,mode=control");
        }
        add(&v, &r, "-fsdev");
        add(&v, &r, "local,id=root,path=%s,security_model=passthrough%s", root,
            c->root_readonly ? ",readonly=on" : "");
        add(&v, &r, "-device");
        add(&v, &r, "virtio-9p-device,fsdev=root,mount_tag=%s", VM_ROOT_TAG);
        if (share) {
                /* Its entries are mounts of their own: remap keeps their inode numbers from
                 * colliding in the guest. */
                add(&v, &r, "-fsdev");
                add(&v, &r, "local,id=share,path=%s,security_model=passthrough,multidevs=remap%s",
                    share, c->share_readonly ? ",readonly=on" : "");
                add(&v, &r, "-device");
                add(&v, &r, "virtio-9p-device,fsdev=share,mount_tag=%s", VM_SHARE_TAG);
        }
        for (size_t i = 0; i < c->n_nics; i++) {
                add(&v, &r, "-netdev");
                add(&v, &r, "tap,id=net%zu,fd=%d,vhost=off", i, c->nics[i].fd);
                add(&v, &r, "-device");
                add(&v, &r, "virtio-net-device,netdev=net%zu,mac=%s", i, c->nics[i].mac);
        }
        if (console) {
                add(&v, &r, "-serial");
                add(&v, &r, "file:%s", console);
        }
        if (r < 0)
                return zone_err_sys(err, r, "QEMU command line");
        *ret = steal_pointer(&v);
        return 0;
}
