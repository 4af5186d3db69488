/* SPDX-License-Identifier: MIT */
/*
 * The mc146818 register model, driven through its region_ops as the core
 * routes guest port accesses, on a host clock the test sets (fake_clock.c)
 * and a recording interrupt line (fake_irq.c).
 *
 * Sequences follow Linux (drivers/rtc/rtc-mc146818-lib.c:
 * mc146818_avoid_UIP, mc146818_get_time, mc146818_set_time) and the
 * MC146818A / DS12887 datasheets.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

extern const struct device_type mc146818_device;

/* The test does not link registry.c. */
const struct device_type *const device_types[] = { &mc146818_device, NULL };

enum { SEC = 0x00, ALARM_SEC = 0x01, MIN = 0x02, ALARM_MIN = 0x03, HOUR = 0x04,
       ALARM_HOUR = 0x05, WDAY = 0x06, MDAY = 0x07, MON = 0x08, YEAR = 0x09, REG_A = 0x0a,
       REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d, CENTURY = 0x32 };

#define A_UIP 0x80
#define A_DIV_RESET 0x70 /* Linux's RTC_DIV_RESET2 */
#define A_NO_PERIODIC 0x20 /* 32.768 kHz, RS 0 */
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_BINARY 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10

struct rtc_test {
    struct ev_loop *loop;
    struct dev_config cfg;
    struct device dev;
    struct irq_line *irq;
    char dir[64]; /* state_dir, empty for none */
};

/* ---- building the device as the core does -------------------------------- */

static void create_device(struct rtc_test *t)
{
    t->dev = harness_device(&t->cfg, t->loop, t->irq, t->dir[0] != '\0' ? t->dir : NULL);
    assert_int_equal(mc146818_device.create(&t->dev), 0);
    assert_non_null(t->dev.state);
}

static void make_rtc(struct rtc_test *t, bool extended, bool with_state_dir)
{
    memset(t, 0, sizeof(*t));
    if (with_state_dir) {
        strcpy(t->dir, "/tmp/dmd-rtc-XXXXXX");
        assert_non_null(mkdtemp(t->dir));
    }
    t->loop = ev_loop_new(EVFLAG_AUTO);
    assert_non_null(t->loop);
    t->irq = fake_irq_new();
    assert_non_null(t->irq);
    t->cfg.name = "rtc0";
    t->cfg.type = &mc146818_device;
    t->cfg.attach = (struct attach_spec){ .kind = ATTACH_PORT, .base = 0x70 };
    t->cfg.irq = (struct irq_spec){ .kind = IRQ_ISA, .num = 8 };
    assert_string_equal(mc146818_device.params[0].key, "extended");
    t->cfg.params[0] = (struct param_value){ .set = true, .num = extended };
    t->cfg.size = mc146818_device.window_size(&t->cfg);
    create_device(t);
}

/* dmd stops and starts again: same config, same state_dir. */
static void restart(struct rtc_test *t)
{
    mc146818_device.destroy(&t->dev);
    assert_null(t->dev.state);
    create_device(t);
}

static void state_path(const struct rtc_test *t, char *buf, size_t len, const char *suffix)
{
    snprintf(buf, len, "%s/rtc0.state%s", t->dir, suffix);
}

static void free_rtc(struct rtc_test *t)
{
    mc146818_device.destroy(&t->dev);
    assert_null(t->dev.state);
    if (t->dir[0] != '\0') {
        DIR *d = opendir(t->dir);
        struct dirent *e;
        char path[400];

        assert_non_null(d);
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", t->dir, e->d_name);
            unlink(path);
        }
        closedir(d);
        assert_int_equal(rmdir(t->dir), 0);
    }
    fake_irq_free(t->irq);
    ev_loop_destroy(t->loop);
}

/* ---- guest accesses ------------------------------------------------------ */

static uint8_t port_in(struct rtc_test *t, unsigned offset)
{
    return (uint8_t)mc146818_device.ops->read(t->dev.state, offset, 1);
}

static void port_out(struct rtc_test *t, unsigned offset, uint8_t val)
{
    mc146818_device.ops->write(t->dev.state, offset, 1, val);
}

/* CMOS_READ / CMOS_WRITE: index to 0x70, data at 0x71. */
static uint8_t rd(struct rtc_test *t, uint8_t index)
{
    port_out(t, 0, index);
    return port_in(t, 1);
}

static void wr(struct rtc_test *t, uint8_t index, uint8_t val)
{
    port_out(t, 0, index);
    port_out(t, 1, val);
}

static bool line(struct rtc_test *t)
{
    return irq_line_level(t->irq);
}

/* Run the loop until the line rises (each ev_run waits for the next timer);
 * the clock follows real time, so this is as long as the device waits. */
static bool wait_line(struct rtc_test *t)
{
    return harness_wait_line(&t->dev);
}

/* mc146818_set_time: SET and divider reset, fields, then let go. */
static void linux_set_time(struct rtc_test *t, uint8_t century, uint8_t year, uint8_t mon,
                           uint8_t mday, uint8_t hour, uint8_t min, uint8_t sec)
{
    uint8_t save_control = rd(t, REG_B);
    uint8_t save_freq_select;

    wr(t, REG_B, save_control | B_SET);
    save_freq_select = rd(t, REG_A);
    wr(t, REG_A, save_freq_select | A_DIV_RESET);
    wr(t, YEAR, year);
    wr(t, MON, mon);
    wr(t, MDAY, mday);
    wr(t, HOUR, hour);
    wr(t, MIN, min);
    wr(t, SEC, sec);
    wr(t, CENTURY, century);
    wr(t, REG_B, save_control);
    wr(t, REG_A, save_freq_select);
}

static void expect_time(struct rtc_test *t, uint8_t century, uint8_t year, uint8_t mon,
                        uint8_t mday, uint8_t hour, uint8_t min, uint8_t sec)
{
    assert_int_equal(rd(t, CENTURY), century);
    assert_int_equal(rd(t, YEAR), year);
    assert_int_equal(rd(t, MON), mon);
    assert_int_equal(rd(t, MDAY), mday);
    assert_int_equal(rd(t, HOUR), hour);
    assert_int_equal(rd(t, MIN), min);
    assert_int_equal(rd(t, SEC), sec);
}

/* ---- reading the time ---------------------------------------------------- */

