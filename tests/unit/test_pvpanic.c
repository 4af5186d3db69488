/* SPDX-License-Identifier: MIT */
/*
 * The pvpanic register model, driven through its region_ops as the core
 * routes a guest's port or BAR accesses, with fake_device.c recording the
 * shutdowns it asks the core for.  Sequences follow Linux's
 * drivers/misc/pvpanic: probe reads the events, a panic writes PANICKED,
 * a kexec'd crash kernel CRASH_LOADED.
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
#include <ev.h>
#include <xen/xen.h>
#include <xen/sched.h>

#include "config.h"
#include "devices/device.h"
#include "fake_device.h"
#include "log.h"

extern const struct device_type pvpanic_device;

/* The test does not link registry.c. */
const struct device_type *const device_types[] = { &pvpanic_device, NULL };

struct pvpanic_test {
    struct dev_config cfg;
    struct device dev;
};

/* A pvpanic at port 0x505; action: NULL for the default, else its name. */
static void make_pvpanic(struct pvpanic_test *t, const char *action)
{
    int slot = harness_param_slot(&pvpanic_device, "action");
    const char *const *choices = pvpanic_device.params[slot].choices;
    const char *want = action != NULL ? action : pvpanic_device.params[slot].def;
    bool found = false;

    memset(t, 0, sizeof(*t));
    t->cfg.name = "panic0";
    t->cfg.type = &pvpanic_device;
    t->cfg.attach = (struct attach_spec){ .kind = ATTACH_PORT, .base = 0x505 };
    t->cfg.size = pvpanic_device.window_size(&t->cfg);
    for (uint64_t i = 0; choices[i] != NULL; i++)
        if (strcmp(choices[i], want) == 0) {
            t->cfg.params[slot] = (struct param_value){ .set = true, .num = i };
            found = true;
        }
    assert_true(found);
    t->dev = harness_device(&t->cfg, NULL, NULL, NULL);
    assert_int_equal(pvpanic_device.create(&t->dev), 0);
    assert_non_null(t->dev.state);
    fake_device_shutdown_reset();
    fake_device_reset();
}

static void free_pvpanic(struct pvpanic_test *t)
{
    pvpanic_device.destroy(&t->dev);
    assert_null(t->dev.state);
}

static uint8_t inb(struct pvpanic_test *t, uint64_t offset)
{
    return (uint8_t)pvpanic_device.ops->read(t->dev.state, offset, 1);
}

static void outb(struct pvpanic_test *t, uint64_t offset, uint8_t value)
{
    pvpanic_device.ops->write(t->dev.state, offset, 1, value);
}

static void test_window_and_ids(void **state)
{
    struct pvpanic_test t;

    (void)state;
    make_pvpanic(&t, NULL);
    assert_int_equal(t.cfg.size, 1);
    assert_string_equal(pvpanic_device.params[0].def, "crash");
    assert_int_equal(pvpanic_device.pci->vendor, 0x1b36);
    assert_int_equal(pvpanic_device.pci->device, 0x0011);
    assert_int_equal(pvpanic_device.pci->class_code >> 8, 0x0880);
    assert_false(pvpanic_device.pci->bar_is_io);
    assert_null(pvpanic_device.save);
    assert_null(pvpanic_device.restore);
    free_pvpanic(&t);
}

/* pvpanic_probe: ioread8(base) gives the events it may send. */
static void test_read_events(void **state)
{
    struct pvpanic_test t;

    (void)state;
    make_pvpanic(&t, NULL);
    assert_int_equal(inb(&t, 0), 0x3);
    assert_int_equal(inb(&t, 0), 0x3); /* reading has no side effect */
    /* the rest of a PCI BAR */
    assert_int_equal(inb(&t, 1), 0);
    assert_int_equal(inb(&t, 0xfff), 0);
    assert_int_equal(fake_device_shutdowns(), 0);
    free_pvpanic(&t);
}

