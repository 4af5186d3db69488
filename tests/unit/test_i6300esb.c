/* SPDX-License-Identifier: MIT */
/*
 * The i6300esb watchdog, driven through its BAR0 region_ops and its
 * configuration-space registers as pci.c routes them, on a real libev loop
 * (its stages count real time; the tests use 1 ms stages), with
 * fake_device.c recording the shutdowns it asks the core for.  Sequences
 * follow Linux's drivers/watchdog/i6300esb.c: esb_initdevice,
 * esb_timer_set_heartbeat, esb_timer_start/keepalive/stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <ev.h>
#include <xen/xen.h>
#include <xen/sched.h>

#include "config.h"
#include "devices/device.h"
#include "fake_device.h"
#include "log.h"
#include "fake_irq.h"
#include "snapshot_harness.h"

extern const struct device_type i6300esb_device;

/* The test does not link registry.c. */
const struct device_type *const device_types[] = { &i6300esb_device, NULL };

/* Configuration space (absolute) and BAR0 offsets. */
#define CFG_CONFIG 0x60u
#define CFG_LOCK   0x68u
#define PRELOAD1   0x00u
#define PRELOAD2   0x04u
#define GINTSR     0x08u
#define RELOAD     0x0cu

/* Snapshot layout (esb_save). */
#define SNAP_CONFIG   0
#define SNAP_LOCK     2
#define SNAP_PRELOAD1 3
#define SNAP_PRELOAD2 7
#define SNAP_GINTSR   11
#define SNAP_TIMEOUT  12
#define SNAP_UNLOCK   13
#define SNAP_STAGE    14
#define SNAP_DEADLINE 15
#define SNAP_SIZE     23

struct esb_test {
    struct dev_config cfg;
    struct device dev;
    struct ev_loop *loop;
};

static void make_esb(struct esb_test *t, const char *action)
{
    int slot = harness_param_slot(&i6300esb_device, "action");
    const char *const *choices = i6300esb_device.params[slot].choices;
    const char *want = action != NULL ? action : i6300esb_device.params[slot].def;
    bool found = false;

    memset(t, 0, sizeof(*t));
    t->loop = ev_loop_new(EVFLAG_AUTO);
    assert_non_null(t->loop);
    t->cfg.name = "wdt0";
    t->cfg.type = &i6300esb_device;
    t->cfg.attach = (struct attach_spec){ .kind = ATTACH_PCI };
    t->cfg.size = i6300esb_device.window_size(&t->cfg);
    for (uint64_t i = 0; choices[i] != NULL; i++)
        if (strcmp(choices[i], want) == 0) {
            t->cfg.params[slot] = (struct param_value){ .set = true, .num = i };
            found = true;
        }
    assert_true(found);
    /* The real one has no line: this one must stay down, never raised. */
    t->dev = harness_device(&t->cfg, t->loop, fake_irq_new(), NULL);
    assert_int_equal(i6300esb_device.create(&t->dev), 0);
    assert_non_null(t->dev.state);
    fake_device_shutdown_reset();
    fake_device_reset();
}

static void free_esb(struct esb_test *t)
{
    i6300esb_device.destroy(&t->dev);
    assert_null(t->dev.state);
    assert_int_equal(fake_irq_rises(t->dev.irq), 0);
    fake_irq_free(t->dev.irq);
    ev_loop_destroy(t->loop);
}

static uint64_t cfg_read(struct esb_test *t, unsigned reg, unsigned size)
{
    const struct device_pci_id *id = i6300esb_device.pci;
    return id->config_ops->read(t->dev.state, reg - id->config_start, size);
}

static void cfg_write(struct esb_test *t, unsigned reg, unsigned size, uint64_t value)
{
    const struct device_pci_id *id = i6300esb_device.pci;
    id->config_ops->write(t->dev.state, reg - id->config_start, size, value);
}

static uint64_t rd(struct esb_test *t, uint64_t offset, unsigned size)
{
    uint64_t mask = size == 8 ? ~UINT64_C(0) : (UINT64_C(1) << (8 * size)) - 1;
    return i6300esb_device.ops->read(t->dev.state, offset, size) & mask;
}

