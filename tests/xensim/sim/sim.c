/* SPDX-License-Identifier: MIT */
#include "sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static unsigned sim_nr_failures;
static unsigned sim_nr_leaks;
static bool sim_is_aborted;
static bool sim_is_verbose;

uint64_t sim_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void sim_set_verbose(bool verbose)
{
    sim_is_verbose = verbose;
}

bool sim_verbose(void)
{
    return sim_is_verbose;
}

__attribute__((format(printf, 2, 0)))
static void sim_print(const char *prefix, const char *fmt, va_list ap)
{
    fputs(prefix, stdout);
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
}

void sim_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_print("FAIL: ", fmt, ap);
    va_end(ap);
    sim_nr_failures++;
}

void sim_fail_line(unsigned line, const char *fmt, ...)
{
    va_list ap;
    printf("FAIL line %u: ", line);
    va_start(ap, fmt);
    sim_print("", fmt, ap);
    va_end(ap);
    sim_nr_failures++;
}

void sim_abort(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_print("FAIL: ", fmt, ap);
    va_end(ap);
    sim_nr_failures++;
    sim_is_aborted = true;
}

void sim_abort_line(unsigned line, const char *fmt, ...)
{
    va_list ap;
    printf("FAIL line %u: ", line);
    va_start(ap, fmt);
    sim_print("", fmt, ap);
    va_end(ap);
    sim_nr_failures++;
    sim_is_aborted = true;
}

void sim_leak(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_print("LEAK: ", fmt, ap);
    va_end(ap);
    sim_nr_leaks++;
}

void sim_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_print("xensim: ", fmt, ap);
    va_end(ap);
}

void sim_trace(const char *fmt, ...)
{
    if (!sim_is_verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    sim_print("xensim: trace: ", fmt, ap);
    va_end(ap);
}

unsigned sim_failures(void)
{
    return sim_nr_failures;
}

unsigned sim_leaks(void)
{
    return sim_nr_leaks;
}

bool sim_aborted(void)
{
    return sim_is_aborted;
}

const char *sim_hex(uint64_t value, unsigned size, char buf[20])
{
    snprintf(buf, 20, "0x%0*llx", (int)(size * 2), (unsigned long long)value);
    return buf;
}
