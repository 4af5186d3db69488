/* SPDX-License-Identifier: MIT */
/*
 * A PCI function's configuration space, driven the way a guest OS drives
 * it: identity registers, command, BAR0 sizing and placement, INTA and
 * MSI.  The interrupt line and the bar ops are recording doubles; the
 * device behind the function is a fake built by hand.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "devices/pci.h"
#include "log.h"
#include "snapshot.h"

/* ---- interrupt line double ----------------------------------------------- */

struct irq_line {
    bool level;
    unsigned mask_calls;
    bool masked;
    unsigned pci_calls;
    uint16_t seg;
    uint8_t bus, dev, pin;
    unsigned msi_calls;
    bool msi_enabled;
    unsigned msi_mask_calls;
    bool msi_masked, msi_pending;
    uint64_t msi_addr;
    uint32_t msi_data;
    unsigned msi_sent; /* messages src/irq.c would inject */
};

static struct irq_line line;

void irq_line_set(struct irq_line *l, bool level)
{
    if (l != NULL)
        l->level = level;
}

bool irq_line_level(const struct irq_line *l)
{
    return l != NULL && l->level;
}

void irq_line_mask(struct irq_line *l, bool masked)
{
    l->mask_calls++;
    l->masked = masked;
}

void irq_line_set_pci(struct irq_line *l, uint16_t seg, uint8_t bus, uint8_t dev,
                      uint8_t intx_pin)
{
    l->pci_calls++;
    l->seg = seg;
    l->bus = bus;
    l->dev = dev;
    l->pin = intx_pin;
}

void irq_line_set_msi(struct irq_line *l, bool enabled, uint64_t addr, uint32_t data)
{
    l->msi_calls++;
    l->msi_enabled = enabled;
    if (!enabled)
        l->msi_pending = false; /* as src/irq.c */
    l->msi_addr = addr;
    l->msi_data = data;
}

/* Unmasking sends a held message, as src/irq.c does. */
void irq_line_msi_mask(struct irq_line *l, bool masked)
{
    l->msi_mask_calls++;
    l->msi_masked = masked;
    if (!masked && l->msi_pending) {
        l->msi_pending = false;
        l->msi_sent++;
    }
}

bool irq_line_msi_pending(const struct irq_line *l)
{
    return l != NULL && l->msi_pending;
}

/* ---- bar ops double ------------------------------------------------------ */

#define BAR_LOG_MAX 256

struct bar_call {
    bool map;
    bool io;
    uint64_t base, size;
};

struct bar_log {
    struct bar_call calls[BAR_LOG_MAX];
    unsigned n;
    int map_result; /* what map() returns */
};

static struct bar_log bars;

static void bar_record(void *ctx, bool map, bool io, uint64_t base, uint64_t size)
{
    struct bar_log *b = ctx;

    if (b->n < BAR_LOG_MAX)
        b->calls[b->n] = (struct bar_call){ map, io, base, size };
    b->n++;
}

static int bar_map(void *ctx, bool io, uint64_t base, uint64_t size)
{
    bar_record(ctx, true, io, base, size);
    return ((struct bar_log *)ctx)->map_result;
}

static void bar_unmap(void *ctx, bool io, uint64_t base, uint64_t size)
{
    bar_record(ctx, false, io, base, size);
}

static const struct pci_bar_ops bar_ops = { .map = bar_map, .unmap = bar_unmap };

static void assert_bar_call(unsigned i, bool map, bool io, uint64_t base, uint64_t size)
{
    assert_true(i < bars.n);
    assert_int_equal(bars.calls[i].map, map);
    assert_int_equal(bars.calls[i].io, io);
    assert_int_equal(bars.calls[i].base, base);
    assert_int_equal(bars.calls[i].size, size);
}

/* ---- the fake device and its function ----------------------------------- */

static uint64_t fake_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque, (void)offset, (void)size;
    return 0;
}

static void fake_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    (void)opaque, (void)offset, (void)size, (void)value;
}

static const struct region_ops fake_ops = { .read = fake_read, .write = fake_write };

/* Every byte distinct, so a misplaced byte shows. */
static const struct device_pci_id io_id = {
    .vendor = 0x1234, .device = 0x5678, .class_code = 0x0c0330, .revision = 0x02,
    .subsystem_vendor = 0x9abc, .subsystem = 0xdef0, .bar_is_io = true,
};
static const struct device_pci_id mem_id = {
    .vendor = 0x1234, .device = 0x5678, .class_code = 0x0c0330,
    .subsystem_vendor = 0x9abc, .subsystem = 0xdef0, .bar_is_io = false,
};

static char dev_name[] = "fakepci";

static struct {
    struct device_type type;
    struct dev_config cfg;
    struct device dev;
    struct pci_function *fn;
} fx;

static void make(const struct device_pci_id *id, enum irq_kind irq, uint64_t window)
{
    pci_function_free(fx.fn); /* a test may make several functions */
    memset(&fx, 0, sizeof(fx));
    memset(&line, 0, sizeof(line));
    memset(&bars, 0, sizeof(bars));
    fx.type = (struct device_type){
        .name = "fake", .ops = &fake_ops, .max_access = 1, .pci = id,
    };
    fx.cfg = (struct dev_config){
        .name = dev_name,
        .type = &fx.type,
        .attach = { .kind = ATTACH_PCI, .pci = { .bus = 0x02, .dev = 0x05, .fn = 0 } },
        .irq = { .kind = irq },
        .size = window,
    };
    fx.dev = (struct device){
        .name = dev_name,
        .type = &fx.type,
        .cfg = &fx.cfg,
        .irq = irq == IRQ_NONE ? NULL : &line,
        .max_access = 1,
    };
    fx.fn = pci_function_new(&fx.dev, &bar_ops, &bars);
    assert_non_null(fx.fn);
}

static int teardown(void **state)
{
    (void)state;
    pci_function_free(fx.fn);
    fx.fn = NULL;
    return 0;
}

/* The core masks read results to the access size. */
static uint32_t rd(unsigned reg, unsigned size)
{
    uint64_t v = pci_config_ops.read(fx.fn, reg, size);

    return (uint32_t)(size == 4 ? v : v & ((UINT64_C(1) << (8 * size)) - 1));
}

static void wr(unsigned reg, unsigned size, uint32_t value)
{
    uint64_t masked = size == 4 ? value : value & ((UINT64_C(1) << (8 * size)) - 1);

    pci_config_ops.write(fx.fn, reg, size, masked);
}

/* ---- stderr capture for the log checks ---------------------------------- */

static char captured[16384];
static int saved_stderr = -1;
static FILE *capture_file;

