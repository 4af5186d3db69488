/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the request router with real devices behind it.
 *
 * The devices are built by the real device manager (devices/device.c) from
 * a real config (fuzz_config_format below): 16550s at port 0x3f8, at MMIO
 * with reg_shift 2, and behind two PCI functions (INTx, and MSI with a
 * socket backend); an mc146818 at port 0x70 with the extended bank, a
 * pl031 and a pl061 side by side at MMIO (the pl061 with a GPIO socket),
 * and a second mc146818 behind a PCI function with MSI and every identity
 * override; a pl011 at MMIO, a pvpanic at port 0x505 and an i6300esb
 * watchdog behind a PCI function (its registers in configuration space
 * too).  The input may program, claim, move and release each function's
 * BAR0.  [dmd] state_dir is a private directory, emptied
 * before each input.  Only Xen is fake (fake_dmop.c), guest RAM is a few
 * pages here, and the RTCs read a host clock the input moves.  Each input
 * starts from fresh devices and the same clock, so a reproducer replays
 * alone.
 *
 * The input is one byte choosing which range map should fail (1-11: one a
 * device makes when it is created, 12-24: a BAR claim; to run the device
 * manager's error paths), then records, each an ioreq dispatched with
 * iospace_dispatch() or an event of the host (below):
 *
 *   op      bits 0-1 type (PIO, COPY, PCI_CONFIG, or 3: a raw type byte
 *           follows), bit 2 dir, bit 3 data_is_ptr, bit 4 df, bits 5-7 size
 *           (1, 2, 4, 8, 1, 2, 4, or 7: a raw 32-bit size follows)
 *   count   one byte; 0xff: a raw 32-bit count follows
 *   target  where addr points: bits 0-2, plus 8 if bit 5 is set (see
 *           request_addr()); bit 3 reaches past a PCI header, bits 3-4
 *           pick a BAR slot; bit 7 keeps a data_is_ptr buffer address raw
 *           instead of aiming it at guest RAM
 *   ...     the address bytes the target needs, then data (8 bytes)
 *
 * A raw type 7 (TIMEOFFSET) goes to devices_timeoffset(), as in
 * ioreq_loop.c.  Raw types from 0xf0 up are not requests but the host:
 *
 *   0xf0-0xf3  the other end of the MSI 16550's socket: connect (again),
 *              send `count` % 9 bytes of data, read what the UART sent,
 *              hang up (so do 0xfb-0xff)
 *   0xf4-0xf8  GPIO client data[0] % 3 on the pl061's socket (data[i]:
 *              byte i of data): connect (again), send request `count` %
 *              16 of fuzz_gpio_host.c's dictionary with line data[1] and
 *              level data[2], send `count` % 8 raw bytes from data[1..7],
 *              read (every line checked), hang up
 *   0xf9       the host clock moves by (uint32_t)data units: `count` bits
 *              0-1 pick ns, us, ms or s, bit 2 steps it back (kept within
 *              1970-2200)
 *   0xfa       2 ms pass: the clock moves and dmd's loop runs for 2 ms,
 *              so timers due meanwhile fire (only the first 4 times in an
 *              input take real time; the watchdog counts the host's
 *              monotonic clock, not the input's, so whether one of its
 *              1 ms stages ends in a given input may vary between runs)
 *
 * dmd's event loop runs once (without waiting) after each record, as
 * between two requests.
 *
 * Addresses are aimed at the claimed ranges and just around them, so most
 * requests reach a device.  Beyond what the sanitizers catch, every
 * request is checked: the fields Xen reads back are sane (count never
 * raised, read values masked to the size, everything else untouched), guest
 * RAM is touched only inside the buffer the request names and in its
 * direction, the routing table agrees with what Xen was told, registers
 * that do not depend on the guest read what they must (fuzz_registers.h),
 * and after each record the
 * PCI functions' registers agree with the interrupts Xen got (INTx
 * status, an MSI pending only while masked).  Log lines are counted
 * (fake_journal.c): the records of one input may not log more than the
 * rate limits let through, in total or of one kind.
 * What the GPIO socket sends must follow its protocol (fuzz_gpio_host.h).
 * At the end the devices are destroyed, which writes the RTCs' state
 * files, and what the guest set must survive a restart (fuzz_restart.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ev.h>

#include "config.h"
#include "devices/device.h"
#include "devices/rtc_clock.h"
#include "dmop/dmop.h"
#include "fake_dmop.h"
#include "fake_journal.h"
#include "fuzz_bytes.h"
#include "fuzz_check.h"
#include "fuzz_clock.h"
#include "fuzz_gpio_host.h"
#include "fuzz_registers.h"
#include "fuzz_memfile.h"
#include "fuzz_restart.h"
#include "iospace.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define COM1 0x3f8u
#define MMIO_UART 0x09000000u /* 8 registers, 4 bytes apart */
#define CMOS 0x70u            /* index/data 0x70/0x71, extended bank 0x72/0x73 */
#define PL031 0x09010000u     /* 4 KiB each, side by side */
#define PL061 0x09011000u
#define AMBA_WINDOW 0x1000u
#define PCI_INTX_SBDF (5u << 3) /* 00:05.0 */
#define PCI_MSI_SBDF (6u << 3)  /* 00:06.0 */
#define PCI_RTC_SBDF (7u << 3)  /* 00:07.0 */
#define BAR_AREA 0xc000u        /* where the seeds put BAR0s */
#define GPIO_LINES 6            /* the pl061's ngpio: lines 6 and 7 do not exist */
#define PL011 0x09012000u       /* next to the pl061 */
#define PVPANIC 0x505u
#define PCI_WDT_SBDF (8u << 3)  /* 00:08.0, the i6300esb */
#define WDT_BAR 0xfebf0000u     /* where an input must put its 4 KiB memory BAR */

/* Guest and host actions reach these rate limiters: static ones (four in
 * iospace.c, two in device.c, one each in pci.c and statefile.c) and those
 * of each device: uart16550.c's and chardev.c's (4 UARTs), mc146818.c's
 * three (2 RTCs), pl031.c's, pl061.c's two, gpio_socket.c's two, pl011.c's
 * two and its chardev's, pvpanic.c's three and i6300esb.c's four.  Each lets
 * a burst and a "suppressed" line through per window.  A device's window
 * opens in this input, but a static one may have opened in an earlier
 * input and close during this one: count two windows for those. */
#define STATIC_LIMITERS 8u
#define DEVICE_LIMITERS (4u * 2 + 2 * 3 + 1 + 2 + 2 + 3 + 3 + 4)
#define GUEST_LOG_MAX ((2 * STATIC_LIMITERS + DEVICE_LIMITERS) * (LOG_RATELIMIT_BURST + 1))
/* One kind of message comes from one limiter, or two (gpio_socket.c logs
 * a client leaving through either), and over at most two windows. */
#define KIND_LOG_MAX (2u * 2 * (LOG_RATELIMIT_BURST + 1))

#define RAM_BASE 0x100000u
#define RAM_SIZE (4u * 4096u)

/* The 2 ms waits of an input that take real time (fuzz_clock.h). */
#define WAITS_PER_INPUT 4

static const char fuzz_config_format[] =
    "[dmd]\n"
    "arch = x86\n"
    "state_dir = %s\n"
    "[com1]\n"
    "type = ns16550\n"
    "port = 0x3f8\n"
    "irq = isa:4\n"
    "backend = null\n"
    "[mmio0]\n"
    "type = ns16550\n"
    "mmio = 0x09000000\n"
    "reg_shift = 2\n"
    "irq = isa:5\n"
    "backend = null\n"
    "[pci_intx]\n"
    "type = ns16550\n"
    "pci = 00:05.0\n"
    "irq = intx\n"
    "backend = null\n"
    "[pci_msi]\n"
    "type = ns16550\n"
    "pci = 00:06.0\n"
    "irq = msi\n"
    "backend = socket:%s\n"
    "[cmos]\n"
    "type = mc146818\n"
    "port = 0x70\n"
    "extended = yes\n"
    "irq = isa:8\n"
    "[rtc]\n"
    "type = pl031\n"
    "mmio = 0x09010000\n"
    "irq = isa:9\n"
    "[gpio]\n"
    "type = pl061\n"
    "mmio = 0x09011000\n"
    "irq = isa:10\n"
    "ngpio = 6\n"
    "input_levels = 0x05\n"
    "backend = socket:%s\n"
    "[rtc_pci]\n"
    "type = mc146818\n"
    "pci = 00:07.0\n"
    "irq = msi\n"
    "pci_vendor = 0x1234\n"
    "pci_device = 0x11e8\n"
    "pci_class = 0x088000\n"
    "pci_revision = 2\n"
    "pci_subsystem_vendor = 0x1af4\n"
    "pci_subsystem = 0x1100\n"
    "[uart_amba]\n"
    "type = pl011\n"
    "mmio = 0x09012000\n"
    "irq = isa:11\n"
    "[panic]\n"
    "type = pvpanic\n"
    "port = 0x505\n"
    "[wdt]\n"
    "type = i6300esb\n"
    "pci = 00:08.0\n";

/* Raw request types that stand for the host (see the top of the file). */
enum host_event {
    UART_CONNECT = 0xf0, UART_SEND, UART_READ, UART_HANGUP,
    GPIO_CONNECT, GPIO_REQUEST, GPIO_RAW, GPIO_READ, GPIO_HANGUP,
    CLOCK_STEP, CLOCK_WAIT,
};

static struct {
    struct dmd_config cfg;
    struct ev_loop *loop;
    struct dmop xen;        /* never looked at: fake_dmop.c stands for Xen */
    struct iospace *space;  /* this input's */
    struct devices *devs;
    char dir[40];           /* holds the sockets and state/ */
    char sock_path[64], gpio_path[64], state_dir[64];
    int host_fd;            /* our end of the UART's socket, or -1 */
} world;

/* ---- guest RAM, checked on every access ------------------------------------ */

struct fake_ram {
    uint8_t bytes[RAM_SIZE];
    ioreq_t req; /* the request being carried out, as Xen sent it */
    bool touched, done;
};

static struct fake_ram ram;

/* iospace reads a count of 0 as one element (Xen never sends 0). */
static uint64_t buffer_elements(const ioreq_t *req)
{
    return req->count == 0 ? 1 : req->count;
}

/* Is [gpa, gpa + len) one element of the buffer the request names? */
static void check_buffer_access(uint64_t gpa, size_t len, bool to_guest)
{
    const ioreq_t *req = &ram.req;
    uint64_t last = (buffer_elements(req) - 1) * req->size; /* offset of the last element */
    uint64_t off;

    FUZZ_CHECK(req->data_is_ptr, "guest RAM accessed for a request with data_is_ptr 0");
    FUZZ_CHECK(!ram.done, "guest RAM accessed after done()");
    FUZZ_CHECK(len == req->size, "guest RAM accessed with %zu bytes for a %u-byte request",
               len, req->size);
    FUZZ_CHECK(to_guest == (req->dir == IOREQ_READ),
               "guest RAM %s for a %s request", to_guest ? "written" : "read",
               req->dir == IOREQ_READ ? "read" : "write");
    if (req->df) {
        FUZZ_CHECK(gpa <= req->data, "gpa %#llx above the df buffer's start %#llx",
                   (unsigned long long)gpa, (unsigned long long)req->data);
        off = req->data - gpa;
    } else {
        FUZZ_CHECK(gpa >= req->data, "gpa %#llx below the buffer %#llx",
                   (unsigned long long)gpa, (unsigned long long)req->data);
        off = gpa - req->data;
    }
    FUZZ_CHECK(off <= last && off % req->size == 0,
               "gpa %#llx is not an element of the %llu-element buffer at %#llx (df %d)",
               (unsigned long long)gpa, (unsigned long long)buffer_elements(req),
               (unsigned long long)req->data, req->df);
    ram.touched = true;
}

/* Offset of [gpa, gpa + len) in RAM, or -1 if it is not all RAM. */
static int64_t ram_offset(uint64_t gpa, size_t len)
{
    if (gpa < RAM_BASE || gpa - RAM_BASE > RAM_SIZE - len)
        return -1;
    return (int64_t)(gpa - RAM_BASE);
}

static int ram_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    int64_t off;

    (void)ctx;
    check_buffer_access(gpa, len, false);
    off = ram_offset(gpa, len);
    if (off < 0)
        return -EFAULT;
    memcpy(buf, ram.bytes + off, len);
    return 0;
}

