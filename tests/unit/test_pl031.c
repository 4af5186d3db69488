/* SPDX-License-Identifier: MIT */
/*
 * The pl031 register model, driven through its region_ops as the core
 * routes guest MMIO, on a host clock the test sets (fake_clock.c) and a
 * recording interrupt line (fake_irq.c).
 *
 * Sequences follow Linux: the AMBA bus's amba_read_periphid, then
 * drivers/rtc/rtc-pl031.c (probe, read/set time, set alarm, interrupt).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "device_harness.h"
#include "snapshot_harness.h"
#include <ev.h>

#include "config.h"
#include "devices/device.h"
#include "devices/rtc_clock.h"
#include "fake_clock.h"
#include "fake_irq.h"

extern const struct device_type pl031_device;

/* The test does not link registry.c. */
const struct device_type *const device_types[] = { &pl031_device, NULL };

enum { DR = 0x000, MR = 0x004, LR = 0x008, CR = 0x00c, IMSC = 0x010, RIS = 0x014,
       MIS = 0x018, ICR = 0x01c };

#define AMBA_CID 0xb105f00du

struct pl031_test {
    struct ev_loop *loop;
    struct dev_config cfg;
    struct device dev;
    struct irq_line *irq;
    char dir[64]; /* state_dir, empty for none */
};

static void create_device(struct pl031_test *t)
{
    t->dev = harness_device(&t->cfg, t->loop, t->irq, t->dir[0] != '\0' ? t->dir : NULL);
    assert_int_equal(pl031_device.create(&t->dev), 0);
    assert_non_null(t->dev.state);
}

static void make_pl031(struct pl031_test *t, bool with_state_dir)
{
    memset(t, 0, sizeof(*t));
    if (with_state_dir) {
        strcpy(t->dir, "/tmp/dmd-pl031-XXXXXX");
        assert_non_null(mkdtemp(t->dir));
    }
    t->loop = ev_loop_new(EVFLAG_AUTO);
    assert_non_null(t->loop);
    t->irq = fake_irq_new();
    assert_non_null(t->irq);
    t->cfg.name = "rtc0";
    t->cfg.type = &pl031_device;
    t->cfg.attach = (struct attach_spec){ .kind = ATTACH_MMIO, .base = 0x09010000 };
    t->cfg.irq = (struct irq_spec){ .kind = IRQ_SPI, .num = 34 };
    t->cfg.size = pl031_device.window_size(&t->cfg);
    create_device(t);
}

static void restart(struct pl031_test *t)
{
    pl031_device.destroy(&t->dev);
    assert_null(t->dev.state);
    create_device(t);
}

static void state_path(const struct pl031_test *t, char *buf, size_t len, const char *suffix)
{
    snprintf(buf, len, "%s/rtc0.state%s", t->dir, suffix);
}

static void free_pl031(struct pl031_test *t)
{
    pl031_device.destroy(&t->dev);
    assert_null(t->dev.state);
    if (t->dir[0] != '\0') {
        char path[128];

        state_path(t, path, sizeof(path), "");
        unlink(path);
        state_path(t, path, sizeof(path), ".bad");
        unlink(path);
        assert_int_equal(rmdir(t->dir), 0);
    }
    fake_irq_free(t->irq);
    ev_loop_destroy(t->loop);
}

static uint32_t readl(struct pl031_test *t, uint64_t offset)
{
    return (uint32_t)pl031_device.ops->read(t->dev.state, offset, 4);
}

static void writel(struct pl031_test *t, uint64_t offset, uint32_t value)
{
    pl031_device.ops->write(t->dev.state, offset, 4, value);
}

static bool line(struct pl031_test *t)
{
    return irq_line_level(t->irq);
}

/* ---- identification ------------------------------------------------------ */

/* amba_read_periphid: the low byte of each of the last eight words. */
static void test_amba_ids(void **state)
{
    struct pl031_test t;
    uint32_t pid = 0, cid = 0;

    (void)state;
    fake_clock_set(1700000000 * FAKE_SEC);
    make_pl031(&t, false);
    assert_int_equal(t.cfg.size, 0x1000);
    for (unsigned i = 0; i < 4; i++) {
        pid |= (readl(&t, t.cfg.size - 0x20 + 4 * i) & 255) << (i * 8);
        cid |= (readl(&t, t.cfg.size - 0x10 + 4 * i) & 255) << (i * 8);
    }
    assert_int_equal(cid, AMBA_CID);
    assert_int_equal(pid & 0x000fffff, 0x00041031); /* rtc-pl031's arm id */
    assert_int_equal(pid, 0x00141031);
    free_pl031(&t);
}

