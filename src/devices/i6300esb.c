/* SPDX-License-Identifier: MIT */
/*
 * i6300esb: the watchdog timer of Intel's 6300ESB I/O controller hub
 * (datasheet 300641, chapter "Watchdog Timer"), as Linux's i6300esb driver
 * and QEMU's model use it.  PCI function 8086:25ab, class 0x088000.
 *
 * Configuration space (the device's own registers, pci.c):
 *   0x60 CONFIG (16 bit)  bits 1:0 stage-1 interrupt type (0 IRQ, 2 SMI,
 *                         3 none), bit 2 clock (0: PCI clock / 2^15, about
 *                         1 kHz; 1: / 2^5, about 1 MHz), bit 5 output
 *                         disabled (1: stage 2 expires without effect)
 *   0x68 LOCK (8 bit)     bit 0 lock (the register cannot change again
 *                         until reset: Linux's nowayout), bit 1 enable,
 *                         bit 2 free-running (restart after stage 2)
 * Memory BAR0, 16 bytes:
 *   0x00 PRELOAD1, 0x04 PRELOAD2 (20 bits each, R/W)
 *   0x08 GINTSR: bit 0 stage 1 expired (write 1 to clear)
 *   0x0c RELOAD (16 bit): bit 8 reload (restart stage 1), bit 9 timeout
 *        (the watchdog fired since it was last cleared: write 1 to clear)
 * Writing 0x80 then 0x86 to RELOAD unlocks the next register write, which
 * is the only way PRELOAD1/2 and RELOAD take a value; any other write
 * locks again.
 *
 * Counting: stage 1 counts PRELOAD1 ticks of 2^15 (or 2^5) PCI clocks of
 * 30 ns; at its end GINTSR bit 0 is set (the interrupt itself is not
 * delivered: Linux programs type 3, none, and a guest that asks for one is
 * told once in the log) and stage 2 counts PRELOAD2.  At the end of stage
 * 2, unless output is disabled, the timeout flag is set, the watchdog
 * fires, `action` happens (reboot by default, as QEMU's -watchdog-action;
 * poweroff, crash, or none: log only) and the registers reset as the
 * chipset's would.  A reload restarts stage 1.  Each stage is at least
 * 1 ms, however small the preload: the guest cannot make dmd spin.
 *
 * The watchdog counts host time (CLOCK_MONOTONIC): it keeps counting while
 * the guest is paused, as a board's watchdog does, and a guest paused for
 * longer than its timeout (xl pause, a long save) is fired upon when the
 * time runs out.  Across a crash of dmd the deadline is kept, so the time
 * dmd was down counts.
 */
#include "device.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#include <ev.h>
#include <xen/xen.h>
#include <xen/sched.h>

#include "../log.h"
#include "../snapshot.h"

/* Configuration space, offsets from ESB_CONFIG_START. */
#define ESB_CONFIG_START 0x60u
#define ESB_CONFIG_SIZE  0x09u /* 0x60..0x68 */
#define ESB_CONFIG       0x00u /* 0x60 */
#define ESB_LOCK         0x08u /* 0x68 */

#define CONFIG_INT_TYPE   0x0003u
#define CONFIG_FREQ_1MHZ  0x0004u
#define CONFIG_NO_OUTPUT  0x0020u
#define CONFIG_BITS       (CONFIG_INT_TYPE | CONFIG_FREQ_1MHZ | CONFIG_NO_OUTPUT)
#define INT_TYPE_NONE     3u

#define LOCK_LOCKED    0x01u
#define LOCK_ENABLE    0x02u
#define LOCK_FREE_RUN  0x04u
#define LOCK_BITS      (LOCK_LOCKED | LOCK_ENABLE | LOCK_FREE_RUN)

/* BAR0 registers. */
#define ESB_WINDOW    0x10u
#define ESB_PRELOAD1  0x00u
#define ESB_PRELOAD2  0x04u
#define ESB_GINTSR    0x08u
#define ESB_RELOAD    0x0cu

