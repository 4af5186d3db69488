/* SPDX-License-Identifier: MIT */
/*
 * Registers a fuzz target can check on every read, because what they
 * read does not depend on anything the guest or the host did:
 *
 *  - a pl031's and a pl061's AMBA ID words (PeriphID, PCellID: one byte
 *    each, which Linux's AMBA bus matches) and the reserved bytes above
 *    each register's low byte;
 *  - a pl061's registers below the ID words: no bit for a line at or
 *    above ngpio;
 *  - an mc146818's index ports (window offsets 0 and 2): write-only,
 *    they read 0xff.
 *
 * Reads of 1, 2 or 4 bytes are checked, each byte on its own (a wide read
 * arrives split).  A read that is not wholly inside one window is not
 * looked at: it is refused as a whole or reaches another device.
 */
#ifndef DMD_FUZZ_REGISTERS_H
#define DMD_FUZZ_REGISTERS_H

#include <stdint.h>

#include <xen/xen.h>
#include <xen/hvm/ioreq.h>

struct fuzz_fixed_regs {
    uint64_t cmos;          /* port of an mc146818 with extended = yes */
    uint64_t pl031, pl061;  /* MMIO bases */
    unsigned gpio_lines;    /* the pl061's ngpio */
};

/* `value`: what Xen reads back for the request `req`. */
void fuzz_check_fixed_read(const struct fuzz_fixed_regs *at, const ioreq_t *req,
                           uint64_t value);

#endif