/* ---- time ---------------------------------------------------------------- */

static void test_probe_and_time(void **state)
{
    struct pl031_test t;

    (void)state;
    fake_clock_set(1700000000 * FAKE_SEC + 400 * FAKE_MS);
    make_pl031(&t, false);
    /* pl031_probe: CR |= RTC_CR_EN; it reads back started. */
    writel(&t, CR, readl(&t, CR) | 1);
    assert_int_equal(readl(&t, CR), 1);
    assert_int_equal(readl(&t, DR), 1700000000);
    fake_clock_advance(600 * FAKE_MS);
    assert_int_equal(readl(&t, DR), 1700000001);

    /* pl031_set_time: LR; DR counts on from it, LR reads back. */
    writel(&t, LR, 0x60000000);
    assert_int_equal(readl(&t, DR), 0x60000000);
    assert_int_equal(readl(&t, LR), 0x60000000);
    fake_clock_advance(5 * FAKE_SEC);
    assert_int_equal(readl(&t, DR), 0x60000005);
    writel(&t, DR, 0); /* read-only */
    assert_int_equal(readl(&t, DR), 0x60000005);
    free_pl031(&t);
}

/* ---- the match interrupt ------------------------------------------------- */

static void test_match_interrupt(void **state)
{
    struct pl031_test t;

    (void)state;
    fake_clock_set(1700000000 * FAKE_SEC + 500 * FAKE_MS);
    make_pl031(&t, false);
    writel(&t, LR, 1000);
    /* pl031_set_alarm: MR, then alarm_irq_enable clears and unmasks. */
    writel(&t, MR, 1003);
    writel(&t, ICR, 1);
    writel(&t, IMSC, readl(&t, IMSC) | 1);
    assert_int_equal(readl(&t, MR), 1003);
    assert_int_equal(readl(&t, IMSC), 1);

    fake_clock_advance(2400 * FAKE_MS); /* DR 1002 */
    assert_int_equal(readl(&t, RIS), 0);
    assert_false(line(&t));
    fake_clock_advance(100 * FAKE_MS); /* DR 1003 */
    assert_int_equal(readl(&t, MIS), 1); /* pl031_interrupt */
    assert_true(line(&t));
    assert_int_equal(readl(&t, RIS), 1);
    writel(&t, ICR, 1);
    assert_false(line(&t));
    assert_int_equal(readl(&t, RIS), 0);
    assert_int_equal(readl(&t, MIS), 0);

    /* Masked: RIS still records the match, MIS and the line do not. */
    writel(&t, IMSC, 0);
    writel(&t, MR, 1005);
    fake_clock_advance(2 * FAKE_SEC);
    assert_int_equal(readl(&t, RIS), 1);
    assert_int_equal(readl(&t, MIS), 0);
    assert_false(line(&t));
    writel(&t, IMSC, 1); /* unmasking a pending match raises the line */
    assert_true(line(&t));
    writel(&t, ICR, 0); /* only bit 0 clears */
    assert_true(line(&t));
    writel(&t, ICR, 1);
    assert_false(line(&t));
    assert_int_equal(fake_irq_rises(t.irq), 2);
    free_pl031(&t);
}

/* MR or LR making DR equal MR matches at once (as QEMU). */
static void test_match_now(void **state)
{
    struct pl031_test t;

    (void)state;
    fake_clock_set(1700000000 * FAKE_SEC);
    make_pl031(&t, false);
    writel(&t, MR, 1700000000);
    assert_int_equal(readl(&t, RIS), 1);
    writel(&t, ICR, 1);
    writel(&t, LR, 5);
    assert_int_equal(readl(&t, RIS), 0);
    writel(&t, MR, 7);
    writel(&t, LR, 7);
    assert_int_equal(readl(&t, RIS), 1);
    free_pl031(&t);
}

/* DR wraps at 2^32 and the match comes round with it. */
static void test_match_across_wrap(void **state)
{
    struct pl031_test t;

    (void)state;
    fake_clock_set(1700000000 * FAKE_SEC + 500 * FAKE_MS);
    make_pl031(&t, false);
    writel(&t, LR, 0xfffffffe);
    writel(&t, MR, 1);
    fake_clock_advance(2 * FAKE_SEC);
    assert_int_equal(readl(&t, DR), 0);
    assert_int_equal(readl(&t, RIS), 0);
    fake_clock_advance(FAKE_SEC);
    assert_int_equal(readl(&t, RIS), 1);

    /* A match already passed does not fire again for 136 years. */
    writel(&t, ICR, 1);
    fake_clock_advance(30 * 86400 * FAKE_SEC);
    assert_int_equal(readl(&t, RIS), 0);
    free_pl031(&t);
}