/* mc146818_avoid_UIP + mc146818_get_time's callback, at power-on defaults. */
static void test_linux_get_time_bcd(void **state)
{
    struct rtc_test t;
    uint8_t seconds;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 500 * FAKE_MS); /* a Thursday */
    make_rtc(&t, false, false);

    assert_int_equal(rd(&t, REG_A), 0x26); /* 32.768 kHz, 1024 Hz, no UIP */
    seconds = rd(&t, SEC);
    assert_int_equal(rd(&t, REG_A) & A_UIP, 0);
    assert_int_equal(seconds, 0x07);
    assert_int_equal(rd(&t, MIN), 0x45);
    assert_int_equal(rd(&t, HOUR), 0x13);
    assert_int_equal(rd(&t, MDAY), 0x29);
    assert_int_equal(rd(&t, MON), 0x02);
    assert_int_equal(rd(&t, YEAR), 0x24);
    assert_int_equal(rd(&t, CENTURY), 0x20);
    assert_int_equal(rd(&t, REG_B), B_24H); /* BCD, 24 h */
    assert_int_equal(rd(&t, REG_A) & A_UIP, 0);
    assert_int_equal(rd(&t, SEC), seconds);
    assert_int_equal(rd(&t, WDAY), 5); /* 1 = Sunday */
    assert_int_equal(rd(&t, REG_D), 0x80); /* VRT */

    /* The clock ticks with the host's seconds. */
    fake_clock_advance(600 * FAKE_MS);
    assert_int_equal(rd(&t, SEC), 0x08);
    free_rtc(&t);
}

static void test_binary_mode(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 0);
    make_rtc(&t, false, false);
    wr(&t, REG_B, B_BINARY | B_24H);
    expect_time(&t, 20, 24, 2, 29, 13, 45, 7);
    assert_int_equal(rd(&t, WDAY), 5);
    free_rtc(&t);
}

/* 12-hour mode: 1-12 with bit 7 for PM; midnight is 12 AM, noon 12 PM. */
static void test_12_hour_mode(void **state)
{
    static const struct { int h24; uint8_t bcd, bin; } hours[] = {
        { 0, 0x12, 12 },         { 1, 0x01, 1 },          { 11, 0x11, 11 },
        { 12, 0x80 | 0x12, 0x80 | 12 }, { 13, 0x80 | 0x01, 0x80 | 1 },
        { 23, 0x80 | 0x11, 0x80 | 11 },
    };
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 0, 30, 0, 0);
    make_rtc(&t, false, false);
    for (size_t i = 0; i < sizeof(hours) / sizeof(hours[0]); i++) {
        fake_clock_set_utc(2024, 2, 29, hours[i].h24, 30, 0, 0);
        wr(&t, REG_B, 0); /* 12 h, BCD */
        assert_int_equal(rd(&t, HOUR), hours[i].bcd);
        wr(&t, REG_B, B_BINARY);
        assert_int_equal(rd(&t, HOUR), hours[i].bin);
    }

    /* Setting the time in 12-hour mode: 12 AM is midnight, 12 PM noon. */
    wr(&t, REG_B, 0);
    linux_set_time(&t, 0x20, 0x24, 0x03, 0x01, 0x12, 0x00, 0x00);
    wr(&t, REG_B, B_24H);
    assert_int_equal(rd(&t, HOUR), 0x00);
    wr(&t, REG_B, 0);
    linux_set_time(&t, 0x20, 0x24, 0x03, 0x01, 0x80 | 0x12, 0x00, 0x00);
    wr(&t, REG_B, B_24H);
    assert_int_equal(rd(&t, HOUR), 0x12);
    wr(&t, REG_B, 0);
    linux_set_time(&t, 0x20, 0x24, 0x03, 0x01, 0x80 | 0x07, 0x00, 0x00);
    wr(&t, REG_B, B_24H);
    assert_int_equal(rd(&t, HOUR), 0x19);
    free_rtc(&t);
}

/* UIP is set for the 244 us before each second boundary, and not while
 * the clock is stopped. */
static void test_uip_window(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, FAKE_SEC - 245 * FAKE_US);
    make_rtc(&t, false, false);
    assert_int_equal(rd(&t, REG_A) & A_UIP, 0);
    fake_clock_advance(1 * FAKE_US);
    assert_int_equal(rd(&t, REG_A) & A_UIP, A_UIP);
    assert_int_equal(rd(&t, SEC), 0x07); /* not yet updated */
    fake_clock_advance(243 * FAKE_US);
    assert_int_equal(rd(&t, REG_A) & A_UIP, A_UIP);
    /* mc146818_avoid_UIP waits and polls again: the update is done. */
    fake_clock_advance(1 * FAKE_US);
    assert_int_equal(rd(&t, REG_A) & A_UIP, 0);
    assert_int_equal(rd(&t, SEC), 0x08);

    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, FAKE_SEC - 100 * FAKE_US);
    wr(&t, REG_B, B_SET | B_24H);
    assert_int_equal(rd(&t, REG_A) & A_UIP, 0);
    wr(&t, REG_B, B_24H);
    wr(&t, REG_A, 0x26 | A_DIV_RESET);
    assert_int_equal(rd(&t, REG_A) & A_UIP, 0);
    wr(&t, REG_A, 0x26);
    assert_int_equal(rd(&t, REG_A) & A_UIP, A_UIP);
    free_rtc(&t);
}

/* ---- setting the time ---------------------------------------------------- */

static void test_linux_set_time(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 500 * FAKE_MS);
    make_rtc(&t, false, false);

    wr(&t, REG_B, B_SET | B_24H);
    wr(&t, REG_A, 0x26 | A_DIV_RESET);
    wr(&t, YEAR, 0x42);
    wr(&t, MON, 0x12);
    wr(&t, MDAY, 0x31);
    wr(&t, HOUR, 0x23);
    wr(&t, MIN, 0x59);
    wr(&t, SEC, 0x58);
    /* Stopped: the registers hold what was written, however long it takes. */
    fake_clock_advance(5 * FAKE_SEC);
    expect_time(&t, 0x20, 0x42, 0x12, 0x31, 0x23, 0x59, 0x58);
    wr(&t, REG_B, B_24H);
    expect_time(&t, 0x20, 0x42, 0x12, 0x31, 0x23, 0x59, 0x58); /* divider still reset */
    wr(&t, REG_A, 0x26);

    /* Running again: two seconds later it is a new year. */
    fake_clock_advance(1600 * FAKE_MS);
    expect_time(&t, 0x20, 0x43, 0x01, 0x01, 0x00, 0x00, 0x00);
    free_rtc(&t);
}

