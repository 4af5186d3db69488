/* SPDX-License-Identifier: MIT */
/*
 * pl031: the Arm PrimeCell real-time clock (ARM DDI 0224), as Linux's
 * rtc-pl031 drives it: a 32-bit seconds counter and one match interrupt.
 *
 *   0x000 DR    current seconds (read-only)
 *   0x004 MR    match: the alarm fires when DR reaches it
 *   0x008 LR    load: writing sets DR (and reads back the last value loaded)
 *   0x00c CR    start; always started, reads 1 (as QEMU)
 *   0x010 IMSC  bit 0 enables the interrupt
 *   0x014 RIS   bit 0: DR reached MR (raw, whether or not enabled)
 *   0x018 MIS   RIS & IMSC, which is also the line
 *   0x01c ICR   writing bit 0 clears RIS
 *   0xfe0-0xffc PeriphID 0x31 0x10 0x14 0x00, PCellID 0x0d 0xf0 0x05 0xb1:
 *               Linux's AMBA bus reads them before binding rtc-pl031
 *               (periphid 0x00141031 matches its 0x00041031/0x000fffff)
 *
 * As in mc146818.c, DR is the host's UTC seconds plus an offset that
 * writing LR sets and the state file keeps across dmd restarts (after a
 * crash the snapshot restores every register, docs/restart.md).  RIS is
 * worked out from the clock on every access, and a timer runs only while
 * the interrupt is enabled and not yet raised.  MR and LR writes that make
 * DR equal MR raise RIS at once, as QEMU does.
 *
 * Linux uses readl/writel only.  Reads of 1 or 2 bytes give those bytes of
 * the register (reading has no side effect); narrower writes are dropped
 * (the TRM's APB bus has no byte strobes) and logged; 8-byte accesses are
 * refused by the core (max_access 4, ACCESS_REJECT).  Other offsets read 0
 * and ignore writes.
 */
#include "device.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "../log.h"
#include "../snapshot.h"
#include "../statefile.h"
#include "rtc_clock.h"

#define PL031_WINDOW 0x1000

enum {
    PL031_DR = 0x000, PL031_MR = 0x004, PL031_LR = 0x008, PL031_CR = 0x00c,
    PL031_IMSC = 0x010, PL031_RIS = 0x014, PL031_MIS = 0x018, PL031_ICR = 0x01c,
    PL031_ID_FIRST = 0xfe0,
};

#define PL031_INT 0x1 /* the one interrupt bit of IMSC, RIS, MIS and ICR */

/* PeriphID0-3 then PCellID0-3, one byte per 32-bit register. */
static const uint8_t pl031_ids[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };


#define PL031_STATE_VERSION 1

struct pl031 {
    struct device *dev;
    int64_t offset;     /* guest seconds - host seconds */
    uint32_t mr, lr;
    bool imsc, ris;
    int64_t checked_ns; /* ris includes every match up to here */
    ev_timer timer;
    struct statefile *sf;
    struct log_ratelimit narrow_rl;
};

static int64_t guest_sec(const struct pl031 *p, int64_t now_ns)
{
    return rtc_clock_sec(now_ns) + p->offset;
}

/* Did DR pass through MR in (then, now]? */
static void catch_up(struct pl031 *p, int64_t now_ns)
{
    int64_t from = guest_sec(p, p->checked_ns), to = guest_sec(p, now_ns);
    uint32_t ahead = p->mr - (uint32_t)from; /* DR wraps, and so does this */

    p->checked_ns = now_ns;
    if (to > from && ahead != 0 && ahead <= (uint64_t)(to - from))
        p->ris = true;
}

static void arm_timer(struct pl031 *p, int64_t now_ns)
{
    uint32_t ahead = p->mr - (uint32_t)guest_sec(p, now_ns);
    int64_t wait = INT64_MAX;

    ev_timer_stop(p->dev->loop, &p->timer);
    if (!p->imsc || p->ris)
        return; /* nothing to raise: RIS is found on reading */
    /* DR == MR now means the next match is a whole wrap away; the delay
     * is capped at 10 s anyway, and a small `ahead` keeps the product small. */
    if (ahead != 0 && ahead <= 10)
        wait = (rtc_clock_sec(now_ns) + ahead) * RTC_NS_PER_SEC - now_ns;
    ev_timer_set(&p->timer, rtc_clock_timer_delay(wait), 0.);
    ev_timer_start(p->dev->loop, &p->timer);
}

