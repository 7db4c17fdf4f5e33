/* The container state store: one directory per container under the root (default /run/zone),
 * holding state.json (written atomically), a copy of config.json and the exec fifo. Every
 * operation on a container holds an flock on its directory, so concurrent invocations on one
 * container serialise and different containers never contend. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct zone_err;
struct zone_spec;

/* A container id is a directory name in the store, so it is bounded by NAME_MAX. */
#define ZONE_ID_MAX 255

enum zone_status {
        ZONE_STATUS_CREATING,
        ZONE_STATUS_CREATED,
        ZONE_STATUS_RUNNING,
        ZONE_STATUS_PAUSED,
        ZONE_STATUS_STOPPED
};

struct zone_state {
        char *id;
        char *type;         /* backend name: "light" */
        pid_t pid;          /* container init on the host, 0 before it exists */
        uint64_t pid_start; /* start time of pid (/proc/PID/stat field 22), guards pid reuse */
        char *bundle;       /* absolute */
        char *rootfs;       /* absolute */
        char *created;      /* RFC 3339, UTC */
        bool started;       /* `start` released the process */
        bool paused;        /* `pause` froze the zone's cgroup */
        char *owner;        /* "" for root */
        char *cgroup_path;  /* may be NULL */
};

struct zone_store; /* an open root directory */
struct zone_entry; /* one container's directory, locked */

int zone_store_open(const char *root, struct zone_store **ret, struct zone_err **err);
void zone_store_close(struct zone_store *store);
int zone_store_dirfd(const struct zone_store *store);

/* Checks an id: non-empty, at most ZONE_ID_MAX bytes, [A-Za-z0-9_+.-], not "." or "..". */
int zone_id_validate(const char *id, struct zone_err **err);

/* Makes the directory of a new container and locks it; "container ID already exists". */
int zone_entry_create(struct zone_store *store, const char *id, struct zone_entry **ret,
                      struct zone_err **err);
/* Opens and locks an existing container; "container ID does not exist". */
int zone_entry_open(struct zone_store *store, const char *id, struct zone_entry **ret,
                    struct zone_err **err);
/* Opens without the lock, for reading only: the state and config files are replaced
 * atomically, so a reader sees one whole version while a create or delete goes on. */
int zone_entry_open_unlocked(struct zone_store *store, const char *id, struct zone_entry **ret,
                             struct zone_err **err);
/* Unlocks and closes (does not remove). NULL is fine. */
void zone_entry_close(struct zone_entry *entry);
int zone_entry_dirfd(const struct zone_entry *entry);
const char *zone_entry_id(const struct zone_entry *entry);
/* Absolute path of the container's directory (for things that need a path, e.g. the fifo). */
const char *zone_entry_path(const struct zone_entry *entry);

int zone_entry_write_state(struct zone_entry *entry, const struct zone_state *state,
                           struct zone_err **err);
/* -ENOENT with "container ID is being created" style message when no state yet. */
int zone_entry_read_state(struct zone_entry *entry, struct zone_state **ret, struct zone_err **err);
int zone_entry_write_config(struct zone_entry *entry, const char *text, size_t len,
                            struct zone_err **err);
int zone_entry_read_config(struct zone_entry *entry, struct zone_spec **ret, struct zone_err **err);
/* Removes everything of the container and its directory; the entry is closed and freed. */
int zone_entry_remove(struct zone_entry *entry, struct zone_err **err);

/* Ids of all containers, sorted. */
int zone_store_list(struct zone_store *store, char ***ret_ids, struct zone_err **err);

void zone_state_free(struct zone_state *state);
/* Status derived from the process: stopped when pid is gone, a zombie, or reused. */
enum zone_status zone_state_status(const struct zone_state *state);
const char *zone_status_name(enum zone_status status);
/* Start time of a live pid from /proc/PID/stat; 0 if gone. */
uint64_t zone_pid_start_time(pid_t pid);
/* The OCI state document (`state` output and hooks' stdin), pretty or compact. */
int zone_state_oci_json(const struct zone_state *state, enum zone_status status,
                        const struct zone_spec *spec, bool pretty, char **ret,
                        struct zone_err **err);
/* Current time in RFC 3339 with nanoseconds, UTC. */
char *zone_now_rfc3339(void);