static void capture_begin(void)
{
    fflush(stderr);
    capture_file = tmpfile();
    assert_non_null(capture_file);
    saved_stderr = dup(STDERR_FILENO);
    assert_true(saved_stderr >= 0);
    assert_true(dup2(fileno(capture_file), STDERR_FILENO) >= 0);
}

static void capture_end(void)
{
    size_t n;

    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    rewind(capture_file);
    n = fread(captured, 1, sizeof(captured) - 1, capture_file);
    captured[n] = '\0';
    fclose(capture_file);
}

static unsigned count_lines(const char *s)
{
    unsigned n = 0;

    for (; *s != '\0'; s++)
        n += *s == '\n';
    return n;
}

/* ---- identity registers --------------------------------------------------- */

static void test_ids_as_dwords(void **state)
{
    (void)state;
    make(&io_id, IRQ_NONE, 8);
    assert_int_equal(rd(0x00, 4), 0x56781234);
    assert_int_equal(rd(0x08, 4), 0x0c033002); /* class code, revision */
    assert_int_equal(rd(0x0c, 4), 0);          /* header type 0, no BIST */
    assert_int_equal(rd(0x2c, 4), 0xdef09abc);
}

static void test_ids_unaligned(void **state)
{
    (void)state;
    make(&io_id, IRQ_NONE, 8);
    assert_int_equal(rd(0x00, 1), 0x34);
    assert_int_equal(rd(0x01, 1), 0x12);
    assert_int_equal(rd(0x02, 1), 0x78);
    assert_int_equal(rd(0x03, 1), 0x56);
    assert_int_equal(rd(0x00, 2), 0x1234);
    assert_int_equal(rd(0x01, 2), 0x7812);
    assert_int_equal(rd(0x02, 2), 0x5678);
    assert_int_equal(rd(0x08, 1), 0x02); /* revision */
    assert_int_equal(rd(0x09, 1), 0x30); /* prog-if */
    assert_int_equal(rd(0x0a, 1), 0x03); /* subclass */
    assert_int_equal(rd(0x0b, 1), 0x0c); /* class */
    assert_int_equal(rd(0x0a, 2), 0x0c03);
    assert_int_equal(rd(0x09, 2), 0x0330);
    assert_int_equal(rd(0x0e, 1), 0x00); /* header type */
    assert_int_equal(rd(0x2d, 2), 0xf09a);
    assert_int_equal(rd(0x2e, 2), 0xdef0);
}

static void test_read_only_registers_ignore_writes(void **state)
{
    (void)state;
    make(&mem_id, IRQ_NONE, 0x100);
    wr(0x00, 4, 0xffffffff);
    wr(0x08, 4, 0xffffffff);
    wr(0x0c, 4, 0xffffffff);
    wr(0x2c, 4, 0xffffffff);
    wr(0x06, 2, 0xffff);
    wr(0x34, 1, 0xff);
    wr(0x3d, 1, 0xff);
    wr(0x40, 4, 0xffffffff);
    for (unsigned reg = 0x14; reg <= 0x24; reg += 4)
        wr(reg, 4, 0xffffffff);
    wr(0x30, 4, 0xffffffff); /* expansion ROM */
    wr(0xfc, 4, 0xffffffff);

    assert_int_equal(rd(0x00, 4), 0x56781234);
    assert_int_equal(rd(0x08, 4), 0x0c033000);
    assert_int_equal(rd(0x0c, 4), 0);
    assert_int_equal(rd(0x2c, 4), 0xdef09abc);
    assert_int_equal(rd(0x06, 2), 0);
    assert_int_equal(rd(0x34, 1), 0);
    assert_int_equal(rd(0x3d, 1), 0);
    assert_int_equal(rd(0x40, 4), 0);
    for (unsigned reg = 0x14; reg <= 0x24; reg += 4)
        assert_int_equal(rd(reg, 4), 0);
    assert_int_equal(rd(0x30, 4), 0);
    assert_int_equal(rd(0xfc, 4), 0);
    assert_int_equal(bars.n, 0);
}

static void test_command_writable_bits(void **state)
{
    (void)state;
    make(&mem_id, IRQ_NONE, 0x100);
    wr(0x04, 4, 0xffffffff);
    assert_int_equal(rd(0x04, 2), 0x0407);
    assert_int_equal(rd(0x06, 2), 0); /* status untouched */
    wr(0x04, 1, 0x00);
    assert_int_equal(rd(0x04, 2), 0x0400);
    wr(0x05, 1, 0x00);
    assert_int_equal(rd(0x04, 2), 0x0000);
    wr(0x04, 1, 0x05);
    assert_int_equal(rd(0x04, 2), 0x0005);
}

/* ---- BAR0 ------------------------------------------------------------------ */

static void test_bar_size(void **state)
{
    (void)state;
    make(&io_id, IRQ_NONE, 1);
    assert_int_equal(pci_bar_size(&fx.dev), 4);
    fx.cfg.size = 8; /* a 16550: exactly its registers */
    assert_int_equal(pci_bar_size(&fx.dev), 8);
    fx.cfg.size = 0x11;
    assert_int_equal(pci_bar_size(&fx.dev), 32);
    make(&mem_id, IRQ_NONE, 0x10);
    assert_int_equal(pci_bar_size(&fx.dev), 0x1000);
    fx.cfg.size = 0x1000;
    assert_int_equal(pci_bar_size(&fx.dev), 0x1000);
    fx.cfg.size = 0x1001;
    assert_int_equal(pci_bar_size(&fx.dev), 0x2000);
}

static void test_bar_sizing_io(void **state)
{
    (void)state;
    make(&io_id, IRQ_NONE, 8);
    assert_int_equal(rd(0x10, 4), 0x1);
    wr(0x10, 4, 0xffffffff);
    assert_int_equal(rd(0x10, 4), 0xfffffff9);
    teardown(NULL);

    make(&io_id, IRQ_NONE, 0x20);
    wr(0x10, 4, 0xffffffff);
    assert_int_equal(rd(0x10, 4), 0xffffffe1);
    /* Sizing with decode on must not claim the all-ones address. */
    wr(0x04, 2, 0x0001);
    wr(0x10, 4, 0xffffffff);
    assert_int_equal(bars.n, 0);
}

static void test_bar_sizing_memory(void **state)
{
    (void)state;
    make(&mem_id, IRQ_NONE, 0x100);
    assert_int_equal(rd(0x10, 4), 0);
    wr(0x10, 4, 0xffffffff);
    assert_int_equal(rd(0x10, 4), 0xfffff000);
    teardown(NULL);

    make(&mem_id, IRQ_NONE, 0x3000);
    wr(0x10, 4, 0xffffffff);
    assert_int_equal(rd(0x10, 4), 0xffffc000);
    wr(0x04, 2, 0x0002);
    wr(0x10, 4, 0xffffffff);
    assert_int_equal(bars.n, 0);
}

