/* SPDX-License-Identifier: MIT */
/*
 * mc146818: the PC's CMOS real-time clock (Motorola MC146818A, Dallas
 * DS12887), as Linux's rtc-cmos and mc146818_get_time/set_time drive it.
 * For x86 PVH guests, which have no RTC in Xen.
 *
 * Window: offset 0 index, 1 data (ports 0x70/0x71); with `extended = yes`
 * also 2 index, 3 data for a second 128-byte RAM bank (0x72/0x73).  Bit 7
 * of an index is the PC's NMI-disable bit and is dropped.  Index ports
 * read 0xff, as QEMU's do.
 *
 *   0x00-0x09 seconds, alarm s, minutes, alarm m, hours, alarm h,
 *             weekday, day, month, year    (BCD or binary, 12 or 24 h)
 *   0x0a A    UIP | DV[6:4] | RS[3:0]
 *   0x0b B    SET PIE AIE UIE SQWE DM 24H DSE
 *   0x0c C    IRQF PF AF UF, read-only, cleared by reading
 *   0x0d D    VRT (always 1), read-only
 *   0x0e-0x7f RAM; 0x32 is the century (ACPI FADT century), a time field
 *
 * Time: the guest's clock is the host's UTC clock plus a whole number of
 * seconds (`offset`), so it ticks exactly when the host's second does.
 * Setting the time (writing time registers while SET or the divider reset
 * holds the clock, then letting go; or writing one while it runs) changes
 * the offset; the written seconds then last until the next host second.
 * The offset and the RAM survive a dmd restart in the state file.
 *
 * Events are worked out from the clock, not counted by timers: before any
 * access the flags catch up with every periodic tick, update and alarm
 * since the last look, so a polling guest reads the right flags whatever
 * it enabled.  A timer runs only to raise the line for an enabled event
 * while the line is low; once IRQF is up nothing needs timing until the
 * guest reads C.  Periodic interrupts are coalesced: the line rises at
 * most once per 1/1024 s after the guest last read C, so RS rates above
 * 1024 Hz cost dmd no more than 1024 wake-ups a second (PF itself still
 * follows the programmed rate).  The update cycle is taken as instant at
 * the second boundary, with UIP set for the 244 us before it.
 *
 * Choices where the datasheet leaves room:
 *  - The weekday follows the date (1 = Sunday), as in QEMU and Xen; a
 *    written weekday is not kept.
 *  - Invalid time values (BCD digits above 9, hour 25, month 0...) are
 *    held as written while the clock is stopped; letting it run with them
 *    keeps the previous time (logged, rate-limited).  A day past the end
 *    of its month rolls into the next.
 *  - DV 000, 001 and 010 run (all taken as the 32.768 kHz base, as QEMU
 *    and Xen do); 11x holds the divider in reset, stopping updates and
 *    the periodic interrupt; the test patterns 011-101 stop it too.
 *  - DSE and SQWE are stored only: no daylight-saving switch, no pin.
 *  - Registers A and B, the alarm and the flags start from a PC BIOS's
 *    values at each dmd start; only time and RAM persist.  After a crash
 *    (docs/restart.md) everything is restored from the snapshot instead.
 */
#include "device.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "../log.h"
#include "../snapshot.h"
#include "../statefile.h"
#include "rtc_clock.h"

enum {
    REG_SEC = 0x00, REG_ALARM_SEC = 0x01, REG_MIN = 0x02, REG_ALARM_MIN = 0x03,
    REG_HOUR = 0x04, REG_ALARM_HOUR = 0x05, REG_WDAY = 0x06, REG_MDAY = 0x07,
    REG_MON = 0x08, REG_YEAR = 0x09, REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c,
    REG_D = 0x0d, REG_CENTURY = 0x32,
};

#define CMOS_BANK_SIZE 128
#define CMOS_RAM_FIRST 0x0e
#define CMOS_RAM_SIZE (CMOS_BANK_SIZE - CMOS_RAM_FIRST)
#define CMOS_INDEX_MASK 0x7f /* bit 7 is the NMI mask on a PC */

#define REG_A_UIP 0x80
#define REG_A_DV 0x70
#define REG_A_DV_32K 0x20
#define REG_A_RS 0x0f

#define REG_B_SET 0x80
#define REG_B_PIE 0x40
#define REG_B_AIE 0x20
#define REG_B_UIE 0x10
#define REG_B_DM_BINARY 0x04
#define REG_B_24H 0x02

