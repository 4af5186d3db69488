/* SPDX-License-Identifier: MIT */
/*
 * Scenario "smp": vCPU 0 and vCPU 1 hammer COM1 at the same time.  Each
 * sends SMP_ROUNDS bytes of its own letter (after LSR.THRE, so the 16-byte
 * FIFO never overflows with two writers) and reads LCR back after every
 * byte.  A lost request would leave a vCPU stuck in Xen waiting for dmd
 * (its round count stops short) or a byte missing from the backend (dom0
 * counts the letters in scenarios/smp/test.sh, with the same SMP_ROUNDS).
 */
#include "hw.h"
#include "report.h"
#include "scenarios.h"
#include "uart.h"
#include "xen.h"

#define SMP_ROUNDS 400

struct hammer {
    volatile uint32_t rounds;
    volatile uint32_t bad_reads;
    volatile uint32_t finished;
};

static struct hammer hammers[2];
static uint8_t ap_stack[8192] __attribute__((aligned(16)));

static void hammer(struct hammer *h, uint8_t letter)
{
    for (unsigned i = 0; i < SMP_ROUNDS; i++) {
        uart_wait_thre(&uart_com1);
        outb(COM1 + UART_THR, letter);
        if (inb(COM1 + UART_LCR) != LCR_8N1)
            h->bad_reads++;
        h->rounds++;
    }
    h->finished = 1;
}

void scenario_smp_ap(void)
{
    hammer(&hammers[1], 'b');
}

void scenario_smp(void)
{
    report_plan(7);
    outb(COM1 + UART_LCR, LCR_8N1);
    outb(COM1 + UART_FCR, FCR_ENABLE | FCR_CLEAR);
    report_check("fifo-on", inb(COM1 + UART_IIR) & 0xc0, 0xc0);

    int rc = xen_vcpu_start(1, ap_start, ap_stack + sizeof(ap_stack));
    report_check("vcpu1-up", (uint32_t)rc, 0);
    hammer(&hammers[0], 'a');

    /* vCPU 1 gets a generous while to finish (each yield is a trip into Xen). */
    for (unsigned i = 0; i < 1000000 && !hammers[1].finished; i++)
        xen_yield();
    report_check("vcpu1-finished", hammers[1].finished, 1);
    report_check("vcpu0-rounds", hammers[0].rounds, SMP_ROUNDS);
    report_check("vcpu1-rounds", hammers[1].rounds, SMP_ROUNDS);
    report_check("vcpu0-bad-lcr-reads", hammers[0].bad_reads, 0);
    report_check("vcpu1-bad-lcr-reads", hammers[1].bad_reads, 0);
    report_done();
}
