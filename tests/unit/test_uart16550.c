/* SPDX-License-Identifier: MIT */
/*
 * The ns16550 register model, driven through its region_ops the way the
 * core routes guest accesses, with a device built as the core builds it:
 * a dev_config, an ev_loop of our own, a recording interrupt line and a
 * null backend or a unix socket whose client end the test holds.
 *
 * The Linux 8250 driver's probe and start-up sequences are replayed step
 * by step (drivers/tty/serial/8250/8250_port.c: autoconfig,
 * autoconfig_16550a, size_fifo, serial8250_do_startup).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "chardev_fixture.h"
#include "device_harness.h"
#include "snapshot_harness.h"
#include <ev.h>

#include "config.h"
#include "devices/chardev.h"
#include "devices/device.h"
#include "fake_device.h"
#include "fake_irq.h"
#include "log.h"

extern const struct device_type uart16550_device;

/* The test does not link registry.c. */
const struct device_type *const device_types[] = { &uart16550_device, NULL };

enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, EFR = 2, LCR = 3,
       MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define COM1 0x3f8
#define ARM_UART 0x09000000

struct uart_test {
    struct chardev_fixture fx;
    unsigned shift;
};

/* ---- building the device as the core does -------------------------------- */

/* What is the 16550's own: port or MMIO, its interrupt, reg_shift. */
static void uart_configure(struct uart_test *t, enum attach_kind kind, unsigned shift,
                           struct chardev_wire *wire)
{
    struct param_value *v = &t->fx.cfg.params[harness_param_slot(&uart16550_device, "reg_shift")];

    t->shift = shift;
    t->fx.cfg.attach.kind = kind;
    t->fx.cfg.attach.base = kind == ATTACH_PORT ? COM1 : ARM_UART;
    t->fx.cfg.irq = (struct irq_spec){ .kind = kind == ATTACH_PORT ? IRQ_ISA : IRQ_SPI,
                                       .num = kind == ATTACH_PORT ? 4 : 39 };
    *v = (struct param_value){ .set = true, .num = shift };
    chardev_fixture_create(&t->fx, wire);
}

/* `wire` (may be NULL): see chardev_fixture_create(). */
static void make_uart_wired(struct uart_test *t, enum attach_kind kind, unsigned shift,
                            const char *backend, struct chardev_wire *wire)
{
    chardev_fixture_begin(&t->fx, &uart16550_device, backend);
    uart_configure(t, kind, shift, wire);
}

static void make_uart(struct uart_test *t, enum attach_kind kind, unsigned shift,
                      const char *backend)
{
    make_uart_wired(t, kind, shift, backend, NULL);
}

static void run_loop(struct uart_test *t, int times)
{
    chardev_fixture_run(&t->fx, times);
}

/* A UART whose line is a unix socket in a directory of its own, nobody
 * connected yet. */
static void make_listening_uart(struct uart_test *t, enum attach_kind kind,
                                struct chardev_wire *wire)
{
    chardev_fixture_begin_socket(&t->fx, &uart16550_device, "uart");
    uart_configure(t, kind, 0, wire);
}

static void connect_client(struct uart_test *t)
{
    chardev_fixture_connect(&t->fx);
}

/* A UART whose line is a unix socket, with our client connected. */
static void make_socket_uart(struct uart_test *t, enum attach_kind kind)
{
    make_listening_uart(t, kind, NULL);
    connect_client(t);
}

static void free_uart(struct uart_test *t)
{
    chardev_fixture_free(&t->fx);
}

/* ---- guest accesses ------------------------------------------------------ */

static uint8_t in(struct uart_test *t, unsigned reg)
{
    return (uint8_t)uart16550_device.ops->read(t->fx.dev.state, (uint64_t)reg << t->shift,
                                               1u << t->shift);
}

static void out(struct uart_test *t, unsigned reg, uint8_t val)
{
    uart16550_device.ops->write(t->fx.dev.state, (uint64_t)reg << t->shift, 1u << t->shift, val);
}

static bool line(struct uart_test *t)
{
    return irq_line_level(t->fx.irq);
}

/* What the client end of the socket has received so far. */
static size_t client_read(struct uart_test *t, uint8_t *buf, size_t len)
{
    return chardev_fixture_client_read(&t->fx, buf, len);
}

/* ---- Linux 8250 probe and start-up --------------------------------------- */

/* autoconfig(): the IER test, the loopback test, then the FIFO probe. */
static void test_linux_autoconfig(void **state)
{
    struct uart_test t;
    uint8_t scratch, save_mcr, save_lcr;

    (void)state;
    make_uart(&t, ATTACH_PORT, 0, "null");

    scratch = in(&t, IER);
    out(&t, IER, 0);
    assert_int_equal(in(&t, IER) & 0x0f, 0x00);
    out(&t, IER, 0x0f);
    assert_int_equal(in(&t, IER) & 0x0f, 0x0f);
    out(&t, IER, scratch);

    save_mcr = in(&t, MCR);
    save_lcr = in(&t, LCR);
    out(&t, MCR, 0x10 | 0x0a); /* LOOP | RTS | OUT2 */
    assert_int_equal(in(&t, MSR) & 0xf0, 0x90); /* CTS | DCD */
    out(&t, MCR, save_mcr);

    out(&t, LCR, 0xbf); /* configuration mode B */
    out(&t, EFR, 0);
    out(&t, LCR, 0);
    out(&t, FCR, 0x01);
    assert_int_equal(in(&t, IIR) >> 6, 3); /* 16550A or later */

    /* The 2.x-era probe wrote 0xE7 and looked at the same bits. */
    out(&t, FCR, 0xe7);
    assert_int_equal(in(&t, IIR) & 0xc0, 0xc0);
    out(&t, LCR, save_lcr);
    free_uart(&t);
}

