/* SPDX-License-Identifier: MIT */
/*
 * The request router: region tables and iospace_dispatch() with fake
 * devices (recording every access) and a fake guest RAM (a byte array at a
 * base address; anything outside it is -EFAULT).
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "iospace.h"
#include "log.h"

/* ---- fake devices -------------------------------------------------------- */

#define LOG_MAX 8192

struct access {
    bool is_write;
    uint64_t offset;
    unsigned size;
    uint64_t value;
};

struct fake_dev {
    uint8_t regs[256]; /* what reads return, little-endian */
    bool counter;      /* reads return 1, 2, 3, ... instead */
    uint64_t next;
    struct access log[LOG_MAX];
    unsigned n; /* accesses seen (may exceed LOG_MAX) */
};

static struct fake_dev dev_a, dev_b;

static void dev_record(struct fake_dev *d, bool is_write, uint64_t offset,
                       unsigned size, uint64_t value)
{
    if (d->n < LOG_MAX)
        d->log[d->n] = (struct access){ is_write, offset, size, value };
    d->n++;
}

/* Returns junk above `size` bytes: the router must mask it. */
static uint64_t dev_read(void *opaque, uint64_t offset, unsigned size)
{
    struct fake_dev *d = opaque;
    uint64_t v = 0;

    if (d->counter) {
        v = ++d->next;
    } else {
        for (unsigned i = 0; i < size && offset + i < sizeof(d->regs); i++)
            v |= (uint64_t)d->regs[offset + i] << (8 * i);
    }
    dev_record(d, false, offset, size, v);
    return size < 8 ? v | (UINT64_C(0xdead) << (8 * size)) : v;
}

static void dev_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    dev_record(opaque, true, offset, size, value);
}

static const struct region_ops dev_ops = { .read = dev_read, .write = dev_write };

static void assert_access(const struct fake_dev *d, unsigned i, bool is_write,
                          uint64_t offset, unsigned size, uint64_t value)
{
    assert_true(i < d->n);
    assert_int_equal(d->log[i].is_write, is_write);
    assert_int_equal(d->log[i].offset, offset);
    assert_int_equal(d->log[i].size, size);
    if (is_write)
        assert_int_equal(d->log[i].value, value);
}

/* ---- fake guest memory --------------------------------------------------- */

#define MEM_BASE 0x100000u
#define MEM_SIZE (3 * 4096u)

static struct fake_mem {
    uint8_t bytes[MEM_SIZE];
    unsigned reads, writes, done, crossings;
} mem;

static int mem_check(uint64_t gpa, size_t len)
{
    if (gpa < MEM_BASE || gpa - MEM_BASE > MEM_SIZE || len > MEM_SIZE - (gpa - MEM_BASE))
        return -EFAULT;
    if (gpa / 4096 != (gpa + len - 1) / 4096)
        mem.crossings++;
    return 0;
}

static int mem_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    int rc = mem_check(gpa, len);

    assert_ptr_equal(ctx, &mem);
    if (rc == 0) {
        memcpy(buf, &mem.bytes[gpa - MEM_BASE], len);
        mem.reads++;
    }
    return rc;
}

static int mem_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
    int rc = mem_check(gpa, len);

    assert_ptr_equal(ctx, &mem);
    if (rc == 0) {
        memcpy(&mem.bytes[gpa - MEM_BASE], buf, len);
        mem.writes++;
    }
    return rc;
}

static void mem_done(void *ctx)
{
    assert_ptr_equal(ctx, &mem);
    mem.done++;
}

static const struct guest_mem_ops mem_ops = {
    .read = mem_read, .write = mem_write, .done = mem_done,
};

/* Guest RAM that covers all 2^64 addresses, reading zeros: for wrap tests. */
static unsigned any_reads, any_writes;

static int any_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    (void)ctx;
    (void)gpa;
    memset(buf, 0, len);
    any_reads++;
    return 0;
}

static int any_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
    (void)ctx;
    (void)gpa;
    (void)buf;
    (void)len;
    any_writes++;
    return 0;
}

static const struct guest_mem_ops any_ops = { .read = any_read, .write = any_write };

/* The same RAM offering spans (mapped runs within one page), as dmd's
 * guest memory does; span_refused names a page it will not give (its
 * elements must then go the copying way, with the same result). */
static unsigned spans;
static uint64_t span_refused = UINT64_MAX;

static uint8_t *mem_span(void *ctx, uint64_t gpa, size_t len, bool writable)
{
    (void)writable;
    assert_ptr_equal(ctx, &mem);
    assert_true(len > 0 && gpa / 4096 == (gpa + len - 1) / 4096); /* one page */
    if (gpa / 4096 == span_refused / 4096 || mem_check(gpa, len) != 0)
        return NULL;
    spans++;
    return &mem.bytes[gpa - MEM_BASE];
}

static const struct guest_mem_ops span_ops = {
    .read = mem_read, .write = mem_write, .span = mem_span, .done = mem_done,
};

/* ---- helpers ------------------------------------------------------------- */

static struct iospace *sp;

static int setup(void **state)
{
    (void)state;
    memset(&dev_a, 0, sizeof(dev_a));
    memset(&dev_b, 0, sizeof(dev_b));
    memset(&mem, 0, sizeof(mem));
    any_reads = any_writes = 0;
    sp = iospace_new();
    return sp == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    iospace_free(sp);
    return 0;
}

