/* The QEMU command line of vm and emulated zones, and the guest's RAM and vCPUs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "util.h"
#include "spec.h"
#include "vm/confine.h"
#include "vm/guest.h"
#include "vm/proto.h"
#include "vm/qemu_cmd.h"
#include "vm/share.h"

static struct vm_qemu_config base(void)
{
        return (struct vm_qemu_config){.kernel = "/k/vmlinuz",
                                       .initrd = "/k/initramfs.cpio.gz",
                                       .rootfs = "/b/root,fs",
                                       .mem_mib = 320,
                                       .vcpus = 2,
                                       .tsc_khz = 2100000,
                                       .agent_fd = 3,
                                       .qmp_fd = 4};
}

/* The value after option `opt` (the first one that matches `prefix` when given). */
static const char *after(char **v, const char *opt, const char *prefix)
{
        for (size_t i = 0; v[i] && v[i + 1]; i++)
                if (strcmp(v[i], opt) == 0 &&
                    (!prefix || strncmp(v[i + 1], prefix, strlen(prefix)) == 0))
                        return v[i + 1];
        return NULL;
}

static bool has(char **v, const char *arg)
{
        for (size_t i = 0; v[i]; i++)
                if (strcmp(v[i], arg) == 0)
                        return true;
        return false;
}