static void test_bar_claimed_when_decode_enabled_io(void **state)
{
    (void)state;
    make(&io_id, IRQ_NONE, 8);
    wr(0x10, 4, 0xc000);
    assert_int_equal(rd(0x10, 4), 0xc001);
    assert_int_equal(bars.n, 0); /* decode still off */
    wr(0x04, 2, 0x0002);         /* memory decode does not cover an I/O BAR */
    assert_int_equal(bars.n, 0);
    wr(0x04, 2, 0x0003);
    assert_int_equal(bars.n, 1);
    assert_bar_call(0, true, true, 0xc000, 8);
    wr(0x04, 2, 0x0007); /* unrelated bit: no second claim */
    assert_int_equal(bars.n, 1);
}

static void test_bar_claimed_when_decode_enabled_memory(void **state)
{
    (void)state;
    make(&mem_id, IRQ_NONE, 0x100);
    wr(0x04, 2, 0x0002);
    assert_int_equal(bars.n, 0); /* BAR still 0: unassigned */
    wr(0x10, 4, 0xfebf1000);
    assert_int_equal(rd(0x10, 4), 0xfebf1000);
    assert_int_equal(bars.n, 1);
    assert_bar_call(0, true, false, 0xfebf1000, 0x100);
}

static void test_bar_programmed_in_halves(void **state)
{
    (void)state;
    make(&mem_id, IRQ_NONE, 0x100);
    wr(0x04, 1, 0x02);
    wr(0x12, 2, 0xfebf);
    assert_int_equal(bars.n, 1);
    assert_bar_call(0, true, false, 0xfebf0000, 0x100);
    wr(0x10, 2, 0x3000);
    assert_int_equal(bars.n, 3);
    assert_bar_call(1, false, false, 0xfebf0000, 0x100);
    assert_bar_call(2, true, false, 0xfebf3000, 0x100);
}

static void test_bar_move_releases_then_claims(void **state)
{
    (void)state;
    make(&mem_id, IRQ_NONE, 0x100);
    wr(0x10, 4, 0xfebf1000);
    wr(0x04, 2, 0x0002);
    wr(0x10, 4, 0xfebf2000);
    assert_int_equal(bars.n, 3);
    assert_bar_call(1, false, false, 0xfebf1000, 0x100);
    assert_bar_call(2, true, false, 0xfebf2000, 0x100);
    wr(0x10, 4, 0xfebf2000); /* same address again: nothing to do */
    assert_int_equal(bars.n, 3);
}

static void test_decode_off_releases(void **state)
{
    (void)state;
    make(&io_id, IRQ_NONE, 8);
    wr(0x10, 4, 0xc040);
    wr(0x04, 2, 0x0001);
    wr(0x04, 2, 0x0000);
    assert_int_equal(bars.n, 2);
    assert_bar_call(1, false, true, 0xc040, 8);
    wr(0x04, 2, 0x0001);
    assert_int_equal(bars.n, 3);
    assert_bar_call(2, true, true, 0xc040, 8);
}

static void test_sizing_with_decode_on_releases_and_restores(void **state)
{
    (void)state;
    make(&mem_id, IRQ_NONE, 0x100);
    wr(0x10, 4, 0xfebf1000);
    wr(0x04, 2, 0x0002);
    wr(0x10, 4, 0xffffffff);
    wr(0x10, 4, 0xfebf1000);
    assert_int_equal(bars.n, 3);
    assert_bar_call(1, false, false, 0xfebf1000, 0x100);
    assert_bar_call(2, true, false, 0xfebf1000, 0x100);
}

static void test_free_releases(void **state)
{
    (void)state;
    make(&mem_id, IRQ_NONE, 0x100);
    wr(0x10, 4, 0xfebf1000);
    wr(0x04, 2, 0x0002);
    pci_function_free(fx.fn);
    fx.fn = NULL;
    assert_int_equal(bars.n, 2);
    assert_bar_call(1, false, false, 0xfebf1000, 0x100);

    make(&mem_id, IRQ_NONE, 0x100); /* never claimed: nothing to release */
    pci_function_free(fx.fn);
    fx.fn = NULL;
    assert_int_equal(bars.n, 0);
}

static void test_map_failure_not_claimed_and_retried(void **state)
{
    (void)state;
    make(&mem_id, IRQ_NONE, 0x100);
    bars.map_result = -EEXIST;
    wr(0x10, 4, 0xfebf1000);
    capture_begin();
    wr(0x04, 2, 0x0002);
    capture_end();
    assert_int_equal(bars.n, 1);
    assert_bar_call(0, true, false, 0xfebf1000, 0x100);
    assert_non_null(strstr(captured, "fakepci"));
    assert_non_null(strstr(captured, "0xfebf1000"));
    assert_non_null(strstr(captured, "warning"));
    assert_int_equal(rd(0x10, 4), 0xfebf1000); /* the BAR keeps the value */

    /* Not claimed: turning decode off has nothing to release. */
    wr(0x04, 2, 0x0000);
    assert_int_equal(bars.n, 1);

    /* Programming the command register again retries, now successfully. */
    bars.map_result = 0;
    wr(0x04, 2, 0x0002);
    assert_int_equal(bars.n, 2);
    assert_bar_call(1, true, false, 0xfebf1000, 0x100);
    pci_function_free(fx.fn);
    fx.fn = NULL;
    assert_int_equal(bars.n, 3);
    assert_bar_call(2, false, false, 0xfebf1000, 0x100);
}

static void test_map_failure_then_move(void **state)
{
    (void)state;
    make(&io_id, IRQ_NONE, 8);
    bars.map_result = -EEXIST;
    wr(0x04, 2, 0x0001);
    capture_begin();
    wr(0x10, 4, 0x03f0);
    capture_end();
    assert_int_equal(bars.n, 1);
    bars.map_result = 0;
    wr(0x10, 4, 0xc000);
    assert_int_equal(bars.n, 2); /* no unmap of the failed address */
    assert_bar_call(1, true, true, 0xc000, 8);
}