static int ram_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
    int64_t off;

    (void)ctx;
    check_buffer_access(gpa, len, true);
    off = ram_offset(gpa, len);
    if (off < 0)
        return -EFAULT;
    memcpy(ram.bytes + off, buf, len);
    return 0;
}

static void ram_done(void *ctx)
{
    (void)ctx;
    FUZZ_CHECK(ram.req.data_is_ptr, "done() for a request with data_is_ptr 0");
    FUZZ_CHECK(!ram.done, "done() called twice for one request");
    ram.done = true;
}

static const struct guest_mem_ops ram_ops = {
    .read = ram_read,
    .write = ram_write,
    .done = ram_done,
};

/* ---- decoding a request ---------------------------------------------------- */

static uint8_t request_type(struct fuzz_bytes *in, uint8_t op)
{
    static const uint8_t types[] = { IOREQ_TYPE_PIO, IOREQ_TYPE_COPY, IOREQ_TYPE_PCI_CONFIG };

    return (op & 3) < 3 ? types[op & 3] : fuzz_u8(in);
}

static uint32_t request_size(struct fuzz_bytes *in, uint8_t op)
{
    static const uint32_t sizes[] = { 1, 2, 4, 8, 1, 2, 4 };
    unsigned sel = (op >> 5) & 7;

    return sel < 7 ? sizes[sel] : fuzz_u32(in);
}

