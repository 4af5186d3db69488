/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the buffered ioreq ring consumer, ioreq_ring_drain().
 *
 * The page is whatever the input says, pointers included, as a guest-
 * influenced page shared with Xen might be.  The input is:
 *
 *   read_pointer (4 bytes), flags (bit 0: a raw 4-byte write_pointer
 *   follows; else 2 bytes follow and write_pointer = read_pointer +
 *   value % 1024, so both sane and corrupt distances come up), max_slots
 *   (1 byte; 0xff: 2 more bytes), rounds (1 byte: 1-4 drains), one
 *   producer byte per later round (bits 0-6: slots Xen appends, bit 7:
 *   Xen canonicalises the pointers), then the slots, from the consumer's
 *   first one on, wrapping.
 *
 * Each request handed over is compared with the slot it came from and must
 * be one a buffered ring can carry (size 1/2/4/8, count 1, data_is_ptr 0).
 * After each drain: no more than max_slots slots consumed, read_pointer
 * moved by exactly what was consumed and never backwards relative to
 * write_pointer, progress whenever slots were pending, and neither the
 * slots nor write_pointer written by the consumer.  ioreq_ring_pending()
 * must agree (0 for corrupt pointers).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_bytes.h"
#include "fuzz_check.h"
#include "ioreq_ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOTS IOREQ_BUFFER_SLOT_NUM

static _Alignas(4096) buffered_iopage_t page;
static buf_ioreq_t slots_before[SLOTS];

/* The handler's view: which slot the next request must come from. */
struct drain_check {
    uint32_t first;  /* read_pointer when the drain started */
    uint32_t cursor; /* next slot expected */
    uint32_t pending, max_slots;
    unsigned calls;
};