static void test_io_bar_beyond_port_space(void **state)
{
    (void)state;
    make(&io_id, IRQ_NONE, 8);
    wr(0x04, 2, 0x0001);
    wr(0x10, 4, 0x10000);
    assert_int_equal(rd(0x10, 4), 0x10001);
    assert_int_equal(bars.n, 0);
    wr(0x10, 4, 0xfff0); /* last 16 ports: still inside */
    assert_int_equal(bars.n, 1);
    assert_bar_call(0, true, true, 0xfff0, 8);
    wr(0x10, 4, 0x12340);
    assert_int_equal(bars.n, 2);
    assert_bar_call(1, false, true, 0xfff0, 8);
}

static void test_map_failure_log_is_bounded(void **state)
{
    enum { ATTEMPTS = 200 };

    (void)state;
    make(&mem_id, IRQ_NONE, 0x100);
    bars.map_result = -EEXIST;
    wr(0x10, 4, 0xfebf1000);
    capture_begin();
    for (unsigned i = 0; i < ATTEMPTS; i++)
        wr(0x04, 2, 0x0002);
    capture_end();
    assert_int_equal(bars.n, ATTEMPTS);
    assert_true(count_lines(captured) < ATTEMPTS / 2);
}

/* ---- INTx ------------------------------------------------------------------- */

static void test_intx_pin_and_line(void **state)
{
    (void)state;
    make(&io_id, IRQ_INTX, 8);
    assert_int_equal(line.pci_calls, 1);
    assert_int_equal(line.seg, 0);
    assert_int_equal(line.bus, 0x02);
    assert_int_equal(line.dev, 0x05);
    assert_int_equal(line.pin, 0); /* INTA */
    assert_int_equal(rd(0x3d, 1), 1);
    assert_int_equal(rd(0x3c, 1), 0);
    wr(0x3c, 1, 0x0b);
    assert_int_equal(rd(0x3c, 1), 0x0b);
    assert_int_equal(rd(0x3c, 4), 0x010b);
    wr(0x3c, 4, 0xffffff0a); /* pin and the rest stay */
    assert_int_equal(rd(0x3c, 4), 0x010a);
    assert_int_equal(rd(0x06, 2), 0); /* no capabilities */
    assert_int_equal(rd(0x34, 1), 0);
}

static void test_no_irq_has_no_pin(void **state)
{
    (void)state;
    make(&io_id, IRQ_NONE, 8);
    assert_int_equal(rd(0x3d, 1), 0);
    wr(0x3c, 1, 0x05); /* the line register is scratch all the same */
    assert_int_equal(rd(0x3c, 1), 0x05);
    wr(0x04, 2, 0x0400);
    assert_int_equal(rd(0x04, 2), 0x0400);
}

static void test_interrupt_disable_masks_line(void **state)
{
    (void)state;
    make(&io_id, IRQ_INTX, 8);
    wr(0x04, 2, 0x0400);
    assert_int_equal(line.mask_calls, 1);
    assert_true(line.masked);
    assert_int_equal(rd(0x04, 2), 0x0400);
    wr(0x04, 2, 0x0401); /* bit 10 unchanged */
    assert_int_equal(line.mask_calls, 1);
    wr(0x05, 1, 0x00);
    assert_int_equal(line.mask_calls, 2);
    assert_false(line.masked);
}

static void test_status_follows_line_level(void **state)
{
    (void)state;
    make(&io_id, IRQ_INTX, 8);
    assert_int_equal(rd(0x06, 2), 0);
    irq_line_set(&line, true);
    assert_int_equal(rd(0x06, 2), 0x0008);
    assert_int_equal(rd(0x06, 1), 0x08);
    wr(0x04, 2, 0x0400); /* masked: status still shows the device's level */
    assert_int_equal(rd(0x04, 4), 0x00080400);
    wr(0x06, 2, 0xffff); /* read-only */
    irq_line_set(&line, false);
    assert_int_equal(rd(0x06, 2), 0);
}

/* ---- MSI ---------------------------------------------------------------------- */

static void test_msi_capability_layout(void **state)
{
    (void)state;
    make(&mem_id, IRQ_MSI, 0x100);
    assert_int_equal(rd(0x06, 2), 0x0010); /* capabilities list */
    assert_int_equal(rd(0x34, 1), 0x40);
    /* 64-bit, per-vector masking, one vector, next 0 */
    assert_int_equal(rd(0x40, 4), 0x01800005);
    assert_int_equal(rd(0x41, 1), 0x00);
    assert_int_equal(rd(0x3d, 1), 0); /* no INTx pin */
    assert_int_equal(line.pci_calls, 0);

    wr(0x40, 4, 0xffffffff);
    assert_int_equal(rd(0x40, 4), 0x01f10005); /* enable + MME written */
    wr(0x42, 2, 0x0000);
    assert_int_equal(rd(0x42, 2), 0x0180);
    wr(0x44, 4, 0xffffffff);
    assert_int_equal(rd(0x44, 4), 0xfffffffc);
    wr(0x48, 4, 0xffffffff);
    assert_int_equal(rd(0x48, 4), 0xffffffff);
    wr(0x4c, 4, 0xffffffff);
    assert_int_equal(rd(0x4c, 4), 0x0000ffff);
    wr(0x50, 4, 0xffffffff); /* mask bits: one vector */
    assert_int_equal(rd(0x50, 4), 0x1);
    wr(0x54, 4, 0xffffffff); /* pending bits are read-only */
    assert_int_equal(rd(0x54, 4), 0);
    wr(0x58, 4, 0xffffffff);
    assert_int_equal(rd(0x58, 4), 0);
}

static void test_msi_mask_and_pending(void **state)
{
    (void)state;
    make(&mem_id, IRQ_MSI, 0x100);
    wr(0x50, 4, 0x1);
    assert_true(line.msi_masked);
    line.msi_pending = true; /* the line held a message back */
    assert_int_equal(rd(0x54, 4), 0x1);
    wr(0x50, 1, 0x0);
    assert_false(line.msi_masked);
}

static void test_identity_overrides(void **state)
{
    (void)state;
    make(&io_id, IRQ_NONE, 8);
    pci_function_free(fx.fn);
    fx.cfg.pci_id = (struct pci_id_override){
        .set = { [PCI_ID_VENDOR] = true, [PCI_ID_REVISION] = true, [PCI_ID_CLASS] = true },
        .value = { [PCI_ID_VENDOR] = 0x8086, [PCI_ID_REVISION] = 0x07,
                   [PCI_ID_CLASS] = 0x070002 },
    };
    fx.fn = pci_function_new(&fx.dev, &bar_ops, &bars);
    assert_non_null(fx.fn);
    assert_int_equal(rd(0x00, 4), 0x56788086); /* device id from the type */
    assert_int_equal(rd(0x08, 4), 0x07000207);
    assert_int_equal(rd(0x2c, 4), 0xdef09abc);
    wr(0x08, 1, 0x55); /* revision is read-only */
    assert_int_equal(rd(0x08, 1), 0x07);
}