static struct iospace_region region(uint64_t base, uint64_t size, struct fake_dev *d,
                                    unsigned max_access, enum access_wide wide)
{
    return (struct iospace_region){ .base = base, .size = size, .ops = &dev_ops,
                                    .opaque = d, .name = "fake", .max_access = max_access,
                                    .wide = wide };
}

static void add(enum iospace_kind kind, uint64_t base, uint64_t size, struct fake_dev *d,
                unsigned max_access, enum access_wide wide)
{
    struct iospace_region r = region(base, size, d, max_access, wide);

    assert_int_equal(iospace_add(sp, kind, &r), 0);
}

static int try_add(enum iospace_kind kind, uint64_t base, uint64_t size)
{
    struct iospace_region r = region(base, size, &dev_b, 4, ACCESS_SPLIT);

    return iospace_add(sp, kind, &r);
}

/* A single access (count 1, data_is_ptr 0). */
static ioreq_t req_value(uint8_t type, unsigned dir, uint64_t addr, unsigned size,
                         uint64_t data)
{
    return (ioreq_t){ .addr = addr, .data = data, .count = 1, .size = size,
                      .state = STATE_IOREQ_READY, .dir = dir & 1u, .type = type };
}

/* A rep request whose data is a guest buffer. */
static ioreq_t req_ptr(uint8_t type, unsigned dir, uint64_t addr, unsigned size,
                       uint64_t gpa, uint32_t count, bool df)
{
    ioreq_t r = req_value(type, dir, addr, size, gpa);

    r.data_is_ptr = 1;
    r.count = count;
    r.df = df;
    return r;
}

static uint64_t read_value(uint8_t type, uint64_t addr, unsigned size)
{
    ioreq_t r = req_value(type, IOREQ_READ, addr, size, 0x5a5a5a5a);

    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.count, 1);
    return r.data;
}

static void write_value(uint8_t type, uint64_t addr, unsigned size, uint64_t value)
{
    ioreq_t r = req_value(type, IOREQ_WRITE, addr, size, value);

    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.count, 1);
}

static uint64_t gpa_of(unsigned off)
{
    return MEM_BASE + off;
}

/* ---- tables -------------------------------------------------------------- */

static void test_add_lookup_edges(void **state)
{
    const struct iospace_region *r;

    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 1, ACCESS_SPLIT);
    assert_null(iospace_lookup(sp, IOSPACE_PORT, 0x3f7));
    r = iospace_lookup(sp, IOSPACE_PORT, 0x3f8);
    assert_non_null(r);
    assert_int_equal(r->base, 0x3f8);
    assert_ptr_equal(r->opaque, &dev_a);
    assert_ptr_equal(iospace_lookup(sp, IOSPACE_PORT, 0x3ff), r);
    assert_null(iospace_lookup(sp, IOSPACE_PORT, 0x400));
    /* Spaces are separate. */
    assert_null(iospace_lookup(sp, IOSPACE_MMIO, 0x3f8));
    assert_int_equal(try_add(IOSPACE_MMIO, 0x3f8, 8), 0);
    /* A region may end at the very top of the address space. */
    assert_int_equal(try_add(IOSPACE_MMIO, UINT64_MAX - 15, 16), 0);
    assert_non_null(iospace_lookup(sp, IOSPACE_MMIO, UINT64_MAX));
    assert_null(iospace_lookup(sp, IOSPACE_MMIO, UINT64_MAX - 16));
    assert_int_equal(iospace_count(sp, IOSPACE_PORT), 1);
    assert_int_equal(iospace_count(sp, IOSPACE_MMIO), 2);
    assert_int_equal(iospace_count(sp, IOSPACE_PCI), 0);
}

static void test_add_refusals(void **state)
{
    struct iospace_region r = region(0x1000, 16, &dev_a, 3, ACCESS_SPLIT);

    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 1, ACCESS_SPLIT);
    assert_int_equal(try_add(IOSPACE_PORT, 0x3f0, 9), -EEXIST);   /* tail overlaps */
    assert_int_equal(try_add(IOSPACE_PORT, 0x3ff, 2), -EEXIST);   /* head overlaps */
    assert_int_equal(try_add(IOSPACE_PORT, 0x3fa, 1), -EEXIST);   /* inside */
    assert_int_equal(try_add(IOSPACE_PORT, 0x300, 0x200), -EEXIST); /* covers */
    assert_int_equal(try_add(IOSPACE_PORT, 0x3f8, 8), -EEXIST);   /* same */
    assert_int_equal(try_add(IOSPACE_PORT, 0x3f0, 8), 0);          /* adjacent below */
    assert_int_equal(try_add(IOSPACE_PORT, 0x400, 8), 0);          /* adjacent above */
    assert_int_equal(try_add(IOSPACE_PORT, 0x500, 0), -EINVAL);   /* empty */
    assert_int_equal(try_add(IOSPACE_MMIO, UINT64_MAX, 2), -EINVAL); /* wraps */
    assert_int_equal(iospace_add(sp, IOSPACE_MMIO, &r), -EINVAL);   /* max_access 3 */
    r.max_access = 0;
    assert_int_equal(iospace_add(sp, IOSPACE_MMIO, &r), -EINVAL);
    r.max_access = 16;
    assert_int_equal(iospace_add(sp, IOSPACE_MMIO, &r), -EINVAL);
    r.max_access = 8;
    assert_int_equal(iospace_add(sp, IOSPACE_MMIO, &r), 0);
    assert_int_equal(iospace_count(sp, IOSPACE_PORT), 3);
    assert_int_equal(iospace_count(sp, IOSPACE_MMIO), 1);
}

