/* SPDX-License-Identifier: MIT */
/*
 * The shared ioreq structures as dmd relies on them, pinned at compile time,
 * and the two ordered accesses the protocol needs.
 *
 * Xen writes a slot's fields, then sets state = READY; dmd must see READY
 * before it reads the fields (acquire).  dmd writes data (and maybe count),
 * then sets state = IORESP_READY; Xen must see the data once it sees the
 * state (release).  On x86 both are plain moves plus a compiler barrier; on
 * Arm they emit the barriers a compiler-only fence would miss.
 *
 * `state` is a 4-bit field of the byte at offset 30 (data_is_ptr, dir and df
 * are the other bits), so the accesses are made on that byte.
 */
#ifndef DMD_IOREQ_ABI_H
#define DMD_IOREQ_ABI_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/hvm/ioreq.h>

#define IOREQ_STATE_BYTE 30 /* byte holding state:4, data_is_ptr, dir, df */
#define IOREQ_STATE_MASK 0x0fu
#define IOREQ_PAGE_SIZE 4096u
#define IOREQ_MAX_VCPUS (IOREQ_PAGE_SIZE / sizeof(ioreq_t)) /* 128 */

_Static_assert(sizeof(ioreq_t) == 32, "ioreq_t is 32 bytes");
_Static_assert(offsetof(ioreq_t, addr) == 0, "ioreq_t.addr");
_Static_assert(offsetof(ioreq_t, data) == 8, "ioreq_t.data");
_Static_assert(offsetof(ioreq_t, count) == 16, "ioreq_t.count");
_Static_assert(offsetof(ioreq_t, size) == 20, "ioreq_t.size");
_Static_assert(offsetof(ioreq_t, vp_eport) == 24, "ioreq_t.vp_eport");
_Static_assert(offsetof(ioreq_t, _pad0) == 28, "ioreq_t._pad0");
_Static_assert(offsetof(ioreq_t, type) == 31, "ioreq_t.type");
_Static_assert(sizeof(shared_iopage_t) == 32, "one vCPU slot every 32 bytes");
_Static_assert(sizeof(buf_ioreq_t) == 8, "buf_ioreq_t is 8 bytes");
_Static_assert(offsetof(buf_ioreq_t, data) == 4, "buffered slot data at byte 4");
_Static_assert(IOREQ_BUFFER_SLOT_NUM == 511, "511 buffered slots");
_Static_assert(sizeof(buffered_iopage_t) == 8 + 8 * IOREQ_BUFFER_SLOT_NUM,
               "buffered_iopage_t is 4 KiB");
_Static_assert(sizeof(buffered_iopage_t) <= IOREQ_PAGE_SIZE, "buffered page fits a page");
_Static_assert(offsetof(buffered_iopage_t, read_pointer) == 0, "read_pointer");
_Static_assert(offsetof(buffered_iopage_t, write_pointer) == 4, "write_pointer");
_Static_assert(offsetof(buffered_iopage_t, buf_ioreq) == 8, "buffered slots");
_Static_assert(ATOMIC_CHAR_LOCK_FREE == 2, "byte atomics are lock-free");
_Static_assert(sizeof(_Atomic uint8_t) == 1, "atomic byte is a byte");

static inline _Atomic uint8_t *ioreq_state_byte(ioreq_t *slot)
{
    return (_Atomic uint8_t *)((uint8_t *)slot + IOREQ_STATE_BYTE);
}

/* Acquire: after this, the slot's other fields are those Xen wrote. */
static inline uint8_t ioreq_state_load(ioreq_t *slot)
{
    return atomic_load_explicit(ioreq_state_byte(slot), memory_order_acquire) &
           IOREQ_STATE_MASK;
}

/* Release: everything written to the slot before is visible first. */
static inline void ioreq_state_store(ioreq_t *slot, uint8_t state)
{
    _Atomic uint8_t *b = ioreq_state_byte(slot);
    uint8_t other = atomic_load_explicit(b, memory_order_relaxed) & (uint8_t)~IOREQ_STATE_MASK;

    atomic_store_explicit(b, (uint8_t)(other | state), memory_order_release);
}

#endif
