/* SPDX-License-Identifier: MIT */
/*
 * pl061: the ARM PrimeCell GPIO controller (ARM DDI 0190B), as Linux's
 * gpio-pl061 driver and the AMBA bus expect it, in a 4 KiB MMIO window:
 *
 *   0x000-0x3fc GPIODATA  address bits [9:2] mask the bits read or written
 *   0x400 GPIODIR   1 = output          0x404 GPIOIS   1 = level-sensitive
 *   0x408 GPIOIBE   1 = both edges      0x40c GPIOIEV  1 = rising edge / high level
 *   0x410 GPIOIE    interrupt mask      0x414 GPIORIS  raw status (read-only)
 *   0x418 GPIOMIS   RIS & IE            0x41c GPIOIC   write 1 to clear an edge
 *   0x420 GPIOAFSEL stored only
 *   0xfe0-0xfec PeriphID 0x61 0x10 0x04 0x00, 0xff0-0xffc PCellID 0x0d 0xf0 0x05 0xb1
 *
 * Registers are 8 bits wide in 32-bit words.  Linux reads the ID words
 * with readl (amba_read_periphid keeps the low byte of each: periphid
 * 0x00041061 matches gpio-pl061's id table under mask 0x000fffff, cellid
 * 0xb105f00d is AMBA_CID) and everything else with readb/writeb.  So
 * accesses of 1, 2 and 4 bytes reach the registers (max_access 4): an
 * access at a word's start sees the register in its low byte, zeros above;
 * one inside a word touches only reserved bits (reads 0, writes ignored).
 * An 8-byte access is split into two words.
 *
 * The model has one level per line, the "pad": what the guest drives for
 * an output (GPIODIR = 1), what the host set for an input.  GPIODATA reads
 * the pads; interrupts are detected on the pads too, so an output line can
 * interrupt, as on the real part where the input buffer sees the pin.
 * Choices where the TRM leaves room:
 *  - Writes to GPIODATA change only unmasked output bits; the value written
 *    to an input bit is dropped (Linux writes the value again after
 *    setting GPIODIR for this reason).  The output latch keeps its value
 *    while a line is an input.
 *  - Edge detections latch in RIS only for lines in edge mode (IS = 0) and
 *    are forgotten when a line is switched to level mode; level lines show
 *    in RIS while the pad matches IEV and GPIOIC does not affect them.
 *  - GPIOAFSEL has no hardware to hand the line to: it is stored only.
 *  - Lines at and above `ngpio` read 0 and ignore writes in every register.
 *
 * The host side is a gpio_socket (backend = socket:PATH) or nothing
 * (null).  Every change of a pad or a direction goes to the socket's
 * watchers; a change the guest makes is also a (rate-limited) log line.
 *
 * Crash restart (docs/restart.md): the snapshot holds the registers, the
 * host levels and the latched edges; a host client's `set` asks for a
 * save with device_changed().
 */
#include "device.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "../log.h"
#include "../snapshot.h"
#include "chardev.h"
#include "gpio_socket.h"

#define PL061_WINDOW 0x1000
#define PL061_MAX_LINES 8

#define GPIODATA_END 0x400 /* GPIODATA spans 0x000-0x3fc */
#define GPIODIR 0x400
#define GPIOIS 0x404
#define GPIOIBE 0x408
#define GPIOIEV 0x40c
#define GPIOIE 0x410
#define GPIORIS 0x414
#define GPIOMIS 0x418
#define GPIOIC 0x41c
#define GPIOAFSEL 0x420
#define PL061_ID 0xfe0 /* PeriphID0..3, PCellID0..3: one byte per word */

