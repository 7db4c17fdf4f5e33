/* The host <-> guest agent protocol of the vm and emulated zones, spoken over one
 * virtio-serial port (a byte stream). Every message is a frame: a fixed header, then `len`
 * bytes of payload. Both sides are the same build of the project on x86-64, so integers are
 * little-endian and sent as they are in memory.
 *
 *   agent -> host  HELLO    u32 version            first frame, as soon as the port is open
 *   host  -> agent CONFIG   config.json text        only if the version is the host's own
 *   agent -> host  READY    -                       the zone is created, its process waits
 *   host  -> agent START    -                       run the zone's process
 *   agent -> host  STARTED  -                       the process was exec'd
 *   agent -> host  STDOUT   bytes                   the zone's standard output
 *   agent -> host  STDERR   bytes                   the zone's standard error
 *   host  -> agent SIGNAL   u32 signal number       for the zone's process
 *   agent -> host  EXIT     i32 status              exit code, or 128 + signal; then power off
 *   agent -> host  ERROR    message text            create or start failed in the guest
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define VM_PROTO_VERSION 1u
/* The port's name in the guest (/sys/class/virtio-ports/vport*\/name). */
#define VM_PORT_NAME "org.zone.agent"
/* The 9p mount tag of the zone's root. */
#define VM_ROOT_TAG "zoneroot"
/* A config.json is at most this long (as the runtime reads it); output frames are smaller. */
#define VM_FRAME_MAX (16u << 20)

enum vm_msg {
        VM_MSG_HELLO = 1,
        VM_MSG_CONFIG,
        VM_MSG_READY,
        VM_MSG_START,
        VM_MSG_STARTED,
        VM_MSG_STDOUT,
        VM_MSG_STDERR,
        VM_MSG_SIGNAL,
        VM_MSG_EXIT,
        VM_MSG_ERROR,
};

struct vm_frame_hdr {
        uint32_t type;
        uint32_t len;
};

/* Writes one frame (retrying short writes and EINTR). 0 or a negative errno. */
int vm_frame_send(int fd, uint32_t type, const void *data, size_t len);
/* Reads one frame; *ret is malloc'd with a NUL after the payload (so text can be used as a
 * string), *ret_len its length. -EPIPE at a clean end of stream, -EPROTO for a frame longer
 * than max. */
int vm_frame_recv(int fd, size_t max, uint32_t *ret_type, char **ret, size_t *ret_len);
/* The name of a message type, for errors. */
const char *vm_msg_name(uint32_t type);