static void wr(struct esb_test *t, uint64_t offset, unsigned size, uint64_t value)
{
    i6300esb_device.ops->write(t->dev.state, offset, size, value);
}

/* esb_unlock_registers() */
static void unlock(struct esb_test *t)
{
    wr(t, RELOAD, 2, 0x80);
    wr(t, RELOAD, 2, 0x86);
}

static void set_preloads(struct esb_test *t, uint32_t p1, uint32_t p2)
{
    unlock(t);
    wr(t, PRELOAD1, 4, p1);
    unlock(t);
    wr(t, PRELOAD2, 4, p2);
}

/* The snapshot's deadline: 0 while the watchdog is not counting. */
static int64_t deadline(struct esb_test *t, unsigned *stage)
{
    uint8_t buf[DEVICE_STATE_MAX];
    int64_t d = 0;

    assert_int_equal(harness_save(&t->dev, buf, sizeof(buf)), SNAP_SIZE);
    for (unsigned i = 0; i < 8; i++)
        d |= (int64_t)((uint64_t)buf[SNAP_DEADLINE + i] << (8 * i));
    if (stage != NULL)
        *stage = buf[SNAP_STAGE];
    return d;
}

/* Run the loop until the device asks for `changes` saves (its timer
 * firing), 200 rounds at most. */
static void run_until_changes(struct esb_test *t, unsigned changes)
{
    for (int i = 0; i < 200 && fake_device_changes() < changes; i++)
        ev_run(t->loop, EVRUN_ONCE);
    assert_int_equal(fake_device_changes(), changes);
}

static void test_pci_identity(void **state)
{
    const struct device_pci_id *id = i6300esb_device.pci;

    (void)state;
    /* What Linux's i6300esb matches: PCI_DEVICE(INTEL, ESB_9). */
    assert_int_equal(id->vendor, 0x8086);
    assert_int_equal(id->device, 0x25ab);
    assert_int_equal(id->class_code, 0x088000);
    assert_false(id->bar_is_io);
    /* Its own registers sit past the MSI capability, inside the space. */
    assert_non_null(id->config_ops);
    assert_true(id->config_start >= 0x58);
    assert_true(id->config_start + id->config_size <= 0x100);
    assert_true(id->config_start <= CFG_CONFIG && CFG_LOCK < id->config_start + id->config_size);
    assert_int_equal(i6300esb_device.attach, DEVICE_ATTACH(ATTACH_PCI));
    assert_int_equal(i6300esb_device.window_size(NULL), 16);
}

static void test_reset_values(void **state)
{
    struct esb_test t;

    (void)state;
    make_esb(&t, NULL);
    assert_int_equal(cfg_read(&t, CFG_CONFIG, 2), 0);
    assert_int_equal(cfg_read(&t, CFG_LOCK, 1), 0);
    assert_int_equal(rd(&t, PRELOAD1, 4), 0xfffff);
    assert_int_equal(rd(&t, PRELOAD2, 4), 0xfffff);
    assert_int_equal(rd(&t, GINTSR, 4), 0);
    assert_int_equal(rd(&t, RELOAD, 2), 0);
    assert_int_equal(deadline(&t, NULL), 0);
    free_esb(&t);
}

/* CONFIG keeps its three fields, by word or byte; LOCK its three bits. */
static void test_config_registers(void **state)
{
    struct esb_test t;

    (void)state;
    make_esb(&t, NULL);
    cfg_write(&t, CFG_CONFIG, 2, 0xffff);
    assert_int_equal(cfg_read(&t, CFG_CONFIG, 2), 0x0027);
    cfg_write(&t, CFG_CONFIG, 1, 0x03);
    assert_int_equal(cfg_read(&t, CFG_CONFIG, 2), 0x0003);
    assert_int_equal(cfg_read(&t, CFG_CONFIG, 1), 0x03);
    assert_int_equal(cfg_read(&t, CFG_CONFIG + 1, 1), 0x00);
    /* Between the two registers: nothing. */
    cfg_write(&t, 0x64, 4, 0xffffffff);
    assert_int_equal(cfg_read(&t, 0x64, 4), 0);
    cfg_write(&t, CFG_LOCK, 1, 0xf8 | 0x04);
    assert_int_equal(cfg_read(&t, CFG_LOCK, 1), 0x04); /* free-running, not enabled */
    assert_int_equal(deadline(&t, NULL), 0);
    free_esb(&t);
}