#define REG_C_IRQF 0x80
#define REG_C_PF 0x40
#define REG_C_AF 0x20
#define REG_C_UF 0x10

#define REG_D_VRT 0x80

#define ALARM_DONT_CARE 0xc0 /* both top bits set: matches any value */

#define UIP_NS INT64_C(244000)          /* UIP is set this long before an update */
#define PERIODIC_MIN_NS INT64_C(976563) /* 1/1024 s: the fastest line we raise */
#define SECS_PER_DAY 86400

#define CMOS_STATE_VERSION 1

/* The time registers, in the order render() fills them. */
enum time_field { TF_SEC, TF_MIN, TF_HOUR, TF_WDAY, TF_MDAY, TF_MON, TF_YEAR, TF_CENTURY,
                  TF_COUNT };

struct cmos_rtc {
    struct device *dev;
    bool extended;
    uint8_t index[2];                    /* per bank, NMI bit dropped */
    uint8_t ram[2][CMOS_BANK_SIZE];      /* bank 0 from 0x0e on; bank 1 whole */
    uint8_t reg_a, reg_b;                /* reg_a without UIP */
    uint8_t flags;                       /* PF | AF | UF */
    uint8_t alarm[3];                    /* seconds, minutes, hours as written */
    uint8_t held[TF_COUNT];              /* the time registers while stopped */
    int64_t offset;                      /* guest seconds - host seconds */
    int64_t checked_ns;                  /* flags include every event up to here */
    int64_t acked_ns;                    /* when the guest last read C */
    ev_timer timer;
    struct statefile *sf;
    struct log_ratelimit bad_time_rl, set_rl, timeoffset_rl;
};

/* ---- clock state -------------------------------------------------------- */

/* The divider chain counts (DV 000-010); 11x resets it, 011-101 are tests. */
static bool divider_running(const struct cmos_rtc *r)
{
    return (r->reg_a & REG_A_DV) <= REG_A_DV_32K;
}

/* The time registers do not advance: SET, or the divider not counting. */
static bool stopped_with(uint8_t reg_a, uint8_t reg_b)
{
    return (reg_b & REG_B_SET) || (reg_a & REG_A_DV) > REG_A_DV_32K;
}

static bool stopped(const struct cmos_rtc *r)
{
    return stopped_with(r->reg_a, r->reg_b);
}

static int64_t guest_sec(const struct cmos_rtc *r, int64_t now_ns)
{
    return rtc_clock_sec(now_ns) + r->offset;
}

static bool irqf(const struct cmos_rtc *r)
{
    return ((r->flags & REG_C_PF) && (r->reg_b & REG_B_PIE)) ||
           ((r->flags & REG_C_AF) && (r->reg_b & REG_B_AIE)) ||
           ((r->flags & REG_C_UF) && (r->reg_b & REG_B_UIE));
}

/* UIP: within the 244 us before the next update. */
static bool update_in_progress(const struct cmos_rtc *r, int64_t now_ns)
{
    return !stopped(r) && RTC_NS_PER_SEC - rtc_clock_subsec(now_ns) <= UIP_NS;
}

/* ---- register formats --------------------------------------------------- */

static uint8_t to_reg(const struct cmos_rtc *r, int v)
{
    if (r->reg_b & REG_B_DM_BINARY)
        return (uint8_t)v;
    return (uint8_t)((v / 10) << 4 | v % 10);
}

