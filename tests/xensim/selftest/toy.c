/* SPDX-License-Identifier: MIT */
/*
 * toy: a small ioreq server written against the real Xen library API, so
 * xensim can be tested without dmd.  It follows the same start-up ladder
 * as dmd (open, nr_vcpus, create, map pages - falling back to the legacy
 * GFN path on EOPNOTSUPP -, map ranges, enable, bind, sweep, restrict,
 * READY=1) and undoes it in reverse on SIGTERM or on a start-up failure.
 *
 * Devices (x86; Arm has the MMIO window only, SPI 40 instead of ISA 5):
 *   ports 0x100-0x107  scratch bytes, any size
 *   port  0x108        FIFO for rep ins/outs (--partial-rep: 4 bytes per request).
 *                      With --host PATH and a client on that unix socket,
 *                      bytes written go to the client and bytes it sends
 *                      are read back from the FIFO
 *   port  0x109        gate: a read is held (INPROCESS) until another vCPU
 *                      writes the port; then the read returns 1
 *   port  0x10a        write: ISA irq 5 level = value & 1
 *   port  0x10b        --fdstore: read: descriptors the fd store gave back
 *                      that hold the state this toy's predecessor stored;
 *                      write 1: FDSTOREREMOVE=1 FDNAME=state
 *   MMIO  BASE+0x000   2 KiB scratch, any size
 *         BASE+0x800   write: irq level (ISA 5 / SPI 40) = value & 1
 *         BASE+0x808   write: MSI with data = value
 *         BASE+0x810   write: INTx pin A of 00:03.0 = value & 1
 *         BASE+0x818   read: INVALIDATE requests seen (4 bytes)
 *         BASE+0x820   read: last TIMEOFFSET (8 bytes)
 *         BASE+0x828   write: push a DMOP argument (at most 8)
 *         BASE+0x830   write: make DMOP number value (XEN_DMOP_*, see
 *                      toy_dmop) with the arguments pushed, then forget
 *                      them; read: the errno it got (0: success)
 *         BASE+0x838   read: the first 8 bytes of the bitmap the last
 *                      track_dirty_vram returned
 *   PCI   00:03.0      config space: ids 1234:5678, 0x40.. writable
 *
 * Bytes a rep ins writes into guest RAM are reported with
 * xendevicemodel_modified_memory, each page once per request.  Guest RAM is
 * mapped a byte at a time; --keep-page keeps the page the last rep began
 * on mapped, a one-page mapcache dropped on INVALIDATE (--stale-page: kept
 * across it, which xensim must catch) and at exit.
 *
 * --check-rules probes Xen's errno rules before enabling the server;
 * --lazy-ring drains the buffered ring only before synchronous requests
 * (so the ring fills); --watchdog, after 100 ms without events, stops if
 * the domain is gone and answers requests whose notification was lost
 * (dmd's 1-second sweep, faster).  Misbehaviour on request: --no-notify,
 * --write-none, --no-sweep, --leak server|port|mapping|handle.
 *
 * Restarts (xensim's kill-dmd, start-dmd): without --reattach a new toy
 * creates a server of its own.  With it the toy records its server id in
 * $RUNTIME_DIRECTORY and a new toy takes that server over (ranges already
 * mapped are left as they are), as dmd does.  The sweep after binding
 * handles READY slots, handles INPROCESS ones again (a toy saves nothing)
 * and notifies IORESP_READY ones again (the dead toy may not have).
 * --fdstore stores a memfd holding "toy state\n" (FDNAME=state) and a
 * pipe's read end whose writer it keeps (FDNAME=pipe) with FDSTORE=1; a
 * toy started with LISTEN_FDS reports what it got on stderr, checks the
 * state and stores each descriptor again (it must not be kept twice).
 * --fdstore-flood N stores N more memfds, 16 per message.  --start-delay MS
 * sleeps before anything else, a slow start-up.  --no-kill makes kill(),
 * tkill() and tgkill() fail (seccomp), as dmd's sandbox does: a --kill-at
 * must kill it all the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xentoolcore.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

#include "sd_proto.h"

#define TOY_PORT 0x100u
#define TOY_MMIO_SIZE 0x1000u
#define TOY_PCI_DEV 3
#define TOY_REP_MAX 4
#define TOY_STATE_BYTE 30
#define TOY_WATCHDOG_MS 100
#define TOY_STATE_TEXT "toy state\n"
#define TOY_FDS_PER_MESSAGE 16
#define TOY_LISTEN_FDS_START 3

struct toy {
    /* options */
    domid_t domid;
    bool arm, no_notify, write_none, no_sweep, check_rules, lazy_ring, partial_rep, watchdog;
    bool keep_page, stale_page;
    bool reattach, fdstore;
    unsigned fdstore_flood;
    unsigned start_delay_ms;
    bool no_kill;
    const char *host_path;
    bool leak_server, leak_port, leak_mapping, leak_handle;
    int bufioreq;
    uint64_t mmio;
    /* Xen */
    xendevicemodel_handle *dmod;
    xenforeignmemory_handle *fmem;
    xenevtchn_handle *xce;
    unsigned vcpus;
    ioservid_t id;
    bool created, ranges, enabled;
    bool attached; /* --reattach: took over the server a killed toy left */
    xenforeignmemory_resource_handle *res;
    void *legacy;
    size_t legacy_pages;
    shared_iopage_t *shared;
    buffered_iopage_t *buf;
    evtchn_port_t port[128], buf_port, buf_remote;
    /* devices */
    uint8_t pio[8], scratch[0x800], cfg[256], fifo[256];
    unsigned fifo_len;
    int host_listen, host;
    bool held[128];
    uint32_t invalidates;
    uint64_t timeoffset;
    uint64_t dmop_arg[8]; /* BASE+0x828 */
    unsigned dmop_args;
    uint32_t dmop_errno;
    uint64_t vram_bits;
    void *kept; /* --keep-page */
    /* --fdstore */
    int pipe_writer;   /* the stored pipe's other end: it closes with us */
    unsigned fds_good; /* descriptors given back that hold our state */
};

