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
/* Bound on a guest clock's offset from the host, in seconds (about 10000
 * years): more than either RTC can set, small enough that no sum of
 * seconds overflows.  A state file beyond it is not one dmd wrote. */
#define RTC_OFFSET_LIMIT INT64_C(320000000000)

extern int (*rtc_clock_gettime)(struct timespec *ts);

/* Nanoseconds since the epoch (UTC). */
int64_t rtc_clock_now_ns(void);

/* Whole seconds and the nanoseconds into the second, rounding towards
 * minus infinity (a clock before 1970 still ticks forwards). */
int64_t rtc_clock_sec(int64_t ns);
int64_t rtc_clock_subsec(int64_t ns);

/* The ev_timer delay, in seconds, for an event wait_ns away: never
 * negative, at most 10 s (the host clock may be stepped meanwhile, so
 * look again), and a little late rather than early, so the event has
 * happened when the timer fires. */
double rtc_clock_timer_delay(int64_t wait_ns);

#endif
