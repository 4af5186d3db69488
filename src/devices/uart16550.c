/* SPDX-License-Identifier: MIT */
/*
 * ns16550: a 16550A UART, as Linux's 8250 driver and the TI/NS PC16550D
 * datasheet expect it (Linux's autoconfig identifies it as a 16550A).
 *
 * Registers sit at offset reg << reg_shift:
 *
 *   0 RBR (read) / THR (write), DLL when LCR.DLAB = 1
 *   1 IER, DLM when LCR.DLAB = 1
 *   2 IIR (read) / FCR (write)
 *   3 LCR    4 MCR    5 LSR    6 MSR    7 SCR
 *
 * The host side is a chardev; the serial line itself is a byte pipe.  Word
 * length, parity, stop bits and the divisor are stored and read back but
 * do not shape the data: bytes travel as 8 bits, at the host's speed.
 * Choices where the datasheet leaves room or the host differs from a wire:
 *
 *  - Character timeout: data below the FIFO trigger level is reported as a
 *    timeout interrupt (IIR 0xCC) at once rather than after 4 character
 *    times.  Drivers read until LSR.DR clears either way, and a host burst
 *    arrives all at once, so a timer would only add latency.
 *  - PE, FE and BI never occur (host bytes carry no framing), so LSR bit 7
 *    stays 0; OE occurs only in loopback, where the guest feeds itself:
 *    host input is flow controlled and never overruns.
 *  - With reg_shift > 0 an access that does not start on a register
 *    boundary reads 0 and writes are ignored (reserved bytes of a wide
 *    register); an aligned access of any width reaches the register, whose
 *    value is the low byte.
 *  - Interrupt wiring: attached at a port, the line is gated by MCR.OUT2 as
 *    on a PC (and therefore off in loopback, where the OUT2 pin is forced
 *    inactive).  At MMIO it is not gated: Arm boards do not wire OUT2.
 *  - RBR reads 0 when no data is waiting.
 *
 * Flow control, so that no host byte is ever dropped: rx_room() reports the
 * free space of the receive FIFO (one byte without FIFOs, none in loopback)
 * and the backend stops reading while it is 0; every guest action that
 * makes room calls chardev_rx_resume().  Transmit goes straight to the
 * backend; what it cannot take waits in the transmit FIFO with THRE and
 * TEMT clear until tx_ready(), so a polling guest waits on LSR.  A THR
 * write while that FIFO is full is lost, as on real hardware, and counted.
 * Bytes already in the guest's FIFOs are lost only when the guest resets
 * them through FCR.
 *
 * Crash restart (docs/restart.md): the snapshot holds every register, both
 * FIFOs and the chardev's stream positions; host input, output the backend
 * took and carrier changes arrive outside register accesses and ask for a
 * save with device_changed().
 */
#include "device.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "../log.h"
#include "../snapshot.h"
#include "chardev.h"

#define UART_FIFO_SIZE 16
#define UART_NUM_REGS 8
#define UART_MAX_REG_SHIFT 2

enum uart_reg { REG_DATA, REG_IER, REG_IIR_FCR, REG_LCR, REG_MCR, REG_LSR, REG_MSR, REG_SCR };

#define IER_RDI 0x01  /* received data available */
#define IER_THRI 0x02 /* transmitter holding register empty */
#define IER_RLSI 0x04 /* receiver line status */
#define IER_MSI 0x08  /* modem status */
#define IER_MASK 0x0f

#define IIR_MSI 0x00
#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_CTI 0x0c /* character timeout */
#define IIR_FIFOS_ENABLED 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_DMA_MODE 0x08
#define FCR_TRIGGER_SHIFT 6
#define FCR_KEPT (FCR_ENABLE | FCR_DMA_MODE | 0xc0)

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_DELTAS 0x0f
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

static const unsigned rx_trigger_levels[4] = { 1, 4, 8, 14 };

struct uart_fifo {
    uint8_t data[UART_FIFO_SIZE];
    unsigned head, count;
};

