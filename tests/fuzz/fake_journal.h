/* SPDX-License-Identifier: MIT */
/*
 * A journal double for the fuzz targets: sd_journal_sendv(), which log.c
 * calls with the journal target, is defined in fake_journal.c and so
 * replaces libsystemd's.  Every message is then formatted as in
 * production (that code runs too) and counted instead of sent, which lets
 * a target check that a guest cannot make dmd log without bound.
 */
#ifndef DMD_FUZZ_FAKE_JOURNAL_H
#define DMD_FUZZ_FAKE_JOURNAL_H

void fake_journal_reset(void);
/* Entries sent since the last reset. */
unsigned fake_journal_entries(void);

#endif
