/* SPDX-License-Identifier: MIT */
/*
 * Address spaces and access routing.
 *
 * One sorted table per space (port, MMIO, PCI config), binary search, no
 * allocation per request.  iospace_dispatch() takes one synchronous or
 * buffered ioreq and carries it out completely: it walks rep counts with and
 * without data_is_ptr, honours df, copies through guest memory (buffers may
 * cross pages), splits or rejects accesses wider than a region supports, and
 * answers unclaimed reads with all-ones and drops unclaimed writes.  Nothing
 * a guest puts in the request can make it read outside what it mapped or
 * loop without bound: the rep count is capped at IOSPACE_MAX_REP.
 *
 * Xen's instruction emulator never sends more than 4096 elements
 * (hvmemul_linear_to_phys) and copies only `data` back from the slot
 * (hvm_wait_for_io): it cannot be told that a rep was done in part.  When
 * dmd completes fewer elements than asked (a guest buffer that is not RAM,
 * a count no Xen sends) it still lowers req->count, which says what was
 * done, but the guest sees the rest as done too; such cases are logged.
 *
 * PCI config regions are keyed by addr = SBDF << 32 | register, the
 * encoding Xen uses in IOREQ_TYPE_PCI_CONFIG requests.
 */
#ifndef DMD_IOSPACE_H
#define DMD_IOSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/hvm/ioreq.h>

#include "devices/device.h"

enum iospace_kind { IOSPACE_PORT, IOSPACE_MMIO, IOSPACE_PCI, IOSPACE_NR };

/* Most elements of one rep request handled: Xen's own per-request limit. */
#define IOSPACE_MAX_REP 4096

struct iospace_region {
    uint64_t base, size;
    const struct region_ops *ops;
    void *opaque;
    const char *name; /* device instance, for logs */
    void *owner;      /* who to tell the region was accessed (iospace_touched) */
    unsigned max_access;
    enum access_wide wide;
};

/* Guest RAM as iospace needs it for data_is_ptr requests. */
struct guest_mem_ops {
    /* Copy between guest-physical memory and buf; 0 or -errno. */
    int (*read)(void *ctx, uint64_t gpa, void *buf, size_t len);
    int (*write)(void *ctx, uint64_t gpa, const void *buf, size_t len);
    /* Optional (may be NULL): [gpa, gpa + len), which lies in one page,
     * mapped writable (and then counted as modified) or readable; NULL
     * when it cannot be had (read/write then say why).  Valid until the
     * next call of these ops. */
    uint8_t *(*span)(void *ctx, uint64_t gpa, size_t len, bool writable);
    /* Called once when a request is finished: release mappings, report
     * modified memory.  May be NULL. */
    void (*done)(void *ctx);
};

struct iospace;

struct iospace *iospace_new(void);
void iospace_free(struct iospace *sp);

/*
 * Add a region (copied).  -EINVAL for an empty or wrapping range or bad
 * max_access, -EEXIST if it overlaps one already in that space, -ENOSPC
 * beyond CONFIG_MAX_RANGES_PER_TYPE regions in that space.
 */
int iospace_add(struct iospace *sp, enum iospace_kind kind,
                const struct iospace_region *region);
/* Remove the region starting at base; -ENOENT if none. */
int iospace_remove(struct iospace *sp, enum iospace_kind kind, uint64_t base);

/* The region containing addr, or NULL. */
const struct iospace_region *iospace_lookup(const struct iospace *sp,
                                            enum iospace_kind kind,
                                            uint64_t addr);
size_t iospace_count(const struct iospace *sp, enum iospace_kind kind);

/*
 * Carry out a PIO, COPY or PCI_CONFIG request.  On return req->data holds
 * the read value (when dir = read and !data_is_ptr) and req->count may have
 * been lowered.  Other types are not touched (the caller handles them).
 * `vcpu` is only for log context (-1 for buffered requests).
 */
void iospace_dispatch(struct iospace *sp, ioreq_t *req, int vcpu,
                      const struct guest_mem_ops *mem, void *mem_ctx);

/*
 * The owners of the regions the last iospace_dispatch() accessed, at most
 * IOSPACE_TOUCHED_MAX of them (a rep walking across several regions), so
 * the caller can save exactly those devices.  Returns how many, or
 * IOSPACE_TOUCHED_MANY when there were more.
 */
#define IOSPACE_TOUCHED_MAX 4
#define IOSPACE_TOUCHED_MANY ((size_t)-1)
size_t iospace_touched(const struct iospace *sp, void *const **owners);

const char *iospace_kind_name(enum iospace_kind kind);

#endif
