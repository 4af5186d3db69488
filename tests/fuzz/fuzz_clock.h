/* SPDX-License-Identifier: MIT */
/*
 * The host clock the RTCs read in a fuzz target (rtc_clock_gettime), which
 * the input moves: stepped as NTP or an operator would, or running for
 * 2 ms while dmd's loop runs, so that timers due meanwhile fire.  Each
 * input starts it at FUZZ_CLOCK_START_NS, so a reproducer replays alone.
 */
#ifndef DMD_FUZZ_CLOCK_H
#define DMD_FUZZ_CLOCK_H

#include <stdint.h>

#include "devices/rtc_clock.h"

struct ev_loop;

/* 2024-02-28 23:59:58.5 UTC, a second and a half before midnight into a
 * leap day. */
#define FUZZ_CLOCK_START_NS (INT64_C(1709164798) * RTC_NS_PER_SEC + RTC_NS_PER_SEC / 2)
/* The clock stays within 1970 and 2200-01-01. */
#define FUZZ_CLOCK_MAX_NS (INT64_C(7258118400) * RTC_NS_PER_SEC)

/* Make it the RTCs' clock, at FUZZ_CLOCK_START_NS.  `loop` is dmd's. */
void fuzz_clock_init(struct ev_loop *loop);

/* A new input: the clock at `ns`; the first `real_waits` 2 ms waits of it
 * take real time (the rest only move the clock). */
void fuzz_clock_reset(int64_t ns, unsigned real_waits);

int64_t fuzz_clock_now(void);
void fuzz_clock_set(int64_t ns);

/* Step it by `amount` units: `how` bits 0-1 ns, us, ms or s; bit 2 back. */
void fuzz_clock_step(unsigned how, uint32_t amount);

/* 2 ms pass: the clock moves and dmd's loop runs meanwhile. */
void fuzz_clock_wait(void);

#endif
