/* SPDX-License-Identifier: MIT */
/*
 * One hexadecimal digit, for the files dmd writes and reads back
 * (statefile.c's CMOS RAM, server_record.c's PCI addresses).
 */
#ifndef DMD_HEX_H
#define DMD_HEX_H

/* 0..15, or -1 for anything that is not a hex digit. */
static inline int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