struct uart {
    struct device *dev;
    struct chardev *chr;
    unsigned reg_shift;
    bool gate_out2; /* PC wiring: the line only reaches the PIC with OUT2 */
    bool carrier_fixed; /* the backend always has a peer (not socket or pty) */
    uint8_t ier, lcr, mcr, fcr, scr;
    uint8_t lsr_errors; /* sticky LSR bits, cleared by reading LSR */
    uint8_t msr;        /* lines (high nibble) and deltas (low nibble) */
    uint16_t divisor;
    bool thr_ipending;  /* THRE interrupt armed, cleared by IIR read or THR write */
    bool carrier;       /* the backend has a peer */
    struct uart_fifo rx, tx;
    uint64_t tx_lost;
    struct log_ratelimit tx_lost_rl;
};

/* ---- FIFOs -------------------------------------------------------------- */

static void fifo_push(struct uart_fifo *f, uint8_t byte)
{
    f->data[(f->head + f->count) % UART_FIFO_SIZE] = byte;
    f->count++;
}

static uint8_t fifo_pop(struct uart_fifo *f)
{
    uint8_t byte = f->data[f->head];

    f->head = (f->head + 1) % UART_FIFO_SIZE;
    f->count--;
    return byte;
}

static void fifo_clear(struct uart_fifo *f)
{
    f->head = 0;
    f->count = 0;
}

static bool fifos_enabled(const struct uart *u)
{
    return u->fcr & FCR_ENABLE;
}

/* Without FIFOs the receiver and transmitter each hold one byte. */
static unsigned fifo_capacity(const struct uart *u)
{
    return fifos_enabled(u) ? UART_FIFO_SIZE : 1;
}

static bool loopback(const struct uart *u)
{
    return u->mcr & MCR_LOOP;
}

/* ---- interrupts --------------------------------------------------------- */

/* The highest-priority pending and enabled source, as IIR bits 3:0. */
static uint8_t interrupt_source(const struct uart *u)
{
    if ((u->ier & IER_RLSI) && (u->lsr_errors & LSR_ERRORS))
        return IIR_RLSI;
    if ((u->ier & IER_RDI) && u->rx.count > 0) {
        if (fifos_enabled(u) && u->rx.count < rx_trigger_levels[u->fcr >> FCR_TRIGGER_SHIFT])
            return IIR_CTI;
        return IIR_RDI;
    }
    if ((u->ier & IER_THRI) && u->thr_ipending)
        return IIR_THRI;
    if ((u->ier & IER_MSI) && (u->msr & MSR_DELTAS))
        return IIR_MSI;
    return IIR_NO_INT;
}

/* Called after every change of state an interrupt depends on; the core
 * only tells Xen when the level actually changes. */
static void update_irq(struct uart *u)
{
    bool level = interrupt_source(u) != IIR_NO_INT;

    if (u->gate_out2 && (!(u->mcr & MCR_OUT2) || loopback(u)))
        level = false;
    irq_line_set(u->dev->irq, level);
}

/* ---- modem status ------------------------------------------------------- */

/* The modem inputs: MCR outputs in loopback, else the backend's peer. */
static uint8_t modem_lines_for(uint8_t mcr, bool carrier)
{
    uint8_t lines = 0;

    if (!(mcr & MCR_LOOP))
        return carrier ? MSR_CTS | MSR_DSR | MSR_DCD : 0;
    if (mcr & MCR_DTR)
        lines |= MSR_DSR;
    if (mcr & MCR_RTS)
        lines |= MSR_CTS;
    if (mcr & MCR_OUT1)
        lines |= MSR_RI;
    if (mcr & MCR_OUT2)
        lines |= MSR_DCD;
    return lines;
}

static uint8_t modem_lines(const struct uart *u)
{
    return modem_lines_for(u->mcr, u->carrier);
}

/* Recompute the lines and latch what changed in the delta bits. */
static void update_msr(struct uart *u)
{
    uint8_t old = u->msr & ~MSR_DELTAS;
    uint8_t now = modem_lines(u);
    uint8_t changed = old ^ now;
    uint8_t deltas = u->msr & MSR_DELTAS;

    if (changed & MSR_CTS)
        deltas |= MSR_DCTS;
    if (changed & MSR_DSR)
        deltas |= MSR_DDSR;
    if (changed & MSR_DCD)
        deltas |= MSR_DDCD;
    if ((old & MSR_RI) && !(now & MSR_RI)) /* trailing edge only */
        deltas |= MSR_TERI;
    u->msr = now | deltas;
}

