/* zone-oci: global options, then one command, each in its own file. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define ZONE_VERSION "0.1.0"

const char *cli_program = "zone-oci";

static const struct cli_cmd commands[] = {
    {"create", "create a zone from a bundle; it waits for start", cmd_create},
    {"start", "start the program of a created zone", cmd_start},
    {"run", "create and start a zone, wait for it (or --detach)", cmd_run},
    {"state", "print the OCI state of a zone", cmd_state},
    {"kill", "send a signal to a zone's process (or all with --all)", cmd_kill},
    {"delete", "remove a zone (--force: stop it first)", cmd_delete},
    {"exec", "run one more process in a zone", cmd_exec},
    {"list", "list zones", cmd_list},
    {"ps", "list the processes of a zone", cmd_ps},
    {"pause", "freeze every process of a zone", cmd_pause},
    {"resume", "thaw a paused zone", cmd_resume},
    {"update", "change a running zone's resource limits", cmd_update},
    {"events", "print a zone's resource usage and OOM events (JSON)", cmd_events},
    {"spec", "write a default config.json", cmd_spec},
    {"features", "print the features this runtime supports (JSON)", cmd_features},
};

static void usage(void)
{
        printf("usage: zone-oci [global options] COMMAND [options] [args]\n\n"
               "global options:\n"
               "  --root DIR          state directory (default " ZONE_DEFAULT_ROOT ")\n"
               "  --log FILE          write log lines (and errors) to FILE\n"
               "  --log-format FMT    text or json\n"
               "  --debug             log debug lines\n"
               "  --version, -v       print the version\n\ncommands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                printf("  %-10s %s\n", commands[i].name, commands[i].summary);
        printf("\n`zone-oci COMMAND --help` shows a command's options.\n");
}

int main(int argc, char **argv)
{
        const char *root = NULL, *log_path = NULL, *log_format = "text", *rootless = NULL;
        const char *criu = NULL;
        bool debug = false, systemd_cgroup = false, help = false, version = false;
        const struct opt global[] = {
            {"root", 0, OPT_STRING, &root, ""},
            {"log", 0, OPT_STRING, &log_path, ""},
            {"log-format", 0, OPT_STRING, &log_format, ""},
            {"debug", 0, OPT_BOOL, &debug, ""},
            {"systemd-cgroup", 0, OPT_BOOL, &systemd_cgroup, ""},
            {"rootless", 0, OPT_STRING, &rootless, ""},
            {"criu", 0, OPT_STRING, &criu, ""},
            {"help", 'h', OPT_BOOL, &help, ""},
            {"version", 'v', OPT_BOOL, &version, ""},
            {0},
        };
        int first = cli_parse("", global, argc - 1, argv + 1);
        if (first < 0)
                return 1;
        first += 1;
        if (version) {
                printf("zone-oci version " ZONE_VERSION "\nspec: 1.2.0\n");
                return 0;
        }
        if (help || first >= argc) {
                usage();
                return help ? 0 : 1;
        }
        if (strcmp(log_format, "text") != 0 && strcmp(log_format, "json") != 0) {
                fprintf(stderr, "zone-oci: --log-format: expected text or json, not \"%s\"\n",
                        log_format);
                return 1;
        }
        if (systemd_cgroup) {
                fprintf(stderr, "zone-oci: --systemd-cgroup: the systemd cgroup manager is not "
                                "supported\n");
                return 1;
        }
        struct zone_ctx ctx = {
            .root = root ? root : ZONE_DEFAULT_ROOT,
            .log = {.fd = 2,
                    .json = strcmp(log_format, "json") == 0,
                    .level = debug ? ZONE_LOG_DEBUG : ZONE_LOG_WARN},
        };
        if (log_path) {
                ctx.log.fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
                if (ctx.log.fd < 0) {
                        fprintf(stderr, "zone-oci: --log %s: %m\n", log_path);
                        return 1;
                }
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(argv[first], commands[i].name) == 0)
                        return commands[i].run(&ctx, argc - first - 1, argv + first + 1);
        fprintf(stderr, "zone-oci: unknown command \"%s\" (see zone-oci --help)\n", argv[first]);
        return 1;
}
