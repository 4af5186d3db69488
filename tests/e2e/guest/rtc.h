/* SPDX-License-Identifier: MIT */
/*
 * The MC146818 real-time clock through its index and data ports (0x70,
 * 0x71), as a PC's CMOS: time registers, registers A-D, the century byte
 * and battery-backed RAM.  Register names and bits follow the datasheet
 * and Linux's include/linux/mc146818rtc.h.
 */
#ifndef E2E_RTC_H
#define E2E_RTC_H

#include <stdbool.h>
#include <stdint.h>

#define RTC_INDEX_PORT 0x70
#define RTC_DATA_PORT  0x71

#define RTC_SECONDS       0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES       0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS         0x04
#define RTC_HOURS_ALARM   0x05
#define RTC_DAY_OF_WEEK   0x06 /* 1 = Sunday */
#define RTC_DAY_OF_MONTH  0x07
#define RTC_MONTH         0x08
#define RTC_YEAR          0x09
#define RTC_REG_A         0x0a
#define RTC_REG_B         0x0b
#define RTC_REG_C         0x0c
#define RTC_REG_D         0x0d
#define RTC_CENTURY       0x32 /* where the PC (and ACPI's FADT) put it */

#define RTC_A_UIP     0x80 /* update in progress */
#define RTC_A_DV_MASK 0x70 /* divider: 0x20 = 32.768 kHz time base, running */
#define RTC_A_DV_RESET 0x70 /* divider held in reset (Linux, while setting) */
#define RTC_B_SET     0x80 /* updates stopped, time may be written */
#define RTC_B_PIE     0x40
#define RTC_B_AIE     0x20
#define RTC_B_UIE     0x10
#define RTC_B_DM_BINARY 0x04
#define RTC_B_24H     0x02
#define RTC_C_IRQF    0x80 /* an enabled flag below is set */
#define RTC_C_PF      0x40
#define RTC_C_AF      0x20
#define RTC_C_UF      0x10 /* an update cycle completed */
#define RTC_D_VRT     0x80 /* valid RAM and time: the battery is good */
#define RTC_ALARM_DONT_CARE 0xc0 /* an alarm byte that matches any value */

uint8_t rtc_read_reg(uint8_t reg);
void rtc_write_reg(uint8_t reg, uint8_t value);

/* The time registers as read, unconverted (BCD or binary as B says). */
struct rtc_regs {
    uint8_t sec, min, hour, wday, mday, mon, year, century, b;
};

/*
 * Read the time the way Linux's mc146818_get_time() does (through
 * mc146818_avoid_UIP()): only while UIP is clear, and again if the seconds
 * changed or UIP rose meanwhile.  False if it never settled (bounded).
 */
bool rtc_read_time(struct rtc_regs *r);

/* Every time field (and the century) holds two valid BCD digits. */
bool rtc_regs_bcd_valid(const struct rtc_regs *r);

/* Seconds since 1970-01-01 00:00:00 UTC, from BCD or binary registers in
 * 24- or 12-hour mode; 0 if a field is out of range. */
uint32_t rtc_regs_epoch(const struct rtc_regs *r);

/* Decimal digits at s ("1764201234") as a number; stops at a non-digit. */
uint32_t rtc_parse_decimal(const char *s);

#endif
