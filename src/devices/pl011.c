/* SPDX-License-Identifier: MIT */
/*
 * pl011: the Arm PrimeCell UART (ARM DDI 0183, r1p4), as Linux's
 * amba-pl011 driver and the AMBA bus expect it, in a 4 KiB MMIO window:
 *
 *   0x000 DR      data; reads carry the error bits OE/BE/PE/FE (11:8)
 *   0x004 RSR/ECR receive status (read), any write clears it
 *   0x018 FR      flags: RI, TXFE, RXFF, TXFF, RXFE, BUSY, DCD, DSR, CTS
 *   0x020 ILPR    IrDA low-power divisor (stored)
 *   0x024 IBRD    integer baud divisor   0x028 FBRD  fractional (6 bits)
 *   0x02c LCR_H   line control: FEN (bit 4) selects 16-entry FIFOs or
 *                 1-byte holding registers; writing it latches IBRD/FBRD
 *   0x030 CR      UARTEN, LBE, TXE, RXE, DTR, RTS, Out1, Out2, RTSEn, CTSEn
 *   0x034 IFLS    FIFO trigger levels (reset 0x12: both at 1/2)
 *   0x038 IMSC    interrupt mask        0x03c RIS  raw status
 *   0x040 MIS     RIS & IMSC            0x044 ICR  write 1 to clear
 *   0x048 DMACR   stored (no DMA engine behind it)
 *   0xfe0-0xffc   PeriphID 0x11 0x10 0x14 0x00, PCellID 0x0d 0xf0 0x05 0xb1
 *                 (periphid 0x00141011, r1p4, as QEMU's; cellid AMBA_CID)
 *
 * The host side is a chardev, as for ns16550 (uart16550.c); the serial line
 * is a byte pipe: word length, parity, stop bits and the divisors are
 * stored, read back and logged, but bytes travel as 8 bits at the host's
 * speed.  Choices where the TRM leaves room or a host differs from a wire:
 *
 *  - Interrupts.  RIS bit 4 (RX) is up while the receive FIFO holds at
 *    least the trigger level (one byte without FIFOs); bit 6 (RT, receive
 *    timeout) while it holds data below the level, at once rather than
 *    after 32 bit periods (the 16550's CTI choice: a host burst arrives
 *    whole, and drivers read until FR.RXFE).  Both follow the FIFO, so
 *    ICR cannot clear them while the data is there.
 *  - TX interrupt, "only on the transition": TXRIS (bit 5) is set when the
 *    transmitter takes a byte out of the FIFO and leaves it at or below the
 *    trigger level (without FIFOs: the holding register empties), and is
 *    cleared by ICR or by a DR write that leaves the FIFO above the level.
 *    Reset, unmasking TXIM or an idle transmitter never set it.  QEMU's
 *    hw/char/pl011.c sets it on every DR write (its FIFO empties at once),
 *    which is what this gives while the backend takes bytes at once.
 *    Linux's amba-pl011 depends on both halves: pl011_start_tx_pio() fills
 *    the FIFO until FR.TXFF before unmasking TXIM and expects the
 *    interrupt as it drains (so a full FIFO must have cleared TXRIS: its
 *    handler then writes fifosize/2 bytes without looking at TXFF), and
 *    older kernels' pl011_startup() wrote one byte in loopback to "provoke"
 *    a TXRIS that then stays latched, since the driver never writes TXIC.
 *  - The FIFO only fills when the backend is congested (a socket client
 *    that does not read): then TXFF and BUSY show it and output waits;
 *    tx_ready() hands it on.  A DR write to a full FIFO is lost (as on the
 *    part) and counted.  Bytes written while UARTEN or TXE is off wait in
 *    the FIFO until both are on.
 *  - Modem lines: CTS, DSR and DCD are the backend's carrier (a socket or
 *    pty peer; always up for the others), RI is 0; in loopback they are
 *    RTS, DTR, Out1 and Out2 (CR), as on the part and in QEMU.  A change
 *    sets the matching RIS bit (CTSM 1, DCDM 2, DSRM 3, RIM 0).
 *  - Errors: FE, PE and BE never occur (host bytes carry no framing).  OE
 *    only in loopback, where the guest feeds itself: host input is flow
 *    controlled.  Overrun sets RSR.OE and OERIS; the next byte to enter
 *    the FIFO carries DR.OE.
 *  - Changing LCR_H.FEN empties both FIFOs (QEMU does the same for the
 *    receive FIFO); writing FEN unchanged, as Linux's set_termios does,
 *    keeps them.  Loopback (CR.LBE) sends DR writes to the receiver, which
 *    takes them only with UARTEN and RXE (else they are discarded).
 *  - Accesses of 1, 2 and 4 bytes at a register's offset reach it (value
 *    zero-extended; every register is at most 16 bits); other offsets read
 *    0 and ignore writes; 8-byte accesses are split into two words.
 *
 * Flow control, so no host byte is ever dropped: rx_room() is the free
 * space of the receive FIFO (one byte without FIFOs), 0 in loopback or
 * with UARTEN or RXE off; every guest action that makes room calls
 * chardev_rx_resume().
 *
 * Crash restart (docs/restart.md): the snapshot holds every register,
 * both FIFOs, the latched interrupt bits and the chardev's stream
 * positions; host input, output the backend took and carrier changes
 * arrive outside register accesses and call device_changed().
 */