static void test_tcg(void **state)
{
        struct vm_qemu_config c = base();
        char **v = NULL;
        struct zone_err *err = NULL;
        assert_int_equal(vm_qemu_argv(&c, &v, &err), 0);
        assert_string_equal(v[0], "qemu-system-x86_64");
        assert_string_equal(after(v, "-accel", NULL), "tcg,tb-size=64");
        assert_string_equal(after(v, "-M", NULL), "microvm");
        assert_string_equal(after(v, "-m", NULL), "320M");
        assert_string_equal(after(v, "-smp", NULL), "2");
        assert_true(has(v, "-nodefaults") && has(v, "-no-user-config") && has(v, "-no-reboot"));
        assert_string_equal(after(v, "-display", NULL), "none");
        assert_string_equal(after(v, "-kernel", NULL), "/k/vmlinuz");
        assert_string_equal(after(v, "-initrd", NULL), "/k/initramfs.cpio.gz");
        const char *cmdline = after(v, "-append", NULL);
        assert_non_null(strstr(cmdline, "tsc_early_khz=2100000"));
        assert_non_null(strstr(cmdline, "reboot=t"));
        assert_null(strstr(cmdline, "console="));
        assert_string_equal(after(v, "-chardev", NULL), "socket,id=agent,fd=3");
        assert_string_equal(after(v, "-chardev", "socket,id=qmp"), "socket,id=qmp,fd=4");
        assert_string_equal(after(v, "-mon", NULL), "chardev=qmp,mode=control");
        assert_string_equal(after(v, "-device", "virtserialport"),
                            "virtserialport,chardev=agent,name=org.zone.agent");
        /* A comma in the root's path is doubled, as QEMU's option syntax wants. */
        assert_string_equal(after(v, "-fsdev", NULL),
                            "local,id=root,path=/b/root,,fs,security_model=passthrough");
        assert_string_equal(after(v, "-device", "virtio-9p"),
                            "virtio-9p-device,fsdev=root,mount_tag=zoneroot");
        assert_null(after(v, "-serial", NULL));
        assert_null(after(v, "-netdev", NULL)); /* no interface: loopback only */
        assert_false(has(v, "-cpu"));
        assert_string_equal(
            after(v, "-sandbox", NULL),
            "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
        strv_free(v);
}

static void test_kvm_readonly_console(void **state)
{
        struct vm_qemu_config c = base();
        c.kvm = true;
        c.root_readonly = true;
        c.tsc_khz = 0;
        c.console_log = "/s/console.log";
        char **v = NULL;
        struct zone_err *err = NULL;
        assert_int_equal(vm_qemu_argv(&c, &v, &err), 0);
        assert_string_equal(after(v, "-accel", NULL), "kvm");
        assert_string_equal(after(v, "-cpu", NULL), "host");
        assert_non_null(strstr(after(v, "-fsdev", NULL), ",readonly=on"));
        assert_string_equal(after(v, "-serial", NULL), "file:/s/console.log");
        const char *cmdline = after(v, "-append", NULL);
        assert_non_null(strstr(cmdline, "console=ttyS0"));
        assert_null(strstr(cmdline, "tsc_early_khz"));
        strv_free(v);
        /* Without a monitor's socket, no monitor. */
        c.qmp_fd = 0;
        assert_int_equal(vm_qemu_argv(&c, &v, &err), 0);
        assert_null(after(v, "-mon", NULL));
        assert_null(after(v, "-chardev", "socket,id=qmp"));
        strv_free(v);
}

static void test_incomplete(void **state)
{
        struct vm_qemu_config c = base();
        c.kernel = NULL;
        char **v = NULL;
        struct zone_err *err = NULL;
        assert_int_equal(vm_qemu_argv(&c, &v, &err), -EINVAL);
        assert_non_null(err);
        assert_null(v);
        zone_err_free(err);
}

static void test_mem_and_vcpus(void **state)
{
        assert_int_equal(vm_guest_mem_mib(0), VM_MEM_DEFAULT_MIB);
        assert_int_equal(vm_guest_mem_mib(-1), VM_MEM_DEFAULT_MIB);
        assert_int_equal(vm_guest_mem_mib(128 << 20), 128);
        assert_int_equal(vm_guest_mem_mib((128 << 20) + 1), 129);
        assert_int_equal(vm_guest_vcpus(0, 100000, NULL, 8), 1);
        assert_int_equal(vm_guest_vcpus(50000, 100000, NULL, 8), 1);
        assert_int_equal(vm_guest_vcpus(150000, 100000, NULL, 8), 2);
        assert_int_equal(vm_guest_vcpus(1000000, 100000, NULL, 2), 2);
        /* No period: the kernel's 100 ms. */
        assert_int_equal(vm_guest_vcpus(250000, 0, NULL, 8), 3);
        /* The cpuset bounds the quota's count, and alone gives its own. */
        assert_int_equal(vm_guest_vcpus(400000, 100000, "0-1", 8), 2);
        assert_int_equal(vm_guest_vcpus(0, 0, "0-2,5", 8), 4);
        assert_int_equal(vm_guest_vcpus(0, 0, "0-7", 2), 2);
        assert_int_equal(vm_guest_vcpus(100000, 100000, "0-3", 8), 1);
        /* A list the kernel would refuse counts as none. */
        assert_int_equal(vm_guest_vcpus(0, 0, "3-1", 8), 1);
        assert_int_equal(vm_guest_vcpus(0, 0, "x", 8), 1);
}

/* The confinement reads what QEMU opens from the command line the builder made. */
static void test_confine_plan(void **state)
{
        struct vm_qemu_config c = base();
        char **v = NULL;
        struct zone_err *err = NULL;
        assert_int_equal(vm_qemu_argv(&c, &v, &err), 0);
        struct vm_confine_plan p;
        assert_int_equal(vm_confine_plan_from_argv(v, &p, &err), 0);
        assert_string_equal(p.kernel, "/k/vmlinuz");
        assert_string_equal(p.initrd, "/k/initramfs.cpio.gz");
        assert_string_equal(p.share, "/b/root,fs");
        assert_false(p.share_readonly);
        assert_null(p.console);
        assert_false(p.kvm);
        vm_confine_plan_done(&p);
        strv_free(v);

        c.kvm = true;
        c.root_readonly = true;
        c.console_log = "/s/con,sole.log";
        assert_int_equal(vm_qemu_argv(&c, &v, &err), 0);
        assert_int_equal(vm_confine_plan_from_argv(v, &p, &err), 0);
        assert_true(p.share_readonly);
        assert_true(p.kvm);
        assert_string_equal(p.console, "/s/con,sole.log");
        vm_confine_plan_done(&p);
        strv_free(v);
}

/* The bind mounts' sources: a second 9p device, only when there are binds to share. */
static void test_share(void **state)
{
        struct vm_qemu_config c = base();
        char **v = NULL;
        struct zone_err *err = NULL;
        assert_int_equal(vm_qemu_argv(&c, &v, &err), 0);
        assert_null(after(v, "-fsdev", "local,id=share,"));
        assert_null(after(v, "-device", "virtio-9p-device,fsdev=share,"));
        strv_free(v);

        c.share_dir = VM_SHARE_QEMU_DIR;
        assert_int_equal(vm_qemu_argv(&c, &v, &err), 0);
        assert_string_equal(after(v, "-fsdev", "local,id=share,"),
                            "local,id=share,path=" VM_SHARE_QEMU_DIR
                            ",security_model=passthrough,multidevs=remap");
        assert_string_equal(after(v, "-device", "virtio-9p-device,fsdev=share,"),
                            "virtio-9p-device,fsdev=share,mount_tag=" VM_SHARE_TAG);
        /* The root's device is still the first, with its own tag. */
        assert_string_equal(after(v, "-device", "virtio-9p-device,"),
                            "virtio-9p-device,fsdev=root,mount_tag=" VM_ROOT_TAG);
        struct vm_confine_plan p;
        assert_int_equal(vm_confine_plan_from_argv(v, &p, &err), 0);
        assert_string_equal(p.share, "/b/root,fs");
        assert_false(p.share_readonly);
        assert_string_equal(p.share_dir, VM_SHARE_QEMU_DIR);
        vm_confine_plan_done(&p);
        strv_free(v);

        c.share_dir = "/s,x";
        c.share_readonly = true;
        assert_int_equal(vm_qemu_argv(&c, &v, &err), 0);
        assert_string_equal(after(v, "-fsdev", "local,id=share,"),
                            "local,id=share,path=/s,,x,security_model=passthrough,multidevs=remap,"
                            "readonly=on");
        assert_null(strstr(after(v, "-fsdev", "local,id=root,"), "readonly"));
        assert_int_equal(vm_confine_plan_from_argv(v, &p, &err), 0);
        assert_string_equal(p.share_dir, "/s,x");
        assert_false(p.share_readonly);
        vm_confine_plan_done(&p);
        strv_free(v);

        /* Whatever the order, the rootfs is the id=root device. */
        char *w[] = {"qemu-system-x86_64",
                     "-kernel",
                     "/k",
                     "-initrd",
                     "/i",
                     "-fsdev",
                     "local,id=share,path=/sh",
                     "-fsdev",
                     "local,id=root,path=/r,readonly=on",
                     NULL};
        assert_int_equal(vm_confine_plan_from_argv(w, &p, &err), 0);
        assert_string_equal(p.share, "/r");
        assert_true(p.share_readonly);
        assert_string_equal(p.share_dir, "/sh");
        vm_confine_plan_done(&p);
}

/* The guest's config names the shared copy as the bind's source, and nothing else changes. */
static void test_guest_config_sources(void **state)
{
        static const char json[] =
            "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
            " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"},"
            " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
            " {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/host/data\","
            " \"options\": [\"rbind\", \"ro\"]}]}";
        struct zone_spec *spec = NULL, *g = NULL;
        struct zone_err *err = NULL;
        assert_int_equal(zone_spec_parse(json, sizeof(json) - 1, "config.json", &spec, &err), 0);
        char *sources[] = {NULL, VM_SHARE_GUEST_DIR "/0"};
        char *out = NULL;
        size_t len = 0;
        assert_int_equal(vm_guest_config(spec, sources, NULL, &out, &len, &err), 0);
        assert_int_equal(zone_spec_parse(out, len, "guest", &g, &err), 0);
        assert_int_equal(g->n_mounts, 2);
        assert_string_equal(g->mounts[0].source, "proc");
        assert_string_equal(g->mounts[1].source, VM_SHARE_GUEST_DIR "/0");
        assert_string_equal(g->mounts[1].destination, "/data");
        assert_string_equal(g->mounts[1].options[1], "ro");
        /* The zone's own spec is left as it was. */
        assert_string_equal(spec->mounts[1].source, "/host/data");
        free(out);
        zone_spec_free(g);
        g = NULL;
        assert_int_equal(vm_guest_config(spec, NULL, NULL, &out, &len, &err), 0);
        assert_int_equal(zone_spec_parse(out, len, "guest", &g, &err), 0);
        assert_string_equal(g->mounts[1].source, "/host/data");
        free(out);
        zone_spec_free(g);
        zone_spec_free(spec);
}