/* autoconfig_16550a(): nothing beyond a 16550A answers its probes. */
static void test_linux_autoconfig_16550a(void **state)
{
    struct uart_test t;
    uint8_t status1, status2, iersave;
    int count;

    (void)state;
    make_uart(&t, ATTACH_PORT, 0, "null");
    out(&t, FCR, 0x01);

    /* No EFR with DLAB set (ST16C650V1) nor with LCR = 0xBF (EFRv2). */
    out(&t, LCR, 0x80);
    assert_int_not_equal(in(&t, EFR), 0);
    out(&t, LCR, 0xbf);
    assert_int_not_equal(in(&t, EFR), 0);

    /* Not a National Semiconductor SuperIO: EXCR1 does not track LOOP. */
    out(&t, LCR, 0);
    status1 = in(&t, MCR);
    out(&t, LCR, 0xe0);
    status2 = in(&t, 2);
    assert_int_equal((status2 ^ status1) & 0x10, 0);
    out(&t, LCR, 0);
    out(&t, MCR, status1 ^ 0x10);
    out(&t, LCR, 0xe0);
    status2 = in(&t, 2);
    out(&t, LCR, 0);
    out(&t, MCR, status1);
    assert_int_equal((status2 ^ status1) & 0x10, 0);

    /* Not a TI16750: IIR bit 5 never follows FCR bit 5. */
    out(&t, FCR, 0x21);
    status1 = in(&t, IIR) >> 5;
    out(&t, FCR, 0x01);
    out(&t, LCR, 0x80);
    out(&t, FCR, 0x21);
    status2 = in(&t, IIR) >> 5;
    out(&t, FCR, 0x01);
    out(&t, LCR, 0);
    assert_false(status1 == 6 && status2 == 7);

    /* Not an XScale: IER bit 6 (UUE) does not stick. */
    iersave = in(&t, IER);
    out(&t, IER, iersave & (uint8_t)~0x40);
    assert_int_equal(in(&t, IER) & 0x40, 0);
    out(&t, IER, iersave | 0x40);
    assert_int_equal(in(&t, IER) & 0x40, 0);
    out(&t, IER, iersave);

    /* size_fifo(): 256 bytes in loopback, 16 of them survive. */
    out(&t, LCR, 0);
    out(&t, FCR, 0x07);
    out(&t, MCR, 0x10);
    out(&t, LCR, 0x80);
    out(&t, DLL, 0x01);
    out(&t, DLM, 0x00);
    out(&t, LCR, 0x03);
    for (count = 0; count < 256; count++)
        out(&t, THR, (uint8_t)count);
    for (count = 0; (in(&t, LSR) & 0x01) && count < 256; count++)
        assert_int_equal(in(&t, RBR), count);
    assert_int_equal(count, 16);
    out(&t, MCR, 0);
    free_uart(&t);
}

/* serial8250_do_startup(): LSR sanity, THRE test, TX-enable test. */
static void test_linux_startup(void **state)
{
    struct uart_test t;
    uint8_t iir1, iir, lsr;

    (void)state;
    make_uart(&t, ATTACH_PORT, 0, "null");

    out(&t, FCR, 0x01); /* serial8250_clear_fifos */
    out(&t, FCR, 0x07);
    out(&t, FCR, 0x00);
    in(&t, LSR);
    in(&t, RBR);
    in(&t, IIR);
    in(&t, MSR);
    assert_int_not_equal(in(&t, LSR), 0xff);

    /* The THRE test: THRE must be re-asserted when THRI is re-enabled. */
    assert_int_equal(in(&t, LSR) & 0x20, 0x20);
    out(&t, IER, 0x02);
    iir1 = in(&t, IIR);
    out(&t, IER, 0);
    out(&t, IER, 0x02);
    iir = in(&t, IIR);
    out(&t, IER, 0);
    assert_int_equal(iir1, 0x02);
    assert_int_equal(iir, 0x02);

    out(&t, LCR, 0x03);
    out(&t, MCR, 0x0b); /* DTR | RTS | OUT2 */

    /* The TX-enable test: no UART_BUG_TXEN. */
    out(&t, IER, 0x02);
    lsr = in(&t, LSR);
    iir = in(&t, IIR);
    out(&t, IER, 0);
    assert_false((lsr & 0x40) && (iir & 0x01));
    assert_false(line(&t));
    free_uart(&t);
}

/* ---- plain registers ---------------------------------------------------- */

static void test_divisor_latch(void **state)
{
    struct uart_test t;

    (void)state;
    make_uart(&t, ATTACH_PORT, 0, "null");
    out(&t, IER, 0x05);
    out(&t, MCR, 0x10); /* loopback shows whether THR was written */
    out(&t, LCR, 0x83);
    out(&t, DLL, 0x01);
    out(&t, DLM, 0xc2);
    assert_int_equal(in(&t, DLL), 0x01);
    assert_int_equal(in(&t, DLM), 0xc2);
    assert_int_equal(in(&t, LSR) & 0x01, 0); /* DLL is not THR */

    out(&t, LCR, 0x03);
    assert_int_equal(in(&t, IER), 0x05); /* DLM is not IER */
    out(&t, LCR, 0x83);
    assert_int_equal(in(&t, DLL), 0x01);
    assert_int_equal(in(&t, DLM), 0xc2);
    free_uart(&t);
}

static void test_lcr_scr_readback(void **state)
{
    struct uart_test t;

    (void)state;
    make_uart(&t, ATTACH_PORT, 0, "null");
    for (unsigned v = 0; v < 256; v++) {
        out(&t, LCR, (uint8_t)v);
        assert_int_equal(in(&t, LCR), v);
    }
    out(&t, LCR, 0x03);
    for (unsigned v = 0; v < 256; v++) {
        out(&t, SCR, (uint8_t)v);
        assert_int_equal(in(&t, SCR), v);
    }
    out(&t, IER, 0xff);
    assert_int_equal(in(&t, IER), 0x0f);
    out(&t, MCR, 0xff);
    assert_int_equal(in(&t, MCR), 0x1f);
    free_uart(&t);
}

/* MCR outputs appear on the MSR inputs in loopback, with delta bits. */
static void test_loopback_modem_lines(void **state)
{
    struct uart_test t;

    (void)state;
    make_uart(&t, ATTACH_PORT, 0, "null");
    /* The null backend always has a peer: CTS, DSR and DCD asserted. */
    assert_int_equal(in(&t, MSR), 0xb0);

    out(&t, MCR, 0x10);
    assert_int_equal(in(&t, MSR), 0x0b); /* all three fell */
    out(&t, MCR, 0x11);
    assert_int_equal(in(&t, MSR), 0x22); /* DTR -> DSR */
    out(&t, MCR, 0x13);
    assert_int_equal(in(&t, MSR), 0x31); /* RTS -> CTS */
    out(&t, MCR, 0x17);
    assert_int_equal(in(&t, MSR), 0x70); /* OUT1 -> RI: no delta on the rise */
    out(&t, MCR, 0x1f);
    assert_int_equal(in(&t, MSR), 0xf8); /* OUT2 -> DCD */
    out(&t, MCR, 0x1b);
    assert_int_equal(in(&t, MSR), 0xb4); /* RI fell: TERI */
    assert_int_equal(in(&t, MSR), 0xb0); /* deltas clear on read */
    out(&t, MCR, 0x00);
    assert_int_equal(in(&t, MSR), 0xb0); /* back to the backend's lines */
    free_uart(&t);
}

/* ---- interrupts --------------------------------------------------------- */

