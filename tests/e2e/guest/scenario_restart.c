/* SPDX-License-Identifier: MIT */
/*
 * Scenarios where dom0 stops and starts dmd under a running guest.
 *
 * "lifecycle": dom0 stops dmd with SIGTERM and starts a new one ten times
 * (scenarios/lifecycle/test.sh).  The guest greets every instance: it polls
 * the scratch register until it reads something other than all-ones (no
 * server: Xen answers all-ones) and other than the mark it left in the
 * previous instance, then leaves a new mark, reads it back (the check: this
 * instance serves us) and sends "round N" through THR so dom0 knows it may
 * stop this instance.
 *
 * "spin": shows dmd serves the guest, then polls for ever; dom0 destroys the
 * domain under dmd (scenarios/destroy/test.sh).
 */
#include "hw.h"
#include "report.h"
#include "scenarios.h"
#include "uart.h"
#include "xen.h"

#define LIFECYCLE_ROUNDS 11 /* the first dmd and ten restarts */

/* Bounded: if no new dmd comes, the round's check fails instead.  Returns
 * the value that announced the new instance (a fresh dmd's 0x00). */
static uint8_t wait_for_new_instance(uint8_t old_mark)
{
    uint8_t v = 0xff;

    for (unsigned i = 0; i < 10000000; i++) {
        v = inb(COM1 + UART_SCR);
        if (v != 0xff && v != old_mark)
            break;
        xen_yield();
    }
    return v;
}

/* "round-N" in buf (N < 100). */
static void round_name(char *buf, const char *prefix, unsigned n)
{
    while (*prefix)
        *buf++ = *prefix++;
    if (n >= 10)
        *buf++ = (char)('0' + n / 10);
    *buf++ = (char)('0' + n % 10);
    *buf = '\0';
}

void scenario_lifecycle(void)
{
    uint8_t mark = 0xff;
    char name[16], line[16];

    report_plan(LIFECYCLE_ROUNDS);
    for (unsigned round = 0; round < LIFECYCLE_ROUNDS; round++) {
        uint8_t first = wait_for_new_instance(mark);

        mark = (uint8_t)(0xa0 + round);
        outb(COM1 + UART_SCR, mark);
        round_name(name, "round-", round);
        if (!report_check(name, inb(COM1 + UART_SCR), mark))
            report_note_value("the scratch register had read", first);
        round_name(line, "round ", round);
        uart_puts(&uart_com1, line);
        uart_puts(&uart_com1, "\n");
    }
    report_done();
}

void scenario_spin(void)
{
    report_plan(1);
    outb(COM1 + UART_SCR, 0x42);
    report_check("served", inb(COM1 + UART_SCR), 0x42);
    report_done();
    uart_puts(&uart_com1, "spinning\n");
    for (;;) {
        inb(COM1 + UART_LSR);
        xen_yield();
    }
}
