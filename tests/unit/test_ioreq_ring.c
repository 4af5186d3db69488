/* SPDX-License-Identifier: MIT */
/*
 * The buffered ring decoder against an in-memory page filled the way Xen's
 * producer (ioreq_send_buffered(), ATOMIC mode) fills it.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ioreq_ring.h"

#define SLOTS IOREQ_BUFFER_SLOT_NUM

static _Alignas(4096) buffered_iopage_t page;

#define MAX_SEEN 600
static ioreq_t seen[MAX_SEEN];
static unsigned nseen;

static int setup(void **state)
{
    (void)state;
    memset(&page, 0, sizeof(page));
    memset(seen, 0, sizeof(seen));
    nseen = 0;
    return 0;
}

static void record(void *ctx, ioreq_t *req)
{
    (void)ctx;
    if (nseen < MAX_SEEN)
        seen[nseen] = *req;
    nseen++;
}

static uint8_t size_log2(unsigned size)
{
    return size == 8 ? 3 : size == 4 ? 2 : size == 2 ? 1 : 0;
}

/* Xen's producer: slots at wp % 511 (a quad word takes two, the second
 * holding the high half), then bump write_pointer.  false when full. */
static bool produce(uint8_t type, unsigned size, uint32_t addr, uint64_t data)
{
    bool qw = size == 8;
    uint32_t wp = page.write_pointer;
    buf_ioreq_t slot = { .type = type, .dir = IOREQ_WRITE, .size = size_log2(size) & 3u,
                         .addr = addr & 0xfffff, .data = (uint32_t)data };

    if (wp - page.read_pointer >= SLOTS - (qw ? 1u : 0u))
        return false;
    page.buf_ioreq[wp % SLOTS] = slot;
    if (qw) {
        slot.data = (uint32_t)(data >> 32);
        page.buf_ioreq[(wp + 1) % SLOTS] = slot;
    }
    page.write_pointer = wp + (qw ? 2 : 1);
    return true;
}

/* What Xen does in ATOMIC mode once read_pointer >= 511. */
static void canonicalise(void)
{
    uint32_t n = page.read_pointer / SLOTS;

    page.read_pointer -= n * SLOTS;
    page.write_pointer -= n * SLOTS;
}

static void set_pointers(uint32_t rd, uint32_t wr)
{
    page.read_pointer = rd;
    page.write_pointer = wr;
}

static void assert_write(const ioreq_t *r, uint8_t type, unsigned size,
                         uint64_t addr, uint64_t data)
{
    assert_int_equal(r->type, type);
    assert_int_equal(r->size, size);
    assert_int_equal(r->addr, addr);
    assert_int_equal(r->data, data);
    assert_int_equal(r->dir, IOREQ_WRITE);
    assert_int_equal(r->count, 1);
    assert_int_equal(r->data_is_ptr, 0);
    assert_int_equal(r->df, 0);
    assert_int_equal(r->state, STATE_IOREQ_READY);
}

static void test_empty(void **state)
{
    struct ioreq_ring_result res;

    (void)state;
    set_pointers(42, 42);
    assert_int_equal(ioreq_ring_pending(&page), 0);
    res = ioreq_ring_drain(&page, SLOTS, record, NULL);
    assert_int_equal(res.slots, 0);
    assert_int_equal(res.requests, 0);
    assert_false(res.more);
    assert_false(res.resynced);
    assert_int_equal(nseen, 0);
    assert_int_equal(page.read_pointer, 42);
}

static void test_single_writes(void **state)
{
    struct ioreq_ring_result res;

    (void)state;
    assert_true(produce(IOREQ_TYPE_COPY, 1, 0xa0000, 0x12));
    assert_true(produce(IOREQ_TYPE_COPY, 2, 0xa1002, 0x3456));
    assert_true(produce(IOREQ_TYPE_COPY, 4, 0xbfffc, 0x789abcde));
    assert_int_equal(ioreq_ring_pending(&page), 3);
    res = ioreq_ring_drain(&page, SLOTS, record, NULL);
    assert_int_equal(res.slots, 3);
    assert_int_equal(res.requests, 3);
    assert_false(res.more);
    assert_int_equal(nseen, 3);
    assert_write(&seen[0], IOREQ_TYPE_COPY, 1, 0xa0000, 0x12);
    assert_write(&seen[1], IOREQ_TYPE_COPY, 2, 0xa1002, 0x3456);
    assert_write(&seen[2], IOREQ_TYPE_COPY, 4, 0xbfffc, 0x789abcde);
    assert_int_equal(page.read_pointer, 3);
    assert_int_equal(ioreq_ring_pending(&page), 0);
}