/* Software that writes a time register without SET sets the clock too. */
static void test_write_while_running(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 500 * FAKE_MS);
    make_rtc(&t, false, false);
    wr(&t, MIN, 0x10);
    expect_time(&t, 0x20, 0x24, 0x02, 0x29, 0x13, 0x10, 0x07);
    wr(&t, CENTURY, 0x21);
    expect_time(&t, 0x21, 0x24, 0x02, 0x29, 0x13, 0x10, 0x07);
    fake_clock_advance(FAKE_SEC);
    expect_time(&t, 0x21, 0x24, 0x02, 0x29, 0x13, 0x10, 0x08);
    free_rtc(&t);
}

/* Garbage from the guest is held while stopped, then refused: the clock
 * keeps its time.  Nothing crashes, whatever the bytes. */
static void test_invalid_time_keeps_previous(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 500 * FAKE_MS);
    make_rtc(&t, false, false);

    wr(&t, REG_B, B_SET | B_24H);
    wr(&t, HOUR, 0x25);
    assert_int_equal(rd(&t, HOUR), 0x25);
    wr(&t, REG_B, B_24H);
    expect_time(&t, 0x20, 0x24, 0x02, 0x29, 0x13, 0x45, 0x07);

    wr(&t, SEC, 0x5a);  /* not BCD */
    wr(&t, MON, 0x00);  /* no month 0 */
    wr(&t, MDAY, 0x32);
    wr(&t, REG_B, B_BINARY | B_24H);
    wr(&t, MIN, 200);
    wr(&t, REG_B, 0);   /* 12 h: hour 0 does not exist */
    wr(&t, HOUR, 0x00);
    wr(&t, REG_B, B_24H);
    expect_time(&t, 0x20, 0x24, 0x02, 0x29, 0x13, 0x45, 0x07);

    /* Every byte in every register, in every mode. */
    for (unsigned mode = 0; mode < 8; mode++) {
        for (unsigned v = 0; v < 256; v++) {
            wr(&t, REG_B, (uint8_t)(B_SET | (mode & 1 ? B_BINARY : 0) | (mode & 2 ? B_24H : 0)));
            for (uint8_t i = 0; i <= YEAR; i++)
                wr(&t, i, (uint8_t)v);
            wr(&t, CENTURY, (uint8_t)v);
            wr(&t, REG_B, (uint8_t)((mode & 1 ? B_BINARY : 0) | (mode & 2 ? B_24H : 0)));
            rd(&t, SEC);
            rd(&t, REG_C);
        }
    }
    free_rtc(&t);
}

/* A day past the end of its month rolls into the next (datasheet:
 * undefined; this is what timegm does). */
static void test_day_past_month_end(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 500 * FAKE_MS);
    make_rtc(&t, false, false);
    linux_set_time(&t, 0x20, 0x23, 0x02, 0x30, 0x10, 0x00, 0x00);
    expect_time(&t, 0x20, 0x23, 0x03, 0x02, 0x10, 0x00, 0x00);
    free_rtc(&t);
}

/* Setting SET clears UIE (datasheet), so no update interrupt interrupts
 * the guest's writing of the time. */
static void test_set_clears_uie(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 0);
    make_rtc(&t, false, false);
    wr(&t, REG_B, B_UIE | B_24H);
    assert_int_equal(rd(&t, REG_B), B_UIE | B_24H);
    wr(&t, REG_B, B_SET | B_UIE | B_PIE | B_24H);
    assert_int_equal(rd(&t, REG_B), B_SET | B_PIE | B_24H);
    free_rtc(&t);
}

/* ---- flags and the line -------------------------------------------------- */

static void test_reg_c_clear_on_read(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 500 * FAKE_MS);
    make_rtc(&t, false, false);
    wr(&t, REG_A, A_NO_PERIODIC);
    wr(&t, REG_B, B_UIE | B_24H);
    assert_false(line(&t));

    fake_clock_advance(600 * FAKE_MS);
    rd(&t, REG_A); /* any access sees the update that happened */
    assert_true(line(&t));
    assert_int_equal(rd(&t, REG_C), C_IRQF | C_UF);
    assert_false(line(&t));
    assert_int_equal(rd(&t, REG_C), 0);
    assert_int_equal(fake_irq_rises(t.irq), 1);
    assert_int_equal(fake_irq_falls(t.irq), 1);

    /* Writes to C and D change nothing. */
    wr(&t, REG_C, 0xff);
    wr(&t, REG_D, 0x00);
    assert_int_equal(rd(&t, REG_C), 0);
    assert_int_equal(rd(&t, REG_D), 0x80);
    free_rtc(&t);
}

/* Flags are set whether or not enabled; IRQF only for enabled ones. */
static void test_flags_without_enables(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 500 * FAKE_MS);
    make_rtc(&t, false, false);
    wr(&t, ALARM_SEC, 0xff);
    wr(&t, ALARM_MIN, 0xff);
    wr(&t, ALARM_HOUR, 0xff);
    fake_clock_advance(FAKE_SEC);
    assert_int_equal(rd(&t, REG_C), C_PF | C_AF | C_UF);
    assert_false(line(&t));

    /* Enabling one with its flag already set raises the line at once;
     * disabling it lowers the line again (IRQF follows the enables). */
    fake_clock_advance(FAKE_SEC);
    wr(&t, REG_B, B_AIE | B_24H);
    assert_true(line(&t));
    wr(&t, REG_B, B_24H);
    assert_false(line(&t));
    assert_int_equal(rd(&t, REG_C), C_PF | C_AF | C_UF);
    assert_int_equal(fake_irq_rises(t.irq), 1);
    free_rtc(&t);
}

/* PF at 32768 >> (RS - 1) Hz, RS 1 and 2 as RS 8 and 9, none for RS 0,
 * in phase with the second. */
