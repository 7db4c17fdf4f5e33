/* The host side of a vm or emulated zone's terminals (process.terminal, exec --tty). The
 * host makes a pty: its master is what --console-socket gets (or what a foreground run or
 * exec relays), its slave, raw, is the stdio and controlling terminal of the supervisor or
 * the exec's relay, which relays it to the guest as STDIN and STDOUT frames; the guest's own
 * pty does the terminal's work (echo, line editing, signals). A size change of the host pty
 * reaches its holder as SIGWINCH and the guest as RESIZE. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct zone_err;
struct zone_spec_process;

/* A pty whose slave is raw; its size is process.consoleSize, else standard input's when
 * size_from_stdin and that is a terminal. */
int vm_tty_open(const struct zone_spec_process *p, bool size_from_stdin, int *ret_master,
                int *ret_slave, struct zone_err **err);

/* Sends the size of the terminal tty as RESIZE of stream on fd, if it has one. 0 or -errno. */
int vm_tty_send_size(int fd, uint32_t stream, int tty);