static void panicked_gives(const char *action, unsigned reason)
{
    struct pvpanic_test t;

    make_pvpanic(&t, action);
    outb(&t, 0, 0x1);
    assert_int_equal(fake_device_shutdowns(), 1);
    assert_int_equal(fake_device_shutdown_reason(), reason);
    outb(&t, 0, 0x1);
    assert_int_equal(fake_device_shutdowns(), 2); /* once per write */
    outb(&t, 0, 0x3);                             /* both bits: one shutdown */
    assert_int_equal(fake_device_shutdowns(), 3);
    assert_int_equal(fake_device_shutdown_reason(), reason);
    assert_int_equal(fake_device_changes(), 0); /* nothing to save */
    free_pvpanic(&t);
}

static void test_panicked_actions(void **state)
{
    (void)state;
    panicked_gives(NULL, SHUTDOWN_crash);
    panicked_gives("crash", SHUTDOWN_crash);
    panicked_gives("reboot", SHUTDOWN_reboot);
    panicked_gives("poweroff", SHUTDOWN_poweroff);
}

static void test_action_none(void **state)
{
    struct pvpanic_test t;

    (void)state;
    make_pvpanic(&t, "none");
    outb(&t, 0, 0x1);
    outb(&t, 0, 0xff);
    assert_int_equal(fake_device_shutdowns(), 0);
    free_pvpanic(&t);
}

/* CRASH_LOADED, unknown bits and other offsets shut nothing down. */
static void test_other_writes(void **state)
{
    struct pvpanic_test t;

    (void)state;
    make_pvpanic(&t, "reboot");
    outb(&t, 0, 0x2);
    outb(&t, 0, 0x0);
    for (unsigned v = 0x4; v <= 0xfe; v += 2)
        outb(&t, 0, (uint8_t)v); /* bit 0 clear */
    outb(&t, 1, 0x1);
    outb(&t, 0xfff, 0x1);
    assert_int_equal(fake_device_shutdowns(), 0);
    assert_int_equal(inb(&t, 0), 0x3);
    free_pvpanic(&t);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* A guest writing PANICKED in a loop shuts down each time but cannot
 * flood the log: at most LOG_RATELIMIT_BURST lines per window. */
static void test_log_rate_limited(void **state)
{
    static char logbuf[65536];
    char logpath[] = "/tmp/dmd-test-pvpanic-XXXXXX";
    int logfd = mkstemp(logpath), saved;
    struct pvpanic_test t;
    ssize_t n;

    (void)state;
    assert_true(logfd >= 0);
    unlink(logpath);
    log_init(LOG_TARGET_STDERR, LOG_DEBUG);
    make_pvpanic(&t, "crash");
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(logfd, STDERR_FILENO) >= 0);
    for (int i = 0; i < 100; i++) {
        outb(&t, 0, 0x1);
        outb(&t, 0, 0x2);
        outb(&t, 0, 0x80);
    }
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    assert_int_equal(lseek(logfd, 0, SEEK_SET), 0);
    n = read(logfd, logbuf, sizeof(logbuf) - 1);
    assert_true(n > 0);
    logbuf[n] = '\0';
    close(logfd);
    assert_int_equal(fake_device_shutdowns(), 100);
    assert_true(count(logbuf, "guest panicked") >= 1);
    assert_true(count(logbuf, "guest panicked") <= LOG_RATELIMIT_BURST);
    assert_true(count(logbuf, "going to kdump") >= 1);
    assert_true(count(logbuf, "going to kdump") <= LOG_RATELIMIT_BURST);
    assert_true(count(logbuf, "unknown pvpanic event bits") >= 1);
    assert_true(count(logbuf, "unknown pvpanic event bits") <= LOG_RATELIMIT_BURST);
    assert_non_null(strstr(logbuf, "panic0"));
    free_pvpanic(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_and_ids),
        cmocka_unit_test(test_read_events),
        cmocka_unit_test(test_panicked_actions),
        cmocka_unit_test(test_action_none),
        cmocka_unit_test(test_other_writes),
        cmocka_unit_test(test_log_rate_limited),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