#include "device.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "../log.h"
#include "../snapshot.h"
#include "chardev.h"

#define PL011_WINDOW 0x1000
#define PL011_FIFO_SIZE 16

enum {
    PL011_DR = 0x000, PL011_RSR = 0x004, PL011_FR = 0x018, PL011_ILPR = 0x020,
    PL011_IBRD = 0x024, PL011_FBRD = 0x028, PL011_LCR_H = 0x02c, PL011_CR = 0x030,
    PL011_IFLS = 0x034, PL011_IMSC = 0x038, PL011_RIS = 0x03c, PL011_MIS = 0x040,
    PL011_ICR = 0x044, PL011_DMACR = 0x048, PL011_ID_FIRST = 0xfe0,
};

/* PeriphID0-3 then PCellID0-3, one byte per 32-bit register. */
static const uint8_t pl011_ids[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

#define DR_OE 0x800

#define RSR_OE 0x08

#define FR_CTS 0x001
#define FR_DSR 0x002
#define FR_DCD 0x004
#define FR_BUSY 0x008
#define FR_RXFE 0x010
#define FR_TXFF 0x020
#define FR_RXFF 0x040
#define FR_TXFE 0x080
#define FR_RI 0x100
#define FR_MODEM (FR_CTS | FR_DSR | FR_DCD | FR_RI)

#define LCR_H_FEN 0x10

#define CR_UARTEN 0x0001
#define CR_LBE 0x0080
#define CR_TXE 0x0100
#define CR_RXE 0x0200
#define CR_DTR 0x0400
#define CR_RTS 0x0800
#define CR_OUT1 0x1000
#define CR_OUT2 0x2000
#define CR_MASK 0xff87 /* bits 6:3 are reserved */
#define CR_RESET (CR_TXE | CR_RXE)

#define IFLS_MASK 0x3f
#define IFLS_RESET 0x12

#define INT_RIM 0x001
#define INT_CTSM 0x002
#define INT_DCDM 0x004
#define INT_DSRM 0x008
#define INT_RX 0x010
#define INT_TX 0x020
#define INT_RT 0x040
#define INT_FE 0x080
#define INT_PE 0x100
#define INT_BE 0x200
#define INT_OE 0x400
#define INT_MASK 0x7ff
/* The bits kept in `ris`; RX and RT follow the receive FIFO. */
#define INT_LATCHED (INT_RIM | INT_CTSM | INT_DCDM | INT_DSRM | INT_TX | INT_OE)

#define DMACR_MASK 0x07
#define FBRD_MASK 0x3f

struct pl011_fifo {
    uint16_t data[PL011_FIFO_SIZE]; /* receive: byte | DR error bits */
    unsigned head, count;
};

struct pl011 {
    struct device *dev;
    struct chardev *chr;
    bool carrier_fixed; /* the backend always has a peer (not socket or pty) */
    bool carrier;
    uint16_t cr, imsc, ibrd;
    uint8_t lcr_h, ifls, fbrd, ilpr, dmacr, rsr;
    uint16_t ibrd_latched; /* the divisor in effect: IBRD/FBRD at the last */
    uint8_t fbrd_latched;  /* LCR_H write */
    uint16_t ris;          /* INT_LATCHED bits */
    bool oe_pending;       /* the next byte received carries DR.OE */
    struct pl011_fifo rx, tx;
    uint64_t tx_lost;
    struct log_ratelimit tx_lost_rl, baud_rl;
};

#define PL011_FIELDS(p) (&(struct log_fields){ .device = (p)->dev->name, .vcpu = -1 })

/* ---- FIFOs -------------------------------------------------------------- */

static void fifo_push(struct pl011_fifo *f, uint16_t v)
{
    f->data[(f->head + f->count) % PL011_FIFO_SIZE] = v;
    f->count++;
}

static uint16_t fifo_pop(struct pl011_fifo *f)
{
    uint16_t v = f->data[f->head];

    f->head = (f->head + 1) % PL011_FIFO_SIZE;
    f->count--;
    return v;
}

static void fifo_clear(struct pl011_fifo *f)
{
    f->head = 0;
    f->count = 0;
}

static unsigned capacity_for(uint8_t lcr_h)
{
    return (lcr_h & LCR_H_FEN) ? PL011_FIFO_SIZE : 1;
}

static unsigned capacity(const struct pl011 *p)
{
    return capacity_for(p->lcr_h);
}

/* IFLS: 0..4 are 1/8, 1/4, 1/2, 3/4, 7/8 of the FIFO; 5..7 are reserved
 * and taken as 7/8. */
static unsigned level_entries(unsigned field)
{
    static const unsigned entries[5] = { 2, 4, 8, 12, 14 };

    return entries[field > 4 ? 4 : field];
}

/* RX interrupt at or above this many bytes. */
static unsigned rx_trigger(const struct pl011 *p)
{
    if (!(p->lcr_h & LCR_H_FEN))
        return 1;
    return level_entries((p->ifls >> 3) & 7);
}

/* TX interrupt at or below this many bytes. */
static unsigned tx_trigger(const struct pl011 *p)
{
    if (!(p->lcr_h & LCR_H_FEN))
        return 0;
    return level_entries(p->ifls & 7);
}

static bool loopback(const struct pl011 *p)
{
    return p->cr & CR_LBE;
}

static bool rx_enabled(const struct pl011 *p)
{
    return (p->cr & (CR_UARTEN | CR_RXE)) == (CR_UARTEN | CR_RXE);
}

static bool tx_enabled(const struct pl011 *p)
{
    return (p->cr & (CR_UARTEN | CR_TXE)) == (CR_UARTEN | CR_TXE);
}

/* ---- interrupts --------------------------------------------------------- */

static uint16_t raw_status(const struct pl011 *p)
{
    uint16_t ris = p->ris;

    if (p->rx.count >= rx_trigger(p))
        ris |= INT_RX;
    else if (p->rx.count > 0)
        ris |= INT_RT;
    return ris;
}

static void update_irq(struct pl011 *p)
{
    irq_line_set(p->dev->irq, (raw_status(p) & p->imsc) != 0);
}

/* ---- modem lines -------------------------------------------------------- */

static uint16_t modem_lines_for(uint16_t cr, bool carrier)
{
    uint16_t lines = 0;

    if (!(cr & CR_LBE))
        return carrier ? FR_CTS | FR_DSR | FR_DCD : 0;
    if (cr & CR_RTS)
        lines |= FR_CTS;
    if (cr & CR_DTR)
        lines |= FR_DSR;
    if (cr & CR_OUT1)
        lines |= FR_DCD;
    if (cr & CR_OUT2)
        lines |= FR_RI;
    return lines;
}

/* The lines moved from `old`: latch the modem interrupts. */
static void modem_changed(struct pl011 *p, uint16_t old)
{
    uint16_t changed = old ^ modem_lines_for(p->cr, p->carrier);

    if (changed & FR_CTS)
        p->ris |= INT_CTSM;
    if (changed & FR_DSR)
        p->ris |= INT_DSRM;
    if (changed & FR_DCD)
        p->ris |= INT_DCDM;
    if (changed & FR_RI)
        p->ris |= INT_RIM;
}

/* ---- receive ------------------------------------------------------------ */

static void rx_push(struct pl011 *p, uint8_t byte)
{
    if (p->rx.count >= capacity(p)) {
        /* Overrun: the byte dies in the shift register. */
        p->rsr |= RSR_OE;
        p->ris |= INT_OE;
        p->oe_pending = true;
        return;
    }
    fifo_push(&p->rx, (uint16_t)(byte | (p->oe_pending ? DR_OE : 0)));
    p->oe_pending = false;
}

/* The guest made room, enabled the receiver or left loopback. */
static void rx_room_changed(struct pl011 *p)
{
    if (!loopback(p) && rx_enabled(p) && p->rx.count < capacity(p))
        chardev_rx_resume(p->chr);
}

static size_t client_rx_room(void *opaque)
{
    struct pl011 *p = opaque;

    if (loopback(p) || !rx_enabled(p) || p->rx.count >= capacity(p))
        return 0;
    return capacity(p) - p->rx.count;
}

static void client_rx(void *opaque, const uint8_t *buf, size_t len)
{
    struct pl011 *p = opaque;

    for (size_t i = 0; i < len; i++)
        rx_push(p, buf[i]);
    update_irq(p);
    /* The chardev takes these bytes out of the socket only after this
     * returns: the saved FIFO must hold them by then (chardev.c). */
    device_changed(p->dev);
}

static void client_carrier(void *opaque, bool connected)
{
    struct pl011 *p = opaque;
    uint16_t old = modem_lines_for(p->cr, p->carrier);

    if (p->carrier == connected)
        return; /* after a restart the chardev says again what we know */
    p->carrier = connected;
    modem_changed(p, old);
    update_irq(p);
    device_changed(p->dev);
}

/* ---- transmit ----------------------------------------------------------- */

/* Hand on what waits in the transmit FIFO, as far as the transmitter is
 * enabled and the backend takes it; TXRIS when a byte left the FIFO at or
 * below the trigger level.  True when the FIFO moved. */
static bool tx_pump(struct pl011 *p)
{
    unsigned before = p->tx.count;

    if (!tx_enabled(p))
        return false;
    if (loopback(p)) {
        while (p->tx.count > 0) {
            uint8_t byte = (uint8_t)fifo_pop(&p->tx);

            if (rx_enabled(p))
                rx_push(p, byte);
        }
    } else {
        while (p->tx.count > 0) {
            unsigned run = PL011_FIFO_SIZE - p->tx.head;
            uint8_t bytes[PL011_FIFO_SIZE];
            size_t sent;

            if (run > p->tx.count)
                run = p->tx.count;
            for (unsigned i = 0; i < run; i++)
                bytes[i] = (uint8_t)p->tx.data[p->tx.head + i];
            sent = chardev_write(p->chr, bytes, run);
            p->tx.head = (p->tx.head + (unsigned)sent) % PL011_FIFO_SIZE;
            p->tx.count -= (unsigned)sent;
            if (sent < run)
                break;
        }
    }
    if (p->tx.count == before)
        return false;
    if (p->tx.count <= tx_trigger(p))
        p->ris |= INT_TX;
    return true;
}

static void write_dr(struct pl011 *p, uint8_t byte)
{
    if (p->tx.count >= capacity(p)) {
        p->tx_lost++;
        log_limited(&p->tx_lost_rl, LOG_WARNING, PL011_FIELDS(p),
                    "DR written while the transmit FIFO was full: byte lost (%" PRIu64
                    " so far); the guest did not wait for FR.TXFF",
                    p->tx_lost);
        return;
    }
    fifo_push(&p->tx, byte);
    if (p->tx.count > tx_trigger(p))
        p->ris &= (uint16_t)~INT_TX;
    (void)tx_pump(p);
}

/* The backend has room again. */
static void client_tx_ready(void *opaque)
{
    struct pl011 *p = opaque;

    if (p->tx.count == 0 || loopback(p))
        return;
    if (tx_pump(p)) {
        update_irq(p);
        device_changed(p->dev); /* the FIFO moved, TXRIS may be up */
    }
}

/* ---- registers ---------------------------------------------------------- */

static void write_lcr_h(struct pl011 *p, uint8_t val)
{
    if ((val ^ p->lcr_h) & LCR_H_FEN) {
        fifo_clear(&p->rx);
        fifo_clear(&p->tx);
    }
    p->lcr_h = val;
    /* The divisor takes effect with the LCR_H write, as on the part. */
    if (p->ibrd_latched != p->ibrd || p->fbrd_latched != p->fbrd)
        log_limited(&p->baud_rl, LOG_DEBUG, PL011_FIELDS(p), "divisor %u + %u/64 latched",
                    p->ibrd, p->fbrd);
    p->ibrd_latched = p->ibrd;
    p->fbrd_latched = p->fbrd;
}

static void write_cr(struct pl011 *p, uint16_t val)
{
    uint16_t old = modem_lines_for(p->cr, p->carrier);

    p->cr = val & CR_MASK;
    modem_changed(p, old);
}

static void write_reg(struct pl011 *p, uint64_t reg, uint16_t val)
{
    switch (reg) {
    case PL011_DR:
        write_dr(p, (uint8_t)val);
        break;
    case PL011_RSR:
        p->rsr = 0; /* ECR: any write clears the errors */
        break;
    case PL011_ILPR:
        p->ilpr = (uint8_t)val;
        break;
    case PL011_IBRD:
        p->ibrd = val;
        break;
    case PL011_FBRD:
        p->fbrd = (uint8_t)(val & FBRD_MASK);
        break;
    case PL011_LCR_H:
        write_lcr_h(p, (uint8_t)val);
        break;
    case PL011_CR:
        write_cr(p, val);
        break;
    case PL011_IFLS:
        p->ifls = (uint8_t)(val & IFLS_MASK);
        break;
    case PL011_IMSC:
        p->imsc = val & INT_MASK;
        break;
    case PL011_ICR:
        p->ris &= (uint16_t)~val;
        break;
    case PL011_DMACR:
        p->dmacr = (uint8_t)(val & DMACR_MASK);
        break;
    default:
        return; /* FR, RIS, MIS, the IDs: read-only; the rest reserved */
    }
    /* Any of these may have enabled the transmitter, made room or moved a
     * trigger level. */
    (void)tx_pump(p);
    rx_room_changed(p);
    update_irq(p);
}

static uint16_t read_dr(struct pl011 *p)
{
    uint16_t v;

    if (p->rx.count == 0)
        return 0;
    v = fifo_pop(&p->rx);
    rx_room_changed(p);
    update_irq(p);
    return v;
}

static uint16_t read_fr(const struct pl011 *p)
{
    uint16_t fr = modem_lines_for(p->cr, p->carrier);

    if (p->tx.count > 0)
        fr |= FR_BUSY;
    else
        fr |= FR_TXFE;
    if (p->tx.count >= capacity(p))
        fr |= FR_TXFF;
    if (p->rx.count == 0)
        fr |= FR_RXFE;
    if (p->rx.count >= capacity(p))
        fr |= FR_RXFF;
    return fr;
}

static uint16_t read_reg(struct pl011 *p, uint64_t reg)
{
    switch (reg) {
    case PL011_DR:
        return read_dr(p);
    case PL011_RSR:
        return p->rsr;
    case PL011_FR:
        return read_fr(p);
    case PL011_ILPR:
        return p->ilpr;
    case PL011_IBRD:
        return p->ibrd;
    case PL011_FBRD:
        return p->fbrd;
    case PL011_LCR_H:
        return p->lcr_h;
    case PL011_CR:
        return p->cr;
    case PL011_IFLS:
        return p->ifls;
    case PL011_IMSC:
        return p->imsc;
    case PL011_RIS:
        return raw_status(p);
    case PL011_MIS:
        return raw_status(p) & p->imsc;
    case PL011_DMACR:
        return p->dmacr;
    default:
        if (reg >= PL011_ID_FIRST && reg < PL011_WINDOW)
            return pl011_ids[(reg - PL011_ID_FIRST) / 4];
        return 0; /* ICR is write-only; the rest is reserved */
    }
}

static uint64_t pl011_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)size; /* the core masks a narrow read to its bytes */
    if ((offset & 3) != 0)
        return 0;
    return read_reg(opaque, offset);
}

