/* SPDX-License-Identifier: MIT */
/*
 * The mapcache: guest pages kept mapped across requests, for requests
 * whose data is a guest-physical pointer (rep ins/outs), so a guest that
 * moves its bytes through the same buffer again and again costs one map
 * call, not one per request.
 *
 * Pure logic: the caller supplies map and unmap (src/dmop/guestmem.c does
 * them with xenforeignmemory), so this file is tested without Xen.
 *
 *  - Pages are mapped in aligned chunks of `chunk` contiguous gfns (a power
 *    of two, at most MAPCACHE_CHUNK_PAGES), one map call per chunk.  The
 *    map reports an error per page: a non-RAM neighbour does not fail the
 *    call, and a page with an error is never handed out.
 *  - A chunk's mapping is one unit: it is unmapped whole, never in part (on
 *    auto-translated dom0s, Arm and PVH, the privcmd VMA must go whole).
 *  - At most `pages` guest pages are mapped at any time: every gfn of a
 *    chunk counts, mapped or not.  When full, the least recently used
 *    chunk is unmapped before another is mapped.
 *  - A chunk is mapped read-only until a page of it must be written; then
 *    it is unmapped and mapped again writable.
 *  - A page whose mapping failed is not cached: the chunk's mapping is
 *    dropped and the next access tries again.
 *  - pages = 0 keeps nothing across requests: one page is mapped at a time
 *    and mapcache_end_request() releases it (dmd's behaviour without a
 *    cache).
 *
 * A page handed out by mapcache_get() stays mapped only until the next
 * mapcache_get(), mapcache_end_request() or mapcache_invalidate() call.
 */
#ifndef DMD_MAPCACHE_H
#define DMD_MAPCACHE_H

#include <stdbool.h>
#include <stdint.h>

#define MAPCACHE_PAGE_SHIFT 12
#define MAPCACHE_PAGE_SIZE (1u << MAPCACHE_PAGE_SHIFT)
/* `[dmd] mapcache` is 0..MAPCACHE_MAX_PAGES. */
#define MAPCACHE_MAX_PAGES 4096
/* Most gfns mapped by one call. */
#define MAPCACHE_CHUNK_PAGES 8

struct mapcache_ops {
    /*
     * Map gfns first .. first + nr - 1 with one call, writable or
     * read-only.  0 with *addr set and err[i] = 0 or a positive errno for
     * each page, or -errno when the call failed as a whole.
     */
    int (*map)(void *ctx, uint64_t first, unsigned nr, bool writable, void **addr,
               int err[]);
    /* Undo one successful map call, whole. */
    void (*unmap)(void *ctx, void *addr, uint64_t first, unsigned nr);
};

/* One chunk's mapping. */
struct mapcache_entry {
    void *addr;     /* NULL: the slot is free */
    uint64_t first; /* gfn of the chunk's first page */
    uint32_t ok;    /* bit i: page first + i is mapped */
    bool writable;
    uint64_t used;  /* the tick of its last use: the smallest goes first */
};

struct mapcache_stats {
    uint64_t hits;        /* pages found mapped */
    uint64_t misses;      /* pages that needed a map call */
    uint64_t maps;        /* map calls */
    uint64_t evictions;   /* chunks unmapped to make room */
    uint64_t invalidated; /* chunks unmapped by mapcache_invalidate() */
};

struct mapcache {
    const struct mapcache_ops *ops;
    void *ctx;
    bool per_request; /* pages = 0 */
    unsigned chunk;   /* gfns per mapping */
    unsigned nslots;  /* pages / chunk mappings at most */
    struct mapcache_entry *slot;
    unsigned mru;     /* the slot used last: checked first */
    uint64_t tick;
    struct mapcache_stats stats;
};

/* pages 0..MAPCACHE_MAX_PAGES; -EINVAL beyond, -ENOMEM. */
int mapcache_init(struct mapcache *mc, unsigned pages, const struct mapcache_ops *ops,
                  void *ctx);
/* Unmap everything and free the table (safe on a zeroed struct). */
void mapcache_fini(struct mapcache *mc);

/*
 * The page of `gfn`, mapped writable if `writable`: 0 and *page, or
 * -errno from the map call or for that page (nothing of it stays cached).
 */
int mapcache_get(struct mapcache *mc, uint64_t gfn, bool writable, uint8_t **page);
/* A request is finished: with pages = 0, release everything. */
void mapcache_end_request(struct mapcache *mc);
/* Unmap every chunk (each exactly once); returns how many there were. */
unsigned mapcache_invalidate(struct mapcache *mc);
/* Chunks mapped now. */
unsigned mapcache_mapped(const struct mapcache *mc);

#endif
