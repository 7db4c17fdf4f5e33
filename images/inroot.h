/* Paths below a root directory fd, safe against what the tree holds (symlinks, "..", absolute
 * names): for unpacking layers and imports, `zone cp`, the users of a running zone.
 * zone_path_clean and zone_open_parent are in unpack.c. */
#pragma once

#include <stdbool.h>

/* A tar entry's name made relative and clean: "./a//b/" -> "a/b", "." -> "". -EPERM for an
 * absolute name or a ".." part. */
int zone_path_clean(const char *path, char **ret);
/* Opens (O_PATH) the directory that holds path (a clean relative path) below rootfd, each
 * component with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), creating missing ones (0755)
 * when create; *ret_leaf points into path at the last component. -ELOOP when a component is
 * a symlink, -ENOTDIR when it is not a directory. */
int zone_open_parent(int rootfd, const char *path, bool create, int *ret_fd, const char **ret_leaf);
/* The whole of a regular file at path inside the tree rootfd names, as that tree's root sees
 * it (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV: a symlink in it never
 * leads out; a fifo or device is -EINVAL, never read); up to 4 MiB. Implemented in bundle.c. */
int zone_read_in_root(int rootfd, const char *path, char **ret);