/* PRELOAD and RELOAD take a value only right after 0x80, 0x86. */
static void test_unlock_sequence(void **state)
{
    struct esb_test t;

    (void)state;
    make_esb(&t, NULL);
    wr(&t, PRELOAD1, 4, 0x1234);
    assert_int_equal(rd(&t, PRELOAD1, 4), 0xfffff);
    unlock(&t);
    wr(&t, PRELOAD1, 4, 0xfff01234); /* 20 bits */
    assert_int_equal(rd(&t, PRELOAD1, 4), 0x01234);
    /* One write per unlock. */
    wr(&t, PRELOAD1, 4, 0x5678);
    assert_int_equal(rd(&t, PRELOAD1, 4), 0x01234);
    /* The two writes must be in a row: anything between locks again. */
    wr(&t, RELOAD, 2, 0x80);
    wr(&t, PRELOAD2, 4, 0x1);
    wr(&t, RELOAD, 2, 0x86);
    wr(&t, PRELOAD2, 4, 0x2);
    assert_int_equal(rd(&t, PRELOAD2, 4), 0xfffff);
    /* Byte writes of the sequence count too (QEMU takes them). */
    wr(&t, RELOAD, 1, 0x80);
    wr(&t, RELOAD, 1, 0x86);
    wr(&t, PRELOAD2, 4, 0x3);
    assert_int_equal(rd(&t, PRELOAD2, 4), 0x3);
    free_esb(&t);
}

/* esb_initdevice, esb_timer_set_heartbeat(30), esb_timer_start, keepalive,
 * stop: each step leaves the registers the driver then reads. */
static void test_linux_driver_sequence(void **state)
{
    struct esb_test t;
    int64_t started, petted;
    unsigned stage;

    (void)state;
    make_esb(&t, NULL);
    cfg_write(&t, CFG_CONFIG, 2, 0x0003);
    assert_int_equal(cfg_read(&t, CFG_LOCK, 1) & 0x01, 0); /* not nowayout */
    cfg_write(&t, CFG_LOCK, 1, 0x00);
    unlock(&t);
    assert_int_equal(rd(&t, RELOAD, 2) & 0x0200, 0); /* no earlier timeout */
    unlock(&t);
    wr(&t, RELOAD, 2, 0x0300);
    set_preloads(&t, 30 << 9, 30 << 9);
    unlock(&t);
    wr(&t, RELOAD, 2, 0x0100);
    assert_int_equal(deadline(&t, NULL), 0); /* reload of a disabled one */

    unlock(&t);
    wr(&t, RELOAD, 2, 0x0100);
    cfg_write(&t, CFG_LOCK, 1, 0x02);
    assert_int_equal(cfg_read(&t, CFG_LOCK, 1), 0x02);
    started = deadline(&t, &stage);
    assert_int_equal(stage, 1);
    assert_true(started > 0);

    /* A keepalive restarts stage 1 from now: a later deadline. */
    ev_sleep(0.002);
    unlock(&t);
    wr(&t, RELOAD, 2, 0x0100);
    petted = deadline(&t, &stage);
    assert_int_equal(stage, 1);
    assert_true(petted > started);
    /* Without the unlock a reload is only a logged write. */
    wr(&t, RELOAD, 2, 0x0100);
    assert_int_equal(deadline(&t, NULL), petted);

    unlock(&t);
    wr(&t, RELOAD, 2, 0x0100);
    cfg_write(&t, CFG_LOCK, 1, 0x00);
    assert_int_equal(cfg_read(&t, CFG_LOCK, 1) & 0x02, 0);
    assert_int_equal(deadline(&t, NULL), 0);
    assert_int_equal(fake_device_shutdowns(), 0);
    free_esb(&t);
}