static const uint8_t pl061_id[8] = { 0x61, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

struct pl061 {
    struct device *dev;
    struct gpio_socket *sock; /* NULL with backend = null */
    uint8_t valid;            /* one bit per line that exists */
    uint8_t dir, out, in;     /* directions, output latch, host levels */
    uint8_t is, ibe, iev, ie, afsel;
    uint8_t edges;            /* latched edge detections */
    uint8_t pads;             /* each line's level as last settled */
    uint8_t shown_dir;        /* directions as last settled */
    struct log_ratelimit guest_rl, host_rl;
};

#define PL061_FIELDS(p) (&(struct log_fields){ .device = (p)->dev->name, .vcpu = -1 })

/* ---- lines and interrupts ------------------------------------------------ */

static uint8_t pads_now(const struct pl061 *p)
{
    return (uint8_t)(((p->out & p->dir) | (p->in & ~p->dir)) & p->valid);
}

static uint8_t raw_status(const struct pl061 *p)
{
    uint8_t level_hits = (uint8_t)(p->is & ~(p->pads ^ p->iev));

    return (uint8_t)(((p->edges & ~p->is) | level_hits) & p->valid);
}

static void update_irq(struct pl061 *p)
{
    irq_line_set(p->dev->irq, (raw_status(p) & p->ie) != 0);
}

/* Latch the edges of the pads that moved, for lines in edge mode. */
static void detect_edges(struct pl061 *p, uint8_t moved, uint8_t now)
{
    uint8_t rising = moved & now;
    uint8_t falling = moved & (uint8_t)~now;
    uint8_t chosen = (uint8_t)((p->iev & rising) | (~p->iev & falling));
    uint8_t hits = (uint8_t)((p->ibe & moved) | chosen); /* IBE: either edge */

    p->edges |= (uint8_t)(hits & ~p->is);
}

static void log_guest_change(struct pl061 *p, unsigned line, bool level, bool output)
{
    if (output)
        log_limited(&p->guest_rl, LOG_INFO, PL061_FIELDS(p), "line %u: guest drives it %s",
                    line, level ? "high" : "low");
    else
        log_limited(&p->guest_rl, LOG_INFO, PL061_FIELDS(p),
                    "line %u: guest made it an input (host level %s)", line,
                    level ? "high" : "low");
}

/* Tell the host about every line whose pad or direction changed. */
static void announce(struct pl061 *p, uint8_t lines, bool by_guest)
{
    for (unsigned i = 0; i < PL061_MAX_LINES; i++) {
        bool level = (p->pads >> i) & 1;
        bool output = (p->dir >> i) & 1;

        if (!((lines >> i) & 1))
            continue;
        gpio_socket_changed(p->sock, i, level, output);
        if (by_guest)
            log_guest_change(p, i, level, output);
    }
}

/* Called after every change of state: pads, edges, the line, the host. */
static void settle(struct pl061 *p, bool by_guest)
{
    uint8_t now = pads_now(p);
    uint8_t moved = now ^ p->pads;
    uint8_t turned = p->dir ^ p->shown_dir;

    detect_edges(p, moved, now);
    p->pads = now;
    p->shown_dir = p->dir;
    update_irq(p);
    if (moved | turned)
        announce(p, moved | turned, by_guest);
}

/* ---- region ops ---------------------------------------------------------- */

static uint64_t pl061_read(void *opaque, uint64_t offset, unsigned size)
{
    struct pl061 *p = opaque;

    (void)size;
    if (offset & 3)
        return 0; /* reserved upper bits of a register word */
    if (offset < GPIODATA_END)
        return p->pads & (offset >> 2);
    switch (offset) {
    case GPIODIR:
        return p->dir;
    case GPIOIS:
        return p->is;
    case GPIOIBE:
        return p->ibe;
    case GPIOIEV:
        return p->iev;
    case GPIOIE:
        return p->ie;
    case GPIORIS:
        return raw_status(p);
    case GPIOMIS:
        return raw_status(p) & p->ie;
    case GPIOAFSEL:
        return p->afsel;
    default:
        break;
    }
    if (offset >= PL061_ID && offset < PL061_WINDOW)
        return pl061_id[(offset - PL061_ID) >> 2];
    return 0; /* GPIOIC is write-only; the rest is reserved */
}

static void write_data(struct pl061 *p, uint64_t offset, uint8_t value)
{
    uint8_t mask = (uint8_t)(offset >> 2) & p->dir & p->valid;

    p->out = (uint8_t)((p->out & ~mask) | (value & mask));
}

static void pl061_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct pl061 *p = opaque;
    uint8_t v = (uint8_t)value & p->valid;

    (void)size;
    if (offset & 3)
        return;
    if (offset < GPIODATA_END) {
        write_data(p, offset, (uint8_t)value);
    } else {
        switch (offset) {
        case GPIODIR:
            p->dir = v;
            break;
        case GPIOIS:
            p->is = v;
            p->edges &= (uint8_t)~v; /* level mode forgets latched edges */
            break;
        case GPIOIBE:
            p->ibe = v;
            break;
        case GPIOIEV:
            p->iev = v;
            break;
        case GPIOIE:
            p->ie = v;
            break;
        case GPIOIC:
            p->edges &= (uint8_t)~v;
            break;
        case GPIOAFSEL:
            p->afsel = v;
            break;
        default:
            return; /* read-only or reserved */
        }
    }
    settle(p, true);
}

