/* SPDX-License-Identifier: MIT */
/*
 * Address spaces and access routing (see iospace.h for the contract).
 *
 * Each space is an array of regions sorted by base, sized once for the most
 * ranges Xen lets one server map, so routing a request never allocates.
 * iospace_dispatch() breaks a request into elements (rep count, data_is_ptr,
 * df), and each element into device accesses (region lookup, split/reject
 * of wide accesses).  Everything in the request comes from the guest (via
 * Xen): it is checked, never asserted on, and every refusal is answered
 * (reads all-ones, writes dropped) and logged through a rate limit.
 */

#include "iospace.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

/*
 * The route cache: for each of ROUTE_SLOTS buckets of the address space
 * (8 ports, a 4 KiB MMIO page, a PCI function), the region found there
 * last (index + 1; 0: none).  A guest going back and forth between a few
 * devices then pays one bucket check per access however many regions
 * there are; a miss costs the binary search.  Cleared when the table
 * changes.
 */
#define ROUTE_SLOTS 64

struct iospace_table {
    struct iospace_region regions[CONFIG_MAX_RANGES_PER_TYPE];
    size_t n;
    unsigned bucket_shift;
    uint16_t route[ROUTE_SLOTS];
};

_Static_assert(CONFIG_MAX_RANGES_PER_TYPE < UINT16_MAX, "route cache indexes fit 16 bits");

struct iospace {
    struct iospace_table tables[IOSPACE_NR];
    /* The owners the current request reached (iospace_touched). */
    void *touched[IOSPACE_TOUCHED_MAX];
    size_t ntouched;
};

/* One limiter per kind of guest-triggerable message. */
static struct log_ratelimit rl_bad_request;
static struct log_ratelimit rl_unclaimed;
static struct log_ratelimit rl_reject;
static struct log_ratelimit rl_guest_mem;

struct iospace *iospace_new(void)
{
    struct iospace *sp = calloc(1, sizeof(struct iospace));

    if (sp != NULL) {
        sp->tables[IOSPACE_PORT].bucket_shift = 3;
        sp->tables[IOSPACE_MMIO].bucket_shift = 12;
        sp->tables[IOSPACE_PCI].bucket_shift = 32; /* addr = SBDF << 32 | register */
    }
    return sp;
}

void iospace_free(struct iospace *sp)
{
    free(sp);
}

size_t iospace_touched(const struct iospace *sp, void *const **owners)
{
    *owners = sp->touched;
    return sp->ntouched > IOSPACE_TOUCHED_MAX ? IOSPACE_TOUCHED_MANY : sp->ntouched;
}

const char *iospace_kind_name(enum iospace_kind kind)
{
    switch (kind) {
    case IOSPACE_PORT:
        return "port";
    case IOSPACE_MMIO:
        return "mmio";
    case IOSPACE_PCI:
        return "pci";
    case IOSPACE_NR:
        break;
    }
    return "?";
}

static bool kind_valid(enum iospace_kind kind)
{
    return kind == IOSPACE_PORT || kind == IOSPACE_MMIO || kind == IOSPACE_PCI;
}

/* Only called on regions that passed iospace_add(), so this cannot wrap. */
static uint64_t region_last(const struct iospace_region *r)
{
    return r->base + (r->size - 1);
}

