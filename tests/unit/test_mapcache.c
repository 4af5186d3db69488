/* SPDX-License-Identifier: MIT */
/*
 * The mapcache without Xen: map and unmap are a recording double, so each
 * test reads as the calls privcmd would see ("map 0x10+8 ro", "unmap
 * 0x10+8").  The double's mappings are real memory with each page's gfn
 * written at its start, a page whose err is set is PROT_NONE and a
 * read-only mapping PROT_READ: a page used that should not be, or written
 * through a read-only mapping, crashes the test.  It also checks that an
 * unmap is of a live mapping, whole, and that no more pages are ever
 * mapped at once than the cache allows.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "mapcache.h"

#define PAGE MAPCACHE_PAGE_SIZE
#define CALLS_MAX 64
#define MAPS_MAX 1024

/* ---- the double ---- */

struct mapping {
    bool live;
    void *addr;
    uint64_t first;
    unsigned nr;
};

static struct {
    char calls[CALLS_MAX][32];
    unsigned ncalls;
    bool quiet;             /* count, do not record (long runs) */
    unsigned map_calls;
    struct mapping maps[MAPS_MAX];
    unsigned live_pages;    /* gfns mapped now, err or not */
    unsigned bound;         /* most live_pages allowed */
    uint64_t bad_gfn;       /* not RAM: err EFAULT (0: none) */
    uint64_t readonly_gfn;  /* refused writable: err EACCES (0: none) */
    int fail_call;          /* the next map call fails with this -errno */
} fake;

__attribute__((format(printf, 1, 2))) static void record(const char *fmt, ...)
{
    va_list ap;

    if (fake.quiet)
        return;
    assert_true(fake.ncalls < CALLS_MAX);
    va_start(ap, fmt);
    vsnprintf(fake.calls[fake.ncalls++], sizeof(fake.calls[0]), fmt, ap);
    va_end(ap);
}

static int page_error(uint64_t gfn, bool writable)
{
    if (fake.bad_gfn != 0 && gfn == fake.bad_gfn)
        return EFAULT;
    if (writable && fake.readonly_gfn != 0 && gfn == fake.readonly_gfn)
        return EACCES;
    return 0;
}

static int fake_map(void *ctx, uint64_t first, unsigned nr, bool writable, void **addr,
                    int err[])
{
    struct mapping *m = NULL;
    uint8_t *base;

    assert_ptr_equal(ctx, &fake);
    record("map %#llx+%u %s", (unsigned long long)first, nr, writable ? "rw" : "ro");
    fake.map_calls++;
    if (fake.fail_call != 0) {
        int rc = fake.fail_call;
        fake.fail_call = 0;
        return rc;
    }
    assert_true(fake.live_pages + nr <= fake.bound);
    for (unsigned i = 0; i < MAPS_MAX && m == NULL; i++)
        if (!fake.maps[i].live)
            m = &fake.maps[i];
    assert_non_null(m);
    base = mmap(NULL, (size_t)nr * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                -1, 0);
    assert_true(base != MAP_FAILED);
    for (unsigned i = 0; i < nr; i++) {
        uint8_t *page = base + (size_t)i * PAGE;

        err[i] = page_error(first + i, writable);
        memcpy(page, &(uint64_t){ first + i }, sizeof(uint64_t));
        if (err[i] != 0)
            assert_int_equal(mprotect(page, PAGE, PROT_NONE), 0);
        else if (!writable)
            assert_int_equal(mprotect(page, PAGE, PROT_READ), 0);
    }
    *m = (struct mapping){ .live = true, .addr = base, .first = first, .nr = nr };
    fake.live_pages += nr;
    *addr = base;
    return 0;
}

static void fake_unmap(void *ctx, void *addr, uint64_t first, unsigned nr)
{
    assert_ptr_equal(ctx, &fake);
    record("unmap %#llx+%u", (unsigned long long)first, nr);
    for (unsigned i = 0; i < MAPS_MAX; i++) {
        struct mapping *m = &fake.maps[i];

        if (!m->live || m->addr != addr)
            continue;
        /* Whole: exactly what one map call mapped. */
        assert_int_equal(m->first, first);
        assert_int_equal(m->nr, nr);
        assert_int_equal(munmap(addr, (size_t)nr * PAGE), 0);
        m->live = false;
        fake.live_pages -= nr;
        return;
    }
    fail_msg("unmap of %p (gfn %#llx+%u): not a live mapping", addr, (unsigned long long)first,
             nr);
}

