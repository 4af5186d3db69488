/* SPDX-License-Identifier: MIT */
/*
 * Interrupt lines: which DMOPs reach Xen for what a device drives.  The
 * DMOP layer is a recording double, so each test reads as the sequence of
 * calls Xen would see.
 */

#include <errno.h>
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
#include "snapshot.h"

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

/* ---- snapshots ------------------------------------------------------------ */

/* irq_line_save()'s layout: six bools, then the MSI address and data. */
enum { OFF_LEVEL, OFF_MASKED, OFF_OUTPUT, OFF_MSI_ENABLED, OFF_MSI_MASKED, OFF_MSI_PENDING,
       OFF_MSI_ADDR, OFF_MSI_DATA = OFF_MSI_ADDR + 8, SNAP_LEN = OFF_MSI_DATA + 4 };

struct snap {
    uint8_t buf[64];
    size_t len;
};

static struct snap save(const struct irq_line *line)
{
    struct snap s;
    struct snap_out out;

    memset(s.buf, 0xa5, sizeof(s.buf));
    snap_out_init(&out, s.buf, sizeof(s.buf));
    irq_line_save(line, &out);
    assert_false(out.overflow);
    s.len = (size_t)(out.p - s.buf);
    return s;
}

/* Restore the first len bytes of s; the whole of them must be read on
 * success (the caller frames the line: trailing bytes are not its own). */
static int restore_len(struct irq_line *line, const struct snap *s, size_t len, bool apply)
{
    struct snap_in in;
    int rc;

    snap_in_init(&in, s->buf, len);
    rc = irq_line_restore(line, &in, apply);
    if (rc == 0)
        assert_int_equal(snap_in_left(&in), len - SNAP_LEN);
    return rc;
}

static int restore(struct irq_line *line, const struct snap *s, bool apply)
{
    return restore_len(line, s, s->len, apply);
}

static void assert_same_state(const struct irq_line *a, const struct irq_line *b)
{
    struct snap sa = save(a), sb = save(b);

    assert_int_equal(sa.len, sb.len);
    assert_memory_equal(sa.buf, sb.buf, sa.len);
}

/* Save `orig`, check the snapshot into a fresh line of the same spec
 * (nothing changes, no DMOP), then take it.  The DMOPs the restore made
 * are left for the caller's expect_calls(). */
static struct irq_line *round_trip(const struct irq_line *orig, const struct irq_spec *spec)
{
    struct snap s = save(orig);
    struct irq_line *fresh = irq_line_create(NULL, spec, "dev0");
    struct irq_line *pristine = irq_line_create(NULL, spec, "dev0");

    assert_non_null(fresh);
    assert_non_null(pristine);
    if (spec->kind == IRQ_INTX) {
        irq_line_set_pci(fresh, 0, 0x00, 0x05, 0);
        irq_line_set_pci(pristine, 0, 0x00, 0x05, 0);
    }
    ncalls = 0;
    assert_int_equal(s.len, SNAP_LEN);
    assert_int_equal(restore(fresh, &s, false), 0);
    expect_calls(NULL);
    assert_same_state(fresh, pristine);
    assert_int_equal(restore(fresh, &s, true), 0);
    assert_same_state(fresh, orig);
    irq_line_destroy(pristine); /* never raised: no DMOP */
    return fresh;
}

static void test_save_restore_isa(void **state)
{
    const struct irq_spec spec = { .kind = IRQ_ISA, .num = 4 };
    struct irq_line *orig = make(IRQ_ISA, 4, false), *line;

    (void)state;
    irq_line_set(orig, true);
    ncalls = 0;
    line = round_trip(orig, &spec);
    expect_calls("isa 4 1", NULL); /* made good if the crash cut it off */
    assert_true(irq_line_level(line));
    irq_line_set(line, true); /* already high */
    expect_calls(NULL);
    irq_line_set(line, false);
    expect_calls("isa 4 0", NULL);
    irq_line_destroy(line);
    irq_line_destroy(orig);
}

static void test_save_restore_level_spi(void **state)
{
    const struct irq_spec spec = { .kind = IRQ_SPI, .num = 39 };
    struct irq_line *orig = make(IRQ_SPI, 39, false), *line;

    (void)state;
    irq_line_set(orig, true);
    irq_line_set(orig, false);
    ncalls = 0;
    line = round_trip(orig, &spec);
    expect_calls("spi 39 0", NULL); /* low: a stale high in Xen is lowered */
    assert_false(irq_line_level(line));
    irq_line_set(line, true);
    expect_calls("spi 39 1", NULL);
    irq_line_destroy(line);
    irq_line_destroy(orig);
}

static void test_save_restore_edge_spi(void **state)
{
    const struct irq_spec spec = { .kind = IRQ_SPI, .num = 40, .edge = true };
    struct irq_line *orig = make(IRQ_SPI, 40, true), *line;

    (void)state;
    irq_line_set(orig, true);
    ncalls = 0;
    line = round_trip(orig, &spec);
    expect_calls(NULL); /* a pulse would be a second interrupt */
    assert_true(irq_line_level(line));
    irq_line_set(line, true); /* still high: no new edge */
    expect_calls(NULL);
    irq_line_set(line, false);
    irq_line_set(line, true);
    expect_calls("spi 40 1", "spi 40 0", NULL);
    irq_line_destroy(line);
    irq_line_destroy(orig);
}

