/* SPDX-License-Identifier: MIT */
/*
 * Claiming guest port, MMIO and PCI config ranges for the ioreq server,
 * and keeping x->rec, the list of every range Xen has for it: the server
 * record (server_record.h) is written from it before a range is mapped and
 * after one is unmapped, so a dmd started after a crash knows them all.
 *
 * Taking a server over (dmop_attach_server) adopts the recorded ranges.
 * Claiming one of them again maps it again, and Xen's EEXIST then means it
 * is there already: the record may name a range the previous dmd died
 * before mapping.  An adopted range that overlaps a claim without being
 * it is unmapped first; those nobody claims go in dmop_release_adopted().
 *
 * Besides start-up, ranges are mapped and unmapped while running whenever
 * the guest moves a PCI BAR, so a guest could make these fail at will:
 * their messages go through rate limits (which never hide the handful a
 * start-up can produce).
 */
#include "dmop.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <xendevicemodel.h>

#include "../log.h"

static struct log_ratelimit rl_map, rl_unmap;

static const char *const kind_names[] = {
    [RECORD_PORT] = "port", [RECORD_MMIO] = "mmio", [RECORD_PCI] = "pci",
};

static void describe(char *buf, size_t len, enum record_range_kind kind, uint64_t start,
                     uint64_t end)
{
    if (kind == RECORD_PCI)
        snprintf(buf, len, "pci %02x:%02x.%x", (unsigned)(start >> 8) & 0xff,
                 (unsigned)(start >> 3) & 0x1f, (unsigned)start & 7);
    else
        snprintf(buf, len, "%s %#llx-%#llx", kind_names[kind], (unsigned long long)start,
                 (unsigned long long)end);
}

/* ---- the hypercalls ----------------------------------------------------- */

static int xen_map(struct dmop *x, enum record_range_kind kind, uint64_t start, uint64_t end)
{
    if (kind == RECORD_PCI)
        return xendevicemodel_map_pcidev_to_ioreq_server(
            x->dm, x->domid, x->server, 0, (uint8_t)(start >> 8), (uint8_t)(start >> 3) & 0x1f,
            (uint8_t)start & 7);
    return xendevicemodel_map_io_range_to_ioreq_server(x->dm, x->domid, x->server,
                                                       kind == RECORD_MMIO, start, end);
}

static int xen_unmap(struct dmop *x, enum record_range_kind kind, uint64_t start, uint64_t end)
{
    if (kind == RECORD_PCI)
        return xendevicemodel_unmap_pcidev_from_ioreq_server(
            x->dm, x->domid, x->server, 0, (uint8_t)(start >> 8), (uint8_t)(start >> 3) & 0x1f,
            (uint8_t)start & 7);
    return xendevicemodel_unmap_io_range_from_ioreq_server(x->dm, x->domid, x->server,
                                                           kind == RECORD_MMIO, start, end);
}

/* Map a range; `again` (an adopted one): Xen having it already is fine. */
static int map_range(struct dmop *x, enum record_range_kind kind, uint64_t start, uint64_t end,
                     bool again)
{
    char what[64];
    int err;

    if (xen_map(x, kind, start, end) == 0)
        return 0;
    err = errno;
    if (again && err == EEXIST)
        return 0;
    describe(what, sizeof(what), kind, start, end);
    log_limited(&rl_map, LOG_ERR, NULL, "%s(domain %u, server %u, %s): %s%s",
                kind == RECORD_PCI ? "xendevicemodel_map_pcidev_to_ioreq_server"
                                   : "xendevicemodel_map_io_range_to_ioreq_server",
                x->domid, x->server, what, strerror(err),
                err == EEXIST ? " (overlaps a range this server already has)" : "");
    return -err;
}

/* Unmap a range; `stale` (adopted, maybe never mapped): ENOENT is fine. */
static int unmap_range(struct dmop *x, enum record_range_kind kind, uint64_t start,
                       uint64_t end, bool stale)
{
    char what[64];
    int err;

    if (xen_unmap(x, kind, start, end) == 0)
        return 0;
    err = errno;
    if (stale && err == ENOENT)
        return 0;
    describe(what, sizeof(what), kind, start, end);
    log_limited(&rl_unmap, LOG_WARNING, NULL, "%s(domain %u, server %u, %s): %s",
                kind == RECORD_PCI ? "xendevicemodel_unmap_pcidev_from_ioreq_server"
                                   : "xendevicemodel_unmap_io_range_from_ioreq_server",
                x->domid, x->server, what, strerror(err));
    return -err;
}

/* ---- the list ----------------------------------------------------------- */

static int record(struct dmop *x)
{
    return x->record_changed != NULL ? x->record_changed(x->record_ctx, &x->rec) : 0;
}

static size_t find(const struct dmop *x, enum record_range_kind kind, uint64_t start,
                   uint64_t end)
{
    for (size_t i = 0; i < x->rec.nranges; i++) {
        const struct record_range *r = &x->rec.ranges[i];

        if (r->kind == kind && r->start == start && r->end == end)
            return i;
    }
    return SIZE_MAX;
}