static void test_periodic_rates(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 0);
    make_rtc(&t, false, false);
    for (unsigned rs = 1; rs <= 15; rs++) {
        unsigned code = rs <= 2 ? rs + 7 : rs;
        int64_t cycles = INT64_C(1) << (code - 1); /* of 32768 Hz */
        int64_t period = (cycles * FAKE_SEC + 32767) / 32768; /* rounded up */

        fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 0);
        wr(&t, REG_A, (uint8_t)(0x20 | rs));
        rd(&t, REG_C);
        fake_clock_advance(period - 1);
        assert_int_equal(rd(&t, REG_C) & C_PF, 0);
        fake_clock_advance(1);
        assert_int_equal(rd(&t, REG_C) & C_PF, C_PF);
        fake_clock_advance(period);
        assert_int_equal(rd(&t, REG_C) & C_PF, C_PF);
    }

    wr(&t, REG_A, 0x20); /* RS 0 */
    rd(&t, REG_C);
    fake_clock_advance(3 * FAKE_SEC);
    assert_int_equal(rd(&t, REG_C), C_UF);

    wr(&t, REG_A, 0x26 | A_DIV_RESET); /* divider held: nothing ticks */
    rd(&t, REG_C);
    fake_clock_advance(3 * FAKE_SEC);
    assert_int_equal(rd(&t, REG_C), 0);

    wr(&t, REG_A, 0x26); /* SET stops updates, not the divider */
    wr(&t, REG_B, B_SET | B_24H);
    rd(&t, REG_C);
    fake_clock_advance(3 * FAKE_SEC);
    assert_int_equal(rd(&t, REG_C), C_PF);
    free_rtc(&t);
}

/* The timer raises the line without the guest looking. */
static void test_periodic_interrupt(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 300 * FAKE_MS);
    make_rtc(&t, false, false);
    wr(&t, REG_A, 0x26); /* 1024 Hz */
    rd(&t, REG_C);
    wr(&t, REG_B, B_PIE | B_24H);
    fake_clock_follow_real();
    assert_true(wait_line(&t));
    assert_int_equal(rd(&t, REG_C) & (C_IRQF | C_PF), C_IRQF | C_PF);
    assert_false(line(&t));
    assert_true(wait_line(&t));
    assert_int_equal(rd(&t, REG_C) & (C_IRQF | C_PF), C_IRQF | C_PF);

    /* PIE off: the flag still comes, the line does not. */
    wr(&t, REG_B, B_24H);
    fake_clock_advance(10 * FAKE_MS);
    assert_int_equal(rd(&t, REG_C) & (C_IRQF | C_PF), C_PF);
    assert_false(line(&t));
    free_rtc(&t);
}

static void test_update_interrupt(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, FAKE_SEC - 5 * FAKE_MS);
    make_rtc(&t, false, false);
    wr(&t, REG_A, A_NO_PERIODIC);
    wr(&t, REG_B, B_UIE | B_24H);
    fake_clock_follow_real();
    assert_true(wait_line(&t));
    assert_int_equal(rd(&t, SEC), 0x08);
    assert_int_equal(rd(&t, REG_C), C_IRQF | C_UF);
    assert_false(line(&t));
    free_rtc(&t);
}

/* ---- alarm --------------------------------------------------------------- */

static void test_alarm_dont_care(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 10, 0, 0, 500 * FAKE_MS);
    make_rtc(&t, false, false);
    wr(&t, REG_A, A_NO_PERIODIC);
    /* Every hour and minute at second 5. */
    wr(&t, ALARM_SEC, 0x05);
    wr(&t, ALARM_MIN, 0xc0);
    wr(&t, ALARM_HOUR, 0xff);
    wr(&t, REG_B, B_AIE | B_24H);
    fake_clock_advance(4400 * FAKE_MS); /* 10:00:04.9 */
    assert_int_equal(rd(&t, REG_C), C_UF);
    assert_false(line(&t));
    fake_clock_advance(100 * FAKE_MS); /* 10:00:05 */
    rd(&t, REG_A);
    assert_true(line(&t));
    assert_int_equal(rd(&t, REG_C), C_IRQF | C_AF | C_UF);
    assert_false(line(&t));
    fake_clock_advance(FAKE_SEC); /* 10:00:06 */
    assert_int_equal(rd(&t, REG_C), C_UF);
    fake_clock_advance(59 * FAKE_SEC); /* 10:01:05 */
    assert_int_equal(rd(&t, REG_C), C_IRQF | C_AF | C_UF);
    free_rtc(&t);
}

static void test_alarm_exact_and_next_day(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 10, 30, 0, 500 * FAKE_MS);
    make_rtc(&t, false, false);
    wr(&t, REG_A, A_NO_PERIODIC);
    wr(&t, ALARM_HOUR, 0x10);
    wr(&t, ALARM_MIN, 0x30);
    wr(&t, ALARM_SEC, 0x00);
    /* 10:30:00 has just gone: the next is tomorrow. */
    fake_clock_advance(86399 * FAKE_SEC + 400 * FAKE_MS);
    assert_int_equal(rd(&t, REG_C) & C_AF, 0);
    fake_clock_advance(100 * FAKE_MS);
    assert_int_equal(rd(&t, MDAY), 0x01);
    assert_int_equal(rd(&t, REG_C) & C_AF, C_AF);

    /* Three days without a look still show that it went off. */
    rd(&t, REG_C);
    fake_clock_advance(3 * 86400 * FAKE_SEC + 5 * FAKE_SEC);
    assert_int_equal(rd(&t, REG_C) & C_AF, C_AF);

    /* 12-hour mode: 1 PM is 0x81. */
    wr(&t, REG_B, 0);
    wr(&t, ALARM_HOUR, 0x81);
    wr(&t, ALARM_MIN, 0x00);
    wr(&t, ALARM_SEC, 0x00);
    fake_clock_set_utc(2024, 3, 5, 12, 59, 59, 500 * FAKE_MS);
    rd(&t, REG_C);
    fake_clock_advance(400 * FAKE_MS);
    assert_int_equal(rd(&t, REG_C) & C_AF, 0);
    fake_clock_advance(100 * FAKE_MS);
    assert_int_equal(rd(&t, REG_C) & C_AF, C_AF);

    /* A value no time can show never matches. */
    wr(&t, REG_B, B_24H);
    wr(&t, ALARM_SEC, 0x6a);
    wr(&t, ALARM_MIN, 0xff);
    wr(&t, ALARM_HOUR, 0xff);
    rd(&t, REG_C);
    fake_clock_advance(2 * 86400 * FAKE_SEC);
    assert_int_equal(rd(&t, REG_C) & C_AF, 0);
    free_rtc(&t);
}