static void test_remove(void **state)
{
    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 1, ACCESS_SPLIT);
    add(IOSPACE_PORT, 0x2f8, 8, &dev_b, 1, ACCESS_SPLIT);
    assert_int_equal(iospace_remove(sp, IOSPACE_PORT, 0x3f9), -ENOENT);
    assert_int_equal(iospace_remove(sp, IOSPACE_MMIO, 0x3f8), -ENOENT);
    assert_int_equal(iospace_remove(sp, IOSPACE_PORT, 0x3f8), 0);
    assert_null(iospace_lookup(sp, IOSPACE_PORT, 0x3f8));
    assert_non_null(iospace_lookup(sp, IOSPACE_PORT, 0x2f8));
    assert_int_equal(iospace_count(sp, IOSPACE_PORT), 1);
    assert_int_equal(iospace_remove(sp, IOSPACE_PORT, 0x3f8), -ENOENT);
    /* The freed range can be claimed again. */
    assert_int_equal(try_add(IOSPACE_PORT, 0x3f8, 8), 0);
}

/* The route cache never outlives a change of the table: a removed region
 * is unclaimed at once, a region that shifted in the table (an insert
 * before it) is still found, two regions in the same bucket both route. */
static void test_route_cache_follows_changes(void **state)
{
    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 1, ACCESS_SPLIT);
    write_value(IOREQ_TYPE_PIO, 0x3f8, 1, 1); /* cached */
    assert_int_equal(iospace_remove(sp, IOSPACE_PORT, 0x3f8), 0);
    write_value(IOREQ_TYPE_PIO, 0x3f8, 1, 2);
    assert_int_equal(dev_a.n, 1);

    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 1, ACCESS_SPLIT);
    write_value(IOREQ_TYPE_PIO, 0x3f8, 1, 3);
    add(IOSPACE_PORT, 0x100, 8, &dev_b, 1, ACCESS_SPLIT); /* lands before it */
    write_value(IOREQ_TYPE_PIO, 0x3f8, 1, 4);
    assert_int_equal(dev_a.n, 3);
    assert_access(&dev_a, 2, true, 0, 1, 4);
    assert_int_equal(dev_b.n, 0);

    /* 0x3f8 and 0x5f8 share a bucket (8-port buckets, 64 of them). */
    add(IOSPACE_PORT, 0x5f8, 8, &dev_b, 1, ACCESS_SPLIT);
    for (unsigned i = 0; i < 4; i++) {
        write_value(IOREQ_TYPE_PIO, 0x3f8, 1, 0x10 + i);
        write_value(IOREQ_TYPE_PIO, 0x5f9, 1, 0x20 + i);
    }
    assert_int_equal(dev_a.n, 7);
    assert_access(&dev_a, 6, true, 0, 1, 0x13);
    assert_int_equal(dev_b.n, 4);
    assert_access(&dev_b, 3, true, 1, 1, 0x23);
}

static void test_enospc(void **state)
{
    (void)state;
    /* Inserted from the top down so every add shifts the table. */
    for (unsigned i = 256; i-- > 0;)
        assert_int_equal(try_add(IOSPACE_MMIO, 0x10000 + 0x100 * (uint64_t)i, 0x10), 0);
    assert_int_equal(iospace_count(sp, IOSPACE_MMIO), 256);
    assert_int_equal(try_add(IOSPACE_MMIO, 0x90000, 0x10), -ENOSPC);
    assert_int_equal(try_add(IOSPACE_PORT, 0x90000, 0x10), 0); /* per space */
    for (unsigned i = 0; i < 256; i++) {
        uint64_t base = 0x10000 + 0x100 * (uint64_t)i;
        const struct iospace_region *r = iospace_lookup(sp, IOSPACE_MMIO, base + 0xf);

        assert_non_null(r);
        assert_int_equal(r->base, base);
        assert_null(iospace_lookup(sp, IOSPACE_MMIO, base + 0x10));
    }
    assert_int_equal(iospace_remove(sp, IOSPACE_MMIO, 0x10000 + 0x100 * 17), 0);
    assert_int_equal(try_add(IOSPACE_MMIO, 0x90000, 0x10), 0);
}

/* ---- single accesses ----------------------------------------------------- */

static void test_pio_routing(void **state)
{
    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 1, ACCESS_SPLIT);
    add(IOSPACE_PORT, 0x2f8, 8, &dev_b, 1, ACCESS_SPLIT);
    dev_b.regs[5] = 0x60;

    write_value(IOREQ_TYPE_PIO, 0x3fb, 1, 0x83);
    assert_int_equal(dev_a.n, 1);
    assert_access(&dev_a, 0, true, 3, 1, 0x83);
    assert_int_equal(dev_b.n, 0);

    assert_int_equal(read_value(IOREQ_TYPE_PIO, 0x2fd, 1), 0x60); /* junk masked */
    assert_int_equal(dev_b.n, 1);
    assert_access(&dev_b, 0, false, 5, 1, 0);
    assert_int_equal(dev_a.n, 1);
    assert_int_equal(mem.done, 0); /* guest memory not involved */
}

static void test_write_value_masked(void **state)
{
    (void)state;
    add(IOSPACE_MMIO, 0x9000000, 0x100, &dev_a, 8, ACCESS_SPLIT);
    write_value(IOREQ_TYPE_COPY, 0x9000010, 2, 0xffffffff12345678ull);
    assert_access(&dev_a, 0, true, 0x10, 2, 0x5678);
    write_value(IOREQ_TYPE_COPY, 0x9000018, 8, 0xffffffff12345678ull);
    assert_access(&dev_a, 1, true, 0x18, 8, 0xffffffff12345678ull);
}