/* 1 MHz clock, no stage-1 interrupt, 1000-tick stages (1 ms each). */
static void start_short(struct esb_test *t, uint8_t config, uint8_t lock)
{
    cfg_write(t, CFG_CONFIG, 2, config);
    set_preloads(t, 1000, 1000);
    cfg_write(t, CFG_LOCK, 1, lock);
}

/* Both stages run out: one shutdown with the action's reason, the chipset
 * resets (the lock of nowayout too) and the timeout flag stays until the
 * driver clears it. */
static void expect_fires(const char *action, unsigned reason)
{
    struct esb_test t;

    make_esb(&t, action);
    start_short(&t, 0x07, 0x03); /* enabled, locked */
    cfg_write(&t, CFG_LOCK, 1, 0x00);
    assert_int_equal(cfg_read(&t, CFG_LOCK, 1), 0x03); /* nowayout */
    run_until_changes(&t, 2); /* stage 1 over, stage 2 over */
    if (reason == ~0u) {
        assert_int_equal(fake_device_shutdowns(), 0);
    } else {
        assert_int_equal(fake_device_shutdowns(), 1);
        assert_int_equal(fake_device_shutdown_reason(), reason);
    }
    assert_int_equal(cfg_read(&t, CFG_LOCK, 1), 0);
    assert_int_equal(cfg_read(&t, CFG_CONFIG, 2), 0);
    assert_int_equal(rd(&t, PRELOAD1, 4), 0xfffff);
    assert_int_equal(deadline(&t, NULL), 0);
    assert_int_equal(rd(&t, RELOAD, 2), 0x0200);
    assert_int_equal(rd(&t, RELOAD + 1, 1), 0x02);
    unlock(&t);
    wr(&t, RELOAD, 2, 0x0200);
    assert_int_equal(rd(&t, RELOAD, 2), 0);
    free_esb(&t);
}

static void test_fires_reboot_by_default(void **state)
{
    (void)state;
    expect_fires(NULL, SHUTDOWN_reboot);
}

static void test_fires_other_actions(void **state)
{
    (void)state;
    expect_fires("poweroff", SHUTDOWN_poweroff);
    expect_fires("crash", SHUTDOWN_crash);
    expect_fires("none", ~0u);
}

/* Stage 1 with an interrupt type set GINTSR bit 0 (write 1 clears it)
 * and goes on to stage 2. */
static void test_stage1_status(void **state)
{
    struct esb_test t;
    unsigned stage;

    (void)state;
    make_esb(&t, NULL);
    cfg_write(&t, CFG_CONFIG, 2, 0x04); /* IRQ type, 1 MHz */
    set_preloads(&t, 1000, 0xfffff);    /* stage 2: about 34 s */
    cfg_write(&t, CFG_LOCK, 1, 0x02);
    run_until_changes(&t, 1);
    assert_true(deadline(&t, &stage) > 0);
    assert_int_equal(stage, 2);
    assert_int_equal(rd(&t, GINTSR, 4), 1);
    wr(&t, GINTSR, 4, 0); /* 0 leaves it */
    assert_int_equal(rd(&t, GINTSR, 4), 1);
    wr(&t, GINTSR, 4, 1);
    assert_int_equal(rd(&t, GINTSR, 4), 0);
    /* A keepalive in stage 2 starts stage 1 again. */
    unlock(&t);
    wr(&t, RELOAD, 2, 0x0100);
    deadline(&t, &stage);
    assert_int_equal(stage, 1);
    assert_int_equal(fake_device_shutdowns(), 0);
    free_esb(&t);
}

/* Output disabled (CONFIG bit 5): stage 2 ends without effect; free-running
 * starts stage 1 again, otherwise the count stops. */
