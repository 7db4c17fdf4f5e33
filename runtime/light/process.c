/* The last steps of a light zone's process before it becomes the user's program: limits,
 * identity, capabilities, names, personality and the exec itself. */
#include "light/process.h"

#include "err.h"
#include "light/caps.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH  "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_UMASK 0022

static int apply_rlimits(const struct zone_spec_process *p, struct zone_err **err)
{
        for (size_t i = 0; i < p->n_rlimits; i++) {
                const struct zone_spec_rlimit *rl = &p->rlimits[i];
                struct rlimit lim = {.rlim_cur = (rlim_t)rl->soft, .rlim_max = (rlim_t)rl->hard};
                if (setrlimit((__rlimit_resource_t)rl->resource, &lim) < 0)
                        return zone_err_sys(
                            err, -errno, "process.rlimits: set %s to soft %llu hard %llu",
                            rl->name ? rl->name : "rlimit", (unsigned long long)rl->soft,
                            (unsigned long long)rl->hard);
        }
        return 0;
}

static int setgroups_denied(bool *ret)
{
        _cleanup_free_ char *text = NULL;
        int r = read_file_at(AT_FDCWD, "/proc/self/setgroups", 64, &text, NULL);
        if (r == -ENOENT) { /* kernels before 3.19 have no such knob */
                *ret = false;
                return 0;
        }
        if (r < 0)
                return r;
        *ret = strncmp(text, "deny", 4) == 0;
        return 0;
}

static int apply_user(const struct zone_spec_user *u, struct zone_err **err)
{
        /* Groups first: setgroups and setresgid need CAP_SETGID, which the uid switch may take
         * away from the effective set. */
        if (setgroups(u->n_additional_gids, u->additional_gids) < 0) {
                int e = -errno;
                bool denied = false;
                if (e == -EPERM && setgroups_denied(&denied) == 0 && denied) {
                        /* A user namespace whose setgroups is "deny" cannot change groups;
                         * with none asked for there is nothing to do. */
                        if (u->n_additional_gids > 0)
                                return zone_err_set(err, -EPERM,
                                                    "process.user.additionalGids: setgroups is "
                                                    "denied in this user namespace");
                } else {
                        return zone_err_sys(err, e, "process.user.additionalGids: setgroups");
                }
        }
        if (setresgid(u->gid, u->gid, u->gid) < 0)
                return zone_err_sys(err, -errno, "process.user.gid: setresgid %u",
                                    (unsigned)u->gid);
        if (setresuid(u->uid, u->uid, u->uid) < 0)
                return zone_err_sys(err, -errno, "process.user.uid: setresuid %u",
                                    (unsigned)u->uid);
        return 0;
}

