/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM for requests whose data is a guest-physical pointer (rep ins /
 * outs, data_is_ptr): the Xen side of the mapcache (src/mapcache.c keeps
 * the rules).  Pages are mapped with xenforeignmemory_map, a chunk of
 * contiguous gfns per call with an err array, read-only unless written,
 * and kept mapped across requests up to `[dmd] mapcache` pages (0: each
 * request maps what it walks and releases it at its end).
 *
 * done() reports the pages written during the request with
 * xendevicemodel_modified_memory, whether they were cached already or not,
 * so log-dirty tracking (live migration, VRAM tracking) sees what dmd
 * wrote.  dmop_guestmem_invalidate() drops every mapping: on
 * IOREQ_TYPE_INVALIDATE (the guest's p2m lost RAM), when the domain is
 * gone or dying (a dying domain lingers while its pages are mapped), at
 * teardown.
 */
#include "dmop.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <xendevicemodel.h>
#include <xenforeignmemory.h>

#include "../iospace.h"
#include "../log.h"

#define GM_PAGE_SHIFT MAPCACHE_PAGE_SHIFT
#define GM_PAGE_SIZE MAPCACHE_PAGE_SIZE

static struct log_ratelimit gm_rl;

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

static int gm_map(void *ctx, uint64_t first, unsigned nr, bool writable, void **addr,
                  int err[])
{
    struct dmop_guestmem *gm = ctx;
    xen_pfn_t gfns[MAPCACHE_CHUNK_PAGES];

    for (unsigned i = 0; i < nr; i++)
        gfns[i] = (xen_pfn_t)(first + i);
    *addr = xenforeignmemory_map(gm->x->fmem, gm->x->domid,
                                 writable ? PROT_READ | PROT_WRITE : PROT_READ, nr, gfns, err);
    if (*addr == NULL)
        return errno ? -errno : -EFAULT;
    /* Documented as errno values; Linux privcmd hands back negative ones. */
    for (unsigned i = 0; i < nr; i++)
        err[i] = err[i] < 0 ? -err[i] : err[i];
    return 0;
}

static void gm_unmap(void *ctx, void *addr, uint64_t first, unsigned nr)
{
    struct dmop_guestmem *gm = ctx;

    if (xenforeignmemory_unmap(gm->x->fmem, addr, nr) < 0)
        log_limited(&gm_rl, LOG_WARNING, NULL,
                    "xenforeignmemory_unmap(domain %u, gfns %#llx-%#llx): %s", gm->x->domid,
                    (unsigned long long)first, (unsigned long long)(first + nr - 1),
                    strerror(errno));
}

static const struct mapcache_ops gm_cache_ops = { .map = gm_map, .unmap = gm_unmap };

int dmop_guestmem_init(struct dmop_guestmem *gm, struct dmop *x, unsigned mapcache_pages)
{
    memset(gm, 0, sizeof(*gm));
    gm->x = x;
    return mapcache_init(&gm->cache, mapcache_pages, &gm_cache_ops, gm);
}

void dmop_guestmem_fini(struct dmop_guestmem *gm)
{
    mapcache_fini(&gm->cache);
}

unsigned dmop_guestmem_invalidate(struct dmop_guestmem *gm)
{
    return mapcache_invalidate(&gm->cache);
}

static void log_map_failure(struct dmop_guestmem *gm, uint64_t pfn, bool writable, int err)
{
    log_limited(&gm_rl, LOG_WARNING, NULL,
                "xenforeignmemory_map(domain %u, gfn %#llx, %s): %s (guest buffer of a rep "
                "request)",
                gm->x->domid, (unsigned long long)pfn, writable ? "writable" : "read-only",
                strerror(-err));
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
        rc = mapcache_get(&gm->cache, pfn, to_guest, &page);
        if (rc < 0) {
            log_map_failure(gm, pfn, to_guest, rc);
            /* A dying domain can no longer be mapped, and lingers while
             * anything of it still is: let it go. */
            if (rc == -ESRCH)
                mapcache_invalidate(&gm->cache);
            return rc;
        }
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

/* A run of a rep within one page: the page as mapped, or NULL (copy()
 * then retries it and reports the failure). */
static uint8_t *gm_span(void *ctx, uint64_t gpa, size_t len, bool writable)
{
    struct dmop_guestmem *gm = ctx;
    uint64_t pfn = gpa >> GM_PAGE_SHIFT;
    size_t off = (size_t)(gpa & (GM_PAGE_SIZE - 1));
    uint8_t *page;

    if (len > GM_PAGE_SIZE - off || mapcache_get(&gm->cache, pfn, writable, &page) < 0)
        return NULL;
    if (writable)
        mark_dirty(gm, pfn);
    return page + off;
}

static void gm_done(void *ctx)
{
    struct dmop_guestmem *gm = ctx;

    report_dirty(gm);
    mapcache_end_request(&gm->cache);
}

const struct guest_mem_ops dmop_guestmem_ops = {
    .read = gm_read,
    .write = gm_write,
    .span = gm_span,
    .done = gm_done,
};