/* Index of the first region whose base is above addr (0..n). */
static size_t upper_bound(const struct iospace_table *t, uint64_t addr)
{
    size_t lo = 0, hi = t->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (t->regions[mid].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool access_width_valid(unsigned width)
{
    return width == 1 || width == 2 || width == 4 || width == 8;
}

int iospace_add(struct iospace *sp, enum iospace_kind kind,
                const struct iospace_region *region)
{
    struct iospace_table *t;
    size_t pos;

    if (!kind_valid(kind) || region == NULL || region->ops == NULL ||
        region->ops->read == NULL || region->ops->write == NULL)
        return -EINVAL;
    if (region->size == 0 || region->base + (region->size - 1) < region->base)
        return -EINVAL;
    if (!access_width_valid(region->max_access) ||
        (region->wide != ACCESS_SPLIT && region->wide != ACCESS_REJECT))
        return -EINVAL;

    t = &sp->tables[kind];
    pos = upper_bound(t, region->base);
    if (pos > 0 && region_last(&t->regions[pos - 1]) >= region->base)
        return -EEXIST;
    if (pos < t->n && t->regions[pos].base <= region_last(region))
        return -EEXIST;
    if (t->n == CONFIG_MAX_RANGES_PER_TYPE)
        return -ENOSPC;

    for (size_t i = t->n; i > pos; i--)
        t->regions[i] = t->regions[i - 1];
    t->regions[pos] = *region;
    t->n++;
    memset(t->route, 0, sizeof(t->route));
    return 0;
}

int iospace_remove(struct iospace *sp, enum iospace_kind kind, uint64_t base)
{
    struct iospace_table *t;
    size_t pos;

    if (!kind_valid(kind))
        return -EINVAL;
    t = &sp->tables[kind];
    pos = upper_bound(t, base);
    if (pos == 0 || t->regions[pos - 1].base != base)
        return -ENOENT;
    for (size_t i = pos - 1; i + 1 < t->n; i++)
        t->regions[i] = t->regions[i + 1];
    t->n--;
    memset(t->route, 0, sizeof(t->route));
    return 0;
}

const struct iospace_region *iospace_lookup(const struct iospace *sp,
                                            enum iospace_kind kind,
                                            uint64_t addr)
{
    const struct iospace_table *t;
    size_t pos;

    if (!kind_valid(kind))
        return NULL;
    t = &sp->tables[kind];
    pos = upper_bound(t, addr);
    if (pos == 0 || region_last(&t->regions[pos - 1]) < addr)
        return NULL;
    return &t->regions[pos - 1];
}

/* A route cache miss: the binary search, remembered in the bucket. */
__attribute__((noinline)) static const struct iospace_region *
route_miss(struct iospace_table *t, uint64_t addr, unsigned bucket)
{
    size_t pos = upper_bound(t, addr);

    if (pos == 0 || region_last(&t->regions[pos - 1]) < addr)
        return NULL;
    t->route[bucket] = (uint16_t)pos;
    return &t->regions[pos - 1];
}

/* iospace_lookup() through the route cache, for the request path. */
static inline const struct iospace_region *route(struct iospace_table *t, uint64_t addr)
{
    unsigned bucket = (unsigned)(addr >> t->bucket_shift) & (ROUTE_SLOTS - 1);

    if (t->route[bucket] != 0) {
        const struct iospace_region *r = &t->regions[t->route[bucket] - 1];

        if (addr - r->base < r->size)
            return r;
    }
    return route_miss(t, addr, bucket);
}

size_t iospace_count(const struct iospace *sp, enum iospace_kind kind)
{
    return kind_valid(kind) ? sp->tables[kind].n : 0;
}

/* ---- one element: a device access of 1, 2, 4 or 8 bytes ---------------- */

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * size)) - 1;
}

/* Where one element of a request goes, and who is asking (for logs). */
struct element {
    enum iospace_kind kind;
    uint64_t addr;
    unsigned size;
    int vcpu;
};

/* Remember that r's owner was reached (elements of a rep mostly reach
 * the one before's). */
static void note_touched(struct iospace *sp, const struct iospace_region *r)
{
    if (sp->ntouched > 0 && sp->ntouched <= IOSPACE_TOUCHED_MAX &&
        sp->touched[sp->ntouched - 1] == r->owner)
        return;
    for (size_t i = 0; i < sp->ntouched && i < IOSPACE_TOUCHED_MAX; i++)
        if (sp->touched[i] == r->owner)
            return;
    if (sp->ntouched < IOSPACE_TOUCHED_MAX)
        sp->touched[sp->ntouched] = r->owner;
    if (sp->ntouched <= IOSPACE_TOUCHED_MAX)
        sp->ntouched++;
}

/* The region holding all of [addr, addr + size), or NULL. */
static inline const struct iospace_region *element_region(struct iospace *sp,
                                                          const struct element *el)
{
    const struct iospace_region *r = route(&sp->tables[el->kind], el->addr);

    if (r == NULL || el->size - 1 > region_last(r) - el->addr)
        return NULL;
    note_touched(sp, r);
    return r;
}

