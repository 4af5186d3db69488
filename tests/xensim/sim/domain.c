/* SPDX-License-Identifier: MIT */
#include "domain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/hvm/dm_op.h>
#include <xen/hvm/hvm_op.h>

#include "events.h"
#include "sim.h"

struct domain domain;

int domain_init(enum domain_arch arch, uint16_t domid, unsigned vcpus,
                unsigned memory_mb)
{
    domain.arch = arch;
    domain.domid = domid;
    domain.vcpus = vcpus;
    domain.ram_pages = (uint64_t)memory_mb * (1024 * 1024 / DOMAIN_PAGE);
    domain.mem_size = (size_t)(domain.ram_pages + 2 * DOMAIN_MAX_SERVERS) * DOMAIN_PAGE;
    domain.memfd = memfd_create("xensim-guest", MFD_CLOEXEC);
    if (domain.memfd < 0 || ftruncate(domain.memfd, (off_t)domain.mem_size) < 0)
        return -1;
    void *mem = mmap(NULL, domain.mem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                     domain.memfd, 0);
    if (mem == MAP_FAILED)
        return -1;
    domain.mem = mem;
    domain.mem_type = calloc(domain.ram_pages, 1); /* HVMMEM_ram_rw is 0 */
    domain.logdirty = calloc(domain.ram_pages, 1);
    domain.mem_server = -1;
    if (!domain.mem_type || !domain.logdirty)
        return -1;
    return 0;
}

void domain_fini(void)
{
    if (domain.mem)
        munmap(domain.mem, domain.mem_size);
    if (domain.memfd >= 0)
        close(domain.memfd);
    domain.mem = NULL;
    domain.memfd = -1;
    free(domain.mem_type);
    free(domain.logdirty);
    domain.mem_type = NULL;
    domain.logdirty = NULL;
}

struct server *domain_server(uint64_t id)
{
    if (id >= DOMAIN_MAX_SERVERS || !domain.server[id].exists)
        return NULL;
    return &domain.server[id];
}

uint64_t domain_server_gfn(unsigned id, unsigned frame)
{
    return domain.ram_pages + 2u * id + frame;
}

ioreq_t *domain_slot(unsigned id, unsigned vcpu)
{
    uint8_t *page = domain.mem + domain_server_gfn(id, 1) * DOMAIN_PAGE;
    return (ioreq_t *)(void *)page + vcpu;
}

buffered_iopage_t *domain_bufpage(unsigned id)
{
    return (buffered_iopage_t *)(void *)(domain.mem +
                                         domain_server_gfn(id, 0) * DOMAIN_PAGE);
}

uint8_t *domain_ram(uint64_t gpa, uint64_t len)
{
    uint64_t ram = domain.ram_pages * DOMAIN_PAGE;
    if (gpa >= ram || len > ram - gpa)
        return NULL;
    return domain.mem + gpa;
}

int domain_gfn_error(uint64_t gfn)
{
    if (gfn < domain.ram_pages)
        return domain.mem_type[gfn] == HVMMEM_unused ? EFAULT : 0;
    uint64_t id = (gfn - domain.ram_pages) / 2;
    struct server *s = domain_server(id);
    if (s && s->pages == PAGES_GFN)
        return 0;
    return EFAULT;
}

/* ---- range sets (xen/common/rangeset.c) ---- */

static bool rangeset_overlaps(const struct rangeset *r, uint64_t s, uint64_t e)
{
    for (unsigned i = 0; i < r->n; i++)
        if (r->r[i].s <= e && s <= r->r[i].e)
            return true;
    return false;
}

/* The range holding all of [s, e], or -1. */
static int rangeset_containing(const struct rangeset *r, uint64_t s, uint64_t e)
{
    for (unsigned i = 0; i < r->n; i++)
        if (r->r[i].s <= s && e <= r->r[i].e)
            return (int)i;
    return -1;
}

static void rangeset_delete(struct rangeset *r, unsigned i)
{
    memmove(&r->r[i], &r->r[i + 1], (r->n - i - 1) * sizeof(r->r[0]));
    r->n--;
}

static int rangeset_insert(struct rangeset *r, unsigned i, uint64_t s, uint64_t e)
{
    if (r->n == DOMAIN_MAX_RANGES)
        return -ENOMEM; /* rangeset_limit: alloc_range() fails */
    memmove(&r->r[i + 1], &r->r[i], (r->n - i) * sizeof(r->r[0]));
    r->r[i] = (struct range){ s, e };
    r->n++;
    return 0;
}

