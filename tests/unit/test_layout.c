/* SPDX-License-Identifier: MIT */
/*
 * The Xen ABI as dmd compiles it: struct ioreq, the shared page, the
 * buffered ring (xen-ioreq-protocol.md §1.1, §1.2).  Offsets are pinned at
 * compile time in src/ioreq_abi.h, included here; bitfield positions are
 * checked at run time by setting a field and looking at the bytes.  Xen's ioreq targets are little-endian, which the
 * byte-level checks assume.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ioreq_abi.h" /* the compile-time pins, as dmd itself builds them */
#include "ioreq_ring.h"

_Static_assert(IOREQ_MAX_VCPUS == 128, "128 vCPU slots per page");
_Static_assert(sizeof(buffered_iopage_t) == 4096, "buffered page is one page");

static void skip_unless_little_endian(void)
{
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    skip();
#endif
}

static void test_ioreq_offsets(void **state)
{
    ioreq_t r;
    const uint8_t *b = (const uint8_t *)&r;

    (void)state;
    assert_int_equal(sizeof(r), 32);
    assert_ptr_equal((const uint8_t *)&r.addr, b + 0);
    assert_ptr_equal((const uint8_t *)&r.data, b + 8);
    assert_ptr_equal((const uint8_t *)&r.count, b + 16);
    assert_ptr_equal((const uint8_t *)&r.size, b + 20);
    assert_ptr_equal((const uint8_t *)&r.vp_eport, b + 24);
    assert_ptr_equal((const uint8_t *)&r.type, b + 31);
}

/* Byte 30 holds state, data_is_ptr, dir and df. */
static uint8_t flag_byte(const ioreq_t *r)
{
    return ((const uint8_t *)r)[30];
}

static void test_ioreq_flag_bits(void **state)
{
    ioreq_t r;

    (void)state;
    skip_unless_little_endian();
    memset(&r, 0, sizeof(r));
    r.state = 0xf;
    assert_int_equal(flag_byte(&r), 0x0f);
    memset(&r, 0, sizeof(r));
    r.state = STATE_IORESP_READY;
    assert_int_equal(flag_byte(&r), 0x03);
    memset(&r, 0, sizeof(r));
    r.data_is_ptr = 1;
    assert_int_equal(flag_byte(&r), 0x10);
    memset(&r, 0, sizeof(r));
    r.dir = 1;
    assert_int_equal(flag_byte(&r), 0x20);
    memset(&r, 0, sizeof(r));
    r.df = 1;
    assert_int_equal(flag_byte(&r), 0x40);
    memset(&r, 0, sizeof(r));
    r.type = 0xff; /* byte 31, not 30 */
    assert_int_equal(flag_byte(&r), 0x00);
    assert_int_equal(((const uint8_t *)&r)[31], 0xff);
}

static void test_shared_page_stride(void **state)
{
    _Alignas(4096) static uint8_t page[4096];
    ioreq_t *slots = (ioreq_t *)(void *)page;

    (void)state;
    assert_ptr_equal((uint8_t *)&slots[1], page + 32);
    assert_ptr_equal((uint8_t *)&slots[127], page + 4064);
    assert_ptr_equal((uint8_t *)&slots[127] + sizeof(ioreq_t), page + 4096);
}

/* The slot's first 32-bit word, little-endian. */
static uint32_t slot_header(const buf_ioreq_t *s)
{
    const uint8_t *b = (const uint8_t *)s;

    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

static void test_buf_ioreq_bits(void **state)
{
    buf_ioreq_t s;

    (void)state;
    skip_unless_little_endian();
    memset(&s, 0, sizeof(s));
    s.type = 0xa5;
    assert_int_equal(slot_header(&s), 0xa5);
    memset(&s, 0, sizeof(s));
    s.pad = 1;
    assert_int_equal(slot_header(&s), 1u << 8);
    memset(&s, 0, sizeof(s));
    s.dir = 1;
    assert_int_equal(slot_header(&s), 1u << 9);
    memset(&s, 0, sizeof(s));
    s.size = 3;
    assert_int_equal(slot_header(&s), 3u << 10);
    memset(&s, 0, sizeof(s));
    s.addr = 0xfffff;
    assert_int_equal(slot_header(&s), 0xfffffu << 12);
    memset(&s, 0, sizeof(s));
    s.data = 0x11223344;
    assert_int_equal(slot_header(&s), 0);
    assert_memory_equal((const uint8_t *)&s + 4, "\x44\x33\x22\x11", 4);
}

static void test_buffered_page_offsets(void **state)
{
    _Alignas(4096) static buffered_iopage_t pg;
    const uint8_t *b = (const uint8_t *)&pg;

    (void)state;
    assert_int_equal(sizeof(pg), 4096);
    assert_ptr_equal((const uint8_t *)&pg.read_pointer, b);
    assert_ptr_equal((const uint8_t *)&pg.write_pointer, b + 4);
    assert_ptr_equal((const uint8_t *)&pg.buf_ioreq[0], b + 8);
    assert_ptr_equal((const uint8_t *)&pg.buf_ioreq[510], b + 8 + 510 * 8);
}

static ioreq_t last_req;

static void record(void *ctx, ioreq_t *req)
{
    (void)ctx;
    last_req = *req;
}

/* The decoder agrees with the header's bitfields for extreme values. */
static void test_decoder_matches_bitfields(void **state)
{
    _Alignas(4096) static buffered_iopage_t pg;
    struct ioreq_ring_result res;

    (void)state;
    memset(&pg, 0, sizeof(pg));
    pg.buf_ioreq[0] = (buf_ioreq_t){ .type = 0xfe, .pad = 1, .dir = 1, .size = 2,
                                     .addr = 0xabcde, .data = 0xdeadbeef };
    pg.write_pointer = 1;
    res = ioreq_ring_drain(&pg, 511, record, NULL);
    assert_int_equal(res.requests, 1);
    assert_int_equal(last_req.type, 0xfe);
    assert_int_equal(last_req.dir, 1);
    assert_int_equal(last_req.size, 4);
    assert_int_equal(last_req.addr, 0xabcde);
    assert_int_equal(last_req.data, 0xdeadbeef);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ioreq_offsets),
        cmocka_unit_test(test_ioreq_flag_bits),
        cmocka_unit_test(test_shared_page_stride),
        cmocka_unit_test(test_buf_ioreq_bits),
        cmocka_unit_test(test_buffered_page_offsets),
        cmocka_unit_test(test_decoder_matches_bitfields),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