static const struct mapcache_ops fake_ops = { .map = fake_map, .unmap = fake_unmap };

/* The calls since the last check, one per argument, NULL-terminated. */
static void expect_calls(const char *first, ...)
{
    va_list ap;
    unsigned i = 0;

    va_start(ap, first);
    for (const char *c = first; c != NULL; c = va_arg(ap, const char *), i++) {
        assert_true(i < fake.ncalls);
        assert_string_equal(fake.calls[i], c);
    }
    va_end(ap);
    assert_int_equal(fake.ncalls, i);
    fake.ncalls = 0;
}

static void no_calls(void)
{
    assert_int_equal(fake.ncalls, 0);
}

static void cache_init(struct mapcache *mc, unsigned pages)
{
    memset(&fake, 0, sizeof(fake));
    fake.bound = pages == 0 ? 1 : pages;
    assert_int_equal(mapcache_init(mc, pages, &fake_ops, &fake), 0);
}

/* Teardown: everything mapped goes, each mapping once. */
static void cache_fini(struct mapcache *mc)
{
    mapcache_fini(mc);
    assert_int_equal(fake.live_pages, 0);
    for (unsigned i = 0; i < MAPS_MAX; i++)
        assert_false(fake.maps[i].live);
}

/* The page of gfn, checked to be that gfn's. */
static uint8_t *get(struct mapcache *mc, uint64_t gfn, bool writable)
{
    uint8_t *page = NULL;
    uint64_t marker;

    assert_int_equal(mapcache_get(mc, gfn, writable, &page), 0);
    assert_non_null(page);
    memcpy(&marker, page, sizeof(marker));
    assert_int_equal(marker, gfn);
    if (writable)
        page[8] = 0x5a; /* crashes if the mapping is read-only */
    return page;
}

/* ---- tests ---- */

static void test_init_sizes(void **state)
{
    static const unsigned pages[] = { 0, 1, 2, 3, 5, 7, 8, 9, 64, 4096 };
    static const unsigned chunk[] = { 1, 1, 2, 2, 4, 4, 8, 8, 8, 8 };
    static const unsigned slots[] = { 1, 1, 1, 1, 1, 1, 1, 1, 8, 512 };
    struct mapcache mc;

    (void)state;
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        cache_init(&mc, pages[i]);
        assert_int_equal(mc.chunk, chunk[i]);
        assert_int_equal(mc.nslots, slots[i]);
        assert_int_equal(mc.per_request, pages[i] == 0);
        cache_fini(&mc);
    }
    assert_int_equal(mapcache_init(&mc, MAPCACHE_MAX_PAGES + 1, &fake_ops, &fake), -EINVAL);
    mapcache_fini(&mc); /* safe after a failed init */
}

static void test_hits_and_misses(void **state)
{
    struct mapcache mc;

    (void)state;
    cache_init(&mc, 64);
    get(&mc, 0x12, false);
    expect_calls("map 0x10+8 ro", NULL);
    /* The rest of the chunk, and across requests: no call. */
    for (uint64_t gfn = 0x10; gfn < 0x18; gfn++)
        get(&mc, gfn, false);
    mapcache_end_request(&mc);
    get(&mc, 0x17, false);
    no_calls();
    get(&mc, 0x18, false);
    expect_calls("map 0x18+8 ro", NULL);
    get(&mc, 0x13, false);
    no_calls();
    assert_int_equal(mc.stats.misses, 2);
    assert_int_equal(mc.stats.hits, 10);
    assert_int_equal(mc.stats.maps, 2);
    assert_int_equal(mapcache_mapped(&mc), 2);
    cache_fini(&mc);
    expect_calls("unmap 0x10+8", "unmap 0x18+8", NULL);
}