static int toy_fail(const char *what)
{
    fprintf(stderr, "toy: %s: %s\n", what, strerror(errno));
    return -1;
}

static void toy_irq(struct toy *t, uint64_t level)
{
    int rc = t->arm ? xendevicemodel_set_irq_level(t->dmod, t->domid, 40, level & 1)
                    : xendevicemodel_set_isa_irq_level(t->dmod, t->domid, 5, level & 1);
    if (rc < 0)
        toy_fail("irq");
}

/* ---- the fd store (sd_notify with SCM_RIGHTS, which sd_proto leaves out) ---- */

static int toy_notify_fds(const char *state, const int *fds, unsigned n)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    union {
        char buf[CMSG_SPACE(TOY_FDS_PER_MESSAGE * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = (void *)state, .iov_len = strlen(state) };
    struct msghdr mh = {
        .msg_name = &sun, .msg_namelen = sizeof(sun), .msg_iov = &iov, .msg_iovlen = 1,
    };

    if (!path || path[0] != '/' || strlen(path) >= sizeof(sun.sun_path) ||
        n > TOY_FDS_PER_MESSAGE) {
        errno = EINVAL;
        return -1;
    }
    strcpy(sun.sun_path, path);
    if (n) {
        memset(&control, 0, sizeof(control));
        mh.msg_control = control.buf;
        mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(n * sizeof(int));
        memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    ssize_t rc = sendmsg(fd, &mh, MSG_NOSIGNAL);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc < 0 ? -1 : 0;
}

/* A started toy: what LISTEN_FDS brought, told on stderr and checked. */
static int toy_fdstore_received(struct toy *t, const char *count)
{
    const char *pid = getenv("LISTEN_PID"), *names = getenv("LISTEN_FDNAMES");
    bool mine = pid && strtol(pid, NULL, 10) == (long)getpid();
    unsigned n = (unsigned)strtoul(count, NULL, 10);
    char *list = strdup(names ? names : ""), *save = NULL;

    fprintf(stderr, "toy: LISTEN_FDS=%s LISTEN_FDNAMES=%s, LISTEN_PID %s\n", count,
            names ? names : "(unset)", mine ? "is mine" : "is not mine");
    if (!list)
        return toy_fail("strdup");
    char *name = strtok_r(list, ":", &save);
    for (unsigned i = 0; mine && i < n; i++, name = strtok_r(NULL, ":", &save)) {
        int fd = (int)(TOY_LISTEN_FDS_START + i);
        char buf[64] = "", msg[300];
        ssize_t len = pread(fd, buf, sizeof(buf) - 1, 0);
        bool good = name && strcmp(name, "state") == 0 &&
                    len == (ssize_t)strlen(TOY_STATE_TEXT) && strcmp(buf, TOY_STATE_TEXT) == 0;
        if (!name || strcmp(name, "flood") != 0)
            fprintf(stderr, "toy: fd %d \"%s\": %s\n", fd, name ? name : "",
                    good ? "the state stored before" : "not the state");
        t->fds_good += good;
        /* Stored again, as a program that stores what it holds might:
         * the store keeps one copy (systemd's same_fd()). */
        snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", name ? name : "stored");
        if (toy_notify_fds(msg, &fd, 1) < 0)
            toy_fail("FDSTORE=1 again");
        close(fd);
    }
    free(list);
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    unsetenv("LISTEN_PID");
    return 0;
}

/* A first start: the state, and a pipe that hangs up when this toy dies. */
static int toy_fdstore(struct toy *t)
{
    const char *count = getenv("LISTEN_FDS");
    int p[2];
    if (count)
        return toy_fdstore_received(t, count);
    int memfd = memfd_create("toy-state", MFD_CLOEXEC);
    if (memfd < 0 || write(memfd, TOY_STATE_TEXT, strlen(TOY_STATE_TEXT)) < 0 ||
        pipe2(p, O_CLOEXEC) < 0)
        return toy_fail("fd store descriptors");
    int rc = toy_notify_fds("FDSTORE=1\nFDNAME=state", &memfd, 1);
    if (rc == 0)
        rc = toy_notify_fds("FDSTORE=1\nFDNAME=pipe", &p[0], 1);
    close(memfd);
    close(p[0]);
    t->pipe_writer = p[1];
    if (rc < 0)
        return toy_fail("FDSTORE=1");
    fprintf(stderr, "toy: stored \"state\" and \"pipe\"\n");
    return 0;
}

static int toy_fdstore_flood(unsigned n)
{
    int fds[TOY_FDS_PER_MESSAGE];
    while (n) {
        unsigned k = n < TOY_FDS_PER_MESSAGE ? n : TOY_FDS_PER_MESSAGE;
        int rc = 0;
        for (unsigned i = 0; i < k; i++)
            if ((fds[i] = memfd_create("toy-flood", MFD_CLOEXEC)) < 0)
                rc = -1;
        if (rc == 0)
            rc = toy_notify_fds("FDSTORE=1\nFDNAME=flood", fds, k);
        for (unsigned i = 0; i < k; i++)
            if (fds[i] >= 0)
                close(fds[i]);
        if (rc < 0)
            return toy_fail("--fdstore-flood");
        n -= k;
    }
    return 0;
}

/* ---- devices ---- */

static uint8_t *toy_guest_byte(struct toy *t, uint64_t gpa, void **page)
{
    xen_pfn_t gfn = gpa >> 12;
    int err = 0;
    *page = xenforeignmemory_map(t->fmem, t->domid, PROT_READ | PROT_WRITE, 1, &gfn, &err);
    if (*page && err) {
        xenforeignmemory_unmap(t->fmem, *page, 1);
        *page = NULL;
    }
    return *page ? (uint8_t *)*page + (gpa & 0xfff) : NULL;
}

static void toy_drop_kept(struct toy *t)
{
    if (t->kept)
        xenforeignmemory_unmap(t->fmem, t->kept, 1);
    t->kept = NULL;
}

static void toy_keep(struct toy *t, uint64_t gpa)
{
    toy_drop_kept(t);
    toy_guest_byte(t, gpa, &t->kept);
}

static uint8_t toy_fifo_pop(struct toy *t)
{
    if (!t->fifo_len)
        return 0xff;
    uint8_t b = t->fifo[0];
    memmove(t->fifo, t->fifo + 1, --t->fifo_len);
    return b;
}

static void toy_fifo_push(struct toy *t, uint8_t b)
{
    if (t->host >= 0 && send(t->host, &b, 1, MSG_NOSIGNAL) == 1)
        return;
    if (t->fifo_len < sizeof(t->fifo))
        t->fifo[t->fifo_len++] = b;
}

/* rep ins/outs on the FIFO.  With --partial-rep only TOY_REP_MAX bytes
 * move and count is lowered, which Xen ignores: xensim must catch it. */
static void toy_fifo_rep(struct toy *t, ioreq_t *req)
{
    uint32_t n = req->count;
    uint64_t reported = UINT64_MAX; /* the last page reported as modified */

    if (t->partial_rep && n > TOY_REP_MAX)
        n = TOY_REP_MAX;
    for (uint32_t i = 0; i < n; i++) {
        void *page;
        uint64_t gpa = req->df ? req->data - i : req->data + i;
        uint8_t *b = toy_guest_byte(t, gpa, &page);
        if (!b)
            continue;
        if (req->dir == IOREQ_WRITE)
            toy_fifo_push(t, *b);
        else
            *b = toy_fifo_pop(t);
        xenforeignmemory_unmap(t->fmem, page, 1);
        if (req->dir == IOREQ_READ && gpa >> 12 != reported) {
            reported = gpa >> 12;
            if (xendevicemodel_modified_memory(t->dmod, t->domid, reported, 1) < 0)
                toy_fail("modified_memory");
        }
    }
    req->count = n;
    if (t->keep_page)
        toy_keep(t, req->data);
}

static void toy_respond(struct toy *t, unsigned v, const ioreq_t *req);

/* false: the request is held (the gate). */
static bool toy_pio(struct toy *t, ioreq_t *req)
{
    uint64_t off = req->addr - TOY_PORT;
    bool rd = req->dir == IOREQ_READ;

    if (req->data_is_ptr) {
        if (off == 8)
            toy_fifo_rep(t, req);
        return true;
    }
    if (off + req->size <= 8) {
        if (rd)
            memcpy(&req->data, t->pio + off, req->size);
        else
            memcpy(t->pio + off, &req->data, req->size);
    } else if (off == 8 && rd) {
        req->data = toy_fifo_pop(t);
    } else if (off == 8) {
        toy_fifo_push(t, (uint8_t)req->data);
    } else if (off == 9 && rd) {
        return false;
    } else if (off == 9) {
        for (unsigned i = 0; i < t->vcpus; i++) {
            if (t->held[i]) {
                ioreq_t held = t->shared->vcpu_ioreq[i];
                held.data = 1;
                t->held[i] = false;
                toy_respond(t, i, &held);
            }
        }
    } else if (off == 10 && !rd) {
        toy_irq(t, req->data);
    } else if (off == 11 && rd) {
        req->data = t->fds_good;
    } else if (off == 11 && req->data == 1) {
        if (toy_notify_fds("FDSTOREREMOVE=1\nFDNAME=state", NULL, 0) < 0)
            toy_fail("FDSTOREREMOVE=1");
    } else if (rd) {
        req->data = ~0ull;
    }
    return true;
}

/*
 * The DMOP numbered op with the arguments pushed (missing ones are 0):
 *   7  track_dirty_vram        first_pfn, nr
 *   10 set_pci_link_route      link, irq
 *   12 set_mem_type            mem_type, first_pfn, nr
 *   13 inject_event            vcpu, vector, type, error_code, insn_len, extra
 *   15 map_mem_type_to_ioreq_server  type, flags [, server id: else the toy's]
 *   16 remote_shutdown         reason
 *   17 relocate_memory         size, src_gfn, dst_gfn
 *   18 pin_memory_cacheattr    start, end, type
 * Anything else: ENOSYS.
 */
static int toy_dmop(struct toy *t, uint64_t op)
{
    const uint64_t *a = t->dmop_arg;
    xendevicemodel_handle *d = t->dmod;
    switch (op) {
    case 7: {
        size_t bytes = (size_t)(((uint32_t)a[1] + 7ull) / 8) + sizeof(unsigned long);
        unsigned long *bits = calloc(1, bytes > 65536 ? sizeof(unsigned long) : bytes);
        if (!bits)
            return -1;
        int rc = xendevicemodel_track_dirty_vram(d, t->domid, a[0], (uint32_t)a[1], bits);
        int saved = errno;
        if (rc == 0)
            memcpy(&t->vram_bits, bits, sizeof(t->vram_bits));
        free(bits);
        errno = saved;
        return rc;
    }
    case 10:
        return xendevicemodel_set_pci_link_route(d, t->domid, (uint8_t)a[0], (uint8_t)a[1]);
    case 12:
        return xendevicemodel_set_mem_type(d, t->domid, (hvmmem_type_t)a[0], a[1],
                                           (uint32_t)a[2]);
    case 13:
        return xendevicemodel_inject_event(d, t->domid, (int)a[0], (uint8_t)a[1],
                                           (uint8_t)a[2], (uint32_t)a[3], (uint8_t)a[4],
                                           a[5]);
    case 15:
        return xendevicemodel_map_mem_type_to_ioreq_server(
            d, t->domid, t->dmop_args > 2 ? (ioservid_t)a[2] : t->id, (uint16_t)a[0],
            (uint32_t)a[1]);
    case 16:
        return xendevicemodel_shutdown(d, t->domid, (unsigned)a[0]);
    case 17:
        return xendevicemodel_relocate_memory(d, t->domid, (uint32_t)a[0], a[1], a[2]);
    case 18:
        return xendevicemodel_pin_memory_cacheattr(d, t->domid, a[0], a[1], (uint32_t)a[2]);
    default:
        errno = ENOSYS;
        return -1;
    }
}

static void toy_mmio(struct toy *t, ioreq_t *req)
{
    uint64_t off = req->addr - t->mmio;
    bool rd = req->dir == IOREQ_READ;

    if (off + req->size <= sizeof(t->scratch)) {
        if (rd)
            memcpy(&req->data, t->scratch + off, req->size);
        else
            memcpy(t->scratch + off, &req->data, req->size);
    } else if (off == 0x800 && !rd) {
        toy_irq(t, req->data);
    } else if (off == 0x808 && !rd) {
        if (xendevicemodel_inject_msi(t->dmod, t->domid, 0xfee00000, (uint32_t)req->data) < 0)
            toy_fail("inject_msi");
    } else if (off == 0x810 && !rd) {
        if (xendevicemodel_set_pci_intx_level(t->dmod, t->domid, 0, 0, TOY_PCI_DEV, 0,
                                              req->data & 1) < 0)
            toy_fail("set_pci_intx_level");
    } else if (off == 0x818 && rd) {
        req->data = t->invalidates;
    } else if (off == 0x820 && rd) {
        req->data = t->timeoffset;
    } else if (off == 0x828 && !rd) {
        if (t->dmop_args < 8)
            t->dmop_arg[t->dmop_args++] = req->data;
    } else if (off == 0x830 && !rd) {
        t->dmop_errno = toy_dmop(t, req->data) < 0 ? (uint32_t)errno : 0;
        memset(t->dmop_arg, 0, sizeof(t->dmop_arg));
        t->dmop_args = 0;
    } else if (off == 0x830 && rd) {
        req->data = t->dmop_errno;
    } else if (off == 0x838 && rd) {
        req->data = t->vram_bits;
    } else if (rd) {
        req->data = ~0ull;
    }
}

static void toy_pci(struct toy *t, ioreq_t *req)
{
    uint32_t sbdf = (uint32_t)(req->addr >> 32), reg = (uint32_t)(req->addr & 0xfff);
    bool ours = sbdf == TOY_PCI_DEV << 3 && reg + req->size <= sizeof(t->cfg);
    if (req->dir == IOREQ_READ) {
        req->data = ~0ull;
        if (ours)
            memcpy(&req->data, t->cfg + reg, req->size);
    } else if (ours && reg >= 0x40) {
        memcpy(t->cfg + reg, &req->data, req->size);
    }
}

/* Handle a request; false if it is held. */
static bool toy_handle(struct toy *t, ioreq_t *req)
{
    if (req->dir == IOREQ_READ && !req->data_is_ptr)
        req->data = 0;
    switch (req->type) {
    case IOREQ_TYPE_PIO: return toy_pio(t, req);
    case IOREQ_TYPE_COPY: toy_mmio(t, req); break;
    case IOREQ_TYPE_PCI_CONFIG: toy_pci(t, req); break;
    case IOREQ_TYPE_INVALIDATE:
        t->invalidates++;
        if (!t->stale_page)
            toy_drop_kept(t);
        break;
    case IOREQ_TYPE_TIMEOFFSET: t->timeoffset = req->data; break;
    default: break;
    }
    return true;
}

/* ---- the ioreq protocol ---- */

static uint8_t *toy_state(struct toy *t, unsigned v)
{
    return (uint8_t *)&t->shared->vcpu_ioreq[v] + TOY_STATE_BYTE;
}

static void toy_respond(struct toy *t, unsigned v, const ioreq_t *req)
{
    ioreq_t *slot = &t->shared->vcpu_ioreq[v];
    uint8_t *state = toy_state(t, v);
    uint8_t answer = t->write_none ? STATE_IOREQ_NONE : STATE_IORESP_READY;
    slot->data = req->data;
    slot->count = req->count;
    __atomic_store_n(state, (uint8_t)((*state & ~0xfu) | answer), __ATOMIC_RELEASE);
    if (!t->no_notify && xenevtchn_notify(t->xce, t->port[v]) < 0)
        toy_fail("xenevtchn_notify");
}

/* The buffered ring, consumed as QEMU does (pointer pair read at once). */
static void toy_drain_ring(struct toy *t)
{
    buffered_iopage_t *pg = t->buf;
    while (pg) {
        uint64_t pair = __atomic_load_n((uint64_t *)(void *)pg, __ATOMIC_ACQUIRE);
        uint32_t rp = (uint32_t)pair, wp = (uint32_t)(pair >> 32);
        if (rp == wp)
            return;
        const buf_ioreq_t *s = &pg->buf_ioreq[rp % IOREQ_BUFFER_SLOT_NUM];
        ioreq_t req = {
            .addr = s->addr, .data = s->data, .count = 1, .size = 1u << s->size,
            .dir = s->dir, .type = s->type,
        };
        uint32_t slots = 1;
        if (req.size == 8) {
            if (rp + 1 == wp)
                return; /* second half not written yet */
            req.data |= (uint64_t)pg->buf_ioreq[(rp + 1) % IOREQ_BUFFER_SLOT_NUM].data << 32;
            slots = 2;
        }
        toy_handle(t, &req);
        __atomic_fetch_add(&pg->read_pointer, slots, __ATOMIC_SEQ_CST);
    }
}

static unsigned toy_load_state(struct toy *t, unsigned v)
{
    return __atomic_load_n(toy_state(t, v), __ATOMIC_ACQUIRE) & 0xfu;
}

static void toy_take(struct toy *t, unsigned v)
{
    ioreq_t req;
    memcpy(&req, &t->shared->vcpu_ioreq[v], sizeof(req));
    toy_drain_ring(t); /* earlier buffered writes land first */
    if (toy_handle(t, &req)) {
        toy_respond(t, v, &req);
    } else {
        t->held[v] = true;
        __atomic_store_n(toy_state(t, v),
                         (uint8_t)((*toy_state(t, v) & ~0xfu) | STATE_IOREQ_INPROCESS),
                         __ATOMIC_RELEASE);
    }
}

static void toy_serve(struct toy *t, unsigned v)
{
    if (toy_load_state(t, v) == STATE_IOREQ_READY)
        toy_take(t, v);
}

/* After binding: what came before the ports were bound (READY), what a
 * killed toy took (INPROCESS: handled again, nothing of it was saved) or
 * answered without a notification that surely went out (IORESP_READY). */
static void toy_sweep(struct toy *t)
{
    for (unsigned v = 0; v < t->vcpus; v++) {
        unsigned state = toy_load_state(t, v);
        if (state == STATE_IOREQ_READY || state == STATE_IOREQ_INPROCESS)
            toy_take(t, v);
        else if (state == STATE_IORESP_READY && !t->no_notify &&
                 xenevtchn_notify(t->xce, t->port[v]) < 0)
            toy_fail("xenevtchn_notify");
    }
}

/* ---- start-up and teardown ---- */

static int toy_map_pages(struct toy *t)
{
    void *addr = NULL;
    unsigned first = t->bufioreq ? 0 : 1;
    t->res = xenforeignmemory_map_resource(t->fmem, t->domid, XENMEM_resource_ioreq_server,
                                           t->id, first, 2 - first, &addr,
                                           PROT_READ | PROT_WRITE, 0);
    if (t->res) {
        t->buf = t->bufioreq ? addr : NULL;
        t->shared = (shared_iopage_t *)((char *)addr + (t->bufioreq ? 4096 : 0));
        return xendevicemodel_get_ioreq_server_info(t->dmod, t->domid, t->id, NULL,
                                                    NULL, &t->buf_remote);
    }
    if (errno != EOPNOTSUPP)
        return -1;
    /* Legacy: the server's pages as guest frames. */
    xen_pfn_t gfn[2];
    if (xendevicemodel_get_ioreq_server_info(t->dmod, t->domid, t->id, &gfn[1],
                                             t->bufioreq ? &gfn[0] : NULL,
                                             &t->buf_remote) < 0)
        return -1;
    t->legacy_pages = t->bufioreq ? 2 : 1;
    t->legacy = xenforeignmemory_map(t->fmem, t->domid, PROT_READ | PROT_WRITE,
                                     t->legacy_pages, &gfn[2 - t->legacy_pages], NULL);
    if (!t->legacy)
        return -1;
    t->buf = t->bufioreq ? t->legacy : NULL;
    t->shared = (shared_iopage_t *)((char *)t->legacy + (t->bufioreq ? 4096 : 0));
    return 0;
}

static int toy_ranges(struct toy *t, bool map)
{
    int (*range)(xendevicemodel_handle *, domid_t, ioservid_t, int, uint64_t, uint64_t) =
        map ? xendevicemodel_map_io_range_to_ioreq_server
            : xendevicemodel_unmap_io_range_from_ioreq_server;
    int (*pci)(xendevicemodel_handle *, domid_t, ioservid_t, uint16_t, uint8_t, uint8_t,
               uint8_t) = map ? xendevicemodel_map_pcidev_to_ioreq_server
                              : xendevicemodel_unmap_pcidev_from_ioreq_server;
    /* A server taken over may have them already. */
    bool again = map && t->attached;
    if (range(t->dmod, t->domid, t->id, 1, t->mmio, t->mmio + TOY_MMIO_SIZE - 1) < 0 &&
        !(again && errno == EEXIST))
        return -1;
    if (t->arm)
        return 0;
    if (range(t->dmod, t->domid, t->id, 0, TOY_PORT, TOY_PORT + 0xf) < 0 &&
        !(again && errno == EEXIST))
        return -1;
    if (pci(t->dmod, t->domid, t->id, 0, 0, TOY_PCI_DEV, 0) < 0 && !(again && errno == EEXIST))
        return -1;
    return 0;
}

/* ---- --reattach: the server id, kept where dmd keeps its record ---- */

static int toy_record_path(const struct toy *t, char *buf, size_t len)
{
    const char *dir = getenv("RUNTIME_DIRECTORY");
    if (!dir || !*dir) {
        fprintf(stderr, "toy: --reattach needs RUNTIME_DIRECTORY\n");
        return -1;
    }
    snprintf(buf, len, "%s/toy-%u.server", dir, (unsigned)t->domid);
    return 0;
}

static int toy_record(const struct toy *t)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    if (toy_record_path(t, path, sizeof(path)) < 0)
        return -1;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%u\n", (unsigned)t->id) < 0 || fclose(f) != 0 ||
        rename(tmp, path) < 0)
        return toy_fail(path);
    struct stat st;
    if (stat(getenv("RUNTIME_DIRECTORY"), &st) < 0)
        return toy_fail("RUNTIME_DIRECTORY");
    fprintf(stderr, "toy: recorded server %u in %s (directory mode %03o)\n",
            (unsigned)t->id, path, (unsigned)(st.st_mode & 07777));
    return 0;
}