static void pl011_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    (void)size;
    if ((offset & 3) == 0)
        write_reg(opaque, offset, (uint16_t)value);
}

static const struct region_ops pl011_ops = {
    .read = pl011_read,
    .write = pl011_write,
};

/* ---- crash snapshot ----------------------------------------------------- */

/*
 * Layout (version 1): CR, IMSC, IBRD, the latched IBRD (16 bits each),
 * LCR_H, IFLS, FBRD, the latched FBRD, ILPR, DMACR, RSR (8 bits each),
 * the latched RIS bits (16), oe_pending, carrier, the receive FIFO (a
 * count byte, then 16 bits per entry, oldest first), the transmit FIFO (a
 * count byte, then the bytes), tx_lost (64 bits), then the chardev's
 * part.  At most 26 + 33 + 17 bytes before the chardev's.
 */
struct pl011_snap {
    uint16_t cr, imsc, ibrd, ibrd_latched;
    uint8_t lcr_h, ifls, fbrd, fbrd_latched, ilpr, dmacr, rsr;
    uint16_t ris;
    bool oe_pending, carrier;
    struct pl011_fifo rx, tx; /* head 0 */
    uint64_t tx_lost;
};

static void pl011_save(struct device *dev, struct snap_out *out)
{
    const struct pl011 *p = dev->state;

    snap_put_u16(out, p->cr);
    snap_put_u16(out, p->imsc);
    snap_put_u16(out, p->ibrd);
    snap_put_u16(out, p->ibrd_latched);
    snap_put_u8(out, p->lcr_h);
    snap_put_u8(out, p->ifls);
    snap_put_u8(out, p->fbrd);
    snap_put_u8(out, p->fbrd_latched);
    snap_put_u8(out, p->ilpr);
    snap_put_u8(out, p->dmacr);
    snap_put_u8(out, p->rsr);
    snap_put_u16(out, p->ris);
    snap_put_bool(out, p->oe_pending);
    snap_put_bool(out, p->carrier);
    snap_put_u8(out, (uint8_t)p->rx.count);
    for (unsigned i = 0; i < p->rx.count; i++)
        snap_put_u16(out, p->rx.data[(p->rx.head + i) % PL011_FIFO_SIZE]);
    snap_put_u8(out, (uint8_t)p->tx.count);
    for (unsigned i = 0; i < p->tx.count; i++)
        snap_put_u8(out, (uint8_t)p->tx.data[(p->tx.head + i) % PL011_FIFO_SIZE]);
    snap_put_u64(out, p->tx_lost);
    chardev_save(p->chr, out); /* last: restore() reads it again to apply it */
}