static void test_alarm_interrupt(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 10, 0, 0, FAKE_SEC - 5 * FAKE_MS);
    make_rtc(&t, false, false);
    wr(&t, REG_A, A_NO_PERIODIC);
    wr(&t, ALARM_SEC, 0x01);
    wr(&t, ALARM_MIN, 0xff);
    wr(&t, ALARM_HOUR, 0xff);
    wr(&t, REG_B, B_AIE | B_24H);
    fake_clock_follow_real();
    assert_true(wait_line(&t));
    assert_int_equal(rd(&t, REG_C), C_IRQF | C_AF | C_UF);
    free_rtc(&t);
}

/* The host clock stepped back: no events, no harm. */
static void test_host_clock_stepped_back(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 10, 0, 0, 500 * FAKE_MS);
    make_rtc(&t, false, false);
    wr(&t, REG_B, B_UIE | B_AIE | B_PIE | B_24H);
    rd(&t, REG_C);
    fake_clock_advance(-3600 * FAKE_SEC);
    assert_int_equal(rd(&t, REG_C), 0);
    assert_int_equal(rd(&t, HOUR), 0x09);
    fake_clock_advance(FAKE_SEC);
    assert_int_equal(rd(&t, REG_C) & (C_IRQF | C_UF), C_IRQF | C_UF);
    free_rtc(&t);
}

/* ---- RAM, banks and the index port --------------------------------------- */

static void test_ram_and_index_port(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 0);
    make_rtc(&t, false, false);
    assert_int_equal(t.cfg.size, 2);
    for (unsigned i = 0x0e; i < 0x80; i++)
        if (i != CENTURY)
            wr(&t, (uint8_t)i, (uint8_t)(i ^ 0x5a));
    for (unsigned i = 0x0e; i < 0x80; i++)
        if (i != CENTURY)
            assert_int_equal(rd(&t, (uint8_t)i), i ^ 0x5a);

    /* Bit 7 of the index is the PC's NMI mask, not part of the index. */
    wr(&t, 0x80 | 0x0e, 0x42);
    assert_int_equal(rd(&t, 0x0e), 0x42);
    assert_int_equal(rd(&t, 0x80 | YEAR), 0x24);

    /* The index port reads 0xff (as QEMU's does). */
    port_out(&t, 0, 0x0e);
    assert_int_equal(port_in(&t, 0), 0xff);
    free_rtc(&t);
}

static void test_extended_bank(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 0);
    make_rtc(&t, true, false);
    assert_int_equal(t.cfg.size, 4);
    /* Bank 1 is 128 bytes of plain RAM, registers or not. */
    for (unsigned i = 0; i < 0x80; i++) {
        port_out(&t, 2, (uint8_t)i);
        port_out(&t, 3, (uint8_t)(0xff - i));
    }
    for (unsigned i = 0; i < 0x80; i++) {
        port_out(&t, 2, (uint8_t)(0x80 | i));
        assert_int_equal(port_in(&t, 3), 0xff - i);
    }
    assert_int_equal(port_in(&t, 2), 0xff);
    /* Bank 0 is untouched and keeps its own index. */
    port_out(&t, 0, REG_D);
    port_out(&t, 2, 0x0d);
    assert_int_equal(port_in(&t, 1), 0x80);
    assert_int_equal(rd(&t, YEAR), 0x24);
    assert_int_equal(rd(&t, 0x40), 0x00);
    free_rtc(&t);
}

/* ---- persistence --------------------------------------------------------- */

static bool file_contains(const char *path, const char *text)
{
    char buf[2048];
    FILE *f = fopen(path, "r");
    size_t n;

    if (f == NULL)
        return false;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, text) != NULL;
}

static void test_state_survives_restart(void **state)
{
    struct rtc_test t;
    char path[128];

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 500 * FAKE_MS);
    make_rtc(&t, true, true);
    state_path(&t, path, sizeof(path), "");
    assert_int_equal(access(path, F_OK), -1); /* first start: no file */

    linux_set_time(&t, 0x20, 0x42, 0x06, 0x15, 0x08, 0x00, 0x00);
    for (int i = 0; i < 1000; i++)
        wr(&t, 0x40, (uint8_t)i); /* a guest hammering CMOS */
    wr(&t, 0x40, 0x5a);
    port_out(&t, 2, 0x10);
    port_out(&t, 3, 0xa5);
    /* Coalesced: nothing is written while the guest is busy. */
    assert_int_equal(access(path, F_OK), -1);

    restart(&t); /* the final write happens on the way down */
    assert_true(file_contains(path, "version = 1\n"));
    assert_true(file_contains(path, "\noffset = "));
    fake_clock_advance(10 * FAKE_SEC);
    restart(&t);
    expect_time(&t, 0x20, 0x42, 0x06, 0x15, 0x08, 0x00, 0x10);
    assert_int_equal(rd(&t, 0x40), 0x5a);
    port_out(&t, 2, 0x10);
    assert_int_equal(port_in(&t, 3), 0xa5);
    free_rtc(&t);
}

/* A change is written a second later while dmd runs, not only at exit. */
static void test_state_written_while_running(void **state)
{
    struct rtc_test t;
    char path[128];

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 0);
    make_rtc(&t, false, true);
    state_path(&t, path, sizeof(path), "");
    wr(&t, 0x20, 0x77);
    for (int i = 0; i < 10 && access(path, F_OK) != 0; i++)
        ev_run(t.loop, EVRUN_ONCE);
    assert_true(file_contains(path, "cmos = 00000000000000000000000000000000000077"));
    free_rtc(&t);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A bad file is set aside as .bad and the clock starts from the host's,
 * even when good lines came before the bad one. */
static void test_corrupt_state_file(void **state)
{
    static const char *const bad[] = {
        "version = 1\noffset = 3600\ncmos = zz\n",
        "version = 1\noffset = banana\n",
        "offset = 3600\n",
        "version = 2\noffset = 3600\n",
        "version = 1\noffset = 3600\nsomething = else\n",
        "version = 1\noffset 3600\n",
        "",
    };
    struct rtc_test t;
    char path[128], bad_path[128];

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 0);
    make_rtc(&t, false, true);
    state_path(&t, path, sizeof(path), "");
    state_path(&t, bad_path, sizeof(bad_path), ".bad");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_file(path, bad[i]);
        restart(&t);
        assert_int_equal(rd(&t, HOUR), 0x13);
        assert_int_equal(rd(&t, 0x0e), 0x00);
        assert_int_equal(access(path, F_OK), -1);
        assert_true(file_contains(bad_path, bad[i]));
    }

    /* A good file with comments and blank lines is read. */
    write_file(path, "# kept by hand\n\nversion = 1\n  offset = -3600  \n");
    restart(&t);
    assert_int_equal(rd(&t, HOUR), 0x12);
    free_rtc(&t);
}

