/* SPDX-License-Identifier: MIT */
/*
 * null_ioreq: the smallest IOREQ server, the floor dmd is measured against.
 *
 *   null_ioreq --domid N [--port BASE:SIZE]... [--mmio BASE:SIZE]...
 *              [--value V] [--bufioreq]
 *
 * It claims the ranges it is given, answers every read with V (masked to
 * the access size; default 0x60, a 16550's idle LSR), drops every write and
 * consumes the buffered ring without looking at it.  It does nothing else:
 * no devices, no guest memory, no timers, no logging per request.  Its
 * loop is the fewest system calls the protocol needs per request: one
 * blocking read of the event channel (xenevtchn_pending), one unmask, one
 * notify.  dmd's loop adds what a real daemon needs (libev's epoll_wait, a
 * watchdog timer, devices); bench/ prints the difference.
 *
 * Built with NULL_IOREQ_LIBEV (bench/null_ioreq_libev) it serves the same
 * way from a libev loop, as dmd does (one xenevtchn_pending per readable
 * event, a 1 s timer armed as dmd's watchdog is): the floor of any server
 * built on an event loop, which tells what of dmd's cost is the loop's and
 * what is its own.  The plain build does not load libev at all.
 *
 * It uses the same libraries and the same start-up order as dmd: create,
 * acquire the pages, claim the ranges, enable, bind every vCPU's port,
 * sweep, READY=1 to NOTIFY_SOCKET (with dmd's src/sd_proto.c) and "ready"
 * on stderr.  SIGTERM or SIGINT stops it: disable, answer what is left,
 * unbind, destroy, close; then it prints how many requests it answered.
 * Exit status 0, or 1 on a failed Xen call (named on stderr with its
 * errno), 2 on a bad command line.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/hvm/hvm_op.h>
#include <xen/memory.h>

#ifdef NULL_IOREQ_LIBEV
#include <ev.h>
#endif

#include "ioreq_abi.h"
#include "ioreq_ring.h"
#include "sd_proto.h"

#define MAX_RANGES 256 /* Xen's limit per range type */

struct range {
    bool mmio;
    uint64_t first, last;
};

static struct {
    domid_t domid;
    uint64_t value;
    bool bufioreq;
    struct range ranges[MAX_RANGES];
    unsigned nranges;
} opt = { .value = 0x60 };

static struct {
    xendevicemodel_handle *dm;
    xenforeignmemory_handle *fmem;
    xenevtchn_handle *xce;
    xenforeignmemory_resource_handle *res;
    ioservid_t id;
    bool have_server;
    shared_iopage_t *shared;
    buffered_iopage_t *buffered;
    unsigned nr_vcpus, nr_bound, nr_mapped;
    evtchn_port_t port[IOREQ_MAX_VCPUS];
    evtchn_port_t buf_port;
    bool buf_bound;
    unsigned long long sync, buffered_reqs;
} s;

static volatile sig_atomic_t stop;

/* SIGTERM may land just before the blocking read (or during a library
 * call that retries on EINTR): SIGALRM, without SA_RESTART, interrupts
 * that read every 10 ms from then on. */
static void on_stop(int sig)
{
    static const struct itimerval every_10ms = { { 0, 10000 }, { 0, 10000 } };

    (void)sig;
    stop = 1;
    setitimer(ITIMER_REAL, &every_10ms, NULL);
}

static void on_alarm(int sig)
{
    (void)sig;
}

static int fail(const char *call)
{
    fprintf(stderr, "null_ioreq: %s (domain %u, server %u): %s\n", call, opt.domid, s.id,
            strerror(errno));
    return -1;
}

static int parse_range(const char *arg, bool mmio)
{
    char *end;
    unsigned long long base = strtoull(arg, &end, 0), size;

    if (*end != ':' || opt.nranges == MAX_RANGES)
        return -1;
    size = strtoull(end + 1, &end, 0);
    if (*end != '\0' || size == 0 || base + size - 1 < base)
        return -1;
    opt.ranges[opt.nranges++] = (struct range){ mmio, base, base + size - 1 };
    return 0;
}

static int parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;

        if (strcmp(a, "--bufioreq") == 0) {
            opt.bufioreq = true;
            continue;
        }
        if (v == NULL)
            return -1;
        i++;
        if (strcmp(a, "--domid") == 0) {
            unsigned long d = strtoul(v, &end, 0);
            if (*end != '\0' || d == 0 || d >= DOMID_FIRST_RESERVED)
                return -1;
            opt.domid = (domid_t)d;
        } else if (strcmp(a, "--value") == 0) {
            opt.value = strtoull(v, &end, 0);
            if (*end != '\0')
                return -1;
        } else if (strcmp(a, "--port") == 0 || strcmp(a, "--mmio") == 0) {
            if (parse_range(v, a[2] == 'm') < 0)
                return -1;
        } else {
            return -1;
        }
    }
    return opt.domid != 0 && opt.nranges > 0 ? 0 : -1;
}