/* The timer raises the line without the guest looking. */
static void test_match_timer(void **state)
{
    struct pl031_test t;

    (void)state;
    fake_clock_set(1700000000 * FAKE_SEC + FAKE_SEC - 5 * FAKE_MS);
    make_pl031(&t, false);
    writel(&t, MR, 1700000001);
    writel(&t, IMSC, 1);
    fake_clock_follow_real();
    for (int i = 0; i < 200 && !line(&t); i++)
        ev_run(t.loop, EVRUN_ONCE);
    assert_true(line(&t));
    assert_int_equal(readl(&t, MIS), 1);
    free_pl031(&t);
}

/* ---- odd accesses -------------------------------------------------------- */

static void test_narrow_and_unknown_accesses(void **state)
{
    struct pl031_test t;

    (void)state;
    fake_clock_set(0x12345678 * FAKE_SEC);
    make_pl031(&t, false);
    assert_int_equal(pl031_device.max_access, 4);
    assert_int_equal(pl031_device.wide, ACCESS_REJECT);
    /* Narrow reads see the register's bytes (the core masks to size). */
    assert_int_equal(pl031_device.ops->read(t.dev.state, 0xfe0, 1) & 0xff, 0x31);
    assert_int_equal(pl031_device.ops->read(t.dev.state, DR + 2, 2) & 0xffff, 0x1234);
    assert_int_equal(pl031_device.ops->read(t.dev.state, DR, 2) & 0xffff, 0x5678);
    /* Narrow writes are dropped. */
    pl031_device.ops->write(t.dev.state, LR, 1, 0x42);
    pl031_device.ops->write(t.dev.state, MR, 2, 0x42);
    assert_int_equal(readl(&t, DR), 0x12345678);
    assert_int_equal(readl(&t, MR), 0);
    /* Reserved offsets read 0 and ignore writes. */
    for (uint64_t off = 0x020; off < 0xfe0; off += 4) {
        writel(&t, off, 0xffffffff);
        assert_int_equal(readl(&t, off), 0);
    }
    writel(&t, RIS, 1);
    writel(&t, MIS, 1);
    assert_int_equal(readl(&t, RIS), 0);
    assert_int_equal(readl(&t, MIS), 0);
    writel(&t, 0xfe0, 0);
    assert_int_equal(readl(&t, 0xfe0), 0x31);
    free_pl031(&t);
}

/* ---- persistence --------------------------------------------------------- */

static void test_offset_survives_restart(void **state)
{
    struct pl031_test t;
    char path[128], bad[128];
    FILE *f;

    (void)state;
    fake_clock_set(1700000000 * FAKE_SEC + 500 * FAKE_MS);
    make_pl031(&t, true);
    state_path(&t, path, sizeof(path), "");
    state_path(&t, bad, sizeof(bad), ".bad");
    writel(&t, LR, 0x60000000);
    restart(&t);
    fake_clock_advance(10 * FAKE_SEC);
    restart(&t);
    assert_int_equal(readl(&t, DR), 0x60000000 + 10);
    assert_int_equal(access(path, F_OK), 0);

    /* A bad file: set aside, and DR is the host's time again. */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("version = 1\noffset = 12x\n", f);
    fclose(f);
    restart(&t);
    assert_int_equal(readl(&t, DR), 1700000010);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(access(bad, F_OK), 0);
    free_pl031(&t);
}

/* ---- crash snapshots ----------------------------------------------------- */

/* save()'s layout, version 1 (pl031.c), where the tests damage it. */
enum { SNAP_OFFSET = 0, SNAP_MR = 8, SNAP_LR = 12, SNAP_IMSC = 16, SNAP_RIS = 17,
       SNAP_CHECKED = 18, SNAP_SIZE = 26 };

#define HOST_SEC INT64_C(1700000000)

/* Driven far from reset: DR loaded with 0x60000000 (at host second
 * HOST_SEC), a match at 0x60000002 pending with the line up, MR then moved
 * on to 0x60000010, the interrupt unmasked.  The clock stands at host
 * HOST_SEC + 2.5 afterwards. */
