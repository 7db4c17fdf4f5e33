/* libFuzzer target for the config.json parser and writer.
 *
 * Every input is given to zone_spec_parse and to zone_spec_parse_process. A parsed spec is
 * written back and parsed again: the writer promises that parse -> write -> parse gives the
 * same model, so a second write must reproduce the first byte for byte. Any broken promise
 * aborts (a finding), as does an error without a message or a success with one. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz_check.h"
#include "spec.h"

static void fuzz_spec_roundtrip(const char *text, size_t len)
{
        struct zone_spec *spec = NULL;
        struct zone_err *err = NULL;
        int r = zone_spec_parse(text, len, "config.json", &spec, &err);
        fuzz_check_result("zone_spec_parse", r, err);
        zone_err_free(err);
        if (r < 0)
                return;

        char *out = NULL;
        size_t out_len = 0;
        err = NULL;
        r = zone_spec_write(spec, &out, &out_len, &err);
        FUZZ_CHECK(r == 0, "a parsed spec did not write: %s", err ? err->msg : "(no message)");
        fuzz_check_result("zone_spec_write", r, err);
        FUZZ_CHECK(out && strlen(out) == out_len, "write: length %zu does not match the text",
                   out_len);

        struct zone_spec *again = NULL;
        r = zone_spec_parse(out, out_len, "written.json", &again, &err);
        FUZZ_CHECK(r == 0, "the written spec did not parse back: %s\n%s",
                   err ? err->msg : "(no message)", out);

        char *out2 = NULL;
        size_t out2_len = 0;
        r = zone_spec_write(again, &out2, &out2_len, &err);
        FUZZ_CHECK(r == 0, "the re-parsed spec did not write: %s", err ? err->msg : "(no message)");
        FUZZ_CHECK(out_len == out2_len && memcmp(out, out2, out_len) == 0,
                   "the round trip changed the model:\n--- first write\n%s\n--- second write\n%s",
                   out, out2);

        free(out2);
        zone_spec_free(again);
        free(out);
        zone_spec_free(spec);
}

static void fuzz_process(const char *text, size_t len)
{
        struct zone_spec_process p;
        memset(&p, 0, sizeof(p));
        struct zone_err *err = NULL;
        int r = zone_spec_parse_process(text, len, "process.json", &p, &err);
        fuzz_check_result("zone_spec_parse_process", r, err);
        zone_err_free(err);
        if (r == 0)
                zone_spec_process_done(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* A private copy with no terminator past size: an overread shows up in ASan. */
        char *text = malloc(size ? size : 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        fuzz_spec_roundtrip(text, size);
        fuzz_process(text, size);
        free(text);
        return 0;
}