static void drop(struct dmop *x, size_t i)
{
    size_t rest = x->rec.nranges - i - 1;

    memmove(&x->rec.ranges[i], &x->rec.ranges[i + 1], rest * sizeof(x->rec.ranges[0]));
    memmove(&x->adopted[i], &x->adopted[i + 1], rest * sizeof(x->adopted[0]));
    x->rec.nranges--;
}

static bool overlaps(const struct record_range *r, enum record_range_kind kind, uint64_t start,
                     uint64_t end)
{
    return r->kind == kind && r->start <= end && start <= r->end;
}

/* Adopted ranges in the way of [start, end] that are not it: stale. */
static void unmap_stale_overlaps(struct dmop *x, enum record_range_kind kind, uint64_t start,
                                 uint64_t end)
{
    bool changed = false;

    for (size_t i = 0; i < x->rec.nranges;) {
        struct record_range r = x->rec.ranges[i];

        if (!x->adopted[i] || !overlaps(&r, kind, start, end) ||
            (r.start == start && r.end == end)) {
            i++;
            continue;
        }
        unmap_range(x, r.kind, r.start, r.end, true);
        drop(x, i);
        changed = true;
    }
    if (changed)
        record(x);
}

static int claim(struct dmop *x, enum record_range_kind kind, uint64_t start, uint64_t end)
{
    size_t i;
    int rc;

    unmap_stale_overlaps(x, kind, start, end);
    i = find(x, kind, start, end);
    if (i != SIZE_MAX && x->adopted[i]) {
        rc = map_range(x, kind, start, end, true);
        if (rc == 0)
            x->adopted[i] = false;
        return rc;
    }
    if (x->rec.nranges == SERVER_RECORD_RANGES_MAX)
        return -ENOSPC;
    i = x->rec.nranges++;
    x->rec.ranges[i] = (struct record_range){ .kind = kind, .start = start, .end = end };
    x->adopted[i] = false;
    rc = record(x);
    if (rc == 0)
        rc = map_range(x, kind, start, end, false);
    if (rc < 0) {
        drop(x, i);
        record(x);
    }
    return rc;
}

static int release(struct dmop *x, enum record_range_kind kind, uint64_t start, uint64_t end)
{
    size_t i;
    int rc;

    if (dmop_hands_off(x))
        return 0; /* the domain is gone, or the server is left for the next dmd */
    rc = unmap_range(x, kind, start, end, false);
    i = find(x, kind, start, end);
    if (i != SIZE_MAX) {
        drop(x, i);
        record(x);
    }
    return rc;
}

void dmop_adopt_ranges(struct dmop *x, const struct server_record *rec)
{
    x->rec.nranges = rec->nranges;
    memcpy(x->rec.ranges, rec->ranges, rec->nranges * sizeof(rec->ranges[0]));
    for (size_t i = 0; i < rec->nranges; i++)
        x->adopted[i] = true;
}

unsigned dmop_release_adopted(struct dmop *x)
{
    unsigned released = 0;

    for (size_t i = 0; i < x->rec.nranges;) {
        struct record_range r = x->rec.ranges[i];
        char what[64];

        if (!x->adopted[i]) {
            i++;
            continue;
        }
        describe(what, sizeof(what), r.kind, r.start, r.end);
        log_info("unmapping %s: the previous dmd had it, nothing claims it now", what);
        unmap_range(x, r.kind, r.start, r.end, true);
        drop(x, i);
        released++;
    }
    if (released > 0)
        record(x);
    return released;
}

int dmop_map_port_range(struct dmop *x, uint64_t start, uint64_t end)
{
    return claim(x, RECORD_PORT, start, end);
}

int dmop_unmap_port_range(struct dmop *x, uint64_t start, uint64_t end)
{
    return release(x, RECORD_PORT, start, end);
}

int dmop_map_mmio_range(struct dmop *x, uint64_t start, uint64_t end)
{
    return claim(x, RECORD_MMIO, start, end);
}

int dmop_unmap_mmio_range(struct dmop *x, uint64_t start, uint64_t end)
{
    return release(x, RECORD_MMIO, start, end);
}

static uint64_t sbdf(uint8_t bus, uint8_t dev, uint8_t fn)
{
    return (uint64_t)bus << 8 | (uint64_t)(dev & 0x1f) << 3 | (fn & 7);
}

int dmop_map_pcidev(struct dmop *x, uint8_t bus, uint8_t dev, uint8_t fn)
{
    return claim(x, RECORD_PCI, sbdf(bus, dev, fn), sbdf(bus, dev, fn));
}

int dmop_unmap_pcidev(struct dmop *x, uint8_t bus, uint8_t dev, uint8_t fn)
{
    return release(x, RECORD_PCI, sbdf(bus, dev, fn), sbdf(bus, dev, fn));
}
