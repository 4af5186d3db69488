/* SPDX-License-Identifier: MIT */
/*
 * Fake libxendevicemodel.so.1: each call is one request to the simulator,
 * which plays the DMOP hypercall.  Argument packing mirrors the real
 * library (tools/libs/devicemodel/core.c): the PCI calls build the SBDF
 * with XEN_DMOP_PCI_SBDF, get_ioreq_server_info asks for no GFNs when both
 * GFN pointers are NULL, modified_memory is a one-extent bulk call, and
 * levels are truncated to the DMOP structures' uint8_t.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <xendevicemodel.h>

#include "client.h"
#include "toolcore_internal.h"

struct xendevicemodel_handle {
    int conn;
    Xentoolcore__Active_Handle tc_ah;
};

static int devicemodel_send(xendevicemodel_handle *dmod, struct xensim_msg msg)
{
    return client_simple(dmod->conn, &msg) < 0 ? -1 : 0;
}

static int devicemodel_restrict_cb(Xentoolcore__Active_Handle *ah,
                                   domid_t domid)
{
    xendevicemodel_handle *dmod =
        TOOLCORE_CONTAINER(ah, xendevicemodel_handle, tc_ah);
    struct xensim_msg msg = CLIENT_MSG(XENSIM_DM_RESTRICT, domid);
    msg.flags = XENSIM_F_INTERNAL;
    return client_simple(dmod->conn, &msg) < 0 ? -1 : 0;
}

xendevicemodel_handle *xendevicemodel_open(struct xentoollog_logger *logger,
                                           unsigned int open_flags)
{
    (void)logger;
    (void)open_flags;
    xendevicemodel_handle *dmod = calloc(1, sizeof(*dmod));
    if (!dmod)
        return NULL;
    dmod->conn = client_open(XENSIM_DM_OPEN, -1, NULL);
    if (dmod->conn < 0) {
        free(dmod);
        return NULL;
    }
    dmod->tc_ah.restrict_callback = devicemodel_restrict_cb;
    xentoolcore__register_active_handle(&dmod->tc_ah);
    return dmod;
}

int xendevicemodel_close(xendevicemodel_handle *dmod)
{
    if (!dmod)
        return 0;
    int rc = devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_CLOSE, 0));
    int saved = errno;
    xentoolcore__deregister_active_handle(&dmod->tc_ah);
    close(dmod->conn);
    free(dmod);
    errno = saved;
    return rc;
}

int xendevicemodel_create_ioreq_server(xendevicemodel_handle *dmod,
                                       domid_t domid, int handle_bufioreq,
                                       ioservid_t *id)
{
    struct xensim_msg msg =
        CLIENT_MSG(XENSIM_DM_CREATE_IOREQ_SERVER, domid, (uint64_t)handle_bufioreq);
    if (client_simple(dmod->conn, &msg) < 0)
        return -1;
    *id = (ioservid_t)msg.arg[0];
    return 0;
}

int xendevicemodel_get_ioreq_server_info(xendevicemodel_handle *dmod,
                                         domid_t domid, ioservid_t id,
                                         xen_pfn_t *ioreq_gfn,
                                         xen_pfn_t *bufioreq_gfn,
                                         evtchn_port_t *bufioreq_port)
{
    uint64_t want_gfns = ioreq_gfn || bufioreq_gfn;
    struct xensim_msg msg =
        CLIENT_MSG(XENSIM_DM_GET_IOREQ_SERVER_INFO, domid, id, want_gfns);
    if (client_simple(dmod->conn, &msg) < 0)
        return -1;
    if (ioreq_gfn)
        *ioreq_gfn = (xen_pfn_t)msg.arg[0];
    if (bufioreq_gfn)
        *bufioreq_gfn = (xen_pfn_t)msg.arg[1];
    if (bufioreq_port)
        *bufioreq_port = (evtchn_port_t)msg.arg[2];
    return 0;
}

int xendevicemodel_map_io_range_to_ioreq_server(xendevicemodel_handle *dmod,
                                                domid_t domid, ioservid_t id,
                                                int is_mmio, uint64_t start,
                                                uint64_t end)
{
    uint64_t type = is_mmio ? XEN_DMOP_IO_RANGE_MEMORY : XEN_DMOP_IO_RANGE_PORT;
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_MAP_IO_RANGE, domid, id,
                                             type, start, end));
}

int xendevicemodel_unmap_io_range_from_ioreq_server(xendevicemodel_handle *dmod,
                                                    domid_t domid,
                                                    ioservid_t id, int is_mmio,
                                                    uint64_t start,
                                                    uint64_t end)
{
    uint64_t type = is_mmio ? XEN_DMOP_IO_RANGE_MEMORY : XEN_DMOP_IO_RANGE_PORT;
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_UNMAP_IO_RANGE, domid,
                                             id, type, start, end));
}

int xendevicemodel_map_pcidev_to_ioreq_server(xendevicemodel_handle *dmod,
                                              domid_t domid, ioservid_t id,
                                              uint16_t segment, uint8_t bus,
                                              uint8_t device, uint8_t function)
{
    uint64_t sbdf = XEN_DMOP_PCI_SBDF(segment, bus, device, function);
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_MAP_PCIDEV, domid, id,
                                             XEN_DMOP_IO_RANGE_PCI, sbdf, sbdf));
}

int xendevicemodel_unmap_pcidev_from_ioreq_server(xendevicemodel_handle *dmod,
                                                  domid_t domid, ioservid_t id,
                                                  uint16_t segment, uint8_t bus,
                                                  uint8_t device,
                                                  uint8_t function)
{
    uint64_t sbdf = XEN_DMOP_PCI_SBDF(segment, bus, device, function);
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_UNMAP_PCIDEV, domid, id,
                                             XEN_DMOP_IO_RANGE_PCI, sbdf, sbdf));
}

int xendevicemodel_destroy_ioreq_server(xendevicemodel_handle *dmod,
                                        domid_t domid, ioservid_t id)
{
    return devicemodel_send(dmod,
                            CLIENT_MSG(XENSIM_DM_DESTROY_IOREQ_SERVER, domid, id));
}

int xendevicemodel_set_ioreq_server_state(xendevicemodel_handle *dmod,
                                          domid_t domid, ioservid_t id,
                                          int enabled)
{
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_SET_IOREQ_SERVER_STATE,
                                             domid, id, (uint64_t)!!enabled));
}

int xendevicemodel_set_pci_intx_level(xendevicemodel_handle *dmod,
                                      domid_t domid, uint16_t segment,
                                      uint8_t bus, uint8_t device, uint8_t intx,
                                      unsigned int level)
{
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_SET_PCI_INTX_LEVEL, domid,
                                             segment, bus, device, intx,
                                             (uint8_t)level));
}

int xendevicemodel_set_isa_irq_level(xendevicemodel_handle *dmod,
                                     domid_t domid, uint8_t irq,
                                     unsigned int level)
{
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_SET_ISA_IRQ_LEVEL, domid,
                                             irq, (uint8_t)level));
}

int xendevicemodel_set_irq_level(xendevicemodel_handle *dmod, domid_t domid,
                                 unsigned int irq, unsigned int level)
{
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_SET_IRQ_LEVEL, domid, irq,
                                             (uint8_t)level));
}

int xendevicemodel_set_pci_link_route(xendevicemodel_handle *dmod,
                                      domid_t domid, uint8_t link, uint8_t irq)
{
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_SET_PCI_LINK_ROUTE, domid,
                                             link, irq));
}

int xendevicemodel_inject_msi(xendevicemodel_handle *dmod, domid_t domid,
                              uint64_t msi_addr, uint32_t msi_data)
{
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_INJECT_MSI, domid,
                                             msi_addr, msi_data));
}

static int devicemodel_modified(xendevicemodel_handle *dmod, uint32_t op,
                                domid_t domid,
                                const struct xen_dm_op_modified_memory_extent *ext,
                                uint32_t nr)
{
    struct xensim_msg msg = CLIENT_MSG(op, domid, nr);
    size_t len = (size_t)nr * sizeof(*ext);

    if (len > XENSIM_MAX_PAYLOAD) {
        errno = E2BIG;
        return -1;
    }
    return client_call(dmod->conn, &msg, ext, (uint32_t)len, NULL, 0) < 0 ? -1 : 0;
}

int xendevicemodel_modified_memory(xendevicemodel_handle *dmod, domid_t domid,
                                   uint64_t first_pfn, uint32_t nr)
{
    struct xen_dm_op_modified_memory_extent ext = {
        .first_pfn = first_pfn,
        .nr = nr,
    };
    return devicemodel_modified(dmod, XENSIM_DM_MODIFIED_MEMORY, domid, &ext, 1);
}

int xendevicemodel_modified_memory_bulk(
    xendevicemodel_handle *dmod, domid_t domid,
    struct xen_dm_op_modified_memory_extent extents[], uint32_t nr)
{
    return devicemodel_modified(dmod, XENSIM_DM_MODIFIED_MEMORY_BULK, domid,
                                extents, nr);
}

int xendevicemodel_shutdown(xendevicemodel_handle *dmod, domid_t domid,
                            unsigned int reason)
{
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_SHUTDOWN, domid, reason));
}

int xendevicemodel_nr_vcpus(xendevicemodel_handle *dmod, domid_t domid,
                            unsigned int *vcpus)
{
    struct xensim_msg msg = CLIENT_MSG(XENSIM_DM_NR_VCPUS, domid);
    if (client_simple(dmod->conn, &msg) < 0)
        return -1;
    *vcpus = (unsigned int)msg.arg[0];
    return 0;
}

int xendevicemodel_restrict(xendevicemodel_handle *dmod, domid_t domid)
{
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_RESTRICT, domid));
}

int xendevicemodel_inject_event(xendevicemodel_handle *dmod, domid_t domid,
                                int vcpu, uint8_t vector, uint8_t type,
                                uint32_t error_code, uint8_t insn_len,
                                uint64_t extra)
{
    /* the library puts vcpu into the uint32_t vcpuid: -1 is 0xffffffff */
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_INJECT_EVENT, domid,
                                             (uint32_t)vcpu, vector, type,
                                             error_code, insn_len, extra));
}