/* [s, e] overlaps nothing; merge it with adjacent ranges like Xen. */
static int rangeset_add(struct rangeset *r, uint64_t s, uint64_t e)
{
    unsigned i = 0;
    while (i < r->n && r->r[i].s < s)
        i++;
    bool left = i > 0 && r->r[i - 1].e + 1 == s;
    bool right = i < r->n && e + 1 == r->r[i].s;
    if (left && right) {
        r->r[i - 1].e = r->r[i].e;
        rangeset_delete(r, i);
    } else if (left) {
        r->r[i - 1].e = e;
    } else if (right) {
        r->r[i].s = s;
    } else {
        return rangeset_insert(r, i, s, e);
    }
    return 0;
}

static int rangeset_remove(struct rangeset *r, unsigned i, uint64_t s, uint64_t e)
{
    struct range *x = &r->r[i];
    if (x->s == s && x->e == e) {
        rangeset_delete(r, i);
    } else if (x->s == s) {
        x->s = e + 1;
    } else if (x->e == e) {
        x->e = s - 1;
    } else {
        uint64_t old_end = x->e;
        int rc = rangeset_insert(r, i + 1, e + 1, old_end);
        if (rc < 0)
            return rc;
        r->r[i].e = s - 1;
    }
    return 0;
}

/* ---- servers (xen/common/ioreq.c) ---- */

int domain_create_server(uint64_t bufioreq, unsigned *id)
{
    if (bufioreq > HVM_IOREQSRV_BUFIOREQ_ATOMIC)
        return -EINVAL;
    if (domain.arch == DOMAIN_ARM && bufioreq != HVM_IOREQSRV_BUFIOREQ_OFF)
        return -EINVAL;
    unsigned i = 0;
    while (i < DOMAIN_MAX_SERVERS && domain.server[i].exists)
        i++;
    if (i == DOMAIN_MAX_SERVERS)
        return -ENOSPC;

    struct server *s = &domain.server[i];
    memset(s, 0, sizeof(*s));
    s->bufioreq = (int)bufioreq;
    /* ioreq_server_add_vcpu: the vCPU's port, and on vCPU 0 the buffered one. */
    for (unsigned v = 0; v < domain.vcpus; v++) {
        s->vcpu_port[v] = events_alloc_xen(i, (int)v);
        if (v == 0 && bufioreq)
            s->buf_port = events_alloc_xen(i, -1);
    }
    s->exists = true;
    *id = i;
    return 0;
}

int domain_destroy_server(unsigned id)
{
    struct server *s = domain_server(id);
    if (!s)
        return -ENOENT;
    for (unsigned v = 0; v < domain.vcpus; v++)
        events_free_xen(s->vcpu_port[v]);
    if (s->buf_port)
        events_free_xen(s->buf_port);
    memset(s, 0, sizeof(*s));
    /* arch_ioreq_server_destroy: p2m_set_ioreq_server(d, 0, s); the pages
     * of that type stay so (entry_count) until set_mem_type changes them */
    if (domain.mem_server == (int)id) {
        domain.mem_server = -1;
        domain.mem_flags = 0;
    }
    return 0;
}

/* Like ioreq_server_update_evtchn: only pages that exist get the ports. */
static void domain_write_ports(unsigned id)
{
    struct server *s = &domain.server[id];
    if (s->pages == PAGES_UNUSED)
        return;
    for (unsigned v = 0; v < domain.vcpus; v++)
        domain_slot(id, v)->vp_eport = s->vcpu_port[v];
}

int domain_use_pages(unsigned id, enum server_pages how)
{
    struct server *s = domain_server(id);
    if (!s)
        return -ENOENT;
    if (s->pages == how)
        return 0; /* re-acquiring is allowed */
    if (s->pages != PAGES_UNUSED)
        return -EPERM; /* ioreq_server_alloc_mfn / hvm_map_ioreq_gfn */
    memset(domain.mem + domain_server_gfn(id, 0) * DOMAIN_PAGE, 0, 2 * DOMAIN_PAGE);
    s->pages = how;
    return 0;
}

int domain_set_server_state(unsigned id, bool enabled)
{
    struct server *s = domain_server(id);
    if (!s)
        return -ENOENT;
    if (enabled && !s->enabled)
        domain_write_ports(id);
    s->enabled = enabled;
    return 0;
}