/* 1: took over the server the record names, 0: there is none, -1. */
static int toy_take_over(struct toy *t)
{
    char path[PATH_MAX];
    unsigned id;
    if (toy_record_path(t, path, sizeof(path)) < 0)
        return -1;
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : toy_fail(path);
    int n = fscanf(f, "%u", &id);
    fclose(f);
    if (n != 1) {
        fprintf(stderr, "toy: %s: no server id\n", path);
        return -1;
    }
    if (xendevicemodel_get_ioreq_server_info(t->dmod, t->domid, (ioservid_t)id, NULL, NULL,
                                             NULL) < 0) {
        if (errno != ENOENT)
            return toy_fail("get_ioreq_server_info");
        unlink(path); /* gone with its domain */
        return 0;
    }
    t->id = (ioservid_t)id;
    t->attached = true;
    fprintf(stderr, "toy: took over ioreq server %u\n", id);
    return 1;
}

static int toy_bind(struct toy *t)
{
    for (unsigned v = 0; v < t->vcpus; v++) {
        int port = xenevtchn_bind_interdomain(t->xce, t->domid,
                                              t->shared->vcpu_ioreq[v].vp_eport);
        if (port < 0)
            return -1;
        t->port[v] = (evtchn_port_t)port;
    }
    if (t->bufioreq) {
        int port = xenevtchn_bind_interdomain(t->xce, t->domid, t->buf_remote);
        if (port < 0)
            return -1;
        t->buf_port = (evtchn_port_t)port;
    }
    return 0;
}

