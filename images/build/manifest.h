/* Build files: a zone_build_spec written down for repeatable builds (images/README.md,
 * "Build files"). One `key value` per line, `#` comments, blank lines ignored. */
#pragma once

#include <stddef.h>

struct zone_err;
struct zone_build_spec;

/* Parses text (len bytes, named `file` in messages) into spec, adding to what it holds.
 * Errors name file:line. */
int zone_manifest_parse(const char *file, const char *text, size_t len,
                        struct zone_build_spec *spec, struct zone_err **err);
/* Reads and parses a build file. */
int zone_manifest_load(const char *path, struct zone_build_spec *spec, struct zone_err **err);

/* Splits a value into words as a shell would for plain words, single and double quotes and
 * backslashes (no expansion). -EINVAL on an unterminated quote. */
int zone_manifest_words(const char *s, char ***ret);
