/* SPDX-License-Identifier: MIT */
/*
 * The ioreq server's life: create, map its pages, enable, destroy.
 */
#include "dmop.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <xendevicemodel.h>
#include <xenforeignmemory.h>
#include <xen/hvm/hvm_op.h>
#include <xen/memory.h>

#include "../log.h"

#define PAGE_SIZE 4096u

static const char *bufioreq_name(int bufioreq)
{
    switch (bufioreq) {
    case HVM_IOREQSRV_BUFIOREQ_OFF:
        return "off";
    case HVM_IOREQSRV_BUFIOREQ_LEGACY:
        return "legacy";
    case HVM_IOREQSRV_BUFIOREQ_ATOMIC:
        return "atomic";
    default:
        return "?";
    }
}

int dmop_create_server(struct dmop *x, int bufioreq)
{
    ioservid_t id;

    if (xendevicemodel_create_ioreq_server(x->dm, x->domid, bufioreq, &id) < 0) {
        int err = errno;
        log_err("xendevicemodel_create_ioreq_server(domain %u, bufioreq %s): %s%s",
                x->domid, bufioreq_name(bufioreq), strerror(err),
                err == ENOSPC ? " (all 8 ioreq servers of this domain are in use)" : "");
        return -err;
    }
    x->have_server = true;
    x->server = id;
    x->bufioreq = bufioreq;
    x->rec.server = id;
    x->rec.bufioreq = bufioreq;
    x->rec.nranges = 0;
    log_set_server(id);
    log_info("created ioreq server %u for domain %u (bufioreq %s)", id, x->domid,
             bufioreq_name(bufioreq));
    return 0;
}

int dmop_attach_server(struct dmop *x, const struct server_record *rec)
{
    evtchn_port_t port;
    bool buffered = rec->bufioreq != HVM_IOREQSRV_BUFIOREQ_OFF;

    /* No GFN pointers: asking for them would map the pages into the
     * guest the legacy way. */
    if (xendevicemodel_get_ioreq_server_info(x->dm, x->domid, rec->server, NULL, NULL,
                                             buffered ? &port : NULL) < 0) {
        int err = errno;

        if (err == ENOENT || err == EPERM)
            return -ENOENT;
        log_err("xendevicemodel_get_ioreq_server_info(domain %u, server %u): %s", x->domid,
                rec->server, strerror(err));
        return -err;
    }
    x->have_server = true;
    x->server = rec->server;
    x->bufioreq = rec->bufioreq;
    x->rec.server = rec->server;
    x->rec.bufioreq = rec->bufioreq;
    dmop_adopt_ranges(x, rec);
    log_set_server(rec->server);
    log_notice("taking over ioreq server %u of domain %u left by a previous dmd "
               "(bufioreq %s, %zu range(s))",
               rec->server, x->domid, bufioreq_name(rec->bufioreq), rec->nranges);
    return 0;
}

/* The old way, for kernels without IOCTL_PRIVCMD_MMAP_RESOURCE: map the
 * pages at the GFNs Xen reports (dm_op.h calls this path legacy). */
static int map_legacy(struct dmop *x, struct dmop_ioreq_pages *p)
{
    xen_pfn_t ioreq_gfn = 0, bufioreq_gfn = 0;
    bool buffered = x->bufioreq != HVM_IOREQSRV_BUFIOREQ_OFF;

    if (xendevicemodel_get_ioreq_server_info(x->dm, x->domid, x->server, &ioreq_gfn,
                                             buffered ? &bufioreq_gfn : NULL, NULL) < 0) {
        int err = errno;
        log_err("xendevicemodel_get_ioreq_server_info(domain %u, server %u): %s",
                x->domid, x->server, strerror(err));
        return -err;
    }
    p->legacy_shared = xenforeignmemory_map(x->fmem, x->domid, PROT_READ | PROT_WRITE, 1,
                                            &ioreq_gfn, NULL);
    if (p->legacy_shared == NULL) {
        int err = errno;
        log_err("xenforeignmemory_map(domain %u, ioreq page gfn %#lx): %s", x->domid,
                (unsigned long)ioreq_gfn, strerror(err));
        return -err;
    }
    p->shared = p->legacy_shared;
    if (!buffered)
        return 0;
    p->legacy_buffered = xenforeignmemory_map(x->fmem, x->domid, PROT_READ | PROT_WRITE, 1,
                                              &bufioreq_gfn, NULL);
    if (p->legacy_buffered == NULL) {
        int err = errno;
        log_err("xenforeignmemory_map(domain %u, bufioreq page gfn %#lx): %s", x->domid,
                (unsigned long)bufioreq_gfn, strerror(err));
        return -err;
    }
    p->buffered = p->legacy_buffered;
    return 0;
}

