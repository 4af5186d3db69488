/* SPDX-License-Identifier: MIT */
/*
 * The wire protocol between the fake Xen libraries (loaded into the program
 * under test) and the xensim simulator.
 *
 * Every library handle is one SOCK_SEQPACKET connection to the unix socket
 * named by $XENSIM_SOCKET, the way every real handle is one open device
 * file.  The first message on a connection opens the handle (an *_OPEN
 * call, or the one-shot TC_RESTRICT_ALL).  Each library call is one
 * request and one reply, both a struct xensim_msg followed by `len` payload
 * bytes; a reply has ret >= 0, or ret == -1 and the errno in `err`, which
 * the library hands to its caller unchanged.
 *
 * File descriptors travel with SCM_RIGHTS:
 *   EV_OPEN request: the simulator's end of the event socket, a stream
 *     socketpair carrying 4-byte port numbers like /dev/xen/evtchn: each
 *     port the simulator writes is one pending event (xenevtchn_pending
 *     reads it).
 *   FM_OPEN reply: the guest physical memory, a memfd in which gfn N is at
 *     offset N * 4096.  RAM is gfn 0 .. ram_pages - 1; each ioreq server's
 *     two pages (buffered, then shared) follow it.
 *
 * Arguments per call (arg[] in the request, outputs in arg[] of the reply):
 *   DM_CREATE_IOREQ_SERVER  domid, handle_bufioreq           -> id
 *   DM_GET_IOREQ_SERVER_INFO domid, id, want_gfns
 *                                -> ioreq_gfn, bufioreq_gfn, bufioreq_port
 *   DM_MAP_IO_RANGE, DM_UNMAP_IO_RANGE, DM_MAP_PCIDEV, DM_UNMAP_PCIDEV
 *                            domid, id, XEN_DMOP_IO_RANGE_*, start, end
 *   DM_SET_IOREQ_SERVER_STATE domid, id, enabled
 *   DM_DESTROY_IOREQ_SERVER  domid, id
 *   DM_SET_ISA_IRQ_LEVEL     domid, irq, level
 *   DM_SET_PCI_INTX_LEVEL    domid, segment, bus, device, intx, level
 *   DM_SET_IRQ_LEVEL         domid, irq, level
 *   DM_SET_PCI_LINK_ROUTE    domid, link, irq
 *   DM_INJECT_MSI            domid, addr, data
 *   DM_MODIFIED_MEMORY[_BULK] domid, nr extents; payload: the extents
 *                            (struct xen_dm_op_modified_memory_extent)
 *   DM_SHUTDOWN              domid, reason
 *   DM_NR_VCPUS              domid                           -> vcpus
 *   DM_INJECT_EVENT          domid, vcpuid, vector, type, error_code,
 *                            insn_len, cr2
 *   DM_SET_MEM_TYPE          domid, mem_type, first_pfn, nr
 *   DM_MAP_MEM_TYPE          domid, id, type, flags
 *   DM_TRACK_DIRTY_VRAM      domid, first_pfn, nr;
 *                            reply payload: the (nr + 7) / 8 bitmap bytes
 *   DM_RELOCATE_MEMORY       domid, size, src_gfn, dst_gfn
 *   DM_PIN_MEMORY_CACHEATTR  domid, start, end, type
 *   DM_RESTRICT, FM_RESTRICT, EV_RESTRICT, TC_RESTRICT_ALL  domid
 *   FM_MAP, FM_MAP2          domid, address reserved for the mapping,
 *                            pages, all_or_nothing (err == NULL);
 *                            payload: uint64_t gfn[pages];
 *                            reply payload: int32_t err[pages]
 *   FM_UNMAP                 address, pages
 *   FM_MAP_RESOURCE          domid, type, id, frame, nr_frames
 *                                -> memfd offset, cookie
 *   FM_UNMAP_RESOURCE        cookie
 *   FM_RESOURCE_SIZE         domid, type, id                 -> bytes
 *   EV_NOTIFY, EV_UNBIND, EV_UNMASK   local port
 *   EV_BIND_INTERDOMAIN      domid, remote port           ret = local port
 *   EV_PENDING               (counted only: the port is then read from
 *                            the event socket)
 *
 * XENSIM_F_INTERNAL marks a request that is part of another call (the
 * restrict callbacks xentoolcore_restrict_all runs, the undo of a mapping
 * whose mmap failed): it is neither counted nor subject to --fail or
 * --kill-at.
 *
 * A call of the program --kill-at picks gets no reply: the simulator kills
 * the program (SIGKILL) instead of making the call, so it dies inside it,
 * before it has any effect.  (The library cannot kill itself: a seccomp
 * filter such as dmd's may forbid kill().)
 */
#ifndef XENSIM_PROTO_H
#define XENSIM_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define XENSIM_SOCKET_ENV "XENSIM_SOCKET"
#define XENSIM_PAGE_SIZE 4096u
#define XENSIM_MAX_PAYLOAD (64u * 1024u)
#define XENSIM_MAX_MAP_PAGES (XENSIM_MAX_PAYLOAD / sizeof(uint64_t))
#define XENSIM_NR_ARGS 8

