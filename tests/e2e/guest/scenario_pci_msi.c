/* SPDX-License-Identifier: MIT */
/*
 * Scenario "pci-msi": dmd's ns16550 as PCI function 00:05.0 with an MSI
 * capability (scenarios/pci-msi/), driven by hand.  Linux's 8250_pci never
 * asks for MSI for this device (scenario hvm-pci covers INTx with it), so
 * this guest programs the function itself: its config space reaches dmd
 * through Xen's 0xcf8/0xcfc decoding, it places BAR0 and turns decoding on
 * and off, and it points the MSI capability at its own local APIC (ID 0,
 * fixed delivery, edge).  The UART raises its interrupt when the guest sets
 * IER.ETBEI while the transmitter is empty.
 *
 * Interrupts stay disabled (IF = 0): a message Xen delivers stays pending
 * in the local APIC's IRR, which the guest reads, so no IDT is needed.
 * Every message uses a new vector, so each check sees only its own.
 */
#include "hw.h"
#include "pci.h"
#include "report.h"
#include "scenarios.h"
#include "uart.h"

static const struct pci_bdf uart_fn = { .bus = 0, .dev = 5, .fn = 0 };

#define BAR_PORT       0xc000u
#define BAR_PORT_MOVED 0xc100u

/* MSI capability registers, from the capability's offset (64-bit address,
 * per-vector masking: what dmd's function has). */
#define MSI_CAP_ID_MSI 0x05
#define MSI_CONTROL    0x02
#define MSI_ADDR_LO    0x04
#define MSI_ADDR_HI    0x08
#define MSI_DATA       0x0c
#define MSI_MASK       0x10
#define MSI_PENDING    0x14
#define MSI_CTL_ENABLE 0x0001
#define MSI_CTL_64BIT  0x0080
#define MSI_CTL_PVM    0x0100

/* The local APIC (xAPIC mode, as Xen starts a PVH vCPU). */
#define LAPIC_BASE       0xfee00000u
#define LAPIC_SVR        0x0f0
#define LAPIC_SVR_ENABLE 0x100
#define LAPIC_IRR        0x200
#define MSI_ADDRESS_CPU0 0xfee00000u /* destination APIC ID 0, physical */

#define UART_IER_ETBEI 0x02

static unsigned msi_cap;

static struct uart_bus uart_at(uint32_t port)
{
    return (struct uart_bus){ .base = port, .shift = 0, .mmio = false };
}

static bool irr_has(unsigned vector)
{
    uint32_t irr = readl(LAPIC_BASE + LAPIC_IRR + (vector / 32) * 0x10);

    return (irr >> (vector % 32)) & 1;
}

/* Xen delivers the message before the vCPU resumes; a few reads in case. */
static uint32_t vector_arrived(unsigned vector)
{
    for (unsigned i = 0; i < 1000; i++)
        if (irr_has(vector))
            return 1;
    return 0;
}

static uint32_t msi_read(unsigned reg, unsigned size)
{
    return pci_conf_read(uart_fn, msi_cap + reg, size);
}

static void msi_write(unsigned reg, unsigned size, uint32_t value)
{
    pci_conf_write(uart_fn, msi_cap + reg, size, value);
}

/* A rising edge of the UART's interrupt: THRE interrupt off, then on. */
static void uart_interrupt_edge(const struct uart_bus *u)
{
    uart_write(u, UART_IER, 1, 0);
    uart_write(u, UART_IER, 1, UART_IER_ETBEI);
}

