/* SPDX-License-Identifier: MIT */
#include "domain.h"

#include <errno.h>
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
        return 0;
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
    return 0;
}

int domain_shutdown(uint64_t reason)
{
    if (domain.arch != DOMAIN_X86)
        return -EOPNOTSUPP;
    sim_note("dmd shut the guest down (reason %llu)", (unsigned long long)reason);
    return 0;
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
