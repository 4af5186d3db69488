/* SPDX-License-Identifier: MIT */
/*
 * The pl011 register model, driven through its region_ops the way the core
 * routes guest accesses, with a device built as the core builds it: a
 * dev_config, an ev_loop of our own, a recording interrupt line and a null
 * backend or a unix socket whose client end the test holds.
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

extern const struct device_type pl011_device;

/* The test does not link registry.c. */
const struct device_type *const device_types[] = { &pl011_device, NULL };

enum { DR = 0x000, RSR = 0x004, ECR = 0x004, FR = 0x018, ILPR = 0x020, IBRD = 0x024,
       FBRD = 0x028, LCR_H = 0x02c, CR = 0x030, IFLS = 0x034, IMSC = 0x038, RIS = 0x03c,
       MIS = 0x040, ICR = 0x044, DMACR = 0x048 };

enum { FR_CTS = 0x01, FR_DSR = 0x02, FR_DCD = 0x04, FR_BUSY = 0x08, FR_RXFE = 0x10,
       FR_TXFF = 0x20, FR_RXFF = 0x40, FR_TXFE = 0x80, FR_RI = 0x100 };

enum { INT_RIM = 0x001, INT_CTSM = 0x002, INT_DCDM = 0x004, INT_DSRM = 0x008, INT_RX = 0x010,
       INT_TX = 0x020, INT_RT = 0x040, INT_OE = 0x400 };

enum { CR_UARTEN = 0x0001, CR_LBE = 0x0080, CR_TXE = 0x0100, CR_RXE = 0x0200,
       CR_DTR = 0x0400, CR_RTS = 0x0800, CR_OUT1 = 0x1000, CR_OUT2 = 0x2000 };

#define CR_ON (CR_UARTEN | CR_TXE | CR_RXE)
#define CR_LOOP (CR_ON | CR_LBE)
#define FEN 0x10
#define BASE 0x09000000

struct pl011_test {
    struct chardev_fixture fx;
};

/* ---- building the device as the core does -------------------------------- */

/* What is the PL011's own: its MMIO window and SPI. */
static void pl011_configure(struct pl011_test *t, struct chardev_wire *wire)
{
    t->fx.cfg.attach.kind = ATTACH_MMIO;
    t->fx.cfg.attach.base = BASE;
    t->fx.cfg.irq = (struct irq_spec){ .kind = IRQ_SPI, .num = 33 };
    chardev_fixture_create(&t->fx, wire);
}

static void make_pl011_wired(struct pl011_test *t, const char *backend, struct chardev_wire *wire)
{
    chardev_fixture_begin(&t->fx, &pl011_device, backend);
    pl011_configure(t, wire);
}

static void make_pl011(struct pl011_test *t, const char *backend)
{
    make_pl011_wired(t, backend, NULL);
}

static void run_loop(struct pl011_test *t, int times)
{
    chardev_fixture_run(&t->fx, times);
}

static void make_listening(struct pl011_test *t, struct chardev_wire *wire)
{
    chardev_fixture_begin_socket(&t->fx, &pl011_device, "pl011");
    pl011_configure(t, wire);
}

static void connect_client(struct pl011_test *t)
{
    chardev_fixture_connect(&t->fx);
}

static void make_socket(struct pl011_test *t)
{
    make_listening(t, NULL);
    connect_client(t);
}

static void free_pl011(struct pl011_test *t)
{
    chardev_fixture_free(&t->fx);
}

/* ---- guest accesses ------------------------------------------------------ */

static uint32_t rd(struct pl011_test *t, unsigned off)
{
    return (uint32_t)pl011_device.ops->read(t->fx.dev.state, off, 4);
}

static void wr(struct pl011_test *t, unsigned off, uint32_t val)
{
    pl011_device.ops->write(t->fx.dev.state, off, 4, val);
}

static bool line(struct pl011_test *t)
{
    return irq_line_level(t->fx.irq);
}

static size_t client_read(struct pl011_test *t, uint8_t *buf, size_t len)
{
    return chardev_fixture_client_read(&t->fx, buf, len);
}

/* ---- registers ----------------------------------------------------------- */