/* Every source at once, then acknowledged one by one in priority order. */
static void test_interrupt_priorities(void **state)
{
    struct uart_test t;

    (void)state;
    make_uart(&t, ATTACH_MMIO, 0, "null");
    assert_false(line(&t));
    out(&t, FCR, 0x07); /* FIFOs on, trigger 1 */
    out(&t, IER, 0x0f);
    assert_true(line(&t));
    assert_int_equal(in(&t, IIR), 0xc2); /* THRE, acknowledged by the read */
    assert_false(line(&t));
    out(&t, MCR, 0x10); /* loopback: modem lines drop, MSI pending */
    for (int i = 0; i < 17; i++) /* one more than fits: overrun */
        out(&t, THR, (uint8_t)('a' + i));

    assert_int_equal(in(&t, IIR), 0xc6); /* line status first */
    assert_int_equal(in(&t, LSR), 0x63); /* DR | OE | THRE | TEMT */
    assert_int_equal(in(&t, IIR), 0xc4); /* then received data */
    for (int i = 0; i < 16; i++)
        assert_int_equal(in(&t, RBR), 'a' + i);
    assert_true(line(&t));
    assert_int_equal(in(&t, IIR), 0xc2); /* then THRE, acknowledged by this read */
    assert_int_equal(in(&t, IIR), 0xc0); /* then modem status */
    assert_true(line(&t));
    assert_int_equal(in(&t, MSR) & 0x0f, 0x0b);
    assert_int_equal(in(&t, IIR), 0xc1);
    assert_false(line(&t));
    free_uart(&t);
}

/* At a port the line reaches the PIC only with OUT2, and never in loopback. */
static void test_out2_gates_port_line(void **state)
{
    struct uart_test t;

    (void)state;
    make_uart(&t, ATTACH_PORT, 0, "null");
    out(&t, IER, 0x02);
    assert_int_equal(in(&t, IIR), 0x02);
    out(&t, IER, 0x00);
    out(&t, IER, 0x02);
    assert_false(line(&t));
    out(&t, MCR, 0x08);
    assert_true(line(&t));
    out(&t, MCR, 0x18);
    assert_false(line(&t));
    out(&t, MCR, 0x08);
    assert_true(line(&t));
    assert_int_equal(in(&t, IIR), 0x02);
    assert_false(line(&t));
    assert_int_equal(fake_irq_rises(t.fx.irq), 2);
    assert_int_equal(fake_irq_falls(t.fx.irq), 2);
    free_uart(&t);

    /* At MMIO (Arm) OUT2 is not wired: the line follows IIR alone. */
    make_uart(&t, ATTACH_MMIO, 0, "null");
    out(&t, IER, 0x02);
    assert_true(line(&t));
    free_uart(&t);
}

static void test_thre_cleared_by_iir_rearmed_by_ier(void **state)
{
    struct uart_test t;

    (void)state;
    make_uart(&t, ATTACH_PORT, 0, "null");
    out(&t, MCR, 0x08);
    out(&t, IER, 0x02);
    assert_true(line(&t));
    assert_int_equal(in(&t, IIR), 0x02);
    assert_false(line(&t));
    assert_int_equal(in(&t, IIR), 0x01);
    out(&t, IER, 0x02); /* no change of THRI: nothing re-armed */
    assert_int_equal(in(&t, IIR), 0x01);
    out(&t, IER, 0x00);
    out(&t, IER, 0x02); /* THRI enabled again with THR empty */
    assert_true(line(&t));
    assert_int_equal(in(&t, IIR), 0x02);
    out(&t, THR, 'x'); /* sent at once: THR empty again */
    assert_true(line(&t));
    assert_int_equal(in(&t, IIR), 0x02);
    assert_int_equal(in(&t, IIR), 0x01);
    free_uart(&t);
}

/* Below the trigger level data is a character timeout, at it data available. */
static void test_fifo_trigger_levels(void **state)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };
    struct uart_test t;

    (void)state;
    make_uart(&t, ATTACH_MMIO, 0, "null");
    out(&t, MCR, 0x10);
    out(&t, IER, 0x01);
    for (unsigned sel = 0; sel < 4; sel++) {
        out(&t, FCR, (uint8_t)(sel << 6 | 0x07));
        assert_int_equal(in(&t, IIR), 0xc1);
        for (unsigned i = 0; i + 1 < levels[sel]; i++)
            out(&t, THR, (uint8_t)i);
        if (levels[sel] > 1)
            assert_int_equal(in(&t, IIR), 0xcc);
        out(&t, THR, 0xee);
        assert_int_equal(in(&t, IIR), 0xc4);
        assert_true(line(&t));
        in(&t, RBR);
        if (levels[sel] > 1)
            assert_int_equal(in(&t, IIR), 0xcc);
    }
    /* Without FIFOs: one byte, plain "data available", no FIFO bits. */
    out(&t, FCR, 0x00);
    out(&t, THR, 'z');
    assert_int_equal(in(&t, IIR), 0x04);
    assert_int_equal(in(&t, RBR), 'z');
    assert_int_equal(in(&t, IIR), 0x01);
    assert_false(line(&t));
    free_uart(&t);
}

/* ---- data paths --------------------------------------------------------- */

static void test_overrun_without_fifo(void **state)
{
    struct uart_test t;

    (void)state;
    make_uart(&t, ATTACH_PORT, 0, "null");
    out(&t, MCR, 0x10);
    out(&t, THR, 'a');
    assert_int_equal(in(&t, LSR), 0x61); /* DR | THRE | TEMT */
    out(&t, THR, 'b');                   /* RBR not read: overrun */
    assert_int_equal(in(&t, LSR), 0x63);
    assert_int_equal(in(&t, LSR), 0x61); /* OE cleared by the read */
    assert_int_equal(in(&t, RBR), 'b');  /* the new byte replaced the old */
    assert_int_equal(in(&t, LSR), 0x60);

    /* With FIFOs the 17th byte is the one lost. */
    out(&t, FCR, 0x01);
    for (int i = 0; i < 17; i++)
        out(&t, THR, (uint8_t)i);
    assert_int_equal(in(&t, LSR) & 0x03, 0x03);
    for (int i = 0; i < 16; i++)
        assert_int_equal(in(&t, RBR), i);
    assert_int_equal(in(&t, LSR), 0x60);
    free_uart(&t);
}

/* Loopback keeps the line out of it both ways; host input waits. */
static void test_loopback_data_path(void **state)
{
    struct uart_test t;
    uint8_t buf[8];

    (void)state;
    make_socket_uart(&t, ATTACH_PORT);
    out(&t, FCR, 0x01);
    out(&t, MCR, 0x10);
    out(&t, THR, 'h');
    out(&t, THR, 'i');
    assert_int_equal(send(t.fx.client, "Z", 1, 0), 1);
    run_loop(&t, 10);
    assert_int_equal(client_read(&t, buf, sizeof(buf)), 0);
    assert_int_equal(in(&t, RBR), 'h');
    assert_int_equal(in(&t, RBR), 'i');
    assert_int_equal(in(&t, LSR) & 0x01, 0); /* 'Z' has not come in */

    out(&t, MCR, 0x00);
    out(&t, THR, 'x');
    run_loop(&t, 10);
    assert_int_equal(client_read(&t, buf, sizeof(buf)), 1);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(in(&t, LSR) & 0x01, 0x01);
    assert_int_equal(in(&t, RBR), 'Z');
    free_uart(&t);
}