/* A register value within [min, max]; false for one the clock cannot hold. */
static bool from_reg(const struct cmos_rtc *r, uint8_t raw, int min, int max, int *out)
{
    int v = raw;

    if (!(r->reg_b & REG_B_DM_BINARY)) {
        if ((raw >> 4) > 9 || (raw & 0x0f) > 9)
            return false;
        v = (raw >> 4) * 10 + (raw & 0x0f);
    }
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* 12-hour mode: 12 AM is 12, 12 PM is 12 | 0x80, 1 PM is 1 | 0x80. */
static uint8_t hour_to_reg(const struct cmos_rtc *r, int h24)
{
    if (r->reg_b & REG_B_24H)
        return to_reg(r, h24);
    return (uint8_t)(to_reg(r, h24 % 12 == 0 ? 12 : h24 % 12) | (h24 >= 12 ? 0x80 : 0));
}

static bool hour_from_reg(const struct cmos_rtc *r, uint8_t raw, int *h24)
{
    int h;

    if (r->reg_b & REG_B_24H)
        return from_reg(r, raw, 0, 23, h24);
    if (!from_reg(r, raw & 0x7f, 1, 12, &h))
        return false;
    *h24 = h % 12 + (raw & 0x80 ? 12 : 0);
    return true;
}

/* The time registers for guest second `sec`, in the current format. */
static void render(const struct cmos_rtc *r, int64_t sec, uint8_t out[TF_COUNT])
{
    time_t t = (time_t)sec;
    struct tm tm;
    int year;

    if (gmtime_r(&t, &tm) == NULL)
        memset(&tm, 0, sizeof(tm)); /* out of range: RTC_OFFSET_LIMIT prevents it */
    year = tm.tm_year + 1900;
    out[TF_SEC] = to_reg(r, tm.tm_sec);
    out[TF_MIN] = to_reg(r, tm.tm_min);
    out[TF_HOUR] = hour_to_reg(r, tm.tm_hour);
    out[TF_WDAY] = to_reg(r, tm.tm_wday + 1);
    out[TF_MDAY] = to_reg(r, tm.tm_mday);
    out[TF_MON] = to_reg(r, tm.tm_mon + 1);
    out[TF_YEAR] = to_reg(r, (year % 100 + 100) % 100);
    out[TF_CENTURY] = to_reg(r, (year / 100 % 100 + 100) % 100);
}

/* The guest second the held registers name; false if they name none. */
static bool held_time(const struct cmos_rtc *r, int64_t *sec)
{
    const uint8_t *h = r->held;
    struct tm tm = { 0 };
    int year, century;

    if (!from_reg(r, h[TF_SEC], 0, 59, &tm.tm_sec) || !from_reg(r, h[TF_MIN], 0, 59, &tm.tm_min) ||
        !hour_from_reg(r, h[TF_HOUR], &tm.tm_hour) ||
        !from_reg(r, h[TF_MDAY], 1, 31, &tm.tm_mday) ||
        !from_reg(r, h[TF_MON], 1, 12, &tm.tm_mon) || !from_reg(r, h[TF_YEAR], 0, 99, &year) ||
        !from_reg(r, h[TF_CENTURY], 0, 99, &century))
        return false;
    tm.tm_mon -= 1;
    tm.tm_year = century * 100 + year - 1900;
    *sec = (int64_t)timegm(&tm); /* rolls a 31st of a short month over */
    return true;
}

/* ---- alarm -------------------------------------------------------------- */

#define ALARM_ANY (-1)
#define ALARM_NEVER (-2)

/* An alarm byte: a value, ALARM_ANY, or ALARM_NEVER (no time shows it). */
static int alarm_field(const struct cmos_rtc *r, uint8_t raw, bool hour, int max)
{
    int v;

    if ((raw & ALARM_DONT_CARE) == ALARM_DONT_CARE)
        return ALARM_ANY;
    if (hour ? hour_from_reg(r, raw, &v) : from_reg(r, raw, 0, max, &v))
        return v;
    return ALARM_NEVER;
}

/* The first time of day >= from (seconds) matching h:m:s, or -1. */
static int64_t first_match(int h, int m, int s, int64_t from)
{
    int64_t t = from;

    while (t < SECS_PER_DAY) {
        int64_t hh = t / 3600, mm = t / 60 % 60, ss = t % 60;

        if (h >= 0 && hh != h)
            t = hh < h ? h * 3600 : SECS_PER_DAY;
        else if (m >= 0 && mm != m)
            t = mm < m ? hh * 3600 + m * 60 : (hh + 1) * 3600;
        else if (s >= 0 && ss != s)
            t = ss < s ? t - ss + s : t - ss + 60;
        else
            return t;
    }
    return -1;
}

/* The first guest second after `after` the alarm matches; INT64_MAX if none. */
static int64_t next_alarm(const struct cmos_rtc *r, int64_t after)
{
    int s = alarm_field(r, r->alarm[0], false, 59);
    int m = alarm_field(r, r->alarm[1], false, 59);
    int h = alarm_field(r, r->alarm[2], true, 23);
    int64_t from = after + 1;
    int64_t day = from / SECS_PER_DAY - (from % SECS_PER_DAY < 0);
    int64_t tod;

    if (s == ALARM_NEVER || m == ALARM_NEVER || h == ALARM_NEVER)
        return INT64_MAX;
    tod = first_match(h, m, s, from - day * SECS_PER_DAY);
    if (tod < 0) {
        day++;
        tod = first_match(h, m, s, 0);
    }
    return day * SECS_PER_DAY + tod;
}

/* ---- periodic interrupt ------------------------------------------------- */

/* Log2 of the period in 32768 Hz cycles: RS 3 = 8192 Hz ... RS 15 = 2 Hz,
 * RS 1 and 2 repeat RS 8 and 9 (256, 128 Hz); -1 for RS 0 (none). */
static int period_shift(const struct cmos_rtc *r)
{
    int rs = r->reg_a & REG_A_RS;

    if (rs == 0)
        return -1;
    return (rs <= 2 ? rs + 7 : rs) - 1;
}

/* Periodic ticks since the epoch (the divider is in phase with the second). */
static int64_t periodic_count(int64_t ns, int shift)
{
    int64_t cycles = rtc_clock_sec(ns) * 32768 + rtc_clock_subsec(ns) * 32768 / RTC_NS_PER_SEC;

    return cycles >> shift; /* cycles >= 0 for any clock after 1970 */
}

static int64_t next_periodic_ns(int64_t now_ns, int shift)
{
    int64_t cycles = (periodic_count(now_ns, shift) + 1) << shift;

    return cycles / 32768 * RTC_NS_PER_SEC + (cycles % 32768 * RTC_NS_PER_SEC + 32767) / 32768;
}

/* ---- events ------------------------------------------------------------- */

/* Set the flags of every event between the last look and now. */
static void catch_up(struct cmos_rtc *r, int64_t now_ns)
{
    int64_t then = r->checked_ns;
    int shift = period_shift(r);

    r->checked_ns = now_ns;
    if (now_ns <= then)
        return; /* the host clock was stepped back: no tick in between */
    if (divider_running(r) && shift >= 0 &&
        periodic_count(then, shift) != periodic_count(now_ns, shift))
        r->flags |= REG_C_PF;
    if (stopped(r) || rtc_clock_sec(then) == rtc_clock_sec(now_ns))
        return;
    r->flags |= REG_C_UF;
    if (next_alarm(r, guest_sec(r, then)) <= guest_sec(r, now_ns))
        r->flags |= REG_C_AF;
}

/* When the line may next have to rise; INT64_MAX: nothing to wait for. */
static int64_t next_event_ns(const struct cmos_rtc *r, int64_t now_ns)
{
    int64_t due = INT64_MAX;
    int shift = period_shift(r);

    if (irqf(r))
        return INT64_MAX; /* the line stays up until the guest reads C */
    if ((r->reg_b & REG_B_PIE) && divider_running(r) && shift >= 0) {
        due = next_periodic_ns(now_ns, shift);
        if (due < r->acked_ns + PERIODIC_MIN_NS)
            due = r->acked_ns + PERIODIC_MIN_NS;
    }
    if (stopped(r))
        return due;
    if ((r->reg_b & REG_B_UIE) && (rtc_clock_sec(now_ns) + 1) * RTC_NS_PER_SEC < due)
        due = (rtc_clock_sec(now_ns) + 1) * RTC_NS_PER_SEC;
    if (r->reg_b & REG_B_AIE) {
        int64_t alarm = next_alarm(r, guest_sec(r, now_ns));

        /* within two days of now, so the product cannot overflow */
        if (alarm != INT64_MAX && (alarm - r->offset) * RTC_NS_PER_SEC < due)
            due = (alarm - r->offset) * RTC_NS_PER_SEC;
    }
    return due;
}

static void arm_timer(struct cmos_rtc *r, int64_t now_ns)
{
    int64_t due = next_event_ns(r, now_ns);

    ev_timer_stop(r->dev->loop, &r->timer);
    if (due == INT64_MAX)
        return;
    ev_timer_set(&r->timer, rtc_clock_timer_delay(due - now_ns), 0.);
    ev_timer_start(r->dev->loop, &r->timer);
}

/* After anything that may change IRQF: drive the line, time the next rise. */
static void refresh(struct cmos_rtc *r, int64_t now_ns)
{
    irq_line_set(r->dev->irq, irqf(r));
    arm_timer(r, now_ns);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct cmos_rtc *r = w->data;
    int64_t now = rtc_clock_now_ns();
    uint8_t flags = r->flags;

    (void)loop;
    (void)revents;
    catch_up(r, now); /* early (clock stepped)?  then it finds nothing and re-arms */
    refresh(r, now);
    /* New flags (and so maybe the line) must outlive a crash.  Only
     * checked_ns moved otherwise: a restart that catches up from the saved
     * one finds the same nothing, so that needs no save. */
    if (r->flags != flags)
        device_changed(r->dev);
}

/* ---- setting the time --------------------------------------------------- */

/* "2024-05-01 12:00:00", for the log. */
static void format_time(int64_t sec, char *buf, size_t len)
{
    time_t t = (time_t)sec;
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL)
        memset(&tm, 0, sizeof(tm));
    snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The held registers become the time now (the clock was let go). */
static void start_from_held(struct cmos_rtc *r, int64_t now_ns)
{
    struct log_fields f = { .device = r->dev->name, .vcpu = -1 };
    char when[80];
    int64_t sec;

    if (!held_time(r, &sec)) {
        const uint8_t *h = r->held;

        log_limited(&r->bad_time_rl, LOG_WARNING, &f,
                    "guest set an invalid time (registers %02x %02x %02x, day %02x month %02x "
                    "year %02x%02x, B %#04x): the clock keeps its previous time",
                    h[TF_HOUR], h[TF_MIN], h[TF_SEC], h[TF_MDAY], h[TF_MON], h[TF_CENTURY],
                    h[TF_YEAR], r->reg_b);
        return;
    }
    if (sec - rtc_clock_sec(now_ns) == r->offset)
        return;
    r->offset = sec - rtc_clock_sec(now_ns);
    statefile_changed(r->sf);
    format_time(sec, when, sizeof(when));
    log_limited(&r->set_rl, LOG_INFO, &f, "guest set the clock to %s (host %+" PRId64 " s)",
                when, r->offset);
}

/* New register A and B values: hold or start the clock as they say.  The
 * held registers are rendered in the format in force when it stops. */
static void set_mode(struct cmos_rtc *r, uint8_t reg_a, uint8_t reg_b, int64_t now_ns)
{
    bool was_stopped = stopped(r);

    if (!was_stopped && stopped_with(reg_a, reg_b))
        render(r, guest_sec(r, now_ns), r->held);
    r->reg_a = reg_a;
    r->reg_b = reg_b;
    if (was_stopped && !stopped(r))
        start_from_held(r, now_ns);
}

/* ---- registers ---------------------------------------------------------- */

static int time_field_of(unsigned index)
{
    static const int fields[] = { [REG_SEC] = TF_SEC,   [REG_MIN] = TF_MIN,
                                  [REG_HOUR] = TF_HOUR, [REG_WDAY] = TF_WDAY,
                                  [REG_MDAY] = TF_MDAY, [REG_MON] = TF_MON,
                                  [REG_YEAR] = TF_YEAR };

    if (index == REG_CENTURY)
        return TF_CENTURY;
    if (index > REG_YEAR || ((index & 1) != 0 && index < REG_WDAY))
        return -1; /* the alarm bytes sit at odd indexes below the weekday */
    return fields[index];
}

static uint8_t read_time(struct cmos_rtc *r, int field, int64_t now_ns)
{
    uint8_t regs[TF_COUNT];

    if (stopped(r))
        return r->held[field];
    render(r, guest_sec(r, now_ns), regs);
    return regs[field];
}

static void write_time(struct cmos_rtc *r, int field, uint8_t val, int64_t now_ns)
{
    if (stopped(r)) {
        r->held[field] = val;
        return;
    }
    /* Written while running (software that skips SET): the time is the
     * one shown with this register replaced, from now on. */
    render(r, guest_sec(r, now_ns), r->held);
    r->held[field] = val;
    start_from_held(r, now_ns);
}

static uint8_t read_reg_c(struct cmos_rtc *r, int64_t now_ns)
{
    uint8_t val = (uint8_t)(r->flags | (irqf(r) ? REG_C_IRQF : 0));

    r->flags = 0;
    r->acked_ns = now_ns;
    return val;
}

static uint8_t read_reg(struct cmos_rtc *r, unsigned index, int64_t now_ns)
{
    int field = time_field_of(index);

    if (field >= 0)
        return read_time(r, field, now_ns);
    switch (index) {
    case REG_ALARM_SEC:
    case REG_ALARM_MIN:
    case REG_ALARM_HOUR:
        return r->alarm[index / 2];
    case REG_A:
        return (uint8_t)(r->reg_a | (update_in_progress(r, now_ns) ? REG_A_UIP : 0));
    case REG_B:
        return r->reg_b;
    case REG_C:
        return read_reg_c(r, now_ns);
    case REG_D:
        return REG_D_VRT;
    default:
        return r->ram[0][index];
    }
}

static void write_ram(struct cmos_rtc *r, unsigned bank, unsigned index, uint8_t val)
{
    if (r->ram[bank][index] == val)
        return; /* no disk write for a byte rewritten unchanged */
    r->ram[bank][index] = val;
    statefile_changed(r->sf);
}

static void write_reg(struct cmos_rtc *r, unsigned index, uint8_t val, int64_t now_ns)
{
    int field = time_field_of(index);

    if (field >= 0) {
        write_time(r, field, val, now_ns);
        return;
    }
    switch (index) {
    case REG_ALARM_SEC:
    case REG_ALARM_MIN:
    case REG_ALARM_HOUR:
        r->alarm[index / 2] = val;
        break;
    case REG_A:
        set_mode(r, val & (uint8_t)~REG_A_UIP, r->reg_b, now_ns);
        break;
    case REG_B:
        /* Setting SET clears UIE (datasheet): no update interrupts while
         * the time is being written. */
        set_mode(r, r->reg_a, val & REG_B_SET ? val & (uint8_t)~REG_B_UIE : val, now_ns);
        break;
    case REG_C:
    case REG_D:
        break; /* read-only */
    default:
        write_ram(r, 0, index, val);
    }
}

/* ---- region ops --------------------------------------------------------- */

/* Offsets 0-1 are bank 0 (the clock), 2-3 bank 1 (RAM only). */
static uint64_t cmos_read(void *opaque, uint64_t offset, unsigned size)
{
    struct cmos_rtc *r = opaque;
    unsigned bank = (unsigned)(offset >> 1) & 1;
    int64_t now;
    uint8_t val;

    (void)size;
    if ((offset & 1) == 0)
        return 0xff; /* index registers are write-only */
    if (bank == 1)
        return r->ram[1][r->index[1]];
    now = rtc_clock_now_ns();
    catch_up(r, now);
    val = read_reg(r, r->index[0], now);
    refresh(r, now);
    return val;
}

static void cmos_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct cmos_rtc *r = opaque;
    unsigned bank = (unsigned)(offset >> 1) & 1;
    int64_t now;

    (void)size;
    if ((offset & 1) == 0) {
        r->index[bank] = (uint8_t)(value & CMOS_INDEX_MASK);
        return;
    }
    if (bank == 1) {
        write_ram(r, 1, r->index[1], (uint8_t)value);
        return;
    }
    now = rtc_clock_now_ns();
    catch_up(r, now);
    write_reg(r, r->index[0], (uint8_t)value, now);
    refresh(r, now);
}

