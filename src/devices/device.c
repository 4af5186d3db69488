/* SPDX-License-Identifier: MIT */
/*
 * The device manager: turns each configured instance into a running
 * device whose register window is routed (iospace) and claimed from Xen
 * (dmop).  Devices themselves never see either.
 */
#include "device.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../dmop/dmop.h"
#include "../iospace.h"
#include "../log.h"
#include "../runstate.h"
#include "../snapshot.h"
#include "pci.h"

/* One configured device and, when it sits behind PCI, its function. */
/* A frame's head: name and type (a length byte each), state_version. */
#define FRAME_NAME_MAX 255
#define FRAME_HEAD_MAX (2 * (1 + FRAME_NAME_MAX) + 4)

struct instance {
    struct device dev;
    struct devices *owner;
    struct pci_function *pci;
    /* The head of this instance's snapshot frame, made once: it is the
     * same in every save. */
    uint8_t head[FRAME_HEAD_MAX];
    size_t head_len;
};

struct devices {
    struct dmop *xen;
    struct iospace *space;
    struct runstate *rs;  /* NULL: nothing outlives dmd */
    const char *state_dir;
    size_t n;             /* instances fully created */
    struct instance *inst; /* array of cfg->ndevs */
};

/* Route [base, base + size) of one space to a region and map it to the
 * ioreq server; undone by release_window().  Also called whenever the
 * guest moves a PCI BAR, hence the rate limit. */
static int claim_window(struct devices *devs, enum iospace_kind kind,
                        const struct iospace_region *r)
{
    static struct log_ratelimit rl;
    uint64_t last = r->base + r->size - 1;
    int rc = iospace_add(devs->space, kind, r);

    if (rc < 0) {
        struct log_fields f = { .device = r->name, .vcpu = -1 };
        log_limited(&rl, LOG_ERR, &f, "cannot route %s %#llx-%#llx: %s",
                    iospace_kind_name(kind), (unsigned long long)r->base,
                    (unsigned long long)last, strerror(-rc));
        return rc;
    }
    rc = kind == IOSPACE_PORT ? dmop_map_port_range(devs->xen, r->base, last)
                              : dmop_map_mmio_range(devs->xen, r->base, last);
    if (rc < 0)
        iospace_remove(devs->space, kind, r->base);
    return rc;
}

static void release_window(struct devices *devs, enum iospace_kind kind, uint64_t base,
                           uint64_t size)
{
    if (kind == IOSPACE_PORT)
        dmop_unmap_port_range(devs->xen, base, base + size - 1);
    else
        dmop_unmap_mmio_range(devs->xen, base, base + size - 1);
    iospace_remove(devs->space, kind, base);
}

/* The device's registers as a region at base. */
static struct iospace_region device_region(const struct device *dev, uint64_t base)
{
    return (struct iospace_region){
        .base = base,
        .size = dev->cfg->size,
        .ops = dev->type->ops,
        .opaque = dev->state,
        .name = dev->name,
        .owner = (void *)dev, /* the instance: dev is its first member */
        .max_access = dev->max_access,
        .wide = dev->wide,
    };
}

/* pci.c claims and releases BAR0 through these as the guest programs it. */
static int bar_map(void *ctx, bool io, uint64_t base, uint64_t size)
{
    struct instance *in = ctx;
    struct iospace_region r = device_region(&in->dev, base);

    r.size = size;
    return claim_window(in->owner, io ? IOSPACE_PORT : IOSPACE_MMIO, &r);
}

static void bar_unmap(void *ctx, bool io, uint64_t base, uint64_t size)
{
    struct instance *in = ctx;

    release_window(in->owner, io ? IOSPACE_PORT : IOSPACE_MMIO, base, size);
}

static const struct pci_bar_ops bar_ops = { .map = bar_map, .unmap = bar_unmap };

static uint64_t config_base(const struct pci_addr *a)
{
    uint64_t sbdf = (uint64_t)a->bus << 8 | (uint64_t)a->dev << 3 | a->fn;

    return sbdf << 32;
}