static void test_unclaimed(void **state)
{
    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 4, ACCESS_SPLIT);
    add(IOSPACE_MMIO, 0x9000000, 0x100, &dev_a, 8, ACCESS_SPLIT);
    assert_int_equal(read_value(IOREQ_TYPE_PIO, 0x80, 1), 0xff);
    assert_int_equal(read_value(IOREQ_TYPE_PIO, 0x80, 2), 0xffff);
    assert_int_equal(read_value(IOREQ_TYPE_PIO, 0x80, 4), 0xffffffff);
    assert_int_equal(read_value(IOREQ_TYPE_COPY, 0xfee00000, 1), 0xff);
    assert_int_equal(read_value(IOREQ_TYPE_COPY, 0xfee00000, 2), 0xffff);
    assert_int_equal(read_value(IOREQ_TYPE_COPY, 0xfee00000, 4), 0xffffffff);
    assert_int_equal(read_value(IOREQ_TYPE_COPY, 0xfee00000, 8), UINT64_MAX);
    write_value(IOREQ_TYPE_PIO, 0x80, 1, 0x12);
    write_value(IOREQ_TYPE_COPY, 0xfee00000, 4, 0x12);
    assert_int_equal(dev_a.n, 0);
}

static void test_straddling_region_end(void **state)
{
    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 4, ACCESS_SPLIT);
    add(IOSPACE_PORT, 0x400, 8, &dev_b, 4, ACCESS_SPLIT);
    assert_int_equal(read_value(IOREQ_TYPE_PIO, 0x3ff, 2), 0xffff);  /* end */
    assert_int_equal(read_value(IOREQ_TYPE_PIO, 0x3f6, 4), 0xffffffff); /* start */
    write_value(IOREQ_TYPE_PIO, 0x3fe, 4, 0x11223344);   /* into the neighbour */
    assert_int_equal(dev_a.n, 0);
    assert_int_equal(dev_b.n, 0);
    /* The last bytes that do fit are routed. */
    assert_int_equal(read_value(IOREQ_TYPE_PIO, 0x3fc, 4), 0);
    assert_access(&dev_a, 0, false, 4, 4, 0);
}

static void test_top_of_address_space(void **state)
{
    (void)state;
    add(IOSPACE_MMIO, UINT64_MAX - 7, 8, &dev_a, 8, ACCESS_SPLIT);
    dev_a.regs[7] = 0x77;
    assert_int_equal(read_value(IOREQ_TYPE_COPY, UINT64_MAX, 1), 0x77);
    /* [2^64 - 1, 2^64 + 1) wraps: unclaimed. */
    assert_int_equal(read_value(IOREQ_TYPE_COPY, UINT64_MAX, 2), 0xffff);
    assert_int_equal(dev_a.n, 1);
}

static void test_split(void **state)
{
    (void)state;
    add(IOSPACE_MMIO, 0x9000000, 0x100, &dev_a, 1, ACCESS_SPLIT);
    add(IOSPACE_MMIO, 0xa000000, 0x100, &dev_b, 2, ACCESS_SPLIT);
    memcpy(&dev_a.regs[4], "\x11\x22\x33\x44", 4);

    write_value(IOREQ_TYPE_COPY, 0x9000004, 4, 0xd4c3b2a1);
    assert_int_equal(dev_a.n, 4);
    assert_access(&dev_a, 0, true, 4, 1, 0xa1);
    assert_access(&dev_a, 1, true, 5, 1, 0xb2);
    assert_access(&dev_a, 2, true, 6, 1, 0xc3);
    assert_access(&dev_a, 3, true, 7, 1, 0xd4);

    assert_int_equal(read_value(IOREQ_TYPE_COPY, 0x9000004, 4), 0x44332211);
    assert_int_equal(dev_a.n, 8);
    for (unsigned k = 0; k < 4; k++)
        assert_access(&dev_a, 4 + k, false, 4 + k, 1, 0);

    write_value(IOREQ_TYPE_COPY, 0xa000008, 8, 0x8877665544332211ull);
    assert_int_equal(dev_b.n, 4);
    assert_access(&dev_b, 0, true, 8, 2, 0x2211);
    assert_access(&dev_b, 1, true, 10, 2, 0x4433);
    assert_access(&dev_b, 2, true, 12, 2, 0x6655);
    assert_access(&dev_b, 3, true, 14, 2, 0x8877);
}

static void test_reject(void **state)
{
    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 1, ACCESS_REJECT);
    dev_a.regs[0] = 0x42;
    assert_int_equal(read_value(IOREQ_TYPE_PIO, 0x3f8, 2), 0xffff);
    assert_int_equal(read_value(IOREQ_TYPE_PIO, 0x3f8, 4), 0xffffffff);
    write_value(IOREQ_TYPE_PIO, 0x3f8, 2, 0x1234);
    assert_int_equal(dev_a.n, 0);
    assert_int_equal(read_value(IOREQ_TYPE_PIO, 0x3f8, 1), 0x42);
    assert_int_equal(dev_a.n, 1);
}

