/* SPDX-License-Identifier: MIT */
/*
 * A Xen double for fuzzing the device manager: the dmop_* range and
 * interrupt calls that devices/device.c and irq.c make, answered in memory
 * and checked against the rules dmd promises to keep:
 *
 *  - a range is mapped to the ioreq server exactly while the routing table
 *    (iospace) holds a region for it, so the two never disagree;
 *  - a range is unmapped only if it was mapped, with the same bounds;
 *  - an interrupt DMOP is issued only when the line's level changes
 *    (except while a restore tells Xen a line's level again, irq.h:
 *    fake_dmop_restoring());
 *  - after teardown nothing is mapped and every line is low.
 *
 * A broken rule aborts (see fuzz_check.h).  The interrupt rule assumes
 * each line has a single device behind it, as in the fuzzer's config.
 */
#ifndef DMD_FUZZ_FAKE_DMOP_H
#define DMD_FUZZ_FAKE_DMOP_H

#include <stdbool.h>
#include <stdint.h>

#include "iospace.h"

/* Forget everything; the fail_map_at'th range map from now on (1-based)
 * fails with -ENOSPC, as Xen does past its range limit (0: none fails). */
void fake_dmop_reset(unsigned fail_map_at);

/* Every mapped range has its region in sp and every region its range. */
void fake_dmop_check_routing(const struct iospace *sp);

/* After devices_destroy(): nothing mapped, nothing routed, all lines low. */
void fake_dmop_check_idle(const struct iospace *sp);

/* The level Xen was last given for a PCI INTx line (pin 0 = INTA). */
bool fake_dmop_intx_level(uint8_t bus, uint8_t dev, uint8_t pin);

/* While on (devices_restore()), a level DMOP may repeat the level Xen
 * already has: a restored line tells Xen its level again, in case the
 * crash came between a DMOP and the save after it (irq.h). */
void fake_dmop_restoring(bool on);

/* Interrupt DMOPs (levels and MSIs) since the last reset. */
unsigned fake_dmop_irq_calls(void);

#endif