int xendevicemodel_set_mem_type(xendevicemodel_handle *dmod, domid_t domid,
                                hvmmem_type_t mem_type, uint64_t first_pfn,
                                uint32_t nr)
{
    /* xen_dm_op_set_mem_type.mem_type is a uint16_t */
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_SET_MEM_TYPE, domid,
                                             (uint16_t)mem_type, first_pfn, nr));
}

int xendevicemodel_map_mem_type_to_ioreq_server(
    xendevicemodel_handle *dmod, domid_t domid, ioservid_t id, uint16_t type,
    uint32_t flags)
{
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_MAP_MEM_TYPE, domid, id,
                                             type, flags));
}

int xendevicemodel_track_dirty_vram(xendevicemodel_handle *dmod, domid_t domid,
                                    uint64_t first_pfn, uint32_t nr,
                                    unsigned long *dirty_bitmap)
{
    /* the real library passes a (nr + 7) / 8 byte buffer; a bitmap too big
     * for a reply belongs to an nr Xen refuses anyway */
    struct xensim_msg msg = CLIENT_MSG(XENSIM_DM_TRACK_DIRTY_VRAM, domid,
                                       first_pfn, nr);
    size_t bytes = ((size_t)nr + 7) / 8;
    uint32_t cap = bytes > XENSIM_MAX_PAYLOAD ? 0 : (uint32_t)bytes;
    return client_call(dmod->conn, &msg, NULL, 0, dirty_bitmap, cap) < 0 ? -1 : 0;
}

int xendevicemodel_relocate_memory(xendevicemodel_handle *dmod, domid_t domid,
                                   uint32_t size, uint64_t src_gfn,
                                   uint64_t dst_gfn)
{
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_RELOCATE_MEMORY, domid,
                                             size, src_gfn, dst_gfn));
}

int xendevicemodel_pin_memory_cacheattr(xendevicemodel_handle *dmod,
                                        domid_t domid, uint64_t start,
                                        uint64_t end, uint32_t type)
{
    return devicemodel_send(dmod, CLIENT_MSG(XENSIM_DM_PIN_MEMORY_CACHEATTR,
                                             domid, start, end, type));
}