static void test_msi_message_reaches_line(void **state)
{
    (void)state;
    make(&mem_id, IRQ_MSI, 0x100);
    wr(0x44, 4, 0xfee01000);
    wr(0x48, 4, 0x00000000);
    wr(0x4c, 2, 0x4041);
    assert_false(line.msi_enabled);
    assert_int_equal(line.msi_addr, 0xfee01000);
    assert_int_equal(line.msi_data, 0x4041);

    wr(0x42, 2, 0x0001); /* enabled, but no bus mastering yet */
    assert_false(line.msi_enabled);
    wr(0x04, 2, 0x0006);
    assert_true(line.msi_enabled);
    assert_int_equal(line.msi_addr, 0xfee01000);
    assert_int_equal(line.msi_data, 0x4041);

    wr(0x4c, 2, 0x4052);
    assert_true(line.msi_enabled);
    assert_int_equal(line.msi_data, 0x4052);
    wr(0x48, 4, 0x1);
    assert_int_equal(line.msi_addr, 0x1fee01000);

    wr(0x04, 2, 0x0002); /* bus master off */
    assert_false(line.msi_enabled);
    wr(0x04, 2, 0x0006);
    assert_true(line.msi_enabled);
    wr(0x42, 2, 0x0000); /* MSI enable off */
    assert_false(line.msi_enabled);
}

static void test_msi_calls_only_on_change(void **state)
{
    unsigned calls;

    (void)state;
    make(&mem_id, IRQ_MSI, 0x100);
    wr(0x3c, 1, 0x0a); /* unrelated register */
    wr(0x44, 4, 0);    /* same address as before */
    assert_int_equal(line.msi_calls, 0);
    wr(0x44, 4, 0xfee00000);
    wr(0x42, 2, 0x0001);
    wr(0x04, 2, 0x0004);
    calls = line.msi_calls;
    wr(0x44, 4, 0xfee00000);
    wr(0x42, 2, 0x0011); /* MME 1: only one vector is honoured */
    assert_int_equal(line.msi_calls, calls);
}

static void test_msi_ignores_interrupt_disable(void **state)
{
    (void)state;
    make(&mem_id, IRQ_MSI, 0x100);
    /* Linux sets Interrupt Disable when it enables MSI. */
    wr(0x04, 2, 0x0406);
    assert_int_equal(rd(0x04, 2), 0x0406);
    assert_int_equal(line.mask_calls, 0);
}

static void test_no_msi_without_msi_irq(void **state)
{
    (void)state;
    make(&mem_id, IRQ_INTX, 0x100);
    wr(0x40, 4, 0xffffffff);
    wr(0x44, 4, 0xfee00000);
    wr(0x4c, 4, 0x4041);
    wr(0x04, 2, 0x0004);
    assert_int_equal(rd(0x34, 1), 0);
    assert_int_equal(rd(0x06, 2) & 0x10, 0);
    assert_int_equal(rd(0x40, 4), 0);
    assert_int_equal(rd(0x44, 4), 0);
    assert_int_equal(rd(0x4c, 4), 0);
    assert_int_equal(line.msi_calls, 0);
}

/* ---- snapshots ------------------------------------------------------------------ */

/* pci_function_save()'s layout: the image, claimed and its base, then the
 * message last given to the line. */
enum {
    OFF_CLAIMED = PCI_CONFIG_SIZE,
    OFF_BASE = OFF_CLAIMED + 1,
    OFF_MSI_ENABLED = OFF_BASE + 8,
    OFF_MSI_ADDR = OFF_MSI_ENABLED + 1,
    OFF_MSI_DATA = OFF_MSI_ADDR + 8,
    SNAP_LEN = OFF_MSI_DATA + 4,
};

struct snap {
    uint8_t buf[512];
    size_t len;
};

static struct snap save_fn(void)
{
    struct snap s;
    struct snap_out out;

    memset(s.buf, 0xa5, sizeof(s.buf));
    snap_out_init(&out, s.buf, sizeof(s.buf));
    pci_function_save(fx.fn, &out);
    assert_false(out.overflow);
    s.len = (size_t)(out.p - s.buf);
    assert_int_equal(s.len, SNAP_LEN);
    return s;
}

/* On success exactly the function's fields are read: what follows belongs
 * to the caller's frame. */
static int restore_fn(const struct snap *s, size_t len, bool apply)
{
    struct snap_in in;
    int rc;

    snap_in_init(&in, s->buf, len);
    rc = pci_function_restore(fx.fn, &in, apply);
    if (rc == 0)
        assert_int_equal(snap_in_left(&in), len - SNAP_LEN);
    return rc;
}

static void read_all(uint8_t bytes[PCI_CONFIG_SIZE])
{
    for (unsigned reg = 0; reg < PCI_CONFIG_SIZE; reg++)
        bytes[reg] = (uint8_t)rd(reg, 1);
}

static void put_u64(struct snap *s, unsigned off, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++)
        s->buf[off + i] = (uint8_t)(v >> (8 * i));
}

static void assert_line_untouched(void)
{
    assert_int_equal(line.mask_calls, 0);
    assert_int_equal(line.msi_calls, 0);
    assert_int_equal(line.msi_mask_calls, 0);
    assert_int_equal(line.msi_sent, 0);
}

/* A memory BAR decoding at 0xfebf1000, MSI enabled with a 64-bit address,
 * the vector masked with a message held, Interrupt Disable set (as Linux
 * does with MSI), an interrupt line value. */
static struct snap programmed_mem_msi(uint8_t config[PCI_CONFIG_SIZE])
{
    make(&mem_id, IRQ_MSI, 0x100);
    wr(0x10, 4, 0xfebf1000);
    wr(0x44, 4, 0xfee01000);
    wr(0x48, 4, 0x1);
    wr(0x4c, 2, 0x4041);
    wr(0x42, 2, 0x0001);
    wr(0x04, 2, 0x0406);
    wr(0x50, 4, 0x1);
    wr(0x3c, 1, 0x0b);
    line.msi_pending = true; /* the line held a message back */
    assert_int_equal(bars.n, 1);
    assert_true(line.msi_enabled);
    if (config != NULL)
        read_all(config);
    return save_fn();
}