/* ---- receive ------------------------------------------------------------ */

static void rx_push(struct uart *u, uint8_t byte)
{
    if (u->rx.count < fifo_capacity(u)) {
        fifo_push(&u->rx, byte);
        return;
    }
    /* Overrun: without FIFOs the new byte replaces the unread one; with
     * them it dies in the shift register. */
    u->lsr_errors |= LSR_OE;
    if (!fifos_enabled(u))
        u->rx.data[u->rx.head] = byte;
}

/* The guest made room or left loopback: let the backend read again. */
static void rx_room_changed(struct uart *u)
{
    if (!loopback(u) && u->rx.count < fifo_capacity(u))
        chardev_rx_resume(u->chr);
}

static size_t client_rx_room(void *opaque)
{
    struct uart *u = opaque;

    /* In loopback the receiver is cut from the line: host input waits. */
    if (loopback(u))
        return 0;
    return fifo_capacity(u) - u->rx.count;
}

static void client_rx(void *opaque, const uint8_t *buf, size_t len)
{
    struct uart *u = opaque;

    for (size_t i = 0; i < len; i++)
        rx_push(u, buf[i]);
    update_irq(u);
    /* The chardev takes these bytes out of the socket only after this
     * returns: the saved FIFO must hold them by then (chardev.c). */
    device_changed(u->dev);
}

static void client_carrier(void *opaque, bool connected)
{
    struct uart *u = opaque;

    if (u->carrier == connected)
        return; /* after a restart the chardev says again what we know */
    u->carrier = connected;
    update_msr(u);
    update_irq(u);
    device_changed(u->dev);
}

/* ---- transmit ----------------------------------------------------------- */

/* The transmitter went idle: THRE (and TEMT) are set again. */
static void tx_emptied(struct uart *u)
{
    u->thr_ipending = true;
    update_irq(u);
}

static void tx_byte(struct uart *u, uint8_t byte)
{
    u->thr_ipending = false;
    if (loopback(u)) {
        rx_push(u, byte);
        u->thr_ipending = u->tx.count == 0;
    } else if (u->tx.count == 0 && chardev_write(u->chr, &byte, 1) == 1) {
        u->thr_ipending = true;
    } else if (u->tx.count < fifo_capacity(u)) {
        fifo_push(&u->tx, byte); /* the backend is congested: wait */
    } else {
        u->tx_lost++;
        log_limited(&u->tx_lost_rl, LOG_WARNING,
                    &((struct log_fields){ .device = u->dev->name, .vcpu = -1 }),
                    "THR written while the transmit FIFO was full: byte lost (%" PRIu64
                    " so far); the guest did not wait for LSR.THRE",
                    u->tx_lost);
    }
    update_irq(u);
}

/* Hand the backend what waits in the transmit FIFO; true once it is empty. */
static bool tx_drain(struct uart *u)
{
    while (u->tx.count > 0) {
        unsigned run = UART_FIFO_SIZE - u->tx.head;
        size_t sent;

        if (run > u->tx.count)
            run = u->tx.count;
        sent = chardev_write(u->chr, &u->tx.data[u->tx.head], run);
        u->tx.head = (u->tx.head + (unsigned)sent) % UART_FIFO_SIZE;
        u->tx.count -= (unsigned)sent;
        if (sent < run)
            return false;
    }
    return true;
}

/* The backend has room again. */
static void client_tx_ready(void *opaque)
{
    struct uart *u = opaque;
    unsigned held = u->tx.count;

    if (held == 0)
        return; /* nothing waited (the guest may have reset the FIFO) */
    if (tx_drain(u))
        tx_emptied(u);
    /* The FIFO moved on, THRE may be back: what the guest sees changed. */
    if (u->tx.count != held)
        device_changed(u->dev);
}

