/* The host <-> guest agent protocol of the vm and emulated zones, spoken over one
 * virtio-serial port (a byte stream). Every message is a frame: a fixed header, then `len`
 * bytes of payload. Both sides are the same build of the project on x86-64, so integers are
 * little-endian and sent as they are in memory.
 *
 * A frame's `stream` says which process it is about: 0 is the zone's own process, 1 and up
 * an exec'd one (the host numbers them). Frames of stream 0 unless said otherwise:
 *
 *   agent -> host  HELLO     u32 version          first frame, as soon as the port is open
 *   host  -> agent CONFIG    config.json text      only if the version is the host's own
 *   agent -> host  READY     -                     the zone is created, its process waits
 *   host  -> agent START     -                     run the zone's process
 *   agent -> host  STARTED   -                     the process was exec'd
 *   host  -> agent EXEC      config.json text      stream N: run its process in the zone
 *   agent -> host  EXECED    -                     stream N: the exec'd process runs
 *   agent -> host  STDOUT    bytes                 any stream: the process's standard output
 *   agent -> host  STDERR    bytes                 any stream: its standard error
 *   host  -> agent STDIN     bytes, none at EOF    any stream: for its standard input
 *   agent -> host  STDIN_ACK u32 count             any stream: that many bytes were written
 *   host  -> agent SIGNAL    u32 signal number     any stream: for its process
 *   agent -> host  EXIT      i32 status            any stream: exit code, or 128 + signal;
 *                                                  on stream 0 the VM powers off next
 *   agent -> host  ERROR     message text          create or start failed (stream 0), or an
 *                                                  exec did (stream N, which then ends)
 *   host  -> agent RESIZE    u32 rows, u32 cols    any stream with a terminal: its new size
 *
 * A process with a terminal (process.terminal) has the guest pty's slave as its stdin, stdout
 * and stderr, and the agent keeps the master: STDOUT carries what the master reads (there is
 * no STDERR), STDIN what is written to it (an empty STDIN closes nothing: the terminal stays),
 * and RESIZE sets its size (TIOCSWINSZ; the process gets SIGWINCH). On the host the
 * supervisor (stream 0) or the exec's relay holds the slave of a host pty, raw, as its stdio
 * and controlling terminal, and its master is what --console-socket receives.
 *
 * The host keeps at most VM_STDIN_WINDOW bytes of a stream's input unacknowledged, so the
 * agent never holds more than that per process and never blocks on a process's stdin.
 *
 * The supervisor's control socket (VM_CTL_SOCKET in the zone's state directory) speaks the
 * same frames: an exec's relay sends EXEC, then STDIN, SIGNAL and RESIZE; it gets EXECED or
 * ERROR, then STDOUT, STDERR, STDIN_ACK and EXIT, all on stream 0 of its own connection. Two
 * messages exist only there, one per connection, answered with themselves or ERROR:
 *
 *   runtime -> supervisor PAUSE   -               stop the guest's vCPUs (QMP "stop")
 *   runtime -> supervisor RESUME  -               let them run again (QMP "cont") */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define VM_PROTO_VERSION 2u
/* The port's name in the guest (/sys/class/virtio-ports/vport*\/name). */
#define VM_PORT_NAME "org.zone.agent"
/* The 9p mount tag of the zone's root. */
#define VM_ROOT_TAG "zoneroot"
/* The 9p mount tag of the bind mounts' sources (share.h), and where the guest mounts it: a
 * config's bind source VM_SHARE_GUEST_DIR/N is the share's entry N. */
#define VM_SHARE_TAG       "zoneshare"
#define VM_SHARE_GUEST_DIR "/run/share"
/* A config.json is at most this long (as the runtime reads it); output frames are smaller. */
#define VM_FRAME_MAX (16u << 20)
/* Unacknowledged stdin bytes per stream. */
#define VM_STDIN_WINDOW (256u << 10)
/* The supervisor's socket for exec, in the zone's state directory. */
#define VM_CTL_SOCKET "vm.sock"
/* The guest's network, in CONFIG: this annotation of the config (set by the host only; a
 * user's own is dropped), absent when there is nothing to set but loopback. Its value is lines of
 * space-separated words, in the order the agent applies them:
 *   link NAME MAC MTU        the virtio-net device with MAC is renamed NAME, gets MTU, is up
 *   addr NAME ADDR/PREFIX    an IPv4 or IPv6 address on it
 *   route NAME DST/LEN GW    a route through it; GW "-" for a route on the link itself
 *   sysctl KEY VALUE         a network sysctl of the zone's config (net.*), set last
 * Routes without a gateway are made before those with one. A guest without this annotation,
 * or with sysctl lines alone, has loopback only. */
#define VM_NET_ANNOTATION "org.zone.vm.net"

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
        VM_MSG_EXEC,
        VM_MSG_EXECED,
        VM_MSG_STDIN,
        VM_MSG_STDIN_ACK,
        VM_MSG_PAUSE,
        VM_MSG_RESUME,
        VM_MSG_RESIZE,
};

struct vm_frame_hdr {
        uint32_t type;
        uint32_t stream;
        uint32_t len;
};

/* Writes one frame (retrying short writes and EINTR). 0 or a negative errno. */
int vm_frame_send(int fd, uint32_t type, uint32_t stream, const void *data, size_t len);
/* Reads one frame; *ret is malloc'd with a NUL after the payload (so text can be used as a
 * string), *ret_len its length. -EPIPE at a clean end of stream, -EPROTO for a frame longer
 * than max. ret_stream may be NULL. */
int vm_frame_recv(int fd, size_t max, uint32_t *ret_type, uint32_t *ret_stream, char **ret,
                  size_t *ret_len);
/* The name of a message type, for errors. */
const char *vm_msg_name(uint32_t type);