/* The state_dir went away: the write fails, is logged, and the device
 * goes on (from defaults at the next start, as there is no file). */
static void test_state_dir_unwritable(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 500 * FAKE_MS);
    make_rtc(&t, false, true);
    assert_int_equal(rmdir(t.dir), 0);
    wr(&t, 0x40, 0x5a);
    wr(&t, MIN, 0x00);
    restart(&t);
    assert_int_equal(rd(&t, 0x40), 0x00);
    assert_int_equal(rd(&t, MIN), 0x45);
    assert_int_equal(mkdir(t.dir, 0700), 0);
    free_rtc(&t);
}

/* TIMEOFFSET concerns Xen's own RTC: logged, the time is unchanged. */
static void test_timeoffset_is_only_logged(void **state)
{
    struct rtc_test t;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 0);
    make_rtc(&t, false, false);
    for (int i = 0; i < 100; i++)
        mc146818_device.timeoffset(&t.dev, 3600);
    assert_int_equal(rd(&t, HOUR), 0x13);
    free_rtc(&t);
}

/* ---- crash snapshots ----------------------------------------------------- */

/* save()'s layout, version 1 (mc146818.c), where the tests damage it. */
enum { SNAP_INDEX0 = 0, SNAP_INDEX1 = 1, SNAP_REG_A = 2, SNAP_REG_B = 3, SNAP_FLAGS = 4,
       SNAP_ALARM = 5, SNAP_HELD = 8, SNAP_OFFSET = 16, SNAP_CHECKED = 24, SNAP_ACKED = 32,
       SNAP_RAM0 = 40, SNAP_RAM1 = 40 + 114, SNAP_SIZE = 40 + 114 + 128 };

/* Host time 2024-02-29 H:M:S UTC, in ns. */
static int64_t host_ns(int hour, int min, int sec)
{
    struct tm tm = { .tm_year = 124, .tm_mon = 1, .tm_mday = 29, .tm_hour = hour,
                     .tm_min = min, .tm_sec = sec };

    return (int64_t)timegm(&tm) * FAKE_SEC;
}

/* A device driven through its ports into a state far from reset:
 * 12-hour BCD, 2031-07-04 9:15:30 PM, alarm at 9:15:35 PM, 2 Hz periodic,
 * PIE AIE UIE, PF and UF pending with the line up, both RAM banks
 * written, both indexes left pointing into RAM.  The fake clock stands at
 * 13:45:08.3 UTC afterwards. */
static void make_rich(struct rtc_test *t)
{
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 300 * FAKE_MS);
    make_rtc(t, true, false);
    wr(t, REG_B, 0); /* 12 h, BCD */
    linux_set_time(t, 0x20, 0x31, 0x07, 0x04, 0x80 | 0x09, 0x15, 0x30);
    wr(t, ALARM_SEC, 0x35);
    wr(t, ALARM_MIN, 0x15);
    wr(t, ALARM_HOUR, 0x80 | 0x09);
    wr(t, REG_A, 0x2f); /* 32.768 kHz, RS 15: 2 Hz */
    for (unsigned i = 0x0e; i < 0x80; i++)
        if (i != CENTURY)
            wr(t, (uint8_t)i, (uint8_t)(i * 7 + 3));
    for (unsigned i = 0; i < 0x80; i++) {
        port_out(t, 2, (uint8_t)i);
        port_out(t, 3, (uint8_t)(0xff - i * 3));
    }
    rd(t, REG_C);
    wr(t, REG_B, B_PIE | B_AIE | B_UIE);
    fake_clock_advance(FAKE_SEC); /* 13:45:08.3: a tick and an update */
    rd(t, REG_A);
    assert_true(line(t));
    port_out(t, 0, 0x40);
    port_out(t, 2, 0x11);
}

/* The harness's pair: make_rich's, and a fresh extended one without a
 * state_dir. */
static void kit_make(void *t, bool far_from_reset)
{
    if (far_from_reset)
        make_rich(t);
    else
        make_rtc(t, true, false);
}

static void kit_free(void *t)
{
    free_rtc(t);
}

static const struct harness_kit kit = { sizeof(struct rtc_test), offsetof(struct rtc_test, dev),
                                        kit_make, kit_free };

/* Everything a guest can read, on both, at the same host time; reads C
 * last (clearing it on both).  The indexes are compared first, before
 * rd() moves them. */
static void expect_same_registers(struct rtc_test *a, struct rtc_test *b)
{
    bool extended = a->cfg.size == 4;

    assert_int_equal(line(a), line(b));
    assert_int_equal(port_in(a, 1), port_in(b, 1));
    if (extended)
        assert_int_equal(port_in(a, 3), port_in(b, 3));
    for (unsigned i = 0; i < 0x80; i++)
        if (i != REG_C)
            assert_int_equal(rd(a, (uint8_t)i), rd(b, (uint8_t)i));
    for (unsigned i = 0; extended && i < 0x80; i++) {
        port_out(a, 2, (uint8_t)i);
        port_out(b, 2, (uint8_t)i);
        assert_int_equal(port_in(a, 3), port_in(b, 3));
    }
    assert_int_equal(line(a), line(b));
    assert_int_equal(rd(a, REG_C), rd(b, REG_C));
    assert_int_equal(line(a), line(b));
}