#define PRELOAD_MASK   0xfffffu
#define GINTSR_STAGE1  0x01u
#define RELOAD_RELOAD  0x0100u
#define RELOAD_TIMEOUT 0x0200u
#define UNLOCK1        0x80u
#define UNLOCK2        0x86u

#define NS_PER_PCI_CLOCK 30
#define STAGE_MIN_NS     INT64_C(1000000)
/* The longest stage: 0xfffff ticks of 2^15 clocks, about 1031 s. */
#define STAGE_MAX_NS     ((int64_t)PRELOAD_MASK * (INT64_C(1) << 15) * NS_PER_PCI_CLOCK)

enum esb_action { ACTION_NONE, ACTION_POWEROFF, ACTION_REBOOT, ACTION_CRASH };

static const char *const esb_actions[] = { "none", "poweroff", "reboot", "crash", NULL };

struct esb {
    struct device *dev;
    enum esb_action action;
    uint16_t config;     /* CONFIG_BITS */
    uint8_t lock;        /* LOCK_BITS */
    uint32_t preload[2]; /* stage 1, stage 2 */
    uint8_t gintsr;
    bool timed_out;      /* RELOAD bit 9 */
    uint8_t unlock;      /* 0, 1 after UNLOCK1, 2 after UNLOCK2 */
    unsigned stage;      /* 1 or 2 */
    int64_t deadline_ns; /* CLOCK_MONOTONIC end of the stage; 0: stopped */
    ev_timer timer;
    /* Every log line here follows a guest write or a count it set up. */
    struct log_ratelimit access_rl, irq_rl, state_rl, fire_rl;
};

static int64_t monotonic_ns(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * INT64_C(1000000000) + ts.tv_nsec;
}

static int64_t stage_ns(const struct esb *w, unsigned stage)
{
    unsigned shift = (w->config & CONFIG_FREQ_1MHZ) ? 5 : 15;
    int64_t ns = (int64_t)w->preload[stage - 1] * (INT64_C(1) << shift) * NS_PER_PCI_CLOCK;

    return ns < STAGE_MIN_NS ? STAGE_MIN_NS : ns;
}

static void arm_timer(struct esb *w, int64_t now_ns)
{
    int64_t wait = w->deadline_ns - now_ns;

    ev_timer_stop(w->dev->loop, &w->timer);
    if (w->deadline_ns == 0)
        return;
    /* A little late rather than early: the stage is over when it fires. */
    ev_timer_set(&w->timer, wait > 0 ? (double)wait / 1e9 + 1e-4 : 0., 0.);
    ev_timer_start(w->dev->loop, &w->timer);
}

/* Start counting `stage` from now, if the watchdog is enabled. */
static void start_stage(struct esb *w, unsigned stage)
{
    int64_t now = monotonic_ns();

    if (!(w->lock & LOCK_ENABLE))
        return;
    w->stage = stage;
    w->deadline_ns = now + stage_ns(w, stage);
    arm_timer(w, now);
}

static void stop_counting(struct esb *w)
{
    w->deadline_ns = 0;
    ev_timer_stop(w->dev->loop, &w->timer);
}

/* The chipset's reset values; the timeout flag survives (it tells the
 * guest's driver, after the reboot, that the watchdog caused it). */
static void esb_reset(struct esb *w)
{
    stop_counting(w);
    w->config = 0;
    w->lock = 0;
    w->preload[0] = w->preload[1] = PRELOAD_MASK;
    w->gintsr = 0;
    w->unlock = 0;
    w->stage = 1;
}

