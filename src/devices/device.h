/* SPDX-License-Identifier: MIT */
/*
 * The device module contract.
 *
 * A device type is one `const struct device_type` in one file under
 * src/devices/, listed once in registry.c.  The core parses its config
 * section (common keys plus the type's params), claims its register window
 * at the configured attach point (port, MMIO, or a PCI function's BAR) and
 * routes guest accesses to the type's region_ops.  A device never calls Xen:
 * it drives its interrupt line with irq_line_set(), uses dev->loop for
 * timers and fds (libev), and talks to the host through a chardev.
 *
 * Accesses reach read()/write() with 0 <= offset, offset + size <= window
 * and size in {1, 2, 4, 8} no larger than dev->max_access: wider accesses
 * are split into max_access-sized little-endian pieces (ACCESS_SPLIT) or
 * refused (ACCESS_REJECT: reads give all-ones, writes are dropped, a
 * rate-limited warning is logged).  Write values are already masked to
 * `size` bytes; read results are masked by the core.
 *
 * Callbacks run on the single dmd thread and must not block.  All values
 * come from the guest: check them, never assert on them.
 */
#ifndef DMD_DEVICE_H
#define DMD_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "../config.h"
#include "../irq.h"

struct ev_loop;
struct device;
struct snap_out;
struct snap_in;
struct chardev_wire;

struct region_ops {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, unsigned size, uint64_t value);
};

enum access_wide { ACCESS_SPLIT, ACCESS_REJECT };

/* What a PCI function wrapping this device reports (attach = pci); the
 * config can override each identity field (pci_vendor = ..., see config.h).
 * vendor 0: the device has no PCI ids of its own (no real card to imitate,
 * so none a guest driver would match): the config must name them. */
struct device_pci_id {
    uint16_t vendor, device;
    uint32_t class_code; /* class << 16 | subclass << 8 | prog-if */
    uint8_t revision;
    uint16_t subsystem_vendor, subsystem;
    bool bar_is_io; /* BAR0 in I/O space (true) or memory space */
    /* Registers of the device's own in configuration space, where the
     * real card has them (a watchdog's at 0x60): an access wholly inside
     * [config_start, config_start + config_size) reaches config_ops with
     * dev->state and the offset from config_start; a straddling one
     * reaches it a byte at a time.  Between 0x58 (after the MSI
     * capability) and 0x100.  config_ops NULL: none. */
    uint16_t config_start, config_size;
    const struct region_ops *config_ops;
};

struct device_type {
    const char *name;        /* the config's `type =` */
    const char *description; /* one line, for --help and docs */
    unsigned attach;         /* allowed attach points: DEVICE_ATTACH(...) bits */
    const struct dev_param *params; /* device-specific keys, NULL-key terminated */
    /* Register window size for this config (called during validation). */
    uint64_t (*window_size)(const struct dev_config *cfg);
    const struct region_ops *ops;
    unsigned max_access;        /* default for dev->max_access: 1, 2, 4 or 8 */
    enum access_wide wide;      /* default for dev->wide */
    const struct device_pci_id *pci; /* NULL: cannot sit behind PCI */

    /* Set dev->state (opaque for ops) and open backends. 0 or -errno. */
    int (*create)(struct device *dev);
    /* Release everything create() took; the line is lowered by the core. */
    void (*destroy)(struct device *dev);
    /* Optional: the guest changed Xen's own RTC offset (x86, bufioreq). */
    void (*timeoffset)(struct device *dev, int64_t offset_seconds);

    /*
     * Guest-visible state across a crash of dmd (docs/restart.md,
     * snapshot.h).  save() writes everything the guest could notice
     * losing: registers, FIFO contents, pending interrupts, what its timers
     * wait for, and host input or output still held inside dmd (a
     * chardev's, with chardev_save()).  The core saves the interrupt line
     * and a PCI function itself.  At most DEVICE_STATE_MAX bytes.
     *
     * restore() reads the same fields, in the same order, into a device
     * freshly created from the same config.  With apply false it only
     * checks them (every value in range, lengths consistent, snap_in not
     * bad, nothing left over) and changes nothing; with apply true (called
     * only after every device's check passed, so it cannot fail) it takes
     * them, re-arms timers and recomputes its interrupt line as after any
     * register access.  0, or -EINVAL for a snapshot it cannot take.
     * Nothing in a snapshot is trusted: the file may be damaged or come
     * from another build.  state_version changes whenever save()'s layout
     * does.  A type without save() starts from reset after a crash.
     */
    unsigned state_version;
    void (*save)(struct device *dev, struct snap_out *out);
    int (*restore)(struct device *dev, struct snap_in *in, bool apply);
};

