/* SPDX-License-Identifier: MIT */
/*
 * Reading a fuzzer's input as a stream of little-endian integers.
 *
 * Past the end every read gives 0 rather than failing, so any input, even a
 * truncated one, decodes to something: the fuzzer never wastes an input on
 * a length check.  fuzz_bytes_left() says when to stop.
 */
#ifndef DMD_FUZZ_BYTES_H
#define DMD_FUZZ_BYTES_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_bytes {
    const uint8_t *p;
    size_t n;
};

static inline size_t fuzz_bytes_left(const struct fuzz_bytes *in)
{
    return in->n;
}

static inline uint64_t fuzz_bytes_le(struct fuzz_bytes *in, unsigned width)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < width; i++) {
        if (in->n > 0) {
            v |= (uint64_t)in->p[0] << (8 * i);
            in->p++;
            in->n--;
        }
    }
    return v;
}

static inline uint8_t fuzz_u8(struct fuzz_bytes *in)
{
    return (uint8_t)fuzz_bytes_le(in, 1);
}

static inline uint16_t fuzz_u16(struct fuzz_bytes *in)
{
    return (uint16_t)fuzz_bytes_le(in, 2);
}

static inline uint32_t fuzz_u32(struct fuzz_bytes *in)
{
    return (uint32_t)fuzz_bytes_le(in, 4);
}

static inline uint64_t fuzz_u64(struct fuzz_bytes *in)
{
    return fuzz_bytes_le(in, 8);
}

#endif