static void on_buffered(void *ctx, ioreq_t *req)
{
    (void)ctx, (void)req;
    s.buffered_reqs++;
}

/* Answer vCPU's slot if it is READY. */
static void serve(unsigned vcpu)
{
    ioreq_t *slot = &s.shared->vcpu_ioreq[vcpu];

    if (ioreq_state_load(slot) != STATE_IOREQ_READY)
        return;
    if (slot->dir == IOREQ_READ && !slot->data_is_ptr)
        slot->data = slot->size >= 8 ? opt.value
                                     : opt.value & ((UINT64_C(1) << (8 * slot->size)) - 1);
    ioreq_state_store(slot, STATE_IORESP_READY);
    xenevtchn_notify(s.xce, s.port[vcpu]);
    s.sync++;
}

static void sweep(void)
{
    if (s.buffered != NULL)
        ioreq_ring_drain(s.buffered, IOREQ_BUFFER_SLOT_NUM, on_buffered, NULL);
    for (unsigned i = 0; i < s.nr_bound; i++)
        serve(i);
}

/* One event: the port it names, unmasked, then its slot or the ring. */
static void serve_port(evtchn_port_t port)
{
    xenevtchn_unmask(s.xce, port);
    if (s.buf_bound && port == s.buf_port) {
        ioreq_ring_drain(s.buffered, IOREQ_BUFFER_SLOT_NUM, on_buffered, NULL);
        return;
    }
    for (unsigned i = 0; i < s.nr_bound; i++)
        if (s.port[i] == port)
            serve(i);
}

#ifdef NULL_IOREQ_LIBEV
static void on_event(struct ev_loop *l, ev_io *w, int revents)
{
    xenevtchn_port_or_error_t port = xenevtchn_pending(s.xce);

    (void)w, (void)revents;
    if (port >= 0)
        serve_port((evtchn_port_t)port);
    else if (errno != EINTR && errno != EAGAIN)
        ev_break(l, EVBREAK_ALL);
}

static void on_tick(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l, (void)w, (void)revents;
}

static void on_signal(struct ev_loop *l, ev_signal *w, int revents)
{
    (void)w, (void)revents;
    ev_break(l, EVBREAK_ALL);
}

static void loop_libev(void)
{
    struct ev_loop *l = ev_default_loop(EVFLAG_AUTO);
    ev_io io;
    ev_timer tick;
    ev_signal term, intr;

    if (l == NULL)
        return;
    ev_io_init(&io, on_event, xenevtchn_fd(s.xce), EV_READ);
    ev_timer_init(&tick, on_tick, 1.0, 1.0);
    ev_signal_init(&term, on_signal, SIGTERM);
    ev_signal_init(&intr, on_signal, SIGINT);
    ev_io_start(l, &io);
    ev_timer_start(l, &tick);
    ev_signal_start(l, &term);
    ev_signal_start(l, &intr);
    if (!stop)
        ev_run(l, 0);
    ev_loop_destroy(l);
}
#endif

static void loop(void)
{
#ifdef NULL_IOREQ_LIBEV
    loop_libev();
    return;
#endif
    while (!stop) {
        xenevtchn_port_or_error_t port = xenevtchn_pending(s.xce);

        if (port < 0) {
            if (errno == EINTR)
                continue;
            fail("xenevtchn_pending");
            return;
        }
        serve_port((evtchn_port_t)port);
    }
}

static int map_range(const struct range *r, bool map)
{
    int rc = map ? xendevicemodel_map_io_range_to_ioreq_server(s.dm, opt.domid, s.id, r->mmio,
                                                                r->first, r->last)
                 : xendevicemodel_unmap_io_range_from_ioreq_server(s.dm, opt.domid, s.id,
                                                                    r->mmio, r->first, r->last);
    if (rc < 0)
        fprintf(stderr, "null_ioreq: xendevicemodel_%s_io_range (domain %u, server %u, %s "
                "%#llx-%#llx): %s\n", map ? "map" : "unmap", opt.domid, s.id,
                r->mmio ? "mmio" : "port", (unsigned long long)r->first,
                (unsigned long long)r->last, strerror(errno));
    return rc;
}