int domain_map_range(unsigned id, uint64_t type, uint64_t s, uint64_t e)
{
    if (s > e)
        return -EINVAL;
    struct server *srv = domain_server(id);
    if (!srv)
        return -ENOENT;
    if (type >= DOMAIN_NR_RANGE_TYPES)
        return -EINVAL;
    if (rangeset_overlaps(&srv->range[type], s, e))
        return -EEXIST;
    return rangeset_add(&srv->range[type], s, e);
}

int domain_unmap_range(unsigned id, uint64_t type, uint64_t s, uint64_t e)
{
    if (s > e)
        return -EINVAL;
    struct server *srv = domain_server(id);
    if (!srv)
        return -ENOENT;
    if (type >= DOMAIN_NR_RANGE_TYPES)
        return -EINVAL;
    int i = rangeset_containing(&srv->range[type], s, e);
    if (i < 0)
        return -ENOENT;
    return rangeset_remove(&srv->range[type], (unsigned)i, s, e);
}

/* ioreq_mmio_first_byte / ioreq_mmio_last_byte in xen/include/xen/ioreq.h */
static void domain_mmio_extent(const ioreq_t *p, uint64_t *s, uint64_t *e)
{
    uint64_t span = (uint64_t)p->size * p->count;
    if (p->df) {
        *s = p->addr - (span - p->size);
        *e = p->addr + p->size - 1;
    } else {
        *s = p->addr;
        *e = p->addr + span - 1;
    }
}

int domain_route(const ioreq_t *p)
{
    unsigned type;
    uint64_t s, e;

    switch (p->type) {
    case IOREQ_TYPE_PIO:
        type = XEN_DMOP_IO_RANGE_PORT;
        s = p->addr;
        e = p->addr + p->size - 1;
        break;
    case IOREQ_TYPE_COPY:
        type = XEN_DMOP_IO_RANGE_MEMORY;
        domain_mmio_extent(p, &s, &e);
        break;
    case IOREQ_TYPE_PCI_CONFIG:
        type = XEN_DMOP_IO_RANGE_PCI;
        s = e = p->addr >> 32;
        break;
    default:
        return -1;
    }
    /* FOR_EACH_IOREQ_SERVER: ids from the top down, enabled ones only. */
    for (int id = DOMAIN_MAX_SERVERS - 1; id >= 0; id--) {
        const struct server *srv = &domain.server[id];
        if (srv->exists && srv->enabled &&
            rangeset_containing(&srv->range[type], s, e) >= 0)
            return id;
    }
    return -1;
}

int domain_first_enabled(void)
{
    for (int id = DOMAIN_MAX_SERVERS - 1; id >= 0; id--)
        if (domain.server[id].exists && domain.server[id].enabled)
            return id;
    return -1;
}

/*
 * ioreq_server_destroy_all() from domain_kill(): the peers of the closed
 * Xen-side ports stay bound in dmd (ECS_UNBOUND) until it unbinds them.
 * dmd's mappings of the pages stay valid memory: the memfd outlives them.
 */
unsigned domain_destroy(void)
{
    unsigned n = 0;
    for (unsigned id = 0; id < DOMAIN_MAX_SERVERS; id++)
        if (domain_destroy_server(id) == 0)
            n++;
    domain.destroyed = true;
    return n;
}

/* ---- interrupts and the other DMOPs (xen/arch/{x86,arm}/dm.c) ---- */

int domain_set_isa_irq(uint64_t irq, uint64_t level)
{
    if (domain.arch != DOMAIN_X86)
        return -EOPNOTSUPP;
    if (irq > 15 || level > 1)
        return -EINVAL;
    domain.isa_edges[irq] += level && !domain.isa[irq];
    domain.isa[irq] = (uint8_t)level;
    return 0;
}

int domain_set_spi(uint64_t irq, uint64_t level)
{
    if (domain.arch != DOMAIN_ARM)
        return -EOPNOTSUPP;
    if (irq < 32 || irq >= DOMAIN_NR_SPIS || level > 1)
        return -EINVAL;
    domain.spi_edges[irq] += level && !domain.spi[irq];
    domain.spi[irq] = (uint8_t)level;
    return 0;
}