static uint32_t request_count(struct fuzz_bytes *in)
{
    uint8_t c = fuzz_u8(in);

    return c == 0xff ? fuzz_u32(in) : c;
}

static uint64_t pci_config_addr(uint32_t sbdf, uint8_t target, uint8_t reg)
{
    /* target bit 3: registers past the 256-byte header (AMD extended CF8). */
    return (uint64_t)sbdf << 32 | ((target & 8) ? 0x100u : 0) | reg;
}

/* A pl031 or pl061 register from one byte: below 0x80 the registers from
 * `first` on, above it the last 128 bytes (the AMBA ID words). */
static uint64_t amba_register(uint64_t base, uint64_t first, uint8_t b)
{
    return base + (b < 0x80 ? first + b : AMBA_WINDOW - 0x80 + (b & 0x7fu));
}

/* Target 7: the pl011's registers and ids, the watchdog's configuration
 * space, its BAR (where the input must have put it) or the pvpanic port. */
static uint64_t more_devices_addr(struct fuzz_bytes *in, uint8_t target)
{
    uint8_t which = fuzz_u8(in);

    switch (which >> 6) {
    case 0:
        return amba_register(PL011, 0, fuzz_u8(in));
    case 1:
        return pci_config_addr(PCI_WDT_SBDF, target, fuzz_u8(in));
    case 2:
        return WDT_BAR - 8 + fuzz_u8(in) % 32;
    default:
        return PVPANIC - 4 + (which & 15u);
    }
}