/* The host side of the FIFO: one client at a time. */
static int toy_host_listen(struct toy *t)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    if (!t->host_path)
        return 0;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", t->host_path);
    unlink(t->host_path);
    t->host_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (t->host_listen < 0 || bind(t->host_listen, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
        listen(t->host_listen, 1) < 0)
        return toy_fail(t->host_path);
    return 0;
}

static void toy_host_io(struct toy *t, const struct pollfd *pfd)
{
    uint8_t buf[256];
    if (pfd[2].revents && t->host < 0)
        t->host = accept4(t->host_listen, NULL, NULL, SOCK_CLOEXEC);
    if (!pfd[3].revents)
        return;
    ssize_t n = read(t->host, buf, sizeof(buf));
    for (ssize_t i = 0; i < n && t->fifo_len < sizeof(t->fifo); i++)
        t->fifo[t->fifo_len++] = buf[i]; /* not toy_fifo_push: no echo */
    if (n <= 0) {
        close(t->host);
        t->host = -1;
    }
}

/* ---- Xen's rules, as the simulator must enforce them ---- */

static int toy_errno(const char *what, int rc, int err)
{
    if (rc == -1 && errno == err)
        return 0;
    fprintf(stderr, "toy: %s: expected %s, got %s\n", what, strerrorname_np(err),
            rc == -1 ? strerrorname_np(errno) : "success");
    return -1;
}