static void test_restore_memory_bar_and_msi(void **state)
{
    uint8_t before[PCI_CONFIG_SIZE], reset[PCI_CONFIG_SIZE], now[PCI_CONFIG_SIZE];
    struct snap s = programmed_mem_msi(before), again;

    (void)state;
    make(&mem_id, IRQ_MSI, 0x100);
    /* The line's own restore ran first: it holds the mask and the message. */
    line.msi_masked = true;
    line.msi_pending = true;
    read_all(reset);

    assert_int_equal(restore_fn(&s, s.len, false), 0);
    assert_int_equal(bars.n, 0);
    assert_int_equal(line.msi_calls, 0);
    assert_int_equal(line.msi_mask_calls, 0);
    read_all(now);
    assert_memory_equal(now, reset, PCI_CONFIG_SIZE);

    assert_int_equal(restore_fn(&s, s.len, true), 0);
    assert_int_equal(bars.n, 1);
    assert_bar_call(0, true, false, 0xfebf1000, 0x100);
    assert_int_equal(line.msi_calls, 1);
    assert_true(line.msi_enabled);
    assert_int_equal(line.msi_addr, 0x1fee01000);
    assert_int_equal(line.msi_data, 0x4041);
    assert_true(line.msi_masked);
    assert_true(line.msi_pending); /* still held: nothing sent */
    assert_int_equal(line.msi_sent, 0);
    assert_int_equal(line.mask_calls, 0); /* MSI ignores Interrupt Disable */
    read_all(now);
    assert_memory_equal(now, before, PCI_CONFIG_SIZE);
    again = save_fn();
    assert_memory_equal(again.buf, s.buf, SNAP_LEN);

    /* It goes on as the original would: the BAR moves... */
    wr(0x10, 4, 0xfebf2000);
    assert_int_equal(bars.n, 3);
    assert_bar_call(1, false, false, 0xfebf1000, 0x100);
    assert_bar_call(2, true, false, 0xfebf2000, 0x100);
    /* ...and unmasking the vector sends the held message. */
    wr(0x50, 4, 0x0);
    assert_int_equal(line.msi_sent, 1);
    assert_int_equal(rd(0x54, 4), 0);
}

static void test_restore_io_bar_and_interrupt_disable(void **state)
{
    uint8_t before[PCI_CONFIG_SIZE], now[PCI_CONFIG_SIZE];
    struct snap s;

    (void)state;
    make(&io_id, IRQ_INTX, 8);
    wr(0x10, 4, 0xc000);
    wr(0x04, 2, 0x0401);
    wr(0x3c, 1, 0x0a);
    irq_line_set(&line, true);
    read_all(before);
    assert_int_equal(before[0x06], 0x08); /* interrupt status */
    s = save_fn();

    make(&io_id, IRQ_INTX, 8);
    line.level = true; /* the line's own restore */
    assert_int_equal(restore_fn(&s, s.len, false), 0);
    assert_int_equal(bars.n, 0);
    assert_line_untouched();
    assert_int_equal(rd(0x04, 2), 0);

    assert_int_equal(restore_fn(&s, s.len, true), 0);
    assert_int_equal(bars.n, 1);
    assert_bar_call(0, true, true, 0xc000, 8);
    assert_int_equal(line.mask_calls, 1);
    assert_true(line.masked);
    assert_int_equal(line.msi_calls, 0);
    read_all(now);
    assert_memory_equal(now, before, PCI_CONFIG_SIZE);

    wr(0x05, 1, 0x00); /* Interrupt Disable off */
    assert_int_equal(line.mask_calls, 2);
    assert_false(line.masked);
    wr(0x10, 4, 0xc040);
    assert_int_equal(bars.n, 3);
    assert_bar_call(1, false, true, 0xc000, 8);
    assert_bar_call(2, true, true, 0xc040, 8);
}

static void test_restore_without_irq(void **state)
{
    uint8_t before[PCI_CONFIG_SIZE], now[PCI_CONFIG_SIZE];
    struct snap s;

    (void)state;
    make(&mem_id, IRQ_NONE, 0x100);
    wr(0x10, 4, 0xfebf1000);
    wr(0x04, 2, 0x0002);
    read_all(before);
    s = save_fn();
    make(&mem_id, IRQ_NONE, 0x100);
    assert_int_equal(restore_fn(&s, s.len + 1, true), 0); /* a trailing byte is the caller's */
    assert_int_equal(bars.n, 1);
    assert_bar_call(0, true, false, 0xfebf1000, 0x100);
    read_all(now);
    assert_memory_equal(now, before, PCI_CONFIG_SIZE);
}

/* The line would send a held message if the vector were unmasked: the
 * restore leaves it held rather than send an interrupt. */
static void test_restore_never_sends_msi(void **state)
{
    struct snap s;

    (void)state;
    make(&mem_id, IRQ_MSI, 0x100);
    wr(0x44, 4, 0xfee00000);
    wr(0x4c, 2, 0x41);
    wr(0x42, 2, 0x0001);
    wr(0x04, 2, 0x0004);
    s = save_fn(); /* vector unmasked */

    make(&mem_id, IRQ_MSI, 0x100);
    line.msi_masked = true; /* a line that disagrees with the image */
    line.msi_pending = true;
    assert_int_equal(restore_fn(&s, s.len, true), 0);
    assert_int_equal(line.msi_sent, 0);
    assert_true(line.msi_pending);
    assert_true(line.msi_enabled);

    make(&mem_id, IRQ_MSI, 0x100); /* nothing held: the mask follows the image */
    line.msi_masked = true;
    assert_int_equal(restore_fn(&s, s.len, true), 0);
    assert_false(line.msi_masked);
    assert_int_equal(line.msi_sent, 0);
}

/* A BAR whose claim had failed stays unclaimed until the guest writes. */
static void test_restore_failed_claim_stays_unclaimed(void **state)
{
    struct snap s;

    (void)state;
    make(&mem_id, IRQ_NONE, 0x100);
    bars.map_result = -EEXIST;
    wr(0x10, 4, 0xfebf1000);
    capture_begin();
    wr(0x04, 2, 0x0002);
    capture_end();
    s = save_fn();
    assert_int_equal(s.buf[OFF_CLAIMED], 0);

    make(&mem_id, IRQ_NONE, 0x100);
    assert_int_equal(restore_fn(&s, s.len, true), 0);
    assert_int_equal(bars.n, 0);
    assert_int_equal(rd(0x04, 2), 0x0002);
    wr(0x04, 2, 0x0002);
    assert_int_equal(bars.n, 1);
    assert_bar_call(0, true, false, 0xfebf1000, 0x100);
}