static void test_snapshot_round_trip(void **state)
{
    struct rtc_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    make_rich(&a);
    n = harness_save(&a.dev, buf, sizeof(buf));
    assert_int_equal(n, SNAP_SIZE);

    make_rtc(&b, true, false);
    assert_false(line(&b));
    harness_expect_round_trip(&b.dev, buf, n); /* nothing to catch up */
    assert_true(line(&b));

    /* What the guest left, register by register. */
    assert_int_equal(port_in(&b, 1), (uint8_t)(0x40 * 7 + 3));
    assert_int_equal(port_in(&b, 3), (uint8_t)(0xff - 0x11 * 3));
    assert_int_equal(rd(&b, REG_A), 0x2f);
    assert_int_equal(rd(&b, REG_B), B_PIE | B_AIE | B_UIE);
    assert_int_equal(rd(&b, ALARM_HOUR), 0x89);
    expect_time(&b, 0x20, 0x31, 0x07, 0x04, 0x89, 0x15, 0x31);
    port_out(&b, 0, 0x40);
    port_out(&b, 2, 0x11);
    expect_same_registers(&a, &b); /* reads C: IRQF PF UF on both */
    assert_false(line(&b));
    assert_int_equal(rd(&b, REG_C), 0); /* cleared by that read, as usual */

    /* It goes on: just before the alarm (also a tick and an update), the
     * timer raises the line at the right host time, not before.
     * The clock was set to 21:15:30 at host 13:45:07, so the alarm's
     * 21:15:35 is host 13:45:12. */
    fake_clock_set(host_ns(13, 45, 12) - 5 * FAKE_MS);
    assert_int_equal(rd(&b, REG_C), C_PF | C_UF | C_IRQF);
    assert_false(line(&b));
    fake_clock_follow_real();
    assert_true(wait_line(&b));
    assert_true(fake_clock_now() >= host_ns(13, 45, 12));
    assert_int_equal(rd(&b, REG_C), C_IRQF | C_PF | C_AF | C_UF);
    /* The clock kept the guest's offset. */
    expect_time(&b, 0x20, 0x31, 0x07, 0x04, 0x89, 0x15, 0x35);
    free_rtc(&a);
    free_rtc(&b);
}

/* A clock held by SET, in binary, halfway through being set: the held
 * registers come back, and letting go takes them. */
static void test_snapshot_held_time(void **state)
{
    struct rtc_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, 0);
    make_rtc(&a, false, false);
    wr(&a, REG_B, B_SET | B_BINARY | B_24H);
    wr(&a, YEAR, 50);
    wr(&a, MON, 12);
    wr(&a, MDAY, 31);
    wr(&a, HOUR, 23);
    wr(&a, MIN, 59);
    wr(&a, SEC, 58);
    wr(&a, CENTURY, 20); /* held in BCD (0x20) since SET came first */
    port_out(&a, 0, SEC);
    n = harness_save(&a.dev, buf, sizeof(buf));

    make_rtc(&b, false, false);
    assert_int_equal(harness_restore(&b.dev, buf, n, false), 0);
    assert_int_equal(harness_restore(&b.dev, buf, n, true), 0);
    assert_int_equal(port_in(&b, 1), 58);
    expect_same_registers(&a, &b);
    fake_clock_advance(5 * FAKE_SEC);
    expect_time(&b, 20, 50, 12, 31, 23, 59, 58); /* still held */
    wr(&b, REG_B, B_BINARY | B_24H);
    fake_clock_advance(2 * FAKE_SEC);
    expect_time(&b, 20, 51, 1, 1, 0, 0, 0);
    free_rtc(&a);
    free_rtc(&b);
}

/* At host time 13:45:07 + `ms`: a 24-hour clock on the host's time with
 * only the update interrupt enabled, C read clear.  Its snapshot's length,
 * in buf. */
static size_t save_update_ahead(struct rtc_test *a, int64_t ms, uint8_t *buf)
{
    fake_clock_set_utc(2024, 2, 29, 13, 45, 7, ms * FAKE_MS);
    make_rtc(a, false, false);
    wr(a, REG_A, A_NO_PERIODIC);
    wr(a, REG_B, B_UIE | B_24H);
    rd(a, REG_C);
    return harness_save(&a->dev, buf, DEVICE_STATE_MAX);
}

/* Events while dmd was down are found at once: the line is up after the
 * restore, as it would be had dmd kept running. */
static void test_snapshot_catches_up(void **state)
{
    struct rtc_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    n = save_update_ahead(&a, 300, buf);
    assert_false(line(&a));

    fake_clock_advance(2 * FAKE_SEC);
    make_rtc(&b, false, false);
    assert_int_equal(harness_restore(&b.dev, buf, n, true), 0);
    assert_true(line(&b));
    assert_int_equal(rd(&b, REG_C), C_IRQF | C_UF);
    assert_false(line(&b));
    free_rtc(&a);
    free_rtc(&b);
}

/* A check alone changes nothing: registers, line, state file. */
static void test_snapshot_check_changes_nothing(void **state)
{
    struct rtc_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;
    char path[128];

    (void)state;
    make_rich(&a);
    n = harness_save(&a.dev, buf, sizeof(buf));
    make_rtc(&b, true, true);
    harness_expect_check_changes_nothing(&b.dev, buf, n, NULL, NULL);
    expect_time(&b, 0x20, 0x24, 0x02, 0x29, 0x13, 0x45, 0x08);
    assert_int_equal(rd(&b, REG_B), B_24H);
    assert_int_equal(rd(&b, 0x40), 0);
    assert_int_equal(rd(&b, REG_C), 0);
    state_path(&b, path, sizeof(path), "");
    restart(&b);
    assert_int_equal(access(path, F_OK), -1); /* nothing to write */
    free_rtc(&a);
    free_rtc(&b);
}

static void test_snapshot_truncated_or_long(void **state)
{
    (void)state;
    harness_test_exact_length(&kit);
}