static const struct region_ops cmos_ops = {
    .read = cmos_read,
    .write = cmos_write,
};

/* ---- state file --------------------------------------------------------- */

struct cmos_saved {
    int64_t offset;
    uint8_t ram[2][CMOS_BANK_SIZE];
};

static void format_state(void *opaque, FILE *out)
{
    const struct cmos_rtc *r = opaque;

    fprintf(out, "offset = %" PRId64 "\ncmos = ", r->offset);
    statefile_print_hex(out, &r->ram[0][CMOS_RAM_FIRST], CMOS_RAM_SIZE);
    if (r->extended) {
        fputs("\ncmos_ext = ", out);
        statefile_print_hex(out, r->ram[1], CMOS_BANK_SIZE);
    }
    fputc('\n', out);
}

/* A cmos_ext line is read even without `extended`, so turning the bank
 * off and on again does not cost its contents before the next write. */
static bool take_value(void *opaque, const char *key, const char *value)
{
    struct cmos_saved *s = opaque;

    if (strcmp(key, "offset") == 0)
        return statefile_parse_i64(value, -RTC_OFFSET_LIMIT, RTC_OFFSET_LIMIT, &s->offset);
    if (strcmp(key, "cmos") == 0)
        return statefile_parse_hex(value, &s->ram[0][CMOS_RAM_FIRST], CMOS_RAM_SIZE);
    if (strcmp(key, "cmos_ext") == 0)
        return statefile_parse_hex(value, s->ram[1], CMOS_BANK_SIZE);
    return false;
}