static void fire(struct esb *w)
{
    static const unsigned reasons[] = {
        [ACTION_POWEROFF] = SHUTDOWN_poweroff,
        [ACTION_REBOOT] = SHUTDOWN_reboot,
        [ACTION_CRASH] = SHUTDOWN_crash,
    };
    struct log_fields f = { .device = w->dev->name, .vcpu = -1 };

    log_limited(&w->fire_rl, LOG_ERR, &f,
                "watchdog expired: the guest stopped petting it (action %s)",
                esb_actions[w->action]);
    w->timed_out = true;
    if (w->action != ACTION_NONE)
        device_shutdown_guest(w->dev, reasons[w->action]);
    /* The reset clears enable, free-running or not: the count stops. */
    esb_reset(w);
}

static void stage_over(struct esb *w)
{
    struct log_fields f = { .device = w->dev->name, .vcpu = -1 };

    if (w->stage == 1) {
        if ((w->config & CONFIG_INT_TYPE) != INT_TYPE_NONE) {
            w->gintsr |= GINTSR_STAGE1;
            log_limited(&w->irq_rl, LOG_WARNING, &f,
                        "stage 1 over: the guest asked for an %s, which dmd does not deliver "
                        "(GINTSR shows it)",
                        (w->config & CONFIG_INT_TYPE) == 2 ? "SMI" : "interrupt");
        }
        start_stage(w, 2);
        return;
    }
    if (w->config & CONFIG_NO_OUTPUT) {
        /* Output disabled: the count ends without effect. */
        if (w->lock & LOCK_FREE_RUN)
            start_stage(w, 1);
        else
            stop_counting(w);
        return;
    }
    fire(w);
}

static void timer_cb(struct ev_loop *loop, ev_timer *timer, int revents)
{
    struct esb *w = timer->data;
    int64_t now = monotonic_ns();

    (void)loop;
    (void)revents;
    if (w->deadline_ns == 0)
        return;
    if (now < w->deadline_ns) {
        arm_timer(w, now); /* woke early: wait for the rest */
        return;
    }
    stage_over(w);
    device_changed(w->dev);
}

/* ---- configuration space ------------------------------------------------ */

static uint8_t config_byte(const struct esb *w, uint64_t reg)
{
    switch (reg) {
    case ESB_CONFIG:
        return (uint8_t)(w->config & 0xff);
    case ESB_CONFIG + 1:
        return (uint8_t)(w->config >> 8);
    case ESB_LOCK:
        return w->lock;
    default:
        return 0;
    }
}

static uint64_t esb_config_read(void *opaque, uint64_t offset, unsigned size)
{
    const struct esb *w = opaque;
    uint64_t value = 0;

    for (unsigned i = 0; i < size; i++)
        value |= (uint64_t)config_byte(w, offset + i) << (8 * i);
    return value;
}

static void write_lock(struct esb *w, uint8_t value)
{
    struct log_fields f = { .device = w->dev->name, .vcpu = -1 };
    bool was_enabled = (w->lock & LOCK_ENABLE) != 0;

    if (w->lock & LOCK_LOCKED)
        return; /* nowayout: only a reset unlocks it */
    w->lock = value & LOCK_BITS;
    if (!was_enabled && (w->lock & LOCK_ENABLE)) {
        log_limited(&w->state_rl, LOG_INFO, &f, "watchdog started: %.3f s to expiry%s",
                (double)(stage_ns(w, 1) + stage_ns(w, 2)) / 1e9,
                (w->lock & LOCK_LOCKED) ? ", locked" : "");
        start_stage(w, 1);
    } else if (was_enabled && !(w->lock & LOCK_ENABLE)) {
        log_limited(&w->state_rl, LOG_INFO, &f, "watchdog stopped by the guest");
        stop_counting(w);
    }
}

static void esb_config_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct esb *w = opaque;

    for (unsigned i = 0; i < size; i++) {
        uint8_t byte = (uint8_t)(value >> (8 * i));

        switch (offset + i) {
        case ESB_CONFIG:
            w->config = (uint16_t)((w->config & 0xff00) | byte);
            break;
        case ESB_CONFIG + 1:
            w->config = (uint16_t)((w->config & 0x00ff) | (byte << 8));
            break;
        case ESB_LOCK:
            write_lock(w, byte);
            break;
        default:
            break;
        }
    }
    w->config &= CONFIG_BITS;
}

