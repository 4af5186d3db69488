/* SPDX-License-Identifier: MIT */
#include "fuzz_clock.h"

#include <stdbool.h>
#include <time.h>

#include <ev.h>

#define WAIT_NS INT64_C(2000000)

static struct {
    struct ev_loop *loop;
    int64_t ns;
    unsigned waits, real_waits;
} clk;

static int fake_clock_gettime(struct timespec *ts)
{
    ts->tv_sec = (time_t)(clk.ns / RTC_NS_PER_SEC);
    ts->tv_nsec = (long)(clk.ns % RTC_NS_PER_SEC);
    return 0;
}

void fuzz_clock_init(struct ev_loop *loop)
{
    clk.loop = loop;
    clk.ns = FUZZ_CLOCK_START_NS;
    rtc_clock_gettime = fake_clock_gettime;
}

void fuzz_clock_reset(int64_t ns, unsigned real_waits)
{
    clk.ns = ns;
    clk.waits = 0;
    clk.real_waits = real_waits;
}

int64_t fuzz_clock_now(void)
{
    return clk.ns;
}

void fuzz_clock_set(int64_t ns)
{
    clk.ns = ns;
}

void fuzz_clock_step(unsigned how, uint32_t amount)
{
    static const int64_t units[] = { 1, 1000, 1000000, RTC_NS_PER_SEC };
    int64_t step = (int64_t)amount * units[how & 3];

    if (how & 4)
        clk.ns = step > clk.ns ? 0 : clk.ns - step;
    else
        clk.ns = step > FUZZ_CLOCK_MAX_NS - clk.ns ? FUZZ_CLOCK_MAX_NS : clk.ns + step;
}

static void wake_up(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    *(bool *)w->data = true;
}

void fuzz_clock_wait(void)
{
    bool done = false;
    ev_timer guard;

    clk.ns = clk.ns > FUZZ_CLOCK_MAX_NS - WAIT_NS ? FUZZ_CLOCK_MAX_NS : clk.ns + WAIT_NS;
    if (clk.waits++ >= clk.real_waits)
        return;
    ev_timer_init(&guard, wake_up, (double)WAIT_NS / (double)RTC_NS_PER_SEC, 0.);
    guard.data = &done;
    ev_now_update(clk.loop);
    ev_timer_start(clk.loop, &guard);
    while (!done)
        ev_run(clk.loop, EVRUN_ONCE);
}
