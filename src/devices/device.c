/* SPDX-License-Identifier: MIT */
/*
 * The device manager: turns each configured instance into a running
 * device whose register window is routed (iospace) and claimed from Xen
 * (dmop).  Devices themselves never see either.
 */
#include "device.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../dmop/dmop.h"
#include "../iospace.h"
#include "../log.h"

struct devices {
    struct dmop *xen;
    struct iospace *space;
    size_t n;          /* instances fully created */
    struct device *dev; /* array of cfg->ndevs */
};

static enum iospace_kind space_of(enum attach_kind kind)
{
    return kind == ATTACH_PORT ? IOSPACE_PORT : IOSPACE_MMIO;
}

static int map_window(struct devices *devs, const struct dev_config *dc)
{
    uint64_t first = dc->attach.base, last = dc->attach.base + dc->size - 1;

    if (dc->attach.kind == ATTACH_PORT)
        return dmop_map_port_range(devs->xen, first, last);
    return dmop_map_mmio_range(devs->xen, first, last);
}

static void unmap_window(struct devices *devs, const struct dev_config *dc)
{
    uint64_t first = dc->attach.base, last = dc->attach.base + dc->size - 1;

    if (dc->attach.kind == ATTACH_PORT)
        dmop_unmap_port_range(devs->xen, first, last);
    else
        dmop_unmap_mmio_range(devs->xen, first, last);
}

/* Route the window to the device and map it to the ioreq server. */
static int claim(struct devices *devs, struct device *dev)
{
    const struct dev_config *dc = dev->cfg;
    struct iospace_region r = {
        .base = dc->attach.base,
        .size = dc->size,
        .ops = dev->type->ops,
        .opaque = dev->state,
        .name = dev->name,
        .max_access = dev->max_access,
        .wide = dev->wide,
    };
    enum iospace_kind kind = space_of(dc->attach.kind);
    int rc = iospace_add(devs->space, kind, &r);

    if (rc < 0) {
        log_dev(LOG_ERR, dev->name, "cannot route %s %#llx-%#llx: %s", iospace_kind_name(kind),
                (unsigned long long)r.base, (unsigned long long)(r.base + r.size - 1),
                strerror(-rc));
        return rc;
    }
    rc = map_window(devs, dc);
    if (rc < 0) {
        iospace_remove(devs->space, kind, r.base);
        return rc;
    }
    return 0;
}

static void release(struct devices *devs, struct device *dev)
{
    unmap_window(devs, dev->cfg);
    iospace_remove(devs->space, space_of(dev->cfg->attach.kind), dev->cfg->attach.base);
}

static void describe(const struct device *dev)
{
    const struct dev_config *dc = dev->cfg;
    char irq[32];

    irq_spec_format(&dc->irq, irq, sizeof(irq));
    log_dev(LOG_INFO, dev->name, "%s at %s %#llx-%#llx, irq %s", dev->type->name,
            dc->attach.kind == ATTACH_PORT ? "port" : "mmio",
            (unsigned long long)dc->attach.base,
            (unsigned long long)(dc->attach.base + dc->size - 1), irq);
}

static int create_one(struct devices *devs, struct device *dev, const struct dev_config *dc,
                      struct ev_loop *loop)
{
    int rc;

    dev->name = dc->name;
    dev->type = dc->type;
    dev->cfg = dc;
    dev->loop = loop;
    dev->max_access = dc->type->max_access;
    dev->wide = dc->type->wide;
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
    rc = claim(devs, dev);
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

static void destroy_one(struct devices *devs, struct device *dev)
{
    release(devs, dev);
    dev->type->destroy(dev);
    irq_line_destroy(dev->irq);
    dev->irq = NULL;
}

int devices_create(struct devices **out, const struct dmd_config *cfg, struct ev_loop *loop,
                   struct dmop *xen, struct iospace *space)
{
    struct devices *devs = calloc(1, sizeof(*devs));
    int rc = 0;

    if (devs == NULL)
        return -ENOMEM;
    devs->xen = xen;
    devs->space = space;
    devs->dev = calloc(cfg->ndevs ? cfg->ndevs : 1, sizeof(*devs->dev));
    if (devs->dev == NULL) {
        free(devs);
        return -ENOMEM;
    }
    for (size_t i = 0; i < cfg->ndevs; i++) {
        rc = create_one(devs, &devs->dev[i], &cfg->devs[i], loop);
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
        destroy_one(devs, &devs->dev[--devs->n]);
    free(devs->dev);
    free(devs);
}

size_t devices_count(const struct devices *devs)
{
    return devs != NULL ? devs->n : 0;
}

void devices_timeoffset(struct devices *devs, int64_t offset_seconds)
{
    for (size_t i = 0; i < devs->n; i++)
        if (devs->dev[i].type->timeoffset != NULL)
            devs->dev[i].type->timeoffset(&devs->dev[i], offset_seconds);
}
