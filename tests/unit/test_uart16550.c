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

#include "device_harness.h"
#include <ev.h>

#include "config.h"
#include "devices/chardev.h"
#include "devices/device.h"
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
    struct ev_loop *loop;
    struct dev_config cfg;
    struct device dev;
    struct irq_line *irq;
    unsigned shift;
    char dir[64];
    char sock_path[128];
    int client; /* our end of the socket backend, or -1 */
};

/* ---- building the device as the core does -------------------------------- */

static int param_slot(const char *key)
{
    return harness_param_slot(&uart16550_device, key);
}

static void make_uart(struct uart_test *t, enum attach_kind kind, unsigned shift,
                      const char *backend)
{
    struct param_value *v;

    memset(t, 0, sizeof(*t));
    t->client = -1;
    t->shift = shift;
    t->loop = ev_loop_new(EVFLAG_AUTO);
    assert_non_null(t->loop);
    t->irq = fake_irq_new();
    assert_non_null(t->irq);

    t->cfg.name = "uart0";
    t->cfg.type = &uart16550_device;
    t->cfg.attach.kind = kind;
    t->cfg.attach.base = kind == ATTACH_PORT ? COM1 : ARM_UART;
    t->cfg.irq = (struct irq_spec){ .kind = kind == ATTACH_PORT ? IRQ_ISA : IRQ_SPI,
                                    .num = kind == ATTACH_PORT ? 4 : 39 };
    v = &t->cfg.params[param_slot("reg_shift")];
    *v = (struct param_value){ .set = true, .num = shift };
    v = &t->cfg.params[param_slot("backend")];
    v->set = true;
    assert_null(chardev_spec_parse(backend, &v->chr));
    t->cfg.size = uart16550_device.window_size(&t->cfg);

    t->dev = harness_device(&t->cfg, t->loop, t->irq, NULL);
    assert_int_equal(uart16550_device.create(&t->dev), 0);
    assert_non_null(t->dev.state);
}

static void run_loop(struct uart_test *t, int times)
{
    for (int i = 0; i < times; i++)
        ev_run(t->loop, EVRUN_NOWAIT);
}

/* A UART whose line is a unix socket, with our client connected. */
static void make_socket_uart(struct uart_test *t, enum attach_kind kind)
{
    char dir[] = "/tmp/dmd-uart-XXXXXX";
    char backend[160];
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    assert_non_null(mkdtemp(dir));
    snprintf(backend, sizeof(backend), "socket:%s/uart0.sock", dir);
    make_uart(t, kind, 0, backend);
    strcpy(t->dir, dir);
    snprintf(t->sock_path, sizeof(t->sock_path), "%s/uart0.sock", dir);

    t->client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(t->client >= 0);
    strcpy(sa.sun_path, t->sock_path);
    assert_int_equal(connect(t->client, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(fcntl(t->client, F_SETFL, O_NONBLOCK), 0);
    run_loop(t, 10); /* accept */
}

static void free_uart(struct uart_test *t)
{
    uart16550_device.destroy(&t->dev);
    assert_null(t->dev.state);
    if (t->client >= 0)
        close(t->client);
    if (t->dir[0] != '\0') {
        assert_int_equal(access(t->sock_path, F_OK), -1); /* removed at close */
        rmdir(t->dir);
    }
    chardev_spec_free(&t->cfg.params[param_slot("backend")].chr);
    fake_irq_free(t->irq);
    ev_loop_destroy(t->loop);
}

/* ---- guest accesses ------------------------------------------------------ */

static uint8_t in(struct uart_test *t, unsigned reg)
{
    return (uint8_t)uart16550_device.ops->read(t->dev.state, (uint64_t)reg << t->shift,
                                               1u << t->shift);
}

static void out(struct uart_test *t, unsigned reg, uint8_t val)
{
    uart16550_device.ops->write(t->dev.state, (uint64_t)reg << t->shift, 1u << t->shift, val);
}

static bool line(struct uart_test *t)
{
    return irq_line_level(t->irq);
}

/* What the client end of the socket has received so far. */
static size_t client_read(struct uart_test *t, uint8_t *buf, size_t len)
{
    ssize_t n = recv(t->client, buf, len, MSG_DONTWAIT);

    if (n < 0) {
        assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
        return 0;
    }
    return (size_t)n;
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
    assert_int_equal(fake_irq_rises(t.irq), 2);
    assert_int_equal(fake_irq_falls(t.irq), 2);
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
    assert_int_equal(send(t.client, "Z", 1, 0), 1);
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
    assert_int_equal(send(t.client, data, sizeof(data), 0), sizeof(data));

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
    close(t.client);
    t.client = -1;
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
    assert_int_equal(t.cfg.size, 32);
    assert_int_equal(t.dev.max_access, 4);
    assert_int_equal(t.dev.wide, ACCESS_SPLIT);

    ops->write(t.dev.state, 3 * 4, 4, 0x03); /* LCR, 32-bit */
    assert_int_equal(ops->read(t.dev.state, 3 * 4, 4), 0x03);
    assert_int_equal(ops->read(t.dev.state, 3 * 4, 1), 0x03);
    ops->write(t.dev.state, 7 * 4, 1, 0x5a); /* SCR, 8-bit */
    assert_int_equal(ops->read(t.dev.state, 7 * 4, 4), 0x5a);
    ops->write(t.dev.state, 1 * 4, 4, 0xffffff05); /* IER: the low byte counts */
    assert_int_equal(ops->read(t.dev.state, 1 * 4, 4), 0x05);

    /* Between registers: reads 0, writes ignored. */
    assert_int_equal(ops->read(t.dev.state, 7 * 4 + 1, 1), 0);
    ops->write(t.dev.state, 7 * 4 + 1, 1, 0xa5);
    ops->write(t.dev.state, 7 * 4 + 2, 2, 0xa5a5);
    assert_int_equal(ops->read(t.dev.state, 7 * 4, 4), 0x5a);
    assert_int_equal(ops->read(t.dev.state, 5 * 4, 4), 0x60); /* LSR */
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
    assert_int_equal(t.cfg.size, 8);
    assert_int_equal(t.dev.max_access, 1);
    assert_int_equal(t.dev.wide, ACCESS_SPLIT);

    for (unsigned i = 0; i < sizeof(word); i++) /* what the core does with outw */
        ops->write(t.dev.state, i, 1, (word >> (8 * i)) & 0xff);
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
    };

    log_init(LOG_TARGET_STDERR, LOG_WARNING);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