static const struct region_ops esb_config_ops = {
    .read = esb_config_read,
    .write = esb_config_write,
};

/* ---- BAR0 --------------------------------------------------------------- */

static uint64_t esb_read(void *opaque, uint64_t offset, unsigned size)
{
    const struct esb *w = opaque;
    uint64_t reg = offset & ~UINT64_C(3), shift = 8 * (offset & 3), value;

    (void)size; /* the core masks the result to the access */
    switch (reg) {
    case ESB_PRELOAD1:
    case ESB_PRELOAD2:
        value = w->preload[reg == ESB_PRELOAD2];
        break;
    case ESB_GINTSR:
        value = w->gintsr;
        break;
    case ESB_RELOAD:
        value = w->timed_out ? RELOAD_TIMEOUT : 0;
        break;
    default:
        value = 0;
        break;
    }
    return value >> shift;
}

static void write_reload(struct esb *w, uint64_t value)
{
    if (value & RELOAD_TIMEOUT)
        w->timed_out = false;
    if (value & RELOAD_RELOAD)
        start_stage(w, 1);
}

static void esb_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct esb *w = opaque;
    struct log_fields f = { .device = w->dev->name, .vcpu = -1 };
    bool unlocked = w->unlock == 2;

    if (offset == ESB_RELOAD && value == UNLOCK1) {
        w->unlock = 1;
        return;
    }
    if (offset == ESB_RELOAD && value == UNLOCK2 && w->unlock == 1) {
        w->unlock = 2;
        return;
    }
    w->unlock = 0;
    if (offset == ESB_GINTSR) {
        w->gintsr &= (uint8_t)~(value & GINTSR_STAGE1);
        return;
    }
    if (!unlocked) {
        log_limited(&w->access_rl, LOG_WARNING, &f,
                    "write of %#" PRIx64 " at offset %#" PRIx64 " without the 0x80, 0x86 unlock "
                    "sequence ignored", value, offset);
        return;
    }
    if ((offset == ESB_PRELOAD1 || offset == ESB_PRELOAD2) && size == 4)
        w->preload[offset == ESB_PRELOAD2] = (uint32_t)value & PRELOAD_MASK;
    else if (offset == ESB_RELOAD && size <= 2)
        write_reload(w, value);
    else
        log_limited(&w->access_rl, LOG_WARNING, &f,
                    "%u-byte write of %#" PRIx64 " at offset %#" PRIx64 " ignored", size, value,
                    offset);
}

static const struct region_ops esb_ops = {
    .read = esb_read,
    .write = esb_write,
};

/* ---- crash survival ----------------------------------------------------- */

static void esb_save(struct device *dev, struct snap_out *out)
{
    const struct esb *w = dev->state;

    snap_put_u16(out, w->config);
    snap_put_u8(out, w->lock);
    snap_put_u32(out, w->preload[0]);
    snap_put_u32(out, w->preload[1]);
    snap_put_u8(out, w->gintsr);
    snap_put_bool(out, w->timed_out);
    snap_put_u8(out, w->unlock);
    snap_put_u8(out, (uint8_t)w->stage);
    snap_put_i64(out, w->deadline_ns);
}

/* Every field as the registers can hold it; a deadline only while
 * enabled, and no further from now than a whole stage. */
