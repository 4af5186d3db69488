/* SPDX-License-Identifier: MIT */
/*
 * <sys/io.h> for aarch64, where glibc has none: port I/O does not exist
 * there.  tests/e2e/linux-guest/tty-stream.c uses it only to print the
 * 16550's registers when its tty stalls; on Arm that diagnostic then says
 * "ioperm: Function not implemented" and the registers are not read.
 */
#ifndef DMD_ARM64_SHIM_SYS_IO_H
#define DMD_ARM64_SHIM_SYS_IO_H
#include <errno.h>

static inline int ioperm(unsigned long from, unsigned long num, int turn_on)
{
    (void)from;
    (void)num;
    (void)turn_on;
    errno = ENOSYS;
    return -1;
}

static inline unsigned char inb(unsigned short port)
{
    (void)port;
    return 0xff;
}
#endif