/*
 * The client does not read: once the socket and the backend's buffer are
 * full, THR writes wait in the transmit FIFO with THRE clear.  A guest that
 * then ignores THRE fills the FIFO and loses exactly the byte after it.
 * When the client reads, every other byte arrives, in order.
 */
static void test_tx_congestion_loses_nothing(void **state)
{
    struct uart_test t;
    size_t written = 0, received = 0;
    uint8_t buf[4096];

    (void)state;
    make_socket_uart(&t, ATTACH_PORT);
    out(&t, FCR, 0x01);
    while (in(&t, LSR) & 0x20) {
        assert_true(written < (16u << 20));
        out(&t, THR, (uint8_t)(written++ % 251));
    }
    assert_int_equal(in(&t, LSR) & 0x60, 0); /* THRE and TEMT clear */
    for (int i = 0; i < 15; i++)             /* the FIFO holds 16 */
        out(&t, THR, (uint8_t)(written++ % 251));
    out(&t, THR, 0xff); /* transmitter overrun: lost */

    for (int i = 0; i < 100000 && !(received == written && (in(&t, LSR) & 0x60)); i++) {
        size_t n = client_read(&t, buf, sizeof(buf));

        for (size_t k = 0; k < n; k++)
            assert_int_equal(buf[k], (received + k) % 251);
        received += n;
        run_loop(&t, 1);
    }
    assert_int_equal(received, written);
    assert_int_equal(in(&t, LSR) & 0x60, 0x60);
    free_uart(&t);
}

/* Read from the FIFO until LSR.DR clears, checking the sequence. */
static unsigned drain(struct uart_test *t, unsigned *next)
{
    unsigned n = 0;

    while (in(t, LSR) & 0x01) {
        assert_int_equal(in(t, RBR), *next);
        (*next)++;
        n++;
    }
    return n;
}

/*
 * 40 bytes from the host while the guest reads slowly: the backend stops
 * reading when the FIFO is full, nothing overruns, every byte arrives in
 * order.
 */
static void rx_flow_control(bool fifo)
{
    struct uart_test t;
    uint8_t data[40];
    unsigned next = 0;

    make_socket_uart(&t, ATTACH_PORT);
    if (fifo)
        out(&t, FCR, 0x01);
    for (unsigned i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)i;
    assert_int_equal(send(t.fx.client, data, sizeof(data), 0), sizeof(data));

    run_loop(&t, 50); /* the guest is busy: the FIFO fills, then reading stops */
    assert_int_equal(in(&t, LSR) & 0x02, 0);
    assert_int_equal(drain(&t, &next), fifo ? 16 : 1);

    for (int i = 0; i < 10000 && next < sizeof(data); i++) {
        run_loop(&t, 1);
        assert_int_equal(in(&t, LSR) & 0x02, 0);
        if (in(&t, LSR) & 0x01) {
            assert_int_equal(in(&t, RBR), next);
            next++;
        }
    }
    assert_int_equal(next, sizeof(data));
    free_uart(&t);
}

static void test_rx_flow_control_fifo(void **state)
{
    (void)state;
    rx_flow_control(true);
}

static void test_rx_flow_control_no_fifo(void **state)
{
    (void)state;
    rx_flow_control(false);
}

/* A socket peer is the carrier: CTS, DSR and DCD follow it, with MSI. */
static void test_socket_carrier(void **state)
{
    struct uart_test t;

    (void)state;
    make_socket_uart(&t, ATTACH_MMIO);
    assert_int_equal(in(&t, MSR), 0xbb); /* raised when our client connected */
    out(&t, IER, 0x08);
    assert_false(line(&t));
    close(t.fx.client);
    t.fx.client = -1;
    run_loop(&t, 10);
    assert_true(line(&t));
    assert_int_equal(in(&t, IIR), 0x00);
    assert_int_equal(in(&t, MSR), 0x0b);
    assert_false(line(&t));
    free_uart(&t);
}

/* ---- layouts ------------------------------------------------------------ */

static void test_reg_shift2_mmio(void **state)
{
    struct uart_test t;
    const struct region_ops *ops = uart16550_device.ops;

    (void)state;
    make_uart(&t, ATTACH_MMIO, 2, "null");
    assert_int_equal(t.fx.cfg.size, 32);
    assert_int_equal(t.fx.dev.max_access, 4);
    assert_int_equal(t.fx.dev.wide, ACCESS_SPLIT);

    ops->write(t.fx.dev.state, 3 * 4, 4, 0x03); /* LCR, 32-bit */
    assert_int_equal(ops->read(t.fx.dev.state, 3 * 4, 4), 0x03);
    assert_int_equal(ops->read(t.fx.dev.state, 3 * 4, 1), 0x03);
    ops->write(t.fx.dev.state, 7 * 4, 1, 0x5a); /* SCR, 8-bit */
    assert_int_equal(ops->read(t.fx.dev.state, 7 * 4, 4), 0x5a);
    ops->write(t.fx.dev.state, 1 * 4, 4, 0xffffff05); /* IER: the low byte counts */
    assert_int_equal(ops->read(t.fx.dev.state, 1 * 4, 4), 0x05);

    /* Between registers: reads 0, writes ignored. */
    assert_int_equal(ops->read(t.fx.dev.state, 7 * 4 + 1, 1), 0);
    ops->write(t.fx.dev.state, 7 * 4 + 1, 1, 0xa5);
    ops->write(t.fx.dev.state, 7 * 4 + 2, 2, 0xa5a5);
    assert_int_equal(ops->read(t.fx.dev.state, 7 * 4, 4), 0x5a);
    assert_int_equal(ops->read(t.fx.dev.state, 5 * 4, 4), 0x60); /* LSR */
    free_uart(&t);
}

/* At a port max_access is 1 and wider accesses are split, so an outw to
 * the base writes THR and then IER, as the ISA bus would. */
static void test_split_16bit_port_access(void **state)
{
    struct uart_test t;
    const struct region_ops *ops = uart16550_device.ops;
    uint16_t word = 0x0241;
    uint8_t buf[4];

    (void)state;
    make_socket_uart(&t, ATTACH_PORT);
    assert_int_equal(t.fx.cfg.size, 8);
    assert_int_equal(t.fx.dev.max_access, 1);
    assert_int_equal(t.fx.dev.wide, ACCESS_SPLIT);

    for (unsigned i = 0; i < sizeof(word); i++) /* what the core does with outw */
        ops->write(t.fx.dev.state, i, 1, (word >> (8 * i)) & 0xff);
    assert_int_equal(in(&t, IER), 0x02);
    run_loop(&t, 10);
    assert_int_equal(client_read(&t, buf, sizeof(buf)), 1);
    assert_int_equal(buf[0], 'A');
    free_uart(&t);
}