/* Identity and layout, as an OS's PCI scan sees them. */
static void check_header(void)
{
    uint32_t bar;

    report_check("pci-id", pci_conf_read(uart_fn, PCI_VENDOR_ID, 4), 0x00021b36);
    report_check("pci-class", pci_conf_read(uart_fn, PCI_CLASS_REVISION, 4) >> 8, 0x070002);
    report_check("header-type-0", pci_conf_read(uart_fn, PCI_HEADER_TYPE, 1), 0);
    report_check("status-cap-list", pci_conf_read(uart_fn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST,
                 PCI_STATUS_CAP_LIST);
    report_check("no-intx-pin", pci_conf_read(uart_fn, PCI_INTERRUPT_PIN, 1), 0);
    msi_cap = pci_conf_read(uart_fn, PCI_CAPABILITY_PTR, 1);
    /* The only capability: MSI, next pointer 0. */
    report_check("msi-cap-only", msi_read(0, 2), MSI_CAP_ID_MSI);
    report_check("msi-control", msi_read(MSI_CONTROL, 2), MSI_CTL_64BIT | MSI_CTL_PVM);

    pci_conf_write(uart_fn, PCI_BAR0, 4, 0xffffffff);
    bar = pci_conf_read(uart_fn, PCI_BAR0, 4);
    report_check("bar0-io", bar & 1, 1);
    report_note_value("BAR0 size, ports", (int32_t)(~(bar & ~3u) + 1) & 0xffff);
}

/* BAR0 decodes only with I/O enabled, at the address last programmed. */
static void check_bar(void)
{
    struct uart_bus at = uart_at(BAR_PORT), moved = uart_at(BAR_PORT_MOVED);

    pci_conf_write(uart_fn, PCI_BAR0, 4, BAR_PORT);
    report_check("bar0-readback", pci_conf_read(uart_fn, PCI_BAR0, 4), BAR_PORT | 1);
    report_check("no-decode-before-enable", uart_read(&at, UART_SCR, 1), 0xff);
    pci_conf_write(uart_fn, PCI_COMMAND, 2, PCI_COMMAND_IO);
    uart_write(&at, UART_SCR, 1, 0xa5);
    report_check("bar0-decodes", uart_read(&at, UART_SCR, 1), 0xa5);

    pci_conf_write(uart_fn, PCI_COMMAND, 2, 0);
    report_check("decode-off", uart_read(&at, UART_SCR, 1), 0xff);
    pci_conf_write(uart_fn, PCI_BAR0, 4, BAR_PORT_MOVED);
    pci_conf_write(uart_fn, PCI_COMMAND, 2, PCI_COMMAND_IO);
    report_check("bar0-moved", uart_read(&moved, UART_SCR, 1), 0xa5);
    report_check("old-window-released", uart_read(&at, UART_SCR, 1), 0xff);
}

/* Each message needs MSI enable and bus mastering, and honours the mask. */
static void check_msi(void)
{
    struct uart_bus u = uart_at(BAR_PORT_MOVED);

    writel(LAPIC_BASE + LAPIC_SVR, LAPIC_SVR_ENABLE | 0xff);
    report_check("lapic-enabled", readl(LAPIC_BASE + LAPIC_SVR) & 0x1ff, LAPIC_SVR_ENABLE | 0xff);

    msi_write(MSI_ADDR_LO, 4, MSI_ADDRESS_CPU0);
    msi_write(MSI_ADDR_HI, 4, 0);
    msi_write(MSI_DATA, 2, 0x41);
    msi_write(MSI_CONTROL, 2, MSI_CTL_ENABLE);
    pci_conf_write(uart_fn, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MASTER);
    uart_interrupt_edge(&u);
    report_check("msi-delivered", vector_arrived(0x41), 1);

    uart_write(&u, UART_IER, 1, 0);
    msi_write(MSI_DATA, 2, 0x42);
    uart_interrupt_edge(&u);
    report_check("msi-new-vector", vector_arrived(0x42), 1);

    uart_write(&u, UART_IER, 1, 0);
    msi_write(MSI_MASK, 4, 1);
    msi_write(MSI_DATA, 2, 0x43);
    uart_interrupt_edge(&u);
    report_check("masked-no-message", vector_arrived(0x43), 0);
    report_check("masked-pending", msi_read(MSI_PENDING, 4), 1);
    msi_write(MSI_MASK, 4, 0);
    report_check("unmask-sends-pending", vector_arrived(0x43), 1);
    report_check("pending-cleared", msi_read(MSI_PENDING, 4), 0);

    uart_write(&u, UART_IER, 1, 0);
    msi_write(MSI_CONTROL, 2, 0);
    msi_write(MSI_DATA, 2, 0x44);
    uart_interrupt_edge(&u);
    report_check("disabled-no-message", vector_arrived(0x44), 0);

    uart_write(&u, UART_IER, 1, 0);
    msi_write(MSI_CONTROL, 2, MSI_CTL_ENABLE);
    pci_conf_write(uart_fn, PCI_COMMAND, 2, PCI_COMMAND_IO);
    msi_write(MSI_DATA, 2, 0x45);
    uart_interrupt_edge(&u);
    report_check("no-bus-master-no-message", vector_arrived(0x45), 0);
    uart_write(&u, UART_IER, 1, 0);
}

/* scenarios/pci-msi/test.sh expects this text in dmd's file backend. */
static const char pci_text[] = "hello through BAR0\n";

void scenario_pci_msi(void)
{
    struct uart_bus u = uart_at(BAR_PORT_MOVED);

    report_plan(24);
    check_header();
    check_bar();
    check_msi();
    uart_write(&u, UART_LCR, 1, LCR_8N1);
    uart_write(&u, UART_FCR, 1, FCR_ENABLE | FCR_CLEAR);
    uart_puts(&u, pci_text);
    report_check("tx-ready", uart_wait_thre(&u), 1);
    report_done();
}