/* Our fields, in save()'s order; false when they run out or a value cannot
 * be one the registers hold. */
static bool get_snap(struct snap_in *in, struct pl011_snap *s)
{
    unsigned cap;
    bool ok = true;

    s->cr = snap_get_u16(in);
    s->imsc = snap_get_u16(in);
    s->ibrd = snap_get_u16(in);
    s->ibrd_latched = snap_get_u16(in);
    s->lcr_h = snap_get_u8(in);
    s->ifls = snap_get_u8(in);
    s->fbrd = snap_get_u8(in);
    s->fbrd_latched = snap_get_u8(in);
    s->ilpr = snap_get_u8(in);
    s->dmacr = snap_get_u8(in);
    s->rsr = snap_get_u8(in);
    s->ris = snap_get_u16(in);
    s->oe_pending = snap_get_bool(in);
    s->carrier = snap_get_bool(in);
    cap = capacity_for(s->lcr_h);
    s->rx.head = 0;
    s->rx.count = snap_get_u8(in);
    if (s->rx.count > cap)
        return false;
    for (unsigned i = 0; i < s->rx.count; i++) {
        s->rx.data[i] = snap_get_u16(in);
        ok = ok && (s->rx.data[i] & ~(0xff | DR_OE)) == 0;
    }
    s->tx.head = 0;
    s->tx.count = snap_get_u8(in);
    if (s->tx.count > cap)
        return false;
    for (unsigned i = 0; i < s->tx.count; i++)
        s->tx.data[i] = snap_get_u8(in);
    s->tx_lost = snap_get_u64(in);
    return ok && !in->bad;
}