static int toy_map_port(struct toy *t, bool map, uint64_t s, uint64_t e)
{
    return map ? xendevicemodel_map_io_range_to_ioreq_server(t->dmod, t->domid, t->id, 0, s, e)
               : xendevicemodel_unmap_io_range_from_ioreq_server(t->dmod, t->domid, t->id, 0, s, e);
}

/* 256 ranges per type: the server has one port range, add 255 more. */
static int toy_check_range_limit(struct toy *t)
{
    int bad = 0;
    for (uint64_t i = 0; i < 255; i++)
        bad |= toy_map_port(t, true, 0x1000 + 2 * i, 0x1000 + 2 * i);
    bad |= toy_errno("the 257th range", toy_map_port(t, true, 0x2000, 0x2000), ENOMEM);
    for (uint64_t i = 0; i < 255; i++)
        bad |= toy_map_port(t, false, 0x1000 + 2 * i, 0x1000 + 2 * i);
    return bad;
}

/* 8 servers per domain: this is one, 7 more fit. */
static int toy_check_server_limit(struct toy *t)
{
    ioservid_t id[8];
    int bad = 0;
    for (unsigned i = 0; i < 7; i++)
        bad |= xendevicemodel_create_ioreq_server(t->dmod, t->domid, 0, &id[i]);
    bad |= toy_errno("a 9th server", xendevicemodel_create_ioreq_server(t->dmod, t->domid,
                                                                        0, &id[7]), ENOSPC);
    for (unsigned i = 0; i < 7; i++)
        bad |= xendevicemodel_destroy_ioreq_server(t->dmod, t->domid, id[i]);
    return bad;
}