int domain_set_intx(uint64_t seg, uint64_t bus, uint64_t dev, uint64_t pin,
                    uint64_t level)
{
    if (domain.arch != DOMAIN_X86)
        return -EOPNOTSUPP;
    if (seg != 0 || bus != 0 || dev > 31 || pin > 3 || level > 1)
        return -EINVAL;
    domain.intx[dev][pin] = (uint8_t)level;
    return 0;
}

int domain_set_link_route(uint64_t link, uint64_t irq)
{
    if (domain.arch != DOMAIN_X86)
        return -EOPNOTSUPP;
    if (link > 3 || irq > 15)
        return -EINVAL;
    domain.link_route[link] = (uint8_t)irq;
    return 0;
}

int domain_inject_msi(uint64_t addr, uint64_t data)
{
    if (domain.arch != DOMAIN_X86)
        return -EOPNOTSUPP;
    domain.msi_count++;
    domain.msi_addr = addr;
    domain.msi_data = (uint32_t)data;
    return 0;
}

int domain_modified_memory(uint64_t first_pfn, uint64_t nr)
{
    if (domain.arch != DOMAIN_X86)
        return -EOPNOTSUPP;
    uint64_t last = first_pfn + nr - 1;
    if (nr == 0 || last < first_pfn || last >= domain.ram_pages)
        return -EINVAL;
    domain.modified_pages += nr;
    for (uint64_t g = first_pfn; g <= last; g++)
        domain.logdirty[g] = 1; /* paging_mark_pfn_dirty */
    return 0;
}

int domain_shutdown(uint64_t reason)
{
    if (domain.arch != DOMAIN_X86)
        return -EOPNOTSUPP;
    sim_note("dmd shut the guest down (reason %llu)", (unsigned long long)reason);
    domain.shut_down = true;
    domain.shutdown_reason = (uint32_t)reason;
    return 0;
}

/*
 * xen/arch/x86/hvm/dm.c: dm_op() refuses non-zero pads (the library zeroes
 * them) and inject_event() checks only the vCPU and that none is pending;
 * vector, type, error code, length and cr2 are taken as they are.
 */
int domain_inject_event(uint64_t vcpu, uint64_t vector, uint64_t type,
                        uint64_t error_code, uint64_t insn_len, uint64_t extra)
{
    if (domain.arch != DOMAIN_X86)
        return -EOPNOTSUPP;
    if (vcpu >= domain.vcpus)
        return -EINVAL;
    struct vcpu_event *e = &domain.event[vcpu];
    if (e->pending) /* inject_event.vector != HVM_EVENT_VECTOR_UNSET */
        return -EBUSY;
    *e = (struct vcpu_event){
        .pending = true,
        .vector = (uint8_t)vector,
        .type = (uint8_t)type,
        .insn_len = (uint8_t)insn_len,
        .error_code = (uint32_t)error_code,
        .extra = extra,
        .count = e->count + 1,
    };
    return 0;
}

void domain_vcpu_runs(unsigned vcpu)
{
    if (vcpu < domain.vcpus)
        domain.event[vcpu].pending = false; /* hvm_do_resume injects it */
}

uint64_t domain_ioreq_mem_pages(void)
{
    uint64_t n = 0;
    for (uint64_t g = 0; g < domain.ram_pages; g++)
        n += domain.mem_type[g] == HVMMEM_ioreq_server;
    return n;
}

/* allow_p2m_type_change(), with holes (relocated away) as p2m_invalid and
 * HVMMEM_mmio_dm pages as p2m_mmio_dm. */
static bool domain_type_change_ok(uint8_t old, uint8_t new)
{
    if (new == HVMMEM_ioreq_server)
        return old == HVMMEM_ram_rw;
    if (old == HVMMEM_ioreq_server)
        return new == HVMMEM_ram_rw;
    bool ram = old == HVMMEM_ram_rw || old == HVMMEM_ram_ro;
    bool hole = old == HVMMEM_mmio_dm || old == HVMMEM_unused;
    return ram || (hole && new == HVMMEM_mmio_dm);
}

/* dm.c set_mem_type(): the range inside the guest's gfns, a type Xen maps
 * (not HVMMEM_unused), HVMMEM_ioreq_server only while a server claims it;
 * page by page, stopping at the first refused change (the earlier pages
 * keep their new type). */
