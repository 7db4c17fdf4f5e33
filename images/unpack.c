/* Layer unpacking (store.h zone_layer_unpack). */
#include "images/store.h"

#include <errno.h>

#include "err.h"

int zone_layer_unpack(struct zone_image_store *s, const char *digest, const char *want_diff_id,
                      const struct zone_unpack_limits *limits, zone_progress_fn progress,
                      void *progress_arg, char ret_diff_id[ZONE_DIGEST_SIZE], struct zone_err **err)
{
        return zone_err_set(err, -ENOSYS, "unpack layer %s: not implemented yet", digest);
}
