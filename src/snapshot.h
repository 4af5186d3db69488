/* SPDX-License-Identifier: MIT */
/*
 * Binary snapshots of guest-visible state, for a restart after a crash
 * (runstate.h keeps them in /run/dmd/DOMID.state).
 *
 * A device writes its fields in a fixed order with snap_put_*() and reads
 * them back in the same order with snap_get_*().  Integers are stored
 * little-endian at their own width, so a snapshot's layout does not depend
 * on the compiler's struct padding.  Writing past the end of the buffer
 * sets `overflow` and writes nothing more; reading past the end (or a
 * bool that is neither 0 nor 1) sets `bad`, and every later read returns
 * 0, so a device can read every field and check `bad` (and its own range
 * checks) once at the end.  Nothing a reader gets is trusted:
 * the file may have been damaged, or written by another build.
 */
#ifndef DMD_SNAPSHOT_H
#define DMD_SNAPSHOT_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct snap_out {
    uint8_t *p, *end;
    bool overflow;
};

struct snap_in {
    const uint8_t *p, *end;
    bool bad;
};

static inline void snap_out_init(struct snap_out *o, void *buf, size_t len)
{
    o->p = buf;
    o->end = o->p + len;
    o->overflow = false;
}

static inline void snap_in_init(struct snap_in *in, const void *buf, size_t len)
{
    in->p = buf;
    in->end = in->p + len;
    in->bad = false;
}

static inline size_t snap_in_left(const struct snap_in *in)
{
    return (size_t)(in->end - in->p);
}

/*
 * Room for n more bytes?  Once something did not fit nothing more does
 * (end is pulled back to p), so an overflowing snapshot never has a hole
 * in it; the fast path is one compare, since dmd saves a device after
 * every request that reaches it.
 */
static inline bool snap_room(struct snap_out *o, size_t n)
{
    if ((size_t)(o->end - o->p) >= n)
        return true;
    o->overflow = true;
    o->end = o->p;
    return false;
}

static inline void snap_put_bytes(struct snap_out *o, const void *src, size_t n)
{
    if (!snap_room(o, n))
        return;
    memcpy(o->p, src, n);
    o->p += n;
}

/* The low `width` bytes of v, least significant first: with a constant
 * width, once inlined, one store. */
static inline void snap_put_uint(struct snap_out *o, uint64_t v, unsigned width)
{
    uint64_t le = htole64(v);

    if (!snap_room(o, width))
        return;
    memcpy(o->p, &le, width);
    o->p += width;
}

static inline void snap_put_u8(struct snap_out *o, uint8_t v) { snap_put_uint(o, v, 1); }
static inline void snap_put_u16(struct snap_out *o, uint16_t v) { snap_put_uint(o, v, 2); }
static inline void snap_put_u32(struct snap_out *o, uint32_t v) { snap_put_uint(o, v, 4); }
static inline void snap_put_u64(struct snap_out *o, uint64_t v) { snap_put_uint(o, v, 8); }
static inline void snap_put_i64(struct snap_out *o, int64_t v) { snap_put_uint(o, (uint64_t)v, 8); }
static inline void snap_put_bool(struct snap_out *o, bool v) { snap_put_uint(o, v ? 1 : 0, 1); }

/* n more bytes to read?  Once a read ran past the end every later one
 * does (bad is sticky: end is pulled back to p). */
static inline bool snap_left(struct snap_in *in, size_t n)
{
    if (snap_in_left(in) >= n)
        return true;
    in->bad = true;
    in->end = in->p;
    return false;
}

static inline bool snap_get_bytes(struct snap_in *in, void *dst, size_t n)
{
    if (!snap_left(in, n)) {
        memset(dst, 0, n);
        return false;
    }
    memcpy(dst, in->p, n);
    in->p += n;
    return true;
}

static inline uint64_t snap_get_uint(struct snap_in *in, unsigned width)
{
    uint64_t le = 0;

    if (!snap_left(in, width))
        return 0;
    memcpy(&le, in->p, width);
    in->p += width;
    return le64toh(le);
}

static inline uint8_t snap_get_u8(struct snap_in *in) { return (uint8_t)snap_get_uint(in, 1); }
static inline uint16_t snap_get_u16(struct snap_in *in) { return (uint16_t)snap_get_uint(in, 2); }
static inline uint32_t snap_get_u32(struct snap_in *in) { return (uint32_t)snap_get_uint(in, 4); }
static inline uint64_t snap_get_u64(struct snap_in *in) { return snap_get_uint(in, 8); }
static inline int64_t snap_get_i64(struct snap_in *in) { return (int64_t)snap_get_uint(in, 8); }

/* A bool must be stored as 0 or 1; anything else marks the input bad
 * (and, as running out does, makes every later read give 0). */
static inline bool snap_get_bool(struct snap_in *in)
{
    uint8_t v = snap_get_u8(in);

    if (v > 1) {
        in->bad = true;
        in->end = in->p;
    }
    return v == 1;
}

#endif
