/* Host ptys of vm and emulated zones (tty.h). */
#include "tty.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "../err.h"
#include "../light/console.h"
#include "../spec.h"
#include "../util.h"
#include "proto.h"

int vm_tty_open(const struct zone_spec_process *p, bool size_from_stdin, int *ret_master,
                int *ret_slave, struct zone_err **err)
{
        _cleanup_close_ int master = -1, slave = -1;
        int r = light_console_open(p->has_console_size ? p->console_height : 0,
                                   p->has_console_size ? p->console_width : 0, 0, 0, &master,
                                   &slave, err);
        if (r < 0)
                return r;
        struct winsize ws;
        if (!p->has_console_size && size_from_stdin && isatty(STDIN_FILENO) &&
            ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ioctl(slave, TIOCSWINSZ, &ws) < 0)
                return zone_err_sys(err, -errno, "set the terminal's size");
        /* The guest's pty echoes, edits lines and makes signals of keys: this one only
         * carries bytes. */
        struct termios t;
        if (tcgetattr(slave, &t) < 0)
                return zone_err_sys(err, -errno, "read the terminal's modes");
        cfmakeraw(&t);
        if (tcsetattr(slave, TCSANOW, &t) < 0)
                return zone_err_sys(err, -errno, "make the terminal raw");
        *ret_master = steal_fd(&master);
        *ret_slave = steal_fd(&slave);
        return 0;
}

int vm_tty_send_size(int fd, uint32_t stream, int tty)
{
        struct winsize ws;
        if (ioctl(tty, TIOCGWINSZ, &ws) < 0)
                return -errno;
        if (!ws.ws_row || !ws.ws_col)
                return 0;
        uint32_t size[2] = {ws.ws_row, ws.ws_col};
        return vm_frame_send(fd, VM_MSG_RESIZE, stream, size, sizeof(size));
}