/*
 * Only what the registers can hold: CR, IMSC, FBRD, IFLS and DMACR within
 * their masks; RSR and the latched RIS bits only those this model raises;
 * a backend that always has a peer with its carrier up.  IBRD, LCR_H,
 * ILPR, the bools and tx_lost take any value.
 */
static bool snap_valid(const struct pl011 *p, const struct pl011_snap *s)
{
    return (s->cr & ~CR_MASK) == 0 && (s->imsc & ~INT_MASK) == 0 &&
           (s->fbrd & ~FBRD_MASK) == 0 && (s->fbrd_latched & ~FBRD_MASK) == 0 &&
           (s->ifls & ~IFLS_MASK) == 0 && (s->dmacr & ~DMACR_MASK) == 0 &&
           (s->rsr & ~RSR_OE) == 0 && (s->ris & ~INT_LATCHED) == 0 &&
           (s->carrier || !p->carrier_fixed);
}

static void take_snap(struct pl011 *p, const struct pl011_snap *s)
{
    p->cr = s->cr;
    p->imsc = s->imsc;
    p->ibrd = s->ibrd;
    p->ibrd_latched = s->ibrd_latched;
    p->lcr_h = s->lcr_h;
    p->ifls = s->ifls;
    p->fbrd = s->fbrd;
    p->fbrd_latched = s->fbrd_latched;
    p->ilpr = s->ilpr;
    p->dmacr = s->dmacr;
    p->rsr = s->rsr;
    p->ris = s->ris;
    p->oe_pending = s->oe_pending;
    p->carrier = s->carrier;
    p->rx = s->rx;
    p->tx = s->tx;
    p->tx_lost = s->tx_lost;
}

