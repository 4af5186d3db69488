/* SPDX-License-Identifier: MIT */
/*
 * Fake libxenforeignmemory.so.1.  The simulator hands over the guest's
 * physical memory as one memfd (gfn N at offset N * 4096, see proto.h) and
 * decides which gfns and resource frames may be mapped; the mmap()s happen
 * here, so the program under test really shares memory with the simulator.
 *
 * xenforeignmemory_map reserves the whole range first and maps each good
 * page into it: with an err array, failed pages stay inaccessible and the
 * call succeeds, as with privcmd; without one, any failure fails the call.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenforeignmemory.h>

#include "client.h"
#include "toolcore_internal.h"

struct xenforeignmemory_handle {
    int conn;
    int memfd;
    Xentoolcore__Active_Handle tc_ah;
};

struct xenforeignmemory_resource_handle {
    uint64_t cookie; /* the simulator's name for this mapping */
    void *addr;
    size_t len;
};

static int foreignmemory_send(xenforeignmemory_handle *fmem,
                              struct xensim_msg msg)
{
    return client_simple(fmem->conn, &msg) < 0 ? -1 : 0;
}

/* Tell the simulator a mapping it granted did not happen after all. */
static void foreignmemory_undo(xenforeignmemory_handle *fmem,
                               struct xensim_msg msg)
{
    int saved = errno;
    msg.flags = XENSIM_F_INTERNAL;
    client_simple(fmem->conn, &msg);
    errno = saved;
}

static int foreignmemory_restrict_cb(Xentoolcore__Active_Handle *ah,
                                     domid_t domid)
{
    xenforeignmemory_handle *fmem =
        TOOLCORE_CONTAINER(ah, xenforeignmemory_handle, tc_ah);
    struct xensim_msg msg = CLIENT_MSG(XENSIM_FM_RESTRICT, domid);
    msg.flags = XENSIM_F_INTERNAL;
    return client_simple(fmem->conn, &msg) < 0 ? -1 : 0;
}

xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *logger,
                                               unsigned open_flags)
{
    (void)logger;
    (void)open_flags;
    xenforeignmemory_handle *fmem = calloc(1, sizeof(*fmem));
    if (!fmem)
        return NULL;
    fmem->conn = client_open(XENSIM_FM_OPEN, -1, &fmem->memfd);
    if (fmem->conn < 0) {
        free(fmem);
        return NULL;
    }
    if (fmem->memfd < 0) {
        close(fmem->conn);
        free(fmem);
        errno = EIO;
        return NULL;
    }
    fmem->tc_ah.restrict_callback = foreignmemory_restrict_cb;
    xentoolcore__register_active_handle(&fmem->tc_ah);
    return fmem;
}

/* Mappings outlive the handle, as with privcmd. */
int xenforeignmemory_close(xenforeignmemory_handle *fmem)
{
    if (!fmem)
        return 0;
    int rc = foreignmemory_send(fmem, CLIENT_MSG(XENSIM_FM_CLOSE, 0));
    int saved = errno;
    xentoolcore__deregister_active_handle(&fmem->tc_ah);
    close(fmem->memfd);
    close(fmem->conn);
    free(fmem);
    errno = saved;
    return rc;
}

/* Map each page the simulator accepted into the reserved range at base. */
static int foreignmemory_fill(xenforeignmemory_handle *fmem, char *base,
                              int prot, size_t pages, const uint64_t *gfns,
                              const int32_t *errs)
{
    for (size_t i = 0; i < pages; i++) {
        if (errs[i])
            continue;
        void *p = mmap(base + i * XENSIM_PAGE_SIZE, XENSIM_PAGE_SIZE, prot,
                       MAP_SHARED | MAP_FIXED, fmem->memfd,
                       (off_t)(gfns[i] * XENSIM_PAGE_SIZE));
        if (p == MAP_FAILED)
            return -1;
    }
    return 0;
}

