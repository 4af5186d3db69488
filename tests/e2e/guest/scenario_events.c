/* SPDX-License-Identifier: MIT */
/*
 * Scenario "events": dom0 injects exceptions into this guest with dmop
 * inject-event (XEN_DMOP_inject_event; scenarios/events/test.sh) and the
 * guest's own IDT (traps.S) counts them, with the error code and %cr2 they
 * came with.  The guest says "ready" on COM1 (dmd's file backend), waits
 * for a #DB, says "db", waits for a #PF, says "pf" and reports.  It spins
 * with SCHEDOP_yield meanwhile: each return from Xen is a VM entry, where
 * Xen delivers an injected event.
 */
#include "hw.h"
#include "report.h"
#include "scenarios.h"
#include "uart.h"
#include "xen.h"

#define VEC_DB 1
#define VEC_PF 14
#define WAIT_YIELDS 3000000u

static volatile uint32_t trap_count[32], trap_error[32], trap_cr2[32];

void traps_install(void);
void trap_record(uint32_t vector, uint32_t error, uint32_t cr2);

void trap_record(uint32_t vector, uint32_t error, uint32_t cr2)
{
    if (vector >= 32)
        return;
    trap_count[vector]++;
    trap_error[vector] = error;
    trap_cr2[vector] = cr2;
}

/* Wait (bounded) until vector has been taken `count` times. */
static void wait_for(unsigned vector, uint32_t count)
{
    for (unsigned i = 0; i < WAIT_YIELDS && trap_count[vector] < count; i++)
        xen_yield();
}

void scenario_events(void)
{
    uint32_t others = 0;

    report_plan(5);
    traps_install();
    outb(COM1 + UART_LCR, LCR_8N1);
    uart_puts(&uart_com1, "ready\n");
    wait_for(VEC_DB, 1);
    uart_puts(&uart_com1, "db\n");
    wait_for(VEC_PF, 1);
    uart_puts(&uart_com1, "pf\n");
    for (unsigned v = 0; v < 32; v++)
        if (v != VEC_DB && v != VEC_PF)
            others += trap_count[v];
    report_check("db-taken", trap_count[VEC_DB], 1);
    report_check("pf-taken", trap_count[VEC_PF], 1);
    report_check("pf-error-code", trap_error[VEC_PF], 6);
    report_check("pf-cr2", trap_cr2[VEC_PF], 0xdead000u);
    report_check("no-other-exceptions", others, 0);
    report_done();
}
