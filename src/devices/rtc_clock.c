/* SPDX-License-Identifier: MIT */
/*
 * The host clock the RTC models read (see rtc_clock.h).
 */
#include "rtc_clock.h"

static int realtime(struct timespec *ts)
{
    return clock_gettime(CLOCK_REALTIME, ts);
}

int (*rtc_clock_gettime)(struct timespec *ts) = realtime;

int64_t rtc_clock_now_ns(void)
{
    struct timespec ts;

    /* CLOCK_REALTIME cannot fail with a valid pointer; a substitute that
     * does gives the epoch rather than garbage. */
    if (rtc_clock_gettime(&ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * RTC_NS_PER_SEC + ts.tv_nsec;
}

int64_t rtc_clock_sec(int64_t ns)
{
    int64_t sec = ns / RTC_NS_PER_SEC;

    return ns % RTC_NS_PER_SEC < 0 ? sec - 1 : sec;
}

double rtc_clock_timer_delay(int64_t wait_ns)
{
    const int64_t max_ns = 10 * RTC_NS_PER_SEC, slack_ns = 20000;

    if (wait_ns < 0)
        wait_ns = 0;
    if (wait_ns > max_ns)
        wait_ns = max_ns;
    return (double)(wait_ns + slack_ns) / (double)RTC_NS_PER_SEC;
}

int64_t rtc_clock_subsec(int64_t ns)
{
    return ns - rtc_clock_sec(ns) * RTC_NS_PER_SEC;
}
