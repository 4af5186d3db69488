/* SPDX-License-Identifier: MIT */
/*
 * Claiming guest port, MMIO and PCI config ranges for the ioreq server.
 *
 * Besides start-up, ranges are mapped and unmapped while running whenever
 * the guest moves a PCI BAR, so a guest could make these fail at will:
 * their messages go through rate limits (which never hide the handful a
 * start-up can produce).
 */
#include "dmop.h"

#include <errno.h>
#include <string.h>

#include <xendevicemodel.h>

#include "../log.h"

static struct log_ratelimit rl_map, rl_unmap;

static int map_range(struct dmop *x, int is_mmio, uint64_t start, uint64_t end)
{
    if (xendevicemodel_map_io_range_to_ioreq_server(x->dm, x->domid, x->server, is_mmio,
                                                    start, end) < 0) {
        int err = errno;
        log_limited(&rl_map, LOG_ERR, NULL,
                    "xendevicemodel_map_io_range_to_ioreq_server(domain %u, server %u, %s "
                    "%#llx-%#llx): %s%s",
                    x->domid, x->server, is_mmio ? "mmio" : "port", (unsigned long long)start,
                    (unsigned long long)end, strerror(err),
                    err == EEXIST ? " (overlaps a range this server already has)" : "");
        return -err;
    }
    return 0;
}

static int unmap_range(struct dmop *x, int is_mmio, uint64_t start, uint64_t end)
{
    if (x->gone)
        return 0;
    if (xendevicemodel_unmap_io_range_from_ioreq_server(x->dm, x->domid, x->server, is_mmio,
                                                        start, end) < 0) {
        int err = errno;
        log_limited(&rl_unmap, LOG_WARNING, NULL,
                    "xendevicemodel_unmap_io_range_from_ioreq_server(domain %u, server %u, "
                    "%s %#llx-%#llx): %s",
                    x->domid, x->server, is_mmio ? "mmio" : "port", (unsigned long long)start,
                    (unsigned long long)end, strerror(err));
        return -err;
    }
    return 0;
}

int dmop_map_port_range(struct dmop *x, uint64_t start, uint64_t end)
{
    return map_range(x, 0, start, end);
}

int dmop_unmap_port_range(struct dmop *x, uint64_t start, uint64_t end)
{
    return unmap_range(x, 0, start, end);
}

int dmop_map_mmio_range(struct dmop *x, uint64_t start, uint64_t end)
{
    return map_range(x, 1, start, end);
}

int dmop_unmap_mmio_range(struct dmop *x, uint64_t start, uint64_t end)
{
    return unmap_range(x, 1, start, end);
}

int dmop_map_pcidev(struct dmop *x, uint8_t bus, uint8_t dev, uint8_t fn)
{
    if (xendevicemodel_map_pcidev_to_ioreq_server(x->dm, x->domid, x->server, 0, bus, dev,
                                                  fn) < 0) {
        int err = errno;
        log_err("xendevicemodel_map_pcidev_to_ioreq_server(domain %u, server %u, "
                "%02x:%02x.%x): %s",
                x->domid, x->server, bus, dev, fn, strerror(err));
        return -err;
    }
    return 0;
}

int dmop_unmap_pcidev(struct dmop *x, uint8_t bus, uint8_t dev, uint8_t fn)
{
    if (x->gone)
        return 0;
    if (xendevicemodel_unmap_pcidev_from_ioreq_server(x->dm, x->domid, x->server, 0, bus,
                                                      dev, fn) < 0) {
        int err = errno;
        log_warn("xendevicemodel_unmap_pcidev_from_ioreq_server(domain %u, server %u, "
                 "%02x:%02x.%x): %s",
                 x->domid, x->server, bus, dev, fn, strerror(err));
        return -err;
    }
    return 0;
}