static void test_bad_sizes(void **state)
{
    ioreq_t r;

    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 8, ACCESS_SPLIT);
    add(IOSPACE_MMIO, 0x9000000, 0x100, &dev_a, 8, ACCESS_SPLIT);
    add(IOSPACE_PCI, (uint64_t)0x28 << 32, 0x100, &dev_a, 4, ACCESS_SPLIT);

    assert_int_equal(read_value(IOREQ_TYPE_PIO, 0x3f8, 8), UINT64_MAX);
    assert_int_equal(read_value(IOREQ_TYPE_COPY, 0x9000000, 3), UINT64_MAX);
    assert_int_equal(read_value(IOREQ_TYPE_COPY, 0x9000000, 16), UINT64_MAX);
    assert_int_equal(read_value(IOREQ_TYPE_COPY, 0x9000000, 0), UINT64_MAX);
    assert_int_equal(read_value(IOREQ_TYPE_PCI_CONFIG, (uint64_t)0x28 << 32, 8),
                     UINT64_MAX);
    write_value(IOREQ_TYPE_PIO, 0x3f8, 8, 1);
    write_value(IOREQ_TYPE_COPY, 0x9000000, 3, 1);
    write_value(IOREQ_TYPE_COPY, 0x9000000, 16, 1);
    write_value(IOREQ_TYPE_COPY, 0x9000000, 0xffffffff, 1);
    assert_int_equal(dev_a.n, 0);

    /* A pointer request of a bad size touches neither guest nor device. */
    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_READ, 0x3f8, 8, gpa_of(0), 4, false);
    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.data, gpa_of(0));
    assert_int_equal(mem.writes + mem.reads, 0);
    assert_int_equal(dev_a.n, 0);
}

static void test_pci_config(void **state)
{
    uint64_t dev5 = (uint64_t)(0 << 8 | 5 << 3 | 0) << 32; /* 00:05.0 */
    uint64_t dev6 = (uint64_t)(0 << 8 | 6 << 3 | 0) << 32; /* 00:06.0 */
    uint64_t dev5_fn1 = dev5 | (uint64_t)1 << 32;

    (void)state;
    add(IOSPACE_PCI, dev5, 0x100, &dev_a, 4, ACCESS_SPLIT);
    add(IOSPACE_PCI, dev6, 0x100, &dev_b, 4, ACCESS_SPLIT);
    memcpy(&dev_a.regs[0x10], "\x01\xc0\x00\x00", 4);

    assert_int_equal(read_value(IOREQ_TYPE_PCI_CONFIG, dev5 | 0x10, 4), 0xc001);
    assert_access(&dev_a, 0, false, 0x10, 4, 0);
    write_value(IOREQ_TYPE_PCI_CONFIG, dev6 | 0x3c, 1, 0x0b);
    assert_access(&dev_b, 0, true, 0x3c, 1, 0x0b);
    assert_int_equal(read_value(IOREQ_TYPE_PCI_CONFIG, dev5_fn1, 2), 0xffff);
    assert_int_equal(dev_a.n, 1);
    assert_int_equal(dev_b.n, 1);
    /* The same register as a port or MMIO address reaches nobody. */
    assert_int_equal(read_value(IOREQ_TYPE_PIO, 0x10, 4), 0xffffffff);
    assert_int_equal(dev_a.n, 1);
}

static void test_other_types_untouched(void **state)
{
    static const uint8_t types[] = { IOREQ_TYPE_TIMEOFFSET, IOREQ_TYPE_INVALIDATE, 3, 0xff };

    (void)state;
    add(IOSPACE_PORT, 0, 0x10000, &dev_a, 4, ACCESS_SPLIT);
    for (size_t i = 0; i < sizeof(types); i++) {
        ioreq_t r = req_ptr(types[i], IOREQ_READ, 0x10, 4, gpa_of(0), 7, false);
        ioreq_t before = r;

        iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
        assert_memory_equal(&r, &before, sizeof(r));
    }
    assert_int_equal(dev_a.n, 0);
    assert_int_equal(mem.done, 0);
}

/* ---- rep / data_is_ptr / df ---------------------------------------------- */

static void test_rep_outs(void **state)
{
    ioreq_t r;

    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 1, ACCESS_SPLIT);
    memcpy(&mem.bytes[0x100], "Hello", 5);

    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f8, 1, gpa_of(0x100), 5, false);
    iospace_dispatch(sp, &r, 1, &mem_ops, &mem);
    assert_int_equal(r.count, 5);
    assert_int_equal(r.data, gpa_of(0x100)); /* still the guest address */
    assert_int_equal(dev_a.n, 5);
    for (unsigned i = 0; i < 5; i++)
        assert_access(&dev_a, i, true, 0, 1, (uint8_t)"Hello"[i]); /* port fixed */
    assert_int_equal(mem.done, 1);
}

static void test_rep_outs_df(void **state)
{
    ioreq_t r;

    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 2, ACCESS_SPLIT);
    memcpy(&mem.bytes[0x100], "\x01\x10\x02\x20\x03\x30", 6);

    /* std; rep outsw: starts at the highest element and walks down. */
    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3fa, 2, gpa_of(0x104), 3, true);
    iospace_dispatch(sp, &r, 1, &mem_ops, &mem);
    assert_int_equal(r.count, 3);
    assert_int_equal(dev_a.n, 3);
    assert_access(&dev_a, 0, true, 2, 2, 0x3003);
    assert_access(&dev_a, 1, true, 2, 2, 0x2002);
    assert_access(&dev_a, 2, true, 2, 2, 0x1001);
    assert_int_equal(mem.done, 1);
}

