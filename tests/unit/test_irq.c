/* SPDX-License-Identifier: MIT */
/*
 * Interrupt lines: which DMOPs reach Xen for what a device drives.  The
 * DMOP layer is a recording double, so each test reads as the sequence of
 * calls Xen would see.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dmop/dmop.h"
#include "irq.h"

/* ---- DMOP double: "isa 4 1", "spi 39 0", "intx 00:05 0 1", "msi 0xfee00000 0x41" */

#define CALLS_MAX 32

static char calls[CALLS_MAX][48];
static unsigned ncalls;

__attribute__((format(printf, 1, 2))) static void record(const char *fmt, ...)
{
    va_list ap;

    assert_true(ncalls < CALLS_MAX);
    va_start(ap, fmt);
    vsnprintf(calls[ncalls++], sizeof(calls[0]), fmt, ap);
    va_end(ap);
}

int dmop_set_isa_irq_level(struct dmop *x, uint8_t irq, bool level, const char *owner)
{
    (void)x, (void)owner;
    record("isa %u %d", irq, level);
    return 0;
}

int dmop_set_spi_level(struct dmop *x, uint32_t irq, bool level, const char *owner)
{
    (void)x, (void)owner;
    record("spi %u %d", irq, level);
    return 0;
}

int dmop_set_pci_intx_level(struct dmop *x, uint8_t bus, uint8_t dev, uint8_t intx,
                            bool level, const char *owner)
{
    (void)x, (void)owner;
    record("intx %02x:%02x %u %d", bus, dev, intx, level);
    return 0;
}

int dmop_inject_msi(struct dmop *x, uint64_t addr, uint32_t data, const char *owner)
{
    (void)x, (void)owner;
    record("msi %#llx %#x", (unsigned long long)addr, data);
    return 0;
}

/* The calls since the last check, one per argument, NULL-terminated. */
static void expect_calls(const char *first, ...)
{
    va_list ap;
    unsigned i = 0;

    va_start(ap, first);
    for (const char *c = first; c != NULL; c = va_arg(ap, const char *), i++) {
        assert_true(i < ncalls);
        assert_string_equal(calls[i], c);
    }
    va_end(ap);
    assert_int_equal(ncalls, i);
    ncalls = 0;
}

static struct irq_line *make(enum irq_kind kind, uint32_t num, bool edge)
{
    const struct irq_spec spec = { .kind = kind, .num = num, .edge = edge };
    struct irq_line *line = irq_line_create(NULL, &spec, "dev0");

    assert_non_null(line);
    ncalls = 0;
    return line;
}

static void test_none_is_null_and_ignored(void **state)
{
    const struct irq_spec spec = { .kind = IRQ_NONE };

    (void)state;
    ncalls = 0;
    assert_null(irq_line_create(NULL, &spec, "dev0"));
    irq_line_set(NULL, true);
    assert_false(irq_line_level(NULL));
    irq_line_destroy(NULL);
    assert_int_equal(ncalls, 0);
}

static void test_isa_only_on_change(void **state)
{
    struct irq_line *line = make(IRQ_ISA, 4, false);

    (void)state;
    irq_line_set(line, false); /* already low */
    irq_line_set(line, true);
    irq_line_set(line, true);
    assert_true(irq_line_level(line));
    irq_line_set(line, false);
    expect_calls("isa 4 1", "isa 4 0", NULL);
    irq_line_set(line, true);
    irq_line_destroy(line); /* lowered on the way out */
    expect_calls("isa 4 1", "isa 4 0", NULL);
}

static void test_level_spi_follows_device(void **state)
{
    struct irq_line *line = make(IRQ_SPI, 39, false);

    (void)state;
    irq_line_set(line, true);
    irq_line_set(line, false);
    expect_calls("spi 39 1", "spi 39 0", NULL);
    irq_line_destroy(line);
    expect_calls(NULL);
}

static void test_edge_spi_pulses_each_rising_edge(void **state)
{
    struct irq_line *line = make(IRQ_SPI, 40, true);

    (void)state;
    irq_line_set(line, true);
    expect_calls("spi 40 1", "spi 40 0", NULL);
    irq_line_set(line, true); /* still high: no new edge */
    irq_line_set(line, false);
    expect_calls(NULL);
    irq_line_set(line, true);
    assert_true(irq_line_level(line)); /* the device's view stays high */
    expect_calls("spi 40 1", "spi 40 0", NULL);
    irq_line_destroy(line); /* Xen's line is already low */
    expect_calls(NULL);
}

static void test_intx_masked_by_interrupt_disable(void **state)
{
    struct irq_line *line = make(IRQ_INTX, 0, false);

    (void)state;
    irq_line_set_pci(line, 0, 0x00, 0x05, 0);
    irq_line_set(line, true);
    irq_line_mask(line, true);
    assert_true(irq_line_level(line));
    irq_line_mask(line, false);
    expect_calls("intx 00:05 0 1", "intx 00:05 0 0", "intx 00:05 0 1", NULL);
    irq_line_destroy(line);
    expect_calls("intx 00:05 0 0", NULL);
}

static void test_msi_on_rising_edges_when_enabled(void **state)
{
    struct irq_line *line = make(IRQ_MSI, 0, false);

    (void)state;
    irq_line_set(line, true); /* not enabled yet: nothing to send */
    irq_line_set(line, false);
    irq_line_set_msi(line, true, 0xfee00000, 0x41);
    irq_line_set(line, true);
    irq_line_set(line, true);
    irq_line_set(line, false);
    irq_line_set(line, true);
    expect_calls("msi 0xfee00000 0x41", "msi 0xfee00000 0x41", NULL);
    irq_line_destroy(line);
    expect_calls(NULL);
}

static void test_msi_masked_is_pending_until_unmasked(void **state)
{
    struct irq_line *line = make(IRQ_MSI, 0, false);

    (void)state;
    irq_line_set_msi(line, true, 0xfee01000, 0x52);
    irq_line_msi_mask(line, true);
    irq_line_set(line, true);
    irq_line_set(line, false);
    expect_calls(NULL);
    assert_true(irq_line_msi_pending(line));
    irq_line_msi_mask(line, false);
    expect_calls("msi 0xfee01000 0x52", NULL);
    assert_false(irq_line_msi_pending(line));
    irq_line_msi_mask(line, true); /* nothing pending: nothing on unmask */
    irq_line_msi_mask(line, false);
    expect_calls(NULL);
    irq_line_destroy(line);
}

static void test_msi_disable_drops_pending(void **state)
{
    struct irq_line *line = make(IRQ_MSI, 0, false);

    (void)state;
    irq_line_set_msi(line, true, 0xfee01000, 0x52);
    irq_line_msi_mask(line, true);
    irq_line_set(line, true);
    assert_true(irq_line_msi_pending(line));
    irq_line_set_msi(line, false, 0xfee01000, 0x52);
    assert_false(irq_line_msi_pending(line));
    irq_line_msi_mask(line, false);
    expect_calls(NULL);
    irq_line_destroy(line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none_is_null_and_ignored),
        cmocka_unit_test(test_isa_only_on_change),
        cmocka_unit_test(test_level_spi_follows_device),
        cmocka_unit_test(test_edge_spi_pulses_each_rising_edge),
        cmocka_unit_test(test_intx_masked_by_interrupt_disable),
        cmocka_unit_test(test_msi_on_rising_edges_when_enabled),
        cmocka_unit_test(test_msi_masked_is_pending_until_unmasked),
        cmocka_unit_test(test_msi_disable_drops_pending),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
