/* SPDX-License-Identifier: MIT */
/*
 * Result lines, printed through Xen's debug port and read by the harness
 * from the serial log:
 *
 *   PLAN guest N                     N checks follow
 *   CHECK guest NAME PASS got=0x.. want=0x..
 *   CHECK guest NAME FAIL got=0x.. want=0x..
 *   CHECK guest NAME PASS got=0x.. want=0x....0x..   (a range)
 *   DONE guest passed=P failed=F
 *
 * The harness fails the test on any FAIL, and when the number of CHECK
 * lines differs from the plan or DONE is missing.
 */
#ifndef E2E_REPORT_H
#define E2E_REPORT_H

#include <stdbool.h>
#include <stdint.h>

void report_plan(unsigned nchecks);
/* One check: PASS when got == want.  Returns the outcome. */
bool report_check(const char *name, uint32_t got, uint32_t want);
/* One check: PASS when lo <= got <= hi ("want=LO..HI"). */
bool report_check_range(const char *name, uint32_t got, uint32_t lo, uint32_t hi);
void report_done(void);
/* Free text (a "# ..." comment line) for the log reader. */
void report_note(const char *text);
/* A "# TEXT N" line, N in signed decimal. */
void report_note_value(const char *text, int32_t value);

#endif
