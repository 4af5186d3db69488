/* SPDX-License-Identifier: MIT */
/*
 * Scenario "uart": a register-level script against dmd's ns16550, once
 * through port I/O (COM1, one register per port, 8/16/32-bit accesses
 * split by the bus into byte accesses in address order) and once through
 * MMIO with reg_shift = 2 (every access width reads or writes the whole
 * register, upper bits zero).  Expected values are the 16550 datasheet's;
 * the sequence follows what Linux's 8250 autoconfig() does.
 *
 * Text sent through THR must reach dmd's file: backends byte for byte; the
 * dom0 side (scenarios/uart/test.sh) knows the same bytes.
 */
#include <stddef.h>

#include "hw.h"
#include "report.h"
#include "scenarios.h"
#include "uart.h"

enum step_op { STEP_WRITE, STEP_READ };

struct step {
    enum step_op op;
    unsigned width; /* 1, 2 or 4 bytes */
    unsigned reg;
    uint32_t value; /* written, or wanted after masking */
    uint32_t mask;
    const char *name; /* check name (reads) */
};

#define W(width, reg, v) { STEP_WRITE, width, reg, v, 0, NULL }
#define R(width, reg, want, name) { STEP_READ, width, reg, want, 0xffffffffu, name }
#define RM(width, reg, mask, want, name) { STEP_READ, width, reg, want, mask, name }

static const struct step com1_script[] = {
    /* Reset values: no interrupt pending, transmitter empty. */
    R(1, UART_LSR, LSR_TEMT | LSR_THRE, "reset-lsr"),
    R(1, UART_IIR, 0x01, "reset-iir"),
    R(1, UART_LCR, 0x00, "reset-lcr"),
    R(1, UART_MCR, 0x00, "reset-mcr"),
    R(1, UART_IER, 0x00, "reset-ier"),

    /* autoconfig(): IER keeps its low nibble and reads 0 above it. */
    W(1, UART_IER, 0x00),
    RM(1, UART_IER, 0x0f, 0x00, "autoconf-ier-0"),
    W(1, UART_IER, 0x0f),
    R(1, UART_IER, 0x0f, "autoconf-ier-f"),
    W(1, UART_IER, 0xff),
    R(1, UART_IER, 0x0f, "ier-high-bits-zero"),
    W(1, UART_IER, 0x00),

    /* Loopback: MCR RTS -> MSR CTS, OUT2 -> DCD, so MCR=0x1A gives 0x90. */
    W(1, UART_MCR, 0x1a),
    RM(1, UART_MSR, 0xf0, 0x90, "autoconf-loop-msr"),
    W(1, UART_MCR, 0x00),

    /* Scratch register. */
    W(1, UART_SCR, 0xa5),
    R(1, UART_SCR, 0xa5, "scr-a5"),
    W(1, UART_SCR, 0x5a),
    R(1, UART_SCR, 0x5a, "scr-5a"),

    /* FIFO detection: FCR=0xE7 sets IIR bits 7:6 (16550A) but not bit 5
     * (no 64-byte FIFO, so not a 16750). */
    W(1, UART_LCR, 0x00),
    W(1, UART_FCR, 0xe7),
    RM(1, UART_IIR, 0xc0, 0xc0, "fifo-iir-top-bits"),
    R(1, UART_IIR, 0xc1, "fifo-iir-16550a"),
    W(1, UART_FCR, 0x00),
    R(1, UART_IIR, 0x01, "fifo-off-iir"),

    /* Access widths on the divisor latch (DLAB=1). */
    W(1, UART_LCR, LCR_DLAB),
    W(2, UART_DLL, 0x0c01),
    R(1, UART_DLL, 0x01, "w16-dll"),
    R(1, UART_DLM, 0x0c, "w16-dlm"),
    W(1, UART_DLL, 0x30),
    W(1, UART_DLM, 0x00),
    R(2, UART_DLL, 0x0030, "r16-divisor"),
    W(1, UART_FCR, FCR_ENABLE | FCR_CLEAR),
    /* DLL, DLM, IIR (FIFOs on, nothing pending), LCR. */
    R(4, UART_DLL, 0x80c10030, "r32-dll-dlm-iir-lcr"),
    /* DLL=01 DLM=0c FCR=07 LCR=03: the LCR byte, written last, clears DLAB. */
    W(4, UART_DLL, 0x03070c01),
    R(1, UART_LCR, LCR_8N1, "w32-lcr"),
    W(1, UART_LCR, LCR_DLAB | LCR_8N1),
    R(2, UART_DLL, 0x0c01, "w32-divisor"),
    W(1, UART_LCR, LCR_8N1),
    R(2, UART_IER, 0xc100, "r16-ier-iir"),

    /* Loopback data: what THR sends comes back in RBR, through the FIFO,
     * and never reaches the backend. */
    W(1, UART_MCR, MCR_LOOP),
    W(1, UART_THR, 0x55),
    RM(1, UART_LSR, LSR_DR, LSR_DR, "loop-lsr-dr"),
    R(1, UART_RBR, 0x55, "loop-rbr"),
    RM(1, UART_LSR, LSR_DR, 0x00, "loop-lsr-dr-clear"),
    W(1, UART_THR, 'a'),
    W(1, UART_THR, 'b'),
    W(1, UART_THR, 'c'),
    R(1, UART_RBR, 'a', "loop-fifo-1"),
    R(1, UART_RBR, 'b', "loop-fifo-2"),
    R(1, UART_RBR, 'c', "loop-fifo-3"),
    R(1, UART_LSR, LSR_TEMT | LSR_THRE, "loop-lsr-drained"),
    W(1, UART_MCR, 0x00),
};