static int toy_check_rules(struct toy *t)
{
    unsigned n;
    void *addr = NULL;
    int bad = 0;
    bad |= toy_errno("an overlapping range", toy_map_port(t, true, 0x10f, 0x110), EEXIST);
    bad |= toy_errno("start > end", toy_map_port(t, true, 0x201, 0x200), EINVAL);
    bad |= toy_errno("unmapping what is not mapped", toy_map_port(t, false, 0x300, 0x300),
                     ENOENT);
    /* Adjacent ranges merge; a part of the merged range still unmaps. */
    bad |= toy_map_port(t, true, 0x110, 0x11f);
    bad |= toy_map_port(t, false, 0x110, 0x11f);
    bad |= toy_errno("another domain", xendevicemodel_nr_vcpus(t->dmod, t->domid + 1, &n),
                     ESRCH);
    bad |= toy_errno("resource frame 2",
                     xenforeignmemory_map_resource(t->fmem, t->domid, XENMEM_resource_ioreq_server,
                                                   t->id, 2, 1, &addr, PROT_READ, 0) ? 0 : -1,
                     EINVAL);
    bad |= toy_errno("binding a port that is not there",
                     xenevtchn_bind_interdomain(t->xce, t->domid, 4000), EINVAL);
    bad |= toy_check_range_limit(t);
    bad |= toy_check_server_limit(t);
    return bad ? -1 : 0;
}