int domain_set_mem_type(uint64_t type, uint64_t first_pfn, uint64_t nr)
{
    if (domain.arch != DOMAIN_X86)
        return -EOPNOTSUPP;
    uint64_t last = first_pfn + nr - 1;
    if (first_pfn > last || last >= domain.ram_pages)
        return -EINVAL;
    if (type > HVMMEM_ioreq_server || type == HVMMEM_unused)
        return -EINVAL;
    if (type == HVMMEM_ioreq_server && domain.mem_server < 0)
        return -EINVAL;
    for (uint64_t g = first_pfn; g <= last; g++) {
        if (!domain_type_change_ok(domain.mem_type[g], (uint8_t)type))
            return -EINVAL;
        domain.mem_type[g] = (uint8_t)type;
    }
    return 0;
}

/* dm.c XEN_DMOP_map_mem_type_to_ioreq_server, hvm_map_mem_type_to_ioreq_server
 * and p2m_set_ioreq_server(): flags 0 unmaps (only the server that has it)
 * and turns the remaining HVMMEM_ioreq_server pages back into ram_rw. */
int domain_map_mem_type(uint64_t id, uint64_t type, uint64_t flags)
{
    if (domain.arch != DOMAIN_X86)
        return -EOPNOTSUPP;
    if (type != HVMMEM_ioreq_server)
        return -EINVAL;
    if (flags & ~(uint64_t)XEN_DMOP_IOREQ_MEM_ACCESS_WRITE)
        return -EINVAL;
    if (!domain_server(id))
        return -ENOENT;
    if (flags == 0) {
        if (domain.mem_server != (int)id)
            return -EINVAL;
        domain.mem_server = -1;
        domain.mem_flags = 0;
        for (uint64_t g = 0; g < domain.ram_pages; g++)
            if (domain.mem_type[g] == HVMMEM_ioreq_server)
                domain.mem_type[g] = HVMMEM_ram_rw; /* p2m_finish_type_change */
        return 0;
    }
    if (domain.mem_server >= 0 || domain_ioreq_mem_pages() > 0)
        return -EBUSY;
    domain.mem_server = (int)id;
    domain.mem_flags = (uint32_t)flags;
    return 0;
}

void domain_guest_wrote(uint64_t gpa, uint64_t len)
{
    if (len == 0)
        return;
    for (uint64_t g = gpa / DOMAIN_PAGE; g <= (gpa + len - 1) / DOMAIN_PAGE; g++)
        if (g < domain.ram_pages)
            domain.logdirty[g] = 1;
}

/* dm.c track_dirty_vram() and hap_track_dirty_vram(): nr 0 stops tracking;
 * a new range reports every page dirty; the same range again reports the
 * pages written since the last call.  Here the range must lie in RAM. */
int domain_track_dirty_vram(uint64_t first_pfn, uint64_t nr, uint8_t *bitmap)
{
    if (domain.arch != DOMAIN_X86)
        return -EOPNOTSUPP;
    if (nr > (1024u * 1024u * 1024u) / DOMAIN_PAGE)
        return -EINVAL;
    if (nr == 0) {
        domain.vram_calls++;
        domain.vram_tracking = false;
        domain.vram_dirty = 0;
        return 0;
    }
    if (first_pfn >= domain.ram_pages || nr > domain.ram_pages - first_pfn)
        return -EINVAL;
    bool same = domain.vram_tracking && domain.vram_begin == first_pfn &&
                domain.vram_end == first_pfn + nr;
    memset(bitmap, 0, (nr + 7) / 8);
    domain.vram_dirty = 0;
    for (uint64_t i = 0; i < nr; i++) {
        uint64_t g = first_pfn + i;
        if (!same || domain.logdirty[g]) {
            bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
            domain.vram_dirty++;
        }
        domain.logdirty[g] = 0;
    }
    domain.vram_calls++;
    domain.vram_tracking = true;
    domain.vram_begin = first_pfn;
    domain.vram_end = first_pfn + nr;
    return 0;
}

/* dm.c XEN_DMOP_relocate_memory: xenmem_add_to_physmap(XENMAPSPACE_gmfn_range)
 * page by page: the page at src moves to dst (as ram_rw), src becomes a
 * hole.  A source that is not RAM is refused (EINVAL) and stops the call
 * with the earlier pages moved.  Here both ranges must lie in RAM. */