static const struct step mmio_script[] = {
    R(4, UART_LSR, LSR_TEMT | LSR_THRE, "mmio-r32-lsr"),
    W(4, UART_SCR, 0xa5),
    R(4, UART_SCR, 0xa5, "mmio-r32-scr"),
    R(2, UART_SCR, 0xa5, "mmio-r16-scr"),
    R(1, UART_SCR, 0xa5, "mmio-r8-scr"),
    W(1, UART_SCR, 0x3c),
    R(4, UART_SCR, 0x3c, "mmio-w8-scr"),
    W(2, UART_SCR, 0x5a),
    R(4, UART_SCR, 0x5a, "mmio-w16-scr"),
    W(4, UART_LCR, LCR_DLAB),
    W(4, UART_DLL, 0x01),
    W(4, UART_DLM, 0x00),
    R(4, UART_DLL, 0x01, "mmio-dll"),
    W(4, UART_LCR, LCR_8N1),
    W(4, UART_FCR, 0xe7),
    R(4, UART_IIR, 0xc1, "mmio-fifo-iir"),
};

/* The text both backends must receive; scenarios/uart/test.sh expects it. */
static const char com1_text[] = "hello from the tiny guest\n";
static const char com1_outs[] = "rep outsb line\n"; /* fits the FIFO */
static const char mmio_text[] = "mmio uart, reg_shift 2\n";

static unsigned count_checks(const struct step *s, size_t n)
{
    unsigned checks = 0;

    for (size_t i = 0; i < n; i++)
        checks += s[i].op == STEP_READ;
    return checks;
}

static void run_script(const struct uart_bus *bus, const struct step *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i].op == STEP_WRITE)
            uart_write(bus, s[i].reg, s[i].width, s[i].value);
        else
            report_check(s[i].name, uart_read(bus, s[i].reg, s[i].width) & s[i].mask, s[i].value);
    }
}

/* Every byte value, a FIFO's worth (16 bytes) per `rep outsb` after THRE. */
static void send_all_byte_values(void)
{
    uint8_t all[256];

    for (unsigned i = 0; i < sizeof(all); i++)
        all[i] = (uint8_t)i;
    for (unsigned i = 0; i < sizeof(all); i += UART_FIFO_SIZE) {
        uart_wait_thre(&uart_com1);
        outsb(COM1 + UART_THR, all + i, UART_FIFO_SIZE);
    }
}

void scenario_uart(void)
{
    const unsigned ncom1 = sizeof(com1_script) / sizeof(com1_script[0]);
    const unsigned nmmio = sizeof(mmio_script) / sizeof(mmio_script[0]);

    report_plan(count_checks(com1_script, ncom1) + count_checks(mmio_script, nmmio) + 1);
    run_script(&uart_com1, com1_script, ncom1);
    run_script(&uart_mmio, mmio_script, nmmio);

    /* FIFOs are on and 8N1 is set: send what the backends must receive. */
    uart_puts(&uart_com1, com1_text);
    uart_wait_thre(&uart_com1);
    outsb(COM1 + UART_THR, com1_outs, sizeof(com1_outs) - 1);
    send_all_byte_values();
    for (const char *p = mmio_text; *p; p++) {
        uart_wait_thre(&uart_mmio);
        uart_write(&uart_mmio, UART_THR, 4, (uint8_t)*p);
    }
    /* Everything sent leaves the transmitter (dmd hands it to the backend). */
    uint32_t lsr = 0;
    for (unsigned i = 0; i < 100000 && !(lsr & LSR_TEMT); i++)
        lsr = uart_read(&uart_com1, UART_LSR, 1);
    report_check("tx-drained", lsr & LSR_TEMT, LSR_TEMT);
    report_done();
}