/* Debug only: Xen may deliver a request for a range unmapped meanwhile. */
static void log_unclaimed(const struct element *el, bool is_read)
{
    struct log_fields f = { .device = NULL, .vcpu = el->vcpu };

    log_limited(&rl_unclaimed, LOG_DEBUG, &f,
                "unclaimed %s %s at 0x%llx size %u (%s)",
                iospace_kind_name(el->kind), is_read ? "read" : "write",
                (unsigned long long)el->addr, el->size,
                is_read ? "all-ones" : "dropped");
}

/* The access is wider than the device takes: split it or refuse it. */
static bool element_rejected(const struct iospace_region *r,
                             const struct element *el, const char *dir)
{
    struct log_fields f = { .device = r->name, .vcpu = el->vcpu };

    if (el->size <= r->max_access || r->wide == ACCESS_SPLIT)
        return false;
    log_limited(&rl_reject, LOG_WARNING, &f,
                "%u-byte %s at %s 0x%llx refused: wider than the device's max_access %u",
                el->size, dir,
                iospace_kind_name(el->kind), (unsigned long long)el->addr,
                r->max_access);
    return true;
}

/* The value read, masked to el->size bytes (devices may return more). */
static uint64_t element_read(struct iospace *sp, const struct element *el)
{
    const struct iospace_region *r = element_region(sp, el);
    uint64_t offset, value = 0;
    unsigned piece;

    if (r == NULL) {
        log_unclaimed(el, true);
        return size_mask(el->size);
    }
    offset = el->addr - r->base;
    if (el->size <= r->max_access) /* the usual case: one device access */
        return r->ops->read(r->opaque, offset, el->size) & size_mask(el->size);
    if (element_rejected(r, el, "read"))
        return size_mask(el->size);
    piece = r->max_access;
    /* Little-endian pieces: piece k holds bits [8*piece*k, 8*piece*(k+1)). */
    for (unsigned k = 0; k < el->size / piece; k++) {
        uint64_t v = r->ops->read(r->opaque, offset + k * piece, piece);

        value |= (v & size_mask(piece)) << (8 * piece * k);
    }
    return value;
}

static void element_write(struct iospace *sp, const struct element *el, uint64_t value)
{
    const struct iospace_region *r = element_region(sp, el);
    uint64_t offset;
    unsigned piece;

    if (r == NULL) {
        log_unclaimed(el, false);
        return;
    }
    offset = el->addr - r->base;
    if (el->size <= r->max_access) {
        r->ops->write(r->opaque, offset, el->size, value & size_mask(el->size));
        return;
    }
    if (element_rejected(r, el, "write"))
        return;
    piece = r->max_access;
    /* Masking each piece also masks the value to the element's size. */
    for (unsigned k = 0; k < el->size / piece; k++)
        r->ops->write(r->opaque, offset + k * piece, piece,
                      (value >> (8 * piece * k)) & size_mask(piece));
}

/* ---- the request: rep counts, data_is_ptr, df --------------------------- */

/* Move *a one element on (down when df); false if that would wrap. */
static bool step(uint64_t *a, unsigned size, bool down)
{
    if (down) {
        if (*a < size)
            return false;
        *a -= size;
    } else {
        if (*a > UINT64_MAX - size)
            return false;
        *a += size;
    }
    return true;
}

/* Record how many elements were done (Xen reads only data, see iospace.h). */
static void complete_count(ioreq_t *req, uint32_t done)
{
    if (done < req->count)
        req->count = done;
}

static uint32_t rep_count(const ioreq_t *req)
{
    if (req->count == 0)
        return 1;
    return req->count > IOSPACE_MAX_REP ? IOSPACE_MAX_REP : req->count;
}

/* Guest values are little-endian (x86: the only source of pointer reqs). */
static void value_to_bytes(uint64_t v, uint8_t *buf, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        buf[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t value_from_bytes(const uint8_t *buf, unsigned size)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)buf[i] << (8 * i);
    return v;
}

static void log_guest_mem(const struct element *el, uint64_t gpa, int err)
{
    struct log_fields f = { .device = NULL, .vcpu = el->vcpu };

    log_limited(&rl_guest_mem, LOG_WARNING, &f,
                "rep %s at 0x%llx: guest buffer 0x%llx size %u not accessible (%s); "
                "the remaining elements are dropped",
                iospace_kind_name(el->kind), (unsigned long long)el->addr,
                (unsigned long long)gpa, el->size, strerror(-err));
}

/* One element between the device and the guest buffer at gpa, copied
 * (it may straddle two pages). */