/* A slot's header word and data, decoded independently of ioreq_ring.c. */
static uint32_t slot_word(uint32_t index, unsigned word)
{
    const uint8_t *b = (const uint8_t *)&page.buf_ioreq[index % SLOTS] + 4 * word;

    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void check_request(void *ctx, ioreq_t *req)
{
    struct drain_check *c = ctx;
    uint32_t header = slot_word(c->cursor, 0);
    uint64_t expect_data = slot_word(c->cursor, 1);
    unsigned expect_size = 1u << ((header >> 10) & 3);
    unsigned taken = expect_size == 8 ? 2 : 1;

    FUZZ_CHECK(req->size == 1 || req->size == 2 || req->size == 4 || req->size == 8,
               "size %u", req->size);
    FUZZ_CHECK(req->count == 1 && req->data_is_ptr == 0 && req->df == 0 &&
               req->state == STATE_IOREQ_READY,
               "count %u data_is_ptr %d df %d state %d", req->count, req->data_is_ptr,
               req->df, req->state);
    FUZZ_CHECK(c->cursor - c->first + taken <= c->pending,
               "request from slot %u, beyond the %u pending", c->cursor - c->first, c->pending);
    FUZZ_CHECK(c->cursor - c->first + taken <= c->max_slots,
               "request from slot %u, beyond max_slots %u", c->cursor - c->first, c->max_slots);
    if (expect_size == 8)
        expect_data |= (uint64_t)slot_word(c->cursor + 1, 1) << 32;
    FUZZ_CHECK(req->type == (header & 0xff) && req->dir == ((header >> 9) & 1) &&
                   req->size == expect_size && req->addr == header >> 12 &&
                   req->data == expect_data,
               "request does not match slot %u (header %#x)", c->cursor % SLOTS, header);
    c->cursor += taken;
    c->calls++;
}

/* ioreq_ring.c raises a max_slots below 2: a quad word needs two. */
static uint32_t effective_max(unsigned max_slots)
{
    return max_slots < 2 ? 2 : max_slots;
}

static void check_drain(const struct drain_check *c, const struct ioreq_ring_result *res,
                        uint32_t wr)
{
    uint32_t rd = page.read_pointer;

    FUZZ_CHECK(page.write_pointer == wr, "the consumer wrote write_pointer");
    FUZZ_CHECK(memcmp(page.buf_ioreq, slots_before, sizeof(slots_before)) == 0,
               "the consumer wrote a slot");
    FUZZ_CHECK(res->requests == c->calls, "%u requests reported, %u handled", res->requests,
               c->calls);
    if (c->pending > SLOTS) {
        FUZZ_CHECK(res->resynced && c->calls == 0 && rd == wr,
                   "corrupt pointers (%u pending) not resynchronised", c->pending);
        return;
    }
    FUZZ_CHECK(!res->resynced, "resynchronised with %u pending", c->pending);
    FUZZ_CHECK(rd - c->first == res->slots, "read_pointer moved by %u, %u slots reported",
               rd - c->first, res->slots);
    FUZZ_CHECK(wr - rd <= c->pending, "read_pointer moved backwards");
    FUZZ_CHECK(res->slots <= c->max_slots, "%u slots consumed, max %u", res->slots,
               c->max_slots);
    FUZZ_CHECK(res->slots == c->cursor - c->first + res->torn && res->torn <= 1,
               "%u slots for %u handled and %u torn", res->slots, c->cursor - c->first,
               res->torn);
    FUZZ_CHECK(c->pending == 0 || res->slots > 0, "no progress with %u pending", c->pending);
    FUZZ_CHECK(res->more == (res->slots < c->pending), "more = %d with %u of %u consumed",
               res->more, res->slots, c->pending);
}

static void drain_once(unsigned max_slots)
{
    uint32_t wr = page.write_pointer;
    struct drain_check c = {
        .first = page.read_pointer,
        .cursor = page.read_pointer,
        .pending = page.write_pointer - page.read_pointer,
        .max_slots = effective_max(max_slots),
    };
    struct ioreq_ring_result res;

    FUZZ_CHECK(ioreq_ring_pending(&page) == (c.pending <= SLOTS ? c.pending : 0),
               "ioreq_ring_pending() says %u of %u", ioreq_ring_pending(&page), c.pending);
    memcpy(slots_before, page.buf_ioreq, sizeof(slots_before));
    res = ioreq_ring_drain(&page, max_slots, check_request, &c);
    check_drain(&c, &res, wr);
}

/* Xen between two drains: append slots while there is room, and maybe
 * subtract n*511 from both pointers once read_pointer >= 511. */
static void produce(uint8_t op)
{
    uint32_t add = op & 0x7f;

    while (add > 0 && page.write_pointer - page.read_pointer < SLOTS) {
        page.write_pointer++;
        add--;
    }
    if ((op & 0x80) && page.read_pointer >= SLOTS) {
        uint32_t n = page.read_pointer / SLOTS;

        page.read_pointer -= n * SLOTS;
        page.write_pointer -= n * SLOTS;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_bytes in = { data, size };
    uint32_t rd = fuzz_u32(&in);
    uint8_t flags = fuzz_u8(&in), mode, rounds;
    unsigned max_slots;
    uint8_t producer[3];

    page.read_pointer = rd;
    page.write_pointer = (flags & 1) ? fuzz_u32(&in) : rd + fuzz_u16(&in) % 1024u;
    mode = fuzz_u8(&in);
    max_slots = mode == 0xff ? fuzz_u16(&in) : mode;
    rounds = (uint8_t)(1 + fuzz_u8(&in) % 4);
    for (unsigned r = 0; r + 1 < rounds; r++)
        producer[r] = fuzz_u8(&in);
    memset(page.buf_ioreq, 0, sizeof(page.buf_ioreq));
    for (uint32_t i = 0; i < SLOTS && fuzz_bytes_left(&in) > 0; i++) {
        uint64_t slot = fuzz_u64(&in);

        memcpy(&page.buf_ioreq[(rd + i) % SLOTS], &slot, sizeof(slot));
    }

    for (unsigned r = 0; r < rounds; r++) {
        if (r > 0)
            produce(producer[r - 1]);
        drain_once(max_slots);
    }
    return 0;
}
