/* Capability sets of a light zone's process (libcap): parsing the OCI names once, then the
 * bounding set and the effective/permitted/inheritable/ambient sets. Private to the light
 * backend. */
#pragma once

#include <stddef.h>
#include <sys/capability.h>

struct zone_spec_caps;
struct zone_err;

enum light_cap_kind {
        LIGHT_CAP_BOUNDING,
        LIGHT_CAP_EFFECTIVE,
        LIGHT_CAP_PERMITTED,
        LIGHT_CAP_INHERITABLE,
        LIGHT_CAP_AMBIENT,
        LIGHT_CAP_KIND_COUNT
};

/* One set, as capability numbers the running kernel knows; names point into the spec. */
struct light_capset {
        cap_value_t *values;
        const char **names;
        size_t n;
};

struct light_caps {
        struct light_capset set[LIGHT_CAP_KIND_COUNT];
};

/* Parses every set of caps. An unknown name fails with
 * `process.capabilities.bounding: unknown capability "CAP_FOO"`; a name libcap knows but the
 * running kernel lacks is left out silently (a newer config on an older kernel). Effective
 * must be a subset of permitted, and ambient of permitted and inheritable. */
int light_caps_parse(const struct zone_spec_caps *caps, struct light_caps *ret,
                     struct zone_err **err);
void light_caps_done(struct light_caps *caps);
static inline void light_caps_donep(struct light_caps *caps)
{
        light_caps_done(caps);
}

/* Drops from the bounding set every capability the kernel has that is not in
 * set[LIGHT_CAP_BOUNDING]. Needs CAP_SETPCAP, so it runs before the uid switch. */
int light_caps_drop_bounding(const struct light_caps *caps, struct zone_err **err);

/* Sets effective, permitted and inheritable to exactly the parsed sets, then clears the
 * ambient set and raises each ambient capability. */
int light_caps_apply(const struct light_caps *caps, struct zone_err **err);
