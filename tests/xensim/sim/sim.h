/* SPDX-License-Identifier: MIT */
/*
 * What every part of the simulator shares: the clock and the verdict.
 * Failures, leaks and notes go to stdout, in order with the script's
 * output; a failure that leaves the guest unable to go on (a crashed
 * domain, a stuck vCPU) also aborts the script.
 */
#ifndef XENSIM_SIM_H
#define XENSIM_SIM_H

#include <stdbool.h>
#include <stdint.h>

#define SIM_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Monotonic milliseconds. */
uint64_t sim_now(void);

void sim_set_verbose(bool verbose);
bool sim_verbose(void);

/* "FAIL: ..." */
void sim_fail(const char *fmt, ...) SIM_PRINTF(1, 2);
/* "FAIL line N: ..." for a script expectation. */
void sim_fail_line(unsigned line, const char *fmt, ...) SIM_PRINTF(2, 3);
/* "FAIL: ..." and the script stops: the guest cannot go on. */
void sim_abort(const char *fmt, ...) SIM_PRINTF(1, 2);
/* "FAIL line N: ..." and the script stops: it cannot go on from there. */
void sim_abort_line(unsigned line, const char *fmt, ...) SIM_PRINTF(2, 3);
/* "LEAK: ..." */
void sim_leak(const char *fmt, ...) SIM_PRINTF(1, 2);
/* "xensim: ..." */
void sim_note(const char *fmt, ...) SIM_PRINTF(1, 2);
/* "xensim: trace: ..." with --verbose only. */
void sim_trace(const char *fmt, ...) SIM_PRINTF(1, 2);

unsigned sim_failures(void);
unsigned sim_leaks(void);
bool sim_aborted(void);

/* "0x3f8" style value printing with 2 * size digits (size 0: minimal). */
const char *sim_hex(uint64_t value, unsigned size, char buf[20]);

#endif
