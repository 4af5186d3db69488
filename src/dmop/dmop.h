/* SPDX-License-Identifier: MIT */
/*
 * src/dmop/: the only code that calls the Xen libraries.
 *
 * One flat function per operation.  Each one reports its own failure with
 * the library call, errno and the object it was about (domain, server id,
 * range, vCPU) and returns 0 or a negative errno, so callers only decide
 * what to do next.  Once the domain is known to be gone (dmop_mark_gone),
 * hypercalls about it are skipped quietly: teardown of a dead guest must not
 * drown the log in ESRCH lines.
 */
#ifndef DMD_DMOP_H
#define DMD_DMOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/hvm/ioreq.h>
#include <xen/event_channel.h>

#include "../mapcache.h"
#include "../server_record.h"

struct xendevicemodel_handle;
struct xenforeignmemory_handle;
struct xenforeignmemory_resource_handle;
struct xenevtchn_handle;

struct dmop {
    domid_t domid;
    struct xendevicemodel_handle *dm;
    struct xenforeignmemory_handle *fmem;
    struct xenevtchn_handle *xce;
    bool gone;        /* the domain no longer exists */
    bool no_shutdown; /* Xen refused XEN_DMOP_remote_shutdown (Arm has none) */

    /* The ioreq server, once created or taken over. */
    bool have_server;
    uint16_t server;  /* ioservid_t */
    int bufioreq;     /* HVM_IOREQSRV_BUFIOREQ_* it was created with */
    /* Start-up failed after taking a server over: leave it, its ranges
     * and its interrupt lines as they are for the next dmd. */
    bool detached;

    /* What Xen has for the server: its id, bufioreq and every range mapped
     * to it (ranges.c); adopted[i]: the previous dmd's, not claimed again
     * yet.  record_changed() gets it before a range is mapped (a failure
     * keeps the range from being mapped) and after one is unmapped. */
    struct server_record rec;
    bool adopted[SERVER_RECORD_RANGES_MAX];
    int (*record_changed)(void *ctx, const struct server_record *rec);
    void *record_ctx;
};

/* Hypercalls that undo or change the server are skipped: the domain is
 * gone, or the server is left for the next dmd. */
static inline bool dmop_hands_off(const struct dmop *x)
{
    return x->gone || x->detached;
}

/* The ioreq pages, mapped by dmop_map_ioreq_pages(). */
struct dmop_ioreq_pages {
    shared_iopage_t *shared;     /* one slot per vCPU */
    buffered_iopage_t *buffered; /* NULL without bufioreq */
    evtchn_port_t buf_port;      /* Xen-side bufioreq port (if buffered) */
    /* How they were mapped, for unmapping. */
    struct xenforeignmemory_resource_handle *res;
    void *legacy_shared, *legacy_buffered;
};

/* handles.c */
int dmop_open(struct dmop *x, domid_t domid);
void dmop_close(struct dmop *x);
int dmop_nr_vcpus(struct dmop *x, unsigned *nr);
/* Probe whether the domain still exists (1 = yes, 0 = gone, <0 = error). */
int dmop_domain_alive(struct dmop *x);
void dmop_mark_gone(struct dmop *x);
int dmop_restrict(struct dmop *x);
/* Ask Xen to shut the domain down.  A refusal (EOPNOTSUPP: Xen on Arm) is
 * reported once; later calls return it without asking again, as the guest
 * decides how often it asks. */
int dmop_shutdown(struct dmop *x, unsigned reason);

/* server.c */
int dmop_create_server(struct dmop *x, int bufioreq);
/* Take over the server a previous dmd recorded: 0, -ENOENT when Xen no
 * longer has it or it is not this emulator's, else -errno (logged).  Its
 * ranges are adopted (dmop_adopt_ranges). */
int dmop_attach_server(struct dmop *x, const struct server_record *rec);
int dmop_map_ioreq_pages(struct dmop *x, struct dmop_ioreq_pages *p);
void dmop_unmap_ioreq_pages(struct dmop *x, struct dmop_ioreq_pages *p);
int dmop_set_server_state(struct dmop *x, bool enabled);
void dmop_destroy_server(struct dmop *x);

/* ranges.c: start..end inclusive, as Xen takes them. */
int dmop_map_port_range(struct dmop *x, uint64_t start, uint64_t end);
int dmop_unmap_port_range(struct dmop *x, uint64_t start, uint64_t end);
int dmop_map_mmio_range(struct dmop *x, uint64_t start, uint64_t end);
int dmop_unmap_mmio_range(struct dmop *x, uint64_t start, uint64_t end);
int dmop_map_pcidev(struct dmop *x, uint8_t bus, uint8_t dev, uint8_t fn);
int dmop_unmap_pcidev(struct dmop *x, uint8_t bus, uint8_t dev, uint8_t fn);
/* The recorded ranges of a server taken over, as Xen may have them. */
void dmop_adopt_ranges(struct dmop *x, const struct server_record *rec);
/* Unmap every adopted range nothing claimed again; returns how many. */
unsigned dmop_release_adopted(struct dmop *x);

/* evtchn.c: `vcpu` < 0 means the buffered-ioreq port (for messages). */
int dmop_evtchn_fd(struct dmop *x);
int dmop_bind_port(struct dmop *x, evtchn_port_t remote, int vcpu,
                   evtchn_port_t *local);
void dmop_unbind_port(struct dmop *x, evtchn_port_t local, int vcpu);
/* Next pending port, or a negative errno. */
int dmop_pending(struct dmop *x, evtchn_port_t *port);
int dmop_unmask(struct dmop *x, evtchn_port_t port);
int dmop_notify(struct dmop *x, evtchn_port_t port, int vcpu);

/* irq.c: interrupt DMOPs.  `owner` names the device for messages. */
int dmop_set_isa_irq_level(struct dmop *x, uint8_t irq, bool level,
                           const char *owner);
int dmop_set_pci_intx_level(struct dmop *x, uint8_t bus, uint8_t dev,
                            uint8_t pin, bool level, const char *owner);
int dmop_set_spi_level(struct dmop *x, uint32_t spi, bool level,
                       const char *owner);
int dmop_inject_msi(struct dmop *x, uint64_t addr, uint32_t data,
                    const char *owner);

/* guestmem.c: guest RAM for data_is_ptr requests (struct guest_mem_ops),
 * through a mapcache of `mapcache_pages` pages (0: nothing kept mapped
 * across requests). */
struct dmop_guestmem {
    struct dmop *x;
    struct mapcache cache;
    /* Pages written during this request, reported at done() as runs. */
    struct {
        uint64_t first;
        uint32_t nr;
    } dirty[8];
    unsigned ndirty;
};

struct guest_mem_ops;
extern const struct guest_mem_ops dmop_guestmem_ops;
/* 0 or -ENOMEM. */
int dmop_guestmem_init(struct dmop_guestmem *gm, struct dmop *x, unsigned mapcache_pages);
/* Unmap everything cached (before the handles close). */
void dmop_guestmem_fini(struct dmop_guestmem *gm);
/* Drop every cached mapping; returns how many there were. */
unsigned dmop_guestmem_invalidate(struct dmop_guestmem *gm);

#endif