static int pl011_restore(struct device *dev, struct snap_in *in, bool apply)
{
    struct pl011 *p = dev->state;
    struct pl011_snap s;
    struct snap_in chr_part;

    if (!get_snap(in, &s) || !snap_valid(p, &s))
        return -EINVAL;
    chr_part = *in; /* applied below from the very bytes checked here */
    if (chardev_restore(p->chr, in, false) < 0 || in->bad || snap_in_left(in) != 0)
        return -EINVAL;
    if (!apply)
        return 0;
    take_snap(p, &s);
    /* Cannot fail: the same bytes passed the check.  Held output goes on
     * from the loop, and a transmit FIFO left waiting gets its tx_ready(). */
    (void)chardev_restore(p->chr, &chr_part, true);
    rx_room_changed(p);
    update_irq(p);
    return 0;
}

/* ---- lifecycle ---------------------------------------------------------- */

static uint64_t pl011_window_size(const struct dev_config *cfg)
{
    (void)cfg;
    return PL011_WINDOW;
}

/* A socket has no peer until a client connects, a pty until its slave is
 * opened; the other backends always have someone listening. */
static bool initial_carrier(enum chardev_kind kind)
{
    return kind != CHARDEV_SOCKET && kind != CHARDEV_PTY;
}

static int pl011_create(struct device *dev)
{
    static const struct chardev_spec null_spec = { .kind = CHARDEV_NULL };
    const struct chardev_spec *spec = dev_config_chardev(dev->cfg, "backend");
    const char *pty_link = dev_config_str(dev->cfg, "pty_link");
    struct chardev_client client;
    struct pl011 *p;
    int rc;

    if (spec == NULL)
        spec = &null_spec;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    p->dev = dev;
    p->carrier_fixed = initial_carrier(spec->kind);
    p->carrier = p->carrier_fixed;
    p->cr = CR_RESET;
    p->ifls = IFLS_RESET;
    if (pty_link != NULL && spec->kind != CHARDEV_PTY)
        log_dev(LOG_WARNING, dev->name, "pty_link = %s is ignored: the backend is not pty",
                pty_link);
    client = (struct chardev_client){
        .opaque = p,
        .rx_room = client_rx_room,
        .rx = client_rx,
        .tx_ready = client_tx_ready,
        .carrier = client_carrier,
    };
    rc = chardev_open(&p->chr, dev->loop, spec, pty_link, dev->name, &client, dev->wire);
    if (rc < 0) {
        free(p);
        return rc;
    }
    dev->state = p;
    log_dev(LOG_INFO, dev->name, "PL011 UART, backend %s%s%s", chardev_kind_name(spec->kind),
            spec->path != NULL ? ":" : "", spec->path != NULL ? spec->path : "");
    return 0;
}

static void pl011_destroy(struct device *dev)
{
    struct pl011 *p = dev->state;

    if (p == NULL)
        return;
    chardev_close(p->chr);
    free(p);
    dev->state = NULL;
}

static const struct dev_param pl011_params[] = {
    { .key = "backend", .kind = PARAM_CHARDEV, .def = "null",
      .help = "host side of the line: null, stdio, file:PATH, socket:PATH, pty or journal" },
    { .key = "pty_link", .kind = PARAM_STRING,
      .help = "with backend = pty: a symlink to create to the pty (removed at exit)" },
    { .key = NULL },
};

const struct device_type pl011_device = {
    .name = "pl011",
    .description = "Arm PrimeCell PL011 UART (MMIO, Linux amba-pl011)",
    .attach = DEVICE_ATTACH(ATTACH_MMIO),
    .params = pl011_params,
    .window_size = pl011_window_size,
    .ops = &pl011_ops,
    .max_access = 4, /* readl/writel, readw/writew on some; quads split */
    .wide = ACCESS_SPLIT,
    .pci = NULL,
    .create = pl011_create,
    .destroy = pl011_destroy,
    .state_version = 1,
    .save = pl011_save,
    .restore = pl011_restore,
};
