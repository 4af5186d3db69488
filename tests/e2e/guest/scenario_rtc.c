/* SPDX-License-Identifier: MIT */
/*
 * Scenarios "rtc-set HOST_TIME" and "rtc-restart": dmd's mc146818 at ports
 * 0x70/0x71 (scenarios/rtc/), used the way Linux's rtc-mc146818-lib.c and
 * rtc-cmos.c use a PC's CMOS clock.
 *
 * A PVH guest has no PIC or IO-APIC: the RTC's IRQ 8 reaches nothing, so
 * where a driver would take an interrupt these scenarios poll register C
 * for the flags its handler would read.
 *
 * rtc-set: the clock reads sane and within a minute of HOST_TIME (dom0's
 * clock, seconds since 1970, on the command line); set to 2030-12-31
 * 23:59:59 with SET it rolls over into 2031; register D says the battery
 * is good; UF appears once a second, sets IRQF only with UIE, and reading
 * C clears it; the alarm fires at the second it names; CMOS RAM keeps what
 * is written.  The clock stays set and the RAM written, for:
 *
 * rtc-restart: a new guest served by a new dmd with the same state_dir
 * (scenarios/rtc/test.sh): the clock still runs from what rtc-set set and
 * the RAM bytes are still there.
 */
#include "report.h"
#include "rtc.h"
#include "scenarios.h"

/* What rtc-set sets: 2030-12-31 (a Tuesday, day 3) 23:59:59. */
#define SET_EPOCH 1924991999u
static const struct rtc_regs set_time = {
    .sec = 0x59, .min = 0x59, .hour = 0x23, .wday = 0x03,
    .mday = 0x31, .mon = 0x12, .year = 0x30, .century = 0x20,
};

/* CMOS RAM bytes rtc-set writes and rtc-restart expects back. */
static const struct {
    uint8_t reg, value;
    const char *name;
} ram[] = {
    { 0x40, 0xa5, "ram-0x40" },
    { 0x7f, 0x5a, "ram-0x7f" },
};
#define NRAM (sizeof(ram) / sizeof(ram[0]))

/* The guest has no timer: waits are bounded by the RTC's own ticks, and
 * by a number of register reads (two port accesses each, 1-4 ms under
 * emulation, up to 100 ms when the host is busy) in case it never ticks.
 * The time checks allow a few seconds for the same reason. */
#define POLL_READS 5000
#define SLOW_SECONDS 8

static uint32_t bcd(uint32_t v)
{
    return (v / 10) << 4 | (v % 10);
}

static uint32_t from_bcd(uint8_t v)
{
    return (uint32_t)(v >> 4) * 10 + (v & 0x0f);
}

/* Read the time and check it settles; the epoch, or 0. */
static uint32_t read_checked(struct rtc_regs *r)
{
    bool ok = rtc_read_time(r);

    report_check("read-settles", ok, 1);
    return ok ? rtc_regs_epoch(r) : 0;
}

/* Wait for the seconds register to change; false after POLL_READS. */
static bool wait_next_second(void)
{
    uint8_t start = rtc_read_reg(RTC_SECONDS);

    for (unsigned i = 0; i < POLL_READS; i++)
        if (rtc_read_reg(RTC_SECONDS) != start)
            return true;
    return false;
}

/* Poll register C until one of `flags` is set, for at most `ticks` ticks
 * of the clock; returns the last value read. */
static uint8_t wait_flags(uint8_t flags, unsigned ticks)
{
    uint8_t c = 0, sec = rtc_read_reg(RTC_SECONDS);

    for (unsigned i = 0; i < POLL_READS && ticks > 0; i++) {
        uint8_t now;

        c = rtc_read_reg(RTC_REG_C);
        if (c & flags)
            break;
        now = rtc_read_reg(RTC_SECONDS);
        if (now != sec) {
            sec = now;
            ticks--;
        }
    }
    return c;
}

/* What Linux's mc146818_set_time() does: SET, divider in reset, the
 * fields, then registers B and A as they were. */
static void set_clock(const struct rtc_regs *t)
{
    uint8_t b = rtc_read_reg(RTC_REG_B), a;

    rtc_write_reg(RTC_REG_B, b | RTC_B_SET);
    a = rtc_read_reg(RTC_REG_A);
    rtc_write_reg(RTC_REG_A, a | RTC_A_DV_RESET);
    rtc_write_reg(RTC_YEAR, t->year);
    rtc_write_reg(RTC_MONTH, t->mon);
    rtc_write_reg(RTC_DAY_OF_MONTH, t->mday);
    rtc_write_reg(RTC_DAY_OF_WEEK, t->wday);
    rtc_write_reg(RTC_HOURS, t->hour);
    rtc_write_reg(RTC_MINUTES, t->min);
    rtc_write_reg(RTC_SECONDS, t->sec);
    rtc_write_reg(RTC_CENTURY, t->century);
    rtc_write_reg(RTC_REG_B, b & (uint8_t)~RTC_B_SET);
    rtc_write_reg(RTC_REG_A, a);
}