/* The type's parameter table as config.c reads it from an INI file. */
static void test_created_from_ini(void **state)
{
    static const char ini[] = "[dmd]\narch = arm\nbufioreq = off\n\n"
                              "[uart0]\ntype = ns16550\nmmio = 0x09000000\n"
                              "reg_shift = 2\nirq = spi:39\n";
    char path[] = "/tmp/dmd-uart-ini-XXXXXX";
    struct dmd_config cfg;
    struct device dev;
    int fd;

    (void)state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, ini, sizeof(ini) - 1), (ssize_t)(sizeof(ini) - 1));
    close(fd);
    assert_int_equal(config_load(path, &cfg), 0);
    unlink(path);
    assert_int_equal(cfg.ndevs, 1);
    assert_int_equal(cfg.devs[0].size, 32);
    assert_int_equal(dev_config_chardev(&cfg.devs[0], "backend")->kind, CHARDEV_NULL);
    assert_null(dev_config_str(&cfg.devs[0], "pty_link"));

    dev = (struct device){
        .name = cfg.devs[0].name,
        .type = cfg.devs[0].type,
        .cfg = &cfg.devs[0],
        .loop = ev_loop_new(EVFLAG_AUTO),
        .max_access = uart16550_device.max_access,
        .wide = uart16550_device.wide,
    };
    assert_int_equal(uart16550_device.create(&dev), 0);
    assert_int_equal(dev.max_access, 4);
    uart16550_device.ops->write(dev.state, 7 * 4, 4, 0x42);
    assert_int_equal(uart16550_device.ops->read(dev.state, 7 * 4, 4), 0x42);
    uart16550_device.destroy(&dev);
    ev_loop_destroy(dev.loop);
    config_free(&cfg);
}

/* ---- crash snapshots ----------------------------------------------------- */

/* save()'s layout, version 1 (uart16550.c), where the tests damage it.
 * The FIFOs follow SNAP_RX: a count byte and the bytes, receive then
 * transmit; then tx_lost (8 bytes) and the chardev's part: emitted,
 * accepted, raw (8 bytes each), the held length (4) and the held bytes. */
enum { SNAP_IER = 0, SNAP_LCR, SNAP_MCR, SNAP_FCR, SNAP_SCR, SNAP_LSR, SNAP_MSR,
       SNAP_DIVISOR, SNAP_THR_IPENDING = 9, SNAP_CARRIER, SNAP_RX };
#define CHR_PART_SIZE 28 /* the chardev's part without held bytes */

/* Where the transmit FIFO's count, tx_lost and the chardev's part sit. */
static size_t snap_tx_at(const uint8_t *buf)
{
    return SNAP_RX + 1 + buf[SNAP_RX];
}

static size_t snap_chardev_at(const uint8_t *buf)
{
    size_t tx = snap_tx_at(buf);

    return tx + 1 + buf[tx] + 8;
}

/* Every register but RBR, in the same order on both (IIR, LSR and MSR
 * clear what they report), and the line after each read. */
static void expect_same_registers(struct uart_test *a, struct uart_test *b)
{
    static const unsigned plain[] = { LCR, MCR, SCR };
    static const unsigned clearing[] = { IIR, LSR, MSR, IIR, LSR, MSR };
    uint8_t lcr = in(a, LCR);

    assert_int_equal(line(a), line(b));
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        assert_int_equal(in(a, plain[i]), in(b, plain[i]));
    out(a, LCR, lcr | 0x80);
    out(b, LCR, lcr | 0x80);
    assert_int_equal(in(a, DLL), in(b, DLL));
    assert_int_equal(in(a, DLM), in(b, DLM));
    out(a, LCR, lcr & 0x7f);
    out(b, LCR, lcr & 0x7f);
    assert_int_equal(in(a, IER), in(b, IER));
    for (size_t i = 0; i < sizeof(clearing) / sizeof(clearing[0]); i++) {
        assert_int_equal(in(a, clearing[i]), in(b, clearing[i]));
        assert_int_equal(line(a), line(b));
    }
    out(a, LCR, lcr);
    out(b, LCR, lcr);
}

/* Read both receive FIFOs until LSR.DR clears: the same bytes, the same
 * line after each; returns how many, the bytes in `got`. */
static size_t drain_both(struct uart_test *a, struct uart_test *b, uint8_t *got, size_t max)
{
    size_t n = 0;

    for (;;) {
        uint8_t lsr = in(a, LSR);

        assert_int_equal(in(b, LSR), lsr);
        if (!(lsr & 0x01))
            return n;
        assert_true(n < max);
        got[n] = in(a, RBR);
        assert_int_equal(in(b, RBR), got[n]);
        assert_int_equal(line(a), line(b));
        n++;
    }
}

/*
 * A PC COM port far from reset: 8O1 at divisor 0x000c, FIFOs on with
 * trigger 8, every interrupt enabled, DTR | RTS | OUT2, SCR 0x5a, five host
 * bytes waiting below the trigger (a character timeout) and wrapping round
 * the end of the ring, THRE pending under it and the modem deltas of the
 * client's arrival: the line is up.
 */
static void make_rich(struct uart_test *t, struct chardev_wire *wire)
{
    uint8_t buf[4];

    make_listening_uart(t, ATTACH_PORT, wire);
    connect_client(t);
    out(t, LCR, 0x8b);
    out(t, DLL, 0x0c);
    out(t, DLM, 0x00);
    out(t, LCR, 0x0b);
    out(t, FCR, 0x87);
    assert_int_equal(send(t->fx.client, "0123456789abcd", 14, 0), 14);
    run_loop(t, 10);
    for (int i = 0; i < 14; i++)
        assert_int_equal(in(t, RBR), "0123456789abcd"[i]);
    out(t, IER, 0x0f);
    out(t, MCR, 0x0b);
    out(t, SCR, 0x5a);
    out(t, THR, 'x');
    assert_int_equal(send(t->fx.client, "hello", 5, 0), 5);
    run_loop(t, 10);
    assert_int_equal(client_read(t, buf, sizeof(buf)), 1);
    assert_true(line(t));
}

/* The harness's pair: make_rich's without a wire, and a fresh one
 * listening on a socket of its own, nobody connected. */
static void kit_make(void *t, bool far_from_reset)
{
    if (far_from_reset)
        make_rich(t, NULL);
    else
        make_listening_uart(t, ATTACH_PORT, NULL);
}

static void kit_free(void *t)
{
    free_uart(t);
}