/* ---- register writes ---------------------------------------------------- */

static void write_ier(struct uart *u, uint8_t val)
{
    uint8_t old = u->ier;

    u->ier = val & IER_MASK;
    /* Enabling THRI while the transmitter is idle raises THRE again: the
     * Linux 8250 driver's THRE test and Windows depend on it. */
    if ((u->ier & IER_THRI) && !(old & IER_THRI) && u->tx.count == 0)
        u->thr_ipending = true;
    else if (!(u->ier & IER_THRI))
        u->thr_ipending = false;
    update_irq(u);
}

static void write_fcr(struct uart *u, uint8_t val)
{
    bool enable = val & FCR_ENABLE;
    bool had_tx = u->tx.count > 0;

    /* Switching the FIFOs on or off empties both (datasheet, FCR0). */
    if (enable != fifos_enabled(u))
        val |= FCR_CLEAR_RX | FCR_CLEAR_TX;
    if (val & FCR_CLEAR_RX)
        fifo_clear(&u->rx);
    if (val & FCR_CLEAR_TX)
        fifo_clear(&u->tx);
    /* The other bits are only programmed together with FCR0 = 1. */
    u->fcr = enable ? (uint8_t)(val & FCR_KEPT) : 0;
    if (had_tx && u->tx.count == 0)
        u->thr_ipending = true;
    rx_room_changed(u);
    update_irq(u);
}

static void write_mcr(struct uart *u, uint8_t val)
{
    u->mcr = val & MCR_MASK;
    update_msr(u);
    rx_room_changed(u);
    update_irq(u);
}

static void write_reg(struct uart *u, unsigned reg, uint8_t val)
{
    bool dlab = u->lcr & LCR_DLAB;

    switch (reg) {
    case REG_DATA:
        if (dlab)
            u->divisor = (uint16_t)((u->divisor & 0xff00) | val);
        else
            tx_byte(u, val);
        break;
    case REG_IER:
        if (dlab)
            u->divisor = (uint16_t)((u->divisor & 0x00ff) | val << 8);
        else
            write_ier(u, val);
        break;
    case REG_IIR_FCR:
        write_fcr(u, val);
        break;
    case REG_LCR:
        u->lcr = val;
        break;
    case REG_MCR:
        write_mcr(u, val);
        break;
    case REG_LSR:
    case REG_MSR:
        break; /* read-only (factory test registers on real parts) */
    case REG_SCR:
        u->scr = val;
        break;
    }
}

/* ---- register reads ----------------------------------------------------- */

static uint8_t read_rbr(struct uart *u)
{
    uint8_t byte;

    if (u->rx.count == 0)
        return 0;
    byte = fifo_pop(&u->rx);
    rx_room_changed(u);
    update_irq(u);
    return byte;
}

static uint8_t read_iir(struct uart *u)
{
    uint8_t source = interrupt_source(u);

    /* Reading IIR acknowledges THRE when it is what IIR reports. */
    if (source == IIR_THRI) {
        u->thr_ipending = false;
        update_irq(u);
    }
    return (uint8_t)(source | (fifos_enabled(u) ? IIR_FIFOS_ENABLED : 0));
}

static uint8_t read_lsr(struct uart *u)
{
    uint8_t lsr = u->lsr_errors;

    if (u->rx.count > 0)
        lsr |= LSR_DR;
    if (u->tx.count == 0)
        lsr |= LSR_THRE | LSR_TEMT;
    if (u->lsr_errors) {
        u->lsr_errors = 0;
        update_irq(u);
    }
    return lsr;
}

static uint8_t read_msr(struct uart *u)
{
    uint8_t msr = u->msr;

    if (msr & MSR_DELTAS) {
        u->msr &= (uint8_t)~MSR_DELTAS;
        update_irq(u);
    }
    return msr;
}