static void test_quad_word(void **state)
{
    struct ioreq_ring_result res;

    (void)state;
    assert_true(produce(IOREQ_TYPE_TIMEOFFSET, 8, 0, 0xfffffffffffffff0ull));
    assert_true(produce(IOREQ_TYPE_COPY, 1, 0xa0000, 0x55));
    res = ioreq_ring_drain(&page, SLOTS, record, NULL);
    assert_int_equal(res.slots, 3);
    assert_int_equal(res.requests, 2);
    assert_int_equal(res.torn, 0);
    assert_write(&seen[0], IOREQ_TYPE_TIMEOFFSET, 8, 0, 0xfffffffffffffff0ull);
    assert_write(&seen[1], IOREQ_TYPE_COPY, 1, 0xa0000, 0x55);
    assert_int_equal(page.read_pointer, 3);
}

/* Indexing is modulo 511: slot 510 is followed by slot 0. */
static void test_wrap(void **state)
{
    struct ioreq_ring_result res;

    (void)state;
    set_pointers(509, 509);
    assert_true(produce(IOREQ_TYPE_COPY, 1, 0xa0001, 0x01)); /* slot 509 */
    assert_true(produce(IOREQ_TYPE_COPY, 8, 0xa0008, 0x1122334455667788ull));
    assert_true(produce(IOREQ_TYPE_COPY, 2, 0xa0002, 0x0202)); /* slot 1 */
    assert_int_equal(page.buf_ioreq[510].data, 0x55667788);  /* low half */
    assert_int_equal(page.buf_ioreq[0].data, 0x11223344);    /* high half */
    res = ioreq_ring_drain(&page, SLOTS, record, NULL);
    assert_int_equal(res.slots, 4);
    assert_int_equal(res.requests, 3);
    assert_write(&seen[0], IOREQ_TYPE_COPY, 1, 0xa0001, 0x01);
    assert_write(&seen[1], IOREQ_TYPE_COPY, 8, 0xa0008, 0x1122334455667788ull);
    assert_write(&seen[2], IOREQ_TYPE_COPY, 2, 0xa0002, 0x0202);
    assert_int_equal(page.read_pointer, 513);
}

/* Pointers past 511 (not yet canonicalised) index the same slots. */
static void test_large_pointers(void **state)
{
    (void)state;
    set_pointers(5 * SLOTS + 510, 5 * SLOTS + 510);
    assert_true(produce(IOREQ_TYPE_COPY, 8, 0xa0000, 0xaaaaaaaabbbbbbbbull));
    assert_int_equal(ioreq_ring_drain(&page, SLOTS, record, NULL).requests, 1);
    assert_write(&seen[0], IOREQ_TYPE_COPY, 8, 0xa0000, 0xaaaaaaaabbbbbbbbull);
    assert_int_equal(page.read_pointer, 5 * SLOTS + 512);
}

/* Xen subtracts n*511 from both pointers while requests are pending. */
static void test_canonicalised_while_pending(void **state)
{
    struct ioreq_ring_result res;

    (void)state;
    set_pointers(1000, 1000);
    assert_true(produce(IOREQ_TYPE_COPY, 4, 0xa0000, 1));
    assert_true(produce(IOREQ_TYPE_TIMEOFFSET, 8, 0, 0x100000002ull));
    canonicalise();
    assert_int_equal(page.read_pointer, 1000 - SLOTS);
    assert_int_equal(page.write_pointer, 1003 - SLOTS);
    res = ioreq_ring_drain(&page, SLOTS, record, NULL);
    assert_int_equal(res.requests, 2);
    assert_write(&seen[0], IOREQ_TYPE_COPY, 4, 0xa0000, 1);
    assert_write(&seen[1], IOREQ_TYPE_TIMEOFFSET, 8, 0, 0x100000002ull);
    assert_int_equal(page.read_pointer, 1003 - SLOTS);
}