static void make_rich(struct pl031_test *t)
{
    fake_clock_set(HOST_SEC * FAKE_SEC + 500 * FAKE_MS);
    make_pl031(t, false);
    writel(t, LR, 0x60000000);
    writel(t, MR, 0x60000002);
    writel(t, ICR, 1);
    writel(t, IMSC, 1);
    fake_clock_advance(2 * FAKE_SEC);
    assert_int_equal(readl(t, RIS), 1);
    assert_true(line(t));
    writel(t, MR, 0x60000010);
}

/* The harness's pair: make_rich's, and a fresh one without a state_dir. */
static void kit_make(void *t, bool far_from_reset)
{
    if (far_from_reset)
        make_rich(t);
    else
        make_pl031(t, false);
}

static void kit_free(void *t)
{
    free_pl031(t);
}

static const struct harness_kit kit = { sizeof(struct pl031_test),
                                        offsetof(struct pl031_test, dev), kit_make, kit_free };

static void expect_same_registers(struct pl031_test *a, struct pl031_test *b)
{
    assert_int_equal(line(a), line(b));
    for (uint64_t off = 0; off < 0x1000; off += 4)
        assert_int_equal(readl(a, off), readl(b, off));
    assert_int_equal(line(a), line(b));
}

static void test_snapshot_round_trip(void **state)
{
    struct pl031_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    make_rich(&a);
    n = harness_save(&a.dev, buf, sizeof(buf));
    assert_int_equal(n, SNAP_SIZE);

    make_pl031(&b, false);
    harness_expect_round_trip(&b.dev, buf, n); /* nothing to catch up */
    assert_true(line(&b));
    assert_int_equal(readl(&b, DR), 0x60000002);
    assert_int_equal(readl(&b, MR), 0x60000010);
    assert_int_equal(readl(&b, LR), 0x60000000);
    assert_int_equal(readl(&b, IMSC), 1);
    assert_int_equal(readl(&b, RIS), 1);
    assert_int_equal(readl(&b, MIS), 1);
    expect_same_registers(&a, &b);

    /* pl031_interrupt clears it as usual. */
    writel(&b, ICR, 1);
    assert_false(line(&b));
    assert_int_equal(readl(&b, RIS), 0);

    /* The next match comes when DR reaches the new MR, from the timer,
     * not before: DR is 0x60000010 at host HOST_SEC + 16. */
    fake_clock_set((HOST_SEC + 16) * FAKE_SEC - 5 * FAKE_MS);
    assert_int_equal(readl(&b, RIS), 0);
    fake_clock_follow_real();
    assert_true(harness_wait_line(&b.dev));
    assert_true(fake_clock_now() >= (HOST_SEC + 16) * FAKE_SEC);
    assert_int_equal(readl(&b, MIS), 1);
    assert_int_equal(readl(&b, DR), 0x60000010); /* the offset held */
    free_pl031(&a);
    free_pl031(&b);
}

/* At host time `now`: DR the host's time, a match unmasked at host second
 * HOST_SEC + 1, not reached yet.  Its snapshot's length, in buf. */
static size_t save_match_ahead(struct pl031_test *a, int64_t now, uint8_t *buf)
{
    fake_clock_set(now);
    make_pl031(a, false);
    writel(a, MR, (uint32_t)HOST_SEC + 1);
    writel(a, IMSC, 1);
    return harness_save(&a->dev, buf, DEVICE_STATE_MAX);
}

/* A match while dmd was down is found at once. */
static void test_snapshot_catches_up(void **state)
{
    struct pl031_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    n = save_match_ahead(&a, HOST_SEC * FAKE_SEC + 500 * FAKE_MS, buf);
    fake_clock_advance(2 * FAKE_SEC);
    make_pl031(&b, false);
    assert_int_equal(harness_restore(&b.dev, buf, n, true), 0);
    assert_true(line(&b));
    assert_int_equal(readl(&b, RIS), 1);
    free_pl031(&a);
    free_pl031(&b);
}

static void test_snapshot_check_changes_nothing(void **state)
{
    struct pl031_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;
    char path[128];

    (void)state;
    make_rich(&a);
    n = harness_save(&a.dev, buf, sizeof(buf));
    make_pl031(&b, true);
    harness_expect_check_changes_nothing(&b.dev, buf, n, NULL, NULL);
    assert_int_equal(readl(&b, DR), (uint32_t)HOST_SEC + 2);
    assert_int_equal(readl(&b, MR), 0);
    assert_int_equal(readl(&b, IMSC), 0);
    assert_int_equal(readl(&b, RIS), 0);
    state_path(&b, path, sizeof(path), "");
    restart(&b);
    assert_int_equal(access(path, F_OK), -1); /* nothing to write */
    free_pl031(&a);
    free_pl031(&b);
}

