/* SPDX-License-Identifier: MIT */
/*
 * The guest domain as Xen keeps it: memory, ioreq servers with their
 * range sets, interrupt lines.  Functions that play a hypercall return 0
 * or -errno with Xen's errno for each rule (xen/common/ioreq.c,
 * xen/common/rangeset.c, xen/arch/{x86,arm}/dm.c).
 *
 * Guest physical memory is one memfd, shared with the fake
 * libxenforeignmemory: RAM from gfn 0, then two pages per server id
 * (buffered page, shared page).  Those pages are the server's resource
 * frames 0 and 1 and, on the legacy path, its "GFNs" above RAM.
 */
#ifndef XENSIM_DOMAIN_H
#define XENSIM_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/hvm/ioreq.h>

#define DOMAIN_PAGE 4096u
#define DOMAIN_MAX_SERVERS 8   /* MAX_NR_IOREQ_SERVERS */
#define DOMAIN_MAX_VCPUS 128   /* HVM_MAX_VCPUS: one shared page of slots */
#define DOMAIN_MAX_RANGES 256  /* MAX_NR_IO_RANGES, per type and server */
#define DOMAIN_NR_RANGE_TYPES 3 /* XEN_DMOP_IO_RANGE_PORT, _MEMORY, _PCI */
#define DOMAIN_NR_SPIS 1020    /* vGIC: SPIs are 32 .. 1019 */

enum domain_arch { DOMAIN_X86, DOMAIN_ARM };

/* Disjoint, non-adjacent inclusive ranges: adjacent ones merge, as in Xen. */
struct rangeset {
    unsigned n;
    struct range {
        uint64_t s, e;
    } r[DOMAIN_MAX_RANGES];
};

/* How dmd got at a server's pages: they cannot be had both ways. */
enum server_pages { PAGES_UNUSED, PAGES_RESOURCE, PAGES_GFN };

struct server {
    bool exists;
    bool enabled;
    int bufioreq; /* HVM_IOREQSRV_BUFIOREQ_* */
    enum server_pages pages;
    struct rangeset range[DOMAIN_NR_RANGE_TYPES];
    uint32_t vcpu_port[DOMAIN_MAX_VCPUS]; /* Xen-side ports */
    uint32_t buf_port;                    /* 0 without bufioreq */
};

struct domain {
    enum domain_arch arch;
    uint16_t domid;
    unsigned vcpus;
    uint64_t ram_pages;
    int memfd;
    uint8_t *mem;   /* all of the memfd */
    size_t mem_size;
    bool crashed;   /* the guest cannot run any more */
    bool destroyed; /* `xl destroy`: the domain id is gone */
    struct server server[DOMAIN_MAX_SERVERS];
    uint8_t isa[16];
    uint8_t spi[DOMAIN_NR_SPIS];
    /* Rising edges each line has seen: an edge-triggered SPI that dmd
     * pulses shows here though its level is back at 0. */
    unsigned isa_edges[16];
    unsigned spi_edges[DOMAIN_NR_SPIS];
    uint8_t intx[32][4]; /* bus 0 devices, pins A-D */
    uint8_t link_route[4];
    unsigned msi_count;
    uint64_t msi_addr;
    uint32_t msi_data;
    uint64_t modified_pages;
    /* The DMOPs that change the guest rather than talk to dmd (x86). */
    struct vcpu_event {   /* inject_event: pending until the vCPU next runs */
        bool pending;
        uint8_t vector, type, insn_len;
        uint32_t error_code;
        uint64_t extra;
        unsigned count;   /* events injected into this vCPU so far */
    } event[DOMAIN_MAX_VCPUS];
    uint8_t *mem_type;    /* HVMMEM_* of each RAM page; HVMMEM_unused: a hole */
    uint8_t *logdirty;    /* 1: the guest wrote the RAM page since the last
                             track_dirty_vram looked at it */
    int mem_server;       /* the server HVMMEM_ioreq_server is mapped to, -1 */
    uint32_t mem_flags;   /* its XEN_DMOP_IOREQ_MEM_ACCESS_* */
    bool vram_tracking;
    uint64_t vram_begin, vram_end; /* the tracked range [begin, end) */
    uint64_t vram_dirty;  /* pages the last track_dirty_vram reported dirty */
    unsigned vram_calls;
    unsigned n_cacheattr; /* pinned cache attribute ranges, at most 64 */
    struct cacheattr {
        uint64_t s, e;
        uint32_t type;
    } cacheattr[64];
    bool shut_down;
    uint32_t shutdown_reason;
    unsigned relocated;   /* pages relocate_memory moved so far */
};