static const struct harness_kit kit = { sizeof(struct uart_test),
                                        offsetof(struct uart_test, fx.dev), kit_make, kit_free };

static void test_snapshot_round_trip(void **state)
{
    struct chardev_wire wire = { 0 };
    struct uart_test a, b;
    uint8_t buf[DEVICE_STATE_MAX], got[32];
    size_t n;

    (void)state;
    make_rich(&a, &wire);
    n = harness_save(&a.fx.dev, buf, sizeof(buf));
    assert_int_equal(n, SNAP_RX + 1 + 5 + 1 + 8 + CHR_PART_SIZE);
    assert_int_equal(buf[n - CHR_PART_SIZE + 8], 19); /* accepted, low byte */
    assert_int_equal(buf[SNAP_RX], 5);
    assert_memory_equal(&buf[SNAP_RX + 1], "hello", 5);

    /* The restarted dmd: same wire, a socket of its own (a's is alive). */
    make_listening_uart(&b, ATTACH_PORT, &wire);
    assert_false(line(&b));
    harness_expect_round_trip(&b.fx.dev, buf, n);
    assert_true(line(&b));
    assert_int_equal(fake_irq_rises(b.fx.irq), 1);

    /* The client is on the line again: the device knew, no new delta. */
    connect_client(&b);
    assert_int_equal(in(&a, IIR), 0xcc);
    assert_int_equal(in(&b, IIR), 0xcc);
    expect_same_registers(&a, &b);
    assert_int_equal(drain_both(&a, &b, got, sizeof(got)), 5);
    assert_memory_equal(got, "hello", 5);
    assert_true(line(&b));
    assert_int_equal(in(&b, IIR), 0xc2); /* THRE, acknowledged by the read */
    assert_false(line(&b));
    assert_int_equal(in(&b, IIR), 0xc1);
    assert_int_equal(in(&b, MSR), 0xb0);

    /* New host input comes in after what the snapshot held, and output
     * goes out. */
    assert_int_equal(send(b.fx.client, "!?", 2, 0), 2);
    run_loop(&b, 10);
    assert_true(line(&b));
    assert_int_equal(in(&b, IIR), 0xcc);
    assert_int_equal(in(&b, RBR), '!');
    assert_int_equal(in(&b, RBR), '?');
    out(&b, THR, 'y');
    run_loop(&b, 10);
    assert_int_equal(client_read(&b, got, sizeof(got)), 1);
    assert_int_equal(got[0], 'y');
    free_uart(&b);
    free_uart(&a);
}

/* Loopback, without FIFOs: the one-byte receive holder overrun (OE), the
 * modem lines from MCR with deltas, at MMIO where OUT2 gates nothing. */
static void test_snapshot_loopback_no_fifo(void **state)
{
    struct uart_test a, b;
    uint8_t buf[DEVICE_STATE_MAX], got[4];
    size_t n;

    (void)state;
    make_uart(&a, ATTACH_MMIO, 0, "null");
    out(&a, IER, 0x0f);
    out(&a, MCR, 0x1f);
    out(&a, THR, 'a');
    out(&a, THR, 'b');
    assert_true(line(&a));
    n = harness_save(&a.fx.dev, buf, sizeof(buf));
    assert_int_equal(buf[SNAP_FCR], 0);
    assert_int_equal(buf[SNAP_LSR], 0x02);
    assert_int_equal(buf[SNAP_RX], 1);
    assert_int_equal(buf[SNAP_RX + 1], 'b');

    make_uart(&b, ATTACH_MMIO, 0, "null");
    harness_expect_round_trip(&b.fx.dev, buf, n);
    assert_true(line(&b));
    assert_int_equal(in(&b, IIR), 0x06); /* OE first */
    assert_int_equal(in(&a, IIR), 0x06);
    expect_same_registers(&a, &b);
    assert_int_equal(drain_both(&a, &b, got, sizeof(got)), 1);
    assert_int_equal(got[0], 'b');
    /* Still in loopback, still one byte deep. */
    out(&b, THR, 'c');
    out(&b, THR, 'd');
    assert_int_equal(in(&b, LSR), 0x63);
    assert_int_equal(in(&b, RBR), 'd');
    out(&b, MCR, 0x00);
    assert_int_equal(in(&b, MSR), 0xb4); /* back to the peer's lines; RI fell */
    free_uart(&a);
    free_uart(&b);
}

/*
 * The client stops reading: the kernel's buffer, then the chardev's, then
 * the transmit FIFO (16 bytes, or the 1-byte holder without FIFOs) fill, and
 * the next THR write is lost.  The snapshot then holds the most a UART ever
 * saves.  After the restart every byte reaches one of the two clients
 * exactly once, in order, and THRE comes back.
 */
static void congested_round_trip(bool fifo)
{
    struct chardev_wire wire = { 0 };
    struct uart_test a, b;
    uint8_t buf[DEVICE_STATE_MAX], again[DEVICE_STATE_MAX], data[4096];
    size_t n, written = 0, received = 0, lost_at;
    unsigned hold = fifo ? 16 : 1;

    make_listening_uart(&a, ATTACH_PORT, &wire);
    connect_client(&a);
    if (fifo)
        out(&a, FCR, 0x01);
    out(&a, MCR, 0x08);
    out(&a, IER, 0x02);
    while (in(&a, LSR) & 0x20) {
        assert_true(written < (16u << 20));
        out(&a, THR, (uint8_t)(written++ % 251));
    }
    for (unsigned i = 1; i < hold; i++)
        out(&a, THR, (uint8_t)(written++ % 251));
    lost_at = written;
    out(&a, THR, 0xff); /* no room: lost */
    assert_false(line(&a));

    n = harness_save(&a.fx.dev, buf, sizeof(buf));
    assert_true(n > 4096 + CHR_PART_SIZE);
    assert_true(n < DEVICE_STATE_MAX / 2);
    assert_int_equal(buf[snap_tx_at(buf)], hold);
    harness_patch(data, 0, 8, 1);
    assert_memory_equal(&buf[snap_tx_at(buf) + 1 + hold], data, 8); /* tx_lost */
    assert_int_equal(buf[SNAP_THR_IPENDING], 0);

    /* What a's kernel took is all a's client will get. */
    for (size_t got; (got = client_read(&a, data, sizeof(data))) > 0; received += got)
        for (size_t k = 0; k < got; k++)
            assert_int_equal(data[k], (received + k) % 251);
    assert_int_equal(received, atomic_load(&wire.tx));

    make_listening_uart(&b, ATTACH_PORT, &wire);
    connect_client(&b); /* before the restore: held output has a taker */
    assert_int_equal(harness_restore(&b.fx.dev, buf, n, true), 0);
    assert_int_equal(harness_save(&b.fx.dev, again, sizeof(again)), n);
    assert_memory_equal(again, buf, n);
    assert_int_equal(in(&b, LSR) & 0x60, 0);
    fake_device_reset();
    for (int i = 0; i < 100000 && !(received == written && (in(&b, LSR) & 0x60)); i++) {
        size_t got = client_read(&b, data, sizeof(data));

        for (size_t k = 0; k < got; k++)
            assert_int_equal(data[k], (received + k) % 251);
        received += got;
        run_loop(&b, 1);
    }
    assert_int_equal(received, written);
    assert_int_equal(written, lost_at);
    assert_int_equal(in(&b, LSR) & 0x60, 0x60);
    /* The backend took the FIFO from tx_ready(): a save was asked for. */
    assert_true(fake_device_changes() >= 1);
    assert_ptr_equal(fake_device_last_changed(), &b.fx.dev);
    assert_true(line(&b)); /* THRE came back */
    assert_int_equal(in(&b, IIR) & 0x0f, 0x02);
    assert_false(line(&b));
    free_uart(&b);
    free_uart(&a);
}