static const struct region_ops pl061_ops = {
    .read = pl061_read,
    .write = pl061_write,
};

/* ---- the host side -------------------------------------------------------- */

static void host_get(void *opaque, unsigned line, bool *level, bool *output)
{
    struct pl061 *p = opaque;

    *level = (p->pads >> line) & 1;
    *output = (p->dir >> line) & 1;
}

static void host_set(void *opaque, unsigned line, bool level)
{
    struct pl061 *p = opaque;
    uint8_t bit = (uint8_t)(1u << line);
    uint8_t in = level ? (uint8_t)(p->in | bit) : (uint8_t)(p->in & ~bit);

    if (in == p->in)
        return;
    p->in = in;
    log_limited(&p->host_rl, LOG_INFO, PL061_FIELDS(p), "line %u: host sets it %s%s", line,
                level ? "high" : "low", (p->dir & bit) ? " (ignored while an output)" : "");
    settle(p, false);
    /* Not a register access: the core saves only when asked.  The level
     * counts even on an output line: it shows once the line is an input. */
    device_changed(p->dev);
}

/* ---- crash snapshot ------------------------------------------------------- */

/*
 * Layout (version 1), 9 bytes: DIR, the output latch, the host levels, IS,
 * IBE, IEV, IE, AFSEL, the latched edges.  The pads and the directions last
 * announced are not saved: settle() leaves them equal to pads_now() and
 * DIR after every change, so they are derived again on restore, and a
 * snapshot cannot disagree with itself about them.
 */
struct pl061_snap {
    uint8_t dir, out, in, is, ibe, iev, ie, afsel, edges;
};

static void pl061_save(struct device *dev, struct snap_out *out)
{
    const struct pl061 *p = dev->state;

    snap_put_u8(out, p->dir);
    snap_put_u8(out, p->out);
    snap_put_u8(out, p->in);
    snap_put_u8(out, p->is);
    snap_put_u8(out, p->ibe);
    snap_put_u8(out, p->iev);
    snap_put_u8(out, p->ie);
    snap_put_u8(out, p->afsel);
    snap_put_u8(out, p->edges);
}

static void read_snap(struct snap_in *in, struct pl061_snap *s)
{
    s->dir = snap_get_u8(in);
    s->out = snap_get_u8(in);
    s->in = snap_get_u8(in);
    s->is = snap_get_u8(in);
    s->ibe = snap_get_u8(in);
    s->iev = snap_get_u8(in);
    s->ie = snap_get_u8(in);
    s->afsel = snap_get_u8(in);
    s->edges = snap_get_u8(in);
}

/* Bits only for lines that exist (every register, the latch and the host
 * levels are masked to them); edges only on lines in edge mode (writing IS
 * forgets them, detect_edges() latches none in level mode). */
static bool snap_valid(const struct pl061 *p, const struct pl061_snap *s)
{
    uint8_t all = (uint8_t)(s->dir | s->out | s->in | s->is | s->ibe | s->iev | s->ie |
                            s->afsel | s->edges);

    return (all & ~p->valid) == 0 && (s->edges & s->is) == 0;
}

static int pl061_restore(struct device *dev, struct snap_in *in, bool apply)
{
    struct pl061 *p = dev->state;
    struct pl061_snap s;

    read_snap(in, &s);
    if (in->bad || snap_in_left(in) != 0 || !snap_valid(p, &s))
        return -EINVAL;
    if (!apply)
        return 0;
    p->dir = s.dir;
    p->out = s.out;
    p->in = s.in;
    p->is = s.is;
    p->ibe = s.ibe;
    p->iev = s.iev;
    p->ie = s.ie;
    p->afsel = s.afsel;
    p->edges = s.edges;
    /* The pads are where they were, not where create() put them: no
     * edge, and nothing to tell the host (nobody is connected yet, and a
     * new client asks with `get`).  Then the line, as settle() does. */
    p->pads = pads_now(p);
    p->shown_dir = p->dir;
    update_irq(p);
    return 0;
}

/* ---- lifecycle ------------------------------------------------------------ */

static uint64_t pl061_window_size(const struct dev_config *cfg)
{
    (void)cfg;
    return PL061_WINDOW;
}

