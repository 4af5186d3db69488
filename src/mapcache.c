/* SPDX-License-Identifier: MIT */
/*
 * The mapcache (see mapcache.h for the rules it keeps).
 *
 * A table of pages / chunk slots, each one chunk's mapping or free: 512
 * at most, 8 by default.  A lookup scans them after checking the slot used
 * last, which is where the next element of a rep almost always is.  Least
 * recently used means the smallest `used` tick.
 */
#include "mapcache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(MAPCACHE_CHUNK_PAGES <= 32, "entry.ok has a bit per page of a chunk");

int mapcache_init(struct mapcache *mc, unsigned pages, const struct mapcache_ops *ops,
                  void *ctx)
{
    unsigned chunk = 1;

    memset(mc, 0, sizeof(*mc));
    if (pages > MAPCACHE_MAX_PAGES)
        return -EINVAL;
    while (chunk * 2 <= MAPCACHE_CHUNK_PAGES && chunk * 2 <= pages)
        chunk *= 2;
    mc->ops = ops;
    mc->ctx = ctx;
    mc->per_request = pages == 0;
    mc->chunk = chunk;
    mc->nslots = pages == 0 ? 1 : pages / chunk;
    mc->slot = calloc(mc->nslots, sizeof(*mc->slot));
    return mc->slot == NULL ? -ENOMEM : 0;
}

static void drop(struct mapcache *mc, struct mapcache_entry *e)
{
    mc->ops->unmap(mc->ctx, e->addr, e->first, mc->chunk);
    memset(e, 0, sizeof(*e));
}

static unsigned drop_all(struct mapcache *mc)
{
    unsigned n = 0;

    for (unsigned i = 0; i < mc->nslots; i++) {
        if (mc->slot[i].addr == NULL)
            continue;
        drop(mc, &mc->slot[i]);
        n++;
    }
    return n;
}

void mapcache_fini(struct mapcache *mc)
{
    if (mc->slot != NULL)
        drop_all(mc);
    free(mc->slot);
    mc->slot = NULL;
    mc->nslots = 0;
}

static struct mapcache_entry *find(struct mapcache *mc, uint64_t first)
{
    if (mc->slot[mc->mru].addr != NULL && mc->slot[mc->mru].first == first)
        return &mc->slot[mc->mru];
    for (unsigned i = 0; i < mc->nslots; i++)
        if (mc->slot[i].addr != NULL && mc->slot[i].first == first)
            return &mc->slot[i];
    return NULL;
}

/* A free slot, made by unmapping the least recently used chunk if need be. */
static struct mapcache_entry *free_slot(struct mapcache *mc)
{
    struct mapcache_entry *lru = &mc->slot[0];

    for (unsigned i = 0; i < mc->nslots; i++) {
        if (mc->slot[i].addr == NULL)
            return &mc->slot[i];
        if (mc->slot[i].used < lru->used)
            lru = &mc->slot[i];
    }
    mc->stats.evictions++;
    drop(mc, lru);
    return lru;
}

/*
 * Map the chunk at `first` into the free slot e: 0, or -errno from the call
 * or for page `bit`, and then e stays free (a failed page is not cached).
 */
static int map_chunk(struct mapcache *mc, struct mapcache_entry *e, uint64_t first,
                     unsigned bit, bool writable)
{
    int err[MAPCACHE_CHUNK_PAGES] = { 0 };
    void *addr = NULL;
    uint32_t ok = 0;
    int rc;

    mc->stats.maps++;
    rc = mc->ops->map(mc->ctx, first, mc->chunk, writable, &addr, err);
    if (rc < 0)
        return rc;
    if (err[bit] != 0) {
        mc->ops->unmap(mc->ctx, addr, first, mc->chunk);
        return err[bit] > 0 ? -err[bit] : err[bit];
    }
    for (unsigned i = 0; i < mc->chunk; i++)
        if (err[i] == 0)
            ok |= UINT32_C(1) << i;
    *e = (struct mapcache_entry){
        .addr = addr, .first = first, .ok = ok, .writable = writable,
    };
    return 0;
}

int mapcache_get(struct mapcache *mc, uint64_t gfn, bool writable, uint8_t **page)
{
    uint64_t first = gfn & ~(uint64_t)(mc->chunk - 1);
    unsigned bit = (unsigned)(gfn - first);
    struct mapcache_entry *e = find(mc, first);
    int rc;

    if (e != NULL && (e->ok >> bit & 1) && (e->writable || !writable)) {
        mc->stats.hits++;
    } else {
        mc->stats.misses++;
        /* Read-only and now written, or the page failed before: map anew. */
        if (e != NULL)
            drop(mc, e);
        else
            e = free_slot(mc);
        rc = map_chunk(mc, e, first, bit, writable);
        if (rc < 0)
            return rc;
    }
    e->used = ++mc->tick;
    mc->mru = (unsigned)(e - mc->slot);
    *page = (uint8_t *)e->addr + ((size_t)bit << MAPCACHE_PAGE_SHIFT);
    return 0;
}

void mapcache_end_request(struct mapcache *mc)
{
    if (mc->per_request)
        drop_all(mc);
}

unsigned mapcache_invalidate(struct mapcache *mc)
{
    unsigned n = drop_all(mc);

    mc->stats.invalidated += n;
    return n;
}

unsigned mapcache_mapped(const struct mapcache *mc)
{
    unsigned n = 0;

    for (unsigned i = 0; i < mc->nslots; i++)
        n += mc->slot[i].addr != NULL;
    return n;
}