/* Every library function that reaches the simulator: op, function name. */
#define XENSIM_CALLS(X)                                                       \
    X(DM_OPEN, xendevicemodel_open)                                           \
    X(DM_CLOSE, xendevicemodel_close)                                         \
    X(DM_CREATE_IOREQ_SERVER, xendevicemodel_create_ioreq_server)             \
    X(DM_GET_IOREQ_SERVER_INFO, xendevicemodel_get_ioreq_server_info)         \
    X(DM_MAP_IO_RANGE, xendevicemodel_map_io_range_to_ioreq_server)           \
    X(DM_UNMAP_IO_RANGE, xendevicemodel_unmap_io_range_from_ioreq_server)     \
    X(DM_MAP_PCIDEV, xendevicemodel_map_pcidev_to_ioreq_server)               \
    X(DM_UNMAP_PCIDEV, xendevicemodel_unmap_pcidev_from_ioreq_server)         \
    X(DM_SET_IOREQ_SERVER_STATE, xendevicemodel_set_ioreq_server_state)       \
    X(DM_DESTROY_IOREQ_SERVER, xendevicemodel_destroy_ioreq_server)           \
    X(DM_SET_ISA_IRQ_LEVEL, xendevicemodel_set_isa_irq_level)                 \
    X(DM_SET_PCI_INTX_LEVEL, xendevicemodel_set_pci_intx_level)               \
    X(DM_SET_IRQ_LEVEL, xendevicemodel_set_irq_level)                         \
    X(DM_SET_PCI_LINK_ROUTE, xendevicemodel_set_pci_link_route)               \
    X(DM_INJECT_MSI, xendevicemodel_inject_msi)                               \
    X(DM_MODIFIED_MEMORY, xendevicemodel_modified_memory)                     \
    X(DM_MODIFIED_MEMORY_BULK, xendevicemodel_modified_memory_bulk)           \
    X(DM_SHUTDOWN, xendevicemodel_shutdown)                                   \
    X(DM_NR_VCPUS, xendevicemodel_nr_vcpus)                                   \
    X(DM_INJECT_EVENT, xendevicemodel_inject_event)                           \
    X(DM_SET_MEM_TYPE, xendevicemodel_set_mem_type)                           \
    X(DM_MAP_MEM_TYPE, xendevicemodel_map_mem_type_to_ioreq_server)           \
    X(DM_TRACK_DIRTY_VRAM, xendevicemodel_track_dirty_vram)                   \
    X(DM_RELOCATE_MEMORY, xendevicemodel_relocate_memory)                     \
    X(DM_PIN_MEMORY_CACHEATTR, xendevicemodel_pin_memory_cacheattr)           \
    X(DM_RESTRICT, xendevicemodel_restrict)                                   \
    X(FM_OPEN, xenforeignmemory_open)                                         \
    X(FM_CLOSE, xenforeignmemory_close)                                       \
    X(FM_MAP, xenforeignmemory_map)                                           \
    X(FM_MAP2, xenforeignmemory_map2)                                         \
    X(FM_UNMAP, xenforeignmemory_unmap)                                       \
    X(FM_MAP_RESOURCE, xenforeignmemory_map_resource)                         \
    X(FM_UNMAP_RESOURCE, xenforeignmemory_unmap_resource)                     \
    X(FM_RESOURCE_SIZE, xenforeignmemory_resource_size)                       \
    X(FM_RESTRICT, xenforeignmemory_restrict)                                 \
    X(EV_OPEN, xenevtchn_open)                                                \
    X(EV_CLOSE, xenevtchn_close)                                              \
    X(EV_NOTIFY, xenevtchn_notify)                                            \
    X(EV_BIND_INTERDOMAIN, xenevtchn_bind_interdomain)                        \
    X(EV_UNBIND, xenevtchn_unbind)                                            \
    X(EV_PENDING, xenevtchn_pending)                                          \
    X(EV_UNMASK, xenevtchn_unmask)                                            \
    X(EV_RESTRICT, xenevtchn_restrict)                                        \
    X(TC_RESTRICT_ALL, xentoolcore_restrict_all)

enum xensim_op {
    XENSIM_OP_NONE,
#define XENSIM_ENUM(op, fn) XENSIM_##op,
    XENSIM_CALLS(XENSIM_ENUM)
#undef XENSIM_ENUM
    XENSIM_OP_COUNT
};

#define XENSIM_F_INTERNAL 1u

struct xensim_msg {
    uint32_t op;    /* enum xensim_op */
    uint32_t flags; /* XENSIM_F_* */
    int32_t ret;    /* reply: result, or -1 with err */
    int32_t err;    /* reply: errno when ret == -1 */
    uint32_t len;   /* payload bytes following this header */
    uint32_t pad;
    uint64_t arg[XENSIM_NR_ARGS];
};

/* The library function an op stands for ("" for XENSIM_OP_NONE). */
static inline const char *xensim_op_name(uint32_t op)
{
    static const char *const names[XENSIM_OP_COUNT] = {
        "",
#define XENSIM_NAME(op, fn) #fn,
        XENSIM_CALLS(XENSIM_NAME)
#undef XENSIM_NAME
    };
    return op < XENSIM_OP_COUNT ? names[op] : "";
}

/* The op of a library function name, or XENSIM_OP_NONE. */
static inline uint32_t xensim_op_by_name(const char *name)
{
    for (uint32_t op = 1; op < XENSIM_OP_COUNT; op++)
        if (strcmp(xensim_op_name(op), name) == 0)
            return op;
    return XENSIM_OP_NONE;
}

#endif