/* Inside the guest the zone is light, whatever chose its type on the host. */
static void test_guest_config_type(void **state)
{
        static const char json[] =
            "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
            " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"},"
            " \"annotations\": {\"org.zone.image.type\": \"emulated\", \"keep\": \"me\"}}";
        struct zone_spec *spec = NULL, *g = NULL;
        struct zone_err *err = NULL;
        assert_int_equal(zone_spec_parse(json, sizeof(json) - 1, "config.json", &spec, &err), 0);
        char *out = NULL;
        size_t len = 0;
        assert_int_equal(vm_guest_config(spec, NULL, NULL, &out, &len, &err), 0);
        assert_int_equal(zone_spec_parse(out, len, "guest", &g, &err), 0);
        assert_string_equal(zone_spec_annotation(g, "org.zone.type"), "light");
        assert_null(zone_spec_annotation(g, "org.zone.image.type"));
        assert_string_equal(zone_spec_annotation(g, "keep"), "me");
        free(out);
        zone_spec_free(g);
        zone_spec_free(spec);
}

static void test_confine_plan_incomplete(void **state)
{
        char *v[] = {"qemu-system-x86_64", "-kernel", "/k", "-initrd", "/i", NULL};
        struct vm_confine_plan p;
        struct zone_err *err = NULL;
        assert_int_equal(vm_confine_plan_from_argv(v, &p, &err), -EINVAL);
        assert_non_null(strstr(err->msg, "-fsdev path"));
        zone_err_free(err);
}

