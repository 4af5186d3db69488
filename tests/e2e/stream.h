/* SPDX-License-Identifier: MIT */
/*
 * The lines of the crash scenario's stream (scenarios/crash), shared by
 * the guest's writer (linux-guest/tty-stream.c) and dom0's checker
 * (dom0/crash-host.c).  Every line is a function of its kind and number,
 * so a reader checks a line by making the one it expects and comparing
 * bytes; the FNV-1a sum at the end lets a person reading a log check one
 * by eye too.
 *
 *   guest -> host   D 00000042 <10..50 lowercase letters> 1a2b3c4d\n
 *   host -> guest   H 000007 <5..24 capital letters> 5e6f7a8b\n
 *   guest -> host   E 000007 ...\n   (the host line H 000007, echoed)
 *   host -> guest   STOP\n           (finish: echo what came before it)
 *   guest -> host   END <figures>\n  (the last line; see tty-stream.c)
 */
#ifndef E2E_STREAM_H
#define E2E_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define STREAM_LINE_MAX 96 /* the longest line is 71 bytes */

static inline uint32_t stream_sum(const char *s, size_t n)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

/* Line SEQ of KIND 'D' (the guest's data) or 'H' (the host's), newline
 * included, in OUT (STREAM_LINE_MAX bytes); returns its length.  The
 * lengths vary so lines end at every offset of the UART's FIFO. */
static inline size_t stream_line(char *out, char kind, unsigned seq)
{
    unsigned len = kind == 'D' ? 10 + seq * 7 % 41 : 5 + seq * 5 % 20;
    char base = kind == 'D' ? 'a' : 'A';
    int n = snprintf(out, STREAM_LINE_MAX, kind == 'D' ? "D %08u " : "H %06u ", seq);

    for (unsigned i = 0; i < len; i++)
        out[n++] = (char)(base + (seq + i) % 26);
    n += snprintf(out + n, (size_t)(STREAM_LINE_MAX - n), " %08x\n",
                  (unsigned)stream_sum(out, (size_t)n));
    return (size_t)n;
}

#endif