static void test_rep_ins(void **state)
{
    ioreq_t r;

    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 2, ACCESS_SPLIT);
    dev_a.counter = true;

    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_READ, 0x3f8, 2, gpa_of(0x200), 3, false);
    iospace_dispatch(sp, &r, 1, &mem_ops, &mem);
    assert_int_equal(r.count, 3);
    assert_int_equal(r.data, gpa_of(0x200));
    /* Values 1, 2, 3 little-endian, junk above 16 bits not copied. */
    assert_memory_equal(&mem.bytes[0x200], "\x01\x00\x02\x00\x03\x00\x00", 7);
    assert_int_equal(mem.done, 1);

    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_READ, 0x3f8, 2, gpa_of(0x304), 3, true);
    iospace_dispatch(sp, &r, 1, &mem_ops, &mem);
    assert_int_equal(r.count, 3);
    assert_memory_equal(&mem.bytes[0x300], "\x06\x00\x05\x00\x04\x00", 6);
    assert_int_equal(mem.bytes[0x306], 0);
    assert_int_equal(mem.done, 2);
}

/* A guest buffer that crosses a 4 KiB page is handed to mem as one range. */
static void test_rep_buffer_crosses_page(void **state)
{
    ioreq_t r;

    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 4, ACCESS_SPLIT);
    memcpy(&mem.bytes[0x1000 - 6], "\xa1\xa2\xa3\xa4\xb1\xb2\xb3\xb4\xc1\xc2\xc3\xc4", 12);

    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f8, 4, gpa_of(0x1000 - 6), 3, false);
    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.count, 3);
    assert_int_equal(mem.crossings, 1);
    assert_access(&dev_a, 0, true, 0, 4, 0xa4a3a2a1);
    assert_access(&dev_a, 1, true, 0, 4, 0xb4b3b2b1);
    assert_access(&dev_a, 2, true, 0, 4, 0xc4c3c2c1);
}

/* rep movs between RAM and MMIO: the device address steps too. */
static void test_mmio_rep_steps_device_address(void **state)
{
    ioreq_t r;

    (void)state;
    add(IOSPACE_MMIO, 0x9000000, 0x100, &dev_a, 4, ACCESS_SPLIT);
    memcpy(&mem.bytes[0x400], "\x00\x00\x00\xa0\x00\x00\x00\xb0", 8);

    r = req_ptr(IOREQ_TYPE_COPY, IOREQ_WRITE, 0x9000010, 4, gpa_of(0x400), 2, false);
    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.count, 2);
    assert_access(&dev_a, 0, true, 0x10, 4, 0xa0000000);
    assert_access(&dev_a, 1, true, 0x14, 4, 0xb0000000);

    memcpy(&dev_a.regs[0x20], "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    r = req_ptr(IOREQ_TYPE_COPY, IOREQ_READ, 0x9000024, 4, gpa_of(0x504), 2, true);
    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.count, 2);
    assert_access(&dev_a, 2, false, 0x24, 4, 0);
    assert_access(&dev_a, 3, false, 0x20, 4, 0);
    assert_memory_equal(&mem.bytes[0x500], "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    assert_int_equal(mem.done, 2);
}

/*
 * The span path (elements straight to and from a mapped page) does what
 * the copying path does, element for element: rep ins and outs up and
 * down, across pages, with elements straddling a page, stepping MMIO
 * addresses, running off the end of RAM, and a page the span refuses.
 */
struct rep_case {
    uint8_t type, dir;
    uint64_t addr;
    unsigned size;
    uint64_t gpa_off; /* from MEM_BASE; may run past the end */
    uint32_t count;
    bool df;
    uint64_t refuse_off; /* page not given as a span (UINT64_MAX: none) */
};

struct rep_result {
    uint32_t count;
    unsigned n;
    struct access log[64];
    uint8_t bytes[MEM_SIZE];
};

static void run_rep(const struct rep_case *c, const struct guest_mem_ops *ops,
                    struct rep_result *out)
{
    ioreq_t r;

    memset(&dev_a, 0, sizeof(dev_a));
    memset(&mem, 0, sizeof(mem));
    for (unsigned i = 0; i < MEM_SIZE; i++)
        mem.bytes[i] = (uint8_t)(i * 7 + 3);
    dev_a.counter = true;
    span_refused = c->refuse_off == UINT64_MAX ? UINT64_MAX : MEM_BASE + c->refuse_off;
    r = req_ptr(c->type, c->dir, c->addr, c->size, MEM_BASE + c->gpa_off, c->count, c->df);
    iospace_dispatch(sp, &r, 0, ops, &mem);
    out->count = r.count;
    out->n = dev_a.n;
    assert_true(dev_a.n <= 64);
    memcpy(out->log, dev_a.log, sizeof(out->log[0]) * dev_a.n);
    memcpy(out->bytes, mem.bytes, MEM_SIZE);
    assert_int_equal(mem.done, 1);
}

