/* SPDX-License-Identifier: MIT */
/*
 * What the RTCs keep across a dmd restart, checked by a fuzz target: the
 * guest's view of an mc146818 (CMOS RAM, both banks; the time while the
 * clock runs) and of a pl031 (DR) is read before the devices are
 * destroyed, and must read the same from devices created afresh from the
 * state files, at the same host time.  The state directory may then hold
 * only NAME.state files: no temporary file left behind, no NAME.state.bad
 * (a file dmd wrote that it cannot read back).
 *
 * The guest's accesses go through the target's own request path, so they
 * are checked like any other.
 */
#ifndef DMD_FUZZ_RESTART_H
#define DMD_FUZZ_RESTART_H

#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/hvm/ioreq.h>

struct fuzz_guest {
    /* One access of `size` bytes, IOREQ_TYPE_PIO or IOREQ_TYPE_COPY. */
    uint64_t (*read)(uint8_t type, uint64_t addr, unsigned size);
    void (*write)(uint8_t type, uint64_t addr, unsigned size, uint64_t value);
    uint64_t cmos_port;  /* an mc146818 with extended = yes */
    uint64_t pl031_base;
};

#define FUZZ_CMOS_TIME_REGS 8

struct fuzz_rtc_view {
    uint8_t ram[2][128]; /* bank 0: only the RAM bytes, the rest 0 */
    uint8_t reg_a, reg_b;
    uint8_t time[FUZZ_CMOS_TIME_REGS];
    uint32_t dr;
};

void fuzz_rtc_look(const struct fuzz_guest *g, struct fuzz_rtc_view *v);
/* Would a restart show anything but a first start?  host_sec: the clock. */
bool fuzz_rtc_view_changed(const struct fuzz_rtc_view *v, int64_t host_sec);
/* After the restart: the same view (time only if the clock ran before;
 * the CMOS data format is set back to the one before, as a guest would). */
void fuzz_rtc_check_restored(const struct fuzz_guest *g, const struct fuzz_rtc_view *before);

/* Only NAME.state files in dir; true if there is one. */
bool fuzz_state_dir_check(const char *dir);
/* Remove everything in dir (not dir itself). */
void fuzz_state_dir_clear(const char *dir);

#endif