extern struct domain domain;

int domain_init(enum domain_arch arch, uint16_t domid, unsigned vcpus,
                unsigned memory_mb);
void domain_fini(void);

/* The server with this id, or NULL if there is none. */
struct server *domain_server(uint64_t id);
/* gfn of a server's frame: 0 = buffered page, 1 = shared page. */
uint64_t domain_server_gfn(unsigned id, unsigned frame);
ioreq_t *domain_slot(unsigned id, unsigned vcpu);
buffered_iopage_t *domain_bufpage(unsigned id);
/* A pointer to guest RAM [gpa, gpa + len), or NULL if not all RAM. */
uint8_t *domain_ram(uint64_t gpa, uint64_t len);
/* 0 or the errno xenforeignmemory_map reports for this gfn. */
int domain_gfn_error(uint64_t gfn);

int domain_create_server(uint64_t bufioreq, unsigned *id);
int domain_destroy_server(unsigned id);
/*
 * The first mapping of a server's pages allocates (clears) them; after
 * that they can only be had the same way again (-EPERM otherwise).
 */
int domain_use_pages(unsigned id, enum server_pages how);
/* Enabling writes each vCPU's port into its slot, if the pages exist. */
int domain_set_server_state(unsigned id, bool enabled);
int domain_map_range(unsigned id, uint64_t type, uint64_t s, uint64_t e);
int domain_unmap_range(unsigned id, uint64_t type, uint64_t s, uint64_t e);

/* The server Xen would pick for this access, or -1 (ioreq_server_select). */
int domain_route(const ioreq_t *p);
/* The enabled server Xen looks at first (the highest id), or -1. */
int domain_first_enabled(void);

/*
 * `xl destroy`: Xen tears down every server (ranges, Xen-side ports, pages)
 * and the domain id stops existing.  Returns how many servers there were.
 */
unsigned domain_destroy(void);

int domain_set_isa_irq(uint64_t irq, uint64_t level);
int domain_set_spi(uint64_t irq, uint64_t level);
int domain_set_intx(uint64_t seg, uint64_t bus, uint64_t dev, uint64_t pin,
                    uint64_t level);
int domain_set_link_route(uint64_t link, uint64_t irq);
int domain_inject_msi(uint64_t addr, uint64_t data);
int domain_modified_memory(uint64_t first_pfn, uint64_t nr);
int domain_shutdown(uint64_t reason);
int domain_inject_event(uint64_t vcpu, uint64_t vector, uint64_t type,
                        uint64_t error_code, uint64_t insn_len, uint64_t extra);
/* The vCPU runs guest code again: a pending event is delivered. */
void domain_vcpu_runs(unsigned vcpu);
int domain_set_mem_type(uint64_t type, uint64_t first_pfn, uint64_t nr);
int domain_map_mem_type(uint64_t id, uint64_t type, uint64_t flags);
/* bitmap: (nr + 7) / 8 bytes, filled on success */
int domain_track_dirty_vram(uint64_t first_pfn, uint64_t nr, uint8_t *bitmap);
int domain_relocate_memory(uint64_t size, uint64_t src, uint64_t dst);
int domain_pin_cacheattr(uint64_t start, uint64_t end, uint64_t type);
/* The pinned cache attribute over gfn, or 0xff if none. */
unsigned domain_cacheattr(uint64_t gfn);
/* The guest writes to RAM pages [gfn, gfn + nr): log-dirty sees them. */
void domain_guest_wrote(uint64_t gpa, uint64_t len);
/* Pages of HVMMEM_ioreq_server type now (Xen's p2m ioreq.entry_count). */
uint64_t domain_ioreq_mem_pages(void);

/* How many ioreq servers exist now (enabled or not). */
unsigned domain_nr_servers(void);
/* How many ranges of a type (XEN_DMOP_IO_RANGE_*) all servers hold now. */
unsigned domain_nr_ranges(unsigned type);

/* LEAK lines for servers dmd did not destroy. */
void domain_report_leaks(void);

#endif
