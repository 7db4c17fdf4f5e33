/* zone-oci create / run: the options podman, conmon and containerd pass, and the zone's type
 * (--type, or the name the program was called by: zone-oci-vm, zone-oci-emulated). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "types.h"

struct create_args {
        const char *bundle, *console_socket, *pid_file, *type;
        int preserve_fds;
        bool no_pivot, no_new_keyring, detach, keep, help;
};

static int parse(const char *cmd, struct create_args *a, int argc, char **argv, const char **id)
{
        const struct opt opts[] = {
            {"bundle", 'b', OPT_STRING, &a->bundle, "bundle directory (default: .)"},
            {"console-socket", 0, OPT_STRING, &a->console_socket,
             "unix socket that receives the terminal's master fd"},
            {"pid-file", 0, OPT_STRING, &a->pid_file, "write the zone's pid to this file"},
            {"preserve-fds", 0, OPT_INT, &a->preserve_fds,
             "pass this many fds after stdio (3, 4, ...) to the zone"},
            {"no-pivot", 0, OPT_BOOL, &a->no_pivot, "enter the root with chroot, not pivot_root"},
            {"no-new-keyring", 0, OPT_BOOL, &a->no_new_keyring,
             "keep the caller's session keyring"},
            {"type", 0, OPT_STRING, &a->type,
             "light, vm or emulated (beats the annotation org.zone.type and the program name)"},
            {"detach", 'd', OPT_BOOL, &a->detach, "run: return once the zone runs"},
            {"keep", 0, OPT_BOOL, &a->keep, "run: accepted for compatibility"},
            {"help", 'h', OPT_BOOL, &a->help, "this help"},
            {0},
        };
        int i = cli_parse(cmd, opts, argc, argv);
        if (i < 0)
                return -1;
        if (a->help) {
                cli_usage(cmd, "[options] ID", opts);
                return 1;
        }
        if (cli_positionals(cmd, "[options] ID", argc - i, 1, 1) < 0)
                return -1;
        *id = argv[i];
        return 0;
}

static struct zone_create_opts opts_of(const struct create_args *a, const char *id)
{
        return (struct zone_create_opts){.id = id,
                                         .bundle = a->bundle,
                                         .console_socket = a->console_socket,
                                         .pid_file = a->pid_file,
                                         .preserve_fds = a->preserve_fds,
                                         .no_pivot = a->no_pivot,
                                         .detach = a->detach,
                                         .type = a->type,
                                         /* argv[0], as glibc keeps it */
                                         .program_type =
                                             zone_type_of_program(program_invocation_name)};
}

int cmd_create(struct zone_ctx *ctx, int argc, char **argv)
{
        struct create_args a = {0};
        const char *id;
        int r = parse("create", &a, argc, argv, &id);
        if (r != 0)
                return r < 0;
        struct zone_create_opts o = opts_of(&a, id);
        struct zone_err *err = NULL;
        return zone_create(ctx, &o, &err) < 0 ? cli_fail(ctx, err) : 0;
}

int cmd_run(struct zone_ctx *ctx, int argc, char **argv)
{
        struct create_args a = {0};
        const char *id;
        int r = parse("run", &a, argc, argv, &id);
        if (r != 0)
                return r < 0;
        struct zone_create_opts o = opts_of(&a, id);
        struct zone_err *err = NULL;
        int status = 0;
        if (zone_run(ctx, &o, &status, &err) < 0)
                return cli_fail(ctx, err);
        return status;
}