/* Each tap is a descriptor QEMU has, on its own virtio-net device with the interface's MAC. */
static void test_nics(void **state)
{
        struct vm_qemu_nic nics[] = {{5, "02:42:0a:58:00:02"}, {6, "52:54:00:12:34:56"}};
        struct vm_qemu_config c = base();
        c.nics = nics;
        c.n_nics = 2;
        char **v = NULL;
        struct zone_err *err = NULL;
        assert_int_equal(vm_qemu_argv(&c, &v, &err), 0);
        assert_string_equal(after(v, "-netdev", "tap,id=net0"), "tap,id=net0,fd=5,vhost=off");
        assert_string_equal(after(v, "-netdev", "tap,id=net1"), "tap,id=net1,fd=6,vhost=off");
        assert_string_equal(after(v, "-device", "virtio-net-device,netdev=net0"),
                            "virtio-net-device,netdev=net0,mac=02:42:0a:58:00:02");
        assert_string_equal(after(v, "-device", "virtio-net-device,netdev=net1"),
                            "virtio-net-device,netdev=net1,mac=52:54:00:12:34:56");
        /* Nothing QEMU opens by path for them: its root stays what it was. */
        struct vm_confine_plan p;
        assert_int_equal(vm_confine_plan_from_argv(v, &p, &err), 0);
        assert_null(p.console);
        assert_false(p.kvm);
        vm_confine_plan_done(&p);
        strv_free(v);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_tcg),
            cmocka_unit_test(test_kvm_readonly_console),
            cmocka_unit_test(test_incomplete),
            cmocka_unit_test(test_mem_and_vcpus),
            cmocka_unit_test(test_confine_plan),
            cmocka_unit_test(test_confine_plan_incomplete),
            cmocka_unit_test(test_share),
            cmocka_unit_test(test_guest_config_type),
            cmocka_unit_test(test_guest_config_sources),
            cmocka_unit_test(test_nics),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
