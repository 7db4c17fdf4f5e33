/* sha256 digests in the OCI form "sha256:<64 lowercase hex>", computed with nettle. */
#include "images/store.h"

#include <string.h>

bool zone_digest_valid(const char *digest)
{
        if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 7 + 64)
                return false;
        for (const char *p = digest + 7; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return false;
        return true;
}

void zone_digest_init(struct zone_digester *d)
{
        sha256_init(&d->ctx);
}

void zone_digest_update(struct zone_digester *d, const void *data, size_t len)
{
        sha256_update(&d->ctx, len, data);
}

void zone_digest_final(struct zone_digester *d, char ret[ZONE_DIGEST_SIZE])
{
        static const char hex[] = "0123456789abcdef";
        uint8_t sum[SHA256_DIGEST_SIZE];
        sha256_digest(&d->ctx, sizeof(sum), sum);
        memcpy(ret, "sha256:", 7);
        for (size_t i = 0; i < sizeof(sum); i++) {
                ret[7 + 2 * i] = hex[sum[i] >> 4];
                ret[7 + 2 * i + 1] = hex[sum[i] & 15];
        }
        ret[7 + 64] = '\0';
}

void zone_digest_buf(const void *data, size_t len, char ret[ZONE_DIGEST_SIZE])
{
        struct zone_digester d;
        zone_digest_init(&d);
        zone_digest_update(&d, data, len);
        zone_digest_final(&d, ret);
}
