/* SPDX-License-Identifier: MIT */
#include "report.h"
#include "xen.h"

static unsigned passed, failed;

/* "0x" and 2, 4 or 8 hex digits, as many as the value needs. */
static void format_hex(char *buf, uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    int n = v > 0xffff ? 8 : v > 0xff ? 4 : 2;

    *buf++ = '0';
    *buf++ = 'x';
    for (int i = n - 1; i >= 0; i--)
        *buf++ = digits[(v >> (4 * i)) & 0xf];
    *buf = '\0';
}

static void put_dec(uint32_t v)
{
    char buf[12];
    int i = sizeof(buf) - 1;

    buf[i] = '\0';
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v && i > 0);
    xen_puts(&buf[i]);
}

static void put_hex(uint32_t v)
{
    char buf[11];

    format_hex(buf, v);
    xen_puts(buf);
}

void report_plan(unsigned nchecks)
{
    xen_puts("PLAN guest ");
    put_dec(nchecks);
    xen_puts("\n");
}

static bool check_line(const char *name, bool ok, uint32_t got, uint32_t want)
{
    if (ok)
        passed++;
    else
        failed++;
    xen_puts("CHECK guest ");
    xen_puts(name);
    xen_puts(ok ? " PASS got=" : " FAIL got=");
    put_hex(got);
    xen_puts(" want=");
    put_hex(want);
    return ok;
}

bool report_check(const char *name, uint32_t got, uint32_t want)
{
    bool ok = check_line(name, got == want, got, want);

    xen_puts("\n");
    return ok;
}

bool report_check_range(const char *name, uint32_t got, uint32_t lo, uint32_t hi)
{
    bool ok = check_line(name, lo <= got && got <= hi, got, lo);

    xen_puts("..");
    put_hex(hi);
    xen_puts("\n");
    return ok;
}

void report_done(void)
{
    xen_puts("DONE guest passed=");
    put_dec(passed);
    xen_puts(" failed=");
    put_dec(failed);
    xen_puts("\n");
}

void report_note(const char *text)
{
    xen_puts("# ");
    xen_puts(text);
    xen_puts("\n");
}

void report_note_value(const char *text, int32_t value)
{
    xen_puts("# ");
    xen_puts(text);
    xen_puts(value < 0 ? " -" : " ");
    put_dec(value < 0 ? 0u - (uint32_t)value : (uint32_t)value);
    xen_puts("\n");
}
