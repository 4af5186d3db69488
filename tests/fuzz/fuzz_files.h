/* SPDX-License-Identifier: MIT */
/*
 * Whole files for the fuzz targets that hand dmd a file and read back what
 * it left (the state files, the server record).  A failing system call
 * ends the run (FUZZ_CHECK), except opening a file that is not there.
 */
#ifndef DMD_FUZZ_FILES_H
#define DMD_FUZZ_FILES_H

#include <stddef.h>
#include <stdint.h>

/* Make `path` hold exactly `len` bytes of data (mode 0600). */
void fuzz_write_file(const char *path, const void *data, size_t len);

/* The file's bytes (malloc'd, free them) and their number, or NULL if there
 * is no such file. */
uint8_t *fuzz_read_file(const char *path, size_t *len);

#endif