/* A BAR released by the guest leaves no base behind. */
static void test_restore_released_bar(void **state)
{
    struct snap s;

    (void)state;
    make(&io_id, IRQ_NONE, 8);
    wr(0x10, 4, 0xc040);
    wr(0x04, 2, 0x0001);
    wr(0x04, 2, 0x0000);
    assert_int_equal(bars.n, 2);
    s = save_fn();
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(s.buf[OFF_BASE + i], 0);

    make(&io_id, IRQ_NONE, 8);
    assert_int_equal(restore_fn(&s, s.len, true), 0);
    assert_int_equal(bars.n, 0);
    assert_int_equal(rd(0x10, 4), 0xc041);
    wr(0x04, 2, 0x0001);
    assert_int_equal(bars.n, 1);
    assert_bar_call(0, true, true, 0xc040, 8);
}

static void test_restore_map_failure_logged(void **state)
{
    struct snap s = programmed_mem_msi(NULL);
    int rc;

    (void)state;
    make(&mem_id, IRQ_MSI, 0x100);
    bars.map_result = -EEXIST;
    capture_begin();
    rc = restore_fn(&s, s.len, true);
    capture_end();
    assert_int_equal(rc, 0);
    assert_int_equal(bars.n, 1);
    assert_bar_call(0, true, false, 0xfebf1000, 0x100);
    assert_non_null(strstr(captured, "fakepci"));
    assert_non_null(strstr(captured, "0xfebf1000"));
    assert_int_equal(rd(0x10, 4), 0xfebf1000);
    assert_int_equal(line.msi_calls, 1); /* the rest is restored all the same */
    wr(0x04, 2, 0x0404); /* decode off: nothing was claimed to release */
    assert_int_equal(bars.n, 1);
    bars.map_result = 0;
    wr(0x04, 2, 0x0406);
    assert_int_equal(bars.n, 2);
    assert_bar_call(1, true, false, 0xfebf1000, 0x100);
}

/* Rejected by the check and by apply alike, with nothing changed. */
static void assert_rejected(const struct device_pci_id *id, enum irq_kind irq, uint64_t window,
                            const struct snap *s, size_t len)
{
    uint8_t reset[PCI_CONFIG_SIZE], now[PCI_CONFIG_SIZE];
    struct snap fresh, after;

    make(id, irq, window);
    read_all(reset);
    fresh = save_fn();
    assert_int_equal(restore_fn(s, len, false), -EINVAL);
    assert_int_equal(restore_fn(s, len, true), -EINVAL);
    assert_int_equal(bars.n, 0);
    assert_line_untouched();
    read_all(now);
    assert_memory_equal(now, reset, PCI_CONFIG_SIZE);
    after = save_fn();
    assert_memory_equal(after.buf, fresh.buf, SNAP_LEN);
}

static void assert_mem_msi_rejected(const struct snap *s)
{
    assert_rejected(&mem_id, IRQ_MSI, 0x100, s, s->len);
}

static void test_restore_rejects_read_only_bits(void **state)
{
    static const struct {
        unsigned reg;
        uint8_t flip;
    } flips[] = {
        { 0x00, 0x01 }, /* vendor */
        { 0x03, 0x80 }, /* device */
        { 0x04, 0x08 }, /* command: special cycles */
        { 0x06, 0x08 }, /* status: interrupt status lives in the line */
        { 0x06, 0x10 }, /* status: capabilities list */
        { 0x08, 0x01 }, /* revision */
        { 0x0b, 0x01 }, /* class */
        { 0x0e, 0x80 }, /* header type */
        { 0x10, 0x08 }, /* BAR0: prefetchable */
        { 0x10, 0x80 }, /* BAR0: inside the 4 KiB window */
        { 0x14, 0x01 }, /* BAR1: absent */
        { 0x2f, 0x01 }, /* subsystem */
        { 0x34, 0x04 }, /* capabilities pointer */
        { 0x3d, 0x01 }, /* interrupt pin: none with MSI */
        { 0x40, 0x01 }, /* MSI capability id */
        { 0x42, 0x80 }, /* MSI control: 64-bit */
        { 0x43, 0x01 }, /* MSI control: per-vector masking */
        { 0x44, 0x01 }, /* MSI address: dword aligned */
        { 0x4e, 0x01 }, /* MSI: reserved above the data */
        { 0x50, 0x02 }, /* mask bits: one vector */
        { 0x54, 0x01 }, /* pending bits live in the line */
        { 0xff, 0x01 }, /* unimplemented */
    };
    const struct snap good = programmed_mem_msi(NULL);

    (void)state;
    for (unsigned i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
        struct snap s = good;

        s.buf[flips[i].reg] ^= flips[i].flip;
        assert_mem_msi_rejected(&s);
    }
    /* Writable bits may differ: the good one is taken. */
    make(&mem_id, IRQ_MSI, 0x100);
    assert_int_equal(restore_fn(&good, good.len, false), 0);
}

static void test_restore_rejects_other_config(void **state)
{
    struct snap s;

    (void)state;
    make(&io_id, IRQ_INTX, 8);
    s = save_fn();
    assert_rejected(&mem_id, IRQ_INTX, 0x100, &s, s.len); /* I/O BAR, memory BAR */
    assert_rejected(&io_id, IRQ_NONE, 8, &s, s.len);      /* INTA pin, none */
    assert_rejected(&io_id, IRQ_MSI, 8, &s, s.len);       /* no MSI capability */
    make(&io_id, IRQ_INTX, 8);
    wr(0x10, 4, 0xc028); /* 8-port aligned: not for a 64-port BAR */
    s = save_fn();
    assert_rejected(&io_id, IRQ_INTX, 0x40, &s, s.len);
}

static void test_restore_rejects_claims_the_image_denies(void **state)
{
    const struct snap good = programmed_mem_msi(NULL);
    struct snap s;

    (void)state;
    s = good; /* another base than the BAR's */
    put_u64(&s, OFF_BASE, 0xfebf2000);
    assert_mem_msi_rejected(&s);
    s = good; /* memory decode off */
    s.buf[0x04] &= (uint8_t)~0x02;
    assert_mem_msi_rejected(&s);
    s = good; /* only I/O decode, for a memory BAR */
    s.buf[0x04] = (uint8_t)((s.buf[0x04] & ~0x02) | 0x01);
    assert_mem_msi_rejected(&s);
    s = good; /* BAR unassigned */
    memset(&s.buf[0x10], 0, 4);
    put_u64(&s, OFF_BASE, 0);
    assert_mem_msi_rejected(&s);
    s = good; /* what sizing leaves in the BAR */
    memset(&s.buf[0x10], 0, 4);
    s.buf[0x11] = 0xf0;
    s.buf[0x12] = s.buf[0x13] = 0xff;
    put_u64(&s, OFF_BASE, 0xfffff000);
    assert_mem_msi_rejected(&s);
    s = good; /* not claimed, yet a base */
    s.buf[OFF_CLAIMED] = 0;
    assert_mem_msi_rejected(&s);
    s.buf[OFF_CLAIMED] = 2; /* not a bool */
    assert_mem_msi_rejected(&s);

    /* An I/O BAR beyond the port space was never claimed. */
    make(&io_id, IRQ_INTX, 8);
    wr(0x04, 2, 0x0001);
    wr(0x10, 4, 0x10000);
    s = save_fn();
    s.buf[OFF_CLAIMED] = 1;
    put_u64(&s, OFF_BASE, 0x10000);
    assert_rejected(&io_id, IRQ_INTX, 8, &s, s.len);
}