static int esb_restore(struct device *dev, struct snap_in *in, bool apply)
{
    struct esb *w = dev->state;
    struct esb s = *w;
    int64_t now = monotonic_ns();

    s.config = snap_get_u16(in);
    s.lock = snap_get_u8(in);
    s.preload[0] = snap_get_u32(in);
    s.preload[1] = snap_get_u32(in);
    s.gintsr = snap_get_u8(in);
    s.timed_out = snap_get_bool(in);
    s.unlock = snap_get_u8(in);
    s.stage = snap_get_u8(in);
    s.deadline_ns = snap_get_i64(in);
    if (in->bad || snap_in_left(in) != 0 || (s.config & ~CONFIG_BITS) ||
        (s.lock & ~LOCK_BITS) || s.preload[0] > PRELOAD_MASK || s.preload[1] > PRELOAD_MASK ||
        (s.gintsr & ~GINTSR_STAGE1) || s.unlock > 2 || s.stage < 1 || s.stage > 2 ||
        s.deadline_ns < 0 || (s.deadline_ns != 0 && !(s.lock & LOCK_ENABLE)) ||
        s.deadline_ns > now + STAGE_MAX_NS)
        return -EINVAL;
    if (!apply)
        return 0;
    w->config = s.config;
    w->lock = s.lock;
    w->preload[0] = s.preload[0];
    w->preload[1] = s.preload[1];
    w->gintsr = s.gintsr;
    w->timed_out = s.timed_out;
    w->unlock = s.unlock;
    w->stage = s.stage;
    w->deadline_ns = s.deadline_ns;
    /* A stage that ended while dmd was down ends as soon as the loop runs. */
    arm_timer(w, now);
    return 0;
}

/* ---- lifecycle ---------------------------------------------------------- */

static const struct dev_param esb_params[] = {
    { .key = "action", .kind = PARAM_ENUM, .choices = esb_actions, .def = "reboot",
      .help = "when the watchdog expires: reboot the guest, poweroff, crash, or none (log only)" },
    { .key = NULL },
};

static uint64_t esb_window_size(const struct dev_config *cfg)
{
    (void)cfg;
    return ESB_WINDOW;
}

static int esb_create(struct device *dev)
{
    struct esb *w = calloc(1, sizeof(*w));
    uint64_t action = dev_config_u64(dev->cfg, "action");

    if (w == NULL)
        return -ENOMEM;
    w->dev = dev;
    w->action = action <= ACTION_CRASH ? (enum esb_action)action : ACTION_REBOOT;
    ev_timer_init(&w->timer, timer_cb, 0., 0.);
    w->timer.data = w;
    esb_reset(w);
    dev->state = w;
    log_dev(LOG_INFO, dev->name, "i6300esb watchdog: on expiry, action %s",
            esb_actions[w->action]);
    return 0;
}

static void esb_destroy(struct device *dev)
{
    struct esb *w = dev->state;

    if (w == NULL)
        return;
    ev_timer_stop(dev->loop, &w->timer);
    free(w);
    dev->state = NULL;
}

/* The id Linux's i6300esb (PCI_DEVICE_ID_INTEL_ESB_9) and QEMU use. */
static const struct device_pci_id esb_pci_id = {
    .vendor = 0x8086,
    .device = 0x25ab,
    .class_code = 0x088000, /* system peripheral, other */
    .revision = 0,
    .subsystem_vendor = 0x1af4, /* QEMU's default subsystem ids */
    .subsystem = 0x1100,
    .bar_is_io = false,
    .config_start = ESB_CONFIG_START,
    .config_size = ESB_CONFIG_SIZE,
    .config_ops = &esb_config_ops,
};

const struct device_type i6300esb_device = {
    .name = "i6300esb",
    .description = "Intel 6300ESB watchdog (PCI 8086:25ab, Linux i6300esb): acts per `action`",
    .attach = DEVICE_ATTACH(ATTACH_PCI),
    .params = esb_params,
    .window_size = esb_window_size,
    .ops = &esb_ops,
    .max_access = 4,
    .wide = ACCESS_SPLIT,
    .pci = &esb_pci_id,
    .create = esb_create,
    .destroy = esb_destroy,
    .state_version = 1,
    .save = esb_save,
    .restore = esb_restore,
};
