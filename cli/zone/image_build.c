/* zone image build: a minimal app runtime from host programs (images/build/). A build file
 * (-f) is read first; flags then add to its lists and override its single values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"
#include "err.h"
#include "images/build/build.h"
#include "images/build/manifest.h"
#include "images/store.h"
#include "util.h"

#define USAGE                                                                                      \
        "[NAME] [--from-host PATH]... [--add SRC[:DST]]... [--symlink PATH:TARGET]... "            \
        "[--exclude PATTERN]... "                                                                  \
        "[--entrypoint CMD] [--cmd CMD] [--env K=V]... [--workdir DIR] [--user USER] "             \
        "[--label K=V]... [-f BUILDFILE] [-- CMD ARGS...]"

static int split_words(const char *flag, const char *value, char ***slot)
{
        char **words = NULL;
        int r = zone_manifest_words(value, &words);
        if (r < 0 || !words[0]) {
                strv_free(words);
                fprintf(stderr, "%s image build: --%s: %s \"%s\"\n", cli_program, flag,
                        r < 0 ? "unterminated quote in" : "empty value", value);
                return -1;
        }
        strv_free(*slot);
        *slot = words;
        return 0;
}

static int fail_oom(void)
{
        fprintf(stderr, "%s image build: out of memory\n", cli_program);
        return 1;
}

int cmd_image_build(struct zone_ctx *ctx, int argc, char **argv)
{
        const char *file = NULL, *entrypoint = NULL, *cmd = NULL, *workdir = NULL, *user = NULL;
        _cleanup_strv_ char **from_host = NULL, **adds = NULL, **links = NULL, **excludes = NULL,
                            **envs = NULL, **labels = NULL, **positionals = NULL;
        bool help = false;
        const struct opt opts[] = {
            {"file", 'f', OPT_STRING, &file, "read a build file first"},
            {"from-host", 0, OPT_LIST, &from_host, "a host program, with its libraries"},
            {"add", 0, OPT_LIST, &adds, "copy a host file or directory (SRC[:DST])"},
            {"symlink", 0, OPT_LIST, &links, "make a symlink in the image (PATH:TARGET)"},
            {"exclude", 0, OPT_LIST, &excludes, "skip host paths matching a pattern in adds"},
            {"entrypoint", 0, OPT_STRING, &entrypoint, "the image's entrypoint (words)"},
            {"cmd", 0, OPT_STRING, &cmd, "the image's command (words)"},
            {"env", 0, OPT_LIST, &envs, "an environment variable K=V"},
            {"workdir", 0, OPT_STRING, &workdir, "the working directory"},
            {"user", 0, OPT_STRING, &user, "the user (name, uid or uid:gid)"},
            {"label", 0, OPT_LIST, &labels, "a label K=V"},
            {"help", 'h', OPT_BOOL, &help, "show this help"},
            {0},
        };
        /* Options may come before and after the name; "--" ends them, the rest is the cmd. */
        int i = 0;
        bool dashdash = false;
        while (i < argc) {
                int n = cli_parse("image build", opts, argc - i, argv + i);
                if (n < 0)
                        return 1;
                if (n > 0 && strcmp(argv[i + n - 1], "--") == 0) {
                        i += n;
                        dashdash = true;
                        break;
                }
                i += n;
                if (i < argc && strv_append(&positionals, argv[i++]) < 0)
                        return fail_oom();
        }
        if (help) {
                cli_usage("image build", USAGE, opts);
                return 0;
        }
        if (cli_positionals("image build", USAGE, (int)strv_length(positionals), 0, 1) < 0)
                return 1;

        struct zone_err *err = NULL;
        struct zone_build_spec spec = {0};
        int r = 0;
        if (file && zone_manifest_load(file, &spec, &err) < 0) {
                zone_build_spec_clear(&spec);
                return cli_fail(ctx, err);
        }
        if (positionals) {
                free(spec.name);
                spec.name = strdup(positionals[0]);
                if (!spec.name)
                        r = -ENOMEM;
        }
        for (size_t k = 0; r == 0 && from_host && from_host[k]; k++)
                r = strv_append(&spec.from_host, from_host[k]);
        for (size_t k = 0; r == 0 && adds && adds[k]; k++) {
                _cleanup_free_ char *src = strdup(adds[k]);
                if (!src) {
                        r = -ENOMEM;
                        break;
                }
                char *dst = strchr(src, ':');
                if (dst)
                        *dst++ = '\0';
                const char *bad = zone_build_check_add(src, dst);
                if (bad) {
                        zone_build_spec_clear(&spec);
                        zone_err_set(&err, -EINVAL, "--add %s: %s", adds[k], bad);
                        return cli_fail(ctx, err);
                }
                r = zone_build_spec_add(&spec, src, dst);
        }
        for (size_t k = 0; r == 0 && links && links[k]; k++) {
                char *colon = strchr(links[k], ':');
                const char *bad = colon ? (*colon = '\0', zone_build_check_add("/", links[k]))
                                        : "not PATH:TARGET";
                if (!bad && !colon[1])
                        bad = "empty target";
                if (bad) {
                        if (colon)
                                *colon = ':';
                        zone_build_spec_clear(&spec);
                        zone_err_set(&err, -EINVAL, "--symlink %s: %s", links[k], bad);
                        return cli_fail(ctx, err);
                }
                r = zone_build_spec_link(&spec, links[k], colon + 1);
        }
        for (size_t k = 0; r == 0 && excludes && excludes[k]; k++)
                r = strv_append(&spec.exclude, excludes[k]);
        for (size_t k = 0; r == 0 && envs && envs[k]; k++) {
                if (!strchr(envs[k], '=') || envs[k][0] == '=') {
                        zone_build_spec_clear(&spec);
                        zone_err_set(&err, -EINVAL, "--env %s: not KEY=VALUE", envs[k]);
                        return cli_fail(ctx, err);
                }
                r = zone_build_spec_set_env(&spec, envs[k]);
        }
        for (size_t k = 0; r == 0 && labels && labels[k]; k++) {
                char *eq = strchr(labels[k], '=');
                if (!eq || eq == labels[k]) {
                        zone_build_spec_clear(&spec);
                        zone_err_set(&err, -EINVAL, "--label %s: not KEY=VALUE", labels[k]);
                        return cli_fail(ctx, err);
                }
                *eq = '\0';
                r = zone_build_spec_set_label(&spec, labels[k], eq + 1);
                *eq = '=';
        }
        if (r == 0 && workdir) {
                free(spec.workdir);
                r = (spec.workdir = strdup(workdir)) ? 0 : -ENOMEM;
        }
        if (r == 0 && user) {
                free(spec.user);
                r = (spec.user = strdup(user)) ? 0 : -ENOMEM;
        }
        if (r < 0) {
                zone_build_spec_clear(&spec);
                return fail_oom();
        }
        if ((entrypoint && split_words("entrypoint", entrypoint, &spec.entrypoint) < 0) ||
            (cmd && split_words("cmd", cmd, &spec.cmd) < 0)) {
                zone_build_spec_clear(&spec);
                return 1;
        }
        if (dashdash && i < argc) {
                char **c = strv_copy(argv + i);
                if (!c) {
                        zone_build_spec_clear(&spec);
                        return fail_oom();
                }
                strv_free(spec.cmd);
                spec.cmd = c;
        }
        if (!spec.name) {
                zone_build_spec_clear(&spec);
                fprintf(stderr,
                        "%s image build: no image name (give NAME or `name` in the build file)\n",
                        cli_program);
                return 1;
        }
        if (spec.workdir && spec.workdir[0] != '/') {
                zone_err_set(&err, -EINVAL, "--workdir %s: not an absolute path", spec.workdir);
                zone_build_spec_clear(&spec);
                return cli_fail(ctx, err);
        }

        struct zone_image_store *store = NULL;
        r = zone_image_store_open(cli_data_root, true, &store, &err);
        if (r == 0) {
                struct cli_progress p;
                cli_progress_init(&p);
                r = zone_image_build(store, &spec, cli_progress_cb, &p, &err);
                cli_progress_done(&p);
        }
        struct zone_image *img = NULL;
        if (r == 0)
                r = zone_image_load(store, spec.name, &img, &err);
        if (r == 0)
                printf("%s %s\n", img->name, img->manifest_digest);
        zone_image_free(img);
        zone_image_store_close(store);
        zone_build_spec_clear(&spec);
        return r < 0 ? cli_fail(ctx, err) : 0;
}