static void xen_canonicalises_during_handler(void *ctx, ioreq_t *req)
{
    record(ctx, req);
    if (nseen == 1)
        canonicalise();
}

/* read_pointer moves by exactly the slots consumed, relative to whatever
 * Xen made of it meanwhile: a plain store would undo the canonicalisation. */
static void test_read_pointer_added_not_stored(void **state)
{
    struct ioreq_ring_result res;

    (void)state;
    set_pointers(1000, 1000);
    assert_true(produce(IOREQ_TYPE_COPY, 1, 0xa0000, 1));
    assert_true(produce(IOREQ_TYPE_COPY, 1, 0xa0001, 2));
    res = ioreq_ring_drain(&page, SLOTS, xen_canonicalises_during_handler, NULL);
    assert_int_equal(res.slots, 2);
    assert_int_equal(nseen, 2);
    assert_int_equal(page.read_pointer, 1002 - SLOTS);
    assert_int_equal(page.write_pointer, 1002 - SLOTS);
    assert_int_equal(ioreq_ring_pending(&page), 0);
}

static void test_max_slots(void **state)
{
    struct ioreq_ring_result res;

    (void)state;
    for (uint64_t i = 0; i < 10; i++)
        assert_true(produce(IOREQ_TYPE_COPY, 1, 0xa0000, i));
    res = ioreq_ring_drain(&page, 4, record, NULL);
    assert_int_equal(res.slots, 4);
    assert_int_equal(res.requests, 4);
    assert_true(res.more);
    assert_int_equal(page.read_pointer, 4);
    assert_int_equal(ioreq_ring_pending(&page), 6);
    res = ioreq_ring_drain(&page, SLOTS, record, NULL);
    assert_int_equal(res.slots, 6);
    assert_false(res.more);
    assert_int_equal(nseen, 10);
    for (unsigned i = 0; i < 10; i++)
        assert_int_equal(seen[i].data, i);
}

/* A quad word is not split across calls; a budget of 1 still progresses. */
static void test_max_slots_quad_word(void **state)
{
    struct ioreq_ring_result res;

    (void)state;
    assert_true(produce(IOREQ_TYPE_COPY, 1, 0xa0000, 7));
    assert_true(produce(IOREQ_TYPE_COPY, 8, 0xa0008, 0x0123456789abcdefull));
    res = ioreq_ring_drain(&page, 2, record, NULL);
    assert_int_equal(res.slots, 1);
    assert_int_equal(res.requests, 1);
    assert_true(res.more);
    assert_int_equal(page.read_pointer, 1);
    res = ioreq_ring_drain(&page, 1, record, NULL);
    assert_int_equal(res.slots, 2);
    assert_int_equal(res.requests, 1);
    assert_false(res.more);
    assert_write(&seen[1], IOREQ_TYPE_COPY, 8, 0xa0008, 0x0123456789abcdefull);
}

/* A full ring (511 single slots, Xen's limit) drains in two bounded calls. */
static void test_full_ring(void **state)
{
    unsigned produced = 0;
    struct ioreq_ring_result res;

    (void)state;
    set_pointers(300, 300);
    while (produce(IOREQ_TYPE_COPY, 1, 0xa0000, produced))
        produced++;
    assert_int_equal(produced, SLOTS);
    assert_false(produce(IOREQ_TYPE_COPY, 8, 0xa0000, 0));
    res = ioreq_ring_drain(&page, 256, record, NULL);
    assert_int_equal(res.slots, 256);
    assert_true(res.more);
    res = ioreq_ring_drain(&page, 256, record, NULL);
    assert_int_equal(res.slots, produced - 256);
    assert_false(res.more);
    for (unsigned i = 0; i < produced; i++)
        assert_int_equal(seen[i].data, i);
}