static void load_state(struct cmos_rtc *r)
{
    struct cmos_saved s = { 0 };

    if (!statefile_load(r->sf, take_value, &s))
        return;
    r->offset = s.offset;
    memcpy(r->ram, s.ram, sizeof(r->ram));
}

/* ---- crash snapshot ----------------------------------------------------- */

/*
 * Layout (version 1), 282 bytes: index[0], index[1], A (no UIP), B,
 * flags, alarm s/m/h, the 8 held time registers (TF_ order), offset,
 * checked_ns, acked_ns, bank 0 RAM from 0x0e, bank 1 RAM.  Bank 1 is
 * saved without `extended` too: the state file keeps it either way.
 */
struct cmos_snap {
    uint8_t index[2];
    uint8_t reg_a, reg_b, flags;
    uint8_t alarm[3];
    uint8_t held[TF_COUNT];
    int64_t offset, checked_ns, acked_ns;
    uint8_t ram0[CMOS_RAM_SIZE];
    uint8_t ram1[CMOS_BANK_SIZE];
};

/* A host time rtc_clock_now_ns() gave: after 1970 (0 if the clock failed),
 * with room to add a second without overflow. */
#define SNAP_NS_MAX (INT64_MAX - RTC_NS_PER_SEC)

static void cmos_save(struct device *dev, struct snap_out *out)
{
    const struct cmos_rtc *r = dev->state;

    snap_put_u8(out, r->index[0]);
    snap_put_u8(out, r->index[1]);
    snap_put_u8(out, r->reg_a);
    snap_put_u8(out, r->reg_b);
    snap_put_u8(out, r->flags);
    snap_put_bytes(out, r->alarm, sizeof(r->alarm));
    snap_put_bytes(out, r->held, sizeof(r->held));
    snap_put_i64(out, r->offset);
    snap_put_i64(out, r->checked_ns);
    snap_put_i64(out, r->acked_ns);
    snap_put_bytes(out, &r->ram[0][CMOS_RAM_FIRST], CMOS_RAM_SIZE);
    snap_put_bytes(out, r->ram[1], CMOS_BANK_SIZE);
}