static int toy_start(struct toy *t)
{
    unsigned other;
    int rc;
    /* A slow start: vCPUs waiting across a restart must not time out. */
    if (t->start_delay_ms)
        usleep(t->start_delay_ms * 1000u);
    /* First: the sweep may read what the store gave back (port 0x10b). */
    if (t->fdstore && toy_fdstore(t) < 0)
        return -1;
    if (t->fdstore_flood && toy_fdstore_flood(t->fdstore_flood) < 0)
        return -1;
    t->dmod = xendevicemodel_open(NULL, 0);
    if (!t->dmod)
        return toy_fail("xendevicemodel_open");
    t->fmem = xenforeignmemory_open(NULL, 0);
    if (!t->fmem)
        return toy_fail("xenforeignmemory_open");
    t->xce = xenevtchn_open(NULL, 0);
    if (!t->xce)
        return toy_fail("xenevtchn_open");
    if (xendevicemodel_nr_vcpus(t->dmod, t->domid, &t->vcpus) < 0)
        return toy_fail("nr_vcpus");
    rc = t->reattach ? toy_take_over(t) : 0;
    if (rc < 0)
        return -1;
    if (rc == 0 && xendevicemodel_create_ioreq_server(t->dmod, t->domid, t->bufioreq,
                                                      &t->id) < 0)
        return toy_fail("create_ioreq_server");
    t->created = true;
    if (rc == 0 && t->reattach && toy_record(t) < 0)
        return -1;
    if (toy_map_pages(t) < 0)
        return toy_fail("mapping the ioreq pages");
    t->ranges = true;
    if (toy_ranges(t, true) < 0)
        return toy_fail("mapping ranges");
    if (t->check_rules && toy_check_rules(t) < 0)
        return -1;
    if (xendevicemodel_set_ioreq_server_state(t->dmod, t->domid, t->id, 1) < 0)
        return toy_fail("enabling");
    t->enabled = true;
    if (toy_bind(t) < 0)
        return toy_fail("binding ports");
    if (!t->no_sweep)
        toy_sweep(t);
    if (toy_host_listen(t) < 0)
        return -1;
    if (xentoolcore_restrict_all(t->domid) < 0)
        return toy_fail("xentoolcore_restrict_all");
    if (xendevicemodel_nr_vcpus(t->dmod, t->domid + 1, &other) == 0 || errno != EPERM) {
        fprintf(stderr, "toy: a DMOP for another domain was not refused\n");
        return -1;
    }
    rc = sd_proto_notify("READY=1");
    if (rc < 0)
        fprintf(stderr, "toy: READY=1 not sent to NOTIFY_SOCKET: %s\n", strerror(-rc));
    return 0;
}

static void toy_stop(struct toy *t)
{
    if (t->enabled)
        xendevicemodel_set_ioreq_server_state(t->dmod, t->domid, t->id, 0);
    if (t->ranges)
        toy_ranges(t, false); /* stops at what was not mapped */
    if (t->created && !t->leak_server &&
        xendevicemodel_destroy_ioreq_server(t->dmod, t->domid, t->id) == 0 && t->reattach) {
        char path[PATH_MAX];
        if (toy_record_path(t, path, sizeof(path)) == 0)
            unlink(path);
    }
    if (!t->leak_mapping && t->res)
        xenforeignmemory_unmap_resource(t->fmem, t->res);
    if (!t->leak_mapping && t->legacy)
        xenforeignmemory_unmap(t->fmem, t->legacy, t->legacy_pages);
    toy_drop_kept(t);
    for (unsigned v = 0; !t->leak_port && v < t->vcpus; v++)
        if (t->port[v])
            xenevtchn_unbind(t->xce, t->port[v]);
    if (!t->leak_port && t->buf_port)
        xenevtchn_unbind(t->xce, t->buf_port);
    xenevtchn_close(t->xce);
    xenforeignmemory_close(t->fmem);
    if (!t->leak_handle)
        xendevicemodel_close(t->dmod);
    if (t->host >= 0)
        close(t->host);
    if (t->pipe_writer >= 0)
        close(t->pipe_writer);
    if (t->host_listen >= 0) {
        close(t->host_listen);
        unlink(t->host_path);
    }
}

/* --no-kill: kill(), tkill(), tgkill() fail with EPERM from now on. */
static int toy_no_kill(void)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_kill, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_tkill, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_tgkill, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    };
    struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
        return toy_fail("--no-kill");
    return 0;
}

/* SIGTERM ends the loop; it is blocked from the start, so one that comes
 * right after READY=1 is not lost. */
static int toy_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    return signalfd(-1, &set, SFD_CLOEXEC);
}

/* --watchdog: 1 if the domain is gone; else answer what waits unnotified.
 * A destroyed domain lingers (dying) while we map it, and still answers
 * nr_vcpus: only its server's absence tells. */
static int toy_watchdog(struct toy *t)
{
    unsigned n;
    if ((xendevicemodel_nr_vcpus(t->dmod, t->domid, &n) < 0 && errno == ESRCH) ||
        (xendevicemodel_get_ioreq_server_info(t->dmod, t->domid, t->id, NULL, NULL,
                                              NULL) < 0 && errno == ENOENT)) {
        fprintf(stderr, "toy: domain %u is gone\n", t->domid);
        return 1;
    }
    for (unsigned v = 0; v < t->vcpus; v++)
        toy_serve(t, v);
    return 0;
}