static void test_snapshot_truncated_or_long(void **state)
{
    (void)state;
    harness_test_exact_length(&kit);
}

static void test_snapshot_bad_fields(void **state)
{
    static const struct harness_field bad[] = {
        { SNAP_OFFSET, 8, (uint64_t)(RTC_OFFSET_LIMIT + 1) },
        { SNAP_OFFSET, 8, (uint64_t)(-RTC_OFFSET_LIMIT - 1) },
        { SNAP_OFFSET, 8, (uint64_t)INT64_MAX },
        { SNAP_IMSC, 1, 2 },    /* a bool */
        { SNAP_IMSC, 1, 0xff },
        { SNAP_RIS, 1, 2 },
        { SNAP_CHECKED, 8, (uint64_t)INT64_C(-1) },
        { SNAP_CHECKED, 8, (uint64_t)INT64_MAX },
    };
    static const struct harness_field good[] = {
        { SNAP_OFFSET, 8, (uint64_t)RTC_OFFSET_LIMIT },
        { SNAP_OFFSET, 8, (uint64_t)-RTC_OFFSET_LIMIT },
        { SNAP_MR, 4, UINT32_MAX },
        { SNAP_LR, 4, 0 },
        { SNAP_IMSC, 1, 0 },
        { SNAP_RIS, 1, 0 },
        { SNAP_CHECKED, 8, 0 },
    };

    (void)state;
    harness_test_fields(&kit, bad, sizeof(bad) / sizeof(bad[0]), good,
                        sizeof(good) / sizeof(good[0]), NULL);
}

/* What a restored device is driven through after each damaged byte. */
static void read_dr_and_mis(void *ctx)
{
    struct pl031_test *t = ctx;

    readl(t, DR);
    readl(t, MIS);
}

static void test_snapshot_damaged_bytes(void **state)
{
    static const uint8_t values[] = { 0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff };

    (void)state;
    harness_test_damaged_bytes(&kit, values, sizeof(values), read_dr_and_mis);
}

/* The timer's match asks for a save; a restored device's timer runs
 * without the guest touching it first. */
static void test_timer_calls_device_changed(void **state)
{
    struct pl031_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    n = save_match_ahead(&a, HOST_SEC * FAKE_SEC + FAKE_SEC - 5 * FAKE_MS, buf);
    make_pl031(&b, false);
    assert_int_equal(harness_restore(&b.dev, buf, n, true), 0);
    fake_clock_follow_real();
    harness_expect_timer_saves(&b.dev);
    assert_true(fake_clock_now() >= (HOST_SEC + 1) * FAKE_SEC);
    assert_int_equal(readl(&b, MIS), 1);
    free_pl031(&a);
    free_pl031(&b);
}

static void test_snapshot_size(void **state)
{
    struct pl031_test a;

    (void)state;
    make_rich(&a);
    assert_int_equal(harness_expect_snapshot_size(&a.dev), SNAP_SIZE);
    assert_int_equal(pl031_device.state_version, 1);
    free_pl031(&a);
}

/* The restored offset reaches the state file, so a clean restart
 * afterwards keeps the guest's DR. */
static void test_snapshot_reaches_state_file(void **state)
{
    struct pl031_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    make_rich(&a);
    n = harness_save(&a.dev, buf, sizeof(buf));
    make_pl031(&b, true);
    assert_int_equal(harness_restore(&b.dev, buf, n, true), 0);
    restart(&b);
    assert_int_equal(readl(&b, DR), 0x60000002);
    free_pl031(&a);
    free_pl031(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amba_ids),
        cmocka_unit_test(test_probe_and_time),
        cmocka_unit_test(test_match_interrupt),
        cmocka_unit_test(test_match_now),
        cmocka_unit_test(test_match_across_wrap),
        cmocka_unit_test(test_match_timer),
        cmocka_unit_test(test_narrow_and_unknown_accesses),
        cmocka_unit_test(test_offset_survives_restart),
        cmocka_unit_test(test_snapshot_round_trip),
        cmocka_unit_test(test_snapshot_catches_up),
        cmocka_unit_test(test_snapshot_check_changes_nothing),
        cmocka_unit_test(test_snapshot_truncated_or_long),
        cmocka_unit_test(test_snapshot_bad_fields),
        cmocka_unit_test(test_snapshot_damaged_bytes),
        cmocka_unit_test(test_timer_calls_device_changed),
        cmocka_unit_test(test_snapshot_size),
        cmocka_unit_test(test_snapshot_reaches_state_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