static void read_snap(struct snap_in *in, struct cmos_snap *s)
{
    s->index[0] = snap_get_u8(in);
    s->index[1] = snap_get_u8(in);
    s->reg_a = snap_get_u8(in);
    s->reg_b = snap_get_u8(in);
    s->flags = snap_get_u8(in);
    snap_get_bytes(in, s->alarm, sizeof(s->alarm));
    snap_get_bytes(in, s->held, sizeof(s->held));
    s->offset = snap_get_i64(in);
    s->checked_ns = snap_get_i64(in);
    s->acked_ns = snap_get_i64(in);
    snap_get_bytes(in, s->ram0, sizeof(s->ram0));
    snap_get_bytes(in, s->ram1, sizeof(s->ram1));
}

/* Only what the registers can hold: indexes without the NMI bit (bank 1's
 * never written without its ports), A without UIP, B never with both SET
 * and UIE (setting SET clears UIE), flags in PF | AF | UF; the offset a
 * state file could give; host times. */
static bool snap_valid(const struct cmos_rtc *r, const struct cmos_snap *s)
{
    return s->index[0] <= CMOS_INDEX_MASK && s->index[1] <= CMOS_INDEX_MASK &&
           (r->extended || s->index[1] == 0) && (s->reg_a & REG_A_UIP) == 0 &&
           (s->reg_b & (REG_B_SET | REG_B_UIE)) != (REG_B_SET | REG_B_UIE) &&
           (s->flags & ~(REG_C_PF | REG_C_AF | REG_C_UF)) == 0 &&
           s->offset >= -RTC_OFFSET_LIMIT && s->offset <= RTC_OFFSET_LIMIT &&
           s->checked_ns >= 0 && s->checked_ns <= SNAP_NS_MAX && s->acked_ns >= 0 &&
           s->acked_ns <= SNAP_NS_MAX;
}

