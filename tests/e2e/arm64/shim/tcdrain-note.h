/* SPDX-License-Identifier: MIT */
/*
 * Force-included (-include) when tty-stream is cross-built for the Arm64
 * lane: its final tcdrain() counts as a tty error without saying why;
 * this one says (errno, and whether the tty had been hung up), and
 * otherwise does exactly what glibc's does (TCSBRK with a non-zero
 * argument).
 */
#ifndef DMD_ARM64_TCDRAIN_NOTE_H
#define DMD_ARM64_TCDRAIN_NOTE_H
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

static inline int tcdrain_noted(int fd)
{
    int r = ioctl(fd, TCSBRK, 1);
    if (r < 0) {
        int err = errno;
        fprintf(stderr, "# tty-stream: tcdrain: %s\n", strerror(err));
        errno = err;
    }
    return r;
}
#define tcdrain tcdrain_noted
#endif