/* The clock as found: sane, in the PC's modes, near dom0's time. */
static void check_initial_time(uint32_t host)
{
    struct rtc_regs r;
    uint32_t now = read_checked(&r);

    report_check("reg-b-24h-bcd", r.b & (RTC_B_SET | RTC_B_DM_BINARY | RTC_B_24H), RTC_B_24H);
    report_check("bcd-digits-valid", rtc_regs_bcd_valid(&r), 1);
    report_check("fields-in-range", now != 0, 1);
    report_check_range("year", from_bcd(r.century) * 100 + from_bcd(r.year), 2024, 2099);
    report_note_value("rtc minus dom0 time, seconds", (int32_t)(now - host));
    /* dmd reads the same clock dom0 does; the guest started seconds after
     * dom0 wrote HOST_TIME into its command line. */
    report_check_range("near-dom0-time", now - host + 2, 0, 62);
    report_check("reg-a-divider", rtc_read_reg(RTC_REG_A) & RTC_A_DV_MASK, 0x20);
    report_check("reg-d-vrt", rtc_read_reg(RTC_REG_D), RTC_D_VRT);
}

/* Set 2030-12-31 23:59:59 and watch it become 2031-01-01 00:00:00. */
static void check_set_and_rollover(void)
{
    struct rtc_regs r;
    uint32_t t;

    set_clock(&set_time);
    t = read_checked(&r);
    report_check_range("set-readback", t - SET_EPOCH, 0, SLOW_SECONDS);
    report_check("wait-rollover", wait_next_second(), 1);
    t = read_checked(&r);
    report_note_value("seconds after 2030-12-31 23:59:59", (int32_t)(t - SET_EPOCH));
    report_check_range("rolled-over", t - SET_EPOCH, 1, 1 + SLOW_SECONDS);
    /* Year, month, day, hour; century and minutes; the next weekday. */
    report_check("new-year-date",
                 (uint32_t)r.year << 24 | (uint32_t)r.mon << 16 | (uint32_t)r.mday << 8 | r.hour,
                 0x31010100);
    report_check("new-year-century-min", (uint32_t)r.century << 8 | r.min, 0x2000);
    report_check("new-year-weekday", r.wday, 0x04);
}

/* UF: set once a second; IRQF only while UIE enables it; read clears C. */
static void check_update_flag(void)
{
    uint8_t b = rtc_read_reg(RTC_REG_B), c;

    rtc_read_reg(RTC_REG_C);
    rtc_write_reg(RTC_REG_B, b | RTC_B_UIE);
    c = wait_flags(RTC_C_UF, 3);
    report_check("uie-sets-uf-irqf", c & (RTC_C_IRQF | RTC_C_UF), RTC_C_IRQF | RTC_C_UF);
    report_check("reg-c-read-clears", rtc_read_reg(RTC_REG_C) & (RTC_C_IRQF | RTC_C_UF), 0);
    rtc_write_reg(RTC_REG_B, b & (uint8_t)~RTC_B_UIE);
    rtc_read_reg(RTC_REG_C);
    c = wait_flags(RTC_C_UF, 3);
    report_check("uf-without-uie", c & (RTC_C_IRQF | RTC_C_UF), RTC_C_UF);
}

/* An alarm at "any hour, any minute, second S" (S three seconds from now)
 * sets AF at that second (AIE off: no IRQF). */
static void check_alarm(void)
{
    uint32_t sec = (from_bcd(rtc_read_reg(RTC_SECONDS)) + 3) % 60;
    uint8_t c;

    rtc_write_reg(RTC_HOURS_ALARM, RTC_ALARM_DONT_CARE);
    rtc_write_reg(RTC_MINUTES_ALARM, RTC_ALARM_DONT_CARE);
    rtc_write_reg(RTC_SECONDS_ALARM, (uint8_t)bcd(sec));
    rtc_read_reg(RTC_REG_C);
    c = wait_flags(RTC_C_AF, 5);
    report_check("alarm-sets-af", c & (RTC_C_IRQF | RTC_C_AF), RTC_C_AF);
    report_check("alarm-second", rtc_read_reg(RTC_SECONDS), (uint8_t)bcd(sec));
}

void scenario_rtc_set(void)
{
    report_plan(23);
    check_initial_time(rtc_parse_decimal(scenario_arg));
    check_set_and_rollover();
    check_update_flag();
    check_alarm();
    for (unsigned i = 0; i < NRAM; i++) {
        rtc_write_reg(ram[i].reg, ram[i].value);
        report_check(ram[i].name, rtc_read_reg(ram[i].reg), ram[i].value);
    }
    report_done();
}

void scenario_rtc_restart(void)
{
    struct rtc_regs r;
    uint32_t t;

    report_plan(7);
    t = read_checked(&r);
    report_check("bcd-digits-valid", rtc_regs_bcd_valid(&r), 1);
    report_note_value("seconds after 2030-12-31 23:59:59", (int32_t)(t - SET_EPOCH));
    /* Real time went on while no dmd ran: the clock counted it. */
    report_check_range("clock-kept-offset", t - SET_EPOCH, 2, 600);
    report_check("century-kept", r.century, 0x20);
    for (unsigned i = 0; i < NRAM; i++)
        report_check(ram[i].name, rtc_read_reg(ram[i].reg), ram[i].value);
    report_check("clock-runs", wait_next_second(), 1);
    report_done();
}