static int cmos_restore(struct device *dev, struct snap_in *in, bool apply)
{
    struct cmos_rtc *r = dev->state;
    struct cmos_snap s;
    int64_t now;

    read_snap(in, &s);
    if (in->bad || snap_in_left(in) != 0 || !snap_valid(r, &s))
        return -EINVAL;
    if (!apply)
        return 0;
    memcpy(r->index, s.index, sizeof(r->index));
    r->reg_a = s.reg_a;
    r->reg_b = s.reg_b;
    r->flags = s.flags;
    memcpy(r->alarm, s.alarm, sizeof(r->alarm));
    memcpy(r->held, s.held, sizeof(r->held));
    r->offset = s.offset;
    r->checked_ns = s.checked_ns;
    r->acked_ns = s.acked_ns;
    memcpy(&r->ram[0][CMOS_RAM_FIRST], s.ram0, sizeof(s.ram0));
    memcpy(r->ram[1], s.ram1, sizeof(s.ram1));
    /* create() read the state file, which may predate the snapshot: the
     * two must not disagree at the next start. */
    statefile_changed(r->sf);
    /* As a register access does: the events of the time dmd was down
     * first, then the line and the timer.  Catching up again from the same
     * snapshot finds the same events, so this needs no save of its own. */
    now = rtc_clock_now_ns();
    catch_up(r, now);
    refresh(r, now);
    return 0;
}