static void test_save_restore_intx_masked(void **state)
{
    const struct irq_spec spec = { .kind = IRQ_INTX };
    struct irq_line *orig = make(IRQ_INTX, 0, false), *line;

    (void)state;
    irq_line_set_pci(orig, 0, 0x00, 0x05, 0);
    irq_line_set(orig, true);
    irq_line_mask(orig, true);
    ncalls = 0;
    line = round_trip(orig, &spec);
    expect_calls("intx 00:05 0 0", NULL); /* held low while masked */
    assert_true(irq_line_level(line));    /* the device still drives it */
    irq_line_mask(line, true);            /* what pci_function_restore() does */
    expect_calls(NULL);
    irq_line_mask(line, false);
    expect_calls("intx 00:05 0 1", NULL);
    irq_line_destroy(line);
    irq_line_destroy(orig);
    expect_calls("intx 00:05 0 0", NULL); /* orig was held low already */
}

static void test_save_restore_msi_pending(void **state)
{
    const struct irq_spec spec = { .kind = IRQ_MSI };
    struct irq_line *orig = make(IRQ_MSI, 0, false), *line;

    (void)state;
    irq_line_set_msi(orig, true, 0x1fee01000, 0x52);
    irq_line_msi_mask(orig, true);
    irq_line_set(orig, true);
    expect_calls(NULL);
    line = round_trip(orig, &spec);
    expect_calls(NULL); /* never an MSI on restore */
    assert_true(irq_line_msi_pending(line));
    assert_true(irq_line_level(line));
    irq_line_msi_mask(line, false); /* the held message goes out now */
    expect_calls("msi 0x1fee01000 0x52", NULL);
    assert_false(irq_line_msi_pending(line));
    irq_line_destroy(line);
    irq_line_destroy(orig);
}

static void test_save_restore_msi_enabled(void **state)
{
    const struct irq_spec spec = { .kind = IRQ_MSI };
    struct irq_line *orig = make(IRQ_MSI, 0, false), *line;

    (void)state;
    irq_line_set_msi(orig, true, 0xfee00000, 0x41);
    irq_line_set(orig, true);
    expect_calls("msi 0xfee00000 0x41", NULL);
    line = round_trip(orig, &spec);
    expect_calls(NULL);
    irq_line_set(line, true); /* still high: no new edge */
    expect_calls(NULL);
    irq_line_set(line, false);
    irq_line_set(line, true);
    expect_calls("msi 0xfee00000 0x41", NULL);
    irq_line_destroy(line);
    irq_line_destroy(orig);
}

static void test_save_restore_null_line(void **state)
{
    uint8_t buf[16] = { 7, 7, 7 };
    struct snap_out out;
    struct snap_in in;

    (void)state;
    ncalls = 0;
    snap_out_init(&out, buf, sizeof(buf));
    irq_line_save(NULL, &out);
    assert_ptr_equal(out.p, buf);
    snap_in_init(&in, buf, sizeof(buf));
    assert_int_equal(irq_line_restore(NULL, &in, false), 0);
    assert_int_equal(irq_line_restore(NULL, &in, true), 0);
    assert_ptr_equal(in.p, buf);
    assert_false(in.bad);
    expect_calls(NULL);
}

static void test_restore_leaves_trailing_bytes(void **state)
{
    struct irq_line *orig = make(IRQ_ISA, 3, false), *line = make(IRQ_ISA, 3, false);
    struct snap s = save(orig);

    (void)state;
    s.buf[s.len] = 0xff; /* the next field of the caller's frame */
    assert_int_equal(restore_len(line, &s, s.len + 1, true), 0);
    expect_calls("isa 3 0", NULL);
    irq_line_destroy(line);
    irq_line_destroy(orig);
}

/* A snapshot the line cannot take: rejected by the check and by apply,
 * with no DMOP and the line as it was. */
static void assert_rejected(enum irq_kind kind, bool edge, const struct snap *s, size_t len)
{
    struct irq_line *line = make(kind, kind == IRQ_SPI ? 41 : 5, edge);
    struct irq_line *pristine = make(kind, kind == IRQ_SPI ? 41 : 5, edge);

    assert_int_equal(restore_len(line, s, len, false), -EINVAL);
    assert_int_equal(restore_len(line, s, len, true), -EINVAL);
    expect_calls(NULL);
    assert_same_state(line, pristine);
    irq_line_destroy(line);
    irq_line_destroy(pristine);
    expect_calls(NULL);
}

static void test_restore_truncated(void **state)
{
    struct irq_line *orig = make(IRQ_MSI, 0, false);
    struct snap s;

    (void)state;
    irq_line_set_msi(orig, true, 0xfee00000, 0x41);
    irq_line_msi_mask(orig, true);
    irq_line_set(orig, true);
    s = save(orig);
    for (size_t len = 0; len < s.len; len++)
        assert_rejected(IRQ_MSI, false, &s, len);
    irq_line_destroy(orig);
}