int light_process_validate(const struct zone_spec_process *p, struct zone_err **err)
{
        if (strv_length(p->args) == 0)
                return zone_err_set(err, -EINVAL, "process.args: must not be empty");
        if (p->cwd && p->cwd[0] != '/')
                return zone_err_set(err, -EINVAL, "process.cwd: \"%s\" is not an absolute path",
                                    p->cwd);
        for (size_t i = 0; i < p->n_rlimits; i++)
                if (p->rlimits[i].soft > p->rlimits[i].hard)
                        return zone_err_set(err, -EINVAL,
                                            "process.rlimits: %s: soft limit %llu is above the "
                                            "hard limit %llu",
                                            p->rlimits[i].name ? p->rlimits[i].name : "rlimit",
                                            (unsigned long long)p->rlimits[i].soft,
                                            (unsigned long long)p->rlimits[i].hard);
        if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
                return zone_err_set(err, -EINVAL,
                                    "process.oomScoreAdj: %d is out of range [-1000, 1000]",
                                    p->oom_score_adj);
        if (p->caps.present) {
                _cleanup_(light_caps_donep) struct light_caps caps = {0};
                int r = light_caps_parse(&p->caps, &caps, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int light_process_apply(const struct zone_spec_process *p, struct zone_err **err)
{
        int r;
        /* Parse every capability name before changing anything, so a typo leaves the process
         * as it was. */
        _cleanup_(light_caps_donep) struct light_caps caps = {0};
        if (p->caps.present) {
                r = light_caps_parse(&p->caps, &caps, err);
                if (r < 0)
                        return r;
        }

        r = apply_rlimits(p, err);
        if (r < 0)
                return r;
        umask(p->user.has_umask ? p->user.umask : DEFAULT_UMASK);

        /* The cwd may be reachable by the runtime's root but not by the container's user, or
         * (root squashed on NFS) the other way round: try now, and once more as the user. */
        bool chdir_later = false;
        if (p->cwd && p->cwd[0] && chdir(p->cwd) < 0) {
                if (errno != EACCES && errno != EPERM)
                        return zone_err_sys(err, -errno, "chdir to %s", p->cwd);
                chdir_later = true;
        }

        if (p->caps.present) {
                r = light_caps_drop_bounding(&caps, err);
                if (r < 0)
                        return r;
                /* Keep the permitted set across the switch to a non-root uid. */
                if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                        return zone_err_sys(err, -errno, "process.capabilities: set keepcaps");
        }

        r = apply_user(&p->user, err);
        if (r < 0)
                return r;
        if (chdir_later && chdir(p->cwd) < 0)
                return zone_err_sys(err, -errno, "chdir to %s", p->cwd);

        if (p->caps.present) {
                r = light_caps_apply(&caps, err);
                if (r < 0)
                        return r;
                if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                        return zone_err_sys(err, -errno, "process.capabilities: clear keepcaps");
        }

        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return zone_err_sys(err, -errno, "process.noNewPrivileges: set no_new_privs");
        return 0;
}

static const char *env_get(char *const *env, const char *name)
{
        size_t len = strlen(name);
        for (size_t i = 0; env && env[i]; i++)
                if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
                        return env[i] + len + 1;
        return NULL;
}

/* A regular file this process may execute (checked with its effective ids, which are the
 * container user's by now). */
static bool is_executable(const char *path)
{
        struct stat st;
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                return false;
        return faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0;
}

int light_process_lookup(const struct zone_spec_process *p, char **ret, struct zone_err **err)
{
        if (strv_length(p->args) == 0)
                return zone_err_set(err, -EINVAL, "process.args: must not be empty");
        const char *file = p->args[0];
        if (strchr(file, '/')) {
                *ret = strdup(file);
                return *ret ? 0 : zone_err_sys(err, -ENOMEM, "exec %s", file);
        }
        if (file[0]) {
                const char *path = env_get(p->env, "PATH");
                if (!path)
                        path = DEFAULT_PATH;
                for (const char *dir = path;;) {
                        const char *end = strchrnul(dir, ':');
                        int dlen = (int)(end - dir);
                        _cleanup_free_ char *cand = NULL;
                        /* An empty PATH element means the current directory. */
                        if (asprintf(&cand, "%.*s/%s", dlen ? dlen : 1, dlen ? dir : ".", file) < 0)
                                return zone_err_sys(err, -ENOMEM, "exec \"%s\"", file);
                        if (is_executable(cand)) {
                                *ret = steal_pointer(&cand);
                                return 0;
                        }
                        if (!*end)
                                break;
                        dir = end + 1;
                }
        }
        return zone_err_set(err, -ENOENT, "exec \"%s\": executable file not found in $PATH", file);
}

int light_set_names(const struct zone_spec *spec, struct zone_err **err)
{
        if (spec->hostname && spec->hostname[0] &&
            sethostname(spec->hostname, strlen(spec->hostname)) < 0)
                return zone_err_sys(err, -errno, "hostname: set \"%s\"", spec->hostname);
        if (spec->domainname && spec->domainname[0] &&
            setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
                return zone_err_sys(err, -errno, "domainname: set \"%s\"", spec->domainname);
        return 0;
}

static int personality_domain(const struct zone_spec *spec, unsigned long *ret,
                              struct zone_err **err)
{
        const struct zone_spec_linux *l = &spec->linux;
        const char *domain = l->personality_domain;
        if (!domain)
                return zone_err_set(err, -EINVAL, "linux.personality.domain: missing");
        if (strcmp(domain, "LINUX") == 0)
                *ret = PER_LINUX;
        else if (strcmp(domain, "LINUX32") == 0)
                *ret = PER_LINUX32;
        else
                return zone_err_set(err, -EINVAL,
                                    "linux.personality.domain: unknown domain \"%s\" (expected "
                                    "LINUX or LINUX32)",
                                    domain);
        /* The runtime-spec defines no flag values yet. */
        if (l->personality_flags && l->personality_flags[0])
                return zone_err_set(err, -EINVAL,
                                    "linux.personality.flags: unsupported flag \"%s\"",
                                    l->personality_flags[0]);
        return 0;
}

int light_personality_validate(const struct zone_spec *spec, struct zone_err **err)
{
        unsigned long persona;
        if (!spec->has_linux || !spec->linux.has_personality)
                return 0;
        return personality_domain(spec, &persona, err);
}

int light_apply_personality(const struct zone_spec *spec, struct zone_err **err)
{
        unsigned long persona;
        if (!spec->has_linux || !spec->linux.has_personality)
                return 0;
        int r = personality_domain(spec, &persona, err);
        if (r < 0)
                return r;
        if (personality(persona) < 0)
                return zone_err_sys(err, -errno, "linux.personality: set %s",
                                    spec->linux.personality_domain);
        return 0;
}

int light_apply_oom_score_adj(const struct zone_spec_process *p, pid_t pid, struct zone_err **err)
{
        if (!p->has_oom_score_adj)
                return 0;
        char path[64], value[16];
        if (pid > 0)
                snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
        else
                snprintf(path, sizeof(path), "/proc/self/oom_score_adj");
        snprintf(value, sizeof(value), "%d", p->oom_score_adj);
        int r = write_string_at(AT_FDCWD, path, value);
        if (r < 0)
                return zone_err_sys(err, r, "process.oomScoreAdj: write %s to %s", value, path);
        return 0;
}
