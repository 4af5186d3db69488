/* SPDX-License-Identifier: MIT */
/*
 * Registers with fixed values, checked on every read (fuzz_registers.h).
 */
#include "fuzz_registers.h"

#include <stdbool.h>

#include "fuzz_check.h"

#define AMBA_WINDOW 0x1000u
#define AMBA_ID_FIRST (AMBA_WINDOW - 0x20)
#define CMOS_WINDOW 4u

#define ANY (-1)
#define LINES (-2) /* a pl061 register: only the existing lines' bits */

static const uint8_t pl031_id[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
static const uint8_t pl061_id[8] = { 0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

/* What the byte at `off` in an AMBA window reads; the pl031's registers
 * hold the time and the alarm, so they may read anything. */
static int amba_byte(bool gpio, uint64_t off)
{
    const uint8_t *id = gpio ? pl061_id : pl031_id;

    if (off >= AMBA_ID_FIRST)
        return off % 4 == 0 ? id[(off - AMBA_ID_FIRST) / 4] : 0;
    if (gpio)
        return off % 4 == 0 ? LINES : 0;
    return ANY;
}

/* Only the bytes of the word the read starts in: the devices answer an
 * unaligned read from that word alone (the bus has no such accesses). */
static void check_amba(const struct fuzz_fixed_regs *at, bool gpio, uint64_t off,
                       unsigned size, uint64_t value)
{
    for (unsigned i = 0; i < size && (off + i) / 4 == off / 4; i++) {
        uint8_t byte = (uint8_t)(value >> (8 * i));
        int want = amba_byte(gpio, off + i);

        if (want == LINES)
            FUZZ_CHECK(byte >> at->gpio_lines == 0, "pl061 register %#llx read %#x: lines "
                       "beyond ngpio = %u", (unsigned long long)(off + i), byte,
                       at->gpio_lines);
        else if (want != ANY)
            FUZZ_CHECK(byte == want, "%s byte %#llx read %#x, not %#x",
                       gpio ? "pl061" : "pl031", (unsigned long long)(off + i), byte, want);
    }
}

/* Is [addr, addr + size) inside [base, base + len)?  *off: where in it. */
static bool inside(uint64_t addr, unsigned size, uint64_t base, uint64_t len, uint64_t *off)
{
    if (addr < base || addr - base > len - size)
        return false;
    *off = addr - base;
    return true;
}

static void check_cmos(uint64_t off, unsigned size, uint64_t value)
{
    for (unsigned i = 0; i < size; i++)
        if ((off + i) % 2 == 0)
            FUZZ_CHECK((uint8_t)(value >> (8 * i)) == 0xff, "CMOS index port at offset %llu "
                       "read %#llx", (unsigned long long)(off + i), (unsigned long long)value);
}

void fuzz_check_fixed_read(const struct fuzz_fixed_regs *at, const ioreq_t *req,
                           uint64_t value)
{
    uint64_t off;

    if (req->dir != IOREQ_READ || req->data_is_ptr ||
        (req->size != 1 && req->size != 2 && req->size != 4))
        return;
    if (req->type == IOREQ_TYPE_COPY && inside(req->addr, req->size, at->pl031, AMBA_WINDOW, &off))
        check_amba(at, false, off, req->size, value);
    if (req->type == IOREQ_TYPE_COPY && inside(req->addr, req->size, at->pl061, AMBA_WINDOW, &off))
        check_amba(at, true, off, req->size, value);
    if (req->type == IOREQ_TYPE_PIO && inside(req->addr, req->size, at->cmos, CMOS_WINDOW, &off))
        check_cmos(off, req->size, value);
}