int domain_relocate_memory(uint64_t size, uint64_t src, uint64_t dst)
{
    if (domain.arch != DOMAIN_X86)
        return -EOPNOTSUPP;
    if (size == 0)
        return 0;
    if (src >= domain.ram_pages || size > domain.ram_pages - src ||
        dst >= domain.ram_pages || size > domain.ram_pages - dst)
        return -EINVAL;
    for (uint64_t i = 0; i < size; i++) {
        uint64_t s = src + i, d = dst + i;
        uint8_t t = domain.mem_type[s];
        if (t == HVMMEM_unused || t == HVMMEM_mmio_dm)
            return -EINVAL;
        if (s == d)
            continue;
        memmove(domain.mem + d * DOMAIN_PAGE, domain.mem + s * DOMAIN_PAGE, DOMAIN_PAGE);
        memset(domain.mem + s * DOMAIN_PAGE, 0, DOMAIN_PAGE);
        domain.mem_type[d] = HVMMEM_ram_rw;
        domain.mem_type[s] = HVMMEM_unused;
        domain.relocated++;
    }
    return 0;
}

/* hvm_set_mem_pinned_cacheattr(): start <= end, both below 2^52 (paddr_bits
 * as Xen compares them), a XEN_DMOP_MEM_CACHEATTR_* type, or ~0
 * (XEN_DOMCTL_DELETE_MEM_CACHEATTR) to remove exactly that range (ENOENT
 * if there is none); the same range again changes its type, an overlapping
 * one is EBUSY, at most 64 ranges (ENOSPC). */
int domain_pin_cacheattr(uint64_t start, uint64_t end, uint64_t type)
{
    if (domain.arch != DOMAIN_X86)
        return -EOPNOTSUPP;
    if (end < start || (start | end) >> 52)
        return -EINVAL;
    unsigned n = domain.n_cacheattr;
    if (type == 0xffffffffu) {
        for (unsigned i = 0; i < n; i++) {
            if (domain.cacheattr[i].s == start && domain.cacheattr[i].e == end) {
                domain.cacheattr[i] = domain.cacheattr[n - 1];
                domain.n_cacheattr--;
                return 0;
            }
        }
        return -ENOENT;
    }
    switch (type) {
    case XEN_DMOP_MEM_CACHEATTR_UC:
    case XEN_DMOP_MEM_CACHEATTR_WC:
    case XEN_DMOP_MEM_CACHEATTR_WT:
    case XEN_DMOP_MEM_CACHEATTR_WP:
    case XEN_DMOP_MEM_CACHEATTR_WB:
    case XEN_DMOP_MEM_CACHEATTR_UCM:
        break;
    default:
        return -EINVAL;
    }
    for (unsigned i = 0; i < n; i++) {
        struct cacheattr *c = &domain.cacheattr[i];
        if (c->s == start && c->e == end) {
            c->type = (uint32_t)type;
            return 0;
        }
        if (c->s <= end && start <= c->e)
            return -EBUSY;
    }
    if (n >= 64)
        return -ENOSPC;
    domain.cacheattr[n] = (struct cacheattr){ start, end, (uint32_t)type };
    domain.n_cacheattr++;
    return 0;
}

unsigned domain_cacheattr(uint64_t gfn)
{
    for (unsigned i = 0; i < domain.n_cacheattr; i++)
        if (domain.cacheattr[i].s <= gfn && gfn <= domain.cacheattr[i].e)
            return domain.cacheattr[i].type;
    return 0xff;
}

unsigned domain_nr_servers(void)
{
    unsigned n = 0;
    for (unsigned id = 0; id < DOMAIN_MAX_SERVERS; id++)
        n += domain.server[id].exists;
    return n;
}

unsigned domain_nr_ranges(unsigned type)
{
    unsigned n = 0;
    for (unsigned id = 0; id < DOMAIN_MAX_SERVERS && type < DOMAIN_NR_RANGE_TYPES; id++)
        if (domain.server[id].exists)
            n += domain.server[id].range[type].n;
    return n;
}

void domain_report_leaks(void)
{
    for (unsigned id = 0; id < DOMAIN_MAX_SERVERS; id++) {
        const struct server *s = &domain.server[id];
        if (!s->exists)
            continue;
        sim_leak("ioreq server %u was not destroyed (%s; %u port, %u MMIO, "
                 "%u PCI ranges)", id, s->enabled ? "enabled" : "disabled",
                 s->range[XEN_DMOP_IO_RANGE_PORT].n,
                 s->range[XEN_DMOP_IO_RANGE_MEMORY].n,
                 s->range[XEN_DMOP_IO_RANGE_PCI].n);
    }
}