static void test_output_disabled(void **state)
{
    struct esb_test t;
    unsigned stage;

    (void)state;
    make_esb(&t, NULL);
    start_short(&t, 0x27, 0x02);
    run_until_changes(&t, 2);
    assert_int_equal(deadline(&t, NULL), 0);
    assert_int_equal(cfg_read(&t, CFG_LOCK, 1), 0x02); /* no reset */
    assert_int_equal(rd(&t, RELOAD, 2), 0);

    cfg_write(&t, CFG_LOCK, 1, 0x00);
    cfg_write(&t, CFG_LOCK, 1, 0x06); /* enabled, free-running */
    fake_device_reset();
    run_until_changes(&t, 4);
    assert_true(deadline(&t, &stage) > 0);
    assert_int_equal(fake_device_shutdowns(), 0);
    free_esb(&t);
}

/* A zero preload does not make dmd spin: each stage still lasts 1 ms. */
static void test_zero_preload(void **state)
{
    struct esb_test t;
    int64_t d;
    struct timespec now;

    (void)state;
    make_esb(&t, NULL);
    cfg_write(&t, CFG_CONFIG, 2, 0x07);
    set_preloads(&t, 0, 0);
    clock_gettime(CLOCK_MONOTONIC, &now);
    cfg_write(&t, CFG_LOCK, 1, 0x02);
    d = deadline(&t, NULL);
    assert_true(d >= (int64_t)now.tv_sec * 1000000000 + now.tv_nsec + 1000000);
    run_until_changes(&t, 2);
    assert_int_equal(fake_device_shutdowns(), 1);
    free_esb(&t);
}

/* ---- snapshots ---------------------------------------------------------- */

/* Far from reset: 1 MHz, stage-1 status set, in stage 2 of a long count,
 * half an unlock sequence, the timeout flag from an earlier expiry. */
static void make_rich(struct esb_test *t)
{
    make_esb(t, "none");
    start_short(t, 0x07, 0x02);
    run_until_changes(t, 2); /* fired: the flag */
    cfg_write(t, CFG_CONFIG, 2, 0x04);
    set_preloads(t, 1000, 0xfffff);
    cfg_write(t, CFG_LOCK, 1, 0x06);
    run_until_changes(t, 3); /* stage 1 over */
    wr(t, RELOAD, 2, 0x80);
}

static void kit_make(void *t, bool far_from_reset)
{
    if (far_from_reset)
        make_rich(t);
    else
        make_esb(t, "none");
}

static void kit_free(void *t)
{
    free_esb(t);
}

static const struct harness_kit kit = { sizeof(struct esb_test), offsetof(struct esb_test, dev),
                                        kit_make, kit_free };

static void test_snapshot_round_trip(void **state)
{
    struct esb_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;
    unsigned stage;

    (void)state;
    make_rich(&a);
    n = harness_save(&a.dev, buf, sizeof(buf));
    assert_int_equal(n, SNAP_SIZE);
    assert_int_equal(harness_expect_snapshot_size(&a.dev), SNAP_SIZE);
    make_esb(&b, "none");
    harness_expect_round_trip(&b.dev, buf, n);
    assert_int_equal(cfg_read(&b, CFG_CONFIG, 2), 0x04);
    assert_int_equal(cfg_read(&b, CFG_LOCK, 1), 0x06);
    assert_int_equal(rd(&b, PRELOAD1, 4), 1000);
    assert_int_equal(rd(&b, PRELOAD2, 4), 0xfffff);
    assert_int_equal(rd(&b, GINTSR, 4), 1);
    assert_int_equal(rd(&b, RELOAD, 2), 0x0200);
    assert_int_equal(deadline(&b, &stage), deadline(&a, NULL));
    assert_int_equal(stage, 2);
    /* The half sequence finishes in the restored device. */
    wr(&b, RELOAD, 2, 0x86);
    wr(&b, PRELOAD1, 4, 77);
    assert_int_equal(rd(&b, PRELOAD1, 4), 77);
    free_esb(&a);
    free_esb(&b);
}

/* A deadline that passed while dmd was down ends its stage as soon as the
 * loop runs, and the restored count fires. */