static void test_rep_spans_match_copies(void **state)
{
    static const struct rep_case cases[] = {
        /* outsb up across a page, then down across one */
        { IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f8, 1, 0x1000 - 5, 12, false, UINT64_MAX },
        { IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f8, 1, 0x1003, 12, true, UINT64_MAX },
        /* outsw with an element straddling the page, up and down */
        { IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3fa, 2, 0x1000 - 5, 8, false, UINT64_MAX },
        { IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3fa, 2, 0x1003, 8, true, UINT64_MAX },
        /* insl and insw, straddling, up and down */
        { IOREQ_TYPE_PIO, IOREQ_READ, 0x3fc, 4, 0x2000 - 6, 6, false, UINT64_MAX },
        { IOREQ_TYPE_PIO, IOREQ_READ, 0x3f8, 2, 0x2001, 9, true, UINT64_MAX },
        /* rep movs to and from MMIO: the device address steps */
        { IOREQ_TYPE_COPY, IOREQ_WRITE, 0x9000010, 4, 0x1000 - 8, 6, false, UINT64_MAX },
        { IOREQ_TYPE_COPY, IOREQ_READ, 0x9000040, 4, 0x1004, 6, true, UINT64_MAX },
        /* off the end of RAM midway: the same elements done, count lowered */
        { IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f8, 1, MEM_SIZE - 3, 8, false, UINT64_MAX },
        { IOREQ_TYPE_PIO, IOREQ_READ, 0x3f8, 2, MEM_SIZE - 3, 8, false, UINT64_MAX },
        /* a page the span will not give: copied instead */
        { IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f8, 1, 0x1000 - 4, 10, false, 0x1000 },
        { IOREQ_TYPE_PIO, IOREQ_READ, 0x3f8, 1, 0x1000 - 4, 10, false, 0x0 },
    };
    static struct rep_result copied, spanned;

    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 4, ACCESS_SPLIT);
    add(IOSPACE_MMIO, 0x9000000, 0x100, &dev_a, 4, ACCESS_SPLIT);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        spans = 0;
        run_rep(&cases[i], &mem_ops, &copied);
        run_rep(&cases[i], &span_ops, &spanned);
        assert_int_equal(spanned.count, copied.count);
        assert_int_equal(spanned.n, copied.n);
        for (unsigned k = 0; k < copied.n; k++) {
            assert_int_equal(spanned.log[k].is_write, copied.log[k].is_write);
            assert_int_equal(spanned.log[k].offset, copied.log[k].offset);
            assert_int_equal(spanned.log[k].size, copied.log[k].size);
            assert_int_equal(spanned.log[k].value, copied.log[k].value);
        }
        assert_memory_equal(spanned.bytes, copied.bytes, MEM_SIZE);
        assert_true(spans > 0); /* the span path was taken */
    }
    span_refused = UINT64_MAX;
}

/* A 4096-byte rep outsb in one page: one span, 4096 device writes. */
static void test_rep_span_whole_page(void **state)
{
    ioreq_t r;

    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 1, ACCESS_SPLIT);
    for (unsigned i = 0; i < 4096; i++)
        mem.bytes[0x1000 + i] = (uint8_t)i;
    spans = 0;
    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f8, 1, gpa_of(0x1000), 4096, false);
    iospace_dispatch(sp, &r, 0, &span_ops, &mem);
    assert_int_equal(r.count, 4096);
    assert_int_equal(spans, 1);
    assert_int_equal(mem.reads, 0); /* nothing copied */
    assert_int_equal(dev_a.n, 4096);
    assert_access(&dev_a, 4095, true, 0, 1, 0xff);
}

/* rep stos to MMIO: data_is_ptr = 0, count > 1, the value repeated. */
static void test_mmio_rep_stos(void **state)
{
    ioreq_t r;

    (void)state;
    add(IOSPACE_MMIO, 0x9000000, 0x100, &dev_a, 4, ACCESS_SPLIT);

    r = req_value(IOREQ_TYPE_COPY, IOREQ_WRITE, 0x9000000, 2, 0xffffabcd);
    r.count = 4;
    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.count, 4);
    assert_int_equal(dev_a.n, 4);
    for (unsigned i = 0; i < 4; i++)
        assert_access(&dev_a, i, true, 2 * i, 2, 0xabcd);

    r = req_value(IOREQ_TYPE_COPY, IOREQ_WRITE, 0x9000040, 4, 0x12345678);
    r.count = 3;
    r.df = 1;
    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.count, 3);
    assert_access(&dev_a, 4, true, 0x40, 4, 0x12345678);
    assert_access(&dev_a, 5, true, 0x3c, 4, 0x12345678);
    assert_access(&dev_a, 6, true, 0x38, 4, 0x12345678);
    assert_int_equal(mem.done + mem.reads + mem.writes, 0);
}

/* A read with data_is_ptr = 0 is one element, whatever count says. */
static void test_value_read_count_one(void **state)
{
    ioreq_t r;

    (void)state;
    add(IOSPACE_MMIO, 0x9000000, 0x100, &dev_a, 4, ACCESS_SPLIT);
    r = req_value(IOREQ_TYPE_COPY, IOREQ_READ, 0x9000000, 4, 0);
    r.count = 9;
    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.count, 1);
    assert_int_equal(dev_a.n, 1);
}

static void test_count_capped(void **state)
{
    ioreq_t r;

    (void)state;
    add(IOSPACE_MMIO, 0x9000000, 0x10000, &dev_a, 1, ACCESS_SPLIT);
    add(IOSPACE_PORT, 0x3f8, 8, &dev_b, 1, ACCESS_SPLIT);

    r = req_value(IOREQ_TYPE_COPY, IOREQ_WRITE, 0x9000000, 1, 0x5a);
    r.count = IOSPACE_MAX_REP + 1;
    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.count, IOSPACE_MAX_REP);
    assert_int_equal(dev_a.n, IOSPACE_MAX_REP);
    assert_access(&dev_a, IOSPACE_MAX_REP - 1, true, IOSPACE_MAX_REP - 1, 1, 0x5a);

    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f8, 1, gpa_of(0), UINT32_MAX, false);
    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.count, IOSPACE_MAX_REP);
    assert_int_equal(dev_b.n, IOSPACE_MAX_REP);
    assert_int_equal(mem.done, 1);
}