static void test_restore_bad_bools(void **state)
{
    struct irq_line *orig = make(IRQ_INTX, 0, false);
    const uint8_t bad[] = { 2, 0x80, 0xff };
    struct snap s;

    (void)state;
    s = save(orig);
    for (unsigned off = OFF_LEVEL; off <= OFF_MSI_PENDING; off++) {
        for (unsigned i = 0; i < sizeof(bad); i++) {
            struct snap t = s;

            t.buf[off] = bad[i];
            assert_rejected(IRQ_INTX, false, &t, t.len);
        }
    }
    irq_line_destroy(orig);
}

/* A snapshot written field by field, bypassing irq_line_save(). */
static struct snap forge(bool level, bool masked, bool output, bool msi_enabled,
                         bool msi_masked, bool msi_pending, uint64_t addr, uint32_t data)
{
    struct snap s;
    struct snap_out out;

    snap_out_init(&out, s.buf, sizeof(s.buf));
    snap_put_bool(&out, level);
    snap_put_bool(&out, masked);
    snap_put_bool(&out, output);
    snap_put_bool(&out, msi_enabled);
    snap_put_bool(&out, msi_masked);
    snap_put_bool(&out, msi_pending);
    snap_put_u64(&out, addr);
    snap_put_u32(&out, data);
    s.len = (size_t)(out.p - s.buf);
    return s;
}

static void assert_forged_ok(enum irq_kind kind, bool edge, const struct snap *s)
{
    struct irq_line *line = make(kind, kind == IRQ_SPI ? 41 : 5, edge);

    assert_int_equal(restore(line, s, false), 0);
    irq_line_destroy(line);
    ncalls = 0;
}

static void test_restore_inconsistent(void **state)
{
    const enum irq_kind kinds[] = { IRQ_ISA, IRQ_SPI, IRQ_INTX, IRQ_MSI };
    struct snap s;

    (void)state;
    /* The forger itself writes what the line accepts. */
    s = forge(true, false, true, false, false, false, 0, 0);
    assert_forged_ok(IRQ_ISA, false, &s);
    s = forge(true, true, false, false, false, false, 0, 0);
    assert_forged_ok(IRQ_INTX, false, &s);
    s = forge(true, false, true, true, true, true, 0xfee00000, 0x41);
    assert_forged_ok(IRQ_MSI, false, &s);

    for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        /* What Xen was told is not what the device drives. */
        s = forge(true, false, false, false, false, false, 0, 0);
        assert_rejected(kinds[k], false, &s, s.len);
        s = forge(false, false, true, false, false, false, 0, 0);
        assert_rejected(kinds[k], false, &s, s.len);
        /* Masked yet told high. */
        s = forge(true, true, true, false, false, false, 0, 0);
        assert_rejected(kinds[k], false, &s, s.len);
    }
    s = forge(true, false, false, false, false, false, 0, 0);
    assert_rejected(IRQ_SPI, true, &s, s.len);

    /* Interrupt Disable on a line that is not INTx. */
    s = forge(false, true, false, false, false, false, 0, 0);
    assert_rejected(IRQ_ISA, false, &s, s.len);
    assert_rejected(IRQ_SPI, true, &s, s.len);
    assert_rejected(IRQ_MSI, false, &s, s.len);

    /* MSI state on a line that is not MSI. */
    s = forge(false, false, false, true, false, false, 0, 0);
    assert_rejected(IRQ_INTX, false, &s, s.len);
    s = forge(false, false, false, false, true, false, 0, 0);
    assert_rejected(IRQ_ISA, false, &s, s.len);
    s = forge(false, false, false, false, false, false, 0xfee00000, 0);
    assert_rejected(IRQ_SPI, false, &s, s.len);
    s = forge(false, false, false, false, false, false, 0, 0x41);
    assert_rejected(IRQ_INTX, false, &s, s.len);

    /* A pending message needs MSI enabled and the vector masked. */
    s = forge(false, false, false, false, true, true, 0xfee00000, 0x41);
    assert_rejected(IRQ_MSI, false, &s, s.len);
    s = forge(false, false, false, true, false, true, 0xfee00000, 0x41);
    assert_rejected(IRQ_MSI, false, &s, s.len);
    s = forge(false, false, false, true, true, true, 0xfee00000, 0x41);
    assert_rejected(IRQ_ISA, false, &s, s.len);
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
        cmocka_unit_test(test_save_restore_isa),
        cmocka_unit_test(test_save_restore_level_spi),
        cmocka_unit_test(test_save_restore_edge_spi),
        cmocka_unit_test(test_save_restore_intx_masked),
        cmocka_unit_test(test_save_restore_msi_pending),
        cmocka_unit_test(test_save_restore_msi_enabled),
        cmocka_unit_test(test_save_restore_null_line),
        cmocka_unit_test(test_restore_leaves_trailing_bytes),
        cmocka_unit_test(test_restore_truncated),
        cmocka_unit_test(test_restore_bad_bools),
        cmocka_unit_test(test_restore_inconsistent),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