/* Aim at a device or just around it (the offsets run a little outside). */
static uint64_t request_addr(struct fuzz_bytes *in, uint8_t target)
{
    unsigned where = (target & 7u) | ((target >> 5) & 1u) << 3;
    uint8_t off;

    switch (where) {
    case 0:
        return COM1 - 8 + fuzz_u8(in) % 24;
    case 1:
        return MMIO_UART - 16 + fuzz_u8(in) % 64;
    case 2:
        return pci_config_addr(PCI_INTX_SBDF, target, fuzz_u8(in));
    case 3:
        return pci_config_addr(PCI_MSI_SBDF, target, fuzz_u8(in));
    case 4:
        off = fuzz_u8(in);
        return BAR_AREA + ((target >> 3) & 3) * 0x100u - 8 + off % 32;
    case 5:
        return fuzz_u16(in);
    case 6:
        return fuzz_u64(in);
    case 7:
        return more_devices_addr(in, target);
    case 8:
        return CMOS - 4 + fuzz_u8(in) % 12;
    case 9:
        return PL031 - 16 + fuzz_u16(in) % (AMBA_WINDOW + 32);
    case 10:
        return PL061 - 16 + fuzz_u16(in) % (AMBA_WINDOW + 32);
    case 11:
        return pci_config_addr(PCI_RTC_SBDF, target, fuzz_u8(in));
    case 12:
        return amba_register(PL031, 0, fuzz_u8(in));
    case 13:
        return amba_register(PL061, 0x3e0, fuzz_u8(in)); /* the end of GPIODATA on */
    case 14:
        return PL061 + ((uint64_t)fuzz_u8(in) << 2); /* GPIODATA, the byte its mask */
    default:
        return PL061 - 8 + fuzz_u8(in) % 16; /* across the pl031/pl061 border */
    }
}