/* Only a line server or nothing make sense for GPIO lines; the config
 * parser accepts any chardev, so the others are refused here, by name. */
static int check_backend(const struct device *dev, const struct chardev_spec *spec)
{
    if (spec->kind == CHARDEV_NULL || spec->kind == CHARDEV_SOCKET)
        return 0;
    log_dev(LOG_ERR, dev->name, "backend = %s is not supported by pl061: use socket:PATH or null",
            chardev_kind_name(spec->kind));
    return -EINVAL;
}

static int check_inputs(const struct device *dev, uint64_t inputs, unsigned ngpio)
{
    const struct param_value *v = dev_config_param(dev->cfg, "input_levels");

    if ((inputs >> ngpio) == 0)
        return 0;
    log_dev(LOG_ERR, dev->name, "input_levels = %#" PRIx64 " (line %d) sets lines beyond "
            "ngpio = %u", inputs, v != NULL ? v->line : 0, ngpio);
    return -EINVAL;
}

static int pl061_create(struct device *dev)
{
    static const struct chardev_spec null_spec = { .kind = CHARDEV_NULL };
    const struct chardev_spec *spec = dev_config_chardev(dev->cfg, "backend");
    uint64_t ngpio = dev_config_u64(dev->cfg, "ngpio");
    uint64_t inputs = dev_config_u64(dev->cfg, "input_levels");
    struct gpio_socket_lines lines;
    struct pl061 *p;
    int rc;

    if (spec == NULL)
        spec = &null_spec;
    if (ngpio < 1 || ngpio > PL061_MAX_LINES)
        ngpio = PL061_MAX_LINES; /* the config checked the range */
    rc = check_backend(dev, spec);
    if (rc == 0)
        rc = check_inputs(dev, inputs, (unsigned)ngpio);
    if (rc < 0)
        return rc;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    p->dev = dev;
    p->valid = (uint8_t)((1u << ngpio) - 1);
    p->in = (uint8_t)inputs;
    p->pads = pads_now(p);
    if (spec->kind == CHARDEV_SOCKET) {
        lines = (struct gpio_socket_lines){
            .opaque = p, .count = (unsigned)ngpio, .get = host_get, .set = host_set,
        };
        rc = gpio_socket_open(&p->sock, dev->loop, spec->path, dev->name, &lines);
        if (rc < 0) {
            free(p);
            return rc;
        }
    }
    dev->state = p;
    log_dev(LOG_INFO, dev->name, "PL061, %u lines, input levels 0x%02x, backend %s%s%s",
            (unsigned)ngpio, p->in, chardev_kind_name(spec->kind), spec->path != NULL ? ":" : "",
            spec->path != NULL ? spec->path : "");
    return 0;
}

static void pl061_destroy(struct device *dev)
{
    struct pl061 *p = dev->state;

    if (p == NULL)
        return;
    gpio_socket_close(p->sock);
    free(p);
    dev->state = NULL;
}

static const struct dev_param pl061_params[] = {
    { .key = "ngpio", .kind = PARAM_U64, .min = 1, .max = PL061_MAX_LINES, .def = "8",
      .help = "lines 0..ngpio-1 exist; the others read 0 and ignore writes" },
    { .key = "input_levels", .kind = PARAM_U64, .min = 0, .max = 0xff, .def = "0",
      .help = "level the host drives on each input line at start (bit N = line N)" },
    { .key = "backend", .kind = PARAM_CHARDEV, .def = "null",
      .help = "host side: socket:PATH (see dmd-gpio(1)) or null" },
    { .key = NULL },
};

/* An AMBA device, not a PCI one: behind PCI the config names the ids. */
static const struct device_pci_id pl061_pci_id = {
    .class_code = 0x088000, /* system peripheral, other */
    .bar_is_io = false,
};

const struct device_type pl061_device = {
    .name = "pl061",
    .description = "ARM PrimeCell PL061 GPIO controller (8 lines, MMIO)",
    .attach = DEVICE_ATTACH(ATTACH_MMIO) | DEVICE_ATTACH(ATTACH_PCI),
    .params = pl061_params,
    .window_size = pl061_window_size,
    .ops = &pl061_ops,
    .max_access = 4, /* readl of the ID words, readb/writeb elsewhere */
    .wide = ACCESS_SPLIT,
    .pci = &pl061_pci_id,
    .create = pl061_create,
    .destroy = pl061_destroy,
    .state_version = 1,
    .save = pl061_save,
    .restore = pl061_restore,
};
