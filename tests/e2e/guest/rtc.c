/* SPDX-License-Identifier: MIT */
#include "hw.h"
#include "rtc.h"

uint8_t rtc_read_reg(uint8_t reg)
{
    outb(RTC_INDEX_PORT, reg);
    return inb(RTC_DATA_PORT);
}

void rtc_write_reg(uint8_t reg, uint8_t value)
{
    outb(RTC_INDEX_PORT, reg);
    outb(RTC_DATA_PORT, value);
}

bool rtc_read_time(struct rtc_regs *r)
{
    /* An update takes about 2 ms of the clock's second: a few tries. */
    for (unsigned tries = 0; tries < 1000; tries++) {
        if (rtc_read_reg(RTC_REG_A) & RTC_A_UIP)
            continue;
        r->sec = rtc_read_reg(RTC_SECONDS);
        r->min = rtc_read_reg(RTC_MINUTES);
        r->hour = rtc_read_reg(RTC_HOURS);
        r->wday = rtc_read_reg(RTC_DAY_OF_WEEK);
        r->mday = rtc_read_reg(RTC_DAY_OF_MONTH);
        r->mon = rtc_read_reg(RTC_MONTH);
        r->year = rtc_read_reg(RTC_YEAR);
        r->century = rtc_read_reg(RTC_CENTURY);
        r->b = rtc_read_reg(RTC_REG_B);
        if (rtc_read_reg(RTC_REG_A) & RTC_A_UIP)
            continue;
        if (rtc_read_reg(RTC_SECONDS) == r->sec)
            return true;
    }
    return false;
}

static bool bcd_valid(uint8_t v)
{
    return (v & 0x0f) <= 9 && (v >> 4) <= 9;
}

bool rtc_regs_bcd_valid(const struct rtc_regs *r)
{
    /* 12-hour mode keeps PM in bit 7 of the hours. */
    uint8_t hour = (r->b & RTC_B_24H) ? r->hour : r->hour & 0x7f;

    return bcd_valid(r->sec) && bcd_valid(r->min) && bcd_valid(hour) &&
           bcd_valid(r->wday) && bcd_valid(r->mday) && bcd_valid(r->mon) &&
           bcd_valid(r->year) && bcd_valid(r->century);
}

static uint32_t field(const struct rtc_regs *r, uint8_t v)
{
    return (r->b & RTC_B_DM_BINARY) ? v : (uint32_t)(v >> 4) * 10 + (v & 0x0f);
}

static bool leap(uint32_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static uint32_t days_in_month(uint32_t y, uint32_t m)
{
    static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return days[m - 1] + (m == 2 && leap(y));
}

static uint32_t hour_24(const struct rtc_regs *r)
{
    uint32_t h;

    if (r->b & RTC_B_24H)
        return field(r, r->hour);
    h = field(r, r->hour & 0x7f) % 12; /* 12 AM is 0 h */
    return (r->hour & 0x80) ? h + 12 : h;
}

uint32_t rtc_regs_epoch(const struct rtc_regs *r)
{
    uint32_t year = field(r, r->century) * 100 + field(r, r->year);
    uint32_t mon = field(r, r->mon), mday = field(r, r->mday);
    uint32_t hour = hour_24(r), min = field(r, r->min), sec = field(r, r->sec);
    uint32_t days = 0;

    if (year < 1970 || year > 2105 || mon < 1 || mon > 12 || mday < 1 ||
        mday > days_in_month(year, mon) || hour > 23 || min > 59 || sec > 59)
        return 0;
    for (uint32_t y = 1970; y < year; y++)
        days += leap(y) ? 366 : 365;
    for (uint32_t m = 1; m < mon; m++)
        days += days_in_month(year, m);
    days += mday - 1;
    return ((days * 24 + hour) * 60 + min) * 60 + sec;
}

uint32_t rtc_parse_decimal(const char *s)
{
    uint32_t v = 0;

    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint32_t)(*s++ - '0');
    return v;
}