/* A PCI function: its config space is routed by SBDF, BAR0 comes later. */
static int claim_pci(struct devices *devs, struct instance *in)
{
    const struct pci_addr *a = &in->dev.cfg->attach.pci;
    struct iospace_region r;
    int rc;

    in->pci = pci_function_new(&in->dev, &bar_ops, in);
    if (in->pci == NULL)
        return -ENOMEM;
    r = (struct iospace_region){
        .base = config_base(a),
        .size = PCI_CONFIG_SIZE,
        .ops = &pci_config_ops,
        .opaque = in->pci,
        .name = in->dev.name,
        .owner = in,
        .max_access = 4,
        .wide = ACCESS_REJECT,
    };
    rc = iospace_add(devs->space, IOSPACE_PCI, &r);
    if (rc == 0) {
        rc = dmop_map_pcidev(devs->xen, a->bus, a->dev, a->fn);
        if (rc < 0)
            iospace_remove(devs->space, IOSPACE_PCI, r.base);
    } else {
        log_dev(LOG_ERR, in->dev.name, "cannot route pci %02x:%02x.%x: %s", a->bus, a->dev,
                a->fn, strerror(-rc));
    }
    if (rc < 0) {
        pci_function_free(in->pci);
        in->pci = NULL;
    }
    return rc;
}

static int claim(struct devices *devs, struct instance *in)
{
    const struct dev_config *dc = in->dev.cfg;
    struct iospace_region r;

    if (dc->attach.kind == ATTACH_PCI)
        return claim_pci(devs, in);
    r = device_region(&in->dev, dc->attach.base);
    return claim_window(devs, dc->attach.kind == ATTACH_PORT ? IOSPACE_PORT : IOSPACE_MMIO, &r);
}

static void release(struct devices *devs, struct instance *in)
{
    const struct dev_config *dc = in->dev.cfg;
    const struct pci_addr *a = &dc->attach.pci;

    if (dc->attach.kind != ATTACH_PCI) {
        release_window(devs, dc->attach.kind == ATTACH_PORT ? IOSPACE_PORT : IOSPACE_MMIO,
                       dc->attach.base, dc->size);
        return;
    }
    dmop_unmap_pcidev(devs->xen, a->bus, a->dev, a->fn);
    iospace_remove(devs->space, IOSPACE_PCI, config_base(a));
    pci_function_free(in->pci); /* releases BAR0 if the guest mapped it */
    in->pci = NULL;
}

static void describe(const struct device *dev)
{
    char what[160];

    dev_config_format(dev->cfg, what, sizeof(what));
    if (dev->cfg->attach.kind == ATTACH_PCI)
        log_dev(LOG_INFO, dev->name, "%s (BAR0 %s, %llu bytes)", what,
                dev->type->pci->bar_is_io ? "I/O" : "memory",
                (unsigned long long)pci_bar_size(dev));
    else
        log_dev(LOG_INFO, dev->name, "%s", what);
}

static void put_name(struct snap_out *out, const char *name)
{
    size_t len = strlen(name);

    if (len > FRAME_NAME_MAX)
        len = FRAME_NAME_MAX;
    snap_put_u8(out, (uint8_t)len);
    snap_put_bytes(out, name, len);
}

static void make_frame_head(struct instance *in)
{
    struct snap_out out;

    snap_out_init(&out, in->head, sizeof(in->head));
    put_name(&out, in->dev.name);
    put_name(&out, in->dev.type->name);
    snap_put_u32(&out, in->dev.type->state_version);
    in->head_len = (size_t)(out.p - in->head);
}

static int create_one(struct devices *devs, struct instance *in, const struct dev_config *dc,
                      struct ev_loop *loop)
{
    struct device *dev = &in->dev;
    int rc;

    dev->name = dc->name;
    dev->type = dc->type;
    dev->cfg = dc;
    dev->loop = loop;
    dev->state_dir = devs->state_dir;
    dev->wire = devs->rs != NULL ? runstate_wire(devs->rs, (size_t)(in - devs->inst)) : NULL;
    dev->max_access = dc->type->max_access;
    dev->wide = dc->type->wide;
    make_frame_head(in);
    if (dc->irq.kind != IRQ_NONE) {
        dev->irq = irq_line_create(devs->xen, &dc->irq, dc->name);
        if (dev->irq == NULL)
            return -ENOMEM;
    }
    rc = dc->type->create(dev);
    if (rc < 0) {
        log_dev(LOG_ERR, dev->name, "cannot create %s device: %s", dc->type->name,
                strerror(-rc));
        goto fail_irq;
    }
    in->owner = devs;
    rc = claim(devs, in);
    if (rc < 0)
        goto fail_create;
    describe(dev);
    return 0;

fail_create:
    dc->type->destroy(dev);
fail_irq:
    irq_line_destroy(dev->irq);
    dev->irq = NULL;
    return rc;
}

