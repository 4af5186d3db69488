/* SPDX-License-Identifier: MIT */
/*
 * The test-controlled host clock (fake_clock.h).
 */
#include "fake_clock.h"

#include <time.h>

#include "devices/rtc_clock.h"

static int64_t base_ns;   /* the reading when set or when it started to follow */
static bool following;
static int64_t real_start_ns;

static int64_t monotonic_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * FAKE_SEC + ts.tv_nsec;
}

int64_t fake_clock_now(void)
{
    return base_ns + (following ? monotonic_ns() - real_start_ns : 0);
}

static int fake_gettime(struct timespec *ts)
{
    int64_t ns = fake_clock_now();

    ts->tv_sec = (time_t)(ns / FAKE_SEC);
    ts->tv_nsec = (long)(ns % FAKE_SEC);
    return 0;
}

void fake_clock_set(int64_t ns)
{
    rtc_clock_gettime = fake_gettime;
    base_ns = ns;
    following = false;
}

void fake_clock_set_utc(int year, int month, int day, int hour, int min, int sec,
                        int64_t sub_ns)
{
    struct tm tm = { .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
                     .tm_hour = hour, .tm_min = min, .tm_sec = sec };

    fake_clock_set((int64_t)timegm(&tm) * FAKE_SEC + sub_ns);
}

void fake_clock_advance(int64_t ns)
{
    base_ns += ns;
}

void fake_clock_follow_real(void)
{
    base_ns = fake_clock_now();
    real_start_ns = monotonic_ns();
    following = true;
}
