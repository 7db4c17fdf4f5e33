/* Checks shared by the fuzz targets: a broken promise aborts, so libFuzzer keeps the input. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define FUZZ_CHECK(cond, ...)                                                                      \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        fprintf(stderr, "fuzz: check failed: %s: ", #cond);                        \
                        fprintf(stderr, __VA_ARGS__);                                              \
                        fputc('\n', stderr);                                                       \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

/* The error contract: a failed call leaves one non-empty, one-line message and a negative
 * code; a success returns 0 and leaves no error. */
static inline void fuzz_check_result(const char *call, int r, const struct zone_err *err)
{
        if (r < 0) {
                FUZZ_CHECK(err != NULL, "%s returned %d without an error", call, r);
                FUZZ_CHECK(err->code < 0, "%s: error code %d is not a negative errno", call,
                           err->code);
                FUZZ_CHECK(err->msg[0] != '\0', "%s returned %d with an empty message", call, r);
                FUZZ_CHECK(strchr(err->msg, '\n') == NULL, "%s: message is not one line: %s", call,
                           err->msg);
        } else {
                FUZZ_CHECK(r == 0, "%s returned %d", call, r);
                FUZZ_CHECK(err == NULL, "%s succeeded but set an error: %s", call, err->msg);
        }
}
