/* SPDX-License-Identifier: MIT */
/*
 * A journal double for the fuzz targets: sd_proto_journal_sendv(), which
 * log.c calls with the journal target, is defined in fake_journal.c in
 * place of src/sd_proto.c's.  Every message is then formatted as in
 * production (that code runs too) and counted instead of sent, which lets
 * a target check that a guest cannot make dmd log without bound.
 *
 * Besides the total, entries are counted per kind: the device they name
 * (DMD_DEVICE) and the message with its numbers blanked out, so "BAR0 at
 * port 0xc000 not claimed" and "... 0xc100 ..." are one kind.  A message
 * logged without a rate limit shows up as one kind with many entries long
 * before the total gets suspicious.  A guest's line from a chardev's
 * journal backend must be one journal_write() can send: at most 1024
 * bytes, without \n or \r.
 */
#ifndef DMD_FUZZ_FAKE_JOURNAL_H
#define DMD_FUZZ_FAKE_JOURNAL_H

void fake_journal_reset(void);
/* Entries sent since the last reset. */
unsigned fake_journal_entries(void);
/* The most entries of one kind since the last reset, and one of them
 * (device, then message) in *example ("" when there were none). */
unsigned fake_journal_most_of_a_kind(const char **example);

/*
 * The service manager's descriptor store (sd_proto.h), also here: empty
 * and never filled by what dmd stores, unless a target hands a
 * descriptor over with fake_fdstore_put(): the next sd_proto_take_fd()
 * of that name takes it (and owns it).  fake_fdstore_clear() closes what
 * nobody took.
 */
void fake_fdstore_put(const char *name, int fd);
void fake_fdstore_clear(void);

#endif
