/* SPDX-License-Identifier: MIT */
/*
 * cmos-clock [set EPOCH]: the PC's CMOS clock at ports 0x70/0x71, read and
 * set from user space, for the demo (scenarios/demo, linux-guest/init).
 *
 * A Linux PVH guest has no rtc_cmos device (Xen's FADT for PVH says
 * ACPI_FADT_NO_CMOS_RTC, so x86_platform.legacy.rtc is 0 and there is no
 * /dev/rtc0), so this does what Linux's mc146818_get_time() and
 * mc146818_set_time() would, with ioperm() and inb/outb:
 *
 *   read: wait until UIP (register A bit 7) is clear, read seconds ..
 *         century, and read again if an update began meanwhile;
 *   set:  SET in register B and the divider in reset (register A), write
 *         the time in the format register B asks for (BCD or binary,
 *         12- or 24-hour), then restore A and B: the clock runs on.
 *
 * Prints one line: "CMOS YYYY-MM-DD hh:mm:ss UTC epoch=N A=0xAA B=0xBB"
 * (after a set, what it set: "CMOS set to ... epoch=N", once the clock
 * reads that second or the next).  Exit 0, or 1 when the ports cannot be
 * opened, UIP never clears, the registers make no date or a set did not
 * take.
 * Built static (tests/e2e/meson.build): the guest has no C library.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <time.h>
#include <unistd.h>

#define RTC_INDEX 0x70
#define RTC_DATA 0x71

enum {
    REG_SEC = 0x00, REG_MIN = 0x02, REG_HOUR = 0x04, REG_WDAY = 0x06, REG_MDAY = 0x07,
    REG_MON = 0x08, REG_YEAR = 0x09, REG_A = 0x0a, REG_B = 0x0b, REG_CENTURY = 0x32,
};
#define A_UIP 0x80
#define A_DIV_RESET2 0x70
#define B_SET 0x80
#define B_DM_BINARY 0x04
#define B_24H 0x02
#define HOUR_PM 0x80

static uint8_t cmos_read(uint8_t reg)
{
    outb(reg, RTC_INDEX);
    return inb(RTC_DATA);
}

static void cmos_write(uint8_t reg, uint8_t val)
{
    outb(reg, RTC_INDEX);
    outb(val, RTC_DATA);
}

static unsigned from_reg(uint8_t v, bool binary)
{
    return binary ? v : (unsigned)(v >> 4) * 10u + (v & 0x0fu);
}

static uint8_t to_reg(unsigned v, bool binary)
{
    return (uint8_t)(binary ? v : ((v / 10u) << 4) | (v % 10u));
}

struct reading {
    uint8_t r[7]; /* sec min hour mday mon year century */
    uint8_t a, b;
};

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* mc146818_get_time(): the registers between two updates.  False when
 * UIP stays set for 3 s (an update takes 2 ms; with nobody serving the
 * ports a PVH guest reads 0xff). */
static bool read_regs(struct reading *rd)
{
    long long deadline = now_ms() + 3000;

    while (now_ms() < deadline) {
        if (cmos_read(REG_A) & A_UIP) {
            usleep(1000);
            continue;
        }
        rd->r[0] = cmos_read(REG_SEC);
        rd->r[1] = cmos_read(REG_MIN);
        rd->r[2] = cmos_read(REG_HOUR);
        rd->r[3] = cmos_read(REG_MDAY);
        rd->r[4] = cmos_read(REG_MON);
        rd->r[5] = cmos_read(REG_YEAR);
        rd->r[6] = cmos_read(REG_CENTURY);
        rd->b = cmos_read(REG_B);
        rd->a = cmos_read(REG_A);
        if (!(rd->a & A_UIP) && cmos_read(REG_SEC) == rd->r[0])
            return true;
    }
    return false;
}

