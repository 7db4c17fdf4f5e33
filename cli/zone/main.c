/* zone: global options, then one command, each in its own file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define ZONE_VERSION "0.1.0"

const char *cli_program = "zone";
const char *cli_data_root = NULL;

static const struct cli_cmd commands[] = {
    {"image", "import, build, export, list and remove images", cmd_image},
    {"run", "create and boot a zone in one step (foreground, or -d)", cmd_run},
    {"create", "define a zone from an image and install it", cmd_create},
    {"config", "show or change a zone's definition", cmd_config},
    {"boot", "start an installed zone under its monitor", cmd_boot},
    {"halt", "stop a zone (SIGTERM, then SIGKILL)", cmd_halt},
    {"reboot", "halt a zone and boot it again", cmd_reboot},
    {"kill", "send a signal to a zone's init (default KILL)", cmd_kill},
    {"pause", "freeze every process of a zone", cmd_pause},
    {"resume", "thaw a paused zone", cmd_resume},
    {"wait", "wait for zones to stop; print their exit status", cmd_wait},
    {"rm", "remove zones", cmd_rm},
    {"ls", "list zones", cmd_ls},
    {"inspect", "show a zone as JSON", cmd_inspect},
    {"ps", "list a zone's processes", cmd_ps},
    {"logs", "show (or follow) a zone's output", cmd_logs},
    {"login", "a shell with a terminal in a running zone (like zlogin)", cmd_login},
    {"exec", "run a command in a running zone", cmd_exec},
    {"cp", "copy files and directories between the host and a zone", cmd_cp},
    {"stats", "live resource use of zones (CPU, memory, network, block I/O, pids)", cmd_stats},
    {"completion", "print the bash completion script", cmd_completion},
    {"net", "networks of zones: list, create, remove, collect garbage", cmd_net},
};

static void usage(void)
{
        printf("usage: zone [global options] COMMAND [options] [args]\n\n"
               "global options:\n"
               "  --root DIR          zone state directory (default " ZONE_DEFAULT_ROOT ")\n"
               "  --data-root DIR     image store (default /var/lib/zone)\n"
               "  --debug             log debug lines\n"
               "  --version, -v       print the version\n\ncommands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                printf("  %-10s %s\n", commands[i].name, commands[i].summary);
        printf("\n`zone COMMAND --help` shows a command's options.\n");
}

int main(int argc, char **argv)
{
        const char *root = NULL;
        bool debug = false, help = false, version = false;
        const struct opt global[] = {
            {"root", 0, OPT_STRING, &root, ""},
            {"data-root", 0, OPT_STRING, &cli_data_root, ""},
            {"debug", 0, OPT_BOOL, &debug, ""},
            {"help", 'h', OPT_BOOL, &help, ""},
            {"version", 'v', OPT_BOOL, &version, ""},
            {0},
        };
        int first = cli_parse("", global, argc - 1, argv + 1);
        if (first < 0)
                return 1;
        first += 1;
        if (version) {
                printf("zone version " ZONE_VERSION "\n");
                return 0;
        }
        if (help || first >= argc) {
                usage();
                return help ? 0 : 1;
        }
        struct zone_ctx ctx = {
            .root = root ? root : ZONE_DEFAULT_ROOT,
            .log = {.fd = 2, .level = debug ? ZONE_LOG_DEBUG : ZONE_LOG_WARN},
        };
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(argv[first], commands[i].name) == 0)
                        return commands[i].run(&ctx, argc - first - 1, argv + first + 1);
        fprintf(stderr, "zone: unknown command \"%s\" (see zone --help)\n", argv[first]);
        return 1;
}
