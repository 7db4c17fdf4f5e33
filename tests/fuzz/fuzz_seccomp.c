/* libFuzzer target for the translation of linux.seccomp into a BPF filter.
 *
 * The input is an OCI seccomp section; it is placed in a minimal config.json, parsed with the
 * spec parser and compiled with light_seccomp_compile (no cache, nothing is loaded). A
 * compiled filter with a listener also builds its containerProcessState document, which
 * must be valid JSON. Every call must keep the error contract (fuzz_check.h). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "err.h"
#include "fuzz_check.h"
#include "light/seccomp.h"
#include "spec.h"

static const char head[] = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
                           "\"linux\":{\"seccomp\":";
static const char tail[] = "}}";
static const char state_json[] = "{\"ociVersion\":\"1.2.0\",\"id\":\"fuzz\",\"status\":"
                                 "\"creating\",\"pid\":42,\"bundle\":\"/bundle\"}";

static void check_process_state(const struct zone_spec_seccomp *sc)
{
        char *doc = NULL;
        struct zone_err *err = NULL;
        int r = light_seccomp_process_state(sc, state_json, 42, &doc, &err);
        fuzz_check_result("light_seccomp_process_state", r, err);
        zone_err_free(err);
        if (r < 0)
                return;
        FUZZ_CHECK(doc != NULL, "light_seccomp_process_state succeeded without a document");
        char msg[256] = "";
        yajl_val tree = yajl_tree_parse(doc, msg, sizeof(msg));
        FUZZ_CHECK(tree != NULL, "containerProcessState is not JSON (%s):\n%s", msg, doc);
        yajl_tree_free(tree);
        free(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t len = sizeof(head) - 1 + size + sizeof(tail) - 1;
        char *text = malloc(len);
        if (!text)
                return 0;
        memcpy(text, head, sizeof(head) - 1);
        memcpy(text + sizeof(head) - 1, data, size);
        memcpy(text + sizeof(head) - 1 + size, tail, sizeof(tail) - 1);

        struct zone_spec *spec = NULL;
        struct zone_err *err = NULL;
        int r = zone_spec_parse(text, len, "config.json", &spec, &err);
        free(text);
        fuzz_check_result("zone_spec_parse", r, err);
        zone_err_free(err);
        if (r < 0)
                return 0;

        struct light_seccomp *s = NULL;
        err = NULL;
        r = light_seccomp_compile(&spec->linux.seccomp, NULL, NULL, &s, &err);
        fuzz_check_result("light_seccomp_compile", r, err);
        zone_err_free(err);
        if (r == 0) {
                FUZZ_CHECK(spec->linux.seccomp.present == (s != NULL),
                           "a filter %s for a %s seccomp section", s ? "came out" : "is missing",
                           spec->linux.seccomp.present ? "present" : "absent");
                if (s && light_seccomp_wants_listener(s))
                        check_process_state(&spec->linux.seccomp);
                light_seccomp_free(s);
        }
        zone_spec_free(spec);
        return 0;
}
