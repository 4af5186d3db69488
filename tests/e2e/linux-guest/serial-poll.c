/* SPDX-License-Identifier: MIT */
/*
 * serial-poll TTY: tell the 8250 driver that the port has no interrupt line
 * (TIOCSSERIAL with irq = 0), so it polls the UART from a timer.  A PVH
 * guest has no PIC or IO-APIC: the legacy IRQ 4 Linux assumes for ttyS0
 * never fires, and the tty would wait for ever for "transmitter empty".
 * (busybox has no setserial.)  Built static by tests/e2e/run.
 */
#include <fcntl.h>
#include <linux/serial.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct serial_struct ss;
    int fd;

    if (argc != 2) {
        fprintf(stderr, "usage: serial-poll /dev/ttySN\n");
        return 2;
    }
    fd = open(argv[1], O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 || ioctl(fd, TIOCGSERIAL, &ss) < 0) {
        perror(argv[1]);
        return 1;
    }
    ss.irq = 0;
    if (ioctl(fd, TIOCSSERIAL, &ss) < 0) {
        perror("TIOCSSERIAL");
        return 1;
    }
    close(fd);
    return 0;
}