static uint8_t read_reg(struct uart *u, unsigned reg)
{
    bool dlab = u->lcr & LCR_DLAB;

    switch (reg) {
    case REG_DATA:
        return dlab ? (uint8_t)u->divisor : read_rbr(u);
    case REG_IER:
        return dlab ? (uint8_t)(u->divisor >> 8) : u->ier;
    case REG_IIR_FCR:
        return read_iir(u);
    case REG_LCR:
        return u->lcr;
    case REG_MCR:
        return u->mcr;
    case REG_LSR:
        return read_lsr(u);
    case REG_MSR:
        return read_msr(u);
    default:
        return u->scr;
    }
}

/* ---- region ops --------------------------------------------------------- */

/* The register an access addresses; false between register boundaries. */
static bool register_at(const struct uart *u, uint64_t offset, unsigned *reg)
{
    if (offset & ((1u << u->reg_shift) - 1))
        return false;
    offset >>= u->reg_shift;
    if (offset >= UART_NUM_REGS)
        return false;
    *reg = (unsigned)offset;
    return true;
}

static uint64_t uart_read(void *opaque, uint64_t offset, unsigned size)
{
    struct uart *u = opaque;
    unsigned reg;

    (void)size;
    if (!register_at(u, offset, &reg))
        return 0;
    return read_reg(u, reg);
}

static void uart_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct uart *u = opaque;
    unsigned reg;

    (void)size;
    if (register_at(u, offset, &reg))
        write_reg(u, reg, (uint8_t)value);
}

static const struct region_ops uart_ops = {
    .read = uart_read,
    .write = uart_write,
};

/* ---- crash snapshot ----------------------------------------------------- */

/*
 * Layout (version 1): IER, LCR, MCR, FCR, SCR, the sticky LSR bits, MSR
 * (lines and deltas), the divisor (16 bits), thr_ipending, carrier, the
 * receive FIFO and the transmit FIFO (each a count byte, then the bytes
 * oldest first), tx_lost (64 bits), then the chardev's part.  At most
 * 11 + 2 * 17 + 8 bytes before the chardev's, which is 28 plus its held
 * output (4 KiB at most).
 */
struct uart_snap {
    uint8_t ier, lcr, mcr, fcr, scr, lsr_errors, msr;
    uint16_t divisor;
    bool thr_ipending, carrier;
    struct uart_fifo rx, tx; /* head 0 */
    uint64_t tx_lost;
};

static void put_fifo(struct snap_out *out, const struct uart_fifo *f)
{
    snap_put_u8(out, (uint8_t)f->count);
    for (unsigned i = 0; i < f->count; i++)
        snap_put_u8(out, f->data[(f->head + i) % UART_FIFO_SIZE]);
}

static void uart_save(struct device *dev, struct snap_out *out)
{
    const struct uart *u = dev->state;

    snap_put_u8(out, u->ier);
    snap_put_u8(out, u->lcr);
    snap_put_u8(out, u->mcr);
    snap_put_u8(out, u->fcr);
    snap_put_u8(out, u->scr);
    snap_put_u8(out, u->lsr_errors);
    snap_put_u8(out, u->msr);
    snap_put_u16(out, u->divisor);
    snap_put_bool(out, u->thr_ipending);
    snap_put_bool(out, u->carrier);
    put_fifo(out, &u->rx);
    put_fifo(out, &u->tx);
    snap_put_u64(out, u->tx_lost);
    chardev_save(u->chr, out); /* last: restore() reads it again to apply it */
}

/* A FIFO of at most `capacity` bytes (never more than it has room for,
 * whatever the count says); false when the count is larger. */
static bool get_fifo(struct snap_in *in, struct uart_fifo *f, unsigned capacity)
{
    f->head = 0;
    f->count = snap_get_u8(in);
    if (f->count > capacity)
        return false;
    return snap_get_bytes(in, f->data, f->count);
}

/* Our fields, in save()'s order; false when they run out or a FIFO count
 * cannot be right (the rest is checked by snap_valid()). */
