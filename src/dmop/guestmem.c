/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM for requests whose data is a guest-physical pointer (rep ins /
 * outs, data_is_ptr).  Pages are mapped one at a time with
 * xenforeignmemory_map and the last one is kept while a request walks it;
 * done() unmaps it and reports the pages written with
 * xendevicemodel_modified_memory, so log-dirty tracking (live migration,
 * VRAM tracking) sees what dmd wrote.
 */
#include "dmop.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <xendevicemodel.h>
#include <xenforeignmemory.h>

#include "../iospace.h"
#include "../log.h"

#define GM_PAGE_SHIFT 12
#define GM_PAGE_SIZE (1u << GM_PAGE_SHIFT)

static struct log_ratelimit gm_rl;

void dmop_guestmem_init(struct dmop_guestmem *gm, struct dmop *x)
{
    memset(gm, 0, sizeof(*gm));
    gm->x = x;
}

static void release_page(struct dmop_guestmem *gm)
{
    if (gm->page == NULL)
        return;
    if (xenforeignmemory_unmap(gm->x->fmem, gm->page, 1) < 0)
        log_limited(&gm_rl, LOG_WARNING, NULL, "xenforeignmemory_unmap(domain %u, gfn %#llx): %s",
                    gm->x->domid, (unsigned long long)gm->pfn, strerror(errno));
    gm->page = NULL;
}

static void report_dirty(struct dmop_guestmem *gm)
{
    for (unsigned i = 0; i < gm->ndirty; i++) {
        if (xendevicemodel_modified_memory(gm->x->dm, gm->x->domid, gm->dirty[i].first,
                                           gm->dirty[i].nr) < 0)
            log_limited(&gm_rl, LOG_WARNING, NULL,
                        "xendevicemodel_modified_memory(domain %u, gfn %#llx, %u pages): %s",
                        gm->x->domid, (unsigned long long)gm->dirty[i].first,
                        gm->dirty[i].nr, strerror(errno));
    }
    gm->ndirty = 0;
}

/* Remember that pfn was written; extends the last run when contiguous. */
static void mark_dirty(struct dmop_guestmem *gm, uint64_t pfn)
{
    for (unsigned i = 0; i < gm->ndirty; i++) {
        uint64_t first = gm->dirty[i].first, nr = gm->dirty[i].nr;
        if (pfn >= first && pfn < first + nr)
            return;
        if (pfn == first + nr) {
            gm->dirty[i].nr++;
            return;
        }
        if (pfn + 1 == first) {
            gm->dirty[i].first = pfn;
            gm->dirty[i].nr++;
            return;
        }
    }
    if (gm->ndirty == sizeof(gm->dirty) / sizeof(gm->dirty[0]))
        report_dirty(gm);
    gm->dirty[gm->ndirty].first = pfn;
    gm->dirty[gm->ndirty].nr = 1;
    gm->ndirty++;
}

static int map_page(struct dmop_guestmem *gm, uint64_t pfn, bool writable, uint8_t **out)
{
    xen_pfn_t gfn = (xen_pfn_t)pfn;
    void *page;

    if (gm->page != NULL && gm->pfn == pfn && (gm->page_writable || !writable)) {
        *out = gm->page;
        return 0;
    }
    release_page(gm);
    page = xenforeignmemory_map(gm->x->fmem, gm->x->domid,
                                writable ? PROT_READ | PROT_WRITE : PROT_READ, 1, &gfn, NULL);
    if (page == NULL) {
        int err = errno ? errno : EFAULT;
        log_limited(&gm_rl, LOG_WARNING, NULL,
                    "xenforeignmemory_map(domain %u, gfn %#llx): %s (guest buffer of a rep "
                    "request)",
                    gm->x->domid, (unsigned long long)pfn, strerror(err));
        return -err;
    }
    gm->page = page;
    gm->pfn = pfn;
    gm->page_writable = writable;
    *out = page;
    return 0;
}

/* Copy len bytes between gpa and buf, page by page. */
static int copy(struct dmop_guestmem *gm, uint64_t gpa, uint8_t *buf, size_t len, bool to_guest)
{
    while (len > 0) {
        uint64_t pfn = gpa >> GM_PAGE_SHIFT;
        size_t off = (size_t)(gpa & (GM_PAGE_SIZE - 1));
        size_t chunk = GM_PAGE_SIZE - off;
        uint8_t *page = NULL;
        int rc;

        if (chunk > len)
            chunk = len;
        if (gpa + chunk - 1 < gpa)
            return -EFAULT; /* wraps past the top of the address space */
        rc = map_page(gm, pfn, to_guest, &page);
        if (rc < 0)
            return rc;
        if (to_guest) {
            memcpy(page + off, buf, chunk);
            mark_dirty(gm, pfn);
        } else {
            memcpy(buf, page + off, chunk);
        }
        gpa += chunk;
        buf += chunk;
        len -= chunk;
    }
    return 0;
}

static int gm_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    return copy(ctx, gpa, buf, len, false);
}

static int gm_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
    /* copy() only reads from buf when writing to the guest. */
    return copy(ctx, gpa, (uint8_t *)(uintptr_t)buf, len, true);
}

static void gm_done(void *ctx)
{
    struct dmop_guestmem *gm = ctx;

    release_page(gm);
    report_dirty(gm);
}

const struct guest_mem_ops dmop_guestmem_ops = {
    .read = gm_read,
    .write = gm_write,
    .done = gm_done,
};
