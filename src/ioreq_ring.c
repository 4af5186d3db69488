/* SPDX-License-Identifier: MIT */
/*
 * Consumer side of Xen's buffered ioreq ring in ATOMIC mode (see
 * ioreq_ring.h and xen-ioreq-protocol.md §1.2).
 *
 * Xen writes slots, then (after a write barrier) bumps write_pointer; with
 * HVM_IOREQSRV_BUFIOREQ_ATOMIC it may also subtract n*511 from both pointers
 * in one 64-bit cmpxchg.  So we take one acquire snapshot of the pair (the
 * slots up to write_pointer are then visible), decode from the snapshot, and
 * give slots back with an atomic add on read_pointer: relative, so it stays
 * right if Xen canonicalised the pair meanwhile, which a store would undo.
 */

#include "ioreq_ring.h"

#include "ioreq_abi.h" /* the page layout this decoder relies on */

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

/* The pair is shared with Xen: a lock-based "atomic" would not be one. */
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2 && ATOMIC_INT_LOCK_FREE == 2,
               "64- and 32-bit atomics must be lock-free");
_Static_assert(sizeof(_Atomic uint64_t) == 8 && sizeof(_Atomic uint32_t) == 4,
               "atomic types must have the plain types' size");

struct ring_pointers {
    uint32_t rd, wr;
};

/* One acquire load of both pointers; the page is page-aligned. */
static struct ring_pointers load_pointers(const buffered_iopage_t *page)
{
    const _Atomic uint64_t *pair = (const _Atomic uint64_t *)(const void *)page;
    uint64_t v = atomic_load_explicit(pair, memory_order_acquire);

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (struct ring_pointers){ .rd = (uint32_t)v, .wr = (uint32_t)(v >> 32) };
#else
    return (struct ring_pointers){ .rd = (uint32_t)(v >> 32), .wr = (uint32_t)v };
#endif
}

static void advance_read_pointer(buffered_iopage_t *page, uint32_t n)
{
    _Atomic uint32_t *rd = (_Atomic uint32_t *)(void *)&page->read_pointer;

    atomic_fetch_add_explicit(rd, n, memory_order_release);
}

/* A slot as Xen's compiler laid it out: x86 (the only bufioreq arch) is
 * little-endian, so decode explicit bytes rather than our own bitfields. */
struct slot {
    uint32_t header, data;
};

static struct slot read_slot(const buffered_iopage_t *page, uint32_t index)
{
    const uint8_t *b = (const uint8_t *)&page->buf_ioreq[index % IOREQ_BUFFER_SLOT_NUM];
    struct slot s = { 0, 0 };

    for (unsigned i = 0; i < 4; i++) {
        s.header |= (uint32_t)b[i] << (8 * i);
        s.data |= (uint32_t)b[4 + i] << (8 * i);
    }
    return s;
}

/* Header bits: type 0-7, pad 8, dir 9, size 10-11 (log2), addr 12-31. */
static unsigned slot_size(struct slot s)
{
    return 1u << ((s.header >> 10) & 3u);
}

static ioreq_t slot_request(struct slot s)
{
    return (ioreq_t){
        .addr = s.header >> 12,
        .data = s.data,
        .count = 1,
        .size = slot_size(s),
        .state = STATE_IOREQ_READY,
        .data_is_ptr = 0,
        .dir = (s.header >> 9) & 1u,
        .df = 0,
        .type = (uint8_t)(s.header & 0xffu),
    };
}

/* Quad words take two slots: max_slots below 2 could never make progress. */
#define RING_MIN_SLOTS 2u

struct ioreq_ring_result ioreq_ring_drain(buffered_iopage_t *page,
                                          unsigned max_slots,
                                          ioreq_ring_handler *handle,
                                          void *ctx)
{
    struct ioreq_ring_result res = { 0 };
    struct ring_pointers p = load_pointers(page);
    uint32_t pending = p.wr - p.rd, used = 0;

    if (pending > IOREQ_BUFFER_SLOT_NUM) {
        advance_read_pointer(page, pending);
        res.resynced = true;
        return res;
    }
    if (max_slots < RING_MIN_SLOTS)
        max_slots = RING_MIN_SLOTS;

    while (used < pending && used < max_slots) {
        struct slot s = read_slot(page, p.rd + used);
        ioreq_t req = slot_request(s);

        if (req.size == 8) {
            if (used + 1 == pending) { /* second half never produced */
                res.torn++;
                used++;
                continue;
            }
            if (used + 2 > max_slots)
                break; /* never split a quad word across calls */
            req.data |= (uint64_t)read_slot(page, p.rd + used + 1).data << 32;
            used += 2;
        } else {
            used++;
        }
        handle(ctx, &req);
        res.requests++;
    }
    if (used > 0)
        advance_read_pointer(page, used);
    res.slots = used;
    res.more = used < pending;
    return res;
}

unsigned ioreq_ring_pending(const buffered_iopage_t *page)
{
    struct ring_pointers p = load_pointers(page);
    uint32_t pending = p.wr - p.rd;

    return pending > IOREQ_BUFFER_SLOT_NUM ? 0 : pending;
}
