/* SPDX-License-Identifier: MIT */
/*
 * The buffered ioreq ring (x86, HVM_IOREQSRV_BUFIOREQ_ATOMIC), consumed the
 * way Xen's producer expects:
 *  - the pointer pair is read with one acquire load of the 64-bit pair, so
 *    a canonicalisation by Xen (both pointers minus n*511) is never seen
 *    half done;
 *  - slots are indexed modulo IOREQ_BUFFER_SLOT_NUM (511, not a power of 2);
 *  - an 8-byte write takes two slots, the second holding the high half;
 *  - read_pointer is advanced with an atomic add, never a plain store,
 *    because Xen may rewrite the pair concurrently;
 *  - at most `max_slots` slots are consumed per call so a guest cannot
 *    livelock the loop (at least 2: an 8-byte write takes two slots and is
 *    never split across calls).
 * Protocol errors (a quad word whose second half is missing, a pointer pair
 * more than 511 apart) are counted and skipped, never fatal.
 */
#ifndef DMD_IOREQ_RING_H
#define DMD_IOREQ_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/hvm/ioreq.h>

struct ioreq_ring_result {
    unsigned slots;       /* slots consumed by this call */
    unsigned requests;    /* requests handed to the callback */
    unsigned torn;        /* quad words missing their second half (skipped) */
    bool resynced;        /* pointers were corrupt; ring emptied */
    bool more;            /* stopped at max_slots with slots still pending */
};

typedef void ioreq_ring_handler(void *ctx, ioreq_t *req);

/*
 * Decode and consume pending slots.  Each request reaches `handle` as a
 * regular ioreq_t (count 1, data_is_ptr 0, state READY) so the same
 * dispatcher serves both paths.
 */
struct ioreq_ring_result ioreq_ring_drain(buffered_iopage_t *page,
                                          unsigned max_slots,
                                          ioreq_ring_handler *handle,
                                          void *ctx);

/* Slots waiting to be consumed (0 on an empty ring). */
unsigned ioreq_ring_pending(const buffered_iopage_t *page);

/* Nothing to drain (not even corrupt pointers): the check made before
 * every synchronous request, so it is inline and one load.  Xen writes the
 * slots before it bumps write_pointer, and notifies the buffered port
 * after: a write it is making now is drained on that event. */
static inline bool ioreq_ring_idle(const buffered_iopage_t *page)
{
    const _Atomic uint64_t *pair = (const _Atomic uint64_t *)(const void *)page;
    uint64_t v = atomic_load_explicit(pair, memory_order_acquire);

    return (uint32_t)v == (uint32_t)(v >> 32);
}

#endif
