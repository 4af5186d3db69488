/* SPDX-License-Identifier: MIT */
/*
 * Invariant checks for the fuzz targets.  A violated invariant is a bug
 * just like a crash, so it ends the process with abort(): libFuzzer then
 * saves the input as a crash reproducer, with the stack naming the check.
 */
#ifndef DMD_FUZZ_CHECK_H
#define DMD_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                    \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: invariant violated: %s: ", __FILE__, __LINE__, \
                    #cond);                                                      \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
            abort();                                                             \
        }                                                                        \
    } while (0)

#endif
