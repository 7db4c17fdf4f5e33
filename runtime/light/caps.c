/* Capability sets of a light zone's process, with libcap. */
#include "light/caps.h"

#include "err.h"
#include "spec.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

static const char *const kind_field[LIGHT_CAP_KIND_COUNT] = {
    [LIGHT_CAP_BOUNDING] = "process.capabilities.bounding",
    [LIGHT_CAP_EFFECTIVE] = "process.capabilities.effective",
    [LIGHT_CAP_PERMITTED] = "process.capabilities.permitted",
    [LIGHT_CAP_INHERITABLE] = "process.capabilities.inheritable",
    [LIGHT_CAP_AMBIENT] = "process.capabilities.ambient",
};

static void cap_freep(cap_t *c)
{
        if (*c)
                cap_free(*c);
}

/* OCI names are "CAP_" plus upper-case letters, digits and '_'. libcap alone would also take
 * lower case and bare numbers ("12"), which no other runtime accepts. */
static bool cap_name_wellformed(const char *name)
{
        if (strncmp(name, "CAP_", 4) != 0 || name[4] == '\0')
                return false;
        for (const char *c = name + 4; *c; c++)
                if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
                        return false;
        return true;
}

static int parse_set(char *const *names, const char *field, cap_value_t kernel_bits,
                     struct light_capset *ret, struct zone_err **err)
{
        size_t n = strv_length(names);
        /* n + 1: calloc(0, ...) may return NULL, which would read as ENOMEM. */
        ret->values = calloc(n + 1, sizeof(*ret->values));
        ret->names = calloc(n + 1, sizeof(*ret->names));
        if (!ret->values || !ret->names)
                return zone_err_sys(err, -ENOMEM, "%s", field);
        for (size_t i = 0; i < n; i++) {
                cap_value_t v;
                if (!cap_name_wellformed(names[i]) || cap_from_name(names[i], &v) < 0)
                        return zone_err_set(err, -EINVAL, "%s: unknown capability \"%s\"", field,
                                            names[i]);
                if (v >= kernel_bits)
                        continue; /* known to libcap, absent from this kernel */
                ret->values[ret->n] = v;
                ret->names[ret->n] = names[i];
                ret->n++;
        }
        return 0;
}

static bool capset_has(const struct light_capset *s, cap_value_t v)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->values[i] == v)
                        return true;
        return false;
}

/* The kernel would refuse an effective capability outside the permitted set with a bare EPERM
 * at capset: say which one is wrong instead. An ambient capability outside the permitted and
 * inheritable sets cannot be raised; like runc, it is left out rather than failing the zone
 * (runc's own default config asks for such ones). */
static int check_consistent(struct light_caps *c, struct zone_err **err)
{
        const struct light_capset *prm = &c->set[LIGHT_CAP_PERMITTED];
        const struct light_capset *inh = &c->set[LIGHT_CAP_INHERITABLE];
        const struct light_capset *eff = &c->set[LIGHT_CAP_EFFECTIVE];
        struct light_capset *amb = &c->set[LIGHT_CAP_AMBIENT];
        for (size_t i = 0; i < eff->n; i++)
                if (!capset_has(prm, eff->values[i]))
                        return zone_err_set(err, -EINVAL, "%s: %s is not in the permitted set",
                                            kind_field[LIGHT_CAP_EFFECTIVE], eff->names[i]);
        size_t kept = 0;
        for (size_t i = 0; i < amb->n; i++)
                if (capset_has(prm, amb->values[i]) && capset_has(inh, amb->values[i])) {
                        amb->values[kept] = amb->values[i];
                        amb->names[kept++] = amb->names[i];
                }
        amb->n = kept;
        return 0;
}

int light_caps_parse(const struct zone_spec_caps *caps, struct light_caps *ret,
                     struct zone_err **err)
{
        char **const lists[LIGHT_CAP_KIND_COUNT] = {
            [LIGHT_CAP_BOUNDING] = caps->bounding,   [LIGHT_CAP_EFFECTIVE] = caps->effective,
            [LIGHT_CAP_PERMITTED] = caps->permitted, [LIGHT_CAP_INHERITABLE] = caps->inheritable,
            [LIGHT_CAP_AMBIENT] = caps->ambient,
        };
        cap_value_t kernel_bits = cap_max_bits();
        memset(ret, 0, sizeof(*ret));
        int r = 0;
        for (int k = 0; k < LIGHT_CAP_KIND_COUNT && r == 0; k++)
                r = parse_set(lists[k], kind_field[k], kernel_bits, &ret->set[k], err);
        if (r == 0)
                r = check_consistent(ret, err);
        if (r < 0)
                light_caps_done(ret);
        return r;
}

void light_caps_done(struct light_caps *caps)
{
        for (int k = 0; k < LIGHT_CAP_KIND_COUNT; k++) {
                free(caps->set[k].values);
                free(caps->set[k].names);
                caps->set[k] = (struct light_capset){0};
        }
}

int light_caps_drop_bounding(const struct light_caps *caps, struct zone_err **err)
{
        const struct light_capset *keep = &caps->set[LIGHT_CAP_BOUNDING];
        cap_value_t kernel_bits = cap_max_bits();
        for (cap_value_t v = 0; v < kernel_bits; v++) {
                if (capset_has(keep, v))
                        continue;
                if (prctl(PR_CAPBSET_DROP, (unsigned long)v, 0, 0, 0) < 0) {
                        int e = -errno;
                        _cleanup_free_ char *name = NULL;
                        char *n = cap_to_name(v);
                        if (n) {
                                name = strdup(n);
                                cap_free(n);
                        }
                        return zone_err_sys(err, e, "%s: drop %s from the bounding set",
                                            kind_field[LIGHT_CAP_BOUNDING],
                                            name ? name : "capability");
                }
        }
        return 0;
}

int light_caps_apply(const struct light_caps *caps, struct zone_err **err)
{
        static const cap_flag_t flag[LIGHT_CAP_KIND_COUNT] = {
            [LIGHT_CAP_EFFECTIVE] = CAP_EFFECTIVE,
            [LIGHT_CAP_PERMITTED] = CAP_PERMITTED,
            [LIGHT_CAP_INHERITABLE] = CAP_INHERITABLE,
        };
        _cleanup_(cap_freep) cap_t c = cap_init();
        if (!c)
                return zone_err_sys(err, -errno, "process.capabilities: allocate a capability set");
        for (int k = LIGHT_CAP_EFFECTIVE; k <= LIGHT_CAP_INHERITABLE; k++) {
                const struct light_capset *s = &caps->set[k];
                if (s->n == 0)
                        continue;
                if (cap_set_flag(c, flag[k], (int)s->n, s->values, CAP_SET) < 0)
                        return zone_err_sys(err, -errno, "%s: build the set", kind_field[k]);
        }
        if (cap_set_proc(c) < 0)
                return zone_err_sys(err, -errno,
                                    "process.capabilities: set effective, permitted and "
                                    "inheritable");

        /* Ambient capabilities survive execve only when also permitted and inheritable, which
         * the kernel checks at each raise; start from an empty set so nothing inherited from
         * the runtime leaks in. */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return zone_err_sys(err, -errno, "%s: clear", kind_field[LIGHT_CAP_AMBIENT]);
        const struct light_capset *amb = &caps->set[LIGHT_CAP_AMBIENT];
        for (size_t i = 0; i < amb->n; i++)
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)amb->values[i], 0,
                          0) < 0)
                        return zone_err_sys(err, -errno, "%s: raise %s",
                                            kind_field[LIGHT_CAP_AMBIENT], amb->names[i]);
        return 0;
}