static ioreq_t decode_request(struct fuzz_bytes *in)
{
    uint8_t op = fuzz_u8(in), target;
    ioreq_t req = {
        .state = STATE_IOREQ_READY,
        .dir = (op >> 2) & 1u,
        .data_is_ptr = (op >> 3) & 1u,
        .df = (op >> 4) & 1u,
    };

    req.type = request_type(in, op);
    req.size = request_size(in, op);
    req.count = request_count(in);
    target = fuzz_u8(in);
    req.addr = request_addr(in, target);
    req.data = fuzz_u64(in);
    if (req.data_is_ptr && !(target & 0x80))
        req.data = RAM_BASE - 16 + req.data % (RAM_SIZE + 32);
    return req;
}

/* ---- the host side of the UART's socket ------------------------------------ */

static void host_hangup(void)
{
    if (world.host_fd >= 0)
        close(world.host_fd);
    world.host_fd = -1;
}

/* Refused when the device was not created: the host is simply not there. */
static void host_connect(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };

    host_hangup();
    world.host_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    FUZZ_CHECK(world.host_fd >= 0, "socket: %m");
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", world.sock_path);
    if (connect(world.host_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        host_hangup();
}

static void host_send(const ioreq_t *ev)
{
    uint8_t buf[8];
    size_t len = ev->count % 9;

    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(ev->data >> (8 * i));
    /* A full socket or one dmd closed drops them, as for a real host. */
    if (world.host_fd >= 0)
        send(world.host_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void host_read(void)
{
    uint8_t buf[256];

    while (world.host_fd >= 0 && recv(world.host_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
        continue;
}

/* ---- the host side of the GPIO socket -------------------------------------- */

static void gpio_event(const ioreq_t *ev)
{
    unsigned client = (uint8_t)ev->data;
    uint8_t bytes[7];
    size_t len = ev->count % 8;

    switch (ev->type) {
    case GPIO_CONNECT:
        fuzz_gpio_connect(client);
        break;
    case GPIO_REQUEST:
        fuzz_gpio_send_request(client, ev->count, (uint8_t)(ev->data >> 8),
                               (uint8_t)(ev->data >> 16));
        break;
    case GPIO_RAW:
        for (size_t i = 0; i < len; i++)
            bytes[i] = (uint8_t)(ev->data >> (8 * (i + 1)));
        fuzz_gpio_send_raw(client, bytes, len);
        break;
    case GPIO_READ:
        fuzz_gpio_read(client);
        break;
    default:
        fuzz_gpio_hangup(client);
        break;
    }
}

static void host_event(const ioreq_t *ev)
{
    switch (ev->type) {
    case UART_CONNECT:
        host_connect();
        break;
    case UART_SEND:
        host_send(ev);
        break;
    case UART_READ:
        host_read();
        break;
    case GPIO_CONNECT:
    case GPIO_REQUEST:
    case GPIO_RAW:
    case GPIO_READ:
    case GPIO_HANGUP:
        gpio_event(ev);
        break;
    case CLOCK_STEP:
        fuzz_clock_step(ev->count, (uint32_t)ev->data);
        break;
    case CLOCK_WAIT:
        fuzz_clock_wait();
        break;
    default:
        host_hangup();
        break;
    }
}

/* ---- checking what Xen reads back ------------------------------------------ */

static bool handled_type(uint8_t type)
{
    return type == IOREQ_TYPE_PIO || type == IOREQ_TYPE_COPY || type == IOREQ_TYPE_PCI_CONFIG;
}

static uint64_t size_mask(uint32_t size)
{
    return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * size)) - 1;
}

/* What Xen reads back from the slot after the request. */
static void check_answer(const ioreq_t *sent, const ioreq_t *got)
{
    bool valid_size = got->size == 1 || got->size == 2 || got->size == 4 ||
                      (got->size == 8 && got->type == IOREQ_TYPE_COPY);

    if (!handled_type(sent->type)) {
        FUZZ_CHECK(memcmp(sent, got, sizeof(*sent)) == 0, "type %u request modified",
                   sent->type);
        return;
    }
    FUZZ_CHECK(got->count <= sent->count, "count raised from %u to %u", sent->count,
               got->count);
    FUZZ_CHECK(got->addr == sent->addr && got->size == sent->size && got->type == sent->type &&
               got->dir == sent->dir && got->df == sent->df &&
               got->data_is_ptr == sent->data_is_ptr && got->state == sent->state &&
               got->vp_eport == sent->vp_eport,
               "fields other than data and count modified");
    if (sent->data_is_ptr || sent->dir == IOREQ_WRITE)
        FUZZ_CHECK(got->data == sent->data, "data changed from %#llx to %#llx",
                   (unsigned long long)sent->data, (unsigned long long)got->data);
    else if (valid_size)
        FUZZ_CHECK((got->data & ~size_mask(got->size)) == 0,
                   "%u-byte read returned %#llx", got->size, (unsigned long long)got->data);
    FUZZ_CHECK(!ram.touched || ram.done, "guest RAM used but done() never called");
}

/* ---- carrying it out ------------------------------------------------------- */

/* Carry out one request as Xen sent it; returns the data Xen reads back. */
static uint64_t carry_out(const ioreq_t *sent)
{
    ioreq_t req = *sent;

    ram.req = *sent;
    ram.touched = false;
    ram.done = false;
    iospace_dispatch(world.space, &req, 0, &ram_ops, NULL);
    check_answer(sent, &req);
    return req.data;
}

/* One of the input's requests, as ioreq_loop.c handles them. */
static void dispatch_checked(const ioreq_t *sent)
{
    static const struct fuzz_fixed_regs fixed = {
        .cmos = CMOS, .pl031 = PL031, .pl061 = PL061, .gpio_lines = GPIO_LINES,
    };

    fuzz_check_fixed_read(&fixed, sent, carry_out(sent));
    fake_dmop_check_routing(world.space);
    if (sent->type == IOREQ_TYPE_TIMEOFFSET)
        devices_timeoffset(world.devs, (int64_t)sent->data);
}

/* ---- interrupts as the guest and Xen see them -------------------------------- */

#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_CMD_MASTER 0x0004u
#define PCI_CMD_INTX_DISABLE 0x0400u
#define PCI_STATUS_INTERRUPT 0x08u
#define MSI_CONTROL 0x42
#define MSI_MASK 0x50
#define MSI_PENDING 0x54

static uint32_t config_read(uint32_t sbdf, unsigned reg, unsigned size)
{
    ioreq_t req = { .state = STATE_IOREQ_READY, .type = IOREQ_TYPE_PCI_CONFIG,
                    .dir = IOREQ_READ, .size = size, .count = 1,
                    .addr = (uint64_t)sbdf << 32 | reg };

    return (uint32_t)carry_out(&req);
}

/* INTx: Xen sees the line high exactly when the function's Interrupt
 * Status is set and Interrupt Disable is not. */
static void check_intx(uint32_t sbdf)
{
    uint32_t command = config_read(sbdf, PCI_COMMAND, 2);
    bool status = config_read(sbdf, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT;
    bool xen = fake_dmop_intx_level(0, (uint8_t)(sbdf >> 3), 0);

    FUZZ_CHECK(xen == (status && !(command & PCI_CMD_INTX_DISABLE)),
               "INTx of %02x.%x: Xen sees %d, status %d, command %#x", sbdf >> 3, sbdf & 7,
               xen, status, command);
}

/* MSI: a message is pending only while the vector is masked and MSI
 * enabled with bus mastering (otherwise it was sent, or is not due). */
static void check_msi(uint32_t sbdf)
{
    uint32_t pending = config_read(sbdf, MSI_PENDING, 4);
    uint32_t command, control, mask;

    if (!(pending & 1))
        return;
    command = config_read(sbdf, PCI_COMMAND, 2);
    control = config_read(sbdf, MSI_CONTROL, 2);
    mask = config_read(sbdf, MSI_MASK, 4);
    FUZZ_CHECK((mask & 1) && (control & 1) && (command & PCI_CMD_MASTER),
               "MSI of %02x.%x pending with mask %#x, control %#x, command %#x", sbdf >> 3,
               sbdf & 7, mask, control, command);
}

static void check_interrupts(void)
{
    check_intx(PCI_INTX_SBDF);
    check_msi(PCI_MSI_SBDF);
    check_msi(PCI_RTC_SBDF);
}

/* ---- the end of an input: limits, destruction, a restart ------------------- */

/* The harness's own accesses, which move no BAR: no routing check. */
static uint64_t guest_read(uint8_t type, uint64_t addr, unsigned size)
{
    ioreq_t req = { .state = STATE_IOREQ_READY, .type = type, .dir = IOREQ_READ,
                    .size = size, .count = 1, .addr = addr };

    return carry_out(&req);
}

static void guest_write(uint8_t type, uint64_t addr, unsigned size, uint64_t value)
{
    ioreq_t req = { .state = STATE_IOREQ_READY, .type = type, .dir = IOREQ_WRITE,
                    .size = size, .count = 1, .addr = addr, .data = value };

    carry_out(&req);
}

static const struct fuzz_guest guest = {
    .read = guest_read,
    .write = guest_write,
    .cmos_port = CMOS,
    .pl031_base = PL031,
};

static void check_log_lines(void)
{
    const char *example;
    unsigned most = fake_journal_most_of_a_kind(&example);

    FUZZ_CHECK(fake_journal_entries() <= GUEST_LOG_MAX, "%u log lines for one input",
               fake_journal_entries());
    FUZZ_CHECK(most <= KIND_LOG_MAX, "%u log lines of one kind for one input, such as \"%s\"",
               most, example);
}

static void destroy_devices(void)
{
    devices_destroy(world.devs);
    world.devs = NULL;
    fake_dmop_check_idle(world.space);
}

/* dmd stops and starts again at the same host time. */
static void check_restart(const struct fuzz_rtc_view *before)
{
    fake_dmop_reset(0);
    FUZZ_CHECK(devices_create(&world.devs, &world.cfg, world.loop, &world.xen, world.space, NULL) == 0,
               "the devices cannot be created again from their state files");
    fuzz_state_dir_check(world.state_dir); /* nothing set aside as .bad */
    fuzz_rtc_check_restored(&guest, before);
    destroy_devices();
}

static void finish_input(void)
{
    struct fuzz_rtc_view view;

    host_hangup();
    fuzz_gpio_hangup_all();
    ev_run(world.loop, EVRUN_NOWAIT);
    check_log_lines();
    fuzz_rtc_look(&guest, &view);
    destroy_devices(); /* writes the state files */
    if (fuzz_state_dir_check(world.state_dir) ||
        fuzz_rtc_view_changed(&view, rtc_clock_sec(fuzz_clock_now())))
        check_restart(&view);
}

/* ---- libFuzzer entry points ------------------------------------------------ */

/* The sockets go with each input's devices. */
static void remove_dir(void)
{
    fuzz_state_dir_clear(world.state_dir);
    rmdir(world.state_dir);
    rmdir(world.dir);
}

/* tmpfs if there is one: the state files are fsync()ed. */
static void make_dir(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

    snprintf(world.dir, sizeof(world.dir), "%s/dmd-fuzz-XXXXXX", base);
    FUZZ_CHECK(mkdtemp(world.dir) != NULL, "mkdtemp: %m");
    snprintf(world.sock_path, sizeof(world.sock_path), "%s/host.sock", world.dir);
    snprintf(world.gpio_path, sizeof(world.gpio_path), "%s/gpio.sock", world.dir);
    snprintf(world.state_dir, sizeof(world.state_dir), "%s/state", world.dir);
    FUZZ_CHECK(mkdir(world.state_dir, 0700) == 0, "mkdir %s: %m", world.state_dir);
    atexit(remove_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct fuzz_memfile f;
    char text[sizeof(fuzz_config_format) + 3 * sizeof(world.sock_path)];
    int len;

    (void)argc;
    (void)argv;
    log_init(LOG_TARGET_STDERR, LOG_ERR); /* says why, should the config be bad */
    world.host_fd = -1;
    make_dir();
    fuzz_gpio_host_init(world.gpio_path, GPIO_LINES);
    len = snprintf(text, sizeof(text), fuzz_config_format, world.state_dir, world.sock_path,
                   world.gpio_path);
    FUZZ_CHECK(len > 0 && (size_t)len < sizeof(text), "config text too long");
    FUZZ_CHECK(fuzz_memfile_open(&f) == 0, "memfd_create: %m");
    FUZZ_CHECK(fuzz_memfile_set(&f, text, (size_t)len) == 0, "write: %m");
    FUZZ_CHECK(config_load(f.path, &world.cfg) == 0, "the built-in config is invalid");
    close(f.fd);
    /* Every message from now on is formatted and counted, not printed. */
    log_init(LOG_TARGET_JOURNAL, LOG_DEBUG);
    world.loop = ev_loop_new(EVFLAG_AUTO);
    FUZZ_CHECK(world.loop != NULL, "ev_loop_new failed");
    fuzz_clock_init(world.loop);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_bytes in = { data, size };
    uint8_t fail_map_at = fuzz_u8(&in);

    world.space = iospace_new();
    FUZZ_CHECK(world.space != NULL, "out of memory");
    fuzz_clock_reset(FUZZ_CLOCK_START_NS, WAITS_PER_INPUT);
    fuzz_state_dir_clear(world.state_dir);
    /* Mostly no failure; 1-11 fail creating a device, 12-24 a BAR claim. */
    fake_dmop_reset(fail_map_at <= 24 ? fail_map_at : 0);
    memset(ram.bytes, 0xa5, sizeof(ram.bytes));
    if (devices_create(&world.devs, &world.cfg, world.loop, &world.xen, world.space, NULL) == 0) {
        fake_dmop_check_routing(world.space);
        fake_journal_reset();
        while (fuzz_bytes_left(&in) > 0) {
            ioreq_t req = decode_request(&in);

            if (req.type >= UART_CONNECT)
                host_event(&req);
            else
                dispatch_checked(&req);
            ev_run(world.loop, EVRUN_NOWAIT);
            check_interrupts();
        }
        finish_input();
    }
    fake_dmop_check_idle(world.space);
    iospace_free(world.space);
    world.space = NULL;
    return 0;
}