#define DEVICE_ATTACH(kind) (1u << (kind))

struct device {
    const char *name;  /* config section name: use it in every log line */
    const struct device_type *type;
    const struct dev_config *cfg;
    struct ev_loop *loop;
    struct irq_line *irq; /* NULL when irq = none */
    const char *state_dir; /* [dmd] state_dir, NULL when unset: keep
                            * restart-surviving state in STATE_DIR/NAME.state */
    unsigned max_access;  /* create() may narrow it, e.g. per reg_shift */
    enum access_wide wide;
    /* Stream positions of the device's chardev that must survive a crash
     * the moment they change (chardev.h); NULL when nothing is kept. */
    struct chardev_wire *wire;
    void *state;
};

/* The most a device's save() may write (a UART's holds its chardev's
 * output buffer). */
#define DEVICE_STATE_MAX 12288

/*
 * The device's guest-visible state changed outside a register access: a
 * timer fired, the host side delivered input or took output, a host client
 * drove a line.  The core saves it before returning to the loop.  Register
 * accesses need no call: the core saves every device a request reached
 * before it answers the request.
 */
void device_changed(struct device *dev);

/*
 * Ask Xen to shut the guest down with `reason` (SHUTDOWN_* of
 * xen/sched.h), the one Xen operation a device may ask the core for (a
 * pvpanic device on the guest's request).  Logged with the device's name
 * and the reason.  Called from a register write, the DMOP is issued before
 * the request that caused it is answered, as QEMU does.  Failures are
 * logged by the core; nothing is returned.
 */
void device_shutdown_guest(struct device *dev, unsigned reason);

/*
 * registry.c: the NULL-terminated list of every device type, one line each.
 * Each type's `const struct device_type NAME_device` is defined in its own
 * file and declared extern in registry.c only.
 */
extern const struct device_type *const device_types[];

/* Look a type up by its config name (config.c); NULL if unknown. */
const struct device_type *device_type_find(const char *name);

/*
 * Core side (devices/device.c): every configured instance, created in
 * config order and destroyed in reverse.  Creating an instance makes its
 * interrupt line, calls the type's create(), then claims its register
 * window: the region goes into the iospace table and the range is mapped
 * to the ioreq server.  A failure unwinds what was already created.
 * `rs` (may be NULL: nothing outlives dmd) is the runtime state file, one
 * slot per instance in config order.
 */
struct devices;
struct dmop;
struct iospace;
struct runstate;
struct runstate_answer;

int devices_create(struct devices **out, const struct dmd_config *cfg, struct ev_loop *loop,
                   struct dmop *xen, struct iospace *space, struct runstate *rs);
void devices_destroy(struct devices *devs);
size_t devices_count(const struct devices *devs);
/* Offer a TIMEOFFSET broadcast to every device that wants it. */
void devices_timeoffset(struct devices *devs, int64_t offset_seconds);

/*
 * Each instance's snapshot in the state file is a frame: its name, its
 * type's name and state_version, its interrupt line (irq_line_save), its
 * PCI function (pci_function_save) and the type's own save().
 *
 * devices_restore() takes the snapshots a previous dmd left into the
 * devices just created from the same config: it checks every frame first
 * (names, types and versions match, every field valid) and applies them
 * only if all pass.  1 when restored, 0 when there was nothing to
 * restore, -EINVAL when the snapshots could not be taken: the state file
 * is set aside (logged) and the devices stay at reset.
 */
int devices_restore(struct devices *devs);
/* Save every instance (after creating or restoring them). */
void devices_save_all(struct devices *devs);
/* Save the instances the last iospace_dispatch() reached, recording
 * `answer` (NULL for a buffered request) with them. */
void devices_save_touched(struct devices *devs, const struct iospace *sp,
                          const struct runstate_answer *answer);

#endif