/* ---- lifecycle ---------------------------------------------------------- */

static uint64_t cmos_window_size(const struct dev_config *cfg)
{
    return dev_config_u64(cfg, "extended") ? 4 : 2;
}

static void describe(const struct cmos_rtc *r)
{
    char when[80];

    format_time(guest_sec(r, rtc_clock_now_ns()), when, sizeof(when));
    log_dev(LOG_INFO, r->dev->name, "MC146818 RTC%s: guest time %s UTC (host %+" PRId64 " s)",
            r->extended ? " with extended RAM bank" : "", when, r->offset);
}

static int cmos_create(struct device *dev)
{
    struct cmos_rtc *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return -ENOMEM;
    r->dev = dev;
    r->extended = dev_config_u64(dev->cfg, "extended") != 0;
    /* What a PC BIOS leaves: 32.768 kHz time base, 1024 Hz periodic rate,
     * 24-hour BCD, no interrupts. */
    r->reg_a = REG_A_DV_32K | 0x06;
    r->reg_b = REG_B_24H;
    r->sf = statefile_open(dev->loop, dev->state_dir, dev->name, CMOS_STATE_VERSION,
                           format_state, r);
    if (r->sf == NULL) {
        free(r);
        return -ENOMEM;
    }
    load_state(r);
    r->checked_ns = rtc_clock_now_ns();
    ev_timer_init(&r->timer, timer_cb, 0., 0.);
    r->timer.data = r;
    dev->state = r;
    describe(r);
    return 0;
}

static void cmos_destroy(struct device *dev)
{
    struct cmos_rtc *r = dev->state;

    if (r == NULL)
        return;
    ev_timer_stop(dev->loop, &r->timer);
    statefile_close(r->sf); /* writes a change the flush timer had not yet */
    free(r);
    dev->state = NULL;
}

/* Xen sends TIMEOFFSET only when it emulates an RTC itself (HVM), so there
 * it is that RTC, not this one, the guest set. */
static void cmos_timeoffset(struct device *dev, int64_t offset_seconds)
{
    struct cmos_rtc *r = dev->state;
    struct log_fields f = { .device = dev->name, .vcpu = -1 };

    log_limited(&r->timeoffset_rl, LOG_INFO, &f,
                "Xen's own RTC is now %+" PRId64 " s from the host; this RTC keeps its own time",
                offset_seconds);
}

static const struct dev_param cmos_params[] = {
    { .key = "extended", .kind = PARAM_BOOL, .def = "no",
      .help = "a second 128-byte RAM bank at window offsets 2/3 (ports 0x72/0x73)" },
    { .key = NULL },
};

/* No PCI card imitates it, so no ids a driver would match: behind PCI the
 * config names them.  The class says what it is; BAR0 decodes I/O. */
static const struct device_pci_id cmos_pci_id = {
    .class_code = 0x080301, /* system peripheral, RTC controller, ISA-compatible */
    .bar_is_io = true,
};

const struct device_type mc146818_device = {
    .name = "mc146818",
    .description = "MC146818A CMOS RTC and NVRAM (PC ports 0x70-0x71, for PVH guests)",
    .attach = DEVICE_ATTACH(ATTACH_PORT) | DEVICE_ATTACH(ATTACH_MMIO) |
              DEVICE_ATTACH(ATTACH_PCI),
    .params = cmos_params,
    .window_size = cmos_window_size,
    .ops = &cmos_ops,
    .max_access = 1,
    .wide = ACCESS_SPLIT, /* `outw 0x70` writes index then data, as on a PC */
    .pci = &cmos_pci_id,
    .create = cmos_create,
    .destroy = cmos_destroy,
    .timeoffset = cmos_timeoffset,
    .state_version = 1,
    .save = cmos_save,
    .restore = cmos_restore,
};