static int toy_loop(struct toy *t, int sigfd)
{
    struct pollfd pfd[4] = {
        { .fd = sigfd, .events = POLLIN },
        { .fd = xenevtchn_fd(t->xce), .events = POLLIN },
        { .fd = t->host_listen, .events = POLLIN },
    };
    for (;;) {
        pfd[3] = (struct pollfd){ .fd = t->host, .events = POLLIN };
        int n = poll(pfd, 4, t->watchdog ? TOY_WATCHDOG_MS : -1);
        if (n < 0 && errno != EINTR)
            return toy_fail("poll");
        if (n == 0) {
            if (toy_watchdog(t))
                return 0;
            continue;
        }
        if (pfd[0].revents)
            return 0;
        toy_host_io(t, pfd); /* host bytes first: they were sent first */
        if (!pfd[1].revents)
            continue;
        int port = xenevtchn_pending(t->xce);
        if (port < 0 || xenevtchn_unmask(t->xce, (evtchn_port_t)port) < 0)
            return toy_fail("xenevtchn_pending");
        if (!t->lazy_ring)
            toy_drain_ring(t);
        for (unsigned v = 0; v < t->vcpus; v++)
            if (t->port[v] == (evtchn_port_t)port)
                toy_serve(t, v);
    }
}

static int toy_options(int argc, char **argv, struct toy *t)
{
    static const struct option opts[] = {
        { "domid", required_argument, NULL, 'd' },
        { "arch", required_argument, NULL, 'a' },
        { "bufioreq", required_argument, NULL, 'b' },
        { "mmio", required_argument, NULL, 'm' },
        { "no-notify", no_argument, NULL, 'N' },
        { "write-none", no_argument, NULL, 'W' },
        { "no-sweep", no_argument, NULL, 'S' },
        { "check-rules", no_argument, NULL, 'R' },
        { "lazy-ring", no_argument, NULL, 'Z' },
        { "partial-rep", no_argument, NULL, 'P' },
        { "watchdog", no_argument, NULL, 'G' },
        { "keep-page", no_argument, NULL, 'K' },
        { "stale-page", no_argument, NULL, 'T' },
        { "host", required_argument, NULL, 'H' },
        { "leak", required_argument, NULL, 'L' },
        { "reattach", no_argument, NULL, 'A' },
        { "fdstore", no_argument, NULL, 'F' },
        { "fdstore-flood", required_argument, NULL, 'O' },
        { "start-delay", required_argument, NULL, 'D' },
        { "no-kill", no_argument, NULL, 'X' },
        { 0 },
    };
    int c;
    t->domid = 1;
    t->host = t->host_listen = t->pipe_writer = -1;
    t->bufioreq = -1;
    t->mmio = 0xa0000;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': t->domid = (domid_t)strtoul(optarg, NULL, 0); break;
        case 'a': t->arm = strcmp(optarg, "arm") == 0; break;
        case 'b': t->bufioreq = strcmp(optarg, "off") == 0 ? HVM_IOREQSRV_BUFIOREQ_OFF :
                                strcmp(optarg, "legacy") == 0 ? HVM_IOREQSRV_BUFIOREQ_LEGACY :
                                HVM_IOREQSRV_BUFIOREQ_ATOMIC; break;
        case 'm': t->mmio = strtoull(optarg, NULL, 0); break;
        case 'N': t->no_notify = true; break;
        case 'W': t->write_none = true; break;
        case 'S': t->no_sweep = true; break;
        case 'R': t->check_rules = true; break;
        case 'Z': t->lazy_ring = true; break;
        case 'P': t->partial_rep = true; break;
        case 'G': t->watchdog = true; break;
        case 'K': t->keep_page = true; break;
        case 'T': t->keep_page = t->stale_page = true; break;
        case 'H': t->host_path = optarg; break;
        case 'A': t->reattach = true; break;
        case 'F': t->fdstore = true; break;
        case 'O': t->fdstore_flood = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'D': t->start_delay_ms = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'X': t->no_kill = true; break;
        case 'L':
            t->leak_server |= strcmp(optarg, "server") == 0;
            t->leak_port |= strcmp(optarg, "port") == 0;
            t->leak_mapping |= strcmp(optarg, "mapping") == 0;
            t->leak_handle |= strcmp(optarg, "handle") == 0;
            break;
        default:
            return -1;
        }
    }
    if (t->bufioreq < 0)
        t->bufioreq = t->arm ? HVM_IOREQSRV_BUFIOREQ_OFF : HVM_IOREQSRV_BUFIOREQ_ATOMIC;
    return 0;
}

int main(int argc, char **argv)
{
    static struct toy t;
    if (toy_options(argc, argv, &t) < 0) {
        fprintf(stderr, "usage: toy [--domid D] [--arch x86|arm] [--bufioreq off|legacy|atomic]\n"
                        "           [--mmio ADDR] [--no-notify] [--write-none] [--no-sweep]\n"
                        "           [--check-rules] [--lazy-ring] [--partial-rep] [--watchdog]\n"
                        "           [--keep-page] [--stale-page]\n"
                        "           [--host PATH] [--reattach] [--fdstore] [--fdstore-flood N]\n"
                        "           [--start-delay MS] [--no-kill]\n"
                        "           [--leak server|port|mapping|handle]\n");
        return 2;
    }
    memcpy(t.cfg, "\x34\x12\x78\x56", 4);
    if (t.no_kill && toy_no_kill() < 0)
        return 1;
    int sigfd = toy_signals();
    int rc = toy_start(&t) < 0 ? 1 : toy_loop(&t, sigfd) < 0;
    toy_stop(&t);
    return rc;
}