static void destroy_one(struct devices *devs, struct instance *in)
{
    release(devs, in);
    in->dev.type->destroy(&in->dev);
    irq_line_destroy(in->dev.irq);
    in->dev.irq = NULL;
}

int devices_create(struct devices **out, const struct dmd_config *cfg, struct ev_loop *loop,
                   struct dmop *xen, struct iospace *space, struct runstate *rs)
{
    struct devices *devs = calloc(1, sizeof(*devs));
    int rc = 0;

    if (devs == NULL)
        return -ENOMEM;
    devs->xen = xen;
    devs->space = space;
    devs->rs = rs;
    devs->state_dir = cfg->state_dir;
    devs->inst = calloc(cfg->ndevs ? cfg->ndevs : 1, sizeof(*devs->inst));
    if (devs->inst == NULL) {
        free(devs);
        return -ENOMEM;
    }
    for (size_t i = 0; i < cfg->ndevs; i++) {
        rc = create_one(devs, &devs->inst[i], &cfg->devs[i], loop);
        if (rc < 0)
            break;
        devs->n++;
    }
    if (rc < 0) {
        devices_destroy(devs);
        return rc;
    }
    *out = devs;
    return 0;
}

void devices_destroy(struct devices *devs)
{
    if (devs == NULL)
        return;
    while (devs->n > 0)
        destroy_one(devs, &devs->inst[--devs->n]);
    free(devs->inst);
    free(devs);
}

size_t devices_count(const struct devices *devs)
{
    return devs != NULL ? devs->n : 0;
}

void devices_timeoffset(struct devices *devs, int64_t offset_seconds)
{
    for (size_t i = 0; i < devs->n; i++) {
        struct device *dev = &devs->inst[i].dev;
        if (dev->type->timeoffset != NULL) {
            dev->type->timeoffset(dev, offset_seconds);
            device_changed(dev);
        }
    }
}

/* ---- state across a crash ----------------------------------------------- */

_Static_assert(offsetof(struct instance, dev) == 0, "a region's owner is its instance's dev");

static struct instance *instance_of(struct device *dev)
{
    return (struct instance *)(void *)dev;
}

/* Is the next name in the frame exactly what put_name() writes for
 * `name`?  (Not merely up to a NUL byte in it.) */
static bool name_matches(struct snap_in *in, const char *name)
{
    char got[FRAME_NAME_MAX];
    size_t len = snap_get_u8(in);

    if (!snap_get_bytes(in, got, len))
        return false;
    return len == strnlen(name, FRAME_NAME_MAX) && memcmp(got, name, len) == 0;
}

static void frame_save(const struct instance *in, struct snap_out *out)
{
    struct device *dev = (struct device *)&in->dev;

    snap_put_bytes(out, in->head, in->head_len);
    irq_line_save(dev->irq, out);
    if (in->pci != NULL)
        pci_function_save(in->pci, out);
    if (dev->type->save != NULL)
        dev->type->save(dev, out);
}

/* Check (apply false) or take (apply true) one frame: 0 or -EINVAL. */
static int frame_restore(struct instance *in, struct snap_in *si, bool apply)
{
    struct device *dev = &in->dev;

    if (!name_matches(si, dev->name) || !name_matches(si, dev->type->name) ||
        snap_get_u32(si) != dev->type->state_version || si->bad)
        return -EINVAL;
    if (irq_line_restore(dev->irq, si, apply) < 0)
        return -EINVAL;
    if (in->pci != NULL && pci_function_restore(in->pci, si, apply) < 0)
        return -EINVAL;
    if (dev->type->restore != NULL)
        return dev->type->restore(dev, si, apply);
    return si->bad || snap_in_left(si) != 0 ? -EINVAL : 0;
}