static void test_snapshot_congested_fifo(void **state)
{
    (void)state;
    congested_round_trip(true);
}

static void test_snapshot_congested_no_fifo(void **state)
{
    (void)state;
    congested_round_trip(false);
}

/* Nothing is set in motion by a check either: the loop finds nothing. */
static void run_loop_5(void *ctx)
{
    run_loop(ctx, 5);
}

static void test_snapshot_check_changes_nothing(void **state)
{
    struct uart_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    make_rich(&a, NULL);
    n = harness_save(&a.fx.dev, buf, sizeof(buf));
    make_listening_uart(&b, ATTACH_PORT, NULL);
    harness_expect_check_changes_nothing(&b.fx.dev, buf, n, run_loop_5, &b);
    assert_int_equal(in(&b, IER), 0);
    assert_int_equal(in(&b, LSR), 0x60);
    free_uart(&a);
    free_uart(&b);
}

static void test_snapshot_truncated_or_long(void **state)
{
    (void)state;
    harness_test_exact_length(&kit);
}

enum { AT_TX = 1000, AT_CHR }; /* offsets from the transmit FIFO, the chardev's part */

static size_t patch_at(const uint8_t *buf, size_t at)
{
    if (at >= AT_CHR)
        return snap_chardev_at(buf) + (at - AT_CHR);
    if (at >= AT_TX)
        return snap_tx_at(buf) + (at - AT_TX);
    return at;
}

static void test_snapshot_bad_fields(void **state)
{
    static const struct harness_field bad[] = {
        { SNAP_IER, 1, 0x10 },         /* undefined IER bits */
        { SNAP_IER, 1, 0xff },
        { SNAP_MCR, 1, 0x20 },         /* undefined MCR bits */
        { SNAP_MCR, 1, 0x10 },         /* loopback: MSR's lines would differ */
        { SNAP_FCR, 1, 0x83 },         /* a clear bit is never kept */
        { SNAP_FCR, 1, 0x85 },
        { SNAP_FCR, 1, 0x91 },         /* reserved bits */
        { SNAP_FCR, 1, 0xa1 },
        { SNAP_FCR, 1, 0x80 },         /* a trigger without FIFOs */
        { SNAP_FCR, 1, 0x00 },         /* no FIFOs: 5 bytes do not fit */
        { SNAP_LSR, 1, 0x01 },         /* DR is not sticky */
        { SNAP_LSR, 1, 0x04 },         /* PE, FE, BI never occur */
        { SNAP_LSR, 1, 0x10 },
        { SNAP_LSR, 1, 0x60 },
        { SNAP_MSR, 1, 0x0b },         /* lines down with a peer */
        { SNAP_MSR, 1, 0xfb },         /* RI without loopback */
        { SNAP_MSR, 1, 0x3b },
        { SNAP_THR_IPENDING, 1, 2 },   /* bools */
        { SNAP_THR_IPENDING, 1, 0xff },
        { SNAP_CARRIER, 1, 2 },
        { SNAP_CARRIER, 1, 0 },        /* no peer, lines up */
        { SNAP_RX, 1, 17 },            /* more than the FIFO holds */
        { SNAP_RX, 1, 0xff },
        { AT_TX, 1, 17 },
        { AT_TX, 1, 0x80 },
        { AT_CHR + 16, 8, 1 },         /* held output not held */
        { AT_CHR + 24, 4, 4097 },      /* more than the chardev holds */
        { AT_CHR + 24, 4, 0xffffffff },
    };
    static const struct harness_field good[] = {
        { SNAP_IER, 1, 0x00 },
        { SNAP_LCR, 1, 0xff },
        { SNAP_LCR, 1, 0x00 },
        { SNAP_SCR, 1, 0x00 },
        { SNAP_FCR, 1, 0xc9 },
        { SNAP_LSR, 1, 0x02 },
        { SNAP_MSR, 1, 0xb0 },
        { SNAP_MSR, 1, 0xbf },
        { SNAP_DIVISOR, 2, 0xffff },
        { SNAP_DIVISOR, 2, 0 },
        { SNAP_THR_IPENDING, 1, 0 },
        { AT_TX + 1, 8, UINT64_MAX }, /* tx_lost */
        { AT_CHR, 8, UINT64_MAX },    /* emitted */
    };

    (void)state;
    harness_test_fields(&kit, bad, sizeof(bad) / sizeof(bad[0]), good,
                        sizeof(good) / sizeof(good[0]), patch_at);
}

/* Invariants a single field cannot break: the 1-byte holders without
 * FIFOs, THRE pending with bytes waiting, a null backend without peer. */
static void test_snapshot_bad_combinations(void **state)
{
    struct uart_test a, b;
    struct harness_fresh fresh;
    uint8_t buf[DEVICE_STATE_MAX], copy[DEVICE_STATE_MAX];
    size_t n, tx;

    (void)state;
    make_uart(&a, ATTACH_MMIO, 0, "null");
    out(&a, MCR, 0x10);
    out(&a, FCR, 0x01);
    out(&a, THR, 'a');
    out(&a, THR, 'b');
    n = harness_save(&a.fx.dev, buf, sizeof(buf));
    assert_int_equal(buf[SNAP_RX], 2);
    make_uart(&b, ATTACH_MMIO, 0, "null");
    harness_fresh(&fresh, &b.fx.dev);
    assert_int_equal(harness_restore(&b.fx.dev, buf, n, false), 0);

    memcpy(copy, buf, n);
    copy[SNAP_FCR] = 0; /* two bytes in the 1-byte holder */
    harness_expect_rejected(&fresh, copy, n);
    memcpy(copy, buf, n);
    copy[SNAP_CARRIER] = 0; /* null always has a peer (MSR is MCR's here) */
    harness_expect_rejected(&fresh, copy, n);

    /* A byte in the transmit holder: THRE cannot be pending. */
    tx = snap_tx_at(buf);
    memcpy(copy, buf, n);
    memmove(&copy[tx + 2], &copy[tx + 1], n - tx - 1);
    copy[tx] = 1;
    copy[tx + 1] = 'z';
    copy[SNAP_THR_IPENDING] = 0;
    assert_int_equal(harness_restore(&b.fx.dev, copy, n + 1, false), 0);
    copy[SNAP_THR_IPENDING] = 1;
    harness_expect_rejected(&fresh, copy, n + 1);
    free_uart(&a);
    free_uart(&b);
}