static bool get_snap(struct snap_in *in, struct uart_snap *s)
{
    unsigned capacity;

    s->ier = snap_get_u8(in);
    s->lcr = snap_get_u8(in);
    s->mcr = snap_get_u8(in);
    s->fcr = snap_get_u8(in);
    s->scr = snap_get_u8(in);
    s->lsr_errors = snap_get_u8(in);
    s->msr = snap_get_u8(in);
    s->divisor = snap_get_u16(in);
    s->thr_ipending = snap_get_bool(in);
    s->carrier = snap_get_bool(in);
    /* Without FIFOs the receiver and the transmitter hold one byte each. */
    capacity = (s->fcr & FCR_ENABLE) ? UART_FIFO_SIZE : 1;
    if (!get_fifo(in, &s->rx, capacity) || !get_fifo(in, &s->tx, capacity))
        return false;
    s->tx_lost = snap_get_u64(in);
    return !in->bad;
}

/*
 * Only what the registers can hold: IER and MCR without undefined bits;
 * FCR as write_fcr() keeps it (0, or FCR0 with the trigger and DMA bits);
 * of the LSR errors only OE, the one this model raises; MSR's lines as
 * MCR and the carrier make them (update_msr() keeps them so), with any
 * deltas; THRE pending only with the transmitter empty; a backend that
 * always has a peer with its carrier up.  LCR, SCR, the divisor and
 * tx_lost take any value.
 */
static bool snap_valid(const struct uart *u, const struct uart_snap *s)
{
    bool fcr_ok = s->fcr == 0 || ((s->fcr & FCR_ENABLE) && (s->fcr & ~FCR_KEPT) == 0);

    return (s->ier & ~IER_MASK) == 0 && (s->mcr & ~MCR_MASK) == 0 && fcr_ok &&
           (s->lsr_errors & ~LSR_OE) == 0 &&
           (s->msr & ~MSR_DELTAS) == modem_lines_for(s->mcr, s->carrier) &&
           (!s->thr_ipending || s->tx.count == 0) && (s->carrier || !u->carrier_fixed);
}

static void take_snap(struct uart *u, const struct uart_snap *s)
{
    u->ier = s->ier;
    u->lcr = s->lcr;
    u->mcr = s->mcr;
    u->fcr = s->fcr;
    u->scr = s->scr;
    u->lsr_errors = s->lsr_errors;
    u->msr = s->msr;
    u->divisor = s->divisor;
    u->thr_ipending = s->thr_ipending;
    u->carrier = s->carrier;
    u->rx = s->rx;
    u->tx = s->tx;
    u->tx_lost = s->tx_lost;
}

static int uart_restore(struct device *dev, struct snap_in *in, bool apply)
{
    struct uart *u = dev->state;
    struct uart_snap s;
    struct snap_in chr_part;

    if (!get_snap(in, &s) || !snap_valid(u, &s))
        return -EINVAL;
    chr_part = *in; /* applied below from the very bytes checked here */
    if (chardev_restore(u->chr, in, false) < 0 || in->bad || snap_in_left(in) != 0)
        return -EINVAL;
    if (!apply)
        return 0;
    take_snap(u, &s);
    /* Cannot fail: the same bytes passed the check.  Held output goes on
     * from the loop, and a transmit FIFO left waiting gets its tx_ready(). */
    (void)chardev_restore(u->chr, &chr_part, true);
    /* As after any change of the FIFO or MCR: reading resumes if there is
     * room, and the line follows the registers. */
    rx_room_changed(u);
    update_irq(u);
    return 0;
}

/* ---- lifecycle ---------------------------------------------------------- */

static unsigned reg_shift_of(const struct dev_config *cfg)
{
    uint64_t shift = dev_config_u64(cfg, "reg_shift");

    /* The config checked the range; stay in it whatever happens. */
    return shift > UART_MAX_REG_SHIFT ? UART_MAX_REG_SHIFT : (unsigned)shift;
}

static uint64_t uart_window_size(const struct dev_config *cfg)
{
    return (uint64_t)UART_NUM_REGS << reg_shift_of(cfg);
}

/* A socket has no peer until a client connects, a pty until its slave is
 * opened; the other backends always have someone listening. */
static bool initial_carrier(enum chardev_kind kind)
{
    return kind != CHARDEV_SOCKET && kind != CHARDEV_PTY;
}