static void instance_save(struct devices *devs, struct instance *in,
                          const struct runstate_answer *answer)
{
    static struct log_ratelimit rl;
    size_t i = (size_t)(in - devs->inst);
    uint8_t *buf;
    struct snap_out out;

    if (devs->rs == NULL)
        return;
    buf = runstate_save_buffer(devs->rs, i);
    snap_out_init(&out, buf, RUNSTATE_SNAPSHOT_MAX);
    frame_save(in, &out);
    if (out.overflow) {
        log_limited(&rl, LOG_ERR, &((struct log_fields){ .device = in->dev.name, .vcpu = -1 }),
                    "state does not fit in %u bytes: not saved", RUNSTATE_SNAPSHOT_MAX);
        return;
    }
    runstate_save_commit(devs->rs, i, (size_t)(out.p - buf), answer);
}

void device_changed(struct device *dev)
{
    struct instance *in = instance_of(dev);

    instance_save(in->owner, in, NULL);
}

void device_shutdown_guest(struct device *dev, unsigned reason)
{
    static const char *const names[] = { "poweroff", "reboot", "suspend", "crash",
                                         "watchdog", "soft_reset" };
    static struct log_ratelimit rl; /* the guest asks for it */
    struct instance *in = instance_of(dev);
    struct log_fields f = { .device = dev->name, .vcpu = -1 };

    if (in->owner->xen->no_shutdown)
        return; /* refused once, reported by dmop_shutdown */
    log_limited(&rl, LOG_NOTICE, &f, "shutting the guest down (reason %u, %s)", reason,
                reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "unknown");
    dmop_shutdown(in->owner->xen, reason);
}

void devices_save_all(struct devices *devs)
{
    for (size_t i = 0; i < devs->n; i++)
        instance_save(devs, &devs->inst[i], NULL);
}

void devices_save_touched(struct devices *devs, const struct iospace *sp,
                          const struct runstate_answer *answer)
{
    void *const *owners;
    size_t n = iospace_touched(sp, &owners);

    if (devs->rs == NULL)
        return;
    if (n == IOSPACE_TOUCHED_MANY) {
        for (size_t i = 0; i < devs->n; i++)
            instance_save(devs, &devs->inst[i], answer);
        return;
    }
    for (size_t i = 0; i < n; i++)
        instance_save(devs, owners[i], answer);
}

/* Private copies of every snapshot, so what is checked is what is applied
 * whatever happens to the file meanwhile.  NULL when one is missing. */
static uint8_t **copy_snapshots(struct devices *devs, size_t *lens)
{
    uint8_t **copies = calloc(devs->n, sizeof(*copies));

    for (size_t i = 0; copies != NULL && i < devs->n; i++) {
        const uint8_t *snap = runstate_snapshot(devs->rs, i, &lens[i]);

        copies[i] = snap != NULL ? malloc(lens[i] ? lens[i] : 1) : NULL;
        if (copies[i] == NULL) {
            while (i > 0)
                free(copies[--i]);
            free(copies);
            return NULL;
        }
        memcpy(copies[i], snap, lens[i]);
    }
    return copies;
}

/* Check every frame (apply false) or take them all; the first instance
 * whose frame fails, or NULL. */
static struct instance *restore_pass(struct devices *devs, uint8_t **copies, const size_t *lens,
                                     bool apply)
{
    for (size_t i = 0; i < devs->n; i++) {
        struct snap_in si;

        snap_in_init(&si, copies[i], lens[i]);
        if (frame_restore(&devs->inst[i], &si, apply) < 0)
            return &devs->inst[i];
    }
    return NULL;
}

int devices_restore(struct devices *devs)
{
    size_t *lens;
    uint8_t **copies;
    struct instance *bad;
    char why[160];

    if (devs->rs == NULL || !runstate_has_snapshots(devs->rs) || devs->n == 0)
        return 0;
    lens = calloc(devs->n, sizeof(*lens));
    copies = lens != NULL ? copy_snapshots(devs, lens) : NULL;
    if (copies == NULL) {
        free(lens);
        runstate_set_aside(devs->rs, "a device has no saved state");
        return -EINVAL;
    }
    bad = restore_pass(devs, copies, lens, false);
    if (bad == NULL)
        restore_pass(devs, copies, lens, true); /* cannot fail: all were checked */
    else
        snprintf(why, sizeof(why), "the saved state of [%s] is not valid for it",
                 bad->dev.name);
    for (size_t i = 0; i < devs->n; i++)
        free(copies[i]);
    free(copies);
    free(lens);
    if (bad != NULL) {
        runstate_set_aside(devs->rs, why);
        return -EINVAL;
    }
    log_info("restored the state of %zu device(s) saved by the previous dmd", devs->n);
    return 1;
}