/* What is taken works: every register read, the receive FIFO drained,
 * a byte sent. */
static void use_registers(void *ctx)
{
    struct uart_test *t = ctx;

    for (unsigned reg = 0; reg < 8; reg++)
        in(t, reg);
    for (int k = 0; k < 20; k++)
        in(t, RBR);
    out(t, THR, 'q');
    run_loop(t, 2);
}

/* Any byte damaged any way: taken or refused, never a crash; what is
 * taken works. */
static void test_snapshot_damaged_bytes(void **state)
{
    static const uint8_t values[] = { 0x00, 0x01, 0x02, 0x10, 0x7f, 0x80, 0xfe, 0xff };

    (void)state;
    log_init(LOG_TARGET_STDERR, LOG_ERR); /* damaged positions warn, as they should */
    harness_test_damaged_bytes(&kit, values, sizeof(values), use_registers);
    log_init(LOG_TARGET_STDERR, LOG_WARNING);
}

/* Host input, output taken after congestion (congested_round_trip) and
 * carrier changes ask for a save; register accesses do not need to. */
static void test_device_changed(void **state)
{
    struct uart_test t;

    (void)state;
    make_listening_uart(&t, ATTACH_PORT, NULL);
    fake_device_reset();
    connect_client(&t);
    assert_int_equal(fake_device_changes(), 1); /* carrier up */
    assert_ptr_equal(fake_device_last_changed(), &t.fx.dev);

    fake_device_reset();
    out(&t, FCR, 0x01);
    out(&t, IER, 0x0f);
    out(&t, THR, 'x');
    in(&t, IIR);
    in(&t, LSR);
    run_loop(&t, 5);
    assert_int_equal(fake_device_changes(), 0);

    assert_int_equal(send(t.fx.client, "abc", 3, 0), 3);
    run_loop(&t, 10);
    assert_true(fake_device_changes() >= 1);
    assert_ptr_equal(fake_device_last_changed(), &t.fx.dev);
    assert_int_equal(in(&t, RBR), 'a');

    fake_device_reset();
    close(t.fx.client);
    t.fx.client = -1;
    run_loop(&t, 10);
    assert_int_equal(fake_device_changes(), 1); /* carrier down */
    assert_int_equal(in(&t, MSR), 0x0b);
    free_uart(&t);
}

/*
 * Socket input is peeked, handed to the device, saved, then taken.  Killed
 * after the save and before the take, the socket still holds what the
 * snapshot holds: the restarted device must not get those bytes twice,
 * and must get the rest.  (The client is the one a service manager's
 * descriptor store would hand back; here b's own, fed the same bytes.)
 */
static void test_snapshot_input_not_taken(void **state)
{
    static const char sent[] = "0123456789abcdefXYZ";
    struct chardev_wire wire = { 0 };
    struct uart_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    make_listening_uart(&a, ATTACH_PORT, &wire);
    connect_client(&a);
    out(&a, FCR, 0x01);
    assert_int_equal(send(a.fx.client, sent, 19, 0), 19);
    run_loop(&a, 10); /* 16 fit, 3 wait in the socket */
    n = harness_save(&a.fx.dev, buf, sizeof(buf));
    assert_int_equal(buf[SNAP_RX], 16);
    assert_int_equal(atomic_load(&wire.rx), 16);
    atomic_store(&wire.rx, 0); /* the kill came before input_take() */

    make_listening_uart(&b, ATTACH_PORT, &wire);
    connect_client(&b);
    assert_int_equal(send(b.fx.client, sent, 19, 0), 19);
    assert_int_equal(harness_restore(&b.fx.dev, buf, n, true), 0);
    for (int i = 0; i < 16; i++)
        assert_int_equal(in(&b, RBR), sent[i]);
    run_loop(&b, 10);
    for (int i = 16; i < 19; i++)
        assert_int_equal(in(&b, RBR), sent[i]);
    assert_int_equal(in(&b, LSR) & 0x01, 0);
    assert_int_equal(atomic_load(&wire.rx), 19);
    free_uart(&b);
    free_uart(&a);
}

static void test_snapshot_size(void **state)
{
    struct uart_test a;

    (void)state;
    assert_int_equal(uart16550_device.state_version, 1);
    make_rich(&a, NULL);
    assert_true(harness_expect_snapshot_size(&a.fx.dev) < 100);
    free_uart(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linux_autoconfig),
        cmocka_unit_test(test_linux_autoconfig_16550a),
        cmocka_unit_test(test_linux_startup),
        cmocka_unit_test(test_divisor_latch),
        cmocka_unit_test(test_lcr_scr_readback),
        cmocka_unit_test(test_loopback_modem_lines),
        cmocka_unit_test(test_interrupt_priorities),
        cmocka_unit_test(test_out2_gates_port_line),
        cmocka_unit_test(test_thre_cleared_by_iir_rearmed_by_ier),
        cmocka_unit_test(test_fifo_trigger_levels),
        cmocka_unit_test(test_overrun_without_fifo),
        cmocka_unit_test(test_loopback_data_path),
        cmocka_unit_test(test_tx_congestion_loses_nothing),
        cmocka_unit_test(test_rx_flow_control_fifo),
        cmocka_unit_test(test_rx_flow_control_no_fifo),
        cmocka_unit_test(test_socket_carrier),
        cmocka_unit_test(test_reg_shift2_mmio),
        cmocka_unit_test(test_split_16bit_port_access),
        cmocka_unit_test(test_created_from_ini),
        cmocka_unit_test(test_snapshot_round_trip),
        cmocka_unit_test(test_snapshot_loopback_no_fifo),
        cmocka_unit_test(test_snapshot_congested_fifo),
        cmocka_unit_test(test_snapshot_congested_no_fifo),
        cmocka_unit_test(test_snapshot_check_changes_nothing),
        cmocka_unit_test(test_snapshot_truncated_or_long),
        cmocka_unit_test(test_snapshot_bad_fields),
        cmocka_unit_test(test_snapshot_bad_combinations),
        cmocka_unit_test(test_snapshot_damaged_bytes),
        cmocka_unit_test(test_snapshot_input_not_taken),
        cmocka_unit_test(test_device_changed),
        cmocka_unit_test(test_snapshot_size),
    };

    log_init(LOG_TARGET_STDERR, LOG_WARNING);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