/* Values no guest can put in the registers and no save() writes. */
static void test_snapshot_bad_fields(void **state)
{
    static const struct harness_field bad[] = {
        { SNAP_INDEX0, 1, 0x80 },                  /* NMI bit is never kept */
        { SNAP_INDEX0, 1, 0xff },
        { SNAP_INDEX1, 1, 0x80 },
        { SNAP_REG_A, 1, 0x80 | 0x26 },            /* UIP is not stored */
        { SNAP_REG_B, 1, B_SET | B_UIE },          /* SET clears UIE */
        { SNAP_FLAGS, 1, C_IRQF },                 /* IRQF is worked out */
        { SNAP_FLAGS, 1, 0x01 },
        { SNAP_OFFSET, 8, (uint64_t)(RTC_OFFSET_LIMIT + 1) },
        { SNAP_OFFSET, 8, (uint64_t)(-RTC_OFFSET_LIMIT - 1) },
        { SNAP_OFFSET, 8, (uint64_t)INT64_MIN },
        { SNAP_CHECKED, 8, (uint64_t)INT64_C(-1) },
        { SNAP_CHECKED, 8, (uint64_t)INT64_MAX },
        { SNAP_ACKED, 8, (uint64_t)INT64_C(-1) },
        { SNAP_ACKED, 8, (uint64_t)INT64_MAX },
    };
    /* Values a guest can produce: accepted (the check is not blanket). */
    static const struct harness_field good[] = {
        { SNAP_INDEX0, 1, 0x7f },
        { SNAP_INDEX1, 1, 0x7f },
        { SNAP_REG_A, 1, 0x7f },
        { SNAP_REG_B, 1, B_SET | B_PIE | B_AIE | 0x0f },
        { SNAP_FLAGS, 1, C_PF | C_AF | C_UF },
        { SNAP_ALARM, 1, 0xff },
        { SNAP_HELD, 1, 0xff },
        { SNAP_OFFSET, 8, (uint64_t)RTC_OFFSET_LIMIT },
        { SNAP_OFFSET, 8, (uint64_t)-RTC_OFFSET_LIMIT },
        { SNAP_CHECKED, 8, 0 },
        { SNAP_ACKED, 8, 0 },
        { SNAP_RAM0, 1, 0xff },
        { SNAP_RAM1 + 127, 1, 0xff },
    };
    struct harness_pair p;
    struct harness_fresh fresh;
    struct rtc_test c;

    (void)state;
    harness_pair_make(&p, &kit);
    harness_expect_fields(p.target, p.buf, p.n, bad, sizeof(bad) / sizeof(bad[0]), good,
                          sizeof(good) / sizeof(good[0]), NULL);

    /* Without `extended`, bank 1's index is never written. */
    make_rtc(&c, false, false);
    harness_fresh(&fresh, &c.dev);
    harness_patch(p.buf, SNAP_INDEX1, 1, 0);
    assert_int_equal(harness_restore(&c.dev, p.buf, p.n, false), 0);
    harness_patch(p.buf, SNAP_INDEX1, 1, 1);
    harness_expect_rejected(&fresh, p.buf, p.n);
    harness_pair_free(&p);
    free_rtc(&c);
}

/* What a restored device is driven through after each damaged byte. */
static void read_a_hour_c(void *ctx)
{
    struct rtc_test *t = ctx;

    rd(t, REG_A);
    rd(t, HOUR);
    rd(t, REG_C);
}

/* Any byte of a snapshot damaged: rejected, or taken without harm (ASan
 * and UBSan watch the arithmetic that follows). */
static void test_snapshot_damaged_bytes(void **state)
{
    static const uint8_t values[] = { 0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff };

    (void)state;
    harness_test_damaged_bytes(&kit, values, sizeof(values), read_a_hour_c);
}

/* The timer that raises the line asks for a save; a restored device's
 * timer runs without the guest touching it first. */
static void test_timer_calls_device_changed(void **state)
{
    struct rtc_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    n = save_update_ahead(&a, 990, buf);
    make_rtc(&b, false, false);
    assert_int_equal(harness_restore(&b.dev, buf, n, true), 0);
    fake_clock_follow_real();
    harness_expect_timer_saves(&b.dev);
    assert_true(fake_clock_now() >= host_ns(13, 45, 8));
    assert_int_equal(rd(&b, SEC), 0x08);
    assert_int_equal(rd(&b, REG_C), C_IRQF | C_UF);
    free_rtc(&a);
    free_rtc(&b);
}

static void test_snapshot_size(void **state)
{
    struct rtc_test a;

    (void)state;
    make_rich(&a);
    assert_int_equal(harness_expect_snapshot_size(&a.dev), SNAP_SIZE);
    assert_int_equal(mc146818_device.state_version, 1);
    free_rtc(&a);
}

/* The restored offset and RAM reach the state file, so a clean restart
 * afterwards finds the same clock and RAM, not the file's older ones. */
static void test_snapshot_reaches_state_file(void **state)
{
    struct rtc_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    make_rich(&a);
    n = harness_save(&a.dev, buf, sizeof(buf));
    make_rtc(&b, true, true);
    assert_int_equal(harness_restore(&b.dev, buf, n, true), 0);
    restart(&b);
    assert_int_equal(rd(&b, REG_B), B_24H); /* registers: from reset */
    wr(&a, REG_B, B_24H);
    expect_time(&b, 0x20, 0x31, 0x07, 0x04, 0x21, 0x15, 0x31);
    for (unsigned i = 0x0e; i < 0x80; i++)
        assert_int_equal(rd(&b, (uint8_t)i), rd(&a, (uint8_t)i));
    for (unsigned i = 0; i < 0x80; i++) {
        port_out(&a, 2, (uint8_t)i);
        port_out(&b, 2, (uint8_t)i);
        assert_int_equal(port_in(&b, 3), port_in(&a, 3));
    }
    free_rtc(&a);
    free_rtc(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_get_time_bcd),
        cmocka_unit_test(test_binary_mode),
        cmocka_unit_test(test_12_hour_mode),
        cmocka_unit_test(test_uip_window),
        cmocka_unit_test(test_linux_set_time),
        cmocka_unit_test(test_write_while_running),
        cmocka_unit_test(test_invalid_time_keeps_previous),
        cmocka_unit_test(test_day_past_month_end),
        cmocka_unit_test(test_set_clears_uie),
        cmocka_unit_test(test_reg_c_clear_on_read),
        cmocka_unit_test(test_flags_without_enables),
        cmocka_unit_test(test_periodic_rates),
        cmocka_unit_test(test_periodic_interrupt),
        cmocka_unit_test(test_update_interrupt),
        cmocka_unit_test(test_alarm_dont_care),
        cmocka_unit_test(test_alarm_exact_and_next_day),
        cmocka_unit_test(test_alarm_interrupt),
        cmocka_unit_test(test_host_clock_stepped_back),
        cmocka_unit_test(test_ram_and_index_port),
        cmocka_unit_test(test_extended_bank),
        cmocka_unit_test(test_state_survives_restart),
        cmocka_unit_test(test_state_written_while_running),
        cmocka_unit_test(test_corrupt_state_file),
        cmocka_unit_test(test_state_dir_unwritable),
        cmocka_unit_test(test_timeoffset_is_only_logged),
        cmocka_unit_test(test_snapshot_round_trip),
        cmocka_unit_test(test_snapshot_held_time),
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