static void *foreignmemory_map(xenforeignmemory_handle *fmem, uint32_t op,
                               uint32_t dom, void *addr, int prot, int flags,
                               size_t pages, const xen_pfn_t arr[], int err[])
{
    if (pages == 0 || pages > XENSIM_MAX_MAP_PAGES) {
        errno = pages ? E2BIG : EINVAL;
        return NULL;
    }
    size_t len = pages * XENSIM_PAGE_SIZE;
    int reserve = (flags & ~(MAP_SHARED | MAP_PRIVATE)) | MAP_PRIVATE | MAP_ANONYMOUS;
    char *base = mmap(addr, len, PROT_NONE, reserve, -1, 0);
    if (base == MAP_FAILED)
        return NULL;

    uint64_t *gfns = malloc(pages * sizeof(*gfns));
    int32_t *errs = calloc(pages, sizeof(*errs));
    struct xensim_msg msg =
        CLIENT_MSG(op, dom, (uintptr_t)base, pages, err == NULL);
    int ok = gfns && errs;
    if (ok) {
        for (size_t i = 0; i < pages; i++)
            gfns[i] = arr[i];
        ok = client_call(fmem->conn, &msg, gfns, (uint32_t)(pages * sizeof(*gfns)),
                         errs, (uint32_t)(pages * sizeof(*errs))) >= 0;
        if (ok && foreignmemory_fill(fmem, base, prot, pages, gfns, errs) < 0) {
            foreignmemory_undo(fmem, CLIENT_MSG(XENSIM_FM_UNMAP, (uintptr_t)base, pages));
            ok = 0;
        }
    } else {
        errno = ENOMEM;
    }
    if (ok && err)
        for (size_t i = 0; i < pages; i++)
            err[i] = errs[i];
    int saved = errno;
    free(gfns);
    free(errs);
    if (!ok) {
        munmap(base, len);
        errno = saved;
        return NULL;
    }
    return base;
}

void *xenforeignmemory_map(xenforeignmemory_handle *fmem, uint32_t dom,
                           int prot, size_t pages, const xen_pfn_t arr[],
                           int err[])
{
    return foreignmemory_map(fmem, XENSIM_FM_MAP, dom, NULL, prot, 0, pages,
                             arr, err);
}

void *xenforeignmemory_map2(xenforeignmemory_handle *fmem, uint32_t dom,
                            void *addr, int prot, int flags, size_t pages,
                            const xen_pfn_t arr[], int err[])
{
    return foreignmemory_map(fmem, XENSIM_FM_MAP2, dom, addr, prot, flags,
                             pages, arr, err);
}

int xenforeignmemory_unmap(xenforeignmemory_handle *fmem, void *addr,
                           size_t pages)
{
    if (foreignmemory_send(fmem, CLIENT_MSG(XENSIM_FM_UNMAP, (uintptr_t)addr,
                                            pages)) < 0)
        return -1;
    return munmap(addr, pages * XENSIM_PAGE_SIZE);
}

int xenforeignmemory_restrict(xenforeignmemory_handle *fmem, domid_t domid)
{
    return foreignmemory_send(fmem, CLIENT_MSG(XENSIM_FM_RESTRICT, domid));
}

xenforeignmemory_resource_handle *xenforeignmemory_map_resource(
    xenforeignmemory_handle *fmem, domid_t domid, unsigned int type,
    unsigned int id, unsigned long frame, unsigned long nr_frames,
    void **paddr, int prot, int flags)
{
    /* The real library accepts only the POSIX flags here. */
    if (flags & ~(MAP_SHARED | MAP_PRIVATE)) {
        errno = EINVAL;
        return NULL;
    }
    xenforeignmemory_resource_handle *fres = calloc(1, sizeof(*fres));
    if (!fres)
        return NULL;
    struct xensim_msg msg = CLIENT_MSG(XENSIM_FM_MAP_RESOURCE, domid, type, id,
                                       frame, nr_frames);
    if (client_simple(fmem->conn, &msg) < 0) {
        free(fres);
        return NULL;
    }
    fres->cookie = msg.arg[1];
    fres->len = nr_frames * XENSIM_PAGE_SIZE;
    fres->addr = mmap(*paddr, fres->len, prot, flags | MAP_SHARED, fmem->memfd,
                      (off_t)msg.arg[0]);
    if (fres->addr == MAP_FAILED) {
        foreignmemory_undo(fmem, CLIENT_MSG(XENSIM_FM_UNMAP_RESOURCE, fres->cookie));
        free(fres);
        return NULL;
    }
    *paddr = fres->addr;
    return fres;
}

int xenforeignmemory_unmap_resource(xenforeignmemory_handle *fmem,
                                    xenforeignmemory_resource_handle *fres)
{
    if (!fres)
        return 0;
    /* Like the real library, the handle is freed even when unmapping fails. */
    int rc = foreignmemory_send(fmem, CLIENT_MSG(XENSIM_FM_UNMAP_RESOURCE,
                                                 fres->cookie));
    if (rc == 0)
        rc = munmap(fres->addr, fres->len);
    free(fres);
    return rc;
}

int xenforeignmemory_resource_size(xenforeignmemory_handle *fmem, domid_t domid,
                                   unsigned int type, unsigned int id,
                                   size_t *size)
{
    struct xensim_msg msg = CLIENT_MSG(XENSIM_FM_RESOURCE_SIZE, domid, type, id);
    if (client_simple(fmem->conn, &msg) < 0)
        return -1;
    *size = (size_t)msg.arg[0];
    return 0;
}
