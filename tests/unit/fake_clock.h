/* SPDX-License-Identifier: MIT */
/*
 * A host clock the test controls, put in place of the RTC models' clock
 * (src/devices/rtc_clock.h).  It stands still unless told to follow real
 * time; either way it starts where the test sets it, so what a device
 * reads from it is the same on every run.
 */
#ifndef DMD_TEST_FAKE_CLOCK_H
#define DMD_TEST_FAKE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define FAKE_MS INT64_C(1000000)
#define FAKE_US INT64_C(1000)
#define FAKE_SEC INT64_C(1000000000)

/* Install the fake clock, standing still at `ns` since the epoch. */
void fake_clock_set(int64_t ns);
/* The same at a UTC date and time plus `sub_ns` into that second. */
void fake_clock_set_utc(int year, int month, int day, int hour, int min, int sec,
                        int64_t sub_ns);
void fake_clock_advance(int64_t ns);
/* From now on it also moves with real time, for tests that wait on a
 * device's timers; the reading still starts from what was set. */
void fake_clock_follow_real(void);
int64_t fake_clock_now(void);

#endif