static void test_reset_values_and_ids(void **state)
{
    static const uint8_t ids[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
    struct pl011_test t;
    uint32_t periphid = 0, cellid = 0;

    (void)state;
    make_pl011(&t, "null");
    assert_int_equal(rd(&t, DR), 0);
    assert_int_equal(rd(&t, RSR), 0);
    /* TXFE | RXFE; the null backend always has a peer: CTS, DSR, DCD */
    assert_int_equal(rd(&t, FR), FR_TXFE | FR_RXFE | FR_CTS | FR_DSR | FR_DCD);
    assert_int_equal(rd(&t, ILPR), 0);
    assert_int_equal(rd(&t, IBRD), 0);
    assert_int_equal(rd(&t, FBRD), 0);
    assert_int_equal(rd(&t, LCR_H), 0);
    assert_int_equal(rd(&t, CR), 0x300);
    assert_int_equal(rd(&t, IFLS), 0x12);
    assert_int_equal(rd(&t, IMSC), 0);
    assert_int_equal(rd(&t, RIS), 0);
    assert_int_equal(rd(&t, MIS), 0);
    assert_int_equal(rd(&t, DMACR), 0);
    /* amba_read_periphid: the low byte of each of the last 8 words */
    for (unsigned i = 0; i < 4; i++) {
        periphid |= (rd(&t, 0xfe0 + 4 * i) & 0xff) << (8 * i);
        cellid |= (rd(&t, 0xff0 + 4 * i) & 0xff) << (8 * i);
    }
    assert_int_equal(periphid, 0x00141011);
    assert_int_equal(cellid, 0xb105f00d);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(rd(&t, 0xfe0 + 4 * i), ids[i]);
    /* Inside a word: 0, writes ignored. */
    assert_int_equal(pl011_device.ops->read(t.fx.dev.state, CR + 1, 1), 0);
    pl011_device.ops->write(t.fx.dev.state, CR + 1, 1, 0xff);
    assert_int_equal(rd(&t, CR), 0x300);
    /* 16-bit access at the register's offset reaches it. */
    pl011_device.ops->write(t.fx.dev.state, IBRD, 2, 0x1234);
    assert_int_equal(pl011_device.ops->read(t.fx.dev.state, IBRD, 2), 0x1234);
    /* Masks: FBRD 6 bits, IFLS 6, IMSC 11, DMACR 3, CR without 6:3. */
    wr(&t, FBRD, 0xffff);
    wr(&t, IFLS, 0xffff);
    wr(&t, IMSC, 0xffff);
    wr(&t, DMACR, 0xffff);
    wr(&t, ILPR, 0xffff);
    assert_int_equal(rd(&t, FBRD), 0x3f);
    assert_int_equal(rd(&t, IFLS), 0x3f);
    assert_int_equal(rd(&t, IMSC), 0x7ff);
    assert_int_equal(rd(&t, DMACR), 0x7);
    assert_int_equal(rd(&t, ILPR), 0xff);
    wr(&t, IMSC, 0);
    wr(&t, CR, 0xffff);
    assert_int_equal(rd(&t, CR), 0xff87);
    assert_int_equal(pl011_device.max_access, 4);
    assert_int_equal(pl011_device.wide, ACCESS_SPLIT);
    free_pl011(&t);
}

/* Without FEN: 1-byte holding registers; with it, 16-entry FIFOs.  In
 * loopback the guest feeds itself, so overrun can happen (OE). */
static void test_fifo_and_holding_modes(void **state)
{
    struct pl011_test t;

    (void)state;
    make_pl011(&t, "null");
    wr(&t, CR, CR_LOOP);
    wr(&t, ICR, 0x7ff); /* the carrier's lines left with loopback */
    wr(&t, DR, 'a');
    assert_int_equal(rd(&t, FR) & (FR_RXFF | FR_RXFE), FR_RXFF);
    wr(&t, DR, 'b'); /* overrun: lost in the shift register */
    assert_int_equal(rd(&t, RSR), 0x08);
    assert_int_equal(rd(&t, RIS) & INT_OE, INT_OE);
    assert_int_equal(rd(&t, DR), 'a');
    assert_int_equal(rd(&t, FR) & FR_RXFE, FR_RXFE);
    wr(&t, DR, 'c'); /* the next byte in carries DR.OE */
    assert_int_equal(rd(&t, DR), 0x800 | 'c');
    wr(&t, ECR, 0);
    assert_int_equal(rd(&t, RSR), 0);
    wr(&t, ICR, INT_OE);
    assert_int_equal(rd(&t, RIS), INT_TX);

    wr(&t, LCR_H, FEN | 0x60);
    for (unsigned i = 0; i < 16; i++) {
        assert_int_equal(rd(&t, FR) & FR_RXFF, 0);
        wr(&t, DR, 'A' + i);
    }
    assert_int_equal(rd(&t, FR) & FR_RXFF, FR_RXFF);
    assert_int_equal(rd(&t, RSR), 0);
    wr(&t, DR, 'z');
    assert_int_equal(rd(&t, RSR), 0x08);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(rd(&t, DR), 'A' + i);
    assert_int_equal(rd(&t, FR) & FR_RXFE, FR_RXFE);
    /* Changing FEN empties the FIFOs; writing it unchanged does not. */
    wr(&t, DR, '1');
    wr(&t, LCR_H, FEN | 0x60);
    assert_int_equal(rd(&t, FR) & FR_RXFE, 0);
    wr(&t, LCR_H, 0x60);
    assert_int_equal(rd(&t, FR) & FR_RXFE, FR_RXFE);
    /* The receiver off: loopback bytes go nowhere. */
    wr(&t, CR, CR_UARTEN | CR_TXE | CR_LBE);
    wr(&t, DR, 'x');
    assert_int_equal(rd(&t, FR) & FR_RXFE, FR_RXFE);
    free_pl011(&t);
}

/* IBRD and FBRD read back what was written; LCR_H latches them. */
static void test_baud_registers(void **state)
{
    struct pl011_test t;

    (void)state;
    make_pl011(&t, "null");
    wr(&t, CR, 0);
    wr(&t, FBRD, 1);
    wr(&t, IBRD, 13);
    wr(&t, LCR_H, 0x70);
    wr(&t, CR, 0x301);
    assert_int_equal(rd(&t, IBRD), 13);
    assert_int_equal(rd(&t, FBRD), 1);
    assert_int_equal(rd(&t, LCR_H), 0x70);
    assert_int_equal(rd(&t, CR), 0x301);
    free_pl011(&t);
}

/* RX at or above the trigger level, RT below it, for each IFLS setting. */
static void test_rx_trigger_levels(void **state)
{
    static const unsigned levels[8] = { 2, 4, 8, 12, 14, 14, 14, 14 };
    struct pl011_test t;

    (void)state;
    make_pl011(&t, "null");
    wr(&t, CR, CR_LOOP);
    wr(&t, LCR_H, FEN);
    wr(&t, IMSC, INT_RX | INT_RT);
    for (unsigned f = 0; f < 8; f++) {
        wr(&t, IFLS, f << 3);
        assert_int_equal(rd(&t, MIS), 0);
        assert_false(line(&t));
        for (unsigned n = 1; n <= 16; n++) {
            wr(&t, DR, (uint8_t)n);
            assert_int_equal(rd(&t, MIS) & (INT_RX | INT_RT), n >= levels[f] ? INT_RX : INT_RT);
            assert_true(line(&t));
        }
        /* ICR cannot clear them while the data is there */
        wr(&t, ICR, INT_RX | INT_RT);
        assert_int_equal(rd(&t, RIS) & INT_RX, INT_RX);
        for (unsigned n = 16; n > 0; n--) {
            assert_int_equal(rd(&t, RIS) & (INT_RX | INT_RT), n >= levels[f] ? INT_RX : INT_RT);
            rd(&t, DR);
        }
        assert_false(line(&t));
    }
    /* Without FIFOs one byte is the level. */
    wr(&t, LCR_H, 0);
    wr(&t, DR, 'q');
    assert_int_equal(rd(&t, MIS), INT_RX);
    rd(&t, DR);
    assert_int_equal(rd(&t, MIS), 0);
    free_pl011(&t);
}

/* TXRIS: set when the transmitter takes a byte and leaves the FIFO at or
 * below the trigger; not by reset or unmasking; cleared by ICR. */
static void test_tx_interrupt(void **state)
{
    struct pl011_test t;

    (void)state;
    make_pl011(&t, "null");
    wr(&t, LCR_H, FEN);
    wr(&t, IMSC, INT_TX);
    assert_int_equal(rd(&t, RIS), 0);
    assert_false(line(&t)); /* an idle transmitter raises nothing */
    /* UARTEN off: the byte waits in the FIFO, BUSY */
    wr(&t, DR, 'x');
    assert_int_equal(rd(&t, FR) & (FR_BUSY | FR_TXFE), FR_BUSY);
    assert_false(line(&t));
    wr(&t, CR, CR_ON); /* it goes, and the FIFO is back under the level */
    assert_int_equal(rd(&t, FR) & (FR_BUSY | FR_TXFE), FR_TXFE);
    assert_int_equal(rd(&t, MIS), INT_TX);
    assert_true(line(&t));
    wr(&t, ICR, INT_TX);
    assert_false(line(&t));
    wr(&t, IMSC, 0);
    wr(&t, IMSC, INT_TX);
    assert_false(line(&t)); /* unmasking again does not set it */
    wr(&t, DR, 'y');
    assert_true(line(&t));
    free_pl011(&t);
}

/* With a socket client that does not read: the FIFO fills (TXFF, which
 * clears TXRIS above the level, as Linux's pl011_start_tx_pio expects before
 * unmasking TXIM), the byte after it is lost, and when the client reads the
 * FIFO drains with TXIS; every byte written before arrives in order. */
static void test_tx_congestion(void **state)
{
    struct pl011_test t;
    size_t written = 0, received = 0;
    uint8_t buf[4096];

    (void)state;
    make_socket(&t);
    wr(&t, CR, CR_ON);
    wr(&t, LCR_H, FEN | 0x60);
    while (!(rd(&t, FR) & FR_TXFF)) {
        assert_true(written < (16u << 20));
        wr(&t, DR, (uint8_t)(written++ % 251));
    }
    assert_int_equal(rd(&t, FR) & (FR_TXFF | FR_BUSY | FR_TXFE), FR_TXFF | FR_BUSY);
    assert_int_equal(rd(&t, RIS) & INT_TX, 0);
    wr(&t, IMSC, INT_TX); /* Linux unmasks TXIM once the FIFO is full */
    assert_false(line(&t));
    wr(&t, DR, 0xff); /* lost: the guest did not wait for TXFF */
    fake_device_reset();
    for (int i = 0; i < 100000 && !(received == written && (rd(&t, FR) & FR_TXFE)); i++) {
        size_t n = client_read(&t, buf, sizeof(buf));

        for (size_t k = 0; k < n; k++)
            assert_int_equal(buf[k], (received + k) % 251);
        received += n;
        run_loop(&t, 1);
    }
    assert_int_equal(received, written);
    assert_int_equal(rd(&t, FR) & (FR_TXFF | FR_BUSY | FR_TXFE), FR_TXFE);
    assert_true(line(&t));
    assert_int_equal(rd(&t, MIS), INT_TX);
    assert_true(fake_device_changes() > 0);
    /* pl011_tx_chars(from_irq): fifosize/2 bytes without looking at TXFF,
     * which the interrupt's level guarantees room for; none is lost. */
    for (unsigned i = 0; i < 8; i++)
        wr(&t, DR, (uint8_t)(written++ % 251));
    for (int i = 0; i < 1000 && received < written; i++) {
        size_t n = client_read(&t, buf, sizeof(buf));

        for (size_t k = 0; k < n; k++)
            assert_int_equal(buf[k], (received + k) % 251);
        received += n;
        run_loop(&t, 1);
    }
    assert_int_equal(received, written);
    free_pl011(&t);
}

/* Loopback: the modem outputs are the inputs (RTS->CTS, DTR->DSR,
 * Out1->DCD, Out2->RI), each change latching its interrupt. */
static void test_loopback_modem_lines(void **state)
{
    struct pl011_test t;

    (void)state;
    make_pl011(&t, "null");
    wr(&t, CR, CR_LOOP);
    /* the carrier's lines dropped on entering loopback */
    assert_int_equal(rd(&t, FR) & (FR_CTS | FR_DSR | FR_DCD | FR_RI), 0);
    assert_int_equal(rd(&t, RIS), INT_CTSM | INT_DSRM | INT_DCDM);
    wr(&t, ICR, 0x7ff);
    wr(&t, IMSC, INT_CTSM | INT_DSRM | INT_DCDM | INT_RIM);
    wr(&t, CR, CR_LOOP | CR_RTS);
    assert_int_equal(rd(&t, FR) & 0x107, FR_CTS);
    assert_int_equal(rd(&t, MIS), INT_CTSM);
    assert_true(line(&t));
    wr(&t, ICR, INT_CTSM);
    assert_false(line(&t));
    wr(&t, CR, CR_LOOP | CR_RTS | CR_DTR | CR_OUT1 | CR_OUT2);
    assert_int_equal(rd(&t, FR) & 0x107, FR_CTS | FR_DSR | FR_DCD | FR_RI);
    assert_int_equal(rd(&t, MIS), INT_DSRM | INT_DCDM | INT_RIM);
    wr(&t, ICR, 0x7ff);
    assert_false(line(&t));
    free_pl011(&t);
}

/* A socket peer is the carrier: CTS, DSR and DCD follow it. */
static void test_socket_carrier(void **state)
{
    struct pl011_test t;

    (void)state;
    make_listening(&t, NULL);
    wr(&t, CR, CR_ON); /* the backend reads (and sees the peer go) with RXE */
    assert_int_equal(rd(&t, FR) & 0x107, 0);
    wr(&t, IMSC, INT_CTSM | INT_DSRM | INT_DCDM);
    fake_device_reset();
    connect_client(&t);
    assert_int_equal(rd(&t, FR) & 0x107, FR_CTS | FR_DSR | FR_DCD);
    assert_int_equal(rd(&t, MIS), INT_CTSM | INT_DSRM | INT_DCDM);
    assert_true(line(&t));
    assert_int_equal(fake_device_changes(), 1);
    wr(&t, ICR, 0x7ff);
    close(t.fx.client);
    t.fx.client = -1;
    run_loop(&t, 10);
    assert_int_equal(rd(&t, FR) & 0x107, 0);
    assert_int_equal(rd(&t, MIS), INT_CTSM | INT_DSRM | INT_DCDM);
    free_pl011(&t);
}

/*
 * 40 bytes from the host while the guest does not read: nothing is read
 * while the receiver is off, then the FIFO (or the holding register)
 * fills and reading stops; no overrun, every byte arrives in order.
 */
static void rx_flow_control(bool fifo)
{
    struct pl011_test t;
    uint8_t data[40];
    unsigned next = 0, got = 0;

    make_socket(&t);
    wr(&t, CR, 0);
    if (fifo)
        wr(&t, LCR_H, FEN);
    for (unsigned i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)i;
    assert_int_equal(send(t.fx.client, data, sizeof(data), 0), sizeof(data));
    run_loop(&t, 20);
    assert_int_equal(rd(&t, FR) & FR_RXFE, FR_RXFE); /* the receiver is off */
    wr(&t, CR, CR_ON);
    run_loop(&t, 50);
    assert_int_equal(rd(&t, FR) & FR_RXFF, FR_RXFF);
    while (!(rd(&t, FR) & FR_RXFE)) {
        assert_int_equal(rd(&t, DR), next++);
        got++;
    }
    assert_int_equal(got, fifo ? 16 : 1);
    for (int i = 0; i < 10000 && next < sizeof(data); i++) {
        run_loop(&t, 1);
        if (!(rd(&t, FR) & FR_RXFE))
            assert_int_equal(rd(&t, DR), next++);
    }
    assert_int_equal(next, sizeof(data));
    assert_int_equal(rd(&t, RSR), 0);
    assert_int_equal(rd(&t, RIS) & INT_OE, 0);
    free_pl011(&t);
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

/* Host input in loopback waits for the guest to leave it. */
static void test_loopback_holds_host_input(void **state)
{
    struct pl011_test t;

    (void)state;
    make_socket(&t);
    wr(&t, LCR_H, FEN);
    wr(&t, CR, CR_LOOP);
    assert_int_equal(send(t.fx.client, "hi", 2, 0), 2);
    run_loop(&t, 20);
    assert_int_equal(rd(&t, FR) & FR_RXFE, FR_RXFE);
    wr(&t, DR, 'L');
    assert_int_equal(rd(&t, DR), 'L');
    wr(&t, CR, CR_ON);
    run_loop(&t, 20);
    assert_int_equal(rd(&t, DR), 'h');
    assert_int_equal(rd(&t, DR), 'i');
    free_pl011(&t);
}

/* ---- crash snapshots ----------------------------------------------------- */

/* save()'s layout, version 1 (pl011.c). */
enum { SNAP_CR = 0, SNAP_IMSC = 2, SNAP_IBRD = 4, SNAP_IBRD_L = 6, SNAP_LCR_H = 8,
       SNAP_IFLS = 9, SNAP_FBRD = 10, SNAP_FBRD_L = 11, SNAP_ILPR = 12, SNAP_DMACR = 13,
       SNAP_RSR = 14, SNAP_RIS = 15, SNAP_OE = 17, SNAP_CARRIER = 18, SNAP_RX = 19 };

/*
 * Far from reset: 8N1 with FIFOs at divisor 13 + 1/64, TX trigger 1/4,
 * every interrupt unmasked, DTR | RTS, ILPR and DMACR set, the client's
 * modem deltas, TXRIS from a byte sent, and five host bytes waiting below
 * the trigger after wrapping round the ring (RT): the line is up.
 */
static void make_rich(struct pl011_test *t, struct chardev_wire *wire)
{
    uint8_t buf[4];

    make_listening(t, wire);
    connect_client(t);
    wr(t, CR, 0);
    wr(t, FBRD, 1);
    wr(t, IBRD, 13);
    wr(t, LCR_H, FEN | 0x60);
    wr(t, IFLS, 0x11);
    wr(t, ILPR, 7);
    wr(t, DMACR, 4);
    wr(t, CR, CR_ON | CR_DTR | CR_RTS);
    assert_int_equal(send(t->fx.client, "0123456789ab", 12, 0), 12);
    run_loop(t, 10);
    for (int i = 0; i < 12; i++)
        assert_int_equal(rd(t, DR), "0123456789ab"[i]);
    wr(t, IMSC, 0x7ff);
    wr(t, DR, 'x');
    assert_int_equal(send(t->fx.client, "hello", 5, 0), 5);
    run_loop(t, 10);
    assert_int_equal(client_read(t, buf, sizeof(buf)), 1);
    assert_true(line(t));
}

static void kit_make(void *t, bool far_from_reset)
{
    if (far_from_reset)
        make_rich(t, NULL);
    else
        make_listening(t, NULL);
}

static void kit_free(void *t)
{
    free_pl011(t);
}

static const struct harness_kit kit = { sizeof(struct pl011_test),
                                        offsetof(struct pl011_test, fx.dev), kit_make, kit_free };

static void expect_same_registers(struct pl011_test *a, struct pl011_test *b)
{
    static const unsigned regs[] = { RSR, FR, ILPR, IBRD, FBRD, LCR_H, CR, IFLS, IMSC, RIS,
                                     MIS, DMACR };

    assert_int_equal(line(a), line(b));
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        assert_int_equal(rd(a, regs[i]), rd(b, regs[i]));
}

static void test_snapshot_round_trip(void **state)
{
    struct chardev_wire wire = { 0 };
    struct pl011_test a, b;
    uint8_t buf[DEVICE_STATE_MAX], out[8];
    size_t n;

    (void)state;
    make_rich(&a, &wire);
    n = harness_save(&a.fx.dev, buf, sizeof(buf));
    assert_int_equal(buf[SNAP_RX], 5);
    assert_int_equal(buf[SNAP_RX + 1], 'h');
    assert_int_equal(buf[SNAP_RIS], INT_TX | INT_CTSM | INT_DSRM | INT_DCDM);

    make_listening(&b, &wire);
    assert_false(line(&b));
    harness_expect_round_trip(&b.fx.dev, buf, n);
    assert_true(line(&b));
    assert_int_equal(fake_irq_rises(b.fx.irq), 1);
    connect_client(&b); /* the device knew of its peer: no new delta */
    expect_same_registers(&a, &b);
    assert_int_equal(rd(&b, MIS), INT_TX | INT_RT | INT_CTSM | INT_DSRM | INT_DCDM);
    for (int i = 0; i < 5; i++) {
        uint32_t v = rd(&a, DR);

        assert_int_equal(rd(&b, DR), v);
        assert_int_equal(v, "hello"[i]);
    }
    expect_same_registers(&a, &b);
    /* New input comes in after what the snapshot held; output goes out. */
    assert_int_equal(send(b.fx.client, "z", 1, 0), 1);
    run_loop(&b, 10);
    assert_int_equal(rd(&b, DR), 'z');
    wr(&b, DR, 'q');
    run_loop(&b, 5);
    assert_int_equal(client_read(&b, out, sizeof(out)), 1);
    assert_int_equal(out[0], 'q');
    free_pl011(&a);
    free_pl011(&b);
}

/* Congested output held in the transmit FIFO is saved, and restored into a
 * UART with no client it goes out (discarded, as with nobody on the line). */
static void test_snapshot_congested(void **state)
{
    struct pl011_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n, tx_at;

    (void)state;
    make_socket(&a);
    wr(&a, CR, CR_ON);
    wr(&a, LCR_H, FEN);
    for (size_t i = 0; !(rd(&a, FR) & FR_TXFF); i++) {
        assert_true(i < (16u << 20));
        wr(&a, DR, 'k');
    }
    n = harness_save(&a.fx.dev, buf, sizeof(buf));
    tx_at = SNAP_RX + 1 + 2u * buf[SNAP_RX];
    assert_int_equal(buf[tx_at], 16);
    assert_memory_equal(&buf[tx_at + 1], "kkkkkkkkkkkkkkkk", 16);
    make_listening(&b, NULL);
    assert_int_equal(harness_restore(&b.fx.dev, buf, n, false), 0);
    assert_int_equal(rd(&b, FR) & (FR_TXFF | FR_BUSY | FR_TXFE), FR_TXFE);
    assert_int_equal(harness_restore(&b.fx.dev, buf, n, true), 0);
    assert_int_equal(rd(&b, CR), CR_ON);
    assert_int_equal(rd(&b, LCR_H), FEN);
    for (int i = 0; i < 1000 && !(rd(&b, FR) & FR_TXFE); i++)
        run_loop(&b, 1);
    assert_int_equal(rd(&b, FR) & (FR_TXFF | FR_BUSY | FR_TXFE), FR_TXFE);
    free_pl011(&a);
    free_pl011(&b);
}

static void run_loop_5(void *ctx)
{
    run_loop(ctx, 5);
}

static void test_snapshot_check_changes_nothing(void **state)
{
    struct pl011_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    size_t n;

    (void)state;
    make_rich(&a, NULL);
    n = harness_save(&a.fx.dev, buf, sizeof(buf));
    make_listening(&b, NULL);
    harness_expect_check_changes_nothing(&b.fx.dev, buf, n, run_loop_5, &b);
    assert_int_equal(rd(&b, CR), 0x300);
    free_pl011(&a);
    free_pl011(&b);
}

static void test_snapshot_truncated_or_long(void **state)
{
    (void)state;
    harness_test_exact_length(&kit);
}

static void test_snapshot_bad_fields(void **state)
{
    static const struct harness_field bad[] = {
        { SNAP_CR, 2, 0x0308 },      /* reserved CR bits */
        { SNAP_IMSC, 2, 0x0800 },    /* beyond the 11 interrupts */
        { SNAP_LCR_H, 1, 0x60 },     /* no FIFOs: 5 bytes do not fit */
        { SNAP_IFLS, 1, 0x40 },
        { SNAP_FBRD, 1, 0x40 },
        { SNAP_FBRD_L, 1, 0x80 },
        { SNAP_DMACR, 1, 0x08 },
        { SNAP_RSR, 1, 0x01 },       /* FE never occurs */
        { SNAP_RIS, 2, INT_RX },     /* follows the FIFO, never latched */
        { SNAP_RIS, 2, INT_RT },
        { SNAP_RIS, 2, 0x080 },      /* FE */
        { SNAP_OE, 1, 2 },           /* bools */
        { SNAP_CARRIER, 1, 2 },
        { SNAP_RX, 1, 17 },          /* more than a FIFO holds */
        { SNAP_RX + 1, 2, 0x0100 },  /* an entry with a never-raised error */
        { SNAP_RX + 1, 2, 0x1068 },
    };
    static const struct harness_field good[] = {
        { SNAP_CR, 2, 0xff87 },
        { SNAP_IMSC, 2, 0x07ff },
        { SNAP_IBRD, 2, 0xffff },
        { SNAP_IBRD_L, 2, 0xffff },
        { SNAP_LCR_H, 1, 0xff },
        { SNAP_IFLS, 1, 0x3f },
        { SNAP_ILPR, 1, 0xff },
        { SNAP_DMACR, 1, 0x07 },
        { SNAP_RSR, 1, 0x08 },
        { SNAP_RIS, 2, 0x042f },
        { SNAP_OE, 1, 1 },
        { SNAP_CARRIER, 1, 0 },      /* a socket may have no peer */
        { SNAP_RX + 1, 2, 0x0868 },  /* DR.OE */
    };

    (void)state;
    harness_test_fields(&kit, bad, sizeof(bad) / sizeof(bad[0]), good,
                        sizeof(good) / sizeof(good[0]), NULL);
}

/* What is taken works: every register read, the FIFO drained, a byte sent. */
static void use_registers(void *ctx)
{
    struct pl011_test *t = ctx;

    for (unsigned off = 0; off < 0x50; off += 4)
        if (off != DR)
            rd(t, off);
    for (int k = 0; k < 20; k++)
        rd(t, DR);
    wr(t, DR, 'q');
    wr(t, CR, CR_LOOP);
    wr(t, DR, 'r');
    rd(t, DR);
    run_loop(t, 2);
}

static void test_snapshot_damaged_bytes(void **state)
{
    static const uint8_t values[] = { 0x00, 0x01, 0x02, 0x10, 0x7f, 0x80, 0xfe, 0xff };

    (void)state;
    log_init(LOG_TARGET_STDERR, LOG_ERR); /* damaged positions warn, as they should */
    harness_test_damaged_bytes(&kit, values, sizeof(values), use_registers);
    log_init(LOG_TARGET_STDERR, LOG_WARNING);
}

/* A null backend always has a peer: a snapshot saying otherwise is not
 * its own. */
static void test_snapshot_fixed_carrier(void **state)
{
    struct pl011_test a, b;
    uint8_t buf[DEVICE_STATE_MAX];
    struct harness_fresh fresh;
    size_t n;

    (void)state;
    make_pl011(&a, "null");
    n = harness_save(&a.fx.dev, buf, sizeof(buf));
    assert_int_equal(buf[SNAP_CARRIER], 1);
    make_pl011(&b, "null");
    harness_fresh(&fresh, &b.fx.dev);
    buf[SNAP_CARRIER] = 0;
    harness_expect_rejected(&fresh, buf, n);
    free_pl011(&a);
    free_pl011(&b);
}

static void test_snapshot_size(void **state)
{
    struct pl011_test a;

    (void)state;
    make_rich(&a, NULL);
    assert_true(harness_expect_snapshot_size(&a.fx.dev) < 120);
    free_pl011(&a);
}

/* Host input asks for a save. */
static void test_device_changed(void **state)
{
    struct pl011_test t;

    (void)state;
    make_socket(&t);
    wr(&t, CR, CR_ON);
    fake_device_reset();
    assert_int_equal(send(t.fx.client, "a", 1, 0), 1);
    run_loop(&t, 10);
    assert_int_equal(fake_device_changes(), 1);
    assert_ptr_equal(fake_device_last_changed(), &t.fx.dev);
    free_pl011(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_values_and_ids),
        cmocka_unit_test(test_fifo_and_holding_modes),
        cmocka_unit_test(test_baud_registers),
        cmocka_unit_test(test_rx_trigger_levels),
        cmocka_unit_test(test_tx_interrupt),
        cmocka_unit_test(test_tx_congestion),
        cmocka_unit_test(test_loopback_modem_lines),
        cmocka_unit_test(test_socket_carrier),
        cmocka_unit_test(test_rx_flow_control_fifo),
        cmocka_unit_test(test_rx_flow_control_no_fifo),
        cmocka_unit_test(test_loopback_holds_host_input),
        cmocka_unit_test(test_snapshot_round_trip),
        cmocka_unit_test(test_snapshot_congested),
        cmocka_unit_test(test_snapshot_check_changes_nothing),
        cmocka_unit_test(test_snapshot_truncated_or_long),
        cmocka_unit_test(test_snapshot_bad_fields),
        cmocka_unit_test(test_snapshot_damaged_bytes),
        cmocka_unit_test(test_snapshot_fixed_carrier),
        cmocka_unit_test(test_snapshot_size),
        cmocka_unit_test(test_device_changed),
    };

    log_init(LOG_TARGET_STDERR, LOG_WARNING);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