static void test_lru_eviction_order(void **state)
{
    struct mapcache mc;

    (void)state;
    cache_init(&mc, 16); /* two chunks of 8 */
    get(&mc, 0x00, false);
    get(&mc, 0x08, false);
    get(&mc, 0x01, false); /* 0x00's chunk is now the most recent */
    expect_calls("map 0+8 ro", "map 0x8+8 ro", NULL);
    get(&mc, 0x10, false);
    expect_calls("unmap 0x8+8", "map 0x10+8 ro", NULL);
    get(&mc, 0x02, false); /* still there */
    no_calls();
    get(&mc, 0x0f, false); /* 0x10's chunk is older than 0x00's */
    expect_calls("unmap 0x10+8", "map 0x8+8 ro", NULL);
    get(&mc, 0x13, false);
    expect_calls("unmap 0+8", "map 0x10+8 ro", NULL);
    assert_int_equal(mc.stats.evictions, 3);
    cache_fini(&mc);
}

static void test_bound_never_exceeded(void **state)
{
    static const unsigned sizes[] = { 1, 2, 3, 5, 7, 8, 9, 17, 63, 64, 100, 4096 };
    struct mapcache mc;

    (void)state;
    srand(7);
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        cache_init(&mc, sizes[s]); /* fake_map asserts live + new <= bound */
        fake.quiet = true;
        for (unsigned i = 0; i < 3000; i++) {
            uint64_t gfn = (uint64_t)rand() % (sizes[s] * 3u + 16u);

            get(&mc, gfn, rand() % 4 == 0);
            if (rand() % 8 == 0)
                mapcache_end_request(&mc);
            assert_true(fake.live_pages <= sizes[s]);
            assert_true(mapcache_mapped(&mc) * mc.chunk <= sizes[s]);
        }
        cache_fini(&mc);
    }
}

static void test_batching(void **state)
{
    struct mapcache mc;

    (void)state;
    cache_init(&mc, 64);
    /* A buffer of 5 pages from the middle of one chunk into the next. */
    for (uint64_t gfn = 0x1e; gfn <= 0x22; gfn++)
        get(&mc, gfn, false);
    expect_calls("map 0x18+8 ro", "map 0x20+8 ro", NULL);
    cache_fini(&mc);

    /* Every page of the biggest cache, in order: one call per 8 pages. */
    cache_init(&mc, MAPCACHE_MAX_PAGES);
    fake.quiet = true;
    for (uint64_t gfn = 0; gfn < MAPCACHE_MAX_PAGES; gfn++)
        get(&mc, gfn, false);
    assert_int_equal(fake.map_calls, MAPCACHE_MAX_PAGES / 8);
    for (uint64_t gfn = 0; gfn < MAPCACHE_MAX_PAGES; gfn++)
        get(&mc, gfn, false);
    assert_int_equal(fake.map_calls, MAPCACHE_MAX_PAGES / 8);
    assert_int_equal(mc.stats.evictions, 0);
    cache_fini(&mc);
}

static void test_err_page_never_used(void **state)
{
    struct mapcache mc;
    uint8_t *page = NULL;

    (void)state;
    cache_init(&mc, 64);
    fake.bad_gfn = 0x13;
    /* Its neighbours do not fail: the call maps them (0x13 is PROT_NONE). */
    get(&mc, 0x12, false);
    get(&mc, 0x14, false);
    expect_calls("map 0x10+8 ro", NULL);
    /* The bad page itself: an error, and nothing cached for it. */
    assert_int_equal(mapcache_get(&mc, 0x13, false, &page), -EFAULT);
    assert_null(page);
    expect_calls("unmap 0x10+8", "map 0x10+8 ro", "unmap 0x10+8", NULL);
    assert_int_equal(mapcache_mapped(&mc), 0);
    assert_int_equal(mapcache_get(&mc, 0x13, true, &page), -EFAULT);
    expect_calls("map 0x10+8 rw", "unmap 0x10+8", NULL);
    /* A failed page is not remembered either: the neighbour maps again. */
    get(&mc, 0x12, false);
    expect_calls("map 0x10+8 ro", NULL);
    cache_fini(&mc);
}

static void test_call_failure_not_cached(void **state)
{
    struct mapcache mc;
    uint8_t *page = NULL;

    (void)state;
    cache_init(&mc, 16);
    get(&mc, 0x40, false);
    fake.fail_call = -ESRCH;
    assert_int_equal(mapcache_get(&mc, 0x50, false, &page), -ESRCH);
    assert_null(page);
    expect_calls("map 0x40+8 ro", "map 0x50+8 ro", NULL);
    get(&mc, 0x50, false);
    expect_calls("map 0x50+8 ro", NULL);
    get(&mc, 0x41, false);
    no_calls();
    cache_fini(&mc);
}