static void refresh(struct pl031 *p, int64_t now_ns)
{
    irq_line_set(p->dev->irq, p->ris && p->imsc);
    arm_timer(p, now_ns);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct pl031 *p = w->data;
    int64_t now = rtc_clock_now_ns();
    bool ris = p->ris;

    (void)loop;
    (void)revents;
    catch_up(p, now);
    refresh(p, now);
    /* A match (and the line it raised) must outlive a crash.  Without one
     * only checked_ns moved, and catching up from the saved one after a
     * restart finds no match either: no save needed. */
    if (p->ris != ris)
        device_changed(p->dev);
}

/* MR or LR changed: the comparator sees equality at once. */
static void compare_now(struct pl031 *p, int64_t now_ns)
{
    if ((uint32_t)guest_sec(p, now_ns) == p->mr)
        p->ris = true;
}

static void load(struct pl031 *p, uint32_t value, int64_t now_ns)
{
    int64_t offset = (int64_t)value - rtc_clock_sec(now_ns);

    p->lr = value;
    if (offset != p->offset) {
        p->offset = offset;
        statefile_changed(p->sf);
    }
    compare_now(p, now_ns);
}

static uint32_t read_reg(struct pl031 *p, uint64_t reg, int64_t now_ns)
{
    switch (reg) {
    case PL031_DR:
        return (uint32_t)guest_sec(p, now_ns);
    case PL031_MR:
        return p->mr;
    case PL031_LR:
        return p->lr;
    case PL031_CR:
        return 1;
    case PL031_IMSC:
        return p->imsc;
    case PL031_RIS:
        return p->ris;
    case PL031_MIS:
        return p->ris && p->imsc;
    default:
        if (reg >= PL031_ID_FIRST)
            return pl031_ids[(reg - PL031_ID_FIRST) / 4];
        return 0;
    }
}

static void write_reg(struct pl031 *p, uint64_t reg, uint32_t value, int64_t now_ns)
{
    switch (reg) {
    case PL031_MR:
        p->mr = value;
        compare_now(p, now_ns);
        break;
    case PL031_LR:
        load(p, value, now_ns);
        break;
    case PL031_IMSC:
        p->imsc = value & PL031_INT;
        break;
    case PL031_ICR:
        if (value & PL031_INT)
            p->ris = false;
        break;
    default:
        break; /* DR, CR (always started), RIS, MIS, the IDs: read-only */
    }
}

static uint64_t pl031_read(void *opaque, uint64_t offset, unsigned size)
{
    struct pl031 *p = opaque;
    int64_t now = rtc_clock_now_ns();
    uint32_t val;

    (void)size; /* the core masks a narrow read to its bytes */
    catch_up(p, now);
    val = read_reg(p, offset & ~UINT64_C(3), now);
    refresh(p, now);
    return val >> (offset & 3) * 8;
}

static void pl031_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct pl031 *p = opaque;
    int64_t now;

    if (size != 4 || (offset & 3) != 0) {
        struct log_fields f = { .device = p->dev->name, .vcpu = -1 };
        log_limited(&p->narrow_rl, LOG_WARNING, &f,
                    "%u-byte write at offset %#" PRIx64 " dropped: registers take 32-bit "
                    "writes only", size, offset);
        return;
    }
    now = rtc_clock_now_ns();
    catch_up(p, now);
    write_reg(p, offset, (uint32_t)value, now);
    refresh(p, now);
}

static const struct region_ops pl031_ops = {
    .read = pl031_read,
    .write = pl031_write,
};

/* ---- state file --------------------------------------------------------- */

static void format_state(void *opaque, FILE *out)
{
    const struct pl031 *p = opaque;

    fprintf(out, "offset = %" PRId64 "\n", p->offset);
}

static bool take_value(void *opaque, const char *key, const char *value)
{
    if (strcmp(key, "offset") == 0)
        return statefile_parse_i64(value, -RTC_OFFSET_LIMIT, RTC_OFFSET_LIMIT, opaque);
    return false;
}

/* ---- crash snapshot ----------------------------------------------------- */

/* Layout (version 1), 26 bytes: offset, MR, LR, IMSC, RIS, checked_ns. */
struct pl031_snap {
    int64_t offset;
    uint32_t mr, lr;
    bool imsc, ris;
    int64_t checked_ns;
};

/* A host time rtc_clock_now_ns() gave: after 1970 (0 if the clock failed),
 * with room to add a second without overflow. */
