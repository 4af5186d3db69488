/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the request router with real devices behind it.
 *
 * The devices are built by the real device manager (devices/device.c) from
 * a real config: a 16550 at port 0x3f8, one at MMIO with reg_shift 2, and
 * two PCI functions around a 16550 (INTx and MSI) whose BAR0 the input may
 * program, claim, move and release.  All have the null backend but the
 * MSI function, whose socket backend lets the input play the host too.
 * Only Xen is fake (fake_dmop.c) and guest RAM is a few pages here.  Each
 * input starts from fresh devices, so a reproducer replays alone.
 *
 * The input is one byte choosing which range map should fail (to run the
 * device manager's error paths), then ioreq records, each dispatched with
 * iospace_dispatch():
 *
 *   op      bits 0-1 type (PIO, COPY, PCI_CONFIG, or 3: a raw type byte
 *           follows), bit 2 dir, bit 3 data_is_ptr, bit 4 df, bits 5-7 size
 *           (1, 2, 4, 8, 1, 2, 4, or 7: a raw 32-bit size follows)
 *   count   one byte; 0xff: a raw 32-bit count follows
 *   target  bits 0-2 where addr points (see request_addr()), bit 7 keeps a
 *           data_is_ptr buffer address raw instead of aiming it at guest RAM
 *   ...     the address bytes the target needs, then data (8 bytes)
 *
 * Raw types from 0xf0 up are not requests but the host at the other end
 * of the MSI function's socket backend: 0xf0 connects (again), 0xf1 sends
 * `count` % 9 bytes of data, 0xf2 reads what the UART sent, the others
 * hang up; dmd's event loop then runs once, as between two requests.
 *
 * Addresses are aimed at the claimed ranges and just around them, so most
 * requests reach a device.  Beyond what the sanitizers catch, every
 * request is checked: the fields Xen reads back are sane (count never
 * raised, read values masked to the size, everything else untouched), guest
 * RAM is touched only inside the buffer the request names and in its
 * direction, and the routing table agrees with what Xen was told.  Log
 * lines are counted (fake_journal.c): the requests of one input may not
 * log more than the rate limits let through.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <ev.h>

#include "config.h"
#include "devices/device.h"
#include "dmop/dmop.h"
#include "fake_dmop.h"
#include "fake_journal.h"
#include "fuzz_bytes.h"
#include "fuzz_check.h"
#include "fuzz_memfile.h"
#include "iospace.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define COM1 0x3f8u
#define MMIO_UART 0x09000000u /* 8 registers, 4 bytes apart */
#define PCI_INTX_SBDF (5u << 3) /* 00:05.0 */
#define PCI_MSI_SBDF (6u << 3)  /* 00:06.0 */
#define BAR_AREA 0xc000u        /* where the seeds put BAR0 */

/* Guest requests reach a few rate limiters (iospace's four, pci.c's, and
 * one per device in uart16550.c and chardev.c): each lets at most a burst
 * and a "suppressed" line through per window, and an input takes far less
 * than a window.  16 limiters is a generous ceiling. */
#define GUEST_LOG_MAX (16u * (LOG_RATELIMIT_BURST + 1))

#define RAM_BASE 0x100000u
#define RAM_SIZE (4u * 4096u)

static const char fuzz_config_format[] =
    "[dmd]\n"
    "arch = x86\n"
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
    "backend = socket:%s\n";

/* Raw request types that stand for the host side of the socket; any
 * type above HOST_READ hangs up. */
enum host_event { HOST_CONNECT = 0xf0, HOST_SEND, HOST_READ };

static struct {
    struct dmd_config cfg;
    struct ev_loop *loop;
    struct dmop xen; /* never looked at: fake_dmop.c stands for Xen */
    char dir[32];    /* holds the socket */
    char sock_path[64];
    int host_fd;     /* our end of the socket, or -1 */
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

/* Aim at a device or just around it (the offsets run a little outside). */
static uint64_t request_addr(struct fuzz_bytes *in, uint8_t target)
{
    uint8_t off;

    switch (target & 7) {
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
    default:
        return fuzz_u32(in);
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

/* ---- the host side of the socket backend ----------------------------------- */

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

static void host_event(const ioreq_t *ev)
{
    switch (ev->type) {
    case HOST_CONNECT:
        host_connect();
        break;
    case HOST_SEND:
        host_send(ev);
        break;
    case HOST_READ:
        host_read();
        break;
    default:
        host_hangup();
        break;
    }
    ev_run(world.loop, EVRUN_NOWAIT);
}

/* ---- carrying it out ------------------------------------------------------- */

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

static void dispatch_checked(struct iospace *sp, const ioreq_t *sent)
{
    ioreq_t req = *sent;

    ram.req = *sent;
    ram.touched = false;
    ram.done = false;
    iospace_dispatch(sp, &req, 0, &ram_ops, NULL);
    check_answer(sent, &req);
    fake_dmop_check_routing(sp);
}

/* ---- libFuzzer entry points ------------------------------------------------ */

/* The socket itself goes with each input's devices. */
static void remove_dir(void)
{
    rmdir(world.dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct fuzz_memfile f;
    char text[sizeof(fuzz_config_format) + sizeof(world.sock_path)];
    int len;

    (void)argc;
    (void)argv;
    log_init(LOG_TARGET_STDERR, LOG_ERR); /* says why, should the config be bad */
    world.host_fd = -1;
    snprintf(world.dir, sizeof(world.dir), "/tmp/dmd-fuzz-XXXXXX");
    FUZZ_CHECK(mkdtemp(world.dir) != NULL, "mkdtemp: %m");
    atexit(remove_dir);
    snprintf(world.sock_path, sizeof(world.sock_path), "%s/host.sock", world.dir);
    len = snprintf(text, sizeof(text), fuzz_config_format, world.sock_path);
    FUZZ_CHECK(len > 0 && (size_t)len < sizeof(text), "config text too long");
    FUZZ_CHECK(fuzz_memfile_open(&f) == 0, "memfd_create: %m");
    FUZZ_CHECK(fuzz_memfile_set(&f, text, (size_t)len) == 0, "write: %m");
    FUZZ_CHECK(config_load(f.path, &world.cfg) == 0, "the built-in config is invalid");
    close(f.fd);
    /* Every message from now on is formatted and counted, not printed. */
    log_init(LOG_TARGET_JOURNAL, LOG_DEBUG);
    world.loop = ev_loop_new(EVFLAG_AUTO);
    FUZZ_CHECK(world.loop != NULL, "ev_loop_new failed");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_bytes in = { data, size };
    uint8_t fail_map_at = fuzz_u8(&in);
    struct iospace *sp = iospace_new();
    struct devices *devs;

    FUZZ_CHECK(sp != NULL, "out of memory");
    /* Mostly no failure; 1-4 fail creating a device, 5-16 a BAR claim. */
    fake_dmop_reset(fail_map_at <= 16 ? fail_map_at : 0);
    memset(ram.bytes, 0xa5, sizeof(ram.bytes));
    if (devices_create(&devs, &world.cfg, world.loop, &world.xen, sp) == 0) {
        fake_dmop_check_routing(sp);
        fake_journal_reset();
        while (fuzz_bytes_left(&in) > 0) {
            ioreq_t req = decode_request(&in);

            if (req.type >= HOST_CONNECT)
                host_event(&req);
            else
                dispatch_checked(sp, &req);
        }
        host_hangup();
        ev_run(world.loop, EVRUN_NOWAIT);
        FUZZ_CHECK(fake_journal_entries() <= GUEST_LOG_MAX, "%u log lines for one input",
                   fake_journal_entries());
        devices_destroy(devs);
    }
    fake_dmop_check_idle(sp);
    iospace_free(sp);
    return 0;
}