static int pointer_element(struct iospace *sp, const struct element *el,
                           bool is_read, uint64_t gpa,
                           const struct guest_mem_ops *mem, void *ctx)
{
    uint8_t buf[8];
    int rc;

    if (gpa > UINT64_MAX - (el->size - 1))
        return -EFAULT; /* the buffer itself would wrap around 2^64 */
    if (is_read) {
        value_to_bytes(element_read(sp, el), buf, el->size);
        return mem->write(ctx, gpa, buf, el->size);
    }
    rc = mem->read(ctx, gpa, buf, el->size);
    if (rc == 0)
        element_write(sp, el, value_from_bytes(buf, el->size));
    return rc;
}

#define GUEST_PAGE_SIZE 4096u

/* How many elements from gpa on (downwards when df) lie whole in gpa's
 * page, at most `left`; 0 when the first straddles two pages. */
static uint32_t page_run(uint64_t gpa, unsigned size, bool down, uint32_t left)
{
    uint64_t off = gpa & (GUEST_PAGE_SIZE - 1), n;

    if (off + size > GUEST_PAGE_SIZE)
        return 0;
    n = down ? off / size + 1 : (GUEST_PAGE_SIZE - off) / size;
    return n < left ? (uint32_t)n : left;
}

/*
 * n elements straight between the device and guest memory mapped at low
 * (the run's lowest address; element 0 is at its top when down).  The
 * device address steps per element for MMIO; false if it would wrap.
 * *done counts the elements carried out.  A port stays put: its region is
 * looked up once, and when it takes the elements whole they go to it
 * without routing.
 */
static bool run_elements(struct iospace *sp, struct element *el, bool is_read, uint8_t *low,
                         uint32_t n, bool down, bool dev_steps, uint32_t *done)
{
    const struct iospace_region *r = dev_steps ? NULL : element_region(sp, el);
    bool direct = r != NULL && el->size <= r->max_access;
    uint64_t offset = direct ? el->addr - r->base : 0, mask = size_mask(el->size);

    for (uint32_t k = 0; k < n; k++) {
        uint8_t *at = low + (size_t)(down ? n - 1 - k : k) * el->size;

        if (k > 0 && dev_steps && !step(&el->addr, el->size, down))
            return false;
        if (direct && is_read)
            value_to_bytes(r->ops->read(r->opaque, offset, el->size) & mask, at, el->size);
        else if (direct)
            r->ops->write(r->opaque, offset, el->size, value_from_bytes(at, el->size));
        else if (is_read)
            value_to_bytes(element_read(sp, el), at, el->size);
        else
            element_write(sp, el, value_from_bytes(at, el->size));
        (*done)++;
    }
    return true;
}

/*
 * data_is_ptr = 1: rep ins/outs, rep movs to or from MMIO.  Where the
 * guest memory offers spans, the elements of each page go straight to and
 * from the mapped page (one lookup per page, not per element); an element
 * straddling two pages, or a page that cannot be had that way, is copied
 * element by element, which also says what failed.
 */
static void dispatch_pointer(struct iospace *sp, ioreq_t *req, struct element *el,
                             const struct guest_mem_ops *mem, void *ctx)
{
    uint32_t count = rep_count(req), done = 0;
    bool down = req->df, dev_steps = el->kind == IOSPACE_MMIO;
    bool is_read = req->dir == IOREQ_READ;
    uint64_t gpa = req->data;

    while (done < count) {
        uint32_t n;
        uint8_t *low = NULL;
        int rc;

        if (done > 0 && (!step(&gpa, el->size, down) ||
                         (dev_steps && !step(&el->addr, el->size, down))))
            break;
        n = mem->span != NULL ? page_run(gpa, el->size, down, count - done) : 0;
        if (n > 0)
            low = mem->span(ctx, down ? gpa - (uint64_t)(n - 1) * el->size : gpa,
                            (size_t)n * el->size, is_read);
        if (low != NULL) {
            if (!run_elements(sp, el, is_read, low, n, down, dev_steps, &done))
                break;
            gpa = down ? gpa - (uint64_t)(n - 1) * el->size : gpa + (uint64_t)(n - 1) * el->size;
            continue;
        }
        rc = pointer_element(sp, el, is_read, gpa, mem, ctx);
        if (rc != 0) {
            log_guest_mem(el, gpa, rc);
            break;
        }
        done++;
    }
    complete_count(req, done > 0 ? done : 1);
    if (mem->done != NULL)
        mem->done(ctx);
}