static int map_resource(struct dmop *x, struct dmop_ioreq_pages *p)
{
    bool buffered = x->bufioreq != HVM_IOREQSRV_BUFIOREQ_OFF;
    /* Frame 0 is the buffered page, frame 1 the synchronous one. */
    unsigned long first = buffered ? XENMEM_resource_ioreq_server_frame_bufioreq
                                   : XENMEM_resource_ioreq_server_frame_ioreq(0);
    unsigned long nr = buffered ? 2 : 1;
    void *addr = NULL;

    p->res = xenforeignmemory_map_resource(x->fmem, x->domid, XENMEM_resource_ioreq_server,
                                           x->server, first, nr, &addr,
                                           PROT_READ | PROT_WRITE, 0);
    if (p->res == NULL)
        return -errno;
    if (buffered) {
        p->buffered = addr;
        p->shared = (shared_iopage_t *)((char *)addr + PAGE_SIZE);
    } else {
        p->shared = addr;
    }
    return 0;
}

static int get_buf_port(struct dmop *x, struct dmop_ioreq_pages *p)
{
    evtchn_port_t port;

    if (xendevicemodel_get_ioreq_server_info(x->dm, x->domid, x->server, NULL, NULL,
                                             &port) < 0) {
        int err = errno;
        log_err("xendevicemodel_get_ioreq_server_info(domain %u, server %u, bufioreq port): %s",
                x->domid, x->server, strerror(err));
        return -err;
    }
    p->buf_port = port;
    return 0;
}

int dmop_map_ioreq_pages(struct dmop *x, struct dmop_ioreq_pages *p)
{
    int rc;

    memset(p, 0, sizeof(*p));
    rc = map_resource(x, p);
    if (rc == -EOPNOTSUPP) {
        log_notice("xenforeignmemory_map_resource(domain %u, server %u): not supported by "
                   "this kernel; falling back to mapping the ioreq pages by GFN",
                   x->domid, x->server);
        rc = map_legacy(x, p);
    } else if (rc < 0) {
        log_err("xenforeignmemory_map_resource(domain %u, server %u, ioreq pages): %s",
                x->domid, x->server, strerror(-rc));
    }
    if (rc == 0 && p->buffered != NULL)
        rc = get_buf_port(x, p);
    if (rc < 0)
        dmop_unmap_ioreq_pages(x, p);
    return rc;
}

void dmop_unmap_ioreq_pages(struct dmop *x, struct dmop_ioreq_pages *p)
{
    if (p->res != NULL && xenforeignmemory_unmap_resource(x->fmem, p->res) < 0)
        log_warn("xenforeignmemory_unmap_resource(domain %u, server %u): %s", x->domid,
                 x->server, strerror(errno));
    if (p->legacy_shared != NULL && xenforeignmemory_unmap(x->fmem, p->legacy_shared, 1) < 0)
        log_warn("xenforeignmemory_unmap(domain %u, ioreq page): %s", x->domid,
                 strerror(errno));
    if (p->legacy_buffered != NULL &&
        xenforeignmemory_unmap(x->fmem, p->legacy_buffered, 1) < 0)
        log_warn("xenforeignmemory_unmap(domain %u, bufioreq page): %s", x->domid,
                 strerror(errno));
    memset(p, 0, sizeof(*p));
}

int dmop_set_server_state(struct dmop *x, bool enabled)
{
    if (dmop_hands_off(x))
        return 0;
    if (xendevicemodel_set_ioreq_server_state(x->dm, x->domid, x->server, enabled) < 0) {
        int err = errno;
        /* Stopping after the toolstack destroyed the domain: Xen already
         * tore the server down with it, so there is nothing left to undo. */
        if (!enabled && (err == ENOENT || err == ESRCH)) {
            log_notice("ioreq server %u of domain %u is already gone (%s): the domain was "
                       "destroyed", x->server, x->domid, strerror(err));
            dmop_mark_gone(x);
            return 0;
        }
        log_err("xendevicemodel_set_ioreq_server_state(domain %u, server %u, %s): %s",
                x->domid, x->server, enabled ? "enabled" : "disabled", strerror(err));
        return -err;
    }
    return 0;
}

void dmop_destroy_server(struct dmop *x)
{
    if (!x->have_server)
        return;
    x->have_server = false;
    if (!x->detached)
        x->rec.nranges = 0; /* they go with it */
    if (dmop_hands_off(x))
        return;
    if (xendevicemodel_destroy_ioreq_server(x->dm, x->domid, x->server) < 0)
        log_err("xendevicemodel_destroy_ioreq_server(domain %u, server %u): %s", x->domid,
                x->server, strerror(errno));
    else
        log_info("destroyed ioreq server %u", x->server);
}
