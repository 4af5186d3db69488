/* SPDX-License-Identifier: MIT */
/*
 * State a device keeps across dmd restarts (an RTC's offset, CMOS RAM), in
 * STATE_DIR/NAME.state: readable text, one `key = value` per line, written
 * by dmd and read when the device is created.
 *
 *   # dmd state of [rtc0]; written by dmd, read when it starts
 *   version = 1
 *   offset = -3600
 *   cmos = 00ff...
 *
 * Writes are atomic (a temporary file in the same directory, fsync,
 * rename) and coalesced: statefile_changed() schedules one write a second
 * later however often the guest changes things, and statefile_close()
 * writes what is still pending.  A missing file means a first start; a
 * file that cannot be read or parsed is reported with its path and line,
 * renamed to NAME.state.bad so it is kept for a look, and the device
 * starts from its defaults.  Without a state_dir nothing touches the disk.
 */
#ifndef DMD_STATEFILE_H
#define DMD_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ev_loop;
struct statefile;

/* Write the device's `key = value` lines (statefile writes the header). */
typedef void statefile_format_fn(void *opaque, FILE *out);
/* Take one `key = value` of the file; false rejects the file. */
typedef bool statefile_value_fn(void *opaque, const char *key, const char *value);

/*
 * `dir` is the [dmd] state_dir or NULL (memory only, said in one log line);
 * `owner` names the instance in logs and the file.  `version` is the
 * device's format version: a file with another one is not read.  NULL when
 * out of memory.
 */
struct statefile *statefile_open(struct ev_loop *loop, const char *dir, const char *owner,
                                 unsigned version, statefile_format_fn *format, void *opaque);

/*
 * Read the file, handing each key to `fn`.  true when the whole file was
 * read; false when there is no state to restore (no dir, no file, or a bad
 * file: logged).  `fn` may have taken some keys of a file that turns out
 * bad, so parse into scratch space and apply it only on true.
 */
bool statefile_load(struct statefile *sf, statefile_value_fn *fn, void *opaque);

/* The state changed: write it within a second. */
void statefile_changed(struct statefile *sf);

/* Write what is pending, then free (NULL is accepted). */
void statefile_close(struct statefile *sf);

/* The file's path, NULL without a state_dir. */
const char *statefile_path(const struct statefile *sf);

/* Value helpers for devices.  A decimal integer within [min, max]: */
bool statefile_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Exactly 2 * n hex digits into n bytes: */
bool statefile_parse_hex(const char *s, uint8_t *bytes, size_t n);
void statefile_print_hex(FILE *out, const uint8_t *bytes, size_t n);

#endif
