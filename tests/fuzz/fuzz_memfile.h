/* SPDX-License-Identifier: MIT */
/*
 * An in-memory file with a path (/proc/self/fd/N), for handing a fuzzer's
 * bytes to code that opens files by name, such as config_load().
 */
#ifndef DMD_FUZZ_MEMFILE_H
#define DMD_FUZZ_MEMFILE_H

#include <stddef.h>

struct fuzz_memfile {
    int fd;
    char path[40];
};

/* 0, or -1 with errno set. */
int fuzz_memfile_open(struct fuzz_memfile *f);
/* Make the file's whole content `len` bytes of data.  0, or -1 with errno. */
int fuzz_memfile_set(struct fuzz_memfile *f, const void *data, size_t len);

#endif