static void test_readonly_to_writable(void **state)
{
    struct mapcache mc;
    uint8_t *page = NULL;

    (void)state;
    cache_init(&mc, 64);
    get(&mc, 0x20, false);
    expect_calls("map 0x20+8 ro", NULL);
    /* Written: the read-only mapping goes whole, a writable one comes. */
    get(&mc, 0x21, true);
    expect_calls("unmap 0x20+8", "map 0x20+8 rw", NULL);
    get(&mc, 0x20, false);
    get(&mc, 0x27, true);
    no_calls();
    assert_int_equal(mapcache_mapped(&mc), 1);

    /* A page the guest may not have written: the request fails, and
     * reading it maps it read-only again. */
    fake.readonly_gfn = 0x30;
    get(&mc, 0x30, false);
    expect_calls("map 0x30+8 ro", NULL);
    assert_int_equal(mapcache_get(&mc, 0x30, true, &page), -EACCES);
    expect_calls("unmap 0x30+8", "map 0x30+8 rw", "unmap 0x30+8", NULL);
    get(&mc, 0x30, false);
    expect_calls("map 0x30+8 ro", NULL);
    /* The other chunk was not disturbed. */
    get(&mc, 0x22, true);
    no_calls();
    cache_fini(&mc);
}

static void test_invalidate(void **state)
{
    struct mapcache mc;

    (void)state;
    cache_init(&mc, 64);
    assert_int_equal(mapcache_invalidate(&mc), 0);
    get(&mc, 0x00, false);
    get(&mc, 0x100, true);
    get(&mc, 0x2000, false);
    expect_calls("map 0+8 ro", "map 0x100+8 rw", "map 0x2000+8 ro", NULL);
    /* Every mapping, each once (fake_unmap refuses a second unmap). */
    assert_int_equal(mapcache_invalidate(&mc), 3);
    expect_calls("unmap 0+8", "unmap 0x100+8", "unmap 0x2000+8", NULL);
    assert_int_equal(fake.live_pages, 0);
    assert_int_equal(mapcache_mapped(&mc), 0);
    assert_int_equal(mapcache_invalidate(&mc), 0);
    no_calls();
    assert_int_equal(mc.stats.invalidated, 3);
    /* The next access maps again. */
    get(&mc, 0x101, false);
    expect_calls("map 0x100+8 ro", NULL);
    cache_fini(&mc);
    expect_calls("unmap 0x100+8", NULL);
}

/* mapcache = 0: as without a cache, one page at a time, released at the
 * end of each request. */
static void test_per_request(void **state)
{
    struct mapcache mc;

    (void)state;
    cache_init(&mc, 0);
    get(&mc, 0x10, false);
    get(&mc, 0x10, false);
    expect_calls("map 0x10+1 ro", NULL);
    get(&mc, 0x11, true);
    expect_calls("unmap 0x10+1", "map 0x11+1 rw", NULL);
    mapcache_end_request(&mc);
    expect_calls("unmap 0x11+1", NULL);
    assert_int_equal(fake.live_pages, 0);
    /* The next request maps the same page again. */
    get(&mc, 0x11, true);
    expect_calls("map 0x11+1 rw", NULL);
    mapcache_end_request(&mc);
    expect_calls("unmap 0x11+1", NULL);
    mapcache_end_request(&mc);
    no_calls();
    assert_int_equal(mc.stats.invalidated, 0);
    cache_fini(&mc);
    no_calls();

    /* With a cache, the end of a request keeps everything. */
    cache_init(&mc, 8);
    get(&mc, 0x10, false);
    mapcache_end_request(&mc);
    expect_calls("map 0x10+8 ro", NULL);
    assert_int_equal(fake.live_pages, 8);
    cache_fini(&mc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_sizes),
        cmocka_unit_test(test_hits_and_misses),
        cmocka_unit_test(test_lru_eviction_order),
        cmocka_unit_test(test_bound_never_exceeded),
        cmocka_unit_test(test_batching),
        cmocka_unit_test(test_err_page_never_used),
        cmocka_unit_test(test_call_failure_not_cached),
        cmocka_unit_test(test_readonly_to_writable),
        cmocka_unit_test(test_invalidate),
        cmocka_unit_test(test_per_request),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
