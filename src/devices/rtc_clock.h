/* SPDX-License-Identifier: MIT */
/*
 * The host's UTC clock as the RTC models read it.  Each RTC keeps the
 * guest's time as this clock plus a whole number of seconds, so its
 * seconds tick over when the host's do.
 *
 * rtc_clock_gettime is a pointer only so that unit tests can substitute a
 * clock they control; dmd never changes it.
 */
#ifndef DMD_RTC_CLOCK_H
#define DMD_RTC_CLOCK_H

#include <stdint.h>
#include <time.h>

#define RTC_NS_PER_SEC INT64_C(1000000000)

extern int (*rtc_clock_gettime)(struct timespec *ts);

/* Nanoseconds since the epoch (UTC). */
int64_t rtc_clock_now_ns(void);

/* Whole seconds and the nanoseconds into the second, rounding towards
 * minus infinity (a clock before 1970 still ticks forwards). */
int64_t rtc_clock_sec(int64_t ns);
int64_t rtc_clock_subsec(int64_t ns);

#endif