static int start(void)
{
    void *addr = NULL;
    int bufioreq = opt.bufioreq ? HVM_IOREQSRV_BUFIOREQ_ATOMIC : HVM_IOREQSRV_BUFIOREQ_OFF;

    s.dm = xendevicemodel_open(NULL, 0);
    s.fmem = xenforeignmemory_open(NULL, 0);
    s.xce = xenevtchn_open(NULL, 0);
    if (s.dm == NULL || s.fmem == NULL || s.xce == NULL)
        return fail("opening the Xen library handles");
    if (xendevicemodel_nr_vcpus(s.dm, opt.domid, &s.nr_vcpus) < 0)
        return fail("xendevicemodel_nr_vcpus");
    if (s.nr_vcpus == 0 || s.nr_vcpus > IOREQ_MAX_VCPUS) {
        errno = ERANGE;
        return fail("xendevicemodel_nr_vcpus");
    }
    if (xendevicemodel_create_ioreq_server(s.dm, opt.domid, bufioreq, &s.id) < 0)
        return fail("xendevicemodel_create_ioreq_server");
    s.have_server = true;
    s.res = xenforeignmemory_map_resource(
        s.fmem, opt.domid, XENMEM_resource_ioreq_server, s.id,
        opt.bufioreq ? XENMEM_resource_ioreq_server_frame_bufioreq
                     : XENMEM_resource_ioreq_server_frame_ioreq(0),
        opt.bufioreq ? 2 : 1, &addr, PROT_READ | PROT_WRITE, 0);
    if (s.res == NULL)
        return fail("xenforeignmemory_map_resource");
    s.buffered = opt.bufioreq ? addr : NULL;
    s.shared = opt.bufioreq ? (shared_iopage_t *)((char *)addr + IOREQ_PAGE_SIZE) : addr;
    for (; s.nr_mapped < opt.nranges; s.nr_mapped++)
        if (map_range(&opt.ranges[s.nr_mapped], true) < 0)
            return -1;
    if (xendevicemodel_set_ioreq_server_state(s.dm, opt.domid, s.id, 1) < 0)
        return fail("xendevicemodel_set_ioreq_server_state(enabled)");
    for (; s.nr_bound < s.nr_vcpus; s.nr_bound++) {
        xenevtchn_port_or_error_t p = xenevtchn_bind_interdomain(
            s.xce, opt.domid, s.shared->vcpu_ioreq[s.nr_bound].vp_eport);
        if (p < 0)
            return fail("xenevtchn_bind_interdomain");
        s.port[s.nr_bound] = (evtchn_port_t)p;
    }
    if (opt.bufioreq) {
        evtchn_port_t remote;
        xenevtchn_port_or_error_t p;

        if (xendevicemodel_get_ioreq_server_info(s.dm, opt.domid, s.id, NULL, NULL,
                                                 &remote) < 0)
            return fail("xendevicemodel_get_ioreq_server_info");
        p = xenevtchn_bind_interdomain(s.xce, opt.domid, remote);
        if (p < 0)
            return fail("xenevtchn_bind_interdomain(bufioreq)");
        s.buf_port = (evtchn_port_t)p;
        s.buf_bound = true;
    }
    sweep(); /* requests made before the ports were bound */
    return 0;
}

/* Undo whatever start() did, in reverse. */
static void finish(void)
{
    if (s.have_server)
        xendevicemodel_set_ioreq_server_state(s.dm, opt.domid, s.id, 0);
    if (s.shared != NULL)
        sweep();
    if (s.buf_bound)
        xenevtchn_unbind(s.xce, s.buf_port);
    while (s.nr_bound > 0)
        xenevtchn_unbind(s.xce, s.port[--s.nr_bound]);
    while (s.nr_mapped > 0)
        map_range(&opt.ranges[--s.nr_mapped], false);
    if (s.res != NULL)
        xenforeignmemory_unmap_resource(s.fmem, s.res);
    if (s.have_server && xendevicemodel_destroy_ioreq_server(s.dm, opt.domid, s.id) < 0)
        fail("xendevicemodel_destroy_ioreq_server");
    if (s.xce != NULL)
        xenevtchn_close(s.xce);
    if (s.fmem != NULL)
        xenforeignmemory_close(s.fmem);
    if (s.dm != NULL)
        xendevicemodel_close(s.dm);
}

int main(int argc, char **argv)
{
    struct sigaction sa = { .sa_handler = on_stop }; /* no SA_RESTART */
    int rc = 0, nrc;

    if (parse_args(argc, argv) < 0) {
        fprintf(stderr, "usage: null_ioreq --domid N [--port BASE:SIZE]... "
                        "[--mmio BASE:SIZE]... [--value V] [--bufioreq]\n");
        return 2;
    }
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);

    if (start() == 0) {
        fprintf(stderr, "null_ioreq: ready: serving domain %u as ioreq server %u, %u vCPU(s)\n",
                opt.domid, s.id, s.nr_vcpus);
        nrc = sd_proto_notify("READY=1");
        if (nrc < 0)
            fprintf(stderr, "null_ioreq: READY=1 not sent to NOTIFY_SOCKET: %s\n",
                    strerror(-nrc));
        loop();
    } else {
        rc = 1;
    }
    finish();
    fprintf(stderr, "null_ioreq: answered %llu synchronous and %llu buffered requests\n",
            s.sync, s.buffered_reqs);
    return rc;
}