static void test_restore_rejects_other_msi_message(void **state)
{
    const struct snap good = programmed_mem_msi(NULL);
    struct snap s;

    (void)state;
    s = good;
    s.buf[OFF_MSI_DATA] ^= 0x01;
    assert_mem_msi_rejected(&s);
    s = good;
    s.buf[OFF_MSI_DATA + 2] = 0x01; /* the message data is 16 bits */
    assert_mem_msi_rejected(&s);
    s = good;
    s.buf[OFF_MSI_ADDR + 4] = 0x00;
    assert_mem_msi_rejected(&s);
    s = good;
    s.buf[OFF_MSI_ENABLED] = 0;
    assert_mem_msi_rejected(&s);
    s.buf[OFF_MSI_ENABLED] = 2; /* not a bool */
    assert_mem_msi_rejected(&s);
    s = good; /* bus master off: the line would have been told "disabled" */
    s.buf[0x04] &= (uint8_t)~0x04;
    assert_mem_msi_rejected(&s);
    s = good; /* the image's address, not the one the line was given */
    s.buf[0x45] ^= 0x10;
    assert_mem_msi_rejected(&s);

    /* A function without MSI never gave the line a message. */
    make(&mem_id, IRQ_NONE, 0x100);
    s = save_fn();
    s.buf[OFF_MSI_DATA] = 0x41;
    assert_rejected(&mem_id, IRQ_NONE, 0x100, &s, s.len);
}

static void test_restore_rejects_truncated(void **state)
{
    const struct snap good = programmed_mem_msi(NULL);
    struct snap reset;

    (void)state;
    for (size_t len = 0; len < good.len; len++)
        assert_rejected(&mem_id, IRQ_MSI, 0x100, &good, len);
    /* At reset every field after the image is 0: what a short read gives. */
    make(&mem_id, IRQ_NONE, 0x100);
    reset = save_fn();
    for (size_t len = 0; len < reset.len; len++)
        assert_rejected(&mem_id, IRQ_NONE, 0x100, &reset, len);
    reset.buf[OFF_CLAIMED] = 2;
    assert_rejected(&mem_id, IRQ_NONE, 0x100, &reset, reset.len);
    reset.buf[OFF_CLAIMED] = 0;
    reset.buf[OFF_MSI_ENABLED] = 0x80;
    assert_rejected(&mem_id, IRQ_NONE, 0x100, &reset, reset.len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_ids_as_dwords, teardown),
        cmocka_unit_test_teardown(test_ids_unaligned, teardown),
        cmocka_unit_test_teardown(test_read_only_registers_ignore_writes, teardown),
        cmocka_unit_test_teardown(test_command_writable_bits, teardown),
        cmocka_unit_test_teardown(test_bar_size, teardown),
        cmocka_unit_test_teardown(test_bar_sizing_io, teardown),
        cmocka_unit_test_teardown(test_bar_sizing_memory, teardown),
        cmocka_unit_test_teardown(test_bar_claimed_when_decode_enabled_io, teardown),
        cmocka_unit_test_teardown(test_bar_claimed_when_decode_enabled_memory, teardown),
        cmocka_unit_test_teardown(test_bar_programmed_in_halves, teardown),
        cmocka_unit_test_teardown(test_bar_move_releases_then_claims, teardown),
        cmocka_unit_test_teardown(test_decode_off_releases, teardown),
        cmocka_unit_test_teardown(test_sizing_with_decode_on_releases_and_restores, teardown),
        cmocka_unit_test_teardown(test_free_releases, teardown),
        cmocka_unit_test_teardown(test_map_failure_not_claimed_and_retried, teardown),
        cmocka_unit_test_teardown(test_map_failure_then_move, teardown),
        cmocka_unit_test_teardown(test_io_bar_beyond_port_space, teardown),
        cmocka_unit_test_teardown(test_intx_pin_and_line, teardown),
        cmocka_unit_test_teardown(test_no_irq_has_no_pin, teardown),
        cmocka_unit_test_teardown(test_interrupt_disable_masks_line, teardown),
        cmocka_unit_test_teardown(test_status_follows_line_level, teardown),
        cmocka_unit_test_teardown(test_msi_capability_layout, teardown),
        cmocka_unit_test_teardown(test_msi_message_reaches_line, teardown),
        cmocka_unit_test_teardown(test_msi_calls_only_on_change, teardown),
        cmocka_unit_test_teardown(test_msi_ignores_interrupt_disable, teardown),
        cmocka_unit_test_teardown(test_no_msi_without_msi_irq, teardown),
        cmocka_unit_test_teardown(test_msi_mask_and_pending, teardown),
        cmocka_unit_test_teardown(test_identity_overrides, teardown),
        cmocka_unit_test_teardown(test_restore_memory_bar_and_msi, teardown),
        cmocka_unit_test_teardown(test_restore_io_bar_and_interrupt_disable, teardown),
        cmocka_unit_test_teardown(test_restore_without_irq, teardown),
        cmocka_unit_test_teardown(test_restore_never_sends_msi, teardown),
        cmocka_unit_test_teardown(test_restore_failed_claim_stays_unclaimed, teardown),
        cmocka_unit_test_teardown(test_restore_released_bar, teardown),
        cmocka_unit_test_teardown(test_restore_map_failure_logged, teardown),
        cmocka_unit_test_teardown(test_restore_rejects_read_only_bits, teardown),
        cmocka_unit_test_teardown(test_restore_rejects_other_config, teardown),
        cmocka_unit_test_teardown(test_restore_rejects_claims_the_image_denies, teardown),
        cmocka_unit_test_teardown(test_restore_rejects_other_msi_message, teardown),
        cmocka_unit_test_teardown(test_restore_rejects_truncated, teardown),
        /* Last: it uses up the rate limiter's burst. */
        cmocka_unit_test_teardown(test_map_failure_log_is_bounded, teardown),
    };

    log_init(LOG_TARGET_STDERR, LOG_INFO);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
