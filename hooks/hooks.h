/* OCI hooks: each hook is fork+exec'd with its args and env, the container state JSON on its
 * stdin, and killed when its timeout passes. */
#pragma once

#include <stddef.h>

#include "../runtime/spec.h"

struct zone_err;
struct zone_log;

/* Runs hooks[0..n) in order and waits for each. A hook that cannot start, exits non-zero, is
 * killed by a signal or times out is an error naming the hook kind, index and path
 * ("prestart hook 0 (/usr/bin/x): exited with status 3"). Callers decide whether the error is
 * fatal (prestart..startContainer) or a warning (poststart, poststop), as the spec says. */
int zone_hooks_run(enum zone_hook_kind kind, const struct zone_spec_hook *hooks, size_t n,
                   const char *state_json, const struct zone_log *log, struct zone_err **err);