/* The registers as seconds since 1970 (UTC), or -1. */
static long long regs_epoch(const struct reading *rd, struct tm *tm)
{
    bool bin = rd->b & B_DM_BINARY;
    unsigned hour = from_reg(rd->r[2] & (uint8_t)~HOUR_PM, bin);

    if (!(rd->b & B_24H)) {
        hour %= 12;
        if (rd->r[2] & HOUR_PM)
            hour += 12;
    }
    memset(tm, 0, sizeof(*tm));
    tm->tm_sec = (int)from_reg(rd->r[0], bin);
    tm->tm_min = (int)from_reg(rd->r[1], bin);
    tm->tm_hour = (int)hour;
    tm->tm_mday = (int)from_reg(rd->r[3], bin);
    tm->tm_mon = (int)from_reg(rd->r[4], bin) - 1;
    tm->tm_year = (int)(from_reg(rd->r[6], bin) * 100 + from_reg(rd->r[5], bin)) - 1900;
    if (tm->tm_sec > 59 || tm->tm_min > 59 || tm->tm_hour > 23 || tm->tm_mday < 1 ||
        tm->tm_mday > 31 || tm->tm_mon < 0 || tm->tm_mon > 11 || tm->tm_year < 70)
        return -1;
    return (long long)timegm(tm);
}

/* mc146818_set_time(): EPOCH into the registers, in their format. */
static void set_time(long long epoch)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    uint8_t b = cmos_read(REG_B);
    uint8_t a = cmos_read(REG_A); /* UIP is read-only: not written back */
    bool bin = b & B_DM_BINARY;
    unsigned hour;
    uint8_t hreg;

    gmtime_r(&t, &tm);
    hour = (unsigned)tm.tm_hour;
    if (b & B_24H) {
        hreg = to_reg(hour, bin);
    } else {
        hreg = to_reg(hour % 12 == 0 ? 12 : hour % 12, bin);
        if (hour >= 12)
            hreg |= HOUR_PM;
    }
    cmos_write(REG_B, b | B_SET);
    cmos_write(REG_A, a | A_DIV_RESET2);
    cmos_write(REG_SEC, to_reg((unsigned)tm.tm_sec, bin));
    cmos_write(REG_MIN, to_reg((unsigned)tm.tm_min, bin));
    cmos_write(REG_HOUR, hreg);
    cmos_write(REG_WDAY, to_reg((unsigned)tm.tm_wday + 1, bin));
    cmos_write(REG_MDAY, to_reg((unsigned)tm.tm_mday, bin));
    cmos_write(REG_MON, to_reg((unsigned)tm.tm_mon + 1, bin));
    cmos_write(REG_YEAR, to_reg((unsigned)(tm.tm_year + 1900) % 100, bin));
    cmos_write(REG_CENTURY, to_reg((unsigned)(tm.tm_year + 1900) / 100, bin));
    cmos_write(REG_B, b & (uint8_t)~B_SET);
    cmos_write(REG_A, a & (uint8_t)~A_UIP);
}

int main(int argc, char **argv)
{
    struct reading rd;
    struct tm tm;
    long long epoch;
    char when[64];

    if (!(argc == 1 || (argc == 3 && strcmp(argv[1], "set") == 0))) {
        fprintf(stderr, "usage: cmos-clock [set EPOCH]\n");
        return 2;
    }
    memset(&rd, 0, sizeof(rd));
    if (ioperm(RTC_INDEX, 2, 1) < 0) {
        perror("cmos-clock: ioperm 0x70-0x71");
        return 1;
    }
    if (argc == 3) {
        time_t t;

        epoch = strtoll(argv[2], NULL, 10);
        set_time(epoch);
        t = (time_t)epoch;
        gmtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
        /* The clock must take it: read at once, it says that second or
         * the next. */
        if (!read_regs(&rd) || regs_epoch(&rd, &tm) < epoch || regs_epoch(&rd, &tm) > epoch + 2) {
            printf("CMOS set to %s UTC did not take: registers %02x:%02x:%02x %02x-%02x-%02x%02x\n",
                   when, rd.r[2], rd.r[1], rd.r[0], rd.r[3], rd.r[4], rd.r[6], rd.r[5]);
            return 1;
        }
        printf("CMOS set to %s UTC epoch=%lld\n", when, epoch);
        return 0;
    }
    if (!read_regs(&rd)) {
        printf("CMOS update in progress (UIP) for 3 s: register A 0x%02x\n",
               cmos_read(REG_A));
        return 1;
    }
    epoch = regs_epoch(&rd, &tm);
    if (epoch < 0) {
        printf("CMOS registers make no date: %02x %02x %02x %02x %02x %02x %02x A=0x%02x "
               "B=0x%02x\n", rd.r[0], rd.r[1], rd.r[2], rd.r[3], rd.r[4], rd.r[5], rd.r[6],
               rd.a, rd.b);
        return 1;
    }
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    printf("CMOS %s UTC epoch=%lld A=0x%02x B=0x%02x\n", when, epoch, rd.a, rd.b);
    return 0;
}