static void test_guest_fault_midway(void **state)
{
    ioreq_t r;

    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 2, ACCESS_SPLIT);
    memcpy(&mem.bytes[MEM_SIZE - 4], "\x01\x02\x03\x04", 4);

    /* Elements 0 and 1 fit, element 2 is past the end of guest RAM. */
    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f8, 2, gpa_of(MEM_SIZE - 4), 10, false);
    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.count, 2);
    assert_int_equal(dev_a.n, 2);
    assert_access(&dev_a, 1, true, 0, 2, 0x0403);
    assert_int_equal(mem.done, 1);

    /* rep ins: element 0 lands, element 1 would straddle the end of RAM. */
    dev_a.regs[0] = 0xee;
    dev_a.regs[1] = 0xff;
    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_READ, 0x3f8, 2, gpa_of(MEM_SIZE - 3), 5, false);
    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.count, 1);
    assert_memory_equal(&mem.bytes[MEM_SIZE - 4], "\x01\xee\xff\x04", 4);
    assert_int_equal(mem.done, 2);

    /* A fault at element 0 of a write reaches no device. */
    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f8, 2, 0x10, 3, false);
    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.count, 1);
    assert_int_equal(dev_a.n, 4); /* 2 writes, then 2 reads above */
    assert_int_equal(mem.done, 3);
}

/* count == 0 is one element; count is never raised. */
static void test_count_zero(void **state)
{
    ioreq_t r;

    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 1, ACCESS_SPLIT);
    dev_a.regs[0] = 0x99;
    mem.bytes[0] = 0x42;

    r = req_value(IOREQ_TYPE_PIO, IOREQ_READ, 0x3f8, 1, 0);
    r.count = 0;
    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.data, 0x99);
    assert_int_equal(r.count, 0);

    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f8, 1, gpa_of(0), 0, false);
    iospace_dispatch(sp, &r, 0, &mem_ops, &mem);
    assert_int_equal(r.count, 0);
    assert_int_equal(dev_a.n, 2);
    assert_access(&dev_a, 1, true, 0, 1, 0x42);
    assert_int_equal(mem.done, 1);
}

/* Stepping past 0 or 2^64 stops the walk: a partial completion. */
static void test_address_wrap_stops(void **state)
{
    ioreq_t r;

    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 1, ACCESS_SPLIT);
    add(IOSPACE_MMIO, UINT64_MAX - 15, 16, &dev_b, 4, ACCESS_SPLIT);

    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f8, 1, 2, 10, true); /* gpa 2, 1, 0 */
    iospace_dispatch(sp, &r, 0, &any_ops, NULL);
    assert_int_equal(r.count, 3);
    assert_int_equal(dev_a.n, 3);

    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f8, 1, UINT64_MAX - 1, 10, false);
    iospace_dispatch(sp, &r, 0, &any_ops, NULL);
    assert_int_equal(r.count, 2);
    assert_int_equal(dev_a.n, 5);

    /* The element's own buffer would wrap: dropped, count 1. */
    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_READ, 0x3f8, 4, UINT64_MAX - 1, 10, false);
    iospace_dispatch(sp, &r, 0, &any_ops, NULL);
    assert_int_equal(r.count, 1);
    assert_int_equal(any_writes, 0);

    /* rep stos up to the top of the address space: 2 of 8 elements. */
    r = req_value(IOREQ_TYPE_COPY, IOREQ_WRITE, UINT64_MAX - 7, 4, 0xee);
    r.count = 8;
    iospace_dispatch(sp, &r, 0, &any_ops, NULL);
    assert_int_equal(r.count, 2);
    assert_int_equal(dev_b.n, 2);
    assert_access(&dev_b, 1, true, 12, 4, 0xee);

    /* ... and down from address 4 with df: elements at 4 and 0. */
    r = req_value(IOREQ_TYPE_COPY, IOREQ_WRITE, 4, 4, 0xee);
    r.count = 8;
    r.df = 1;
    iospace_dispatch(sp, &r, 0, &any_ops, NULL);
    assert_int_equal(r.count, 2);
}

/* Pointer requests without a guest memory accessor are refused, not fatal. */
static void test_no_guest_mem(void **state)
{
    ioreq_t r;

    (void)state;
    add(IOSPACE_PORT, 0x3f8, 8, &dev_a, 1, ACCESS_SPLIT);
    r = req_ptr(IOREQ_TYPE_PIO, IOREQ_WRITE, 0x3f8, 1, gpa_of(0), 4, false);
    iospace_dispatch(sp, &r, 0, NULL, NULL);
    assert_int_equal(dev_a.n, 0);
    assert_int_equal(r.data, gpa_of(0));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_add_lookup_edges),
        T(test_add_refusals),
        T(test_remove),
        T(test_route_cache_follows_changes),
        T(test_enospc),
        T(test_pio_routing),
        T(test_write_value_masked),
        T(test_unclaimed),
        T(test_straddling_region_end),
        T(test_top_of_address_space),
        T(test_split),
        T(test_reject),
        T(test_bad_sizes),
        T(test_pci_config),
        T(test_other_types_untouched),
        T(test_rep_outs),
        T(test_rep_outs_df),
        T(test_rep_ins),
        T(test_rep_buffer_crosses_page),
        T(test_mmio_rep_steps_device_address),
        T(test_mmio_rep_stos),
        T(test_rep_spans_match_copies),
        T(test_rep_span_whole_page),
        T(test_value_read_count_one),
        T(test_count_capped),
        T(test_guest_fault_midway),
        T(test_count_zero),
        T(test_address_wrap_stops),
        T(test_no_guest_mem),
    };
#undef T

    /* Debug level so every log path runs (rate limits keep it short). */
    log_init(LOG_TARGET_STDERR, LOG_DEBUG);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