/* The device manager logs where the UART sits; this says how it is set up. */
static void describe(const struct device *dev, const struct chardev_spec *spec,
                     unsigned shift)
{
    log_dev(LOG_INFO, dev->name, "16550A, reg_shift %u, backend %s%s%s", shift,
            chardev_kind_name(spec->kind), spec->path != NULL ? ":" : "",
            spec->path != NULL ? spec->path : "");
}

static int uart_create(struct device *dev)
{
    static const struct chardev_spec null_spec = { .kind = CHARDEV_NULL };
    const struct chardev_spec *spec = dev_config_chardev(dev->cfg, "backend");
    const char *pty_link = dev_config_str(dev->cfg, "pty_link");
    struct chardev_client client;
    struct uart *u;
    int rc;

    if (spec == NULL)
        spec = &null_spec;
    u = calloc(1, sizeof(*u));
    if (u == NULL)
        return -ENOMEM;
    u->dev = dev;
    u->reg_shift = reg_shift_of(dev->cfg);
    u->gate_out2 = dev->cfg->attach.kind == ATTACH_PORT;
    u->carrier_fixed = initial_carrier(spec->kind);
    u->carrier = u->carrier_fixed;
    u->msr = modem_lines(u);
    if (pty_link != NULL && spec->kind != CHARDEV_PTY)
        log_dev(LOG_WARNING, dev->name, "pty_link = %s is ignored: the backend is not pty",
                pty_link);
    client = (struct chardev_client){
        .opaque = u,
        .rx_room = client_rx_room,
        .rx = client_rx,
        .tx_ready = client_tx_ready,
        .carrier = client_carrier,
    };
    rc = chardev_open(&u->chr, dev->loop, spec, pty_link, dev->name, &client, dev->wire);
    if (rc < 0) {
        free(u);
        return rc;
    }
    dev->state = u;
    dev->max_access = 1u << u->reg_shift;
    describe(dev, spec, u->reg_shift);
    return 0;
}

static void uart_destroy(struct device *dev)
{
    struct uart *u = dev->state;

    if (u == NULL)
        return;
    chardev_close(u->chr);
    free(u);
    dev->state = NULL;
}

static const struct dev_param uart_params[] = {
    { .key = "reg_shift", .kind = PARAM_U64, .min = 0, .max = UART_MAX_REG_SHIFT, .def = "0",
      .help = "registers are 1 << reg_shift bytes apart (0 at a port; 2 on most Arm boards)" },
    { .key = "backend", .kind = PARAM_CHARDEV, .def = "null",
      .help = "host side of the line: null, stdio, file:PATH, socket:PATH, pty or journal" },
    { .key = "pty_link", .kind = PARAM_STRING,
      .help = "with backend = pty: a symlink to create to the pty (removed at exit)" },
    { .key = NULL },
};

/* QEMU's "pci-serial": Linux's 8250_pci drives it with its BAR0 I/O window
 * and reg_shift 0. */
static const struct device_pci_id uart_pci_id = {
    .vendor = 0x1b36, /* Red Hat, Inc. */
    .device = 0x0002, /* PCI serial port (16550A) */
    .class_code = 0x070002, /* simple communication controller, 16550 */
    .revision = 1,          /* as QEMU's pci-serial */
    .subsystem_vendor = 0x1af4,
    .subsystem = 0x1100,
    .bar_is_io = true,
};

const struct device_type uart16550_device = {
    .name = "ns16550",
    .description = "16550A UART (PC COM port or memory-mapped 8250)",
    .attach = DEVICE_ATTACH(ATTACH_PORT) | DEVICE_ATTACH(ATTACH_MMIO) | DEVICE_ATTACH(ATTACH_PCI),
    .params = uart_params,
    .window_size = uart_window_size,
    .ops = &uart_ops,
    .max_access = 1u << UART_MAX_REG_SHIFT, /* create() narrows it to 1 << reg_shift */
    .wide = ACCESS_SPLIT,
    .pci = &uart_pci_id,
    .create = uart_create,
    .destroy = uart_destroy,
    .state_version = 1,
    .save = uart_save,
    .restore = uart_restore,
};