/* A size-8 slot with nothing after it: skipped, handler not called. */
static void test_torn_quad_word(void **state)
{
    struct ioreq_ring_result res;

    (void)state;
    assert_true(produce(IOREQ_TYPE_COPY, 2, 0xa0000, 0x1111));
    page.buf_ioreq[page.write_pointer % SLOTS] =
        (buf_ioreq_t){ .type = IOREQ_TYPE_COPY, .size = 3, .addr = 0xa0010, .data = 9 };
    page.write_pointer++;
    res = ioreq_ring_drain(&page, SLOTS, record, NULL);
    assert_int_equal(res.slots, 2);
    assert_int_equal(res.requests, 1);
    assert_int_equal(res.torn, 1);
    assert_false(res.more);
    assert_int_equal(nseen, 1);
    assert_int_equal(page.read_pointer, 2);

    assert_true(produce(IOREQ_TYPE_COPY, 4, 0xa0020, 0x22222222));
    res = ioreq_ring_drain(&page, SLOTS, record, NULL);
    assert_int_equal(res.requests, 1);
    assert_int_equal(res.torn, 0);
    assert_write(&seen[1], IOREQ_TYPE_COPY, 4, 0xa0020, 0x22222222);
}

/* More than 511 apart (or read ahead of write): empty the ring. */
static void test_corrupt_pointers_resync(void **state)
{
    struct ioreq_ring_result res;

    (void)state;
    set_pointers(10, 10 + SLOTS + 1);
    assert_int_equal(ioreq_ring_pending(&page), 0);
    res = ioreq_ring_drain(&page, SLOTS, record, NULL);
    assert_true(res.resynced);
    assert_int_equal(res.requests, 0);
    assert_int_equal(nseen, 0);
    assert_int_equal(page.read_pointer, 10 + SLOTS + 1);
    assert_int_equal(page.write_pointer, 10 + SLOTS + 1);

    set_pointers(7, 3);
    res = ioreq_ring_drain(&page, SLOTS, record, NULL);
    assert_true(res.resynced);
    assert_int_equal(nseen, 0);
    assert_int_equal(page.read_pointer, 3);

    /* After a resync the ring works again. */
    assert_true(produce(IOREQ_TYPE_COPY, 1, 0xa0000, 0x77));
    res = ioreq_ring_drain(&page, SLOTS, record, NULL);
    assert_false(res.resynced);
    assert_int_equal(res.requests, 1);
    assert_write(&seen[0], IOREQ_TYPE_COPY, 1, 0xa0000, 0x77);
}

/* A full ring (511 pending) is not mistaken for corrupt pointers. */
static void test_511_pending_is_not_corrupt(void **state)
{
    (void)state;
    set_pointers(0, 0);
    for (unsigned i = 0; i < SLOTS; i++)
        assert_true(produce(IOREQ_TYPE_COPY, 1, i, 0));
    assert_int_equal(ioreq_ring_pending(&page), SLOTS);
    assert_int_equal(ioreq_ring_drain(&page, SLOTS, record, NULL).requests, SLOTS);
    assert_int_equal(seen[SLOTS - 1].addr, SLOTS - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_empty, setup),
        cmocka_unit_test_setup(test_single_writes, setup),
        cmocka_unit_test_setup(test_quad_word, setup),
        cmocka_unit_test_setup(test_wrap, setup),
        cmocka_unit_test_setup(test_large_pointers, setup),
        cmocka_unit_test_setup(test_canonicalised_while_pending, setup),
        cmocka_unit_test_setup(test_read_pointer_added_not_stored, setup),
        cmocka_unit_test_setup(test_max_slots, setup),
        cmocka_unit_test_setup(test_max_slots_quad_word, setup),
        cmocka_unit_test_setup(test_full_ring, setup),
        cmocka_unit_test_setup(test_torn_quad_word, setup),
        cmocka_unit_test_setup(test_corrupt_pointers_resync, setup),
        cmocka_unit_test_setup(test_511_pending_is_not_corrupt, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