static void test_snapshot_deadline_passed(void **state)
{
    struct esb_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    make_esb(&a, "reboot");
    cfg_write(&a, CFG_CONFIG, 2, 0x07);
    set_preloads(&a, 1000, 1000);
    cfg_write(&a, CFG_LOCK, 1, 0x02);
    n = harness_save(&a.dev, buf, sizeof(buf));
    free_esb(&a);
    ev_sleep(0.005);
    make_esb(&b, "reboot");
    assert_int_equal(harness_restore(&b.dev, buf, n, true), 0);
    run_until_changes(&b, 2);
    assert_int_equal(fake_device_shutdowns(), 1);
    assert_int_equal(fake_device_shutdown_reason(), SHUTDOWN_reboot);
    free_esb(&b);
}

static void test_snapshot_truncated_or_long(void **state)
{
    (void)state;
    harness_test_exact_length(&kit);
}

static void test_snapshot_bad_fields(void **state)
{
    static const struct harness_field bad[] = {
        { SNAP_CONFIG, 2, 0x0008 },
        { SNAP_CONFIG, 2, 0x8000 },
        { SNAP_LOCK, 1, 0x08 },
        { SNAP_PRELOAD1, 4, 0x100000 },
        { SNAP_PRELOAD2, 4, UINT32_MAX },
        { SNAP_GINTSR, 1, 0x02 },
        { SNAP_TIMEOUT, 1, 2 },
        { SNAP_UNLOCK, 1, 3 },
        { SNAP_STAGE, 1, 0 },
        { SNAP_STAGE, 1, 3 },
        { SNAP_DEADLINE, 8, (uint64_t)INT64_C(-1) },
        { SNAP_DEADLINE, 8, (uint64_t)INT64_MAX },
        { SNAP_LOCK, 1, 0x04 }, /* counting, but not enabled */
    };
    static const struct harness_field good[] = {
        { SNAP_CONFIG, 2, 0x0027 },
        { SNAP_LOCK, 1, 0x07 },
        { SNAP_PRELOAD1, 4, 0 },
        { SNAP_PRELOAD2, 4, 0xfffff },
        { SNAP_GINTSR, 1, 0 },
        { SNAP_TIMEOUT, 1, 0 },
        { SNAP_UNLOCK, 1, 2 },
        { SNAP_STAGE, 1, 1 },
        { SNAP_DEADLINE, 8, 1 }, /* long past: fires when the loop runs */
    };

    (void)state;
    harness_test_fields(&kit, bad, sizeof(bad) / sizeof(bad[0]), good,
                        sizeof(good) / sizeof(good[0]), NULL);
}

/* What a restored device is driven through after each damaged byte. */
static void drive(void *ctx)
{
    struct esb_test *t = ctx;

    rd(t, RELOAD, 2);
    cfg_read(t, CFG_LOCK, 1);
    wr(t, RELOAD, 2, 0x86);
    wr(t, RELOAD, 2, 0x0100);
    ev_run(t->loop, EVRUN_NOWAIT);
}

static void test_snapshot_damaged_bytes(void **state)
{
    static const uint8_t values[] = { 0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff };

    (void)state;
    harness_test_damaged_bytes(&kit, values, sizeof(values), drive);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pci_identity),
        cmocka_unit_test(test_reset_values),
        cmocka_unit_test(test_config_registers),
        cmocka_unit_test(test_unlock_sequence),
        cmocka_unit_test(test_linux_driver_sequence),
        cmocka_unit_test(test_fires_reboot_by_default),
        cmocka_unit_test(test_fires_other_actions),
        cmocka_unit_test(test_stage1_status),
        cmocka_unit_test(test_output_disabled),
        cmocka_unit_test(test_zero_preload),
        cmocka_unit_test(test_snapshot_round_trip),
        cmocka_unit_test(test_snapshot_deadline_passed),
        cmocka_unit_test(test_snapshot_truncated_or_long),
        cmocka_unit_test(test_snapshot_bad_fields),
        cmocka_unit_test(test_snapshot_damaged_bytes),
    };

    log_init(LOG_TARGET_STDERR, LOG_WARNING);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