/* data_is_ptr = 0: a single access, or rep stos (a write repeated). */
static void dispatch_value(struct iospace *sp, ioreq_t *req, struct element *el)
{
    uint32_t count, done = 0;
    bool dev_steps = el->kind == IOSPACE_MMIO;

    if (req->dir == IOREQ_READ) {
        req->data = element_read(sp, el);
        complete_count(req, 1);
        return;
    }
    count = rep_count(req);
    while (done < count) {
        if (done > 0 && dev_steps && !step(&el->addr, el->size, req->df))
            break;
        element_write(sp, el, req->data);
        done++;
    }
    complete_count(req, done);
}

static bool request_kind(uint8_t type, enum iospace_kind *kind)
{
    switch (type) {
    case IOREQ_TYPE_PIO:
        *kind = IOSPACE_PORT;
        return true;
    case IOREQ_TYPE_COPY:
        *kind = IOSPACE_MMIO;
        return true;
    case IOREQ_TYPE_PCI_CONFIG:
        *kind = IOSPACE_PCI;
        return true;
    default:
        return false;
    }
}

/* A request dmd cannot carry out at all: answer it without side effects. */
static void refuse(ioreq_t *req, enum iospace_kind kind, int vcpu, const char *why)
{
    struct log_fields f = { .device = NULL, .vcpu = vcpu };

    log_limited(&rl_bad_request, LOG_WARNING, &f,
                "%s %s at 0x%llx size %u count %u refused: %s",
                iospace_kind_name(kind), req->dir == IOREQ_READ ? "read" : "write",
                (unsigned long long)req->addr, req->size, req->count, why);
    if (req->data_is_ptr)
        return; /* data is the guest's buffer address: leave it */
    if (req->dir == IOREQ_READ) {
        req->data = UINT64_MAX;
        complete_count(req, 1);
    }
}

/*
 * The usual request, done inline: one access (no rep, no pointer) that a
 * region takes whole.  False for anything else (unclaimed, straddling,
 * wider than the device takes), which the general path then handles and
 * logs.
 */
static inline bool single_access(struct iospace *sp, struct iospace_table *t, ioreq_t *req)
{
    const struct iospace_region *r = route(t, req->addr);
    uint64_t offset;

    if (r == NULL || req->size > r->max_access || req->size - 1 > region_last(r) - req->addr)
        return false;
    sp->touched[0] = r->owner;
    sp->ntouched = 1;
    offset = req->addr - r->base;
    if (req->dir == IOREQ_READ)
        req->data = r->ops->read(r->opaque, offset, req->size) & size_mask(req->size);
    else
        r->ops->write(r->opaque, offset, req->size, req->data & size_mask(req->size));
    return true; /* count (0 or 1) stays: it is never raised */
}

/* Everything but single_access(): kept out of line so that the usual
 * request does not pay for the general path's stack frame. */
__attribute__((noinline)) static void dispatch_general(struct iospace *sp, ioreq_t *req,
                                                       enum iospace_kind kind, int vcpu,
                                                       const struct guest_mem_ops *mem,
                                                       void *mem_ctx)
{
    struct element el = { .kind = kind, .addr = req->addr, .size = req->size, .vcpu = vcpu };

    if (req->data_is_ptr && mem == NULL) {
        refuse(req, kind, vcpu, "no guest memory access");
        return;
    }
    if (req->data_is_ptr)
        dispatch_pointer(sp, req, &el, mem, mem_ctx);
    else
        dispatch_value(sp, req, &el);
}

void iospace_dispatch(struct iospace *sp, ioreq_t *req, int vcpu,
                      const struct guest_mem_ops *mem, void *mem_ctx)
{
    enum iospace_kind kind;

    sp->ntouched = 0;
    if (!request_kind(req->type, &kind))
        return;
    if (!access_width_valid(req->size) || req->size > (kind == IOSPACE_MMIO ? 8u : 4u)) {
        refuse(req, kind, vcpu, "bad size");
        return;
    }
    if (!req->data_is_ptr && req->count <= 1 && single_access(sp, &sp->tables[kind], req))
        return;
    dispatch_general(sp, req, kind, vcpu, mem, mem_ctx);
}