#define SNAP_NS_MAX (INT64_MAX - RTC_NS_PER_SEC)

static void pl031_save(struct device *dev, struct snap_out *out)
{
    const struct pl031 *p = dev->state;

    snap_put_i64(out, p->offset);
    snap_put_u32(out, p->mr);
    snap_put_u32(out, p->lr);
    snap_put_bool(out, p->imsc);
    snap_put_bool(out, p->ris);
    snap_put_i64(out, p->checked_ns);
}

/* MR, LR and the bools take any value they can be stored as; the offset
 * is one a state file could give, checked_ns a host time. */
static int pl031_restore(struct device *dev, struct snap_in *in, bool apply)
{
    struct pl031 *p = dev->state;
    struct pl031_snap s;
    int64_t now;

    s.offset = snap_get_i64(in);
    s.mr = snap_get_u32(in);
    s.lr = snap_get_u32(in);
    s.imsc = snap_get_bool(in);
    s.ris = snap_get_bool(in);
    s.checked_ns = snap_get_i64(in);
    if (in->bad || snap_in_left(in) != 0 || s.offset < -RTC_OFFSET_LIMIT ||
        s.offset > RTC_OFFSET_LIMIT || s.checked_ns < 0 || s.checked_ns > SNAP_NS_MAX)
        return -EINVAL;
    if (!apply)
        return 0;
    p->offset = s.offset;
    p->mr = s.mr;
    p->lr = s.lr;
    p->imsc = s.imsc;
    p->ris = s.ris;
    p->checked_ns = s.checked_ns;
    /* create() read the state file, which may predate the snapshot. */
    statefile_changed(p->sf);
    /* As a register access does: a match while dmd was down first, then
     * the line and the timer.  The same snapshot caught up again finds the
     * same match, so this needs no save of its own. */
    now = rtc_clock_now_ns();
    catch_up(p, now);
    refresh(p, now);
    return 0;
}

/* ---- lifecycle ---------------------------------------------------------- */

/* No keys of its own: the window, the irq and state_dir say it all. */
static const struct dev_param pl031_params[] = {
    { .key = NULL },
};

static uint64_t pl031_window_size(const struct dev_config *cfg)
{
    (void)cfg;
    return PL031_WINDOW;
}

static int pl031_create(struct device *dev)
{
    struct pl031 *p = calloc(1, sizeof(*p));
    int64_t offset = 0;

    if (p == NULL)
        return -ENOMEM;
    p->dev = dev;
    p->sf = statefile_open(dev->loop, dev->state_dir, dev->name, PL031_STATE_VERSION,
                           format_state, p);
    if (p->sf == NULL) {
        free(p);
        return -ENOMEM;
    }
    if (statefile_load(p->sf, take_value, &offset))
        p->offset = offset;
    p->checked_ns = rtc_clock_now_ns();
    ev_timer_init(&p->timer, timer_cb, 0., 0.);
    p->timer.data = p;
    dev->state = p;
    log_dev(LOG_INFO, dev->name, "PL031 RTC: DR %" PRIu32 " (host %+" PRId64 " s)",
            (uint32_t)guest_sec(p, p->checked_ns), p->offset);
    return 0;
}

static void pl031_destroy(struct device *dev)
{
    struct pl031 *p = dev->state;

    if (p == NULL)
        return;
    ev_timer_stop(dev->loop, &p->timer);
    statefile_close(p->sf); /* writes a change the flush timer had not yet */
    free(p);
    dev->state = NULL;
}

/* An AMBA device, not a PCI one: behind PCI the config names the ids. */
static const struct device_pci_id pl031_pci_id = {
    .class_code = 0x080300, /* system peripheral, RTC controller, generic */
    .bar_is_io = false,
};

const struct device_type pl031_device = {
    .name = "pl031",
    .description = "Arm PrimeCell PL031 RTC (MMIO, Linux rtc-pl031)",
    .attach = DEVICE_ATTACH(ATTACH_MMIO) | DEVICE_ATTACH(ATTACH_PCI),
    .params = pl031_params,
    .window_size = pl031_window_size,
    .ops = &pl031_ops,
    .max_access = 4,
    .wide = ACCESS_REJECT,
    .pci = &pl031_pci_id,
    .create = pl031_create,
    .destroy = pl031_destroy,
    .state_version = 1,
    .save = pl031_save,
    .restore = pl031_restore,
};
