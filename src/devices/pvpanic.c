/* SPDX-License-Identifier: MIT */
/*
 * pvpanic: QEMU's paravirtual panic notifier (docs/specs/pvpanic.rst), as
 * Linux's pvpanic-mmio/ISA and pvpanic-pci drivers use it.  One byte:
 *
 *   read   the events this device supports: bit 0 PANICKED, bit 1
 *          CRASH_LOADED (Linux writes only the ones it finds here)
 *   write  bit 0 PANICKED: the guest panicked; logged ("guest panicked")
 *          and, per `action`, the core is asked to shut the guest down
 *          (SHUTDOWN_crash, _reboot or _poweroff; `none` only logs).
 *          bit 1 CRASH_LOADED: a kdump kernel takes over; logged only.
 *          Other bits are ignored (logged).
 *
 * At ISA port 0x505 (QEMU's default) or as QEMU's pvpanic-pci function
 * (1b36:0011, class 0x088000), whose 4 KiB memory BAR0 starts with the
 * register (the core claims only that byte).  Other offsets, should a
 * window reach them, read 0 and ignore writes.
 *
 * The default action is `crash`: QEMU pauses the guest by default, which
 * dmd cannot do; SHUTDOWN_crash leaves the choice to the toolstack's
 * on_crash (xl: destroy by default, `preserve` keeps it for inspection,
 * `coredump-*` dumps it), which is what a crashed guest gets without a
 * pvpanic device.  All logs are rate limited: the guest can write at will.
 *
 * No save()/restore(): the register is constant and every write acts at
 * once, so the device has no guest-visible state beyond its config, and
 * starting from reset after a crash of dmd is exact (device.h).
 */
#include "device.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <xen/xen.h>
#include <xen/sched.h>

#include "../log.h"

#define PVPANIC_PANICKED     0x1
#define PVPANIC_CRASH_LOADED 0x2
#define PVPANIC_EVENTS       (PVPANIC_PANICKED | PVPANIC_CRASH_LOADED)

enum pvpanic_action { ACTION_NONE, ACTION_POWEROFF, ACTION_REBOOT, ACTION_CRASH };

static const char *const pvpanic_actions[] = { "none", "poweroff", "reboot", "crash", NULL };

struct pvpanic {
    struct device *dev;
    enum pvpanic_action action;
    struct log_ratelimit panic_rl, crash_loaded_rl, other_rl;
};

static uint64_t pvpanic_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    (void)size;
    return offset == 0 ? PVPANIC_EVENTS : 0;
}

static void pvpanic_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    static const unsigned reasons[] = {
        [ACTION_POWEROFF] = SHUTDOWN_poweroff,
        [ACTION_REBOOT] = SHUTDOWN_reboot,
        [ACTION_CRASH] = SHUTDOWN_crash,
    };
    struct pvpanic *p = opaque;
    struct log_fields f = { .device = p->dev->name, .vcpu = -1 };

    (void)size;
    if (offset != 0)
        return;
    value &= 0xff;
    if (value & ~(uint64_t)PVPANIC_EVENTS)
        log_limited(&p->other_rl, LOG_WARNING, &f, "unknown pvpanic event bits %#" PRIx64
                    " ignored", value & ~(uint64_t)PVPANIC_EVENTS);
    if (value & PVPANIC_CRASH_LOADED)
        log_limited(&p->crash_loaded_rl, LOG_NOTICE, &f,
                    "the guest is going to kdump (crash kernel loaded)");
    if (value & PVPANIC_PANICKED) {
        log_limited(&p->panic_rl, LOG_ERR, &f, "guest panicked (action %s)",
                    pvpanic_actions[p->action]);
        if (p->action != ACTION_NONE)
            device_shutdown_guest(p->dev, reasons[p->action]);
    }
}

static const struct region_ops pvpanic_ops = {
    .read = pvpanic_read,
    .write = pvpanic_write,
};

static const struct dev_param pvpanic_params[] = {
    { .key = "action", .kind = PARAM_ENUM, .choices = pvpanic_actions, .def = "crash",
      .help = "on a guest panic: shut it down as crashed, reboot, poweroff, or none (log only)" },
    { .key = NULL },
};

static uint64_t pvpanic_window_size(const struct dev_config *cfg)
{
    (void)cfg;
    return 1;
}

static int pvpanic_create(struct device *dev)
{
    struct pvpanic *p = calloc(1, sizeof(*p));
    uint64_t action = dev_config_u64(dev->cfg, "action");

    if (p == NULL)
        return -ENOMEM;
    p->dev = dev;
    p->action = action <= ACTION_CRASH ? (enum pvpanic_action)action : ACTION_CRASH;
    dev->state = p;
    log_dev(LOG_INFO, dev->name, "pvpanic: on a guest panic, action %s",
            pvpanic_actions[p->action]);
    return 0;
}

static void pvpanic_destroy(struct device *dev)
{
    free(dev->state);
    dev->state = NULL;
}

/* QEMU's pvpanic-pci, which Linux's pvpanic-pci binds (PCI_VDEVICE(REDHAT, 0x0011)). */
static const struct device_pci_id pvpanic_pci_id = {
    .vendor = 0x1b36,
    .device = 0x0011,
    .class_code = 0x088000, /* system peripheral, other (PCI_CLASS_SYSTEM_OTHER) */
    .revision = 1,
    .subsystem_vendor = 0x1af4, /* QEMU's default subsystem ids */
    .subsystem = 0x1100,
    .bar_is_io = false,
};

const struct device_type pvpanic_device = {
    .name = "pvpanic",
    .description = "QEMU pvpanic: logs a guest panic, acts per `action` (port 0x505, PCI 1b36:0011)",
    .attach = DEVICE_ATTACH(ATTACH_PORT) | DEVICE_ATTACH(ATTACH_MMIO) | DEVICE_ATTACH(ATTACH_PCI),
    .params = pvpanic_params,
    .window_size = pvpanic_window_size,
    .ops = &pvpanic_ops,
    .max_access = 1,
    .wide = ACCESS_SPLIT,
    .pci = &pvpanic_pci_id,
    .create = pvpanic_create,
    .destroy = pvpanic_destroy,
    .state_version = 1,
};
